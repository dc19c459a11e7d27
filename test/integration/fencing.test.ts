import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { PromotionError } from '../../src/errors';
import { deriveNames } from '../../src/names';
import type { RunOutcome } from '../../src/pipeline/api';
import { doomedName } from '../../src/pipeline/ownership';
import { promote } from '../../src/pipeline/promote';
import type { RunRecord } from '../../src/pipeline/record';
import { lockHolderName } from '../../src/postgres/lock';
import { engineOptions, testDeps } from '../support/engine';
import {
  assertPromoted,
  assertUntouched,
  sessionsGone,
  sharedState,
  TENANT_TABLES,
  tenantRow,
  type SharedState,
} from '../support/fault-checks';
import { tableRows } from '../support/fingerprint';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { createNonSuperuser, type NonSuperuser } from '../support/nonsuper';
import { DATABASE_URL, query, urlFor } from '../support/pg';
import { startCommitCutProxy, type CommitCut } from '../support/tcp-proxy';

/**
 * Issue 11, items 2 and 3: only the run that owns the tenant writes (fencing), and an ambiguous
 * COMMIT of the switch is decided from what committed — each as the `postgres` superuser and as a
 * non-superuser admin role (LOGIN CREATEDB CREATEROLE, ordinary grants on the shared database;
 * BYPASSRLS because the fixture has tables under row-level security, see support/nonsuper.ts).
 *
 * A run "loses its lock" the way it happens in production: the server ends its advisory-lock
 * session (pg_terminate_backend — a failover, a network cut or a pooler restart do the same),
 * while the run itself goes on. Runs are paused at a step boundary by an in-process failpoint
 * hook that awaits a promise the test resolves: no sleeps.
 */

const ROWS = 40;

type Subject = 'superuser' | 'non-superuser';

interface Env {
  f: SharedFixture;
  /** The URL the engine is given: the shared database as the subject role. */
  url: string;
  slug: string;
  ns?: NonSuperuser;
  /** Run tokens seen, so that databases renamed for dropping can be checked and cleaned. */
  tokens: Set<string>;
  /** Closed at teardown (proxies). */
  closers: (() => Promise<void>)[];
}

async function setup(subject: Subject): Promise<Env> {
  const f = await createSharedFixture({ rows: ROWS });
  try {
    const ns = subject === 'non-superuser' ? await createNonSuperuser(f.url, { bypassRls: true }) : undefined;
    return { f, url: ns?.url ?? f.url, slug: f.tenants.main, ns, tokens: new Set(), closers: [] };
  } catch (e) {
    await f.cleanup();
    throw e;
  }
}

