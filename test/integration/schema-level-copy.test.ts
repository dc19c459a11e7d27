import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { memoryLogger } from '../../src/log';
import { deriveNames } from '../../src/names';
import { readTableGraph } from '../../src/postgres/catalog';
import { setTenantId } from '../../src/postgres/connect';
import { catchUp, compareTables } from '../../src/postgres/catch-up';
import { COLUMNS_FORM, setComparableSession } from '../../src/postgres/checksum';
import { copyTables, exportSnapshot, type Snapshot } from '../../src/postgres/copy';
import { planTenant } from '../../src/postgres/plan';
import { measurePlan } from '../../src/postgres/plan-check';
import { targetOf, withTargets, type TenantPlan } from '../../src/postgres/plan-types';
import { applyStatements, readSourceCatalog, scriptFor } from '../../src/postgres/schema-clone';
import { planSchemaLayout, schemaMap, type SchemaLayout } from '../../src/postgres/schema-layout';
import type { CheckContext } from '../../src/validation/check';
import { checksums } from '../../src/validation/checksums';
import { schemaParity } from '../../src/validation/schema-parity';
import { foreignRows } from '../../src/validation/foreign-rows';
import { rowCounts } from '../../src/validation/row-counts';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { DATABASE_URL, query, urlFor, withClient } from '../support/pg';

const qi = (s: string) => pg.escapeIdentifier(s);

/**
 * Schema level (issue 21), the naming layer: a tenant promoted into `tenant_<slug>` (public) and
 * `tenant_<slug>_analytics` of a separate new database through the plan, the mapped clone, the
 * copy and the row-count and checksum checks, whose target-side SQL reads the plan's target
 * names. Without the target names the copy writes into "public"."…", which the mapped clone
 * never created.
 */
