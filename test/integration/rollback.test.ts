import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import { rollback } from '../../src/pipeline/rollback';
import { tempDir } from '../support/tmp';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { databaseExists, fingerprint, roleExists } from '../support/fingerprint';
import { DATABASE_URL, query, urlFor } from '../support/pg';
import { testDeps } from '../support/engine';

describe('rollback (real PostgreSQL)', () => {
  let f: SharedFixture;
  before(async () => {
    f = await createSharedFixture({ rows: 40 });
  });
  after(async () => {
    await f.cleanup();
  });

  it('round-trips a tenant shared → isolated → shared, with writes made while isolated', async () => {
    const slug = f.tenants.main;
    const names = deriveNames(slug);
    const configDir = await tempDir('rollback-config-');
    const opts = {
      databaseUrl: f.engineUrl,
      tenantSlug: slug,
      skipCloudRun: true,
      configDir,
      maxFreezeMs: 10_000,
    };
    const start = await fingerprint(f.url);

    // 1. A plain round trip leaves the shared database exactly as it started.
    const first = await promote(opts, testDeps('tester'));
    assert.equal(first.record.result, 'promoted', JSON.stringify(first.record.error));
    assert.notDeepEqual(await fingerprint(f.url), start);
    const firstBack = await rollback(opts, testDeps('tester'));
    assert.equal(firstBack.record.result, 'rolled-back', JSON.stringify(firstBack.record.error));
    assert.deepEqual(await fingerprint(f.url), start);
    assert.equal(await databaseExists(names.database, DATABASE_URL), false);
    assert.equal(await roleExists(names.appRole, DATABASE_URL), false);
    assert.equal(await roleExists(names.ownerRole, DATABASE_URL), false);
    assert.deepEqual(await readdir(join(configDir, 'routing')), []);
    assert.deepEqual(await readdir(join(configDir, 'load-balancer')), []);

    // 2. Promoted again; while isolated, the application writes to its own database.
    const second = await promote(opts, testDeps('tester'));
    assert.equal(second.record.result, 'promoted', JSON.stringify(second.record.error));
    const target = urlFor(names.database);
    await query(
      target,
      `UPDATE projects SET name = name || ' (renamed)' WHERE id = (SELECT min(id) FROM projects)`,
    );
    const [{ deleted }] = (await query<{ deleted: string }>(
      target,
      `WITH d AS (DELETE FROM audit_logs WHERE action = 'duplicate' RETURNING 1) SELECT count(*)::text AS deleted FROM d`,
    )) as [{ deleted: string }];
    assert.equal(deleted, '2');
    const [{ id: newUser }] = (await query<{ id: string }>(
      target,
      `INSERT INTO users (tenant_id, email) SELECT id, 'new@acme.example' FROM tenants RETURNING id::text AS id`,
    )) as [{ id: string }];

    const back = await rollback(opts, testDeps('tester'));
    assert.equal(back.record.result, 'rolled-back', JSON.stringify(back.record.error));
    assert.equal(await databaseExists(names.database, DATABASE_URL), false);

    const [row] = await query<{
      isolation_mode: string;
      settings: { isolation: { state: string; history: { event: string }[] } };
    }>(f.url, 'SELECT isolation_mode, settings FROM tenants WHERE slug = $1', [slug]);
    assert.equal(row!.isolation_mode, 'shared');
    assert.equal(row!.settings.isolation.state, 'rolled-back');
    assert.deepEqual(
      row!.settings.isolation.history.map((h) => h.event),
      ['promoted', 'completed', 'rolled-back', 'promoted', 'completed', 'rolled-back'],
    );

    // Every write made while isolated (insert, update, delete) is in the shared database.
    const users = await query<{ email: string }>(f.url, 'SELECT email FROM users WHERE id = $1', [newUser]);
    assert.equal(users[0]?.email, 'new@acme.example');
    const renamed = await query(f.url, `SELECT 1 FROM projects WHERE name LIKE '% (renamed)'`);
    assert.equal(renamed.length, 1);
    const dups = await query(
      f.url,
      `SELECT 1 FROM audit_logs a JOIN tenants t ON t.id = a.tenant_id WHERE t.slug = $1 AND action = 'duplicate'`,
      [slug],
    );
    assert.equal(dups.length, 0);
    // The id the isolated database handed out came from the tenant's range (above the shared
    // side's zone); the shared sequence stays below that zone and hands out no id in use.
    assert.ok(BigInt(newUser) >= 2n ** 50n, `isolated id ${newUser} is in the tenant's range`);
    const [{ next }] = (await query<{ next: string }>(
      f.url,
      `SELECT nextval(pg_get_serial_sequence('users', 'id'))::text AS next`,
    )) as [{ next: string }];
    assert.ok(BigInt(next) < 2n ** 50n, `shared sequence ${next} stays below the tenants' zone`);
    const taken = await query(f.url, 'SELECT 1 FROM users WHERE id = $1', [next]);
    assert.equal(taken.length, 0, 'the next shared id is free');
  });

  it('refuses a tenant that is not isolated, and changes nothing', async () => {
    const before = await fingerprint(f.url);
    const { record } = await rollback(
      { databaseUrl: f.engineUrl, tenantSlug: f.tenants.small, skipCloudRun: true },
      testDeps('tester'),
    );
    assert.equal(record.result, 'failed');
    assert.equal(record.error?.code, 'tenant-state');
    assert.match(record.error!.message, /nothing to roll back/);
    assert.deepEqual(await fingerprint(f.url), before);
  });
});
