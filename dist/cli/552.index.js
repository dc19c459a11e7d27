"use strict";
exports.id = 552;
exports.ids = [552];
exports.modules = {

/***/ 36372:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Df: () => (/* binding */ buildRoutingConfig),
/* harmony export */   Ls: () => (/* binding */ RoutingConfig),
/* harmony export */   PS: () => (/* binding */ buildLoadBalancerConfig),
/* harmony export */   TZ: () => (/* binding */ LoadBalancerConfig),
/* harmony export */   vg: () => (/* binding */ routingPaths)
/* harmony export */ });
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(9691);

/** `<config-dir>/routing/<slug>.json`: where the tenant's traffic and connections go. No secrets. */
const RoutingConfig = zod__WEBPACK_IMPORTED_MODULE_0__/* .object */ .Ikc({
    tenant_slug: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    tenant_id: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    isolation_mode: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz('isolated'),
    database: zod__WEBPACK_IMPORTED_MODULE_0__/* .object */ .Ikc({ name: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(), host: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(), port: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int(), user: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP() }),
    endpoints: zod__WEBPACK_IMPORTED_MODULE_0__/* .object */ .Ikc({ api: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(), ui: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP() }),
    cloud_run: zod__WEBPACK_IMPORTED_MODULE_0__/* .object */ .Ikc({ service: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(), url: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(), region: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional() })
        .optional(),
    updated_at: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
});
/** `<config-dir>/load-balancer/<slug>.json`: the subdomain and backend for the load balancer. */
const LoadBalancerConfig = zod__WEBPACK_IMPORTED_MODULE_0__/* .object */ .Ikc({
    tenant_slug: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    subdomain: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    hosts: zod__WEBPACK_IMPORTED_MODULE_0__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP()),
    backend_service: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    backend: zod__WEBPACK_IMPORTED_MODULE_0__/* .object */ .Ikc({
        type: zod__WEBPACK_IMPORTED_MODULE_0__/* ["enum"] */ .k5n(['cloud-run', 'shared']),
        service: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
        url: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
    }),
    ssl_certificate: zod__WEBPACK_IMPORTED_MODULE_0__/* .object */ .Ikc({ domains: zod__WEBPACK_IMPORTED_MODULE_0__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP()), managed: zod__WEBPACK_IMPORTED_MODULE_0__/* .boolean */ .zMY() }),
    updated_at: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
});
function buildRoutingConfig(input) {
    const { names } = input;
    return RoutingConfig.parse({
        tenant_slug: names.slug,
        tenant_id: input.tenantId,
        isolation_mode: 'isolated',
        database: {
            name: names.database,
            host: input.database.host,
            port: input.database.port,
            user: names.appRole,
        },
        endpoints: { api: names.apiHost, ui: names.uiHost },
        cloud_run: input.service
            ? { service: input.service.name, url: input.service.url, region: input.region }
            : undefined,
        updated_at: input.now ?? new Date().toISOString(),
    });
}
function buildLoadBalancerConfig(input) {
    const { names } = input;
    return LoadBalancerConfig.parse({
        tenant_slug: names.slug,
        subdomain: names.subdomain,
        hosts: [names.apiHost, names.uiHost],
        backend_service: input.service ? input.service.name : 'shared',
        backend: input.service
            ? { type: 'cloud-run', service: input.service.name, url: input.service.url }
            : { type: 'shared', service: 'shared' },
        ssl_certificate: { domains: [names.apiHost, names.uiHost], managed: true },
        updated_at: input.now ?? new Date().toISOString(),
    });
}
function routingPaths(configDir, slug) {
    return {
        routing: `${configDir}/routing/${slug}.json`,
        loadBalancer: `${configDir}/load-balancer/${slug}.json`,
    };
}


/***/ }),

/***/ 95136:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   AU: () => (/* binding */ IsolationSettings),
/* harmony export */   Qp: () => (/* binding */ parseIsolation),
/* harmony export */   ol: () => (/* binding */ MIGRATION_VERSION),
/* harmony export */   qk: () => (/* binding */ SequenceRangeRecord)
/* harmony export */ });
/* unused harmony exports HistoryEntry, CredentialsChannel, CredentialsRecord, IsolationState */
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9691);
/* harmony import */ var _postgres_ownership__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6922);


/**
 * `settings.isolation` of a tenant row: the durable state of a promotion and its append-only
 * audit history. Other keys of `settings` are never touched.
 */
const HistoryEntry = zod__WEBPACK_IMPORTED_MODULE_1__/* .object */ .Ikc({
    event: zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n([
        'promoted',
        'resumed',
        'completed',
        'rolled-back',
        'rollback-started',
        'password-rotated',
    ]),
    at: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
    actor: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().optional(),
    source: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().optional(),
    pull_request: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().optional(),
    run_url: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().optional(),
    detail: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().optional(),
    tables: zod__WEBPACK_IMPORTED_MODULE_1__/* .record */ .g1P(zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(), zod__WEBPACK_IMPORTED_MODULE_1__/* .object */ .Ikc({ count: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig(), digest: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP() })).optional(),
    freeze_ms: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().optional(),
})
    .passthrough();
/** How a password reached the application: see pipeline/credentials.ts. */
const CredentialsChannel = zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n(['secret-manager', 'output', 'file']);
/**
 * `settings.isolation.credentials`: whether the tenant role's current password ever reached the
 * application, and how — never the password itself. Recorded only once the delivery happened
 * (pipeline/credentials.ts); a later run rotates the password while it never did.
 */
const CredentialsRecord = zod__WEBPACK_IMPORTED_MODULE_1__/* .object */ .Ikc({
    /**
     * The switch this record is about (its `isolated_at`): a later promotion of the same tenant
     * (after a rollback) has a new role and password, and starts undelivered.
     */
    switched_at: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().optional(),
    /** How the current password was delivered; absent while it never was. */
    delivered: CredentialsChannel.optional(),
    /** When this record was last written, and by which run (its token). */
    at: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
    run: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
    /** The last rotation of the password (a run found it never delivered) and how many there were. */
    rotated_at: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().optional(),
    rotations: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().optional(),
})
    .passthrough();
/**
 * `settings.isolation.sequence_range`: this tenant's entry in the register of sequence ranges
 * (see postgres/sequence-ranges.ts). Reserved at the plan, kept for good: rollbacks and
 * re-promotions never remove it, so a re-promotion gets the same ranges again.
 */
const SequenceRangeRecord = zod__WEBPACK_IMPORTED_MODULE_1__/* .object */ .Ikc({
    /** The tenant's slot: slot k owns the k-th range of every integer type's zone. */
    slot: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int().positive(),
    /** The layout version the slot is read with (postgres/sequence-ranges.ts RANGE_LAYOUT). */
    layout: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int().positive(),
    reserved_at: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
    /** Per type: [first, last] id of this tenant's range (decimal strings; bigint exceeds JSON numbers). */
    ranges: zod__WEBPACK_IMPORTED_MODULE_1__/* .record */ .g1P(zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(), zod__WEBPACK_IMPORTED_MODULE_1__/* .tuple */ .PVZ([zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(), zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP()])).optional(),
    /** Per sequence of the tenant's database, as set at the last switch: type and [first, last] id. */
    sequences: zod__WEBPACK_IMPORTED_MODULE_1__/* .record */ .g1P(zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(), zod__WEBPACK_IMPORTED_MODULE_1__/* .object */ .Ikc({ type: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(), first: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(), last: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP() }))
        .optional(),
})
    .passthrough();
const IsolationState = zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n(['switched', 'complete', 'rolled-back']);
const IsolationSettings = zod__WEBPACK_IMPORTED_MODULE_1__/* .object */ .Ikc({
    state: IsolationState.optional(),
    isolated_db_name: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().optional(),
    isolated_at: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().optional(),
    migration_version: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().optional(),
    source_database: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().optional(),
    app_role: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().optional(),
    owner_role: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().optional(),
    service: zod__WEBPACK_IMPORTED_MODULE_1__/* .object */ .Ikc({
        name: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
        created: zod__WEBPACK_IMPORTED_MODULE_1__/* .boolean */ .zMY(),
        url: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().optional(),
        revision: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().optional(),
        /** The Secret Manager version holding the tenant role's password (retired at rollback). */
        secret_version: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().optional(),
    })
        .optional(),
    shared_rows_removed: zod__WEBPACK_IMPORTED_MODULE_1__/* .boolean */ .zMY().optional(),
    /** The run that owns the tenant now (fencing token, see postgres/ownership.ts). */
    run: _postgres_ownership__WEBPACK_IMPORTED_MODULE_0__/* .RunClaim */ .G7.optional(),
    /** Whether the tenant role's password reached the application (never the password itself). */
    credentials: CredentialsRecord.optional(),
    /** Per table: the tenant's rows as verified at the switch (cleanup and `status --verify` compare with it). */
    verified: zod__WEBPACK_IMPORTED_MODULE_1__/* .record */ .g1P(zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(), zod__WEBPACK_IMPORTED_MODULE_1__/* .object */ .Ikc({ count: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig(), digest: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP() })).optional(),
    /** This tenant's range of sequence values (never removed: see SequenceRangeRecord). */
    sequence_range: SequenceRangeRecord.optional(),
    history: zod__WEBPACK_IMPORTED_MODULE_1__/* .array */ .YOg(HistoryEntry).default([]),
})
    .passthrough();
/** Parses `settings.isolation`; a malformed value is reported, not silently replaced. */
function parseIsolation(settings) {
    if (!settings || typeof settings !== 'object')
        return undefined;
    const raw = settings.isolation;
    if (raw === undefined || raw === null)
        return undefined;
    return IsolationSettings.parse(raw);
}
/** The migration version recorded with a promotion (bumped when the promotion format changes). */
const MIGRATION_VERSION = '001';


/***/ }),

/***/ 17092:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   r: () => (/* binding */ readTableGraph)
/* harmony export */ });
const ON_DELETE = {
    a: 'no action',
    r: 'restrict',
    c: 'cascade',
    n: 'set null',
    d: 'set default',
};
/** User tables: not in system schemas, not temporary, not owned by an extension. */
const USER_TABLES = `
  SELECT c.oid, n.nspname, c.relname, c.relkind, c.relispartition
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_tenant_isolation')
    AND n.nspname NOT LIKE 'pg\\_toast%'
    AND n.nspname NOT LIKE 'pg\\_temp\\_%'
    AND NOT EXISTS (
      SELECT 1 FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
    )`;
