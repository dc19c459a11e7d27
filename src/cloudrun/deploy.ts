/**
 * Creates or updates the tenant's Cloud Run service (`updateService` with `allowMissing`), waits
 * for it with a deadline, reads back URL, revision and ready condition; undoes exactly what the
 * run did.
 */
import type { protos, ServicesClient } from '@google-cloud/run';
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { PromotionError, describeError } from '../errors';
import type { Logger } from '../log';
import type { CloudRunOptions } from '../options';
import { redact } from '../secrets';
import { secretManagerClient, servicesClient } from './clients';
import { RUN_PERMISSION_HINT, googleError, grpcDetails, isNotFound } from './google-errors';
import { addPasswordVersion, checkSecret, retireVersion } from './secret';
import { MANAGED_BY, buildService, secretResourceName, serviceFullName, versionId } from './service-spec';

type IService = protos.google.cloud.run.v2.IService;

export interface DeployInput {
  options: CloudRunOptions;
  serviceName: string;
  slug: string;
  tenantId: string;
  database: {
    name: string;
    host: string;
    port: number;
    user: string;
    password: string;
    schema?: { name: string; searchPath: string[] };
  };
  dryRun: boolean;
  log: Logger;
  signal?: AbortSignal;
}

export interface DeployResult {
  serviceName: string;
  /** `projects/<p>/locations/<r>/services/<name>`. */
  fullName: string;
  /** The service did not exist before this run (in a dry run: would be created). */
  created: boolean;
  /** Short name of the revision that was ready before this run (undo routes traffic back to it). */
  previousRevision?: string;
  /** Short name of the revision this run created. */
  revision?: string;
  url?: string;
  ready: boolean;
  /** Why the service is not ready (the terminal condition's message). */
  readyMessage?: string;
  /** Full name of the secret version this run added (undo retires it). */
  secretVersion?: string;
  /** Dry run: the API validated the spec (`validateOnly`); nothing was deployed. */
  validatedOnly: boolean;
}

const CONDITION_SUCCEEDED = 4;
const CONDITION_FAILED = 3;

function shortName(resource: string | null | undefined): string | undefined {
  return resource ? resource.split('/').pop() : undefined;
}

/** Enums arrive as numbers from decoded operations and as names elsewhere. */
function conditionState(service: IService): number | undefined {
  const state = service.terminalCondition?.state as unknown;
  if (typeof state === 'number') return state;
  if (state === 'CONDITION_SUCCEEDED') return CONDITION_SUCCEEDED;
  if (state === 'CONDITION_FAILED') return CONDITION_FAILED;
  return undefined;
}

export function readiness(service: IService): { ready: boolean; message?: string } {
  const state = conditionState(service);
  const latestReady = service.latestReadyRevision;
  const latestCreated = service.latestCreatedRevision;
  if (state === CONDITION_SUCCEEDED && latestReady && (!latestCreated || latestReady === latestCreated))
    return { ready: true };
  const message =
    service.terminalCondition?.message ||
    (state === CONDITION_SUCCEEDED
      ? `revision ${shortName(latestCreated)} is not serving yet (latest ready: ${shortName(latestReady) ?? 'none'})`
      : 'the service did not report a ready condition');
  return { ready: false, message: redact(message) };
}

