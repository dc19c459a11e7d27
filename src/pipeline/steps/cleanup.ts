import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { recordRemovedKeys } from '../../postgres/cleanup-removed';
import { PromotionError, settingName } from '../../errors';
import { digestTable, matchesRecorded, recordedForm, setComparableSession } from '../../postgres/checksum';
import { connect, setTenantId } from '../../postgres/connect';
import { formatBytes, measureReferenced } from '../../postgres/large-objects';
import { referenceBlockers } from '../../postgres/plan-check';
import {
  captureCandidates,
  removeUnused,
  type Candidates,
  type ReferencedRemoval,
} from '../../postgres/referenced-cleanup';
import {
  describeTrigger,
  disableTriggerSql,
  planTriggers,
  readCleanupTriggers,
  readRole,
  restoreTriggerSql,
  triggerRefusal,
  type TriggerPlan,
} from '../../postgres/privileges';
import { readTenant, writeIsolation } from '../../postgres/tenants';
import type { PromotionContext } from '../context';
import type { Step } from '../step';
import { intoSharedDatabase, tenantDatabaseUrl, toolSchema } from '../tenant-place';
import { assertOwnerIn } from '../ownership';
import type { TablePlan, TenantPlan } from '../../postgres/plan-types';

/**
 * Removes the tenant's rows from the shared database — never the tenants row, which now
 * carries the routing flag — in one transaction, children first. Before deleting it re-checks
 * that the rows still equal what was verified at the switch (a writer ignoring the contract
 * would otherwise lose data), and it asserts that the rows deleted equal the rows verified.
 *
 * The shared database's triggers do not act on these DELETEs (an audit trigger would otherwise
 * write rows of the tenant back): replica mode where the role may use it, else each trigger that
 * would fire is disabled for this transaction only (the role must own its table; the lock that
 * takes blocks every tenant's writes to the table until COMMIT, so it waits at most max-freeze),
 * else nothing is deleted. Before COMMIT every planned table is counted again: a row of the
 * tenant left in the shared database rolls the whole cleanup back.
 */
/** Bound on one statement recording the removed keys in the tenant's database (see run). */
const REMOVED_KEYS_STATEMENT_TIMEOUT_MS = 300_000;

