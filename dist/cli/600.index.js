"use strict";
exports.id = 600;
exports.ids = [600];
exports.modules = {

/***/ 73600:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $n: () => (/* binding */ bucketSql),
/* harmony export */   LP: () => (/* binding */ setComparableSession),
/* harmony export */   Pu: () => (/* binding */ keyText),
/* harmony export */   WK: () => (/* binding */ compareTable),
/* harmony export */   bs: () => (/* binding */ fromTable),
/* harmony export */   il: () => (/* binding */ withoutColumns),
/* harmony export */   lN: () => (/* binding */ digestTable),
/* harmony export */   nJ: () => (/* binding */ rowHashSql),
/* harmony export */   ol: () => (/* binding */ digestOf),
/* harmony export */   xA: () => (/* binding */ keyRange)
/* harmony export */ });
/* unused harmony exports DEFAULT_BUCKETS, digestSql, compareDigests */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(77598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);

/**
 * Table digests computed by PostgreSQL: one aggregate query per table, constant memory on both
 * ends. Each row is hashed to 64 bits (the first 16 hex digits of md5 over the row's text, as a
 * signed bigint); hashes are summed into numeric per key bucket, so a difference is located by
 * bucket and named by key range. A sum is order-independent, so it is a multiset digest: tables
 * without a key are covered (bucketed by the row hash itself) and duplicate rows count twice.
 */
/**
 * Settings that make `ROW(...)::text` identical on both sides, whatever each server or role
 * defaults to. `lc_monetary` matters for the money type; collation does not change text output.
 */
const COMPARABLE_SETTINGS = [
    ['DateStyle', 'ISO, MDY'],
    ['TimeZone', 'UTC'],
    ['IntervalStyle', 'postgres'],
    ['extra_float_digits', '3'],
    ['bytea_output', 'hex'],
    ['client_encoding', 'UTF8'],
    ['lc_monetary', 'C'],
];
/** Session settings that make text output identical on both sides (see COMPARABLE_SETTINGS). */
async function setComparableSession(client) {
    for (const [name, value] of COMPARABLE_SETTINGS) {
        await client.query('SELECT set_config($1, $2, false)', [name, value]);
    }
}
const DEFAULT_BUCKETS = 64;
const INTEGER_TYPE_OIDS = new Set([20, 21, 23]); // int8, int2, int4
/**
 * The table's own rows: `ONLY` unless it is a partitioned parent (whose rows live in its
 * partitions). Inheritance children are planned as tables of their own, so a parent's digest
 * must not include them.
 */
function fromTable(table) {
    return table.partitioned ? table.qualified : `ONLY ${table.qualified}`;
}
function predicate(table, side) {
    return side === 'source' ? table.where : 'true';
}
function keyText(table) {
    if (table.keyColumns.length === 0)
        return undefined;
    if (table.keyColumns.length === 1)
        return `t.${table.keyColumns[0]}::text`;
    return `ROW(${table.keyColumns.map((c) => `t.${c}`).join(', ')})::text`;
}
/** The row text hashed: planned columns only, in plan order. */
function rowHashSql(table) {
    if (table.columns.length === 0)
        throw new Error(`Table ${table.qualified} has no planned columns to digest.`);
    const row = `ROW(${table.columns.map((c) => `t.${c}`).join(', ')})::text`;
    return `('x' || substr(md5(${row}), 1, 16))::bit(64)::bigint`;
}
function bucketCount(n) {
    const b = Math.floor(n ?? DEFAULT_BUCKETS);
    if (!Number.isFinite(b) || b < 1)
        return 1;
    return Math.min(b, 100_000);
}
function isIntegerText(s) {
    return /^-?\d+$/.test(s);
}
/**
 * The key range of a table whose key is one integer column, on this side (use the source's,
 * and pass it to `digestTable` for both sides); undefined for other keys or an empty table.
 */
