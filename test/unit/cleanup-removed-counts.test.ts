import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareRemovedCounts } from '../../src/postgres/cleanup-removed';

describe('compareRemovedCounts (review r17 #2)', () => {
  it('is empty when every table removed has exactly its keys recorded', () => {
    assert.deepEqual(compareRemovedCounts({ 'public.users': 2 }, new Map([['public.users', 2]])), []);
  });

  it('names tables whose recorded keys are missing or differ (a backup from before the committed attempt)', () => {
    assert.deepEqual(
      compareRemovedCounts({ 'public.users': 2, 'public.tokens': 1 }, new Map([['public.users', 1]])),
      ['public.tokens: 1 removed, 0 recorded', 'public.users: 2 removed, 1 recorded'],
    );
    assert.deepEqual(compareRemovedCounts({}, new Map([['public.users', 3]])), [
      'public.users: 0 removed, 3 recorded',
    ]);
  });
});
