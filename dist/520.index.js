"use strict";
exports.id = 520;
exports.ids = [520];
exports.modules = {

/***/ 11520:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  rollback: () => (/* binding */ rollback),
  rollbackSteps: () => (/* binding */ rollbackSteps)
});

// EXTERNAL MODULE: ./src/pipeline/engine.ts + 2 modules
var engine = __webpack_require__(81558);
// EXTERNAL MODULE: ./src/pipeline/ownership.ts
var ownership = __webpack_require__(43651);
// EXTERNAL MODULE: ./src/pipeline/steps/lock.ts + 1 modules
var lock = __webpack_require__(53537);
// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(83849);
// EXTERNAL MODULE: ./src/postgres/sessions.ts
var sessions = __webpack_require__(73074);
;// CONCATENATED MODULE: ./src/pipeline/steps/rollback-fence.ts



const qi = esm/* default.escapeIdentifier */.Ay.escapeIdentifier;
/**
 * Fences the isolated database so it stops changing while its rows are copied back: the
 * tenant's role may not log in, new sessions are read-only, and existing sessions are ended.
 * Undo lifts the fence, so a rollback that fails before its switch leaves the tenant working.
 */
const fenceStep = {
    name: 'fence',
    title: 'Fence the isolated database',
    async run(ctx) {
        const { names } = ctx;
        await (0,ownership/* asOwner */.gv)(ctx, 'fencing the isolated database', async (db) => {
            await db.query(`ALTER ROLE ${qi(names.appRole)} NOLOGIN`);
            await db.query(`ALTER DATABASE ${qi(names.database)} SET default_transaction_read_only = on`);
        });
        // Sessions already open would go on writing: every one must end, or the rollback stops (and
        // its undo lifts the fence) before copying anything back.
        const { ended, remaining } = await (0,ownership/* withShared */.An)(ctx, (db) => (0,sessions/* endSessions */.v)(db, names.database, [names.appRole, names.ownerRole]));
        if (remaining.length)
            throw (0,sessions/* sessionsRemainError */.m)(names.database, remaining, 'copying the rows back');
        return `${names.appRole} cannot log in, ${names.database} is read-only, ${ended} session(s) ended`;
    },
    async undo(ctx) {
        await (0,ownership/* asOwner */.gv)(ctx, 'lifting the fence', async (db) => {
            await db.query(`ALTER DATABASE ${qi(ctx.names.database)} RESET default_transaction_read_only`);
            await db.query(`ALTER ROLE ${qi(ctx.names.appRole)} LOGIN`);
        });
    },
};

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(51455);
// EXTERNAL MODULE: ./src/cloudrun/deploy.ts + 2 modules
var deploy = __webpack_require__(28025);
// EXTERNAL MODULE: ./src/pipeline/routing.ts
var routing = __webpack_require__(36372);
;// CONCATENATED MODULE: ./src/pipeline/steps/rollback-cleanup.ts




