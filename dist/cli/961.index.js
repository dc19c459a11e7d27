"use strict";
exports.id = 961;
exports.ids = [961];
exports.modules = {

/***/ 12454:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   H: () => (/* binding */ secretManagerClient),
/* harmony export */   servicesClient: () => (/* binding */ servicesClient)
/* harmony export */ });
/* unused harmony export clientOptions */
/* harmony import */ var _endpoint__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(14245);

/** CommonJS modules imported dynamically may arrive as `{ default: module }`. */
function cjs(mod, key) {
    return key in mod ? mod : (mod.default ?? mod);
}
/**
 * Options for a google-gax client. TLS endpoints pass host and port only (credentials are
 * Application Default Credentials). The plaintext form uses insecure channel credentials, which
 * also replace Google's call credentials, and a fixed universe domain so the client does not go
 * looking for credentials to learn it.
 */
async function clientOptions(endpoint) {
    if (!endpoint)
        return {};
    if (!endpoint.insecure)
        return { apiEndpoint: endpoint.host, port: endpoint.port };
    const grpc = cjs(await __webpack_require__.e(/* import() */ 33).then(__webpack_require__.bind(__webpack_require__, 83033)), 'credentials');
    return {
        apiEndpoint: endpoint.host,
        port: endpoint.port,
        sslCreds: grpc.credentials.createInsecure(),
        universeDomain: 'googleapis.com',
    };
}
async function servicesClient(options) {
    const endpoint = (0,_endpoint__WEBPACK_IMPORTED_MODULE_0__/* .parseEndpoint */ .B)(options.apiEndpoint, options.allowInsecureEndpoint, 'cloud-run-api-endpoint');
    const run = cjs(await Promise.all(/* import() */[__webpack_require__.e(33), __webpack_require__.e(144), __webpack_require__.e(475)]).then(__webpack_require__.bind(__webpack_require__, 89475)), 'ServicesClient');
    return new run.ServicesClient(await clientOptions(endpoint));
}
async function secretManagerClient(options) {
    const endpoint = (0,_endpoint__WEBPACK_IMPORTED_MODULE_0__/* .parseEndpoint */ .B)(options.secretManagerEndpoint, options.allowInsecureEndpoint, 'secret-manager-api-endpoint');
    const sm = cjs(await Promise.all(/* import() */[__webpack_require__.e(33), __webpack_require__.e(144), __webpack_require__.e(900)]).then(__webpack_require__.bind(__webpack_require__, 17900)), 'SecretManagerServiceClient');
    return new sm.SecretManagerServiceClient(await clientOptions(endpoint));
}


/***/ }),

/***/ 28025:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  hs: () => (/* binding */ deleteService),
  ir: () => (/* binding */ deployRotatedPassword),
  z5: () => (/* binding */ deployService),
  qb: () => (/* binding */ retireSecretVersion),
  At: () => (/* binding */ undoDeploy)
});

// UNUSED EXPORTS: readiness

// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
// EXTERNAL MODULE: ./src/secrets.ts
var secrets = __webpack_require__(27194);
// EXTERNAL MODULE: ./src/cloudrun/clients.ts
var clients = __webpack_require__(12454);
;// CONCATENATED MODULE: ./src/cloudrun/google-errors.ts
/**
 * Google API errors as PromotionErrors: the gRPC status turned into a message a user can act on,
 * with the IAM role or setting that fixes it.
 */


/** gRPC status codes used here. */
const Status = {
    INVALID_ARGUMENT: 3,
    DEADLINE_EXCEEDED: 4,
    NOT_FOUND: 5,
    ALREADY_EXISTS: 6,
    PERMISSION_DENIED: 7,
    FAILED_PRECONDITION: 9,
    ABORTED: 10,
    UNAVAILABLE: 14,
    UNAUTHENTICATED: 16,
};
function grpcCode(e) {
    const code = e?.code;
    return typeof code === 'number' ? code : undefined;
}
function isNotFound(e) {
    return grpcCode(e) === Status.NOT_FOUND;
}
/** The server's own words, without the `5 NOT_FOUND: ` prefix grpc-js adds to `message`. */
function grpcDetails(e) {
    const err = e;
    if (typeof err?.details === 'string' && err.details)
        return err.details;
    if (typeof err?.message === 'string')
        return err.message.replace(/^\d+ [A-Z_]+: /, '');
    return String(e);
}
function googleError(e, what, hints = {}) {
    if (e instanceof errors/* PromotionError */.g1)
        return e;
    const code = grpcCode(e);
    const details = (0,secrets/* redact */.E$)(grpcDetails(e));
    let hint = hints.other;
    if (code === Status.PERMISSION_DENIED && hints.permission)
        hint = hints.permission;
    else if (code === Status.NOT_FOUND && hints.notFound)
        hint = hints.notFound;
    else if (code === Status.UNAUTHENTICATED || /Could not load the default credentials/i.test(details))
        hint =
            'The Google credentials were refused: check the google-github-actions/auth step (workload identity provider and service account) or GOOGLE_APPLICATION_CREDENTIALS.';
    else if (code === Status.UNAVAILABLE || code === Status.DEADLINE_EXCEEDED)
        hint =
            'The API did not answer in time: re-run the promotion; check cloud-run-api-endpoint if you set one.';
    return new errors/* PromotionError */.g1('cloud-run', `${what}: ${details}`, hint, { cause: e });
}
const RUN_PERMISSION_HINT = 'The deploying identity needs roles/run.admin on the project and roles/iam.serviceAccountUser on the runtime service account (the "actAs" permission).';
const SECRET_PERMISSION_HINT = 'The deploying identity needs roles/secretmanager.secretVersionAdder on the secret (and roles/secretmanager.secretVersionManager to undo); the runtime service account needs roles/secretmanager.secretAccessor.';

;// CONCATENATED MODULE: ./src/cloudrun/secret.ts


const NOT_FOUND_HINT = 'Create the secret first (gcloud secrets create <name> --replication-policy=automatic), or fix db-password-secret.';
/** Fails with a clear error when the secret is missing or unreadable (used by dry runs). */
async function checkSecret(client, secret) {
    try {
        await client.getSecret({ name: secret });
    }
    catch (e) {
        throw googleError(e, `Secret ${secret} cannot be read`, {
            permission: SECRET_PERMISSION_HINT,
            notFound: NOT_FOUND_HINT,
        });
    }
}
/** Adds `password` as a new version; returns the version's full name. */
async function addPasswordVersion(client, secret, password) {
    try {
        const [version] = await client.addSecretVersion({
            parent: secret,
            payload: { data: Buffer.from(password, 'utf8') },
        });
        if (!version.name)
            throw new Error('Secret Manager answered without a version name');
        return version.name;
    }
    catch (e) {
        throw googleError(e, `Could not add a version to secret ${secret}`, {
            permission: SECRET_PERMISSION_HINT,
            notFound: NOT_FOUND_HINT,
        });
    }
}
/**
 * Retires a version this run added: destroyed (the password belongs to a role the undo drops),
 * or at least disabled when destroying is not allowed. A version already gone is fine.
 */
async function retireVersion(client, version, log) {
    try {
        await client.destroySecretVersion({ name: version });
        log.info(`Destroyed secret version ${version}.`);
        return;
    }
    catch (e) {
        if (isNotFound(e))
            return;
        log.warn(`Could not destroy secret version ${version} (${(0,secrets/* redact */.E$)(grpcDetails(e))}); disabling it instead.`);
    }
    try {
        await client.disableSecretVersion({ name: version });
        log.info(`Disabled secret version ${version}.`);
    }
    catch (e) {
        if (isNotFound(e))
            return;
        throw googleError(e, `Could not disable secret version ${version}`, {
            permission: SECRET_PERMISSION_HINT,
        });
    }
}

// EXTERNAL MODULE: ./src/cloudrun/service-spec.ts
var service_spec = __webpack_require__(34437);
;// CONCATENATED MODULE: ./src/cloudrun/deploy.ts






const CONDITION_SUCCEEDED = 4;
const CONDITION_FAILED = 3;
function shortName(resource) {
    return resource ? resource.split('/').pop() : undefined;
}
/** Enums arrive as numbers from decoded operations and as names elsewhere. */
function conditionState(service) {
    const state = service.terminalCondition?.state;
    if (typeof state === 'number')
        return state;
    if (state === 'CONDITION_SUCCEEDED')
        return CONDITION_SUCCEEDED;
    if (state === 'CONDITION_FAILED')
        return CONDITION_FAILED;
    return undefined;
}
function readiness(service) {
    const state = conditionState(service);
    const latestReady = service.latestReadyRevision;
    const latestCreated = service.latestCreatedRevision;
    if (state === CONDITION_SUCCEEDED && latestReady && (!latestCreated || latestReady === latestCreated))
        return { ready: true };
    const message = service.terminalCondition?.message ||
        (state === CONDITION_SUCCEEDED
            ? `revision ${shortName(latestCreated)} is not serving yet (latest ready: ${shortName(latestReady) ?? 'none'})`
            : 'the service did not report a ready condition');
    return { ready: false, message: (0,secrets/* redact */.E$)(message) };
}
/** Rejects after `ms` or on abort, whichever comes first; `stop` stops the background work. */
async function withDeadline(work, ms, signal, what, stop) {
    let timer;
    let onAbort;
    const limit = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new errors/* PromotionError */.g1('cloud-run', `${what} did not finish within ${Math.round(ms / 1000)} s.`, 'The operation may still complete in Cloud Run: check the service in the console, then re-run; raise the deadline if deployments are slow.')), ms);
        onAbort = () => reject(new errors/* PromotionError */.g1('cancelled', `${what} was cancelled.`));
        if (signal?.aborted)
            onAbort();
        else
            signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
        return await Promise.race([work, limit]);
    }
    catch (e) {
        stop();
        throw e;
    }
    finally {
        clearTimeout(timer);
        if (onAbort)
            signal?.removeEventListener('abort', onAbort);
    }
}
async function waitFor(op, deadlineMs, signal, what) {
    const [response] = (await withDeadline(op.promise(), deadlineMs, signal, what, () => op.removeAllListeners()));
    return response;
}
async function getService(client, name) {
    try {
        const [service] = await client.getService({ name });
        return service;
    }
    catch (e) {
        if (isNotFound(e))
            return undefined;
        throw googleError(e, `Could not read Cloud Run service ${name}`, { permission: RUN_PERMISSION_HINT });
    }
}
async function closeQuietly(...clients) {
    await Promise.all(clients.map((c) => c?.close().catch(() => undefined)));
}
async function deployService(input) {
    const { options, log, dryRun, signal } = input;
    log.secret(input.database.password);
    const fullName = (0,service_spec/* serviceFullName */.QI)(options, input.serviceName);
    const secret = (0,service_spec/* secretResourceName */.aL)(options.dbPasswordSecret ?? '', options.project);
    const deadlineMs = options.deadlineSeconds * 1000;
    const started = Date.now();
    const remaining = () => Math.max(1, deadlineMs - (Date.now() - started));
    let run;
    let sm;
    /** Whether the update was sent (before that, only the secret version needs undoing). */
    let touched = false;
    const result = {
        serviceName: input.serviceName,
        fullName,
        created: false,
        ready: false,
        validatedOnly: dryRun,
    };
    try {
        run = await (0,clients.servicesClient)(options);
        sm = await (0,clients/* secretManagerClient */.H)(options);
        const existing = await getService(run, fullName);
        result.created = !existing;
        result.previousRevision = shortName(existing?.latestReadyRevision);
        log.info(existing
            ? `Updating Cloud Run service ${fullName} (serving revision ${result.previousRevision ?? 'none'}).`
            : `Creating Cloud Run service ${fullName}.`);
        let version = 'latest';
        if (dryRun) {
            await checkSecret(sm, secret);
        }
        else {
            result.secretVersion = await addPasswordVersion(sm, secret, input.database.password);
            version = (0,service_spec/* versionId */.Ik)(result.secretVersion);
            log.info(`Added version ${version} to secret ${secret}.`);
        }
        const service = (0,service_spec/* buildService */.u1)({
            options,
            serviceName: input.serviceName,
            slug: input.slug,
            tenantId: input.tenantId,
            database: input.database,
            passwordSecret: { secret, version },
            existing,
        });
        let deployed;
        touched = true;
        try {
            const [op] = await run.updateService({ service, allowMissing: true, validateOnly: dryRun });
            deployed = await waitFor(op, remaining(), signal, `Deployment of ${input.serviceName}`);
        }
        catch (e) {
            if (e instanceof errors/* PromotionError */.g1)
                throw e;
            // A failed operation may still have left a service or a failed revision behind.
            const after = dryRun ? undefined : await getService(run, fullName).catch(() => undefined);
            if (after &&
                after.latestCreatedRevision &&
                after.latestCreatedRevision !== existing?.latestCreatedRevision) {
                Object.assign(result, serviceFacts(after));
                result.ready = false;
                result.readyMessage = (0,secrets/* redact */.E$)(after.terminalCondition?.message || grpcDetails(e));
                return result;
            }
            throw googleError(e, `Cloud Run refused ${dryRun ? 'to validate' : 'to deploy'} ${input.serviceName}`, {
                permission: RUN_PERMISSION_HINT,
            });
        }
        if (dryRun) {
            log.info(`Dry run: Cloud Run validated the service spec of ${input.serviceName}; nothing was deployed.`);
            result.readyMessage = 'dry run: validated only, not deployed';
            return result;
        }
        // The operation's response can predate the final condition: read the service itself.
        const now = (await getService(run, fullName)) ?? deployed;
        Object.assign(result, serviceFacts(now));
        const { ready, message } = readiness(now);
        result.ready = ready;
        result.readyMessage = message;
        if (ready)
            log.info(`Service ${input.serviceName} is ready: revision ${result.revision}, ${result.url ?? 'no URL'}.`);
        else
            log.warn(`Service ${input.serviceName} is not ready: ${message}`);
        return result;
    }
    catch (e) {
        // The caller has no result to undo with: undo what this call did before reporting the error.
        const err = e instanceof errors/* PromotionError */.g1 ? e : googleError(e, `Cloud Run deployment of ${input.serviceName} failed`);
        if (!dryRun && (result.secretVersion || touched)) {
            try {
                await undoWith(touched ? run : undefined, sm, input, result);
            }
            catch (undoErr) {
                log.error(`Cleaning up after the failed deployment also failed: ${(0,secrets/* redact */.E$)((0,errors/* describeError */.Uc)(undoErr).message)}`);
            }
        }
        throw err;
    }
    finally {
        await closeQuietly(run, sm);
    }
}
function serviceFacts(service) {
    return {
        revision: shortName(service.latestCreatedRevision),
        url: service.uri || service.urls?.[0] || undefined,
    };
}
async function undoWith(run, sm, input, result) {
    const { options, log } = input;
    const problems = [];
    if (run) {
        try {
            if (result.created)
                await deleteWith(run, options, result.fullName, log, input.signal);
            else
                await routeBack(run, options, result, log, input.signal);
        }
        catch (e) {
            problems.push((0,errors/* describeError */.Uc)(e).message);
        }
    }
    if (sm && result.secretVersion) {
        try {
            await retireVersion(sm, result.secretVersion, log);
        }
        catch (e) {
            problems.push((0,errors/* describeError */.Uc)(e).message);
        }
    }
    if (problems.length)
        throw new errors/* PromotionError */.g1('cloud-run', `Undo of the Cloud Run deployment of ${result.serviceName} was incomplete: ${(0,secrets/* redact */.E$)(problems.join('; '))}`, 'Delete the service or retire the secret version by hand (see the recovery procedure in the README).');
}
/** Routes all traffic back to the revision that served before this run. */
async function routeBack(run, options, result, log, signal) {
    if (!result.previousRevision) {
        log.warn(`Service ${result.serviceName} had no ready revision before this run; its traffic is left as it is.`);
        return;
    }
    const current = await getService(run, result.fullName);
    if (!current) {
        log.warn(`Service ${result.serviceName} no longer exists; nothing to route back.`);
        return;
    }
    const service = {
        ...current,
        traffic: [
            { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: result.previousRevision, percent: 100 },
        ],
    };
    try {
        const [op] = await run.updateService({ service });
        await waitFor(op, options.deadlineSeconds * 1000, signal, `Routing traffic of ${result.serviceName} back`);
    }
    catch (e) {
        throw googleError(e, `Could not route traffic of ${result.serviceName} back to ${result.previousRevision}`, {
            permission: RUN_PERMISSION_HINT,
        });
    }
    log.info(`Routed all traffic of ${result.serviceName} back to revision ${result.previousRevision}.`);
}
async function deleteWith(run, options, fullName, log, signal) {
    try {
        const [op] = await run.deleteService({ name: fullName });
        await waitFor(op, options.deadlineSeconds * 1000, signal, `Deletion of ${fullName}`);
        log.info(`Deleted Cloud Run service ${fullName}.`);
    }
    catch (e) {
        if (isNotFound(e)) {
            log.info(`Cloud Run service ${fullName} does not exist; nothing to delete.`);
            return;
        }
        throw googleError(e, `Could not delete Cloud Run service ${fullName}`, {
            permission: RUN_PERMISSION_HINT,
        });
    }
}
/**
 * Undoes a deployment: deletes the service only if this run created it, otherwise routes traffic
 * back to the revision that served before; retires the secret version this run added.
 */
async function undoDeploy(input, result) {
    if (result.validatedOnly)
        return;
    let run;
    let sm;
    try {
        run = await (0,clients.servicesClient)(input.options);
        if (result.secretVersion)
            sm = await (0,clients/* secretManagerClient */.H)(input.options);
        await undoWith(run, sm, input, result);
    }
    finally {
        await closeQuietly(run, sm);
    }
}
/**
 * Rotates the password a running service uses: `changePassword` changes the role's password,
 * `outcomeOnFailure` says, after it threw, whether the change committed anyway (an ambiguous
 * COMMIT), did not, or cannot be known.
 *
 * The order: (1) the new password becomes a new version of the secret; (2) a revision that
 * references that version is deployed, and waited for until it is ready and takes the traffic;
 * (3) only then does the role's password change. The role has one password, and a Cloud Run
 * instance reads DB_PASSWORD from Secret Manager when it starts (the revision pins the version).
 * Until (3) the role keeps the old password, which the revision serving before keeps using while
 * the new one starts: a deployment that fails or times out changes nothing (traffic goes back
 * to the old revision, the new version is retired, the role is untouched). The reverse order
 * would leave the serving revision with a password that no longer works for the whole
 * deployment — and for good if the deployment failed. What remains is the moment between the new
 * revision taking traffic and the one ALTER ROLE statement committing: a connection the new
 * revision opens in it is refused and a retry succeeds; sessions already open are never
 * affected (PostgreSQL checks a password only when a session starts).
 *
 * If the change did not commit, the deployment is undone as above, so the service goes on with
 * the old revision and the old, still valid, password. If it is unknown whether it committed,
 * nothing is undone (routing back would strand the service on a password that may be gone).
 */
async function deployRotatedPassword(input, changePassword, outcomeOnFailure) {
    const { log } = input;
    const result = await deployService({ ...input, dryRun: false });
    const undo = async (why) => {
        try {
            await undoDeploy(input, result);
        }
        catch (e) {
            log.error(`${why}; undoing the rotation's deployment also failed: ${(0,secrets/* redact */.E$)((0,errors/* describeError */.Uc)(e).message)}`);
        }
    };
    if (!result.ready) {
        await undo(`Revision ${result.revision ?? '?'} of ${result.serviceName} is not ready`);
        throw new errors/* PromotionError */.g1('cloud-run', `The rotation's revision of ${result.serviceName} did not become ready (${result.readyMessage ?? 'no reason given'}); the role's password was not changed and the service keeps its previous revision.`, 'Check the container image and the service logs (gcloud run services describe), then re-run.');
    }
    try {
        await changePassword(result);
        return result;
    }
    catch (e) {
        const outcome = await outcomeOnFailure(e).catch(() => 'unknown');
        if (outcome === 'changed')
            return result;
        if (outcome === 'unchanged') {
            await undo('The role’s password could not be changed');
            throw e;
        }
        throw new errors/* PromotionError */.g1('database', `Revision ${result.revision ?? '?'} of ${result.serviceName} uses the rotated password, but whether the role's password changed could not be read back: ${(0,secrets/* redact */.E$)((0,errors/* describeError */.Uc)(e).message)}. The deployment was left in place.`, 'Re-run the promotion: it finds the rotation recorded (then the password was delivered) or rotates again.', { cause: e });
    }
}
/**
 * Deletes a tenant's service (rollback). A missing service is fine; a service this product did
 * not create (no `managed-by` label) is refused.
 */
async function deleteService(options, serviceName, log) {
    const fullName = (0,service_spec/* serviceFullName */.QI)(options, serviceName);
    const run = await (0,clients.servicesClient)(options);
    try {
        const existing = await getService(run, fullName);
        if (!existing) {
            log.info(`Cloud Run service ${fullName} does not exist; nothing to delete.`);
            return;
        }
        if (existing.labels?.['managed-by'] !== service_spec/* MANAGED_BY */.Kf)
            throw new errors/* PromotionError */.g1('cleanup-refused', `Cloud Run service ${fullName} was not deployed by this tool (no label managed-by=${service_spec/* MANAGED_BY */.Kf}); it is left in place.`, 'Delete it yourself if it really belongs to this tenant: gcloud run services delete.');
        await deleteWith(run, options, fullName, log, undefined);
    }
    finally {
        await closeQuietly(run);
    }
}
/**
 * Retires a secret version a promotion added (for a rollback that finds it recorded): destroyed,
 * or disabled when destroying is not allowed; a version already gone is fine.
 */
