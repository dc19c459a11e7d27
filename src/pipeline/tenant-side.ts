import type pg from 'pg';
import { connect } from '../postgres/connect';
import { tenantSession, tenantSideOf, type TenantSide } from '../postgres/tenant-side';
import type { PromotionContext } from './context';

/** The tenant's side of this run's tenant, as its record says (see postgres/tenant-side.ts). */
export function tenantSideFor(ctx: PromotionContext): TenantSide {
  return tenantSideOf(ctx.tenant?.isolation, ctx.names.database, ctx.sharedDatabase!);
}

/**
 * An administrative session on the tenant's side (its database on the target server, or the
 * shared database holding its schemas) whose statements name the tenant's tables as the shared
 * database names them (tenantSession). The caller ends it.
 */
export async function connectTenantSide(ctx: PromotionContext): Promise<pg.Client> {
  const side = tenantSideFor(ctx);
  const client = await connect(ctx.servers.tenantDatabaseUrl(side.database));
  try {
    return await tenantSession(client, side, ctx.plan);
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
}
