import { rm } from 'node:fs/promises';
import { deleteService, retireSecretVersion } from '../../cloudrun/deploy';
import type { PromotionContext } from '../context';
import { routingPaths } from '../routing';
import type { Step } from '../step';
import { asOwner, asOwnerWithTarget, dropOwnedDatabase, dropOwnedRoles, markerSource } from '../ownership';
import { toolSchema } from '../tenant-place';
import { toolSchemaMarker } from '../../postgres/tenant-schemas';
import { fromSource } from '../../postgres/roles';
import { PromotionError } from '../../errors';
import type pg from 'pg';
import {
  dependentsOutside,
  dropSchemasSql,
  existingTenantSchemas,
  tenantSchemas,
  tenantSession,
  tenantTables,
  type TenantSide,
} from '../../postgres/tenant-side';
import { readTenant } from '../../postgres/tenants';
import {
  assertAsRestored,
  changedAfterRestore,
  noteUnverified,
  restoredDigests,
  restoredSchemaDigests,
} from './rollback-verify';
import { lockTablesBounded, schemaTableDifferences, schemaTableDigests } from '../../postgres/fence';
import { tenantSideFor } from '../tenant-side';

/** Removes the routing and load-balancer files (missing files are fine: re-runnable). */
export const removeRoutingStep: Step<PromotionContext> = {
  name: 'remove-routing',
  title: 'Remove routing and load-balancer config',
  async run(ctx) {
    const paths = routingPaths(ctx.options.configDir, ctx.names.slug);
    for (const path of [paths.routing, paths.loadBalancer]) {
      await rm(path, { force: true });
      ctx.configFiles.push({ path, content: null });
    }
    return `${paths.routing}, ${paths.loadBalancer} removed`;
  },
};

/** Deletes the Cloud Run service only if the promotion created it (recorded in settings.isolation). */
export const removeServiceStep: Step<PromotionContext> = {
  name: 'remove-service',
  title: 'Delete the Cloud Run service',
  skip(ctx) {
    const service = ctx.tenant?.isolation?.service;
    if (!service) return 'the promotion deployed no service';
    if (!service.created) return `service ${service.name} existed before the promotion: left in place`;
    return undefined;
  },
  async run(ctx) {
    const service = ctx.tenant!.isolation!.service!;
    if (ctx.options.skipCloudRun || !ctx.options.cloudRun) {
      const note = `Cloud Run service ${service.name} was created by the promotion and is still running: delete it (gcloud run services delete ${service.name}) or re-run the rollback with the Cloud Run settings.`;
      ctx.record.notes.push(note);
      return 'left in place: no Cloud Run settings given (see notes)';
    }
    const cloudRun = ctx.options.cloudRun;
    // Held under the proof of ownership: no other run can claim the tenant meanwhile.
    await asOwner(ctx, `deleting Cloud Run service ${service.name}`, async () => {
      await deleteService(cloudRun, service.name, ctx.log);
      if (service.secret_version) await retireSecretVersion(cloudRun, service.secret_version, ctx.log);
    });
    return `${service.name} deleted${service.secret_version ? ', password secret version retired' : ''}`;
  },
};

/**
 * Drops the tenant's side and its roles, unless keep-isolated-data: its own database (database
 * level; schema level into a new database), or — its schemas in the shared database — those
 * schemas only, never the database.
 */
export const dropIsolatedStep: Step<PromotionContext> = {
  name: 'drop-isolated',
  title: 'Drop the isolated database and roles',
  skip: (ctx) =>
    ctx.options.keepIsolatedData ? 'isolated database kept (keep-isolated-data); it stays fenced' : undefined,
  async run(ctx) {
    const side = tenantSideFor(ctx);
    let what: string;
    if (side.ownDatabase) {
      const dropped = await dropOwnedDatabase(ctx, side.database);
      what = dropped ? `database ${side.database}` : 'no database';
    } else {
      const dropped = await dropOwnedSchemas(ctx, side);
      what = dropped.length ? `schema(s) ${dropped.join(', ')}` : 'no schema';
    }
    const roles = await dropOwnedRoles(ctx);
    return `${what} and ${roles.length} role(s) dropped`;
  },
};

