import pg from 'pg';
import { PromotionError } from '../errors';
import { listSome } from './large-objects';
import { targetOf, type LargeObjectColumn, type TablePlan } from './plan-types';

/**
 * Large objects at schema level INTO THE SHARED DATABASE. There is one `pg_largeobject` per
 * database: a copy under the same OID is impossible, and the tenant's rows must keep their values.
 * So the objects stay where they are, and the tenant's application role is granted what it needs
 * on exactly the objects its rows reference:
 *
 * - SELECT on each;
 * - UPDATE on each the shared side lets its application write — an object with default privileges
 *   (only its owner, the role that created it, writes it: the application) or with UPDATE granted
 *   to a role other than its owner. An object others may only read stays read-only for the tenant.
 *
 * GRANT on a large object needs its ownership (or membership in its owner) or the privilege WITH
 * GRANT OPTION: the plan refuses, before anything is created, when the connecting role has
 * neither. Ownership is not handed to the tenant's roles: the shared rows still reference the
 * objects until cleanup, and a rollback or an undo would have to give it back.
 *
 * The grants are found again from the catalog (the ACL entries naming the tenant's roles), so an
 * undo, a crash-and-re-run and the rollback revoke them without a record.
 */

/** Per object (alias m, pg_largeobject_metadata): the shared side lets its application write it. */
const WRITABLE_SQL = `(m.lomacl IS NULL OR EXISTS (
    SELECT 1 FROM aclexplode(m.lomacl) a WHERE a.privilege_type = 'UPDATE' AND a.grantee <> m.lomowner))`;

/** Whether the session's role may grant `priv` on object m (owner, member of it, or grant option). */
function mayGrantSql(priv: 'SELECT' | 'UPDATE'): string {
  return `((SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
           OR pg_has_role(m.lomowner, 'USAGE')
           OR EXISTS (SELECT 1 FROM aclexplode(m.lomacl) g
                       WHERE g.privilege_type = '${priv}' AND g.is_grantable AND g.grantee <> 0
                         AND pg_has_role(g.grantee, 'USAGE')))`;
}

export interface SharedLargeObjectAccess {
  /** Objects the tenant's role is granted SELECT on (all referenced). */
  select: string[];
  /** Of those, the ones it is granted UPDATE on too. */
  update: string[];
}

const BATCH = 1000;

function assertOid(o: string): string {
  if (!/^\d{1,10}$/.test(o)) throw new PromotionError('internal', `Not an OID: ${JSON.stringify(o)}.`);
  return o;
}

/**
 * What the tenant's role needs on `oids` and whether the session's role may grant it; refuses
 * (PromotionError 'permission-denied') naming the columns, the objects, their owners, the missing
 * privilege and the fix. Reads the catalog only.
 */
