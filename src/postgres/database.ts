import pg from 'pg';
import { markerText, parseMarker, type ArtifactMarker, type MarkerSource } from './roles';
import { endSessions } from './sessions';
import { commentOn } from './sql';

const qi = pg.escapeIdentifier;
const ql = pg.escapeLiteral;

export interface DatabaseLocale {
  encoding: string;
  collate: string;
  ctype: string;
  /** c libc, i ICU, b builtin (PostgreSQL 17+). */
  provider: 'c' | 'i' | 'b' | 'd';
  /** The provider's locale (daticulocale before 17, datlocale from 17): ICU's or builtin's. */
  icuLocale: string | null;
}

export async function readLocale(client: pg.ClientBase): Promise<DatabaseLocale> {
  const { rows } = await client.query<DatabaseLocale>(
    // PostgreSQL 17 renamed daticulocale to datlocale: read whichever this server has.
    `SELECT pg_encoding_to_char(d.encoding) AS encoding, d.datcollate AS collate, d.datctype AS ctype,
            d.datlocprovider AS provider,
            coalesce(to_jsonb(d) ->> 'datlocale', to_jsonb(d) ->> 'daticulocale') AS "icuLocale"
       FROM pg_database d WHERE d.datname = current_database()`,
  );
  return rows[0]!;
}

/**
 * `CREATE DATABASE … TEMPLATE template0` with the source's encoding, collation, ctype and
 * locale provider, so sort order and text-based checksums agree. Sent alone: it cannot run
 * inside a transaction block. Values come from the source catalog and are quoted as literals.
 */
export function createDatabaseSql(name: string, owner: string, locale: DatabaseLocale): string {
  const parts = [
    `CREATE DATABASE ${qi(name)} OWNER ${qi(owner)} TEMPLATE template0`,
    `ENCODING ${ql(locale.encoding)}`,
    `LC_COLLATE ${ql(locale.collate)}`,
    `LC_CTYPE ${ql(locale.ctype)}`,
  ];
  if (locale.provider === 'i') {
    parts.push(`LOCALE_PROVIDER icu`);
    if (locale.icuLocale) parts.push(`ICU_LOCALE ${ql(locale.icuLocale)}`);
  } else if (locale.provider === 'b') {
    // The builtin provider (17+) exists on the target too: it is never older than the shared server.
    parts.push(`LOCALE_PROVIDER builtin`);
    if (locale.icuLocale) parts.push(`BUILTIN_LOCALE ${ql(locale.icuLocale)}`);
  } else {
    parts.push(`LOCALE_PROVIDER libc`);
  }
  return parts.join(' ');
}

export async function databaseMarker(
  client: pg.ClientBase,
  name: string,
): Promise<{ exists: boolean; marker?: ArtifactMarker }> {
  const { rows } = await client.query<{ comment: string | null; owner: string | null }>(
    `SELECT shobj_description(d.oid, 'pg_database') AS comment, shobj_description(d.datdba, 'pg_authid') AS owner
       FROM pg_database d WHERE d.datname = $1`,
    [name],
  );
  if (rows.length === 0) return { exists: false };
  // CREATE DATABASE cannot share a transaction with its COMMENT: a run killed between the two
  // leaves a database without a marker. It is still provably ours when its owner (set by the
  // CREATE DATABASE itself) is the tenant's owner role carrying our marker.
  const own = parseMarker(rows[0]!.comment);
  const owner = parseMarker(rows[0]!.owner);
  const marker = own ?? (owner?.purpose === 'owner' ? { ...owner, purpose: 'database' as const } : undefined);
  return { exists: true, marker };
}

export async function createTenantDatabase(
  client: pg.ClientBase,
  name: string,
  owner: string,
  marker: MarkerSource,
  /** The shared database's locale (read there when the database is created on another server). */
  locale?: DatabaseLocale,
): Promise<void> {
  locale ??= await readLocale(client);
  await client.query(createDatabaseSql(name, owner, locale));
  await commentOn(client, 'DATABASE', name, markerText({ ...marker, purpose: 'database' }));
  // PostgreSQL has no deny: only an explicit revoke keeps PUBLIC out.
  await client.query(`REVOKE ALL ON DATABASE ${qi(name)} FROM PUBLIC`);
}

/**
 * Drops `name` if it exists, ending the sessions on it. WITH (FORCE) is refused to a role without
 * superuser (42501) while an autovacuum worker is in the database, which plain DROP DATABASE ends
 * by itself: then the client sessions are ended first and the plain form drops it.
 */
export async function dropDatabase(client: pg.ClientBase, name: string): Promise<void> {
  try {
    await client.query(`DROP DATABASE IF EXISTS ${qi(name)} WITH (FORCE)`);
  } catch (e) {
    if ((e as { code?: string }).code !== '42501') throw e;
    await endSessions(client, name, []);
    await client.query(`DROP DATABASE IF EXISTS ${qi(name)}`);
  }
}
