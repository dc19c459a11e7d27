import pg from 'pg';
import { z } from 'zod';
import { PromotionError } from '../errors';
import { quoteQualified } from './sql';

/**
 * Fencing: which run owns a tenant, proved by data the database checks in the same transaction
 * as every irreversible write.
 *
 * The advisory lock (lock.ts) is only the fast path for "someone else is running": a session
 * lock ends silently with its session (pg_terminate_backend, a failover, a network cut, a pooler
 * restart), and the next run takes it while the first one goes on. So a run that holds the lock
 * claims the tenant by writing its run token into the tenants row (`settings.isolation.run`);
 * every later write of a run — to the shared database and to the tenant's database — first
 * reads the token under a row lock in the same transaction and stops, changing nothing, when
 * another run has claimed the tenant since. A run that lost its lock therefore cannot undo or
 * overwrite what the run that took over committed.
 *
 * In the tenant's database the same token lives in a table of the tool's own schema
 * (`RUN_SCHEMA`), written when the run creates that database: writes there (catch-up) check it,
 * so a run whose database was replaced by another run's never writes into the replacement.
 */
export const RunClaim = z
  .object({
    id: z.string().min(1),
    /** Who: the workflow run, the CLI on a host, … (shown to a run that lost ownership). */
    label: z.string(),
    operation: z.string(),
    since: z.string(),
  })
  .passthrough();
export type RunClaim = z.infer<typeof RunClaim>;

/** The tool's own schema in a tenant's database: never cloned, compared or shown to the application. */
export const RUN_SCHEMA = '_tenant_isolation';
/**
 * The run marker's table in a tool schema: `RUN_SCHEMA` in a tenant's own database; schema level
 * into the shared database, the tenant's own tool schema there (names.ts sharedToolSchema).
 */
const runTable = (toolSchema: string) => `${pg.escapeIdentifier(toolSchema)}.run_owner`;

export class OwnershipLostError extends PromotionError {
  constructor(slug: string, what: string, owner: RunClaim | undefined, runId: string) {
    super(
      'ownership-lost',
      `This run (${runId}) no longer owns tenant "${slug}": ${
        owner
          ? `${owner.operation} run ${owner.id} (${owner.label}) claimed it at ${owner.since}`
          : 'its claim is gone from the tenants row'
      }. It stopped before ${what} and changed nothing more.`,
      'Another run took over (this run lost its lock: a dropped connection, a failover or a terminated session). Let that run finish and read its report; re-run only if it failed.',
    );
  }
}

