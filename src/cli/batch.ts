import { resolve as resolvePath } from 'node:path';
import { z } from 'zod';
import { parseDocument } from 'yaml';
import { describeError, InputError } from '../errors';
import type { Logger } from '../log';
import { quoteUntrusted } from '../names';
import type { PromotionOptions } from '../options';
import type { RunDeps, RunOutcome } from '../pipeline/api';
import type { RunRecord } from '../pipeline/record';
import { sameServer, serverName } from '../postgres/servers';
import { registerSecret, redact } from '../secrets';
import type { CliFlags, EnvMap } from './config';

/**
 * `promote` for several tenants in one command (`--tenant-slug` repeated, or `--tenants-file`):
 * the batch is a CLI concern over the unchanged engine. Each tenant is one ordinary promotion —
 * its own lock, its own undo — so one tenant's failure undoes that tenant only and the others go
 * on. Pure parts (the file, the plan, the progress lines, the summary) are separate from the
 * runner (a bounded pool) and the terminal view, so each is testable alone.
 */

/** Tenants promoted at once unless `--parallel` says otherwise (the machine runs the copies). */
export const DEFAULT_PARALLEL = 2;
export const MAX_PARALLEL = 16;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * One tenant of a `--tenants-file`: its slug and the few settings that differ per tenant (its
 * target server and how its application reaches it). Everything else is the command's.
 */
export const TenantEntry = z.strictObject({
  slug: z.string().min(1),
  /** The target server's admin URL; or `target-database-url-env`, the variable holding it (keeps passwords out of the file). */
  'target-database-url': z.string().min(1).optional(),
  'target-database-url-env': z
    .string()
    .regex(ENV_NAME, 'must be the name of an environment variable, e.g. TARGET_DATABASE_URL_EU')
    .optional(),
  'target-ca-file': z.string().min(1).optional(),
  'database-host': z.string().min(1).optional(),
  'max-freeze-ms': z.number().int().positive().optional(),
  'copy-parallelism': z.number().int().min(1).max(16).optional(),
  'keep-shared-data': z.boolean().optional(),
  /** Where this tenant's role password is written (0600) once its switch commits. */
  'password-file': z.string().min(1).optional(),
});
export type TenantEntry = z.infer<typeof TenantEntry>;

/** A file is a list of entries (a bare slug is an entry with only its slug), or `{ tenants: [...] }`. */
const EntryOrSlug = z.union([
  z
    .string()
    .min(1)
    .transform((slug) => ({ slug })),
  TenantEntry,
]);
const TenantsFile = z.union([
  z.array(z.unknown()),
  z.strictObject({ tenants: z.array(z.unknown()) }).transform((f) => f.tenants),
]);

const FIELDS = Object.keys(TenantEntry.shape).join(', ');

/**
 * Parses and validates a tenants file (YAML, or JSON, which is YAML too); errors name the line
 * or the entry and field. Aliases, tags and duplicate keys are refused: the file is a plain list.
 */
