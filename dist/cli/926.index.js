"use strict";
exports.id = 926;
exports.ids = [926];
exports.modules = {

/***/ 89926:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  TenantStatus: () => (/* binding */ TenantStatus),
  tenantStatus: () => (/* binding */ tenantStatus)
});

// UNUSED EXPORTS: Overall, TableStatus, judge, verdictOf

// EXTERNAL MODULE: ./src/postgres/app-roles.ts
var app_roles = __webpack_require__(256);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(51455);
// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 15 modules
var schemas = __webpack_require__(9691);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
// EXTERNAL MODULE: ./src/names.ts
var src_names = __webpack_require__(46455);
;// CONCATENATED MODULE: ./src/log.ts
/** A logger that keeps lines in memory; for tests and for quiet runs. */
function memoryLogger() {
    const lines = [];
    return {
        lines,
        info: (m) => void lines.push(m),
        warn: (m) => void lines.push(`warning: ${m}`),
        error: (m) => void lines.push(`error: ${m}`),
        debug: () => undefined,
        group: async (title, fn) => {
            lines.push(`## ${title}`);
            return fn();
        },
        secret: () => undefined,
    };
}

// EXTERNAL MODULE: ./src/postgres/catalog.ts
var catalog = __webpack_require__(17092);
// EXTERNAL MODULE: ./src/postgres/connect.ts
var connect = __webpack_require__(36741);
// EXTERNAL MODULE: ./src/postgres/plan.ts
var postgres_plan = __webpack_require__(43524);
// EXTERNAL MODULE: ./src/validation/schema-parity.ts
var schema_parity = __webpack_require__(16292);
// EXTERNAL MODULE: ./src/pipeline/plan-options.ts
var plan_options = __webpack_require__(44224);
// EXTERNAL MODULE: ./src/postgres/tenant-key.ts
var tenant_key = __webpack_require__(72713);
// EXTERNAL MODULE: ./src/postgres/sequence-ranges.ts
var sequence_ranges = __webpack_require__(78569);
// EXTERNAL MODULE: ./src/postgres/sql.ts
var sql = __webpack_require__(75259);
// EXTERNAL MODULE: ./src/postgres/servers.ts
var postgres_servers = __webpack_require__(14591);
// EXTERNAL MODULE: ./src/postgres/target-server.ts
var target_server = __webpack_require__(21520);
// EXTERNAL MODULE: ./src/postgres/plan-types.ts
var plan_types = __webpack_require__(54680);
// EXTERNAL MODULE: ./src/secrets.ts
var secrets = __webpack_require__(27194);
;// CONCATENATED MODULE: ./src/pipeline/record.ts

/**
 * The record of one run. Every output — PR comment, job summary, status JSON, terminal — is a
 * rendering of this record, so it is the contract between the pipeline and the reporters.
 */
const StepStatus = schemas/* enum */.k5n([
    'pending',
    'running',
    'done',
    'skipped',
    'failed',
    'undone',
    'undo-failed',
]);
const StepRecord = schemas/* object */.Ikc({
    name: schemas/* string */.YjP(),
    title: schemas/* string */.YjP(),
    status: StepStatus,
    startedAt: schemas/* string */.YjP().optional(),
    durationMs: schemas/* number */.aig().optional(),
    /** One line on what the step did (or why it was skipped). */
    detail: schemas/* string */.YjP().optional(),
    error: schemas/* string */.YjP().optional(),
});
const CheckStatus = schemas/* enum */.k5n(['pass', 'warn', 'fail', 'skip']);
const CheckRecord = schemas/* object */.Ikc({
    name: schemas/* string */.YjP(),
    title: schemas/* string */.YjP(),
    status: CheckStatus,
    reason: schemas/* string */.YjP(),
    details: schemas/* array */.YOg(schemas/* string */.YjP()).default([]),
    durationMs: schemas/* number */.aig().optional(),
    /** Checks that work table by table: ms per qualified table. */
    tableMs: schemas/* record */.g1P(schemas/* string */.YjP(), schemas/* number */.aig()).optional(),
});
/**
 * How a planned table's rows are selected: `root` the tenants row; `tenant` rows carrying the
 * tenant key (and the global rows — NULL key — the tenant's rows reference); `dependent` rows
 * that reach the tenant's rows through foreign keys; `referenced` rows of a table without the
 * tenant key that copied rows reference, and the rows that reference only such rows (a user's
 * password-reset tokens); `reference` a table copied whole (unrelated to the tenant, or by
 * `shared-rows: whole` / a `copy` override).
 */
