import type pg from 'pg';
import { fromTable } from './checksum';
import type { ClosureEdge } from './freeze-closure';
import { perRow, type TablePlan } from './plan-types';

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

/** What the freeze's reads follow: the planned tables, their foreign keys, and the keys between them and referenced tables. */
export interface FreezeGraph {
  tables: readonly TablePlan[];
  /** Foreign keys into and out of referenced tables (see readClosureEdges). */
  edges: readonly ClosureEdge[];
}

/**
 * Predicate on alias `t` selecting the same rows as `table.where`, written so that a dependent
 * or referenced table is read from the tenant's rows of the tables it is reached from (see
 * above). Tables with a tenant key (and any table without such a path) keep their `where`.
 */
export function drivenWhere(table: TablePlan, graph: FreezeGraph | undefined): string {
  if (!graph || (table.kind !== 'dependent' && table.kind !== 'referenced')) return table.where;
  const byName = new Map(graph.tables.map((t) => [t.qualified, t]));
  const addresses = drivenRows(table, ['ctid'], { byName, edges: graph.edges }, new Set());
  if (!addresses) return table.where;
  // A self-closure's rows are exact (its anchor is checked against `baseWhere`): `where` would
  // start its closure from every row of the table again.
  if (table.kind === 'referenced' && table.selfClosure) return `t.ctid = ANY (ARRAY(${addresses}))`;
  return `t.ctid = ANY (ARRAY(${addresses})) AND (${perRow(table)})`;
}

/** The columns of a row version the freeze digests (see freezeScanSql in catch-up.ts). */
const VERSION_COLUMNS = 't.tableoid, t.ctid, t.xmin';

/**
 * A query returning the version (`tableoid`, `ctid`, `xmin`) of each row `table.where` selects,
 * read as `drivenWhere` reads them. A dependent or referenced table's rows are read in the
 * downward joins themselves, not collected as addresses and fetched again by a TID scan (that
 * read the tenant's rows of the table twice: at 200k project members, half the freeze scan): each
 * way down keeps the rows no earlier way reaches (`NOT … IN`, a hashed lookup of the earlier
 * way's parent keys), so every row comes once, without a UNION over addresses. A self-closure and
 * any table without such ways keep the predicate.
 */
export function drivenVersions(table: TablePlan, graph: FreezeGraph | undefined): string {
  const byPredicate = `SELECT ${VERSION_COLUMNS} FROM ${fromTable(table)} t WHERE ${drivenWhere(table, graph)}`;
  if (!graph || (table.kind !== 'dependent' && table.kind !== 'referenced') || table.selfClosure)
    return byPredicate;
  const ctx = { byName: new Map(graph.tables.map((t) => [t.qualified, t])), edges: graph.edges };
  const ways = waysTo(table, ctx.byName, ctx.edges);
  if (!ways) return byPredicate;
  const path = new Set([table.qualified]);
  const reached: { way: Way; rows: string }[] = [];
  for (const way of ways) {
    if (path.has(way.from.qualified)) continue;
    const rows = drivenRows(way.from, way.fromColumns, ctx, path);
    if (!rows) return byPredicate;
    reached.push({ way, rows });
  }
  if (reached.length === 0) return byPredicate;
  const tuple = (columns: readonly string[]) => `(${columns.map((c) => `t.${c}`).join(', ')})`;
  return reached
    .map(({ way, rows }, k) => {
      const on = way.columns.map((c, i) => `t.${c} = p.${way.fromColumns[i]}`).join(' AND ');
      // A NULL key reaches nothing: coalesce keeps the row for the way that does reach it.
      const earlier = reached
        .slice(0, k)
        .map((e) => ` AND NOT coalesce(${tuple(e.way.columns)} IN (${e.rows}), false)`)
        .join('');
      return `SELECT ${VERSION_COLUMNS} FROM (${rows}) p JOIN ${fromTable(table)} t ON ${on}
        WHERE (${perRow(table)})${earlier}`;
    })
    .join('\nUNION ALL\n');
}

/**
 * Predicate on alias `t` selecting exactly the rows `table.where` selects, cheap to evaluate row
 * by row: for the few rows of the heap blocks the writes touched (the freeze's gone-key lookup,
 * catch-up.ts), never a read of the whole table. `perRow` (a dependent table's OR of EXISTS,
 * else `where`) is that already for every table but a referenced table that references itself:
 * its `where` builds its closure from every row of the table. A row is in that closure when `baseWhere` selects it or a row that references it
 * through the table's own keys is in it (a user is the tenant's when someone the tenant's users
 * were invited by, transitively, was invited by them): walked downwards from the row through the
 * referencing columns' index, stopping at the first row `baseWhere` selects. Undefined for such
 * a table without a key (nothing to carry down).
 */
