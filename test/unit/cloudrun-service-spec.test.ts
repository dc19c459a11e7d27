import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildService,
  labelValue,
  secretResourceName,
  serviceFullName,
  versionId,
  type ServiceSpecInput,
} from '../../src/cloudrun/service-spec';
import { InputError } from '../../src/errors';
import { CloudRunOptions } from '../../src/options';

const options = CloudRunOptions.parse({
  project: 'acme-prod',
  region: 'europe-west1',
  image: 'europe-docker.pkg.dev/acme/apps/api:1.4.2',
  dbPasswordSecret: 'tenant-db-password',
  commitSha: 'ABCDEF0123456789',
});

function input(overrides: Partial<ServiceSpecInput> = {}): ServiceSpecInput {
  return {
    options,
    serviceName: 'api-acme-corp',
    slug: 'acme-corp',
    tenantId: '42',
    database: { name: 'tenant_acme_corp', host: '10.1.2.3', port: 5432, user: 'tenant_acme_corp_app' },
    passwordSecret: { secret: 'projects/acme-prod/secrets/tenant-db-password', version: '7' },
    ...overrides,
  };
}

const envOf = (svc: ReturnType<typeof buildService>) =>
  Object.fromEntries(
    (svc.template?.containers?.[0]?.env ?? []).map((e) => [e.name, e.valueSource ?? e.value]),
  );

