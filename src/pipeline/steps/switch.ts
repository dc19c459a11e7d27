import type pg from 'pg';
import { PromotionError } from '../../errors';
import { catchUp, compareTables, type TableComparison } from '../../postgres/catch-up';
import { setComparableSession } from '../../postgres/checksum';
import { connect, setTenantId } from '../../postgres/connect';
import { syncSequences } from '../../postgres/schema-clone';
import { quoteQualified } from '../../postgres/sql';
import { historyEntry, readTenant, writeIsolation } from '../../postgres/tenants';
import { databaseUrl } from '../../postgres/urls';
import type { PromotionContext } from '../context';
import { MIGRATION_VERSION, type IsolationSettings } from '../tenant-state';
import type { Step } from '../step';
import { releaseSnapshot } from './plan';

/**
 * Freeze, catch up, switch — the commit point.
 *
 * The application contract (README): a write transaction reads the tenant row `FOR SHARE` and
 * writes to the shared database only while it says `shared`. So holding the tenant row
 * `FOR UPDATE` stops exactly this tenant's writers — no other tenant waits on it.
 *
 * 1. Without any lock, digest both sides and apply what changed since the copy snapshot (this
 *    pass does the bulk, while writes go on).
 * 2. Freeze: lock the tenant row FOR UPDATE (lock_timeout = max-freeze), digest again, apply the
 *    last changes, verify every table is equal, mark the tenant isolated, COMMIT. The time from
 *    lock to commit is the freeze, measured and reported; past max-freeze the run gives up
 *    cleanly (ROLLBACK: the tenant stays shared, and the run undoes what it built).
 */
export const switchStep: Step<PromotionContext> = {
  name: 'switch',
  title: 'Freeze, catch up and switch',
  commitPoint: true,
  async run(ctx) {
    await releaseSnapshot(ctx);
    const plan = ctx.plan!;
    const tables = plan.tables;
    const maxFreeze = ctx.options.maxFreezeMs;
    const source = await connect(ctx.options.databaseUrl);
    const target = await connect(databaseUrl(ctx.options.databaseUrl, ctx.names.database));
    let killer: pg.Client | undefined;
    try {
      await setTenantId(source, plan.tenantId);
      await setComparableSession(source);
      await setComparableSession(target);

      const first = await compareTables(source, target, tables);
      const firstChanged = first.filter((c) => !c.equal);
      if (firstChanged.length) await catchUp(source, target, first);

      // Opened before the freeze, so the watchdog can cancel without first connecting.
      killer = await connect(ctx.options.databaseUrl);
      await source.query('BEGIN');
      let lockedAt = 0;
      let watchdog: { disarm(): Promise<boolean> } | undefined;
      try {
        await source.query(`SELECT set_config('lock_timeout', $1, true)`, [`${maxFreeze}ms`]);
        await source.query(
          `SELECT 1 FROM ${quoteQualified(ctx.options.tenantsTable)} t WHERE t.slug = $1 AND t.id::text = $2 FOR UPDATE`,
          [ctx.names.slug, plan.tenantId],
        );
        lockedAt = performance.now();
        // Whatever remains of the window bounds every statement under the freeze.
        await source.query(`SELECT set_config('statement_timeout', $1, true)`, [`${maxFreeze}ms`]);
        // statement_timeout bounds each statement, not their sum: a watchdog cancels whatever runs
        // when the whole window is used up, so the tenant's writes never wait past max-freeze.
        watchdog = freezeWatchdog(killer, [source, target], maxFreeze - (performance.now() - lockedAt));
        const second = await compareTables(source, target, tables);
        let final: TableComparison[] = second;
        if (second.some((c) => !c.equal)) {
          await catchUp(source, target, second);
          const again = await compareTables(
            source,
            target,
            second.filter((c) => !c.equal).map((c) => c.table),
          );
          final = [...second.filter((c) => c.equal), ...again];
        }
        const unequal = final.filter((c) => !c.equal);
        if (unequal.length) {
          throw new PromotionError(
            'validation-failed',
            `After catch-up the new database still differs: ${unequal
              .flatMap((c) => c.differences)
              .slice(0, 5)
              .join('; ')}`,
            'Nothing was switched. Re-run; if it persists, a writer may be ignoring the FOR SHARE contract (see README).',
          );
        }
        // Rows caught up here may carry ids the shared sequences handed out after the copy: move the
        // new database's sequences past them before any writer can switch over.
        await syncSequences(source, target);
        await watchdog.disarm();
        const elapsed = performance.now() - lockedAt;
        if (elapsed > maxFreeze) throw freezeTimeout(maxFreeze, elapsed);

        const verified = Object.fromEntries(
          final.map((c) => [c.table.qualified, { count: c.source.count, digest: c.source.digest }]),
        );
        ctx.verified = verified;
        const tenant = await readTenant(source, ctx.options.tenantsTable, ctx.names.slug);
        const isolation: IsolationSettings = {
          ...(tenant.isolation ?? { history: [] }),
          state: 'switched',
          isolated_db_name: ctx.names.database,
          isolated_at: new Date().toISOString(),
          migration_version: MIGRATION_VERSION,
          source_database: ctx.sharedDatabase,
          app_role: ctx.names.appRole,
          owner_role: ctx.names.ownerRole,
          service: ctx.service && !ctx.options.dryRun ? { ...ctx.service } : undefined,
          shared_rows_removed: false,
          verified,
          history: [
            ...(tenant.isolation?.history ?? []),
            historyEntry({
              event: 'promoted',
              actor: ctx.deps.trigger.actor,
              source: ctx.deps.trigger.source,
              pull_request: ctx.deps.trigger.pullRequest,
              run_url: ctx.deps.trigger.runUrl,
              tables: verified,
              freeze_ms: Math.round(performance.now() - lockedAt),
            }),
          ],
        };
        const switched = await writeIsolation(source, ctx.options.tenantsTable, tenant, isolation, {
          from: 'shared',
          to: 'isolated',
        });
        if (!switched) {
          throw new PromotionError(
            'tenant-state',
            `Tenant "${ctx.names.slug}" is no longer shared; nothing was switched.`,
            'Check its status.',
          );
        }
        await commitSwitch(ctx, source);
        ctx.record.freezeMs = Math.round(performance.now() - lockedAt);
        ctx.tenant = { ...tenant, isolationMode: 'isolated', isolation };
        const caught = firstChanged.length
          ? `; caught up ${firstChanged.length} table(s) changed during the copy`
          : '';
        return `tenant isolated; writes frozen for ${ctx.record.freezeMs} ms${caught}`;
      } catch (e) {
        const expired = await watchdog?.disarm();
        if (!ctx.record.committed) await source.query('ROLLBACK').catch(() => undefined);
        if (expired) throw freezeTimeout(maxFreeze, performance.now() - lockedAt, e);
        if (isTimeout(e))
          throw freezeTimeout(maxFreeze, lockedAt ? performance.now() - lockedAt : maxFreeze, e);
        throw e;
      }
    } finally {
      await source.end().catch(() => undefined);
      await target.end().catch(() => undefined);
      await killer?.end().catch(() => undefined);
    }
  },
};

