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
  rowHashSqlOf,
  type RowHashColumn,
  type RowHashForm,
  setComparableSession,
  RecordedDigest,
  type TableDigest,
} from '../../src/postgres/checksum';
import { verifiedFrom, type TableComparison } from '../../src/postgres/catch-up';
import type { TablePlan } from '../../src/postgres/plan-types';
import { EMBEDDED_PACKAGES, startEmbedded, type EmbeddedServer } from '../support/embedded';
import { withClient } from '../support/pg';

/**
 * The row hash forms (checksum.ts RowHashForm). Every form a record names is compared days later,
 * possibly by a newer version and on another major: the ledger form (the rollback ledger, old
 * switch records), 'fast' (switch records before 'columns-1') and 'columns-1' (the switch's
 * records now). Each one's value for a fixed row is pinned here as a literal, on 15, 16, 17 and
 * 18, so a recipe that changed under its name fails here before any record is misread.
 */

const LOCAL = 'postgres://postgres@127.0.0.1:5432/postgres';
// ROW(1, 'a b', NULL::int)::text = '(1,"a b",)'.
const ROW_SQL = `SELECT 1 AS "id", 'a b'::text AS "name", NULL::int AS "note"`;
const ROW_TEXT = '(1,"a b",)';
// ('x' || substr(md5('(1,"a b",)'), 1, 16))::bit(64)::bigint, as every released version stored it.
const LEDGER_HASH = '1463062474503414825';
// hashtextextended('(1,"a b",)', 0) on a little-endian server.
const FAST_HASH = '4280411909749434950';

// One value of every 'columns-1' kind (checksum.ts ColumnHashKind), NULLs and extremes included.
const KINDS_SQL = `SELECT -9223372036854775807::int8 AS "i8", 7::int2 AS "i2", NULL::int4 AS "i4",
  true AS "b", '2024-02-29'::date AS "d", '2024-01-01 10:00:00.000001'::timestamp AS "ts",
  '294276-12-31 23:59:59.999999+00'::timestamptz AS "tz", 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS "u",
  'p é'::text AS "tx", ''::varchar AS "vc", 'ab'::char(4) AS "bp", 1.0::numeric AS "n",
  '{"a": [1, null]}'::jsonb AS "j", NULL::text AS "nul"`;
const KINDS_TABLE: TablePlan = {
  ...{ schema: 'public', name: 'k', qualified: '"public"."k"', kind: 'tenant' as const },
  columns: [
    '"i8"',
    '"i2"',
    '"i4"',
    '"b"',
    '"d"',
    '"ts"',
    '"tz"',
    '"u"',
    '"tx"',
    '"vc"',
    '"bp"',
    '"n"',
    '"j"',
    '"nul"',
  ],
  keyColumns: ['"i8"'],
  where: 'true',
  binarySafe: true,
  partitioned: false,
};
const KINDS: RowHashColumn[] = (
  [
    ['int8', true],
    ['int4', false],
    ['int4', false],
    ['bool', false],
    ['date', false],
    ['timestamp', false],
    ['timestamptz', false],
    ['uuid', false],
    ['text', true],
    ['text', false],
    ['bpchar', false],
    ['output', false],
    ['output', false],
    ['text', false],
  ] as const
).map(([kind, notNull]) => ({ kind, notNull }));
// The 'columns-1' hash of that row on a little-endian server. Never change it: a change means
// records of 'columns-1' no longer verify; a new recipe is 'columns-2' (checksum.ts).
const COLUMNS_1_HASH = '6948842290819961361';

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

