import { historyEntry, readTenant, writeIsolation } from '../../postgres/tenants';
import type { PromotionContext } from '../context';
import { asOwner } from '../ownership';
import type { Step } from '../step';

/** Marks the promotion complete (state `complete`) with an audit entry, as the tenant's owner. */
export const finishStep: Step<PromotionContext> = {
  name: 'finish',
  title: 'Mark the promotion complete',
  async run(ctx) {
    await asOwner(ctx, 'marking the promotion complete', async (session) => {
      const tenant = await readTenant(session, ctx.options.tenantsTable, ctx.names.slug, true);
      const isolation = tenant.isolation!;
      const entry = historyEntry({
        event: ctx.mode === 'resume' ? 'resumed' : 'completed',
        actor: ctx.deps.trigger.actor,
        source: ctx.deps.trigger.source,
        pull_request: ctx.deps.trigger.pullRequest,
        run_url: ctx.deps.trigger.runUrl,
        detail: isolation.shared_rows_removed ? 'shared rows removed' : 'shared rows kept',
      });
      await writeIsolation(
        session,
        ctx.options.tenantsTable,
        tenant,
        { ...isolation, state: 'complete', history: [...isolation.history, entry] },
        { from: 'isolated', to: 'isolated' },
      );
    });
    return 'state complete, audit entry appended';
  },
};