/** Removes the routing and load-balancer files (missing files are fine: re-runnable). */
const removeRoutingStep = {
    name: 'remove-routing',
    title: 'Remove routing and load-balancer config',
    async run(ctx) {
        const paths = (0,routing/* routingPaths */.vg)(ctx.options.configDir, ctx.names.slug);
        for (const path of [paths.routing, paths.loadBalancer]) {
            await (0,promises_.rm)(path, { force: true });
            ctx.configFiles.push({ path, content: null });
        }
        return `${paths.routing}, ${paths.loadBalancer} removed`;
    },
};
/** Deletes the Cloud Run service only if the promotion created it (recorded in settings.isolation). */
const removeServiceStep = {
    name: 'remove-service',
    title: 'Delete the Cloud Run service',
    skip(ctx) {
        const service = ctx.tenant?.isolation?.service;
        if (!service)
            return 'the promotion deployed no service';
        if (!service.created)
            return `service ${service.name} existed before the promotion: left in place`;
        return undefined;
    },
    async run(ctx) {
        const service = ctx.tenant.isolation.service;
        if (ctx.options.skipCloudRun || !ctx.options.cloudRun) {
            const note = `Cloud Run service ${service.name} was created by the promotion and is still running: delete it (gcloud run services delete ${service.name}) or re-run the rollback with the Cloud Run settings.`;
            ctx.record.notes.push(note);
            return 'left in place: no Cloud Run settings given (see notes)';
        }
        const cloudRun = ctx.options.cloudRun;
        // Held under the proof of ownership: no other run can claim the tenant meanwhile.
        await (0,ownership/* asOwner */.gv)(ctx, `deleting Cloud Run service ${service.name}`, async () => {
            await (0,deploy/* deleteService */.hs)(cloudRun, service.name, ctx.log);
            if (service.secret_version)
                await (0,deploy/* retireSecretVersion */.qb)(cloudRun, service.secret_version, ctx.log);
        });
        return `${service.name} deleted${service.secret_version ? ', password secret version retired' : ''}`;
    },
};
/** Drops the isolated database and the tenant's roles, unless keep-isolated-data. */
const dropIsolatedStep = {
    name: 'drop-isolated',
    title: 'Drop the isolated database and roles',
    skip: (ctx) => ctx.options.keepIsolatedData ? 'isolated database kept (keep-isolated-data); it stays fenced' : undefined,
    async run(ctx) {
        const { names } = ctx;
        const dropped = await (0,ownership/* dropOwnedDatabase */.WO)(ctx);
        const roles = await (0,ownership/* dropOwnedRoles */.Ox)(ctx);
        return `${dropped ? `database ${names.database}` : 'no database'} and ${roles.length} role(s) dropped`;
    },
};

// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
// EXTERNAL MODULE: ./src/postgres/catalog.ts
var catalog = __webpack_require__(17092);
// EXTERNAL MODULE: ./src/postgres/database.ts
var database = __webpack_require__(42514);
// EXTERNAL MODULE: ./src/postgres/plan.ts
var plan = __webpack_require__(43524);
// EXTERNAL MODULE: ./src/postgres/tenant-key.ts
var tenant_key = __webpack_require__(72713);
// EXTERNAL MODULE: ./src/postgres/privileges.ts
var privileges = __webpack_require__(39607);
// EXTERNAL MODULE: ./src/postgres/tenants.ts
var tenants = __webpack_require__(96470);
;// CONCATENATED MODULE: ./src/pipeline/steps/rollback-prevalidate.ts







/**
 * Rollback's prevalidation: the tenant is isolated and its database exists (fresh rollback), or
 * it is shared again after a rollback that stopped after its switch (resume). Plans the tables
 * from the shared catalog, as a promotion does.
 */
const rollbackPrevalidateStep = {
    name: 'prevalidate',
    title: 'Rollback prevalidation',
    async run(ctx) {
        const db = ctx.lockSession;
        const { names, options } = ctx;
        ctx.sharedDatabase = (await db.query('SELECT current_database() AS db')).rows[0].db;
        await (0,tenants/* checkTenantsTable */.od)(db, options.tenantsTable, options.tenantKey);
        (0,privileges/* assertCanCreate */.Ly)(await (0,privileges/* readRole */.fP)(db), options.frontEnd);
        const tenant = await (0,tenants/* readTenant */.RM)(db, options.tenantsTable, names.slug);
        ctx.tenant = tenant;
        const dbState = await (0,database/* databaseMarker */.O9)(db, names.database);
        if (tenant.isolationMode === 'shared') {
            if (tenant.isolation?.state === 'rolled-back') {
                ctx.mode = 'resume';
                return `tenant is shared again: finishing the rollback's clean-up`;
            }
            throw new errors/* PromotionError */.g1('tenant-state', `Tenant "${names.slug}" is shared; there is nothing to roll back.`, 'Check the slug, or `tenant-isolation status` for its state.');
        }
        if (!dbState.exists) {
            throw new errors/* PromotionError */.g1('tenant-state', `Tenant "${names.slug}" is marked isolated, but its database "${names.database}" does not exist; there is no data to roll back from.`, 'Restore the isolated database from backup first (rollback copies its rows back), then re-run.');
        }
        if (dbState.marker?.slug !== names.slug) {
            throw new errors/* PromotionError */.g1('tenant-state', `Database "${names.database}" was not created by this tool for tenant "${names.slug}".`, 'Check the database by hand; the rollback will not read from or drop it.');
        }
        const graph = await (0,catalog/* readTableGraph */.r)(db);
        // The rows to restore carry the value of the column the rule names, not necessarily id.
        const key = await (0,tenant_key/* resolveTenantKey */.Em)(db, graph, options, names.slug);
        ctx.plan = (0,plan/* planTenant */.gK)(graph, {
            tenantsTable: options.tenantsTable,
            tenantKey: options.tenantKey,
            tenantIdColumn: options.tenantIdColumn,
            tenantId: key.value,
            referenceTables: options.referenceTables,
        });
        ctx.mode = 'fresh';
        return `tenant ${names.slug} is isolated in "${names.database}"; its ${ctx.plan.deleteOrder.length} data tables will be restored`;
    },
};

