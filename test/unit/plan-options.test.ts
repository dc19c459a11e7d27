import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PromotionOptions } from '../../src/options';
import { recordPlanOptions, withRecordedPlanOptions } from '../../src/pipeline/plan-options';

const given = (extra: Record<string, unknown> = {}) =>
  PromotionOptions.parse({ databaseUrl: 'postgres://h/db', tenantSlug: 'acme-corp', ...extra });

describe('plan options recorded at the switch', () => {
  it('the same overrides in another key order (as jsonb returns them) are not reported as overridden', () => {
    const recorded = recordPlanOptions(given({ tableOverrides: { 'public.b': 'skip', 'public.a': 'copy' } }));
    const reordered = { ...recorded, table_overrides: { 'public.a': 'copy', 'public.b': 'skip' } } as const;
    const out = withRecordedPlanOptions(
      given({ tableOverrides: { 'public.b': 'skip', 'public.a': 'copy' } }),
      reordered,
    );
    assert.equal(out.note, undefined);
  });

  it('a given option that differs from the recorded one is replaced, and the note names both', () => {
    const recorded = recordPlanOptions(given({ sharedRows: 'whole' }));
    const out = withRecordedPlanOptions(given(), recorded);
    assert.equal(out.options.sharedRows, 'whole');
    assert.match(out.note ?? '', /shared-rows: whole\), not the ones given \(shared-rows: \(not set\)\)/);
  });
});
