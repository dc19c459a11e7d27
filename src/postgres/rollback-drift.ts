import pg from 'pg';
import { catalogSummary, normaliseExpression, type CatalogItem } from '../validation/schema-parity';
import {
  sourceItems,
  readFullyQualified,
  targetItemsMappedBack,
  type CheckSchemaLayout,
} from '../validation/schema-level';
import { onTenantSide, rowsOutsideTenantSchemas, tenantSchemas, type TenantSide } from './tenant-side';
import { normaliseAcrossVersions } from '../validation/version-normalise';
import type { TenantPlan } from './plan-types';
import { serverMajor } from './versions';

/**
 * Schema drift between the tenant's database and the shared database as they are now (not as
 * they were at the promotion: the same migration applied to both is normal). Rows cannot come
 * back into a schema that has no place for them, so a rollback refuses, before changing anything,
 * on: a table, column or constraint that exists only in the tenant's database; a column whose
 * type differs; a column NOT NULL in the shared database that the tenant's database let go of (a
 * NULL written since cannot come back); a constraint whose definition differs; and a column of a
 * restored table that the tenant's database lacks (its rows cannot supply it). Reads the catalogs
 * with the schema-parity check's `catalogSummary` (the tool's `_tenant_isolation` schema is left
 * out there). Then the values themselves: a tenant on a newer major may hold values the shared
 * server's older major cannot represent (`unrepresentableValues`).
 */

const COMPARED = new Set(['table', 'column', 'constraint']);