async function teardown(env: Env | undefined): Promise<void> {
  if (!env) return;
  try {
    for (const close of env.closers) await close();
    for (const token of env.tokens) {
      await query(DATABASE_URL, `DROP DATABASE IF EXISTS "${doomedName(token)}" WITH (FORCE)`);
    }
    await env.f.cleanup();
  } finally {
    await env.ns?.drop();
  }
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * A failpoint hook that stops the run at `point` until the test lets it go on (`go`) or makes the
 * step fail there (`fail`, an injected transient error: the run then undoes what it built).
 */
function pauseAt(point: string) {
  const reached = deferred<void>();
  const released = deferred<'go' | 'fail'>();
  return {
    reached: reached.promise,
    go: () => released.resolve('go'),
    fail: () => released.resolve('fail'),
    async fault(p: string) {
      if (p !== point) return;
      reached.resolve();
      if ((await released.promise) === 'fail') {
        throw new PromotionError('internal', `Injected fault at ${p}`, 'Test failpoint.');
      }
    },
  };
}
type Pause = ReturnType<typeof pauseAt>;

function run(env: Env, runId: string, options: Record<string, unknown>, pause?: Pause): Promise<RunOutcome> {
  return promote(
    options as never,
    testDeps('fencing', { trigger: { source: 'test', actor: 'fencing', runId }, fault: pause?.fault }),
  ).then((o) => {
    if (o.record.runToken) env.tokens.add(o.record.runToken);
    return o;
  });
}

async function options(env: Env, extra: Record<string, unknown> = {}) {
  return engineOptions(env.f, env.slug, { databaseUrl: env.url, ...extra });
}

/** Waits for the run to reach its pause; fails (instead of hanging) if it ends first. */
async function untilPaused(running: Promise<RunOutcome>, pause: Pause, point: string): Promise<void> {
  const first = await Promise.race([pause.reached.then(() => undefined), running]);
  if (first)
    assert.fail(
      `the run ended before ${point}: ${first.record.result} ${JSON.stringify(first.record.error)}`,
    );
}

/**
 * Polls `check` (bounded) until it holds: for the server's state, never as a sleep. On timeout
 * it fails, or with `orGiveUp` returns false.
 */
async function until(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
  orGiveUp = false,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      if (orGiveUp) return false;
      assert.fail(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/**
 * The server ends run `runId`'s advisory-lock session (as the subject role: a non-superuser may
 * end its own role's sessions), and it is gone — with it the lock — while the run goes on.
 */
async function endLockSession(env: Env, runId: string): Promise<void> {
  const name = lockHolderName(env.slug, `run ${runId}`);
  const killed = await query<{ pid: number; ok: boolean }>(
    env.url,
    `SELECT pid, pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1`,
    [name],
  );
  assert.equal(killed.length, 1, `one lock session named ${name}`);
  assert.equal(killed[0]!.ok, true, 'the lock session was terminated');
  const pid = killed[0]!.pid;
  await until(
    async () =>
      (await query(DATABASE_URL, 'SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).length === 0,
    'the lock session to leave pg_stat_activity',
  );
}

/** The run token claimed in the tenants row now. */
async function claimNow(env: Env): Promise<string | undefined> {
  const row = await tenantRow(env.f, env.slug);
  return (row?.settings.isolation?.run as { id?: string } | undefined)?.id;
}

/** The run token in the tenant database's marker (the tool's own schema). */
async function markerOf(database: string): Promise<string | undefined> {
  const rows = await query<{ id: string }>(
    urlFor(database),
    `SELECT run->>'id' AS id FROM _tenant_isolation.run_owner`,
  );
  return rows[0]?.id;
}

async function databaseExists(name: string): Promise<boolean> {
  return (await query(DATABASE_URL, 'SELECT 1 FROM pg_database WHERE datname = $1', [name])).length > 0;
}

/** No database renamed for dropping by these runs is left behind. */
async function assertNoDoomedLeft(env: Env): Promise<void> {
  const doomed = [...env.tokens].map(doomedName);
  const left = await query<{ datname: string }>(
    DATABASE_URL,
    'SELECT datname FROM pg_database WHERE datname = ANY($1)',
    [doomed],
  );
  assert.deepEqual(left, [], 'no database renamed for dropping is left');
}

async function historyEvents(env: Env): Promise<string[]> {
  const row = await tenantRow(env.f, env.slug);
  return ((row?.settings.isolation?.history ?? []) as { event: string }[]).map((h) => h.event);
}

/** Per table, the tenant's rows in its database equal `before` (the shared rows before any run). */
async function assertTenantDatabaseHolds(env: Env, before: SharedState, label: string): Promise<void> {
  const target = urlFor(deriveNames(env.slug).database);
  for (const [table] of TENANT_TABLES) {
    const rows = await tableRows(target, table);
    assert.equal(rows.length, before.mine[table]!.length, `${label}: ${table} count in the tenant database`);
    assert.deepEqual(rows, before.mine[table], `${label}: ${table} rows in the tenant database`);
  }
}

/** The fenced run: failed with ownership-lost naming the owner, and it undid nothing. */
function assertFenced(record: RunRecord, self: string, owner: string, step: string): void {
  assert.equal(record.result, 'failed');
  assert.equal(record.error?.code, 'ownership-lost', JSON.stringify(record.error));
  assert.equal(record.error?.step, step);
  assert.ok(record.error!.message.includes(owner), `names the owning run ${owner}: ${record.error!.message}`);
  assert.ok(record.error!.message.includes(self), `names itself: ${record.error!.message}`);
  assert.deepEqual(record.undone, [], 'undid nothing');
  assert.deepEqual(
    record.steps.filter((s) => s.status === 'undone' || s.status === 'undo-failed').map((s) => s.name),
    [],
    'no undo attempted',
  );
}

function stepDetail(record: RunRecord, name: string): string {
  return record.steps.find((s) => s.name === name)?.detail ?? '';
}

for (const subject of ['superuser', 'non-superuser'] as const) {
  describe(`fencing: a run that lost its lock changes nothing (${subject})`, () => {
    let env: Env | undefined;
    after(() => teardown(env));
    const fresh = async () => {
      await teardown(env);
      env = undefined;
      env = await setup(subject);
      return env;
    };

    it('the reproduction: lock lost at before:switch, another run promotes and cleans up; the first stops with ownership-lost and nothing is lost', async () => {
      const e = await fresh();
      const names = deriveNames(e.slug);
      const before = await sharedState(e.f, e.slug);
      const p1 = pauseAt('before:switch');
      const running1 = run(e, 'one', await options(e), p1);
      await untilPaused(running1, p1, 'before:switch');
      const token1 = await claimNow(e);
      assert.ok(token1, 'run 1 claimed the tenant');
      e.tokens.add(token1);
      assert.equal(await markerOf(names.database), token1, "run 1's database carries its marker");
      await endLockSession(e, 'one');

      const opts2 = await options(e);
      const two = await run(e, 'two', opts2);
      assert.equal(two.record.result, 'promoted', JSON.stringify(two.record.error));
      const token2 = two.record.runToken!;
      assert.match(stepDetail(two.record, 'prevalidate'), new RegExp(`claimed from promote run ${token1}`));

      p1.go();
      const one = await running1;
      // End state first: before the fix, run 1's catch-up emptied run 2's database here.
      await assertTenantDatabaseHolds(e, before, 'after run 1 went on');
      await assertPromoted(e.f, e.slug, before, 'run 2 promoted, run 1 fenced', {
        configDir: opts2.configDir,
      });
      assert.equal(await markerOf(names.database), token2, "the tenant database is run 2's");
      assert.equal(await claimNow(e), token2, 'run 2 still owns the tenant');
      assert.deepEqual(await historyEvents(e), ['promoted', 'completed'], "only run 2's history");
      await assertNoDoomedLeft(e);

      assert.equal(one.record.runToken, token1);
      assertFenced(one.record, token1, token2, 'switch');
      assert.equal(one.record.committed, false);
      assert.equal(one.databasePassword, undefined);
      assert.equal(await sessionsGone([e.f.dbName, names.database]), 0, 'no session of either run left');
    });

    it('lock lost at before:cleanup: the run that took over keeps the shared rows; the first deletes nothing and marks nothing', async () => {
      const e = await fresh();
      const names = deriveNames(e.slug);
      const before = await sharedState(e.f, e.slug);
      const p1 = pauseAt('before:cleanup');
      const running1 = run(e, 'one', await options(e), p1);
      await untilPaused(running1, p1, 'before:cleanup');
      const token1 = (await claimNow(e))!;
      await endLockSession(e, 'one');

      // Run 2 resumes after the switch, with keep-shared-data: the shared rows stay.
      const two = await run(e, 'two', await options(e, { keepSharedData: true }));
      assert.equal(two.record.result, 'promoted', JSON.stringify(two.record.error));
      assert.match(stepDetail(two.record, 'prevalidate'), /resuming/);
      const token2 = two.record.runToken!;

      p1.go();
      const one = await running1;
      const row = await tenantRow(e.f, e.slug);
      assert.equal(row?.isolation_mode, 'isolated');
      assert.equal(row?.settings.isolation?.state, 'complete');
      assert.equal(row?.settings.isolation?.shared_rows_removed, false, 'run 1 marked nothing');
      assert.deepEqual(
        (await sharedState(e.f, e.slug, before.id)).mine,
        before.mine,
        "run 1 deleted none of the tenant's shared rows",
      );
      await assertTenantDatabaseHolds(e, before, 'tenant database');
      assert.deepEqual(await historyEvents(e), ['promoted', 'resumed'], 'no entry of run 1 after the loss');
      assert.equal(await claimNow(e), token2);
      assert.equal(await markerOf(names.database), token1, "the database is run 1's build, kept by run 2");

      assertFenced(one.record, token1, token2, 'cleanup');
      assert.equal(one.record.committed, true);
      assert.equal(
        one.record.tables.every((t) => t.deletedRows === undefined),
        true,
        'no deleted rows recorded',
      );
    });

    it('lock lost at before:finish: the run that took over finishes; the first does not mark the promotion', async () => {
      const e = await fresh();
      const before = await sharedState(e.f, e.slug);
      const p1 = pauseAt('before:finish');
      const running1 = run(e, 'one', await options(e), p1);
      await untilPaused(running1, p1, 'before:finish');
      const token1 = (await claimNow(e))!;
      await endLockSession(e, 'one');

      const opts2 = await options(e);
      const two = await run(e, 'two', opts2);
      assert.equal(two.record.result, 'promoted', JSON.stringify(two.record.error));
      const token2 = two.record.runToken!;

      p1.go();
      const one = await running1;
      await assertPromoted(e.f, e.slug, before, 'run 2 finished', { configDir: opts2.configDir });
      assert.deepEqual(await historyEvents(e), ['promoted', 'resumed'], 'run 1 appended nothing');
      assert.equal(await claimNow(e), token2);
      assertFenced(one.record, token1, token2, 'finish');
      assert.equal(one.record.committed, true);
    });

    it('lock lost at before:copy, another run promotes: the first copies nothing into the promoted database', async () => {
      const e = await fresh();
      const names = deriveNames(e.slug);
      const before = await sharedState(e.f, e.slug);
      const p1 = pauseAt('before:copy');
      const running1 = run(e, 'one', await options(e, { copyParallelism: 16 }), p1);
      let ended = false;
      void running1.then(() => (ended = true));
      await untilPaused(running1, p1, 'before:copy');
      const token1 = (await claimNow(e))!;
      await endLockSession(e, 'one');

      const opts2 = await options(e);
      const two = await run(e, 'two', opts2);
      assert.equal(two.record.result, 'promoted', JSON.stringify(two.record.error));
      const token2 = two.record.runToken!;

      // Run 1's COPY into a table with a key fails on the promoted rows and aborts the others (one worker per table):
      // which of them commits first is a race. Every table but the keyless audit_logs is locked
      // against writes, so that race is decided the same way each time.
      const target = urlFor(names.database);
      const audit = async () =>
        (await query<{ n: number }>(target, 'SELECT count(*)::int AS n FROM public.audit_logs'))[0]!.n;
      const auditBefore = await audit();
      const locker = new pg.Client({ connectionString: target });
      await locker.connect();
      try {
        const { rows } = await locker.query<{ t: string }>(
          `SELECT format('%I.%I', n.nspname, c.relname) AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname IN ('public', 'analytics')
                AND c.relname <> 'audit_logs'`,
        );
        await locker.query('BEGIN');
        await locker.query(`LOCK TABLE ${rows.map((r) => r.t).join(', ')} IN SHARE MODE`);
        p1.go();
        await until(
          async () => ended || (await audit()) !== auditBefore,
          'run 1 to end or write',
          15_000,
          true,
        );
      } finally {
        await locker.query('ROLLBACK').catch(() => undefined);
        await locker.end();
      }
      const one = await running1;
      await assertTenantDatabaseHolds(e, before, 'after run 1 went on');
      await assertPromoted(e.f, e.slug, before, 'run 2 promoted, run 1 fenced', {
        configDir: opts2.configDir,
      });
      assertFenced(one.record, token1, token2, 'copy');
    });

    it('lock lost, another run promotes, then the first fails before the switch: its undo drops neither the database nor the roles', async () => {
      const e = await fresh();
      const names = deriveNames(e.slug);
      const before = await sharedState(e.f, e.slug);
      const p1 = pauseAt('before:switch');
      const running1 = run(e, 'one', await options(e), p1);
      await untilPaused(running1, p1, 'before:switch');
      const token1 = (await claimNow(e))!;
      e.tokens.add(token1);
      await endLockSession(e, 'one');

      const opts2 = await options(e);
      const two = await run(e, 'two', opts2);
      assert.equal(two.record.result, 'promoted', JSON.stringify(two.record.error));
      const token2 = two.record.runToken!;

      p1.fail();
      const one = await running1;
      await assertPromoted(e.f, e.slug, before, "run 2's promotion survives run 1's undo", {
        configDir: opts2.configDir,
      });
      assert.equal(await markerOf(names.database), token2);
      await assertNoDoomedLeft(e);

      assert.equal(one.record.result, 'failed');
      assert.match(one.record.error!.message, /Injected fault/);
      assert.equal(one.record.committed, false);
      for (const step of ['create-database', 'roles']) {
        assert.ok(!one.record.undone.includes(step), `${step} not undone`);
        assert.notEqual(one.record.steps.find((s) => s.name === step)?.status, 'undone');
      }
      // The report says why: another run owns the tenant (today as the undo steps' errors).
      const said = [one.record.error?.message, ...one.record.steps.map((s) => s.error)].join('\n');
      assert.match(said, /no longer owns/, said);
      assert.ok(said.includes(token2), `names the owning run: ${said}`);
    });

    it('lock lost, another run is mid-build when the first fails and undoes: the other run goes on and promotes', async () => {
      const e = await fresh();
      const names = deriveNames(e.slug);
      const before = await sharedState(e.f, e.slug);
      const p1 = pauseAt('before:switch');
      const running1 = run(e, 'one', await options(e), p1);
      await untilPaused(running1, p1, 'before:switch');
      const token1 = (await claimNow(e))!;
      e.tokens.add(token1);
      await endLockSession(e, 'one');

      // Run 2 has replaced run 1's database and roles with its own and copied the rows.
      const p2 = pauseAt('before:validate');
      const opts2 = await options(e);
      const running2 = run(e, 'two', opts2, p2);
      await untilPaused(running2, p2, 'before:validate');
      const token2 = (await claimNow(e))!;
      assert.notEqual(token2, token1);
      e.tokens.add(token2);
      assert.equal(await markerOf(names.database), token2);

      p1.fail();
      const one = await running1;
      assert.equal(one.record.result, 'failed');
      assert.ok(!one.record.undone.includes('create-database') && !one.record.undone.includes('roles'));
      assert.ok(await databaseExists(names.database), "run 2's database survives run 1's undo");
      assert.equal(await markerOf(names.database), token2);

      p2.go();
      const two = await running2;
      assert.equal(two.record.result, 'promoted', JSON.stringify(two.record.error));
      await assertPromoted(e.f, e.slug, before, 'run 2 promoted after run 1 undid', {
        configDir: opts2.configDir,
      });
      await assertNoDoomedLeft(e);
    });
  });

  describe(`ambiguous COMMIT of the switch, decided from what committed (${subject})`, () => {
    let env: Env | undefined;
    after(() => teardown(env));
    const fresh = async () => {
      await teardown(env);
      env = undefined;
      env = await setup(subject);
      return env;
    };
    // Long enough that the freeze session's idle_in_transaction_session_timeout (max-freeze + 5 s)
    // cannot be what ends a held backend within the test: only the engine's terminate can.
    const MAX_FREEZE_MS = 60_000;

    async function cutRun(e: Env, mode: CommitCut) {
      const upstream = new URL(e.url);
      const proxy = await startCommitCutProxy(
        { host: upstream.hostname, port: Number(upstream.port || 5432) },
        mode,
      );
      e.closers.push(() => proxy.close());
      const opts = await options(e, { databaseUrl: proxy.url(e.url), maxFreezeMs: MAX_FREEZE_MS });
      const outcome = await run(e, 'cut', opts);
      const endedAt = performance.now();
      const cut = proxy.interception;
      assert.ok(cut, `the switch's COMMIT was intercepted: ${JSON.stringify(outcome.record.error)}`);
      assert.ok(cut.backendPid, 'the backend of the switch is known');
      return { outcome, cut, endedAt, opts };
    }

    /** The row says what committed; the run's decision must agree with it. */
    async function committedInDatabase(e: Env, token: string): Promise<boolean> {
      const row = await tenantRow(e.f, e.slug);
      const iso = row?.settings.isolation as {
        state?: string;
        isolated_db_name?: string;
        run?: { id?: string };
      };
      return (
        row?.isolation_mode === 'isolated' &&
        iso?.isolated_db_name === deriveNames(e.slug).database &&
        iso.run?.id === token
      );
    }

    it('COMMIT forwarded, the reply cut: the run decides committed and never undoes', async () => {
      const e = await fresh();
      const names = deriveNames(e.slug);
      const before = await sharedState(e.f, e.slug);
      const { outcome, cut, opts } = await cutRun(e, 'commit-then-cut-client');
      const record = outcome.record;
      assert.equal(cut.forwarded, true);
      await cut.serverReplied; // the server answered COMMIT: it committed
      assert.equal(await committedInDatabase(e, record.runToken!), true, 'the switch committed');
      assert.equal(record.committed, true, `decided committed: ${JSON.stringify(record.error)}`);
      assert.deepEqual(record.undone, [], 'nothing undone');
      assert.ok(await databaseExists(names.database));
      assert.equal((await tenantRow(e.f, e.slug))?.isolation_mode, 'isolated');
      if (record.result === 'promoted') {
        await assertPromoted(e.f, e.slug, before, 'promoted across a cut COMMIT', {
          configDir: opts.configDir,
        });
      } else {
        // A resumable failure after the switch: a plain re-run finishes.
        assert.equal(record.result, 'failed');
        const again = await run(e, 'again', await options(e));
        assert.equal(again.record.result, 'promoted', JSON.stringify(again.record.error));
        await assertPromoted(e.f, e.slug, before, 'resumed after a cut COMMIT');
      }
    });

    it('COMMIT never reaches the server, both sides cut: the run decides not committed and undoes', async () => {
      const e = await fresh();
      const before = await sharedState(e.f, e.slug);
      const { outcome, cut } = await cutRun(e, 'cut-both');
      const record = outcome.record;
      assert.equal(cut.forwarded, false);
      assert.equal(await committedInDatabase(e, record.runToken!), false, 'nothing committed');
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.step, 'switch', JSON.stringify(record.error));
      assert.equal(record.committed, false, 'decided not committed');
      assert.ok(
        record.undone.includes('create-database') && record.undone.includes('roles'),
        record.undone.join(),
      );
      await assertUntouched(e.f, e.slug, before, 'not committed');
      const row = await tenantRow(e.f, e.slug);
      assert.equal(row?.settings.isolation?.state, undefined, 'no switched state left');
      assert.equal(row?.settings.isolation?.isolated_db_name, undefined);
      assert.equal(
        (await query(DATABASE_URL, 'SELECT 1 FROM pg_stat_activity WHERE pid = $1', [cut.backendPid])).length,
        0,
        'the old backend is gone',
      );

      const again = await run(e, 'again', await options(e));
      assert.equal(again.record.result, 'promoted', JSON.stringify(again.record.error));
      await assertPromoted(e.f, e.slug, before, 're-run after a lost COMMIT');
    });

    it('COMMIT held, the backend left idle in transaction with the row lock: the run ends it, decides not committed and undoes', async () => {
      const e = await fresh();
      const before = await sharedState(e.f, e.slug);
      const { outcome, cut, endedAt } = await cutRun(e, 'hold-cut-client');
      const record = outcome.record;
      assert.equal(cut.forwarded, false);
      // The held COMMIT arrives late, after the run has decided and undone: had the old backend
      // survived the decision, the tenant would now be isolated in a database the undo dropped.
      const lateCommit = await cut.releaseHeld();
      assert.equal(await committedInDatabase(e, record.runToken!), false, 'nothing committed, even late');
      assert.equal((await tenantRow(e.f, e.slug))?.isolation_mode, 'shared', 'no dangling isolated state');
      assert.equal(lateCommit, false, 'the held transaction could no longer commit');
      // The backend was ended before the run decided, by the run: its own timeout
      // (idle_in_transaction_session_timeout, max-freeze + 5 s) is over a minute away.
      const closedAt = await Promise.race([cut.serverClosed, Promise.resolve(undefined)]);
      assert.ok(closedAt !== undefined && closedAt <= endedAt, 'the held backend ended before the run did');
      assert.ok(closedAt - cut.at < MAX_FREEZE_MS, 'ended by the run, not by a server timeout');
      assert.equal(
        (await query(DATABASE_URL, 'SELECT 1 FROM pg_stat_activity WHERE pid = $1', [cut.backendPid])).length,
        0,
        'the old backend is gone',
      );
      assert.equal(await committedInDatabase(e, record.runToken!), false, 'nothing committed');
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.step, 'switch', JSON.stringify(record.error));
      assert.equal(record.committed, false, 'decided not committed');
      assert.ok(
        record.undone.includes('create-database') && record.undone.includes('roles'),
        record.undone.join(),
      );
      await assertUntouched(e.f, e.slug, before, 'held COMMIT');
      const row = await tenantRow(e.f, e.slug);
      assert.equal(row?.settings.isolation?.state, undefined, 'no switched state left');
      assert.equal(row?.settings.isolation?.isolated_db_name, undefined);
    });
  });
}