export const cleanupStep: Step<PromotionContext> = {
  name: 'cleanup',
  title: 'Remove the tenant rows from the shared database',
  skip: (ctx) =>
    ctx.options.keepSharedData
      ? 'shared rows kept (keep-shared-data)'
      : ctx.tenant?.isolation?.shared_rows_removed
        ? 'shared rows already removed'
        : undefined,
  async run(ctx) {
    const plan = ctx.plan!;
    const verified = ctx.verified ?? ctx.tenant?.isolation?.verified;
    if (!verified) {
      throw new PromotionError(
        'cleanup-refused',
        'No verified counts and digests were recorded at the switch, so the shared rows cannot be proven safe to delete.',
        `Keep the shared rows (${settingName('keep-shared-data', ctx.options.frontEnd)}) and check the tenant with \`tenant-isolation status --verify\`.`,
      );
    }
    const session = await connect(ctx.servers.sharedUrl);
    // remove-unused records the keys it removes in the tenant's database before its transaction
    // commits: connected before that transaction takes any lock.
    let tenantDb: pg.Client | undefined;
    try {
      await setTenantId(session, plan.tenantId);
      await setComparableSession(session);
      // Large objects the deleted rows reference are left in the shared database (a rollback
      // restores rows that point at them; another row or application may still use them, which the
      // catalog cannot prove otherwise); counted for the record before the rows go.
      const leftObjects = await measureReferenced(session, plan).catch(() => undefined);
      if (
        ctx.options.cleanupReferencedRows === 'remove-unused' &&
        plan.tables.some((t) => t.kind === 'referenced')
      ) {
        tenantDb = await connect(tenantDatabaseUrl(ctx));
        // Its write (the removed keys) runs while this transaction holds the shared rows' locks: a
        // tenant database that does not answer (a lock held there, a stalled server) must end the
        // cleanup instead of holding them. Waiting for a lock is bounded by max-freeze, the write
        // itself generously (COPY of ~1M keys takes seconds) but boundedly.
        await tenantDb.query(
          `SELECT set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)`,
          [`${Math.max(1, Math.round(ctx.options.maxFreezeMs))}ms`, `${REMOVED_KEYS_STATEMENT_TIMEOUT_MS}ms`],
        );
      }
      await session.query('BEGIN');
      // Hold the tenant row FOR SHARE: it stays isolated (a rollback needs FOR UPDATE) while
      // contract-following writers, which now read it FOR SHARE and write to the isolated
      // database, are not blocked by a cleanup that may run for a while. Under that lock this
      // run proves it still owns the tenant: a run that lost it deletes nothing.
      await assertOwnerIn(ctx, session, 'removing the shared rows');
      const changed: string[] = [];
      for (const table of plan.deleteOrder) {
        const expected = verified[table.qualified];
        if (!expected) {
          changed.push(`${table.qualified}: not verified at the switch`);
          continue;
        }
        // Compared with the digest recorded at the switch, in the form it was recorded in, as a
        // whole (count and digest): buckets would only cost.
        const now = await digestTable(session, table, 'source', {
          form: recordedForm(expected),
          locate: false,
        });
        if (!matchesRecorded(expected, now)) {
          changed.push(
            `${table.qualified}: ${expected.count} rows verified at the switch, ${now.count} now${now.count === expected.count ? ' (contents changed)' : ''}`,
          );
        }
      }
      // Other tenants keep writing meanwhile: one of their rows may have come to reference ours
      // since the plan (a cascade would then delete or rewrite it). Lock our referenced rows —
      // which blocks new references to them — and check again.
      const referenced = new Set(
        plan.tables.flatMap((t) => (t.foreignKeys ?? []).map((fk) => fk.references)),
      );
      for (const table of plan.deleteOrder) {
        if (!referenced.has(table.qualified)) continue;
        await session.query(
          `SELECT count(*) FROM (SELECT 1 FROM ${table.qualified} t WHERE ${own(table)} FOR UPDATE OF t) locked`,
        );
      }
      const links = await referenceBlockers(session, plan.tables, { incomingOnly: true });
      if (links.length) {
        throw new PromotionError(
          'cleanup-refused',
          `Other tenants' rows now reference this tenant's shared rows, so nothing was deleted: ${links.join('; ')}`,
          'Those references were made after the promotion was planned. Resolve them (the isolated database has the rows), then re-run to finish the cleanup.',
        );
      }
      if (changed.length) {
        throw new PromotionError(
          'cleanup-refused',
          `The tenant's shared rows changed after the switch, so nothing was deleted: ${changed.join('; ')}.`,
          'A writer is still writing to the shared database for this tenant (it ignores the FOR SHARE contract). Stop it, move those writes to the isolated database, then re-run to finish the cleanup.',
        );
      }
      // Triggers: read now, in this transaction (prevalidation planned the same, but a trigger may
      // have been added since the run started).
      const role = await readRole(session);
      const removeReferenced = ctx.options.cleanupReferencedRows === 'remove-unused';
      const referencedTables = plan.tables.filter((t) => t.kind === 'referenced');
      const triggers = planTriggers(
        role,
        await readCleanupTriggers(session, [
          ...plan.deleteOrder,
          ...(removeReferenced ? referencedTables : []),
        ]),
      );
      if (triggers.blocking.length > 0) {
        throw triggerRefusal(role, triggers, {
          frontEnd: ctx.options.frontEnd,
          before: 'nothing was deleted',
        });
      }
      await quietTriggers(session, triggers, ctx.options.maxFreezeMs);
      let deleted = 0;
      // Global rows (NULL tenant key) the tenant's rows referenced were verified with them but are
      // not the tenant's: they stay, and only the tenant's own rows (ownWhere) are deleted. Counted
      // before anything is deleted (the rows that reference them go first).
      const globals = new Map<string, number>();
      for (const table of plan.deleteOrder) {
        if (table.ownWhere === undefined) continue;
        const { rows } = await session.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${table.qualified} t WHERE (${table.where}) AND (${table.ownWhere}) IS NOT TRUE`,
        );
        globals.set(table.qualified, rows[0]?.n ?? 0);
      }
      const globalKept = [...globals.values()].reduce((a, n) => a + n, 0);
      // Referenced rows are found through the tenant's rows: captured (unlocked) before those go.
      let candidates: Candidates | undefined;
      if (removeReferenced && referencedTables.length > 0)
        candidates = await captureCandidates(session, referencedTables);
      for (const table of plan.deleteOrder) {
        const res = await session.query(`DELETE FROM ${table.qualified} AS t WHERE ${own(table)}`);
        const n = res.rowCount ?? 0;
        const expected = verified[table.qualified]!.count - (globals.get(table.qualified) ?? 0);
        if (n !== expected) {
          throw new PromotionError(
            'cleanup-refused',
            `Cleanup would delete ${n} rows from ${table.qualified} but ${expected} were verified; nothing was deleted.`,
            `Check for ON DELETE CASCADE or triggers that reach this table, then re-run (or keep the shared rows: ${settingName('keep-shared-data', ctx.options.frontEnd)}).`,
          );
        }
        const entry = ctx.record.tables.find((e) => e.schema === table.schema && e.name === table.name);
        if (entry) entry.deletedRows = n;
        deleted += n;
      }
      let removal: ReferencedRemoval | undefined;
      let referencedRemoved: { attempt: string; tables: Record<string, number> } | undefined;
      if (candidates) {
        removal = await removeUnused(session, candidates, ctx.options.maxFreezeMs);
        for (const { table, rows } of removal.removed) {
          const entry = ctx.record.tables.find((e) => e.schema === table.schema && e.name === table.name);
          if (entry) entry.deletedRows = rows;
        }
        // The removed keys go to the tenant's database before this transaction commits, under an
        // attempt id this transaction records with the deletes: a rollback revives exactly them.
        referencedRemoved = {
          attempt: randomUUID(),
          tables: Object.fromEntries(removal.removed.map((r) => [r.table.qualified, r.rows])),
        };
        await recordRemovedKeys(session, tenantDb!, referencedRemoved.attempt, toolSchema(ctx));
        // Keys recorded, deletes not yet committed: an attempt no shared commit names.
        await ctx.deps.fault?.('cleanup:removed-keys-recorded');
      }
      // The tenants row is updated as by every other step of the run: its triggers fire as usual.
      if (triggers.replica) await session.query('SET LOCAL session_replication_role = origin');
      const tenant = await readTenant(session, ctx.options.tenantsTable, ctx.names.slug);
      await writeIsolation(
        session,
        ctx.options.tenantsTable,
        tenant,
        {
          ...tenant.isolation!,
          shared_rows_removed: true,
          ...(referencedRemoved && { referenced_removed: referencedRemoved }),
        },
        {
          from: 'isolated',
          to: 'isolated',
        },
      );
      // No row of the tenant may remain: whatever wrote one during this transaction (a trigger,
      // a rule, a cascade) rolls it back, and shared_rows_removed is never recorded.
      const left: string[] = [];
      for (const table of plan.deleteOrder) {
        const { rows } = await session.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${table.qualified} t WHERE ${own(table)}`,
        );
        if ((rows[0]?.n ?? 0) > 0) left.push(`${table.schema}.${table.name}: ${rows[0]!.n}`);
      }
      if (left.length) {
        throw new PromotionError(
          'cleanup-refused',
          `After deleting, rows of the tenant were still in the shared database (${left.join('; ')}), so the cleanup was rolled back and nothing was deleted.`,
          `Something writes the tenant's rows back as they are deleted${triggers.fired.length ? ` (triggers that fired: ${triggers.fired.map(describeTrigger).join('; ')})` : ' (a rule, or a trigger on another table)'}. Stop it, then re-run; or keep the shared rows (${settingName('keep-shared-data', ctx.options.frontEnd)}).`,
        );
      }
      for (const t of triggers.disable) await session.query(restoreTriggerSql(t));
      await session.query('COMMIT');
      ctx.tenant = {
        ...tenant,
        isolation: {
          ...tenant.isolation!,
          shared_rows_removed: true,
          ...(referencedRemoved && { referenced_removed: referencedRemoved }),
        },
      };
      if (leftObjects && leftObjects.objects > 0 && intoSharedDatabase(ctx)) {
        // The same objects the tenant's rows in its schemas reference: never unlinked here.
        ctx.record.notes.push(
          `Large objects kept in place (${leftObjects.objects} large objects, ${formatBytes(leftObjects.bytes)}): the deleted shared rows referenced them and the tenant's rows in its schemas still do — they are the tenant's now, not copies. Do not remove them (vacuumlo run on this database sees the tenant's references too).`,
        );
      } else if (leftObjects && leftObjects.objects > 0) {
        ctx.record.notes.push(
          `Large objects left in the shared database (${leftObjects.objects} large objects, ${formatBytes(leftObjects.bytes)}): the deleted rows referenced them; the tenant's database has its own copies. Remove them once no rollback is wanted (e.g. vacuumlo, or lo_unlink of each object no remaining row references).`,
        );
      }
      const quiet = triggers.fired.length
        ? `; ${triggers.fired.length} trigger(s) not fired (${triggers.replica ? 'replica mode' : 'disabled for the transaction'})`
        : '';
      const los = leftObjects?.objects
        ? `; ${leftObjects.objects} large objects (${formatBytes(leftObjects.bytes)}) left in the shared database`
        : '';
      const stayed = keptRows(plan, globalKept, removal);
      if (stayed)
        ctx.record.notes.push(
          `Left in the shared database by cleanup (not the tenant's own rows): ${stayed}.`,
        );
      const gone = removal ? removedReferenced(removal) : '';
      if (gone) ctx.record.notes.push(`Removed from the shared database by cleanup: ${gone}.`);
      return `${deleted} rows deleted from ${plan.deleteOrder.length} tables (equal to the rows verified at the switch; none left)${gone ? `; ${gone}` : ''}${quiet}${los}${stayed ? `; kept: ${stayed}` : ''}`;
    } catch (e) {
      await session.query('ROLLBACK').catch(() => undefined);
      throw lockWaitError(e, 'the shared rows', ctx.options.maxFreezeMs, ctx.options.frontEnd) ?? e;
    } finally {
      await tenantDb?.end().catch(() => undefined);
      await session.end().catch(() => undefined);
    }
  },
};