const TABLES_SQL = `
WITH RECURSIVE ut AS (${USER_TABLES}),
dom(oid, base, depth) AS (
  SELECT oid, typbasetype, 1 FROM pg_type WHERE typtype = 'd'
  UNION ALL
  SELECT d.oid, t.typbasetype, d.depth + 1 FROM dom d JOIN pg_type t ON t.oid = d.base WHERE t.typtype = 'd'
),
dom_base AS (SELECT DISTINCT ON (oid) oid, base FROM dom ORDER BY oid, depth DESC)
SELECT
  ut.nspname AS schema,
  ut.relname AS name,
  ut.relkind,
  pn.nspname AS parent_schema,
  pc.relname AS parent_name,
  EXISTS (SELECT 1 FROM pg_inherits ih JOIN pg_class ch ON ch.oid = ih.inhrelid
          WHERE ih.inhparent = ut.oid AND NOT ch.relispartition) AS has_inheritance_children,
  COALESCE((
    SELECT json_agg(json_build_object(
      'name', a.attname,
      'type', format_type(a.atttypid, a.atttypmod),
      'notNull', a.attnotnull,
      'generated', a.attgenerated <> '',
      'identity', a.attidentity,
      'typtype', bt.typtype,
      'isArray', bt.typelem <> 0 AND bt.typlen = -1,
      'elementTyptype', CASE WHEN bt.typelem <> 0 AND bt.typlen = -1 THEN ebt.typtype END,
      'elementUserDefined', bt.typelem <> 0 AND bt.typlen = -1 AND bt.typelem::int8 >= 16384,
      'binaryIo', bt.typsend::oid <> 0 AND bt.typreceive::oid <> 0
                  AND (ebt.oid IS NULL OR (ebt.typsend::oid <> 0 AND ebt.typreceive::oid <> 0))
    ) ORDER BY a.attnum)
    FROM pg_attribute a
    JOIN pg_type bt ON bt.oid = COALESCE((SELECT db.base FROM dom_base db WHERE db.oid = a.atttypid), a.atttypid)
    LEFT JOIN pg_type ebt ON ebt.oid = COALESCE((SELECT db.base FROM dom_base db WHERE db.oid = bt.typelem), NULLIF(bt.typelem, 0))
    WHERE a.attrelid = ut.oid AND a.attnum > 0 AND NOT a.attisdropped
  ), '[]') AS columns
FROM ut
LEFT JOIN pg_inherits i ON ut.relispartition AND i.inhrelid = ut.oid
LEFT JOIN pg_class pc ON pc.oid = i.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace
ORDER BY ut.nspname, ut.relname`;
const CONSTRAINTS_SQL = `
WITH ut AS (${USER_TABLES})
SELECT
  ut.nspname AS schema,
  ut.relname AS name,
  con.conname,
  con.contype,
  con.confdeltype,
  con.condeferrable,
  (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
  rn.nspname AS ref_schema,
  rc.relname AS ref_name,
  (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS ref_columns
FROM ut
JOIN pg_constraint con ON con.conrelid = ut.oid AND con.contype IN ('p', 'f') AND con.conparentid = 0
LEFT JOIN pg_class rc ON rc.oid = (CASE WHEN con.contype = 'f' THEN COALESCE(pg_partition_root(con.confrelid), con.confrelid) END)
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
ORDER BY ut.nspname, ut.relname, con.conname`;
const INDEXES_SQL = `
WITH ut AS (${USER_TABLES})
SELECT
  ut.nspname AS schema,
  ut.relname AS name,
  ic.relname AS index_name,
  x.indisunique AS unique,
  x.indpred IS NOT NULL AS partial,
  (SELECT array_agg(a.attname::text ORDER BY k.ord)
     FROM unnest(x.indkey[0:x.indnkeyatts - 1]) WITH ORDINALITY k(attnum, ord)
     LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0) AS columns,
  (SELECT bool_and(a.attnotnull)
     FROM unnest(x.indkey[0:x.indnkeyatts - 1]) k(attnum)
     LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0) AS all_not_null
FROM ut
JOIN pg_index x ON x.indrelid = ut.oid
JOIN pg_class ic ON ic.oid = x.indexrelid
ORDER BY ut.nspname, ut.relname, ic.relname`;
const key = (schema, name) => `${schema}\u0000${name}`;
/**
 * Reads the table graph of every user schema. Types are rendered with an empty search_path so
 * that user types come out schema-qualified (the plan splices them into casts read by sessions
 * whose search_path may differ); the caller's search_path is restored afterwards.
 */
async function readTableGraph(client) {
    const saved = (await client.query(`SELECT current_setting('search_path') AS p`)).rows[0]?.p ?? '';
    let tableRows;
    let constraintRows;
    let indexRows;
    await client.query(`SELECT set_config('search_path', '', false)`);
    try {
        tableRows = (await client.query(TABLES_SQL)).rows;
        constraintRows = (await client.query(CONSTRAINTS_SQL)).rows;
        indexRows = (await client.query(INDEXES_SQL)).rows;
    }
    finally {
        await client.query(`SELECT set_config('search_path', $1, false)`, [saved]);
    }
    const tables = new Map();
    for (const r of tableRows) {
        tables.set(key(r.schema, r.name), {
            schema: r.schema,
            name: r.name,
            relkind: r.relkind,
            partitionOf: r.parent_schema && r.parent_name ? { schema: r.parent_schema, name: r.parent_name } : null,
            hasInheritanceChildren: r.has_inheritance_children,
            columns: r.columns.map((c) => ({
                ...c,
                identity: c.identity === 'a' ? 'always' : c.identity === 'd' ? 'by-default' : null,
            })),
            primaryKey: null,
            uniqueKeys: [],
            foreignKeys: [],
            indexes: [],
        });
    }
    for (const r of constraintRows) {
        const t = tables.get(key(r.schema, r.name));
        if (!t)
            continue;
        if (r.contype === 'p')
            t.primaryKey = r.columns;
        else if (r.ref_schema && r.ref_name && r.ref_columns) {
            t.foreignKeys.push({
                name: r.conname,
                columns: r.columns,
                refSchema: r.ref_schema,
                refName: r.ref_name,
                refColumns: r.ref_columns,
                onDelete: ON_DELETE[r.confdeltype] ?? 'no action',
                deferrable: r.condeferrable,
            });
        }
    }
    for (const r of indexRows) {
        const t = tables.get(key(r.schema, r.name));
        if (!t)
            continue;
        const columns = r.columns ?? [];
        t.indexes.push({ name: r.index_name, columns, unique: r.unique, partial: r.partial });
        if (r.unique && !r.partial && columns.length > 0 && columns.every((c) => c !== null) && r.all_not_null) {
            const cols = columns;
            const isPk = t.primaryKey && t.primaryKey.join('\u0000') === cols.join('\u0000');
            if (!isPk)
                t.uniqueKeys.push(cols);
        }
    }
    return { tables: [...tables.values()] };
}


/***/ }),

/***/ 36741:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   AC: () => (/* binding */ SESSION_OPTIONS),
/* harmony export */   Ng: () => (/* binding */ connect),
/* harmony export */   Q5: () => (/* binding */ connectAll),
/* harmony export */   p: () => (/* binding */ withConnection),
/* harmony export */   si: () => (/* binding */ setTenantId)
/* harmony export */ });
/* unused harmony export clientConfig */
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83916);
/* harmony import */ var _secrets__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(27194);
/* harmony import */ var _plan_types__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(54680);




/**
 * Connection settings every session of a promotion uses: TCP keepalives (a dead runner's session
 * and its advisory lock go away promptly), a bounded connect time, and an application name that
 * makes our sessions recognisable in pg_stat_activity.
 */
/** Startup settings of every session the tool opens. */
const SESSION_OPTIONS = '-c jit=off -c default_transaction_isolation=read\\ committed';
function clientConfig(url, extra = {}) {
    return {
        connectionString: url,
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
        application_name: 'tenant-promotion',
        connectionTimeoutMillis: 10_000,
        // Set per session, not inherited from the server or database defaults: JIT off (the run's
        // queries are short and planned once; compiling cost seconds per query on a table of many
        // partitions, under the freeze); READ COMMITTED (a transaction that waits for a row lock must
        // then see what the lock holder committed — under a REPEATABLE READ default the freeze would
        // miss a write committed while it waited, and two slot reservations could take the same slot).
        options: SESSION_OPTIONS,
        ...extra,
    };
}
/** A hint that names the likely fix for a connection failure. */
function connectHint(e, url) {
    const code = e?.code;
    const where = (0,_secrets__WEBPACK_IMPORTED_MODULE_2__/* .safeUrl */ .Pl)(url);
    switch (code) {
        case 'ECONNREFUSED':
        case 'ENOTFOUND':
        case 'EAI_AGAIN':
        case 'EHOSTUNREACH':
        case 'ETIMEDOUT':
            return `Check that PostgreSQL is running and reachable from this machine at ${where}.`;
        case '28P01':
        case '28000':
            return 'Check the user and password in the connection string (and pg_hba.conf on the server).';
        case '3D000':
            return 'The database in the connection string does not exist; check its name.';
        case '53300':
            return 'The server has no free connection slots; lower copy-parallelism or raise max_connections.';
        default:
            return `Check the connection string (${where}) and that the server accepts connections from this machine.`;
    }
}
/** Opens a client; failures become PromotionError('database') without credentials in the text. */
async function connect(url, extra = {}) {
    const client = new pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].Client */ .Ay.Client(clientConfig(url, extra));
    // An idle session killed by the server emits 'error'; unhandled, that would crash the process.
    // The next query on the client fails and reports it.
    client.on('error', () => { });
    try {
        await client.connect();
    }
    catch (e) {
        await client.end().catch(() => { });
        const message = e instanceof Error ? e.message : String(e);
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('database', `Could not connect to ${(0,_secrets__WEBPACK_IMPORTED_MODULE_2__/* .safeUrl */ .Pl)(url)}: ${(0,_secrets__WEBPACK_IMPORTED_MODULE_2__/* .redact */ .E$)(message)}`, connectHint(e, url), { cause: e });
    }
    return client;
}
/** A session on `url` for `fn`, ended afterwards whatever happened. */
async function withConnection(url, fn) {
    const client = await connect(url);
    try {
        return await fn(client);
    }
    finally {
        await client.end().catch(() => { });
    }
}
/** Opens one client per URL; if one fails, those already open are ended before the error goes on. */
async function connectAll(urls) {
    const clients = [];
    try {
        for (const url of urls)
            clients.push(await connect(url));
        return clients;
    }
    catch (e) {
        await Promise.all(clients.map((c) => c.end().catch(() => { })));
        throw e;
    }
}
/**
 * Sets the tenant id the plan's predicates read (`current_setting('tenant_promotion.tenant_id')`),
 * as a bound parameter: the value is never part of SQL text. Session-wide (not transaction-local).
 */
async function setTenantId(client, tenantId) {
    await client.query('SELECT set_config($1, $2, false)', [_plan_types__WEBPACK_IMPORTED_MODULE_3__/* .TENANT_ID_SETTING */ .o, tenantId]);
}


/***/ }),

/***/ 6922:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   B: () => (/* binding */ inOwnedTransaction),
/* harmony export */   EI: () => (/* binding */ assertOwner),
/* harmony export */   G7: () => (/* binding */ RunClaim),
/* harmony export */   KD: () => (/* binding */ assertRunMarker),
/* harmony export */   Rj: () => (/* binding */ writeRunMarker),
/* harmony export */   Ti: () => (/* binding */ claimTenant),
/* harmony export */   _B: () => (/* binding */ claimOf),
/* harmony export */   qj: () => (/* binding */ releaseClaim)
/* harmony export */ });
/* unused harmony exports RUN_SCHEMA, OwnershipLostError */
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(9691);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83916);
/* harmony import */ var _sql__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(75259);




/**
 * Fencing: which run owns a tenant, proved by data the database checks in the same transaction
 * as every irreversible write.
 *
 * The advisory lock (lock.ts) is only the fast path for "someone else is running": a session
 * lock ends silently with its session (pg_terminate_backend, a failover, a network cut, a pooler
 * restart), and the next run takes it while the first one goes on. So a run that holds the lock
 * claims the tenant by writing its run token into the tenants row (`settings.isolation.run`);
 * every later write of a run — to the shared database and to the tenant's database — first
 * reads the token under a row lock in the same transaction and stops, changing nothing, when
 * another run has claimed the tenant since. A run that lost its lock therefore cannot undo or
 * overwrite what the run that took over committed.
 *
 * In the tenant's database the same token lives in a table of the tool's own schema
 * (`RUN_SCHEMA`), written when the run creates that database: writes there (catch-up) check it,
 * so a run whose database was replaced by another run's never writes into the replacement.
 */
const RunClaim = zod__WEBPACK_IMPORTED_MODULE_3__/* .object */ .Ikc({
    id: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP().min(1),
    /** Who: the workflow run, the CLI on a host, … (shown to a run that lost ownership). */
    label: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP(),
    operation: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP(),
    since: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP(),
})
    .passthrough();
/** The tool's own schema in a tenant's database: never cloned, compared or shown to the application. */
const RUN_SCHEMA = '_tenant_isolation';
const RUN_TABLE = `${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(RUN_SCHEMA)}.run_owner`;
class OwnershipLostError extends _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1 {
    constructor(slug, what, owner, runId) {
        super('ownership-lost', `This run (${runId}) no longer owns tenant "${slug}": ${owner
            ? `${owner.operation} run ${owner.id} (${owner.label}) claimed it at ${owner.since}`
            : 'its claim is gone from the tenants row'}. It stopped before ${what} and changed nothing more.`, 'Another run took over (this run lost its lock: a dropped connection, a failover or a terminated session). Let that run finish and read its report; re-run only if it failed.');
    }
}
/** The claim stored in a tenants row's settings, if any (malformed values count as none). */
function claimOf(settings) {
    const raw = settings?.isolation?.run;
    const parsed = RunClaim.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
}
/**
 * Claims the tenant for this run (the caller holds the tenant's advisory lock). Other keys of
 * `settings` and of `settings.isolation` are preserved. Returns the previous claim, if any.
 */
