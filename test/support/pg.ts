import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A name unique to this test process and call: lowercase, safe as identifier and slug part. */
export function uniqueSuffix(): string {
  return `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
}

export function urlFor(database: string, base = DATABASE_URL): string {
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function query<T extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return withClient(url, async (c) => (await c.query<T>(sql, params)).rows);
}

/** Drops databases and roles whose names contain `marker` (a test's unique suffix). */
export async function dropArtifacts(marker: string): Promise<void> {
  await withClient(DATABASE_URL, async (c) => {
    const dbs = await c.query<{ datname: string }>(
      // Also databases a run renamed before dropping them (tpdrop_…): their marker names the slug.
      `SELECT datname FROM pg_database
        WHERE strpos(datname, $1) > 0 OR strpos(coalesce(shobj_description(oid, 'pg_database'), ''), $1) > 0`,
      [marker],
    );
    for (const { datname } of dbs.rows) {
      await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
    }
    const roles = await c.query<{ rolname: string }>(
      `SELECT rolname FROM pg_roles WHERE strpos(rolname, $1) > 0`,
      [marker],
    );
    for (const { rolname } of roles.rows) {
      await c.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(rolname)}`);
    }
  });
}

/** `options`: CREATE DATABASE options (e.g. an ICU locale) — test text, spliced as is. */
export async function createDatabase(name: string, options?: string): Promise<string> {
  const tail = options ? ` ${options}` : '';
  await withClient(DATABASE_URL, (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}${tail}`));
  return urlFor(name);
}
