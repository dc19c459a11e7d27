import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { settingName } from '../../src/errors';
import { memoryLogger } from '../../src/log';
import { deriveNames } from '../../src/names';
import type { PromotionOptionsInput } from '../../src/options';
import type { RunRecord } from '../../src/pipeline/record';
import { promote } from '../../src/pipeline/promote';
import { createNonSuperuser, type NonSuperuser } from '../support/nonsuper';
import { createDatabase, DATABASE_URL, dropArtifacts, query, uniqueSuffix, withClient } from '../support/pg';
import { tempDir } from '../support/tmp';

/**
 * Issue 12 on managed PostgreSQL (no superuser): properties 1 (what the role lacks is refused
 * up front with the exact GRANT), 4 (the shared database's triggers do not act on cleanup),
 * 5 (row-level security that hides rows is refused with a policy remedy) and 6 (hints name the
 * front end's settings). Every promotion runs twice over: as `postgres` and as a role with only
 * `LOGIN CREATEDB CREATEROLE` and the table privileges a DBA grants (test/support/nonsuper.ts).
 */

const qi = pg.escapeIdentifier;
const TENANT_TABLES = ['public.users', 'public.projects', 'public.audit_logs'];

/** A small shared database: users, projects (→ users), audit_logs (→ users, deleted before users). */
const SCHEMA = `
  CREATE TABLE tenants (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    isolation_mode text NOT NULL DEFAULT 'shared',
    settings jsonb NOT NULL DEFAULT '{}'
  );
  CREATE TABLE users (
    id bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    email text NOT NULL
  );
  CREATE TABLE projects (
    id bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    owner_id bigint REFERENCES users (id),
    name text NOT NULL
  );
  CREATE TABLE audit_logs (
    id bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    user_id bigint REFERENCES users (id),
    action text NOT NULL
  );
  -- The application's audit trigger: one audit row per deleted row, for the row's tenant.
  CREATE FUNCTION audit_delete() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO audit_logs (tenant_id, action) VALUES (OLD.tenant_id, TG_TABLE_NAME || '.delete');
    RETURN OLD;
  END $$;
`;

function seed(slugs: string[]): string {
  return slugs
    .map(
      (slug) => `
    WITH t AS (INSERT INTO tenants (slug) VALUES (${pg.escapeLiteral(slug)}) RETURNING id),
         u AS (INSERT INTO users (tenant_id, email) SELECT t.id, 'u' || g || '@' || ${pg.escapeLiteral(slug)} FROM t, generate_series(1, 3) g RETURNING id, tenant_id)
    INSERT INTO projects (tenant_id, owner_id, name) SELECT tenant_id, id, 'p' || id FROM u;
    INSERT INTO audit_logs (tenant_id, user_id, action)
      SELECT u.tenant_id, u.id, 'user.created' FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.slug = ${pg.escapeLiteral(slug)};`,
    )
    .join('\n');
}

interface SharedDb {
  suffix: string;
  name: string;
  url: string;
  slug(n: string): string;
  drop(): Promise<void>;
}

async function sharedDb(sql: string, tenants: string[]): Promise<SharedDb> {
  const suffix = uniqueSuffix();
  const name = `managed_${suffix}`;
  const url = await createDatabase(name);
  const slug = (n: string) => `${n}-${suffix}`;
  try {
    await withClient(url, (c) => c.query(sql + seed(tenants.map(slug))));
  } catch (e) {
    await dropArtifacts(suffix);
    throw e;
  }
  return { suffix, name, url, slug, drop: () => dropArtifacts(suffix) };
}

/** Every row of every table, tenants row included (a refused run must not even claim the tenant). */
async function everything(url: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of ['public.tenants', ...TENANT_TABLES]) {
    const rows = await query<{ r: string }>(url, `SELECT t::text AS r FROM ${table} t`);
    out[table] = rows.map((x) => x.r).sort();
  }
  return out;
}

async function tenantIdOf(db: SharedDb, slug: string): Promise<string> {
  const rows = await query<{ id: string }>(db.url, 'SELECT id::text AS id FROM tenants WHERE slug = $1', [
    slug,
  ]);
  assert.ok(rows[0], `tenant ${slug} exists`);
  return rows[0].id;
}

/** Rows of the tenant left in the shared database, per table (superuser: no RLS in the way). */
async function leftInShared(db: SharedDb, id: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TENANT_TABLES) {
    const [r] = await query<{ n: number }>(
      db.url,
      `SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`,
      [id],
    );
    out[table] = r!.n;
  }
  return out;
}

