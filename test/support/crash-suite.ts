import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { PromotionOptions } from '../../src/options';
import type { RunRecord } from '../../src/pipeline/record';
import { promote, promotionSteps } from '../../src/pipeline/promote';
import { tenantStatus } from '../../src/pipeline/status';
import { runEngine, startEngine, type ChildResult } from './child-run';
import { engineOptions, testDeps } from './engine';
import {
  assertPromoted,
  assertUntouched,
  sessionsGone,
  sharedState,
  tenantId,
  TENANT_TABLES,
  tenantRow,
} from './fault-checks';
import { tableRows } from './fingerprint';
import { createSharedFixture, type SharedFixture } from './fixture';
import { DATABASE_URL, query } from './pg';
import type { Placement } from './placements';
import { ContractWriter, missingWrites, WRITER_TABLES, writerSeed } from './writer';

/**
 * The crash-and-re-run suite (issue 8's property 1, issue 21's "survives the crash-and-re-run
 * suite"), one body for every placement: a promotion dies at a fault point — SIGKILL of the
 * child process running it (`kill@<point>`, or `kill@mid-copy` while its COPY sessions run), or
 * an injected failure (`fail@<point>`) — then a plain re-run finishes. Checked each time:
 * - a killed run printed nothing and its sessions left the servers without anyone's help;
 * - a failure before the switch undoes everything: the tenant shared, its rows as they were,
 *   no database, schema, tool schema or role left, `status` says shared;
 * - after a kill, `status` does not claim what is not so (isolated only once the run finished);
 * - the re-run promotes (or, once the first run finished, finds the tenant isolated), resuming
 *   after the switch when the first run got past it: its rows exactly in the placement, gone
 *   from the shared tables, other tenants untouched, exactly the tenant's artifacts, the routing
 *   files, `status --verify` isolated with no failing check; a third run changes nothing;
 * - with `writer`, a contract-following writer runs through both runs: no write lost.
 */

/** The step boundaries, in run order: `before:<step>` and `after:<step>` for every promotion step. */
export const STEP_POINTS = promotionSteps().flatMap((s) => [`before:${s.name}`, `after:${s.name}`]);

/** SIGKILL while the copy step's COPY sessions are moving rows (not at a step boundary). */
export const MID_COPY = 'mid-copy';

export type CaseOutcome = 'killed' | 'failed' | 'not-reached';

/** True when the run has passed its commit point (the switch) at this step boundary. */
function pastSwitch(point: string): boolean {
  const switchAt = STEP_POINTS.indexOf('after:switch');
  const at = STEP_POINTS.indexOf(point);
  return at >= switchAt;
}

/** Our COPY sessions currently running on a server. */
async function copySessions(serverUrl: string, databases: string[]): Promise<number[]> {
  const rows = await query<{ pid: number }>(
    serverUrl,
    `SELECT pid FROM pg_stat_activity
      WHERE datname = ANY($1) AND application_name = 'tenant-promotion' AND state = 'active'
        AND query ILIKE 'COPY%'`,
    [databases],
  );
  return rows.map((r) => r.pid);
}

/**
 * Polls (bounded) until a COPY of ours runs in one of the databases (the copy step is moving
 * rows); returns that server and its COPY sessions, or undefined once `done()` or at the timeout.
 */
