import pg from 'pg';
import { z } from 'zod';
import { PromotionError } from '../errors';
import { digestOf } from './checksum';

const qi = pg.escapeIdentifier;

/**
 * The rollback fence where the tenant's schemas are in the shared database (issue 21). The
 * database is everyone's, so it cannot be closed as a whole; instead every way into the tenant's
 * schemas is closed for everyone but the administrator running the tool:
 * - memberships in the tenant's owner and application roles (a migration login granted the owner
 *   role owns the tables and writes them whatever any grant says), the administrator's own aside;
 * - USAGE/CREATE on the tenant's schemas of every grantee but the owner role, PUBLIC included
 *   (table privileges without USAGE on the schema reach nothing).
 * What was revoked is written, in the same transaction as the revokes, to a table of the tenant's
 * tool schema, so that an undo — or the undo of a re-run after a crash — grants back exactly that.
 * The tool schema is dropped with the tenant's schemas once the rollback committed, so nothing is
 * ever granted back after the commit.
 */

/** A membership in one of the tenant's roles, as pg_auth_members held it. */
const Membership = z.object({
  kind: z.literal('membership'),
  role: z.string(),
  member: z.string(),
  grantor: z.string(),
  admin: z.boolean(),
  /** PostgreSQL 16+; null before (no such options). */
  inherit: z.boolean().nullable(),
  set: z.boolean().nullable(),
});

/** A privilege on one of the tenant's schemas (grantee null: PUBLIC). */
const SchemaGrant = z.object({
  kind: z.literal('schema'),
  schema: z.string(),
  grantee: z.string().nullable(),
  grantor: z.string(),
  privilege: z.enum(['USAGE', 'CREATE']),
  grantable: z.boolean(),
});

export const FencedItem = z.discriminatedUnion('kind', [Membership, SchemaGrant]);
export type FencedItem = z.infer<typeof FencedItem>;

export interface FenceTarget {
  /** The tenant's schemas in the shared database. */
  schemas: readonly string[];
  ownerRole: string;
  appRole: string;
  /** The tenant's tool schema there (holds the record). */
  toolSchema: string;
}

export interface WaysIn {
  /** What the fence revokes (and an undo grants back). */
  revoke: FencedItem[];
  /**
   * Every role that had a way in, read before anything is revoked (afterwards pg_auth_members no
   * longer leads to them): the tenant's roles, the grantees of its schemas and tables, and every
   * member of those, recursively. Their sessions are ended.
   */
  roles: string[];
}

/** Name of the record table in the tool schema. */
export const FENCE_TABLE = 'fence_revoked';

/**
 * Reads every way into the tenant's schemas. Left out: the administrator's own memberships and
 * grants (the tool works through them), superusers (no grant stops one: the drop proves nothing
 * changed instead), and memberships that give neither the role's privileges nor SET ROLE to it
 * (PostgreSQL 16's ADMIN-only grant to a role's creator).
 */
