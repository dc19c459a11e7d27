"use strict";
exports.id = 582;
exports.ids = [582];
exports.modules = {

/***/ 44224:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   IP: () => (/* binding */ withRecordedPlanOptions),
/* harmony export */   Nd: () => (/* binding */ adoptSwitchedPlanOptions),
/* harmony export */   Nw: () => (/* binding */ PlanOptionsRecord),
/* harmony export */   T4: () => (/* binding */ switchedPlanOptions),
/* harmony export */   jC: () => (/* binding */ recordPlanOptions)
/* harmony export */ });
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9691);
/* harmony import */ var _options__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(88381);


/**
 * `settings.isolation.plan`: the options that decided which rows the switch moved. After the
 * switch the tenant's database holds exactly what that plan chose, so every later run that plans
 * the same tenant — a promotion resuming its cleanup, `status`, `rollback` — plans with these,
 * whatever it was given: a re-run without `shared-rows: whole`, or with another
 * `reference-tables`, must not count, delete or restore a different set of rows.
 */
const PlanOptionsRecord = zod__WEBPACK_IMPORTED_MODULE_1__/* .object */ .Ikc({
    tenant_key: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
    tenant_id_column: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().optional(),
    reference_tables: zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n(['copy', 'skip']),
    shared_rows: zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n(['referenced', 'whole']).optional(),
    table_overrides: zod__WEBPACK_IMPORTED_MODULE_1__/* .record */ .g1P(zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(), _options__WEBPACK_IMPORTED_MODULE_0__/* .TableOverride */ .fS).optional(),
    cleanup_referenced_rows: zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n(['keep', 'remove-unused']).optional(),
})
    .passthrough();
/** Pure: what the switch records of the options it planned with. */
function recordPlanOptions(options) {
    return {
        tenant_key: options.tenantKey,
        ...(options.tenantIdColumn !== undefined && { tenant_id_column: options.tenantIdColumn }),
        reference_tables: options.referenceTables,
        ...(options.sharedRows !== undefined && { shared_rows: options.sharedRows }),
        ...(options.tableOverrides !== undefined &&
            Object.keys(options.tableOverrides).length > 0 && { table_overrides: options.tableOverrides }),
        // Only the opt-in: `keep` is the default, and a switch recorded before the option kept them.
        ...(options.cleanupReferencedRows === 'remove-unused' && {
            cleanup_referenced_rows: options.cleanupReferencedRows,
        }),
    };
}
/** Each recorded option by the input name the note uses. */
const NAMES = {
    tenant_key: 'tenant-key',
    tenant_id_column: 'tenant-id-column',
    reference_tables: 'reference-tables',
    shared_rows: 'shared-rows',
    table_overrides: 'table-overrides',
    cleanup_referenced_rows: 'cleanup-referenced-rows',
};
function shown(value) {
    if (value === undefined)
        return '(not set)';
    if (typeof value === 'object' && value !== null)
        // Sorted: jsonb does not keep the order the overrides were given in.
        return Object.entries(value)
            .map(([k, v]) => `${k}=${String(v)}`)
            .sort()
            .join(',');
    return String(value);
}
/**
 * Pure: `options` with the plan options recorded at the switch in place of the given ones, and a
 * note naming each given option that was overridden (none when they agree, or nothing was
 * recorded — a promotion made before the record existed plans with what it is given).
 */
function withRecordedPlanOptions(options, recorded) {
    if (!recorded)
        return { options };
    const given = recordPlanOptions(options);
    const overridden = Object.keys(NAMES).filter((k) => shown(given[k]) !== shown(recorded[k]));
    const merged = {
        ...options,
        tenantKey: recorded.tenant_key,
        tenantIdColumn: recorded.tenant_id_column,
        referenceTables: recorded.reference_tables,
        sharedRows: recorded.shared_rows,
        tableOverrides: recorded.table_overrides,
        cleanupReferencedRows: recorded.cleanup_referenced_rows,
    };
    if (!overridden.length)
        return { options: merged };
    return {
        options: merged,
        note: `planned with the options recorded at the switch (${overridden
            .map((k) => `${NAMES[k]}: ${shown(recorded[k])}`)
            .join('; ')}), not the ones given (${overridden.map((k) => `${NAMES[k]}: ${shown(given[k])}`).join('; ')}): the tenant's database holds what that plan chose`,
    };
}
/** The plan options a run of this tenant must use: those recorded at its switch, while it is isolated. */
function switchedPlanOptions(isolation) {
    return isolation?.state === 'switched' || isolation?.state === 'complete' ? isolation.plan : undefined;
}
/** A run that plans an isolated tenant (resume, rollback) plans with what its switch recorded. */
function adoptSwitchedPlanOptions(ctx) {
    const adopted = withRecordedPlanOptions(ctx.options, switchedPlanOptions(ctx.tenant?.isolation));
    ctx.options = adopted.options;
    if (adopted.note) {
        ctx.record.notes.push(adopted.note);
        ctx.log.info(adopted.note);
    }
}


/***/ }),

/***/ 36372:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Df: () => (/* binding */ buildRoutingConfig),
/* harmony export */   Ls: () => (/* binding */ RoutingConfig),
/* harmony export */   PS: () => (/* binding */ buildLoadBalancerConfig),
/* harmony export */   TZ: () => (/* binding */ LoadBalancerConfig),
/* harmony export */   iO: () => (/* binding */ schemaRouting),
/* harmony export */   vg: () => (/* binding */ routingPaths)
/* harmony export */ });
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(9691);

