"use strict";
exports.id = 294;
exports.ids = [294];
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
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83916);
/* harmony import */ var _names__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(46455);



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
    'ISOLATION_LEVEL',
    'DB_SCHEMA',
    'DB_SEARCH_PATH',
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
    throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`db-password-secret ${(0,_names__WEBPACK_IMPORTED_MODULE_2__/* .quoteUntrusted */ .X0)(text)} is not a Secret Manager secret name.`, 'Give the secret\'s id (letters, digits, "_" and "-"), e.g. "tenant-db-password", or its full name "projects/<project>/secrets/<id>".');
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
        { name: 'ISOLATION_LEVEL', value: db.schema ? 'schema' : 'database' },
        // Schema level: the tenant's schema and the search_path to set (comma-separated, as SET
        // search_path takes it); absent at database level.
        ...(db.schema
            ? [
                { name: 'DB_SCHEMA', value: db.schema.name },
                {
                    name: 'DB_SEARCH_PATH',
                    value: db.schema.searchPath.map((x) => pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(x)).join(', '),
                },
            ]
            : []),
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

/***/ 16843:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  xj: () => (/* binding */ runOperation)
});

// UNUSED EXPORTS: newRecord, urlPassword

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(77598);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
// EXTERNAL MODULE: external "node:v8"
var external_node_v8_ = __webpack_require__(78877);
;// CONCATENATED MODULE: ./src/memory.ts

let held = false;
/**
 * Keeps V8's young generation at its initial size (a semi-space of about 1 MB) for the rest of
 * the process. A promotion allocates fast and briefly — a Buffer per COPY chunk and per row
 * message, row objects of the digest queries — and V8 answers that rate by growing the young
 * generation to 2 × 16 MB, whose dead objects (and the ArrayBuffers they hold outside the heap)
 * then wait for a scavenge: 40–50 MB of the peak RSS at 1M rows, none of it live. Growth is
 * read at each scavenge, so setting its factor to 1 after start-up takes effect (the maximum size
 * is read only at start-up: `--max-semi-space-size` would need the command line). Measured at 1M
 * rows the copy's and the switch's times did not change beyond the machine's noise.
 */
function holdYoungGeneration() {
    if (held)
        return;
    held = true;
    (0,external_node_v8_.setFlagsFromString)('--semi-space-growth-factor=1');
}

// EXTERNAL MODULE: ./src/names.ts
var src_names = __webpack_require__(46455);
// EXTERNAL MODULE: ./src/options.ts
var src_options = __webpack_require__(88381);
// EXTERNAL MODULE: ./src/postgres/servers.ts
var postgres_servers = __webpack_require__(14591);
// EXTERNAL MODULE: ./src/secrets.ts
var secrets = __webpack_require__(27194);
// EXTERNAL MODULE: ./src/pipeline/faults.ts
var faults = __webpack_require__(18361);
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

// EXTERNAL MODULE: ./src/pipeline/steps/plan.ts + 2 modules
var plan = __webpack_require__(16921);
;// CONCATENATED MODULE: ./src/pipeline/engine.ts










/**
 * What promote and rollback share: options parsed, secrets registered, names derived, one record
 * and one context, the steps run, the sessions released whatever happened. Never throws for a
 * failed run: the outcome (result, error, what was undone) is in the record.
 */
async function runOperation(operation, input, deps, steps, resultOf) {
    holdYoungGeneration();
    const options = src_options/* PromotionOptions */.w5.parse(input);
    const servers = (0,postgres_servers/* serversFrom */.xH)(options);
    for (const password of servers.passwords)
        (0,secrets/* registerSecret */.cl)(password);
    const names = (0,src_names/* deriveNames */.On)(options.tenantSlug, options.baseDomain);
    const record = newRecord(operation, names.slug, deps, options.dryRun);
    record.database = names.database;
    const ctx = {
        options,
        servers,
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
        await runSteps(steps, ctx, { onChange: deps.onChange, fault: deps.fault ?? (0,faults/* faultsFromEnv */.j)() });
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

/***/ 18361:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   j: () => (/* binding */ faultsFromEnv)
/* harmony export */ });
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83916);

/**
 * Failpoints for fault tests, in the spirit of database failpoints: the environment variable
 * TENANT_PROMOTION_FAULT=<action>@<point>[,…] with action `fail` (throw) or `kill` (SIGKILL the
 * process) and point `before:<step>` / `after:<step>` / `copy-range:<schema>.<name>:<i>` (after
 * range i of a table the copy split committed; other ranges may be in flight). Unset in
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
                throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .PromotionError */ .g1('internal', `Injected fault at ${point}`, 'Test failpoint.');
        }
    };
}


/***/ }),

/***/ 43651:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   An: () => (/* binding */ withShared),
/* harmony export */   GH: () => (/* binding */ markerSource),
/* harmony export */   IQ: () => (/* binding */ inMarkedTransaction),
/* harmony export */   Ox: () => (/* binding */ dropOwnedRoles),
/* harmony export */   WO: () => (/* binding */ dropOwnedDatabase),
/* harmony export */   gv: () => (/* binding */ asOwner),
/* harmony export */   gy: () => (/* binding */ dropAbandonedDatabases),
/* harmony export */   iH: () => (/* binding */ thenClaim),
/* harmony export */   xi: () => (/* binding */ asOwnerWithTarget),
/* harmony export */   z2: () => (/* binding */ withTargetServer),
/* harmony export */   z6: () => (/* binding */ dropOwnedSchemas),
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
/* harmony import */ var _postgres_tenant_schemas__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(19322);
/* harmony import */ var _tenant_place__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(50678);
/* harmony import */ var _names__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(46455);










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
    return (0,_postgres_connect__WEBPACK_IMPORTED_MODULE_2__/* .withConnection */ .p)(ctx.servers.sharedUrl, fn);
}
/** A fresh administrative session on the target server (the shared database when it is the same server). */
function withTargetServer(ctx, fn) {
    return (0,_postgres_connect__WEBPACK_IMPORTED_MODULE_2__/* .withConnection */ .p)(ctx.servers.targetAdminUrl, fn);
}
/**
 * `fn` on the target server while this run proves, in a shared-database transaction, that it
 * owns the tenant. On one server `target` is that same session and transaction (as before a
 * target server existed). On a separate target server there is no transaction across the two:
 * the shared transaction holds the tenant row FOR SHARE — no other run can claim the tenant
 * until it ends — while `fn` runs in its own transaction on the target, committed first; so
 * every target write is made while ownership is held.
 */
function asOwnerWithTarget(ctx, what, fn, opts = {}) {
    return asOwner(ctx, what, (shared) => {
        if (!ctx.servers.separate)
            return fn(shared, shared);
        return withTargetServer(ctx, async (target) => {
            await target.query('BEGIN');
            try {
                const result = await fn(target, shared);
                await target.query('COMMIT');
                return result;
            }
            catch (e) {
                await target.query('ROLLBACK').catch(() => undefined);
                throw e;
            }
        });
    }, opts);
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
 * This run's tenant and source, as its markers name them: every marker written and every marker
 * judged goes through here, so that one step never writes what another would not recognise.
 */
function markerSource(ctx, sharedDatabase = ctx.sharedDatabase) {
    return {
        slug: ctx.names.slug,
        sourceDatabase: sharedDatabase,
        ...(ctx.sourceServer && { sourceServer: ctx.sourceServer }),
    };
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
    const renamed = await asOwnerWithTarget(ctx, `dropping database ${name}`, async (c) => {
        const { exists, marker } = await (0,_postgres_database__WEBPACK_IMPORTED_MODULE_3__/* .databaseMarker */ .O9)(c, name);
        if (!exists)
            return false;
        if (marker?.slug !== ctx.names.slug ||
            (ctx.sharedDatabase && !(0,_postgres_roles__WEBPACK_IMPORTED_MODULE_5__/* .fromSource */ .qe)(marker, markerSource(ctx, ctx.sharedDatabase)))) {
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
    await withTargetServer(ctx, async (c) => {
        const { exists, marker } = await (0,_postgres_database__WEBPACK_IMPORTED_MODULE_3__/* .databaseMarker */ .O9)(c, name);
        if (!exists || marker?.slug !== ctx.names.slug)
            return;
        await (0,_postgres_database__WEBPACK_IMPORTED_MODULE_3__/* .dropDatabase */ .Zi)(c, name);
    });
}
/**
 * Databases an earlier run of this tenant renamed for dropping and did not get to drop (it was
 * killed in between). Dropped by the run that owns the tenant now.
 */
async function dropAbandonedDatabases(ctx) {
    const names = await withTargetServer(ctx, async (c) => {
        const { rows } = await c.query(`SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1`, [DOOMED_PREFIX]);
        const ours = [];
        for (const { datname } of rows) {
            const { marker } = await (0,_postgres_database__WEBPACK_IMPORTED_MODULE_3__/* .databaseMarker */ .O9)(c, datname);
            if (ctx.sharedDatabase && (0,_postgres_roles__WEBPACK_IMPORTED_MODULE_5__/* .fromSource */ .qe)(marker, markerSource(ctx, ctx.sharedDatabase)))
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
    return asOwnerWithTarget(ctx, 'dropping the tenant roles', async (c) => {
        // What the roles hold in the shared database goes first (DROP ROLE refuses a role with
        // privileges): schema level into it, or — on the shared server at any level — an earlier
        // schema-level run's grants (at database level the rest went with the database).
        if ((0,_tenant_place__WEBPACK_IMPORTED_MODULE_8__/* .intoSharedDatabase */ .vq)(ctx) || !ctx.servers.separate)
            await (0,_postgres_tenant_schemas__WEBPACK_IMPORTED_MODULE_7__/* .revokeSharedGrants */ .Lv)(c, [ctx.names.appRole, ctx.names.ownerRole]);
        return (0,_postgres_roles__WEBPACK_IMPORTED_MODULE_5__/* .dropTenantRoles */ .Zc)(c, { owner: ctx.names.ownerRole, app: ctx.names.appRole }, ctx.names.slug, ctx.sharedDatabase);
    }, { orphanOk: true });
}
/**
 * Schema level into the shared database: drops the tenant's schemas and its tool schema, in one
 * shared-database transaction that proves this run owns the tenant — and, for `attempt: 'this'`
 * (an undo), that the schemas are this attempt's (the tool schema's run marker), so an earlier
 * or later attempt's are never touched. `'any'`: what an earlier failed run of this tenant left.
 */
async function dropOwnedSchemas(ctx, attempt) {
    // Any earlier attempt's: a schema-level run's tool schema of the shared database, whatever this
    // run's level (a database-level run replacing what a failed schema-level run kept).
    const at = {
        toolSchema: attempt === 'any' ? (0,_names__WEBPACK_IMPORTED_MODULE_9__/* .sharedToolSchema */ .No)(ctx.names.slug) : (0,_tenant_place__WEBPACK_IMPORTED_MODULE_8__/* .toolSchema */ .wl)(ctx),
        ownerRole: ctx.names.ownerRole,
    };
    return asOwner(ctx, 'dropping the tenant schemas', async (c) => {
        if (attempt === 'this') {
            const { exists } = await (0,_postgres_tenant_schemas__WEBPACK_IMPORTED_MODULE_7__/* .toolSchemaMarker */ .E0)(c, at.toolSchema);
            if (!exists)
                return [];
            await (0,_postgres_ownership__WEBPACK_IMPORTED_MODULE_4__/* .assertRunMarker */ .KD)(c, ctx.names.slug, ctx.run.id, 'dropping the tenant schemas', at.toolSchema);
        }
        return (0,_postgres_tenant_schemas__WEBPACK_IMPORTED_MODULE_7__/* .dropTenantSchemas */ .yA)(c, at, markerSource(ctx));
    }, { orphanOk: true });
}
/** Proves ownership on `client`, inside the transaction the caller has open. */
function assertOwnerIn(ctx, client, what) {
    return (0,_postgres_ownership__WEBPACK_IMPORTED_MODULE_4__/* .assertOwner */ .EI)(client, ctx.options.tenantsTable, ctx.names.slug, ctx.run.id, what);
}
/**
 * Runs `fn` in one transaction on the tenant's database that first proves the database is still
 * this run's (its run marker), committing only if `fn` returns.
 */
function inMarkedTransaction(target, ctx, what, fn) {
    return (0,_postgres_ownership__WEBPACK_IMPORTED_MODULE_4__/* .inProvedTransaction */ .gl)(target, () => (0,_postgres_ownership__WEBPACK_IMPORTED_MODULE_4__/* .assertRunMarker */ .KD)(target, ctx.names.slug, ctx.run.id, what, (0,_tenant_place__WEBPACK_IMPORTED_MODULE_8__/* .toolSchema */ .wl)(ctx)), fn);
}


/***/ }),

/***/ 42995:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   s: () => (/* binding */ lockStep)
/* harmony export */ });
/* harmony import */ var _postgres_connect__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(36741);
/* harmony import */ var _postgres_lock__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(17768);


/** Takes the tenant's advisory lock on a dedicated session, held until the run ends. */
const lockStep = {
    name: 'lock',
    title: 'Lock the tenant',
    async run(ctx) {
        const runLabel = ctx.deps.trigger.runId ? `run ${ctx.deps.trigger.runId}` : ctx.deps.trigger.source;
        const session = await (0,_postgres_connect__WEBPACK_IMPORTED_MODULE_0__/* .connect */ .Ng)(ctx.servers.sharedUrl, {
            application_name: (0,_postgres_lock__WEBPACK_IMPORTED_MODULE_1__/* .lockHolderName */ .h$)(ctx.names.slug, runLabel),
        });
        ctx.lockSession = session;
        await (0,_postgres_lock__WEBPACK_IMPORTED_MODULE_1__/* .acquireTenantLock */ .em)(session, ctx.names.slug, ctx.record.operation);
        return `advisory lock held by this run (${runLabel})`;
    },
    // The lock is released when the run ends (see runOperation), whatever happened.
};


/***/ }),

/***/ 16921:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  Cg: () => (/* binding */ orderPlan),
  ek: () => (/* binding */ planStep),
  "if": () => (/* binding */ releaseSnapshot)
});

// UNUSED EXPORTS: cycleTables, rowsText, sharedRowNotes

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
// EXTERNAL MODULE: ./src/postgres/copy.ts + 1 modules
var copy = __webpack_require__(63466);
// EXTERNAL MODULE: ./src/postgres/large-objects.ts
var large_objects = __webpack_require__(52593);
// EXTERNAL MODULE: ./src/postgres/rollback-large-objects.ts
var rollback_large_objects = __webpack_require__(61932);
// EXTERNAL MODULE: ./src/postgres/shared-large-objects.ts
var shared_large_objects = __webpack_require__(64669);
// EXTERNAL MODULE: ./src/postgres/connect.ts
var connect = __webpack_require__(36741);
// EXTERNAL MODULE: ./src/postgres/plan-check.ts
var plan_check = __webpack_require__(86521);
// EXTERNAL MODULE: ./src/postgres/plan.ts
var postgres_plan = __webpack_require__(43524);
// EXTERNAL MODULE: ./src/postgres/plan-types.ts
var plan_types = __webpack_require__(54680);
// EXTERNAL MODULE: ./src/postgres/schema-layout.ts + 1 modules
var schema_layout = __webpack_require__(31686);
// EXTERNAL MODULE: ./src/postgres/tenant-key.ts
var tenant_key = __webpack_require__(72713);
// EXTERNAL MODULE: ./src/pipeline/ownership.ts
var ownership = __webpack_require__(43651);
// EXTERNAL MODULE: ./src/postgres/schema-clone.ts + 3 modules
var schema_clone = __webpack_require__(52682);
// EXTERNAL MODULE: ./src/postgres/sql.ts
var sql = __webpack_require__(75259);
;// CONCATENATED MODULE: ./src/pipeline/schema-plan.ts





/**
 * The plan's part for schema level (issue 21): reads the catalog the clone would use (on the
 * plan's snapshot), maps the tenant's schemas (postgres/schema-layout.ts), and refuses, before
 * anything is created, names that cannot be mapped, schemas already taken where they would go,
 * function bodies that name a source schema and views that read what the tenant's schema does
 * not hold. Where the schemas go: the shared database, or a new database on the target server
 * when target-database-url names one.
 */
async function planSchemaLevel(ctx, snapshot) {
    const plan = ctx.plan;
    const catalog = await (0,schema_clone/* readSourceCatalog */.bU)(snapshot, plan.skipped ?? []);
    const into = ctx.servers.separate ? 'new-database' : 'shared-database';
    const [primarySchema] = (0,sql/* splitQualified */.T0)(ctx.options.tenantsTable);
    // In the shared database, a schema that exists already under a mapped name is not ours to
    // fill (a new database on a target server starts empty) — unless the tenant's owner role holds
    // it: an earlier failed run of this tenant left it (prevalidation proved that role ours), and
    // this run replaces it.
    const taken = new Map();
    if (into === 'shared-database') {
        const { rows } = await snapshot.query(`SELECT nspname, pg_get_userbyid(nspowner) AS owner FROM pg_namespace`);
        for (const r of rows)
            if (r.owner !== ctx.names.ownerRole)
                taken.set(r.nspname, `a schema of the shared database, owned by ${r.owner}`);
    }
    // Into the shared database the run creates the tenant's schemas there: CREATE on that database
    // (managed PostgreSQL hands an admin role CONNECT and TEMPORARY only).
    if (into === 'shared-database') {
        const { rows } = await snapshot.query(`SELECT has_database_privilege(current_user, current_database(), 'CREATE') AS ok, current_user AS role, current_database() AS db`);
        const r = rows[0];
        if (!r.ok)
            throw new errors/* PromotionError */.g1('permission-denied', `Role "${r.role}" may not create schemas in database "${r.db}"; schema-level isolation into the shared database creates ${ctx.names.database} there, so nothing was created.`, `Grant it (GRANT CREATE ON DATABASE ${esm/* default.escapeIdentifier */.Ay.escapeIdentifier(r.db)} TO ${esm/* default.escapeIdentifier */.Ay.escapeIdentifier(r.role)};), or give ${(0,errors/* settingName */.QX)('target-database-url', ctx.options.frontEnd)} to put the tenant's schema in a database of its own.`);
    }
    const layout = (0,schema_layout/* planSchemaLayout */.td)({
        base: ctx.names.database,
        primarySchema,
        catalog,
        taken,
        sourceSearchPath: await sharedSearchPath(snapshot),
    });
    // The report's database is where the tenant's tables will be: the shared one itself.
    if (into === 'shared-database')
        ctx.record.database = ctx.sharedDatabase;
    ctx.record.schemaLayout = {
        into,
        mappings: layout.mappings.map((m) => ({ source: m.source, target: m.target })),
        searchPath: layout.searchPath,
    };
    const lines = (0,schema_layout/* describeLayout */.M2)(layout);
    ctx.record.notes.push(`Schema level, into ${into === 'shared-database' ? `the shared database "${ctx.sharedDatabase}"` : `database "${ctx.names.database}" on the target server`}:`, ...lines);
    for (const l of lines)
        ctx.log.info(l);
    const refused = [...layout.refusals, ...(0,schema_layout/* schemaRefusals */.fE)(catalog, layout)];
    if (refused.length) {
        throw new errors/* PromotionError */.g1('plan-blocked', `The tenant's objects cannot be given a schema of their own: ${refused.join('; ')}`, 'Fix what is named above in the shared database (or promote at database level with isolation-level database), then re-run.');
    }
    return layout;
}
/**
 * The shared database's search_path as an application connecting to it gets it: the database's
 * own setting (ALTER DATABASE … SET search_path), else PostgreSQL's default. A setting for one
 * role in that database (ALTER ROLE … IN DATABASE) is not read: the tool does not know which
 * role the shared application logs in as, and the tenant gets one path for all its roles.
 */
