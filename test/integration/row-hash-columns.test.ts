import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  columnHashKind,
  compareTable,
  readRowHashColumns,
  recordDigest,
  rowHashSqlOf,
  setComparableSession,
} from '../../src/postgres/checksum';
import type { TablePlan } from '../../src/postgres/plan-types';
import { EMBEDDED_PACKAGES, startEmbedded, type EmbeddedServer } from '../support/embedded';
import { createDatabase, dropArtifacts, uniqueSuffix, withClient } from '../support/pg';

/**
 * The 'columns-1' row hash (checksum.ts RowHashForm, ColumnHashKind): each column hashed by its own
 * type where that is exact and the same in every database, by its text otherwise. Two databases
 * hold the same row; every change below, made in one of them, must make the digests differ —
 * including the changes PostgreSQL's own hash functions cannot see (-0 vs 0, 1.0 vs 1.00, a case
 * change under a nondeterministic collation, int8 values whose folded hashes are equal) and
 * enums whose OIDs differ between the databases.
 */

const COLUMNS = [
  'id',
  'i2',
  'i4',
  'i8',
  'b',
  'd',
  'ts',
  'tz',
  'u',
  'tx',
  'vc',
  'ci',
  'bp',
  'f8',
  'f4',
  'n',
  'e',
  'arr',
  'ea',
  'j',
  'by',
  'iv',
  'dom',
  'nul',
  'tx2',
] as const;

const table: TablePlan = {
  schema: 'public',
  name: 'wide',
  qualified: '"public"."wide"',
  kind: 'tenant',
  columns: COLUMNS.map((c) => `"${c}"`),
  keyColumns: ['"id"'],
  where: 'true',
  binarySafe: false,
  partitioned: false,
};

/**
 * The schema, with the enum's labels given (their OIDs follow the database's OID counter).
 * Without ICU (the embedded servers' builds) the `ci` collation is the default one.
 */
const ddl = (labels: string, icu = true) => `
  ${icu ? `CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);` : `CREATE COLLATION ci FROM "default";`}
  CREATE TYPE mood AS ENUM (${labels});
  CREATE DOMAIN big AS int8 CHECK (VALUE <> 42);
  CREATE TABLE wide (id int8 PRIMARY KEY, i2 int2, i4 int4, i8 int8, b bool, d date, ts timestamp,
    tz timestamptz, u uuid, tx text NOT NULL, vc varchar(20), ci text COLLATE ci, bp char(4),
    f8 float8, f4 float4, n numeric, e mood, arr int[], ea mood[], j jsonb, by bytea, iv interval,
    dom big, nul text, tx2 text);`;

const ROWS = `INSERT INTO wide VALUES
  (1, 7, 70000, 0, true, '2024-02-29', '2024-01-01 10:00:00.000001', '2024-01-01 10:00:00+02',
   'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'p', 'v', 'abc', 'ab', 0, 1.5, 1.0, 'happy',
   '{1,2}', '{happy,sad}', '{"a": 1.0}', '\\x0001', '1 day', 5, NULL, 'q'),
  (2, NULL, NULL, NULL, NULL, 'infinity', '-infinity', 'infinity', NULL, '', NULL, NULL, NULL,
   'NaN', '-Infinity', 'NaN', NULL, '{}', NULL, 'null', '\\x', '-1 mon', NULL, '', NULL),
  (3, -32768, -2147483648, -9223372036854775808, false, '4713-01-01 BC', '294276-12-31 23:59:59.999999',
   '1970-01-01 00:00:00+00', '00000000-0000-0000-0000-000000000000', 'x', '', '', '', 1e308, 1e-38,
   -0.000001, 'sad', '{NULL}', '{}', '[]', '\\xff', '0', 9223372036854775807, 'z', '')`;

