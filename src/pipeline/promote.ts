import { describeError } from '../errors';
import { deriveNames } from '../names';
import { PromotionOptions, type PromotionOptionsInput } from '../options';
import { redact, registerSecret } from '../secrets';
import type { RunDeps, RunOutcome } from './api';
import type { PromotionContext, RunMode } from './context';
import type { RunRecord } from './record';
import { faultsFromEnv } from './faults';
import { runSteps } from './runner';
import type { Step } from './step';
import { cleanupStep } from './steps/cleanup';
import { cloneSchemaAfterStep, cloneSchemaStep } from './steps/clone-schema';
import { copyStep } from './steps/copy';
import { createDatabaseStep } from './steps/create-database';
import { deployStep } from './steps/deploy';
import { finishStep } from './steps/finish';
import { lockStep } from './steps/lock';
import { planStep, releaseSnapshot } from './steps/plan';
import { preflightStep } from './steps/preflight';
import { prevalidateStep } from './steps/prevalidate';
import { rolesStep } from './steps/roles';
import { routingStep } from './steps/routing';
import { switchStep } from './steps/switch';
import { validateStep } from './steps/validate';

/** Which modes a step runs in; the others skip it with a reason. */
type Phase = 'setup' | 'plan' | 'build' | 'after-switch';

const PROMOTION: readonly [Step<PromotionContext>, Phase][] = [
  [preflightStep, 'setup'],
  [lockStep, 'setup'],
  [prevalidateStep, 'setup'],
  [planStep, 'plan'],
  [rolesStep, 'build'],
  [createDatabaseStep, 'build'],
  [cloneSchemaStep, 'build'],
  [copyStep, 'build'],
  [cloneSchemaAfterStep, 'build'],
  [deployStep, 'build'],
  [validateStep, 'build'],
  [switchStep, 'build'],
  [routingStep, 'after-switch'],
  [cleanupStep, 'after-switch'],
  [finishStep, 'after-switch'],
];

function skipReason(
  phase: Phase,
  mode: RunMode | undefined,
  dryRun: boolean,
  name: string,
): string | undefined {
  if (phase === 'setup' || mode === undefined) return undefined;
  if (mode === 'already-isolated') return 'tenant already isolated';
  if (phase === 'plan') return undefined;
  if (mode === 'resume' && phase === 'build') return 'done by an earlier run (resuming after the switch)';
  // A dry run plans and validates the Cloud Run spec; it creates nothing.
  if (dryRun && name !== 'deploy') return 'dry run';
  return undefined;
}

/** The promotion steps, each gated by the mode prevalidation found. */
export function promotionSteps(): Step<PromotionContext>[] {
  return PROMOTION.map(([step, phase]) => ({
    ...step,
    skip: (ctx: PromotionContext) =>
      skipReason(phase, ctx.mode, ctx.options.dryRun, step.name) ?? step.skip?.(ctx),
  }));
}

export function newRecord(
  operation: RunRecord['operation'],
  slug: string,
  deps: RunDeps,
  dryRun: boolean,
): RunRecord {
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

/**
 * Promotes one tenant: the engine behind both the action and the CLI. Never throws for a
 * failed promotion: the outcome (result, error, what was undone) is in the returned record.
 */
export async function promote(input: PromotionOptionsInput, deps: RunDeps): Promise<RunOutcome> {
  const options = PromotionOptions.parse(input);
  registerSecret(urlPassword(options.databaseUrl));
  const names = deriveNames(options.tenantSlug, options.baseDomain);
  const record = newRecord('promote', names.slug, deps, options.dryRun);
  record.database = names.database;
  const ctx: PromotionContext = {
    options,
    names,
    deps,
    record,
    log: deps.log,
    signal: deps.signal,
    configFiles: [],
  };
  try {
    await runSteps(promotionSteps(), ctx, { onChange: deps.onChange, fault: deps.fault ?? faultsFromEnv() });
    if (record.result !== 'failed') {
      record.result =
        ctx.mode === 'already-isolated' ? 'already-isolated' : options.dryRun ? 'dry-run' : 'promoted';
    }
  } catch (e) {
    recordFailure(record, e);
  } finally {
    await releaseRun(ctx);
    record.finishedAt = new Date().toISOString();
  }
  return {
    record,
    databasePassword: record.result === 'promoted' ? ctx.appPassword : undefined,
    configFiles: ctx.configFiles,
  };
}

/** A failure of the machinery around the steps (runSteps records step failures itself). */
export function recordFailure(record: RunRecord, e: unknown): void {
  const err = describeError(e);
  record.result = 'failed';
  record.error = { code: err.code, message: redact(err.message), hint: err.hint && redact(err.hint) };
}

/** Ends the run's sessions: the snapshot (if still open) and the lock session, which frees the lock. */
export async function releaseRun(ctx: PromotionContext): Promise<void> {
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