const TableKind = schemas/* enum */.k5n(['root', 'tenant', 'dependent', 'referenced', 'reference']);
const TableRecord = schemas/* object */.Ikc({
    schema: schemas/* string */.YjP(),
    name: schemas/* string */.YjP(),
    kind: TableKind,
    /** Rows planned (counted in the source snapshot, or the planner's estimate when `plannedEstimated`). */
    plannedRows: schemas/* number */.aig().optional(),
    /** `plannedRows` is the planner's estimate (a promotion), not a count (a dry run): shown as `~N`. */
    plannedEstimated: schemas/* boolean */.zMY().optional(),
    /** Rows written to the new database. */
    copiedRows: schemas/* number */.aig().optional(),
    /** Rows committed per range when the copy split the table into ranges (copy-ranges.ts); absent when copied whole. */
    copiedRanges: schemas/* array */.YOg(schemas/* number */.aig()).optional(),
    bytes: schemas/* number */.aig().optional(),
    durationMs: schemas/* number */.aig().optional(),
    /** Rows deleted from the shared database by cleanup. */
    deletedRows: schemas/* number */.aig().optional(),
    checksum: schemas/* string */.YjP().optional(),
});
const Operation = schemas/* enum */.k5n(['promote', 'rollback']);
const RunResult = schemas/* enum */.k5n([
    'promoted',
    'already-isolated',
    'dry-run',
    'skipped',
    'failed',
    'rolled-back',
    'running',
]);
const TriggerInfo = schemas/* object */.Ikc({
    /** Who asked for it: the labeler, the dispatcher, the CLI user. */
    actor: schemas/* string */.YjP().optional(),
    source: schemas/* string */.YjP(),
    pullRequest: schemas/* number */.aig().optional(),
    runUrl: schemas/* string */.YjP().optional(),
    runId: schemas/* string */.YjP().optional(),
});
const RunRecord = schemas/* object */.Ikc({
    operation: Operation,
    tenant: schemas/* string */.YjP(),
    database: schemas/* string */.YjP().optional(),
    result: RunResult,
    dryRun: schemas/* boolean */.zMY().default(false),
    startedAt: schemas/* string */.YjP(),
    finishedAt: schemas/* string */.YjP().optional(),
    trigger: TriggerInfo,
    /** This run's fencing token (postgres/ownership.ts), once it has claimed the tenant. */
    runToken: schemas/* string */.YjP().optional(),
    steps: schemas/* array */.YOg(StepRecord),
    checks: schemas/* array */.YOg(CheckRecord).default([]),
    tables: schemas/* array */.YOg(TableRecord).default([]),
    /** The isolation level of the run and where it came from (input, tenant settings, default). */
    isolationLevel: schemas/* object */.Ikc({ level: schemas/* enum */.k5n(['database', 'schema']), from: schemas/* enum */.k5n(['input', 'tenant-settings', 'default']) })
        .optional(),
    /** Schema level: where each source schema goes, and the search_path the application sets. */
    schemaLayout: schemas/* object */.Ikc({
        into: schemas/* enum */.k5n(['shared-database', 'new-database']),
        mappings: schemas/* array */.YOg(schemas/* object */.Ikc({ source: schemas/* string */.YjP(), target: schemas/* string */.YjP() })),
        searchPath: schemas/* array */.YOg(schemas/* string */.YjP()),
    })
        .optional(),
    /** Planning notes: warnings (unindexed foreign keys, …) that do not block. */
    notes: schemas/* array */.YOg(schemas/* string */.YjP()).default([]),
    /** True once the commit point has passed: failures after it are resumed, not undone. */
    committed: schemas/* boolean */.zMY().default(false),
    /** How long the tenant's writes were blocked at the switch. */
    freezeMs: schemas/* number */.aig().optional(),
    /**
     * What the freeze did (see freezePass): the tenant's rows read in the shared database, the row
     * versions the cheap filter let through, and the rows written to the new database — the last
     * grows with the writes made since the base pass, not with the tenant.
     */
    freeze: schemas/* object */.Ikc({
        ms: schemas/* number */.aig(),
        scannedRows: schemas/* number */.aig(),
        candidateRows: schemas/* number */.aig().optional(),
        reappliedRows: schemas/* number */.aig(),
        /**
         * Transactions in progress at the base snapshot: those proven to run in another database
         * (they never widen the candidates, see base-snapshot.ts) and the rest (they may).
         */
        openElsewhere: schemas/* number */.aig().optional(),
        openHere: schemas/* number */.aig().optional(),
        /**
         * Where the switch's time before the freeze went, per phase in ms (the base comparison,
         * catch-up, large objects, row ledger, the freeze pass's base digests): the unfrozen part
         * that the benchmark weighs against the copy.
         */
        unfrozenMs: schemas/* record */.g1P(schemas/* string */.YjP(), schemas/* number */.aig()).optional(),
    })
        .optional(),
    serviceUrl: schemas/* string */.YjP().optional(),
    revision: schemas/* string */.YjP().optional(),
    error: schemas/* object */.Ikc({
        code: schemas/* string */.YjP(),
        message: schemas/* string */.YjP(),
        hint: schemas/* string */.YjP().optional(),
        step: schemas/* string */.YjP().optional(),
    })
        .optional(),
    /** Steps whose effects were undone after a failure, in the order they were undone. */
    undone: schemas/* array */.YOg(schemas/* string */.YjP()).default([]),
});

