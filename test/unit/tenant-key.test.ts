import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type pg from 'pg';
import { InputError, PromotionError } from '../../src/errors';
import type { ColumnInfo, ForeignKeyInfo, TableGraph, TableInfo } from '../../src/postgres/catalog';
import { planTenant, type PlanOptions } from '../../src/postgres/plan';
import type { TenantPlan } from '../../src/postgres/plan-types';
import {
  comparableTypes,
  resolveTenantKey,
  resolveTenantKeyColumn,
  valueFits,
} from '../../src/postgres/tenant-key';

// Hand-built table graphs: which value the tenant's rows carry, decided by one rule.

type Col = Partial<ColumnInfo> & { name: string };
function col(c: Col | string): ColumnInfo {
  const base = typeof c === 'string' ? { name: c } : c;
  return {
    type: 'integer',
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
function fk(name: string, columns: string[], ref: string, refColumns: string[]): ForeignKeyInfo {
  return { name, columns, refSchema: 'public', refName: ref, refColumns, onDelete: 'no action' };
}
function table(name: string, cols: (Col | string)[], extra: Partial<TableInfo> = {}): TableInfo {
  return {
    schema: 'public',
    name,
    relkind: 'r',
    partitionOf: null,
    hasInheritanceChildren: false,
    columns: cols.map(col),
    primaryKey: ['id'],
    uniqueKeys: [],
    foreignKeys: [],
    indexes: [],
    ...extra,
  };
}
const unique = (name: string, column: string) => ({ name, columns: [column], unique: true, partial: false });

const SETTING = `current_setting('tenant_promotion.tenant_id')`;
const STORE_OPTS: PlanOptions = {
  tenantsTable: 'store',
  tenantKey: 'store_id',
  tenantId: '1',
  referenceTables: 'copy',
};
const byName = (plan: TenantPlan, name: string) => {
  const t = plan.tables.find((x) => x.name === name);
  assert.ok(t, `table ${name} planned`);
  return t;
};

/**
 * The schema: the tenants table `store` has its primary key on store_id and an `id`
 * that is unique but another number; the tenant key store_id references store(store_id).
 */
function storeGraph(): TableGraph {
  return {
    tables: [
      table('store', ['store_id', 'id', { name: 'slug', type: 'text' }], {
        primaryKey: ['store_id'],
        uniqueKeys: [['id']],
        indexes: [unique('store_pkey', 'store_id'), unique('store_id_key', 'id')],
      }),
      table('customer', ['id', 'store_id'], {
        foreignKeys: [fk('customer_store_fkey', ['store_id'], 'store', ['store_id'])],
      }),
      table('inventory', ['id', 'store_id'], {
        foreignKeys: [fk('inventory_store_fkey', ['store_id'], 'store', ['store_id'])],
      }),
      table('rental', ['id', 'customer_id'], {
        foreignKeys: [fk('rental_customer_fkey', ['customer_id'], 'customer', ['id'])],
      }),
      // A dependent table whose foreign key to store references the other unique column.
      table('store_note', ['id', 'store_ref'], {
        foreignKeys: [fk('store_note_ref_fkey', ['store_ref'], 'store', ['id'])],
      }),
    ],
  };
}

/** Asserts an InputError whose message and hint match. */
function refuses(fn: () => unknown, message: RegExp, hint: RegExp = /tenant-id-column/): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InputError, `an InputError, got ${String(e)}`);
    assert.match(e.message, message);
    assert.match(e.hint ?? '', hint);
    return true;
  });
}

