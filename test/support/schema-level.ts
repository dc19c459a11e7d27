import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type pg from 'pg';
import { memoryLogger } from '../../src/log';
import { deriveNames } from '../../src/names';
import { PromotionOptions, type PromotionOptionsInput } from '../../src/options';
import { promote } from '../../src/pipeline/promote';
import type { RunRecord } from '../../src/pipeline/record';
import { tenantStatus, type TenantStatus } from '../../src/pipeline/status';
import { runEngine } from './child-run';
import { engineOptions, testDeps } from './engine';
import type { SharedFixture } from './fixture';
import { query, urlFor } from './pg';
import { rows } from './rollback-fixture';
import { startTargetServer, type TargetServer } from './target-server';
import { ContractWriter, missingWrites, writerSeed, type WriterSeed } from './writer';

/**
 * What the schema-level suites (issue 21) share, whichever placement they test (a database of its
 * own on a target server, or the shared database itself): the second source schema and the acme
 * rows of the rollback fixture, the application's writes after the switch, the promotion with a
 * contract-following writer running, and a target server started once per suite.
 */

/** A second source schema for the rollback fixture: an identity key, the tenant key, a key into public. */
export const ANALYTICS_SCHEMA = `
  CREATE SCHEMA analytics;
  CREATE TABLE analytics.events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES public.tenants(id),
    project_id int REFERENCES public.projects(id),
    kind text NOT NULL
  );
  CREATE INDEX ON analytics.events (tenant_id);
  CREATE INDEX ON analytics.events (project_id);
  INSERT INTO analytics.events (tenant_id, project_id, kind) VALUES
    (1, 1, 'created'), (1, 2, 'created'), (1, 2, 'opened'), (2, 3, 'created');
`;

/** The acme tenant's rows (id 1) of the rollback fixture with ANALYTICS_SCHEMA, read alike on either side given its search_path. */
export const ACME_ROWS = {
  users: `SELECT u.email, u.name FROM users u WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.tenant_id = 1)`,
  memberships: `SELECT id, tenant_id, user_id, role_id FROM memberships WHERE tenant_id = 1`,
  projects: `SELECT id, owner_id, name FROM projects WHERE tenant_id = 1`,
  tasks: `SELECT id, project_id, title FROM tasks WHERE project_id IN (SELECT id FROM projects WHERE tenant_id = 1)`,
  events: `SELECT id, tenant_id, project_id, kind FROM events WHERE tenant_id = 1`,
  documents: `SELECT id, title, convert_from(lo_get(body), 'UTF8') AS body FROM documents WHERE tenant_id = 1`,
};