export async function assessSharedLargeObjects(
  client: pg.ClientBase,
  oids: readonly string[],
  columns: readonly LargeObjectColumn[],
  /** Of `oids`, those rows that are not the tenant's reference too: refused (not its own). */
  alsoOthers: readonly string[] = [],
): Promise<SharedLargeObjectAccess> {
  if (alsoOthers.length) {
    const via = columns.map((c) => `${c.schema}.${c.name}.${c.columnName}`);
    throw new PromotionError(
      'plan-blocked',
      `${alsoOthers.length} of the ${oids.length} large objects the tenant's rows reference (columns ${via.join(', ')}) are referenced by other rows of the shared database too (another tenant's, or a table copied whole): ${listSome([...alsoOthers], 5)}. In the shared database the objects stay in place and are granted to the tenant's role: that would open another tenant's data to it. Nothing was created.`,
      `Give the tenant its own copy (UPDATE <table> SET <column> = lo_from_bytea(0, lo_get(<column>)) for its rows), or give target-database-url: in a database of its own the objects are copied.`,
    );
  }
  const access: SharedLargeObjectAccess = { select: [], update: [] };
  const denied: { o: string; owner: string; missing: string }[] = [];
  for (let i = 0; i < oids.length; i += BATCH) {
    const { rows } = await client.query<{
      o: string;
      owner: string;
      writable: boolean;
      may_select: boolean;
      may_update: boolean;
    }>(
      `SELECT m.oid::text AS o, pg_get_userbyid(m.lomowner) AS owner, ${WRITABLE_SQL} AS writable,
              ${mayGrantSql('SELECT')} AS may_select, ${mayGrantSql('UPDATE')} AS may_update
         FROM pg_largeobject_metadata m WHERE m.oid = ANY ($1::oid[]) ORDER BY m.oid`,
      [oids.slice(i, i + BATCH)],
    );
    for (const r of rows) {
      access.select.push(r.o);
      if (r.writable) access.update.push(r.o);
      const missing = [!r.may_select && 'SELECT', r.writable && !r.may_update && 'UPDATE'].filter(Boolean);
      if (missing.length) denied.push({ o: r.o, owner: r.owner, missing: missing.join(', ') });
    }
  }
  if (denied.length) {
    const who = (await client.query<{ who: string }>('SELECT current_user AS who')).rows[0]!.who;
    const owners = [...new Set(denied.map((d) => d.owner))].sort();
    const privs = ['SELECT', 'UPDATE'].filter((p) => denied.some((d) => d.missing.includes(p))).join(', ');
    const via = columns
      .filter((c) => (c.objects ?? 1) > 0)
      .map((c) => `${c.schema}.${c.name}.${c.columnName}`);
    const list = denied.map((d) => d.o);
    const some = list.slice(0, 100).join(', ');
    throw new PromotionError(
      'permission-denied',
      `Role "${who}" may not grant the tenant's role ${privs} on ${denied.length} of the ${oids.length} large objects the tenant's rows reference (columns ${via.join(', ')}): ${listSome(list, 5)} (owned by ${owners.join(', ')}). In the shared database the objects stay in place under their OIDs and the tenant's role is granted access to them, which needs their ownership or ${privs} WITH GRANT OPTION. Nothing was created.`,
      `As their owner (${owners.join(', ')}) or a superuser, either give them to "${who}" (ALTER LARGE OBJECT <oid> OWNER TO ${pg.escapeIdentifier(who)}, for each) or let it pass the privilege on: GRANT ${privs} ON LARGE OBJECT ${some}${list.length > 100 ? ', …' : ''} TO ${pg.escapeIdentifier(who)} WITH GRANT OPTION; then re-run. Or give target-database-url: in a database of its own the objects are copied.`,
    );
  }
  return access;
}

/**
 * Grants the tenant's application role SELECT (and UPDATE where the shared side lets the
 * application write) on `oids`, after refusing like the plan if the session's role may not.
 * Runs in the caller's transaction. Returns what was granted.
 */
export async function grantSharedLargeObjects(
  client: pg.ClientBase,
  oids: readonly string[],
  columns: readonly LargeObjectColumn[],
  appRole: string,
): Promise<SharedLargeObjectAccess> {
  const access = await assessSharedLargeObjects(client, oids, columns);
  const role = pg.escapeIdentifier(appRole);
  for (let i = 0; i < access.select.length; i += BATCH) {
    const batch = access.select.slice(i, i + BATCH).map(assertOid);
    await client.query(`GRANT SELECT ON LARGE OBJECT ${batch.join(', ')} TO ${role}`);
  }
  for (let i = 0; i < access.update.length; i += BATCH) {
    const batch = access.update.slice(i, i + BATCH).map(assertOid);
    await client.query(`GRANT UPDATE ON LARGE OBJECT ${batch.join(', ')} TO ${role}`);
  }
  return access;
}

/**
 * Revokes every privilege on a large object of this database granted to `roles` (found in the
 * objects' ACLs): the undo before the switch, and the rollback before the roles are dropped (DROP
 * ROLE refuses a role that still holds privileges). Returns the number of objects touched.
 */
