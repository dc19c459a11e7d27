import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  boundariesFromSample,
  MIN_SPLIT_BYTES,
  planCopyUnits,
  rangeCount,
  rangePredicate,
  sampledBytes,
  splitCandidates,
  unitLabel,
  type SplitFacts,
} from '../../src/postgres/copy-ranges';
import type { TablePlan } from '../../src/postgres/plan-types';

const MB = 1024 * 1024;

function table(name: string, bytes: number | undefined): TablePlan {
  return {
    schema: 'public',
    name,
    qualified: `"public"."${name}"`,
    kind: 'tenant',
    columns: ['"id"'],
    keyColumns: ['"id"'],
    where: 't."tenant_id" = 1',
    binarySafe: true,
    partitioned: false,
    ...(bytes === undefined ? {} : { bytes }),
  };
}

/** Facts for a relation of `blocks` pages whose tenant rows sit evenly in every block. */
function even(blocks: number, samples = 1000): SplitFacts {
  return {
    blocks,
    blockSize: 8192,
    sample: Array.from({ length: samples }, (_, i) => Math.floor((i * blocks) / samples)),
  };
}

describe('splitCandidates', () => {
  const big = table('events', 75 * MB);
  const rest = [table('users', 10 * MB), table('logs', 15 * MB)];

  it('picks the table that alone outlasts an even share of the workers', () => {
    assert.deepEqual(
      splitCandidates([big, ...rest], 2).map((t) => t.name),
      ['events'],
    );
    assert.deepEqual(
      splitCandidates([big, ...rest], 4).map((t) => t.name),
      ['events'],
    );
  });

  it('splits nothing with one worker, small tables, unmeasured tables or balanced tables', () => {
    assert.deepEqual(splitCandidates([big, ...rest], 1), []);
    assert.deepEqual(splitCandidates([table('a', MIN_SPLIT_BYTES - 1), table('b', 10)], 2), []);
    assert.deepEqual(splitCandidates([big, table('x', undefined)], 2), []);
    assert.deepEqual(splitCandidates([table('a', 10 * MB), table('b', 10 * MB)], 2), []);
  });
});

describe('rangeCount', () => {
  it('cuts pieces of about half a worker share, at most two per worker', () => {
    assert.equal(rangeCount(75 * MB, 100 * MB, 2), 3);
    assert.equal(rangeCount(75 * MB, 100 * MB, 4), 6);
    assert.equal(rangeCount(100 * MB, 100 * MB, 4), 8);
    assert.equal(rangeCount(100 * MB, 100 * MB, 1), 1);
  });

  it('never cuts ranges under MIN_RANGE_BYTES', () => {
    assert.equal(rangeCount(600 * 1024, 700 * 1024, 4), 2);
  });
});

describe('boundariesFromSample', () => {
  it('takes the quantiles of the sampled blocks', () => {
    assert.deepEqual(
      boundariesFromSample(
        Array.from({ length: 100 }, (_, i) => i),
        4,
      ),
      [25, 50, 75],
    );
  });

  it('follows where the tenant rows are, not the relation size', () => {
    // Rows only in blocks 1000–1099 of a larger table: every boundary inside that stretch.
    const b = boundariesFromSample(
      Array.from({ length: 200 }, (_, i) => 1000 + (i % 100)),
      4,
    );
    assert.equal(b.length, 3);
    assert.ok(b.every((x) => x >= 1000 && x < 1100));
  });

  it('drops boundaries the sample cannot tell apart, and block 0', () => {
    assert.deepEqual(boundariesFromSample([7, 7, 7, 7, 7, 7], 3), [7]);
    assert.deepEqual(boundariesFromSample([0, 0, 0, 0], 2), []);
    assert.deepEqual(boundariesFromSample([1, 2], 4), [], 'fewer samples than ranges');
  });
});

