"use strict";
exports.id = 535;
exports.ids = [535];
exports.modules = {

/***/ 86535:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  promote: () => (/* binding */ promote)
});

// UNUSED EXPORTS: promotionSteps

// EXTERNAL MODULE: ./src/pipeline/engine.ts + 2 modules
var engine = __webpack_require__(16843);
// EXTERNAL MODULE: ./src/cloudrun/deploy.ts + 2 modules
var deploy = __webpack_require__(28025);
// EXTERNAL MODULE: ./src/cloudrun/service-spec.ts
var service_spec = __webpack_require__(34437);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
// EXTERNAL MODULE: ./src/postgres/connect.ts
var connect = __webpack_require__(36741);
// EXTERNAL MODULE: ./src/postgres/sql.ts
var sql = __webpack_require__(75259);
;// CONCATENATED MODULE: ./src/postgres/credentials.ts


/**
 * Writes `settings.isolation.credentials` of an isolated tenant (and, for a rotation, merges
 * the service's new facts and appends a history entry), preserving every other key of
 * `settings` and of `settings.isolation` (jsonb concatenation on the row's current value, not a
 * read-modify-write). Only while the row is still the switch the record is about
 * (`credentials.switched_at` equals `isolated_at`). The caller runs it inside a transaction
 * that proved ownership (pipeline/ownership.ts asOwner). Never the password itself.
 */
async function writeCredentials(client, tenantsTable, slug, patch) {
    const table = (0,sql/* quoteQualified */.$s)(tenantsTable);
    const res = await client.query(`UPDATE ${table} t
        SET settings = jsonb_set(
              coalesce(t.settings, '{}'::jsonb),
              '{isolation}',
              coalesce(t.settings -> 'isolation', '{}'::jsonb)
                || jsonb_build_object('credentials', $2::jsonb)
                || CASE WHEN $3::jsonb IS NULL THEN '{}'::jsonb
                        ELSE jsonb_build_object('service',
                               coalesce(t.settings #> '{isolation,service}', '{}'::jsonb) || $3::jsonb) END
                || CASE WHEN $4::jsonb IS NULL THEN '{}'::jsonb
                        ELSE jsonb_build_object('history',
                               coalesce(t.settings #> '{isolation,history}', '[]'::jsonb) || jsonb_build_array($4::jsonb)) END,
              true)
      WHERE t.slug = $1
        AND t.isolation_mode = 'isolated'
        AND (t.settings #>> '{isolation,isolated_at}') IS NOT DISTINCT FROM $5::text`, [
        slug,
        JSON.stringify(patch.credentials),
        patch.service ? JSON.stringify(patch.service) : null,
        patch.history ? JSON.stringify(patch.history) : null,
        patch.credentials.switched_at ?? null,
    ]);
    if (res.rowCount !== 1) {
        throw new errors/* PromotionError */.g1('tenant-state', `Tenant "${slug}" is no longer isolated by the switch this run knows; its credentials were not recorded.`, 'Check its status (`tenant-isolation status`) and re-run.');
    }
}
/** `settings.isolation.credentials` as it stands now (for reading back an ambiguous commit). */
async function readCredentials(client, tenantsTable, slug) {
    const { rows } = await client.query(`SELECT t.settings #> '{isolation,credentials}' AS credentials FROM ${(0,sql/* quoteQualified */.$s)(tenantsTable)} t WHERE t.slug = $1`, [slug]);
    return rows[0]?.credentials ?? undefined;
}

// EXTERNAL MODULE: ./src/postgres/roles.ts
var roles = __webpack_require__(55502);
// EXTERNAL MODULE: ./src/postgres/tenants.ts
var tenants = __webpack_require__(96470);
// EXTERNAL MODULE: ./src/secrets.ts
var secrets = __webpack_require__(27194);
// EXTERNAL MODULE: ./src/pipeline/ownership.ts
var ownership = __webpack_require__(43651);
;// CONCATENATED MODULE: ./src/pipeline/credentials.ts









function credentialsState(isolation) {
    const record = currentRecord(isolation);
    if (record) {
        return record.delivered
            ? { status: 'delivered', via: record.delivered, recorded: true }
            : { status: 'pending', record };
    }
    if (isolation?.service?.secret_version)
        return { status: 'delivered', via: 'secret-manager', recorded: false };
    // The run that switched stopped before delivering (it had no service): never delivered.
    if (isolation?.state === 'switched')
        return { status: 'pending' };
    return { status: 'unrecorded' };
}
/** The credentials record of the switch `isolation` describes (one of an earlier promotion is stale). */
function currentRecord(isolation) {
    const record = isolation?.credentials;
    return record && record.switched_at === isolation?.isolated_at ? record : undefined;
}
function deliveryFor(ctx, isolation) {
    const service = isolation?.service;
    if (service) {
        // The service reads the password from Secret Manager: a rotation must deploy it, or the
        // running service would be left with a password that no longer works.
        if (ctx.options.skipCloudRun || !ctx.options.cloudRun) {
            return {
                kind: 'none',
                why: `the tenant's Cloud Run service ${service.name} reads it from Secret Manager and this run has Cloud Run off`,
            };
        }
        return { kind: 'cloud-run', service };
    }
    const deliver = ctx.deps.deliverPassword?.bind(ctx.deps);
    if (deliver)
        return { kind: 'front-end', deliver };
    return { kind: 'none', why: 'this run has no way to hand a password on (CLI: pass --password-file)' };
}
/**
 * An already isolated tenant whose password was never delivered, and this run can deliver one:
 * the run claims the tenant and rotates it (see promote.ts).
 */
function rotationWanted(ctx) {
    const isolation = ctx.tenant?.isolation;
    return credentialsState(isolation).status === 'pending' && deliveryFor(ctx, isolation).kind !== 'none';
}
const outcomes = new WeakMap();
/** What the credentials step did in this run (for RunOutcome). */
function credentialsOutcome(ctx) {
    return outcomes.get(ctx);
}
function describeChannel(channel) {
    switch (channel) {
        case 'secret-manager':
            return 'Secret Manager (db-password-secret)';
        case 'output':
            return 'the masked output database-password';
        case 'file':
            return 'the password file (mode 0600)';
    }
}
/** The credentials step: delivers, records, or rotates; returns the step's one-line detail. */
async function settleCredentials(ctx) {
    if (ctx.mode === 'fresh')
        return deliverSwitched(ctx);
    const isolation = ctx.tenant?.isolation;
    const state = credentialsState(isolation);
    if (state.status === 'unrecorded') {
        outcomes.set(ctx, { rotated: false, pending: false });
        return 'promoted before deliveries were recorded: the password is left as it is';
    }
    if (state.status === 'delivered') {
        if (!state.recorded)
            await record(ctx, { delivered: state.via });
        outcomes.set(ctx, { delivered: state.via, rotated: false, pending: false });
        return `password delivered earlier through ${describeChannel(state.via)}: not rotated`;
    }
    const delivery = deliveryFor(ctx, isolation);
    if (delivery.kind === 'none') {
        if (!state.record)
            await record(ctx, {});
        outcomes.set(ctx, { rotated: false, pending: true });
        const note = `The password of ${appRole(ctx)} was never delivered, and this run cannot deliver a new one: ${delivery.why}. A later run that can (the action, or the CLI with --password-file) rotates it and delivers the new one.`;
        ctx.record.notes.push(note);
        ctx.log.warn(note);
        return `password never delivered; not rotated: ${delivery.why}`;
    }
    return rotate(ctx, delivery, state.record);
}
/** The run that switched: its password (made by the roles step) reaches the application now. */
async function deliverSwitched(ctx) {
    const password = ctx.appPassword;
    if (!password)
        throw new errors/* PromotionError */.g1('internal', 'The switch ran without a generated password.');
    const secretVersion = ctx.service?.secret_version;
    if (secretVersion) {
        // Written before the switch, and the service's revision reads it: delivered already.
        await record(ctx, { delivered: 'secret-manager' });
        outcomes.set(ctx, { delivered: 'secret-manager', rotated: false, pending: false });
        const also = await handOnAlso(ctx, password);
        return `password in Secret Manager (version ${(0,service_spec/* versionId */.Ik)(secretVersion)}, written before the switch)${also}`;
    }
    const deliver = ctx.deps.deliverPassword?.bind(ctx.deps);
    if (deliver) {
        const channel = await deliver(password);
        await record(ctx, { delivered: channel });
        outcomes.set(ctx, { delivered: channel, rotated: false, pending: false });
        return `password delivered through ${describeChannel(channel)}`;
    }
    await record(ctx, {});
    outcomes.set(ctx, { rotated: false, pending: true });
    const note = `The password of ${appRole(ctx)} was not delivered: this run has no way to hand it on. A later run that can (the action, or the CLI with --password-file) rotates it and delivers the new one.`;
    ctx.record.notes.push(note);
    return 'password not delivered (no way to hand it on): a later run that can will rotate it';
}
/** With Cloud Run the password is in Secret Manager; the front end may still hand it on (masked). */
async function handOnAlso(ctx, password) {
    const deliver = ctx.deps.deliverPassword?.bind(ctx.deps);
    if (!deliver)
        return '';
    try {
        return ` and ${describeChannel(await deliver(password))}`;
    }
    catch (e) {
        ctx.log.warn(`Could not also hand the password on: ${(0,secrets/* redact */.E$)((0,errors/* describeError */.Uc)(e).message)}`);
        return '';
    }
}
/**
 * A password no run delivered: a new one replaces it and is delivered. With a Cloud Run service,
 * the new secret version and a revision using it come first and the role's password changes last
 * (see deployRotatedPassword for why); without one, the role's password changes first (with the
 * rotation recorded in the same transaction), then the front end delivers it and the delivery is
 * recorded. A run killed in between leaves it undelivered again, so the next run rotates again.
 */
async function rotate(ctx, delivery, previous) {
    const isolation = ctx.tenant?.isolation;
    const role = appRole(ctx);
    const password = (0,roles/* generatePassword */.bk)();
    (0,secrets/* registerSecret */.cl)(password);
    ctx.deps.log.secret(password);
    const at = new Date().toISOString();
    const rotations = (previous?.rotations ?? 0) + 1;
    const history = (how) => (0,tenants/* historyEntry */.xg)({
        event: 'password-rotated',
        actor: ctx.deps.trigger.actor,
        source: ctx.deps.trigger.source,
        pull_request: ctx.deps.trigger.pullRequest,
        run_url: ctx.deps.trigger.runUrl,
        detail: `password of ${role} rotated: no run had delivered it; ${how}`,
    });
    let pid;
    /** ALTER ROLE, with the rotation recorded, in one transaction that proves ownership. */
    const changeRolePassword = (patch, delivered) => (0,ownership/* asOwnerWithTarget */.xi)(ctx, "rotating the tenant role's password", async (target, c) => {
        pid = c.processID;
        // The role lives on the target server; the record in the shared database.
        await (0,roles/* setAppRolePassword */.fg)(target, role, password, {
            slug: ctx.names.slug,
            sourceDatabase: isolation?.source_database ?? ctx.sharedDatabase,
        });
        await writeCredentials(c, ctx.options.tenantsTable, ctx.names.slug, {
            ...patch,
            credentials: credentialsRecord(ctx, { delivered, rotated_at: at, rotations }),
        });
    });
    const note = (how) => ctx.record.notes.push(`The password of ${role} was rotated: no run had delivered it (the run that switched stopped before it could, or had no way to). The new one was delivered through ${how}; the previous one no longer works.`);
    if (delivery.kind === 'cloud-run') {
        const deployed = await (0,deploy/* deployRotatedPassword */.ir)(rotationDeployInput(ctx, delivery.service.name, password), (result) => changeRolePassword({
            service: { secret_version: result.secretVersion, revision: result.revision, url: result.url },
            history: history(`new Secret Manager version ${(0,service_spec/* versionId */.Ik)(result.secretVersion ?? '?')}, revision ${result.revision ?? '?'}`),
        }, 'secret-manager'), (e) => changedAfterAll(ctx, e, pid, at));
        ctx.appPassword = password;
        ctx.record.revision = deployed.revision;
        if (deployed.url)
            ctx.record.serviceUrl = deployed.url;
        remember(ctx, { delivered: 'secret-manager', rotated_at: at, rotations });
        const isolationNow = ctx.tenant?.isolation;
        if (isolationNow?.service)
            isolationNow.service = {
                ...isolationNow.service,
                secret_version: deployed.secretVersion,
                revision: deployed.revision,
                ...(deployed.url && { url: deployed.url }),
            };
        outcomes.set(ctx, { delivered: 'secret-manager', rotated: true, pending: false });
        const how = `Secret Manager version ${(0,service_spec/* versionId */.Ik)(deployed.secretVersion ?? '?')}, used by revision ${deployed.revision ?? '?'} of ${deployed.serviceName}`;
        note(how);
        const also = await handOnAlso(ctx, password);
        return `password rotated (no run had delivered it): ${how}, deployed before the role's password changed${also}`;
    }
    await changeRolePassword({ history: history(`delivered through the front end`) });
    ctx.appPassword = password;
    remember(ctx, { rotated_at: at, rotations });
    outcomes.set(ctx, { rotated: true, pending: true });
    const channel = await delivery.deliver(password);
    await record(ctx, { delivered: channel });
    outcomes.set(ctx, { delivered: channel, rotated: true, pending: false });
    note(describeChannel(channel));
    return `password rotated (no run had delivered it) and delivered through ${describeChannel(channel)}`;
}
/** The record to write: this switch, this run, now; rotations of this switch carried over. */
function credentialsRecord(ctx, fields) {
    const previous = currentRecord(ctx.tenant?.isolation);
    return {
        ...(previous?.rotated_at && { rotated_at: previous.rotated_at, rotations: previous.rotations }),
        ...fields,
        switched_at: ctx.tenant?.isolation?.isolated_at,
        at: new Date().toISOString(),
        run: ctx.run.id,
    };
}
/** Records the credentials (proving ownership) and keeps the context's copy of the row in step. */
async function record(ctx, fields) {
    const credentials = credentialsRecord(ctx, fields);
    await (0,ownership/* asOwner */.gv)(ctx, 'recording the delivery of the credentials', (c) => writeCredentials(c, ctx.options.tenantsTable, ctx.names.slug, { credentials }));
    if (ctx.tenant?.isolation)
        ctx.tenant.isolation = { ...ctx.tenant.isolation, credentials };
}
function remember(ctx, fields) {
    if (ctx.tenant?.isolation)
        ctx.tenant.isolation = { ...ctx.tenant.isolation, credentials: credentialsRecord(ctx, fields) };
}
function appRole(ctx) {
    return ctx.tenant?.isolation?.app_role ?? ctx.names.appRole;
}
function rotationDeployInput(ctx, serviceName, password) {
    const { host, port } = ctx.servers.applicationHost(ctx.options.databaseHost);
    return {
        options: ctx.options.cloudRun,
        serviceName,
        slug: ctx.names.slug,
        tenantId: ctx.names.slug,
        database: {
            name: ctx.tenant?.isolation?.isolated_db_name ?? ctx.names.database,
            host,
            port,
            user: appRole(ctx),
            password,
        },
        dryRun: false,
        log: ctx.log,
        signal: ctx.signal,
    };
}
/**
 * After the rotation's transaction failed: did it commit anyway? A PromotionError (ownership
 * lost, a role not ours, the tenant changed) was raised inside it, so it rolled back. Otherwise
 * (the connection broke) the old backend is ended and waited for, then the record is read back:
 * it carries this rotation's time and run exactly when the transaction committed.
 */
