import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { bucketSql, compareTable, fromTable, keyText, rowHashSql, type TableDigest } from './checksum';
import type { TablePlan } from './plan-types';

/**
 * Catch-up at the switch: brings the new database level with every write the shared database
 * committed since the copy snapshot. Both sides are digested per key bucket (the same machinery
 * the checks use); only the rows of buckets that differ are re-read and applied — deletes
 * children first, then upserts parents first — in one transaction on the new database, with
 * triggers off (the rows are copies: a BEFORE UPDATE trigger must not rewrite them).
 */

export interface TableComparison {
  table: TablePlan;
  source: TableDigest;
  target: TableDigest;
  equal: boolean;
  differences: string[];
}

export async function compareTables(
  source: pg.ClientBase,
  target: pg.ClientBase,
  tables: readonly TablePlan[],
): Promise<TableComparison[]> {
  const out: TableComparison[] = [];
  for (const table of tables) out.push({ table, ...(await compareTable(source, target, table)) });
  return out;
}

/** The bucket of the row aliased `t`, under the scheme a digest used; a scalar SQL expression. */
function bucketOfRow(c: TableComparison): string {
  const { table } = c;
  const scheme = c.source.scheme;
  const k = keyText(table) ?? 'NULL::text';
  const kn = scheme.kind === 'range' ? `t.${table.keyColumns[0]}::numeric` : 'NULL::numeric';
  return `(SELECT ${bucketSql(scheme)} FROM (SELECT ${rowHashSql(table)} AS h, ${k} AS k, ${kn} AS kn) AS __bucket)`;
}

function differingBuckets(c: TableComparison): number[] {
  const a = new Map(c.source.buckets.map((b) => [b.bucket, b]));
  const b = new Map(c.target.buckets.map((x) => [x.bucket, x]));
  const out: number[] = [];
  for (const bucket of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(bucket);
    const y = b.get(bucket);
    if ((x?.count ?? 0) !== (y?.count ?? 0) || (x?.sum ?? '0') !== (y?.sum ?? '0')) out.push(bucket);
  }
  // Bucket numbers are integers we computed, never text from outside: safe to inline.
  return out.filter(Number.isInteger).sort((p, q) => p - q);
}

export interface CatchUpStats {
  table: string;
  buckets: number;
  staged: number;
  deleted: number;
  upserted: number;
}

const stageName = (i: number) => `__tp_stage_${i}`;
const keyMatch = (keys: string[], a: string, b: string) =>
  keys.map((k) => `${a}.${k} = ${b}.${k}`).join(' AND ');

/**
 * Runs first in every transaction that applies rows to the new database, and may throw to stop
 * it: the caller proves there that the database is still its own (fencing, see ownership.ts).
 */
export type ApplyGuard = (target: pg.ClientBase) => Promise<void>;

/**
 * One transaction on the new database in which copied rows are applied: replica mode (no
 * triggers, no foreign-key ordering) where permitted, else user triggers disabled on the tables
 * touched. `fn` runs inside; the transaction commits when it returns.
 */
