import assert from 'node:assert/strict';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { PromotionError } from '../../src/errors';
import {
  applyStatements,
  buildSchemaScript,
  syncSequences,
  type SchemaScript,
} from '../../src/postgres/schema-clone';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { createDatabase, DATABASE_URL, dropArtifacts, uniqueSuffix, urlFor, withClient } from '../support/pg';
import { diffBlocks, dumpSchema, normaliseDump } from '../support/pg-dump';

const qi = (s: string) => pg.escapeIdentifier(s);

/** A target like the pipeline creates it: from template0, with the source's encoding and locale. */
async function createTarget(sourceDb: string, name: string): Promise<string> {
  await withClient(DATABASE_URL, async (c) => {
    const d = (
      await c.query<{ enc: string; datcollate: string; datctype: string }>(
        `SELECT pg_encoding_to_char(encoding) AS enc, datcollate, datctype FROM pg_database WHERE datname = $1`,
        [sourceDb],
      )
    ).rows[0]!;
    await c.query(
      `CREATE DATABASE ${qi(name)} TEMPLATE template0 ENCODING ${pg.escapeLiteral(d.enc)}
       LC_COLLATE ${pg.escapeLiteral(d.datcollate)} LC_CTYPE ${pg.escapeLiteral(d.datctype)}`,
    );
  });
  return urlFor(name);
}

async function createRoles(...names: string[]): Promise<void> {
  await withClient(DATABASE_URL, async (c) => {
    for (const n of names) await c.query(`CREATE ROLE ${qi(n)} NOLOGIN`);
  });
}

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

/** Copies every plain table's rows (all but generated columns), as the copy step would. */
async function copyAllRows(src: pg.Client, dst: pg.Client): Promise<Map<string, number>> {
  const tables = (
    await src.query<{ name: string; cols: string[] }>(
      `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
              array_agg(quote_ident(a.attname)::text ORDER BY a.attnum) AS cols
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
       WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'
       GROUP BY 1 ORDER BY 1`,
    )
  ).rows;
  const counts = new Map<string, number>();
  for (const t of tables) {
    const cols = t.cols.join(', ');
    await pipeline(
      src.query(copyTo(`COPY (SELECT ${cols} FROM ONLY ${t.name}) TO STDOUT`)),
      dst.query(copyFrom(`COPY ${t.name} (${cols}) FROM STDIN`)),
    );
    counts.set(t.name, Number((await src.query(`SELECT count(*) AS n FROM ONLY ${t.name}`)).rows[0].n));
  }
  return counts;
}

/** Objects in user schemas not owned by `owner` (extension members excluded). */
async function notOwnedBy(c: pg.Client, owner: string): Promise<string[]> {
  const r = await c.query<{ what: string }>(
    `WITH ext AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e'),
          nsp AS (SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname !~ '^pg_')
     SELECT 'schema ' || nspname AS what FROM pg_namespace
       WHERE oid IN (SELECT oid FROM nsp) AND pg_get_userbyid(nspowner) <> $1
         AND oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_namespace'::regclass)
     UNION ALL
     SELECT 'relation ' || oid::regclass FROM pg_class
       WHERE relnamespace IN (SELECT oid FROM nsp) AND relkind IN ('r', 'p', 'v', 'm', 'S', 'c') AND pg_get_userbyid(relowner) <> $1
         AND oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_class'::regclass)
     UNION ALL
     SELECT 'type ' || oid::regtype FROM pg_type
       WHERE typnamespace IN (SELECT oid FROM nsp) AND typtype IN ('e', 'd', 'r', 'c') AND pg_get_userbyid(typowner) <> $1
         AND oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_type'::regclass)
     UNION ALL
     SELECT 'routine ' || oid::regprocedure FROM pg_proc
       WHERE pronamespace IN (SELECT oid FROM nsp) AND pg_get_userbyid(proowner) <> $1
         AND oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_proc'::regclass)
         -- A range's constructors belong to the bootstrap superuser on every server (as on the
         -- source): a non-superuser admin cannot give them away, so the clone leaves them.
         AND oid NOT IN (SELECT objid FROM pg_depend WHERE classid = 'pg_proc'::regclass AND refclassid = 'pg_type'::regclass AND deptype = 'i')`,
    [owner],
  );
  return r.rows.map((x) => x.what);
}