async function changedAfterAll(ctx, e, pid, at) {
    if (e instanceof errors/* PromotionError */.g1)
        return 'unchanged';
    const check = await (0,connect/* connect */.Ng)(ctx.servers.sharedUrl);
    try {
        if (pid)
            await check.query('SELECT pg_terminate_backend($1::int, 10000)', [pid]).catch(() => undefined);
        if (pid && (await check.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount)
            return 'unknown';
        const now = await readCredentials(check, ctx.options.tenantsTable, ctx.names.slug);
        return now?.rotated_at === at && now.run === ctx.run.id ? 'changed' : 'unchanged';
    }
    finally {
        await check.end().catch(() => undefined);
    }
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(77598);
// EXTERNAL MODULE: ./src/postgres/cleanup-removed.ts
var cleanup_removed = __webpack_require__(6790);
// EXTERNAL MODULE: ./src/postgres/checksum.ts
var checksum = __webpack_require__(73600);
// EXTERNAL MODULE: ./src/postgres/large-objects.ts
var large_objects = __webpack_require__(52593);
// EXTERNAL MODULE: ./src/postgres/plan-check.ts
var plan_check = __webpack_require__(86521);
// EXTERNAL MODULE: ./src/postgres/referenced-cleanup.ts
var referenced_cleanup = __webpack_require__(9893);
// EXTERNAL MODULE: ./src/postgres/privileges.ts
var privileges = __webpack_require__(39607);
// EXTERNAL MODULE: ./src/pipeline/tenant-place.ts
var tenant_place = __webpack_require__(50678);
;// CONCATENATED MODULE: ./src/pipeline/steps/cleanup.ts












/**
 * Removes the tenant's rows from the shared database — never the tenants row, which now
 * carries the routing flag — in one transaction, children first. Before deleting it re-checks
 * that the rows still equal what was verified at the switch (a writer ignoring the contract
 * would otherwise lose data), and it asserts that the rows deleted equal the rows verified.
 *
 * The shared database's triggers do not act on these DELETEs (an audit trigger would otherwise
 * write rows of the tenant back): replica mode where the role may use it, else each trigger that
 * would fire is disabled for this transaction only (the role must own its table; the lock that
 * takes blocks every tenant's writes to the table until COMMIT, so it waits at most max-freeze),
 * else nothing is deleted. Before COMMIT every planned table is counted again: a row of the
 * tenant left in the shared database rolls the whole cleanup back.
 */
/** Bound on one statement recording the removed keys in the tenant's database (see run). */
const REMOVED_KEYS_STATEMENT_TIMEOUT_MS = 300_000;
const cleanupStep = {
    name: 'cleanup',
    title: 'Remove the tenant rows from the shared database',
    skip: (ctx) => ctx.options.keepSharedData
        ? 'shared rows kept (keep-shared-data)'
        : ctx.tenant?.isolation?.shared_rows_removed
            ? 'shared rows already removed'
            : undefined,
    async run(ctx) {
        const plan = ctx.plan;
        const verified = ctx.verified ?? ctx.tenant?.isolation?.verified;
        if (!verified) {
            throw new errors/* PromotionError */.g1('cleanup-refused', 'No verified counts and digests were recorded at the switch, so the shared rows cannot be proven safe to delete.', `Keep the shared rows (${(0,errors/* settingName */.QX)('keep-shared-data', ctx.options.frontEnd)}) and check the tenant with \`tenant-isolation status --verify\`.`);
        }
        const session = await (0,connect/* connect */.Ng)(ctx.servers.sharedUrl);
        // remove-unused records the keys it removes in the tenant's database before its transaction
        // commits: connected before that transaction takes any lock.
        let tenantDb;
        try {
            await (0,connect/* setTenantId */.si)(session, plan.tenantId);
            await (0,checksum/* setComparableSession */.LP)(session);
            // Large objects the deleted rows reference are left in the shared database (a rollback
            // restores rows that point at them; another row or application may still use them, which the
            // catalog cannot prove otherwise); counted for the record before the rows go.
            const leftObjects = await (0,large_objects/* measureReferenced */.Up)(session, plan).catch(() => undefined);
            if (ctx.options.cleanupReferencedRows === 'remove-unused' &&
                plan.tables.some((t) => t.kind === 'referenced')) {
                tenantDb = await (0,connect/* connect */.Ng)((0,tenant_place/* tenantDatabaseUrl */.Z8)(ctx));
                // Its write (the removed keys) runs while this transaction holds the shared rows' locks: a
                // tenant database that does not answer (a lock held there, a stalled server) must end the
                // cleanup instead of holding them. Waiting for a lock is bounded by max-freeze, the write
                // itself generously (COPY of ~1M keys takes seconds) but boundedly.
                await tenantDb.query(`SELECT set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)`, [`${Math.max(1, Math.round(ctx.options.maxFreezeMs))}ms`, `${REMOVED_KEYS_STATEMENT_TIMEOUT_MS}ms`]);
            }
            await session.query('BEGIN');
            // Hold the tenant row FOR SHARE: it stays isolated (a rollback needs FOR UPDATE) while
            // contract-following writers, which now read it FOR SHARE and write to the isolated
            // database, are not blocked by a cleanup that may run for a while. Under that lock this
            // run proves it still owns the tenant: a run that lost it deletes nothing.
            await (0,ownership/* assertOwnerIn */.zp)(ctx, session, 'removing the shared rows');
            const changed = [];
            for (const table of plan.deleteOrder) {
                const expected = verified[table.qualified];
                if (!expected) {
                    changed.push(`${table.qualified}: not verified at the switch`);
                    continue;
                }
                // Compared with the digest recorded at the switch, in the form it was recorded in, as a
                // whole (count and digest): buckets would only cost.
                const now = await (0,checksum/* digestTable */.lN)(session, table, 'source', {
                    form: (0,checksum/* recordedForm */.Rl)(expected),
                    locate: false,
                });
                if (!(0,checksum/* matchesRecorded */.A2)(expected, now)) {
                    changed.push(`${table.qualified}: ${expected.count} rows verified at the switch, ${now.count} now${now.count === expected.count ? ' (contents changed)' : ''}`);
                }
            }
            // Other tenants keep writing meanwhile: one of their rows may have come to reference ours
            // since the plan (a cascade would then delete or rewrite it). Lock our referenced rows —
            // which blocks new references to them — and check again.
            const referenced = new Set(plan.tables.flatMap((t) => (t.foreignKeys ?? []).map((fk) => fk.references)));
            for (const table of plan.deleteOrder) {
                if (!referenced.has(table.qualified))
                    continue;
                await session.query(`SELECT count(*) FROM (SELECT 1 FROM ${table.qualified} t WHERE ${own(table)} FOR UPDATE OF t) locked`);
            }
            const links = await (0,plan_check/* referenceBlockers */.JY)(session, plan.tables, { incomingOnly: true });
            if (links.length) {
                throw new errors/* PromotionError */.g1('cleanup-refused', `Other tenants' rows now reference this tenant's shared rows, so nothing was deleted: ${links.join('; ')}`, 'Those references were made after the promotion was planned. Resolve them (the isolated database has the rows), then re-run to finish the cleanup.');
            }
            if (changed.length) {
                throw new errors/* PromotionError */.g1('cleanup-refused', `The tenant's shared rows changed after the switch, so nothing was deleted: ${changed.join('; ')}.`, 'A writer is still writing to the shared database for this tenant (it ignores the FOR SHARE contract). Stop it, move those writes to the isolated database, then re-run to finish the cleanup.');
            }
            // Triggers: read now, in this transaction (prevalidation planned the same, but a trigger may
            // have been added since the run started).
            const role = await (0,privileges/* readRole */.fP)(session);
            const removeReferenced = ctx.options.cleanupReferencedRows === 'remove-unused';
            const referencedTables = plan.tables.filter((t) => t.kind === 'referenced');
            const triggers = (0,privileges/* planTriggers */.hR)(role, await (0,privileges/* readCleanupTriggers */.QM)(session, [
                ...plan.deleteOrder,
                ...(removeReferenced ? referencedTables : []),
            ]));
            if (triggers.blocking.length > 0) {
                throw (0,privileges/* triggerRefusal */.NS)(role, triggers, {
                    frontEnd: ctx.options.frontEnd,
                    before: 'nothing was deleted',
                });
            }
            await quietTriggers(session, triggers, ctx.options.maxFreezeMs);
            let deleted = 0;
            // Global rows (NULL tenant key) the tenant's rows referenced were verified with them but are
            // not the tenant's: they stay, and only the tenant's own rows (ownWhere) are deleted. Counted
            // before anything is deleted (the rows that reference them go first).
            const globals = new Map();
            for (const table of plan.deleteOrder) {
                if (table.ownWhere === undefined)
                    continue;
                const { rows } = await session.query(`SELECT count(*)::int AS n FROM ${table.qualified} t WHERE (${table.where}) AND (${table.ownWhere}) IS NOT TRUE`);
                globals.set(table.qualified, rows[0]?.n ?? 0);
            }
            const globalKept = [...globals.values()].reduce((a, n) => a + n, 0);
            // Referenced rows are found through the tenant's rows: captured (unlocked) before those go.
            let candidates;
            if (removeReferenced && referencedTables.length > 0)
                candidates = await (0,referenced_cleanup/* captureCandidates */.PE)(session, referencedTables);
            for (const table of plan.deleteOrder) {
                const res = await session.query(`DELETE FROM ${table.qualified} AS t WHERE ${own(table)}`);
                const n = res.rowCount ?? 0;
                const expected = verified[table.qualified].count - (globals.get(table.qualified) ?? 0);
                if (n !== expected) {
                    throw new errors/* PromotionError */.g1('cleanup-refused', `Cleanup would delete ${n} rows from ${table.qualified} but ${expected} were verified; nothing was deleted.`, `Check for ON DELETE CASCADE or triggers that reach this table, then re-run (or keep the shared rows: ${(0,errors/* settingName */.QX)('keep-shared-data', ctx.options.frontEnd)}).`);
                }
                const entry = ctx.record.tables.find((e) => e.schema === table.schema && e.name === table.name);
                if (entry)
                    entry.deletedRows = n;
                deleted += n;
            }
            let removal;
            let referencedRemoved;
            if (candidates) {
                removal = await (0,referenced_cleanup/* removeUnused */.ln)(session, candidates, ctx.options.maxFreezeMs);
                for (const { table, rows } of removal.removed) {
                    const entry = ctx.record.tables.find((e) => e.schema === table.schema && e.name === table.name);
                    if (entry)
                        entry.deletedRows = rows;
                }
                // The removed keys go to the tenant's database before this transaction commits, under an
                // attempt id this transaction records with the deletes: a rollback revives exactly them.
                referencedRemoved = {
                    attempt: (0,external_node_crypto_.randomUUID)(),
                    tables: Object.fromEntries(removal.removed.map((r) => [r.table.qualified, r.rows])),
                };
                await (0,cleanup_removed/* recordRemovedKeys */.k$)(session, tenantDb, referencedRemoved.attempt, (0,tenant_place/* toolSchema */.wl)(ctx));
                // Keys recorded, deletes not yet committed: an attempt no shared commit names.
                await ctx.deps.fault?.('cleanup:removed-keys-recorded');
            }
            // The tenants row is updated as by every other step of the run: its triggers fire as usual.
            if (triggers.replica)
                await session.query('SET LOCAL session_replication_role = origin');
            const tenant = await (0,tenants/* readTenant */.RM)(session, ctx.options.tenantsTable, ctx.names.slug);
            await (0,tenants/* writeIsolation */.AF)(session, ctx.options.tenantsTable, tenant, {
                ...tenant.isolation,
                shared_rows_removed: true,
                ...(referencedRemoved && { referenced_removed: referencedRemoved }),
            }, {
                from: 'isolated',
                to: 'isolated',
            });
            // No row of the tenant may remain: whatever wrote one during this transaction (a trigger,
            // a rule, a cascade) rolls it back, and shared_rows_removed is never recorded.
            const left = [];
            for (const table of plan.deleteOrder) {
                const { rows } = await session.query(`SELECT count(*)::int AS n FROM ${table.qualified} t WHERE ${own(table)}`);
                if ((rows[0]?.n ?? 0) > 0)
                    left.push(`${table.schema}.${table.name}: ${rows[0].n}`);
            }
            if (left.length) {
                throw new errors/* PromotionError */.g1('cleanup-refused', `After deleting, rows of the tenant were still in the shared database (${left.join('; ')}), so the cleanup was rolled back and nothing was deleted.`, `Something writes the tenant's rows back as they are deleted${triggers.fired.length ? ` (triggers that fired: ${triggers.fired.map(privileges/* describeTrigger */.gb).join('; ')})` : ' (a rule, or a trigger on another table)'}. Stop it, then re-run; or keep the shared rows (${(0,errors/* settingName */.QX)('keep-shared-data', ctx.options.frontEnd)}).`);
            }
            for (const t of triggers.disable)
                await session.query((0,privileges/* restoreTriggerSql */.HB)(t));
            await session.query('COMMIT');
            ctx.tenant = {
                ...tenant,
                isolation: {
                    ...tenant.isolation,
                    shared_rows_removed: true,
                    ...(referencedRemoved && { referenced_removed: referencedRemoved }),
                },
            };
            if (leftObjects && leftObjects.objects > 0 && (0,tenant_place/* intoSharedDatabase */.vq)(ctx)) {
                // The same objects the tenant's rows in its schemas reference: never unlinked here.
                ctx.record.notes.push(`Large objects kept in place (${leftObjects.objects} large objects, ${(0,large_objects/* formatBytes */.z3)(leftObjects.bytes)}): the deleted shared rows referenced them and the tenant's rows in its schemas still do — they are the tenant's now, not copies. Do not remove them (vacuumlo run on this database sees the tenant's references too).`);
            }
            else if (leftObjects && leftObjects.objects > 0) {
                ctx.record.notes.push(`Large objects left in the shared database (${leftObjects.objects} large objects, ${(0,large_objects/* formatBytes */.z3)(leftObjects.bytes)}): the deleted rows referenced them; the tenant's database has its own copies. Remove them once no rollback is wanted (e.g. vacuumlo, or lo_unlink of each object no remaining row references).`);
            }
            const quiet = triggers.fired.length
                ? `; ${triggers.fired.length} trigger(s) not fired (${triggers.replica ? 'replica mode' : 'disabled for the transaction'})`
                : '';
            const los = leftObjects?.objects
                ? `; ${leftObjects.objects} large objects (${(0,large_objects/* formatBytes */.z3)(leftObjects.bytes)}) left in the shared database`
                : '';
            const stayed = keptRows(plan, globalKept, removal);
            if (stayed)
                ctx.record.notes.push(`Left in the shared database by cleanup (not the tenant's own rows): ${stayed}.`);
            const gone = removal ? removedReferenced(removal) : '';
            if (gone)
                ctx.record.notes.push(`Removed from the shared database by cleanup: ${gone}.`);
            return `${deleted} rows deleted from ${plan.deleteOrder.length} tables (equal to the rows verified at the switch; none left)${gone ? `; ${gone}` : ''}${quiet}${los}${stayed ? `; kept: ${stayed}` : ''}`;
        }
        catch (e) {
            await session.query('ROLLBACK').catch(() => undefined);
            throw lockWaitError(e, 'the shared rows', ctx.options.maxFreezeMs, ctx.options.frontEnd) ?? e;
        }
        finally {
            await tenantDb?.end().catch(() => undefined);
            await session.end().catch(() => undefined);
        }
    },
};
/** The tenant's own rows of a table: `where` less the global rows it also selects. */
const own = (table) => table.ownWhere ?? table.where;
/** Referenced rows removed (cleanup-referenced-rows: remove-unused), per table. */
function removedReferenced(removal) {
    const n = removal.removed.reduce((a, r) => a + r.rows, 0);
    // Said every time: the removal trusts the foreign keys alone.
    const unseen = 'references kept without foreign keys cannot be seen, and do not keep a row';
    if (n === 0)
        return `0 referenced rows removed (every one is still referenced by a row that stays; ${unseen})`;
    return `${n} referenced rows no remaining row references (${removal.removed.map((r) => `${r.table.schema}.${r.table.name} ${r.rows}`).join(', ')}; ${unseen})`;
}
/** What cleanup leaves in the shared database on purpose: global, referenced and whole-copied rows. */
function keptRows(plan, globalKept, removal) {
    const parts = [];
    if (globalKept > 0)
        parts.push(`${globalKept} global rows`);
    const referenced = plan.tables.filter((t) => t.kind === 'referenced');
    const names = referenced.map((t) => `${t.schema}.${t.name}`).join(', ');
    if (removal) {
        const why = [];
        if (removal.keptInUse > 0)
            why.push(`${removal.keptInUse} still referenced by rows that stay (other tenants', global or copied-whole rows)`);
        if (removal.keptWithParent > 0)
            why.push(`${removal.keptWithParent} belonging to a row that stays (e.g. a shared user's token)`);
        if (removal.keptWithoutKey > 0)
            why.push(`${removal.keptWithoutKey} of tables without a primary or unique key (a rollback could not bring exactly them back), with the rows they reference`);
        const kept = removal.keptInUse + removal.keptWithParent + removal.keptWithoutKey;
        if (kept > 0)
            parts.push(`${kept} referenced rows of ${names}: ${why.join('; ')}`);
    }
    else if (referenced.length > 0) {
        const n = referenced.reduce((a, t) => a + (t.rows ?? 0), 0);
        parts.push(`${n} referenced rows of ${names} (cleanup-referenced-rows: keep, the default; remove-unused removes those no remaining row references)`);
    }
    const whole = plan.tables.filter((t) => t.kind === 'reference');
    if (whole.length > 0)
        parts.push(`tables copied whole: ${whole.map((t) => `${t.schema}.${t.name}`).join(', ')}`);
    return parts.join('; ');
}
/**
 * Keeps the triggers the DELETEs would fire from firing, for this transaction only: replica mode
 * (SET LOCAL), then ALTER TABLE ONLY … DISABLE TRIGGER for each one that would still fire (put
 * back before COMMIT; a ROLLBACK undoes it anyway). DISABLE TRIGGER locks its table against
 * every tenant's writes until the transaction ends, so the lock is waited for at most max-freeze
 * and the rest of the transaction is kept short (the checks are already done).
 */
async function quietTriggers(session, triggers, maxFreezeMs) {
    if (triggers.replica)
        await session.query('SET LOCAL session_replication_role = replica');
    if (triggers.disable.length === 0)
        return;
    await session.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(maxFreezeMs))}`);
    for (const t of triggers.disable)
        await session.query((0,privileges/* disableTriggerSql */.lp)(t));
}
/**
 * With triggers disabled the transaction runs under lock_timeout = max-freeze (it blocks other
 * tenants' writes meanwhile): a lock it could not get in time is a refusal to re-run, not a crash.
 */
function lockWaitError(e, what, maxFreezeMs, frontEnd) {
    const code = e?.code;
    if (e instanceof errors/* PromotionError */.g1 || (code !== '55P03' && code !== '40P01'))
        return undefined;
    return new errors/* PromotionError */.g1('cleanup-refused', `Cleanup waited longer than max-freeze (${maxFreezeMs} ms) for a lock on ${what} while other sessions wrote (it disables triggers, which blocks every tenant's writes to their tables), so nothing was deleted: ${e.message}.`, `Re-run to finish the cleanup when the tables are quieter, or raise ${(0,errors/* settingName */.QX)('max-freeze', frontEnd)}.`, { cause: e });
}

// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(83849);
// EXTERNAL MODULE: ./src/postgres/app-roles.ts
var app_roles = __webpack_require__(256);
// EXTERNAL MODULE: ./src/postgres/schema-clone.ts + 3 modules
var schema_clone = __webpack_require__(52682);
// EXTERNAL MODULE: ./src/postgres/schema-layout.ts + 1 modules
var schema_layout = __webpack_require__(31686);
// EXTERNAL MODULE: ./src/postgres/ddl/blockers.ts
var ddl_blockers = __webpack_require__(6409);
// EXTERNAL MODULE: ./src/postgres/database.ts
var database = __webpack_require__(42514);
// EXTERNAL MODULE: ./src/postgres/lock.ts
var lock = __webpack_require__(17768);
;// CONCATENATED MODULE: ./src/postgres/rehearsal.ts






/**
 * The throw-away database a dry run applies the whole schema clone to (on the server the
 * tenant's database would go to), dropped within the dry run.
 *
 * It is recognisably the tool's: its name starts with `tpdrop_` (the prefix of databases the tool
 * is about to drop, which no tenant's database name can have), then `rh_`, a hash of the tenant's
 * slug and the run's id; its comment is the tool's marker (purpose `rehearsal`, the tenant, the
 * shared database). A dry run killed before it dropped the database leaves it behind; it is
 * removed by
 * - any later run that checks or rehearses a clone of the same shared database
 *   (`dropAbandonedRehearsals`), once no session holds that tenant's lock — the dry run that made
 *   it held the lock for as long as the database existed, so it is gone;
 * - a later real run of the same tenant, like every abandoned `tpdrop_` database of the tenant
 *   (pipeline/ownership.ts, dropAbandonedDatabases).
 */
const REHEARSAL_PREFIX = 'tpdrop_rh_';
const qi = esm/* default.escapeIdentifier */.Ay.escapeIdentifier;
/** Hash of the tenant's slug in a rehearsal's name: an unmarked leftover still names its tenant. */
function slugTag(slug) {
    return (0,external_node_crypto_.createHash)('sha256').update(slug).digest('hex').slice(0, 8);
}
/** `tpdrop_rh_<slug hash>_<run id>`: 43 bytes, unique to the run. */
function rehearsalDatabaseName(slug, runId) {
    return `${REHEARSAL_PREFIX}${slugTag(slug)}_${runId.replace(/[^0-9a-f]/gi, '').slice(0, 24)}`;
}
/**
 * Creates the rehearsal database like the tenant's (template0, the shared database's encoding and
 * locale), owned by the connecting role, marked, closed to PUBLIC. `client` is on the shared
 * database, outside a transaction (CREATE DATABASE cannot run in one).
 */
async function createRehearsalDatabase(client, name, marker) {
    const locale = await (0,database/* readLocale */.XE)(client);
    const { rows } = await client.query(`SELECT current_user AS me`);
    await client.query((0,database/* createDatabaseSql */.s7)(name, rows[0].me, locale));
    // A run killed between these two statements leaves the database unmarked: its name still
    // carries the tenant's hash, which is how a later run of that tenant recognises it.
    await (0,sql/* commentOn */.Jt)(client, 'DATABASE', name, (0,roles/* markerText */.U7)({ ...marker, purpose: 'rehearsal' }));
    await client.query(`REVOKE ALL ON DATABASE ${qi(name)} FROM PUBLIC`);
}
async function dropRehearsalDatabase(client, name) {
    await (0,database/* dropDatabase */.Zi)(client, name);
}
/**
 * Drops rehearsal databases that dry runs killed midway left behind on this server for the
 * shared database `client` is on: those of `slug` (the caller holds that tenant's lock, so their
 * dry run is gone), including one killed before its marker was written (its name carries the
 * tenant's hash and the connecting role owns it); and those of other tenants whose lock no
 * session holds. Returns the names dropped; one this role may not drop (another admin's) is
 * left and reported in `left`.
 */
async function dropAbandonedRehearsals(client, slug) {
    const { rows } = await client.query(`SELECT d.datname, shobj_description(d.oid, 'pg_database') AS comment,
            pg_get_userbyid(d.datdba) = current_user AS mine, current_database() AS shared
       FROM pg_database d WHERE starts_with(d.datname, $1) ORDER BY 1`, [REHEARSAL_PREFIX]);
    const dropped = [];
    const left = [];
    for (const r of rows) {
        const marker = (0,roles/* parseMarker */.gY)(r.comment);
        let abandoned;
        if (!marker) {
            abandoned =
                r.comment === null && r.mine && r.datname.startsWith(`${REHEARSAL_PREFIX}${slugTag(slug)}_`);
        }
        else if (marker.purpose !== 'rehearsal' || marker.sourceDatabase !== r.shared) {
            abandoned = false;
        }
        else {
            abandoned = marker.slug === slug || !(await (0,lock/* isTenantLockHeld */.Df)(client, marker.slug));
        }
        if (!abandoned)
            continue;
        try {
            await dropRehearsalDatabase(client, r.datname);
            dropped.push(r.datname);
        }
        catch (e) {
            // 42501: owned by another role; 55006: in use after all.
            const code = e.code;
            if (code !== '42501' && code !== '55006')
                throw e;
            left.push(r.datname);
        }
    }
    return { dropped, left };
}

// EXTERNAL MODULE: ./src/pipeline/faults.ts
var faults = __webpack_require__(18361);
;// CONCATENATED MODULE: ./src/pipeline/steps/rehearse-clone.ts









/**
 * Before anything is created: generates the whole schema clone from the plan's snapshot (the
 * script the clone steps then apply) and refuses the promotion if it contains an object the clone
 * cannot recreate, naming it and everything that depends on it.
 *
 * A dry run then rehearses the clone: it applies the whole script, before and after the data, to
 * a throw-away database on the server the tenant's database would go to, and drops it. So what a
 * dry run accepts, the real run's clone does not fail on (on an unchanged schema). Without
 * CREATEDB it cannot, and says its verdict is weaker and why. Rehearsal databases a killed dry
 * run left behind are removed here by any later run (see postgres/rehearsal.ts).
 */
const rehearseCloneStep = {
    name: 'rehearse-clone',
    title: 'Check the schema clone (a dry run rehearses it)',
    skip: (ctx) => (ctx.mode !== 'fresh' ? 'no schema to clone' : undefined),
    async run(ctx) {
        const { names, plan } = ctx;
        const source = ctx.snapshot.client;
        const catalog = await (0,schema_clone/* readSourceCatalog */.bU)(source, plan.skipped);
        const shared = await (0,app_roles/* sharedAppRoles */.W)(source, plan, ctx.options.sharedAppRole);
        ctx.sharedRoles = shared;
        const script = (0,schema_clone/* scriptFor */.NM)(catalog, {
            ownerRole: names.ownerRole,
            roleMap: new Map(shared.map((r) => [r, names.appRole])),
            targetVersion: ctx.targetVersion,
            schemaLayout: ctx.schemaLayout,
        });
        ctx.schemaScript = script;
        noteUnsupported(ctx, script);
        if (script.blockers.length)
            throw cloneBlockedError(script.blockers);
        // Where the tenant's lock lives: a separate target server's leftovers are removed by the real
        // run's dropAbandonedDatabases (same prefix and marker), under the tenant's lock.
        const { dropped, left } = await (0,ownership/* withShared */.An)(ctx, (c) => dropAbandonedRehearsals(c, names.slug));
        const cleaned = dropped.length
            ? `; removed ${dropped.length} rehearsal database(s) a killed dry run left`
            : '';
        for (const name of left)
            ctx.log.warn(`rehearsal database ${name} was left by another role's dry run`);
        const statements = script.beforeData.length + script.afterData.length;
        if (!ctx.options.dryRun)
            return `${statements} statements; every object can be recreated${cleaned}`;
        return (await rehearse(ctx, catalog, shared, statements)) + cleaned;
    },
};
/** What the clone leaves out without harm (publications, event triggers…): notes, in a dry run too. */
function noteUnsupported(ctx, script) {
    for (const item of script.unsupported) {
        ctx.log.warn(`not cloned: ${item}`);
        ctx.record.notes.push(`Not cloned: ${item}`);
    }
    for (const line of script.translations) {
        ctx.log.info(`translated: ${line}`);
        ctx.record.notes.push(`Translated for the newer target: ${line}`);
    }
}
/** Refused before anything is created: each object the clone cannot recreate, with its dependents. */
function cloneBlockedError(blockers) {
    return new errors/* PromotionError */.g1('plan-blocked', `The schema clone cannot recreate ${blockers.length === 1 ? 'an object' : `${blockers.length} objects`} of the shared database, so the tenant's database could not be built: ${blockers
        .map((b) => (0,ddl_blockers/* describeBlocker */.G)(b))
        .join('; ')}. Nothing was created.`, 'Replace each object named above in the shared database with one the clone recreates (or drop it, with what needs it, if the application does not use it); for objects only a superuser may create, run with a database-url whose role may create them. Then re-run (a dry run first).');
}
const REHEARSAL_UNDO = 'This is the dry run rehearsing the clone in a throw-away database (dropped again): the real run would fail the same way, nothing was created.';
/** Applies the whole clone to a throw-away database, then drops it. Returns the step's detail. */
async function rehearse(ctx, catalog, shared, statements) {
    if (ctx.schemaLayout?.into === 'shared-database')
        return rehearseInShared(ctx, catalog, shared, statements);
    // The tenant's database would be created on the target server, by its admin role.
    const role = await (0,ownership/* withTargetServer */.z2)(ctx, (c) => (0,privileges/* readRole */.fP)(c));
    if (!role.superuser && !role.createDb)
        return weakerVerdict(ctx, `role "${role.name}" lacks CREATEDB`);
    // The same script, owned by the connecting role: the tenant's roles do not exist in a dry run.
    const script = (0,schema_clone/* scriptFor */.NM)(catalog, {
        ownerRole: role.name,
        roleMap: new Map(shared.map((r) => [r, role.name])),
        targetVersion: ctx.targetVersion,
        schemaLayout: ctx.schemaLayout,
    });
    const name = rehearsalDatabaseName(ctx.names.slug, ctx.run.id);
    const fault = ctx.deps.fault ?? (0,faults/* faultsFromEnv */.j)();
    try {
        try {
            await (0,ownership/* withTargetServer */.z2)(ctx, (c) => createRehearsalDatabase(c, name, (0,ownership/* markerSource */.GH)(ctx)));
        }
        catch (e) {
            // 42501: CREATE DATABASE was refused even so (a managed service's own rule).
            if (e.code === '42501')
                return weakerVerdict(ctx, `CREATE DATABASE was refused: ${(0,errors/* describeError */.Uc)(e).message}`);
            throw e;
        }
        await (0,connect/* withConnection */.p)(ctx.servers.tenantDatabaseUrl(name), async (target) => {
            // Only a statement of the clone failing predicts the real run; anything else is reported as it is.
            try {
                await (0,schema_clone/* applyStatements */.t8)(target, script.beforeData, REHEARSAL_UNDO, script.searchPath);
                await fault?.('rehearse-clone:before-data-applied');
                await (0,schema_clone/* applyStatements */.t8)(target, script.afterData, REHEARSAL_UNDO, script.searchPath);
            }
            catch (e) {
                const err = (0,errors/* describeError */.Uc)(e);
                throw new errors/* PromotionError */.g1('plan-blocked', `The dry run rehearsed the schema clone in a throw-away database and it failed, so the real run would fail there too: ${err.message}`, err.hint, { cause: e });
            }
        });
    }
    finally {
        // Whatever happened (a marker that could not be written included), the database goes.
        await (0,ownership/* withTargetServer */.z2)(ctx, (c) => dropRehearsalDatabase(c, name)).catch((e) => {
            const why = (0,errors/* describeError */.Uc)(e).message;
            ctx.log.warn(`could not drop the rehearsal database ${name}: ${why}`);
            ctx.record.notes.push(`The rehearsal database ${name} could not be dropped (${why}); the next run removes it.`);
        });
    }
    return `rehearsed: all ${statements} statements of the clone applied to a throw-away database (dropped)`;
}
/**
 * Schema level into the shared database: the mapped clone is rehearsed where it will run, in the
 * shared database itself, in ONE transaction that is rolled back. DDL is transactional, so no
 * other session ever sees the tenant's schemas (a throw-away database would prove less: the
 * extensions and the shared schemas beside the tenant's are the shared database's own); waits
 * for a lock are bounded by max-freeze, so the rehearsal never holds up the application.
 */
async function rehearseInShared(ctx, catalog, shared, statements) {
    const role = await (0,ownership/* withShared */.An)(ctx, (c) => (0,privileges/* readRole */.fP)(c));
    // Owned by the connecting role: the tenant's roles do not exist in a dry run.
    const script = (0,schema_clone/* scriptFor */.NM)(catalog, {
        ownerRole: role.name,
        roleMap: new Map(shared.map((r) => [r, role.name])),
        targetVersion: ctx.targetVersion,
        schemaLayout: ctx.schemaLayout,
    });
    await (0,ownership/* withShared */.An)(ctx, async (c) => {
        try {
            await (0,schema_clone/* applyStatements */.t8)(c, [...script.beforeData, ...script.afterData], REHEARSAL_IN_SHARED_UNDO, script.searchPath, { end: 'rollback', lockTimeoutMs: ctx.options.maxFreezeMs });
        }
        catch (e) {
            const err = (0,errors/* describeError */.Uc)(e);
            throw new errors/* PromotionError */.g1('plan-blocked', `The dry run rehearsed the schema clone in the shared database, in a transaction rolled back, and it failed, so the real run would fail there too: ${err.message}`, err.hint, { cause: e });
        }
    });
    return `rehearsed: all ${statements} statements of the clone applied to the shared database in one transaction, rolled back (nothing visible to any other session)`;
}
const REHEARSAL_IN_SHARED_UNDO = 'This is the dry run rehearsing the clone in the shared database in a transaction that was rolled back: the real run would fail the same way, nothing was created.';
/** A dry run that could not rehearse the clone says so, and why, and still plans. */
function weakerVerdict(ctx, why) {
    const note = `This dry run's verdict is weaker: it could not rehearse the schema clone in a throw-away database (${why}). The clone was generated and checked against the catalog (nothing it cannot recreate), but not applied, so the real run could still fail while cloning. Grant CREATEDB (the real run needs it anyway) and re-run the dry run to rehearse it.`;
    ctx.log.warn(note);
    ctx.record.notes.push(note);
    return `not rehearsed (${why}): verdict weaker, see the notes`;
}

;// CONCATENATED MODULE: ./src/pipeline/steps/clone-schema.ts







const clone_schema_qi = esm/* default.escapeIdentifier */.Ay.escapeIdentifier;
function withTarget(ctx, fn) {
    return (0,connect/* withConnection */.p)((0,tenant_place/* tenantDatabaseUrl */.Z8)(ctx), fn);
}
/**
 * Types, sequences, tables, functions, views, RLS policies — everything but indexes,
 * constraints and triggers, which come after the data (faster, and COPY must not fire triggers).
 * Read from the copy snapshot, so the schema is the one the data was read with.
 */
const cloneSchemaStep = {
    name: 'clone-schema',
    title: 'Clone the schema (before data)',
    async run(ctx) {
        // Generated (and checked) by rehearse-clone from the same snapshot; built here only when that
        // step did not run.
        if (!ctx.schemaScript) {
            const source = ctx.snapshot.client;
            const shared = await (0,app_roles/* sharedAppRoles */.W)(source, ctx.plan, ctx.options.sharedAppRole);
            ctx.sharedRoles = shared;
            ctx.schemaScript = await (0,schema_clone/* buildSchemaScript */.HY)(source, {
                ownerRole: ctx.names.ownerRole,
                roleMap: new Map(shared.map((r) => [r, ctx.names.appRole])),
                leaveOut: ctx.plan.skipped,
                targetVersion: ctx.targetVersion,
                schemaLayout: ctx.schemaLayout,
            });
            noteUnsupported(ctx, ctx.schemaScript);
        }
        const script = ctx.schemaScript;
        const shared = ctx.sharedRoles ?? [];
        if (script.blockers.length)
            throw cloneBlockedError(script.blockers);
        await withTarget(ctx, (target) => (0,schema_clone/* applyStatements */.t8)(target, script.beforeData, undefined, script.searchPath));
        const mapped = shared.length
            ? `; grants and policies of ${shared.join(', ')} remapped to ${ctx.names.appRole}`
            : '';
        return `${script.beforeData.length} statements${mapped}`;
    },
    // The database is dropped by create-database's undo.
};
/**
 * Memory for the step's index builds (and foreign-key joins), shared by its sessions and raised
 * to that share when the server's own setting is lower: PostgreSQL's default of 64MB per session
 * makes a build of a few million rows sort on disk. Bounded in total (two sessions get 256MB
 * each; from eight on, each keeps the default).
 */
const AFTER_DATA_MAINTENANCE_WORK_MEM_MB = 512;
const MAINTENANCE_WORK_MEM_FLOOR_MB = 64;
const cloneSchemaAfterStep = {
    name: 'clone-schema-after',
    title: 'Indexes, constraints, triggers, sequences (after data)',
    async run(ctx) {
        const script = ctx.schemaScript;
        const { names } = ctx;
        const url = (0,tenant_place/* tenantDatabaseUrl */.Z8)(ctx);
        // As many sessions as the copy had workers (the load the run was allowed to put on the
        // server), no more than a stage has units.
        const widest = Math.max(1, ...script.afterDataStages.map((s) => s.units.length));
        const sessions = await (0,connect/* connectAll */.Q5)(Array(Math.min(ctx.options.copyParallelism, widest)).fill(url));
        try {
            const target = sessions[0];
            const share = Math.max(MAINTENANCE_WORK_MEM_FLOOR_MB, Math.floor(AFTER_DATA_MAINTENANCE_WORK_MEM_MB / sessions.length));
            await Promise.all(sessions.map((s) => raiseMaintenanceMemory(s, share)));
            const layout = ctx.schemaLayout?.layout;
            // Into the shared database: the tenant's schemas only (the others there are the shared ones).
            const only = (0,tenant_place/* intoSharedDatabase */.vq)(ctx) ? layout.mappings.map((m) => m.target) : undefined;
            const tableBytes = await relationBytes(target, only);
            await (0,schema_clone/* applyAfterData */.rW)(sessions, script, {
                tableBytes,
                onStage: (label, units, ms) => ctx.log.info(`${label}: ${units} unit${units === 1 ? '' : 's'} in ${ms} ms`),
            });
            const back = layout && (0,schema_layout/* inverseSchemaMap */.YI)(layout);
            let started = Date.now();
            const seqs = await (0,schema_clone/* syncSequences */.kj)(ctx.snapshot.client, target, back);
            ctx.log.info(`sequences: ${seqs.length} set in ${Date.now() - started} ms`);
            started = Date.now();
            await grantApplicationRole(target, names.appRole, (0,tenant_place/* tenantDatabase */.kL)(ctx), ctx.sharedRoles?.length ? 'remapped' : 'baseline', only);
            // Schema level: USAGE on its schemas and the extensions' schemas, and a search_path that
            // starts with its schemas, so the application's bare names resolve there.
            if (layout)
                for (const sql of (0,schema_layout/* schemaRoleStatements */.yc)(layout, names.appRole, (0,tenant_place/* tenantDatabase */.kL)(ctx)))
                    await target.query(sql);
            ctx.log.info(`grants: ${Date.now() - started} ms`);
            // No ANALYZE here: the performance check, which every promotion runs before the switch,
            // analyzes the tenant's database first (validation/performance.ts); analyzing here too
            // took as long as building every index (1.5–2.3 s of a 1M-row tenant's 3.5–5 s step).
            return `${script.afterData.length} statements on ${sessions.length} session${sessions.length === 1 ? '' : 's'}, ${seqs.length} sequences set at or above the shared values`;
        }
        finally {
            await Promise.all(sessions.map((s) => s.end().catch(() => undefined)));
        }
    },
};
/** Raises the session's maintenance_work_mem to `mb`, never lowers it. */
async function raiseMaintenanceMemory(session, mb) {
    // pg_settings gives it in kB.
    await session.query(`SELECT pg_catalog.set_config('maintenance_work_mem', $1, false) FROM pg_catalog.pg_settings
      WHERE name = 'maintenance_work_mem' AND setting::bigint < $2::bigint * 1024`, [`${mb}MB`, mb]);
}
/** Bytes of every table and materialized view (partitions included), by qualified name: the largest is built first. */
async function relationBytes(target, only) {
    const { rows } = await target.query(`SELECT n.nspname || '.' || c.relname AS name, pg_catalog.pg_relation_size(c.oid)::text AS bytes
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND ($1::text[] IS NULL OR n.nspname = ANY($1::text[]))`, [only ?? null]);
    return new Map(rows.map((r) => [r.name, Number(r.bytes)]));
}
/**
 * CONNECT on its own database and USAGE on its schemas always; DML and sequence privileges as
 * the shared application role had them (remapped by the clone), or — when no such role was
 * found — DML on every table and use of every sequence.
 */
async function grantApplicationRole(target, role, database, mode, 
/** Schema level into the shared database: the tenant's schemas, the only ones it gets. */
only) {
    await target.query(`GRANT CONNECT ON DATABASE ${clone_schema_qi(database)} TO ${clone_schema_qi(role)}`);
    const { rows } = only
        ? { rows: only.map((nspname) => ({ nspname })) }
        : await target.query(`SELECT nspname FROM pg_namespace
          WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', '_tenant_isolation') AND nspname NOT LIKE 'pg_temp%'
            AND nspname NOT LIKE 'pg_toast_temp%'`);
    for (const { nspname } of rows) {
        await target.query(`GRANT USAGE ON SCHEMA ${clone_schema_qi(nspname)} TO ${clone_schema_qi(role)}`);
        if (mode === 'baseline') {
            await target.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${clone_schema_qi(nspname)} TO ${clone_schema_qi(role)}`);
            await target.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${clone_schema_qi(nspname)} TO ${clone_schema_qi(role)}`);
        }
    }
}

// EXTERNAL MODULE: ./src/postgres/copy.ts + 1 modules
var copy = __webpack_require__(63466);
// EXTERNAL MODULE: ./src/postgres/shared-large-objects.ts
var shared_large_objects = __webpack_require__(64669);
// EXTERNAL MODULE: ./src/postgres/ownership.ts
var postgres_ownership = __webpack_require__(6922);
// EXTERNAL MODULE: ./src/postgres/plan-types.ts
var plan_types = __webpack_require__(54680);
;// CONCATENATED MODULE: ./src/pipeline/steps/copy.ts








