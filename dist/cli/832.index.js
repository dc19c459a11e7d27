"use strict";
exports.id = 832;
exports.ids = [832];
exports.modules = {

/***/ 86832:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  promote: () => (/* binding */ promote)
});

// UNUSED EXPORTS: promotionSteps

// EXTERNAL MODULE: ./src/pipeline/engine.ts + 2 modules
var engine = __webpack_require__(81558);
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
    const table = (0,sql/* quoteQualified */.$)(tenantsTable);
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
    const { rows } = await client.query(`SELECT t.settings #> '{isolation,credentials}' AS credentials FROM ${(0,sql/* quoteQualified */.$)(tenantsTable)} t WHERE t.slug = $1`, [slug]);
    return rows[0]?.credentials ?? undefined;
}

// EXTERNAL MODULE: ./src/postgres/roles.ts
var roles = __webpack_require__(55502);
// EXTERNAL MODULE: ./src/postgres/tenants.ts
var tenants = __webpack_require__(96470);
// EXTERNAL MODULE: ./src/postgres/urls.ts
var urls = __webpack_require__(31085);
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
    const changeRolePassword = (patch, delivered) => (0,ownership/* asOwner */.gv)(ctx, "rotating the tenant role's password", async (c) => {
        pid = c.processID;
        await (0,roles/* setAppRolePassword */.fg)(c, role, password, {
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
    const { host, port } = (0,urls/* hostAndPort */.PG)(ctx.options.databaseUrl, ctx.options.databaseHost);
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
    const check = await (0,connect/* connect */.Ng)(ctx.options.databaseUrl);
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

// EXTERNAL MODULE: ./src/postgres/checksum.ts
var checksum = __webpack_require__(73600);
// EXTERNAL MODULE: ./src/postgres/large-objects.ts
var large_objects = __webpack_require__(52593);
// EXTERNAL MODULE: ./src/postgres/plan-check.ts
var plan_check = __webpack_require__(86521);
// EXTERNAL MODULE: ./src/postgres/privileges.ts
var privileges = __webpack_require__(39607);
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
        const session = await (0,connect/* connect */.Ng)(ctx.options.databaseUrl);
        try {
            await (0,connect/* setTenantId */.si)(session, plan.tenantId);
            await (0,checksum/* setComparableSession */.LP)(session);
            // Large objects the deleted rows reference are left in the shared database (a rollback
            // restores rows that point at them; another row or application may still use them, which the
            // catalog cannot prove otherwise); counted for the record before the rows go.
            const leftObjects = await (0,large_objects/* measureReferenced */.Up)(session, plan).catch(() => undefined);
            await session.query('BEGIN');
            // Hold the tenant row FOR SHARE: it stays isolated (a rollback needs FOR UPDATE) while
            // contract-following writers, which now read it FOR SHARE and write to the isolated
            // database, are not blocked by a cleanup that may run for a while. Under that lock this
            // run proves it still owns the tenant: a run that lost it deletes nothing.
            await (0,ownership/* assertOwnerIn */.zp)(ctx, session, 'removing the shared rows');
            const changed = [];
            for (const table of plan.deleteOrder) {
                const expected = verified[table.qualified];
                const range = await (0,checksum/* keyRange */.xA)(session, table, 'source');
                const now = await (0,checksum/* digestTable */.lN)(session, table, 'source', range ? { range } : {});
                if (!expected) {
                    changed.push(`${table.qualified}: not verified at the switch`);
                }
                else if (now.count !== expected.count || now.digest !== expected.digest) {
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
            const links = await (0,plan_check/* referenceBlockers */.J)(session, plan.tables, { incomingOnly: true });
            if (links.length) {
                throw new errors/* PromotionError */.g1('cleanup-refused', `Other tenants' rows now reference this tenant's shared rows, so nothing was deleted: ${links.join('; ')}`, 'Those references were made after the promotion was planned. Resolve them (the isolated database has the rows), then re-run to finish the cleanup.');
            }
            if (changed.length) {
                throw new errors/* PromotionError */.g1('cleanup-refused', `The tenant's shared rows changed after the switch, so nothing was deleted: ${changed.join('; ')}.`, 'A writer is still writing to the shared database for this tenant (it ignores the FOR SHARE contract). Stop it, move those writes to the isolated database, then re-run to finish the cleanup.');
            }
            // Triggers: read now, in this transaction (prevalidation planned the same, but a trigger may
            // have been added since the run started).
            const role = await (0,privileges/* readRole */.fP)(session);
            const triggers = (0,privileges/* planTriggers */.hR)(role, await (0,privileges/* readCleanupTriggers */.QM)(session, plan.deleteOrder));
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
            // The tenants row is updated as by every other step of the run: its triggers fire as usual.
            if (triggers.replica)
                await session.query('SET LOCAL session_replication_role = origin');
            const tenant = await (0,tenants/* readTenant */.RM)(session, ctx.options.tenantsTable, ctx.names.slug);
            await (0,tenants/* writeIsolation */.AF)(session, ctx.options.tenantsTable, tenant, { ...tenant.isolation, shared_rows_removed: true }, {
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
            ctx.tenant = { ...tenant, isolation: { ...tenant.isolation, shared_rows_removed: true } };
            if (leftObjects && leftObjects.objects > 0) {
                ctx.record.notes.push(`Large objects left in the shared database (${leftObjects.objects} large objects, ${(0,large_objects/* formatBytes */.z3)(leftObjects.bytes)}): the deleted rows referenced them; the tenant's database has its own copies. Remove them once no rollback is wanted (e.g. vacuumlo, or lo_unlink of each object no remaining row references).`);
            }
            const quiet = triggers.fired.length
                ? `; ${triggers.fired.length} trigger(s) not fired (${triggers.replica ? 'replica mode' : 'disabled for the transaction'})`
                : '';
            const los = leftObjects?.objects
                ? `; ${leftObjects.objects} large objects (${(0,large_objects/* formatBytes */.z3)(leftObjects.bytes)}) left in the shared database`
                : '';
            const stayed = keptRows(plan, globalKept);
            if (stayed)
                ctx.record.notes.push(`Left in the shared database by cleanup (not the tenant's own rows): ${stayed}.`);
            return `${deleted} rows deleted from ${plan.deleteOrder.length} tables (equal to the rows verified at the switch; none left)${quiet}${los}${stayed ? `; kept: ${stayed}` : ''}`;
        }
        catch (e) {
            await session.query('ROLLBACK').catch(() => undefined);
            throw lockWaitError(e, 'the shared rows', ctx.options.maxFreezeMs, ctx.options.frontEnd) ?? e;
        }
        finally {
            await session.end().catch(() => undefined);
        }
    },
};
/** The tenant's own rows of a table: `where` less the global rows it also selects. */
const own = (table) => table.ownWhere ?? table.where;
/** What cleanup leaves in the shared database on purpose: global, referenced and whole-copied rows. */
function keptRows(plan, globalKept) {
    const parts = [];
    if (globalKept > 0)
        parts.push(`${globalKept} global rows`);
    const referenced = plan.tables.filter((t) => t.kind === 'referenced');
    if (referenced.length > 0) {
        const n = referenced.reduce((a, t) => a + (t.rows ?? 0), 0);
        parts.push(`${n} referenced rows of ${referenced.map((t) => `${t.schema}.${t.name}`).join(', ')}`);
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
;// CONCATENATED MODULE: ./src/pipeline/steps/clone-schema.ts





const qi = esm/* default.escapeIdentifier */.Ay.escapeIdentifier;
function withTarget(ctx, fn) {
    return (0,connect/* withConnection */.p)((0,urls/* databaseUrl */.FA)(ctx.options.databaseUrl, ctx.names.database), fn);
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
        const source = ctx.snapshot.client;
        const shared = await (0,app_roles/* sharedAppRoles */.W)(source, ctx.plan, ctx.options.sharedAppRole);
        ctx.sharedRoles = shared;
        const roleMap = new Map(shared.map((r) => [r, ctx.names.appRole]));
        const script = await (0,schema_clone/* buildSchemaScript */.HY)(source, {
            ownerRole: ctx.names.ownerRole,
            roleMap,
            leaveOut: ctx.plan.skipped,
        });
        ctx.schemaScript = script;
        for (const item of script.unsupported) {
            ctx.log.warn(`not cloned: ${item}`);
            ctx.record.notes.push(`Not cloned (unsupported object kind): ${item}`);
        }
        await withTarget(ctx, (target) => (0,schema_clone/* applyStatements */.t8)(target, script.beforeData));
        const mapped = shared.length
            ? `; grants and policies of ${shared.join(', ')} remapped to ${ctx.names.appRole}`
            : '';
        return `${script.beforeData.length} statements${mapped}`;
    },
    // The database is dropped by create-database's undo.
};
const cloneSchemaAfterStep = {
    name: 'clone-schema-after',
    title: 'Indexes, constraints, triggers, sequences (after data)',
    async run(ctx) {
        const script = ctx.schemaScript;
        const { names } = ctx;
        const synced = await withTarget(ctx, async (target) => {
            await (0,schema_clone/* applyStatements */.t8)(target, script.afterData);
            const seqs = await (0,schema_clone/* syncSequences */.kj)(ctx.snapshot.client, target);
            await grantApplicationRole(target, names.appRole, names.database, ctx.sharedRoles?.length ? 'remapped' : 'baseline');
            await target.query('ANALYZE');
            return seqs;
        });
        return `${script.afterData.length} statements, ${synced.length} sequences set at or above the shared values`;
    },
};
/**
 * CONNECT on its own database and USAGE on its schemas always; DML and sequence privileges as
 * the shared application role had them (remapped by the clone), or — when no such role was
 * found — DML on every table and use of every sequence.
 */
async function grantApplicationRole(target, role, database, mode) {
    await target.query(`GRANT CONNECT ON DATABASE ${qi(database)} TO ${qi(role)}`);
    const { rows } = await target.query(`SELECT nspname FROM pg_namespace
      WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', '_tenant_isolation') AND nspname NOT LIKE 'pg_temp%'
        AND nspname NOT LIKE 'pg_toast_temp%'`);
    for (const { nspname } of rows) {
        await target.query(`GRANT USAGE ON SCHEMA ${qi(nspname)} TO ${qi(role)}`);
        if (mode === 'baseline') {
            await target.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${qi(nspname)} TO ${qi(role)}`);
            await target.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${qi(nspname)} TO ${qi(role)}`);
        }
    }
}

// EXTERNAL MODULE: ./src/postgres/copy.ts
var copy = __webpack_require__(26978);
// EXTERNAL MODULE: ./src/postgres/ownership.ts
var postgres_ownership = __webpack_require__(6922);
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
            sourceUrl: ctx.options.databaseUrl,
            targetUrl: (0,urls/* databaseUrl */.FA)(ctx.options.databaseUrl, ctx.names.database),
            snapshotId: ctx.snapshot.id,
            tenantId: plan.tenantId,
            tables: plan.tables,
            parallelism: ctx.options.copyParallelism,
            signal: ctx.signal,
            onProgress: (table, rows, bytes) => {
                ctx.deps.onProgress?.(table, rows, bytes);
            },
            // Each table's rows are committed only into this run's own database (fencing).
            guard: (target) => (0,postgres_ownership/* assertRunMarker */.KD)(target, ctx.names.slug, ctx.run.id, 'copying the rows'),
        });
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
            }
            rows += r.rows;
            bytes += r.bytes;
            ctx.log.info(`${t.schema}.${t.name}: ${r.rows} rows, ${formatBytes(r.bytes)} in ${r.durationMs} ms`);
        }
        // The large objects the rows reference, read at the same snapshot, under the same OIDs.
        const lo = await (0,large_objects/* copyLargeObjects */.zF)({
            sourceUrl: ctx.options.databaseUrl,
            targetUrl: (0,urls/* databaseUrl */.FA)(ctx.options.databaseUrl, ctx.names.database),
            snapshotId: ctx.snapshot.id,
            plan,
            roles: { owner: ctx.names.ownerRole, app: ctx.names.appRole },
            signal: ctx.signal,
            guard: (target) => (0,postgres_ownership/* assertRunMarker */.KD)(target, ctx.names.slug, ctx.run.id, 'copying the large objects'),
        });
        if (lo.objects > 0)
            ctx.log.info(`large objects: ${lo.objects}, ${formatBytes(lo.bytes)} in ${lo.durationMs} ms`);
        const los = lo.objects > 0 ? `, ${lo.objects} large objects (${formatBytes(lo.bytes)})` : '';
        return `${rows} rows (${formatBytes(bytes)}) in ${plan.tables.length} tables${los}`;
    },
    // The copied rows live only in the new database, which create-database's undo drops.
};

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