export async function readWaysIn(client: pg.ClientBase, at: FenceTarget): Promise<WaysIn> {
  const memberships = await client.query<{
    role: string;
    member: string;
    grantor: string;
    admin: boolean;
    inherit: boolean | null;
    set: boolean | null;
  }>(
    `SELECT r.rolname AS role, m.rolname AS member, g.rolname AS grantor, a.admin_option AS admin,
            (to_jsonb(a)->>'inherit_option')::boolean AS inherit, (to_jsonb(a)->>'set_option')::boolean AS set
       FROM pg_auth_members a
       JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member JOIN pg_roles g ON g.oid = a.grantor
      WHERE r.rolname = ANY($1::text[]) AND m.rolname <> ALL($1::text[])
        AND m.rolname <> current_user AND NOT m.rolsuper
        AND (coalesce((to_jsonb(a)->>'inherit_option')::boolean, true) OR coalesce((to_jsonb(a)->>'set_option')::boolean, true))
      ORDER BY 1, 2, 3`,
    [[at.ownerRole, at.appRole]],
  );
  const grants = await client.query<{
    schema: string;
    grantee: string | null;
    grantor: string;
    privilege: 'USAGE' | 'CREATE';
    grantable: boolean;
  }>(
    `SELECT n.nspname AS schema, CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END AS grantee,
            pg_get_userbyid(a.grantor) AS grantor, a.privilege_type AS privilege, a.is_grantable AS grantable
       FROM pg_namespace n, aclexplode(n.nspacl) a
      WHERE n.nspname = ANY($1::text[]) AND a.grantee <> n.nspowner
        AND (a.grantee = 0 OR pg_get_userbyid(a.grantee) <> current_user)
      ORDER BY 1, 4, 2 NULLS FIRST, 3`,
    [at.schemas],
  );
  // Grantees of the tables too: with USAGE through PUBLIC (or a role), a table grant is a way in.
  const roots = await client.query<{ rolname: string }>(
    `SELECT DISTINCT pg_get_userbyid(a.grantee) AS rolname
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
      WHERE n.nspname = ANY($1::text[]) AND a.grantee <> 0`,
    [at.schemas],
  );
  const start = [
    at.ownerRole,
    at.appRole,
    ...grants.rows.flatMap((g) => (g.grantee ? [g.grantee] : [])),
    ...roots.rows.map((r) => r.rolname),
  ];
  const members = await client.query<{ rolname: string }>(
    `WITH RECURSIVE m(oid) AS (
       SELECT oid FROM pg_roles WHERE rolname = ANY($1::text[])
       UNION SELECT a.member FROM pg_auth_members a JOIN m ON a.roleid = m.oid)
     SELECT rolname FROM pg_roles WHERE oid IN (SELECT oid FROM m) ORDER BY 1`,
    [start],
  );
  return {
    revoke: [
      ...memberships.rows.map((r) => FencedItem.parse({ kind: 'membership', ...r })),
      ...grants.rows.map((r) => FencedItem.parse({ kind: 'schema', ...r })),
    ],
    roles: members.rows.map((r) => r.rolname),
  };
}

/**
 * Records `items` and revokes them, in the caller's transaction (so a kill leaves both or
 * neither). Then reads again: a way in that is still open (a grant this role may not revoke —
 * PostgreSQL 16+ lets only a role with the grantor's privileges revoke a membership) refuses
 * the fence, naming it: the transaction rolls back and nothing stays revoked.
 */
export async function revokeWaysIn(
  client: pg.ClientBase,
  at: FenceTarget,
  items: readonly FencedItem[],
  runId: string,
): Promise<void> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${qi(at.toolSchema)}.${qi(FENCE_TABLE)} (
       item jsonb NOT NULL, run text NOT NULL, fenced_at timestamptz NOT NULL DEFAULT now())`,
  );
  // A re-run adds to the record, never replaces it: what an earlier, killed run revoked is no
  // longer there to be read, and only this record can grant it back.
  for (const item of items)
    await client.query(`INSERT INTO ${qi(at.toolSchema)}.${qi(FENCE_TABLE)} (item, run) VALUES ($1, $2)`, [
      JSON.stringify(item),
      runId,
    ]);
  const refused: string[] = [];
  for (const item of items) {
    try {
      await savepointed(client, revokeSql(item));
    } catch (e) {
      refused.push(`${describeItem(item)} (${(e as Error).message})`);
    }
  }
  const left = (await readWaysIn(client, at)).revoke;
  for (const item of left)
    if (!refused.some((r) => r.startsWith(describeItem(item)))) refused.push(describeItem(item));
  if (refused.length)
    throw new PromotionError(
      'permission-denied',
      `The fence cannot close every way into the tenant's schemas ${at.schemas.join(', ')}, so nothing was copied back: ${refused.slice(0, 10).join('; ')}.`,
      'A write made through such a grant after the rows were copied back would be dropped with the schemas. Revoke these by hand (as the role that granted them, or a superuser), or run the rollback as a role that may, then re-run; the tenant stays isolated and working.',
    );
}

/**
 * Grants back what the fence recorded and empties the record, in the caller's transaction. Each
 * grant is made by its recorded grantor where this role may act as it; otherwise by this role
 * (membership) or the schema's owner (privilege), and the returned notes say so.
 */