export function rowWhere(table: TablePlan): string | undefined {
  const closure = table.kind === 'referenced' ? table.selfClosure : undefined;
  if (!closure) return perRow(table);
  if (table.keyColumns.length === 0) return undefined;
  const carried = [
    ...new Set([...table.keyColumns, ...closure.keys.flatMap((k) => [...k.columns, ...k.refColumns])]),
  ];
  const name = (c: string) => `c${carried.indexOf(c)}`;
  const cte = '__referencing';
  // The rows referencing `above` (alias, the carried names when `carriedAbove`) through a self key.
  const referencing = (alias: string, above: string, carriedAbove: boolean) =>
    closure.keys
      .map(
        (k) =>
          `(${k.columns.map((c, i) => `${alias}.${c} = ${above}.${carriedAbove ? name(k.refColumns[i]!) : k.refColumns[i]!}`).join(' AND ')})`,
      )
      .join(' OR ');
  const list = (alias: string) => carried.map((c) => `${alias}.${c}`).join(', ');
  // The CTE's first term sees the outer row as `t` (a WITH body does not see its query's FROM).
  return `((${closure.baseWhere}) OR EXISTS (
      WITH RECURSIVE ${cte} (${carried.map(name).join(', ')}) AS (
        SELECT ${list('u')} FROM ${fromTable(table)} u WHERE ${referencing('u', 't', false)}
        UNION
        SELECT ${list('v')} FROM ${fromTable(table)} v JOIN ${cte} r ON ${referencing('v', 'r', true)})
      SELECT 1 FROM ${cte} r JOIN ${fromTable(table)} t ON ${table.keyColumns.map((k) => `t.${k} = r.${name(k)}`).join(' AND ')}
       WHERE ${closure.baseWhere}))`;
}

/** A way down to a table's rows: from `from`'s rows, whose `fromColumns` equal the table's `columns`. */
interface Way {
  from: TablePlan;
  fromColumns: readonly string[];
  columns: readonly string[];
}

/**
 * The ways down to a table's tenant rows: a dependent table's from the parents its foreign keys
 * reference; a referenced table's from the rows referencing it, and (when it references
 * referenced rows) from the rows it references — its references to itself are its self-closure's
 * (see selfClosureRows). Undefined when the table references itself and the plan has no
 * self-closure for it: its own predicate decides.
 */
function waysTo(
  table: TablePlan,
  byName: Map<string, TablePlan>,
  edges: readonly ClosureEdge[],
): Way[] | undefined {
  if (table.kind === 'dependent') {
    return (table.foreignKeys ?? []).flatMap((fk) => {
      const parent = byName.get(fk.references);
      return parent && parent !== table && ['root', 'tenant', 'dependent'].includes(parent.kind)
        ? [{ from: parent, fromColumns: fk.refColumns, columns: fk.columns }]
        : [];
    });
  }
  if (!table.selfClosure && edges.some((e) => e.child === table && e.parent === table)) return undefined;
  return [
    ...edges
      .filter((e) => e.parent === table && e.child !== table)
      .map((e) => ({ from: e.child, fromColumns: e.columns, columns: e.refColumns })),
    ...edges
      .filter((e) => e.child === table && e.parent !== table && e.parent.kind === 'referenced')
      .map((e) => ({ from: e.parent, fromColumns: e.refColumns, columns: e.columns })),
  ];
}

/**
 * A query returning `columns` (quoted, or `ctid`) of a superset of `table`'s tenant rows, read
 * from the tenant key downwards; undefined when no way is left (a cycle), where the caller falls
 * back to the table's own predicate.
 */
