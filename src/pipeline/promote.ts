import type { PromotionOptionsInput } from '../options';
import type { RunDeps, RunOutcome } from './api';
import type { PromotionContext, RunMode } from './context';
import { runOperation } from './engine';
import { credentialsOutcome, rotationWanted } from './credentials';
import { thenClaim } from './ownership';
import type { Step } from './step';
import { cleanupStep } from './steps/cleanup';
import { cloneSchemaAfterStep, cloneSchemaStep } from './steps/clone-schema';
import { copyStep } from './steps/copy';
import { credentialsStep } from './steps/credentials';
import { createDatabaseStep } from './steps/create-database';
import { deployStep } from './steps/deploy';
import { finishStep } from './steps/finish';
import { lockStep } from './steps/lock';
import { planStep } from './steps/plan';
import { preflightStep } from './steps/preflight';
import { prevalidateStep } from './steps/prevalidate';
import { rehearseCloneStep } from './steps/rehearse-clone';
import { rolesStep } from './steps/roles';
import { routingStep } from './steps/routing';
import { switchStep } from './steps/switch';
import { validateStep } from './steps/validate';

/**
 * Which modes a step runs in; the others skip it with a reason. `credentials` runs after the
 * switch like `after-switch`, and also for an already isolated tenant whose password no run ever
 * delivered, when this run can deliver a new one (see credentials.ts).
 */
type Phase = 'setup' | 'plan' | 'build' | 'after-switch' | 'credentials';

const PROMOTION: readonly [Step<PromotionContext>, Phase][] = [
  [preflightStep, 'setup'],
  [lockStep, 'setup'],
  [
    thenClaim(prevalidateStep, (ctx) =>
      rotationWanted(ctx) ? "its role's password was never delivered: this run rotates it" : undefined,
    ),
    'setup',
  ],
  [planStep, 'plan'],
  [rehearseCloneStep, 'plan'],
  [rolesStep, 'build'],
  [createDatabaseStep, 'build'],
  [cloneSchemaStep, 'build'],
  [copyStep, 'build'],
  [cloneSchemaAfterStep, 'build'],
  [deployStep, 'build'],
  [validateStep, 'build'],
  [switchStep, 'build'],
  [credentialsStep, 'credentials'],
  [routingStep, 'after-switch'],
  [cleanupStep, 'after-switch'],
  [finishStep, 'after-switch'],
];

function skipReason(
  phase: Phase,
  mode: RunMode | undefined,
  dryRun: boolean,
  name: string,
  ctx: PromotionContext,
): string | undefined {
  if (phase === 'setup' || mode === undefined) return undefined;
  if (mode === 'already-isolated') {
    return phase === 'credentials' && !dryRun && rotationWanted(ctx) ? undefined : 'tenant already isolated';
  }
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
      skipReason(phase, ctx.mode, ctx.options.dryRun, step.name, ctx) ?? step.skip?.(ctx),
  }));
}

/** Promotes one tenant: the engine behind both the action and the CLI. */
export async function promote(input: PromotionOptionsInput, deps: RunDeps): Promise<RunOutcome> {
  const ctx = await runOperation('promote', input, deps, promotionSteps(), (c) =>
    c.mode === 'already-isolated' ? 'already-isolated' : c.options.dryRun ? 'dry-run' : 'promoted',
  );
  const { record } = ctx;
  // The role's current password: the one this run made, once its switch committed (whatever
  // failed after it), or the one it rotated to. Never one a failed run's undo dropped.
  const current = ctx.mode === 'fresh' ? (record.committed ? ctx.appPassword : undefined) : ctx.appPassword;
  return {
    record,
    databasePassword: record.dryRun ? undefined : current,
    credentials: credentialsOutcome(ctx),
    configFiles: ctx.configFiles,
  };
}
