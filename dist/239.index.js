"use strict";
exports.id = 239;
exports.ids = [239];
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

/***/ 44224:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Nd: () => (/* binding */ adoptSwitchedPlanOptions),
/* harmony export */   Nw: () => (/* binding */ PlanOptionsRecord),
/* harmony export */   jC: () => (/* binding */ recordPlanOptions)
/* harmony export */ });
/* unused harmony exports withRecordedPlanOptions, switchedPlanOptions */
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
/* harmony export */   PS: () => (/* binding */ buildLoadBalancerConfig),
/* harmony export */   iO: () => (/* binding */ schemaRouting),
/* harmony export */   vg: () => (/* binding */ routingPaths)
/* harmony export */ });
/* unused harmony exports RoutingConfig, LoadBalancerConfig */
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

/***/ 95136:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Qp: () => (/* binding */ parseIsolation),
/* harmony export */   ol: () => (/* binding */ MIGRATION_VERSION),
/* harmony export */   qk: () => (/* binding */ SequenceRangeRecord)
/* harmony export */ });
/* unused harmony exports HistoryEntry, CredentialsChannel, CredentialsRecord, IsolationState, IsolationSettings */
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

/***/ 52593:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   GE: () => (/* binding */ hashLargeObjects),
/* harmony export */   RK: () => (/* binding */ findLargeObjectColumns),
/* harmony export */   Up: () => (/* binding */ measureReferenced),
/* harmony export */   VR: () => (/* binding */ syncLargeObjects),
/* harmony export */   XT: () => (/* binding */ listSome),
/* harmony export */   be: () => (/* binding */ planLargeObjects),
/* harmony export */   mU: () => (/* binding */ largeObjectNotes),
/* harmony export */   rO: () => (/* binding */ referencedLargeObjects),
/* harmony export */   re: () => (/* binding */ largeObjectSizes),
/* harmony export */   yR: () => (/* binding */ LO_CHUNK),
/* harmony export */   z3: () => (/* binding */ formatBytes),
/* harmony export */   zF: () => (/* binding */ copyLargeObjects)
/* harmony export */ });
/* unused harmony export transferLargeObjects */
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83916);
/* harmony import */ var _secrets__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(27194);
/* harmony import */ var _connect__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(36741);




/**
 * Large objects live in `pg_largeobject`, outside every table: copying an `oid` column copies
 * only the number. This module finds the objects the tenant's rows reference (through the `oid`
 * columns of the planned tables, and domains over `oid` such as the lo extension's `lo`), checks
 * that the connecting role may read them, copies them into the tenant's database under the same
 * OIDs (chunked: memory stays bounded whatever their size), and hashes them on either side.
 *
 * Large objects are MVCC like rows: read in a session at the copy snapshot (`lo_get`, `lo_open`
 * in read mode), they are read as of that snapshot.
 *
 * OIDs travel as decimal text (never as JS numbers) and are spliced into SQL only where
 * PostgreSQL takes no parameter (ALTER / GRANT … ON LARGE OBJECT), after `assertOid`.
 */
/** Bytes read and written per round trip: one chunk of a big object, or a batch of small ones. */
const LO_CHUNK = 1024 * 1024;
/** Objects per batch (hashing, existence checks, small-object copies). */
const BATCH = 500;
/** `INV_READ` for `lo_open`. */
const INV_READ = 0x40000;
/** An `oid` column of a planned table, or a domain over `oid`: reads the catalog. */
async function findLargeObjectColumns(client, tables) {
    const unique = [...new Map(tables.map((t) => [t.qualified, t])).values()];
    if (unique.length === 0)
        return [];
    const { rows } = await client.query(`WITH RECURSIVE dom(oid, base) AS (
       SELECT oid, typbasetype FROM pg_type WHERE typtype = 'd'
       UNION ALL
       SELECT d.oid, t.typbasetype FROM dom d JOIN pg_type t ON t.oid = d.base WHERE t.typtype = 'd'
     )
     SELECT q.name AS qualified, a.attname, format_type(a.atttypid, a.atttypmod) AS type
       FROM unnest($1::text[]) WITH ORDINALITY AS q(name, ord)
       JOIN pg_attribute a ON a.attrelid = q.name::regclass AND a.attnum > 0 AND NOT a.attisdropped
      WHERE a.atttypid = 'oid'::regtype
         OR EXISTS (SELECT 1 FROM dom WHERE dom.oid = a.atttypid AND dom.base = 'oid'::regtype)
      ORDER BY q.ord, a.attnum`, [unique.map((t) => t.qualified)]);
    const byQualified = new Map(unique.map((t) => [t.qualified, t]));
    const out = [];
    for (const r of rows) {
        const table = byQualified.get(r.qualified);
        const column = pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(r.attname);
        // Generated columns are not copied (the target computes them): nothing to bring.
        if (!table.columns.includes(column))
            continue;
        out.push({
            table: table.qualified,
            schema: table.schema,
            name: table.name,
            column,
            columnName: r.attname,
            type: r.type,
        });
    }
    return out;
}
/**
 * `SELECT o` — the distinct OIDs referenced by the selected rows through `columns` that are large
 * objects of this database. `where` defaults to each table's tenant predicate (needs the tenant
 * id set on the session).
 */
