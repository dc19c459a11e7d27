import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { baseVersionDigestSql, denseDigests, freezeScanSql } from '../../src/postgres/catch-up';
import type { TablePlan } from '../../src/postgres/plan-types';
import { createDatabase, dropArtifacts, query, uniqueSuffix } from '../support/pg';

/**
 * Issue 13, property 5 (the freeze 2–3× slower than before, and worse with an idle transaction
 * elsewhere): when every row of the tenant is a candidate — the cheap `xmin` test lets all
 * through while a transaction anywhere in the cluster holds the horizon back — the freeze scan
 * compares every bucket with the base's digests. It looked the base's sum up in a `numeric[]` of
 * up to 65,536 elements per bucket, and a subscript of a variable-width array walks it from its
 * start: the scan of a 100k-row table took 15 s where the digests of the same rows took 0.9 s.
 * The same rows, the same hashes: the scan must cost about what the digests cost.
 */
describe('the freeze scan compares the base digests by index (every row a candidate)', () => {
  const suffix = uniqueSuffix();
  let url: string;
  const rows = 60_000;
  const buckets = 65_536;
  const events: TablePlan = {
    schema: 'public',
    name: 'events',
    qualified: '"public"."events"',
    kind: 'tenant',
    columns: ['"id"', '"tenant_id"', '"payload"'],
    keyColumns: ['"id"'],
    where: `t."tenant_id" = current_setting('tenant_promotion.tenant_id')::int`,
    binarySafe: true,
    partitioned: false,
  };
  before(async () => {
    url = await createDatabase(`tfreezedig_${suffix}`);
    await query(
      url,
      `CREATE TABLE events (id bigint PRIMARY KEY, tenant_id int NOT NULL, payload text NOT NULL);
       CREATE INDEX ON events (tenant_id);
       INSERT INTO events SELECT g, 1 + (g % 5 = 0)::int, md5(g::text) FROM generate_series(1, ${(rows * 5) / 4}) g`,
    );
    await query(url, 'VACUUM ANALYZE events');
  });
  after(() => dropArtifacts(suffix));

  it('finds no changed version, and scans in about the time the digests take', async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(`SELECT set_config('tenant_promotion.tenant_id', '1', false)`);
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      // xmin 3: every version passes the cheap test, as with an idle transaction elsewhere.
      let started = performance.now();
      const { rows: all } = await c.query<{ b: string | null; d: string }>(
        baseVersionDigestSql(events, '3', buckets),
      );
      // The version buckets' digests (the rest are per heap block, for deletions).
      const digests = all.flatMap((r) => (r.b === null ? [] : [{ b: r.b, d: r.d }]));
      const digestMs = performance.now() - started;
      started = performance.now();
      const { rows: scanned } = await c.query<{ total: string | null; m: string | null; v: string[] | null }>(
        freezeScanSql(events, '3', buckets),
        denseDigests(buckets, digests),
      );
      const scanMs = performance.now() - started;
      await c.query('COMMIT');
      const totals = scanned.find((r) => r.total !== null);
      assert.equal(Number(totals?.total), rows);
      assert.equal(Number(totals?.m), rows, 'every row a candidate');
      assert.deepEqual(
        scanned.flatMap((r) => r.v ?? []),
        [],
        'the same versions as the base: nothing to re-read',
      );
      assert.ok(
        scanMs <= 3 * digestMs + 500,
        `scan ${scanMs.toFixed(0)} ms, digests of the same rows ${digestMs.toFixed(0)} ms`,
      );
    } finally {
      await c.end();
    }
  });
});
