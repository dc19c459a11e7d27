import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { describe, it } from 'node:test';
import pg from 'pg';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import { rollback } from '../../src/pipeline/rollback';
import { testDeps } from '../support/engine';
import { query, urlFor } from '../support/pg';
import { brokenForeignKeys, createRollbackFixture } from '../support/rollback-fixture';
import { tempDir } from '../support/tmp';

/**
 * Issue 17, property 6: a rollback under load. The isolated tenant's writer follows the
 * application contract (reads its tenant row FOR SHARE in the shared database and writes where it
 * says, holding that lock until its write committed), connecting to its own database as its
 * application role; another tenant writes to the shared database all along. No committed write is
 * lost on either side, the time the tenant could not write is measured and reported, and the
 * other tenant's writes never wait past max-freeze.
 */

const MAX_FREEZE_MS = 2_000;

interface Writer {
  committed: string[];
  /** Durations of committed transactions, ms. */
  latencies: number[];
  /** Longest time between two committed writes, ms (the tenant's blocked time is within it). */
  longestGap: number;
  errors: number;
  stop(): Promise<void>;
}

/** Writes a task per transaction into `projectId`, following the contract for `slug`. */
function startWriter(opts: {
  sharedUrl: string;
  isolatedUrl?: string;
  slug: string;
  projectId: number;
  tag: string;
}): Writer {
  const w: Writer = { committed: [], latencies: [], longestGap: 0, errors: 0, stop: async () => undefined };
  let running = true;
  let n = 0;
  const loop = (async () => {
    let shared: pg.Client | undefined;
    let isolated: pg.Client | undefined;
    let last = performance.now();
    while (running) {
      const title = `${opts.tag}-${n++}`;
      const started = performance.now();
      try {
        if (!shared) {
          shared = new pg.Client({ connectionString: opts.sharedUrl });
          shared.on('error', () => undefined);
          await shared.connect();
        }
        await shared.query('BEGIN');
        const { rows } = await shared.query<{ m: string }>(
          'SELECT isolation_mode AS m FROM tenants WHERE slug = $1 FOR SHARE',
          [opts.slug],
        );
        if (rows[0]!.m === 'isolated') {
          if (!opts.isolatedUrl) throw new Error('not isolated: no isolated database given');
          if (!isolated) {
            isolated = new pg.Client({ connectionString: opts.isolatedUrl });
            // The fence ends this session while it idles: the next query fails, and is retried.
            isolated.on('error', () => undefined);
            await isolated.connect();
          }
          await isolated.query(`INSERT INTO tasks (project_id, title) VALUES ($1, $2)`, [
            opts.projectId,
            title,
          ]);
        } else {
          await shared.query(`INSERT INTO tasks (project_id, title) VALUES ($1, $2)`, [
            opts.projectId,
            title,
          ]);
        }
        await shared.query('COMMIT');
        w.committed.push(title);
        const now = performance.now();
        w.latencies.push(now - started);
        w.longestGap = Math.max(w.longestGap, now - last);
        last = now;
      } catch {
        // Fenced, ended, or refused: this write did not commit (not in the model); reconnect.
        w.errors++;
        await shared?.query('ROLLBACK').catch(() => undefined);
        await isolated?.end().catch(() => undefined);
        isolated = undefined;
        await new Promise((r) => setTimeout(r, 20)); // back off: a fenced role cannot log in
      }
    }
    await shared?.end().catch(() => undefined);
    await isolated?.end().catch(() => undefined);
  })();
  w.stop = async () => {
    running = false;
    await loop;
  };
  return w;
}

describe('rollback under load (issue 17)', () => {
  it('the tenant writes to its database and another tenant to the shared one during the rollback: nothing lost, blocks measured', async () => {
    const f = await createRollbackFixture();
    const configDir = await tempDir('rollback-load-');
    const opts = {
      databaseUrl: f.engineUrl,
      tenantSlug: f.slugs.acme,
      skipCloudRun: true,
      configDir,
      maxFreezeMs: MAX_FREEZE_MS,
    };
    try {
      const { record: p } = await promote({ ...opts, maxFreezeMs: 10_000 }, testDeps('rollback-load'));
      assert.equal(p.result, 'promoted', JSON.stringify(p.error));
      const names = deriveNames(f.slugs.acme);
      // The tenant's application logs in as its role.
      await query(f.url, `ALTER ROLE ${pg.escapeIdentifier(names.appRole)} PASSWORD 'load-test-app'`);
      const appUrl = new URL(urlFor(names.database));
      appUrl.username = names.appRole;
      appUrl.password = 'load-test-app';

      const tenant = startWriter({
        sharedUrl: f.url,
        isolatedUrl: appUrl.toString(),
        slug: f.slugs.acme,
        projectId: 1,
        tag: 'acme',
      });
      const other = startWriter({ sharedUrl: f.url, slug: f.slugs.hooli, projectId: 3, tag: 'hooli' });
      // Both have written before the rollback starts (bounded wait on their own progress).
      for (let i = 0; i < 10_000 && (tenant.committed.length < 20 || other.committed.length < 20); i++)
        await new Promise((r) => setTimeout(r, 5));
      const { record } = await rollback(opts, testDeps('rollback-load'));
      const tenantAfter = tenant.committed.length;
      // And after it: the tenant's writer now writes to the shared database.
      for (let i = 0; i < 10_000 && tenant.committed.length < tenantAfter + 20; i++)
        await new Promise((r) => setTimeout(r, 5));
      await tenant.stop();
      await other.stop();
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));

      const titles = async (tag: string) =>
        (
          await query<{ title: string }>(
            f.url,
            `SELECT title FROM tasks WHERE title LIKE $1 ORDER BY title`,
            [`${tag}-%`],
          )
        ).map((r) => r.title);
      const sort = (a: string[]) => [...a].sort();
      assert.deepEqual(
        await titles('acme'),
        sort(tenant.committed),
        'every committed write of the tenant is in the shared database',
      );
      assert.deepEqual(
        await titles('hooli'),
        sort(other.committed),
        'every committed write of the other tenant is there',
      );
      assert.deepEqual(await brokenForeignKeys(f.url), []);
      const otherLongest = Math.max(...other.latencies);
      console.log(
        `rollback under load: tenant wrote ${tenant.committed.length} (${tenant.errors} refused while fenced), longest gap ${Math.round(tenant.longestGap)} ms; recorded block ${record.freezeMs} ms; other tenant wrote ${other.committed.length}, longest write ${Math.round(otherLongest)} ms`,
      );
      assert.ok(record.freezeMs !== undefined, 'the block is reported in the record');
      assert.ok(otherLongest < MAX_FREEZE_MS, `the other tenant waited ${otherLongest} ms`);
    } finally {
      await f.cleanup();
      await rm(configDir, { recursive: true, force: true });
    }
  });
});
