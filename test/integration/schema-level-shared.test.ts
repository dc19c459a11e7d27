import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { deriveNames, sharedToolSchema } from '../../src/names';
import { PromotionOptions } from '../../src/options';
import { promote } from '../../src/pipeline/promote';
import { rollback } from '../../src/pipeline/rollback';
import { tenantStatus } from '../../src/pipeline/status';
import { renderStatusText } from '../../src/report/status-text';
import { engineOptions, testDeps } from '../support/engine';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { runEngine } from '../support/child-run';
import { createNonSuperuser } from '../support/nonsuper';
import { query, urlFor } from '../support/pg';
import { missingWrites } from '../support/writer';
import {
  assertRoutedToSchema,
  promoteSchemaAndDatabaseLevelAtOnce,
  promoteSchemaLevelWithWriter,
} from '../support/schema-level';

const qi = (s: string) => pg.escapeIdentifier(s);

/**
 * Schema level (issue 21) into the SHARED database (no target-database-url): the tenant's schemas
 * `tenant_<slug>[...]` are created in the shared database itself, beside the shared tables and
 * other tenants' schemas, through promote() as the action and the CLI run it. Run as the
 * superuser and (TEST_ADMIN=nonsuper) as a managed-PostgreSQL admin, which needs CREATE on the
 * shared database: the fixture grants it CONNECT and TEMPORARY only, so this suite grants CREATE
 * (and the last test proves a role without it is refused, nothing created).
 */