describe('buildService', () => {
  it('builds a new service: name, image, env, secret reference, labels, scaling, ingress, traffic', () => {
    const svc = buildService(input());
    assert.equal(svc.name, 'projects/acme-prod/locations/europe-west1/services/api-acme-corp');
    assert.equal(svc.template?.containers?.[0]?.image, options.image);
    assert.deepEqual(envOf(svc), {
      TENANT_ID: '42',
      ISOLATION_MODE: 'isolated',
      ISOLATION_LEVEL: 'database',
      DB_NAME: 'tenant_acme_corp',
      DB_HOST: '10.1.2.3',
      DB_PORT: '5432',
      DB_USER: 'tenant_acme_corp_app',
      DB_PASSWORD: {
        secretKeyRef: { secret: 'projects/acme-prod/secrets/tenant-db-password', version: '7' },
      },
    });
    assert.deepEqual(svc.labels, {
      'managed-by': 'tenant-promotion',
      tenant: 'acme-corp',
      'commit-sha': 'abcdef0123456789',
    });
    assert.deepEqual(svc.template?.labels, svc.labels);
    assert.deepEqual(svc.template?.scaling, { minInstanceCount: 0, maxInstanceCount: 10 });
    assert.equal(svc.ingress, 'INGRESS_TRAFFIC_ALL');
    assert.deepEqual(svc.traffic, [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }]);
    assert.equal(svc.template?.vpcAccess, undefined);
    assert.equal(svc.template?.serviceAccount, undefined);
    assert.equal('revision' in (svc.template ?? {}), false);
    assert.equal(svc.etag, undefined);
  });

  it('schema level: ISOLATION_LEVEL, DB_SCHEMA and DB_SEARCH_PATH (quoted); an update to database level says so and drops the rest', () => {
    const schema = {
      name: 'tenant_acme_corp',
      searchPath: ['tenant_acme_corp', 'tenant_acme_corp_analytics', 'Ext'],
    };
    const svc = buildService(input({ database: { ...input().database, schema } }));
    const env = envOf(svc);
    assert.equal(env.ISOLATION_LEVEL, 'schema');
    assert.equal(env.DB_SCHEMA, 'tenant_acme_corp');
    assert.equal(env.DB_SEARCH_PATH, '"tenant_acme_corp", "tenant_acme_corp_analytics", "Ext"');
    const back = buildService(input({ existing: svc }));
    assert.deepEqual(
      Object.keys(envOf(back)).filter((k) => ['DB_SCHEMA', 'DB_SEARCH_PATH'].includes(k)),
      [],
    );
    assert.equal(envOf(back).ISOLATION_LEVEL, 'database');
  });

  it('maps ingress, service account, scaling and a connector given by name', () => {
    const svc = buildService(
      input({
        options: {
          ...options,
          ingress: 'internal-and-cloud-load-balancing',
          serviceAccount: 'tenant-api@acme-prod.iam.gserviceaccount.com',
          minInstances: 1,
          maxInstances: 3,
          vpcConnector: 'db-connector',
          commitSha: undefined,
        },
      }),
    );
    assert.equal(svc.ingress, 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER');
    assert.equal(svc.template?.serviceAccount, 'tenant-api@acme-prod.iam.gserviceaccount.com');
    assert.deepEqual(svc.template?.scaling, { minInstanceCount: 1, maxInstanceCount: 3 });
    assert.deepEqual(svc.template?.vpcAccess, {
      connector: 'projects/acme-prod/locations/europe-west1/connectors/db-connector',
      egress: 'PRIVATE_RANGES_ONLY',
    });
    assert.equal(svc.labels?.['commit-sha'], undefined);
    const full = 'projects/net-host/locations/europe-west1/connectors/shared';
    assert.equal(
      buildService(input({ options: { ...options, vpcConnector: full } })).template?.vpcAccess?.connector,
      full,
    );
  });

  it('merges into an existing service: keeps what it does not manage, replaces what it does', () => {
    const existing = {
      name: 'projects/acme-prod/locations/europe-west1/services/api-acme-corp',
      description: 'tenant API',
      etag: '"abc"',
      labels: { team: 'platform', tenant: 'old' },
      annotations: { 'run.googleapis.com/launch-stage': 'BETA' },
      uri: 'https://old.a.run.app',
      latestReadyRevision:
        'projects/acme-prod/locations/europe-west1/services/api-acme-corp/revisions/api-acme-corp-00003-abc',
      template: {
        revision: 'api-acme-corp-pinned',
        timeout: { seconds: 30 },
        labels: { keep: 'me' },
        vpcAccess: { connector: 'projects/x/locations/y/connectors/z', egress: 'ALL_TRAFFIC' as const },
        containers: [
          {
            image: 'old:1',
            resources: { limits: { memory: '1Gi' } },
            env: [
              { name: 'FEATURE_X', value: 'on', values: 'value' },
              { name: 'DB_HOST', value: 'shared-db' },
              { name: 'DB_PASSWORD', value: 'plaintext-from-before' },
            ],
          },
          { image: 'sidecar:2', name: 'proxy' },
        ],
      },
    };
    const svc = buildService(input({ existing: existing as never }));
    assert.equal(svc.etag, '"abc"');
    assert.equal(svc.description, 'tenant API');
    assert.deepEqual(svc.annotations, existing.annotations);
    assert.equal(svc.uri, undefined, 'output-only fields are not sent back');
    assert.equal(svc.latestReadyRevision, undefined);
    assert.deepEqual(svc.labels, {
      team: 'platform',
      tenant: 'acme-corp',
      'managed-by': 'tenant-promotion',
      'commit-sha': 'abcdef0123456789',
    });
    assert.equal(
      'revision' in (svc.template ?? {}),
      false,
      'a pinned revision name would break every later deploy',
    );
    assert.deepEqual(svc.template?.timeout, { seconds: 30 });
    assert.equal(svc.template?.labels?.keep, 'me');
    assert.deepEqual(
      svc.template?.vpcAccess,
      existing.template.vpcAccess,
      'no connector input: the existing one stays',
    );
    const [primary, sidecar] = svc.template?.containers ?? [];
    assert.equal(primary?.image, options.image);
    assert.deepEqual(primary?.resources, { limits: { memory: '1Gi' } });
    assert.deepEqual(sidecar, { image: 'sidecar:2', name: 'proxy' });
    const env = envOf(svc);
    assert.equal(env.FEATURE_X, 'on');
    assert.equal(env.DB_HOST, '10.1.2.3');
    assert.deepEqual(env.DB_PASSWORD, {
      secretKeyRef: { secret: 'projects/acme-prod/secrets/tenant-db-password', version: '7' },
    });
    assert.equal(
      JSON.stringify(svc).includes('plaintext-from-before'),
      false,
      'a plain password env is replaced',
    );
    assert.equal(
      JSON.stringify(svc).includes('"values"'),
      false,
      'the oneof discriminator of a read is dropped',
    );
    assert.equal(primary?.env?.filter((e) => e.name === 'DB_HOST').length, 1);
  });
});

describe('names', () => {
  it('resolves db-password-secret given by id or full name, and refuses anything else', () => {
    assert.equal(
      secretResourceName('tenant-db-password', 'acme-prod'),
      'projects/acme-prod/secrets/tenant-db-password',
    );
    assert.equal(
      secretResourceName('projects/vault-proj/secrets/pw_1', 'acme-prod'),
      'projects/vault-proj/secrets/pw_1',
    );
    for (const bad of ['', 'projects/p/secrets/x/versions/1', 'a b', 'pw/../other', 'projects//secrets/x'])
      assert.throws(() => secretResourceName(bad, 'acme-prod'), InputError, bad);
  });

  it('takes the version id from a version name and builds service names', () => {
    assert.equal(versionId('projects/123456/secrets/pw/versions/12'), '12');
    assert.equal(
      serviceFullName({ project: 'p1', region: 'r1' }, 'api-x'),
      'projects/p1/locations/r1/services/api-x',
    );
  });

  it('makes label values Cloud Run accepts', () => {
    assert.equal(labelValue('Feature/ABC.1'), 'feature-abc-1');
    assert.equal(labelValue('x'.repeat(80)).length, 63);
  });
});
