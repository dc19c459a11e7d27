import type pg from 'pg';
import { PromotionError } from '../../errors';
import { setComparableSession } from '../../postgres/checksum';
import { readTableGraph } from '../../postgres/catalog';
import { connect, setTenantId } from '../../postgres/connect';
import { readLedgerTables } from '../../postgres/rollback-ledger';
import { findLargeObjectColumns, listSome } from '../../postgres/large-objects';
import {
  borrowRoles,
  describeObjectOwners,
  reownTenantObjects,
  restoreLargeObjects,
} from '../../postgres/rollback-large-objects';
import {
  applyRestore,
  describeConflicts,
  describeRestore,
  partDigests,
  prepareRestore,
  verifyRestore,
  type PreparedRestore,
  type RemovedByCleanup,
} from '../../postgres/rollback-merge';
import { syncSequences } from '../../postgres/schema-clone';
import { quoteQualified } from '../../postgres/sql';
import { historyEntry, readTenant, writeIsolation } from '../../postgres/tenants';
import { digestOf } from '../../postgres/checksum';
import type { PromotionContext } from '../context';
import { faultsFromEnv } from '../faults';
import { connectTenantSide, tenantSideFor } from '../tenant-side';
import { onTenantSide, tenantSchemas, tenantTables } from '../../postgres/tenant-side';
import { intoSharedDatabase, toolSchema as toolSchemaOf } from '../tenant-place';
import type { Step } from '../step';
import { assertOwnerIn } from '../ownership';
import { lockTablesBounded, schemaTableDigests, unplannedTablesWithRows } from '../../postgres/fence';
import { orderPlan } from './plan';

/**
 * Rollback's commit point. In one transaction on the shared database, under the tenant row's
 * lock and with ownership proved: read and classify what comes back (rollback-merge.ts) and
 * refuse, before writing anything, on a conflict (a row changed on both sides since the switch),
 * a row of the tenant's database that belongs to no one the rollback can place, or a table
 * without a key the tenant changed; then bring back the tenant's own rows and merge the rows both
 * sides write, with every constraint checked as the connecting role (no replica mode, no trigger
 * disabled); bring back the large objects its rows reference; prove the result row by row; lift
 * the shared sequences past the shared side's ids; mark the tenant shared with an audit entry.
 * Any failure rolls the transaction back: nothing changed, and the step's undo chain lifts the
 * fence (the tenant stays isolated and working).
 */
