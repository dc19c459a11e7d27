import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { InputError } from '../../src/errors';
import { INPUT_NAMES, parseDurationMs, readInputs, toPromotionOptions } from '../../src/action/inputs';

const get = (values: Record<string, string>) => (name: string) => values[name] ?? '';
const base = { 'github-token': 'ghs_x', 'database-url': 'postgres://u:p@db:5432/app' };

describe('readInputs', () => {
  it('applies the documented defaults', () => {
    const i = readInputs(get(base));
    assert.equal(i.label, 'promote-tenant');
    assert.equal(i['rollback-label'], 'promote-tenant-rollback');
    assert.equal(i['gcp-region'], 'us-central1');
    assert.equal(i['base-domain'], 'factory.local');
    assert.equal(i['config-dir'], 'config');
    assert.equal(i['tenants-table'], 'tenants');
    assert.equal(i['tenant-key'], 'tenant_id');
    assert.equal(i['keep-shared-data'], false);
    assert.equal(i['skip-cloud-run'], false);
    assert.equal(i['dry-run'], false);
    assert.equal(i['allow-forks'], false);
    assert.equal(i['required-permission'], 'write');
    assert.equal(i['max-freeze'], 2000);
    assert.equal(i['copy-parallelism'], 2);
    assert.equal(i['min-instances'], 0);
    assert.equal(i['max-instances'], 10);
    assert.equal(i.ingress, 'all');
    assert.equal(i['health-path'], '/health');
    assert.equal(i.operation, undefined);
    assert.equal(i['tenant-slug'], undefined);
    assert.equal(i['pull-request'], undefined);
  });

  it('parses booleans like core.getBooleanInput, numbers and durations', () => {
    const i = readInputs(
      get({
        ...base,
        'dry-run': 'TRUE',
        'skip-cloud-run': 'True',
        'allow-forks': 'false',
        'pull-request': '17',
        'max-freeze': '1.5s',
        'copy-parallelism': '4',
        operation: 'rollback',
      }),
    );
    assert.equal(i['dry-run'], true);
    assert.equal(i['skip-cloud-run'], true);
    assert.equal(i['allow-forks'], false);
    assert.equal(i['pull-request'], 17);
    assert.equal(i['max-freeze'], 1500);
    assert.equal(i['copy-parallelism'], 4);
    assert.equal(i.operation, 'rollback');
    assert.equal(parseDurationMs('250ms'), 250);
    assert.equal(parseDurationMs('2'), 2);
    assert.equal(parseDurationMs('soon'), undefined);
  });

  it('refuses a bad value naming the input and the rule', () => {
    const bad: [string, string, RegExp][] = [
      ['dry-run', 'yes', /"dry-run" must be true or false/],
      ['copy-parallelism', '99', /"copy-parallelism" must be a whole number from 1 to 16/],
      ['max-freeze', 'forever', /"max-freeze" must be a duration/],
      [
        'required-permission',
        'root',
        /"required-permission" must be one of read, triage, write, maintain, admin/,
      ],
      ['operation', 'drop', /"operation" must be one of promote, rollback/],
      ['pull-request', '1; rm', /"pull-request" must be a whole number/],
    ];
    for (const [name, value, re] of bad) {
      assert.throws(
        () => readInputs(get({ ...base, [name]: value })),
        (e: unknown) => {
          assert.ok(e instanceof InputError);
          assert.match(e.message, re);
          assert.match(e.hint ?? '', new RegExp(name));
          return true;
        },
      );
    }
  });

  it('action.yml declares every input the code reads, each with a description', () => {
    const yml = readFileSync(new URL('../../action.yml', `file://${__filename}`), 'utf8');
    for (const name of INPUT_NAMES) {
      const m = new RegExp(`^  ${name}:\\n    description: .+`, 'm').exec(yml);
      assert.ok(m, `action.yml lacks input ${name} with a description`);
    }
    const declared = [...yml.matchAll(/^ {2}([a-z-]+):\n {4}description:/gm)].map((m) => m[1]);
    const outputs = [
      'tenant-slug',
      'result',
      'database-name',
      'service-url',
      'revision',
      'deployment-id',
      'comment-url',
      'database-password',
    ];
    for (const name of declared)
      assert.ok(INPUT_NAMES.includes(name as never) || outputs.includes(name!), `undeclared ${name}`);
  });
});

