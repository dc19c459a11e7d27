import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deriveNames } from '../../src/names';
import type { RunRecord } from '../../src/pipeline/record';
import { promote } from '../../src/pipeline/promote';
import { rollback } from '../../src/pipeline/rollback';
import { tenantStatus } from '../../src/pipeline/status';
import { testDeps } from '../support/engine';
import { databaseExists, fingerprint, roleExists, tableRows } from '../support/fingerprint';
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
 * Issue 11, item 1: the tenant promoted is the tenant named. The value a tenant's rows carry in
 * the tenant key is the tenants-table column the tenant-key foreign keys reference (or the
 * tenant-id-column option), read from the tenants row of that slug — never `id` by name.
 */

const CONTRACT = `slug text NOT NULL UNIQUE, name text NOT NULL,
  isolation_mode text NOT NULL DEFAULT 'shared', settings jsonb NOT NULL DEFAULT '{}'`;

interface Shared {
  suffix: string;
  url: string;
  slug(name: string): string;
}

async function sharedDatabase(sql: (slug: (name: string) => string) => string): Promise<Shared> {
  const suffix = uniqueSuffix();
  const slug = (name: string) => `${name}-${suffix}`;
  const url = await createDatabase(`tk_${suffix}`);
  try {
    await withClient(url, (c) => c.query(sql(slug)));
  } catch (e) {
    await dropArtifacts(suffix);
    throw e;
  }
  return { suffix, url, slug };
}

async function options(s: Shared, slug: string, extra: Record<string, unknown> = {}) {
  return {
    databaseUrl: s.url,
    tenantSlug: slug,
    skipCloudRun: true,
    keepSharedData: true,
    configDir: await tempDir('tenant-key-config-'),
    maxFreezeMs: 10_000,
    ...extra,
  };
}

const ok = (record: RunRecord, result = 'promoted') =>
  assert.equal(record.result, result, JSON.stringify(record.error));

/** Nothing was created for the tenant, and its row is still shared. */
async function assertNothingCreated(s: Shared, slug: string, tenantsTable = 'tenants') {
  const names = deriveNames(slug);
  assert.equal(await databaseExists(names.database, DATABASE_URL), false, 'no database');
  assert.equal(await roleExists(names.appRole, DATABASE_URL), false, 'no app role');
  assert.equal(await roleExists(names.ownerRole, DATABASE_URL), false, 'no owner role');
  const [row] = await query<{ isolation_mode: string }>(
    s.url,
    `SELECT isolation_mode FROM ${tenantsTable} WHERE slug = $1`,
    [slug],
  );
  assert.equal(row?.isolation_mode, 'shared');
}

