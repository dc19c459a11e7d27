import type pg from 'pg';
import { fromTable } from './checksum';
import { onTarget, targetOf, type TablePlan } from './plan-types';

/**
 * Rows that become needed under the freeze without changing themselves (issue 14): a membership
 * added since the base snapshot points at a user and a global role that were not the tenant's at
 * the snapshot and did not change since, so the freeze pass's "changed since S" scan never sees
 * them. They are found from the rows that did change, along the foreign keys the plan's
 * predicates follow, as a closure (a user brought this way brings its address and its tokens):
 *
 * - a row of a *referenced* table (no tenant key) that a row of the tenant's copy references is
 *   needed by that key itself — the new database refuses the copied row without it;
 * - a row of a referenced table that references a row of the copy (a user's reset token) is
 *   needed when the table's `where` says so;
 * - a global row (NULL tenant key) of a tenant table that a copied row references is needed when
 *   the table's `where` says so.
 *
 * Every lookup is by the values the changed rows carry, through the referenced key's unique
 * index or the referencing columns' index: what is read grows with the writes, never with the
 * shared tables. The pass's counts then check the result (a table whose count does not add up is
 * compared in full), so nothing here is a guess.
 */

/** A foreign key between two planned tables (partitions resolved to their partitioned root). */
export interface ClosureEdge {
  /** The referencing table. */
  child: TablePlan;
  /** Its columns, quoted. */
  columns: string[];
  /** SQL types of `columns` (format_type, no typmod). */
  columnTypes: string[];
  /** The referenced table. */
  parent: TablePlan;
  refColumns: string[];
  refTypes: string[];
}

/** Tables whose rows the closure can bring: referenced tables, and tenant tables with global rows. */
export const closureTarget = (t: TablePlan) =>
  t.keyColumns.length > 0 && (t.kind === 'referenced' || t.ownWhere !== undefined);

/**
 * The foreign keys between planned tables that can make a row needed (see closureTarget), read
 * from the catalog of `client` (the shared database): keys declared on a table or on its
 * partitions, once per (child, columns, parent, referenced columns).
 */
