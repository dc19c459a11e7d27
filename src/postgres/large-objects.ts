import pg from 'pg';
import { PromotionError } from '../errors';
import { redact } from '../secrets';
import { connect, setTenantId } from './connect';
import type { LargeObjectColumn, LargeObjectPlan, TablePlan, TenantPlan } from './plan-types';

/**
 * Large objects live in `pg_largeobject`, outside every table: copying an `oid` column copies
 * only the number. This module finds the objects the tenant's rows reference (through the `oid`
 * columns of the planned tables, and domains over `oid` such as the lo extension's `lo`), checks
 * that the connecting role may read them, copies them into the tenant's database under the same
 * OIDs (chunked: memory stays bounded whatever their size), and hashes them on either side.
 *
 * Large objects are MVCC like rows: read in a session at the copy snapshot (`lo_get`, `lo_open`
 * in read mode), they are read as of that snapshot.
 *
 * OIDs travel as decimal text (never as JS numbers) and are spliced into SQL only where
 * PostgreSQL takes no parameter (ALTER / GRANT … ON LARGE OBJECT), after `assertOid`.
 */

/** Bytes read and written per round trip: one chunk of a big object, or a batch of small ones. */
export const LO_CHUNK = 1024 * 1024;
/** Objects per batch (hashing, existence checks, small-object copies). */
const BATCH = 500;
/** `INV_READ` for `lo_open`. */
const INV_READ = 0x40000;

/** An `oid` column of a planned table, or a domain over `oid`: reads the catalog. */
export async function findLargeObjectColumns(
  client: pg.ClientBase,
  tables: readonly TablePlan[],
): Promise<LargeObjectColumn[]> {
  const unique = [...new Map(tables.map((t) => [t.qualified, t])).values()];
  if (unique.length === 0) return [];
  const { rows } = await client.query<{ qualified: string; attname: string; type: string }>(
    `WITH RECURSIVE dom(oid, base) AS (
       SELECT oid, typbasetype FROM pg_type WHERE typtype = 'd'
       UNION ALL
       SELECT d.oid, t.typbasetype FROM dom d JOIN pg_type t ON t.oid = d.base WHERE t.typtype = 'd'
     )
     SELECT q.name AS qualified, a.attname, format_type(a.atttypid, a.atttypmod) AS type
       FROM unnest($1::text[]) WITH ORDINALITY AS q(name, ord)
       JOIN pg_attribute a ON a.attrelid = q.name::regclass AND a.attnum > 0 AND NOT a.attisdropped
      WHERE a.atttypid = 'oid'::regtype
         OR EXISTS (SELECT 1 FROM dom WHERE dom.oid = a.atttypid AND dom.base = 'oid'::regtype)
      ORDER BY q.ord, a.attnum`,
    [unique.map((t) => t.qualified)],
  );
  const byQualified = new Map(unique.map((t) => [t.qualified, t]));
  const out: LargeObjectColumn[] = [];
  for (const r of rows) {
    const table = byQualified.get(r.qualified)!;
    const column = pg.escapeIdentifier(r.attname);
    // Generated columns are not copied (the target computes them): nothing to bring.
    if (!table.columns.includes(column)) continue;
    out.push({
      table: table.qualified,
      schema: table.schema,
      name: table.name,
      column,
      columnName: r.attname,
      type: r.type,
    });
  }
  return out;
}

/**
 * `SELECT o` — the distinct OIDs referenced by the selected rows through `columns` that are large
 * objects of this database. `where` defaults to each table's tenant predicate (needs the tenant
 * id set on the session).
 */
function referencedSql(
  columns: readonly LargeObjectColumn[],
  tables: readonly TablePlan[],
  where: (t: TablePlan) => string = (t) => t.where,
): string {
  const byQualified = new Map(tables.map((t) => [t.qualified, t]));
  // Only columns of the given tables (a column of another table selects nothing).
  const parts = columns
    .filter((c) => byQualified.has(c.table))
    .map(
      (c) =>
        `SELECT t.${c.column}::oid AS o FROM ${c.table} t WHERE (${where(byQualified.get(c.table)!)}) AND t.${c.column} IS NOT NULL`,
    );
  if (parts.length === 0) parts.push('SELECT NULL::oid AS o WHERE false');
  return `SELECT r.o FROM (${parts.join('\nUNION\n')}) r
           WHERE EXISTS (SELECT 1 FROM pg_largeobject_metadata m WHERE m.oid = r.o)`;
}

