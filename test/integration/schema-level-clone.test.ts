import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { deriveNames } from '../../src/names';
import { applyStatements, readSourceCatalog, scriptFor } from '../../src/postgres/schema-clone';
import {
  definedNames,
  mapStatement,
  planSchemaLayout,
  schemaRefusals,
  schemaRoleStatements,
  type SchemaLayout,
} from '../../src/postgres/schema-layout';
import { catalogSummary, diffCatalogs, type CatalogItem } from '../../src/validation/schema-parity';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { DATABASE_URL, dropArtifacts, query, uniqueSuffix, urlFor, withClient } from '../support/pg';
import { stressSql } from '../support/stress-schema';

const qi = (s: string) => pg.escapeIdentifier(s);

/**
 * Schema level (issue 21), the DDL: the clone of the fixture's shared database (public and
 * analytics: tables, partitions, enum, composite, domain, identity and serial columns, trigger,
 * RLS policies, views) generated into the tenant's schemas and applied on real PostgreSQL — into a
 * new database and into the shared database itself — then compared with the source, catalog
 * object by catalog object, with the schema names mapped back.
 */
describe('schema-level clone into mapped schemas', () => {
  let f: SharedFixture;
  let layout: SchemaLayout;
  let owner: string;
  let app: string;
  const ALL = { has: () => true } as unknown as ReadonlySet<string>;

  before(async () => {
    f = await createSharedFixture({ rows: 3 });
    const names = deriveNames(f.tenants.main);
    owner = names.ownerRole;
    app = names.appRole;
    await withClient(DATABASE_URL, async (c) => {
      await c.query(`CREATE ROLE ${qi(owner)} NOLOGIN`);
      await c.query(`CREATE ROLE ${qi(app)} LOGIN PASSWORD 'schema-level-clone'`);
    });
    const cat = await withClient(f.url, (c) => readSourceCatalog(c));
    layout = planSchemaLayout({ base: names.database, primarySchema: 'public', catalog: cat });
  });
  after(async () => {
    await f?.cleanup();
  });

  const script = async (into: 'new-database' | 'shared-database') => {
    const cat = await withClient(f.url, (c) => readSourceCatalog(c));
    return scriptFor(cat, {
      ownerRole: owner,
      roleMap: new Map([[f.appRole, app]]),
      schemaLayout: { layout, into },
    });
  };

  /** The catalog summary of `url` with `search_path` set (so names of visible objects print bare). */
  const summary = (url: string, path: string[]) =>
    withClient(url, async (c) => {
      await c.query(`SELECT set_config('search_path', $1, false)`, [path.map(qi).join(', ')]);
      return catalogSummary(c, { policyRoles: [f.appRole, app] });
    });

  /** Target items renamed back to their source schemas (names, owners and definitions). */
  const back = (items: CatalogItem[]): CatalogItem[] => {
    const inverse = new Map(layout.mappings.map((m) => [m.target, m.source]));
    const un = (text: string) =>
      mapStatement(text, inverse, { defined: ALL }).replace(/"(public|analytics)"/g, '$1');
    return items.map((i) => ({
      ...i,
      name: un(i.name),
      owner: i.owner && un(i.owner),
      definition: un(i.definition),
    }));
  };

  const sourceSchemas = ['public', 'analytics'];

  /**
   * The summary compares functions by a digest of pg_get_functiondef, which always names the
   * function's schema: they are compared here by their text instead, the source's mapped.
   */
  const functionDefs = (url: string, schemas: string[]) =>
    query<{ name: string; def: string }>(
      url,
      `SELECT p.proname AS name, pg_get_functiondef(p.oid) AS def FROM pg_proc p
        WHERE p.pronamespace::regnamespace::text = ANY ($1) AND p.prokind IN ('f', 'p')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
        ORDER BY 1`,
      [schemas],
    );
  const sameFunctions = async (url: string) => {
    const cat = await withClient(f.url, (c) => readSourceCatalog(c));
    const map = new Map(layout.mappings.map((m) => [m.source, m.target]));
    const source = (await functionDefs(f.url, sourceSchemas)).map((r) => ({
      name: r.name,
      // The mapping quotes every schema name; PostgreSQL quotes only those that need it.
      def: mapStatement(r.def, map, { defined: definedNames(cat) }).replace(/"([a-z_][a-z0-9_$]*)"/g, '$1'),
    }));
    const target = await functionDefs(
      url,
      layout.mappings.map((m) => m.target),
    );
    assert.ok(source.length > 0);
    assert.deepEqual(target, source);
  };
  const notFunctions = (d: string) => !d.startsWith('extension ') && !d.startsWith('function ');

  it('plans public → tenant_<slug> and analytics → tenant_<slug>_analytics, nothing refused', async () => {
    const base = deriveNames(f.tenants.main).database;
    assert.deepEqual(
      layout.mappings.map((m) => [m.source, m.target]),
      [
        ['analytics', `${base}_analytics`],
        ['public', base],
      ],
    );
    assert.deepEqual(layout.refusals, []);
    const cat = await withClient(f.url, (c) => readSourceCatalog(c));
    assert.deepEqual(schemaRefusals(cat, layout), []);
    assert.deepEqual(layout.extensionSchemas, ['public']);
  });

  it('into a new database: every object lands in the mapped schemas and matches the source', async () => {
    const name = `${deriveNames(f.tenants.main).database}_nd`;
    await withClient(DATABASE_URL, (c) => c.query(`CREATE DATABASE ${qi(name)} TEMPLATE template0`));
    const url = urlFor(name);
    const s = await script('new-database');
    await withClient(url, (c) => applyStatements(c, s.beforeData, undefined, s.searchPath));
    await withClient(url, (c) => applyStatements(c, s.afterData, undefined, s.searchPath));
    const source = await summary(f.url, sourceSchemas);
    const target = back(await summary(url, layout.searchPath));
    const differences = diffCatalogs(source, target).filter(notFunctions);
    assert.deepEqual(differences, []);
    await sameFunctions(url);
    // Nothing of the tenant's in public: only the extension's objects.
    const inPublic = await query(
      url,
      `SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace`,
    );
    assert.deepEqual(inPublic, []);
    // Defaults reach the tenant's sequences (serial columns): an insert through them works.
    const seq = await query<{ d: string }>(
      url,
      `SELECT pg_get_expr(d.adbin, d.adrelid) AS d FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid
        WHERE c.relname = 'projects' AND c.relnamespace = $1::regnamespace AND pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval%'`,
      [layout.base],
    );
    assert.equal(seq.length, 1);
    assert.match(seq[0]!.d, new RegExp(`nextval\\('${layout.base}\\.projects_id_seq'::regclass\\)`));
  });

  it('into the shared database: the tenant’s schemas sit beside public and analytics, which do not change', async () => {
    const before = await summary(f.url, sourceSchemas);
    const s = await script('shared-database');
    await withClient(f.url, (c) => applyStatements(c, s.beforeData, undefined, s.searchPath));
    await withClient(f.url, (c) => applyStatements(c, s.afterData, undefined, s.searchPath));
    await withClient(f.url, async (c) => {
      for (const sql of schemaRoleStatements(layout, app, f.dbName)) await c.query(sql);
    });
    const all = await summary(f.url, sourceSchemas);
    const inSchemas = (items: CatalogItem[], schemas: string[]) =>
      items.filter((i) =>
        schemas.some((sc) => i.name.startsWith(`${qi(sc)}.`) || i.name.startsWith(`${sc}.`)),
      );
    // public and analytics exactly as before.
    assert.deepEqual(diffCatalogs(inSchemas(before, sourceSchemas), inSchemas(all, sourceSchemas)), []);
    // The tenant's schemas: the source again, once mapped back.
    const mapped = await summary(f.url, layout.searchPath);
    const targets = layout.mappings.map((m) => m.target);
    const differences = diffCatalogs(
      inSchemas(before, sourceSchemas),
      back(inSchemas(mapped, targets)),
    ).filter(notFunctions);
    assert.deepEqual(differences, []);
    await sameFunctions(f.url);
    // The tenant's role: USAGE on its schemas and on the extensions' schema, a search_path that starts with its own.
    const granted = await query<{ nspname: string }>(
      f.url,
      `SELECT nspname FROM pg_namespace WHERE has_schema_privilege($1, oid, 'USAGE') AND nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1`,
      [app],
    );
    // public as the extensions' schema; not analytics, which only the shared application's role may use.
    assert.deepEqual(
      granted.map((r) => r.nspname),
      [...targets, 'public'].sort(),
    );
    const path = await query<{ setconfig: string[] }>(
      f.url,
      `SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = $1`,
      [app],
    );
    assert.deepEqual(path[0]!.setconfig, [`search_path=${layout.searchPath.join(', ')}`]);
  });

  it('connected as the tenant’s role: its own tables by their bare names; not the shared tables, not another tenant’s schema', async () => {
    // Another tenant's schema beside it, cloned the same way (the previous test cloned this tenant's).
    const otherNames = deriveNames(f.tenants.other);
    await withClient(DATABASE_URL, async (c) => {
      await c.query(`CREATE ROLE ${qi(otherNames.ownerRole)} NOLOGIN`);
      await c.query(`CREATE ROLE ${qi(otherNames.appRole)} NOLOGIN`);
    });
    const cat = await withClient(f.url, (c) => readSourceCatalog(c));
    const otherLayout = planSchemaLayout({
      base: otherNames.database,
      primarySchema: 'public',
      catalog: cat,
    });
    const taken = new Map([
      [layout.base, 'tenant acme'],
      [`${layout.base}_analytics`, 'tenant acme'],
    ]);
    assert.deepEqual(
      planSchemaLayout({ base: otherNames.database, primarySchema: 'public', catalog: cat, taken }).refusals,
      [],
    );
    const otherScript = scriptFor(cat, {
      ownerRole: otherNames.ownerRole,
      roleMap: new Map([[f.appRole, otherNames.appRole]]),
      schemaLayout: { layout: otherLayout, into: 'shared-database' },
    });
    await withClient(f.url, (c) =>
      applyStatements(c, otherScript.beforeData, undefined, otherScript.searchPath),
    );
    await withClient(f.url, (c) =>
      applyStatements(c, otherScript.afterData, undefined, otherScript.searchPath),
    );
    const asTenant = new URL(f.url);
    asTenant.username = app;
    asTenant.password = 'schema-level-clone';
    await withClient(asTenant.toString(), async (c) => {
      // search_path from the role's setting in this database: bare names are the tenant's.
      const path = await c.query<{ p: string }>(`SELECT current_setting('search_path') AS p`);
      assert.equal(path.rows[0]!.p, layout.searchPath.join(', '));
      const where = await c.query<{ s: string }>(`SELECT 'plans'::regclass::text AS s`);
      assert.equal(where.rows[0]!.s, 'plans');
      await c.query(`SELECT count(*) FROM plans`);
      await c.query(`SELECT count(*) FROM daily_usage`);
      const denied = async (sql: string, what: RegExp) =>
        assert.rejects(c.query(sql), (e: Error) => what.test(e.message), sql);
      await denied(`SELECT count(*) FROM public.plans`, /permission denied for table plans/);
      await denied(`SELECT count(*) FROM analytics.daily_usage`, /permission denied for schema analytics/);
      await denied(
        `SELECT count(*) FROM ${qi(otherLayout.base)}.plans`,
        new RegExp(`permission denied for schema ${otherLayout.base}`),
      );
    });
  });
});