describe('resolveTenantKeyColumn', () => {
  it('takes the column the tenant-key foreign keys reference, not the primary key or id by name', () => {
    const r = resolveTenantKeyColumn(storeGraph(), STORE_OPTS);
    assert.equal(r.column, 'store_id');
    assert.equal(r.type, 'integer');
    assert.equal(r.source, 'foreign-keys');
    assert.deepEqual(
      r.tables.map((t) => [t.name, t.references]),
      [
        ['customer', 'store_id'],
        ['inventory', 'store_id'],
      ],
    );

    // Tenant keys referencing a unique column that is not the primary key.
    const graph = storeGraph();
    for (const t of graph.tables) {
      for (const f of t.foreignKeys) if (f.columns[0] === 'store_id') f.refColumns = ['id'];
    }
    assert.equal(resolveTenantKeyColumn(graph, STORE_OPTS).column, 'id');
  });

  it('plans the tenants row, tenant and dependent rows by the resolved column', () => {
    const plan = planTenant(storeGraph(), STORE_OPTS);
    assert.equal(plan.tenantsTable.where, `t."store_id" = ${SETTING}::integer`);
    assert.equal(byName(plan, 'customer').where, `t."store_id" = ${SETTING}::integer`);
    assert.equal(
      byName(plan, 'rental').where,
      `EXISTS (SELECT 1 FROM "public"."customer" t1 WHERE t1."id" = t."customer_id" AND t1."store_id" = ${SETTING}::integer)`,
    );
    // A foreign key to store's other unique column joins through store, selected by store_id.
    assert.equal(
      byName(plan, 'store_note').where,
      `EXISTS (SELECT 1 FROM "public"."store" t1 WHERE t1."id" = t."store_ref" AND t1."store_id" = ${SETTING}::integer)`,
    );
    assert.equal(plan.tenantIdType, 'integer');

    // When the keys reference store(id), the tenants row is selected by id and store_note is a shortcut.
    const graph = storeGraph();
    for (const t of graph.tables) {
      for (const f of t.foreignKeys) if (f.columns[0] === 'store_id') f.refColumns = ['id'];
    }
    const byId = planTenant(graph, STORE_OPTS);
    assert.equal(byId.tenantsTable.where, `t."id" = ${SETTING}::integer`);
    assert.equal(byName(byId, 'store_note').where, `t."store_ref" = ${SETTING}::integer`);
  });

  it('follows a uuid primary key when the tenant keys reference it, whatever type id has', () => {
    const graph: TableGraph = {
      tables: [
        table('tenants', [{ name: 'pk', type: 'uuid' }, 'id', { name: 'slug', type: 'text' }], {
          primaryKey: ['pk'],
          uniqueKeys: [['id']],
        }),
        table('users', ['id', { name: 'tenant_id', type: 'uuid' }], {
          foreignKeys: [fk('users_tenant', ['tenant_id'], 'tenants', ['pk'])],
        }),
      ],
    };
    const opts = { tenantsTable: 'tenants', tenantKey: 'tenant_id' };
    assert.deepEqual((({ column, type }) => ({ column, type }))(resolveTenantKeyColumn(graph, opts)), {
      column: 'pk',
      type: 'uuid',
    });
  });

  it('refuses foreign keys that reference different columns, naming them, even with the option', () => {
    const graph = storeGraph();
    graph.tables.find((t) => t.name === 'inventory')!.foreignKeys[0]!.refColumns = ['id'];
    const message =
      /reference different columns of the tenants table: public\.store\.id by public\.inventory\.store_id \(inventory_store_fkey\); public\.store\.store_id by public\.customer\.store_id \(customer_store_fkey\)/;
    refuses(() => resolveTenantKeyColumn(graph, STORE_OPTS), message, /same column of public\.store/);
    refuses(
      () => resolveTenantKeyColumn(graph, { ...STORE_OPTS, tenantIdColumn: 'store_id' }),
      message,
      /cannot override/,
    );
    // planTenant applies the same rule: it never plans an ambiguous schema.
    refuses(() => planTenant(graph, STORE_OPTS), message, /same column/);
  });

  it('refuses tenant keys without any foreign key unless the column is named, then uses it', () => {
    const graph: TableGraph = {
      tables: [
        table('tenants', ['id', 'code', { name: 'slug', type: 'text' }], {
          uniqueKeys: [['code']],
        }),
        table('orders', ['id', 'tenant_id']),
        table('events', ['id', 'tenant_id']),
      ],
    };
    const opts = { tenantsTable: 'tenants', tenantKey: 'tenant_id' };
    refuses(
      () => resolveTenantKeyColumn(graph, opts),
      /No foreign key on the tenant key tenant_id references the tenants table public\.tenants \(tables with tenant_id: public\.events, public\.orders\)/,
      /tenant-id-column input \(CLI: --tenant-id-column or TENANT_ID_COLUMN\)/,
    );
    const byOption = resolveTenantKeyColumn(graph, { ...opts, tenantIdColumn: 'code' });
    assert.equal(byOption.column, 'code');
    assert.equal(byOption.source, 'option');
    const plan = planTenant(graph, {
      ...opts,
      tenantIdColumn: 'code',
      tenantId: '7',
      referenceTables: 'copy',
    });
    assert.equal(plan.tenantsTable.where, `t."code" = ${SETTING}::integer`);
    assert.equal(byName(plan, 'orders').where, `t."tenant_id" = ${SETTING}::integer`);
  });

  it('refuses an explicit column that does not exist, is not unique, or contradicts the foreign keys', () => {
    refuses(
      () => resolveTenantKeyColumn(storeGraph(), { ...STORE_OPTS, tenantIdColumn: 'nope' }),
      /"nope" given by the tenant-id-column input .* is not a column of the tenants table public\.store \(its columns: store_id, id, slug\)/,
    );
    const loose: TableGraph = {
      tables: [table('store', ['id', { name: 'slug', type: 'text' }]), table('customer', ['id', 'store_id'])],
    };
    refuses(
      () => resolveTenantKeyColumn(loose, { ...STORE_OPTS, tenantIdColumn: 'slug' }),
      /public\.store\.slug does not identify one tenant: it is not the primary key, a unique key or a unique index/,
      /Set the tenant-id-column input .* to a unique column of public\.store/,
    );
    refuses(
      () => resolveTenantKeyColumn(storeGraph(), { ...STORE_OPTS, tenantIdColumn: 'id' }),
      /"id" given by the tenant-id-column input .* contradicts the foreign keys on store_id, which reference public\.store\.store_id \(public\.customer\.store_id \(customer_store_fkey\), public\.inventory\.store_id \(inventory_store_fkey\)\)/,
      /set it to store_id/,
    );
    // Agreeing with the foreign keys is fine, and unquoted names fold to lower case.
    assert.equal(
      resolveTenantKeyColumn(storeGraph(), { ...STORE_OPTS, tenantIdColumn: 'STORE_ID' }).column,
      'store_id',
    );
  });

  it('refuses tenant-key columns without a foreign key whose type cannot be compared', () => {
    const graph: TableGraph = {
      tables: [
        table('tenants', [{ name: 'pk', type: 'uuid' }, 'id'], { primaryKey: ['pk'], uniqueKeys: [['id']] }),
        table('users', ['id', { name: 'tenant_id', type: 'uuid' }], {
          foreignKeys: [fk('users_tenant', ['tenant_id'], 'tenants', ['pk'])],
        }),
        table('audit', ['id', { name: 'tenant_id', type: 'integer' }]),
        table('notes', ['id', { name: 'tenant_id', type: 'text' }]),
      ],
    };
    const opts = { tenantsTable: 'tenants', tenantKey: 'tenant_id' };
    refuses(
      () => resolveTenantKeyColumn(graph, opts),
      /The tenant key tenant_id cannot be compared with public\.tenants\.pk \(uuid\) in public\.audit \(integer\), public\.notes \(text\)/,
      /foreign key to public\.tenants \(pk\), or the same type as it \(uuid\)/,
    );
    // Same family is comparable: int2/int4/int8, text/varchar/char.
    const ints: TableGraph = {
      tables: [
        table('tenants', [{ name: 'id', type: 'bigint' }]),
        table('a', ['id', { name: 'tenant_id', type: 'bigint' }], {
          foreignKeys: [fk('a_t', ['tenant_id'], 'tenants', ['id'])],
        }),
        table('b', ['id', { name: 'tenant_id', type: 'integer' }]),
        table('c', ['id', { name: 'tenant_id', type: 'smallint' }]),
      ],
    };
    assert.equal(resolveTenantKeyColumn(ints, opts).column, 'id');
  });

  it('counts a foreign key declared on a partition alone', () => {
    const graph: TableGraph = {
      tables: [
        table('tenants', ['id', 'code'], { uniqueKeys: [['code']] }),
        table('events', ['id', 'tenant_id'], { relkind: 'p' }),
        table('events_2024', ['id', 'tenant_id'], {
          partitionOf: { schema: 'public', name: 'events' },
          foreignKeys: [fk('e24_t', ['tenant_id'], 'tenants', ['code'])],
        }),
      ],
    };
    assert.equal(
      resolveTenantKeyColumn(graph, { tenantsTable: 'tenants', tenantKey: 'tenant_id' }).column,
      'code',
    );
  });
});