async function claimTenant(client, tenantsTable, slug, claim, 
/** The claim blocks the tenant's writers while it waits for the row: never longer than this. */
lockTimeoutMs) {
    const table = (0,_sql__WEBPACK_IMPORTED_MODULE_2__/* .quoteQualified */ .$)(tenantsTable);
    await client.query('BEGIN');
    try {
        await client.query(`SELECT set_config('lock_timeout', $1, true)`, [`${lockTimeoutMs}ms`]);
        const { rows } = await client.query(`SELECT t.settings FROM ${table} t WHERE t.slug = $1 FOR NO KEY UPDATE`, [slug]);
        if (rows.length === 0) {
            throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('tenant-not-found', `Tenant "${slug}" was not found in ${tenantsTable}.`);
        }
        const previous = claimOf(rows[0].settings);
        await client.query(`UPDATE ${table} t
          SET settings = coalesce(t.settings, '{}'::jsonb)
                || jsonb_build_object('isolation',
                     coalesce(t.settings -> 'isolation', '{}'::jsonb) || jsonb_build_object('run', $2::jsonb))
        WHERE t.slug = $1`, [slug, JSON.stringify(claim)]);
        await client.query('COMMIT');
        return previous;
    }
    catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (e.code === '55P03') {
            throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('lock-held', `Tenant "${slug}" could not be claimed: its row in ${tenantsTable} stayed locked for longer than max-freeze (${lockTimeoutMs} ms); nothing was changed.`, 'A long transaction holds the tenant row (see pg_stat_activity); re-run when it has finished.', { cause: e });
        }
        throw e;
    }
}
/**
 * Takes this run's claim back out of the tenants row, if it is still this run's: a run that
 * failed before its commit point leaves the shared database as it found it.
 */
async function releaseClaim(client, tenantsTable, slug, runId) {
    // A sequence-range slot this run reserved and no switch ever applied goes too (slots are few
    // for int4 and int2 keys); one a switch applied stays, for a re-promotion to reuse.
    await client.query(`UPDATE ${(0,_sql__WEBPACK_IMPORTED_MODULE_2__/* .quoteQualified */ .$)(tenantsTable)} t
        SET settings = CASE WHEN r.iso = '{}'::jsonb THEN t.settings - 'isolation'
                            ELSE jsonb_set(t.settings, '{isolation}', r.iso) END
       FROM (SELECT s.slug, (s.settings -> 'isolation') - 'run'
                    - CASE WHEN s.settings -> 'isolation' -> 'sequence_range' -> 'sequences' IS NULL
                           THEN 'sequence_range' ELSE '' END AS iso
               FROM ${(0,_sql__WEBPACK_IMPORTED_MODULE_2__/* .quoteQualified */ .$)(tenantsTable)} s WHERE s.slug = $1) r
      WHERE t.slug = r.slug AND t.settings -> 'isolation' -> 'run' ->> 'id' = $2`, [slug, runId]);
}
/**
 * Inside the caller's transaction: locks the tenants row `FOR SHARE` (a competing claim waits
 * for this transaction; writers that only reference the tenant do not) and proves the claim is
 * still this run's. Throws OwnershipLostError otherwise.
 */
async function assertOwner(client, tenantsTable, slug, runId, what, 
/**
 * Pass when the tenant row is gone altogether. For undo only: no run can claim a tenant
 * without its row, so what this run built is nobody else's and may be removed.
 */
orphanOk = false) {
    const { rows } = await client.query(`SELECT t.settings FROM ${(0,_sql__WEBPACK_IMPORTED_MODULE_2__/* .quoteQualified */ .$)(tenantsTable)} t WHERE t.slug = $1 FOR SHARE`, [slug]);
    if (rows.length === 0 && orphanOk)
        return;
    const owner = rows.length ? claimOf(rows[0].settings) : undefined;
    if (owner?.id !== runId)
        throw new OwnershipLostError(slug, what, owner, runId);
}
/**
 * Runs `fn` in one transaction on `client` that first proves ownership (assertOwner) and
 * commits only if `fn` returns. For writes to the shared database.
 */
async function inOwnedTransaction(client, owner, what, fn) {
    await client.query('BEGIN');
    try {
        await assertOwner(client, owner.tenantsTable, owner.slug, owner.runId, what, owner.orphanOk);
        const result = await fn();
        await client.query('COMMIT');
        return result;
    }
    catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
    }
}
/**
 * Writes this run's token into the tenant's database (a schema of the tool's own that PUBLIC
 * cannot use). Called by the run that creates the database, before anything else is written.
 */
async function writeRunMarker(target, claim) {
    await target.query(`CREATE SCHEMA IF NOT EXISTS ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(RUN_SCHEMA)}`);
    await target.query(`REVOKE ALL ON SCHEMA ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(RUN_SCHEMA)} FROM PUBLIC`);
    await target.query(`CREATE TABLE IF NOT EXISTS ${RUN_TABLE} (
       singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
       run jsonb NOT NULL)`);
    await target.query(`INSERT INTO ${RUN_TABLE} (run) VALUES ($1::jsonb)
       ON CONFLICT (singleton) DO UPDATE SET run = EXCLUDED.run`, [JSON.stringify(claim)]);
}
/**
 * Inside the caller's transaction on the tenant's database: proves the database is still this
 * run's (its marker row locked FOR SHARE). Throws OwnershipLostError otherwise.
 */
async function assertRunMarker(target, slug, runId, what) {
    let rows;
    try {
        ({ rows } = await target.query(`SELECT run FROM ${RUN_TABLE} WHERE singleton FOR SHARE`));
    }
    catch (e) {
        // No marker at all (undefined schema or table): not a database this run made.
        const code = e.code;
        if (code === '42P01' || code === '3F000')
            throw new OwnershipLostError(slug, what, undefined, runId);
        throw e;
    }
    const marker = rows.length ? RunClaim.safeParse(rows[0].run) : undefined;
    const owner = marker?.success ? marker.data : undefined;
    if (owner?.id !== runId)
        throw new OwnershipLostError(slug, what, owner, runId);
}


/***/ }),

/***/ 54680:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   i: () => (/* binding */ selectTenantRows),
/* harmony export */   o: () => (/* binding */ TENANT_ID_SETTING)
/* harmony export */ });
/**
 * The plan of a promotion: which tables hold the tenant's rows and how to select them. Built
 * from the catalog by `planTenant` (pure); used by the copy, the checks, the catch-up at the
 * switch and the cleanup, so every one of them selects exactly the same rows.
 *
 * SQL fragments here never embed values: the tenant's id is read with
 * `current_setting('tenant_promotion.tenant_id')` (see TENANT_ID_SETTING), which the caller sets
 * with a bound parameter (`SELECT set_config($1, $2, false)`) on every session that runs them.
 */
const TENANT_ID_SETTING = 'tenant_promotion.tenant_id';
/** `SELECT <columns> FROM <table> t WHERE <where>`: the tenant's rows of one table. */
function selectTenantRows(table) {
    return `SELECT ${table.columns.map((c) => `t.${c}`).join(', ')} FROM ${table.qualified} t WHERE ${table.where}`;
}


/***/ }),

/***/ 43524:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   gK: () => (/* binding */ planTenant)
/* harmony export */ });
/* unused harmony export looksSensitive */
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _plan_types__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(54680);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83916);
/* harmony import */ var _tenant_key__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(72713);