/** `<config-dir>/routing/<slug>.json`: where the tenant's traffic and connections go. No secrets. */
const RoutingConfig = zod__WEBPACK_IMPORTED_MODULE_0__/* .object */ .Ikc({
    tenant_slug: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    tenant_id: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    isolation_mode: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz('isolated'),
    /** Where the tenant's tables are: a database of their own, or schemas (issue 21). Written since issue 21; configs written before it lack it (database level). */
    isolation_level: zod__WEBPACK_IMPORTED_MODULE_0__/* ["enum"] */ .k5n(['database', 'schema']).optional(),
    database: zod__WEBPACK_IMPORTED_MODULE_0__/* .object */ .Ikc({
        name: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
        host: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
        port: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int(),
        user: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
        /** Schema level: the tenant's schema, and the search_path the application sets (its role has it as default too). */
        schema: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
        search_path: zod__WEBPACK_IMPORTED_MODULE_0__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP()).optional(),
    }),
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
/**
 * The tenant's schema (the one mapped to `tenant_<slug>`, else the first of its search_path) and
 * its search_path, from the run's record or the tenants row; undefined at database level.
 */
function schemaRouting(base, layout) {
    if (!layout)
        return undefined;
    const name = layout.mappings.find((m) => m.target === base)?.target ?? layout.searchPath[0] ?? base;
    return { name, searchPath: layout.searchPath };
}
function buildRoutingConfig(input) {
    const { names } = input;
    return RoutingConfig.parse({
        tenant_slug: names.slug,
        tenant_id: input.tenantId,
        isolation_mode: 'isolated',
        isolation_level: input.schema ? 'schema' : 'database',
        database: {
            name: input.database.name ?? names.database,
            host: input.database.host,
            port: input.database.port,
            user: names.appRole,
            ...(input.schema && { schema: input.schema.name, search_path: input.schema.searchPath }),
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
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(9691);
/* harmony import */ var _postgres_checksum__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(73600);
/* harmony import */ var _postgres_ownership__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6922);
/* harmony import */ var _plan_options__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(44224);




/**
 * `settings.isolation` of a tenant row: the durable state of a promotion and its append-only
 * audit history. Other keys of `settings` are never touched.
 */
const HistoryEntry = zod__WEBPACK_IMPORTED_MODULE_3__/* .object */ .Ikc({
    event: zod__WEBPACK_IMPORTED_MODULE_3__/* ["enum"] */ .k5n([
        'promoted',
        'resumed',
        'completed',
        'rolled-back',
        'rollback-started',
        'password-rotated',
    ]),
    at: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP(),
    actor: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP().optional(),
    source: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP().optional(),
    pull_request: zod__WEBPACK_IMPORTED_MODULE_3__/* .number */ .aig().optional(),
    run_url: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP().optional(),
    detail: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP().optional(),
    tables: zod__WEBPACK_IMPORTED_MODULE_3__/* .record */ .g1P(zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP(), _postgres_checksum__WEBPACK_IMPORTED_MODULE_0__/* .RecordedDigest */ .ZA).optional(),
    /**
     * A rollback at the shared placement: every table of the tenant's schemas, whole rows, as the
     * restore left them (postgres/fence.ts schemaTableDigests); the drop compares them again.
     */
    schema_tables: zod__WEBPACK_IMPORTED_MODULE_3__/* .record */ .g1P(zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP(), _postgres_checksum__WEBPACK_IMPORTED_MODULE_0__/* .RecordedDigest */ .ZA).optional(),
    freeze_ms: zod__WEBPACK_IMPORTED_MODULE_3__/* .number */ .aig().optional(),
})
    .passthrough();
/** How a password reached the application: see pipeline/credentials.ts. */
const CredentialsChannel = zod__WEBPACK_IMPORTED_MODULE_3__/* ["enum"] */ .k5n(['secret-manager', 'output', 'file']);
/**
 * `settings.isolation.credentials`: whether the tenant role's current password ever reached the
 * application, and how — never the password itself. Recorded only once the delivery happened
 * (pipeline/credentials.ts); a later run rotates the password while it never did.
 */
const CredentialsRecord = zod__WEBPACK_IMPORTED_MODULE_3__/* .object */ .Ikc({
    /**
     * The switch this record is about (its `isolated_at`): a later promotion of the same tenant
     * (after a rollback) has a new role and password, and starts undelivered.
     */
    switched_at: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP().optional(),
    /** How the current password was delivered; absent while it never was. */
    delivered: CredentialsChannel.optional(),
    /** When this record was last written, and by which run (its token). */
    at: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP(),
    run: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP(),
    /** The last rotation of the password (a run found it never delivered) and how many there were. */
    rotated_at: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP().optional(),
    rotations: zod__WEBPACK_IMPORTED_MODULE_3__/* .number */ .aig().optional(),
})
    .passthrough();
/**
 * `settings.isolation.sequence_range`: this tenant's entry in the register of sequence ranges
 * (see postgres/sequence-ranges.ts). Reserved at the plan, kept for good: rollbacks and
 * re-promotions never remove it, so a re-promotion gets the same ranges again.
 */
const SequenceRangeRecord = zod__WEBPACK_IMPORTED_MODULE_3__/* .object */ .Ikc({
    /** The tenant's slot: slot k owns the k-th range of every integer type's zone. */
    slot: zod__WEBPACK_IMPORTED_MODULE_3__/* .number */ .aig().int().positive(),
    /** The layout version the slot is read with (postgres/sequence-ranges.ts RANGE_LAYOUT). */
    layout: zod__WEBPACK_IMPORTED_MODULE_3__/* .number */ .aig().int().positive(),
    reserved_at: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP(),
    /** Per type: [first, last] id of this tenant's range (decimal strings; bigint exceeds JSON numbers). */
    ranges: zod__WEBPACK_IMPORTED_MODULE_3__/* .record */ .g1P(zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP(), zod__WEBPACK_IMPORTED_MODULE_3__/* .tuple */ .PVZ([zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP(), zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP()])).optional(),
    /** Per sequence of the tenant's database, as set at the last switch: type and [first, last] id. */
    sequences: zod__WEBPACK_IMPORTED_MODULE_3__/* .record */ .g1P(zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP(), zod__WEBPACK_IMPORTED_MODULE_3__/* .object */ .Ikc({ type: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP(), first: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP(), last: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP() }))
        .optional(),
})
    .passthrough();
const IsolationState = zod__WEBPACK_IMPORTED_MODULE_3__/* ["enum"] */ .k5n(['switched', 'complete', 'rolled-back']);
const IsolationSettings = zod__WEBPACK_IMPORTED_MODULE_3__/* .object */ .Ikc({
    state: IsolationState.optional(),
    isolated_db_name: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP().optional(),
    isolated_at: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP().optional(),
    migration_version: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP().optional(),
    source_database: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP().optional(),
    /** host:port of the target server holding the tenant's database, when it is not the shared one. */
    isolated_server: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP().optional(),
    app_role: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP().optional(),
    owner_role: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP().optional(),
    /** The level the tenant was promoted at (absent: database, as every promotion before issue 21). */
    isolation_level: zod__WEBPACK_IMPORTED_MODULE_3__/* ["enum"] */ .k5n(['database', 'schema']).optional(),
    /** Schema level: where the tenant's schemas went and the search_path its application sets. */
    schema: zod__WEBPACK_IMPORTED_MODULE_3__/* .object */ .Ikc({
        into: zod__WEBPACK_IMPORTED_MODULE_3__/* ["enum"] */ .k5n(['shared-database', 'new-database']),
        mappings: zod__WEBPACK_IMPORTED_MODULE_3__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_3__/* .object */ .Ikc({ source: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP(), target: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP() })),
        search_path: zod__WEBPACK_IMPORTED_MODULE_3__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP()),
    })
        .optional(),
    service: zod__WEBPACK_IMPORTED_MODULE_3__/* .object */ .Ikc({
        name: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP(),
        created: zod__WEBPACK_IMPORTED_MODULE_3__/* .boolean */ .zMY(),
        url: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP().optional(),
        revision: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP().optional(),
        /** The Secret Manager version holding the tenant role's password (retired at rollback). */
        secret_version: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP().optional(),
    })
        .optional(),
    shared_rows_removed: zod__WEBPACK_IMPORTED_MODULE_3__/* .boolean */ .zMY().optional(),
    /**
     * cleanup-referenced-rows: remove-unused — the attempt whose removed keys the tenant's database
     * holds (cleanup-removed.ts), written in the transaction that deleted them, and the rows removed
     * per table. A rollback brings back only those keys.
     */
    referenced_removed: zod__WEBPACK_IMPORTED_MODULE_3__/* .object */ .Ikc({ attempt: zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP(), tables: zod__WEBPACK_IMPORTED_MODULE_3__/* .record */ .g1P(zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP(), zod__WEBPACK_IMPORTED_MODULE_3__/* .number */ .aig()) })
        .optional(),
    /** The run that owns the tenant now (fencing token, see postgres/ownership.ts). */
    run: _postgres_ownership__WEBPACK_IMPORTED_MODULE_1__/* .RunClaim */ .G7.optional(),
    /** Whether the tenant role's password reached the application (never the password itself). */
    credentials: CredentialsRecord.optional(),
    /** Per table: the tenant's rows as verified at the switch (cleanup and `status --verify` compare with it). */
    verified: zod__WEBPACK_IMPORTED_MODULE_3__/* .record */ .g1P(zod__WEBPACK_IMPORTED_MODULE_3__/* .string */ .YjP(), _postgres_checksum__WEBPACK_IMPORTED_MODULE_0__/* .RecordedDigest */ .ZA).optional(),
    /** The options the switch planned with: later runs of this tenant plan with them (plan-options.ts). */
    plan: _plan_options__WEBPACK_IMPORTED_MODULE_2__/* .PlanOptionsRecord */ .Nw.optional(),
    /** This tenant's range of sequence values (never removed: see SequenceRangeRecord). */
    sequence_range: SequenceRangeRecord.optional(),
    history: zod__WEBPACK_IMPORTED_MODULE_3__/* .array */ .YOg(HistoryEntry).default([]),
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
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _tool_schemas__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(24024);


const ON_DELETE = {
    a: 'no action',
    r: 'restrict',
    c: 'cascade',
    n: 'set null',
    d: 'set default',
};
/** Where SCHEMAS stands in the queries below: which schemas' tables are read (readTableGraph). */
const SCHEMAS = '/* schemas */';
/** User tables: not in system schemas, not temporary, not owned by an extension. */
const USER_TABLES = `
  SELECT c.oid, n.nspname, c.relname, c.relkind, c.relispartition
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p')
    AND ${SCHEMAS}
    AND n.nspname NOT LIKE 'pg\\_toast%'
    AND n.nspname NOT LIKE 'pg\\_temp\\_%'
    AND NOT EXISTS (
      SELECT 1 FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
    )`;
const TABLES_TEMPLATE = `
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
      'nondeterministic', COALESCE((SELECT NOT co.collisdeterministic FROM pg_collation co WHERE co.oid = a.attcollation), false),
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
const CONSTRAINTS_TEMPLATE = `
WITH ut AS (${USER_TABLES})
SELECT
  ut.nspname AS schema,
  ut.relname AS name,
  con.conname,
  con.contype,
  con.confdeltype,
  con.condeferrable,
  con.contype = 'f' AND COALESCE(pg_partition_root(con.confrelid), con.confrelid) <> con.confrelid AS to_partition,
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
const INDEXES_TEMPLATE = `
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
async function readTableGraph(client, 
/**
 * Schema level into the shared database, the tenant's side: only its schemas (beside them are
 * the shared tables, which every other read of the shared database means by "user tables").
 */
only) {
    const schemas = only
        ? `n.nspname::text = ANY (ARRAY[${only.map((s) => pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(s)).join(', ') || 'NULL'}]::text[])`
        : (0,_tool_schemas__WEBPACK_IMPORTED_MODULE_1__/* .userSchemaSql */ .T0)('n');
    const TABLES_SQL = TABLES_TEMPLATE.replaceAll(SCHEMAS, schemas);
    const CONSTRAINTS_SQL = CONSTRAINTS_TEMPLATE.replaceAll(SCHEMAS, schemas);
    const INDEXES_SQL = INDEXES_TEMPLATE.replaceAll(SCHEMAS, schemas);
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
                toPartition: r.to_partition,
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

/***/ 73600:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $n: () => (/* binding */ bucketSql),
/* harmony export */   A2: () => (/* binding */ matchesRecorded),
/* harmony export */   Ec: () => (/* binding */ DEFAULT_BUCKETS),
/* harmony export */   Jw: () => (/* binding */ wholeDigestOf),
/* harmony export */   LP: () => (/* binding */ setComparableSession),
/* harmony export */   Pj: () => (/* binding */ readSideColumns),
/* harmony export */   Pu: () => (/* binding */ keyText),
/* harmony export */   Rl: () => (/* binding */ recordedForm),
/* harmony export */   UN: () => (/* binding */ rowHashSqlOf),
/* harmony export */   WK: () => (/* binding */ compareTable),
/* harmony export */   ZA: () => (/* binding */ RecordedDigest),
/* harmony export */   bs: () => (/* binding */ fromTable),
/* harmony export */   il: () => (/* binding */ withoutColumns),
/* harmony export */   kd: () => (/* binding */ recordDigest),
/* harmony export */   lN: () => (/* binding */ digestTable),
/* harmony export */   ol: () => (/* binding */ digestOf),
/* harmony export */   re: () => (/* binding */ COLUMNS_FORM),
/* harmony export */   uN: () => (/* binding */ isColumnsForm),
/* harmony export */   vR: () => (/* binding */ compareDigests),
/* harmony export */   yw: () => (/* binding */ ledgerRowHashSql)
/* harmony export */ });
/* unused harmony exports rowHashSql, columnHashKind, readRowHashColumns, keyRange, digestSql, wholeDigestSql */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(77598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9691);
/* harmony import */ var _plan_types__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(54680);



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
/** The per-column recipe this version computes for new comparisons and records. */
const COLUMNS_FORM = 'columns-1';
function isColumnsForm(form) {
    return form === 'columns-1';
}
function rowText(table) {
    if (table.columns.length === 0)
        throw new Error(`Table ${table.qualified} has no planned columns to digest.`);
    return `ROW(${table.columns.map((c) => `t.${c}`).join(', ')})::text`;
}
/** Fast row hash (see RowHashForm). */
function rowHashSql(table) {
    return `hashtextextended(${rowText(table)}, 0)`;
}
/** Ledger row hash (see RowHashForm): md5-derived, for every value stored and compared later. Never change it. */
function ledgerRowHashSql(table) {
    return `('x' || substr(md5(${rowText(table)}), 1, 16))::bit(64)::bigint`;
}
/** Built-in base type OIDs (fixed across majors) → column hash kind; anything else is 'output'. */
const KIND_BY_TYPE_OID = new Map([
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
function columnHashKind(baseTypeOid) {
    return KIND_BY_TYPE_OID.get(baseTypeOid) ?? 'output';
}
/**
 * The planned columns' hash kinds, read from this side's catalog (`table` as this side names it:
 * `onTarget(table)` on the target). A planned column missing here is an error naming it.
 */
async function readRowHashColumns(client, table, form) {
    const { kindOf } = COLUMNS_RECIPES[form];
    const names = table.columns.map(unquoteIdent);
    const { rows } = await client.query(`WITH RECURSIVE col AS (
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
       FROM base b JOIN pg_type ty ON ty.oid = b.type_oid WHERE ty.typtype <> 'd'`, [table.qualified, names]);
    const byName = new Map(rows.map((r) => [r.name, r]));
    return names.map((name) => {
        const r = byName.get(name);
        if (!r)
            throw new Error(`${table.qualified}: planned column "${name}" was not found in the catalog.`);
        return { kind: kindOf(r.base_oid), notNull: r.not_null };
    });
}
// Marks a NULL: the seed of a NULL column is xor-ed with it, so NULL never hashes like the value
// standing in for it (0, '', the epoch) — nor like any other value, short of a 64-bit collision.
const NULL_MARK = '-7046029254386353131'; // 0x9E3779B97F4A7C15 as a signed bigint
/** Base type cast (free for a domain) and the stand-in for NULL of each kind. */
const KIND_BASE = {
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
function kindHashSql(kind, v, seed) {
    const epochThenTs = (ts) => `hashfloat8extended(coalesce(date_part('epoch', ${v}), 0), timestamp_hash_extended(${ts}, ${seed}))`;
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
function columns1RowHashSql(table, columns) {
    if (table.columns.length === 0)
        throw new Error(`Table ${table.qualified} has no planned columns to digest.`);
    if (columns.length !== table.columns.length)
        throw new Error(`${table.qualified}: ${columns.length} column hash kinds for ${table.columns.length} columns.`);
    return table.columns.reduce((seed, column, i) => {
        const { kind, notNull } = columns[i];
        const { cast, stand } = KIND_BASE[kind];
        const value = `t.${column}::${cast}`;
        if (notNull)
            return kindHashSql(kind, `(${value})`, seed);
        return kindHashSql(kind, `coalesce(${value}, ${stand})`, `(${seed} # CASE WHEN t.${column} IS NULL THEN ${NULL_MARK}::int8 ELSE 0::int8 END)`);
    }, '0::int8');
}
/**
 * The per-column recipes by the name a digest or record carries: the catalog's base type → kind,
 * and the row hash of the kinds. An entry is never changed once released (see above).
 */
const COLUMNS_RECIPES = {
    'columns-1': { kindOf: columnHashKind, rowHashSql: columns1RowHashSql },
};
// ─── end of the frozen 'columns-1' recipe ─────────────────────────────────────────────────────
/**
 * The row hash SQL of a form (planned columns only, in plan order; the row aliased `t`). A
 * per-column form needs the columns' kinds, read from the catalog (`readRowHashColumns`).
 */
function rowHashSqlOf(form, table, columns) {
    switch (form) {
        case 'columns-1':
            if (!columns)
                throw new Error(`${table.qualified}: the '${form}' row hash needs the columns' types.`);
            return COLUMNS_RECIPES[form].rowHashSql(table, columns);
        case 'fast':
            return rowHashSql(table);
        case 'ledger':
            return ledgerRowHashSql(table);
    }
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
function digestSql(table, side, scheme, form, columns) {
    // No ORDER BY: with it the planner sorts every row before grouping (it cannot tell there are few
    // buckets); without it, it hashes into the buckets. The buckets are sorted here instead.
    // Only what the scheme needs per row: key text costs a cast and a collated min/max per row.
    const k = scheme.kind === 'key-hash' ? (keyText(table) ?? 'NULL::text') : 'NULL::text';
    const kn = scheme.kind === 'range' ? `t.${table.keyColumns[0]}::numeric` : 'NULL::numeric';
    const bounds = scheme.kind === 'range'
        ? 'min(kn)::text AS min_key, max(kn)::text AS max_key'
        : 'min(k) AS min_key, max(k) AS max_key';
    return `SELECT ${bucketSql(scheme)} AS bucket, count(*)::bigint AS count, sum(h)::text AS sum, ${bounds}
  FROM (SELECT ${rowHashSqlOf(form, table, columns)} AS h, ${k} AS k, ${kn} AS kn FROM ${fromTable(table)} t WHERE ${predicate(table, side)}) s
 GROUP BY 1`;
}
/** The whole table's count and hash sum in one pass, without buckets (see DigestOptions.locate). */
function wholeDigestSql(table, side, form, columns) {
    return `SELECT count(*)::text AS count, coalesce(sum(${rowHashSqlOf(form, table, columns)}), 0)::text AS sum
  FROM ${fromTable(table)} t WHERE ${predicate(table, side)}`;
}
function wholeDigest(count, sum, form) {
    // The ledger form's text is what digests recorded at the switch were made of: unchanged.
    const text = form === 'ledger' ? `${count}:${sum}` : `${form}:${count}:${sum}`;
    return (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('md5').update(text).digest('hex');
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
async function digestTable(client, table, side, opts) {
    const scheme = schemeFor(table, opts);
    const columns = isColumnsForm(opts.form)
        ? (opts.columns ?? (await readRowHashColumns(client, table, opts.form)))
        : undefined;
    if (opts.locate === false) {
        const { rows } = await client.query(wholeDigestSql(table, side, opts.form, columns));
        return tableDigestOf(table, opts.form, scheme, Number(rows[0].count), rows[0].sum, [], columns);
    }
    const r = await withHashAggregate(client, () => client.query(digestSql(table, side, scheme, opts.form, columns)));
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
    return tableDigestOf(table, opts.form, scheme, count, sum, buckets, columns);
}
function tableDigestOf(table, form, scheme, count, sum, buckets, columns) {
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
function wholeDigestOf(table, form, count, sum, columns) {
    return tableDigestOf(table, form, schemeFor(table, { form, buckets: DEFAULT_BUCKETS }), count, sum, [], columns);
}
/** The digest string for a count and a sum of LEDGER row hashes, as `digestTable` computes it (for recorded values). */
function digestOf(count, sum) {
    return wholeDigest(count, sum, 'ledger');
}
/**
 * A table's count and digest as recorded at the switch (`settings.isolation.verified`), compared
 * later by cleanup and `status --verify`. `form` names the row hash the digest was made of (the
 * switch records 'columns-1' now, 'fast' before it); a record without it was written before the
 * switch recorded its form, and is the ledger form.
 */
const RecordedDigest = zod__WEBPACK_IMPORTED_MODULE_2__/* .object */ .Ikc({
    count: zod__WEBPACK_IMPORTED_MODULE_2__/* .number */ .aig(),
    digest: zod__WEBPACK_IMPORTED_MODULE_2__/* .string */ .YjP(),
    // Only names whose recipe never changes (see RowHashForm, COLUMNS_RECIPES).
    form: zod__WEBPACK_IMPORTED_MODULE_2__/* ["enum"] */ .k5n(['columns-1', 'fast', 'ledger']).optional(),
});
/** The form a recorded digest was made of: a record that does not say is the ledger form (older switches). */
function recordedForm(r) {
    return r.form ?? 'ledger';
}
/** A recorded digest of a count and a sum of row hashes in `form` (equal to what `digestTable` gives in that form). */
function recordDigest(form, count, sum) {
    return { count, digest: wholeDigest(count, sum, form), form };
}
/**
 * Whether a digest computed now equals a recorded one. The caller computes `now` in the recorded
 * form (`recordedForm`); a digest of another form is never compared, whatever its value.
 */
function matchesRecorded(recorded, now) {
    if (now.form !== recordedForm(recorded))
        throw new Error(`${now.table}: a ${now.form} digest cannot be compared with a recorded ${recordedForm(recorded)} digest.`);
    return now.count === recorded.count && now.digest === recorded.digest;
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
    // The types keep forms apart; this is the guard for values that crossed an untyped boundary.
    if (a.form !== b.form)
        throw new Error(`${table}: a ${a.form} digest cannot be compared with a ${b.form} digest.`);
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
/** Reads `table`'s column kinds on both sides at once (`onTarget(table)` on the target). */
async function readSideColumns(source, target, table, form) {
    const [s, t] = await Promise.all([
        readRowHashColumns(source, table, form),
        readRowHashColumns(target, (0,_plan_types__WEBPACK_IMPORTED_MODULE_1__/* .onTarget */ .Hp)(table), form),
    ]);
    return { source: s, target: t };
}
/**
 * Digests one table on both sides under the same bucket scheme (the key range is taken from
 * the source) and compares them. Both sessions must already be comparable (setComparableSession)
 * and the source must have TENANT_ID_SETTING set.
 */
async function compareTable(source, target, table, opts) {
    // A per-column form hashes each column by its type on each side: a column whose hash kind
    // differs (its type differs) makes every row differ, and is named.
    const { source: sourceColumns, target: targetColumns } = isColumnsForm(opts.form)
        ? (opts.columns ?? (await readSideColumns(source, target, table, opts.form)))
        : { source: undefined, target: undefined };
    const kindDifferences = (sourceColumns ?? []).flatMap((c, i) => c.kind === targetColumns?.[i]?.kind
        ? []
        : [
            `${table.qualified}: column ${table.columns[i]} is hashed as ${c.kind} on the source, ${targetColumns?.[i]?.kind} on the target (its types differ)`,
        ]);
    const withKinds = (r) => kindDifferences.length ? { ...r, equal: false, differences: [...kindDifferences, ...r.differences] } : r;
    // The two sides are separate servers' work (or separate sessions): digest them at once.
    const both = (digestOpts) => Promise.all([
        digestTable(source, table, 'source', {
            ...digestOpts,
            ...(sourceColumns && { columns: sourceColumns }),
        }),
        digestTable(target, (0,_plan_types__WEBPACK_IMPORTED_MODULE_1__/* .onTarget */ .Hp)(table), 'target', {
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
        if (whole.equal)
            return withKinds({ source: ws, target: wt, ...whole });
    }
    const range = await keyRange(source, table, 'source');
    const [s, t] = await both({ form: opts.form, buckets, ...(range ? { range } : {}) });
    return withKinds({ source: s, target: t, ...compareDigests(table.qualified, s, t) });
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


/***/ }),

/***/ 36741:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   AC: () => (/* binding */ SESSION_OPTIONS),
/* harmony export */   Ng: () => (/* binding */ connect),
/* harmony export */   Q5: () => (/* binding */ connectAll),
/* harmony export */   ZA: () => (/* binding */ SESSION_OPTIONS_WITH_DATABASE_TEXT_FORMS),
/* harmony export */   nY: () => (/* binding */ APPLICATION_SESSION_OPTIONS),
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
/**
 * The startup settings of the tool's sessions before TimeZone, DateStyle and IntervalStyle were
 * fixed: a schema recorded at the switch by an earlier version was printed under the database's
 * own settings, and is compared with the schema read the same way (schema-fingerprint.ts).
 */
const SESSION_OPTIONS_WITH_DATABASE_TEXT_FORMS = '-c jit=off -c default_transaction_isolation=read\\ committed';
/**
 * No timeout inherited from the server, database or role (a managed database's
 * `statement_timeout = 30s` would cancel a long COPY, its `idle_in_transaction_session_timeout`
 * the session holding the exported snapshot while the copy runs): the run bounds what must be
 * bounded itself (`set_config` of lock and statement timeouts around the freeze and cleanup; the
 * checks' connections pass their budget as `statement_timeout`, which takes precedence).
 */
const SESSION_TIMEOUTS = '-c statement_timeout=0 -c lock_timeout=0 -c idle_in_transaction_session_timeout=0';
/**
 * Startup settings of every session the tool opens. TimeZone, DateStyle and IntervalStyle too:
 * the catalog prints defaults and constants in the reading session's settings (a timestamptz
 * default reads '2024-01-01 00:00:00-05' under a database's `ALTER DATABASE … SET TimeZone`), so
 * the schema read from the shared database, cloned, and compared with the tenant's must be read
 * under one set of settings on every database (review r17: a shared database with its own
 * TimeZone or DateStyle failed schema parity). Startup options take precedence over the
 * database's and role's own settings.
 */
const SESSION_OPTIONS_BUT_SEARCH_PATH = `${SESSION_OPTIONS_WITH_DATABASE_TEXT_FORMS} -c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=postgres ${SESSION_TIMEOUTS}`;
/**
 * The catalog prints a name schema-qualified unless its schema is on the reading session's
 * search_path: the shared database's `ALTER DATABASE … SET search_path` (which the tenant's
 * database gets too, or not) would make the two sides print one column type differently
 * (`public.money_amount` against `money_amount`) and fail parity. PostgreSQL's default path here,
 * the one the clone's DDL is applied under (schema-clone.ts) and fingerprints were recorded under.
 */
const SESSION_OPTIONS = `${SESSION_OPTIONS_BUT_SEARCH_PATH} -c search_path="$user",public`;
/** For a session as the tenant's application role: its own search_path is what is checked. */
const APPLICATION_SESSION_OPTIONS = SESSION_OPTIONS_BUT_SEARCH_PATH;
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
    await client.query('SELECT set_config($1, $2, false)', [_plan_types__WEBPACK_IMPORTED_MODULE_3__/* .TENANT_ID_SETTING */ .oZ, tenantId]);
}


/***/ }),

/***/ 42514:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   O9: () => (/* binding */ databaseMarker),
/* harmony export */   XE: () => (/* binding */ readLocale),
/* harmony export */   Zi: () => (/* binding */ dropDatabase),
/* harmony export */   e6: () => (/* binding */ createTenantDatabase),
/* harmony export */   s7: () => (/* binding */ createDatabaseSql)
/* harmony export */ });
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _roles__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(55502);
/* harmony import */ var _sessions__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(73074);
/* harmony import */ var _sql__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(75259);




const qi = pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier;
const ql = pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeLiteral */ .Ay.escapeLiteral;
async function readLocale(client) {
    const { rows } = await client.query(
    // PostgreSQL 17 renamed daticulocale to datlocale: read whichever this server has.
    `SELECT pg_encoding_to_char(d.encoding) AS encoding, d.datcollate AS collate, d.datctype AS ctype,
            d.datlocprovider AS provider,
            coalesce(to_jsonb(d) ->> 'datlocale', to_jsonb(d) ->> 'daticulocale') AS "icuLocale"
       FROM pg_database d WHERE d.datname = current_database()`);
    return rows[0];
}
/**
 * `CREATE DATABASE … TEMPLATE template0` with the source's encoding, collation, ctype and
 * locale provider, so sort order and text-based checksums agree. Sent alone: it cannot run
 * inside a transaction block. Values come from the source catalog and are quoted as literals.
 */
function createDatabaseSql(name, owner, locale) {
    const parts = [
        `CREATE DATABASE ${qi(name)} OWNER ${qi(owner)} TEMPLATE template0`,
        `ENCODING ${ql(locale.encoding)}`,
        `LC_COLLATE ${ql(locale.collate)}`,
        `LC_CTYPE ${ql(locale.ctype)}`,
    ];
    if (locale.provider === 'i') {
        parts.push(`LOCALE_PROVIDER icu`);
        if (locale.icuLocale)
            parts.push(`ICU_LOCALE ${ql(locale.icuLocale)}`);
    }
    else if (locale.provider === 'b') {
        // The builtin provider (17+) exists on the target too: it is never older than the shared server.
        parts.push(`LOCALE_PROVIDER builtin`);
        if (locale.icuLocale)
            parts.push(`BUILTIN_LOCALE ${ql(locale.icuLocale)}`);
    }
    else {
        parts.push(`LOCALE_PROVIDER libc`);
    }
    return parts.join(' ');
}
async function databaseMarker(client, name) {
    const { rows } = await client.query(`SELECT shobj_description(d.oid, 'pg_database') AS comment, shobj_description(d.datdba, 'pg_authid') AS owner
       FROM pg_database d WHERE d.datname = $1`, [name]);
    if (rows.length === 0)
        return { exists: false };
    // CREATE DATABASE cannot share a transaction with its COMMENT: a run killed between the two
    // leaves a database without a marker. It is still provably ours when its owner (set by the
    // CREATE DATABASE itself) is the tenant's owner role carrying our marker.
    const own = (0,_roles__WEBPACK_IMPORTED_MODULE_1__/* .parseMarker */ .gY)(rows[0].comment);
    const owner = (0,_roles__WEBPACK_IMPORTED_MODULE_1__/* .parseMarker */ .gY)(rows[0].owner);
    const marker = own ?? (owner?.purpose === 'owner' ? { ...owner, purpose: 'database' } : undefined);
    return { exists: true, marker };
}
async function createTenantDatabase(client, name, owner, marker, 
/** The shared database's locale (read there when the database is created on another server). */
locale) {
    locale ??= await readLocale(client);
    await client.query(createDatabaseSql(name, owner, locale));
    await (0,_sql__WEBPACK_IMPORTED_MODULE_3__/* .commentOn */ .Jt)(client, 'DATABASE', name, (0,_roles__WEBPACK_IMPORTED_MODULE_1__/* .markerText */ .U7)({ ...marker, purpose: 'database' }));
    // PostgreSQL has no deny: only an explicit revoke keeps PUBLIC out.
    await client.query(`REVOKE ALL ON DATABASE ${qi(name)} FROM PUBLIC`);
}
/**
 * Drops `name` if it exists, ending the sessions on it. WITH (FORCE) is refused to a role without
 * superuser (42501) while an autovacuum worker is in the database, which plain DROP DATABASE ends
 * by itself: then the client sessions are ended first and the plain form drops it.
 */
async function dropDatabase(client, name) {
    try {
        await client.query(`DROP DATABASE IF EXISTS ${qi(name)} WITH (FORCE)`);
    }
    catch (e) {
        if (e.code !== '42501')
            throw e;
        await (0,_sessions__WEBPACK_IMPORTED_MODULE_2__/* .endSessions */ .v)(client, name, []);
        await client.query(`DROP DATABASE IF EXISTS ${qi(name)}`);
    }
}


/***/ }),

/***/ 86170:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   p7: () => (/* binding */ RENAMED_SETTINGS),
/* harmony export */   qK: () => (/* binding */ translateCatalog),
/* harmony export */   yR: () => (/* binding */ renamedSettingClause)
/* harmony export */ });
/* unused harmony exports TRANSLATIONS, objectName */
/* harmony import */ var _versions__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(60674);

/** Settings a function's `SET` clause may name that a newer major renamed. */
const RENAMED_SETTINGS = [
    { since: 16, from: 'force_parallel_mode', to: 'debug_parallel_query' },
];
/**
 * A `SET <from> TO|=|FROM CURRENT` line of pg_get_functiondef (which writes each setting on a line
 * of its own): one pattern for the clone (JavaScript, flags `gim`) and for schema parity
 * (PostgreSQL's regexp_replace, flags `gin`), so both rename exactly the same clauses.
 */
const renamedSettingClause = (from) => String.raw `^(\s*SET\s+)${from}(\s+(?:TO|=|FROM\s+CURRENT))`;
const listed = (names) => names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
const TRANSLATIONS = [
    ...RENAMED_SETTINGS.map((r) => ({
        since: r.since,
        apply(cat) {
            // pg_get_functiondef writes each setting on its own line: ` SET name TO value`.
            const clause = new RegExp(renamedSettingClause(r.from), 'gim');
            const touched = [];
            const functions = cat.functions.map((f) => {
                const def = f.def.replace(clause, `$1${r.to}$2`);
                if (def === f.def)
                    return f;
                touched.push(f.signature);
                return { ...f, def };
            });
            if (!touched.length)
                return { catalog: cat };
            return {
                catalog: { ...cat, functions },
                line: `SET ${r.from} of ${listed(touched)} written as SET ${r.to} (renamed in PostgreSQL ${r.since})`,
            };
        },
    })),
    {
        since: 17,
        apply(cat) {
            const roots = new Set(cat.relations
                .filter((t) => t.kind === 'p' && t.columns.some((c) => c.identity))
                .map((t) => `${t.schema}.${t.name}`));
            if (!roots.size)
                return { catalog: cat };
            return {
                catalog: cat,
                line: `partitions of ${listed([...roots])} carry their identity column themselves (PostgreSQL 17 propagates identity to partitions; the values still come from the partitioned table's sequence)`,
            };
        },
    },
    {
        since: 18,
        apply(cat) {
            const columns = cat.relations
                .filter((t) => t.kind === 'r' || t.kind === 'p')
                .reduce((n, t) => n + t.columns.filter((c) => c.notNull).length, 0);
            if (!columns)
                return { catalog: cat };
            const { catalog, renamed } = nameClashingNotNulls(cat);
            return {
                catalog,
                line: `${columns} NOT NULL column(s) become named not-null constraints (<table>_<column>_not_null) in pg_constraint, as PostgreSQL 18 records every NOT NULL` +
                    (renamed.length
                        ? `; ${listed(renamed)} named otherwise (a constraint of the table already has the name 18 would choose)`
                        : ''),
            };
        },
    },
    {
        since: 18,
        apply(cat) {
            const generated = cat.relations.flatMap((t) => t.columns.filter((c) => c.generated != null).map((c) => `${t.schema}.${t.name}.${c.name}`));
            if (!generated.length)
                return { catalog: cat };
            return {
                catalog: cat,
                line: `generated column(s) ${listed(generated)} written with STORED (PostgreSQL 18 makes an unqualified generated column VIRTUAL)`,
            };
        },
    },
];
/**
 * The catalog with every rule between the two majors applied, and one line per rule that found
 * something: "PostgreSQL 18: …". Same major (or no target version known): unchanged, no lines.
 */
function translateCatalog(cat, targetVersion) {
    const [from, to] = [(0,_versions__WEBPACK_IMPORTED_MODULE_0__/* .majorOf */ .Ds)(cat.serverVersion), (0,_versions__WEBPACK_IMPORTED_MODULE_0__/* .majorOf */ .Ds)(targetVersion ?? 0)];
    const translations = [];
    let catalog = cat;
    if (to <= from)
        return { catalog, translations };
    for (const rule of TRANSLATIONS) {
        if (!(from < rule.since && rule.since <= to))
            continue;
        const out = rule.apply(catalog);
        catalog = out.catalog;
        if (out.line)
            translations.push(`PostgreSQL ${rule.since}: ${out.line}`);
    }
    return { catalog, translations };
}
/**
 * PostgreSQL's `makeObjectName(name1, name2, label)`: `name1_name2_label`, the longer of the two
 * names shortened (by whole characters) until it fits in NAMEDATALEN - 1 bytes.
 */
function objectName(name1, name2, label) {
    const bytes = (s) => Buffer.byteLength(s, 'utf8');
    let [a, b] = [[...name1], [...name2]];
    const room = 63 - (bytes(label) + 2);
    const len = (cs) => bytes(cs.join(''));
    while (len(a) + len(b) > room) {
        if (len(a) > len(b))
            a = a.slice(0, -1);
        else
            b = b.slice(0, -1);
    }
    return `${a.join('')}_${b.join('')}_${label}`;
}
/**
 * PostgreSQL 18 names each NOT NULL `<table>_<column>_not_null`; a table whose own constraint
 * (a CHECK (col IS NOT NULL), the usual lock-free way to add one) already has that name would
 * make the clone's ADD CONSTRAINT fail. Such columns get a free name of their own, written
 * inline (`CONSTRAINT name NOT NULL`, which older majors accept and ignore).
 */
function nameClashingNotNulls(cat) {
    const taken = new Map();
    for (const c of cat.constraints) {
        const key = `${c.schema}.${c.table}`;
        taken.set(key, (taken.get(key) ?? new Set()).add(c.name));
    }
    const renamed = [];
    const relations = cat.relations.map((t) => {
        const names = taken.get(`${t.schema}.${t.name}`);
        if (!names || !(t.kind === 'r' || t.kind === 'p'))
            return t;
        const used = new Set(names);
        let changed = false;
        const columns = t.columns.map((c) => {
            if (!c.notNull)
                return c;
            const chosen = objectName(t.name, c.name, 'not_null');
            if (!names.has(chosen))
                return c;
            let n = 1;
            while (used.has(objectName(t.name, c.name, `not_null${n}`)))
                n++;
            const notNullName = objectName(t.name, c.name, `not_null${n}`);
            used.add(notNullName);
            renamed.push(`${t.schema}.${t.name}.${c.name}`);
            changed = true;
            return { ...c, notNullName };
        });
        return changed ? { ...t, columns } : t;
    });
    return renamed.length ? { catalog: { ...cat, relations }, renamed } : { catalog: cat, renamed };
}


/***/ }),

/***/ 6922:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   B: () => (/* binding */ inOwnedTransaction),
/* harmony export */   EI: () => (/* binding */ assertOwner),
/* harmony export */   EJ: () => (/* binding */ RUN_SCHEMA),
/* harmony export */   G7: () => (/* binding */ RunClaim),
/* harmony export */   KD: () => (/* binding */ assertRunMarker),
/* harmony export */   LD: () => (/* binding */ createToolTable),
/* harmony export */   Rj: () => (/* binding */ writeRunMarker),
/* harmony export */   Ti: () => (/* binding */ claimTenant),
/* harmony export */   _B: () => (/* binding */ claimOf),
/* harmony export */   gl: () => (/* binding */ inProvedTransaction),
/* harmony export */   qj: () => (/* binding */ releaseClaim)
/* harmony export */ });
/* unused harmony export OwnershipLostError */
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
/**
 * The run marker's table in a tool schema: `RUN_SCHEMA` in a tenant's own database; schema level
 * into the shared database, the tenant's own tool schema there (names.ts sharedToolSchema).
 */
