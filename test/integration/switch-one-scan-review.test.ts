import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import { baseScanSql, baseVersionDigestSql, readColumnsByTable } from '../../src/postgres/catch-up';
import { COLUMNS_FORM } from '../../src/postgres/checksum';
import { readClosureEdges } from '../../src/postgres/freeze-closure';
import { indexDrivenReads } from '../../src/postgres/freeze-reads';
import type { TenantPlan } from '../../src/postgres/plan-types';
import { planFixtureTenant } from '../support/tenant-plan';
import { engineOptions, testDeps } from '../support/engine';
import { tenantId } from '../support/fault-checks';
import { tableRows } from '../support/fingerprint';
import { SUBJECTS, subjectFixture } from '../support/subject-fixture';
import { createDatabase, dropArtifacts, query, uniqueSuffix, urlFor } from '../support/pg';

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
const TABLES = [
  'projects',
  'project_members',
  'users',
  'agent_events',
  'agent_events_2024',
  'agent_events_2025',
  'agent_events_default',
  'audit_logs',
];

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

/**
 * Held: the one scan reads the rows through `where`; the freeze scan reads them downwards from
 * their parents (freeze-reads.ts drivenVersions). Its version digests at S are those the freeze
 * pass took on its own at S — per bucket and per block — for a dependent table, referenced
 * tables, a self-closure and a table whose rows every tenant shares blocks with.
 */
describe('the one scan’s version digests are the freeze’s own at S, whatever reaches the rows', () => {
  const suffix = uniqueSuffix();
  let url: string;
  let plan: TenantPlan;
  before(async () => {
    url = await createDatabase(`tswonescan_${suffix}`);
    await query(
      url,
      `CREATE TABLE tenants (id bigint PRIMARY KEY, slug text NOT NULL UNIQUE);
       CREATE TABLE accounts (id bigint PRIMARY KEY, label text NOT NULL);
       CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, invited_by bigint REFERENCES users(id));
       CREATE INDEX ON users (invited_by);
       CREATE TABLE memberships (id bigint PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id),
                                 user_id bigint NOT NULL REFERENCES users(id));
       CREATE INDEX ON memberships (tenant_id);
       CREATE INDEX ON memberships (user_id);
       CREATE TABLE projects (id bigint PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id),
                              account_id bigint NOT NULL REFERENCES accounts(id));
       CREATE INDEX ON projects (tenant_id);
       CREATE INDEX ON projects (account_id);
       CREATE TABLE tasks (id bigint PRIMARY KEY, project_id bigint NOT NULL REFERENCES projects(id), note text NOT NULL);
       CREATE INDEX ON tasks (project_id);
       CREATE TABLE notes (tenant_id bigint NOT NULL REFERENCES tenants(id), body text NOT NULL);
       CREATE INDEX ON notes (tenant_id);
       INSERT INTO tenants VALUES (1, 'small'), (2, 'big');
       INSERT INTO accounts SELECT g, 'account ' || g FROM generate_series(1, 400) g;
       INSERT INTO users SELECT g, 'u' || g, CASE WHEN g > 2 THEN g - 2 END FROM generate_series(1, 400) g;
       INSERT INTO memberships SELECT g, 2 - g % 2, g FROM generate_series(1, 400) g WHERE g > 200 OR g % 2 = 0;
       INSERT INTO projects SELECT g, 2 - g % 2, g FROM generate_series(1, 400) g;
       INSERT INTO tasks SELECT g, 1 + g % 400, 'task ' || g FROM generate_series(1, 2000) g;
       INSERT INTO notes SELECT 2 - g % 2, 'note ' || g FROM generate_series(1, 300) g;
       -- Versions of every age: some rows updated (HOT and not), some deleted.
       UPDATE tasks SET note = note || '!' WHERE id % 7 = 0;
       UPDATE projects SET account_id = 1 + (account_id % 400) WHERE id % 5 = 0;
       DELETE FROM tasks WHERE id % 11 = 0;
       ANALYZE`,
    );
    plan = await planFixtureTenant(url, '1');
  });
  after(() => dropArtifacts(suffix));

  it('per bucket and per block, for every kind of table', async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(`SELECT set_config('tenant_promotion.tenant_id', '1', false)`);
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await indexDrivenReads(c);
      const kinds = Object.fromEntries(plan.tables.map((t) => [t.name, t.kind]));
      assert.equal(kinds.tasks, 'dependent');
      assert.equal(kinds.accounts, 'referenced');
      assert.ok(plan.tables.find((t) => t.name === 'users')!.selfClosure, 'users is a self-closure');
      const edges = await readClosureEdges(c, plan.tables);
      const graph = { tables: plan.tables, edges };
      const columns = await readColumnsByTable(c, c, plan.tables, COLUMNS_FORM);
      // Every version a candidate (the bound far in the past), and none (the bound in the future).
      const { rows: now } = await c.query<{ x: string }>(
        `SELECT (pg_current_xact_id()::text::bigint + 1000)::text AS x`,
      );
      for (const changedFrom of ['3', now[0]!.x]) {
        for (const table of plan.tables) {
          const one = await c.query<{ g: number; b: string | null; blk: string | null; d: string }>(
            baseScanSql(table, COLUMNS_FORM, columns.get(table.qualified)?.source, changedFrom, 64),
          );
          const own = await c.query<{ b: string | null; blk: string | null; d: string }>(
            baseVersionDigestSql(table, changedFrom, 64, graph),
          );
          const set = (rows: { b: string | null; blk: string | null; d: string }[]) =>
            rows.map((r) => `${r.b ?? ''}|${r.blk ?? ''}|${r.d}`).sort();
          assert.deepEqual(
            set(one.rows.filter((r) => Number(r.g) !== 3)),
            set(own.rows),
            `${table.name} (${table.kind}), bound ${changedFrom}`,
          );
        }
      }
      await c.query('COMMIT');
    } finally {
      await c.end();
    }
  });
});