/**
 * Every kind of object the clone recreates ("Sales" and "Other Schema": partitions, inheritance,
 * exclusion constraints, aggregates, operators, casts, ICU collations, text search, rules,
 * materialized views, BEGIN ATOMIC bodies, regconfig literals, policies, column grants), mapped
 * into the tenant's schemas of a new database and of the source database itself.
 */
describe('schema-level clone of every kind of object', () => {
  const suffix = uniqueSuffix();
  const [app, other, tenantApp, owner] = ['app', 'other', 'tapp', 'owner'].map(
    (r) => `sl_${r}_${suffix}`,
  ) as [string, string, string, string];
  const base = `tenant_sl_${suffix}`;
  let sourceUrl: string;
  let layout: SchemaLayout;
  const ALL = { has: () => true } as unknown as ReadonlySet<string>;
  const sources = ['Sales', 'Other Schema'];

  before(async () => {
    await withClient(DATABASE_URL, async (c) => {
      for (const r of [app, other, tenantApp, owner]) await c.query(`CREATE ROLE ${qi(r)} NOLOGIN`);
      await c.query(`CREATE DATABASE ${qi(`stress_sl_${suffix}`)} TEMPLATE template0`);
    });
    sourceUrl = urlFor(`stress_sl_${suffix}`);
    await withClient(sourceUrl, (c) => c.query(stressSql(app, other)));
    const cat = await withClient(sourceUrl, (c) => readSourceCatalog(c));
    layout = planSchemaLayout({ base, primarySchema: 'Sales', catalog: cat });
  });
  after(async () => {
    await dropArtifacts(suffix);
  });

  const script = async (into: 'new-database' | 'shared-database') => {
    const cat = await withClient(sourceUrl, (c) => readSourceCatalog(c));
    return scriptFor(cat, {
      ownerRole: owner,
      roleMap: new Map([[app, tenantApp]]),
      schemaLayout: { layout, into },
    });
  };
  const summary = (url: string, path: string[]) =>
    withClient(url, async (c) => {
      await c.query(`SELECT set_config('search_path', $1, false)`, [path.map(qi).join(', ')]);
      return catalogSummary(c, { policyRoles: [app, tenantApp] });
    });
  const back = (items: CatalogItem[]): CatalogItem[] => {
    const inverse = new Map(layout.mappings.map((m) => [m.target, m.source]));
    const un = (text: string) => mapStatement(text, inverse, { defined: ALL });
    return items.map((i) => ({
      ...i,
      name: un(i.name),
      owner: i.owner && un(i.owner),
      definition: un(i.definition),
    }));
  };
  const inSchemas = (items: CatalogItem[], schemas: string[]) =>
    items.filter((i) => schemas.some((sc) => i.name.startsWith(`${qi(sc)}.`) || i.name.startsWith(`${sc}.`)));
  const notFunctions = (d: string) => !d.startsWith('function ');

  it('maps "Sales" (the primary) to tenant_<slug> and "Other Schema" beside it; refuses the bodies that name "Sales"', async () => {
    assert.deepEqual(
      layout.mappings.map((m) => [m.source, m.target]),
      [
        ['Other Schema', `${base}_Other Schema`],
        ['Sales', base],
      ],
    );
    assert.deepEqual(layout.refusals, []);
    const cat = await withClient(sourceUrl, (c) => readSourceCatalog(c));
    const refused = schemaRefusals(cat, layout).map((r) => r.replace(/ names .*/, ''));
    assert.deepEqual(refused, [
      'function "Sales".big_items()',
      'function "Sales".log_item()',
      'function "Sales".neg_mood("Sales".mood)',
      'function "Sales".next_code()',
    ]);
  });

  it('into a new database: applies, and matches the source object for object once mapped back', async () => {
    const name = `${base}_nd`;
    await withClient(DATABASE_URL, (c) => c.query(`CREATE DATABASE ${qi(name)} TEMPLATE template0`));
    const url = urlFor(name);
    const s = await script('new-database');
    await withClient(url, (c) => applyStatements(c, s.beforeData, undefined, s.searchPath));
    await withClient(url, (c) => applyStatements(c, s.afterData, undefined, s.searchPath));
    const differences = diffCatalogs(
      await summary(sourceUrl, sources),
      back(await summary(url, layout.searchPath)),
    ).filter(notFunctions);
    assert.deepEqual(differences, []);
    const inSales = await query(url, `SELECT 1 FROM pg_namespace WHERE nspname IN ('Sales', 'Other Schema')`);
    assert.deepEqual(inSales, []);
  });

  it('into the source database: the tenant’s schemas sit beside "Sales", which does not change', async () => {
    const before = inSchemas(await summary(sourceUrl, sources), sources);
    const s = await script('shared-database');
    await withClient(sourceUrl, (c) => applyStatements(c, s.beforeData, undefined, s.searchPath));
    await withClient(sourceUrl, (c) => applyStatements(c, s.afterData, undefined, s.searchPath));
    const now = await summary(sourceUrl, sources);
    assert.deepEqual(diffCatalogs(before, inSchemas(now, sources)), []);
    const targets = layout.mappings.map((m) => m.target);
    const mapped = back(inSchemas(await summary(sourceUrl, layout.searchPath), targets));
    assert.deepEqual(diffCatalogs(before, mapped).filter(notFunctions), []);
  });
});

