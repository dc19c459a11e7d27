import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { memoryLogger } from '../../src/log';
import { deriveNames } from '../../src/names';
import type { PromotionOptionsInput } from '../../src/options';
import { promote } from '../../src/pipeline/promote';
import { tryTenantLock } from '../../src/postgres/lock';
import { createRehearsalDatabase, rehearsalDatabaseName } from '../../src/postgres/rehearsal';
import type { RunRecord } from '../../src/pipeline/record';
import { runEngine } from '../support/child-run';
import { createNonSuperuser, type NonSuperuser } from '../support/nonsuper';
import {
  createDatabase,
  DATABASE_URL,
  dropArtifacts,
  query,
  uniqueSuffix,
  urlFor,
  withClient,
} from '../support/pg';
import { tempDir } from '../support/tmp';

/**
 * Issue 15, properties 1 and 2, on real PostgreSQL (as the non-superuser admin of managed
 * PostgreSQL with TEST_ADMIN=nonsuper): for each schema, a dry run and then the real run of the
 * same tenant, and the dry run's verdict equals the real run's outcome. Objects views, defaults
 * and indexes depend on (an aggregate, an operator, a cast) are recreated, so both pass; an
 * object the clone cannot recreate refuses both, the dry run first, before anything is created,
 * naming the object and what depends on it. A dry run killed while rehearsing leaves nothing a
 * later run does not remove; without CREATEDB a dry run still plans and says its verdict is weaker.
 */

const BASE = (s: string) => `
  CREATE TABLE tenants (
    id bigint PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    isolation_mode text NOT NULL DEFAULT 'shared' CHECK (isolation_mode IN ('shared', 'isolated')),
    settings jsonb NOT NULL DEFAULT '{}'
  );
  CREATE TABLE film (
    id bigint PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants(id),
    title text NOT NULL,
    category text NOT NULL
  );
  CREATE INDEX ON film (tenant_id);
  INSERT INTO tenants (id, slug) VALUES (1, 'acme-${s}'), (2, 'hooli-${s}'), (3, 'initech-${s}');
  INSERT INTO film VALUES (1, 1, 'Alien', 'scifi'), (2, 1, 'Brazil', 'scifi'), (3, 1, 'Casablanca', 'drama'),
                          (4, 2, 'Dune', 'scifi'), (5, 3, 'Heat', 'crime');
`;

/** pagila's group_concat(text) over a recreated function, and its film_list view. */
const AGGREGATE = `
  CREATE FUNCTION _group_concat(text, text) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT CASE WHEN $2 IS NULL THEN $1 WHEN $1 IS NULL THEN $2 ELSE $1 || ', ' || $2 END $$;
  CREATE AGGREGATE group_concat(text) (SFUNC = _group_concat, STYPE = text);
  CREATE VIEW film_list AS
    SELECT tenant_id, category, group_concat(title ORDER BY title) AS titles FROM film GROUP BY tenant_id, category;
`;

/** An operator (case-insensitive equality) used in an index expression. */
const OPERATOR = `
  CREATE FUNCTION ci_eq(text, text) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT lower($1) = lower($2) $$;
  CREATE OPERATOR =~= (FUNCTION = ci_eq, LEFTARG = text, RIGHTARG = text, COMMUTATOR = =~=);
  CREATE INDEX film_scifi_idx ON film ((category =~= 'SCIFI'));
`;

/** A cast (composite -> text, through a function) used in a column default. */
const CAST = `
  CREATE TYPE celsius AS (degrees numeric);
  CREATE FUNCTION celsius_text(celsius) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT $1.degrees::text || ' C' $$;
  CREATE CAST (celsius AS text) WITH FUNCTION celsius_text(celsius) AS ASSIGNMENT;
  ALTER TABLE film ADD COLUMN screening_temp text DEFAULT (ROW(21.5)::celsius)::text;
`;

