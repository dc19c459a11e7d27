import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import pg from 'pg';
import { PromotionError } from '../errors';
import { commentOn } from './sql';

const qi = pg.escapeIdentifier;

/** A random password: 32 bytes, base64url (no characters that need quoting in URLs or env files). */
export function generatePassword(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The SCRAM-SHA-256 verifier of a password, as PostgreSQL stores it. Sending the verifier
 * instead of the password keeps the password out of the server's statement log.
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** Marker in COMMENT ON ROLE/DATABASE: proves an object was made by this tool for this tenant. */
export interface ArtifactMarker {
  tool: 'tenant-promotion';
  slug: string;
  sourceDatabase: string;
  /**
   * The shared server's system identifier (`pg_control_system()`), when readable: two servers'
   * shared databases of one name (staging and production "app", two regional shards) sending a
   * tenant of one slug to one target server are told apart by it.
   */
  sourceServer?: string;
  /** `schema`: the tenant's tool schema in the shared database (schema level, tenant-schemas.ts). */
  purpose: 'owner' | 'app' | 'database' | 'rehearsal' | 'schema';
  /** The run (attempt) that created it, where a marker names one (the tool schema). */
  attempt?: string;
  createdAt: string;
}

/** Whose objects a marker is to name: the tenant and the shared database (and server) it came from. */
export interface MarkerSource {
  slug: string;
  sourceDatabase: string;
  sourceServer?: string;
}

/**
 * Whether `marker` was written for this tenant of this shared database: the same slug and
 * database name, and the same server when both know it (a marker written before servers were
 * recorded, or where the identifier is unreadable, is judged by the database name, as before).
 */
export function fromSource(marker: ArtifactMarker | undefined, source: MarkerSource): boolean {
  if (marker?.slug !== source.slug || marker.sourceDatabase !== source.sourceDatabase) return false;
  return !marker.sourceServer || !source.sourceServer || marker.sourceServer === source.sourceServer;
}

/** The server's system identifier, or undefined where this role may not read it (managed services). */
export async function systemIdentifier(client: pg.ClientBase): Promise<string | undefined> {
  const { rows } = await client.query<{ id: string | null }>(
    `SELECT CASE WHEN has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')
                 THEN (SELECT system_identifier::text FROM pg_catalog.pg_control_system()) END AS id`,
  );
  return rows[0]?.id ?? undefined;
}

export function markerText(marker: Omit<ArtifactMarker, 'tool' | 'createdAt'>): string {
  return JSON.stringify({ tool: 'tenant-promotion', ...marker, createdAt: new Date().toISOString() });
}

export function parseMarker(comment: string | null | undefined): ArtifactMarker | undefined {
  if (!comment) return undefined;
  try {
    const m = JSON.parse(comment) as Partial<ArtifactMarker>;
    return m.tool === 'tenant-promotion' && typeof m.slug === 'string' ? (m as ArtifactMarker) : undefined;
  } catch {
    return undefined;
  }
}

export async function roleComment(
  client: pg.ClientBase,
  role: string,
): Promise<{ exists: boolean; marker?: ArtifactMarker }> {
  const { rows } = await client.query<{ comment: string | null }>(
    `SELECT shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = $1`,
    [role],
  );
  if (rows.length === 0) return { exists: false };
  return { exists: true, marker: parseMarker(rows[0]!.comment) };
}

export interface TenantRoles {
  owner: string;
  app: string;
}

/** Creates the NOLOGIN owner and the LOGIN application role (with the password's verifier). */
export async function createTenantRoles(
  client: pg.ClientBase,
  roles: TenantRoles,
  password: string,
  marker: MarkerSource,
): Promise<void> {
  // One transaction: a run killed half-way must never leave a role without its marker, which
  // every later run would refuse to touch.
  await client.query('BEGIN');
  try {
    await createRolesInTransaction(client, roles, password, marker);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

async function createRolesInTransaction(
  client: pg.ClientBase,
  roles: TenantRoles,
  password: string,
  marker: MarkerSource,
): Promise<void> {
  await client.query(
    `CREATE ROLE ${qi(roles.owner)} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS`,
  );
  await commentOn(client, 'ROLE', roles.owner, markerText({ ...marker, purpose: 'owner' }));
  await client.query(
    `CREATE ROLE ${qi(roles.app)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT PASSWORD ${pg.escapeLiteral(scramVerifier(password))}`,
  );
  await commentOn(client, 'ROLE', roles.app, markerText({ ...marker, purpose: 'app' }));
  // A non-superuser creator must be a member of the owner role to hand objects to it.
  const { rows } = await client.query<{ rolsuper: boolean }>(
    'SELECT rolsuper FROM pg_roles WHERE rolname = current_user',
  );
  if (!rows[0]?.rolsuper) await client.query(`GRANT ${qi(roles.owner)} TO CURRENT_USER`);
}

/** Drops roles this tool made for this tenant; refuses to drop a role it did not make. */
export async function dropTenantRoles(
  client: pg.ClientBase,
  roles: TenantRoles,
  slug: string,
  /** Role names are cluster-wide: another shared database's tenant of the same slug is not ours. */
  sourceDatabase?: string,
): Promise<string[]> {
  const dropped: string[] = [];
  for (const role of [roles.app, roles.owner]) {
    const { exists, marker } = await roleComment(client, role);
    if (!exists) continue;
    if (marker?.slug !== slug || (sourceDatabase !== undefined && marker.sourceDatabase !== sourceDatabase)) {
      throw new PromotionError(
        'tenant-state',
        `Role "${role}" exists but was not created by this tool for tenant "${slug}"; it was left alone.`,
        'Rename or drop that role by hand if it is not in use.',
      );
    }
    await client.query(`DROP ROLE IF EXISTS ${qi(role)}`);
    dropped.push(role);
  }
  return dropped;
}

/**
 * Changes the password of the tenant's application role (a rotation), sent as a SCRAM verifier
 * like at creation, so the password never reaches the server's statement log. Only a LOGIN role
 * this tool made for this tenant is touched (its marker). Transactional: run it inside the
 * caller's transaction, with the proof of ownership, so the change commits with its record.
 */
export async function setAppRolePassword(
  client: pg.ClientBase,
  role: string,
  password: string,
  expected: { slug: string; sourceDatabase?: string },
): Promise<void> {
  const { exists, marker } = await roleComment(client, role);
  if (!exists) {
    throw new PromotionError(
      'tenant-state',
      `The tenant's application role "${role}" does not exist; its password cannot be rotated.`,
      'Check the tenant with `tenant-isolation status`; restore the role, or roll the tenant back.',
    );
  }
  if (
    marker?.slug !== expected.slug ||
    marker.purpose !== 'app' ||
    (expected.sourceDatabase !== undefined && marker.sourceDatabase !== expected.sourceDatabase)
  ) {
    throw new PromotionError(
      'tenant-state',
      `Role "${role}" was not created by this tool as the application role of tenant "${expected.slug}"; its password was left alone.`,
      'Inspect the role; set its password by hand if it is the tenant’s.',
    );
  }
  await client.query(`ALTER ROLE ${qi(role)} PASSWORD ${pg.escapeLiteral(scramVerifier(password))}`);
}
