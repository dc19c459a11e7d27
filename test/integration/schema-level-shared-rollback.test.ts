import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { describe, it } from 'node:test';
import pg from 'pg';
import { deriveNames, sharedToolSchema } from '../../src/names';
import { PromotionOptions, type PromotionOptionsInput } from '../../src/options';
import { promote } from '../../src/pipeline/promote';
import { rollback } from '../../src/pipeline/rollback';
import { tenantStatus } from '../../src/pipeline/status';
import { testDeps } from '../support/engine';
import { query, withClient } from '../support/pg';
import {
  brokenForeignKeys,
  createRollbackFixture,
  rows,
  type RollbackFixture,
} from '../support/rollback-fixture';
import {
  ACME_ROWS,
  ANALYTICS_SCHEMA,
  assertBackInSharedDatabase,
  assertIsolatedAndWorking,
  assertKilledRollbackResumes,
  isolationModeOf,
  ROLLBACK_KILL_POINTS,
  withSearchPath,
  writeAsAcmeApplication,
  type WrittenTenant,
} from '../support/schema-level';
import { tempDir } from '../support/tmp';

const qi = pg.escapeIdentifier;

/**
 * Issue 21: rollback of a schema-level tenant whose schemas are IN THE SHARED DATABASE (no
 * target-database-url). The rollback fixture with a second schema, `analytics`, so the tenant's
 * tables go to two mapped schemas (`tenant_<slug>`, `tenant_<slug>_analytics`) beside the shared
 * tables they came from — same table names, same keys. The tenant's side and the shared side are
 * one database: every statement meant for the tenant's tables must reach its schemas, every one
 * meant for the shared tables the shared ones. Run as the superuser and (TEST_ADMIN=nonsuper) as a
 * managed-PostgreSQL admin, granted CREATE on the shared database as schema level there needs.
 */

/**
 * The rollback fixture's second schema. The documents here hold no large objects: at this
 * placement they stay in place and are granted (schema-level-shared-lo.test.ts covers them).
 */
const ANALYTICS = `${ANALYTICS_SCHEMA}
  UPDATE documents SET body = NULL;
`;

/** The acme rows, its documents without large objects. */
const ACME = { ...ACME_ROWS, documents: `SELECT id, title FROM documents WHERE tenant_id = 1` };

/** Schema level into the shared database needs CREATE there (a managed admin lacks it by default). */
async function grantCreate(f: RollbackFixture): Promise<void> {
  if (f.engineUrl === f.url) return;
  const role = decodeURIComponent(new URL(f.engineUrl).username);
  const db = new URL(f.url).pathname.slice(1);
  await query(f.url, `GRANT CREATE ON DATABASE ${qi(db)} TO ${qi(role)}`);
}

interface Promoted extends WrittenTenant {
  f: RollbackFixture;
  names: ReturnType<typeof deriveNames>;
  /** The tenant's schemas in the shared database. */
  schemas: string[];
}

