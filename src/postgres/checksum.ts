import { createHash } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';
import { onTarget, type TablePlan } from './plan-types';

/**
 * Table digests computed by PostgreSQL: one aggregate query per table, constant memory on both
 * ends. Each row's text is hashed to a signed 64-bit integer (in one of two forms, see
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
}

export interface DigestOptions<F extends RowHashForm = RowHashForm> {
  /** Which row hash: 'fast' when the digest is compared within this run, 'ledger' when with a stored one. */
  form: F;
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
 * Two forms of the 64-bit row hash, never to be mixed (their values are unrelated):
 * - 'fast': `hashtextextended(row text, 0)`, for values computed and compared within one run (the
 *   validation digests, the catch-up). It is the hash PostgreSQL's hash partitioning uses, so it
 *   is kept stable across major versions (same value for the same text on 15–18, checked by
 *   test/integration/checksum.test.ts). Caveat: it hashes in the server's byte order, so a
 *   big-endian server would give other values than a little-endian one — fine within a run only
 *   as long as both sides share an architecture, which is why nothing stored uses it.
 * - 'ledger': the first 16 hex digits of md5 over the row text, as a signed bigint — the form of
 *   every hash STORED and compared later, possibly by a newer version of this tool (the rollback
 *   ledger and merge, the restore digests, the digests recorded at the switch). It must never change.
 * About twice as fast as md5+hex+bit cast on 1M rows (the row's text output stays the main cost).
 */
export type RowHashForm = 'fast' | 'ledger';

function rowText(table: TablePlan): string {
  if (table.columns.length === 0)
    throw new Error(`Table ${table.qualified} has no planned columns to digest.`);
  return `ROW(${table.columns.map((c) => `t.${c}`).join(', ')})::text`;
}

/** Fast row hash (see RowHashForm): for values compared within one run only, never stored. */
export function rowHashSql(table: TablePlan): string {
  return `hashtextextended(${rowText(table)}, 0)`;
}

/** Ledger row hash (see RowHashForm): md5-derived, for every value stored and compared later. Never change it. */
export function ledgerRowHashSql(table: TablePlan): string {
  return `('x' || substr(md5(${rowText(table)}), 1, 16))::bit(64)::bigint`;
}

/** The row hash SQL of a form (planned columns only, in plan order; the row aliased `t`). */
export function rowHashSqlOf(form: RowHashForm, table: TablePlan): string {
  return form === 'fast' ? rowHashSql(table) : ledgerRowHashSql(table);
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
  FROM (SELECT ${rowHashSqlOf(form, table)} AS h, ${k} AS k, ${kn} AS kn FROM ${fromTable(table)} t WHERE ${predicate(table, side)}) s
 GROUP BY 1`;
}

/** The whole table's count and hash sum in one pass, without buckets (see DigestOptions.locate). */
export function wholeDigestSql(table: TablePlan, side: 'source' | 'target', form: RowHashForm): string {
  return `SELECT count(*)::text AS count, coalesce(sum(${rowHashSqlOf(form, table)}), 0)::text AS sum
  FROM ${fromTable(table)} t WHERE ${predicate(table, side)}`;
}

function wholeDigest(count: number, sum: string, form: RowHashForm): string {
  // The ledger form's text is what digests recorded at the switch were made of: unchanged.
  const text = form === 'ledger' ? `${count}:${sum}` : `fast:${count}:${sum}`;
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
  if (opts.locate === false) {
    const { rows } = await client.query<{ count: string; sum: string }>(
      wholeDigestSql(table, side, opts.form),
    );
    return tableDigestOf(table, opts.form, scheme, Number(rows[0]!.count), rows[0]!.sum, []);
  }
  const r = await withHashAggregate(client, () =>
    client.query<{
      bucket: number;
      count: string;
      sum: string;
      min_key: string | null;
      max_key: string | null;
    }>(digestSql(table, side, scheme, opts.form)),
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
  return tableDigestOf(table, opts.form, scheme, count, sum, buckets);
}

function tableDigestOf<F extends RowHashForm>(
  table: TablePlan,
  form: F,
  scheme: TableDigest<F>['scheme'],
  count: number,
  sum: string,
  buckets: BucketDigest[],
): TableDigest<F> {
  return { table: table.qualified, form, count, sum, digest: wholeDigest(count, sum, form), buckets, scheme };
}

/** The digest string for a count and a sum of LEDGER row hashes, as `digestTable` computes it (for recorded values). */
export function digestOf(count: number, sum: string): string {
  return wholeDigest(count, sum, 'ledger');
}

/**
 * A table's count and digest as recorded at the switch (`settings.isolation.verified`), compared
 * later by cleanup and `status --verify`. `form` names the row hash the digest was made of; a
 * record without it was written before the switch recorded fast digests, and is the ledger form.
 */
export const RecordedDigest = z.object({
  count: z.number(),
  digest: z.string(),
  form: z.enum(['fast', 'ledger']).optional(),
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
  },
): Promise<{ source: TableDigest<F>; target: TableDigest<F>; equal: boolean; differences: string[] }> {
  // The two sides are separate servers' work (or separate sessions): digest them at once.
  const both = (digestOpts: DigestOptions<F>) =>
    Promise.all([
      digestTable(source, table, 'source', digestOpts),
      digestTable(target, onTarget(table), 'target', digestOpts),
    ]);
  // First whole: every row of both sides hashed, without the cost of grouping by bucket. Equal
  // counts and sums are as strong a proof as equal buckets (a row's bucket is a function of its
  // key, which its hash covers, so the same rows fall in the same buckets). Only a difference is
  // then located, by digesting both sides again per bucket.
  const buckets = opts.buckets ?? DEFAULT_BUCKETS;
  if (!opts.expectDifference) {
    const [ws, wt] = await both({ form: opts.form, buckets, locate: false });
    const whole = compareDigests(table.qualified, ws, wt);
    if (whole.equal) return { source: ws, target: wt, ...whole };
  }
  const range = await keyRange(source, table, 'source');
  const [s, t] = await both({ form: opts.form, buckets, ...(range ? { range } : {}) });
  return { source: s, target: t, ...compareDigests(table.qualified, s, t) };
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