async function retireSecretVersion(options, version, log) {
    const sm = await (0,clients/* secretManagerClient */.H)(options);
    try {
        await retireVersion(sm, version, log);
    }
    finally {
        await closeQuietly(sm);
    }
}


/***/ }),

/***/ 14245:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   B: () => (/* binding */ parseEndpoint)
/* harmony export */ });
/* unused harmony export isLoopback */
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83916);
/* harmony import */ var _names__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(46455);


const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV6_RE = /^\[[0-9A-Fa-f:.]+\]$/;
const FORMS = 'Use "host[:port]" for a TLS endpoint (port 443 by default), or "http://host:port" for a plaintext local emulator.';
/** True for 127.0.0.0/8, ::1 and localhost. */
function isLoopback(host) {
    const h = host.toLowerCase().replace(/^\[|\]$/g, '');
    if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1')
        return true;
    const m = IPV4_RE.exec(h);
    return !!m && m[1] === '127' && m.slice(1).every((o) => Number(o) <= 255);
}
function validHost(host) {
    const v4 = IPV4_RE.exec(host);
    if (v4)
        return v4.slice(1).every((o) => Number(o) <= 255);
    return IPV6_RE.test(host) || HOSTNAME_RE.test(host);
}
function parsePort(text, raw, input) {
    const port = Number(text);
    if (!/^\d{1,5}$/.test(text) || port < 1 || port > 65535)
        throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .InputError */ .dz(`${input} ${(0,_names__WEBPACK_IMPORTED_MODULE_1__/* .quoteUntrusted */ .X0)(raw)} has an invalid port ${(0,_names__WEBPACK_IMPORTED_MODULE_1__/* .quoteUntrusted */ .X0)(text)}.`, FORMS);
    return port;
}
/** Splits `host[:port]` (IPv6 in brackets); returns undefined when the text is not of that form. */
function splitHostPort(text) {
    const m = /^(\[[^\]]*\]|[^:[\]]+)(?::([^:]*))?$/.exec(text);
    if (!m)
        return undefined;
    return { host: m[1], port: m[2] };
}
/**
 * Parses an API endpoint input. `host[:port]` is TLS with Google credentials (port 443 by
 * default), as for a private endpoint; `https://host[:port]` is the same. `http://host:port` is
 * plaintext without credentials, for a local emulator or test server, and is refused for a
 * host that is not loopback unless `allowInsecure`.
 */
function parseEndpoint(raw, allowInsecure, input = 'cloud-run-api-endpoint') {
    const text = raw?.trim();
    if (!text)
        return undefined;
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
    const rest = scheme ? text.slice(scheme[0].length).replace(/\/$/, '') : text;
    const protocol = scheme?.[1].toLowerCase();
    if (protocol !== undefined && protocol !== 'http' && protocol !== 'https')
        throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .InputError */ .dz(`${input} ${(0,_names__WEBPACK_IMPORTED_MODULE_1__/* .quoteUntrusted */ .X0)(text)} has an unsupported scheme ${(0,_names__WEBPACK_IMPORTED_MODULE_1__/* .quoteUntrusted */ .X0)(protocol)}.`, FORMS);
    if (/[/?#@\s]/.test(rest))
        throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .InputError */ .dz(`${input} ${(0,_names__WEBPACK_IMPORTED_MODULE_1__/* .quoteUntrusted */ .X0)(text)} must be a host and port only (no path, query or credentials).`, FORMS);
    const hp = splitHostPort(rest);
    if (!hp || !validHost(hp.host))
        throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .InputError */ .dz(`${input} ${(0,_names__WEBPACK_IMPORTED_MODULE_1__/* .quoteUntrusted */ .X0)(text)} is not a valid host[:port].`, FORMS);
    const insecure = protocol === 'http';
    const port = hp.port !== undefined ? parsePort(hp.port, text, input) : insecure ? 80 : 443;
    if (insecure && !isLoopback(hp.host) && !allowInsecure)
        throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .InputError */ .dz(`${input} ${(0,_names__WEBPACK_IMPORTED_MODULE_1__/* .quoteUntrusted */ .X0)(text)} is a plaintext endpoint on a host that is not loopback: requests (and the service spec) would cross the network unencrypted and unauthenticated.`, 'Use the TLS form "host[:port]", or set allow-insecure-endpoint: true if this really is a trusted emulator.');
    return { host: hp.host.toLowerCase(), port, insecure };
}


/***/ }),

/***/ 34437:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Ik: () => (/* binding */ versionId),
/* harmony export */   Kf: () => (/* binding */ MANAGED_BY),
/* harmony export */   QI: () => (/* binding */ serviceFullName),
/* harmony export */   aL: () => (/* binding */ secretResourceName),
/* harmony export */   u1: () => (/* binding */ buildService)
/* harmony export */ });
/* unused harmony exports INGRESS, MANAGED_ENV, locationName, labelValue, serviceLabels, connectorName */
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83916);
/* harmony import */ var _names__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(46455);


const MANAGED_BY = 'tenant-promotion';
const INGRESS = {
    all: 'INGRESS_TRAFFIC_ALL',
    internal: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
    'internal-and-cloud-load-balancing': 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
};
/** Environment variables this product owns on the service (others are left alone). */
const MANAGED_ENV = [
    'TENANT_ID',
    'ISOLATION_MODE',
    'DB_NAME',
    'DB_HOST',
    'DB_PORT',
    'DB_USER',
    'DB_PASSWORD',
];
function locationName(options) {
    return `projects/${options.project}/locations/${options.region}`;
}
function serviceFullName(options, serviceName) {
    return `${locationName(options)}/services/${serviceName}`;
}
const SECRET_ID_RE = /^[A-Za-z0-9_-]{1,255}$/;
const PROJECT_RE = /^[a-z0-9][a-z0-9.:-]{0,99}$/;
/** `projects/<p>/secrets/<name>` for `db-password-secret`, given in that form or as a bare name. */
function secretResourceName(secret, project) {
    const text = secret.trim();
    const full = /^projects\/([^/]+)\/secrets\/([^/]+)$/.exec(text);
    if (full && PROJECT_RE.test(full[1]) && SECRET_ID_RE.test(full[2]))
        return text;
    if (SECRET_ID_RE.test(text))
        return `projects/${project}/secrets/${text}`;
    throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .InputError */ .dz(`db-password-secret ${(0,_names__WEBPACK_IMPORTED_MODULE_1__/* .quoteUntrusted */ .X0)(text)} is not a Secret Manager secret name.`, 'Give the secret\'s id (letters, digits, "_" and "-"), e.g. "tenant-db-password", or its full name "projects/<project>/secrets/<id>".');
}
/** The version id at the end of `projects/<p>/secrets/<s>/versions/<id>`. */
function versionId(versionName) {
    return versionName.split('/').pop() ?? versionName;
}
/** A Cloud Run label value: at most 63 lowercase letters, digits, `_` and `-`. */
function labelValue(text) {
    return text
        .toLowerCase()
        .replace(/[^a-z0-9_-]/g, '-')
        .slice(0, 63);
}
function serviceLabels(options, slug) {
    const labels = { 'managed-by': MANAGED_BY, tenant: labelValue(slug) };
    if (options.commitSha)
        labels['commit-sha'] = labelValue(options.commitSha);
    return labels;
}
/** A connector given by name is in the service's project and region. */
function connectorName(options, connector) {
    return connector.includes('/') ? connector : `${locationName(options)}/connectors/${connector}`;
}
function managedEnv(input) {
    const { database: db } = input;
    return [
        { name: 'TENANT_ID', value: input.tenantId },
        { name: 'ISOLATION_MODE', value: 'isolated' },
        { name: 'DB_NAME', value: db.name },
        { name: 'DB_HOST', value: db.host },
        { name: 'DB_PORT', value: String(db.port) },
        { name: 'DB_USER', value: db.user },
        {
            name: 'DB_PASSWORD',
            valueSource: {
                secretKeyRef: { secret: input.passwordSecret.secret, version: input.passwordSecret.version },
            },
        },
    ];
}
/** An env var as input only (drops the oneof discriminator a read adds). */
function plainEnv(e) {
    return e.valueSource
        ? { name: e.name, valueSource: e.valueSource }
        : { name: e.name, value: e.value ?? '' };
}
function buildService(input) {
    const { options, existing } = input;
    const labels = serviceLabels(options, input.slug);
    const managedNames = new Set(MANAGED_ENV);
    const oldTemplate = existing?.template ?? {};
    const [oldPrimary, ...sidecars] = oldTemplate.containers ?? [];
    const keptEnv = (oldPrimary?.env ?? []).filter((e) => !managedNames.has(e.name ?? '')).map(plainEnv);
    const primary = {
        ...(oldPrimary ?? {}),
        image: options.image,
        env: [...keptEnv, ...managedEnv(input)],
    };
    const template = {
        ...oldTemplate,
        // A fixed revision name would make every later deploy fail: let Cloud Run name revisions.
        revision: undefined,
        labels: { ...(oldTemplate.labels ?? {}), ...labels },
        containers: [primary, ...sidecars],
        scaling: { minInstanceCount: options.minInstances, maxInstanceCount: options.maxInstances },
    };
    delete template.revision;
    if (options.vpcConnector)
        template.vpcAccess = {
            ...(oldTemplate.vpcAccess ?? {}),
            connector: connectorName(options, options.vpcConnector),
            egress: oldTemplate.vpcAccess?.egress || 'PRIVATE_RANGES_ONLY',
        };
    if (options.serviceAccount)
        template.serviceAccount = options.serviceAccount;
    const service = {
        name: serviceFullName(options, input.serviceName),
        labels: { ...(existing?.labels ?? {}), ...labels },
        ingress: INGRESS[options.ingress],
        template,
        // The new revision takes all traffic (also after an earlier undo pinned an old revision).
        traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
    };
    if (existing) {
        // Keep what others set on the service itself; the etag makes a concurrent change fail, not vanish.
        for (const key of [
            'description',
            'annotations',
            'binaryAuthorization',
            'customAudiences',
            'invokerIamDisabled',
            'launchStage',
            'scaling',
        ]) {
            const value = existing[key];
            if (value !== undefined && value !== null)
                service[key] = value;
        }
        if (existing.etag)
            service.etag = existing.etag;
    }
    return service;
}


/***/ }),

/***/ 81558:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  xj: () => (/* binding */ runOperation),
  Ds: () => (/* binding */ urlPassword)
});

// UNUSED EXPORTS: newRecord

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(77598);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
// EXTERNAL MODULE: ./src/names.ts
var src_names = __webpack_require__(46455);
// EXTERNAL MODULE: ./src/options.ts
var src_options = __webpack_require__(88381);
// EXTERNAL MODULE: ./src/secrets.ts
var secrets = __webpack_require__(27194);
;// CONCATENATED MODULE: ./src/pipeline/faults.ts

/**
 * Failpoints for fault tests, in the spirit of database failpoints: the environment variable
 * TENANT_PROMOTION_FAULT=<action>@<point>[,…] with action `fail` (throw) or `kill` (SIGKILL the
 * process) and point `before:<step>` / `after:<step>` / `copy:<table>` (mid-copy). Unset in
 * production, where this costs one lookup per step.
 */
function faultsFromEnv(value = process.env.TENANT_PROMOTION_FAULT) {
    if (!value)
        return undefined;
    const rules = value
        .split(',')
        .map((r) => r.trim().split('@'))
        .filter((r) => r.length === 2);
    return (point) => {
        for (const [action, at] of rules) {
            if (at !== point)
                continue;
            if (action === 'kill')
                process.kill(process.pid, 'SIGKILL');
            if (action === 'fail')
                throw new errors/* PromotionError */.g1('internal', `Injected fault at ${point}`, 'Test failpoint.');
        }
    };
}

;// CONCATENATED MODULE: ./src/pipeline/runner.ts


const now = () => new Date().toISOString();
/**
 * Runs steps in order, recording status and duration. On failure before the commit point it
 * undoes the completed steps in reverse; after the commit point it stops and leaves the run
 * resumable. Returns normally; the outcome is in the record (result, error, undone).
 */
async function runSteps(steps, ctx, hooks = {}) {
    const { record, log } = ctx;
    record.steps = steps.map((s) => ({ name: s.name, title: s.title, status: 'pending' }));
    const completed = [];
    const changed = async () => {
        try {
            await hooks.onChange?.(record);
        }
        catch (e) {
            log.warn(`could not update the progress report: ${(0,secrets/* redact */.E$)((0,errors/* describeError */.Uc)(e).message)}`);
        }
    };
    for (const [i, step] of steps.entries()) {
        const entry = record.steps[i];
        const skipReason = step.skip?.(ctx);
        if (skipReason) {
            entry.status = 'skipped';
            entry.detail = skipReason;
            continue;
        }
        entry.status = 'running';
        entry.startedAt = now();
        await changed();
        const started = performance.now();
        try {
            if (ctx.signal?.aborted)
                throw ctx.signal.reason ?? new Error('cancelled');
            await hooks.fault?.(`before:${step.name}`);
            const detail = await log.group(step.title, () => step.run(ctx));
            await hooks.fault?.(`after:${step.name}`);
            entry.status = 'done';
            if (typeof detail === 'string')
                entry.detail = (0,secrets/* redact */.E$)(detail);
            completed.push(step);
            if (step.commitPoint)
                record.committed = true;
        }
        catch (e) {
            const err = (0,errors/* describeError */.Uc)(e);
            entry.status = 'failed';
            entry.error = (0,secrets/* redact */.E$)(err.message);
            record.error = {
                code: err.code,
                message: (0,secrets/* redact */.E$)(err.message),
                hint: err.hint && (0,secrets/* redact */.E$)(err.hint),
                step: step.name,
            };
            record.result = 'failed';
            log.error(`${step.title} failed: ${(0,secrets/* redact */.E$)(err.message)}${err.hint ? `\n${(0,secrets/* redact */.E$)(err.hint)}` : ''}`);
            // A step that passes the commit point sets record.committed itself, at the moment of commit.
            // A run that lost the tenant to another run undoes nothing: what exists is the other run's.
            if (!record.committed && err.code !== 'ownership-lost')
                await undoCompleted([...completed, step], ctx);
            entry.durationMs = Math.round(performance.now() - started);
            record.finishedAt = now();
            await changed();
            return record;
        }
        finally {
            entry.durationMs ??= Math.round(performance.now() - started);
        }
        await changed();
    }
    record.finishedAt = now();
    return record;
}
async function undoCompleted(completed, ctx) {
    // The failing step may have done part of its work, so its own undo runs first: every undo is
    // idempotent and safe to run on partial work.
    for (const step of [...completed].reverse()) {
        const entry = ctx.record.steps.find((s) => s.name === step.name);
        if (!step.undo)
            continue;
        try {
            await ctx.log.group(`Undo: ${step.title}`, () => step.undo(ctx));
            entry.status = 'undone';
            ctx.record.undone.push(step.name);
        }
        catch (e) {
            const err = (0,errors/* describeError */.Uc)(e);
            entry.status = 'undo-failed';
            entry.error = (0,secrets/* redact */.E$)(err.message);
            ctx.log.error(`Undo of ${step.title} failed: ${entry.error}`);
            if (err.code === 'ownership-lost') {
                // Another run owns the tenant now: what is left is its business, not this run's to
                // remove by hand. The run's outcome says so, with the failure that started the undo.
                const first = ctx.record.error;
                ctx.record.error = {
                    code: err.code,
                    message: (0,secrets/* redact */.E$)(`${err.message}${first ? ` (this run had failed: ${first.message})` : ''}`),
                    hint: err.hint && (0,secrets/* redact */.E$)(err.hint),
                    step: first?.step,
                };
                return;
            }
        }
    }
}

// EXTERNAL MODULE: ./src/pipeline/steps/plan.ts + 1 modules
var plan = __webpack_require__(56518);
;// CONCATENATED MODULE: ./src/pipeline/engine.ts








/**
 * What promote and rollback share: options parsed, secrets registered, names derived, one record
 * and one context, the steps run, the sessions released whatever happened. Never throws for a
 * failed run: the outcome (result, error, what was undone) is in the record.
 */
async function runOperation(operation, input, deps, steps, resultOf) {
    const options = src_options/* PromotionOptions */.w5.parse(input);
    (0,secrets/* registerSecret */.cl)(urlPassword(options.databaseUrl));
    const names = (0,src_names/* deriveNames */.On)(options.tenantSlug, options.baseDomain);
    const record = newRecord(operation, names.slug, deps, options.dryRun);
    record.database = names.database;
    const ctx = {
        options,
        names,
        deps,
        run: {
            id: (0,external_node_crypto_.randomUUID)(),
            label: deps.trigger.runId ? `run ${deps.trigger.runId}` : deps.trigger.source,
            operation,
            since: record.startedAt,
        },
        record,
        log: deps.log,
        signal: deps.signal,
        configFiles: [],
    };
    try {
        await runSteps(steps, ctx, { onChange: deps.onChange, fault: deps.fault ?? faultsFromEnv() });
        if (record.result !== 'failed')
            record.result = resultOf(ctx);
    }
    catch (e) {
        // runSteps records step failures itself; this is a failure of the machinery around it.
        const err = (0,errors/* describeError */.Uc)(e);
        record.result = 'failed';
        record.error = { code: err.code, message: (0,secrets/* redact */.E$)(err.message), hint: err.hint && (0,secrets/* redact */.E$)(err.hint) };
    }
    finally {
        await releaseRun(ctx);
        record.finishedAt = new Date().toISOString();
    }
    return ctx;
}
function newRecord(operation, slug, deps, dryRun) {
    return {
        operation,
        tenant: slug,
        result: 'running',
        dryRun,
        startedAt: new Date().toISOString(),
        trigger: deps.trigger,
        steps: [],
        checks: [],
        tables: [],
        notes: [],
        committed: false,
        undone: [],
    };
}
/** Ends the run's sessions: the snapshot (if still open) and the lock session, which frees the lock. */
async function releaseRun(ctx) {
    await (0,plan/* releaseSnapshot */["if"])(ctx).catch(() => undefined);
    const session = ctx.lockSession;
    ctx.lockSession = undefined;
    if (session)
        await session.end().catch(() => undefined);
}
/** The password in a connection string, to be registered as a secret. */
function urlPassword(url) {
    try {
        return decodeURIComponent(new URL(url).password) || undefined;
    }
    catch {
        return undefined;
    }
}


/***/ }),

/***/ 43651:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   An: () => (/* binding */ withShared),
/* harmony export */   Ox: () => (/* binding */ dropOwnedRoles),
/* harmony export */   WO: () => (/* binding */ dropOwnedDatabase),
/* harmony export */   gv: () => (/* binding */ asOwner),
/* harmony export */   gy: () => (/* binding */ dropAbandonedDatabases),
/* harmony export */   iH: () => (/* binding */ thenClaim),
/* harmony export */   zp: () => (/* binding */ assertOwnerIn)
/* harmony export */ });
/* unused harmony exports claimForRun, doomedName */
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83916);
/* harmony import */ var _postgres_connect__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(36741);
/* harmony import */ var _postgres_database__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(42514);
/* harmony import */ var _postgres_ownership__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(6922);
/* harmony import */ var _postgres_roles__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(55502);
/* harmony import */ var _postgres_sessions__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(73074);







const qi = pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier;
/**
 * The run-level side of fencing (see postgres/ownership.ts): claiming the tenant, and the
 * irreversible writes that must be proved to be this run's — in the shared database, in one
 * transaction with the proof. Each opens its own session: the lock session may be the very
 * thing that was lost.
 */
function ownerOf(ctx) {
    return { tenantsTable: ctx.options.tenantsTable, slug: ctx.names.slug, runId: ctx.run.id };
}
/** Claims the tenant for this run (prevalidation, after the lock is held; never in a dry run). */
async function claimForRun(ctx) {
    const previous = await (0,_postgres_ownership__WEBPACK_IMPORTED_MODULE_4__/* .claimTenant */ .Ti)(ctx.lockSession, ctx.options.tenantsTable, ctx.names.slug, ctx.run, ctx.options.maxFreezeMs);
    ctx.record.runToken = ctx.run.id;
    return previous
        ? `; claimed from ${previous.operation} run ${previous.id} (${previous.label}, since ${previous.since})`
        : '';
}
/**
 * `step` (a prevalidation), then the claim: a run that will write claims the tenant once it
 * knows it has work to do, so from there on every irreversible write can prove it is this run's.
 */
function thenClaim(step, 
/**
 * An already isolated tenant is left unclaimed, unless this says why this run still writes
 * (e.g. it rotates a password no run delivered); the reason is added to the step's detail.
 */
whenIsolated = () => undefined) {
    return {
        ...step,
        async run(ctx) {
            const found = (await step.run(ctx)) ?? '';
            if (ctx.options.dryRun)
                return found;
            if (ctx.mode === 'already-isolated') {
                const why = whenIsolated(ctx);
                return why ? `${found}; ${why}${await claimForRun(ctx)}` : found;
            }
            return found + (await claimForRun(ctx));
        },
        // Runs last of all undos: the claim goes only once nothing of this run is left.
        async undo(ctx) {
            await step.undo?.(ctx);
            if (!ctx.record.runToken)
                return;
            await withShared(ctx, (c) => (0,_postgres_ownership__WEBPACK_IMPORTED_MODULE_4__/* .releaseClaim */ .qj)(c, ctx.options.tenantsTable, ctx.names.slug, ctx.run.id));
        },
    };
}
/** A fresh session on the shared database, ended after `fn`. */
function withShared(ctx, fn) {
    return (0,_postgres_connect__WEBPACK_IMPORTED_MODULE_2__/* .withConnection */ .p)(ctx.options.databaseUrl, fn);
}
/** `fn` in one shared-database transaction that first proves this run still owns the tenant. */
function asOwner(ctx, what, fn, 
/** For undo: also when the tenant row is gone (see assertOwner). */
opts = {}) {
    return withShared(ctx, (c) => (0,_postgres_ownership__WEBPACK_IMPORTED_MODULE_4__/* .inOwnedTransaction */ .B)(c, { ...ownerOf(ctx), ...opts }, what, () => fn(c)));
}
/** No derived name starts with it (they all start with tenant_), so no tenant's database can match. */
const DOOMED_PREFIX = 'tpdrop_';
/** Name a database is renamed to before this run drops it: unique to the run, within 63 bytes. */
function doomedName(runId) {
    return `${DOOMED_PREFIX}${runId.replace(/[^0-9a-f]/gi, '').slice(0, 24)}`;
}
/**
 * Drops the tenant's database only if this run still owns the tenant: under the tenants row
 * lock, with ownership proved, the database (proved ours by its marker) is renamed to a name
 * unique to this run; only then, outside the transaction (DROP DATABASE cannot run in one), is
 * that name dropped. Another run that claimed the tenant meanwhile is never touched: its
 * database keeps its name until its own run decides. Returns false when there was nothing to drop.
 */