async function sharedSearchPath(snapshot) {
    const { rows } = await snapshot.query(`SELECT (SELECT substr(c, length('search_path=') + 1) FROM unnest(s.setconfig) c
              WHERE c LIKE 'search_path=%' LIMIT 1) AS setting
       FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
      WHERE d.datname = current_database() AND s.setrole = 0`);
    return (0,schema_layout/* parseSearchPath */.L)(rows[0]?.setting ?? '"$user", public');
}

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
        const snapshot = await (0,copy/* exportSnapshot */.v2)(ctx.servers.sharedUrl);
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
        // The promotion estimates each table's rows from the catalog's statistics (the copy counts
        // them); a dry run, the review before it, counts them exactly. Only the tables of a cycle of
        // foreign keys need to know exactly whether the tenant has rows in them (orderPlan's blockers).
        const measured = await (0,plan_check/* measurePlan */.Ck)(snapshot.client, planned, {
            exact: ctx.options.dryRun,
            presence: cycleTables(planned, graph),
        });
        let plan = orderPlan(measured, graph, {
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
            ...(t.estimated === true && { plannedEstimated: true }),
            bytes: t.bytes,
        }));
        for (const t of plan.tables)
            ctx.log.info(`${t.kind.padEnd(10)} ${t.schema}.${t.name}: ${rowsText(t)} rows`);
        for (const t of plan.skipped ?? [])
            ctx.log.info(`left out    ${t.schema}.${t.name} (${t.reason})`);
        if (plan.blockers.length) {
            throw new errors/* PromotionError */.g1('plan-blocked', `The tenant's rows cannot be separated cleanly: ${plan.blockers.join('; ')}`, 'Fix what is named above in the shared database (rows that link this tenant to another; for a cycle of foreign keys, the remedy it names), then re-run.');
        }
        // Schema level: the mapping of the tenant's schemas, shown in the plan, and what it refuses.
        if (ctx.isolationLevel?.level === 'schema') {
            const layout = await planSchemaLevel(ctx, snapshot.client);
            ctx.schemaLayout = { layout, into: ctx.record.schemaLayout.into };
            // Every step after this one writes and reads the tenant's tables under their target names.
            plan = (0,plan_types/* withTargets */.dE)(plan, (0,schema_layout/* schemaMap */.eQ)(layout));
            ctx.plan = plan;
        }
        // Large objects the tenant's rows reference (oid / lo columns): counted, sized, and refused
        // here if the role cannot read them — before anything is created.
        plan.largeObjects = await (0,large_objects/* planLargeObjects */.be)(snapshot.client, plan);
        // Into the shared database the objects cannot be copied (one pg_largeobject per database, the
        // rows keep their OIDs): they stay in place and the tenant's role is granted access to its
        // own — refused here, before anything is created, if the connecting role may not grant it.
        const inPlace = ctx.schemaLayout?.into === 'shared-database' && plan.largeObjects.objects > 0;
        let access;
        if (inPlace) {
            const columns = plan.largeObjects.columns;
            const oids = await (0,large_objects/* referencedLargeObjects */.rO)(snapshot.client, columns, plan.tables);
            // An object other rows reference too is not the tenant's own: granting it would leak.
            const others = await (0,rollback_large_objects/* referencedByOthers */.yg)(snapshot.client, plan, columns, oids);
            access = await (0,shared_large_objects/* assessSharedLargeObjects */.lL)(snapshot.client, oids, columns, others);
        }
        ctx.record.notes.push(...(0,large_objects/* largeObjectNotes */.mU)(plan.largeObjects, access && { ...access, role: ctx.names.appRole }));
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
        const about = plan.tables.some((t) => t.estimated) ? '~' : '';
        const los = plan.largeObjects.objects
            ? `, ${plan.largeObjects.objects} large objects${inPlace ? ' (in place: granted, not copied)' : ''}`
            : '';
        return `${plan.tables.length} tables, ${about}${rows} rows${los} to copy`;
    },
    async undo(ctx) {
        await releaseSnapshot(ctx);
    },
};
/** A table's planned rows for messages: `~` marks the planner's estimate. */
function rowsText(t) {
    if (t.rows === undefined)
        return '?';
    return t.estimated === true ? `~${t.rows}` : `${t.rows}`;
}
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
            .map((t) => `${name(t)} ${rowsText(t)} rows${t.alsoUsedRows ? ` (${t.alsoUsedRows} also used by other tenants: they diverge after the switch)` : ''}`)
            .join('; ')}.`);
    }
    const global = plan.tables.filter((t) => (t.globalRows ?? 0) > 0);
    if (global.length > 0) {
        notes.push(`Global rows copied (NULL tenant key, referenced by the tenant's rows; never deleted by cleanup): ${global.map((t) => `${name(t)} ${t.globalRows} rows`).join('; ')}.`);
    }
    const whole = plan.tables.filter((t) => t.kind === 'reference');
    if (whole.length > 0) {
        notes.push(`Copied whole: ${whole.map((t) => `${name(t)} ${rowsText(t)} rows`).join('; ')}.`);
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
    const owned = plan.tables.filter((t) => t.kind === 'tenant' || t.kind === 'dependent');
    const order = applyOrder(orderTables(owned, graph));
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
 * The tables of a cycle of foreign keys among those whose rows the run deletes or copies back:
 * whether the tenant has rows in them decides a blocker (orderPlan), so measurePlan makes that
 * exact for them. Read from the catalog alone (no rows).
 */
function cycleTables(plan, graph) {
    const owned = plan.tables.filter((t) => t.kind === 'tenant' || t.kind === 'dependent');
    return new Set(applyOrder(orderTables(owned, graph)).cycles.flatMap((c) => c.tables));
}
/** The owned tables as apply-order.ts sees them: their foreign keys, deferrable, NOT NULL. */
function orderTables(owned, graph) {
    const info = new Map(graph.tables.map((t) => [`${t.schema}\u0000${t.name}`, t]));
    return owned.map((t) => {
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

/***/ 50678:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Z8: () => (/* binding */ tenantDatabaseUrl),
/* harmony export */   kL: () => (/* binding */ tenantDatabase),
/* harmony export */   vq: () => (/* binding */ intoSharedDatabase),
/* harmony export */   wl: () => (/* binding */ toolSchema)
/* harmony export */ });
/* harmony import */ var _names__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(46455);
/* harmony import */ var _postgres_ownership__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6922);


/**
 * Where the tenant's data lives, for every step that reads or writes it: a database of its own
 * (database level, or schema level into a target server), or — schema level into the shared
 * database — schemas of the shared database itself. One place decides, so no step derives it.
 */
function intoSharedDatabase(ctx) {
    // This run's plan, else what the switch recorded (a resumed or finished tenant), else the
    // level this run resolved (before the plan: prevalidation's leftovers).
    const into = ctx.schemaLayout?.into ?? ctx.record.schemaLayout?.into ?? ctx.tenant?.isolation?.schema?.into;
    if (into)
        return into === 'shared-database';
    return ctx.isolationLevel?.level === 'schema' && !ctx.servers.separate;
}
/** The name of the database holding the tenant's tables. */
function tenantDatabase(ctx) {
    return intoSharedDatabase(ctx) ? ctx.sharedDatabase : ctx.names.database;
}
/** An administrative URL of the database holding the tenant's tables. */
function tenantDatabaseUrl(ctx) {
    return ctx.servers.tenantDatabaseUrl(tenantDatabase(ctx));
}
/** The tool's schema beside the tenant's tables (its run marker, the schema recorded at the switch). */
function toolSchema(ctx) {
    return intoSharedDatabase(ctx) ? (0,_names__WEBPACK_IMPORTED_MODULE_0__/* .sharedToolSchema */ .No)(ctx.names.slug) : _postgres_ownership__WEBPACK_IMPORTED_MODULE_1__/* .RUN_SCHEMA */ .EJ;
}


/***/ }),

/***/ 6790:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   DE: () => (/* binding */ stageRemovedKeys),
/* harmony export */   H2: () => (/* binding */ removedKeysMismatch),
/* harmony export */   al: () => (/* binding */ removedKeysCopySql),
/* harmony export */   k$: () => (/* binding */ recordRemovedKeys)
/* harmony export */ });
/* unused harmony exports removedKeysTable, compareRemovedCounts */
/* harmony import */ var node_stream_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(46466);
/* harmony import */ var node_stream_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_stream_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83849);
/* harmony import */ var pg_copy_streams__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(26901);
/* harmony import */ var _ownership__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6922);
/* harmony import */ var _rollback_ledger__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(4001);





/**
 * The keys of the referenced rows cleanup removed (`cleanup-referenced-rows: remove-unused`), kept
 * so that a rollback brings back exactly those rows — and not a referenced row the shared
 * database deleted on purpose after the switch (review: the rollback took every referenced row
 * missing from the shared side for one cleanup removed, an erased user and its token included).
 *
 * There is no atomic commit across two databases, so the keys are written ahead and made true by
 * the shared database's commit:
 * 1. Inside cleanup's transaction on the shared database, after the removable rows are locked and
 *    before they are deleted, their keys go to a temporary table (`stageRemovedKeys`); the delete
 *    then removes exactly the rows marked (removeUnused refuses otherwise), so the keys are those
 *    of the rows deleted.
 * 2. Still before COMMIT, the keys are copied into the tenant's database under a new attempt id
 *    (`recordRemovedKeys`, in the tool schema beside its tables, committed on its own).
 * 3. The shared transaction records that attempt id in `settings.isolation.referenced_removed`
 *    and commits with the deletes.
 * A rollback trusts only the keys of the attempt the shared database names: an attempt whose
 * shared transaction rolled back (a crash, a refusal) left keys nobody names, and a re-run writes
 * its own attempt. The keys live exactly as long as the tenant's database, which the rollback
 * reads before it drops it.
 */
/**
 * The removed keys' table in the tool schema `toolSchema` beside the tenant's tables (as the row
 * ledger's, rollback-ledger.ts): `_tenant_isolation` of its database, or its own
 * `_tenant_isolation_<slug>` in the shared database.
 */
function removedKeysTable(toolSchema) {
    return `${pg__WEBPACK_IMPORTED_MODULE_1__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(toolSchema)}.cleanup_removed`;
}
const STAGE = 'pg_temp.tenant_isolation_removed_keys';
/**
 * Step 1, on cleanup's shared session: the keys of the rows of `table` that `rowsSql` selects
 * (a FROM … WHERE on alias t, the locked removable candidates), added to the session's staging
 * table. A table without a key cannot be merged row by row at rollback: nothing is staged.
 */
async function stageRemovedKeys(session, table, rowsSql) {
    if (table.keyColumns.length === 0)
        return;
    await session.query(`CREATE TEMPORARY TABLE IF NOT EXISTS ${STAGE.slice('pg_temp.'.length)} (tbl text NOT NULL, k text[] NOT NULL) ON COMMIT DROP`);
    await session.query(`INSERT INTO ${STAGE} (tbl, k) SELECT $1, ${(0,_rollback_ledger__WEBPACK_IMPORTED_MODULE_4__/* .keyArraySql */ .Xy)(table, 't')} ${rowsSql}`, [
        table.qualified,
    ]);
}
/**
 * Step 2: copies the staged keys from `shared` (its transaction still open) into the tenant's
 * database under `attempt`, in a transaction of its own there. Returns the keys recorded.
 */
async function recordRemovedKeys(shared, tenantDb, attempt, toolSchema) {
    const removed = removedKeysTable(toolSchema);
    const { rows } = await shared.query(`SELECT to_regclass($1)::text AS r`, [STAGE]);
    await tenantDb.query('BEGIN');
    try {
        // No primary key: maintaining (attempt, tbl, k) made recording 1M keys 4× slower, under the
        // shared locks; the rollback reads one attempt's keys once per table (a scan is fine there).
        await (0,_ownership__WEBPACK_IMPORTED_MODULE_3__/* .createToolTable */ .LD)(tenantDb, removed, `attempt text NOT NULL, tbl text NOT NULL, k text[] NOT NULL,
       recorded_at timestamptz NOT NULL DEFAULT now()`);
        let n = 0;
        if (rows[0]?.r) {
            const reader = shared.query((0,pg_copy_streams__WEBPACK_IMPORTED_MODULE_2__.to)(`COPY (SELECT ${pg__WEBPACK_IMPORTED_MODULE_1__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(attempt)}, tbl, k FROM ${STAGE}) TO STDOUT`));
            const writer = tenantDb.query((0,pg_copy_streams__WEBPACK_IMPORTED_MODULE_2__/* .from */ .H)(`COPY ${removed} (attempt, tbl, k) FROM STDIN`));
            await (0,node_stream_promises__WEBPACK_IMPORTED_MODULE_0__.pipeline)(reader, writer);
            n = Number(writer.rowCount ?? 0);
        }
        await tenantDb.query('COMMIT');
        return n;
    }
    catch (e) {
        await tenantDb.query('ROLLBACK').catch(() => undefined);
        throw e;
    }
}
/** `COPY … TO STDOUT` of the keys of `qualified` that `attempt` recorded (run on the tenant's database). */
function removedKeysCopySql(attempt, qualified, toolSchema) {
    return `COPY (SELECT k FROM ${removedKeysTable(toolSchema)} WHERE attempt = ${pg__WEBPACK_IMPORTED_MODULE_1__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(attempt)} AND tbl = ${pg__WEBPACK_IMPORTED_MODULE_1__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(qualified)}) TO STDOUT`;
}
/**
 * The tables whose keys `attempt` recorded in the tenant's database differ from the rows the
 * shared database says it removed (`expected`, per table): empty when every removed row has its
 * key there. A table of keys that exists is not enough — a backup of the tenant's database taken
 * between two cleanup attempts holds the first attempt's keys only (review r17).
 */
async function removedKeysMismatch(tenantDb, attempt, expected, toolSchema) {
    const removed = removedKeysTable(toolSchema);
    const { rows: exists } = await tenantDb.query(`SELECT to_regclass($1)::text AS r`, [
        removed,
    ]);
    const held = new Map();
    if (exists[0]?.r) {
        const { rows } = await tenantDb.query(`SELECT tbl, count(*)::text AS n FROM ${removed} WHERE attempt = $1 GROUP BY tbl`, [attempt]);
        for (const r of rows)
            held.set(r.tbl, Number(r.n));
    }
    return compareRemovedCounts(expected, held);
}
/** Pure: `table: expected n, recorded m` for each table whose counts differ. */
function compareRemovedCounts(expected, held) {
    const tables = [...new Set([...Object.keys(expected), ...held.keys()])].sort();
    return tables.flatMap((t) => {
        const want = expected[t] ?? 0;
        const have = held.get(t) ?? 0;
        return want === have ? [] : [`${t}: ${want} removed, ${have} recorded`];
    });
}


/***/ }),

/***/ 63466:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  dO: () => (/* binding */ copyTables),
  v2: () => (/* binding */ exportSnapshot)
});

// UNUSED EXPORTS: BinaryRowCounter, copyFormat

// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(57075);
// EXTERNAL MODULE: external "node:stream/promises"
var promises_ = __webpack_require__(46466);
// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(83849);
// EXTERNAL MODULE: ./node_modules/pg-copy-streams/index.js
var pg_copy_streams = __webpack_require__(26901);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
// EXTERNAL MODULE: ./src/secrets.ts
var secrets = __webpack_require__(27194);
// EXTERNAL MODULE: ./src/postgres/connect.ts
var connect = __webpack_require__(36741);
;// CONCATENATED MODULE: ./src/postgres/copy-ranges.ts
/**
 * Splitting a table that dominates the copy into block ranges (issue 18, target 3). Without it
 * the largest table is one COPY on one worker: at 5M rows, with one table holding 75 % of the
 * bytes, the parallel copy lost to a bare pipe. A range is a TID range of the table's heap
 * (`t.ctid >= '(a,0)' AND t.ctid < '(b,0)'`, a TID Range Scan since PostgreSQL 14) with the
 * tenant predicate still applied; on a partitioned parent the condition applies to every
 * partition's own blocks. The first range has no lower bound and the last no upper bound, so the
 * ranges cover every block a row can be in, whatever the table's size when the range is read:
 * every row of the snapshot lands in exactly one range. Boundaries only decide balance, never
 * which rows are copied. Pure: the facts (block counts, sampled block numbers) are read by the copy.
 */
/** A table's tenant rows larger than this may be split; below it one COPY is cheaper than several. */
const MIN_SPLIT_BYTES = 1024 * 1024;
/** No range smaller than this (estimated tenant bytes). */
const MIN_RANGE_BYTES = 256 * 1024;
/** Ranges per worker at most: more ranges than workers lets longest-first even out the finish. */
const RANGES_PER_WORKER = 2;
/**
 * The tenant's rows must fill at least this share of the relation's pages: the ranges read the
 * whole heap once, which for a tenant with a small share of a large table costs more than the
 * tenant-key index scan of one COPY.
 */
const MIN_TENANT_SHARE = 0.2;
/**
 * Tables worth splitting: with more than one worker, a table whose tenant bytes exceed an even
 * share of the whole copy (it alone would outlast the other workers) and MIN_SPLIT_BYTES.
 */
function splitCandidates(tables, parallelism) {
    if (parallelism <= 1)
        return [];
    if (!tables.every((t) => t.bytes !== undefined))
        return [];
    const total = tables.reduce((s, t) => s + (t.bytes ?? 0), 0);
    return tables.filter((t) => t.columns.length > 0 && (t.bytes ?? 0) >= MIN_SPLIT_BYTES && (t.bytes ?? 0) > total / parallelism);
}
/** How many ranges a candidate gets: pieces of about half a worker's even share, within the bounds. */
function rangeCount(tableBytes, totalBytes, parallelism) {
    if (parallelism <= 1 || totalBytes <= 0)
        return 1;
    const piece = totalBytes / (RANGES_PER_WORKER * parallelism);
    const wanted = Math.ceil(tableBytes / piece);
    const bySize = Math.floor(tableBytes / MIN_RANGE_BYTES);
    return Math.max(1, Math.min(wanted, bySize, RANGES_PER_WORKER * parallelism));
}
/**
 * Range boundaries (ascending, distinct, > 0) splitting the sampled tenant rows into `count`
 * groups of about equal size: the quantiles of the sampled block numbers. Fewer when the sample
 * cannot tell them apart.
 */
function boundariesFromSample(sample, count) {
    const blocks = sample.filter((b) => Number.isSafeInteger(b) && b >= 0).sort((a, b) => a - b);
    if (count < 2 || blocks.length < count)
        return [];
    const out = [];
    for (let i = 1; i < count; i++) {
        const b = blocks[Math.floor((i * blocks.length) / count)];
        if (b > 0 && b > (out[out.length - 1] ?? 0))
            out.push(b);
    }
    return out;
}
/**
 * The copy's queue: candidates with facts become ranges, every other table one unit. With more
 * than one worker, longest first (the workers stay busy until the end); otherwise plan order.
 */
function planCopyUnits(tables, parallelism, facts) {
    const total = tables.reduce((s, t) => s + (t.bytes ?? 0), 0);
    const units = [];
    for (const table of tables) {
        const f = facts.get(table.qualified);
        const bytes = f ? sampledBytes(table, f) : (table.bytes ?? 0);
        const boundaries = f && bytes >= MIN_TENANT_SHARE * f.blocks * f.blockSize
            ? boundariesFromSample(f.sample, rangeCount(bytes, total, parallelism))
            : [];
        if (boundaries.length === 0) {
            units.push({ table, bytes });
            continue;
        }
        const of = boundaries.length + 1;
        for (let index = 0; index < of; index++) {
            const range = { index, of };
            if (index > 0)
                range.fromBlock = boundaries[index - 1];
            if (index < of - 1)
                range.toBlock = boundaries[index];
            units.push({ table, range, bytes: bytes / of });
        }
    }
    if (parallelism > 1 && tables.every((t) => t.bytes !== undefined)) {
        // Stable: ranges of one table keep their order among equals.
        units.sort((a, b) => b.bytes - a.bytes);
    }
    return units;
}
/**
 * The tenant's bytes of a split candidate: the plan's, or, when the plan only estimated them
 * (TablePlan.estimated), the rows the block sample found scaled by the share it read, at the
 * plan's bytes per row. A planner's estimate can be far off where the tenant is reached through
 * joins (an OR of EXISTS is guessed at a fixed share of the table): a table the sample finds
 * nearly empty of the tenant's rows is then copied whole, not read whole in ranges.
 */