/** `url` with the session's search_path set to `path` (as the tenant's application connects). */
export function withSearchPath(url: string, path: string[]): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${path.join(',')}`);
  return u.toString();
}

/**
 * The acme application's writes after the switch, in a session already set to its role and its
 * search_path: a new user and membership, a renamed project, a task deleted and one added, an event
 * added, one edited and one deleted in the second mapped schema.
 */
export async function writeAsAcmeApplication(c: pg.Client): Promise<void> {
  await c.query(
    `WITH u AS (INSERT INTO users (email, name) VALUES ('new@acme', 'New') RETURNING id)
     INSERT INTO memberships (tenant_id, user_id, role_id) SELECT t.id, u.id, 1 FROM tenants t, u`,
  );
  await c.query(`UPDATE projects SET name = 'acme-a (renamed)' WHERE name = 'acme-a'`);
  await c.query(`DELETE FROM tasks WHERE title = 'a2'`);
  await c.query(`INSERT INTO tasks (project_id, title) SELECT id, 'b2' FROM projects WHERE name = 'acme-b'`);
  await c.query(
    `INSERT INTO events (tenant_id, project_id, kind) SELECT tenant_id, id, 'renamed' FROM projects WHERE name = 'acme-a (renamed)'`,
  );
  await c.query(`UPDATE events SET kind = 'created (edited)' WHERE kind = 'created' AND project_id = 2`);
  await c.query(`DELETE FROM events WHERE kind = 'opened'`);
}

/** The tenant's `isolation_mode` in the shared database's tenants table. */
export async function isolationModeOf(sharedUrl: string, slug: string | undefined): Promise<string> {
  const [tenant] = await query<{ mode: string }>(
    sharedUrl,
    'SELECT isolation_mode AS mode FROM tenants WHERE slug = $1',
    [slug],
  );
  return tenant!.mode;
}

/** A promoted, written tenant of the rollback fixture, as the rollback suites hold it. */
export interface WrittenTenant {
  /** The shared database. */
  sharedDbUrl: string;
  opts: PromotionOptionsInput;
  /** The tenant's side as its application sees it (search_path of its schemas). */
  tenantUrl: string;
  /** The shared database with both source schemas on the search_path. */
  sharedUrl: string;
  /** The rows (per name of `queries`) on the tenant's side after its writes. */
  want: Record<string, string[]>;
}

/**
 * The tenant is still isolated and working: isolated in the shared database, every row of
 * `queries` as its application wrote it, its application role able to log in (`rolesUrl`: the
 * server of that role).
 */
export async function assertIsolatedAndWorking(
  p: WrittenTenant,
  queries: Record<string, string>,
  rolesUrl: string,
  appRole: string,
): Promise<void> {
  assert.equal(await isolationModeOf(p.sharedDbUrl, p.opts.tenantSlug), 'isolated');
  for (const [k, sql] of Object.entries(queries))
    assert.deepEqual(await rows(p.tenantUrl, sql), p.want[k], k);
  const [role] = await query<{ login: boolean }>(
    rolesUrl,
    'SELECT rolcanlogin AS login FROM pg_roles WHERE rolname = $1',
    [appRole],
  );
  assert.equal(role!.login, true, 'the fence is lifted (or never set)');
}

/**
 * A rollback killed (SIGKILL) at `point`: one of the two clean states (before the commit still
 * isolated with every write in its schemas, after it already back), then a re-run that rolls back.
 * The caller asserts the rolled-back state.
 */
export async function assertKilledRollbackResumes(
  point: 'restore:"analytics"."events"' | 'after:restore',
  p: WrittenTenant,
  queries: Record<string, string>,
): Promise<void> {
  const first = await runEngine('rollback', p.opts, `kill@${point}`);
  assert.equal(first.signal, 'SIGKILL', first.lines.slice(-5).join('\n'));
  const mode = await isolationModeOf(p.sharedDbUrl, p.opts.tenantSlug);
  for (const [k, sql] of Object.entries(queries))
    assert.deepEqual(
      await rows(mode === 'isolated' ? p.tenantUrl : p.sharedUrl, sql),
      p.want[k],
      `${point}: ${mode} ${k}`,
    );
  assert.equal(mode, point === 'after:restore' ? 'shared' : 'isolated');
  const second = await runEngine('rollback', p.opts);
  assert.equal(
    second.record?.result,
    'rolled-back',
    `${point}: re-run: ${JSON.stringify(second.record?.error)} ${second.lines.slice(-5).join('\n')}`,
  );
}

/** The points the rollback suites kill a schema-level rollback at: inside the restore, and after its commit. */
export const ROLLBACK_KILL_POINTS = ['restore:"analytics"."events"', 'after:restore'] as const;

/**
 * A target server (embedded PostgreSQL 15, a non-superuser admin) started before the suite's tests
 * and stopped after them; `skip` says why there is none (each test skips with it).
 */
export function targetServerForSuite(): { readonly target: TargetServer; readonly skip: string | undefined } {
  let target: TargetServer | undefined;
  let skip: string | undefined;
  before(async () => {
    const started = await startTargetServer(15);
    if ('skip' in started) skip = started.skip;
    else target = started.target;
  });
  after(async () => {
    await target?.stop();
  });
  return {
    get target() {
      if (!target) throw new Error(`no target server: ${skip ?? 'not started yet (used outside a test)'}`);
      return target;
    },
    get skip() {
      return skip;
    },
  };
}

/** A schema-level promotion that ran with a contract-following writer through the switch. */
export interface PromotedWithWriter {
  record: RunRecord;
  /** The engine options it ran with (for status and rollback). */
  opts: Awaited<ReturnType<typeof engineOptions>>;
  /** The tenant's id in the shared database. */
  id: string;
  /** The application's URL after the switch (the tenant's schema on the search_path). */
  isolatedUrl: string;
  seed: WriterSeed;
  writer: ContractWriter;
}

/**
 * Promotes `slug` at schema level (`options` choose the placement) while a contract-following
 * writer writes, its application reaching the tenant's schema in `appDatabaseUrl` after the
 * switch; lets it write at least 10 times there. Asserts the promotion, that no check failed and
 * every check ran, and that no write was lost (written during copy and validation, on both sides,
 * every one in the tenant's schema).
 */
export async function promoteSchemaLevelWithWriter(
  f: SharedFixture,
  slug: string,
  appDatabaseUrl: string,
  options: Record<string, unknown> = {},
): Promise<PromotedWithWriter> {
  const names = deriveNames(slug);
  const [{ id }] = (await query<{ id: string }>(f.url, 'SELECT id::text FROM tenants WHERE slug = $1', [
    slug,
  ])) as [{ id: string }];
  const isolatedUrl = withSearchPath(appDatabaseUrl, [names.database]);
  const seed = await writerSeed(f.url, id, `s${f.suffix}`);
  const writer = new ContractWriter(f.url, isolatedUrl, seed);
  const running = writer.run();
  const opts = await engineOptions(f, slug, { ...options, isolationLevel: 'schema' });
  const log = memoryLogger();
  let atCopy = 0;
  let atSwitch = 0;
  const { record } = await promote(
    opts,
    testDeps('tester', {
      log,
      fault: (point) => {
        if (point === 'before:copy') atCopy = writer.total;
        if (point === 'before:switch') atSwitch = writer.total;
      },
    }),
  );
  try {
    assert.equal(
      record.result,
      'promoted',
      `${JSON.stringify(record.error)}\n${log.lines.slice(-30).join('\n')}`,
    );
    const deadline = Date.now() + 30_000;
    while (writer.committed.isolated < 10 && writer.errors.length === 0 && Date.now() < deadline)
      await new Promise((r) => setImmediate(r));
  } finally {
    writer.stop();
    await running;
  }
  assert.deepEqual(
    record.checks.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.reason}`),
    [],
  );
  const ran = record.checks.filter((c) => c.status !== 'skip').map((c) => c.name);
  for (const c of ['sequences', 'access-control', 'row-counts', 'checksums', 'schema-parity', 'foreign-rows'])
    assert.ok(ran.includes(c), `${c} ran: ${ran.join(', ')}`);

  // No write lost: every committed write (shared before the switch, the tenant's schema after).
  assert.deepEqual(writer.errors, [], 'the contract-following writer never failed');
  assert.ok(atSwitch - atCopy > 0, `writes during copy and validation (${atSwitch - atCopy})`);
  assert.ok(writer.committed.shared > 0 && writer.committed.isolated >= 10, JSON.stringify(writer.committed));
  assert.deepEqual(
    await missingWrites(isolatedUrl, seed, writer.model),
    [],
    'every write in the tenant schema',
  );
  return { record, opts, id, isolatedUrl, seed, writer };
}