/** Each change, made in the target, that the digest must see: [what, SQL]. */
const CHANGES: [string, string][] = [
  ['int2', 'UPDATE wide SET i2 = 8 WHERE id = 1'],
  ['int4', 'UPDATE wide SET i4 = 70001 WHERE id = 1'],
  ['int8 whose folded hash is equal (0 → 4294967297)', 'UPDATE wide SET i8 = 4294967297 WHERE id = 1'],
  ['bool', 'UPDATE wide SET b = false WHERE id = 1'],
  ['date', `UPDATE wide SET d = '2024-03-01' WHERE id = 1`],
  ['date infinity', `UPDATE wide SET d = '-infinity' WHERE id = 2`],
  ['timestamp by 1 µs', `UPDATE wide SET ts = ts + interval '1 microsecond' WHERE id = 1`],
  [
    'timestamp near the end of its range by 1 µs',
    `UPDATE wide SET ts = ts - interval '1 microsecond' WHERE id = 3`,
  ],
  ['timestamptz by 1 µs', `UPDATE wide SET tz = tz + interval '1 microsecond' WHERE id = 1`],
  ['timestamptz by 2^32 + 1 µs', `UPDATE wide SET tz = tz + interval '4294967297 microseconds' WHERE id = 3`],
  ['uuid', `UPDATE wide SET u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12' WHERE id = 1`],
  ['text', `UPDATE wide SET tx = 'P' WHERE id = 1`],
  ['varchar', `UPDATE wide SET vc = 'w' WHERE id = 1`],
  ['case under a nondeterministic collation', `UPDATE wide SET ci = 'ABC' WHERE id = 1`],
  ['char(n)', `UPDATE wide SET bp = 'ac' WHERE id = 1`],
  ['float8 0 → -0', `UPDATE wide SET f8 = '-0' WHERE id = 1`],
  ['float4', `UPDATE wide SET f4 = 1.25 WHERE id = 1`],
  ['numeric 1.0 → 1.00', `UPDATE wide SET n = 1.00 WHERE id = 1`],
  ['enum label', `UPDATE wide SET e = 'sad' WHERE id = 1`],
  ['int array', `UPDATE wide SET arr = '{2,1}' WHERE id = 1`],
  ['enum array', `UPDATE wide SET ea = '{sad,happy}' WHERE id = 1`],
  ['jsonb 1.0 → 1.00', `UPDATE wide SET j = '{"a": 1.00}' WHERE id = 1`],
  ['bytea', `UPDATE wide SET "by" = '\\x0002' WHERE id = 1`],
  ['interval 1 day → 24 hours', `UPDATE wide SET iv = '24 hours' WHERE id = 1`],
  ['domain over int8', 'UPDATE wide SET dom = 6 WHERE id = 1'],
  ["NULL → ''", `UPDATE wide SET nul = '' WHERE id = 1`],
  ["'' → NULL", `UPDATE wide SET nul = NULL WHERE id = 2`],
  ['NULL int → 0', 'UPDATE wide SET i4 = 0 WHERE id = 2'],
  ['two columns swapped', `UPDATE wide SET tx = tx2, tx2 = tx WHERE id = 1`],
  [
    'values swapped between two rows',
    `UPDATE wide SET tx2 = CASE id WHEN 1 THEN '' ELSE 'q' END WHERE id IN (1, 3)`,
  ],
];

async function open(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await setComparableSession(c);
  return c;
}

