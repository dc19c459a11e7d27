import type pg from 'pg';
import type { TenantPlan } from './plan-types';

/**
 * The shared application's role(s): named explicitly (with the roles it inherits privileges from
 * that hold grants or policies on the tenant's tables), or found as the roles that RLS policies
 * on the tenant's tables name, or that may write to them (superusers, the connecting role and
 * PUBLIC excluded). Their grants and policies are remapped to the tenant's role in the clone.
 */
export async function sharedAppRoles(
  client: pg.ClientBase,
  plan: TenantPlan,
  explicit?: string,
): Promise<string[]> {
  const tables = plan.tables.filter((t) => t.kind !== 'reference').map((t) => `${t.schema}.${t.name}`);
  // Named explicitly: that role and the group roles whose privileges it inherits (an application
  // role that reaches the tables through `app_rw` holds no grant of its own: mapping only its own
  // would leave the tenant's role without access, and access control expecting just as little).
  const { rows } = await client.query<{ rolname: string }>(
    `WITH planned AS (
       SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE (n.nspname || '.' || c.relname) = ANY($1::text[])
     ), named AS (
       SELECT unnest(p.polroles) AS role FROM pg_policy p WHERE p.polrelid IN (SELECT oid FROM planned)
       UNION
       SELECT a.grantee FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid IN (SELECT oid FROM planned)
          AND ($2::text IS NOT NULL OR a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE'))
     )
     SELECT DISTINCT r.rolname FROM named JOIN pg_roles r ON r.oid = named.role
      WHERE NOT r.rolsuper AND r.rolname <> current_user
        AND r.oid NOT IN (SELECT c.relowner FROM pg_class c WHERE c.oid IN (SELECT oid FROM planned))
        AND ($2::text IS NULL OR (r.rolname <> $2 AND pg_has_role($2, r.oid, 'USAGE')))
      ORDER BY 1`,
    [tables, explicit ?? null],
  );
  const found = rows.map((r) => r.rolname);
  return explicit ? [explicit, ...found] : found;
}