export function parseTenantsFile(text: string, path: string): TenantEntry[] {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, merge: false });
  const problem = doc.errors[0];
  if (problem) {
    const line = problem.linePos?.[0]?.line;
    throw new InputError(
      `${path}${line ? `:${line}` : ''} is not valid YAML or JSON: ${problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}.`,
      'Write the file as YAML ("tenants:" then one "- slug: …" entry per tenant, its fields indented under it) or as JSON.',
    );
  }
  let data: unknown;
  try {
    // maxAliasCount 0: a tenants file has no use for aliases, and they are how YAML bombs work.
    data = doc.toJS({ maxAliasCount: 0 });
  } catch (e) {
    throw new InputError(
      `${path} uses a YAML alias (${(e as Error).message.replace(/\.$/, '')}).`,
      'Write every entry out in full: the file takes no aliases.',
    );
  }
  const file = TenantsFile.safeParse(data);
  if (!file.success)
    throw new InputError(
      `${path} must be a list of tenants (or an object with a "tenants" list).`,
      'Write e.g.\ntenants:\n  - slug: acme-corp\n    target-database-url-env: TARGET_DATABASE_URL_EU',
    );
  if (file.data.length === 0)
    throw new InputError(`${path} lists no tenants.`, 'Add at least one entry: - slug: acme-corp');
  return file.data.map((raw, i) => {
    const parsed = EntryOrSlug.safeParse(raw);
    if (parsed.success) return parsed.data;
    const slug =
      raw && typeof raw === 'object' && typeof (raw as { slug?: unknown }).slug === 'string'
        ? ` (${quoteUntrusted((raw as { slug: string }).slug)})`
        : '';
    // The object branch's issues are the useful ones (the string branch only says "expected string").
    const issues = parsed.error.issues.flatMap((issue) =>
      issue.code === 'invalid_union' ? issue.errors.flat() : [issue],
    );
    const issue =
      issues.find((x) => x.code === 'unrecognized_keys') ??
      issues.find((x) => x.path.length > 0) ??
      issues[0];
    const what =
      issue?.code === 'unrecognized_keys'
        ? `unknown field ${issue.keys.map((k) => quoteUntrusted(k)).join(', ')}`
        : issue && issue.path.length > 0
          ? `field "${issue.path.join('.')}": ${issue.message}`
          : 'an entry must be a slug or an object with a "slug" field';
    throw new InputError(
      `${path}, tenant ${i + 1}${slug}: ${what}.`,
      `Each entry has a slug and optionally: ${FIELDS.replace(/^slug, /, '')}.`,
    );
  });
}

/** One tenant of a planned batch: its resolved options and where they came from. */
export interface BatchItem {
  slug: string;
  options: PromotionOptions;
  /** host:port of the server that will host the tenant's database (no credentials). */
  target: string;
  passwordFile?: string;
}

export interface BatchInput {
  /** `--tenant-slug` values, in order. */
  slugs: string[];
  /** `--tenants-file` entries and the file's path, for messages. */
  file?: { path: string; entries: TenantEntry[] };
  /** The command's other flags; an entry's fields win over them. */
  flags: CliFlags;
  env: EnvMap;
  /** Resolves one tenant's flags into options (config.ts's resolveConfig, with env and env file). */
  resolve(flags: CliFlags): PromotionOptions;
}

/**
 * Plans a batch: each tenant's options, resolved exactly as a single promotion's would be, with
 * its entry's fields over the command's flags. Every error names the tenant (and the file entry)
 * and is raised before any tenant starts.
 */
export function planBatch(input: BatchInput): BatchItem[] {
  const entries: { entry: TenantEntry; where: string }[] = [
    ...input.slugs.map((slug) => ({ entry: { slug }, where: `--tenant-slug ${quoteUntrusted(slug)}` })),
    ...(input.file?.entries ?? []).map((entry, i) => ({
      entry,
      where: `${input.file!.path}, tenant ${i + 1} (${quoteUntrusted(entry.slug)})`,
    })),
  ];
  if (entries.length === 0)
    throw new InputError(
      'No tenant given.',
      'Pass --tenant-slug (repeat it for several tenants) or --tenants-file <file>.',
    );
  const seen = new Map<string, string>();
  for (const { entry, where } of entries) {
    const first = seen.get(entry.slug);
    if (first !== undefined)
      throw new InputError(
        `${where}: the tenant is listed twice (first as ${first}).`,
        'List each tenant once: two runs for one tenant would wait for each other.',
      );
    seen.set(entry.slug, where);
  }
  // Each switch renames the tenant's password over its file: two tenants on one file would leave
  // the first tenant's deployment reading the second tenant's password.
  const passwordFiles = new Map<string, string>();
  for (const { entry, where } of entries) {
    const file = entry['password-file'];
    if (file === undefined) continue;
    const absolute = resolvePath(file);
    const first = passwordFiles.get(absolute);
    if (first !== undefined)
      throw new InputError(
        `${where}: password-file ${quoteUntrusted(file)} is also the password-file of ${first} (both are ${absolute}).`,
        "Give each tenant its own password-file: each switch writes that tenant's role password over the file.",
      );
    passwordFiles.set(absolute, where);
  }
  const command = commandTarget(input.flags, input.env);
  return entries.map(({ entry, where }) => {
    try {
      const { flags, withoutCa } = entryFlags(input.flags, command, entry, input.env, where);
      const resolved = input.resolve(flags);
      // The command's CA (from a flag or the environment) is not this entry's server's CA.
      const { targetCaFile: _commandCa, ...withoutCommandCa } = resolved;
      const options = withoutCa ? withoutCommandCa : resolved;
      return {
        slug: options.tenantSlug,
        options,
        target: serverName(options.targetDatabaseUrl ?? options.databaseUrl),
        ...(entry['password-file'] && { passwordFile: entry['password-file'] }),
      };
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      // `--tenant-slug "x": …` already names the tenant.
      throw e.message.startsWith(where) ? e : new InputError(`${where}: ${e.message}`, e.hint, e.code);
    }
  });
}

