import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { deriveNames } from '../../src/names';
import { tableRows } from './fingerprint';
import type { SharedFixture } from './fixture';
import { DATABASE_URL, query } from './pg';
import { databaseLevel, type Placement } from './placements';

/** Every data table of the fixture with how to select one tenant's rows (`$1` = tenant id). */
export const TENANT_TABLES: [string, string][] = [
  ['public.users', 't.tenant_id = $1'],
  ['public.projects', 't.tenant_id = $1'],
  [
    'public.project_members',
    'EXISTS (SELECT 1 FROM projects p WHERE p.id = t.project_id AND p.tenant_id = $1)',
  ],
  ['public.design_recommendations', 't.tenant_id = $1'],
  [
    'public.recommendation_votes',
    'EXISTS (SELECT 1 FROM design_recommendations d WHERE d.id = t.recommendation_id AND d.tenant_id = $1)',
  ],
  ['public.tech_stack_recommendations', 't.tenant_id = $1'],
  ['public.agent_events', 't.tenant_id = $1'],
  ['public.audit_logs', 't.tenant_id = $1'],
  ['analytics.daily_usage', 't.tenant_id = $1'],
];

export async function tenantId(f: SharedFixture, slug: string): Promise<string> {
  const rows = await query<{ id: string }>(f.url, 'SELECT id::text AS id FROM tenants WHERE slug = $1', [
    slug,
  ]);
  assert.ok(rows[0], `tenant ${slug} exists`);
  return rows[0].id;
}

/** The shared database, split into one tenant's rows and everybody else's (exact row texts). */
export interface SharedState {
  id: string;
  mine: Record<string, string[]>;
  others: Record<string, string[]>;
}

export async function sharedState(f: SharedFixture, slug: string, id?: string): Promise<SharedState> {
  id ??= await tenantId(f, slug);
  const mine: Record<string, string[]> = {};
  const others: Record<string, string[]> = {};
  for (const [table, where] of TENANT_TABLES) {
    mine[table] = await tableRows(f.url, table, where, [id]);
    others[table] = await tableRows(f.url, table, `NOT (${where})`, [id]);
  }
  others['public.plans'] = await tableRows(f.url, 'public.plans');
  // Other tenants' rows whole; this tenant's identity only (a promotion changes its mode/settings).
  others['public.tenants'] = await tableRows(f.url, 'public.tenants', 't.id <> $1', [id]);
  mine['public.tenants'] = await tableRows(
    f.url,
    '(SELECT id, slug, name, plan_code FROM public.tenants)',
    't.id = $1',
    [id],
  );
  return { id, mine, others };
}

/** Databases and roles whose name contains the fixture's suffix. */
export async function artifacts(suffix: string): Promise<{ databases: string[]; roles: string[] }> {
  const databases = await query<{ n: string }>(
    DATABASE_URL,
    'SELECT datname AS n FROM pg_database WHERE strpos(datname, $1) > 0 ORDER BY 1',
    [suffix],
  );
  const roles = await query<{ n: string }>(
    DATABASE_URL,
    'SELECT rolname AS n FROM pg_roles WHERE strpos(rolname, $1) > 0 ORDER BY 1',
    [suffix],
  );
  return { databases: databases.map((r) => r.n), roles: roles.map((r) => r.n) };
}

/** The fixture's own artifacts, plus (when `promoted`) the promoted tenants' database and roles. */
export function expectedArtifacts(
  f: SharedFixture,
  promoted: string[] = [],
): { databases: string[]; roles: string[] } {
  const names = promoted.map((s) => deriveNames(s));
  return {
    databases: [f.dbName, ...names.map((n) => n.database)].sort(),
    roles: [f.appRole, ...names.flatMap((n) => [n.ownerRole, n.appRole])].sort(),
  };
}

export async function tenantRow(f: SharedFixture, slug: string) {
  const rows = await query<{ isolation_mode: string; settings: { isolation?: Record<string, unknown> } }>(
    f.url,
    'SELECT isolation_mode, settings FROM tenants WHERE slug = $1',
    [slug],
  );
  return rows[0];
}

/**
 * Sessions of ours (application_name tenant-promotion…) still connected to the given databases
 * of the server at `serverUrl`, or (`databases` undefined) to any of its databases.
 */
