import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  compareDigests,
  digestOf,
  digestTable,
  ledgerRowHashSql,
  matchesRecorded,
  recordDigest,
  recordedForm,
  rowHashSql,
  setComparableSession,
  type RecordedDigest,
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

  it('refuses to compare digests of different forms, and a digest with a record of another form', () => {
    const d = (form: 'fast' | 'ledger'): TableDigest => ({
      table: table.qualified,
      form,
      count: 1,
      sum: '1',
      digest: 'x',
      buckets: [{ bucket: 0, count: 1, sum: '1' }],
      scheme: { kind: 'key-hash', buckets: 1 },
    });
    assert.throws(
      () => compareDigests(table.qualified, d('fast'), d('ledger')),
      /fast digest cannot be compared with a ledger/,
    );
    assert.equal(compareDigests(table.qualified, d('ledger'), d('ledger')).equal, true);
    const fast = { table, source: d('fast'), target: d('ledger'), equal: true, differences: [] };
    assert.throws(
      () => verifiedFrom(fast as unknown as TableComparison),
      /fast digest cannot be compared with a ledger/,
    );
    // A record without a form was written by an older switch: the ledger form.
    assert.equal(recordedForm({ count: 1, digest: 'x' }), 'ledger');
    assert.throws(
      () => matchesRecorded({ count: 1, digest: 'x' }, d('fast')),
      /fast digest cannot be compared with a recorded ledger/,
    );
    assert.throws(
      () => matchesRecorded({ count: 1, digest: 'x', form: 'fast' }, d('ledger')),
      /ledger digest cannot be compared with a recorded fast/,
    );
  });

  it('verifies a record in the form it was made in: an old md5 record and a fast one; a changed row fails each', async () => {
    await withClient(LOCAL, async (c) => {
      await setComparableSession(c);
      await c.query(`CREATE TEMP TABLE t (id int PRIMARY KEY, name text, note int)`);
      await c.query(`INSERT INTO t SELECT g, 'row ' || g, NULLIF(g % 3, 0) FROM generate_series(1, 500) g`);
      const tmp: TablePlan = { ...table, schema: 'pg_temp', qualified: 'pg_temp."t"' };
      const digest = (form: 'fast' | 'ledger') =>
        digestTable(c, tmp, 'target', { form, range: { lo: '1', hi: '500' } });
      const sumOf = (d: TableDigest) => d.buckets.reduce((a, b) => a + BigInt(b.sum), 0n).toString();
      // As a switch before this change recorded it: count and md5-form digest, no form field.
      const ledgerNow = await digest('ledger');
      const old: RecordedDigest = {
        count: ledgerNow.count,
        digest: digestOf(ledgerNow.count, sumOf(ledgerNow)),
      };
      // As the switch records it now: the fast form, named.
      const fastNow = await digest('fast');
      const recorded = recordDigest('fast', fastNow.count, sumOf(fastNow));
      assert.equal(recorded.form, 'fast');
      assert.notEqual(recorded.digest, old.digest);
      for (const rec of [old, recorded]) {
        assert.equal(
          matchesRecorded(rec, await digest(recordedForm(rec))),
          true,
          `${recordedForm(rec)} record`,
        );
      }
      // One value changed (same count): every form's record fails.
      await c.query(`UPDATE t SET name = 'row 250 changed' WHERE id = 250`);
      for (const rec of [old, recorded]) {
        const now = await digest(recordedForm(rec));
        assert.equal(now.count, rec.count);
        assert.equal(matchesRecorded(rec, now), false, `${recordedForm(rec)} record after an update`);
      }
      // A NULL turned into a value and back elsewhere leaves it failing (the update above stays).
      await c.query(`UPDATE t SET note = 7 WHERE id = 3`);
      await c.query(`UPDATE t SET note = NULL WHERE id = 3`);
      for (const rec of [old, recorded])
        assert.equal(matchesRecorded(rec, await digest(recordedForm(rec))), false);
      // Restored: both verify again (the digest is of the rows, not of their history).
      await c.query(`UPDATE t SET name = 'row 250' WHERE id = 250`);
      for (const rec of [old, recorded])
        assert.equal(matchesRecorded(rec, await digest(recordedForm(rec))), true);
    });
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