describe("the 'columns-1' row hash", () => {
  const suffix = uniqueSuffix();
  const names = { source: `rhc_src_${suffix}`, target: `rhc_tgt_${suffix}` };
  let source: pg.Client;
  let target: pg.Client;

  before(async () => {
    const urls = { source: await createDatabase(names.source), target: await createDatabase(names.target) };
    await withClient(urls.source, (c) => c.query(`${ddl(`'happy', 'sad'`)} ${ROWS}`));
    // Another enum first: the target's labels get other OIDs than the source's.
    await withClient(urls.target, (c) =>
      c.query(`CREATE TYPE shift AS ENUM ('a', 'b', 'c'); ${ddl(`'happy', 'sad'`)} ${ROWS}`),
    );
    source = await open(urls.source);
    target = await open(urls.target);
  });
  after(async () => {
    await source?.end();
    await target?.end();
    await dropArtifacts(suffix);
  });

  it('hashes each column by its kind, unknown types by their text', async () => {
    const kinds = (await readRowHashColumns(source, table, 'columns-1')).map((c) => c.kind);
    assert.deepEqual(kinds, [
      'int8',
      'int4',
      'int4',
      'int8',
      'bool',
      'date',
      'timestamp',
      'timestamptz',
      'uuid',
      'text',
      'text',
      'text',
      'bpchar',
      'output',
      'output',
      'output',
      'output',
      'output',
      'output',
      'output',
      'output',
      'output',
      'int8',
      'text',
      'text',
    ]);
    assert.equal(columnHashKind(700), 'output'); // float4
    assert.equal(columnHashKind(123456), 'output'); // a user-defined type
    assert.throws(() => rowHashSqlOf('columns-1', table), /needs the columns' types/);
    // Recordable: the name is a versioned recipe that never changes (row-hash-forms.test.ts pins it).
    assert.equal(recordDigest('columns-1', 1, '1').form, 'columns-1');
  });

  it('agrees on the same rows although the enum OIDs differ, and sees every change', async () => {
    const enumOids = async (c: pg.Client) =>
      (
        await c.query<{ oid: string }>(
          `SELECT oid::text FROM pg_enum WHERE enumtypid = 'mood'::regtype ORDER BY 1`,
        )
      ).rows.map((r) => r.oid);
    assert.notDeepEqual(await enumOids(source), await enumOids(target));
    const equal = await compareTable(source, target, table, { form: 'columns-1' });
    assert.deepEqual(equal.differences, []);
    assert.equal(equal.equal, true);
    // The fold of the int8 hash, and the equalities the types' own hashes ignore, are real:
    // PostgreSQL's hash functions cannot tell these apart.
    const { rows } = await source.query<Record<string, boolean>>(`SELECT
      hashint8extended(0, 0) = hashint8extended(4294967297, 0) AS int8_fold,
      hashfloat8extended('-0', 0) = hashfloat8extended(0, 0) AS float_zero,
      hash_numeric_extended(1.0, 0) = hash_numeric_extended(1.00, 0) AS numeric_scale,
      hashtextextended('abc' COLLATE ci, 0) = hashtextextended('ABC' COLLATE ci, 0) AS collation`);
    assert.deepEqual(rows[0], { int8_fold: true, float_zero: true, numeric_scale: true, collation: true });

    for (const [what, sql] of CHANGES) {
      await target.query('BEGIN');
      try {
        await target.query(sql);
        const r = await compareTable(source, target, table, { form: 'columns-1' });
        assert.equal(r.equal, false, `${what}: not seen`);
        assert.match(r.differences.join('\n'), /keys 1\.\.1|keys 2\.\.2|keys 3\.\.3/, what);
      } finally {
        await target.query('ROLLBACK');
      }
    }
  });

  it('sees an enum whose labels differ at the same positions (same OID order)', async () => {
    const suffix2 = uniqueSuffix();
    const url = await createDatabase(`rhc_enum_${suffix}_${suffix2}`);
    try {
      // Same sort order and position, 'sad' renamed: a hash by OID order would not see it.
      await withClient(url, (c) =>
        c.query(
          `${ddl(`'happy', 'glad'`)} ${ROWS.replace(/'sad'/g, `'glad'`).replace('{happy,sad}', '{happy,glad}')}`,
        ),
      );
      const other = await open(url);
      try {
        const r = await compareTable(source, other, table, { form: 'columns-1' });
        assert.equal(r.equal, false);
        assert.match(r.differences.join('\n'), /keys 1\.\.1/);
        assert.match(r.differences.join('\n'), /keys 3\.\.3/);
      } finally {
        await other.end();
      }
    } finally {
      await dropArtifacts(suffix2);
    }
  });

  it('digests dates past the end of timestamp (up to 5874897 AD) and sees a change of one', async () => {
    // date reaches 5874897 AD, timestamp 294276 AD: the hash's cast to timestamp failed with
    // "date out of range for timestamp" and a healthy promotion failed its checksums.
    await source.query('BEGIN');
    await target.query('BEGIN');
    try {
      for (const c of [source, target])
        await c.query(
          `INSERT INTO wide (id, d, tx) VALUES (4, '5874897-12-31', 'late'), (5, '294277-01-01', 'late')`,
        );
      const equal = await compareTable(source, target, table, { form: 'columns-1' });
      assert.deepEqual(equal.differences, []);
      await target.query(`UPDATE wide SET d = '5874897-12-30' WHERE id = 4`);
      const changed = await compareTable(source, target, table, { form: 'columns-1' });
      assert.equal(changed.equal, false);
      assert.match(changed.differences.join('\n'), /keys 4\.\.4/);
    } finally {
      await source.query('ROLLBACK');
      await target.query('ROLLBACK');
    }
  });

  it('names a column whose type differs between the sides', async () => {
    await target.query('BEGIN');
    try {
      await target.query('ALTER TABLE wide ALTER COLUMN f8 TYPE int8 USING 0');
      const r = await compareTable(source, target, table, { form: 'columns-1' });
      assert.equal(r.equal, false);
      assert.match(r.differences[0]!, /column "f8" is hashed as output on the source, int8 on the target/);
    } finally {
      await target.query('ROLLBACK');
    }
  });

  describe('across majors', () => {
    let server: EmbeddedServer | undefined;
    let skip: string | undefined;
    before(async () => {
      const s = await startEmbedded(EMBEDDED_PACKAGES[17]);
      if ('server' in s) server = s.server;
      else skip = s.skip;
    });
    after(async () => {
      await server?.stop();
    });

    it('gives the same digest on PostgreSQL 15 and 17, and the 17 side sees a change', async (t) => {
      if (skip) t.diagnostic(`skipped: ${skip}`);
      assert.ok(server, 'no embedded server started');
      const icu = await withClient(server.url, async (c) => {
        const { rows } = await c.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_collation WHERE collprovider = 'i'`,
        );
        return rows[0]!.n > 0;
      });
      await withClient(server.url, (c) => c.query(`${ddl(`'happy', 'sad'`, icu)} ${ROWS}`));
      const other = await open(server.url);
      try {
        const r = await compareTable(source, other, table, { form: 'columns-1' });
        assert.deepEqual(r.differences, []);
        assert.equal(r.source.sum, r.target.sum);
        await other.query(`UPDATE wide SET n = 1.00 WHERE id = 1`);
        assert.equal((await compareTable(source, other, table, { form: 'columns-1' })).equal, false);
      } finally {
        await other.end();
      }
    });
  });
});
