import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changedFromXid } from '../../src/postgres/base-snapshot';

describe('changedFromXid: the oldest xid whose writes the base snapshot may not have seen here', () => {
  it('is S.xmax when nothing runs', () => {
    assert.deepEqual(changedFromXid({ xmin: '900', xmax: '900', xip: [], elsewhere: [] }), {
      changedFrom: '900',
      openElsewhere: 0,
    });
  });

  it('leaves out in-progress transactions proven to run in another database', () => {
    // 700 idles in another database; 850 runs here: the bound is 850, not S.xmin (700).
    assert.deepEqual(
      changedFromXid({ xmin: '700', xmax: '900', xip: ['700', '850'], elsewhere: ['700', '12'] }),
      { changedFrom: '850', openElsewhere: 1 },
    );
    assert.deepEqual(changedFromXid({ xmin: '700', xmax: '900', xip: ['700'], elsewhere: ['700'] }), {
      changedFrom: '900',
      openElsewhere: 1,
    });
  });

  it('keeps an in-progress xid no backend is known for (ended since, or not visible): conservative', () => {
    assert.equal(
      changedFromXid({ xmin: '700', xmax: '900', xip: ['700', '800'], elsewhere: ['800'] }).changedFrom,
      '700',
    );
  });

  it('matches 32-bit backend xids against the xid8s of a later epoch', () => {
    const epoch = 3n * 4294967296n;
    const x = (n: number) => (epoch + BigInt(n)).toString();
    assert.deepEqual(
      changedFromXid({ xmin: x(700), xmax: x(900), xip: [x(700), x(850)], elsewhere: ['700'] }),
      { changedFrom: x(850), openElsewhere: 1 },
    );
  });

  it('refuses anything but transaction ids (they are inlined into SQL later)', () => {
    assert.throws(() => changedFromXid({ xmin: '1', xmax: '2', xip: ["1'; --"], elsewhere: [] }));
    assert.throws(() => changedFromXid({ xmin: '1', xmax: '2', xip: [], elsewhere: ['x'] }));
  });
});
