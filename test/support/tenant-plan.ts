import pg from 'pg';
import { readTableGraph } from '../../src/postgres/catalog';
import { planTenant } from '../../src/postgres/plan';
import type { TenantPlan } from '../../src/postgres/plan-types';

/**
 * The copy plan of one tenant of the database at `url`, as the engine plans it for a fixture laid
 * out the usual way (a `tenants` table, a `tenant_id` key, reference tables copied).
 */
export async function planFixtureTenant(
  url: string,
  tenantId: string,
  tenantIdType: 'bigint' | 'uuid' = 'bigint',
): Promise<TenantPlan> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return planTenant(await readTableGraph(c), {
      tenantsTable: 'tenants',
      tenantKey: 'tenant_id',
      tenantId,
      tenantIdType,
      referenceTables: 'copy',
    });
  } finally {
    await c.end();
  }
}
