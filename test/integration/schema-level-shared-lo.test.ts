import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { describe, it } from 'node:test';
import pg from 'pg';
import { deriveNames, sharedToolSchema } from '../../src/names';
import { PromotionOptions, type PromotionOptionsInput } from '../../src/options';
import type { RunDeps } from '../../src/pipeline/api';
import { promote } from '../../src/pipeline/promote';
import { rollback } from '../../src/pipeline/rollback';
import { tenantStatus } from '../../src/pipeline/status';
import { testDeps } from '../support/engine';
import { createNonSuperuser } from '../support/nonsuper';
import { query, withClient } from '../support/pg';
import { brokenForeignKeys, createRollbackFixture, type RollbackFixture } from '../support/rollback-fixture';
import { tempDir } from '../support/tmp';

const qi = pg.escapeIdentifier;

/**
 * Issue 21 (open item 2), issue 13 item 4: large objects at schema level INTO THE SHARED DATABASE.
 * One pg_largeobject per database: the tenant's objects stay in place under their OIDs, its role is
 * granted access to exactly them, cleanup keeps them, rollback keeps what the tenant created (its
 * roles are dropped). The rollback fixture: documents.body points at one large object per tenant
 * (acme's and hooli's). Run as the superuser and (TEST_ADMIN=nonsuper) as a managed admin, to whom
 * a DBA granted the objects WITH GRANT OPTION (the refusal's own fix); the refusal itself is
 * proved with a non-superuser admin made here, in both runs.
 */

/** The OID and content of a tenant's document (in the shared tables, or `schema`'s). */
async function documentBody(
  url: string,
  title: string,
  schema = 'public',
): Promise<{ o: string; text: string }> {
  const [r] = await query<{ o: string; text: string }>(
    url,
    `SELECT body::text AS o, convert_from(lo_get(body), 'UTF8') AS text FROM ${qi(schema)}.documents WHERE title = $1`,
    [title],
  );
  assert.ok(r, `document ${title} in ${schema}`);
  return r;
}

/** Runs `sql` as `role` (SET ROLE from the superuser): the role's own privileges decide. */
async function asRole<T>(url: string, role: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return withClient(url, async (c) => {
    await c.query(`SET ROLE ${qi(role)}`);
    return (await c.query(sql, params)).rows as T[];
  });
}