function referencedSql(columns, tables, where = (t) => t.where) {
    const byQualified = new Map(tables.map((t) => [t.qualified, t]));
    // Only columns of the given tables (a column of another table selects nothing).
    const parts = columns
        .filter((c) => byQualified.has(c.table))
        .map((c) => `SELECT t.${c.column}::oid AS o FROM ${c.table} t WHERE (${where(byQualified.get(c.table))}) AND t.${c.column} IS NOT NULL`);
    if (parts.length === 0)
        parts.push('SELECT NULL::oid AS o WHERE false');
    return `SELECT r.o FROM (${parts.join('\nUNION\n')}) r
           WHERE EXISTS (SELECT 1 FROM pg_largeobject_metadata m WHERE m.oid = r.o)`;
}
/** Distinct large objects the tenant's rows reference, ascending (as decimal text). */
async function referencedLargeObjects(client, columns, tables, where) {
    if (columns.length === 0)
        return [];
    const { rows } = await client.query(`SELECT x.o::text AS o FROM (${referencedSql(columns, tables, where)}) x ORDER BY x.o`);
    return rows.map((r) => r.o);
}
/** Per column, the distinct large objects referenced through it (tenant rows). */
async function countPerColumn(client, columns, tables) {
    const out = [];
    for (const c of columns) {
        const { rows } = await client.query(`SELECT count(*)::int AS n FROM (${referencedSql([c], tables)}) x`);
        out.push({ ...c, objects: rows[0]?.n ?? 0 });
    }
    return out;
}
/** Sizes of the given objects (those that exist), read through `lo_open` + `lo_lseek64`. */
async function largeObjectSizes(client, oids) {
    const sizes = new Map();
    for (let i = 0; i < oids.length; i += BATCH) {
        const { rows } = await client.query(`SELECT f.o::text AS o, lo_lseek64(f.fd, 0, 2)::text AS size, lo_close(f.fd) AS closed
         FROM (SELECT o, lo_open(o, ${INV_READ}) AS fd FROM unnest($1::oid[]) AS o
                WHERE EXISTS (SELECT 1 FROM pg_largeobject_metadata m WHERE m.oid = o) OFFSET 0) f`, [oids.slice(i, i + BATCH)]);
        for (const r of rows)
            sizes.set(r.o, Number(r.size));
    }
    return sizes;
}
/**
 * Content hashes of the given objects, computed by the server chunk by chunk; objects that do not
 * exist are absent from the result. Same chunking on both sides, so equal content ⇔ equal hash.
 */
async function hashLargeObjects(client, oids) {
    const out = new Map();
    for (let i = 0; i < oids.length; i += BATCH) {
        // The CTE calls volatile functions: it is materialised, each object opened and closed once.
        const { rows } = await client.query(`WITH s AS (
         SELECT f.o, lo_lseek64(f.fd, 0, 2) AS size, lo_close(f.fd) AS closed
           FROM (SELECT o, lo_open(o, ${INV_READ}) AS fd FROM unnest($1::oid[]) AS o
                  WHERE EXISTS (SELECT 1 FROM pg_largeobject_metadata m WHERE m.oid = o) OFFSET 0) f
       )
       SELECT s.o::text AS o, s.size::text AS size,
              md5(string_agg(md5(lo_get(s.o, off, $2::int)), '' ORDER BY off)) AS hash
         FROM s CROSS JOIN LATERAL generate_series(0::bigint, greatest(s.size - 1, 0), $2::bigint) AS off
        GROUP BY s.o, s.size`, [oids.slice(i, i + BATCH), LO_CHUNK]);
        for (const r of rows)
            out.set(r.o, { size: Number(r.size), hash: r.hash });
    }
    return out;
}
/**
 * Of the given objects, those the session's role may not read: neither superuser, nor
 * `lo_compat_privileges`, nor (a member of) the owner, nor SELECT granted to it or to PUBLIC.
 * (PostgreSQL 15 has no has_largeobject_privilege: this is its rule, read from the catalog.)
 */
