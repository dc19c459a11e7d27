/**
 * What `--parallel` buys: the same four tenants promoted to two target servers (two embedded
 * PostgreSQL 15, npm) by the CLI's batch runner, one at a time and all at once, each run on a
 * fresh fixture of the same size (so every run copies the same rows); the order alternates per
 * round. Prints the batch's wall time and the sum of the tenants' own times.
 *
 *   node --import tsx scripts/bench-batch.ts [--rows=2000] [--rounds=1]
 */
import { planBatch, runBatch, type BatchView } from '../src/cli/batch';
import { resolveConfig } from '../src/cli/config';
import { promote } from '../src/pipeline/promote';
import { createSharedFixture } from '../test/support/fixture';
import { startTargetServer, type TargetServer } from '../test/support/target-server';
import { tempDir } from '../test/support/tmp';

const arg = (name: string, def: number) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : def;
};

const quiet: BatchView = { update: () => undefined, line: () => undefined, done: () => undefined };

async function round(targets: TargetServer[], parallel: number, rows: number) {
  const f = await createSharedFixture({ rows });
  const configDir = await tempDir('bench-batch-');
  try {
    const slugs = [f.tenants.main, f.tenants.small, f.tenants.other, f.tenants.empty];
    const items = planBatch({
      slugs: [],
      file: {
        path: 'bench',
        entries: slugs.map((slug, i) => ({
          slug,
          'target-database-url': targets[i % targets.length]!.adminUrl,
        })),
      },
      flags: { cloudRun: false, configDir, maxFreezeMs: '10000' },
      env: {},
      resolve: (flags) => resolveConfig({ flags, env: { DATABASE_URL: f.engineUrl } }).options,
    });
    const started = performance.now();
    const results = await runBatch(items, {
      parallel,
      view: quiet,
      run: (item, deps) => promote(item.options, { ...deps, trigger: { source: 'test', actor: 'bench' } }),
    });
    const wallMs = performance.now() - started;
    const failed = results.filter((r) => r.outcome === 'failed');
    if (failed.length) throw new Error(`failed: ${failed.map((r) => `${r.slug}: ${r.error}`).join('; ')}`);
    const rowsCopied = results.reduce((s, r) => s + r.rows, 0);
    const sumMs = results.reduce((s, r) => s + r.durationMs, 0);
    console.log(
      `parallel ${parallel}: 4 tenants, ${rowsCopied} rows, wall ${(wallMs / 1000).toFixed(1)} s, sum of tenant times ${(sumMs / 1000).toFixed(1)} s`,
    );
    return wallMs;
  } finally {
    for (const t of targets) await t.dropArtifacts(f.suffix);
    await f.cleanup();
  }
}

async function main() {
  const rows = arg('rows', 2000);
  const rounds = arg('rounds', 1);
  const targets: TargetServer[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const s = await startTargetServer(15);
      if ('skip' in s) throw new Error(s.skip);
      targets.push(s.target);
    }
    for (let r = 0; r < rounds; r++) {
      // Alternating order, so neither setting always runs on a warmer machine.
      for (const p of r % 2 === 0 ? [1, 4] : [4, 1]) await round(targets, p, rows);
    }
  } finally {
    for (const t of targets) await t.stop();
  }
}

void main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