describe('planCopyUnits', () => {
  const big = table('events', 75 * MB);
  const users = table('users', 10 * MB);
  const logs = table('logs', 15 * MB);

  it('splits a candidate into ranges that cover every block exactly once, longest first', () => {
    const units = planCopyUnits([users, big, logs], 2, new Map([[big.qualified, even(10_000)]]));
    const ranges = units.filter((u) => u.table === big).map((u) => u.range!);
    assert.equal(ranges.length, 3);
    assert.equal(ranges[0]!.fromBlock, undefined, 'first range open below');
    assert.equal(ranges[2]!.toBlock, undefined, 'last range open above: blocks added later are covered');
    for (let i = 1; i < ranges.length; i++) {
      assert.equal(ranges[i]!.fromBlock, ranges[i - 1]!.toBlock, 'adjacent: no gap, no overlap');
    }
    assert.deepEqual(
      ranges.map((r) => [r.index, r.of]),
      [
        [0, 3],
        [1, 3],
        [2, 3],
      ],
    );
    // 25 MB per range, then logs (15), then users (10).
    assert.deepEqual(
      units.map((u) => unitLabel(u.table, u.range)),
      ['public.events[1/3]', 'public.events[2/3]', 'public.events[3/3]', 'public.logs', 'public.users'],
    );
  });

  it('copies whole a table whose tenant rows fill little of the relation (an index scan is cheaper)', () => {
    // 75 MB of tenant rows in a 10 GB relation.
    const units = planCopyUnits([users, big, logs], 2, new Map([[big.qualified, even(1_310_720)]]));
    assert.equal(units.length, 3);
    assert.ok(units.every((u) => u.range === undefined));
  });

  it('trusts the block sample over an estimated plan: a table nearly empty of the tenant is copied whole', () => {
    // The planner guessed 75 MB (100k rows) where the tenant has 4 rows: the sample of the whole
    // relation (1280 blocks, all read) found 4. Before: split into ranges that read every block.
    const guessed: TablePlan = { ...big, rows: 100_000, estimated: true };
    const facts: SplitFacts = { blocks: 1280, blockSize: 8192, sample: [3, 200, 700, 1100], sampledShare: 1 };
    const units = planCopyUnits([users, guessed, logs], 2, new Map([[big.qualified, facts]]));
    assert.ok(
      units.every((u) => u.range === undefined),
      units.map((u) => unitLabel(u.table, u.range)).join(', '),
    );
    // The same sample for a plan that counted its rows (a dry run's) does not second-guess it.
    const counted: TablePlan = { ...big, rows: 100_000 };
    const split = planCopyUnits([users, counted, logs], 2, new Map([[big.qualified, facts]]));
    assert.ok(split.some((u) => u.range !== undefined));
  });

  it('scales an estimated table by the sampled share of its blocks', () => {
    // 2000 sampled rows from a tenth of the blocks: 20 000 rows, at 750 bytes each (75 MB / 100k).
    const guessed: TablePlan = { ...big, rows: 100_000, estimated: true };
    const facts: SplitFacts = { ...even(10_000, 2000), sampledShare: 0.1 };
    assert.equal(sampledBytes(guessed, facts), 20_000 * ((75 * MB) / 100_000));
    assert.equal(sampledBytes(guessed, even(10_000, 2000)), 75 * MB, 'without the share: the plan');
  });

  it('keeps plan order and whole tables without facts (one worker)', () => {
    const units = planCopyUnits([users, big, logs], 1, new Map());
    assert.deepEqual(
      units.map((u) => u.table.name),
      ['users', 'events', 'logs'],
    );
  });
});

describe('rangePredicate', () => {
  it('writes TID bounds, open at either end', () => {
    assert.equal(rangePredicate(undefined), 'true');
    assert.equal(rangePredicate({ index: 0, of: 2, toBlock: 10 }), `t.ctid < '(10,0)'::tid`);
    assert.equal(
      rangePredicate({ index: 1, of: 3, fromBlock: 10, toBlock: 20 }),
      `t.ctid >= '(10,0)'::tid AND t.ctid < '(20,0)'::tid`,
    );
    assert.equal(rangePredicate({ index: 1, of: 2, fromBlock: 10 }), `t.ctid >= '(10,0)'::tid`);
  });

  it('refuses a block number that is not a block number', () => {
    assert.throws(() => rangePredicate({ index: 1, of: 2, fromBlock: 1.5 }));
    assert.throws(() => rangePredicate({ index: 1, of: 2, fromBlock: -1 }));
    assert.throws(() => rangePredicate({ index: 1, of: 2, fromBlock: 2 ** 32 }));
  });
});