// EXTERNAL MODULE: external "node:stream/promises"
var external_node_stream_promises_ = __webpack_require__(46466);
// EXTERNAL MODULE: ./node_modules/pg-copy-streams/index.js
var pg_copy_streams = __webpack_require__(26901);
// EXTERNAL MODULE: ./src/postgres/checksum.ts
var checksum = __webpack_require__(73600);
// EXTERNAL MODULE: ./src/postgres/catch-up.ts
var catch_up = __webpack_require__(46904);
// EXTERNAL MODULE: ./src/postgres/connect.ts
var connect = __webpack_require__(36741);
// EXTERNAL MODULE: ./src/postgres/schema-clone.ts + 3 modules
var schema_clone = __webpack_require__(52682);
// EXTERNAL MODULE: ./src/postgres/sql.ts
var sql = __webpack_require__(75259);
// EXTERNAL MODULE: ./src/postgres/urls.ts
var urls = __webpack_require__(31085);
// EXTERNAL MODULE: ./src/pipeline/steps/plan.ts + 1 modules
var steps_plan = __webpack_require__(56518);
;// CONCATENATED MODULE: ./src/pipeline/steps/rollback-restore.ts













/**
 * Rollback's commit point. In one transaction on the shared database: replace the tenant's
 * rows with the isolated database's (the source of truth: it has every write made since the
 * promotion), verify counts and digests, lift the shared sequences past every copied id, and
 * mark the tenant shared with an audit entry. A key that collides with another tenant's row
 * aborts the transaction with a clear error; nothing changes.
 */