describe('schema-level promotion into the shared database', { concurrency: 1 }, () => {
  let f: SharedFixture;
  const grantCreate = async (fixture: SharedFixture) => {
    if (fixture.engineUrl === fixture.url) return;
    const role = decodeURIComponent(new URL(fixture.engineUrl).username);
    await query(fixture.url, `GRANT CREATE ON DATABASE ${qi(fixture.dbName)} TO ${qi(role)}`);
  };
  before(async () => {
    f = await createSharedFixture({ rows: 20 });
    await grantCreate(f);
  });
  after(async () => {
    await f?.cleanup();
  });

  /** Schemas of the shared database this tenant's run could have made (its names and its tool schema). */
  const schemasOf = async (slug: string) =>
    (
      await query<{ nspname: string }>(
        f.url,
        `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1) OR nspname = $2 ORDER BY 1`,
        [deriveNames(slug).database, sharedToolSchema(slug)],
      )
    ).map((r) => r.nspname);
  const rolesOf = async (slug: string) =>
    (
      await query<{ rolname: string }>(
        f.url,
        `SELECT rolname FROM pg_roles WHERE rolname = ANY ($1) ORDER BY 1`,
        [[deriveNames(slug).ownerRole, deriveNames(slug).appRole]],
      )
    ).map((r) => r.rolname);
  const modeOf = async (slug: string) =>
    (
      await query<{ mode: string }>(f.url, 'SELECT isolation_mode AS mode FROM tenants WHERE slug = $1', [
        slug,
      ])
    )[0]!.mode;

  it('a dry run rehearses the mapped clone in the shared database, in a transaction rolled back, and leaves nothing', async () => {
    const slug = f.tenants.small;
    const opts = await engineOptions(f, slug, { isolationLevel: 'schema', dryRun: true });
    const { record } = await promote(opts, testDeps('tester'));
    assert.equal(record.result, 'dry-run', JSON.stringify(record.error));
    assert.equal(record.schemaLayout?.into, 'shared-database');
    const step = record.steps.find((x) => x.name === 'rehearse-clone');
    assert.equal(step?.status, 'done', JSON.stringify(step));
    assert.match(step?.detail ?? '', /rehearsed: .* shared database in one transaction, rolled back/);
    assert.deepEqual(await schemasOf(slug), []);
    assert.deepEqual(await rolesOf(slug), []);
  });

  it('a failure before the switch leaves no schema; kept for inspection, a re-run replaces its own; a crash after the switch is resumed', async () => {
    const slug = f.tenants.other;
    const names = deriveNames(slug);
    const opts = await engineOptions(f, slug, { isolationLevel: 'schema' });
    const crashAt = (at: string) => (point: string) => {
      if (point === at) throw new Error(`injected crash at ${at}`);
    };
    const first = await promote(opts, testDeps('tester', { fault: crashAt('before:switch') }));
    assert.equal(first.record.result, 'failed');
    assert.equal(first.record.committed, false);
    assert.match(
      first.record.steps.find((s) => s.name === 'create-database')?.detail ?? '',
      new RegExp(`${names.database} in the shared database`),
    );
    assert.deepEqual(await schemasOf(slug), [], 'the undo dropped its schemas and tool schema');
    assert.deepEqual(await rolesOf(slug), [], 'and its roles (their grants in the shared database first)');
    assert.equal(await modeOf(slug), 'shared');

    // A failed check with keep-on-validation-failure leaves the schemas: the next run recognises
    // them as its tenant's (owner role and tool schema markers) and replaces them.
    const kept = await promote(
      { ...opts, keepOnValidationFailure: true },
      testDeps('tester', {
        fault: async (point) => {
          if (point === 'before:validate')
            await query(
              f.url,
              `ALTER ROLE ${qi(names.appRole)} IN DATABASE ${qi(f.dbName)} RESET search_path`,
            );
        },
      }),
    );
    assert.equal(kept.record.result, 'failed');
    assert.equal(kept.record.error?.code, 'validation-failed');
    const left = await schemasOf(slug);
    assert.ok(left.includes(names.database) && left.includes(sharedToolSchema(slug)), left.join(', '));

    const second = await promote(opts, testDeps('tester', { fault: crashAt('before:routing') }));
    assert.equal(second.record.result, 'failed', 'crashed after the switch');
    assert.equal(second.record.committed, true, JSON.stringify(second.record.error));
    assert.match(
      second.record.steps.find((s) => s.name === 'prevalidate')?.detail ?? '',
      new RegExp(`left .*schema ${names.database}.*which will be replaced`),
    );
    const third = await promote(opts, testDeps('tester'));
    assert.equal(third.record.result, 'promoted', JSON.stringify(third.record.error));
    const routing = JSON.parse(await readFile(join(opts.configDir, 'routing', `${slug}.json`), 'utf8'));
    assert.equal(routing.isolation_level, 'schema');
    assert.equal(routing.database.name, f.dbName);
    assert.equal(routing.database.schema, names.database);
    const status = await tenantStatus(PromotionOptions.parse(opts));
    assert.equal(status.overall, 'isolated', status.reasons.join('; '));
    assert.equal(status.schema?.name, names.database);
  });

  it("promotes with a writer running beside another tenant's schema: every check passes, no write lost, routing, status and --verify, cleanup; rollback", async () => {
    const slug = f.tenants.main;
    const names = deriveNames(slug);
    // The application after the switch: the shared database with the tenant's schema on the search_path.
    const { record, opts, id, seed, writer } = await promoteSchemaLevelWithWriter(f, slug, f.url);
    // Access control proved, as the tenant, that the shared tables and the other tenant's schema
    // (promoted by the test before) are refused by the server, and said what PUBLIC's USAGE on public means.
    const access = record.checks.find((c) => c.name === 'access-control')!;
    const details = access.details.join('\n');
    assert.match(
      access.reason,
      new RegExp(`reaches its schema\\(s\\) .*${names.database} of ${f.dbName} only`),
    );
    assert.match(details, /was refused reading "public"\./);
    assert.match(details, new RegExp(`was refused reading ${deriveNames(f.tenants.other).database}\\.`));
    assert.match(details, /USAGE on public through PUBLIC .* reads no table/);

    // The rows are in the tenant's schema of the shared database; cleanup removed the shared ones.
    const [{ n: there }] = (await query<{ n: string }>(
      f.url,
      `SELECT count(*)::text AS n FROM ${qi(names.database)}.projects WHERE tenant_id = $1`,
      [id],
    )) as [{ n: string }];
    assert.ok(Number(there) > 0);
    assert.deepEqual(await query(f.url, 'SELECT 1 FROM public.projects WHERE tenant_id = $1', [id]), []);
    assert.deepEqual(
      await query(f.url, `SELECT 1 FROM pg_database WHERE datname = $1`, [names.database]),
      [],
    );

    // The tenants row, the routing config and status name the level, the database and the schema.
    const [row] = await query<{ mode: string; level: string; db: string; schema: { into: string } }>(
      f.url,
      `SELECT isolation_mode AS mode, settings->'isolation'->>'isolation_level' AS level,
              settings->'isolation'->>'isolated_db_name' AS db, settings->'isolation'->'schema' AS schema
         FROM tenants WHERE slug = $1`,
      [slug],
    );
    assert.deepEqual(
      { mode: row!.mode, level: row!.level, db: row!.db, into: row!.schema.into },
      { mode: 'isolated', level: 'schema', db: f.dbName, into: 'shared-database' },
    );
    const status = await assertRoutedToSchema(opts, slug, f.dbName);
    assert.ok(
      status.tables.some((x) => (x.isolated ?? 0) > 0),
      'counted in the tenant schema',
    );
    assert.deepEqual(
      // Warnings are the writer's writes since the switch (information); nothing may fail.
      status.checks!.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.reason}`),
      [],
    );
    assert.match(renderStatusText(status), new RegExp(`Isolation level\\s+schema: ${names.database}`));
    // The other tenant's status is untouched by this one's schemas beside it.
    const other = await tenantStatus(PromotionOptions.parse(await engineOptions(f, f.tenants.other)), {
      verify: true,
    });
    assert.equal(other.isolationLevel, 'schema');
    assert.deepEqual(
      other.checks!.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.reason}`),
      [],
    );

    // Rollback from the shared database: every write the application made in the tenant's schema
    // comes back into the shared tables; the schemas, the tool schema and the roles go (the
    // other tenant's schemas beside them stay). Details: schema-level-shared-rollback.test.ts.
    const rolled = await rollback(opts, testDeps('tester'));
    assert.equal(rolled.record.result, 'rolled-back', JSON.stringify(rolled.record.error));
    assert.equal(await modeOf(slug), 'shared');
    assert.deepEqual(
      await missingWrites(f.url, seed, writer.model),
      [],
      'every write back in the shared tables',
    );
    assert.deepEqual(await schemasOf(slug), []);
    assert.deepEqual(await rolesOf(slug), []);
    assert.ok((await schemasOf(f.tenants.other)).length > 0, "the other tenant's schemas stay");
  });

  it('killed (SIGKILL, no undo) after its schemas were created: the re-run recognises them as its own and replaces them', async () => {
    const g = await createSharedFixture({ rows: 5 });
    try {
      await grantCreate(g);
      const slug = g.tenants.small;
      const names = deriveNames(slug);
      const opts = await engineOptions(g, slug, { isolationLevel: 'schema' });
      const killed = await runEngine('promote', opts, 'kill@after:copy');
      assert.equal(killed.signal, 'SIGKILL');
      const left = (
        await query<{ nspname: string }>(
          g.url,
          `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1) OR nspname = $2 ORDER BY 1`,
          [names.database, sharedToolSchema(slug)],
        )
      ).map((r) => r.nspname);
      assert.ok(left.includes(names.database) && left.includes(sharedToolSchema(slug)), left.join(', '));
      const again = await runEngine('promote', opts);
      assert.equal(again.record?.result, 'promoted', JSON.stringify(again.record?.error));
      assert.match(
        again.record!.steps.find((s) => s.name === 'prevalidate')?.detail ?? '',
        new RegExp(`schema ${names.database}.*which will be replaced`),
      );
      const s = await tenantStatus(PromotionOptions.parse(opts), { verify: true });
      assert.equal(s.overall, 'isolated', s.reasons.join('; '));
    } finally {
      await g.cleanup();
    }
  });

  it('a database-level and a schema-level promotion into the shared database, at the same time, do not interfere', async () => {
    const g = await createSharedFixture({ rows: 10 });
    try {
      await grantCreate(g);
      const { schemaSlug, databaseSlug, opts } = await promoteSchemaAndDatabaseLevelAtOnce(g);
      // The database-level tenant's database holds the shared schemas only: nothing of the
      // schema-level tenant's, which went into the shared database at the same time.
      const schemas = await query<{ nspname: string }>(
        urlFor(deriveNames(databaseSlug).database),
        `SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname NOT IN ('information_schema', '_tenant_isolation') ORDER BY 1`,
      );
      assert.deepEqual(schemas, [{ nspname: 'analytics' }, { nspname: 'public' }]);
      for (const slug of [schemaSlug, databaseSlug]) {
        const s = await tenantStatus(PromotionOptions.parse(opts[slug]!), { verify: true });
        assert.equal(s.overall, 'isolated', `${slug}: ${s.reasons.join('; ')}`);
      }
    } finally {
      await g.cleanup();
    }
  });

  it('an admin role without CREATE on the shared database is refused before anything is created', async () => {
    const slug = f.tenants.empty;
    // A managed-PostgreSQL admin as the fixture hands it out: CONNECT and TEMPORARY, no CREATE.
    const admin = await createNonSuperuser(f.url, { bypassRls: true });
    try {
      const opts = {
        ...(await engineOptions(f, slug, { isolationLevel: 'schema' })),
        databaseUrl: admin.url,
      };
      const { record } = await promote(opts, testDeps('tester'));
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.code, 'permission-denied');
      assert.match(record.error!.message, /may not create schemas in database .*nothing was created/);
      assert.match(record.error!.hint ?? '', /GRANT CREATE ON DATABASE/);
      assert.deepEqual(await schemasOf(slug), []);
      assert.deepEqual(await rolesOf(slug), []);
      assert.equal(await modeOf(slug), 'shared');
    } finally {
      await admin.drop();
    }
  });
});
