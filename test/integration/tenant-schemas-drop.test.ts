import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dependentsOutside, dropSchemasSql } from '../../src/postgres/tenant-side';
import { createDatabase, DATABASE_URL, query, uniqueSuffix, withClient } from '../support/pg';

/**
 * Rollback from a tenant's schemas in the shared database drops the schemas, never the database,
 * and only when nothing outside them depends on them (CASCADE would take a shared view or a
 * shared foreign key along).
 */
describe("dropping a tenant's schemas of a shared database", () => {
  const suffix = uniqueSuffix();
  const name = `tp_schemadrop_${suffix}`;
  let url: string;
  before(async () => {
    url = await createDatabase(name);
    await query(
      url,
      `CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_a_analytics;
       CREATE TYPE tenant_a.mood AS ENUM ('ok', 'meh');
       CREATE TABLE tenant_a.projects (id int PRIMARY KEY, mood tenant_a.mood);
       CREATE TABLE tenant_a_analytics.events (id int PRIMARY KEY, project_id int REFERENCES tenant_a.projects(id));
       CREATE VIEW tenant_a.v AS SELECT * FROM tenant_a_analytics.events;
       CREATE TABLE public.shared_things (id int PRIMARY KEY);
       CREATE VIEW public.peek AS SELECT id FROM tenant_a.projects;
       CREATE TABLE public.holder (project_id int REFERENCES tenant_a.projects(id));`,
    );
  });
  after(async () => {
    await withClient(DATABASE_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });

  it('names the shared objects that depend on them; without those, drops exactly the schemas', async () => {
    const schemas = ['tenant_a', 'tenant_a_analytics'];
    const found = await withClient(url, (c) => dependentsOutside(c, schemas));
    // The shared view and the shared key, nothing of the tenant's own (its view v, its key).
    assert.equal(found.length, 2, found.join('; '));
    assert.ok(found.some((d) => /peek/.test(d)) && found.some((d) => /holder/.test(d)), found.join('; '));
    await query(url, `DROP VIEW public.peek; DROP TABLE public.holder`);
    assert.deepEqual(await withClient(url, (c) => dependentsOutside(c, schemas)), []);
    await query(url, dropSchemasSql(schemas));
    const left = await query<{ n: string }>(
      url,
      `SELECT nspname AS n FROM pg_namespace WHERE nspname LIKE 'tenant_a%' UNION ALL SELECT relname FROM pg_class WHERE relname = 'shared_things'`,
    );
    assert.deepEqual(
      left.map((r) => r.n),
      ['shared_things'],
    );
  });
});