const restoreStep = {
    name: 'restore',
    title: 'Copy the rows back and switch to shared',
    commitPoint: true,
    async run(ctx) {
        const [isolated, shared] = (await (0,connect/* connectAll */.Q5)([
            (0,urls/* databaseUrl */.FA)(ctx.options.databaseUrl, ctx.names.database),
            ctx.options.databaseUrl,
        ]));
        try {
            // Where foreign keys form a cycle, the order that honours every key that cannot give way
            // (not DEFERRABLE), whichever plan the rollback was given (see orderPlan).
            const plan = (0,steps_plan/* orderPlan */.Cg)(ctx.plan, await (0,catalog/* readTableGraph */.r)(shared), { keepSharedData: true });
            const tables = plan.tables.filter((t) => t.kind === 'tenant' || t.kind === 'dependent');
            await checkColumns(isolated, tables);
            await (0,checksum/* setComparableSession */.LP)(isolated);
            await (0,checksum/* setComparableSession */.LP)(shared);
            await (0,connect/* setTenantId */.si)(shared, plan.tenantId);
            await shared.query('BEGIN');
            await shared.query(`SELECT 1 FROM ${(0,sql/* quoteQualified */.$)(ctx.options.tenantsTable)} t WHERE t.slug = $1 FOR UPDATE`, [ctx.names.slug]);
            await (0,ownership/* assertOwnerIn */.zp)(ctx, shared, 'copying the rows back');
            // Replica mode (superuser only) keeps the shared tables' triggers from rewriting restored rows.
            await shared.query('SAVEPOINT replica');
            await shared.query(`SET LOCAL session_replication_role = replica`).then(() => shared.query('RELEASE SAVEPOINT replica'), () => shared.query('ROLLBACK TO SAVEPOINT replica'));
            // Without replica mode (a role that is not a superuser, e.g. on managed PostgreSQL) every
            // foreign key is checked: the stale rows go children first (plan.deleteOrder) and the rows
            // come back parents first (plan.tables), and the keys the shared schema declares DEFERRABLE
            // are checked at COMMIT, so a cycle through one of them restores too (the plan orders the
            // tables of a cycle by the keys that cannot give way, see orderPlan in steps/plan.ts).
            await shared.query('SET CONSTRAINTS ALL DEFERRED');
            let stale = 0;
            for (const table of plan.deleteOrder) {
                stale +=
                    (await shared.query(`DELETE FROM ${table.qualified} AS t WHERE ${table.where}`)).rowCount ?? 0;
            }
            let restored = 0;
            // Identity and generated columns: COPY FROM writes an identity column's values as given,
            // GENERATED ALWAYS included (as INSERT … OVERRIDING SYSTEM VALUE would; PostgreSQL 15 and 17,
            // as the connecting role, superuser or not: see test/integration/catch-up-patterns.test.ts
            // and the rollback in test/integration/managed-done.test.ts), so rows come back with their ids; the
            // shared sequences are lifted past them below. Stored generated columns are not in the plan's
            // columns (COPY refuses them): the shared database computes them again from the same values.
            for (const table of tables) {
                const cols = table.columns.join(', ');
                try {
                    const reader = isolated.query((0,pg_copy_streams.to)(`COPY (SELECT ${cols} FROM ${(0,checksum/* fromTable */.bs)(table)}) TO STDOUT`));
                    const writer = shared.query((0,pg_copy_streams/* from */.H)(`COPY ${table.qualified} (${cols}) FROM STDIN`));
                    await (0,external_node_stream_promises_.pipeline)(reader, writer);
                    restored += Number(writer.rowCount ?? 0);
                }
                catch (e) {
                    throw restoreError(e, table.qualified);
                }
            }
            // The deferred keys are checked here, where a violation is still plainly "nothing changed",
            // not at COMMIT (the commit point).
            try {
                await shared.query('SET CONSTRAINTS ALL IMMEDIATE');
            }
            catch (e) {
                throw restoreError(e, 'the restored tables');
            }
            const comparisons = await (0,catch_up/* compareTables */.Dz)(shared, isolated, tables);
            const unequal = comparisons.filter((c) => !c.equal);
            if (unequal.length) {
                throw new errors/* PromotionError */.g1('validation-failed', `The rows copied back differ from the isolated database: ${unequal
                    .flatMap((c) => c.differences)
                    .slice(0, 5)
                    .join('; ')}`, 'Nothing was changed. Triggers on the shared tables may rewrite rows: run the rollback as a superuser (replica mode), or check the named tables.');
            }
            await (0,schema_clone/* syncSequences */.kj)(isolated, shared);
            const tenant = await (0,tenants/* readTenant */.RM)(shared, ctx.options.tenantsTable, ctx.names.slug);
            const tablesDigest = Object.fromEntries(comparisons.map((c) => [c.table.qualified, { count: c.target.count, digest: c.target.digest }]));
            const ok = await (0,tenants/* writeIsolation */.AF)(shared, ctx.options.tenantsTable, tenant, {
                ...tenant.isolation,
                state: 'rolled-back',
                shared_rows_removed: false,
                verified: undefined,
                history: [
                    ...(tenant.isolation?.history ?? []),
                    (0,tenants/* historyEntry */.xg)({
                        event: 'rolled-back',
                        actor: ctx.deps.trigger.actor,
                        source: ctx.deps.trigger.source,
                        pull_request: ctx.deps.trigger.pullRequest,
                        run_url: ctx.deps.trigger.runUrl,
                        tables: tablesDigest,
                        detail: `${restored} rows restored from ${ctx.names.database}`,
                    }),
                ],
            }, { from: 'isolated', to: 'shared' });
            if (!ok)
                throw new errors/* PromotionError */.g1('tenant-state', `Tenant "${ctx.names.slug}" is no longer isolated; nothing was changed.`, 'Check its status.');
            await shared.query('COMMIT');
            ctx.record.committed = true;
            for (const c of comparisons) {
                ctx.record.tables.push({
                    schema: c.table.schema,
                    name: c.table.name,
                    kind: c.table.kind,
                    copiedRows: c.target.count,
                    checksum: c.target.digest,
                });
            }
            return `${restored} rows restored into the shared database${stale ? ` (${stale} stale shared rows replaced)` : ''}; tenant is shared`;
        }
        catch (e) {
            if (!ctx.record.committed)
                await shared.query('ROLLBACK').catch(() => undefined);
            throw e;
        }
        finally {
            await isolated.end().catch(() => undefined);
            await shared.end().catch(() => undefined);
        }
    },
};
async function checkColumns(isolated, tables) {
    for (const t of tables) {
        const { rows } = await isolated.query(`SELECT '"' || replace(a.attname, '"', '""') || '"' AS q FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped`, [t.schema, t.name]);
        const have = new Set(rows.map((r) => r.q));
        const missing = t.columns.filter((c) => !have.has(c));
        if (rows.length === 0 || missing.length) {
            throw new errors/* PromotionError */.g1('tenant-state', rows.length === 0
                ? `Table ${t.qualified} of the shared database does not exist in the isolated database.`
                : `Table ${t.qualified} in the isolated database lacks column(s) ${missing.join(', ')} of the shared schema.`, 'The schemas have drifted since the promotion: apply the same migrations to both databases, then re-run the rollback.');
        }
    }
}
function restoreError(e, table) {
    const err = e;
    if (err?.code === '23503') {
        return new errors/* PromotionError */.g1('tenant-state', `A row copied back into ${err.table ?? table} breaks a foreign key of the shared database (${err.message}${err.detail ? `: ${err.detail}` : ''}); nothing was changed.`, 'The rows reference each other in an order the shared keys do not allow as a role without replica mode: make one key of the cycle DEFERRABLE in the shared database (ALTER TABLE … ALTER CONSTRAINT … DEFERRABLE), or roll back as a superuser; then re-run the rollback.');
    }
    if (err?.code === '23505') {
        return new errors/* PromotionError */.g1('tenant-state', `A row of ${table} from the isolated database collides with an existing row in the shared database (${err.detail ?? err.message}); nothing was changed.`, 'Another tenant took that key while this tenant was isolated. Resolve the collision by hand, then re-run the rollback.');
    }
    return e;
}

