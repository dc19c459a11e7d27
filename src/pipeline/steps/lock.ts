import { connect } from '../../postgres/connect';
import { acquireTenantLock, lockHolderName } from '../../postgres/lock';
import type { PromotionContext } from '../context';
import type { Step } from '../step';

/** Takes the tenant's advisory lock on a dedicated session, held until the run ends. */
export const lockStep: Step<PromotionContext> = {
  name: 'lock',
  title: 'Lock the tenant',
  async run(ctx) {
    const runLabel = ctx.deps.trigger.runId ? `run ${ctx.deps.trigger.runId}` : ctx.deps.trigger.source;
    const session = await connect(ctx.servers.sharedUrl, {
      application_name: lockHolderName(ctx.names.slug, runLabel),
    });
    ctx.lockSession = session;
    await acquireTenantLock(session, ctx.names.slug, ctx.record.operation);
    return `advisory lock held by this run (${runLabel})`;
  },
  // The lock is released when the run ends (see runOperation), whatever happened.
};
