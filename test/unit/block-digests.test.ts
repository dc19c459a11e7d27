import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockDigests } from '../../src/postgres/block-digests';

const fromPairs = (pairs: [string, string][]) =>
  BlockDigests.from((add) => pairs.forEach(([b, d]) => add(b, d)));

function differing(base: BlockDigests, now: [string, string][]): string[] {
  const out: string[] = [];
  base.differing(
    (visit) => now.forEach(([b, d]) => visit(b, d)),
    (blk) => out.push(blk),
  );
  return out.sort();
}

describe('block digests (compact, per relation)', () => {
  const base = fromPairs([
    ['16390:7', '-9223372036854775808'],
    ['16390:2', '42'],
    ['16401:0', '9223372036854775807'],
    ['16390:40000', '-1'],
  ]);

  it('keeps every block and digest exactly (int64 bounds included)', () => {
    assert.equal(base.size, 4);
    assert.deepEqual(base.entries().sort(), [
      ['16390:2', '42'],
      ['16390:40000', '-1'],
      ['16390:7', '-9223372036854775808'],
      ['16401:0', '9223372036854775807'],
    ]);
  });

  it('finds no block when every digest is the same', () => {
    assert.deepEqual(differing(base, base.entries().reverse()), []);
  });

  it('finds changed, new and emptied blocks', () => {
    assert.deepEqual(
      differing(base, [
        ['16390:2', '43'], // changed
        ['16390:7', '-9223372036854775808'],
        ['16390:8', '5'], // new block
        ['16402:7', '5'], // new relation (a partition)
        ['16401:0', '9223372036854775807'],
        // 16390:40000: S saw versions there, none is left
      ]),
      ['16390:2', '16390:40000', '16390:8', '16402:7'],
    );
  });

  it('an empty base finds every current block', () => {
    assert.deepEqual(differing(fromPairs([]), [['1:1', '0']]), ['1:1']);
  });
});
