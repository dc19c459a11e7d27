"use strict";
exports.id = 414;
exports.ids = [414];
exports.modules = {

/***/ 16033:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  promote: () => (/* binding */ promote)
});

// UNUSED EXPORTS: promotionSteps

// EXTERNAL MODULE: ./src/pipeline/engine.ts + 2 modules
var engine = __webpack_require__(81558);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
// EXTERNAL MODULE: ./src/postgres/checksum.ts
var checksum = __webpack_require__(73600);
// EXTERNAL MODULE: ./src/postgres/connect.ts
var connect = __webpack_require__(36741);
// EXTERNAL MODULE: ./src/postgres/plan-check.ts
var plan_check = __webpack_require__(86521);
// EXTERNAL MODULE: ./src/postgres/sql.ts
var sql = __webpack_require__(75259);
// EXTERNAL MODULE: ./src/postgres/tenants.ts
var tenants = __webpack_require__(96470);
;// CONCATENATED MODULE: ./src/pipeline/steps/cleanup.ts






/**
 * Removes the tenant's rows from the shared database — never the tenants row, which now
 * carries the routing flag — in one transaction, children first. Before deleting it re-checks
 * that the rows still equal what was verified at the switch (a writer ignoring the contract
 * would otherwise lose data), and it asserts that the rows deleted equal the rows verified.
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
            throw new errors/* PromotionError */.g1('cleanup-refused', 'No verified counts and digests were recorded at the switch, so the shared rows cannot be proven safe to delete.', 'Keep the shared rows (keep-shared-data) and check the tenant with `tenant-isolation status --verify`.');
        }
        const session = await (0,connect/* connect */.Ng)(ctx.options.databaseUrl);
        try {
            await (0,connect/* setTenantId */.si)(session, plan.tenantId);
            await (0,checksum/* setComparableSession */.LP)(session);
            await session.query('BEGIN');
            // Hold the tenant row FOR SHARE: it stays isolated (a rollback needs FOR UPDATE) while
            // contract-following writers, which now read it FOR SHARE and write to the isolated
            // database, are not blocked by a cleanup that may run for a while.
            await session.query(`SELECT 1 FROM ${(0,sql/* quoteQualified */.$)(ctx.options.tenantsTable)} t WHERE t.slug = $1 FOR SHARE`, [ctx.names.slug]);
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
                await session.query(`SELECT count(*) FROM (SELECT 1 FROM ${table.qualified} t WHERE ${table.where} FOR UPDATE OF t) locked`);
            }
            const links = await (0,plan_check/* referenceBlockers */.J)(session, plan.tables, { incomingOnly: true });
            if (links.length) {
                throw new errors/* PromotionError */.g1('cleanup-refused', `Other tenants' rows now reference this tenant's shared rows, so nothing was deleted: ${links.join('; ')}`, 'Those references were made after the promotion was planned. Resolve them (the isolated database has the rows), then re-run to finish the cleanup.');
            }
            if (changed.length) {
                throw new errors/* PromotionError */.g1('cleanup-refused', `The tenant's shared rows changed after the switch, so nothing was deleted: ${changed.join('; ')}.`, 'A writer is still writing to the shared database for this tenant (it ignores the FOR SHARE contract). Stop it, move those writes to the isolated database, then re-run to finish the cleanup.');
            }
            let deleted = 0;
            for (const table of plan.deleteOrder) {
                const res = await session.query(`DELETE FROM ${table.qualified} AS t WHERE ${table.where}`);
                const n = res.rowCount ?? 0;
                const expected = verified[table.qualified].count;
                if (n !== expected) {
                    throw new errors/* PromotionError */.g1('cleanup-refused', `Cleanup would delete ${n} rows from ${table.qualified} but ${expected} were verified; nothing was deleted.`, 'Check for ON DELETE CASCADE or triggers that reach this table, then re-run.');
                }
                const entry = ctx.record.tables.find((e) => e.schema === table.schema && e.name === table.name);
                if (entry)
                    entry.deletedRows = n;
                deleted += n;
            }
            const tenant = await (0,tenants/* readTenant */.RM)(session, ctx.options.tenantsTable, ctx.names.slug);
            await (0,tenants/* writeIsolation */.AF)(session, ctx.options.tenantsTable, tenant, { ...tenant.isolation, shared_rows_removed: true }, {
                from: 'isolated',
                to: 'isolated',
            });
            await session.query('COMMIT');
            ctx.tenant = { ...tenant, isolation: { ...tenant.isolation, shared_rows_removed: true } };
            return `${deleted} rows deleted from ${plan.deleteOrder.length} tables (equal to the rows verified at the switch)`;
        }
        catch (e) {
            await session.query('ROLLBACK').catch(() => undefined);
            throw e;
        }
        finally {
            await session.end().catch(() => undefined);
        }
    },
};

// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(83849);
;// CONCATENATED MODULE: ./src/postgres/app-roles.ts
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

// EXTERNAL MODULE: ./src/postgres/schema-clone.ts + 3 modules
var schema_clone = __webpack_require__(52682);
// EXTERNAL MODULE: ./src/postgres/urls.ts
var urls = __webpack_require__(31085);
;// CONCATENATED MODULE: ./src/pipeline/steps/clone-schema.ts





const qi = esm/* default.escapeIdentifier */.Ay.escapeIdentifier;
async function withTarget(ctx, fn) {
    const client = await (0,connect/* connect */.Ng)((0,urls/* databaseUrl */.FA)(ctx.options.databaseUrl, ctx.names.database));
    try {
        return await fn(client);
    }
    finally {
        await client.end();
    }
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
        const shared = await sharedAppRoles(source, ctx.plan, ctx.options.sharedAppRole);
        ctx.sharedRoles = shared;
        const roleMap = new Map(shared.map((r) => [r, ctx.names.appRole]));
        const script = await (0,schema_clone/* buildSchemaScript */.HY)(source, { ownerRole: ctx.names.ownerRole, roleMap });
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
      WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg_temp%'
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
        return `${rows} rows (${formatBytes(bytes)}) in ${plan.tables.length} tables`;
    },
    // The copied rows live only in the new database, which create-database's undo drops.
};

// EXTERNAL MODULE: ./src/postgres/database.ts
var database = __webpack_require__(42514);
;// CONCATENATED MODULE: ./src/pipeline/steps/create-database.ts

/** `CREATE DATABASE tenant_<slug>` from template0 with the shared database's locale. */
const createDatabaseStep = {
    name: 'create-database',
    title: 'Create the tenant database',
    async run(ctx) {
        const { names } = ctx;
        await (0,database/* createTenantDatabase */.e6)(ctx.lockSession, names.database, names.ownerRole, {
            slug: names.slug,
            sourceDatabase: ctx.sharedDatabase,
        });
        return `database ${names.database}, owned by ${names.ownerRole}, CONNECT revoked from PUBLIC`;
    },
    async undo(ctx) {
        if (ctx.keepArtifacts)
            return;
        await (0,database/* dropTenantDatabase */.zx)(ctx.lockSession, ctx.names.database, ctx.names.slug, ctx.sharedDatabase);
    },
};

// EXTERNAL MODULE: ./src/cloudrun/deploy.ts + 2 modules
var deploy = __webpack_require__(28025);
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
    skip: (ctx) => ctx.options.skipCloudRun || !ctx.options.cloudRun ? 'Cloud Run skipped (skip-cloud-run)' : undefined,
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
        await (0,deploy/* undoDeploy */.At)(deployment.input, deployment.result);
    },
};

;// CONCATENATED MODULE: ./src/pipeline/steps/finish.ts


/** Marks the promotion complete (state `complete`) with an audit entry. */
const finishStep = {
    name: 'finish',
    title: 'Mark the promotion complete',
    async run(ctx) {
        const session = await (0,connect/* connect */.Ng)(ctx.options.databaseUrl);
        try {
            await session.query('BEGIN');
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
            await session.query('COMMIT');
            return 'state complete, audit entry appended';
        }
        catch (e) {
            await session.query('ROLLBACK').catch(() => undefined);
            throw e;
        }
        finally {
            await session.end().catch(() => undefined);
        }
    },
};

