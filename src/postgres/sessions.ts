import pg from 'pg';
import { PromotionError } from '../errors';

const qi = pg.escapeIdentifier;

export interface OpenSession {
  pid: number;
  user: string | null;
  application: string | null;
}

/**
 * Ends every other session on `database` that this role may end, waiting for each to exit.
 * A non-superuser may end only sessions of roles whose privileges it has: it first becomes a
 * member of the tool's own roles of that database (`toolRoles`, which it created) where it is
 * not yet; sessions of anyone else (a superuser's, another administrator's) are left and
 * returned, for the caller to refuse with a clear message.
 */
export async function endSessions(
  client: pg.ClientBase,
  database: string,
  toolRoles: readonly string[],
  /** The caller has a transaction open: a refused GRANT must not abort it (savepoint). */
  inTransaction = false,
  /**
   * Only the sessions of these roles and their members (the tenant's schemas in the shared
   * database: every other session there is another tenant's or the shared application's).
   * Absent: all.
   */
  membersOf?: readonly string[],
): Promise<{ ended: number; remaining: OpenSession[] }> {
  // A statement that may be refused; in a transaction, under a savepoint so the refusal does not
  // abort the caller's transaction.
  const attempt = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => {
    if (inTransaction) await client.query('SAVEPOINT end_sessions');
    try {
      const r = await client.query<R>(sql, params);
      if (inTransaction) await client.query('RELEASE SAVEPOINT end_sessions');
      return r;
    } catch {
      if (inTransaction) await client.query('ROLLBACK TO SAVEPOINT end_sessions');
      return undefined;
    }
  };
  // Memberships granted here only to end sessions are revoked again afterwards (but the database
  // owner's, see below): the administrator is left with the privileges it had.
  const granted: string[] = [];
  for (const role of toolRoles) {
    const { rows } = await client.query<{ member: boolean | null }>(
      `SELECT CASE WHEN r.oid IS NULL THEN NULL ELSE pg_has_role(r.oid, 'USAGE') END AS member
         FROM (SELECT 1) x LEFT JOIN pg_roles r ON r.rolname = $1`,
      [role],
    );
    if (rows[0]?.member === false) {
      // Refused on PostgreSQL 16+ to a CREATEROLE role without ADMIN OPTION on it (another
      // administrator created it): its sessions then remain and are named by the caller.
      if (await attempt(`GRANT ${qi(role)} TO CURRENT_USER`)) granted.push(role);
    }
  }
  // Members through pg_auth_members, not pg_has_role: a superuser "has" every role, and its
  // sessions (another run's, a DBA's) are not the tenant's. This role's own sessions (the lock
  // session among them) are never ended that way either: it was just granted the role above.
  const { rows } = await client.query<OpenSession>(
    `WITH RECURSIVE members(oid) AS (
       SELECT oid FROM pg_roles WHERE rolname = ANY($2::text[])
       UNION SELECT a.member FROM pg_auth_members a JOIN members m ON a.roleid = m.oid)
     SELECT pid, usename AS user, application_name AS application
       FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()
        -- A session without a role in a database is, as far as a non-superuser can tell
        -- (backend_type is hidden from it), an autovacuum worker: it works in every database that
        -- has had writes, writes no rows, and only a superuser may end it; RENAME and plain DROP
        -- DATABASE end it themselves (pg_terminate_backend refused it: undo and rollback stopped).
        AND usesysid IS NOT NULL
        AND ($2::text[] IS NULL
             OR (usesysid IN (SELECT oid FROM members) AND usename <> current_user))`,
    [database, membersOf ?? null],
  );
  let ended = 0;
  const remaining: OpenSession[] = [];
  for (const s of rows) {
    // pg_terminate_backend(pid, timeout) waits for the backend to exit (PostgreSQL 14+).
    const r = await attempt<{ ok: boolean }>('SELECT pg_terminate_backend($1::int, 5000) AS ok', [s.pid]);
    const ok = r?.rows[0]?.ok === true;
    if (ok) ended++;
    else {
      const still = await client.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [s.pid]);
      if (still.rowCount) remaining.push(s);
      else ended++;
    }
  }
  // The database owner's membership stays: whoever ends the sessions goes on to work in it (a
  // rollback reads the tenant's tables, owned by that role, as this administrator).
  const owner = await client.query<{ owner: string }>(
    'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
    [database],
  );
  for (const role of granted)
    if (role !== owner.rows[0]?.owner) await attempt(`REVOKE ${qi(role)} FROM CURRENT_USER`);
  return { ended, remaining };
}

/** The refusal when sessions on a tenant's database could not be ended. */
export function sessionsRemainError(database: string, remaining: readonly OpenSession[], doing: string) {
  const who = remaining
    .slice(0, 5)
    .map((s) => `pid ${s.pid} (${s.user ?? 'unknown role'}${s.application ? `, ${s.application}` : ''})`)
    .join(', ');
  return new PromotionError(
    'permission-denied',
    `${remaining.length} session(s) on database "${database}" could not be ended by this role, so it stopped before ${doing}: ${who}${remaining.length > 5 ? ', …' : ''}.`,
    `End them by hand (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}'), or grant the promoting role pg_signal_backend, then re-run.`,
  );
}