// EXTERNAL MODULE: ./src/pipeline/routing.ts
var pipeline_routing = __webpack_require__(36372);
// EXTERNAL MODULE: ./src/pipeline/tenant-state.ts
var tenant_state = __webpack_require__(95136);
// EXTERNAL MODULE: ./src/postgres/schema-layout.ts + 1 modules
var schema_layout = __webpack_require__(31686);
;// CONCATENATED MODULE: ./src/pipeline/status.ts






















/**
 * `status`: what is true about one tenant right now, read from the shared database, the
 * isolated database, the cluster's roles and the routing files. Read-only.
 */
const Overall = schemas/* enum */.k5n(['shared', 'isolated', 'partial']);
const TableStatus = schemas/* object */.Ikc({
    schema: schemas/* string */.YjP(),
    name: schemas/* string */.YjP(),
    kind: TableKind,
    /** The tenant's rows in the shared database (all rows for reference tables); null if unreadable. */
    shared: schemas/* number */.aig().nullable(),
    /** Rows in the isolated database; null when it (or the table) does not exist. */
    isolated: schemas/* number */.aig().nullable(),
});
const TenantStatus = schemas/* object */.Ikc({
    tenant: schemas/* string */.YjP(),
    overall: Overall,
    /** Why `overall` is what it is; for `partial`, each inconsistency found and how to fix it. */
    reasons: schemas/* array */.YOg(schemas/* string */.YjP()),
    checkedAt: schemas/* string */.YjP(),
    sharedDatabase: schemas/* string */.YjP(),
    tenantRow: schemas/* object */.Ikc({
        id: schemas/* string */.YjP(),
        isolationMode: schemas/* string */.YjP(),
        /** The column of the tenants table the tenant key holds (the plan's rule), and this tenant's value in it. */
        key: schemas/* object */.Ikc({ column: schemas/* string */.YjP(), value: schemas/* string */.YjP() }).optional(),
    }),
    /** `settings.isolation` as stored (state, audit history, service…); null when never promoted. */
    isolation: tenant_state/* IsolationSettings */.AU.nullable(),
    /** Set when `settings.isolation` exists but does not parse. */
    isolationError: schemas/* string */.YjP().optional(),
    database: schemas/* object */.Ikc({ name: schemas/* string */.YjP(), exists: schemas/* boolean */.zMY() }),
    /** The level the tenant was promoted at (settings.isolation.isolation_level; absent there: database). */
    isolationLevel: schemas/* enum */.k5n(['database', 'schema']),
    /** Schema level: the tenant's schema in that database and the search_path its application sets. */
    schema: schemas/* object */.Ikc({ name: schemas/* string */.YjP(), searchPath: schemas/* array */.YOg(schemas/* string */.YjP()) }).optional(),
    roles: schemas/* array */.YOg(schemas/* object */.Ikc({ name: schemas/* string */.YjP(), purpose: schemas/* enum */.k5n(['owner', 'app']), exists: schemas/* boolean */.zMY() })),
    tables: schemas/* array */.YOg(TableStatus),
    /** Planning problems (blockers) and notes; informative in status. */
    planNotes: schemas/* array */.YOg(schemas/* string */.YjP()),
    routing: schemas/* array */.YOg(schemas/* object */.Ikc({ path: schemas/* string */.YjP(), exists: schemas/* boolean */.zMY(), valid: schemas/* boolean */.zMY() })),
    serviceUrl: schemas/* string */.YjP().optional(),
    /**
     * Per sequence: the shared side's value and the ids it keeps, the isolated side's value and
     * MINVALUE–MAXVALUE, and the range the register gives the tenant (see sequence-ranges.ts).
     * Present once the tenant has a range.
     */
    sequenceRanges: schemas/* object */.Ikc({
        slot: schemas/* number */.aig(),
        sequences: schemas/* array */.YOg(schemas/* object */.Ikc({
            sequence: schemas/* string */.YjP(),
            type: schemas/* string */.YjP(),
            shared: schemas/* object */.Ikc({ value: schemas/* string */.YjP().nullable(), keeps: schemas/* string */.YjP() }).nullable(),
            isolated: schemas/* object */.Ikc({ value: schemas/* string */.YjP().nullable(), first: schemas/* string */.YjP(), last: schemas/* string */.YjP() })
                .nullable(),
            registered: schemas/* object */.Ikc({ first: schemas/* string */.YjP(), last: schemas/* string */.YjP() }).nullable(),
        })),
    })
        .optional(),
    /** `--verify`: the post-promotion checks re-run against the isolated database. */
    checks: schemas/* array */.YOg(CheckRecord).optional(),
    /**
     * `--verify`: `damaged` when a check proves something wrong (a row of another tenant, a broken
     * foreign key, a lost index or constraint, a sequence behind its column…: a `fail`, exit 1);
     * `changed` when row counts or digests differ from those recorded at the switch (the
     * application's writes: information, exit 0); `unchanged` otherwise.
     */
    verdict: schemas/* enum */.k5n(['unchanged', 'changed', 'drifted', 'damaged']).optional(),
});
/** The tenant's row, by slug; unlike the engine's readTenant it keeps a malformed settings.isolation for the report. */
async function readTenantRow(client, tenantsTable, slug) {
    const { rows } = await client.query(`SELECT t.id::text AS id, pg_typeof(t.id)::text AS id_type, t.isolation_mode::text AS isolation_mode, t.settings
       FROM ${(0,sql/* quoteQualified */.$s)(tenantsTable)} t WHERE t.slug = $1`, [slug]);
    const row = rows[0];
    if (!row) {
        throw new errors/* PromotionError */.g1('tenant-not-found', `Tenant "${slug}" was not found in ${tenantsTable}.`, 'Check the slug (the slug column of the tenants table) and that the connection points at the shared database.');
    }
    return {
        id: row.id,
        idType: row.id_type,
        isolationMode: row.isolation_mode ?? 'shared',
        settings: row.settings,
    };
}
async function countRows(client, sql) {
    try {
        const { rows } = await client.query(sql);
        return Number(rows[0]?.n ?? 0);
    }
    catch {
        return null;
    }
}
/** A routing file: present, and valid against its schema. */
async function fileState(path, schema) {
    try {
        await (0,promises_.access)(path);
    }
    catch {
        return { path, exists: false, valid: false };
    }
    try {
        return { path, exists: true, valid: schema.safeParse(JSON.parse(await (0,promises_.readFile)(path, 'utf8'))).success };
    }
    catch {
        return { path, exists: true, valid: false };
    }
}
/** Decides shared / isolated / partial from the facts gathered (pure). */
function judge(s) {
    const problems = [];
    const mode = s.tenantRow.isolationMode;
    const state = s.isolation?.state;
    const rolesPresent = s.roles.filter((r) => r.exists).map((r) => r.name);
    const filesPresent = s.routing.filter((f) => f.exists).map((f) => f.path);
    if (s.isolationError)
        problems.push(`settings.isolation does not parse: ${s.isolationError}`);
    // Into the shared database (schema level) the tenant's side is its schemas there.
    const side = s.isolation?.schema?.into === 'shared-database'
        ? `the tenant's schema(s) ${s.isolation.schema.mappings.map((m) => m.target).join(', ')} of database ${s.database.name}`
        : `database ${s.database.name}`;
    if (mode === 'isolated') {
        if (!s.database.exists) {
            problems.push(`status says isolated but ${side} does not exist; restore it, or roll back with: rollback --tenant-slug=${s.tenant} --confirm`);
        }
        if (state === 'switched') {
            problems.push('a promotion stopped after its switch (state "switched"); re-run promote to finish routing and cleanup');
        }
        else if (state !== 'complete') {
            problems.push(`status says isolated but settings.isolation.state is ${state ? `"${state}"` : 'missing'}`);
        }
        for (const r of s.roles.filter((r) => !r.exists))
            problems.push(`role ${r.name} (${r.purpose}) does not exist`);
        for (const f of s.routing.filter((f) => !f.exists))
            problems.push(`routing file ${f.path} is missing`);
        for (const f of s.routing.filter((f) => f.exists && !f.valid))
            problems.push(`routing file ${f.path} does not match its schema`);
        if (s.database.exists) {
            for (const t of s.tables.filter((t) => t.isolated === null)) {
                problems.push(`table ${t.schema}.${t.name} is missing from ${s.database.name}`);
            }
        }
        if (problems.length === 0) {
            const kept = s.tables.filter((t) => t.kind !== 'reference' && t.kind !== 'root' && (t.shared ?? 0) > 0);
            return {
                overall: 'isolated',
                reasons: [
                    `isolated in ${s.database.name}${s.isolation?.isolated_at ? ` since ${s.isolation.isolated_at}` : ''}`,
                    ...(kept.length > 0 ? [`shared rows kept in ${kept.length} table(s) (keep-shared-data)`] : []),
                ],
            };
        }
        return { overall: 'partial', reasons: problems };
    }
    if (mode !== 'shared')
        problems.push(`isolation_mode is "${mode}", expected shared or isolated`);
    if (s.database.exists) {
        problems.push(`${side} exists but status says shared (an interrupted promotion, or a rollback that kept isolated data); re-run promote, or rollback to drop it`);
    }
    if (rolesPresent.length > 0)
        problems.push(`role(s) ${rolesPresent.join(', ')} exist but status says shared`);
    if (filesPresent.length > 0)
        problems.push(`routing file(s) ${filesPresent.join(', ')} exist but status says shared`);
    if (problems.length === 0) {
        return {
            overall: 'shared',
            reasons: [state === 'rolled-back' ? 'in the shared database (rolled back)' : 'in the shared database'],
        };
    }
    return { overall: 'partial', reasons: problems };
}
/** Gathers the tenant's status. Throws PromotionError when the tenant or its table is missing. */
async function tenantStatus(given, opts = {}) {
    let options = given;
    const servers = (0,postgres_servers/* serversFrom */.xH)(options);
    const shared = await (0,connect/* connect */.Ng)(servers.sharedUrl);
    // The tenant's database and roles are on the target server (the shared one by default).
    let target = shared;
    if (servers.separate) {
        try {
            target = await (0,connect/* connect */.Ng)(servers.targetAdminUrl);
        }
        catch (e) {
            await shared.end().catch(() => undefined);
            throw new errors/* PromotionError */.g1('target-server', `The target server ${(0,postgres_servers/* serverName */.L5)(servers.targetAdminUrl)} is not reachable: ${(0,errors/* describeError */.Uc)(e).message}`, 'Check --target-database-url (or TARGET_DATABASE_URL): status reads the tenant database and roles there.', { cause: e });
        }
    }
    try {
        const sharedDatabase = (await shared.query('SELECT current_database() AS db')).rows[0]
            .db;
        const row = await readTenantRow(shared, options.tenantsTable, options.tenantSlug);
        let isolation;
        let isolationError;
        try {
            isolation = (0,tenant_state/* parseIsolation */.Qp)(row.settings);
        }
        catch (e) {
            isolationError = e instanceof Error ? e.message.slice(0, 300) : String(e);
        }
        if (row.isolationMode === 'isolated')
            (0,target_server/* assertRecordedServer */.mQ)(isolation?.isolated_server, servers, options.tenantSlug, options.frontEnd);
        // An isolated tenant is counted and verified with the plan its switch made.
        const adopted = (0,plan_options/* withRecordedPlanOptions */.IP)(given, (0,plan_options/* switchedPlanOptions */.T4)(isolation));
        options = adopted.options;
        const names = (0,src_names/* deriveNames */.On)(options.tenantSlug, options.baseDomain);
        const dbName = isolation?.isolated_db_name ?? names.database;
        // Into the shared database (schema level) the tenant's side is its schemas there, not the
        // database (which always exists): it exists while any of them does.
        const intoShared = isolation?.schema?.into === 'shared-database';
        const dbExists = intoShared
            ? ((await shared.query('SELECT 1 FROM pg_namespace WHERE nspname = ANY ($1::text[])', [
                isolation.schema.mappings.map((m) => m.target),
            ])).rowCount ?? 0) > 0
            : (await target.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName])).rowCount === 1;
        const roleList = [
            { name: isolation?.owner_role ?? names.ownerRole, purpose: 'owner' },
            { name: isolation?.app_role ?? names.appRole, purpose: 'app' },
        ];
        const roles = [];
        for (const r of roleList) {
            const exists = (await target.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [r.name])).rowCount === 1;
            roles.push({ ...r, exists });
        }
        const graph = await (0,catalog/* readTableGraph */.r)(shared);
        // The tenant's rows carry the value of the column the rule names, not necessarily id.
        const key = await (0,tenant_key/* resolveTenantKey */.Em)(shared, graph, options, options.tenantSlug);
        const planned = (0,postgres_plan/* planTenant */.gK)(graph, {
            tenantsTable: options.tenantsTable,
            tenantKey: options.tenantKey,
            tenantIdColumn: options.tenantIdColumn,
            tenantId: key.value,
            referenceTables: options.referenceTables,
            sharedRows: options.sharedRows,
            tableOverrides: options.tableOverrides,
            globalRows: true,
        });
        // Schema level: the tenant's side holds each table under its mapped schema (recorded at the switch).
        const layout = isolation?.schema;
        const plan = layout ? (0,plan_types/* withTargets */.dE)(planned, (0,schema_layout/* schemaMap */.eQ)(layout)) : planned;
        const schema = (0,pipeline_routing/* schemaRouting */.iO)(names.database, layout && { mappings: layout.mappings, searchPath: layout.search_path });
        await (0,connect/* setTenantId */.si)(shared, key.value);
        const tables = [];
        for (const t of plan.tables) {
            tables.push({
                schema: t.schema,
                name: t.name,
                kind: t.kind,
                shared: await countRows(shared, `SELECT count(*) AS n FROM ${t.qualified} t WHERE ${t.where}`),
                isolated: null,
            });
        }
        if (dbExists) {
            const isolated = await (0,connect/* connect */.Ng)(servers.tenantDatabaseUrl(dbName)).catch(() => undefined);
            if (isolated) {
                try {
                    for (const [i, t] of plan.tables.entries()) {
                        tables[i].isolated = await countRows(isolated, `SELECT count(*) AS n FROM ${(0,plan_types/* targetOf */.$r)(t)}`);
                    }
                }
                finally {
                    await isolated.end().catch(() => undefined);
                }
            }
        }
        // Each side's range per sequence, once the tenant has one (read-only; never fails the status).
        let sequenceRanges;
        let unranged;
        if (isolation?.sequence_range) {
            const isolated = dbExists
                ? await (0,connect/* connect */.Ng)(servers.tenantDatabaseUrl(dbName)).catch(() => undefined)
                : undefined;
            try {
                sequenceRanges = {
                    slot: isolation.sequence_range.slot,
                    sequences: await (0,sequence_ranges/* sequenceRangeStatus */.pj)(shared, isolated, isolation.sequence_range, layout && (0,schema_layout/* inverseSchemaMap */.YI)(layout)),
                };
                if (isolated && row.isolationMode === 'isolated')
                    unranged = (0,sequence_ranges/* unrangedSequencesNote */.fR)(await (0,sequence_ranges/* readSequences */.lu)(isolated));
            }
            catch {
                sequenceRanges = undefined;
            }
            finally {
                await isolated?.end().catch(() => undefined);
            }
        }
        const paths = (0,pipeline_routing/* routingPaths */.vg)(options.configDir, options.tenantSlug);
        const routing = [
            await fileState(paths.routing, pipeline_routing/* RoutingConfig */.Ls),
            await fileState(paths.loadBalancer, pipeline_routing/* LoadBalancerConfig */.TZ),
        ];
        const facts = {
            tenant: options.tenantSlug,
            checkedAt: new Date().toISOString(),
            sharedDatabase,
            tenantRow: {
                id: row.id,
                isolationMode: row.isolationMode,
                key: { column: key.column, value: key.value },
            },
            isolation: isolation ?? null,
            ...(isolationError !== undefined && { isolationError }),
            database: { name: dbName, exists: dbExists },
            isolationLevel: isolation?.isolation_level ?? 'database',
            ...(schema && { schema }),
            roles,
            tables,
            planNotes: [
                ...(adopted.note ? [adopted.note] : []),
                ...plan.blockers.map((b) => `blocker: ${b}`),
                ...plan.notes,
                ...(unranged ? [unranged] : []),
            ],
            routing,
            ...(isolation?.service?.url !== undefined && { serviceUrl: isolation.service.url }),
            ...(sequenceRanges !== undefined && { sequenceRanges }),
        };
        const status = TenantStatus.parse({ ...facts, ...judge(facts) });
        if (opts.verify) {
            status.checks = await verifyTenant(options, status, plan, opts.log ?? memoryLogger());
            status.verdict = verdictOf(status.checks);
        }
        return status;
    }
    catch (e) {
        if (e instanceof errors/* PromotionError */.g1)
            throw e;
        throw new errors/* PromotionError */.g1('database', `Reading the status of "${options.tenantSlug}" from ${(0,secrets/* safeUrl */.Pl)(options.databaseUrl)} failed: ${e instanceof Error ? e.message : String(e)}`, 'Check the connection settings (DATABASE_URL or DB_*) and that the user can read the catalog.', { cause: e });
    }
    finally {
        if (target !== shared)
            await target.end().catch(() => undefined);
        await shared.end().catch(() => undefined);
    }
}
/**
 * Pure: `damaged` on any failed check, `drifted` when the tenant's schema changed since the
 * switch, `changed` on rows changed since the switch, else `unchanged`.
 */
