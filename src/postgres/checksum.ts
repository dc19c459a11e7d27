import { createHash } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';
import { onTarget, type TablePlan } from './plan-types';

/**
 * Table digests computed by PostgreSQL: one aggregate query per table, constant memory on both
 * ends. Each row is hashed to a signed 64-bit integer (in one of three forms, see
 * `RowHashForm`); hashes are summed into numeric per key bucket, so a difference is located by
 * bucket and named by key range. A sum is order-independent, so it is a multiset digest: tables
 * without a key are covered (bucketed by the row hash itself) and duplicate rows count twice.
 */

/**
 * Settings that make `ROW(...)::text` identical on both sides, whatever each server or role
 * defaults to. `lc_monetary` matters for the money type; collation does not change text output.
 */
const COMPARABLE_SETTINGS: ReadonlyArray<[string, string]> = [
  ['DateStyle', 'ISO, MDY'],
  ['TimeZone', 'UTC'],
  ['IntervalStyle', 'postgres'],
  ['extra_float_digits', '3'],
  ['bytea_output', 'hex'],
  ['client_encoding', 'UTF8'],
  ['lc_monetary', 'C'],
];

/** Session settings that make text output identical on both sides (see COMPARABLE_SETTINGS). */
export async function setComparableSession(client: pg.ClientBase): Promise<void> {
  for (const [name, value] of COMPARABLE_SETTINGS) {
    await client.query('SELECT set_config($1, $2, false)', [name, value]);
  }
}

export interface BucketDigest {
  bucket: number;
  count: number;
  /** Sum of the rows' 64-bit hashes, as exact decimal text. */
  sum: string;
  /** Smallest and largest key (as text) seen in the bucket on this side. */
  minKey?: string;
  maxKey?: string;
}

/** How rows were assigned to buckets; two digests compare bucket by bucket only under the same scheme. */
export type BucketScheme =
  | { kind: 'range'; lo: string; hi: string; buckets: number }
  | { kind: 'key-hash'; buckets: number }
  | { kind: 'row-hash'; buckets: number };

export interface TableDigest<F extends RowHashForm = RowHashForm> {
  table: string;
  /** Which row hash the sums are of; digests of different forms are never compared. */
  form: F;
  count: number;
  /** Sum of every row's hash, as exact decimal text (what a recorded digest is made of). */
  sum: string;
  /** Digest of the whole table, independent of the bucket scheme: md5 of `count:sum` (ledger form; the fast form's is marked so the two never match). */
  digest: string;
  /** Per bucket; empty when the digest was taken whole (`locate: false`): it then tells equal or not, not where. */
  buckets: BucketDigest[];
  scheme: BucketScheme;
  /** A per-column form's column kinds on this side: what re-hashing these rows must use (the catch-up). */
  columns?: readonly RowHashColumn[];
}

export interface DigestOptions<F extends RowHashForm = RowHashForm> {
  /** Which row hash (see RowHashForm). */
  form: F;
  /** A per-column form's column kinds on this side (read from the catalog when absent). */
  columns?: readonly RowHashColumn[];
  /** Number of buckets (default 64). */
  buckets?: number;
  /**
   * Key range for a single integer key (from `keyRange` on the source): rows are bucketed by
   * key ranges of equal width, so a difference names a contiguous key range. Without it, rows
   * are bucketed by a hash of the key.
   */
  range?: { lo: string; hi: string };
  /**
   * false: one count and sum for the whole table, no buckets (default true). The grouping by
   * bucket costs several times the row hashing itself (measured: 1M rows, ~1 s whole against
   * ~5 s per bucket), and is only needed to locate a difference once one is known.
   */
  locate?: boolean;
}

export const DEFAULT_BUCKETS = 64;
const INTEGER_TYPE_OIDS = new Set([20, 21, 23]); // int8, int2, int4

/**
 * The table's own rows: `ONLY` unless it is a partitioned parent (whose rows live in its
 * partitions). Inheritance children are planned as tables of their own, so a parent's digest
 * must not include them.
 */
export function fromTable(table: TablePlan): string {
  return table.partitioned ? table.qualified : `ONLY ${table.qualified}`;
}

function predicate(table: TablePlan, side: 'source' | 'target'): string {
  return side === 'source' ? table.where : 'true';
}

export function keyText(table: TablePlan): string | undefined {
  if (table.keyColumns.length === 0) return undefined;
  if (table.keyColumns.length === 1) return `t.${table.keyColumns[0]}::text`;
  return `ROW(${table.keyColumns.map((c) => `t.${c}`).join(', ')})::text`;
}