async function unreadable(client, oids) {
    const out = [];
    for (let i = 0; i < oids.length; i += 10_000) {
        const { rows } = await client.query(`SELECT m.oid::text AS o, pg_get_userbyid(m.lomowner) AS owner
         FROM pg_largeobject_metadata m
        WHERE m.oid = ANY ($1::oid[])
          AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
          AND NOT current_setting('lo_compat_privileges')::boolean
          AND NOT pg_has_role(m.lomowner, 'USAGE')
          AND NOT EXISTS (
            SELECT 1 FROM aclexplode(m.lomacl) a
             WHERE a.privilege_type = 'SELECT'
               AND CASE WHEN a.grantee = 0 THEN true ELSE pg_has_role(a.grantee, 'USAGE') END)
        ORDER BY m.oid`, [oids.slice(i, i + 10_000)]);
        out.push(...rows);
    }
    return out;
}
/** At most `max` items, then "… and N more". */
function listSome(items, max = 20) {
    return items.length <= max
        ? items.join(', ')
        : `${items.slice(0, max).join(', ')} … and ${items.length - max} more`;
}
/**
 * Plans the large objects: the `oid` columns of the planned tables, the objects the tenant's rows
 * reference through them (at the session's snapshot), their count and total size. Refuses —
 * before anything is created — when the connecting role cannot read some of them, naming the
 * columns, the objects, their owners and the GRANT that fixes it. Needs the tenant id set.
 */
