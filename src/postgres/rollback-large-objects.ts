import pg from 'pg';
import { PromotionError } from '../errors';
import {
  findLargeObjectColumns,
  hashLargeObjects,
  largeObjectSizes,
  listSome,
  LO_CHUNK,
  referencedLargeObjects,
} from './large-objects';
import type { LargeObjectColumn, TablePlan, TenantPlan } from './plan-types';

/**
 * Large objects at rollback. The tenant's rows in its database reference large objects (`oid` /
 * `lo` columns) that live outside every table: copying the rows back copies only the numbers. So
 * every object those rows reference is brought back under the same OID — created in the shared
 * database when it lacks it (the tenant created it while isolated), rewritten in place when its
 * content differs (the tenant changed it) — and verified by content hash.
 *
 * An object the shared database holds with other content is rewritten only if no row there but
 * the tenant's references it (cleanup leaves the tenant's objects behind, unreferenced); otherwise
 * the OID is someone else's, and the rollback refuses. Rewriting an existing object needs UPDATE
 * on it and keeps its owner. An object created here belongs to the connecting role at first; it is
 * then given to the role that owns the objects of the tenant's own rows of that column in the
 * shared database when that is one role (else the table's owner) — never the column's most
 * frequent owner, which with per-tenant owners is another tenant's role (review r17) —
 * when the connecting role may (ALTER LARGE OBJECT … OWNER TO needs membership in the new owner;
 * a superuser always may). Otherwise the record names the objects and the grant that lets a
 * rollback do it.
 */

const INV_WRITE = 0x20000;

export interface LargeObjectRestore {
  /** Objects the tenant's rows reference in its database. */
  referenced: number;
  copied: number;
  replaced: number;
  bytes: number;
  /** Objects created here given to the owner of their column's objects, per owner. */
  owned: { owner: string; oids: string[] }[];
  /**
   * Objects created here left to the connecting role: the owner it could not give them to (and
   * whether that owner is a superuser: then no grant is advised, only a superuser's ALTER).
   */
  notOwned: { owner: string; oids: string[]; superuser?: boolean }[];
  /** The role the objects of `notOwned` were left to (read with the owners, only when any were). */
  connectingRole?: string;
}

/** The columns and the objects the tenant's own rows reference on one side (tenant id set). */
export async function tenantLargeObjects(
  client: pg.ClientBase,
  plan: TenantPlan,
  columns?: LargeObjectColumn[],
): Promise<{ columns: LargeObjectColumn[]; oids: string[] }> {
  const cols = columns ?? (await findLargeObjectColumns(client, plan.tables));
  if (cols.length === 0) return { columns: cols, oids: [] };
  const oids = await referencedLargeObjects(client, cols, plan.tables, (t: TablePlan) => t.where);
  return { columns: cols, oids };
}

/**
 * Brings back the large objects the tenant's rows reference in `isolated` into `shared` (inside
 * the caller's transaction there, after the rows). `columns`: the `oid` columns of the plan.
 */
