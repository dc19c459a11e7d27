import pg from 'pg';
import { PromotionError } from '../errors';
import { stageRemovedKeys } from './cleanup-removed';
import type { TablePlan } from './plan-types';

/**
 * Opt-in removal, at cleanup, of the referenced rows the tenant used (users behind its
 * memberships, their addresses and tokens) that no row left in the shared database references
 * any more (`cleanup-referenced-rows: remove-unused`, issue 14 property 5).
 *
 * Runs inside cleanup's transaction, which proves ownership and holds the tenant row:
 * 1. `captureCandidates`, before the tenant's own rows are deleted (the referenced tables'
 *    `where` reaches rows through them): the rows each referenced table's `where` selects now,
 *    without locks, kept by (tableoid, ctid) in a temporary table.
 * 2. `removeUnused`, after the tenant's own rows are deleted: the largest set of candidates such
 *    that (a) no row outside the set references one of them along any foreign key of the
 *    catalog — another tenant's row, a global (NULL-key) row, a row of a table copied whole or left
 *    out, a candidate that stays — and (b) a candidate nothing referenced when captured (a user's
 *    reset token: it follows the row it references) stays when a row it references stays. Found as
 *    a fixpoint; the rows found removable are then locked FOR UPDATE and the fixpoint re-run
 *    (a reference made meanwhile keeps its row), and the rest deleted in one statement.
 *
 * Only rows of `referenced` tables are ever candidates: never a global row (tenant tables) and
 * never a row of a table copied whole. References the application keeps without foreign keys
 * (polymorphic columns, ids in JSON) cannot be seen: the option says so.
 */

const CANDIDATES = 'pg_temp.tenant_isolation_referenced_rows';

/**
 * The choice of remove-unused is recorded at the switch and a re-run resumes with it (a rollback
 * relies on it): the hint names what changes the outcome.
 */
const REACHED_HINT =
  'An ON DELETE CASCADE / SET NULL / SET DEFAULT foreign key, a rule or a trigger reached rows that are not the removed ones (or the rows changed meanwhile). Remove or change what reached them, then re-run to finish the cleanup (re-runs keep cleanup-referenced-rows: remove-unused, recorded at the switch); the tenant is already served from its own database.';

/**
 * Row-level security off while the reference checks read: a row the role may not see then makes
 * the statement fail ("query would be affected by row-level security policy") instead of being
 * silently absent — an unseen reference would let its row be removed, and the foreign key's
 * cascade, which ignores row-level security, would then delete or rewrite another tenant's row.
 */
const withAllRowsVisible = async <T>(session: pg.ClientBase, run: () => Promise<T>): Promise<T> => {
  await session.query(`SET LOCAL row_security = off`);
  const result = await run();
  await session.query(`SET LOCAL row_security = on`);
  return result;
};

/**
 * Every table with a foreign key into one of `tables` (left-out and whole-copied tables
 * included): remove-unused reads all their rows, so prevalidation asks SELECT on each and that no
 * row-level security hides rows from the role.
 */
export async function readReferencingTables(
  session: pg.ClientBase,
  tables: readonly { qualified: string }[],
): Promise<{ schema: string; name: string }[]> {
  if (tables.length === 0) return [];
  const { rows } = await session.query<{ schema: string; name: string }>(
    `WITH tops AS (SELECT to_regclass(name) AS top FROM unnest($1::text[]) u(name)),
          tree AS (SELECT top AS relid FROM tops UNION SELECT p.relid FROM tops, LATERAL pg_partition_tree(tops.top) p)
     SELECT DISTINCT n.nspname AS schema, cc.relname AS name
       FROM pg_constraint c JOIN pg_class cc ON cc.oid = c.conrelid JOIN pg_namespace n ON n.oid = cc.relnamespace
      WHERE c.contype = 'f' AND c.conparentid = 0 AND c.confrelid IN (SELECT relid FROM tree)
      ORDER BY 1, 2`,
    [tables.map((t) => t.qualified)],
  );
  return rows;
}

/**
 * Rows deleted and updated so far in this transaction (pg_stat_xact_*, which count the rows a
 * foreign key's cascade touches, hidden or not), per referencing or candidate relation.
 */
async function touchedRows(
  session: pg.ClientBase,
  relations: readonly string[],
): Promise<{ canonical: Map<string, string>; touched: Map<string, number> }> {
  const { rows } = await session.query<{ input: string; rel: string; n: string }>(
    `SELECT u.name AS input, format('%I.%I', n.nspname, c.relname) AS rel,
            (SELECT COALESCE(sum(pg_stat_get_xact_tuples_deleted(p.relid) + pg_stat_get_xact_tuples_updated(p.relid)), 0)
               FROM (SELECT c.oid::regclass AS relid UNION SELECT relid FROM pg_partition_tree(c.oid)) p)::text AS n
       FROM unnest($1::text[]) u(name)
       JOIN pg_class c ON c.oid = to_regclass(u.name) JOIN pg_namespace n ON n.oid = c.relnamespace`,
    [[...new Set(relations)]],
  );
  return {
    // The same relation may be named quoted and unquoted: compared under one name.
    canonical: new Map(rows.map((r) => [r.input, r.rel])),
    touched: new Map(rows.map((r) => [r.rel, Number(r.n)])),
  };
}