const q = pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier;
const SETTING = `current_setting(${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(_plan_types__WEBPACK_IMPORTED_MODULE_3__/* .TENANT_ID_SETTING */ .o)})`;
/** Above this many EXISTS joins in one table's predicate, fall back to shorter foreign-key paths. */
const MAX_PREDICATE_JOINS = 64;
const OVER_BUDGET = Symbol('over budget');
/** Above this many EXISTS joins in a referenced table's predicate, the table must be decided by an override. */
const MAX_SHARED_JOINS = 256;
const keyOf = (schema, name) => `${schema}\u0000${name}`;
const tableKey = (t) => keyOf(t.schema, t.name);
const qualified = (t) => `${q(t.schema)}.${q(t.name)}`;
const display = (t) => `${t.schema}.${t.name}`;
const compareTables = (a, b) => a.schema < b.schema ? -1 : a.schema > b.schema ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
/** Smallest set of columns an index must lead with to serve lookups by `columns`. */
function isIndexed(table, columns) {
    const want = new Set(columns);
    return table.indexes.some((ix) => {
        if (ix.partial || ix.columns.length < columns.length)
            return false;
        const lead = ix.columns.slice(0, columns.length);
        return lead.every((c) => c !== null && want.has(c));
    });
}
function columnBinarySafe(c) {
    if (!c.binaryIo)
        return false;
    // Binary COPY embeds the OIDs of composite fields and array elements; user-defined OIDs differ per database.
    if (c.typtype === 'c')
        return false;
    if (c.isArray && (c.elementUserDefined || c.elementTyptype === 'c'))
        return false;
    return true;
}
function suggestIndex(table, columns) {
    // CONCURRENTLY does not work on partitioned tables.
    const concurrently = table.relkind === 'p' ? '' : 'CONCURRENTLY ';
    return `CREATE INDEX ${concurrently}ON ${qualified(table)} (${columns.map(q).join(', ')});`;
}
function planTenant(graph, opts) {
    const notes = [];
    const blockers = [];
    const byKey = new Map(graph.tables.map((t) => [tableKey(t), t]));
    const sharedRows = opts.sharedRows ?? 'referenced';
    // Partitions are copied through their partitioned root.
    const topOf = (t) => {
        let cur = t;
        const seen = new Set();
        while (cur.partitionOf && !seen.has(tableKey(cur))) {
            seen.add(tableKey(cur));
            const parent = byKey.get(tableKey(cur.partitionOf));
            if (!parent)
                break;
            cur = parent;
        }
        return cur;
    };
    const tops = graph.tables.filter((t) => topOf(t) === t).sort(compareTables);
    // Foreign keys declared on partitions: one declared identically on every partition (same
    // columns → same referenced table and columns) is the parent's for planning (pagila's payment).
    const childrenOf = new Map();
    for (const t of graph.tables) {
        if (!t.partitionOf)
            continue;
        const k = tableKey(t.partitionOf);
        childrenOf.set(k, [...(childrenOf.get(k) ?? []), t]);
    }
    const signature = (fk) => {
        const ref = byKey.get(keyOf(fk.refSchema, fk.refName));
        return ref
            ? `${fk.columns.join('\u0001')}\u0002${tableKey(topOf(ref))}\u0002${fk.refColumns.join('\u0001')}`
            : null;
    };
    const onEveryPartition = (t) => {
        const kids = childrenOf.get(tableKey(t)) ?? [];
        const each = [];
        for (const kid of kids) {
            const mine = new Map();
            for (const fk of kid.foreignKeys) {
                const sig = signature(fk);
                if (sig && !mine.has(sig))
                    mine.set(sig, fk);
            }
            if (kid.relkind === 'p')
                for (const [sig, fk] of onEveryPartition(kid))
                    if (!mine.has(sig))
                        mine.set(sig, fk);
            each.push(mine);
        }
        const [first, ...rest] = each;
        if (!first)
            return new Map();
        return new Map([...first].filter(([sig]) => rest.every((m) => m.has(sig))));
    };
    const partitionKeys = new Map();
    for (const t of tops) {
        if (t.relkind !== 'p')
            continue;
        const declared = new Set(t.foreignKeys.map(signature));
        const lifted = [...onEveryPartition(t)].filter(([sig]) => !declared.has(sig)).map(([, fk]) => fk);
        if (lifted.length > 0) {
            partitionKeys.set(tableKey(t), lifted);
            notes.push(`Foreign keys declared on every partition of ${display(t)} and not on the table itself (${lifted.map((f) => `${f.name}: ${f.columns.join(', ')} → ${f.refSchema}.${f.refName}`).join('; ')}) are planned as ${display(t)}'s; the clone recreates them on the partitions, as they are.`);
        }
    }
    for (const t of graph.tables) {
        if (topOf(t) === t || t.foreignKeys.length === 0)
            continue;
        const lifted = new Set((partitionKeys.get(tableKey(topOf(t))) ?? []).map(signature));
        const declared = new Set(topOf(t).foreignKeys.map(signature));
        const alone = t.foreignKeys.filter((f) => {
            const sig = signature(f);
            return !lifted.has(sig) && !declared.has(sig);
        });
        if (alone.length > 0) {
            notes.push(`Foreign keys declared on partition ${display(t)} alone (${alone.map((f) => f.name).join(', ')}) are not used to find the tenant's rows (not every partition of ${display(topOf(t))} declares them); declare them on ${display(topOf(t))} or on every partition.`);
        }
    }
    // The tenants row is selected by the column the tenant key holds (one rule: resolveTenantKeyColumn).
    const resolved = (0,_tenant_key__WEBPACK_IMPORTED_MODULE_2__/* .resolveTenantKeyColumn */ .C_)(graph, opts);
    const root = tops.find((t) => t.schema === resolved.tenantsTable.schema && t.name === resolved.tenantsTable.name);
    const rootKeyName = resolved.column;
    const rootKeyColumn = root.columns.find((c) => c.name === rootKeyName);
    if (opts.tenantIdType !== undefined &&
        normaliseType(rootKeyColumn.type) !== normaliseType(opts.tenantIdType)) {
        notes.push(`The tenant id type given (${opts.tenantIdType}) differs from ${display(root)}.${rootKeyName} (${rootKeyColumn.type}); the catalog's type is used.`);
    }
    // Foreign keys resolved to planned (top-level) tables; keys to tables outside the graph are ignored.
    const edges = new Map();
    for (const t of tops) {
        const list = [];
        for (const fk of [...t.foreignKeys, ...(partitionKeys.get(tableKey(t)) ?? [])]) {
            const ref = byKey.get(keyOf(fk.refSchema, fk.refName));
            if (ref)
                list.push({ fk, target: topOf(ref) });
        }
        edges.set(tableKey(t), list);
    }
    const edgesOf = (t) => edges.get(tableKey(t)) ?? [];
    /** Foreign keys into `t` (from any top-level table). */
    const incoming = new Map();
    for (const c of tops) {
        for (const e of edgesOf(c)) {
            const k = tableKey(e.target);
            incoming.set(k, [...(incoming.get(k) ?? []), { ...e, child: c }]);
        }
    }
    const incomingOf = (t) => incoming.get(tableKey(t)) ?? [];
    // Classification of the tenant's own tables.
    const kinds = new Map();
    kinds.set(tableKey(root), 'root');
    for (const t of tops) {
        if (t !== root && t.columns.some((c) => c.name === opts.tenantKey))
            kinds.set(tableKey(t), 'tenant');
    }
    // Dependent: reaches an owned table through a foreign key (self-references do not give ownership).
    const distance = new Map();
    for (const [k] of kinds)
        distance.set(k, 0);
    for (let changed = true; changed;) {
        changed = false;
        for (const t of tops) {
            const k = tableKey(t);
            let best = Infinity;
            for (const { target } of edgesOf(t)) {
                if (target === t)
                    continue;
                const d = distance.get(tableKey(target));
                if (d !== undefined && d + 1 < best)
                    best = d + 1;
            }
            if (kinds.get(k) === 'root' || kinds.get(k) === 'tenant')
                continue;
            if (best !== Infinity && (distance.get(k) ?? Infinity) > best) {
                distance.set(k, best);
                kinds.set(k, 'dependent');
                changed = true;
            }
        }
    }
    const owned = (t) => kinds.has(tableKey(t));
    // Per-table overrides, validated against the catalog.
    const overrides = resolveOverrides(opts.tableOverrides ?? {}, graph, topOf, (t) => kinds.get(tableKey(t)));
    // Tables without the tenant key. Referenced: rows that copied rows reference along foreign keys
    // (users behind memberships), and rows that reference only such rows (a user's tokens), found
    // as a closure. The tables the tenants row alone references (plans) are lookup tables: copied
    // whole with `reference-tables: copy`, else only the rows the tenant row references.
    const polymorphic = new Map();
    for (const t of tops) {
        if (owned(t))
            continue;
        const pairs = polymorphicPairs(t);
        if (pairs.length > 0)
            polymorphic.set(tableKey(t), pairs);
    }
    const selected = new Set();
    const reason = new Map();
    const isSource = (c, target) => (owned(c) &&
        (c !== root || opts.referenceTables === 'skip' || overrides.get(tableKey(target)) === 'referenced')) ||
        selected.has(tableKey(c)) ||
        overrides.get(tableKey(c)) === 'copy';
    for (let changed = true; changed;) {
        changed = false;
        for (const t of tops) {
            const k = tableKey(t);
            const o = overrides.get(k);
            if (owned(t) || selected.has(k) || o === 'skip' || o === 'copy')
                continue;
            const why = [];
            for (const { child } of incomingOf(t)) {
                if (child !== t && isSource(child, t))
                    why.push(`referenced by ${display(child)}`);
            }
            if (!polymorphic.has(k) || o === 'referenced') {
                for (const { target } of edgesOf(t)) {
                    if (target !== t && selected.has(tableKey(target)))
                        why.push(`references copied ${display(target)} rows`);
                }
            }
            if (why.length > 0) {
                selected.add(k);
                reason.set(k, [...new Set(why)]);
                changed = true;
            }
        }
    }
    const skipped = [];
    for (const t of tops) {
        const k = tableKey(t);
        if (owned(t))
            continue;
        const o = overrides.get(k);
        if (o === 'skip')
            skipped.push({ table: t, reason: 'table-overrides: skip' });
        else if (o === 'copy')
            kinds.set(k, 'reference');
        else if (selected.has(k))
            kinds.set(k, sharedRows === 'referenced' || o === 'referenced' ? 'referenced' : 'reference');
        else if (o === 'referenced') {
            throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`table-overrides: ${display(t)}=referenced, but no copied row references ${display(t)} through a foreign key (and it references no copied row), so none of its rows can be attributed to the tenant.`, `Use ${display(t)}=copy to copy it whole, or ${display(t)}=skip to leave it out.`);
        }
        else if (polymorphic.has(k)) {
            skipped.push({ table: t, reason: 'unattributable' });
            notes.push(`${display(t)} points at rows polymorphically (${polymorphic.get(k).join('; ')}) without foreign keys to the tenant's rows: which tenant its rows belong to cannot be told, so it is left out (not cloned). To copy it whole: table-overrides: ${display(t)}=copy.`);
        }
        else if (opts.referenceTables === 'copy')
            kinds.set(k, 'reference');
        else
            skipped.push({ table: t, reason: 'reference-tables: skip' });
    }
    const kindOf = (t) => kinds.get(tableKey(t));
    const isOwned = (t) => {
        const kd = kindOf(t);
        return kd === 'root' || kd === 'tenant' || kd === 'dependent';
    };
    // Predicates. Nested joins use aliases t1, t2, … by depth, so the top level alias `t` stays free.
    const rootPredicate = (alias) => `${alias}.${q(rootKeyName)} = ${SETTING}::${rootKeyColumn.type}`;
    const tenantPredicate = (t, alias) => {
        const col = t.columns.find((c) => c.name === opts.tenantKey);
        return `${alias}.${q(col.name)} = ${SETTING}::${col.type}`;
    };
    const ownerPredicate = (t, alias, depth, path, mode, budget) => {
        const kind = kindOf(t);
        if (kind === 'root')
            return rootPredicate(alias);
        if (kind === 'tenant')
            return tenantPredicate(t, alias);
        const myDistance = distance.get(tableKey(t)) ?? Infinity;
        let candidates = edgesOf(t).filter(({ target }) => target !== t && isOwned(target) && !path.has(tableKey(target)));
        if (mode !== 'all') {
            candidates = candidates.filter(({ target }) => (distance.get(tableKey(target)) ?? Infinity) < myDistance);
            if (mode === 'shortest') {
                const dist = (x) => distance.get(tableKey(x)) ?? Infinity;
                candidates = [...candidates].sort((a, b) => dist(a.target) - dist(b.target)).slice(0, 1);
            }
        }
        const parts = [];
        const nextPath = new Set(path).add(tableKey(t));
        for (const { fk, target } of candidates) {
            if (kindOf(target) === 'root' && fk.columns.length === 1 && fk.refColumns[0] === rootKeyName) {
                parts.push(`${alias}.${q(fk.columns[0])} = ${SETTING}::${rootKeyColumn.type}`);
                continue;
            }
            if (++budget.joins > MAX_PREDICATE_JOINS)
                throw OVER_BUDGET;
            const a = `t${depth + 1}`;
            const join = fk.columns.map((c, i) => `${a}.${q(fk.refColumns[i])} = ${alias}.${q(c)}`).join(' AND ');
            const inner = ownerPredicate(target, a, depth + 1, nextPath, mode, budget);
            parts.push(`EXISTS (SELECT 1 FROM ${qualified(target)} ${a} WHERE ${join} AND ${inner})`);
        }
        if (parts.length === 0)
            return 'false';
        return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
    };
    // The mode each owned table's predicate fits in (see MAX_PREDICATE_JOINS).
    const modeOf = new Map();
    const ownPredicate = (t, alias, depth) => {
        const known = modeOf.get(tableKey(t));
        if (known)
            return ownerPredicate(t, alias, depth, new Set(), known, { joins: -Infinity });
        for (const mode of ['all', 'shorter', 'shortest']) {
            try {
                const where = ownerPredicate(t, alias, depth, new Set(), mode, {
                    joins: mode === 'shortest' ? -Infinity : 0,
                });
                modeOf.set(tableKey(t), mode);
                return where;
            }
            catch (e) {
                if (e !== OVER_BUDGET)
                    throw e;
                if (depth === 0)
                    notes.push(`${display(t)} reaches the tenant through more than ${MAX_PREDICATE_JOINS} foreign-key paths; only its ${mode === 'all' ? 'shorter' : 'shortest'} paths are used to select its rows.`);
            }
        }
        return 'false';
    };
    // Global rows: a tenant table's rows with a NULL tenant key that the tenant's rows reference.
    const globalBranch = (t, alias, depth) => {
        if (!opts.globalRows || kindOf(t) !== 'tenant')
            return null;
        const col = t.columns.find((c) => c.name === opts.tenantKey);
        if (col.notNull)
            return null;
        const a = `t${depth + 1}`;
        const terms = [];
        for (const { fk, child } of incomingOf(t)) {
            if (!isOwned(child))
                continue;
            const join = fk.columns.map((c, i) => `${a}.${q(c)} = ${alias}.${q(fk.refColumns[i])}`).join(' AND ');
            terms.push(`EXISTS (SELECT 1 FROM ${qualified(child)} ${a} WHERE ${join} AND ${ownPredicate(child, a, depth + 1)})`);
        }
        if (terms.length === 0)
            return null;
        return `${alias}.${q(col.name)} IS NULL AND ${terms.length === 1 ? terms[0] : `(${terms.join(' OR ')})`}`;
    };
    const withGlobal = (t, alias, depth) => {
        const own = ownPredicate(t, alias, depth);
        const global = globalBranch(t, alias, depth);
        return global ? `(${own} OR (${global}))` : own;
    };
    let sharedJoins = 0;
    /** Rows of a table without the tenant key that copied rows reference, or that reference only such rows. */
    const sharedPredicate = (t, alias, depth, path) => {
        const nextPath = new Set(path).add(tableKey(t));
        const a = `t${depth + 1}`;
        const terms = [];
        for (const { fk, child } of incomingOf(t)) {
            if (child === t || path.has(tableKey(child)) || !kindOf(child))
                continue;
            if (skipped.some((s) => s.table === child))
                continue;
            if (++sharedJoins > MAX_SHARED_JOINS)
                throw OVER_BUDGET;
            const inner = rowPredicate(child, a, depth + 1, nextPath);
            if (inner === 'false')
                continue;
            const join = fk.columns.map((c, i) => `${a}.${q(c)} = ${alias}.${q(fk.refColumns[i])}`).join(' AND ');
            terms.push(`EXISTS (SELECT 1 FROM ${qualified(child)} ${a} WHERE ${join}${inner === 'true' ? '' : ` AND ${inner}`})`);
        }
        if (!polymorphic.has(tableKey(t)) || overrides.get(tableKey(t)) === 'referenced') {
            for (const { fk, target } of edgesOf(t)) {
                if (target === t || path.has(tableKey(target)) || kindOf(target) !== 'referenced')
                    continue;
                if (++sharedJoins > MAX_SHARED_JOINS)
                    throw OVER_BUDGET;
                const inner = rowPredicate(target, a, depth + 1, nextPath);
                if (inner === 'false')
                    continue;
                const join = fk.columns
                    .map((c, i) => `${a}.${q(fk.refColumns[i])} = ${alias}.${q(c)}`)
                    .join(' AND ');
                terms.push(`EXISTS (SELECT 1 FROM ${qualified(target)} ${a} WHERE ${join} AND ${inner})`);
            }
        }
        if (terms.length === 0)
            return 'false';
        return terms.length === 1 ? terms[0] : `(${terms.join(' OR ')})`;
    };
    const rowPredicate = (t, alias, depth, path) => {
        const kind = kindOf(t);
        if (kind === 'root' || kind === 'tenant' || kind === 'dependent')
            return withGlobal(t, alias, depth);
        if (kind === 'reference')
            return 'true';
        if (kind === 'referenced')
            return sharedPredicate(t, alias, depth, path);
        return 'false';
    };
    /** Rows of `t` that rows not copied also reference (other tenants' memberships of a copied user). */
    const alsoUsedPredicate = (t) => {
        const terms = [];
        for (const { fk, child } of incomingOf(t)) {
            if (child === t)
                continue;
            // Rows copied whole are all copied ('true'); rows that exist only as followers of `t` (a
            // user's tokens: 'false' once `t` is cut) are not another tenant's use.
            const inner = rowPredicate(child, 't1', 1, new Set([tableKey(t)]));
            if (inner === 'true' || inner === 'false')
                continue;
            const join = fk.columns.map((c, i) => `t1.${q(c)} = t.${q(fk.refColumns[i])}`).join(' AND ');
            terms.push(`EXISTS (SELECT 1 FROM ${qualified(child)} t1 WHERE ${join} AND (${inner}) IS NOT TRUE)`);
        }
        return terms.length ? terms.join(' OR ') : undefined;
    };
    const inheritance = (t, where) => t.hasInheritanceChildren
        ? `${where === 'true' ? '' : `(${where}) AND `}t.tableoid = ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(qualified(t))}::regclass`
        : where;
    const skippedKeys = new Set(skipped.map((s) => tableKey(s.table)));
    const included = tops.filter((t) => kindOf(t) !== undefined && !skippedKeys.has(tableKey(t)));
    const includedKeys = new Set(included.map(tableKey));
    const plans = new Map();
    for (const t of included) {
        const copied = t.columns.filter((c) => !c.generated);
        const key = t.primaryKey ??
            [...t.uniqueKeys].sort((a, b) => a.length - b.length || a.join().localeCompare(b.join()))[0] ??
            [];
        const foreignKeys = edgesOf(t)
            .filter(({ target }) => isOwned(target))
            .map(({ fk, target }) => ({
            name: fk.name,
            columns: fk.columns.map(q),
            references: qualified(target),
            refColumns: fk.refColumns.map(q),
            onDelete: fk.onDelete,
        }));
        const kind = kindOf(t);
        let where;
        let ownWhere;
        let alsoUsed;
        if (kind === 'reference')
            where = 'true';
        else if (kind === 'referenced') {
            try {
                sharedJoins = 0;
                where = sharedPredicate(t, 't', 0, new Set());
                alsoUsed = alsoUsedPredicate(t);
            }
            catch (e) {
                if (e !== OVER_BUDGET)
                    throw e;
                where = 'false';
                blockers.push(`${display(t)} is reached through more than ${MAX_SHARED_JOINS} foreign-key paths from the tenant's rows: the rows the tenant uses cannot be selected in one predicate. Decide it with table-overrides: ${display(t)}=copy (whole) or =skip.`);
            }
        }
        else {
            ownWhere = ownPredicate(t, 't', 0);
            const global = globalBranch(t, 't', 0);
            where = global ? `(${ownWhere} OR (${global}))` : ownWhere;
            if (!global)
                ownWhere = undefined;
        }
        plans.set(tableKey(t), {
            schema: t.schema,
            name: t.name,
            qualified: qualified(t),
            kind,
            columns: copied.map((c) => q(c.name)),
            keyColumns: key.map(q),
            where: inheritance(t, where),
            ...(ownWhere !== undefined ? { ownWhere: inheritance(t, ownWhere) } : {}),
            ...(alsoUsed !== undefined ? { alsoUsedWhere: alsoUsed } : {}),
            binarySafe: copied.every(columnBinarySafe),
            partitioned: t.relkind === 'p',
            foreignKeys,
        });
    }
    const order = copyOrder(included, edgesOf, includedKeys, notes);
    const tables = order.map((t) => plans.get(tableKey(t)));
    const deleteOrder = [...tables].reverse().filter((p) => p.kind === 'tenant' || p.kind === 'dependent');
    // Notes: slow paths, tables left out, tables without row identity.
    for (const t of order) {
        const kind = kindOf(t);
        if (kind !== 'tenant' && kind !== 'dependent')
            continue;
        if (kind === 'tenant' && !isIndexed(t, [opts.tenantKey])) {
            notes.push(`${display(t)} has no index leading with ${opts.tenantKey}: selecting and deleting the tenant's rows scans the whole table. Suggested: ${suggestIndex(t, [opts.tenantKey])}`);
        }
        for (const { fk, target } of edgesOf(t)) {
            const tk = kindOf(target);
            if ((tk === 'tenant' || tk === 'dependent') && !isIndexed(t, fk.columns)) {
                notes.push(`Foreign key ${fk.name} on ${display(t)} (${fk.columns.join(', ')}) has no index: deleting ${display(target)} rows at cleanup and the cross-tenant checks scan ${display(t)} for each row. Suggested: ${suggestIndex(t, fk.columns)}`);
            }
        }
    }
    const referencedTables = order.filter((t) => kindOf(t) === 'referenced');
    if (referencedTables.length > 0) {
        notes.push(`Referenced rows (shared-rows: referenced): only the rows the tenant's rows use are copied from ${referencedTables
            .map((t) => `${display(t)} (${reason.get(tableKey(t))?.join(', ') ?? 'table-overrides'})`)
            .join('; ')}. In the tenant's database they are a copy as of the switch; cleanup never deletes them.`);
    }
    const wholeShared = order.filter((t) => selected.has(tableKey(t)) && kindOf(t) === 'reference');
    if (wholeShared.length > 0) {
        notes.push(`Copied whole although only some of their rows are the tenant's (shared-rows: whole): ${wholeShared.map(display).join(', ')}; every tenant's rows of these tables leave the shared database.`);
    }
    const globalTables = order.filter((t) => plans.get(tableKey(t))?.ownWhere !== undefined);
    if (globalTables.length > 0) {
        notes.push(`Global rows: rows of ${globalTables.map(display).join(', ')} with a NULL ${opts.tenantKey} that the tenant's rows reference are copied too; cleanup never deletes them.`);
    }
    const sensitive = [];
    for (const t of order) {
        if (isOwned(t))
            continue;
        for (const c of t.columns)
            if (looksSensitive(c.name))
                sensitive.push(`${display(t)}.${c.name}`);
    }
    if (sensitive.length > 0) {
        notes.push(`Warning: tables without the tenant key that are copied whole or in part have columns that look like credentials or personal data: ${sensitive.join(', ')}. Review what they hold before promoting (table-overrides: <table>=skip leaves a table out).`);
    }
    const leftOut = skipped.filter((s) => s.reason !== 'unattributable');
    if (leftOut.length > 0) {
        notes.push(`Tables left out (${[...new Set(leftOut.map((s) => s.reason))].join(', ')}): ${leftOut.map((s) => display(s.table)).join(', ')}; the clone leaves them out (and the foreign keys of their rows).`);
    }
    for (const t of included) {
        for (const { fk, target } of edgesOf(t)) {
            if (skippedKeys.has(tableKey(target))) {
                blockers.push(`Foreign key ${fk.name} on ${display(t)} references ${display(target)}, which is left out (${skipped.find((s) => s.table === target).reason}): the copied rows would point at rows the new database lacks. Copy it: table-overrides: ${display(target)}=referenced (or =copy).`);
            }
        }
    }
    for (const t of order) {
        const kind = kindOf(t);
        if (kind !== 'reference' && (plans.get(tableKey(t))?.keyColumns.length ?? 0) === 0) {
            notes.push(`${display(t)} has no primary key or unique NOT NULL key: its rows are compared as whole rows.`);
        }
        if (t.hasInheritanceChildren) {
            notes.push(`${display(t)} has inheritance children: its own rows are selected with tableoid, the children are planned as tables of their own.`);
        }
    }
    return {
        tenantId: opts.tenantId,
        tenantIdType: rootKeyColumn.type,
        tenantsTable: plans.get(tableKey(root)),
        tables,
        deleteOrder,
        notes,
        blockers,
        skipped: skipped.map((s) => ({ schema: s.table.schema, name: s.table.name, reason: s.reason })),
    };
}
/** `item_type`/`item_id` pairs: a row that points at rows of any table, with no foreign key. */
function polymorphicPairs(t) {
    const names = new Set(t.columns.map((c) => c.name));
    const pairs = [];
    for (const c of t.columns) {
        const m = /^(.*)_type$/i.exec(c.name);
        if (!m)
            continue;
        const id = [`${m[1]}_id`, `${m[1]}_key`].find((n) => names.has(n));
        if (!id)
            continue;
        const covered = t.foreignKeys.some((fk) => fk.columns.includes(id));
        if (!covered)
            pairs.push(`${c.name}, ${id}`);
    }
    return pairs;
}
const SENSITIVE = /(^|_)(password|passwd|pwd|pass|secret|token|tokens|api_?key|key|private_key|salt|otp|mfa|totp|hash|digest|email|e_?mail|phone|mobile|ssn|sin|tax_id|iban|card|cc|cvv|dob|birth|birthdate|birthday|address|ip)(_|$)/i;
/** A column name that looks like credentials or personal data (password_hash, api_key, email, …). */
function looksSensitive(column) {
    // A reference to another row (address_id, token_id) holds no such data itself.
    if (/_id$/i.test(column) && !/(^|_)(tax|ssn|national|passport)_id$/i.test(column))
        return false;
    return SENSITIVE.test(column) || /password|passwd|secret|apikey|token|email|phone|ssn/i.test(column);
}
/** `table-overrides`, validated against the catalog: top-level tables without the tenant's own rows. */
function resolveOverrides(given, graph, topOf, ownKind) {
    const out = new Map();
    for (const [name, value] of Object.entries(given)) {
        const parsed = (0,_tenant_key__WEBPACK_IMPORTED_MODULE_2__/* .parseTableName */ .HC)(name);
        // Unquoted names fold to lower case, as in SQL; the schema defaults to public.
        const schema = parsed.schema === null ? 'public' : parsed.quoted[0] ? parsed.schema : parsed.schema.toLowerCase();
        const bare = parsed.quoted[parsed.quoted.length - 1] ? parsed.name : parsed.name.toLowerCase();
        const t = graph.tables.find((x) => x.schema === schema && x.name === bare);
        if (!t) {
            const near = graph.tables.filter((x) => x.name.toLowerCase() === bare.toLowerCase()).map(display);
            throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`table-overrides names ${name}, which is not a table of the shared database${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}.`, 'Name each table as schema.table (the schema defaults to public), e.g. public.audit_versions=skip,public.countries=copy.');
        }
        if (topOf(t) !== t) {
            throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`table-overrides names ${display(t)}, a partition of ${display(topOf(t))}: partitions are copied through their partitioned table.`, `Override ${display(topOf(t))} instead.`);
        }
        const kind = ownKind(t);
        if (kind) {
            throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`table-overrides names ${display(t)}, which holds the tenant's own rows (${kind} table): only tables without the tenant key can be overridden.`, `Remove ${display(t)} from table-overrides; its rows are selected by the tenant key.`);
        }
        out.set(tableKey(t), value);
    }
    return out;
}
function normaliseType(type) {
    return type
        .replace(/^pg_catalog\./, '')
        .replace(/\s+/g, ' ')
        .trim()
        .toLowerCase();
}
/**
 * Parents before children (Kahn's algorithm in layers, names breaking ties). A cycle is broken
 * at the table with the fewest waiting parents, and noted; the plan step re-orders the tenant's
 * tables of a cycle by which keys can give way (orderPlan, with the row counts).
 */