function verdictOf(checks) {
    if (checks.some((c) => c.status === 'fail'))
        return 'damaged';
    if (checks.some((c) => c.status === 'warn' && c.reason.startsWith(schema_parity/* DRIFTED */.rf)))
        return 'drifted';
    if (checks.some((c) => c.status === 'warn' && c.reason.startsWith('changed since the switch')))
        return 'changed';
    return 'unchanged';
}
/**
 * `status --verify`: the post-promotion checks again, against the isolated database and the
 * counts and digests recorded at the switch — whether or not the shared rows were kept: after the
 * switch the isolated database is the tenant's, and the switch's record is what it was proved
 * equal to. Row counts and digests that differ from it are changes the application made since
 * (information, see CheckContext.afterSwitch); the other checks still fail on what they can prove
 * wrong. A promotion without a record (made before digests were recorded) is compared with the
 * shared rows, the tenants table without the columns the promotion changes. Access control is
 * skipped: it logs in as the tenant's role, whose password is not stored anywhere.
 */
async function verifyTenant(options, status, plan, log) {
    if (!status.database.exists || status.tenantRow.isolationMode !== 'isolated') {
        throw new errors/* PromotionError */.g1('tenant-state', `Nothing to verify: tenant "${status.tenant}" is ${status.overall}${status.database.exists ? '' : ` and ${status.database.name} does not exist`}.`, 'status --verify checks an isolated tenant; promote it first.');
    }
    const { defaultChecks, runChecks } = await Promise.all(/* import() */[__webpack_require__.e(50), __webpack_require__.e(941)]).then(__webpack_require__.bind(__webpack_require__, 7941));
    const names = (0,src_names/* deriveNames */.On)(options.tenantSlug, options.baseDomain);
    const isolation = status.isolation;
    // The roles the clone remapped, found as the clone step found them.
    const servers = (0,postgres_servers/* serversFrom */.xH)(options);
    const mappedRoles = await (0,connect/* withConnection */.p)(servers.sharedUrl, (shared) => (0,app_roles/* sharedAppRoles */.W)(shared, plan, options.sharedAppRole));
    const checks = defaultChecks.filter((c) => c.name !== 'access-control');
    const records = await runChecks({
        sourceUrl: servers.sharedUrl,
        targetUrl: servers.tenantDatabaseUrl(status.database.name),
        separateServers: servers.separate,
        tenantId: plan.tenantId,
        plan,
        tenantKey: options.tenantKey,
        tenantIdColumn: options.tenantIdColumn,
        names: { ...names, database: status.database.name },
        sharedDatabase: status.sharedDatabase,
        appRole: { name: isolation?.app_role ?? names.appRole, password: '' },
        mappedRoles,
        ...(isolation?.schema && {
            schemaLayout: {
                into: isolation.schema.into,
                mappings: isolation.schema.mappings,
                searchPath: isolation.schema.search_path,
            },
        }),
        ...(isolation?.verified && { recorded: isolation.verified }),
        afterSwitch: true,
        filesToScan: status.routing.filter((f) => f.exists).map((f) => f.path),
        textsToScan: [],
        secrets: [],
        ...(status.serviceUrl && {
            service: { url: status.serviceUrl, healthPath: options.cloudRun?.healthPath ?? '/health' },
        }),
        log,
    }, checks);
    records.push({
        name: 'access-control',
        title: 'Access control',
        status: 'skip',
        reason: "logs in as the tenant's role, whose password is not stored; run by promote",
        details: [],
    });
    return records;
}