async function dropOwnedDatabase(ctx, name = ctx.names.database) {
    const doomed = doomedName(ctx.run.id);
    const renamed = await asOwner(ctx, `dropping database ${name}`, async (c) => {
        const { exists, marker } = await (0,_postgres_database__WEBPACK_IMPORTED_MODULE_3__/* .databaseMarker */ .O9)(c, name);
        if (!exists)
            return false;
        if (marker?.slug !== ctx.names.slug ||
            (ctx.sharedDatabase && marker.sourceDatabase !== ctx.sharedDatabase)) {
            throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('tenant-state', `Database "${name}" exists but was not created by this tool for tenant "${ctx.names.slug}"; it was left alone.`, 'Inspect it; rename or drop it by hand if it is not in use, then re-run.');
        }
        // RENAME needs the database idle: every session on it is ended (or the run says whose remain).
        const { remaining } = await (0,_postgres_sessions__WEBPACK_IMPORTED_MODULE_6__/* .endSessions */ .v)(c, name, [ctx.names.appRole, ctx.names.ownerRole], true);
        if (remaining.length)
            throw (0,_postgres_sessions__WEBPACK_IMPORTED_MODULE_6__/* .sessionsRemainError */ .m)(name, remaining, `dropping it`);
        try {
            await c.query(`ALTER DATABASE ${qi(name)} RENAME TO ${qi(doomed)}`);
        }
        catch (e) {
            // 55006: a session connected in between.
            if (e.code === '55006') {
                throw (0,_postgres_sessions__WEBPACK_IMPORTED_MODULE_6__/* .sessionsRemainError */ .m)(name, [], 'dropping it (a session connected meanwhile; re-run)');
            }
            throw e;
        }
        return true;
    }, { orphanOk: true });
    await dropRenamed(ctx, doomed);
    return renamed;
}
/** Drops a database this run renamed for dropping (or an earlier run of this tenant left renamed). */
async function dropRenamed(ctx, name) {
    await withShared(ctx, async (c) => {
        const { exists, marker } = await (0,_postgres_database__WEBPACK_IMPORTED_MODULE_3__/* .databaseMarker */ .O9)(c, name);
        if (!exists || marker?.slug !== ctx.names.slug)
            return;
        await c.query(`DROP DATABASE IF EXISTS ${qi(name)} WITH (FORCE)`);
    });
}
/**
 * Databases an earlier run of this tenant renamed for dropping and did not get to drop (it was
 * killed in between). Dropped by the run that owns the tenant now.
 */
async function dropAbandonedDatabases(ctx) {
    const names = await withShared(ctx, async (c) => {
        const { rows } = await c.query(`SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1`, [DOOMED_PREFIX]);
        const ours = [];
        for (const { datname } of rows) {
            const { marker } = await (0,_postgres_database__WEBPACK_IMPORTED_MODULE_3__/* .databaseMarker */ .O9)(c, datname);
            if (marker?.slug === ctx.names.slug && marker.sourceDatabase === ctx.sharedDatabase)
                ours.push(datname);
        }
        return ours;
    });
    for (const name of names) {
        await asOwner(ctx, `dropping abandoned database ${name}`, async () => undefined);
        await dropRenamed(ctx, name);
    }
    return names;
}
/** Drops the tenant's roles (DROP ROLE is transactional) in a transaction that proves ownership. */
async function dropOwnedRoles(ctx) {
    return asOwner(ctx, 'dropping the tenant roles', (c) => (0,_postgres_roles__WEBPACK_IMPORTED_MODULE_5__/* .dropTenantRoles */ .Zc)(c, { owner: ctx.names.ownerRole, app: ctx.names.appRole }, ctx.names.slug, ctx.sharedDatabase), { orphanOk: true });
}
/** Proves ownership on `client`, inside the transaction the caller has open. */
function assertOwnerIn(ctx, client, what) {
    return (0,_postgres_ownership__WEBPACK_IMPORTED_MODULE_4__/* .assertOwner */ .EI)(client, ctx.options.tenantsTable, ctx.names.slug, ctx.run.id, what);
}


/***/ }),

/***/ 53537:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  s: () => (/* binding */ lockStep)
});

// EXTERNAL MODULE: ./src/postgres/connect.ts
var connect = __webpack_require__(36741);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
;// CONCATENATED MODULE: ./src/postgres/lock.ts

/**
 * The per-tenant advisory lock: one promotion or rollback of a tenant at a time, across
 * runners. Session-level, on a dedicated connection (TCP keepalives on, so the lock of a
 * runner that died is released when the server notices). A transaction-pooling proxy such as
 * PgBouncer in transaction mode breaks session locks: the action needs a direct connection.
 */
const LOCK_NAMESPACE = 0x7e4a47; // constant first key: "our" locks never clash with the application's
/** `application_name` of the locking session: tells a second run who holds the lock. */
function lockHolderName(slug, runLabel) {
    // application_name is limited to 63 bytes.
    return `tenant-promotion ${slug} ${runLabel}`.slice(0, 63);
}
async function tryTenantLock(session, slug) {
    const { rows } = await session.query('SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS ok', [LOCK_NAMESPACE, slug]);
    return rows[0]?.ok === true;
}
/** Who holds the tenant's lock, as far as pg_stat_activity tells (application name, since when). */
async function describeLockHolder(session, slug) {
    const { rows } = await session.query(`SELECT a.application_name, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ($1::int)::oid
        AND l.objid = (hashtext($2)::bigint & 4294967295)::oid AND l.objsubid = 2 AND l.database = (
          SELECT oid FROM pg_database WHERE datname = current_database())`, [LOCK_NAMESPACE, slug]);
    const holder = rows[0];
    if (!holder)
        return 'another session (it may just have finished)';
    const since = holder.backend_start ? ` since ${holder.backend_start.toISOString()}` : '';
    return `${holder.application_name || 'an unnamed session'}${since}`;
}
async function acquireTenantLock(session, slug, operation) {
    if (await tryTenantLock(session, slug))
        return;
    const holder = await describeLockHolder(session, slug);
    throw new errors/* PromotionError */.g1('lock-held', `Tenant "${slug}" is already being promoted or rolled back (lock held by ${holder}); this ${operation} made no changes.`, 'Wait for the other run to finish (its PR comment says how it ended), then re-run if needed.');
}
async function releaseTenantLock(session, slug) {
    await session.query('SELECT pg_advisory_unlock($1::int, hashtext($2))', [LOCK_NAMESPACE, slug]);
}

;// CONCATENATED MODULE: ./src/pipeline/steps/lock.ts


/** Takes the tenant's advisory lock on a dedicated session, held until the run ends. */
const lockStep = {
    name: 'lock',
    title: 'Lock the tenant',
    async run(ctx) {
        const runLabel = ctx.deps.trigger.runId ? `run ${ctx.deps.trigger.runId}` : ctx.deps.trigger.source;
        const session = await (0,connect/* connect */.Ng)(ctx.options.databaseUrl, {
            application_name: lockHolderName(ctx.names.slug, runLabel),
        });
        ctx.lockSession = session;
        await acquireTenantLock(session, ctx.names.slug, ctx.record.operation);
        return `advisory lock held by this run (${runLabel})`;
    },
    // The lock is released when the run ends (see runOperation), whatever happened.
};


/***/ }),

/***/ 56518:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  Cg: () => (/* binding */ orderPlan),
  ek: () => (/* binding */ planStep),
  "if": () => (/* binding */ releaseSnapshot)
});

// UNUSED EXPORTS: sharedRowNotes

// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(83849);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
;// CONCATENATED MODULE: ./src/postgres/apply-order.ts
/** Orders `tables` for inserts and deletes, and describes every cycle of foreign keys among them. */
function applyOrder(tables) {
    const names = tables.map((t) => t.qualified);
    const known = new Set(names);
    const edges = [];
    for (const t of tables) {
        for (const fk of t.foreignKeys ?? []) {
            // Self-references go in one statement; keys to tables outside the set are not ordered here.
            if (fk.references === t.qualified || !known.has(fk.references))
                continue;
            edges.push({ from: t.qualified, to: fk.references, fk });
        }
    }
    const rows = new Map(tables.map((t) => [t.qualified, t.rows ?? 0]));
    const givesWayOnInsert = (e) => e.fk.deferrable === true;
    const givesWayOnDelete = (e) => e.fk.deferrable === true || e.fk.onDelete === 'cascade';
    const cycles = [];
    for (const component of stronglyConnected(names, edges)) {
        if (component.length < 2)
            continue;
        const inside = new Set(component);
        const own = edges.filter((e) => inside.has(e.from) && inside.has(e.to));
        const stuck = (givesWay) => own.filter((e) => !givesWay(e));
        const certain = (givesWay) => {
            const hard = stuck(givesWay).filter((e) => e.fk.notNull === true && (rows.get(e.from) ?? 0) > 0 && (rows.get(e.to) ?? 0) > 0);
            return hasCycle(component, hard);
        };
        const insertable = !hasCycle(component, stuck(givesWayOnInsert));
        const deletable = !hasCycle(component, stuck(givesWayOnDelete));
        cycles.push({
            tables: component,
            foreignKeys: own.map((e) => `${e.from}.${e.fk.name} → ${e.to}`),
            insertable,
            deletable,
            certain: {
                insert: !insertable && certain(givesWayOnInsert),
                delete: !deletable && certain(givesWayOnDelete),
            },
        });
    }
    return {
        insertOrder: topological(names, edges.filter((e) => !givesWayOnInsert(e))),
        deleteOrder: topological(names, edges.filter((e) => !givesWayOnDelete(e))).reverse(),
        cycles,
    };
}
/**
 * What the plan should say about the cycles of `order`. A cleanup that certainly cannot delete
 * the tenant's shared rows is a blocker unless the shared rows are kept (the promotion would
 * switch, then refuse to clean up on every re-run); everything data-dependent, and a rollback
 * that could not copy the rows back (it refuses before its commit point, and the tenant stays
 * isolated), is a note.
 */
function applyOrderFindings(order, options = {}) {
    const out = [];
    for (const c of order.cycles) {
        if (c.insertable && c.deletable)
            continue;
        const where = `Foreign keys form a cycle between ${c.tables.join(', ')} (${c.foreignKeys.join('; ')})`;
        const remedy = (what) => `make one of these keys DEFERRABLE in the shared database (ALTER TABLE … ALTER CONSTRAINT … DEFERRABLE)${what}`;
        if (!c.deletable) {
            const certain = c.certain.delete;
            out.push({
                level: certain && !options.keepSharedData ? 'blocker' : 'note',
                message: `${where}: ${certain ? 'no order can delete' : 'unless the references between its rows never go round, no order can delete'} the tenant's shared rows at cleanup, since none of these keys is DEFERRABLE or ON DELETE CASCADE. Keep the shared rows (keep-shared-data), or ${remedy('')}. The catch-up into the new database is unaffected (it defers the keys there).`,
            });
        }
        if (!c.insertable) {
            out.push({
                level: 'note',
                message: `${where}: ${c.certain.insert ? 'a rollback cannot copy' : 'unless the references between its rows never go round, a rollback cannot copy'} the tenant's rows back into the shared database in any order as a role that may not use session_replication_role, since none of these keys is DEFERRABLE; it would refuse before changing anything. To allow it, ${remedy(', or roll back as a superuser')}.`,
            });
        }
    }
    return out;
}
/** Tarjan's strongly connected components, iteratively; components in discovery order. */
function stronglyConnected(nodes, edges) {
    const out = new Map();
    for (const n of nodes)
        out.set(n, []);
    for (const e of edges)
        out.get(e.from).push(e.to);
    const index = new Map();
    const low = new Map();
    const onStack = new Set();
    const stack = [];
    const components = [];
    let counter = 0;
    const order = new Map(nodes.map((n, i) => [n, i]));
    for (const root of nodes) {
        if (index.has(root))
            continue;
        const work = [{ node: root, next: 0 }];
        index.set(root, counter);
        low.set(root, counter++);
        stack.push(root);
        onStack.add(root);
        while (work.length) {
            const frame = work[work.length - 1];
            const targets = out.get(frame.node);
            if (frame.next < targets.length) {
                const w = targets[frame.next++];
                if (!index.has(w)) {
                    index.set(w, counter);
                    low.set(w, counter++);
                    stack.push(w);
                    onStack.add(w);
                    work.push({ node: w, next: 0 });
                }
                else if (onStack.has(w)) {
                    low.set(frame.node, Math.min(low.get(frame.node), index.get(w)));
                }
                continue;
            }
            work.pop();
            const parent = work[work.length - 1];
            if (parent)
                low.set(parent.node, Math.min(low.get(parent.node), low.get(frame.node)));
            if (low.get(frame.node) === index.get(frame.node)) {
                const component = [];
                for (;;) {
                    const w = stack.pop();
                    onStack.delete(w);
                    component.push(w);
                    if (w === frame.node)
                        break;
                }
                components.push(component.sort((a, b) => order.get(a) - order.get(b)));
            }
        }
    }
    return components;
}
function hasCycle(nodes, edges) {
    return stronglyConnected(nodes, edges).some((c) => c.length > 1);
}
/**
 * Referenced tables before referencing ones (Kahn's algorithm; ties keep the input order). Where
 * a cycle remains, the waiting table that comes first in the input goes next, so the result
 * always lists every table once.
 */
function topological(nodes, edges) {
    const waitingOn = new Map(nodes.map((n) => [n, new Set()]));
    for (const e of edges)
        waitingOn.get(e.from).add(e.to);
    const remaining = new Set(nodes);
    const out = [];
    while (remaining.size) {
        const ready = nodes.filter((n) => remaining.has(n) && [...waitingOn.get(n)].every((p) => !remaining.has(p)));
        const next = ready.length ? ready : [nodes.find((n) => remaining.has(n))];
        for (const n of next) {
            out.push(n);
            remaining.delete(n);
        }
    }
    return out;
}

// EXTERNAL MODULE: ./src/postgres/catalog.ts
var catalog = __webpack_require__(17092);
// EXTERNAL MODULE: ./src/postgres/copy.ts
var copy = __webpack_require__(26978);
// EXTERNAL MODULE: ./src/postgres/large-objects.ts
var large_objects = __webpack_require__(52593);
// EXTERNAL MODULE: ./src/postgres/connect.ts
var connect = __webpack_require__(36741);
// EXTERNAL MODULE: ./src/postgres/plan-check.ts
var plan_check = __webpack_require__(86521);
// EXTERNAL MODULE: ./src/postgres/plan.ts
var postgres_plan = __webpack_require__(43524);
// EXTERNAL MODULE: ./src/postgres/tenant-key.ts
var tenant_key = __webpack_require__(72713);
// EXTERNAL MODULE: ./src/pipeline/ownership.ts
var ownership = __webpack_require__(43651);
// EXTERNAL MODULE: ./src/postgres/sequence-ranges.ts
var sequence_ranges = __webpack_require__(78569);
;// CONCATENATED MODULE: ./src/pipeline/steps/plan.ts












/**
 * Exports the snapshot every later read of the shared rows uses, and plans from the catalog
 * which tables hold the tenant's rows; blockers (rows reaching two tenants) stop the run here.
 */
const planStep = {
    name: 'plan',
    title: 'Plan the tables',
    async run(ctx) {
        const snapshot = await (0,copy/* exportSnapshot */.v2)(ctx.options.databaseUrl);
        ctx.snapshot = snapshot;
        const graph = await (0,catalog/* readTableGraph */.r)(snapshot.client);
        // The value the tenant's rows carry, read from the tenants row of this slug at the snapshot, in
        // the column the rule names (not necessarily id); refused here, before anything is created.
        const key = await (0,tenant_key/* resolveTenantKey */.Em)(snapshot.client, graph, ctx.options, ctx.names.slug);
        await (0,connect/* setTenantId */.si)(snapshot.client, key.value);
        ctx.log.info(`tenant key ${ctx.options.tenantKey} holds ${ctx.options.tenantsTable}.${key.column} (${key.source === 'option' ? 'tenant-id-column' : 'foreign keys'}): ${key.value}`);
        const planned = (0,postgres_plan/* planTenant */.gK)(graph, {
            tenantsTable: ctx.options.tenantsTable,
            tenantKey: ctx.options.tenantKey,
            tenantIdColumn: ctx.options.tenantIdColumn,
            tenantId: key.value,
            referenceTables: ctx.options.referenceTables,
            sharedRows: ctx.options.sharedRows,
            tableOverrides: ctx.options.tableOverrides,
            globalRows: true,
        });
        await assertReadable(snapshot.client, planned.tables);
        const plan = orderPlan(await (0,plan_check/* measurePlan */.C)(snapshot.client, planned), graph, {
            keepSharedData: ctx.options.keepSharedData,
            frontEnd: ctx.options.frontEnd,
        });
        ctx.plan = plan;
        ctx.record.notes.push(...plan.notes, ...sharedRowNotes(plan));
        ctx.record.tables = plan.tables.map((t) => ({
            schema: t.schema,
            name: t.name,
            kind: t.kind,
            plannedRows: t.rows,
            bytes: t.bytes,
        }));
        for (const t of plan.tables)
            ctx.log.info(`${t.kind.padEnd(10)} ${t.schema}.${t.name}: ${t.rows ?? '?'} rows`);
        for (const t of plan.skipped ?? [])
            ctx.log.info(`left out    ${t.schema}.${t.name} (${t.reason})`);
        if (plan.blockers.length) {
            throw new errors/* PromotionError */.g1('plan-blocked', `The tenant's rows cannot be separated cleanly: ${plan.blockers.join('; ')}`, 'Fix what is named above in the shared database (rows that link this tenant to another; for a cycle of foreign keys, the remedy it names), then re-run.');
        }
        // Large objects the tenant's rows reference (oid / lo columns): counted, sized, and refused
        // here if the role cannot read them — before anything is created.
        plan.largeObjects = await (0,large_objects/* planLargeObjects */.be)(snapshot.client, plan);
        ctx.record.notes.push(...(0,large_objects/* largeObjectNotes */.mU)(plan.largeObjects));
        // Ids that never collide: the tenant's range of sequence values, reserved in the register (its
        // tenants row) and checked per sequence here, before anything is created (sequence-ranges.ts).
        if (ctx.mode === 'fresh') {
            const ranges = await (0,ownership/* withShared */.An)(ctx, (c) => (0,sequence_ranges/* reserveSequenceRange */.zs)(c, {
                tenantsTable: ctx.options.tenantsTable,
                slug: ctx.names.slug,
                runId: ctx.options.dryRun ? undefined : ctx.run.id,
                dryRun: ctx.options.dryRun,
            }));
            ctx.record.notes.push(...ranges.warnings, ranges.summary);
            for (const w of ranges.warnings)
                ctx.log.warn(w);
            ctx.log.info(ranges.summary);
        }
        const rows = plan.tables.reduce((n, t) => n + (t.rows ?? 0), 0);
        const los = plan.largeObjects.objects ? `, ${plan.largeObjects.objects} large objects` : '';
        return `${plan.tables.length} tables, ${rows} rows${los} to copy`;
    },
    async undo(ctx) {
        await releaseSnapshot(ctx);
    },
};
/**
 * What the plan copies that is not the tenant's own, with the counts at the snapshot: referenced
 * rows (and how many of them other tenants use too), global rows, tables copied whole, tables
 * left out.
 */
function sharedRowNotes(plan) {
    const notes = [];
    const name = (t) => `${t.schema}.${t.name}`;
    const referenced = plan.tables.filter((t) => t.kind === 'referenced');
    if (referenced.length > 0) {
        notes.push(`Referenced rows copied: ${referenced
            .map((t) => `${name(t)} ${t.rows ?? '?'} rows${t.alsoUsedRows ? ` (${t.alsoUsedRows} also used by other tenants: they diverge after the switch)` : ''}`)
            .join('; ')}.`);
    }
    const global = plan.tables.filter((t) => (t.globalRows ?? 0) > 0);
    if (global.length > 0) {
        notes.push(`Global rows copied (NULL tenant key, referenced by the tenant's rows; never deleted by cleanup): ${global.map((t) => `${name(t)} ${t.globalRows} rows`).join('; ')}.`);
    }
    const whole = plan.tables.filter((t) => t.kind === 'reference');
    if (whole.length > 0) {
        notes.push(`Copied whole: ${whole.map((t) => `${name(t)} ${t.rows ?? '?'} rows`).join('; ')}.`);
    }
    if ((plan.skipped ?? []).length > 0) {
        notes.push(`Left out (not cloned): ${plan.skipped.map((t) => `${name(t)} (${t.reason})`).join('; ')}.`);
    }
    return notes;
}
/**
 * Cycles of foreign keys among the tables whose rows the run deletes (cleanup) or copies back
 * (rollback) in the shared database, where keys are checked per statement for a role that may
 * not use replica mode (see apply-order.ts). A cleanup that certainly cannot delete becomes a
 * blocker (refused here, before anything is created, naming the cycle and the remedy); the rest
 * become notes. Where there is a cycle, the tenant's tables are re-ordered so that every key
 * that cannot give way (not DEFERRABLE) is honoured: copied back parents first, deleted in the
 * reverse order.
 */
