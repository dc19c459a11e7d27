import pg from 'pg';
import { PromotionError } from '../errors';
import type { TenantPlan } from './plan-types';
import { userSchemaSql } from './tool-schemas';
import { mapStatement, schemaMap } from './schema-layout';

const qi = pg.escapeIdentifier;

/**
 * Where a promoted tenant's tables are on its side, and the one place that names them there.
 *
 * Everything that reads the tenant's side after the switch (rollback's drift, preview, restore,
 * large objects, proof before the drop) is written against the shared database's names: the
 * plan's `qualified`, `where`, foreign keys, the ledger's keys. At database level the tenant's
 * database holds the same names. At schema level its tables live in mapped schemas (recorded at
 * the switch: `isolation.schema.mappings`), in a database of their own on a target server or in
 * the shared database itself. Instead of a branch at every site, the session on the tenant's side
 * rewrites every statement it is given (`tenantSession`): each `schema.name` the tenant's side
 * defines in a mapped schema becomes `tenant_schema.name` (`mapStatement`, the clone's lexer), so
 * a statement naming `"public"."projects"` reads the tenant's `"tenant_acme"."projects"`.
 * Parameters and results are not rewritten: a caller that passes a table's name as a value, or
 * reads catalog names back, uses `schemas` itself (sequences, the catalog comparison).
 */
export interface TenantSide {
  /** The database holding the tenant's tables. */
  database: string;
  /**
   * True when that database is the tenant's own (database level; schema level into a new
   * database): it may be fenced as a whole and dropped. False when the tenant's schemas are in
   * the shared database: only the schemas are the tenant's.
   */
  ownDatabase: boolean;
  /** Schema level: source schema → the tenant's schema. Absent at database level. */
  schemas?: ReadonlyMap<string, string>;
  /** Schema level: the search_path the tenant's application sets (its schemas, then the extensions'). */
  searchPath?: string[];
}

/**
 * The tenant's side as the switch recorded it. `database`: the tenant's database name
 * (DerivedNames.database); `sharedDatabase`: the shared database, which holds the tenant's
 * schemas when they went into it.
 */
export function tenantSideOf(
  isolation:
    | {
        isolation_level?: 'database' | 'schema';
        schema?: {
          into: 'shared-database' | 'new-database';
          mappings: { source: string; target: string }[];
          search_path: string[];
        };
      }
    | undefined,
  database: string,
  sharedDatabase: string,
): TenantSide {
  const layout = isolation?.isolation_level === 'schema' ? isolation.schema : undefined;
  if (!layout) return { database, ownDatabase: true };
  const shared = layout.into === 'shared-database';
  return {
    database: shared ? sharedDatabase : database,
    ownDatabase: !shared,
    schemas: schemaMap(layout),
    searchPath: layout.search_path,
  };
}

/** The tenant's schemas on its side (schema level), in mapping order; empty at database level. */
export function tenantSchemas(side: TenantSide): string[] {
  return [...new Set(side.schemas?.values() ?? [])];
}

/** A schema's name on the tenant's side (itself at database level). */
export function onTenantSide(side: TenantSide, schema: string): string {
  return side.schemas?.get(schema) ?? schema;
}

/**
 * `schema\0name` of every relation, type and function the tenant's side defines in its schemas,
 * written with the source schema: the names a statement may map. A name the tenant's side does
 * not define (an extension's function or type living in `public`) keeps its schema, so it still
 * resolves where the extension is.
 */