export async function readClosureEdges(
  client: pg.ClientBase,
  tables: readonly TablePlan[],
): Promise<ClosureEdge[]> {
  const byName = new Map(tables.map((t) => [t.qualified, t]));
  const quoted = (c: string, n: string) =>
    `'"' || replace(${n}.nspname, '"', '""') || '"."' || replace(${c}.relname, '"', '""') || '"'`;
  const cols = (key: string, rel: string) =>
    `(SELECT json_agg(json_build_object('name', '"' || replace(a.attname, '"', '""') || '"',
                                         'type', format_type(a.atttypid, NULL)) ORDER BY k.ord)
        FROM unnest(con.${key}) WITH ORDINALITY k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = con.${rel} AND a.attnum = k.attnum)`;
  const { rows } = await client.query<{
    child: string;
    parent: string;
    columns: { name: string; type: string }[];
    ref_columns: { name: string; type: string }[];
  }>(
    `SELECT ${quoted('c', 'n')} AS child, ${quoted('r', 'rn')} AS parent,
            ${cols('conkey', 'conrelid')} AS columns, ${cols('confkey', 'confrelid')} AS ref_columns
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = coalesce(pg_partition_root(con.conrelid), con.conrelid)
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class r ON r.oid = coalesce(pg_partition_root(con.confrelid), con.confrelid)
       JOIN pg_namespace rn ON rn.oid = r.relnamespace
      WHERE con.contype = 'f' AND con.conparentid = 0`,
  );
  const out: ClosureEdge[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    const child = byName.get(r.child);
    const parent = byName.get(r.parent);
    if (!child || !parent) continue;
    // Incoming: the child's rows bring the parent's; outgoing: a referenced child's rows follow
    // the parent's copied rows.
    if (!closureTarget(parent) && !(child.kind === 'referenced' && closureTarget(child))) continue;
    const columns = r.columns.map((c) => c.name);
    const refColumns = r.ref_columns.map((c) => c.name);
    const id = `${r.child}\u0000${columns.join()}\u0000${r.parent}\u0000${refColumns.join()}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({
      child,
      columns,
      columnTypes: r.columns.map((c) => c.type),
      parent,
      refColumns,
      refTypes: r.ref_columns.map((c) => c.type),
    });
  }
  return out;
}

/**
 * The lookup of one closure step, run on the shared database: the rows of `table` whose
 * `columns` hold one of the value tuples given as text arrays (`$1`, `$2`, …, one per column),
 * compared as the columns' own types so their index finds them; each as the text of the row of
 * `select`. With `where`, only those the table's predicate selects. Exported so tests can EXPLAIN it.
 */
export function closureLookupSql(
  table: TablePlan,
  select: readonly string[],
  columns: readonly string[],
  types: readonly string[],
  where: boolean,
): string {
  const u = columns.map((_, j) => `c${j}`);
  return `SELECT ROW(${select.map((c) => `t.${c}`).join(', ')})::text AS r FROM ${fromTable(table)} t
   WHERE (${columns.map((c) => `t.${c}`).join(', ')}) IN (
           SELECT ${u.map((c, j) => `v.${c}::${types[j]}`).join(', ')}
             FROM unnest(${u.map((_, j) => `$${j + 1}::text[]`).join(', ')}) AS v(${u.join(', ')}))${
               where ? `\n     AND (${table.where})` : ''
             }`;
}

/** The transaction on the new database the closure stages into, and the tables it knows. */
export interface ClosureStage {
  target: pg.ClientBase;
  /** Columns staged for a table (see stageColumns in catch-up.ts), quoted. */
  columns(table: TablePlan): string[];
  /** The temporary table holding the table's changed rows, if any were staged. */
  changed(table: TablePlan): string | undefined;
}

/**
 * Stages, into one temporary table per table (`needed(table)` afterwards), the rows that became
 * needed since the base snapshot without changing: rows reached from the changed rows (and, in
 * turn, from the rows found), whose key neither the new database nor the changed rows hold.
 * Runs on `source` in the freeze transaction; returns the number of rows per table.
 */
export async function stageNeededRows(
  source: pg.ClientBase,
  stage: ClosureStage,
  tables: readonly TablePlan[],
  edges: readonly ClosureEdge[],
): Promise<Map<TablePlan, { temp: string; rows: number }>> {
  const { target } = stage;
  const needed = new Map<TablePlan, { temp: string; rows: number }>();
  if (edges.length === 0) return needed;
  const index = new Map(tables.map((t, i) => [t, i]));
  const neededTemp = (t: TablePlan) => `__tp_needed_${index.get(t)}`;
  const candidateTemp = (t: TablePlan) => `__tp_candidates_${index.get(t)}`;
  const ensure = async (t: TablePlan) => {
    let n = needed.get(t);
    if (!n) {
      n = { temp: neededTemp(t), rows: 0 };
      const cols = stage.columns(t);
      await target.query(
        `CREATE TEMP TABLE ${n.temp} ON COMMIT DROP AS
           SELECT ${cols.map((c) => `t.${c}`).join(', ')}, 0 AS __tp_round FROM ${targetOf(t)} t WITH NO DATA`,
      );
      await target.query(
        `CREATE TEMP TABLE ${candidateTemp(t)} ON COMMIT DROP AS
           SELECT ${cols.map((c) => `t.${c}`).join(', ')} FROM ${targetOf(t)} t WITH NO DATA`,
      );
      needed.set(t, n);
    }
    return n;
  };
  /** Rows of `t` reached in `round`: its changed rows in round 0, the rows found in round r after. */
  const frontier = (t: TablePlan, round: number): string | undefined => {
    if (round === 0) {
      const changed = stage.changed(t);
      return changed ? `(SELECT * FROM ${changed}) f` : undefined;
    }
    const n = needed.get(t);
    return n ? `(SELECT * FROM ${n.temp} WHERE __tp_round = ${round}) f` : undefined;
  };
  const steps = edges.flatMap((e) => [
    // The parent's rows the child's rows reference.
    ...(closureTarget(e.parent)
      ? [
          {
            from: e.child,
            fromColumns: e.columns,
            to: e.parent,
            toColumns: e.refColumns,
            types: e.refTypes,
            where: e.parent.kind !== 'referenced',
          },
        ]
      : []),
    // A referenced child's rows that reference the parent's rows.
    ...(e.child.kind === 'referenced' && closureTarget(e.child)
      ? [
          {
            from: e.parent,
            fromColumns: e.refColumns,
            to: e.child,
            toColumns: e.columns,
            types: e.columnTypes,
            where: true,
          },
        ]
      : []),
  ]);
  for (let round = 0, found = true; found; round++) {
    found = false;
    for (const s of steps) {
      const f = frontier(s.from, round);
      if (!f) continue;
      const values = await target.query<Record<string, string>>(
        `SELECT DISTINCT ${s.fromColumns.map((c, j) => `f.${c}::text AS c${j}`).join(', ')} FROM ${f}
          WHERE ${s.fromColumns.map((c) => `f.${c} IS NOT NULL`).join(' AND ')}`,
      );
      if (values.rows.length === 0) continue;
      const n = await ensure(s.to);
      const cols = stage.columns(s.to);
      const candidates = candidateTemp(s.to);
      await target.query(`TRUNCATE ${candidates}`);
      // The rows travel as the text of the staged row type (no COPY: a lookup takes parameters).
      const rows = await source.query<{ r: string }>(
        closureLookupSql(s.to, cols, s.toColumns, s.types, s.where),
        s.toColumns.map((_, j) => values.rows.map((r) => r[`c${j}`]!)),
      );
      if (rows.rows.length === 0) continue;
      await target.query(
        `INSERT INTO ${candidates} SELECT (r::${candidates}).* FROM unnest($1::text[]) AS r`,
        [rows.rows.map((r) => r.r)],
      );
      const keys = s.to.keyColumns;
      const match = (other: string) =>
        `EXISTS (SELECT 1 FROM ${other} x WHERE ${keys.map((k) => `x.${k} = c.${k}`).join(' AND ')})`;
      const changed = stage.changed(s.to);
      const added = await target.query(
        `INSERT INTO ${n.temp} SELECT DISTINCT ON (${keys.map((k) => `c.${k}`).join(', ')}) c.*, ${round + 1}
           FROM ${candidates} c
          WHERE NOT ${match(fromTable(onTarget(s.to)))} AND NOT ${match(n.temp)}${changed ? ` AND NOT ${match(changed)}` : ''}`,
      );
      if (added.rowCount) {
        n.rows += added.rowCount;
        found = true;
      }
    }
  }
  return needed;
}
