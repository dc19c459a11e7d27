import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { connect } from '../../src/postgres/connect';
import { connectFor } from '../../src/validation/db';
import { createDatabase, dropArtifacts, uniqueSuffix, withClient } from '../support/pg';

/**
 * The run's sessions set what they need instead of inheriting the server's defaults: JIT
 * compilation cost seconds per query on a table of many partitions, under the freeze (issue 13).
 */
describe("the tool's sessions (real PostgreSQL)", () => {
  const suffix = uniqueSuffix();
  let url = '';
  before(async () => {
    url = await createDatabase(`sessions_${suffix}`);
    await withClient(url, (c) =>
      c.query(
        `ALTER DATABASE ${pg.escapeIdentifier(`sessions_${suffix}`)} SET jit = on; ALTER DATABASE ${pg.escapeIdentifier(`sessions_${suffix}`)} SET default_transaction_isolation = 'repeatable read'`,
      ),
    );
  });
  after(() => dropArtifacts(suffix));

  it('the database defaults to JIT on and REPEATABLE READ', async () => {
    const plain = await withClient(url, (c) => c.query<{ jit: string }>('SHOW jit'));
    assert.equal(plain.rows[0]!.jit, 'on');
    const iso = await withClient(url, (c) => c.query<{ i: string }>('SHOW default_transaction_isolation'));
    assert.equal(Object.values(iso.rows[0]!)[0], 'repeatable read');
  });

  it('engine sessions and check sessions run with JIT off, in READ COMMITTED', async () => {
    const engine = await connect(url);
    const check = await connectFor(url, 10_000);
    try {
      for (const c of [engine, check]) {
        assert.equal((await c.query<{ jit: string }>('SHOW jit')).rows[0]!.jit, 'off');
        const iso = await c.query('SHOW default_transaction_isolation');
        assert.equal(Object.values(iso.rows[0]!)[0], 'read committed');
      }
    } finally {
      await engine.end();
      await check.end();
    }
  });
});