function copyOrder(tables, edgesOf, includedKeys, notes) {
    const parents = new Map();
    const byKey = new Map();
    for (const t of tables) {
        byKey.set(tableKey(t), t);
        const ps = new Set();
        for (const { target } of edgesOf(t)) {
            const k = tableKey(target);
            if (target !== t && includedKeys.has(k))
                ps.add(k);
        }
        parents.set(tableKey(t), ps);
    }
    const remaining = new Set(tables.map(tableKey));
    const waiting = (k) => [...parents.get(k)].filter((p) => remaining.has(p));
    const order = [];
    while (remaining.size > 0) {
        const ready = [...remaining].filter((k) => waiting(k).length === 0).map((k) => byKey.get(k));
        if (ready.length > 0) {
            ready.sort(compareTables);
            for (const t of ready) {
                order.push(t);
                remaining.delete(tableKey(t));
            }
            continue;
        }
        const pick = [...remaining]
            .map((k) => byKey.get(k))
            .sort((a, b) => waiting(tableKey(a)).length - waiting(tableKey(b)).length || compareTables(a, b))[0];
        const cycle = cycleThrough(tableKey(pick), remaining, waiting).map((k) => display(byKey.get(k)));
        notes.push(`Foreign keys form a cycle (${cycle.join(' → ')}): ${display(pick)} is copied first. Constraints are created after the data, so the copy is unaffected (what the cycle means for the cleanup and a rollback is planned with the row counts, see apply-order.ts).`);
        order.push(pick);
        remaining.delete(tableKey(pick));
    }
    return order;
}
/** Tables on a cycle through `start` (following waiting parents), in path order. */
function cycleThrough(start, remaining, waiting) {
    const path = [];
    const onPath = new Set();
    const dead = new Set();
    const visit = (k) => {
        path.push(k);
        onPath.add(k);
        for (const p of waiting(k)) {
            if (p === start)
                return true;
            if (!onPath.has(p) && !dead.has(p) && remaining.has(p) && visit(p))
                return true;
        }
        path.pop();
        onPath.delete(k);
        dead.add(k);
        return false;
    };
    return visit(start) ? [...path, start] : [start];
}


