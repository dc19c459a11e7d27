import { isValidSlug } from '../names';
import type { CheckRecord, RunRecord, StepRecord, TableRecord } from '../pipeline/record';
import { code, escapeInline, plainSamples, truncate } from './escape';

/** GitHub rejects comment bodies over 65,536 characters; keep a margin for the truncation note. */
export const COMMENT_LIMIT = 65_536;
/** The job summary allows 1 MiB per step. */
export const SUMMARY_LIMIT = 1_000_000;

/** A marker no slug can produce, for reports about a run whose tenant could not be resolved. */
export const UNRESOLVED_TENANT = '(unresolved)';

export interface RenderContext {
  /** Link to the workflow run, shown in the footer. */
  runUrl?: string;
  /** Character budget; defaults to the comment limit. */
  limit?: number;
  /** Whether the body starts with the hidden marker (comments: yes, summaries: no). */
  marker?: boolean;
  /** An extra paragraph under the outcome line (e.g. the post step's "cancelled" note). */
  notice?: string;
  /** Details listed per check (default COMMENT_DETAILS; the job summary lists SUMMARY_DETAILS). */
  maxDetails?: number;
}

/** The hidden marker that finds this tenant's comment again on a re-run. */
export function commentMarker(tenant: string): string {
  return `<!-- tenant-promotion:${isValidSlug(tenant) ? tenant : UNRESOLVED_TENANT} -->`;
}

const STEP_ICON: Record<StepRecord['status'], string> = {
  pending: '⬜ pending',
  running: '⏳ running',
  done: '✅ done',
  skipped: '⏭️ skipped',
  failed: '❌ failed',
  undone: '↩️ undone',
  'undo-failed': '⚠️ undo failed',
};
const CHECK_ICON: Record<CheckRecord['status'], string> = {
  pass: '✅ pass',
  warn: '⚠️ warn',
  fail: '❌ fail',
  skip: '⏭️ skip',
};

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function num(n: number | undefined): string {
  return n === undefined ? '–' : n.toLocaleString('en-US');
}

/** The one line that says how the run ended. Never truncated. */
export function outcomeLine(record: RunRecord): string {
  const t = code(record.tenant, 63);
  const db = record.database ? ` ${code(record.database)}` : '';
  const what = record.operation === 'rollback' ? 'Rollback' : 'Promotion';
  switch (record.result) {
    case 'promoted':
      return `### ✅ Tenant ${t} promoted to its own database${db}`;
    case 'already-isolated':
      return `### ℹ️ Tenant ${t} is already isolated${db}: nothing to do`;
    case 'dry-run':
      return `### 📝 Dry run: ${what.toLowerCase()} of tenant ${t} planned, nothing changed`;
    case 'skipped':
      return `### ⏭️ ${what} of tenant ${t} skipped`;
    case 'rolled-back':
      return `### ↩️ Tenant ${t} rolled back to the shared database`;
    case 'running':
      return `### ⏳ ${what} of tenant ${t} in progress…`;
    case 'failed': {
      const step = record.error?.step && record.steps.find((s) => s.name === record.error?.step);
      const at = step ? ` at step “${escapeInline(step.title, 80)}”` : '';
      const state = record.committed
        ? 'the switch had already happened, re-run to resume'
        : record.undone.length > 0
          ? 'everything it created was undone'
          : 'nothing was changed';
      return `### ❌ ${what} of tenant ${t} failed${at}: ${state}`;
    }
  }
}

