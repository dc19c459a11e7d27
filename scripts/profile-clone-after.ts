/**
 * Times the step `clone-schema-after` (indexes, keys, foreign keys, ANALYZE after the copy) on a
 * benchmark tenant, alternating checkouts run by run: measurement, never a check. Each run is a
 * child process promoting the tenant with the checkout's own `promote()` up to that step, then
 * failing on purpose at the start of the next one (the undo drops the database), so a run costs
 * plan, rehearsal, copy and the step, not the checks and the switch.
 *
 *   node --import tsx scripts/profile-clone-after.ts --db=bench_shared_SUFFIX --slug=bench-1000000-SUFFIX \
 *     --rounds=3 /path/to/old/checkout .
 *
 * The shared database is one `npm run bench -- --sizes=1m --rounds=0 --keep` left. A checkout
 * needs only `src/` (and node_modules). Prints one line per run (the step's ms, the copy's) and the
 * load average, then the medians. `--stop-after=validate` runs the checks too and times them.
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** The step that runs after each measured one (deploy is skipped without Cloud Run). */
const NEXT_STEP: Record<string, string> = { 'clone-schema-after': 'validate', validate: 'switch' };

interface ChildInput {
  checkout: string;
  db: string;
  slug: string;
  parallelism: number;
  /** The step after which the run stops (default clone-schema-after; `validate` times the checks too). */
  stopAfter: string;
}

async function childMain(input: ChildInput): Promise<void> {
  const { promote } = (await import(pathToFileURL(join(input.checkout, 'src/pipeline/promote.ts')).href)) as {
    promote: (
      o: unknown,
      d: unknown,
    ) => Promise<{ record: { steps: { name: string; durationMs?: number; status: string }[] } }>;
  };
  const { memoryLogger } = (await import(pathToFileURL(join(input.checkout, 'src/log.ts')).href)) as {
    memoryLogger: () => { lines: string[] };
  };
  const log = memoryLogger() as { lines: string[] };
  const { record } = await promote(
    {
      databaseUrl: withDatabase(serverUrl, input.db),
      tenantSlug: input.slug,
      skipCloudRun: true,
      keepSharedData: true,
      copyParallelism: input.parallelism,
      configDir: await mkdtemp(join(tmpdir(), 'profile-after-')),
    },
    {
      log,
      trigger: { source: 'bench', actor: 'bench' },
      fault: (point: string) => {
        // Stopped before the next step that runs: a step that fails has its undo in its own
        // time (runner.ts), so failing right after the step would add the undo to it.
        if (point === `before:${NEXT_STEP[input.stopAfter]}`)
          throw new Error(`profile: stop after ${input.stopAfter}`);
      },
    },
  );
  const ms = (name: string) => record.steps.find((s) => s.name === name);
  // The step's own lines (the stages, ANALYZE), between its group title and the next one.
  const from = log.lines.findIndex((l) => l.startsWith('## ') && /after data/i.test(l));
  if (from >= 0)
    for (const l of log.lines.slice(from + 1)) {
      if (l.startsWith('## ')) break;
      process.stderr.write(`    ${l}\n`);
    }
  for (const s of record.steps)
    if (s.status === 'failed')
      process.stderr.write(`    step ${s.name}: ${s.status} after ${s.durationMs} ms\n`);
  process.stdout.write(
    `${JSON.stringify({ after: ms('clone-schema-after'), copy: ms('copy')?.durationMs, validate: ms('validate')?.durationMs })}\n`,
  );
}

function child(
  input: ChildInput,
): Promise<{ after?: { durationMs?: number; status: string }; copy?: number; validate?: number }> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, ['--import', 'tsx', resolve(process.argv[1]!), '--child'], {
      env: { ...process.env, PROFILE_CHILD: JSON.stringify(input) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', fail);
    p.on('exit', (code) =>
      code === 0
        ? done(JSON.parse(out.trim().split('\n').pop() ?? '{}') as never)
        : fail(new Error(`child exited ${code}`)),
    );
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : NaN;
};

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return childMain(JSON.parse(process.env.PROFILE_CHILD!) as ChildInput);
  const flags = new Map(
    process.argv
      .slice(2)
      .filter((a) => a.startsWith('--'))
      .map((a) => a.slice(2).split('=') as [string, string]),
  );
  const checkouts = process.argv
    .slice(2)
    .filter((a) => !a.startsWith('--'))
    .map((d) => resolve(d));
  const db = flags.get('db');
  const slug = flags.get('slug');
  if (!db || !slug || checkouts.length === 0)
    throw new Error('usage: --db=… --slug=… [--rounds=N] checkout…');
  const rounds = Number(flags.get('rounds') ?? 3);
  const parallelism = Number(flags.get('parallelism') ?? 2);
  const stopAfter = flags.get('stop-after') ?? 'clone-schema-after';
  const checks = new Map(checkouts.map((c) => [c, [] as number[]]));
  const times = new Map(checkouts.map((c) => [c, [] as number[]]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? checkouts : [...checkouts].reverse();
    for (const checkout of order) {
      const load = loadavg()[0]!.toFixed(1);
      const out = await child({ checkout, db, slug, parallelism, stopAfter });
      const ms = out.after?.durationMs ?? NaN;
      times.get(checkout)!.push(ms);
      if (out.validate !== undefined) checks.get(checkout)!.push(out.validate);
      const checked = out.validate === undefined ? '' : `, validate ${out.validate} ms`;
      console.log(
        `round ${r + 1} ${checkout}: clone-schema-after ${ms} ms, copy ${out.copy} ms${checked}, load ${load}`,
      );
    }
  }
  for (const [c, t] of times) {
    const v = checks.get(c)!;
    console.log(
      `median ${c}: clone-schema-after ${median(t)} ms (${t.join(', ')})${v.length ? `; validate ${median(v)} ms (${v.join(', ')})` : ''}`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
