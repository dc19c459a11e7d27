import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shownKey } from '../../src/postgres/rollback-merge';

describe('shownKey (review r17 #12)', () => {
  it('shows two different composite keys differently, whatever their text holds', () => {
    // Both were shown as (a,b,"q") before the elements were quoted.
    assert.equal(shownKey(['a,b', '"q"']), '("a,b","""q""")');
    assert.equal(shownKey(['a', 'b,"q"']), '(a,"b,""q""")');
    assert.notEqual(shownKey(['a,b', '"q"']), shownKey(['a', 'b,"q"']));
  });

  it('leaves plain elements and single keys as they are, quotes empty and spaced ones', () => {
    assert.equal(shownKey(['42']), '42');
    assert.equal(shownKey(['eu', '7']), '(eu,7)');
    assert.equal(shownKey(['', 'a b', 'c\\d']), '("","a b","c\\\\d")');
  });
});
