import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { memoryLogger } from '../../src/log';
import { promote } from '../../src/pipeline/promote';
import { runEngine } from '../support/child-run';
import { assertLockRefused, runRaceCase } from '../support/crash-suite';
import { databaseLevel } from '../support/placements';
import { assertPromoted, sharedState } from '../support/fault-checks';
import { tempDir } from '../support/tmp';
import { createSharedFixture, type SharedFixture } from '../support/fixture';

/** Property 2 of issue 8: one run per tenant at a time; different tenants in parallel. */

async function optionsFor(f: SharedFixture, slug: string) {
  const configDir = await tempDir('races-config-');
  return { databaseUrl: f.engineUrl, tenantSlug: slug, skipCloudRun: true, configDir, maxFreezeMs: 10_000 };
}

const deps = (runId: string) => ({ log: memoryLogger(), trigger: { source: 'test', actor: 'race', runId } });

describe('races (real PostgreSQL)', () => {
  let f: SharedFixture;
  before(async () => {
    f = await createSharedFixture({ rows: 200 });
  });
  after(async () => {
    await f.cleanup();
  });

  it('two promotions of one tenant in one process: exactly one promotes, the other reports the holder', async () => {
    const slug = f.tenants.main;
    const before = await sharedState(f, slug);
    const opts = await optionsFor(f, slug);
    const outcomes = await Promise.all([promote(opts, deps('A')), promote(opts, deps('B'))]);
    const winners = outcomes.filter((o) => o.record.result === 'promoted');
    const losers = outcomes.filter((o) => o.record.result !== 'promoted');
    assert.equal(
      winners.length,
      1,
      outcomes.map((o) => `${o.record.result} ${JSON.stringify(o.record.error)}`).join('\n'),
    );
    assert.equal(losers.length, 1);
    const loser = losers[0]!.record;
    assertLockRefused(loser, slug);
    const winnerRun = winners[0]!.record.trigger.runId;
    assert.match(loser.error!.message, new RegExp(`run ${winnerRun}`), 'names the holding run');
    assert.equal(losers[0]!.databasePassword, undefined);
    await assertPromoted(f, slug, before, 'in-process race', { configDir: opts.configDir });
    await rm(opts.configDir, { recursive: true, force: true });
  });

  it('two promotions of one tenant in two processes: exactly one promotes, the other changed nothing', async () => {
    // crash-suite.ts's body, shared with the schema-level placements (schema-level-faults.test.ts).
    await runRaceCase(databaseLevel);
  });

  it('two different tenants promoted in parallel both succeed without interfering', async () => {
    const a = f.tenants.small;
    const b = f.tenants.empty;
    const beforeA = await sharedState(f, a);
    const beforeB = await sharedState(f, b);
    const [optsA, optsB] = [await optionsFor(f, a), await optionsFor(f, b)];
    const [ra, rb] = await Promise.all([runEngine('promote', optsA), runEngine('promote', optsB)]);
    assert.equal(ra.record?.result, 'promoted', JSON.stringify(ra.record?.error));
    assert.equal(rb.record?.result, 'promoted', JSON.stringify(rb.record?.error));
    // Each one's "others" include the other tenant, promoted meanwhile: expect them minus its rows.
    const promoted = [f.tenants.main];
    const pairs = [
      [a, beforeA, optsA, b, beforeB],
      [b, beforeB, optsB, a, beforeA],
    ] as const;
    for (const [slug, before, opts, other, otherBefore] of pairs) {
      const others = Object.fromEntries(
        Object.entries(before.others).map(([t, lines]) => [
          t,
          lines.filter((line) => !(otherBefore.mine[t] ?? []).includes(line)),
        ]),
      );
      await assertPromoted(f, slug, { ...before, others }, `parallel ${slug}`, {
        configDir: opts.configDir,
        alsoPromoted: [...promoted, other],
        ignoreTenantIds: [otherBefore.id],
      });
      await rm(opts.configDir, { recursive: true, force: true });
    }
  });
});