async function planLargeObjects(client, plan) {
    const found = await findLargeObjectColumns(client, plan.tables);
    if (found.length === 0)
        return { columns: [], objects: 0, bytes: 0 };
    const columns = await countPerColumn(client, found, plan.tables);
    const oids = await referencedLargeObjects(client, columns, plan.tables);
    const denied = await unreadable(client, oids);
    if (denied.length > 0) {
        const who = (await client.query('SELECT current_user AS who')).rows[0].who;
        const owners = [...new Set(denied.map((d) => d.owner))].sort();
        const via = columns
            .filter((c) => (c.objects ?? 0) > 0)
            .map((c) => `${c.schema}.${c.name}.${c.columnName}`);
        const list = denied.map((d) => d.o);
        const grant = denied.length <= 100
            ? `GRANT SELECT ON LARGE OBJECT ${list.join(', ')} TO ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(who)};`
            : `DO $$ DECLARE o oid; BEGIN FOR o IN SELECT oid FROM pg_largeobject_metadata WHERE lomowner IN (${owners.map((o) => `${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(o)}::regrole`).join(', ')}) LOOP EXECUTE format('GRANT SELECT ON LARGE OBJECT %s TO %I', o, ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(who)}); END LOOP; END $$;`;
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('permission-denied', `Role "${who}" cannot read ${denied.length} of the ${oids.length} large objects the tenant's rows reference (columns ${via.join(', ')}): ${listSome(list)} (owned by ${owners.join(', ')}); it needs SELECT on each to copy them. Nothing was changed.`, `As their owner (${owners.join(', ')}) or a superuser, grant it: ${grant} Or use a database-url whose role owns them (or is a member of ${owners.join(', ')}).`);
    }
    const sizes = await largeObjectSizes(client, oids);
    let bytes = 0;
    for (const s of sizes.values())
        bytes += s;
    return { columns, objects: oids.length, bytes };
}
/** Notes for the run's record: what the plan found. */
function largeObjectNotes(lo, 
/** Into the shared database: the objects stay in place; what the tenant's role is granted. */
inPlace) {
    if (lo.objects === 0) {
        return lo.columns.length
            ? [
                `Large objects: none referenced by the tenant's rows (oid columns: ${lo.columns.map((c) => `${c.schema}.${c.name}.${c.columnName}`).join(', ')}).`,
            ]
            : [];
    }
    const per = lo.columns
        .filter((c) => (c.objects ?? 0) > 0)
        .map((c) => `${c.schema}.${c.name}.${c.columnName} (${c.type}): ${c.objects}`);
    if (inPlace) {
        const readOnly = inPlace.select.filter((o) => !inPlace.update.includes(o));
        return [
            `Large objects: ${lo.objects} referenced by the tenant's rows (${formatBytes(lo.bytes)}) — ${per.join('; ')}; in the shared database they stay in place under their OIDs (not copied): role ${inPlace.role} is granted SELECT on each of them (${listSome(inPlace.select, 5)}) and UPDATE on ${inPlace.update.length} the shared side lets its application write${readOnly.length ? `; ${readOnly.length} only readable there stay read-only (${listSome(readOnly, 5)})` : ''}.`,
        ];
    }
    return [
        `Large objects: ${lo.objects} referenced by the tenant's rows (${formatBytes(lo.bytes)}), copied with the same OIDs — ${per.join('; ')}.`,
    ];
}
function formatBytes(n) {
    if (n < 1024)
        return `${n} B`;
    if (n < 1024 * 1024)
        return `${(n / 1024).toFixed(1)} kB`;
    return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
function assertOid(o) {
    if (!/^\d{1,10}$/.test(o))
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('internal', `Not an OID: ${JSON.stringify(o)}.`);
    return o;
}
/**
 * Copies `oids` from `source` (read at its snapshot) into `target` under the same OIDs, owned by
 * `roles.owner` with SELECT, UPDATE granted to `roles.app`. Small objects travel in batches of at
 * most LO_CHUNK bytes, big ones chunk by chunk (lo_get(oid, offset, len) → lo_put): memory stays
 * bounded. Runs no BEGIN/COMMIT: the caller decides the target transaction (the copy uses one for
 * all, the sync one per batch). Objects that already exist in the target are an error (lo_create
 * refuses them).
 */
async function transferLargeObjects(source, target, oids, roles, options = {}) {
    const sizes = options.sizes ?? (await largeObjectSizes(source, oids));
    let objects = 0;
    let bytes = 0;
    const small = [];
    let smallBytes = 0;
    const flushSmall = async () => {
        if (small.length === 0)
            return;
        const { rows } = await source.query(`SELECT o::text AS o, lo_get(o) AS d FROM unnest($1::oid[]) AS o`, [small]);
        await target.query(`SELECT lo_from_bytea(x.o, x.d) FROM unnest($1::oid[], $2::bytea[]) AS x(o, d)`, [
            rows.map((r) => r.o),
            rows.map((r) => r.d),
        ]);
        await finish(target, rows.map((r) => r.o), roles);
        for (const r of rows)
            bytes += r.d.length;
        objects += rows.length;
        small.length = 0;
        smallBytes = 0;
    };
    for (const o of oids) {
        if (options.signal?.aborted)
            throw cancelled();
        assertOid(o);
        const size = sizes.get(o);
        if (size === undefined) {
            throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('database', `Large object ${o}, referenced by the tenant's rows, no longer exists at the snapshot.`, 'Re-run the promotion.');
        }
        if (size <= LO_CHUNK) {
            if (smallBytes + size > LO_CHUNK || small.length >= BATCH)
                await flushSmall();
            small.push(o);
            smallBytes += size;
            continue;
        }
        await target.query('SELECT lo_create($1::oid)', [o]);
        for (let off = 0; off < size; off += LO_CHUNK) {
            if (options.signal?.aborted)
                throw cancelled();
            const { rows } = await source.query('SELECT lo_get($1::oid, $2::bigint, $3::int) AS d', [
                o,
                off,
                LO_CHUNK,
            ]);
            const chunk = rows[0].d;
            if (chunk.length > 0)
                await target.query('SELECT lo_put($1::oid, $2::bigint, $3::bytea)', [o, off, chunk]);
            bytes += chunk.length;
        }
        await finish(target, [o], roles);
        objects++;
    }
    await flushSmall();
    return { objects, bytes };
}
/** Owner and grants of freshly created objects (ALTER / GRANT take no parameters: OIDs checked). */
async function finish(target, oids, roles) {
    if (oids.length === 0)
        return;
    const list = oids.map(assertOid);
    await target.query(`GRANT SELECT, UPDATE ON LARGE OBJECT ${list.join(', ')} TO ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(roles.app)}`);
    await target.query(list.map((o) => `ALTER LARGE OBJECT ${o} OWNER TO ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(roles.owner)}`).join(';\n'));
}
const SNAPSHOT_ID = /^[0-9A-F-]+$/i;
/**
 * The copy step's part: every large object the tenant's rows reference at the snapshot, into the
 * new database, in one transaction there (a failure leaves none behind).
 */
async function copyLargeObjects(opts) {
    const started = Date.now();
    const columns = opts.plan.largeObjects?.columns ?? [];
    if (columns.length === 0)
        return { objects: 0, bytes: 0, durationMs: 0 };
    if (!SNAPSHOT_ID.test(opts.snapshotId)) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('internal', `Invalid snapshot id ${JSON.stringify(opts.snapshotId.slice(0, 40))}.`);
    }
    const source = await (0,_connect__WEBPACK_IMPORTED_MODULE_3__/* .connect */ .Ng)(opts.sourceUrl);
    let target;
    try {
        await (0,_connect__WEBPACK_IMPORTED_MODULE_3__/* .setTenantId */ .si)(source, opts.plan.tenantId);
        await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await source.query(`SET TRANSACTION SNAPSHOT ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(opts.snapshotId)}`);
        const oids = await referencedLargeObjects(source, columns, opts.plan.tables);
        if (oids.length === 0)
            return { objects: 0, bytes: 0, durationMs: Date.now() - started };
        target = await (0,_connect__WEBPACK_IMPORTED_MODULE_3__/* .connect */ .Ng)(opts.targetUrl);
        await target.query('BEGIN');
        await opts.guard?.(target);
        const done = await transferLargeObjects(source, target, oids, opts.roles, { signal: opts.signal });
        await target.query('COMMIT');
        return { ...done, durationMs: Date.now() - started };
    }
    catch (e) {
        await target?.query('ROLLBACK').catch(() => undefined);
        throw dbError(e, 'Copying the large objects failed');
    }
    finally {
        await source.query('ROLLBACK').catch(() => undefined);
        await source.end().catch(() => undefined);
        await target?.end().catch(() => undefined);
    }
}
/**
 * Catch-up for large objects (the switch calls it beside the rows' catch-up): every object the
 * tenant's rows reference at `source`'s snapshot (tenant id set on it) that the target lacks is
 * copied; with `verify: 'all'` (the default) the others are compared by hash and replaced when the
 * shared database changed them since the copy. `verify: 'missing'` only copies what is missing —
 * cost bounded by the new objects, for use under the freeze. Each batch is one transaction on
 * the target, in which `guard` runs first (the run's ownership of the database).
 */
