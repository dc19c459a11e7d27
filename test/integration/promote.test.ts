import assert from 'node:assert/strict';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { databaseExists, fingerprint, tableRows } from '../support/fingerprint';
import { DATABASE_URL, query, urlFor } from '../support/pg';
import { engineOptions, testDeps } from '../support/engine';
import { TENANT_TABLES, tenantId } from '../support/fault-checks';

describe('promote (real PostgreSQL)', () => {
  let f: SharedFixture;
  before(async () => {
    f = await createSharedFixture({ rows: 60 });
  });
  after(async () => {
    await f.cleanup();
  });

  it('moves exactly the tenant rows, switches the status, writes config and removes the shared rows', async () => {
    const slug = f.tenants.main;
    const names = deriveNames(slug);
    const id = await tenantId(f, slug);
    const expected: Record<string, string[]> = {};
    for (const [table, where] of TENANT_TABLES) expected[table] = await tableRows(f.url, table, where, [id]);
    const otherTenantsBefore: Record<string, string[]> = {};
    for (const [table, where] of TENANT_TABLES)
      otherTenantsBefore[table] = await tableRows(f.url, table, `NOT (${where})`, [id]);

    const opts = await engineOptions(f, slug);
    const { record, databasePassword } = await promote(opts, testDeps('tester'));
    console.log(
      record.steps.map((s) => `${s.name}:${s.durationMs}`).join(' '),
      record.checks.map((c) => `${c.name}:${c.status}:${c.durationMs}`).join(' '),
    );
    assert.equal(record.result, 'promoted', JSON.stringify(record.error));
    assert.ok(databasePassword && databasePassword.length >= 32);
    assert.ok(record.committed);
    assert.ok(
      record.steps.every((s) => s.status === 'done' || s.status === 'skipped'),
      JSON.stringify(record.steps),
    );

    const target = urlFor(names.database);
    for (const [table] of TENANT_TABLES) {
      assert.deepEqual(await tableRows(target, table), expected[table], `${table} in the new database`);
      assert.deepEqual(
        await tableRows(f.url, table, 'true'),
        otherTenantsBefore[table],
        `${table} left in shared`,
      );
    }
    assert.deepEqual(await tableRows(target, 'public.plans'), await tableRows(f.url, 'public.plans'));
    // Every table with rows has statistics: the performance check analyzes the new database
    // (clone-schema-after no longer runs an ANALYZE of its own before it).
    const analyzed = new Set(
      (
        await query<{ t: string }>(
          target,
          `SELECT DISTINCT schemaname || '.' || tablename AS t FROM pg_stats WHERE schemaname IN ('public', 'analytics')`,
        )
      ).map((r) => r.t),
    );
    for (const [table] of TENANT_TABLES)
      if (expected[table]!.length > 0) assert.ok(analyzed.has(table), `${table} analyzed`);
    const tenantsInTarget = await query<{ slug: string }>(target, 'SELECT slug FROM tenants');
    assert.deepEqual(
      tenantsInTarget.map((r) => r.slug),
      [slug],
    );

    const [row] = await query<{
      isolation_mode: string;
      settings: { theme: string; isolation: Record<string, unknown> };
    }>(f.url, 'SELECT isolation_mode, settings FROM tenants WHERE slug = $1', [slug]);
    assert.equal(row!.isolation_mode, 'isolated');
    assert.equal(row!.settings.theme, 'dark', 'other settings keys are preserved');
    assert.equal(row!.settings.isolation.state, 'complete');
    assert.equal(row!.settings.isolation.isolated_db_name, names.database);
    const history = row!.settings.isolation.history as { event: string }[];
    assert.deepEqual(
      history.map((h) => h.event),
      ['promoted', 'completed'],
    );

    const routing = JSON.parse(await readFile(join(opts.configDir, 'routing', `${slug}.json`), 'utf8'));
    assert.equal(routing.database.name, names.database);
    assert.equal(routing.endpoints.api, `api-${slug}.factory.local`);
    assert.ok(!JSON.stringify(routing).includes(databasePassword!));
    assert.deepEqual((await readdir(join(opts.configDir, 'load-balancer'))).sort(), [`${slug}.json`]);

    // The tenant's role can log in to its database and sees its data; nothing else.
    const appUrl = new URL(target);
    appUrl.username = names.appRole;
    appUrl.password = databasePassword!;
    const seen = await query<{ n: string }>(appUrl.toString(), 'SELECT count(*)::text AS n FROM users');
    assert.equal(Number(seen[0]!.n), expected['public.users']!.length);
    // PUBLIC may still have CONNECT on the shared database (PostgreSQL has no deny), but no table is readable.
    const sharedAsApp = new URL(f.url);
    sharedAsApp.username = names.appRole;
    sharedAsApp.password = databasePassword!;
    await assert.rejects(query(sharedAsApp.toString(), 'SELECT count(*) FROM users'), /permission denied/);

    // A second run changes nothing and says so.
    const again = await promote(opts, testDeps('tester'));
    assert.equal(again.record.result, 'already-isolated');
    await rm(opts.configDir, { recursive: true, force: true });
  });

  it('keep-shared-data leaves every shared row in place', async () => {
    const slug = f.tenants.small;
    const before = await fingerprint(f.url);
    const opts = await engineOptions(f, slug, { keepSharedData: true });
    const { record } = await promote(opts, testDeps('tester'));
    assert.equal(record.result, 'promoted', JSON.stringify(record.error));
    assert.deepEqual(await fingerprint(f.url), before);
    assert.equal(record.steps.find((s) => s.name === 'cleanup')!.status, 'skipped');
  });

  it('a dry run plans and changes nothing', async () => {
    const slug = f.tenants.other;
    const before = await fingerprint(f.url);
    const opts = await engineOptions(f, slug, { dryRun: true });
    const { record } = await promote(opts, testDeps('tester'));
    assert.equal(record.result, 'dry-run', JSON.stringify(record.error));
    assert.ok(record.tables.length >= 10);
    assert.deepEqual(await fingerprint(f.url), before);
    assert.equal(await databaseExists(deriveNames(slug).database, DATABASE_URL), false);
    assert.deepEqual(await readdir(opts.configDir), []);
  });
});