/**
 * COMMIT is the commit point. If the connection breaks during COMMIT, the outcome is unknown:
 * read it back on a new session before deciding whether to undo.
 */
async function commitSwitch(ctx: PromotionContext, session: pg.Client): Promise<void> {
  try {
    await session.query('COMMIT');
    ctx.record.committed = true;
  } catch (e) {
    const check = await connect(ctx.options.databaseUrl);
    try {
      const tenant = await readTenant(check, ctx.options.tenantsTable, ctx.names.slug);
      if (tenant.isolationMode === 'isolated' && tenant.isolation?.isolated_db_name === ctx.names.database) {
        ctx.record.committed = true;
        return;
      }
    } finally {
      await check.end().catch(() => undefined);
    }
    throw e;
  }
}

/**
 * Cancels whatever the freeze's sessions are running (through `killer`, a session opened in
 * advance) once `budgetMs` has passed. `disarm()` stops it and says whether it fired; it waits
 * for a cancel in flight, so a cancel can never land on a later statement.
 */
function freezeWatchdog(
  killer: pg.Client,
  sessions: pg.Client[],
  budgetMs: number,
): { disarm(): Promise<boolean> } {
  let fired: Promise<void> | undefined;
  const pids = sessions
    .map((c) => (c as unknown as { processID?: number }).processID)
    .filter((p): p is number => !!p);
  const timer = setTimeout(
    () => {
      fired = killer
        .query('SELECT pg_cancel_backend(p) FROM unnest($1::int[]) AS p', [pids])
        .then(() => undefined)
        .catch(() => undefined);
    },
    Math.max(0, budgetMs),
  );
  return {
    async disarm() {
      clearTimeout(timer);
      if (!fired) return false;
      await fired;
      return true;
    },
  };
}

function isTimeout(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === '55P03' || code === '57014';
}

function freezeTimeout(maxFreeze: number, elapsed: number, cause?: unknown): PromotionError {
  return new PromotionError(
    'freeze-timeout',
    `The switch could not complete within max-freeze (${maxFreeze} ms; ${Math.round(elapsed)} ms used): the tenant's writes were not blocked any longer, nothing was switched and the tenant stays shared.`,
    'Re-run at a quieter time, raise max-freeze, or look for long transactions holding the tenant row (pg_stat_activity).',
    { cause },
  );
}
