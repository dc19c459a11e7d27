import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { deriveNames } from '../../src/names';
import { dropDatabase } from '../../src/postgres/database';
import { endSessions } from '../../src/postgres/sessions';
import { promote } from '../../src/pipeline/promote';
import { rollback } from '../../src/pipeline/rollback';
import { engineOptions, testDeps } from '../support/engine';
import { TENANT_TABLES, sharedState, tenantRow } from '../support/fault-checks';
import { fingerprint } from '../support/fingerprint';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { withClient } from '../support/pg';
import { startTargetServer, type TargetServer } from '../support/target-server';

const qi = pg.escapeIdentifier;

/**
 * Autovacuum works in every database that has had writes, and only a superuser may end one of
 * its workers: managed PostgreSQL's administrator (LOGIN CREATEDB CREATEROLE) is refused
 * pg_terminate_backend on it and DROP DATABASE … WITH (FORCE) while it runs. Before, the undo
 * of a promotion and the fence of a rollback counted the worker as a session they could not end
 * and stopped, leaving the tenant's database and roles behind (CI saw it once, after a copy).
 *
 * The target server here is a second PostgreSQL 15 with autovacuum_naptime = 1 s, administered by
 * a non-superuser; a table whose vacuum is throttled to a crawl keeps a worker in the database
 * for as long as a test needs one.
 */
describe(
  'an autovacuum worker in the tenant database, as a non-superuser administrator',
  { concurrency: 1 },
  () => {
    let t: TargetServer | undefined;
    let skip: string | undefined;
    before(async () => {
      const started = await startTargetServer(15);
      if ('skip' in started) return void (skip = started.skip);
      t = started.target;
      await withClient(t.url, async (c) => {
        await c.query('ALTER SYSTEM SET autovacuum_naptime = 1');
        await c.query('SELECT pg_reload_conf()');
      });
    });
    after(async () => {
      await t?.stop();
    });

    /**
     * A table in `database` whose vacuum crawls (cost limit 1, 100 ms delay) over 2,000 dead rows,
     * then the pid of the autovacuum worker once it works there (polled, 60 s at most).
     */
    async function busyAutovacuum(database: string): Promise<number> {
      await withClient(t!.urlFor(database), (c) =>
        c.query(
          `CREATE SCHEMA tp_autovacuum;
         CREATE TABLE tp_autovacuum.busy (v int) WITH (autovacuum_vacuum_cost_delay = 100,
           autovacuum_vacuum_cost_limit = 1, autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0);
         INSERT INTO tp_autovacuum.busy SELECT generate_series(1, 200000);
         DELETE FROM tp_autovacuum.busy;
         GRANT USAGE ON SCHEMA tp_autovacuum TO PUBLIC;
         GRANT ALL ON tp_autovacuum.busy TO PUBLIC;`,
        ),
      );
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const { rows } = await withClient(t!.url, (c) =>
          c.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'autovacuum worker'`,
            [database],
          ),
        );
        if (rows[0]) return rows[0].pid;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no autovacuum worker came to ${database} within 60 s`);
    }

    it('endSessions leaves the worker to the server, and dropDatabase drops the database around it', async (ctx) => {
      if (skip) return ctx.skip(skip);
      const name = `tp_autovacuum_${process.pid}`;
      await withClient(t!.adminUrl, (c) => c.query(`CREATE DATABASE ${qi(name)}`));
      try {
        await busyAutovacuum(name);
        await withClient(t!.adminUrl, async (c) => {
          assert.deepEqual(
            (await endSessions(c, name, [])).remaining,
            [],
            'the worker is no session to refuse on',
          );
          // The premise: the forced form is refused to this role while the worker runs.
          await assert.rejects(c.query(`DROP DATABASE ${qi(name)} WITH (FORCE)`), { code: '42501' });
          await dropDatabase(c, name);
        });
        assert.deepEqual((await t!.artifacts(name)).databases, [], 'dropped');
      } finally {
        await withClient(t!.url, (c) => c.query(`DROP DATABASE IF EXISTS ${qi(name)} WITH (FORCE)`));
      }
    });

    it("a promotion that fails after the copy undoes everything while autovacuum works in the tenant's database", async (ctx) => {
      if (skip) return ctx.skip(skip);
      const f: SharedFixture = await createSharedFixture({ rows: 12 });
      const slug = f.tenants.main;
      const names = deriveNames(slug);
      try {
        const before = await sharedState(f, slug);
        const opts = await engineOptions(f, slug, { targetDatabaseUrl: t!.adminUrl });
        const fault = async (point: string) => {
          if (point !== 'after:copy') return;
          await busyAutovacuum(names.database);
          throw new Error('injected after the copy, with autovacuum in the tenant database');
        };
        const { record } = await promote(opts, testDeps('tester', { fault }));
        assert.equal(record.result, 'failed');
        assert.match(record.error!.message, /injected after the copy/);
        assert.deepEqual(
          record.steps.filter((s) => s.status === 'undo-failed').map((s) => `${s.name}: ${s.error}`),
          [],
          'every undo succeeded',
        );
        assert.deepEqual(
          await t!.artifacts(f.suffix),
          { databases: [], roles: [] },
          'nothing left on the target',
        );
        assert.equal((await tenantRow(f, slug))?.isolation_mode, 'shared');
        assert.deepEqual(await sharedState(f, slug, before.id), before);
        await rm(opts.configDir, { recursive: true, force: true });
      } finally {
        await t!.dropArtifacts(f.suffix);
        await f.cleanup();
      }
    });

    it('rollback fences and drops the isolated database while autovacuum works in it', async (ctx) => {
      if (skip) return ctx.skip(skip);
      const f: SharedFixture = await createSharedFixture({ rows: 12 });
      const slug = f.tenants.main;
      try {
        const start = await fingerprint(f.url);
        const before = await sharedState(f, slug);
        const opts = await engineOptions(f, slug, { targetDatabaseUrl: t!.adminUrl });
        const { record } = await promote(opts, testDeps('tester'));
        assert.equal(record.result, 'promoted', JSON.stringify(record.error));
        // The same table in the shared database, as a migration applied to both would leave it
        // (the rollback refuses a table that exists only in the tenant's database).
        const busyTable = `CREATE SCHEMA tp_autovacuum; CREATE TABLE tp_autovacuum.busy (v int);
        GRANT USAGE ON SCHEMA tp_autovacuum TO PUBLIC; GRANT ALL ON tp_autovacuum.busy TO PUBLIC`;
        await withClient(f.url, (c) => c.query(busyTable));
        await busyAutovacuum(deriveNames(slug).database);

        const back = await rollback(opts, testDeps('tester'));
        await withClient(f.url, (c) => c.query('DROP SCHEMA tp_autovacuum CASCADE'));
        assert.equal(back.record.result, 'rolled-back', JSON.stringify(back.record.error));
        for (const [table] of TENANT_TABLES)
          assert.deepEqual((await sharedState(f, slug, before.id)).mine[table], before.mine[table], table);
        assert.deepEqual(await fingerprint(f.url), start, 'the shared database is as it started');
        assert.deepEqual(await t!.artifacts(f.suffix), { databases: [], roles: [] }, 'the target is clean');
        await rm(opts.configDir, { recursive: true, force: true });
      } finally {
        await t!.dropArtifacts(f.suffix);
        await f.cleanup();
      }
    });
  },
);