/***/ }),

/***/ 78569:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   a2: () => (/* binding */ applySequenceRanges),
/* harmony export */   cf: () => (/* binding */ zoneStartOf),
/* harmony export */   lu: () => (/* binding */ readSequences),
/* harmony export */   p_: () => (/* binding */ rangeFor),
/* harmony export */   pj: () => (/* binding */ sequenceRangeStatus),
/* harmony export */   wH: () => (/* binding */ columnsExtreme),
/* harmony export */   zs: () => (/* binding */ reserveSequenceRange)
/* harmony export */ });
/* unused harmony exports RANGE_LAYOUT_VERSION, RANGE_LAYOUT, slotsOf, inZone, readRangeRecord, assessSequences */
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83916);
/* harmony import */ var _pipeline_tenant_state__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(95136);
/* harmony import */ var _ownership__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6922);
/* harmony import */ var _sql__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(75259);





const RANGE_LAYOUT_VERSION = 1;
const RANGE_LAYOUT = {
    // typeMax: the top of the zone (for bigint, 2^53 − 1, not the type's own maximum: see above).
    bigint: { zoneStart: 2n ** 50n, size: 2n ** 36n, typeMax: 2n ** 53n - 1n },
    integer: { zoneStart: 2n ** 30n, size: 2n ** 22n, typeMax: 2n ** 31n - 1n },
    smallint: { zoneStart: 2n ** 14n, size: 2n ** 6n, typeMax: 2n ** 15n - 1n },
};
/** Fixed advisory-lock key of allocation (first key differs from the per-tenant lock's 0x7e4a47). */
const RANGE_LOCK = [0x7e4a48, 1];
function zoneStartOf(type) {
    return RANGE_LAYOUT[type].zoneStart;
}
function slotsOf(type) {
    const l = RANGE_LAYOUT[type];
    return (l.typeMax - l.zoneStart + 1n) / l.size;
}
/** The range slot `slot` owns in `type`'s zone; undefined when the zone has no such slot. */
function rangeFor(type, slot) {
    if (!Number.isInteger(slot) || slot < 1 || BigInt(slot) > slotsOf(type))
        return undefined;
    const l = RANGE_LAYOUT[type];
    const first = l.zoneStart + BigInt(slot - 1) * l.size;
    return { first, last: first + l.size - 1n };
}
/** Whether `v` lies in the range of some slot of `type` (the tenants' zone). */
function inZone(type, v) {
    return v >= RANGE_LAYOUT[type].zoneStart;
}
const qi = pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier;
const qn = (schema, name) => `${qi(schema)}.${qi(name)}`;
const WIDTH = { smallint: 2, integer: 4, bigint: 8, numeric: 8 };
/** The largest integer a `numeric(p, s)` column holds (unbounded without a type modifier). */
function numericMax(typmod) {
    if (typmod < 4)
        return 2n ** 63n;
    const precision = ((typmod - 4) >> 16) & 0xffff;
    const scale = (typmod - 4) & 0xffff;
    return 10n ** BigInt(Math.max(0, precision - scale)) - 1n;
}
function asIntType(t) {
    return t === 'smallint' || t === 'integer' ? t : 'bigint';
}
/**
 * Every sequence of the database the client is on (not the system's, not the tool's own schema,
 * not an extension's), with the integer columns it feeds: owned sequences (serial, identity)
 * and `nextval(...)` defaults.
 */
async function readSequences(client) {
    const { rows } = await client.query(`SELECT n.nspname AS schema, c.relname AS name, pg_catalog.format_type(s.seqtypid, NULL) AS seq_type,
            s.seqincrement::text AS increment, s.seqmin::text AS min, s.seqmax::text AS max, s.seqcycle AS cycle,
            ps.last_value::text AS last_value,
            coalesce((SELECT json_agg(DISTINCT jsonb_build_object('schema', tn.nspname, 'table', t.relname, 'column', a.attname,
                                'type', pg_catalog.format_type(CASE WHEN ty.typbasetype <> 0 THEN ty.typbasetype ELSE ty.oid END, NULL),
                                'identity', a.attidentity <> '', 'typmod', a.atttypmod))
              FROM (SELECT d.refobjid AS relid, d.refobjsubid AS attnum FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
                      AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
                    UNION
                    SELECT ad.adrelid, ad.adnum FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_attrdef ad ON ad.oid = d.objid
                    WHERE d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass
                      AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = c.oid) f
              JOIN pg_catalog.pg_class t ON t.oid = f.relid JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
              JOIN pg_catalog.pg_attribute a ON a.attrelid = f.relid AND a.attnum = f.attnum
              JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
              WHERE t.relkind IN ('r', 'p') AND NOT t.relispartition
                AND (CASE WHEN ty.typbasetype <> 0 THEN ty.typbasetype ELSE ty.oid END) IN (20, 21, 23, 1700)), '[]'::json) AS columns
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_sequences ps ON ps.schemaname = n.nspname AND ps.sequencename = c.relname
      WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_tenant_isolation')
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                        AND e.objid = c.oid AND e.deptype = 'e')
      ORDER BY n.nspname, c.relname`);
    return rows.map((r) => {
        const seqType = asIntType(r.seq_type);
        let type = seqType;
        for (const col of r.columns) {
            const t = asIntType(col.type);
            if ((WIDTH[t] ?? 8) < WIDTH[type])
                type = t;
        }
        const narrow = r.columns.find((c) => c.type === 'numeric' && numericMax(c.typmod) < RANGE_LAYOUT.bigint.typeMax);
        const noRange = r.columns.length === 0
            ? 'it feeds no column through a default or ownership'
            : narrow
                ? `column ${narrow.schema}.${narrow.table}.${narrow.column} (numeric) cannot hold the tenants' range`
                : undefined;
        return {
            schema: r.schema,
            name: r.name,
            label: `${r.schema}.${r.name}`,
            qualified: qn(r.schema, r.name),
            seqType,
            type,
            ...(noRange && { noRange }),
            increment: BigInt(r.increment),
            min: BigInt(r.min),
            max: BigInt(r.max),
            cycle: r.cycle,
            lastValue: r.last_value === null ? null : BigInt(r.last_value),
            columns: r.columns,
        };
    });
}
/**
 * The largest (`max`) or smallest (`min`) value of the columns a sequence feeds, within [lo, hi]
 * (either bound optional). Bounds are literals computed here, never input.
 */
async function columnsExtreme(client, seq, agg, lo, hi) {
    let best = null;
    for (const c of seq.columns) {
        const col = qi(c.column);
        const where = [
            lo !== undefined ? `${col} >= ${lo.toString()}` : undefined,
            hi !== undefined ? `${col} <= ${hi.toString()}` : undefined,
        ].filter(Boolean);
        const round = agg === 'max' ? 'ceil' : 'floor';
        const { rows } = await client.query(`SELECT ${round}(${agg}(${col})::numeric)::text AS v FROM ${qn(c.schema, c.table)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`);
        const v = rows[0]?.v;
        if (v == null)
            continue;
        const n = BigInt(v);
        if (best === null || (agg === 'max' ? n > best : n < best))
            best = n;
    }
    return best;
}
/** The tenant's register entry, read inside the caller's transaction. */
async function readRangeRecord(client, tenantsTable, slug) {
    const { rows } = await client.query(`SELECT t.settings->'isolation'->'sequence_range' AS r FROM ${(0,_sql__WEBPACK_IMPORTED_MODULE_4__/* .quoteQualified */ .$)(tenantsTable)} t WHERE t.slug = $1`, [slug]);
    const raw = rows[0]?.r;
    if (raw === null || raw === undefined)
        return undefined;
    const parsed = _pipeline_tenant_state__WEBPACK_IMPORTED_MODULE_2__/* .SequenceRangeRecord */ .qk.safeParse(raw);
    if (!parsed.success) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('tenant-state', `settings.isolation.sequence_range of tenant "${slug}" is malformed: ${parsed.error.message.slice(0, 300)}`, 'Restore it from the audit history, or remove the key only if the tenant never was isolated with it.');
    }
    return parsed.data;
}
async function writeRangeRecord(client, tenantsTable, slug, record) {
    await client.query(`UPDATE ${(0,_sql__WEBPACK_IMPORTED_MODULE_4__/* .quoteQualified */ .$)(tenantsTable)} t
        SET settings = jsonb_set(coalesce(t.settings, '{}'::jsonb), '{isolation}',
              coalesce(t.settings->'isolation', '{}'::jsonb) || jsonb_build_object('sequence_range', $2::jsonb), true)
      WHERE t.slug = $1`, [slug, JSON.stringify(record)]);
}
/**
 * Under the allocation lock (taken here, held to the end of the caller's transaction): this
 * tenant's slot if it has one, else the lowest slot no tenant row holds.
 */
async function pickSlot(client, tenantsTable, slug) {
    await client.query('SELECT pg_advisory_xact_lock($1::int, $2::int)', [...RANGE_LOCK]);
    const existing = await readRangeRecord(client, tenantsTable, slug);
    if (existing)
        return { slot: existing.slot, existing };
    const { rows } = await client.query(`SELECT DISTINCT (t.settings->'isolation'->'sequence_range'->>'slot')::bigint::text AS slot
       FROM ${(0,_sql__WEBPACK_IMPORTED_MODULE_4__/* .quoteQualified */ .$)(tenantsTable)} t
      WHERE t.settings->'isolation'->'sequence_range'->>'slot' ~ '^[0-9]{1,9}$'`);
    const used = new Set(rows.map((r) => Number(r.slot)));
    let slot = 1;
    while (used.has(slot))
        slot += 1;
    return { slot, existing: undefined };
}
function newRecord(slot) {
    const ranges = {};
    for (const t of ['bigint', 'integer', 'smallint']) {
        const r = rangeFor(t, slot);
        if (r)
            ranges[t] = [r.first.toString(), r.last.toString()];
    }
    return {
        slot,
        layout: RANGE_LAYOUT_VERSION,
        reserved_at: new Date().toISOString(),
        ranges,
    };
}
const fmt = (v) => v.toLocaleString('en-US');
function widenRemedy(s) {
    const cols = s.columns
        .filter((c) => asIntType(c.type) !== 'bigint')
        .map((c) => `ALTER TABLE ${qn(c.schema, c.table)} ALTER COLUMN ${qi(c.column)} TYPE bigint;`);
    const seq = s.seqType !== 'bigint' ? [`ALTER SEQUENCE ${s.qualified} AS bigint;`] : [];
    return [...cols, ...seq].join(' ');
}
/**
 * Headroom per sequence of the shared database for the given slot (read-only). Refused: CYCLE,
 * a descending INCREMENT, an INCREMENT wider than a range, no slot left in the type's zone, a
 * shared side that already reached the zone. Warned: int4/int2 keys (small ranges), a shared
 * side past half of what it keeps below the zone, a sequence feeding several columns.
 */
