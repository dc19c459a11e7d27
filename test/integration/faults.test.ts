import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import { MID_COPY, runCrashCase, STEP_POINTS, waitForCopy } from '../support/crash-suite';
import { databaseLevel } from '../support/placements';
import { runEngine, startEngine } from '../support/child-run';
import {
  artifacts,
  assertPromoted,
  assertUntouched,
  expectedArtifacts,
  sharedState,
  tenantRow,
} from '../support/fault-checks';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { DATABASE_URL, query, urlFor, withClient } from '../support/pg';
import { engineOptions, testDeps } from '../support/engine';

/**
 * Property 1 of issue 8: kill the run anywhere (SIGKILL of a child process, not an exception),
 * re-run, and the tenant ends fully promoted with nothing else changed or left behind; faults
 * before the commit point leave the tenant shared with nothing behind.
 */

const tally = { tried: 0, killed: 0, notReached: [] as string[] };

// The body is crash-suite.ts's, shared with the schema-level placements (schema-level-faults.test.ts).
describe('SIGKILL at every step boundary, then a plain re-run', { concurrency: 4 }, () => {
  after(() => {
    console.log(
      `crash points: ${tally.tried} tried, ${tally.killed} killed the run, not reached (step skipped): ${tally.notReached.join(', ') || 'none'}`,
    );
  });
  for (const point of STEP_POINTS) {
    it(point, async () => {
      tally.tried++;
      const outcome = await runCrashCase(databaseLevel, `kill@${point}`, { rows: 12 });
      if (outcome === 'killed') tally.killed++;
      else tally.notReached.push(point);
    });
  }
});

describe('faults in the middle of the copy and around CREATE DATABASE', () => {
  let f: SharedFixture;
  before(async () => {
    f = await createSharedFixture({ rows: 2_000 });
  });
  after(async () => {
    await f.cleanup();
  });

  it('SIGKILL while rows are being copied, then a plain re-run promotes', async () => {
    await runCrashCase(databaseLevel, `kill@${MID_COPY}`, { rows: 2_000 });
  });

  it('the server terminates the copy sessions mid-copy: the run fails cleanly, a re-run promotes', async () => {
    const slug = f.tenants.other;
    const opts = await engineOptions(f, slug);
    const before = await sharedState(f, slug);
    const run = startEngine('promote', opts);
    await run.waitForLine(/^step copy running$/);
    let exited = false;
    void run.done.then(() => (exited = true));
    const caught = await waitForCopy(databaseLevel.sessionDatabases(f, slug), () => exited);
    assert.ok(caught, 'caught the copy in flight');
    const killed = await query<{ ok: boolean }>(
      DATABASE_URL,
      'SELECT pg_terminate_backend(p) AS ok FROM unnest($1::int[]) p',
      [caught.pids],
    );
    assert.ok(
      killed.some((k) => k.ok),
      'terminated at least one copy session',
    );
    const first = await run.done;
    assert.equal(first.code, 0, first.lines.slice(-10).join('\n'));
    assert.equal(first.record?.result, 'failed', 'the copy failure is reported');
    assert.equal(first.record?.error?.step, 'copy');
    console.log(
      `terminated copy reported as: ${first.record!.error!.code}: ${first.record!.error!.message} / ${first.record!.error!.hint}`,
    );
    assert.match(
      first.record!.error!.message,
      /Copying "?\w+"?\."?\w+"? failed/,
      'names the table whose copy broke',
    );
    assert.equal(first.record?.committed, false);
    assert.deepEqual(
      first.record!.steps.filter((s) => s.status === 'undo-failed').map((s) => `${s.name}: ${s.error}`),
      [],
      'every undo succeeded',
    );
    await assertUntouched(f, slug, before, 'after terminated copy');

    const second = await runEngine('promote', opts);
    assert.equal(second.record?.result, 'promoted', JSON.stringify(second.record?.error));
    await assertPromoted(f, slug, before, 'after terminate + re-run', { configDir: opts.configDir });
    await rm(opts.configDir, { recursive: true, force: true });
  });
});