/** Distinct large objects the tenant's rows reference, ascending (as decimal text). */
export async function referencedLargeObjects(
  client: pg.ClientBase,
  columns: readonly LargeObjectColumn[],
  tables: readonly TablePlan[],
  where?: (t: TablePlan) => string,
): Promise<string[]> {
  if (columns.length === 0) return [];
  const { rows } = await client.query<{ o: string }>(
    `SELECT x.o::text AS o FROM (${referencedSql(columns, tables, where)}) x ORDER BY x.o`,
  );
  return rows.map((r) => r.o);
}

/** Per column, the distinct large objects referenced through it (tenant rows). */
async function countPerColumn(
  client: pg.ClientBase,
  columns: readonly LargeObjectColumn[],
  tables: readonly TablePlan[],
): Promise<LargeObjectColumn[]> {
  const out: LargeObjectColumn[] = [];
  for (const c of columns) {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (${referencedSql([c], tables)}) x`,
    );
    out.push({ ...c, objects: rows[0]?.n ?? 0 });
  }
  return out;
}

/** Sizes of the given objects (those that exist), read through `lo_open` + `lo_lseek64`. */
export async function largeObjectSizes(
  client: pg.ClientBase,
  oids: readonly string[],
): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (let i = 0; i < oids.length; i += BATCH) {
    const { rows } = await client.query<{ o: string; size: string }>(
      `SELECT f.o::text AS o, lo_lseek64(f.fd, 0, 2)::text AS size, lo_close(f.fd) AS closed
         FROM (SELECT o, lo_open(o, ${INV_READ}) AS fd FROM unnest($1::oid[]) AS o
                WHERE EXISTS (SELECT 1 FROM pg_largeobject_metadata m WHERE m.oid = o) OFFSET 0) f`,
      [oids.slice(i, i + BATCH)],
    );
    for (const r of rows) sizes.set(r.o, Number(r.size));
  }
  return sizes;
}

export interface LargeObjectHash {
  size: number;
  /** md5 of the concatenated md5s of LO_CHUNK-sized chunks (server-side; bounded memory). */
  hash: string;
}

/**
 * Content hashes of the given objects, computed by the server chunk by chunk; objects that do not
 * exist are absent from the result. Same chunking on both sides, so equal content ⇔ equal hash.
 */
export async function hashLargeObjects(
  client: pg.ClientBase,
  oids: readonly string[],
): Promise<Map<string, LargeObjectHash>> {
  const out = new Map<string, LargeObjectHash>();
  for (let i = 0; i < oids.length; i += BATCH) {
    // The CTE calls volatile functions: it is materialised, each object opened and closed once.
    const { rows } = await client.query<{ o: string; size: string; hash: string }>(
      `WITH s AS (
         SELECT f.o, lo_lseek64(f.fd, 0, 2) AS size, lo_close(f.fd) AS closed
           FROM (SELECT o, lo_open(o, ${INV_READ}) AS fd FROM unnest($1::oid[]) AS o
                  WHERE EXISTS (SELECT 1 FROM pg_largeobject_metadata m WHERE m.oid = o) OFFSET 0) f
       )
       SELECT s.o::text AS o, s.size::text AS size,
              md5(string_agg(md5(lo_get(s.o, off, $2::int)), '' ORDER BY off)) AS hash
         FROM s CROSS JOIN LATERAL generate_series(0::bigint, greatest(s.size - 1, 0), $2::bigint) AS off
        GROUP BY s.o, s.size`,
      [oids.slice(i, i + BATCH), LO_CHUNK],
    );
    for (const r of rows) out.set(r.o, { size: Number(r.size), hash: r.hash });
  }
  return out;
}

/**
 * Of the given objects, those the session's role may not read: neither superuser, nor
 * `lo_compat_privileges`, nor (a member of) the owner, nor SELECT granted to it or to PUBLIC.
 * (PostgreSQL 15 has no has_largeobject_privilege: this is its rule, read from the catalog.)
 */
async function unreadable(
  client: pg.ClientBase,
  oids: readonly string[],
): Promise<{ o: string; owner: string }[]> {
  const out: { o: string; owner: string }[] = [];
  for (let i = 0; i < oids.length; i += 10_000) {
    const { rows } = await client.query<{ o: string; owner: string }>(
      `SELECT m.oid::text AS o, pg_get_userbyid(m.lomowner) AS owner
         FROM pg_largeobject_metadata m
        WHERE m.oid = ANY ($1::oid[])
          AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
          AND NOT current_setting('lo_compat_privileges')::boolean
          AND NOT pg_has_role(m.lomowner, 'USAGE')
          AND NOT EXISTS (
            SELECT 1 FROM aclexplode(m.lomacl) a
             WHERE a.privilege_type = 'SELECT'
               AND CASE WHEN a.grantee = 0 THEN true ELSE pg_has_role(a.grantee, 'USAGE') END)
        ORDER BY m.oid`,
      [oids.slice(i, i + 10_000)],
    );
    out.push(...rows);
  }
  return out;
}

/** At most `max` items, then "… and N more". */
export function listSome(items: readonly string[], max = 20): string {
  return items.length <= max
    ? items.join(', ')
    : `${items.slice(0, max).join(', ')} … and ${items.length - max} more`;
}

/**
 * Plans the large objects: the `oid` columns of the planned tables, the objects the tenant's rows
 * reference through them (at the session's snapshot), their count and total size. Refuses —
 * before anything is created — when the connecting role cannot read some of them, naming the
 * columns, the objects, their owners and the GRANT that fixes it. Needs the tenant id set.
 */
export async function planLargeObjects(client: pg.ClientBase, plan: TenantPlan): Promise<LargeObjectPlan> {
  const found = await findLargeObjectColumns(client, plan.tables);
  if (found.length === 0) return { columns: [], objects: 0, bytes: 0 };
  const columns = await countPerColumn(client, found, plan.tables);
  const oids = await referencedLargeObjects(client, columns, plan.tables);
  const denied = await unreadable(client, oids);
  if (denied.length > 0) {
    const who = (await client.query<{ who: string }>('SELECT current_user AS who')).rows[0]!.who;
    const owners = [...new Set(denied.map((d) => d.owner))].sort();
    const via = columns
      .filter((c) => (c.objects ?? 0) > 0)
      .map((c) => `${c.schema}.${c.name}.${c.columnName}`);
    const list = denied.map((d) => d.o);
    const grant =
      denied.length <= 100
        ? `GRANT SELECT ON LARGE OBJECT ${list.join(', ')} TO ${pg.escapeIdentifier(who)};`
        : `DO $$ DECLARE o oid; BEGIN FOR o IN SELECT oid FROM pg_largeobject_metadata WHERE lomowner IN (${owners.map((o) => `${pg.escapeLiteral(o)}::regrole`).join(', ')}) LOOP EXECUTE format('GRANT SELECT ON LARGE OBJECT %s TO %I', o, ${pg.escapeLiteral(who)}); END LOOP; END $$;`;
    throw new PromotionError(
      'permission-denied',
      `Role "${who}" cannot read ${denied.length} of the ${oids.length} large objects the tenant's rows reference (columns ${via.join(', ')}): ${listSome(list)} (owned by ${owners.join(', ')}); it needs SELECT on each to copy them. Nothing was changed.`,
      `As their owner (${owners.join(', ')}) or a superuser, grant it: ${grant} Or use a database-url whose role owns them (or is a member of ${owners.join(', ')}).`,
    );
  }
  const sizes = await largeObjectSizes(client, oids);
  let bytes = 0;
  for (const s of sizes.values()) bytes += s;
  return { columns, objects: oids.length, bytes };
}