async function syncLargeObjects(source, target, plan, options) {
    const columns = options.columns ?? plan.largeObjects?.columns ?? (await findLargeObjectColumns(source, plan.tables));
    const result = { referenced: 0, copied: 0, replaced: 0, verified: 0, bytes: 0 };
    if (columns.length === 0)
        return result;
    const oids = await referencedLargeObjects(source, columns, plan.tables);
    result.referenced = oids.length;
    for (let i = 0; i < oids.length; i += BATCH) {
        const batch = oids.slice(i, i + BATCH);
        const { rows } = await target.query(`SELECT m.oid::text AS o FROM pg_largeobject_metadata m WHERE m.oid = ANY ($1::oid[])`, [batch]);
        const present = new Set(rows.map((r) => r.o));
        const missing = batch.filter((o) => !present.has(o));
        let replace = [];
        if ((options.verify ?? 'all') === 'all' && present.size > 0) {
            const existing = batch.filter((o) => present.has(o));
            const [want, have] = [
                await hashLargeObjects(source, existing),
                await hashLargeObjects(target, existing),
            ];
            replace = existing.filter((o) => {
                const a = want.get(o);
                const b = have.get(o);
                return !a || !b || a.size !== b.size || a.hash !== b.hash;
            });
            result.verified += existing.length - replace.length;
        }
        if (missing.length === 0 && replace.length === 0)
            continue;
        await target.query('BEGIN');
        try {
            await options.guard?.(target);
            for (const o of replace)
                await target.query(`SELECT lo_unlink($1::oid)`, [assertOid(o)]);
            const done = await transferLargeObjects(source, target, [...missing, ...replace], options.roles);
            await target.query('COMMIT');
            result.copied += missing.length;
            result.replaced += replace.length;
            result.bytes += done.bytes;
        }
        catch (e) {
            await target.query('ROLLBACK').catch(() => undefined);
            throw dbError(e, 'Catching up the large objects failed');
        }
    }
    return result;
}
/**
 * For the cleanup's record: the objects the rows it deletes (`tables`, by default the plan's
 * deleteOrder) reference in the shared database (tenant id set on the session) and their total size. Read before the rows are deleted; the
 * objects themselves are left (see cleanup.ts).
 */
async function measureReferenced(client, plan, tables = plan.deleteOrder) {
    const columns = plan.largeObjects?.columns ?? (await findLargeObjectColumns(client, tables));
    const oids = await referencedLargeObjects(client, columns, tables);
    const sizes = await largeObjectSizes(client, oids);
    let bytes = 0;
    for (const s of sizes.values())
        bytes += s;
    return { objects: oids.length, bytes };
}
function cancelled() {
    return new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('cancelled', 'The copy was cancelled.', 'Nothing partial is kept: re-run the promotion.');
}
function dbError(e, what) {
    if (e instanceof _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1)
        return e;
    const message = e instanceof Error ? e.message : String(e);
    const hint = /permission denied for large object/i.test(message)
        ? 'The connecting role needs SELECT on every large object the tenant references (GRANT SELECT ON LARGE OBJECT <oid> TO <role>), or connect as their owner.'
        : 'Nothing of the large objects was committed; fix the cause named above and re-run.';
    return new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('database', `${what}: ${(0,_secrets__WEBPACK_IMPORTED_MODULE_2__/* .redact */ .E$)(message)}`, hint, { cause: e });
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
/* harmony export */   wH: () => (/* binding */ columnsExtreme),
/* harmony export */   zs: () => (/* binding */ reserveSequenceRange)
/* harmony export */ });
/* unused harmony exports RANGE_LAYOUT_VERSION, RANGE_LAYOUT, slotsOf, inZone, readRangeRecord, assessSequences, sequenceRangeStatus */
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

/***/ 14591:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   L5: () => (/* binding */ serverName),
/* harmony export */   xH: () => (/* binding */ serversFrom),
/* harmony export */   y7: () => (/* binding */ tlsRefusal)
/* harmony export */ });
/* unused harmony exports withTls, sameServer */
/* harmony import */ var _urls__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(31085);

