import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import { markerText } from '../../src/postgres/roles';
import { artifacts, expectedArtifacts, sharedState, tenantId, TENANT_TABLES } from '../support/fault-checks';
import { tableRows } from '../support/fingerprint';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { DATABASE_URL, query, urlFor, withClient } from '../support/pg';
import { engineOptions, testDeps } from '../support/engine';

/** Property 7 of issue 8: bad state gives a precise error and changes nothing. */

const qi = pg.escapeIdentifier;

describe('bad state (real PostgreSQL)', () => {
  let f: SharedFixture;
  before(async () => {
    f = await createSharedFixture({ rows: 20 });
  });
  after(async () => {
    await f.cleanup();
  });

  it('a tenant marked isolated whose database is missing: precise error, nothing changed', async () => {
    const slug = f.tenants.small;
    const names = deriveNames(slug);
    await query(
      f.url,
      `UPDATE tenants SET isolation_mode = 'isolated',
              settings = settings || jsonb_build_object('isolation', jsonb_build_object('state', 'complete', 'isolated_db_name', $2::text, 'history', '[]'::jsonb))
        WHERE slug = $1`,
      [slug, names.database],
    );
    const rowBefore = await tableRows(f.url, 'public.tenants', 't.slug = $1', [slug]);
    const before = await sharedState(f, slug);
    const opts = await engineOptions(f, slug);
    const { record } = await promote(opts, testDeps('bad-state'));
    assert.equal(record.result, 'failed');
    assert.equal(record.error?.code, 'tenant-state');
    assert.equal(record.error?.step, 'prevalidate');
    assert.match(
      record.error!.message,
      new RegExp(`marked isolated, but its database "${names.database}" does not exist`),
    );
    assert.match(record.error!.hint ?? '', /backup|rollback/);
    assert.deepEqual(
      await tableRows(f.url, 'public.tenants', 't.slug = $1', [slug]),
      rowBefore,
      'tenant row unchanged',
    );
    assert.deepEqual(await sharedState(f, slug, before.id), before);
    assert.deepEqual(await artifacts(f.suffix), expectedArtifacts(f));
    assert.deepEqual(await readdir(opts.configDir), []);
    await query(
      f.url,
      `UPDATE tenants SET isolation_mode = 'shared', settings = settings - 'isolation' WHERE slug = $1`,
      [slug],
    );
    await rm(opts.configDir, { recursive: true, force: true });
  });

  it('a database under the target name with another tenant\u2019s marker: refused, untouched', async () => {
    const slug = f.tenants.small;
    const names = deriveNames(slug);
    const before = await sharedState(f, slug);
    const forged = markerText({ slug: f.tenants.other, sourceDatabase: f.dbName, purpose: 'database' });
    await withClient(DATABASE_URL, async (c) => {
      await c.query(`CREATE DATABASE ${qi(names.database)}`);
      await c.query(`COMMENT ON DATABASE ${qi(names.database)} IS ${pg.escapeLiteral(forged)}`);
    });
    await query(urlFor(names.database), `CREATE TABLE precious AS SELECT 'keep me'::text AS v`);
    try {
      const opts = await engineOptions(f, slug);
      const { record } = await promote(opts, testDeps('bad-state'));
      assert.equal(record.error?.code, 'tenant-state', JSON.stringify(record.error));
      assert.match(
        record.error!.message,
        new RegExp(`"${names.database}" already exists and was not created by this tool`),
      );
      assert.deepEqual(await query(urlFor(names.database), 'SELECT v FROM precious'), [{ v: 'keep me' }]);
      assert.deepEqual((await artifacts(f.suffix)).roles, expectedArtifacts(f).roles);
      assert.deepEqual(await sharedState(f, slug, before.id), before);
      await rm(opts.configDir, { recursive: true, force: true });
    } finally {
      await query(DATABASE_URL, `DROP DATABASE IF EXISTS ${qi(names.database)} WITH (FORCE)`);
    }
  });

  it('a role under the tenant\u2019s role name that we did not create: refused, untouched', async () => {
    const slug = f.tenants.small;
    const names = deriveNames(slug);
    const before = await sharedState(f, slug);
    await query(DATABASE_URL, `CREATE ROLE ${qi(names.appRole)} NOLOGIN`);
    try {
      const opts = await engineOptions(f, slug);
      const { record } = await promote(opts, testDeps('bad-state'));
      assert.equal(record.error?.code, 'tenant-state', JSON.stringify(record.error));
      assert.match(
        record.error!.message,
        new RegExp(`Role "${names.appRole}" already exists and was not created by this tool`),
      );
      assert.deepEqual(await artifacts(f.suffix), {
        databases: expectedArtifacts(f).databases,
        roles: [f.appRole, names.appRole].sort(),
      });
      assert.deepEqual(await sharedState(f, slug, before.id), before);
      await rm(opts.configDir, { recursive: true, force: true });
    } finally {
      await query(DATABASE_URL, `DROP ROLE IF EXISTS ${qi(names.appRole)}`);
    }
  });

  it('the tenant row is deleted mid-run (before the switch): precise error, nothing else changed', async () => {
    const slug = f.tenants.main;
    const id = await tenantId(f, slug);
    const before = await sharedState(f, slug);
    const opts = await engineOptions(f, slug);
    const { record } = await promote(
      opts,
      testDeps('bad-state', {
        fault: async (point) => {
          if (point !== 'before:switch') return;
          // Delete the tenant as an application would: its rows, children first, then the row.
          await withClient(f.url, async (c) => {
            await c.query('BEGIN');
            for (const [table, where] of [...TENANT_TABLES].reverse()) {
              await c.query(`DELETE FROM ${table} t WHERE ${where}`, [id]);
            }
            await c.query('DELETE FROM tenants WHERE id = $1', [id]);
            await c.query('COMMIT');
          });
        },
      }),
    );
    assert.equal(record.result, 'failed');
    assert.equal(record.committed, false);
    assert.equal(record.error?.step, 'switch');
    assert.ok(
      ['tenant-not-found', 'tenant-state'].includes(record.error!.code),
      JSON.stringify(record.error),
    );
    assert.match(record.error!.message, new RegExp(slug), 'names the tenant');
    assert.deepEqual(await query(f.url, 'SELECT 1 FROM tenants WHERE id = $1', [id]), [], 'not re-created');
    const now = await sharedState(f, slug, id);
    assert.deepEqual(now.others, before.others, "other tenants' rows unchanged");
    for (const [table, rows] of Object.entries(now.mine))
      assert.deepEqual(rows, [], `${table}: only the test's own delete`);
    assert.deepEqual(
      await artifacts(f.suffix),
      expectedArtifacts(f),
      'the new database and roles were undone',
    );
    await rm(opts.configDir, { recursive: true, force: true });
  });

  it('a shared table the connecting role cannot read: precise error naming it, nothing changed', async () => {
    const slug = f.tenants.other;
    const before = await sharedState(f, slug);
    const role = `limited_${f.suffix}`;
    await withClient(f.url, async (c) => {
      // Everything a promotion needs (BYPASSRLS for the fixture's policies) but one table's SELECT.
      await c.query(`CREATE ROLE ${qi(role)} LOGIN CREATEDB CREATEROLE BYPASSRLS`);
      await c.query(`GRANT USAGE ON SCHEMA public, analytics TO ${qi(role)}`);
      await c.query(`GRANT SELECT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public, analytics TO ${qi(role)}`);
      await c.query(`REVOKE SELECT ON analytics.daily_usage FROM ${qi(role)}`);
    });
    const url = new URL(f.url);
    url.username = role;
    const opts = await engineOptions(f, slug, { databaseUrl: url.toString() });
    const { record } = await promote(opts, testDeps('bad-state'));
    console.log(
      `unreadable table: ${record.error!.code} at ${record.error!.step}: ${record.error!.message} / ${record.error!.hint}`,
    );
    assert.equal(record.result, 'failed');
    assert.equal(record.committed, false);
    assert.equal(record.error?.code, 'permission-denied', JSON.stringify(record.error));
    // Found before anything is created, by prevalidation, with everything else it lacks (nothing).
    assert.equal(record.error?.step, 'prevalidate');
    assert.match(record.error!.message, /SELECT on analytics\.daily_usage/, JSON.stringify(record.error));
    assert.doesNotMatch(record.error!.message, /public\.users/, 'only the unreadable table is named');
    assert.match(record.error?.hint ?? '', /GRANT SELECT ON "analytics"\."daily_usage"/);
    assert.deepEqual(await sharedState(f, slug, before.id), before, 'shared database unchanged');
    assert.deepEqual(await artifacts(f.suffix), { databases: [f.dbName], roles: [f.appRole, role].sort() });
    await rm(opts.configDir, { recursive: true, force: true });
  });
});