/** The tenant's own rows of a table: `where` less the global rows it also selects. */
const own = (table: TablePlan) => table.ownWhere ?? table.where;

/** Referenced rows removed (cleanup-referenced-rows: remove-unused), per table. */
function removedReferenced(removal: ReferencedRemoval): string {
  const n = removal.removed.reduce((a, r) => a + r.rows, 0);
  // Said every time: the removal trusts the foreign keys alone.
  const unseen = 'references kept without foreign keys cannot be seen, and do not keep a row';
  if (n === 0)
    return `0 referenced rows removed (every one is still referenced by a row that stays; ${unseen})`;
  return `${n} referenced rows no remaining row references (${removal.removed.map((r) => `${r.table.schema}.${r.table.name} ${r.rows}`).join(', ')}; ${unseen})`;
}

/** What cleanup leaves in the shared database on purpose: global, referenced and whole-copied rows. */
function keptRows(plan: TenantPlan, globalKept: number, removal: ReferencedRemoval | undefined): string {
  const parts: string[] = [];
  if (globalKept > 0) parts.push(`${globalKept} global rows`);
  const referenced = plan.tables.filter((t) => t.kind === 'referenced');
  const names = referenced.map((t) => `${t.schema}.${t.name}`).join(', ');
  if (removal) {
    const why: string[] = [];
    if (removal.keptInUse > 0)
      why.push(
        `${removal.keptInUse} still referenced by rows that stay (other tenants', global or copied-whole rows)`,
      );
    if (removal.keptWithParent > 0)
      why.push(`${removal.keptWithParent} belonging to a row that stays (e.g. a shared user's token)`);
    if (removal.keptWithoutKey > 0)
      why.push(
        `${removal.keptWithoutKey} of tables without a primary or unique key (a rollback could not bring exactly them back), with the rows they reference`,
      );
    const kept = removal.keptInUse + removal.keptWithParent + removal.keptWithoutKey;
    if (kept > 0) parts.push(`${kept} referenced rows of ${names}: ${why.join('; ')}`);
  } else if (referenced.length > 0) {
    const n = referenced.reduce((a, t) => a + (t.rows ?? 0), 0);
    parts.push(
      `${n} referenced rows of ${names} (cleanup-referenced-rows: keep, the default; remove-unused removes those no remaining row references)`,
    );
  }
  const whole = plan.tables.filter((t) => t.kind === 'reference');
  if (whole.length > 0)
    parts.push(`tables copied whole: ${whole.map((t) => `${t.schema}.${t.name}`).join(', ')}`);
  return parts.join('; ');
}

