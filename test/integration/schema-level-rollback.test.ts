import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { describe, it } from 'node:test';
import pg from 'pg';
import { deriveNames } from '../../src/names';
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
  targetServerForSuite,
  withSearchPath,
  writeAsAcmeApplication,
  type WrittenTenant,
} from '../support/schema-level';
import { tempDir } from '../support/tmp';

const qi = pg.escapeIdentifier;

/**
 * Issue 21: rollback of a schema-level tenant. The rollback fixture (users reached through
 * memberships, global roles, serial/bigserial/identity keys, a large object column, a trigger)
 * with a second schema, `analytics`, so the tenant's tables go to two mapped schemas
 * (`tenant_<slug>` and `tenant_<slug>_analytics`) of a database of their own on a target server
 * (embedded PostgreSQL 15, a non-superuser admin). After the switch the tenant's application —
 * its role, its search_path — inserts, updates and deletes in both schemas, takes identity ids and
 * writes a large object; another tenant writes in the shared database. The rollback brings every
 * write back into the shared tables, through the mapping.
 */

describe('schema-level rollback from a target server', { concurrency: 1 }, () => {
  const server = targetServerForSuite();

  /** A fixture, the acme tenant promoted at schema level into the target, and its application's writes there. */
  async function promotedAndWritten(
    fn: (ctx: WrittenTenant & { f: RollbackFixture; names: ReturnType<typeof deriveNames> }) => Promise<void>,
    extra: Partial<PromotionOptionsInput> = {},
  ): Promise<void> {
    const f = await createRollbackFixture(ANALYTICS_SCHEMA);
    const configDir = await tempDir('schema-level-rollback-');
    const slug = f.slugs.acme;
    const names = deriveNames(slug);
    const opts: PromotionOptionsInput = {
      databaseUrl: f.engineUrl,
      tenantSlug: slug,
      skipCloudRun: true,
      configDir,
      maxFreezeMs: 10_000,
      targetDatabaseUrl: server.target.adminUrl,
      isolationLevel: 'schema',
      ...extra,
    };
    try {
      const { record } = await promote(opts, testDeps('schema-level-rollback'));
      assert.equal(record.result, 'promoted', JSON.stringify(record.error));
      const schemas = [names.database, `${names.database}_analytics`];
      assert.deepEqual(
        record.schemaLayout?.mappings.map((m) => m.target).sort(),
        [...schemas].sort(),
        'two source schemas, two mapped schemas',
      );
      const tenantUrl = withSearchPath(server.target.urlFor(names.database), schemas);
      const sharedUrl = withSearchPath(f.url, ['public', 'analytics']);
      // The application writes as the tenant's role, with its search_path: its objects are its own.
      await withClient(server.target.urlFor(names.database), async (c) => {
        await c.query(`SET ROLE ${qi(names.appRole)}`);
        await c.query(`SET search_path = ${schemas.map(qi).join(', ')}`);
        await writeAsAcmeApplication(c);
        await c.query(
          `INSERT INTO documents (tenant_id, title, body) SELECT id, 'acme-doc-2', lo_from_bytea(0, 'written while isolated') FROM tenants`,
        );
      });
      // Another tenant writes in the shared database meanwhile.
      await query(f.url, `INSERT INTO users (email, name) VALUES ('new@hooli', 'Hooli New')`);
      await query(
        f.url,
        `INSERT INTO analytics.events (tenant_id, project_id, kind) VALUES (2, 3, 'hooli later')`,
      );
      const want: Record<string, string[]> = {};
      for (const [k, sql] of Object.entries(ACME_ROWS)) want[k] = await rows(tenantUrl, sql);
      assert.ok(want.events!.some((r) => r.includes('renamed')) && want.documents!.length === 2);
      await fn({ f, sharedDbUrl: f.url, opts, names, tenantUrl, sharedUrl, want });
    } finally {
      await f.cleanup();
      await server.target.dropArtifacts(f.suffix);
      await rm(configDir, { recursive: true, force: true });
    }
  }

  /** Every acme write is in the shared tables, the other tenant's too, keys valid, the target empty. */
  async function assertRolledBack(
    f: RollbackFixture,
    opts: PromotionOptionsInput,
    names: ReturnType<typeof deriveNames>,
    sharedUrl: string,
    want: Record<string, string[]>,
  ) {
    for (const [k, sql] of Object.entries(ACME_ROWS))
      assert.deepEqual(await rows(sharedUrl, sql), want[k], `${k} back`);
    assert.deepEqual(await rows(f.url, `SELECT email FROM users WHERE email = 'new@hooli'`), ['(new@hooli)']);
    assert.deepEqual(await rows(sharedUrl, `SELECT kind FROM events WHERE tenant_id = 2`), [
      '("hooli later")',
      '(created)',
    ]);
    assert.deepEqual(await brokenForeignKeys(f.url), []);
    await assertBackInSharedDatabase(f.url, sharedUrl, opts);
    assert.deepEqual(
      await server.target.artifacts(names.database),
      { databases: [], roles: [] },
      'nothing left on the target',
    );
  }

  it('brings back every write made in both mapped schemas after the switch, and drops the tenant database', async (ctx) => {
    if (server.skip) return ctx.skip(server.skip);
    await promotedAndWritten(async ({ f, opts, names, sharedUrl, want }) => {
      const { record } = await rollback(opts, testDeps('schema-level-rollback'));
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      assert.match(record.steps.find((s) => s.name === 'schema-drift')?.detail ?? '', /no drift/);
      assert.match(record.steps.find((s) => s.name === 'restore')?.detail ?? '', /large object/);
      ctx.diagnostic(`tenant's writes blocked ${record.freezeMs} ms (fence to commit)`);
      await assertRolledBack(f, opts, names, sharedUrl, want);

      // Promoted again, at database level: nothing of the schema level is left in its record.
      const again = await promote({ ...opts, isolationLevel: 'database' }, testDeps('schema-level-rollback'));
      assert.equal(again.record.result, 'promoted', JSON.stringify(again.record.error));
      const [row] = await query<{ level: string | null; schema: unknown }>(
        f.url,
        `SELECT settings->'isolation'->>'isolation_level' AS level, settings->'isolation'->'schema' AS schema FROM tenants WHERE slug = $1`,
        [opts.tenantSlug],
      );
      assert.deepEqual(row, { level: null, schema: null });
      const status = await tenantStatus(PromotionOptions.parse(opts));
      assert.equal(status.isolationLevel, 'database');
    });
  });

  it('remove-unused: the referenced rows cleanup removed from the shared database come back from the tenant schema (the keys it recorded)', async (ctx) => {
    if (server.skip) return ctx.skip(server.skip);
    await promotedAndWritten(
      async ({ f, opts, names, sharedUrl, want }) => {
        // Only acme's members reference these users: cleanup removed them from the shared database.
        assert.deepEqual(
          await rows(f.url, `SELECT email FROM users WHERE email IN ('u1@acme', 'u5@acme')`),
          [],
        );
        const { record } = await rollback(opts, testDeps('schema-level-rollback'));
        assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
        assert.match(
          record.notes.join('\n'),
          /row\(s\) of "public"\."users" that cleanup removed .* come back/,
        );
        await assertRolledBack(f, opts, names, sharedUrl, want);
      },
      { cleanupReferencedRows: 'remove-unused' },
    );
  });

  it('a dry run reports what would come back through the mapping and changes nothing', async (ctx) => {
    if (server.skip) return ctx.skip(server.skip);
    await promotedAndWritten(async ({ f, opts, names, tenantUrl, sharedUrl, want }) => {
      const before = await rows(f.url, `SELECT id, tenant_id, kind FROM analytics.events`);
      const { record } = await rollback({ ...opts, dryRun: true }, testDeps('schema-level-rollback'));
      assert.equal(record.result, 'dry-run', JSON.stringify(record.error));
      const notes = record.notes.join('\n');
      assert.match(notes, /Would restore "analytics"\."events"/);
      assert.match(notes, /Would restore "public"\."users" \(referenced rows\): 1 inserted/);
      // The tenant's objects belong to its roles on the target: compared only when readable (the
      // restore borrows the roles; the dry run does not).
      assert.match(notes, /Large objects: (1 would be created|not compared)/);
      assert.doesNotMatch(notes, /Schema drift|conflict/i);
      assert.deepEqual(await rows(f.url, `SELECT id, tenant_id, kind FROM analytics.events`), before);
      for (const [k, sql] of Object.entries(ACME_ROWS))
        assert.deepEqual(await rows(tenantUrl, sql), want[k], k);
      assert.equal(await isolationModeOf(f.url, opts.tenantSlug), 'isolated');
      // And the real one still works after it.
      const { record: real } = await rollback(opts, testDeps('schema-level-rollback'));
      assert.equal(real.result, 'rolled-back', JSON.stringify(real.error));
      await assertRolledBack(f, opts, names, sharedUrl, want);
    });
  });

  it('drift and a row changed on both sides refuse, named by the shared names, and leave the tenant isolated and working', async (ctx) => {
    if (server.skip) return ctx.skip(server.skip);
    await promotedAndWritten(async (p) => {
      const { f, opts, names, tenantUrl, want } = p;
      const isolated = () => assertIsolatedAndWorking(p, ACME_ROWS, server.target.url, names.appRole);
      // A column only the tenant's schema has: drift, reported under the shared database's names.
      await query(tenantUrl, `ALTER TABLE events ADD COLUMN note text`);
      const drifted = await rollback(opts, testDeps('schema-level-rollback'));
      assert.equal(drifted.record.result, 'failed');
      assert.match(
        drifted.record.error?.message ?? '',
        /column analytics\.events\.note: only in the tenant's database/,
      );
      await isolated();
      await query(tenantUrl, `ALTER TABLE events DROP COLUMN note`);

      // A referenced row changed by the tenant and, differently, in the shared database: a conflict.
      await query(tenantUrl, `UPDATE users SET name = 'Two (tenant)' WHERE email = 'u2@both'`);
      await query(f.url, `UPDATE users SET name = 'Two (shared)' WHERE email = 'u2@both'`);
      want.users = await rows(tenantUrl, ACME_ROWS.users);
      const conflicted = await rollback(opts, testDeps('schema-level-rollback'));
      assert.equal(conflicted.record.result, 'failed');
      assert.match(conflicted.record.error?.message ?? '', /changed on both sides.*"public"\."users"/s);
      assert.equal(conflicted.record.steps.find((s) => s.name === 'fence')?.status, 'undone');
      await isolated();
    });
  });

  for (const point of ROLLBACK_KILL_POINTS) {
    it(`killed at ${point}, then re-run: one of the two clean states, then fully back`, async (ctx) => {
      if (server.skip) return ctx.skip(server.skip);
      await promotedAndWritten(async (p) => {
        const { f, opts, names, sharedUrl, want } = p;
        await assertKilledRollbackResumes(point, p, ACME_ROWS);
        await assertRolledBack(f, opts, names, sharedUrl, want);
      });
    });
  }
});