export async function ourSessions(
  databases: string[] | undefined,
  serverUrl = DATABASE_URL,
): Promise<number> {
  const rows = await query<{ n: number }>(
    serverUrl,
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE ($1::text[] IS NULL OR datname = ANY($1)) AND application_name LIKE 'tenant-promotion%'
        AND pid <> pg_backend_pid()`,
    [databases ?? null],
  );
  return rows[0]!.n;
}

/** Waits (bounded) until a dead child's sessions have left the server. */
export async function sessionsGone(
  databases: string[] | undefined,
  timeoutMs = 10_000,
  serverUrl = DATABASE_URL,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let n = await ourSessions(databases, serverUrl);
  while (n > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    n = await ourSessions(databases, serverUrl);
  }
  return n;
}

/** Options of assertUntouched / assertPromoted. */
export interface FaultCheckOptions {
  /** Tenants promoted before (their artifacts are expected). */
  alsoPromoted?: string[];
  /** Where the tenant goes; database level by default. */
  placement?: Placement;
  /**
   * Tables whose rows of this tenant a writer changed during the run: not compared row by row
   * with `before` (the writer's own model proves its writes, writer.ts's missingWrites).
   */
  writtenTables?: string[];
}

/** The tenant is shared and the shared database is exactly as `before`; nothing of the run is left. */
export async function assertUntouched(
  f: SharedFixture,
  slug: string,
  before: SharedState,
  label: string,
  opts: FaultCheckOptions = {},
): Promise<void> {
  const placement = opts.placement ?? databaseLevel;
  const row = await tenantRow(f, slug);
  assert.equal(row?.isolation_mode, 'shared', `${label}: tenant stays shared`);
  const now = await sharedState(f, slug, before.id);
  assert.deepEqual(now.others, before.others, `${label}: other tenants' rows unchanged`);
  const unwritten = (m: Record<string, string[]>) =>
    Object.fromEntries(Object.entries(m).filter(([t]) => !(opts.writtenTables ?? []).includes(t)));
  assert.deepEqual(
    unwritten(now.mine),
    unwritten(before.mine),
    `${label}: the tenant's shared rows unchanged`,
  );
  assert.deepEqual(
    await placement.artifacts(f),
    placement.expected(f, opts.alsoPromoted ?? []),
    `${label}: no database, schema or role left behind`,
  );
}

/**
 * The tenant is fully promoted: mode isolated, state complete, its rows (as they were) in its
 * database and gone from the shared one, other tenants untouched, exactly its own artifacts left.
 */
export async function assertPromoted(
  f: SharedFixture,
  slug: string,
  before: SharedState,
  label: string,
  opts: FaultCheckOptions & { configDir?: string; ignoreTenantIds?: string[] } = {},
): Promise<void> {
  const placement = opts.placement ?? databaseLevel;
  // Tenant rows of other tenants promoted meanwhile differ on purpose (mode, settings).
  const strip = (o: Record<string, string[]>) => ({
    ...o,
    'public.tenants': (o['public.tenants'] ?? []).filter(
      (l) => !(opts.ignoreTenantIds ?? []).some((id) => l.includes(id)),
    ),
  });
  const row = await tenantRow(f, slug);
  assert.equal(row?.isolation_mode, 'isolated', `${label}: tenant isolated`);
  assert.equal(row?.settings.isolation?.state, 'complete', `${label}: state complete`);
  const now = await sharedState(f, slug, before.id);
  assert.deepEqual(strip(now.others), strip(before.others), `${label}: other tenants' rows unchanged`);
  assert.deepEqual(
    now.mine['public.tenants'],
    before.mine['public.tenants'],
    `${label}: tenant identity unchanged`,
  );
  for (const [table] of TENANT_TABLES)
    assert.deepEqual(now.mine[table], [], `${label}: ${table} removed from shared`);
  for (const [table] of TENANT_TABLES) {
    if (opts.writtenTables?.includes(table)) continue;
    const there = placement.tenantTable(f, slug, table);
    assert.deepEqual(
      await tableRows(there.url, there.table),
      before.mine[table],
      `${label}: ${table} in the tenant's ${placement.label} place (${there.table})`,
    );
  }
  assert.deepEqual(
    await placement.artifacts(f),
    placement.expected(f, [slug, ...(opts.alsoPromoted ?? [])]),
    `${label}: exactly the tenant's database, schemas and roles`,
  );
  if (opts.configDir) {
    const files: string[] = [];
    for (const dir of await readdir(opts.configDir)) {
      for (const file of await readdir(join(opts.configDir, dir))) files.push(`${dir}/${file}`);
    }
    assert.deepEqual(
      files.sort(),
      [`load-balancer/${slug}.json`, `routing/${slug}.json`],
      `${label}: config files`,
    );
  }
}