describe('schema-level rollback from the shared database', { concurrency: 1 }, () => {
  /** A fixture, acme promoted at schema level into the shared database, and writes on both sides. */
  async function promotedAndWritten(
    fn: (ctx: Promoted) => Promise<void>,
    extra: Partial<PromotionOptionsInput> = {},
  ): Promise<void> {
    const f = await createRollbackFixture(ANALYTICS);
    const configDir = await tempDir('schema-level-shared-rollback-');
    const slug = f.slugs.acme;
    const names = deriveNames(slug);
    const opts: PromotionOptionsInput = {
      databaseUrl: f.engineUrl,
      tenantSlug: slug,
      skipCloudRun: true,
      configDir,
      maxFreezeMs: 10_000,
      isolationLevel: 'schema',
      ...extra,
    };
    try {
      await grantCreate(f);
      const { record } = await promote(opts, testDeps('schema-level-shared-rollback'));
      assert.equal(record.result, 'promoted', JSON.stringify(record.error));
      assert.equal(record.schemaLayout?.into, 'shared-database');
      const schemas = [names.database, `${names.database}_analytics`];
      assert.deepEqual(record.schemaLayout?.mappings.map((m) => m.target).sort(), [...schemas].sort());
      // The ledger is in the tenant's own tool schema of the shared database, never in a
      // `_tenant_isolation` every tenant there would share.
      const [ledger] = await query<{ own: string | null; common: string | null }>(
        f.url,
        `SELECT to_regclass($1)::text AS own, to_regclass('_tenant_isolation.row_ledger')::text AS common`,
        [`${qi(sharedToolSchema(slug))}.row_ledger`],
      );
      assert.ok(ledger!.own, 'row ledger in the tenant tool schema');
      assert.equal(ledger!.common, null);
      const tenantUrl = withSearchPath(f.url, schemas);
      const sharedUrl = withSearchPath(f.url, ['public', 'analytics']);
      // The application writes as the tenant's role, with its search_path: its objects are its own.
      await withClient(f.url, async (c) => {
        await c.query(`SET ROLE ${qi(names.appRole)}`);
        await c.query(`SET search_path = ${schemas.map(qi).join(', ')}`);
        await writeAsAcmeApplication(c);
        // A global row (NULL tenant key) both sides hold under the same key, in the same-named table.
        await c.query(`UPDATE roles SET name = 'viewer (by acme)' WHERE id = 2`);
        await c.query(`INSERT INTO documents (tenant_id, title) VALUES (1, 'acme-doc-2')`);
      });
      // Others write in the shared tables meanwhile (initech, tenant 3, stays shared): a new user, an
      // event, its own project, and the OTHER global row.
      await query(f.url, `INSERT INTO users (email, name) VALUES ('new@hooli', 'Hooli New')`);
      await query(
        f.url,
        `INSERT INTO analytics.events (tenant_id, project_id, kind) VALUES (3, 4, 'initech later')`,
      );
      await query(f.url, `UPDATE public.roles SET name = 'owner (by shared)' WHERE id = 1`);
      await query(
        f.url,
        `UPDATE public.projects SET name = 'initech-a (shared edit)' WHERE name = 'initech-a'`,
      );
      const want: Record<string, string[]> = {};
      for (const [k, sql] of Object.entries(ACME)) want[k] = await rows(tenantUrl, sql);
      assert.ok(want.events!.some((r) => r.includes('renamed')) && want.documents!.length === 2);
      // Each write is on its own side before the rollback: same table names, same keys, apart.
      assert.deepEqual(await rows(tenantUrl, `SELECT id, name FROM roles WHERE tenant_id IS NULL`), [
        '(1,owner)',
        '(2,"viewer (by acme)")',
      ]);
      assert.deepEqual(await rows(sharedUrl, `SELECT id, name FROM roles WHERE tenant_id IS NULL`), [
        '(1,"owner (by shared)")',
        '(2,viewer)',
      ]);
      await fn({ f, sharedDbUrl: f.url, opts, names, schemas, tenantUrl, sharedUrl, want });
    } finally {
      await f.cleanup();
      await rm(configDir, { recursive: true, force: true });
    }
  }

  /** The schemas, tool schema and roles a tenant's promotion made in the shared database. */
  async function artifactsOf(f: RollbackFixture, slug: string) {
    const names = deriveNames(slug);
    const schemas = await query<{ nspname: string }>(
      f.url,
      `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1) OR nspname = $2 ORDER BY 1`,
      [names.database, sharedToolSchema(slug)],
    );
    const roles = await query<{ rolname: string }>(
      f.url,
      `SELECT rolname FROM pg_roles WHERE rolname = ANY ($1) ORDER BY 1`,
      [[names.ownerRole, names.appRole]],
    );
    return { schemas: schemas.map((r) => r.nspname), roles: roles.map((r) => r.rolname) };
  }

  /** Every acme write is in the shared tables, the others' too, keys valid, nothing of acme's left. */
  async function assertRolledBack({ f, opts, sharedUrl, want }: Promoted) {
    for (const [k, sql] of Object.entries(ACME))
      assert.deepEqual(await rows(sharedUrl, sql), want[k], `${k} back`);
    assert.deepEqual(await rows(f.url, `SELECT email FROM users WHERE email = 'new@hooli'`), ['(new@hooli)']);
    assert.deepEqual(await rows(sharedUrl, `SELECT kind FROM events WHERE tenant_id = 3`), [
      '("initech later")',
    ]);
    // The tenant's write to a global row came back; the shared write to the other global row of
    // the same table stayed; another tenant's own row kept its shared edit.
    assert.deepEqual(await rows(sharedUrl, `SELECT id, name FROM roles WHERE tenant_id IS NULL`), [
      '(1,"owner (by shared)")',
      '(2,"viewer (by acme)")',
    ]);
    assert.deepEqual(await rows(f.url, `SELECT name FROM projects WHERE tenant_id = 3`), [
      '("initech-a (shared edit)")',
    ]);
    assert.deepEqual(await brokenForeignKeys(f.url), []);
    await assertBackInSharedDatabase(f.url, sharedUrl, opts);
    assert.deepEqual(
      await artifactsOf(f, opts.tenantSlug!),
      { schemas: [], roles: [] },
      "the tenant's schemas, its tool schema and its roles are gone",
    );
    // The shared database itself, and its schemas, stay.
    assert.deepEqual(
      await rows(f.url, `SELECT nspname FROM pg_namespace WHERE nspname IN ('public', 'analytics')`),
      ['(analytics)', '(public)'],
    );
  }

  it("brings back every write from both mapped schemas, beside another schema-level tenant's, and drops the schemas, tool schema and roles", async () => {
    await promotedAndWritten(async (p) => {
      const { f, opts } = p;
      // A second tenant promoted into the same database after acme: its ledger is recorded in
      // its own tool schema and leaves acme's alone.
      const hooli = { ...opts, tenantSlug: f.slugs.hooli };
      const other = await promote(hooli, testDeps('schema-level-shared-rollback'));
      assert.equal(other.record.result, 'promoted', JSON.stringify(other.record.error));

      const { record } = await rollback(opts, testDeps('schema-level-shared-rollback'));
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      assert.match(record.steps.find((s) => s.name === 'schema-drift')?.detail ?? '', /no drift/);
      assert.match(record.steps.find((s) => s.name === 'fence')?.detail ?? '', /cannot reach .*tenant_acme/);
      assert.match(
        record.steps.find((s) => s.name === 'drop-isolated')?.detail ?? '',
        new RegExp(`${sharedToolSchema(opts.tenantSlug!)}.* and 2 role\\(s\\) dropped`),
      );
      await assertRolledBack(p);

      // The other tenant is untouched: its schemas, tool schema and roles, its status.
      const left = await artifactsOf(f, f.slugs.hooli);
      assert.equal(left.schemas.length, 3, left.schemas.join(', '));
      assert.equal(left.roles.length, 2);
      const status = await tenantStatus(PromotionOptions.parse(hooli), { verify: true });
      assert.equal(status.overall, 'isolated', status.reasons.join('; '));
      // And it rolls back as well, from its own ledger.
      const back = await rollback(hooli, testDeps('schema-level-shared-rollback'));
      assert.equal(back.record.result, 'rolled-back', JSON.stringify(back.record.error));
      assert.deepEqual(await artifactsOf(f, f.slugs.hooli), { schemas: [], roles: [] });
      assert.deepEqual(await brokenForeignKeys(f.url), []);
    });
  });

  it('remove-unused: the referenced rows cleanup removed from the shared database come back from the tenant schema (the keys it recorded)', async () => {
    await promotedAndWritten(
      async (p) => {
        const { f, opts } = p;
        // Only acme's members reference these users: cleanup removed them from the shared tables,
        // and recorded their keys in the tenant's tool schema.
        assert.deepEqual(
          await rows(f.url, `SELECT email FROM public.users WHERE email IN ('u1@acme', 'u5@acme')`),
          [],
        );
        const [keys] = await query<{ n: number }>(
          f.url,
          `SELECT count(*)::int AS n FROM ${qi(sharedToolSchema(opts.tenantSlug!))}.cleanup_removed`,
        );
        assert.ok(keys!.n >= 2, `removed keys recorded: ${keys!.n}`);
        const { record } = await rollback(opts, testDeps('schema-level-shared-rollback'));
        assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
        assert.match(
          record.notes.join('\n'),
          /row\(s\) of "public"\."users" that cleanup removed .* come back/,
        );
        await assertRolledBack(p);
      },
      { cleanupReferencedRows: 'remove-unused' },
    );
  });

  it('a dry run reports what would come back through the mapping and changes nothing', async () => {
    await promotedAndWritten(async (p) => {
      const { f, opts, tenantUrl, want } = p;
      const before = await rows(f.url, `SELECT id, tenant_id, kind FROM analytics.events`);
      const { record } = await rollback({ ...opts, dryRun: true }, testDeps('schema-level-shared-rollback'));
      assert.equal(record.result, 'dry-run', JSON.stringify(record.error));
      const notes = record.notes.join('\n');
      assert.match(notes, /Would restore "analytics"\."events"/);
      assert.match(notes, /Would restore "public"\."users" \(referenced rows\): 1 inserted/);
      assert.doesNotMatch(notes, /Schema drift|conflict/i);
      assert.deepEqual(await rows(f.url, `SELECT id, tenant_id, kind FROM analytics.events`), before);
      for (const [k, sql] of Object.entries(ACME)) assert.deepEqual(await rows(tenantUrl, sql), want[k], k);
      assert.equal(await isolationModeOf(f.url, opts.tenantSlug), 'isolated');
      // And the real one still works after it.
      const { record: real } = await rollback(opts, testDeps('schema-level-shared-rollback'));
      assert.equal(real.result, 'rolled-back', JSON.stringify(real.error));
      await assertRolledBack(p);
    });
  });

  it('drift in the tenant schema and a row changed on both sides refuse, named by the shared names, and leave the tenant isolated and working', async () => {
    await promotedAndWritten(async (p) => {
      const { f, opts, names, schemas, tenantUrl, want } = p;
      const isolated = async () => {
        await assertIsolatedAndWorking(p, ACME, f.url, names.appRole);
        // The application's role reaches its schemas again.
        const usage = await query<{ ok: boolean }>(
          f.url,
          `SELECT bool_and(has_schema_privilege($1, s, 'USAGE')) AS ok FROM unnest($2::text[]) s`,
          [names.appRole, schemas],
        );
        assert.equal(usage[0]!.ok, true);
      };
      // A column only the tenant's schema has: drift, reported under the shared database's names.
      await query(tenantUrl, `ALTER TABLE events ADD COLUMN note text`);
      const drifted = await rollback(opts, testDeps('schema-level-shared-rollback'));
      assert.equal(drifted.record.result, 'failed');
      assert.match(
        drifted.record.error?.message ?? '',
        /column analytics\.events\.note: only in the tenant's database/,
      );
      // Only the tenant's schemas are compared with the shared ones (not another schema, not the
      // tool's): the one difference is named, and where the tenant stays.
      const [differences, stays] = (drifted.record.error?.message ?? '').split(' The tenant stays ');
      assert.match(
        differences!,
        /come back: column analytics\.events\.note: only in the tenant's database\.$/,
      );
      assert.match(
        stays!,
        new RegExp(`isolated and working in its schema\\(s\\) .*${names.database}.* of the shared database`),
      );
      await isolated();
      await query(tenantUrl, `ALTER TABLE events DROP COLUMN note`);

      // A referenced row changed by the tenant and, differently, in the shared tables: a conflict.
      await query(tenantUrl, `UPDATE users SET name = 'Two (tenant)' WHERE email = 'u2@both'`);
      await query(f.url, `UPDATE public.users SET name = 'Two (shared)' WHERE email = 'u2@both'`);
      want.users = await rows(tenantUrl, ACME.users);
      const conflicted = await rollback(opts, testDeps('schema-level-shared-rollback'));
      assert.equal(conflicted.record.result, 'failed');
      assert.match(conflicted.record.error?.message ?? '', /changed on both sides.*"public"\."users"/s);
      assert.equal(conflicted.record.steps.find((s) => s.name === 'fence')?.status, 'undone');
      await isolated();
    });
  });

  for (const point of ROLLBACK_KILL_POINTS) {
    it(`killed at ${point}, then re-run: one of the two clean states, then fully back`, async () => {
      await promotedAndWritten(async (p) => {
        await assertKilledRollbackResumes(point, p, ACME);
        await assertRolledBack(p);
      });
    });
  }
});