const runTable = (toolSchema) => `${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(toolSchema)}.run_owner`;
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
    const table = (0,_sql__WEBPACK_IMPORTED_MODULE_2__/* .quoteQualified */ .$s)(tenantsTable);
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
    await client.query(`UPDATE ${(0,_sql__WEBPACK_IMPORTED_MODULE_2__/* .quoteQualified */ .$s)(tenantsTable)} t
        SET settings = CASE WHEN r.iso = '{}'::jsonb THEN t.settings - 'isolation'
                            ELSE jsonb_set(t.settings, '{isolation}', r.iso) END
       FROM (SELECT s.slug, (s.settings -> 'isolation') - 'run'
                    - CASE WHEN s.settings -> 'isolation' -> 'sequence_range' -> 'sequences' IS NULL
                           THEN 'sequence_range' ELSE '' END AS iso
               FROM ${(0,_sql__WEBPACK_IMPORTED_MODULE_2__/* .quoteQualified */ .$s)(tenantsTable)} s WHERE s.slug = $1) r
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
    const { rows } = await client.query(`SELECT t.settings FROM ${(0,_sql__WEBPACK_IMPORTED_MODULE_2__/* .quoteQualified */ .$s)(tenantsTable)} t WHERE t.slug = $1 FOR SHARE`, [slug]);
    if (rows.length === 0 && orphanOk)
        return;
    const owner = rows.length ? claimOf(rows[0].settings) : undefined;
    if (owner?.id !== runId)
        throw new OwnershipLostError(slug, what, owner, runId);
}
/**
 * Runs `fn` in one transaction on `client` that first runs `prove` (an ownership proof that locks
 * what it reads), committing only if both return.
 */
async function inProvedTransaction(client, prove, fn) {
    await client.query('BEGIN');
    try {
        await prove();
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
 * Runs `fn` in one transaction on `client` that first proves ownership (assertOwner) and
 * commits only if `fn` returns. For writes to the shared database.
 */
function inOwnedTransaction(client, owner, what, fn) {
    return inProvedTransaction(client, () => assertOwner(client, owner.tenantsTable, owner.slug, owner.runId, what, owner.orphanOk), fn);
}
/**
 * Creates a table of the tool's in its tool schema, closed to PUBLIC: the admin's default
 * privileges (ALTER DEFAULT PRIVILEGES … GRANT … TO PUBLIC, per database) would otherwise hand
 * every role of the database the tool's table — in the shared database, every other tenant's role.
 * `table` is already quoted; `columns` is the tool's own definition, nothing from a tenant.
 */
async function createToolTable(client, table, columns) {
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (${columns})`);
    await client.query(`REVOKE ALL ON TABLE ${table} FROM PUBLIC`);
}
/**
 * Writes this run's token into the tenant's database (a schema of the tool's own that PUBLIC
 * cannot use). Called by the run that creates the database, before anything else is written.
 */
async function writeRunMarker(target, claim, toolSchema = RUN_SCHEMA) {
    const RUN_TABLE = runTable(toolSchema);
    await target.query(`CREATE SCHEMA IF NOT EXISTS ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(toolSchema)}`);
    await target.query(`REVOKE ALL ON SCHEMA ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(toolSchema)} FROM PUBLIC`);
    await createToolTable(target, RUN_TABLE, `singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), run jsonb NOT NULL`);
    await target.query(`INSERT INTO ${RUN_TABLE} (run) VALUES ($1::jsonb)
       ON CONFLICT (singleton) DO UPDATE SET run = EXCLUDED.run`, [JSON.stringify(claim)]);
}
/**
 * Inside the caller's transaction on the tenant's database: proves the database is still this
 * run's (its marker row locked FOR SHARE). Throws OwnershipLostError otherwise.
 */
async function assertRunMarker(target, slug, runId, what, toolSchema = RUN_SCHEMA) {
    const RUN_TABLE = runTable(toolSchema);
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
/* harmony export */   $r: () => (/* binding */ targetOf),
/* harmony export */   CE: () => (/* binding */ perRow),
/* harmony export */   Hp: () => (/* binding */ onTarget),
/* harmony export */   ZW: () => (/* binding */ withCopiedCounts),
/* harmony export */   dE: () => (/* binding */ withTargets),
/* harmony export */   iu: () => (/* binding */ selectTenantRows),
/* harmony export */   oZ: () => (/* binding */ TENANT_ID_SETTING)
/* harmony export */ });
/* unused harmony export mapTables */
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _schema_layout__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(31686);


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
/** Predicate on alias `t` selecting the rows of `table.where`, cheapest for a few given rows (see `perRowWhere`). */
function perRow(table) {
    return table.perRowWhere ?? table.where;
}
/** The table's quoted name on the target side (the tenant's database or schema). */
function targetOf(table) {
    return table.target ?? table.qualified;
}
/**
 * The table as target-side SQL sees it: `qualified` is the target's name, and the plan's SQL
 * fragments (`where`, `ownWhere`, `alsoUsedWhere`, the self-closure's, foreign keys' `references`)
 * name the mapped schemas. The identity at database level. Per-table maps stay keyed by the
 * source's `qualified`: use this only for the SQL sent to the target.
 */
function onTarget(table) {
    if (table.target === undefined || !table.targetSchemas)
        return table;
    const map = new Map(Object.entries(table.targetSchemas));
    // The plan's fragments read the table as `t` (plan.ts): its column references stay as they are.
    const m = (sql) => (0,_schema_layout__WEBPACK_IMPORTED_MODULE_1__/* .mapStatement */ ._R)(sql, map, { aliases: ['t'] });
    return {
        ...table,
        qualified: table.target,
        where: m(table.where),
        ...(table.ownWhere !== undefined && { ownWhere: m(table.ownWhere) }),
        ...(table.perRowWhere !== undefined && { perRowWhere: m(table.perRowWhere) }),
        ...(table.alsoUsedWhere !== undefined && { alsoUsedWhere: m(table.alsoUsedWhere) }),
        ...(table.selfClosure && {
            selfClosure: { ...table.selfClosure, baseWhere: m(table.selfClosure.baseWhere) },
        }),
        ...(table.foreignKeys && {
            foreignKeys: table.foreignKeys.map((fk) => ({ ...fk, references: m(fk.references) })),
        }),
    };
}
/**
 * The plan with `set` applied to every table, once: the tenants table and the delete order
 * refer to the very objects of `tables`.
 */
function mapTables(plan, set) {
    const tables = plan.tables.map(set);
    const byName = new Map(tables.map((t) => [t.qualified, t]));
    return {
        ...plan,
        tenantsTable: byName.get(plan.tenantsTable.qualified) ?? set(plan.tenantsTable),
        tables,
        deleteOrder: plan.deleteOrder.map((t) => byName.get(t.qualified) ?? set(t)),
    };
}
/**
 * The plan with every table's target in the mapped schemas (schema level): `map` is source
 * schema → target schema (SchemaLayout). A table whose schema is not mapped keeps its name.
 */
function withTargets(plan, map) {
    const set = (t) => {
        const schema = map.get(t.schema);
        return schema === undefined
            ? t
            : {
                ...t,
                target: `${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(schema)}.${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(t.name)}`,
                targetSchemas: Object.fromEntries(map),
            };
    };
    return mapTables(plan, set);
}
/**
 * The plan with every copied table's rows and bytes as the copy counted them (`copied`, keyed by
 * `qualified`): the exact counts replace the plan's estimates for what follows (the switch's
 * buckets, the cleanup's messages).
 */
function withCopiedCounts(plan, copied) {
    const set = (t) => {
        const c = copied.get(t.qualified);
        if (!c)
            return t;
        const { estimated: _, ...rest } = t;
        return { ...rest, rows: c.rows, bytes: c.bytes };
    };
    return mapTables(plan, set);
}


/***/ }),

/***/ 43524:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   gK: () => (/* binding */ planTenant)
/* harmony export */ });
/* unused harmony export looksSensitive */
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _plan_types__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(54680);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(83916);
/* harmony import */ var _tenant_key__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(72713);





