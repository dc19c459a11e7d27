import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readInputs, toPromotionOptions } from '../../src/action/inputs';
import { resolveConfig } from '../../src/cli/config';
import { PromotionOptions } from '../../src/options';
import { recordPlanOptions, withRecordedPlanOptions } from '../../src/pipeline/plan-options';

/** `cleanup-referenced-rows` (issue 14 property 5) through both front ends and the switch's record. */
describe('cleanup-referenced-rows', () => {
  const inputs = {
    'github-token': 'ghs_x',
    'database-url': 'postgres://u:p@db:5432/app',
    'skip-cloud-run': 'true',
  };
  const get = (values: Record<string, string>) => (name: string) => values[name] ?? '';
  const given = (extra: Record<string, unknown> = {}) =>
    PromotionOptions.parse({ databaseUrl: 'postgres://h/db', tenantSlug: 'acme-corp', ...extra });

  it('action input: keep by default, remove-unused when set, anything else refused by name', () => {
    assert.equal(toPromotionOptions(readInputs(get(inputs)), 'acme', {}).cleanupReferencedRows, 'keep');
    const set = readInputs(get({ ...inputs, 'cleanup-referenced-rows': 'remove-unused' }));
    assert.equal(toPromotionOptions(set, 'acme', {}).cleanupReferencedRows, 'remove-unused');
    assert.throws(
      () => readInputs(get({ ...inputs, 'cleanup-referenced-rows': 'all' })),
      /Input "cleanup-referenced-rows" must be one of keep, remove-unused/,
    );
  });

  it('CLI: --cleanup-referenced-rows over CLEANUP_REFERENCED_ROWS; an invalid value is named', () => {
    const env = { DATABASE_URL: 'postgres://u:p@db:5432/app', SKIP_CLOUD_RUN: 'true' };
    const fromEnv = resolveConfig({
      flags: { tenantSlug: 'acme' },
      env: { ...env, CLEANUP_REFERENCED_ROWS: 'remove-unused' },
    });
    assert.equal(fromEnv.options.cleanupReferencedRows, 'remove-unused');
    const fromFlag = resolveConfig({
      flags: { tenantSlug: 'acme', cleanupReferencedRows: 'keep' },
      env: { ...env, CLEANUP_REFERENCED_ROWS: 'remove-unused' },
    });
    assert.equal(fromFlag.options.cleanupReferencedRows, 'keep');
    assert.throws(
      () => resolveConfig({ flags: { tenantSlug: 'acme', cleanupReferencedRows: 'some' }, env }),
      /--cleanup-referenced-rows/,
    );
  });

  it('recorded at the switch: a re-run given keep resumes with remove-unused, and the note says so', () => {
    const recorded = recordPlanOptions(given({ cleanupReferencedRows: 'remove-unused' }));
    assert.equal(recorded.cleanup_referenced_rows, 'remove-unused');
    const out = withRecordedPlanOptions(given({ cleanupReferencedRows: 'keep' }), recorded);
    assert.equal(out.options.cleanupReferencedRows, 'remove-unused');
    assert.match(out.note ?? '', /cleanup-referenced-rows: remove-unused\), not the ones given/);
    // keep is the default: the action's explicit keep equals a record made without the option.
    const before = recordPlanOptions(given());
    assert.equal(withRecordedPlanOptions(given({ cleanupReferencedRows: 'keep' }), before).note, undefined);
  });
});