const userTriggerCount = async (c: pg.Client) =>
  Number((await c.query(`SELECT count(*) AS n FROM pg_trigger WHERE NOT tgisinternal`)).rows[0].n);

describe('schema clone of the shared fixture', () => {
  let fixture: SharedFixture;
  let source: pg.Client;
  let target: pg.Client;
  let targetUrl: string;
  let ownerRole: string;
  let tenantApp: string;
  let script: SchemaScript;
  let triggersBetweenPhases = -1;
  let copied: Map<string, number>;

  before(async () => {
    fixture = await createSharedFixture();
    ownerRole = `owner_${fixture.suffix}`;
    tenantApp = `tapp_${fixture.suffix}`;
    await createRoles(ownerRole, tenantApp);
    targetUrl = await createTarget(fixture.dbName, `tenant_clone_${fixture.suffix}`);
    source = await connect(fixture.url);
    target = await connect(targetUrl);
    script = await buildSchemaScript(source, { ownerRole, roleMap: new Map([[fixture.appRole, tenantApp]]) });
    await applyStatements(target, script.beforeData);
    triggersBetweenPhases = await userTriggerCount(target);
    copied = await copyAllRows(source, target);
    await applyStatements(target, script.afterData);
  });

  after(async () => {
    await source?.end();
    await target?.end();
    await fixture?.cleanup();
  });

  it('produces a schema whose normalised pg_dump equals the source', async () => {
    const roles = new Map([[fixture.appRole, tenantApp]]);
    const src = normaliseDump(await dumpSchema(fixture.url), { roles });
    const dst = normaliseDump(await dumpSchema(targetUrl));
    assert.ok(src.length > 50, 'the source dump has content');
    assert.deepEqual(diffBlocks(src, dst), { onlyA: [], onlyB: [] });
    assert.deepEqual(script.unsupported, []);
  });

  it('gives every cloned object to the owner role', async () => {
    assert.deepEqual(await notOwnedBy(target, ownerRole), []);
  });

  it('remaps policy roles and grants to the tenant role, and nothing to the shared role', async () => {
    const policies = await target.query<{ policyname: string; roles: string[] }>(
      `SELECT policyname, roles::text[] AS roles FROM pg_policies ORDER BY policyname`,
    );
    assert.deepEqual(
      policies.rows.map((p) => [p.policyname, p.roles]),
      [
        ['audit_tenant', [tenantApp]],
        ['tenant_isolation', [tenantApp]],
      ],
    );
    const force = await target.query(
      `SELECT relforcerowsecurity AS f FROM pg_class WHERE oid = 'public.audit_logs'::regclass`,
    );
    assert.equal(force.rows[0].f, true);
    const privs = await target.query(
      `SELECT has_table_privilege($1, 'public.projects', 'SELECT,INSERT,UPDATE,DELETE') AS tenant,
              has_sequence_privilege($1, 'public.users_id_seq', 'USAGE') AS seq,
              has_schema_privilege($1, 'analytics', 'USAGE') AS schema,
              has_table_privilege($2, 'public.projects', 'SELECT') AS shared`,
      [tenantApp, fixture.appRole],
    );
    assert.deepEqual(privs.rows[0], { tenant: true, seq: true, schema: true, shared: false });
  });

  it('creates triggers only after the data, and the copied rows satisfy every constraint', async () => {
    assert.equal(triggersBetweenPhases, 0);
    assert.equal(await userTriggerCount(target), 2);
    assert.ok(copied.size >= 10);
    for (const [table, n] of copied) {
      const r = await target.query(`SELECT count(*) AS n FROM ONLY ${table}`);
      assert.equal(Number(r.rows[0].n), n, table);
    }
    const invalid = await target.query(`SELECT conname FROM pg_constraint WHERE NOT convalidated`);
    assert.deepEqual(invalid.rows, []);
  });

  it('lifts sequences to the source value and past the copied rows', async () => {
    // The shared database moves on after the copy (other tenants insert).
    await source.query(`SELECT setval('public.projects_id_seq', (SELECT max(id) FROM projects) + 500)`);
    const srcValue = (await source.query(`SELECT last_value::text AS v FROM public.projects_id_seq`)).rows[0]
      .v;
    const synced = await syncSequences(source, target);
    const byName = new Map(synced.map((s) => [s.sequence, s.value]));
    assert.equal(byName.get('public.projects_id_seq'), srcValue);
    const users = await target.query(
      `SELECT (SELECT last_value FROM public.users_id_seq) >= (SELECT max(id) FROM public.users) AS ok`,
    );
    assert.equal(users.rows[0].ok, true);
    const next = await target.query(`SELECT nextval('public.projects_id_seq')::text AS v`);
    assert.equal(BigInt(next.rows[0].v), BigInt(srcValue) + 1n);
  });

  it('rolls a failing phase back and names the failing statement', async () => {
    await assert.rejects(
      applyStatements(target, [
        `CREATE TABLE public.clone_probe (x int)`,
        `CREATE TABLE public.plans (x int)`,
      ]),
      (e: unknown) => {
        assert.ok(e instanceof PromotionError);
        assert.equal(e.code, 'database');
        assert.match(e.message, /statement 2 of 2 \(CREATE TABLE public\.plans/);
        assert.ok(e.hint);
        return true;
      },
    );
    const probe = await target.query(`SELECT to_regclass('public.clone_probe') AS r`);
    assert.equal(probe.rows[0].r, null);
  });
});

function stressSql(app: string, other: string): string {
  const [a, o] = [qi(app), qi(other)];
  return `
  CREATE SCHEMA "Sales";
  CREATE TYPE "Sales".mood AS ENUM ('happy', 'sad', 'it''s complicated');
  CREATE DOMAIN "Sales".mood_d AS "Sales".mood DEFAULT 'happy' NOT NULL CHECK (VALUE <> 'sad');
  CREATE TYPE "Sales".pair AS (a int, b text COLLATE "C");
  CREATE TYPE "Sales".floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
  CREATE SEQUENCE "Sales".code_seq AS integer START 100 INCREMENT 5;
  CREATE FUNCTION "Sales".next_code() RETURNS text LANGUAGE sql AS $$ SELECT 'C-' || nextval('"Sales".code_seq') $$;
  CREATE TABLE "Sales"."Order Items" (
    id bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 10 INCREMENT BY 2) PRIMARY KEY,
    "select" text NOT NULL DEFAULT "Sales".next_code(),
    "MixedCase" int,
    qty int NOT NULL,
    price numeric(10,2) NOT NULL,
    total numeric GENERATED ALWAYS AS (qty * price) STORED,
    mood "Sales".mood_d,
    pair "Sales".pair,
    span "Sales".floatrange,
    note text COLLATE "C",
    CHECK (qty > 0 AND price >= 0),
    CONSTRAINT qty_price CHECK (qty * price < 1000000)
  ) WITH (fillfactor = 70);
  ALTER TABLE "Sales"."Order Items" ALTER COLUMN note SET STATISTICS 500;
  COMMENT ON COLUMN "Sales"."Order Items"."select" IS 'It''s a keyword';
  COMMENT ON CONSTRAINT qty_price ON "Sales"."Order Items" IS 'sanity';
  CREATE INDEX "Items by note" ON "Sales"."Order Items" (lower(note)) WHERE qty > 1;
  CREATE TABLE "Sales".bookings (id serial PRIMARY KEY, during tstzrange NOT NULL, EXCLUDE USING gist (during WITH &&));
  CREATE TABLE "Sales".audit (
    id serial PRIMARY KEY,
    item_id bigint REFERENCES "Sales"."Order Items"(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    msg text);
  CREATE FUNCTION "Sales".log_item() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO "Sales".audit (item_id, msg) VALUES (NEW.id, 'inserted'); RETURN NEW; END $$;
  CREATE TRIGGER "Log Insert" AFTER INSERT ON "Sales"."Order Items" FOR EACH ROW EXECUTE FUNCTION "Sales".log_item();
  CREATE TRIGGER "Disabled one" BEFORE DELETE ON "Sales".audit FOR EACH ROW EXECUTE FUNCTION "Sales".log_item();
  ALTER TABLE "Sales".audit DISABLE TRIGGER "Disabled one";
  CREATE VIEW "Sales".v1 AS SELECT id, "select", qty FROM "Sales"."Order Items";
  CREATE VIEW "Sales".v2 AS SELECT id, "select" FROM "Sales".v1 WHERE qty > 1;
  CREATE VIEW "Sales".v_pk AS
    SELECT o.id, o.qty, count(x.id) AS n FROM "Sales"."Order Items" o LEFT JOIN "Sales".audit x ON x.item_id = o.id GROUP BY o.id;
  CREATE MATERIALIZED VIEW "Sales".mv AS SELECT "select", count(*) AS n FROM "Sales".v2 GROUP BY "select";
  CREATE UNIQUE INDEX mv_select ON "Sales".mv ("select");
  CREATE TABLE "Sales".events (id int NOT NULL, region text NOT NULL, at date NOT NULL) PARTITION BY LIST (region);
  CREATE TABLE "Sales".events_eu PARTITION OF "Sales".events FOR VALUES IN ('eu') PARTITION BY RANGE (at);
  CREATE TABLE "Sales".events_eu_2024 PARTITION OF "Sales".events_eu FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE "Sales".events_us PARTITION OF "Sales".events FOR VALUES IN ('us');
  ALTER TABLE "Sales".events ADD PRIMARY KEY (id, region, at);
  CREATE INDEX ON "Sales".events (at);
  CREATE TABLE "Sales".event_refs (id int, region text, at date, FOREIGN KEY (id, region, at) REFERENCES "Sales".events);
  CREATE TABLE "Sales".base (id int, created date DEFAULT current_date, CHECK (id > 0));
  CREATE TABLE "Sales".child (extra text) INHERITS ("Sales".base);
  CREATE PROCEDURE "Sales".noop() LANGUAGE sql AS $$ SELECT 1 $$;
  CREATE FUNCTION "Sales".item_count() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM "Sales"."Order Items"; END;
  CREATE FUNCTION "Sales".big_items() RETURNS SETOF "Sales"."Order Items" LANGUAGE sql STABLE
    AS $$ SELECT * FROM "Sales"."Order Items" WHERE qty > 10 $$;
  CREATE UNLOGGED TABLE "Sales".scratch (k text PRIMARY KEY, v jsonb);
  ALTER TABLE "Sales".scratch REPLICA IDENTITY FULL;
  CREATE STATISTICS "Sales".qty_price_stats ON qty, price FROM "Sales"."Order Items";
  CREATE AGGREGATE "Sales".my_sum(int) (sfunc = int4pl, stype = int);
  CREATE AGGREGATE "Sales".my_count(*) (sfunc = int8inc, stype = int8, initcond = '0', parallel = safe);
  CREATE AGGREGATE "Sales".my_median(float8 ORDER BY float8) (sfunc = ordered_set_transition, stype = internal,
    finalfunc = percentile_disc_final, finalfunc_extra);
  CREATE AGGREGATE "Sales".moving_sum(int) (sfunc = int4pl, stype = int, msfunc = int4pl, minvfunc = int4mi, mstype = int,
    combinefunc = int4pl);
  CREATE AGGREGATE "Sales".my_max(int) (sfunc = int4larger, stype = int, sortop = >);
  CREATE FUNCTION "Sales".ci_eq(text, text) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT lower($1) = lower($2) $$;
  CREATE FUNCTION "Sales".ci_ne(text, text) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT lower($1) <> lower($2) $$;
  CREATE OPERATOR "Sales".=~= (FUNCTION = "Sales".ci_eq, LEFTARG = text, RIGHTARG = text, COMMUTATOR = OPERATOR("Sales".=~=),
    NEGATOR = OPERATOR("Sales".!~=), RESTRICT = eqsel, JOIN = eqjoinsel);
  CREATE OPERATOR "Sales".!~= (FUNCTION = "Sales".ci_ne, LEFTARG = text, RIGHTARG = text, NEGATOR = OPERATOR("Sales".=~=));
  CREATE FUNCTION "Sales".neg_mood("Sales".mood) RETURNS "Sales".mood LANGUAGE sql IMMUTABLE AS $$ SELECT 'sad'::"Sales".mood $$;
  CREATE OPERATOR "Sales".~~~ (FUNCTION = "Sales".neg_mood, RIGHTARG = "Sales".mood);
  COMMENT ON OPERATOR "Sales".=~=(text, text) IS 'case-insensitive equality';
  CREATE FUNCTION "Sales".pair_text("Sales".pair) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT $1.a || ':' || $1.b $$;
  CREATE CAST ("Sales".pair AS text) WITH FUNCTION "Sales".pair_text("Sales".pair) AS ASSIGNMENT;
  CREATE CAST ("Sales".mood AS text) WITH INOUT;
  COMMENT ON CAST ("Sales".pair AS text) IS 'pair as text';
  CREATE COLLATION "Sales".nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
  CREATE COLLATION "Sales".posix_c (provider = libc, lc_collate = 'C', lc_ctype = 'C');
  COMMENT ON COLLATION "Sales".nocase IS 'case-insensitive';
  CREATE DOMAIN "Sales".nocase_text AS text COLLATE "Sales".nocase;
  CREATE TEXT SEARCH DICTIONARY "Sales".en_stem (TEMPLATE = snowball, language = 'english', stopwords = 'english');
  CREATE TEXT SEARCH CONFIGURATION "Sales".en (COPY = pg_catalog.english);
  ALTER TEXT SEARCH CONFIGURATION "Sales".en ALTER MAPPING FOR asciiword, word WITH "Sales".en_stem;
  COMMENT ON TEXT SEARCH CONFIGURATION "Sales".en IS 'our english';
  CREATE TABLE "Sales".uses_them (
    body text, search tsvector GENERATED ALWAYS AS (to_tsvector('"Sales".en'::regconfig, coalesce(body, ''))) STORED,
    email text COLLATE "Sales".nocase UNIQUE, code "Sales".nocase_text, sorted text COLLATE "Sales".posix_c,
    k text, label text DEFAULT (ROW(1, 'x')::"Sales".pair)::text,
    CHECK (k IS NULL OR NOT (k OPERATOR("Sales".=~=) 'forbidden')));
  CREATE INDEX uses_them_ci ON "Sales".uses_them ((k OPERATOR("Sales".=~=) 'a'));
  CREATE VIEW "Sales".agg_view AS SELECT "Sales".my_sum(qty) AS s, "Sales".my_count(*) AS c,
    "Sales".my_median(0.5) WITHIN GROUP (ORDER BY price::float8) AS m FROM "Sales"."Order Items";
  ALTER TABLE "Sales"."Order Items" ENABLE ROW LEVEL SECURITY;
  CREATE POLICY p_public ON "Sales"."Order Items" AS RESTRICTIVE FOR SELECT TO PUBLIC USING (qty < 1000);
  CREATE POLICY p_both ON "Sales"."Order Items" FOR INSERT TO ${a}, ${o} WITH CHECK (qty > 0);
  CREATE POLICY p_other ON "Sales"."Order Items" FOR UPDATE TO ${o} USING (true);
  GRANT USAGE ON SCHEMA "Sales" TO ${a}, ${o};
  GRANT SELECT ("select", qty) ON "Sales"."Order Items" TO ${a};
  GRANT SELECT ON ALL TABLES IN SCHEMA "Sales" TO ${o};
  REVOKE EXECUTE ON FUNCTION "Sales".next_code() FROM PUBLIC;
  GRANT EXECUTE ON FUNCTION "Sales".next_code() TO ${a};
  INSERT INTO "Sales"."Order Items" (qty, price, note, pair, span) VALUES (2, 3.5, 'A', (1, 'x'), '[1,2)'), (5, 1, 'b', NULL, NULL);
  INSERT INTO "Sales".events VALUES (1, 'eu', '2024-03-01'), (2, 'us', '2020-01-01');
  INSERT INTO "Sales".event_refs VALUES (1, 'eu', '2024-03-01');
  REFRESH MATERIALIZED VIEW "Sales".mv;
  CREATE VIEW "Sales".v_sec WITH (security_barrier) AS SELECT id, qty FROM "Sales"."Order Items" WHERE qty > 0 WITH CHECK OPTION;
  COMMENT ON COLUMN "Sales".v1.qty IS 'view column';
  CREATE RULE "no delete" AS ON DELETE TO "Sales".scratch DO INSTEAD NOTHING;
  CREATE TYPE "Sales".nested AS (p "Sales".pair, m "Sales".mood);
  CREATE TABLE "Sales".holder (n "Sales".nested, moods "Sales".mood[] DEFAULT '{happy}');
  CREATE SCHEMA "Other Schema";
  CREATE FUNCTION "Other Schema".twice(x int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$;
  CREATE TABLE "Other Schema".calc (a int, b int GENERATED ALWAYS AS ("Other Schema".twice(a)) STORED,
    CHECK ("Other Schema".twice(a) < 100));
  CREATE INDEX ON "Other Schema".calc ("Other Schema".twice(a));
  `;
}

describe('schema clone of a schema that stresses generality', () => {
  const suffix = uniqueSuffix();
  const app = `sapp_${suffix}`;
  const other = `other_${suffix}`;
  const tenantApp = `stapp_${suffix}`;
  const ownerRole = `sowner_${suffix}`;
  let sourceUrl: string;
  let targetUrl: string;
  let source: pg.Client;
  let target: pg.Client;
  let script: SchemaScript;
  let auditAfterCopy = -1;
  let auditInSource = -2;
  let synced: { sequence: string; value: string }[] = [];

  before(async () => {
    await createRoles(app, other, tenantApp, ownerRole);
    sourceUrl = await createDatabase(`stress_${suffix}`);
    await withClient(sourceUrl, (c) => c.query(stressSql(app, other)));
    targetUrl = await createTarget(`stress_${suffix}`, `tenant_clone_stress_${suffix}`);
    source = await connect(sourceUrl);
    target = await connect(targetUrl);
    script = await buildSchemaScript(source, { ownerRole, roleMap: new Map([[app, tenantApp]]) });
    await applyStatements(target, script.beforeData);
    await copyAllRows(source, target);
    auditAfterCopy = Number((await target.query(`SELECT count(*) AS n FROM "Sales".audit`)).rows[0].n);
    auditInSource = Number((await source.query(`SELECT count(*) AS n FROM "Sales".audit`)).rows[0].n);
    await applyStatements(target, script.afterData);
    synced = await syncSequences(source, target);
  });

  after(async () => {
    await source?.end();
    await target?.end();
    await dropArtifacts(suffix);
  });

  it('matches the source dump except for what the role rule says (the aggregate is recreated too)', async () => {
    const src = normaliseDump(await dumpSchema(sourceUrl), { roles: new Map([[app, tenantApp]]) });
    const dst = normaliseDump(await dumpSchema(targetUrl));
    const { onlyA, onlyB } = diffBlocks(src, dst);
    // Aggregates, operators, casts, collations and text search objects are in both dumps, equal (not merely absent from both).
    for (const kind of [
      'CREATE AGGREGATE',
      'CREATE OPERATOR',
      'CREATE CAST',
      'CREATE COLLATION',
      'CREATE TEXT SEARCH CONFIGURATION',
      'CREATE TEXT SEARCH DICTIONARY',
    ]) {
      assert.ok(
        dst.some((b) => b.includes(kind)),
        `${kind} in the clone`,
      );
    }
    assert.equal(onlyA.length, 2, onlyA.join('\n---\n'));
    assert.ok(onlyA.some((b) => /CREATE POLICY p_other /.test(b)));
    assert.ok(onlyA.some((b) => new RegExp(`CREATE POLICY p_both .* TO ${tenantApp}, ${other} `).test(b)));
    assert.equal(onlyB.length, 1, onlyB.join('\n---\n'));
    assert.match(onlyB[0]!, new RegExp(`CREATE POLICY p_both .* FOR INSERT TO ${tenantApp} WITH CHECK`));
    assert.deepEqual(script.unsupported, []);
    assert.deepEqual(script.blockers, []);
  });

  it('gives every object to the owner role', async () => {
    assert.deepEqual(await notOwnedBy(target, ownerRole), []);
  });

  it('does not fire triggers during the copy, and fires them afterwards', async () => {
    // The source's audit rows were copied; copying the items did not add any.
    assert.equal(auditInSource, 2);
    assert.equal(auditAfterCopy, auditInSource);
    await target.query(`INSERT INTO "Sales"."Order Items" (qty, price) VALUES (1, 1)`);
    const n = await target.query(`SELECT count(*) AS n FROM "Sales".audit WHERE msg = 'inserted'`);
    assert.equal(Number(n.rows[0].n), auditInSource + 1);
  });

  it('defers a view that needs a primary key, and refreshes the materialized view', async () => {
    assert.ok(!script.beforeData.some((s) => s.includes('"Sales"."v_pk"')));
    assert.ok(script.afterData.some((s) => s.startsWith('CREATE VIEW "Sales"."v_pk"')));
    const mv = await target.query(
      `SELECT relispopulated AS p FROM pg_class WHERE oid = '"Sales".mv'::regclass`,
    );
    assert.equal(mv.rows[0].p, true);
    const rows = await target.query(`SELECT count(*) AS n FROM "Sales".mv`);
    const srcRows = await source.query(`SELECT count(*) AS n FROM "Sales".mv`);
    assert.equal(Number(rows.rows[0].n), 2);
    assert.equal(Number(rows.rows[0].n), Number(srcRows.rows[0].n));
  });

  it('keeps PUBLIC, maps the app role and drops others in grants', async () => {
    const r = await target.query(
      `SELECT has_column_privilege($1, '"Sales"."Order Items"', 'select', 'SELECT') AS col,
              has_column_privilege($1, '"Sales"."Order Items"', 'price', 'SELECT') AS other_col,
              has_function_privilege($1, '"Sales".next_code()', 'EXECUTE') AS fn,
              has_function_privilege($2, '"Sales".next_code()', 'EXECUTE') AS fn_other,
              has_table_privilege($2, '"Sales".audit', 'SELECT') AS other_table`,
      [tenantApp, other],
    );
    assert.deepEqual(r.rows[0], {
      col: true,
      other_col: false,
      fn: true,
      fn_other: false,
      other_table: false,
    });
  });

  it('syncs the identity sequence past the copied ids', async () => {
    assert.ok(synced.some((s) => s.sequence === 'Sales.Order Items_id_seq'));
    const r = await target.query(
      `SELECT (SELECT last_value FROM "Sales"."Order Items_id_seq") >= (SELECT max(id) FROM "Sales"."Order Items") AS ok`,
    );
    assert.equal(r.rows[0].ok, true);
  });
});