const q = pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier;
const SETTING = `current_setting(${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(_plan_types__WEBPACK_IMPORTED_MODULE_1__/* .TENANT_ID_SETTING */ .oZ)})`;
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
/** The columns that identify a row: the primary key, else the shortest unique key over NOT NULL columns; empty when none. */
function rowKey(t) {
    return (t.primaryKey ??
        [...t.uniqueKeys].sort((a, b) => a.length - b.length || a.join().localeCompare(b.join()))[0] ??
        []);
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
    const resolved = (0,_tenant_key__WEBPACK_IMPORTED_MODULE_3__/* .resolveTenantKeyColumn */ .C_)(graph, opts);
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
            throw new _errors__WEBPACK_IMPORTED_MODULE_2__/* .InputError */ .dz(`table-overrides: ${display(t)}=referenced, but no copied row references ${display(t)} through a foreign key (and it references no copied row), so none of its rows can be attributed to the tenant.`, `Use ${display(t)}=copy to copy it whole, or ${display(t)}=skip to leave it out.`);
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
    /** The foreign keys a dependent table's predicate selects its rows through, in `mode`. */
    const waysOf = (t, path, mode) => {
        const myDistance = distance.get(tableKey(t)) ?? Infinity;
        let candidates = edgesOf(t).filter(({ target }) => target !== t && isOwned(target) && !path.has(tableKey(target)));
        if (mode !== 'all') {
            candidates = candidates.filter(({ target }) => (distance.get(tableKey(target)) ?? Infinity) < myDistance);
            if (mode === 'shortest') {
                const dist = (x) => distance.get(tableKey(x)) ?? Infinity;
                candidates = [...candidates].sort((a, b) => dist(a.target) - dist(b.target)).slice(0, 1);
            }
        }
        return candidates;
    };
    const ownerPredicate = (t, alias, depth, path, mode, budget, shape) => {
        const kind = kindOf(t);
        if (kind === 'root')
            return rootPredicate(alias);
        if (kind === 'tenant')
            return tenantPredicate(t, alias);
        const candidates = waysOf(t, path, mode);
        const key = rowKey(t).map(q);
        const asSet = shape === 'set' && candidates.length > 1 && key.length > 0 && !t.hasInheritanceChildren;
        // In the set shape each way is a query of its own over the table, as `s<depth>`.
        const self = asSet ? `s${depth}` : alias;
        const parts = [];
        const nextPath = new Set(path).add(tableKey(t));
        for (const { fk, target } of candidates) {
            if (kindOf(target) === 'root' && fk.columns.length === 1 && fk.refColumns[0] === rootKeyName) {
                parts.push(`${self}.${q(fk.columns[0])} = ${SETTING}::${rootKeyColumn.type}`);
                continue;
            }
            if (++budget.joins > MAX_PREDICATE_JOINS)
                throw OVER_BUDGET;
            const a = `t${depth + 1}`;
            const join = fk.columns.map((c, i) => `${a}.${q(fk.refColumns[i])} = ${self}.${q(c)}`).join(' AND ');
            const inner = ownerPredicate(target, a, depth + 1, nextPath, mode, budget, shape);
            parts.push(`EXISTS (SELECT 1 FROM ${qualified(target)} ${a} WHERE ${join} AND ${inner})`);
        }
        if (parts.length === 0)
            return 'false';
        if (parts.length === 1)
            return parts[0];
        if (!asSet)
            return `(${parts.join(' OR ')})`;
        const ways = parts.map((p) => `SELECT ${key.map((c) => `${self}.${c}`).join(', ')} FROM ${qualified(t)} ${self} WHERE ${p}`);
        const u = `u${depth}`;
        return `EXISTS (SELECT 1 FROM (${ways.join(' UNION ALL ')}) ${u} WHERE ${key.map((c) => `${u}.${c} = ${alias}.${c}`).join(' AND ')})`;
    };
    // The mode each owned table's predicate fits in (see MAX_PREDICATE_JOINS).
    const modeOf = new Map();
    const ownPredicate = (t, alias, depth, shape = 'row') => {
        const known = modeOf.get(tableKey(t));
        if (known)
            return ownerPredicate(t, alias, depth, new Set(), known, { joins: -Infinity }, shape);
        for (const mode of ['all', 'shorter', 'shortest']) {
            try {
                const where = ownerPredicate(t, alias, depth, new Set(), mode, {
                    joins: mode === 'shortest' ? -Infinity : 0,
                }, shape);
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
    /** The self-closure of the referenced table whose top-level predicate was built last. */
    let topSelfClosure;
    /**
     * Rows of a table without the tenant key that copied rows reference, or that reference only
     * such rows; and, when the table references itself (users.invited_by → users), the rows those
     * rows reference through it, transitively: a copied row's inviter is copied too, or its key
     * fails in the new database.
     */
    const sharedPredicate = (t, alias, depth, path) => {
        const base = sharedTerms(t, alias, depth, path);
        const selfKeys = edgesOf(t)
            .filter(({ target }) => target === t)
            .map(({ fk }) => fk);
        if (selfKeys.length === 0 || base === 'false')
            return base;
        if (depth === 0)
            topSelfClosure = { baseWhere: base, keys: selfKeys };
        // The closure, from the rows the predicate selects (alias r<depth>), up the self-references.
        const r = `r${depth}`;
        const closure = `__closure_${depth}`;
        const columns = [...new Set(selfKeys.flatMap((fk) => [...fk.columns, ...fk.refColumns]))].map(q);
        const up = selfKeys
            .map((fk) => `(${fk.refColumns.map((c, i) => `${r}.${q(c)} = c.${q(fk.columns[i])}`).join(' AND ')})`)
            .join(' OR ');
        const cte = `WITH RECURSIVE ${closure} AS (
      SELECT ${columns.map((c) => `${r}.${c}`).join(', ')} FROM ${qualified(t)} ${r} WHERE ${sharedTerms(t, r, depth, path)}
      UNION
      SELECT ${columns.map((c) => `${r}.${c}`).join(', ')} FROM ${qualified(t)} ${r} JOIN ${closure} c ON ${up})`;
        const reached = selfKeys.map((fk) => `(${fk.refColumns.map((c) => `${alias}.${q(c)}`).join(', ')}) IN (${cte} SELECT ${fk.columns.map((c) => `c.${q(c)}`).join(', ')} FROM ${closure} c)`);
        return `(${base} OR ${reached.join(' OR ')})`;
    };
    const sharedTerms = (t, alias, depth, path) => {
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
    /**
     * The shortcuts below rest on the key's join meaning "the same row of `target`, and the same
     * value": not for inheritance children's rows (read with their parent's, which a table's
     * predicate restricts to its own rows), a key to a partition (unique there only, joined with the
     * whole partitioned table), or a nondeterministic collation on either side (`=` of different
     * values: the predicates' comparisons and the joins' would not agree). Review: each of the
     * last two hid a real cross-tenant row.
     */
    const plainJoin = (t, fk, target) => {
        if (t.hasInheritanceChildren || target.hasInheritanceChildren || fk.toPartition === true)
            return false;
        const loose = (x, names) => names.some((n) => x.columns.find((c) => c.name === n)?.nondeterministic === true);
        return !loose(t, fk.columns) && !loose(target, fk.refColumns);
    };
    /** See PlanForeignKey.sameTenant. */
    const carriesTenant = (t, fk, target) => {
        if (kindOf(t) !== 'tenant' || !plainJoin(t, fk, target))
            return false;
        const at = fk.columns.indexOf(opts.tenantKey);
        if (at < 0)
            return false;
        const referenced = kindOf(target) === 'root' ? rootKeyName : kindOf(target) === 'tenant' ? opts.tenantKey : undefined;
        if (referenced === undefined || fk.refColumns[at] !== referenced)
            return false;
        const type = (x, column) => x.columns.find((c) => c.name === column)?.type;
        const own = type(t, opts.tenantKey);
        return own !== undefined && own === type(target, referenced);
    };
    /**
     * See PlanForeignKey.way: `ways` are the dependent table's ways at the top of its predicate;
     * only those to a tenant table or the root are marked.
     */
    const wayOf = (t, ways, fk, target) => {
        if (!ways.some((w) => w.fk === fk) || !plainJoin(t, fk, target))
            return undefined;
        if (kindOf(target) !== 'tenant' && kindOf(target) !== 'root')
            return undefined;
        return ways.length === 1 ? 'only' : 'one-of';
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
        const key = rowKey(t);
        const kind = kindOf(t);
        let where;
        let ownWhere;
        let perRowWhere;
        let alsoUsed;
        let selfClosure;
        if (kind === 'reference')
            where = 'true';
        else if (kind === 'referenced') {
            try {
                sharedJoins = 0;
                topSelfClosure = undefined;
                where = sharedPredicate(t, 't', 0, new Set());
                if (topSelfClosure) {
                    const found = topSelfClosure;
                    selfClosure = {
                        baseWhere: inheritance(t, found.baseWhere),
                        keys: found.keys.map((fk) => ({ columns: fk.columns.map(q), refColumns: fk.refColumns.map(q) })),
                    };
                }
                alsoUsed = alsoUsedPredicate(t);
            }
            catch (e) {
                if (e !== OVER_BUDGET)
                    throw e;
                where = 'false';
                blockers.push(`${display(t)} is reached through more than ${MAX_SHARED_JOINS} foreign-key paths from the tenant's rows: the rows the tenant uses cannot be selected in one predicate. Decide it with table-overrides: ${display(t)}=copy (whole) or =skip.`);
            }
        }
        else if (kind === 'dependent') {
            // A dependent table has no global rows (those are a tenant table's); see Shape.
            where = ownPredicate(t, 't', 0, 'set');
            const perRow = ownPredicate(t, 't', 0, 'row');
            if (perRow !== where)
                perRowWhere = perRow;
        }
        else {
            ownWhere = ownPredicate(t, 't', 0);
            const global = globalBranch(t, 't', 0);
            where = global ? `(${ownWhere} OR (${global}))` : ownWhere;
            if (!global)
                ownWhere = undefined;
        }
        // After the predicate: a dependent table's ways are those its predicate was built with.
        const mode = modeOf.get(tableKey(t));
        const ways = kind === 'dependent' && mode ? waysOf(t, new Set(), mode) : [];
        const foreignKeys = edgesOf(t)
            .filter(({ target }) => isOwned(target))
            .map(({ fk, target }) => {
            const way = wayOf(t, ways, fk, target);
            return {
                name: fk.name,
                columns: fk.columns.map(q),
                references: qualified(target),
                refColumns: fk.refColumns.map(q),
                onDelete: fk.onDelete,
                ...(carriesTenant(t, fk, target) ? { sameTenant: true } : {}),
                ...(way ? { way } : {}),
            };
        });
        plans.set(tableKey(t), {
            schema: t.schema,
            name: t.name,
            qualified: qualified(t),
            kind,
            columns: copied.map((c) => q(c.name)),
            keyColumns: key.map(q),
            where: inheritance(t, where),
            ...(ownWhere !== undefined ? { ownWhere: inheritance(t, ownWhere) } : {}),
            ...(perRowWhere !== undefined ? { perRowWhere: inheritance(t, perRowWhere) } : {}),
            ...(alsoUsed !== undefined ? { alsoUsedWhere: alsoUsed } : {}),
            ...(selfClosure !== undefined ? { selfClosure } : {}),
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
            .join('; ')}. In the tenant's database they are a copy as of the switch; cleanup keeps them in the shared database (cleanup-referenced-rows: remove-unused removes those no remaining row references).`);
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
        const parsed = (0,_tenant_key__WEBPACK_IMPORTED_MODULE_3__/* .parseTableName */ .HC)(name);
        // Unquoted names fold to lower case, as in SQL; the schema defaults to public.
        const schema = parsed.schema === null ? 'public' : parsed.quoted[0] ? parsed.schema : parsed.schema.toLowerCase();
        const bare = parsed.quoted[parsed.quoted.length - 1] ? parsed.name : parsed.name.toLowerCase();
        const t = graph.tables.find((x) => x.schema === schema && x.name === bare);
        if (!t) {
            const near = graph.tables.filter((x) => x.name.toLowerCase() === bare.toLowerCase()).map(display);
            throw new _errors__WEBPACK_IMPORTED_MODULE_2__/* .InputError */ .dz(`table-overrides names ${name}, which is not a table of the shared database${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}.`, 'Name each table as schema.table (the schema defaults to public), e.g. public.audit_versions=skip,public.countries=copy.');
        }
        if (topOf(t) !== t) {
            throw new _errors__WEBPACK_IMPORTED_MODULE_2__/* .InputError */ .dz(`table-overrides names ${display(t)}, a partition of ${display(topOf(t))}: partitions are copied through their partitioned table.`, `Override ${display(topOf(t))} instead.`);
        }
        const kind = ownKind(t);
        if (kind) {
            throw new _errors__WEBPACK_IMPORTED_MODULE_2__/* .InputError */ .dz(`table-overrides names ${display(t)}, which holds the tenant's own rows (${kind} table): only tables without the tenant key can be overridden.`, `Remove ${display(t)} from table-overrides; its rows are selected by the tenant key.`);
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

/***/ 39607:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   HB: () => (/* binding */ restoreTriggerSql),
/* harmony export */   Lv: () => (/* binding */ assertAccess),
/* harmony export */   Ly: () => (/* binding */ assertCanCreate),
/* harmony export */   NS: () => (/* binding */ triggerRefusal),
/* harmony export */   QM: () => (/* binding */ readCleanupTriggers),
/* harmony export */   fG: () => (/* binding */ describeTriggerPlan),
/* harmony export */   fP: () => (/* binding */ readRole),
/* harmony export */   gb: () => (/* binding */ describeTrigger),
/* harmony export */   hR: () => (/* binding */ planTriggers),
/* harmony export */   lp: () => (/* binding */ disableTriggerSql)
/* harmony export */ });
/* unused harmony export promotionPolicy */
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83916);


/**
 * What the connecting role may do in the shared database, read from the catalog before anything
 * is created. Managed PostgreSQL (Cloud SQL, RDS, Azure) gives the administrative role
 * `LOGIN CREATEDB CREATEROLE` but no superuser: table privileges, row-level security and
 * triggers then decide whether a promotion can read, delete and update what it must. Every
 * refusal here names the missing privilege, why the run needs it and the statement a DBA runs;
 * the tool never grants itself anything.
 */
const qi = pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier;
const display = (t) => `${t.schema}.${t.name}`;
const quoted = (t) => `${qi(t.schema)}.${qi(t.name)}`;
async function readRole(client) {
    const { rows } = await client.query(`SELECT current_user AS name, r.rolsuper, r.rolbypassrls, r.rolcreatedb, r.rolcreaterole,
            current_setting('server_version_num')::int AS version
       FROM pg_roles r WHERE r.rolname = current_user`);
    const r = rows[0];
    let replicaMode = r.rolsuper;
    if (!replicaMode && r.version >= 150000) {
        // GRANT SET ON PARAMETER exists from PostgreSQL 15 on; only a superuser can grant it.
        const granted = await client.query(`SELECT has_parameter_privilege('session_replication_role', 'SET') AS ok`);
        replicaMode = granted.rows[0]?.ok === true;
    }
    return {
        name: r.name,
        superuser: r.rolsuper,
        bypassRls: r.rolbypassrls,
        createDb: r.rolcreatedb,
        createRole: r.rolcreaterole,
        replicaMode,
        serverVersion: r.version,
    };
}
/** The role can create the tenant's database and roles. */
function assertCanCreate(role, frontEnd) {
    if (role.superuser || (role.createDb && role.createRole))
        return;
    const missing = [!role.createDb && 'CREATEDB', !role.createRole && 'CREATEROLE'].filter(Boolean);
    throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('permission-denied', `Role "${role.name}" lacks ${missing.join(' and ')}; a promotion creates the tenant's database and roles.`, `Grant it (ALTER ROLE ${qi(role.name)} CREATEDB CREATEROLE;), or set ${(0,_errors__WEBPACK_IMPORTED_MODULE_1__/* .settingName */ .QX)('database-url', frontEnd)} to a role that has both.`);
}
const POLICY_CMD = { SELECT: 'r', UPDATE: 'w', DELETE: 'd' };
const isTrue = (e) => e !== null && /^\(*\s*true\s*\)*$/i.test(e.trim());
/** What one policy does to a command of the role: lets it see every row, hides some, or neither. */
function policyEffect(p, command) {
    if (p.cmd !== '*' && p.cmd !== POLICY_CMD[command])
        return 'none';
    // UPDATE also checks the new row: WITH CHECK, or USING when there is none.
    const checkOk = command !== 'UPDATE' || p.check === null || isTrue(p.check);
    if (p.permissive)
        return isTrue(p.qual) && checkOk ? 'all' : 'none';
    return (p.qual !== null && !isTrue(p.qual)) || !checkOk ? 'hides' : 'none';
}
/** Row-level security applies to this role on this table (the rules of check_enable_rls). */
function rlsApplies(role, t) {
    if (!t.rls || role.superuser || role.bypassRls)
        return false;
    return !t.owner || t.forceRls;
}
/** Statement that lets the role see and change every row despite row-level security. */
function promotionPolicy(t, role) {
    return `CREATE POLICY tenant_promotion_all ON ${quoted(t)} TO ${qi(role)} USING (true) WITH CHECK (true);`;
}
/**
 * Refuses, naming every gap at once, when the role lacks a table privilege it needs, USAGE on a
 * table's schema, or when row-level security would hide rows of a table from it (RLS enabled,
 * the role not the owner or FORCE set, no BYPASSRLS, and no permissive policy that lets it
 * reach every row — or a restrictive one that hides some). A run that went on would fail half-way
 * with a raw error, or copy (and delete) fewer rows than the tenant has.
 */
async function assertAccess(client, role, needs, opts) {
    if (needs.length === 0)
        return;
    const { rows } = await client.query(`SELECT n.schema, n.name, n.command, c.oid IS NOT NULL AS found,
            COALESCE(has_schema_privilege(c.relnamespace, 'USAGE'), false) AS "schemaUsage",
            COALESCE(has_table_privilege(c.oid, n.command), false) AS granted,
            COALESCE(c.relrowsecurity, false) AS rls,
            COALESCE(c.relforcerowsecurity, false) AS "forceRls",
            COALESCE(pg_has_role(c.relowner, 'USAGE'), false) AS owner,
            c.oid::text AS oid
       FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS n(schema, name, command, i)
       LEFT JOIN pg_namespace ns ON ns.nspname = n.schema
       LEFT JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = n.name
      ORDER BY n.i`, [needs.map((n) => n.schema), needs.map((n) => n.name), needs.map((n) => n.command)]);
    const rlsTables = rows.filter((t) => t.found && rlsApplies(role, t));
    const policies = new Map();
    if (rlsTables.length > 0) {
        const res = await client.query(`SELECT p.polrelid::text AS oid, p.polname AS name, p.polcmd::text AS cmd, p.polpermissive AS permissive,
              pg_get_expr(p.polqual, p.polrelid) AS qual, pg_get_expr(p.polwithcheck, p.polrelid) AS check
         FROM pg_policy p
        WHERE p.polrelid = ANY($1::oid[])
          AND (0::oid = ANY (p.polroles) OR EXISTS (SELECT 1 FROM unnest(p.polroles) r WHERE pg_has_role(r, 'USAGE')))
        ORDER BY p.polname`, [[...new Set(rlsTables.map((t) => t.oid))]]);
        for (const p of res.rows)
            policies.set(p.oid, [...(policies.get(p.oid) ?? []), p]);
    }
    const problems = [];
    const grants = new Map();
    const schemas = new Set();
    const hidden = new Map();
    let onlyCleanup = true;
    for (const [i, t] of rows.entries()) {
        const need = needs[i];
        // The catalog listed it a moment ago; the plan step reports a table that vanished since.
        if (!t.found)
            continue;
        let lacking = false;
        if (!t.schemaUsage) {
            lacking = true;
            if (!schemas.has(t.schema))
                problems.push(`USAGE on schema ${t.schema} (its tables hold tenant rows)`);
            schemas.add(t.schema);
        }
        if (!t.granted) {
            lacking = true;
            const key = `${need.command}\u0000${need.why}`;
            const entry = grants.get(key) ?? { command: need.command, tables: [], why: need.why };
            if (!entry.tables.includes(quoted(t)))
                entry.tables.push(quoted(t));
            grants.set(key, entry);
        }
        if (rlsApplies(role, t)) {
            const effects = (policies.get(t.oid) ?? []).map((p) => ({ p, effect: policyEffect(p, need.command) }));
            const restrictive = effects.filter((e) => e.effect === 'hides').map((e) => e.p.name);
            if (!effects.some((e) => e.effect === 'all') || restrictive.length > 0) {
                lacking = true;
                const entry = hidden.get(quoted(t)) ?? { t, commands: [], restrictive: new Set() };
                if (!entry.commands.includes(need.command))
                    entry.commands.push(need.command);
                for (const r of restrictive)
                    entry.restrictive.add(r);
                hidden.set(quoted(t), entry);
            }
        }
        if (lacking && !need.cleanup)
            onlyCleanup = false;
    }
    for (const { command, tables, why } of grants.values()) {
        problems.push(`${command} on ${tables.map(unquoteQualified).join(', ')} (${why})`);
    }
    const rlsFixes = [];
    for (const { t, commands, restrictive } of hidden.values()) {
        const names = [...restrictive].map((r) => `"${r}"`).join(', ');
        const whose = t.owner
            ? 'the role owns it, but FORCE ROW LEVEL SECURITY applies it to the owner too'
            : 'the role is not its owner';
        problems.push(`row-level security on ${display(t)} would hide rows from its ${commands.join(', ')} (${restrictive.size ? `restrictive policy ${names} applies to it` : 'no policy lets it reach every row'}; ${whose}, and it has no BYPASSRLS): the run would copy or delete fewer rows than the tenant has, or fail`);
        rlsFixes.push(promotionPolicy(t, role.name));
        if (restrictive.size) {
            rlsFixes.push(`and limit ${names} to the application's roles (ALTER POLICY ${qi([...restrictive][0])} ON ${quoted(t)} TO <application roles>;)`);
        }
    }
    if (problems.length === 0)
        return;
    const statements = [
        ...[...schemas].map((s) => `GRANT USAGE ON SCHEMA ${qi(s)} TO ${qi(role.name)};`),
        ...[...grants.values()].map((g) => `GRANT ${g.command} ON ${g.tables.join(', ')} TO ${qi(role.name)};`),
        ...rlsFixes,
    ];
    const alternatives = [
        hidden.size > 0 &&
            `instead of the policies, ALTER ROLE ${qi(role.name)} BYPASSRLS; where the service allows it`,
        onlyCleanup &&
            `or keep the tenant's rows in the shared database (${(0,_errors__WEBPACK_IMPORTED_MODULE_1__/* .settingName */ .QX)('keep-shared-data', opts.frontEnd)}) and delete them later`,
    ].filter(Boolean);
    throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('permission-denied', `Role "${role.name}" lacks what ${opts.what} needs in the shared database; ${opts.outcome}: ${problems.map((p, i) => `(${i + 1}) ${p}`).join('; ')}.`, `The promotion never grants itself privileges. Have the tables' owner or an administrator run: ${statements.join(' ')}${alternatives.length ? ` — ${alternatives.join('; ')}.` : ''}`);
}
/** `"a"."b"` → `a.b`, for messages. */
function unquoteQualified(q) {
    return q
        .split(/(?<=")\.(?=")/)
        .map((p) => p.slice(1, -1).replace(/""/g, '"'))
        .join('.');
}
/**
 * User triggers that a `DELETE FROM <table>` of each given table fires: every trigger on DELETE
 * of the table itself, and row triggers of its partitions and inheritance children (whose rows
 * the DELETE reaches). Internal triggers (foreign keys) are left out.
 */
async function readCleanupTriggers(client, tables) {
    if (tables.length === 0)
        return [];
    const { rows } = await client.query(`WITH RECURSIVE planned AS (
       SELECT c.oid AS relid, true AS top
         FROM unnest($1::text[], $2::text[]) AS p(schema, name)
         JOIN pg_namespace ns ON ns.nspname = p.schema
         JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = p.name
     ), tree AS (
       SELECT relid, top FROM planned
       UNION
       SELECT i.inhrelid, false FROM tree t JOIN pg_inherits i ON i.inhparent = t.relid
     )
     SELECT DISTINCT ON (tg.oid)
            ns.nspname AS schema, c.relname AS table, tg.tgname AS name,
            tg.tgfoid::regprocedure::text AS function, tg.tgtype::int AS tgtype,
            tg.tgenabled::text AS enabled,
            pg_has_role(c.relowner, 'USAGE') AS owned, pg_get_userbyid(c.relowner) AS owner,
            l.lanname AS language, p.prosrc AS source
       FROM tree t
       JOIN pg_trigger tg ON tg.tgrelid = t.relid
       JOIN pg_class c ON c.oid = tg.tgrelid
       JOIN pg_namespace ns ON ns.oid = c.relnamespace
       JOIN pg_proc p ON p.oid = tg.tgfoid
       JOIN pg_language l ON l.oid = p.prolang
      WHERE NOT tg.tgisinternal
        AND (tg.tgtype::int & 8) <> 0
        AND (t.top OR (tg.tgtype::int & 1) <> 0)
      ORDER BY tg.oid, t.top DESC`, [tables.map((t) => t.schema), tables.map((t) => t.name)]);
    return rows
        .map((r) => ({
        schema: r.schema,
        table: r.table,
        name: r.name,
        function: r.function,
        timing: (r.tgtype & 2 ? 'BEFORE' : r.tgtype & 64 ? 'INSTEAD OF' : 'AFTER'),
        level: (r.tgtype & 1 ? 'ROW' : 'STATEMENT'),
        enabled: r.enabled,
        owned: r.owned,
        owner: r.owner,
        writes: writesOf(r.language, r.source),
    }))
        .sort((a, b) => (`${a.schema}.${a.table}.${a.name}` < `${b.schema}.${b.table}.${b.name}` ? -1 : 1));
}
/** A guess from the function's source: SQL and PL/pgSQL bodies are read; other languages are unknown. */
function writesOf(language, source) {
    if (!source || (language !== 'plpgsql' && language !== 'sql'))
        return 'unknown';
    const body = source.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
    if (/\b(insert\s+into|update\s+[\w".]+\s+(\w+\s+)?set|delete\s+from|merge\s+into|truncate|copy)\b/i.test(body))
        return 'yes';
    // Dynamic SQL, or a call to another function, may write.
    if (/\b(execute|perform|select|call)\b/i.test(body))
        return 'unknown';
    return 'no';
}
function describeTrigger(t) {
    const enabled = t.enabled === 'A' ? ', ENABLE ALWAYS' : t.enabled === 'R' ? ', ENABLE REPLICA' : '';
    return `${t.schema}.${t.table}: trigger ${t.name} (${t.timing} DELETE FOR EACH ${t.level}${enabled}, function ${t.function}, writes: ${t.writes})`;
}
const firesIn = (t, mode) => t.enabled === 'A' || t.enabled === (mode === 'origin' ? 'O' : 'R');
/**
 * Replica mode where the role may use it (no lock on anyone), disabling what still fires where
 * it owns the table; otherwise disabling every trigger that fires (which needs ownership, and
 * locks the table against every tenant's writes until the cleanup commits); otherwise blocked.
 */
function planTriggers(role, triggers) {
    const fired = triggers.filter((t) => firesIn(t, 'origin'));
    if (fired.length === 0)
        return { fired, replica: false, disable: [], blocking: [] };
    if (role.replicaMode) {
        const still = triggers.filter((t) => firesIn(t, 'replica'));
        if (still.every((t) => t.owned))
            return { fired, replica: true, disable: still, blocking: [] };
    }
    const blocking = fired.filter((t) => !t.owned);
    return { fired, replica: false, disable: blocking.length ? [] : fired, blocking };
}
/** One line on what cleanup will do about the triggers it would fire (for the plan's notes). */
function describeTriggerPlan(plan) {
    if (plan.fired.length === 0)
        return undefined;
    const list = plan.fired.map(describeTrigger).join('; ');
    if (plan.blocking.length > 0)
        return `Cleanup would fire ${plan.fired.length} trigger(s) it cannot avoid: ${list}.`;
    const how = plan.replica
        ? `cleanup runs its DELETEs in replica mode (session_replication_role = replica), so they do not fire${plan.disable.length ? `, and disables ${plan.disable.map((t) => t.name).join(', ')} (ENABLE ALWAYS/REPLICA) for its own transaction` : ''}`
        : 'cleanup disables them for its own transaction (ALTER TABLE … DISABLE TRIGGER, which blocks writes of every tenant to those tables until it commits; it waits at most max-freeze for the lock)';
    return `Cleanup's DELETEs would fire ${plan.fired.length} trigger(s): ${list}; ${how}.`;
}
/** The refusal for triggers cleanup cannot avoid firing: names each, and the remedies. */
function triggerRefusal(role, plan, opts) {
    const owners = [...new Set(plan.blocking.map((t) => t.owner))];
    const replicaHelps = plan.blocking.every((t) => t.enabled !== 'A');
    const remedies = [
        `run as the tables' owner (${(0,_errors__WEBPACK_IMPORTED_MODULE_1__/* .settingName */ .QX)('database-url', opts.frontEnd)} with role ${owners.map((o) => `"${o}"`).join(', ')}, or a role that is a member of it: GRANT ${owners.map(qi).join(', ')} TO ${qi(role.name)};), so cleanup can disable them for its own transaction`,
        replicaHelps &&
            (role.serverVersion >= 150000
                ? `let the role run cleanup in replica mode, where they do not fire: GRANT SET ON PARAMETER session_replication_role TO ${qi(role.name)}; (run by a superuser)`
                : 'run as a superuser, whose cleanup uses replica mode (session_replication_role = replica), where they do not fire'),
        `or keep the tenant's rows in the shared database (${(0,_errors__WEBPACK_IMPORTED_MODULE_1__/* .settingName */ .QX)('keep-shared-data', opts.frontEnd)}) and delete them later with the triggers disabled`,
    ].filter(Boolean);
    return new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('permission-denied', `Cleanup would fire ${plan.blocking.length === 1 ? 'a trigger' : `${plan.blocking.length} triggers`} on tables role "${role.name}" does not own, and it may not use replica mode, so the move would act as application writes (audit rows, new rows of the tenant left behind); ${opts.before}: ${plan.blocking.map(describeTrigger).join('; ')}.`, `Either ${remedies.join('; ')}.`);
}
const ENABLE = {
    O: 'ENABLE TRIGGER',
    A: 'ENABLE ALWAYS TRIGGER',
    R: 'ENABLE REPLICA TRIGGER',
    D: 'DISABLE TRIGGER',
};
/** `ALTER TABLE ONLY … DISABLE TRIGGER` (ONLY: a partition's own state is left as it is). */
function disableTriggerSql(t) {
    return `ALTER TABLE ONLY ${quoted({ schema: t.schema, name: t.table })} DISABLE TRIGGER ${qi(t.name)}`;
}
/** Puts the trigger back in the state it was read in. */
function restoreTriggerSql(t) {
    return `ALTER TABLE ONLY ${quoted({ schema: t.schema, name: t.table })} ${ENABLE[t.enabled]} ${qi(t.name)}`;
}


/***/ }),

/***/ 55502:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   KF: () => (/* binding */ roleComment),
/* harmony export */   U7: () => (/* binding */ markerText),
/* harmony export */   Zc: () => (/* binding */ dropTenantRoles),
/* harmony export */   bk: () => (/* binding */ generatePassword),
/* harmony export */   fg: () => (/* binding */ setAppRolePassword),
/* harmony export */   gY: () => (/* binding */ parseMarker),
/* harmony export */   i3: () => (/* binding */ createTenantRoles),
/* harmony export */   qe: () => (/* binding */ fromSource),
/* harmony export */   vK: () => (/* binding */ systemIdentifier)
/* harmony export */ });
/* unused harmony export scramVerifier */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(77598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83849);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(83916);
/* harmony import */ var _sql__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(75259);




const qi = pg__WEBPACK_IMPORTED_MODULE_1__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier;
/** A random password: 32 bytes, base64url (no characters that need quoting in URLs or env files). */
function generatePassword() {
    return (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomBytes)(32).toString('base64url');
}
/**
 * The SCRAM-SHA-256 verifier of a password, as PostgreSQL stores it. Sending the verifier
 * instead of the password keeps the password out of the server's statement log.
 */
function scramVerifier(password, salt = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomBytes)(16), iterations = 4096) {
    const salted = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.pbkdf2Sync)(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
    const clientKey = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHmac)('sha256', salted).update('Client Key').digest();
    const storedKey = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(clientKey).digest();
    const serverKey = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHmac)('sha256', salted).update('Server Key').digest();
    return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
/**
 * Whether `marker` was written for this tenant of this shared database: the same slug and
 * database name, and the same server when both know it (a marker written before servers were
 * recorded, or where the identifier is unreadable, is judged by the database name, as before).
 */
function fromSource(marker, source) {
    if (marker?.slug !== source.slug || marker.sourceDatabase !== source.sourceDatabase)
        return false;
    return !marker.sourceServer || !source.sourceServer || marker.sourceServer === source.sourceServer;
}
/** The server's system identifier, or undefined where this role may not read it (managed services). */
async function systemIdentifier(client) {
    const { rows } = await client.query(`SELECT CASE WHEN has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')
                 THEN (SELECT system_identifier::text FROM pg_catalog.pg_control_system()) END AS id`);
    return rows[0]?.id ?? undefined;
}
function markerText(marker) {
    return JSON.stringify({ tool: 'tenant-promotion', ...marker, createdAt: new Date().toISOString() });
}
function parseMarker(comment) {
    if (!comment)
        return undefined;
    try {
        const m = JSON.parse(comment);
        return m.tool === 'tenant-promotion' && typeof m.slug === 'string' ? m : undefined;
    }
    catch {
        return undefined;
    }
}
async function roleComment(client, role) {
    const { rows } = await client.query(`SELECT shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = $1`, [role]);
    if (rows.length === 0)
        return { exists: false };
    return { exists: true, marker: parseMarker(rows[0].comment) };
}
/** Creates the NOLOGIN owner and the LOGIN application role (with the password's verifier). */
async function createTenantRoles(client, roles, password, marker) {
    // One transaction: a run killed half-way must never leave a role without its marker, which
    // every later run would refuse to touch.
    await client.query('BEGIN');
    try {
        await createRolesInTransaction(client, roles, password, marker);
        await client.query('COMMIT');
    }
    catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
    }
}
async function createRolesInTransaction(client, roles, password, marker) {
    await client.query(`CREATE ROLE ${qi(roles.owner)} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS`);
    await (0,_sql__WEBPACK_IMPORTED_MODULE_3__/* .commentOn */ .Jt)(client, 'ROLE', roles.owner, markerText({ ...marker, purpose: 'owner' }));
    await client.query(`CREATE ROLE ${qi(roles.app)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT PASSWORD ${pg__WEBPACK_IMPORTED_MODULE_1__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(scramVerifier(password))}`);
    await (0,_sql__WEBPACK_IMPORTED_MODULE_3__/* .commentOn */ .Jt)(client, 'ROLE', roles.app, markerText({ ...marker, purpose: 'app' }));
    // A non-superuser creator must be a member of the owner role to hand objects to it.
    const { rows } = await client.query('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
    if (!rows[0]?.rolsuper)
        await client.query(`GRANT ${qi(roles.owner)} TO CURRENT_USER`);
}
/** Drops roles this tool made for this tenant; refuses to drop a role it did not make. */
async function dropTenantRoles(client, roles, slug, 
/** Role names are cluster-wide: another shared database's tenant of the same slug is not ours. */
sourceDatabase) {
    const dropped = [];
    for (const role of [roles.app, roles.owner]) {
        const { exists, marker } = await roleComment(client, role);
        if (!exists)
            continue;
        if (marker?.slug !== slug || (sourceDatabase !== undefined && marker.sourceDatabase !== sourceDatabase)) {
            throw new _errors__WEBPACK_IMPORTED_MODULE_2__/* .PromotionError */ .g1('tenant-state', `Role "${role}" exists but was not created by this tool for tenant "${slug}"; it was left alone.`, 'Rename or drop that role by hand if it is not in use.');
        }
        await client.query(`DROP ROLE IF EXISTS ${qi(role)}`);
        dropped.push(role);
    }
    return dropped;
}
/**
 * Changes the password of the tenant's application role (a rotation), sent as a SCRAM verifier
 * like at creation, so the password never reaches the server's statement log. Only a LOGIN role
 * this tool made for this tenant is touched (its marker). Transactional: run it inside the
 * caller's transaction, with the proof of ownership, so the change commits with its record.
 */
async function setAppRolePassword(client, role, password, expected) {
    const { exists, marker } = await roleComment(client, role);
    if (!exists) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_2__/* .PromotionError */ .g1('tenant-state', `The tenant's application role "${role}" does not exist; its password cannot be rotated.`, 'Check the tenant with `tenant-isolation status`; restore the role, or roll the tenant back.');
    }
    if (marker?.slug !== expected.slug ||
        marker.purpose !== 'app' ||
        (expected.sourceDatabase !== undefined && marker.sourceDatabase !== expected.sourceDatabase)) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_2__/* .PromotionError */ .g1('tenant-state', `Role "${role}" was not created by this tool as the application role of tenant "${expected.slug}"; its password was left alone.`, 'Inspect the role; set its password by hand if it is the tenant’s.');
    }
    await client.query(`ALTER ROLE ${qi(role)} PASSWORD ${pg__WEBPACK_IMPORTED_MODULE_1__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(scramVerifier(password))}`);
}


/***/ }),

/***/ 31686:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  M2: () => (/* binding */ describeLayout),
  YI: () => (/* binding */ inverseSchemaMap),
  uO: () => (/* binding */ mapCatalog),
  or: () => (/* binding */ mapScriptStatements),
  _R: () => (/* binding */ mapStatement),
  L: () => (/* binding */ parseSearchPath),
  td: () => (/* binding */ planSchemaLayout),
  lH: () => (/* binding */ quoteLikePostgres),
  eQ: () => (/* binding */ schemaMap),
  fE: () => (/* binding */ schemaRefusals),
  yc: () => (/* binding */ schemaRoleStatements),
  pP: () => (/* binding */ unmappedNames)
});

// UNUSED EXPORTS: definedNames, qualifiedOperators

// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(83849);
// EXTERNAL MODULE: ./src/postgres/tool-schemas.ts
var tool_schemas = __webpack_require__(24024);
;// CONCATENATED MODULE: ./src/postgres/sql-tokens.ts
const IDENT_START = /[A-Za-z_\u0080-\uffff]/u;
const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/u;
function tokenize(sql) {
    const out = [];
    let i = 0;
    const n = sql.length;
    while (i < n) {
        const c = sql[i];
        const start = i;
        if (/\s/.test(c)) {
            while (i < n && /\s/.test(sql[i]))
                i++;
            out.push({ kind: 'space', text: sql.slice(start, i) });
        }
        else if (c === '-' && sql[i + 1] === '-') {
            while (i < n && sql[i] !== '\n')
                i++;
            out.push({ kind: 'space', text: sql.slice(start, i) });
        }
        else if (c === '/' && sql[i + 1] === '*') {
            // Block comments nest in PostgreSQL.
            let depth = 0;
            while (i < n) {
                if (sql[i] === '/' && sql[i + 1] === '*') {
                    depth++;
                    i += 2;
                }
                else if (sql[i] === '*' && sql[i + 1] === '/') {
                    depth--;
                    i += 2;
                    if (depth === 0)
                        break;
                }
                else
                    i++;
            }
            out.push({ kind: 'space', text: sql.slice(start, i) });
        }
        else if (c === "'" || ((c === 'E' || c === 'e') && sql[i + 1] === "'")) {
            const escapes = c !== "'";
            i += escapes ? 2 : 1;
            let value = '';
            while (i < n) {
                const d = sql[i];
                if (escapes && d === '\\') {
                    value += sql[i + 1] ?? '';
                    i += 2;
                }
                else if (d === "'" && sql[i + 1] === "'") {
                    value += "'";
                    i += 2;
                }
                else if (d === "'") {
                    i++;
                    break;
                }
                else {
                    value += d;
                    i++;
                }
            }
            out.push({ kind: 'string', text: sql.slice(start, i), value });
        }
        else if (c === '"') {
            i++;
            let name = '';
            while (i < n) {
                if (sql[i] === '"' && sql[i + 1] === '"') {
                    name += '"';
                    i += 2;
                }
                else if (sql[i] === '"') {
                    i++;
                    break;
                }
                else
                    name += sql[i++];
            }
            out.push({ kind: 'ident', text: sql.slice(start, i), name });
        }
        else if (c === '$' && /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(sql.slice(i))) {
            const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))[0];
            const end = sql.indexOf(tag, i + tag.length);
            const stop = end < 0 ? n : end + tag.length;
            out.push({
                kind: 'dollar',
                text: sql.slice(start, stop),
                body: sql.slice(i + tag.length, end < 0 ? n : end),
            });
            i = stop;
        }
        else if (IDENT_START.test(c)) {
            while (i < n && IDENT_PART.test(sql[i]))
                i++;
            const text = sql.slice(start, i);
            out.push({ kind: 'ident', text, name: text.toLowerCase() });
        }
        else if (/[0-9]/.test(c)) {
            while (i < n && /[0-9A-Za-z_.]/.test(sql[i]))
                i++;
            out.push({ kind: 'other', text: sql.slice(start, i) });
        }
        else {
            out.push({ kind: 'other', text: c });
            i++;
        }
    }
    return out;
}
/** `schema.name` pairs named in `sql` outside literals and bodies (the first two parts of a longer chain). */
function qualifiedNames(tokens) {
    const out = [];
    for (let k = 0; k + 2 < tokens.length; k++) {
        const a = tokens[k];
        const dot = tokens[k + 1];
        const b = tokens[k + 2];
        if (a.kind !== 'ident' || dot.text !== '.' || b.kind !== 'ident')
            continue;
        // `x.schema.name` is a column of a table, not a schema-qualified name.
        if (k > 0 && tokens[k - 1].text === '.')
            continue;
        out.push({ schema: a.name, name: b.name, at: k });
    }
    return out;
}
/** Parses a qualified name written as a literal (`'public.orders_id_seq'::regclass`). */
function parseQualifiedLiteral(value) {
    const parts = tokenize(value).filter((t) => t.kind !== 'space');
    if (parts.length !== 3 || parts[1].text !== '.')
        return null;
    const [a, , b] = parts;
    if (a.kind !== 'ident' || b.kind !== 'ident')
        return null;
    return { schema: a.name, name: b.name };
}
const wordSet = (words) => new Set(words.split(/\s+/).filter(Boolean));
/** Words after a FROM item that are not its alias (clause and join keywords). */
const NOT_ALIAS = wordSet(`
  where join inner left right full outer cross natural on using group having order limit
  offset fetch union intersect except window for returning set tablesample with lateral do
  values select default overriding into from as and or not is in when then else end only of
  to by nowait skip cascade restrict`);
/** Keywords that end a FROM clause at its level. */
const ENDS_FROM = wordSet(`
  where group having order limit offset fetch union intersect except window returning select
  set for values`);
/**
 * What a statement's FROM clauses declare: the range variables (aliases, and the bare name of an
 * unaliased table or function) — the names a column reference `alias.column` starts with — and
 * the token indices where a FROM item (a relation) starts. A light scan, not a parser: it reads
 * FROM / JOIN / UPDATE / INTO / USING items and comma-separated FROM lists of SELECT-like levels
 * (a FROM inside a function call's parentheses — `extract(epoch FROM t.at)` — or after DISTINCT
 * is no clause), CTE names (`name AS (`), and OLD/NEW of triggers and rules.
 */
function rangeVariables(tokens) {
    const idx = [];
    tokens.forEach((t, i) => {
        if (t.kind !== 'space')
            idx.push(i);
    });
    const at = (j) => (j >= 0 ? tokens[idx[j]] : undefined);
    const kw = (j, ...words) => {
        const t = at(j);
        return t?.kind === 'ident' && !t.text.startsWith('"') && words.includes(t.name);
    };
    const closing = (j) => {
        let depth = 0;
        for (let k = j; k < idx.length; k++) {
            if (at(k).text === '(')
                depth++;
            else if (at(k).text === ')' && --depth === 0)
                return k;
        }
        return idx.length;
    };
    const declared = new Set();
    const relationAt = new Set();
    /** The alias at `j` (after WITH ORDINALITY, AS), if any: declared. */
    const aliasAt = (j) => {
        if (kw(j, 'with') && kw(j + 1, 'ordinality'))
            j += 2;
        if (kw(j, 'as'))
            j++;
        const t = at(j);
        if (t?.kind !== 'ident' || (!t.text.startsWith('"') && NOT_ALIAS.has(t.name)) || at(j + 1)?.text === '.')
            return false;
        declared.add(t.name);
        return true;
    };
    const item = (j) => {
        while (kw(j, 'lateral', 'only'))
            j++;
        const t = at(j);
        if (!t)
            return;
        if (t.text === '(') {
            aliasAt(closing(j) + 1);
            return;
        }
        if (t.kind !== 'ident' || (!t.text.startsWith('"') && NOT_ALIAS.has(t.name)))
            return;
        relationAt.add(idx[j]);
        let k = j;
        while (at(k + 1)?.text === '.' && at(k + 2)?.kind === 'ident')
            k += 2;
        const end = at(k + 1)?.text === '(' ? closing(k + 1) + 1 : at(k + 1)?.text === '*' ? k + 2 : k + 1;
        const last = at(k);
        if (!aliasAt(end) && last.kind === 'ident')
            declared.add(last.name);
    };
    // GRANT … ON x FROM role, REVOKE … FROM PUBLIC: no range variables (PUBLIC is no alias).
    if (kw(0, 'grant', 'revoke'))
        return { declared, relationAt };
    // A level is a query once SELECT (or a statement's DELETE, INSERT, UPDATE) is seen in it: only
    // there does FROM start a FROM clause (not in `FOR VALUES FROM (…)`, `CREATE STATISTICS … FROM`).
    const levels = [{ query: false, inFrom: false }];
    for (let j = 0; j < idx.length; j++) {
        const t = at(j);
        const level = levels[levels.length - 1];
        if (t.text === '(') {
            levels.push({ query: kw(j + 1, 'select', 'with', 'values'), inFrom: false });
            continue;
        }
        if (t.text === ')') {
            if (levels.length > 1)
                levels.pop();
            continue;
        }
        if (t.text === ';')
            Object.assign(level, { query: false, inFrom: false });
        else if (t.text === ',' && level.inFrom)
            item(j + 1);
        if (t.kind !== 'ident')
            continue;
        // A CTE: `name AS (` or `name AS [NOT] MATERIALIZED (`.
        if (kw(j + 1, 'as') && (at(j + 2)?.text === '(' || kw(j + 2, 'materialized', 'not')))
            declared.add(t.name);
        if (t.text.startsWith('"'))
            continue;
        const startsStatement = j === 0 || at(j - 1).text === ';' || at(j - 1).text === ')';
        if (t.name === 'select' || (startsStatement && ['delete', 'insert', 'update'].includes(t.name)))
            level.query = true;
        if (t.name === 'from' && level.query && !kw(j - 1, 'distinct')) {
            level.inFrom = true;
            item(j + 1);
        }
        else if (t.name === 'join')
            item(j + 1);
        else if ((t.name === 'update' || t.name === 'into' || t.name === 'using') && level.query)
            item(j + 1);
        else if (ENDS_FROM.has(t.name))
            level.inFrom = false;
    }
    if (kw(0, 'create') &&
        tokens.some((t) => t.kind === 'ident' && (t.name === 'trigger' || t.name === 'rule'))) {
        declared.add('old');
        declared.add('new');
    }
    if (tokens.some((t) => t.kind === 'ident' && t.name === 'conflict'))
        declared.add('excluded');
    return { declared, relationAt };
}
/**
 * The `schema.name` pairs of `qualifiedNames` that name objects (relations, types, functions),
 * not columns. `a.b` where `a` is a range variable of the statement (rangeVariables, or one of
 * `aliases` — declared around a fragment, like the plan's `t`) is a column reference unless its
 * position says otherwise: a FROM item, a cast (`::a.b`, `AS a.b`), REFERENCES or TABLE before
 * it, a call (`a.b(`) or a longer chain (`a.b.c`, schema.table.column) after it. That is how
 * PostgreSQL reads it: in an expression `a.b` is a column of range variable `a`. Without this, a
 * source schema named like an alias (`t`, holding a table `title`) would turn `t."title"` into
 * `"tenant_x_t"."title"`.
 */
function objectNames(tokens, aliases = []) {
    const { declared, relationAt } = rangeVariables(tokens);
    for (const a of aliases)
        declared.add(a);
    const prev = (k, n) => {
        let j = k - 1;
        for (let seen = 0; j >= 0; j--) {
            if (tokens[j].kind === 'space')
                continue;
            if (++seen === n)
                return tokens[j];
        }
        return undefined;
    };
    const next = (k) => {
        let j = k + 1;
        while (j < tokens.length && tokens[j].kind === 'space')
            j++;
        return tokens[j];
    };
    const isObject = (q) => {
        if (!declared.has(q.schema) || relationAt.has(q.at))
            return true;
        const after = next(q.at + 2)?.text;
        if (after === '(' || after === '.')
            return true;
        const p = prev(q.at, 1);
        if (p?.text === ':' && prev(q.at, 2)?.text === ':')
            return true;
        return (p?.kind === 'ident' &&
            !p.text.startsWith('"') &&
            ['as', 'references', 'table', 'into', 'join', 'only', 'update'].includes(p.name));
    };
    return qualifiedNames(tokens).filter(isObject);
}

;// CONCATENATED MODULE: ./src/postgres/schema-layout.ts



/**
 * Schema-level isolation (issue 21): where each of the tenant's objects goes when the tenant gets
 * a schema of its own instead of a database. Pure: planned from the catalog model, shown in the
 * plan, recorded, and applied to the clone's DDL by `mapCatalog` + `mapStatement`.
 *
 * The mapping rule, deterministic from the slug and the source schema names alone (not from the
 * catalog's contents or order, so a re-run and a rollback map the same way):
 * - the tenant's objects come from one schema → `tenant_<slug>`;
 * - from several: the tenants table's schema (usually `public`) → `tenant_<slug>`, every other
 *   schema `s` → `tenant_<slug>_<s>`.
 * Why not one schema for everything: `public.events` and `analytics.events` would collide, and
 * renaming objects breaks every query that names them. Why the tenants table's schema keeps the
 * short name: it is where the application's unqualified names resolve today (search_path
 * `"$user", public`), so with search_path `tenant_<slug>, tenant_<slug>_<s>…` unqualified queries
 * keep working; only queries that qualify another schema change (`analytics.x` →
 * `tenant_<slug>_analytics.x`), which the routing config lists.
 * A mapped name over 63 bytes, two schemas mapped to one name, or a target schema that already
 * exists and is not this tenant's (another tenant `acme-analytics` owns `tenant_acme_analytics`,
 * which tenant `acme`'s `analytics` would map to) is refused before anything is created, with the
 * objects it would have held.
 */
/** PostgreSQL's identifier limit, in bytes. */
const PG_IDENT_MAX = 63;
/** Schemas never mapped: the system's, and the tool's run schema (its marked shared-database schemas are left out by the catalog reads, tool-schemas.ts). */
const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast']);
const isSystemSchema = (s) => SYSTEM_SCHEMAS.has(s) || (0,tool_schemas/* isToolSchema */.UV)(s);
/**
 * The schemas of a search_path setting, in order, as PostgreSQL reads it: comma-separated,
 * unquoted names folded to lower case, `"…"` kept as written (`""` is a quote). `$user` is kept
 * as written, for the caller to resolve.
 */
function parseSearchPath(setting) {
    const out = [];
    let i = 0;
    const n = setting.length;
    while (i < n) {
        while (i < n && /[\s,]/.test(setting[i]))
            i++;
        if (i >= n)
            break;
        let name = '';
        if (setting[i] === '"') {
            i++;
            while (i < n) {
                if (setting[i] === '"') {
                    if (setting[i + 1] === '"') {
                        name += '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                name += setting[i++];
            }
        }
        else {
            while (i < n && setting[i] !== ',' && !/\s/.test(setting[i]))
                name += setting[i++];
            name = name.toLowerCase();
        }
        out.push(name);
        while (i < n && setting[i] !== ',')
            i++;
    }
    return out;
}
/** The tenant's objects per source schema (`kind schema.name`). */
function objectsBySchema(cat) {
    const by = new Map();
    const add = (schema, what) => {
        if (isSystemSchema(schema))
            return;
        const list = by.get(schema) ?? [];
        list.push(what);
        by.set(schema, list);
    };
    const KIND = {
        r: 'table',
        p: 'table',
        v: 'view',
        m: 'materialized view',
        f: 'foreign table',
    };
    for (const r of cat.relations)
        add(r.schema, `${KIND[r.kind] ?? 'relation'} ${r.schema}.${r.name}`);
    for (const s of cat.sequences)
        if (!s.ownedBy)
            add(s.schema, `sequence ${s.schema}.${s.name}`);
    for (const t of cat.types)
        add(t.schema, `${t.kind === 'domain' ? 'domain' : 'type'} ${t.schema}.${t.name}`);
    for (const f of cat.functions)
        add(f.schema, `${f.kind === 'p' ? 'procedure' : 'function'} ${f.signature}`);
    for (const a of cat.aggregates)
        add(a.schema, `aggregate ${a.signature}`);
    for (const o of cat.operators)
        add(o.schema, `operator ${o.signature}`);
    for (const c of cat.collations)
        add(c.schema, `collation ${c.schema}.${c.name}`);
    for (const d of cat.tsDictionaries)
        add(d.schema, `text search dictionary ${d.schema}.${d.name}`);
    for (const c of cat.tsConfigs)
        add(c.schema, `text search configuration ${c.schema}.${c.name}`);
    for (const list of by.values())
        list.sort();
    return by;
}
const LIST_MAX = 8;
const listed = (items) => items.length <= LIST_MAX
    ? items.join(', ')
    : `${items.slice(0, LIST_MAX).join(', ')} and ${items.length - LIST_MAX} more`;
/** Plans the mapping of the tenant's source schemas onto its own. */
function planSchemaLayout(input) {
    const { base, catalog } = input;
    const by = objectsBySchema(catalog);
    const sources = [...by.keys()].sort();
    const single = sources.length === 1;
    const mappings = sources.map((source) => ({
        source,
        target: single || source === input.primarySchema ? base : `${base}_${source}`,
        objects: by.get(source),
    }));
    const refusals = [];
    if (Buffer.byteLength(base) > PG_IDENT_MAX)
        refusals.push(`schema name ${base} is longer than ${PG_IDENT_MAX} bytes`);
    for (const m of mappings) {
        if (m.target !== base && Buffer.byteLength(m.target) > PG_IDENT_MAX)
            refusals.push(`schema ${m.source} would map to ${m.target}, longer than PostgreSQL's ${PG_IDENT_MAX}-byte limit (it would be cut and could meet another name); it holds ${listed(m.objects)}`);
    }
    const byTarget = new Map();
    for (const m of mappings)
        byTarget.set(m.target, [...(byTarget.get(m.target) ?? []), m]);
    for (const [target, ms] of byTarget) {
        if (ms.length > 1)
            refusals.push(`schemas ${ms.map((m) => m.source).join(' and ')} would all map to ${target}: ${listed(ms.flatMap((m) => m.objects))}`);
        const holder = input.taken?.get(target);
        if (holder !== undefined)
            refusals.push(`schema ${target}, where ${ms.map((m) => m.source).join(', ')} would go, already exists (${holder}); it would have held ${listed(ms.flatMap((m) => m.objects))}`);
    }
    const extensionSchemas = [
        ...new Set(catalog.extensions.map((e) => e.schema ?? 'public').filter((s) => !isSystemSchema(s))),
    ].sort();
    const targets = [...new Set(mappings.map((m) => m.target))].sort((a, b) => a === base ? -1 : b === base ? 1 : a < b ? -1 : 1);
    // The source's order first (review: a database whose search_path put analytics before public
    // resolved `notes` to analytics.notes, the tenant's path to public's), then what it left out.
    const target = new Map(mappings.map((m) => [m.source, m.target]));
    const ordered = [];
    for (const entry of input.sourceSearchPath ?? []) {
        // `$user` and schemas holding none of the tenant's objects resolved nothing of the tenant's
        // (a schema named after the shared application's role is mapped like any other when it does):
        // the tenant's role may not reach them, so they are left out.
        const mapped = target.get(entry) ?? (extensionSchemas.includes(entry) ? entry : undefined);
        if (mapped && !ordered.includes(mapped))
            ordered.push(mapped);
    }
    const searchPath = [...ordered, ...[...targets, ...extensionSchemas].filter((s) => !ordered.includes(s))];
    return { base, mappings, extensionSchemas, searchPath, refusals };
}
/** source schema → target schema. */
function schemaMap(layout) {
    return new Map(layout.mappings.map((m) => [m.source, m.target]));
}
/** Target schema → source schema: the tenant's objects named as the shared database names them. */
function inverseSchemaMap(layout) {
    return new Map(layout.mappings.map((m) => [m.target, m.source]));
}
/** The set of `schema.name` (unquoted) the catalog defines in a mapped schema: the names a mapped reference may name. */
function definedNames(cat) {
    const out = new Set();
    const add = (schema, name) => out.add(`${schema}\u0000${name}`);
    for (const r of cat.relations)
        add(r.schema, r.name);
    for (const s of cat.sequences)
        add(s.schema, s.name);
    for (const t of cat.types)
        add(t.schema, t.name);
    for (const f of cat.functions)
        add(f.schema, f.name);
    for (const a of cat.aggregates)
        add(a.schema, a.name);
    for (const c of cat.collations)
        add(c.schema, c.name);
    for (const d of cat.tsDictionaries)
        add(d.schema, d.name);
    for (const c of cat.tsConfigs)
        add(c.schema, c.name);
    for (const i of cat.indexes)
        add(i.schema, i.name);
    for (const o of cat.operators)
        add(o.schema, o.name);
    for (const x of cat.statistics)
        add(x.schema, x.name);
    // A range's multirange type (and constructor functions) is made with it, under the name recorded.
    for (const t of cat.types) {
        const multi = t.range?.multirange ? parseQualifiedLiteral(t.range.multirange) : null;
        if (multi) {
            add(multi.schema, multi.name);
            add(multi.schema, `_${multi.name}`);
        }
    }
    // Array types of the tenant's types and tables are named `_name` by PostgreSQL.
    for (const t of cat.types)
        add(t.schema, `_${t.name}`);
    for (const r of cat.relations)
        add(r.schema, `_${r.name}`);
    return out;
}
const isDefined = (defined, schema, name) => defined === undefined || defined.has(`${schema}\u0000${name}`);
const nextNonSpace = (tokens, k) => {
    let j = k;
    while (j < tokens.length && tokens[j].kind === 'space')
        j++;
    return j;
};
/**
 * A name as PostgreSQL's quote_ident prints it: bare when it is a plain lowercase identifier
 * (reserved words aside, which schema and table names rarely are), quoted otherwise.
 */
function quoteLikePostgres(name) {
    return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : esm/* default.escapeIdentifier */.Ay.escapeIdentifier(name);
}
/**
 * Rewrites one deparsed statement for the mapped schemas: every `schema.name` (quoted or not,
 * outside literals and bodies, not a column of a range variable: objectNames) that names an object the tenant's catalog defines in a mapped
 * schema gets the target schema; `'schema.name'::regclass` (and the other reg* casts) likewise;
 * a function's `SET search_path TO 'public', …` names the mapped schemas. Names of objects the
 * catalog does not define (extensions' functions and types, pg_catalog) are left as they are.
 */
function mapStatement(sql, map, opts = {}) {
    const { defined, quote = esm/* default.escapeIdentifier */.Ay.escapeIdentifier, aliases } = opts;
    const tokens = tokenize(sql);
    const replace = new Map();
    // Column references (`t."title"`, `t` an alias) are never schema names (objectNames).
    for (const q of objectNames(tokens, aliases)) {
        const target = map.get(q.schema);
        if (target !== undefined && isDefined(defined, q.schema, q.name))
            replace.set(q.at, quote(target));
    }
    for (const q of qualifiedOperators(tokens)) {
        const target = map.get(q.schema);
        if (target !== undefined && isDefined(defined, q.schema, q.name))
            replace.set(q.at, quote(target));
    }
    for (let k = 0; k < tokens.length; k++) {
        const t = tokens[k];
        if (t.kind === 'string' && tokens[k + 1]?.text === ':' && tokens[k + 2]?.text === ':') {
            const cast = tokens[k + 3];
            if (cast?.kind !== 'ident' || !cast.name.startsWith('reg'))
                continue;
            const q = parseQualifiedLiteral(t.value);
            const target = q ? map.get(q.schema) : undefined;
            if (q && target !== undefined && isDefined(defined, q.schema, q.name))
                replace.set(k, esm/* default.escapeLiteral */.Ay.escapeLiteral(`${quote(target)}.${quote(q.name)}`));
        }
        // SET search_path TO 'a', 'b' (pg_get_functiondef's rendering of proconfig).
        if (t.kind === 'ident' && t.name === 'search_path') {
            const before = tokens.slice(0, k).filter((x) => x.kind !== 'space');
            if (before[before.length - 1]?.kind !== 'ident' ||
                before[before.length - 1].text.toLowerCase() !== 'set')
                continue;
            let j = nextNonSpace(tokens, k + 1);
            if (!(tokens[j]?.text.toLowerCase() === 'to' || tokens[j]?.text === '='))
                continue;
            j = nextNonSpace(tokens, j + 1);
            while (tokens[j]?.kind === 'string') {
                const lit = tokens[j];
                const schema = /^"(.*)"$/.exec(lit.value)?.[1]?.replace(/""/g, '"') ?? lit.value;
                const target = map.get(schema);
                if (target !== undefined)
                    replace.set(j, esm/* default.escapeLiteral */.Ay.escapeLiteral(target));
                j = nextNonSpace(tokens, j + 1);
                if (tokens[j]?.text !== ',')
                    break;
                j = nextNonSpace(tokens, j + 1);
            }
        }
    }
    if (replace.size === 0)
        return sql;
    return tokens.map((t, k) => replace.get(k) ?? t.text).join('');
}
const DDL_START = /^\s*(CREATE|ALTER|COMMENT|GRANT|REVOKE|REFRESH|DROP)\b/i;
const OPERATOR_CHARS = new Set([...'+-*/<>=~!@#%^&|`?']);
/** `schema.<operator>` (CREATE OPERATOR public.=== …, OPERATOR(public.===)): schema and operator name. */
function qualifiedOperators(tokens) {
    const out = [];
    for (let k = 0; k + 2 < tokens.length; k++) {
        const a = tokens[k];
        if (a.kind !== 'ident' || tokens[k + 1].text !== '.' || (k > 0 && tokens[k - 1].text === '.'))
            continue;
        let j = k + 2;
        let name = '';
        while (j < tokens.length && tokens[j].kind === 'other' && OPERATOR_CHARS.has(tokens[j].text))
            name += tokens[j++].text;
        if (name)
            out.push({ schema: a.name, name, at: k });
    }
    return out;
}
/**
 * The guard of the mapped clone: qualified names of the tenant's objects still in a source
 * schema after mapping (none expected). Into the shared database, any would create or alter an
 * object in a shared schema, so scriptFor refuses the script instead.
 */
function unmappedNames(statements, cat, layout) {
    const sources = new Set(layout.mappings.map((m) => m.source));
    const defined = definedNames(cat);
    const out = new Set();
    for (const sql of statements) {
        const tokens = tokenize(sql);
        const named = [...objectNames(tokens), ...qualifiedOperators(tokens)].sort((a, b) => a.at - b.at);
        for (const q of named)
            if (sources.has(q.schema) && isDefined(defined, q.schema, q.name))
                out.add(`${q.schema}.${q.name}`);
        // Whatever kinds of object the catalog lists, the object a DDL statement creates or changes
        // is its first qualified name: it must not be in a source schema (into the shared database it
        // would be a shared schema's object).
        if (DDL_START.test(sql) && named[0] && sources.has(named[0].schema))
            out.add(`${named[0].schema}.${named[0].name}`);
    }
    return [...out].sort();
}
/**
 * What the plan refuses at schema level, from the catalog model alone:
 * - a function or procedure whose body names a source schema explicitly (`public.orders`): in
 *   the shared database that is the shared table — a function owned by the tenant reading
 *   `public.*` would leak it, and the body is text the clone does not rewrite;
 * - a view or materialized view that names an object of a source schema the tenant's catalog
 *   does not define (a table left out of the copy): from the tenant's schema it would read the
 *   shared one.
 * One line per object, with the names it uses.
 */
function schemaRefusals(cat, layout) {
    const sources = new Set(layout.mappings.map((m) => m.source));
    const defined = definedNames(cat);
    const out = [];
    // Bodies are text: names in them, and in the strings inside them (dynamic SQL, nextval('…')), count.
    const namesIn = (text, found, depth) => {
        const tokens = tokenize(text);
        for (const q of qualifiedNames(tokens))
            if (sources.has(q.schema))
                found.add(`${q.schema}.${q.name}`);
        if (depth === 0)
            return;
        for (const t of tokens) {
            const inner = t.kind === 'dollar' ? t.body : t.kind === 'string' ? t.value : null;
            if (inner !== null)
                namesIn(inner, found, depth - 1);
        }
    };
    const bodyNames = (def) => {
        const found = new Set();
        for (const t of tokenize(def)) {
            const body = t.kind === 'dollar' ? t.body : t.kind === 'string' ? t.value : null;
            if (body !== null)
                namesIn(body, found, 3);
        }
        return [...found].sort();
    };
    for (const f of cat.functions) {
        const named = bodyNames(f.def);
        if (named.length)
            out.push(`${f.kind === 'p' ? 'procedure' : 'function'} ${f.signature} names ${named.join(', ')} in its body: qualify nothing (the tenant's search_path finds its own schema) or move the shared part out of the tenant's functions`);
    }
    for (const r of cat.relations) {
        if (r.kind !== 'v' && r.kind !== 'm')
            continue;
        const named = new Set();
        for (const q of objectNames(tokenize(r.viewDef ?? '')))
            if (sources.has(q.schema) && !isDefined(defined, q.schema, q.name))
                named.add(`${q.schema}.${q.name}`);
        if (named.size)
            out.push(`${r.kind === 'm' ? 'materialized view' : 'view'} ${r.schema}.${r.name} reads ${[...named].sort().join(', ')}, which the tenant's schema does not hold: it would read the shared database's`);
    }
    return out;
}
/**
 * The catalog with the tenant's schemas renamed to their targets: `generateScript` over it, then
 * `mapStatement` over each statement, is the clone into the mapped schemas. `into` says where:
 * a new database (the extensions' schemas are created there as at database level) or the shared
 * database (extensions and their schemas exist already and belong to others: nothing of them is
 * created, altered or granted).
 */
function mapCatalog(cat, layout, into) {
    const map = schemaMap(layout);
    const extSchemas = new Set(layout.extensionSchemas);
    const schemas = cat.schemas.flatMap((s) => {
        const target = map.get(s.name);
        // A tenant's schema is for its roles only: PUBLIC's grants on the source schema (PostgreSQL
        // gives PUBLIC USAGE on public) would let every role of the database into it.
        const mapped = target !== undefined
            ? [{ ...s, name: target, acl: (s.acl ?? []).filter((e) => e.grantee !== 'PUBLIC') }]
            : [];
        // The extensions' schema itself stays, in a new database only (public exists there already).
        const keep = into === 'new-database' && extSchemas.has(s.name) && s.name !== 'public' ? [s] : [];
        return [...mapped, ...keep];
    });
    return {
        ...cat,
        schemas,
        extensions: into === 'new-database' ? cat.extensions : [],
    };
}
/** The clone's statements for the mapped schemas. */
function mapScriptStatements(statements, cat, layout) {
    const map = schemaMap(layout);
    const defined = definedNames(cat);
    return statements.map((s) => mapStatement(s, map, { defined }));
}
/**
 * What the tenant's application role gets at schema level: USAGE on its schemas (and, for
 * extensions, USAGE on their schemas and nothing else there), and a search_path that starts
 * with its schemas, set for the role in that database only.
 */
function schemaRoleStatements(layout, appRole, database) {
    const role = esm/* default.escapeIdentifier */.Ay.escapeIdentifier(appRole);
    // searchPath is the tenant's schemas, base first, then the extensions' schemas.
    return [
        ...layout.searchPath.map((s) => `GRANT USAGE ON SCHEMA ${esm/* default.escapeIdentifier */.Ay.escapeIdentifier(s)} TO ${role}`),
        `ALTER ROLE ${role} IN DATABASE ${esm/* default.escapeIdentifier */.Ay.escapeIdentifier(database)} SET search_path = ${layout.searchPath.map((s) => esm/* default.escapeIdentifier */.Ay.escapeIdentifier(s)).join(', ')}`,
    ];
}
/** The plan's lines: where each schema goes, the search_path, what the extensions' schemas give. */
function describeLayout(layout) {
    const lines = layout.mappings.map((m) => `Schema level: ${m.source} → ${m.target} (${m.objects.length} object${m.objects.length === 1 ? '' : 's'})`);
    lines.push(`Schema level: the application's search_path is ${layout.searchPath.join(', ')}`);
    if (layout.extensionSchemas.length)
        lines.push(`Schema level: extensions exist once per database; the tenant's role gets USAGE on ${layout.extensionSchemas.join(', ')} (their schema${layout.extensionSchemas.length === 1 ? '' : 's'}) and nothing else there`);
    return lines;
}


/***/ }),