function sampledBytes(table, facts) {
    const bytes = table.bytes ?? 0;
    const share = facts.sampledShare;
    if (table.estimated !== true || share === undefined || !(share > 0) || !((table.rows ?? 0) > 0))
        return bytes;
    return (bytes / table.rows) * (facts.sample.length / Math.min(1, share));
}
/** The range's condition on alias `t` (`true` for a whole table). Block numbers are checked integers. */
function rangePredicate(range) {
    if (!range)
        return 'true';
    const tid = (block) => {
        if (!Number.isSafeInteger(block) || block < 0 || block > 0xffffffff) {
            throw new Error(`Invalid block number ${block} for a copy range.`);
        }
        return `'(${block},0)'::tid`;
    };
    const parts = [];
    if (range.fromBlock !== undefined)
        parts.push(`t.ctid >= ${tid(range.fromBlock)}`);
    if (range.toBlock !== undefined)
        parts.push(`t.ctid < ${tid(range.toBlock)}`);
    return parts.length ? parts.join(' AND ') : 'true';
}
/** `schema.name[i/n]` for messages and failpoints; the table's name alone for a whole table. */
function unitLabel(table, range) {
    const name = `${table.schema}.${table.name}`;
    return range ? `${name}[${range.index + 1}/${range.of}]` : name;
}

// EXTERNAL MODULE: ./src/postgres/plan-types.ts
var plan_types = __webpack_require__(54680);
// EXTERNAL MODULE: ./src/postgres/versions.ts
var versions = __webpack_require__(60674);
;// CONCATENATED MODULE: ./src/postgres/copy.ts










/** Opens a REPEATABLE READ transaction on the shared database and exports its snapshot. */
async function exportSnapshot(sourceUrl) {
    const client = await (0,connect/* connect */.Ng)(sourceUrl);
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
        throw new errors/* PromotionError */.g1('internal', `Invalid snapshot id ${JSON.stringify(opts.snapshotId.slice(0, 40))}.`);
    }
    const controller = new AbortController();
    const onAbort = () => controller.abort(opts.signal?.reason);
    if (opts.signal?.aborted)
        throw cancelled();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const own = opts.snapshotId === undefined ? await exportSnapshot(opts.sourceUrl) : undefined;
    const snapshotId = opts.snapshotId ?? own.id;
    const tally = new Map();
    let firstError;
    // The first pair reads what every worker shares, once: both servers' versions and the facts
    // for splitting the tables that would serialise the copy.
    let first;
    let sameMajor = true;
    let queue = [];
    const progress = (table, range, rows, bytes) => {
        const t = tally.get(table);
        if (!t)
            return;
        t.rows[range] = rows;
        t.bytes[range] = bytes;
        opts.onProgress?.(table, sum(t.rows), sum(t.bytes));
    };
    const worker = async (pair) => {
        try {
            for (let unit = queue.shift(); unit && !controller.signal.aborted; unit = queue.shift()) {
                pair ??= await openPair(opts.sourceUrl, opts.targetUrl, snapshotId, opts.tenantId, sameMajor);
                const { table, range } = unit;
                const format = copyFormat(table, pair.sameMajor);
                const t = tally.get(table.qualified);
                t.started ??= Date.now();
                const done = await copyTable(pair, unit, format, controller.signal, progress, opts.guard);
                t.ended = Date.now();
                t.done++;
                if (range)
                    t.rangeRows[range.index] = done.rows;
                Object.assign(t, { format, textAcrossMajors: table.binarySafe && !pair.sameMajor });
                // Failpoint after each committed range (kill or fail with part of the table in the new database).
                if (range)
                    await opts.fault?.(`copy-range:${table.schema}.${table.name}:${range.index}`);
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
        first = await openPair(opts.sourceUrl, opts.targetUrl, snapshotId, opts.tenantId);
        sameMajor = first.sameMajor;
        const parallelism = Math.max(1, Math.floor(opts.parallelism) || 1);
        let facts = new Map();
        try {
            facts = await readSplitFacts(first.source, opts.split === true ? splitCandidates(opts.tables, parallelism) : [], first.sourceMajor);
        }
        catch (e) {
            await Promise.all([endClient(first.source), endClient(first.target)]);
            throw dbError(e, 'Reading the sizes of the largest tables failed', 'Check the connection and re-run.');
        }
        queue = planCopyUnits(opts.tables, parallelism, facts);
        for (const u of queue) {
            const t = tally.get(u.table.qualified);
            if (t)
                t.units++;
            else
                tally.set(u.table.qualified, newTally());
        }
        const count = Math.max(1, Math.min(parallelism, queue.length));
        await Promise.all(Array.from({ length: count }, (_, i) => worker(i === 0 ? first : undefined)));
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
    for (const table of opts.tables) {
        const t = tally.get(table.qualified);
        if (!t)
            continue;
        if (t.done !== t.units) {
            // Every range committed or the copy failed above; a table missing a range is never reported as copied.
            throw new errors/* PromotionError */.g1('internal', `Copying ${table.qualified}: ${t.done} of ${t.units} ranges copied.`);
        }
        ordered.set(table.qualified, {
            rows: sum(t.rows),
            bytes: sum(t.bytes),
            durationMs: t.started === undefined ? 0 : (t.ended ?? t.started) - t.started,
            format: t.format ?? 'text',
            textAcrossMajors: t.textAcrossMajors ?? false,
            ...(t.units > 1 ? { ranges: t.rangeRows } : {}),
        });
    }
    return ordered;
}
function newTally() {
    return { units: 1, done: 0, rows: [], bytes: [], rangeRows: [] };
}
function sum(xs) {
    let n = 0;
    for (const x of xs)
        n += x ?? 0;
    return n;
}
/** Blocks sampled per split candidate to place the range boundaries (balance only, never correctness). */
const SAMPLE_BLOCKS = 300;
/**
 * Facts for splitting the candidates, read on the snapshot's session: the relation's pages (all
 * partitions) and the block numbers of a block sample of the tenant's rows. Nothing is split on
 * a server older than 14, which has no TID range scan (each range would read the whole table).
 */
async function readSplitFacts(source, candidates, sourceMajor) {
    const facts = new Map();
    if (sourceMajor < 14)
        return facts;
    for (const table of candidates) {
        const size = await source.query(`SELECT (SELECT coalesce(sum(pg_relation_size(p.relid)), 0) FROM pg_partition_tree($1::text::regclass) p)
              / current_setting('block_size')::bigint AS blocks,
              current_setting('block_size')::int AS bs`, [table.qualified]);
        const blocks = Number(size.rows[0].blocks);
        if (!(blocks > 0))
            continue;
        const percent = Math.min(100, (100 * SAMPLE_BLOCKS) / blocks);
        const sample = await source.query(`SELECT array_agg((t.ctid::text::point)[0]::bigint) AS b
         FROM ${table.qualified} t TABLESAMPLE SYSTEM ($1::real) WHERE ${(0,plan_types/* perRow */.CE)(table)}`, [percent]);
        facts.set(table.qualified, {
            blocks,
            blockSize: size.rows[0].bs,
            sample: (sample.rows[0].b ?? []).map(Number),
            sampledShare: percent / 100,
        });
    }
    return facts;
}
/**
 * Binary COPY where it is safe: no user-defined OIDs in the data (plan.ts `binarySafe`), and both
 * servers on the same major version — the binary form of a type is the server's own business
 * and may change between majors, while the text form (with the session settings above) is what
 * every version parses back. A tenant moving onto a newer major is copied as text.
 */
function copyFormat(table, sameMajor) {
    return table.binarySafe && sameMajor ? 'binary' : 'text';
}
async function openPair(sourceUrl, targetUrl, snapshotId, tenantId, 
/** Known from the first pair: the other pairs do not ask the servers again. */
known) {
    const source = await (0,connect/* connect */.Ng)(sourceUrl);
    let target;
    try {
        await source.query(SESSION_SETTINGS);
        // The tenant id is set before the transaction: SET TRANSACTION SNAPSHOT must come first in it.
        await (0,connect/* setTenantId */.si)(source, tenantId);
        await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await source.query(`SET TRANSACTION SNAPSHOT ${esm/* default.escapeLiteral */.Ay.escapeLiteral(snapshotId)}`);
        target = await (0,connect/* connect */.Ng)(targetUrl);
        await target.query(SESSION_SETTINGS);
        if (known !== undefined)
            return { source, target, sameMajor: known, sourceMajor: 0 };
        const [from, to] = await Promise.all([(0,versions/* serverMajor */.jk)(source), (0,versions/* serverMajor */.jk)(target)]);
        return { source, target, sameMajor: from === to, sourceMajor: from };
    }
    catch (e) {
        await Promise.all([endClient(source), target ? endClient(target) : undefined]);
        throw dbError(e, 'Opening the copy sessions failed', 'The snapshot is only importable while the plan step holds it open; check max_connections (each copy worker uses two sessions) and re-run.');
    }
}
async function copyTable({ source, target }, { table, range }, format, signal, onProgress, guard) {
    const started = Date.now();
    const slot = range?.index ?? 0;
    const counter = new CopyCounter(format, (rows, bytes) => onProgress(table.qualified, slot, rows, bytes));
    if (table.columns.length === 0)
        return { rows: 0, bytes: 0, durationMs: 0 };
    // A range is the tenant predicate and a TID range (copy-ranges.ts); a whole table the predicate
    // alone. A range tests its own rows (perRow): the set form would collect all the tenant's rows
    // of the table for every range.
    const select = range
        ? (0,plan_types/* selectTenantRows */.iu)({ ...table, where: `(${(0,plan_types/* perRow */.CE)(table)}) AND ${rangePredicate(range)}` })
        : (0,plan_types/* selectTenantRows */.iu)(table);
    try {
        await target.query('BEGIN');
        await guard?.(target);
        const into = target.query((0,pg_copy_streams/* from */.H)(`COPY ${(0,plan_types/* targetOf */.$r)(table)} (${table.columns.join(', ')}) FROM STDIN (FORMAT ${format})`));
        const out = source.query((0,pg_copy_streams.to)(`COPY (${select}) TO STDOUT (FORMAT ${format})`));
        await (0,promises_.pipeline)(out, counter, into, { signal });
        // Each range is verified as a table is: what was streamed is what the new database took.
        if (counter.rows !== into.rowCount) {
            throw new Error(`streamed ${counter.rows} rows but the new database took ${into.rowCount}`);
        }
        await target.query('COMMIT');
        onProgress(table.qualified, slot, into.rowCount, counter.bytes);
        return { rows: into.rowCount, bytes: counter.bytes, durationMs: Date.now() - started };
    }
    catch (e) {
        if (signal.aborted && !(e instanceof errors/* PromotionError */.g1 && e.code !== 'cancelled')) {
            throw cancelled();
        }
        throw dbError(e, `Copying ${table.schema}.${table.name} failed${range ? ` (range ${range.index + 1} of ${range.of})` : ''}`, range
            ? 'The table was copied in ranges and this one was not committed: the new database holds only part of the table, and the run drops it (a re-run replaces it); fix the cause named above and re-run.'
            : 'Nothing of this table was committed in the new database; fix the cause named above and re-run (the new database is dropped and recreated).');
    }
}
/**
 * Passes COPY data through unchanged, counting bytes and rows: text rows end with a newline
 * (newlines inside values are escaped); binary rows are walked by their length prefixes.
 */
class CopyCounter extends external_node_stream_.Transform {
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
    return new errors/* PromotionError */.g1('cancelled', 'The copy was cancelled.', 'Nothing partial is kept: re-run the promotion.');
}
function dbError(e, what, hint) {
    if (e instanceof errors/* PromotionError */.g1)
        return e;
    const message = e instanceof Error ? e.message : String(e);
    if (/row-level security/i.test(message)) {
        hint =
            'The connecting role is subject to row-level security and would see only part of the rows: connect as a role with BYPASSRLS (or a superuser).';
    }
    return new errors/* PromotionError */.g1('database', `${what}: ${(0,secrets/* redact */.E$)(message)}`, hint, { cause: e });
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

/***/ 6409:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   G: () => (/* binding */ describeBlocker),
/* harmony export */   y: () => (/* binding */ readBlockers)
/* harmony export */ });
/**
 * Objects of the source that the schema clone cannot recreate on the target as the connecting
 * role, each with everything that depends on it. Read from the catalog (with the caller's empty
 * search_path, so names come out qualified), before anything is created: a promotion that would
 * otherwise fail half-way through the clone ("function public.group_concat(text) does not exist"
 * at statement 257) is refused up front, naming the object and its dependents.
 *
 * Two kinds:
 * - object kinds the clone has no DDL for (base and shell types, operator classes
 *   and families, text search parsers and templates); a foreign table only when
 *   something cloned depends on it (it holds no tenant rows; it is otherwise left out with a note);
 * - objects only a superuser may create, when the connecting role is not one (managed
 *   PostgreSQL): functions in an untrusted language (C, internal, plpython3u…), aggregates whose
 *   transition state is `internal`, extensions that are not trusted, binary-coercible casts and casts between types the clone does not create.
 *
 * The target is assumed to be the server the role is connected to (the tenant's database is
 * created there) with the same role.
 */
/** Not a member of an extension (deptype 'e'). */
const NOT_EXT = (catalog, oid) => `NOT EXISTS (SELECT 1 FROM pg_depend xd WHERE xd.classid = '${catalog}'::regclass AND xd.objid = ${oid} AND xd.deptype = 'e')`;
const candidatesSql = `
  WITH me AS (SELECT r.rolsuper AS su FROM pg_roles r WHERE r.rolname = current_user)
  SELECT 'pg_type'::regclass::oid::text AS classid, t.oid::text AS objid, 'type ' || t.oid::regtype::text AS object,
         'the clone cannot recreate a base or shell type (its input/output functions are C code)' AS why, false AS "onlyIfNeeded"
    FROM pg_type t WHERE t.typnamespace = ANY($1::oid[]) AND t.typtype IN ('b', 'p') AND t.typelem = 0 AND ${NOT_EXT('pg_type', 't.oid')}
  UNION ALL
  SELECT 'pg_opclass'::regclass::oid::text, c.oid::text, 'operator class ' || quote_ident(n.nspname) || '.' || quote_ident(c.opcname),
         'the clone does not recreate operator classes', false
    FROM pg_opclass c JOIN pg_namespace n ON n.oid = c.opcnamespace
   WHERE c.opcnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_opclass', 'c.oid')}
  UNION ALL
  SELECT 'pg_opfamily'::regclass::oid::text, f.oid::text, 'operator family ' || quote_ident(n.nspname) || '.' || quote_ident(f.opfname),
         'the clone does not recreate operator families', false
    FROM pg_opfamily f JOIN pg_namespace n ON n.oid = f.opfnamespace
   WHERE f.opfnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_opfamily', 'f.oid')}
     -- an operator class's implicit family goes with its class
     AND NOT EXISTS (SELECT 1 FROM pg_opclass c WHERE c.opcfamily = f.oid AND c.opcname = f.opfname AND c.opcnamespace = f.opfnamespace)
  UNION ALL
  SELECT 'pg_ts_parser'::regclass::oid::text, p.oid::text, 'text search parser ' || quote_ident(n.nspname) || '.' || quote_ident(p.prsname),
         'the clone does not recreate text search parsers (C functions)', false
    FROM pg_ts_parser p JOIN pg_namespace n ON n.oid = p.prsnamespace
   WHERE p.prsnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_ts_parser', 'p.oid')}
  UNION ALL
  SELECT 'pg_ts_template'::regclass::oid::text, t.oid::text, 'text search template ' || quote_ident(n.nspname) || '.' || quote_ident(t.tmplname),
         'the clone does not recreate text search templates (C functions)', false
    FROM pg_ts_template t JOIN pg_namespace n ON n.oid = t.tmplnamespace
   WHERE t.tmplnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_ts_template', 't.oid')}
  UNION ALL
  SELECT 'pg_class'::regclass::oid::text, c.oid::text, 'foreign table ' || c.oid::regclass::text,
         'the clone does not recreate foreign tables (their server and user mappings live outside the schema)', true
    FROM pg_class c WHERE c.relnamespace = ANY($1::oid[]) AND c.relkind = 'f' AND ${NOT_EXT('pg_class', 'c.oid')}
  UNION ALL
  SELECT 'pg_proc'::regclass::oid::text, p.oid::text,
         CASE p.prokind WHEN 'p' THEN 'procedure ' ELSE 'function ' END || p.oid::regprocedure::text,
         'it is written in ' || quote_ident(l.lanname) || ', an untrusted language: only a superuser can create it, and role "' || current_user || '" is not one', false
    FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang, me
   WHERE NOT me.su AND NOT l.lanpltrusted AND p.pronamespace = ANY($1::oid[]) AND p.prokind IN ('f', 'p', 'w')
     AND ${NOT_EXT('pg_proc', 'p.oid')}
     AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_proc'::regclass AND i.objid = p.oid AND i.deptype = 'i')
  UNION ALL
  SELECT 'pg_proc'::regclass::oid::text, p.oid::text, 'aggregate ' || p.oid::regprocedure::text,
         'its transition state is of type internal: only a superuser can create such an aggregate, and role "' || current_user || '" is not one', false
    FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid, me
   WHERE NOT me.su AND p.pronamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_proc', 'p.oid')}
     AND 'internal'::regtype IN (a.aggtranstype, a.aggmtranstype)
  UNION ALL
  SELECT 'pg_extension'::regclass::oid::text, x.oid::text, 'extension ' || quote_ident(x.extname),
         'it is not a trusted extension: only a superuser can create it, and role "' || current_user || '" is not one', false
    FROM pg_extension x JOIN pg_available_extension_versions v ON v.name = x.extname AND v.version = x.extversion, me
   WHERE NOT me.su AND v.superuser AND NOT v.trusted AND x.extname <> 'plpgsql' AND $1::oid[] IS NOT NULL
  UNION ALL
  SELECT 'pg_cast'::regclass::oid::text, c.oid::text, 'cast (' || format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL) || ')',
         CASE WHEN c.castmethod = 'b' THEN 'only a superuser can create a binary-coercible cast (WITHOUT FUNCTION)'
              ELSE 'only the owner of its source or target type can create it, and the clone creates neither (built-in or an extension''s)' END
         || ', and role "' || current_user || '" is not a superuser', false
    FROM pg_cast c, me
   WHERE NOT me.su AND c.oid >= 16384 AND ${NOT_EXT('pg_cast', 'c.oid')}
     AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_cast'::regclass AND i.objid = c.oid AND i.deptype = 'i')
     AND (c.castmethod = 'b' OR NOT EXISTS (
           SELECT 1 FROM pg_type t WHERE t.oid IN (c.castsource, c.casttarget)
              AND t.typnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_type', 't.oid')}))
  ORDER BY 3`;
/**
 * Everything that depends on one object (pg_depend, normal, automatic and internal dependencies,
 * transitively). A view's rewrite rule stands for its view, so what depends on the view follows.
 * The object itself and members of extensions are not listed.
 */
const dependentsSql = `
  WITH RECURSIVE dep(classid, objid, objsubid) AS (
    SELECT * FROM (
      SELECT CASE WHEN rw.oid IS NOT NULL THEN 'pg_class'::regclass::oid ELSE d.classid END,
             coalesce(rw.ev_class, d.objid), CASE WHEN rw.oid IS NOT NULL THEN 0 ELSE d.objsubid END
        FROM pg_depend d LEFT JOIN pg_rewrite rw ON d.classid = 'pg_rewrite'::regclass AND rw.oid = d.objid
       WHERE d.refclassid = $1::oid AND d.refobjid = $2::oid AND d.deptype IN ('n', 'a', 'i')) s
    UNION
    SELECT CASE WHEN rw.oid IS NOT NULL THEN 'pg_class'::regclass::oid ELSE d.classid END,
           coalesce(rw.ev_class, d.objid), CASE WHEN rw.oid IS NOT NULL THEN 0 ELSE d.objsubid END
      FROM dep JOIN pg_depend d ON d.refclassid = dep.classid AND d.refobjid = dep.objid
                               AND (dep.objsubid = 0 OR d.refobjsubid = dep.objsubid)
      LEFT JOIN pg_rewrite rw ON d.classid = 'pg_rewrite'::regclass AND rw.oid = d.objid
     WHERE d.deptype IN ('n', 'a', 'i')
  )
  SELECT DISTINCT pg_describe_object(dep.classid, dep.objid, dep.objsubid) AS what
    FROM dep
   WHERE NOT (dep.classid = $1::oid AND dep.objid = $2::oid)
     AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = dep.classid AND e.objid = dep.objid AND e.deptype = 'e')
     -- a view's columns come with the view, which is named
     AND NOT (dep.classid = 'pg_class'::regclass AND dep.objsubid <> 0 AND EXISTS (
           SELECT 1 FROM pg_class v WHERE v.oid = dep.objid AND v.relkind IN ('v', 'm')))
     -- an array type and a table's row type are parts of their object, not dependents to name
     AND NOT (dep.classid = 'pg_type'::regclass AND EXISTS (
           SELECT 1 FROM pg_type t WHERE t.oid = dep.objid AND (t.typelem <> 0 OR t.typrelid <> 0)))
   ORDER BY 1`;
/** Reads the blockers of a clone of the schemas `namespaces` (oids), with their dependents. */
async function readBlockers(client, namespaces) {
    const candidates = (await client.query(candidatesSql, [namespaces])).rows;
    const blockers = [];
    for (const c of candidates) {
        const { rows } = await client.query(dependentsSql, [c.classid, c.objid]);
        const dependents = rows.map((r) => r.what).filter((w) => !!w);
        if (c.onlyIfNeeded && dependents.length === 0)
            continue;
        blockers.push({ object: c.object, why: c.why, dependents });
    }
    return blockers;
}
/** One line per blocker: the object, why, and what depends on it (at most `max` named). */
function describeBlocker(b, max = 12) {
    const shown = b.dependents.slice(0, max);
    const more = b.dependents.length - shown.length;
    const needed = b.dependents.length
        ? `; needed by ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`
        : '; nothing in the schema depends on it, but the application may use it';
    return `${b.object}: ${b.why}${needed}`;
}


/***/ }),