describe('comparableTypes and valueFits', () => {
  it('compares within a type or a family', () => {
    assert.ok(comparableTypes('integer', 'bigint'));
    assert.ok(comparableTypes('character varying(20)', 'text'));
    assert.ok(comparableTypes('character(3)', 'character varying'));
    assert.ok(comparableTypes('uuid', 'uuid'));
    assert.ok(!comparableTypes('uuid', 'integer'));
    assert.ok(!comparableTypes('text', 'bigint'));
    assert.ok(!comparableTypes('numeric', 'integer'));
  });

  it('admits only values a column holds without overflow or truncation', () => {
    assert.ok(valueFits('2147483647', 'integer'));
    assert.ok(!valueFits('2147483648', 'integer'));
    assert.ok(valueFits('-32768', 'smallint'));
    assert.ok(!valueFits('40000', 'smallint'));
    assert.ok(valueFits('9223372036854775807', 'bigint'));
    assert.ok(!valueFits('abc', 'bigint'));
    assert.ok(valueFits('acme', 'character varying(4)'));
    assert.ok(!valueFits('acme-corp', 'character varying(4)'));
    assert.ok(valueFits('00000000-0000-0000-0000-000000000001', 'uuid'));
  });
});

describe('resolveTenantKey', () => {
  /** A client answering the tenants-row query with `rows`, recording the SQL it was sent. */
  function fakeClient(rows: { value: string | null }[]) {
    const sent: { sql: string; params: unknown[] }[] = [];
    const client = {
      query: async (sql: string, params: unknown[] = []) => {
        sent.push({ sql, params });
        return { rows };
      },
    } as unknown as pg.ClientBase;
    return { client, sent };
  }

  it('reads the tenant row of the slug in the resolved column', async () => {
    const { client, sent } = fakeClient([{ value: '2' }]);
    const key = await resolveTenantKey(client, storeGraph(), STORE_OPTS, 'uptown');
    assert.deepEqual(key, { column: 'store_id', type: 'integer', value: '2', source: 'foreign-keys' });
    assert.deepEqual(sent, [
      {
        sql: 'SELECT t."store_id"::text AS value FROM "public"."store" t WHERE t.slug = $1',
        params: ['uptown'],
      },
    ]);
  });

  it('refuses a missing tenant, a NULL value and a value a tenant-key column cannot hold', async () => {
    await assert.rejects(
      resolveTenantKey(fakeClient([]).client, storeGraph(), STORE_OPTS, 'nobody'),
      (e: unknown) => e instanceof PromotionError && e.code === 'tenant-not-found',
    );
    await assert.rejects(
      resolveTenantKey(fakeClient([{ value: null }]).client, storeGraph(), STORE_OPTS, 'uptown'),
      /Tenant "uptown" has no value in public\.store\.store_id/,
    );
    const graph: TableGraph = {
      tables: [
        table('tenants', [
          { name: 'id', type: 'bigint' },
          { name: 'slug', type: 'text' },
        ]),
        table('a', ['id', { name: 'tenant_id', type: 'bigint' }], {
          foreignKeys: [fk('a_t', ['tenant_id'], 'tenants', ['id'])],
        }),
        table('b', ['id', { name: 'tenant_id', type: 'integer' }]),
      ],
    };
    await assert.rejects(
      resolveTenantKey(
        fakeClient([{ value: '5000000000' }]).client,
        graph,
        { tenantsTable: 'tenants', tenantKey: 'tenant_id' },
        'big',
      ),
      (e: unknown) =>
        e instanceof InputError &&
        /Tenant "big" has id = "5000000000", which tenant_id cannot hold in public\.b \(integer\)/.test(
          e.message,
        ),
    );
  });
});
