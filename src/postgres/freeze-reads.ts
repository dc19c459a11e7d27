import type pg from 'pg';
import { fromTable } from './checksum';
import type { TablePlan } from './plan-types';

/**
 * How the freeze pass reads a table's tenant rows without reading other tenants' (issue 13,
 * property 5). A tenant table's `where` is its tenant key: the tenant-key index serves it. A
 * dependent table has no tenant key; its `where` climbs to the tenant through EXISTS on its
 * parents — often an OR of several (project_members: through projects, or through users) — which
 * the planner can only evaluate row by row over the whole shared table, or answer with a hash
 * join over all of it. So the freeze reads a dependent table downwards instead: from the tenant's
 * rows of the tables its foreign keys reach, through each foreign key's index, to the addresses
 * of its candidate rows, read by a TID scan; `where` then decides each candidate, so the rows are
 * exactly the plan's (the candidates are a superset: every row `where` selects is reached from a
 * parent row of the tenant's along one of these keys).
 */

/**
 * Predicate on alias `t` selecting the same rows as `table.where`, written so that a dependent
 * table is read from its parents' tenant rows (see above). `tables`: the planned tables, whose
 * foreign keys are followed. Tables with a tenant key (and any table without a path of planned
 * owned parents) keep their `where`.
 */
export function drivenWhere(table: TablePlan, tables: readonly TablePlan[]): string {
  if (table.kind !== 'dependent') return table.where;
  const byName = new Map(tables.map((t) => [t.qualified, t]));
  const addresses = drivenRows(table, ['ctid'], byName, new Set());
  if (!addresses) return table.where;
  return `t.ctid = ANY (ARRAY(${addresses})) AND (${table.where})`;
}

/**
 * A query returning `columns` (quoted, or `ctid`) of a superset of `table`'s tenant rows, read
 * from the tenant key downwards; undefined when no parent path is left (a cycle), where the
 * caller falls back to the table's own predicate.
 */
function drivenRows(
  table: TablePlan,
  columns: readonly string[],
  byName: Map<string, TablePlan>,
  path: Set<string>,
): string | undefined {
  const select = (alias: string) => columns.map((c) => `${alias}.${c}`).join(', ');
  if (table.kind !== 'dependent')
    return `SELECT ${select('t')} FROM ${fromTable(table)} t WHERE ${table.where}`;
  const next = new Set(path).add(table.qualified);
  const parts: string[] = [];
  for (const fk of table.foreignKeys ?? []) {
    const parent = byName.get(fk.references);
    if (!parent || parent === table || next.has(parent.qualified)) continue;
    if (!['root', 'tenant', 'dependent'].includes(parent.kind)) continue;
    const rows = drivenRows(parent, fk.refColumns, byName, next);
    if (!rows) return undefined;
    const on = fk.columns.map((c, i) => `c.${c} = p.${fk.refColumns[i]}`).join(' AND ');
    parts.push(`SELECT ${select('c')} FROM (${rows}) p JOIN ${fromTable(table)} c ON ${on}`);
  }
  if (parts.length === 0) return undefined;
  // Addresses may repeat (a row reached along two keys): harmless in `= ANY`. Key values are
  // deduplicated on the way up.
  return parts.join(columns.length === 1 && columns[0] === 'ctid' ? '\nUNION ALL\n' : '\nUNION\n');
}

/**
 * Planner settings for the freeze's reads (transaction-local): no sequential scan of a shared
 * table and no merge join where an index can serve — so the reads above go through the tenant-key
 * and foreign-key indexes whatever the statistics say. Hash joins stay allowed: without an index
 * on a foreign key they are the linear plan (the plan's notes suggest the index). Returns what
 * restores the previous values.
 */
export async function indexDrivenReads(client: pg.ClientBase): Promise<() => Promise<void>> {
  const names = ['enable_seqscan', 'enable_mergejoin'];
  const { rows } = await client.query<{ name: string; value: string }>(
    `SELECT n AS name, current_setting(n) AS value FROM unnest($1::text[]) AS n`,
    [names],
  );
  for (const n of names) await client.query(`SELECT set_config($1, 'off', true)`, [n]);
  return async () => {
    for (const r of rows) await client.query(`SELECT set_config($1, $2, true)`, [r.name, r.value]);
  };
}
