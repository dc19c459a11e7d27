import { deriveNames } from '../names';
import { PromotionOptions, type PromotionOptionsInput } from '../options';
import { registerSecret } from '../secrets';
import type { RunDeps, RunOutcome } from './api';
import type { PromotionContext } from './context';
import { faultsFromEnv } from './faults';
import { newRecord, recordFailure, releaseRun, urlPassword } from './promote';
import { runSteps } from './runner';
import type { Step } from './step';
import { lockStep } from './steps/lock';
import { fenceStep } from './steps/rollback-fence';
import { dropIsolatedStep, removeRoutingStep, removeServiceStep } from './steps/rollback-cleanup';
import { rollbackPrevalidateStep } from './steps/rollback-prevalidate';
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
  [rollbackPrevalidateStep, 'setup'],
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
  const options = PromotionOptions.parse(input);
  registerSecret(urlPassword(options.databaseUrl));
  const names = deriveNames(options.tenantSlug, options.baseDomain);
  const record = newRecord('rollback', names.slug, deps, options.dryRun);
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
    await runSteps(rollbackSteps(), ctx, { onChange: deps.onChange, fault: deps.fault ?? faultsFromEnv() });
    if (record.result !== 'failed') record.result = options.dryRun ? 'dry-run' : 'rolled-back';
  } catch (e) {
    recordFailure(record, e);
  } finally {
    await releaseRun(ctx);
    record.finishedAt = new Date().toISOString();
  }
  return { record, configFiles: ctx.configFiles };
}