/** The command's own target server and its CA file, from flags or environment (as resolveConfig picks them). */
interface CommandTarget {
  url?: string;
  caFile?: string;
}

function commandTarget(flags: CliFlags, env: EnvMap): CommandTarget {
  const url = flags.targetDatabaseUrl ?? (env.TARGET_DATABASE_URL || undefined);
  const caFile = flags.targetCaFile ?? (env.TARGET_DATABASE_CA_FILE || undefined);
  return { ...(url && { url }), ...(caFile && { caFile }) };
}

function onServer(a: string, b: string): boolean {
  try {
    return sameServer(a, b);
  } catch {
    // A URL that does not parse is refused, with the entry named, by the options' validation.
    return false;
  }
}

/**
 * One entry's flags: its fields over the command's. `withoutCa`: the entry names another server
 * than the command's target and no CA of its own, so the command's CA (whatever its source) must
 * not reach its options.
 */
function entryFlags(
  flags: CliFlags,
  command: CommandTarget,
  entry: TenantEntry,
  env: EnvMap,
  where: string,
): { flags: CliFlags; withoutCa: boolean } {
  const out: CliFlags = { ...flags, tenantSlug: entry.slug };
  const fromEnv = entry['target-database-url-env'];
  if (fromEnv !== undefined && entry['target-database-url'] !== undefined)
    throw new InputError(
      `both target-database-url and target-database-url-env are set.`,
      'Keep one: target-database-url-env names the variable that holds the URL (keeps its password out of the file).',
    );
  if (fromEnv !== undefined) {
    const url = env[fromEnv];
    if (!url)
      throw new InputError(
        `field "target-database-url-env": the environment variable ${fromEnv} is not set.`,
        `Export ${fromEnv}=postgres://admin:…@host:5432/postgres before running, or fix the name in ${where}.`,
      );
    out.targetDatabaseUrl = url;
  }
  if (entry['target-database-url'] !== undefined) out.targetDatabaseUrl = entry['target-database-url'];
  let withoutCa = false;
  if (out.targetDatabaseUrl !== undefined && out.targetDatabaseUrl !== flags.targetDatabaseUrl) {
    if (command.url !== undefined && onServer(out.targetDatabaseUrl, command.url)) {
      // The command's own target server: its CA, whether it came from a flag or the environment.
      if (command.caFile !== undefined) out.targetCaFile = command.caFile;
    } else {
      // Another server: the command's CA file was for the command's target, not this one.
      delete out.targetCaFile;
      withoutCa = true;
    }
  }
  if (entry['target-ca-file'] !== undefined) {
    out.targetCaFile = entry['target-ca-file'];
    withoutCa = false;
  }
  if (entry['database-host'] !== undefined) out.databaseHost = entry['database-host'];
  if (entry['max-freeze-ms'] !== undefined) out.maxFreezeMs = String(entry['max-freeze-ms']);
  if (entry['copy-parallelism'] !== undefined) out.copyParallelism = String(entry['copy-parallelism']);
  if (entry['keep-shared-data'] !== undefined) out.keepSharedData = entry['keep-shared-data'];
  return { flags: out, withoutCa };
}

/** `--parallel`: tenants promoted at once. */
export function parseParallel(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PARALLEL;
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(n >= 1 && n <= MAX_PARALLEL))
    throw new InputError(
      `--parallel must be a whole number from 1 to ${MAX_PARALLEL}, got ${quoteUntrusted(value)}.`,
      `Pass e.g. --parallel=${DEFAULT_PARALLEL}: each promotion also copies --copy-parallelism tables at once.`,
    );
  return n;
}