/***/ 17768:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Df: () => (/* binding */ isTenantLockHeld),
/* harmony export */   em: () => (/* binding */ acquireTenantLock),
/* harmony export */   h$: () => (/* binding */ lockHolderName)
/* harmony export */ });
/* unused harmony exports tryTenantLock, describeLockHolder, releaseTenantLock */
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83916);

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
    throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .PromotionError */ .g1('lock-held', `Tenant "${slug}" is already being promoted or rolled back (lock held by ${holder}); this ${operation} made no changes.`, 'Wait for the other run to finish (its PR comment says how it ended), then re-run if needed.');
}
async function releaseTenantLock(session, slug) {
    await session.query('SELECT pg_advisory_unlock($1::int, hashtext($2))', [LOCK_NAMESPACE, slug]);
}
/**
 * Whether any session holds the tenant's lock in the current database (read from pg_locks,
 * without taking it: a run of that tenant starting meanwhile is never turned away).
 */
async function isTenantLockHeld(session, slug) {
    const { rows } = await session.query(`SELECT EXISTS (SELECT 1 FROM pg_locks l
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ($1::int)::oid
        AND l.objid = (hashtext($2)::bigint & 4294967295)::oid AND l.objsubid = 2 AND l.database = (
          SELECT oid FROM pg_database WHERE datname = current_database())) AS held`, [LOCK_NAMESPACE, slug]);
    return rows[0]?.held === true;
}


/***/ }),

/***/ 86521:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Ck: () => (/* binding */ measurePlan),
/* harmony export */   JY: () => (/* binding */ referenceBlockers)
/* harmony export */ });
/* unused harmony export ROW_OVERHEAD_BYTES */
/* harmony import */ var _report_escape__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(14031);
/* harmony import */ var _plan_types__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(54680);


/**
 * Checks of a plan against the shared database's rows: rows and sizes per table, and the rows
 * that tie this tenant to another one. The client has the tenant id set (setTenantId) and is
 * usually inside the snapshot transaction, so what it reads is what the copy will see.
 */
/** At most this many offending rows are counted per foreign key (the message says "at least"). */
const COUNT_LIMIT = 1000;
/**
 * Bytes a row takes besides its columns' average width (the planner's `Plan Width`): the tuple
 * header and its alignment, as `pg_column_size(t.*)` counts them (exact counts measure that).
 */