/***/ 78569:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   a2: () => (/* binding */ applySequenceRanges),
/* harmony export */   cf: () => (/* binding */ zoneStartOf),
/* harmony export */   fR: () => (/* binding */ unrangedSequencesNote),
/* harmony export */   lu: () => (/* binding */ readSequences),
/* harmony export */   p_: () => (/* binding */ rangeFor),
/* harmony export */   pj: () => (/* binding */ sequenceRangeStatus),
/* harmony export */   wH: () => (/* binding */ columnsExtreme),
/* harmony export */   zs: () => (/* binding */ reserveSequenceRange)
/* harmony export */ });
/* unused harmony exports RANGE_LAYOUT_VERSION, RANGE_LAYOUT, slotsOf, inZone, readRangeRecord, assessSequences */
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _tool_schemas__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(24024);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(83916);
/* harmony import */ var _pipeline_tenant_state__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(95136);
/* harmony import */ var _ownership__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(6922);
/* harmony import */ var _sql__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(75259);






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
async function readSequences(client, 
/**
 * Schema level: only these schemas (the tenant's). In the shared database they sit beside the
 * shared sequences, which must never be read as the tenant's.
 */
only) {
    const { rows } = await client.query(`SELECT n.nspname AS schema, c.relname AS name, pg_catalog.format_type(s.seqtypid, NULL) AS seq_type,
            s.seqincrement::text AS increment, s.seqmin::text AS min, s.seqmax::text AS max, s.seqcycle AS cycle,
            -- Read per sequence listed only: pg_sequences would lock every sequence of the database,
            -- the tenant's beside the shared ones too (schema level into the shared database),
            -- which the switch then alters while this transaction is open.
            CASE WHEN pg_catalog.has_sequence_privilege(c.oid, 'SELECT,USAGE')
                 THEN pg_catalog.pg_sequence_last_value(c.oid)::text END AS last_value,
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
      WHERE c.relkind = 'S' AND NOT pg_catalog.pg_is_other_temp_schema(n.oid) AND ${only ? `n.nspname::text = ANY ($1::text[])` : (0,_tool_schemas__WEBPACK_IMPORTED_MODULE_1__/* .userSchemaSql */ .T0)('n')}
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                        AND e.objid = c.oid AND e.deptype = 'e')
      ORDER BY n.nspname, c.relname`, only ? [only] : []);
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
    const { rows } = await client.query(`SELECT t.settings->'isolation'->'sequence_range' AS r FROM ${(0,_sql__WEBPACK_IMPORTED_MODULE_5__/* .quoteQualified */ .$s)(tenantsTable)} t WHERE t.slug = $1`, [slug]);
    const raw = rows[0]?.r;
    if (raw === null || raw === undefined)
        return undefined;
    const parsed = _pipeline_tenant_state__WEBPACK_IMPORTED_MODULE_3__/* .SequenceRangeRecord */ .qk.safeParse(raw);
    if (!parsed.success) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_2__/* .PromotionError */ .g1('tenant-state', `settings.isolation.sequence_range of tenant "${slug}" is malformed: ${parsed.error.message.slice(0, 300)}`, 'Restore it from the audit history, or remove the key only if the tenant never was isolated with it.');
    }
    return parsed.data;
}
async function writeRangeRecord(client, tenantsTable, slug, record) {
    await client.query(`UPDATE ${(0,_sql__WEBPACK_IMPORTED_MODULE_5__/* .quoteQualified */ .$s)(tenantsTable)} t
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
       FROM ${(0,_sql__WEBPACK_IMPORTED_MODULE_5__/* .quoteQualified */ .$s)(tenantsTable)} t
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
            await (0,_ownership__WEBPACK_IMPORTED_MODULE_4__/* .assertOwner */ .EI)(client, opts.tenantsTable, opts.slug, opts.runId, 'reserving a sequence range');
        const { slot, existing } = await pickSlot(client, opts.tenantsTable, opts.slug);
        const assessment = await assessSequences(client, slot);
        if (assessment.refusals.length) {
            throw new _errors__WEBPACK_IMPORTED_MODULE_2__/* .PromotionError */ .g1('plan-blocked', `No safe range of ids exists for ${assessment.refusals.length === 1 ? 'a sequence' : `${assessment.refusals.length} sequences`}: ${assessment.refusals.join('; ')}`, 'Apply the remedy named above in the shared database (ids would otherwise be handed out twice across the shared and the isolated database), then re-run. Nothing was created.');
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
    // Schema level: the tenant's schemas only (the keys of the mapping back to the source).
    const only = opts.sourceSchemas && [...opts.sourceSchemas.keys()];
    for (const s of await readSequences(target, only)) {
        if (s.noRange)
            continue; // a plan warning said so (assessSequences)
        const range = rangeFor(s.type, slot);
        const refuse = (why) => new _errors__WEBPACK_IMPORTED_MODULE_2__/* .PromotionError */ .g1('plan-blocked', `Sequence ${s.label} cannot be given its range at the switch: ${why}. Nothing was switched.`, 'The plan checks this before anything is created; the schema changed since. Apply the remedy the plan names, then re-run.');
        if (s.cycle || s.increment <= 0n)
            throw refuse('it is CYCLE or descending');
        if (!range)
            throw refuse(`no ${s.type} range is left for slot ${slot}`);
        const sharedSeq = shared.get(`${opts.sourceSchemas?.get(s.schema) ?? s.schema}.${s.name}`);
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
async function sequenceRangeStatus(shared, isolated, record, 
/** Schema level: target schema → source schema; the tenant's sequences are listed under the shared name. */
sourceSchemas) {
    const sharedSeqs = await readSequences(shared);
    const sharedLabel = (s) => `${sourceSchemas?.get(s.schema) ?? s.schema}.${s.name}`;
    const isoSeqs = isolated
        ? new Map((await readSequences(isolated, sourceSchemas && [...sourceSchemas.keys()])).map((s) => [
            sharedLabel(s),
            s,
        ]))
        : undefined;
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
/**
 * Sequences of a tenant's database that feed a column and hold no range (a table created after the
 * promotion by the same migration on both sides): the ids they hand out are the shared side's
 * numbers too, and a rollback would find them taken. One line naming them, or undefined.
 */
function unrangedSequencesNote(sequences) {
    const unranged = sequences.filter((s) => s.columns.length && !s.noRange && s.min < zoneStartOf(s.type));
    if (!unranged.length)
        return undefined;
    const list = unranged.map((s) => `${s.label} (${s.columns.map((c) => `${c.schema}.${c.table}.${c.column}`).join(', ')})`);
    return `Without a sequence range in the tenant's database (created after the promotion?): ${list.join(', ')}. Ids handed out there may be taken in the shared database as well; a rollback compares the keys before it changes anything and refuses on a collision.`;
}


/***/ }),

/***/ 73074:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   m: () => (/* binding */ sessionsRemainError),
/* harmony export */   v: () => (/* binding */ endSessions)
/* harmony export */ });
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83916);


const qi = pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier;
/**
 * Ends every other session on `database` that this role may end, waiting for each to exit.
 * A non-superuser may end only sessions of roles whose privileges it has: it first becomes a
 * member of the tool's own roles of that database (`toolRoles`, which it created) where it is
 * not yet; sessions of anyone else (a superuser's, another administrator's) are left and
 * returned, for the caller to refuse with a clear message.
 */
async function endSessions(client, database, toolRoles, 
/** The caller has a transaction open: a refused GRANT must not abort it (savepoint). */
inTransaction = false, 
/**
 * Only the sessions of these roles and their members (the tenant's schemas in the shared
 * database: every other session there is another tenant's or the shared application's).
 * Absent: all.
 */
membersOf) {
    // A statement that may be refused; in a transaction, under a savepoint so the refusal does not
    // abort the caller's transaction.
    const attempt = async (sql, params = []) => {
        if (inTransaction)
            await client.query('SAVEPOINT end_sessions');
        try {
            const r = await client.query(sql, params);
            if (inTransaction)
                await client.query('RELEASE SAVEPOINT end_sessions');
            return r;
        }
        catch {
            if (inTransaction)
                await client.query('ROLLBACK TO SAVEPOINT end_sessions');
            return undefined;
        }
    };
    // Memberships granted here only to end sessions are revoked again afterwards (but the database
    // owner's, see below): the administrator is left with the privileges it had.
    const granted = [];
    for (const role of toolRoles) {
        const { rows } = await client.query(`SELECT CASE WHEN r.oid IS NULL THEN NULL ELSE pg_has_role(r.oid, 'USAGE') END AS member
         FROM (SELECT 1) x LEFT JOIN pg_roles r ON r.rolname = $1`, [role]);
        if (rows[0]?.member === false) {
            // Refused on PostgreSQL 16+ to a CREATEROLE role without ADMIN OPTION on it (another
            // administrator created it): its sessions then remain and are named by the caller.
            if (await attempt(`GRANT ${qi(role)} TO CURRENT_USER`))
                granted.push(role);
        }
    }
    // Members through pg_auth_members, not pg_has_role: a superuser "has" every role, and its
    // sessions (another run's, a DBA's) are not the tenant's. This role's own sessions (the lock
    // session among them) are never ended that way either: it was just granted the role above.
    const { rows } = await client.query(`WITH RECURSIVE members(oid) AS (
       SELECT oid FROM pg_roles WHERE rolname = ANY($2::text[])
       UNION SELECT a.member FROM pg_auth_members a JOIN members m ON a.roleid = m.oid)
     SELECT pid, usename AS user, application_name AS application
       FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()
        -- A session without a role in a database is, as far as a non-superuser can tell
        -- (backend_type is hidden from it), an autovacuum worker: it works in every database that
        -- has had writes, writes no rows, and only a superuser may end it; RENAME and plain DROP
        -- DATABASE end it themselves (pg_terminate_backend refused it: undo and rollback stopped).
        AND usesysid IS NOT NULL
        AND ($2::text[] IS NULL
             OR (usesysid IN (SELECT oid FROM members) AND usename <> current_user))`, [database, membersOf ?? null]);
    let ended = 0;
    const remaining = [];
    for (const s of rows) {
        // pg_terminate_backend(pid, timeout) waits for the backend to exit (PostgreSQL 14+).
        const r = await attempt('SELECT pg_terminate_backend($1::int, 5000) AS ok', [s.pid]);
        const ok = r?.rows[0]?.ok === true;
        if (ok)
            ended++;
        else {
            const still = await client.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [s.pid]);
            if (still.rowCount)
                remaining.push(s);
            else
                ended++;
        }
    }
    // The database owner's membership stays: whoever ends the sessions goes on to work in it (a
    // rollback reads the tenant's tables, owned by that role, as this administrator).
    const owner = await client.query('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [database]);
    for (const role of granted)
        if (role !== owner.rows[0]?.owner)
            await attempt(`REVOKE ${qi(role)} FROM CURRENT_USER`);
    return { ended, remaining };
}
/** The refusal when sessions on a tenant's database could not be ended. */
function sessionsRemainError(database, remaining, doing) {
    const who = remaining
        .slice(0, 5)
        .map((s) => `pid ${s.pid} (${s.user ?? 'unknown role'}${s.application ? `, ${s.application}` : ''})`)
        .join(', ');
    return new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('permission-denied', `${remaining.length} session(s) on database "${database}" could not be ended by this role, so it stopped before ${doing}: ${who}${remaining.length > 5 ? ', …' : ''}.`, `End them by hand (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}'), or grant the promoting role pg_signal_backend, then re-run.`);
}


/***/ }),

/***/ 75259:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $s: () => (/* binding */ quoteQualified),
/* harmony export */   Jt: () => (/* binding */ commentOn),
/* harmony export */   T0: () => (/* binding */ splitQualified)
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
/**
 * `COMMENT ON DATABASE|ROLE name IS text`, with the name and the text (a marker that names the
 * tenant) sent as bound parameters: COMMENT takes none, so the statement is formatted on the
 * server (`%I`, `%L`) from two session settings set by parameter — nothing of a slug in any SQL
 * text.
 */
async function commentOn(client, kind, name, text) {
    await client.query(`SELECT set_config('tenant_promotion.comment_target', $1, false), set_config('tenant_promotion.comment_text', $2, false)`, [name, text]);
    await client.query(`DO $comment$ BEGIN EXECUTE format('COMMENT ON ${kind} %I IS %L', current_setting('tenant_promotion.comment_target'), current_setting('tenant_promotion.comment_text')); END $comment$`);
    await client.query(`SELECT set_config('tenant_promotion.comment_target', '', false), set_config('tenant_promotion.comment_text', '', false)`);
}


/***/ }),

/***/ 21520:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   B4: () => (/* binding */ assertTargetServer),
/* harmony export */   Ve: () => (/* binding */ inspectTargetServer),
/* harmony export */   mQ: () => (/* binding */ assertRecordedServer)
/* harmony export */ });
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83916);
/* harmony import */ var _database__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(42514);
/* harmony import */ var _privileges__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(39607);
/* harmony import */ var _servers__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(14591);
/* harmony import */ var _versions__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(60674);





async function inspectTargetServer(shared, target, opts) {
    const problems = [];
    const where = (0,_servers__WEBPACK_IMPORTED_MODULE_3__/* .serverName */ .L5)(opts.targetUrl);
    const input = (0,_errors__WEBPACK_IMPORTED_MODULE_0__/* .settingName */ .QX)('target-database-url', opts.frontEnd);
    // The shared server itself under another name (localhost for 127.0.0.1, a DNS alias): one
    // server, with roles cluster-wide, is the default setting, not a target server.
    const identity = `SELECT pg_postmaster_start_time()::text AS started, d.oid::text AS oid
                      FROM pg_database d WHERE d.datname = $1`;
    const sharedName = (await shared.query('SELECT current_database() AS db')).rows[0].db;
    const [here, there] = [
        (await shared.query(identity, [sharedName])).rows[0],
        (await target.query(identity, [sharedName])).rows[0],
    ];
    if (here && there && here.started === there.started && here.oid === there.oid) {
        return {
            version: '',
            problems: [
                `${input} names the shared server itself (${where} is the server of the shared database "${sharedName}"); leave it empty to create the tenant's database on the shared server, or name another server`,
            ],
        };
    }
    const role = await (0,_privileges__WEBPACK_IMPORTED_MODULE_2__/* .readRole */ .fP)(target);
    if (!role.superuser && !(role.createDb && role.createRole)) {
        const missing = [!role.createDb && 'CREATEDB', !role.createRole && 'CREATEROLE'].filter(Boolean);
        problems.push(`role "${role.name}" on the target server ${where} lacks ${missing.join(' and ')}, which creating the tenant's database and roles needs (fix: ALTER ROLE ${role.name} CREATEDB CREATEROLE on the target, or set ${input} to a role that has both)`);
    }
    // Row-level security is cloned as it is: on the target, the admin role copies and checks the
    // rows of those tables only if the policies cannot hide them from it.
    if (!role.superuser && !role.bypassRls) {
        const { rows: secured } = await shared.query(`SELECT c.oid::regclass::text AS tbl FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND c.relrowsecurity
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`);
        if (secured.length) {
            problems.push(`role "${role.name}" on the target server ${where} is subject to row-level security, which ${secured.length} shared table(s) have (${secured
                .slice(0, 5)
                .map((r) => r.tbl)
                .join(', ')}): their rows would be hidden from the copy and the checks (fix: ALTER ROLE ${role.name} BYPASSRLS on the target, or set ${input} to a role that has it)`);
        }
    }
    const [source, dest] = [await (0,_versions__WEBPACK_IMPORTED_MODULE_4__/* .serverVersion */ .qh)(shared), await (0,_versions__WEBPACK_IMPORTED_MODULE_4__/* .serverVersion */ .qh)(target)];
    const problem = (0,_versions__WEBPACK_IMPORTED_MODULE_4__/* .majorVersionProblem */ .N0)({ source, target: dest }, where, input);
    if (problem)
        problems.push(problem);
    // Extensions: those installed in the shared database must be installable on the target.
    const { rows: extensions } = await shared.query(`SELECT extname, extversion FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1`);
    if (extensions.length) {
        const { rows: available } = await target.query(`SELECT name FROM pg_available_extensions WHERE name = ANY ($1::text[])`, [extensions.map((e) => e.extname)]);
        const there = new Set(available.map((r) => r.name));
        const missing = extensions.filter((e) => !there.has(e.extname));
        if (missing.length) {
            problems.push(`extension(s) the shared database uses are not available on the target server ${where}: ${missing
                .map((e) => `${e.extname} ${e.extversion}`)
                .join(', ')} (fix: install them on the target — on a managed server, enable them in its settings — or choose a target that has them)`);
        }
    }
    // The database's locale: the target creates tenant_<slug> with the shared database's.
    const locale = await (0,_database__WEBPACK_IMPORTED_MODULE_1__/* .readLocale */ .XE)(shared);
    const builtIn = (name) => ['C', 'POSIX', 'C.UTF-8', 'C.utf8', 'ucs_basic'].includes(name);
    if (locale.provider === 'i') {
        const icu = await target.query(`SELECT 1 FROM pg_collation WHERE collprovider = 'i' LIMIT 1`);
        if (!icu.rowCount) {
            problems.push(`the shared database uses the ICU locale provider (${locale.icuLocale ?? '?'}) and the target server ${where} has no ICU support (fix: a target built with ICU)`);
        }
    }
    for (const value of new Set([locale.collate, locale.ctype])) {
        if (builtIn(value))
            continue;
        const found = await target.query(`SELECT 1 FROM pg_collation WHERE collprovider = 'c' AND (collcollate = $1 OR collname = $1) LIMIT 1`, [value]);
        if (!found.rowCount) {
            problems.push(`the shared database's locale ${value} (LC_COLLATE/LC_CTYPE) is not available on the target server ${where} (fix: generate that locale on the target's host, or choose a target that has it)`);
        }
    }
    // Built-in collations the shared tables' columns use by name (user-defined ones are cloned).
    const { rows: used } = await shared.query(`SELECT DISTINCT co.collname
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_collation co ON co.oid = a.attcollation JOIN pg_namespace cn ON cn.oid = co.collnamespace
      WHERE a.attnum > 0 AND NOT a.attisdropped AND cn.nspname = 'pg_catalog' AND co.collname <> 'default'
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
      ORDER BY 1`);
    if (used.length) {
        const { rows: present } = await target.query(`SELECT collname FROM pg_collation WHERE collname = ANY ($1::text[]) AND collnamespace = 'pg_catalog'::regnamespace`, [used.map((u) => u.collname)]);
        const there = new Set(present.map((r) => r.collname));
        const missing = used.filter((u) => !there.has(u.collname)).map((u) => u.collname);
        if (missing.length) {
            problems.push(`collation(s) the shared tables' columns use are missing on the target server ${where}: ${missing.join(', ')} (fix: a target with the same locales and ICU support, or CREATE COLLATION them there)`);
        }
    }
    return { version: dest.text, problems };
}
/** Refuses, naming every problem found and that nothing was created, when the target falls short. */
function assertTargetServer(findings, targetUrl) {
    if (!findings.problems.length)
        return;
    throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .PromotionError */ .g1('target-server', `The target server ${(0,_servers__WEBPACK_IMPORTED_MODULE_3__/* .serverName */ .L5)(targetUrl)} cannot host the tenant; nothing was created: ${findings.problems.join('; ')}.`, 'Fix what is named above on the target server (or choose another), then re-run.');
}
/**
 * An isolated tenant's database is where its record says: a run (resume, rollback, status) given
 * another target server — or none, for a tenant on a server of its own — is refused, naming the
 * server to pass, before it reads or changes anything there.
 */