async function inApplyTransaction<T>(
  target: pg.ClientBase,
  tables: readonly TablePlan[],
  fn: () => Promise<T>,
  guard: ApplyGuard | undefined,
): Promise<T> {
  await target.query('BEGIN');
  try {
    await guard?.(target);
    const replica = await tryReplicaMode(target);
    if (!replica)
      for (const t of tables) await target.query(`ALTER TABLE ${t.qualified} DISABLE TRIGGER USER`);
    const result = await fn();
    if (!replica)
      for (const t of tables) await target.query(`ALTER TABLE ${t.qualified} ENABLE TRIGGER USER`);
    await target.query('COMMIT');
    return result;
  } catch (e) {
    await target.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** Copies the source rows `select` returns into a new temporary table `stage` on the target. */
async function stageRows(
  source: pg.ClientBase,
  target: pg.ClientBase,
  table: TablePlan,
  stage: string,
  select: string,
): Promise<number> {
  const cols = table.columns.join(', ');
  await target.query(
    `CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${cols} FROM ${table.qualified} t WITH NO DATA`,
  );
  const reader = (source as pg.Client).query(copyTo(`COPY (${select}) TO STDOUT`));
  const writer = (target as pg.Client).query(copyFrom(`COPY ${stage} (${cols}) FROM STDIN`));
  await pipeline(reader, writer);
  return Number(writer.rowCount ?? 0);
}

/** Inserts the staged rows, replacing rows with the same key (a table without a key just gets them). */
async function upsertStaged(target: pg.ClientBase, table: TablePlan, stage: string): Promise<number> {
  const cols = table.columns;
  const keys = table.keyColumns;
  const nonKey = cols.filter((col) => !keys.includes(col));
  const conflict = keys.length
    ? ` ON CONFLICT (${keys.join(', ')}) DO ${
        nonKey.length ? `UPDATE SET ${nonKey.map((col) => `${col} = EXCLUDED.${col}`).join(', ')}` : 'NOTHING'
      }`
    : '';
  const res = await target.query(
    `INSERT INTO ${table.qualified} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE SELECT ${cols.join(', ')} FROM ${stage}${conflict}`,
  );
  return res.rowCount ?? 0;
}

/** The source's rows of `table` (the tenant's), restricted by an extra predicate on alias t. */
function selectWhere(table: TablePlan, extra: string): string {
  return `SELECT ${table.columns.map((col) => `t.${col}`).join(', ')} FROM ${fromTable(table)} t WHERE (${table.where}) AND ${extra}`;
}

/**
 * Applies the source's rows of every differing bucket to the target. `source` reads the shared
 * database (tenant id set, comparable session); `target` is a session on the new database that
 * is not in a transaction: this function runs one and commits it.
 */
export async function catchUp(
  source: pg.ClientBase,
  target: pg.ClientBase,
  comparisons: readonly TableComparison[],
  guard?: ApplyGuard,
): Promise<CatchUpStats[]> {
  const work = comparisons.filter((c) => !c.equal).map((c) => ({ c, buckets: differingBuckets(c) }));
  if (work.length === 0) return [];
  return inApplyTransaction(
    target,
    work.map((w) => w.c.table),
    async () => {
      const stats: CatchUpStats[] = [];
      for (const [i, { c, buckets }] of work.entries()) {
        const staged = await stageRows(
          source,
          target,
          c.table,
          stageName(i),
          selectWhere(c.table, `${bucketOfRow(c)} IN (${buckets.join(', ')})`),
        );
        stats.push({ table: c.table.qualified, buckets: buckets.length, staged, deleted: 0, upserted: 0 });
      }
      // Deletes, children first: target rows of those buckets that the source no longer has (as is).
      for (let i = work.length - 1; i >= 0; i--) {
        const { c, buckets } = work[i]!;
        const keys = c.table.keyColumns;
        const gone = keys.length
          ? `NOT EXISTS (SELECT 1 FROM ${stageName(i)} s WHERE ${keyMatch(keys, 's', 't')})`
          : 'true';
        const res = await target.query(
          `DELETE FROM ${fromTable(c.table)} t WHERE ${bucketOfRow(c)} IN (${buckets.join(', ')}) AND ${gone}`,
        );
        stats[i]!.deleted = res.rowCount ?? 0;
      }
      // Upserts, parents first.
      for (const [i, { c }] of work.entries())
        stats[i]!.upserted = await upsertStaged(target, c.table, stageName(i));
      return stats;
    },
    guard,
  );
}

/** A table's rows, verified equal on both sides at a known snapshot: the base of the freeze pass. */
export interface VerifiedTable {
  table: TablePlan;
  count: number;
  /** Sum of the rows' 64-bit hashes (see checksum.ts), as a bigint. */
  sum: bigint;
}

export function verifiedFrom(c: TableComparison): VerifiedTable {
  const sum = c.source.buckets.reduce((acc, b) => acc + BigInt(b.sum), 0n);
  return { table: c.table, count: c.source.count, sum };
}

export interface FreezePassResult {
  verified: VerifiedTable[];
  /** Rows re-read because they changed since the base snapshot. */
  changedRows: number;
  deletedRows: number;
  /** Tables the incremental pass could not settle, re-compared in full. */
  fullyCompared: string[];
}

/**
 * The catch-up under the freeze, incremental. The base is a state verified equal at snapshot S
 * (`xmin` = the oldest transaction S did not see; the caller holds S open until now, so VACUUM
 * cannot freeze newer row versions). A row inserted or updated since S has `age(xmin)` no older
 * than that transaction's: those rows are re-read and upserted. Deleted rows leave no version
 * behind, so counts tell: a target with more rows than the source gets the keys the source no
 * longer has deleted. The digests follow arithmetically (a digest is a count and a sum of row
 * hashes). Whatever does not add up — a table without a key that changed, fewer rows in the
 * target than in the source — is compared and caught up in full, so the result is never a guess.
 */
export async function freezePass(
  source: pg.ClientBase,
  target: pg.ClientBase,
  base: readonly VerifiedTable[],
  snapshotXmin: string,
  /** The session holding snapshot S open (REPEATABLE READ): tells which keys existed at S. */
  baseSnapshot: pg.ClientBase,
  guard?: ApplyGuard,
): Promise<FreezePassResult> {
  if (!/^\d+$/.test(snapshotXmin)) throw new Error(`Invalid snapshot xmin ${snapshotXmin}`);
  // xid8 → the 32-bit xid that xmin holds; an integer we computed, so it is safe to inline.
  const xid32 = (BigInt(snapshotXmin) % 4294967296n).toString();
  const changedSince = `age(t.xmin) <= age('${xid32}'::xid)`;
  const result: FreezePassResult = { verified: [], changedRows: 0, deletedRows: 0, fullyCompared: [] };
  const settled = new Map<TablePlan, VerifiedTable>();
  const unsettled: TablePlan[] = [];

  const sourceCounts = new Map<TablePlan, number>();
  for (const b of base) {
    const { rows } = await source.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${fromTable(b.table)} t WHERE ${b.table.where}`,
    );
    sourceCounts.set(b.table, Number(rows[0]!.n));
  }

  await inApplyTransaction(
    target,
    base.map((b) => b.table),
    async () => {
      // 1. Stage what changed; the digest after applying it follows from the rows it replaces.
      const state = new Map<TablePlan, { count: number; sum: bigint; staged: number }>();
      for (const [i, b] of base.entries()) {
        const stage = stageName(i);
        const staged = await stageRows(source, target, b.table, stage, selectWhere(b.table, changedSince));
        result.changedRows += staged;
        if (b.table.keyColumns.length === 0) {
          if (staged > 0 || sourceCounts.get(b.table) !== b.count) unsettled.push(b.table);
          else state.set(b.table, { count: b.count, sum: b.sum, staged });
          continue;
        }
        if (staged === 0) {
          state.set(b.table, { count: b.count, sum: b.sum, staged });
          continue;
        }
        const keys = b.table.keyColumns;
        const replaced = await aggregate(
          target,
          b.table,
          `FROM ${fromTable(b.table)} t WHERE EXISTS (SELECT 1 FROM ${stage} s WHERE ${keyMatch(keys, 's', 't')})`,
        );
        const fresh = await aggregate(target, b.table, `FROM ${stage} t`);
        state.set(b.table, {
          count: b.count - replaced.count + fresh.count,
          sum: b.sum - replaced.sum + fresh.sum,
          staged,
        });
      }
      // A dependent row belongs to the tenant through its parents. A parent row that moved to
      // this tenant since S brings rows below it that did not change themselves (and a deletion
      // elsewhere could hide them from the counts). A staged key the new database lacks either is
      // a new row or moved here: if it already existed at S (under any tenant), it moved, and the
      // tables below it are settled by a full comparison, never by increments. (A row moving away
      // takes its rows with it; the counts then fall, which the key diff below handles.)
      const parents = new Set(
        base.flatMap((b) => (b.table.kind === 'dependent' ? ancestors(b.table, base) : [])),
      );
      const movedIn = new Set<string>();
      for (const [i, b] of base.entries()) {
        const s = state.get(b.table);
        if (!s || s.staged === 0 || !parents.has(b.table.qualified) || b.table.keyColumns.length === 0)
          continue;
        const keys = b.table.keyColumns;
        const fresh = await target.query<{ k: string }>(
          `SELECT ${keyText(b.table)} AS k FROM ${stageName(i)} t
            WHERE NOT EXISTS (SELECT 1 FROM ${fromTable(b.table)} x WHERE ${keyMatch(keys, 'x', 't')})`,
        );
        if (fresh.rows.length === 0) continue;
        const existed = await baseSnapshot.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM ${fromTable(b.table)} t WHERE ${keyText(b.table)} = ANY($1::text[])`,
          [fresh.rows.map((r) => r.k)],
        );
        if (Number(existed.rows[0]!.n) > 0) movedIn.add(b.table.qualified);
      }
      for (const b of base) {
        if (b.table.kind !== 'dependent' || !state.has(b.table)) continue;
        if (ancestors(b.table, base).some((q) => movedIn.has(q))) {
          state.delete(b.table);
          unsettled.push(b.table);
        }
      }
      // 2. Deletes, children first, before any upsert (a deleted row may free a unique value an
      // inserted one takes): with more rows than the source, the target loses the keys the source
      // no longer has. Staged keys are current source keys, so the two sets never overlap.
      for (let i = base.length - 1; i >= 0; i--) {
        const b = base[i]!;
        const s = state.get(b.table);
        const sourceCount = sourceCounts.get(b.table)!;
        if (!s || s.count <= sourceCount) continue;
        const keys = b.table.keyColumns;
        const keyStage = `__tp_keys_${i}`;
        await target.query(
          `CREATE TEMP TABLE ${keyStage} ON COMMIT DROP AS SELECT ${keys.join(', ')} FROM ${b.table.qualified} t WITH NO DATA`,
        );
        const reader = (source as pg.Client).query(
          copyTo(
            `COPY (SELECT ${keys.map((k) => `t.${k}`).join(', ')} FROM ${fromTable(b.table)} t WHERE ${b.table.where}) TO STDOUT`,
          ),
        );
        const writer = (target as pg.Client).query(
          copyFrom(`COPY ${keyStage} (${keys.join(', ')}) FROM STDIN`),
        );
        await pipeline(reader, writer);
        const gone = `FROM ${fromTable(b.table)} t WHERE NOT EXISTS (SELECT 1 FROM ${keyStage} k WHERE ${keyMatch(keys, 'k', 't')})`;
        const removed = await aggregate(target, b.table, gone);
        await target.query(`DELETE ${gone}`);
        result.deletedRows += removed.count;
        s.count -= removed.count;
        s.sum -= removed.sum;
      }
      // 3. Upserts, parents first.
      for (const [i, b] of base.entries()) {
        const s = state.get(b.table);
        if (s && s.staged > 0) await upsertStaged(target, b.table, stageName(i));
      }
      for (const b of base) {
        const s = state.get(b.table);
        if (!s) continue;
        // Fewer rows than the source: a row became the tenant's without changing (its parent
        // moved). Not settled by increments.
        if (s.count !== sourceCounts.get(b.table)) unsettled.push(b.table);
        else settled.set(b.table, { table: b.table, count: s.count, sum: s.sum });
      }
    },
    guard,
  );

  // Whatever the increments could not settle is compared and caught up in full.
  if (unsettled.length) {
    const compared = await compareTables(source, target, unsettled);
    if (compared.some((c) => !c.equal)) await catchUp(source, target, compared, guard);
    const again = await compareTables(source, target, unsettled);
    const unequal = again.filter((c) => !c.equal);
    if (unequal.length) {
      throw new Error(
        `still different after a full catch-up: ${unequal
          .flatMap((c) => c.differences)
          .slice(0, 5)
          .join('; ')}`,
      );
    }
    for (const c of again) settled.set(c.table, verifiedFrom(c));
    result.fullyCompared = unsettled.map((t) => t.qualified);
  }
  result.verified = base.map((b) => settled.get(b.table)!);
  return result;
}