function orderPlan(plan, graph, options) {
    const info = new Map(graph.tables.map((t) => [`${t.schema}\u0000${t.name}`, t]));
    const owned = plan.tables.filter((t) => t.kind === 'tenant' || t.kind === 'dependent');
    const tables = owned.map((t) => {
        const table = info.get(`${t.schema}\u0000${t.name}`);
        return {
            qualified: t.qualified,
            rows: t.rows,
            foreignKeys: (t.foreignKeys ?? []).map((fk) => {
                const declared = table?.foreignKeys.find((f) => f.name === fk.name);
                const notNull = declared !== undefined &&
                    declared.columns.every((c) => table.columns.find((col) => col.name === c)?.notNull === true);
                return {
                    name: fk.name,
                    references: fk.references,
                    onDelete: fk.onDelete,
                    deferrable: declared?.deferrable === true,
                    notNull,
                };
            }),
        };
    });
    const order = applyOrder(tables);
    // The hint names the setting as the front end in use spells it.
    const findings = applyOrderFindings(order, { keepSharedData: options.keepSharedData }).map((f) => ({
        ...f,
        message: f.message.replace('(keep-shared-data)', `(${(0,errors/* settingName */.QX)('keep-shared-data', options.frontEnd)})`),
    }));
    const blockers = findings.filter((f) => f.level === 'blocker').map((f) => f.message);
    const notes = findings.filter((f) => f.level === 'note').map((f) => f.message);
    let ordered = plan.tables;
    let deleteOrder = plan.deleteOrder;
    if (order.cycles.length > 0) {
        const byQualified = new Map(owned.map((t) => [t.qualified, t]));
        const inserts = order.insertOrder.map((q) => byQualified.get(q));
        // The root and reference tables never reference the tenant's tables: they can go first.
        ordered = [...plan.tables.filter((t) => !byQualified.has(t.qualified)), ...inserts];
        deleteOrder = [...inserts].reverse();
    }
    return {
        ...plan,
        tables: ordered,
        deleteOrder,
        notes: [...plan.notes, ...notes],
        blockers: [...plan.blockers, ...blockers],
    };
}
/**
 * Every planned table must be readable by the connecting role: otherwise measuring or copying
 * fails half-way with a bare "permission denied". Names every such table at once, before
 * anything is created.
 */
async function assertReadable(client, tables) {
    const { rows } = await client.query(`SELECT current_user AS who, array_agg(t ORDER BY t) FILTER (WHERE NOT has_table_privilege(t, 'SELECT')) AS denied
       FROM unnest($1::text[]) AS t`, [tables.map((t) => t.qualified)]);
    const denied = rows[0]?.denied ?? [];
    if (denied.length === 0)
        return;
    throw new errors/* PromotionError */.g1('permission-denied', `Role "${rows[0].who}" cannot read ${denied.length === 1 ? 'table' : 'tables'} ${denied.join(', ')} of the shared database, which the promotion must copy; nothing was changed.`, `Grant it: GRANT SELECT ON ${denied.join(', ')} TO ${esm/* default.escapeIdentifier */.Ay.escapeIdentifier(rows[0].who)}; or use a database-url whose role can read every table that holds tenant rows.`);
}
async function releaseSnapshot(ctx) {
    const snap = ctx.snapshot;
    ctx.snapshot = undefined;
    if (snap)
        await snap.release();
}


/***/ }),

/***/ 46904:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Dz: () => (/* binding */ compareTables),
/* harmony export */   Mm: () => (/* binding */ prepareFreezePass),
/* harmony export */   be: () => (/* binding */ freezePass),
/* harmony export */   tI: () => (/* binding */ verifiedFrom),
/* harmony export */   xA: () => (/* binding */ catchUp)
/* harmony export */ });
/* unused harmony exports baseVersionDigestSql, freezeScanSql, seenAtBaseSql, keysPresentSql, touchedSinceBaseSql */
/* harmony import */ var node_stream_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(46466);
/* harmony import */ var node_stream_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_stream_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83849);
/* harmony import */ var pg_copy_streams__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(26901);
/* harmony import */ var _checksum__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(73600);