function drivenRows(
  table: TablePlan,
  columns: readonly string[],
  graph: { byName: Map<string, TablePlan>; edges: readonly ClosureEdge[] },
  path: Set<string>,
): string | undefined {
  const select = (alias: string) => columns.map((c) => `${alias}.${c}`).join(', ');
  if (table.kind !== 'dependent' && table.kind !== 'referenced')
    return `SELECT ${select('t')} FROM ${fromTable(table)} t WHERE ${table.where}`;
  const ways = waysTo(table, graph.byName, graph.edges);
  if (!ways) return undefined;
  const closure = table.kind === 'referenced' ? table.selfClosure : undefined;
  // A self-closure starts from the addresses of its base rows' candidates.
  const wanted = closure ? ['ctid'] : columns;
  const next = new Set(path).add(table.qualified);
  const parts: string[] = [];
  for (const way of ways) {
    if (next.has(way.from.qualified)) continue;
    const rows = drivenRows(way.from, way.fromColumns, graph, next);
    if (!rows) return undefined;
    const on = way.columns.map((c, i) => `c.${c} = p.${way.fromColumns[i]}`).join(' AND ');
    parts.push(
      `SELECT ${wanted.map((c) => `c.${c}`).join(', ')} FROM (${rows}) p JOIN ${fromTable(table)} c ON ${on}`,
    );
  }
  if (parts.length === 0) return undefined;
  // Addresses may repeat (a row reached along two keys): harmless in `= ANY`. Key values are
  // deduplicated on the way up.
  const direct = parts.join(wanted.length === 1 && wanted[0] === 'ctid' ? '\nUNION ALL\n' : '\nUNION\n');
  return closure ? selfClosureRows(table, closure, direct, columns) : direct;
}

/**
 * `columns` of a self-referencing referenced table's rows, exactly as its `where` selects them:
 * the candidates at `candidates` (addresses) that its `baseWhere` selects, then, recursively, the
 * rows they reference through the table's own keys (a user's inviter, and theirs) — read through
 * the referenced key's index, one step per level, never the whole table.
 */
function selfClosureRows(
  table: TablePlan,
  closure: NonNullable<TablePlan['selfClosure']>,
  candidates: string,
  columns: readonly string[],
): string {
  const carried = [
    ...new Set([
      ...columns.filter((c) => c !== 'ctid'),
      ...closure.keys.flatMap((k) => [...k.columns, ...k.refColumns]),
    ]),
  ];
  const name = (c: string) => `c${carried.indexOf(c)}`;
  const cte = '__self_closure';
  const up = closure.keys
    .map((k) => `(${k.refColumns.map((c, i) => `u.${c} = s.${name(k.columns[i]!)}`).join(' AND ')})`)
    .join(' OR ');
  const list = (alias: string) => [`${alias}.ctid`, ...carried.map((c) => `${alias}.${c}`)].join(', ');
  return `WITH RECURSIVE ${cte} (row_ctid, ${carried.map(name).join(', ')}) AS (
      SELECT ${list('t')} FROM ${fromTable(table)} t
       WHERE t.ctid = ANY (ARRAY(${candidates})) AND (${closure.baseWhere})
      UNION
      SELECT ${list('u')} FROM ${fromTable(table)} u JOIN ${cte} s ON ${up})
    SELECT ${columns.map((c) => (c === 'ctid' ? 's.row_ctid' : `s.${name(c)} AS ${c}`)).join(', ')} FROM ${cte} s`;
}

/**
 * Planner settings for the freeze's reads (transaction-local): no sequential scan, hash join or
 * merge join — each would read a whole shared table (a hash join builds on a full index scan when
 * sequential scans are off) — and no plain or index-only index scan: either may walk a whole
 * index with the tenant predicate as a mere filter (seen: the primary key of a parent read end to
 * end, every tenant's rows, once the statistics made the tenant look large), where a bitmap scan
 * needs an index condition. So the reads above go from the tenant's rows through the tenant-key
 * and foreign-key indexes, whatever the statistics say. A foreign key without an index is then
 * read by a scan per parent row: the plan's notes name such keys and the index to create (and
 * max-freeze bounds the freeze either way). Returns what restores the previous values.
 */
export async function indexDrivenReads(client: pg.ClientBase): Promise<() => Promise<void>> {
  const names = [
    'enable_seqscan',
    'enable_hashjoin',
    'enable_mergejoin',
    'enable_indexscan',
    'enable_indexonlyscan',
  ];
  const { rows } = await client.query<{ name: string; value: string }>(
    `SELECT n AS name, current_setting(n) AS value FROM unnest($1::text[]) AS n`,
    [names],
  );
  for (const n of names) await client.query(`SELECT set_config($1, 'off', true)`, [n]);
  return async () => {
    for (const r of rows) await client.query(`SELECT set_config($1, $2, true)`, [r.name, r.value]);
  };
}