/**
 * Three forms of the 64-bit row hash, never to be mixed (their values are unrelated):
 * - 'columns-1': each column hashed by its own type's hash function where the value PostgreSQL
 *   hashes is what COPY preserves and the hash is the same on every major (see `ColumnHashKind`),
 *   through its text output otherwise, the column hashes chained in column order (each seeds the
 *   next: position matters, the mix is not a sum) and NULL marked apart from every value. Used by
 *   the checksums check and by the switch, whose recorded digests name it. The name is a
 *   VERSIONED recipe (COLUMNS_RECIPES): what 'columns-1' computes never changes, because
 *   cleanup and `status --verify` recompute it from a record, possibly with a newer version of
 *   this tool. A version that hashes a type otherwise adds 'columns-2' (and makes it
 *   COLUMNS_FORM) and keeps computing 'columns-1' for the records that name it. It needs the
 *   columns' types (`readRowHashColumns`). About 0.4× the 'fast' form's cost on 1M rows
 *   (scripts/bench-hash.ts): what costs is turning every value into text, and it does that only
 *   for the types that need it.
 * - 'fast': `hashtextextended(row text, 0)`: what the switch recorded before 'columns-1', still
 *   recomputed for those records. It is the hash PostgreSQL's hash partitioning uses, so it is
 *   kept stable across major versions (same value for the same text on 15–18, checked by
 *   test/integration/row-hash-forms.test.ts). Caveat: it hashes in the server's byte order, so a
 *   big-endian server would give other values than a little-endian one (a difference reported,
 *   never an equality by mistake).
 * - 'ledger': the first 16 hex digits of md5 over the row text, as a signed bigint — the form of
 *   the rollback ledger and merge, the restore digests, and digests recorded at the switch before
 *   it recorded their form. It must never change.
 */
export type RowHashForm = ColumnsForm | 'fast' | 'ledger';

/** The per-column recipes, by the name records carry (see RowHashForm, COLUMNS_RECIPES). */
export type ColumnsForm = 'columns-1';

/** The per-column recipe this version computes for new comparisons and records. */
export const COLUMNS_FORM: ColumnsForm = 'columns-1';

export function isColumnsForm(form: RowHashForm): form is ColumnsForm {
  return form === 'columns-1';
}

function rowText(table: TablePlan): string {
  if (table.columns.length === 0)
    throw new Error(`Table ${table.qualified} has no planned columns to digest.`);
  return `ROW(${table.columns.map((c) => `t.${c}`).join(', ')})::text`;
}

/** Fast row hash (see RowHashForm). */
export function rowHashSql(table: TablePlan): string {
  return `hashtextextended(${rowText(table)}, 0)`;
}

/** Ledger row hash (see RowHashForm): md5-derived, for every value stored and compared later. Never change it. */
export function ledgerRowHashSql(table: TablePlan): string {
  return `('x' || substr(md5(${rowText(table)}), 1, 16))::bit(64)::bigint`;
}

// ─── The 'columns-1' recipe: FROZEN ────────────────────────────────────────────────────────────
// Everything from here to COLUMNS_RECIPES (the kinds, the type OIDs mapped to them, the casts,
// the NULL stand-ins and mark, each kind's hash, the chaining) is what a recorded 'columns-1'
// digest was made of, and is recomputed from records years later. Do not change it: a new
// choice goes into a new recipe ('columns-2') beside it, pinned by its own test value
// (test/integration/row-hash-forms.test.ts pins this one on 15–18).

