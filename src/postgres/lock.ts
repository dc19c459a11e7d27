import type pg from 'pg';
import { PromotionError } from '../errors';

/**
 * The per-tenant advisory lock: one promotion or rollback of a tenant at a time, across
 * runners. Session-level, on a dedicated connection (TCP keepalives on, so the lock of a
 * runner that died is released when the server notices). A transaction-pooling proxy such as
 * PgBouncer in transaction mode breaks session locks: the action needs a direct connection.
 */
const LOCK_NAMESPACE = 0x7e4a47; // constant first key: "our" locks never clash with the application's

/** `application_name` of the locking session: tells a second run who holds the lock. */
export function lockHolderName(slug: string, runLabel: string): string {
  // application_name is limited to 63 bytes.
  return `tenant-promotion ${slug} ${runLabel}`.slice(0, 63);
}

export async function tryTenantLock(session: pg.ClientBase, slug: string): Promise<boolean> {
  const { rows } = await session.query<{ ok: boolean }>(
    'SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS ok',
    [LOCK_NAMESPACE, slug],
  );
  return rows[0]?.ok === true;
}

/** Who holds the tenant's lock, as far as pg_stat_activity tells (application name, since when). */
export async function describeLockHolder(session: pg.ClientBase, slug: string): Promise<string> {
  const { rows } = await session.query<{ application_name: string | null; backend_start: Date | null }>(
    `SELECT a.application_name, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ($1::int)::oid
        AND l.objid = (hashtext($2)::bigint & 4294967295)::oid AND l.objsubid = 2 AND l.database = (
          SELECT oid FROM pg_database WHERE datname = current_database())`,
    [LOCK_NAMESPACE, slug],
  );
  const holder = rows[0];
  if (!holder) return 'another session (it may just have finished)';
  const since = holder.backend_start ? ` since ${holder.backend_start.toISOString()}` : '';
  return `${holder.application_name || 'an unnamed session'}${since}`;
}

export async function acquireTenantLock(
  session: pg.ClientBase,
  slug: string,
  operation: string,
): Promise<void> {
  if (await tryTenantLock(session, slug)) return;
  const holder = await describeLockHolder(session, slug);
  throw new PromotionError(
    'lock-held',
    `Tenant "${slug}" is already being promoted or rolled back (lock held by ${holder}); this ${operation} made no changes.`,
    'Wait for the other run to finish (its PR comment says how it ended), then re-run if needed.',
  );
}

export async function releaseTenantLock(session: pg.ClientBase, slug: string): Promise<void> {
  await session.query('SELECT pg_advisory_unlock($1::int, hashtext($2))', [LOCK_NAMESPACE, slug]);
}

/**
 * Whether any session holds the tenant's lock in the current database (read from pg_locks,
 * without taking it: a run of that tenant starting meanwhile is never turned away).
 */
export async function isTenantLockHeld(session: pg.ClientBase, slug: string): Promise<boolean> {
  const { rows } = await session.query<{ held: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_locks l
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ($1::int)::oid
        AND l.objid = (hashtext($2)::bigint & 4294967295)::oid AND l.objsubid = 2 AND l.database = (
          SELECT oid FROM pg_database WHERE datname = current_database())) AS held`,
    [LOCK_NAMESPACE, slug],
  );
  return rows[0]?.held === true;
}