export async function regrantFenced(client: pg.ClientBase, toolSchema: string): Promise<string[]> {
  const table = `${qi(toolSchema)}.${qi(FENCE_TABLE)}`;
  const { rows } = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
    table,
  ]);
  if (!rows[0]?.exists) return [];
  const recorded = await client.query<{ item: unknown }>(
    `SELECT item FROM ${table} ORDER BY fenced_at, ctid`,
  );
  const notes: string[] = [];
  // Privileges with GRANT OPTION first: a grant made by their holder needs them back.
  const items = recorded.rows
    .map((r) => FencedItem.parse(r.item))
    .sort((a, b) => Number(b.kind === 'schema' && b.grantable) - Number(a.kind === 'schema' && a.grantable));
  for (const item of items) {
    const exact = grantSql(item, true);
    try {
      await savepointed(client, exact);
    } catch {
      await savepointed(client, grantSql(item, false));
      notes.push(
        `${describeItem(item)} was granted back by ${item.kind === 'membership' ? 'this role' : "the schema's owner"}, not by ${item.grantor}`,
      );
    }
  }
  await client.query(`DELETE FROM ${table}`);
  return notes;
}

/** One line naming a fenced item. */
export function describeItem(item: FencedItem): string {
  return item.kind === 'membership'
    ? `membership of ${item.member} in ${item.role} (granted by ${item.grantor})`
    : `${item.privilege} on schema ${item.schema} to ${item.grantee ?? 'PUBLIC'} (granted by ${item.grantor})`;
}

function revokeSql(item: FencedItem): string[] {
  if (item.kind === 'membership')
    // GRANTED BY: PostgreSQL 16+ keeps one membership per grantor, and a REVOKE without it
    // removes only the current role's (a warning, not an error, for the others).
    return [`REVOKE ${qi(item.role)} FROM ${qi(item.member)} GRANTED BY ${qi(item.grantor)}`];
  // Made as the schema's owner (this role has its privileges); CASCADE takes grants made through
  // a GRANT OPTION with it (each is in the record too).
  return [`REVOKE ${item.privilege} ON SCHEMA ${qi(item.schema)} FROM ${grantee(item)} CASCADE`];
}

function grantSql(item: FencedItem, asGrantor: boolean): string[] {
  if (item.kind === 'membership') {
    const options = [
      `ADMIN ${item.admin ? 'TRUE' : 'FALSE'}`,
      ...(item.inherit === null ? [] : [`INHERIT ${item.inherit ? 'TRUE' : 'FALSE'}`]),
      ...(item.set === null ? [] : [`SET ${item.set ? 'TRUE' : 'FALSE'}`]),
    ];
    // Before 16 only ADMIN OPTION exists, spelled the old way.
    const withClause =
      item.inherit === null ? (item.admin ? ' WITH ADMIN OPTION' : '') : ` WITH ${options.join(', ')}`;
    return [
      `GRANT ${qi(item.role)} TO ${qi(item.member)}${withClause}${asGrantor ? ` GRANTED BY ${qi(item.grantor)}` : ''}`,
    ];
  }
  const grant = `GRANT ${item.privilege} ON SCHEMA ${qi(item.schema)} TO ${grantee(item)}${item.grantable ? ' WITH GRANT OPTION' : ''}`;
  // A privilege's grantor is whoever runs the GRANT (the owner, for its owner's members): made
  // as the recorded grantor by becoming it.
  return asGrantor ? [`SET LOCAL ROLE ${qi(item.grantor)}`, grant, 'RESET ROLE'] : [grant];
}

function grantee(item: z.infer<typeof SchemaGrant>): string {
  return item.grantee === null ? 'PUBLIC' : qi(item.grantee);
}

/** Statements under a savepoint: a refusal rolls back to it and is rethrown, the transaction goes on. */
async function savepointed(client: pg.ClientBase, statements: readonly string[]): Promise<void> {
  await client.query('SAVEPOINT fence_item');
  try {
    for (const sql of statements) await client.query(sql);
    await client.query('RELEASE SAVEPOINT fence_item');
  } catch (e) {
    await client.query('ROLLBACK TO SAVEPOINT fence_item');
    throw e;
  }
}

/**
 * `LOCK TABLE tables IN mode`, waiting at most `maxFreezeMs` for it. The fence ends no
 * superuser's session (nor the administrator's): one that keeps a transaction open on the
 * tenant's tables would hold the lock — and the rollback, with the tenant fenced — forever. Past
 * the bound it refuses with `refusal` (55P03), and lock_timeout is what it was before. In the
 * caller's transaction (SET LOCAL); takes no snapshot.
 */