/** A base type (C input/output functions): the clone cannot recreate it, as any role. */
const BASE_TYPE = `
  CREATE TYPE label;
  CREATE FUNCTION label_in(cstring) RETURNS label LANGUAGE internal IMMUTABLE STRICT AS 'textin';
  CREATE FUNCTION label_out(label) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'textout';
  CREATE TYPE label (INPUT = label_in, OUTPUT = label_out, LIKE = text);
  ALTER TABLE film ADD COLUMN tag label;
  CREATE VIEW film_tags AS SELECT id, tag FROM film;
`;

/** A function in the untrusted language `internal`, used by a view: only a superuser may create it. */
const UNTRUSTED = `
  CREATE FUNCTION shout(text) RETURNS text LANGUAGE internal IMMUTABLE STRICT AS 'upper';
  CREATE VIEW loud_titles AS SELECT id, shout(title) AS title FROM film;
`;

/** An aggregate whose transition state is internal (review): only a superuser may create one. */
const INTERNAL_STATE = `
  CREATE AGGREGATE title_array(anynonarray) (SFUNC = array_agg_transfn, STYPE = internal,
    FINALFUNC = array_agg_finalfn, FINALFUNC_EXTRA);
  CREATE VIEW title_arrays AS SELECT title_array(title) AS titles FROM film;
`;

/** Issue 14's schema shapes: foreign keys only on the partitions (pagila's payment), a lookup. */
const ISSUE_14 = `
  CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL);
  INSERT INTO countries VALUES ('de', 'Germany');
  CREATE TABLE customer (id bigint PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id), name text NOT NULL);
  CREATE INDEX ON customer (tenant_id);
  CREATE TABLE payment (id bigint NOT NULL, customer_id bigint NOT NULL, paid_on date NOT NULL, PRIMARY KEY (id, paid_on))
    PARTITION BY RANGE (paid_on);
  CREATE TABLE payment_p2022_01 PARTITION OF payment FOR VALUES FROM ('2022-01-01') TO ('2022-02-01');
  CREATE TABLE payment_p2022_02 PARTITION OF payment FOR VALUES FROM ('2022-02-01') TO ('2022-03-01');
  ALTER TABLE payment_p2022_01 ADD CONSTRAINT payment_p2022_01_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer(id);
  ALTER TABLE payment_p2022_02 ADD CONSTRAINT payment_p2022_02_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer(id);
  CREATE INDEX ON payment (customer_id);
  INSERT INTO customer VALUES (1, 1, 'c1'), (2, 2, 'c2');
  INSERT INTO payment VALUES (1, 1, '2022-01-05'), (2, 1, '2022-02-05'), (3, 2, '2022-01-06');
`;

const nonsuper = process.env.TEST_ADMIN === 'nonsuper';

interface Shared {
  db: string;
  url: string;
  /** What the engine connects as: the superuser, or the managed-PostgreSQL admin. */
  engineUrl: string;
  slug(name: 'acme' | 'hooli' | 'initech'): string;
}

