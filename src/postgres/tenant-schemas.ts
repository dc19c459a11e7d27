import pg from 'pg';
import { PromotionError } from '../errors';
import { writeRunMarker, type RunClaim } from './ownership';
import {
  fromSource,
  markerText,
  parseMarker,
  roleComment,
  type ArtifactMarker,
  type MarkerSource,
} from './roles';
import { revokeLargeObjectGrants } from './shared-large-objects';
import { commentOn } from './sql';

const qi = pg.escapeIdentifier;

/**
 * Schema level into the shared database (issue 21): the tenant's schemas are created there
 * instead of a database of its own, and are this tool's the way its database would be:
 * - each tenant schema is owned by the tenant's owner role (as the database and its objects are
 *   at database level), a NOLOGIN role this tool made and marked for this tenant of this shared
 *   database — so a schema is ours exactly when its owner is that role (a schema of the same name
 *   held by anyone else is refused at the plan, `taken`);
 * - beside them, the tenant's tool schema (`_tenant_isolation_<slug>`, no role of the tenant may
 *   use it) carries the marker (COMMENT, naming the attempt) and the run marker table every write
 *   into the tenant's schemas proves itself against, as in a tenant's own database.
 * All of it is created in one transaction (the caller's, which proves ownership of the tenant
 * first), so a run killed half-way leaves all of it or none.
 */
export interface TenantSchemas {
  /** The tenant's schemas (the layout's targets). */
  schemas: readonly string[];
  /** The tenant's tool schema in the shared database. */
  toolSchema: string;
  /** The tenant's owner role (owns the schemas). */
  ownerRole: string;
}

/** Creates the schemas, marked as this run's; in the caller's transaction. */
export async function createTenantSchemas(
  client: pg.ClientBase,
  at: TenantSchemas,
  source: MarkerSource,
  claim: RunClaim,
): Promise<void> {
  await client.query(`CREATE SCHEMA ${qi(at.toolSchema)}`);
  await commentOn(
    client,
    'SCHEMA',
    at.toolSchema,
    markerText({ ...source, purpose: 'schema', attempt: claim.id }),
  );
  await writeRunMarker(client, claim, at.toolSchema);
  for (const s of at.schemas) await client.query(`CREATE SCHEMA ${qi(s)} AUTHORIZATION ${qi(at.ownerRole)}`);
}

/** The tool schema's marker, if it exists. */
export async function toolSchemaMarker(
  client: pg.ClientBase,
  toolSchema: string,
): Promise<{ exists: boolean; marker?: ArtifactMarker }> {
  const { rows } = await client.query<{ comment: string | null }>(
    `SELECT obj_description(oid, 'pg_namespace') AS comment FROM pg_namespace WHERE nspname = $1`,
    [toolSchema],
  );
  if (rows.length === 0) return { exists: false };
  return { exists: true, marker: parseMarker(rows[0]!.comment) };
}

/** The schemas `ownerRole` owns in the database the client is on (none when it does not exist). */
export async function schemasOwnedBy(client: pg.ClientBase, ownerRole: string): Promise<string[]> {
  const { rows } = await client.query<{ nspname: string }>(
    `SELECT n.nspname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE r.rolname = $1 ORDER BY 1`,
    [ownerRole],
  );
  return rows.map((r) => r.nspname);
}

/**
 * What an earlier run of this tenant left in the shared database: its tool schema and the
 * schemas its owner role holds. Refuses (changing nothing) a tool schema or an owner role of
 * that name this tool did not make for this tenant of this shared database.
 */
export async function leftTenantSchemas(
  client: pg.ClientBase,
  at: Omit<TenantSchemas, 'schemas'>,
  source: MarkerSource,
): Promise<string[]> {
  const tool = await toolSchemaMarker(client, at.toolSchema);
  if (tool.exists && !fromSource(tool.marker, source))
    throw new PromotionError(
      'tenant-state',
      `Schema "${at.toolSchema}" exists in the shared database and was not created by this tool for tenant "${source.slug}" of "${source.sourceDatabase}"; it was left alone, nothing was created.`,
      'Never overwritten: inspect it, then rename or drop it by hand and re-run.',
    );
  const owner = await roleComment(client, at.ownerRole);
  const owned =
    owner.exists && fromSource(owner.marker, source) ? await schemasOwnedBy(client, at.ownerRole) : [];
  return [...(tool.exists ? [at.toolSchema] : []), ...owned];
}

/**
 * Drops the tenant's schemas (every schema its owner role holds, with what is in them) and its
 * tool schema; in the caller's transaction, which has proved it may (the tenant's claim, and for
 * an undo the run marker: only this attempt's schemas go). The owner role must be ours (its
 * marker) — a schema owned by anyone else is never dropped. Returns what was dropped.
 */
export async function dropTenantSchemas(
  client: pg.ClientBase,
  at: Omit<TenantSchemas, 'schemas'>,
  source: MarkerSource,
): Promise<string[]> {
  const left = await leftTenantSchemas(client, at, source);
  for (const s of left) await client.query(`DROP SCHEMA IF EXISTS ${qi(s)} CASCADE`);
  return left;
}

/**
 * Before the tenant's roles are dropped: what they were granted in the shared database (CONNECT,
 * USAGE on the extensions' schemas) and the application role's search_path there. DROP ROLE
 * refuses a role that still holds privileges; at database level they went with the database.
 */
export async function revokeSharedGrants(client: pg.ClientBase, roles: readonly string[]): Promise<void> {
  for (const role of roles) {
    const exists = await client.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role]);
    if (!exists.rowCount) continue;
    await client.query(`REVOKE ALL ON DATABASE ${qi(await currentDatabase(client))} FROM ${qi(role)}`);
    const { rows } = await client.query<{ nspname: string }>(
      `SELECT DISTINCT n.nspname FROM pg_namespace n, aclexplode(n.nspacl) a
        WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1) ORDER BY 1`,
      [role],
    );
    for (const { nspname } of rows)
      await client.query(`REVOKE ALL ON SCHEMA ${qi(nspname)} FROM ${qi(role)}`);
  }
  // Large objects it was granted in place (schema level into the shared database).
  await revokeLargeObjectGrants(client, roles);
}

async function currentDatabase(client: pg.ClientBase): Promise<string> {
  return (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;
}