export async function lockTablesBounded(
  client: pg.ClientBase,
  tables: readonly string[],
  mode: 'SHARE' | 'ACCESS EXCLUSIVE',
  maxFreezeMs: number,
  refusal: (ms: number) => { message: string; hint: string },
): Promise<void> {
  if (!tables.length) return;
  const ms = Math.max(1, Math.round(maxFreezeMs));
  // SHOW and SET, never a SELECT: in a REPEATABLE READ transaction the first query takes its
  // snapshot, and the restore's must be taken after the lock (after every write holding one).
  const { rows } = await client.query<{ lock_timeout: string }>('SHOW lock_timeout');
  await client.query(`SET LOCAL lock_timeout = ${ms}`);
  try {
    await client.query(`LOCK TABLE ${tables.join(', ')} IN ${mode} MODE`);
  } catch (e) {
    if ((e as { code?: string }).code !== '55P03') throw e;
    const { message, hint } = refusal(ms);
    throw new PromotionError('lock-held', message, hint, { cause: e });
  }
  await client.query(`SET LOCAL lock_timeout = ${pg.escapeLiteral(rows[0]!.lock_timeout)}`);
}

/**
 * Count and whole-row digest of every table in the tenant's schemas, keyed `schema.table`. The
 * plan's parts are the tenant's rows of the plan's tables (by its predicates); a row outside them
 * (another tenant's id in the tenant's schema) or a table the plan does not know is in none, and
 * would be dropped with the schemas unseen. The restore records these; the drop compares.
 * Partitions are read as themselves (ONLY), so no row counts twice.
 */
export async function schemaTableDigests(
  client: pg.ClientBase,
  schemas: readonly string[],
): Promise<Record<string, { count: number; digest: string }>> {
  const { rows: tables } = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND c.relkind = 'r' ORDER BY 1, 2`,
    [schemas],
  );
  const out: Record<string, { count: number; digest: string }> = {};
  for (const t of tables) {
    const { rows } = await client.query<{ n: string; s: string }>(
      `SELECT count(*)::text AS n, coalesce(sum(hashtextextended(t::text, 0)), 0)::text AS s
         FROM ONLY ${qi(t.schema)}.${qi(t.name)} t`,
    );
    const count = Number(rows[0]!.n);
    out[`${t.schema}.${t.name}`] = { count, digest: digestOf(count, rows[0]!.s) };
  }
  return out;
}

/** Lines naming each table whose rows differ from what the restore recorded (tables gone aside). */
export function schemaTableDifferences(
  recorded: Record<string, { count: number; digest: string }>,
  now: Record<string, { count: number; digest: string }>,
): string[] {
  return (
    Object.entries(now)
      .map(([label, d]) => ({ label, d, was: recorded[label] }))
      // An empty table made since holds nothing to lose.
      .filter(({ d, was }) => (was ? was.count !== d.count || was.digest !== d.digest : d.count > 0))
      .map(({ label, d, was }) =>
        was
          ? `${label}: ${was.count} rows restored, ${d.count} rows now${was.count === d.count ? ' (changed)' : ''}`
          : `${label}: a table created after the restore, ${d.count} rows`,
      )
  );
}

/**
 * Tables of the tenant's schemas that are none of the plan's (`planned`: `schema.name` on the
 * tenant's side; a partition counts as its root's) and hold rows, as `schema.name`. The restore
 * copies back the plan's tables only: rows there would go with the schemas. Drift refuses such a
 * table before the fence; one made after it (before the restore's snapshot) is found here.
 */
export async function unplannedTablesWithRows(
  client: pg.ClientBase,
  schemas: readonly string[],
  planned: readonly string[],
): Promise<string[]> {
  const { rows: tables } = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_class r ON r.oid = pg_partition_root(c.oid) LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND c.relkind = 'r'
        AND NOT (n.nspname || '.' || c.relname = ANY($2::text[]))
        AND NOT coalesce(rn.nspname || '.' || r.relname = ANY($2::text[]), false)
      ORDER BY 1, 2`,
    [schemas, planned],
  );
  const out: string[] = [];
  for (const t of tables) {
    const { rows } = await client.query<{ any: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ONLY ${qi(t.schema)}.${qi(t.name)}) AS any`,
    );
    if (rows[0]!.any) out.push(`${t.schema}.${t.name}`);
  }
  return out;
}
