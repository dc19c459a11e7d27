import type pg from 'pg';
import { catalogSummary, normaliseExpression, type CatalogItem } from '../validation/schema-parity';
import { normaliseAcrossVersions } from '../validation/version-normalise';
import type { TenantPlan } from './plan-types';
import { serverMajor } from './versions';

/**
 * Schema drift between the tenant's database and the shared database as they are now (not as
 * they were at the promotion: the same migration applied to both is normal). Rows cannot come
 * back into a schema that has no place for them, so a rollback refuses, before changing anything,
 * on: a table, column or constraint that exists only in the tenant's database; a column whose
 * type differs; a constraint whose definition differs; and a column of a restored table that the
 * tenant's database lacks (its rows cannot supply it). Reads the catalogs with the schema-parity
 * check's `catalogSummary` (the tool's `_tenant_isolation` schema is left out there).
 */

const COMPARED = new Set(['table', 'column', 'constraint']);

/** The type part of a `catalogSummary` column definition (`bigint not null default … #3` → `bigint`). */
export function columnType(definition: string): string {
  const cut = definition.search(/ not null| identity | generated | default | #\d/);
  return cut < 0 ? definition : definition.slice(0, cut);
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

/** Reads both catalogs and returns the drift (empty: none). */
export async function schemaDrift(
  shared: pg.ClientBase,
  isolated: pg.ClientBase,
  plan: TenantPlan,
): Promise<string[]> {
  // A tenant on a newer major: what the versions represent differently is not drift.
  const { source: s, target: t } = normaliseAcrossVersions(
    await catalogSummary(shared),
    await catalogSummary(isolated),
    { source: await serverMajor(shared), target: await serverMajor(isolated) },
  );
  return diffSchemas(s, t, new Set(plan.tables.map((x) => x.qualified)));
}