/** Builds the servers from options, once per run (pure: no connection is opened). */
function serversFrom(options) {
    const sharedUrl = options.databaseUrl;
    const target = options.targetDatabaseUrl?.trim();
    // A target URL naming the shared server itself is today's behaviour: one server, one admin.
    const separate = !!target && !sameServer(sharedUrl, target);
    const targetAdminUrl = separate ? withTls(target, options.targetCaFile) : sharedUrl;
    return {
        sharedUrl,
        targetAdminUrl,
        separate,
        tenantDatabaseUrl: (database) => (0,_urls__WEBPACK_IMPORTED_MODULE_0__/* .databaseUrl */ .FA)(targetAdminUrl, database),
        applicationHost: (override) => (0,_urls__WEBPACK_IMPORTED_MODULE_0__/* .hostAndPort */ .PG)(targetAdminUrl, override),
        passwords: [passwordOf(sharedUrl), passwordOf(targetAdminUrl)].filter((p) => !!p),
    };
}
/**
 * The target URL with the CA file as `sslrootcert` and, unless the URL says otherwise,
 * `sslmode=verify-full` (the certificate must be signed by that CA and name the host). `pg`
 * reads the file itself when it parses the connection string.
 */
function withTls(url, caFile) {
    if (!caFile)
        return url;
    const u = new URL(url);
    u.searchParams.set('sslrootcert', caFile);
    if (!u.searchParams.has('sslmode'))
        u.searchParams.set('sslmode', 'verify-full');
    return u.toString();
}
/**
 * Whether two URLs name the same server (host and port, case-insensitively). A target URL that
 * names the shared server is the default behaviour, not a second server.
 */
function sameServer(a, b) {
    const x = (0,_urls__WEBPACK_IMPORTED_MODULE_0__/* .hostAndPort */ .PG)(a);
    const y = (0,_urls__WEBPACK_IMPORTED_MODULE_0__/* .hostAndPort */ .PG)(b);
    return x.host.toLowerCase() === y.host.toLowerCase() && x.port === y.port;
}
/** Host and port of a URL, for messages and records (never its credentials). */
function serverName(url) {
    const { host, port } = (0,_urls__WEBPACK_IMPORTED_MODULE_0__/* .hostAndPort */ .PG)(url);
    return `${host}:${port}`;
}
function passwordOf(url) {
    try {
        return decodeURIComponent(new URL(url).password) || undefined;
    }
    catch {
        return undefined;
    }
}
const TLS_CODES = {
    SELF_SIGNED_CERT_IN_CHAIN: 'untrusted',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'untrusted',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'untrusted',
    UNABLE_TO_GET_ISSUER_CERT: 'untrusted',
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'untrusted',
    CERT_SIGNATURE_FAILURE: 'untrusted',
    ERR_TLS_CERT_ALTNAME_INVALID: 'wrong-name',
    CERT_HAS_EXPIRED: 'expired',
    CERT_NOT_YET_VALID: 'expired',
};
/**
 * The certificate problem behind a failed connection (searching the error's causes), or
 * undefined when it was something else: a refused certificate is a configuration to fix, not a
 * server that cannot be reached.
 */
function tlsRefusal(e) {
    for (let cur = e, depth = 0; cur && depth < 5; depth++) {
        const code = cur.code;
        if (typeof code === 'string' && TLS_CODES[code])
            return TLS_CODES[code];
        cur = cur.cause;
    }
    return undefined;
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

/***/ 64669:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   NM: () => (/* binding */ grantSharedLargeObjects),
/* harmony export */   VC: () => (/* binding */ tenantSideReferenced),
/* harmony export */   ZF: () => (/* binding */ tenantSideOidSelects),
/* harmony export */   lL: () => (/* binding */ assessSharedLargeObjects),
/* harmony export */   ou: () => (/* binding */ revokeLargeObjectGrants),
/* harmony export */   sm: () => (/* binding */ lackingAccess)
/* harmony export */ });
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83916);
/* harmony import */ var _large_objects__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(52593);
/* harmony import */ var _plan_types__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(54680);




/**
 * Large objects at schema level INTO THE SHARED DATABASE. There is one `pg_largeobject` per
 * database: a copy under the same OID is impossible, and the tenant's rows must keep their values.
 * So the objects stay where they are, and the tenant's application role is granted what it needs
 * on exactly the objects its rows reference:
 *
 * - SELECT on each;
 * - UPDATE on each the shared side lets its application write — an object with default privileges
 *   (only its owner, the role that created it, writes it: the application) or with UPDATE granted
 *   to a role other than its owner. An object others may only read stays read-only for the tenant.
 *
 * GRANT on a large object needs its ownership (or membership in its owner) or the privilege WITH
 * GRANT OPTION: the plan refuses, before anything is created, when the connecting role has
 * neither. Ownership is not handed to the tenant's roles: the shared rows still reference the
 * objects until cleanup, and a rollback or an undo would have to give it back.
 *
 * The grants are found again from the catalog (the ACL entries naming the tenant's roles), so an
 * undo, a crash-and-re-run and the rollback revoke them without a record.
 */