// EXTERNAL MODULE: ./src/postgres/database.ts
var database = __webpack_require__(42514);
;// CONCATENATED MODULE: ./src/pipeline/steps/create-database.ts





/**
 * `CREATE DATABASE tenant_<slug>` from template0 with the shared database's locale, then this
 * run's token in the tool's own schema of it (writes into it later prove they are this run's).
 */
const createDatabaseStep = {
    name: 'create-database',
    title: 'Create the tenant database',
    async run(ctx) {
        const { names } = ctx;
        await (0,database/* createTenantDatabase */.e6)(ctx.lockSession, names.database, names.ownerRole, {
            slug: names.slug,
            sourceDatabase: ctx.sharedDatabase,
        });
        await (0,connect/* withConnection */.p)((0,urls/* databaseUrl */.FA)(ctx.options.databaseUrl, names.database), (target) => (0,postgres_ownership/* writeRunMarker */.Rj)(target, ctx.run));
        return `database ${names.database}, owned by ${names.ownerRole}, CONNECT revoked from PUBLIC`;
    },
    async undo(ctx) {
        if (ctx.keepArtifacts)
            return;
        await (0,ownership/* dropOwnedDatabase */.WO)(ctx);
    },
};

;// CONCATENATED MODULE: ./src/pipeline/steps/deploy.ts