export const restoreStep: Step<PromotionContext> = {
  name: 'restore',
  title: 'Copy the rows back and switch to shared',
  commitPoint: true,
  async run(ctx) {
    const fault = ctx.deps.fault ?? faultsFromEnv();
    const { isolated, shared } = await restoreSessions(ctx);
    let giveBack: (() => Promise<void>) | undefined;
    try {
      const { plan, ledger, removedByCleanup, toolSchema } = await restoreInputs(ctx, isolated, shared);
      // Large objects of the tenant's database belong to its roles: readable through them only.
      const loColumns = await findLargeObjectColumns(shared, plan.tables);
      // Granted on a session of its own on the tenant's server (the roles live there, which may not
      // be the shared one; the fenced database itself is read-only), kept until given back.
      // In the shared database (schema level) the objects the tenant created are there already,
      // owned by its roles: given away below before the roles are dropped.
      const inShared = intoSharedDatabase(ctx);
      if (loColumns.length || inShared) giveBack = await borrowTenantRoles(ctx);
      // The fence made the tenant's database read-only for new sessions: reading it is all we do.
      const side = tenantSideFor(ctx);
      const locked = side.ownDatabase ? [] : await tenantTables(isolated, tenantSchemas(side));
      await isolated.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // The tenant's schemas in the shared database cannot be made read-only: no write may be in
      // flight when the rows are read, nor land before the commit (whoever the fence cannot stop:
      // a superuser). SHARE waits for writes that hold their lock and blocks new ones; LOCK takes
      // no snapshot, so this transaction's snapshot is taken after every such write committed.
      // Bounded by max-freeze: the fence ends no superuser's session, and one holding a write open
      // would otherwise hold the rollback, with the tenant fenced, for as long as it likes.
      await lockTablesBounded(isolated, locked, 'SHARE', ctx.options.maxFreezeMs, (ms) => ({
        message: `The tenant's tables in ${tenantSchemas(side).join(', ')} stayed locked by another session for longer than max-freeze (${ms} ms), so nothing was copied back.`,
        hint: "A transaction that writes them is still open (see pg_stat_activity; the fence ends no superuser's session). The tenant stays isolated and working (the fence is lifted): end that transaction, then re-run the rollback.",
      }));
      await shared.query('BEGIN');
      await shared.query(
        `SELECT 1 FROM ${quoteQualified(ctx.options.tenantsTable)} t WHERE t.slug = $1 FOR UPDATE`,
        [ctx.names.slug],
      );
      await assertOwnerIn(ctx, shared, 'copying the rows back');
      if (!side.ownDatabase) {
        const planned = plan.tables.map((t) => `${onTenantSide(side, t.schema)}.${t.name}`);
        const unplanned = await unplannedTablesWithRows(isolated, tenantSchemas(side), planned);
        if (unplanned.length)
          throw new PromotionError(
            'tenant-state',
            `Tables in the tenant's schemas that are none of its tables hold rows: ${unplanned.slice(0, 10).join(', ')}. The rollback copies back the tenant's tables only, so it changed nothing.`,
            "The tenant stays isolated and working (the fence is lifted). Move those rows into the tenant's tables or a table of the shared database, or empty or drop those tables, then re-run the rollback.",
          );
      }
      const prepared = await prepareRestore(shared, isolated, plan, ledger, { removedByCleanup, toolSchema });
      ctx.record.notes.push(...prepared.notes);
      refuseUnplaceable(prepared, ctx.options.keepIsolatedData);
      const applied = await applyRestore(shared, isolated, plan, prepared, (table) =>
        Promise.resolve(fault?.(`restore:${table}`)),
      ).catch((e: unknown) => {
        throw restoreError(e);
      });
      const verified = await verifyRestore(shared, isolated, prepared);
      if (verified.differences.length) {
        throw new PromotionError(
          'validation-failed',
          `The rows copied back differ from the isolated database: ${verified.differences.slice(0, 5).join('; ')}`,
          'Nothing was changed and the tenant stays isolated. A trigger on a shared table rewrites restored rows: make it leave rows alone when nothing but a rollback writes them, or run the rollback as the tables’ owner, then re-run.',
        );
      }
      const objects = await restoreLargeObjects(shared, isolated, plan, loColumns);
      const reowned = inShared
        ? await reownTenantObjects(shared, plan, loColumns, [ctx.names.appRole, ctx.names.ownerRole], objects)
        : undefined;
      await fault?.('restore:before-commit');
      // The tenant's sequences are looked up by name on its side: in its schemas at schema level.
      await syncSequences(isolated, shared, tenantSideFor(ctx).schemas);
      const tenant = await readTenant(shared, ctx.options.tenantsTable, ctx.names.slug);
      // Every part restored, as the tenant's database held it (the drop step proves it still does);
      // the own rows were just digested by verifyRestore on this snapshot.
      const tablesDigest = Object.fromEntries(
        (await partDigests(isolated, plan, verified.own)).map((d) => [
          d.label,
          { count: d.count, digest: digestOf(d.count, d.sum) },
        ]),
      );
      // At the shared placement, every table of the tenant's schemas as a whole too: the parts
      // see the tenant's rows of the plan's tables only (see schemaTableDigests).
      const schemaTables = side.ownDatabase
        ? undefined
        : await schemaTableDigests(isolated, tenantSchemas(side));
      const merged = applied.merged;
      const detail =
        `${applied.restored} rows restored from ${ctx.names.database}` +
        (merged.insert + merged.update + merged.delete
          ? `; shared rows merged: ${merged.insert} inserted, ${merged.update} updated, ${merged.delete} deleted`
          : '') +
        (objects.copied + objects.replaced
          ? `; ${objects.copied + objects.replaced} large object(s) restored`
          : '');
      const ok = await writeIsolation(
        shared,
        ctx.options.tenantsTable,
        tenant,
        {
          ...tenant.isolation!,
          state: 'rolled-back',
          shared_rows_removed: false,
          referenced_removed: undefined,
          verified: undefined,
          history: [
            ...(tenant.isolation?.history ?? []),
            historyEntry({
              event: 'rolled-back',
              actor: ctx.deps.trigger.actor,
              source: ctx.deps.trigger.source,
              pull_request: ctx.deps.trigger.pullRequest,
              run_url: ctx.deps.trigger.runUrl,
              tables: tablesDigest,
              ...(schemaTables ? { schema_tables: schemaTables } : {}),
              detail,
            }),
          ],
        },
        { from: 'isolated', to: 'shared' },
      );
      if (!ok)
        throw new PromotionError(
          'tenant-state',
          `Tenant "${ctx.names.slug}" is no longer isolated; nothing was changed.`,
          'Check its status.',
        );
      await shared.query('COMMIT');
      ctx.record.committed = true;
      // The tenant's writes were blocked from the fence to this commit.
      const fencedAt = ctx.record.steps.find((s) => s.name === 'fence')?.startedAt;
      if (fencedAt) {
        ctx.record.freezeMs = Math.max(0, Date.now() - Date.parse(fencedAt));
        ctx.record.notes.push(
          `The tenant's writes were blocked for ${ctx.record.freezeMs} ms (from the fence to the commit of the restore).`,
        );
      }
      ctx.record.notes.push(...describeRestore(prepared));
      ctx.record.notes.push(...describeObjectOwners(objects));
      if (reowned?.unreferenced.length)
        ctx.record.notes.push(
          `${reowned.unreferenced.length} large object(s) the tenant's roles owned that no restored row references now belong to the connecting role (kept, not deleted with the roles): ${listSome(reowned.unreferenced)}.`,
        );
      if (applied.kept.length)
        ctx.record.notes.push(
          `Kept in the shared database although the tenant deleted them (other rows still reference them): ${applied.kept.slice(0, 20).join(', ')}${applied.kept.length > 20 ? ` … and ${applied.kept.length - 20} more` : ''}.`,
        );
      for (const v of verified.own) {
        ctx.record.tables.push({
          schema: v.table.schema,
          name: v.table.name,
          kind: v.table.kind,
          copiedRows: v.count,
          checksum: digestOf(v.count, v.sum),
        });
      }
      return `${detail}${applied.stale ? ` (${applied.stale} stale shared rows replaced)` : ''}; tenant is shared`;
    } catch (e) {
      if (!ctx.record.committed) await shared.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      await isolated.query('ROLLBACK').catch(() => undefined);
      await giveBack?.().catch(() => undefined);
      await isolated.end().catch(() => undefined);
      await shared.end().catch(() => undefined);
    }
  },
};