describe('toPromotionOptions', () => {
  it('maps inputs and the slug to the engine’s options', () => {
    const i = readInputs(
      get({
        ...base,
        'gcp-project': 'proj',
        'container-image': 'us-docker.pkg.dev/p/r/api:1',
        'db-password-secret': 'tenant-db',
        'cloud-run-api-endpoint': 'http://127.0.0.1:9999',
        'allow-insecure-endpoint': 'true',
        'max-instances': '3',
        ingress: 'internal',
        'keep-shared-data': 'true',
        'database-host': '10.0.0.5:5432',
        'tenants-table': 'public.tenants',
      }),
    );
    const o = toPromotionOptions(i, 'acme-corp', { commitSha: 'abc' });
    assert.equal(o.tenantSlug, 'acme-corp');
    assert.equal(o.databaseUrl, base['database-url']);
    assert.equal(o.tenantsTable, 'public.tenants');
    assert.equal(o.keepSharedData, true);
    assert.equal(o.skipCloudRun, false);
    assert.equal(o.databaseHost, '10.0.0.5:5432');
    assert.equal(o.maxFreezeMs, 2000);
    assert.deepEqual(
      { ...o.cloudRun, deadlineSeconds: undefined },
      {
        project: 'proj',
        region: 'us-central1',
        image: 'us-docker.pkg.dev/p/r/api:1',
        vpcConnector: undefined,
        apiEndpoint: 'http://127.0.0.1:9999',
        secretManagerEndpoint: undefined,
        allowInsecureEndpoint: true,
        minInstances: 0,
        maxInstances: 3,
        ingress: 'internal',
        serviceAccount: undefined,
        dbPasswordSecret: 'tenant-db',
        healthPath: '/health',
        commitSha: 'abc',
        deadlineSeconds: undefined,
      },
    );
  });

  it('skip-cloud-run leaves Cloud Run out entirely', () => {
    const o = toPromotionOptions(readInputs(get({ ...base, 'skip-cloud-run': 'true' })), 'acme-corp');
    assert.equal(o.skipCloudRun, true);
    assert.equal(o.cloudRun, undefined);
  });

  it('refuses missing database-url, missing Cloud Run settings, bad identifiers and slugs', () => {
    assert.throws(
      () => toPromotionOptions(readInputs(get({ 'github-token': 't' })), 'acme-corp'),
      /"database-url" is required/,
    );
    assert.throws(
      () => toPromotionOptions(readInputs(get(base)), 'acme-corp'),
      /Cloud Run is on but "gcp-project" is empty/,
    );
    const skip = { ...base, 'skip-cloud-run': 'true' };
    assert.throws(
      () => toPromotionOptions(readInputs(get({ ...skip, 'tenant-key': 'id; drop' })), 'acme-corp'),
      /Invalid option tenantKey/,
    );
    assert.throws(() => toPromotionOptions(readInputs(get(skip)), 'Bad Slug'), /Invalid option tenantSlug/);
    assert.throws(
      () => toPromotionOptions(readInputs(get({ ...skip, 'tenant-id-column': 'id); drop' })), 'acme-corp'),
      /Invalid option tenantIdColumn/,
    );
  });

  it('tenant-id-column is optional and reaches the options', () => {
    const skip = { ...base, 'skip-cloud-run': 'true' };
    assert.equal(toPromotionOptions(readInputs(get(skip)), 'acme-corp').tenantIdColumn, undefined);
    assert.equal(
      toPromotionOptions(readInputs(get({ ...skip, 'tenant-id-column': ' store_id ' })), 'acme-corp')
        .tenantIdColumn,
      'store_id',
    );
  });
});

describe('target server inputs', () => {
  const withTarget = { ...base, 'skip-cloud-run': 'true' };
  it('target-database-url and target-database-ca-file reach the options; empty means the shared server', () => {
    const o = toPromotionOptions(
      readInputs(
        get({
          ...withTarget,
          'target-database-url': 'postgres://admin:pw@10.0.0.7:5432/postgres',
          'target-database-ca-file': '/etc/ssl/server-ca.pem',
        }),
      ),
      'acme-corp',
    );
    assert.equal(o.targetDatabaseUrl, 'postgres://admin:pw@10.0.0.7:5432/postgres');
    assert.equal(o.targetCaFile, '/etc/ssl/server-ca.pem');
    const plain = toPromotionOptions(readInputs(get(withTarget)), 'acme-corp');
    assert.equal(plain.targetDatabaseUrl, undefined);
  });

  it('refuses a target URL that is not one, two CAs, and a CA without a target', () => {
    assert.throws(
      () =>
        toPromotionOptions(
          readInputs(get({ ...withTarget, 'target-database-url': '10.0.0.7:5432' })),
          'acme-corp',
        ),
      /targetDatabaseUrl: must be a postgres:\/\/ or postgresql:\/\/ connection string/,
    );
    assert.throws(
      () =>
        toPromotionOptions(
          readInputs(
            get({
              ...withTarget,
              'target-database-url': 'postgres://a@h/p',
              'target-database-ca-file': '/ca.pem',
              'target-database-ca': '-----BEGIN CERTIFICATE-----x-----END CERTIFICATE-----',
            }),
          ),
          'acme-corp',
        ),
      /are both set/,
    );
    assert.throws(
      () =>
        toPromotionOptions(
          readInputs(get({ ...withTarget, 'target-database-ca-file': '/ca.pem' })),
          'acme-corp',
        ),
      /"target-database-url" is empty/,
    );
  });
});
