import { copyTables } from '../../postgres/copy';
import { connect } from '../../postgres/connect';
import { copyLargeObjects, referencedLargeObjects } from '../../postgres/large-objects';
import { grantSharedLargeObjects, revokeLargeObjectGrants } from '../../postgres/shared-large-objects';
import { assertRunMarker } from '../../postgres/ownership';
import { withCopiedCounts } from '../../postgres/plan-types';
import { faultsFromEnv } from '../faults';
import type { PromotionContext } from '../context';
import type { Step } from '../step';
import { intoSharedDatabase, tenantDatabaseUrl, toolSchema } from '../tenant-place';

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Streams the tenant's rows from the snapshot into the new database, tables in parallel. */
export const copyStep: Step<PromotionContext> = {
  name: 'copy',
  title: 'Copy the tenant rows',
  async run(ctx) {
    const plan = ctx.plan!;
    const results = await copyTables({
      sourceUrl: ctx.servers.sharedUrl,
      targetUrl: tenantDatabaseUrl(ctx),
      snapshotId: ctx.snapshot!.id,
      tenantId: plan.tenantId,
      tables: plan.tables,
      parallelism: ctx.options.copyParallelism,
      split: ctx.options.copyRanges === 'auto',
      signal: ctx.signal,
      onProgress: (table, rows, bytes) => {
        ctx.deps.onProgress?.(table, rows, bytes);
      },
      // Each table's rows are committed only into this run's own database (fencing).
      guard: (target) =>
        assertRunMarker(target, ctx.names.slug, ctx.run.id, 'copying the rows', toolSchema(ctx)),
      fault: ctx.deps.fault ?? faultsFromEnv(),
    });
    // The copy's counts are exact: they replace the plan's estimates for every later step.
    ctx.plan = withCopiedCounts(plan, results);
    let rows = 0;
    let bytes = 0;
    for (const t of plan.tables) {
      const r = results.get(t.qualified);
      if (!r) continue;
      const entry = ctx.record.tables.find((e) => e.schema === t.schema && e.name === t.name);
      if (entry) {
        entry.copiedRows = r.rows;
        entry.bytes = r.bytes;
        entry.durationMs = r.durationMs;
        if (r.ranges) entry.copiedRanges = r.ranges;
        else delete entry.copiedRanges;
      }
      rows += r.rows;
      bytes += r.bytes;
      const ranges = r.ranges
        ? ` (${r.ranges.length} ranges on one snapshot: ${r.ranges.join(' + ')} rows)`
        : '';
      ctx.log.info(
        `${t.schema}.${t.name}: ${r.rows} rows, ${formatBytes(r.bytes)} in ${r.durationMs} ms${ranges}`,
      );
    }
    // The large objects the rows reference, read at the same snapshot, under the same OIDs; into
    // the shared database they stay in place and the tenant's role is granted access instead.
    const lo = intoSharedDatabase(ctx)
      ? await grantInPlace(ctx)
      : await copyLargeObjects({
          sourceUrl: ctx.servers.sharedUrl,
          targetUrl: tenantDatabaseUrl(ctx),
          snapshotId: ctx.snapshot!.id,
          plan,
          roles: { owner: ctx.names.ownerRole, app: ctx.names.appRole },
          signal: ctx.signal,
          guard: (target) =>
            assertRunMarker(target, ctx.names.slug, ctx.run.id, 'copying the large objects', toolSchema(ctx)),
        });
    if (lo.objects > 0 && !('inPlace' in lo))
      ctx.log.info(`large objects: ${lo.objects}, ${formatBytes(lo.bytes)} in ${lo.durationMs} ms`);
    const los =
      lo.objects > 0
        ? 'inPlace' in lo
          ? `, ${lo.objects} large objects granted in place`
          : `, ${lo.objects} large objects (${formatBytes(lo.bytes)})`
        : '';
    const asText = [...results.values()].filter((r) => r.textAcrossMajors).length;
    const text = asText
      ? `; ${asText} table(s) as text, not binary: the target runs another PostgreSQL major version`
      : '';
    const split = plan.tables
      .filter((t) => results.get(t.qualified)?.ranges)
      .map((t) => `${t.schema}.${t.name} in ${results.get(t.qualified)!.ranges!.length} ranges`);
    const ranges = split.length ? `; ${split.join(', ')}` : '';
    return `${rows} rows (${formatBytes(bytes)}) in ${plan.tables.length} tables${ranges}${los}${text}`;
  },
  // The copied rows live only in the new database, which create-database's undo drops. Into the
  // shared database the grants on large objects are revoked (the roles' undo drops the roles).
  async undo(ctx) {
    if (!intoSharedDatabase(ctx) || !ctx.plan?.largeObjects?.objects) return;
    const c = await connect(tenantDatabaseUrl(ctx));
    try {
      await revokeLargeObjectGrants(c, [ctx.names.appRole, ctx.names.ownerRole]);
    } finally {
      await c.end().catch(() => undefined);
    }
  },
};

/**
 * Into the shared database: the objects the tenant's rows reference at the snapshot stay where
 * they are, and its application role is granted access to them (shared-large-objects.ts), in
 * one transaction that first proves the run still owns the tenant's schemas.
 */
async function grantInPlace(
  ctx: PromotionContext,
): Promise<{ objects: number; bytes: number; durationMs: number; inPlace: true }> {
  const started = Date.now();
  const plan = ctx.plan!;
  const columns = plan.largeObjects?.columns ?? [];
  const oids = columns.length ? await referencedLargeObjects(ctx.snapshot!.client, columns, plan.tables) : [];
  if (oids.length === 0) return { objects: 0, bytes: 0, durationMs: 0, inPlace: true };
  const c = await connect(tenantDatabaseUrl(ctx));
  try {
    await c.query('BEGIN');
    await assertRunMarker(c, ctx.names.slug, ctx.run.id, 'granting the large objects', toolSchema(ctx));
    const access = await grantSharedLargeObjects(c, oids, columns, ctx.names.appRole);
    await c.query('COMMIT');
    ctx.log.info(
      `large objects in place: ${ctx.names.appRole} granted SELECT on ${access.select.length}, UPDATE on ${access.update.length}`,
    );
    return { objects: oids.length, bytes: 0, durationMs: Date.now() - started, inPlace: true };
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    await c.end().catch(() => undefined);
  }
}