/** The SQLSTATE `sql` fails with as `role`, or 'ok'. */
async function codeAs(url: string, role: string, sql: string, params: unknown[] = []): Promise<string> {
  try {
    await asRole(url, role, sql, params);
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

/** Schema level into the shared database needs CREATE there; with grant option on the objects. */
async function prepareAdmin(f: RollbackFixture, admin: string | undefined): Promise<void> {
  if (!admin) return;
  const db = new URL(f.url).pathname.slice(1);
  await query(f.url, `GRANT CREATE ON DATABASE ${qi(db)} TO ${qi(admin)}`);
  const objects = await query<{ o: string }>(f.url, `SELECT oid::text AS o FROM pg_largeobject_metadata`);
  for (const { o } of objects)
    await query(f.url, `GRANT SELECT, UPDATE ON LARGE OBJECT ${Number(o)} TO ${qi(admin)} WITH GRANT OPTION`);
}

async function artifactsOf(url: string, slug: string): Promise<{ schemas: string[]; roles: string[] }> {
  const names = deriveNames(slug);
  const schemas = await query<{ nspname: string }>(
    url,
    `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1) OR nspname = $2 ORDER BY 1`,
    [names.database, sharedToolSchema(slug)],
  );
  const roles = await query<{ rolname: string }>(
    url,
    `SELECT rolname FROM pg_roles WHERE rolname = ANY ($1) ORDER BY 1`,
    [[names.ownerRole, names.appRole]],
  );
  return { schemas: schemas.map((r) => r.nspname), roles: roles.map((r) => r.rolname) };
}

async function withFixture(
  fn: (f: RollbackFixture, opts: PromotionOptionsInput) => Promise<void>,
  admin: 'fixture' | 'none' = 'fixture',
): Promise<void> {
  const f = await createRollbackFixture();
  const configDir = await tempDir('schema-level-shared-lo-');
  try {
    if (admin === 'fixture' && f.engineUrl !== f.url)
      await prepareAdmin(f, decodeURIComponent(new URL(f.engineUrl).username));
    await fn(f, {
      databaseUrl: f.engineUrl,
      tenantSlug: f.slugs.acme,
      skipCloudRun: true,
      configDir,
      maxFreezeMs: 10_000,
      isolationLevel: 'schema',
    });
  } finally {
    await f.cleanup();
    await rm(configDir, { recursive: true, force: true });
  }
}

async function promoted(opts: PromotionOptionsInput, deps: Partial<RunDeps> = {}) {
  const { record } = await promote(opts, testDeps('schema-level-shared-lo', deps));
  return record;
}

describe('schema level into the shared database: large objects in place', { concurrency: 1 }, () => {
  it("promotes: the objects stay in place, every check passes, the tenant's role reads and writes its own and no other, cleanup keeps them", async () => {
    await withFixture(async (f, opts) => {
      const names = deriveNames(opts.tenantSlug!);
      const acme = await documentBody(f.url, 'acme-doc');
      const hooli = await documentBody(f.url, 'hooli-doc');
      const record = await promoted(opts);
      assert.equal(record.result, 'promoted', JSON.stringify(record.error));
      assert.equal(record.schemaLayout?.into, 'shared-database');
      const failed = record.checks.filter((c) => c.status === 'fail');
      assert.deepEqual(failed, [], 'every check passes');
      const lo = record.checks.find((c) => c.name === 'large-objects');
      assert.equal(lo?.status, 'pass', JSON.stringify(lo));
      assert.match(lo.reason, /in place in the shared database/);
      assert.equal(record.checks.find((c) => c.name === 'access-control')?.status, 'pass');
      assert.ok(
        record.notes.some((n) => n.includes('stay in place') && n.includes(`role ${names.appRole}`)),
        record.notes.join('\n'),
      );
      // The tenant's row keeps its value: the same object, the same content.
      assert.deepEqual(await documentBody(f.url, 'acme-doc', names.database), acme);
      // Cleanup deleted the shared rows and kept the object they referenced.
      assert.deepEqual(await query(f.url, `SELECT title FROM public.documents WHERE tenant_id = 1`), []);
      assert.equal((await documentBody(f.url, 'hooli-doc')).text, hooli.text);
      assert.ok(
        record.notes.some((n) => n.startsWith('Large objects kept in place')),
        record.notes.join('\n'),
      );
      // As the tenant's role: its own object is readable and writable, hooli's is refused.
      const [read] = await asRole<{ t: string }>(
        f.url,
        names.appRole,
        `SELECT convert_from(lo_get($1::oid), 'UTF8') AS t`,
        [acme.o],
      );
      assert.equal(read?.t, 'acme large object v1');
      assert.equal(
        await codeAs(f.url, names.appRole, `SELECT lo_put($1::oid, 0, 'ACME'::bytea)`, [acme.o]),
        'ok',
      );
      // status --verify later: the same objects, in place and within the role's reach.
      const status = await tenantStatus(PromotionOptions.parse(opts), { verify: true });
      assert.equal(status.overall, 'isolated', status.reasons.join('; '));
      const verified = status.checks?.find((c) => c.name === 'large-objects');
      assert.equal(verified?.status, 'pass', JSON.stringify(verified));
      assert.equal(await codeAs(f.url, names.appRole, `SELECT lo_get($1::oid)`, [hooli.o]), '42501');
      assert.equal(
        await codeAs(f.url, names.appRole, `SELECT lo_put($1::oid, 0, 'x'::bytea)`, [hooli.o]),
        '42501',
      );
    });
  });

  it('rollback: an object the tenant created after the switch survives the drop of its roles, content equal, its reference restored', async () => {
    await withFixture(async (f, opts) => {
      const names = deriveNames(opts.tenantSlug!);
      const record = await promoted(opts);
      assert.equal(record.result, 'promoted', JSON.stringify(record.error));
      const acme = await documentBody(f.url, 'acme-doc', names.database);
      // The application, as the tenant's role with its search_path: a new object and a changed one.
      const created = await withClient(f.url, async (c) => {
        await c.query(`SET ROLE ${qi(names.appRole)}`);
        await c.query(`SET search_path = ${qi(names.database)}`);
        await c.query(`SELECT lo_put($1::oid, 0, 'ACME'::bytea)`, [acme.o]);
        const { rows } = await c.query<{ o: string }>(
          `INSERT INTO documents (tenant_id, title, body)
           VALUES (1, 'acme-doc-2', lo_from_bytea(0, convert_to('created while isolated', 'UTF8'))) RETURNING body::text AS o`,
        );
        return rows[0]!.o;
      });
      const [owner] = await query<{ owner: string }>(
        f.url,
        `SELECT pg_get_userbyid(lomowner) AS owner FROM pg_largeobject_metadata WHERE oid = $1::oid`,
        [created],
      );
      assert.equal(owner?.owner, names.appRole, 'created by the tenant, owned by its role');

      const { record: back } = await rollback(opts, testDeps('schema-level-shared-lo'));
      assert.equal(back.result, 'rolled-back', JSON.stringify(back.error));
      assert.deepEqual(await artifactsOf(f.url, opts.tenantSlug!), { schemas: [], roles: [] });
      // Both references are back in the shared rows, pointing at the same objects, content kept.
      assert.deepEqual(await documentBody(f.url, 'acme-doc-2'), {
        o: created,
        text: 'created while isolated',
      });
      assert.deepEqual(await documentBody(f.url, 'acme-doc'), { o: acme.o, text: 'ACME large object v1' });
      const [after] = await query<{ owner: string; acl: string | null }>(
        f.url,
        `SELECT pg_get_userbyid(lomowner) AS owner, lomacl::text AS acl FROM pg_largeobject_metadata WHERE oid = $1::oid`,
        [created],
      );
      assert.ok(after && ![names.appRole, names.ownerRole].includes(after.owner), JSON.stringify(after));
      assert.deepEqual(await brokenForeignKeys(f.url), []);
    });
  });

  it('a non-superuser admin that neither owns the objects nor may pass their privileges on: refused at the plan, naming them and the fix, nothing created', async () => {
    await withFixture(async (f, opts) => {
      const admin = await createNonSuperuser(f.url);
      try {
        const db = new URL(f.url).pathname.slice(1);
        await query(f.url, `GRANT CREATE ON DATABASE ${qi(db)} TO ${qi(admin.role)}`);
        // It may read and write them (enough for a copy elsewhere), but not grant them.
        const objects = await query<{ o: string }>(
          f.url,
          `SELECT oid::text AS o FROM pg_largeobject_metadata`,
        );
        for (const { o } of objects)
          await query(f.url, `GRANT SELECT, UPDATE ON LARGE OBJECT ${Number(o)} TO ${qi(admin.role)}`);
        const acme = await documentBody(f.url, 'acme-doc');
        const record = await promoted({ ...opts, databaseUrl: admin.url });
        assert.equal(record.result, 'failed');
        assert.equal(record.error?.code, 'permission-denied', JSON.stringify(record.error));
        const message = record.error!.message;
        assert.match(message, /public\.documents\.body/);
        assert.match(message, new RegExp(`\\b${acme.o}\\b`));
        assert.match(message, /SELECT, UPDATE/);
        assert.match(message, /Nothing was created/);
        assert.match(record.error!.hint ?? '', /ALTER LARGE OBJECT <oid> OWNER TO/);
        assert.match(record.error!.hint ?? '', /WITH GRANT OPTION/);
        // At the plan, before any role, schema or grant was made.
        assert.match(record.steps.find((s) => s.name === 'plan')?.error ?? '', /may not grant/);
        assert.equal(record.steps.find((s) => s.name === 'roles')?.status, 'pending');
        assert.deepEqual(await artifactsOf(f.url, opts.tenantSlug!), { schemas: [], roles: [] });
      } finally {
        await admin.drop();
      }
    }, 'none');
  });

  it("an object another tenant's rows reference too is not the tenant's own: refused at the plan, nothing created", async () => {
    await withFixture(async (f, opts) => {
      const acme = await documentBody(f.url, 'acme-doc');
      await query(
        f.url,
        `INSERT INTO documents (tenant_id, title, body) VALUES (2, 'hooli-shared', $1::oid)`,
        [acme.o],
      );
      const record = await promoted(opts);
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.code, 'plan-blocked', JSON.stringify(record.error));
      assert.match(record.error!.message, new RegExp(`referenced by other rows[^]*\\b${acme.o}\\b`));
      assert.equal(record.steps.find((s) => s.name === 'roles')?.status, 'pending');
      assert.deepEqual(await artifactsOf(f.url, opts.tenantSlug!), { schemas: [], roles: [] });
    });
  });

  it('planted defect: an object unlinked after the copy fails the large-objects check, and the promotion is undone', async () => {
    await withFixture(async (f, opts) => {
      const acme = await documentBody(f.url, 'acme-doc');
      const record = await promoted(opts, {
        fault: async (point) => {
          if (point === 'before:validate') await query(f.url, `SELECT lo_unlink($1::oid)`, [acme.o]);
        },
      });
      assert.equal(record.result, 'failed');
      assert.equal(record.committed, false);
      const check = record.checks.find((c) => c.name === 'large-objects');
      assert.equal(check?.status, 'fail', JSON.stringify(check));
      assert.match(
        check.reason,
        new RegExp(`large object ${acme.o}: referenced by the tenant's rows, missing`),
      );
      // The rows themselves are identical: only this check sees it.
      assert.equal(record.checks.find((c) => c.name === 'row-counts')?.status, 'pass');
      assert.deepEqual(await artifactsOf(f.url, opts.tenantSlug!), { schemas: [], roles: [] }, 'undone');
    });
  });
});