const ROW_OVERHEAD_BYTES = 24;
const display = (t) => `${t.schema}.${t.name}`;
async function measurePlan(client, plan, opts = { exact: true }) {
    const tables = [];
    for (const t of plan.tables) {
        // The tenants row is one row found through its key: counted exactly, always (a blocker below).
        const measured = opts.exact === true || t.kind === 'root'
            ? await countRows(client, t)
            : await estimateRows(client, t, opts.presence?.has(t.qualified) === true);
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
/** The table's rows and their size, counted: reads every row `where` selects. */
async function countRows(client, t) {
    const { rows } = await client.query(`SELECT count(*) AS n, COALESCE(sum(pg_column_size(t.*)), 0) AS bytes FROM ${t.qualified} t WHERE ${t.where}`);
    const { estimated: _, ...rest } = t;
    return { ...rest, rows: Number(rows[0]?.n ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
}
/**
 * The planner's estimate of the rows `where` selects and of their size, from EXPLAIN of the
 * copy's own query: planning reads the catalog and its statistics, no row. The tenant id setting
 * is evaluated while estimating (a stable function), so a tenant key with statistics gives this
 * tenant's share, not an average one's. With `presence`, an EXISTS makes `rows > 0` exact.
 */
async function estimateRows(client, t, presence) {
    const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${(0,_plan_types__WEBPACK_IMPORTED_MODULE_0__/* .selectTenantRows */ .iu)(t)}`);
    const top = rows[0]?.['QUERY PLAN'][0]?.Plan;
    let n = Math.max(0, Math.round(top?.['Plan Rows'] ?? 0));
    const width = Math.max(0, top?.['Plan Width'] ?? 0);
    if (presence) {
        const e = await client.query(`SELECT EXISTS (SELECT 1 FROM ${t.qualified} t WHERE ${t.where}) AS found`);
        n = e.rows[0]?.found === true ? Math.max(1, n) : 0;
    }
    return { ...t, rows: n, bytes: n * (width + ROW_OVERHEAD_BYTES), estimated: true };
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
            // What the plan proves is not read: a key that carries the tenant key joins no two tenants
            // (a global row's NULL tenant key joins nothing either), a dependent table's only way
            // selects only rows referencing the tenant's, and through any of its ways every row
            // referencing the tenant's is selected (PlanForeignKey.sameTenant, .way).
            const out = opts.incomingOnly || fk.sameTenant || fk.way === 'only'
                ? { count: 0, sample: '' }
                : await outgoing(client, child, fk, parent);
            if (out.count > 0) {
                blockers.push(`${display(child)} has ${countText(out.count)} of this tenant whose ${fk.name} reference points to a ${display(parent)} row of another tenant${parent.ownWhere === undefined && parent.kind === 'tenant' ? ' (or of none: a row whose tenant key is NULL is a global row, copied when the plan includes global rows)' : ''}, e.g. ${keyText(child, fk)} = ${out.sample}; that row is not copied.`);
            }
            // The tenants row is never deleted, so rows of others referencing it are harmless.
            if (parent.kind === 'root' || fk.sameTenant || fk.way)
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
    return { count: rows[0]?.n ?? 0, sample: (0,_report_escape__WEBPACK_IMPORTED_MODULE_1__/* .keySample */ .mP)(rows[0]?.sample) };
}


/***/ }),

/***/ 9893:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Ny: () => (/* binding */ readEdges),
/* harmony export */   PE: () => (/* binding */ captureCandidates),
/* harmony export */   QF: () => (/* binding */ readReferencingTables),
/* harmony export */   Si: () => (/* binding */ joinOn),
/* harmony export */   ln: () => (/* binding */ removeUnused)
/* harmony export */ });
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83916);
/* harmony import */ var _cleanup_removed__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6790);


/**
 * Opt-in removal, at cleanup, of the referenced rows the tenant used (users behind its
 * memberships, their addresses and tokens) that no row left in the shared database references
 * any more (`cleanup-referenced-rows: remove-unused`, issue 14 property 5).
 *
 * Runs inside cleanup's transaction, which proves ownership and holds the tenant row:
 * 1. `captureCandidates`, before the tenant's own rows are deleted (the referenced tables'
 *    `where` reaches rows through them): the rows each referenced table's `where` selects now,
 *    without locks, kept by (tableoid, ctid) in a temporary table.
 * 2. `removeUnused`, after the tenant's own rows are deleted: the largest set of candidates such
 *    that (a) no row outside the set references one of them along any foreign key of the
 *    catalog — another tenant's row, a global (NULL-key) row, a row of a table copied whole or left
 *    out, a candidate that stays — and (b) a candidate nothing referenced when captured (a user's
 *    reset token: it follows the row it references) stays when a row it references stays. Found as
 *    a fixpoint; the rows found removable are then locked FOR UPDATE and the fixpoint re-run
 *    (a reference made meanwhile keeps its row), and the rest deleted in one statement.
 *
 * Only rows of `referenced` tables are ever candidates: never a global row (tenant tables) and
 * never a row of a table copied whole. References the application keeps without foreign keys
 * (polymorphic columns, ids in JSON) cannot be seen: the option says so.
 */
const CANDIDATES = 'pg_temp.tenant_isolation_referenced_rows';
/**
 * The choice of remove-unused is recorded at the switch and a re-run resumes with it (a rollback
 * relies on it): the hint names what changes the outcome.
 */
const REACHED_HINT = 'An ON DELETE CASCADE / SET NULL / SET DEFAULT foreign key, a rule or a trigger reached rows that are not the removed ones (or the rows changed meanwhile). Remove or change what reached them, then re-run to finish the cleanup (re-runs keep cleanup-referenced-rows: remove-unused, recorded at the switch); the tenant is already served from its own database.';
/**
 * Row-level security off while the reference checks read: a row the role may not see then makes
 * the statement fail ("query would be affected by row-level security policy") instead of being
 * silently absent — an unseen reference would let its row be removed, and the foreign key's
 * cascade, which ignores row-level security, would then delete or rewrite another tenant's row.
 */
const withAllRowsVisible = async (session, run) => {
    await session.query(`SET LOCAL row_security = off`);
    const result = await run();
    await session.query(`SET LOCAL row_security = on`);
    return result;
};
/**
 * Every table with a foreign key into one of `tables` (left-out and whole-copied tables
 * included): remove-unused reads all their rows, so prevalidation asks SELECT on each and that no
 * row-level security hides rows from the role.
 */
async function readReferencingTables(session, tables) {
    if (tables.length === 0)
        return [];
    const { rows } = await session.query(`WITH tops AS (SELECT to_regclass(name) AS top FROM unnest($1::text[]) u(name)),
          tree AS (SELECT top AS relid FROM tops UNION SELECT p.relid FROM tops, LATERAL pg_partition_tree(tops.top) p)
     SELECT DISTINCT n.nspname AS schema, cc.relname AS name
       FROM pg_constraint c JOIN pg_class cc ON cc.oid = c.conrelid JOIN pg_namespace n ON n.oid = cc.relnamespace
      WHERE c.contype = 'f' AND c.conparentid = 0 AND c.confrelid IN (SELECT relid FROM tree)
      ORDER BY 1, 2`, [tables.map((t) => t.qualified)]);
    return rows;
}
/**
 * Rows deleted and updated so far in this transaction (pg_stat_xact_*, which count the rows a
 * foreign key's cascade touches, hidden or not), per referencing or candidate relation.
 */
async function touchedRows(session, relations) {
    const { rows } = await session.query(`SELECT u.name AS input, format('%I.%I', n.nspname, c.relname) AS rel,
            (SELECT COALESCE(sum(pg_stat_get_xact_tuples_deleted(p.relid) + pg_stat_get_xact_tuples_updated(p.relid)), 0)
               FROM (SELECT c.oid::regclass AS relid UNION SELECT relid FROM pg_partition_tree(c.oid)) p)::text AS n
       FROM unnest($1::text[]) u(name)
       JOIN pg_class c ON c.oid = to_regclass(u.name) JOIN pg_namespace n ON n.oid = c.relnamespace`, [[...new Set(relations)]]);
    return {
        // The same relation may be named quoted and unquoted: compared under one name.
        canonical: new Map(rows.map((r) => [r.input, r.rel])),
        touched: new Map(rows.map((r) => [r.rel, Number(r.n)])),
    };
}
/**
 * Foreign keys into each of `tables` (their partitions' included), and out of it into another of
 * them: what references a row, wherever the key is declared.
 */
async function readEdges(session, tables) {
    const { rows } = await session.query(`WITH tops AS (
       SELECT i::int - 1 AS ix, to_regclass(name) AS top FROM unnest($1::text[]) WITH ORDINALITY u(name, i)
     ), tree AS (
       -- pg_partition_tree lists nothing for a table that is not partitioned.
       SELECT tops.ix, tops.top AS relid FROM tops
       UNION SELECT tops.ix, p.relid FROM tops, LATERAL pg_partition_tree(tops.top) p
     )
     SELECT format('%I.%I', cn.nspname, cc.relname) AS child,
            format('%I.%I', pn.nspname, pc.relname) AS parent,
            array(SELECT quote_ident(a.attname) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns,
            array(SELECT quote_ident(a.attname) FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS ref_columns,
            (SELECT ix FROM tree WHERE tree.relid = c.confrelid) AS parent_top,
            (SELECT ix FROM tree WHERE tree.relid = c.conrelid) AS child_top
       FROM pg_constraint c
       JOIN pg_class cc ON cc.oid = c.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace
       JOIN pg_class pc ON pc.oid = c.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace
      WHERE c.contype = 'f' AND c.conparentid = 0
        AND (c.confrelid IN (SELECT relid FROM tree) OR c.conrelid IN (SELECT relid FROM tree))
      ORDER BY 1, 2, 3`, [tables.map((t) => t.qualified)]);
    return rows.map((r) => ({
        child: r.child,
        parent: r.parent,
        columns: r.columns,
        refColumns: r.ref_columns,
        parentIndex: r.parent_top ?? -1,
        childIndex: r.child_top ?? -1,
    }));
}
/** The join of a referencing row `child` to the referenced row `parent` along `e`. */
const joinOn = (e, child, parent) => e.columns.map((c, i) => `${child}.${c} = ${parent}.${e.refColumns[i]}`).join(' AND ');
/** `alias`'s row is not a candidate still marked removable. */
const notRemovable = (alias) => `NOT EXISTS (SELECT 1 FROM ${CANDIDATES} k2 WHERE k2.rel = ${alias}.tableoid AND k2.row_id = ${alias}.ctid AND k2.removable)`;
/**
 * Step 1 (before the tenant's rows are deleted): the referenced rows the tenant reaches now,
 * locked, with whether anything referenced them (a row nothing references follows its parents).
 */
async function captureCandidates(session, tables) {
    const edges = await readEdges(session, tables);
    await session.query(`CREATE TEMPORARY TABLE ${CANDIDATES.slice('pg_temp.'.length)} (
       tbl int NOT NULL, rel oid NOT NULL, row_id tid NOT NULL, follower boolean NOT NULL,
       removable boolean NOT NULL DEFAULT true, PRIMARY KEY (rel, row_id)
     ) ON COMMIT DROP`);
    const counts = [];
    // Every row visible while capturing; the tenant's own rows are deleted next, under the
    // policies prevalidation checked.
    await withAllRowsVisible(session, async () => {
        for (const [ix, table] of tables.entries()) {
            const referenced = edges
                .filter((e) => e.parentIndex === ix)
                .map((e) => `EXISTS (SELECT 1 FROM ${e.child} c WHERE ${joinOn(e, 'c', 't')})`);
            const res = await session.query(`INSERT INTO ${CANDIDATES} (tbl, rel, row_id, follower)
         SELECT ${ix}, t.tableoid, t.ctid, ${referenced.length ? `NOT (${referenced.join(' OR ')})` : 'true'}
           FROM ${table.qualified} t WHERE ${table.where}`);
            counts.push(res.rowCount ?? 0);
        }
    });
    return { tables, edges, counts };
}
/**
 * Step 2 (after the tenant's own rows are deleted, same transaction): marks the candidates that
 * must stay until nothing changes, then deletes the rest, children first (reverse copy order).
 * Returns what was removed and why the others stayed; throws when a DELETE removed a different
 * number of rows than marked (a cascade or trigger reached them: the caller rolls back).
 */
async function removeUnused(session, c, lockTimeoutMs) {
    return withAllRowsVisible(session, () => markAndRemove(session, c, lockTimeoutMs));
}
async function markAndRemove(session, c, lockTimeoutMs) {
    const keepInUse = [];
    const keepWithParent = [];
    for (const [ix, table] of c.tables.entries()) {
        const mark = (cond) => `UPDATE ${CANDIDATES} k SET removable = false FROM ${table.qualified} t
        WHERE k.tbl = ${ix} AND k.removable AND t.tableoid = k.rel AND t.ctid = k.row_id AND ${cond}`;
        for (const e of c.edges.filter((x) => x.parentIndex === ix)) {
            keepInUse.push(mark(`EXISTS (SELECT 1 FROM ${e.child} c WHERE ${joinOn(e, 'c', 't')} AND ${notRemovable('c')})`));
        }
        for (const e of c.edges.filter((x) => x.childIndex === ix && x.parentIndex >= 0)) {
            keepWithParent.push(mark(`k.follower AND EXISTS (SELECT 1 FROM ${e.parent} p WHERE ${joinOn(e, 't', 'p')} AND ${notRemovable('p')})`));
        }
    }
    let keptInUse = 0;
    let keptWithParent = 0;
    // A row of a table without a key cannot be recorded for the rollback (review r17: those rows
    // were deleted and never came back): it stays, and what it references stays by the fixpoint.
    let keptWithoutKey = 0;
    for (const [ix, table] of c.tables.entries()) {
        if (table.keyColumns.length > 0)
            continue;
        keptWithoutKey +=
            (await session.query(`UPDATE ${CANDIDATES} SET removable = false WHERE tbl = ${ix} AND removable`))
                .rowCount ?? 0;
    }
    const settle = async () => {
        for (let changed = true; changed;) {
            changed = false;
            for (const sql of keepInUse) {
                const n = (await session.query(sql)).rowCount ?? 0;
                keptInUse += n;
                if (n > 0)
                    changed = true;
            }
            for (const sql of keepWithParent) {
                const n = (await session.query(sql)).rowCount ?? 0;
                keptWithParent += n;
                if (n > 0)
                    changed = true;
            }
        }
    };
    await settle();
    // Only the rows found removable are locked (FOR UPDATE: no new reference to them can be made
    // until COMMIT — a foreign-key insert takes FOR KEY SHARE); other tenants never wait on a row
    // that stays. Waiting for one is bounded by max-freeze. A row changed since it was captured
    // (its ctid moved) is not locked and stays; then the check runs again on the locked set.
    const { rows: timeout } = await session.query(`SELECT current_setting('lock_timeout') AS t`);
    await session.query(`SELECT set_config('lock_timeout', $1, true)`, [
        `${Math.max(1, Math.round(lockTimeoutMs))}ms`,
    ]);
    for (const [ix, table] of c.tables.entries()) {
        const res = await session.query(`WITH locked AS (
         SELECT t.tableoid AS rel, t.ctid AS row_id FROM ${table.qualified} t JOIN ${CANDIDATES} k
             ON k.tbl = ${ix} AND k.removable AND t.tableoid = k.rel AND t.ctid = k.row_id
            FOR UPDATE OF t)
       UPDATE ${CANDIDATES} k SET removable = false
        WHERE k.tbl = ${ix} AND k.removable AND (k.rel, k.row_id) NOT IN (SELECT rel, row_id FROM locked)`);
        keptInUse += res.rowCount ?? 0;
    }
    await session.query(`SELECT set_config('lock_timeout', $1, true)`, [timeout[0].t]);
    await settle();
    // Last line: no row outside the removed ones may be deleted or rewritten by a cascade (or a
    // trigger). Every relation referencing a candidate table, and the candidate tables themselves,
    // must change by exactly the rows removed from them.
    const watched = [...new Set([...c.edges.map((e) => e.child), ...c.tables.map((t) => t.qualified)])];
    const before = await touchedRows(session, watched);
    // One statement (data-modifying CTEs): the foreign-key checks run at its end, so candidates
    // that reference each other in a cycle (users.address_id, addresses.created_by) go together.
    const { rows: marks } = await session.query(`SELECT tbl, count(*)::int AS n FROM ${CANDIDATES} WHERE removable GROUP BY tbl`);
    const marked = new Map(marks.map((m) => [m.tbl, m.n]));
    const order = [...c.tables.keys()].reverse().filter((ix) => (marked.get(ix) ?? 0) > 0);
    const removed = [];
    // The keys of the rows about to go (locked, settled), staged for the record a rollback reads:
    // the deletes below remove exactly these rows or the cleanup is rolled back.
    for (const ix of order)
        await (0,_cleanup_removed__WEBPACK_IMPORTED_MODULE_1__/* .stageRemovedKeys */ .DE)(session, c.tables[ix], `FROM ${c.tables[ix].qualified} t JOIN ${CANDIDATES} k ON k.tbl = ${ix} AND k.removable AND t.tableoid = k.rel AND t.ctid = k.row_id`);
    if (order.length > 0) {
        const deleteOf = (ix) => `DELETE FROM ${c.tables[ix].qualified} t USING ${CANDIDATES} k
        WHERE k.tbl = ${ix} AND k.removable AND t.tableoid = k.rel AND t.ctid = k.row_id`;
        const counts = new Map();
        if (order.length === 1) {
            counts.set(order[0], (await session.query(deleteOf(order[0]))).rowCount ?? 0);
        }
        else {
            const { rows: deleted } = await session
                .query(`WITH ${order.map((ix) => `d${ix} AS (${deleteOf(ix)} RETURNING 1)`).join(', ')}
           SELECT ${order.map((ix) => `(SELECT count(*)::int FROM d${ix}) AS d${ix}`).join(', ')}`)
                .catch((e) => {
                // A DO ALSO rule on a referenced table cannot run inside WITH: refused, rolled back.
                if (e.code !== '0A000')
                    throw e;
                throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .PromotionError */ .g1('cleanup-refused', `Removing the unused referenced rows failed (${e.message}), so the cleanup was rolled back and nothing was deleted.`, REACHED_HINT);
            });
            for (const ix of order)
                counts.set(ix, deleted[0]?.[`d${ix}`] ?? 0);
        }
        for (const ix of order) {
            const table = c.tables[ix];
            const n = counts.get(ix) ?? 0;
            if (n !== marked.get(ix)) {
                throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .PromotionError */ .g1('cleanup-refused', `Removing the unused referenced rows of ${table.qualified} deleted ${n} rows where ${marked.get(ix)} were found unused, so the cleanup was rolled back and nothing was deleted.`, REACHED_HINT);
            }
            removed.push({ table, rows: n });
        }
    }
    const after = await touchedRows(session, watched);
    const expected = new Map();
    for (const r of removed) {
        const rel = after.canonical.get(r.table.qualified) ?? r.table.qualified;
        expected.set(rel, (expected.get(rel) ?? 0) + r.rows);
    }
    const reached = [...after.touched].flatMap(([rel, n]) => {
        const extra = n - (before.touched.get(rel) ?? 0) - (expected.get(rel) ?? 0);
        return extra === 0 ? [] : [`${rel}: ${extra}`];
    });
    if (reached.length > 0) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .PromotionError */ .g1('cleanup-refused', `Removing the unused referenced rows also deleted or changed other rows (${reached.join('; ')}), so the cleanup was rolled back and nothing was deleted.`, REACHED_HINT);
    }
    return { removed, keptInUse, keptWithParent, keptWithoutKey };
}


/***/ }),

/***/ 61932:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   GE: () => (/* binding */ restoreLargeObjects),
/* harmony export */   OK: () => (/* binding */ tenantLargeObjects),
/* harmony export */   Pt: () => (/* binding */ borrowRoles),
/* harmony export */   fs: () => (/* binding */ describeObjectOwners),
/* harmony export */   sp: () => (/* binding */ reownTenantObjects),
/* harmony export */   yg: () => (/* binding */ referencedByOthers)
/* harmony export */ });
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83916);
/* harmony import */ var _large_objects__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(52593);



/**
 * Large objects at rollback. The tenant's rows in its database reference large objects (`oid` /
 * `lo` columns) that live outside every table: copying the rows back copies only the numbers. So
 * every object those rows reference is brought back under the same OID — created in the shared
 * database when it lacks it (the tenant created it while isolated), rewritten in place when its
 * content differs (the tenant changed it) — and verified by content hash.
 *
 * An object the shared database holds with other content is rewritten only if no row there but
 * the tenant's references it (cleanup leaves the tenant's objects behind, unreferenced); otherwise
 * the OID is someone else's, and the rollback refuses. Rewriting an existing object needs UPDATE
 * on it and keeps its owner. An object created here belongs to the connecting role at first; it is
 * then given to the role that owns the objects of the tenant's own rows of that column in the
 * shared database when that is one role (else the table's owner) — never the column's most
 * frequent owner, which with per-tenant owners is another tenant's role (review r17) —
 * when the connecting role may (ALTER LARGE OBJECT … OWNER TO needs membership in the new owner;
 * a superuser always may). Otherwise the record names the objects and the grant that lets a
 * rollback do it.
 */
const INV_WRITE = 0x20000;
/** The columns and the objects the tenant's own rows reference on one side (tenant id set). */
async function tenantLargeObjects(client, plan, columns) {
    const cols = columns ?? (await (0,_large_objects__WEBPACK_IMPORTED_MODULE_2__/* .findLargeObjectColumns */ .RK)(client, plan.tables));
    if (cols.length === 0)
        return { columns: cols, oids: [] };
    const oids = await (0,_large_objects__WEBPACK_IMPORTED_MODULE_2__/* .referencedLargeObjects */ .rO)(client, cols, plan.tables, (t) => t.where);
    return { columns: cols, oids };
}
/**
 * Brings back the large objects the tenant's rows reference in `isolated` into `shared` (inside
 * the caller's transaction there, after the rows). `columns`: the `oid` columns of the plan.
 */
async function restoreLargeObjects(shared, isolated, plan, columns) {
    const result = {
        referenced: 0,
        copied: 0,
        replaced: 0,
        bytes: 0,
        owned: [],
        notOwned: [],
    };
    if (columns.length === 0)
        return result;
    const { oids } = await tenantLargeObjects(isolated, plan, columns);
    result.referenced = oids.length;
    if (oids.length === 0)
        return result;
    const want = await (0,_large_objects__WEBPACK_IMPORTED_MODULE_2__/* .hashLargeObjects */ .GE)(isolated, oids);
    const have = await (0,_large_objects__WEBPACK_IMPORTED_MODULE_2__/* .hashLargeObjects */ .GE)(shared, oids);
    const missing = oids.filter((o) => !have.has(o));
    const differ = oids.filter((o) => {
        const a = want.get(o);
        const b = have.get(o);
        return b !== undefined && (a?.size !== b.size || a?.hash !== b.hash);
    });
    const foreign = await referencedByOthers(shared, plan, columns, differ);
    if (foreign.length) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('tenant-state', `Large object(s) ${foreign.slice(0, 20).join(', ')} referenced by the tenant's rows exist in the shared database with other content and are referenced there by rows that are not the tenant's; nothing was changed.`, 'The tenant stays isolated. Another row of the shared database uses that OID: copy the tenant’s object to a new OID in its database (lo_from_bytea) and point its rows at it, then re-run the rollback.');
    }
    const sizes = await (0,_large_objects__WEBPACK_IMPORTED_MODULE_2__/* .largeObjectSizes */ .re)(isolated, [...missing, ...differ]);
    try {
        for (const o of missing) {
            await shared.query('SELECT lo_create($1::oid)', [o]);
            result.bytes += await writeContent(shared, isolated, o, sizes.get(o) ?? 0);
            result.copied++;
        }
        for (const o of differ) {
            await shared.query(`SELECT lo_truncate64(lo_open($1::oid, ${INV_WRITE}), 0)`, [o]);
            result.bytes += await writeContent(shared, isolated, o, sizes.get(o) ?? 0);
            result.replaced++;
        }
    }
    catch (e) {
        if (e instanceof _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1)
            throw e;
        const message = e.message;
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('database', `Bringing back the tenant's large objects failed: ${message}; nothing was changed.`, /permission denied/i.test(message)
            ? 'The tenant stays isolated. The connecting role needs UPDATE on the large objects the tenant changed (GRANT UPDATE ON LARGE OBJECT <oid> TO <role>, by their owner), then re-run the rollback.'
            : 'The tenant stays isolated; fix the cause named above and re-run the rollback.', { cause: e });
    }
    await giveToColumnOwners(shared, plan, columns, missing, result);
    // Verified by content, inside the transaction.
    const after = await (0,_large_objects__WEBPACK_IMPORTED_MODULE_2__/* .hashLargeObjects */ .GE)(shared, oids);
    const wrong = oids.filter((o) => after.get(o)?.hash !== want.get(o)?.hash);
    if (wrong.length) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('validation-failed', `Large object(s) ${wrong.slice(0, 20).join(', ')} differ from the tenant's database after they were copied back; nothing was changed.`, 'The tenant stays isolated. Re-run the rollback; if it persists, report it.');
    }
    return result;
}
/**
 * The objects just created (`created`, owned by the connecting role) go to the role that owns the
 * other objects the tenant's own rows of their column reference in the shared database when that
 * is a single role, else to the owner of the column's table. ALTER LARGE OBJECT … OWNER TO is tried where the connecting role is a
 * member of that role (a savepoint keeps a refusal from ending the transaction); what it may not
 * give away is reported with the owner it should have.
 */
async function giveToColumnOwners(shared, plan, columns, created, result, 
/**
 * The objects are owned by the tenant's roles, not by the connecting role (schema level into the
 * shared database: the same objects, created there by the tenant's application): they are given
 * to the column's owner even when that is the connecting role, and to the connecting role when
 * that owner is out of its reach — never left to roles about to be dropped.
 */
reown = false) {
    if (created.length === 0)
        return;
    const byQualified = new Map(plan.tables.map((t) => [t.qualified, t]));
    const placed = new Set();
    const owned = new Map();
    const notOwned = new Map();
    const supers = new Set();
    for (const c of columns) {
        const t = byQualified.get(c.table);
        if (!t)
            continue;
        // The restored rows are in place (same transaction): the objects this column references.
        const { rows: refs } = await shared.query(`SELECT DISTINCT t.${c.column}::oid::text AS o FROM ${t.qualified} t WHERE t.${c.column}::oid = ANY ($1::oid[])`, [created]);
        const mine = refs.map((r) => r.o).filter((o) => !placed.has(o));
        if (mine.length === 0)
            continue;
        for (const o of mine)
            placed.add(o);
        // Only the tenant's own rows (t.where, tenant id set on the session) decide: with objects
        // owned per tenant, the column's most frequent owner is another tenant's role, which would
        // then read and rewrite this tenant's objects.
        const { rows: owner } = await shared.query(`WITH own AS (
         SELECT DISTINCT m.lomowner FROM ${t.qualified} t JOIN pg_largeobject_metadata m ON m.oid = t.${c.column}::oid
          WHERE (${t.where}) AND NOT (m.oid = ANY ($1::oid[]))),
       o AS (
         SELECT CASE WHEN (SELECT count(*) FROM own) = 1 THEN (SELECT lomowner FROM own)
                     ELSE (SELECT relowner FROM pg_class WHERE oid = $2::regclass) END AS r)
       SELECT pg_get_userbyid(o.r) AS owner, pg_has_role(current_user, o.r, 'MEMBER') AS may,
              o.r = (SELECT oid FROM pg_roles WHERE rolname = current_user) AS me,
              coalesce((SELECT rolsuper FROM pg_roles WHERE oid = o.r), false) AS superuser,
              current_user::text AS who
         FROM o`, [created, t.qualified]);
        const { owner: role, may, me, superuser, who } = owner[0];
        result.connectingRole = who;
        if (superuser)
            supers.add(role);
        if (me && !reown)
            continue;
        const toMe = async () => {
            if (reown)
                for (const o of mine)
                    await shared.query(`ALTER LARGE OBJECT ${Number(o)} OWNER TO CURRENT_USER`);
        };
        if (!may)
            await toMe();
        const target = may ? owned : notOwned;
        if (may) {
            await shared.query('SAVEPOINT tp_rb_lo_owner');
            try {
                for (const o of mine)
                    await shared.query(`ALTER LARGE OBJECT ${Number(o)} OWNER TO ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(role)}`);
                await shared.query('RELEASE SAVEPOINT tp_rb_lo_owner');
            }
            catch (e) {
                if (e.code !== '42501')
                    throw e;
                await shared.query('ROLLBACK TO SAVEPOINT tp_rb_lo_owner');
                await toMe();
                notOwned.set(role, [...(notOwned.get(role) ?? []), ...mine]);
                continue;
            }
        }
        target.set(role, [...(target.get(role) ?? []), ...mine]);
    }
    result.owned = [...owned].map(([owner, oids]) => ({ owner, oids }));
    result.notOwned = [...notOwned].map(([owner, oids]) => ({
        owner,
        oids,
        superuser: supers.has(owner),
    }));
}
/** The record's lines about who owns the large objects the rollback created. */
function describeObjectOwners(objects) {
    const connectingRole = objects.connectingRole ?? 'the connecting role';
    return [
        ...objects.owned.map((o) => `${o.oids.length} large object(s) the tenant created while isolated now belong to ${o.owner}, like the tenant's other objects of their column: ${(0,_large_objects__WEBPACK_IMPORTED_MODULE_2__/* .listSome */ .XT)(o.oids)}.`),
        ...objects.notOwned.map((o) => o.superuser
            ? // Never advise granting a superuser role: membership in it is every privilege there is.
                `${o.oids.length} large object(s) the tenant created while isolated belong to the connecting role ${connectingRole}; the tenant's other objects of their column belong to ${o.owner}, a superuser: ${(0,_large_objects__WEBPACK_IMPORTED_MODULE_2__/* .listSome */ .XT)(o.oids)}. To give them to it, ask a superuser to run ALTER LARGE OBJECT <oid> OWNER TO ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(o.owner)} for each.`
            : `${o.oids.length} large object(s) the tenant created while isolated belong to the connecting role ${connectingRole}, which is not a member of ${o.owner}, the owner of the tenant's other objects of their column: ${(0,_large_objects__WEBPACK_IMPORTED_MODULE_2__/* .listSome */ .XT)(o.oids)}. Give them to it (ALTER LARGE OBJECT <oid> OWNER TO ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(o.owner)}, as a member of ${o.owner}), or GRANT ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(o.owner)} TO ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(connectingRole)} before a rollback so that it gives them itself.`),
    ];
}
/**
 * Of `oids`, those a row of the planned tables that is not the tenant's references in the shared
 * database (an object only the tenant's rows use, or none — cleanup leaves objects behind — is
 * the tenant's to rewrite).
 */
async function referencedByOthers(shared, plan, columns, oids) {
    if (oids.length === 0)
        return [];
    const byQualified = new Map(plan.tables.map((t) => [t.qualified, t]));
    const out = new Set();
    for (const c of columns) {
        const t = byQualified.get(c.table);
        if (!t)
            continue;
        const { rows } = await shared.query(`SELECT DISTINCT t.${c.column}::oid::text AS o FROM ${t.qualified} t
        WHERE t.${c.column}::oid = ANY ($1::oid[]) AND (${t.kind === 'reference' ? 'false' : t.where}) IS NOT TRUE`, [oids]);
        for (const r of rows)
            out.add(r.o);
    }
    return oids.filter((o) => out.has(o));
}
/**
 * Lets the connecting role read (and so copy back) the large objects of the tenant's database:
 * those the tenant's application created are owned by its application role, the copied ones by
 * its owner role, and a role without superuser reads neither. The tool made both roles, so it may
 * grant itself membership in them (CREATEROLE; ADMIN OPTION from PostgreSQL 16) for the rollback,
 * on its own committed session; the returned function revokes what was granted (the roles are
 * dropped with the isolated database in any case).
 */
async function borrowRoles(client, roles) {
    const { rows } = await client.query(`SELECT r.rolname AS name FROM pg_roles r
      WHERE r.rolname = ANY ($1::text[]) AND NOT pg_has_role(current_user, r.oid, 'USAGE')
        AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)`, [roles]);
    const granted = [];
    for (const r of rows) {
        await client.query(`GRANT ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(r.name)} TO CURRENT_USER`);
        granted.push(r.name);
    }
    return async () => {
        for (const name of granted)
            await client.query(`REVOKE ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(name)} FROM CURRENT_USER`).catch(() => undefined);
    };
}
/** Copies an object's content chunk by chunk (bounded memory) into an existing, empty object. */
async function writeContent(shared, isolated, oid, size) {
    let bytes = 0;
    for (let off = 0; off < size; off += _large_objects__WEBPACK_IMPORTED_MODULE_2__/* .LO_CHUNK */ .yR) {
        const { rows } = await isolated.query('SELECT lo_get($1::oid, $2::bigint, $3::int) AS d', [
            oid,
            off,
            _large_objects__WEBPACK_IMPORTED_MODULE_2__/* .LO_CHUNK */ .yR,
        ]);
        const chunk = rows[0].d;
        if (chunk.length > 0)
            await shared.query('SELECT lo_put($1::oid, $2::bigint, $3::bytea)', [oid, off, chunk]);
        bytes += chunk.length;
    }
    return bytes;
}
/**
 * Schema level into the shared database: the tenant's side is the shared database itself, so the
 * large objects its application created while isolated are already here — owned by its roles,
 * which the rollback drops next (DROP OWNED would delete them: data loss; DROP ROLE refuses). In
 * the caller's transaction, after the rows are back: those the restored rows reference go to the
 * owner the other objects of their column have (giveToColumnOwners' rule, the connecting role when
 * that owner is out of its reach); the others to the connecting role. Needs membership in the
 * tenant's roles (borrowRoles). The returned lists feed describeObjectOwners.
 */
async function reownTenantObjects(shared, plan, columns, roles, result) {
    const { rows } = await shared.query(`SELECT m.oid::text AS o FROM pg_largeobject_metadata m
      WHERE m.lomowner IN (SELECT oid FROM pg_roles WHERE rolname = ANY ($1::text[])) ORDER BY m.oid`, [roles]);
    const owned = rows.map((r) => r.o);
    if (owned.length === 0)
        return { reowned: 0, unreferenced: [] };
    await giveToColumnOwners(shared, plan, columns, owned, result, true);
    const placed = new Set([...result.owned, ...result.notOwned].flatMap((x) => x.oids));
    const unreferenced = owned.filter((o) => !placed.has(o));
    for (const o of unreferenced)
        await shared.query(`ALTER LARGE OBJECT ${Number(o)} OWNER TO CURRENT_USER`);
    return { reowned: owned.length, unreferenced };
}


/***/ }),

/***/ 4001:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   X: () => (/* binding */ ledgerCopySql),
/* harmony export */   Xy: () => (/* binding */ keyArraySql),
/* harmony export */   Zu: () => (/* binding */ recordRowLedger),
/* harmony export */   hn: () => (/* binding */ sharedWriteParts),
/* harmony export */   jt: () => (/* binding */ rerecordLedgerTables),
/* harmony export */   vn: () => (/* binding */ updateRowLedger),
/* harmony export */   wJ: () => (/* binding */ keyTypesOf),
/* harmony export */   xg: () => (/* binding */ readLedgerTables)
/* harmony export */ });
/* unused harmony export ledgerTables */
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _checksum__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(73600);
/* harmony import */ var _connect__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(36741);
/* harmony import */ var _ownership__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6922);
/* harmony import */ var _plan_types__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(54680);