/** Per object (alias m, pg_largeobject_metadata): the shared side lets its application write it. */
const WRITABLE_SQL = `(m.lomacl IS NULL OR EXISTS (
    SELECT 1 FROM aclexplode(m.lomacl) a WHERE a.privilege_type = 'UPDATE' AND a.grantee <> m.lomowner))`;
/** Whether the session's role may grant `priv` on object m (owner, member of it, or grant option). */
function mayGrantSql(priv) {
    return `((SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
           OR pg_has_role(m.lomowner, 'USAGE')
           OR EXISTS (SELECT 1 FROM aclexplode(m.lomacl) g
                       WHERE g.privilege_type = '${priv}' AND g.is_grantable AND g.grantee <> 0
                         AND pg_has_role(g.grantee, 'USAGE')))`;
}
const BATCH = 1000;
function assertOid(o) {
    if (!/^\d{1,10}$/.test(o))
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('internal', `Not an OID: ${JSON.stringify(o)}.`);
    return o;
}
/**
 * What the tenant's role needs on `oids` and whether the session's role may grant it; refuses
 * (PromotionError 'permission-denied') naming the columns, the objects, their owners, the missing
 * privilege and the fix. Reads the catalog only.
 */
async function assessSharedLargeObjects(client, oids, columns, 
/** Of `oids`, those rows that are not the tenant's reference too: refused (not its own). */
alsoOthers = []) {
    if (alsoOthers.length) {
        const via = columns.map((c) => `${c.schema}.${c.name}.${c.columnName}`);
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('plan-blocked', `${alsoOthers.length} of the ${oids.length} large objects the tenant's rows reference (columns ${via.join(', ')}) are referenced by other rows of the shared database too (another tenant's, or a table copied whole): ${(0,_large_objects__WEBPACK_IMPORTED_MODULE_2__/* .listSome */ .XT)([...alsoOthers], 5)}. In the shared database the objects stay in place and are granted to the tenant's role: that would open another tenant's data to it. Nothing was created.`, `Give the tenant its own copy (UPDATE <table> SET <column> = lo_from_bytea(0, lo_get(<column>)) for its rows), or give target-database-url: in a database of its own the objects are copied.`);
    }
    const access = { select: [], update: [] };
    const denied = [];
    for (let i = 0; i < oids.length; i += BATCH) {
        const { rows } = await client.query(`SELECT m.oid::text AS o, pg_get_userbyid(m.lomowner) AS owner, ${WRITABLE_SQL} AS writable,
              ${mayGrantSql('SELECT')} AS may_select, ${mayGrantSql('UPDATE')} AS may_update
         FROM pg_largeobject_metadata m WHERE m.oid = ANY ($1::oid[]) ORDER BY m.oid`, [oids.slice(i, i + BATCH)]);
        for (const r of rows) {
            access.select.push(r.o);
            if (r.writable)
                access.update.push(r.o);
            const missing = [!r.may_select && 'SELECT', r.writable && !r.may_update && 'UPDATE'].filter(Boolean);
            if (missing.length)
                denied.push({ o: r.o, owner: r.owner, missing: missing.join(', ') });
        }
    }
    if (denied.length) {
        const who = (await client.query('SELECT current_user AS who')).rows[0].who;
        const owners = [...new Set(denied.map((d) => d.owner))].sort();
        const privs = ['SELECT', 'UPDATE'].filter((p) => denied.some((d) => d.missing.includes(p))).join(', ');
        const via = columns
            .filter((c) => (c.objects ?? 1) > 0)
            .map((c) => `${c.schema}.${c.name}.${c.columnName}`);
        const list = denied.map((d) => d.o);
        const some = list.slice(0, 100).join(', ');
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('permission-denied', `Role "${who}" may not grant the tenant's role ${privs} on ${denied.length} of the ${oids.length} large objects the tenant's rows reference (columns ${via.join(', ')}): ${(0,_large_objects__WEBPACK_IMPORTED_MODULE_2__/* .listSome */ .XT)(list, 5)} (owned by ${owners.join(', ')}). In the shared database the objects stay in place under their OIDs and the tenant's role is granted access to them, which needs their ownership or ${privs} WITH GRANT OPTION. Nothing was created.`, `As their owner (${owners.join(', ')}) or a superuser, either give them to "${who}" (ALTER LARGE OBJECT <oid> OWNER TO ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(who)}, for each) or let it pass the privilege on: GRANT ${privs} ON LARGE OBJECT ${some}${list.length > 100 ? ', …' : ''} TO ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(who)} WITH GRANT OPTION; then re-run. Or give target-database-url: in a database of its own the objects are copied.`);
    }
    return access;
}
/**
 * Grants the tenant's application role SELECT (and UPDATE where the shared side lets the
 * application write) on `oids`, after refusing like the plan if the session's role may not.
 * Runs in the caller's transaction. Returns what was granted.
 */