/**
 * Refuses, before anything is written, what the rollback cannot place without losing or
 * overwriting a write: conflicts, stray rows, unmergeable tables. With keep-isolated-data the
 * message says what stays where.
 */
export function refuseUnplaceable(prepared: PreparedRestore, keepIsolatedData: boolean): void {
  const problems: string[] = [];
  if (prepared.conflicts.length)
    problems.push(
      `${prepared.conflicts.length} row(s) changed on both sides since the switch: ${describeConflicts(prepared.conflicts)}`,
    );
  if (prepared.stray.length)
    problems.push(
      `rows of the tenant's database that belong to no one it can place: ${prepared.stray.join('; ')}`,
    );
  if (prepared.unmergeable.length)
    problems.push(`tables that cannot be merged: ${prepared.unmergeable.join('; ')}`);
  if (prepared.collisions.length)
    problems.push(
      `rows of the tenant's database whose keys or unique values other rows of the shared database hold (both sides handed out the same ids — a table created after the promotion has no sequence range — or wrote the same unique value): ${prepared.collisions.join('; ')}`,
    );
  if (!problems.length) return;
  throw new PromotionError(
    'tenant-state',
    `The rollback would lose or overwrite writes, so it changed nothing: ${problems.join('. ')}.`,
    `The tenant stays isolated and working (the fence is lifted). Decide each row named above by hand — make the two databases agree on it; for a key taken on both sides, give the tenant's row a new key in its database (past the shared side's ids); for a unique value, change it on one side — then re-run the rollback${keepIsolatedData ? '' : ' (run it with --dry-run first to see what comes back)'}.` +
      (keepIsolatedData
        ? ' Nothing moved: the tenant’s rows stay in its database, the shared database keeps its own.'
        : ''),
  );
}

