import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readInputs, toPromotionOptions } from '../../src/action/inputs';
import { resolveConfig } from '../../src/cli/config';
import { PromotionError } from '../../src/errors';
import { deriveNames, sharedToolSchema } from '../../src/names';
import { describeIsolationLevel, resolveIsolationLevel } from '../../src/pipeline/isolation-level';
import { isToolSchema, TOOL_SCHEMA_PREFIX } from '../../src/postgres/tool-schemas';

/** isolation-level (issue 21) through both front ends, the Makefile and the tenants row's settings. */
describe('isolation-level', () => {
  const inputs = {
    'github-token': 'ghs_x',
    'database-url': 'postgres://u:p@db:5432/app',
    'skip-cloud-run': 'true',
  };
  const get = (values: Record<string, string>) => (name: string) => values[name] ?? '';

  it('action input: unset by default (the settings decide), database or schema when set, anything else refused', () => {
    assert.equal(toPromotionOptions(readInputs(get(inputs)), 'acme', {}).isolationLevel, undefined);
    const set = readInputs(get({ ...inputs, 'isolation-level': 'schema' }));
    assert.equal(toPromotionOptions(set, 'acme', {}).isolationLevel, 'schema');
    assert.throws(
      () => readInputs(get({ ...inputs, 'isolation-level': 'row' })),
      /Input "isolation-level" must be one of database, schema/,
    );
  });

  it('CLI: --isolation-level over ISOLATION_LEVEL; an invalid value is named', () => {
    const env = { DATABASE_URL: 'postgres://u:p@db:5432/app', SKIP_CLOUD_RUN: 'true' };
    assert.equal(resolveConfig({ flags: { tenantSlug: 'acme' }, env }).options.isolationLevel, undefined);
    const fromEnv = resolveConfig({
      flags: { tenantSlug: 'acme' },
      env: { ...env, ISOLATION_LEVEL: 'schema' },
    });
    assert.equal(fromEnv.options.isolationLevel, 'schema');
    assert.equal(fromEnv.sources.isolationLevel, 'ISOLATION_LEVEL (environment)');
    const fromFlag = resolveConfig({
      flags: { tenantSlug: 'acme', isolationLevel: 'database' },
      env: { ...env, ISOLATION_LEVEL: 'schema' },
    });
    assert.equal(fromFlag.options.isolationLevel, 'database');
    assert.throws(
      () => resolveConfig({ flags: { tenantSlug: 'acme' }, env: { ...env, ISOLATION_LEVEL: 'table' } }),
      /ISOLATION_LEVEL/,
    );
  });

  it('Make: help shows ISOLATION_LEVEL, which reaches the CLI through the environment', () => {
    const help = execFileSync('make', ['-s', '--no-print-directory', 'help'], { encoding: 'utf8' });
    assert.match(help, /make isolate TENANT_ID=acme-corp ISOLATION_LEVEL=schema/);
    const makefile = readFileSync('Makefile', 'utf8');
    assert.match(makefile, /^export ISOLATION_LEVEL$/m);
  });

  it('an explicit level wins over settings.isolation_level, which wins over the default', () => {
    assert.deepEqual(resolveIsolationLevel('database', { isolation_level: 'schema' }, 'acme'), {
      level: 'database',
      from: 'input',
    });
    assert.deepEqual(resolveIsolationLevel(undefined, { isolation_level: 'schema' }, 'acme'), {
      level: 'schema',
      from: 'tenant-settings',
    });
    assert.deepEqual(resolveIsolationLevel(undefined, { theme: 'dark' }, 'acme'), {
      level: 'database',
      from: 'default',
    });
    assert.equal(
      describeIsolationLevel({ level: 'schema', from: 'tenant-settings' }),
      "isolation level schema (from the tenants row's settings.isolation_level)",
    );
  });

  it('a settings value that is not a level is refused, quoted, with the setting that overrides it', () => {
    for (const bad of ['row', 42, { level: 'schema' }]) {
      assert.throws(
        () => resolveIsolationLevel(undefined, { isolation_level: bad }, 'acme', 'cli'),
        (e: unknown) =>
          e instanceof PromotionError &&
          /settings\.isolation_level .* not a level this tool promotes to/.test(e.message) &&
          /--isolation-level \(or ISOLATION_LEVEL\)/.test(e.hint ?? ''),
      );
    }
  });
});

describe('the tenant tool schema in the shared database', () => {
  it('is _tenant_isolation_<slug>, within 63 bytes for the longest slug, distinct per slug, never a mapped name', () => {
    assert.equal(sharedToolSchema('acme-corp'), '_tenant_isolation_acme_corp');
    const long = `a${'b'.repeat(61)}c`;
    const other = `a${'b'.repeat(60)}cc`;
    assert.ok(Buffer.byteLength(sharedToolSchema(long)) <= 63);
    assert.notEqual(sharedToolSchema(long), sharedToolSchema(other));
    assert.ok(sharedToolSchema(long).startsWith(TOOL_SCHEMA_PREFIX));
    assert.ok(!deriveNames('acme-corp').database.startsWith(TOOL_SCHEMA_PREFIX));
    // By name, only the run schema is the tool's: a shared-database tool schema is told apart
    // from an application schema of such a name by its marker (the catalog reads check it).
    assert.ok(isToolSchema(TOOL_SCHEMA_PREFIX));
    assert.ok(!isToolSchema('_tenant_isolation_archive'));
  });
});
