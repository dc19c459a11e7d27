import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ColumnInfo, ForeignKeyInfo, TableGraph, TableInfo } from '../../src/postgres/catalog';
import { parseTableName, planTenant, type PlanOptions } from '../../src/postgres/plan';
import type { TenantPlan } from '../../src/postgres/plan-types';
import { BinaryRowCounter } from '../../src/postgres/copy';
import { clientConfig } from '../../src/postgres/connect';
import { orderPlan } from '../../src/pipeline/steps/plan';
import { parseTableOverrides } from '../../src/options';
import { readInputs, toPromotionOptions } from '../../src/action/inputs';
import { resolveConfig } from '../../src/cli/config';

// Hand-built table graphs: the planner never sees a database.

type Col = Partial<ColumnInfo> & { name: string };
function col(c: Col | string): ColumnInfo {
  const base = typeof c === 'string' ? { name: c } : c;
  return {
    type: 'bigint',
    notNull: false,
    generated: false,
    identity: null,
    typtype: 'b',
    isArray: false,
    elementTyptype: null,
    elementUserDefined: false,
    binaryIo: true,
    ...base,
  };
}
function fk(
  name: string,
  columns: string[],
  ref: string,
  refColumns: string[],
  onDelete: ForeignKeyInfo['onDelete'] = 'no action',
): ForeignKeyInfo {
  const [refSchema, refName] = ref.includes('.') ? (ref.split('.') as [string, string]) : ['public', ref];
  return { name, columns, refSchema, refName, refColumns, onDelete };
}
function table(qname: string, cols: (Col | string)[], extra: Partial<TableInfo> = {}): TableInfo {
  const [schema, name] = qname.includes('.') ? (qname.split('.') as [string, string]) : ['public', qname];
  return {
    schema,
    name,
    relkind: 'r',
    partitionOf: null,
    hasInheritanceChildren: false,
    columns: cols.map(col),
    primaryKey: ['id'],
    uniqueKeys: [],
    foreignKeys: [],
    indexes: [{ name: `${name}_pkey`, columns: ['id'], unique: true, partial: false }],
    ...extra,
  };
}
const idx = (name: string, ...columns: string[]) => ({ name, columns, unique: false, partial: false });

const OPTS: PlanOptions = {
  tenantsTable: 'tenants',
  tenantKey: 'tenant_id',
  tenantId: '00000000-0000-0000-0000-000000000001',
  tenantIdType: 'uuid',
  referenceTables: 'copy',
};
/** For graphs whose tenant keys have no foreign key to tenants: the column is named explicitly. */
const LOOSE: PlanOptions = { ...OPTS, tenantIdColumn: 'id' };
const SETTING = `current_setting('tenant_promotion.tenant_id')`;

/** The graph of the product's usual shape: tenants, users, projects, members, votes, plans. */
function saasGraph(): TableGraph {
  return {
    tables: [
      table('plans', [{ name: 'code', type: 'text' }, 'title'], {
        primaryKey: ['code'],
        indexes: [idx('plans_pkey', 'code')],
      }),
      table('tenants', [{ name: 'id', type: 'uuid' }, 'slug', 'plan_code'], {
        foreignKeys: [fk('tenants_plan_fkey', ['plan_code'], 'plans', ['code'])],
      }),
      table('users', ['id', { name: 'tenant_id', type: 'uuid' }, 'manager_id'], {
        foreignKeys: [
          fk('users_tenant_fkey', ['tenant_id'], 'tenants', ['id']),
          fk('users_manager_fkey', ['manager_id'], 'users', ['id']),
        ],
        indexes: [
          idx('users_pkey', 'id'),
          idx('users_tenant_idx', 'tenant_id'),
          idx('users_manager_idx', 'manager_id'),
        ],
      }),
      table(
        'projects',
        ['id', { name: 'tenant_id', type: 'uuid' }, 'name', { name: 'slug_lower', generated: true }],
        {
          foreignKeys: [fk('projects_tenant_fkey', ['tenant_id'], 'tenants', ['id'], 'cascade')],
          indexes: [idx('projects_pkey', 'id'), idx('projects_tenant_idx', 'tenant_id')],
        },
      ),
      table('project_members', ['project_id', 'user_id', 'role'], {
        primaryKey: ['project_id', 'user_id'],
        foreignKeys: [
          fk('pm_project_fkey', ['project_id'], 'projects', ['id'], 'cascade'),
          fk('pm_user_fkey', ['user_id'], 'users', ['id']),
        ],
        indexes: [idx('pm_pkey', 'project_id', 'user_id'), idx('pm_user_idx', 'user_id')],
      }),
      table('recommendation_votes', ['member_project', 'member_user', 'voter'], {
        primaryKey: null,
        uniqueKeys: [['member_project', 'member_user', 'voter']],
        foreignKeys: [
          fk('votes_member_fkey', ['member_project', 'member_user'], 'project_members', [
            'project_id',
            'user_id',
          ]),
        ],
        indexes: [idx('votes_key', 'member_project', 'member_user', 'voter')],
      }),
    ],
  };
}

const byName = (plan: TenantPlan, name: string) => {
  const t = plan.tables.find((x) => x.name === name);
  assert.ok(t, `table ${name} planned`);
  return t;
};
const names = (list: { name: string }[]) => list.map((t) => t.name);

