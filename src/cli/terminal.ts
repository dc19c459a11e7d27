import type { Logger } from '../log';
import type { RunRecord, StepRecord } from '../pipeline/record';
import { plainSamples } from '../report/escape';
import { checkDetails, detailCounts, uniqueNotes } from '../report/render';
import { registerSecret, redact } from '../secrets';

/**
 * The CLI's Logger and progress display. Everything goes to stderr (stdout is kept for
 * results such as `--json`). On a TTY the current step or table is one live line rewritten in
 * place; otherwise every event is a plain line, so CI logs and pipes read well.
 */

export interface TerminalStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function fmtBytes(b: number): string {
  if (b < 1024) return `${b} B`;
  if (b < 1024 ** 2) return `${(b / 1024).toFixed(1)} KiB`;
  if (b < 1024 ** 3) return `${(b / 1024 ** 2).toFixed(1)} MiB`;
  return `${(b / 1024 ** 3).toFixed(2)} GiB`;
}

/** Untrusted text (names from the catalog) on one line: control characters cannot move the cursor. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, ' ');
}

/** Without a TTY, a table's progress is printed at most this often. */
const PLAIN_PROGRESS_MS = 5000;

const ICON: Record<StepRecord['status'], string> = {
  pending: ' ',
  running: '…',
  done: '✓',
  skipped: '-',
  failed: '✗',
  undone: '↩',
  'undo-failed': '!',
};

export interface TerminalUi {
  log: Logger;
  /** RunDeps.onChange: prints step transitions. */
  onChange(record: RunRecord): void;
  /** RunDeps.onProgress: per-table copy progress. */
  onProgress(table: string, rows: number, bytes: number): void;
  /** Clears the live line (call before printing a result). */
  done(): void;
}

export function terminalUi(
  stream: TerminalStream = process.stderr,
  opts: { verbose?: boolean; now?: () => number } = {},
): TerminalUi {
  const live = Boolean(stream.isTTY);
  const now = opts.now ?? Date.now;
  let liveText = '';
  const seen = new Map<string, StepRecord['status']>();
  const tableLast = new Map<string, number>();

  const clearLive = () => {
    if (live && liveText) {
      stream.write('\r\x1b[2K');
      liveText = '';
    }
  };
  const line = (text: string) => {
    clearLive();
    stream.write(`${redact(text)}\n`);
  };
  const setLive = (text: string) => {
    if (!live) return;
    const width = Math.max(20, (stream.columns || 80) - 1);
    const t = redact(text);
    liveText = t.length > width ? `${t.slice(0, width - 1)}…` : t;
    stream.write(`\r\x1b[2K${liveText}`);
  };

  const log: Logger = {
    info: (m) => line(m),
    warn: (m) => line(`warning: ${m}`),
    error: (m) => line(`error: ${m}`),
    debug: (m) => {
      if (opts.verbose) line(`debug: ${m}`);
    },
    // Steps are announced by onChange; a group title is only worth a line when debugging.
    group: async (title, fn) => {
      if (opts.verbose) line(`▸ ${title}`);
      return fn();
    },
    secret: (v) => registerSecret(v),
  };

  return {
    log,
    onChange(record) {
      const total = record.steps.length;
      record.steps.forEach((s, i) => {
        if (seen.get(s.name) === s.status) return;
        seen.set(s.name, s.status);
        const n = `[${i + 1}/${total}]`;
        if (s.status === 'running') {
          if (live) setLive(`${n} ${s.title}…`);
          else line(`${n} ${s.title}…`);
        } else if (s.status !== 'pending') {
          const extra = [fmtMs(s.durationMs), s.detail, s.error].filter(Boolean).join(' — ');
          line(`${n} ${ICON[s.status]} ${s.title}${extra ? ` (${extra})` : ''}`);
        }
      });
    },
    onProgress(table, rows, bytes) {
      const text = `    ${table}: ${rows.toLocaleString('en-US')} rows, ${fmtBytes(bytes)}`;
      if (live) return setLive(text);
      // Plain output: the engine logs each table when it finishes, so progress lines are only
      // for long copies: the first after 5 s, then one every 5 s.
      const t = now();
      const last = tableLast.get(table);
      if (last === undefined) return void tableLast.set(table, t);
      if (t - last < PLAIN_PROGRESS_MS) return;
      tableLast.set(table, t);
      line(text);
    },
    done: clearLive,
  };
}