/** The type part of a `catalogSummary` column definition (`bigint not null default … #3` → `bigint`). */
export function columnType(definition: string): string {
  const cut = definition.search(/ not null| identity | generated | default | #\d/);
  return cut < 0 ? definition : definition.slice(0, cut);
}

/** Whether a `catalogSummary` column definition says NOT NULL (right after the type, never in a default). */
export function columnNotNull(definition: string): boolean {
  return definition.slice(columnType(definition).length).startsWith(' not null');
}

/** Pure: the drift between the two summaries, restricted to `restored` tables for shared-only columns. */
export function diffSchemas(
  shared: CatalogItem[],
  isolated: CatalogItem[],
  restored: ReadonlySet<string>,
): string[] {
  const key = (i: CatalogItem) => `${i.category} ${i.name}`;
  const s = new Map(shared.filter((i) => COMPARED.has(i.category)).map((i) => [key(i), i]));
  const t = new Map(isolated.filter((i) => COMPARED.has(i.category)).map((i) => [key(i), i]));
  const out: string[] = [];
  for (const [k, i] of t) {
    const other = s.get(k);
    if (!other) {
      out.push(`${i.category} ${i.name}: only in the tenant's database`);
      continue;
    }
    if (i.category === 'column') {
      const [a, b] = [columnType(other.definition), columnType(i.definition)];
      if (a !== b) out.push(`column ${i.name}: type differs (shared: ${a}; tenant's: ${b})`);
      else if (columnNotNull(other.definition) && !columnNotNull(i.definition))
        out.push(`column ${i.name}: NOT NULL in the shared database, nullable in the tenant's`);
    } else if (
      i.category === 'constraint' &&
      i.definition !== other.definition &&
      normaliseExpression(i.definition) !== normaliseExpression(other.definition)
    ) {
      out.push(`constraint ${i.name}: differs (shared: ${other.definition}; tenant's: ${i.definition})`);
    }
  }
  for (const [k, i] of s) {
    if (i.category === 'column' && i.owner !== null && restored.has(i.owner) && !t.has(k))
      out.push(`column ${i.name}: only in the shared database (the tenant's rows cannot supply it)`);
  }
  return out.sort();
}

/**
 * Values of the tenant's database a shared server of an older major cannot hold, one line per
 * table (its name, the columns and the row count). Infinite intervals exist from PostgreSQL 17:
 * on an older shared server COPY refuses them, after the fence. Columns of type interval, of a
 * domain over it, or arrays of either, in the tables the rollback brings back.
 */
export async function unrepresentableValues(
  isolated: pg.ClientBase,
  plan: TenantPlan,
  majors: { shared: number; tenant: number },
  side?: TenantSide,
): Promise<string[]> {
  if (!(majors.shared < 17 && majors.tenant >= 17)) return [];
  if (plan.tables.length === 0) return [];
  const { rows } = await isolated.query<{ i: number; columns: string[]; arrays: boolean[] }>(
    `WITH cols AS (
       SELECT a.attrelid, a.attname, t.typcategory = 'A' AS is_array,
              coalesce(nullif(e.typbasetype, 0), e.oid) AS base
         FROM pg_attribute a
         JOIN pg_type t ON t.oid = a.atttypid
         JOIN pg_type e ON e.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE coalesce(nullif(t.typbasetype, 0), t.oid) END
        WHERE a.attnum > 0 AND NOT a.attisdropped)
     SELECT p.i - 1 AS i,
            array_agg(quote_ident(cols.attname) ORDER BY cols.attname) AS columns,
            array_agg(cols.is_array ORDER BY cols.attname) AS arrays
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS p(schema, name, i)
       JOIN pg_namespace n ON n.nspname = p.schema
       JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.name
       JOIN cols ON cols.attrelid = c.oid
      WHERE cols.base = 'interval'::regtype
      GROUP BY p.i ORDER BY p.i`,
    // Catalog names of the tenant's side (a statement's names are mapped by its session; values are not).
    [
      plan.tables.map((t) => (side ? onTenantSide(side, t.schema) : t.schema)),
      plan.tables.map((t) => t.name),
    ],
  );
  const out: string[] = [];
  for (const r of rows) {
    const table = plan.tables[Number(r.i)]!;
    // Column names come quoted from the catalog (quote_ident); the table is the plan's, quoted.
    const infinite = r.columns.map((c, i) =>
      r.arrays[i] ? `EXISTS (SELECT 1 FROM unnest(${c}) v WHERE NOT isfinite(v))` : `NOT isfinite(${c})`,
    );
    const { rows: found } = await isolated.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${table.qualified} WHERE ${infinite.join(' OR ')}`,
    );
    const n = Number(found[0]!.n);
    if (n > 0)
      out.push(
        `table ${table.qualified}: ${n} row(s) with an infinite interval (in ${r.columns.join(', ')}), which PostgreSQL ${majors.shared} cannot hold`,
      );
  }
  return out;
}

/** What keeps the rows from coming back: the schema drift, and values the shared server cannot hold. */
export interface RollbackDrift {
  schema: string[];
  values: string[];
}

/** Reads both catalogs (and, across majors, the values) and returns the drift (empty: none). */
export async function schemaDrift(
  shared: pg.ClientBase,
  isolated: pg.ClientBase,
  plan: TenantPlan,
  side: TenantSide = { database: '', ownDatabase: true },
): Promise<RollbackDrift> {
  const majors = { shared: await serverMajor(shared), tenant: await serverMajor(isolated) };
  // Schema level: compared as the schema-parity check compares them — every name qualified on
  // both sides (readFullyQualified), each side restricted to its schemas (they may be one
  // database), the tenant's names written back as the shared ones.
  const layout: CheckSchemaLayout | undefined = side.schemas && {
    into: side.ownDatabase ? 'new-database' : 'shared-database',
    mappings: [...side.schemas].map(([source, target]) => ({ source, target })),
    searchPath: side.searchPath ?? tenantSchemas(side),
  };
  if (layout) {
    await readFullyQualified(shared);
    await readFullyQualified(isolated);
  }
  const functionText = layout !== undefined;
  // In the shared database the tenant's schemas are left out of every user-schema read (they are
  // a promoted tenant's, tool-schemas.ts): its side reads exactly them.
  const only = side.ownDatabase ? undefined : tenantSchemas(side);
  const [sharedItems, tenantItems] = [
    await catalogSummary(shared, { functionText }),
    await catalogSummary(isolated, { functionText, only }),
  ];
  // A tenant on a newer major: what the versions represent differently is not drift.
  const { source: s, target: t } = normaliseAcrossVersions(
    layout ? sourceItems(sharedItems, layout) : sharedItems,
    layout ? targetItemsMappedBack(tenantItems, layout) : tenantItems,
    { source: majors.shared, target: majors.tenant },
  );
  // Into a database of its own, the drop takes what lies outside the tenant's schemas too.
  const outside = await rowsOutsideTenantSchemas(isolated, side);
  return {
    schema: [...diffSchemas(s, t, new Set(plan.tables.map((x) => x.qualified))), ...outside],
    values: await unrepresentableValues(isolated, plan, majors, side),
  };
}