/** Databases and roles derived from this slug that exist. */
async function created(slug: string): Promise<string[]> {
  const names = deriveNames(slug);
  const rows = await query<{ what: string }>(
    DATABASE_URL,
    `SELECT 'database ' || datname AS what FROM pg_database WHERE datname = $1
     UNION ALL SELECT 'role ' || rolname FROM pg_roles WHERE rolname IN ($2, $3)`,
    [names.database, names.ownerRole, names.appRole],
  );
  return rows.map((r) => r.what).sort();
}

async function run(
  db: SharedDb,
  slug: string,
  url: string,
  extra: Partial<PromotionOptionsInput> = {},
  fault?: (point: string) => Promise<void>,
): Promise<RunRecord> {
  const configDir = await tempDir('managed-config-');
  try {
    const { record } = await promote(
      { databaseUrl: url, tenantSlug: slug, skipCloudRun: true, configDir, maxFreezeMs: 10_000, ...extra },
      { log: memoryLogger(), trigger: { source: 'test', actor: 'managed' }, fault },
    );
    return record;
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
}

function assertPromoted(record: RunRecord): void {
  assert.equal(record.result, 'promoted', JSON.stringify(record.error));
  assert.ok(
    record.steps.every((s) => s.status === 'done' || s.status === 'skipped'),
    JSON.stringify(record.steps.map((s) => `${s.name}:${s.status}`)),
  );
}

/** The promotion completed: no row of the tenant in the shared database, none written by the move. */
async function assertCleanlyPromoted(db: SharedDb, slug: string, othersBefore: string[]): Promise<void> {
  const id = await tenantIdOf(db, slug);
  assert.deepEqual(
    await leftInShared(db, id),
    Object.fromEntries(TENANT_TABLES.map((t) => [t, 0])),
    'no row of the tenant left in the shared database',
  );
  const audit = await query<{ r: string }>(
    db.url,
    `SELECT t::text AS r FROM audit_logs t WHERE action LIKE '%.delete'`,
  );
  assert.deepEqual(audit, [], 'the move wrote no audit row');
  const others = await query<{ r: string }>(
    db.url,
    `SELECT t::text AS r FROM audit_logs t WHERE tenant_id <> $1 ORDER BY id`,
    [id],
  );
  assert.deepEqual(
    others.map((r) => r.r),
    othersBefore,
    "other tenants' audit rows untouched",
  );
  const [row] = await query<{ mode: string; state: string; removed: boolean }>(
    db.url,
    `SELECT isolation_mode AS mode, settings #>> '{isolation,state}' AS state,
            (settings #> '{isolation,shared_rows_removed}')::boolean AS removed
       FROM tenants WHERE slug = $1`,
    [slug],
  );
  assert.deepEqual(row, { mode: 'isolated', state: 'complete', removed: true });
  // The triggers are as they were: enabled, for the application.
  const triggers = await query<{ tgname: string; tgenabled: string }>(
    db.url,
    `SELECT tgname, tgenabled::text FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`,
  );
  assert.ok(
    triggers.every((t) => t.tgenabled === 'O'),
    JSON.stringify(triggers),
  );
}

async function otherAudit(db: SharedDb, slug: string): Promise<string[]> {
  const id = await tenantIdOf(db, slug);
  const rows = await query<{ r: string }>(
    db.url,
    `SELECT t::text AS r FROM audit_logs t WHERE tenant_id <> $1 ORDER BY id`,
    [id],
  );
  return rows.map((r) => r.r);
}

/** Makes `role` own every table of the shared database (as a DBA would: ALTER … OWNER needs superuser here). */
async function giveTables(db: SharedDb, role: string): Promise<void> {
  await withClient(db.url, async (c) => {
    for (const t of ['tenants', 'users', 'projects', 'audit_logs'])
      await c.query(`ALTER TABLE ${qi(t)} OWNER TO ${qi(role)}`);
  });
}

for (const variant of [
  {
    title: 'an audit trigger on audit_logs, a tenant table that is itself audited',
    trigger:
      'CREATE TRIGGER audit_logs_audit AFTER DELETE ON audit_logs FOR EACH ROW EXECUTE FUNCTION audit_delete();',
    name: 'audit_logs_audit',
    table: 'audit_logs',
  },
  {
    title: 'an audit trigger on users, deleted after audit_logs',
    trigger: 'CREATE TRIGGER users_audit AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION audit_delete();',
    name: 'users_audit',
    table: 'users',
  },
]) {
  describe(`managed PostgreSQL: ${variant.title} (real PostgreSQL)`, () => {
    let db: SharedDb;
    let admin: NonSuperuser;
    before(async () => {
      db = await sharedDb(SCHEMA + variant.trigger, ['super', 'refused', 'owner', 'locked', 'other']);
      admin = await createNonSuperuser(db.url);
    });
    after(async () => {
      await db?.drop();
      await admin?.drop();
    });

    it('as superuser: completes in replica mode, no tenant row left, no audit row written by the move', async () => {
      const slug = db.slug('super');
      const othersBefore = await otherAudit(db, slug);
      const record = await run(db, slug, db.url);
      assertPromoted(record);
      await assertCleanlyPromoted(db, slug, othersBefore);
      assert.match(record.notes.join('\n'), new RegExp(`trigger ${variant.name} .*replica mode`));
      const cleanup = record.steps.find((s) => s.name === 'cleanup')!;
      assert.match(cleanup.detail ?? '', /trigger\(s\) not fired \(replica mode\)/);
    });

    it('as a non-superuser that does not own the tables: refused before anything is created, naming the trigger and the remedies', async () => {
      const slug = db.slug('refused');
      const before = await everything(db.url);
      for (const frontEnd of ['cli', 'action'] as const) {
        const record = await run(db, slug, admin.url, { frontEnd });
        assert.equal(record.result, 'failed');
        assert.equal(record.committed, false);
        assert.equal(record.error?.step, 'prevalidate', JSON.stringify(record.error));
        assert.equal(record.error?.code, 'permission-denied');
        const message = record.error!.message;
        assert.match(message, new RegExp(`trigger ${variant.name} \\(AFTER DELETE FOR EACH ROW`));
        assert.match(message, /function audit_delete\(\), writes: yes/);
        assert.match(message, /before anything was created/);
        const hint = record.error!.hint ?? '';
        assert.match(
          hint,
          new RegExp(`GRANT "postgres" TO "${admin.role}";`),
          'run as (a member of) the owner',
        );
        assert.match(hint, new RegExp(`GRANT SET ON PARAMETER session_replication_role TO "${admin.role}";`));
        // Property 6: the front end's own spelling.
        if (frontEnd === 'cli') {
          assert.match(hint, /--keep-shared-data \(or KEEP_SHARED_DATA=true\)/);
          assert.doesNotMatch(hint, /keep-shared-data input/);
        } else {
          assert.match(hint, /the keep-shared-data input/);
          assert.doesNotMatch(hint, /--keep-shared-data/);
        }
        assert.deepEqual(await created(slug), [], 'no database or role created');
        assert.deepEqual(await everything(db.url), before, 'shared database unchanged (not even claimed)');
      }
      // The remedy "keep the shared rows" lets it through (a dry run: nothing is created).
      const kept = await run(db, slug, admin.url, { keepSharedData: true, dryRun: true });
      assert.equal(kept.result, 'dry-run', JSON.stringify(kept.error));
    });

    it('as a non-superuser that owns the tables: completes, the triggers disabled for the cleanup transaction only', async () => {
      await giveTables(db, admin.role);
      const slug = db.slug('owner');
      const othersBefore = await otherAudit(db, slug);
      const record = await run(db, slug, admin.url);
      assertPromoted(record);
      await assertCleanlyPromoted(db, slug, othersBefore);
      assert.match(record.notes.join('\n'), new RegExp(`trigger ${variant.name} .*disables them`));
      const cleanup = record.steps.find((s) => s.name === 'cleanup')!;
      assert.match(cleanup.detail ?? '', /trigger\(s\) not fired \(disabled for the transaction\)/);
    });

    it("disabling a trigger waits at most max-freeze for other tenants' writes, then refuses; a re-run finishes", async () => {
      const slug = db.slug('locked');
      const id = await tenantIdOf(db, slug);
      const rowsBefore = await leftInShared(db, id);
      const othersBefore = await otherAudit(db, slug);
      // Another tenant's writer holds its transaction open on the audited table while cleanup runs.
      const blocker = new pg.Client({ connectionString: db.url });
      await blocker.connect();
      try {
        const record = await run(db, slug, admin.url, { maxFreezeMs: 1000 }, async (point) => {
          if (point !== 'before:cleanup') return;
          await blocker.query('BEGIN');
          await blocker.query(
            `INSERT INTO ${variant.table} (tenant_id, ${variant.table === 'users' ? 'email' : 'action'})
             SELECT id, 'blocker' FROM tenants WHERE slug = $1`,
            [db.slug('other')],
          );
        });
        assert.equal(record.result, 'failed');
        assert.equal(record.committed, true, 'the switch happened: the run is resumable');
        assert.equal(record.error?.step, 'cleanup', JSON.stringify(record.error));
        assert.equal(record.error?.code, 'cleanup-refused');
        assert.match(record.error!.message, /max-freeze \(1000 ms\).*nothing was deleted/);
        assert.deepEqual(await leftInShared(db, id), rowsBefore, 'nothing deleted');
        const [row] = await query<{ state: string; removed: boolean | null }>(
          db.url,
          `SELECT settings #>> '{isolation,state}' AS state, (settings #> '{isolation,shared_rows_removed}')::boolean AS removed
             FROM tenants WHERE slug = $1`,
          [slug],
        );
        assert.equal(row!.state, 'switched', 'never reported complete');
        assert.notEqual(row!.removed, true, 'shared_rows_removed not recorded');
      } finally {
        await blocker.query('ROLLBACK').catch(() => undefined);
        await blocker.end();
      }
      const resumed = await run(db, slug, admin.url);
      assertPromoted(resumed);
      await assertCleanlyPromoted(db, slug, othersBefore);
    });
  });
}

describe('managed PostgreSQL: row-level security keyed by a session setting (real PostgreSQL)', () => {
  // The AWS SaaS Factory sample: RLS on the tenants table and a tenant table, keyed by app.current_tenant.
  const RLS = `
    ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation_policy ON tenants USING (id::text = current_setting('app.current_tenant'));
    ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation_policy ON projects USING (tenant_id::text = current_setting('app.current_tenant'));
  `;
  let db: SharedDb;
  let admin: NonSuperuser;
  let policies: string[] = [];
  before(async () => {
    db = await sharedDb(SCHEMA + RLS, ['super', 'policy', 'other']);
    admin = await createNonSuperuser(db.url);
  });
  after(async () => {
    await db?.drop();
    await admin?.drop();
  });

  it('as superuser: completes (row-level security does not apply to it)', async () => {
    const slug = db.slug('super');
    const record = await run(db, slug, db.url);
    assertPromoted(record);
    assert.deepEqual(await leftInShared(db, await tenantIdOf(db, slug)), {
      'public.users': 0,
      'public.projects': 0,
      'public.audit_logs': 0,
    });
  });

  it('as a non-superuser: refused before anything is created with the CREATE POLICY remedy, never a raw error', async () => {
    const slug = db.slug('policy');
    const before = await everything(db.url);
    const record = await run(db, slug, admin.url, { frontEnd: 'cli' });
    assert.equal(record.result, 'failed');
    assert.equal(record.error?.step, 'prevalidate', JSON.stringify(record.error));
    assert.equal(record.error?.code, 'permission-denied');
    const message = record.error!.message;
    assert.doesNotMatch(message, /unrecognized configuration parameter/);
    assert.match(message, /row-level security on public\.tenants would hide rows from its SELECT, UPDATE/);
    assert.match(message, /row-level security on public\.projects/);
    const hint = record.error!.hint ?? '';
    policies = hint.match(/CREATE POLICY [^;]+;/g) ?? [];
    assert.deepEqual(policies, [
      `CREATE POLICY tenant_promotion_all ON "public"."tenants" TO "${admin.role}" USING (true) WITH CHECK (true);`,
      `CREATE POLICY tenant_promotion_all ON "public"."projects" TO "${admin.role}" USING (true) WITH CHECK (true);`,
    ]);
    assert.deepEqual(await created(slug), []);
    assert.deepEqual(await everything(db.url), before);
  });

  it('with the policies the refusal named, the non-superuser promotion copies, verifies and cleans up completely', async () => {
    assert.equal(policies.length, 2, 'the refusal above named the policies');
    await withClient(db.url, async (c) => {
      for (const p of policies) await c.query(p);
    });
    const slug = db.slug('policy');
    const id = await tenantIdOf(db, slug);
    const counts = await leftInShared(db, id);
    const record = await run(db, slug, admin.url);
    assertPromoted(record);
    assert.deepEqual(
      Object.fromEntries(
        record.tables.filter((t) => t.kind === 'tenant').map((t) => [`${t.schema}.${t.name}`, t.copiedRows]),
      ),
      counts,
      'every row copied',
    );
    assert.ok(
      record.checks.every((c) => c.status !== 'fail'),
      JSON.stringify(record.checks),
    );
    assert.deepEqual(await leftInShared(db, id), {
      'public.users': 0,
      'public.projects': 0,
      'public.audit_logs': 0,
    });
  });

  it('FORCE ROW LEVEL SECURITY on a table the non-superuser owns: refused with the policy remedy', async () => {
    await query(db.url, `DROP POLICY IF EXISTS tenant_promotion_all ON projects`);
    await giveTables(db, admin.role);
    await query(db.url, `ALTER TABLE projects FORCE ROW LEVEL SECURITY`);
    const slug = db.slug('other');
    const before = await everything(db.url);
    const record = await run(db, slug, admin.url);
    assert.equal(record.result, 'failed');
    assert.equal(record.error?.step, 'prevalidate', JSON.stringify(record.error));
    assert.match(
      record.error!.message,
      /row-level security on public\.projects would hide rows from its SELECT, DELETE \(no policy lets it reach every row; the role owns it, but FORCE ROW LEVEL SECURITY applies it to the owner too/,
    );
    // The tenants table is owned without FORCE: row-level security does not apply to its owner.
    assert.doesNotMatch(record.error!.message, /public\.tenants/);
    assert.match(
      record.error!.hint ?? '',
      new RegExp(
        `CREATE POLICY tenant_promotion_all ON "public"\\."projects" TO "${admin.role}" USING \\(true\\) WITH CHECK \\(true\\);`,
      ),
    );
    assert.deepEqual(await created(slug), []);
    assert.deepEqual(await everything(db.url), before);
  });
});

describe('managed PostgreSQL: a missing DELETE privilege (real PostgreSQL)', () => {
  let db: SharedDb;
  let admin: NonSuperuser;
  before(async () => {
    db = await sharedDb(SCHEMA, ['tenant', 'other']);
    admin = await createNonSuperuser(db.url);
    await query(db.url, `REVOKE DELETE ON projects FROM ${qi(admin.role)}`);
  });
  after(async () => {
    await db?.drop();
    await admin?.drop();
  });

  it('is refused up front, naming the privilege, why, and the GRANT', async () => {
    const slug = db.slug('tenant');
    const before = await everything(db.url);
    const record = await run(db, slug, admin.url, { frontEnd: 'action' });
    assert.equal(record.result, 'failed');
    assert.equal(record.error?.step, 'prevalidate', JSON.stringify(record.error));
    assert.equal(record.error?.code, 'permission-denied');
    assert.match(
      record.error!.message,
      /DELETE on public\.projects \(cleanup deletes the tenant's rows after the switch\)/,
    );
    assert.doesNotMatch(record.error!.message, /public\.users|public\.audit_logs/, 'only what is missing');
    assert.match(
      record.error!.hint ?? '',
      new RegExp(`GRANT DELETE ON "public"\\."projects" TO "${admin.role}";`),
    );
    assert.match(record.error!.hint ?? '', new RegExp(settingName('keep-shared-data', 'action')));
    assert.deepEqual(await created(slug), []);
    assert.deepEqual(await everything(db.url), before);

    // Once granted, it promotes.
    await query(db.url, `GRANT DELETE ON projects TO ${qi(admin.role)}`);
    const granted = await run(db, slug, admin.url);
    assertPromoted(granted);
    assert.deepEqual(await leftInShared(db, await tenantIdOf(db, slug)), {
      'public.users': 0,
      'public.projects': 0,
      'public.audit_logs': 0,
    });
  });
});

describe('hints name the front end in use', () => {
  it('settingName', () => {
    assert.equal(settingName('keep-shared-data', 'action'), 'the keep-shared-data input');
    assert.equal(settingName('keep-shared-data', 'cli'), '--keep-shared-data (or KEEP_SHARED_DATA=true)');
    assert.equal(settingName('max-freeze', 'cli'), '--max-freeze-ms (or MAX_FREEZE_MS)');
    assert.match(settingName('keep-shared-data'), /keep-shared-data input \(CLI: --keep-shared-data/);
  });
});