/**
 * How a column enters the 'columns-1' row hash, by its base type (domains resolved). A type gets
 * its own hash only when (a) the value hashed is exactly what COPY preserves — equal hashes are
 * not merely equal under the type's equality (numeric 1.0 = 1.00, float -0 = 0, interval 1 day =
 * 24 hours, a nondeterministic collation's 'a' = 'A' all hash equal in PostgreSQL's own hash
 * functions), (b) the hash does not depend on something the two databases assign differently
 * (enums hash by OID) and (c) the function is the type's hash partitioning support function
 * (the extended hash of its hash opclass): pg_upgrade keeps a hash-partitioned table's rows in
 * their partitions' files, so a changed value would leave rows in the wrong partition; these
 * values are therefore the same on every major (15–18 checked by the test that pins this
 * recipe). Per kind, why it is stable:
 * - 'int4' (int2, int4): hashint4extended (int4_ops; int2_ops hashes int2 through it too), an
 *   arithmetic mix of the integer value: the same on every major and in either byte order.
 * - 'int8': hashint8extended (int8_ops) folds 64 bits to 32 (0 and 4294967297 hash equal), so
 *   the two halves are hashed one after the other, each through hashint4extended/hashint8extended:
 *   value arithmetic, byte-order independent.
 * - 'bool': as int4 (the cast gives 0/1 on every major).
 * - 'timestamp', 'timestamptz', 'date' (as a timestamp, exact): timestamp_hash_extended
 *   (timestamp_ops: hashint8extended of the int64 microseconds, byte-order independent) also
 *   folds, so the epoch in seconds (date_part('epoch'), float8: the correctly rounded quotient of
 *   the microseconds by 10^6 — PostgreSQL 14 computes it through numeric, earlier majors by one
 *   IEEE division, the same double below 2^53 µs; exact to the microsecond between 1834 and 2106,
 *   near enough beyond that for the folded hash to tell the rest apart) is hashed with it by
 *   hashfloat8extended (float8_ops). timestamptz is read at UTC, whatever the session's TimeZone.
 *   A finite date past 294276-12-31 (no timestamp holds it) hashes its day number by
 *   hashint4extended.
 * - 'uuid': uuid_hash_extended (uuid_ops) over the 16 bytes.
 * - 'text' (text, varchar): hashtextextended (text_ops) under COLLATE "C", i.e. over the bytes:
 *   under a nondeterministic collation the column's own collation would hash 'a' and 'A' alike.
 * - 'bpchar': its output (padded) text, as 'text' (the cast to text would drop trailing spaces).
 * - 'output': every other type, and anything unknown: its text (`::text`, the type's output
 *   function or its cast to text) hashed as 'text' — enums by label, floats at
 *   extra_float_digits 3 (-0 apart from 0), numeric with its scale, arrays and composites by
 *   their elements' text. Needs setComparableSession; its stability is that of the types' text
 *   output, as for the 'fast' and 'ledger' forms (which hash the whole row's text).
 * Byte order: hashfloat8extended, uuid_hash_extended and hashtextextended hash bytes read as the
 * server's native words, like the 'fast' form, so a big-endian server (s390x; every platform
 * PostgreSQL is commonly run on, managed services included, is little-endian) gives other values.
 * A digest is compared only with one of the same server byte order: at the switch both sides
 * must agree for it to succeed at all (every row would differ), and a record verified after the
 * database moved to a server of the other byte order reports its rows changed — a refusal to
 * clean up, never an equality by mistake.
 */
export type ColumnHashKind =
  'int4' | 'int8' | 'bool' | 'date' | 'timestamp' | 'timestamptz' | 'uuid' | 'text' | 'bpchar' | 'output';

/** One planned column as the per-column row hashes read it (in plan order). */
export interface RowHashColumn {
  kind: ColumnHashKind;
  /** NOT NULL in the catalog: the NULL marking is left out (it changes nothing for a value). */
  notNull: boolean;
}

/** Built-in base type OIDs (fixed across majors) → column hash kind; anything else is 'output'. */
const KIND_BY_TYPE_OID = new Map<number, ColumnHashKind>([
  [21, 'int4'], // int2
  [23, 'int4'],
  [20, 'int8'],
  [16, 'bool'],
  [1082, 'date'],
  [1114, 'timestamp'],
  [1184, 'timestamptz'],
  [2950, 'uuid'],
  [25, 'text'],
  [1043, 'text'], // varchar
  [1042, 'bpchar'],
]);

/** The column hash kind of a base type OID (pure; unknown → 'output'). */
export function columnHashKind(baseTypeOid: number): ColumnHashKind {
  return KIND_BY_TYPE_OID.get(baseTypeOid) ?? 'output';
}

/**
 * The planned columns' hash kinds, read from this side's catalog (`table` as this side names it:
 * `onTarget(table)` on the target). A planned column missing here is an error naming it.
 */
export async function readRowHashColumns(
  client: pg.ClientBase,
  table: TablePlan,
  form: ColumnsForm,
): Promise<RowHashColumn[]> {
  const { kindOf } = COLUMNS_RECIPES[form];
  const names = table.columns.map(unquoteIdent);
  const { rows } = await client.query<{ name: string; not_null: boolean; base_oid: number }>(
    `WITH RECURSIVE col AS (
       SELECT a.attname::text AS name, a.attnotnull AS not_null, a.atttypid AS type_oid
         FROM pg_attribute a
        WHERE a.attrelid = $1::regclass AND a.attname = ANY($2::text[]) AND a.attnum > 0 AND NOT a.attisdropped
     ), base AS (
       SELECT name, not_null, type_oid FROM col
       UNION ALL
       SELECT b.name, b.not_null, ty.typbasetype FROM base b JOIN pg_type ty ON ty.oid = b.type_oid
        WHERE ty.typtype = 'd'
     )
     SELECT b.name, b.not_null, b.type_oid::int AS base_oid
       FROM base b JOIN pg_type ty ON ty.oid = b.type_oid WHERE ty.typtype <> 'd'`,
    [table.qualified, names],
  );
  const byName = new Map(rows.map((r) => [r.name, r]));
  return names.map((name) => {
    const r = byName.get(name);
    if (!r) throw new Error(`${table.qualified}: planned column "${name}" was not found in the catalog.`);
    return { kind: kindOf(r.base_oid), notNull: r.not_null };
  });
}

// Marks a NULL: the seed of a NULL column is xor-ed with it, so NULL never hashes like the value
// standing in for it (0, '', the epoch) — nor like any other value, short of a 64-bit collision.
const NULL_MARK = '-7046029254386353131'; // 0x9E3779B97F4A7C15 as a signed bigint