;// CONCATENATED MODULE: ./src/pipeline/rollback.ts







/**
 * The seed's five rollback steps, done properly: lock; fence the isolated database; in one
 * transaction copy its rows back (it is the source of truth), verify, and mark the tenant
 * shared — the commit point; then remove routing, the service the promotion created, and the
 * isolated database. Before the commit point every step is undone (the tenant stays isolated
 * and working); after it, a re-run finishes the job.
 */
const ROLLBACK = [
    [lock/* lockStep */.s, 'setup'],
    [(0,ownership/* thenClaim */.iH)(rollbackPrevalidateStep), 'setup'],
    [fenceStep, 'switch'],
    [restoreStep, 'switch'],
    [removeRoutingStep, 'after'],
    [removeServiceStep, 'after'],
    [dropIsolatedStep, 'after'],
];
function rollbackSteps() {
    return ROLLBACK.map(([step, phase]) => ({
        ...step,
        skip: (ctx) => (ctx.options.dryRun && phase !== 'setup' ? 'dry run' : undefined) ??
            (ctx.mode === 'resume' && phase === 'switch'
                ? 'done by an earlier run (resuming after the switch)'
                : undefined) ??
            step.skip?.(ctx),
    }));
}
async function rollback(input, deps) {
    const ctx = await (0,engine/* runOperation */.xj)('rollback', input, deps, rollbackSteps(), (c) => c.options.dryRun ? 'dry-run' : 'rolled-back');
    return { record: ctx.record, configFiles: ctx.configFiles };
}


/***/ })

};
;