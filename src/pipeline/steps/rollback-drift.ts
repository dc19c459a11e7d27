import { PromotionError } from '../../errors';
import { schemaDrift, type RollbackDrift } from '../../postgres/rollback-drift';
import { tenantSchemas, unmappedPlanTables } from '../../postgres/tenant-side';
import type { PromotionContext } from '../context';
import type { Step } from '../step';
import { tenantSideFor } from '../tenant-side';
import { restoreSessions } from './rollback-restore';

/**
 * Before anything changes: the tenant's database and the shared database, as they are now, must
 * have room for each other's rows (rollback-drift.ts). Drift refuses the rollback, listing every
 * difference; a dry run reports it instead.
 */
export const rollbackDriftStep: Step<PromotionContext> = {
  name: 'schema-drift',
  title: 'Compare the schemas',
  skip: (ctx) => (ctx.mode === 'resume' ? 'done by an earlier run (resuming after the switch)' : undefined),
  async run(ctx) {
    const side = tenantSideFor(ctx);
    // Schema level: a plan table in a schema the switch did not map has no place on the tenant's
    // side (and its session refuses it), so it is drift, listed before the sessions open.
    const unmapped = unmappedPlanTables(ctx.plan!, side).map(
      (t) => `table ${t}: in a schema the tenant's side has no schema for (added after the promotion)`,
    );
    let found: RollbackDrift;
    if (unmapped.length) found = { schema: unmapped, values: [] };
    else {
      const { isolated, shared } = await restoreSessions(ctx);
      try {
        found = await schemaDrift(shared, isolated, ctx.plan!, side);
      } finally {
        await isolated.end().catch(() => undefined);
        await shared.end().catch(() => undefined);
      }
    }
    const drift = [...found.schema, ...found.values];
    if (drift.length === 0) return 'no drift: every table, column and constraint matches';
    if (ctx.options.dryRun) {
      ctx.record.notes.push(`Schema drift (the rollback would refuse): ${drift.join('; ')}.`);
      return `${drift.length} difference(s): the rollback would refuse (see notes)`;
    }
    const place = side.ownDatabase
      ? ctx.names.database
      : `its schema(s) ${tenantSchemas(side).join(', ')} of the shared database`;
    const where = ctx.options.keepIsolatedData
      ? ` Nothing moved: the tenant's rows stay in ${place} (still isolated and working), the shared database keeps its own rows and schema.`
      : ` The tenant stays isolated and working in ${place}.`;
    const list = (items: string[]) =>
      `${items.slice(0, 20).join('; ')}${items.length > 20 ? `; … and ${items.length - 20} more` : ''}`;
    if (found.schema.length === 0)
      throw new PromotionError(
        'tenant-state',
        `The tenant's database holds values the shared server cannot hold, so the rows cannot come back: ${list(found.values)}.${where}`,
        "Change those values in the tenant's database (e.g. UPDATE … SET col = NULL or a finite interval WHERE NOT isfinite(col)), or upgrade the shared server to the tenant's major version; then re-run the rollback.",
      );
    throw new PromotionError(
      'tenant-state',
      `The schemas have drifted since the promotion, so the rows cannot come back: ${list(drift)}.${where}`,
      `Apply the same migrations to both databases (what exists only in the tenant database must exist in the shared one, with the same types and NOT NULLs), then re-run the rollback.${found.values.length ? " Values the shared server cannot hold must be changed in the tenant's database first." : ''}`,
    );
  },
};