export async function waitForCopy(
  where: { serverUrl: string; databases: string[] }[],
  done: () => boolean,
  timeoutMs = 30_000,
): Promise<{ serverUrl: string; pids: number[] } | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !done()) {
    for (const w of where) {
      const pids = await copySessions(w.serverUrl, w.databases);
      if (pids.length) return { serverUrl: w.serverUrl, pids };
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return undefined;
}

/** Starts a promotion and SIGKILLs it once one of its COPY sessions is seen running. */
async function killMidCopy(
  opts: Record<string, unknown>,
  where: { serverUrl: string; databases: string[] }[],
): Promise<ChildResult> {
  const run = startEngine('promote', opts);
  await run.waitForLine(/^step copy running$/);
  let exited = false;
  void run.done.then(() => (exited = true));
  assert.ok(await waitForCopy(where, () => exited), 'caught the copy in flight');
  run.child.kill('SIGKILL');
  const result = await run.done;
  assert.ok(!result.lines.includes('step copy done'), 'killed before the copy finished');
  return result;
}

export interface CrashCaseOptions {
  /** Run a contract-following writer of the tenant through both runs. */
  writer?: boolean;
  /** Rows per table in the fixture (mid-copy wants enough to catch a COPY running). */
  rows?: number;
}

/**
 * One case of the suite on a fresh fixture: the first run dies at `fault` (`kill@<point>`,
 * `fail@<point>` or `kill@mid-copy`), a re-run finishes. Returns how the first run ended
 * (`not-reached`: the point belongs to a step this run skips, such as deploy with skip-cloud-run).
 */
export async function runCrashCase(
  placement: Placement,
  fault: string,
  caseOpts: CrashCaseOptions = {},
): Promise<CaseOutcome> {
  const [action, point] = fault.split('@') as ['kill' | 'fail', string];
  const label = `${placement.label}, ${fault}`;
  const f: SharedFixture = await createSharedFixture({ rows: caseOpts.rows ?? 20 });
  const slug = f.tenants.main;
  const opts = await engineOptions(f, slug, placement.options);
  let writer: ContractWriter | undefined;
  let writing: Promise<void> | undefined;
  try {
    await placement.prepare(f);
    const before = await sharedState(f, slug);
    const seed = caseOpts.writer
      ? await writerSeed(f.url, await tenantId(f, slug), `w${f.suffix}`)
      : undefined;
    if (seed) {
      writer = new ContractWriter(f.url, placement.tenantUrl(f, slug), seed);
      writing = writer.run();
    }
    const checkOpts = { placement, writtenTables: seed ? WRITER_TABLES : [] };
    const status = async () => tenantStatus(PromotionOptions.parse(opts));

    let outcome: CaseOutcome;
    let committed: boolean;
    if (action === 'kill') {
      const first =
        point === MID_COPY
          ? await killMidCopy(opts, placement.sessionDatabases(f, slug))
          : await runEngine('promote', opts, fault);
      if (first.signal === 'SIGKILL') {
        outcome = 'killed';
        assert.equal(first.record, undefined, `${label}: a killed run printed no record`);
      } else {
        // Only a step the run skips never reaches its failpoint (deploy, with skip-cloud-run).
        const step = point.split(':')[1];
        assert.equal(
          first.record?.steps.find((s) => s.name === step)?.status,
          'skipped',
          `${label}: ${first.lines.slice(-10).join('\n')}`,
        );
        outcome = 'not-reached';
      }
      committed = point !== MID_COPY && pastSwitch(point);
    } else {
      const first = await runEngine('promote', opts, fault);
      outcome = 'failed';
      assert.equal(first.record?.result, 'failed', `${label}: ${first.lines.slice(-10).join('\n')}`);
      assert.equal(first.record?.error?.step, point.split(':')[1]);
      assert.match(first.record!.error!.message, /Injected fault/);
      committed = first.record!.committed;
      assert.equal(committed, pastSwitch(point), `${label}: committed as the switch says`);
    }

    // The dead (or failed) run's sessions, and so its advisory lock, are gone without anyone cleaning up.
    for (const where of placement.sessionDatabases(f, slug)) {
      assert.equal(
        await sessionsGone(where.databases, 10_000, where.serverUrl),
        0,
        `${label}: sessions of the first run on ${where.serverUrl === DATABASE_URL ? 'the shared server' : 'the target'}`,
      );
    }

    const afterFirst = await status();
    if (outcome === 'failed' && !committed) {
      await assertUntouched(f, slug, before, `${label}, undone`, checkOpts);
      assert.equal(afterFirst.overall, 'shared', `${label}: status ${afterFirst.reasons.join('; ')}`);
    } else if (outcome !== 'not-reached' && point !== 'after:finish') {
      // Stopped half-way: status says what is left, never that the tenant is isolated.
      assert.notEqual(afterFirst.overall, 'isolated', `${label}: status ${afterFirst.reasons.join('; ')}`);
      if (committed)
        assert.match(afterFirst.reasons.join('; '), /re-run promote/, `${label}: status says how to finish`);
    }

    const second = await runEngine('promote', opts);
    assert.ok(second.record, `${label}: re-run printed its record: ${second.lines.slice(-5).join('\n')}`);
    assert.ok(
      ['promoted', 'already-isolated'].includes(second.record.result),
      `${label}: re-run ${second.record.result}: ${JSON.stringify(second.record.error)}`,
    );
    if (committed && point !== 'after:finish')
      assert.match(
        second.record.steps.find((s) => s.name === 'switch')?.detail ?? '',
        /resum|earlier run/,
        `${label}: the re-run resumed after the switch`,
      );

    if (writer) {
      // A few writes after the re-run: they land in the tenant's placement.
      const goal = writer.committed.isolated + 5;
      const deadline = Date.now() + 30_000;
      while (writer.committed.isolated < goal && writer.errors.length === 0 && Date.now() < deadline)
        await new Promise((r) => setImmediate(r));
      writer.stop();
      await writing;
      assert.deepEqual(writer.errors, [], `${label}: the contract-following writer never failed`);
      assert.ok(writer.committed.isolated >= goal, `${label}: ${JSON.stringify(writer.committed)}`);
      assert.deepEqual(
        await missingWrites(placement.tenantUrl(f, slug), seed!, writer.model),
        [],
        `${label}: every committed write is in the tenant's place`,
      );
    }
    await assertPromoted(f, slug, before, label, { ...checkOpts, configDir: opts.configDir });
    const verified = await tenantStatus(PromotionOptions.parse(opts), { verify: true });
    assert.equal(verified.overall, 'isolated', `${label}: ${verified.reasons.join('; ')}`);
    assert.deepEqual(
      verified.checks!.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.reason}`),
      [],
      `${label}: status --verify`,
    );
    if (point.endsWith(':switch') || point === 'after:finish') {
      const third = await runEngine('promote', opts);
      assert.equal(third.record?.result, 'already-isolated', `${label}: a third run changes nothing`);
    }
    return outcome;
  } finally {
    writer?.stop();
    await writing?.catch(() => undefined);
    await f.cleanup();
    await placement.cleanup(f);
    await rm(opts.configDir, { recursive: true, force: true });
  }
}

/** The loser of a race for one tenant: refused at the lock, naming the holder, with nothing done or undone. */
export function assertLockRefused(loser: RunRecord, slug: string): void {
  assert.equal(loser.result, 'failed');
  assert.equal(loser.error?.code, 'lock-held', JSON.stringify(loser.error));
  assert.equal(loser.error?.step, 'lock');
  assert.match(loser.error!.message, new RegExp(`lock held by tenant-promotion ${slug}`), 'names the holder');
  assert.match(loser.error!.message, /made no changes/);
  assert.deepEqual(loser.undone, []);
  assert.equal(loser.committed, false);
  assert.ok(
    loser.steps
      .slice(loser.steps.findIndex((s) => s.name === 'lock') + 1)
      .every((s) => s.status === 'pending'),
    JSON.stringify(loser.steps),
  );
}

/**
 * Two promotions of one tenant in two processes at once, on a fresh fixture: exactly one
 * promotes, the other is refused at the lock naming the winning run, having changed nothing;
 * the tenant ends promoted exactly once (its rows, artifacts and routing files).
 */
export async function runRaceCase(placement: Placement): Promise<void> {
  const f = await createSharedFixture({ rows: 20 });
  const slug = f.tenants.main;
  const opts = await engineOptions(f, slug, placement.options);
  try {
    await placement.prepare(f);
    const before = await sharedState(f, slug);
    const results = await Promise.all([runEngine('promote', opts), runEngine('promote', opts)]);
    const records = results.map((r) => r.record!);
    assert.ok(records.every(Boolean), 'both children printed a record');
    const winners = records.filter((r) => r.result === 'promoted');
    const losers = records.filter((r) => r.result !== 'promoted');
    assert.equal(winners.length, 1, records.map((r) => `${r.result} ${JSON.stringify(r.error)}`).join('\n'));
    assertLockRefused(losers[0]!, slug);
    assert.match(losers[0]!.error!.message, new RegExp(`run ${winners[0]!.trigger.runId}`));
    await assertPromoted(f, slug, before, `${placement.label}, two-process race`, {
      placement,
      configDir: opts.configDir,
    });
  } finally {
    await f.cleanup();
    await placement.cleanup(f);
    await rm(opts.configDir, { recursive: true, force: true });
  }
}

/**
 * A writer that ignores the contract (writers.test.ts): after the switch, before cleanup, it
 * updates one of the tenant's rows straight in the shared tables. Cleanup refuses, names only
 * that table, deletes nothing; the switch stands (state `switched`), and a re-run refuses again.
 */
export async function runRogueWriterCase(placement: Placement): Promise<void> {
  const f = await createSharedFixture({ rows: 40 });
  const slug = f.tenants.main;
  const opts = await engineOptions(f, slug, { ...placement.options, keepSharedData: false });
  const label = `${placement.label}, rogue write`;
  try {
    await placement.prepare(f);
    const id = await tenantId(f, slug);
    const { record } = await promote(
      opts,
      testDeps('writer-test', {
        fault: async (point) => {
          if (point !== 'before:cleanup') return;
          // The rogue write: straight to the shared database, no FOR SHARE, after the switch.
          await query(
            f.url,
            `UPDATE public.users SET display_name = 'rogue write' WHERE id = (SELECT min(id) FROM public.users WHERE tenant_id = $1)`,
            [id],
          );
        },
      }),
    );
    const sharedAfter: Record<string, string[]> = {};
    for (const [table, where] of TENANT_TABLES)
      sharedAfter[table] = await tableRows(f.url, table, where, [id]);

    assert.equal(record.result, 'failed', label);
    assert.equal(record.committed, true);
    assert.equal(record.error?.code, 'cleanup-refused', `${label}: ${JSON.stringify(record.error)}`);
    assert.equal(record.error?.step, 'cleanup');
    assert.match(record.error!.message, /"public"\."users"|public\.users/);
    assert.match(record.error!.message, /nothing was deleted/);
    assert.doesNotMatch(
      record.error!.message,
      /projects|agent_events|audit_logs/,
      'names only the changed table',
    );
    // Nothing deleted: every table still holds the tenant's rows, the rogue one included.
    for (const [table] of TENANT_TABLES) {
      const there = placement.tenantTable(f, slug, table);
      const inTarget = await tableRows(there.url, there.table);
      assert.equal(sharedAfter[table]!.length, inTarget.length, `${label}: ${table}: shared rows kept`);
    }
    assert.ok(sharedAfter['public.users']!.some((r) => r.includes('rogue write')));
    const row = await tenantRow(f, slug);
    assert.equal(row?.isolation_mode, 'isolated', `${label}: the switch stands`);
    assert.equal(row?.settings.isolation?.state, 'switched', `${label}: a re-run resumes the cleanup`);

    // A re-run resumes and refuses again, still deleting nothing.
    const again = await promote(opts, testDeps('writer-test'));
    assert.equal(
      again.record.error?.code,
      'cleanup-refused',
      `${label}: ${JSON.stringify(again.record.error)}`,
    );
    assert.equal(
      (await tableRows(f.url, 'public.users', 't.tenant_id = $1', [id])).length,
      sharedAfter['public.users']!.length,
    );
  } finally {
    await f.cleanup();
    await placement.cleanup(f);
    await rm(opts.configDir, { recursive: true, force: true });
  }
}
