import type pg from 'pg';
import { PromotionError } from '../../errors';
import type { TenantPlan } from '../../postgres/plan-types';
import { digestOf, setComparableSession } from '../../postgres/checksum';
import { connect, setTenantId } from '../../postgres/connect';
import { partDigests } from '../../postgres/rollback-merge';
import { readTenant } from '../../postgres/tenants';
import type { PromotionContext } from '../context';
import type { Step } from '../step';
import { connectTenantSide, tenantSideFor } from '../tenant-side';
import { existingTenantSchemas, rowsOutsideTenantSchemas } from '../../postgres/tenant-side';

/**
 * Before the tenant's database is dropped: proves it holds exactly what the restore brought back.
 * The restore recorded, in its audit entry, a digest (count and hash sum) of every part it restored
 * as the tenant's database held it; here the fenced, read-only database is digested again and
 * must be equal. A row written there after the restore (a role with a CONNECT grant of its own,
 * review finding) makes the rollback stop with the database kept, instead of dropping the row.
 * Costs one hash pass over the tenant's rows; runs again on a re-run (before the drop).
 */
export const verifyRestoredStep: Step<PromotionContext> = {
  name: 'verify-restored',
  title: 'Prove the isolated database holds nothing the restore did not bring back',
  skip: (ctx) =>
    ctx.options.keepIsolatedData
      ? 'isolated database kept (keep-isolated-data): nothing is dropped'
      : !tenantSideFor(ctx).ownDatabase
        ? "proved by the drop, in its transaction, under locks on the tenant's tables"
        : undefined,
  async run(ctx) {
    const shared = await connect(ctx.servers.sharedUrl);
    let recorded: Record<string, { count: number; digest: string }> | undefined;
    try {
      recorded = restoredDigests(await readTenant(shared, ctx.options.tenantsTable, ctx.names.slug));
    } finally {
      await shared.end().catch(() => undefined);
    }
    let isolated;
    try {
      isolated = await connectTenantSide(ctx);
    } catch (e) {
      // Already dropped by an earlier run (resumed): nothing left to prove.
      const code = (e as { cause?: { code?: string }; code?: string }).cause?.code;
      if (code === '3D000') return 'the isolated database is already gone';
      throw e;
    }
    // Schema level in the shared database: the schemas are what an earlier run dropped.
    const side = tenantSideFor(ctx);
    if (!side.ownDatabase && (await existingTenantSchemas(isolated, side)).length === 0) {
      await isolated.end().catch(() => undefined);
      return "the tenant's schemas are already gone";
    }
    // Schema level into a database of its own: the drift refused rows outside the tenant's schemas
    // before the fence; read again now that the database is fenced (a row written in between).
    const outside = await rowsOutsideTenantSchemas(isolated, side).catch(async (e: unknown) => {
      await isolated.end().catch(() => undefined);
      throw e;
    });
    if (outside.length) {
      await isolated.end().catch(() => undefined);
      throw new PromotionError(
        'validation-failed',
        `The isolated database holds rows outside the tenant's schemas, so it was not dropped: ${outside.slice(0, 10).join('; ')}.`,
        'The tenant is shared again and its database is kept: those rows are in no shared table. Copy them over by hand (or empty those tables), then re-run the rollback to drop the database (or run it with --keep-isolated-data).',
      );
    }
    if (!recorded || !ctx.plan) {
      await isolated.end().catch(() => undefined);
      ctx.record.notes.push(UNRECORDED);
      return 'nothing recorded to compare';
    }
    try {
      await isolated.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const parts = await assertAsRestored(isolated, ctx.plan, recorded);
      return `${parts} part(s) equal to what was restored`;
    } finally {
      await isolated.end().catch(() => undefined);
    }
  },
};

const UNRECORDED =
  'The restore recorded no digests of what it brought back (a rollback of an earlier version): the isolated database is dropped unverified.';

/** What the restore recorded of every part it brought back (its audit entry), if anything. */
export function restoredDigests(tenant: {
  isolation?: { history?: { event: string; tables?: Record<string, { count: number; digest: string }> }[] };
}): Record<string, { count: number; digest: string }> | undefined {
  return [...(tenant.isolation?.history ?? [])].reverse().find((h) => h.event === 'rolled-back')?.tables;
}

/** What the restore recorded of every table of the tenant's schemas (shared placement), if anything. */
export function restoredSchemaDigests(tenant: {
  isolation?: {
    history?: { event: string; schema_tables?: Record<string, { count: number; digest: string }> }[];
  };
}): Record<string, { count: number; digest: string }> | undefined {
  return [...(tenant.isolation?.history ?? [])].reverse().find((h) => h.event === 'rolled-back')
    ?.schema_tables;
}

/**
 * Digests every part of the tenant's side again (`isolated`: a session naming its tables as the
 * shared database does, in the caller's transaction) and refuses, keeping the tenant's data, when
 * one differs from what the restore recorded. Returns the number of parts compared.
 */
export async function assertAsRestored(
  isolated: pg.ClientBase,
  plan: TenantPlan,
  recorded: Record<string, { count: number; digest: string }>,
  /** The tenant's schemas in the shared database, when it is those that are kept (else its database). */
  schemas?: readonly string[],
): Promise<number> {
  await setComparableSession(isolated);
  await setTenantId(isolated, plan.tenantId);
  const now = await partDigests(isolated, plan);
  // A part the restore recorded nothing for (a plan that changed between runs) is not proved
  // restored: it keeps the database like any difference.
  const differences = now
    .map((d) => ({ d, was: recorded[d.label] }))
    .filter(({ d, was }) => !was || was.count !== d.count || was.digest !== digestOf(d.count, d.sum))
    .map(({ d, was }) =>
      was
        ? `${d.label}: ${was.count} rows restored, ${d.count} rows now`
        : `${d.label}: ${d.count} rows, none recorded as restored`,
    );
  if (differences.length) throw changedAfterRestore(schemas, differences);
  return now.length;
}

/** The tenant's side changed since the restore: kept, with what differs. */
export function changedAfterRestore(
  schemas: readonly string[] | undefined,
  differences: readonly string[],
): PromotionError {
  return new PromotionError(
    'validation-failed',
    schemas
      ? `The tenant's schemas ${schemas.join(', ')} changed after the restore, so they were not dropped: ${differences.slice(0, 10).join('; ')}.`
      : `The isolated database changed after the restore, so it was not dropped: ${differences.slice(0, 10).join('; ')}.`,
    schemas
      ? 'The tenant is shared again and its schemas are kept: rows written there after the restore are not in the shared tables. Copy them over by hand, then re-run the rollback to drop the schemas (or run it with --keep-isolated-data).'
      : 'The tenant is shared again and its database is kept: rows written there after the restore are not in the shared database. Copy them over by hand, then re-run the rollback to drop the database (or run it with --keep-isolated-data).',
  );
}

/** Pushed to the run's notes when there is nothing to compare with. */
export function noteUnverified(notes: string[]): void {
  notes.push(UNRECORDED);
}
