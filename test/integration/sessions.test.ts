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
      c.query(`ALTER DATABASE ${pg.escapeIdentifier(`sessions_${suffix}`)} SET jit = on`),
    );
  });
  after(() => dropArtifacts(suffix));

  it('the database defaults to JIT on', async () => {
    const plain = await withClient(url, (c) => c.query<{ jit: string }>('SHOW jit'));
    assert.equal(plain.rows[0]!.jit, 'on');
  });

  it('engine sessions and check sessions run with JIT off', async () => {
    const engine = await connect(url);
    const check = await connectFor(url, 10_000);
    try {
      assert.equal((await engine.query<{ jit: string }>('SHOW jit')).rows[0]!.jit, 'off');
      assert.equal((await check.query<{ jit: string }>('SHOW jit')).rows[0]!.jit, 'off');
    } finally {
      await engine.end();
      await check.end();
    }
  });
});
