import type { PromotionOptionsInput } from '../options';
import type { RunDeps, RunOutcome } from './api';
import type { PromotionContext } from './context';
import { runOperation } from './engine';
import { thenClaim } from './ownership';
import type { Step } from './step';
import { lockStep } from './steps/lock';
import { fenceStep } from './steps/rollback-fence';
import { dropIsolatedStep, removeRoutingStep, removeServiceStep } from './steps/rollback-cleanup';
import { rollbackPrevalidateStep } from './steps/rollback-prevalidate';
import { rollbackDriftStep } from './steps/rollback-drift';
import { rollbackPreviewStep } from './steps/rollback-preview';
import { restoreStep } from './steps/rollback-restore';

/**
 * The seed's five rollback steps, done properly: lock; fence the isolated database; in one
 * transaction copy its rows back (it is the source of truth), verify, and mark the tenant
 * shared — the commit point; then remove routing, the service the promotion created, and the
 * isolated database. Before the commit point every step is undone (the tenant stays isolated
 * and working); after it, a re-run finishes the job.
 */
const ROLLBACK: readonly [Step<PromotionContext>, 'setup' | 'switch' | 'after'][] = [
  [lockStep, 'setup'],
  [thenClaim(rollbackPrevalidateStep), 'setup'],
  [rollbackDriftStep, 'setup'],
  [rollbackPreviewStep, 'setup'],
  [fenceStep, 'switch'],
  [restoreStep, 'switch'],
  [removeRoutingStep, 'after'],
  [removeServiceStep, 'after'],
  [dropIsolatedStep, 'after'],
];

export function rollbackSteps(): Step<PromotionContext>[] {
  return ROLLBACK.map(([step, phase]) => ({
    ...step,
    skip: (ctx: PromotionContext) =>
      (ctx.options.dryRun && phase !== 'setup' ? 'dry run' : undefined) ??
      (ctx.mode === 'resume' && phase === 'switch'
        ? 'done by an earlier run (resuming after the switch)'
        : undefined) ??
      step.skip?.(ctx),
  }));
}

export async function rollback(input: PromotionOptionsInput, deps: RunDeps): Promise<RunOutcome> {
  const ctx = await runOperation('rollback', input, deps, rollbackSteps(), (c) =>
    c.options.dryRun ? 'dry-run' : 'rolled-back',
  );
  return { record: ctx.record, configFiles: ctx.configFiles };
}