describe('CREATE DATABASE failures and the freeze window', () => {
  let f: SharedFixture;
  before(async () => {
    f = await createSharedFixture({ rows: 12 });
  });
  after(async () => {
    await f.cleanup();
  });

  it('the target name is taken by a database we did not create: precise refusal, nothing changed', async () => {
    const slug = f.tenants.small;
    const names = deriveNames(slug);
    const before = await sharedState(f, slug);
    await withClient(DATABASE_URL, (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(names.database)}`));
    await withClient(urlFor(names.database), (c) =>
      c.query(`CREATE TABLE precious (v text); INSERT INTO precious VALUES ('keep me')`),
    );
    try {
      const opts = await engineOptions(f, slug);
      const { record } = await promote(opts, testDeps('fault-test'));
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.code, 'tenant-state');
      assert.match(
        record.error!.message,
        new RegExp(`Database "${names.database}" already exists and was not created by this tool`),
      );
      assert.ok(record.error?.hint);
      assert.deepEqual(await query(urlFor(names.database), 'SELECT v FROM precious'), [{ v: 'keep me' }]);
      const left = await artifacts(f.suffix);
      assert.deepEqual(left.roles, expectedArtifacts(f).roles, 'no role created');
      assert.equal((await tenantRow(f, slug))?.isolation_mode, 'shared');
      const now = await sharedState(f, slug, before.id);
      assert.deepEqual(now, before);
      await rm(opts.configDir, { recursive: true, force: true });
    } finally {
      await withClient(DATABASE_URL, (c) =>
        c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(names.database)} WITH (FORCE)`),
      );
    }
  });

  for (const point of ['before:create-database', 'after:create-database', 'after:copy', 'before:switch']) {
    it(`an error at ${point} (transient failure) undoes everything; a re-run promotes`, async () => {
      const slug = f.tenants.main;
      const opts = await engineOptions(f, slug);
      const before = await sharedState(f, slug);
      const first = await runEngine('promote', opts, `fail@${point}`);
      assert.equal(first.record?.result, 'failed');
      assert.equal(first.record?.error?.step, point.split(':')[1]);
      assert.match(first.record!.error!.message, /Injected fault/);
      assert.equal(first.record?.committed, false);
      assert.ok(first.record!.undone.includes('create-database') || point === 'before:create-database');
      assert.ok(first.record!.undone.includes('roles'));
      await assertUntouched(f, slug, before, point);
      // Only the last case goes on to promote (the fixture's main tenant is then isolated).
      if (point !== 'before:switch') return;
      const second = await runEngine('promote', opts);
      assert.equal(second.record?.result, 'promoted', JSON.stringify(second.record?.error));
      await assertPromoted(f, slug, before, `${point} re-run`, { configDir: opts.configDir });
      await rm(opts.configDir, { recursive: true, force: true });
    });
  }

  it('killed between CREATE DATABASE and its marker comment: the re-run still recognises and replaces it', async () => {
    const slug = f.tenants.small;
    const names = deriveNames(slug);
    const opts = await engineOptions(f, slug);
    const before = await sharedState(f, slug);
    const first = await runEngine('promote', opts, 'kill@after:roles');
    assert.equal(first.signal, 'SIGKILL');
    // What a kill right after CREATE DATABASE (before COMMENT ON DATABASE) leaves behind.
    await query(
      DATABASE_URL,
      `CREATE DATABASE ${pg.escapeIdentifier(names.database)} OWNER ${pg.escapeIdentifier(names.ownerRole)}`,
    );
    const second = await runEngine('promote', opts);
    assert.equal(second.record?.result, 'promoted', JSON.stringify(second.record?.error));
    await assertPromoted(f, slug, before, 'unmarked database of ours', {
      configDir: opts.configDir,
      alsoPromoted: [f.tenants.main],
    });
    await rm(opts.configDir, { recursive: true, force: true });
  });

  it('max-freeze too small: freeze-timeout, the tenant stays shared, nothing is left', async () => {
    const slug = f.tenants.other;
    const opts = await engineOptions(f, slug, { maxFreezeMs: 1 });
    const before = await sharedState(f, slug);
    const { record } = await promote(opts, testDeps('fault-test'));
    assert.equal(record.result, 'failed');
    assert.equal(record.error?.code, 'freeze-timeout', JSON.stringify(record.error));
    assert.equal(record.error?.step, 'switch');
    assert.match(record.error!.message, /max-freeze \(1 ms/);
    assert.equal(record.committed, false);
    await assertUntouched(f, slug, before, 'freeze-timeout', {
      alsoPromoted: [f.tenants.main, f.tenants.small],
    });
    await rm(opts.configDir, { recursive: true, force: true });
  });

  it('a long transaction holding the tenant row: the claim gives up within max-freeze, nothing changed', async () => {
    const slug = f.tenants.other;
    const before = await sharedState(f, slug);
    const opts = await engineOptions(f, slug, { maxFreezeMs: 300 });
    const holder = new pg.Client({ connectionString: f.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM tenants WHERE slug = $1 FOR SHARE', [slug]);
      const { record } = await promote(opts, testDeps('fault-test'));
      // The claim (prevalidation) writes the tenant row: it waits at most max-freeze for the
      // holder, so the tenant's writers are never queued longer, and fails before anything is built.
      assert.equal(record.error?.code, 'lock-held', JSON.stringify(record.error));
      assert.equal(record.error?.step, 'prevalidate');
      assert.match(record.error!.message, /max-freeze/);
      assert.equal(record.committed, false);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
    await assertUntouched(f, slug, before, 'lock timeout', {
      alsoPromoted: [f.tenants.main, f.tenants.small],
    });
    await rm(opts.configDir, { recursive: true, force: true });
  });
});
