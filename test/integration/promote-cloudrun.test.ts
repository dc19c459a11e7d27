import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deriveNames } from '../../src/names';
import type { RunDeps } from '../../src/pipeline/api';
import { promote } from '../../src/pipeline/promote';
import { rollback } from '../../src/pipeline/rollback';
import { renderComment } from '../../src/report/render';
import { type FakeCloudRun, startFakeCloudRun, startFakeHealthServer } from '../support/fake-cloudrun';
import { type FakeSecretManager, startFakeSecretManager } from '../support/fake-secret-manager';
import { tempDir } from '../support/tmp';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { databaseExists } from '../support/fingerprint';
import { DATABASE_URL, query } from '../support/pg';
import { testDeps } from '../support/engine';

const PROJECT = 'acme-prod';
const REGION = 'europe-west1';

/**
 * The pipeline with Cloud Run on: the real @google-cloud/run and secret-manager clients talk to
 * gRPC fakes built from the packages' own protos; the service URL is a local health server.
 */
describe('promotion with Cloud Run (fake Google at the wire)', () => {
  let f: SharedFixture;
  let run: FakeCloudRun;
  let sm: FakeSecretManager;
  let health: Awaited<ReturnType<typeof startFakeHealthServer>>;
  before(async () => {
    health = await startFakeHealthServer([200]);
    [f, run, sm] = await Promise.all([
      createSharedFixture({ rows: 20 }),
      startFakeCloudRun({ uri: health.url }),
      startFakeSecretManager(),
    ]);
    sm.createSecret(PROJECT, 'tenant-db-password');
  });
  after(async () => {
    await Promise.all([run?.close(), sm?.close(), health?.close()]);
    await f?.cleanup();
  });

  const options = async (slug: string, extra: Record<string, unknown> = {}) => ({
    databaseUrl: f.url,
    tenantSlug: slug,
    configDir: await tempDir('promote-cr-'),
    maxFreezeMs: 10_000,
    cloudRun: {
      project: PROJECT,
      region: REGION,
      image: 'europe-docker.pkg.dev/acme/apps/api:1.4.2',
      apiEndpoint: run.endpoint,
      secretManagerEndpoint: sm.endpoint,
      dbPasswordSecret: 'tenant-db-password',
      commitSha: 'c0ffee',
      deadlineSeconds: 20,
    },
    ...extra,
  });

  it('deploys api-<slug> with tenant env, scaling, labels and the password by secret reference; checks its health', async () => {
    const slug = f.tenants.main;
    const names = deriveNames(slug);
    const opts = await options(slug);
    const outcome = await promote(opts, testDeps('tester'));
    const { record } = outcome;
    assert.equal(record.result, 'promoted', JSON.stringify(record.error));
    const full = `projects/${PROJECT}/locations/${REGION}/services/${names.service}`;
    type EnvVar = { name: string; value?: string; valueSource?: unknown };
    const service = run.services.get(full) as
      | {
          template: { containers: { env: EnvVar[] }[]; scaling: { maxInstanceCount: number } };
          labels: Record<string, string>;
        }
      | undefined;
    assert.ok(service, 'service stored in the fake');
    const container = service.template.containers[0]!;
    const env: Record<string, EnvVar> = Object.fromEntries(container.env.map((e) => [e.name, e]));
    const value = (name: string) => env[name]?.value;
    assert.equal(value('TENANT_ID'), slug);
    assert.equal(value('ISOLATION_MODE'), 'isolated');
    assert.equal(value('DB_NAME'), names.database);
    assert.ok(env.DB_PASSWORD?.valueSource, 'the password is a secret reference');
    assert.equal(value('DB_PASSWORD') ?? '', '');
    assert.equal(service.template.scaling.maxInstanceCount, 10);
    assert.equal(service.labels['managed-by'], 'tenant-promotion');
    assert.equal(service.labels['commit-sha'], 'c0ffee');
    assert.ok(
      !JSON.stringify(run.calls).includes(outcome.databasePassword!),
      'no plain password in any request',
    );

    assert.equal(record.serviceUrl, health.url);
    assert.ok(record.revision);
    const healthCheck = record.checks.find((c) => c.name === 'service-health');
    assert.equal(healthCheck?.status, 'pass', JSON.stringify(healthCheck));
    assert.ok(health.requests.includes('/health'));
    const comment = renderComment(record);
    assert.ok(comment.includes(health.url), 'the comment shows the service URL');
    const routing = JSON.parse(await readFile(join(opts.configDir, 'routing', `${slug}.json`), 'utf8'));
    assert.equal(routing.cloud_run.service, names.service);

    // Rolled back: the service the promotion created is deleted, its secret version retired.
    const back = await rollback(opts, testDeps('tester'));
    assert.equal(back.record.result, 'rolled-back', JSON.stringify(back.record.error));
    assert.equal(run.services.has(full), false);
  });

  it('a failure later in the pipeline deletes the service it created; nothing is left', async () => {
    const slug = f.tenants.small;
    const names = deriveNames(slug);
    const opts = await options(slug);
    const failing: RunDeps = {
      ...testDeps('tester'),
      fault: (point) => {
        if (point === 'before:switch') throw new Error('injected before the switch');
      },
    };
    const { record } = await promote(opts, failing);
    assert.equal(record.result, 'failed');
    assert.ok(record.undone.includes('deploy'), JSON.stringify(record.undone));
    assert.equal(
      run.services.has(`projects/${PROJECT}/locations/${REGION}/services/${names.service}`),
      false,
    );
    assert.equal(await databaseExists(names.database, DATABASE_URL), false);
    const [row] = await query<{ isolation_mode: string }>(
      f.url,
      'SELECT isolation_mode FROM tenants WHERE slug = $1',
      [slug],
    );
    assert.equal(row?.isolation_mode, 'shared');
  });

  it('an unhealthy service fails the promotion before the switch', async () => {
    const sick = await startFakeHealthServer([500]);
    const sickRun = await startFakeCloudRun({ uri: sick.url });
    try {
      const slug = f.tenants.other;
      const opts = await options(slug);
      opts.cloudRun.apiEndpoint = sickRun.endpoint;
      const { record } = await promote(opts, testDeps('tester'));
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.code, 'validation-failed');
      assert.equal(record.checks.find((c) => c.name === 'service-health')?.status, 'fail');
      assert.equal(record.committed, false);
      assert.equal(sickRun.services.size, 0, 'the service this run created was deleted');
    } finally {
      await Promise.all([sickRun.close(), sick.close()]);
    }
  });
});