function keyFacts(record: RunRecord): string {
  const rows: [string, string][] = [
    ['Tenant', code(record.tenant, 63)],
    ['Operation', record.operation],
  ];
  if (record.database) rows.push(['Database', code(record.database)]);
  if (record.serviceUrl) rows.push(['Service URL', code(record.serviceUrl, 300)]);
  if (record.revision) rows.push(['Revision', code(record.revision)]);
  if (record.freezeMs !== undefined) rows.push(['Writes blocked', formatDuration(record.freezeMs)]);
  if (record.trigger.actor) rows.push(['Requested by', escapeInline(record.trigger.actor, 60)]);
  rows.push(['Trigger', escapeInline(record.trigger.source, 200)]);
  const total = totalMs(record);
  if (total !== undefined) rows.push(['Duration', formatDuration(total)]);
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

function totalMs(record: RunRecord): number | undefined {
  if (!record.finishedAt) return undefined;
  const ms = Date.parse(record.finishedAt) - Date.parse(record.startedAt);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

function failureSection(record: RunRecord): string | undefined {
  if (!record.error) return undefined;
  const lines = ['#### What failed'];
  const step = record.error.step && record.steps.find((s) => s.name === record.error?.step);
  lines.push(
    `${step ? `**${escapeInline(step.title, 120)}**: ` : ''}${escapeInline(plainSamples(record.error.message), 2000)}`,
  );
  if (record.error.hint) lines.push('', `**Hint:** ${escapeInline(plainSamples(record.error.hint), 1000)}`);
  const titles = (names: string[]) =>
    names.map((n) => escapeInline(record.steps.find((s) => s.name === n)?.title ?? n, 120));
  if (record.undone.length > 0)
    lines.push('', `**Undone** (in this order): ${titles(record.undone).join(' → ')}`);
  const undoFailed = record.steps.filter((s) => s.status === 'undo-failed');
  if (undoFailed.length > 0)
    lines.push(
      '',
      `**Could not undo:** ${undoFailed.map((s) => `${escapeInline(s.title, 120)} (${escapeInline(s.error ?? 'unknown error', 300)})`).join('; ')}. Clean these up by hand or re-run.`,
    );
  if (record.committed)
    lines.push(
      '',
      'The switch (the commit point) had already happened: nothing was undone, and a re-run resumes from here.',
    );
  return lines.join('\n');
}

function stepsTable(steps: StepRecord[]): string | undefined {
  if (steps.length === 0) return undefined;
  const rows = steps.map((s) => {
    const detail = s.error ?? s.detail;
    return `| ${escapeInline(s.title, 120)} | ${STEP_ICON[s.status]} | ${formatDuration(s.durationMs)} | ${detail ? escapeInline(plainSamples(detail), 300) : ''} |`;
  });
  return ['#### Steps', '| Step | Status | Duration | Detail |', '|---|---|---:|---|', ...rows].join('\n');
}

/** Details shown per check in the PR comment; longer lists get counts per kind, and all are in the job summary. */
export const COMMENT_DETAILS = 5;
/** Details shown per check in the job summary (1 MiB): in practice all; the record and `--json` hold every one. */
export const SUMMARY_DETAILS = 2_000;

/** Schema-parity categories (see validation/schema-parity.ts): a detail line starts with one. */
const CATEGORIES = [
  'row security',
  'table',
  'column',
  'constraint',
  'index',
  'sequence',
  'policy',
  'trigger',
  'view',
  'type',
  'function',
  'extension',
];

/**
 * The kind of a check's detail line, for counts: the catalog category of a schema-parity line
 * ("constraint", "index"…), else its subject — the table (or first word) it starts with.
 */
export function detailKind(detail: string): string {
  for (const c of CATEGORIES) if (detail.startsWith(`${c} `)) return c;
  const subject = /^("(?:[^"]|"")*"(?:\."(?:[^"]|"")*")?|[^\s:]+)/.exec(detail.trim());
  return subject?.[1] ?? 'other';
}

/** The marker `capDetails` (validation/check.ts) ends a capped list with: `… and N more`. */
const CAPPED = /^… and (\d+) more$/;

/**
 * A check's details as a reader should count them: each once, in order, without the one its
 * reason already says (checks make their first finding the reason), and without the marker of
 * a capped list, whose count is returned as `unlisted`.
 */
export function checkDetails(c: Pick<CheckRecord, 'reason' | 'details'>): {
  details: string[];
  unlisted: number;
} {
  const seen = new Set<string>([c.reason]);
  const details: string[] = [];
  let unlisted = 0;
  for (const d of c.details) {
    const capped = CAPPED.exec(d);
    if (capped) {
      unlisted += Number(capped[1]);
      continue;
    }
    if (seen.has(d)) continue;
    seen.add(d);
    details.push(d);
  }
  return { details, unlisted };
}

/** "37 differences: 30 constraint, 7 index" — counts per kind, largest first (at most `maxKinds`). */
export function detailCounts(details: string[], maxKinds = 8): string {
  const all = [...new Set(details)];
  const counts = new Map<string, number>();
  let unlisted = 0;
  for (const d of all) {
    const capped = CAPPED.exec(d);
    if (capped) {
      unlisted += Number(capped[1]);
      continue;
    }
    const k = detailKind(d);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = sorted.slice(0, maxKinds).map(([k, n]) => `${n} ${k}`);
  const rest = sorted.slice(maxKinds).reduce((n, [, c]) => n + c, 0) + unlisted;
  if (rest > 0) shown.push(`${rest} other`);
  const total = all.length - all.filter((d) => CAPPED.test(d)).length + unlisted;
  return `${total} ${total === 1 ? 'difference' : 'differences'}: ${shown.join(', ')}`;
}

/**
 * A check's details as a table cell: all of them up to `max`; a longer list starts with its
 * counts per kind, shows the first `max`, and says how many are not shown and where they are.
 * A detail the reason already says is not repeated.
 */
function detailsCell(c: CheckRecord, max: number, restWhere: string): string {
  const { details, unlisted } = checkDetails(c);
  if (details.length === 0 && unlisted === 0) return '';
  const counts =
    details.length + unlisted > COMMENT_DETAILS
      ? `<br>**${escapeInline(detailCounts(c.details), 600)}**`
      : '';
  const listed = details.slice(0, max);
  const shown = listed.map((d) => `<br>${escapeInline(plainSamples(d), 200)}`).join('');
  const hidden = details.length - listed.length;
  // What capDetails left out of the record is listed nowhere: it is counted, not placed.
  const counted = unlisted > 0 ? ` (${unlisted} of them only counted: the record keeps the first ones)` : '';
  const more =
    hidden > 0
      ? `<br>… ${hidden + unlisted} more ${restWhere}${counted}`
      : unlisted > 0
        ? `<br>… ${unlisted} more, only counted: the record keeps the first ones`
        : '';
  return `${counts}${shown}${more}`;
}

function checksTable(
  checks: CheckRecord[],
  maxDetails = COMMENT_DETAILS,
  restWhere = 'in the job summary',
): string | undefined {
  if (checks.length === 0) return undefined;
  const rows = checks.map(
    (c) =>
      `| ${escapeInline(c.title, 120)} | ${CHECK_ICON[c.status]} | ${escapeInline(plainSamples(c.reason), 300)}${detailsCell(c, maxDetails, restWhere)} | ${formatDuration(c.durationMs)} |`,
  );
  return [
    '#### Validation checks',
    '| Check | Result | Reason | Duration |',
    '|---|---|---|---:|',
    ...rows,
  ].join('\n');
}

function tablesTable(tables: TableRecord[]): string | undefined {
  if (tables.length === 0) return undefined;
  const copied = tables.reduce((n, t) => n + (t.copiedRows ?? 0), 0);
  const rows = tables.map(
    (t) =>
      `| ${escapeInline(`${t.schema}.${t.name}`, 130)} | ${t.kind} | ${t.plannedEstimated && t.plannedRows !== undefined ? `~${num(t.plannedRows)}` : num(t.plannedRows)} | ${num(t.copiedRows)} | ${num(t.deletedRows)} | ${formatDuration(t.durationMs)} |`,
  );
  return [
    `#### Rows per table (${num(tables.length)} tables, ${num(copied)} rows copied)`,
    '| Table | Kind | Planned | Copied | Deleted from shared | Duration |',
    '|---|---|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

/** Mermaid accepts little punctuation in task names; keep letters, digits and spaces. */
function ganttName(text: string): string {
  return (
    truncate(
      text
        .replace(/[^A-Za-z0-9 ]+/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
      40,
    ) || 'step'
  );
}

function timeline(record: RunRecord): string | undefined {
  const t0 = Date.parse(record.startedAt);
  const timed = record.steps.filter((s) => s.startedAt && s.durationMs !== undefined);
  if (!Number.isFinite(t0) || timed.length === 0) return undefined;
  const lines = timed.map((s, i) => {
    const start = Math.max(0, Date.parse(s.startedAt!) - t0);
    const end = start + Math.max(1, Math.round(s.durationMs!));
    const tag =
      s.status === 'failed' || s.status === 'undo-failed'
        ? 'crit, '
        : s.status === 'running'
          ? 'active, '
          : 'done, ';
    return `    ${ganttName(s.title)} :${tag}s${i}, ${Number.isFinite(start) ? start : 0}, ${end}`;
  });
  return [
    '<details><summary>Timeline</summary>',
    '',
    '```mermaid',
    'gantt',
    '    dateFormat x',
    '    axisFormat %M:%S',
    '    section Steps',
    ...lines,
    '```',
    '',
    '</details>',
  ].join('\n');
}

/** Each note once, in the order first given (steps that re-run, or say the same thing, add it again). */
export function uniqueNotes(notes: readonly string[]): string[] {
  return [...new Set(notes)];
}

function notesSection(notes: string[]): string | undefined {
  const unique = uniqueNotes(notes);
  if (unique.length === 0) return undefined;
  return ['#### Notes', ...unique.map((n) => `- ${escapeInline(plainSamples(n), 500)}`)].join('\n');
}

function footer(ctx: RenderContext): string | undefined {
  return ctx.runUrl
    ? `<sub>[Workflow run](${encodeURI(ctx.runUrl).replace(/[()]/g, encodeURIComponent)}) · updated on every re-run</sub>`
    : undefined;
}

const TRUNCATED = '\n\n… *(report truncated to fit; the full report is in the job summary and the run log)*';

/** The note closing a cut report: how many rows of the cut table were left out, then the rest. */
function truncatedNote(leftRows: number, section: string): string {
  if (leftRows <= 0) return TRUNCATED;
  const title = /^#### (.*)$/m.exec(section)?.[1];
  const of = title ? ` of “${title}”` : '';
  return `\n\n… *(report truncated to fit: ${num(leftRows)} more ${leftRows === 1 ? 'row' : 'rows'}${of} not shown; the full report is in the job summary and the run log)*`;
}

/** Rows of a markdown table in `text` (its header and separator lines are not rows). */
function tableRows(text: string): number {
  const lines = text.split('\n').filter((l) => l.startsWith('|'));
  const separators = lines.filter((l) => /^\|[-|: ]+\|$/.test(l)).length;
  return Math.max(0, lines.length - 1 - separators);
}

/**
 * Joins sections in priority order within `limit` characters: the head (marker, outcome line,
 * notice, failure) is always kept; the first detail section that does not fit is cut at a line
 * boundary (the note says how many of its rows are not shown) and the rest are dropped.
 */
function fit(head: string[], details: string[], limit: number): string {
  let body = head.join('\n\n');
  if (body.length > limit) return truncate(body, limit);
  for (const section of details) {
    const next = `${body}\n\n${section}`;
    if (next.length <= limit) {
      body = next;
      continue;
    }
    const total = tableRows(section);
    // Room for the longest note this section can get (its row count is at most `total`).
    const room = limit - body.length - truncatedNote(total, section).length - 2;
    let kept = 0;
    if (room > 0) {
      const cut = section.slice(0, room);
      const atLine = cut.lastIndexOf('\n');
      if (atLine > 0) {
        const part = cut.slice(0, atLine);
        body += `\n\n${part}`;
        kept = tableRows(part);
      }
    }
    return body + truncatedNote(total - kept, section);
  }
  return body;
}

/** The PR comment for a run: marker, outcome line first, then the details. Pure. */
export function renderComment(record: RunRecord, ctx: RenderContext = {}): string {
  const limit = ctx.limit ?? COMMENT_LIMIT;
  const head = [
    ...(ctx.marker === false ? [] : [commentMarker(record.tenant)]),
    outcomeLine(record),
    ...(ctx.notice ? [ctx.notice] : []),
  ];
  const failure = failureSection(record);
  const details = [
    ...(failure ? [failure] : []),
    keyFacts(record),
    stepsTable(record.steps),
    ctx.maxDetails === undefined
      ? checksTable(record.checks)
      : checksTable(record.checks, ctx.maxDetails, '(not shown: size limit)'),
    tablesTable(record.tables),
    notesSection(record.notes),
    timeline(record),
    footer(ctx),
  ].filter((s): s is string => s !== undefined);
  // The head (with marker) joins with a blank line, except the marker sits right above the outcome.
  const body = fit(head, details, limit);
  return ctx.marker === false ? body : body.replace(/ -->\n\n/, ' -->\n');
}

/** The job summary: the same report without the marker, with the summary's larger budget. */
export function renderSummary(record: RunRecord, ctx: Omit<RenderContext, 'marker'> = {}): string {
  return renderComment(record, {
    ...ctx,
    marker: false,
    limit: ctx.limit ?? SUMMARY_LIMIT,
    maxDetails: ctx.maxDetails ?? SUMMARY_DETAILS,
  });
}