/** Where one tenant of a batch is. */
export interface TenantProgress {
  slug: string;
  target: string;
  state: 'waiting' | 'running' | 'finished';
  /** The step running now, e.g. "[8/17] Copy rows". */
  step?: string;
  /** Copy progress of the table being copied. */
  detail?: string;
  result?: BatchResult;
}

/** How one tenant of a batch ended. */
export interface BatchResult {
  slug: string;
  target: string;
  /** The run's result (promoted, already-isolated, dry-run, failed). */
  outcome: RunRecord['result'];
  /** Rows written to the tenant's database. */
  rows: number;
  durationMs: number;
  error?: string;
  record?: RunRecord;
  /** The tenant role's password was made and not delivered (no password-file, no Cloud Run). */
  passwordPending?: boolean;
}

function fmtDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The progress view's line for one tenant. */
export function progressLine(p: TenantProgress, slugWidth: number, targetWidth: number): string {
  const head = `${p.slug.padEnd(slugWidth)}  ${p.target.padEnd(targetWidth)}  `;
  if (p.state === 'waiting') return `${head}waiting`;
  if (p.state === 'running') return `${head}${p.step ?? 'starting'}…${p.detail ? ` ${p.detail}` : ''}`;
  const r = p.result!;
  const mark = r.outcome === 'failed' ? '✗' : '✓';
  return `${head}${mark} ${r.outcome} (${r.rows.toLocaleString('en-US')} rows, ${fmtDuration(r.durationMs)})${r.error ? ` — ${r.error}` : ''}`;
}

/** The table printed at the end: one row per tenant, in the order given, then the totals. */
export function renderBatchSummary(results: BatchResult[]): string {
  const rows = results.map((r) => [
    r.slug,
    r.target,
    r.outcome,
    r.rows.toLocaleString('en-US'),
    fmtDuration(r.durationMs),
  ]);
  const header = ['Tenant', 'Target server', 'Outcome', 'Rows', 'Duration'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
  const failed = results.filter((r) => r.outcome === 'failed');
  out.push('');
  out.push(
    `${results.length - failed.length} of ${results.length} tenants succeeded${failed.length ? `; failed: ${failed.map((r) => r.slug).join(', ')}` : ''}.`,
  );
  for (const r of failed) if (r.error) out.push(`  ${r.slug}: ${r.error}`);
  const pending = results.filter((r) => r.passwordPending).map((r) => r.slug);
  if (pending.length > 0)
    out.push(
      `The tenant role's password was not delivered for ${pending.join(', ')}: give each a password-file in --tenants-file and run again (it rotates the password and writes the new one).`,
    );
  return redact(out.join('\n')) + '\n';
}

/** What the runner reports to a view. */
export interface BatchView {
  update(progress: TenantProgress[]): void;
  /** A warning or error of one tenant's run. */
  line(slug: string, text: string): void;
  done(): void;
}

export interface BatchRunOptions {
  parallel: number;
  /** Runs one tenant's promotion (the engine's `promote`, with the front end's deps). */
  run(item: BatchItem, deps: Pick<RunDeps, 'log' | 'onChange' | 'onProgress'>): Promise<RunOutcome>;
  view: BatchView;
  verbose?: boolean;
  now?: () => number;
}

/** A step's "[i/n] title" for the progress view. */
function currentStep(record: RunRecord): string | undefined {
  const i = record.steps.findIndex((s) => s.status === 'running');
  return i === -1 ? undefined : `[${i + 1}/${record.steps.length}] ${record.steps[i]!.title}`;
}

/**
 * Promotes every tenant of the batch, at most `parallel` at once, in the order given. A run that
 * fails (or throws) is that tenant's failure only; the others go on. Resolves with one result
 * per tenant, in the order given.
 */
export async function runBatch(items: BatchItem[], opts: BatchRunOptions): Promise<BatchResult[]> {
  const now = opts.now ?? Date.now;
  const progress: TenantProgress[] = items.map((i) => ({ slug: i.slug, target: i.target, state: 'waiting' }));
  const results: BatchResult[] = new Array(items.length);
  opts.view.update(progress);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const item = items[index]!;
      const p = progress[index]!;
      p.state = 'running';
      opts.view.update(progress);
      const started = now();
      const log = tenantLogger(item.slug, opts.view, Boolean(opts.verbose));
      let result: BatchResult;
      try {
        const outcome = await opts.run(item, {
          log,
          onChange: (record) => {
            // Between two steps none runs: the line keeps the last one until the next starts.
            const step = currentStep(record);
            if (step !== undefined && step !== p.step) {
              p.step = step;
              delete p.detail;
              opts.view.update(progress);
            }
          },
          onProgress: (table, rows) => {
            p.detail = `${table}: ${rows.toLocaleString('en-US')} rows`;
            opts.view.update(progress);
          },
        });
        const { record } = outcome;
        result = {
          slug: item.slug,
          target: item.target,
          outcome: record.result,
          rows: record.tables.reduce((sum, t) => sum + (t.copiedRows ?? 0), 0),
          durationMs: now() - started,
          record,
          ...(record.error && { error: record.error.message }),
          ...(outcome.credentials?.pending && { passwordPending: true }),
        };
      } catch (e) {
        result = {
          slug: item.slug,
          target: item.target,
          outcome: 'failed',
          rows: 0,
          durationMs: now() - started,
          error: describeError(e).message,
        };
      }
      results[index] = result;
      p.state = 'finished';
      p.result = result;
      delete p.step;
      delete p.detail;
      opts.view.update(progress);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.parallel, items.length) }, worker));
  opts.view.done();
  return results;
}

