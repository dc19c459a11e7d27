import assert from 'node:assert/strict';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { PromotionError } from '../../src/errors';
import {
  applyAfterData,
  applyStatements,
  buildSchemaScript,
  syncSequences,
  type SchemaScript,
} from '../../src/postgres/schema-clone';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { createDatabase, DATABASE_URL, dropArtifacts, uniqueSuffix, urlFor, withClient } from '../support/pg';
import { diffBlocks, dumpSchema, normaliseDump } from '../support/pg-dump';
import { stressSql } from '../support/stress-schema';

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
    // As the step applies it: stage by stage, the units of a stage on three sessions at once.
    const more = [await connect(targetUrl), await connect(targetUrl)];
    try {
      await applyAfterData([target, ...more], script);
    } finally {
      await Promise.all(more.map((c) => c.end()));
    }
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
    // pg_dump lists a policy's roles in pg_authid's physical order (not creation order): either.
    assert.ok(
      onlyA.some((b) =>
        new RegExp(`CREATE POLICY p_both .* TO (${tenantApp}, ${other}|${other}, ${tenantApp}) `).test(b),
      ),
      onlyA.join('\n---\n'),
    );
    assert.equal(onlyB.length, 1, onlyB.join('\n---\n'));
    assert.match(onlyB[0]!, new RegExp(`CREATE POLICY p_both .* FOR INSERT TO ${tenantApp} WITH CHECK`));
    assert.deepEqual(script.unsupported, []);
    assert.deepEqual(script.blockers, []);
  });

  it('builds every index valid and validates every constraint the source has validated, on several sessions', async () => {
    const shape = async (c: pg.Client) =>
      (
        await c.query<{ what: string }>(
          `SELECT 'index ' || i.indexrelid::regclass || ' valid ' || i.indisvalid || ' ' || pg_get_indexdef(i.indexrelid) AS what
             FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = 'Sales'
           UNION ALL
           SELECT 'constraint ' || conrelid::regclass || '.' || conname || ' validated ' || convalidated || ' ' || pg_get_constraintdef(c.oid)
             FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
            WHERE n.nspname = 'Sales' AND c.conrelid <> 0
           ORDER BY 1`,
        )
      ).rows.map((r) => r.what);
    const built = await shape(target);
    assert.deepEqual(built, await shape(source));
    // What the stages cover: partitioned keys attached, an exclusion constraint, a deferrable
    // foreign key, a foreign key to a partitioned table, an index on an expression.
    for (const pattern of [
      /EXCLUDE USING gist/,
      /DEFERRABLE INITIALLY DEFERRED/,
      /event_refs.* validated true .*REFERENCES "Sales"\.events/,
      /uses_them_ci valid true/,
    ])
      assert.ok(
        built.some((b) => pattern.test(b)),
        String(pattern),
      );
    assert.ok(
      built.every((b) => !/ valid false /.test(b)),
      built.join('\n'),
    );
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

describe('after-data phase on several sessions', () => {
  const suffix = uniqueSuffix();
  let url: string;

  before(async () => {
    url = await createDatabase(`afterdata_${suffix}`);
    await withClient(url, (c) =>
      c.query(`CREATE TABLE dup (x int); CREATE TABLE held (x int); CREATE TABLE later (x int);
               INSERT INTO dup VALUES (1); INSERT INTO held VALUES (1); INSERT INTO later VALUES (1)`),
    );
  });
  after(async () => {
    await dropArtifacts(suffix);
  });

  it(
    'cancels the statements of the other sessions when one unit fails, and starts no further unit',
    { timeout: 60_000 },
    async () => {
      const sessions = [await connect(url), await connect(url)];
      // Two sessions of the test hold the tables the first two units build on, so both units are
      // in flight (waiting) when the first one is let go to fail.
      const holdDup = await connect(url);
      const holdHeld = await connect(url);
      try {
        await holdDup.query(`BEGIN; LOCK TABLE dup IN ACCESS EXCLUSIVE MODE; INSERT INTO dup VALUES (1)`);
        await holdHeld.query(`BEGIN; LOCK TABLE held IN ACCESS EXCLUSIVE MODE`);
        const script = {
          afterData: [
            'CREATE UNIQUE INDEX dup_x ON public.dup (x)',
            'CREATE INDEX held_x ON public.held (x)',
            'CREATE INDEX later_x ON public.later (x)',
          ],
          afterDataStages: [
            {
              label: 'indexes',
              units: [
                { table: { schema: 'public', name: 'dup' }, statements: [0] },
                { table: { schema: 'public', name: 'held' }, statements: [1] },
                { table: { schema: 'public', name: 'later' }, statements: [2] },
              ],
            },
          ],
        };
        const applying = applyAfterData(sessions, script);
        applying.catch(() => undefined);
        // Both sessions wait for a lock (observed, not slept on).
        for (;;) {
          const waiting = await holdDup.query(
            `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
            WHERE NOT l.granted AND c.relname IN ('dup', 'held')`,
          );
          if (waiting.rows[0].n === 2) break;
          await new Promise((r) => setImmediate(r));
        }
        await holdDup.query('COMMIT'); // dup now holds x = 1 twice: its unique index fails
        await assert.rejects(applying, (e: unknown) => {
          assert.ok(e instanceof PromotionError);
          assert.match(e.message, /statement 1 of 3 \(CREATE UNIQUE INDEX dup_x/);
          return true;
        });
        // held's build was cancelled (its session is not waiting any more), later's never started.
        const left = await holdDup.query(
          `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
          WHERE NOT l.granted AND c.relname = 'held'`,
        );
        assert.equal(left.rows[0].n, 0);
        await holdHeld.query('COMMIT');
        const built = await holdDup.query(
          `SELECT relname FROM pg_class WHERE relname IN ('dup_x', 'held_x', 'later_x') ORDER BY 1`,
        );
        assert.deepEqual(built.rows, []);
      } finally {
        await holdHeld.query('ROLLBACK').catch(() => undefined);
        for (const c of [...sessions, holdDup, holdHeld]) await c.end().catch(() => undefined);
      }
    },
  );
});
