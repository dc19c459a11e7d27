import { connect } from '../../postgres/connect';
import { historyEntry, readTenant, writeIsolation } from '../../postgres/tenants';
import type { PromotionContext } from '../context';
import type { Step } from '../step';
import { assertOwnerIn } from '../ownership';

/** Marks the promotion complete (state `complete`) with an audit entry. */
export const finishStep: Step<PromotionContext> = {
  name: 'finish',
  title: 'Mark the promotion complete',
  async run(ctx) {
    const session = await connect(ctx.options.databaseUrl);
    try {
      await session.query('BEGIN');
      await assertOwnerIn(ctx, session, 'marking the promotion complete');
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
      await session.query('COMMIT');
      return 'state complete, audit entry appended';
    } catch (e) {
      await session.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      await session.end().catch(() => undefined);
    }
  },
};
