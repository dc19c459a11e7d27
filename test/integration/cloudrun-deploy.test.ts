/**
 * The deploy step's Cloud Run and Secret Manager calls, through the production clients
 * (@google-cloud/run ServicesClient, @google-cloud/secret-manager), against fake Google servers
 * at the wire.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  type DeployInput,
  deleteService,
  deployService,
  retireSecretVersion,
  undoDeploy,
} from '../../src/cloudrun/deploy';
import { PromotionError } from '../../src/errors';
import { memoryLogger } from '../../src/log';
import { CloudRunOptions } from '../../src/options';
import { type FakeCloudRun, startFakeCloudRun } from '../support/fake-cloudrun';
import {
  FAKE_PROJECT_NUMBER,
  type FakeSecretManager,
  startFakeSecretManager,
} from '../support/fake-secret-manager';

const PROJECT = 'acme-test';
const REGION = 'europe-west1';

let run: FakeCloudRun;
let sm: FakeSecretManager;
let secret: string;

before(async () => {
  [run, sm] = await Promise.all([startFakeCloudRun(), startFakeSecretManager()]);
  secret = sm.createSecret(PROJECT, 'tenant-db-password');
});
after(async () => {
  await Promise.all([run?.close(), sm?.close()]);
});

let counter = 0;
function setup(overrides: Partial<CloudRunOptions> = {}, dryRun = false) {
  const slug = `t${Date.now().toString(36)}-${++counter}`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const log = memoryLogger();
  const options = CloudRunOptions.parse({
    project: PROJECT,
    region: REGION,
    image: 'europe-docker.pkg.dev/acme/apps/api:1.4.2',
    apiEndpoint: run.endpoint,
    secretManagerEndpoint: sm.endpoint,
    dbPasswordSecret: 'tenant-db-password',
    commitSha: 'abc123',
    deadlineSeconds: 10,
    ...overrides,
  });
  const input: DeployInput = {
    options,
    serviceName: `api-${slug}`,
    slug,
    tenantId: `tid-${counter}`,
    database: {
      name: `tenant_${slug.replace(/-/g, '_')}`,
      host: '10.9.8.7',
      port: 5432,
      user: `${slug}_app`,
      password,
    },
    dryRun,
    log,
  };
  const fullName = `projects/${PROJECT}/locations/${REGION}/services/${input.serviceName}`;
  return { input, log, password, fullName, slug };
}

const requestsFor = (method: string, fullName: string) =>
  run.callsOf(method).filter((r) => (r.service?.name ?? r.name) === fullName);

describe('deployService against the fake Cloud Run and Secret Manager', () => {
  it('creates the service with env, scaling, labels and a secret reference; no plain password anywhere', async () => {
    const { input, log, password, fullName, slug } = setup({
      minInstances: 1,
      maxInstances: 4,
      vpcConnector: 'conn-1',
    });
    const result = await deployService(input);

    assert.equal(result.created, true);
    assert.equal(result.ready, true, result.readyMessage);
    assert.equal(result.validatedOnly, false);
    assert.equal(result.previousRevision, undefined);
    assert.match(result.revision ?? '', new RegExp(`^api-${slug}-00001-`));
    assert.equal(result.url, `https://api-${slug}-fake-uc.a.run.app`);
    assert.equal(result.fullName, fullName);
    assert.match(
      result.secretVersion ?? '',
      new RegExp(`^projects/${FAKE_PROJECT_NUMBER}/secrets/tenant-db-password/versions/\\d+$`),
    );

    // The password went to Secret Manager, as the new version the service references.
    const versions = sm.secrets.get(secret)!;
    const versionNo = Number(result.secretVersion!.split('/').pop());
    assert.equal(versions[versionNo - 1]?.data?.toString('utf8'), password);
    assert.equal(versions[versionNo - 1]?.state, 'ENABLED');

    const [update] = requestsFor('UpdateService', fullName);
    assert.ok(update, 'UpdateService was called');
    assert.equal(update.allowMissing, true);
    assert.ok(!update.validateOnly);
    const svc = update.service;
    const container = svc.template.containers[0];
    assert.equal(container.image, 'europe-docker.pkg.dev/acme/apps/api:1.4.2');
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.valueSource ?? e.value])); // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(env.TENANT_ID, input.tenantId);
    assert.equal(env.ISOLATION_MODE, 'isolated');
    assert.equal(env.DB_NAME, input.database.name);
    assert.equal(env.DB_HOST, '10.9.8.7');
    assert.equal(env.DB_PORT, '5432');
    assert.equal(env.DB_USER, input.database.user);
    assert.deepEqual(env.DB_PASSWORD, {
      secretKeyRef: { secret: `projects/${PROJECT}/secrets/tenant-db-password`, version: String(versionNo) },
    });
    assert.deepEqual(svc.template.scaling, { minInstanceCount: 1, maxInstanceCount: 4 });
    assert.equal(
      svc.template.vpcAccess.connector,
      `projects/${PROJECT}/locations/${REGION}/connectors/conn-1`,
    );
    assert.equal(svc.ingress, 'INGRESS_TRAFFIC_ALL');
    assert.deepEqual(svc.labels, { 'managed-by': 'tenant-promotion', tenant: slug, 'commit-sha': 'abc123' });

    // The password never crosses the Cloud Run wire, nor reaches the log.
    assert.equal(JSON.stringify(run.calls).includes(password), false);
    assert.equal(log.lines.join('\n').includes(password), false);
    assert.ok(run.services.has(fullName));
  });

  it('updates an existing service (created=false) and undo routes traffic back to the previous revision', async () => {
    const { input, fullName } = setup();
    const seeded = run.seed(fullName);
    const previous = seeded.latestReadyRevision.split('/').pop();

    const result = await deployService(input);
    assert.equal(result.created, false);
    assert.equal(result.ready, true, result.readyMessage);
    assert.equal(result.previousRevision, previous);
    assert.notEqual(result.revision, previous);
    const stored = run.services.get(fullName)!;
    assert.equal(stored.labels.team, 'platform', 'labels set by others are kept');
    const env = stored.template.containers[0].env.map((e: { name: string }) => e.name);
    assert.ok(env.includes('KEEP_ME'), 'env vars set by others are kept');
    assert.ok(env.includes('TENANT_ID'));

    await undoDeploy(input, result);
    assert.ok(run.services.has(fullName), 'a service this run did not create is never deleted');
    assert.equal(requestsFor('DeleteService', fullName).length, 0);
    assert.deepEqual(run.services.get(fullName)!.traffic, [
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: previous, percent: 100 },
    ]);
    const versionNo = Number(result.secretVersion!.split('/').pop());
    assert.equal(sm.secrets.get(secret)![versionNo - 1]?.state, 'DESTROYED');
    assert.equal(sm.secrets.get(secret)![versionNo - 1]?.data, undefined);
  });

  it('undo deletes a service this run created and destroys its secret version', async () => {
    const { input, fullName } = setup();
    const result = await deployService(input);
    assert.equal(result.created, true);
    await undoDeploy(input, result);
    assert.equal(run.services.has(fullName), false);
    assert.equal(requestsFor('DeleteService', fullName).length, 1);
    const versionNo = Number(result.secretVersion!.split('/').pop());
    assert.equal(sm.secrets.get(secret)![versionNo - 1]?.state, 'DESTROYED');
    // Idempotent: a second undo finds nothing to do and does not fail.
    await undoDeploy(input, result);
  });

  it('undo disables the version when destroying it is not allowed', async () => {
    const { input } = setup();
    const result = await deployService(input);
    sm.failNext('DestroySecretVersion', 'Permission secretmanager.versions.destroy denied');
    await undoDeploy(input, result);
    const versionNo = Number(result.secretVersion!.split('/').pop());
    assert.equal(sm.secrets.get(secret)![versionNo - 1]?.state, 'DISABLED');
  });

  it('dry run sends validateOnly, adds no secret version and stores nothing', async () => {
    const { input, fullName } = setup({}, true);
    const versionsBefore = sm.secrets.get(secret)!.length;
    const result = await deployService(input);
    assert.equal(result.validatedOnly, true);
    assert.equal(result.created, true);
    assert.equal(result.ready, false);
    assert.equal(result.secretVersion, undefined);
    const [update] = requestsFor('UpdateService', fullName);
    assert.equal(update?.validateOnly, true);
    assert.equal(update?.allowMissing, true);
    const pw = update?.service.template.containers[0].env.find(
      (e: { name: string }) => e.name === 'DB_PASSWORD',
    );
    assert.deepEqual(pw.valueSource.secretKeyRef.version, 'latest');
    assert.equal(run.services.has(fullName), false);
    assert.equal(sm.secrets.get(secret)!.length, versionsBefore);
    assert.ok(
      sm.callsOf('GetSecret').some((r) => r.name === secret),
      'a dry run checks the secret exists',
    );
    await undoDeploy(input, result); // nothing to undo
    assert.equal(requestsFor('DeleteService', fullName).length, 0);
  });

  it('a dry run with a missing secret fails with the fix', async () => {
    const { input } = setup({ dbPasswordSecret: 'no-such-secret' }, true);
    await assert.rejects(
      deployService(input),
      (e: unknown) =>
        e instanceof PromotionError &&
        e.code === 'cloud-run' &&
        /no-such-secret/.test(e.message) &&
        /gcloud secrets create/.test(e.hint ?? ''),
    );
  });

  it('a failed update throws, leaves no service and destroys the version it added', async () => {
    const { input, fullName } = setup();
    run.failNextUpdate('Revision template is invalid: container port 99999');
    const versionsBefore = sm.secrets.get(secret)!.length;
    await assert.rejects(deployService(input), (e: unknown) => {
      assert.ok(e instanceof PromotionError);
      assert.equal(e.code, 'cloud-run');
      assert.match(e.message, /container port 99999/);
      return true;
    });
    assert.equal(run.services.has(fullName), false);
    const added = sm.secrets.get(secret)!.slice(versionsBefore);
    assert.equal(added.length, 1);
    assert.equal(added[0]?.state, 'DESTROYED');
  });

  it('a permission error names the roles to grant', async () => {
    const { input } = setup();
    run.failNextUpdate("Permission 'iam.serviceaccounts.actAs' denied on service account", {
      immediate: true,
      code: 7,
    });
    await assert.rejects(
      deployService(input),
      (e: unknown) =>
        e instanceof PromotionError &&
        /actAs/.test(e.message) &&
        /roles\/iam.serviceAccountUser/.test(e.hint ?? ''),
    );
  });

  it('a never-ready service is reported with the condition message, and can be undone', async () => {
    const { input, fullName } = setup();
    const fake = await startFakeCloudRun();
    try {
      fake.neverReady('Revision failed: container failed to start and listen on PORT=8080');
      const result = await deployService({
        ...input,
        options: { ...input.options, apiEndpoint: fake.endpoint },
      });
      assert.equal(result.ready, false);
      assert.match(result.readyMessage ?? '', /failed to start and listen on PORT=8080/);
      assert.equal(result.created, true);
      assert.ok(result.revision);
      await undoDeploy({ ...input, options: { ...input.options, apiEndpoint: fake.endpoint } }, result);
      assert.equal(fake.services.has(fullName), false);
    } finally {
      await fake.close();
    }
  });

  it('a revision that fails its operation is reported not ready (the service exists), and undo deletes it', async () => {
    const { input, fullName } = setup();
    const fake = await startFakeCloudRun();
    try {
      fake.neverReady('Revision api-x-00001 is not ready and cannot serve traffic. Image not found', {
        failOperation: true,
      });
      const options = { ...input.options, apiEndpoint: fake.endpoint };
      const result = await deployService({ ...input, options });
      assert.equal(result.ready, false);
      assert.equal(result.created, true);
      assert.match(result.readyMessage ?? '', /Image not found/);
      assert.ok(result.secretVersion, 'the version is kept for the undo to retire');
      await undoDeploy({ ...input, options }, result);
      assert.equal(fake.services.has(fullName), false);
      assert.equal(
        sm.secrets.get(secret)![Number(result.secretVersion.split('/').pop()) - 1]?.state,
        'DESTROYED',
      );
    } finally {
      await fake.close();
    }
  });

  it('gives up at the deadline and cleans up what it made', async () => {
    const { input, fullName } = setup({ deadlineSeconds: 0.3 });
    const fake = await startFakeCloudRun();
    try {
      fake.hangOperations();
      const versionsBefore = sm.secrets.get(secret)!.length;
      const options = { ...input.options, apiEndpoint: fake.endpoint };
      await assert.rejects(
        deployService({ ...input, options }),
        (e: unknown) => e instanceof PromotionError && /did not finish within/.test(e.message),
      );
      // The service may exist (the operation ran on): it was created by this run, so it is deleted.
      assert.equal(fake.services.has(fullName), false);
      assert.equal(sm.secrets.get(secret)![versionsBefore]?.state, 'DESTROYED');
    } finally {
      await fake.close();
    }
  });
});

describe('deleteService (rollback)', () => {
  it('deletes a managed service, accepts a missing one, refuses one it did not create', async () => {
    const { input, fullName } = setup();
    await deployService(input);
    const log = memoryLogger();
    await deleteService(input.options, input.serviceName, log);
    assert.equal(run.services.has(fullName), false);
    await deleteService(input.options, input.serviceName, log); // missing is fine
    assert.ok(log.lines.some((l) => /does not exist/.test(l)));

    const other = setup();
    run.seed(other.fullName);
    await assert.rejects(
      deleteService(other.input.options, other.input.serviceName, log),
      (e: unknown) => e instanceof PromotionError && e.code === 'cleanup-refused',
    );
    assert.ok(run.services.has(other.fullName));
  });
});

describe('retireSecretVersion (rollback)', () => {
  it('destroys a recorded version and accepts one that is gone', async () => {
    const { input } = setup();
    const result = await deployService(input);
    const log = memoryLogger();
    await retireSecretVersion(input.options, result.secretVersion!, log);
    const n = Number(result.secretVersion!.split('/').pop());
    assert.equal(sm.secrets.get(secret)![n - 1]?.state, 'DESTROYED');
    await retireSecretVersion(input.options, result.secretVersion!.replace(/\d+$/, '9999'), log);
    await undoDeploy(input, result);
  });
});