async function compareTables(source, target, tables) {
    const out = [];
    for (const table of tables)
        out.push({ table, ...(await (0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .compareTable */ .WK)(source, target, table)) });
    return out;
}
/** The bucket of the row aliased `t`, under the scheme a digest used; a scalar SQL expression. */
function bucketOfRow(c) {
    const { table } = c;
    const scheme = c.source.scheme;
    const k = (0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .keyText */ .Pu)(table) ?? 'NULL::text';
    const kn = scheme.kind === 'range' ? `t.${table.keyColumns[0]}::numeric` : 'NULL::numeric';
    return `(SELECT ${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .bucketSql */ .$n)(scheme)} FROM (SELECT ${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .rowHashSql */ .nJ)(table)} AS h, ${k} AS k, ${kn} AS kn) AS __bucket)`;
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
const qi = pg__WEBPACK_IMPORTED_MODULE_1__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier;
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
        const restoreTriggers = await quietTriggers(target, [...scope]);
        if (!replica) {
            for (const fk of deferred)
                await target.query(`ALTER TABLE ${fk.table} ALTER CONSTRAINT ${qi(fk.name)} DEFERRABLE`);
            await target.query('SET CONSTRAINTS ALL DEFERRED');
        }
        const result = await fn(session);
        if (!replica) {
            // Checks every deferred key now (an error names the key); only then can the definitions
            // change back (ALTER TABLE refuses while checks are pending).
            await target.query('SET CONSTRAINTS ALL IMMEDIATE');
            for (const fk of deferred)
                await target.query(`ALTER TABLE ${fk.table} ALTER CONSTRAINT ${qi(fk.name)} NOT DEFERRABLE`);
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
async function quietTriggers(target, tables) {
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
    const alter = (t, action) => target.query(`ALTER TABLE ${t.table} ${action} ${qi(t.name)}`);
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
    await target.query(`CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${columns.map((c) => `t.${c}`).join(', ')} FROM ${table.qualified} t WITH NO DATA`);
    const reader = source.query((0,pg_copy_streams__WEBPACK_IMPORTED_MODULE_2__.to)(`COPY (${select}) TO STDOUT`));
    const writer = target.query((0,pg_copy_streams__WEBPACK_IMPORTED_MODULE_2__/* .from */ .H)(`COPY ${stage} (${cols}) FROM STDIN`));
    await (0,node_stream_promises__WEBPACK_IMPORTED_MODULE_0__.pipeline)(reader, writer);
    return Number(writer.rowCount ?? 0);
}
/** The source's rows of `table` (the tenant's), restricted by an extra predicate on alias t. */
function selectWhere(table, columns, extra) {
    return `SELECT ${columns.map((col) => `t.${col}`).join(', ')} FROM ${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .fromTable */ .bs)(table)} t WHERE (${table.where}) AND ${extra}`;
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
        parts.push(`SELECT ${targetKeys} FROM ${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .fromTable */ .bs)(table)} t JOIN ${stage} s ON ${same}
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
        parts.push(`SELECT ${targetKeys} FROM ${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .fromTable */ .bs)(table)} t JOIN ${stage} s ON ${on} WHERE NOT (${same})`);
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
        await s.target.query(`DELETE FROM ${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .fromTable */ .bs)(table)} t USING ${replaceKeys} r WHERE ${keyMatch(keys, 'r', 't')}`);
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
    return inApplyTransaction(target, work.map((w) => w.c.table), async (s) => {
        const stats = [];
        const inBuckets = (c, buckets) => `${bucketOfRow(c)} IN (${buckets.join(', ')})`;
        for (const [i, { c, buckets }] of work.entries()) {
            const columns = stageColumns(c.table, s.tables.get(c.table.qualified));
            const staged = await stageRows(source, target, c.table, columns, stageName(i), selectWhere(c.table, columns, inBuckets(c, buckets)));
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
                const del = await target.query(`DELETE FROM ${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .fromTable */ .bs)(c.table)} t WHERE ${inBuckets(c, buckets)}`);
                const cols = c.table.columns.join(', ');
                const ins = await target.query(`INSERT INTO ${c.table.qualified} (${cols}) OVERRIDING SYSTEM VALUE SELECT ${cols} FROM ${stageName(i)}`);
                stats[i].deleted = del.rowCount ?? 0;
                stats[i].upserted = ins.rowCount ?? 0;
                continue;
            }
            const applied = await applyStaged(s, c.table, stageName(i));
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
            const res = await target.query(`DELETE FROM ${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .fromTable */ .bs)(c.table)} t WHERE ${inBuckets(c, buckets)}
              AND NOT EXISTS (SELECT 1 FROM ${stageName(i)} s WHERE ${keyMatch(keys, 's', 't')})`);
            stats[i].deleted = res.rowCount ?? 0;
        }
        return stats;
    }, guard);
}
function verifiedFrom(c) {
    const sum = c.source.buckets.reduce((acc, b) => acc + BigInt(b.sum), 0n);
    return { table: c.table, count: c.source.count, sum };
}
/** A row version as the freeze pass names it: `tableoid:ctid:xmin`. */
const VERSION_SQL = `t.tableoid::oid::text || ':' || t.ctid::text || ':' || t.xmin::text`;
const VERSION_TEXT = /^(\d+):(\(\d+,\d+\)):(\d+)$/;
/** The 32-bit xid that row headers hold, of a snapshot's xid8 `xmin` (validated: safe to inline). */
function xid32(snapshotXmin) {
    if (!/^\d+$/.test(snapshotXmin))
        throw new Error(`Invalid snapshot xmin ${snapshotXmin}`);
    return (BigInt(snapshotXmin) % 4294967296n).toString();
}
/** The buckets versions are digested in: a power of two near a quarter of the table's rows. */
function versionBuckets(rows) {
    let b = 16;
    while (b < 65_536 && b * 4 < rows)
        b *= 2;
    return b;
}
/** `age(t.xmin) <= age(S.xmin)`: the cheap superset test (see freezeScanSql). */
const maybeChangedSql = (snapshotXmin) => `age(t.xmin) <= age('${xid32(snapshotXmin)}'::xid)`;
/**
 * A row version's 64-bit hashes, from its address, table and `xmin` without building its text:
 * `hashtidextended` seeded with the table and the xid (`salt` makes the bucket's hash and the
 * summed one independent).
 */
const versionHash = (salt) => `hashtidextended(t.ctid, ((t.tableoid::bigint << 32) | t.xmin::text::bigint) # ${salt})`;
const bucketOfVersion = (buckets) => `(${versionHash(0)} & ${buckets - 1})`;
const hashOfVersion = () => versionHash(1);
/**
 * Run in the session holding S: per bucket, the count and hash sum of the candidate versions
 * (those the cheap test lets through, see freezeScanSql) that S saw. Only non-empty buckets.
 */
function baseVersionDigestSql(table, snapshotXmin, buckets) {
    return `SELECT b::text AS b, count(*)::text AS n, sum(h)::text AS s
  FROM (SELECT ${bucketOfVersion(buckets)} AS b, ${hashOfVersion()} AS h
          FROM ${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .fromTable */ .bs)(table)} t WHERE (${table.where}) AND ${maybeChangedSql(snapshotXmin)}) AS v
 GROUP BY b`;
}
/**
 * The one pass over a table's tenant rows under the freeze: how many there are, and the row
 * versions (`tableoid:ctid:xmin`) that may have changed since snapshot S. Only the tenant's rows
 * are read (`where`, through the tenant-key index: the `xmin` test is a filter on top of it,
 * never a scan of its own). The test is a cheap superset: every version S did not see was
 * written by a transaction S saw as running or future — an xid at or past S.xmin,
 * subtransactions included (a subtransaction's xid is newer than its parent's) — but S.xmin is
 * the oldest transaction running anywhere in the cluster, so one long transaction elsewhere lets
 * many unchanged rows through (frozen tuples keep their raw `xmin`; one older than 2^31
 * transactions compares as new, too). So the candidates are digested per bucket (count and sum of
 * 64-bit hashes of the version text) and compared with the digests of the candidates S saw,
 * `$1` buckets, `$2` counts, `$3` sums (`baseVersionDigestSql`): only the candidates of buckets
 * that differ are returned — every version written since S is in one, short of a 64-bit
 * collision, the same odds the digests of the checks rest on. `seenAtBaseSql` then decides each.
 */
function freezeScanSql(table, snapshotXmin, buckets) {
    // One pass, one aggregation: the rows the test rules out are only counted (bucket -1). The
    // first row always comes back: it carries the totals.
    const differs = `y.b >= 0 AND (y.xn IS DISTINCT FROM y.n OR y.xs IS DISTINCT FROM y.s)`;
    // A version's text is built only for the buckets that differ.
    return `SELECT y.b::text AS b, y.total::text AS total, y.m::text AS m,
       CASE WHEN ${differs} THEN (SELECT array_agg(u.o::text || ':' || u.c::text || ':' || u.x::text)
                                    FROM unnest(y.o, y.c, y.x) AS u(o, c, x)) END AS v FROM (
SELECT g.b, g.n, g.o, g.c, g.x, g.s, x.n AS xn, x.s AS xs, row_number() OVER () AS rn,
       sum(g.n) OVER () AS total, sum(g.n) FILTER (WHERE g.b >= 0) OVER () AS m
  FROM (SELECT b, count(*) AS n, sum(h) AS s, array_agg(t.tableoid::oid) FILTER (WHERE b >= 0) AS o,
               array_agg(t.ctid) FILTER (WHERE b >= 0) AS c, array_agg(t.xmin) FILTER (WHERE b >= 0) AS x
          FROM (SELECT CASE WHEN ${maybeChangedSql(snapshotXmin)} THEN ${bucketOfVersion(buckets)} ELSE -1 END AS b,
                       ${hashOfVersion()} AS h, t.tableoid, t.ctid, t.xmin
                  FROM ${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .fromTable */ .bs)(table)} t WHERE ${table.where}) AS t
         GROUP BY b) AS g
  LEFT JOIN unnest($1::bigint[], $2::bigint[], $3::numeric[]) AS x(b, n, s) ON x.b = g.b) AS y
 WHERE y.rn = 1 OR ${differs}`;
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
    return `SELECT ${VERSION_SQL} AS v FROM ${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .fromTable */ .bs)(table)} t WHERE t.ctid = ANY($1::tid[])`;
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
/** SQL types (format_type, no typmod) of a planned table's key columns, read from the catalog. */
async function keyTypes(client, table) {
    const { rows } = await client.query(`SELECT ${QUOTED_ATTNAME('a')} AS name, format_type(a.atttypid, NULL) AS type
       FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`, [table.qualified]);
    const types = new Map(rows.map((r) => [r.name, r.type]));
    return table.keyColumns.map((k) => {
        const type = types.get(k);
        if (!type)
            throw new Error(`No key column ${k} in ${table.qualified}`);
        return type;
    });
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
    return `SELECT count(*)::text AS n FROM ${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .fromTable */ .bs)(table)} t WHERE ${keyIn(table, types)}`;
}
/**
 * Run in the session holding S: the keys of the tenant's rows at S whose version a later
 * transaction deleted, updated or locked (`xmax` at or past S.xmin) — where every deletion since
 * S shows, unless its `xmax` is a multixact (a row locked by others when it was deleted), which
 * this misses: the counts then do not add up and the full key comparison settles the table.
 */
function touchedSinceBaseSql(table, snapshotXmin) {
    return `SELECT ${table.keyColumns.map((k, j) => `t.${k}::text AS c${j}`).join(', ')} FROM ${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .fromTable */ .bs)(table)} t
   WHERE (${table.where}) AND NOT (t.xmax = '0'::xid) AND age(t.xmax) <= age('${xid32(snapshotXmin)}'::xid)`;
}
/** Of the keys given (text arrays `$1`, …), those the tenant's rows no longer have (run on the source). */
function keysGoneSql(table, types) {
    const keys = table.keyColumns;
    const cols = keys.map((_, j) => `c${j}`);
    return `SELECT ${cols.map((c) => `u.${c}`).join(', ')}
    FROM unnest(${cols.map((_, j) => `$${j + 1}::text[]`).join(', ')}) AS u(${cols.join(', ')})
   WHERE NOT EXISTS (SELECT 1 FROM ${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .fromTable */ .bs)(table)} t
                      WHERE (${table.where}) AND ${keys.map((k, j) => `t.${k} = u.c${j}::${types[j]}`).join(' AND ')})`;
}
/** The version digests group up to 65,536 buckets: room to hash them in memory (set per transaction). */
const FREEZE_WORK_MEM = '64MB';
/**
 * What the freeze pass needs from snapshot S alone — the digests of the candidate versions S saw
 * — computed in the session holding S. S never changes, so this runs before the freeze: under
 * it, only the shared database's current rows are read.
 */
async function prepareFreezePass(baseSnapshot, base, snapshotXmin) {
    await baseSnapshot.query(`SELECT set_config('work_mem', $1, true)`, [FREEZE_WORK_MEM]);
    const out = new Map();
    for (const b of base) {
        const buckets = versionBuckets(b.count);
        const { rows } = await baseSnapshot.query(baseVersionDigestSql(b.table, snapshotXmin, buckets));
        out.set(b.table, { buckets, digests: rows });
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
async function freezePass(source, target, base, snapshotXmin, 
/** The session holding snapshot S open (REPEATABLE READ): tells which versions and keys existed at S. */
baseSnapshot, guard, 
/** `prepareFreezePass`, run before the freeze (it reads only S); computed here without it. */
prepared) {
    xid32(snapshotXmin);
    const result = {
        verified: [],
        changedRows: 0,
        deletedRows: 0,
        fullyCompared: [],
        scannedRows: 0,
        candidateRows: 0,
        reappliedRows: 0,
    };
    const settled = new Map();
    const unsettled = [];
    const sourceCounts = new Map();
    const changed = new Map();
    const atBase = prepared ?? (await prepareFreezePass(baseSnapshot, base, snapshotXmin));
    await source.query(`SELECT set_config('work_mem', $1, true)`, [FREEZE_WORK_MEM]);
    for (const b of base) {
        const { buckets, digests } = atBase.get(b.table);
        const { rows } = await source.query(freezeScanSql(b.table, snapshotXmin, buckets), [digests.map((r) => r.b), digests.map((r) => r.n), digests.map((r) => r.s)]);
        // Every row of the aggregate carries the totals; none at all means no tenant rows.
        const count = Number(rows[0]?.total ?? 0);
        const candidates = [];
        for (const r of rows) {
            for (const v of r.v ?? [])
                candidates.push(v);
        }
        result.candidateRows += Number(rows[0]?.m ?? 0);
        sourceCounts.set(b.table, count);
        result.scannedRows += count;
        changed.set(b.table, await changedSinceBase(baseSnapshot, b.table, candidates));
    }
    await inApplyTransaction(target, base.map((b) => b.table), async (s) => {
        // 1. Stage what changed; the digest after applying it follows from the rows it replaces.
        const state = new Map();
        for (const [i, b] of base.entries()) {
            const stage = stageName(i);
            const versions = changed.get(b.table);
            const sourceCount = sourceCounts.get(b.table);
            let staged = 0;
            if (versions.length) {
                const columns = stageColumns(b.table, s.tables.get(b.table.qualified));
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
                const fresh = staged ? await aggregate(target, b.table, `FROM ${stage} t`) : { count: 0, sum: 0n };
                state.set(b.table, { count: b.count + fresh.count, sum: b.sum + fresh.sum, staged });
                continue;
            }
            if (staged === 0) {
                state.set(b.table, { count: b.count, sum: b.sum, staged });
                continue;
            }
            const keys = b.table.keyColumns;
            const replaced = await aggregate(target, b.table, `FROM ${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .fromTable */ .bs)(b.table)} t WHERE EXISTS (SELECT 1 FROM ${stage} s WHERE ${keyMatch(keys, 's', 't')})`);
            const fresh = await aggregate(target, b.table, `FROM ${stage} t`);
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
            WHERE NOT EXISTS (SELECT 1 FROM ${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .fromTable */ .bs)(b.table)} x WHERE ${keyMatch(keys, 'x', 't')})`);
            if (fresh.rows.length === 0)
                continue;
            const types = await keyTypes(baseSnapshot, b.table);
            const existed = await baseSnapshot.query(keysPresentSql(b.table, types), keys.map((_, j) => fresh.rows.map((r) => r[`c${j}`])));
            if (Number(existed.rows[0].n) > 0)
                movedIn.add(b.table.qualified);
        }
        for (const b of base) {
            if (b.table.kind !== 'dependent' || !state.has(b.table))
                continue;
            if (ancestors(b.table, base).some((q) => movedIn.has(q))) {
                state.delete(b.table);
                unsettled.push(b.table);
            }
        }
        // 2. Keys the source no longer has: with more rows than the source, the target loses them.
        // Accounted for now (before anything is applied), deleted after the upserts. Staged keys
        // are current source keys, so the two sets never overlap. First from the rows S saw that
        // were touched since (bounded by the writes); if the counts still do not add up, from every
        // key of the tenant's rows.
        const gone = new Map();
        for (const [i, b] of base.entries()) {
            const st = state.get(b.table);
            const sourceCount = sourceCounts.get(b.table);
            if (!st || st.count <= sourceCount)
                continue;
            const keys = b.table.keyColumns;
            const touched = await baseSnapshot.query(touchedSinceBaseSql(b.table, snapshotXmin));
            result.scannedRows += b.count;
            if (touched.rows.length) {
                const types = await keyTypes(baseSnapshot, b.table);
                const vanished = await source.query(keysGoneSql(b.table, types), keys.map((_, j) => touched.rows.map((r) => r[`c${j}`])));
                if (vanished.rows.length) {
                    const params = keys.map((_, j) => vanished.rows.map((r) => r[`c${j}`]));
                    const sql = `FROM ${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .fromTable */ .bs)(b.table)} t WHERE ${keyIn(b.table, types)}`;
                    const { rows } = await target.query(`SELECT count(*)::text AS n, sum(${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .rowHashSql */ .nJ)(b.table)})::text AS s ${sql}`, params);
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
            await target.query(`CREATE TEMP TABLE ${keyStage} ON COMMIT DROP AS SELECT ${keys.map((k) => `t.${k}`).join(', ')} FROM ${b.table.qualified} t WITH NO DATA`);
            const reader = source.query((0,pg_copy_streams__WEBPACK_IMPORTED_MODULE_2__.to)(`COPY (SELECT ${keys.map((k) => `t.${k}`).join(', ')} FROM ${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .fromTable */ .bs)(b.table)} t WHERE ${b.table.where}) TO STDOUT`));
            const writer = target.query((0,pg_copy_streams__WEBPACK_IMPORTED_MODULE_2__/* .from */ .H)(`COPY ${keyStage} (${keys.join(', ')}) FROM STDIN`));
            await (0,node_stream_promises__WEBPACK_IMPORTED_MODULE_0__.pipeline)(reader, writer);
            result.scannedRows += sourceCount;
            const where = `FROM ${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .fromTable */ .bs)(b.table)} t WHERE NOT EXISTS (SELECT 1 FROM ${keyStage} k WHERE ${keyMatch(keys, 'k', 't')})`;
            const removed = await aggregate(target, b.table, where);
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
                await target.query(`INSERT INTO ${b.table.qualified} (${cols}) OVERRIDING SYSTEM VALUE SELECT ${cols} FROM ${stageName(i)}`);
            }
            else
                await applyStaged(s, b.table, stageName(i));
            result.reappliedRows += st.staged;
        }
        // 4. Deletes, children first: no remaining row references a deleted one, no action fires.
        for (let i = base.length - 1; i >= 0; i--) {
            const g = gone.get(i);
            if (g)
                await target.query(`DELETE ${g.sql}`, g.params);
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
                settled.set(b.table, { table: b.table, count: st.count, sum: st.sum });
        }
    }, guard);
    // Whatever the increments could not settle is compared and caught up in full.
    if (unsettled.length) {
        const compared = await compareTables(source, target, unsettled);
        if (compared.some((c) => !c.equal)) {
            const stats = await catchUp(source, target, compared, guard);
            for (const st of stats)
                result.reappliedRows += st.staged + st.deleted;
        }
        const again = await compareTables(source, target, unsettled);
        for (const c of [...compared, ...again])
            result.scannedRows += c.source.count;
        const unequal = again.filter((c) => !c.equal);
        if (unequal.length) {
            throw new Error(`still different after a full catch-up: ${unequal
                .flatMap((c) => c.differences)
                .slice(0, 5)
                .join('; ')}`);
        }
        for (const c of again)
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
/** Count and hash sum of the rows `fromWhere` selects (alias t, the table's planned columns). */
async function aggregate(client, table, fromWhere) {
    const { rows } = await client.query(`SELECT count(*)::text AS n, sum(${(0,_checksum__WEBPACK_IMPORTED_MODULE_3__/* .rowHashSql */ .nJ)(table)})::text AS s ${fromWhere}`);
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


/***/ }),

/***/ 26978:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   dO: () => (/* binding */ copyTables),
/* harmony export */   v2: () => (/* binding */ exportSnapshot)
/* harmony export */ });
/* unused harmony export BinaryRowCounter */
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(57075);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_stream_promises__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(46466);
/* harmony import */ var node_stream_promises__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_stream_promises__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(83849);
/* harmony import */ var pg_copy_streams__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(26901);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(83916);
/* harmony import */ var _secrets__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(27194);
/* harmony import */ var _connect__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(36741);
/* harmony import */ var _plan_types__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(54680);








/** Opens a REPEATABLE READ transaction on the shared database and exports its snapshot. */
async function exportSnapshot(sourceUrl) {
    const client = await (0,_connect__WEBPACK_IMPORTED_MODULE_6__/* .connect */ .Ng)(sourceUrl);
    let id;
    try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        id = (await client.query('SELECT pg_export_snapshot() AS id')).rows[0].id;
    }
    catch (e) {
        await client.end().catch(() => { });
        throw dbError(e, 'Exporting a snapshot of the shared database failed', 'Connect to the primary server (a standby cannot export snapshots) and re-run.');
    }
    let released = false;
    return {
        id,
        client,
        async release() {
            if (released)
                return;
            released = true;
            try {
                await client.query('ROLLBACK');
            }
            catch {
                // The session may already be gone; ending it is all that matters.
            }
            await endClient(client);
        },
    };
}
const SNAPSHOT_ID = /^[0-9A-F-]+$/i;
const PROGRESS_INTERVAL_MS = 250;
/**
 * Session settings for both sides of a text COPY: the text form of a value must parse back to
 * the same value whatever the databases' defaults (DateStyle order, float digits, encoding).
 * Binary COPY ignores them. row_security stays on: where row-level security applies to the
 * connecting role (managed PostgreSQL: not the owner, no BYPASSRLS), prevalidation has proved
 * that a permissive policy lets it read every row (`row_security = off` would make every such
 * read fail, whatever the policies say). No timeouts on these sessions: a large table takes as long as it takes.
 */
const SESSION_SETTINGS = `SET client_encoding = 'UTF8'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres';
  SET extra_float_digits = 3; SET bytea_output = 'hex'; SET TimeZone = 'UTC';
  SET statement_timeout = 0; SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0`;
/** Copies `tables` (in plan order when one at a time, largest first when in parallel). */
async function copyTables(opts) {
    if (opts.snapshotId !== undefined && !SNAPSHOT_ID.test(opts.snapshotId)) {
        // SET TRANSACTION SNAPSHOT takes no parameter: the id is spliced, so it must look like one.
        throw new _errors__WEBPACK_IMPORTED_MODULE_4__/* .PromotionError */ .g1('internal', `Invalid snapshot id ${JSON.stringify(opts.snapshotId.slice(0, 40))}.`);
    }
    const controller = new AbortController();
    const onAbort = () => controller.abort(opts.signal?.reason);
    if (opts.signal?.aborted)
        throw cancelled();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const own = opts.snapshotId === undefined ? await exportSnapshot(opts.sourceUrl) : undefined;
    const snapshotId = opts.snapshotId ?? own.id;
    const queue = [...opts.tables];
    if (opts.parallelism > 1 && queue.every((t) => t.bytes !== undefined)) {
        // Longest first keeps the workers busy until the end.
        queue.sort((a, b) => (b.bytes ?? 0) - (a.bytes ?? 0));
    }
    const results = new Map();
    let firstError;
    const worker = async () => {
        let pair;
        try {
            for (let table = queue.shift(); table && !controller.signal.aborted; table = queue.shift()) {
                pair ??= await openPair(opts.sourceUrl, opts.targetUrl, snapshotId, opts.tenantId);
                results.set(table.qualified, await copyTable(pair.source, pair.target, table, controller.signal, opts.onProgress, opts.guard));
            }
        }
        catch (e) {
            firstError ??= e;
            controller.abort(e);
        }
        finally {
            if (pair) {
                // After a failed COPY the sessions are mid-protocol: ending them rolls the target table back.
                await Promise.all([endClient(pair.source), endClient(pair.target)]);
            }
        }
    };
    try {
        const count = Math.max(1, Math.min(Math.floor(opts.parallelism) || 1, opts.tables.length));
        await Promise.all(Array.from({ length: count }, worker));
    }
    finally {
        opts.signal?.removeEventListener('abort', onAbort);
        await own?.release();
    }
    if (opts.signal?.aborted)
        throw cancelled();
    if (firstError !== undefined)
        throw firstError;
    const ordered = new Map();
    for (const t of opts.tables) {
        const r = results.get(t.qualified);
        if (r)
            ordered.set(t.qualified, r);
    }
    return ordered;
}
async function openPair(sourceUrl, targetUrl, snapshotId, tenantId) {
    const source = await (0,_connect__WEBPACK_IMPORTED_MODULE_6__/* .connect */ .Ng)(sourceUrl);
    let target;
    try {
        await source.query(SESSION_SETTINGS);
        // The tenant id is set before the transaction: SET TRANSACTION SNAPSHOT must come first in it.
        await (0,_connect__WEBPACK_IMPORTED_MODULE_6__/* .setTenantId */ .si)(source, tenantId);
        await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await source.query(`SET TRANSACTION SNAPSHOT ${pg__WEBPACK_IMPORTED_MODULE_2__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(snapshotId)}`);
        target = await (0,_connect__WEBPACK_IMPORTED_MODULE_6__/* .connect */ .Ng)(targetUrl);
        await target.query(SESSION_SETTINGS);
        return { source, target };
    }
    catch (e) {
        await Promise.all([endClient(source), target ? endClient(target) : undefined]);
        throw dbError(e, 'Opening the copy sessions failed', 'The snapshot is only importable while the plan step holds it open; check max_connections (each copy worker uses two sessions) and re-run.');
    }
}
async function copyTable(source, target, table, signal, onProgress, guard) {
    const started = Date.now();
    const format = table.binarySafe ? 'binary' : 'text';
    const counter = new CopyCounter(format, (rows, bytes) => onProgress?.(table.qualified, rows, bytes));
    if (table.columns.length === 0)
        return { rows: 0, bytes: 0, durationMs: 0 };
    try {
        await target.query('BEGIN');
        await guard?.(target);
        const into = target.query((0,pg_copy_streams__WEBPACK_IMPORTED_MODULE_3__/* .from */ .H)(`COPY ${table.qualified} (${table.columns.join(', ')}) FROM STDIN (FORMAT ${format})`));
        const out = source.query((0,pg_copy_streams__WEBPACK_IMPORTED_MODULE_3__.to)(`COPY (${(0,_plan_types__WEBPACK_IMPORTED_MODULE_7__/* .selectTenantRows */ .i)(table)}) TO STDOUT (FORMAT ${format})`));
        await (0,node_stream_promises__WEBPACK_IMPORTED_MODULE_1__.pipeline)(out, counter, into, { signal });
        if (counter.rows !== into.rowCount) {
            throw new Error(`streamed ${counter.rows} rows but the new database took ${into.rowCount}`);
        }
        await target.query('COMMIT');
        onProgress?.(table.qualified, into.rowCount, counter.bytes);
        return { rows: into.rowCount, bytes: counter.bytes, durationMs: Date.now() - started };
    }
    catch (e) {
        if (signal.aborted && !(e instanceof _errors__WEBPACK_IMPORTED_MODULE_4__/* .PromotionError */ .g1 && e.code !== 'cancelled')) {
            throw cancelled();
        }
        throw dbError(e, `Copying ${table.schema}.${table.name} failed`, 'Nothing of this table was committed in the new database; fix the cause named above and re-run (the new database is dropped and recreated).');
    }
}
/**
 * Passes COPY data through unchanged, counting bytes and rows: text rows end with a newline
 * (newlines inside values are escaped); binary rows are walked by their length prefixes.
 */
class CopyCounter extends node_stream__WEBPACK_IMPORTED_MODULE_0__.Transform {
    report;
    bytes = 0;
    rows = 0;
    lastReport = 0;
    binary;
    constructor(format, report) {
        super();
        this.report = report;
        this.binary = format === 'binary' ? new BinaryRowCounter() : undefined;
    }
    _transform(chunk, _enc, cb) {
        this.bytes += chunk.length;
        if (this.binary)
            this.rows = this.binary.feed(chunk);
        else
            for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1))
                this.rows++;
        const now = Date.now();
        if (now - this.lastReport >= PROGRESS_INTERVAL_MS) {
            this.lastReport = now;
            this.report(this.rows, this.bytes);
        }
        cb(null, chunk);
    }
}
/** Counts tuples in a binary COPY stream (header, then per tuple: int16 fields, per field int32 length + data). */
class BinaryRowCounter {
    rows = 0;
    state = 'header';
    scratch = Buffer.alloc(19);
    have = 0;
    skip = 0;
    fieldsLeft = 0;
    need() {
        return this.state === 'header' ? 19 : this.state === 'tuple' ? 2 : 4;
    }
    feed(chunk) {
        let i = 0;
        while (i < chunk.length && this.state !== 'done') {
            if (this.skip > 0) {
                const n = Math.min(this.skip, chunk.length - i);
                this.skip -= n;
                i += n;
                continue;
            }
            const need = this.need();
            const n = Math.min(need - this.have, chunk.length - i);
            chunk.copy(this.scratch, this.have, i, i + n);
            this.have += n;
            i += n;
            if (this.have < need)
                break;
            this.have = 0;
            if (this.state === 'header') {
                this.skip = this.scratch.readInt32BE(15);
                this.state = 'tuple';
            }
            else if (this.state === 'tuple') {
                const fields = this.scratch.readInt16BE(0);
                if (fields === -1)
                    this.state = 'done';
                else {
                    this.rows++;
                    this.fieldsLeft = fields;
                    if (fields > 0)
                        this.state = 'field';
                }
            }
            else {
                const len = this.scratch.readInt32BE(0);
                if (len > 0)
                    this.skip = len;
                if (--this.fieldsLeft === 0)
                    this.state = 'tuple';
            }
        }
        return this.rows;
    }
}
function cancelled() {
    return new _errors__WEBPACK_IMPORTED_MODULE_4__/* .PromotionError */ .g1('cancelled', 'The copy was cancelled.', 'Nothing partial is kept: re-run the promotion.');
}
function dbError(e, what, hint) {
    if (e instanceof _errors__WEBPACK_IMPORTED_MODULE_4__/* .PromotionError */ .g1)
        return e;
    const message = e instanceof Error ? e.message : String(e);
    if (/row-level security/i.test(message)) {
        hint =
            'The connecting role is subject to row-level security and would see only part of the rows: connect as a role with BYPASSRLS (or a superuser).';
    }
    return new _errors__WEBPACK_IMPORTED_MODULE_4__/* .PromotionError */ .g1('database', `${what}: ${(0,_secrets__WEBPACK_IMPORTED_MODULE_5__/* .redact */ .E$)(message)}`, hint, { cause: e });
}
/** Ends a session, forcing the socket closed if the goodbye does not complete promptly. */
async function endClient(client) {
    let timer;
    await Promise.race([
        client.end().catch(() => { }),
        new Promise((resolve) => {
            timer = setTimeout(() => {
                client.connection?.stream?.destroy();
                resolve();
            }, 2000);
        }),
    ]);
    clearTimeout(timer);
}


/***/ }),

/***/ 42514:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   O9: () => (/* binding */ databaseMarker),
/* harmony export */   e6: () => (/* binding */ createTenantDatabase)
/* harmony export */ });
/* unused harmony exports readLocale, createDatabaseSql */
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _roles__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(55502);


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
async function createTenantDatabase(client, name, owner, marker) {
    const locale = await readLocale(client);
    await client.query(createDatabaseSql(name, owner, locale));
    await client.query(`COMMENT ON DATABASE ${qi(name)} IS ${ql((0,_roles__WEBPACK_IMPORTED_MODULE_1__/* .markerText */ .U7)({ ...marker, purpose: 'database' }))}`);
    // PostgreSQL has no deny: only an explicit revoke keeps PUBLIC out.
    await client.query(`REVOKE ALL ON DATABASE ${qi(name)} FROM PUBLIC`);
}


/***/ }),

/***/ 86521:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   C: () => (/* binding */ measurePlan),
/* harmony export */   J: () => (/* binding */ referenceBlockers)
/* harmony export */ });
/* harmony import */ var _names__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(46455);

/**
 * Checks of a plan against the shared database's rows: counts and sizes per table, and the
 * rows that tie this tenant to another one. The client has the tenant id set (setTenantId) and
 * is usually inside the snapshot transaction, so the counts are those the copy will see.
 */
/** At most this many offending rows are counted per foreign key (the message says "at least"). */
const COUNT_LIMIT = 1000;
const display = (t) => `${t.schema}.${t.name}`;
async function measurePlan(client, plan) {
    const tables = [];
    for (const t of plan.tables) {
        const { rows } = await client.query(`SELECT count(*) AS n, COALESCE(sum(pg_column_size(t.*)), 0) AS bytes FROM ${t.qualified} t WHERE ${t.where}`);
        const measured = { ...t, rows: Number(rows[0]?.n ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
        // Global rows (NULL tenant key, referenced by the tenant's rows): copied, never deleted.
        if (t.ownWhere !== undefined) {
            const g = await client.query(`SELECT count(*) AS n FROM ${t.qualified} t WHERE (${t.where}) AND (${t.ownWhere}) IS NOT TRUE`);
            measured.globalRows = Number(g.rows[0]?.n ?? 0);
        }
        // Referenced rows that other tenants' rows use too: they diverge after the switch.
        if (t.alsoUsedWhere !== undefined) {
            const a = await client.query(`SELECT count(*) AS n FROM ${t.qualified} t WHERE (${t.where}) AND (${t.alsoUsedWhere})`);
            measured.alsoUsedRows = Number(a.rows[0]?.n ?? 0);
        }
        tables.push(measured);
    }
    const byQualified = new Map(tables.map((t) => [t.qualified, t]));
    const pick = (t) => byQualified.get(t.qualified) ?? t;
    const blockers = [...plan.blockers];
    const root = byQualified.get(plan.tenantsTable.qualified);
    if (root && root.rows === 0) {
        blockers.push(`The tenant's row was not found in ${display(root)}.`);
    }
    blockers.push(...(await referenceBlockers(client, tables)));
    return {
        ...plan,
        tenantsTable: pick(plan.tenantsTable),
        tables,
        deleteOrder: plan.deleteOrder.map(pick),
        blockers,
    };
}
/**
 * Rows that link this tenant to another: ours pointing at another tenant's rows (not copied),
 * and — the cleanup's concern — other tenants' rows pointing at ours (a cascade would reach
 * them). `incomingOnly` checks just the latter, as the cleanup re-checks before deleting.
 */
async function referenceBlockers(client, tables, opts = {}) {
    const byQualified = new Map(tables.map((t) => [t.qualified, t]));
    const blockers = [];
    for (const child of tables) {
        // Rows of tables without the tenant key are not the tenant's: what they point at is copied
        // (referenced rows) or whole; only the tenant's own rows can link it to another tenant.
        if (child.kind !== 'root' && child.kind !== 'tenant' && child.kind !== 'dependent')
            continue;
        for (const fk of child.foreignKeys ?? []) {
            const parent = byQualified.get(fk.references);
            if (!parent || (parent.kind !== 'root' && parent.kind !== 'tenant' && parent.kind !== 'dependent'))
                continue;
            const out = opts.incomingOnly ? { count: 0, sample: '' } : await outgoing(client, child, fk, parent);
            if (out.count > 0) {
                blockers.push(`${display(child)} has ${countText(out.count)} of this tenant whose ${fk.name} reference points to a ${display(parent)} row of another tenant${parent.ownWhere === undefined && parent.kind === 'tenant' ? ' (or of none: a row whose tenant key is NULL is a global row, copied when the plan includes global rows)' : ''}, e.g. ${keyText(child, fk)} = ${out.sample}; that row is not copied.`);
            }
            // The tenants row is never deleted, so rows of others referencing it are harmless.
            if (parent.kind === 'root')
                continue;
            const inc = await incoming(client, child, fk, parent);
            if (inc.count > 0) {
                const effect = fk.onDelete === 'cascade'
                    ? 'ON DELETE CASCADE would delete them when the cleanup deletes this tenant'
                    : fk.onDelete === 'set null' || fk.onDelete === 'set default'
                        ? `ON DELETE ${fk.onDelete.toUpperCase()} would rewrite them when the cleanup deletes this tenant`
                        : 'the cleanup of this tenant would fail on them';
                blockers.push(`${display(child)} has ${countText(inc.count)} of another tenant (or of none) referencing this tenant's ${display(parent)} rows through ${fk.name}, e.g. ${keyText(child, fk)} = ${inc.sample}; ${effect}.`);
            }
        }
    }
    return blockers;
}
function countText(n) {
    return n > COUNT_LIMIT ? `more than ${COUNT_LIMIT} rows` : n === 1 ? '1 row' : `${n} rows`;
}
function sampleColumns(child, fk) {
    return child.keyColumns.length > 0 ? child.keyColumns : fk.columns;
}
/** `"a""b"` → `a"b`, for messages. */
const unquote = (identifier) => identifier.startsWith('"') ? identifier.slice(1, -1).replace(/""/g, '"') : identifier;
function keyText(child, fk) {
    const cols = sampleColumns(child, fk).map(unquote);
    return cols.length === 1 ? cols[0] : `(${cols.join(', ')})`;
}
/**
 * Each side is selected in its own scope aliased `t`, as the plan's predicates expect; the outer
 * row is carried as `o`. Correlated subqueries like these are pulled up into joins.
 */
async function outgoing(client, child, fk, parent) {
    const outer = fk.columns.map((c, i) => `t.${c} AS f${i}`).join(', ');
    const join = fk.refColumns.map((c, i) => `t.${c} = o.f${i}`).join(' AND ');
    const sample = `json_build_array(${sampleColumns(child, fk)
        .map((c) => `t.${c}`)
        .join(', ')})::text`;
    return probe(client, `SELECT o.k FROM (SELECT ${outer}, ${sample} AS k FROM ${child.qualified} t WHERE ${child.where}) o
     WHERE EXISTS (SELECT 1 FROM ${parent.qualified} t WHERE ${join} AND (${parent.where}) IS NOT TRUE)`);
}
async function incoming(client, child, fk, parent) {
    // The tenant's own rows only: global rows (NULL tenant key) stay in the shared database, and
    // other tenants' rows may reference them.
    const outer = fk.refColumns.map((c, i) => `t.${c} AS r${i}`).join(', ');
    const join = fk.columns.map((c, i) => `t.${c} = o.r${i}`).join(' AND ');
    const sample = `json_build_array(${sampleColumns(child, fk)
        .map((c) => `t.${c}`)
        .join(', ')})::text`;
    return probe(client, `SELECT x.k FROM (SELECT ${outer} FROM ${parent.qualified} t WHERE ${parent.ownWhere ?? parent.where}) o
     CROSS JOIN LATERAL (SELECT ${sample} AS k FROM ${child.qualified} t WHERE ${join} AND (${child.ownWhere ?? child.where}) IS NOT TRUE) x`);
}
async function probe(client, sql) {
    const { rows } = await client.query(`WITH hits AS (${sql} LIMIT ${COUNT_LIMIT + 1}) SELECT count(*)::int AS n, min(k) AS sample FROM hits`);
    return { count: rows[0]?.n ?? 0, sample: (0,_names__WEBPACK_IMPORTED_MODULE_0__/* .quoteUntrusted */ .X0)(rows[0]?.sample ?? '', 80) };
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
/* harmony export */   i3: () => (/* binding */ createTenantRoles)
/* harmony export */ });
/* unused harmony export scramVerifier */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(77598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83849);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(83916);



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
    await client.query(`COMMENT ON ROLE ${qi(roles.owner)} IS ${pg__WEBPACK_IMPORTED_MODULE_1__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(markerText({ ...marker, purpose: 'owner' }))}`);
    await client.query(`CREATE ROLE ${qi(roles.app)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT PASSWORD ${pg__WEBPACK_IMPORTED_MODULE_1__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(scramVerifier(password))}`);
    await client.query(`COMMENT ON ROLE ${qi(roles.app)} IS ${pg__WEBPACK_IMPORTED_MODULE_1__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(markerText({ ...marker, purpose: 'app' }))}`);
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