/** A foreign key into or out of a referenced table, read from the catalog (names quoted). */
export interface ReferenceEdge {
  /** Referencing relation, `"schema"."name"` (a partitioned parent covers its partitions). */
  child: string;
  columns: string[];
  /** Referenced relation as the constraint names it (a referenced table or one of its partitions). */
  parent: string;
  refColumns: string[];
  /** Index in the candidate tables of the referenced side, or -1. */
  parentIndex: number;
  /** Index in the candidate tables of the referencing side, or -1 (another table). */
  childIndex: number;
}

export interface ReferencedRemoval {
  /** Rows removed, per referenced table (`qualified`), children first. */
  removed: { table: TablePlan; rows: number }[];
  /** Candidates kept: a row that stays references them (another tenant, a global row, …). */
  keptInUse: number;
  /** Candidates kept because a row they reference stays (a shared user's reset token). */
  keptWithParent: number;
  /**
   * Candidates kept because their table has no primary or unique key: a rollback could not bring
   * back exactly the rows removed (it matches rows by key), so they stay — with the rows they
   * reference.
   */
  keptWithoutKey: number;
}

/**
 * Foreign keys into each of `tables` (their partitions' included), and out of it into another of
 * them: what references a row, wherever the key is declared.
 */
export async function readEdges(
  session: pg.ClientBase,
  tables: readonly TablePlan[],
): Promise<ReferenceEdge[]> {
  const { rows } = await session.query<{
    child: string;
    parent: string;
    columns: string[];
    ref_columns: string[];
    parent_top: number | null;
    child_top: number | null;
  }>(
    `WITH tops AS (
       SELECT i::int - 1 AS ix, to_regclass(name) AS top FROM unnest($1::text[]) WITH ORDINALITY u(name, i)
     ), tree AS (
       -- pg_partition_tree lists nothing for a table that is not partitioned.
       SELECT tops.ix, tops.top AS relid FROM tops
       UNION SELECT tops.ix, p.relid FROM tops, LATERAL pg_partition_tree(tops.top) p
     )
     SELECT format('%I.%I', cn.nspname, cc.relname) AS child,
            format('%I.%I', pn.nspname, pc.relname) AS parent,
            array(SELECT quote_ident(a.attname) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns,
            array(SELECT quote_ident(a.attname) FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS ref_columns,
            (SELECT ix FROM tree WHERE tree.relid = c.confrelid) AS parent_top,
            (SELECT ix FROM tree WHERE tree.relid = c.conrelid) AS child_top
       FROM pg_constraint c
       JOIN pg_class cc ON cc.oid = c.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace
       JOIN pg_class pc ON pc.oid = c.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace
      WHERE c.contype = 'f' AND c.conparentid = 0
        AND (c.confrelid IN (SELECT relid FROM tree) OR c.conrelid IN (SELECT relid FROM tree))
      ORDER BY 1, 2, 3`,
    [tables.map((t) => t.qualified)],
  );
  return rows.map((r) => ({
    child: r.child,
    parent: r.parent,
    columns: r.columns,
    refColumns: r.ref_columns,
    parentIndex: r.parent_top ?? -1,
    childIndex: r.child_top ?? -1,
  }));
}

/** The join of a referencing row `child` to the referenced row `parent` along `e`. */
export const joinOn = (e: ReferenceEdge, child: string, parent: string) =>
  e.columns.map((c, i) => `${child}.${c} = ${parent}.${e.refColumns[i]!}`).join(' AND ');

/** `alias`'s row is not a candidate still marked removable. */
const notRemovable = (alias: string) =>
  `NOT EXISTS (SELECT 1 FROM ${CANDIDATES} k2 WHERE k2.rel = ${alias}.tableoid AND k2.row_id = ${alias}.ctid AND k2.removable)`;

export interface Candidates {
  tables: readonly TablePlan[];
  edges: ReferenceEdge[];
  /** Rows captured, per table index. */
  counts: number[];
}

/**
 * Step 1 (before the tenant's rows are deleted): the referenced rows the tenant reaches now,
 * locked, with whether anything referenced them (a row nothing references follows its parents).
 */