/** Notes printed without -v; the rest are counted. */
export const TERMINAL_NOTES = 10;

/**
 * A short terminal summary of a finished run (the PR comment is the long form). A failed or
 * warned check shows its reason and, when it has several details, their counts per kind;
 * `verbose` (-v) lists every detail of every check.
 */
export function renderRunSummary(record: RunRecord, opts: { verbose?: boolean } = {}): string {
  const out: string[] = [];
  const what = record.operation === 'rollback' ? 'Rollback' : 'Promotion';
  out.push(`${what} of ${record.tenant}: ${record.result}${record.database ? ` (${record.database})` : ''}`);
  if (record.error) {
    out.push(`  error: ${plainSamples(record.error.message)}`);
    if (record.error.hint) out.push(`  hint:  ${plainSamples(record.error.hint)}`);
  }
  if (record.tables.length > 0) {
    const w = Math.max(5, ...record.tables.map((t) => `${t.schema}.${t.name}`.length));
    out.push('');
    out.push(
      `  ${'Table'.padEnd(w)}  ${'Kind'.padEnd(9)}  ${'Planned'.padStart(9)}  ${'Copied'.padStart(9)}  ${'Deleted'.padStart(9)}`,
    );
    for (const t of record.tables) {
      const f = (v: number | undefined) => (v === undefined ? '–' : v.toLocaleString('en-US')).padStart(9);
      out.push(
        `  ${`${t.schema}.${t.name}`.padEnd(w)}  ${t.kind.padEnd(9)}  ${t.plannedEstimated && t.plannedRows !== undefined ? `~${t.plannedRows.toLocaleString('en-US')}`.padStart(9) : f(t.plannedRows)}  ${f(t.copiedRows)}  ${f(t.deletedRows)}`,
      );
    }
  }
  const failedChecks = record.checks.filter((c) => c.status === 'fail' || c.status === 'warn');
  if (record.checks.length > 0) {
    out.push('');
    out.push(
      `  checks: ${record.checks.filter((c) => c.status === 'pass').length}/${record.checks.length} passed`,
    );
    for (const c of opts.verbose ? record.checks : failedChecks) {
      out.push(`    ${c.status}: ${c.title} — ${oneLine(plainSamples(c.reason))}`);
      // Each detail once; the one the reason already says is not repeated.
      const { details, unlisted } = checkDetails(c);
      if (opts.verbose) {
        for (const d of details) out.push(`      ${oneLine(plainSamples(d))}`);
        if (unlisted > 0) out.push(`      … and ${unlisted} more (only counted)`);
      } else if (details.length + unlisted > 1)
        out.push(`      ${oneLine(detailCounts(c.details))} (-v lists them all)`);
      else if (details.length === 1) out.push(`      ${oneLine(plainSamples(details[0]!))}`);
    }
  }
  const notes = uniqueNotes(record.notes);
  if (notes.length > 0) {
    out.push('');
    const shown = opts.verbose ? notes : notes.slice(0, TERMINAL_NOTES);
    for (const n of shown) out.push(`  note: ${oneLine(plainSamples(n))}`);
    if (notes.length > shown.length)
      out.push(`  … and ${notes.length - shown.length} more notes (-v lists them all)`);
  }
  if (record.freezeMs !== undefined) out.push(`  writes frozen for ${fmtMs(record.freezeMs)}`);
  if (record.serviceUrl) out.push(`  service: ${record.serviceUrl}`);
  return redact(out.join('\n')) + '\n';
}