describe('schema-level copy and checks into a new database', () => {
  let f: SharedFixture;
  let snap: Snapshot;
  let tenantId: string;
  let plan: TenantPlan;
  let layout: SchemaLayout;
  let targetUrl: string;
  const names = () => deriveNames(f.tenants.main);

  before(async () => {
    f = await createSharedFixture({ rows: 20 });
    tenantId = (
      await query<{ id: string }>(f.url, 'SELECT id::text FROM tenants WHERE slug = $1', [f.tenants.main])
    )[0]!.id;
    snap = await exportSnapshot(f.url);
    await setTenantId(snap.client, tenantId);
    const graph = await readTableGraph(snap.client);
    const planned = await measurePlan(
      snap.client,
      planTenant(graph, {
        tenantsTable: 'tenants',
        tenantKey: 'tenant_id',
        tenantId,
        tenantIdType: 'uuid',
        referenceTables: 'copy',
      }),
    );
    assert.deepEqual(planned.blockers, []);
    const catalog = await readSourceCatalog(snap.client, planned.skipped ?? []);
    layout = planSchemaLayout({ base: names().database, primarySchema: 'public', catalog });
    assert.deepEqual(layout.refusals, []);
    plan = withTargets(planned, schemaMap(layout));
    const { ownerRole, appRole, database } = names();
    await withClient(DATABASE_URL, async (c) => {
      await c.query(`CREATE ROLE ${qi(ownerRole)} NOLOGIN`);
      await c.query(`CREATE ROLE ${qi(appRole)} LOGIN PASSWORD 'schema-level-test'`);
      await c.query(`CREATE DATABASE ${qi(database)} TEMPLATE template0`);
    });
    targetUrl = urlFor(database);
    const script = scriptFor(catalog, {
      ownerRole,
      roleMap: new Map([[f.appRole, appRole]]),
      schemaLayout: { layout, into: 'new-database' },
    });
    await withClient(targetUrl, (c) => applyStatements(c, script.beforeData, undefined, script.searchPath));
    const copied = await copyTables({
      sourceUrl: f.url,
      targetUrl,
      snapshotId: snap.id,
      tenantId,
      tables: plan.tables,
      parallelism: 2,
    });
    for (const t of plan.tables) assert.equal(copied.get(t.qualified)?.rows, t.rows, t.qualified);
    await withClient(targetUrl, (c) => applyStatements(c, script.afterData, undefined, script.searchPath));
  });
  after(async () => {
    await snap?.release();
    await f?.cleanup();
  });

  const context = (): CheckContext => ({
    sourceUrl: f.url,
    targetUrl,
    snapshotId: snap.id,
    tenantId,
    plan,
    tenantKey: 'tenant_id',
    names: names(),
    sharedDatabase: f.dbName,
    appRole: { name: names().appRole, password: 'schema-level-test' },
    mappedRoles: [f.appRole],
    schemaLayout: {
      into: 'new-database',
      mappings: layout.mappings.map((m) => ({ source: m.source, target: m.target })),
      searchPath: layout.searchPath,
    },
    filesToScan: [],
    textsToScan: [],
    secrets: [],
    log: memoryLogger(),
  });

  it('every planned table has its target in the mapped schemas', () => {
    const base = names().database;
    for (const t of plan.tables) {
      const schema = t.schema === 'analytics' ? `${base}_analytics` : base;
      assert.equal(targetOf(t), `"${schema}"."${t.name}"`);
    }
    assert.equal(targetOf(plan.tenantsTable), `"${base}"."tenants"`);
  });

  it('the rows are in the tenant’s schemas, and nothing in public', async () => {
    const [users] = await query<{ n: string }>(
      targetUrl,
      `SELECT count(*) AS n FROM ${qi(names().database)}.users`,
    );
    const [source] = await query<{ n: string }>(
      f.url,
      `SELECT count(*) AS n FROM users WHERE tenant_id = $1`,
      [tenantId],
    );
    assert.equal(users!.n, source!.n);
    assert.ok(Number(users!.n) > 0);
    const daily = await query(
      targetUrl,
      `SELECT 1 FROM ${qi(`${names().database}_analytics`)}.daily_usage LIMIT 1`,
    );
    assert.equal(daily.length, 1);
    assert.deepEqual(
      await query(targetUrl, `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace`),
      [],
    );
  });

  it('row counts and checksums pass, comparing the shared tables with the mapped ones', async () => {
    const counts = await rowCounts.run(context(), 60_000);
    assert.equal(counts.status, 'pass', `${counts.reason}\n${counts.details.join('\n')}`);
    const digests = await checksums.run(context(), 60_000);
    assert.equal(digests.status, 'pass', `${digests.reason}\n${digests.details.join('\n')}`);
    const foreign = await foreignRows.run(context(), 60_000);
    assert.equal(foreign.status, 'pass', `${foreign.reason}\n${foreign.details.join('\n')}`);
  });

  it('foreign rows: another tenant’s row in a mapped table is found by the plan’s predicate, mapped', async () => {
    const tenants = `${qi(names().database)}.tenants`;
    await query(
      targetUrl,
      `INSERT INTO ${tenants} (slug, name, plan_code) VALUES ('intruder-${f.suffix}', 'Intruder', 'free')`,
    );
    try {
      const foreign = await foreignRows.run(context(), 60_000);
      assert.equal(foreign.status, 'fail');
      const details = foreign.details.join('\n');
      // By the plan's predicate (mapped) and independently of the plan, both on the mapped table.
      assert.ok(
        details.includes(`"${names().database}"."tenants": 1 row(s) that do not belong to tenant`),
        details,
      );
      assert.ok(details.includes(`"${names().database}"."tenants": 1 row(s) of another tenant`), details);
    } finally {
      await query(targetUrl, `DELETE FROM ${tenants} WHERE slug = $1`, [`intruder-${f.suffix}`]);
    }
  });

  it('schema parity: the tenant’s schemas match the source schemas once mapped back; a dropped index is named', async () => {
    const parity = await schemaParity.run(context(), 60_000);
    assert.equal(parity.status, 'pass', `${parity.reason}\n${parity.details.join('\n')}`);
    const base = qi(names().database);
    await query(targetUrl, `DROP INDEX ${base}.users_tenant_idx`);
    try {
      const broken = await schemaParity.run(context(), 60_000);
      assert.equal(broken.status, 'fail');
      assert.match(broken.details.join('\n'), /index public\.users_tenant_idx: missing in the new database/);
    } finally {
      await query(targetUrl, `CREATE INDEX users_tenant_idx ON ${base}.users (tenant_id)`);
    }
  });

  // Review finding (schema-level rollback review, item 3): with equivalent search_paths, a shared
  // `public.daily_usage` added later shadows `analytics.daily_usage` on the source only, so the
  // view printed `FROM analytics.daily_usage` there and `FROM daily_usage` on the tenant's side.
  it('schema parity: a table added to public later, named like an analytics table, is no difference', async () => {
    await query(f.url, `CREATE TABLE public.daily_usage (note text)`);
    try {
      const parity = await schemaParity.run(context(), 60_000);
      assert.equal(parity.status, 'pass', `${parity.reason}\n${parity.details.join('\n')}`);
    } finally {
      await query(f.url, `DROP TABLE public.daily_usage`);
    }
  });

  it('the checks still catch a difference in a mapped table', async () => {
    await query(
      targetUrl,
      `UPDATE ${qi(names().database)}.projects SET name = name || ' (changed)' WHERE id = (SELECT min(id) FROM ${qi(names().database)}.projects)`,
    );
    try {
      const digests = await checksums.run(context(), 60_000);
      assert.equal(digests.status, 'fail');
      assert.match(digests.details.join('\n') + digests.reason, /projects/);
    } finally {
      await query(
        targetUrl,
        `UPDATE ${qi(names().database)}.projects SET name = left(name, -10) WHERE name LIKE '% (changed)'`,
      );
    }
  });

  it('catch-up: writes made in the shared database after the snapshot reach the tenant’s schemas', async () => {
    // Changes after the copy's snapshot: an update, an insert, and a delete in a table without a key.
    const [user] = await query<{ id: string }>(
      f.url,
      `SELECT min(id)::text AS id FROM users WHERE tenant_id = $1`,
      [tenantId],
    );
    await query(f.url, `UPDATE users SET display_name = 'caught up' WHERE id = $1`, [user!.id]);
    await query(
      f.url,
      `INSERT INTO users (tenant_id, email, display_name) VALUES ($1, 'late-${f.suffix}@example.com', 'late')`,
      [tenantId],
    );
    await query(
      f.url,
      `DELETE FROM audit_logs WHERE ctid = (SELECT ctid FROM audit_logs WHERE tenant_id = $1 LIMIT 1)`,
      [tenantId],
    );
    const source = new pg.Client({ connectionString: f.url });
    const target = new pg.Client({ connectionString: targetUrl });
    await source.connect();
    await target.connect();
    try {
      for (const c of [source, target]) {
        await setComparableSession(c);
        await setTenantId(c, tenantId);
      }
      const before = await compareTables(source, target, plan.tables, COLUMNS_FORM);
      const differing = before
        .filter((c) => !c.equal)
        .map((c) => c.table.qualified)
        .sort();
      // projects too: an earlier test changed a row there and back (its update trigger touched updated_at).
      for (const t of ['"public"."audit_logs"', '"public"."users"'])
        assert.ok(differing.includes(t), differing.join());
      const stats = await catchUp(source, target, before);
      assert.deepEqual(stats.map((x) => x.table).sort(), differing);
      const after = await compareTables(source, target, plan.tables, COLUMNS_FORM);
      assert.deepEqual(
        after.filter((c) => !c.equal).map((c) => c.table.qualified),
        [],
      );
      const [mapped] = await query<{ display_name: string }>(
        targetUrl,
        `SELECT display_name FROM ${qi(names().database)}.users WHERE id = $1`,
        [user!.id],
      );
      assert.equal(mapped!.display_name, 'caught up');
    } finally {
      await source.end();
      await target.end();
    }
  });
});