function formatBytes(n) {
    if (n < 1024)
        return `${n} B`;
    if (n < 1024 * 1024)
        return `${(n / 1024).toFixed(1)} kB`;
    return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
/** Streams the tenant's rows from the snapshot into the new database, tables in parallel. */
const copyStep = {
    name: 'copy',
    title: 'Copy the tenant rows',
    async run(ctx) {
        const plan = ctx.plan;
        const results = await (0,copy/* copyTables */.dO)({
            sourceUrl: ctx.servers.sharedUrl,
            targetUrl: (0,tenant_place/* tenantDatabaseUrl */.Z8)(ctx),
            snapshotId: ctx.snapshot.id,
            tenantId: plan.tenantId,
            tables: plan.tables,
            parallelism: ctx.options.copyParallelism,
            split: ctx.options.copyRanges === 'auto',
            signal: ctx.signal,
            onProgress: (table, rows, bytes) => {
                ctx.deps.onProgress?.(table, rows, bytes);
            },
            // Each table's rows are committed only into this run's own database (fencing).
            guard: (target) => (0,postgres_ownership/* assertRunMarker */.KD)(target, ctx.names.slug, ctx.run.id, 'copying the rows', (0,tenant_place/* toolSchema */.wl)(ctx)),
            fault: ctx.deps.fault ?? (0,faults/* faultsFromEnv */.j)(),
        });
        // The copy's counts are exact: they replace the plan's estimates for every later step.
        ctx.plan = (0,plan_types/* withCopiedCounts */.ZW)(plan, results);
        let rows = 0;
        let bytes = 0;
        for (const t of plan.tables) {
            const r = results.get(t.qualified);
            if (!r)
                continue;
            const entry = ctx.record.tables.find((e) => e.schema === t.schema && e.name === t.name);
            if (entry) {
                entry.copiedRows = r.rows;
                entry.bytes = r.bytes;
                entry.durationMs = r.durationMs;
                if (r.ranges)
                    entry.copiedRanges = r.ranges;
                else
                    delete entry.copiedRanges;
            }
            rows += r.rows;
            bytes += r.bytes;
            const ranges = r.ranges
                ? ` (${r.ranges.length} ranges on one snapshot: ${r.ranges.join(' + ')} rows)`
                : '';
            ctx.log.info(`${t.schema}.${t.name}: ${r.rows} rows, ${formatBytes(r.bytes)} in ${r.durationMs} ms${ranges}`);
        }
        // The large objects the rows reference, read at the same snapshot, under the same OIDs; into
        // the shared database they stay in place and the tenant's role is granted access instead.
        const lo = (0,tenant_place/* intoSharedDatabase */.vq)(ctx)
            ? await grantInPlace(ctx)
            : await (0,large_objects/* copyLargeObjects */.zF)({
                sourceUrl: ctx.servers.sharedUrl,
                targetUrl: (0,tenant_place/* tenantDatabaseUrl */.Z8)(ctx),
                snapshotId: ctx.snapshot.id,
                plan,
                roles: { owner: ctx.names.ownerRole, app: ctx.names.appRole },
                signal: ctx.signal,
                guard: (target) => (0,postgres_ownership/* assertRunMarker */.KD)(target, ctx.names.slug, ctx.run.id, 'copying the large objects', (0,tenant_place/* toolSchema */.wl)(ctx)),
            });
        if (lo.objects > 0 && !('inPlace' in lo))
            ctx.log.info(`large objects: ${lo.objects}, ${formatBytes(lo.bytes)} in ${lo.durationMs} ms`);
        const los = lo.objects > 0
            ? 'inPlace' in lo
                ? `, ${lo.objects} large objects granted in place`
                : `, ${lo.objects} large objects (${formatBytes(lo.bytes)})`
            : '';
        const asText = [...results.values()].filter((r) => r.textAcrossMajors).length;
        const text = asText
            ? `; ${asText} table(s) as text, not binary: the target runs another PostgreSQL major version`
            : '';
        const split = plan.tables
            .filter((t) => results.get(t.qualified)?.ranges)
            .map((t) => `${t.schema}.${t.name} in ${results.get(t.qualified).ranges.length} ranges`);
        const ranges = split.length ? `; ${split.join(', ')}` : '';
        return `${rows} rows (${formatBytes(bytes)}) in ${plan.tables.length} tables${ranges}${los}${text}`;
    },
    // The copied rows live only in the new database, which create-database's undo drops. Into the
    // shared database the grants on large objects are revoked (the roles' undo drops the roles).
    async undo(ctx) {
        if (!(0,tenant_place/* intoSharedDatabase */.vq)(ctx) || !ctx.plan?.largeObjects?.objects)
            return;
        const c = await (0,connect/* connect */.Ng)((0,tenant_place/* tenantDatabaseUrl */.Z8)(ctx));
        try {
            await (0,shared_large_objects/* revokeLargeObjectGrants */.ou)(c, [ctx.names.appRole, ctx.names.ownerRole]);
        }
        finally {
            await c.end().catch(() => undefined);
        }
    },
};
/**
 * Into the shared database: the objects the tenant's rows reference at the snapshot stay where
 * they are, and its application role is granted access to them (shared-large-objects.ts), in
 * one transaction that first proves the run still owns the tenant's schemas.
 */
async function grantInPlace(ctx) {
    const started = Date.now();
    const plan = ctx.plan;
    const columns = plan.largeObjects?.columns ?? [];
    const oids = columns.length ? await (0,large_objects/* referencedLargeObjects */.rO)(ctx.snapshot.client, columns, plan.tables) : [];
    if (oids.length === 0)
        return { objects: 0, bytes: 0, durationMs: 0, inPlace: true };
    const c = await (0,connect/* connect */.Ng)((0,tenant_place/* tenantDatabaseUrl */.Z8)(ctx));
    try {
        await c.query('BEGIN');
        await (0,postgres_ownership/* assertRunMarker */.KD)(c, ctx.names.slug, ctx.run.id, 'granting the large objects', (0,tenant_place/* toolSchema */.wl)(ctx));
        const access = await (0,shared_large_objects/* grantSharedLargeObjects */.NM)(c, oids, columns, ctx.names.appRole);
        await c.query('COMMIT');
        ctx.log.info(`large objects in place: ${ctx.names.appRole} granted SELECT on ${access.select.length}, UPDATE on ${access.update.length}`);
        return { objects: oids.length, bytes: 0, durationMs: Date.now() - started, inPlace: true };
    }
    catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
    }
    finally {
        await c.end().catch(() => undefined);
    }
}

;// CONCATENATED MODULE: ./src/pipeline/steps/credentials.ts

/**
 * Right after the switch (and in every run that resumes after it): the tenant role's password
 * reaches the application — Secret Manager with Cloud Run, else the front end's channel — and
 * the delivery is recorded; a password no run ever delivered is rotated and the new one
 * delivered (see pipeline/credentials.ts). Past the commit point: a failure undoes nothing.
 */
const credentialsStep = {
    name: 'credentials',
    title: "Deliver the tenant role's password",
    run: settleCredentials,
};

// EXTERNAL MODULE: ./src/postgres/tenant-schemas.ts
var tenant_schemas = __webpack_require__(19322);
;// CONCATENATED MODULE: ./src/pipeline/steps/create-database.ts






/**
 * Schema level into the shared database: the tenant's schemas and its tool schema there, in one
 * transaction proving the claim (postgres/tenant-schemas.ts); undone by dropping exactly them.
 *
 * Otherwise `CREATE DATABASE tenant_<slug>` from template0 with the shared database's locale, then this
 * run's token in the tool's own schema of it (writes into it later prove they are this run's).
 */
