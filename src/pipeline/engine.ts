import { randomUUID } from 'node:crypto';
import { describeError } from '../errors';
import { holdYoungGeneration } from '../memory';
import { deriveNames } from '../names';
import { PromotionOptions, type PromotionOptionsInput } from '../options';
import { serversFrom } from '../postgres/servers';
import { redact, registerSecret } from '../secrets';
import type { RunDeps } from './api';
import type { PromotionContext } from './context';
import { faultsFromEnv } from './faults';
import type { Operation, RunRecord, RunResult } from './record';
import { runSteps } from './runner';
import type { Step } from './step';
import { releaseSnapshot } from './steps/plan';

/**
 * What promote and rollback share: options parsed, secrets registered, names derived, one record
 * and one context, the steps run, the sessions released whatever happened. Never throws for a
 * failed run: the outcome (result, error, what was undone) is in the record.
 */
export async function runOperation(
  operation: Operation,
  input: PromotionOptionsInput,
  deps: RunDeps,
  steps: Step<PromotionContext>[],
  resultOf: (ctx: PromotionContext) => RunResult,
): Promise<PromotionContext> {
  holdYoungGeneration();
  const options = PromotionOptions.parse(input);
  const servers = serversFrom(options);
  for (const password of servers.passwords) registerSecret(password);
  const names = deriveNames(options.tenantSlug, options.baseDomain);
  const record = newRecord(operation, names.slug, deps, options.dryRun);
  record.database = names.database;
  const ctx: PromotionContext = {
    options,
    servers,
    names,
    deps,
    run: {
      id: randomUUID(),
      label: deps.trigger.runId ? `run ${deps.trigger.runId}` : deps.trigger.source,
      operation,
      since: record.startedAt,
    },
    record,
    log: deps.log,
    signal: deps.signal,
    configFiles: [],
  };
  try {
    await runSteps(steps, ctx, { onChange: deps.onChange, fault: deps.fault ?? faultsFromEnv() });
    if (record.result !== 'failed') record.result = resultOf(ctx);
  } catch (e) {
    // runSteps records step failures itself; this is a failure of the machinery around it.
    const err = describeError(e);
    record.result = 'failed';
    record.error = { code: err.code, message: redact(err.message), hint: err.hint && redact(err.hint) };
  } finally {
    await releaseRun(ctx);
    record.finishedAt = new Date().toISOString();
  }
  return ctx;
}

export function newRecord(operation: Operation, slug: string, deps: RunDeps, dryRun: boolean): RunRecord {
  return {
    operation,
    tenant: slug,
    result: 'running',
    dryRun,
    startedAt: new Date().toISOString(),
    trigger: deps.trigger,
    steps: [],
    checks: [],
    tables: [],
    notes: [],
    committed: false,
    undone: [],
  };
}

/** Ends the run's sessions: the snapshot (if still open) and the lock session, which frees the lock. */
async function releaseRun(ctx: PromotionContext): Promise<void> {
  await releaseSnapshot(ctx).catch(() => undefined);
  const session = ctx.lockSession;
  ctx.lockSession = undefined;
  if (session) await session.end().catch(() => undefined);
}

/** The password in a connection string, to be registered as a secret. */
export function urlPassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