function assertRecordedServer(recorded, given, slug, frontEnd) {
    const now = given.separate ? (0,_servers__WEBPACK_IMPORTED_MODULE_3__/* .serverName */ .L5)(given.targetAdminUrl) : undefined;
    if (recorded === now)
        return;
    const input = (0,_errors__WEBPACK_IMPORTED_MODULE_0__/* .settingName */ .QX)('target-database-url', frontEnd);
    throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .PromotionError */ .g1('target-server', recorded
        ? `Tenant "${slug}" was promoted to the target server ${recorded}, but ${now ? `${input} names ${now}` : `${input} is not set`}; nothing was read or changed there.`
        : `Tenant "${slug}" was promoted to its database on the shared server, but ${input} names ${now}; nothing was read or changed there.`, recorded
        ? `Set ${input} to an admin connection of ${recorded}.`
        : `Leave ${input} empty for this tenant.`);
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

/***/ 24024:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $w: () => (/* binding */ toolOrTenantSchemaSql),
/* harmony export */   T0: () => (/* binding */ userSchemaSql),
/* harmony export */   UB: () => (/* binding */ TOOL_SCHEMA_PREFIX),
/* harmony export */   UV: () => (/* binding */ isToolSchema)
/* harmony export */ });
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);

/**
 * Schemas every read of user objects leaves out, beside the system's: the tool's own and, in the
 * shared database, the schemas of tenants promoted there at schema level. The tool's own are
 * `_tenant_isolation` (the run schema, in a tenant's own database) and `_tenant_isolation_<slug>`
 * (a schema-level tenant's tool schema in the shared database) CARRYING OUR MARKER for this
 * database: a name alone proves nothing, and an application schema that merely starts with the
 * prefix holds the tenant's rows like any other (review: `_tenant_isolation_archive` was skipped,
 * its rows never moved). Tenants' schemas are recognised by their owner: a role this tool made for
 * a tenant of THIS database (its marker's sourceDatabase is the current database). In a tenant's
 * own database the same owner's marker names the shared database, so nothing there is left out.
 */
const TOOL_SCHEMA_PREFIX = '_tenant_isolation';
/**
 * The marker comments' fixed start (markerText writes compact JSON, `tool` first); the source
 * database is matched as text too, so a comment that only looks like a marker never breaks a read.
 */
const MARKER_START = '{"tool":"tenant-promotion"';
/** SQL: `comment` is our marker naming the current database as the shared one. */
const markerOfThisDatabaseSql = (comment) => `coalesce(starts_with(${comment}, '${MARKER_START}')
            AND strpos(${comment}, '"sourceDatabase":' || to_json(current_database()::text)::text) > 0, false)`;
/**
 * SQL: namespace `alias` is one of the tool's or of a tenant promoted into this database. `keep`:
 * schemas not to count as such (the tenant's own schemas, when its checks read them).
 */
function toolOrTenantSchemaSql(alias, keep = []) {
    const owner = `shobj_description(${alias}.nspowner, 'pg_authid')`;
    const comment = `obj_description(${alias}.oid, 'pg_namespace')`;
    const kept = keep.length
        ? `${alias}.nspname::text <> ALL (ARRAY[${keep.map((k) => pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(k)).join(', ')}]::text[]) AND `
        : '';
    return `(${kept}(${alias}.nspname::text = '${TOOL_SCHEMA_PREFIX}'
      OR (starts_with(${alias}.nspname::text, '${TOOL_SCHEMA_PREFIX}_')
          AND ${markerOfThisDatabaseSql(comment)} AND strpos(${comment}, '"purpose":"schema"') > 0)
      OR ${markerOfThisDatabaseSql(owner)}))`;
}
/** SQL: namespace `alias` holds user objects (not the system's, not the tool's, not another promoted tenant's). */
function userSchemaSql(alias, keep = []) {
    return `${alias}.nspname NOT IN ('pg_catalog', 'information_schema') AND NOT ${toolOrTenantSchemaSql(alias, keep)}`;
}
/**
 * Whether a schema name is the tool's run schema (never mapped, cloned or compared). A shared
 * database's `_tenant_isolation_<slug>` is told apart from an application schema of such a name
 * only by its marker, so the catalog reads leave it out (toolOrTenantSchemaSql), not this name test.
 */
function isToolSchema(name) {
    return name === TOOL_SCHEMA_PREFIX;
}


/***/ }),

/***/ 60674:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Ds: () => (/* binding */ majorOf),
/* harmony export */   N0: () => (/* binding */ majorVersionProblem),
/* harmony export */   jk: () => (/* binding */ serverMajor),
/* harmony export */   og: () => (/* binding */ serverVersionNum),
/* harmony export */   qh: () => (/* binding */ serverVersion)
/* harmony export */ });
/**
 * PostgreSQL major versions of the two servers of a promotion. A tenant may move onto a newer
 * major version (the clone, the copy and the checks translate what changed) but never onto an
 * older one: a newer server's catalog can hold what an older one cannot represent.
 */
/** `server_version_num` → major version, e.g. 170004 → 17. */
function majorOf(versionNum) {
    return Math.floor(versionNum / 10000);
}
/**
 * Why the target cannot host the tenant's database because of its major version (undefined
 * when it can): a target older than the shared server is refused, naming both versions and
 * the fix. `where` is the target's host:port, `input` the setting that names it.
 */
function majorVersionProblem(v, where, input) {
    const [from, to] = [majorOf(v.source.num), majorOf(v.target.num)];
    if (to >= from)
        return undefined;
    return `the target server ${where} runs PostgreSQL ${v.target.text}, older than the shared server's PostgreSQL ${v.source.text}: a tenant can move onto the same or a newer major version only, never back to an older one (fix: set ${input} to a PostgreSQL ${from} or newer server)`;
}
/** `server_version_num` and `server_version` of the server a session is connected to. */
async function serverVersion(c) {
    const { rows } = await c.query(`SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version`);
    return { num: Number(rows[0].num), text: rows[0].version };
}
/** `server_version_num` of the server a session is connected to, e.g. 180001. */
async function serverVersionNum(c) {
    return (await serverVersion(c)).num;
}
/** The major version of the server a session is connected to. */
async function serverMajor(c) {
    return majorOf(await serverVersionNum(c));
}


/***/ }),

/***/ 15651:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   IX: () => (/* binding */ pass),
/* harmony export */   Oo: () => (/* binding */ DEFAULT_CHECK_BUDGET_MS),
/* harmony export */   R8: () => (/* binding */ warn),
/* harmony export */   Tw: () => (/* binding */ capDetails),
/* harmony export */   fJ: () => (/* binding */ fail),
/* harmony export */   iv: () => (/* binding */ skip),
/* harmony export */   xD: () => (/* binding */ TableTimes)
/* harmony export */ });
/* unused harmony export MAX_DETAILS */
/**
 * What a check spent on each table, for the record's `tableMs`: a check's duration alone does
 * not say whether its cost follows the tenant's rows or one table's shape (`npm run bench`
 * reports both).
 */
class TableTimes {
    ms = {};
    current;
    /** Starts timing `table` and ends the previous one's time (checks go through tables one by one). */
    next(table) {
        this.done();
        this.current = { table, started: performance.now() };
    }
    /** The result with the times (in whole ms), the last table's ended now. */
    attach(result) {
        this.done();
        return {
            ...result,
            tableMs: Object.fromEntries(Object.entries(this.ms).map(([t, ms]) => [t, Math.round(ms)])),
        };
    }
    /** Ends the current table's time (work that follows is not any one table's). */
    done() {
        if (!this.current)
            return;
        const { table, started } = this.current;
        this.ms[table] = (this.ms[table] ?? 0) + (performance.now() - started);
        this.current = undefined;
    }
}
const DEFAULT_CHECK_BUDGET_MS = 120_000;
function pass(reason, details = []) {
    return { status: 'pass', reason, details };
}
function fail(reason, details = []) {
    return { status: 'fail', reason, details };
}
function warn(reason, details = []) {
    return { status: 'warn', reason, details };
}
function skip(reason, details = []) {
    return { status: 'skip', reason, details };
}
/**
 * Details a check records: all of them (the record, `--json` and the job summary list every
 * difference; the PR comment and the terminal summarise long lists, see report/render.ts). The
 * bound only protects the record from a pathological list.
 */
const MAX_DETAILS = 10_000;
/** At most `max` details, with a count of the rest. */
function capDetails(details, max = MAX_DETAILS) {
    if (details.length <= max)
        return details;
    return [...details.slice(0, max), `… and ${details.length - max} more`];
}


/***/ }),

/***/ 8217:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Ap: () => (/* binding */ openTarget),
/* harmony export */   EO: () => (/* binding */ closeQuietly),
/* harmony export */   It: () => (/* binding */ connectFor),
/* harmony export */   oD: () => (/* binding */ openSource),
/* harmony export */   uS: () => (/* binding */ plannedTables)
/* harmony export */ });
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _postgres_urls__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(31085);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83916);
/* harmony import */ var _postgres_checksum__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(73600);
/* harmony import */ var _postgres_connect__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(36741);
/* harmony import */ var _postgres_plan_types__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(54680);






/** Connections opened by the checks: keepalive, a name in pg_stat_activity, statement_timeout from the budget. */
async function connectFor(url, budgetMs, user, options = user ? _postgres_connect__WEBPACK_IMPORTED_MODULE_3__/* .APPLICATION_SESSION_OPTIONS */ .nY : _postgres_connect__WEBPACK_IMPORTED_MODULE_3__/* .SESSION_OPTIONS */ .AC) {
    const config = {
        // The user goes into the URL: node-postgres lets a connection string's user and password win
        // over `user`/`password` in the config, so setting those would log in as the URL's admin.
        connectionString: user ? (0,_postgres_urls__WEBPACK_IMPORTED_MODULE_5__/* .urlAs */ .ge)(url, user.name, user.password) : url,
        keepAlive: true,
        application_name: 'tenant-promotion-checks',
        options,
        connectionTimeoutMillis: Math.max(1000, Math.min(budgetMs, 30_000)),
        statement_timeout: Math.max(1000, Math.floor(budgetMs)),
    };
    const client = new pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].Client */ .Ay.Client(config);
    client.on('error', () => undefined); // a dropped connection surfaces as a failed query
    await client.connect();
    return client;
}
/** The URL with another user and password (percent-encoded by URL's setters). */
const SNAPSHOT_RE = /^[0-9A-F]+-[0-9A-F]+(-[0-9A-F]+)?$/i;
/**
 * The source session the checks compare against: comparable text output, the tenant id set,
 * and, when a snapshot id is given, a repeatable-read transaction at the copy's snapshot.
 */
async function openSource(ctx, budgetMs) {
    const client = await connectFor(ctx.sourceUrl, budgetMs);
    try {
        await (0,_postgres_checksum__WEBPACK_IMPORTED_MODULE_2__/* .setComparableSession */ .LP)(client);
        await client.query('SELECT set_config($1, $2, false)', [_postgres_plan_types__WEBPACK_IMPORTED_MODULE_4__/* .TENANT_ID_SETTING */ .oZ, ctx.tenantId]);
        if (ctx.snapshotId) {
            if (!SNAPSHOT_RE.test(ctx.snapshotId)) {
                throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('internal', `Snapshot id ${JSON.stringify(ctx.snapshotId)} is not a PostgreSQL snapshot id.`);
            }
            await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
            // SET TRANSACTION SNAPSHOT takes no parameters; the id was validated above.
            await client.query(`SET TRANSACTION SNAPSHOT ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(ctx.snapshotId)}`);
        }
        return client;
    }
    catch (e) {
        await client.end().catch(() => undefined);
        throw e;
    }
}
/** Target session with comparable output and the tenant id set (some predicates read it). */
async function openTarget(ctx, budgetMs) {
    const client = await connectFor(ctx.targetUrl, budgetMs);
    try {
        await (0,_postgres_checksum__WEBPACK_IMPORTED_MODULE_2__/* .setComparableSession */ .LP)(client);
        await client.query('SELECT set_config($1, $2, false)', [_postgres_plan_types__WEBPACK_IMPORTED_MODULE_4__/* .TENANT_ID_SETTING */ .oZ, ctx.tenantId]);
        return client;
    }
    catch (e) {
        await client.end().catch(() => undefined);
        throw e;
    }
}
async function closeQuietly(client) {
    if (!client)
        return;
    await client.end().catch(() => undefined);
}
/** The planned tables, tenants table included once. */
function plannedTables(ctx) {
    const seen = new Set();
    const out = [];
    for (const t of [...ctx.plan.tables]) {
        if (seen.has(t.qualified))
            continue;
        seen.add(t.qualified);
        out.push(t);
    }
    return out;
}


/***/ }),

/***/ 41069:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Dp: () => (/* binding */ recordedUnderFixedTextForms),
/* harmony export */   IS: () => (/* binding */ driftSinceSwitch),
/* harmony export */   Jz: () => (/* binding */ readSchemaAtSwitch),
/* harmony export */   ir: () => (/* binding */ recordSchemaAtSwitch)
/* harmony export */ });
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _postgres_ownership__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6922);
/* harmony import */ var _schema_parity__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(16292);



/**
 * The new database's schema as the checks proved it at the switch, kept in the tool's own schema
 * of that database (no role of the tenant can use it; every catalog read leaves it out).
 * `status --verify` compares the isolated database with it, not with the shared database: after
 * the switch each side migrates on its own, so a difference from the shared schema proves
 * nothing, while a difference from the recorded one is drift — what changed in the tenant's
 * database since the switch (a migration, or a lost index), reported object by object.
 */
const schemaAtSwitch = (toolSchema) => `${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(toolSchema)}.schema_at_switch`;
const DATABASE_OF_ITS_OWN = { toolSchema: _postgres_ownership__WEBPACK_IMPORTED_MODULE_1__/* .RUN_SCHEMA */ .EJ };
/**
 * The table's comment when the summary was read under the tool's fixed TimeZone, DateStyle and
 * IntervalStyle (connect.ts SESSION_OPTIONS). A summary without it was recorded by an earlier
 * version under the database's own settings, which print timestamptz defaults, CHECK constants
 * and partition bounds differently: it is compared with the schema read the same way.
 */
const FIXED_TEXT_FORMS = 'read under TimeZone=UTC DateStyle=ISO,MDY IntervalStyle=postgres';
/** Records the tenant database's catalog summary; in the caller's transaction, after its ownership proof. */
async function recordSchemaAtSwitch(target, at = DATABASE_OF_ITS_OWN) {
    const SCHEMA_AT_SWITCH = schemaAtSwitch(at.toolSchema);
    const items = await (0,_schema_parity__WEBPACK_IMPORTED_MODULE_2__/* .catalogSummary */ .wV)(target, { ...(at.only && { only: at.only }) });
    await (0,_postgres_ownership__WEBPACK_IMPORTED_MODULE_1__/* .createToolTable */ .LD)(target, SCHEMA_AT_SWITCH, `category text NOT NULL, name text NOT NULL, definition text NOT NULL, owner text`);
    await target.query(`TRUNCATE ${SCHEMA_AT_SWITCH}`);
    await target.query(`COMMENT ON TABLE ${SCHEMA_AT_SWITCH} IS ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(FIXED_TEXT_FORMS)}`);
    await target.query(`INSERT INTO ${SCHEMA_AT_SWITCH} (category, name, definition, owner)
     SELECT category, name, definition, owner
       FROM jsonb_to_recordset($1::jsonb) AS x(category text, name text, definition text, owner text)`, [JSON.stringify(items)]);
    return items.length;
}
/** The recorded summary, or undefined for a database promoted before schemas were recorded. */
async function readSchemaAtSwitch(target, at = DATABASE_OF_ITS_OWN) {
    const SCHEMA_AT_SWITCH = schemaAtSwitch(at.toolSchema);
    try {
        const { rows } = await target.query(`SELECT category, name, definition, owner FROM ${SCHEMA_AT_SWITCH}`);
        return rows;
    }
    catch (e) {
        const code = e.code;
        // 42P01 undefined table, 3F000 undefined schema: nothing was recorded.
        if (code === '42P01' || code === '3F000')
            return undefined;
        throw e;
    }
}
/** Whether the recorded summary was read under the tool's fixed text forms (see FIXED_TEXT_FORMS). */
async function recordedUnderFixedTextForms(target, at = DATABASE_OF_ITS_OWN) {
    const SCHEMA_AT_SWITCH = schemaAtSwitch(at.toolSchema);
    const { rows } = await target.query(`SELECT obj_description(to_regclass($1), 'pg_class') AS c`, [SCHEMA_AT_SWITCH]);
    return rows[0]?.c === FIXED_TEXT_FORMS;
}
/** Pure: what changed in the tenant's database since the switch, one line per object. */
function driftSinceSwitch(recorded, current) {
    return (0,_schema_parity__WEBPACK_IMPORTED_MODULE_2__/* .diffCatalogs */ .UA)(recorded, current, {
        missing: 'dropped since the switch',
        extra: 'added since the switch',
        differs: (was, now) => `changed since the switch (was: ${was}; now: ${now})`,
    });
}


/***/ }),

/***/ 27799:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Gw: () => (/* binding */ sourceItems),
/* harmony export */   i0: () => (/* binding */ targetItemsMappedBack),
/* harmony export */   vT: () => (/* binding */ recordedSchemaPlace),
/* harmony export */   xJ: () => (/* binding */ readFullyQualified)
/* harmony export */ });
/* harmony import */ var _names__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(46455);
/* harmony import */ var _postgres_ownership__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6922);
/* harmony import */ var _postgres_schema_layout__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(31686);



/**
 * Schema level: how both sides' catalogs are read for comparison — with an empty search_path
 * (pg_catalog only), so every name of a user schema prints schema-qualified on both sides and the
 * tenant's are written back to the source schemas (targetItemsMappedBack). Equivalent search_paths
 * are not enough: a type added to `public` later, named like a second mapped schema's type,
 * shadows it on the shared side only (`analytics.kind` there, `kind` on the tenant's side).
 */
async function readFullyQualified(client) {
    await client.query(`SELECT set_config('search_path', '', false)`);
}
const inSchemas = (items, schemas) => {
    const prefixes = schemas.map((s) => `${(0,_postgres_schema_layout__WEBPACK_IMPORTED_MODULE_2__/* .quoteLikePostgres */ .lH)(s)}.`);
    return items.filter((i) => prefixes.some((p) => i.name.startsWith(p)));
};
/** The source's items of the schemas the tenant's were mapped from. */
function sourceItems(items, layout) {
    return inSchemas(items, layout.mappings.map((m) => m.source));
}
/**
 * The tenant's items (only those in its schemas: in the shared database the others are the
 * shared ones), with every name of a tenant schema written back as its source schema, as
 * PostgreSQL would print it there.
 */
function targetItemsMappedBack(items, layout) {
    const inverse = (0,_postgres_schema_layout__WEBPACK_IMPORTED_MODULE_2__/* .inverseSchemaMap */ .YI)(layout);
    const back = (text) => (0,_postgres_schema_layout__WEBPACK_IMPORTED_MODULE_2__/* .mapStatement */ ._R)(text, inverse, { quote: _postgres_schema_layout__WEBPACK_IMPORTED_MODULE_2__/* .quoteLikePostgres */ .lH });
    return inSchemas(items, layout.mappings.map((m) => m.target)).map((i) => ({
        ...i,
        name: back(i.name),
        // Owners are always quoted, as TablePlan.qualified.
        owner: i.owner === null ? null : (0,_postgres_schema_layout__WEBPACK_IMPORTED_MODULE_2__/* .mapStatement */ ._R)(i.owner, inverse),
        definition: back(i.definition),
    }));
}
/**
 * Where the schema recorded at the switch lives and what the checks read of the tenant's side:
 * into the shared database, the tenant's tool schema there and its own schemas only.
 */
function recordedSchemaPlace(ctx) {
    const layout = ctx.schemaLayout;
    if (layout?.into !== 'shared-database')
        return { toolSchema: _postgres_ownership__WEBPACK_IMPORTED_MODULE_1__/* .RUN_SCHEMA */ .EJ };
    return { toolSchema: (0,_names__WEBPACK_IMPORTED_MODULE_0__/* .sharedToolSchema */ .No)(ctx.names.slug), only: layout.mappings.map((m) => m.target) };
}


/***/ }),

/***/ 16292:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   JN: () => (/* binding */ normaliseExpression),
/* harmony export */   UA: () => (/* binding */ diffCatalogs),
/* harmony export */   rf: () => (/* binding */ DRIFTED),
/* harmony export */   wV: () => (/* binding */ catalogSummary),
/* harmony export */   zA: () => (/* binding */ schemaParity)
/* harmony export */ });
/* unused harmony export parityDifferences */
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _postgres_ddl_translate__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(86170);
/* harmony import */ var _check__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(15651);
/* harmony import */ var _db__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(8217);
/* harmony import */ var _schema_fingerprint__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(41069);
/* harmony import */ var _postgres_connect__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(36741);
/* harmony import */ var _postgres_versions__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(60674);
/* harmony import */ var _postgres_tool_schemas__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(24024);
/* harmony import */ var _version_normalise__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(22380);
/* harmony import */ var _schema_level__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(27799);