/**
 * Keeps the triggers the DELETEs would fire from firing, for this transaction only: replica mode
 * (SET LOCAL), then ALTER TABLE ONLY … DISABLE TRIGGER for each one that would still fire (put
 * back before COMMIT; a ROLLBACK undoes it anyway). DISABLE TRIGGER locks its table against
 * every tenant's writes until the transaction ends, so the lock is waited for at most max-freeze
 * and the rest of the transaction is kept short (the checks are already done).
 */
async function quietTriggers(
  session: pg.ClientBase,
  triggers: TriggerPlan,
  maxFreezeMs: number,
): Promise<void> {
  if (triggers.replica) await session.query('SET LOCAL session_replication_role = replica');
  if (triggers.disable.length === 0) return;
  await session.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(maxFreezeMs))}`);
  for (const t of triggers.disable) await session.query(disableTriggerSql(t));
}

/**
 * With triggers disabled the transaction runs under lock_timeout = max-freeze (it blocks other
 * tenants' writes meanwhile): a lock it could not get in time is a refusal to re-run, not a crash.
 */
function lockWaitError(
  e: unknown,
  what: string,
  maxFreezeMs: number,
  frontEnd: 'action' | 'cli' | undefined,
): PromotionError | undefined {
  const code = (e as { code?: string } | null)?.code;
  if (e instanceof PromotionError || (code !== '55P03' && code !== '40P01')) return undefined;
  return new PromotionError(
    'cleanup-refused',
    `Cleanup waited longer than max-freeze (${maxFreezeMs} ms) for a lock on ${what} while other sessions wrote (it disables triggers, which blocks every tenant's writes to their tables), so nothing was deleted: ${(e as Error).message}.`,
    `Re-run to finish the cleanup when the tables are quieter, or raise ${settingName('max-freeze', frontEnd)}.`,
    { cause: e },
  );
}
