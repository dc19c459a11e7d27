import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { readTableGraph, type TableGraph } from '../../src/postgres/catalog';
import { connect, setTenantId } from '../../src/postgres/connect';
import { exportSnapshot } from '../../src/postgres/copy';
import { planTenant } from '../../src/postgres/plan';
import { measurePlan } from '../../src/postgres/plan-check';
import type { TenantPlan } from '../../src/postgres/plan-types';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { query } from '../support/pg';

describe('plan on the shared fixture', () => {
  let fx: SharedFixture;
  let graph: TableGraph;
  const ids: Record<string, string> = {};

  const planFor = (tenantId: string, referenceTables: 'copy' | 'skip' = 'copy') =>
    planTenant(graph, {
      tenantsTable: 'tenants',
      tenantKey: 'tenant_id',
      tenantId,
      tenantIdType: 'uuid',
      referenceTables,
    });

  /** Measures a plan the way the plan step does: inside an exported snapshot, tenant id set. */
  async function measure(plan: TenantPlan): Promise<TenantPlan> {
    const snap = await exportSnapshot(fx.url);
    try {
      await setTenantId(snap.client, plan.tenantId);
      return await measurePlan(snap.client, plan);
    } finally {
      await snap.release();
    }
  }

  before(async () => {
    fx = await createSharedFixture({ rows: 40 });
    for (const [k, slug] of Object.entries(fx.tenants)) {
      ids[k] = (await query<{ id: string }>(fx.url, 'SELECT id FROM tenants WHERE slug = $1', [slug]))[0]!.id;
    }
    const c: pg.Client = await connect(fx.url);
    try {
      const searchPath = async () => (await c.query(`SELECT current_setting('search_path') AS p`)).rows[0].p;
      const before = await searchPath();
      graph = await readTableGraph(c);
      // The caller's search_path is restored.
      assert.equal(await searchPath(), before);
    } finally {
      await c.end();
    }
  });
  after(() => fx?.cleanup());

  it('reads the catalog: partitions, identity, generated, domains, arrays and composites of user types', () => {
    const t = (schema: string, name: string) => {
      const found = graph.tables.find((x) => x.schema === schema && x.name === name);
      assert.ok(found, `${schema}.${name} in graph`);
      return found;
    };
    assert.equal(t('public', 'agent_events').relkind, 'p');
    assert.deepEqual(t('public', 'agent_events_2024').partitionOf, {
      schema: 'public',
      name: 'agent_events',
    });
    const users = t('public', 'users');
    assert.equal(users.columns.find((c) => c.name === 'id')?.identity, 'always');
    assert.deepEqual(
      users.columns.find((c) => c.name === 'email'),
      {
        name: 'email',
        type: 'public.email_address',
        notNull: true,
        generated: false,
        identity: null,
        typtype: 'b',
        isArray: false,
        elementTyptype: null,
        elementUserDefined: false,
        binaryIo: true,
        nondeterministic: false,
      },
    );
    assert.deepEqual(users.uniqueKeys, [['tenant_id', 'email']]);
    assert.deepEqual(
      users.foreignKeys.map((f) => [f.name, f.columns, f.refName, f.refColumns, f.onDelete]).sort(),
      [
        ['users_manager_id_fkey', ['manager_id'], 'users', ['id'], 'no action'],
        ['users_tenant_id_fkey', ['tenant_id'], 'tenants', ['id'], 'no action'],
      ],
    );
    assert.equal(t('public', 'projects').columns.find((c) => c.name === 'slug_lower')?.generated, true);
    assert.equal(
      t('public', 'projects').foreignKeys.find((f) => f.name === 'projects_tenant_id_fkey')?.onDelete,
      'cascade',
    );
    const statuses = t('public', 'tech_stack_recommendations').columns.find((c) => c.name === 'statuses')!;
    assert.equal(statuses.type, 'public.recommendation_status[]');
    assert.equal(statuses.isArray, true);
    assert.equal(statuses.elementUserDefined, true);
    assert.equal(statuses.elementTyptype, 'e');
    assert.equal(t('public', 'plans').columns.find((c) => c.name === 'monthly_price')?.typtype, 'c');
    assert.deepEqual(t('public', 'project_members').primaryKey, ['project_id', 'user_id']);
    assert.deepEqual(t('public', 'recommendation_votes').uniqueKeys, [['recommendation_id', 'voter']]);
    assert.ok(t('analytics', 'daily_usage'));
    assert.ok(!graph.tables.some((x) => x.schema === 'pg_catalog' || x.schema === 'information_schema'));
  });

  it('classifies the fixture’s tables', () => {
    const plan = planFor(ids.main!);
    const kinds = Object.fromEntries(plan.tables.map((t) => [`${t.schema}.${t.name}`, t.kind]));
    assert.deepEqual(kinds, {
      'public.plans': 'reference',
      'public.tenants': 'root',
      'public.users': 'tenant',
      'public.projects': 'tenant',
      'public.agent_events': 'tenant',
      'public.audit_logs': 'tenant',
      'public.design_recommendations': 'tenant',
      'public.tech_stack_recommendations': 'tenant',
      'analytics.daily_usage': 'tenant',
      'public.project_members': 'dependent',
      'public.recommendation_votes': 'dependent',
    });
    const events = plan.tables.find((t) => t.name === 'agent_events')!;
    assert.equal(events.partitioned, true);
    assert.equal(plan.tables.find((t) => t.name === 'tech_stack_recommendations')?.binarySafe, false);
    assert.equal(plan.tables.find((t) => t.name === 'users')?.binarySafe, true);
    assert.ok(!plan.tables.find((t) => t.name === 'projects')?.columns.includes('"slug_lower"'));
    // users.manager_id has no index: deleting users at cleanup would scan users per row.
    assert.ok(plan.notes.some((n) => n.includes('users_manager_id_fkey') && n.includes('CREATE INDEX')));
    assert.ok(plan.notes.some((n) => n.includes('public.audit_logs has no primary key')));
  });

  it('counts exactly the rows a hand-written query finds', async () => {
    const plan = await measure(planFor(ids.main!));
    assert.deepEqual(plan.blockers, []);
    const expected = (
      await query<{ name: string; n: string }>(
        fx.url,
        `SELECT 'tenants' AS name, count(*) AS n FROM tenants WHERE id = $1
         UNION ALL SELECT 'plans', count(*) FROM plans
         UNION ALL SELECT 'users', count(*) FROM users WHERE tenant_id = $1
         UNION ALL SELECT 'projects', count(*) FROM projects WHERE tenant_id = $1
         UNION ALL SELECT 'agent_events', count(*) FROM agent_events WHERE tenant_id = $1
         UNION ALL SELECT 'audit_logs', count(*) FROM audit_logs WHERE tenant_id = $1
         UNION ALL SELECT 'design_recommendations', count(*) FROM design_recommendations WHERE tenant_id = $1
         UNION ALL SELECT 'tech_stack_recommendations', count(*) FROM tech_stack_recommendations WHERE tenant_id = $1
         UNION ALL SELECT 'daily_usage', count(*) FROM analytics.daily_usage WHERE tenant_id = $1
         UNION ALL SELECT 'project_members', count(*) FROM project_members m
           WHERE m.project_id IN (SELECT id FROM projects WHERE tenant_id = $1) OR m.user_id IN (SELECT id FROM users WHERE tenant_id = $1)
         UNION ALL SELECT 'recommendation_votes', count(*) FROM recommendation_votes v
           JOIN design_recommendations d ON d.id = v.recommendation_id WHERE d.tenant_id = $1`,
        [ids.main],
      )
    ).map((r) => [r.name, Number(r.n)]);
    const got = plan.tables.map((t) => [t.name, t.rows]);
    assert.deepEqual(Object.fromEntries(got), Object.fromEntries(expected));
    assert.ok(plan.tables.every((t) => (t.rows === 0 ? t.bytes === 0 : (t.bytes ?? 0) > 0)));
    assert.ok((plan.tables.find((t) => t.name === 'agent_events')?.rows ?? 0) > 0);
    // The empty tenant has its tenants row and nothing else.
    const empty = await measure(planFor(ids.empty!));
    assert.deepEqual(
      empty.tables.filter((t) => t.kind !== 'reference' && t.rows !== 0).map((t) => t.name),
      ['tenants'],
    );
  });

  it('blocks on a row linking two tenants, for both tenants', async () => {
    const [link] = await query<{ project_id: number; user_id: string }>(
      fx.url,
      `INSERT INTO project_members (project_id, user_id, role)
       SELECT (SELECT min(id) FROM projects WHERE tenant_id = $1), (SELECT max(id) FROM users WHERE tenant_id = $2), 'spy'
       RETURNING project_id, user_id`,
      [ids.main, ids.small],
    );
    try {
      const main = await measure(planFor(ids.main!));
      assert.equal(main.blockers.length, 1, main.blockers.join('\n'));
      assert.match(main.blockers[0]!, /public\.project_members/);
      assert.match(main.blockers[0]!, /project_members_user_id_fkey/);
      assert.ok(
        // The sample as values, not the JSON text of an array (issue 15: `= "[1, 12]"` before).
        main.blockers[0]!.includes(`(project_id, user_id) = (${link!.project_id}, ${link!.user_id});`),
        main.blockers[0],
      );
      const small = await measure(planFor(ids.small!));
      assert.ok(
        small.blockers.some((b) => b.includes('project_members_project_id_fkey')),
        small.blockers.join('\n'),
      );
      // A tenant not involved is not blocked.
      assert.deepEqual((await measure(planFor(ids.other!))).blockers, []);
    } finally {
      await query(fx.url, 'DELETE FROM project_members WHERE project_id = $1 AND user_id = $2', [
        link!.project_id,
        link!.user_id,
      ]);
    }
  });

  it('blocks on another tenant’s tenant-scoped rows referencing this tenant’s rows', async () => {
    const [row] = await query<{ id: string }>(
      fx.url,
      `INSERT INTO design_recommendations (tenant_id, project_id, body)
       VALUES ($2, (SELECT min(id) FROM projects WHERE tenant_id = $1), 'cross') RETURNING id`,
      [ids.main, ids.small],
    );
    try {
      const main = await measure(planFor(ids.main!));
      assert.ok(
        main.blockers.some(
          (b) =>
            b.includes('design_recommendations_project_id_fkey') &&
            b.includes('of another tenant') &&
            b.includes(`= ${row!.id};`) &&
            b.includes('cleanup of this tenant would fail'),
        ),
        main.blockers.join('\n'),
      );
      const small = await measure(planFor(ids.small!));
      assert.ok(
        small.blockers.some(
          (b) => b.includes('design_recommendations_project_id_fkey') && b.includes('not copied'),
        ),
        small.blockers.join('\n'),
      );
    } finally {
      await query(fx.url, 'DELETE FROM design_recommendations WHERE id = $1', [row!.id]);
    }
  });

  it('names a missing tenant as a blocker', async () => {
    const plan = await measure(planFor('00000000-0000-0000-0000-000000000000'));
    assert.ok(plan.blockers.some((b) => b.includes('not found')));
  });

  it('reports a failed connection without its password', async () => {
    await assert.rejects(connect('postgres://postgres:s3cret-pw@127.0.0.1:1/nowhere'), (e: unknown) => {
      const err = e as { code?: string; message: string; hint?: string };
      assert.equal(err.code, 'database');
      assert.ok(!err.message.includes('s3cret-pw') && !(err.hint ?? '').includes('s3cret-pw'), err.message);
      assert.match(err.message, /127\.0\.0\.1:1/);
      assert.match(err.hint ?? '', /reachable/);
      return true;
    });
  });
});
