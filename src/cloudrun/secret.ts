/**
 * The tenant's database password in Secret Manager: added as a new version of the secret named
 * by `db-password-secret`, referenced by the service, retired again on undo.
 */
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import type { Logger } from '../log';
import { redact } from '../secrets';
import { SECRET_PERMISSION_HINT, googleError, grpcDetails, isNotFound } from './google-errors';

const NOT_FOUND_HINT =
  'Create the secret first (gcloud secrets create <name> --replication-policy=automatic), or fix db-password-secret.';

/** Fails with a clear error when the secret is missing or unreadable (used by dry runs). */
export async function checkSecret(client: SecretManagerServiceClient, secret: string): Promise<void> {
  try {
    await client.getSecret({ name: secret });
  } catch (e) {
    throw googleError(e, `Secret ${secret} cannot be read`, {
      permission: SECRET_PERMISSION_HINT,
      notFound: NOT_FOUND_HINT,
    });
  }
}

/** Adds `password` as a new version; returns the version's full name. */
export async function addPasswordVersion(
  client: SecretManagerServiceClient,
  secret: string,
  password: string,
): Promise<string> {
  try {
    const [version] = await client.addSecretVersion({
      parent: secret,
      payload: { data: Buffer.from(password, 'utf8') },
    });
    if (!version.name) throw new Error('Secret Manager answered without a version name');
    return version.name;
  } catch (e) {
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
export async function retireVersion(
  client: SecretManagerServiceClient,
  version: string,
  log: Logger,
): Promise<void> {
  try {
    await client.destroySecretVersion({ name: version });
    log.info(`Destroyed secret version ${version}.`);
    return;
  } catch (e) {
    if (isNotFound(e)) return;
    log.warn(
      `Could not destroy secret version ${version} (${redact(grpcDetails(e))}); disabling it instead.`,
    );
  }
  try {
    await client.disableSecretVersion({ name: version });
    log.info(`Disabled secret version ${version}.`);
  } catch (e) {
    if (isNotFound(e)) return;
    throw googleError(e, `Could not disable secret version ${version}`, {
      permission: SECRET_PERMISSION_HINT,
    });
  }
}
