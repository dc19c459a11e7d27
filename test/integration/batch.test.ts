import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  planBatch,
  renderBatchSummary,
  runBatch,
  type BatchView,
  type TenantProgress,
} from '../../src/cli/batch';
import { resolveConfig, type CliFlags } from '../../src/cli/config';
import { runCli, type CliIo } from '../../src/cli/program';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import { artifacts, expectedArtifacts, sharedState, TENANT_TABLES, tenantRow } from '../support/fault-checks';
import { tableRows } from '../support/fingerprint';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { query } from '../support/pg';
import { startTargetServer, type TargetServer } from '../support/target-server';
import { tempDir } from '../support/tmp';
import { ContractWriter, missingWrites, writerSeed } from '../support/writer';

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** A tenant of the shared database that no batch promotes: its rows must stay byte-identical. */
async function addBystander(f: SharedFixture): Promise<{ slug: string; id: string }> {
  const slug = `bystander-${f.suffix}`;
  const [row] = await query<{ id: string }>(
    f.url,
    `INSERT INTO tenants (slug, name, plan_code, settings) VALUES ($1, 'Bystander', 'pro', '{"theme":"light"}') RETURNING id::text`,
    [slug],
  );
  const id = row!.id;
  await query(
    f.url,
    `WITH u AS (INSERT INTO users (tenant_id, email, display_name) VALUES ($1, 'b1@bystander.example', 'B One') RETURNING id)
     INSERT INTO projects (tenant_id, owner_id, name) SELECT $1, id, 'Bystander project' FROM u`,
    [id],
  );
  await query(f.url, `INSERT INTO audit_logs (tenant_id, action) VALUES ($1, 'bystander.created')`, [id]);
  return { slug, id };
}

/** The bystander's rows in every tenant table, and its whole tenants row (mode and settings too). */
async function bystanderRows(f: SharedFixture, id: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [table, where] of TENANT_TABLES) out[table] = await tableRows(f.url, table, where, [id]);
  out['public.tenants'] = await tableRows(f.url, 'public.tenants', 't.id = $1', [id]);
  out['public.plans'] = await tableRows(f.url, 'public.plans');
  return out;
}

/** Waits (on the writers' own counters, not a timer) until each has committed `n` writes to its new database. */
async function untilIsolatedWrites(writers: ContractWriter[], n: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (writers.some((w) => w.committed.isolated < n && w.errors.length === 0) && Date.now() < deadline)
    await new Promise((r) => setImmediate(r));
}

/**
 * Issue 19, many tenants and many servers: the CLI's batch (src/cli/batch.ts) over the
 * engine. Two embedded PostgreSQL 15 servers are the targets, each administered by a
 * non-superuser; the shared database is on the machine's PostgreSQL 15.
 */
