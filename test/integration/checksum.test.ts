import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  compareDigests,
  compareTable,
  digestTable,
  keyRange,
  setComparableSession,
} from '../../src/postgres/checksum';
import { TENANT_ID_SETTING, type TablePlan } from '../../src/postgres/plan-types';
import { createPromotedFixture, type PromotedFixture } from '../support/promoted';
import { withClient } from '../support/pg';

describe('checksum (real PostgreSQL)', () => {
  let p: PromotedFixture;
  let source: pg.Client;
  let target: pg.Client;
  const table = (name: string): TablePlan => p.plan.tables.find((t) => t.name === name)!;

  before(async () => {
    p = await createPromotedFixture();
    source = new pg.Client({ connectionString: p.fixture.url });
    target = new pg.Client({ connectionString: p.targetUrl });
    await source.connect();
    await target.connect();
    // Make the sessions disagree on every setting that changes text output, then make them comparable.
    await source.query(
      `SET DateStyle = 'German, DMY'; SET TimeZone = 'Asia/Kolkata'; SET IntervalStyle = 'sql_standard'; SET extra_float_digits = 0; SET bytea_output = 'escape'`,
    );
    await setComparableSession(source);
    await setComparableSession(target);
    await source.query('SELECT set_config($1, $2, false)', [TENANT_ID_SETTING, p.tenantId]);
  });

  after(async () => {
    await source?.end();
    await target?.end();
    await p?.cleanup();
  });

  it('finds every table of a faithful copy equal, with or without a key', async () => {
    for (const t of p.plan.tables) {
      const r = await compareTable(source, target, t, { form: 'fast' });
      assert.deepEqual(r.differences, [], t.qualified);
      assert.equal(r.equal, true);
      assert.ok(r.source.count > 0, `${t.qualified} has rows`);
      assert.equal(r.source.digest, r.target.digest);
    }
  });

  it('uses key ranges for a single integer key and the source range on both sides', async () => {
    // Buckets are computed to locate a difference: one changed row per table, undone after.
    const scheme = async (name: string) => {
      await target.query('BEGIN');
      try {
        const q = table(name).qualified;
        await target.query(
          name === 'users'
            ? `UPDATE ${q} SET display_name = 'changed' WHERE id = (SELECT min(id) FROM ${q})`
            : `DELETE FROM ${q} WHERE ctid = (SELECT min(ctid) FROM ${q})`,
        );
        const r = await compareTable(source, target, table(name), { form: 'fast' });
        assert.equal(r.equal, false, name);
        assert.deepEqual(r.source.scheme, r.target.scheme);
        assert.ok(r.source.buckets.length > 0, name);
        return r.source.scheme.kind;
      } finally {
        await target.query('ROLLBACK');
      }
    };
    assert.equal(await scheme('users'), 'range');
    assert.equal(await scheme('audit_logs'), 'row-hash');
    assert.equal(await scheme('tech_stack_recommendations'), 'key-hash');
  });

  it('digests an equal table whole, without buckets, and still finds it equal', async () => {
    const r = await compareTable(source, target, table('users'), { form: 'fast' });
    assert.equal(r.equal, true);
    assert.equal(r.source.buckets.length, 0);
    assert.equal(r.source.sum, r.target.sum);
    assert.ok(r.source.count > 0);
  });

  it('gives the same whole-table digest under any bucket scheme (for digests recorded at the switch)', async () => {
    const t = table('design_recommendations');
    const range = await keyRange(source, t, 'source');
    assert.ok(range);
    const a = await digestTable(source, t, 'source', { form: 'ledger', buckets: 5, range });
    const b = await digestTable(target, t, 'target', { form: 'ledger', buckets: 64 });
    assert.equal(a.digest, b.digest);
    assert.equal(a.count, b.count);
  });

  it('depends on the session settings, which is why both sides set them', async () => {
    const t = table('users'); // timestamptz columns
    const before = await digestTable(target, t, 'target', { form: 'fast' });
    await target.query(`SET TimeZone = 'America/New_York'`);
    try {
      const skewed = await digestTable(target, t, 'target', { form: 'fast' });
      assert.notEqual(skewed.digest, before.digest);
    } finally {
      await setComparableSession(target);
    }
    assert.equal((await digestTable(target, t, 'target', { form: 'fast' })).digest, before.digest);
  });

  it('names the key range of one changed value', async () => {
    const t = table('design_recommendations');
    const { id, body } = (
      await target.query<{ id: string; body: string }>(
        'SELECT id::text, body FROM design_recommendations ORDER BY id OFFSET 3 LIMIT 1',
      )
    ).rows[0]!;
    await target.query('UPDATE design_recommendations SET body = body || $2 WHERE id = $1', [id, '!']);
    try {
      const r = await compareTable(source, target, t, { form: 'fast', buckets: 4 });
      assert.equal(r.equal, false);
      assert.equal(r.differences.length, 1);
      const m =
        /^"public"\."design_recommendations" keys (\d+)\.\.(\d+) \(bucket \d\): (\d+) vs (\d+) rows, contents differ$/.exec(
          r.differences[0]!,
        );
      assert.ok(m, r.differences[0]);
      assert.ok(Number(m[1]) <= Number(id) && Number(id) <= Number(m[2]), `${id} in ${m[1]}..${m[2]}`);
      assert.equal(m[3], m[4]);
    } finally {
      await target.query('UPDATE design_recommendations SET body = $2 WHERE id = $1', [id, body]);
    }
  });

  it('catches a missing duplicate row in a table without a key', async () => {
    const t = table('audit_logs');
    // The fixture gives every tenant two identical 'duplicate' rows: remove one of them.
    await target.query(
      `DELETE FROM audit_logs WHERE ctid = (SELECT ctid FROM audit_logs WHERE action = 'duplicate' LIMIT 1)`,
    );
    try {
      const r = await compareTable(source, target, t, { form: 'fast' });
      assert.equal(r.equal, false);
      assert.equal(r.differences.length, 1);
      // Other rows may share the bucket: the counts differ by exactly the missing row.
      const m =
        /^"public"\."audit_logs" rows in hash bucket \d+ of 64 \(table has no key\): (\d+) vs (\d+) rows$/.exec(
          r.differences[0]!,
        );
      assert.ok(m, r.differences[0]);
      assert.equal(Number(m[1]) - Number(m[2]), 1);
    } finally {
      await target.query(`INSERT INTO audit_logs (tenant_id, action) VALUES ($1, 'duplicate')`, [p.tenantId]);
      // Same row as before (at = now() differs): restore the original timestamp from the source.
      const at = (
        await source.query<{ at: string }>(
          `SELECT at::text FROM audit_logs t WHERE ${t.where} AND action = 'duplicate' LIMIT 1`,
        )
      ).rows[0]!.at;
      await target.query(`UPDATE audit_logs SET at = $1 WHERE action = 'duplicate'`, [at]);
    }
    assert.equal((await compareTable(source, target, t, { form: 'fast' })).equal, true);
  });

  it('detects two values swapped between rows (same multiset of column values)', async () => {
    const t = table('projects');
    const rows = (
      await target.query<{ id: number; budget: string }>(
        'SELECT id, budget::text FROM projects ORDER BY id LIMIT 2',
      )
    ).rows;
    const [x, y] = rows as [{ id: number; budget: string }, { id: number; budget: string }];
    await target.query('ALTER TABLE projects DISABLE TRIGGER USER');
    try {
      await target.query(
        'UPDATE projects SET budget = CASE id WHEN $1 THEN $4::numeric WHEN $2 THEN $3::numeric END WHERE id IN ($1, $2)',
        [x.id, y.id, x.budget, y.budget],
      );
      const r = await compareTable(source, target, t, { form: 'fast' });
      assert.equal(r.equal, false);
      assert.ok(r.differences.length >= 1);
    } finally {
      await target.query(
        'UPDATE projects SET budget = CASE id WHEN $1 THEN $3::numeric WHEN $2 THEN $4::numeric END WHERE id IN ($1, $2)',
        [x.id, y.id, x.budget, y.budget],
      );
      await target.query('ALTER TABLE projects ENABLE TRIGGER USER');
    }
    assert.equal((await compareTable(source, target, t, { form: 'fast' })).equal, true);
  });

  it('reads only the tenant rows on the source side', async () => {
    const t = table('users');
    const all = await withClient(p.fixture.url, async (c) =>
      Number((await c.query('SELECT count(*) AS n FROM users')).rows[0].n),
    );
    const d = await digestTable(source, t, 'source', { form: 'fast' });
    assert.ok(d.count < all);
    assert.equal(
      compareDigests(t.qualified, d, await digestTable(target, t, 'target', { form: 'fast' })).equal,
      true,
    );
  });
});
