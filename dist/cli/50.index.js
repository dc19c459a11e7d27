"use strict";
exports.id = 50;
exports.ids = [50];
exports.modules = {

/***/ 52593:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   GE: () => (/* binding */ hashLargeObjects),
/* harmony export */   RK: () => (/* binding */ findLargeObjectColumns),
/* harmony export */   Up: () => (/* binding */ measureReferenced),
/* harmony export */   VR: () => (/* binding */ syncLargeObjects),
/* harmony export */   XT: () => (/* binding */ listSome),
/* harmony export */   be: () => (/* binding */ planLargeObjects),
/* harmony export */   mU: () => (/* binding */ largeObjectNotes),
/* harmony export */   rO: () => (/* binding */ referencedLargeObjects),
/* harmony export */   re: () => (/* binding */ largeObjectSizes),
/* harmony export */   yR: () => (/* binding */ LO_CHUNK),
/* harmony export */   z3: () => (/* binding */ formatBytes),
/* harmony export */   zF: () => (/* binding */ copyLargeObjects)
/* harmony export */ });
/* unused harmony export transferLargeObjects */
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83916);
/* harmony import */ var _secrets__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(27194);
/* harmony import */ var _connect__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(36741);




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
const LO_CHUNK = 1024 * 1024;
/** Objects per batch (hashing, existence checks, small-object copies). */
const BATCH = 500;
/** `INV_READ` for `lo_open`. */
const INV_READ = 0x40000;
/** An `oid` column of a planned table, or a domain over `oid`: reads the catalog. */
async function findLargeObjectColumns(client, tables) {
    const unique = [...new Map(tables.map((t) => [t.qualified, t])).values()];
    if (unique.length === 0)
        return [];
    const { rows } = await client.query(`WITH RECURSIVE dom(oid, base) AS (
       SELECT oid, typbasetype FROM pg_type WHERE typtype = 'd'
       UNION ALL
       SELECT d.oid, t.typbasetype FROM dom d JOIN pg_type t ON t.oid = d.base WHERE t.typtype = 'd'
     )
     SELECT q.name AS qualified, a.attname, format_type(a.atttypid, a.atttypmod) AS type
       FROM unnest($1::text[]) WITH ORDINALITY AS q(name, ord)
       JOIN pg_attribute a ON a.attrelid = q.name::regclass AND a.attnum > 0 AND NOT a.attisdropped
      WHERE a.atttypid = 'oid'::regtype
         OR EXISTS (SELECT 1 FROM dom WHERE dom.oid = a.atttypid AND dom.base = 'oid'::regtype)
      ORDER BY q.ord, a.attnum`, [unique.map((t) => t.qualified)]);
    const byQualified = new Map(unique.map((t) => [t.qualified, t]));
    const out = [];
    for (const r of rows) {
        const table = byQualified.get(r.qualified);
        const column = pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(r.attname);
        // Generated columns are not copied (the target computes them): nothing to bring.
        if (!table.columns.includes(column))
            continue;
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
function referencedSql(columns, tables, where = (t) => t.where) {
    const byQualified = new Map(tables.map((t) => [t.qualified, t]));
    // Only columns of the given tables (a column of another table selects nothing).
    const parts = columns
        .filter((c) => byQualified.has(c.table))
        .map((c) => `SELECT t.${c.column}::oid AS o FROM ${c.table} t WHERE (${where(byQualified.get(c.table))}) AND t.${c.column} IS NOT NULL`);
    if (parts.length === 0)
        parts.push('SELECT NULL::oid AS o WHERE false');
    return `SELECT r.o FROM (${parts.join('\nUNION\n')}) r
           WHERE EXISTS (SELECT 1 FROM pg_largeobject_metadata m WHERE m.oid = r.o)`;
}
/** Distinct large objects the tenant's rows reference, ascending (as decimal text). */
async function referencedLargeObjects(client, columns, tables, where) {
    if (columns.length === 0)
        return [];
    const { rows } = await client.query(`SELECT x.o::text AS o FROM (${referencedSql(columns, tables, where)}) x ORDER BY x.o`);
    return rows.map((r) => r.o);
}
/** Per column, the distinct large objects referenced through it (tenant rows). */
async function countPerColumn(client, columns, tables) {
    const out = [];
    for (const c of columns) {
        const { rows } = await client.query(`SELECT count(*)::int AS n FROM (${referencedSql([c], tables)}) x`);
        out.push({ ...c, objects: rows[0]?.n ?? 0 });
    }
    return out;
}
/** Sizes of the given objects (those that exist), read through `lo_open` + `lo_lseek64`. */
async function largeObjectSizes(client, oids) {
    const sizes = new Map();
    for (let i = 0; i < oids.length; i += BATCH) {
        const { rows } = await client.query(`SELECT f.o::text AS o, lo_lseek64(f.fd, 0, 2)::text AS size, lo_close(f.fd) AS closed
         FROM (SELECT o, lo_open(o, ${INV_READ}) AS fd FROM unnest($1::oid[]) AS o
                WHERE EXISTS (SELECT 1 FROM pg_largeobject_metadata m WHERE m.oid = o) OFFSET 0) f`, [oids.slice(i, i + BATCH)]);
        for (const r of rows)
            sizes.set(r.o, Number(r.size));
    }
    return sizes;
}
/**
 * Content hashes of the given objects, computed by the server chunk by chunk; objects that do not
 * exist are absent from the result. Same chunking on both sides, so equal content ⇔ equal hash.
 */
async function hashLargeObjects(client, oids) {
    const out = new Map();
    for (let i = 0; i < oids.length; i += BATCH) {
        // The CTE calls volatile functions: it is materialised, each object opened and closed once.
        const { rows } = await client.query(`WITH s AS (
         SELECT f.o, lo_lseek64(f.fd, 0, 2) AS size, lo_close(f.fd) AS closed
           FROM (SELECT o, lo_open(o, ${INV_READ}) AS fd FROM unnest($1::oid[]) AS o
                  WHERE EXISTS (SELECT 1 FROM pg_largeobject_metadata m WHERE m.oid = o) OFFSET 0) f
       )
       SELECT s.o::text AS o, s.size::text AS size,
              md5(string_agg(md5(lo_get(s.o, off, $2::int)), '' ORDER BY off)) AS hash
         FROM s CROSS JOIN LATERAL generate_series(0::bigint, greatest(s.size - 1, 0), $2::bigint) AS off
        GROUP BY s.o, s.size`, [oids.slice(i, i + BATCH), LO_CHUNK]);
        for (const r of rows)
            out.set(r.o, { size: Number(r.size), hash: r.hash });
    }
    return out;
}
/**
 * Of the given objects, those the session's role may not read: neither superuser, nor
 * `lo_compat_privileges`, nor (a member of) the owner, nor SELECT granted to it or to PUBLIC.
 * (PostgreSQL 15 has no has_largeobject_privilege: this is its rule, read from the catalog.)
 */
async function unreadable(client, oids) {
    const out = [];
    for (let i = 0; i < oids.length; i += 10_000) {
        const { rows } = await client.query(`SELECT m.oid::text AS o, pg_get_userbyid(m.lomowner) AS owner
         FROM pg_largeobject_metadata m
        WHERE m.oid = ANY ($1::oid[])
          AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
          AND NOT current_setting('lo_compat_privileges')::boolean
          AND NOT pg_has_role(m.lomowner, 'USAGE')
          AND NOT EXISTS (
            SELECT 1 FROM aclexplode(m.lomacl) a
             WHERE a.privilege_type = 'SELECT'
               AND CASE WHEN a.grantee = 0 THEN true ELSE pg_has_role(a.grantee, 'USAGE') END)
        ORDER BY m.oid`, [oids.slice(i, i + 10_000)]);
        out.push(...rows);
    }
    return out;
}
/** At most `max` items, then "… and N more". */
function listSome(items, max = 20) {
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
async function planLargeObjects(client, plan) {
    const found = await findLargeObjectColumns(client, plan.tables);
    if (found.length === 0)
        return { columns: [], objects: 0, bytes: 0 };
    const columns = await countPerColumn(client, found, plan.tables);
    const oids = await referencedLargeObjects(client, columns, plan.tables);
    const denied = await unreadable(client, oids);
    if (denied.length > 0) {
        const who = (await client.query('SELECT current_user AS who')).rows[0].who;
        const owners = [...new Set(denied.map((d) => d.owner))].sort();
        const via = columns
            .filter((c) => (c.objects ?? 0) > 0)
            .map((c) => `${c.schema}.${c.name}.${c.columnName}`);
        const list = denied.map((d) => d.o);
        const grant = denied.length <= 100
            ? `GRANT SELECT ON LARGE OBJECT ${list.join(', ')} TO ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(who)};`
            : `DO $$ DECLARE o oid; BEGIN FOR o IN SELECT oid FROM pg_largeobject_metadata WHERE lomowner IN (${owners.map((o) => `${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(o)}::regrole`).join(', ')}) LOOP EXECUTE format('GRANT SELECT ON LARGE OBJECT %s TO %I', o, ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(who)}); END LOOP; END $$;`;
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('permission-denied', `Role "${who}" cannot read ${denied.length} of the ${oids.length} large objects the tenant's rows reference (columns ${via.join(', ')}): ${listSome(list)} (owned by ${owners.join(', ')}); it needs SELECT on each to copy them. Nothing was changed.`, `As their owner (${owners.join(', ')}) or a superuser, grant it: ${grant} Or use a database-url whose role owns them (or is a member of ${owners.join(', ')}).`);
    }
    const sizes = await largeObjectSizes(client, oids);
    let bytes = 0;
    for (const s of sizes.values())
        bytes += s;
    return { columns, objects: oids.length, bytes };
}
/** Notes for the run's record: what the plan found. */
function largeObjectNotes(lo, 
/** Into the shared database: the objects stay in place; what the tenant's role is granted. */
inPlace) {
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
function formatBytes(n) {
    if (n < 1024)
        return `${n} B`;
    if (n < 1024 * 1024)
        return `${(n / 1024).toFixed(1)} kB`;
    return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
function assertOid(o) {
    if (!/^\d{1,10}$/.test(o))
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('internal', `Not an OID: ${JSON.stringify(o)}.`);
    return o;
}
/**
 * Copies `oids` from `source` (read at its snapshot) into `target` under the same OIDs, owned by
 * `roles.owner` with SELECT, UPDATE granted to `roles.app`. Small objects travel in batches of at
 * most LO_CHUNK bytes, big ones chunk by chunk (lo_get(oid, offset, len) → lo_put): memory stays
 * bounded. Runs no BEGIN/COMMIT: the caller decides the target transaction (the copy uses one for
 * all, the sync one per batch). Objects that already exist in the target are an error (lo_create
 * refuses them).
 */
async function transferLargeObjects(source, target, oids, roles, options = {}) {
    const sizes = options.sizes ?? (await largeObjectSizes(source, oids));
    let objects = 0;
    let bytes = 0;
    const small = [];
    let smallBytes = 0;
    const flushSmall = async () => {
        if (small.length === 0)
            return;
        const { rows } = await source.query(`SELECT o::text AS o, lo_get(o) AS d FROM unnest($1::oid[]) AS o`, [small]);
        await target.query(`SELECT lo_from_bytea(x.o, x.d) FROM unnest($1::oid[], $2::bytea[]) AS x(o, d)`, [
            rows.map((r) => r.o),
            rows.map((r) => r.d),
        ]);
        await finish(target, rows.map((r) => r.o), roles);
        for (const r of rows)
            bytes += r.d.length;
        objects += rows.length;
        small.length = 0;
        smallBytes = 0;
    };
    for (const o of oids) {
        if (options.signal?.aborted)
            throw cancelled();
        assertOid(o);
        const size = sizes.get(o);
        if (size === undefined) {
            throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('database', `Large object ${o}, referenced by the tenant's rows, no longer exists at the snapshot.`, 'Re-run the promotion.');
        }
        if (size <= LO_CHUNK) {
            if (smallBytes + size > LO_CHUNK || small.length >= BATCH)
                await flushSmall();
            small.push(o);
            smallBytes += size;
            continue;
        }
        await target.query('SELECT lo_create($1::oid)', [o]);
        for (let off = 0; off < size; off += LO_CHUNK) {
            if (options.signal?.aborted)
                throw cancelled();
            const { rows } = await source.query('SELECT lo_get($1::oid, $2::bigint, $3::int) AS d', [
                o,
                off,
                LO_CHUNK,
            ]);
            const chunk = rows[0].d;
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
async function finish(target, oids, roles) {
    if (oids.length === 0)
        return;
    const list = oids.map(assertOid);
    await target.query(`GRANT SELECT, UPDATE ON LARGE OBJECT ${list.join(', ')} TO ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(roles.app)}`);
    await target.query(list.map((o) => `ALTER LARGE OBJECT ${o} OWNER TO ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(roles.owner)}`).join(';\n'));
}
const SNAPSHOT_ID = /^[0-9A-F-]+$/i;
/**
 * The copy step's part: every large object the tenant's rows reference at the snapshot, into the
 * new database, in one transaction there (a failure leaves none behind).
 */
async function copyLargeObjects(opts) {
    const started = Date.now();
    const columns = opts.plan.largeObjects?.columns ?? [];
    if (columns.length === 0)
        return { objects: 0, bytes: 0, durationMs: 0 };
    if (!SNAPSHOT_ID.test(opts.snapshotId)) {
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('internal', `Invalid snapshot id ${JSON.stringify(opts.snapshotId.slice(0, 40))}.`);
    }
    const source = await (0,_connect__WEBPACK_IMPORTED_MODULE_3__/* .connect */ .Ng)(opts.sourceUrl);
    let target;
    try {
        await (0,_connect__WEBPACK_IMPORTED_MODULE_3__/* .setTenantId */ .si)(source, opts.plan.tenantId);
        await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await source.query(`SET TRANSACTION SNAPSHOT ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(opts.snapshotId)}`);
        const oids = await referencedLargeObjects(source, columns, opts.plan.tables);
        if (oids.length === 0)
            return { objects: 0, bytes: 0, durationMs: Date.now() - started };
        target = await (0,_connect__WEBPACK_IMPORTED_MODULE_3__/* .connect */ .Ng)(opts.targetUrl);
        await target.query('BEGIN');
        await opts.guard?.(target);
        const done = await transferLargeObjects(source, target, oids, opts.roles, { signal: opts.signal });
        await target.query('COMMIT');
        return { ...done, durationMs: Date.now() - started };
    }
    catch (e) {
        await target?.query('ROLLBACK').catch(() => undefined);
        throw dbError(e, 'Copying the large objects failed');
    }
    finally {
        await source.query('ROLLBACK').catch(() => undefined);
        await source.end().catch(() => undefined);
        await target?.end().catch(() => undefined);
    }
}
/**
 * Catch-up for large objects (the switch calls it beside the rows' catch-up): every object the
 * tenant's rows reference at `source`'s snapshot (tenant id set on it) that the target lacks is
 * copied; with `verify: 'all'` (the default) the others are compared by hash and replaced when the
 * shared database changed them since the copy. `verify: 'missing'` only copies what is missing —
 * cost bounded by the new objects, for use under the freeze. Each batch is one transaction on
 * the target, in which `guard` runs first (the run's ownership of the database).
 */
async function syncLargeObjects(source, target, plan, options) {
    const columns = options.columns ?? plan.largeObjects?.columns ?? (await findLargeObjectColumns(source, plan.tables));
    const result = { referenced: 0, copied: 0, replaced: 0, verified: 0, bytes: 0 };
    if (columns.length === 0)
        return result;
    const oids = await referencedLargeObjects(source, columns, plan.tables);
    result.referenced = oids.length;
    for (let i = 0; i < oids.length; i += BATCH) {
        const batch = oids.slice(i, i + BATCH);
        const { rows } = await target.query(`SELECT m.oid::text AS o FROM pg_largeobject_metadata m WHERE m.oid = ANY ($1::oid[])`, [batch]);
        const present = new Set(rows.map((r) => r.o));
        const missing = batch.filter((o) => !present.has(o));
        let replace = [];
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
        if (missing.length === 0 && replace.length === 0)
            continue;
        await target.query('BEGIN');
        try {
            await options.guard?.(target);
            for (const o of replace)
                await target.query(`SELECT lo_unlink($1::oid)`, [assertOid(o)]);
            const done = await transferLargeObjects(source, target, [...missing, ...replace], options.roles);
            await target.query('COMMIT');
            result.copied += missing.length;
            result.replaced += replace.length;
            result.bytes += done.bytes;
        }
        catch (e) {
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
async function measureReferenced(client, plan, tables = plan.deleteOrder) {
    const columns = plan.largeObjects?.columns ?? (await findLargeObjectColumns(client, tables));
    const oids = await referencedLargeObjects(client, columns, tables);
    const sizes = await largeObjectSizes(client, oids);
    let bytes = 0;
    for (const s of sizes.values())
        bytes += s;
    return { objects: oids.length, bytes };
}
function cancelled() {
    return new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('cancelled', 'The copy was cancelled.', 'Nothing partial is kept: re-run the promotion.');
}
function dbError(e, what) {
    if (e instanceof _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1)
        return e;
    const message = e instanceof Error ? e.message : String(e);
    const hint = /permission denied for large object/i.test(message)
        ? 'The connecting role needs SELECT on every large object the tenant references (GRANT SELECT ON LARGE OBJECT <oid> TO <role>), or connect as their owner.'
        : 'Nothing of the large objects was committed; fix the cause named above and re-run.';
    return new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('database', `${what}: ${(0,_secrets__WEBPACK_IMPORTED_MODULE_2__/* .redact */ .E$)(message)}`, hint, { cause: e });
}


/***/ }),

/***/ 64669:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   NM: () => (/* binding */ grantSharedLargeObjects),
/* harmony export */   VC: () => (/* binding */ tenantSideReferenced),
/* harmony export */   ZF: () => (/* binding */ tenantSideOidSelects),
/* harmony export */   lL: () => (/* binding */ assessSharedLargeObjects),
/* harmony export */   ou: () => (/* binding */ revokeLargeObjectGrants),
/* harmony export */   sm: () => (/* binding */ lackingAccess)
/* harmony export */ });
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83916);
/* harmony import */ var _large_objects__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(52593);
/* harmony import */ var _plan_types__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(54680);




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
function mayGrantSql(priv) {
    return `((SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
           OR pg_has_role(m.lomowner, 'USAGE')
           OR EXISTS (SELECT 1 FROM aclexplode(m.lomacl) g
                       WHERE g.privilege_type = '${priv}' AND g.is_grantable AND g.grantee <> 0
                         AND pg_has_role(g.grantee, 'USAGE')))`;
}
const BATCH = 1000;
function assertOid(o) {
    if (!/^\d{1,10}$/.test(o))
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('internal', `Not an OID: ${JSON.stringify(o)}.`);
    return o;
}
/**
 * What the tenant's role needs on `oids` and whether the session's role may grant it; refuses
 * (PromotionError 'permission-denied') naming the columns, the objects, their owners, the missing
 * privilege and the fix. Reads the catalog only.
 */
async function assessSharedLargeObjects(client, oids, columns, 
/** Of `oids`, those rows that are not the tenant's reference too: refused (not its own). */
alsoOthers = []) {
    if (alsoOthers.length) {
        const via = columns.map((c) => `${c.schema}.${c.name}.${c.columnName}`);
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('plan-blocked', `${alsoOthers.length} of the ${oids.length} large objects the tenant's rows reference (columns ${via.join(', ')}) are referenced by other rows of the shared database too (another tenant's, or a table copied whole): ${(0,_large_objects__WEBPACK_IMPORTED_MODULE_2__/* .listSome */ .XT)([...alsoOthers], 5)}. In the shared database the objects stay in place and are granted to the tenant's role: that would open another tenant's data to it. Nothing was created.`, `Give the tenant its own copy (UPDATE <table> SET <column> = lo_from_bytea(0, lo_get(<column>)) for its rows), or give target-database-url: in a database of its own the objects are copied.`);
    }
    const access = { select: [], update: [] };
    const denied = [];
    for (let i = 0; i < oids.length; i += BATCH) {
        const { rows } = await client.query(`SELECT m.oid::text AS o, pg_get_userbyid(m.lomowner) AS owner, ${WRITABLE_SQL} AS writable,
              ${mayGrantSql('SELECT')} AS may_select, ${mayGrantSql('UPDATE')} AS may_update
         FROM pg_largeobject_metadata m WHERE m.oid = ANY ($1::oid[]) ORDER BY m.oid`, [oids.slice(i, i + BATCH)]);
        for (const r of rows) {
            access.select.push(r.o);
            if (r.writable)
                access.update.push(r.o);
            const missing = [!r.may_select && 'SELECT', r.writable && !r.may_update && 'UPDATE'].filter(Boolean);
            if (missing.length)
                denied.push({ o: r.o, owner: r.owner, missing: missing.join(', ') });
        }
    }
    if (denied.length) {
        const who = (await client.query('SELECT current_user AS who')).rows[0].who;
        const owners = [...new Set(denied.map((d) => d.owner))].sort();
        const privs = ['SELECT', 'UPDATE'].filter((p) => denied.some((d) => d.missing.includes(p))).join(', ');
        const via = columns
            .filter((c) => (c.objects ?? 1) > 0)
            .map((c) => `${c.schema}.${c.name}.${c.columnName}`);
        const list = denied.map((d) => d.o);
        const some = list.slice(0, 100).join(', ');
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .PromotionError */ .g1('permission-denied', `Role "${who}" may not grant the tenant's role ${privs} on ${denied.length} of the ${oids.length} large objects the tenant's rows reference (columns ${via.join(', ')}): ${(0,_large_objects__WEBPACK_IMPORTED_MODULE_2__/* .listSome */ .XT)(list, 5)} (owned by ${owners.join(', ')}). In the shared database the objects stay in place under their OIDs and the tenant's role is granted access to them, which needs their ownership or ${privs} WITH GRANT OPTION. Nothing was created.`, `As their owner (${owners.join(', ')}) or a superuser, either give them to "${who}" (ALTER LARGE OBJECT <oid> OWNER TO ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(who)}, for each) or let it pass the privilege on: GRANT ${privs} ON LARGE OBJECT ${some}${list.length > 100 ? ', …' : ''} TO ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(who)} WITH GRANT OPTION; then re-run. Or give target-database-url: in a database of its own the objects are copied.`);
    }
    return access;
}
/**
 * Grants the tenant's application role SELECT (and UPDATE where the shared side lets the
 * application write) on `oids`, after refusing like the plan if the session's role may not.
 * Runs in the caller's transaction. Returns what was granted.
 */
async function grantSharedLargeObjects(client, oids, columns, appRole) {
    const access = await assessSharedLargeObjects(client, oids, columns);
    const role = pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(appRole);
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
async function revokeLargeObjectGrants(client, roles) {
    let touched = 0;
    for (const role of roles) {
        const { rows } = await client.query(`SELECT DISTINCT m.oid::text AS o FROM pg_largeobject_metadata m, aclexplode(m.lomacl) a
        WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1) ORDER BY 1`, [role]);
        const oids = rows.map((r) => assertOid(r.o));
        for (let i = 0; i < oids.length; i += BATCH)
            await client.query(`REVOKE ALL ON LARGE OBJECT ${oids.slice(i, i + BATCH).join(', ')} FROM ${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeIdentifier */ .Ay.escapeIdentifier(role)}`);
        touched += oids.length;
    }
    return touched;
}
/**
 * One `SELECT … AS o` per large-object column of `tables`, reading the OIDs the tenant's rows
 * carry in its target tables (none for a column whose table is not planned), to be UNIONed.
 */
function tenantSideOidSelects(columns, tables) {
    const byQualified = new Map(tables.map((t) => [t.qualified, t]));
    return columns
        .filter((c) => byQualified.has(c.table))
        .map((c) => `SELECT t.${c.column}::oid AS o FROM ${(0,_plan_types__WEBPACK_IMPORTED_MODULE_3__/* .targetOf */ .$r)(byQualified.get(c.table))} t WHERE t.${c.column} IS NOT NULL`);
}
/**
 * The objects the tenant's rows reference on its side (`tables` under their target names — its
 * schemas of the shared database — all rows being the tenant's there), that exist.
 */
async function tenantSideReferenced(client, columns, tables) {
    const parts = tenantSideOidSelects(columns, tables);
    if (parts.length === 0)
        return [];
    const { rows } = await client.query(`SELECT DISTINCT x.o::text AS o FROM (${parts.join(' UNION ')}) x
      WHERE EXISTS (SELECT 1 FROM pg_largeobject_metadata m WHERE m.oid = x.o) ORDER BY 1`);
    return rows.map((r) => r.o);
}
/**
 * Of `oids`, those `role` may not read, or may not write where the shared side lets its
 * application write (the rule above): PostgreSQL 15's rule read from the catalog (superuser,
 * lo_compat_privileges, membership in the owner, SELECT/UPDATE granted to it or to PUBLIC).
 */
async function lackingAccess(client, role, oids) {
    const out = [];
    const has = (priv) => `(r.rolsuper OR current_setting('lo_compat_privileges')::boolean
      OR pg_has_role(r.oid, m.lomowner, 'USAGE')
      OR EXISTS (SELECT 1 FROM aclexplode(m.lomacl) a WHERE a.privilege_type = '${priv}'
                  AND (a.grantee = 0 OR pg_has_role(r.oid, a.grantee, 'USAGE'))))`;
    for (let i = 0; i < oids.length; i += BATCH) {
        const { rows } = await client.query(`SELECT m.oid::text AS o, ${has('SELECT')} AS sel, ${has('UPDATE')} AS upd, ${WRITABLE_SQL} AS writable
         FROM pg_largeobject_metadata m, pg_roles r
        WHERE m.oid = ANY ($1::oid[]) AND r.rolname = $2 ORDER BY m.oid`, [oids.slice(i, i + BATCH), role]);
        for (const r of rows) {
            const missing = [!r.sel && 'SELECT', r.writable && !r.upd && 'UPDATE'].filter(Boolean);
            if (missing.length)
                out.push({ o: r.o, missing: missing.join(', ') });
        }
    }
    return out;
}


/***/ })

};
;