/***/ }),

/***/ 256:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   W: () => (/* binding */ sharedAppRoles)
/* harmony export */ });
/**
 * The shared application's role(s): named explicitly (with the roles it inherits privileges from
 * that hold grants or policies on the tenant's tables), or found as the roles that RLS policies
 * on the tenant's tables name, or that may write to them (superusers, the connecting role and
 * PUBLIC excluded). Their grants and policies are remapped to the tenant's role in the clone.
 */
async function sharedAppRoles(client, plan, explicit) {
    const tables = plan.tables.filter((t) => t.kind !== 'reference').map((t) => `${t.schema}.${t.name}`);
    // Named explicitly: that role and the group roles whose privileges it inherits (an application
    // role that reaches the tables through `app_rw` holds no grant of its own: mapping only its own
    // would leave the tenant's role without access, and access control expecting just as little).
    const { rows } = await client.query(`WITH planned AS (
       SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE (n.nspname || '.' || c.relname) = ANY($1::text[])
     ), named AS (
       SELECT unnest(p.polroles) AS role FROM pg_policy p WHERE p.polrelid IN (SELECT oid FROM planned)
       UNION
       SELECT a.grantee FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid IN (SELECT oid FROM planned)
          AND ($2::text IS NOT NULL OR a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE'))
     )
     SELECT DISTINCT r.rolname FROM named JOIN pg_roles r ON r.oid = named.role
      WHERE NOT r.rolsuper AND r.rolname <> current_user
        AND r.oid NOT IN (SELECT c.relowner FROM pg_class c WHERE c.oid IN (SELECT oid FROM planned))
        AND ($2::text IS NULL OR (r.rolname <> $2 AND pg_has_role($2, r.oid, 'USAGE')))
      ORDER BY 1`, [tables, explicit ?? null]);
    const found = rows.map((r) => r.rolname);
    return explicit ? [explicit, ...found] : found;
}


/***/ })

};
;