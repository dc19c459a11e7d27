import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { describe, it } from 'node:test';
import pg from 'pg';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import { engineOptions, testDeps } from '../support/engine';
import { tenantId } from '../support/fault-checks';
import { tableRows } from '../support/fingerprint';
import { SUBJECTS, subjectFixture } from '../support/subject-fixture';
import { query, urlFor } from '../support/pg';

/**
 * Adversarial review of the switch's one base read (issue 18 at the commit point; issue 13,
 * property 5). The base pass now reads part of the tenant's tables in a helper session that
 * imported S and ends before the freeze. The freeze pass rests on S's transaction holding its
 * lock on every table until the commit: "while S is held, a version S sees cannot be pruned or
 * moved (VACUUM FULL and CLUSTER wait for the locks S's transaction holds)" (catch-up.ts, Block
 * digests). A table only the helper read was not locked by S's transaction any more: a VACUUM
 * FULL (or CLUSTER, or a table-rewriting ALTER) by someone else could move every version S saw
 * between the base pass and the freeze.
 */

/** The tenant's tables of the fixture that the freeze pass reads (a partitioned one among them). */
const TABLES = ['projects', 'project_members', 'users', 'agent_events', 'audit_logs'];

for (const subject of SUBJECTS) {
  describe(`the switch's base pass keeps every table locked until the commit, as ${subject}`, () => {
    const fixture = subjectFixture(subject, { rows: 200 });

    it('a VACUUM FULL by someone else between the base pass and the freeze waits; nothing is lost', async () => {
      const { f } = fixture;
      const slug = f.tenants.main;
      const id = await tenantId(f, slug);
      const opts = await engineOptions(f, slug, { keepSharedData: true, ...fixture.engine });
      const lockable: string[] = [];
      try {
        const { record } = await promote(
          opts,
          testDeps('switch-one-scan', {
            fault: async (point) => {
              if (point !== 'switch:before-freeze') return;
              // Writes after S: a deleted row and an updated one (the application's contract:
              // the tenant row read FOR SHARE in the same transaction).
              await query(
                f.url,
                `BEGIN;
                 SELECT 1 FROM tenants WHERE id = '${id}' FOR SHARE;
                 DELETE FROM agent_events WHERE (id, occurred_at) =
                   (SELECT id, occurred_at FROM agent_events WHERE tenant_id = '${id}' ORDER BY id LIMIT 1 OFFSET 3);
                 UPDATE projects SET name = name || ' (renamed)'
                  WHERE id = (SELECT id FROM projects WHERE tenant_id = '${id}' ORDER BY id LIMIT 1);
                 COMMIT`,
              );
              // Someone else rewrites the tables it can lock now (NOWAIT: no waiting, no timing).
              const c = new pg.Client({ connectionString: f.url });
              await c.connect();
              try {
                for (const t of TABLES) {
                  await c.query('BEGIN');
                  try {
                    await c.query(`LOCK TABLE ${t} IN ACCESS EXCLUSIVE MODE NOWAIT`);
                    lockable.push(t);
                  } catch (e) {
                    assert.equal((e as { code?: string }).code, '55P03', (e as Error).message);
                  } finally {
                    await c.query('ROLLBACK');
                  }
                }
                // Nothing else holds them while the run waits here: the rewrite goes through.
                for (const t of lockable) await c.query(`VACUUM FULL ${t}`);
              } finally {
                await c.end();
              }
            },
          }),
        );
        assert.equal(record.result, 'promoted', JSON.stringify(record.error));
        console.log(
          `${subject}: lockable ${JSON.stringify(lockable)}; freeze ${JSON.stringify(record.freeze)}`,
        );
        const target = urlFor(deriveNames(slug).database);
        for (const t of ['projects', 'agent_events']) {
          assert.deepEqual(
            await tableRows(target, `public.${t}`),
            await tableRows(f.url, `public.${t}`, 't.tenant_id = $1', [id]),
            `${t}: the new database holds the tenant's rows`,
          );
        }
        assert.deepEqual(lockable, [], 'S’s transaction holds every table it read at S until the commit');
      } finally {
        await rm(opts.configDir, { recursive: true, force: true });
      }
    });
  });
}