export async function restoreLargeObjects(
  shared: pg.ClientBase,
  isolated: pg.ClientBase,
  plan: TenantPlan,
  columns: LargeObjectColumn[],
): Promise<LargeObjectRestore> {
  const result: LargeObjectRestore = {
    referenced: 0,
    copied: 0,
    replaced: 0,
    bytes: 0,
    owned: [],
    notOwned: [],
  };
  if (columns.length === 0) return result;
  const { oids } = await tenantLargeObjects(isolated, plan, columns);
  result.referenced = oids.length;
  if (oids.length === 0) return result;
  const want = await hashLargeObjects(isolated, oids);
  const have = await hashLargeObjects(shared, oids);
  const missing = oids.filter((o) => !have.has(o));
  const differ = oids.filter((o) => {
    const a = want.get(o);
    const b = have.get(o);
    return b !== undefined && (a?.size !== b.size || a?.hash !== b.hash);
  });
  const foreign = await referencedByOthers(shared, plan, columns, differ);
  if (foreign.length) {
    throw new PromotionError(
      'tenant-state',
      `Large object(s) ${foreign.slice(0, 20).join(', ')} referenced by the tenant's rows exist in the shared database with other content and are referenced there by rows that are not the tenant's; nothing was changed.`,
      'The tenant stays isolated. Another row of the shared database uses that OID: copy the tenant’s object to a new OID in its database (lo_from_bytea) and point its rows at it, then re-run the rollback.',
    );
  }
  const sizes = await largeObjectSizes(isolated, [...missing, ...differ]);
  try {
    for (const o of missing) {
      await shared.query('SELECT lo_create($1::oid)', [o]);
      result.bytes += await writeContent(shared, isolated, o, sizes.get(o) ?? 0);
      result.copied++;
    }
    for (const o of differ) {
      await shared.query(`SELECT lo_truncate64(lo_open($1::oid, ${INV_WRITE}), 0)`, [o]);
      result.bytes += await writeContent(shared, isolated, o, sizes.get(o) ?? 0);
      result.replaced++;
    }
  } catch (e) {
    if (e instanceof PromotionError) throw e;
    const message = (e as Error).message;
    throw new PromotionError(
      'database',
      `Bringing back the tenant's large objects failed: ${message}; nothing was changed.`,
      /permission denied/i.test(message)
        ? 'The tenant stays isolated. The connecting role needs UPDATE on the large objects the tenant changed (GRANT UPDATE ON LARGE OBJECT <oid> TO <role>, by their owner), then re-run the rollback.'
        : 'The tenant stays isolated; fix the cause named above and re-run the rollback.',
      { cause: e },
    );
  }
  await giveToColumnOwners(shared, plan, columns, missing, result);
  // Verified by content, inside the transaction.
  const after = await hashLargeObjects(shared, oids);
  const wrong = oids.filter((o) => after.get(o)?.hash !== want.get(o)?.hash);
  if (wrong.length) {
    throw new PromotionError(
      'validation-failed',
      `Large object(s) ${wrong.slice(0, 20).join(', ')} differ from the tenant's database after they were copied back; nothing was changed.`,
      'The tenant stays isolated. Re-run the rollback; if it persists, report it.',
    );
  }
  return result;
}

/**
 * The objects just created (`created`, owned by the connecting role) go to the role that owns the
 * other objects the tenant's own rows of their column reference in the shared database when that
 * is a single role, else to the owner of the column's table. ALTER LARGE OBJECT … OWNER TO is tried where the connecting role is a
 * member of that role (a savepoint keeps a refusal from ending the transaction); what it may not
 * give away is reported with the owner it should have.
 */
