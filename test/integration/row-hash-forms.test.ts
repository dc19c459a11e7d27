import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  compareDigests,
  digestOf,
  ledgerRowHashSql,
  rowHashSql,
  type TableDigest,
} from '../../src/postgres/checksum';
import { verifiedFrom, type TableComparison } from '../../src/postgres/catch-up';
import type { TablePlan } from '../../src/postgres/plan-types';
import { EMBEDDED_PACKAGES, startEmbedded, type EmbeddedServer } from '../support/embedded';
import { withClient } from '../support/pg';

/**
 * The two row hash forms (checksum.ts RowHashForm). The ledger form is stored at the switch and in
 * the rollback ledger and compared days later, possibly by a newer version: its value for a fixed
 * row is pinned here as a literal, so a ledger written by the md5 form still rolls back. The fast
 * form is compared within a run only, but source and target may be different majors: the same
 * row text must hash the same on 15, 16, 17 and 18.
 */

const LOCAL = 'postgres://postgres@127.0.0.1:5432/postgres';
// ROW(1, 'a b', NULL::int)::text = '(1,"a b",)'.
const ROW_SQL = `SELECT 1 AS "id", 'a b'::text AS "name", NULL::int AS "note"`;
const ROW_TEXT = '(1,"a b",)';
// ('x' || substr(md5('(1,"a b",)'), 1, 16))::bit(64)::bigint, as every released version stored it.
const LEDGER_HASH = '1463062474503414825';
// hashtextextended('(1,"a b",)', 0) on a little-endian server.
const FAST_HASH = '4280411909749434950';

const table: TablePlan = {
  schema: 'public',
  name: 't',
  qualified: '"public"."t"',
  kind: 'tenant',
  columns: ['"id"', '"name"', '"note"'],
  keyColumns: ['"id"'],
  where: 'true',
  binarySafe: true,
  partitioned: false,
};

async function hashes(url: string): Promise<{ text: string; ledger: string; fast: string }> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ text: string; ledger: string; fast: string }>(
      `SELECT ROW(t."id", t."name", t."note")::text AS text, ${ledgerRowHashSql(table)}::text AS ledger,
              ${rowHashSql(table)}::text AS fast FROM (${ROW_SQL}) t`,
    );
    return rows[0]!;
  });
}

describe('row hash forms', () => {
  it('keeps the ledger form md5-derived: a fixed row hashes to the value older versions stored', async () => {
    assert.match(ledgerRowHashSql(table), /md5\(ROW\(t\."id", t\."name", t\."note"\)::text\)/);
    const h = await hashes(LOCAL);
    assert.equal(h.text, ROW_TEXT);
    assert.equal(h.ledger, LEDGER_HASH);
    // The recorded whole-table digest of that one row, as `digestOf` (cleanup, status --verify, rollback) reads it.
    assert.equal(digestOf(1, LEDGER_HASH), 'da4cf54858f7488b7c16ff808ee5d392');
    assert.equal(h.fast, FAST_HASH);
    assert.notEqual(h.fast, h.ledger);
  });

  it('refuses to compare digests of different forms, and to record a fast one', () => {
    const d = (form: 'fast' | 'ledger'): TableDigest => ({
      table: table.qualified,
      form,
      count: 1,
      digest: 'x',
      buckets: [{ bucket: 0, count: 1, sum: '1' }],
      scheme: { kind: 'key-hash', buckets: 1 },
    });
    assert.throws(
      () => compareDigests(table.qualified, d('fast'), d('ledger')),
      /fast digest cannot be compared with a ledger/,
    );
    assert.equal(compareDigests(table.qualified, d('ledger'), d('ledger')).equal, true);
    const fast = { table, source: d('fast'), target: d('fast'), equal: true, differences: [] };
    assert.throws(
      () => verifiedFrom(fast as unknown as TableComparison<'ledger'>),
      /fast digest cannot be recorded/,
    );
  });

  describe('across majors', () => {
    const servers: EmbeddedServer[] = [];
    const skipped: string[] = [];
    before(async () => {
      for (const pkg of [EMBEDDED_PACKAGES[16], EMBEDDED_PACKAGES[17], EMBEDDED_PACKAGES[18]]) {
        const s = await startEmbedded(pkg);
        if ('server' in s) servers.push(s.server);
        else skipped.push(s.skip);
      }
    });
    after(async () => {
      for (const s of servers) await s.stop();
    });

    it('gives the same fast and ledger hash of the same row text on 15, 16, 17 and 18', async (t) => {
      if (skipped.length) t.diagnostic(`skipped: ${skipped.join('; ')}`);
      assert.ok(servers.length > 0, 'no embedded server started');
      for (const s of servers) {
        const h = await hashes(s.url);
        assert.deepEqual(
          h,
          { text: ROW_TEXT, ledger: LEDGER_HASH, fast: FAST_HASH },
          `PostgreSQL ${s.major}`,
        );
      }
    });
  });
});