/** Rejects after `ms` or on abort, whichever comes first; `stop` stops the background work. */
async function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  signal: AbortSignal | undefined,
  what: string,
  stop: () => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new PromotionError(
            'cloud-run',
            `${what} did not finish within ${Math.round(ms / 1000)} s.`,
            'The operation may still complete in Cloud Run: check the service in the console, then re-run; raise the deadline if deployments are slow.',
          ),
        ),
      ms,
    );
    onAbort = () => reject(new PromotionError('cancelled', `${what} was cancelled.`));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, limit]);
  } catch (e) {
    stop();
    throw e;
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

interface LroLike {
  promise(): Promise<unknown>;
  removeAllListeners(): unknown;
}

async function waitFor(
  op: LroLike,
  deadlineMs: number,
  signal: AbortSignal | undefined,
  what: string,
): Promise<IService> {
  const [response] = (await withDeadline(op.promise(), deadlineMs, signal, what, () =>
    op.removeAllListeners(),
  )) as [IService];
  return response;
}

async function getService(client: ServicesClient, name: string): Promise<IService | undefined> {
  try {
    const [service] = await client.getService({ name });
    return service;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw googleError(e, `Could not read Cloud Run service ${name}`, { permission: RUN_PERMISSION_HINT });
  }
}

async function closeQuietly(...clients: ({ close(): Promise<void> } | undefined)[]): Promise<void> {
  await Promise.all(clients.map((c) => c?.close().catch(() => undefined)));
}

export async function deployService(input: DeployInput): Promise<DeployResult> {
  const { options, log, dryRun, signal } = input;
  log.secret(input.database.password);
  const fullName = serviceFullName(options, input.serviceName);
  const secret = secretResourceName(options.dbPasswordSecret ?? '', options.project);
  const deadlineMs = options.deadlineSeconds * 1000;
  const started = Date.now();
  const remaining = () => Math.max(1, deadlineMs - (Date.now() - started));

  let run: ServicesClient | undefined;
  let sm: SecretManagerServiceClient | undefined;
  /** Whether the update was sent (before that, only the secret version needs undoing). */
  let touched = false;
  const result: DeployResult = {
    serviceName: input.serviceName,
    fullName,
    created: false,
    ready: false,
    validatedOnly: dryRun,
  };
  try {
    run = await servicesClient(options);
    sm = await secretManagerClient(options);
    const existing = await getService(run, fullName);
    result.created = !existing;
    result.previousRevision = shortName(existing?.latestReadyRevision);
    log.info(
      existing
        ? `Updating Cloud Run service ${fullName} (serving revision ${result.previousRevision ?? 'none'}).`
        : `Creating Cloud Run service ${fullName}.`,
    );

    let version = 'latest';
    if (dryRun) {
      await checkSecret(sm, secret);
    } else {
      result.secretVersion = await addPasswordVersion(sm, secret, input.database.password);
      version = versionId(result.secretVersion);
      log.info(`Added version ${version} to secret ${secret}.`);
    }

    const service = buildService({
      options,
      serviceName: input.serviceName,
      slug: input.slug,
      tenantId: input.tenantId,
      database: input.database,
      passwordSecret: { secret, version },
      existing,
    });
    let deployed: IService;
    touched = true;
    try {
      const [op] = await run.updateService({ service, allowMissing: true, validateOnly: dryRun });
      deployed = await waitFor(op, remaining(), signal, `Deployment of ${input.serviceName}`);
    } catch (e) {
      if (e instanceof PromotionError) throw e;
      // A failed operation may still have left a service or a failed revision behind.
      const after = dryRun ? undefined : await getService(run, fullName).catch(() => undefined);
      if (
        after &&
        after.latestCreatedRevision &&
        after.latestCreatedRevision !== existing?.latestCreatedRevision
      ) {
        Object.assign(result, serviceFacts(after));
        result.ready = false;
        result.readyMessage = redact(after.terminalCondition?.message || grpcDetails(e));
        return result;
      }
      throw googleError(e, `Cloud Run refused ${dryRun ? 'to validate' : 'to deploy'} ${input.serviceName}`, {
        permission: RUN_PERMISSION_HINT,
      });
    }

    if (dryRun) {
      log.info(
        `Dry run: Cloud Run validated the service spec of ${input.serviceName}; nothing was deployed.`,
      );
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
      log.info(
        `Service ${input.serviceName} is ready: revision ${result.revision}, ${result.url ?? 'no URL'}.`,
      );
    else log.warn(`Service ${input.serviceName} is not ready: ${message}`);
    return result;
  } catch (e) {
    // The caller has no result to undo with: undo what this call did before reporting the error.
    const err =
      e instanceof PromotionError ? e : googleError(e, `Cloud Run deployment of ${input.serviceName} failed`);
    if (!dryRun && (result.secretVersion || touched)) {
      try {
        await undoWith(touched ? run : undefined, sm, input, result);
      } catch (undoErr) {
        log.error(
          `Cleaning up after the failed deployment also failed: ${redact(describeError(undoErr).message)}`,
        );
      }
    }
    throw err;
  } finally {
    await closeQuietly(run, sm);
  }
}

function serviceFacts(service: IService): Pick<DeployResult, 'revision' | 'url'> {
  return {
    revision: shortName(service.latestCreatedRevision),
    url: service.uri || service.urls?.[0] || undefined,
  };
}

async function undoWith(
  run: ServicesClient | undefined,
  sm: SecretManagerServiceClient | undefined,
  input: DeployInput,
  result: DeployResult,
): Promise<void> {
  const { options, log } = input;
  const problems: string[] = [];
  if (run) {
    try {
      if (result.created) await deleteWith(run, options, result.fullName, log, input.signal);
      else await routeBack(run, options, result, log, input.signal);
    } catch (e) {
      problems.push(describeError(e).message);
    }
  }
  if (sm && result.secretVersion) {
    try {
      await retireVersion(sm, result.secretVersion, log);
    } catch (e) {
      problems.push(describeError(e).message);
    }
  }
  if (problems.length)
    throw new PromotionError(
      'cloud-run',
      `Undo of the Cloud Run deployment of ${result.serviceName} was incomplete: ${redact(problems.join('; '))}`,
      'Delete the service or retire the secret version by hand (see the recovery procedure in the README).',
    );
}

/** Routes all traffic back to the revision that served before this run. */
async function routeBack(
  run: ServicesClient,
  options: CloudRunOptions,
  result: DeployResult,
  log: Logger,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (!result.previousRevision) {
    log.warn(
      `Service ${result.serviceName} had no ready revision before this run; its traffic is left as it is.`,
    );
    return;
  }
  const current = await getService(run, result.fullName);
  if (!current) {
    log.warn(`Service ${result.serviceName} no longer exists; nothing to route back.`);
    return;
  }
  const service: IService = {
    ...current,
    traffic: [
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: result.previousRevision, percent: 100 },
    ],
  };
  try {
    const [op] = await run.updateService({ service });
    await waitFor(
      op,
      options.deadlineSeconds * 1000,
      signal,
      `Routing traffic of ${result.serviceName} back`,
    );
  } catch (e) {
    throw googleError(
      e,
      `Could not route traffic of ${result.serviceName} back to ${result.previousRevision}`,
      {
        permission: RUN_PERMISSION_HINT,
      },
    );
  }
  log.info(`Routed all traffic of ${result.serviceName} back to revision ${result.previousRevision}.`);
}

async function deleteWith(
  run: ServicesClient,
  options: CloudRunOptions,
  fullName: string,
  log: Logger,
  signal: AbortSignal | undefined,
): Promise<void> {
  try {
    const [op] = await run.deleteService({ name: fullName });
    await waitFor(op, options.deadlineSeconds * 1000, signal, `Deletion of ${fullName}`);
    log.info(`Deleted Cloud Run service ${fullName}.`);
  } catch (e) {
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
export async function undoDeploy(input: DeployInput, result: DeployResult): Promise<void> {
  if (result.validatedOnly) return;
  let run: ServicesClient | undefined;
  let sm: SecretManagerServiceClient | undefined;
  try {
    run = await servicesClient(input.options);
    if (result.secretVersion) sm = await secretManagerClient(input.options);
    await undoWith(run, sm, input, result);
  } finally {
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
export async function deployRotatedPassword(
  input: DeployInput,
  changePassword: (deployed: DeployResult) => Promise<void>,
  outcomeOnFailure: (e: unknown) => Promise<'changed' | 'unchanged' | 'unknown'>,
): Promise<DeployResult> {
  const { log } = input;
  const result = await deployService({ ...input, dryRun: false });
  const undo = async (why: string) => {
    try {
      await undoDeploy(input, result);
    } catch (e) {
      log.error(`${why}; undoing the rotation's deployment also failed: ${redact(describeError(e).message)}`);
    }
  };
  if (!result.ready) {
    await undo(`Revision ${result.revision ?? '?'} of ${result.serviceName} is not ready`);
    throw new PromotionError(
      'cloud-run',
      `The rotation's revision of ${result.serviceName} did not become ready (${result.readyMessage ?? 'no reason given'}); the role's password was not changed and the service keeps its previous revision.`,
      'Check the container image and the service logs (gcloud run services describe), then re-run.',
    );
  }
  try {
    await changePassword(result);
    return result;
  } catch (e) {
    const outcome = await outcomeOnFailure(e).catch(() => 'unknown' as const);
    if (outcome === 'changed') return result;
    if (outcome === 'unchanged') {
      await undo('The role’s password could not be changed');
      throw e;
    }
    throw new PromotionError(
      'database',
      `Revision ${result.revision ?? '?'} of ${result.serviceName} uses the rotated password, but whether the role's password changed could not be read back: ${redact(describeError(e).message)}. The deployment was left in place.`,
      'Re-run the promotion: it finds the rotation recorded (then the password was delivered) or rotates again.',
      { cause: e },
    );
  }
}

/**
 * Deletes a tenant's service (rollback). A missing service is fine; a service this product did
 * not create (no `managed-by` label) is refused.
 */
export async function deleteService(
  options: CloudRunOptions,
  serviceName: string,
  log: Logger,
): Promise<void> {
  const fullName = serviceFullName(options, serviceName);
  const run = await servicesClient(options);
  try {
    const existing = await getService(run, fullName);
    if (!existing) {
      log.info(`Cloud Run service ${fullName} does not exist; nothing to delete.`);
      return;
    }
    if (existing.labels?.['managed-by'] !== MANAGED_BY)
      throw new PromotionError(
        'cleanup-refused',
        `Cloud Run service ${fullName} was not deployed by this tool (no label managed-by=${MANAGED_BY}); it is left in place.`,
        'Delete it yourself if it really belongs to this tenant: gcloud run services delete.',
      );
    await deleteWith(run, options, fullName, log, undefined);
  } finally {
    await closeQuietly(run);
  }
}

/**
 * Retires a secret version a promotion added (for a rollback that finds it recorded): destroyed,
 * or disabled when destroying is not allowed; a version already gone is fine.
 */
export async function retireSecretVersion(
  options: CloudRunOptions,
  version: string,
  log: Logger,
): Promise<void> {
  const sm = await secretManagerClient(options);
  try {
    await retireVersion(sm, version, log);
  } finally {
    await closeQuietly(sm);
  }
}