describe('a dry run that predicts the real run (issue 15)', () => {
  const suffix = uniqueSuffix();
  const admins: NonSuperuser[] = [];
  const configDirs: string[] = [];
  /** Databases a test made whose names do not carry the suffix. */
  const stray: string[] = [];

  after(async () => {
    for (const a of admins) await a.drop();
    await dropArtifacts(suffix);
    for (const d of stray)
      await query(DATABASE_URL, `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(d)} WITH (FORCE)`);
    for (const d of configDirs) await rm(d, { recursive: true, force: true });
  });

  let n = 0;
  async function sharedDatabase(extra: string): Promise<Shared> {
    // Tenant databases are named after the slug, cluster-wide: each shared database has its own slugs.
    const tag = `${suffix}${n++}`;
    const db = `rehearse_${tag}`;
    const url = await createDatabase(db);
    await query(url, BASE(tag) + extra);
    let engineUrl = url;
    if (nonsuper) {
      const admin = await createNonSuperuser(url);
      admins.push(admin);
      engineUrl = admin.url;
    }
    return { db, url, engineUrl, slug: (name) => `${name}-${tag}` };
  }

  async function run(
    s: Shared,
    tenant: string,
    extra: Partial<PromotionOptionsInput> = {},
    databaseUrl = s.engineUrl,
  ): Promise<RunRecord> {
    const configDir = await tempDir('rehearse-');
    configDirs.push(configDir);
    const { record } = await promote(
      { databaseUrl, tenantSlug: tenant, skipCloudRun: true, configDir, maxFreezeMs: 10_000, ...extra },
      { log: memoryLogger(), trigger: { source: 'test', actor: 'rehearsal' } },
    );
    return record;
  }

  const step = (r: RunRecord, name: string) => r.steps.find((x) => x.name === name);

  /** Rehearsal databases on the server whose marker names this shared database. */
  async function rehearsals(s: Shared): Promise<string[]> {
    const rows = await query<{ datname: string }>(
      DATABASE_URL,
      `SELECT datname FROM pg_database
        WHERE starts_with(datname, 'tpdrop_rh_') AND shobj_description(oid, 'pg_database') LIKE $1 ORDER BY 1`,
      [`%"sourceDatabase":"${s.db}"%`],
    );
    return rows.map((r) => r.datname);
  }

  /** The tenant's database and roles, if any exist. */
  async function tenantArtifacts(slug: string): Promise<string[]> {
    const names = deriveNames(slug);
    const rows = await query<{ what: string }>(
      DATABASE_URL,
      `SELECT 'database ' || datname AS what FROM pg_database WHERE datname = $1
       UNION ALL SELECT 'role ' || rolname FROM pg_roles WHERE rolname IN ($2, $3)`,
      [names.database, names.ownerRole, names.appRole],
    );
    return rows.map((r) => r.what);
  }

  /** Dry run, then the real run: the dry run rehearsed the clone, and both pass. */
  async function bothPass(s: Shared, slug: string, extra: Partial<PromotionOptionsInput> = {}) {
    const dry = await run(s, slug, { ...extra, dryRun: true });
    assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
    const rehearsal = step(dry, 'rehearse-clone');
    assert.equal(rehearsal?.status, 'done');
    assert.match(rehearsal?.detail ?? '', /^rehearsed: all \d+ statements of the clone applied/);
    assert.deepEqual(await rehearsals(s), [], 'the rehearsal database was dropped');
    assert.deepEqual(await tenantArtifacts(slug), [], 'a dry run creates nothing that stays');
    const real = await run(s, slug, extra);
    assert.equal(real.result, 'promoted', JSON.stringify(real.error));
    return { dry, real, tenantUrl: urlFor(deriveNames(slug).database) };
  }

  it('a view over a custom aggregate (pagila film_list over group_concat): the dry run passes, and so does the real run', async () => {
    const s = await sharedDatabase(AGGREGATE);
    const { tenantUrl } = await bothPass(s, s.slug('acme'));
    const rows = await query<{ category: string; titles: string }>(
      tenantUrl,
      `SELECT category, titles FROM film_list ORDER BY category`,
    );
    assert.deepEqual(rows, [
      { category: 'drama', titles: 'Casablanca' },
      { category: 'scifi', titles: 'Alien, Brazil' },
    ]);
  });

  it('an operator used in an index expression: both pass, and the index uses the recreated operator', async () => {
    const s = await sharedDatabase(OPERATOR);
    const { tenantUrl } = await bothPass(s, s.slug('acme'));
    const idx = await query<{ def: string }>(
      tenantUrl,
      `SELECT pg_get_indexdef('public.film_scifi_idx'::regclass) AS def`,
    );
    assert.match(idx[0]!.def, /=~=/);
    const hits = await query<{ n: number }>(
      tenantUrl,
      `SELECT count(*)::int AS n FROM film WHERE category =~= 'SciFi'`,
    );
    assert.equal(hits[0]!.n, 2);
  });

  it('a cast used in a column default: both pass, and the default works in the tenant database', async () => {
    const s = await sharedDatabase(CAST);
    const { tenantUrl } = await bothPass(s, s.slug('acme'));
    const rows = await query<{ t: string }>(
      tenantUrl,
      `INSERT INTO film (id, tenant_id, title, category) VALUES (100, 1, 'New', 'drama') RETURNING screening_temp AS t`,
    );
    assert.equal(rows[0]!.t, '21.5 C');
  });

  it('a base type the clone cannot recreate: the dry run refuses first, naming it and its dependents; the real run refuses the same, before anything is created', async () => {
    const s = await sharedDatabase(BASE_TYPE);
    const slug = s.slug('acme');
    const dry = await run(s, slug, { dryRun: true });
    assert.equal(dry.result, 'failed');
    assert.equal(dry.error?.code, 'plan-blocked');
    assert.equal(dry.error?.step, 'rehearse-clone');
    assert.match(dry.error!.message, /type public\.label: the clone cannot recreate a base or shell type/);
    assert.match(dry.error!.message, /needed by .*column tag of table public\.film/);
    assert.match(dry.error!.message, /view public\.film_tags/);
    assert.doesNotMatch(dry.error!.message, /column tag of view/, 'a view is named once, not per column');
    assert.deepEqual(await rehearsals(s), []);

    const real = await run(s, slug);
    assert.equal(real.result, 'failed');
    assert.equal(real.error?.code, dry.error?.code);
    assert.equal(
      real.error?.step,
      'rehearse-clone',
      'refused in the plan phase, before the roles and database',
    );
    assert.equal(real.error?.message, dry.error?.message);
    assert.equal(step(real, 'roles')?.status, 'pending');
    assert.deepEqual(await tenantArtifacts(slug), []);
    const row = await query<{ mode: string; settings: unknown }>(
      s.url,
      `SELECT isolation_mode AS mode, settings FROM tenants WHERE slug = $1`,
      [slug],
    );
    assert.deepEqual(row, [{ mode: 'shared', settings: {} }], 'the claim was released, nothing else changed');
  });

  it('a view over a function in an untrusted language: the verdicts agree (refused as the managed admin, promoted as a superuser)', async () => {
    const s = await sharedDatabase(UNTRUSTED);
    const slug = s.slug('acme');
    const dry = await run(s, slug, { dryRun: true });
    const real = await run(s, slug);
    if (nonsuper) {
      assert.equal(dry.error?.code, 'plan-blocked');
      assert.match(
        dry.error!.message,
        /function public\.shout\(text\): it is written in internal, an untrusted language: only a superuser can create it.*needed by view public\.loud_titles/,
      );
      assert.equal(real.result, 'failed');
      assert.equal(real.error?.step, 'rehearse-clone');
      assert.deepEqual(await tenantArtifacts(slug), []);
    } else {
      assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
      assert.match(step(dry, 'rehearse-clone')?.detail ?? '', /^rehearsed/);
      assert.equal(real.result, 'promoted', JSON.stringify(real.error));
    }
  });

  it('a view over an aggregate with an internal transition state: refused up front as the managed admin (before: the clone failed half-way), promoted as a superuser', async () => {
    const s = await sharedDatabase(INTERNAL_STATE);
    const slug = s.slug('acme');
    const dry = await run(s, slug, { dryRun: true });
    const real = await run(s, slug);
    if (nonsuper) {
      assert.equal(dry.error?.code, 'plan-blocked', JSON.stringify(dry.error));
      assert.match(
        dry.error!.message,
        /aggregate public\.title_array\(anynonarray\): its transition state is of type internal.*needed by view public\.title_arrays/,
      );
      assert.equal(real.error?.step, 'rehearse-clone', JSON.stringify(real.error));
      assert.deepEqual(await tenantArtifacts(slug), []);
    } else {
      assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
      assert.equal(real.result, 'promoted', JSON.stringify(real.error));
    }
  });

  it("issue 14's shapes (keys only on partitions; reference-tables: skip): every dry run rehearses, and its verdict equals the real run's", async () => {
    const s = await sharedDatabase(AGGREGATE + OPERATOR + CAST + ISSUE_14);
    const acme = await bothPass(s, s.slug('acme'));
    const payments = await query<{ id: string }>(acme.tenantUrl, `SELECT id::text FROM payment ORDER BY id`);
    assert.deepEqual(
      payments.map((p) => p.id),
      ['1', '2'],
    );
    const hooli = await bothPass(s, s.slug('hooli'), { referenceTables: 'skip' });
    const countries = await query<{ t: string | null }>(
      hooli.tenantUrl,
      `SELECT to_regclass('public.countries')::text AS t`,
    );
    assert.equal(countries[0]!.t, null, 'the skipped lookup is left out of the rehearsal and of the clone');
  });

  it('what only applying the clone reveals (a materialized view whose function reads a table left out): the rehearsal refuses the dry run, as the real run fails', async () => {
    // pg_depend does not see inside a PL/pgSQL body: no catalog check can tell; applying can.
    const s = await sharedDatabase(
      ISSUE_14 +
        `CREATE FUNCTION country_count() RETURNS bigint LANGUAGE plpgsql STABLE
           AS $$ BEGIN RETURN (SELECT count(*) FROM public.countries); END $$;
         CREATE MATERIALIZED VIEW film_stats AS SELECT count(*) AS films, country_count() AS countries FROM film;`,
    );
    const slug = s.slug('hooli');
    const dry = await run(s, slug, { dryRun: true, referenceTables: 'skip' });
    assert.equal(dry.result, 'failed');
    assert.equal(dry.error?.code, 'plan-blocked');
    assert.equal(dry.error?.step, 'rehearse-clone');
    assert.match(dry.error!.message, /rehearsed the schema clone in a throw-away database and it failed/);
    assert.match(
      dry.error!.message,
      /REFRESH MATERIALIZED VIEW "public"\."film_stats".*relation "public\.countries" does not exist/,
    );
    assert.match(dry.error!.hint ?? '', /dry run rehearsing the clone/);
    assert.deepEqual(await rehearsals(s), []);

    const real = await run(s, slug, { referenceTables: 'skip' });
    assert.equal(real.result, 'failed');
    assert.match(
      real.error!.message,
      /REFRESH MATERIALIZED VIEW "public"\."film_stats".*relation "public\.countries" does not exist/,
    );
    assert.deepEqual(await tenantArtifacts(slug), [], 'the real run undid what it created');
  });

  it('a dry run killed while rehearsing leaves a marked database that any later run removes (a dry run of another tenant; a real run of the same tenant)', async () => {
    const s = await sharedDatabase(AGGREGATE);
    const killAt = 'kill@rehearse-clone:before-data-applied';
    const options = async (slug: string, dryRun: boolean) => ({
      databaseUrl: s.engineUrl,
      tenantSlug: slug,
      skipCloudRun: true,
      configDir: await tempDir('rehearse-kill-'),
      maxFreezeMs: 10_000,
      dryRun,
    });

    const first = await runEngine('promote', await options(s.slug('acme'), true), killAt);
    assert.equal(first.signal, 'SIGKILL', first.lines.slice(-5).join('\n'));
    const left = await rehearsals(s);
    assert.equal(left.length, 1, 'the killed dry run left its rehearsal database');
    const marker = await query<{ c: string }>(
      DATABASE_URL,
      `SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1`,
      [left[0]],
    );
    assert.match(marker[0]!.c, new RegExp(`"purpose":"rehearsal"`));
    assert.match(marker[0]!.c, new RegExp(`"slug":"${s.slug('acme')}"`));

    // Any later run: a dry run of another tenant removes it once no session holds acme's lock.
    const other = await run(s, s.slug('hooli'), { dryRun: true });
    assert.equal(other.result, 'dry-run', JSON.stringify(other.error));
    assert.match(step(other, 'rehearse-clone')?.detail ?? '', /removed 1 rehearsal database/);
    assert.deepEqual(await rehearsals(s), []);

    // Killed again; this time the real run of the same tenant removes it, and promotes.
    const second = await runEngine('promote', await options(s.slug('acme'), true), killAt);
    assert.equal(second.signal, 'SIGKILL');
    assert.equal((await rehearsals(s)).length, 1);
    const real = await run(s, s.slug('acme'));
    assert.equal(real.result, 'promoted', JSON.stringify(real.error));
    assert.deepEqual(await rehearsals(s), []);
  });

  it("a rehearsal database of a live dry run is left alone; once that run's lock is free, or unmarked but named for the tenant, a later run removes it", async () => {
    const s = await sharedDatabase('');
    const acme = s.slug('acme');
    const live = rehearsalDatabaseName(acme, randomUUID());
    const unmarked = rehearsalDatabaseName(s.slug('initech'), randomUUID());
    stray.push(live, unmarked);
    // As the engine's role: a marked rehearsal of acme, and one of initech killed before its marker.
    await withClient(s.engineUrl, async (c) => {
      await createRehearsalDatabase(c, live, { slug: acme, sourceDatabase: s.db });
      await c.query(`CREATE DATABASE ${pg.escapeIdentifier(unmarked)}`);
    });
    // acme's dry run is alive: a session holds its lock.
    const holder = new pg.Client({ connectionString: s.url });
    await holder.connect();
    try {
      assert.equal(await tryTenantLock(holder, acme), true);
      const other = await run(s, s.slug('hooli'), { dryRun: true });
      assert.equal(other.result, 'dry-run', JSON.stringify(other.error));
      assert.deepEqual(await rehearsals(s), [live], 'the live dry run keeps its rehearsal database');
    } finally {
      await holder.end();
    }
    const again = await run(s, s.slug('hooli'), { dryRun: true });
    assert.equal(again.result, 'dry-run', JSON.stringify(again.error));
    assert.deepEqual(await rehearsals(s), [], 'its lock is free: removed');

    // The unmarked one is recognised only by a run of its own tenant (its name carries the slug's hash).
    const present = async () =>
      (await query(DATABASE_URL, `SELECT 1 FROM pg_database WHERE datname = $1`, [unmarked])).length === 1;
    assert.equal(await present(), true);
    const initech = await run(s, s.slug('initech'), { dryRun: true });
    assert.equal(initech.result, 'dry-run', JSON.stringify(initech.error));
    assert.equal(await present(), false);
  });

  it('without CREATEDB a dry run still plans, and says its verdict is weaker and why', async () => {
    const s = await sharedDatabase(AGGREGATE);
    const weak = await createNonSuperuser(s.url);
    admins.push(weak);
    await query(DATABASE_URL, `ALTER ROLE ${pg.escapeIdentifier(weak.role)} NOCREATEDB`);
    const dry = await run(s, s.slug('acme'), { dryRun: true }, weak.url);
    assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
    assert.equal(step(dry, 'plan')?.status, 'done');
    assert.match(
      step(dry, 'rehearse-clone')?.detail ?? '',
      /not rehearsed \(role "[^"]+" lacks CREATEDB\): verdict weaker/,
    );
    assert.ok(
      dry.notes.some((n) =>
        /verdict is weaker: it could not rehearse the schema clone .*lacks CREATEDB/.test(n),
      ),
      dry.notes.join('\n'),
    );
    assert.ok(
      dry.notes.some((n) => /A real run as this role would be refused: .*lacks CREATEDB/.test(n)),
      dry.notes.join('\n'),
    );
    assert.deepEqual(await rehearsals(s), []);
  });
});
