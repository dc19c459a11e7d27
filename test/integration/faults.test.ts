import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { deriveNames } from '../../src/names';
import { promote, promotionSteps } from '../../src/pipeline/promote';
import { runEngine, startEngine } from '../support/child-run';
import {
  artifacts,
  assertPromoted,
  assertUntouched,
  expectedArtifacts,
  sessionsGone,
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

const POINTS = promotionSteps().flatMap((s) => [`before:${s.name}`, `after:${s.name}`]);
const tally = { tried: 0, killed: 0, notReached: [] as string[] };

describe('SIGKILL at every step boundary, then a plain re-run', { concurrency: 4 }, () => {
  after(() => {
    console.log(
      `crash points: ${tally.tried} tried, ${tally.killed} killed the run, not reached (step skipped): ${tally.notReached.join(', ') || 'none'}`,
    );
  });
  for (const point of POINTS) {
    it(point, async () => {
      const f = await createSharedFixture({ rows: 12 });
      const slug = f.tenants.main;
      const opts = await engineOptions(f, slug);
      try {
        const before = await sharedState(f, slug);
        tally.tried++;
        const first = await runEngine('promote', opts, `kill@${point}`);
        if (first.signal === 'SIGKILL') {
          tally.killed++;
          assert.equal(first.record, undefined, 'a killed run printed no record');
        } else {
          // Only a step that the run skips never reaches its failpoint (deploy, with skip-cloud-run).
          const step = point.split(':')[1];
          assert.equal(
            first.record?.steps.find((s) => s.name === step)?.status,
            'skipped',
            `${point}: ${first.lines.join('\n')}`,
          );
          tally.notReached.push(point);
        }
        // The dead run's sessions (and so its advisory lock) are gone without anyone cleaning up.
        assert.equal(
          await sessionsGone([f.dbName, deriveNames(slug).database]),
          0,
          'sessions of the killed run',
        );

        const second = await runEngine('promote', opts);
        assert.ok(second.record, `re-run printed its record: ${second.lines.slice(-5).join('\n')}`);
        assert.ok(
          ['promoted', 'already-isolated'].includes(second.record.result),
          `${point}: re-run ${second.record.result}: ${JSON.stringify(second.record.error)}`,
        );
        await assertPromoted(f, slug, before, point, { configDir: opts.configDir });
        if (point.endsWith(':switch') || point === 'after:finish') {
          const third = await runEngine('promote', opts);
          assert.equal(third.record?.result, 'already-isolated', `${point}: a third run changes nothing`);
        }
      } finally {
        await f.cleanup();
        await rm(opts.configDir, { recursive: true, force: true });
      }
    });
  }
});

/** Our COPY sessions currently running, on the shared and the tenant database. */
async function copySessions(databases: string[]): Promise<number[]> {
  const rows = await query<{ pid: number }>(
    DATABASE_URL,
    `SELECT pid FROM pg_stat_activity
      WHERE datname = ANY($1) AND application_name = 'tenant-promotion' AND state = 'active'
        AND query ILIKE 'COPY%'`,
    [databases],
  );
  return rows.map((r) => r.pid);
}

/** Polls until a COPY of ours is running (the copy step has started moving rows), bounded. */
async function waitForCopy(databases: string[], done: () => boolean, timeoutMs = 30_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !done()) {
    const pids = await copySessions(databases);
    if (pids.length) return pids;
    await new Promise((r) => setTimeout(r, 10));
  }
  return [];
}

describe('faults in the middle of the copy and around CREATE DATABASE', () => {
  let f: SharedFixture;
  before(async () => {
    f = await createSharedFixture({ rows: 2_000 });
  });
  after(async () => {
    await f.cleanup();
  });

  it('SIGKILL while rows are being copied, then a plain re-run promotes', async () => {
    const slug = f.tenants.main;
    const names = deriveNames(slug);
    const opts = await engineOptions(f, slug);
    const before = await sharedState(f, slug);
    const run = startEngine('promote', opts);
    await run.waitForLine(/^step copy running$/);
    let exited = false;
    void run.done.then(() => (exited = true));
    const pids = await waitForCopy([f.dbName, names.database], () => exited);
    assert.ok(pids.length > 0, 'caught the copy in flight');
    run.child.kill('SIGKILL');
    const first = await run.done;
    assert.equal(first.signal, 'SIGKILL');
    assert.ok(!first.lines.includes('step copy done'), 'killed before the copy finished');
    // The half-filled database is left (with our marker) for the re-run to replace.
    assert.ok((await artifacts(f.suffix)).databases.includes(names.database));
    assert.equal(await sessionsGone([f.dbName, names.database]), 0);

    const second = await runEngine('promote', opts);
    assert.equal(second.record?.result, 'promoted', JSON.stringify(second.record?.error));
    await assertPromoted(f, slug, before, 'mid-copy kill', { configDir: opts.configDir });
    await rm(opts.configDir, { recursive: true, force: true });
  });

  it('the server terminates the copy sessions mid-copy: the run fails cleanly, a re-run promotes', async () => {
    const slug = f.tenants.other;
    const names = deriveNames(slug);
    const opts = await engineOptions(f, slug);
    const before = await sharedState(f, slug);
    const run = startEngine('promote', opts);
    await run.waitForLine(/^step copy running$/);
    let exited = false;
    void run.done.then(() => (exited = true));
    const pids = await waitForCopy([f.dbName, names.database], () => exited);
    assert.ok(pids.length > 0, 'caught the copy in flight');
    const killed = await query<{ ok: boolean }>(
      DATABASE_URL,
      'SELECT pg_terminate_backend(p) AS ok FROM unnest($1::int[]) p',
      [pids],
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
    await assertUntouched(f, slug, before, 'after terminated copy', { alsoPromoted: [f.tenants.main] });

    const second = await runEngine('promote', opts);
    assert.equal(second.record?.result, 'promoted', JSON.stringify(second.record?.error));
    await assertPromoted(f, slug, before, 'after terminate + re-run', {
      configDir: opts.configDir,
      alsoPromoted: [f.tenants.main],
    });
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
