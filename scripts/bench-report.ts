/**
 * The benchmark's results and their rendering (pure): what `npm run bench` measured, the tables
 * of the README's Performance section, and issue 18's targets, each with MET or MISSED.
 * scripts/bench.ts measures and writes a BenchReport; `--from=a.json,b.json` renders several.
 */

/** One step of one promotion: its time, the rows it read in the shared database, the child's CPU. */
export interface StepSample {
  step: string;
  /** The step's duration in the run record, less the time the benchmark's own hooks took in it. */
  ms: number;
  /** seq_tup_read + idx_tup_fetch over the shared database's tables, as flushed by the step's end. */
  rowsRead: number;
  cpuMs: number;
}

/** The contract writer during the switch (test/support/writer.ts), paced. */
export interface WriterStats {
  pauseMs: number;
  /** Write transactions committed while the switch step ran (shared, then isolated). */
  committedShared: number;
  committedIsolated: number;
  /** The longest write transaction, FOR SHARE included: what the freeze cost the application. */
  maxWaitMs: number;
  errors: number;
  firstError?: string;
  /** Committed writes the new database does not show (must be 0). */
  lost: number;
}

export interface OurRun {
  parallelism: number;
  /** promote() from call to return, inside the child, less the benchmark's hooks. */
  wallMs: number;
  /** The child process from spawn to exit (Node and tsx start-up included). */
  processMs: number;
  maxRssKb: number;
  /** CPU time of the child process (user + system). */
  cpuMs: number;
  /** 1-minute load average when the run started. */
  load1: number;
  rows: number;
  bytes: number;
  freezeMs?: number;
  /** The record's freeze: rows scanned and re-applied under the freeze; the unfrozen part per phase (when recorded). */
  freeze?: { scannedRows: number; reappliedRows: number; unfrozenMs?: Record<string, number> };
  steps: StepSample[];
  /** Rows read in the shared database flushed only when the run's sessions ended. */
  rowsReadAtExit: number;
  checks: { name: string; ms: number; tableMs: Record<string, number> }[];
  /** `table` as the record shows it (schema.name), `qualified` as the checks' tableMs names it. */
  tables: { table: string; qualified: string; rows: number; bytes: number; ms: number }[];
  writer?: WriterStats;
}

export type BaselineMode = 'raw' | 'indexed';

export interface BaselineRun {
  mode: BaselineMode;
  /** The copy of every table, sequentially: the bare pipe. */
  copyMs: number;
  /** raw: the post-data section (indexes, keys, foreign keys) restored after the copy. */
  postDataMs?: number;
  rows: number;
  tables: { table: string; rows: number; ms: number }[];
}

export interface SizeResult {
  size: number;
  slug: string;
  ours: OurRun[];
  baseline: BaselineRun[];
  failures: string[];
}

/** The ~100-row tenant, beside the other tenants' rows and beside an (otherwise) empty shared database. */
export interface TinyResult {
  /** Rows of the other tenants beside it in the big shared database. */
  besideRows: number;
  beside: OurRun[];
  empty: OurRun[];
}

export interface BenchEnv {
  command: string;
  server: string;
  cpus: string;
  node: string;
  baselineSchema: string;
  rounds: number;
  loadAtStart: string;
  loadAtEnd: string;
  at: string;
}

export interface BenchReport {
  env: BenchEnv[];
  idleRssMb: number;
  results: SizeResult[];
  tiny: TinyResult[];
}

// ─── numbers ──────────────────────────────────────────────────────────────────────────────────