/** Notes for the run's record: what the plan found. */
export function largeObjectNotes(
  lo: LargeObjectPlan,
  /** Into the shared database: the objects stay in place; what the tenant's role is granted. */
  inPlace?: { role: string; select: readonly string[]; update: readonly string[] },
): string[] {
  if (lo.objects === 0) {
    return lo.columns.length
      ? [
          `Large objects: none referenced by the tenant's rows (oid columns: ${lo.columns.map((c) => `${c.schema}.${c.name}.${c.columnName}`).join(', ')}).`,
        ]
      : [];
  }
  const per = lo.columns
    .filter((c) => (c.objects ?? 0) > 0)
    .map((c) => `${c.schema}.${c.name}.${c.columnName} (${c.type}): ${c.objects}`);
  if (inPlace) {
    const readOnly = inPlace.select.filter((o) => !inPlace.update.includes(o));
    return [
      `Large objects: ${lo.objects} referenced by the tenant's rows (${formatBytes(lo.bytes)}) — ${per.join('; ')}; in the shared database they stay in place under their OIDs (not copied): role ${inPlace.role} is granted SELECT on each of them (${listSome(inPlace.select, 5)}) and UPDATE on ${inPlace.update.length} the shared side lets its application write${readOnly.length ? `; ${readOnly.length} only readable there stay read-only (${listSome(readOnly, 5)})` : ''}.`,
    ];
  }
  return [
    `Large objects: ${lo.objects} referenced by the tenant's rows (${formatBytes(lo.bytes)}), copied with the same OIDs — ${per.join('; ')}.`,
  ];
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function assertOid(o: string): string {
  if (!/^\d{1,10}$/.test(o)) throw new PromotionError('internal', `Not an OID: ${JSON.stringify(o)}.`);
  return o;
}

export interface LargeObjectRoles {
  /** Owner of the copied objects (the tenant's owner role). */
  owner: string;
  /** Granted SELECT, UPDATE on each copied object (the tenant's application role). */
  app: string;
}

/**
 * Copies `oids` from `source` (read at its snapshot) into `target` under the same OIDs, owned by
 * `roles.owner` with SELECT, UPDATE granted to `roles.app`. Small objects travel in batches of at
 * most LO_CHUNK bytes, big ones chunk by chunk (lo_get(oid, offset, len) → lo_put): memory stays
 * bounded. Runs no BEGIN/COMMIT: the caller decides the target transaction (the copy uses one for
 * all, the sync one per batch). Objects that already exist in the target are an error (lo_create
 * refuses them).
 */
export async function transferLargeObjects(
  source: pg.ClientBase,
  target: pg.ClientBase,
  oids: readonly string[],
  roles: LargeObjectRoles,
  options: { signal?: AbortSignal; sizes?: Map<string, number> } = {},
): Promise<{ objects: number; bytes: number }> {
  const sizes = options.sizes ?? (await largeObjectSizes(source, oids));
  let objects = 0;
  let bytes = 0;
  const small: string[] = [];
  let smallBytes = 0;
  const flushSmall = async () => {
    if (small.length === 0) return;
    const { rows } = await source.query<{ o: string; d: Buffer }>(
      `SELECT o::text AS o, lo_get(o) AS d FROM unnest($1::oid[]) AS o`,
      [small],
    );
    await target.query(`SELECT lo_from_bytea(x.o, x.d) FROM unnest($1::oid[], $2::bytea[]) AS x(o, d)`, [
      rows.map((r) => r.o),
      rows.map((r) => r.d),
    ]);
    await finish(
      target,
      rows.map((r) => r.o),
      roles,
    );
    for (const r of rows) bytes += r.d.length;
    objects += rows.length;
    small.length = 0;
    smallBytes = 0;
  };
  for (const o of oids) {
    if (options.signal?.aborted) throw cancelled();
    assertOid(o);
    const size = sizes.get(o);
    if (size === undefined) {
      throw new PromotionError(
        'database',
        `Large object ${o}, referenced by the tenant's rows, no longer exists at the snapshot.`,
        'Re-run the promotion.',
      );
    }
    if (size <= LO_CHUNK) {
      if (smallBytes + size > LO_CHUNK || small.length >= BATCH) await flushSmall();
      small.push(o);
      smallBytes += size;
      continue;
    }
    await target.query('SELECT lo_create($1::oid)', [o]);
    for (let off = 0; off < size; off += LO_CHUNK) {
      if (options.signal?.aborted) throw cancelled();
      const { rows } = await source.query<{ d: Buffer }>('SELECT lo_get($1::oid, $2::bigint, $3::int) AS d', [
        o,
        off,
        LO_CHUNK,
      ]);
      const chunk = rows[0]!.d;
      if (chunk.length > 0)
        await target.query('SELECT lo_put($1::oid, $2::bigint, $3::bytea)', [o, off, chunk]);
      bytes += chunk.length;
    }
    await finish(target, [o], roles);
    objects++;
  }
  await flushSmall();
  return { objects, bytes };
}

/** Owner and grants of freshly created objects (ALTER / GRANT take no parameters: OIDs checked). */
async function finish(
  target: pg.ClientBase,
  oids: readonly string[],
  roles: LargeObjectRoles,
): Promise<void> {
  if (oids.length === 0) return;
  const list = oids.map(assertOid);
  await target.query(
    `GRANT SELECT, UPDATE ON LARGE OBJECT ${list.join(', ')} TO ${pg.escapeIdentifier(roles.app)}`,
  );
  await target.query(
    list.map((o) => `ALTER LARGE OBJECT ${o} OWNER TO ${pg.escapeIdentifier(roles.owner)}`).join(';\n'),
  );
}

const SNAPSHOT_ID = /^[0-9A-F-]+$/i;

export interface CopyLargeObjectsOptions {
  sourceUrl: string;
  targetUrl: string;
  /** The copy's exported snapshot: objects are read as of it, like the rows. */
  snapshotId: string;
  plan: TenantPlan;
  roles: LargeObjectRoles;
  signal?: AbortSignal;
  /** Runs first in the target transaction and may throw: fencing (ownership.ts). */
  guard?: (target: pg.ClientBase) => Promise<void>;
}

/**
 * The copy step's part: every large object the tenant's rows reference at the snapshot, into the
 * new database, in one transaction there (a failure leaves none behind).
 */
export async function copyLargeObjects(
  opts: CopyLargeObjectsOptions,
): Promise<{ objects: number; bytes: number; durationMs: number }> {
  const started = Date.now();
  const columns = opts.plan.largeObjects?.columns ?? [];
  if (columns.length === 0) return { objects: 0, bytes: 0, durationMs: 0 };
  if (!SNAPSHOT_ID.test(opts.snapshotId)) {
    throw new PromotionError(
      'internal',
      `Invalid snapshot id ${JSON.stringify(opts.snapshotId.slice(0, 40))}.`,
    );
  }
  const source = await connect(opts.sourceUrl);
  let target: pg.Client | undefined;
  try {
    await setTenantId(source, opts.plan.tenantId);
    await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await source.query(`SET TRANSACTION SNAPSHOT ${pg.escapeLiteral(opts.snapshotId)}`);
    const oids = await referencedLargeObjects(source, columns, opts.plan.tables);
    if (oids.length === 0) return { objects: 0, bytes: 0, durationMs: Date.now() - started };
    target = await connect(opts.targetUrl);
    await target.query('BEGIN');
    await opts.guard?.(target);
    const done = await transferLargeObjects(source, target, oids, opts.roles, { signal: opts.signal });
    await target.query('COMMIT');
    return { ...done, durationMs: Date.now() - started };
  } catch (e) {
    await target?.query('ROLLBACK').catch(() => undefined);
    throw dbError(e, 'Copying the large objects failed');
  } finally {
    await source.query('ROLLBACK').catch(() => undefined);
    await source.end().catch(() => undefined);
    await target?.end().catch(() => undefined);
  }
}

export interface SyncLargeObjectsResult {
  /** Objects the tenant's rows reference at the source session's snapshot. */
  referenced: number;
  /** Missing in the target: copied. */
  copied: number;
  /** In the target with other content (changed in the shared database since the copy): replaced. */
  replaced: number;
  /** In the target with equal content (only when `verify` is 'all'). */
  verified: number;
  bytes: number;
}

/**
 * Catch-up for large objects (the switch calls it beside the rows' catch-up): every object the
 * tenant's rows reference at `source`'s snapshot (tenant id set on it) that the target lacks is
 * copied; with `verify: 'all'` (the default) the others are compared by hash and replaced when the
 * shared database changed them since the copy. `verify: 'missing'` only copies what is missing —
 * cost bounded by the new objects, for use under the freeze. Each batch is one transaction on
 * the target, in which `guard` runs first (the run's ownership of the database).
 */
export async function syncLargeObjects(
  source: pg.ClientBase,
  target: pg.ClientBase,
  plan: TenantPlan,
  options: {
    roles: LargeObjectRoles;
    verify?: 'all' | 'missing';
    guard?: (target: pg.ClientBase) => Promise<void>;
    columns?: LargeObjectColumn[];
  },
): Promise<SyncLargeObjectsResult> {
  const columns =
    options.columns ?? plan.largeObjects?.columns ?? (await findLargeObjectColumns(source, plan.tables));
  const result: SyncLargeObjectsResult = { referenced: 0, copied: 0, replaced: 0, verified: 0, bytes: 0 };
  if (columns.length === 0) return result;
  const oids = await referencedLargeObjects(source, columns, plan.tables);
  result.referenced = oids.length;
  for (let i = 0; i < oids.length; i += BATCH) {
    const batch = oids.slice(i, i + BATCH);
    const { rows } = await target.query<{ o: string }>(
      `SELECT m.oid::text AS o FROM pg_largeobject_metadata m WHERE m.oid = ANY ($1::oid[])`,
      [batch],
    );
    const present = new Set(rows.map((r) => r.o));
    const missing = batch.filter((o) => !present.has(o));
    let replace: string[] = [];
    if ((options.verify ?? 'all') === 'all' && present.size > 0) {
      const existing = batch.filter((o) => present.has(o));
      const [want, have] = [
        await hashLargeObjects(source, existing),
        await hashLargeObjects(target, existing),
      ];
      replace = existing.filter((o) => {
        const a = want.get(o);
        const b = have.get(o);
        return !a || !b || a.size !== b.size || a.hash !== b.hash;
      });
      result.verified += existing.length - replace.length;
    }
    if (missing.length === 0 && replace.length === 0) continue;
    await target.query('BEGIN');
    try {
      await options.guard?.(target);
      for (const o of replace) await target.query(`SELECT lo_unlink($1::oid)`, [assertOid(o)]);
      const done = await transferLargeObjects(source, target, [...missing, ...replace], options.roles);
      await target.query('COMMIT');
      result.copied += missing.length;
      result.replaced += replace.length;
      result.bytes += done.bytes;
    } catch (e) {
      await target.query('ROLLBACK').catch(() => undefined);
      throw dbError(e, 'Catching up the large objects failed');
    }
  }
  return result;
}

/**
 * For the cleanup's record: the objects the rows it deletes (`tables`, by default the plan's
 * deleteOrder) reference in the shared database (tenant id set on the session) and their total size. Read before the rows are deleted; the
 * objects themselves are left (see cleanup.ts).
 */
export async function measureReferenced(
  client: pg.ClientBase,
  plan: TenantPlan,
  tables: readonly TablePlan[] = plan.deleteOrder,
): Promise<{ objects: number; bytes: number }> {
  const columns = plan.largeObjects?.columns ?? (await findLargeObjectColumns(client, tables));
  const oids = await referencedLargeObjects(client, columns, tables);
  const sizes = await largeObjectSizes(client, oids);
  let bytes = 0;
  for (const s of sizes.values()) bytes += s;
  return { objects: oids.length, bytes };
}

function cancelled(): PromotionError {
  return new PromotionError(
    'cancelled',
    'The copy was cancelled.',
    'Nothing partial is kept: re-run the promotion.',
  );
}

function dbError(e: unknown, what: string): PromotionError {
  if (e instanceof PromotionError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const hint = /permission denied for large object/i.test(message)
    ? 'The connecting role needs SELECT on every large object the tenant references (GRANT SELECT ON LARGE OBJECT <oid> TO <role>), or connect as their owner.'
    : 'Nothing of the large objects was committed; fix the cause named above and re-run.';
  return new PromotionError('database', `${what}: ${redact(message)}`, hint, { cause: e });
}