async function giveToColumnOwners(
  shared: pg.ClientBase,
  plan: TenantPlan,
  columns: readonly LargeObjectColumn[],
  created: readonly string[],
  result: LargeObjectRestore,
  /**
   * The objects are owned by the tenant's roles, not by the connecting role (schema level into the
   * shared database: the same objects, created there by the tenant's application): they are given
   * to the column's owner even when that is the connecting role, and to the connecting role when
   * that owner is out of its reach — never left to roles about to be dropped.
   */
  reown = false,
): Promise<void> {
  if (created.length === 0) return;
  const byQualified = new Map(plan.tables.map((t) => [t.qualified, t]));
  const placed = new Set<string>();
  const owned = new Map<string, string[]>();
  const notOwned = new Map<string, string[]>();
  const supers = new Set<string>();
  for (const c of columns) {
    const t = byQualified.get(c.table);
    if (!t) continue;
    // The restored rows are in place (same transaction): the objects this column references.
    const { rows: refs } = await shared.query<{ o: string }>(
      `SELECT DISTINCT t.${c.column}::oid::text AS o FROM ${t.qualified} t WHERE t.${c.column}::oid = ANY ($1::oid[])`,
      [created],
    );
    const mine = refs.map((r) => r.o).filter((o) => !placed.has(o));
    if (mine.length === 0) continue;
    for (const o of mine) placed.add(o);
    // Only the tenant's own rows (t.where, tenant id set on the session) decide: with objects
    // owned per tenant, the column's most frequent owner is another tenant's role, which would
    // then read and rewrite this tenant's objects.
    const { rows: owner } = await shared.query<{
      owner: string;
      may: boolean;
      me: boolean;
      superuser: boolean;
      who: string;
    }>(
      `WITH own AS (
         SELECT DISTINCT m.lomowner FROM ${t.qualified} t JOIN pg_largeobject_metadata m ON m.oid = t.${c.column}::oid
          WHERE (${t.where}) AND NOT (m.oid = ANY ($1::oid[]))),
       o AS (
         SELECT CASE WHEN (SELECT count(*) FROM own) = 1 THEN (SELECT lomowner FROM own)
                     ELSE (SELECT relowner FROM pg_class WHERE oid = $2::regclass) END AS r)
       SELECT pg_get_userbyid(o.r) AS owner, pg_has_role(current_user, o.r, 'MEMBER') AS may,
              o.r = (SELECT oid FROM pg_roles WHERE rolname = current_user) AS me,
              coalesce((SELECT rolsuper FROM pg_roles WHERE oid = o.r), false) AS superuser,
              current_user::text AS who
         FROM o`,
      [created, t.qualified],
    );
    const { owner: role, may, me, superuser, who } = owner[0]!;
    result.connectingRole = who;
    if (superuser) supers.add(role);
    if (me && !reown) continue;
    const toMe = async () => {
      if (reown)
        for (const o of mine) await shared.query(`ALTER LARGE OBJECT ${Number(o)} OWNER TO CURRENT_USER`);
    };
    if (!may) await toMe();
    const target = may ? owned : notOwned;
    if (may) {
      await shared.query('SAVEPOINT tp_rb_lo_owner');
      try {
        for (const o of mine)
          await shared.query(`ALTER LARGE OBJECT ${Number(o)} OWNER TO ${pg.escapeIdentifier(role)}`);
        await shared.query('RELEASE SAVEPOINT tp_rb_lo_owner');
      } catch (e) {
        if ((e as { code?: string }).code !== '42501') throw e;
        await shared.query('ROLLBACK TO SAVEPOINT tp_rb_lo_owner');
        await toMe();
        notOwned.set(role, [...(notOwned.get(role) ?? []), ...mine]);
        continue;
      }
    }
    target.set(role, [...(target.get(role) ?? []), ...mine]);
  }
  result.owned = [...owned].map(([owner, oids]) => ({ owner, oids }));
  result.notOwned = [...notOwned].map(([owner, oids]) => ({
    owner,
    oids,
    superuser: supers.has(owner),
  }));
}

/** The record's lines about who owns the large objects the rollback created. */
export function describeObjectOwners(objects: LargeObjectRestore): string[] {
  const connectingRole = objects.connectingRole ?? 'the connecting role';
  return [
    ...objects.owned.map(
      (o) =>
        `${o.oids.length} large object(s) the tenant created while isolated now belong to ${o.owner}, like the tenant's other objects of their column: ${listSome(o.oids)}.`,
    ),
    ...objects.notOwned.map((o) =>
      o.superuser
        ? // Never advise granting a superuser role: membership in it is every privilege there is.
          `${o.oids.length} large object(s) the tenant created while isolated belong to the connecting role ${connectingRole}; the tenant's other objects of their column belong to ${o.owner}, a superuser: ${listSome(o.oids)}. To give them to it, ask a superuser to run ALTER LARGE OBJECT <oid> OWNER TO ${pg.escapeIdentifier(o.owner)} for each.`
        : `${o.oids.length} large object(s) the tenant created while isolated belong to the connecting role ${connectingRole}, which is not a member of ${o.owner}, the owner of the tenant's other objects of their column: ${listSome(o.oids)}. Give them to it (ALTER LARGE OBJECT <oid> OWNER TO ${pg.escapeIdentifier(o.owner)}, as a member of ${o.owner}), or GRANT ${pg.escapeIdentifier(o.owner)} TO ${pg.escapeIdentifier(connectingRole)} before a rollback so that it gives them itself.`,
    ),
  ];
}

/**
 * Of `oids`, those a row of the planned tables that is not the tenant's references in the shared
 * database (an object only the tenant's rows use, or none — cleanup leaves objects behind — is
 * the tenant's to rewrite).
 */