/** One tenant's engine log in a batch: warnings and errors, prefixed; info only with -v. */
function tenantLogger(slug: string, view: BatchView, verbose: boolean): Logger {
  return {
    info: (m) => {
      if (verbose) view.line(slug, m);
    },
    warn: (m) => view.line(slug, `warning: ${m}`),
    error: (m) => view.line(slug, `error: ${m}`),
    debug: (m) => {
      if (verbose) view.line(slug, `debug: ${m}`);
    },
    group: async (_title, fn) => fn(),
    secret: (v) => registerSecret(v),
  };
}

export interface ViewStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Untrusted text on one line: control characters cannot move the cursor. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, ' ');
}

/**
 * The batch's progress view on stderr. On a TTY: one line per tenant, rewritten in place (the
 * cursor goes back up over the block). Otherwise: a plain line whenever a tenant starts a step
 * or finishes, so CI logs read in order.
 */
export function batchView(stream: ViewStream): BatchView {
  const live = Boolean(stream.isTTY);
  let drawn = 0;
  let last: TenantProgress[] = [];
  const printed = new Map<string, string>();
  const widths = (ps: TenantProgress[]) => [
    Math.max(6, ...ps.map((p) => p.slug.length)),
    Math.max(6, ...ps.map((p) => p.target.length)),
  ];
  const draw = () => {
    const [sw, tw] = widths(last);
    const width = Math.max(20, (stream.columns || 80) - 1);
    let out = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const p of last) {
      const text = oneLine(redact(progressLine(p, sw!, tw!)));
      out += `\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}\n`;
    }
    drawn = last.length;
    stream.write(out);
  };
  return {
    update(progress) {
      last = progress;
      if (live) return draw();
      const [sw, tw] = widths(progress);
      for (const p of progress) {
        // Plain output: each step once, each finish once; copy progress only on the live view.
        const text = oneLine(redact(progressLine({ ...p, detail: undefined }, sw!, tw!)));
        if (p.state === 'waiting' || printed.get(p.slug) === text) continue;
        printed.set(p.slug, text);
        stream.write(`${text}\n`);
      }
    },
    line(slug, text) {
      const out = `${slug}: ${oneLine(redact(text))}\n`;
      if (!live || drawn === 0) return void stream.write(out);
      // Above the block: clear it, print the line, draw the block again below.
      stream.write(`\x1b[${drawn}A\r\x1b[J${out}`);
      drawn = 0;
      draw();
    },
    done() {
      drawn = 0;
    },
  };
}