async function assessSequences(client, slot) {
    const refusals = [];
    const warnings = [];
    let smallest;
    for (const s of await readSequences(client)) {
        const feeds = s.columns.map((c) => `${c.schema}.${c.table}.${c.column}`);
        const what = `sequence ${s.label}${feeds.length ? ` (feeds ${feeds.join(', ')})` : ''}`;
        if (s.noRange) {
            warnings.push(`${what} gets no range: ${s.noRange}; in the tenant's database it goes on from the shared value, so the two databases may hand out the same values from here on. If they are keys, link it (ALTER SEQUENCE ${s.qualified} OWNED BY <table>.<column>, or a DEFAULT nextval) to a bigint column, then re-run`);
            continue;
        }
        if (s.cycle) {
            refusals.push(`${what} is CYCLE: it hands out the same ids again by design, so no range can keep them unique; remedy: ALTER SEQUENCE ${s.qualified} NO CYCLE;`);
            continue;
        }
        if (s.increment < 0n) {
            refusals.push(`${what} descends (INCREMENT ${s.increment}): ranges are allocated upwards only; remedy: ALTER SEQUENCE ${s.qualified} INCREMENT BY ${-s.increment} (and a key that grows), then re-run`);
            continue;
        }
        const layout = RANGE_LAYOUT[s.type];
        const range = rangeFor(s.type, slot);
        if (!range) {
            refusals.push(`${what}: the ${s.type} zone has ${slotsOf(s.type)} ranges and all are given away (this tenant would need slot ${slot}); remedy: ${widenRemedy(s)}`);
            continue;
        }
        if (s.increment > layout.size) {
            refusals.push(`${what} has INCREMENT ${s.increment}, wider than a ${s.type} range (${fmt(layout.size)}); remedy: ALTER SEQUENCE ${s.qualified} INCREMENT BY 1`);
            continue;
        }
        // The shared side's current use: the sequence's value and the column values below the zone
        // (values inside the zone are rows of tenants rolled back with ids from their ranges).
        const seqValue = s.lastValue ?? 0n;
        if (inZone(s.type, seqValue)) {
            refusals.push(`${what} is at ${fmt(seqValue)} in the shared database, inside the tenants' zone of ${s.type} ids (from ${fmt(layout.zoneStart)}): no range above it is safe${s.type === 'bigint' ? '' : `; remedy: ${widenRemedy(s)}`}`);
            continue;
        }
        const colMax = await columnsExtreme(client, s, 'max', undefined, layout.zoneStart - 1n);
        const used = colMax !== null && colMax > seqValue ? colMax : seqValue;
        const margin = layout.zoneStart - 1n - used;
        if (!smallest || margin < smallest.margin)
            smallest = { margin, label: s.label };
        if (s.type !== 'bigint') {
            warnings.push(`${what} is ${s.type}: the tenant's range holds only ${fmt(layout.size)} ids (${fmt(range.first)}–${fmt(range.last)}) and the shared side keeps ${fmt(margin)} more below ${fmt(layout.zoneStart)}; remedy: ${widenRemedy(s)}`);
        }
        else if (used > layout.zoneStart / 2n) {
            warnings.push(`${what} is at ${fmt(used)} in the shared database: only ${fmt(margin)} ids are left below the tenants' zone`);
        }
        if (s.columns.length > 1) {
            warnings.push(`${what} feeds ${s.columns.length} columns: one range covers them all (ids stay unique across those tables)`);
        }
        if (s.max < range.last) {
            warnings.push(`${what} has MAXVALUE ${fmt(s.max)}: the tenant's copy is given MAXVALUE ${fmt(range.last)} (its range), beyond it`);
        }
    }
    const b = rangeFor('bigint', slot);
    const summary = `sequence range slot ${slot}: bigint ids ${fmt(b.first)}–${fmt(b.last)}${smallest
        ? `; smallest margin left to the shared side: ${fmt(smallest.margin)} ids (${smallest.label})`
        : ''}`;
    return { slot, refusals, warnings, summary };
}
/**
 * The plan's part: reserves this tenant's slot in the register (or finds the one it has) and
 * checks every shared sequence's headroom for it. Refusals throw `plan-blocked` before the
 * reservation is written — nothing is created or changed. A dry run reserves nothing. With
 * `runId`, ownership of the tenant is proved in the same transaction (fencing).
 */
async function reserveSequenceRange(client, opts) {
    await client.query('BEGIN');
    try {
        if (opts.runId)
            await (0,_ownership__WEBPACK_IMPORTED_MODULE_3__/* .assertOwner */ .EI)(client, opts.tenantsTable, opts.slug, opts.runId, 'reserving a sequence range');
        const { slot, existing } = await pickSlot(client, opts.tenantsTable, opts.slug);
        const assessment = await assessSequences(client, slot);
        if (assessment.refusals.length) {
            throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('plan-blocked', `No safe range of ids exists for ${assessment.refusals.length === 1 ? 'a sequence' : `${assessment.refusals.length} sequences`}: ${assessment.refusals.join('; ')}`, 'Apply the remedy named above in the shared database (ids would otherwise be handed out twice across the shared and the isolated database), then re-run. Nothing was created.');
        }
        const reserved = !existing && !opts.dryRun;
        if (reserved)
            await writeRangeRecord(client, opts.tenantsTable, opts.slug, newRecord(slot));
        await client.query(opts.dryRun ? 'ROLLBACK' : 'COMMIT');
        return { ...assessment, reserved };
    }
    catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
    }
}
/**
 * The switch's part, replacing syncSequences(source, target) under the freeze. `source` is the
 * shared database inside the switch's transaction (the tenant row locked); `target` the tenant's
 * database. Every target sequence gets the tenant's range: MINVALUE first, MAXVALUE last, NO
 * CYCLE, RESTART past the largest id already inside the range (rows from an earlier isolation,
 * copied back at a rollback and copied again now) or at the range's first id. The copied rows'
 * shared-side ids all lie below the zone, hence below the range. The applied ranges are written
 * to the register in `source`'s transaction (they commit with the switch).
 */
async function applySequenceRanges(source, target, opts) {
    let record = await readRangeRecord(source, opts.tenantsTable, opts.slug);
    if (!record) {
        // Reserved at the plan; a run that skipped it (resumed from an older version) reserves here.
        const { slot } = await pickSlot(source, opts.tenantsTable, opts.slug);
        record = newRecord(slot);
    }
    const slot = record.slot;
    const shared = new Map((await readSequences(source)).map((s) => [s.label, s]));
    const applied = [];
    for (const s of await readSequences(target)) {
        if (s.noRange)
            continue; // a plan warning said so (assessSequences)
        const range = rangeFor(s.type, slot);
        const refuse = (why) => new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('plan-blocked', `Sequence ${s.label} cannot be given its range at the switch: ${why}. Nothing was switched.`, 'The plan checks this before anything is created; the schema changed since. Apply the remedy the plan names, then re-run.');
        if (s.cycle || s.increment <= 0n)
            throw refuse('it is CYCLE or descending');
        if (!range)
            throw refuse(`no ${s.type} range is left for slot ${slot}`);
        const sharedSeq = shared.get(s.label);
        if (sharedSeq?.lastValue != null &&
            sharedSeq.lastValue >= range.first &&
            sharedSeq.lastValue <= range.last)
            throw refuse(`the shared database's sequence is at ${sharedSeq.lastValue}, inside the range`);
        const inRange = await columnsExtreme(target, s, 'max', range.first, range.last);
        const next = inRange === null ? range.first : inRange + s.increment;
        if (next > range.last)
            throw refuse(`its range ${range.first}–${range.last} is used up`);
        await target.query(`ALTER SEQUENCE ${s.qualified} NO CYCLE MINVALUE ${range.first} MAXVALUE ${range.last} START WITH ${range.first} RESTART WITH ${next}`);
        applied.push({
            sequence: s.label,
            type: s.type,
            first: range.first.toString(),
            last: range.last.toString(),
            next: next.toString(),
        });
    }
    record = {
        ...record,
        sequences: Object.fromEntries(applied.map((a) => [a.sequence, { type: a.type, first: a.first, last: a.last }])),
    };
    await writeRangeRecord(source, opts.tenantsTable, opts.slug, record);
    return applied;
}
/** `status`: each side's range per sequence (read-only). */
async function sequenceRangeStatus(shared, isolated, record) {
    const sharedSeqs = await readSequences(shared);
    const isoSeqs = isolated ? new Map((await readSequences(isolated)).map((s) => [s.label, s])) : undefined;
    const labels = new Set([...sharedSeqs.map((s) => s.label), ...(isoSeqs?.keys() ?? [])]);
    const bySharedLabel = new Map(sharedSeqs.map((s) => [s.label, s]));
    return [...labels].sort().map((label) => {
        const s = bySharedLabel.get(label);
        const i = isoSeqs?.get(label);
        const type = (s ?? i).type;
        const r = record ? rangeFor(type, record.slot) : undefined;
        return {
            sequence: label,
            type,
            shared: s
                ? { value: s.lastValue?.toString() ?? null, keeps: `1–${(zoneStartOf(type) - 1n).toString()}` }
                : null,
            isolated: i
                ? { value: i.lastValue?.toString() ?? null, first: i.min.toString(), last: i.max.toString() }
                : null,
            registered: r ? { first: r.first.toString(), last: r.last.toString() } : null,
        };
    });
}


/***/ }),

/***/ 75259:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $: () => (/* binding */ quoteQualified),
/* harmony export */   T: () => (/* binding */ splitQualified)
/* harmony export */ });
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);

/** Quotes a possibly schema-qualified name (already validated as identifiers), defaulting to `public`. */
function quoteQualified(name, defaultSchema = 'public') {
    const [schema, table] = splitQualified(name, defaultSchema);
    return `${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(schema)}.${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(table)}`;
}
function splitQualified(name, defaultSchema = 'public') {
    const parts = name.split('.');
    return parts.length === 2 ? [parts[0], parts[1]] : [defaultSchema, parts[0]];
}


/***/ }),

/***/ 72713:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   C_: () => (/* binding */ resolveTenantKeyColumn),
/* harmony export */   Em: () => (/* binding */ resolveTenantKey),
/* harmony export */   HC: () => (/* binding */ parseTableName),
/* harmony export */   Uk: () => (/* binding */ valueFits)
/* harmony export */ });
/* unused harmony exports TENANT_ID_COLUMN_SETTING, topLevelTables, findTenantsTable, comparableTypes */
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83916);


/** Where an explicit column is set, named for both front ends. */
const TENANT_ID_COLUMN_SETTING = 'the tenant-id-column input (CLI: --tenant-id-column or TENANT_ID_COLUMN)';
const keyOf = (schema, name) => `${schema}\u0000${name}`;
const tableKey = (t) => keyOf(t.schema, t.name);
const display = (t) => `${t.schema}.${t.name}`;
const compareTables = (a, b) => a.schema < b.schema ? -1 : a.schema > b.schema ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
/**
 * Splits `schema.name` into its parts. Unquoted parts are matched as typed first and then folded
 * to lower case (as PostgreSQL folds them); quoted parts are exact.
 */