function deployInput(ctx) {
    const { host, port } = (0,urls/* hostAndPort */.PG)(ctx.options.databaseUrl, ctx.options.databaseHost);
    return {
        options: ctx.options.cloudRun,
        serviceName: ctx.names.service,
        slug: ctx.names.slug,
        // TENANT_ID carries the slug, as the isolation guide specifies (`TENANT_ID=acme-corp`).
        tenantId: ctx.names.slug,
        database: {
            name: ctx.names.database,
            host,
            port,
            user: ctx.names.appRole,
            password: ctx.appPassword ?? '',
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

// EXTERNAL MODULE: ./src/pipeline/steps/lock.ts + 1 modules
var lock = __webpack_require__(53537);
// EXTERNAL MODULE: ./src/pipeline/steps/plan.ts + 1 modules
var steps_plan = __webpack_require__(56518);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(73024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(48161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: ./src/names.ts
var names = __webpack_require__(46455);
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
        throw new errors/* InputError */.dz(`gcp-project ${(0,names/* quoteUntrusted */.X0)(opts.project)} is not a Google Cloud project id.`, 'Use the project id (e.g. "acme-prod-123"), not its name or number.');
    if (!REGION_RE.test(opts.region ?? ''))
        throw new errors/* InputError */.dz(`gcp-region ${(0,names/* quoteUntrusted */.X0)(opts.region ?? '')} is not a region.`, 'Use e.g. "us-central1".');
    if (!opts.image?.trim() || /\s/.test(opts.image))
        throw new errors/* InputError */.dz('container-image is required to deploy to Cloud Run.', 'Set container-image to the image of the tenant API, e.g. "us-docker.pkg.dev/acme/apps/api:1.4.2", or set skip-cloud-run: true.');
    if (!opts.dbPasswordSecret?.trim())
        throw new errors/* InputError */.dz('db-password-secret is required to deploy to Cloud Run: the service gets the database password from Secret Manager, never as a plain environment value.', 'Create a secret (gcloud secrets create tenant-db-password --replication-policy=automatic), grant the deploying identity roles/secretmanager.secretVersionAdder and the runtime service account roles/secretmanager.secretAccessor on it, and set db-password-secret to its name. Or set skip-cloud-run: true.');
    (0,service_spec/* secretResourceName */.aL)(opts.dbPasswordSecret, opts.project);
    if (opts.minInstances > opts.maxInstances)
        throw new errors/* InputError */.dz(`min-instances (${opts.minInstances}) is greater than max-instances (${opts.maxInstances}).`, 'Lower min-instances or raise max-instances.');
    if (opts.serviceAccount && !SERVICE_ACCOUNT_RE.test(opts.serviceAccount))
        throw new errors/* InputError */.dz(`service-account ${(0,names/* quoteUntrusted */.X0)(opts.serviceAccount)} is not a service account email.`, 'Use e.g. "tenant-api@acme-prod.iam.gserviceaccount.com".');
    const run = (0,endpoint/* parseEndpoint */.B)(opts.apiEndpoint, opts.allowInsecureEndpoint, 'cloud-run-api-endpoint');
    const secrets = (0,endpoint/* parseEndpoint */.B)(opts.secretManagerEndpoint, opts.allowInsecureEndpoint, 'secret-manager-api-endpoint');
    if (run?.insecure && secrets?.insecure)
        return; // no Google credentials are used at all
    const explicit = env.GOOGLE_APPLICATION_CREDENTIALS;
    if (explicit) {
        if (!(0,external_node_fs_.existsSync)(explicit) || !(0,external_node_fs_.statSync)(explicit).isFile())
            throw new errors/* InputError */.dz(`GOOGLE_APPLICATION_CREDENTIALS points to ${(0,names/* quoteUntrusted */.X0)(explicit, 200)}, which is not a file.`, NO_CREDENTIALS_HINT);
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


/**
 * How the CLI spells the service's settings, by the action input's name (errors.ts knows the
 * database ones). Settings the CLI has no flag for keep their environment variable.
 */
const CLI_CLOUD_SETTINGS = {
    'gcp-project': '--project (or GOOGLE_CLOUD_PROJECT)',
    'gcp-region': '--region (or CLOUD_RUN_REGION)',
    'container-image': '--image (or CONTAINER_IMAGE)',
    'db-password-secret': '--db-password-secret (or DB_PASSWORD_SECRET)',
    'min-instances': '--min-instances (or MIN_INSTANCES)',
    'max-instances': '--max-instances (or MAX_INSTANCES)',
    'service-account': '--service-account (or SERVICE_ACCOUNT)',
    'cloud-run-api-endpoint': 'CLOUD_RUN_API_ENDPOINT',
    'skip-cloud-run': '--no-cloud-run (or SKIP_CLOUD_RUN=true)',
};
/** A Cloud Run setting named as the front end in use spells it (see settingName in errors.ts). */
function cloudSetting(input, frontEnd) {
    const cli = CLI_CLOUD_SETTINGS[input];
    if (!cli)
        return (0,errors/* settingName */.QX)(input, frontEnd);
    if (frontEnd === 'cli')
        return cli;
    if (frontEnd === 'action')
        return `the ${input} input`;
    return `the ${input} input (CLI: ${cli})`;
}
/** The settings a run with Cloud Run needs, as one phrase. */
function serviceSettings(frontEnd) {
    return ['gcp-project', 'container-image', 'db-password-secret']
        .map((s) => cloudSetting(s, frontEnd))
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
        .replace(/\b[Ss]et skip-cloud-run: true\b/g, `pass ${CLI_CLOUD_SETTINGS['skip-cloud-run']}`)
        .replace(/\b(gcp-project|gcp-region|container-image|db-password-secret|min-instances|max-instances|service-account|cloud-run-api-endpoint)\b/g, (name) => CLI_CLOUD_SETTINGS[name] ?? name);
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
                const note = `Cloud Run: this dry run planned the database part only — no Cloud Run settings were given. A real run deploys the service ${ctx.names.service} and needs ${serviceSettings(frontEnd)}; or skip the service with ${cloudSetting('skip-cloud-run', frontEnd)}.`;
                ctx.record.notes.push(note);
                ctx.log.warn(note);
                return 'Cloud Run not planned: no Cloud Run settings (a real run needs them)';
            }
            throw new errors/* InputError */.dz('Cloud Run is on, but its settings are not set.', `Set ${serviceSettings(frontEnd)}, or skip the service with ${cloudSetting('skip-cloud-run', frontEnd)}.`);
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

// EXTERNAL MODULE: ./src/postgres/catalog.ts
var catalog = __webpack_require__(17092);
// EXTERNAL MODULE: ./src/postgres/plan.ts
var plan = __webpack_require__(43524);
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
    // Every derived name starts with tenant_, so the one name to guard against is the shared
    // database's own (a shared database itself named tenant_<slug>).
    if (names.database === shared) {
        throw new errors/* PromotionError */.g1('invalid-slug', `Tenant "${names.slug}" would be promoted into database "${names.database}", which is the shared database itself.`, 'Choose another slug for this tenant.');
    }
    await (0,tenants/* checkTenantsTable */.od)(db, options.tenantsTable, options.tenantKey);
    const role = await (0,privileges/* readRole */.fP)(db);
    (0,privileges/* assertCanCreate */.Ly)(role, options.frontEnd);
    // The tenants row is read next: row-level security that hides it (or, keyed by a session
    // setting the run does not set, fails with "unrecognized configuration parameter") is refused
    // first, from the catalog alone.
    const [tenantsSchema, tenantsName] = (0,sql/* splitQualified */.T)(options.tenantsTable);
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
    const found = await tenantState(ctx, shared);
    if (ctx.mode === 'already-isolated')
        return found;
    return found + (await checkSharedTables(ctx, role));
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
async function tenantState(ctx, shared) {
    const db = ctx.lockSession;
    const { names } = ctx;
    const tenant = ctx.tenant;
    const dbState = await (0,database/* databaseMarker */.O9)(db, names.database);
    const isolation = tenant.isolation;
    if (tenant.isolationMode === 'isolated') {
        if (!dbState.exists) {
            throw new errors/* PromotionError */.g1('tenant-state', `Tenant "${names.slug}" is marked isolated, but its database "${names.database}" does not exist.`, `Restore the database from backup, or ${rollbackHow(ctx)} to return the tenant to shared with its recorded data, after investigating.`);
        }
        if (isolation?.state === 'switched') {
            ctx.mode = 'resume';
            return `tenant is isolated but the last run stopped after the switch: resuming routing and cleanup`;
        }
        ctx.mode = 'already-isolated';
        return `tenant is already isolated in "${names.database}"`;
    }
    if (tenant.isolationMode !== 'shared') {
        throw new errors/* PromotionError */.g1('tenant-state', `Tenant "${names.slug}" has isolation_mode "${tenant.isolationMode}"; expected "shared" or "isolated".`, 'Fix the tenant row by hand before promoting.');
    }
    // Shared: whatever exists under our names must be ours, left by a failed run; it is cleaned by the
    // create steps' undo logic before they create afresh.
    const leftovers = [];
    if (dbState.exists) {
        if (dbState.marker?.slug !== names.slug || dbState.marker.sourceDatabase !== shared) {
            throw new errors/* PromotionError */.g1('tenant-state', `Database "${names.database}" already exists and was not created by this tool for tenant "${names.slug}" of "${shared}".`, 'Never overwritten: inspect it, then rename or drop it by hand and re-run.');
        }
        leftovers.push(`database ${names.database}`);
    }
    for (const role of [names.ownerRole, names.appRole]) {
        const r = await (0,roles/* roleComment */.KF)(db, role);
        if (!r.exists)
            continue;
        if (r.marker?.slug !== names.slug || r.marker.sourceDatabase !== shared) {
            throw new errors/* PromotionError */.g1('tenant-state', `Role "${role}" already exists and was not created by this tool for tenant "${names.slug}" of "${shared}".`, 'Inspect it; rename or drop it by hand and re-run.');
        }
        leftovers.push(`role ${role}`);
    }
    ctx.mode = 'fresh';
    ctx.leftovers = leftovers;
    return leftovers.length
        ? `tenant ${names.slug} is shared; an earlier failed run left ${leftovers.join(', ')}, which will be replaced`
        : `tenant ${names.slug} is shared in "${shared}"`;
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
    await (0,privileges/* assertAccess */.Lv)(db, role, tableNeeds(plan, cleanup), {
        frontEnd: options.frontEnd,
        what: 'a promotion',
        outcome,
    });
    if (!cleanup)
        return '';
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
        const db = ctx.lockSession;
        const { names } = ctx;
        await (0,ownership/* dropAbandonedDatabases */.gy)(ctx);
        if (ctx.leftovers?.length) {
            await (0,ownership/* dropOwnedDatabase */.WO)(ctx);
            await (0,ownership/* dropOwnedRoles */.Ox)(ctx);
        }
        const password = (0,roles/* generatePassword */.bk)();
        (0,secrets/* registerSecret */.cl)(password);
        ctx.deps.log.secret(password);
        ctx.appPassword = password;
        await (0,roles/* createTenantRoles */.i3)(db, { owner: names.ownerRole, app: names.appRole }, password, {
            slug: names.slug,
            sourceDatabase: ctx.sharedDatabase,
        });
        return `owner ${names.ownerRole} (NOLOGIN), application role ${names.appRole} (LOGIN)`;
    },
    async undo(ctx) {
        if (ctx.keepArtifacts)
            return;
        await (0,ownership/* dropOwnedRoles */.Ox)(ctx);
    },
};

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(51455);
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
        database: (0,urls/* hostAndPort */.PG)(ctx.options.databaseUrl, ctx.options.databaseHost),
        service: service && !ctx.options.dryRun ? { name: service.name, url: service.url } : undefined,
        region: ctx.options.cloudRun?.region,
    };
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

// EXTERNAL MODULE: ./src/postgres/catch-up.ts
var catch_up = __webpack_require__(46904);
// EXTERNAL MODULE: ./src/postgres/sequence-ranges.ts
var sequence_ranges = __webpack_require__(78569);
// EXTERNAL MODULE: ./src/pipeline/tenant-state.ts
var tenant_state = __webpack_require__(95136);
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
            ctx.options.databaseUrl,
            (0,urls/* databaseUrl */.FA)(ctx.options.databaseUrl, ctx.names.database),
            ctx.options.databaseUrl,
        ]));
        let killer;
        try {
            for (const c of [source, base]) {
                await (0,connect/* setTenantId */.si)(c, plan.tenantId);
                await (0,checksum/* setComparableSession */.LP)(c);
            }
            await (0,checksum/* setComparableSession */.LP)(target);
            // 1. Base: at one snapshot, digest both sides and apply what changed since the copy.
            await base.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
            const { rows } = await base.query(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`);
            const snapshotXmin = rows[0].xmin;
            const first = await (0,catch_up/* compareTables */.Dz)(base, target, tables);
            const firstChanged = first.filter((c) => !c.equal);
            // Every write into the new database proves, in its own transaction, that the database is
            // still this run's: a run that lost the tenant never writes into another run's database.
            const guard = (t) => (0,postgres_ownership/* assertRunMarker */.KD)(t, ctx.names.slug, ctx.run.id, 'catching up');
            let settledBase = first;
            if (firstChanged.length) {
                await (0,catch_up/* catchUp */.xA)(base, target, first, guard);
                const again = await (0,catch_up/* compareTables */.Dz)(base, target, firstChanged.map((c) => c.table));
                settledBase = first.map((c) => (c.equal ? c : again.find((x) => x.table === c.table)));
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
            if (loColumns.length)
                await (0,large_objects/* syncLargeObjects */.VR)(base, target, plan, { roles: loRoles, guard, columns: loColumns });
            // What the freeze pass needs from the base snapshot alone is read before the freeze.
            const freezeBase = settledBase.map(catch_up/* verifiedFrom */.tI);
            const prepared = await (0,catch_up/* prepareFreezePass */.Mm)(base, freezeBase, snapshotXmin);
            // Failpoint for tests: writes made here land between the base snapshot and the freeze.
            await ctx.deps.fault?.('switch:before-freeze');
            // 2. Freeze: only what changed since the base snapshot is read, applied and accounted for.
            // Opened before the freeze, so the watchdog can cancel without first connecting.
            killer = await (0,connect/* connect */.Ng)(ctx.options.databaseUrl);
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
                const locked = await source.query(`SELECT 1 FROM ${(0,sql/* quoteQualified */.$)(ctx.options.tenantsTable)} t WHERE t.slug = $1 FOR UPDATE`, [ctx.names.slug]);
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
                watchdog = freezeWatchdog(killer, [source, target], maxFreeze - (performance.now() - lockedAt));
                let pass;
                try {
                    pass = await (0,catch_up/* freezePass */.be)(source, target, freezeBase, snapshotXmin, base, guard, prepared);
                }
                catch (e) {
                    if (e instanceof errors/* PromotionError */.g1 || isTimeout(e))
                        throw e;
                    throw new errors/* PromotionError */.g1('validation-failed', `Catching up under the freeze failed: ${e.message}`, 'Nothing was switched. Re-run; if it persists, a writer may be ignoring the FOR SHARE contract (see README).', { cause: e });
                }
                // Under the freeze only objects referenced by rows written since the base pass can be
                // missing: those are copied (what the rows reference is read at the frozen state).
                if (loColumns.length) {
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
                });
                await watchdog.disarm();
                const elapsed = performance.now() - lockedAt;
                if (elapsed > maxFreeze)
                    throw freezeTimeout(maxFreeze, elapsed);
                const verified = Object.fromEntries(pass.verified.map((v) => [
                    v.table.qualified,
                    { count: v.count, digest: (0,checksum/* digestOf */.ol)(v.count, v.sum.toString()) },
                ]));
                ctx.verified = verified;
                const tenant = await (0,tenants/* readTenant */.RM)(source, ctx.options.tenantsTable, ctx.names.slug);
                const isolation = {
                    ...(tenant.isolation ?? { history: [] }),
                    state: 'switched',
                    isolated_db_name: ctx.names.database,
                    isolated_at: new Date().toISOString(),
                    migration_version: tenant_state/* MIGRATION_VERSION */.ol,
                    source_database: ctx.sharedDatabase,
                    app_role: ctx.names.appRole,
                    owner_role: ctx.names.ownerRole,
                    service: ctx.service && !ctx.options.dryRun ? { ...ctx.service } : undefined,
                    shared_rows_removed: false,
                    verified,
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
        }
    },
};
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
    const check = await (0,connect/* connect */.Ng)(ctx.options.databaseUrl);
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
            tenant.isolation.isolated_db_name === ctx.names.database &&
            (0,postgres_ownership/* claimOf */._B)(tenant.settings)?.id === ctx.run.id;
        return committed ? 'committed' : 'not-committed';
    }
    finally {
        await check.end().catch(() => undefined);
    }
}
/**
 * Cancels whatever the freeze's sessions are running (through `killer`, a session opened in
 * advance) once `budgetMs` has passed. `disarm()` stops it and says whether it fired; it waits
 * for a cancel in flight, so a cancel can never land on a later statement.
 */
function freezeWatchdog(killer, sessions, budgetMs) {
    let fired;
    const pids = sessions
        .map((c) => c.processID)
        .filter((p) => !!p);
    const timer = setTimeout(() => {
        fired = killer
            .query('SELECT pg_cancel_backend(p) FROM unnest($1::int[]) AS p', [pids])
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

// EXTERNAL MODULE: ./src/validation/index.ts + 13 modules
var validation = __webpack_require__(90157);
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
            sourceUrl: ctx.options.databaseUrl,
            targetUrl: (0,urls/* databaseUrl */.FA)(ctx.options.databaseUrl, ctx.names.database),
            snapshotId: ctx.snapshot?.id,
            tenantId: ctx.plan.tenantId,
            plan: ctx.plan,
            tenantKey: ctx.options.tenantKey,
            tenantIdColumn: ctx.options.tenantIdColumn,
            names: ctx.names,
            sharedDatabase: ctx.sharedDatabase,
            appRole: { name: ctx.names.appRole, password: ctx.appPassword },
            mappedRoles: ctx.sharedRoles ?? [],
            filesToScan: [],
            // What the routing step will write and what the report will say: no secret may be in them.
            textsToScan: [
                JSON.stringify((0,pipeline_routing/* buildRoutingConfig */.Df)(routing)),
                JSON.stringify((0,pipeline_routing/* buildLoadBalancerConfig */.PS)(routing)),
                JSON.stringify(ctx.record),
            ],
            secrets: [ctx.appPassword, (0,engine/* urlPassword */.Ds)(ctx.options.databaseUrl)].filter((x) => !!x),
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
                ? `The tenant stays shared. The new database ${ctx.names.database} was kept for inspection (keep-on-validation-failure); re-running replaces it.`
                : 'The tenant stays shared and what this run built was removed. Fix the cause named above and re-run.');
        }
        return `${checks.length} checks passed${warned ? ` (${warned} with warnings)` : ''}`;
    },
};

;// CONCATENATED MODULE: ./src/pipeline/promote.ts


















const PROMOTION = [
    [preflightStep, 'setup'],
    [lock/* lockStep */.s, 'setup'],
    [
        (0,ownership/* thenClaim */.iH)(prevalidateStep, (ctx) => rotationWanted(ctx) ? "its role's password was never delivered: this run rotates it" : undefined),
        'setup',
    ],
    [steps_plan/* planStep */.ek, 'plan'],
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
 * The shared application's role(s): named explicitly, or found as the roles that RLS policies
 * on the tenant's tables name, or that may write to them (superusers, the connecting role and
 * PUBLIC excluded). Their grants and policies are remapped to the tenant's role in the clone.
 */
async function sharedAppRoles(client, plan, explicit) {
    if (explicit)
        return [explicit];
    const tables = plan.tables.filter((t) => t.kind !== 'reference').map((t) => `${t.schema}.${t.name}`);
    const { rows } = await client.query(`WITH planned AS (
       SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE (n.nspname || '.' || c.relname) = ANY($1::text[])
     ), named AS (
       SELECT unnest(p.polroles) AS role FROM pg_policy p WHERE p.polrelid IN (SELECT oid FROM planned)
       UNION
       SELECT a.grantee FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid IN (SELECT oid FROM planned) AND a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE')
     )
     SELECT DISTINCT r.rolname FROM named JOIN pg_roles r ON r.oid = named.role
      WHERE NOT r.rolsuper AND r.rolname <> current_user
        AND r.oid NOT IN (SELECT c.relowner FROM pg_class c WHERE c.oid IN (SELECT oid FROM planned))
      ORDER BY 1`, [tables]);
    return rows.map((r) => r.rolname);
}


/***/ })

};
;