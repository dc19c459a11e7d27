import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deriveNames } from '../../src/names';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { engineOptions, promoteOnce } from '../support/engine';
import pg from 'pg';
import { DATABASE_URL, query } from '../support/pg';

const qi = (s: string) => pg.escapeIdentifier(s);

/**
 * isolation-level (issue 21): the level comes from the input, else the tenants row's
 * settings.isolation_level, else database; at schema level the plan maps the tenant's schemas
 * into the shared database (a dry run shows the mapping and rehearses the clone; the promotion
 * itself is schema-level-shared.test.ts). Runs as the fixture's engine role (CI's non-superuser
 * pass with TEST_ADMIN=nonsuper, which lacks CREATE on the shared database until granted).
 */
describe('isolation level', () => {
  let f: SharedFixture;
  before(async () => {
    f = await createSharedFixture({ rows: 3 });
  });
  after(async () => {
    await f?.cleanup();
  });

  const setLevel = (slug: string, level: unknown) =>
    query(
      f.url,
      `UPDATE tenants SET settings = jsonb_set(settings, '{isolation_level}', $2::jsonb) WHERE slug = $1`,
      [slug, JSON.stringify(level)],
    );
  /** What a refused run must not have left: the tenant's database, roles, schemas, claim. */
  const nothingCreated = async (slug: string) => {
    const names = deriveNames(slug);
    const dbs = await query(DATABASE_URL, `SELECT 1 FROM pg_database WHERE strpos(datname, $1) > 0`, [
      names.database,
    ]);
    assert.deepEqual(dbs, []);
    const roles = await query(DATABASE_URL, `SELECT 1 FROM pg_roles WHERE rolname IN ($1, $2)`, [
      names.ownerRole,
      names.appRole,
    ]);
    assert.deepEqual(roles, []);
    const schemas = await query(f.url, `SELECT 1 FROM pg_namespace WHERE strpos(nspname, $1) > 0`, [
      names.database,
    ]);
    assert.deepEqual(schemas, []);
    const row = await query<{ isolation_mode: string; isolation: unknown }>(
      f.url,
      `SELECT isolation_mode, settings->'isolation' AS isolation FROM tenants WHERE slug = $1`,
      [slug],
    );
    assert.deepEqual(row, [{ isolation_mode: 'shared', isolation: null }]);
  };

  /** A run stopped before it creates anything (or, without CREATE, refused at the plan). */
  const stopBeforeRoles = (point: string) => {
    if (point === 'before:roles') throw new Error('stopped before anything is created');
  };
  const plannedIntoShared = (record: Awaited<ReturnType<typeof promoteOnce>>) => {
    assert.equal(record.result, 'failed');
    if (record.error?.code === 'permission-denied') {
      // The managed admin role (TEST_ADMIN=nonsuper) has no CREATE on the shared database yet.
      assert.match(record.error.hint ?? '', /GRANT CREATE ON DATABASE/);
      return;
    }
    assert.match(record.error?.message ?? '', /stopped before anything is created/);
    assert.equal(record.schemaLayout?.into, 'shared-database');
  };

  it('an explicit schema decides the level: the plan maps the tenant into schemas of the shared database', async () => {
    const slug = f.tenants.small;
    const record = await promoteOnce(
      'lvl-input',
      await engineOptions(f, slug, { isolationLevel: 'schema' }),
      stopBeforeRoles,
    );
    assert.deepEqual(record.isolationLevel, { level: 'schema', from: 'input' });
    assert.ok(record.notes.includes('Promoting at isolation level schema (given as input).'));
    plannedIntoShared(record);
    await nothingCreated(slug);
  });

  it("the tenants row's settings.isolation_level decides without an input, and an explicit database wins over it", async () => {
    const slug = f.tenants.other;
    await setLevel(slug, 'schema');
    const fromSettings = await promoteOnce('lvl-settings', await engineOptions(f, slug), stopBeforeRoles);
    assert.deepEqual(fromSettings.isolationLevel, { level: 'schema', from: 'tenant-settings' });
    plannedIntoShared(fromSettings);
    await nothingCreated(slug);
    const dry = await promoteOnce(
      'lvl-wins',
      await engineOptions(f, slug, { isolationLevel: 'database', dryRun: true }),
    );
    assert.equal(dry.result, 'dry-run', dry.error?.message);
    assert.deepEqual(dry.isolationLevel, { level: 'database', from: 'input' });
    assert.equal(dry.schemaLayout, undefined);
    assert.ok(dry.notes.includes('Promoting at isolation level database (given as input).'));
  });

  it('a level the tool does not offer (the seeds also name table and row) is refused, by value', async () => {
    const slug = f.tenants.empty;
    await setLevel(slug, 'row');
    const record = await promoteOnce('lvl-row', await engineOptions(f, slug));
    assert.equal(record.result, 'failed');
    assert.match(
      record.error!.message,
      /settings\.isolation_level "row", which is not a level this tool promotes to/,
    );
    await nothingCreated(slug);
    await setLevel(slug, 'database');
    const dry = await promoteOnce('lvl-db', await engineOptions(f, slug, { dryRun: true }));
    assert.deepEqual(dry.isolationLevel, { level: 'database', from: 'tenant-settings' });
  });

  it('a dry run at schema level shows the mapping and the search_path, creating nothing', async () => {
    const slug = f.tenants.main;
    const base = deriveNames(slug).database;
    if (f.engineUrl !== f.url) {
      // A managed admin role has CONNECT and TEMPORARY on the shared database, not CREATE: refused, named.
      const refused = await promoteOnce(
        'lvl-create',
        await engineOptions(f, slug, { isolationLevel: 'schema', dryRun: true }),
      );
      assert.equal(refused.result, 'failed');
      assert.equal(refused.error?.code, 'permission-denied');
      assert.match(refused.error!.hint ?? '', /GRANT CREATE ON DATABASE/);
      await nothingCreated(slug);
      await query(f.url, `GRANT CREATE ON DATABASE ${qi(f.dbName)} TO ${qi(new URL(f.engineUrl).username)}`);
    }
    const dry = await promoteOnce(
      'lvl-dry',
      await engineOptions(f, slug, { isolationLevel: 'schema', dryRun: true }),
    );
    assert.equal(dry.result, 'dry-run', dry.error?.message);
    assert.deepEqual(dry.schemaLayout, {
      into: 'shared-database',
      mappings: [
        { source: 'analytics', target: `${base}_analytics` },
        { source: 'public', target: base },
      ],
      searchPath: [base, `${base}_analytics`, 'public'],
    });
    const notes = dry.notes.join('\n');
    assert.match(notes, new RegExp(`public → ${base} \\(\\d+ objects\\)`));
    assert.match(notes, /the tenant's role gets USAGE on public \(their schema\) and nothing else there/);
    // Rehearsed in the shared database itself, in a transaction rolled back (nothing visible).
    assert.match(dry.steps.find((s) => s.name === 'rehearse-clone')?.detail ?? '', /rolled back/);
    await nothingCreated(slug);
  });

  it('a dry run at schema level refuses a function body that names a shared schema, listing it', async () => {
    const slug = f.tenants.main;
    await query(
      f.url,
      `CREATE FUNCTION public.project_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM public.projects $$`,
    );
    try {
      const dry = await promoteOnce(
        'lvl-body',
        await engineOptions(f, slug, { isolationLevel: 'schema', dryRun: true }),
      );
      assert.equal(dry.result, 'failed');
      assert.equal(dry.error?.code, 'plan-blocked');
      assert.match(
        dry.error!.message,
        /function public\.project_count\(\) names public\.projects in its body/,
      );
      await nothingCreated(slug);
    } finally {
      await query(f.url, `DROP FUNCTION public.project_count()`);
    }
  });
});
