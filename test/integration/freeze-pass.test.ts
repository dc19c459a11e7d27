import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import { engineOptions, testDeps } from '../support/engine';
import { tenantId } from '../support/fault-checks';
import { tableRows } from '../support/fingerprint';
import { SUBJECTS, subjectFixture } from '../support/subject-fixture';
import { query, urlFor } from '../support/pg';

/**
 * The freeze pass applies only what changed since the base snapshot. A dependent row can become
 * the tenant's without changing (its parent moved to the tenant), and a deletion can hide that
 * from the counts: the pass must still settle such a table exactly. As the `postgres` superuser
 * (replica mode) and as a non-superuser admin role (foreign keys checked, ON DELETE actions firing;
 * BYPASSRLS because the fixture has tables under row-level security, see support/nonsuper.ts).
 */
for (const subject of SUBJECTS) {
  describe(`freeze pass (writes between the base snapshot and the freeze), as ${subject}`, () => {
    const fixture = subjectFixture(subject, { rows: 40 });

    it('a parent moved to the tenant brings its unchanged children, even when a deletion balances the count', async () => {
      const { f } = fixture;
      const slug = f.tenants.main;
      const a = await tenantId(f, slug);
      const b = await tenantId(f, f.tenants.other);
      const votes = `EXISTS (SELECT 1 FROM design_recommendations d WHERE d.id = t.recommendation_id AND d.tenant_id = $1)`;
      const { record } = await promote(
        await engineOptions(f, slug, { keepSharedData: true, ...fixture.engine }),
        testDeps('freeze-pass', {
          fault: async (point) => {
            if (point !== 'switch:before-freeze') return;
            // Move one of B's recommendations (with its two old votes) to A, and delete two of A's
            // votes: the vote count of A is unchanged, and the moved votes' rows did not change.
            await query(
              f.url,
              `UPDATE design_recommendations SET tenant_id = $1,
                    project_id = (SELECT min(id) FROM projects WHERE tenant_id = $1)
              WHERE id = (SELECT min(id) FROM design_recommendations WHERE tenant_id = $2)`,
              [a, b],
            );
            await query(
              f.url,
              `DELETE FROM recommendation_votes WHERE (recommendation_id, voter) IN (
               SELECT v.recommendation_id, v.voter FROM recommendation_votes v
                 JOIN design_recommendations d ON d.id = v.recommendation_id
                WHERE d.tenant_id = $1 ORDER BY d.id ASC LIMIT 2)`,
              [a],
            );
          },
        }),
      );
      assert.equal(record.result, 'promoted', JSON.stringify(record.error));
      const target = urlFor(deriveNames(slug).database);
      assert.deepEqual(
        await tableRows(target, 'public.recommendation_votes'),
        await tableRows(f.url, 'public.recommendation_votes', votes, [a]),
        'the votes in the new database are exactly the tenant votes at the switch',
      );
      assert.deepEqual(
        await tableRows(target, 'public.design_recommendations'),
        await tableRows(f.url, 'public.design_recommendations', 't.tenant_id = $1', [a]),
      );
    });
  });
}