async function keyRange(client, table, side) {
    if (table.keyColumns.length !== 1)
        return undefined;
    const key = `t.${table.keyColumns[0]}`;
    const probe = await client.query(`SELECT ${key} AS k FROM ${fromTable(table)} t LIMIT 0`);
    const oid = probe.fields[0]?.dataTypeID;
    if (oid === undefined || !INTEGER_TYPE_OIDS.has(oid))
        return undefined;
    const r = await client.query(`SELECT min(${key})::text AS lo, max(${key})::text AS hi FROM ${fromTable(table)} t WHERE ${predicate(table, side)}`);
    const row = r.rows[0];
    if (!row?.lo || !row.hi)
        return undefined;
    return { lo: row.lo, hi: row.hi };
}
function schemeFor(table, opts) {
    const buckets = bucketCount(opts.buckets);
    if (table.keyColumns.length === 0)
        return { kind: 'row-hash', buckets };
    if (opts.range && table.keyColumns.length === 1) {
        const { lo, hi } = opts.range;
        if (!isIntegerText(lo) || !isIntegerText(hi))
            throw new Error('Key range bounds must be integers.');
        const span = BigInt(hi) - BigInt(lo) + 1n;
        if (span < 1n)
            throw new Error('Key range is empty.');
        return { kind: 'range', lo, hi, buckets: Number(span < BigInt(buckets) ? span : BigInt(buckets)) };
    }
    return { kind: 'key-hash', buckets };
}
/** Bucket expression (used by the catch-up too) over the inner query's `h` (row hash), `k` (key text) and `kn` (numeric key). */
function bucketSql(scheme) {
    const n = scheme.buckets;
    switch (scheme.kind) {
        case 'row-hash':
            return `mod(mod(h, ${n}) + ${n}, ${n})`;
        case 'key-hash':
            return `mod(('x' || substr(md5(k), 1, 8))::bit(32)::bigint, ${n})`;
        case 'range': {
            // Bounds are validated integers (not user text), spliced as numeric literals.
            const lo = `${scheme.lo}::numeric`;
            const hi = `${scheme.hi}::numeric`;
            return `CASE WHEN kn < ${lo} THEN -1 WHEN kn > ${hi} THEN ${n} ELSE floor((kn - ${lo}) * ${n} / (${hi} - ${lo} + 1)) END`;
        }
    }
}
/** The one aggregate query of `digestTable`; exported for tests and EXPLAIN. */
function digestSql(table, side, scheme) {
    // No ORDER BY: with it the planner sorts every row before grouping (it cannot tell there are few
    // buckets); without it, it hashes into the buckets. The buckets are sorted here instead.
    // Only what the scheme needs per row: key text costs a cast and a collated min/max per row.
    const k = scheme.kind === 'key-hash' ? (keyText(table) ?? 'NULL::text') : 'NULL::text';
    const kn = scheme.kind === 'range' ? `t.${table.keyColumns[0]}::numeric` : 'NULL::numeric';
    const bounds = scheme.kind === 'range'
        ? 'min(kn)::text AS min_key, max(kn)::text AS max_key'
        : 'min(k) AS min_key, max(k) AS max_key';
    return `SELECT ${bucketSql(scheme)} AS bucket, count(*)::bigint AS count, sum(h)::text AS sum, ${bounds}
  FROM (SELECT ${rowHashSql(table)} AS h, ${k} AS k, ${kn} AS kn FROM ${fromTable(table)} t WHERE ${predicate(table, side)}) s
 GROUP BY 1`;
}
function wholeDigest(count, sum) {
    return (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('md5').update(`${count}:${sum}`).digest('hex');
}
function addDecimal(a, b) {
    return (BigInt(a) + BigInt(b)).toString();
}
/**
 * Runs `fn` with sorting priced out, so the few buckets are hashed as rows stream by instead of
 * every row being sorted (to disk, on a large table) first: the planner cannot see that the
 * bucket expression has few values. The session's setting is restored afterwards; inside a
 * transaction that failed, the rollback restores it.
 */
async function withHashAggregate(client, fn) {
    const prev = (await client.query(`SELECT current_setting('enable_sort') AS v`)).rows[0]?.v ?? 'on';
    await client.query(`SELECT set_config('enable_sort', 'off', false)`);
    try {
        return await fn();
    }
    finally {
        await client.query(`SELECT set_config('enable_sort', $1, false)`, [prev]).catch(() => undefined);
    }
}
/**
 * Digest of one table. Side 'source': rows matching `table.where` (the session has
 * TENANT_ID_SETTING set, possibly inside a snapshot); 'target': all rows of the table. Call
 * `setComparableSession` on the session first.
 */
async function digestTable(client, table, side, opts = {}) {
    const scheme = schemeFor(table, opts);
    const r = await withHashAggregate(client, () => client.query(digestSql(table, side, scheme)));
    let count = 0;
    let sum = '0';
    const buckets = r.rows.map((row) => {
        const b = { bucket: Number(row.bucket), count: Number(row.count), sum: row.sum };
        if (row.min_key !== null)
            b.minKey = row.min_key;
        if (row.max_key !== null)
            b.maxKey = row.max_key;
        count += b.count;
        sum = addDecimal(sum, b.sum);
        return b;
    });
    buckets.sort((x, y) => x.bucket - y.bucket);
    return { table: table.qualified, count, digest: wholeDigest(count, sum), buckets, scheme };
}
/** The digest string for a count and a sum, as `digestTable` computes it (for recorded values). */
function digestOf(count, sum) {
    return wholeDigest(count, sum);
}
function sameScheme(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
}
function bucketLabel(scheme, bucket, a, b) {
    if (scheme.kind === 'range') {
        const lo = BigInt(scheme.lo);
        const hi = BigInt(scheme.hi);
        const n = BigInt(scheme.buckets);
        const span = hi - lo + 1n;
        if (bucket < 0)
            return `keys below ${scheme.lo}`;
        if (bucket >= scheme.buckets)
            return `keys above ${scheme.hi}`;
        // Bucket i holds keys k with floor((k - lo) * n / span) = i, i.e. k - lo in [ceil(i*span/n), ceil((i+1)*span/n)).
        const ceilDiv = (x, y) => (x + y - 1n) / y;
        const from = lo + ceilDiv(BigInt(bucket) * span, n);
        const to = lo + ceilDiv(BigInt(bucket + 1) * span, n) - 1n;
        return `keys ${from}..${to} (bucket ${bucket})`;
    }
    if (scheme.kind === 'key-hash') {
        const keys = [a?.minKey, a?.maxKey, b?.minKey, b?.maxKey]
            .filter((k) => k !== undefined)
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
function compareDigests(table, a, b) {
    const differences = [];
    if (!sameScheme(a.scheme, b.scheme)) {
        if (a.count !== b.count || a.digest !== b.digest) {
            differences.push(`${table}: ${a.count} vs ${b.count} rows, digests ${a.digest.slice(0, 12)} vs ${b.digest.slice(0, 12)} (bucket schemes differ, cannot locate the difference)`);
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
        if (cx === cy && sx === sy)
            continue;
        const label = bucketLabel(a.scheme, bucket, x, y);
        differences.push(cx === cy
            ? `${table} ${label}: ${cx} vs ${cy} rows, contents differ`
            : `${table} ${label}: ${cx} vs ${cy} rows`);
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
async function compareTable(source, target, table, opts = {}) {
    const range = await keyRange(source, table, 'source');
    const digestOpts = { buckets: opts.buckets ?? DEFAULT_BUCKETS, ...(range ? { range } : {}) };
    // The two sides are separate servers' work (or separate sessions): digest them at once.
    const [s, t] = await Promise.all([
        digestTable(source, table, 'source', digestOpts),
        digestTable(target, table, 'target', digestOpts),
    ]);
    return { source: s, target: t, ...compareDigests(table.qualified, s, t) };
}
/** `"a""b"` → `a"b`: a planned (quoted) column's name. */
function unquoteIdent(column) {
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
function withoutColumns(table, names) {
    const drop = new Set(names);
    const keys = new Set(table.keyColumns);
    const excluded = [];
    const columns = table.columns.filter((c) => {
        const name = unquoteIdent(c);
        if (!drop.has(name) || keys.has(c))
            return true;
        excluded.push(name);
        return false;
    });
    if (excluded.length === 0 || columns.length === 0)
        return { table, excluded: [] };
    return { table: { ...table, columns }, excluded };
}


/***/ })

};
;