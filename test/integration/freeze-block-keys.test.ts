import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { keysInChangedBlocks } from '../../src/postgres/catch-up';
import { indexDrivenReads } from '../../src/postgres/freeze-reads';
import type { TenantPlan } from '../../src/postgres/plan-types';
import { planFixtureTenant } from '../support/tenant-plan';
import { createDatabase, dropArtifacts, query, uniqueSuffix } from '../support/pg';

/**
 * Issue 13, property 5 ("never other tenants' rows"): under the freeze, the keys that may be gone
 * are read at the base snapshot from the heap blocks whose versions changed. Tenants share
 * blocks; for dependent tables (rows found through a parent's key) and referenced tables (no
 * tenant key, a self-closure among them) the read returned every row key of those blocks, other
 * tenants' included. It must return exactly the keys of the rows the copy's predicate selects.
 */
describe('the freeze’s block read returns only the tenant’s keys, whatever shares the blocks', () => {
  const suffix = uniqueSuffix();
  let url: string;
  let plan: TenantPlan;
  before(async () => {
    url = await createDatabase(`tfreezeblk_${suffix}`);
    // Two tenants written alternately: every heap block holds rows of both.
    await query(
      url,
      `CREATE TABLE tenants (id bigint PRIMARY KEY, slug text NOT NULL UNIQUE, settings jsonb NOT NULL DEFAULT '{}');
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
       INSERT INTO tenants VALUES (1, 'small'), (2, 'big');
       INSERT INTO accounts SELECT g, 'account ' || g FROM generate_series(1, 400) g;
       -- Users g: invited by g - 2 (a chain per tenant's parity), the first two by nobody.
       INSERT INTO users SELECT g, 'u' || g, CASE WHEN g > 2 THEN g - 2 END FROM generate_series(1, 400) g;
       -- Tenant 1 has the odd users' memberships from 201 on (so the odd users below come as inviters).
       INSERT INTO memberships SELECT g, 2 - g % 2, g FROM generate_series(1, 400) g WHERE g > 200 OR g % 2 = 0;
       INSERT INTO projects SELECT g, 2 - g % 2, g FROM generate_series(1, 400) g;
       INSERT INTO tasks SELECT g, 1 + g % 400, 'task ' || g FROM generate_series(1, 2000) g;
       ANALYZE`,
    );
    plan = await planFixtureTenant(url, '1');
  });
  after(() => dropArtifacts(suffix));

  /** Every block of `table`, per relation oid, as if every one had changed. */
  async function allBlocks(c: pg.Client, qualified: string): Promise<Map<string, number[]>> {
    const { rows } = await c.query<{ o: string; blocks: number[] }>(
      `SELECT t.tableoid::oid::text AS o, array_agg(DISTINCT ((t.ctid::text::point)[0])::int) AS blocks
         FROM ${qualified} t GROUP BY t.tableoid`,
    );
    return new Map(rows.map((r) => [r.o, r.blocks]));
  }
  const ids = (rows: Record<string, string>[]) => rows.map((r) => Number(r.c0)).sort((a, b) => a - b);

  it('reads, from every block of each table, the keys of the tenant’s rows and no other', async () => {
    const kinds = Object.fromEntries(plan.tables.map((t) => [t.name, t.kind]));
    assert.equal(kinds.tasks, 'dependent');
    assert.equal(kinds.accounts, 'referenced');
    assert.equal(kinds.users, 'referenced');
    assert.ok(plan.tables.find((t) => t.name === 'users')!.selfClosure, 'users is a self-closure');
    const c = new pg.Client({ connectionString: url });
    // The freeze's side, for a tenant without rows: none of the keys read at S is there now.
    const now = new pg.Client({ connectionString: url });
    await c.connect();
    await now.connect();
    try {
      await c.query(`SELECT set_config('tenant_promotion.tenant_id', '1', false)`);
      await now.query(`SELECT set_config('tenant_promotion.tenant_id', '3', false)`);
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await indexDrivenReads(c);
      for (const name of ['memberships', 'projects', 'tasks', 'accounts', 'users']) {
        const table = plan.tables.find((t) => t.name === name)!;
        const touched = await keysInChangedBlocks(c, now, table, await allBlocks(c, table.qualified), true);
        const { rows: expected } = await c.query<{ c0: string }>(
          `SELECT t.id::text AS c0 FROM ${table.qualified} t WHERE ${table.where}`,
        );
        const { rows: all } = await c.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${table.qualified}`,
        );
        assert.ok(expected.length > 0 && expected.length < all[0]!.n, `${name}: both tenants in its blocks`);
        assert.deepEqual(
          ids(touched.rows),
          ids(expected),
          `${name}: only the tenant's keys (of ${all[0]!.n} rows)`,
        );
        assert.equal(touched.read, expected.length, `${name}: rows read at S`);
      }
      await c.query('COMMIT');
    } finally {
      await c.end();
      await now.end();
    }
  });

  it('looks up only the keys whose version is no longer the tenant’s, not every row of the blocks', async () => {
    const c = new pg.Client({ connectionString: url });
    const now = new pg.Client({ connectionString: url });
    await c.connect();
    await now.connect();
    try {
      for (const s of [c, now]) await s.query(`SELECT set_config('tenant_promotion.tenant_id', '1', false)`);
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await indexDrivenReads(c);
      const tasks = plan.tables.find((t) => t.name === 'tasks')!;
      const blocks = await allBlocks(c, tasks.qualified);
      // Since S, tenant 1's tasks (odd projects: tenant = 2 - id % 2; task g is in project
      // 1 + g % 400): 2 and 4 updated, 6 deleted, 8 moved to tenant 2's project 2; and tenant 2's
      // task 1 updated.
      await query(
        url,
        `UPDATE tasks SET note = note || '!' WHERE id IN (1, 2, 4);
         DELETE FROM tasks WHERE id = 6;
         UPDATE tasks SET project_id = 2 WHERE id = 8`,
      );
      const touched = await keysInChangedBlocks(c, now, tasks, blocks, true);
      await c.query('COMMIT');
      // Looked up: the keys whose version at S is not the tenant's now (4 and 2 are still there,
      // under new versions: the lookup finds them, not gone).
      assert.deepEqual(ids(touched.rows), [2, 4, 6, 8]);
      assert.ok(touched.read > 900, `every tenant row of the blocks read at S (${touched.read})`);
    } finally {
      await c.end();
      await now.end();
    }
  });
});