/** How a check's reason starts when the tenant's schema changed since the switch (status verdict `drifted`). */
const DRIFTED = 'drifted since the switch:';
/**
 * The user schemas a summary reads: with `only` (the tenant's schemas, schema level) just those —
 * into the shared database they sit beside the shared ones, which the tool leaves out of every
 * other read (tool-schemas.ts).
 */
const userNs = (only) => `${only ? `n.nspname::text = ANY (ARRAY[${only.map((s) => pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(s)).join(', ') || 'NULL'}]::text[])` : (0,_postgres_tool_schemas__WEBPACK_IMPORTED_MODULE_5__/* .userSchemaSql */ .T0)('n')} AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;
/** Objects that belong to an extension are the extension's business. */
const NOT_EXTENSION = (classid, oid) => `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${classid}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;
const ROOT = (oid) => `(SELECT '"' || replace(rn.nspname, '"', '""') || '"."' || replace(rc.relname, '"', '""') || '"' FROM pg_class rc JOIN pg_namespace rn ON rn.oid = rc.relnamespace WHERE rc.oid = coalesce(pg_partition_root(${oid}), ${oid}))`;
/** A function definition's `SET` clauses with the settings newer majors renamed, by their new names (SQL). */
const RENAMED_IN_SQL = (def) => _postgres_ddl_translate__WEBPACK_IMPORTED_MODULE_1__/* .RENAMED_SETTINGS */ .p7.reduce((sql, r) => `regexp_replace(${sql}, ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeLiteral */ .Ay.escapeLiteral((0,_postgres_ddl_translate__WEBPACK_IMPORTED_MODULE_1__/* .renamedSettingClause */ .yR)(r.from))}, ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(String.raw `\1${r.to}\2`)}, 'gin')`, def);
/**
 * A summary of the user objects of a database, one item per object, compared by name. With
 * `policyRoles` (the source side), only policies that apply to PUBLIC or to one of those roles
 * are listed: the clone leaves out policies for roles that have no place in the tenant's
 * database (e.g. one that lets the promoting role past row-level security).
 */
async function catalogSummary(client, opts = {}) {
    const USER_NS = userNs(opts.only);
    // $1 is bound only for the policy query (see the loop below).
    const policyFilter = opts.policyRoles
        ? `WHERE (0::oid = ANY (p.polroles) OR EXISTS (SELECT 1 FROM pg_roles pr
              WHERE pr.oid = ANY (p.polroles) AND pr.rolname = ANY ($1::text[])))`
        : '';
    const rel = (c) => `quote_ident(n.nspname) || '.' || quote_ident(${c}.relname)`;
    const queries = [
        // tables (and partitions)
        `SELECT 'table' AS category, ${rel('c')} AS name,
            c.relkind::text || CASE WHEN c.relispartition THEN ' partition ' || pg_get_expr(c.relpartbound, c.oid) ELSE '' END
            || CASE WHEN c.relkind = 'p' THEN ' by ' || pg_get_partkeydef(c.oid) ELSE '' END AS definition,
            ${ROOT('c.oid')} AS owner
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND ${USER_NS} AND ${NOT_EXTENSION('pg_class', 'c.oid')}`,
        `SELECT 'column', ${rel('c')} || '.' || quote_ident(a.attname),
            format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
            || CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END
            || CASE WHEN a.attgenerated <> '' THEN ' generated ' ELSE '' END
            || coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), '')
            || ' #' || (SELECT count(*) FROM pg_attribute a2 WHERE a2.attrelid = a.attrelid AND a2.attnum > 0 AND NOT a2.attisdropped AND a2.attnum <= a.attnum),
            CASE WHEN c.relkind IN ('v', 'm') THEN NULL ELSE ${ROOT('c.oid')} END
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
      WHERE c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped AND ${USER_NS} AND ${NOT_EXTENSION('pg_class', 'c.oid')}`,
        // Constraints PostgreSQL derives from a parent's (on partitions, and per partition of a
        // referenced partitioned table) follow from the parent's definition, which is compared; their
        // generated names and validation flags are the server's business.
        `SELECT 'constraint', ${rel('c')} || '.' || quote_ident(k.conname), pg_get_constraintdef(k.oid), ${ROOT('c.oid')}
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${USER_NS} AND k.conparentid = 0`,
        // An index of a materialized view belongs to no planned table: compared as free-standing, like the view.
        `SELECT 'index', quote_ident(n.nspname) || '.' || quote_ident(i.relname), pg_get_indexdef(i.oid),
            CASE WHEN c.relkind IN ('v', 'm') THEN NULL ELSE ${ROOT('c.oid')} END
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = i.relnamespace
      WHERE ${USER_NS} AND ${NOT_EXTENSION('pg_class', 'c.oid')}`,
        // Bounds are left out: an isolated tenant's sequences get their own range (sequence-ranges.ts),
        // which the sequences check verifies against the register.
        `SELECT 'sequence', ${rel('c')},
            format_type(s.seqtypid, NULL) || ' increment ' || s.seqincrement || ' cycle ' || s.seqcycle::text,
            (SELECT ${ROOT('d.refobjid')} FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1)
       FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${USER_NS} AND ${NOT_EXTENSION('pg_class', 'c.oid')}`,
        `SELECT 'policy', ${rel('c')} || '.' || quote_ident(p.polname),
            p.polcmd::text || CASE WHEN p.polpermissive THEN ' permissive' ELSE ' restrictive' END
            || coalesce(' using ' || pg_get_expr(p.polqual, p.polrelid), '')
            || coalesce(' check ' || pg_get_expr(p.polwithcheck, p.polrelid), ''),
            ${ROOT('c.oid')}
       FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       ${policyFilter}`,
        `SELECT 'row security', ${rel('c')},
            CASE WHEN c.relrowsecurity THEN 'enabled' ELSE 'disabled' END || CASE WHEN c.relforcerowsecurity THEN ', forced' ELSE '' END,
            ${ROOT('c.oid')}
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND (c.relrowsecurity OR c.relforcerowsecurity) AND ${USER_NS}`,
        `SELECT 'trigger', ${rel('c')} || '.' || quote_ident(t.tgname), pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text, ${ROOT('c.oid')}
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND ${USER_NS}`,
        `SELECT 'view', ${rel('c')}, c.relkind::text || ' ' || pg_get_viewdef(c.oid), NULL
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('v', 'm') AND ${USER_NS} AND ${NOT_EXTENSION('pg_class', 'c.oid')}`,
        `SELECT 'type', quote_ident(n.nspname) || '.' || quote_ident(t.typname),
            t.typtype::text || coalesce(' ' || (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '')
            || coalesce(' ' || format_type(t.typbasetype, t.typtypmod), ''), NULL
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE t.typtype IN ('e', 'd') AND ${USER_NS} AND ${NOT_EXTENSION('pg_type', 't.oid')}`,
        // Settings a newer major renamed are compared by their new names, and say so (version-normalise.ts).
        `SELECT 'function', quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')',
            ${opts.functionText ? 'd.renamed' : 'md5(d.renamed)'} || CASE WHEN d.renamed <> d.def THEN '${_version_normalise__WEBPACK_IMPORTED_MODULE_6__/* .RENAMED_MARK */ .J$}' ELSE '' END, NULL
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       CROSS JOIN LATERAL (SELECT f.def, ${RENAMED_IN_SQL('f.def')} AS renamed FROM (SELECT pg_get_functiondef(p.oid) AS def) f) d
      WHERE p.prokind IN ('f', 'p') AND ${USER_NS} AND ${NOT_EXTENSION('pg_proc', 'p.oid')}`,
        `SELECT 'extension', quote_ident(e.extname), '', NULL FROM pg_extension e WHERE e.extname <> 'plpgsql'`,
    ];
    const items = [];
    for (const q of queries) {
        const params = policyFilter && q.includes(policyFilter) ? [opts.policyRoles] : [];
        const r = await client.query(`SELECT * FROM (${q}) x (category, name, definition, owner)`, params);
        for (const row of r.rows)
            items.push(row);
    }
    return items;
}
/** Categories whose definitions are expressions PostgreSQL re-deparses when the clone re-parses them. */
const EXPRESSIONS = new Set(['constraint', 'index', 'policy', 'column']);
/** A cast: `::name`, multi-word type names, a type modifier, array brackets. */
const CAST = /::\s*(?:"(?:[^"]|"")*"|[a-z_][a-z0-9_$]*)(?:\.(?:"(?:[^"]|"")*"|[a-z_][a-z0-9_$]*))?(?:\s+(?:varying|precision|with(?:out)? time zone))?(?:\s*\(\s*\d+(?:\s*,\s*\d+)?\s*\))?(?:\s*\[\s*\])*/gi;
/**
 * The meaning of a deparsed expression, for comparison: PostgreSQL re-parsing its own output
 * adds or moves casts and parentheses (`(ARRAY['a'::varchar])::text[]` becomes
 * `ARRAY[('a'::varchar)::text]`), so both are dropped outside string literals and identifiers.
 */
function normaliseExpression(definition) {
    let out = '';
    // Split into quoted parts (kept as they are) and code (casts and parentheses dropped).
    const parts = definition.split(/('(?:[^']|'')*'|"(?:[^"]|"")*")/);
    for (const [i, part] of parts.entries()) {
        if (i % 2 === 1) {
            out += part;
            continue;
        }
        out += part
            .replace(CAST, '')
            .replace(/[()]/g, ' ')
            .replace(/\s+/g, ' ')
            .replace(/\s*([,=<>[\]])\s*/g, '$1');
    }
    return out.trim();
}
const SOURCE_AND_NEW = {
    missing: 'missing in the new database',
    extra: 'only in the new database',
    differs: (source, target) => `differs (source: ${source}; new: ${target})`,
};
/** Pure: the differences between two summaries, by category and name. */
function diffCatalogs(source, target, words = SOURCE_AND_NEW) {
    const key = (i) => `${i.category} ${i.name}`;
    const s = new Map(source.map((i) => [key(i), i]));
    const t = new Map(target.map((i) => [key(i), i]));
    const same = (a, b) => a.definition === b.definition ||
        (EXPRESSIONS.has(a.category) && normaliseExpression(a.definition) === normaliseExpression(b.definition));
    const out = [];
    for (const [k, i] of s) {
        const other = t.get(k);
        if (!other)
            out.push(`${i.category} ${i.name}: ${words.missing}`);
        else if (!same(i, other))
            out.push(`${i.category} ${i.name}: ${words.differs(i.definition, other.definition)}`);
    }
    for (const [k, i] of t)
        if (!s.has(k))
            out.push(`${i.category} ${i.name}: ${words.extra}`);
    return out;
}
/** Pure: the differences that matter, objects of source tables the plan leaves out not expected. */
function parityDifferences(source, target, planned) {
    const inPlan = (i) => i.owner === null || planned.has(i.owner);
    return diffCatalogs(source.filter(inPlan), target);
}
/**
 * Tables, columns and types, constraints, indexes, sequences, policies, row security,
 * triggers, views, enum/domain types and functions of the new database match the source.
 * Objects of source tables the plan leaves out are not expected in the new database.
 */
const schemaParity = {
    name: 'schema-parity',
    title: 'Schema parity',
    async run(ctx, budgetMs) {
        let source;
        let target;
        try {
            source = await (0,_db__WEBPACK_IMPORTED_MODULE_2__/* .connectFor */ .It)(ctx.sourceUrl, budgetMs);
            target = await (0,_db__WEBPACK_IMPORTED_MODULE_2__/* .connectFor */ .It)(ctx.targetUrl, budgetMs);
            // After the switch, the schema recorded then is the reference: see schema-fingerprint.ts.
            const at = (0,_schema_level__WEBPACK_IMPORTED_MODULE_7__/* .recordedSchemaPlace */ .vT)(ctx);
            const only = at.only && { only: at.only };
            const recorded = ctx.afterSwitch ? await (0,_schema_fingerprint__WEBPACK_IMPORTED_MODULE_3__/* .readSchemaAtSwitch */ .Jz)(target, at) : undefined;
            if (recorded) {
                let now = await catalogSummary(target, { ...only });
                let drift = (0,_schema_fingerprint__WEBPACK_IMPORTED_MODULE_3__/* .driftSinceSwitch */ .IS)(recorded, now);
                if (drift.length > 0 && !(await (0,_schema_fingerprint__WEBPACK_IMPORTED_MODULE_3__/* .recordedUnderFixedTextForms */ .Dp)(target, at))) {
                    // Recorded by an earlier version under the database's own TimeZone and DateStyle: read
                    // again the same way, or every timestamptz default would count as drift.
                    const asRecorded = await (0,_db__WEBPACK_IMPORTED_MODULE_2__/* .connectFor */ .It)(ctx.targetUrl, budgetMs, undefined, _postgres_connect__WEBPACK_IMPORTED_MODULE_4__/* .SESSION_OPTIONS_WITH_DATABASE_TEXT_FORMS */ .ZA);
                    try {
                        now = await catalogSummary(asRecorded, { ...only });
                    }
                    finally {
                        await (0,_db__WEBPACK_IMPORTED_MODULE_2__/* .closeQuietly */ .EO)(asRecorded);
                    }
                    drift = (0,_schema_fingerprint__WEBPACK_IMPORTED_MODULE_3__/* .driftSinceSwitch */ .IS)(recorded, now);
                }
                if (drift.length === 0)
                    return (0,_check__WEBPACK_IMPORTED_MODULE_8__/* .pass */ .IX)(`${now.length} catalog objects as recorded at the switch`);
                return (0,_check__WEBPACK_IMPORTED_MODULE_8__/* .warn */ .R8)(`${DRIFTED} ${drift.length} difference(s) from the schema recorded then: ${drift[0]}`, (0,_check__WEBPACK_IMPORTED_MODULE_8__/* .capDetails */ .Tw)(drift));
            }
            const planned = new Set((0,_db__WEBPACK_IMPORTED_MODULE_2__/* .plannedTables */ .uS)(ctx).map((t) => t.qualified));
            // A target on a newer major represents some objects differently: named rules even that out.
            const majors = { source: await (0,_postgres_versions__WEBPACK_IMPORTED_MODULE_9__/* .serverMajor */ .jk)(source), target: await (0,_postgres_versions__WEBPACK_IMPORTED_MODULE_9__/* .serverMajor */ .jk)(target) };
            // Schema level: both sides read with every name qualified (readFullyQualified), the tenant's
            // items mapped back to the source schemas, and each side restricted to its schemas (in the
            // shared database, source and target are one database).
            const layout = ctx.schemaLayout;
            if (layout) {
                await (0,_schema_level__WEBPACK_IMPORTED_MODULE_7__/* .readFullyQualified */ .xJ)(source);
                await (0,_schema_level__WEBPACK_IMPORTED_MODULE_7__/* .readFullyQualified */ .xJ)(target);
            }
            const sourceSummary = await catalogSummary(source, {
                ...(ctx.mappedRoles && { policyRoles: ctx.mappedRoles }),
                functionText: layout !== undefined,
            });
            const targetSummary = await catalogSummary(target, { functionText: layout !== undefined, ...only });
            const { source: s, target: t, applied, } = (0,_version_normalise__WEBPACK_IMPORTED_MODULE_6__/* .normaliseAcrossVersions */ .lQ)(layout ? (0,_schema_level__WEBPACK_IMPORTED_MODULE_7__/* .sourceItems */ .Gw)(sourceSummary, layout) : sourceSummary, layout ? (0,_schema_level__WEBPACK_IMPORTED_MODULE_7__/* .targetItemsMappedBack */ .i0)(targetSummary, layout) : targetSummary, majors);
            const normalised = applied.length
                ? `; PostgreSQL ${majors.source} → ${majors.target}, normalised: ${applied.join('; ')}`
                : '';
            const differences = parityDifferences(s, t, planned);
            if (differences.length === 0)
                return (0,_check__WEBPACK_IMPORTED_MODULE_8__/* .pass */ .IX)(`${s.length} catalog objects match${normalised}`);
            // Functions and extensions are reported but do not fail: the shared database may carry helpers the tenant never uses.
            const soft = differences.filter((d) => d.startsWith('function ') || d.startsWith('extension '));
            const hard = differences.filter((d) => !soft.includes(d));
            if (hard.length)
                return (0,_check__WEBPACK_IMPORTED_MODULE_8__/* .fail */ .fJ)(`${hard.length} difference(s): ${hard[0]}${normalised}`, (0,_check__WEBPACK_IMPORTED_MODULE_8__/* .capDetails */ .Tw)([...hard, ...soft]));
            return (0,_check__WEBPACK_IMPORTED_MODULE_8__/* .warn */ .R8)(`${soft.length} function/extension difference(s): ${soft[0]}${normalised}`, (0,_check__WEBPACK_IMPORTED_MODULE_8__/* .capDetails */ .Tw)(soft));
        }
        finally {
            await (0,_db__WEBPACK_IMPORTED_MODULE_2__/* .closeQuietly */ .EO)(source);
            await (0,_db__WEBPACK_IMPORTED_MODULE_2__/* .closeQuietly */ .EO)(target);
        }
    },
};


/***/ }),

/***/ 22380:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   J$: () => (/* binding */ RENAMED_MARK),
/* harmony export */   lQ: () => (/* binding */ normaliseAcrossVersions)
/* harmony export */ });
/* unused harmony export VERSION_NORMALISATIONS */
const straddles = (since) => (s, t) => s < since !== t < since;
/** Names of the partitions among the summary's tables (`"schema"."table"`-style names as listed). */
function partitionNames(items) {
    return new Set(items.filter((i) => i.category === 'table' && /^[rp] partition /.test(i.definition)).map((i) => i.name));
}
const IDENT = String.raw `(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)`;
/** `FROM [schema.]relation [alias]` and whether a comma (another relation) follows. */
const FROM_ITEM = new RegExp(String.raw `\bFROM\s+(?:${IDENT}\.)?(${IDENT})(?:\s+(?:AS\s+)?(${IDENT}))?(\s*,)?`, 'gi');
const NOT_ALIAS = new Set('where group order limit offset fetch having window union intersect except join inner left right full cross natural on for'.split(' '));
/**
 * A view's definition without the qualifiers PostgreSQL 16 stopped writing: in a query level
 * that reads one relation, its columns lose their `relation.` (or `alias.`) prefix. Only those
 * prefixes go — schema names stay — and a definition that joins or lists several relations is
 * left exact (16 still qualifies there, and dropping would hide two columns swapped between
 * the joined tables).
 */
function dropQualifiers(definition) {
    const parts = definition.split(/('(?:[^']|'')*')/);
    const code = parts.filter((_, i) => i % 2 === 0).join(' ');
    if (/\bJOIN\b/i.test(code))
        return definition;
    const names = new Set();
    for (const m of code.matchAll(FROM_ITEM)) {
        if (m[3])
            return definition;
        const alias = m[2] && !NOT_ALIAS.has(m[2].toLowerCase()) ? m[2] : undefined;
        names.add((alias ?? m[1]).toLowerCase());
    }
    // `FROM ( subquery ) alias`: the alias is the one relation of the outer level.
    for (const m of code.matchAll(/\bFROM\s+\(/gi)) {
        let depth = 0;
        let end = m.index + m[0].length - 1;
        for (; end < code.length; end++) {
            if (code[end] === '(')
                depth++;
            else if (code[end] === ')' && --depth === 0)
                break;
        }
        const after = new RegExp(String.raw `^\)\s+(?:AS\s+)?(${IDENT})(\s*,)?`, 'i').exec(code.slice(end));
        if (after?.[2])
            return definition;
        if (after && !NOT_ALIAS.has(after[1].toLowerCase()))
            names.add(after[1].toLowerCase());
    }
    if (!names.size)
        return definition;
    const qualifier = new RegExp(String.raw `(?<![.\w"])(${IDENT})\.(?=["a-z_])`, 'gi');
    return parts
        .map((p, i) => i % 2 === 1
        ? p
        : p.replace(qualifier, (whole, name) => (names.has(name.toLowerCase()) ? '' : whole)))
        .join('');
}
/** The item itself when nothing changed (so the rule is reported only when it did something). */
const withDefinition = (i, definition) => definition === i.definition ? i : { ...i, definition };
/** Appended to a function's definition digest when its SET clauses name a setting a newer major renamed. */
const RENAMED_MARK = ' (SET clause with a renamed setting)';
const VERSION_NORMALISATIONS = [
    {
        // PostgreSQL 18 records every NOT NULL as a named constraint in pg_constraint; before, only
        // pg_attribute.attnotnull said so — which the column items already compare.
        name: 'not-null constraints (pg_constraint from PostgreSQL 18) compared as the columns’ NOT NULL',
        applies: straddles(18),
        apply: (items) => items.filter((i) => !(i.category === 'constraint' && /^NOT NULL /.test(i.definition))),
    },
    {
        // From PostgreSQL 17 a partition's column carries the identity of its partitioned table's;
        // the identity itself is compared on the partitioned table.
        name: 'identity of partitions’ columns (inherited from the partitioned table from PostgreSQL 17)',
        applies: straddles(17),
        apply: (items) => {
            const partitions = partitionNames(items);
            return items.map((i) => {
                if (i.category !== 'column')
                    return i;
                const table = i.name.slice(0, i.name.lastIndexOf('.'));
                if (!partitions.has(table))
                    return i;
                return withDefinition(i, i.definition.replace(/ identity [ad]\b/, ''));
            });
        },
    },
    {
        // The clone writes `SET force_parallel_mode` as `SET debug_parallel_query` for PostgreSQL 16
        // (ddl/translate.ts); the digests compare the new names, the mark says the old one was there.
        name: 'function SET clauses with settings renamed in PostgreSQL 16 (force_parallel_mode → debug_parallel_query)',
        applies: straddles(16),
        apply: (items) => items.map((i) => i.category === 'function' && i.definition.endsWith(RENAMED_MARK)
            ? withDefinition(i, i.definition.slice(0, -RENAMED_MARK.length))
            : i),
    },
    {
        // PostgreSQL 16's pg_get_viewdef leaves out a column's table name where the query reads
        // one table; 15 wrote `daily_usage.tenant_id`. Qualifiers are dropped on both sides.
        name: 'view definitions without table qualifiers (pg_get_viewdef from PostgreSQL 16)',
        applies: straddles(16),
        apply: (items) => items.map((i) => (i.category === 'view' ? withDefinition(i, dropQualifiers(i.definition)) : i)),
    },
];
/**
 * Both summaries rewritten by every rule the two majors straddle, and the names of the rules
 * that changed either side (pure).
 */
function normaliseAcrossVersions(source, target, majors) {
    const applied = [];
    let [s, t] = [source, target];
    for (const rule of VERSION_NORMALISATIONS) {
        if (!rule.applies(majors.source, majors.target))
            continue;
        const [ns, nt] = [rule.apply(s), rule.apply(t)];
        const changed = (a, b) => a.length !== b.length || a.some((x, k) => x !== b[k]);
        if (changed(s, ns) || changed(t, nt))
            applied.push(rule.name);
        [s, t] = [ns, nt];
    }
    return { source: s, target: t, applied };
}


/***/ })

};
;