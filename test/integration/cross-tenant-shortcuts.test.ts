import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { readTableGraph } from '../../src/postgres/catalog';
import { measurePlan, referenceBlockers } from '../../src/postgres/plan-check';
import { planTenant } from '../../src/postgres/plan';
import { TENANT_ID_SETTING } from '../../src/postgres/plan-types';
import { createDatabase, uniqueSuffix, urlFor, withClient, DATABASE_URL } from '../support/pg';

/**
 * The cross-tenant checks skip the foreign keys whose join proves there is nothing to find
 * (PlanForeignKey.sameTenant, .way; issue 18). Where the join does not mean "the same row, the
 * same value" they must still read: a key to one partition of a partitioned table (its key is
 * unique there only), and a nondeterministic collation on either side (values that differ
 * compare equal). Each case is the review's reproduction: before, the plan found no blocker and
 * the cleanup's re-check passed, while a row of another tenant was linked to this one's.
 */
describe('the cross-tenant checks still read where a shortcut would not hold', () => {
  const made: string[] = [];
  after(async () => {
    await withClient(DATABASE_URL, async (c) => {
      for (const db of made) await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(db)} WITH (FORCE)`);
    });
  });

  /** The plan's blockers and the cleanup's incoming-only re-check, for `tenant` of a database built by `sql`. */
  async function blockersOf(sql: string, tenant: string): Promise<{ plan: string[]; cleanup: string[] }> {
    const db = `tp_shortcuts_${uniqueSuffix()}`;
    made.push(db);
    await createDatabase(db);
    return withClient(urlFor(db), async (c) => {
      await c.query(sql);
      const graph = await readTableGraph(c);
      const plan = planTenant(graph, {
        tenantsTable: 'tenants',
        tenantKey: 'tenant_id',
        tenantId: tenant,
        referenceTables: 'copy',
      });
      await c.query('SELECT set_config($1, $2, false)', [TENANT_ID_SETTING, tenant]);
      const measured = await measurePlan(c, plan);
      return {
        plan: measured.blockers,
        cleanup: await referenceBlockers(c, measured.tables, { incomingOnly: true }),
      };
    });
  }

  it("a dependent table's one way leads to a partition: the row pointing at another tenant's item is found", async () => {
    const { plan } = await blockersOf(
      `CREATE TABLE tenants (id text PRIMARY KEY); INSERT INTO tenants VALUES ('a'), ('b');
       CREATE TABLE items (tenant_id text NOT NULL REFERENCES tenants (id), id int NOT NULL,
         PRIMARY KEY (tenant_id, id)) PARTITION BY LIST (tenant_id);
       CREATE TABLE items_a PARTITION OF items FOR VALUES IN ('a');
       CREATE TABLE items_b PARTITION OF items FOR VALUES IN ('b');
       ALTER TABLE items_b ADD CONSTRAINT items_b_id UNIQUE (id);
       INSERT INTO items VALUES ('a', 5), ('b', 5);
       CREATE TABLE notes (id int PRIMARY KEY, item_id int NOT NULL REFERENCES items_b (id));
       INSERT INTO notes VALUES (1, 5);`,
      'a',
    );
    assert.ok(
      plan.some((b) =>
        /public\.notes has 1 row of this tenant whose notes_item_id_fkey reference points to a public\.items row of another tenant/.test(
          b,
        ),
      ),
      plan.join('\n'),
    );
  });

  // A case-insensitive collation: 'acme' and 'ACME' are two tenants, and equal under it.
  const ci = `CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
    CREATE TABLE tenants (id text PRIMARY KEY); INSERT INTO tenants VALUES ('acme'), ('ACME');`;

  it('a nondeterministic tenant key on the referencing side: rows pointing at another tenant are found', async () => {
    const { plan } = await blockersOf(
      `${ci}
       CREATE TABLE projects (tenant_id text NOT NULL REFERENCES tenants (id), id int, PRIMARY KEY (tenant_id, id));
       INSERT INTO projects VALUES ('acme', 1), ('ACME', 2);
       CREATE TABLE tasks (tenant_id text COLLATE ci NOT NULL REFERENCES tenants (id), id int PRIMARY KEY,
         project_id int NOT NULL, FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id));
       INSERT INTO tasks VALUES ('acme', 1, 1), ('ACME', 2, 2);
       CREATE TABLE logs (id int PRIMARY KEY, org text COLLATE ci NOT NULL REFERENCES tenants (id));
       INSERT INTO logs VALUES (1, 'acme'), (2, 'ACME');`,
      'acme',
    );
    for (const key of ['tasks_tenant_id_project_id_fkey', 'tasks_tenant_id_fkey', 'logs_org_fkey'])
      assert.ok(
        plan.some((b) => b.includes(`whose ${key} reference points to`)),
        `${key}:\n${plan.join('\n')}`,
      );
  });

  it('a nondeterministic key on the referenced side: the plan and the cleanup find the row a cascade would delete', async () => {
    const { plan, cleanup } = await blockersOf(
      `${ci}
       CREATE TABLE projects (tenant_id text COLLATE ci NOT NULL REFERENCES tenants (id), id int,
         PRIMARY KEY (tenant_id, id));
       INSERT INTO projects VALUES ('acme', 1);
       CREATE TABLE tasks (tenant_id text NOT NULL REFERENCES tenants (id), id int PRIMARY KEY, project_id int NOT NULL,
         FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE);
       INSERT INTO tasks VALUES ('acme', 1, 1), ('ACME', 2, 1);`,
      'acme',
    );
    for (const [label, found] of [
      ['plan', plan],
      ['cleanup', cleanup],
    ] as const)
      assert.ok(
        found.some((b) =>
          /public\.tasks has 1 row of another tenant .* ON DELETE CASCADE would delete them/.test(b),
        ),
        `${label}:\n${found.join('\n')}`,
      );
  });
});