/**
 * After a rollback of the acme tenant (rollback fixture with ANALYTICS_SCHEMA): identity and serial
 * keys go on past the tenant's ids in the shared database (`sharedUrl`: both source schemas on the
 * search_path), the tenants row says shared and rolled back, and status says shared.
 */
export async function assertBackInSharedDatabase(
  sharedDbUrl: string,
  sharedUrl: string,
  opts: PromotionOptionsInput,
): Promise<void> {
  await query(sharedUrl, `INSERT INTO events (tenant_id, project_id, kind) VALUES (1, 1, 'after rollback')`);
  await query(sharedUrl, `INSERT INTO tasks (project_id, title) VALUES (1, 'after rollback')`);
  const [tenant] = await query<{ mode: string; state: string }>(
    sharedDbUrl,
    `SELECT isolation_mode AS mode, settings->'isolation'->>'state' AS state FROM tenants WHERE slug = $1`,
    [opts.tenantSlug],
  );
  assert.deepEqual(tenant, { mode: 'shared', state: 'rolled-back' });
  const status = await tenantStatus(PromotionOptions.parse(opts));
  assert.equal(status.overall, 'shared', status.reasons.join('; '));
}

/**
 * A schema-level tenant's routing config and verified status name the schema level, its schema
 * `names.database` (first on the search_path) in `database`, and say isolated. Returns the status.
 */