describe('batch: several tenants to several target servers at once', { concurrency: 1 }, () => {
  const targets: TargetServer[] = [];
  let skip: string | undefined;
  before(async () => {
    for (let i = 0; i < 2 && !skip; i++) {
      const started = await startTargetServer(15);
      if ('skip' in started) skip = started.skip;
      else targets.push(started.target);
    }
  });
  after(async () => {
    for (const t of targets) await t.stop();
  });

  it('four tenants to two servers, four at once, each with a contract-following writer: all promoted, every checksum equal, zero writes lost, the shared database otherwise unchanged', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const [a, b] = targets as [TargetServer, TargetServer];
    const f = await createSharedFixture({ rows: 200 });
    const configDir = await tempDir('batch-config-');
    try {
      const bystander = await addBystander(f);
      const plan = [
        { slug: f.tenants.main, target: a },
        { slug: f.tenants.small, target: b },
        { slug: f.tenants.other, target: a },
        { slug: f.tenants.empty, target: b },
      ];
      const before = await Promise.all(plan.map((p) => sharedState(f, p.slug)));
      const bystanderBefore = await bystanderRows(f, bystander.id);

      const items = planBatch({
        slugs: [],
        file: {
          path: 'tenants.yaml',
          entries: plan.map((p) => ({ slug: p.slug, 'target-database-url': p.target.adminUrl })),
        },
        flags: { cloudRun: false, configDir, maxFreezeMs: '10000' },
        env: {},
        resolve: (flags: CliFlags) =>
          resolveConfig({ flags, env: { DATABASE_URL: f.engineUrl }, cloudRun: 'required' }).options,
      });
      assert.deepEqual(
        items.map((i) => i.target),
        plan.map((p) => `127.0.0.1:${p.target.server.port}`),
      );

      const seeds = await Promise.all(
        plan.map((p, i) => writerSeed(f.url, before[i]!.id, `w${i}${f.suffix}`)),
      );
      const writers = plan.map(
        (p, i) => new ContractWriter(f.url, p.target.urlFor(deriveNames(p.slug).database), seeds[i]!),
      );
      const writing = writers.map((w) => w.run());
      // The most tenants the view ever showed running at once, and every step it showed.
      let mostRunning = 0;
      const stepsSeen = new Set<string>();
      const view: BatchView = {
        update: (progress: TenantProgress[]) => {
          mostRunning = Math.max(mostRunning, progress.filter((p) => p.state === 'running').length);
          for (const p of progress)
            if (p.step) stepsSeen.add(`${p.slug} ${p.step.replace(/^\[\d+\/\d+\] /, '')}`);
        },
        line: () => undefined,
        done: () => undefined,
      };
      const sharedWritesBefore = writers.map((w) => w.committed.shared);
      let results;
      try {
        results = await runBatch(items, {
          parallel: 4,
          view,
          run: (item, deps) =>
            promote(item.options, { ...deps, trigger: { source: 'test', actor: 'batch' } }),
        });
        await untilIsolatedWrites(writers, 5);
      } finally {
        for (const w of writers) w.stop();
        await Promise.all(writing);
      }

      assert.equal(mostRunning, 4, 'the four promotions ran at once');
      for (const [i, r] of results.entries()) {
        const slug = plan[i]!.slug;
        assert.equal(r.outcome, 'promoted', `${slug}: ${r.error}`);
        const checks = r.record!.checks;
        assert.deepEqual(
          checks.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.reason}`),
          [],
          slug,
        );
        assert.equal(checks.find((c) => c.name === 'checksums')?.status, 'pass', `${slug}: checksums equal`);
        assert.ok(
          [...stepsSeen].some((s) => s.startsWith(`${slug} `)),
          `${slug}: the view showed its steps`,
        );
        // Every write the writer committed (before, during and after the switch) is in the new database.
        assert.deepEqual(writers[i]!.errors, [], `${slug}: the writer never failed`);
        assert.ok(
          writers[i]!.committed.shared > sharedWritesBefore[i]!,
          `${slug}: writes during the promotion`,
        );
        assert.ok(writers[i]!.committed.isolated >= 5, `${slug}: writes after the switch`);
        const db = plan[i]!.target.urlFor(deriveNames(slug).database);
        assert.deepEqual(await missingWrites(db, seeds[i]!, writers[i]!.model), [], `${slug}: no write lost`);
        // The tenant's rows left the shared database; its tenants row records its own server.
        for (const [table, where] of TENANT_TABLES)
          assert.deepEqual(await tableRows(f.url, table, where, [before[i]!.id]), [], `${slug}: ${table}`);
        const row = await tenantRow(f, slug);
        assert.equal(row?.isolation_mode, 'isolated');
        assert.equal(row?.settings.isolation?.isolated_server, `127.0.0.1:${plan[i]!.target.server.port}`);
      }
      assert.deepEqual(
        await bystanderRows(f, bystander.id),
        bystanderBefore,
        'the bystander is byte-identical',
      );
      assert.deepEqual(
        await artifacts(f.suffix),
        expectedArtifacts(f),
        'nothing of theirs on the shared server',
      );
      for (const t of [a, b]) {
        const mine = plan.filter((p) => p.target === t).map((p) => deriveNames(p.slug));
        assert.deepEqual(await t.artifacts(f.suffix), {
          databases: mine.map((n) => n.database).sort(),
          roles: mine.flatMap((n) => [n.appRole, n.ownerRole]).sort(),
        });
      }
      const summary = renderBatchSummary(results);
      for (const p of plan)
        assert.match(
          summary,
          new RegExp(`^${p.slug} +127\\.0\\.0\\.1:${p.target.server.port} +promoted `, 'm'),
        );
      assert.match(summary, /4 of 4 tenants succeeded\./);
      console.log(
        `batch of 4 to 2 servers: ${results.map((r) => `${r.slug} ${r.rows} rows ${(r.durationMs / 1000).toFixed(1)} s`).join('; ')}; writes ${writers.map((w) => `${w.committed.shared}+${w.committed.isolated}`).join(', ')} (shared+isolated), freezes ${results.map((r) => r.record?.freezeMs).join(', ')} ms`,
      );
    } finally {
      for (const t of targets) await t.dropArtifacts(f.suffix);
      await rm(configDir, { recursive: true, force: true });
      await f.cleanup();
    }
  });

  it('from the CLI, one tenant whose target refuses fails and is undone alone; the others are promoted; exit 1 and a summary naming it', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const [a, b] = targets as [TargetServer, TargetServer];
    const f = await createSharedFixture({ rows: 40 });
    const configDir = await tempDir('batch-config-');
    try {
      const refused = f.tenants.small;
      const before = await sharedState(f, refused);
      const closed = await closedPort();
      const tenantsFile = join(configDir, 'tenants.yaml');
      await writeFile(
        tenantsFile,
        `# the refused tenant's server is down
tenants:
  - slug: ${f.tenants.main}
    target-database-url-env: TARGET_A
  - slug: ${refused}
    target-database-url: 'postgres://admin:down-pw@127.0.0.1:${closed}/postgres'
  - slug: ${f.tenants.other}
    target-database-url-env: TARGET_B
`,
      );
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = {
        stdout: { write: (s: string) => out.push(s) },
        stderr: { write: (s: string) => err.push(s) },
        env: { DATABASE_URL: f.engineUrl, TARGET_A: a.adminUrl, TARGET_B: b.adminUrl },
        confirm: { interactive: false, show: () => undefined, ask: async () => '' },
      };
      const code = await runCli(
        [
          'promote',
          `--tenants-file=${tenantsFile}`,
          '--parallel=3',
          '--no-cloud-run',
          `--config-dir=${configDir}`,
          '--env-file=/dev/null',
          '--max-freeze-ms=10000',
          '--confirm',
        ],
        io,
      );
      const stdout = out.join('');
      const stderr = err.join('');
      assert.equal(code, 1, stdout + stderr);
      assert.match(
        stdout,
        new RegExp(`^${f.tenants.main} +127\\.0\\.0\\.1:${a.server.port} +promoted `, 'm'),
      );
      assert.match(stdout, new RegExp(`^${refused} +127\\.0\\.0\\.1:${closed} +failed `, 'm'));
      assert.match(
        stdout,
        new RegExp(`^${f.tenants.other} +127\\.0\\.0\\.1:${b.server.port} +promoted `, 'm'),
      );
      assert.match(stdout, new RegExp(`2 of 3 tenants succeeded; failed: ${refused}\\.`));
      assert.match(stdout, new RegExp(`${refused}: .*not reachable`));
      // Plain progress (no TTY): each tenant's steps as lines, prefixed by the tenant.
      assert.match(stderr, new RegExp(`^${f.tenants.main} .*\\[\\d+/\\d+\\] `, 'm'));
      for (const secret of ['down-pw', decodeURIComponent(new URL(a.adminUrl).password)])
        assert.ok(!(stdout + stderr).includes(secret), 'no credential printed');

      assert.equal((await tenantRow(f, f.tenants.main))?.isolation_mode, 'isolated');
      assert.equal((await tenantRow(f, f.tenants.other))?.isolation_mode, 'isolated');
      assert.deepEqual(
        (await sharedState(f, refused, before.id)).mine,
        before.mine,
        'the refused tenant is untouched',
      );
      assert.equal((await tenantRow(f, refused))?.settings.isolation, undefined, 'no claim left behind');
      assert.deepEqual(await a.artifacts(f.suffix), {
        databases: [deriveNames(f.tenants.main).database],
        roles: [deriveNames(f.tenants.main).appRole, deriveNames(f.tenants.main).ownerRole].sort(),
      });
      assert.deepEqual(await b.artifacts(f.suffix), {
        databases: [deriveNames(f.tenants.other).database],
        roles: [deriveNames(f.tenants.other).appRole, deriveNames(f.tenants.other).ownerRole].sort(),
      });
      assert.deepEqual(
        await artifacts(f.suffix),
        expectedArtifacts(f),
        'nothing of the refused tenant on the shared server',
      );
    } finally {
      for (const t of targets) await t.dropArtifacts(f.suffix);
      await rm(configDir, { recursive: true, force: true });
      await f.cleanup();
    }
  });
});
