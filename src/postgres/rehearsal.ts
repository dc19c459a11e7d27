import { createHash } from 'node:crypto';
import pg from 'pg';
import { createDatabaseSql, dropDatabase, readLocale } from './database';
import { commentOn } from './sql';
import { isTenantLockHeld } from './lock';
import { markerText, parseMarker, type MarkerSource } from './roles';

/**
 * The throw-away database a dry run applies the whole schema clone to (on the server the
 * tenant's database would go to), dropped within the dry run.
 *
 * It is recognisably the tool's: its name starts with `tpdrop_` (the prefix of databases the tool
 * is about to drop, which no tenant's database name can have), then `rh_`, a hash of the tenant's
 * slug and the run's id; its comment is the tool's marker (purpose `rehearsal`, the tenant, the
 * shared database). A dry run killed before it dropped the database leaves it behind; it is
 * removed by
 * - any later run that checks or rehearses a clone of the same shared database
 *   (`dropAbandonedRehearsals`), once no session holds that tenant's lock — the dry run that made
 *   it held the lock for as long as the database existed, so it is gone;
 * - a later real run of the same tenant, like every abandoned `tpdrop_` database of the tenant
 *   (pipeline/ownership.ts, dropAbandonedDatabases).
 */
const REHEARSAL_PREFIX = 'tpdrop_rh_';

const qi = pg.escapeIdentifier;

/** Hash of the tenant's slug in a rehearsal's name: an unmarked leftover still names its tenant. */
function slugTag(slug: string): string {
  return createHash('sha256').update(slug).digest('hex').slice(0, 8);
}

/** `tpdrop_rh_<slug hash>_<run id>`: 43 bytes, unique to the run. */
export function rehearsalDatabaseName(slug: string, runId: string): string {
  return `${REHEARSAL_PREFIX}${slugTag(slug)}_${runId.replace(/[^0-9a-f]/gi, '').slice(0, 24)}`;
}

/**
 * Creates the rehearsal database like the tenant's (template0, the shared database's encoding and
 * locale), owned by the connecting role, marked, closed to PUBLIC. `client` is on the shared
 * database, outside a transaction (CREATE DATABASE cannot run in one).
 */
export async function createRehearsalDatabase(
  client: pg.ClientBase,
  name: string,
  marker: MarkerSource,
): Promise<void> {
  const locale = await readLocale(client);
  const { rows } = await client.query<{ me: string }>(`SELECT current_user AS me`);
  await client.query(createDatabaseSql(name, rows[0]!.me, locale));
  // A run killed between these two statements leaves the database unmarked: its name still
  // carries the tenant's hash, which is how a later run of that tenant recognises it.
  await commentOn(client, 'DATABASE', name, markerText({ ...marker, purpose: 'rehearsal' }));
  await client.query(`REVOKE ALL ON DATABASE ${qi(name)} FROM PUBLIC`);
}

export async function dropRehearsalDatabase(client: pg.ClientBase, name: string): Promise<void> {
  await dropDatabase(client, name);
}

/**
 * Drops rehearsal databases that dry runs killed midway left behind on this server for the
 * shared database `client` is on: those of `slug` (the caller holds that tenant's lock, so their
 * dry run is gone), including one killed before its marker was written (its name carries the
 * tenant's hash and the connecting role owns it); and those of other tenants whose lock no
 * session holds. Returns the names dropped; one this role may not drop (another admin's) is
 * left and reported in `left`.
 */
export async function dropAbandonedRehearsals(
  client: pg.ClientBase,
  slug: string,
): Promise<{ dropped: string[]; left: string[] }> {
  const { rows } = await client.query<{
    datname: string;
    comment: string | null;
    mine: boolean;
    shared: string;
  }>(
    `SELECT d.datname, shobj_description(d.oid, 'pg_database') AS comment,
            pg_get_userbyid(d.datdba) = current_user AS mine, current_database() AS shared
       FROM pg_database d WHERE starts_with(d.datname, $1) ORDER BY 1`,
    [REHEARSAL_PREFIX],
  );
  const dropped: string[] = [];
  const left: string[] = [];
  for (const r of rows) {
    const marker = parseMarker(r.comment);
    let abandoned: boolean;
    if (!marker) {
      abandoned =
        r.comment === null && r.mine && r.datname.startsWith(`${REHEARSAL_PREFIX}${slugTag(slug)}_`);
    } else if (marker.purpose !== 'rehearsal' || marker.sourceDatabase !== r.shared) {
      abandoned = false;
    } else {
      abandoned = marker.slug === slug || !(await isTenantLockHeld(client, marker.slug));
    }
    if (!abandoned) continue;
    try {
      await dropRehearsalDatabase(client, r.datname);
      dropped.push(r.datname);
    } catch (e) {
      // 42501: owned by another role; 55006: in use after all.
      const code = (e as { code?: string }).code;
      if (code !== '42501' && code !== '55006') throw e;
      left.push(r.datname);
    }
  }
  return { dropped, left };
}
