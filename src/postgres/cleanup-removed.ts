import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { TablePlan } from './plan-types';
import { createToolTable } from './ownership';
import { keyArraySql } from './rollback-ledger';

/**
 * The keys of the referenced rows cleanup removed (`cleanup-referenced-rows: remove-unused`), kept
 * so that a rollback brings back exactly those rows — and not a referenced row the shared
 * database deleted on purpose after the switch (review: the rollback took every referenced row
 * missing from the shared side for one cleanup removed, an erased user and its token included).
 *
 * There is no atomic commit across two databases, so the keys are written ahead and made true by
 * the shared database's commit:
 * 1. Inside cleanup's transaction on the shared database, after the removable rows are locked and
 *    before they are deleted, their keys go to a temporary table (`stageRemovedKeys`); the delete
 *    then removes exactly the rows marked (removeUnused refuses otherwise), so the keys are those
 *    of the rows deleted.
 * 2. Still before COMMIT, the keys are copied into the tenant's database under a new attempt id
 *    (`recordRemovedKeys`, in the tool schema beside its tables, committed on its own).
 * 3. The shared transaction records that attempt id in `settings.isolation.referenced_removed`
 *    and commits with the deletes.
 * A rollback trusts only the keys of the attempt the shared database names: an attempt whose
 * shared transaction rolled back (a crash, a refusal) left keys nobody names, and a re-run writes
 * its own attempt. The keys live exactly as long as the tenant's database, which the rollback
 * reads before it drops it.
 */

/**
 * The removed keys' table in the tool schema `toolSchema` beside the tenant's tables (as the row
 * ledger's, rollback-ledger.ts): `_tenant_isolation` of its database, or its own
 * `_tenant_isolation_<slug>` in the shared database.
 */
export function removedKeysTable(toolSchema: string): string {
  return `${pg.escapeIdentifier(toolSchema)}.cleanup_removed`;
}
const STAGE = 'pg_temp.tenant_isolation_removed_keys';

/**
 * Step 1, on cleanup's shared session: the keys of the rows of `table` that `rowsSql` selects
 * (a FROM … WHERE on alias t, the locked removable candidates), added to the session's staging
 * table. A table without a key cannot be merged row by row at rollback: nothing is staged.
 */
export async function stageRemovedKeys(
  session: pg.ClientBase,
  table: TablePlan,
  rowsSql: string,
): Promise<void> {
  if (table.keyColumns.length === 0) return;
  await session.query(
    `CREATE TEMPORARY TABLE IF NOT EXISTS ${STAGE.slice('pg_temp.'.length)} (tbl text NOT NULL, k text[] NOT NULL) ON COMMIT DROP`,
  );
  await session.query(`INSERT INTO ${STAGE} (tbl, k) SELECT $1, ${keyArraySql(table, 't')} ${rowsSql}`, [
    table.qualified,
  ]);
}

/**
 * Step 2: copies the staged keys from `shared` (its transaction still open) into the tenant's
 * database under `attempt`, in a transaction of its own there. Returns the keys recorded.
 */
export async function recordRemovedKeys(
  shared: pg.ClientBase,
  tenantDb: pg.ClientBase,
  attempt: string,
  toolSchema: string,
): Promise<number> {
  const removed = removedKeysTable(toolSchema);
  const { rows } = await shared.query<{ r: string | null }>(`SELECT to_regclass($1)::text AS r`, [STAGE]);
  await tenantDb.query('BEGIN');
  try {
    // No primary key: maintaining (attempt, tbl, k) made recording 1M keys 4× slower, under the
    // shared locks; the rollback reads one attempt's keys once per table (a scan is fine there).
    await createToolTable(
      tenantDb,
      removed,
      `attempt text NOT NULL, tbl text NOT NULL, k text[] NOT NULL,
       recorded_at timestamptz NOT NULL DEFAULT now()`,
    );
    let n = 0;
    if (rows[0]?.r) {
      const reader = (shared as pg.Client).query(
        copyTo(`COPY (SELECT ${pg.escapeLiteral(attempt)}, tbl, k FROM ${STAGE}) TO STDOUT`),
      );
      const writer = (tenantDb as pg.Client).query(copyFrom(`COPY ${removed} (attempt, tbl, k) FROM STDIN`));
      await pipeline(reader, writer);
      n = Number(writer.rowCount ?? 0);
    }
    await tenantDb.query('COMMIT');
    return n;
  } catch (e) {
    await tenantDb.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** `COPY … TO STDOUT` of the keys of `qualified` that `attempt` recorded (run on the tenant's database). */
export function removedKeysCopySql(attempt: string, qualified: string, toolSchema: string): string {
  return `COPY (SELECT k FROM ${removedKeysTable(toolSchema)} WHERE attempt = ${pg.escapeLiteral(attempt)} AND tbl = ${pg.escapeLiteral(qualified)}) TO STDOUT`;
}

/**
 * The tables whose keys `attempt` recorded in the tenant's database differ from the rows the
 * shared database says it removed (`expected`, per table): empty when every removed row has its
 * key there. A table of keys that exists is not enough — a backup of the tenant's database taken
 * between two cleanup attempts holds the first attempt's keys only (review r17).
 */
export async function removedKeysMismatch(
  tenantDb: pg.ClientBase,
  attempt: string,
  expected: Readonly<Record<string, number>>,
  toolSchema: string,
): Promise<string[]> {
  const removed = removedKeysTable(toolSchema);
  const { rows: exists } = await tenantDb.query<{ r: string | null }>(`SELECT to_regclass($1)::text AS r`, [
    removed,
  ]);
  const held = new Map<string, number>();
  if (exists[0]?.r) {
    const { rows } = await tenantDb.query<{ tbl: string; n: string }>(
      `SELECT tbl, count(*)::text AS n FROM ${removed} WHERE attempt = $1 GROUP BY tbl`,
      [attempt],
    );
    for (const r of rows) held.set(r.tbl, Number(r.n));
  }
  return compareRemovedCounts(expected, held);
}

/** Pure: `table: expected n, recorded m` for each table whose counts differ. */
export function compareRemovedCounts(
  expected: Readonly<Record<string, number>>,
  held: ReadonlyMap<string, number>,
): string[] {
  const tables = [...new Set([...Object.keys(expected), ...held.keys()])].sort();
  return tables.flatMap((t) => {
    const want = expected[t] ?? 0;
    const have = held.get(t) ?? 0;
    return want === have ? [] : [`${t}: ${want} removed, ${have} recorded`];
  });
}
