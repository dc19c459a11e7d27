import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { memoryLogger } from '../../src/log';
import { deriveNames } from '../../src/names';
import type { PromotionOptionsInput } from '../../src/options';
import type { RunRecord } from '../../src/pipeline/record';
import { promote } from '../../src/pipeline/promote';
import { syncLargeObjects } from '../../src/postgres/large-objects';
import { TENANT_ID_SETTING, type TablePlan, type TenantPlan } from '../../src/postgres/plan-types';
import { runChecks } from '../../src/validation';
import { largeObjects } from '../../src/validation/large-objects';
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
 * Issue 13, property 4: large objects the tenant's rows reference (`oid` columns, and domains over
 * `oid` like the lo extension's `lo`) are copied into the tenant's database under the same OIDs
 * with identical content, verified by a check that fails when one is missing or differs; a role
 * that cannot read them is refused before anything is created, with the GRANT that fixes it.
 */

const qi = pg.escapeIdentifier;

/**
 * documents.body (oid) and documents.thumb (the lo extension's domain over oid): per tenant 4 bodies (one of them
 * 2.75 MB: three chunks, the last one partial) and 1 thumbnail, 5 large objects; one row without
 * any. Another large object nobody references.
 */
const SCHEMA = `
  CREATE TABLE tenants (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    isolation_mode text NOT NULL DEFAULT 'shared',
    settings jsonb NOT NULL DEFAULT '{}'
  );
  CREATE EXTENSION lo;
  CREATE TABLE documents (
    id bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    title text NOT NULL,
    body oid,
    thumb lo
  );
  SELECT lo_from_bytea(0, 'nobody references this'::bytea);
`;

function seed(slug: string): string {
  const s = pg.escapeLiteral(slug);
  return `
    WITH t AS (INSERT INTO tenants (slug) VALUES (${s}) RETURNING id)
    INSERT INTO documents (tenant_id, title, body, thumb)
    SELECT t.id, d.title, d.body, d.thumb FROM t, (VALUES
      ('small', lo_from_bytea(0, convert_to('hello ' || ${s}, 'UTF8')), NULL::oid),
      ('empty', lo_from_bytea(0, ''::bytea), NULL),
      ('binary', lo_from_bytea(0, decode(repeat('00ff10ab', 5000), 'hex')), NULL),
      ('big', lo_from_bytea(0, convert_to((SELECT string_agg(md5(${s} || g::text), '') FROM generate_series(1, 90000) g), 'UTF8')), NULL),
      ('thumb', NULL, lo_from_bytea(0, convert_to('thumb of ' || ${s}, 'UTF8'))),
      ('none', NULL, NULL)
    ) AS d(title, body, thumb);`;
}

interface Db {
  suffix: string;
  url: string;
  slug(n: string): string;
  drop(): Promise<void>;
}

async function sharedDb(tenants: string[]): Promise<Db> {
  const suffix = uniqueSuffix();
  const url = await createDatabase(`lo_${suffix}`);
  const slug = (n: string) => `${n}-${suffix}`;
  try {
    await withClient(url, (c) => c.query(SCHEMA + tenants.map((t) => seed(slug(t))).join('\n')));
  } catch (e) {
    await dropArtifacts(suffix);
    throw e;
  }
  return { suffix, url, slug, drop: () => dropArtifacts(suffix) };
}

/** The tenant's large objects in the shared database: oid → md5 of the content. */
async function objectsOf(db: Db, slug: string): Promise<Map<string, string>> {
  const rows = await query<{ o: string; md5: string }>(
    db.url,
    `SELECT x.o::text AS o, md5(lo_get(x.o)) AS md5
       FROM (SELECT body AS o FROM documents d JOIN tenants t ON t.id = d.tenant_id WHERE t.slug = $1
             UNION SELECT thumb FROM documents d JOIN tenants t ON t.id = d.tenant_id WHERE t.slug = $1) x
      WHERE x.o IS NOT NULL ORDER BY 1`,
    [slug],
  );
  return new Map(rows.map((r) => [r.o, r.md5]));
}

/** Large objects in a database: oid → { md5, owner, acl }. */
async function objectsIn(url: string): Promise<Map<string, { md5: string; owner: string; acl: string }>> {
  const rows = await query<{ o: string; md5: string; owner: string; acl: string }>(
    url,
    `SELECT m.oid::text AS o, md5(lo_get(m.oid)) AS md5, pg_get_userbyid(m.lomowner) AS owner,
            coalesce(m.lomacl::text, '') AS acl
       FROM pg_largeobject_metadata m ORDER BY 1`,
  );
  return new Map(rows.map((r) => [r.o, { md5: r.md5, owner: r.owner, acl: r.acl }]));
}

