import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Catalog, ColumnInfo, FunctionInfo, RelationInfo } from '../../src/postgres/ddl/catalog';
import { generateScript } from '../../src/postgres/ddl/generate';
import {
  onTarget,
  targetOf,
  withTargets,
  type TablePlan,
  type TenantPlan,
} from '../../src/postgres/plan-types';
import {
  describeLayout,
  definedNames,
  mapCatalog,
  mapScriptStatements,
  mapStatement,
  parseSearchPath,
  planSchemaLayout,
  schemaMap,
  schemaRefusals,
  schemaRoleStatements,
  unmappedNames,
} from '../../src/postgres/schema-layout';
import { qualifiedNames, tokenize } from '../../src/postgres/sql-tokens';
import { sourceItems, targetItemsMappedBack } from '../../src/validation/schema-level';
import { emptyCatalog } from '../support/catalog';

const column = (name: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name,
  type: 'bigint',
  notNull: true,
  default: null,
  generated: null,
  identity: '',
  collation: null,
  isLocal: true,
  statistics: null,
  storage: null,
  compression: null,
  comment: null,
  acl: null,
  ...extra,
});

let oid = 100;
const relation = (schema: string, name: string, extra: Partial<RelationInfo> = {}): RelationInfo => ({
  key: `c${++oid}`,
  oid: String(oid),
  schema,
  name,
  kind: 'r',
  persistence: 'p',
  owner: 'app',
  acl: null,
  comment: null,
  options: null,
  partitionKey: null,
  partitionBound: null,
  isPartition: false,
  parents: [],
  rowSecurity: false,
  forceRowSecurity: false,
  replicaIdentity: 'd',
  populated: true,
  viewDef: null,
  typed: false,
  accessMethod: null,
  columns: [column('id')],
  ...extra,
});

const fn = (schema: string, name: string, def: string): FunctionInfo => ({
  key: `f${++oid}`,
  schema,
  name,
  kind: 'f',
  signature: `${schema}.${name}()`,
  def,
  owner: 'app',
  acl: null,
  comment: null,
});

const schema = (name: string) => ({ oid: String(++oid), name, owner: 'app', acl: null, comment: null });

function twoSchemas(): Catalog {
  return {
    ...emptyCatalog(),
    schemas: [schema('analytics'), schema('public')],
    relations: [
      relation('public', 'orders', {
        columns: [
          column('id', { default: "nextval('public.orders_id_seq'::regclass)" }),
          column('mood', { type: 'public.mood', notNull: false }),
        ],
      }),
      relation('public', 'events'),
      relation('analytics', 'events'),
    ],
    types: [
      {
        key: 't1',
        schema: 'public',
        name: 'mood',
        kind: 'enum',
        owner: 'app',
        acl: null,
        comment: null,
        labels: ['ok', 'public.orders'],
      },
    ],
    sequences: [
      {
        key: 'c9',
        schema: 'public',
        name: 'orders_id_seq',
        persistence: 'p',
        type: 'bigint',
        start: '1',
        increment: '1',
        min: '1',
        max: '9223372036854775807',
        cache: '1',
        cycle: false,
        owner: 'app',
        acl: null,
        comment: null,
        ownedKind: 'a',
        ownedBy: { schema: 'public', table: 'orders', column: 'id' },
      },
    ],
  };
}