describe('planTenant', () => {
  it('classifies root, tenant-scoped, dependent (composite, two hops) and reference tables', () => {
    const plan = planTenant(saasGraph(), OPTS);
    const kinds = Object.fromEntries(plan.tables.map((t) => [t.name, t.kind]));
    assert.deepEqual(kinds, {
      plans: 'reference',
      tenants: 'root',
      users: 'tenant',
      projects: 'tenant',
      project_members: 'dependent',
      recommendation_votes: 'dependent',
    });
    assert.equal(plan.tenantsTable.name, 'tenants');
    assert.equal(plan.tenantsTable.where, `t."id" = ${SETTING}::uuid`);
    assert.equal(byName(plan, 'users').where, `t."tenant_id" = ${SETTING}::uuid`);
    assert.equal(byName(plan, 'plans').where, 'true');
    assert.deepEqual(plan.blockers, []);
  });

  it('selects dependent rows through every foreign-key path, with composite keys and several hops', () => {
    const plan = planTenant(saasGraph(), OPTS);
    // Several ways to the tenant: the key in one semi-join per way (the set form the planner
    // joins from the tenant's parents), and the same rows as an OR of EXISTS for tests of a few rows.
    const members = byName(plan, 'project_members');
    assert.equal(
      members.where,
      `EXISTS (SELECT 1 FROM (` +
        `SELECT s0."project_id", s0."user_id" FROM "public"."project_members" s0 WHERE EXISTS (SELECT 1 FROM "public"."projects" t1 WHERE t1."id" = s0."project_id" AND t1."tenant_id" = ${SETTING}::uuid)` +
        ` UNION ALL SELECT s0."project_id", s0."user_id" FROM "public"."project_members" s0 WHERE EXISTS (SELECT 1 FROM "public"."users" t1 WHERE t1."id" = s0."user_id" AND t1."tenant_id" = ${SETTING}::uuid))` +
        ` u0 WHERE u0."project_id" = t."project_id" AND u0."user_id" = t."user_id")`,
    );
    assert.equal(
      members.perRowWhere,
      `(EXISTS (SELECT 1 FROM "public"."projects" t1 WHERE t1."id" = t."project_id" AND t1."tenant_id" = ${SETTING}::uuid)` +
        ` OR EXISTS (SELECT 1 FROM "public"."users" t1 WHERE t1."id" = t."user_id" AND t1."tenant_id" = ${SETTING}::uuid))`,
    );
    const votes = byName(plan, 'recommendation_votes');
    assert.match(
      votes.where,
      /^EXISTS \(SELECT 1 FROM "public"\."project_members" t1 WHERE t1\."project_id" = t\."member_project" AND t1\."user_id" = t\."member_user" AND EXISTS \(SELECT 1 FROM \(SELECT s1\."project_id", s1\."user_id" FROM "public"\."project_members" s1 WHERE EXISTS \(SELECT 1 FROM "public"\."projects" t2 WHERE t2\."id" = s1\."project_id"/,
    );
    assert.match(
      votes.perRowWhere ?? '',
      /^EXISTS \(SELECT 1 FROM "public"\."project_members" t1 WHERE t1\."project_id" = t\."member_project" AND t1\."user_id" = t\."member_user" AND \(EXISTS \(SELECT 1 FROM "public"\."projects" t2 WHERE t2\."id" = t1\."project_id"/,
    );
    assert.deepEqual(votes.keyColumns, ['"member_project"', '"member_user"', '"voter"']);
  });

  it('orders parents before children and deletes children first, never root or reference tables', () => {
    const plan = planTenant(saasGraph(), OPTS);
    const order = names(plan.tables);
    const before = (a: string, b: string) =>
      assert.ok(order.indexOf(a) < order.indexOf(b), `${a} before ${b} in ${order}`);
    before('plans', 'tenants');
    before('tenants', 'users');
    before('tenants', 'projects');
    before('projects', 'project_members');
    before('users', 'project_members');
    before('project_members', 'recommendation_votes');
    assert.deepEqual(
      names(plan.deleteOrder),
      [...order].reverse().filter((n) => n !== 'tenants' && n !== 'plans'),
    );
  });

  it('leaves generated columns out and keeps foreign keys to tenant tables (self-references included)', () => {
    const plan = planTenant(saasGraph(), OPTS);
    assert.deepEqual(byName(plan, 'projects').columns, ['"id"', '"tenant_id"', '"name"']);
    assert.deepEqual(
      byName(plan, 'users').foreignKeys?.map((f) => [f.name, f.references]),
      [
        ['users_tenant_fkey', '"public"."tenants"'],
        ['users_manager_fkey', '"public"."users"'],
      ],
    );
    // Foreign keys to reference tables are not checked for tenants.
    assert.deepEqual(plan.tenantsTable.foreignKeys, []);
  });

  it('marks the foreign keys that carry the tenant key (the cross-tenant checks skip them), and only those', () => {
    const uuid = (name: string) => ({ name, type: 'uuid' });
    const graph: TableGraph = {
      tables: [
        table('tenants', [uuid('id')]),
        table('projects', ['id', uuid('tenant_id'), uuid('other_id')], {
          uniqueKeys: [['tenant_id', 'id']],
          foreignKeys: [fk('projects_tenant', ['tenant_id'], 'tenants', ['id'])],
        }),
        table('tasks', ['id', uuid('tenant_id'), 'project_id', uuid('owner_tenant')], {
          foreignKeys: [
            fk('tasks_tenant', ['tenant_id'], 'tenants', ['id']),
            // Through the tenant key to the project's tenant key: same tenant.
            fk('tasks_project_same', ['tenant_id', 'project_id'], 'projects', ['tenant_id', 'id']),
            // Not: the tenant key paired with another column, another column with the tenant key,
            // a key without the tenant key.
            fk('tasks_project_other', ['tenant_id', 'project_id'], 'projects', ['other_id', 'id']),
            fk('tasks_owner', ['owner_tenant', 'project_id'], 'projects', ['tenant_id', 'id']),
            fk('tasks_project', ['project_id'], 'projects', ['id']),
          ],
        }),
      ],
    };
    const plan = planTenant(graph, OPTS);
    const same = (name: string) =>
      Object.fromEntries((byName(plan, name).foreignKeys ?? []).map((f) => [f.name, f.sameTenant === true]));
    assert.deepEqual(same('tasks'), {
      tasks_tenant: true,
      tasks_project_same: true,
      tasks_project_other: false,
      tasks_owner: false,
      tasks_project: false,
    });
    assert.deepEqual(same('projects'), { projects_tenant: true });
  });

  it("marks a dependent table's ways to tenant tables (the cross-tenant checks skip what they prove)", () => {
    const ways = (plan: TenantPlan, name: string) =>
      Object.fromEntries((byName(plan, name).foreignKeys ?? []).map((f) => [f.name, f.way ?? null]));
    const saas = planTenant(saasGraph(), OPTS);
    // Two ways, each to a tenant table: rows referencing the tenant's through either are selected.
    assert.deepEqual(ways(saas, 'project_members'), { pm_project_fkey: 'one-of', pm_user_fkey: 'one-of' });
    // A way to another dependent table: its nested predicate may differ from that table's own, so no mark.
    assert.deepEqual(ways(saas, 'recommendation_votes'), { votes_member_fkey: null });
    // One way: every row selected references a row of the tenant's through it.
    const graph = saasGraph();
    graph.tables.push(
      table('comments', ['id', 'project_id'], {
        foreignKeys: [fk('comments_project', ['project_id'], 'projects', ['id'])],
      }),
    );
    assert.deepEqual(ways(planTenant(graph, OPTS), 'comments'), { comments_project: 'only' });
    // Tenant tables are selected by their tenant key, not through keys.
    assert.deepEqual(ways(saas, 'projects'), { projects_tenant_fkey: null });
  });

  it('ignores self-references for ownership', () => {
    const graph: TableGraph = {
      tables: [
        table('tenants', [{ name: 'id', type: 'uuid' }]),
        table('categories', ['id', 'parent_id'], {
          foreignKeys: [fk('cat_parent', ['parent_id'], 'categories', ['id'])],
        }),
      ],
    };
    const plan = planTenant(graph, LOOSE);
    assert.equal(byName(plan, 'categories').kind, 'reference');
  });

  it('with reference-tables: skip, copies only the lookup rows the tenants row references (issue 14)', () => {
    const plan = planTenant(saasGraph(), { ...OPTS, referenceTables: 'skip' });
    // plans is referenced by the tenants row: the tenant's plan is copied, so tenants_plan_fkey
    // validates in the new database (before issue 14 plans was left out and VALIDATE failed).
    assert.equal(byName(plan, 'plans').kind, 'referenced');
    assert.equal(
      byName(plan, 'plans').where,
      `EXISTS (SELECT 1 FROM "public"."tenants" t1 WHERE t1."plan_code" = t."code" AND t1."id" = ${SETTING}::uuid)`,
    );
    assert.deepEqual(plan.blockers, []);
    assert.ok(!names(plan.deleteOrder).includes('plans'));
  });

  it('finds a schema-qualified tenants table and plans tables across schemas', () => {
    const graph: TableGraph = {
      tables: [
        table('core.tenants', [{ name: 'id', type: 'uuid' }]),
        table('public.tenants', [{ name: 'id', type: 'uuid' }]),
        table('billing.invoices', ['id', { name: 'tenant_id', type: 'uuid' }], {
          foreignKeys: [fk('inv_tenant', ['tenant_id'], 'core.tenants', ['id'])],
          indexes: [idx('inv_pkey', 'id'), idx('inv_tenant', 'tenant_id')],
        }),
        table('billing.lines', ['id', 'invoice_id'], {
          foreignKeys: [fk('lines_invoice', ['invoice_id'], 'billing.invoices', ['id'])],
          indexes: [idx('lines_pkey', 'id'), idx('lines_invoice', 'invoice_id')],
        }),
      ],
    };
    const plan = planTenant(graph, { ...OPTS, tenantsTable: 'core.tenants' });
    assert.equal(plan.tenantsTable.qualified, '"core"."tenants"');
    assert.equal(byName(plan, 'lines').kind, 'dependent');
    assert.equal(byName(plan, 'lines').qualified, '"billing"."lines"');
    assert.match(byName(plan, 'lines').where, /FROM "billing"\."invoices" t1/);
    // public.tenants has no path to a tenant: a reference table like any other.
    assert.equal(plan.tables.filter((t) => t.name === 'tenants' && t.kind === 'reference').length, 1);
    assert.throws(() => planTenant(graph, { ...OPTS, tenantsTable: 'nowhere.tenants' }), /not found/);
  });

  it('parses quoted table names', () => {
    assert.deepEqual(parseTableName('app."Tenants"'), {
      schema: 'app',
      name: 'Tenants',
      quoted: [false, true],
    });
    assert.deepEqual(parseTableName('"a.b"."c""d"'), { schema: 'a.b', name: 'c"d', quoted: [true, true] });
    assert.throws(() => parseTableName('a.b.c'), /Invalid tenants table/);
    assert.throws(() => parseTableName('"open'), /Invalid tenants table/);
  });

  it('casts to the key column types (bigint tenant ids, integer tenant keys)', () => {
    const graph: TableGraph = {
      tables: [
        table('tenants', [{ name: 'id', type: 'bigint' }]),
        table('orders', ['id', { name: 'org', type: 'integer' }], { indexes: [idx('o', 'org')] }),
        table('events', ['id', { name: 'org', type: 'bigint' }], {
          foreignKeys: [fk('events_org', ['org'], 'tenants', ['id'])],
          indexes: [idx('e', 'org')],
        }),
      ],
    };
    const plan = planTenant(graph, { ...OPTS, tenantKey: 'org', tenantId: '42', tenantIdType: 'bigint' });
    assert.equal(plan.tenantsTable.where, `t."id" = ${SETTING}::bigint`);
    assert.equal(byName(plan, 'orders').where, `t."org" = ${SETTING}::integer`);
    assert.equal(byName(plan, 'events').where, `t."org" = ${SETTING}::bigint`);
    assert.equal(byName(plan, 'orders').kind, 'tenant');
    assert.equal(plan.tenantIdType, 'bigint');
    assert.deepEqual(plan.notes, []);
  });

  it('counts a table with the tenant key but no foreign key to tenants as tenant-scoped', () => {
    const graph: TableGraph = {
      tables: [
        table('tenants', [{ name: 'id', type: 'uuid' }]),
        table('loose', ['id', { name: 'tenant_id', type: 'uuid' }], { indexes: [idx('l', 'tenant_id')] }),
      ],
    };
    assert.equal(byName(planTenant(graph, LOOSE), 'loose').kind, 'tenant');
  });

  it('shortcuts a direct foreign key to the tenants table', () => {
    const graph: TableGraph = {
      tables: [
        table('tenants', [{ name: 'id', type: 'uuid' }]),
        table('owned', ['id', { name: 'owner', type: 'uuid' }], {
          foreignKeys: [fk('owned_owner', ['owner'], 'tenants', ['id'])],
          indexes: [idx('p', 'id'), idx('o', 'owner')],
        }),
      ],
    };
    const plan = planTenant(graph, LOOSE);
    assert.equal(byName(plan, 'owned').kind, 'dependent');
    assert.equal(byName(plan, 'owned').where, `t."owner" = ${SETTING}::uuid`);
  });

  it('breaks foreign-key cycles deterministically and notes them', () => {
    const graph: TableGraph = {
      tables: [
        table('tenants', [{ name: 'id', type: 'uuid' }]),
        table('a', ['id', { name: 'tenant_id', type: 'uuid' }, 'b_id'], {
          foreignKeys: [fk('a_b', ['b_id'], 'b', ['id'])],
          indexes: [idx('a_t', 'tenant_id'), idx('a_b', 'b_id')],
        }),
        table('b', ['id', 'a_id'], {
          foreignKeys: [fk('b_a', ['a_id'], 'a', ['id'])],
          indexes: [idx('b_a', 'a_id')],
        }),
      ],
    };
    const one = planTenant(graph, LOOSE);
    const two = planTenant({ tables: [...graph.tables].reverse() }, LOOSE);
    assert.deepEqual(names(one.tables), names(two.tables));
    assert.equal(names(one.tables)[0], 'tenants');
    assert.equal(byName(one, 'b').kind, 'dependent');
    assert.equal(
      byName(one, 'b').where,
      `EXISTS (SELECT 1 FROM "public"."a" t1 WHERE t1."id" = t."a_id" AND t1."tenant_id" = ${SETTING}::uuid)`,
    );
    assert.ok(one.notes.some((n) => n.includes('cycle') && n.includes('public.a') && n.includes('public.b')));
  });

  it('terminates on cycles among dependent tables and uses each path once', () => {
    const graph: TableGraph = {
      tables: [
        table('tenants', [{ name: 'id', type: 'uuid' }]),
        table('docs', ['id', { name: 'tenant_id', type: 'uuid' }], { indexes: [idx('d', 'tenant_id')] }),
        table('x', ['id', 'doc_id', 'y_id'], {
          foreignKeys: [fk('x_doc', ['doc_id'], 'docs', ['id']), fk('x_y', ['y_id'], 'y', ['id'])],
          indexes: [idx('x1', 'doc_id'), idx('x2', 'y_id')],
        }),
        table('y', ['id', 'x_id'], {
          foreignKeys: [fk('y_x', ['x_id'], 'x', ['id'])],
          indexes: [idx('y1', 'x_id')],
        }),
      ],
    };
    const plan = planTenant(graph, LOOSE);
    assert.equal(byName(plan, 'x').kind, 'dependent');
    assert.equal(byName(plan, 'y').kind, 'dependent');
    // x: directly through docs, or through y whose only other path leads back to x (not followed again).
    // Each path once (counted in the per-row form: the set form wraps its ways in one more EXISTS).
    const x = byName(plan, 'x');
    assert.equal(((x.perRowWhere ?? x.where).match(/EXISTS/g) ?? []).length, 2);
  });

  it('plans partitioned parents, not their partitions', () => {
    const graph: TableGraph = {
      tables: [
        table('tenants', [{ name: 'id', type: 'uuid' }]),
        table('events', ['id', { name: 'tenant_id', type: 'uuid' }], {
          relkind: 'p',
          indexes: [idx('e', 'tenant_id', 'id')],
        }),
        table('events_2024', ['id', { name: 'tenant_id', type: 'uuid' }], {
          partitionOf: { schema: 'public', name: 'events' },
        }),
        table('events_2024_q1', ['id', { name: 'tenant_id', type: 'uuid' }], {
          partitionOf: { schema: 'public', name: 'events_2024' },
        }),
        table('event_tags', ['id', 'event_id'], {
          foreignKeys: [fk('tags_event', ['event_id'], 'events_2024', ['id'])],
          indexes: [idx('t', 'event_id')],
        }),
      ],
    };
    const plan = planTenant(graph, LOOSE);
    assert.deepEqual(names(plan.tables).sort(), ['event_tags', 'events', 'tenants']);
    assert.equal(byName(plan, 'events').partitioned, true);
    // A foreign key to a partition reaches the tenant through the partitioned root.
    assert.equal(byName(plan, 'event_tags').kind, 'dependent');
    assert.match(byName(plan, 'event_tags').where, /FROM "public"\."events" t1/);
  });

  it('uses text COPY for arrays and composites of user-defined types', () => {
    const graph: TableGraph = {
      tables: [
        table('tenants', [{ name: 'id', type: 'uuid' }]),
        table(
          'a',
          [
            'id',
            { name: 'tenant_id', type: 'uuid' },
            { name: 'tags', type: 'text[]', isArray: true, elementTyptype: 'b' },
          ],
          {
            indexes: [idx('a', 'tenant_id')],
          },
        ),
        table(
          'b',
          [
            'id',
            { name: 'tenant_id', type: 'uuid' },
            {
              name: 's',
              type: 'public.status[]',
              isArray: true,
              elementTyptype: 'e',
              elementUserDefined: true,
            },
          ],
          {
            indexes: [idx('b', 'tenant_id')],
          },
        ),
        table(
          'c',
          [
            'id',
            { name: 'tenant_id', type: 'uuid' },
            { name: 'price', type: 'public.money_amount', typtype: 'c' },
          ],
          {
            indexes: [idx('c', 'tenant_id')],
          },
        ),
        table(
          'd',
          [
            'id',
            { name: 'tenant_id', type: 'uuid' },
            { name: 'status', type: 'public.status', typtype: 'e' },
            { name: 'x', type: 'public.nobin', binaryIo: false, generated: true },
          ],
          {
            indexes: [idx('d', 'tenant_id')],
          },
        ),
        table(
          'e',
          ['id', { name: 'tenant_id', type: 'uuid' }, { name: 'x', type: 'public.nobin', binaryIo: false }],
          {
            indexes: [idx('e', 'tenant_id')],
          },
        ),
      ],
    };
    const plan = planTenant(graph, LOOSE);
    assert.deepEqual(
      Object.fromEntries(plan.tables.filter((t) => t.kind === 'tenant').map((t) => [t.name, t.binarySafe])),
      { a: true, b: false, c: false, d: true, e: false },
    );
  });

  it('notes unindexed foreign keys and tenant keys with the index to create', () => {
    const graph = saasGraph();
    const users = graph.tables.find((t) => t.name === 'users')!;
    users.indexes = [idx('users_pkey', 'id')];
    const plan = planTenant(graph, OPTS);
    assert.ok(
      plan.notes.some(
        (n) =>
          n.includes('users_manager_fkey') &&
          n.includes('CREATE INDEX CONCURRENTLY ON "public"."users" ("manager_id");'),
      ),
      plan.notes.join('\n'),
    );
    assert.ok(
      plan.notes.some(
        (n) => n.includes('no index leading with tenant_id') && n.includes('"public"."users" ("tenant_id")'),
      ),
    );
    // Indexed keys are not mentioned, nor foreign keys to the tenants table (its row is never deleted).
    assert.ok(!plan.notes.some((n) => n.includes('pm_user_fkey') || n.includes('users_tenant_fkey')));
  });

  it('selects only the parent’s own rows when it has inheritance children', () => {
    const graph: TableGraph = {
      tables: [
        table('tenants', [{ name: 'id', type: 'uuid' }]),
        table('notes', ['id', { name: 'tenant_id', type: 'uuid' }], {
          hasInheritanceChildren: true,
          indexes: [idx('n', 'tenant_id')],
        }),
      ],
    };
    const where = byName(planTenant(graph, LOOSE), 'notes').where;
    assert.equal(where, `(t."tenant_id" = ${SETTING}::uuid) AND t.tableoid = '"public"."notes"'::regclass`);
  });

  it('refuses a tenants column that does not identify one tenant (composite key)', () => {
    const graph: TableGraph = {
      tables: [
        table('tenants', ['a', 'b'], { primaryKey: ['a', 'b'], indexes: [] }),
        table('rows', ['id', 'tenant_id', 'b'], {
          foreignKeys: [fk('rows_tenant', ['tenant_id', 'b'], 'tenants', ['a', 'b'])],
        }),
      ],
    };
    assert.throws(
      () => planTenant(graph, OPTS),
      (e: Error) => /public\.tenants\.a does not identify one tenant/.test(e.message),
    );
  });

  it('limits the predicate when foreign-key paths explode', () => {
    // A ladder of 12 levels, each table referencing both tables of the level above: 2^12 paths.
    const tables: TableInfo[] = [
      table('tenants', [{ name: 'id', type: 'uuid' }]),
      table('l0a', ['id', { name: 'tenant_id', type: 'uuid' }], { indexes: [idx('i', 'tenant_id')] }),
      table('l0b', ['id', { name: 'tenant_id', type: 'uuid' }], { indexes: [idx('i', 'tenant_id')] }),
    ];
    for (let i = 1; i <= 12; i++) {
      for (const s of ['a', 'b']) {
        tables.push(
          table(`l${i}${s}`, ['id', 'pa', 'pb'], {
            foreignKeys: [
              fk(`f${i}${s}a`, ['pa'], `l${i - 1}a`, ['id']),
              fk(`f${i}${s}b`, ['pb'], `l${i - 1}b`, ['id']),
            ],
            indexes: [idx('x', 'pa'), idx('y', 'pb')],
          }),
        );
      }
    }
    const plan = planTenant({ tables }, LOOSE);
    const where = byName(plan, 'l12a').where;
    assert.ok(where.length < 20_000, `predicate of ${where.length} characters`);
    assert.ok(plan.notes.some((n) => n.includes('public.l12a') && n.includes('foreign-key paths')));
  });
});

describe('BinaryRowCounter', () => {
  /** A binary COPY stream: signature, flags, header extension, tuples, trailer. */
  function binaryCopy(rows: (Buffer | null)[][], extension = Buffer.alloc(0)): Buffer {
    const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(4)];
    const ext = Buffer.alloc(4);
    ext.writeInt32BE(extension.length);
    parts.push(ext, extension);
    for (const row of rows) {
      const n = Buffer.alloc(2);
      n.writeInt16BE(row.length);
      parts.push(n);
      for (const field of row) {
        const len = Buffer.alloc(4);
        len.writeInt32BE(field === null ? -1 : field.length);
        parts.push(len);
        if (field) parts.push(field);
      }
    }
    const trailer = Buffer.alloc(2);
    trailer.writeInt16BE(-1);
    parts.push(trailer);
    return Buffer.concat(parts);
  }

  it('counts tuples whatever the chunk boundaries', () => {
    const stream = binaryCopy(
      [
        [Buffer.from('abc'), null, Buffer.alloc(0)],
        [Buffer.from([0, 0, 0, 1])],
        [],
        [Buffer.alloc(300, 7), Buffer.from('x')],
      ],
      Buffer.from('ext!'),
    );
    for (const size of [1, 2, 3, 5, 7, 19, 64, stream.length]) {
      const counter = new BinaryRowCounter();
      let rows = 0;
      for (let i = 0; i < stream.length; i += size) rows = counter.feed(stream.subarray(i, i + size));
      assert.equal(rows, 4, `chunks of ${size}`);
    }
  });
});

describe('plan: cycles of foreign keys in the shared database (orderPlan)', () => {
  // teams.lead_id → people and people.team_id → teams, both NOT NULL, tables with rows.
  const cycleGraph = (lead: Partial<ForeignKeyInfo> = {}, leadNotNull = true): TableGraph => ({
    tables: [
      table('tenants', [{ name: 'id', type: 'uuid' }]),
      table('people', ['id', { name: 'team_id', notNull: true }], {
        foreignKeys: [fk('people_team', ['team_id'], 'teams', ['id'])],
        indexes: [idx('p_t', 'team_id')],
      }),
      table(
        'teams',
        ['id', { name: 'tenant_id', type: 'uuid', notNull: true }, { name: 'lead_id', notNull: leadNotNull }],
        {
          foreignKeys: [
            fk('teams_tenant', ['tenant_id'], 'tenants', ['id']),
            { ...fk('teams_lead', ['lead_id'], 'people', ['id']), ...lead },
          ],
          indexes: [idx('t_t', 'tenant_id'), idx('t_l', 'lead_id')],
        },
      ),
    ],
  });
  const measured = (graph: TableGraph): TenantPlan => {
    const plan = planTenant(graph, LOOSE);
    return {
      ...plan,
      tables: plan.tables.map((t) => ({ ...t, rows: 3 })),
      deleteOrder: plan.deleteOrder.map((t) => ({ ...t, rows: 3 })),
    };
  };

  it('a cycle no order can delete blocks the plan up front, naming the cycle, its keys and the remedy', () => {
    const graph = cycleGraph();
    const plan = orderPlan(measured(graph), graph, { keepSharedData: false, frontEnd: 'cli' });
    assert.equal(plan.blockers.length, 1, plan.blockers.join('\n'));
    assert.match(plan.blockers[0]!, /cycle between "public"\."(teams|people)", "public"\."(teams|people)"/);
    assert.match(plan.blockers[0]!, /teams_lead/);
    assert.match(plan.blockers[0]!, /people_team/);
    assert.match(plan.blockers[0]!, /no order can delete the tenant's shared rows at cleanup/);
    assert.match(plan.blockers[0]!, /DEFERRABLE/);
    assert.match(plan.blockers[0]!, /--keep-shared-data/, 'the remedy names the CLI flag');
    // The rollback's side is a note; the old copy-order note no longer speaks for the cleanup.
    assert.ok(plan.notes.some((n) => /a rollback cannot copy/.test(n)));
    assert.ok(!plan.notes.some((n) => /the cleanup deletes in reverse order/.test(n)));
    // Keeping the shared rows makes it a note: cleanup deletes nothing.
    const kept = orderPlan(measured(graph), graph, { keepSharedData: true, frontEnd: 'action' });
    assert.deepEqual(kept.blockers, []);
    assert.ok(kept.notes.some((n) => /no order can delete/.test(n) && /the keep-shared-data input/.test(n)));
  });

  it('a DEFERRABLE key in the cycle does not block; the order honours the key that cannot give way', () => {
    const graph = cycleGraph({ deferrable: true });
    const plan = orderPlan(measured(graph), graph, { keepSharedData: false });
    assert.deepEqual(plan.blockers, []);
    assert.ok(!plan.notes.some((n) => /no order can|rollback cannot/.test(n)), plan.notes.join('\n'));
    // people.team_id (NOT DEFERRABLE) → teams: teams copied back first, people deleted first.
    assert.deepEqual(names(plan.tables), ['tenants', 'teams', 'people']);
    assert.deepEqual(names(plan.deleteOrder), ['people', 'teams']);
  });

  it('a nullable key in the cycle makes it data-dependent: notes, no blocker', () => {
    const graph = cycleGraph({}, false);
    const plan = orderPlan(measured(graph), graph, { keepSharedData: false });
    assert.deepEqual(plan.blockers, []);
    assert.ok(plan.notes.some((n) => /unless the references between its rows never go round/.test(n)));
  });

  it('without a cycle the plan is unchanged', () => {
    const graph: TableGraph = {
      tables: [
        table('tenants', [{ name: 'id', type: 'uuid' }]),
        table('a', ['id', { name: 'tenant_id', type: 'uuid', notNull: true }], {
          foreignKeys: [fk('a_t', ['tenant_id'], 'tenants', ['id'])],
          indexes: [idx('a_t', 'tenant_id')],
        }),
        table('b', ['id', { name: 'a_id', notNull: true }], {
          foreignKeys: [fk('b_a', ['a_id'], 'a', ['id'])],
          indexes: [idx('b_a', 'a_id')],
        }),
      ],
    };
    const before = measured(graph);
    const after = orderPlan(before, graph, { keepSharedData: false });
    assert.deepEqual(after, before);
  });
});

describe('clientConfig', () => {
  it('turns keepalives on, bounds the connect time, names the application and sets the session (JIT off, READ COMMITTED, one TimeZone/DateStyle/IntervalStyle, no inherited timeout, one search_path, whatever the database sets)', () => {
    assert.deepEqual(clientConfig('postgres://h/db', { statement_timeout: 5 }), {
      connectionString: 'postgres://h/db',
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: 'tenant-promotion',
      connectionTimeoutMillis: 10_000,
      options:
        '-c jit=off -c default_transaction_isolation=read\\ committed -c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=postgres' +
        ' -c statement_timeout=0 -c lock_timeout=0 -c idle_in_transaction_session_timeout=0 -c search_path="$user",public',
      statement_timeout: 5,
    });
  });
});

/**
 * Issue 14, on a hand-built catalog in the shape of the billing schema: users behind memberships,
 * their password-reset tokens, roles with global rows (NULL tenant key), a polymorphic audit
 * table, an unrelated lookup, and pagila's payment with its foreign keys on the partitions only.
 */
function billingGraph(): TableGraph {
  const tid = { name: 'tenant_id', type: 'uuid' };
  return {
    tables: [
      table('tenants', [{ name: 'id', type: 'uuid' }, 'slug']),
      table('users', ['id', 'email', 'password_hash', 'address_id'], {
        foreignKeys: [fk('users_address_fkey', ['address_id'], 'addresses', ['id'])],
      }),
      table('addresses', ['id', 'street']),
      table('roles', ['id', tid, 'name'], {
        foreignKeys: [fk('roles_tenant_fkey', ['tenant_id'], 'tenants', ['id'])],
        indexes: [idx('roles_pkey', 'id'), idx('roles_tenant', 'tenant_id')],
      }),
      table('memberships', ['id', { ...tid, notNull: true }, 'user_id', 'role_id'], {
        foreignKeys: [
          fk('memberships_tenant_fkey', ['tenant_id'], 'tenants', ['id']),
          fk('memberships_user_fkey', ['user_id'], 'users', ['id']),
          fk('memberships_role_fkey', ['role_id'], 'roles', ['id']),
        ],
        indexes: [idx('m_pkey', 'id'), idx('m_tenant', 'tenant_id')],
      }),
      table('password_reset_tokens', ['id', 'user_id', 'token'], {
        foreignKeys: [fk('tokens_user_fkey', ['user_id'], 'users', ['id'])],
      }),
      table('audit_versions', ['id', { name: 'item_type', type: 'text' }, 'item_id', 'whodunnit'], {
        foreignKeys: [fk('versions_user_fkey', ['whodunnit'], 'users', ['id'])],
      }),
      table('countries', [{ name: 'code', type: 'text' }, 'name'], { primaryKey: ['code'] }),
      table('customer', ['id', { ...tid, notNull: true }, 'email'], {
        foreignKeys: [fk('customer_tenant_fkey', ['tenant_id'], 'tenants', ['id'])],
        indexes: [idx('c_pkey', 'id'), idx('c_tenant', 'tenant_id')],
      }),
      table('payment', ['id', 'customer_id', 'amount'], { relkind: 'p' }),
      table('payment_p1', ['id', 'customer_id', 'amount'], {
        partitionOf: { schema: 'public', name: 'payment' },
        foreignKeys: [fk('payment_p1_customer_id_fkey', ['customer_id'], 'customer', ['id'])],
      }),
      table('payment_p2', ['id', 'customer_id', 'amount'], {
        partitionOf: { schema: 'public', name: 'payment' },
        foreignKeys: [fk('payment_p2_customer_id_fkey', ['customer_id'], 'customer', ['id'])],
      }),
    ],
  };
}

describe('planTenant: exactly the tenant data (issue 14)', () => {
  const kindsOf = (plan: TenantPlan) => Object.fromEntries(plan.tables.map((t) => [t.name, t.kind]));

  it('classifies referenced rows, their followers, global rows, unattributable and unrelated tables', () => {
    const plan = planTenant(billingGraph(), { ...OPTS, globalRows: true });
    assert.deepEqual(kindsOf(plan), {
      tenants: 'root',
      addresses: 'referenced',
      countries: 'reference',
      customer: 'tenant',
      payment: 'dependent',
      roles: 'tenant',
      users: 'referenced',
      memberships: 'tenant',
      password_reset_tokens: 'referenced',
    });
    assert.deepEqual(plan.skipped, [{ schema: 'public', name: 'audit_versions', reason: 'unattributable' }]);
    assert.deepEqual(plan.blockers, []);
    // Cleanup deletes only the tenant's own tables.
    assert.deepEqual(names(plan.deleteOrder).sort(), ['customer', 'memberships', 'payment', 'roles']);
  });

  it('selects referenced rows by the copied rows that reference them, and rows that follow them', () => {
    const plan = planTenant(billingGraph(), { ...OPTS, globalRows: true });
    const memberships = `EXISTS (SELECT 1 FROM "public"."memberships" t1 WHERE t1."user_id" = t."id" AND t1."tenant_id" = ${SETTING}::uuid)`;
    assert.equal(byName(plan, 'users').where, memberships);
    // Tokens follow their (copied) user; addresses are those of copied users.
    assert.equal(
      byName(plan, 'password_reset_tokens').where,
      `EXISTS (SELECT 1 FROM "public"."users" t1 WHERE t1."id" = t."user_id" AND ${memberships.replaceAll('t1', 't2').replace('= t."id"', '= t1."id"')})`,
    );
    assert.match(
      byName(plan, 'addresses').where,
      /^EXISTS \(SELECT 1 FROM "public"\."users" t1 WHERE t1\."address_id" = t\."id" AND EXISTS \(SELECT 1 FROM "public"\."memberships" t2/,
    );
    // Other tenants' use of a copied user is measured (alsoUsedRows) with this predicate.
    assert.match(
      byName(plan, 'users').alsoUsedWhere ?? '',
      /"memberships" t1 WHERE t1\."user_id" = t\."id" AND \(t1\."tenant_id" = .*\) IS NOT TRUE/,
    );
    assert.ok(
      plan.notes.some(
        (n) =>
          n.startsWith('Referenced rows') && n.includes('public.users (referenced by public.memberships)'),
      ),
    );
  });

  it('copies the global rows (NULL tenant key) the tenant references, and deletes only its own', () => {
    const plan = planTenant(billingGraph(), { ...OPTS, globalRows: true });
    const roles = byName(plan, 'roles');
    assert.equal(roles.ownWhere, `t."tenant_id" = ${SETTING}::uuid`);
    assert.equal(
      roles.where,
      `(t."tenant_id" = ${SETTING}::uuid OR (t."tenant_id" IS NULL AND EXISTS (SELECT 1 FROM "public"."memberships" t1 WHERE t1."role_id" = t."id" AND t1."tenant_id" = ${SETTING}::uuid)))`,
    );
    // A NOT NULL tenant key has no global rows; without globalRows (the rollback's plan) neither.
    assert.equal(byName(plan, 'memberships').ownWhere, undefined);
    assert.equal(byName(planTenant(billingGraph(), OPTS), 'roles').ownWhere, undefined);
  });

  it('lists the polymorphic table with the override that copies it, and obeys the override', () => {
    const plan = planTenant(billingGraph(), OPTS);
    assert.ok(
      plan.notes.some(
        (n) =>
          n.includes('public.audit_versions points at rows polymorphically (item_type, item_id)') &&
          n.includes('table-overrides: public.audit_versions=copy'),
      ),
    );
    const copied = planTenant(billingGraph(), {
      ...OPTS,
      tableOverrides: { 'public.audit_versions': 'copy' },
    });
    assert.equal(byName(copied, 'audit_versions').kind, 'reference');
    assert.equal(byName(copied, 'audit_versions').where, 'true');
    // Copied whole, it references users: every user it names is copied too (FK valid).
    assert.match(byName(copied, 'users').where, /"audit_versions" t1 WHERE t1\."whodunnit" = t\."id"\)/);
    const referenced = planTenant(billingGraph(), {
      ...OPTS,
      tableOverrides: { audit_versions: 'referenced' },
    });
    assert.equal(byName(referenced, 'audit_versions').kind, 'referenced');
    assert.match(
      byName(referenced, 'audit_versions').where,
      /^EXISTS \(SELECT 1 FROM "public"\."users" t1 WHERE t1\."id" = t\."whodunnit"/,
    );
  });

  it('skips unrelated tables with reference-tables: skip, and overrides decide per table', () => {
    const plan = planTenant(billingGraph(), { ...OPTS, referenceTables: 'skip' });
    assert.ok(!names(plan.tables).includes('countries'));
    assert.ok(plan.skipped?.some((s) => s.name === 'countries' && s.reason === 'reference-tables: skip'));
    const copy = planTenant(billingGraph(), {
      ...OPTS,
      referenceTables: 'skip',
      tableOverrides: { 'public.countries': 'copy', 'public.addresses': 'skip' },
    });
    assert.equal(byName(copy, 'countries').kind, 'reference');
    // users reference addresses: skipping it would break users_address_fkey, so the plan refuses.
    assert.ok(
      copy.blockers.some(
        (b) => b.includes('users_address_fkey') && b.includes('public.addresses=referenced'),
      ),
    );
  });

  it('shared-rows: whole copies referenced tables whole (the behaviour before issue 14), with a note', () => {
    const plan = planTenant(billingGraph(), { ...OPTS, sharedRows: 'whole' });
    assert.equal(byName(plan, 'users').kind, 'reference');
    assert.equal(byName(plan, 'users').where, 'true');
    assert.equal(byName(plan, 'password_reset_tokens').kind, 'reference');
    assert.ok(plan.notes.some((n) => n.includes('shared-rows: whole') && n.includes('public.users')));
  });

  it('flags columns that look like credentials or personal data in tables without the tenant key', () => {
    const plan = planTenant(billingGraph(), OPTS);
    const warning = plan.notes.find((n) => n.startsWith('Warning:'));
    assert.ok(warning);
    for (const c of [
      'public.users.email',
      'public.users.password_hash',
      'public.password_reset_tokens.token',
    ])
      assert.ok(warning.includes(c), `${c} in ${warning}`);
    // The tenant's own tables are not listed (customer.email is the tenant's own data).
    assert.ok(!warning.includes('public.customer.email'));
  });

  it('plans a partitioned table from foreign keys declared on every partition', () => {
    const plan = planTenant(billingGraph(), OPTS);
    const payment = byName(plan, 'payment');
    assert.equal(payment.kind, 'dependent');
    assert.equal(
      payment.where,
      `EXISTS (SELECT 1 FROM "public"."customer" t1 WHERE t1."id" = t."customer_id" AND t1."tenant_id" = ${SETTING}::uuid)`,
    );
    assert.ok(plan.notes.some((n) => n.includes('declared on every partition of public.payment')));
    // On one partition only: not the parent's, and said so.
    const graph = billingGraph();
    graph.tables.find((t) => t.name === 'payment_p2')!.foreignKeys = [];
    const partial = planTenant(graph, OPTS);
    assert.equal(byName(partial, 'payment').kind, 'reference');
    assert.ok(
      partial.notes.some(
        (n) => n.includes('payment_p1_customer_id_fkey') && n.includes('not every partition'),
      ),
    );
  });

  it('refuses overrides of unknown tables, partitions and the tenant own tables, with the fix', () => {
    assert.throws(
      () => planTenant(billingGraph(), { ...OPTS, tableOverrides: { 'public.user': 'skip' } }),
      /table-overrides names public\.user, which is not a table of the shared database/,
    );
    assert.throws(
      () => planTenant(billingGraph(), { ...OPTS, tableOverrides: { payment_p1: 'copy' } }),
      /a partition of public\.payment/,
    );
    assert.throws(
      () => planTenant(billingGraph(), { ...OPTS, tableOverrides: { memberships: 'skip' } }),
      /holds the tenant's own rows \(tenant table\)/,
    );
    assert.throws(
      () => planTenant(billingGraph(), { ...OPTS, tableOverrides: { countries: 'referenced' } }),
      /no copied row references public\.countries/,
    );
  });

  it('parses table-overrides and names what is wrong', () => {
    assert.deepEqual(
      parseTableOverrides('public.audit_versions=skip, public.countries=copy\nusers=referenced'),
      {
        'public.audit_versions': 'skip',
        'public.countries': 'copy',
        users: 'referenced',
      },
    );
    assert.deepEqual(parseTableOverrides(''), {});
    assert.throws(
      () => parseTableOverrides('public.x=delete'),
      /delete is not one of copy, referenced, skip/,
    );
    assert.throws(() => parseTableOverrides('public.x'), /is not table=copy\|referenced\|skip/);
    assert.throws(() => parseTableOverrides('a.b.c=copy'), /is not a table name/);
    assert.throws(() => parseTableOverrides('x=copy,x=skip'), /names x twice/);
  });
});

describe('shared-rows and table-overrides through the front ends (issue 14)', () => {
  const inputs = { 'github-token': 'ghs_x', 'database-url': 'postgres://u:p@db:5432/app' };
  const get = (values: Record<string, string>) => (name: string) => values[name] ?? '';

  it('action inputs: defaults, values, and an invalid entry named', () => {
    const none = toPromotionOptions(readInputs(get({ ...inputs, 'skip-cloud-run': 'true' })), 'acme', {});
    assert.equal(none.sharedRows, 'referenced');
    assert.deepEqual(none.tableOverrides, {});
    const set = toPromotionOptions(
      readInputs(
        get({
          ...inputs,
          'skip-cloud-run': 'true',
          'shared-rows': 'whole',
          'table-overrides': 'public.audit_versions=copy, countries=skip',
        }),
      ),
      'acme',
      {},
    );
    assert.equal(set.sharedRows, 'whole');
    assert.deepEqual(set.tableOverrides, { 'public.audit_versions': 'copy', countries: 'skip' });
    assert.throws(
      () => readInputs(get({ ...inputs, 'shared-rows': 'some' })),
      /Input "shared-rows" must be one of referenced, whole/,
    );
    assert.throws(
      () => readInputs(get({ ...inputs, 'table-overrides': 'public.users=drop' })),
      /Input "table-overrides" is invalid: .*drop is not one of copy, referenced, skip/,
    );
  });

  it('CLI: --shared-rows, --table-overrides and SHARED_ROWS / TABLE_OVERRIDES', () => {
    const base = { flags: {}, env: { DATABASE_URL: 'postgres://u:p@db:5432/app', SKIP_CLOUD_RUN: 'true' } };
    const fromEnv = resolveConfig({
      ...base,
      flags: { tenantSlug: 'acme' },
      env: { ...base.env, SHARED_ROWS: 'whole', TABLE_OVERRIDES: 'public.audit_versions=copy' },
    });
    assert.equal(fromEnv.options.sharedRows, 'whole');
    assert.deepEqual(fromEnv.options.tableOverrides, { 'public.audit_versions': 'copy' });
    const fromFlags = resolveConfig({
      ...base,
      flags: { tenantSlug: 'acme', sharedRows: 'referenced', tableOverrides: 'countries=skip' },
      env: { ...base.env, SHARED_ROWS: 'whole' },
    });
    assert.equal(fromFlags.options.sharedRows, 'referenced');
    assert.deepEqual(fromFlags.options.tableOverrides, { countries: 'skip' });
    assert.throws(
      () => resolveConfig({ ...base, flags: { tenantSlug: 'acme', tableOverrides: 'countries=maybe' } }),
      /--table-overrides: .*maybe is not one of copy, referenced, skip/,
    );
    assert.throws(
      () => resolveConfig({ ...base, flags: { tenantSlug: 'acme', sharedRows: 'all' } }),
      /--shared-rows/,
    );
  });
});