/**
 * A materialized view over a function whose body names a table bare (as most application
 * functions do): its REFRESH at the end of the clone runs the body. Cloned into the shared
 * database, the body must find the tenant's table, not the shared one.
 */
describe('schema-level clone: bodies run during the apply see the tenant’s schema', () => {
  const suffix = uniqueSuffix();
  const owner = `sl_owner_${suffix}`;
  let url: string;

  before(async () => {
    await withClient(DATABASE_URL, async (c) => {
      await c.query(`CREATE ROLE ${qi(owner)} NOLOGIN`);
      await c.query(`CREATE DATABASE ${qi(`bodies_sl_${suffix}`)} TEMPLATE template0`);
    });
    url = urlFor(`bodies_sl_${suffix}`);
    await query(
      url,
      `CREATE TABLE items (id int PRIMARY KEY);
       INSERT INTO items SELECT generate_series(1, 3);
       CREATE FUNCTION item_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM items $$;
       CREATE MATERIALIZED VIEW item_stats AS SELECT item_count() AS n;`,
    );
  });
  after(async () => {
    await dropArtifacts(suffix);
  });

  it('the REFRESH counts the tenant’s (empty) table, not the shared one’s three rows', async () => {
    const cat = await withClient(url, (c) => readSourceCatalog(c));
    const layout = planSchemaLayout({ base: `tenant_b_${suffix}`, primarySchema: 'public', catalog: cat });
    assert.deepEqual(schemaRefusals(cat, layout), []);
    const s = scriptFor(cat, {
      ownerRole: owner,
      roleMap: new Map(),
      schemaLayout: { layout, into: 'shared-database' },
    });
    await withClient(url, (c) => applyStatements(c, s.beforeData, undefined, s.searchPath));
    await withClient(url, (c) => applyStatements(c, s.afterData, undefined, s.searchPath));
    const [stats] = await query<{ n: string }>(url, `SELECT n FROM ${qi(layout.base)}.item_stats`);
    assert.equal(stats!.n, '0');
    const [shared] = await query<{ n: string }>(url, `SELECT n FROM public.item_stats`);
    assert.equal(shared!.n, '3');
  });
});