export async function referencedByOthers(
  shared: pg.ClientBase,
  plan: TenantPlan,
  columns: readonly LargeObjectColumn[],
  oids: readonly string[],
): Promise<string[]> {
  if (oids.length === 0) return [];
  const byQualified = new Map(plan.tables.map((t) => [t.qualified, t]));
  const out = new Set<string>();
  for (const c of columns) {
    const t = byQualified.get(c.table);
    if (!t) continue;
    const { rows } = await shared.query<{ o: string }>(
      `SELECT DISTINCT t.${c.column}::oid::text AS o FROM ${t.qualified} t
        WHERE t.${c.column}::oid = ANY ($1::oid[]) AND (${t.kind === 'reference' ? 'false' : t.where}) IS NOT TRUE`,
      [oids],
    );
    for (const r of rows) out.add(r.o);
  }
  return oids.filter((o) => out.has(o));
}

/**
 * Lets the connecting role read (and so copy back) the large objects of the tenant's database:
 * those the tenant's application created are owned by its application role, the copied ones by
 * its owner role, and a role without superuser reads neither. The tool made both roles, so it may
 * grant itself membership in them (CREATEROLE; ADMIN OPTION from PostgreSQL 16) for the rollback,
 * on its own committed session; the returned function revokes what was granted (the roles are
 * dropped with the isolated database in any case).
 */
export async function borrowRoles(
  client: pg.ClientBase,
  roles: readonly string[],
): Promise<() => Promise<void>> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT r.rolname AS name FROM pg_roles r
      WHERE r.rolname = ANY ($1::text[]) AND NOT pg_has_role(current_user, r.oid, 'USAGE')
        AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)`,
    [roles],
  );
  const granted: string[] = [];
  for (const r of rows) {
    await client.query(`GRANT ${pg.escapeIdentifier(r.name)} TO CURRENT_USER`);
    granted.push(r.name);
  }
  return async () => {
    for (const name of granted)
      await client.query(`REVOKE ${pg.escapeIdentifier(name)} FROM CURRENT_USER`).catch(() => undefined);
  };
}

/** Copies an object's content chunk by chunk (bounded memory) into an existing, empty object. */
async function writeContent(
  shared: pg.ClientBase,
  isolated: pg.ClientBase,
  oid: string,
  size: number,
): Promise<number> {
  let bytes = 0;
  for (let off = 0; off < size; off += LO_CHUNK) {
    const { rows } = await isolated.query<{ d: Buffer }>('SELECT lo_get($1::oid, $2::bigint, $3::int) AS d', [
      oid,
      off,
      LO_CHUNK,
    ]);
    const chunk = rows[0]!.d;
    if (chunk.length > 0)
      await shared.query('SELECT lo_put($1::oid, $2::bigint, $3::bytea)', [oid, off, chunk]);
    bytes += chunk.length;
  }
  return bytes;
}

/**
 * Schema level into the shared database: the tenant's side is the shared database itself, so the
 * large objects its application created while isolated are already here — owned by its roles,
 * which the rollback drops next (DROP OWNED would delete them: data loss; DROP ROLE refuses). In
 * the caller's transaction, after the rows are back: those the restored rows reference go to the
 * owner the other objects of their column have (giveToColumnOwners' rule, the connecting role when
 * that owner is out of its reach); the others to the connecting role. Needs membership in the
 * tenant's roles (borrowRoles). The returned lists feed describeObjectOwners.
 */
export async function reownTenantObjects(
  shared: pg.ClientBase,
  plan: TenantPlan,
  columns: readonly LargeObjectColumn[],
  roles: readonly string[],
  result: LargeObjectRestore,
): Promise<{ reowned: number; unreferenced: string[] }> {
  const { rows } = await shared.query<{ o: string }>(
    `SELECT m.oid::text AS o FROM pg_largeobject_metadata m
      WHERE m.lomowner IN (SELECT oid FROM pg_roles WHERE rolname = ANY ($1::text[])) ORDER BY m.oid`,
    [roles],
  );
  const owned = rows.map((r) => r.o);
  if (owned.length === 0) return { reowned: 0, unreferenced: [] };
  await giveToColumnOwners(shared, plan, columns, owned, result, true);
  const placed = new Set([...result.owned, ...result.notOwned].flatMap((x) => x.oids));
  const unreferenced = owned.filter((o) => !placed.has(o));
  for (const o of unreferenced) await shared.query(`ALTER LARGE OBJECT ${Number(o)} OWNER TO CURRENT_USER`);
  return { reowned: owned.length, unreferenced };
}