async function grantSharedLargeObjects(client, oids, columns, appRole) {
    const access = await assessSharedLargeObjects(client, oids, columns);
    const role = pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(appRole);
    for (let i = 0; i < access.select.length; i += BATCH) {
        const batch = access.select.slice(i, i + BATCH).map(assertOid);
        await client.query(`GRANT SELECT ON LARGE OBJECT ${batch.join(', ')} TO ${role}`);
    }
    for (let i = 0; i < access.update.length; i += BATCH) {
        const batch = access.update.slice(i, i + BATCH).map(assertOid);
        await client.query(`GRANT UPDATE ON LARGE OBJECT ${batch.join(', ')} TO ${role}`);
    }
    return access;
}
/**
 * Revokes every privilege on a large object of this database granted to `roles` (found in the
 * objects' ACLs): the undo before the switch, and the rollback before the roles are dropped (DROP
 * ROLE refuses a role that still holds privileges). Returns the number of objects touched.
 */
async function revokeLargeObjectGrants(client, roles) {
    let touched = 0;
    for (const role of roles) {
        const { rows } = await client.query(`SELECT DISTINCT m.oid::text AS o FROM pg_largeobject_metadata m, aclexplode(m.lomacl) a
        WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1) ORDER BY 1`, [role]);
        const oids = rows.map((r) => assertOid(r.o));
        for (let i = 0; i < oids.length; i += BATCH)
            await client.query(`REVOKE ALL ON LARGE OBJECT ${oids.slice(i, i + BATCH).join(', ')} FROM ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(role)}`);
        touched += oids.length;
    }
    return touched;
}
/**
 * One `SELECT … AS o` per large-object column of `tables`, reading the OIDs the tenant's rows
 * carry in its target tables (none for a column whose table is not planned), to be UNIONed.
 */
function tenantSideOidSelects(columns, tables) {
    const byQualified = new Map(tables.map((t) => [t.qualified, t]));
    return columns
        .filter((c) => byQualified.has(c.table))
        .map((c) => `SELECT t.${c.column}::oid AS o FROM ${(0,_plan_types__WEBPACK_IMPORTED_MODULE_3__/* .targetOf */ .$r)(byQualified.get(c.table))} t WHERE t.${c.column} IS NOT NULL`);
}
/**
 * The objects the tenant's rows reference on its side (`tables` under their target names — its
 * schemas of the shared database — all rows being the tenant's there), that exist.
 */
async function tenantSideReferenced(client, columns, tables) {
    const parts = tenantSideOidSelects(columns, tables);
    if (parts.length === 0)
        return [];
    const { rows } = await client.query(`SELECT DISTINCT x.o::text AS o FROM (${parts.join(' UNION ')}) x
      WHERE EXISTS (SELECT 1 FROM pg_largeobject_metadata m WHERE m.oid = x.o) ORDER BY 1`);
    return rows.map((r) => r.o);
}
/**
 * Of `oids`, those `role` may not read, or may not write where the shared side lets its
 * application write (the rule above): PostgreSQL 15's rule read from the catalog (superuser,
 * lo_compat_privileges, membership in the owner, SELECT/UPDATE granted to it or to PUBLIC).
 */
async function lackingAccess(client, role, oids) {
    const out = [];
    const has = (priv) => `(r.rolsuper OR current_setting('lo_compat_privileges')::boolean
      OR pg_has_role(r.oid, m.lomowner, 'USAGE')
      OR EXISTS (SELECT 1 FROM aclexplode(m.lomacl) a WHERE a.privilege_type = '${priv}'
                  AND (a.grantee = 0 OR pg_has_role(r.oid, a.grantee, 'USAGE'))))`;
    for (let i = 0; i < oids.length; i += BATCH) {
        const { rows } = await client.query(`SELECT m.oid::text AS o, ${has('SELECT')} AS sel, ${has('UPDATE')} AS upd, ${WRITABLE_SQL} AS writable
         FROM pg_largeobject_metadata m, pg_roles r
        WHERE m.oid = ANY ($1::oid[]) AND r.rolname = $2 ORDER BY m.oid`, [oids.slice(i, i + BATCH), role]);
        for (const r of rows) {
            const missing = [!r.sel && 'SELECT', r.writable && !r.upd && 'UPDATE'].filter(Boolean);
            if (missing.length)
                out.push({ o: r.o, missing: missing.join(', ') });
        }
    }
    return out;
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

/***/ 31085:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   FA: () => (/* binding */ databaseUrl),
/* harmony export */   PG: () => (/* binding */ hostAndPort),
/* harmony export */   ge: () => (/* binding */ urlAs)
/* harmony export */ });
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
/* harmony export */   wV: () => (/* binding */ catalogSummary),
/* harmony export */   zA: () => (/* binding */ schemaParity)
/* harmony export */ });
/* unused harmony exports DRIFTED, parityDifferences */
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