/***/ 52682:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  t8: () => (/* binding */ applyStatements),
  HY: () => (/* binding */ buildSchemaScript),
  kj: () => (/* binding */ syncSequences)
});

// UNUSED EXPORTS: cloneFailureHint, describeStatement, mapRole, statementObject

// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(83849);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
;// CONCATENATED MODULE: ./src/postgres/ddl/catalog.ts
const ACL = (col) => `CASE WHEN ${col} IS NULL THEN NULL ELSE coalesce((
  SELECT json_agg(json_build_object(
    'grantee', CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
    'privilege', a.privilege_type, 'grantable', a.is_grantable) ORDER BY a.grantee, a.privilege_type)
  FROM aclexplode(${col}) a), '[]'::json) END`;
/** Not a member of an extension (deptype 'e'). */
const NOT_EXT = (catalog, oid) => `NOT EXISTS (SELECT 1 FROM pg_depend xd WHERE xd.classid = '${catalog}'::regclass AND xd.objid = ${oid} AND xd.deptype = 'e')`;
const QN = (nsp, name) => `quote_ident(${nsp}) || '.' || quote_ident(${name})`;
/**
 * Reads the catalog. Sets `search_path` to '' for the session while reading and restores it
 * afterwards; it does not open or end a transaction, so it is safe on a client that is already
 * inside one (e.g. a snapshot transaction).
 */
async function readCatalog(client, 
/** Tables the plan leaves out, as `schema.name` (unquoted): not cloned, nor what belongs to them. */
leaveOut = new Set()) {
    const saved = (await client.query(`SELECT current_setting('search_path') AS p`)).rows[0]?.p ?? '';
    await client.query(`SELECT set_config('search_path', '', false)`);
    try {
        return await readWithEmptyPath(client, leaveOut);
    }
    finally {
        await client.query(`SELECT set_config('search_path', $1, false)`, [saved]);
    }
}
async function rows(client, sql, params = []) {
    return (await client.query(sql, params)).rows;
}
async function readWithEmptyPath(client, leaveOut) {
    const version = Number((await rows(client, `SELECT current_setting('server_version_num') AS v`))[0]?.v ?? '0');
    const v14 = version >= 140000;
    const v13 = version >= 130000;
    const schemas = await rows(client, `SELECT n.oid::text AS oid, n.nspname AS name, pg_get_userbyid(n.nspowner) AS owner,
            ${ACL('n.nspacl')} AS acl, obj_description(n.oid, 'pg_namespace') AS comment
     FROM pg_namespace n
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', '_tenant_isolation') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
       AND ${NOT_EXT('pg_namespace', 'n.oid')}
     ORDER BY n.nspname`);
    const nsp = schemas.map((s) => s.oid);
    const extensions = await rows(client, `SELECT x.oid::text AS oid, x.extname AS name,
            CASE WHEN ${NOT_EXT('pg_namespace', 'x.extnamespace')} THEN n.nspname END AS schema,
            coalesce((SELECT array_agg(r.extname::text ORDER BY r.extname) FROM pg_depend d JOIN pg_extension r ON r.oid = d.refobjid
                      WHERE d.classid = 'pg_extension'::regclass AND d.objid = x.oid AND d.refclassid = 'pg_extension'::regclass), '{}') AS requires
     FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
     ORDER BY x.extname`);
    const types = await rows(client, `SELECT CASE WHEN t.typtype = 'c' THEN 'c' || t.typrelid ELSE 't' || t.oid END AS key,
            n.nspname AS schema, t.typname AS name,
            CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain' WHEN 'c' THEN 'composite' WHEN 'r' THEN 'range' END AS kind,
            pg_get_userbyid(t.typowner) AS owner, ${ACL('t.typacl')} AS acl, obj_description(t.oid, 'pg_type') AS comment,
            CASE WHEN t.typtype = 'e' THEN (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) END AS labels,
            CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS "baseType",
            CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 AND t.typcollation <> bt.typcollation
                 THEN (SELECT ${QN('cn.nspname', 'co.collname')} FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation) END AS collation,
            CASE WHEN t.typtype = 'd' THEN pg_get_expr(t.typdefaultbin, 0) END AS default,
            t.typnotnull AS "notNull",
            CASE WHEN t.typtype = 'd' THEN coalesce((SELECT json_agg(json_build_object('name', c.conname, 'def', pg_get_constraintdef(c.oid),
                        'comment', obj_description(c.oid, 'pg_constraint')) ORDER BY c.conname)
                   FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c'), '[]'::json) END AS checks,
            CASE WHEN t.typtype = 'c' THEN (SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                        'collation', CASE WHEN a.attcollation <> 0 AND a.attcollation <> at.typcollation THEN (SELECT ${QN('cn.nspname', 'co.collname')} FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END,
                        'comment', col_description(t.typrelid, a.attnum)) ORDER BY a.attnum)
                   FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) END AS attributes,
            CASE WHEN t.typtype = 'r' THEN (SELECT json_build_object(
                  'subtype', format_type(r.rngsubtype, NULL),
                  'opclass', (SELECT ${QN('on2.nspname', 'oc.opcname')} FROM pg_opclass oc JOIN pg_namespace on2 ON on2.oid = oc.opcnamespace WHERE oc.oid = r.rngsubopc AND NOT oc.opcdefault),
                  'collation', (SELECT ${QN('cn.nspname', 'co.collname')} FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = r.rngcollation AND r.rngcollation <> (SELECT typcollation FROM pg_type WHERE oid = r.rngsubtype)),
                  'canonical', CASE WHEN r.rngcanonical <> 0 THEN r.rngcanonical::regproc::text END,
                  'diff', CASE WHEN r.rngsubdiff <> 0 THEN r.rngsubdiff::regproc::text END,
                  'multirange', ${v14 ? `(SELECT ${QN('mn.nspname', 'mt.typname')} FROM pg_type mt JOIN pg_namespace mn ON mn.oid = mt.typnamespace WHERE mt.oid = r.rngmultitypid)` : 'NULL'})
                FROM pg_range r WHERE r.rngtypid = t.oid) END AS range,
            CASE WHEN t.typtype = 'r' THEN coalesce((SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid) FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
                 WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'i' AND d.refclassid = 'pg_type'::regclass
                   AND (d.refobjid = t.oid ${v14 ? 'OR d.refobjid = (SELECT rngmultitypid FROM pg_range WHERE rngtypid = t.oid)' : ''})), '{}') END AS constructors
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
     LEFT JOIN pg_class tc ON tc.oid = t.typrelid
     WHERE t.typnamespace = ANY($1::oid[]) AND t.typtype IN ('e', 'd', 'c', 'r')
       AND (t.typtype <> 'c' OR tc.relkind = 'c') AND ${NOT_EXT('pg_type', 't.oid')}
     ORDER BY n.nspname, t.typname`, [nsp]);
    const sequences = await rows(client, `SELECT 'c' || c.oid AS key, n.nspname AS schema, c.relname AS name, c.relpersistence AS persistence,
            format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start, s.seqincrement::text AS increment,
            s.seqmin::text AS min, s.seqmax::text AS max, s.seqcache::text AS cache, s.seqcycle AS cycle,
            pg_get_userbyid(c.relowner) AS owner, ${ACL('c.relacl')} AS acl, obj_description(c.oid, 'pg_class') AS comment,
            d.deptype AS "ownedKind",
            CASE WHEN d.deptype IS NOT NULL THEN json_build_object('schema', tn.nspname, 'table', t.relname, 'column', ta.attname) END AS "ownedBy"
     FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
                          AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
     LEFT JOIN pg_class t ON t.oid = d.refobjid LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
     LEFT JOIN pg_attribute ta ON ta.attrelid = d.refobjid AND ta.attnum = d.refobjsubid
     WHERE c.relkind = 'S' AND c.relnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_class', 'c.oid')}
     ORDER BY n.nspname, c.relname`, [nsp]);
    const relations = await rows(client, `SELECT 'c' || c.oid AS key, c.oid::text AS oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind,
            c.relpersistence AS persistence, pg_get_userbyid(c.relowner) AS owner, ${ACL('c.relacl')} AS acl,
            obj_description(c.oid, 'pg_class') AS comment, c.reloptions AS options,
            CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS "partitionKey",
            CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS "partitionBound",
            c.relispartition AS "isPartition",
            coalesce((SELECT json_agg(json_build_object('schema', pn.nspname, 'name', p.relname) ORDER BY i.inhseqno)
               FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
               WHERE i.inhrelid = c.oid), '[]'::json) AS parents,
            c.relrowsecurity AS "rowSecurity", c.relforcerowsecurity AS "forceRowSecurity",
            c.relreplident AS "replicaIdentity", c.relispopulated AS populated,
            CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS "viewDef",
            c.reloftype <> 0 AS typed,
            CASE WHEN am.amname IS NOT NULL AND am.amname <> 'heap' THEN am.amname END AS "accessMethod",
            coalesce((SELECT json_agg(json_build_object(
                'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'notNull', a.attnotnull,
                'default', CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
                'generated', CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
                'identity', a.attidentity,
                'collation', CASE WHEN a.attcollation <> 0 AND a.attcollation <> at.typcollation THEN (SELECT ${QN('cn.nspname', 'co.collname')} FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END,
                'isLocal', a.attislocal,
                'statistics', CASE WHEN a.attstattarget >= 0 THEN a.attstattarget END,
                'storage', CASE WHEN a.attstorage <> at.typstorage THEN a.attstorage END,
                'compression', ${v14 ? `nullif(a.attcompression, '')` : 'NULL'},
                'comment', col_description(c.oid, a.attnum),
                'acl', ${ACL('a.attacl')}) ORDER BY a.attnum)
              FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
              LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]'::json) AS columns
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_am am ON am.oid = c.relam
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_class', 'c.oid')}
     ORDER BY n.nspname, c.relname`, [nsp]);
    const functions = await rows(client, `SELECT 'f' || p.oid AS key, n.nspname AS schema, p.proname AS name, p.prokind AS kind,
            p.oid::regprocedure::text AS signature, pg_get_functiondef(p.oid) AS def,
            pg_get_userbyid(p.proowner) AS owner, ${ACL('p.proacl')} AS acl, obj_description(p.oid, 'pg_proc') AS comment
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE p.pronamespace = ANY($1::oid[]) AND p.prokind IN ('f', 'p', 'w') AND ${NOT_EXT('pg_proc', 'p.oid')}
       -- range and multirange constructors come with their type
       AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_proc'::regclass AND i.objid = p.oid AND i.deptype = 'i')
     ORDER BY n.nspname, p.proname, p.oid::regprocedure::text`, [nsp]);
    const constraints = await rows(client, `SELECT n.nspname AS schema, t.relname AS table, t.relkind AS "tableKind", c.conname AS name, c.contype AS type,
            pg_get_constraintdef(c.oid) AS def, c.convalidated AS validated, c.conislocal AS "isLocal",
            c.conparentid <> 0 AS "hasParent",
            CASE WHEN c.contype IN ('p', 'u', 'x') THEN (SELECT json_build_object('schema', ino.nspname, 'name', ic.relname)
                 FROM pg_class ic JOIN pg_namespace ino ON ino.oid = ic.relnamespace WHERE ic.oid = c.conindid) END AS index,
            obj_description(c.oid, 'pg_constraint') AS comment
     FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE t.relnamespace = ANY($1::oid[]) AND c.contype IN ('p', 'u', 'x', 'c', 'f') AND ${NOT_EXT('pg_class', 't.oid')}
     ORDER BY n.nspname, t.relname, c.conname`, [nsp]);
    const indexes = await rows(client, `WITH RECURSIVE idx AS (
       SELECT i.indexrelid, i.indrelid, i.indisclustered, i.indisreplident FROM pg_index i
       JOIN pg_class t ON t.oid = i.indrelid
       WHERE t.relnamespace = ANY($1::oid[]) AND t.relkind IN ('r', 'p', 'm') AND ${NOT_EXT('pg_class', 't.oid')}
     ), depth AS (
       SELECT inhrelid AS oid, 1 AS d, inhparent AS top FROM pg_inherits WHERE inhrelid IN (SELECT indexrelid FROM idx)
       UNION ALL
       SELECT depth.oid, depth.d + 1, p.inhparent FROM depth JOIN pg_inherits p ON p.inhrelid = depth.top
     )
     SELECT ino.nspname AS schema, ic.relname AS name,
            json_build_object('schema', tn.nspname, 'name', t.relname) AS table,
            pg_get_indexdef(idx.indexrelid) AS def,
            EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = idx.indexrelid AND c.conrelid = idx.indrelid AND c.contype IN ('p', 'u', 'x')) AS "constraintBacked",
            (SELECT json_build_object('schema', pn.nspname, 'name', pc.relname) FROM pg_inherits h JOIN pg_class pc ON pc.oid = h.inhparent
               JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE h.inhrelid = idx.indexrelid) AS parent,
            coalesce((SELECT max(d) FROM depth WHERE depth.oid = idx.indexrelid), 0) AS depth,
            idx.indisclustered AS clustered, idx.indisreplident AS "replicaIdentity",
            obj_description(idx.indexrelid, 'pg_class') AS comment
     FROM idx JOIN pg_class ic ON ic.oid = idx.indexrelid JOIN pg_namespace ino ON ino.oid = ic.relnamespace
     JOIN pg_class t ON t.oid = idx.indrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
     ORDER BY ino.nspname, ic.relname`, [nsp]);
    const triggers = await rows(client, `SELECT n.nspname AS schema, t.relname AS table, g.tgname AS name, pg_get_triggerdef(g.oid) AS def,
            g.tgenabled AS enabled, obj_description(g.oid, 'pg_trigger') AS comment
     FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE t.relnamespace = ANY($1::oid[]) AND NOT g.tgisinternal ${v13 ? 'AND g.tgparentid = 0' : ''}
       AND ${NOT_EXT('pg_class', 't.oid')} AND ${NOT_EXT('pg_trigger', 'g.oid')}
     ORDER BY n.nspname, t.relname, g.tgname`, [nsp]);
    const rules = await rows(client, `SELECT n.nspname AS schema, t.relname AS table, r.rulename AS name, pg_get_ruledef(r.oid) AS def,
            r.ev_enabled AS enabled, obj_description(r.oid, 'pg_rewrite') AS comment
     FROM pg_rewrite r JOIN pg_class t ON t.oid = r.ev_class JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE t.relnamespace = ANY($1::oid[]) AND r.rulename <> '_RETURN' AND ${NOT_EXT('pg_class', 't.oid')}
     ORDER BY n.nspname, t.relname, r.rulename`, [nsp]);
    const policies = await rows(client, `SELECT 'pol' || p.oid AS key, n.nspname AS schema, t.relname AS table, p.polname AS name, p.polpermissive AS permissive,
            p.polcmd AS command,
            (SELECT array_agg(x.n ORDER BY x.n) FROM (SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r)::text END AS n FROM unnest(p.polroles) r) x) AS roles,
            pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS "withCheck",
            obj_description(p.oid, 'pg_policy') AS comment
     FROM pg_policy p JOIN pg_class t ON t.oid = p.polrelid JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE t.relnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_class', 't.oid')}
     ORDER BY n.nspname, t.relname, p.polname`, [nsp]);
    const statistics = await rows(client, `SELECT n.nspname AS schema, s.stxname AS name, pg_get_statisticsobjdef(s.oid) AS def,
            pg_get_userbyid(s.stxowner) AS owner, obj_description(s.oid, 'pg_statistic_ext') AS comment
     FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace
     WHERE s.stxnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_statistic_ext', 's.oid')}
     ORDER BY n.nspname, s.stxname`, [nsp]);
    // Dependencies between the objects above, each side mapped to the object that is created
    // (a column default to its table, a view's rule to its view, an array type to its element...).
    const typeKey = (t) => `(SELECT CASE
        WHEN ty.typrelid <> 0 THEN 'c' || ty.typrelid
        WHEN el.oid IS NOT NULL THEN CASE WHEN el.typrelid <> 0 THEN 'c' || el.typrelid ELSE 't' || el.oid END
        ${v14 ? `WHEN mr.rngtypid IS NOT NULL THEN 't' || mr.rngtypid` : ''}
        ELSE 't' || ty.oid END
      FROM pg_type ty LEFT JOIN pg_type el ON el.typarray = ty.oid
      ${v14 ? 'LEFT JOIN pg_range mr ON mr.rngmultitypid = ty.oid' : ''}
      WHERE ty.oid = ${t})`;
    const edgeRows = await rows(client, `SELECT DISTINCT src, ref FROM (
       SELECT CASE d.classid
                WHEN 'pg_class'::regclass THEN 'c' || d.objid
                WHEN 'pg_type'::regclass THEN ${typeKey('d.objid')}
                WHEN 'pg_proc'::regclass THEN 'f' || d.objid
                WHEN 'pg_attrdef'::regclass THEN (SELECT 'c' || ad.adrelid FROM pg_attrdef ad WHERE ad.oid = d.objid)
                WHEN 'pg_rewrite'::regclass THEN (SELECT 'c' || rw.ev_class FROM pg_rewrite rw WHERE rw.oid = d.objid AND rw.rulename = '_RETURN')
                WHEN 'pg_constraint'::regclass THEN (SELECT ${typeKey('co.contypid')} FROM pg_constraint co WHERE co.oid = d.objid AND co.contypid <> 0)
                WHEN 'pg_policy'::regclass THEN 'pol' || d.objid
              END AS src,
              CASE d.refclassid
                WHEN 'pg_class'::regclass THEN 'c' || d.refobjid
                WHEN 'pg_type'::regclass THEN ${typeKey('d.refobjid')}
                WHEN 'pg_proc'::regclass THEN 'f' || d.refobjid
                WHEN 'pg_constraint'::regclass THEN (SELECT CASE WHEN co.contypid <> 0 THEN ${typeKey('co.contypid')} ELSE 'k' || co.oid END
                                                     FROM pg_constraint co WHERE co.oid = d.refobjid)
              END AS ref
       FROM pg_depend d
       WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384 AND d.refobjid >= 16384
     ) x WHERE src IS NOT NULL AND ref IS NOT NULL AND src <> ref`);
    const unsupported = [];
    const note = async (what, sql) => {
        for (const r of await rows(client, sql, [nsp]))
            unsupported.push(`${what} ${r.name}`);
    };
    await note('aggregate', `SELECT p.oid::regprocedure::text AS name FROM pg_proc p WHERE p.pronamespace = ANY($1::oid[]) AND p.prokind = 'a' AND ${NOT_EXT('pg_proc', 'p.oid')}`);
    await note('base or shell type', `SELECT t.oid::regtype::text AS name FROM pg_type t WHERE t.typnamespace = ANY($1::oid[]) AND t.typtype IN ('b', 'p') AND t.typelem = 0 AND ${NOT_EXT('pg_type', 't.oid')}`);
    await note('collation', `SELECT ${QN('n.nspname', 'c.collname')} AS name FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace WHERE c.collnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_collation', 'c.oid')}`);
    await note('operator', `SELECT o.oid::regoperator::text AS name FROM pg_operator o WHERE o.oprnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_operator', 'o.oid')}`);
    await note('operator class', `SELECT ${QN('n.nspname', 'c.opcname')} AS name FROM pg_opclass c JOIN pg_namespace n ON n.oid = c.opcnamespace WHERE c.opcnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_opclass', 'c.oid')}`);
    await note('text search configuration', `SELECT c.oid::regconfig::text AS name FROM pg_ts_config c WHERE c.cfgnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_ts_config', 'c.oid')}`);
    await note('cast', `SELECT format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL) AS name FROM pg_cast c
     WHERE c.oid >= 16384 AND $1::oid[] IS NOT NULL AND ${NOT_EXT('pg_cast', 'c.oid')}
       AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_cast'::regclass AND i.objid = c.oid AND i.deptype = 'i')`);
    await note('event trigger', `SELECT quote_ident(evtname) AS name FROM pg_event_trigger e WHERE $1::oid[] IS NOT NULL AND ${NOT_EXT('pg_event_trigger', 'e.oid')}`);
    await note('publication', `SELECT quote_ident(pubname) AS name FROM pg_publication WHERE $1::oid[] IS NOT NULL`);
    await note('default privileges of role', `SELECT DISTINCT pg_get_userbyid(defaclrole) AS name FROM pg_default_acl WHERE $1::oid[] IS NOT NULL`);
    for (const r of relations) {
        if (r.kind === 'f')
            unsupported.push(`foreign table ${r.schema}.${r.name}`);
        else if (r.typed)
            unsupported.push(`typed table ${r.schema}.${r.name} (recreated as a plain table with the same columns)`);
        if (r.accessMethod)
            unsupported.push(`table access method ${r.accessMethod} of ${r.schema}.${r.name} (recreated as heap)`);
    }
    // Tables the plan leaves out (unrelated with reference-tables: skip, unattributable, a skip
    // override) are not cloned, nor their partitions, keys, indexes, triggers, rules, policies and
    // owned sequences; the plan refuses a foreign key from a copied table into one of them.
    const left = leaveOut;
    const isLeftOut = (schema, name) => {
        const seen = new Set();
        const walk = (sc, n) => {
            const k = `${sc}.${n}`;
            if (left.has(k))
                return true;
            if (seen.has(k))
                return false;
            seen.add(k);
            const r = relations.find((x) => x.schema === sc && x.name === n);
            return !!r?.isPartition && r.parents.some((p) => walk(p.schema, p.name));
        };
        return walk(schema, name);
    };
    const keep = (items) => left.size === 0 ? items : items.filter((i) => !isLeftOut(i.schema, i.table));
    return {
        serverVersion: version,
        schemas,
        extensions,
        types,
        sequences: left.size === 0
            ? sequences
            : sequences.filter((q) => !q.ownedBy || !isLeftOut(q.ownedBy.schema, q.ownedBy.table)),
        relations: relations.filter((r) => r.kind !== 'f' && (left.size === 0 || !isLeftOut(r.schema, r.name))),
        functions,
        constraints: keep(constraints),
        indexes: left.size === 0 ? indexes : indexes.filter((i) => !isLeftOut(i.table.schema, i.table.name)),
        triggers: keep(triggers),
        rules: keep(rules),
        policies: keep(policies),
        statistics,
        edges: edgeRows.map((e) => [e.src, e.ref]),
        unsupported,
    };
}