/** Base type cast (free for a domain) and the stand-in for NULL of each kind. */
const KIND_BASE: Record<ColumnHashKind, { cast: string; stand: string }> = {
  int4: { cast: 'int4', stand: '0' },
  int8: { cast: 'int8', stand: '0' },
  bool: { cast: 'bool', stand: 'false' },
  date: { cast: 'date', stand: `'epoch'::date` },
  timestamp: { cast: 'timestamp', stand: `'epoch'::timestamp` },
  timestamptz: { cast: 'timestamptz', stand: `'epoch'::timestamptz` },
  uuid: { cast: 'uuid', stand: `'00000000-0000-0000-0000-000000000000'::uuid` },
  text: { cast: 'text', stand: `''` },
  bpchar: { cast: 'bpchar', stand: `''::bpchar` },
  output: { cast: 'text', stand: `''` },
};

/** The hash of value `v` (an expression of the kind's base type) seeded with `seed`. */
function kindHashSql(kind: ColumnHashKind, v: string, seed: string): string {
  const epochThenTs = (ts: string) =>
    `hashfloat8extended(coalesce(date_part('epoch', ${v}), 0), timestamp_hash_extended(${ts}, ${seed}))`;
  switch (kind) {
    case 'int4':
      return `hashint4extended(${v}, ${seed})`;
    case 'int8':
      return `hashint8extended(${v} & 4294967295, hashint4extended((${v} >> 32)::int4, ${seed}))`;
    case 'bool':
      return `hashint4extended(${v}::int4, ${seed})`;
    case 'date':
      // A finite date past timestamp's end (294276 AD; date goes to 5874897 AD) has no timestamp:
      // hashed by its day number instead. Every other date keeps the recipe's hash (no recorded
      // digest can hold such a date: hashing one raised "date out of range for timestamp").
      return `CASE WHEN ${v} > '294276-12-31'::date AND isfinite(${v}) THEN hashint4extended(${v} - '2000-01-01'::date, ${seed}) ELSE hashfloat8extended(coalesce(date_part('epoch', ${v}::timestamp), 0), timestamp_hash_extended(${v}::timestamp, ${seed})) END`;
    case 'timestamp':
      return epochThenTs(v);
    case 'timestamptz':
      return epochThenTs(`(${v} AT TIME ZONE 'UTC')`);
    case 'uuid':
      return `uuid_hash_extended(${v}, ${seed})`;
    case 'text':
    case 'output':
      return `hashtextextended(${v} COLLATE "C", ${seed})`;
    case 'bpchar':
      return `hashtextextended(textin(bpcharout(${v})) COLLATE "C", ${seed})`;
  }
}

/** The 'columns-1' row hash (see RowHashForm, ColumnHashKind) of the planned columns; the row aliased `t`. */
function columns1RowHashSql(table: TablePlan, columns: readonly RowHashColumn[]): string {
  if (table.columns.length === 0)
    throw new Error(`Table ${table.qualified} has no planned columns to digest.`);
  if (columns.length !== table.columns.length)
    throw new Error(
      `${table.qualified}: ${columns.length} column hash kinds for ${table.columns.length} columns.`,
    );
  return table.columns.reduce((seed, column, i) => {
    const { kind, notNull } = columns[i]!;
    const { cast, stand } = KIND_BASE[kind];
    const value = `t.${column}::${cast}`;
    if (notNull) return kindHashSql(kind, `(${value})`, seed);
    return kindHashSql(
      kind,
      `coalesce(${value}, ${stand})`,
      `(${seed} # CASE WHEN t.${column} IS NULL THEN ${NULL_MARK}::int8 ELSE 0::int8 END)`,
    );
  }, '0::int8');
}

/**
 * The per-column recipes by the name a digest or record carries: the catalog's base type → kind,
 * and the row hash of the kinds. An entry is never changed once released (see above).
 */
const COLUMNS_RECIPES: Record<
  ColumnsForm,
  {
    kindOf(baseTypeOid: number): ColumnHashKind;
    rowHashSql(table: TablePlan, columns: readonly RowHashColumn[]): string;
  }
> = {
  'columns-1': { kindOf: columnHashKind, rowHashSql: columns1RowHashSql },
};
// ─── end of the frozen 'columns-1' recipe ─────────────────────────────────────────────────────

/**
 * The row hash SQL of a form (planned columns only, in plan order; the row aliased `t`). A
 * per-column form needs the columns' kinds, read from the catalog (`readRowHashColumns`).
 */
export function rowHashSqlOf(
  form: RowHashForm,
  table: TablePlan,
  columns?: readonly RowHashColumn[],
): string {
  switch (form) {
    case 'columns-1':
      if (!columns) throw new Error(`${table.qualified}: the '${form}' row hash needs the columns' types.`);
      return COLUMNS_RECIPES[form].rowHashSql(table, columns);
    case 'fast':
      return rowHashSql(table);
    case 'ledger':
      return ledgerRowHashSql(table);
  }
}