describe('schema layout (issue 21)', () => {
  it('one source schema maps to tenant_<slug>', () => {
    const cat = { ...emptyCatalog(), schemas: [schema('public')], relations: [relation('public', 'orders')] };
    const layout = planSchemaLayout({ base: 'tenant_acme', primarySchema: 'public', catalog: cat });
    assert.deepEqual(
      layout.mappings.map((m) => [m.source, m.target]),
      [['public', 'tenant_acme']],
    );
    assert.deepEqual(layout.searchPath, ['tenant_acme']);
    assert.deepEqual(layout.refusals, []);
  });

  it('several: the tenants table schema keeps tenant_<slug>, the others get a suffix; the same whatever the order', () => {
    const cat = twoSchemas();
    const layout = planSchemaLayout({ base: 'tenant_acme', primarySchema: 'public', catalog: cat });
    assert.deepEqual(
      layout.mappings.map((m) => [m.source, m.target]),
      [
        ['analytics', 'tenant_acme_analytics'],
        ['public', 'tenant_acme'],
      ],
    );
    assert.deepEqual(layout.searchPath, ['tenant_acme', 'tenant_acme_analytics']);
    const reversed = { ...cat, relations: [...cat.relations].reverse() };
    assert.deepEqual(
      planSchemaLayout({ base: 'tenant_acme', primarySchema: 'public', catalog: reversed }),
      layout,
    );
    assert.match(describeLayout(layout).join('\n'), /analytics → tenant_acme_analytics \(1 object\)/);
  });

  it("keeps the shared database's search_path order: unqualified names resolve as before", () => {
    const cat = twoSchemas();
    const layout = planSchemaLayout({
      base: 'tenant_acme',
      primarySchema: 'public',
      catalog: cat,
      sourceSearchPath: parseSearchPath('"$user", Analytics, public'),
    });
    // $user left out (the tenant's role has no schema of its name), analytics before public.
    assert.deepEqual(layout.searchPath, ['tenant_acme_analytics', 'tenant_acme']);
    // A shared schema holding nothing of the tenant's is left out; mapped schemas it did not list come last.
    const partial = planSchemaLayout({
      base: 'tenant_acme',
      primarySchema: 'public',
      catalog: cat,
      sourceSearchPath: ['reporting', 'analytics'],
    });
    assert.deepEqual(partial.searchPath, ['tenant_acme_analytics', 'tenant_acme']);
  });

  it('reads a search_path setting as PostgreSQL does', () => {
    assert.deepEqual(parseSearchPath('"$user", public'), ['$user', 'public']);
    assert.deepEqual(parseSearchPath('Analytics,"My ""Schema""" , public'), [
      'analytics',
      'My "Schema"',
      'public',
    ]);
    assert.deepEqual(parseSearchPath(''), []);
  });

  it('a mapped name over 63 bytes is refused with the objects it holds', () => {
    const long = 'a_rather_long_schema_name_for_reports';
    const cat = { ...emptyCatalog(), relations: [relation('public', 'orders'), relation(long, 'daily')] };
    const base = 'tenant_' + 'x'.repeat(30);
    const layout = planSchemaLayout({ base, primarySchema: 'public', catalog: cat });
    assert.equal(layout.refusals.length, 1);
    assert.match(layout.refusals[0]!, /longer than PostgreSQL's 63-byte limit/);
    assert.match(layout.refusals[0]!, new RegExp(`table ${long}\\.daily`));
  });

  it('a target schema that exists and is not the tenant’s, or two sources meeting on one name, are refused', () => {
    const cat = twoSchemas();
    const taken = new Map([['tenant_acme_analytics', 'schema of tenant acme-analytics']]);
    const layout = planSchemaLayout({ base: 'tenant_acme', primarySchema: 'public', catalog: cat, taken });
    assert.equal(layout.refusals.length, 1);
    assert.match(
      layout.refusals[0]!,
      /tenant_acme_analytics.*already exists \(schema of tenant acme-analytics\).*analytics\.events/,
    );
    // A source schema literally named like the suffix of another's target.
    const clash = {
      ...emptyCatalog(),
      relations: [relation('public', 'a'), relation('x', 'b'), relation('tenant_acme_x', 'c')],
    };
    const l2 = planSchemaLayout({ base: 'tenant_acme', primarySchema: 'public', catalog: clash });
    // tenant_acme_x → tenant_acme_tenant_acme_x, x → tenant_acme_x: distinct targets, but the
    // shared database already has tenant_acme_x (a source schema): the caller lists it as taken.
    assert.deepEqual(l2.refusals, []);
    const l3 = planSchemaLayout({
      base: 'tenant_acme',
      primarySchema: 'public',
      catalog: clash,
      taken: new Map([['tenant_acme_x', 'a schema of the shared database']]),
    });
    assert.match(l3.refusals.join('\n'), /tenant_acme_x, where x would go, already exists/);
  });

  it('extensions: their schema is on the search_path after the tenant’s, and the role gets USAGE there only', () => {
    const cat = {
      ...twoSchemas(),
      extensions: [{ oid: '1', name: 'citext', schema: 'public', requires: [] }],
    } as Catalog;
    const layout = planSchemaLayout({ base: 'tenant_acme', primarySchema: 'public', catalog: cat });
    assert.deepEqual(layout.extensionSchemas, ['public']);
    assert.deepEqual(layout.searchPath, ['tenant_acme', 'tenant_acme_analytics', 'public']);
    assert.deepEqual(schemaRoleStatements(layout, 'tenant_acme_app', 'shared'), [
      'GRANT USAGE ON SCHEMA "tenant_acme" TO "tenant_acme_app"',
      'GRANT USAGE ON SCHEMA "tenant_acme_analytics" TO "tenant_acme_app"',
      'GRANT USAGE ON SCHEMA "public" TO "tenant_acme_app"',
      'ALTER ROLE "tenant_acme_app" IN DATABASE "shared" SET search_path = "tenant_acme", "tenant_acme_analytics", "public"',
    ]);
    assert.match(
      describeLayout(layout).join('\n'),
      /USAGE on public \(their schema\) and nothing else there/,
    );
  });
});

describe('mapStatement', () => {
  const cat = twoSchemas();
  const layout = planSchemaLayout({ base: 'tenant_acme', primarySchema: 'public', catalog: cat });
  const map = schemaMap(layout);
  const defined = definedNames(cat);
  const m = (sql: string) => mapStatement(sql, map, { defined });

  it('rewrites qualified names of the tenant’s objects, quoted or not, and reg* literals', () => {
    assert.equal(
      m(`CREATE INDEX orders_mood ON public.orders USING btree (mood)`),
      `CREATE INDEX orders_mood ON "tenant_acme".orders USING btree (mood)`,
    );
    assert.equal(
      m(`ALTER TABLE ONLY "public"."orders" ADD x`),
      `ALTER TABLE ONLY "tenant_acme"."orders" ADD x`,
    );
    assert.equal(
      m(`nextval('public.orders_id_seq'::regclass)`),
      `nextval('"tenant_acme"."orders_id_seq"'::regclass)`,
    );
    assert.equal(
      m(`SELECT e.id FROM analytics.events e JOIN public.events p USING (id)`),
      `SELECT e.id FROM "tenant_acme_analytics".events e JOIN "tenant_acme".events p USING (id)`,
    );
  });

  it('leaves literals, bodies, columns of a table and objects the catalog does not define alone', () => {
    for (const sql of [
      `COMMENT ON TABLE x IS 'reads public.orders'`,
      `CREATE FUNCTION f() RETURNS int AS $$ SELECT count(*) FROM public.orders $$ LANGUAGE sql`,
      `SELECT public.uuid_generate_v4(), x.public.orders, pg_catalog.now()`,
      `-- public.orders\nSELECT 1 /* public.orders */`,
      `SELECT E'it\\'s public.orders'`,
    ])
      assert.equal(m(sql), sql);
  });

  it('maps a function’s SET search_path to the tenant’s schemas, keeping the others', () => {
    assert.equal(
      m(
        `CREATE FUNCTION public.orders() RETURNS int LANGUAGE sql SET search_path TO 'public', 'pg_temp' AS $$ SELECT 1 $$`,
      ),
      `CREATE FUNCTION "tenant_acme".orders() RETURNS int LANGUAGE sql SET search_path TO 'tenant_acme', 'pg_temp' AS $$ SELECT 1 $$`,
    );
  });
});

describe('schema-level refusals', () => {
  it('a function body naming a source schema and a view reading a table the tenant does not hold are refused, by name', () => {
    const cat = twoSchemas();
    cat.functions = [
      fn(
        'public',
        'leak',
        `CREATE OR REPLACE FUNCTION public.leak()\n RETURNS bigint LANGUAGE sql AS $function$ SELECT count(*) FROM public.orders $function$`,
      ),
      fn(
        'public',
        'fine',
        `CREATE OR REPLACE FUNCTION public.fine()\n RETURNS bigint LANGUAGE sql AS $function$ SELECT count(*) FROM orders $function$`,
      ),
      fn(
        'public',
        'quoted',
        `CREATE OR REPLACE FUNCTION public.quoted()\n RETURNS void LANGUAGE plpgsql AS 'BEGIN PERFORM 1 FROM analytics.events; END'`,
      ),
    ];
    cat.relations.push(
      relation('public', 'all_orders', {
        kind: 'v',
        viewDef: ' SELECT o.id FROM public.orders o JOIN public.plans p ON true;',
      }),
      relation('public', 'own', { kind: 'v', viewDef: ' SELECT o.id FROM public.orders o;' }),
    );
    cat.functions.push(
      fn(
        'public',
        'dynamic',
        `CREATE OR REPLACE FUNCTION public.dynamic()\n RETURNS void LANGUAGE plpgsql AS $function$ BEGIN PERFORM nextval('public.orders_id_seq'); EXECUTE 'DELETE FROM analytics.events'; END $function$`,
      ),
    );
    const layout = planSchemaLayout({ base: 'tenant_acme', primarySchema: 'public', catalog: cat });
    const refused = schemaRefusals(cat, layout);
    assert.equal(refused.length, 4, refused.join('\n'));
    assert.match(
      refused[2]!,
      /^function public\.dynamic\(\) names analytics\.events, public\.orders_id_seq in its body/,
    );
    assert.match(refused[0]!, /^function public\.leak\(\) names public\.orders in its body/);
    assert.match(refused[1]!, /^function public\.quoted\(\) names analytics\.events/);
    assert.match(
      refused[3]!,
      /^view public\.all_orders reads public\.plans, which the tenant's schema does not hold/,
    );
  });
});

describe('the clone into mapped schemas', () => {
  it('creates every object in the mapped schema and nothing in the source schemas', () => {
    const cat = twoSchemas();
    cat.relations.push(
      relation('public', 'v', { kind: 'v', viewDef: ' SELECT orders.id FROM public.orders;' }),
    );
    cat.constraints = [
      {
        schema: 'analytics',
        table: 'events',
        tableKind: 'r',
        name: 'events_id_fkey',
        type: 'f',
        def: 'FOREIGN KEY (id) REFERENCES public.orders(id)',
        validated: true,
        isLocal: true,
        hasParent: false,
        index: null,
        comment: null,
      },
    ];
    const layout = planSchemaLayout({ base: 'tenant_acme', primarySchema: 'public', catalog: cat });
    for (const into of ['shared-database', 'new-database'] as const) {
      const mapped = mapCatalog(cat, layout, into);
      const script = generateScript(mapped, { ownerRole: 'tenant_acme_owner', roleMap: new Map() });
      const all = mapScriptStatements([...script.beforeData, ...script.afterData], cat, layout);
      const text = all.join(';\n');
      // Every name of the tenant's objects is qualified by a mapped schema, none by a source one.
      for (const stmt of all)
        for (const q of qualifiedNames(tokenize(stmt)))
          assert.ok(!['public', 'analytics'].includes(q.schema), `${q.schema}.${q.name} in ${stmt}`);
      assert.match(text, /CREATE SCHEMA IF NOT EXISTS "tenant_acme"/);
      assert.match(text, /CREATE SCHEMA IF NOT EXISTS "tenant_acme_analytics"/);
      assert.doesNotMatch(text, /CREATE SCHEMA IF NOT EXISTS "(public|analytics)"/);
      assert.match(text, /CREATE TABLE "tenant_acme"\."orders"/);
      assert.match(text, /"mood" "tenant_acme"\.mood/);
      assert.match(text, /nextval\('"tenant_acme"\."orders_id_seq"'::regclass\)/);
      assert.match(text, /CREATE TABLE "tenant_acme_analytics"\."events"/);
      assert.match(text, /REFERENCES "tenant_acme"\.orders\(id\)/);
      assert.match(text, /FROM "tenant_acme"\.orders/);
      // The enum's label that looks like a name is a literal: untouched.
      assert.match(text, /'public\.orders'/);
    }
  });

  it('into the shared database, the extensions and their schemas are left to their owners', () => {
    const cat = {
      ...twoSchemas(),
      schemas: [schema('analytics'), schema('public'), schema('extensions')],
      extensions: [{ oid: '1', name: 'citext', schema: 'extensions', requires: [] }],
    } as Catalog;
    const layout = planSchemaLayout({ base: 'tenant_acme', primarySchema: 'public', catalog: cat });
    const shared = generateScript(mapCatalog(cat, layout, 'shared-database'), {
      ownerRole: 'o',
      roleMap: new Map(),
    }).beforeData.join('\n');
    assert.doesNotMatch(shared, /EXTENSION|"extensions"/);
    const fresh = generateScript(mapCatalog(cat, layout, 'new-database'), {
      ownerRole: 'o',
      roleMap: new Map(),
    }).beforeData.join('\n');
    assert.match(fresh, /CREATE SCHEMA IF NOT EXISTS "extensions"/);
    assert.match(fresh, /CREATE EXTENSION IF NOT EXISTS "citext" WITH SCHEMA "extensions"/);
  });
});

describe('the plan’s target names', () => {
  const table = (schema: string, name: string) =>
    ({
      schema,
      name,
      qualified: `"${schema}"."${name}"`,
      kind: 'tenant',
      where: `EXISTS (SELECT 1 FROM "public"."tenants" p WHERE p."id" = t."tenant_id")`,
      foreignKeys: [
        {
          name: 'fk',
          columns: ['"tenant_id"'],
          references: '"public"."tenants"',
          refColumns: ['"id"'],
          onDelete: 'no action',
        },
      ],
    }) as unknown as TablePlan;
  const plan = (): TenantPlan => {
    const tenants = table('public', 'tenants');
    const users = table('public', 'users');
    const daily = table('analytics', 'daily_usage');
    return {
      tenantId: '1',
      tenantIdType: 'uuid',
      tenantsTable: tenants,
      tables: [tenants, users, daily],
      deleteOrder: [daily, users],
      notes: [],
      blockers: [],
    };
  };

  it('database level: the target is the source table itself', () => {
    const p = plan();
    for (const t of p.tables) {
      assert.equal(targetOf(t), t.qualified);
      assert.equal(onTarget(t), t);
    }
  });

  it('schema level: every table, the tenants table and the delete order name the mapped schema; maps stay keyed by the source', () => {
    const p = withTargets(
      plan(),
      new Map([
        ['public', 'tenant_acme'],
        ['analytics', 'tenant_acme_analytics'],
      ]),
    );
    assert.deepEqual(
      p.tables.map((t) => [t.qualified, targetOf(t)]),
      [
        ['"public"."tenants"', '"tenant_acme"."tenants"'],
        ['"public"."users"', '"tenant_acme"."users"'],
        ['"analytics"."daily_usage"', '"tenant_acme_analytics"."daily_usage"'],
      ],
    );
    assert.equal(targetOf(p.tenantsTable), '"tenant_acme"."tenants"');
    assert.deepEqual(p.deleteOrder.map(targetOf), [
      '"tenant_acme_analytics"."daily_usage"',
      '"tenant_acme"."users"',
    ]);
    assert.equal(onTarget(p.tables[1]!).qualified, '"tenant_acme"."users"');
    // The plan's SQL, run on the target, names the mapped tables.
    assert.equal(
      onTarget(p.tables[1]!).where,
      `EXISTS (SELECT 1 FROM "tenant_acme"."tenants" p WHERE p."id" = t."tenant_id")`,
    );
    assert.equal(onTarget(p.tables[2]!).foreignKeys![0]!.references, '"tenant_acme"."tenants"');
    assert.equal(p.tables[1]!.where, plan().tables[1]!.where);
    assert.equal(p.tables[1]!.qualified, '"public"."users"');
  });
});

describe('operators and the guard of the mapped clone', () => {
  it('an operator of the tenant’s schema is created and named in the mapped schema', () => {
    const cat = twoSchemas();
    cat.operators = [
      {
        key: 'o1',
        schema: 'public',
        name: '===',
        signature: 'public.===(public.mood,public.mood)',
        left: 'public.mood',
        right: 'public.mood',
        fn: 'public.mood_eq',
        commutator: 'OPERATOR(public.===)',
        negator: null,
        restrict: null,
        join: null,
        hashes: false,
        merges: false,
        owner: 'app',
        comment: null,
      },
    ];
    cat.functions = [
      fn(
        'public',
        'mood_eq',
        'CREATE OR REPLACE FUNCTION public.mood_eq() RETURNS boolean LANGUAGE sql AS $$ SELECT true $$',
      ),
    ];
    const layout = planSchemaLayout({ base: 'tenant_acme', primarySchema: 'public', catalog: cat });
    const script = generateScript(mapCatalog(cat, layout, 'shared-database'), {
      ownerRole: 'o',
      roleMap: new Map(),
    });
    const all = mapScriptStatements([...script.beforeData, ...script.afterData], cat, layout);
    const text = all.join('\n');
    assert.match(
      text,
      /CREATE OPERATOR "tenant_acme"\.=== \(FUNCTION = "tenant_acme"\.mood_eq, LEFTARG = "tenant_acme"\.mood, RIGHTARG = "tenant_acme"\.mood, COMMUTATOR = OPERATOR\("tenant_acme"\.===\)\)/,
    );
    assert.match(
      text,
      /ALTER OPERATOR "tenant_acme"\.===\("tenant_acme"\.mood,"tenant_acme"\.mood\) OWNER TO "o"/,
    );
    assert.deepEqual(unmappedNames(all, cat, layout), []);
    // Unmapped, the same statements would create in public: the guard names them.
    const unmapped = unmappedNames(script.beforeData, cat, layout);
    for (const name of ['analytics.events', 'public.===', 'public.events', 'public.mood', 'public.orders'])
      assert.ok(unmapped.includes(name), name);
  });
});

describe('the guard reads what a statement creates, whatever its kind', () => {
  it('a DDL statement whose object is in a source schema is named even when the catalog does not list that kind', () => {
    const cat = twoSchemas();
    const layout = planSchemaLayout({ base: 'tenant_acme', primarySchema: 'public', catalog: cat });
    assert.deepEqual(
      unmappedNames(
        [
          'CREATE STATISTICS public.unknown_stats ON a, b FROM "tenant_acme".orders',
          'CREATE INDEX i ON "tenant_acme".orders USING btree (id)',
          'SELECT public.uuid_generate_v4()',
          'ALTER TABLE "tenant_acme".orders ADD CONSTRAINT f FOREIGN KEY (id) REFERENCES public.plans(id)',
        ],
        cat,
        layout,
      ),
      ['public.unknown_stats'],
    );
  });
});

describe('the tenant’s schemas are its own', () => {
  it('PUBLIC’s grants on a source schema (USAGE on public) are not carried to the tenant’s schema', () => {
    const cat = twoSchemas();
    cat.schemas = [
      {
        ...schema('public'),
        acl: [
          { grantee: 'PUBLIC', privilege: 'USAGE', grantable: false },
          { grantee: 'shared_app', privilege: 'USAGE', grantable: false },
        ],
      },
      schema('analytics'),
    ];
    const layout = planSchemaLayout({ base: 'tenant_acme', primarySchema: 'public', catalog: cat });
    const before = generateScript(mapCatalog(cat, layout, 'shared-database'), {
      ownerRole: 'o',
      roleMap: new Map([['shared_app', 'tenant_acme_app']]),
    }).beforeData;
    assert.ok(before.includes('REVOKE ALL ON SCHEMA "tenant_acme" FROM PUBLIC'));
    assert.ok(before.includes('GRANT USAGE ON SCHEMA "tenant_acme" TO "tenant_acme_app"'));
    assert.ok(!before.some((s) => /ON SCHEMA .* TO PUBLIC/.test(s)), before.join('\n'));
  });
});

describe('schema-level parity helpers', () => {
  const layout = {
    into: 'shared-database' as const,
    mappings: [
      { source: 'analytics', target: 'tenant_acme_analytics' },
      { source: 'public', target: 'tenant_acme' },
    ],
    searchPath: ['tenant_acme', 'tenant_acme_analytics', 'public'],
  };
  const item = (category: string, name: string, definition: string, owner: string | null = null) => ({
    category,
    name,
    definition,
    owner,
  });

  it('each side keeps its own schemas; the tenant’s items read as the source’s', () => {
    const shared = [
      item('table', 'public.orders', 'r', '"public"."orders"'),
      item('table', 'tenant_acme.orders', 'r', '"tenant_acme"."orders"'),
      item('table', 'other.x', 'r', '"other"."x"'),
    ];
    assert.deepEqual(
      sourceItems(shared, layout).map((i) => i.name),
      ['public.orders'],
    );
    const mapped = targetItemsMappedBack(
      [
        ...shared,
        item(
          'index',
          'tenant_acme_analytics.daily_idx',
          'CREATE INDEX daily_idx ON tenant_acme_analytics.daily USING btree (day)',
          '"tenant_acme_analytics"."daily"',
        ),
      ],
      layout,
    );
    assert.deepEqual(mapped, [
      item('table', 'public.orders', 'r', '"public"."orders"'),
      item(
        'index',
        'analytics.daily_idx',
        'CREATE INDEX daily_idx ON analytics.daily USING btree (day)',
        '"analytics"."daily"',
      ),
    ]);
  });
});

// Review finding (schema-level rollback review, item 4): `t."title"` is a column of range variable
// `t`, never the table `title` of a source schema `t`.
describe('mapStatement: a source schema named like a range variable', () => {
  const map = new Map([
    ['public', 'tenant_x'],
    ['t', 'tenant_x_t'],
    ['new', 'tenant_x_new'],
  ]);
  const defined = new Set([
    'public\u0000tasks',
    't\u0000title',
    't\u0000id',
    't\u0000kind',
    't\u0000f',
    'new\u0000title',
    'new\u0000f',
  ]);
  const m = (sql: string, aliases?: string[]) =>
    mapStatement(sql, map, { defined, ...(aliases && { aliases }) });

  it('leaves column references of the alias alone and maps the relations, casts and calls', () => {
    assert.equal(
      m(`SELECT t."id", t."title" FROM ONLY "public"."tasks" t WHERE true`),
      `SELECT t."id", t."title" FROM ONLY "tenant_x"."tasks" t WHERE true`,
    );
    assert.equal(
      m(
        `SELECT t.title, x::t.kind, CAST(x AS t.kind), t.f(t.id) FROM public.tasks AS t, t.title tt WHERE t.id = tt.id`,
      ),
      `SELECT t.title, x::"tenant_x_t".kind, CAST(x AS "tenant_x_t".kind), "tenant_x_t".f(t.id) FROM "tenant_x".tasks AS t, "tenant_x_t".title tt WHERE t.id = tt.id`,
    );
    // An unaliased table is its own range variable; a CTE and a function's alias too.
    assert.equal(
      m(
        `WITH t AS (SELECT 1 AS id) SELECT t.id FROM t JOIN unnest($1::text[]) WITH ORDINALITY AS p(title, i) ON true`,
      ),
      `WITH t AS (SELECT 1 AS id) SELECT t.id FROM t JOIN unnest($1::text[]) WITH ORDINALITY AS p(title, i) ON true`,
    );
    // FROM inside a call and after DISTINCT is no FROM clause.
    assert.equal(
      m(`SELECT extract(epoch FROM t.title), t.id IS DISTINCT FROM t.title FROM public.tasks t`),
      `SELECT extract(epoch FROM t.title), t.id IS DISTINCT FROM t.title FROM "tenant_x".tasks t`,
    );
  });

  it('a fragment maps with the aliases declared around it (the plan’s t)', () => {
    const where = `t."id" = 1 AND EXISTS (SELECT 1 FROM "t"."title" t1 WHERE t1."id" = t."title")`;
    assert.equal(
      m(where, ['t']),
      `t."id" = 1 AND EXISTS (SELECT 1 FROM "tenant_x_t"."title" t1 WHERE t1."id" = t."title")`,
    );
  });

  it('OLD and NEW of a trigger are range variables; statements without a FROM map as before', () => {
    assert.equal(
      m(
        `CREATE TRIGGER x BEFORE UPDATE ON public.tasks FOR EACH ROW WHEN ((new.title IS DISTINCT FROM old.title)) EXECUTE FUNCTION new.f()`,
      ),
      `CREATE TRIGGER x BEFORE UPDATE ON "tenant_x".tasks FOR EACH ROW WHEN ((new.title IS DISTINCT FROM old.title)) EXECUTE FUNCTION "tenant_x_new".f()`,
    );
    // FROM of a REVOKE, a partition bound or CREATE STATISTICS is no FROM clause: PUBLIC is no alias.
    assert.equal(
      m(`REVOKE ALL ON SEQUENCE "public"."tasks" FROM PUBLIC`),
      `REVOKE ALL ON SEQUENCE "tenant_x"."tasks" FROM PUBLIC`,
    );
    assert.equal(
      m(`CREATE STATISTICS t.title ON a, b FROM public.tasks`),
      `CREATE STATISTICS "tenant_x_t".title ON a, b FROM "tenant_x".tasks`,
    );
    assert.equal(
      m(`CREATE TABLE t.title (id integer, kind t.kind NOT NULL)`),
      `CREATE TABLE "tenant_x_t".title (id integer, kind "tenant_x_t".kind NOT NULL)`,
    );
  });
});