export async function assertRoutedToSchema(
  opts: Awaited<ReturnType<typeof engineOptions>>,
  slug: string,
  database: string,
): Promise<TenantStatus> {
  const { database: schema } = deriveNames(slug);
  const routing = JSON.parse(await readFile(join(opts.configDir, 'routing', `${slug}.json`), 'utf8'));
  assert.equal(routing.isolation_level, 'schema');
  assert.equal(routing.database.name, database);
  assert.equal(routing.database.schema, schema);
  assert.equal(routing.database.search_path[0], schema);
  const status = await tenantStatus(PromotionOptions.parse(opts), { verify: true });
  assert.equal(status.isolationLevel, 'schema');
  assert.equal(status.schema?.name, schema);
  assert.equal(status.overall, 'isolated', status.reasons.join('; '));
  return status;
}

/**
 * Promotes `g`'s main tenant at schema level (`schemaOptions` choose the placement) and its other
 * tenant at database level at the same time, a contract-following writer writing for the
 * database-level one through its switch. Asserts both promoted, the writer never failed and no
 * write was lost. Returns both slugs and the options each ran with.
 */
export async function promoteSchemaAndDatabaseLevelAtOnce(
  g: SharedFixture,
  schemaOptions: Record<string, unknown> = {},
): Promise<{
  schemaSlug: string;
  databaseSlug: string;
  opts: Record<string, Awaited<ReturnType<typeof engineOptions>>>;
}> {
  const schemaSlug = g.tenants.main;
  const databaseSlug = g.tenants.other;
  const [{ id }] = (await query<{ id: string }>(g.url, 'SELECT id::text FROM tenants WHERE slug = $1', [
    databaseSlug,
  ])) as [{ id: string }];
  const databaseLevelUrl = urlFor(deriveNames(databaseSlug).database);
  const seed = await writerSeed(g.url, id, `d${g.suffix}`);
  const writer = new ContractWriter(g.url, databaseLevelUrl, seed);
  const running = writer.run();
  let results;
  let opts;
  try {
    opts = {
      [schemaSlug]: await engineOptions(g, schemaSlug, { ...schemaOptions, isolationLevel: 'schema' }),
      [databaseSlug]: await engineOptions(g, databaseSlug, { isolationLevel: 'database' }),
    };
    results = await Promise.all([
      promote(opts[schemaSlug]!, testDeps('tester')),
      promote(opts[databaseSlug]!, testDeps('tester')),
    ]);
  } finally {
    writer.stop();
    await running;
  }
  for (const r of results)
    assert.equal(r.record.result, 'promoted', `${r.record.tenant}: ${JSON.stringify(r.record.error)}`);
  assert.deepEqual(writer.errors, []);
  assert.deepEqual(await missingWrites(databaseLevelUrl, seed, writer.model), []);
  return { schemaSlug, databaseSlug, opts };
}
