/**
 * Up-front checks for a run with Cloud Run on, before any database work: everything a deploy
 * needs is present and well formed, and Google credentials can be found.
 */
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { InputError } from '../errors';
import { quoteUntrusted } from '../names';
import type { CloudRunOptions } from '../options';
import { parseEndpoint } from './endpoint';
import { secretResourceName } from './service-spec';

const PROJECT_RE = /^(?:[a-z][a-z0-9.-]*:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const REGION_RE = /^[a-z]+(?:-[a-z]+)*\d+$/;
const SERVICE_ACCOUNT_RE = /^[^@\s/]+@[^@\s/]+$/;

/** Where gcloud keeps Application Default Credentials (`gcloud auth application-default login`). */
export function wellKnownCredentialsFile(env: NodeJS.ProcessEnv): string {
  if (env.CLOUDSDK_CONFIG) return path.join(env.CLOUDSDK_CONFIG, 'application_default_credentials.json');
  if (process.platform === 'win32' && env.APPDATA)
    return path.join(env.APPDATA, 'gcloud', 'application_default_credentials.json');
  return path.join(env.HOME || homedir(), '.config', 'gcloud', 'application_default_credentials.json');
}

const NO_CREDENTIALS_HINT =
  'Authenticate first: in a workflow, add a google-github-actions/auth step before this action (workload identity federation); locally, run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS. Or set skip-cloud-run: true.';

/** Asks google-auth-library (through the client it ships with) for credentials, bounded in time. */
async function discoverCredentials(options: CloudRunOptions, timeoutMs: number): Promise<boolean> {
  const { servicesClient } = await import('./clients');
  const client = await servicesClient({ ...options, apiEndpoint: undefined });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      client.auth.getClient().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await client.close().catch(() => undefined);
  }
}

export async function preflightCloudRun(
  opts: CloudRunOptions,
  env: NodeJS.ProcessEnv = process.env,
  { credentialProbeMs = 5000 }: { credentialProbeMs?: number } = {},
): Promise<void> {
  if (!opts.project?.trim())
    throw new InputError(
      'gcp-project is required to deploy to Cloud Run.',
      'Set gcp-project, or set skip-cloud-run: true.',
    );
  if (!PROJECT_RE.test(opts.project))
    throw new InputError(
      `gcp-project ${quoteUntrusted(opts.project)} is not a Google Cloud project id.`,
      'Use the project id (e.g. "acme-prod-123"), not its name or number.',
    );
  if (!REGION_RE.test(opts.region ?? ''))
    throw new InputError(
      `gcp-region ${quoteUntrusted(opts.region ?? '')} is not a region.`,
      'Use e.g. "us-central1".',
    );
  if (!opts.image?.trim() || /\s/.test(opts.image))
    throw new InputError(
      'container-image is required to deploy to Cloud Run.',
      'Set container-image to the image of the tenant API, e.g. "us-docker.pkg.dev/acme/apps/api:1.4.2", or set skip-cloud-run: true.',
    );
  if (!opts.dbPasswordSecret?.trim())
    throw new InputError(
      'db-password-secret is required to deploy to Cloud Run: the service gets the database password from Secret Manager, never as a plain environment value.',
      'Create a secret (gcloud secrets create tenant-db-password --replication-policy=automatic), grant the deploying identity roles/secretmanager.secretVersionAdder and the runtime service account roles/secretmanager.secretAccessor on it, and set db-password-secret to its name. Or set skip-cloud-run: true.',
    );
  secretResourceName(opts.dbPasswordSecret, opts.project);
  if (opts.minInstances > opts.maxInstances)
    throw new InputError(
      `min-instances (${opts.minInstances}) is greater than max-instances (${opts.maxInstances}).`,
      'Lower min-instances or raise max-instances.',
    );
  if (opts.serviceAccount && !SERVICE_ACCOUNT_RE.test(opts.serviceAccount))
    throw new InputError(
      `service-account ${quoteUntrusted(opts.serviceAccount)} is not a service account email.`,
      'Use e.g. "tenant-api@acme-prod.iam.gserviceaccount.com".',
    );
  const run = parseEndpoint(opts.apiEndpoint, opts.allowInsecureEndpoint, 'cloud-run-api-endpoint');
  const secrets = parseEndpoint(
    opts.secretManagerEndpoint,
    opts.allowInsecureEndpoint,
    'secret-manager-api-endpoint',
  );
  if (run?.insecure && secrets?.insecure) return; // no Google credentials are used at all

  const explicit = env.GOOGLE_APPLICATION_CREDENTIALS;
  if (explicit) {
    if (!existsSync(explicit) || !statSync(explicit).isFile())
      throw new InputError(
        `GOOGLE_APPLICATION_CREDENTIALS points to ${quoteUntrusted(explicit, 200)}, which is not a file.`,
        NO_CREDENTIALS_HINT,
      );
    return;
  }
  if (existsSync(wellKnownCredentialsFile(env))) return;
  // Workload metadata server (GCE, GKE, Cloud Run, Cloud Build) or other sources.
  if (await discoverCredentials(opts, credentialProbeMs)) return;
  throw new InputError(
    'No Google Cloud credentials were found (Application Default Credentials).',
    NO_CREDENTIALS_HINT,
  );
}
