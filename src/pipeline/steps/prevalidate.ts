import { PromotionError } from '../../errors';
import { databaseMarker } from '../../postgres/database';
import { roleComment } from '../../postgres/roles';
import { readTenant, checkTenantsTable, checkPrivileges } from '../../postgres/tenants';
import type { PromotionContext } from '../context';
import type { Step } from '../step';

/**
 * Connectivity, which database we are on, the tenant and its state, and whether the target
 * database and roles are free — or left by an earlier failed run of this same tenant, in which
 * case they are cleaned (never a database this tool did not create for this tenant).
 */
export const prevalidateStep: Step<PromotionContext> = {
  name: 'prevalidate',
  title: 'Pre-promotion validation',
  run: inspect,
};

async function inspect(ctx: PromotionContext): Promise<string> {
  const db = ctx.lockSession!;
  const { names, options } = ctx;
  const { rows } = await db.query<{ db: string; version: string }>(
    `SELECT current_database() AS db, current_setting('server_version') AS version`,
  );
  const shared = rows[0]!.db;
  ctx.sharedDatabase = shared;
  // Every derived name starts with tenant_, so the one name to guard against is the shared
  // database's own (a shared database itself named tenant_<slug>).
  if (names.database === shared) {
    throw new PromotionError(
      'invalid-slug',
      `Tenant "${names.slug}" would be promoted into database "${names.database}", which is the shared database itself.`,
      'Choose another slug for this tenant.',
    );
  }
  await checkTenantsTable(db, options.tenantsTable, options.tenantKey);
  await checkPrivileges(db);
  const tenant = await readTenant(db, options.tenantsTable, names.slug);
  ctx.tenant = tenant;

  const dbState = await databaseMarker(db, names.database);
  const isolation = tenant.isolation;
  if (tenant.isolationMode === 'isolated') {
    if (!dbState.exists) {
      throw new PromotionError(
        'tenant-state',
        `Tenant "${names.slug}" is marked isolated, but its database "${names.database}" does not exist.`,
        'Restore the database from backup, or run `tenant-isolation rollback` to return the tenant to shared with its recorded data, after investigating.',
      );
    }
    if (isolation?.state === 'switched') {
      ctx.mode = 'resume';
      return `tenant is isolated but the last run stopped after the switch: resuming routing and cleanup`;
    }
    ctx.mode = 'already-isolated';
    return `tenant is already isolated in "${names.database}"`;
  }
  if (tenant.isolationMode !== 'shared') {
    throw new PromotionError(
      'tenant-state',
      `Tenant "${names.slug}" has isolation_mode "${tenant.isolationMode}"; expected "shared" or "isolated".`,
      'Fix the tenant row by hand before promoting.',
    );
  }
  // Shared: whatever exists under our names must be ours, left by a failed run; it is cleaned by the
  // create steps' undo logic before they create afresh.
  const leftovers: string[] = [];
  if (dbState.exists) {
    if (dbState.marker?.slug !== names.slug || dbState.marker.sourceDatabase !== shared) {
      throw new PromotionError(
        'tenant-state',
        `Database "${names.database}" already exists and was not created by this tool for tenant "${names.slug}" of "${shared}".`,
        'Never overwritten: inspect it, then rename or drop it by hand and re-run.',
      );
    }
    leftovers.push(`database ${names.database}`);
  }
  for (const role of [names.ownerRole, names.appRole]) {
    const r = await roleComment(db, role);
    if (!r.exists) continue;
    if (r.marker?.slug !== names.slug || r.marker.sourceDatabase !== shared) {
      throw new PromotionError(
        'tenant-state',
        `Role "${role}" already exists and was not created by this tool for tenant "${names.slug}" of "${shared}".`,
        'Inspect it; rename or drop it by hand and re-run.',
      );
    }
    leftovers.push(`role ${role}`);
  }
  ctx.mode = 'fresh';
  ctx.leftovers = leftovers;
  return leftovers.length
    ? `tenant ${names.slug} is shared; an earlier failed run left ${leftovers.join(', ')}, which will be replaced`
    : `tenant ${names.slug} is shared in "${shared}"`;
}