describe('the tenant promoted is the tenant named (real PostgreSQL)', () => {
  const made: Shared[] = [];
  after(async () => {
    for (const s of made) await dropArtifacts(s.suffix);
  });

  describe('a tenants table whose primary key is not id, with the ids of two tenants crossed', () => {
    let s: Shared;
    before(async () => {
      // The pagila shape: store(store_id PK, id int UNIQUE); the tenant key store_id
      // references store(store_id); uptown's id is lakeside's store_id and the other way round.
      s = await sharedDatabase(
        (slug) => `
        CREATE TABLE store (store_id integer PRIMARY KEY, id integer NOT NULL UNIQUE, ${CONTRACT});
        CREATE TABLE customer (
          customer_id serial PRIMARY KEY,
          store_id integer NOT NULL REFERENCES store (store_id),
          name text NOT NULL);
        CREATE INDEX ON customer (store_id);
        CREATE TABLE rental (
          rental_id serial PRIMARY KEY,
          customer_id integer NOT NULL REFERENCES customer (customer_id),
          title text NOT NULL);
        CREATE INDEX ON rental (customer_id);
        -- A dependent table whose foreign key references store's other unique column.
        CREATE TABLE store_note (
          note_id serial PRIMARY KEY,
          store_ref integer NOT NULL REFERENCES store (id),
          body text NOT NULL);
        CREATE INDEX ON store_note (store_ref);
        CREATE TABLE language (language_id serial PRIMARY KEY, name text NOT NULL);
        INSERT INTO language (name) VALUES ('English'), ('French');
        INSERT INTO store (store_id, id, slug, name) VALUES
          (1, 2, '${slug('uptown')}', 'Uptown'),
          (2, 1, '${slug('lakeside')}', 'Lakeside Mall');
        INSERT INTO customer (store_id, name)
          SELECT 1, 'uptown customer ' || g FROM generate_series(1, 3) g
          UNION ALL SELECT 2, 'lakeside customer ' || g FROM generate_series(1, 5) g;
        INSERT INTO rental (customer_id, title) SELECT customer_id, name || ' rents ' || g
          FROM customer, generate_series(1, 2) g;
        INSERT INTO store_note (store_ref, body) VALUES
          (2, 'note of uptown (store.id = 2)'),
          (1, 'note of lakeside (store.id = 1)'),
          (1, 'another note of lakeside');`,
      );
      made.push(s);
    });

    it("promotes uptown's rows, by slug and by the key, and leaves lakeside-mall's untouched; status and rollback agree", async () => {
      const uptown = s.slug('uptown');
      const lakeside = s.slug('lakeside');
      const shared = (table: string, where: string) => tableRows(s.url, table, where);
      const uptownRows = {
        'public.customer': await shared('public.customer', 't.store_id = 1'),
        'public.rental': await shared(
          'public.rental',
          't.customer_id IN (SELECT customer_id FROM customer WHERE store_id = 1)',
        ),
        'public.store_note': await shared('public.store_note', 't.store_ref = 2'),
        'public.language': await shared('public.language', 'true'),
      };
      assert.equal(uptownRows['public.customer'].length, 3);
      const before = await fingerprint(s.url, { tenantsTable: 'store' });
      const lakesideBefore = await query(s.url, 'SELECT * FROM store WHERE slug = $1', [lakeside]);

      const opts = await options(s, uptown, { tenantsTable: 'store', tenantKey: 'store_id' });
      const { record } = await promote(opts, testDeps());
      ok(record);
      assert.ok(
        record.checks.every((c) => c.status !== 'fail'),
        JSON.stringify(record.checks),
      );

      const target = urlFor(deriveNames(uptown).database);
      assert.deepEqual(
        await query(target, 'SELECT store_id, id, slug FROM store'),
        [{ store_id: 1, id: 2, slug: uptown }],
        "the new database's tenants table holds exactly uptown's row",
      );
      for (const [table, rows] of Object.entries(uptownRows)) {
        assert.deepEqual(await tableRows(target, table), rows, `${table} in the new database`);
      }
      assert.deepEqual(
        await query(target, 'SELECT DISTINCT store_id FROM customer'),
        [{ store_id: 1 }],
        'every row carries uptown’s store_id',
      );

      // The shared database: everything as it was (keep-shared-data), lakeside-mall still shared.
      assert.deepEqual(await fingerprint(s.url, { tenantsTable: 'store' }), before);
      const modes = await query<{ slug: string; isolation_mode: string }>(
        s.url,
        'SELECT slug, isolation_mode FROM store ORDER BY store_id',
      );
      assert.deepEqual(modes, [
        { slug: uptown, isolation_mode: 'isolated' },
        { slug: lakeside, isolation_mode: 'shared' },
      ]);
      assert.deepEqual(await query(s.url, 'SELECT * FROM store WHERE slug = $1', [lakeside]), lakesideBefore);

      // The routing file names the value the tenant's rows carry.
      const routing = JSON.parse(await readFile(join(opts.configDir, 'routing', `${uptown}.json`), 'utf8'));
      assert.equal(routing.tenant_id, '1');

      // status counts by the same rule.
      const status = await tenantStatus({
        databaseUrl: s.url,
        tenantSlug: uptown,
        tenantsTable: 'store',
        tenantKey: 'store_id',
        tenantIdColumn: undefined,
        keepSharedData: false,
        keepIsolatedData: false,
        skipCloudRun: true,
        dryRun: false,
        keepOnValidationFailure: false,
        baseDomain: 'factory.local',
        configDir: opts.configDir,
        maxFreezeMs: 2000,
        copyParallelism: 2,
        copyRanges: 'off',
        referenceTables: 'copy',
      });
      assert.deepEqual(status.tenantRow.key, { column: 'store_id', value: '1' });
      const counts = Object.fromEntries(status.tables.map((t) => [t.name, [t.shared, t.isolated]]));
      assert.deepEqual(counts.customer, [3, 3]);
      assert.deepEqual(counts.store_note, [1, 1]);
      assert.deepEqual(counts.store, [1, 1]);

      // Rollback restores uptown's rows, not lakeside-mall's: the shared database is as it was.
      const back = await rollback(opts, testDeps());
      ok(back.record, 'rolled-back');
      assert.deepEqual(await fingerprint(s.url, { tenantsTable: 'store' }), before);
      assert.deepEqual(await query(s.url, 'SELECT * FROM store WHERE slug = $1', [lakeside]), lakesideBefore);
    });
  });

  it('tenant keys referencing a unique column that is not id (ids and codes crossed)', async () => {
    const s = await sharedDatabase(
      (slug) => `
      CREATE TABLE tenants (id integer PRIMARY KEY, code text NOT NULL UNIQUE, ${CONTRACT});
      CREATE TABLE orders (
        id serial PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants (code),
        item text NOT NULL);
      CREATE INDEX ON orders (tenant_id);
      INSERT INTO tenants (id, code, slug, name) VALUES
        (1, '2', '${slug('alpha')}', 'Alpha'), (2, '1', '${slug('beta')}', 'Beta');
      INSERT INTO orders (tenant_id, item)
        SELECT '2', 'alpha item ' || g FROM generate_series(1, 4) g
        UNION ALL SELECT '1', 'beta item ' || g FROM generate_series(1, 7) g;`,
    );
    made.push(s);
    const alpha = s.slug('alpha');
    const expected = await tableRows(s.url, 'public.orders', `t.tenant_id = '2'`);
    const { record } = await promote(await options(s, alpha), testDeps());
    ok(record);
    const target = urlFor(deriveNames(alpha).database);
    assert.deepEqual(await tableRows(target, 'public.orders'), expected);
    assert.equal(expected.length, 4);
    assert.deepEqual(await query(target, 'SELECT id, code, slug FROM tenants'), [
      { id: 1, code: '2', slug: alpha },
    ]);
  });

  it('tenant-key columns without foreign keys: refused without tenant-id-column, promoted with it', async () => {
    const s = await sharedDatabase(
      (slug) => `
      CREATE TABLE tenants (id integer PRIMARY KEY, ${CONTRACT});
      CREATE TABLE orders (id serial PRIMARY KEY, tenant_id integer NOT NULL, item text NOT NULL);
      CREATE INDEX ON orders (tenant_id);
      INSERT INTO tenants (id, slug, name) VALUES (1, '${slug('gamma')}', 'Gamma'), (2, '${slug('delta')}', 'Delta');
      INSERT INTO orders (tenant_id, item)
        SELECT 1, 'gamma item ' || g FROM generate_series(1, 2) g
        UNION ALL SELECT 2, 'delta item ' || g FROM generate_series(1, 3) g;`,
    );
    made.push(s);
    const gamma = s.slug('gamma');
    const before = await fingerprint(s.url);

    const refused = await promote(await options(s, gamma), testDeps());
    ok(refused.record, 'failed');
    const error = refused.record.error!;
    assert.equal(error.code, 'invalid-input');
    assert.equal(error.step, 'plan');
    assert.match(
      error.message,
      /No foreign key on the tenant key tenant_id references the tenants table public\.tenants \(tables with tenant_id: public\.orders\)/,
    );
    assert.match(error.hint!, /tenant-id-column input \(CLI: --tenant-id-column or TENANT_ID_COLUMN\)/);
    await assertNothingCreated(s, gamma);
    assert.deepEqual(await fingerprint(s.url), before);

    const expected = await tableRows(s.url, 'public.orders', 't.tenant_id = 1');
    const { record } = await promote(await options(s, gamma, { tenantIdColumn: 'id' }), testDeps());
    ok(record);
    assert.deepEqual(await tableRows(urlFor(deriveNames(gamma).database), 'public.orders'), expected);
  });

  it('a uuid primary key and an integer id: a type mismatch is refused clearly, the keyed schema promotes', async () => {
    const s = await sharedDatabase(
      (slug) => `
      CREATE TABLE tenants (pk uuid PRIMARY KEY DEFAULT gen_random_uuid(), id integer NOT NULL UNIQUE, ${CONTRACT});
      CREATE TABLE users (
        id serial PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants (pk),
        email text NOT NULL);
      CREATE INDEX ON users (tenant_id);
      -- Holds tenants.id, not tenants.pk, and has no foreign key: not comparable with pk.
      CREATE TABLE audit (id serial PRIMARY KEY, tenant_id integer NOT NULL, action text NOT NULL);
      CREATE INDEX ON audit (tenant_id);
      INSERT INTO tenants (id, slug, name) VALUES (1, '${slug('eps')}', 'Eps'), (2, '${slug('zeta')}', 'Zeta');
      INSERT INTO users (tenant_id, email)
        SELECT pk, slug || '-' || g || '@example.com' FROM tenants, generate_series(1, 3) g;
      INSERT INTO audit (tenant_id, action) SELECT id, 'login' FROM tenants;`,
    );
    made.push(s);
    const eps = s.slug('eps');
    const refused = await promote(await options(s, eps), testDeps());
    ok(refused.record, 'failed');
    const error = refused.record.error!;
    assert.doesNotMatch(error.message, /invalid input syntax/);
    assert.match(
      error.message,
      /The tenant key tenant_id cannot be compared with public\.tenants\.pk \(uuid\) in public\.audit \(integer\)/,
    );
    assert.match(error.hint!, /foreign key to public\.tenants \(pk\)/);
    await assertNothingCreated(s, eps);

    // The explicit option cannot override the foreign keys either.
    const contradicted = await promote(await options(s, eps, { tenantIdColumn: 'id' }), testDeps());
    ok(contradicted.record, 'failed');
    assert.match(contradicted.record.error!.message, /contradicts the foreign keys on tenant_id/);
    await assertNothingCreated(s, eps);

    // Without the inconsistent table, the uuid key is followed (before the fix: a raw cast error).
    await query(s.url, 'DROP TABLE audit');
    const expected = await tableRows(
      s.url,
      'public.users',
      't.tenant_id = (SELECT pk FROM tenants WHERE slug = $1)',
      [eps],
    );
    const { record } = await promote(await options(s, eps), testDeps());
    ok(record);
    assert.deepEqual(await tableRows(urlFor(deriveNames(eps).database), 'public.users'), expected);
    assert.equal(expected.length, 3);
  });
});
