import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DATABASE_URL, uniqueSuffix, urlFor, withClient } from './pg';

const qi = pg.escapeIdentifier;

/**
 * A non-superuser admin role, as a DBA hands one out on managed PostgreSQL: `LOGIN CREATEDB
 * CREATEROLE`, and on one shared database the ordinary privileges an admin gets there — USAGE on
 * its schemas, SELECT/INSERT/UPDATE/DELETE on every table, USAGE/SELECT/UPDATE on every sequence.
 * Never membership in the roles that own the tables (so it is not their owner in disguise), never
 * SUPERUSER, and `pg_signal_backend` only when asked: without it the role may end its own
 * sessions only.
 */
export interface NonSuperuser {
  role: string;
  /** Connection URL of the shared database as this role. */
  url: string;
  /** The same role on another database of the cluster. */
  urlFor(database: string): string;
  /** Drops the role and everything it owns or was granted, in every database of the cluster. */
  drop(): Promise<void>;
}

export interface NonSuperuserOptions {
  /**
   * BYPASSRLS. The engine refuses to copy a table under row-level security as a role that is
   * subject to it (it would see part of the rows; see src/postgres/copy.ts), and the fixture has
   * two such tables: a promotion of it needs this attribute as a non-superuser.
   */
  bypassRls?: boolean;
  /** Membership in pg_signal_backend: may end other roles' (non-superuser) sessions. */
  signalBackend?: boolean;
}

/** Schemas of a database that are the application's (not the system's). */
const USER_SCHEMAS = `SELECT nspname FROM pg_namespace
   WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1`;

/**
 * Creates a uniquely named role (its name carries no fixture suffix, so the fixture's artifact
 * checks do not see it) with the privileges above on the database at `sharedUrl`.
 */
export async function createNonSuperuser(
  sharedUrl: string,
  options: NonSuperuserOptions = {},
): Promise<NonSuperuser> {
  const role = `tp_admin_${uniqueSuffix()}`;
  const password = randomBytes(18).toString('base64url');
  const shared = new URL(sharedUrl);
  const database = decodeURIComponent(shared.pathname.slice(1));
  const attributes = ['LOGIN', 'CREATEDB', 'CREATEROLE', options.bypassRls ? 'BYPASSRLS' : 'NOBYPASSRLS'];
  await withClient(DATABASE_URL, async (c) => {
    await c.query(
      `CREATE ROLE ${qi(role)} ${attributes.join(' ')} NOSUPERUSER NOREPLICATION PASSWORD ${pg.escapeLiteral(password)}`,
    );
    if (options.signalBackend) await c.query(`GRANT pg_signal_backend TO ${qi(role)}`);
  });
  const handle = nonSuperuserHandle(role, password, sharedUrl);
  try {
    // As the superuser, on the shared database itself: GRANT … ON ALL … IN SCHEMA is per database.
    await withClient(urlFor(database), async (c) => {
      await c.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${qi(database)} TO ${qi(role)}`);
      const schemas = (await c.query<{ nspname: string }>(USER_SCHEMAS)).rows.map((r) => qi(r.nspname));
      if (!schemas.length) return;
      const list = schemas.join(', ');
      await c.query(`GRANT USAGE ON SCHEMA ${list} TO ${qi(role)}`);
      await c.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${list} TO ${qi(role)}`);
      await c.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${list} TO ${qi(role)}`);
    });
  } catch (e) {
    await handle.drop();
    throw e;
  }
  return handle;
}

function nonSuperuserHandle(role: string, password: string, sharedUrl: string): NonSuperuser {
  const as = (database?: string) => {
    const u = new URL(database ? urlFor(database, sharedUrl) : sharedUrl);
    u.username = role;
    u.password = password;
    return u.toString();
  };
  return { role, url: as(), urlFor: (db) => as(db), drop: () => dropRole(role) };
}

/**
 * Drops a role for good. Roles are cluster-wide and CI reuses the server, so whatever the role
 * still owns or was granted — in any database, found through pg_shdepend — is reassigned to the
 * superuser and its privileges revoked (REASSIGN OWNED / DROP OWNED in each such database)
 * before DROP ROLE; its sessions are ended first.
 */
export async function dropRole(role: string): Promise<void> {
  await withClient(DATABASE_URL, async (c) => {
    const exists = await c.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role]);
    if (!exists.rowCount) return;
    await c.query(`SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE usename = $1`, [role]);
    const { rows } = await c.query<{ datname: string }>(
      `SELECT DISTINCT d.datname
         FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid
        WHERE s.refclassid = 'pg_authid'::regclass
          AND s.refobjid = (SELECT oid FROM pg_roles WHERE rolname = $1)
          AND d.datallowconn
        ORDER BY 1`,
      [role],
    );
    // The current database too: REASSIGN OWNED there also covers shared objects (databases).
    const databases = new Set([...rows.map((r) => r.datname), new URL(DATABASE_URL).pathname.slice(1)]);
    for (const db of databases) {
      await withClient(urlFor(db), async (d) => {
        await d.query(`REASSIGN OWNED BY ${qi(role)} TO CURRENT_USER`);
        await d.query(`DROP OWNED BY ${qi(role)}`);
      }).catch((e: { code?: string }) => {
        // Dropped meanwhile (another test's cleanup): nothing of the role is left there.
        if (e.code !== '3D000') throw e;
      });
    }
    await c.query(`DROP ROLE IF EXISTS ${qi(role)}`);
  });
}