/**
 * The row ledger: what the tenant's database received, at the switch, of the rows both sides may
 * write after it — referenced rows (users behind a membership table), global rows (NULL tenant
 * key) and tables copied whole. A rollback needs it to tell who changed such a row since the
 * switch: the tenant (its row differs from the ledger), someone in the shared database (the
 * shared row differs from the ledger), or both (a conflict). The tenant's own rows need no ledger:
 * nobody else writes them, so the tenant's database is their source of truth.
 *
 * Where: beside the tenant's tables, in the tool's own schema there (`toolSchema`, next to the run
 * marker): `_tenant_isolation` of the tenant's database, or — schema level into the shared
 * database — the tenant's `_tenant_isolation_<slug>` (names.ts sharedToolSchema; one shared
 * `_tenant_isolation` would mix tenants' ledgers, and each recording TRUNCATEs). Every caller
 * passes that one name (pipeline/tenant-place.ts toolSchema), nothing else differs. Every catalog
 * read, parity check, clone and application grant already leaves that schema out, the
 * application role cannot read or change it, and the run creates it, so it works for a role that
 * may not create anything in the shared database (managed PostgreSQL). It lives exactly as long
 * as the data it describes: the rollback reads it before it drops the database (or the schemas).
 *
 * One row per row: the table, its key as a text array, and the row's 64-bit hash (the checks'
 * `ledgerRowHashSql`, computed under the same comparable session settings on every side). Tables without
 * a key are recorded as a count and a hash sum only (`row_ledger_tables`): a rollback then refuses
 * when the tenant changed them, since no row of theirs can be matched.
 */
/** The ledger's two tables in the tool schema `toolSchema` (quoted, qualified). */
function ledgerTables(toolSchema) {
    const schema = pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(toolSchema);
    return { rows: `${schema}.row_ledger`, tables: `${schema}.row_ledger_tables` };
}
/**
 * The parts of a plan both sides may write: referenced tables, tables copied whole, and the
 * global rows of tenant tables (NULL tenant key).
 */
function sharedWriteParts(plan) {
    const out = [];
    for (const t of plan.tables) {
        if (t.kind === 'referenced')
            out.push({ table: t, isolatedWhere: 'true', what: 'referenced rows' });
        else if (t.kind === 'reference')
            out.push({ table: t, isolatedWhere: 'true', what: 'copied whole' });
        // `ownWhere` compares the tenant key with the tenant's value: NULL exactly for the rows with a
        // NULL key — the global rows (a row of another tenant compares false: not global).
        else if (t.kind === 'tenant' && t.ownWhere)
            out.push({ table: t, isolatedWhere: `(${t.ownWhere}) IS NULL`, what: 'global rows' });
    }
    return out;
}
/**
 * A part as SQL on the tenant's database sees it: its table under the target's name and the
 * global rows' predicate on it (schema level maps both; the identity at database level). The
 * ledger stays keyed by the source's `qualified`, which rollback matches the shared rows by.
 */
function partOnTarget(p) {
    const table = (0,_plan_types__WEBPACK_IMPORTED_MODULE_4__/* .onTarget */ .Hp)(p.table);
    if (table === p.table)
        return p;
    const isolatedWhere = p.isolatedWhere === 'true' ? 'true' : `(${table.ownWhere}) IS NULL`;
    return { ...p, table, isolatedWhere };
}
/** `ARRAY[key::text, …]` of the row aliased `alias` (a table with a key). */
function keyArraySql(table, alias = 't') {
    return `ARRAY[${table.keyColumns.map((k) => `${alias}.${k}::text`).join(', ')}]::text[]`;
}
/**
 * Records one part as the tenant's database holds it now (inside the caller's transaction): its
 * rows' keys and hashes, replacing what was recorded of it, and its count and hash sum. Returns
 * the rows recorded by key.
 */
async function recordPart(target, part, toolSchema) {
    const ledger = ledgerTables(toolSchema);
    const key = part.table.qualified;
    const p = partOnTarget(part);
    const t = { ...p.table, qualified: key };
    const from = (0,_checksum__WEBPACK_IMPORTED_MODULE_1__/* .fromTable */ .bs)(p.table);
    const keyed = t.keyColumns.length > 0;
    await target.query(`DELETE FROM ${ledger.rows} WHERE tbl = $1`, [t.qualified]);
    const res = keyed
        ? await target.query(`INSERT INTO ${ledger.rows} (tbl, k, h)
         SELECT $1, ${keyArraySql(t)}, ${(0,_checksum__WEBPACK_IMPORTED_MODULE_1__/* .ledgerRowHashSql */ .yw)(t)} FROM ${from} t WHERE ${p.isolatedWhere}`, [t.qualified])
        : undefined;
    await target.query(`INSERT INTO ${ledger.tables} (tbl, keyed, n, s)
     SELECT $1, $2, count(*), coalesce(sum(${(0,_checksum__WEBPACK_IMPORTED_MODULE_1__/* .ledgerRowHashSql */ .yw)(t)}), 0) FROM ${from} t WHERE ${p.isolatedWhere}
     ON CONFLICT (tbl) DO UPDATE SET n = excluded.n, s = excluded.s`, [t.qualified, keyed]);
    return res?.rowCount ?? 0;
}
/**
 * Records the ledger in the tenant's database (`target`, comparable session set; in its tool
 * schema `toolSchema`), replacing any earlier one, in one transaction in which `guard` runs first (the run still owns the database).
 *
 * The switch calls it after the base catch-up and before the freeze, so it never lengthens the
 * freeze (hashing 100k rows took ~4 s on a loaded 2-core machine). No tenant writes the database
 * before the switch commits, so every difference from the ledger at rollback time is either the
 * tenant's or a shared change the freeze pass applied (rows changed in the shared database in the
 * seconds between the base pass and the freeze): the freeze pass brings the ledger up to date for
 * exactly the rows it re-applies, in its own frozen transaction (updateRowLedger), so the ledger
 * is what the tenant's database holds when the switch commits. Returns the rows recorded.
 */
async function recordRowLedger(target, plan, toolSchema, guard) {
    const ledger = ledgerTables(toolSchema);
    const parts = sharedWriteParts(plan);
    // The global rows' predicate reads the tenant id.
    await (0,_connect__WEBPACK_IMPORTED_MODULE_2__/* .setTenantId */ .si)(target, plan.tenantId);
    await target.query('BEGIN');
    try {
        await guard?.(target);
        await (0,_ownership__WEBPACK_IMPORTED_MODULE_3__/* .createToolTable */ .LD)(target, ledger.rows, `tbl text NOT NULL, k text[] NOT NULL, h bigint NOT NULL, PRIMARY KEY (tbl, k)`);
        await (0,_ownership__WEBPACK_IMPORTED_MODULE_3__/* .createToolTable */ .LD)(target, ledger.tables, `tbl text PRIMARY KEY, keyed boolean NOT NULL, n bigint NOT NULL, s numeric NOT NULL,
       recorded_at timestamptz NOT NULL DEFAULT now()`);
        await target.query(`TRUNCATE ${ledger.rows}, ${ledger.tables}`);
        let rows = 0;
        for (const p of parts)
            rows += await recordPart(target, p, toolSchema);
        await target.query('COMMIT');
        return rows;
    }
    catch (e) {
        await target.query('ROLLBACK').catch(() => undefined);
        throw e;
    }
}
/**
 * Brings the ledger up to date, inside the caller's transaction on the tenant's database, for the
 * rows of `table` whose keys `keysQuery` lists (a query returning `k text[]`, the keys as
 * `keyArraySql` spells them): the rows the switch's freeze pass re-applied or deleted after the
 * ledger was recorded. The ledger then describes exactly what the tenant's database holds at the
 * switch (review: a shared row changed between the ledger and the freeze, and changed back after
 * the switch, read at rollback as a tenant write and was "restored" to the interim value). Costs
 * what the pass applied: the keys are looked up through the ledger's and the table's key indexes.
 * A table without a key is re-summed whole (no row of it can be matched anyway).
 */
async function updateRowLedger(target, plan, table, keysQuery, toolSchema) {
    const ledger = ledgerTables(toolSchema);
    for (const part of sharedWriteParts(plan)) {
        if (part.table.qualified !== table.qualified)
            continue;
        const p = partOnTarget(part);
        // Ledger rows keyed by the source's name; the SQL reads the target's table.
        const t = { ...p.table, qualified: part.table.qualified };
        const from = (0,_checksum__WEBPACK_IMPORTED_MODULE_1__/* .fromTable */ .bs)(p.table);
        if (t.keyColumns.length === 0) {
            await target.query(`UPDATE ${ledger.tables} l SET n = x.n, s = x.s
           FROM (SELECT count(*) AS n, coalesce(sum(${(0,_checksum__WEBPACK_IMPORTED_MODULE_1__/* .ledgerRowHashSql */ .yw)(t)}), 0) AS s FROM ${from} t WHERE ${p.isolatedWhere}) x
          WHERE l.tbl = $1`, [t.qualified]);
            continue;
        }
        const types = await keyTypesOf(target, p.table);
        const { rows: gone } = await target.query(`WITH d AS (DELETE FROM ${ledger.rows} l WHERE l.tbl = $1 AND l.k IN (SELECT x.k FROM (${keysQuery}) x) RETURNING l.h)
       SELECT count(*)::text AS n, coalesce(sum(h), 0)::text AS s FROM d`, [t.qualified]);
        const match = t.keyColumns.map((k, i) => `t.${k} = (x.k)[${i + 1}]::${types[i]}`).join(' AND ');
        const { rows: added } = await target.query(`WITH i AS (INSERT INTO ${ledger.rows} (tbl, k, h)
                  SELECT $1, ${keyArraySql(t)}, ${(0,_checksum__WEBPACK_IMPORTED_MODULE_1__/* .ledgerRowHashSql */ .yw)(t)}
                    FROM (SELECT DISTINCT y.k FROM (${keysQuery}) y) x JOIN ${from} t ON ${match}
                   WHERE ${p.isolatedWhere}
                  RETURNING h)
       SELECT count(*)::text AS n, coalesce(sum(h), 0)::text AS s FROM i`, [t.qualified]);
        await target.query(`UPDATE ${ledger.tables} SET n = n - $2::bigint + $3::bigint, s = s - $4::numeric + $5::numeric WHERE tbl = $1`, [t.qualified, gone[0].n, added[0].n, gone[0].s, added[0].s]);
    }
}
/**
 * Records the ledger again for the named tables, in its own transaction after `guard`: tables
 * the freeze pass settled by a full comparison and catch-up, whose changed rows it cannot name.
 */
async function rerecordLedgerTables(target, plan, tables, toolSchema, guard) {
    const names = new Set(tables);
    const parts = sharedWriteParts(plan).filter((p) => names.has(p.table.qualified));
    if (!parts.length)
        return;
    await target.query('BEGIN');
    try {
        await guard?.(target);
        for (const p of parts)
            await recordPart(target, p, toolSchema);
        await target.query('COMMIT');
    }
    catch (e) {
        await target.query('ROLLBACK').catch(() => undefined);
        throw e;
    }
}
/**
 * SQL types of a table's key columns, in key order, without typmod (casts of key text back to
 * them: the text came from the column, so the typmod adds nothing but a chance to round).
 */