;// CONCATENATED MODULE: ./src/postgres/ddl/order.ts
function topoOrder(nodes, edges) {
    const byKey = new Map(nodes.map((n) => [n.key, n]));
    const deps = new Map();
    const dependents = new Map();
    for (const n of nodes) {
        deps.set(n.key, new Set());
        dependents.set(n.key, new Set());
    }
    for (const [from, to] of edges) {
        if (from === to || !byKey.has(from) || !byKey.has(to))
            continue;
        deps.get(from).add(to);
        dependents.get(to).add(from);
    }
    const cmp = (a, b) => a.rank - b.rank || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    const ready = nodes.filter((n) => deps.get(n.key).size === 0).sort(cmp);
    const done = new Set();
    const ordered = [];
    const cycles = [];
    const insert = (n) => {
        let lo = 0;
        let hi = ready.length;
        while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (cmp(ready[mid], n) <= 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        ready.splice(lo, 0, n);
    };
    const emit = (n) => {
        done.add(n.key);
        ordered.push(n);
        for (const d of dependents.get(n.key)) {
            const s = deps.get(d);
            s.delete(n.key);
            if (s.size === 0 && !done.has(d))
                insert(byKey.get(d));
        }
    };
    while (ordered.length < nodes.length) {
        const next = ready.shift();
        if (next) {
            if (!done.has(next.key))
                emit(next);
            continue;
        }
        // Only cycles remain: break one at its lowest-ranked member.
        const stuck = nodes.filter((n) => !done.has(n.key)).sort(cmp)[0];
        cycles.push(stuck.name);
        deps.get(stuck.key).clear();
        emit(stuck);
    }
    return { ordered, cycles };
}
/** Keys reachable backwards from `seeds` (the seeds and everything that depends on them). */
function dependentsClosure(seeds, edges) {
    const rev = new Map();
    for (const [from, to] of edges) {
        const list = rev.get(to) ?? [];
        list.push(from);
        rev.set(to, list);
    }
    const out = new Set();
    const stack = [...seeds];
    while (stack.length) {
        const k = stack.pop();
        if (out.has(k))
            continue;
        out.add(k);
        for (const d of rev.get(k) ?? [])
            stack.push(d);
    }
    return out;
}

;// CONCATENATED MODULE: ./src/postgres/ddl/generate.ts


const qi = (name) => esm/* default.escapeIdentifier */.Ay.escapeIdentifier(name);
const qn = (schema, name) => `${qi(schema)}.${qi(name)}`;
const lit = (text) => esm/* default.escapeLiteral */.Ay.escapeLiteral(text);
const stripSemicolon = (sql) => sql.trim().replace(/;\s*$/, '');
/**
 * Role mapping rule, shared by GRANTs and policies: PUBLIC stays PUBLIC; a role in the map
 * becomes its target; any other role is dropped (least privilege: it has no business in the
 * tenant's database, and it cannot connect to it anyway).
 */
function mapRole(role, roleMap) {
    if (role === 'PUBLIC')
        return 'PUBLIC';
    return roleMap.get(role) ?? null;
}
const roleSql = (role) => (role === 'PUBLIC' ? 'PUBLIC' : qi(role));
/**
 * GRANTs reproducing `acl` on the object, remapped. A null ACL means the built-in defaults,
 * which the new object already has. Otherwise PUBLIC's defaults are revoked first so the
 * result is exactly the source's entries; the source owner's own entries are skipped (the
 * new owner has them by ownership).
 */
function grantStatements(kind, object, acl, owner, roleMap, columns) {
    if (acl === null)
        return [];
    const groups = new Map();
    for (const e of acl) {
        if (e.grantee === owner)
            continue;
        const role = mapRole(e.grantee, roleMap);
        if (!role)
            continue;
        const id = `${role}\u0000${e.grantable}`;
        const g = groups.get(id) ?? { role, grantable: e.grantable, privileges: [] };
        if (!g.privileges.includes(e.privilege))
            g.privileges.push(e.privilege);
        groups.set(id, g);
    }
    const cols = columns ? ` (${columns})` : '';
    const out = columns ? [] : [`REVOKE ALL ON ${kind} ${object} FROM PUBLIC`];
    for (const g of groups.values()) {
        const privs = g.privileges.map((p) => `${p}${cols}`).join(', ');
        out.push(`GRANT ${privs} ON ${kind} ${object} TO ${roleSql(g.role)}${g.grantable ? ' WITH GRANT OPTION' : ''}`);
    }
    return out;
}
const commentOn = (what, comment) => comment == null ? [] : [`COMMENT ON ${what} IS ${lit(comment)}`];
const STORAGE = { p: 'PLAIN', e: 'EXTERNAL', x: 'EXTENDED', m: 'MAIN' };
const COMPRESSION = { p: 'pglz', l: 'lz4' };
const POLICY_CMD = { '*': 'ALL', r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE' };
const ENABLE_TRIGGER = { D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' };
function sequenceOptions(s) {
    return (`START WITH ${s.start} INCREMENT BY ${s.increment} MINVALUE ${s.min} MAXVALUE ${s.max} ` +
        `CACHE ${s.cache} ${s.cycle ? 'CYCLE' : 'NO CYCLE'}`);
}
function typeStatements(t, o) {
    const name = qn(t.schema, t.name);
    const out = [];
    const word = t.kind === 'domain' ? 'DOMAIN' : 'TYPE';
    switch (t.kind) {
        case 'enum':
            out.push(`CREATE TYPE ${name} AS ENUM (${(t.labels ?? []).map(lit).join(', ')})`);
            break;
        case 'domain': {
            let sql = `CREATE DOMAIN ${name} AS ${t.baseType}`;
            if (t.collation)
                sql += ` COLLATE ${t.collation}`;
            if (t.default != null)
                sql += ` DEFAULT ${t.default}`;
            if (t.notNull)
                sql += ' NOT NULL';
            out.push(sql);
            for (const c of t.checks ?? []) {
                out.push(`ALTER DOMAIN ${name} ADD CONSTRAINT ${qi(c.name)} ${c.def}`);
                out.push(...commentOn(`CONSTRAINT ${qi(c.name)} ON DOMAIN ${name}`, c.comment));
            }
            break;
        }
        case 'composite': {
            const attrs = (t.attributes ?? []).map((a) => `${qi(a.name)} ${a.type}${a.collation ? ` COLLATE ${a.collation}` : ''}`);
            out.push(`CREATE TYPE ${name} AS (${attrs.join(', ')})`);
            break;
        }
        case 'range': {
            const r = t.range;
            const parts = [`SUBTYPE = ${r.subtype}`];
            if (r.opclass)
                parts.push(`SUBTYPE_OPCLASS = ${r.opclass}`);
            if (r.collation)
                parts.push(`COLLATION = ${r.collation}`);
            if (r.canonical)
                parts.push(`CANONICAL = ${r.canonical}`);
            if (r.diff)
                parts.push(`SUBTYPE_DIFF = ${r.diff}`);
            if (r.multirange)
                parts.push(`MULTIRANGE_TYPE_NAME = ${r.multirange}`);
            out.push(`CREATE TYPE ${name} AS RANGE (${parts.join(', ')})`);
            break;
        }
    }
    out.push(`ALTER ${word} ${name} OWNER TO ${qi(o.ownerRole)}`);
    for (const f of t.constructors ?? [])
        out.push(`ALTER FUNCTION ${f} OWNER TO ${qi(o.ownerRole)}`);
    out.push(...grantStatements(word, name, t.acl, t.owner, o.roleMap));
    out.push(...commentOn(`${word} ${name}`, t.comment));
    for (const a of t.attributes ?? [])
        out.push(...commentOn(`COLUMN ${name}.${qi(a.name)}`, a.comment));
    return out;
}
function sequenceStatements(s, o) {
    const name = qn(s.schema, s.name);
    return [
        `CREATE ${s.persistence === 'u' ? 'UNLOGGED ' : ''}SEQUENCE ${name} AS ${s.type} ${sequenceOptions(s)}`,
        `ALTER SEQUENCE ${name} OWNER TO ${qi(o.ownerRole)}`,
        ...grantStatements('SEQUENCE', name, s.acl, s.owner, o.roleMap),
        ...commentOn(`SEQUENCE ${name}`, s.comment),
    ];
}
function functionStatements(f, o) {
    const word = f.kind === 'p' ? 'PROCEDURE' : 'FUNCTION';
    return [
        f.def.trim(),
        `ALTER ${word} ${f.signature} OWNER TO ${qi(o.ownerRole)}`,
        ...grantStatements(word, f.signature, f.acl, f.owner, o.roleMap),
        ...commentOn(`${word} ${f.signature}`, f.comment),
    ];
}
function columnDef(c, identity, isPartition) {
    let sql = `${qi(c.name)} ${c.type}`;
    if (c.collation)
        sql += ` COLLATE ${c.collation}`;
    if (c.generated != null)
        sql += ` GENERATED ALWAYS AS (${c.generated}) STORED`;
    else if (c.default != null)
        sql += ` DEFAULT ${c.default}`;
    // A partition gets its parent's identity when attached (PostgreSQL 17+), never its own.
    if (c.identity && !isPartition) {
        const opts = identity
            ? ` (SEQUENCE NAME ${qn(identity.schema, identity.name)} ${sequenceOptions(identity)})`
            : '';
        sql += ` GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY${opts}`;
    }
    if (c.notNull)
        sql += ' NOT NULL';
    return sql;
}
function relationWord(kind) {
    return kind === 'v' ? 'VIEW' : kind === 'm' ? 'MATERIALIZED VIEW' : 'TABLE';
}
function relationStatements(r, identitySeqs, o) {
    const name = qn(r.schema, r.name);
    const word = relationWord(r.kind);
    const withOptions = r.options?.length ? ` WITH (${r.options.join(', ')})` : '';
    const out = [];
    const seqFor = (c) => identitySeqs.get(`${r.schema}\u0000${r.name}\u0000${c.name}`);
    if (r.kind === 'v' || r.kind === 'm') {
        const def = stripSemicolon(r.viewDef ?? '');
        out.push(r.kind === 'v'
            ? `CREATE VIEW ${name}${withOptions} AS ${def}`
            : `CREATE MATERIALIZED VIEW ${name}${withOptions} AS ${def} WITH NO DATA`);
        for (const c of r.columns) {
            if (c.default != null)
                out.push(`ALTER VIEW ${name} ALTER COLUMN ${qi(c.name)} SET DEFAULT ${c.default}`);
        }
    }
    else {
        const inherits = !r.isPartition && r.parents.length > 0;
        // Partitions are created standalone with every column, then attached (as pg_dump does): their
        // columns keep their own order and properties. Inheritance children declare only local columns.
        const declared = inherits ? r.columns.filter((c) => c.isLocal) : r.columns;
        let sql = `CREATE ${r.persistence === 'u' ? 'UNLOGGED ' : ''}TABLE ${name} (${declared
            .map((c) => columnDef(c, seqFor(c), r.isPartition))
            .join(', ')})`;
        if (inherits)
            sql += ` INHERITS (${r.parents.map((p) => qn(p.schema, p.name)).join(', ')})`;
        if (r.partitionKey)
            sql += ` PARTITION BY ${r.partitionKey}`;
        sql += withOptions;
        out.push(sql);
        if (inherits) {
            for (const c of r.columns.filter((c) => !c.isLocal)) {
                if (c.default != null)
                    out.push(`ALTER TABLE ONLY ${name} ALTER COLUMN ${qi(c.name)} SET DEFAULT ${c.default}`);
                if (c.notNull)
                    out.push(`ALTER TABLE ONLY ${name} ALTER COLUMN ${qi(c.name)} SET NOT NULL`);
            }
        }
        if (r.isPartition && r.parents[0]) {
            const parent = r.parents[0];
            out.push(`ALTER TABLE ONLY ${qn(parent.schema, parent.name)} ATTACH PARTITION ${name} ${r.partitionBound}`);
        }
        if (r.replicaIdentity === 'f')
            out.push(`ALTER TABLE ONLY ${name} REPLICA IDENTITY FULL`);
        if (r.replicaIdentity === 'n')
            out.push(`ALTER TABLE ONLY ${name} REPLICA IDENTITY NOTHING`);
    }
    const alterCol = r.kind === 'm' ? 'MATERIALIZED VIEW' : r.kind === 'v' ? 'VIEW' : 'TABLE ONLY';
    for (const c of r.columns) {
        if (r.kind === 'v')
            break;
        const col = `ALTER ${alterCol} ${name} ALTER COLUMN ${qi(c.name)}`;
        if (c.statistics != null)
            out.push(`${col} SET STATISTICS ${c.statistics}`);
        if (c.storage && STORAGE[c.storage])
            out.push(`${col} SET STORAGE ${STORAGE[c.storage]}`);
        if (c.compression && COMPRESSION[c.compression] && r.kind !== 'm')
            out.push(`${col} SET COMPRESSION ${COMPRESSION[c.compression]}`);
    }
    out.push(`ALTER ${word} ${name} OWNER TO ${qi(o.ownerRole)}`);
    out.push(...grantStatements('TABLE', name, r.acl, r.owner, o.roleMap));
    for (const c of r.columns) {
        if (c.acl)
            out.push(...grantStatements('TABLE', name, c.acl, r.owner, o.roleMap, qi(c.name)));
    }
    out.push(...commentOn(`${word} ${name}`, r.comment));
    for (const c of r.columns)
        out.push(...commentOn(`COLUMN ${name}.${qi(c.name)}`, c.comment));
    // Identity sequences come with their table: only their grants and comments are separate.
    for (const c of r.columns) {
        const s = c.identity ? seqFor(c) : undefined;
        if (!s || r.isPartition)
            continue;
        const seq = qn(s.schema, s.name);
        out.push(...grantStatements('SEQUENCE', seq, s.acl, s.owner, o.roleMap));
        out.push(...commentOn(`SEQUENCE ${seq}`, s.comment));
    }
    return out;
}
function policyStatements(p, o) {
    const roles = [
        ...new Set(p.roles.map((r) => mapRole(r, o.roleMap)).filter((r) => r !== null)),
    ];
    // Every role the policy applied to is absent from the tenant's database: the policy could
    // never apply there, so it is left out rather than widened to PUBLIC.
    if (roles.length === 0)
        return [];
    const table = qn(p.schema, p.table);
    let sql = `CREATE POLICY ${qi(p.name)} ON ${table} AS ${p.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${POLICY_CMD[p.command] ?? 'ALL'} TO ${roles.map(roleSql).join(', ')}`;
    if (p.using != null)
        sql += ` USING (${p.using})`;
    if (p.withCheck != null)
        sql += ` WITH CHECK (${p.withCheck})`;
    return [sql, ...commentOn(`POLICY ${qi(p.name)} ON ${table}`, p.comment)];
}
/** Pure: turns a catalog snapshot into the two DDL phases. */
function generateScript(cat, o) {
    const before = [];
    const after = [];
    const unsupported = [...cat.unsupported];
    // Schemas, then extensions (which may live in them), in dependency order.
    for (const s of cat.schemas) {
        const name = qi(s.name);
        before.push(`CREATE SCHEMA IF NOT EXISTS ${name}`);
        before.push(`ALTER SCHEMA ${name} OWNER TO ${qi(o.ownerRole)}`);
        before.push(...grantStatements('SCHEMA', name, s.acl, s.owner, o.roleMap));
        before.push(`COMMENT ON SCHEMA ${name} IS ${s.comment == null ? 'NULL' : lit(s.comment)}`);
    }
    const extOrder = topoOrder(cat.extensions.map((e) => ({ key: e.name, rank: 0, name: e.name, ext: e })), cat.extensions.flatMap((e) => e.requires.map((r) => [e.name, r]))).ordered;
    for (const { ext } of extOrder) {
        before.push(`CREATE EXTENSION IF NOT EXISTS ${qi(ext.name)}${ext.schema ? ` WITH SCHEMA ${qi(ext.schema)}` : ''}`);
    }
    // Everything created before the data, as one dependency graph.
    const identitySeqs = new Map();
    for (const s of cat.sequences) {
        if (s.ownedKind === 'i' && s.ownedBy) {
            identitySeqs.set(`${s.ownedBy.schema}\u0000${s.ownedBy.table}\u0000${s.ownedBy.column}`, s);
        }
    }
    const nodes = [];
    for (const t of cat.types) {
        nodes.push({ key: t.key, rank: 1, name: `${t.schema}.${t.name}`, statements: typeStatements(t, o) });
    }
    for (const s of cat.sequences) {
        if (s.ownedKind === 'i')
            continue;
        nodes.push({ key: s.key, rank: 2, name: `${s.schema}.${s.name}`, statements: sequenceStatements(s, o) });
    }
    for (const f of cat.functions) {
        nodes.push({ key: f.key, rank: 3, name: f.signature, statements: functionStatements(f, o) });
    }
    const rankOf = { r: 4, p: 4, f: 4, v: 5, m: 6 };
    for (const r of cat.relations) {
        nodes.push({
            key: r.key,
            rank: rankOf[r.kind],
            name: `${r.schema}.${r.name}`,
            statements: relationStatements(r, identitySeqs, o),
        });
    }
    const relKeyByName = new Map(cat.relations.map((r) => [`${r.schema}\u0000${r.name}`, r.key]));
    // A sequence's own edges are its OWNED BY link to a table, set after the data: ignore them.
    const sequenceKeys = new Set(cat.sequences.map((s) => s.key));
    const edges = cat.edges.filter(([from]) => !sequenceKeys.has(from));
    for (const p of cat.policies) {
        nodes.push({
            key: p.key,
            rank: 7,
            name: `${p.schema}.${p.table}.${p.name}`,
            statements: policyStatements(p, o),
        });
        const t = relKeyByName.get(`${p.schema}\u0000${p.table}`);
        if (t)
            edges.push([p.key, t]);
    }
    for (const r of cat.relations) {
        for (const parent of r.parents) {
            const pk = relKeyByName.get(`${parent.schema}\u0000${parent.name}`);
            if (pk)
                edges.push([r.key, pk]);
        }
    }
    // Objects that need a table constraint (a view grouping by a primary key relies on it for
    // functional dependency) wait until after the constraints, with everything that needs them.
    const deferred = dependentsClosure(edges.filter(([, to]) => to.startsWith('k')).map(([from]) => from), edges);
    const { ordered, cycles } = topoOrder(nodes, edges);
    for (const c of cycles)
        unsupported.push(`dependency cycle broken at ${c} (creation order may fail)`);
    for (const n of ordered)
        if (!deferred.has(n.key))
            before.push(...n.statements);
    // --- After the data -------------------------------------------------------------------------
    const relByName = new Map(cat.relations.map((r) => [`${r.schema}\u0000${r.name}`, r]));
    const depthCache = new Map();
    const depthOf = (schema, name) => {
        const id = `${schema}\u0000${name}`;
        const cached = depthCache.get(id);
        if (cached !== undefined)
            return cached;
        depthCache.set(id, 0);
        const r = relByName.get(id);
        const d = r && r.parents.length ? 1 + Math.max(...r.parents.map((p) => depthOf(p.schema, p.name))) : 0;
        depthCache.set(id, d);
        return d;
    };
    const byDepth = (list) => [...list].sort((a, b) => depthOf(a.schema, a.table) - depthOf(b.schema, b.table));
    // 1. Keys and exclusion constraints, then other indexes, then partition indexes attached.
    const keys = byDepth(cat.constraints.filter((c) => c.type === 'p' || c.type === 'u' || c.type === 'x'));
    for (const c of keys) {
        const table = qn(c.schema, c.table);
        after.push(`ALTER TABLE ONLY ${table} ADD CONSTRAINT ${qi(c.name)} ${c.def}`);
        after.push(...commentOn(`CONSTRAINT ${qi(c.name)} ON ${table}`, c.comment));
    }
    const indexes = [...cat.indexes].sort((a, b) => a.depth - b.depth);
    for (const i of indexes) {
        if (i.constraintBacked)
            continue;
        after.push(i.def);
        after.push(...commentOn(`INDEX ${qn(i.schema, i.name)}`, i.comment));
    }
    for (const i of [...cat.indexes].sort((a, b) => b.depth - a.depth)) {
        if (i.parent)
            after.push(`ALTER INDEX ${qn(i.parent.schema, i.parent.name)} ATTACH PARTITION ${qn(i.schema, i.name)}`);
    }
    for (const i of cat.indexes) {
        const table = qn(i.table.schema, i.table.name);
        if (i.clustered)
            after.push(`ALTER TABLE ${table} CLUSTER ON ${qi(i.name)}`);
        if (i.replicaIdentity)
            after.push(`ALTER TABLE ONLY ${table} REPLICA IDENTITY USING INDEX ${qi(i.name)}`);
    }
    // 2. Checks: added on the topmost table and inherited downwards, as in the source.
    const checkNames = new Set(cat.constraints.filter((c) => c.type === 'c').map((c) => `${c.schema}\u0000${c.table}\u0000${c.name}`));
    for (const c of byDepth(cat.constraints.filter((c) => c.type === 'c' && c.isLocal))) {
        const r = relByName.get(`${c.schema}\u0000${c.table}`);
        if (r?.parents.some((p) => checkNames.has(`${p.schema}\u0000${p.name}\u0000${c.name}`)))
            continue;
        const table = qn(c.schema, c.table);
        after.push(`ALTER TABLE ${table} ADD CONSTRAINT ${qi(c.name)} ${c.def}`);
        after.push(...commentOn(`CONSTRAINT ${qi(c.name)} ON ${table}`, c.comment));
    }
    // 3. Foreign keys: NOT VALID then VALIDATE (partitioned tables cannot take NOT VALID keys).
    const validate = [];
    for (const c of cat.constraints.filter((c) => c.type === 'f' && !c.hasParent)) {
        const table = qn(c.schema, c.table);
        if (c.tableKind === 'p') {
            after.push(`ALTER TABLE ${table} ADD CONSTRAINT ${qi(c.name)} ${c.def}`);
        }
        else if (c.validated) {
            after.push(`ALTER TABLE ONLY ${table} ADD CONSTRAINT ${qi(c.name)} ${c.def} NOT VALID`);
            validate.push(`ALTER TABLE ONLY ${table} VALIDATE CONSTRAINT ${qi(c.name)}`);
        }
        else {
            after.push(`ALTER TABLE ONLY ${table} ADD CONSTRAINT ${qi(c.name)} ${c.def}`);
        }
        validate.push(...commentOn(`CONSTRAINT ${qi(c.name)} ON ${table}`, c.comment));
    }
    after.push(...validate);
    // 4. Objects that waited for constraints.
    for (const n of ordered)
        if (deferred.has(n.key))
            after.push(...n.statements);
    // 5. Triggers and rules, now that the data is in (COPY would have fired them).
    for (const t of cat.triggers) {
        const table = qn(t.schema, t.table);
        after.push(t.def);
        if (ENABLE_TRIGGER[t.enabled])
            after.push(`ALTER TABLE ${table} ${ENABLE_TRIGGER[t.enabled]} TRIGGER ${qi(t.name)}`);
        after.push(...commentOn(`TRIGGER ${qi(t.name)} ON ${table}`, t.comment));
    }
    for (const r of cat.rules) {
        const table = qn(r.schema, r.table);
        after.push(stripSemicolon(r.def));
        if (ENABLE_TRIGGER[r.enabled])
            after.push(`ALTER TABLE ${table} ${ENABLE_TRIGGER[r.enabled]} RULE ${qi(r.name)}`);
        after.push(...commentOn(`RULE ${qi(r.name)} ON ${table}`, r.comment));
    }
    // 6. Extended statistics, sequence ownership, materialized view contents.
    for (const s of cat.statistics) {
        const name = qn(s.schema, s.name);
        after.push(s.def, `ALTER STATISTICS ${name} OWNER TO ${qi(o.ownerRole)}`, ...commentOn(`STATISTICS ${name}`, s.comment));
    }
    for (const s of cat.sequences) {
        if (s.ownedKind !== 'a' || !s.ownedBy)
            continue;
        after.push(`ALTER SEQUENCE ${qn(s.schema, s.name)} OWNED BY ${qn(s.ownedBy.schema, s.ownedBy.table)}.${qi(s.ownedBy.column)}`);
    }
    const matviews = new Map(cat.relations.filter((r) => r.kind === 'm' && r.populated).map((r) => [r.key, r]));
    for (const n of ordered) {
        const m = matviews.get(n.key);
        if (m)
            after.push(`REFRESH MATERIALIZED VIEW ${qn(m.schema, m.name)}`);
    }
    // 7. Row-level security last: COPY FROM refuses a table whose RLS applies to the copying role
    // (any role but a superuser or BYPASSRLS), so the flags are set once the data is in. The
    // policies themselves were created before the data.
    for (const r of cat.relations) {
        const name = qn(r.schema, r.name);
        if (r.rowSecurity)
            after.push(`ALTER TABLE ONLY ${name} ENABLE ROW LEVEL SECURITY`);
        if (r.forceRowSecurity)
            after.push(`ALTER TABLE ONLY ${name} FORCE ROW LEVEL SECURITY`);
    }
    return { beforeData: before, afterData: after, unsupported };
}

// EXTERNAL MODULE: ./src/postgres/sequence-ranges.ts
var sequence_ranges = __webpack_require__(78569);
;// CONCATENATED MODULE: ./src/postgres/schema-clone.ts





const MAX_IDENTIFIER_BYTES = 63;
function checkRoleName(role, what) {
    if (!role || role.includes('\u0000') || Buffer.byteLength(role) > MAX_IDENTIFIER_BYTES) {
        throw new errors/* InputError */.dz(`The ${what} "${role}" is not a valid PostgreSQL role name.`, `Use a non-empty name of at most ${MAX_IDENTIFIER_BYTES} bytes.`);
    }
}
/** Reads the source's catalog and returns DDL statements. Pure generation after the catalog read. */
async function buildSchemaScript(source, options) {
    checkRoleName(options.ownerRole, 'owner role');
    for (const [from, to] of options.roleMap) {
        checkRoleName(from, 'source role');
        checkRoleName(to, 'target role');
    }
    let catalog;
    try {
        catalog = await readCatalog(source, new Set((options.leaveOut ?? []).map((t) => `${t.schema}.${t.name}`)));
    }
    catch (e) {
        throw new errors/* PromotionError */.g1('database', `Could not read the shared database's catalog: ${e.message}`, 'The connecting role needs to read pg_catalog (it does by default); check the connection.', { cause: e });
    }
    return generateScript(catalog, options);
}
const APPLY_BATCH = 200;
/** The first line of a statement, enough to name its object in an error. */
function describeStatement(sql) {
    const line = sql.trim().split('\n')[0].replace(/\s+/g, ' ');
    return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}
const QUOTED_NAME = String.raw `(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*)`;
const OBJECT_RE = new RegExp(String.raw `^\s*(?:CREATE|ALTER)\s+(?:OR\s+REPLACE\s+)?(?:UNIQUE\s+)?(?:UNLOGGED\s+)?` +
    String.raw `(MATERIALIZED\s+VIEW|VIEW|TABLE|INDEX|FUNCTION|PROCEDURE|AGGREGATE|TYPE|DOMAIN|SEQUENCE|TRIGGER|POLICY|RULE|SCHEMA|EXTENSION|STATISTICS|OPERATOR|CAST)\s+` +
    String.raw `(?:IF\s+NOT\s+EXISTS\s+|IF\s+EXISTS\s+|ONLY\s+|CONCURRENTLY\s+)*(${QUOTED_NAME}(?:\.${QUOTED_NAME})?)`, 'i');
const CONSTRAINT_RE = new RegExp(String.raw `\b(?:ADD|VALIDATE)\s+CONSTRAINT\s+(${QUOTED_NAME})`, 'i');
/** The object a generated statement creates or alters, e.g. `view "public"."film_list"`. */
function statementObject(sql) {
    const m = OBJECT_RE.exec(sql);
    if (!m)
        return undefined;
    const kind = m[1].replace(/\s+/g, ' ').toLowerCase();
    const constraint = kind === 'table' ? CONSTRAINT_RE.exec(sql)?.[1] : undefined;
    return constraint ? `constraint ${constraint} of table ${m[2]}` : `${kind} ${m[2]}`;
}
/**
 * The hint of a failed clone statement, by the error's SQLSTATE: a name already taken (the
 * target is not empty), a missing role, data the tenant's rows do not satisfy, an object the
 * statement depends on that the clone did not create — each with the object it concerns;
 * anything else names the statement.
 */
function cloneFailureHint(err, sql, index, total) {
    const code = err.code ?? '';
    const named = statementObject(sql);
    const object = named ?? `the object of statement ${index} of ${total}`;
    const The = named ? `The ${named}` : `The object of statement ${index} of ${total}`;
    const undo = 'The phase was rolled back; the run undoes the new database.';
    // 42P07 duplicate_table, 42710 duplicate_object, 42P06 duplicate_schema, 42723 duplicate_function, 42P16…
    if (['42P07', '42710', '42P06', '42723', '42P04', '42712'].includes(code))
        return `The target database already has ${object}: it is not empty (a leftover of an earlier run, or a template with objects). ${undo} Drop or rename the leftover database, then re-run.`;
    if (code === '42704' && /\brole\b/i.test(err.message))
        return `${The} names a role that does not exist on the target server. ${undo} Create the role there, then re-run.`;
    // Class 23: integrity constraint violation; class 22: data exception — the data, not the schema.
    if (code.startsWith('23') || code.startsWith('22')) {
        const on = [
            err.constraint && `constraint ${err.constraint}`,
            err.table && `table ${err.table}`,
            err.column && `column ${err.column}`,
        ]
            .filter(Boolean)
            .join(' of ');
        return `The tenant's copied rows do not satisfy ${object}${on && !object.startsWith('constraint') ? ` (${on})` : ''}: it depends on data the promotion did not copy (rows of another tenant or of a table left out) or the shared rows already break it (a NOT VALID constraint, a check added later). ${undo} Fix the rows named in the detail in the shared database, then re-run.`;
    }
    // 42883 undefined function/operator, 42704 undefined object (type, collation…), 42P01 undefined table.
    if (['42883', '42704', '42P01', '42703'].includes(code)) {
        const missing = /^(.*?) does not exist/.exec(err.message)?.[1] ?? 'an object';
        return `${The} depends on ${missing}, which the clone did not create (an aggregate, operator, cast or other object it cannot recreate — see the notes; or an object of an extension that is not installed on the target). ${undo} Drop or recreate that dependency in the shared database (or remove ${object}), then re-run.`;
    }
    return `Statement ${index} of ${total}${named ? ` (${named})` : ''} failed on the target database${code ? ` with SQLSTATE ${code}` : ''}. ${undo} The message above names the cause.`;
}
/**
 * Runs statements in order on the target, in one transaction (DDL is transactional in
 * PostgreSQL: a failure leaves the target as it was before this phase). Function bodies are not
 * checked at creation (as pg_dump restores them), since they may name objects created later.
 * On error throws PromotionError('database') naming the statement's object.
 */
async function applyStatements(target, statements) {
    if (statements.length === 0)
        return;
    await target.query('BEGIN');
    try {
        await target.query(`SET LOCAL check_function_bodies = off`);
        // The generated DDL is fully qualified; this path only matters to function bodies that run
        // during the apply (index expressions, checks, REFRESH), which the application wrote for it.
        await target.query(`SET LOCAL search_path = "$user", public`);
        // Statements go in batches (one round trip each); a failing batch is rolled back to its
        // savepoint and replayed one statement at a time, so the error still names the statement.
        for (let start = 0; start < statements.length; start += APPLY_BATCH) {
            const batch = statements.slice(start, start + APPLY_BATCH);
            await target.query('SAVEPOINT clone_batch');
            try {
                await target.query(batch.join(';\n'));
                await target.query('RELEASE SAVEPOINT clone_batch');
                continue;
            }
            catch {
                await target.query('ROLLBACK TO SAVEPOINT clone_batch');
            }
            for (const [j, sql] of batch.entries()) {
                try {
                    await target.query(sql);
                }
                catch (e) {
                    const err = e;
                    throw new errors/* PromotionError */.g1('database', `Cloning the schema failed at statement ${start + j + 1} of ${statements.length} (${describeStatement(sql)}): ${err.message}${err.detail ? ` (${err.detail})` : ''}`, cloneFailureHint(err, sql, start + j + 1, statements.length), { cause: e });
                }
            }
        }
        await target.query('COMMIT');
    }
    catch (e) {
        await target.query('ROLLBACK').catch(() => undefined);
        throw e;
    }
}
const schema_clone_qn = (schema, name) => `${esm/* default.escapeIdentifier */.Ay.escapeIdentifier(schema)}.${esm/* default.escapeIdentifier */.Ay.escapeIdentifier(name)}`;
const bigMax = (a, b) => (a === null ? b : b === null ? a : a > b ? a : b);
const bigMin = (a, b) => (a === null ? b : b === null ? a : a < b ? a : b);
/**
 * Sets every target sequence to at least the source's current value and at least the max value
 * in the column it feeds, and never lowers it. Descending sequences are set at most the source's
 * value and the column's minimum. A sequence the source never used and whose columns are empty
 * is left as created. Returns the sequences it set.
 *
 * Sequence ranges (see sequence-ranges.ts): for an ascending sequence, values inside the tenants'
 * zone of its type (the ranges the register gives isolated tenants) are not followed — neither
 * the source sequence's value (an isolated tenant's sequence sits in its range) nor column values
 * there (rows a tenant inserted while isolated carry ids from its range). So the rollback's
 * `syncSequences(isolated, shared)` leaves the shared sequence past the shared side's own ids
 * and never lifts it into a range the register has given away; the clone's
 * `syncSequences(shared, tenant)` sets the copy below the zone, and the switch then gives it the
 * tenant's range (applySequenceRanges).
 */
async function syncSequences(source, target) {
    const sequences = await (0,sequence_ranges/* readSequences */.lu)(target);
    const result = [];
    for (const s of sequences) {
        const name = schema_clone_qn(s.schema, s.name);
        const ascending = s.increment > 0n;
        const pick = ascending ? bigMax : bigMin;
        // Values the sync may follow: for an ascending sequence, those below the tenants' zone.
        const zone = ascending ? (0,sequence_ranges/* zoneStartOf */.cf)(s.type) : null;
        const follow = (v) => zone === null || v < zone;
        const own = s.lastValue;
        let want = own;
        const exists = await source.query(`SELECT pg_catalog.to_regclass($1)::text AS r`, [
            name,
        ]);
        if (exists.rows[0]?.r) {
            // pg_sequences needs USAGE (what a managed admin is granted), not SELECT on the sequence;
            // last_value is NULL until the sequence is first used (or when even USAGE is missing —
            // prevalidation names that grant).
            const src = await source.query(`SELECT last_value::text AS last_value FROM pg_catalog.pg_sequences WHERE schemaname = $1 AND sequencename = $2`, [s.schema, s.name]);
            const last = src.rows[0]?.last_value;
            if (last != null && follow(BigInt(last)))
                want = pick(want, BigInt(last));
        }
        const v = ascending
            ? await (0,sequence_ranges/* columnsExtreme */.wH)(target, s, 'max', undefined, zone - 1n)
            : await (0,sequence_ranges/* columnsExtreme */.wH)(target, s, 'min');
        if (v !== null)
            want = pick(want, v);
        if (want === null)
            continue;
        if (want < s.min)
            want = s.min;
        if (want > s.max)
            want = s.max;
        if (own !== null && want === own)
            continue; // already there: never lowered, nothing to set
        await target.query(`SELECT pg_catalog.setval($1::pg_catalog.regclass, $2::bigint, true)`, [
            name,
            want.toString(),
        ]);
        result.push({ sequence: `${s.schema}.${s.name}`, value: want.toString() });
    }
    return result;
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
inTransaction = false) {
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
    for (const role of toolRoles) {
        const { rows } = await client.query(`SELECT CASE WHEN r.oid IS NULL THEN NULL ELSE pg_has_role(r.oid, 'USAGE') END AS member
         FROM (SELECT 1) x LEFT JOIN pg_roles r ON r.rolname = $1`, [role]);
        if (rows[0]?.member === false) {
            // Refused on PostgreSQL 16+ to a CREATEROLE role without ADMIN OPTION on it (another
            // administrator created it): its sessions then remain and are named by the caller.
            await attempt(`GRANT ${qi(role)} TO CURRENT_USER`);
        }
    }
    const { rows } = await client.query(`SELECT pid, usename AS user, application_name AS application
       FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database]);
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

/***/ 96470:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   AF: () => (/* binding */ writeIsolation),
/* harmony export */   RM: () => (/* binding */ readTenant),
/* harmony export */   od: () => (/* binding */ checkTenantsTable),
/* harmony export */   xg: () => (/* binding */ historyEntry)
/* harmony export */ });
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83916);
/* harmony import */ var _pipeline_tenant_state__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(95136);
/* harmony import */ var _sql__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(75259);



const REQUIRED_COLUMNS = ['id', 'slug', 'isolation_mode', 'settings'];
/** The tenants table exists, has the columns we rely on, and some table carries the tenant key. */
async function checkTenantsTable(client, tenantsTable, tenantKey) {
    const [schema, table] = (0,_sql__WEBPACK_IMPORTED_MODULE_2__/* .splitQualified */ .T)(tenantsTable);
    const { rows } = await client.query(`SELECT a.attname AS column_name FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped`, [schema, table]);
    if (rows.length === 0) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .PromotionError */ .g1('tenant-state', `The tenants table "${schema}.${table}" does not exist in this database (or this role cannot see it).`, 'Check database-url points at the shared database, and set the tenants-table input if the table has another name.');
    }
    const have = new Set(rows.map((r) => r.column_name));
    const missing = REQUIRED_COLUMNS.filter((c) => !have.has(c));
    if (missing.length) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .PromotionError */ .g1('tenant-state', `The tenants table "${schema}.${table}" lacks column(s) ${missing.join(', ')}; it needs id, slug, isolation_mode and settings (jsonb).`, 'Add the missing columns (see the README, "The shared database").');
    }
    const keyed = await client.query(`SELECT 1 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      WHERE a.attname = $1 AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') LIMIT 1`, [tenantKey]);
    if (keyed.rowCount === 0) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .PromotionError */ .g1('tenant-state', `No table has the tenant key column "${tenantKey}".`, 'Set the tenant-key input to the column that holds the tenant id in your data tables.');
    }
}
async function readTenant(client, tenantsTable, slug, forUpdate = false) {
    const table = (0,_sql__WEBPACK_IMPORTED_MODULE_2__/* .quoteQualified */ .$)(tenantsTable);
    const { rows } = await client.query(`SELECT t.id::text AS id, pg_typeof(t.id)::text AS id_type, t.slug, t.isolation_mode, t.settings
       FROM ${table} t WHERE t.slug = $1${forUpdate ? ' FOR UPDATE' : ''}`, [slug]);
    const row = rows[0];
    if (!row) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .PromotionError */ .g1('tenant-not-found', `Tenant "${slug}" was not found in ${tenantsTable}.`, 'Check the slug (the slug column of the tenants table) and that database-url points at the shared database.');
    }
    const settings = row.settings && typeof row.settings === 'object' ? row.settings : {};
    let isolation;
    try {
        isolation = (0,_pipeline_tenant_state__WEBPACK_IMPORTED_MODULE_1__/* .parseIsolation */ .Qp)(settings);
    }
    catch (e) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .PromotionError */ .g1('tenant-state', `settings.isolation of tenant "${slug}" is malformed: ${e.message.slice(0, 300)}`, 'Fix the value by hand; the tool will not overwrite an audit trail it cannot read.');
    }
    return {
        id: row.id,
        idType: row.id_type,
        slug: row.slug,
        isolationMode: row.isolation_mode,
        settings,
        isolation,
    };
}
/**
 * Writes `settings.isolation` (other settings keys preserved) and, when given, isolation_mode,
 * guarded by the expected current mode. Returns false when the guard did not match.
 */
async function writeIsolation(client, tenantsTable, tenant, isolation, change) {
    const table = (0,_sql__WEBPACK_IMPORTED_MODULE_2__/* .quoteQualified */ .$)(tenantsTable);
    const res = await client.query(`UPDATE ${table} t
        SET isolation_mode = $3,
            settings = jsonb_set(coalesce(t.settings, '{}'::jsonb), '{isolation}', $4::jsonb, true)
      WHERE t.slug = $5 AND t.id::text = $1 AND t.isolation_mode = $2`, [tenant.id, change.from, change.to, JSON.stringify(isolation), tenant.slug]);
    return res.rowCount === 1;
}
function historyEntry(entry) {
    return { at: new Date().toISOString(), ...entry };
}


/***/ })

};
;