async function run(
  url: string,
  slug: string,
  extra: Partial<PromotionOptionsInput> = {},
  fault?: (point: string) => Promise<void>,
): Promise<{ record: RunRecord; password: string | undefined }> {
  const configDir = await tempDir('lo-config-');
  try {
    const { record, databasePassword } = await promote(
      { databaseUrl: url, tenantSlug: slug, skipCloudRun: true, configDir, maxFreezeMs: 10_000, ...extra },
      { log: memoryLogger(), trigger: { source: 'test', actor: 'large-objects' }, fault },
    );
    return { record, password: databasePassword };
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
}

async function created(slug: string): Promise<string[]> {
  const names = deriveNames(slug);
  const rows = await query<{ what: string }>(
    DATABASE_URL,
    `SELECT 'database ' || datname AS what FROM pg_database WHERE datname = $1
     UNION ALL SELECT 'role ' || rolname FROM pg_roles WHERE rolname IN ($2, $3)`,
    [names.database, names.ownerRole, names.appRole],
  );
  return rows.map((r) => r.what).sort();
}

/** The plan of this schema, by hand (as the planner would build it): no largeObjects, so callers discover the columns. */
function documentsPlan(tenantId: string): TenantPlan {
  const table = (name: string, columns: string[], where: string, kind: TablePlan['kind']): TablePlan => ({
    schema: 'public',
    name,
    qualified: `"public".${qi(name)}`,
    kind,
    columns: columns.map((c) => qi(c)),
    keyColumns: ['"id"'],
    where,
    binarySafe: true,
    partitioned: false,
  });
  const tenants = table(
    'tenants',
    ['id', 'slug', 'isolation_mode', 'settings'],
    `t."id" = current_setting('${TENANT_ID_SETTING}')::bigint`,
    'root',
  );
  const documents = table(
    'documents',
    ['id', 'tenant_id', 'title', 'body', 'thumb'],
    `t."tenant_id" = current_setting('${TENANT_ID_SETTING}')::bigint`,
    'tenant',
  );
  return {
    tenantId,
    tenantIdType: 'bigint',
    tenantsTable: tenants,
    tables: [tenants, documents],
    deleteOrder: [documents],
    notes: [],
    blockers: [],
  };
}

async function tenantIdOf(db: Db, slug: string): Promise<string> {
  const [row] = await query<{ id: string }>(db.url, `SELECT id::text AS id FROM tenants WHERE slug = $1`, [
    slug,
  ]);
  return row!.id;
}

describe('large objects (real PostgreSQL)', () => {
  let db: Db;
  let admin: NonSuperuser;
  before(async () => {
    db = await sharedDb(['main', 'other', 'corrupt', 'refused', 'kept']);
    admin = await createNonSuperuser(db.url);
  });
  after(async () => {
    await db?.drop();
    await admin?.drop();
  });

  it('copies the 5 referenced large objects with the same OIDs and content, and nothing of other tenants', async () => {
    const slug = db.slug('main');
    const names = deriveNames(slug);
    const mine = await objectsOf(db, slug);
    assert.equal(mine.size, 5);
    const others = await objectsOf(db, db.slug('other'));
    const big = await query<{ n: number }>(
      db.url,
      `SELECT max(length(lo_get(o)))::int AS n FROM unnest($1::oid[]) o`,
      [[...mine.keys()]],
    );
    assert.ok(big[0]!.n > 2 * 1024 * 1024, 'one object spans several 1 MB chunks');

    const { record, password } = await run(db.url, slug);
    assert.equal(record.result, 'promoted', JSON.stringify(record.error));
    const check = record.checks.find((c) => c.name === 'large-objects');
    assert.ok(check, 'the large-objects check ran');
    assert.equal(check.status, 'pass', `${check.reason} ${check.details.join(' | ')}`);
    assert.match(check.reason, /^5 large objects .* identical content/);
    assert.match(record.notes.join('\n'), /Large objects: 5 referenced by the tenant's rows \(2\.\d MB\)/);
    assert.match(
      record.notes.join('\n'),
      /public\.documents\.body \(oid\): 4; public\.documents\.thumb \((public\.)?lo\): 1/,
    );
    assert.match(
      record.notes.join('\n'),
      /Large objects left in the shared database \(5 large objects, 2\.\d MB\)/,
    );

    const target = urlFor(names.database);
    const copied = await objectsIn(target);
    assert.deepEqual(
      [...copied.keys()].sort(),
      [...mine.keys()].sort(),
      'exactly the tenant’s objects, under the same OIDs',
    );
    for (const [o, md5] of mine) {
      assert.equal(copied.get(o)!.md5, md5, `content of ${o}`);
      assert.equal(copied.get(o)!.owner, names.ownerRole, `owner of ${o}`);
      assert.match(copied.get(o)!.acl, new RegExp(`${names.appRole}=rw/`), `grants of ${o}`);
    }
    for (const o of others.keys()) assert.ok(!copied.has(o), `other tenant's ${o} not copied`);

    // The application role reads (and may write) its objects.
    const app = new URL(target);
    app.username = names.appRole;
    app.password = password!;
    const [row] = await query<{ md5: string }>(
      app.toString(),
      `SELECT md5(lo_get(body)) AS md5 FROM documents WHERE title = 'big'`,
    );
    assert.equal(
      row!.md5,
      [...mine.values()].find((m) => m === row!.md5),
      'the app role reads its objects',
    );

    // Cleanup left the objects in the shared database (rows gone), as reported.
    const shared = await objectsIn(db.url);
    for (const o of mine.keys()) assert.ok(shared.has(o), `${o} left in the shared database`);
  });

  it('a large object corrupted in the new database fails the check (and the promotion is undone)', async () => {
    const slug = db.slug('corrupt');
    const names = deriveNames(slug);
    const mine = await objectsOf(db, slug);
    let victim = '';
    const { record } = await run(db.url, slug, {}, async (point) => {
      if (point !== 'before:validate') return;
      // Overwrite 4 bytes in the middle of the big object in the tenant database.
      const [big] = await query<{ o: string }>(
        urlFor(names.database),
        `SELECT body::text AS o FROM documents WHERE title = 'big'`,
      );
      victim = big!.o;
      await query(urlFor(names.database), `SELECT lo_put($1::oid, 1500000, '\\xdeadbeef'::bytea)`, [victim]);
    });
    assert.ok(mine.has(victim));
    assert.equal(record.result, 'failed');
    assert.equal(record.committed, false);
    assert.equal(record.error?.code, 'validation-failed', JSON.stringify(record.error));
    const check = record.checks.find((c) => c.name === 'large-objects')!;
    assert.equal(check.status, 'fail');
    assert.match(check.reason, new RegExp(`large object ${victim}: content differs`));
    // The rows themselves are identical: only this check sees it.
    assert.equal(record.checks.find((c) => c.name === 'row-counts')?.status, 'pass');
    assert.equal(record.checks.find((c) => c.name === 'checksums')?.status, 'pass');
    assert.deepEqual(await created(slug), [], 'undone');
  });

  it('as a non-superuser without SELECT on the objects: refused before anything is created, naming the GRANT; granted, it completes', async () => {
    const slug = db.slug('refused');
    const mine = await objectsOf(db, slug);
    const [tenantBefore] = await query<{ mode: string }>(
      db.url,
      `SELECT isolation_mode AS mode FROM tenants WHERE slug = $1`,
      [slug],
    );
    const { record } = await run(admin.url, slug);
    assert.equal(record.result, 'failed');
    assert.equal(record.committed, false);
    assert.equal(record.error?.step, 'plan', JSON.stringify(record.error));
    assert.equal(record.error?.code, 'permission-denied');
    const message = record.error!.message;
    assert.match(message, new RegExp(`Role "${admin.role}" cannot read 5 of the 5 large objects`));
    assert.match(message, /columns public\.documents\.body, public\.documents\.thumb/);
    assert.match(message, /owned by postgres/);
    assert.match(message, /Nothing was changed/);
    const oids = [...mine.keys()].sort((a, b) => Number(a) - Number(b));
    assert.match(
      record.error!.hint ?? '',
      new RegExp(`GRANT SELECT ON LARGE OBJECT ${oids.join(', ')} TO "${admin.role}";`),
    );
    assert.deepEqual(await created(slug), [], 'no database or role created');
    const [tenantAfter] = await query<{ mode: string }>(
      db.url,
      `SELECT isolation_mode AS mode FROM tenants WHERE slug = $1`,
      [slug],
    );
    assert.deepEqual(tenantAfter, tenantBefore);

    // The remedy from the hint, as the owner: now the same role promotes the tenant.
    await withClient(db.url, (c) =>
      c.query(`GRANT SELECT ON LARGE OBJECT ${oids.join(', ')} TO ${qi(admin.role)}`),
    );
    const granted = await run(admin.url, slug);
    assert.equal(granted.record.result, 'promoted', JSON.stringify(granted.record.error));
    assert.equal(granted.record.checks.find((c) => c.name === 'large-objects')?.status, 'pass');
    const copied = await objectsIn(urlFor(deriveNames(slug).database));
    assert.deepEqual(new Map([...copied].map(([o, v]) => [o, v.md5])), mine);
  });

  it('status --verify: referenced objects the shared database has must be in the new one; content changes are information', async () => {
    // After main's promotion (first test): its shared rows are gone, its objects left in the shared database.
    const slug = db.slug('main');
    const names = deriveNames(slug);
    const target = urlFor(names.database);
    const ctx = {
      sourceUrl: db.url,
      targetUrl: target,
      tenantId: await tenantIdOf(db, slug),
      plan: documentsPlan(await tenantIdOf(db, slug)),
      tenantKey: 'tenant_id',
      names,
      sharedDatabase: `lo_${db.suffix}`,
      appRole: { name: names.appRole, password: 'unused' },
      filesToScan: [],
      textsToScan: [],
      secrets: [],
      budgetMs: 60_000,
      log: memoryLogger(),
      afterSwitch: true,
    };
    const [ok] = await runChecks(ctx, [largeObjects]);
    assert.equal(ok!.status, 'pass', `${ok!.reason} ${ok!.details.join(' | ')}`);
    const [small, big] = (
      await query<{ o: string }>(
        target,
        `SELECT body::text AS o FROM documents WHERE title IN ('small', 'big') ORDER BY title DESC`,
      )
    ).map((r) => r.o);
    // The application rewrote one object: a change since the switch, not damage.
    await query(target, `SELECT lo_put($1::oid, 0, '\\x00'::bytea)`, [big]);
    const [changed] = await runChecks(ctx, [largeObjects]);
    assert.equal(changed!.status, 'warn', changed!.reason);
    assert.match(
      changed!.reason,
      new RegExp(`changed since the switch.*large object ${big}: content differs`),
    );
    // An object the rows reference is gone from the new database (the shared one has it): damage.
    await query(target, `SELECT lo_unlink($1::oid)`, [small]);
    const [missing] = await runChecks(ctx, [largeObjects]);
    assert.equal(missing!.status, 'fail', missing!.reason);
    assert.match(missing!.reason, new RegExp(`large object ${small}: missing in the new database`));
  });

  it('syncLargeObjects (for the switch): copies objects referenced since the copy, replaces changed ones, verifies the rest', async () => {
    const slug = db.slug('kept');
    const names = deriveNames(slug);
    const { record } = await run(db.url, slug, { keepSharedData: true });
    assert.equal(record.result, 'promoted', JSON.stringify(record.error));
    const id = await tenantIdOf(db, slug);
    // After the copy, in the shared database: a new row with a new object, and an object rewritten in place.
    const [added] = await query<{ o: string }>(
      db.url,
      `INSERT INTO documents (tenant_id, title, body) VALUES ($1, 'late', lo_from_bytea(0, 'written after the copy'::bytea)) RETURNING body::text AS o`,
      [id],
    );
    const [rewritten] = await query<{ o: string }>(
      db.url,
      `SELECT body::text AS o FROM documents WHERE tenant_id = $1 AND title = 'binary'`,
      [id],
    );
    await query(db.url, `SELECT lo_put($1::oid, 10, '\\xcafe'::bytea)`, [rewritten!.o]);

    const source = new pg.Client({ connectionString: db.url });
    const target = new pg.Client({ connectionString: urlFor(names.database) });
    await source.connect();
    await target.connect();
    let guarded = 0;
    try {
      await source.query('SELECT set_config($1, $2, false)', [TENANT_ID_SETTING, id]);
      const options = {
        roles: { owner: names.ownerRole, app: names.appRole },
        guard: async () => {
          guarded++;
        },
      };
      const first = await syncLargeObjects(source, target, documentsPlan(id), options);
      assert.deepEqual(first, { referenced: 6, copied: 1, replaced: 1, verified: 4, bytes: first.bytes });
      assert.ok(guarded >= 1, 'the guard ran in the writing transaction');
      const again = await syncLargeObjects(source, target, documentsPlan(id), options);
      assert.deepEqual(again, { referenced: 6, copied: 0, replaced: 0, verified: 6, bytes: 0 });
      const missingOnly = await syncLargeObjects(source, target, documentsPlan(id), {
        ...options,
        verify: 'missing',
      });
      assert.deepEqual(missingOnly, { referenced: 6, copied: 0, replaced: 0, verified: 0, bytes: 0 });
    } finally {
      await source.end();
      await target.end();
    }
    const shared = await objectsOf(db, slug);
    const copied = await objectsIn(urlFor(names.database));
    assert.deepEqual(new Map([...copied].map(([o, v]) => [o, v.md5])), shared);
    assert.equal(copied.get(added!.o)!.owner, names.ownerRole);
    assert.equal(copied.get(rewritten!.o)!.owner, names.ownerRole);
  });
});