async function keyTypesOf(client, table) {
    const { rows } = await client.query(`SELECT '"' || replace(a.attname, '"', '""') || '"' AS name, format_type(a.atttypid, NULL) AS type
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
 * The ledger's tables, read from the tenant's database; undefined when there is no ledger (a
 * promotion made before the ledger existed: the rollback then treats every shared-write row the
 * tenant's database holds as possibly the tenant's and refuses where the two sides differ).
 */
async function readLedgerTables(isolated, toolSchema) {
    const ledger = ledgerTables(toolSchema);
    const { rows: exists } = await isolated.query(`SELECT to_regclass($1)::text AS r`, [
        ledger.tables,
    ]);
    if (!exists[0]?.r)
        return undefined;
    const { rows } = await isolated.query(`SELECT tbl, keyed, n::text AS n, s::text AS s FROM ${ledger.tables}`);
    return new Map(rows.map((r) => [r.tbl, { keyed: r.keyed, count: Number(r.n), sum: r.s }]));
}
/** `COPY … TO STDOUT` of one table's ledger rows (k, h), run on the tenant's database. */
function ledgerCopySql(qualified, toolSchema) {
    return `COPY (SELECT k, h FROM ${ledgerTables(toolSchema).rows} WHERE tbl = ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(qualified)}) TO STDOUT`;
}


/***/ }),

/***/ 52682:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  rW: () => (/* binding */ applyAfterData),
  t8: () => (/* binding */ applyStatements),
  HY: () => (/* binding */ buildSchemaScript),
  bU: () => (/* binding */ readSourceCatalog),
  NM: () => (/* binding */ scriptFor),
  kj: () => (/* binding */ syncSequences)
});

// UNUSED EXPORTS: cloneFailureHint, describeStatement, mapRole, statementObject

// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(83849);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
// EXTERNAL MODULE: ./src/postgres/tool-schemas.ts
var tool_schemas = __webpack_require__(24024);
// EXTERNAL MODULE: ./src/postgres/ddl/blockers.ts
var ddl_blockers = __webpack_require__(6409);
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
     WHERE ${(0,tool_schemas/* userSchemaSql */.T0)('n')} AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
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
                FROM pg_range r WHERE r.rngtypid = t.oid) END AS range
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
    const proc = (col) => `CASE WHEN ${col} <> 0 THEN ${col}::regproc::text END`;
    const opRef = (oid) => `(SELECT 'OPERATOR(' || quote_ident(rn.nspname) || '.' || r.oprname || ')' FROM pg_operator r JOIN pg_namespace rn ON rn.oid = r.oprnamespace WHERE r.oid = ${oid})`;
    const v11 = version >= 110000;
    const aggregates = await rows(client, `SELECT 'f' || p.oid AS key, n.nspname AS schema, p.proname AS name, p.oid::regprocedure::text AS signature,
            pg_get_function_arguments(p.oid) AS args, a.aggkind AS "aggKind",
            a.aggtransfn::regproc::text AS "transFn", format_type(a.aggtranstype, NULL) AS "transType",
            a.aggtransspace AS "transSpace", ${proc('a.aggfinalfn')} AS "finalFn", a.aggfinalextra AS "finalExtra",
            ${v11 ? 'a.aggfinalmodify' : 'NULL'} AS "finalModify",
            ${proc('a.aggcombinefn')} AS "combineFn", ${proc('a.aggserialfn')} AS "serialFn",
            ${proc('a.aggdeserialfn')} AS "deserialFn", a.agginitval AS "initCond",
            ${proc('a.aggmtransfn')} AS "mTransFn", ${proc('a.aggminvtransfn')} AS "mInvTransFn",
            CASE WHEN a.aggmtranstype <> 0 THEN format_type(a.aggmtranstype, NULL) END AS "mTransType",
            a.aggmtransspace AS "mTransSpace", ${proc('a.aggmfinalfn')} AS "mFinalFn", a.aggmfinalextra AS "mFinalExtra",
            ${v11 ? 'a.aggmfinalmodify' : 'NULL'} AS "mFinalModify", a.aggminitval AS "mInitCond",
            CASE WHEN a.aggsortop <> 0 THEN ${opRef('a.aggsortop')} END AS "sortOp",
            p.proparallel AS parallel, pg_get_userbyid(p.proowner) AS owner, ${ACL('p.proacl')} AS acl,
            obj_description(p.oid, 'pg_proc') AS comment
     FROM pg_proc p JOIN pg_aggregate a ON a.aggfnoid = p.oid JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE p.pronamespace = ANY($1::oid[]) AND p.prokind = 'a' AND ${NOT_EXT('pg_proc', 'p.oid')}
     ORDER BY n.nspname, p.proname, p.oid::regprocedure::text`, [nsp]);
    const operators = await rows(client, `SELECT 'o' || o.oid AS key, n.nspname AS schema, o.oprname AS name, o.oid::regoperator::text AS signature,
            CASE WHEN o.oprleft <> 0 THEN format_type(o.oprleft, NULL) END AS left,
            format_type(o.oprright, NULL) AS right, o.oprcode::regproc::text AS fn,
            CASE WHEN o.oprcom <> 0 THEN ${opRef('o.oprcom')} END AS commutator,
            CASE WHEN o.oprnegate <> 0 THEN ${opRef('o.oprnegate')} END AS negator,
            ${proc('o.oprrest')} AS restrict, ${proc('o.oprjoin')} AS join,
            o.oprcanhash AS hashes, o.oprcanmerge AS merges,
            pg_get_userbyid(o.oprowner) AS owner, obj_description(o.oid, 'pg_operator') AS comment
     FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
     WHERE o.oprnamespace = ANY($1::oid[]) AND o.oprcode <> 0 AND ${NOT_EXT('pg_operator', 'o.oid')}
     ORDER BY n.nspname, o.oprname, o.oid::regoperator::text`, [nsp]);
    // PostgreSQL 17 renamed colliculocale to colllocale (and 16 added collicurules): read whichever this server has.
    const collations = await rows(client, `SELECT 'l' || c.oid AS key, n.nspname AS schema, c.collname AS name, c.collprovider AS provider,
            c.collisdeterministic AS deterministic,
            to_jsonb(c) ->> 'collcollate' AS collate, to_jsonb(c) ->> 'collctype' AS ctype,
            coalesce(to_jsonb(c) ->> 'colllocale', to_jsonb(c) ->> 'colliculocale') AS locale,
            to_jsonb(c) ->> 'collicurules' AS rules,
            pg_get_userbyid(c.collowner) AS owner, obj_description(c.oid, 'pg_collation') AS comment
     FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
     WHERE c.collnamespace = ANY($1::oid[]) AND c.collprovider IN ('c', 'i') AND ${NOT_EXT('pg_collation', 'c.oid')}
     ORDER BY n.nspname, c.collname`, [nsp]);
    const tsDictionaries = await rows(client, `SELECT 'td' || d.oid AS key, n.nspname AS schema, d.dictname AS name,
            quote_ident(tn.nspname) || '.' || quote_ident(t.tmplname) AS template, d.dictinitoption AS options,
            pg_get_userbyid(d.dictowner) AS owner, obj_description(d.oid, 'pg_ts_dict') AS comment
     FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace
     JOIN pg_ts_template t ON t.oid = d.dicttemplate JOIN pg_namespace tn ON tn.oid = t.tmplnamespace
     WHERE d.dictnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_ts_dict', 'd.oid')}
     ORDER BY n.nspname, d.dictname`, [nsp]);
    // Mappings grouped as pg_dump writes them: token types that share the same dictionary list.
    const tsConfigs = await rows(client, `SELECT 'tc' || c.oid AS key, n.nspname AS schema, c.cfgname AS name,
            quote_ident(pn.nspname) || '.' || quote_ident(p.prsname) AS parser,
            coalesce((SELECT json_agg(json_build_object('tokens', g.tokens, 'dictionaries', g.dicts) ORDER BY g.tokens[1])
               FROM (SELECT array_agg(m.alias ORDER BY m.alias) AS tokens, m.dicts
                       FROM (SELECT tt.alias, array_agg(cm.mapdict::regdictionary::text ORDER BY cm.mapseqno) AS dicts
                               FROM pg_ts_config_map cm JOIN ts_token_type(c.cfgparser) tt ON tt.tokid = cm.maptokentype
                              WHERE cm.mapcfg = c.oid GROUP BY tt.alias) m
                      GROUP BY m.dicts) g), '[]'::json) AS mappings,
            pg_get_userbyid(c.cfgowner) AS owner, obj_description(c.oid, 'pg_ts_config') AS comment
     FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
     JOIN pg_ts_parser p ON p.oid = c.cfgparser JOIN pg_namespace pn ON pn.oid = p.prsnamespace
     WHERE c.cfgnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_ts_config', 'c.oid')}
     ORDER BY n.nspname, c.cfgname`, [nsp]);
    // User-defined casts: not built in, not an extension's, not a range or domain's own.
    const casts = await rows(client, `SELECT 'x' || c.oid AS key, format_type(c.castsource, NULL) AS source, format_type(c.casttarget, NULL) AS target,
            c.castmethod AS method, CASE WHEN c.castfunc <> 0 THEN c.castfunc::regprocedure::text END AS fn,
            c.castcontext AS context, obj_description(c.oid, 'pg_cast') AS comment
     FROM pg_cast c
     WHERE c.oid >= 16384 AND ${NOT_EXT('pg_cast', 'c.oid')}
       AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_cast'::regclass AND i.objid = c.oid AND i.deptype = 'i')
     ORDER BY 2, 3`);
    const constraints = await rows(client, `SELECT n.nspname AS schema, t.relname AS table, t.relkind AS "tableKind", c.conname AS name, c.contype AS type,
            pg_get_constraintdef(c.oid) AS def, c.convalidated AS validated, c.conislocal AS "isLocal",
            c.conparentid <> 0 AS "hasParent",
            (SELECT r.relkind FROM pg_class r WHERE r.oid = c.confrelid) AS "referencedKind",
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
                WHEN 'pg_operator'::regclass THEN 'o' || d.objid
                WHEN 'pg_cast'::regclass THEN 'x' || d.objid
                WHEN 'pg_ts_dict'::regclass THEN 'td' || d.objid
                WHEN 'pg_ts_config'::regclass THEN 'tc' || d.objid
              END AS src,
              CASE d.refclassid
                WHEN 'pg_class'::regclass THEN 'c' || d.refobjid
                WHEN 'pg_type'::regclass THEN ${typeKey('d.refobjid')}
                WHEN 'pg_proc'::regclass THEN 'f' || d.refobjid
                WHEN 'pg_constraint'::regclass THEN (SELECT CASE WHEN co.contypid <> 0 THEN ${typeKey('co.contypid')} ELSE 'k' || co.oid END
                                                     FROM pg_constraint co WHERE co.oid = d.refobjid)
                WHEN 'pg_operator'::regclass THEN 'o' || d.refobjid
                WHEN 'pg_cast'::regclass THEN 'x' || d.refobjid
                WHEN 'pg_collation'::regclass THEN 'l' || d.refobjid
                WHEN 'pg_ts_dict'::regclass THEN 'td' || d.refobjid
                WHEN 'pg_ts_config'::regclass THEN 'tc' || d.refobjid
              END AS ref
       FROM pg_depend d
       WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384 AND d.refobjid >= 16384
     ) x WHERE src IS NOT NULL AND ref IS NOT NULL AND src <> ref`);
    const unsupported = [];
    const note = async (what, sql) => {
        for (const r of await rows(client, sql, [nsp]))
            unsupported.push(`${what} ${r.name}`);
    };
    // Kinds the clone cannot recreate, and objects only a superuser may create: blockers.
    const blockers = await (0,ddl_blockers/* readBlockers */.y)(client, nsp);
    await note('event trigger', `SELECT quote_ident(evtname) AS name FROM pg_event_trigger e WHERE $1::oid[] IS NOT NULL AND ${NOT_EXT('pg_event_trigger', 'e.oid')}`);
    await note('publication', `SELECT quote_ident(pubname) AS name FROM pg_publication WHERE $1::oid[] IS NOT NULL`);
    await note('default privileges of role', `SELECT DISTINCT pg_get_userbyid(defaclrole) AS name FROM pg_default_acl WHERE $1::oid[] IS NOT NULL`);
    for (const r of relations) {
        if (r.kind === 'f')
            unsupported.push(`foreign table ${r.schema}.${r.name} (not cloned)`);
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
        aggregates,
        operators,
        collations,
        tsDictionaries,
        tsConfigs,
        casts,
        constraints: keep(constraints),
        indexes: left.size === 0 ? indexes : indexes.filter((i) => !isLeftOut(i.table.schema, i.table.name)),
        triggers: keep(triggers),
        rules: keep(rules),
        policies: keep(policies),
        statistics,
        edges: edgeRows.map((e) => [e.src, e.ref]),
        unsupported,
        blockers,
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
/** Kinds whose built-in default ACL gives PUBLIC nothing. */
const CLOSED_BY_DEFAULT = new Set(['TABLE', 'SEQUENCE', 'SCHEMA']);
/**
 * GRANTs reproducing `acl` on the object, remapped. A null ACL means the built-in defaults; the
 * new object has them unless the creating role's default privileges (ALTER DEFAULT PRIVILEGES …
 * TO PUBLIC, per database: in the shared database at schema level) added some, so PUBLIC's are
 * revoked where the built-in default gives it nothing (a function's EXECUTE and a type's USAGE
 * are PUBLIC's by default, and stay). Otherwise PUBLIC's defaults are revoked first so the
 * result is exactly the source's entries; the source owner's own entries are skipped (the
 * new owner has them by ownership).
 */
function grantStatements(kind, object, acl, owner, roleMap, columns) {
    if (acl === null)
        return !columns && CLOSED_BY_DEFAULT.has(kind) ? [`REVOKE ALL ON ${kind} ${object} FROM PUBLIC`] : [];
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
    // A range's constructor functions are left as CREATE TYPE makes them: PostgreSQL (15 to 18)
    // gives them to the bootstrap superuser, on the shared server as on the target, and a
    // non-superuser admin may not change that ("must be owner of function").
    out.push(`ALTER ${word} ${name} OWNER TO ${qi(o.ownerRole)}`);
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
const FINAL_MODIFY = { r: 'READ_ONLY', s: 'SHAREABLE', w: 'READ_WRITE' };
const PARALLEL = { s: 'SAFE', r: 'RESTRICTED' };
/** `name(args)` of an aggregate for ALTER/COMMENT: a zero-argument aggregate is written `(*)`. */
function aggregateSignature(a) {
    return `${qn(a.schema, a.name)}(${a.args || '*'})`;
}
/**
 * CREATE AGGREGATE from pg_aggregate, as pg_dump writes it: support functions by name (they are
 * resolved by argument types), states by type, initial conditions as literals.
 */
function aggregateStatements(a, o) {
    const parts = [`SFUNC = ${a.transFn}`, `STYPE = ${a.transType}`];
    if (a.transSpace)
        parts.push(`SSPACE = ${a.transSpace}`);
    if (a.finalFn) {
        parts.push(`FINALFUNC = ${a.finalFn}`);
        if (a.finalExtra)
            parts.push('FINALFUNC_EXTRA');
        if (a.finalModify && FINAL_MODIFY[a.finalModify])
            parts.push(`FINALFUNC_MODIFY = ${FINAL_MODIFY[a.finalModify]}`);
    }
    if (a.combineFn)
        parts.push(`COMBINEFUNC = ${a.combineFn}`);
    if (a.serialFn)
        parts.push(`SERIALFUNC = ${a.serialFn}`);
    if (a.deserialFn)
        parts.push(`DESERIALFUNC = ${a.deserialFn}`);
    if (a.initCond != null)
        parts.push(`INITCOND = ${lit(a.initCond)}`);
    if (a.mTransFn) {
        parts.push(`MSFUNC = ${a.mTransFn}`, `MINVFUNC = ${a.mInvTransFn}`, `MSTYPE = ${a.mTransType}`);
        if (a.mTransSpace)
            parts.push(`MSSPACE = ${a.mTransSpace}`);
        if (a.mFinalFn) {
            parts.push(`MFINALFUNC = ${a.mFinalFn}`);
            if (a.mFinalExtra)
                parts.push('MFINALFUNC_EXTRA');
            if (a.mFinalModify && FINAL_MODIFY[a.mFinalModify])
                parts.push(`MFINALFUNC_MODIFY = ${FINAL_MODIFY[a.mFinalModify]}`);
        }
        if (a.mInitCond != null)
            parts.push(`MINITCOND = ${lit(a.mInitCond)}`);
    }
    if (a.sortOp)
        parts.push(`SORTOP = ${a.sortOp}`);
    if (PARALLEL[a.parallel])
        parts.push(`PARALLEL = ${PARALLEL[a.parallel]}`);
    if (a.aggKind === 'h')
        parts.push('HYPOTHETICAL');
    const sig = aggregateSignature(a);
    return [
        `CREATE AGGREGATE ${sig} (${parts.join(', ')})`,
        `ALTER AGGREGATE ${sig} OWNER TO ${qi(o.ownerRole)}`,
        // GRANT … ON FUNCTION covers aggregates (there is no GRANT … ON AGGREGATE).
        ...grantStatements('FUNCTION', a.signature, a.acl, a.owner, o.roleMap),
        ...commentOn(`AGGREGATE ${sig}`, a.comment),
    ];
}
/** An operator's symbol: only these characters (the catalog is trusted, but it is spliced in). */
const OPERATOR_SYMBOL = /^[+\-*/<>=~!@#%^&|`?]{1,63}$/;
function operatorStatements(op, o) {
    if (!OPERATOR_SYMBOL.test(op.name))
        throw new Error(`unexpected operator name ${JSON.stringify(op.name)}`);
    const parts = [`FUNCTION = ${op.fn}`];
    if (op.left)
        parts.push(`LEFTARG = ${op.left}`);
    parts.push(`RIGHTARG = ${op.right}`);
    // A commutator or negator not created yet is made a shell here and filled in by its own CREATE.
    if (op.commutator)
        parts.push(`COMMUTATOR = ${op.commutator}`);
    if (op.negator)
        parts.push(`NEGATOR = ${op.negator}`);
    if (op.restrict)
        parts.push(`RESTRICT = ${op.restrict}`);
    if (op.join)
        parts.push(`JOIN = ${op.join}`);
    if (op.hashes)
        parts.push('HASHES');
    if (op.merges)
        parts.push('MERGES');
    return [
        `CREATE OPERATOR ${qi(op.schema)}.${op.name} (${parts.join(', ')})`,
        `ALTER OPERATOR ${op.signature} OWNER TO ${qi(o.ownerRole)}`,
        ...commentOn(`OPERATOR ${op.signature}`, op.comment),
    ];
}
function collationStatements(c, o) {
    const name = qn(c.schema, c.name);
    const parts = c.provider === 'i'
        ? ['PROVIDER = icu', `LOCALE = ${lit(c.locale ?? '')}`]
        : ['PROVIDER = libc', `LC_COLLATE = ${lit(c.collate ?? '')}`, `LC_CTYPE = ${lit(c.ctype ?? '')}`];
    if (!c.deterministic)
        parts.push('DETERMINISTIC = false');
    if (c.rules != null)
        parts.push(`RULES = ${lit(c.rules)}`);
    return [
        `CREATE COLLATION ${name} (${parts.join(', ')})`,
        `ALTER COLLATION ${name} OWNER TO ${qi(o.ownerRole)}`,
        ...commentOn(`COLLATION ${name}`, c.comment),
    ];
}
function tsDictionaryStatements(d, o) {
    const name = qn(d.schema, d.name);
    return [
        `CREATE TEXT SEARCH DICTIONARY ${name} (TEMPLATE = ${d.template}${d.options ? `, ${d.options}` : ''})`,
        `ALTER TEXT SEARCH DICTIONARY ${name} OWNER TO ${qi(o.ownerRole)}`,
        ...commentOn(`TEXT SEARCH DICTIONARY ${name}`, d.comment),
    ];
}
/** As pg_dump: the parser alone (no mappings), then one ADD MAPPING per list of dictionaries. */
function tsConfigStatements(c, o) {
    const name = qn(c.schema, c.name);
    return [
        `CREATE TEXT SEARCH CONFIGURATION ${name} (PARSER = ${c.parser})`,
        ...c.mappings.map((m) => `ALTER TEXT SEARCH CONFIGURATION ${name} ADD MAPPING FOR ${m.tokens.map(qi).join(', ')} WITH ${m.dictionaries.join(', ')}`),
        `ALTER TEXT SEARCH CONFIGURATION ${name} OWNER TO ${qi(o.ownerRole)}`,
        ...commentOn(`TEXT SEARCH CONFIGURATION ${name}`, c.comment),
    ];
}
function castStatements(c) {
    const how = c.method === 'f' ? `WITH FUNCTION ${c.fn}` : c.method === 'i' ? 'WITH INOUT' : 'WITHOUT FUNCTION';
    const context = c.context === 'a' ? ' AS ASSIGNMENT' : c.context === 'i' ? ' AS IMPLICIT' : '';
    const cast = `(${c.source} AS ${c.target})`;
    return [`CREATE CAST ${cast} ${how}${context}`, ...commentOn(`CAST ${cast}`, c.comment)];
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
        sql += c.notNullName ? ` CONSTRAINT ${qi(c.notNullName)} NOT NULL` : ' NOT NULL';
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
    // Aggregates, operators and casts over those functions and types; views, defaults and index
    // expressions that use them come after them (pg_depend edges), or after the data.
    for (const a of cat.aggregates) {
        nodes.push({ key: a.key, rank: 3, name: a.signature, statements: aggregateStatements(a, o) });
    }
    for (const op of cat.operators) {
        nodes.push({ key: op.key, rank: 3, name: op.signature, statements: operatorStatements(op, o) });
    }
    for (const c of cat.collations) {
        nodes.push({ key: c.key, rank: 0, name: `${c.schema}.${c.name}`, statements: collationStatements(c, o) });
    }
    for (const d of cat.tsDictionaries) {
        nodes.push({
            key: d.key,
            rank: 0,
            name: `${d.schema}.${d.name}`,
            statements: tsDictionaryStatements(d, o),
        });
    }
    for (const c of cat.tsConfigs) {
        nodes.push({ key: c.key, rank: 0, name: `${c.schema}.${c.name}`, statements: tsConfigStatements(c, o) });
    }
    for (const c of cat.casts) {
        nodes.push({ key: c.key, rank: 3, name: `${c.source} AS ${c.target}`, statements: castStatements(c) });
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
    // The statements go into stages (AfterDataStage): units of a parallel stage are keyed by the
    // table whose data they read, and hold only statements that lock that table alone (or, for a
    // foreign key, read-lock the table it references), so units of one stage never wait for each
    // other in a cycle. Whatever recurses over an inheritance tree or locks two tables strongly
    // stays in a serial stage, in the order the single-session script always had.
    const stages = [];
    const stage = (label) => {
        const units = new Map();
        stages.push({ label, units });
        /** Appends to the unit of `table`, or to the stage's one serial unit. */
        return (table, ...sql) => {
            const key = table ? `${table.schema}\u0000${table.name}` : '';
            const unit = units.get(key) ?? { table, sql: [] };
            units.set(key, unit);
            unit.sql.push(...sql);
        };
    };
    const isPartitioned = (schema, name) => relByName.get(`${schema}\u0000${name}`)?.kind === 'p';
    // Tables in an inheritance tree (partitions included): ALTER TABLE without ONLY recurses there.
    const inTree = new Set();
    for (const r of cat.relations)
        for (const p of r.parents) {
            inTree.add(`${r.schema}\u0000${r.name}`);
            inTree.add(`${p.schema}\u0000${p.name}`);
        }
    // 1. Keys and exclusion constraints, then other indexes, then partition indexes attached. A
    // partitioned table's own keys and indexes (ON ONLY: no data, nothing built) come first, on one
    // session; then every table's keys and indexes, a unit per table — the builds that read the
    // data, at once (CREATE INDEX and ADD PRIMARY KEY lock only their own table).
    const keys = byDepth(cat.constraints.filter((c) => c.type === 'p' || c.type === 'u' || c.type === 'x'));
    const indexes = [...cat.indexes].sort((a, b) => a.depth - b.depth);
    const partitionedKeys = stage('keys and indexes of partitioned tables');
    const tableKeys = stage('keys and indexes');
    for (const c of keys) {
        const table = qn(c.schema, c.table);
        const add = isPartitioned(c.schema, c.table) ? partitionedKeys : tableKeys;
        add(isPartitioned(c.schema, c.table) ? undefined : { schema: c.schema, name: c.table }, `ALTER TABLE ONLY ${table} ADD CONSTRAINT ${qi(c.name)} ${c.def}`, ...commentOn(`CONSTRAINT ${qi(c.name)} ON ${table}`, c.comment));
    }
    for (const i of indexes) {
        if (i.constraintBacked)
            continue;
        const partitioned = isPartitioned(i.table.schema, i.table.name);
        (partitioned ? partitionedKeys : tableKeys)(partitioned ? undefined : i.table, i.def, ...commentOn(`INDEX ${qn(i.schema, i.name)}`, i.comment));
    }
    const attach = stage('partition indexes attached');
    for (const i of [...cat.indexes].sort((a, b) => b.depth - a.depth)) {
        if (i.parent)
            attach(undefined, `ALTER INDEX ${qn(i.parent.schema, i.parent.name)} ATTACH PARTITION ${qn(i.schema, i.name)}`);
    }
    for (const i of cat.indexes) {
        const table = qn(i.table.schema, i.table.name);
        if (i.clustered)
            attach(undefined, `ALTER TABLE ${table} CLUSTER ON ${qi(i.name)}`);
        if (i.replicaIdentity)
            attach(undefined, `ALTER TABLE ONLY ${table} REPLICA IDENTITY USING INDEX ${qi(i.name)}`);
    }
    // 2. Checks: added on the topmost table and inherited downwards, as in the source. A unit per
    // table outside any inheritance tree; those in one share a unit (the ALTER recurses).
    const checkNames = new Set(cat.constraints.filter((c) => c.type === 'c').map((c) => `${c.schema}\u0000${c.table}\u0000${c.name}`));
    const checks = stage('checks');
    for (const c of byDepth(cat.constraints.filter((c) => c.type === 'c' && c.isLocal))) {
        const r = relByName.get(`${c.schema}\u0000${c.table}`);
        if (r?.parents.some((p) => checkNames.has(`${p.schema}\u0000${p.name}\u0000${c.name}`)))
            continue;
        const table = qn(c.schema, c.table);
        checks(inTree.has(`${c.schema}\u0000${c.table}`) ? undefined : { schema: c.schema, name: c.table }, `ALTER TABLE ${table} ADD CONSTRAINT ${qi(c.name)} ${c.def}`, ...commentOn(`CONSTRAINT ${qi(c.name)} ON ${table}`, c.comment));
    }
    // 3. Foreign keys: NOT VALID (no data read) on one session, then VALIDATE, a unit per
    // referencing table: VALIDATE takes SHARE UPDATE EXCLUSIVE on its table and ROW SHARE on the
    // referenced one, which only EXCLUSIVE locks conflict with. Partitioned tables cannot take NOT
    // VALID keys, and a key that references a partitioned table would stay NOT VALID on the
    // referenced partitions after VALIDATE (PostgreSQL 15 validates only the parent constraint):
    // those are added validated, in one unit of their own, as they lock both tables in SHARE ROW
    // EXCLUSIVE (two such at once could wait for each other).
    const addKeys = stage('foreign keys added');
    const validate = stage('foreign keys validated');
    const partitionedFks = { schema: '', name: '' };
    for (const c of cat.constraints.filter((c) => c.type === 'f' && !c.hasParent)) {
        const table = qn(c.schema, c.table);
        const comment = commentOn(`CONSTRAINT ${qi(c.name)} ON ${table}`, c.comment);
        if (c.tableKind === 'p' || (c.validated && c.referencedKind === 'p')) {
            const only = c.tableKind === 'p' ? '' : 'ONLY ';
            validate(partitionedFks, `ALTER TABLE ${only}${table} ADD CONSTRAINT ${qi(c.name)} ${c.def}`, ...comment);
        }
        else if (c.validated) {
            addKeys(undefined, `ALTER TABLE ONLY ${table} ADD CONSTRAINT ${qi(c.name)} ${c.def} NOT VALID`);
            validate({ schema: c.schema, name: c.table }, `ALTER TABLE ONLY ${table} VALIDATE CONSTRAINT ${qi(c.name)}`, ...comment);
        }
        else {
            addKeys(undefined, `ALTER TABLE ONLY ${table} ADD CONSTRAINT ${qi(c.name)} ${c.def}`, ...comment);
        }
    }
    const rest = stage('views that need a key, triggers, rules, statistics, row security');
    // 4. Objects that waited for constraints.
    for (const n of ordered)
        if (deferred.has(n.key))
            rest(undefined, ...n.statements);
    // 5. Triggers and rules, now that the data is in (COPY would have fired them).
    for (const t of cat.triggers) {
        const table = qn(t.schema, t.table);
        rest(undefined, t.def);
        if (ENABLE_TRIGGER[t.enabled])
            rest(undefined, `ALTER TABLE ${table} ${ENABLE_TRIGGER[t.enabled]} TRIGGER ${qi(t.name)}`);
        rest(undefined, ...commentOn(`TRIGGER ${qi(t.name)} ON ${table}`, t.comment));
    }
    for (const r of cat.rules) {
        const table = qn(r.schema, r.table);
        rest(undefined, stripSemicolon(r.def));
        if (ENABLE_TRIGGER[r.enabled])
            rest(undefined, `ALTER TABLE ${table} ${ENABLE_TRIGGER[r.enabled]} RULE ${qi(r.name)}`);
        rest(undefined, ...commentOn(`RULE ${qi(r.name)} ON ${table}`, r.comment));
    }
    // 6. Extended statistics, sequence ownership, materialized view contents.
    for (const s of cat.statistics) {
        const name = qn(s.schema, s.name);
        rest(undefined, s.def, `ALTER STATISTICS ${name} OWNER TO ${qi(o.ownerRole)}`, ...commentOn(`STATISTICS ${name}`, s.comment));
    }
    for (const s of cat.sequences) {
        if (s.ownedKind !== 'a' || !s.ownedBy)
            continue;
        rest(undefined, `ALTER SEQUENCE ${qn(s.schema, s.name)} OWNED BY ${qn(s.ownedBy.schema, s.ownedBy.table)}.${qi(s.ownedBy.column)}`);
    }
    const matviews = new Map(cat.relations.filter((r) => r.kind === 'm' && r.populated).map((r) => [r.key, r]));
    for (const n of ordered) {
        const m = matviews.get(n.key);
        if (m)
            rest(undefined, `REFRESH MATERIALIZED VIEW ${qn(m.schema, m.name)}`);
    }
    // 7. Row-level security last: COPY FROM refuses a table whose RLS applies to the copying role
    // (any role but a superuser or BYPASSRLS), so the flags are set once the data is in. The
    // policies themselves were created before the data.
    for (const r of cat.relations) {
        const name = qn(r.schema, r.name);
        if (r.rowSecurity)
            rest(undefined, `ALTER TABLE ONLY ${name} ENABLE ROW LEVEL SECURITY`);
        if (r.forceRowSecurity)
            rest(undefined, `ALTER TABLE ONLY ${name} FORCE ROW LEVEL SECURITY`);
    }
    // Flattened: afterData lists every statement, stage after stage and unit after unit.
    const afterData = [];
    const afterDataStages = [];
    for (const { label, units } of stages) {
        const placed = [...units.values()]
            .filter((u) => u.sql.length > 0)
            .map((u) => ({
            ...(u.table?.name ? { table: u.table } : {}),
            statements: u.sql.map((sql) => afterData.push(sql) - 1),
        }));
        if (placed.length)
            afterDataStages.push({ label, units: placed });
    }
    return { beforeData: before, afterData, afterDataStages, unsupported, blockers: cat.blockers };
}

// EXTERNAL MODULE: ./src/postgres/ddl/translate.ts
var translate = __webpack_require__(86170);
// EXTERNAL MODULE: ./src/postgres/sequence-ranges.ts
var sequence_ranges = __webpack_require__(78569);
// EXTERNAL MODULE: ./src/postgres/schema-layout.ts + 1 modules
var schema_layout = __webpack_require__(31686);
;// CONCATENATED MODULE: ./src/postgres/schema-clone.ts







const MAX_IDENTIFIER_BYTES = 63;
function checkRoleName(role, what) {
    if (!role || role.includes('\u0000') || Buffer.byteLength(role) > MAX_IDENTIFIER_BYTES) {
        throw new errors/* InputError */.dz(`The ${what} "${role}" is not a valid PostgreSQL role name.`, `Use a non-empty name of at most ${MAX_IDENTIFIER_BYTES} bytes.`);
    }
}
/** Reads the source's catalog and returns DDL statements. Pure generation after the catalog read. */
async function buildSchemaScript(source, options) {
    return scriptFor(await readSourceCatalog(source, options.leaveOut), options);
}
/** The source's catalog as the clone sees it (without the tables the plan leaves out). */
async function readSourceCatalog(source, leaveOut = []) {
    try {
        return await readCatalog(source, new Set(leaveOut.map((t) => `${t.schema}.${t.name}`)));
    }
    catch (e) {
        throw new errors/* PromotionError */.g1('database', `Could not read the shared database's catalog: ${e.message}`, 'The connecting role needs to read pg_catalog (it does by default); check the connection.', { cause: e });
    }
}
/** The DDL of a catalog for one owner and role map (pure). */
function scriptFor(catalog, options) {
    checkRoleName(options.ownerRole, 'owner role');
    for (const [from, to] of options.roleMap) {
        checkRoleName(from, 'source role');
        checkRoleName(to, 'target role');
    }
    const { catalog: translated, translations } = (0,translate/* translateCatalog */.qK)(catalog, options.targetVersion);
    const at = options.schemaLayout;
    if (!at)
        return { ...generateScript(translated, options), translations };
    // Schema level: the schemas renamed in the model, then every qualified name of the tenant's
    // objects in the deparsed text (bodies and literals untouched: schemaRefusals refuses bodies
    // that name a source schema).
    const script = generateScript((0,schema_layout/* mapCatalog */.uO)(translated, at.layout, at.into), options);
    const beforeData = (0,schema_layout/* mapScriptStatements */.or)(script.beforeData, translated, at.layout);
    const afterData = (0,schema_layout/* mapScriptStatements */.or)(script.afterData, translated, at.layout);
    const left = (0,schema_layout/* unmappedNames */.pP)([...beforeData, ...afterData], translated, at.layout);
    if (left.length)
        throw new errors/* PromotionError */.g1('internal', `The clone into the tenant's schemas still names ${left.slice(0, 10).join(', ')} in a source schema; nothing was created.`, 'Report this with the object named: the schema mapping does not cover how PostgreSQL writes it.');
    return { ...script, beforeData, afterData, translations, searchPath: at.layout.searchPath };
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
/** What a failed apply leaves, said in its hint (a rehearsal says its own). */
const APPLY_UNDO = 'The phase was rolled back; the run undoes the new database.';
/**
 * The hint of a failed clone statement, by the error's SQLSTATE: a name already taken (the
 * target is not empty), a missing role, data the tenant's rows do not satisfy, an object the
 * statement depends on that the clone did not create — each with the object it concerns;
 * anything else names the statement.
 */
function cloneFailureHint(err, sql, index, total, undo = APPLY_UNDO) {
    const code = err.code ?? '';
    const named = statementObject(sql);
    const object = named ?? `the object of statement ${index} of ${total}`;
    const The = named ? `The ${named}` : `The object of statement ${index} of ${total}`;
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
        return `${The} depends on ${missing}, which the clone did not create (an object it cannot recreate — see the notes — or one of an extension that is not installed on the target). ${undo} Drop or recreate that dependency in the shared database (or remove ${object}), then re-run.`;
    }
    return `Statement ${index} of ${total}${named ? ` (${named})` : ''} failed on the target database${code ? ` with SQLSTATE ${code}` : ''}. ${undo} The message above names the cause.`;
}
/**
 * Runs statements in order on the target, in one transaction (DDL is transactional in
 * PostgreSQL: a failure leaves the target as it was before this phase). Function bodies are not
 * checked at creation (as pg_dump restores them), since they may name objects created later.
 * On error throws PromotionError('database') naming the statement's object.
 */
async function applyStatements(target, statements, 
/** What the failure leaves behind, for the hint (default: the phase rolled back, the run undoes). */
undo = APPLY_UNDO, 
/**
 * Schema level: the tenant's search_path (SchemaScript.searchPath). Function bodies that run
 * during the apply (a REFRESH, an index expression, a check) then find the tenant's tables by
 * their bare names — with the default path, in the shared database, they would read the
 * shared ones into the tenant's objects.
 */
searchPath, 
/**
 * `rollback`: a rehearsal in the shared database itself — everything applied, then rolled
 * back, so no other session ever sees it. `lockTimeoutMs` then bounds any wait for a lock.
 */
opts = {}) {
    if (statements.length === 0)
        return;
    const total = opts.total ?? statements.length;
    const position = (i) => (opts.positions?.[i] ?? i) + 1;
    const stopped = () => {
        if (opts.stop?.aborted)
            throw new AfterDataStopped();
    };
    await target.query('BEGIN');
    try {
        if (opts.lockTimeoutMs !== undefined)
            await target.query(`SELECT set_config('lock_timeout', $1, true)`, [`${opts.lockTimeoutMs}ms`]);
        await target.query(`SET LOCAL check_function_bodies = off`);
        // The generated DDL is fully qualified; this path only matters to function bodies that run
        // during the apply (index expressions, checks, REFRESH), which the application wrote for it.
        if (searchPath?.length)
            await target.query(`SELECT set_config('search_path', $1, true)`, [
                searchPath.map((s) => esm/* default.escapeIdentifier */.Ay.escapeIdentifier(s)).join(', '),
            ]);
        else
            await target.query(`SET LOCAL search_path = "$user", public`);
        // Statements go in batches (one round trip each); a failing batch is rolled back to its
        // savepoint and replayed one statement at a time, so the error still names the statement.
        for (let start = 0; start < statements.length; start += APPLY_BATCH) {
            const batch = statements.slice(start, start + APPLY_BATCH);
            stopped();
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
                stopped();
                try {
                    await target.query(sql);
                }
                catch (e) {
                    const err = e;
                    throw new errors/* PromotionError */.g1('database', `Cloning the schema failed at statement ${position(start + j)} of ${total} (${describeStatement(sql)}): ${err.message}${err.detail ? ` (${err.detail})` : ''}`, cloneFailureHint(err, sql, position(start + j), total, undo), { cause: e });
                }
            }
        }
        await target.query(opts.end === 'rollback' ? 'ROLLBACK' : 'COMMIT');
    }
    catch (e) {
        await target.query('ROLLBACK').catch(() => undefined);
        throw e;
    }
}
/** A unit given up because another one failed (its own error, if any, is not the cause). */
class AfterDataStopped extends Error {
    constructor() {
        super('stopped: another statement of the phase failed');
    }
}
/**
 * Applies the after-data phase (SchemaScript.afterDataStages) on the given sessions, all on the
 * target: stages in order; within a stage, each session takes the next unit, largest table
 * first (`tableBytes`), so the builds that read most data start first and the others fill in
 * beside them. Every unit is its own transaction (applyStatements): a failed unit is rolled
 * back, the statements other sessions are running are cancelled and no further unit starts;
 * the error is the failed statement's, numbered in afterData. What other units committed stays
 * for the step's undo, which drops the database (or, schema level, the tenant's schemas).
 * `onStage` hears each stage's label and time, for the log.
 */
