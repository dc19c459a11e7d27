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

/**
 * Applies the source's rows of every differing bucket to the target. `source` reads the shared
 * database (tenant id set, comparable session); `target` is a session on the new database that
 * is not in a transaction: this function runs one and commits it.
 */
export async function catchUp(
  source: pg.ClientBase,
  target: pg.ClientBase,
  comparisons: readonly TableComparison[],
): Promise<CatchUpStats[]> {
  const work = comparisons.filter((c) => !c.equal).map((c) => ({ c, buckets: differingBuckets(c) }));
  if (work.length === 0) return [];
  const stats: CatchUpStats[] = [];
  await target.query('BEGIN');
  try {
    const replica = await tryReplicaMode(target);
    if (!replica)
      for (const { c } of work) await target.query(`ALTER TABLE ${c.table.qualified} DISABLE TRIGGER USER`);
    // Stage the source's rows of the differing buckets.
    for (const [i, { c, buckets }] of work.entries()) {
      const stage = `__tp_stage_${i}`;
      const cols = c.table.columns.join(', ');
      await target.query(
        `CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${cols} FROM ${c.table.qualified} t WITH NO DATA`,
      );
      const select = `SELECT ${c.table.columns.map((col) => `t.${col}`).join(', ')} FROM ${fromTable(c.table)} t WHERE (${c.table.where}) AND ${bucketOfRow(c)} IN (${buckets.join(', ')})`;
      const reader = (source as pg.Client).query(copyTo(`COPY (${select}) TO STDOUT`));
      const writer = (target as pg.Client).query(copyFrom(`COPY ${stage} (${cols}) FROM STDIN`));
      await pipeline(reader, writer);
      stats.push({
        table: c.table.qualified,
        buckets: buckets.length,
        staged: Number(writer.rowCount ?? 0),
        deleted: 0,
        upserted: 0,
      });
    }
    // Deletes, children first: target rows of those buckets that the source no longer has (as is).
    for (let i = work.length - 1; i >= 0; i--) {
      const { c, buckets } = work[i]!;
      const stage = `__tp_stage_${i}`;
      const keys = c.table.keyColumns;
      const gone = keys.length
        ? `NOT EXISTS (SELECT 1 FROM ${stage} s WHERE ${keys.map((k) => `s.${k} = t.${k}`).join(' AND ')})`
        : 'true';
      const res = await target.query(
        `DELETE FROM ${fromTable(c.table)} t WHERE ${bucketOfRow(c)} IN (${buckets.join(', ')}) AND ${gone}`,
      );
      stats[i]!.deleted = res.rowCount ?? 0;
    }
    // Upserts, parents first.
    for (const [i, { c }] of work.entries()) {
      const stage = `__tp_stage_${i}`;
      const cols = c.table.columns;
      const keys = c.table.keyColumns;
      const nonKey = cols.filter((col) => !keys.includes(col));
      const conflict = keys.length
        ? ` ON CONFLICT (${keys.join(', ')}) DO ${
            nonKey.length
              ? `UPDATE SET ${nonKey.map((col) => `${col} = EXCLUDED.${col}`).join(', ')}`
              : 'NOTHING'
          }`
        : '';
      const res = await target.query(
        `INSERT INTO ${c.table.qualified} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE SELECT ${cols.join(', ')} FROM ${stage}${conflict}`,
      );
      stats[i]!.upserted = res.rowCount ?? 0;
    }
    if (!replica)
      for (const { c } of work) await target.query(`ALTER TABLE ${c.table.qualified} ENABLE TRIGGER USER`);
    await target.query('COMMIT');
  } catch (e) {
    await target.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
  return stats;
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