// EXTERNAL MODULE: ./src/pipeline/steps/lock.ts + 1 modules
var lock = __webpack_require__(53537);
// EXTERNAL MODULE: ./src/pipeline/steps/plan.ts
var steps_plan = __webpack_require__(19891);
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
// EXTERNAL MODULE: ./src/cloudrun/service-spec.ts
var service_spec = __webpack_require__(34437);
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
 * Checks everything that needs no database before any database work: with Cloud Run on, the
 * project, image, password secret, endpoints and credentials (so a missing setting fails in a
 * second, not after a copy).
 */
const preflightStep = {
    name: 'preflight',
    title: 'Check the settings',
    async run(ctx) {
        const { options } = ctx;
        if (options.skipCloudRun)
            return 'Cloud Run skipped';
        if (!options.cloudRun) {
            throw new errors/* InputError */.dz('Cloud Run is on, but gcp-project and container-image are not set.', 'Set gcp-project, container-image and db-password-secret (CLI: GOOGLE_CLOUD_PROJECT, CONTAINER_IMAGE, DB_PASSWORD_SECRET), or skip Cloud Run (skip-cloud-run: true, --no-cloud-run).');
        }
        await preflightCloudRun(options.cloudRun);
        return `Cloud Run settings checked (project ${options.cloudRun.project}, region ${options.cloudRun.region})`;
    },
};

// EXTERNAL MODULE: ./src/postgres/roles.ts
var roles = __webpack_require__(55502);
;// CONCATENATED MODULE: ./src/pipeline/steps/prevalidate.ts




/**
 * Connectivity, which database we are on, the tenant and its state, and whether the target
 * database and roles are free — or left by an earlier failed run of this same tenant, in which
 * case they are cleaned (never a database this tool did not create for this tenant).
 */