async function applyAfterData(sessions, script, opts = {}) {
    if (sessions.length === 0)
        throw new Error('applyAfterData needs a session');
    const pids = await Promise.all(sessions.map(async (s) => (await s.query('SELECT pg_backend_pid() AS pid')).rows[0].pid));
    const total = script.afterData.length;
    const bytes = (u) => (u.table && opts.tableBytes?.get(`${u.table.schema}.${u.table.name}`)) ?? 0;
    for (const stage of script.afterDataStages) {
        const started = Date.now();
        // Stable: units of equal (or unknown) size keep the script's order.
        const queue = stage.units.map((u, i) => ({ u, i })).sort((a, b) => bytes(b.u) - bytes(a.u) || a.i - b.i);
        const stop = new AbortController();
        const busy = new Set();
        let failure;
        const worker = async (w) => {
            for (let next = queue.shift(); next && !stop.signal.aborted; next = queue.shift()) {
                busy.add(w);
                try {
                    await applyStatements(sessions[w], next.u.statements.map((i) => script.afterData[i]), undefined, script.searchPath, { stop: stop.signal, positions: next.u.statements, total });
                }
                catch (e) {
                    busy.delete(w);
                    if (stop.signal.aborted)
                        return; // cancelled because another unit failed
                    failure = e;
                    stop.abort();
                    // This session is idle again (its unit rolled back): it cancels the others' statements.
                    const running = [...busy].map((b) => pids[b]);
                    if (running.length)
                        await sessions[w].query('SELECT pg_catalog.pg_cancel_backend(pid) FROM unnest($1::int[]) pid', [
                            running,
                        ]).catch(() => undefined);
                    return;
                }
                busy.delete(w);
            }
        };
        await Promise.all(sessions.slice(0, Math.min(sessions.length, stage.units.length)).map((_, w) => worker(w)));
        if (failure !== undefined)
            throw failure;
        opts.onStage?.(stage.label, stage.units.length, Date.now() - started);
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
async function syncSequences(source, target, 
/** Schema level: target schema → the source schema it was mapped from (the shared side's name). */
sourceSchemas) {
    // Schema level: the tenant's schemas only (in the shared database the shared ones are beside them).
    const sequences = await (0,sequence_ranges/* readSequences */.lu)(target, sourceSchemas && [...sourceSchemas.keys()]);
    const result = [];
    for (const s of sequences) {
        const name = schema_clone_qn(s.schema, s.name);
        const sourceSchema = sourceSchemas?.get(s.schema) ?? s.schema;
        const sourceName = schema_clone_qn(sourceSchema, s.name);
        const ascending = s.increment > 0n;
        const pick = ascending ? bigMax : bigMin;
        // Values the sync may follow: for an ascending sequence, those below the tenants' zone.
        const zone = ascending ? (0,sequence_ranges/* zoneStartOf */.cf)(s.type) : null;
        const follow = (v) => zone === null || v < zone;
        const own = s.lastValue;
        let want = own;
        const exists = await source.query(`SELECT pg_catalog.to_regclass($1)::text AS r`, [
            sourceName,
        ]);
        if (exists.rows[0]?.r) {
            // pg_sequences needs USAGE (what a managed admin is granted), not SELECT on the sequence;
            // last_value is NULL until the sequence is first used (or when even USAGE is missing —
            // prevalidation names that grant).
            const src = await source.query(`SELECT last_value::text AS last_value FROM pg_catalog.pg_sequences WHERE schemaname = $1 AND sequencename = $2`, [sourceSchema, s.name]);
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

/***/ 19322:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   E0: () => (/* binding */ toolSchemaMarker),
/* harmony export */   Lv: () => (/* binding */ revokeSharedGrants),
/* harmony export */   TS: () => (/* binding */ createTenantSchemas),
/* harmony export */   qG: () => (/* binding */ leftTenantSchemas),
/* harmony export */   yA: () => (/* binding */ dropTenantSchemas)
/* harmony export */ });
/* unused harmony export schemasOwnedBy */
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83916);
/* harmony import */ var _ownership__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6922);
/* harmony import */ var _roles__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(55502);
/* harmony import */ var _shared_large_objects__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(64669);
/* harmony import */ var _sql__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(75259);






const qi = pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier;
/** Creates the schemas, marked as this run's; in the caller's transaction. */
async function createTenantSchemas(client, at, source, claim) {
    await client.query(`CREATE SCHEMA ${qi(at.toolSchema)}`);
    await (0,_sql__WEBPACK_IMPORTED_MODULE_5__/* .commentOn */ .Jt)(client, 'SCHEMA', at.toolSchema, (0,_roles__WEBPACK_IMPORTED_MODULE_3__/* .markerText */ .U7)({ ...source, purpose: 'schema', attempt: claim.id }));
    await (0,_ownership__WEBPACK_IMPORTED_MODULE_2__/* .writeRunMarker */ .Rj)(client, claim, at.toolSchema);
    for (const s of at.schemas)
        await client.query(`CREATE SCHEMA ${qi(s)} AUTHORIZATION ${qi(at.ownerRole)}`);
}
/** The tool schema's marker, if it exists. */
async function toolSchemaMarker(client, toolSchema) {
    const { rows } = await client.query(`SELECT obj_description(oid, 'pg_namespace') AS comment FROM pg_namespace WHERE nspname = $1`, [toolSchema]);
    if (rows.length === 0)
        return { exists: false };
    return { exists: true, marker: (0,_roles__WEBPACK_IMPORTED_MODULE_3__/* .parseMarker */ .gY)(rows[0].comment) };
}
/** The schemas `ownerRole` owns in the database the client is on (none when it does not exist). */
async function schemasOwnedBy(client, ownerRole) {
    const { rows } = await client.query(`SELECT n.nspname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE r.rolname = $1 ORDER BY 1`, [ownerRole]);
    return rows.map((r) => r.nspname);
}
/**
 * What an earlier run of this tenant left in the shared database: its tool schema and the
 * schemas its owner role holds. Refuses (changing nothing) a tool schema or an owner role of
 * that name this tool did not make for this tenant of this shared database.
 */
async function leftTenantSchemas(client, at, source) {
    const tool = await toolSchemaMarker(client, at.toolSchema);
    if (tool.exists && !(0,_roles__WEBPACK_IMPORTED_MODULE_3__/* .fromSource */ .qe)(tool.marker, source))
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('tenant-state', `Schema "${at.toolSchema}" exists in the shared database and was not created by this tool for tenant "${source.slug}" of "${source.sourceDatabase}"; it was left alone, nothing was created.`, 'Never overwritten: inspect it, then rename or drop it by hand and re-run.');
    const owner = await (0,_roles__WEBPACK_IMPORTED_MODULE_3__/* .roleComment */ .KF)(client, at.ownerRole);
    const owned = owner.exists && (0,_roles__WEBPACK_IMPORTED_MODULE_3__/* .fromSource */ .qe)(owner.marker, source) ? await schemasOwnedBy(client, at.ownerRole) : [];
    return [...(tool.exists ? [at.toolSchema] : []), ...owned];
}
/**
 * Drops the tenant's schemas (every schema its owner role holds, with what is in them) and its
 * tool schema; in the caller's transaction, which has proved it may (the tenant's claim, and for
 * an undo the run marker: only this attempt's schemas go). The owner role must be ours (its
 * marker) — a schema owned by anyone else is never dropped. Returns what was dropped.
 */
async function dropTenantSchemas(client, at, source) {
    const left = await leftTenantSchemas(client, at, source);
    for (const s of left)
        await client.query(`DROP SCHEMA IF EXISTS ${qi(s)} CASCADE`);
    return left;
}
/**
 * Before the tenant's roles are dropped: what they were granted in the shared database (CONNECT,
 * USAGE on the extensions' schemas) and the application role's search_path there. DROP ROLE
 * refuses a role that still holds privileges; at database level they went with the database.
 */
async function revokeSharedGrants(client, roles) {
    for (const role of roles) {
        const exists = await client.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role]);
        if (!exists.rowCount)
            continue;
        await client.query(`REVOKE ALL ON DATABASE ${qi(await currentDatabase(client))} FROM ${qi(role)}`);
        const { rows } = await client.query(`SELECT DISTINCT n.nspname FROM pg_namespace n, aclexplode(n.nspacl) a
        WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1) ORDER BY 1`, [role]);
        for (const { nspname } of rows)
            await client.query(`REVOKE ALL ON SCHEMA ${qi(nspname)} FROM ${qi(role)}`);
    }
    // Large objects it was granted in place (schema level into the shared database).
    await (0,_shared_large_objects__WEBPACK_IMPORTED_MODULE_4__/* .revokeLargeObjectGrants */ .ou)(client, roles);
}
async function currentDatabase(client) {
    return (await client.query('SELECT current_database() AS db')).rows[0].db;
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
    const [schema, table] = (0,_sql__WEBPACK_IMPORTED_MODULE_2__/* .splitQualified */ .T0)(tenantsTable);
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
    const table = (0,_sql__WEBPACK_IMPORTED_MODULE_2__/* .quoteQualified */ .$s)(tenantsTable);
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
    const table = (0,_sql__WEBPACK_IMPORTED_MODULE_2__/* .quoteQualified */ .$s)(tenantsTable);
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