async function hashes(
  url: string,
): Promise<{ text: string; ledger: string; fast: string; columns1: string }> {
  return withClient(url, async (c) => {
    // The session settings every digest runs under (the 'output' kind reads text).
    await setComparableSession(c);
    const { rows } = await c.query<{ text: string; ledger: string; fast: string }>(
      `SELECT ROW(t."id", t."name", t."note")::text AS text, ${ledgerRowHashSql(table)}::text AS ledger,
              ${rowHashSql(table)}::text AS fast FROM (${ROW_SQL}) t`,
    );
    const columns = await c.query<{ h: string }>(
      `SELECT ${rowHashSqlOf('columns-1', KINDS_TABLE, KINDS)}::text AS h FROM (${KINDS_SQL}) t`,
    );
    return { ...rows[0]!, columns1: columns.rows[0]!.h };
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
    assert.equal(h.columns1, COLUMNS_1_HASH);
  });

  it('refuses to compare digests of different forms, and a digest with a record of another form', () => {
    const d = (form: RowHashForm): TableDigest => ({
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
    // The per-column recipe is never crossed with a text form, either way.
    assert.throws(
      () => compareDigests(table.qualified, d('columns-1'), d('fast')),
      /columns-1 digest cannot be compared with a fast/,
    );
    assert.throws(
      () => matchesRecorded({ count: 1, digest: 'x', form: 'columns-1' }, d('fast')),
      /fast digest cannot be compared with a recorded columns-1/,
    );
    assert.throws(
      () => matchesRecorded({ count: 1, digest: 'x', form: 'fast' }, d('columns-1')),
      /columns-1 digest cannot be compared with a recorded fast/,
    );
    // The same count and sum recorded in two forms never give the same digest.
    assert.notEqual(recordDigest('columns-1', 1, '1').digest, recordDigest('fast', 1, '1').digest);
  });

  it('verifies a record in the form it was made in: an old md5 record, a fast one and a columns-1 one; a changed row fails each', async () => {
    await withClient(LOCAL, async (c) => {
      await setComparableSession(c);
      await c.query(`CREATE TEMP TABLE t (id int PRIMARY KEY, name text, note int)`);
      await c.query(`INSERT INTO t SELECT g, 'row ' || g, NULLIF(g % 3, 0) FROM generate_series(1, 500) g`);
      const tmp: TablePlan = { ...table, schema: 'pg_temp', qualified: 'pg_temp."t"' };
      const digest = (form: RowHashForm) =>
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
      // As the switch records it now: the versioned per-column recipe, named.
      const columnsNow = await digest('columns-1');
      const columns1 = recordDigest('columns-1', columnsNow.count, sumOf(columnsNow));
      assert.equal(columns1.form, 'columns-1');
      assert.equal(RecordedDigest.parse(columns1).form, 'columns-1');
      assert.notEqual(columns1.digest, recorded.digest);
      const records = [old, recorded, columns1];
      for (const rec of records) {
        assert.equal(
          matchesRecorded(rec, await digest(recordedForm(rec))),
          true,
          `${recordedForm(rec)} record`,
        );
      }
      // One value changed (same count): every form's record fails.
      await c.query(`UPDATE t SET name = 'row 250 changed' WHERE id = 250`);
      for (const rec of records) {
        const now = await digest(recordedForm(rec));
        assert.equal(now.count, rec.count);
        assert.equal(matchesRecorded(rec, now), false, `${recordedForm(rec)} record after an update`);
      }
      // A NULL turned into a value and back elsewhere leaves it failing (the update above stays).
      await c.query(`UPDATE t SET note = 7 WHERE id = 3`);
      await c.query(`UPDATE t SET note = NULL WHERE id = 3`);
      for (const rec of records) assert.equal(matchesRecorded(rec, await digest(recordedForm(rec))), false);
      // Restored: both verify again (the digest is of the rows, not of their history).
      await c.query(`UPDATE t SET name = 'row 250' WHERE id = 250`);
      for (const rec of records) assert.equal(matchesRecorded(rec, await digest(recordedForm(rec))), true);
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

    it('gives the same fast and ledger hash of the same row text, and the same columns-1 hash of the same row, on 15, 16, 17 and 18', async (t) => {
      if (skipped.length) t.diagnostic(`skipped: ${skipped.join('; ')}`);
      assert.ok(servers.length > 0, 'no embedded server started');
      for (const s of servers) {
        const h = await hashes(s.url);
        assert.deepEqual(
          h,
          { text: ROW_TEXT, ledger: LEDGER_HASH, fast: FAST_HASH, columns1: COLUMNS_1_HASH },
          `PostgreSQL ${s.major}`,
        );
      }
    });
  });
});
