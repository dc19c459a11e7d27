import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { describe, it } from 'node:test';
import pg from 'pg';
import { deriveNames } from '../../src/names';
import type { PromotionOptionsInput } from '../../src/options';
import { promote } from '../../src/pipeline/promote';
import { rollback } from '../../src/pipeline/rollback';
import { testDeps } from '../support/engine';
import { createDatabase, dropArtifacts, query, uniqueSuffix, withClient } from '../support/pg';
import { tenantSession, tenantSideOf } from '../../src/postgres/tenant-side';
import { createRollbackFixture, rows, type RollbackFixture } from '../support/rollback-fixture';
import { isolationModeOf, targetServerForSuite } from '../support/schema-level';
import { tempDir } from '../support/tmp';

const qi = pg.escapeIdentifier;

/**
 * Adversarial review of the schema-level rollback (issue 21, into a database of its own on a
 * target server): schemas and names a new user may have, and shared migrations made while the
 * tenant is isolated. Each test names the defect it reproduces; each failed on the code reviewed
 * (e28e676).
 */
describe('schema-level rollback review', { concurrency: 1 }, () => {
  const server = targetServerForSuite();

  /** What a DBA grants the non-superuser admin on a schema a shared migration adds (nothing as superuser). */
  async function grantToAdmin(f: RollbackFixture, schema: string): Promise<void> {
    const admin = decodeURIComponent(new URL(f.engineUrl).username);
    if (process.env.TEST_ADMIN !== 'nonsuper') return;
    await query(
      f.url,
      `GRANT USAGE ON SCHEMA ${qi(schema)} TO ${qi(admin)}; GRANT ALL ON ALL TABLES IN SCHEMA ${qi(schema)} TO ${qi(admin)}; GRANT ALL ON ALL SEQUENCES IN SCHEMA ${qi(schema)} TO ${qi(admin)}`,
    );
  }

  /** The rollback fixture plus `extra`, acme promoted at schema level into the target, then `fn`. */
  async function promoted(
    extra: string,
    fn: (ctx: {
      f: RollbackFixture;
      opts: PromotionOptionsInput;
      names: ReturnType<typeof deriveNames>;
      /** The tenant's database as its application sees it (its role, its search_path). */
      asTenant: (sql: string) => Promise<void>;
    }) => Promise<void>,
  ): Promise<void> {
    const f = await createRollbackFixture(extra);
    const configDir = await tempDir('schema-level-rollback-review-');
    const names = deriveNames(f.slugs.acme);
    const opts: PromotionOptionsInput = {
      databaseUrl: f.engineUrl,
      tenantSlug: f.slugs.acme,
      skipCloudRun: true,
      configDir,
      maxFreezeMs: 10_000,
      targetDatabaseUrl: server.target.adminUrl,
      isolationLevel: 'schema',
    };
    try {
      const { record } = await promote(opts, testDeps('schema-level-rollback-review'));
      assert.equal(record.result, 'promoted', JSON.stringify(record.error));
      const searchPath = record.schemaLayout!.searchPath;
      const asTenant = (sql: string) =>
        withClient(server.target.urlFor(names.database), async (c) => {
          await c.query(`SET ROLE ${qi(names.appRole)}`);
          await c.query(`SET search_path = ${searchPath.map(qi).join(', ')}`);
          await c.query(sql);
        });
      await fn({ f, opts, names, asTenant });
    } finally {
      await f.cleanup();
      await server.target.dropArtifacts(f.suffix);
      await rm(configDir, { recursive: true, force: true });
    }
  }

  // Defect: drift compares type names printed under the search_path; a type a shared migration adds to
  // `public` shadows the tenant's `analytics` type on the shared side only: false "type differs", refused.
  it('a type added to public after the switch, named like a type of a second mapped schema, is no drift', async (ctx) => {
    if (server.skip) return ctx.skip(server.skip);
    await promoted(
      `CREATE SCHEMA analytics;
       CREATE TYPE analytics.kind AS ENUM ('created', 'renamed');
       CREATE TABLE analytics.events (
         id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         tenant_id bigint NOT NULL REFERENCES public.tenants(id),
         kind analytics.kind NOT NULL);
       CREATE INDEX ON analytics.events (tenant_id);
       INSERT INTO analytics.events (tenant_id, kind) VALUES (1, 'created'), (2, 'created');`,
      async ({ f, opts, asTenant }) => {
        await asTenant(`INSERT INTO events (tenant_id, kind) SELECT id, 'renamed' FROM tenants`);
        // A shared migration for another feature: an unrelated enum in public, of the same name.
        await query(f.url, `CREATE TYPE public.kind AS ENUM ('invoice', 'refund')`);
        const { record } = await rollback(opts, testDeps('schema-level-rollback-review'));
        assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
        assert.deepEqual(
          await rows(f.url, `SELECT kind::text FROM analytics.events WHERE tenant_id = 1 ORDER BY id`),
          ['(created)', '(renamed)'],
        );
      },
    );
  });
  // Defect: a tenant table a shared migration adds in a schema the mapping does not know is neither drift
  // (each side is restricted to the mapped schemas) nor mapped (the session keeps its name): the restore
  // reads "billing"."invoices" on the tenant's side — a raw missing-relation error here; in the shared
  // database (schemas placed there) it would read the shared table as if it were the tenant's.
  it('a tenant table added to an unmapped schema after the switch is refused as drift, before the fence', async (ctx) => {
    if (server.skip) return ctx.skip(server.skip);
    await promoted('', async ({ f, opts, names }) => {
      await query(
        f.url,
        `CREATE SCHEMA billing;
         CREATE TABLE billing.invoices (id serial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES public.tenants(id), amount int NOT NULL);
         CREATE INDEX ON billing.invoices (tenant_id);
         INSERT INTO billing.invoices (tenant_id, amount) VALUES (2, 10);`,
      );
      await grantToAdmin(f, 'billing');
      const { record } = await rollback(opts, testDeps('schema-level-rollback-review'));
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.step, 'schema-drift', JSON.stringify(record.error));
      assert.match(record.error?.message ?? '', /billing\.invoices/);
      assert.equal(await isolationModeOf(f.url, opts.tenantSlug), 'isolated');
      const [role] = await query<{ login: boolean }>(
        server.target.url,
        'SELECT rolcanlogin AS login FROM pg_roles WHERE rolname = $1',
        [names.appRole],
      );
      assert.equal(role!.login, true, 'the fence is lifted (or never set)');
    });
  });

  // Defect: drift reads only the mapped schemas of the tenant's database, but the drop takes the whole
  // database: rows in a table created there outside them (public, a schema of its own) are dropped
  // unreported. At database level the same table is "only in the tenant's database" and refuses.
  it('a table with rows in the tenant database outside its mapped schemas keeps the database (refused as drift)', async (ctx) => {
    if (server.skip) return ctx.skip(server.skip);
    await promoted('', async ({ f, opts, names }) => {
      // A migration run as the tenant's owner role (it owns the database, so public and new schemas are its).
      await withClient(server.target.urlFor(names.database), async (c) => {
        await c.query(`SET ROLE ${qi(names.ownerRole)}`);
        await c.query(`CREATE TABLE public.audit (id serial PRIMARY KEY, what text NOT NULL)`);
        await c.query(`INSERT INTO public.audit (what) VALUES ('written by the tenant while isolated')`);
      });
      const { record } = await rollback(opts, testDeps('schema-level-rollback-review'));
      assert.notEqual(
        record.result,
        'rolled-back',
        'the audit rows are in no shared table: the database must not be dropped',
      );
      assert.match(JSON.stringify(record.error), /audit/);
      assert.deepEqual(await rows(server.target.urlFor(names.database), `SELECT what FROM public.audit`), [
        '("written by the tenant while isolated")',
      ]);
      assert.ok(f.url);
    });
  });
  // Defect: the session maps every `a.b` whose `a` is a mapped source schema and `b` a name its side
  // defines — the column references of the rollback's own SQL too (`t."title"`, alias t): a source
  // schema named `t` holding a table `title` breaks every statement on tasks ("missing FROM-clause
  // entry"). Promotion's checks fail the same way, so such a tenant cannot be promoted either.
  it('a source schema named like the rollback’s alias (t) does not rewrite column references of that alias', async () => {
    const suffix = uniqueSuffix();
    const url = await createDatabase(`rbreview_alias_${suffix}`);
    try {
      await query(
        url,
        `CREATE SCHEMA tenant_x; CREATE SCHEMA tenant_x_t;
         CREATE TABLE tenant_x.tasks (id int PRIMARY KEY, title text NOT NULL);
         CREATE TABLE tenant_x_t.title (id int PRIMARY KEY);
         INSERT INTO tenant_x.tasks VALUES (1, 'a1');`,
      );
      const side = tenantSideOf(
        {
          isolation_level: 'schema',
          schema: {
            into: 'new-database',
            mappings: [
              { source: 'public', target: 'tenant_x' },
              { source: 't', target: 'tenant_x_t' },
            ],
            search_path: ['tenant_x', 'tenant_x_t'],
          },
        },
        `rbreview_alias_${suffix}`,
        'shared',
      );
      await withClient(url, async (c) => {
        const session = await tenantSession(c, side);
        // As the restore reads a table: COPY (SELECT t."col", … FROM ONLY "public"."tasks" t …).
        const { rows: got } = await session.query(
          `SELECT t."id", t."title" FROM ONLY "public"."tasks" t WHERE true`,
        );
        assert.deepEqual(got, [{ id: 1, title: 'a1' }]);
      });
    } finally {
      await dropArtifacts(suffix);
    }
  });

  // The fix of the finding above, end to end (added with the fix): the plan's predicates read every
  // table as `t` (`t."tenant_id" = …`), so a tenant table in a source schema `t` broke the
  // promotion's copy checks before anything else; the rollback's restore reads `t."title"`.
  it('a tenant table in a source schema named t (holding a table title) promotes and rolls back', async (ctx) => {
    if (server.skip) return ctx.skip(server.skip);
    await promoted(
      `CREATE SCHEMA t;
       CREATE TABLE t.title (id serial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES public.tenants(id), label text NOT NULL);
       CREATE INDEX ON t.title (tenant_id);
       INSERT INTO t.title (tenant_id, label) VALUES (1, 'acme-t'), (2, 'hooli-t');`,
      async ({ f, opts, asTenant }) => {
        await asTenant(`INSERT INTO tasks (project_id, title) VALUES (1, 'written while isolated')`);
        await asTenant(`INSERT INTO title (tenant_id, label) SELECT id, 'isolated-t' FROM tenants`);
        const { record } = await rollback(opts, testDeps('schema-level-rollback-review'));
        assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
        assert.deepEqual(await rows(f.url, `SELECT title FROM tasks WHERE project_id = 1`), [
          '("written while isolated")',
          '(a1)',
          '(a2)',
        ]);
        assert.deepEqual(await rows(f.url, `SELECT label FROM t.title`), [
          '(acme-t)',
          '(hooli-t)',
          '(isolated-t)',
        ]);
      },
    );
  });
});