/** The claim stored in a tenants row's settings, if any (malformed values count as none). */
export function claimOf(settings: unknown): RunClaim | undefined {
  const raw = (settings as { isolation?: { run?: unknown } } | null | undefined)?.isolation?.run;
  const parsed = RunClaim.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Claims the tenant for this run (the caller holds the tenant's advisory lock). Other keys of
 * `settings` and of `settings.isolation` are preserved. Returns the previous claim, if any.
 */
export async function claimTenant(
  client: pg.ClientBase,
  tenantsTable: string,
  slug: string,
  claim: RunClaim,
  /** The claim blocks the tenant's writers while it waits for the row: never longer than this. */
  lockTimeoutMs: number,
): Promise<RunClaim | undefined> {
  const table = quoteQualified(tenantsTable);
  await client.query('BEGIN');
  try {
    await client.query(`SELECT set_config('lock_timeout', $1, true)`, [`${lockTimeoutMs}ms`]);
    const { rows } = await client.query<{ settings: unknown }>(
      `SELECT t.settings FROM ${table} t WHERE t.slug = $1 FOR NO KEY UPDATE`,
      [slug],
    );
    if (rows.length === 0) {
      throw new PromotionError('tenant-not-found', `Tenant "${slug}" was not found in ${tenantsTable}.`);
    }
    const previous = claimOf(rows[0]!.settings);
    await client.query(
      `UPDATE ${table} t
          SET settings = coalesce(t.settings, '{}'::jsonb)
                || jsonb_build_object('isolation',
                     coalesce(t.settings -> 'isolation', '{}'::jsonb) || jsonb_build_object('run', $2::jsonb))
        WHERE t.slug = $1`,
      [slug, JSON.stringify(claim)],
    );
    await client.query('COMMIT');
    return previous;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    if ((e as { code?: string }).code === '55P03') {
      throw new PromotionError(
        'lock-held',
        `Tenant "${slug}" could not be claimed: its row in ${tenantsTable} stayed locked for longer than max-freeze (${lockTimeoutMs} ms); nothing was changed.`,
        'A long transaction holds the tenant row (see pg_stat_activity); re-run when it has finished.',
        { cause: e },
      );
    }
    throw e;
  }
}

/**
 * Takes this run's claim back out of the tenants row, if it is still this run's: a run that
 * failed before its commit point leaves the shared database as it found it.
 */
export async function releaseClaim(
  client: pg.ClientBase,
  tenantsTable: string,
  slug: string,
  runId: string,
): Promise<void> {
  // A sequence-range slot this run reserved and no switch ever applied goes too (slots are few
  // for int4 and int2 keys); one a switch applied stays, for a re-promotion to reuse.
  await client.query(
    `UPDATE ${quoteQualified(tenantsTable)} t
        SET settings = CASE WHEN r.iso = '{}'::jsonb THEN t.settings - 'isolation'
                            ELSE jsonb_set(t.settings, '{isolation}', r.iso) END
       FROM (SELECT s.slug, (s.settings -> 'isolation') - 'run'
                    - CASE WHEN s.settings -> 'isolation' -> 'sequence_range' -> 'sequences' IS NULL
                           THEN 'sequence_range' ELSE '' END AS iso
               FROM ${quoteQualified(tenantsTable)} s WHERE s.slug = $1) r
      WHERE t.slug = r.slug AND t.settings -> 'isolation' -> 'run' ->> 'id' = $2`,
    [slug, runId],
  );
}

/**
 * Inside the caller's transaction: locks the tenants row `FOR SHARE` (a competing claim waits
 * for this transaction; writers that only reference the tenant do not) and proves the claim is
 * still this run's. Throws OwnershipLostError otherwise.
 */
export async function assertOwner(
  client: pg.ClientBase,
  tenantsTable: string,
  slug: string,
  runId: string,
  what: string,
  /**
   * Pass when the tenant row is gone altogether. For undo only: no run can claim a tenant
   * without its row, so what this run built is nobody else's and may be removed.
   */
  orphanOk = false,
): Promise<void> {
  const { rows } = await client.query<{ settings: unknown }>(
    `SELECT t.settings FROM ${quoteQualified(tenantsTable)} t WHERE t.slug = $1 FOR SHARE`,
    [slug],
  );
  if (rows.length === 0 && orphanOk) return;
  const owner = rows.length ? claimOf(rows[0]!.settings) : undefined;
  if (owner?.id !== runId) throw new OwnershipLostError(slug, what, owner, runId);
}

/**
 * Runs `fn` in one transaction on `client` that first runs `prove` (an ownership proof that locks
 * what it reads), committing only if both return.
 */
export async function inProvedTransaction<T>(
  client: pg.ClientBase,
  prove: () => Promise<void>,
  fn: () => Promise<T>,
): Promise<T> {
  await client.query('BEGIN');
  try {
    await prove();
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/**
 * Runs `fn` in one transaction on `client` that first proves ownership (assertOwner) and
 * commits only if `fn` returns. For writes to the shared database.
 */
export function inOwnedTransaction<T>(
  client: pg.ClientBase,
  owner: { tenantsTable: string; slug: string; runId: string; orphanOk?: boolean },
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  return inProvedTransaction(
    client,
    () => assertOwner(client, owner.tenantsTable, owner.slug, owner.runId, what, owner.orphanOk),
    fn,
  );
}

/**
 * Creates a table of the tool's in its tool schema, closed to PUBLIC: the admin's default
 * privileges (ALTER DEFAULT PRIVILEGES … GRANT … TO PUBLIC, per database) would otherwise hand
 * every role of the database the tool's table — in the shared database, every other tenant's role.
 * `table` is already quoted; `columns` is the tool's own definition, nothing from a tenant.
 */
export async function createToolTable(client: pg.ClientBase, table: string, columns: string): Promise<void> {
  await client.query(`CREATE TABLE IF NOT EXISTS ${table} (${columns})`);
  await client.query(`REVOKE ALL ON TABLE ${table} FROM PUBLIC`);
}

/**
 * Writes this run's token into the tenant's database (a schema of the tool's own that PUBLIC
 * cannot use). Called by the run that creates the database, before anything else is written.
 */
export async function writeRunMarker(
  target: pg.ClientBase,
  claim: RunClaim,
  toolSchema = RUN_SCHEMA,
): Promise<void> {
  const RUN_TABLE = runTable(toolSchema);
  await target.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(toolSchema)}`);
  await target.query(`REVOKE ALL ON SCHEMA ${pg.escapeIdentifier(toolSchema)} FROM PUBLIC`);
  await createToolTable(
    target,
    RUN_TABLE,
    `singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), run jsonb NOT NULL`,
  );
  await target.query(
    `INSERT INTO ${RUN_TABLE} (run) VALUES ($1::jsonb)
       ON CONFLICT (singleton) DO UPDATE SET run = EXCLUDED.run`,
    [JSON.stringify(claim)],
  );
}

/**
 * Inside the caller's transaction on the tenant's database: proves the database is still this
 * run's (its marker row locked FOR SHARE). Throws OwnershipLostError otherwise.
 */
export async function assertRunMarker(
  target: pg.ClientBase,
  slug: string,
  runId: string,
  what: string,
  toolSchema = RUN_SCHEMA,
): Promise<void> {
  const RUN_TABLE = runTable(toolSchema);
  let rows: { run: unknown }[];
  try {
    ({ rows } = await target.query<{ run: unknown }>(
      `SELECT run FROM ${RUN_TABLE} WHERE singleton FOR SHARE`,
    ));
  } catch (e) {
    // No marker at all (undefined schema or table): not a database this run made.
    const code = (e as { code?: string }).code;
    if (code === '42P01' || code === '3F000') throw new OwnershipLostError(slug, what, undefined, runId);
    throw e;
  }
  const marker = rows.length ? RunClaim.safeParse(rows[0]!.run) : undefined;
  const owner = marker?.success ? marker.data : undefined;
  if (owner?.id !== runId) throw new OwnershipLostError(slug, what, owner, runId);
}
