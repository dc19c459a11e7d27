import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import { rollbackSteps } from '../../src/pipeline/rollback';
import { runEngine } from '../support/child-run';
import { testDeps } from '../support/engine';
import { sessionsGone } from '../support/fault-checks';
import { DATABASE_URL, query, urlFor } from '../support/pg';
import { brokenForeignKeys, createRollbackFixture, rows } from '../support/rollback-fixture';
import { tempDir } from '../support/tmp';

/**
 * Issue 17, property 5: SIGKILL the rollback (a child process, not an exception) at every step
 * boundary and in the middle of the restore, then run it again. Right after the kill the tenant
 * is in one of two states — isolated with its database holding every write, or shared with every
 * write back — never in between; after the re-run it is fully back, every write of the tenant
 * and of the others in place, foreign keys valid, nothing left behind.
 */

const POINTS = [
  ...rollbackSteps().flatMap((s) => [`before:${s.name}`, `after:${s.name}`]),
  'restore:"public"."memberships"',
  'restore:before-commit',
];
const tally = { tried: 0, killed: 0, notReached: [] as string[], lost: 0 };

describe(
  'rollback: SIGKILL at every step boundary and mid-restore, then a plain re-run',
  { concurrency: 2 },
  () => {
    after(() => {
      console.log(
        `rollback crash points: ${tally.tried} tried, ${tally.killed} killed the run, not reached (step skipped): ${tally.notReached.join(', ') || 'none'}; writes lost: ${tally.lost}`,
      );
    });
    for (const point of POINTS) {
      it(point, async () => {
        const f = await createRollbackFixture();
        const slug = f.slugs.acme;
        const names = deriveNames(slug);
        const configDir = await tempDir('rollback-faults-');
        const opts = {
          databaseUrl: f.engineUrl,
          tenantSlug: slug,
          skipCloudRun: true,
          configDir,
          maxFreezeMs: 10_000,
        };
        try {
          const { record } = await promote(opts, testDeps('rollback-faults'));
          assert.equal(record.result, 'promoted', JSON.stringify(record.error));
          const iso = urlFor(names.database);
          // Writes of the isolated tenant (a user behind a new membership, an own row changed) and of
          // another tenant in the shared database.
          await query(
            iso,
            `WITH u AS (INSERT INTO users (email, name) VALUES ('new@acme', 'New') RETURNING id)
           INSERT INTO memberships (tenant_id, user_id, role_id) SELECT t.id, u.id, 1 FROM tenants t, u`,
          );
          await query(iso, `UPDATE projects SET name = 'acme-a (renamed)' WHERE name = 'acme-a'`);
          await query(f.url, `INSERT INTO users (email, name) VALUES ('new@hooli', 'Hooli New')`);
          const acme = {
            users: `SELECT u.email, u.name FROM users u WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.tenant_id = 1)`,
            memberships: `SELECT id, tenant_id, user_id, role_id FROM memberships WHERE tenant_id = 1`,
            projects: `SELECT id, owner_id, name FROM projects WHERE tenant_id = 1`,
          };
          const want: Record<string, string[]> = {};
          for (const [k, sql] of Object.entries(acme)) want[k] = await rows(iso, sql);

          tally.tried++;
          const first = await runEngine('rollback', opts, `kill@${point}`);
          if (first.signal === 'SIGKILL') tally.killed++;
          else {
            const step = point.split(':')[1];
            assert.equal(
              first.record?.steps.find((s) => s.name === step)?.status,
              'skipped',
              `${point}: ${first.lines.slice(-5).join('\n')}`,
            );
            tally.notReached.push(point);
          }
          assert.equal(
            await sessionsGone([`rbshared_${f.suffix}`, names.database]),
            0,
            'sessions of the killed run',
          );

          // Right after the kill: one of the two clean states.
          const [t] = await query<{ m: string }>(
            f.url,
            'SELECT isolation_mode AS m FROM tenants WHERE slug = $1',
            [slug],
          );
          if (t!.m === 'isolated') {
            for (const [k, sql] of Object.entries(acme))
              assert.deepEqual(await rows(iso, sql), want[k], `${point}: isolated ${k} intact`);
          } else {
            for (const [k, sql] of Object.entries(acme))
              assert.deepEqual(await rows(f.url, sql), want[k], `${point}: shared ${k} already back`);
          }

          const second = await runEngine('rollback', opts);
          assert.equal(
            second.record?.result,
            'rolled-back',
            `${point}: re-run ${second.record?.result}: ${JSON.stringify(second.record?.error)} ${second.lines.slice(-5).join('\n')}`,
          );
          for (const [k, sql] of Object.entries(acme)) {
            const got = await rows(f.url, sql);
            if (JSON.stringify(got) !== JSON.stringify(want[k])) tally.lost++;
            assert.deepEqual(got, want[k], `${point}: ${k} back`);
          }
          assert.deepEqual(await rows(f.url, `SELECT email FROM users WHERE email = 'new@hooli'`), [
            '(new@hooli)',
          ]);
          assert.deepEqual(await brokenForeignKeys(f.url), []);
          const left = await query<{ n: string }>(
            DATABASE_URL,
            `SELECT datname AS n FROM pg_database
            WHERE strpos(datname, $1) > 0 OR strpos(coalesce(shobj_description(oid, 'pg_database'), ''), $1) > 0
            UNION ALL SELECT rolname FROM pg_roles WHERE strpos(rolname, $1) > 0 ORDER BY 1`,
            [f.suffix],
          );
          assert.deepEqual(
            left.map((r) => r.n),
            [`rbshared_${f.suffix}`],
            `${point}: no database or role left behind`,
          );
        } finally {
          await f.cleanup();
          await rm(configDir, { recursive: true, force: true });
        }
      });
    }
  },
);
