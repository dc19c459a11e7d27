import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { RUN_SCHEMA } from './ownership';
import type { TablePlan } from './plan-types';

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
 *    (`recordRemovedKeys`, schema `_tenant_isolation`, committed on its own).
 * 3. The shared transaction records that attempt id in `settings.isolation.referenced_removed`
 *    and commits with the deletes.
 * A rollback trusts only the keys of the attempt the shared database names: an attempt whose
 * shared transaction rolled back (a crash, a refusal) left keys nobody names, and a re-run writes
 * its own attempt. The keys live exactly as long as the tenant's database, which the rollback
 * reads before it drops it.
 */

export const REMOVED_TABLE = `${pg.escapeIdentifier(RUN_SCHEMA)}.cleanup_removed`;
const STAGE = 'pg_temp.tenant_isolation_removed_keys';

/** `ARRAY[key::text, …]` of the row aliased `alias` (the rollback ledger's spelling of a key). */
const keyArray = (table: TablePlan, alias: string) =>
  `ARRAY[${table.keyColumns.map((k) => `${alias}.${k}::text`).join(', ')}]::text[]`;

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
  await session.query(`INSERT INTO ${STAGE} (tbl, k) SELECT $1, ${keyArray(table, 't')} ${rowsSql}`, [
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
): Promise<number> {
  const { rows } = await shared.query<{ r: string | null }>(`SELECT to_regclass($1)::text AS r`, [STAGE]);
  await tenantDb.query('BEGIN');
  try {
    await tenantDb.query(
      `CREATE TABLE IF NOT EXISTS ${REMOVED_TABLE} (
         attempt text NOT NULL, tbl text NOT NULL, k text[] NOT NULL,
         recorded_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (attempt, tbl, k))`,
    );
    let n = 0;
    if (rows[0]?.r) {
      const reader = (shared as pg.Client).query(
        copyTo(`COPY (SELECT ${pg.escapeLiteral(attempt)}, tbl, k FROM ${STAGE}) TO STDOUT`),
      );
      const writer = (tenantDb as pg.Client).query(
        copyFrom(`COPY ${REMOVED_TABLE} (attempt, tbl, k) FROM STDIN`),
      );
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
export function removedKeysCopySql(attempt: string, qualified: string): string {
  return `COPY (SELECT k FROM ${REMOVED_TABLE} WHERE attempt = ${pg.escapeLiteral(attempt)} AND tbl = ${pg.escapeLiteral(qualified)}) TO STDOUT`;
}

/** Whether the tenant's database holds the table of removed keys (a cleanup recorded some). */
export async function hasRemovedKeys(tenantDb: pg.ClientBase): Promise<boolean> {
  const { rows } = await tenantDb.query<{ r: string | null }>(`SELECT to_regclass($1)::text AS r`, [
    `${RUN_SCHEMA}.cleanup_removed`,
  ]);
  return Boolean(rows[0]?.r);
}
