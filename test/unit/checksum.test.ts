import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  rowHashSqlOf,
  compareDigests,
  digestOf,
  digestSql,
  type BucketDigest,
  type BucketScheme,
  type TableDigest,
} from '../../src/postgres/checksum';
import type { TablePlan } from '../../src/postgres/plan-types';

const users: TablePlan = {
  schema: 'public',
  name: 'users',
  qualified: '"public"."users"',
  kind: 'tenant',
  columns: ['"id"', '"tenant_id"', '"email"'],
  keyColumns: ['"id"'],
  where: `t."tenant_id" = current_setting('tenant_promotion.tenant_id')::uuid`,
  binarySafe: true,
  partitioned: false,
};

function digest(scheme: BucketScheme, buckets: BucketDigest[]): TableDigest {
  const count = buckets.reduce((n, b) => n + b.count, 0);
  const sum = buckets.reduce((s, b) => s + BigInt(b.sum), 0n).toString();
  return {
    table: users.qualified,
    form: 'ledger',
    count,
    sum,
    digest: digestOf(count, sum),
    buckets,
    scheme,
  };
}

const range: BucketScheme = { kind: 'range', lo: '1', hi: '1000', buckets: 8 };

describe('digestSql', () => {
  it('aggregates 64-bit row hashes per bucket without building the table text', () => {
    const sql = digestSql(users, 'source', range, 'ledger');
    assert.doesNotMatch(sql, /string_agg/);
    assert.match(
      sql,
      /substr\(md5\(ROW\(t\."id", t\."tenant_id", t\."email"\)::text\), 1, 16\)\)::bit\(64\)::bigint/,
    );
    assert.match(sql, /sum\(h\)::text/);
    assert.match(sql, /GROUP BY 1`?$/);
    assert.doesNotMatch(sql, /ORDER BY/);
    assert.match(sql, /WHERE t\."tenant_id" = current_setting/);
  });

  it("reads a table's own rows (ONLY) unless it is a partitioned parent", () => {
    assert.match(digestSql(users, 'target', range, 'ledger'), /FROM ONLY "public"\."users" t WHERE/);
    assert.match(
      digestSql({ ...users, partitioned: true }, 'target', range, 'ledger'),
      /FROM "public"\."users" t WHERE/,
    );
  });

  it('reads every row on the target side', () => {
    assert.match(digestSql(users, 'target', range, 'ledger'), /WHERE true\)/);
  });

  it('buckets a keyless table by the row hash', () => {
    const sql = digestSql(
      { ...users, keyColumns: [] },
      'target',
      { kind: 'row-hash', buckets: 16 },
      'ledger',
    );
    assert.match(sql, /mod\(mod\(h, 16\) \+ 16, 16\)/);
    assert.match(sql, /NULL::text AS k/);
    assert.doesNotMatch(sql, /min\(kn\)/);
  });

  it('refuses a table without columns rather than digesting nothing', () => {
    assert.throws(
      () => digestSql({ ...users, columns: [] }, 'target', range, 'ledger'),
      /no planned columns/,
    );
  });
});

describe('compareDigests', () => {
  const a = digest(range, [
    { bucket: 0, count: 3, sum: '100', minKey: '1', maxKey: '120' },
    { bucket: 1, count: 2, sum: '-5', minKey: '130', maxKey: '200' },
  ]);

  it('reports equal digests as equal', () => {
    assert.deepEqual(compareDigests('users', a, structuredClone(a)), { equal: true, differences: [] });
  });

  it('names the key range of a bucket whose row count differs', () => {
    const b = digest(range, [a.buckets[0]!, { bucket: 1, count: 1, sum: '7', minKey: '130', maxKey: '130' }]);
    const r = compareDigests('users', a, b);
    assert.equal(r.equal, false);
    // 1000 keys in 8 buckets of 125: bucket 1 holds keys 126..250.
    assert.deepEqual(r.differences, ['users keys 126..250 (bucket 1): 2 vs 1 rows']);
  });

  it('reports a changed value (same count, other sum) as a difference', () => {
    const b = digest(range, [{ ...a.buckets[0]!, sum: '101' }, a.buckets[1]!]);
    const r = compareDigests('users', a, b);
    assert.equal(r.equal, false);
    assert.deepEqual(r.differences, ['users keys 1..125 (bucket 0): 3 vs 3 rows, contents differ']);
  });

  it('reports a bucket present on one side only', () => {
    const b = digest(range, [a.buckets[0]!]);
    assert.deepEqual(compareDigests('users', a, b).differences, [
      'users keys 126..250 (bucket 1): 2 vs 0 rows',
    ]);
  });

  it('names keys outside the source range', () => {
    const b = digest(range, [
      ...a.buckets,
      { bucket: 8, count: 1, sum: '9', minKey: '5000', maxKey: '5000' },
    ]);
    assert.deepEqual(compareDigests('users', a, b).differences, ['users keys above 1000: 0 vs 1 rows']);
  });

  it('never reports success when the bucket schemes differ and the totals differ', () => {
    const b = digest({ kind: 'key-hash', buckets: 8 }, [{ bucket: 3, count: 5, sum: '96' }]);
    const r = compareDigests('users', a, b);
    assert.equal(r.equal, false);
    assert.match(r.differences[0]!, /bucket schemes differ/);
  });

  it('labels hash buckets with the keys seen on both sides', () => {
    const s: BucketScheme = { kind: 'key-hash', buckets: 4 };
    const x = digest(s, [{ bucket: 2, count: 2, sum: '1', minKey: 'b', maxKey: 'k' }]);
    const y = digest(s, [{ bucket: 2, count: 2, sum: '2', minKey: 'a', maxKey: 'k' }]);
    assert.deepEqual(compareDigests('t', x, y).differences, [
      't keys a..k (hash bucket 2 of 4): 2 vs 2 rows, contents differ',
    ]);
  });

  it('labels buckets of keyless tables by hash', () => {
    const s: BucketScheme = { kind: 'row-hash', buckets: 4 };
    const x = digest(s, [{ bucket: 1, count: 2, sum: '1' }]);
    const y = digest(s, [{ bucket: 1, count: 3, sum: '1' }]);
    assert.deepEqual(compareDigests('t', x, y).differences, [
      't rows in hash bucket 1 of 4 (table has no key): 2 vs 3 rows',
    ]);
  });

  it('range labels tile the key space exactly (every key in exactly one labelled range)', () => {
    for (const [lo, hi, n] of [
      [1, 10, 3],
      [-7, 20, 5],
      [100, 100, 1],
      [0, 999, 7],
    ] as const) {
      const scheme: BucketScheme = { kind: 'range', lo: String(lo), hi: String(hi), buckets: n };
      let next = lo;
      for (let b = 0; b < n; b++) {
        const x = digest(scheme, [{ bucket: b, count: 1, sum: '1' }]);
        const y = digest(scheme, []);
        const m = /keys (-?\d+)\.\.(-?\d+)/.exec(compareDigests('t', x, y).differences[0]!);
        assert.ok(m, 'a range label');
        assert.equal(Number(m[1]), next);
        // Keys in the label are exactly those the SQL formula puts in bucket b.
        for (let k = Number(m[1]); k <= Number(m[2]); k++)
          assert.equal(Math.floor(((k - lo) * n) / (hi - lo + 1)), b);
        next = Number(m[2]) + 1;
      }
      assert.equal(next, hi + 1);
    }
  });
});

describe("rowHashSqlOf('columns-1')", () => {
  const cols = [
    { kind: 'int8', notNull: true },
    { kind: 'uuid', notNull: true },
    { kind: 'text', notNull: false },
  ] as const;

  it('chains the columns in plan order, each seeding the next, the first from 0', () => {
    const sql = rowHashSqlOf('columns-1', users, cols);
    // Outermost is the last column; innermost the first (the two halves of the int8 id).
    assert.match(
      sql,
      /^hashtextextended\(coalesce\(t\."email"::text, ''\) COLLATE "C", \(uuid_hash_extended\(/,
    );
    assert.match(sql, /hashint4extended\(\(\(t\."id"::int8\) >> 32\)::int4, 0::int8\)/);
    assert.ok(sql.indexOf('"tenant_id"') < sql.indexOf('"id"::int8'), 'uuid wraps the id');
  });

  it('marks NULL only on nullable columns, and never hashes text under its own collation', () => {
    const sql = rowHashSqlOf('columns-1', users, cols);
    assert.equal(sql.match(/IS NULL/g)?.length, 1);
    assert.match(sql, /CASE WHEN t\."email" IS NULL THEN -7046029254386353131::int8 ELSE 0::int8 END/);
    assert.doesNotMatch(sql.replace(/COLLATE "C"/g, ''), /COLLATE/);
  });

  it('refuses kinds that do not match the planned columns', () => {
    assert.throws(
      () => rowHashSqlOf('columns-1', users, cols.slice(0, 2)),
      /2 column hash kinds for 3 columns/,
    );
    assert.throws(() => rowHashSqlOf('columns-1', { ...users, columns: [] }, []), /no planned columns/);
  });
});