const createDatabaseStep = {
    name: 'create-database',
    title: 'Create the tenant database',
    async run(ctx) {
        const { names } = ctx;
        // Schema level into the shared database: the tenant's schemas there instead of a database.
        if ((0,tenant_place/* intoSharedDatabase */.vq)(ctx)) {
            const schemas = ctx.schemaLayout.layout.mappings.map((m) => m.target);
            const tool = (0,tenant_place/* toolSchema */.wl)(ctx);
            await (0,ownership/* asOwner */.gv)(ctx, 'creating the tenant schemas', (c) => (0,tenant_schemas/* createTenantSchemas */.TS)(c, { schemas, toolSchema: tool, ownerRole: names.ownerRole }, (0,ownership/* markerSource */.GH)(ctx), ctx.run));
            return `schema${schemas.length === 1 ? '' : 's'} ${schemas.join(', ')} in the shared database "${ctx.sharedDatabase}", owned by ${names.ownerRole}; ${tool} marks them as this run's`;
        }
        // With the shared database's locale, on the target server.
        const locale = await (0,database/* readLocale */.XE)(ctx.lockSession);
        await (0,ownership/* withTargetServer */.z2)(ctx, (server) => (0,database/* createTenantDatabase */.e6)(server, names.database, names.ownerRole, (0,ownership/* markerSource */.GH)(ctx), locale));
        await (0,connect/* withConnection */.p)(ctx.servers.tenantDatabaseUrl(names.database), (target) => (0,postgres_ownership/* writeRunMarker */.Rj)(target, ctx.run));
        return `database ${names.database}, owned by ${names.ownerRole}, CONNECT revoked from PUBLIC`;
    },
    async undo(ctx) {
        if (ctx.keepArtifacts)
            return;
        // Only this attempt's schemas (its run marker), never an earlier or later run's.
        if ((0,tenant_place/* intoSharedDatabase */.vq)(ctx))
            await (0,ownership/* dropOwnedSchemas */.z6)(ctx, 'this');
        else
            await (0,ownership/* dropOwnedDatabase */.WO)(ctx);
    },
};

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(51455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: ./src/pipeline/routing.ts
var pipeline_routing = __webpack_require__(36372);
;// CONCATENATED MODULE: ./src/pipeline/steps/routing.ts




function routingInput(ctx) {
    const service = ctx.service ?? ctx.tenant?.isolation?.service;
    return {
        names: ctx.names,
        // The value the tenant's rows carry in the tenant key (the plan's rule), which is what the
        // application scopes its queries by; the tenants row's own id only when there is no plan.
        tenantId: ctx.plan?.tenantId ?? ctx.tenant.id,
        database: { ...ctx.servers.applicationHost(ctx.options.databaseHost), name: (0,tenant_place/* tenantDatabase */.kL)(ctx) },
        schema: tenantSchema(ctx),
        service: service && !ctx.options.dryRun ? { name: service.name, url: service.url } : undefined,
        region: ctx.options.cloudRun?.region,
    };
}
/** Schema level: from this run's plan, else (a resumed run) from what the switch recorded. */
function tenantSchema(ctx) {
    const recorded = ctx.tenant?.isolation?.schema;
    const layout = ctx.record.schemaLayout ??
        (recorded && { mappings: recorded.mappings, searchPath: recorded.search_path });
    return (0,pipeline_routing/* schemaRouting */.iO)(ctx.names.database, layout);
}
async function writeJsonAtomically(path, value) {
    await (0,promises_.mkdir)((0,external_node_path_.dirname)(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    const content = JSON.stringify(value, null, 2) + '\n';
    await (0,promises_.writeFile)(tmp, content, { mode: 0o644 });
    await (0,promises_.rename)(tmp, path);
    return content;
}
/** Writes the routing and load-balancer files (idempotent: a resumed run rewrites them). */
const routingStep = {
    name: 'routing',
    title: 'Write routing and load-balancer config',
    async run(ctx) {
        const input = routingInput(ctx);
        const paths = (0,pipeline_routing/* routingPaths */.vg)(ctx.options.configDir, ctx.names.slug);
        ctx.configFiles.push({ path: paths.routing, content: await writeJsonAtomically(paths.routing, (0,pipeline_routing/* buildRoutingConfig */.Df)(input)) }, {
            path: paths.loadBalancer,
            content: await writeJsonAtomically(paths.loadBalancer, (0,pipeline_routing/* buildLoadBalancerConfig */.PS)(input)),
        });
        return `${paths.routing}, ${paths.loadBalancer}`;
    },
};

;// CONCATENATED MODULE: ./src/pipeline/steps/deploy.ts





function deployInput(ctx) {
    const { host, port } = ctx.servers.applicationHost(ctx.options.databaseHost);
    return {
        options: ctx.options.cloudRun,
        serviceName: ctx.names.service,
        slug: ctx.names.slug,
        // TENANT_ID carries the slug, as the isolation guide specifies (`TENANT_ID=acme-corp`).
        tenantId: ctx.names.slug,
        database: {
            name: (0,tenant_place/* tenantDatabase */.kL)(ctx),
            host,
            port,
            user: ctx.names.appRole,
            password: ctx.appPassword ?? '',
            schema: tenantSchema(ctx),
        },
        dryRun: ctx.options.dryRun,
        log: ctx.log,
        signal: ctx.signal,
    };
}
/** Creates or updates `api-<slug>` on Cloud Run (validate-only in a dry run); no traffic is routed yet. */
const deployStep = {
    name: 'deploy',
    title: 'Deploy the Cloud Run service',
    skip: (ctx) => ctx.options.skipCloudRun
        ? 'Cloud Run skipped (skip-cloud-run)'
        : !ctx.options.cloudRun
            ? 'no Cloud Run settings (a dry run: the notes say what the service would need)'
            : undefined,
    async run(ctx) {
        const input = deployInput(ctx);
        const result = await (0,deploy/* deployService */.z5)(input);
        ctx.deployment = { input, result };
        ctx.service = {
            name: result.serviceName,
            url: result.url,
            revision: result.revision,
            created: result.created,
            secret_version: result.secretVersion,
        };
        if (result.validatedOnly)
            return `service spec of ${result.serviceName} validated by the API (dry run)`;
        ctx.record.serviceUrl = result.url;
        ctx.record.revision = result.revision;
        if (!result.ready) {
            throw new errors/* PromotionError */.g1('cloud-run', `Cloud Run service ${result.serviceName} is not ready: ${result.readyMessage ?? 'no reason given'}`, 'Check the container image and the service logs (gcloud run services describe), then re-run.');
        }
        return `${result.created ? 'created' : 'updated'} ${result.serviceName}, revision ${result.revision ?? '?'}, ${result.url ?? 'no URL'}`;
    },
    async undo(ctx) {
        const deployment = ctx.deployment;
        if (ctx.keepArtifacts || !deployment || deployment.result.validatedOnly)
            return;
        // Under the proof of ownership: a run that lost the tenant never removes another run's service.
        await (0,ownership/* asOwner */.gv)(ctx, 'undoing the Cloud Run deploy', () => (0,deploy/* undoDeploy */.At)(deployment.input, deployment.result), {
            orphanOk: true,
        });
    },
};

;// CONCATENATED MODULE: ./src/pipeline/steps/finish.ts


/** Marks the promotion complete (state `complete`) with an audit entry, as the tenant's owner. */
const finishStep = {
    name: 'finish',
    title: 'Mark the promotion complete',
    async run(ctx) {
        await (0,ownership/* asOwner */.gv)(ctx, 'marking the promotion complete', async (session) => {
            const tenant = await (0,tenants/* readTenant */.RM)(session, ctx.options.tenantsTable, ctx.names.slug, true);
            const isolation = tenant.isolation;
            const entry = (0,tenants/* historyEntry */.xg)({
                event: ctx.mode === 'resume' ? 'resumed' : 'completed',
                actor: ctx.deps.trigger.actor,
                source: ctx.deps.trigger.source,
                pull_request: ctx.deps.trigger.pullRequest,
                run_url: ctx.deps.trigger.runUrl,
                detail: isolation.shared_rows_removed ? 'shared rows removed' : 'shared rows kept',
            });
            await (0,tenants/* writeIsolation */.AF)(session, ctx.options.tenantsTable, tenant, { ...isolation, state: 'complete', history: [...isolation.history, entry] }, { from: 'isolated', to: 'isolated' });
        });
        return 'state complete, audit entry appended';
    },
};

// EXTERNAL MODULE: ./src/pipeline/steps/lock.ts
var steps_lock = __webpack_require__(42995);
// EXTERNAL MODULE: ./src/pipeline/steps/plan.ts + 2 modules
var steps_plan = __webpack_require__(16921);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(73024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(48161);
// EXTERNAL MODULE: ./src/names.ts
var src_names = __webpack_require__(46455);
// EXTERNAL MODULE: ./src/cloudrun/endpoint.ts
var endpoint = __webpack_require__(14245);
;// CONCATENATED MODULE: ./src/cloudrun/preflight.ts
/**
 * Up-front checks for a run with Cloud Run on, before any database work: everything a deploy
 * needs is present and well formed, and Google credentials can be found.
 */







const PROJECT_RE = /^(?:[a-z][a-z0-9.-]*:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const REGION_RE = /^[a-z]+(?:-[a-z]+)*\d+$/;
const SERVICE_ACCOUNT_RE = /^[^@\s/]+@[^@\s/]+$/;
/** Where gcloud keeps Application Default Credentials (`gcloud auth application-default login`). */
function wellKnownCredentialsFile(env) {
    if (env.CLOUDSDK_CONFIG)
        return external_node_path_default().join(env.CLOUDSDK_CONFIG, 'application_default_credentials.json');
    if (process.platform === 'win32' && env.APPDATA)
        return external_node_path_default().join(env.APPDATA, 'gcloud', 'application_default_credentials.json');
    return external_node_path_default().join(env.HOME || (0,external_node_os_.homedir)(), '.config', 'gcloud', 'application_default_credentials.json');
}
const NO_CREDENTIALS_HINT = 'Authenticate first: in a workflow, add a google-github-actions/auth step before this action (workload identity federation); locally, run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS. Or set skip-cloud-run: true.';
/** Asks google-auth-library (through the client it ships with) for credentials, bounded in time. */
async function discoverCredentials(options, timeoutMs) {
    const { servicesClient } = await Promise.resolve(/* import() */).then(__webpack_require__.bind(__webpack_require__, 12454));
    const client = await servicesClient({ ...options, apiEndpoint: undefined });
    let timer;
    try {
        return await Promise.race([
            client.auth.getClient().then(() => true, () => false),
            new Promise((resolve) => {
                timer = setTimeout(() => resolve(false), timeoutMs);
            }),
        ]);
    }
    finally {
        clearTimeout(timer);
        await client.close().catch(() => undefined);
    }
}
async function preflightCloudRun(opts, env = process.env, { credentialProbeMs = 5000 } = {}) {
    if (!opts.project?.trim())
        throw new errors/* InputError */.dz('gcp-project is required to deploy to Cloud Run.', 'Set gcp-project, or set skip-cloud-run: true.');
    if (!PROJECT_RE.test(opts.project))
        throw new errors/* InputError */.dz(`gcp-project ${(0,src_names/* quoteUntrusted */.X0)(opts.project)} is not a Google Cloud project id.`, 'Use the project id (e.g. "acme-prod-123"), not its name or number.');
    if (!REGION_RE.test(opts.region ?? ''))
        throw new errors/* InputError */.dz(`gcp-region ${(0,src_names/* quoteUntrusted */.X0)(opts.region ?? '')} is not a region.`, 'Use e.g. "us-central1".');
    if (!opts.image?.trim() || /\s/.test(opts.image))
        throw new errors/* InputError */.dz('container-image is required to deploy to Cloud Run.', 'Set container-image to the image of the tenant API, e.g. "us-docker.pkg.dev/acme/apps/api:1.4.2", or set skip-cloud-run: true.');
    if (!opts.dbPasswordSecret?.trim())
        throw new errors/* InputError */.dz('db-password-secret is required to deploy to Cloud Run: the service gets the database password from Secret Manager, never as a plain environment value.', 'Create a secret (gcloud secrets create tenant-db-password --replication-policy=automatic), grant the deploying identity roles/secretmanager.secretVersionAdder and the runtime service account roles/secretmanager.secretAccessor on it, and set db-password-secret to its name. Or set skip-cloud-run: true.');
    (0,service_spec/* secretResourceName */.aL)(opts.dbPasswordSecret, opts.project);
    if (opts.minInstances > opts.maxInstances)
        throw new errors/* InputError */.dz(`min-instances (${opts.minInstances}) is greater than max-instances (${opts.maxInstances}).`, 'Lower min-instances or raise max-instances.');
    if (opts.serviceAccount && !SERVICE_ACCOUNT_RE.test(opts.serviceAccount))
        throw new errors/* InputError */.dz(`service-account ${(0,src_names/* quoteUntrusted */.X0)(opts.serviceAccount)} is not a service account email.`, 'Use e.g. "tenant-api@acme-prod.iam.gserviceaccount.com".');
    const run = (0,endpoint/* parseEndpoint */.B)(opts.apiEndpoint, opts.allowInsecureEndpoint, 'cloud-run-api-endpoint');
    const secrets = (0,endpoint/* parseEndpoint */.B)(opts.secretManagerEndpoint, opts.allowInsecureEndpoint, 'secret-manager-api-endpoint');
    if (run?.insecure && secrets?.insecure)
        return; // no Google credentials are used at all
    const explicit = env.GOOGLE_APPLICATION_CREDENTIALS;
    if (explicit) {
        if (!(0,external_node_fs_.existsSync)(explicit) || !(0,external_node_fs_.statSync)(explicit).isFile())
            throw new errors/* InputError */.dz(`GOOGLE_APPLICATION_CREDENTIALS points to ${(0,src_names/* quoteUntrusted */.X0)(explicit, 200)}, which is not a file.`, NO_CREDENTIALS_HINT);
        return;
    }
    if ((0,external_node_fs_.existsSync)(wellKnownCredentialsFile(env)))
        return;
    // Workload metadata server (GCE, GKE, Cloud Run, Cloud Build) or other sources.
    if (await discoverCredentials(opts, credentialProbeMs))
        return;
    throw new errors/* InputError */.dz('No Google Cloud credentials were found (Application Default Credentials).', NO_CREDENTIALS_HINT);
}

;// CONCATENATED MODULE: ./src/pipeline/steps/preflight.ts


/** The settings a run with Cloud Run needs, as one phrase. */
function serviceSettings(frontEnd) {
    return ['gcp-project', 'container-image', 'db-password-secret']
        .map((s) => (0,errors/* settingName */.QX)(s, frontEnd))
        .join(', ');
}
/**
 * Cloud Run's own checks (cloudrun/preflight.ts) name the action's inputs; in the CLI their
 * message and hint name its flags instead (`gcp-project` → `--project (or GOOGLE_CLOUD_PROJECT)`,
 * `set skip-cloud-run: true` → `pass --no-cloud-run …`).
 */
function forFrontEnd(e, frontEnd) {
    if (frontEnd !== 'cli' || !(0,errors/* isPromotionError */.qo)(e))
        return e;
    const rename = (text) => text
        .replace(/\b[Ss]et skip-cloud-run: true\b/g, `pass ${(0,errors/* settingName */.QX)('skip-cloud-run', 'cli')}`)
        .replace(/\b(gcp-project|gcp-region|container-image|db-password-secret|min-instances|max-instances|service-account|cloud-run-api-endpoint)\b/g, (name) => (0,errors/* settingName */.QX)(name, 'cli'));
    const hint = e.hint === undefined ? undefined : rename(e.hint);
    if (e instanceof errors/* InputError */.dz)
        return new errors/* InputError */.dz(rename(e.message), hint, e.code);
    return new errors/* PromotionError */.g1(e.code, rename(e.message), hint, { cause: e });
}
/**
 * Checks everything that needs no database before any database work: with Cloud Run on, the
 * project, image, password secret, endpoints and credentials (so a missing setting fails in a
 * second, not after a copy). A dry run needs only what it uses: without the service's settings
 * it plans the database part and notes what a real run would need.
 */
const preflightStep = {
    name: 'preflight',
    title: 'Check the settings',
    async run(ctx) {
        const { options } = ctx;
        const frontEnd = options.frontEnd;
        if (options.skipCloudRun)
            return 'Cloud Run skipped';
        if (!options.cloudRun) {
            if (options.dryRun) {
                const note = `Cloud Run: this dry run planned the database part only — no Cloud Run settings were given. A real run deploys the service ${ctx.names.service} and needs ${serviceSettings(frontEnd)}; or skip the service with ${(0,errors/* settingName */.QX)('skip-cloud-run', frontEnd)}.`;
                ctx.record.notes.push(note);
                ctx.log.warn(note);
                return 'Cloud Run not planned: no Cloud Run settings (a real run needs them)';
            }
            throw new errors/* InputError */.dz('Cloud Run is on, but its settings are not set.', `Set ${serviceSettings(frontEnd)}, or skip the service with ${(0,errors/* settingName */.QX)('skip-cloud-run', frontEnd)}.`);
        }
        try {
            await preflightCloudRun(options.cloudRun);
        }
        catch (e) {
            throw forFrontEnd(e, frontEnd);
        }
        return `Cloud Run settings checked (project ${options.cloudRun.project}, region ${options.cloudRun.region})`;
    },
};

// EXTERNAL MODULE: ./src/postgres/servers.ts
var servers = __webpack_require__(14591);
// EXTERNAL MODULE: ./src/postgres/versions.ts
var postgres_versions = __webpack_require__(60674);
// EXTERNAL MODULE: ./src/postgres/target-server.ts
var target_server = __webpack_require__(21520);
// EXTERNAL MODULE: ./src/postgres/catalog.ts
var catalog = __webpack_require__(17092);
// EXTERNAL MODULE: ./src/postgres/plan.ts
var plan = __webpack_require__(43524);
// EXTERNAL MODULE: ./src/pipeline/plan-options.ts
var plan_options = __webpack_require__(44224);
// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 15 modules
var schemas = __webpack_require__(9691);
// EXTERNAL MODULE: ./src/options.ts
var options = __webpack_require__(88381);
;// CONCATENATED MODULE: ./src/pipeline/isolation-level.ts




/**
 * Which isolation level a promotion runs at, and where that came from (issue 21). An explicit
 * input (action input, CLI flag, ISOLATION_LEVEL, Make variable) wins over the tenants row's
 * `settings.isolation_level` (as the seeds' plan configuration writes it); without either the
 * level is `database`, today's promotion.
 */
const ResolvedIsolationLevel = schemas/* object */.Ikc({
    level: options/* IsolationLevel */.N1,
    /** `input`, `tenant-settings` or `default`: the report says which. */
    from: schemas/* enum */.k5n(['input', 'tenant-settings', 'default']),
});
function resolveIsolationLevel(explicit, settings, slug, frontEnd) {
    if (explicit)
        return { level: explicit, from: 'input' };
    // The tenants row's `settings.isolation_level`: absent, or one of the levels (the seeds also
    // name table and row, which this tool does not offer).
    const raw = settings.isolation_level;
    if (raw === undefined || raw === null)
        return { level: 'database', from: 'default' };
    const parsed = options/* IsolationLevel */.N1.safeParse(raw);
    if (parsed.success)
        return { level: parsed.data, from: 'tenant-settings' };
    throw new errors/* PromotionError */.g1('invalid-input', `Tenant "${slug}" has settings.isolation_level ${(0,src_names/* quoteUntrusted */.X0)(typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? ''))}, which is not a level this tool promotes to (database or schema); nothing was created.`, `Set ${(0,errors/* settingName */.QX)('isolation-level', frontEnd)} to database or schema (an explicit level wins over the tenant's settings), or correct settings.isolation_level.`);
}
/** One line for the report: the level and where it came from. */
function describeIsolationLevel(r) {
    const from = r.from === 'input'
        ? 'given as input'
        : r.from === 'tenant-settings'
            ? "from the tenants row's settings.isolation_level"
            : 'the default';
    return `isolation level ${r.level} (${from})`;
}

;// CONCATENATED MODULE: ./src/pipeline/steps/prevalidate.ts




















/**
 * Connectivity, which database we are on, the tenant and its state, and whether the target
 * database and roles are free — or left by an earlier failed run of this same tenant, in which
 * case they are cleaned (never a database this tool did not create for this tenant). Then what
 * the connecting role needs in the shared database and lacks (privileges, row-level security,
 * triggers cleanup would fire), refused before anything is created.
 */
const prevalidateStep = {
    name: 'prevalidate',
    title: 'Pre-promotion validation',
    run: inspect,
};
async function inspect(ctx) {
    const db = ctx.lockSession;
    const { names, options } = ctx;
    const { rows } = await db.query(`SELECT current_database() AS db, current_setting('server_version') AS version`);
    const shared = rows[0].db;
    ctx.sharedDatabase = shared;
    ctx.sourceServer = await (0,roles/* systemIdentifier */.vK)(db);
    // Every derived name starts with tenant_, so the one name to guard against is the shared
    // database's own (a shared database itself named tenant_<slug>).
    if (names.database === shared) {
        throw new errors/* PromotionError */.g1('invalid-slug', `Tenant "${names.slug}" would be promoted into database "${names.database}", which is the shared database itself.`, 'Choose another slug for this tenant.');
    }
    await (0,tenants/* checkTenantsTable */.od)(db, options.tenantsTable, options.tenantKey);
    const role = await (0,privileges/* readRole */.fP)(db);
    // The tenant's database and roles are created on the target server: checked there when it is another.
    if (!ctx.servers.separate) {
        try {
            (0,privileges/* assertCanCreate */.Ly)(role, options.frontEnd);
        }
        catch (e) {
            // A dry run creates nothing: it still plans, and says what a real run as this role lacks.
            if (!options.dryRun || !(e instanceof errors/* PromotionError */.g1))
                throw e;
            ctx.record.notes.push(`A real run as this role would be refused: ${e.message} ${e.hint ?? ''}`.trim());
        }
    }
    // The tenants row is read next: row-level security that hides it (or, keyed by a session
    // setting the run does not set, fails with "unrecognized configuration parameter") is refused
    // first, from the catalog alone.
    const [tenantsSchema, tenantsName] = (0,sql/* splitQualified */.T0)(options.tenantsTable);
    const tenantsNeeds = tenantsTableNeeds(tenantsSchema, tenantsName);
    const refusal = { frontEnd: options.frontEnd, what: 'a promotion', outcome: 'nothing was created' };
    try {
        await (0,privileges/* assertAccess */.Lv)(db, role, tenantsNeeds, refusal);
    }
    catch (e) {
        // Name everything a promotion lacks at once, not the tenants table alone.
        const planned = await plannedTables(ctx, undefined);
        if (planned)
            await (0,privileges/* assertAccess */.Lv)(db, role, [...tenantsNeeds, ...tableNeeds(planned, !options.keepSharedData)], refusal);
        throw e;
    }
    const tenant = await (0,tenants/* readTenant */.RM)(db, options.tenantsTable, names.slug);
    ctx.tenant = tenant;
    // The isolation level, decided before anything is claimed or created (issue 21).
    const level = resolveIsolationLevel(options.isolationLevel, tenant.settings, names.slug, options.frontEnd);
    if (tenant.isolationMode === 'shared') {
        ctx.isolationLevel = level;
        ctx.record.isolationLevel = level;
        // The record always carries it; a note only when something chose it (keeps today's report).
        if (level.from !== 'default')
            ctx.record.notes.push(`Promoting at ${describeIsolationLevel(level)}.`);
    }
    else {
        // An isolated tenant is finished (or reported) at the level it was promoted at, whatever the
        // input or its settings say now; the row records it (absent: database, as before issue 21).
        const promotedAt = tenant.isolation?.isolation_level ?? 'database';
        if (level.level !== promotedAt)
            ctx.record.notes.push(`The tenant was promoted at ${promotedAt} level; ${describeIsolationLevel(level)} does not apply to it.`);
    }
    if (tenant.isolationMode === 'isolated')
        (0,target_server/* assertRecordedServer */.mQ)(tenant.isolation?.isolated_server, ctx.servers, names.slug, options.frontEnd);
    const found = await withTargetSession(ctx, async (target) => {
        const state = await tenantState(ctx, shared, target);
        if (ctx.servers.separate)
            ctx.targetVersion = await (0,postgres_versions/* serverVersionNum */.og)(target);
        if (!ctx.servers.separate || ctx.mode !== 'fresh')
            return state;
        const findings = await (0,target_server/* inspectTargetServer */.Ve)(db, target, {
            frontEnd: options.frontEnd,
            targetUrl: ctx.servers.targetAdminUrl,
        });
        (0,target_server/* assertTargetServer */.B4)(findings, ctx.servers.targetAdminUrl);
        return `${state}; target server ${(0,servers/* serverName */.L5)(ctx.servers.targetAdminUrl)} (PostgreSQL ${findings.version}) ready`;
    });
    if (ctx.mode === 'already-isolated')
        return found;
    return found + (await checkSharedTables(ctx, role));
}
const TLS_PROBLEM = {
    untrusted: 'presented a certificate that does not verify against',
    'wrong-name': 'presented a certificate that does not name the host in the URL, checked with',
    expired: 'presented a certificate that has expired (or is not yet valid), checked with',
};
/** The target's certificate was refused: the CA given (or the host name) is what to fix. */
function certificateRefused(ctx, tls, detail, cause) {
    const ca = ctx.options.targetCaFile;
    const fe = ctx.options.frontEnd;
    return new errors/* PromotionError */.g1('target-server', `The target server ${(0,servers/* serverName */.L5)(ctx.servers.targetAdminUrl)} ${TLS_PROBLEM[tls]} ${ca ? `the CA file ${ca}` : "this machine's trusted CAs"}; nothing was created: ${detail}`, tls === 'wrong-name'
        ? `Connect by a name the server's certificate holds (Cloud SQL: its IP or DNS name in the certificate), in ${(0,errors/* settingName */.QX)('target-database-url', fe)}.`
        : `Give the CA that signed the server's certificate: ${(0,errors/* settingName */.QX)('target-database-ca-file', fe)}${fe === 'cli' ? '' : ' or the target-database-ca input'} (Cloud SQL: the instance's server CA; RDS: the region's certificate bundle).`, { cause });
}
/**
 * `fn` with an administrative session on the target server: the lock session when it is the
 * shared server, else a new session, whose failure to connect is refused as the target's.
 */
async function withTargetSession(ctx, fn) {
    if (!ctx.servers.separate)
        return fn(ctx.lockSession);
    let target;
    try {
        target = await (0,connect/* connect */.Ng)(ctx.servers.targetAdminUrl);
    }
    catch (e) {
        const err = (0,errors/* describeError */.Uc)(e);
        const tls = (0,servers/* tlsRefusal */.y7)(e);
        if (tls)
            throw certificateRefused(ctx, tls, err.message, e);
        throw new errors/* PromotionError */.g1('target-server', `The target server ${(0,servers/* serverName */.L5)(ctx.servers.targetAdminUrl)} is not reachable; nothing was created: ${err.message}`, `${err.hint ?? ''} Check ${(0,errors/* settingName */.QX)('target-database-url', ctx.options.frontEnd)} (host, port, user, password, TLS).`.trim(), { cause: e });
    }
    try {
        return await fn(target);
    }
    finally {
        await target.end().catch(() => undefined);
    }
}
/** The tenants row is read, locked (FOR SHARE / FOR UPDATE need UPDATE) and updated by every run. */
function tenantsTableNeeds(schema, name) {
    const why = 'the run claims the tenant, locks its row and records the switch in it';
    return [
        { schema, name, command: 'SELECT', why },
        { schema, name, command: 'UPDATE', why },
    ];
}
/** Which mode this run is in (fresh, resume, already isolated), and what an earlier run left. */
async function tenantState(ctx, shared, target) {
    const source = (0,ownership/* markerSource */.GH)(ctx, shared);
    const { names } = ctx;
    const tenant = ctx.tenant;
    // The tenant's database and roles live on the target server (the shared one by default).
    const dbState = await (0,database/* databaseMarker */.O9)(target, names.database);
    const isolation = tenant.isolation;
    // Schema level into the shared database: its schemas there, no database of its own.
    const inShared = (0,tenant_place/* intoSharedDatabase */.vq)(ctx);
    if (tenant.isolationMode === 'isolated') {
        if (inShared) {
            const want = isolation?.schema?.mappings.map((m) => m.target) ?? [];
            const { rows } = await target.query(`SELECT nspname AS n FROM pg_namespace WHERE nspname = ANY ($1::text[])`, [want]);
            const missing = want.filter((s) => !rows.some((r) => r.n === s));
            if (missing.length)
                throw new errors/* PromotionError */.g1('tenant-state', `Tenant "${names.slug}" is marked isolated in schema(s) of the shared database "${shared}", but ${missing.join(', ')} does not exist.`, `Restore the schema from backup, or ${rollbackHow(ctx)} to return the tenant to shared with its recorded data, after investigating.`);
        }
        else if (!dbState.exists) {
            throw new errors/* PromotionError */.g1('tenant-state', `Tenant "${names.slug}" is marked isolated, but its database "${names.database}" does not exist.`, `Restore the database from backup, or ${rollbackHow(ctx)} to return the tenant to shared with its recorded data, after investigating.`);
        }
        if (isolation?.state === 'switched') {
            ctx.mode = 'resume';
            (0,plan_options/* adoptSwitchedPlanOptions */.Nd)(ctx);
            return `tenant is isolated but the last run stopped after the switch: resuming routing and cleanup`;
        }
        ctx.mode = 'already-isolated';
        return inShared
            ? `tenant is already isolated in schema(s) ${isolation?.schema?.mappings.map((m) => m.target).join(', ')} of "${shared}"`
            : `tenant is already isolated in "${names.database}"`;
    }
    if (tenant.isolationMode !== 'shared') {
        throw new errors/* PromotionError */.g1('tenant-state', `Tenant "${names.slug}" has isolation_mode "${tenant.isolationMode}"; expected "shared" or "isolated".`, 'Fix the tenant row by hand before promoting.');
    }
    // Shared: whatever exists under our names must be ours, left by a failed run; it is cleaned by the
    // create steps' undo logic before they create afresh.
    const leftovers = [];
    if (dbState.exists) {
        if (!(0,roles/* fromSource */.qe)(dbState.marker, source)) {
            throw new errors/* PromotionError */.g1('tenant-state', `Database "${names.database}" already exists${onTarget(ctx)} and was not created by this tool for tenant "${names.slug}" of "${shared}"${otherServer(dbState.marker, source)}.`, 'Never overwritten: inspect it, then rename or drop it by hand and re-run.');
        }
        leftovers.push(`database ${names.database}`);
    }
    // Schemas of the shared database, at either level: a failed schema-level run of this tenant
    // kept them (keep-on-validation-failure), and its owner role, which a database-level run
    // replaces, cannot be dropped while it holds them (review: an internal error from DROP ROLE).
    if (inShared || !ctx.servers.separate)
        for (const s of await (0,tenant_schemas/* leftTenantSchemas */.qG)(target, { toolSchema: (0,src_names/* sharedToolSchema */.No)(names.slug), ownerRole: names.ownerRole }, source))
            leftovers.push(`schema ${s}`);
    for (const role of [names.ownerRole, names.appRole]) {
        const r = await (0,roles/* roleComment */.KF)(target, role);
        if (!r.exists)
            continue;
        if (!(0,roles/* fromSource */.qe)(r.marker, source)) {
            throw new errors/* PromotionError */.g1('tenant-state', `Role "${role}" already exists${onTarget(ctx)} and was not created by this tool for tenant "${names.slug}" of "${shared}"${otherServer(r.marker, source)}.`, 'Inspect it; rename or drop it by hand and re-run.');
        }
        leftovers.push(`role ${role}`);
    }
    ctx.mode = 'fresh';
    ctx.leftovers = leftovers;
    return leftovers.length
        ? `tenant ${names.slug} is shared; an earlier failed run left ${leftovers.join(', ')}, which will be replaced`
        : `tenant ${names.slug} is shared in "${shared}"`;
}
/** Said when the marker names a shared database of the same name on another server. */
function otherServer(marker, source) {
    return marker?.slug === source.slug &&
        marker.sourceDatabase === source.sourceDatabase &&
        marker.sourceServer &&
        source.sourceServer &&
        marker.sourceServer !== source.sourceServer
        ? ` (it was made for the tenant of that slug in a database of that name on another shared server, system identifier ${marker.sourceServer})`
        : '';
}
/** " on the target server host:port" when the tenant's database goes to a server of its own. */
function onTarget(ctx) {
    return ctx.servers.separate ? ` on the target server ${(0,servers/* serverName */.L5)(ctx.servers.targetAdminUrl)}` : '';
}
/** How the front end in use starts a rollback. */
function rollbackHow(ctx) {
    const slug = ctx.names.slug;
    switch (ctx.options.frontEnd) {
        case 'cli':
            return `run \`tenant-isolation rollback --tenant-slug=${slug} --confirm\``;
        case 'action':
            return `run a rollback (label promote-tenant-rollback:${slug}, or workflow_dispatch with operation: rollback)`;
        default:
            return `run a rollback (CLI: \`tenant-isolation rollback --tenant-slug=${slug} --confirm\`; action: label promote-tenant-rollback:${slug})`;
    }
}
/**
 * What the run will do to the tables that hold the tenant's rows, checked against what the role
 * may do: SELECT on each (copy, checks), and — unless the shared rows are kept or already removed —
 * DELETE on those cleanup deletes from (UPDATE too where it locks rows FOR UPDATE), with no
 * row-level security hiding rows, and no trigger cleanup's DELETEs would fire that it cannot
 * avoid (replica mode, or disabling it on a table the role owns). The tables come from the same
 * planning the plan step does, on the catalog only.
 */
async function checkSharedTables(ctx, role) {
    const db = ctx.lockSession;
    const { options } = ctx;
    const plan = await plannedTables(ctx, ctx.tenant.id);
    if (!plan)
        return '';
    const cleanup = !options.keepSharedData && !(ctx.mode === 'resume' && ctx.tenant.isolation?.shared_rows_removed);
    const outcome = ctx.mode === 'resume' ? 'nothing more was changed' : 'nothing was created';
    const removeReferenced = cleanup && options.cleanupReferencedRows === 'remove-unused';
    await (0,privileges/* assertAccess */.Lv)(db, role, [...tableNeeds(plan, cleanup), ...(removeReferenced ? await removeUnusedNeeds(db, plan) : [])], { frontEnd: options.frontEnd, what: 'a promotion', outcome });
    if (!cleanup)
        return '';
    if (removeReferenced)
        await assertTemporary(db, ctx, outcome);
    const triggers = (0,privileges/* planTriggers */.hR)(role, await (0,privileges/* readCleanupTriggers */.QM)(db, plan.deleteOrder));
    if (triggers.blocking.length > 0) {
        throw (0,privileges/* triggerRefusal */.NS)(role, triggers, {
            frontEnd: options.frontEnd,
            before: `refused ${ctx.mode === 'resume' ? 'before cleanup' : 'before anything was created'}`,
        });
    }
    const note = (0,privileges/* describeTriggerPlan */.fG)(triggers);
    if (!note)
        return '';
    ctx.record.notes.push(note);
    return `; ${triggers.fired.length} trigger(s) cleanup would fire: ${triggers.replica ? 'replica mode' : 'disabled for the cleanup transaction'}`;
}
/**
 * cleanup-referenced-rows: remove-unused locks (FOR UPDATE) and deletes rows of the referenced
 * tables, and reads every row of each table with a foreign key into them — planned or not — to
 * prove nothing references a row it removes: a row hidden by row-level security would let its
 * parent go and the foreign key's cascade (which ignores row-level security) take it along.
 */
async function removeUnusedNeeds(db, plan) {
    const referenced = plan.tables.filter((t) => t.kind === 'referenced');
    const needs = [];
    for (const t of referenced) {
        for (const command of ['DELETE', 'UPDATE']) {
            needs.push({
                schema: t.schema,
                name: t.name,
                command,
                why: 'cleanup-referenced-rows: remove-unused locks (FOR UPDATE) and deletes the referenced rows no remaining row references',
                cleanup: true,
            });
        }
    }
    for (const t of await (0,referenced_cleanup/* readReferencingTables */.QF)(db, referenced)) {
        needs.push({
            schema: t.schema,
            name: t.name,
            command: 'SELECT',
            why: 'cleanup-referenced-rows: remove-unused reads every row that references a referenced table (a row it cannot see would let its parent be removed)',
            cleanup: true,
        });
    }
    return needs;
}
/** remove-unused keeps its candidates in a temporary table: TEMPORARY on the shared database. */
async function assertTemporary(db, ctx, outcome) {
    const { rows } = await db.query(`SELECT has_database_privilege(current_database(), 'TEMPORARY') AS ok, current_database() AS db, current_user AS role`);
    const r = rows[0];
    if (r.ok)
        return;
    throw new errors/* PromotionError */.g1('permission-denied', `Role "${r.role}" may not create temporary tables in database "${r.db}"; cleanup-referenced-rows: remove-unused needs one at cleanup, so ${outcome}.`, `Grant it (GRANT TEMPORARY ON DATABASE ${esm/* default.escapeIdentifier */.Ay.escapeIdentifier(r.db)} TO ${esm/* default.escapeIdentifier */.Ay.escapeIdentifier(r.role)};), or set ${(0,errors/* settingName */.QX)('cleanup-referenced-rows', ctx.options.frontEnd)} to keep.`);
}
/**
 * The tables the plan step will plan, from the catalog alone (the tenant id only shapes the
 * predicates, unused here). Undefined when the planner refuses the configuration: the plan step
 * then names what is wrong, with its remedy.
 */
async function plannedTables(ctx, tenantId) {
    const { options } = ctx;
    try {
        const graph = await (0,catalog/* readTableGraph */.r)(ctx.lockSession);
        return (0,plan/* planTenant */.gK)(graph, {
            tenantsTable: options.tenantsTable,
            tenantKey: options.tenantKey,
            tenantIdColumn: options.tenantIdColumn,
            tenantId: tenantId ?? '',
            referenceTables: options.referenceTables,
            sharedRows: options.sharedRows,
            tableOverrides: options.tableOverrides,
            globalRows: true,
        });
    }
    catch {
        return undefined;
    }
}
/**
 * SELECT on every planned table but the tenants table (checked first); with cleanup, DELETE on
 * those it deletes from, and UPDATE on those whose rows it locks FOR UPDATE before deleting.
 */
function tableNeeds(plan, cleanup) {
    const needs = [];
    for (const t of plan.tables) {
        if (t.kind === 'root')
            continue;
        needs.push({
            schema: t.schema,
            name: t.name,
            command: 'SELECT',
            why: t.kind === 'reference'
                ? 'a reference table, copied whole'
                : "the run copies and verifies the tenant's rows",
        });
    }
    if (!cleanup)
        return needs;
    const referenced = new Set(plan.tables.flatMap((t) => (t.foreignKeys ?? []).map((fk) => fk.references)));
    for (const t of plan.deleteOrder) {
        needs.push({
            schema: t.schema,
            name: t.name,
            command: 'DELETE',
            why: "cleanup deletes the tenant's rows after the switch",
            cleanup: true,
        });
        if (referenced.has(t.qualified)) {
            needs.push({
                schema: t.schema,
                name: t.name,
                command: 'UPDATE',
                why: "cleanup locks the tenant's rows that other rows reference, SELECT … FOR UPDATE, before deleting",
                cleanup: true,
            });
        }
    }
    return needs;
}

;// CONCATENATED MODULE: ./src/pipeline/steps/roles.ts




/**
 * The NOLOGIN owner of the new database and its objects, and the tenant application's LOGIN
 * role with a generated password (sent to the server as a SCRAM verifier, never printed).
 * Leftovers of an earlier failed run of this tenant (proved by their markers) are removed first,
 * each removal proved to be this run's (it owns the tenant now).
 */
const rolesStep = {
    name: 'roles',
    title: 'Create the tenant roles',
    async run(ctx) {
        const { names } = ctx;
        await (0,ownership/* dropAbandonedDatabases */.gy)(ctx);
        if (ctx.leftovers?.length) {
            // Schemas in the shared database (this run's level, or an earlier schema-level run's): they go
            // first, their owner is the role.
            if ((0,tenant_place/* intoSharedDatabase */.vq)(ctx) || ctx.leftovers.some((l) => l.startsWith('schema ')))
                await (0,ownership/* dropOwnedSchemas */.z6)(ctx, 'any');
            await (0,ownership/* dropOwnedDatabase */.WO)(ctx);
            await (0,ownership/* dropOwnedRoles */.Ox)(ctx);
        }
        const password = (0,roles/* generatePassword */.bk)();
        (0,secrets/* registerSecret */.cl)(password);
        ctx.deps.log.secret(password);
        ctx.appPassword = password;
        // On the target server (roles are per server): the tenant's role exists only there.
        await (0,ownership/* withTargetServer */.z2)(ctx, (target) => (0,roles/* createTenantRoles */.i3)(target, { owner: names.ownerRole, app: names.appRole }, password, (0,ownership/* markerSource */.GH)(ctx)));
        return `owner ${names.ownerRole} (NOLOGIN), application role ${names.appRole} (LOGIN)`;
    },
    async undo(ctx) {
        if (ctx.keepArtifacts)
            return;
        await (0,ownership/* dropOwnedRoles */.Ox)(ctx);
    },
};

// EXTERNAL MODULE: external "node:stream/promises"
var external_node_stream_promises_ = __webpack_require__(46466);
// EXTERNAL MODULE: ./node_modules/pg-copy-streams/index.js
var pg_copy_streams = __webpack_require__(26901);
;// CONCATENATED MODULE: ./src/postgres/block-digests.ts
/**
 * The per-heap-block digests of the versions snapshot S saw (catch-up.ts, Block digests), held
 * compactly: one entry per block of the tenant's rows grows with the tenant (about 40,000 blocks
 * at 1M rows in the benchmark), and a Map of `tableoid:block` strings to digest strings took about
 * 70 bytes an entry. Here, per relation oid, the block numbers sorted (Uint32Array) and their
 * digests (BigInt64Array, bucketDigest is a bigint): 12 bytes an entry. Pure.
 */
class BlockDigests {
    byOid;
    constructor(byOid) {
        this.byOid = byOid;
    }
    /** From `tableoid:block digest` pairs in any order (see eachFolded in catch-up.ts). */
    static from(each) {
        const lists = new Map();
        each((blk, digest) => {
            const [oid, block] = splitBlock(blk);
            let l = lists.get(oid);
            if (!l)
                lists.set(oid, (l = { blocks: [], digests: [] }));
            l.blocks.push(block);
            l.digests.push(BigInt(digest));
        });
        const byOid = new Map();
        for (const [oid, l] of lists) {
            const order = l.blocks.map((_, i) => i).sort((a, b) => l.blocks[a] - l.blocks[b]);
            byOid.set(oid, {
                blocks: Uint32Array.from(order, (i) => l.blocks[i]),
                digests: BigInt64Array.from(order, (i) => l.digests[i]),
            });
        }
        return new BlockDigests(byOid);
    }
    get size() {
        let n = 0;
        for (const l of this.byOid.values())
            n += l.blocks.length;
        return n;
    }
    /** Every `tableoid:block` and its digest (as text), by oid then block. */
    entries() {
        const out = [];
        for (const [oid, l] of this.byOid)
            l.blocks.forEach((b, i) => out.push([`${oid}:${b}`, String(l.digests[i])]));
        return out;
    }
    /**
     * The blocks whose digest now differs from S's (`current`: `tableoid:block digest` pairs, each
     * block once): those whose digest changed, those S saw no version of the tenant's in, and those
     * S saw versions in and none is left.
     */
    differing(current, differs) {
        const seen = new Map();
        for (const [oid, l] of this.byOid)
            seen.set(oid, new Uint8Array(l.blocks.length));
        current((blk, digest) => {
            const [oid, block] = splitBlock(blk);
            const l = this.byOid.get(oid);
            const i = l ? indexOf(l.blocks, block) : -1;
            if (i === -1)
                return differs(blk);
            seen.get(oid)[i] = 1;
            if (l.digests[i] !== BigInt(digest))
                differs(blk);
        });
        for (const [oid, l] of this.byOid) {
            const s = seen.get(oid);
            l.blocks.forEach((b, i) => {
                if (!s[i])
                    differs(`${oid}:${b}`);
            });
        }
    }
}
function splitBlock(blk) {
    const colon = blk.indexOf(':');
    return [blk.slice(0, colon), Number(blk.slice(colon + 1))];
}
/** Binary search in sorted `xs`: the index of `x`, or -1. */
function indexOf(xs, x) {
    let lo = 0;
    let hi = xs.length - 1;
    while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const v = xs[mid];
        if (v === x)
            return mid;
        if (v < x)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

;// CONCATENATED MODULE: ./src/postgres/freeze-reads.ts


/**
 * Predicate on alias `t` selecting the same rows as `table.where`, written so that a dependent
 * or referenced table is read from the tenant's rows of the tables it is reached from (see
 * above). Tables with a tenant key (and any table without such a path) keep their `where`.
 */
function drivenWhere(table, graph) {
    if (!graph || (table.kind !== 'dependent' && table.kind !== 'referenced'))
        return table.where;
    const byName = new Map(graph.tables.map((t) => [t.qualified, t]));
    const addresses = drivenRows(table, ['ctid'], { byName, edges: graph.edges }, new Set());
    if (!addresses)
        return table.where;
    // A self-closure's rows are exact (its anchor is checked against `baseWhere`): `where` would
    // start its closure from every row of the table again.
    if (table.kind === 'referenced' && table.selfClosure)
        return `t.ctid = ANY (ARRAY(${addresses}))`;
    return `t.ctid = ANY (ARRAY(${addresses})) AND (${(0,plan_types/* perRow */.CE)(table)})`;
}
/** The columns of a row version the freeze digests (see freezeScanSql in catch-up.ts). */
const VERSION_COLUMNS = 't.tableoid, t.ctid, t.xmin';
/**
 * A query returning the version (`tableoid`, `ctid`, `xmin`) of each row `table.where` selects,
 * read as `drivenWhere` reads them. A dependent or referenced table's rows are read in the
 * downward joins themselves, not collected as addresses and fetched again by a TID scan (that
 * read the tenant's rows of the table twice: at 200k project members, half the freeze scan): each
 * way down keeps the rows no earlier way reaches (`NOT … IN`, a hashed lookup of the earlier
 * way's parent keys), so every row comes once, without a UNION over addresses. A self-closure and
 * any table without such ways keep the predicate.
 */
function drivenVersions(table, graph) {
    const byPredicate = `SELECT ${VERSION_COLUMNS} FROM ${(0,checksum/* fromTable */.bs)(table)} t WHERE ${drivenWhere(table, graph)}`;
    if (!graph || (table.kind !== 'dependent' && table.kind !== 'referenced') || table.selfClosure)
        return byPredicate;
    const ctx = { byName: new Map(graph.tables.map((t) => [t.qualified, t])), edges: graph.edges };
    const ways = waysTo(table, ctx.byName, ctx.edges);
    if (!ways)
        return byPredicate;
    const path = new Set([table.qualified]);
    const reached = [];
    for (const way of ways) {
        if (path.has(way.from.qualified))
            continue;
        const rows = drivenRows(way.from, way.fromColumns, ctx, path);
        if (!rows)
            return byPredicate;
        reached.push({ way, rows });
    }
    if (reached.length === 0)
        return byPredicate;
    const tuple = (columns) => `(${columns.map((c) => `t.${c}`).join(', ')})`;
    return reached
        .map(({ way, rows }, k) => {
        const on = way.columns.map((c, i) => `t.${c} = p.${way.fromColumns[i]}`).join(' AND ');
        // A NULL key reaches nothing: coalesce keeps the row for the way that does reach it.
        const earlier = reached
            .slice(0, k)
            .map((e) => ` AND NOT coalesce(${tuple(e.way.columns)} IN (${e.rows}), false)`)
            .join('');
        return `SELECT ${VERSION_COLUMNS} FROM (${rows}) p JOIN ${(0,checksum/* fromTable */.bs)(table)} t ON ${on}
        WHERE (${(0,plan_types/* perRow */.CE)(table)})${earlier}`;
    })
        .join('\nUNION ALL\n');
}
/**
 * Predicate on alias `t` selecting exactly the rows `table.where` selects, cheap to evaluate row
 * by row: for the few rows of the heap blocks the writes touched (the freeze's gone-key lookup,
 * catch-up.ts), never a read of the whole table. `perRow` (a dependent table's OR of EXISTS,
 * else `where`) is that already for every table but a referenced table that references itself:
 * its `where` builds its closure from every row of the table. A row is in that closure when `baseWhere` selects it or a row that references it
 * through the table's own keys is in it (a user is the tenant's when someone the tenant's users
 * were invited by, transitively, was invited by them): walked downwards from the row through the
 * referencing columns' index, stopping at the first row `baseWhere` selects. Undefined for such
 * a table without a key (nothing to carry down).
 */
function rowWhere(table) {
    const closure = table.kind === 'referenced' ? table.selfClosure : undefined;
    if (!closure)
        return (0,plan_types/* perRow */.CE)(table);
    if (table.keyColumns.length === 0)
        return undefined;
    const carried = [
        ...new Set([...table.keyColumns, ...closure.keys.flatMap((k) => [...k.columns, ...k.refColumns])]),
    ];
    const name = (c) => `c${carried.indexOf(c)}`;
    const cte = '__referencing';
    // The rows referencing `above` (alias, the carried names when `carriedAbove`) through a self key.
    const referencing = (alias, above, carriedAbove) => closure.keys
        .map((k) => `(${k.columns.map((c, i) => `${alias}.${c} = ${above}.${carriedAbove ? name(k.refColumns[i]) : k.refColumns[i]}`).join(' AND ')})`)
        .join(' OR ');
    const list = (alias) => carried.map((c) => `${alias}.${c}`).join(', ');
    // The CTE's first term sees the outer row as `t` (a WITH body does not see its query's FROM).
    return `((${closure.baseWhere}) OR EXISTS (
      WITH RECURSIVE ${cte} (${carried.map(name).join(', ')}) AS (
        SELECT ${list('u')} FROM ${(0,checksum/* fromTable */.bs)(table)} u WHERE ${referencing('u', 't', false)}
        UNION
        SELECT ${list('v')} FROM ${(0,checksum/* fromTable */.bs)(table)} v JOIN ${cte} r ON ${referencing('v', 'r', true)})
      SELECT 1 FROM ${cte} r JOIN ${(0,checksum/* fromTable */.bs)(table)} t ON ${table.keyColumns.map((k) => `t.${k} = r.${name(k)}`).join(' AND ')}
       WHERE ${closure.baseWhere}))`;
}
/**
 * The ways down to a table's tenant rows: a dependent table's from the parents its foreign keys
 * reference; a referenced table's from the rows referencing it, and (when it references
 * referenced rows) from the rows it references — its references to itself are its self-closure's
 * (see selfClosureRows). Undefined when the table references itself and the plan has no
 * self-closure for it: its own predicate decides.
 */
function waysTo(table, byName, edges) {
    if (table.kind === 'dependent') {
        return (table.foreignKeys ?? []).flatMap((fk) => {
            const parent = byName.get(fk.references);
            return parent && parent !== table && ['root', 'tenant', 'dependent'].includes(parent.kind)
                ? [{ from: parent, fromColumns: fk.refColumns, columns: fk.columns }]
                : [];
        });
    }
    if (!table.selfClosure && edges.some((e) => e.child === table && e.parent === table))
        return undefined;
    return [
        ...edges
            .filter((e) => e.parent === table && e.child !== table)
            .map((e) => ({ from: e.child, fromColumns: e.columns, columns: e.refColumns })),
        ...edges
            .filter((e) => e.child === table && e.parent !== table && e.parent.kind === 'referenced')
            .map((e) => ({ from: e.parent, fromColumns: e.refColumns, columns: e.columns })),
    ];
}
/**
 * A query returning `columns` (quoted, or `ctid`) of a superset of `table`'s tenant rows, read
 * from the tenant key downwards; undefined when no way is left (a cycle), where the caller falls
 * back to the table's own predicate.
 */
function drivenRows(table, columns, graph, path) {
    const select = (alias) => columns.map((c) => `${alias}.${c}`).join(', ');
    if (table.kind !== 'dependent' && table.kind !== 'referenced')
        return `SELECT ${select('t')} FROM ${(0,checksum/* fromTable */.bs)(table)} t WHERE ${table.where}`;
    const ways = waysTo(table, graph.byName, graph.edges);
    if (!ways)
        return undefined;
    const closure = table.kind === 'referenced' ? table.selfClosure : undefined;
    // A self-closure starts from the addresses of its base rows' candidates.
    const wanted = closure ? ['ctid'] : columns;
    const next = new Set(path).add(table.qualified);
    const parts = [];
    for (const way of ways) {
        if (next.has(way.from.qualified))
            continue;
        const rows = drivenRows(way.from, way.fromColumns, graph, next);
        if (!rows)
            return undefined;
        const on = way.columns.map((c, i) => `c.${c} = p.${way.fromColumns[i]}`).join(' AND ');
        parts.push(`SELECT ${wanted.map((c) => `c.${c}`).join(', ')} FROM (${rows}) p JOIN ${(0,checksum/* fromTable */.bs)(table)} c ON ${on}`);
    }
    if (parts.length === 0)
        return undefined;
    // Addresses may repeat (a row reached along two keys): harmless in `= ANY`. Key values are
    // deduplicated on the way up.
    const direct = parts.join(wanted.length === 1 && wanted[0] === 'ctid' ? '\nUNION ALL\n' : '\nUNION\n');
    return closure ? selfClosureRows(table, closure, direct, columns) : direct;
}
/**
 * `columns` of a self-referencing referenced table's rows, exactly as its `where` selects them:
 * the candidates at `candidates` (addresses) that its `baseWhere` selects, then, recursively, the
 * rows they reference through the table's own keys (a user's inviter, and theirs) — read through
 * the referenced key's index, one step per level, never the whole table.
 */
function selfClosureRows(table, closure, candidates, columns) {
    const carried = [
        ...new Set([
            ...columns.filter((c) => c !== 'ctid'),
            ...closure.keys.flatMap((k) => [...k.columns, ...k.refColumns]),
        ]),
    ];
    const name = (c) => `c${carried.indexOf(c)}`;
    const cte = '__self_closure';
    const up = closure.keys
        .map((k) => `(${k.refColumns.map((c, i) => `u.${c} = s.${name(k.columns[i])}`).join(' AND ')})`)
        .join(' OR ');
    const list = (alias) => [`${alias}.ctid`, ...carried.map((c) => `${alias}.${c}`)].join(', ');
    return `WITH RECURSIVE ${cte} (row_ctid, ${carried.map(name).join(', ')}) AS (
      SELECT ${list('t')} FROM ${(0,checksum/* fromTable */.bs)(table)} t
       WHERE t.ctid = ANY (ARRAY(${candidates})) AND (${closure.baseWhere})
      UNION
      SELECT ${list('u')} FROM ${(0,checksum/* fromTable */.bs)(table)} u JOIN ${cte} s ON ${up})
    SELECT ${columns.map((c) => (c === 'ctid' ? 's.row_ctid' : `s.${name(c)} AS ${c}`)).join(', ')} FROM ${cte} s`;
}
/**
 * Planner settings for the freeze's reads (transaction-local): no sequential scan, hash join or
 * merge join — each would read a whole shared table (a hash join builds on a full index scan when
 * sequential scans are off) — and no plain or index-only index scan: either may walk a whole
 * index with the tenant predicate as a mere filter (seen: the primary key of a parent read end to
 * end, every tenant's rows, once the statistics made the tenant look large), where a bitmap scan
 * needs an index condition. So the reads above go from the tenant's rows through the tenant-key
 * and foreign-key indexes, whatever the statistics say. A foreign key without an index is then
 * read by a scan per parent row: the plan's notes name such keys and the index to create (and
 * max-freeze bounds the freeze either way). Returns what restores the previous values.
 */
async function indexDrivenReads(client) {
    const names = [
        'enable_seqscan',
        'enable_hashjoin',
        'enable_mergejoin',
        'enable_indexscan',
        'enable_indexonlyscan',
    ];
    const { rows } = await client.query(`SELECT n AS name, current_setting(n) AS value FROM unnest($1::text[]) AS n`, [names]);
    for (const n of names)
        await client.query(`SELECT set_config($1, 'off', true)`, [n]);
    return async () => {
        for (const r of rows)
            await client.query(`SELECT set_config($1, $2, true)`, [r.name, r.value]);
    };
}

;// CONCATENATED MODULE: ./src/postgres/freeze-closure.ts


/** Tables whose rows the closure can bring: referenced tables, and tenant tables with global rows. */
const closureTarget = (t) => t.keyColumns.length > 0 && (t.kind === 'referenced' || t.ownWhere !== undefined);
/**
 * The foreign keys between planned tables that can make a row needed (see closureTarget), read
 * from the catalog of `client` (the shared database): keys declared on a table or on its
 * partitions, once per (child, columns, parent, referenced columns).
 */
async function readClosureEdges(client, tables) {
    const byName = new Map(tables.map((t) => [t.qualified, t]));
    const quoted = (c, n) => `'"' || replace(${n}.nspname, '"', '""') || '"."' || replace(${c}.relname, '"', '""') || '"'`;
    const cols = (key, rel) => `(SELECT json_agg(json_build_object('name', '"' || replace(a.attname, '"', '""') || '"',
                                         'type', format_type(a.atttypid, NULL)) ORDER BY k.ord)
        FROM unnest(con.${key}) WITH ORDINALITY k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = con.${rel} AND a.attnum = k.attnum)`;
    const { rows } = await client.query(`SELECT ${quoted('c', 'n')} AS child, ${quoted('r', 'rn')} AS parent,
            ${cols('conkey', 'conrelid')} AS columns, ${cols('confkey', 'confrelid')} AS ref_columns
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = coalesce(pg_partition_root(con.conrelid), con.conrelid)
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class r ON r.oid = coalesce(pg_partition_root(con.confrelid), con.confrelid)
       JOIN pg_namespace rn ON rn.oid = r.relnamespace
      WHERE con.contype = 'f' AND con.conparentid = 0`);
    const out = [];
    const seen = new Set();
    for (const r of rows) {
        const child = byName.get(r.child);
        const parent = byName.get(r.parent);
        if (!child || !parent)
            continue;
        // Incoming: the child's rows bring the parent's; outgoing: a referenced child's rows follow
        // the parent's copied rows.
        if (!closureTarget(parent) && !(child.kind === 'referenced' && closureTarget(child)))
            continue;
        const columns = r.columns.map((c) => c.name);
        const refColumns = r.ref_columns.map((c) => c.name);
        const id = `${r.child}\u0000${columns.join()}\u0000${r.parent}\u0000${refColumns.join()}`;
        if (seen.has(id))
            continue;
        seen.add(id);
        out.push({
            child,
            columns,
            columnTypes: r.columns.map((c) => c.type),
            parent,
            refColumns,
            refTypes: r.ref_columns.map((c) => c.type),
        });
    }
    return out;
}
/**
 * The lookup of one closure step, run on the shared database: the rows of `table` whose
 * `columns` hold one of the value tuples given as text arrays (`$1`, `$2`, …, one per column),
 * compared as the columns' own types so their index finds them; each as the text of the row of
 * `select`. With `where`, only those the table's predicate selects. Exported so tests can EXPLAIN it.
 */
function closureLookupSql(table, select, columns, types, where) {
    const u = columns.map((_, j) => `c${j}`);
    return `SELECT ROW(${select.map((c) => `t.${c}`).join(', ')})::text AS r FROM ${(0,checksum/* fromTable */.bs)(table)} t
   WHERE (${columns.map((c) => `t.${c}`).join(', ')}) IN (
           SELECT ${u.map((c, j) => `v.${c}::${types[j]}`).join(', ')}
             FROM unnest(${u.map((_, j) => `$${j + 1}::text[]`).join(', ')}) AS v(${u.join(', ')}))${where ? `\n     AND (${table.where})` : ''}`;
}
/**
 * Stages, into one temporary table per table (`needed(table)` afterwards), the rows that became
 * needed since the base snapshot without changing: rows reached from the changed rows (and, in
 * turn, from the rows found), whose key neither the new database nor the changed rows hold.
 * Runs on `source` in the freeze transaction; returns the number of rows per table.
 */
async function stageNeededRows(source, stage, tables, edges) {
    const { target } = stage;
    const needed = new Map();
    if (edges.length === 0)
        return needed;
    const index = new Map(tables.map((t, i) => [t, i]));
    const neededTemp = (t) => `__tp_needed_${index.get(t)}`;
    const candidateTemp = (t) => `__tp_candidates_${index.get(t)}`;
    const ensure = async (t) => {
        let n = needed.get(t);
        if (!n) {
            n = { temp: neededTemp(t), rows: 0 };
            const cols = stage.columns(t);
            await target.query(`CREATE TEMP TABLE ${n.temp} ON COMMIT DROP AS
           SELECT ${cols.map((c) => `t.${c}`).join(', ')}, 0 AS __tp_round FROM ${(0,plan_types/* targetOf */.$r)(t)} t WITH NO DATA`);
            await target.query(`CREATE TEMP TABLE ${candidateTemp(t)} ON COMMIT DROP AS
           SELECT ${cols.map((c) => `t.${c}`).join(', ')} FROM ${(0,plan_types/* targetOf */.$r)(t)} t WITH NO DATA`);
            needed.set(t, n);
        }
        return n;
    };
    /** Rows of `t` reached in `round`: its changed rows in round 0, the rows found in round r after. */
    const frontier = (t, round) => {
        if (round === 0) {
            const changed = stage.changed(t);
            return changed ? `(SELECT * FROM ${changed}) f` : undefined;
        }
        const n = needed.get(t);
        return n ? `(SELECT * FROM ${n.temp} WHERE __tp_round = ${round}) f` : undefined;
    };
    const steps = edges.flatMap((e) => [
        // The parent's rows the child's rows reference.
        ...(closureTarget(e.parent)
            ? [
                {
                    from: e.child,
                    fromColumns: e.columns,
                    to: e.parent,
                    toColumns: e.refColumns,
                    types: e.refTypes,
                    where: e.parent.kind !== 'referenced',
                },
            ]
            : []),
        // A referenced child's rows that reference the parent's rows.
        ...(e.child.kind === 'referenced' && closureTarget(e.child)
            ? [
                {
                    from: e.parent,
                    fromColumns: e.refColumns,
                    to: e.child,
                    toColumns: e.columns,
                    types: e.columnTypes,
                    where: true,
                },
            ]
            : []),
    ]);
    for (let round = 0, found = true; found; round++) {
        found = false;
        for (const s of steps) {
            const f = frontier(s.from, round);
            if (!f)
                continue;
            const values = await target.query(`SELECT DISTINCT ${s.fromColumns.map((c, j) => `f.${c}::text AS c${j}`).join(', ')} FROM ${f}
          WHERE ${s.fromColumns.map((c) => `f.${c} IS NOT NULL`).join(' AND ')}`);
            if (values.rows.length === 0)
                continue;
            const n = await ensure(s.to);
            const cols = stage.columns(s.to);
            const candidates = candidateTemp(s.to);
            await target.query(`TRUNCATE ${candidates}`);
            // The rows travel as the text of the staged row type (no COPY: a lookup takes parameters).
            const rows = await source.query(closureLookupSql(s.to, cols, s.toColumns, s.types, s.where), s.toColumns.map((_, j) => values.rows.map((r) => r[`c${j}`])));
            if (rows.rows.length === 0)
                continue;
            await target.query(`INSERT INTO ${candidates} SELECT (r::${candidates}).* FROM unnest($1::text[]) AS r`, [rows.rows.map((r) => r.r)]);
            const keys = s.to.keyColumns;
            const match = (other) => `EXISTS (SELECT 1 FROM ${other} x WHERE ${keys.map((k) => `x.${k} = c.${k}`).join(' AND ')})`;
            const changed = stage.changed(s.to);
            const added = await target.query(`INSERT INTO ${n.temp} SELECT DISTINCT ON (${keys.map((k) => `c.${k}`).join(', ')}) c.*, ${round + 1}
           FROM ${candidates} c
          WHERE NOT ${match((0,checksum/* fromTable */.bs)((0,plan_types/* onTarget */.Hp)(s.to)))} AND NOT ${match(n.temp)}${changed ? ` AND NOT ${match(changed)}` : ''}`);
            if (added.rowCount) {
                n.rows += added.rowCount;
                found = true;
            }
        }
    }
    return needed;
}

// EXTERNAL MODULE: ./src/postgres/rollback-ledger.ts
var rollback_ledger = __webpack_require__(4001);
;// CONCATENATED MODULE: ./src/postgres/catch-up.ts










/**
 * Reads, once, the column kinds a per-column form hashes `tables` with on each side (none for the
 * text forms). The switch reads them before its first comparison and hands them to every later
 * one: the catalog is never read again per pass, nor under the freeze.
 */
async function readColumnsByTable(source, target, tables, form) {
    const out = new Map();
    if (!(0,checksum/* isColumnsForm */.uN)(form))
        return out;
    for (const table of tables)
        out.set(table.qualified, await (0,checksum/* readSideColumns */.Pj)(source, target, table, form));
    return out;
}
/**
 * Compares tables on both sides with the given row hash form. The switch's sums flow into the
 * digests it records (verifiedFrom) under the form's name, which cleanup and status --verify
 * recompute; the rollback's row ledger keeps md5 ('ledger').
 */
async function compareTables(source, target, tables, form, opts = {}) {
    const out = [];
    for (const table of tables) {
        const columns = opts.columns?.get(table.qualified);
        out.push({
            table,
            ...(await (0,checksum/* compareTable */.WK)(source, target, table, {
                form,
                ...(opts.expectDifference && { expectDifference: true }),
                ...(columns && { columns }),
            })),
        });
    }
    return out;
}
/**
 * The bucket of the row aliased `t` on one side, under the scheme a digest used; a scalar SQL
 * expression. Only the row-hash scheme (a table without a key) hashes the row for it, with the
 * column kinds that side's digest used.
 */
function bucketOfRow(c, side) {
    const { table } = c;
    const scheme = c.source.scheme;
    const h = scheme.kind === 'row-hash' ? (0,checksum/* rowHashSqlOf */.UN)(c[side].form, table, c[side].columns) : 'NULL::int8';
    const k = (0,checksum/* keyText */.Pu)(table) ?? 'NULL::text';
    const kn = scheme.kind === 'range' ? `t.${table.keyColumns[0]}::numeric` : 'NULL::numeric';
    return `(SELECT ${(0,checksum/* bucketSql */.$n)(scheme)} FROM (SELECT ${h} AS h, ${k} AS k, ${kn} AS kn) AS __bucket)`;
}
function differingBuckets(c) {
    const a = new Map(c.source.buckets.map((b) => [b.bucket, b]));
    const b = new Map(c.target.buckets.map((x) => [x.bucket, x]));
    const out = [];
    for (const bucket of new Set([...a.keys(), ...b.keys()])) {
        const x = a.get(bucket);
        const y = b.get(bucket);
        if ((x?.count ?? 0) !== (y?.count ?? 0) || (x?.sum ?? '0') !== (y?.sum ?? '0'))
            out.push(bucket);
    }
    // Bucket numbers are integers we computed, never text from outside: safe to inline.
    return out.filter(Number.isInteger).sort((p, q) => p - q);
}
const stageName = (i) => `__tp_stage_${i}`;
const keyMatch = (keys, a, b) => keys.map((k) => `${a}.${k} = ${b}.${k}`).join(' AND ');
const catch_up_qi = esm/* default.escapeIdentifier */.Ay.escapeIdentifier;
/**
 * ON DELETE actions that act at once when a referenced row is deleted (never deferred): a row
 * deleted to be inserted again must first set aside the rows these keys would delete, rewrite or
 * refuse for. NO ACTION is only a check, deferred to COMMIT here, and the row is back by then.
 */
const ACTING_ON_DELETE = new Set(['r', 'c', 'n', 'd']);
/**
 * One transaction on the new database in which copied rows are applied. `guard` runs first.
 * Replica mode (no foreign keys) where permitted; else, on the tables the apply may write
 * (`tables`, and the tables a row set aside reaches, see ACTING_ON_DELETE), foreign keys are made
 * DEFERRABLE and deferred; before COMMIT the keys are checked (a violation aborts everything) and
 * every definition restored. `fn` runs inside.
 *
 * Triggers, in both modes: every user trigger on those tables (and their partitions) that could
 * fire is disabled by name — origin (`O`) and ALWAYS (`A`) triggers fire in either mode, REPLICA
 * (`R`) ones in replica mode, so all but the disabled (`D`) ones — and each is put back to its
 * exact state before COMMIT (see `quietTriggers`): a trigger the source had disabled stays
 * disabled, a REPLICA or ALWAYS one keeps its mode.
 */
async function inApplyTransaction(target, tables, fn, guard) {
    await target.query('BEGIN');
    try {
        await guard?.(target);
        const replica = await tryReplicaMode(target);
        const touched = tables.map((t) => t.qualified);
        const foreignKeys = replica ? [] : await readForeignKeys(target);
        const incoming = new Map();
        for (const fk of foreignKeys)
            incoming.set(fk.references, [...(incoming.get(fk.references) ?? []), fk]);
        // Every table a row of `tables` set aside can reach, through keys that act on delete.
        const scope = new Set(touched);
        for (const queue = [...touched]; queue.length;) {
            for (const fk of incoming.get(queue.shift()) ?? []) {
                if (ACTING_ON_DELETE.has(fk.onDelete) && !scope.has(fk.table)) {
                    scope.add(fk.table);
                    queue.push(fk.table);
                }
            }
        }
        let counter = 0;
        const session = {
            target,
            replica,
            tables: await readTargetTables(target, [...scope]),
            incoming,
            temp: (kind) => `__tp_${kind}_${counter++}`,
        };
        const missing = touched.filter((t) => !session.tables.has(t));
        if (missing.length)
            throw new Error(`The new database lacks table(s) ${missing.join(', ')}.`);
        const deferred = foreignKeys.filter((fk) => !fk.deferrable && (scope.has(fk.table) || scope.has(fk.references)));
        const restoreTriggers = await catch_up_quietTriggers(target, [...scope]);
        if (!replica) {
            for (const fk of deferred)
                await target.query(`ALTER TABLE ${fk.table} ALTER CONSTRAINT ${catch_up_qi(fk.name)} DEFERRABLE`);
            await target.query('SET CONSTRAINTS ALL DEFERRED');
        }
        const result = await fn(session);
        if (!replica) {
            // Checks every deferred key now (an error names the key); only then can the definitions
            // change back (ALTER TABLE refuses while checks are pending).
            await target.query('SET CONSTRAINTS ALL IMMEDIATE');
            for (const fk of deferred)
                await target.query(`ALTER TABLE ${fk.table} ALTER CONSTRAINT ${catch_up_qi(fk.name)} NOT DEFERRABLE`);
        }
        await restoreTriggers();
        await target.query('COMMIT');
        return result;
    }
    catch (e) {
        await target.query('ROLLBACK').catch(() => undefined);
        throw e;
    }
}
const ENABLE = {
    O: 'ENABLE TRIGGER',
    R: 'ENABLE REPLICA TRIGGER',
    A: 'ENABLE ALWAYS TRIGGER',
    D: 'DISABLE TRIGGER',
};
/**
 * Disables, by name, every user trigger of `tables` and of their partitions that is not already
 * disabled; returns what puts each back to its exact state (run before COMMIT). A statement on a
 * partitioned table may pass down to its partitions' copies of the trigger, so the tables' own
 * triggers go first and every copy is then set on its own.
 */
async function catch_up_quietTriggers(target, tables) {
    if (tables.length === 0)
        return async () => undefined;
    const { rows } = await target.query(`SELECT ${QUALIFIED('c', 'n')} AS table, tg.tgname AS name, tg.tgenabled::text AS enabled,
            tg.tgparentid <> 0 AS cloned
       FROM pg_trigger tg
       JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT tg.tgisinternal
        AND tg.tgrelid IN (SELECT t.name::regclass FROM unnest($1::text[]) AS t(name)
                           UNION ALL
                           SELECT p.relid FROM unnest($1::text[]) AS t(name),
                                  LATERAL pg_partition_tree(t.name::regclass) AS p)
      ORDER BY cloned, 1, 2`, [tables]);
    const alter = (t, action) => target.query(`ALTER TABLE ${t.table} ${action} ${catch_up_qi(t.name)}`);
    for (const t of rows)
        if (t.enabled !== 'D')
            await alter(t, 'DISABLE TRIGGER');
    return async () => {
        for (const t of rows)
            if (!t.cloned && t.enabled !== 'D')
                await alter(t, ENABLE[t.enabled]);
        for (const t of rows)
            if (t.cloned)
                await alter(t, ENABLE[t.enabled]);
    };
}
/** SQL for a quoted `"schema"."name"` of the pg_class row `c` in pg_namespace `n`, like TablePlan.qualified. */
const QUALIFIED = (c, n) => `'"' || replace(${n}.nspname, '"', '""') || '"."' || replace(${c}.relname, '"', '""') || '"'`;
const QUOTED_ATTNAME = (a) => `'"' || replace(${a}.attname, '"', '""') || '"'`;
async function readForeignKeys(target) {
    const cols = (key, rel) => `(SELECT array_agg(${QUOTED_ATTNAME('a')} ORDER BY k.ord) FROM unnest(con.${key}) WITH ORDINALITY k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = con.${rel} AND a.attnum = k.attnum)`;
    const { rows } = await target.query(`SELECT con.conname AS name, ${QUALIFIED('c', 'n')} AS table, ${QUALIFIED('r', 'rn')} AS references,
            ${cols('conkey', 'conrelid')} AS columns, ${cols('confkey', 'confrelid')} AS ref_columns,
            con.confdeltype::text AS on_delete, con.condeferrable AS deferrable
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class r ON r.oid = con.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
      WHERE con.contype = 'f' AND con.conparentid = 0
      ORDER BY 2, 1`);
    return rows.map((r) => ({
        name: r.name,
        table: r.table,
        columns: r.columns,
        references: r.references,
        refColumns: r.ref_columns,
        onDelete: r.on_delete,
        deferrable: r.deferrable,
    }));
}
async function readTargetTables(target, names) {
    const { rows } = await target.query(`SELECT q.name AS qualified, c.relkind = 'p' AS partitioned,
            coalesce((SELECT json_agg(json_build_object('name', ${QUOTED_ATTNAME('a')}, 'generated', a.attgenerated <> '',
                                                        'identity', a.attidentity::text) ORDER BY a.attnum)
                        FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns,
            coalesce((SELECT json_agg(json_build_object(
                         'name', i.relname, 'primary', x.indisprimary,
                         'nulls_not_distinct', coalesce((to_jsonb(x) ->> 'indnullsnotdistinct')::boolean, false),
                         'keys', (SELECT json_agg(json_build_object(
                                    'column', (SELECT ${QUOTED_ATTNAME('a')} FROM pg_attribute a
                                                WHERE a.attrelid = c.oid AND a.attnum = k.attnum AND k.attnum > 0),
                                    'expr', pg_get_indexdef(x.indexrelid, k.ord::int, true)) ORDER BY k.ord)
                                    FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ord) WHERE k.ord <= x.indnkeyatts))
                          ORDER BY i.relname)
                        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                       WHERE x.indrelid = c.oid AND x.indisunique), '[]') AS uniques
       FROM unnest($1::text[]) AS q(name) JOIN pg_class c ON c.oid = to_regclass(q.name)`, [names]);
    const out = new Map();
    for (const r of rows) {
        const uniques = r.uniques.map((u) => ({
            name: u.name,
            nullsNotDistinct: u.nulls_not_distinct,
            keys: u.keys,
        }));
        out.set(r.qualified, {
            qualified: r.qualified,
            partitioned: r.partitioned,
            columns: r.columns.filter((c) => !c.generated).map((c) => c.name),
            generated: r.columns.filter((c) => c.generated).map((c) => c.name),
            alwaysIdentity: r.columns.filter((c) => c.identity === 'a').map((c) => c.name),
            primaryKey: r.uniques.find((u) => u.primary)?.keys.map((k) => k.column) ?? [],
            uniques,
        });
    }
    return out;
}
/**
 * Unique indexes on which a staged row can collide with a target row of another key: every one
 * except those that contain the whole key (a collision there means the same key, the upsert's own).
 */
function uniquesBeyondKey(table, info) {
    return info.uniques.filter((u) => !table.keyColumns.every((k) => u.keys.some((x) => x.column === k)));
}
/**
 * The columns staged for a table: the planned ones, plus key columns and — when a secondary
 * unique key may need them to detect a collision — generated columns, which the planned ones
 * leave out (they are read from the source, never written).
 */
function stageColumns(table, info) {
    const extra = new Set(table.keyColumns.filter((k) => !table.columns.includes(k)));
    if (uniquesBeyondKey(table, info).length)
        for (const g of info.generated)
            if (!table.columns.includes(g))
                extra.add(g);
    return [...table.columns, ...extra];
}
/** Copies the source rows `select` returns into a new temporary table `stage` on the target. */
async function stageRows(source, target, table, columns, stage, select) {
    const cols = columns.join(', ');
    await createStage(target, (0,plan_types/* onTarget */.Hp)(table), columns, stage);
    const reader = source.query((0,pg_copy_streams.to)(`COPY (${select}) TO STDOUT`));
    const writer = target.query((0,pg_copy_streams/* from */.H)(`COPY ${stage} (${cols}) FROM STDIN`));
    await (0,external_node_stream_promises_.pipeline)(reader, writer);
    return Number(writer.rowCount ?? 0);
}
/** An empty temporary table `stage` with the (quoted) `columns` of `table`. */
async function createStage(target, table, columns, stage) {
    const select = columns.map((c) => `t.${c}`).join(', ');
    await target.query(`CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${select} FROM ${table.qualified} t WITH NO DATA`);
}
/**
 * The source's rows of `table` (the tenant's), restricted by an extra predicate on alias t: a few
 * rows (by address or key bucket), so each is tested (perRow) rather than the tenant's whole set.
 */
function selectWhere(table, columns, extra) {
    return `SELECT ${columns.map((col) => `t.${col}`).join(', ')} FROM ${(0,checksum/* fromTable */.bs)(table)} t WHERE (${(0,plan_types/* perRow */.CE)(table)}) AND ${extra}`;
}
/**
 * Applies the staged rows of a table with a key: inserts new keys, updates the others in place.
 * Rows that cannot be updated in place are replaced first (see `rowsToReplace`, `replaceRows`).
 */
async function applyStaged(s, table, stage) {
    const info = s.tables.get(table.qualified);
    const keys = table.keyColumns;
    const replace = await rowsToReplace(s, table, info, stage);
    const restore = replace ? await replaceRows(s, table, info, replace.temp, stage) : undefined;
    const cols = table.columns;
    // A GENERATED ALWAYS identity column refuses UPDATE: rows where it changed were replaced above.
    const set = cols.filter((c) => !keys.includes(c) && !info.alwaysIdentity.includes(c));
    const conflict = ` ON CONFLICT (${keys.join(', ')}) DO ${set.length ? `UPDATE SET ${set.map((col) => `${col} = EXCLUDED.${col}`).join(', ')}` : 'NOTHING'}`;
    const res = await s.target.query(`INSERT INTO ${table.qualified} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE SELECT ${cols.join(', ')} FROM ${stage}${conflict}`);
    await restore?.();
    return { upserted: res.rowCount ?? 0, replaced: replace?.count ?? 0 };
}
/**
 * Keys of target rows the upsert cannot update in place, into a temporary table: rows whose
 * GENERATED ALWAYS identity value (outside the key) changed, and rows of another key holding a
 * value of a secondary unique key that a staged row takes (a swap of two values, a value freed by
 * a deleted row and taken by a new one). Undefined when there is none.
 */
async function rowsToReplace(s, table, info, stage) {
    const keys = table.keyColumns;
    const same = keyMatch(keys, 's', 't');
    const targetKeys = keys.map((k) => `t.${k}`).join(', ');
    const parts = [];
    const identity = info.alwaysIdentity.filter((c) => !keys.includes(c));
    if (identity.length) {
        parts.push(`SELECT ${targetKeys} FROM ${(0,checksum/* fromTable */.bs)(table)} t JOIN ${stage} s ON ${same}
        WHERE ${identity.map((c) => `s.${c} IS DISTINCT FROM t.${c}`).join(' OR ')}`);
    }
    for (const u of uniquesBeyondKey(table, info)) {
        const eq = u.nullsNotDistinct ? 'IS NOT DISTINCT FROM' : '=';
        // An expression is evaluated over each side's row; a partial index's predicate is ignored
        // (replacing a row that would not have collided is only extra work).
        const on = u.keys
            .map((k) => k.column
            ? `s.${k.column} ${eq} t.${k.column}`
            : `(SELECT ${k.expr} FROM (SELECT s.*) AS __u) ${eq} (SELECT ${k.expr} FROM (SELECT t.*) AS __u)`)
            .join(' AND ');
        parts.push(`SELECT ${targetKeys} FROM ${(0,checksum/* fromTable */.bs)(table)} t JOIN ${stage} s ON ${on} WHERE NOT (${same})`);
    }
    if (!parts.length)
        return undefined;
    const temp = s.temp('replace');
    const res = await s.target.query(`CREATE TEMP TABLE ${temp} ON COMMIT DROP AS ${parts.join('\nUNION\n')}`);
    const count = res.rowCount ?? 0;
    return count ? { temp, count } : undefined;
}
/**
 * Deletes the target rows of `table` whose keys are in `replaceKeys`, so that the upsert inserts
 * them anew, and returns what puts everything else back afterwards. In replica mode no foreign
 * key acts, so the delete is all. Otherwise a delete fires the referencing keys' ON DELETE
 * actions at once: the rows they would delete, rewrite or refuse for (transitively) are set
 * aside first, deleted children first (so no action fires), and inserted again exactly as they
 * were after the upsert — all but this table's rows that the stage replaces. NO ACTION keys are
 * deferred: their check at COMMIT finds the keys back.
 */
async function replaceRows(s, table, info, replaceKeys, stage) {
    const keys = table.keyColumns;
    if (s.replica) {
        await s.target.query(`DELETE FROM ${(0,checksum/* fromTable */.bs)(table)} t USING ${replaceKeys} r WHERE ${keyMatch(keys, 'r', 't')}`);
        return async () => undefined;
    }
    const from = (t) => (t.partitioned ? t.qualified : `ONLY ${t.qualified}`);
    const aside = new Map();
    const setAside = async (t, key) => {
        let a = aside.get(t.qualified);
        if (!a) {
            a = { table: t, temp: s.temp('aside'), key, rounds: [] };
            await s.target.query(`CREATE TEMP TABLE ${a.temp} ON COMMIT DROP AS
           SELECT t.tableoid AS __tp_oid, t.ctid AS __tp_ctid, 0 AS __tp_round, t.* FROM ${from(t)} t WITH NO DATA`);
            aside.set(t.qualified, a);
        }
        return a;
    };
    const first = await setAside(info, keys);
    await s.target.query(`INSERT INTO ${first.temp} SELECT t.tableoid, t.ctid, 0, t.* FROM ${from(info)} t
      WHERE EXISTS (SELECT 1 FROM ${replaceKeys} r WHERE ${keyMatch(keys, 'r', 't')})`);
    first.rounds.push(0);
    // Breadth first: round n + 1 holds the rows referencing round n's through an acting key.
    let frontier = [info.qualified];
    for (let round = 0; frontier.length; round++) {
        const next = new Set();
        for (const parent of frontier) {
            const p = aside.get(parent);
            for (const fk of s.incoming.get(parent) ?? []) {
                if (!ACTING_ON_DELETE.has(fk.onDelete))
                    continue;
                const childInfo = s.tables.get(fk.table);
                const child = await setAside(childInfo, childInfo.primaryKey);
                const match = fk.columns.map((c, i) => `p.${fk.refColumns[i]} = c.${c}`).join(' AND ');
                const res = await s.target.query(`INSERT INTO ${child.temp} SELECT c.tableoid, c.ctid, ${round + 1}, c.* FROM ${from(childInfo)} c
            WHERE EXISTS (SELECT 1 FROM ${p.temp} p WHERE p.__tp_round = ${round} AND ${match})
              AND NOT EXISTS (SELECT 1 FROM ${child.temp} y WHERE y.__tp_oid = c.tableoid AND y.__tp_ctid = c.ctid)`);
                if (res.rowCount) {
                    if (!child.rounds.includes(round + 1))
                        child.rounds.push(round + 1);
                    next.add(fk.table);
                }
            }
        }
        frontier = [...next];
    }
    // Deepest rounds first: a row goes before the rows it references, so no key acts.
    const batches = [...aside.values()].flatMap((a) => a.rounds.map((round) => ({ a, round })));
    batches.sort((x, y) => y.round - x.round);
    for (const { a, round } of batches) {
        const same = a.key.length
            ? keyMatch(a.key, 'y', 'x')
            : 'x.tableoid = y.__tp_oid AND x.ctid = y.__tp_ctid';
        await s.target.query(`DELETE FROM ${from(a.table)} x USING ${a.temp} y WHERE y.__tp_round = ${round} AND ${same}`);
    }
    return async () => {
        for (const a of aside.values()) {
            const cols = a.table.columns;
            // This table's rows come back unless the stage has their key (the upsert wrote them).
            const which = a === first
                ? `y.__tp_round > 0 AND NOT EXISTS (SELECT 1 FROM ${stage} st WHERE ${keyMatch(keys, 'st', 'y')})`
                : 'true';
            await s.target.query(`INSERT INTO ${a.table.qualified} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE
           SELECT ${cols.map((c) => `y.${c}`).join(', ')} FROM ${a.temp} y WHERE ${which}`);
        }
    };
}
/**
 * Applies the source's rows of every differing bucket to the target. `source` reads the shared
 * database (tenant id set, comparable session); `target` is a session on the new database that
 * is not in a transaction: this function runs one and commits it.
 */
async function catchUp(source, target, comparisons, guard) {
    const work = comparisons.filter((c) => !c.equal).map((c) => ({ c, buckets: differingBuckets(c) }));
    if (work.length === 0)
        return [];
    // Target-side SQL names each table where it is in the tenant's database or schema (onTarget:
    // the same table at database level); the source side and the stats keep the plan's names.
    return inApplyTransaction(target, work.map((w) => (0,plan_types/* onTarget */.Hp)(w.c.table)), async (s) => {
        const stats = [];
        const inBuckets = (c, buckets, side) => `${bucketOfRow(c, side)} IN (${buckets.join(', ')})`;
        for (const [i, { c, buckets }] of work.entries()) {
            const columns = stageColumns(c.table, s.tables.get((0,plan_types/* targetOf */.$r)(c.table)));
            const staged = await stageRows(source, target, c.table, columns, stageName(i), selectWhere(c.table, columns, inBuckets(c, buckets, 'source')));
            stats.push({
                table: c.table.qualified,
                buckets: buckets.length,
                staged,
                deleted: 0,
                upserted: 0,
                replaced: 0,
            });
        }
        // 1. Upserts, parents first. A table without a key has no row identity: its rows of those
        // buckets are deleted and inserted again (nothing can reference such rows by key).
        for (const [i, { c, buckets }] of work.entries()) {
            if (c.table.keyColumns.length === 0) {
                const del = await target.query(`DELETE FROM ${(0,checksum/* fromTable */.bs)((0,plan_types/* onTarget */.Hp)(c.table))} t WHERE ${inBuckets(c, buckets, 'target')}`);
                const cols = c.table.columns.join(', ');
                const ins = await target.query(`INSERT INTO ${(0,plan_types/* targetOf */.$r)(c.table)} (${cols}) OVERRIDING SYSTEM VALUE SELECT ${cols} FROM ${stageName(i)}`);
                stats[i].deleted = del.rowCount ?? 0;
                stats[i].upserted = ins.rowCount ?? 0;
                continue;
            }
            const applied = await applyStaged(s, (0,plan_types/* onTarget */.Hp)(c.table), stageName(i));
            stats[i].upserted = applied.upserted;
            stats[i].replaced = applied.replaced;
        }
        // 2. Deletes, children first: target rows of those buckets that the source no longer has.
        // Every row still referencing one of them is itself deleted before it, so no action fires.
        for (let i = work.length - 1; i >= 0; i--) {
            const { c, buckets } = work[i];
            const keys = c.table.keyColumns;
            if (keys.length === 0)
                continue;
            const res = await target.query(`DELETE FROM ${(0,checksum/* fromTable */.bs)((0,plan_types/* onTarget */.Hp)(c.table))} t WHERE ${inBuckets(c, buckets, 'target')}
              AND NOT EXISTS (SELECT 1 FROM ${stageName(i)} s WHERE ${keyMatch(keys, 's', 't')})`);
            stats[i].deleted = res.rowCount ?? 0;
        }
        return stats;
    }, guard);
}
/**
 * The verified base of a comparison. Either form can be recorded now that the record names its
 * form (checksum.ts RecordedDigest): later comparisons compute the recorded form.
 */
function verifiedFrom(c) {
    if (c.source.form !== c.target.form)
        throw new Error(`${c.table.qualified}: a ${c.source.form} digest cannot be compared with a ${c.target.form} digest.`);
    const columns = c.source.columns && c.target.columns ? { source: c.source.columns, target: c.target.columns } : undefined;
    return {
        table: c.table,
        count: c.source.count,
        sum: BigInt(c.source.sum),
        form: c.source.form,
        ...(columns && { columns }),
    };
}
/** The row hash of the base's form over rows of the new database (the row aliased `t`). */
function targetRowHashSql(base) {
    return (0,checksum/* rowHashSqlOf */.UN)(base.form, base.table, base.columns?.target);
}
/** A row version as the freeze pass names it: `tableoid:ctid:xmin`. */
const VERSION_SQL = `t.tableoid::oid::text || ':' || t.ctid::text || ':' || t.xmin::text`;
const VERSION_TEXT = /^(\d+):(\(\d+,\d+\)):(\d+)$/;
/**
 * The 32-bit xid that row headers hold, of the xid8 bound the pass is given (validated: safe to
 * inline). The bound is `changedFromXid` of the base snapshot (base-snapshot.ts); S.xmin, an
 * older bound, is as sound and only lets more candidates through.
 */
function xid32(changedFrom) {
    if (!/^\d+$/.test(changedFrom))
        throw new Error(`Invalid transaction id bound ${changedFrom}`);
    return (BigInt(changedFrom) % 4294967296n).toString();
}
/** The buckets versions are digested in: a power of two near a quarter of the table's rows. */
function versionBuckets(rows) {
    let b = 16;
    while (b < 65_536 && b * 4 < rows)
        b *= 2;
    return b;
}
/**
 * `age(t.xmin) <= age(bound)`: the cheap superset test (see freezeScanSql). Compared as ages, so
 * an xid of the previous epoch compares as older (a raw `<` would call it newer).
 */
const maybeChangedSql = (changedFrom) => `age(t.xmin) <= age('${xid32(changedFrom)}'::xid)`;
/**
 * A row version's 64-bit hashes, from its address, table and `xmin` without building its text:
 * `hashtidextended` seeded with the table and the xid (`salt` makes the bucket's hash and the
 * summed one independent).
 */
const versionHash = (salt) => `hashtidextended(t.ctid, ((t.tableoid::bigint << 32) | t.xmin::text::bigint) # ${salt})`;
const bucketOfVersion = (buckets) => `(${versionHash(0)} & ${buckets - 1})`;
const hashOfVersion = () => versionHash(1);
/**
 * A bucket's count and hash sum folded into one bigint, so the freeze scan looks the base's up in
 * a `bigint[]` by index: a subscript of a `numeric[]` walks the array from its start (variable
 * width), which with 65,536 buckets cost seconds per table once every row was a candidate (an
 * idle transaction elsewhere): 15 s for a 100k-row table, against 0.9 s for the digests. Never 0
 * for a bucket with candidates short of a 64-bit collision (0 stands for "none at S").
 */
const bucketDigest = (count, sum) => `hashtextextended((${count})::text || ':' || (${sum})::text, 0)`;
/** The heap block of the row aliased `t` (of its own relation, `t.tableoid`: a partition's). */
const blockOfRow = `((t.ctid::text::point)[0])::bigint`;
/*
 * Block digests: how the freeze finds the rows deleted since S without reading the tenant's rows
 * a second time under the freeze. The one scan under the freeze (freezeScanSql) also digests the tenant's row
 * versions per heap block (`tableoid:block`: count and hash sum, as the version buckets); the
 * same digests of the versions S saw are taken before the freeze (baseVersionDigestSql). While S
 * is held, a version S sees cannot be pruned or moved (VACUUM FULL and CLUSTER wait for the
 * locks S's transaction holds), so a block whose digest is unchanged holds exactly the versions S
 * saw there: every version S saw that is gone — a deleted row, the old version of an updated one,
 * a row moved to another tenant — is in a block whose digest differs, short of a 64-bit collision.
 * The keys of the tenant's rows S saw in those blocks (TID range scans at S, see keysInBlocksSql)
 * whose version is not the tenant's there now are the only ones that can be gone; which are is
 * looked up through the key index (keysInChangedBlocks). Bounded by the writes (the blocks they
 * touched), not by the tenant.
 */
/**
 * Whether the freeze finds a table's deleted rows by block digests (see above): every table with
 * a key. A table without one is settled by counts, or compared in full.
 */
const findsDeletionsByBlock = (table) => table.keyColumns.length > 0;
/**
 * Run in the session holding S: per bucket, the count and hash sum of the candidate versions
 * (those the cheap test lets through, see freezeScanSql) that S saw, `b` (only non-empty
 * buckets); for a table with a key also per heap block, `blk` (`tableoid:block`), of every version
 * S saw (see Block digests). One read of the tenant's rows at S, before the freeze.
 */
function baseVersionDigestSql(table, changedFrom, buckets, graph) {
    const digest = bucketDigest('count(*)', 'sum(h)');
    if (!findsDeletionsByBlock(table)) {
        return `SELECT b::text AS b, NULL::text AS blk, ${digest}::text AS d
  FROM (SELECT ${bucketOfVersion(buckets)} AS b, ${hashOfVersion()} AS h
          FROM (${drivenVersions(table, graph)}) t WHERE ${maybeChangedSql(changedFrom)}) AS v
 GROUP BY b`;
    }
    return `SELECT CASE WHEN GROUPING(b) = 0 THEN b::text END AS b,
       CASE WHEN GROUPING(b) = 1 THEN o::text || ':' || k::text END AS blk, ${digest}::text AS d
  FROM (SELECT CASE WHEN ${maybeChangedSql(changedFrom)} THEN ${bucketOfVersion(buckets)} ELSE -1 END AS b,
               t.tableoid::oid AS o, ${blockOfRow} AS k, ${hashOfVersion()} AS h
          FROM (${drivenVersions(table, graph)}) t) AS v
 GROUP BY GROUPING SETS ((b), (o, k))
HAVING GROUPING(b) = 1 OR b >= 0`;
}
/**
 * The one pass over a table's tenant rows under the freeze: how many there are, and the row
 * versions (`tableoid:ctid:xmin`) that may have changed since snapshot S. Only the tenant's rows
 * are read (`where`, through the tenant-key index, or downwards for tables without the key, see
 * freeze-reads.ts: the `xmin` test is a filter on top of it, never a scan of its own). The test is
 * a cheap superset: every version S did not see was written by a transaction S saw as running or
 * future in this database — an xid at or past `changedFrom`, the oldest in-progress xid of S not
 * proven to run in another database (base-snapshot.ts), subtransactions included (a
 * subtransaction's xid is newer than its parent's). Transactions open elsewhere in the cluster do
 * not widen it; a long transaction in this database does, and frozen tuples keep their raw
 * `xmin` (one older than 2^31 transactions compares as new). So the candidates are digested per
 * bucket (count and sum of 64-bit hashes of the version text) and compared with the digests of
 * the candidates S saw (`baseVersionDigestSql`), `$1` per bucket (see denseDigests): only the
 * candidates of buckets that differ are returned — every version written since S is in one,
 * short of a 64-bit collision, the same odds the digests of the checks rest on. `seenAtBaseSql`
 * then decides each. For a table with a key, the same rows are digested per heap block too (see
 * Block digests), which finds the rows deleted since S.
 */
function freezeScanSql(table, changedFrom, buckets, 
/** The planned tables and keys: a dependent or referenced table is read downwards (freeze-reads.ts). */
graph) {
    // One pass, one aggregation: the rows the test rules out are only counted (bucket -1). The
    // row with `total` always comes back (when the tenant has rows): it carries the totals.
    const differs = `y.b >= 0 AND y.xd IS DISTINCT FROM ${bucketDigest('y.n', 'y.s')}`;
    const rowsRead = `SELECT CASE WHEN ${maybeChangedSql(changedFrom)} THEN ${bucketOfVersion(buckets)} ELSE -1 END AS b,
                       ${hashOfVersion()} AS h, t.tableoid, t.ctid, t.xmin${findsDeletionsByBlock(table) ? `, ${blockOfRow} AS k` : ''}
                  FROM (${drivenVersions(table, graph)}) t`;
    // A version's text is built only for the buckets that differ.
    const versions = `SELECT y.b::text AS b, y.total::text AS total, y.m::text AS m,
       CASE WHEN ${differs} THEN (SELECT array_agg(u.o::text || ':' || u.c::text || ':' || u.x::text)
                                    FROM unnest(y.o, y.c, y.x) AS u(o, c, x)) END AS v, NULL::text AS blocks FROM (
SELECT g.b, g.n, g.o, g.c, g.x, g.s, coalesce(($1::bigint[])[g.b + 1], 0) AS xd, row_number() OVER () AS rn,
       sum(g.n) OVER () AS total, sum(g.n) FILTER (WHERE g.b >= 0) OVER () AS m
  FROM (SELECT b, count(*) AS n, sum(h) AS s, array_agg(t.tableoid::oid) FILTER (WHERE b >= 0) AS o,
               array_agg(t.ctid) FILTER (WHERE b >= 0) AS c, array_agg(t.xmin) FILTER (WHERE b >= 0) AS x
          FROM ${findsDeletionsByBlock(table) ? '__rows' : `(${rowsRead})`} AS t
         GROUP BY b) AS g) AS y
 WHERE y.rn = 1 OR ${differs}`;
    if (!findsDeletionsByBlock(table))
        return versions;
    // The same rows, read once (materialized), digested per heap block too (see Block digests):
    // every block's digest comes back, compared with S's by the caller, folded into one string
    // (`tableoid:block digest` pairs, as foldedDigestsSql): a row object per block held most of
    // the client's heap growth under the freeze.
    return `WITH __rows AS MATERIALIZED (${rowsRead})
${versions}
UNION ALL
SELECT NULL, NULL, NULL, NULL, string_agg(k.blk || ' ' || k.d, ',')
  FROM (SELECT t.tableoid::oid::text || ':' || t.k::text AS blk, ${bucketDigest('count(*)', 'sum(t.h)')}::text AS d
          FROM __rows t GROUP BY t.tableoid, t.k) AS k`;
}
/**
 * The versions (`v`, `ctid:xmin`) of the rows `where` selects in the given heap blocks of one
 * relation (`relation`, quoted; a partition's own name), with their keys (`c0`, `c1`, …) when
 * `withKeys`: run at S, the keys that may be gone (see Block digests); run under the freeze, the
 * versions still there. The blocks are read by a TID range scan per run of consecutive blocks;
 * `where` (rowWhere: the copy's predicate, cheap per row) is applied once over all of them (OFFSET
 * 0 keeps it from being copied into every run, each copy building its own hashed lookups of the
 * parents). Without `where`, every row of those blocks comes.
 */
function keysInBlocksSql(table, relation, blocks, where, 
/**
 * PostgreSQL 14 and later read a run of blocks by a TID range scan; before, the same rows are
 * named by address (every line pointer a heap page of the default 8 kB can hold): a TID range
 * condition would be a sequential scan there. A row past that offset (larger pages) is missed,
 * and the counts then send the table to the full key comparison.
 */
tidRange = true, withKeys = true) {
    const runs = [];
    for (const b of [...new Set(blocks)].sort((p, q) => p - q)) {
        if (!Number.isSafeInteger(b) || b < 0)
            throw new Error(`Unexpected block ${b}`);
        const last = runs[runs.length - 1];
        if (last && last[1] === b)
            last[1] = b + 1;
        else
            runs.push([b, b + 1]);
    }
    const cols = [
        ...(withKeys ? table.keyColumns.map((k, j) => `t.${k}::text AS c${j}`) : []),
        `t.ctid::text || ':' || t.xmin::text AS v`,
    ].join(', ');
    // The rows of the blocks, with their address and xmin as columns (a subquery has no system
    // columns: `t.ctid` and `t.xmin` name these).
    const rows = (condition) => `SELECT s.*, s.ctid AS ctid, s.xmin AS xmin FROM ONLY ${relation} s WHERE ${condition}`;
    // Block numbers are integers validated above: safe to inline.
    const read = tidRange
        ? runs
            .map(([from, to]) => rows(`s.ctid >= '(${from},0)'::tid AND s.ctid < '(${to},0)'::tid`))
            .join('\nUNION ALL\n')
        : rows(`s.ctid = ANY (ARRAY(
      SELECT format('(%s,%s)', b, o)::tid FROM unnest('{${runs.flatMap(([from, to]) => Array.from({ length: to - from }, (_, j) => from + j)).join(',')}}'::bigint[]) AS b,
             generate_series(1, ${MAX_HEAP_TUPLES_PER_PAGE}) AS o))`);
    return `SELECT ${cols} FROM (${read}\nOFFSET 0) t${where ? ` WHERE ${where}` : ''}`;
}
/**
 * Run in the session that holds snapshot S, with the candidates' addresses (`$1::tid[]`): the
 * versions S saw. A TID scan returns the tuple at an address only if S sees it, and while S is
 * held a tuple S sees cannot be pruned, so its address holds no other version: a candidate
 * found here with the same table and `xmin` is the very version S saw, unchanged since. This is
 * S's own visibility (its subtransactions included, which `pg_current_snapshot()` leaves out of
 * its in-progress list), so transactions elsewhere in the cluster, replication slots and frozen
 * tuples widen the candidates, never the result.
 */
function seenAtBaseSql(table) {
    return `SELECT ${VERSION_SQL} AS v FROM ${(0,checksum/* fromTable */.bs)(table)} t WHERE t.ctid = ANY($1::tid[])`;
}
/** The candidate versions S did not see: written since the base snapshot, in the order given. */
async function changedSinceBase(baseSnapshot, table, candidates) {
    if (candidates.length === 0)
        return [];
    for (const v of candidates)
        if (!VERSION_TEXT.test(v))
            throw new Error(`Unexpected row version ${v}`);
    const tids = [...new Set(candidates.map((v) => VERSION_TEXT.exec(v)[2]))];
    const { rows } = await baseSnapshot.query(seenAtBaseSql(table), [tids]);
    const seen = new Set(rows.map((r) => r.v));
    return candidates.filter((v) => !seen.has(v));
}
/** Predicate (alias t) for exactly these row versions; they are validated numbers and TIDs, safe to inline. */
function versionsWhere(versions) {
    const parsed = versions.map((v) => {
        const m = VERSION_TEXT.exec(v);
        if (!m)
            throw new Error(`Unexpected row version ${v}`);
        return { oid: m[1], tid: m[2] };
    });
    const tids = [...new Set(parsed.map((p) => p.tid))].map((t) => `"${t}"`).join(',');
    const pairs = parsed.map((p) => `"${p.oid}:${p.tid}"`).join(',');
    return `t.ctid = ANY('{${tids}}'::tid[]) AND (t.tableoid::oid::text || ':' || t.ctid::text) = ANY('{${pairs}}'::text[])`;
}
/**
 * `(key columns of t) IN (the keys given as text arrays $from, $from+1, …)`, compared as the
 * key's own types, so the key's index finds them (never a text comparison over every row).
 */
function keyIn(table, types, from = 1) {
    const keys = table.keyColumns;
    const cols = keys.map((_, j) => `c${j}`);
    return `(${keys.map((k) => `t.${k}`).join(', ')}) IN (
     SELECT ${cols.map((c, j) => `u.${c}::${types[j]}`).join(', ')}
       FROM unnest(${cols.map((_, j) => `$${j + from}::text[]`).join(', ')}) AS u(${cols.join(', ')}))`;
}
/** How many of the keys (one text array per key column, `$1`, `$2`, …) the table has (see keyIn). */
function keysPresentSql(table, types) {
    return `SELECT count(*)::text AS n FROM ${(0,checksum/* fromTable */.bs)(table)} t WHERE ${keyIn(table, types)}`;
}
/** MaxHeapTuplesPerPage of PostgreSQL's default 8 kB pages. */
const MAX_HEAP_TUPLES_PER_PAGE = 291;
/**
 * The keys of the tenant's rows S saw in the blocks given (per relation oid) whose version is not
 * the tenant's now — deleted, updated, or no longer selected by its predicate: the only keys that
 * can be gone (see Block digests). The rows of those blocks are read at S (`baseSnapshot`) and
 * under the freeze (`source`), per relation (a partition by its own name), in batches of runs of
 * blocks (keysInBlocksSql); a version of the tenant's in both is the same row, unchanged and
 * still the tenant's (a version S sees cannot be pruned while S is held, so its address holds
 * nothing else). What is left grows with the writes, not with the rows sharing their blocks, and
 * only those keys are looked up. `read`: the tenant's rows read at S. Exported for tests.
 */
async function keysInChangedBlocks(baseSnapshot, source, table, blocks, 
/** PostgreSQL 14 or later (TID range scans): read before the freeze (prepareFreezePass). */
tidRange) {
    const rows = [];
    let read = 0;
    if (blocks.size === 0)
        return { rows, read };
    const { rows: relations } = await baseSnapshot.query(`SELECT c.oid::text AS o, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = ANY($1::oid[])`, [[...blocks.keys()]]);
    // Only the tenant's rows (rowWhere: the copy's predicate, per row): the other rows of those
    // blocks are never read out.
    const where = rowWhere(table);
    const BATCH = 200;
    for (const r of relations) {
        const relation = `${catch_up_qi(r.nspname)}.${catch_up_qi(r.relname)}`;
        const all = blocks.get(r.o);
        for (let i = 0; i < all.length; i += BATCH) {
            const batch = all.slice(i, i + BATCH);
            const atBase = await baseSnapshot.query(keysInBlocksSql(table, relation, batch, where, tidRange));
            read += atBase.rows.length;
            if (atBase.rows.length === 0)
                continue;
            const now = await source.query(keysInBlocksSql(table, relation, batch, where, tidRange, false));
            const still = new Set(now.rows.map((x) => x.v));
            for (const row of atBase.rows)
                if (!still.has(row.v))
                    rows.push(row);
        }
    }
    return { rows, read };
}
/** Of the keys given (text arrays `$1`, …), those the tenant's rows no longer have (run on the source). */
function keysGoneSql(table, types) {
    const keys = table.keyColumns;
    const cols = keys.map((_, j) => `c${j}`);
    return `SELECT ${cols.map((c) => `u.${c}`).join(', ')}
    FROM unnest(${cols.map((_, j) => `$${j + 1}::text[]`).join(', ')}) AS u(${cols.join(', ')})
   WHERE NOT EXISTS (SELECT 1 FROM ${(0,checksum/* fromTable */.bs)(table)} t
                      WHERE (${(0,plan_types/* perRow */.CE)(table)}) AND ${keys.map((k, j) => `t.${k} = u.c${j}::${types[j]}`).join(' AND ')})`;
}
/**
 * The base digests as `freezeScanSql` takes them (`$1`): per bucket (array index = bucket + 1)
 * its folded count and hash sum (see bucketDigest), 0 for a bucket S saw no candidate in — looked
 * up by index, never joined (the freeze's reads run without hash or merge joins, see
 * freeze-reads.ts).
 */
function denseDigests(buckets, digests) {
    const dense = new Array(buckets).fill('0');
    for (const d of digests)
        dense[Number(d.b)] = d.d;
    return [dense];
}
/**
 * A digest scan (baseScanSql with `totals`, baseVersionDigestSql without) folded into one row by
 * the server: what the scan computes is unchanged, only how it comes back. A row object per
 * bucket and per heap block (up to 65,536 buckets and one row per block of the tenant's rows) held
 * tens of MB of the client's heap at 1M rows, for every table at once; two strings per table hold
 * a few. Keys and digests are digits and `:` (bucketDigest is a bigint), so space and comma split
 * them.
 */
function foldedDigestsSql(scan, totals) {
    const notTotal = totals ? 'x.g <> 3 AND ' : '';
    return `SELECT ${totals ? 'max(x.n) FILTER (WHERE x.g = 3) AS n, max(x.s) FILTER (WHERE x.g = 3) AS s, ' : ''}
       string_agg(x.b || ' ' || x.d, ',') FILTER (WHERE ${notTotal}x.b IS NOT NULL) AS digests,
       string_agg(x.blk || ' ' || x.d, ',') FILTER (WHERE ${notTotal}x.b IS NULL AND x.blk IS NOT NULL) AS blocks
  FROM (${scan}) AS x`;
}
/** Calls `each` with every `key digest` pair of a folded list (see foldedDigestsSql). */
function eachFolded(folded, each) {
    if (!folded)
        return;
    for (let at = 0; at < folded.length;) {
        const space = folded.indexOf(' ', at);
        let end = folded.indexOf(',', space);
        if (end === -1)
            end = folded.length;
        each(folded.slice(at, space), folded.slice(space + 1, end));
        at = end + 1;
    }
}
/** The freeze pass's starting digests of one table from its folded scan (see foldedDigestsSql). */
function unfoldDigests(buckets, folded) {
    const digests = new Array(buckets).fill('0');
    eachFolded(folded.digests, (b, d) => (digests[Number(b)] = d));
    const blocks = BlockDigests.from((add) => eachFolded(folded.blocks, add));
    return { buckets, digests, blocks };
}
/** The version digests group up to 65,536 buckets: room to hash them in memory (set per transaction). */
const FREEZE_WORK_MEM = '64MB';
/**
 * What the freeze pass needs from snapshot S alone — the digests of the candidate versions S saw
 * — computed in the session holding S. S never changes, so this runs before the freeze: under
 * it, only the shared database's current rows are read.
 */
async function prepareFreezePass(baseSnapshot, base, changedFrom, 
/** The digests already taken at S by the base comparison's scan (compareAtBase): not read again. */
atBase) {
    await baseSnapshot.query(`SELECT set_config('work_mem', $1, true)`, [FREEZE_WORK_MEM]);
    const tables = base.map((b) => b.table);
    const edges = await readClosureEdges(baseSnapshot, tables);
    // Asked here, not once per table that lost rows inside the frozen window.
    const tidRange = (await (0,postgres_versions/* serverVersionNum */.og)(baseSnapshot)) >= 140000;
    const versions = new Map();
    for (const b of base) {
        const known = atBase?.get(b.table);
        if (known) {
            versions.set(b.table, known);
            continue;
        }
        const buckets = versionBuckets(b.count);
        const { rows } = await baseSnapshot.query(foldedDigestsSql(baseVersionDigestSql(b.table, changedFrom, buckets, { tables, edges }), false));
        versions.set(b.table, unfoldDigests(buckets, rows[0]));
    }
    return { versions, edges, tidRange };
}
/**
 * The switch's base pass over one table's tenant rows at snapshot S, in one read of the shared
 * database (run in the session holding S): the count and row-hash sum of the comparison (as
 * `wholeDigestSql` computes them, `g = 3`) and, from the same rows, the version digests the
 * freeze pass starts from (as `baseVersionDigestSql`: per candidate bucket `g = 1`, per heap
 * block `g = 2`). Both used to read the rows at S apart; S never changes, so one read gives
 * both (what costs is hashing the rows, not reading them). The rows are `table.where`'s, as the
 * comparison selects them; the freeze scan reads the same rows downwards (freeze-reads.ts), and
 * its counts are checked against these.
 */
function baseScanSql(table, form, columns, changedFrom, buckets) {
    const byBlock = findsDeletionsByBlock(table);
    const g = byBlock ? 'GROUPING(b, o)' : '(GROUPING(b) * 2 + 1)';
    return `SELECT ${g} AS g, CASE WHEN GROUPING(b) = 0 THEN b::text END AS b,
       ${byBlock ? `CASE WHEN GROUPING(o) = 0 THEN o::text || ':' || k::text END` : 'NULL::text'} AS blk,
       count(*)::text AS n, coalesce(sum(h), 0)::text AS s, ${bucketDigest('count(*)', 'sum(vh)')}::text AS d
  FROM (SELECT ${(0,checksum/* rowHashSqlOf */.UN)(form, table, columns)} AS h,
               CASE WHEN ${maybeChangedSql(changedFrom)} THEN ${bucketOfVersion(buckets)} ELSE -1 END AS b,
               ${byBlock ? `t.tableoid::oid AS o, ${blockOfRow} AS k, ` : ''}${hashOfVersion()} AS vh
          FROM ${(0,checksum/* fromTable */.bs)(table)} t WHERE ${table.where}) AS v
 GROUP BY GROUPING SETS ((), (b)${byBlock ? ', (o, k)' : ''})
HAVING GROUPING(b) = 1 OR b >= 0`;
}
/**
 * Runs `fn` over `items` on the given sessions, each session taking the next item when it is
 * free (largest first, by `weight`): the results in the order of `items`.
 */
async function onSessions(sessions, items, weight, fn) {
    const order = items.map((_, i) => i).sort((a, b) => weight(items[b]) - weight(items[a]));
    const out = new Array(items.length);
    let next = 0;
    await Promise.all(sessions.map(async (session) => {
        while (next < order.length) {
            const i = order[next++];
            out[i] = await fn(session, items[i]);
        }
    }));
    return out;
}
/**
 * The switch's base comparison at snapshot S (`baseSnapshot`, holding S) with the new database:
 * the shared side of each table in one read (baseScanSql) that also yields the digests the freeze
 * pass starts from (`versions`, for prepareFreezePass), the new database digested whole, both
 * sides at once. The shared side does twice the new database's work (two hashes per row), so it
 * is spread over `helpers` too: sessions that imported S (`SET TRANSACTION SNAPSHOT`), which see
 * exactly the rows, addresses and `xmin`s `baseSnapshot` sees. A table whose digests differ (or
 * whose column kinds do) is compared again per bucket in `baseSnapshot` (compareTable), which
 * locates the difference; its version digests stay those of S.
 */
async function compareAtBase(baseSnapshot, target, tables, form, opts) {
    xid32(opts.changedFrom);
    const sources = [baseSnapshot, ...(opts.helpers ?? [])];
    for (const s of sources)
        await s.query(`SELECT set_config('work_mem', $1, true)`, [FREEZE_WORK_MEM]);
    const columnsOf = new Map();
    for (const table of tables) {
        columnsOf.set(table, (0,checksum/* isColumnsForm */.uN)(form)
            ? (opts.columns.get(table.qualified) ?? (await (0,checksum/* readSideColumns */.Pj)(baseSnapshot, target, table, form)))
            : undefined);
    }
    // Sized on the plan's count (the freeze's lookups only; any size is sound).
    const bucketsOf = (table) => versionBuckets(table.rows ?? 0);
    const weight = (table) => table.bytes ?? table.rows ?? 0;
    const scanSql = (table) => baseScanSql(table, form, columnsOf.get(table)?.source, opts.changedFrom, bucketsOf(table));
    // The freeze pass rests on S's own transaction holding every relation it read at S until the
    // commit: VACUUM FULL, CLUSTER or a rewriting ALTER by someone else would otherwise move the
    // versions S saw, and the base's block digests would no longer say where they are (Block
    // digests). A helper's locks end with it, before the freeze; so S's transaction takes the very
    // locks each scan takes, by running it for no row (its planning locks what it reads, partitions
    // included, with no privilege beyond the scan's), before any helper starts.
    if (sources.length > 1)
        for (const table of tables)
            await baseSnapshot.query(`SELECT 1 FROM (${scanSql(table)}) AS s LIMIT 0`);
    const [scans, targetDigests] = await Promise.all([
        onSessions(sources, tables, weight, async (session, table) => {
            const { rows } = await session.query(foldedDigestsSql(scanSql(table), true));
            const folded = rows[0];
            return { total: { n: folded.n, s: folded.s }, versions: unfoldDigests(bucketsOf(table), folded) };
        }),
        onSessions([target], tables, weight, (session, table) => {
            const columns = columnsOf.get(table);
            return (0,checksum/* digestTable */.lN)(session, (0,plan_types/* onTarget */.Hp)(table), 'target', {
                form,
                buckets: checksum/* DEFAULT_BUCKETS */.Ec,
                locate: false,
                ...(columns && { columns: columns.target }),
            });
        }),
    ]);
    const compared = [];
    const versions = new Map();
    for (const [i, table] of tables.entries()) {
        const columns = columnsOf.get(table);
        const { total, versions: atS } = scans[i];
        const targetDigest = targetDigests[i];
        if (total.n == null || total.s == null)
            throw new Error(`${table.qualified}: the base scan returned no totals.`);
        versions.set(table, atS);
        const sourceDigest = (0,checksum/* wholeDigestOf */.Jw)(table, form, Number(total.n), total.s, columns?.source);
        const whole = (0,checksum/* compareDigests */.vR)(table.qualified, sourceDigest, targetDigest);
        const kindsAgree = (columns?.source ?? []).every((c, i) => c.kind === columns?.target[i]?.kind);
        if (whole.equal && kindsAgree) {
            compared.push({ table, source: sourceDigest, target: targetDigest, ...whole });
            continue;
        }
        compared.push({
            table,
            ...(await (0,checksum/* compareTable */.WK)(baseSnapshot, target, table, {
                form,
                expectDifference: true,
                ...(columns && { columns }),
            })),
        });
    }
    return { compared, versions };
}
/**
 * After a catch-up at snapshot S: compares the new database again with what the shared side held
 * at S. S never changes, so the shared side's digest of the first comparison still holds and
 * only the new database is read again (whole); a table still unequal is compared per bucket on
 * both sides, which locates what differs.
 */
async function recompareAtBase(baseSnapshot, target, first, opts) {
    const out = [];
    for (const c of first) {
        const { table } = c;
        const form = c.source.form;
        const columns = opts.columns.get(table.qualified);
        const targetDigest = await (0,checksum/* digestTable */.lN)(target, (0,plan_types/* onTarget */.Hp)(table), 'target', {
            form,
            buckets: checksum/* DEFAULT_BUCKETS */.Ec,
            locate: false,
            ...(columns && { columns: columns.target }),
        });
        const sourceDigest = (0,checksum/* wholeDigestOf */.Jw)(table, form, c.source.count, c.source.sum, c.source.columns);
        const whole = (0,checksum/* compareDigests */.vR)(table.qualified, sourceDigest, targetDigest);
        const kindsAgree = (columns?.source ?? []).every((k, i) => k.kind === columns?.target[i]?.kind);
        if (whole.equal && kindsAgree) {
            out.push({ table, source: sourceDigest, target: targetDigest, ...whole });
            continue;
        }
        out.push({
            table,
            ...(await (0,checksum/* compareTable */.WK)(baseSnapshot, target, table, { form, ...(columns && { columns }) })),
        });
    }
    return out;
}
/**
 * The catch-up under the freeze, incremental. The base is a state verified equal at snapshot S;
 * the caller holds S open in `baseSnapshot` until now. One pass over each table's tenant rows
 * counts them and lists the versions a cheap `xmin` test cannot rule out (`freezeScanSql`); the
 * session holding S then tells which of those it saw (`seenAtBaseSql`): the rest — exactly the
 * versions written since S, however many unrelated transactions are open in the cluster — are
 * re-read and upserted. What is applied grows with the writes, not with the tenant. Deleted rows
 * leave no version behind, so counts tell: a target with more rows than the source gets the keys
 * the source no longer has deleted. The digests follow arithmetically (a digest is a count and a
 * sum of row hashes; a version S saw is the row the target was verified to hold, and contributes
 * nothing). Whatever does not add up — a table without a key that lost rows, fewer rows in the
 * target than in the source — is compared and caught up in full, so the result is never a guess.
 *
 * (Chosen over comparing row hashes of the candidates with the target's: that hashes and ships
 * every candidate — every tenant row while a long transaction runs elsewhere — where this ships
 * their addresses and settles them by TID lookups, and it is exact for tables without a key too.)
 */
async function freezePass(source, target, base, 
/**
 * The oldest xid (xid8 text) whose writes S may not have seen in this database: the base
 * snapshot's `changedFrom` (base-snapshot.ts); S.xmin is sound too, only wider.
 */
changedFrom, 
/** The session holding snapshot S open (REPEATABLE READ): tells which versions and keys existed at S. */
baseSnapshot, guard, 
/** `prepareFreezePass`, run before the freeze (it reads only S); computed here without it. */
prepared, 
/**
 * Told, inside the apply transaction, the keys of each table the pass upserted or deleted (a
 * query returning `k text[]`, as `keyArraySql` spells them): the switch keeps its row ledger
 * equal to what the tenant's database holds (rollback-ledger.ts).
 */
onApplied) {
    xid32(changedFrom);
    // One form for the whole pass: its sums are recorded together under that form.
    const form = base[0]?.form ?? 'ledger';
    if (base.some((b) => b.form !== form))
        throw new Error('The freeze pass was given sums of two row hash forms.');
    // A per-column form's kinds come with the base: the catalog is not read under the freeze.
    if ((0,checksum/* isColumnsForm */.uN)(form) && base.some((b) => !b.columns))
        throw new Error(`The freeze pass was given '${form}' sums without their column kinds.`);
    const baseColumns = new Map(base.flatMap((b) => (b.columns ? [[b.table.qualified, b.columns]] : [])));
    const result = {
        verified: [],
        changedRows: 0,
        deletedRows: 0,
        fullyCompared: [],
        scannedRows: 0,
        candidateRows: 0,
        reappliedRows: 0,
        neededRows: 0,
        blockKeysRead: 0,
    };
    const settled = new Map();
    const unsettled = [];
    const sourceCounts = new Map();
    const changed = new Map();
    const atBase = prepared ?? (await prepareFreezePass(baseSnapshot, base, changedFrom));
    await source.query(`SELECT set_config('work_mem', $1, true)`, [FREEZE_WORK_MEM]);
    const graph = { tables: base.map((b) => b.table), edges: atBase.edges };
    // Only the tenant's rows, through indexes (freeze-reads.ts), until the full comparison below.
    const restorePlanner = [await indexDrivenReads(source), await indexDrivenReads(baseSnapshot)];
    // Per table, the heap blocks (by relation oid) whose versions differ from S's (Block digests).
    const changedBlocks = new Map();
    for (const b of base) {
        const { buckets, digests, blocks } = atBase.versions.get(b.table);
        const { rows } = await source.query(freezeScanSql(b.table, changedFrom, buckets, graph), [digests]);
        // The rows of the version aggregate carry the totals; none at all means no tenant rows.
        const totals = rows.find((r) => r.total !== null);
        const count = Number(totals?.total ?? 0);
        const candidates = [];
        const differing = new Map();
        const differs = (blk) => {
            const [oid, block] = blk.split(':');
            const list = differing.get(oid);
            if (list)
                list.push(Number(block));
            else
                differing.set(oid, [Number(block)]);
        };
        for (const r of rows)
            for (const v of r.v ?? [])
                candidates.push(v);
        blocks.differing((visit) => {
            for (const r of rows)
                eachFolded(r.blocks, visit);
        }, differs);
        changedBlocks.set(b.table, differing);
        result.candidateRows += Number(totals?.m ?? 0);
        sourceCounts.set(b.table, count);
        result.scannedRows += count;
        changed.set(b.table, await changedSinceBase(baseSnapshot, b.table, candidates));
    }
    // Target-side SQL names each table where it is in the tenant's database or schema (onTarget,
    // targetOf: the identity at database level); source-side SQL and the maps keep the plan's table.
    await inApplyTransaction(target, base.map((b) => (0,plan_types/* onTarget */.Hp)(b.table)), async (s) => {
        // 1. Stage what changed; the digest after applying it follows from the rows it replaces.
        const state = new Map();
        for (const [i, b] of base.entries()) {
            const stage = stageName(i);
            const versions = changed.get(b.table);
            const sourceCount = sourceCounts.get(b.table);
            let staged = 0;
            if (versions.length) {
                const columns = stageColumns(b.table, s.tables.get((0,plan_types/* targetOf */.$r)(b.table)));
                staged = await stageRows(source, target, b.table, columns, stage, selectWhere(b.table, columns, versionsWhere(versions)));
            }
            result.changedRows += staged;
            if (staged !== versions.length) {
                // A listed version is gone already: the tenant's rows changed under the freeze.
                unsettled.push(b.table);
                continue;
            }
            if (b.table.keyColumns.length === 0) {
                // Without a key, rows are settled only while every version S saw is still there (the
                // rest of the rows are the staged ones): then the staged rows are only inserted.
                if (sourceCount - staged !== b.count) {
                    unsettled.push(b.table);
                    continue;
                }
                const fresh = staged ? await aggregate(target, b, `FROM ${stage} t`) : { count: 0, sum: 0n };
                state.set(b.table, { count: b.count + fresh.count, sum: b.sum + fresh.sum, staged });
                continue;
            }
            if (staged === 0) {
                state.set(b.table, { count: b.count, sum: b.sum, staged });
                continue;
            }
            const keys = b.table.keyColumns;
            const replaced = await aggregate(target, b, `FROM ${(0,checksum/* fromTable */.bs)((0,plan_types/* onTarget */.Hp)(b.table))} t WHERE EXISTS (SELECT 1 FROM ${stage} s WHERE ${keyMatch(keys, 's', 't')})`);
            const fresh = await aggregate(target, b, `FROM ${stage} t`);
            state.set(b.table, {
                count: b.count - replaced.count + fresh.count,
                sum: b.sum - replaced.sum + fresh.sum,
                staged,
            });
        }
        // A dependent row belongs to the tenant through its parents. A parent row that moved to
        // this tenant since S brings rows below it that did not change themselves (and a deletion
        // elsewhere could hide them from the counts). A staged key the new database lacks either is
        // a new row or moved here: if it already existed at S (under any tenant), it moved, and the
        // tables below it are settled by a full comparison, never by increments. (A row moving away
        // takes its rows with it; the counts then fall, which the key diff below handles.) The keys
        // are looked up as their own types, through the parent's key index.
        const parents = new Set(base.flatMap((b) => (b.table.kind === 'dependent' ? ancestors(b.table, base) : [])));
        const movedIn = new Set();
        for (const [i, b] of base.entries()) {
            const st = state.get(b.table);
            if (!st || st.staged === 0 || !parents.has(b.table.qualified) || b.table.keyColumns.length === 0)
                continue;
            const keys = b.table.keyColumns;
            const fresh = await target.query(`SELECT ${keys.map((k, j) => `t.${k}::text AS c${j}`).join(', ')} FROM ${stageName(i)} t
            WHERE NOT EXISTS (SELECT 1 FROM ${(0,checksum/* fromTable */.bs)((0,plan_types/* onTarget */.Hp)(b.table))} x WHERE ${keyMatch(keys, 'x', 't')})`);
            if (fresh.rows.length === 0)
                continue;
            const types = await (0,rollback_ledger/* keyTypesOf */.wJ)(baseSnapshot, b.table);
            const existed = await baseSnapshot.query(keysPresentSql(b.table, types), keys.map((_, j) => fresh.rows.map((r) => r[`c${j}`])));
            if (Number(existed.rows[0].n) > 0)
                movedIn.add(b.table.qualified);
        }
        for (const b of base) {
            if (!state.has(b.table))
                continue;
            const below = b.table.kind === 'dependent' && ancestors(b.table, base).some((q) => movedIn.has(q));
            // The rows a moved-in parent brings can reference rows the tenant did not need before (a
            // task's assignee, that user's tokens): tables whose rows are chosen through references
            // are compared in full as well, never settled on a count that one row in and one out
            // would balance.
            const chosenByReference = b.table.kind === 'referenced' || b.table.ownWhere !== undefined;
            if (below || (movedIn.size > 0 && chosenByReference)) {
                state.delete(b.table);
                unsettled.push(b.table);
            }
        }
        // Rows that became needed since S without changing — the user and the global role of a
        // membership added since — found from the changed rows (see freeze-closure.ts). Their keys
        // are ones the new database lacks, so each only adds to the digest. (After the moved-in test
        // above, which is about rows that changed.)
        const stageOf = new Map(base.map((b, i) => [b.table, stageName(i)]));
        const needed = await stageNeededRows(source, {
            target,
            columns: (t) => stageColumns(t, s.tables.get((0,plan_types/* targetOf */.$r)(t))),
            changed: (t) => (changed.get(t)?.length ? stageOf.get(t) : undefined),
        }, base.map((b) => b.table), atBase.edges);
        for (const b of base) {
            const n = needed.get(b.table);
            const st = state.get(b.table);
            if (!n?.rows || !st)
                continue;
            const stage = stageOf.get(b.table);
            const columns = stageColumns(b.table, s.tables.get((0,plan_types/* targetOf */.$r)(b.table)));
            const cols = columns.join(', ');
            if (!changed.get(b.table)?.length)
                await createStage(target, (0,plan_types/* onTarget */.Hp)(b.table), columns, stage);
            await target.query(`INSERT INTO ${stage} (${cols}) SELECT ${cols} FROM ${n.temp}`);
            const fresh = await aggregate(target, b, `FROM ${n.temp} t`);
            st.count += fresh.count;
            st.sum += fresh.sum;
            st.staged += n.rows;
            result.neededRows += n.rows;
        }
        // 2. Keys the source no longer has: with more rows than the source, the target loses them.
        // Accounted for now (before anything is applied), deleted after the upserts. Staged keys
        // are current source keys, so the two sets never overlap. First from the keys S saw in the
        // blocks whose versions changed since (Block digests: bounded by the writes); if the counts
        // still do not add up, from every key of the tenant's rows.
        const gone = new Map();
        for (const [i, b] of base.entries()) {
            const st = state.get(b.table);
            const sourceCount = sourceCounts.get(b.table);
            if (!st || st.count <= sourceCount)
                continue;
            const keys = b.table.keyColumns;
            // The keys S saw in the blocks whose versions changed since (Block digests): read at S,
            // bounded by the blocks the writes touched — not a second read of the tenant's rows.
            const touched = await keysInChangedBlocks(baseSnapshot, source, b.table, changedBlocks.get(b.table), atBase.tidRange);
            result.scannedRows += touched.read;
            result.blockKeysRead += touched.read;
            if (touched.rows.length) {
                const types = await (0,rollback_ledger/* keyTypesOf */.wJ)(baseSnapshot, b.table);
                const vanished = await source.query(keysGoneSql(b.table, types), keys.map((_, j) => touched.rows.map((r) => r[`c${j}`])));
                if (vanished.rows.length) {
                    const params = keys.map((_, j) => vanished.rows.map((r) => r[`c${j}`]));
                    const sql = `FROM ${(0,checksum/* fromTable */.bs)((0,plan_types/* onTarget */.Hp)(b.table))} t WHERE ${keyIn(b.table, types)}`;
                    const { rows } = await target.query(`SELECT count(*)::text AS n, sum(${targetRowHashSql(b)})::text AS s ${sql}`, params);
                    const count = Number(rows[0].n);
                    const sum = BigInt(rows[0].s ?? '0');
                    if (st.count - count === sourceCount) {
                        gone.set(i, { sql, params });
                        result.deletedRows += count;
                        st.count -= count;
                        st.sum -= sum;
                        continue;
                    }
                }
            }
            const keyStage = `__tp_keys_${i}`;
            await target.query(`CREATE TEMP TABLE ${keyStage} ON COMMIT DROP AS SELECT ${keys.map((k) => `t.${k}`).join(', ')} FROM ${(0,plan_types/* targetOf */.$r)(b.table)} t WITH NO DATA`);
            const reader = source.query((0,pg_copy_streams.to)(`COPY (SELECT ${keys.map((k) => `t.${k}`).join(', ')} FROM ${(0,checksum/* fromTable */.bs)(b.table)} t WHERE ${drivenWhere(b.table, graph)}) TO STDOUT`));
            const writer = target.query((0,pg_copy_streams/* from */.H)(`COPY ${keyStage} (${keys.join(', ')}) FROM STDIN`));
            await (0,external_node_stream_promises_.pipeline)(reader, writer);
            result.scannedRows += sourceCount;
            const where = `FROM ${(0,checksum/* fromTable */.bs)((0,plan_types/* onTarget */.Hp)(b.table))} t WHERE NOT EXISTS (SELECT 1 FROM ${keyStage} k WHERE ${keyMatch(keys, 'k', 't')})`;
            const removed = await aggregate(target, b, where);
            gone.set(i, { sql: where, params: [] });
            result.deletedRows += removed.count;
            st.count -= removed.count;
            st.sum -= removed.sum;
        }
        // 3. Upserts, parents first: a re-pointed child finds its new parent, a row deleted and
        // re-inserted with the same key is updated in place. A table without a key only gains rows.
        for (const [i, b] of base.entries()) {
            const st = state.get(b.table);
            if (!st || st.staged === 0)
                continue;
            if (b.table.keyColumns.length === 0) {
                const cols = b.table.columns.join(', ');
                await target.query(`INSERT INTO ${(0,plan_types/* targetOf */.$r)(b.table)} (${cols}) OVERRIDING SYSTEM VALUE SELECT ${cols} FROM ${stageName(i)}`);
            }
            else
                await applyStaged(s, (0,plan_types/* onTarget */.Hp)(b.table), stageName(i));
            result.reappliedRows += st.staged;
        }
        // 4. Deletes, children first: no remaining row references a deleted one, no action fires.
        const goneKeys = new Map();
        for (let i = base.length - 1; i >= 0; i--) {
            const g = gone.get(i);
            if (!g)
                continue;
            if (onApplied) {
                // The deleted keys come back from the DELETE itself: the rows are found once.
                const temp = `__tp_gone_${i}`;
                await target.query(`CREATE TEMP TABLE ${temp} (k text[]) ON COMMIT DROP`);
                await target.query(`WITH d AS (DELETE ${g.sql} RETURNING ${(0,rollback_ledger/* keyArraySql */.Xy)(base[i].table)} AS k) INSERT INTO ${temp} (k) SELECT k FROM d`, g.params);
                goneKeys.set(i, temp);
            }
            else
                await target.query(`DELETE ${g.sql}`, g.params);
        }
        if (onApplied) {
            for (const [i, b] of base.entries()) {
                const st = state.get(b.table);
                const sources = [
                    ...(st?.staged ? [`SELECT ${(0,rollback_ledger/* keyArraySql */.Xy)(b.table, 's')} AS k FROM ${stageName(i)} s`] : []),
                    ...(goneKeys.has(i) ? [`SELECT k FROM ${goneKeys.get(i)}`] : []),
                ];
                if (sources.length)
                    await onApplied(target, b.table, sources.join(' UNION ALL '));
            }
        }
        result.reappliedRows += result.deletedRows;
        for (const b of base) {
            const st = state.get(b.table);
            if (!st)
                continue;
            // Fewer rows than the source: a row became the tenant's without changing (its parent
            // moved). Not settled by increments.
            if (st.count !== sourceCounts.get(b.table))
                unsettled.push(b.table);
            else
                settled.set(b.table, { table: b.table, count: st.count, sum: st.sum, form: b.form });
        }
    }, guard);
    for (const restore of restorePlanner)
        await restore();
    // Whatever the increments could not settle is compared and caught up in full.
    if (unsettled.length) {
        // Settled in the base's form, so the recorded digests are all of the form the record names.
        // Their counts disagree (that is why they are unsettled): under the freeze, locate at once
        // rather than digest whole first.
        const compared = await compareTables(source, target, unsettled, form, {
            expectDifference: true,
            columns: baseColumns,
        });
        for (const c of compared)
            result.scannedRows += c.source.count;
        const changed = compared.filter((c) => !c.equal);
        let settledFull = compared;
        if (changed.length) {
            const stats = await catchUp(source, target, compared, guard);
            for (const st of stats)
                result.reappliedRows += st.staged + st.deleted;
            // Only what differed is read again: the rest is equal at this (frozen) instant already.
            const again = await compareTables(source, target, changed.map((c) => c.table), form, { columns: baseColumns });
            for (const c of again)
                result.scannedRows += c.source.count;
            settledFull = compared.map((c) => (c.equal ? c : again.find((x) => x.table === c.table)));
        }
        const unequal = settledFull.filter((c) => !c.equal);
        if (unequal.length) {
            throw new Error(`still different after a full catch-up: ${unequal
                .flatMap((c) => c.differences)
                .slice(0, 5)
                .join('; ')}`);
        }
        for (const c of settledFull)
            settled.set(c.table, verifiedFrom(c));
        result.fullyCompared = unsettled.map((t) => t.qualified);
    }
    result.verified = base.map((b) => settled.get(b.table));
    return result;
}
/** The planned tables a table reaches through its foreign keys, transitively (its owners). */
function ancestors(table, base) {
    const byName = new Map(base.map((b) => [b.table.qualified, b.table]));
    const seen = new Set();
    const walk = (t) => {
        for (const fk of t.foreignKeys ?? []) {
            if (seen.has(fk.references) || fk.references === t.qualified)
                continue;
            seen.add(fk.references);
            const parent = byName.get(fk.references);
            if (parent)
                walk(parent);
        }
    };
    walk(table);
    return [...seen];
}
/**
 * Count and hash sum (in the base's form) of the rows `fromWhere` selects in the new database
 * (alias t, the table's planned columns, of the new database's types); added to recorded sums.
 */
async function aggregate(target, base, fromWhere) {
    const { rows } = await target.query(`SELECT count(*)::text AS n, sum(${targetRowHashSql(base)})::text AS s ${fromWhere}`);
    return { count: Number(rows[0].n), sum: BigInt(rows[0].s ?? '0') };
}
/**
 * `session_replication_role = replica` turns off foreign-key enforcement and triggers for this
 * transaction, so rows can be applied in any order; it needs a superuser (or GRANT SET on it).
 * Without it, the apply order, deferred keys and set-aside rows keep foreign keys (see above).
 */
async function tryReplicaMode(target) {
    await target.query('SAVEPOINT replica_mode');
    try {
        await target.query(`SET LOCAL session_replication_role = replica`);
        await target.query('RELEASE SAVEPOINT replica_mode');
        return true;
    }
    catch {
        await target.query('ROLLBACK TO SAVEPOINT replica_mode');
        return false;
    }
}

// EXTERNAL MODULE: ./src/postgres/sequence-ranges.ts
var sequence_ranges = __webpack_require__(78569);
// EXTERNAL MODULE: ./src/pipeline/tenant-state.ts
var tenant_state = __webpack_require__(95136);
;// CONCATENATED MODULE: ./src/postgres/base-snapshot.ts
/**
 * Run as the first statement of the REPEATABLE READ transaction that holds S: takes S and reads,
 * in the same statement, which transactions run in other databases.
 */
const BASE_SNAPSHOT_SQL = `
SELECT pg_snapshot_xmin(s.s)::text AS xmin, pg_snapshot_xmax(s.s)::text AS xmax,
       ARRAY(SELECT x::text FROM pg_snapshot_xip(s.s) AS x) AS xip,
       ARRAY(SELECT a.backend_xid::text FROM pg_stat_activity a
              WHERE a.backend_xid IS NOT NULL AND a.datid IS NOT NULL
                AND a.datid <> (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
             UNION ALL
             SELECT p.transaction::text FROM pg_prepared_xacts p
              WHERE p.database IS NOT NULL AND p.database <> current_database()) AS elsewhere
  FROM (SELECT pg_current_snapshot() AS s) AS s`;
const XID = /^\d+$/;
/** The 32-bit xid of an xid8 (row headers and pg_stat_activity hold 32-bit xids). */
const low32 = (xid8) => BigInt(xid8) % 4294967296n;
/**
 * The lower bound of the xids S may not have seen here (see the module comment), and how many
 * in-progress xids of S it leaves out as proven elsewhere. Pure.
 */
function changedFromXid(facts) {
    for (const x of [facts.xmin, facts.xmax, ...facts.xip, ...facts.elsewhere])
        if (!XID.test(x))
            throw new Error(`Unexpected transaction id ${x}`);
    const elsewhere = new Set(facts.elsewhere.map((x) => BigInt(x)));
    let bound = BigInt(facts.xmax);
    let openElsewhere = 0;
    for (const x of facts.xip) {
        const x8 = BigInt(x);
        if (elsewhere.has(low32(x)))
            openElsewhere++;
        else if (x8 < bound)
            bound = x8;
    }
    // Never below S.xmin (no in-progress xid is): the bound only ever narrows the horizon test.
    const xmin = BigInt(facts.xmin);
    return { changedFrom: (bound < xmin ? xmin : bound).toString(), openElsewhere };
}
/** Takes S in `client` (which must have just begun a REPEATABLE READ transaction) and its bound. */
async function takeBaseSnapshot(client) {
    const { rows } = await client.query(BASE_SNAPSHOT_SQL);
    const facts = rows[0];
    return { ...facts, ...changedFromXid(facts) };
}

;// CONCATENATED MODULE: ./src/pipeline/steps/switch.ts




















/**
 * Freeze, catch up, switch — the commit point.
 *
 * The application contract (README): a write transaction reads the tenant row `FOR SHARE` and
 * writes to the shared database only while it says `shared`. So holding the tenant row
 * `FOR UPDATE` stops exactly this tenant's writers — no other tenant waits on it.
 *
 * 1. Base, without any lock: at one snapshot S, digest both sides per key bucket, apply what
 *    changed since the copy, and verify every table equal (this pass does the bulk while writes
 *    go on). S stays open until the commit.
 * 2. Freeze: lock the tenant row FOR UPDATE (lock_timeout = max-freeze) and apply only what
 *    changed since S — rows whose xmin S did not see, and keys the source no longer has; the
 *    digests follow arithmetically (see freezePass), and a table the increments cannot settle is
 *    compared in full. Then mark the tenant isolated and COMMIT. The time from lock to commit is
 *    the freeze, measured and reported; past max-freeze the run gives up cleanly (ROLLBACK: the
 *    tenant stays shared, and the run undoes what it built).
 */
/**
 * The row hash of the switch's comparisons and of the digests it records: the versioned
 * per-column form ('columns-1'; ~0.4× the fast form's cost, measured in scripts/bench-hash.ts).
 * The record names the form, so cleanup and status --verify recompute exactly that recipe
 * (older records: 'fast', or md5 without a form). Both later readers hash the tenant's database
 * or the shared one on a server of the same byte order as at the switch (parts of the hash are
 * byte-order dependent, checksum.ts ColumnHashKind); a database moved to a big-endian server
 * would report its rows changed, never equal by mistake.
 */
const SWITCH_FORM = checksum/* COLUMNS_FORM */.re;
const switchStep = {
    name: 'switch',
    title: 'Freeze, catch up and switch',
    commitPoint: true,
    async run(ctx) {
        await (0,steps_plan/* releaseSnapshot */["if"])(ctx);
        const plan = ctx.plan;
        const tables = plan.tables;
        const maxFreeze = ctx.options.maxFreezeMs;
        // `base` holds the base snapshot open until the commit: VACUUM cannot freeze row versions
        // newer than it, so the freeze pass finds every row changed since by its xmin.
        const [source, target, base] = (await (0,connect/* connectAll */.Q5)([
            ctx.servers.sharedUrl,
            (0,tenant_place/* tenantDatabaseUrl */.Z8)(ctx),
            ctx.servers.sharedUrl,
        ]));
        let killer;
        let targetKiller;
        try {
            for (const c of [source, base]) {
                await (0,connect/* setTenantId */.si)(c, plan.tenantId);
                await (0,checksum/* setComparableSession */.LP)(c);
            }
            await (0,checksum/* setComparableSession */.LP)(target);
            // Where the unfrozen time goes, per phase (recorded with the freeze; see the README).
            const unfrozenMs = {};
            let phaseStart = performance.now();
            const phase = (name) => {
                const now = performance.now();
                unfrozenMs[name] = Math.round((unfrozenMs[name] ?? 0) + now - phaseStart);
                phaseStart = now;
            };
            // 1. Base: at one snapshot, digest both sides and apply what changed since the copy.
            await base.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
            // S, and the oldest xid whose writes S may not have seen in this database: transactions
            // open in other databases of the cluster never widen what the freeze pass re-reads.
            const snapshot = await takeBaseSnapshot(base);
            const changedFrom = snapshot.changedFrom;
            // These sums, carried through the freeze pass, become the digests recorded at the switch
            // (verifiedFrom), which cleanup and status --verify compare later in the form the record
            // names (checksum.ts RecordedDigest). The rollback's row ledger stays md5. The column
            // kinds are read here, once: every later comparison and the freeze pass reuse them.
            const columns = await readColumnsByTable(base, target, tables, SWITCH_FORM);
            phase('snapshotAndColumns');
            // One read of the tenant's shared rows at S gives the comparison's digests and the ones the
            // freeze pass starts from (compareAtBase); the new database is digested at the same time.
            // The shared side hashes each row twice (the row, its version), the new database once: a
            // second session at S on the shared side keeps both sides busy.
            const helper = await sessionAtSnapshot(ctx, base);
            let compared;
            try {
                compared = await compareAtBase(base, target, tables, SWITCH_FORM, {
                    columns,
                    changedFrom,
                    helpers: helper ? [helper] : [],
                });
            }
            finally {
                await helper?.end().catch(() => undefined);
            }
            const { compared: first, versions: atBase } = compared;
            phase('compare');
            const firstChanged = first.filter((c) => !c.equal);
            // Every write into the new database proves, in its own transaction, that the database is
            // still this run's: a run that lost the tenant never writes into another run's database.
            const guard = (t) => (0,postgres_ownership/* assertRunMarker */.KD)(t, ctx.names.slug, ctx.run.id, 'catching up', (0,tenant_place/* toolSchema */.wl)(ctx));
            let settledBase = first;
            if (firstChanged.length) {
                await catchUp(base, target, first, guard);
                // The shared side's digests at S still hold: only the new database is read again.
                const again = await recompareAtBase(base, target, firstChanged, { columns });
                settledBase = first.map((c) => (c.equal ? c : again.find((x) => x.table === c.table)));
                phase('catchUp');
            }
            const unequalBase = settledBase.filter((c) => !c.equal);
            if (unequalBase.length) {
                throw new errors/* PromotionError */.g1('validation-failed', `After catch-up the new database still differs: ${unequalBase
                    .flatMap((c) => c.differences)
                    .slice(0, 5)
                    .join('; ')}`, 'Nothing was switched. Re-run; if it persists, report it with the differences above.');
            }
            // Large objects the tenant's rows reference now, at the base snapshot: copied if new since
            // the copy, replaced if changed (hashed on both sides).
            const loColumns = plan.largeObjects?.columns ?? [];
            const loRoles = { owner: ctx.names.ownerRole, app: ctx.names.appRole };
            // Into the shared database the objects are the same ones (one pg_largeobject per database):
            // those referenced now are granted to the tenant's role instead (shared-large-objects.ts).
            const grantInPlace = async (from) => {
                const oids = await (0,large_objects/* referencedLargeObjects */.rO)(from, loColumns, plan.tables);
                if (oids.length === 0)
                    return;
                await target.query('BEGIN');
                try {
                    await guard(target);
                    await (0,shared_large_objects/* grantSharedLargeObjects */.NM)(target, oids, loColumns, ctx.names.appRole);
                    await target.query('COMMIT');
                }
                catch (e) {
                    await target.query('ROLLBACK').catch(() => undefined);
                    throw e;
                }
            };
            const inPlace = (0,tenant_place/* intoSharedDatabase */.vq)(ctx);
            if (loColumns.length && inPlace)
                await grantInPlace(base);
            else if (loColumns.length)
                await (0,large_objects/* syncLargeObjects */.VR)(base, target, plan, { roles: loRoles, guard, columns: loColumns });
            phase('largeObjects');
            // What the tenant's database holds of the rows both sides may write, for the rollback's
            // three-way merge (rollback-ledger.ts); before the freeze, so it never lengthens it by more
            // than the rows the freeze pass re-applies (it updates their entries).
            // In the tool schema beside the tenant's tables (its own in the shared database).
            await (0,rollback_ledger/* recordRowLedger */.Zu)(target, plan, (0,tenant_place/* toolSchema */.wl)(ctx), guard);
            phase('rowLedger');
            // What the freeze pass needs from the base snapshot alone is read before the freeze.
            const freezeBase = settledBase.map(verifiedFrom);
            const prepared = await prepareFreezePass(base, freezeBase, changedFrom, atBase);
            phase('freezeBase');
            // Failpoint for tests: writes made here land between the base snapshot and the freeze.
            await ctx.deps.fault?.('switch:before-freeze');
            // 2. Freeze: only what changed since the base snapshot is read, applied and accounted for.
            // Opened before the freeze, so the watchdog can cancel without first connecting.
            killer = await (0,connect/* connect */.Ng)(ctx.servers.sharedUrl);
            // A backend id means something only on its own server: the target's sessions are
            // cancelled through a session on the target server.
            if (ctx.servers.separate)
                targetKiller = await (0,connect/* connect */.Ng)(ctx.servers.targetAdminUrl);
            await source.query('BEGIN');
            let lockedAt = 0;
            let watchdog;
            try {
                await source.query(`SELECT set_config('lock_timeout', $1, true)`, [`${maxFreeze}ms`]);
                // If this runner dies while frozen, the server ends the session (and the freeze) itself,
                // instead of waiting for TCP to notice.
                await source.query(`SELECT set_config('idle_in_transaction_session_timeout', $1, true)`, [
                    `${maxFreeze + 5000}ms`,
                ]);
                const locked = await source.query(`SELECT 1 FROM ${(0,sql/* quoteQualified */.$s)(ctx.options.tenantsTable)} t WHERE t.slug = $1 FOR UPDATE`, [ctx.names.slug]);
                if (locked.rowCount !== 1) {
                    throw new errors/* PromotionError */.g1('tenant-state', `Tenant "${ctx.names.slug}" is no longer in ${ctx.options.tenantsTable}; nothing was switched.`, 'Check the tenants table.');
                }
                lockedAt = performance.now();
                // Under the row lock: only the run that owns the tenant may switch it.
                await (0,ownership/* assertOwnerIn */.zp)(ctx, source, 'the switch');
                // Whatever remains of the window bounds every statement under the freeze.
                await source.query(`SELECT set_config('statement_timeout', $1, true)`, [`${maxFreeze}ms`]);
                // statement_timeout bounds each statement, not their sum: a watchdog cancels whatever runs
                // when the whole window is used up, so the tenant's writes never wait past max-freeze.
                watchdog = freezeWatchdog(targetKiller
                    ? [
                        [killer, [source]],
                        [targetKiller, [target]],
                    ]
                    : [[killer, [source, target]]], maxFreeze - (performance.now() - lockedAt));
                let pass;
                try {
                    // The ledger follows the rows the pass re-applies, in the same frozen transaction.
                    pass = await freezePass(source, target, freezeBase, changedFrom, base, guard, prepared, (t, table, keys) => (0,rollback_ledger/* updateRowLedger */.vn)(t, plan, table, keys, (0,tenant_place/* toolSchema */.wl)(ctx)));
                    // Tables settled by a full comparison: their changed rows have no list, recorded anew.
                    if (pass.fullyCompared.length)
                        await (0,rollback_ledger/* rerecordLedgerTables */.jt)(target, plan, pass.fullyCompared, (0,tenant_place/* toolSchema */.wl)(ctx), guard);
                }
                catch (e) {
                    if (e instanceof errors/* PromotionError */.g1 || isTimeout(e))
                        throw e;
                    throw new errors/* PromotionError */.g1('validation-failed', `Catching up under the freeze failed: ${e.message}`, 'Nothing was switched. Re-run; if it persists, a writer may be ignoring the FOR SHARE contract (see README).', { cause: e });
                }
                // Under the freeze only objects referenced by rows written since the base pass can be
                // missing: those are copied (what the rows reference is read at the frozen state).
                if (loColumns.length && inPlace)
                    await grantInPlace(source);
                else if (loColumns.length) {
                    await (0,large_objects/* syncLargeObjects */.VR)(source, target, plan, {
                        roles: loRoles,
                        guard,
                        columns: loColumns,
                        verify: 'missing',
                    });
                }
                // The new database's sequences get the tenant's range from the register (reserved at the
                // plan; past every copied id, disjoint from the shared side and every other tenant) before any
                // writer can switch over; the applied ranges commit with the switch (sequence-ranges.ts).
                await (0,sequence_ranges/* applySequenceRanges */.a2)(source, target, {
                    tenantsTable: ctx.options.tenantsTable,
                    slug: ctx.names.slug,
                    sourceSchemas: ctx.schemaLayout ? (0,schema_layout/* inverseSchemaMap */.YI)(ctx.schemaLayout.layout) : undefined,
                });
                await watchdog.disarm();
                const elapsed = performance.now() - lockedAt;
                if (elapsed > maxFreeze)
                    throw freezeTimeout(maxFreeze, elapsed);
                const verified = Object.fromEntries(pass.verified.map((v) => [v.table.qualified, (0,checksum/* recordDigest */.kd)(v.form, v.count, v.sum.toString())]));
                ctx.verified = verified;
                const tenant = await (0,tenants/* readTenant */.RM)(source, ctx.options.tenantsTable, ctx.names.slug);
                const isolation = {
                    ...(tenant.isolation ?? { history: [] }),
                    state: 'switched',
                    isolated_db_name: (0,tenant_place/* tenantDatabase */.kL)(ctx),
                    isolated_at: new Date().toISOString(),
                    migration_version: tenant_state/* MIGRATION_VERSION */.ol,
                    source_database: ctx.sharedDatabase,
                    isolated_server: ctx.servers.separate ? (0,servers/* serverName */.L5)(ctx.servers.targetAdminUrl) : undefined,
                    app_role: ctx.names.appRole,
                    owner_role: ctx.names.ownerRole,
                    // Database level writes nothing new here: a tenant row reads as it did before issue 21 —
                    // and a schema-level promotion rolled back before leaves no level or mapping behind
                    // (undefined keys are not stored).
                    ...(ctx.record.schemaLayout
                        ? {
                            isolation_level: 'schema',
                            schema: {
                                into: ctx.record.schemaLayout.into,
                                mappings: ctx.record.schemaLayout.mappings,
                                search_path: ctx.record.schemaLayout.searchPath,
                            },
                        }
                        : { isolation_level: undefined, schema: undefined }),
                    service: ctx.service && !ctx.options.dryRun ? { ...ctx.service } : undefined,
                    shared_rows_removed: false,
                    verified,
                    plan: (0,plan_options/* recordPlanOptions */.jC)(ctx.options),
                    history: [
                        ...(tenant.isolation?.history ?? []),
                        (0,tenants/* historyEntry */.xg)({
                            event: 'promoted',
                            actor: ctx.deps.trigger.actor,
                            source: ctx.deps.trigger.source,
                            pull_request: ctx.deps.trigger.pullRequest,
                            run_url: ctx.deps.trigger.runUrl,
                            tables: verified,
                            freeze_ms: Math.round(performance.now() - lockedAt),
                        }),
                    ],
                };
                const switched = await (0,tenants/* writeIsolation */.AF)(source, ctx.options.tenantsTable, tenant, isolation, {
                    from: 'shared',
                    to: 'isolated',
                });
                if (!switched) {
                    throw new errors/* PromotionError */.g1('tenant-state', `Tenant "${ctx.names.slug}" is no longer shared; nothing was switched.`, 'Check its status.');
                }
                await commitSwitch(ctx, source);
                ctx.record.freezeMs = Math.round(performance.now() - lockedAt);
                ctx.record.freeze = {
                    ms: ctx.record.freezeMs,
                    scannedRows: pass.scannedRows,
                    candidateRows: pass.candidateRows,
                    reappliedRows: pass.reappliedRows,
                    openElsewhere: snapshot.openElsewhere,
                    openHere: snapshot.xip.length - snapshot.openElsewhere,
                    unfrozenMs,
                };
                ctx.tenant = { ...tenant, isolationMode: 'isolated', isolation };
                const caught = firstChanged.length
                    ? `; caught up ${firstChanged.length} table(s) changed during the copy`
                    : '';
                const frozen = ` (${pass.scannedRows} rows scanned, ${pass.reappliedRows} re-applied` +
                    (pass.changedRows || pass.deletedRows
                        ? `: ${pass.changedRows} changed and ${pass.deletedRows} deleted rows applied under the freeze)`
                        : ')');
                return `tenant isolated; writes frozen for ${ctx.record.freezeMs} ms${frozen}${caught}`;
            }
            catch (e) {
                const expired = await watchdog?.disarm();
                if (!ctx.record.committed)
                    await source.query('ROLLBACK').catch(() => undefined);
                if (expired)
                    throw freezeTimeout(maxFreeze, performance.now() - lockedAt, e);
                if (isTimeout(e))
                    throw freezeTimeout(maxFreeze, lockedAt ? performance.now() - lockedAt : maxFreeze, e);
                throw e;
            }
        }
        finally {
            await source.end().catch(() => undefined);
            await target.end().catch(() => undefined);
            await base.end().catch(() => undefined);
            await killer?.end().catch(() => undefined);
            await targetKiller?.end().catch(() => undefined);
        }
    },
};
/**
 * A new session on the shared database that sees exactly what `base` (holding the base snapshot
 * S, REPEATABLE READ) sees: S exported and imported. Read-only; the caller ends it. Only a help:
 * when it cannot be had (no connection slot left, say), `base` does the work alone.
 */
async function sessionAtSnapshot(ctx, base) {
    const { rows } = await base.query('SELECT pg_export_snapshot() AS id');
    let helper;
    try {
        helper = await (0,connect/* connect */.Ng)(ctx.servers.sharedUrl);
        await (0,connect/* setTenantId */.si)(helper, ctx.plan.tenantId);
        await (0,checksum/* setComparableSession */.LP)(helper);
        await helper.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await helper.query(`SET TRANSACTION SNAPSHOT ${esm/* default.escapeLiteral */.Ay.escapeLiteral(rows[0].id)}`);
        return helper;
    }
    catch (e) {
        await helper?.end().catch(() => undefined);
        ctx.log.debug(`The switch's base pass runs in one session: ${e.message}`);
        return undefined;
    }
}
/**
 * COMMIT is the commit point. If the connection breaks during COMMIT, the outcome is unknown
 * until the backend that ran the transaction is gone: only then can the commit no longer happen
 * (or have happened unseen). So on a new session the old backend is ended and waited for, and
 * only then is the tenants row read back: committed means isolated by this run's switch (its
 * claim, its database). A run never undoes — drops a database a committed row points at — on a
 * guess: when the outcome cannot be read back, the run stops as if committed, and a re-run
 * resumes or starts afresh from what the row says.
 */
async function commitSwitch(ctx, session) {
    const pid = session.processID;
    try {
        await session.query('COMMIT');
        ctx.record.committed = true;
    }
    catch (e) {
        const outcome = await readSwitchOutcome(ctx, pid).catch(() => 'unknown');
        if (outcome === 'committed') {
            ctx.record.committed = true;
            return;
        }
        if (outcome === 'unknown') {
            ctx.record.committed = true;
            throw new errors/* PromotionError */.g1('database', `The connection broke while the switch committed, and whether it committed could not be read back: ${e.message}. Nothing was undone.`, 'Re-run the promotion: it resumes if the switch committed and starts afresh (replacing what this run built) if it did not; `tenant-isolation status` shows which.', { cause: e });
        }
        throw new errors/* PromotionError */.g1('database', `The connection broke while the switch committed (${e.message}); on a new session the old backend was ended and the tenant row read back: the switch did not commit, so this run undoes what it built.`, 'Re-run the promotion.', { cause: e });
    }
}
/** After a broken COMMIT: ends the old backend, waits for it to go, then reads what committed. */
async function readSwitchOutcome(ctx, pid) {
    const check = await (0,connect/* connect */.Ng)(ctx.servers.sharedUrl);
    try {
        if (!pid)
            return 'unknown';
        // pg_terminate_backend(pid, timeout) waits for the backend to exit (PostgreSQL 14+).
        await check.query('SELECT pg_terminate_backend($1::int, 10000)', [pid]).catch(() => undefined);
        const alive = await check.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
        if (alive.rowCount)
            return 'unknown';
        const tenant = await (0,tenants/* readTenant */.RM)(check, ctx.options.tenantsTable, ctx.names.slug);
        const committed = tenant.isolationMode === 'isolated' &&
            tenant.isolation?.state === 'switched' &&
            tenant.isolation.isolated_db_name === (0,tenant_place/* tenantDatabase */.kL)(ctx) &&
            (0,postgres_ownership/* claimOf */._B)(tenant.settings)?.id === ctx.run.id;
        return committed ? 'committed' : 'not-committed';
    }
    finally {
        await check.end().catch(() => undefined);
    }
}
/**
 * Cancels whatever the freeze's sessions are running (through `killer`, a session opened in
 * advance on their server) once `budgetMs` has passed. `disarm()` stops it and says whether it
 * fired; it waits for a cancel in flight, so a cancel can never land on a later statement.
 */
function freezeWatchdog(perServer, budgetMs) {
    let fired;
    const pidsOf = (sessions) => sessions.map((c) => c.processID).filter((p) => !!p);
    const timer = setTimeout(() => {
        fired = Promise.all(perServer.map(([killer, sessions]) => killer.query('SELECT pg_cancel_backend(p) FROM unnest($1::int[]) AS p', [pidsOf(sessions)])))
            .then(() => undefined)
            .catch(() => undefined);
    }, Math.max(0, budgetMs));
    return {
        async disarm() {
            clearTimeout(timer);
            if (!fired)
                return false;
            await fired;
            return true;
        },
    };
}
function isTimeout(e) {
    const code = e?.code;
    return code === '55P03' || code === '57014';
}
function freezeTimeout(maxFreeze, elapsed, cause) {
    return new errors/* PromotionError */.g1('freeze-timeout', `The switch could not complete within max-freeze (${maxFreeze} ms; ${Math.round(elapsed)} ms used): the tenant's writes were not blocked any longer, nothing was switched and the tenant stays shared.`, 'Re-run at a quieter time, raise max-freeze, or look for long transactions holding the tenant row (pg_stat_activity).', { cause });
}

// EXTERNAL MODULE: ./src/validation/index.ts + 11 modules
var validation = __webpack_require__(7941);
// EXTERNAL MODULE: ./src/validation/schema-fingerprint.ts
var schema_fingerprint = __webpack_require__(41069);
// EXTERNAL MODULE: ./src/validation/schema-level.ts
var schema_level = __webpack_require__(27799);
;// CONCATENATED MODULE: ./src/pipeline/steps/validate.ts









/**
 * The post-promotion checks, before the switch: a failure leaves the tenant shared and the
 * run undoes what it built — unless keep-on-validation-failure keeps the new database for
 * inspection (the tenant stays shared either way).
 */
const validateStep = {
    name: 'validate',
    title: 'Post-promotion checks',
    async run(ctx) {
        const routing = routingInput(ctx);
        const checks = await (0,validation.runChecks)({
            sourceUrl: ctx.servers.sharedUrl,
            targetUrl: (0,tenant_place/* tenantDatabaseUrl */.Z8)(ctx),
            separateServers: ctx.servers.separate,
            snapshotId: ctx.snapshot?.id,
            tenantId: ctx.plan.tenantId,
            plan: ctx.plan,
            tenantKey: ctx.options.tenantKey,
            tenantIdColumn: ctx.options.tenantIdColumn,
            names: ctx.names,
            sharedDatabase: ctx.sharedDatabase,
            appRole: { name: ctx.names.appRole, password: ctx.appPassword },
            mappedRoles: ctx.sharedRoles ?? [],
            schemaLayout: ctx.record.schemaLayout,
            filesToScan: [],
            // What the routing step will write and what the report will say: no secret may be in them.
            textsToScan: [
                JSON.stringify((0,pipeline_routing/* buildRoutingConfig */.Df)(routing)),
                JSON.stringify((0,pipeline_routing/* buildLoadBalancerConfig */.PS)(routing)),
                JSON.stringify(ctx.record),
            ],
            secrets: [ctx.appPassword, ...ctx.servers.passwords].filter((x) => !!x),
            service: ctx.service?.url && !ctx.options.dryRun
                ? { url: ctx.service.url, healthPath: ctx.options.cloudRun?.healthPath ?? '/health' }
                : undefined,
            log: ctx.log,
        });
        ctx.record.checks = checks;
        const failed = checks.filter((c) => c.status === 'fail');
        const warned = checks.filter((c) => c.status === 'warn').length;
        if (failed.length) {
            if (ctx.options.keepOnValidationFailure)
                ctx.keepArtifacts = true;
            throw new errors/* PromotionError */.g1('validation-failed', `${failed.length} post-promotion check(s) failed: ${failed.map((c) => `${c.title}: ${c.reason}`).join('; ')}`, ctx.keepArtifacts
                ? `The tenant stays shared. What this run built (${(0,tenant_place/* tenantDatabase */.kL)(ctx) === ctx.names.database ? `database ${ctx.names.database}` : `the tenant's schemas in ${(0,tenant_place/* tenantDatabase */.kL)(ctx)}`}) was kept for inspection (keep-on-validation-failure); re-running replaces it.`
                : 'The tenant stays shared and what this run built was removed. Fix the cause named above and re-run.');
        }
        // The schema just proved equal is what `status --verify` later tells drift from.
        const recorded = await (0,connect/* withConnection */.p)((0,tenant_place/* tenantDatabaseUrl */.Z8)(ctx), (target) => (0,ownership/* inMarkedTransaction */.IQ)(target, ctx, 'recording the schema', () => (0,schema_fingerprint/* recordSchemaAtSwitch */.ir)(target, (0,schema_level/* recordedSchemaPlace */.vT)({ names: ctx.names, schemaLayout: ctx.record.schemaLayout }))));
        return `${checks.length} checks passed${warned ? ` (${warned} with warnings)` : ''}; schema of ${recorded} objects recorded`;
    },
};

;// CONCATENATED MODULE: ./src/pipeline/promote.ts



















const PROMOTION = [
    [preflightStep, 'setup'],
    [steps_lock/* lockStep */.s, 'setup'],
    [
        (0,ownership/* thenClaim */.iH)(prevalidateStep, (ctx) => rotationWanted(ctx) ? "its role's password was never delivered: this run rotates it" : undefined),
        'setup',
    ],
    [steps_plan/* planStep */.ek, 'plan'],
    [rehearseCloneStep, 'plan'],
    [rolesStep, 'build'],
    [createDatabaseStep, 'build'],
    [cloneSchemaStep, 'build'],
    [copyStep, 'build'],
    [cloneSchemaAfterStep, 'build'],
    [deployStep, 'build'],
    [validateStep, 'build'],
    [switchStep, 'build'],
    [credentialsStep, 'credentials'],
    [routingStep, 'after-switch'],
    [cleanupStep, 'after-switch'],
    [finishStep, 'after-switch'],
];
function skipReason(phase, mode, dryRun, name, ctx) {
    if (phase === 'setup' || mode === undefined)
        return undefined;
    if (mode === 'already-isolated') {
        return phase === 'credentials' && !dryRun && rotationWanted(ctx) ? undefined : 'tenant already isolated';
    }
    if (phase === 'plan')
        return undefined;
    if (mode === 'resume' && phase === 'build')
        return 'done by an earlier run (resuming after the switch)';
    // A dry run plans and validates the Cloud Run spec; it creates nothing.
    if (dryRun && name !== 'deploy')
        return 'dry run';
    return undefined;
}
/** The promotion steps, each gated by the mode prevalidation found. */
function promotionSteps() {
    return PROMOTION.map(([step, phase]) => ({
        ...step,
        skip: (ctx) => skipReason(phase, ctx.mode, ctx.options.dryRun, step.name, ctx) ?? step.skip?.(ctx),
    }));
}
/** Promotes one tenant: the engine behind both the action and the CLI. */
async function promote(input, deps) {
    const ctx = await (0,engine/* runOperation */.xj)('promote', input, deps, promotionSteps(), (c) => c.mode === 'already-isolated' ? 'already-isolated' : c.options.dryRun ? 'dry-run' : 'promoted');
    const { record } = ctx;
    // The role's current password: the one this run made, once its switch committed (whatever
    // failed after it), or the one it rotated to. Never one a failed run's undo dropped.
    const current = ctx.mode === 'fresh' ? (record.committed ? ctx.appPassword : undefined) : ctx.appPassword;
    return {
        record,
        databasePassword: record.dryRun ? undefined : current,
        credentials: credentialsOutcome(ctx),
        configFiles: ctx.configFiles,
    };
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