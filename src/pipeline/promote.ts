import type { PromotionOptionsInput } from '../options';
import type { RunDeps, RunOutcome } from './api';
import type { PromotionContext, RunMode } from './context';
import { runOperation } from './engine';
import { thenClaim } from './ownership';
import type { Step } from './step';
import { cleanupStep } from './steps/cleanup';
import { cloneSchemaAfterStep, cloneSchemaStep } from './steps/clone-schema';
import { copyStep } from './steps/copy';
import { createDatabaseStep } from './steps/create-database';
import { deployStep } from './steps/deploy';
import { finishStep } from './steps/finish';
import { lockStep } from './steps/lock';
import { planStep } from './steps/plan';
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
  [thenClaim(prevalidateStep), 'setup'],
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

/** Promotes one tenant: the engine behind both the action and the CLI. */
export async function promote(input: PromotionOptionsInput, deps: RunDeps): Promise<RunOutcome> {
  const ctx = await runOperation('promote', input, deps, promotionSteps(), (c) =>
    c.mode === 'already-isolated' ? 'already-isolated' : c.options.dryRun ? 'dry-run' : 'promoted',
  );
  const { record } = ctx;
  return {
    record,
    databasePassword: record.result === 'promoted' ? ctx.appPassword : undefined,
    configFiles: ctx.configFiles,
  };
}
