import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import { runEngine } from '../support/child-run';
import { engineOptions, testDeps } from '../support/engine';
import {
  artifacts,
  assertPromoted,
  assertUntouched,
  sessionsGone,
  sharedState,
} from '../support/fault-checks';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { query } from '../support/pg';

/**
 * Issue 18, target 3: a table that dominates the copy (the fixture's partitioned agent_events
 * holds most of the tenant's bytes) is copied in TID block ranges on the same snapshot. Runs as
 * the superuser and, with TEST_ADMIN=nonsuper, as a LOGIN CREATEDB CREATEROLE role.
 */

const SPLIT = 'public.agent_events';

describe('a dominating table copied in ranges', () => {
  let f: SharedFixture;
  before(async () => {
    f = await fixtureWithBigEvents();
  });
  after(async () => {
    await f?.cleanup();
  });

  // main (~15k events) at parallelism 2, other (~30k) at 4: each tenant promoted once.
  for (const [tenant, copyParallelism] of [
    ['main', 2],
    ['other', 4],
  ] as const) {
    it(`arrives complete and identical, with rows in every range (copy-parallelism ${copyParallelism})`, async () => {
      const slug = f.tenants[tenant];
      const opts = await engineOptions(f, slug, { copyParallelism, copyRanges: 'auto' });
      try {
        const [own] = await query<{ n: number }>(
          f.url,
          `SELECT count(*)::int AS n FROM agent_events e JOIN tenants t ON t.id = e.tenant_id WHERE t.slug = $1`,
          [slug],
        );
        const { record } = await promote(opts, testDeps(`ranges-${copyParallelism}`));
        assert.equal(record.result, 'promoted', JSON.stringify(record.error));
        const events = record.tables.find((t) => `${t.schema}.${t.name}` === SPLIT);
        assert.ok(events, 'agent_events in the record');
        // The plan's rows are the planner's estimate (they decided the split); the tenant's rows
        // counted in the shared database before the run (its cleanup deletes them) must arrive.
        assert.equal(events.plannedEstimated, true);
        assert.ok(own!.n >= 15_000, `the tenant has ${own!.n} events`);
        assert.equal(events.copiedRows, own!.n, 'every row of the tenant copied');
        const ranges = events.copiedRanges ?? [];
        assert.ok(ranges.length >= 2, `split into ${ranges.length} ranges at parallelism ${copyParallelism}`);
        assert.ok(
          ranges.every((n) => n > 0),
          `rows in every range: ${ranges.join(', ')}`,
        );
        assert.equal(
          ranges.reduce((a, b) => a + b, 0),
          events.copiedRows,
        );
        // Every table digested on both sides (checksums) and counted (row counts): equal.
        for (const name of ['checksums', 'row-counts']) {
          const check = record.checks.find((c) => c.name === name);
          assert.equal(check?.status, 'pass', `${name}: ${JSON.stringify(check)}`);
        }
      } finally {
        await rm(opts.configDir, { recursive: true, force: true });
      }
    });
  }
});

describe('a fault in the middle of a split table', () => {
  let f: SharedFixture;
  before(async () => {
    f = await fixtureWithBigEvents();
  });
  after(async () => {
    await f?.cleanup();
  });

  it('SIGKILL after the first range committed, then a plain re-run promotes', async () => {
    const slug = f.tenants.main;
    const names = deriveNames(slug);
    const opts = await engineOptions(f, slug, { copyRanges: 'auto' });
    try {
      const before = await sharedState(f, slug);
      const first = await runEngine('promote', opts, `kill@copy-range:${SPLIT}:0`);
      assert.equal(
        first.signal,
        'SIGKILL',
        `the range failpoint was reached: ${first.lines.slice(-5).join('\n')}`,
      );
      // Part of agent_events sits in the new database; nothing uses it, the re-run replaces it.
      assert.ok((await artifacts(f.suffix)).databases.includes(names.database));
      assert.equal(await sessionsGone([f.dbName, names.database]), 0);

      const second = await runEngine('promote', opts);
      assert.equal(second.record?.result, 'promoted', JSON.stringify(second.record?.error));
      const events = second.record!.tables.find((t) => `${t.schema}.${t.name}` === SPLIT);
      assert.ok((events?.copiedRanges?.length ?? 0) >= 2, 'the re-run split the table too');
      await assertPromoted(f, slug, before, 'kill mid-range', { configDir: opts.configDir });
    } finally {
      await rm(opts.configDir, { recursive: true, force: true });
    }
  });

  it('a range that fails after another committed: the run fails and undoes, a re-run promotes', async () => {
    const slug = f.tenants.other;
    const opts = await engineOptions(f, slug, { copyRanges: 'auto' });
    try {
      const before = await sharedState(f, slug);
      const first = await runEngine('promote', opts, `fail@copy-range:${SPLIT}:0`);
      assert.equal(first.record?.result, 'failed', first.lines.slice(-10).join('\n'));
      assert.equal(first.record?.error?.step, 'copy');
      assert.equal(first.record?.committed, false);
      await assertUntouched(f, slug, before, 'after a failed range', { alsoPromoted: [f.tenants.main] });

      const second = await runEngine('promote', opts);
      assert.equal(second.record?.result, 'promoted', JSON.stringify(second.record?.error));
      await assertPromoted(f, slug, before, 'failed range + re-run', {
        configDir: opts.configDir,
        alsoPromoted: [f.tenants.main],
      });
    } finally {
      await rm(opts.configDir, { recursive: true, force: true });
    }
  });
});

/**
 * The fixture (small, its seed is quadratic in places) with agent_events made to dominate: 15k
 * extra events for the main tenant and 30k for the other, ~170 bytes each, interleaved in the
 * same partition (each tenant fills a good share of the blocks, as a large tenant does).
 */
async function fixtureWithBigEvents(): Promise<SharedFixture> {
  const f = await createSharedFixture({ rows: 200 });
  await query(
    f.url,
    `INSERT INTO agent_events (tenant_id, occurred_at, kind, payload)
     SELECT t.id, timestamptz '2024-06-01 00:00:00+00' + g * interval '1 minute', 'bulk',
            jsonb_build_object('seq', g, 'data', repeat('y', 100 + g % 50))
       FROM generate_series(1, 30000) g
       JOIN tenants t ON t.slug = $1 OR (t.slug = $2 AND g % 2 = 0)
      ORDER BY g, t.slug`,
    [f.tenants.other, f.tenants.main],
  );
  await query(f.url, 'ANALYZE agent_events');
  return f;
}