const prevalidateStep = {
    name: 'prevalidate',
    title: 'Pre-promotion validation',
    async run(ctx) {
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
        await (0,tenants/* checkPrivileges */.$q)(db);
        const tenant = await (0,tenants/* readTenant */.RM)(db, options.tenantsTable, names.slug);
        ctx.tenant = tenant;
        const dbState = await (0,database/* databaseMarker */.O9)(db, names.database);
        const isolation = tenant.isolation;
        if (tenant.isolationMode === 'isolated') {
            if (!dbState.exists) {
                throw new errors/* PromotionError */.g1('tenant-state', `Tenant "${names.slug}" is marked isolated, but its database "${names.database}" does not exist.`, 'Restore the database from backup, or run `tenant-isolation rollback` to return the tenant to shared with its recorded data, after investigating.');
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
            : `tenant ${names.slug} (${tenant.id}) is shared in "${shared}"`;
    },
};

// EXTERNAL MODULE: ./src/secrets.ts
var secrets = __webpack_require__(27194);
;// CONCATENATED MODULE: ./src/pipeline/steps/roles.ts



/**
 * The NOLOGIN owner of the new database and its objects, and the tenant application's LOGIN
 * role with a generated password (sent to the server as a SCRAM verifier, never printed).
 * Leftovers of an earlier failed run of this tenant (proved by their markers) are removed first.
 */
const rolesStep = {
    name: 'roles',
    title: 'Create the tenant roles',
    async run(ctx) {
        const db = ctx.lockSession;
        const { names } = ctx;
        if (ctx.leftovers?.length) {
            await (0,database/* dropTenantDatabase */.zx)(db, names.database, names.slug, ctx.sharedDatabase);
            await (0,roles/* dropTenantRoles */.Zc)(db, { owner: names.ownerRole, app: names.appRole }, names.slug, ctx.sharedDatabase);
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
        await (0,roles/* dropTenantRoles */.Zc)(ctx.lockSession, { owner: ctx.names.ownerRole, app: ctx.names.appRole }, ctx.names.slug, ctx.sharedDatabase);
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
        tenantId: ctx.tenant.id,
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
        await (0,steps_plan/* releaseSnapshot */.i)(ctx);
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
            let settledBase = first;
            if (firstChanged.length) {
                await (0,catch_up/* catchUp */.xA)(base, target, first);
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
                await source.query(`SELECT 1 FROM ${(0,sql/* quoteQualified */.$)(ctx.options.tenantsTable)} t WHERE t.slug = $1 AND t.id::text = $2 FOR UPDATE`, [ctx.names.slug, plan.tenantId]);
                lockedAt = performance.now();
                // Whatever remains of the window bounds every statement under the freeze.
                await source.query(`SELECT set_config('statement_timeout', $1, true)`, [`${maxFreeze}ms`]);
                // statement_timeout bounds each statement, not their sum: a watchdog cancels whatever runs
                // when the whole window is used up, so the tenant's writes never wait past max-freeze.
                watchdog = freezeWatchdog(killer, [source, target], maxFreeze - (performance.now() - lockedAt));
                let pass;
                try {
                    pass = await (0,catch_up/* freezePass */.be)(source, target, settledBase.map(catch_up/* verifiedFrom */.tI), snapshotXmin, base);
                }
                catch (e) {
                    if (e instanceof errors/* PromotionError */.g1 || isTimeout(e))
                        throw e;
                    throw new errors/* PromotionError */.g1('validation-failed', `Catching up under the freeze failed: ${e.message}`, 'Nothing was switched. Re-run; if it persists, a writer may be ignoring the FOR SHARE contract (see README).', { cause: e });
                }
                // Rows caught up here may carry ids the shared sequences handed out after the copy: move the
                // new database's sequences past them before any writer can switch over.
                await (0,schema_clone/* syncSequences */.kj)(source, target);
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
                ctx.tenant = { ...tenant, isolationMode: 'isolated', isolation };
                const caught = firstChanged.length
                    ? `; caught up ${firstChanged.length} table(s) changed during the copy`
                    : '';
                const frozen = pass.changedRows || pass.deletedRows
                    ? ` (${pass.changedRows} changed and ${pass.deletedRows} deleted rows applied under the freeze)`
                    : '';
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
 * COMMIT is the commit point. If the connection breaks during COMMIT, the outcome is unknown:
 * read it back on a new session before deciding whether to undo.
 */
async function commitSwitch(ctx, session) {
    try {
        await session.query('COMMIT');
        ctx.record.committed = true;
    }
    catch (e) {
        const check = await (0,connect/* connect */.Ng)(ctx.options.databaseUrl);
        try {
            const tenant = await (0,tenants/* readTenant */.RM)(check, ctx.options.tenantsTable, ctx.names.slug);
            if (tenant.isolationMode === 'isolated' && tenant.isolation?.isolated_db_name === ctx.names.database) {
                ctx.record.committed = true;
                return;
            }
        }
        finally {
            await check.end().catch(() => undefined);
        }
        throw e;
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

// EXTERNAL MODULE: ./src/validation/index.ts + 12 modules
var validation = __webpack_require__(47326);
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
            names: ctx.names,
            sharedDatabase: ctx.sharedDatabase,
            appRole: { name: ctx.names.appRole, password: ctx.appPassword },
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
    [prevalidateStep, 'setup'],
    [steps_plan/* planStep */.e, 'plan'],
    [rolesStep, 'build'],
    [createDatabaseStep, 'build'],
    [cloneSchemaStep, 'build'],
    [copyStep, 'build'],
    [cloneSchemaAfterStep, 'build'],
    [deployStep, 'build'],
    [validateStep, 'build'],
    [switchStep, 'build'],
    [routingStep, 'after-switch'],
    [cleanupStep, 'after-switch'],
    [finishStep, 'after-switch'],
];
function skipReason(phase, mode, dryRun, name) {
    if (phase === 'setup' || mode === undefined)
        return undefined;
    if (mode === 'already-isolated')
        return 'tenant already isolated';
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
        skip: (ctx) => skipReason(phase, ctx.mode, ctx.options.dryRun, step.name) ?? step.skip?.(ctx),
    }));
}
/** Promotes one tenant: the engine behind both the action and the CLI. */
async function promote(input, deps) {
    const ctx = await (0,engine/* runOperation */.xj)('promote', input, deps, promotionSteps(), (c) => c.mode === 'already-isolated' ? 'already-isolated' : c.options.dryRun ? 'dry-run' : 'promoted');
    const { record } = ctx;
    return {
        record,
        databasePassword: record.result === 'promoted' ? ctx.appPassword : undefined,
        configFiles: ctx.configFiles,
    };
}


/***/ })

};
;