function bucketCount(n: number | undefined): number {
  const b = Math.floor(n ?? DEFAULT_BUCKETS);
  if (!Number.isFinite(b) || b < 1) return 1;
  return Math.min(b, 100_000);
}

function isIntegerText(s: string): boolean {
  return /^-?\d+$/.test(s);
}

/**
 * The key range of a table whose key is one integer column, on this side (use the source's,
 * and pass it to `digestTable` for both sides); undefined for other keys or an empty table.
 */
export async function keyRange(
  client: pg.ClientBase,
  table: TablePlan,
  side: 'source' | 'target',
): Promise<{ lo: string; hi: string } | undefined> {
  if (table.keyColumns.length !== 1) return undefined;
  const key = `t.${table.keyColumns[0]}`;
  const probe = await client.query(`SELECT ${key} AS k FROM ${fromTable(table)} t LIMIT 0`);
  const oid = probe.fields[0]?.dataTypeID;
  if (oid === undefined || !INTEGER_TYPE_OIDS.has(oid)) return undefined;
  const r = await client.query<{ lo: string | null; hi: string | null }>(
    `SELECT min(${key})::text AS lo, max(${key})::text AS hi FROM ${fromTable(table)} t WHERE ${predicate(table, side)}`,
  );
  const row = r.rows[0];
  if (!row?.lo || !row.hi) return undefined;
  return { lo: row.lo, hi: row.hi };
}

function schemeFor(table: TablePlan, opts: DigestOptions): BucketScheme {
  const buckets = bucketCount(opts.buckets);
  if (table.keyColumns.length === 0) return { kind: 'row-hash', buckets };
  if (opts.range && table.keyColumns.length === 1) {
    const { lo, hi } = opts.range;
    if (!isIntegerText(lo) || !isIntegerText(hi)) throw new Error('Key range bounds must be integers.');
    const span = BigInt(hi) - BigInt(lo) + 1n;
    if (span < 1n) throw new Error('Key range is empty.');
    return { kind: 'range', lo, hi, buckets: Number(span < BigInt(buckets) ? span : BigInt(buckets)) };
  }
  return { kind: 'key-hash', buckets };
}

/** Bucket expression (used by the catch-up too) over the inner query's `h` (row hash), `k` (key text) and `kn` (numeric key). */
export function bucketSql(scheme: BucketScheme): string {
  const n = scheme.buckets;
  switch (scheme.kind) {
    case 'row-hash':
      return `mod(mod(h, ${n}) + ${n}, ${n})`;
    case 'key-hash':
      // Bucketing is never stored (only compared within a run): the fast hash is enough.
      return `mod(mod(hashtextextended(k, 0), ${n}) + ${n}, ${n})`;
    case 'range': {
      // Bounds are validated integers (not user text), spliced as numeric literals.
      const lo = `${scheme.lo}::numeric`;
      const hi = `${scheme.hi}::numeric`;
      return `CASE WHEN kn < ${lo} THEN -1 WHEN kn > ${hi} THEN ${n} ELSE floor((kn - ${lo}) * ${n} / (${hi} - ${lo} + 1)) END`;
    }
  }
}

/** The one aggregate query of `digestTable`; exported for tests and EXPLAIN. */
export function digestSql(
  table: TablePlan,
  side: 'source' | 'target',
  scheme: BucketScheme,
  form: RowHashForm,
  columns?: readonly RowHashColumn[],
): string {
  // No ORDER BY: with it the planner sorts every row before grouping (it cannot tell there are few
  // buckets); without it, it hashes into the buckets. The buckets are sorted here instead.
  // Only what the scheme needs per row: key text costs a cast and a collated min/max per row.
  const k = scheme.kind === 'key-hash' ? (keyText(table) ?? 'NULL::text') : 'NULL::text';
  const kn = scheme.kind === 'range' ? `t.${table.keyColumns[0]}::numeric` : 'NULL::numeric';
  const bounds =
    scheme.kind === 'range'
      ? 'min(kn)::text AS min_key, max(kn)::text AS max_key'
      : 'min(k) AS min_key, max(k) AS max_key';
  return `SELECT ${bucketSql(scheme)} AS bucket, count(*)::bigint AS count, sum(h)::text AS sum, ${bounds}
  FROM (SELECT ${rowHashSqlOf(form, table, columns)} AS h, ${k} AS k, ${kn} AS kn FROM ${fromTable(table)} t WHERE ${predicate(table, side)}) s
 GROUP BY 1`;
}

