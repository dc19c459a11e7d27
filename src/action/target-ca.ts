import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors';

/**
 * The target server's CA certificate given as text (input `target-database-ca`, from a secret):
 * written to a file only this user can read, in the runner's temp directory (removed with the
 * job), for `sslrootcert`. Text that is not a PEM certificate is refused, naming the input.
 */
export async function writeTargetCa(pem: string, dir = tmpdir()): Promise<string> {
  const text = pem.trim();
  if (!/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/.test(text)) {
    throw new InputError(
      'Input "target-database-ca" is not a PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----).',
      "Pass the target server's CA certificate, e.g. target-database-ca: ${{ secrets.TARGET_DATABASE_CA }} (Cloud SQL: the server CA; RDS: the region's bundle).",
    );
  }
  const file = join(await mkdtemp(join(dir, 'target-ca-')), 'ca.pem');
  await writeFile(file, `${text}\n`, { mode: 0o600 });
  return file;
}