export async function revokeLargeObjectGrants(
  client: pg.ClientBase,
  roles: readonly string[],
): Promise<number> {
  let touched = 0;
  for (const role of roles) {
    const { rows } = await client.query<{ o: string }>(
      `SELECT DISTINCT m.oid::text AS o FROM pg_largeobject_metadata m, aclexplode(m.lomacl) a
        WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1) ORDER BY 1`,
      [role],
    );
    const oids = rows.map((r) => assertOid(r.o));
    for (let i = 0; i < oids.length; i += BATCH)
      await client.query(
        `REVOKE ALL ON LARGE OBJECT ${oids.slice(i, i + BATCH).join(', ')} FROM ${pg.escapeIdentifier(role)}`,
      );
    touched += oids.length;
  }
  return touched;
}

/**
 * One `SELECT … AS o` per large-object column of `tables`, reading the OIDs the tenant's rows
 * carry in its target tables (none for a column whose table is not planned), to be UNIONed.
 */
export function tenantSideOidSelects(
  columns: readonly LargeObjectColumn[],
  tables: readonly TablePlan[],
): string[] {
  const byQualified = new Map(tables.map((t) => [t.qualified, t]));
  return columns
    .filter((c) => byQualified.has(c.table))
    .map(
      (c) =>
        `SELECT t.${c.column}::oid AS o FROM ${targetOf(byQualified.get(c.table)!)} t WHERE t.${c.column} IS NOT NULL`,
    );
}

/**
 * The objects the tenant's rows reference on its side (`tables` under their target names — its
 * schemas of the shared database — all rows being the tenant's there), that exist.
 */
export async function tenantSideReferenced(
  client: pg.ClientBase,
  columns: readonly LargeObjectColumn[],
  tables: readonly TablePlan[],
): Promise<string[]> {
  const parts = tenantSideOidSelects(columns, tables);
  if (parts.length === 0) return [];
  const { rows } = await client.query<{ o: string }>(
    `SELECT DISTINCT x.o::text AS o FROM (${parts.join(' UNION ')}) x
      WHERE EXISTS (SELECT 1 FROM pg_largeobject_metadata m WHERE m.oid = x.o) ORDER BY 1`,
  );
  return rows.map((r) => r.o);
}

/**
 * Of `oids`, those `role` may not read, or may not write where the shared side lets its
 * application write (the rule above): PostgreSQL 15's rule read from the catalog (superuser,
 * lo_compat_privileges, membership in the owner, SELECT/UPDATE granted to it or to PUBLIC).
 */
export async function lackingAccess(
  client: pg.ClientBase,
  role: string,
  oids: readonly string[],
): Promise<{ o: string; missing: string }[]> {
  const out: { o: string; missing: string }[] = [];
  const has = (priv: string) => `(r.rolsuper OR current_setting('lo_compat_privileges')::boolean
      OR pg_has_role(r.oid, m.lomowner, 'USAGE')
      OR EXISTS (SELECT 1 FROM aclexplode(m.lomacl) a WHERE a.privilege_type = '${priv}'
                  AND (a.grantee = 0 OR pg_has_role(r.oid, a.grantee, 'USAGE'))))`;
  for (let i = 0; i < oids.length; i += BATCH) {
    const { rows } = await client.query<{ o: string; sel: boolean; upd: boolean; writable: boolean }>(
      `SELECT m.oid::text AS o, ${has('SELECT')} AS sel, ${has('UPDATE')} AS upd, ${WRITABLE_SQL} AS writable
         FROM pg_largeobject_metadata m, pg_roles r
        WHERE m.oid = ANY ($1::oid[]) AND r.rolname = $2 ORDER BY m.oid`,
      [oids.slice(i, i + BATCH), role],
    );
    for (const r of rows) {
      const missing = [!r.sel && 'SELECT', r.writable && !r.upd && 'UPDATE'].filter(Boolean);
      if (missing.length) out.push({ o: r.o, missing: missing.join(', ') });
    }
  }
  return out;
}