/** The whole table's count and hash sum in one pass, without buckets (see DigestOptions.locate). */
export function wholeDigestSql(
  table: TablePlan,
  side: 'source' | 'target',
  form: RowHashForm,
  columns?: readonly RowHashColumn[],
): string {
  return `SELECT count(*)::text AS count, coalesce(sum(${rowHashSqlOf(form, table, columns)}), 0)::text AS sum
  FROM ${fromTable(table)} t WHERE ${predicate(table, side)}`;
}

function wholeDigest(count: number, sum: string, form: RowHashForm): string {
  // The ledger form's text is what digests recorded at the switch were made of: unchanged.
  const text = form === 'ledger' ? `${count}:${sum}` : `${form}:${count}:${sum}`;
  return createHash('md5').update(text).digest('hex');
}

function addDecimal(a: string, b: string): string {
  return (BigInt(a) + BigInt(b)).toString();
}

/**
 * Runs `fn` with sorting priced out, so the few buckets are hashed as rows stream by instead of
 * every row being sorted (to disk, on a large table) first: the planner cannot see that the
 * bucket expression has few values. The session's setting is restored afterwards; inside a
 * transaction that failed, the rollback restores it.
 */
async function withHashAggregate<T>(client: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
  const prev =
    (await client.query<{ v: string }>(`SELECT current_setting('enable_sort') AS v`)).rows[0]?.v ?? 'on';
  await client.query(`SELECT set_config('enable_sort', 'off', false)`);
  try {
    return await fn();
  } finally {
    await client.query(`SELECT set_config('enable_sort', $1, false)`, [prev]).catch(() => undefined);
  }
}

/**
 * Digest of one table. Side 'source': rows matching `table.where` (the session has
 * TENANT_ID_SETTING set, possibly inside a snapshot); 'target': all rows of the table. Call
 * `setComparableSession` on the session first.
 */
export async function digestTable<F extends RowHashForm>(
  client: pg.ClientBase,
  table: TablePlan,
  side: 'source' | 'target',
  opts: DigestOptions<F>,
): Promise<TableDigest<F>> {
  const scheme = schemeFor(table, opts);
  const columns = isColumnsForm(opts.form)
    ? (opts.columns ?? (await readRowHashColumns(client, table, opts.form)))
    : undefined;
  if (opts.locate === false) {
    const { rows } = await client.query<{ count: string; sum: string }>(
      wholeDigestSql(table, side, opts.form, columns),
    );
    return tableDigestOf(table, opts.form, scheme, Number(rows[0]!.count), rows[0]!.sum, [], columns);
  }
  const r = await withHashAggregate(client, () =>
    client.query<{
      bucket: number;
      count: string;
      sum: string;
      min_key: string | null;
      max_key: string | null;
    }>(digestSql(table, side, scheme, opts.form, columns)),
  );
  let count = 0;
  let sum = '0';
  const buckets: BucketDigest[] = r.rows.map((row) => {
    const b: BucketDigest = { bucket: Number(row.bucket), count: Number(row.count), sum: row.sum };
    if (row.min_key !== null) b.minKey = row.min_key;
    if (row.max_key !== null) b.maxKey = row.max_key;
    count += b.count;
    sum = addDecimal(sum, b.sum);
    return b;
  });
  buckets.sort((x, y) => x.bucket - y.bucket);
  return tableDigestOf(table, opts.form, scheme, count, sum, buckets, columns);
}

function tableDigestOf<F extends RowHashForm>(
  table: TablePlan,
  form: F,
  scheme: TableDigest<F>['scheme'],
  count: number,
  sum: string,
  buckets: BucketDigest[],
  columns: readonly RowHashColumn[] | undefined,
): TableDigest<F> {
  return {
    table: table.qualified,
    form,
    count,
    sum,
    digest: wholeDigest(count, sum, form),
    buckets,
    scheme,
    ...(columns && { columns }),
  };
}

/**
 * The whole-table digest `digestTable(…, { locate: false })` gives for this count and sum of row
 * hashes in `form`, computed by another query over the same rows (the switch's one base scan,
 * catch-up.ts compareAtBase). `columns`: the kinds the sum was hashed with on that side.
 */
export function wholeDigestOf<F extends RowHashForm>(
  table: TablePlan,
  form: F,
  count: number,
  sum: string,
  columns?: readonly RowHashColumn[],
): TableDigest<F> {
  return tableDigestOf(
    table,
    form,
    schemeFor(table, { form, buckets: DEFAULT_BUCKETS }),
    count,
    sum,
    [],
    columns,
  );
}

/** The digest string for a count and a sum of LEDGER row hashes, as `digestTable` computes it (for recorded values). */
export function digestOf(count: number, sum: string): string {
  return wholeDigest(count, sum, 'ledger');
}

/**
 * A table's count and digest as recorded at the switch (`settings.isolation.verified`), compared
 * later by cleanup and `status --verify`. `form` names the row hash the digest was made of (the
 * switch records 'columns-1' now, 'fast' before it); a record without it was written before the
 * switch recorded its form, and is the ledger form.
 */