/**
 * Drops the tenant's schemas of the shared database and its tool schema there (the row ledger,
 * the removed keys, the run marker: read by the restore, nothing else needs them), under the
 * proof of ownership, in one transaction. CASCADE drops what is in them; anything outside them
 * that depends on them (a shared view reading a tenant table, a key into one) would go too, so it
 * refuses instead, naming those objects. A tool schema of that name this tool did not make for
 * this tenant of this database is left alone.
 */
async function dropOwnedSchemas(ctx: PromotionContext, side: TenantSide): Promise<string[]> {
  return asOwnerWithTarget(
    ctx,
    "dropping the tenant's schemas",
    async (db) => {
      const tool = toolSchema(ctx);
      const marked = await toolSchemaMarker(db, tool);
      const present = [
        ...(await existingTenantSchemas(db, side)),
        ...(marked.exists && fromSource(marked.marker, markerSource(ctx)) ? [tool] : []),
      ];
      if (!present.length) return [];
      await provedAsRestored(ctx, db, side, present);
      const outside = await dependentsOutside(db, present);
      if (outside.length)
        throw new PromotionError(
          'tenant-state',
          `The tenant's schemas ${present.join(', ')} were not dropped: objects outside them depend on them (${outside.join('; ')}).`,
          'The tenant is shared again and its rows are back. Drop or change those objects (they read the tenant’s former schemas), then re-run the rollback to drop the schemas (or keep them with --keep-isolated-data).',
        );
      await db.query(dropSchemasSql(present));
      return present;
    },
    { orphanOk: true },
  );
}

/**
 * The last proof before the tenant's schemas go, in the drop's own transaction: with every table
 * of the schemas locked ACCESS EXCLUSIVE (nothing reads or writes them until the drop commits),
 * their rows are digested again and must be what the restore brought back. The fence closes every
 * way in but the administrator's and a superuser's; a write made through those after the restore
 * would otherwise be dropped with the schemas — so a difference keeps them and says so. A
 * separate step before the drop could not prove this: a write could land between its snapshot
 * and the drop. Costs one hash pass over the tenant's rows (the verify step defers to this one
 * at this placement).
 */
async function provedAsRestored(
  ctx: PromotionContext,
  db: pg.Client,
  side: TenantSide,
  present: readonly string[],
): Promise<void> {
  const schemas = present.filter((s) => tenantSchemas(side).includes(s));
  const tables = await tenantTables(db, schemas);
  // Bounded by max-freeze: a session that keeps a transaction open on them (a report, a DBA's
  // psql) would otherwise hold the drop — and every reader queued behind it — for as long as it likes.
  await lockTablesBounded(db, tables, 'ACCESS EXCLUSIVE', ctx.options.maxFreezeMs, (ms) => ({
    message: `The tenant's schemas ${present.join(', ')} were not dropped: another session held a lock on their tables for longer than max-freeze (${ms} ms).`,
    hint: 'The tenant is shared again and its rows are back. End the transaction that reads or writes those tables (see pg_stat_activity), then re-run the rollback to drop the schemas (or keep them with --keep-isolated-data).',
  }));
  const tenant = await readTenant(db, ctx.options.tenantsTable, ctx.names.slug).catch(() => undefined);
  const recorded = tenant && restoredDigests(tenant);
  // Schemas half dropped by hand, or a plan of an earlier version: nothing to compare against.
  if (!recorded || !ctx.plan || schemas.length < tenantSchemas(side).length) {
    noteUnverified(ctx.record.notes);
    return;
  }
  // Session settings for the comparison only: undone with the transaction if it refuses, and the
  // session ends with the step.
  await assertAsRestored(await tenantSession(db, side, ctx.plan), ctx.plan, recorded, schemas);
  // Rows the parts cannot see: outside the tenant's predicates, or in a table the plan does not
  // know. Recorded by restores of this version only.
  const whole = tenant.isolation ? restoredSchemaDigests(tenant) : undefined;
  if (!whole) return;
  const differences = schemaTableDifferences(whole, await schemaTableDigests(db, schemas));
  if (differences.length) throw changedAfterRestore(schemas, differences);
}