/** The planned tables a table reaches through its foreign keys, transitively (its owners). */
function ancestors(table: TablePlan, base: readonly VerifiedTable[]): string[] {
  const byName = new Map(base.map((b) => [b.table.qualified, b.table]));
  const seen = new Set<string>();
  const walk = (t: TablePlan) => {
    for (const fk of t.foreignKeys ?? []) {
      if (seen.has(fk.references) || fk.references === t.qualified) continue;
      seen.add(fk.references);
      const parent = byName.get(fk.references);
      if (parent) walk(parent);
    }
  };
  walk(table);
  return [...seen];
}

/** Count and hash sum of the rows `fromWhere` selects (alias t, the table's planned columns). */
async function aggregate(
  client: pg.ClientBase,
  table: TablePlan,
  fromWhere: string,
): Promise<{ count: number; sum: bigint }> {
  const { rows } = await client.query<{ n: string; s: string | null }>(
    `SELECT count(*)::text AS n, sum(${rowHashSql(table)})::text AS s ${fromWhere}`,
  );
  return { count: Number(rows[0]!.n), sum: BigInt(rows[0]!.s ?? '0') };
}

/**
 * `session_replication_role = replica` turns off foreign-key enforcement and triggers for this
 * transaction, so rows can be applied in any order; it needs a superuser (or GRANT SET on it).
 * Without it, user triggers are disabled per table and the delete/upsert order keeps foreign keys.
 */
async function tryReplicaMode(target: pg.ClientBase): Promise<boolean> {
  await target.query('SAVEPOINT replica_mode');
  try {
    await target.query(`SET LOCAL session_replication_role = replica`);
    await target.query('RELEASE SAVEPOINT replica_mode');
    return true;
  } catch {
    await target.query('ROLLBACK TO SAVEPOINT replica_mode');
    return false;
  }
}