export const RecordedDigest = z.object({
  count: z.number(),
  digest: z.string(),
  // Only names whose recipe never changes (see RowHashForm, COLUMNS_RECIPES).
  form: z.enum(['columns-1', 'fast', 'ledger']).optional(),
});
export type RecordedDigest = z.infer<typeof RecordedDigest>;

/** The form a recorded digest was made of: a record that does not say is the ledger form (older switches). */
export function recordedForm(r: RecordedDigest): RowHashForm {
  return r.form ?? 'ledger';
}

/** A recorded digest of a count and a sum of row hashes in `form` (equal to what `digestTable` gives in that form). */
export function recordDigest(form: RowHashForm, count: number, sum: string): RecordedDigest {
  return { count, digest: wholeDigest(count, sum, form), form };
}

/**
 * Whether a digest computed now equals a recorded one. The caller computes `now` in the recorded
 * form (`recordedForm`); a digest of another form is never compared, whatever its value.
 */
export function matchesRecorded(recorded: RecordedDigest, now: TableDigest): boolean {
  if (now.form !== recordedForm(recorded))
    throw new Error(
      `${now.table}: a ${now.form} digest cannot be compared with a recorded ${recordedForm(recorded)} digest.`,
    );
  return now.count === recorded.count && now.digest === recorded.digest;
}

function sameScheme(a: BucketScheme, b: BucketScheme): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function bucketLabel(scheme: BucketScheme, bucket: number, a?: BucketDigest, b?: BucketDigest): string {
  if (scheme.kind === 'range') {
    const lo = BigInt(scheme.lo);
    const hi = BigInt(scheme.hi);
    const n = BigInt(scheme.buckets);
    const span = hi - lo + 1n;
    if (bucket < 0) return `keys below ${scheme.lo}`;
    if (bucket >= scheme.buckets) return `keys above ${scheme.hi}`;
    // Bucket i holds keys k with floor((k - lo) * n / span) = i, i.e. k - lo in [ceil(i*span/n), ceil((i+1)*span/n)).
    const ceilDiv = (x: bigint, y: bigint) => (x + y - 1n) / y;
    const from = lo + ceilDiv(BigInt(bucket) * span, n);
    const to = lo + ceilDiv(BigInt(bucket + 1) * span, n) - 1n;
    return `keys ${from}..${to} (bucket ${bucket})`;
  }
  if (scheme.kind === 'key-hash') {
    const keys = [a?.minKey, a?.maxKey, b?.minKey, b?.maxKey]
      .filter((k): k is string => k !== undefined)
      .sort();
    const range = keys.length ? `keys ${keys[0]}..${keys[keys.length - 1]}` : 'keys';
    return `${range} (hash bucket ${bucket} of ${scheme.buckets})`;
  }
  return `rows in hash bucket ${bucket} of ${scheme.buckets} (table has no key)`;
}

/**
 * Compares two digests of the same table (a: source or recorded, b: target). Never reports
 * equal on a difference: counts, sums per bucket and the whole digest are all compared.
 */
export function compareDigests<F extends RowHashForm>(
  table: string,
  a: TableDigest<F>,
  b: TableDigest<F>,
): { equal: boolean; differences: string[] } {
  // The types keep forms apart; this is the guard for values that crossed an untyped boundary.
  if (a.form !== b.form)
    throw new Error(`${table}: a ${a.form} digest cannot be compared with a ${b.form} digest.`);
  const differences: string[] = [];
  if (!sameScheme(a.scheme, b.scheme)) {
    if (a.count !== b.count || a.digest !== b.digest) {
      differences.push(
        `${table}: ${a.count} vs ${b.count} rows, digests ${a.digest.slice(0, 12)} vs ${b.digest.slice(0, 12)} (bucket schemes differ, cannot locate the difference)`,
      );
    }
    return { equal: differences.length === 0, differences };
  }
  const byA = new Map(a.buckets.map((x) => [x.bucket, x]));
  const byB = new Map(b.buckets.map((x) => [x.bucket, x]));
  const all = [...new Set([...byA.keys(), ...byB.keys()])].sort((x, y) => x - y);
  for (const bucket of all) {
    const x = byA.get(bucket);
    const y = byB.get(bucket);
    const cx = x?.count ?? 0;
    const cy = y?.count ?? 0;
    const sx = x?.sum ?? '0';
    const sy = y?.sum ?? '0';
    if (cx === cy && sx === sy) continue;
    const label = bucketLabel(a.scheme, bucket, x, y);
    differences.push(
      cx === cy
        ? `${table} ${label}: ${cx} vs ${cy} rows, contents differ`
        : `${table} ${label}: ${cx} vs ${cy} rows`,
    );
  }
  // Belt and braces: the totals must agree too.
  if (differences.length === 0 && (a.count !== b.count || a.digest !== b.digest)) {
    differences.push(`${table}: ${a.count} vs ${b.count} rows, digests differ`);
  }
  return { equal: differences.length === 0, differences };
}

