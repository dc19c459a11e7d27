import { describeError } from '../errors';
import type { CheckRecord } from '../pipeline/record';
import { redact } from '../secrets';
import { accessControl } from './access-control';
import { DEFAULT_CHECK_BUDGET_MS, type Check, type CheckContext, type CheckResult } from './check';
import { checksums } from './checksums';
import { foreignRows } from './foreign-rows';
import { largeObjects } from './large-objects';
import { performance } from './performance';
import { rowCounts } from './row-counts';
import { schemaParity } from './schema-parity';
import { security } from './security';
import { sequences } from './sequences';
import { serviceHealth } from './service-health';

export type { Check, CheckContext, CheckResult } from './check';

/** The checks a promotion runs, in order: data first, then access, then the service. */
export const defaultChecks: Check[] = [
  rowCounts,
  checksums,
  largeObjects,
  foreignRows,
  schemaParity,
  sequences,
  accessControl,
  security,
  performance,
  serviceHealth,
];

class BudgetExceeded extends Error {}

function formatBudget(ms: number): string {
  return ms < 10_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

/** The run's own secrets (the generated password, …), whether or not they were registered for redaction. */
function hideSecrets(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out;
}

async function withBudget<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BudgetExceeded()), ms);
  });
  try {
    return await Promise.race([fn(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Checks run at once: each opens its own sessions, so they overlap their waits on the server. */
export const CHECK_CONCURRENCY = 3;

/**
 * Runs the checks, up to CHECK_CONCURRENCY at a time, each within its time budget; results keep
 * the checks' order. A check that throws or runs out of time is a `fail` with the reason, never
 * a skip. Messages pass through `redact` and have ctx.secrets removed.
 */
export async function runChecks(
  ctx: CheckContext,
  checks: Check[] = defaultChecks,
  concurrency = CHECK_CONCURRENCY,
): Promise<CheckRecord[]> {
  const records: CheckRecord[] = new Array(checks.length);
  // A fresh run: the checks of this call share their table scans, and only theirs.
  const run: CheckContext = { ...ctx, run: {} };
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < checks.length; i = next++) records[i] = await runOne(run, checks[i]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, checks.length)) }, worker));
  // A check that ran out of its budget leaves the shared scans running until their statement
  // timeout (the budget): no session of the checks outlives the step that ran them.
  await run.run?.tableScans?.settled;
  return records;
}

async function runOne(ctx: CheckContext, check: Check): Promise<CheckRecord> {
  const budget = check.budgetMs ?? ctx.budgetMs ?? DEFAULT_CHECK_BUDGET_MS;
  const started = Date.now();
  let result: CheckResult;
  try {
    result = await withBudget(budget, () => check.run(ctx, budget));
  } catch (e) {
    result =
      e instanceof BudgetExceeded
        ? { status: 'fail', reason: `did not finish within ${formatBudget(budget)}`, details: [] }
        : {
            status: 'fail',
            reason: `could not run: ${describeError(e).message}`,
            details: describeError(e).hint ? [describeError(e).hint as string] : [],
          };
  }
  const clean = (text: string) => redact(hideSecrets(text, ctx.secrets));
  const record: CheckRecord = {
    name: check.name,
    title: check.title,
    status: result.status,
    reason: clean(result.reason),
    details: result.details.map(clean),
    durationMs: Date.now() - started,
    ...(result.tableMs ? { tableMs: result.tableMs } : {}),
  };
  ctx.log.info(`${record.status.toUpperCase()} ${record.title}: ${record.reason}`);
  return record;
}