async function definedOnTenantSide(client: pg.ClientBase, side: TenantSide): Promise<Set<string>> {
  const back = new Map([...(side.schemas ?? [])].map(([s, t]) => [t, s]));
  const { rows } = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1::text[])
     UNION SELECT n.nspname, t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = ANY($1::text[])
     UNION SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY($1::text[])`,
    [tenantSchemas(side)],
  );
  return new Set(rows.map((r) => `${back.get(r.schema)}\u0000${r.name}`));
}

/**
 * The plan's tables (`schema.name`) whose schema the tenant's side has no schema for (schema
 * level): a shared migration added a tenant table in a new schema after the switch. Empty at
 * database level. Pure.
 */
export function unmappedPlanTables(plan: TenantPlan, side: TenantSide): string[] {
  const map = side.schemas;
  if (!map) return [];
  return plan.tables.filter((t) => !map.has(t.schema)).map((t) => `${t.schema}.${t.name}`);
}

/** Why a plan with tables in unmapped schemas cannot be read on the tenant's side, and what to do. */
export function unmappedPlanTablesError(tables: readonly string[], side: TenantSide): PromotionError {
  return new PromotionError(
    'tenant-state',
    `The tenant's tables ${tables.join(', ')} are in schemas its side has no schema for (mapped at the switch: ${[...(side.schemas?.keys() ?? [])].join(', ')}); a shared migration added them after the promotion, so the tenant's side holds none of their rows.`,
    `Nothing was changed and the tenant stays isolated. The rollback plans with the options recorded at the switch, so such a table cannot be left out: move it into one of the mapped schemas (in both databases), or drop its foreign keys to the tenant's rows if it is not the tenant's, then re-run the rollback.`,
  );
}

/** What a query method is given first: a text, a config with one, or a submittable (COPY streams). */
type QueryInput = string | { text?: unknown; submit?: unknown };

/**
 * `client` with every statement it runs written for the tenant's side (see TenantSide); the
 * client itself at database level. The plan's tables are always mapped (a table the tenant's side
 * lacks then fails loudly there instead of reading the shared one, in the shared database); a
 * plan table in a schema the side does not map is refused (unmappedPlanTablesError).
 * Call before anything else runs on `client` (it reads the catalog once).
 */
export async function tenantSession<C extends pg.ClientBase>(
  client: C,
  side: TenantSide,
  plan?: TenantPlan,
): Promise<C> {
  const map = side.schemas;
  if (!map || map.size === 0) return client;
  // A plan table in a schema the side does not map would keep its name: at the shared placement
  // that reads the SHARED table as if it were the tenant's. Refused, never passed through.
  const unmapped = plan ? unmappedPlanTables(plan, side) : [];
  if (unmapped.length) throw unmappedPlanTablesError(unmapped, side);
  const defined = await definedOnTenantSide(client, side);
  for (const t of plan?.tables ?? []) defined.add(`${t.schema}\u0000${t.name}`);
  const rewrite = (sql: string) => mapStatement(sql, map, { defined });
  const mapped = (input: QueryInput): QueryInput => {
    if (typeof input === 'string') return rewrite(input);
    if (input && typeof input.text === 'string') {
      // A submittable (pg-copy-streams) sends its own `text`: rewritten in place, before it is submitted.
      if (typeof input.submit === 'function') {
        input.text = rewrite(input.text);
        return input;
      }
      return { ...input, text: rewrite(input.text) };
    }
    return input;
  };
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'query')
        return (input: QueryInput, ...rest: unknown[]) =>
          (target.query as (...a: unknown[]) => unknown)(mapped(input), ...rest);
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Schema level into a database of its own: tables of that database outside the tenant's schemas
 * (the tool's and extensions' aside) that hold rows, or that cannot be read to prove they hold
 * none — one line each. The drift compares only the tenant's schemas and the rollback restores
 * only the plan's tables, but the drop takes the whole database: such rows (a table the tenant's
 * owner created in `public`) would be lost, so they refuse the rollback and keep the database.
 * Each table is read through `query_to_xml` with its name in a literal, so the tenant session's
 * rewrite (which would turn `public.audit` into the tenant's own `audit`) cannot touch it, and
 * with row security off, so a policy errors instead of hiding rows.
 */
export async function rowsOutsideTenantSchemas(client: pg.ClientBase, side: TenantSide): Promise<string[]> {
  if (!side.ownDatabase || !side.schemas) return [];
  const { rows: tables } = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND NOT (n.nspname = ANY ($1::text[])) AND ${userSchemaSql('n')}
        AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY 1, 2`,
    [tenantSchemas(side)],
  );
  const out: string[] = [];
  await client.query(`SET row_security = off`);
  try {
    for (const t of tables) {
      const name = `${t.schema}.${t.name}`;
      try {
        const { rows } = await client.query<{ rows: boolean }>(
          `SELECT query_to_xml(format('SELECT 1 FROM ONLY %I.%I LIMIT 1', $1::text, $2::text), false, true, '')::text <> '' AS rows`,
          [t.schema, t.name],
        );
        if (rows[0]!.rows)
          out.push(
            `table ${name}: outside the tenant's schemas, holds rows no shared table receives (the drop of the tenant's database would lose them: move them or empty the table)`,
          );
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code !== '42501') throw e;
        out.push(
          `table ${name}: outside the tenant's schemas, cannot be read to prove it holds no rows (${(e as Error).message})`,
        );
      }
    }
  } finally {
    await client.query(`RESET row_security`);
  }
  return out;
}