function restoreError(e: unknown): unknown {
  const err = e as {
    code?: string;
    detail?: string;
    message?: string;
    table?: string;
    restoreTable?: string;
  };
  if (err?.code === '23503') {
    return new PromotionError(
      'tenant-state',
      `A row copied back into ${err.table ?? 'the shared database'} breaks a foreign key of the shared database (${err.message}${err.detail ? `: ${err.detail}` : ''}); nothing was changed.`,
      'The tenant stays isolated. The rows reference each other in an order the shared keys do not allow, or the row they reference was deleted in the shared database since the switch: make one key of a cycle DEFERRABLE (ALTER TABLE … ALTER CONSTRAINT … DEFERRABLE), or restore the referenced row; then re-run the rollback.',
    );
  }
  if (err?.code === '23505') {
    return new PromotionError(
      'tenant-state',
      `A row of ${err.table ?? 'a table'} from the isolated database collides with an existing row in the shared database (${err.detail ?? err.message}); nothing was changed.`,
      'Another tenant took that key while this tenant was isolated. Resolve the collision by hand, then re-run the rollback.',
    );
  }
  if (err?.code === '23P01') {
    const table = err.restoreTable ?? err.table ?? 'a table';
    return new PromotionError(
      'tenant-state',
      `A row of ${table} from the isolated database conflicts with an existing row in the shared database under an exclusion constraint (${err.message}${err.detail ? `: ${err.detail}` : ''}); nothing was changed.`,
      'The tenant stays isolated (the fence is lifted). Both sides wrote rows the constraint excludes together while the tenant was isolated: change the value on one side, then re-run the rollback (--dry-run lists such rows first).',
    );
  }
  // A value the shared database refuses (data exception, NOT NULL, CHECK): named with its table.
  if (err?.code && (err.code.startsWith('22') || err.code === '23502' || err.code === '23514')) {
    const table = err.restoreTable ?? err.table ?? 'a table';
    return new PromotionError(
      'tenant-state',
      `A row of ${table} from the isolated database cannot be stored in the shared database (${err.message}${err.detail ? `: ${err.detail}` : ''}); nothing was changed.`,
      `The tenant stays isolated (the fence is lifted). Change that value in the tenant's database of ${table} so the shared schema takes it (or align the shared schema), then re-run the rollback.`,
    );
  }
  return e;
}

/** The tenant's side (its statements in the shared database's names) and the shared database, as the restore (and its preview) read them. */
export async function restoreSessions(
  ctx: PromotionContext,
): Promise<{ isolated: pg.Client; shared: pg.Client }> {
  const shared = await connect(ctx.servers.sharedUrl);
  try {
    return { isolated: await connectTenantSide(ctx), shared };
  } catch (e) {
    await shared.end().catch(() => undefined);
    throw e;
  }
}

/** The plan in restore order, both sessions set to compare alike, and the switch's row ledger. */
export async function restoreInputs(ctx: PromotionContext, isolated: pg.Client, shared: pg.Client) {
  // Where foreign keys form a cycle, the order that honours every key that cannot give way.
  const plan = orderPlan(ctx.plan!, await readTableGraph(shared), { keepSharedData: true });
  for (const c of [isolated, shared]) {
    await setComparableSession(c);
    await setTenantId(c, plan.tenantId);
  }
  const isolation = ctx.tenant?.isolation;
  // Cleanup with cleanup-referenced-rows: remove-unused deleted referenced rows: those come back
  // (the keys it recorded, named by the attempt its transaction wrote with the deletes).
  const removedByCleanup: RemovedByCleanup | undefined =
    isolation?.shared_rows_removed === true && isolation.plan?.cleanup_referenced_rows === 'remove-unused'
      ? isolation.referenced_removed
        ? { attempt: isolation.referenced_removed.attempt, tables: isolation.referenced_removed.tables }
        : 'unrecorded'
      : undefined;
  // The ledger and the removed keys are in the tool schema beside the tenant's tables.
  const toolSchema = toolSchemaOf(ctx);
  return { plan, ledger: await readLedgerTables(isolated, toolSchema), removedByCleanup, toolSchema };
}

/** borrowRoles on an administrative session of the tenant's server, ended when given back. */
async function borrowTenantRoles(ctx: PromotionContext): Promise<() => Promise<void>> {
  const grantor = await connect(ctx.servers.targetAdminUrl);
  try {
    const revoke = await borrowRoles(grantor, [ctx.names.ownerRole, ctx.names.appRole]);
    return async () => {
      try {
        await revoke();
      } finally {
        await grantor.end().catch(() => undefined);
      }
    };
  } catch (e) {
    await grantor.end().catch(() => undefined);
    throw e;
  }
}
