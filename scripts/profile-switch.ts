/**
 * Profiles the switch's unfrozen part (the switch step minus the freeze) against the copy, and
 * the peak RSS, on the benchmark's shared database (bench-schema.ts), alternating checkouts run
 * by run: measurement, never a check. Each run is `scripts/bench.ts --child` of a checkout (one
 * promotion in a child process: its record, wall time and peak RSS), so a checkout without this
 * script (an older commit's worktree) is measured the same way.
 *
 *   PROFILE_ROWS=1000000 PROFILE_ROUNDS=2 node --import tsx scripts/profile-switch.ts /work/main .
 *
 * Arguments: the checkouts to alternate (default: this one). PROFILE_KEEP=1 leaves the shared
 * database (its name is printed) and PROFILE_DB=<name> reuses it. Prints one line per run (copy,
 * switch, freeze, unfrozen / copy, peak RSS, and the unfrozen phases when the record has them)
 * and the load average.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { deriveNames } from '../src/names';
import type { RunRecord } from '../src/pipeline/record';
import { buildSharedDatabase } from './bench-schema';

const q = pg.escapeIdentifier;
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const rows = Number(process.env.PROFILE_ROWS ?? 1_000_000);
const rounds = Number(process.env.PROFILE_ROUNDS ?? 2);
const checkouts = (process.argv.slice(2).length ? process.argv.slice(2) : ['.']).map((d) => resolve(d));

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function sql(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResultRow[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

async function resetTenant(sharedUrl: string, slug: string): Promise<void> {
  const names = deriveNames(slug);
  await sql(serverUrl, `DROP DATABASE IF EXISTS ${q(names.database)} WITH (FORCE)`);
  for (const role of [names.appRole, names.ownerRole]) await sql(serverUrl, `DROP ROLE IF EXISTS ${q(role)}`);
  await sql(
    sharedUrl,
    `UPDATE tenants SET isolation_mode = 'shared', settings = settings - 'isolation' WHERE slug = $1`,
    [slug],
  );
}

function child(checkout: string, input: unknown): Promise<string> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(checkout, 'scripts/bench.ts'), '--child'], {
      cwd: checkout,
      env: { ...process.env, BENCH_CHILD: JSON.stringify(input) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', fail);
    p.on('exit', (code) =>
      code === 0 ? done(out.trim().split('\n').pop() ?? '') : fail(new Error(`child exited ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  const suffix = process.env.PROFILE_DB?.replace(/^prof_shared_/, '') ?? randomBytes(4).toString('hex');
  const db = `prof_shared_${suffix}`;
  const sharedUrl = withDatabase(serverUrl, db);
  const slug = `bench-${rows}-${suffix}`;
  if (!process.env.PROFILE_DB) {
    await sql(serverUrl, `CREATE DATABASE ${q(db)}`);
    await buildSharedDatabase(
      sharedUrl,
      `prof_app_${suffix}`,
      suffix,
      [
        { slug, rows },
        { slug: `neighbour-${suffix}`, rows: Math.min(100_000, rows) },
      ],
      (t) => void process.stderr.write(`${t}\n`),
    );
  }
  console.log(
    `shared database ${db}; load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  try {
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? checkouts : [...checkouts].reverse();
      for (const checkout of order) {
        await resetTenant(sharedUrl, slug);
        await sql(serverUrl, 'CHECKPOINT');
        const configDir = await mkdtemp(join(tmpdir(), 'profile-config-'));
        try {
          const out = JSON.parse(
            await child(checkout, {
              options: {
                databaseUrl: sharedUrl,
                tenantSlug: slug,
                skipCloudRun: true,
                keepSharedData: true,
                copyParallelism: 1,
                configDir,
                maxFreezeMs: 600_000,
              },
            }),
          ) as { record: RunRecord; wallMs: number; maxRssKb: number };
          const { record } = out;
          const step = (n: string) => record.steps.find((s) => s.name === n)?.durationMs ?? NaN;
          const copy = step('copy');
          const unfrozen = step('switch') - (record.freezeMs ?? NaN);
          const phases = record.freeze?.unfrozenMs;
          console.log(
            `${checkout}: ${record.result}; copy ${copy} ms, switch ${step('switch')} ms, freeze ${record.freezeMs} ms, ` +
              `unfrozen ${Math.round(unfrozen)} ms = ${(unfrozen / copy).toFixed(2)}× copy; wall ${Math.round(out.wallMs)} ms; ` +
              `peak RSS ${(out.maxRssKb / 1024).toFixed(0)} MB` +
              (phases ? `; phases ${JSON.stringify(phases)}` : '') +
              `; load ${loadavg()[0]!.toFixed(1)}`,
          );
        } finally {
          await rm(configDir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    await resetTenant(sharedUrl, slug);
    if (!process.env.PROFILE_KEEP) {
      await sql(serverUrl, `DROP DATABASE IF EXISTS ${q(db)} WITH (FORCE)`);
      await sql(serverUrl, `DROP ROLE IF EXISTS ${q(`prof_app_${suffix}`)}`);
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
