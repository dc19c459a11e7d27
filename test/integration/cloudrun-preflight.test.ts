import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { preflightCloudRun } from '../../src/cloudrun/preflight';
import { InputError } from '../../src/errors';
import { CloudRunOptions } from '../../src/options';

const dir = mkdtempSync(path.join(tmpdir(), 'preflight-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const base = CloudRunOptions.parse({
  project: 'acme-prod',
  image: 'us-docker.pkg.dev/acme/apps/api:1',
  dbPasswordSecret: 'tenant-db-password',
  apiEndpoint: 'http://127.0.0.1:9',
  secretManagerEndpoint: 'http://127.0.0.1:9',
});
/** An environment with no credentials anywhere (no ADC file, no metadata server). */
const bare = { CLOUDSDK_CONFIG: path.join(dir, 'empty-gcloud'), HOME: dir };

const rejectsWith = (p: Promise<void>, message: RegExp, hint: RegExp) =>
  assert.rejects(
    p,
    (e: unknown) => e instanceof InputError && message.test(e.message) && hint.test(e.hint ?? ''),
  );

describe('preflightCloudRun', () => {
  it('passes with both endpoints plaintext and no credentials at all', async () => {
    await preflightCloudRun(base, bare);
  });

  it('refuses a missing project, image or password secret, saying how to fix it', async () => {
    await rejectsWith(
      preflightCloudRun({ ...base, project: '' }, bare),
      /gcp-project is required/,
      /skip-cloud-run/,
    );
    await rejectsWith(
      preflightCloudRun({ ...base, project: 'Acme Prod' }, bare),
      /not a Google Cloud project id/,
      /project id/,
    );
    await rejectsWith(
      preflightCloudRun({ ...base, image: '' }, bare),
      /container-image is required/,
      /container-image/,
    );
    await rejectsWith(
      preflightCloudRun({ ...base, dbPasswordSecret: undefined }, bare),
      /db-password-secret is required.*never as a plain environment value/,
      /gcloud secrets create/,
    );
    await rejectsWith(
      preflightCloudRun({ ...base, dbPasswordSecret: 'a/b' }, bare),
      /not a Secret Manager secret name/,
      /projects/,
    );
    await rejectsWith(
      preflightCloudRun({ ...base, minInstances: 5, maxInstances: 2 }, bare),
      /min-instances/,
      /max-instances/,
    );
    await rejectsWith(
      preflightCloudRun({ ...base, serviceAccount: 'nope' }, bare),
      /service-account/,
      /iam.gserviceaccount.com/,
    );
  });

  it('refuses a plaintext endpoint off loopback unless allowed', async () => {
    const opts = { ...base, apiEndpoint: 'http://10.0.0.8:8080' };
    await rejectsWith(preflightCloudRun(opts, bare), /cloud-run-api-endpoint/, /allow-insecure-endpoint/);
    await preflightCloudRun({ ...opts, allowInsecureEndpoint: true }, bare);
  });

  it('with a TLS endpoint, needs credentials: GOOGLE_APPLICATION_CREDENTIALS must be a file', async () => {
    const opts = { ...base, apiEndpoint: undefined };
    await rejectsWith(
      preflightCloudRun(opts, { ...bare, GOOGLE_APPLICATION_CREDENTIALS: path.join(dir, 'missing.json') }),
      /GOOGLE_APPLICATION_CREDENTIALS points to/,
      /google-github-actions\/auth/,
    );
    const file = path.join(dir, 'creds.json');
    writeFileSync(file, '{}');
    await preflightCloudRun(opts, { ...bare, GOOGLE_APPLICATION_CREDENTIALS: file });
  });

  it('accepts the gcloud application-default file', async () => {
    const config = path.join(dir, 'gcloud');
    await import('node:fs').then((fs) => fs.mkdirSync(config, { recursive: true }));
    writeFileSync(path.join(config, 'application_default_credentials.json'), '{}');
    await preflightCloudRun(
      { ...base, secretManagerEndpoint: undefined },
      { ...bare, CLOUDSDK_CONFIG: config },
    );
  });

  it('refuses when no credentials can be found, before any deploy', async () => {
    // google-auth-library reads process.env itself: make this process credential-less for the probe.
    const saved = { ...process.env };
    process.env.METADATA_SERVER_DETECTION = 'none';
    process.env.CLOUDSDK_CONFIG = bare.CLOUDSDK_CONFIG;
    process.env.HOME = dir;
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    try {
      await rejectsWith(
        preflightCloudRun({ ...base, apiEndpoint: undefined }, bare, { credentialProbeMs: 3000 }),
        /No Google Cloud credentials were found/,
        /gcloud auth application-default login/,
      );
    } finally {
      for (const k of [
        'METADATA_SERVER_DETECTION',
        'CLOUDSDK_CONFIG',
        'HOME',
        'GOOGLE_APPLICATION_CREDENTIALS',
      ])
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
    }
  });
});
