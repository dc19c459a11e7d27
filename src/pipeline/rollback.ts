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
import { verifyRestoredStep } from './steps/rollback-verify';

/**
 * Rollback: lock; prevalidate (and claim); compare the schemas (drift refuses before anything
 * changes); with --dry-run, preview what would come back and stop; fence the isolated database;
 * in one transaction on the shared database bring back the tenant's own rows, merge the rows both
 * sides write against the ledger the switch recorded (a row changed on both sides refuses),
 * bring back its large objects, verify, and mark the tenant shared — the commit point; then
 * remove routing, the service the promotion created, and — once it is proved to hold nothing the
 * restore did not bring back — the isolated database. Before the
 * commit point every step is undone (the tenant stays isolated and working); after it, a re-run
 * finishes the job.
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
  [verifyRestoredStep, 'after'],
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