export async function captureCandidates(
  session: pg.ClientBase,
  tables: readonly TablePlan[],
): Promise<Candidates> {
  const edges = await readEdges(session, tables);
  await session.query(
    `CREATE TEMPORARY TABLE ${CANDIDATES.slice('pg_temp.'.length)} (
       tbl int NOT NULL, rel oid NOT NULL, row_id tid NOT NULL, follower boolean NOT NULL,
       removable boolean NOT NULL DEFAULT true, PRIMARY KEY (rel, row_id)
     ) ON COMMIT DROP`,
  );
  const counts: number[] = [];
  // Every row visible while capturing; the tenant's own rows are deleted next, under the
  // policies prevalidation checked.
  await withAllRowsVisible(session, async () => {
    for (const [ix, table] of tables.entries()) {
      const referenced = edges
        .filter((e) => e.parentIndex === ix)
        .map((e) => `EXISTS (SELECT 1 FROM ${e.child} c WHERE ${joinOn(e, 'c', 't')})`);
      const res = await session.query(
        `INSERT INTO ${CANDIDATES} (tbl, rel, row_id, follower)
         SELECT ${ix}, t.tableoid, t.ctid, ${referenced.length ? `NOT (${referenced.join(' OR ')})` : 'true'}
           FROM ${table.qualified} t WHERE ${table.where}`,
      );
      counts.push(res.rowCount ?? 0);
    }
  });
  return { tables, edges, counts };
}

/**
 * Step 2 (after the tenant's own rows are deleted, same transaction): marks the candidates that
 * must stay until nothing changes, then deletes the rest, children first (reverse copy order).
 * Returns what was removed and why the others stayed; throws when a DELETE removed a different
 * number of rows than marked (a cascade or trigger reached them: the caller rolls back).
 */
export async function removeUnused(
  session: pg.ClientBase,
  c: Candidates,
  lockTimeoutMs: number,
): Promise<ReferencedRemoval> {
  return withAllRowsVisible(session, () => markAndRemove(session, c, lockTimeoutMs));
}

