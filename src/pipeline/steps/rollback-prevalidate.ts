import { PromotionError } from '../../errors';
import { readTableGraph } from '../../postgres/catalog';
import { databaseMarker } from '../../postgres/database';
import { planTenant } from '../../postgres/plan';
import type { TenantPlan } from '../../postgres/plan-types';
import { resolveTenantKey } from '../../postgres/tenant-key';
import { assertCanCreate, readRole } from '../../postgres/privileges';
import { checkTenantsTable, readTenant } from '../../postgres/tenants';
import type { PromotionContext } from '../context';
import type { Step } from '../step';
import { adoptSwitchedPlanOptions } from '../plan-options';
import { withTargetServer } from '../ownership';
import { assertRecordedServer } from '../../postgres/target-server';
import { existingTenantSchemas, tenantSchemas } from '../../postgres/tenant-side';
import { tenantSideFor } from '../tenant-side';

/**
 * Rollback's prevalidation: the tenant is isolated and its database exists (fresh rollback), or
 * it is shared again after a rollback that stopped after its switch (resume). Plans the tables
 * from the shared catalog, as a promotion does.
 */
export const rollbackPrevalidateStep: Step<PromotionContext> = {
  name: 'prevalidate',
  title: 'Rollback prevalidation',
  async run(ctx) {
    const db = ctx.lockSession!;
    const { names, options } = ctx;
    ctx.sharedDatabase = (await db.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;
    await checkTenantsTable(db, options.tenantsTable, options.tenantKey);
    const tenant = await readTenant(db, options.tenantsTable, names.slug);
    ctx.tenant = tenant;
    if (tenant.isolationMode === 'isolated' || tenant.isolation?.isolated_server)
      assertRecordedServer(tenant.isolation?.isolated_server, ctx.servers, names.slug, options.frontEnd);
    // Where the tenant's tables are: its database, or (schema level) its schemas — in a database
    // of their own or in the shared database (postgres/tenant-side.ts).
    const side = tenantSideFor(ctx);
    const where = side.ownDatabase
      ? `database "${side.database}"`
      : `schema(s) ${tenantSchemas(side).join(', ')} of the shared database`;
    // The isolated database and its roles are on the target server (the shared one by default).
    const found = await withTargetServer(ctx, async (target) => {
      assertCanCreate(await readRole(target), options.frontEnd);
      if (!side.ownDatabase) {
        // The shared database is nobody's to mark: the tenant's record names the schemas, and the
        // claim proves the tenant is this run's.
        const present = await existingTenantSchemas(db, side);
        return { exists: present.length > 0, ours: true };
      }
      const { exists, marker } = await databaseMarker(target, side.database);
      return { exists, ours: marker?.slug === names.slug };
    });
    if (tenant.isolationMode === 'shared') {
      if (tenant.isolation?.state === 'rolled-back') {
        ctx.mode = 'resume';
        // The drop still proves the database against what the restore recorded: it needs the plan.
        if (found.exists && found.ours) await planRestore(ctx);
        return `tenant is shared again: finishing the rollback's clean-up`;
      }
      throw new PromotionError(
        'tenant-state',
        `Tenant "${names.slug}" is shared; there is nothing to roll back.`,
        'Check the slug, or `tenant-isolation status` for its state.',
      );
    }
    if (!found.exists) {
      throw new PromotionError(
        'tenant-state',
        `Tenant "${names.slug}" is marked isolated, but its ${where} does not exist; there is no data to roll back from.`,
        `Restore the tenant's ${side.ownDatabase ? 'database' : 'schemas'} from backup first (rollback copies its rows back), then re-run.`,
      );
    }
    if (!found.ours) {
      throw new PromotionError(
        'tenant-state',
        `Database "${side.database}" was not created by this tool for tenant "${names.slug}".`,
        'Check the database by hand; the rollback will not read from or drop it.',
      );
    }
    const plan = await planRestore(ctx);
    ctx.mode = 'fresh';
    return `tenant ${names.slug} is isolated in ${where}; its ${plan.deleteOrder.length} data tables will be restored`;
  },
};

/** The plan of the tenant's tables as the switch planned them (options recorded at the switch). */
async function planRestore(ctx: PromotionContext): Promise<TenantPlan> {
  adoptSwitchedPlanOptions(ctx);
  const { options: planned } = ctx;
  const graph = await readTableGraph(ctx.lockSession!);
  // The rows to restore carry the value of the column the rule names, not necessarily id.
  const key = await resolveTenantKey(ctx.lockSession!, graph, planned, ctx.names.slug);
  return (ctx.plan = planTenant(graph, {
    tenantsTable: planned.tenantsTable,
    tenantKey: planned.tenantKey,
    tenantIdColumn: planned.tenantIdColumn,
    tenantId: key.value,
    referenceTables: planned.referenceTables,
    sharedRows: planned.sharedRows,
    tableOverrides: planned.tableOverrides,
    // The restore tells the tenant's own rows (ownWhere) from the global rows it merges.
    globalRows: true,
  }));
}