export const median = (xs: number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
export const secs = (ms: number): string =>
  Number.isFinite(ms) ? (ms / 1000).toFixed(ms < 10_000 ? 2 : 1) : '–';
export const mb = (bytes: number): number => bytes / 1024 / 1024;
export const human = (n: number): string =>
  n >= 1e6 ? `${Number((n / 1e6).toFixed(1))}M` : n >= 1e3 ? `${Math.round(n / 1e3)}k` : String(n);
const f = (x: number | undefined, digits = 2) =>
  x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
const range = (xs: number[], digits = 1) =>
  xs.length ? `${f(Math.min(...xs), digits)}–${f(Math.max(...xs), digits)}` : '–';

/** The parallelism the targets are judged at: the tool's default (2) when it ran, else the highest. */
export const DEFAULT_PARALLELISM = 2;

const stepMs = (o: OurRun, step: string) => o.steps.find((s) => s.step === step)?.ms ?? NaN;
const rowsRead = (o: OurRun) => o.steps.reduce((n, s) => n + s.rowsRead, 0) + o.rowsReadAtExit;

// ─── summaries ────────────────────────────────────────────────────────────────────────────────

export interface Summary {
  size: number;
  parallelism: number;
  runs: number;
  rows: number;
  bytes: number;
  wallMs: number;
  pipeMs: number;
  postDataMs: number;
  /** Median over rounds of the pipe followed by the post-data restore. */
  pipePostMs: number;
  indexedMs: number;
  copyMs: number;
  copyMinMs: number;
  copyMaxMs: number;
  largestTable?: { table: string; ms: number; bytesShare: number };
  validateMs: number;
  switchMs: number;
  freezeMs: number;
  /** Median of (switch − freeze) per run. */
  unfrozenMs: number;
  reappliedRows: number;
  /** Median ms per phase of the unfrozen part, as the record splits it. */
  unfrozenPhases: [string, number][];
  writer?: { commits: number; maxWaitMs: number; lost: number; errors: number; firstError?: string };
  maxRssMb: number;
  loads: number[];
}

export function summarise(r: SizeResult): Summary[] {
  const raw = r.baseline.filter((b) => b.mode === 'raw');
  const indexed = r.baseline.filter((b) => b.mode === 'indexed');
  const byP = new Map<number, OurRun[]>();
  for (const o of r.ours) byP.set(o.parallelism, [...(byP.get(o.parallelism) ?? []), o]);
  return [...byP.entries()]
    .sort(([a], [b]) => a - b)
    .map(([parallelism, runs]) => {
      const copies = runs.map((o) => stepMs(o, 'copy'));
      const copyMs = median(copies);
      const first = runs[0]!;
      const biggest = [...first.tables].sort((a, b) => b.bytes - a.bytes)[0];
      const writers = runs.flatMap((o) => (o.writer ? [o.writer] : []));
      return {
        size: r.size,
        parallelism,
        runs: runs.length,
        rows: first.rows,
        bytes: first.bytes,
        wallMs: median(runs.map((o) => o.wallMs)),
        pipeMs: median(raw.map((b) => b.copyMs)),
        postDataMs: median(raw.map((b) => b.postDataMs ?? NaN)),
        pipePostMs: median(raw.map((b) => b.copyMs + (b.postDataMs ?? NaN))),
        indexedMs: median(indexed.map((b) => b.copyMs)),
        copyMs,
        copyMinMs: Math.min(...copies),
        copyMaxMs: Math.max(...copies),
        largestTable: biggest && {
          table: biggest.table,
          ms: median(runs.map((o) => o.tables.find((t) => t.table === biggest.table)?.ms ?? NaN)),
          bytesShare: first.bytes ? biggest.bytes / first.bytes : NaN,
        },
        validateMs: median(runs.map((o) => stepMs(o, 'validate'))),
        switchMs: median(runs.map((o) => stepMs(o, 'switch'))),
        freezeMs: median(runs.map((o) => o.freezeMs ?? NaN)),
        unfrozenMs: median(runs.map((o) => stepMs(o, 'switch') - (o.freezeMs ?? NaN))),
        reappliedRows: median(runs.map((o) => o.freeze?.reappliedRows ?? NaN)),
        unfrozenPhases: [...new Set(runs.flatMap((o) => Object.keys(o.freeze?.unfrozenMs ?? {})))].map(
          (phase) =>
            [phase, median(runs.map((o) => o.freeze?.unfrozenMs?.[phase] ?? NaN))] as [string, number],
        ),
        writer: writers.length
          ? {
              commits: median(writers.map((w) => w.committedShared + w.committedIsolated)),
              maxWaitMs: Math.max(...writers.map((w) => w.maxWaitMs)),
              lost: writers.reduce((n, w) => n + w.lost, 0),
              errors: writers.reduce((n, w) => n + w.errors, 0),
              firstError: writers.find((w) => w.firstError)?.firstError,
            }
          : undefined,
        maxRssMb: Math.max(...runs.map((o) => o.maxRssKb)) / 1024,
        loads: runs.map((o) => o.load1),
      };
    });
}

/** Per step, the medians over runs: ms, rows read in the shared database, child CPU ms. */
export function medianSteps(runs: OurRun[]): StepSample[] {
  const names = [...new Set(runs.flatMap((r) => r.steps.map((s) => s.step)))];
  const of = (name: string, key: 'ms' | 'rowsRead' | 'cpuMs') =>
    median(runs.map((r) => r.steps.find((s) => s.step === name)?.[key] ?? 0));
  return names.map((step) => ({
    step,
    ms: of(step, 'ms'),
    rowsRead: of(step, 'rowsRead'),
    cpuMs: of(step, 'cpuMs'),
  }));
}

// ─── targets (issue 18) ───────────────────────────────────────────────────────────────────────

export interface Verdict {
  target: number;
  text: string;
  /** undefined: reported, not judged (e.g. a figure that needs two sizes). */
  met?: boolean;
}

function judged(summaries: Summary[]): Summary[] {
  const out: Summary[] = [];
  for (const size of [...new Set(summaries.map((s) => s.size))]) {
    const at = summaries.filter((s) => s.size === size);
    out.push(
      at.find((s) => s.parallelism === DEFAULT_PARALLELISM) ??
        at.reduce((a, b) => (b.parallelism > a.parallelism ? b : a)),
    );
  }
  return out;
}

export function targets(report: BenchReport): Verdict[] {
  const summaries = report.results.flatMap(summarise);
  const out: Verdict[] = [];
  const at = (s: Summary) => `${human(s.size)}, parallelism ${s.parallelism}`;
  for (const s of judged(summaries)) {
    const r = s.wallMs / s.pipeMs;
    out.push({
      target: 1,
      text: `${at(s)}: end to end ${secs(s.wallMs)} s = ${f(r)}× the bare pipe (${secs(s.pipeMs)} s; ≤ 1.5×, stretch ≤ 1.25×${r <= 1.25 ? ': stretch met' : ''}); ${f(s.wallMs / s.pipePostMs)}× the pipe + post-data (${secs(s.pipePostMs)} s)`,
      met: Number.isFinite(r) ? r <= 1.5 : undefined,
    });
  }
  for (const s of judged(summaries)) {
    const r = s.validateMs / s.copyMs;
    out.push({
      target: 2,
      text: `${at(s)}: checks (validate step) ${secs(s.validateMs)} s = ${f(r)}× the copy (${secs(s.copyMs)} s; ≤ 0.3×)`,
      met: Number.isFinite(r) ? r <= 0.3 : undefined,
    });
  }
  for (const size of [...new Set(summaries.map((s) => s.size))]) {
    const p1 = summaries.find((s) => s.size === size && s.parallelism === 1);
    for (const p of summaries.filter((s) => s.size === size && s.parallelism > 1)) {
      if (!p1) break;
      const r = p.copyMs / p1.copyMs;
      out.push({
        target: 3,
        text: `${human(size)}: copy at parallelism ${p.parallelism} ${secs(p.copyMs)} s = ${f(r)}× parallelism 1 (${secs(p1.copyMs)} s; never slower: ≤ 1×)`,
        met: Number.isFinite(r) ? r <= 1 : undefined,
      });
    }
  }
  for (const s of judged(summaries)) {
    const r = s.copyMs / s.pipeMs;
    const lt = s.largestTable;
    out.push({
      target: 3,
      text: `${at(s)}: copy ${secs(s.copyMs)} s = ${f(r)}× the bare pipe (at least as fast: ≤ 1×)${lt ? `; largest table ${lt.table} (${f(lt.bytesShare * 100, 0)} % of the bytes) ${secs(lt.ms)} s = ${f(lt.ms / s.copyMs)} of the copy` : ''}`,
      met: Number.isFinite(r) ? r <= 1 : undefined,
    });
  }
  for (const t of report.tiny) {
    const beside = median(t.beside.map((o) => o.wallMs));
    const empty = median(t.empty.map((o) => o.wallMs));
    const r = beside / empty;
    out.push({
      target: 4,
      text: `~${t.beside[0]?.rows ?? '?'}-row tenant beside ${human(t.besideRows)} other rows: ${secs(beside)} s end to end (≤ 1.5 s), ${f(r)}× the same beside an empty shared database (${secs(empty)} s; ≤ 1.2×); rows read in the shared database ${Math.round(median(t.beside.map(rowsRead)))} vs ${Math.round(median(t.empty.map(rowsRead)))}`,
      met: Number.isFinite(r) ? beside <= 1500 && r <= 1.2 : undefined,
    });
  }
  for (const s of judged(summaries)) {
    const r = s.unfrozenMs / s.copyMs;
    const w = s.writer;
    out.push({
      target: 5,
      text: `${at(s)}: switch ${secs(s.switchMs)} s, unfrozen ${secs(s.unfrozenMs)} s = ${f(r)}× the copy (≤ 0.2×); frozen ${secs(s.freezeMs)} s${w ? ` with the contract writer (${Math.round(w.commits)} writes per switch, longest ${secs(w.maxWaitMs)} s, ${w.lost} lost${w.errors ? `, ${w.errors} errors` : ''})` : ' (no writer)'}`,
      met: Number.isFinite(r) ? r <= 0.2 && (w?.lost ?? 0) === 0 : undefined,
    });
  }
  const all = [
    ...report.results.flatMap((r) => r.ours),
    ...report.tiny.flatMap((t) => [...t.beside, ...t.empty]),
  ];
  if (all.length) {
    const maxRss = Math.max(...all.map((o) => o.maxRssKb)) / 1024;
    out.push({
      target: 6,
      text: `peak RSS ${f(maxRss, 0)} MB, the most of all runs (≤ 150 MB; a child that only loads the modules: ${f(report.idleRssMb, 0)} MB)`,
      met: maxRss <= 150,
    });
  }
  const rssAt = (size: number) => {
    const runs = report.results.filter((r) => r.size === size).flatMap((r) => r.ours);
    return runs.length ? Math.max(...runs.map((o) => o.maxRssKb)) / 1024 : undefined;
  };
  const m1 = rssAt(1_000_000);
  const m5 = rssAt(5_000_000);
  if (m1 !== undefined && m5 !== undefined) {
    out.push({
      target: 6,
      text: `peak RSS 1M → 5M: ${f(m1, 0)} → ${f(m5, 0)} MB (flat: ≤ +10 %)`,
      met: m5 <= m1 * 1.1,
    });
  }
  return out;
}

// ─── markdown ─────────────────────────────────────────────────────────────────────────────────

export function renderReport(report: BenchReport): string {
  const lines: string[] = [];
  const summaries = report.results.flatMap(summarise);
  for (const e of report.env) {
    lines.push(
      `\`${e.command}\` (${e.at}): ${e.server}, ${e.cpus} CPUs, Node ${e.node}, ${e.rounds} round(s); baseline schema from ${e.baselineSchema}; load average (1, 5, 15 min) ${e.loadAtStart} at start, ${e.loadAtEnd} at end.`,
      '',
    );
  }
  if (summaries.length) {
    lines.push('#### End to end, copy and memory (medians)', '');
    lines.push(
      '| tenant rows | MB | parallelism | runs | end to end | bare pipe | ÷ pipe | pipe + post-data | ÷ pipe + post-data | copy (min–max) | copy ÷ pipe | largest table in the copy | peak RSS | load (1 min) |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|',
    );
    for (const s of summaries) {
      const lt = s.largestTable;
      lines.push(
        `| ${human(s.size)} (${s.rows}) | ${f(mb(s.bytes), 0)} | ${s.parallelism} | ${s.runs} | ${secs(s.wallMs)} s | ${secs(s.pipeMs)} s | ${f(s.wallMs / s.pipeMs)}× | ${secs(s.pipePostMs)} s | ${f(s.wallMs / s.pipePostMs)}× | ${secs(s.copyMs)} s (${secs(s.copyMinMs)}–${secs(s.copyMaxMs)}) | ${f(s.copyMs / s.pipeMs)}× | ${lt ? `${lt.table} ${secs(lt.ms)} s (${f(lt.bytesShare * 100, 0)} % of bytes)` : '–'} | ${f(s.maxRssMb, 0)} MB | ${range(s.loads)} |`,
      );
    }
    lines.push('');
    lines.push('#### The proof and the switch (medians)', '');
    lines.push(
      '| tenant rows | parallelism | checks | ÷ copy | switch | frozen | unfrozen | ÷ copy | unfrozen by phase (ms) | rows re-applied frozen | contract writer during the switch |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|',
    );
    for (const s of summaries) {
      const w = s.writer;
      lines.push(
        `| ${human(s.size)} | ${s.parallelism} | ${secs(s.validateMs)} s | ${f(s.validateMs / s.copyMs)}× | ${secs(s.switchMs)} s | ${secs(s.freezeMs)} s | ${secs(s.unfrozenMs)} s | ${f(s.unfrozenMs / s.copyMs)}× | ${s.unfrozenPhases.map(([p, ms]) => `${p} ${f(ms, 0)}`).join(', ') || '–'} | ${f(s.reappliedRows, 0)} | ${w ? `${Math.round(w.commits)} writes, longest ${secs(w.maxWaitMs)} s, ${w.lost} lost${w.errors ? `, ${w.errors} errors (${w.firstError ?? ''})` : ''}` : '–'} |`,
      );
    }
    lines.push('');
  }
  lines.push(...renderSteps(report.results));
  for (const r of report.results) lines.push(...renderChecks(r));
  for (const t of report.tiny) lines.push(...renderTiny(t));
  lines.push('#### Targets (issue 18)', '');
  for (const v of targets(report)) {
    lines.push(
      `- ${v.target}. ${v.text}: **${v.met === undefined ? 'not measured' : v.met ? 'MET' : 'MISSED'}**`,
    );
  }
  const failures = report.results.flatMap((r) => r.failures.map((x) => `${human(r.size)} ${x}`));
  if (failures.length) lines.push('', '#### Failed runs', '', ...failures.map((x) => `- ${x}`));
  lines.push('');
  return lines.join('\n');
}

/** Where the time goes: per step and size, at the judged parallelism, ms, rows read in the shared database, CPU. */
function renderSteps(results: SizeResult[]): string[] {
  const sized = results
    .map((r) => {
      const p = judged(summarise(r))[0]?.parallelism;
      return { size: r.size, p, steps: medianSteps(r.ours.filter((o) => o.parallelism === p)) };
    })
    .filter((x) => x.steps.length);
  if (!sized.length) return [];
  const names = [...new Set(sized.flatMap((x) => x.steps.map((s) => s.step)))];
  const lines = [
    `#### Where the time goes (medians per step, parallelism ${sized.map((x) => `${x.p} at ${human(x.size)}`).join(', ')})`,
    '',
    `| step | ${sized.map((x) => `${human(x.size)}: ms | rows read in shared | CPU ms`).join(' | ')} |`,
    `|---|${sized.map(() => '---:|---:|---:').join('|')}|`,
  ];
  for (const n of names) {
    const cells = sized.map((x) => {
      const st = x.steps.find((s) => s.step === n);
      return st ? `${f(st.ms, 0)} | ${f(st.rowsRead, 0)} | ${f(st.cpuMs, 0)}` : '– | – | –';
    });
    lines.push(`| ${n} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  return lines;
}

/** Each check's cost per row, and per table for the checks that go table by table. */
function renderChecks(r: SizeResult): string[] {
  const runs = r.ours;
  if (!runs.length) return [];
  const rows = runs[0]!.rows;
  const names = [...new Set(runs.flatMap((o) => o.checks.map((c) => c.name)))];
  const checkMs = (name: string) => median(runs.map((o) => o.checks.find((c) => c.name === name)?.ms ?? NaN));
  const lines = [
    `#### Checks at ${human(r.size)} rows (medians of ${runs.length} runs; up to 3 checks run at once)`,
    '',
    '| check | ms | µs per row |',
    '|---|---:|---:|',
  ];
  for (const n of names) lines.push(`| ${n} | ${f(checkMs(n), 0)} | ${f((checkMs(n) * 1000) / rows)} |`);
  lines.push('');
  const tabled = names.filter((n) =>
    runs.some((o) => Object.keys(o.checks.find((c) => c.name === n)?.tableMs ?? {}).length),
  );
  if (tabled.length) {
    lines.push(
      `| table | rows | ${tabled.map((n) => `${n} ms (µs/row)`).join(' | ')} |`,
      `|---|---:|${tabled.map(() => '---:').join('|')}|`,
    );
    for (const t of runs[0]!.tables) {
      const cells = tabled.map((n) => {
        const ms = median(runs.map((o) => o.checks.find((c) => c.name === n)?.tableMs[t.qualified] ?? NaN));
        return `${f(ms, 0)} (${t.rows ? f((ms * 1000) / t.rows) : '–'})`;
      });
      lines.push(`| ${t.table} | ${t.rows} | ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  return lines;
}

/** Target 4: per step, time, rows read in the shared database and the child's CPU, beside and alone. */
function renderTiny(t: TinyResult): string[] {
  if (!t.beside.length && !t.empty.length) return [];
  const a = medianSteps(t.beside);
  const b = medianSteps(t.empty);
  const names = [...new Set([...a, ...b].map((s) => s.step))];
  const lines = [
    `#### A ~${(t.beside[0] ?? t.empty[0])!.rows}-row tenant beside ${human(t.besideRows)} other tenants' rows, and beside an empty shared database (medians of ${t.beside.length} and ${t.empty.length})`,
    '',
    '| step | beside: ms | rows read | CPU ms | empty: ms | rows read | CPU ms |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  const cell = (s: StepSample | undefined) =>
    s ? `${f(s.ms, 0)} | ${f(s.rowsRead, 0)} | ${f(s.cpuMs, 0)}` : '– | – | –';
  for (const n of names) {
    lines.push(`| ${n} | ${cell(a.find((s) => s.step === n))} | ${cell(b.find((s) => s.step === n))} |`);
  }
  const atExit = (runs: OurRun[]) => f(median(runs.map((o) => o.rowsReadAtExit)), 0);
  lines.push(`| (sessions' exit) | | ${atExit(t.beside)} | | | ${atExit(t.empty)} | |`);
  const total = (runs: OurRun[]) =>
    `${secs(median(runs.map((o) => o.wallMs)))} s | ${f(median(runs.map(rowsRead)), 0)} | ${f(median(runs.map((o) => o.cpuMs)), 0)}`;
  lines.push(`| **end to end** | ${total(t.beside)} | ${total(t.empty)} |`, '');
  lines.push(
    "Rows read: `pg_stat_user_tables` seq_tup_read + idx_tup_fetch of the shared database, sampled after each step; a session's counts reach the view when it goes idle (at most once a second) or ends, so a step's reads may show under a later one, and those of sessions still open at the end under \"sessions' exit\". CPU: the child process (the tool), not the server.",
    '',
  );
  return lines;
}