async function markAndRemove(
  session: pg.ClientBase,
  c: Candidates,
  lockTimeoutMs: number,
): Promise<ReferencedRemoval> {
  const keepInUse: string[] = [];
  const keepWithParent: string[] = [];
  for (const [ix, table] of c.tables.entries()) {
    const mark = (cond: string) =>
      `UPDATE ${CANDIDATES} k SET removable = false FROM ${table.qualified} t
        WHERE k.tbl = ${ix} AND k.removable AND t.tableoid = k.rel AND t.ctid = k.row_id AND ${cond}`;
    for (const e of c.edges.filter((x) => x.parentIndex === ix)) {
      keepInUse.push(
        mark(`EXISTS (SELECT 1 FROM ${e.child} c WHERE ${joinOn(e, 'c', 't')} AND ${notRemovable('c')})`),
      );
    }
    for (const e of c.edges.filter((x) => x.childIndex === ix && x.parentIndex >= 0)) {
      keepWithParent.push(
        mark(
          `k.follower AND EXISTS (SELECT 1 FROM ${e.parent} p WHERE ${joinOn(e, 't', 'p')} AND ${notRemovable('p')})`,
        ),
      );
    }
  }
  let keptInUse = 0;
  let keptWithParent = 0;
  // A row of a table without a key cannot be recorded for the rollback (review r17: those rows
  // were deleted and never came back): it stays, and what it references stays by the fixpoint.
  let keptWithoutKey = 0;
  for (const [ix, table] of c.tables.entries()) {
    if (table.keyColumns.length > 0) continue;
    keptWithoutKey +=
      (await session.query(`UPDATE ${CANDIDATES} SET removable = false WHERE tbl = ${ix} AND removable`))
        .rowCount ?? 0;
  }
  const settle = async () => {
    for (let changed = true; changed;) {
      changed = false;
      for (const sql of keepInUse) {
        const n = (await session.query(sql)).rowCount ?? 0;
        keptInUse += n;
        if (n > 0) changed = true;
      }
      for (const sql of keepWithParent) {
        const n = (await session.query(sql)).rowCount ?? 0;
        keptWithParent += n;
        if (n > 0) changed = true;
      }
    }
  };
  await settle();
  // Only the rows found removable are locked (FOR UPDATE: no new reference to them can be made
  // until COMMIT — a foreign-key insert takes FOR KEY SHARE); other tenants never wait on a row
  // that stays. Waiting for one is bounded by max-freeze. A row changed since it was captured
  // (its ctid moved) is not locked and stays; then the check runs again on the locked set.
  const { rows: timeout } = await session.query<{ t: string }>(`SELECT current_setting('lock_timeout') AS t`);
  await session.query(`SELECT set_config('lock_timeout', $1, true)`, [
    `${Math.max(1, Math.round(lockTimeoutMs))}ms`,
  ]);
  for (const [ix, table] of c.tables.entries()) {
    const res = await session.query(
      `WITH locked AS (
         SELECT t.tableoid AS rel, t.ctid AS row_id FROM ${table.qualified} t JOIN ${CANDIDATES} k
             ON k.tbl = ${ix} AND k.removable AND t.tableoid = k.rel AND t.ctid = k.row_id
            FOR UPDATE OF t)
       UPDATE ${CANDIDATES} k SET removable = false
        WHERE k.tbl = ${ix} AND k.removable AND (k.rel, k.row_id) NOT IN (SELECT rel, row_id FROM locked)`,
    );
    keptInUse += res.rowCount ?? 0;
  }
  await session.query(`SELECT set_config('lock_timeout', $1, true)`, [timeout[0]!.t]);
  await settle();
  // Last line: no row outside the removed ones may be deleted or rewritten by a cascade (or a
  // trigger). Every relation referencing a candidate table, and the candidate tables themselves,
  // must change by exactly the rows removed from them.
  const watched = [...new Set([...c.edges.map((e) => e.child), ...c.tables.map((t) => t.qualified)])];
  const before = await touchedRows(session, watched);
  // One statement (data-modifying CTEs): the foreign-key checks run at its end, so candidates
  // that reference each other in a cycle (users.address_id, addresses.created_by) go together.
  const { rows: marks } = await session.query<{ tbl: number; n: number }>(
    `SELECT tbl, count(*)::int AS n FROM ${CANDIDATES} WHERE removable GROUP BY tbl`,
  );
  const marked = new Map(marks.map((m) => [m.tbl, m.n]));
  const order = [...c.tables.keys()].reverse().filter((ix) => (marked.get(ix) ?? 0) > 0);
  const removed: { table: TablePlan; rows: number }[] = [];
  // The keys of the rows about to go (locked, settled), staged for the record a rollback reads:
  // the deletes below remove exactly these rows or the cleanup is rolled back.
  for (const ix of order)
    await stageRemovedKeys(
      session,
      c.tables[ix]!,
      `FROM ${c.tables[ix]!.qualified} t JOIN ${CANDIDATES} k ON k.tbl = ${ix} AND k.removable AND t.tableoid = k.rel AND t.ctid = k.row_id`,
    );
  if (order.length > 0) {
    const deleteOf = (ix: number) =>
      `DELETE FROM ${c.tables[ix]!.qualified} t USING ${CANDIDATES} k
        WHERE k.tbl = ${ix} AND k.removable AND t.tableoid = k.rel AND t.ctid = k.row_id`;
    const counts = new Map<number, number>();
    if (order.length === 1) {
      counts.set(order[0]!, (await session.query(deleteOf(order[0]!))).rowCount ?? 0);
    } else {
      const { rows: deleted } = await session
        .query<Record<string, number>>(
          `WITH ${order.map((ix) => `d${ix} AS (${deleteOf(ix)} RETURNING 1)`).join(', ')}
           SELECT ${order.map((ix) => `(SELECT count(*)::int FROM d${ix}) AS d${ix}`).join(', ')}`,
        )
        .catch((e: unknown) => {
          // A DO ALSO rule on a referenced table cannot run inside WITH: refused, rolled back.
          if ((e as { code?: string }).code !== '0A000') throw e;
          throw new PromotionError(
            'cleanup-refused',
            `Removing the unused referenced rows failed (${(e as Error).message}), so the cleanup was rolled back and nothing was deleted.`,
            REACHED_HINT,
          );
        });
      for (const ix of order) counts.set(ix, deleted[0]?.[`d${ix}`] ?? 0);
    }
    for (const ix of order) {
      const table = c.tables[ix]!;
      const n = counts.get(ix) ?? 0;
      if (n !== marked.get(ix)) {
        throw new PromotionError(
          'cleanup-refused',
          `Removing the unused referenced rows of ${table.qualified} deleted ${n} rows where ${marked.get(ix)} were found unused, so the cleanup was rolled back and nothing was deleted.`,
          REACHED_HINT,
        );
      }
      removed.push({ table, rows: n });
    }
  }
  const after = await touchedRows(session, watched);
  const expected = new Map<string, number>();
  for (const r of removed) {
    const rel = after.canonical.get(r.table.qualified) ?? r.table.qualified;
    expected.set(rel, (expected.get(rel) ?? 0) + r.rows);
  }
  const reached = [...after.touched].flatMap(([rel, n]) => {
    const extra = n - (before.touched.get(rel) ?? 0) - (expected.get(rel) ?? 0);
    return extra === 0 ? [] : [`${rel}: ${extra}`];
  });
  if (reached.length > 0) {
    throw new PromotionError(
      'cleanup-refused',
      `Removing the unused referenced rows also deleted or changed other rows (${reached.join('; ')}), so the cleanup was rolled back and nothing was deleted.`,
      REACHED_HINT,
    );
  }
  return { removed, keptInUse, keptWithParent, keptWithoutKey };
}