/** A table's column kinds for a per-column row hash, as each side's catalog has them. */
export interface SideColumns {
  source: readonly RowHashColumn[];
  target: readonly RowHashColumn[];
}

/** Reads `table`'s column kinds on both sides at once (`onTarget(table)` on the target). */
export async function readSideColumns(
  source: pg.ClientBase,
  target: pg.ClientBase,
  table: TablePlan,
  form: ColumnsForm,
): Promise<SideColumns> {
  const [s, t] = await Promise.all([
    readRowHashColumns(source, table, form),
    readRowHashColumns(target, onTarget(table), form),
  ]);
  return { source: s, target: t };
}

/**
 * Digests one table on both sides under the same bucket scheme (the key range is taken from
 * the source) and compares them. Both sessions must already be comparable (setComparableSession)
 * and the source must have TENANT_ID_SETTING set.
 */
export async function compareTable<F extends RowHashForm>(
  source: pg.ClientBase,
  target: pg.ClientBase,
  table: TablePlan,
  opts: {
    form: F;
    buckets?: number;
    /** Known to differ (counts disagree): go straight to the per-bucket digests, which locate it. */
    expectDifference?: boolean;
    /** A per-column form's kinds on both sides, read once by the caller (`readSideColumns`); read here when absent. */
    columns?: SideColumns;
  },
): Promise<{ source: TableDigest<F>; target: TableDigest<F>; equal: boolean; differences: string[] }> {
  // A per-column form hashes each column by its type on each side: a column whose hash kind
  // differs (its type differs) makes every row differ, and is named.
  const { source: sourceColumns, target: targetColumns } = isColumnsForm(opts.form)
    ? (opts.columns ?? (await readSideColumns(source, target, table, opts.form)))
    : { source: undefined, target: undefined };
  const kindDifferences = (sourceColumns ?? []).flatMap((c, i) =>
    c.kind === targetColumns?.[i]?.kind
      ? []
      : [
          `${table.qualified}: column ${table.columns[i]} is hashed as ${c.kind} on the source, ${targetColumns?.[i]?.kind} on the target (its types differ)`,
        ],
  );
  const withKinds = (r: {
    source: TableDigest<F>;
    target: TableDigest<F>;
    equal: boolean;
    differences: string[];
  }) =>
    kindDifferences.length ? { ...r, equal: false, differences: [...kindDifferences, ...r.differences] } : r;
  // The two sides are separate servers' work (or separate sessions): digest them at once.
  const both = (digestOpts: DigestOptions<F>) =>
    Promise.all([
      digestTable(source, table, 'source', {
        ...digestOpts,
        ...(sourceColumns && { columns: sourceColumns }),
      }),
      digestTable(target, onTarget(table), 'target', {
        ...digestOpts,
        ...(targetColumns && { columns: targetColumns }),
      }),
    ]);
  // First whole: every row of both sides hashed, without the cost of grouping by bucket. Equal
  // counts and sums are as strong a proof as equal buckets (a row's bucket is a function of its
  // key, which its hash covers, so the same rows fall in the same buckets). Only a difference is
  // then located, by digesting both sides again per bucket.
  const buckets = opts.buckets ?? DEFAULT_BUCKETS;
  if (!opts.expectDifference) {
    const [ws, wt] = await both({ form: opts.form, buckets, locate: false });
    const whole = compareDigests(table.qualified, ws, wt);
    if (whole.equal) return withKinds({ source: ws, target: wt, ...whole });
  }
  const range = await keyRange(source, table, 'source');
  const [s, t] = await both({ form: opts.form, buckets, ...(range ? { range } : {}) });
  return withKinds({ source: s, target: t, ...compareDigests(table.qualified, s, t) });
}

/** `"a""b"` → `a"b`: a planned (quoted) column's name. */
function unquoteIdent(column: string): string {
  return column.length >= 2 && column.startsWith('"') && column.endsWith('"')
    ? column.slice(1, -1).replace(/""/g, '"')
    : column;
}

/**
 * The table with the named columns (unquoted names) left out of the row text that is hashed, for
 * comparisons that must ignore them; key columns are never left out (they locate differences).
 * `excluded` lists the names actually removed, in plan order. Digests of the result differ from
 * digests of the whole table: compare them only with digests computed the same way.
 */
export function withoutColumns(
  table: TablePlan,
  names: readonly string[],
): { table: TablePlan; excluded: string[] } {
  const drop = new Set(names);
  const keys = new Set(table.keyColumns);
  const excluded: string[] = [];
  const columns = table.columns.filter((c) => {
    const name = unquoteIdent(c);
    if (!drop.has(name) || keys.has(c)) return true;
    excluded.push(name);
    return false;
  });
  if (excluded.length === 0 || columns.length === 0) return { table, excluded: [] };
  return { table: { ...table, columns }, excluded };
}