/** The tables of `schemas` (partitions and their parents), each schema-qualified and quoted. */
export async function tenantTables(client: pg.ClientBase, schemas: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ nspname: string; relname: string }>(
    `SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p') ORDER BY 1, 2`,
    [schemas],
  );
  return rows.map((r) => `${qi(r.nspname)}.${qi(r.relname)}`);
}

/** Which of the tenant's schemas exist on its side (schema level). */
export async function existingTenantSchemas(client: pg.ClientBase, side: TenantSide): Promise<string[]> {
  const { rows } = await client.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY 1`,
    [tenantSchemas(side)],
  );
  return rows.map((r) => r.nspname);
}

/**
 * Objects outside the tenant's schemas that depend on objects inside them (a shared view reading
 * a tenant table, a foreign key into one, a function taking one of its types): dropping the
 * schemas CASCADE would drop those too. Described as PostgreSQL describes them, up to 20.
 */
export async function dependentsOutside(
  client: pg.ClientBase,
  schemas: readonly string[],
): Promise<string[]> {
  // The schema of the depending object: its own, or — rules (views), triggers, defaults and
  // policies belong to no schema — its table's. None found counts as outside (refuse).
  const { rows } = await client.query<{ what: string }>(
    `WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = ANY($1::text[])),
          inside AS (
            SELECT 'pg_class'::regclass AS classid, c.oid FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM ns)
            UNION ALL SELECT 'pg_type'::regclass, t.oid FROM pg_type t WHERE t.typnamespace IN (SELECT oid FROM ns)
            UNION ALL SELECT 'pg_proc'::regclass, p.oid FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM ns)
            UNION ALL SELECT 'pg_namespace'::regclass, oid FROM ns),
          deps AS (
            SELECT d.classid, d.objid, d.objsubid,
                   CASE d.classid
                     WHEN 'pg_rewrite'::regclass THEN (SELECT c.relnamespace FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE r.oid = d.objid)
                     WHEN 'pg_trigger'::regclass THEN (SELECT c.relnamespace FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.oid = d.objid)
                     WHEN 'pg_attrdef'::regclass THEN (SELECT c.relnamespace FROM pg_attrdef a JOIN pg_class c ON c.oid = a.adrelid WHERE a.oid = d.objid)
                     WHEN 'pg_policy'::regclass THEN (SELECT c.relnamespace FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE p.oid = d.objid)
                     ELSE (SELECT n.oid FROM pg_namespace n WHERE n.nspname = (pg_identify_object(d.classid, d.objid, 0)).schema)
                   END AS nsp
              FROM pg_depend d
              JOIN inside i ON i.classid = d.refclassid AND i.oid = d.refobjid
             WHERE d.deptype IN ('n', 'a'))
     SELECT DISTINCT pg_describe_object(classid, objid, 0) AS what
       FROM deps WHERE nsp IS NULL OR nsp NOT IN (SELECT oid FROM ns)
      ORDER BY 1 LIMIT 20`,
    [schemas],
  );
  return rows.map((r) => r.what);
}

/** `DROP SCHEMA … CASCADE` of the tenant's schemas (the caller proved nothing outside depends on them). */
export function dropSchemasSql(schemas: readonly string[]): string {
  return `DROP SCHEMA IF EXISTS ${schemas.map((s) => qi(s)).join(', ')} CASCADE`;
}