function parseTableName(text) {
    const parts = [];
    const quoted = [];
    let i = 0;
    const s = text.trim();
    while (i <= s.length) {
        if (s[i] === '"') {
            let out = '';
            i++;
            for (;;) {
                if (i >= s.length)
                    throw badTableName(text);
                if (s[i] === '"') {
                    if (s[i + 1] === '"') {
                        out += '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                out += s[i++];
            }
            parts.push(out);
            quoted.push(true);
        }
        else {
            const end = s.indexOf('.', i);
            const part = s.slice(i, end === -1 ? s.length : end);
            if (!/^[^\s."]+$/.test(part))
                throw badTableName(text);
            parts.push(part);
            quoted.push(false);
            i = end === -1 ? s.length : end;
        }
        if (i >= s.length)
            break;
        if (s[i] !== '.')
            throw badTableName(text);
        i++;
    }
    if (parts.length === 1)
        return { schema: null, name: parts[0], quoted };
    if (parts.length === 2)
        return { schema: parts[0], name: parts[1], quoted };
    throw badTableName(text);
}
function badTableName(text) {
    return new _errors__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`Invalid tenants table name ${JSON.stringify(text.slice(0, 80))}.`, 'Give the tenants table as `name` or `schema.name`, e.g. `tenants` or `app."Tenants"`.');
}
/** Tables that are not partitions of a table in the graph (partitions are reached through their root). */
function topLevelTables(graph) {
    const byKey = new Map(graph.tables.map((t) => [tableKey(t), t]));
    return graph.tables
        .filter((t) => !t.partitionOf || !byKey.has(tableKey(t.partitionOf)))
        .sort(compareTables);
}
/** The tenants table among `tops`, by the name given in the options. */
function findTenantsTable(tops, text) {
    const { schema, name, quoted } = parseTableName(text);
    const schemaQuoted = schema !== null && quoted[0] === true;
    const nameQuoted = quoted[quoted.length - 1] === true;
    const schemas = schema === null ? ['public'] : schemaQuoted ? [schema] : [schema, schema.toLowerCase()];
    const names = nameQuoted ? [name] : [name, name.toLowerCase()];
    for (const sc of schemas) {
        for (const n of names) {
            const hit = tops.find((t) => t.schema === sc && t.name === n);
            if (hit)
                return hit;
        }
    }
    const similar = tops.filter((t) => t.name.toLowerCase() === name.toLowerCase()).map(display);
    throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`The tenants table ${JSON.stringify(text)} was not found in the shared database.`, similar.length
        ? `Tables with that name exist in other schemas: ${similar.join(', ')}; give tenants-table as schema.name.`
        : 'Set tenants-table to the table that holds one row per tenant (schema.name when it is not in public).');
}
/** A column by name: as typed, else folded to lower case (as PostgreSQL folds unquoted names). */
function findColumn(table, name) {
    return (table.columns.find((c) => c.name === name) ?? table.columns.find((c) => c.name === name.toLowerCase()));
}
/** The column alone identifies a row: a one-column primary key, unique key or unique (non-partial) index. */
function isUniqueColumn(table, column) {
    const one = (cols) => cols?.length === 1 && cols[0] === column;
    return (one(table.primaryKey) ||
        table.uniqueKeys.some(one) ||
        table.indexes.some((ix) => ix.unique && !ix.partial && one(ix.columns)));
}
/** The type without `pg_catalog.`, type modifiers or extra spaces, lower case. */
function baseType(type) {
    return type
        .replace(/^pg_catalog\./, '')
        .replace(/\([^)]*\)/g, '')
        .replace(/\s+/g, ' ')
        .trim()
        .toLowerCase();
}
const TYPE_FAMILIES = [
    ['smallint', 'integer', 'bigint'],
    ['text', 'character varying', 'character', 'varchar', 'char', 'bpchar'],
];
/** Values of the two types compare with `=` without loss: the same type, or the same family (int2/int4/int8, text/varchar/char). */
function comparableTypes(a, b) {
    const x = baseType(a);
    const y = baseType(b);
    if (x === y)
        return true;
    return TYPE_FAMILIES.some((f) => f.includes(x) && f.includes(y));
}
/**
 * The rule (pure): the column of the tenants table whose value the tenant's rows carry in the
 * tenant key. Throws InputError, naming the tables and columns and what to set, when the schema
 * and the options leave it ambiguous.
 */
function resolveTenantKeyColumn(graph, opts) {
    const tops = topLevelTables(graph);
    const root = findTenantsTable(tops, opts.tenantsTable);
    const isRoot = (schema, name) => schema === root.schema && name === root.name;
    const tables = [];
    const referenced = new Map();
    for (const t of tops) {
        if (t === root)
            continue;
        const col = t.columns.find((c) => c.name === opts.tenantKey);
        if (!col)
            continue;
        let references = null;
        for (const fk of t.foreignKeys) {
            const at = fk.columns.indexOf(col.name);
            if (at === -1 || !isRoot(fk.refSchema, fk.refName))
                continue;
            const ref = fk.refColumns[at];
            const list = referenced.get(ref) ?? [];
            list.push(`${display(t)}.${col.name} (${fk.name})`);
            referenced.set(ref, list);
            references ??= ref;
        }
        tables.push({ schema: t.schema, name: t.name, type: col.type, references });
    }
    // Foreign keys declared on a partition alone still say which column the tenant key holds.
    for (const t of graph.tables) {
        if (tops.includes(t))
            continue;
        for (const fk of t.foreignKeys) {
            const at = fk.columns.indexOf(opts.tenantKey);
            if (at === -1 || !isRoot(fk.refSchema, fk.refName))
                continue;
            const ref = fk.refColumns[at];
            const list = referenced.get(ref) ?? [];
            list.push(`${display(t)}.${opts.tenantKey} (${fk.name})`);
            referenced.set(ref, list);
        }
    }
    const hintExplicit = `set ${TENANT_ID_COLUMN_SETTING} to the column of ${display(root)} whose value the tenant's rows carry in ${opts.tenantKey}`;
    if (referenced.size > 1) {
        const parts = [...referenced.entries()]
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([ref, by]) => `${display(root)}.${ref} by ${by.join(', ')}`);
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`The foreign keys on the tenant key ${opts.tenantKey} reference different columns of the tenants table: ${parts.join('; ')}. Which value a tenant's rows carry is ambiguous.`, `Make every foreign key on ${opts.tenantKey} reference the same column of ${display(root)} (the one whose value the tenant's rows carry); ${TENANT_ID_COLUMN_SETTING} cannot override foreign keys that disagree.`);
    }
    const byForeignKeys = referenced.size === 1 ? [...referenced.keys()][0] : undefined;
    let column;
    let source;
    if (opts.tenantIdColumn !== undefined && opts.tenantIdColumn !== '') {
        const explicit = findColumn(root, opts.tenantIdColumn);
        if (!explicit) {
            throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`The tenant id column "${opts.tenantIdColumn}" given by ${TENANT_ID_COLUMN_SETTING} is not a column of the tenants table ${display(root)} (its columns: ${root.columns.map((c) => c.name).join(', ')}).`, `Fix ${TENANT_ID_COLUMN_SETTING}: ${hintExplicit}.`);
        }
        if (byForeignKeys !== undefined && byForeignKeys !== explicit.name) {
            throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`The tenant id column "${explicit.name}" given by ${TENANT_ID_COLUMN_SETTING} contradicts the foreign keys on ${opts.tenantKey}, which reference ${display(root)}.${byForeignKeys} (${referenced.get(byForeignKeys).join(', ')}).`, `Leave ${TENANT_ID_COLUMN_SETTING} empty (the foreign keys decide), or set it to ${byForeignKeys}.`);
        }
        column = explicit;
        source = byForeignKeys !== undefined ? 'foreign-keys' : 'option';
    }
    else if (byForeignKeys !== undefined) {
        const found = findColumn(root, byForeignKeys);
        if (!found) {
            throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`The foreign keys on ${opts.tenantKey} reference ${display(root)}.${byForeignKeys}, which the catalog does not list.`, 'Re-run; if it persists, report it.');
        }
        column = found;
        source = 'foreign-keys';
    }
    else {
        const without = tables.map((t) => display(t));
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(without.length > 0
            ? `No foreign key on the tenant key ${opts.tenantKey} references the tenants table ${display(root)} (tables with ${opts.tenantKey}: ${capList(without)}), so which of its columns the tenant's rows carry is not known.`
            : `No table carries the tenant key ${opts.tenantKey} with a foreign key to the tenants table ${display(root)}, so which of its columns identifies a tenant's rows is not known.`, `Either add a foreign key (e.g. FOREIGN KEY (${opts.tenantKey}) REFERENCES ${display(root)} (<column>)) or ${hintExplicit}.`);
    }
    if (!isUniqueColumn(root, column.name)) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`${display(root)}.${column.name} does not identify one tenant: it is not the primary key, a unique key or a unique index of the tenants table on its own${source === 'option' ? ` (given by ${TENANT_ID_COLUMN_SETTING})` : ' (the tenant-key foreign keys reference it as part of a composite key)'}.`, source === 'option'
            ? `Set ${TENANT_ID_COLUMN_SETTING} to a unique column of ${display(root)}, or add a unique constraint on ${column.name}.`
            : `Add a unique constraint on ${display(root)} (${column.name}), or make the foreign keys on ${opts.tenantKey} reference a unique column.`);
    }
    const mismatched = tables.filter((t) => t.references === null && !comparableTypes(t.type, column.type));
    if (mismatched.length > 0) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`The tenant key ${opts.tenantKey} cannot be compared with ${display(root)}.${column.name} (${column.type}) in ${capList(mismatched.map((t) => `${display(t)} (${t.type})`))}: these columns have no foreign key to the tenants table and another type, so the tenant's rows cannot be selected reliably.`, source === 'option'
            ? `Set ${TENANT_ID_COLUMN_SETTING} to the column of ${display(root)} whose type and value those columns carry, or give them a foreign key to ${display(root)}.`
            : `Give those columns a foreign key to ${display(root)} (${column.name}), or the same type as it (${column.type}).`);
    }
    return { tenantsTable: root, column: column.name, type: column.type, source, tables };
}
const INT_RANGE = {
    smallint: [-(2n ** 15n), 2n ** 15n - 1n],
    integer: [-(2n ** 31n), 2n ** 31n - 1n],
    bigint: [-(2n ** 63n), 2n ** 63n - 1n],
};
/**
 * The value (text of the tenants column) converts to `type` without error, overflow or silent
 * truncation: integers within range, character types within their length. Other types are the
 * tenants column's own (the rule admits no others), so they always fit.
 */
function valueFits(value, type) {
    const base = baseType(type);
    const range = INT_RANGE[base];
    if (range) {
        if (!/^\s*[+-]?\d+\s*$/.test(value))
            return false;
        const n = BigInt(value.trim());
        return n >= range[0] && n <= range[1];
    }
    const length = /^(?:pg_catalog\.)?(?:character varying|character|varchar|char|bpchar)\((\d+)\)/i.exec(type.trim());
    if (length)
        return [...value].length <= Number(length[1]);
    return true;
}
function capList(items, max = 8) {
    return items.length <= max
        ? items.join(', ')
        : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
const qualified = (t) => `${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(t.schema)}.${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(t.name)}`;
/**
 * The rule applied to one tenant: the column (from the catalog and the options) and the value
 * of the tenants row of `slug` in it, read on `client` (at the caller's snapshot, if any). Also
 * proves that every tenant-key column can hold that value, so no raw cast error comes later.
 */
async function resolveTenantKey(client, graph, options, slug) {
    const resolved = resolveTenantKeyColumn(graph, options);
    const root = resolved.tenantsTable;
    const { rows } = await client.query(`SELECT t.${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(resolved.column)}::text AS value FROM ${qualified(root)} t WHERE t.slug = $1`, [slug]);
    if (rows.length === 0) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('tenant-not-found', `Tenant "${slug}" was not found in ${display(root)}.`, 'Check the slug (the slug column of the tenants table) and that the connection points at the shared database.');
    }
    if (rows.length > 1) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('tenant-state', `${rows.length} rows of ${display(root)} have slug "${slug}"; a tenant's slug must be unique.`, `Make slug unique in ${display(root)} (ALTER TABLE … ADD UNIQUE (slug)) after fixing the duplicates.`);
    }
    const value = rows[0].value;
    if (value === null) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('tenant-state', `Tenant "${slug}" has no value in ${display(root)}.${resolved.column}, the column its rows carry in ${options.tenantKey}.`, `Fill ${resolved.column} for this tenant, or set ${TENANT_ID_COLUMN_SETTING} to the column its rows do carry.`);
    }
    // Every tenant-key column must hold the value as it is (no overflow, no truncation).
    const misfits = resolved.tables.filter((t) => !valueFits(value, t.type));
    if (misfits.length > 0) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`Tenant "${slug}" has ${resolved.column} = ${JSON.stringify(value.slice(0, 80))}, which ${options.tenantKey} cannot hold in ${capList(misfits.map((t) => `${display(t)} (${t.type})`))}.`, `Give ${options.tenantKey} the type of ${display(root)}.${resolved.column} (${resolved.type}), or set ${TENANT_ID_COLUMN_SETTING} to the column whose value the tenant's rows carry.`);
    }
    return { column: resolved.column, type: resolved.type, value, source: resolved.source };
}


/***/ }),

/***/ 31085:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   FA: () => (/* binding */ databaseUrl),
/* harmony export */   PG: () => (/* binding */ hostAndPort)
/* harmony export */ });
/* unused harmony export urlAs */
/** The same server and credentials, another database. */
function databaseUrl(base, database) {
    const u = new URL(base);
    u.pathname = `/${encodeURIComponent(database)}`;
    return u.toString();
}
/** The same server and database, another user and password (for checks that connect as the tenant role). */
function urlAs(base, user, password) {
    const u = new URL(base);
    u.username = encodeURIComponent(user);
    u.password = encodeURIComponent(password);
    return u.toString();
}
/** Host and port the tenant's application should use: the override, or the URL's own. */
function hostAndPort(url, override) {
    if (override) {
        const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(override);
        if (m)
            return { host: m[1], port: m[2] ? Number(m[2]) : 5432 };
    }
    const u = new URL(url);
    return { host: u.hostname || 'localhost', port: u.port ? Number(u.port) : 5432 };
}


/***/ })

};
;