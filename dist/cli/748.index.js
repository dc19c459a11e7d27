"use strict";
exports.id = 748;
exports.ids = [748];
exports.modules = {

/***/ 21748:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  rollback: () => (/* binding */ rollback)
});

// UNUSED EXPORTS: rollbackSteps

// EXTERNAL MODULE: ./src/pipeline/engine.ts + 2 modules
var engine = __webpack_require__(16843);
// EXTERNAL MODULE: ./src/pipeline/ownership.ts
var ownership = __webpack_require__(43651);
// EXTERNAL MODULE: ./src/pipeline/steps/lock.ts
var lock = __webpack_require__(42995);
// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(83849);
// EXTERNAL MODULE: ./src/postgres/sessions.ts
var sessions = __webpack_require__(73074);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
// EXTERNAL MODULE: ./src/postgres/tool-schemas.ts
var tool_schemas = __webpack_require__(24024);
// EXTERNAL MODULE: ./src/postgres/schema-layout.ts + 1 modules
var schema_layout = __webpack_require__(31686);
;// CONCATENATED MODULE: ./src/postgres/tenant-side.ts




const qi = esm/* default.escapeIdentifier */.Ay.escapeIdentifier;
/**
 * The tenant's side as the switch recorded it. `database`: the tenant's database name
 * (DerivedNames.database); `sharedDatabase`: the shared database, which holds the tenant's
 * schemas when they went into it.
 */
function tenantSideOf(isolation, database, sharedDatabase) {
    const layout = isolation?.isolation_level === 'schema' ? isolation.schema : undefined;
    if (!layout)
        return { database, ownDatabase: true };
    const shared = layout.into === 'shared-database';
    return {
        database: shared ? sharedDatabase : database,
        ownDatabase: !shared,
        schemas: (0,schema_layout/* schemaMap */.eQ)(layout),
        searchPath: layout.search_path,
    };
}
/** The tenant's schemas on its side (schema level), in mapping order; empty at database level. */
function tenantSchemas(side) {
    return [...new Set(side.schemas?.values() ?? [])];
}
/** A schema's name on the tenant's side (itself at database level). */
function onTenantSide(side, schema) {
    return side.schemas?.get(schema) ?? schema;
}
/**
 * `schema\0name` of every relation, type and function the tenant's side defines in its schemas,
 * written with the source schema: the names a statement may map. A name the tenant's side does
 * not define (an extension's function or type living in `public`) keeps its schema, so it still
 * resolves where the extension is.
 */
async function definedOnTenantSide(client, side) {
    const back = new Map([...(side.schemas ?? [])].map(([s, t]) => [t, s]));
    const { rows } = await client.query(`SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1::text[])
     UNION SELECT n.nspname, t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = ANY($1::text[])
     UNION SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY($1::text[])`, [tenantSchemas(side)]);
    return new Set(rows.map((r) => `${back.get(r.schema)}\u0000${r.name}`));
}
/**
 * The plan's tables (`schema.name`) whose schema the tenant's side has no schema for (schema
 * level): a shared migration added a tenant table in a new schema after the switch. Empty at
 * database level. Pure.
 */
function unmappedPlanTables(plan, side) {
    const map = side.schemas;
    if (!map)
        return [];
    return plan.tables.filter((t) => !map.has(t.schema)).map((t) => `${t.schema}.${t.name}`);
}
/** Why a plan with tables in unmapped schemas cannot be read on the tenant's side, and what to do. */
function unmappedPlanTablesError(tables, side) {
    return new errors/* PromotionError */.g1('tenant-state', `The tenant's tables ${tables.join(', ')} are in schemas its side has no schema for (mapped at the switch: ${[...(side.schemas?.keys() ?? [])].join(', ')}); a shared migration added them after the promotion, so the tenant's side holds none of their rows.`, `Nothing was changed and the tenant stays isolated. The rollback plans with the options recorded at the switch, so such a table cannot be left out: move it into one of the mapped schemas (in both databases), or drop its foreign keys to the tenant's rows if it is not the tenant's, then re-run the rollback.`);
}
/**
 * `client` with every statement it runs written for the tenant's side (see TenantSide); the
 * client itself at database level. The plan's tables are always mapped (a table the tenant's side
 * lacks then fails loudly there instead of reading the shared one, in the shared database); a
 * plan table in a schema the side does not map is refused (unmappedPlanTablesError).
 * Call before anything else runs on `client` (it reads the catalog once).
 */
async function tenantSession(client, side, plan) {
    const map = side.schemas;
    if (!map || map.size === 0)
        return client;
    // A plan table in a schema the side does not map would keep its name: at the shared placement
    // that reads the SHARED table as if it were the tenant's. Refused, never passed through.
    const unmapped = plan ? unmappedPlanTables(plan, side) : [];
    if (unmapped.length)
        throw unmappedPlanTablesError(unmapped, side);
    const defined = await definedOnTenantSide(client, side);
    for (const t of plan?.tables ?? [])
        defined.add(`${t.schema}\u0000${t.name}`);
    const rewrite = (sql) => (0,schema_layout/* mapStatement */._R)(sql, map, { defined });
    const mapped = (input) => {
        if (typeof input === 'string')
            return rewrite(input);
        if (input && typeof input.text === 'string') {
            // A submittable (pg-copy-streams) sends its own `text`: rewritten in place, before it is submitted.
            if (typeof input.submit === 'function') {
                input.text = rewrite(input.text);
                return input;
            }
            return { ...input, text: rewrite(input.text) };
        }
        return input;
    };
    return new Proxy(client, {
        get(target, prop) {
            if (prop === 'query')
                return (input, ...rest) => target.query(mapped(input), ...rest);
            const value = Reflect.get(target, prop, target);
            return typeof value === 'function' ? value.bind(target) : value;
        },
    });
}
/**
 * Schema level into a database of its own: tables of that database outside the tenant's schemas
 * (the tool's and extensions' aside) that hold rows, or that cannot be read to prove they hold
 * none — one line each. The drift compares only the tenant's schemas and the rollback restores
 * only the plan's tables, but the drop takes the whole database: such rows (a table the tenant's
 * owner created in `public`) would be lost, so they refuse the rollback and keep the database.
 * Each table is read through `query_to_xml` with its name in a literal, so the tenant session's
 * rewrite (which would turn `public.audit` into the tenant's own `audit`) cannot touch it, and
 * with row security off, so a policy errors instead of hiding rows.
 */
async function rowsOutsideTenantSchemas(client, side) {
    if (!side.ownDatabase || !side.schemas)
        return [];
    const { rows: tables } = await client.query(`SELECT n.nspname AS schema, c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND NOT (n.nspname = ANY ($1::text[])) AND ${(0,tool_schemas/* userSchemaSql */.T0)('n')}
        AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY 1, 2`, [tenantSchemas(side)]);
    const out = [];
    await client.query(`SET row_security = off`);
    try {
        for (const t of tables) {
            const name = `${t.schema}.${t.name}`;
            try {
                const { rows } = await client.query(`SELECT query_to_xml(format('SELECT 1 FROM ONLY %I.%I LIMIT 1', $1::text, $2::text), false, true, '')::text <> '' AS rows`, [t.schema, t.name]);
                if (rows[0].rows)
                    out.push(`table ${name}: outside the tenant's schemas, holds rows no shared table receives (the drop of the tenant's database would lose them: move them or empty the table)`);
            }
            catch (e) {
                const code = e.code;
                if (code !== '42501')
                    throw e;
                out.push(`table ${name}: outside the tenant's schemas, cannot be read to prove it holds no rows (${e.message})`);
            }
        }
    }
    finally {
        await client.query(`RESET row_security`);
    }
    return out;
}
/** The tables of `schemas` (partitions and their parents), each schema-qualified and quoted. */
async function tenantTables(client, schemas) {
    const { rows } = await client.query(`SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p') ORDER BY 1, 2`, [schemas]);
    return rows.map((r) => `${qi(r.nspname)}.${qi(r.relname)}`);
}
/** Which of the tenant's schemas exist on its side (schema level). */
async function existingTenantSchemas(client, side) {
    const { rows } = await client.query(`SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY 1`, [tenantSchemas(side)]);
    return rows.map((r) => r.nspname);
}
/**
 * Objects outside the tenant's schemas that depend on objects inside them (a shared view reading
 * a tenant table, a foreign key into one, a function taking one of its types): dropping the
 * schemas CASCADE would drop those too. Described as PostgreSQL describes them, up to 20.
 */
async function dependentsOutside(client, schemas) {
    // The schema of the depending object: its own, or — rules (views), triggers, defaults and
    // policies belong to no schema — its table's. None found counts as outside (refuse).
    const { rows } = await client.query(`WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = ANY($1::text[])),
          inside AS (
            SELECT 'pg_class'::regclass AS classid, c.oid FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM ns)
            UNION ALL SELECT 'pg_type'::regclass, t.oid FROM pg_type t WHERE t.typnamespace IN (SELECT oid FROM ns)
            UNION ALL SELECT 'pg_proc'::regclass, p.oid FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM ns)
            UNION ALL SELECT 'pg_namespace'::regclass, oid FROM ns),
          deps AS (
            SELECT d.classid, d.objid, d.objsubid,
                   CASE d.classid
                     WHEN 'pg_rewrite'::regclass THEN (SELECT c.relnamespace FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE r.oid = d.objid)
                     WHEN 'pg_trigger'::regclass THEN (SELECT c.relnamespace FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.oid = d.objid)
                     WHEN 'pg_attrdef'::regclass THEN (SELECT c.relnamespace FROM pg_attrdef a JOIN pg_class c ON c.oid = a.adrelid WHERE a.oid = d.objid)
                     WHEN 'pg_policy'::regclass THEN (SELECT c.relnamespace FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE p.oid = d.objid)
                     ELSE (SELECT n.oid FROM pg_namespace n WHERE n.nspname = (pg_identify_object(d.classid, d.objid, 0)).schema)
                   END AS nsp
              FROM pg_depend d
              JOIN inside i ON i.classid = d.refclassid AND i.oid = d.refobjid
             WHERE d.deptype IN ('n', 'a'))
     SELECT DISTINCT pg_describe_object(classid, objid, 0) AS what
       FROM deps WHERE nsp IS NULL OR nsp NOT IN (SELECT oid FROM ns)
      ORDER BY 1 LIMIT 20`, [schemas]);
    return rows.map((r) => r.what);
}
/** `DROP SCHEMA … CASCADE` of the tenant's schemas (the caller proved nothing outside depends on them). */
function dropSchemasSql(schemas) {
    return `DROP SCHEMA IF EXISTS ${schemas.map((s) => qi(s)).join(', ')} CASCADE`;
}

// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 15 modules
var schemas = __webpack_require__(9691);
// EXTERNAL MODULE: ./src/postgres/checksum.ts
var checksum = __webpack_require__(73600);
;// CONCATENATED MODULE: ./src/postgres/fence.ts




const fence_qi = esm/* default.escapeIdentifier */.Ay.escapeIdentifier;
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
const Membership = schemas/* object */.Ikc({
    kind: schemas/* literal */.euz('membership'),
    role: schemas/* string */.YjP(),
    member: schemas/* string */.YjP(),
    grantor: schemas/* string */.YjP(),
    admin: schemas/* boolean */.zMY(),
    /** PostgreSQL 16+; null before (no such options). */
    inherit: schemas/* boolean */.zMY().nullable(),
    set: schemas/* boolean */.zMY().nullable(),
});
/** A privilege on one of the tenant's schemas (grantee null: PUBLIC). */
const SchemaGrant = schemas/* object */.Ikc({
    kind: schemas/* literal */.euz('schema'),
    schema: schemas/* string */.YjP(),
    grantee: schemas/* string */.YjP().nullable(),
    grantor: schemas/* string */.YjP(),
    privilege: schemas/* enum */.k5n(['USAGE', 'CREATE']),
    grantable: schemas/* boolean */.zMY(),
});
const FencedItem = schemas/* discriminatedUnion */.gMt('kind', [Membership, SchemaGrant]);
/** Name of the record table in the tool schema. */
const FENCE_TABLE = 'fence_revoked';
/**
 * Reads every way into the tenant's schemas. Left out: the administrator's own memberships and
 * grants (the tool works through them), superusers (no grant stops one: the drop proves nothing
 * changed instead), and memberships that give neither the role's privileges nor SET ROLE to it
 * (PostgreSQL 16's ADMIN-only grant to a role's creator).
 */
async function readWaysIn(client, at) {
    const memberships = await client.query(`SELECT r.rolname AS role, m.rolname AS member, g.rolname AS grantor, a.admin_option AS admin,
            (to_jsonb(a)->>'inherit_option')::boolean AS inherit, (to_jsonb(a)->>'set_option')::boolean AS set
       FROM pg_auth_members a
       JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member JOIN pg_roles g ON g.oid = a.grantor
      WHERE r.rolname = ANY($1::text[]) AND m.rolname <> ALL($1::text[])
        AND m.rolname <> current_user AND NOT m.rolsuper
        AND (coalesce((to_jsonb(a)->>'inherit_option')::boolean, true) OR coalesce((to_jsonb(a)->>'set_option')::boolean, true))
      ORDER BY 1, 2, 3`, [[at.ownerRole, at.appRole]]);
    const grants = await client.query(`SELECT n.nspname AS schema, CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END AS grantee,
            pg_get_userbyid(a.grantor) AS grantor, a.privilege_type AS privilege, a.is_grantable AS grantable
       FROM pg_namespace n, aclexplode(n.nspacl) a
      WHERE n.nspname = ANY($1::text[]) AND a.grantee <> n.nspowner
        AND (a.grantee = 0 OR pg_get_userbyid(a.grantee) <> current_user)
      ORDER BY 1, 4, 2 NULLS FIRST, 3`, [at.schemas]);
    // Grantees of the tables too: with USAGE through PUBLIC (or a role), a table grant is a way in.
    const roots = await client.query(`SELECT DISTINCT pg_get_userbyid(a.grantee) AS rolname
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
      WHERE n.nspname = ANY($1::text[]) AND a.grantee <> 0`, [at.schemas]);
    const start = [
        at.ownerRole,
        at.appRole,
        ...grants.rows.flatMap((g) => (g.grantee ? [g.grantee] : [])),
        ...roots.rows.map((r) => r.rolname),
    ];
    const members = await client.query(`WITH RECURSIVE m(oid) AS (
       SELECT oid FROM pg_roles WHERE rolname = ANY($1::text[])
       UNION SELECT a.member FROM pg_auth_members a JOIN m ON a.roleid = m.oid)
     SELECT rolname FROM pg_roles WHERE oid IN (SELECT oid FROM m) ORDER BY 1`, [start]);
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
async function revokeWaysIn(client, at, items, runId) {
    await client.query(`CREATE TABLE IF NOT EXISTS ${fence_qi(at.toolSchema)}.${fence_qi(FENCE_TABLE)} (
       item jsonb NOT NULL, run text NOT NULL, fenced_at timestamptz NOT NULL DEFAULT now())`);
    // A re-run adds to the record, never replaces it: what an earlier, killed run revoked is no
    // longer there to be read, and only this record can grant it back.
    for (const item of items)
        await client.query(`INSERT INTO ${fence_qi(at.toolSchema)}.${fence_qi(FENCE_TABLE)} (item, run) VALUES ($1, $2)`, [
            JSON.stringify(item),
            runId,
        ]);
    const refused = [];
    for (const item of items) {
        try {
            await savepointed(client, revokeSql(item));
        }
        catch (e) {
            refused.push(`${describeItem(item)} (${e.message})`);
        }
    }
    const left = (await readWaysIn(client, at)).revoke;
    for (const item of left)
        if (!refused.some((r) => r.startsWith(describeItem(item))))
            refused.push(describeItem(item));
    if (refused.length)
        throw new errors/* PromotionError */.g1('permission-denied', `The fence cannot close every way into the tenant's schemas ${at.schemas.join(', ')}, so nothing was copied back: ${refused.slice(0, 10).join('; ')}.`, 'A write made through such a grant after the rows were copied back would be dropped with the schemas. Revoke these by hand (as the role that granted them, or a superuser), or run the rollback as a role that may, then re-run; the tenant stays isolated and working.');
}
/**
 * Grants back what the fence recorded and empties the record, in the caller's transaction. Each
 * grant is made by its recorded grantor where this role may act as it; otherwise by this role
 * (membership) or the schema's owner (privilege), and the returned notes say so.
 */
async function regrantFenced(client, toolSchema) {
    const table = `${fence_qi(toolSchema)}.${fence_qi(FENCE_TABLE)}`;
    const { rows } = await client.query('SELECT to_regclass($1) IS NOT NULL AS exists', [
        table,
    ]);
    if (!rows[0]?.exists)
        return [];
    const recorded = await client.query(`SELECT item FROM ${table} ORDER BY fenced_at, ctid`);
    const notes = [];
    // Privileges with GRANT OPTION first: a grant made by their holder needs them back.
    const items = recorded.rows
        .map((r) => FencedItem.parse(r.item))
        .sort((a, b) => Number(b.kind === 'schema' && b.grantable) - Number(a.kind === 'schema' && a.grantable));
    for (const item of items) {
        const exact = grantSql(item, true);
        try {
            await savepointed(client, exact);
        }
        catch {
            await savepointed(client, grantSql(item, false));
            notes.push(`${describeItem(item)} was granted back by ${item.kind === 'membership' ? 'this role' : "the schema's owner"}, not by ${item.grantor}`);
        }
    }
    await client.query(`DELETE FROM ${table}`);
    return notes;
}
/** One line naming a fenced item. */
function describeItem(item) {
    return item.kind === 'membership'
        ? `membership of ${item.member} in ${item.role} (granted by ${item.grantor})`
        : `${item.privilege} on schema ${item.schema} to ${item.grantee ?? 'PUBLIC'} (granted by ${item.grantor})`;
}
function revokeSql(item) {
    if (item.kind === 'membership')
        // GRANTED BY: PostgreSQL 16+ keeps one membership per grantor, and a REVOKE without it
        // removes only the current role's (a warning, not an error, for the others).
        return [`REVOKE ${fence_qi(item.role)} FROM ${fence_qi(item.member)} GRANTED BY ${fence_qi(item.grantor)}`];
    // Made as the schema's owner (this role has its privileges); CASCADE takes grants made through
    // a GRANT OPTION with it (each is in the record too).
    return [`REVOKE ${item.privilege} ON SCHEMA ${fence_qi(item.schema)} FROM ${grantee(item)} CASCADE`];
}
function grantSql(item, asGrantor) {
    if (item.kind === 'membership') {
        const options = [
            `ADMIN ${item.admin ? 'TRUE' : 'FALSE'}`,
            ...(item.inherit === null ? [] : [`INHERIT ${item.inherit ? 'TRUE' : 'FALSE'}`]),
            ...(item.set === null ? [] : [`SET ${item.set ? 'TRUE' : 'FALSE'}`]),
        ];
        // Before 16 only ADMIN OPTION exists, spelled the old way.
        const withClause = item.inherit === null ? (item.admin ? ' WITH ADMIN OPTION' : '') : ` WITH ${options.join(', ')}`;
        return [
            `GRANT ${fence_qi(item.role)} TO ${fence_qi(item.member)}${withClause}${asGrantor ? ` GRANTED BY ${fence_qi(item.grantor)}` : ''}`,
        ];
    }
    const grant = `GRANT ${item.privilege} ON SCHEMA ${fence_qi(item.schema)} TO ${grantee(item)}${item.grantable ? ' WITH GRANT OPTION' : ''}`;
    // A privilege's grantor is whoever runs the GRANT (the owner, for its owner's members): made
    // as the recorded grantor by becoming it.
    return asGrantor ? [`SET LOCAL ROLE ${fence_qi(item.grantor)}`, grant, 'RESET ROLE'] : [grant];
}
function grantee(item) {
    return item.grantee === null ? 'PUBLIC' : fence_qi(item.grantee);
}
/** Statements under a savepoint: a refusal rolls back to it and is rethrown, the transaction goes on. */
async function savepointed(client, statements) {
    await client.query('SAVEPOINT fence_item');
    try {
        for (const sql of statements)
            await client.query(sql);
        await client.query('RELEASE SAVEPOINT fence_item');
    }
    catch (e) {
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
async function lockTablesBounded(client, tables, mode, maxFreezeMs, refusal) {
    if (!tables.length)
        return;
    const ms = Math.max(1, Math.round(maxFreezeMs));
    // SHOW and SET, never a SELECT: in a REPEATABLE READ transaction the first query takes its
    // snapshot, and the restore's must be taken after the lock (after every write holding one).
    const { rows } = await client.query('SHOW lock_timeout');
    await client.query(`SET LOCAL lock_timeout = ${ms}`);
    try {
        await client.query(`LOCK TABLE ${tables.join(', ')} IN ${mode} MODE`);
    }
    catch (e) {
        if (e.code !== '55P03')
            throw e;
        const { message, hint } = refusal(ms);
        throw new errors/* PromotionError */.g1('lock-held', message, hint, { cause: e });
    }
    await client.query(`SET LOCAL lock_timeout = ${esm/* default.escapeLiteral */.Ay.escapeLiteral(rows[0].lock_timeout)}`);
}
/**
 * Count and whole-row digest of every table in the tenant's schemas, keyed `schema.table`. The
 * plan's parts are the tenant's rows of the plan's tables (by its predicates); a row outside them
 * (another tenant's id in the tenant's schema) or a table the plan does not know is in none, and
 * would be dropped with the schemas unseen. The restore records these; the drop compares.
 * Partitions are read as themselves (ONLY), so no row counts twice.
 */
async function schemaTableDigests(client, schemas) {
    const { rows: tables } = await client.query(`SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND c.relkind = 'r' ORDER BY 1, 2`, [schemas]);
    const out = {};
    for (const t of tables) {
        const { rows } = await client.query(`SELECT count(*)::text AS n, coalesce(sum(hashtextextended(t::text, 0)), 0)::text AS s
         FROM ONLY ${fence_qi(t.schema)}.${fence_qi(t.name)} t`);
        const count = Number(rows[0].n);
        out[`${t.schema}.${t.name}`] = { count, digest: (0,checksum/* digestOf */.ol)(count, rows[0].s) };
    }
    return out;
}
/** Lines naming each table whose rows differ from what the restore recorded (tables gone aside). */
function schemaTableDifferences(recorded, now) {
    return (Object.entries(now)
        .map(([label, d]) => ({ label, d, was: recorded[label] }))
        // An empty table made since holds nothing to lose.
        .filter(({ d, was }) => (was ? was.count !== d.count || was.digest !== d.digest : d.count > 0))
        .map(({ label, d, was }) => was
        ? `${label}: ${was.count} rows restored, ${d.count} rows now${was.count === d.count ? ' (changed)' : ''}`
        : `${label}: a table created after the restore, ${d.count} rows`));
}
/**
 * Tables of the tenant's schemas that are none of the plan's (`planned`: `schema.name` on the
 * tenant's side; a partition counts as its root's) and hold rows, as `schema.name`. The restore
 * copies back the plan's tables only: rows there would go with the schemas. Drift refuses such a
 * table before the fence; one made after it (before the restore's snapshot) is found here.
 */
async function unplannedTablesWithRows(client, schemas, planned) {
    const { rows: tables } = await client.query(`SELECT n.nspname AS schema, c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_class r ON r.oid = pg_partition_root(c.oid) LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND c.relkind = 'r'
        AND NOT (n.nspname || '.' || c.relname = ANY($2::text[]))
        AND NOT coalesce(rn.nspname || '.' || r.relname = ANY($2::text[]), false)
      ORDER BY 1, 2`, [schemas, planned]);
    const out = [];
    for (const t of tables) {
        const { rows } = await client.query(`SELECT EXISTS (SELECT 1 FROM ONLY ${fence_qi(t.schema)}.${fence_qi(t.name)}) AS any`);
        if (rows[0].any)
            out.push(`${t.schema}.${t.name}`);
    }
    return out;
}

// EXTERNAL MODULE: ./src/postgres/tenants.ts
var tenants = __webpack_require__(96470);
// EXTERNAL MODULE: ./src/postgres/connect.ts
var connect = __webpack_require__(36741);
;// CONCATENATED MODULE: ./src/pipeline/tenant-side.ts


/** The tenant's side of this run's tenant, as its record says (see postgres/tenant-side.ts). */
function tenantSideFor(ctx) {
    return tenantSideOf(ctx.tenant?.isolation, ctx.names.database, ctx.sharedDatabase);
}
/**
 * An administrative session on the tenant's side (its database on the target server, or the
 * shared database holding its schemas) whose statements name the tenant's tables as the shared
 * database names them (tenantSession). The caller ends it.
 */
async function connectTenantSide(ctx) {
    const side = tenantSideFor(ctx);
    const client = await (0,connect/* connect */.Ng)(ctx.servers.tenantDatabaseUrl(side.database));
    try {
        return await tenantSession(client, side, ctx.plan);
    }
    catch (e) {
        await client.end().catch(() => undefined);
        throw e;
    }
}

// EXTERNAL MODULE: ./src/pipeline/tenant-place.ts
var tenant_place = __webpack_require__(50678);
;// CONCATENATED MODULE: ./src/pipeline/steps/rollback-fence.ts








const rollback_fence_qi = esm/* default.escapeIdentifier */.Ay.escapeIdentifier;
/**
 * Fences the tenant's side so it stops changing while its rows are copied back: the tenant's
 * role may not log in, and existing sessions are ended. Its own database (database level, or
 * schema level into a new database) loses CONNECT for the role and its members and turns
 * read-only for new sessions. Schemas in the shared database cannot be fenced that way (the
 * database is everyone's): there every way into the schemas is closed but the administrator's —
 * memberships in the tenant's roles, USAGE/CREATE on its schemas (postgres/fence.ts), recorded in
 * the same transaction — and the sessions of every role that had one end.
 * Undo lifts the fence (grants back what the record holds), so a rollback that fails before its
 * switch leaves the tenant working.
 */
const fenceStep = {
    name: 'fence',
    title: 'Fence the isolated database',
    async run(ctx) {
        const { names } = ctx;
        const side = tenantSideFor(ctx);
        const wayIn = await (0,ownership/* asOwnerWithTarget */.xi)(ctx, 'fencing the isolated database', async (db) => {
            await db.query(`ALTER ROLE ${rollback_fence_qi(names.appRole)} NOLOGIN`);
            if (side.ownDatabase) {
                // Roles that log in as members of the application role (a developer's, a job's) lose the
                // way in too: NOLOGIN stops only the role itself, and read-only is a default any session may
                // lift (review: a row written after the restore was dropped with the database).
                await db.query(`REVOKE CONNECT ON DATABASE ${rollback_fence_qi(side.database)} FROM ${rollback_fence_qi(names.appRole)}`);
                await db.query(`ALTER DATABASE ${rollback_fence_qi(side.database)} SET default_transaction_read_only = on`);
                return undefined;
            }
            // Read before revoking: afterwards pg_auth_members no longer leads to those roles.
            const at = fenceTarget(ctx);
            const ways = await readWaysIn(db, at);
            await revokeWaysIn(db, at, ways.revoke, ctx.run.id);
            return ways;
        });
        // Sessions already open would go on writing: every one must end, or the rollback stops (and
        // its undo lifts the fence) before copying anything back.
        const { ended, remaining } = await (0,ownership/* withTargetServer */.z2)(ctx, (db) => (0,sessions/* endSessions */.v)(db, side.database, [names.appRole, names.ownerRole], false, 
        // Every role that had a way in, as read before the revokes: a session already open keeps
        // what it has (a plan it cached, its current role), so it must end. The administrator's
        // own sessions are never ended.
        wayIn?.roles));
        if (remaining.length)
            throw (0,sessions/* sessionsRemainError */.m)(side.database, remaining, 'copying the rows back');
        return wayIn
            ? `roles other than this one cannot reach ${tenantSchemas(side).join(', ')} (superusers aside; ${wayIn.revoke.length} membership(s) and grant(s) revoked, recorded in ${(0,tenant_place/* toolSchema */.wl)(ctx)}), sessions of ${wayIn.roles.length} role(s) ended (${ended})`
            : `${names.appRole} and its members cannot connect, ${side.database} is read-only, ${ended} session(s) ended`;
    },
    async undo(ctx) {
        const side = tenantSideFor(ctx);
        await (0,ownership/* asOwnerWithTarget */.xi)(ctx, 'lifting the fence', async (db) => {
            if (side.ownDatabase) {
                await db.query(`ALTER DATABASE ${rollback_fence_qi(side.database)} RESET default_transaction_read_only`);
                await db.query(`GRANT CONNECT ON DATABASE ${rollback_fence_qi(side.database)} TO ${rollback_fence_qi(ctx.names.appRole)}`);
            }
            else {
                // Never after the restore committed: the tenant is shared again and the schemas are to be
                // dropped (a run resumed after the commit skips the fence, so this is a second lock).
                const tenant = await (0,tenants/* readTenant */.RM)(db, ctx.options.tenantsTable, ctx.names.slug).catch(() => undefined);
                if (tenant?.isolation?.state === 'rolled-back')
                    return;
                const notes = await regrantFenced(db, (0,tenant_place/* toolSchema */.wl)(ctx));
                ctx.record.notes.push(...notes);
                // The record holds the application role's USAGE; a fence of an earlier version kept none.
                for (const schema of tenantSchemas(side))
                    await db.query(`GRANT USAGE ON SCHEMA ${rollback_fence_qi(schema)} TO ${rollback_fence_qi(ctx.names.appRole)}`);
            }
            await db.query(`ALTER ROLE ${rollback_fence_qi(ctx.names.appRole)} LOGIN`);
        });
    },
};
function fenceTarget(ctx) {
    return {
        schemas: tenantSchemas(tenantSideFor(ctx)),
        ownerRole: ctx.names.ownerRole,
        appRole: ctx.names.appRole,
        toolSchema: (0,tenant_place/* toolSchema */.wl)(ctx),
    };
}

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(51455);
// EXTERNAL MODULE: ./src/cloudrun/deploy.ts + 2 modules
var deploy = __webpack_require__(28025);
// EXTERNAL MODULE: ./src/pipeline/routing.ts
var routing = __webpack_require__(36372);
// EXTERNAL MODULE: ./src/postgres/tenant-schemas.ts
var tenant_schemas = __webpack_require__(19322);
// EXTERNAL MODULE: ./src/postgres/roles.ts
var roles = __webpack_require__(55502);
// EXTERNAL MODULE: external "node:stream/promises"
var external_node_stream_promises_ = __webpack_require__(46466);
// EXTERNAL MODULE: ./node_modules/pg-copy-streams/index.js
var pg_copy_streams = __webpack_require__(26901);
// EXTERNAL MODULE: ./src/postgres/cleanup-removed.ts
var cleanup_removed = __webpack_require__(6790);
// EXTERNAL MODULE: ./src/postgres/referenced-cleanup.ts
var referenced_cleanup = __webpack_require__(9893);
// EXTERNAL MODULE: ./src/postgres/rollback-ledger.ts
var rollback_ledger = __webpack_require__(4001);
;// CONCATENATED MODULE: ./src/postgres/rollback-merge.ts







/**
 * A key as the record shows it. A composite key is written as PostgreSQL writes a row: an element
 * holding a comma, a parenthesis, a quote, a backslash or a space, or empty, is double-quoted
 * (quotes and backslashes doubled), so two different keys are never shown alike (review r17:
 * ('a,b', '"q"') and ('a', 'b,"q"') both showed as (a,b,"q")).
 */
function shownKey(k) {
    if (k.length === 1)
        return k[0];
    const element = (v) => v === '' || /[,()"\\\s]/.test(v) ? `"${v.replace(/(["\\])/g, '$1$1')}"` : v;
    return `(${k.map(element).join(',')})`;
}
/** The tenant's own parts of a plan: tenant and dependent tables, by `ownWhere` where it has one. */
function ownParts(plan) {
    return plan.tables
        .filter((t) => t.kind === 'tenant' || t.kind === 'dependent')
        .map((t) => ({ table: t, where: t.ownWhere ?? t.where }));
}
async function aggregate(client, table, where) {
    const { rows } = await client.query(`SELECT count(*)::text AS n, coalesce(sum(${(0,checksum/* ledgerRowHashSql */.yw)(table)}), 0)::text AS s FROM ${(0,checksum/* fromTable */.bs)(table)} t WHERE ${where}`);
    return { count: Number(rows[0].n), sum: rows[0].s };
}
/** `format_type` of the key columns (casts of key text back to the key's own types). */
async function columnFacts(client, table) {
    const { rows } = await client.query(`SELECT '"' || replace(a.attname, '"', '""') || '"' AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attidentity::text AS identity
       FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`, [table.qualified]);
    const types = new Map(rows.map((r) => [r.name, r.type]));
    return {
        keyTypes: table.keyColumns.map((k) => {
            const t = types.get(k);
            if (!t)
                throw new Error(`No key column ${k} in ${table.qualified}`);
            return t;
        }),
        alwaysIdentity: rows.filter((r) => r.identity === 'a').map((r) => r.name),
    };
}
/** `t.k1 = (arr)[1]::type1 AND …`: the row of `alias` whose key is the text array `arr`. */
function keyFromArray(table, types, alias, arr) {
    return table.keyColumns.map((k, i) => `${alias}.${k} = (${arr})[${i + 1}]::${types[i]}`).join(' AND ');
}
async function copyBetween(source, target, out, into) {
    const reader = source.query((0,pg_copy_streams.to)(out));
    const writer = target.query((0,pg_copy_streams/* from */.H)(into));
    await (0,external_node_stream_promises_.pipeline)(reader, writer);
    return Number(writer.rowCount ?? 0);
}
/**
 * Reads and classifies what the rollback would write. `shared` is in a transaction (temporary
 * tables ON COMMIT DROP), both sessions comparable and with the tenant id set. Writes no table.
 * `ledger`: the ledger's tables (readLedgerTables), undefined without a ledger.
 */
async function prepareRestore(shared, isolated, plan, ledger, 
/**
 * Cleanup removed referenced rows nothing in the shared database used any more
 * (cleanup-referenced-rows: remove-unused): those rows come back from the tenant's database,
 * changed there or not, instead of counting as shared deletes. `attempt`: the cleanup recorded
 * their keys (cleanup-removed.ts) — exactly those come back, and a referenced row the shared
 * database deleted on purpose since stays deleted. `'unrecorded'`: a cleanup made before keys were
 * recorded — every referenced row missing from the shared database comes back, and a note says so.
 */
options) {
    const prepared = {
        own: ownParts(plan),
        merges: [],
        ownReports: [],
        mergeReports: [],
        conflicts: [],
        stray: [],
        unmergeable: [],
        collisions: [],
        triggers: await firingTriggers(shared, plan),
        notes: [],
    };
    if (prepared.triggers.length)
        prepared.notes.push(describeTriggers(prepared.triggers));
    if (!ledger)
        prepared.notes.push('The tenant database has no row ledger (promoted before it was recorded): rows of shared tables that differ between the two databases are treated as conflicts.');
    for (const p of prepared.own) {
        const isolatedRows = await aggregate(isolated, p.table, p.where);
        const sharedRows = await aggregate(shared, p.table, p.where);
        prepared.ownReports.push({
            table: p.table.qualified,
            kind: p.table.kind,
            isolatedRows: isolatedRows.count,
            sharedRows: sharedRows.count,
        });
        // Rows of the tenant's database that are neither the tenant's own nor a merged part's (with
        // global rows, `ownWhere` is NULL for those, merged, and false for another tenant's).
        const stray = await aggregate(isolated, p.table, p.table.ownWhere ? `(${p.where}) IS FALSE` : `(${p.where}) IS NOT TRUE`);
        if (stray.count > 0)
            prepared.stray.push(`${p.table.qualified}: ${stray.count} row(s) that are not the tenant's (another tenant's key, or no parent)`);
        const taken = await keysTakenInShared(shared, isolated, p, prepared.own.indexOf(p));
        if (taken.length)
            prepared.collisions.push(`${p.table.qualified} key ${taken.slice(0, 20).join(', ')}${taken.length > 20 ? ` … (${taken.length}${taken.length > 100 ? '+' : ''} in all)` : ''}`);
    }
    const removedBy = options.removedByCleanup;
    if (removedBy === 'unrecorded')
        prepared.notes.push('Cleanup (cleanup-referenced-rows: remove-unused) ran before the keys it removed were recorded: every referenced row missing from the shared database comes back from the tenant’s, including one the shared database deleted on purpose since the switch.');
    else if (removedBy) {
        const mismatch = await (0,cleanup_removed/* removedKeysMismatch */.H2)(isolated, removedBy.attempt, removedBy.tables, options.toolSchema);
        if (mismatch.length > 0)
            throw new errors/* PromotionError */.g1('tenant-state', `The tenant record names the cleanup that removed referenced rows (attempt ${removedBy.attempt}), but the tenant's database does not hold the keys of every row it removed (${mismatch.join('; ')}); nothing was changed.`, `The tenant stays isolated. The tool's schema ${options.toolSchema} beside the tenant's tables was changed by hand or restored from an earlier backup: restore it, or bring the removed referenced rows back by hand, then re-run the rollback.`);
    }
    for (const [i, part] of (0,rollback_ledger/* sharedWriteParts */.hn)(plan).entries()) {
        const t = part.table;
        const recorded = ledger?.get(t.qualified);
        if (t.keyColumns.length === 0) {
            // Without a key no row can be matched: the part must be as the switch left it.
            const now = await aggregate(isolated, t, part.isolatedWhere);
            const base = recorded ?? (t.kind === 'reference' ? await aggregate(shared, t, 'true') : undefined);
            if (!base) {
                prepared.notes.push(`${t.qualified} has no key and no ledger entry: not compared.`);
            }
            else if (base.count !== now.count || base.sum !== now.sum) {
                prepared.unmergeable.push(`${t.qualified} (${part.what}, no primary or unique key): changed in the tenant's database since the switch (${base.count} → ${now.count} rows)`);
            }
            continue;
        }
        const facts = await columnFacts(shared, t);
        const stage = `__tp_rb_stage_${i}`;
        const ledgerTemp = `__tp_rb_ledger_${i}`;
        const merge = `__tp_rb_merge_${i}`;
        const cols = t.columns.join(', ');
        await shared.query(`CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${t.columns.map((c) => `t.${c}`).join(', ')} FROM ${t.qualified} t WITH NO DATA`);
        await copyBetween(isolated, shared, `COPY (SELECT ${t.columns.map((c) => `t.${c}`).join(', ')} FROM ${(0,checksum/* fromTable */.bs)(t)} t WHERE ${part.isolatedWhere}) TO STDOUT`, `COPY ${stage} (${cols}) FROM STDIN`);
        await shared.query(`CREATE TEMP TABLE ${ledgerTemp} (k text[] PRIMARY KEY, h bigint NOT NULL) ON COMMIT DROP`);
        if (recorded)
            await copyBetween(isolated, shared, (0,rollback_ledger/* ledgerCopySql */.X)(t.qualified, options.toolSchema), `COPY ${ledgerTemp} (k, h) FROM STDIN`);
        // Referenced rows cleanup removed (remove-unused) come back from the tenant's database whether
        // it changed them or not: with a record, exactly the keys it removed (review: every referenced
        // row missing from the shared side came back, one the shared database erased on purpose too).
        let removed;
        if (removedBy && part.what === 'referenced rows') {
            if (removedBy === 'unrecorded')
                removed = 'true';
            else {
                const keys = `__tp_rb_removed_${i}`;
                await shared.query(`CREATE TEMP TABLE ${keys} (k text[] PRIMARY KEY) ON COMMIT DROP`);
                await copyBetween(isolated, shared, (0,cleanup_removed/* removedKeysCopySql */.al)(removedBy.attempt, t.qualified, options.toolSchema), `COPY ${keys} (k) FROM STDIN`);
                removed = `i.k IN (SELECT k FROM ${keys})`;
            }
        }
        // Only rows the tenant changed since the switch (its hash differs from the ledger's, or one
        // side has no such key) are looked up in the shared table, by key, through its index; and the
        // rows cleanup removed.
        await shared.query(`CREATE TEMP TABLE ${merge} ON COMMIT DROP AS
       WITH i AS (SELECT ${(0,rollback_ledger/* keyArraySql */.Xy)(t)} AS k, ${(0,checksum/* ledgerRowHashSql */.yw)(t)} AS h FROM ${stage} t),
            a AS (SELECT coalesce(i.k, l.k) AS k, i.h AS ih, l.h AS lh, ${removed ? `i.h IS NOT NULL AND ${removed}` : 'false'} AS removed
                    FROM i FULL JOIN ${ledgerTemp} l ON l.k = i.k
                   WHERE i.h IS DISTINCT FROM l.h${removed
            ? ` OR (i.h IS NOT NULL AND ${removed} AND NOT EXISTS (SELECT 1 FROM ${(0,checksum/* fromTable */.bs)(t)} t WHERE ${keyFromArray(t, facts.keyTypes, 't', 'i.k')}))`
            : ''}),
            b AS (SELECT a.k, a.ih, a.lh, a.removed,
                         (SELECT ${(0,checksum/* ledgerRowHashSql */.yw)(t)} FROM ${(0,checksum/* fromTable */.bs)(t)} t WHERE ${keyFromArray(t, facts.keyTypes, 't', 'a.k')}) AS sh
                    FROM a)
       SELECT b.k, b.ih, b.lh, b.sh,
              CASE WHEN b.sh IS NOT DISTINCT FROM b.ih THEN 'same'
                   WHEN b.sh IS NOT DISTINCT FROM b.lh THEN
                     CASE WHEN b.ih IS NULL THEN 'delete' WHEN b.lh IS NULL THEN 'insert' ELSE 'update' END
                   WHEN b.sh IS NULL AND b.removed THEN 'insert'
                   ELSE 'conflict' END AS action,
              b.removed
         FROM b`);
        if (removed) {
            const { rows: back } = await shared.query(`SELECT k FROM ${merge} WHERE removed AND action = 'insert' ORDER BY k`);
            if (back.length)
                prepared.notes.push(`${back.length} row(s) of ${t.qualified} that cleanup removed from the shared database (cleanup-referenced-rows: remove-unused${removedBy === 'unrecorded' ? '' : ', keys recorded at cleanup'}) come back: ${back
                    .slice(0, 10)
                    .map((r) => shownKey(r.k))
                    .join(', ')}${back.length > 10 ? ` … and ${back.length - 10} more` : ''}.`);
        }
        prepared.merges.push({ part, stage, ledger: ledgerTemp, merge, ...facts });
    }
    // Rows deleted in the shared database that rows coming back still reference come back too.
    for (const [table, keys] of await reviveReferenced(shared, isolated, plan, prepared))
        prepared.notes.push(`${keys.length} row(s) of ${table} deleted in the shared database since the switch come back, because the tenant's rows still reference them: ${keys.slice(0, 10).join(', ')}${keys.length > 10 ? ` … and ${keys.length - 10} more` : ''}.`);
    for (const m of prepared.merges) {
        const t = m.part.table;
        const { rows } = await shared.query(`SELECT action, count(*)::text AS n FROM ${m.merge} GROUP BY action`);
        const count = (a) => Number(rows.find((r) => r.action === a)?.n ?? 0);
        prepared.mergeReports.push({
            table: t.qualified,
            what: m.part.what,
            insert: count('insert'),
            update: count('update'),
            delete: count('delete'),
            same: count('same'),
            conflicts: count('conflict'),
        });
        if (count('conflict') > 0) {
            const { rows: conflicts } = await shared.query(`SELECT k, ih::text AS ih, lh::text AS lh, sh::text AS sh FROM ${m.merge} WHERE action = 'conflict' ORDER BY k LIMIT 100`);
            for (const c of conflicts) {
                prepared.conflicts.push({
                    table: t.qualified,
                    key: shownKey(c.k),
                    tenant: c.lh === null ? 'inserted' : c.ih === null ? 'deleted' : 'updated',
                    shared: c.lh === null ? 'inserted' : c.sh === null ? 'deleted' : 'updated',
                });
            }
        }
        const taken = await uniqueValuesTaken(shared, t, { stage: m.stage, merge: m.merge }, prepared.unmergeable);
        if (taken.length)
            prepared.collisions.push(...taken);
    }
    return prepared;
}
/**
 * Keys of the tenant's own rows (in its database) that a row of the shared database which is not
 * the tenant's already holds: restoring them would fail with a duplicate key (review: a table
 * created after the promotion by the same migration on both sides has no sequence range, so both
 * sides hand out the same ids; the rollback failed mid-way and the dry run did not foresee it).
 * The keys are copied to a temporary table on the shared session and looked up through the
 * table's key index. Returns up to 101 keys as text.
 */
async function keysTakenInShared(shared, isolated, p, i) {
    const t = p.table;
    if (!t.keyColumns.length)
        return [];
    const temp = `__tp_rb_ownkeys_${i}`;
    const keys = t.keyColumns.join(', ');
    await shared.query(`CREATE TEMP TABLE ${temp} ON COMMIT DROP AS SELECT ${t.keyColumns.map((k) => `t.${k}`).join(', ')} FROM ${t.qualified} t WITH NO DATA`);
    const n = await copyBetween(isolated, shared, `COPY (SELECT ${t.keyColumns.map((k) => `t.${k}`).join(', ')} FROM ${(0,checksum/* fromTable */.bs)(t)} t WHERE ${p.where}) TO STDOUT`, `COPY ${temp} (${keys}) FROM STDIN`);
    if (n === 0)
        return [];
    await shared.query(`ANALYZE ${temp}`);
    const { rows } = await shared.query(`SELECT ${(0,rollback_ledger/* keyArraySql */.Xy)(t, 'k')} AS k FROM ${temp} k
      WHERE EXISTS (SELECT 1 FROM ${(0,checksum/* fromTable */.bs)(t)} t
                     WHERE ${t.keyColumns.map((c) => `t.${c} = k.${c}`).join(' AND ')} AND (${p.where}) IS NOT TRUE)
      ORDER BY 1 LIMIT 101`);
    return rows.map((r) => shownKey(r.k));
}
/**
 * Rows the tenant inserted or changed (a merged part) whose values of a unique index another row
 * of the shared database holds under another key — a user inserted on both sides with the same
 * email (review: a raw 23505 in the middle of the restore). Listed before anything changes.
 *
 * Every unique index but the primary key: plain columns, expressions (`lower(email)`) and partial
 * ones (review: the dry run missed those, the real rollback then refused). The index's own terms
 * (`pg_get_indexdef` per column) and predicate (`pg_get_expr` of indpred), as the catalog prints
 * them with bare column names, are evaluated over the staged rows and looked up in the shared
 * table under the same predicate, so the index itself answers. NULLs collide only under NULLS NOT
 * DISTINCT. An index whose terms the stage cannot evaluate (a column left out of the copy) is
 * left to the restore, which refuses cleanly.
 */
async function uniqueValuesTaken(shared, t, temps, unevaluable) {
    const { rows: uniques } = await shared.query(`WITH rels AS (SELECT $1::regclass AS relid UNION SELECT relid FROM pg_partition_tree($1::regclass) WHERE isleaf)
     SELECT ic.relname AS name,
            -- An index of a partition only (not attached to one of its parent): looked up in that
            -- partition, for the staged rows its partition constraint routes there (review r17).
            CASE WHEN i.indrelid = $1::regclass THEN NULL ELSE format('%I.%I', rn.nspname, rc.relname) END AS rel,
            CASE WHEN i.indrelid = $1::regclass THEN NULL ELSE pg_get_partition_constraintdef(i.indrelid) END AS part,
            array(SELECT pg_get_indexdef(i.indexrelid, k.o::int, true) FROM generate_series(1, i.indnkeyatts) k(o) ORDER BY k.o) AS terms,
            -- The index's own collation per term (email COLLATE case_insensitive): pg_get_indexdef
            -- with a column number omits it, and equality under another collation differs.
            array(SELECT CASE WHEN i.indcollation[k.o - 1] = 0 THEN NULL
                              ELSE (SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_collation co
                                      JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = i.indcollation[k.o - 1]) END
                    FROM generate_series(1, i.indnkeyatts) k(o) ORDER BY k.o) AS collations,
            -- An exclusion constraint: its operators, per term (a restore would fail with 23P01).
            CASE WHEN xc.oid IS NULL THEN NULL
                 ELSE array(SELECT format('OPERATOR(%I.%s)', onsp.nspname, op.oprname) FROM unnest(xc.conexclop) WITH ORDINALITY e(op, o)
                              JOIN pg_operator op ON op.oid = e.op JOIN pg_namespace onsp ON onsp.oid = op.oprnamespace ORDER BY e.o) END AS ops,
            i.indexprs IS NULL AS plain,
            array(SELECT '"' || replace(a.attname, '"', '""') || '"' FROM unnest(i.indkey) WITH ORDINALITY k(n, o)
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n WHERE k.o <= i.indnkeyatts ORDER BY k.o) AS cols,
            pg_get_expr(i.indpred, i.indrelid, true) AS pred,
            coalesce((to_jsonb(i) ->> 'indnullsnotdistinct')::boolean, false) AS nnd,
            array(SELECT coalesce(a.attnotnull, false) FROM generate_series(1, i.indnkeyatts) k(o)
                    LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND i.indkey[k.o - 1] <> 0 AND a.attnum = i.indkey[k.o - 1]
                   ORDER BY k.o) AS notnull
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_class rc ON rc.oid = i.indrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
       LEFT JOIN pg_constraint xc ON xc.conindid = i.indexrelid AND xc.contype = 'x'
      WHERE i.indrelid IN (SELECT relid FROM rels) AND i.indisvalid
        AND ((i.indisunique AND NOT i.indisprimary) OR xc.oid IS NOT NULL)
        -- A partition's index attached to its parent's is checked once, as the parent's.
        AND (i.indrelid = $1::regclass OR NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid))
      ORDER BY ic.relname`, [t.qualified]);
    const out = [];
    for (const u of uniques) {
        // The key itself, on plain columns: the merge already matches rows by it.
        if (!u.ops && !u.rel && u.plain && u.cols.every((c) => t.keyColumns.includes(c)) && !u.pred)
            continue;
        // NULLS NOT DISTINCT needs IS NOT DISTINCT FROM, which no index answers (30 s against 16 ms
        // at 200k rows): a column declared NOT NULL never holds NULL, so `=` finds the same rows.
        const eq = (n) => u.ops?.[n] ?? (u.nnd && !u.notnull[n] ? 'IS NOT DISTINCT FROM' : '=');
        const term = (n) => {
            const collation = u.collations[n];
            return `(${u.terms[n]})${collation ? ` COLLATE ${collation}` : ''}`;
        };
        const values = u.terms.map((_, n) => `${term(n)} AS v${n}`).join(', ');
        const held = u.terms.map((_, n) => `${term(n)} ${eq(n)} c.v${n}`).join(' AND ');
        const where = u.pred ? `(${u.pred})` : 'true';
        // The staged rows a partition's index would hold: those its partition constraint routes there.
        const routed = u.part ? `(${where}) AND (${u.part})` : where;
        const lookIn = u.rel ? `ONLY ${u.rel}` : (0,checksum/* fromTable */.bs)(t);
        await shared.query('SAVEPOINT tp_rb_unique');
        try {
            // Bare column names in the index's terms resolve to the nearest FROM, which holds one
            // relation: the stage row in c, the shared row in the lookup.
            const { rows } = await shared.query(`WITH c AS MATERIALIZED (
           SELECT m.k, v.* FROM ${temps.merge} m
             JOIN (SELECT ${(0,rollback_ledger/* keyArraySql */.Xy)(t, 's')} AS rb_key, ${values}, ${routed} AS in_index FROM ${temps.stage} s) v
               ON v.rb_key = m.k
            WHERE m.action IN ('insert', 'update') AND v.in_index)
         SELECT c.k, o.k AS o FROM c
           CROSS JOIN LATERAL (SELECT ${(0,rollback_ledger/* keyArraySql */.Xy)(t, 'x')} AS k FROM ${lookIn} x WHERE ${held} AND ${where}
                                  -- A holder the merge deletes goes first (applyRestore): a user the
                                  -- tenant removed and invited again under the same email.
                                  AND NOT EXISTS (SELECT 1 FROM ${temps.merge} dm WHERE dm.action = 'delete' AND dm.k = ${(0,rollback_ledger/* keyArraySql */.Xy)(t, 'x')})
                                LIMIT 2) o
          WHERE o.k <> c.k
          ORDER BY c.k LIMIT 20`);
            await shared.query('RELEASE SAVEPOINT tp_rb_unique');
            const what = u.plain
                ? u.cols.map((c) => c.slice(1, -1).replace(/""/g, '"')).join(', ')
                : u.terms.join(', ');
            for (const r of rows)
                out.push(`${t.qualified} key ${shownKey(r.k)}: its ${what} (${u.ops ? 'exclusion' : 'unique'} ${u.name}${u.rel ? ` of partition ${u.rel}` : ''}${u.pred ? ` where ${u.pred}` : ''}) ${u.ops ? 'conflicts in the shared database with' : 'is held in the shared database by'} key ${shownKey(r.o)}`);
        }
        catch (e) {
            await shared.query('ROLLBACK TO SAVEPOINT tp_rb_unique');
            const code = e.code;
            // A term or predicate naming a column the stage lacks: left to the restore.
            if (code === '42703')
                continue;
            if (code !== '42501')
                throw e;
            // The connecting role may not evaluate the index's terms (EXECUTE revoked on a function of
            // an index expression, no USAGE on its schema). Writing a row evaluates them too, with the
            // same check (as PostgreSQL 15 does on INSERT), so the restore would fail half-way with a
            // raw error: refused before anything changes, when the tenant wrote rows there.
            const { rows: writes } = await shared.query(`SELECT count(*)::int AS n FROM ${temps.merge} WHERE action IN ('insert', 'update')`);
            if ((writes[0]?.n ?? 0) > 0)
                unevaluable.push(`${t.qualified}: the connecting role may not evaluate unique index ${u.name} (${e.message}), which writing the tenant's ${writes[0].n} inserted or changed row(s) needs — grant it (e.g. GRANT EXECUTE ON FUNCTION …), or run the rollback as a role that may`);
        }
    }
    return out;
}
/**
 * Rows of a merged part the tenant left as they were at the switch and the shared database deleted
 * since (a shared job removed a user) that rows existing after the restore still reference:
 * restoring those would break a foreign key (review: a raw FK error the dry run did not foresee).
 * The tenant's database holds each such row, so it comes back as if the tenant had written it
 * (action 'insert' in the merge table); one nothing that exists after the restore references
 * stays deleted.
 *
 * A reference counts only from a row that exists after the restore: a tenant's own row (all come
 * back), or a row of a merged part that the merge writes or keeps — in the merge table with any
 * action. A row the tenant left unchanged that is still in the shared database counts in its
 * shared version, which the foreign key already holds to existing rows. The tenant's stale copy of
 * a row that itself stays deleted (an erased user's token) keeps nothing (review: it brought the
 * erased user back). A row brought back makes its own parents count, so this runs to a fixed
 * point. A part without a key has no stage: its rows in the tenant's database count, as it must be
 * unchanged anyway. Returns the keys brought back per table.
 */
async function reviveReferenced(shared, isolated, plan, prepared) {
    const revived = new Map();
    // Per merged table: the rows of its stage the shared database lacks and the merge leaves out.
    const missing = [];
    for (const [j, m] of prepared.merges.entries()) {
        const t = m.part.table;
        const temp = `__tp_rb_missing_${j}`;
        const res = await shared.query(`CREATE TEMP TABLE ${temp} ON COMMIT DROP AS
       SELECT ${(0,rollback_ledger/* keyArraySql */.Xy)(t)} AS k FROM ${m.stage} t
        WHERE NOT EXISTS (SELECT 1 FROM ${(0,checksum/* fromTable */.bs)(t)} x WHERE ${t.keyColumns.map((k) => `x.${k} = t.${k}`).join(' AND ')})
          AND NOT EXISTS (SELECT 1 FROM ${m.merge} mm WHERE mm.k = ${(0,rollback_ledger/* keyArraySql */.Xy)(t)})`);
        if ((res.rowCount ?? 0) > 0)
            missing.push({ m, temp });
    }
    if (!missing.length)
        return revived;
    const edges = await (0,referenced_cleanup/* readEdges */.Ny)(shared, missing.map((x) => x.m.part.table));
    // The plan table each referencing relation belongs to (a partition: its partitioned table).
    const { rows: roots } = await shared.query(`SELECT u.name, coalesce(pg_partition_root(to_regclass(u.name)), to_regclass(u.name))::oid::text AS root
       FROM unnest($1::text[]) u(name)`, [[...new Set([...edges.map((e) => e.child), ...plan.tables.map((t) => t.qualified)])]]);
    const rootOf = new Map(roots.map((r) => [r.name, r.root]));
    const sameTable = (e, t) => {
        const root = rootOf.get(e.child);
        return root != null && root === rootOf.get(t.qualified);
    };
    const keyless = (0,rollback_ledger/* sharedWriteParts */.hn)(plan).filter((p) => p.table.keyColumns.length === 0);
    const parentAlias = 'rv_parent';
    for (let changed = true; changed;) {
        changed = false;
        for (const [ix, { m, temp }] of missing.entries()) {
            const t = m.part.table;
            const into = edges.filter((e) => e.parentIndex === ix);
            const { rows: left } = await shared.query(`SELECT k FROM ${temp}`);
            if (!left.length || !into.length)
                continue;
            const found = new Set();
            const keysParam = JSON.stringify(left.map((r) => r.k));
            const inKeys = `${(0,rollback_ledger/* keyArraySql */.Xy)(t, parentAlias)} IN (SELECT ARRAY(SELECT jsonb_array_elements_text(e)) FROM jsonb_array_elements($1::jsonb) e)`;
            for (const e of into) {
                // The tenant's own rows come back as they are: read in its database.
                const isolatedChecks = [
                    ...prepared.own.filter((p) => sameTable(e, p.table)).map((p) => p.where),
                    ...keyless.filter((p) => sameTable(e, p.table)).map((p) => p.isolatedWhere),
                ];
                for (const where of isolatedChecks) {
                    const { rows } = await isolated.query(`SELECT ${(0,rollback_ledger/* keyArraySql */.Xy)(t, parentAlias)} AS k FROM ${(0,checksum/* fromTable */.bs)(t)} ${parentAlias}
              WHERE ${inKeys} AND EXISTS (SELECT 1 FROM ${e.child} t WHERE ${(0,referenced_cleanup/* joinOn */.Si)(e, 't', parentAlias)} AND (${where}))`, [keysParam]);
                    for (const r of rows)
                        found.add(JSON.stringify(r.k));
                }
                // Merged rows the merge writes or keeps: their tenant version, read from their stage on
                // the shared session. A row the tenant left unchanged is not in the merge table: the
                // shared version stays, and it references only rows the shared database holds (its
                // foreign key), so it never revives one — the tenant's stale copy of it (its token before
                // the shared side moved it to another user) must not (review r17).
                for (const c of prepared.merges.filter((x) => sameTable(e, x.part.table))) {
                    const ct = c.part.table;
                    const { rows } = await shared.query(`SELECT ms.k FROM ${temp} ms JOIN ${m.stage} ${parentAlias} ON ms.k = ${(0,rollback_ledger/* keyArraySql */.Xy)(t, parentAlias)}
              WHERE EXISTS (SELECT 1 FROM ${c.stage} r WHERE ${(0,referenced_cleanup/* joinOn */.Si)(e, 'r', parentAlias)}
                              AND EXISTS (SELECT 1 FROM ${c.merge} cm WHERE cm.k = ${(0,rollback_ledger/* keyArraySql */.Xy)(ct, 'r')}))`);
                    for (const r of rows)
                        found.add(JSON.stringify(r.k));
                }
            }
            if (!found.size)
                continue;
            const keys = [...found].map((k) => JSON.parse(k));
            const param = JSON.stringify(keys);
            await shared.query(`INSERT INTO ${m.merge} (k, ih, lh, sh, action)
         SELECT ${(0,rollback_ledger/* keyArraySql */.Xy)(t)}, ${(0,checksum/* ledgerRowHashSql */.yw)(t)}, ${(0,checksum/* ledgerRowHashSql */.yw)(t)}, NULL, 'insert' FROM ${m.stage} t
          WHERE ${(0,rollback_ledger/* keyArraySql */.Xy)(t)} IN (SELECT ARRAY(SELECT jsonb_array_elements_text(e)) FROM jsonb_array_elements($1::jsonb) e)`, [param]);
            await shared.query(`DELETE FROM ${temp} WHERE k IN (SELECT ARRAY(SELECT jsonb_array_elements_text(e)) FROM jsonb_array_elements($1::jsonb) e)`, [param]);
            revived.set(t.qualified, [...(revived.get(t.qualified) ?? []), ...keys.sort().map((k) => shownKey(k))]);
            changed = true;
        }
    }
    return revived;
}
/**
 * An error of one table's restore, with that table as `restoreTable`: PostgreSQL names the table
 * of a constraint violation only, not of a value the server cannot take (an out-of-range or
 * invalid value in COPY), and the rollback's error must say where.
 */
function inRestoredTable(e, table) {
    if (e && typeof e === 'object' && !('restoreTable' in e))
        Object.assign(e, { restoreTable: table });
    return e;
}
/**
 * Applies a prepared restore (no conflicts, no stray rows) on `shared`, inside its transaction.
 * Every constraint is checked as the connecting role; DEFERRABLE keys are checked before this
 * returns (SET CONSTRAINTS ALL IMMEDIATE), so a violation is still "nothing changed".
 */
async function applyRestore(shared, isolated, plan, prepared, onTable) {
    const result = {
        restored: 0,
        stale: 0,
        merged: { insert: 0, update: 0, delete: 0 },
        kept: [],
    };
    await shared.query('SET CONSTRAINTS ALL DEFERRED');
    const own = new Map(prepared.own.map((p) => [p.table.qualified, p]));
    const merges = new Map(prepared.merges.map((m) => [m.part.table.qualified, m]));
    // 1. Stale own rows, children first: no remaining own row references a deleted one.
    for (const t of plan.deleteOrder) {
        const p = own.get(t.qualified);
        if (!p)
            continue;
        const res = await shared.query(`DELETE FROM ${(0,checksum/* fromTable */.bs)(t)} t WHERE ${p.where}`);
        result.stale += res.rowCount ?? 0;
    }
    // 2. Parents first: per table the merged rows (inserts, updates), then the own rows.
    for (const t of plan.tables) {
        try {
            const m = merges.get(t.qualified);
            if (m) {
                // The tenant's deletes of rows nothing references any more go first, so that a row it
                // inserted with the same unique value (a user removed and invited again under the same
                // email) finds the value free. All or nothing and best effort: what a key still holds
                // (a child deleted later, children first) is left to step 3, which keeps or deletes it.
                const early = await deleteUnlessReferenced(shared, 'tp_rb_delete_early', `DELETE FROM ${(0,checksum/* fromTable */.bs)(t)} t USING ${m.merge} m WHERE m.action = 'delete' AND ${keyFromArray(t, m.keyTypes, 't', 'm.k')}
             AND ${(0,checksum/* ledgerRowHashSql */.yw)(t)} IS NOT DISTINCT FROM m.sh AND ${await unreferencedSql(shared, t)}`);
                result.merged.delete += early ?? 0;
                const cols = t.columns;
                const match = `m.k = ${(0,rollback_ledger/* keyArraySql */.Xy)(t, 's')}`;
                const ins = await shared.query(`INSERT INTO ${t.qualified} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE
           SELECT ${cols.map((c) => `s.${c}`).join(', ')} FROM ${m.stage} s JOIN ${m.merge} m ON ${match}
            WHERE m.action = 'insert'`);
                result.merged.insert += ins.rowCount ?? 0;
                const set = cols.filter((c) => !t.keyColumns.includes(c) && !m.alwaysIdentity.includes(c));
                if (set.length) {
                    // Only a row still as the classification read it: another tenant's write committed since
                    // (review: it was overwritten silently) makes the rollback stop, nothing changed.
                    const upd = await shared.query(`UPDATE ${(0,checksum/* fromTable */.bs)(t)} AS t SET ${set.map((c) => `${c} = s.${c}`).join(', ')}
               FROM ${m.stage} s JOIN ${m.merge} m ON ${match}
              WHERE m.action = 'update' AND ${t.keyColumns.map((k) => `t.${k} = s.${k}`).join(' AND ')}
                AND ${(0,checksum/* ledgerRowHashSql */.yw)(t)} IS NOT DISTINCT FROM m.sh`);
                    const expected = await countAction(shared, m.merge, 'update');
                    if ((upd.rowCount ?? 0) !== expected)
                        throw changedDuringRollback(t, expected - (upd.rowCount ?? 0));
                    result.merged.update += upd.rowCount ?? 0;
                }
            }
            const p = own.get(t.qualified);
            if (p) {
                await onTable?.(t.qualified);
                const cols = t.columns.join(', ');
                result.restored += await copyBetween(isolated, shared, `COPY (SELECT ${t.columns.map((c) => `t.${c}`).join(', ')} FROM ${(0,checksum/* fromTable */.bs)(t)} t WHERE ${p.where}) TO STDOUT`, `COPY ${t.qualified} (${cols}) FROM STDIN`);
            }
        }
        catch (e) {
            throw inRestoredTable(e, t.qualified);
        }
    }
    // Every key checked before the deletes, so a violation there is the deletes' own.
    await shared.query('SET CONSTRAINTS ALL IMMEDIATE');
    await shared.query('SET CONSTRAINTS ALL DEFERRED');
    // 3. Rows the tenant deleted, children first. A row another row still references (another
    // tenant's membership of a user this tenant removed) is kept, and the record says so.
    for (const t of [...plan.tables].reverse()) {
        const m = merges.get(t.qualified);
        if (!m)
            continue;
        // Only rows nothing references any more: a foreign key ON DELETE CASCADE or SET NULL would
        // otherwise reach into another tenant's rows without an error (review: another tenant's
        // membership was deleted with the user this tenant removed). The others are kept below.
        const unreferenced = await unreferencedSql(shared, t);
        const asRead = `${(0,checksum/* ledgerRowHashSql */.yw)(t)} IS NOT DISTINCT FROM m.sh`;
        const del = `DELETE FROM ${(0,checksum/* fromTable */.bs)(t)} t USING ${m.merge} m WHERE m.action = 'delete' AND ${keyFromArray(t, m.keyTypes, 't', 'm.k')} AND ${asRead} AND ${unreferenced}`;
        const deleted = await deleteUnlessReferenced(shared, 'tp_rb_delete', del);
        if (deleted !== undefined)
            result.merged.delete += deleted;
        else {
            // One by one: keep exactly the rows still referenced.
            const { rows } = await shared.query(`SELECT k FROM ${m.merge} WHERE action = 'delete' ORDER BY k`);
            for (const r of rows) {
                const one = await deleteUnlessReferenced(shared, 'tp_rb_delete_one', `DELETE FROM ${(0,checksum/* fromTable */.bs)(t)} t WHERE ${keyFromArray(t, m.keyTypes, 't', '$1::text[]')} AND ${unreferenced}`, [r.k]);
                if (one !== undefined)
                    result.merged.delete += 1;
                else {
                    await shared.query(`UPDATE ${m.merge} SET action = 'kept' WHERE k = $1::text[]`, [r.k]);
                    result.kept.push(`${t.qualified} ${shownKey(r.k)}`);
                }
            }
        }
        // A row to delete that changed in the shared database since it was classified: stop.
        const { rows: changed } = await shared.query(`SELECT count(*)::int AS n FROM ${m.merge} m JOIN ${(0,checksum/* fromTable */.bs)(t)} t ON ${keyFromArray(t, m.keyTypes, 't', 'm.k')}
        WHERE m.action = 'delete' AND NOT (${asRead})`);
        if (changed[0].n > 0)
            throw changedDuringRollback(t, changed[0].n);
        // What the delete left because a row still references it is kept, and the record says so.
        const { rows: still } = await shared.query(`UPDATE ${m.merge} m SET action = 'kept'
        WHERE m.action = 'delete' AND EXISTS (SELECT 1 FROM ${(0,checksum/* fromTable */.bs)(t)} t WHERE ${keyFromArray(t, m.keyTypes, 't', 'm.k')})
        RETURNING m.k`);
        for (const r of still)
            result.kept.push(`${t.qualified} ${shownKey(r.k)}`);
    }
    // The deferred keys are checked here, where a violation is still plainly "nothing changed".
    await shared.query('SET CONSTRAINTS ALL IMMEDIATE');
    return result;
}
/**
 * Proves the applied restore, inside the transaction: every own part holds exactly the tenant
 * database's rows (count and hash sum), and every merged row written holds the tenant's version
 * (or is gone, for a delete). Returns the differences (empty: proved).
 */
async function verifyRestore(shared, isolated, prepared) {
    const differences = [];
    const own = [];
    // A BEFORE row trigger of the shared database rewrites rows as they come back (a timestamp set
    // on insert): the application's own rule, not a loss. Those tables are proved by their keys.
    const rewritten = new Set(prepared.triggers.filter((t) => t.rewrites).map((t) => t.table));
    const byKey = (t) => rewritten.has(t.qualified) ? { ...t, columns: t.keyColumns } : t;
    for (const p of prepared.own) {
        const b = await aggregate(isolated, p.table, p.where);
        if (rewritten.has(p.table.qualified) && p.table.keyColumns.length === 0) {
            const a = await aggregate(shared, p.table, p.where);
            if (a.count !== b.count)
                differences.push(`${p.table.qualified}: ${a.count} rows in the shared database, ${b.count} in the tenant's`);
            own.push({ table: p.table, ...b });
            continue;
        }
        const a = await aggregate(shared, byKey(p.table), p.where);
        const bk = rewritten.has(p.table.qualified) ? await aggregate(isolated, byKey(p.table), p.where) : b;
        if (a.count !== bk.count || a.sum !== bk.sum)
            differences.push(`${p.table.qualified}: ${a.count} rows in the shared database, ${b.count} in the tenant's${a.count === b.count ? ' (contents differ: a trigger on the shared table may rewrite rows)' : ''}`);
        own.push({ table: p.table, ...b });
    }
    for (const m of prepared.merges) {
        const t = m.part.table;
        // Rewritten by a trigger: a row written is there (or gone, for a delete), whatever it holds.
        const found = rewritten.has(t.qualified)
            ? `(SELECT coalesce(m.ih, 0) FROM ${(0,checksum/* fromTable */.bs)(t)} t WHERE ${keyFromArray(t, m.keyTypes, 't', 'm.k')})`
            : `(SELECT ${(0,checksum/* ledgerRowHashSql */.yw)(t)} FROM ${(0,checksum/* fromTable */.bs)(t)} t WHERE ${keyFromArray(t, m.keyTypes, 't', 'm.k')})`;
        const { rows } = await shared.query(`SELECT count(*)::text AS n FROM ${m.merge} m
        WHERE m.action IN ('insert', 'update', 'delete') AND ${found} IS DISTINCT FROM m.ih`);
        const n = Number(rows[0].n);
        if (n > 0)
            differences.push(`${t.qualified}: ${n} merged row(s) differ from the tenant's database after the apply (a trigger on the shared table may rewrite rows)`);
    }
    return { differences, own };
}
/**
 * The user triggers of the shared database that fire as the rollback writes `tables` (enabled
 * for ordinary sessions: `O` and `A`). The rollback does not switch them off: that needs
 * superuser (session_replication_role) or ownership and an ACCESS EXCLUSIVE lock on a table every
 * tenant writes, held for the whole restore — other tenants would wait longer than max-freeze.
 * They are listed in the dry run and the record instead (an AFTER INSERT audit trigger writes
 * audit rows again for writes the tenant's database already audited).
 */
async function firingTriggers(shared, plan) {
    // What the rollback does to each table: own rows are deleted and inserted (COPY), merged rows
    // inserted, updated and deleted. Bits of pg_trigger.tgtype: INSERT 4, DELETE 8, UPDATE 16.
    const does = new Map();
    for (const p of ownParts(plan))
        does.set(p.table.qualified, 4 | 8);
    for (const p of (0,rollback_ledger/* sharedWriteParts */.hn)(plan))
        does.set(p.table.qualified, (does.get(p.table.qualified) ?? 0) | 4 | 8 | 16);
    const tables = plan.tables.filter((t) => does.has(t.qualified));
    if (!tables.length)
        return [];
    const { rows } = await shared.query(`SELECT q.name AS tbl, tg.tgname AS name, tg.tgtype::int AS type
       FROM unnest($1::text[], $2::int[]) WITH ORDINALITY q(name, does, i)
       JOIN pg_trigger tg ON tg.tgrelid = q.name::regclass
      WHERE NOT tg.tgisinternal AND tg.tgenabled IN ('O', 'A') AND (tg.tgtype::int & q.does) <> 0
      ORDER BY q.i, tg.tgname`, [tables.map((t) => t.qualified), tables.map((t) => does.get(t.qualified))]);
    return rows.map((found) => {
        // Only the events the rollback causes on the table.
        const r = { ...found, type: found.type & (~(4 | 8 | 16) | does.get(found.tbl)) };
        const row = (r.type & 1) !== 0;
        const timing = r.type & 2 ? 'BEFORE' : r.type & 64 ? 'INSTEAD OF' : 'AFTER';
        const events = [
            ...(r.type & 4 ? ['INSERT'] : []),
            ...(r.type & 16 ? ['UPDATE'] : []),
            ...(r.type & 8 ? ['DELETE'] : []),
        ];
        return {
            table: r.tbl,
            name: r.name,
            when: `${timing} ${events.join(' OR ')} FOR EACH ${row ? 'ROW' : 'STATEMENT'}`,
            rewrites: row && timing === 'BEFORE' && (events.includes('INSERT') || events.includes('UPDATE')),
        };
    });
}
/** The record's and the dry run's line about the triggers that fire. */
function describeTriggers(triggers) {
    const list = triggers.map((t) => `${t.table}: ${t.name} (${t.when})`).join('; ');
    const rewrites = triggers.some((t) => t.rewrites)
        ? ' Rows a BEFORE trigger rewrites are proved by their keys, not their contents.'
        : '';
    return `Triggers of the shared database fire as the rows come back (the rollback leaves them on: switching them off would lock the tables against every other tenant for the whole restore): ${list}.${rewrites} An AFTER trigger that records writes (an audit table) records the restored rows again.`;
}
/**
 * Count and hash sum of every part of the plan the rollback restores, as `client` (the tenant's
 * database, comparable session, tenant id set) holds it: the own rows and each part both sides
 * write. Recorded by the restore from the snapshot it restored; the drop step computes them again
 * on the fenced database and drops it only when they are equal — nothing was written there since.
 */
async function partDigests(client, plan, 
/** Own parts already digested on this snapshot (verifyRestore's `own`): not read again. */
ownDone = []) {
    const out = [];
    for (const p of ownParts(plan)) {
        const done = ownDone.find((d) => d.table.qualified === p.table.qualified);
        out.push({
            label: p.table.qualified,
            ...(done ? { count: done.count, sum: done.sum } : await aggregate(client, p.table, p.where)),
        });
    }
    for (const p of (0,rollback_ledger/* sharedWriteParts */.hn)(plan))
        out.push({
            label: `${p.table.qualified} (${p.what})`,
            ...(await aggregate(client, p.table, p.isolatedWhere)),
        });
    return out;
}
/** One line per conflict (table, key, what each side did since the switch). */
function describeConflicts(conflicts, max = 20) {
    const lines = conflicts
        .slice(0, max)
        .map((c) => `${c.table} key ${c.key}: ${c.tenant} in the tenant's database, ${c.shared} in the shared database`);
    return lines.join('; ') + (conflicts.length > max ? `; … and ${conflicts.length - max} more` : '');
}
/** Per-table lines of what the restore brings back (the dry run's report and the record's notes). */
function describeRestore(prepared) {
    const lines = [];
    for (const r of prepared.ownReports)
        lines.push(`${r.table} (${r.kind}): ${r.isolatedRows} rows come back, replacing ${r.sharedRows} shared rows`);
    for (const r of prepared.mergeReports)
        lines.push(`${r.table} (${r.what}): ${r.insert} inserted, ${r.update} updated, ${r.delete} deleted by the tenant since the switch come back` +
            (r.same ? `, ${r.same} already equal` : '') +
            (r.conflicts ? `, ${r.conflicts} conflict(s)` : ''));
    return lines;
}
/**
 * A predicate on alias `t` (a row of `table` in the database `client` reads): no row of any table
 * references it through a foreign key, whatever the key's ON DELETE action. Names come from the
 * catalog (`regclass` and `quote_ident` output), never from input.
 */
async function unreferencedSql(client, table) {
    // Keys declared against a partition of the table too (readEdges walks the partition tree).
    const edges = (await (0,referenced_cleanup/* readEdges */.Ny)(client, [table])).filter((e) => e.parentIndex === 0);
    if (edges.length === 0)
        return 'true';
    return edges
        .map((e) => `NOT EXISTS (SELECT 1 FROM ${e.child} r WHERE ${(0,referenced_cleanup/* joinOn */.Si)(e, 'r', 't')})`)
        .join(' AND ');
}
async function countAction(shared, merge, action) {
    const { rows } = await shared.query(`SELECT count(*)::int AS n FROM ${merge} WHERE action = $1`, [action]);
    return rows[0].n;
}
/** Rows of `table` another writer changed in the shared database while the rollback ran. */
function changedDuringRollback(table, n) {
    return new errors/* PromotionError */.g1('validation-failed', `${n} row(s) of ${table.qualified} that the rollback was bringing back changed in the shared database while it ran (another tenant's write): nothing was changed.`, 'Re-run the rollback: it classifies the rows again (a row changed on both sides since the switch is then listed as a conflict).');
}
/**
 * A delete under a savepoint, every deferred foreign key then checked at once: the rows deleted,
 * or undefined when a row still references one of them (23503; the savepoint is undone and the
 * transaction goes on).
 */
async function deleteUnlessReferenced(shared, savepoint, sql, params) {
    await shared.query(`SAVEPOINT ${savepoint}`);
    try {
        const res = await shared.query(sql, params);
        await shared.query('SET CONSTRAINTS ALL IMMEDIATE');
        await shared.query('SET CONSTRAINTS ALL DEFERRED');
        await shared.query(`RELEASE SAVEPOINT ${savepoint}`);
        return res.rowCount ?? 0;
    }
    catch (e) {
        if (e.code !== '23503')
            throw e;
        await shared.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
        return undefined;
    }
}

;// CONCATENATED MODULE: ./src/pipeline/steps/rollback-verify.ts







/**
 * Before the tenant's database is dropped: proves it holds exactly what the restore brought back.
 * The restore recorded, in its audit entry, a digest (count and hash sum) of every part it restored
 * as the tenant's database held it; here the fenced, read-only database is digested again and
 * must be equal. A row written there after the restore (a role with a CONNECT grant of its own,
 * review finding) makes the rollback stop with the database kept, instead of dropping the row.
 * Costs one hash pass over the tenant's rows; runs again on a re-run (before the drop).
 */
const verifyRestoredStep = {
    name: 'verify-restored',
    title: 'Prove the isolated database holds nothing the restore did not bring back',
    skip: (ctx) => ctx.options.keepIsolatedData
        ? 'isolated database kept (keep-isolated-data): nothing is dropped'
        : !tenantSideFor(ctx).ownDatabase
            ? "proved by the drop, in its transaction, under locks on the tenant's tables"
            : undefined,
    async run(ctx) {
        const shared = await (0,connect/* connect */.Ng)(ctx.servers.sharedUrl);
        let recorded;
        try {
            recorded = restoredDigests(await (0,tenants/* readTenant */.RM)(shared, ctx.options.tenantsTable, ctx.names.slug));
        }
        finally {
            await shared.end().catch(() => undefined);
        }
        let isolated;
        try {
            isolated = await connectTenantSide(ctx);
        }
        catch (e) {
            // Already dropped by an earlier run (resumed): nothing left to prove.
            const code = e.cause?.code;
            if (code === '3D000')
                return 'the isolated database is already gone';
            throw e;
        }
        // Schema level in the shared database: the schemas are what an earlier run dropped.
        const side = tenantSideFor(ctx);
        if (!side.ownDatabase && (await existingTenantSchemas(isolated, side)).length === 0) {
            await isolated.end().catch(() => undefined);
            return "the tenant's schemas are already gone";
        }
        // Schema level into a database of its own: the drift refused rows outside the tenant's schemas
        // before the fence; read again now that the database is fenced (a row written in between).
        const outside = await rowsOutsideTenantSchemas(isolated, side).catch(async (e) => {
            await isolated.end().catch(() => undefined);
            throw e;
        });
        if (outside.length) {
            await isolated.end().catch(() => undefined);
            throw new errors/* PromotionError */.g1('validation-failed', `The isolated database holds rows outside the tenant's schemas, so it was not dropped: ${outside.slice(0, 10).join('; ')}.`, 'The tenant is shared again and its database is kept: those rows are in no shared table. Copy them over by hand (or empty those tables), then re-run the rollback to drop the database (or run it with --keep-isolated-data).');
        }
        if (!recorded || !ctx.plan) {
            await isolated.end().catch(() => undefined);
            ctx.record.notes.push(UNRECORDED);
            return 'nothing recorded to compare';
        }
        try {
            await isolated.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
            const parts = await assertAsRestored(isolated, ctx.plan, recorded);
            return `${parts} part(s) equal to what was restored`;
        }
        finally {
            await isolated.end().catch(() => undefined);
        }
    },
};
const UNRECORDED = 'The restore recorded no digests of what it brought back (a rollback of an earlier version): the isolated database is dropped unverified.';
/** What the restore recorded of every part it brought back (its audit entry), if anything. */
function restoredDigests(tenant) {
    return [...(tenant.isolation?.history ?? [])].reverse().find((h) => h.event === 'rolled-back')?.tables;
}
/** What the restore recorded of every table of the tenant's schemas (shared placement), if anything. */
function restoredSchemaDigests(tenant) {
    return [...(tenant.isolation?.history ?? [])].reverse().find((h) => h.event === 'rolled-back')
        ?.schema_tables;
}
/**
 * Digests every part of the tenant's side again (`isolated`: a session naming its tables as the
 * shared database does, in the caller's transaction) and refuses, keeping the tenant's data, when
 * one differs from what the restore recorded. Returns the number of parts compared.
 */
async function assertAsRestored(isolated, plan, recorded, 
/** The tenant's schemas in the shared database, when it is those that are kept (else its database). */
schemas) {
    await (0,checksum/* setComparableSession */.LP)(isolated);
    await (0,connect/* setTenantId */.si)(isolated, plan.tenantId);
    const now = await partDigests(isolated, plan);
    // A part the restore recorded nothing for (a plan that changed between runs) is not proved
    // restored: it keeps the database like any difference.
    const differences = now
        .map((d) => ({ d, was: recorded[d.label] }))
        .filter(({ d, was }) => !was || was.count !== d.count || was.digest !== (0,checksum/* digestOf */.ol)(d.count, d.sum))
        .map(({ d, was }) => was
        ? `${d.label}: ${was.count} rows restored, ${d.count} rows now`
        : `${d.label}: ${d.count} rows, none recorded as restored`);
    if (differences.length)
        throw changedAfterRestore(schemas, differences);
    return now.length;
}
/** The tenant's side changed since the restore: kept, with what differs. */
function changedAfterRestore(schemas, differences) {
    return new errors/* PromotionError */.g1('validation-failed', schemas
        ? `The tenant's schemas ${schemas.join(', ')} changed after the restore, so they were not dropped: ${differences.slice(0, 10).join('; ')}.`
        : `The isolated database changed after the restore, so it was not dropped: ${differences.slice(0, 10).join('; ')}.`, schemas
        ? 'The tenant is shared again and its schemas are kept: rows written there after the restore are not in the shared tables. Copy them over by hand, then re-run the rollback to drop the schemas (or run it with --keep-isolated-data).'
        : 'The tenant is shared again and its database is kept: rows written there after the restore are not in the shared database. Copy them over by hand, then re-run the rollback to drop the database (or run it with --keep-isolated-data).');
}
/** Pushed to the run's notes when there is nothing to compare with. */
function noteUnverified(notes) {
    notes.push(UNRECORDED);
}

;// CONCATENATED MODULE: ./src/pipeline/steps/rollback-cleanup.ts













/** Removes the routing and load-balancer files (missing files are fine: re-runnable). */
const removeRoutingStep = {
    name: 'remove-routing',
    title: 'Remove routing and load-balancer config',
    async run(ctx) {
        const paths = (0,routing/* routingPaths */.vg)(ctx.options.configDir, ctx.names.slug);
        for (const path of [paths.routing, paths.loadBalancer]) {
            await (0,promises_.rm)(path, { force: true });
            ctx.configFiles.push({ path, content: null });
        }
        return `${paths.routing}, ${paths.loadBalancer} removed`;
    },
};
/** Deletes the Cloud Run service only if the promotion created it (recorded in settings.isolation). */
const removeServiceStep = {
    name: 'remove-service',
    title: 'Delete the Cloud Run service',
    skip(ctx) {
        const service = ctx.tenant?.isolation?.service;
        if (!service)
            return 'the promotion deployed no service';
        if (!service.created)
            return `service ${service.name} existed before the promotion: left in place`;
        return undefined;
    },
    async run(ctx) {
        const service = ctx.tenant.isolation.service;
        if (ctx.options.skipCloudRun || !ctx.options.cloudRun) {
            const note = `Cloud Run service ${service.name} was created by the promotion and is still running: delete it (gcloud run services delete ${service.name}) or re-run the rollback with the Cloud Run settings.`;
            ctx.record.notes.push(note);
            return 'left in place: no Cloud Run settings given (see notes)';
        }
        const cloudRun = ctx.options.cloudRun;
        // Held under the proof of ownership: no other run can claim the tenant meanwhile.
        await (0,ownership/* asOwner */.gv)(ctx, `deleting Cloud Run service ${service.name}`, async () => {
            await (0,deploy/* deleteService */.hs)(cloudRun, service.name, ctx.log);
            if (service.secret_version)
                await (0,deploy/* retireSecretVersion */.qb)(cloudRun, service.secret_version, ctx.log);
        });
        return `${service.name} deleted${service.secret_version ? ', password secret version retired' : ''}`;
    },
};
/**
 * Drops the tenant's side and its roles, unless keep-isolated-data: its own database (database
 * level; schema level into a new database), or — its schemas in the shared database — those
 * schemas only, never the database.
 */
const dropIsolatedStep = {
    name: 'drop-isolated',
    title: 'Drop the isolated database and roles',
    skip: (ctx) => ctx.options.keepIsolatedData ? 'isolated database kept (keep-isolated-data); it stays fenced' : undefined,
    async run(ctx) {
        const side = tenantSideFor(ctx);
        let what;
        if (side.ownDatabase) {
            const dropped = await (0,ownership/* dropOwnedDatabase */.WO)(ctx, side.database);
            what = dropped ? `database ${side.database}` : 'no database';
        }
        else {
            const dropped = await dropOwnedSchemas(ctx, side);
            what = dropped.length ? `schema(s) ${dropped.join(', ')}` : 'no schema';
        }
        const roles = await (0,ownership/* dropOwnedRoles */.Ox)(ctx);
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
async function dropOwnedSchemas(ctx, side) {
    return (0,ownership/* asOwnerWithTarget */.xi)(ctx, "dropping the tenant's schemas", async (db) => {
        const tool = (0,tenant_place/* toolSchema */.wl)(ctx);
        const marked = await (0,tenant_schemas/* toolSchemaMarker */.E0)(db, tool);
        const present = [
            ...(await existingTenantSchemas(db, side)),
            ...(marked.exists && (0,roles/* fromSource */.qe)(marked.marker, (0,ownership/* markerSource */.GH)(ctx)) ? [tool] : []),
        ];
        if (!present.length)
            return [];
        await provedAsRestored(ctx, db, side, present);
        const outside = await dependentsOutside(db, present);
        if (outside.length)
            throw new errors/* PromotionError */.g1('tenant-state', `The tenant's schemas ${present.join(', ')} were not dropped: objects outside them depend on them (${outside.join('; ')}).`, 'The tenant is shared again and its rows are back. Drop or change those objects (they read the tenant’s former schemas), then re-run the rollback to drop the schemas (or keep them with --keep-isolated-data).');
        await db.query(dropSchemasSql(present));
        return present;
    }, { orphanOk: true });
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
async function provedAsRestored(ctx, db, side, present) {
    const schemas = present.filter((s) => tenantSchemas(side).includes(s));
    const tables = await tenantTables(db, schemas);
    // Bounded by max-freeze: a session that keeps a transaction open on them (a report, a DBA's
    // psql) would otherwise hold the drop — and every reader queued behind it — for as long as it likes.
    await lockTablesBounded(db, tables, 'ACCESS EXCLUSIVE', ctx.options.maxFreezeMs, (ms) => ({
        message: `The tenant's schemas ${present.join(', ')} were not dropped: another session held a lock on their tables for longer than max-freeze (${ms} ms).`,
        hint: 'The tenant is shared again and its rows are back. End the transaction that reads or writes those tables (see pg_stat_activity), then re-run the rollback to drop the schemas (or keep them with --keep-isolated-data).',
    }));
    const tenant = await (0,tenants/* readTenant */.RM)(db, ctx.options.tenantsTable, ctx.names.slug).catch(() => undefined);
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
    if (!whole)
        return;
    const differences = schemaTableDifferences(whole, await schemaTableDigests(db, schemas));
    if (differences.length)
        throw changedAfterRestore(schemas, differences);
}

// EXTERNAL MODULE: ./src/postgres/catalog.ts
var catalog = __webpack_require__(17092);
// EXTERNAL MODULE: ./src/postgres/database.ts
var database = __webpack_require__(42514);
// EXTERNAL MODULE: ./src/postgres/plan.ts
var plan = __webpack_require__(43524);
// EXTERNAL MODULE: ./src/postgres/tenant-key.ts
var tenant_key = __webpack_require__(72713);
// EXTERNAL MODULE: ./src/postgres/privileges.ts
var privileges = __webpack_require__(39607);
// EXTERNAL MODULE: ./src/pipeline/plan-options.ts
var plan_options = __webpack_require__(44224);
// EXTERNAL MODULE: ./src/postgres/target-server.ts
var target_server = __webpack_require__(21520);
;// CONCATENATED MODULE: ./src/pipeline/steps/rollback-prevalidate.ts












/**
 * Rollback's prevalidation: the tenant is isolated and its database exists (fresh rollback), or
 * it is shared again after a rollback that stopped after its switch (resume). Plans the tables
 * from the shared catalog, as a promotion does.
 */
const rollbackPrevalidateStep = {
    name: 'prevalidate',
    title: 'Rollback prevalidation',
    async run(ctx) {
        const db = ctx.lockSession;
        const { names, options } = ctx;
        ctx.sharedDatabase = (await db.query('SELECT current_database() AS db')).rows[0].db;
        await (0,tenants/* checkTenantsTable */.od)(db, options.tenantsTable, options.tenantKey);
        const tenant = await (0,tenants/* readTenant */.RM)(db, options.tenantsTable, names.slug);
        ctx.tenant = tenant;
        if (tenant.isolationMode === 'isolated' || tenant.isolation?.isolated_server)
            (0,target_server/* assertRecordedServer */.mQ)(tenant.isolation?.isolated_server, ctx.servers, names.slug, options.frontEnd);
        // Where the tenant's tables are: its database, or (schema level) its schemas — in a database
        // of their own or in the shared database (postgres/tenant-side.ts).
        const side = tenantSideFor(ctx);
        const where = side.ownDatabase
            ? `database "${side.database}"`
            : `schema(s) ${tenantSchemas(side).join(', ')} of the shared database`;
        // The isolated database and its roles are on the target server (the shared one by default).
        const found = await (0,ownership/* withTargetServer */.z2)(ctx, async (target) => {
            (0,privileges/* assertCanCreate */.Ly)(await (0,privileges/* readRole */.fP)(target), options.frontEnd);
            if (!side.ownDatabase) {
                // The shared database is nobody's to mark: the tenant's record names the schemas, and the
                // claim proves the tenant is this run's.
                const present = await existingTenantSchemas(db, side);
                return { exists: present.length > 0, ours: true };
            }
            const { exists, marker } = await (0,database/* databaseMarker */.O9)(target, side.database);
            return { exists, ours: marker?.slug === names.slug };
        });
        if (tenant.isolationMode === 'shared') {
            if (tenant.isolation?.state === 'rolled-back') {
                ctx.mode = 'resume';
                // The drop still proves the database against what the restore recorded: it needs the plan.
                if (found.exists && found.ours)
                    await planRestore(ctx);
                return `tenant is shared again: finishing the rollback's clean-up`;
            }
            throw new errors/* PromotionError */.g1('tenant-state', `Tenant "${names.slug}" is shared; there is nothing to roll back.`, 'Check the slug, or `tenant-isolation status` for its state.');
        }
        if (!found.exists) {
            throw new errors/* PromotionError */.g1('tenant-state', `Tenant "${names.slug}" is marked isolated, but its ${where} does not exist; there is no data to roll back from.`, `Restore the tenant's ${side.ownDatabase ? 'database' : 'schemas'} from backup first (rollback copies its rows back), then re-run.`);
        }
        if (!found.ours) {
            throw new errors/* PromotionError */.g1('tenant-state', `Database "${side.database}" was not created by this tool for tenant "${names.slug}".`, 'Check the database by hand; the rollback will not read from or drop it.');
        }
        const plan = await planRestore(ctx);
        ctx.mode = 'fresh';
        return `tenant ${names.slug} is isolated in ${where}; its ${plan.deleteOrder.length} data tables will be restored`;
    },
};
/** The plan of the tenant's tables as the switch planned them (options recorded at the switch). */
async function planRestore(ctx) {
    (0,plan_options/* adoptSwitchedPlanOptions */.Nd)(ctx);
    const { options: planned } = ctx;
    const graph = await (0,catalog/* readTableGraph */.r)(ctx.lockSession);
    // The rows to restore carry the value of the column the rule names, not necessarily id.
    const key = await (0,tenant_key/* resolveTenantKey */.Em)(ctx.lockSession, graph, planned, ctx.names.slug);
    return (ctx.plan = (0,plan/* planTenant */.gK)(graph, {
        tenantsTable: planned.tenantsTable,
        tenantKey: planned.tenantKey,
        tenantIdColumn: planned.tenantIdColumn,
        tenantId: key.value,
        referenceTables: planned.referenceTables,
        sharedRows: planned.sharedRows,
        tableOverrides: planned.tableOverrides,
        // The restore tells the tenant's own rows (ownWhere) from the global rows it merges.
        globalRows: true,
    }));
}

// EXTERNAL MODULE: ./src/validation/schema-parity.ts
var schema_parity = __webpack_require__(16292);
// EXTERNAL MODULE: ./src/validation/schema-level.ts
var schema_level = __webpack_require__(27799);
// EXTERNAL MODULE: ./src/validation/version-normalise.ts
var version_normalise = __webpack_require__(22380);
// EXTERNAL MODULE: ./src/postgres/versions.ts
var versions = __webpack_require__(60674);
;// CONCATENATED MODULE: ./src/postgres/rollback-drift.ts





/**
 * Schema drift between the tenant's database and the shared database as they are now (not as
 * they were at the promotion: the same migration applied to both is normal). Rows cannot come
 * back into a schema that has no place for them, so a rollback refuses, before changing anything,
 * on: a table, column or constraint that exists only in the tenant's database; a column whose
 * type differs; a column NOT NULL in the shared database that the tenant's database let go of (a
 * NULL written since cannot come back); a constraint whose definition differs; and a column of a
 * restored table that the tenant's database lacks (its rows cannot supply it). Reads the catalogs
 * with the schema-parity check's `catalogSummary` (the tool's `_tenant_isolation` schema is left
 * out there). Then the values themselves: a tenant on a newer major may hold values the shared
 * server's older major cannot represent (`unrepresentableValues`).
 */
const COMPARED = new Set(['table', 'column', 'constraint']);
/** The type part of a `catalogSummary` column definition (`bigint not null default … #3` → `bigint`). */
function columnType(definition) {
    const cut = definition.search(/ not null| identity | generated | default | #\d/);
    return cut < 0 ? definition : definition.slice(0, cut);
}
/** Whether a `catalogSummary` column definition says NOT NULL (right after the type, never in a default). */
function columnNotNull(definition) {
    return definition.slice(columnType(definition).length).startsWith(' not null');
}
/** Pure: the drift between the two summaries, restricted to `restored` tables for shared-only columns. */
function diffSchemas(shared, isolated, restored) {
    const key = (i) => `${i.category} ${i.name}`;
    const s = new Map(shared.filter((i) => COMPARED.has(i.category)).map((i) => [key(i), i]));
    const t = new Map(isolated.filter((i) => COMPARED.has(i.category)).map((i) => [key(i), i]));
    const out = [];
    for (const [k, i] of t) {
        const other = s.get(k);
        if (!other) {
            out.push(`${i.category} ${i.name}: only in the tenant's database`);
            continue;
        }
        if (i.category === 'column') {
            const [a, b] = [columnType(other.definition), columnType(i.definition)];
            if (a !== b)
                out.push(`column ${i.name}: type differs (shared: ${a}; tenant's: ${b})`);
            else if (columnNotNull(other.definition) && !columnNotNull(i.definition))
                out.push(`column ${i.name}: NOT NULL in the shared database, nullable in the tenant's`);
        }
        else if (i.category === 'constraint' &&
            i.definition !== other.definition &&
            (0,schema_parity/* normaliseExpression */.JN)(i.definition) !== (0,schema_parity/* normaliseExpression */.JN)(other.definition)) {
            out.push(`constraint ${i.name}: differs (shared: ${other.definition}; tenant's: ${i.definition})`);
        }
    }
    for (const [k, i] of s) {
        if (i.category === 'column' && i.owner !== null && restored.has(i.owner) && !t.has(k))
            out.push(`column ${i.name}: only in the shared database (the tenant's rows cannot supply it)`);
    }
    return out.sort();
}
/**
 * Values of the tenant's database a shared server of an older major cannot hold, one line per
 * table (its name, the columns and the row count). Infinite intervals exist from PostgreSQL 17:
 * on an older shared server COPY refuses them, after the fence. Columns of type interval, of a
 * domain over it, or arrays of either, in the tables the rollback brings back.
 */
async function unrepresentableValues(isolated, plan, majors, side) {
    if (!(majors.shared < 17 && majors.tenant >= 17))
        return [];
    if (plan.tables.length === 0)
        return [];
    const { rows } = await isolated.query(`WITH cols AS (
       SELECT a.attrelid, a.attname, t.typcategory = 'A' AS is_array,
              coalesce(nullif(e.typbasetype, 0), e.oid) AS base
         FROM pg_attribute a
         JOIN pg_type t ON t.oid = a.atttypid
         JOIN pg_type e ON e.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE coalesce(nullif(t.typbasetype, 0), t.oid) END
        WHERE a.attnum > 0 AND NOT a.attisdropped)
     SELECT p.i - 1 AS i,
            array_agg(quote_ident(cols.attname) ORDER BY cols.attname) AS columns,
            array_agg(cols.is_array ORDER BY cols.attname) AS arrays
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS p(schema, name, i)
       JOIN pg_namespace n ON n.nspname = p.schema
       JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.name
       JOIN cols ON cols.attrelid = c.oid
      WHERE cols.base = 'interval'::regtype
      GROUP BY p.i ORDER BY p.i`, 
    // Catalog names of the tenant's side (a statement's names are mapped by its session; values are not).
    [
        plan.tables.map((t) => (side ? onTenantSide(side, t.schema) : t.schema)),
        plan.tables.map((t) => t.name),
    ]);
    const out = [];
    for (const r of rows) {
        const table = plan.tables[Number(r.i)];
        // Column names come quoted from the catalog (quote_ident); the table is the plan's, quoted.
        const infinite = r.columns.map((c, i) => r.arrays[i] ? `EXISTS (SELECT 1 FROM unnest(${c}) v WHERE NOT isfinite(v))` : `NOT isfinite(${c})`);
        const { rows: found } = await isolated.query(`SELECT count(*) AS n FROM ${table.qualified} WHERE ${infinite.join(' OR ')}`);
        const n = Number(found[0].n);
        if (n > 0)
            out.push(`table ${table.qualified}: ${n} row(s) with an infinite interval (in ${r.columns.join(', ')}), which PostgreSQL ${majors.shared} cannot hold`);
    }
    return out;
}
/** Reads both catalogs (and, across majors, the values) and returns the drift (empty: none). */
async function schemaDrift(shared, isolated, plan, side = { database: '', ownDatabase: true }) {
    const majors = { shared: await (0,versions/* serverMajor */.jk)(shared), tenant: await (0,versions/* serverMajor */.jk)(isolated) };
    // Schema level: compared as the schema-parity check compares them — every name qualified on
    // both sides (readFullyQualified), each side restricted to its schemas (they may be one
    // database), the tenant's names written back as the shared ones.
    const layout = side.schemas && {
        into: side.ownDatabase ? 'new-database' : 'shared-database',
        mappings: [...side.schemas].map(([source, target]) => ({ source, target })),
        searchPath: side.searchPath ?? tenantSchemas(side),
    };
    if (layout) {
        await (0,schema_level/* readFullyQualified */.xJ)(shared);
        await (0,schema_level/* readFullyQualified */.xJ)(isolated);
    }
    const functionText = layout !== undefined;
    // In the shared database the tenant's schemas are left out of every user-schema read (they are
    // a promoted tenant's, tool-schemas.ts): its side reads exactly them.
    const only = side.ownDatabase ? undefined : tenantSchemas(side);
    const [sharedItems, tenantItems] = [
        await (0,schema_parity/* catalogSummary */.wV)(shared, { functionText }),
        await (0,schema_parity/* catalogSummary */.wV)(isolated, { functionText, only }),
    ];
    // A tenant on a newer major: what the versions represent differently is not drift.
    const { source: s, target: t } = (0,version_normalise/* normaliseAcrossVersions */.lQ)(layout ? (0,schema_level/* sourceItems */.Gw)(sharedItems, layout) : sharedItems, layout ? (0,schema_level/* targetItemsMappedBack */.i0)(tenantItems, layout) : tenantItems, { source: majors.shared, target: majors.tenant });
    // Into a database of its own, the drop takes what lies outside the tenant's schemas too.
    const outside = await rowsOutsideTenantSchemas(isolated, side);
    return {
        schema: [...diffSchemas(s, t, new Set(plan.tables.map((x) => x.qualified))), ...outside],
        values: await unrepresentableValues(isolated, plan, majors, side),
    };
}

// EXTERNAL MODULE: ./src/postgres/large-objects.ts
var large_objects = __webpack_require__(52593);
// EXTERNAL MODULE: ./src/postgres/rollback-large-objects.ts
var rollback_large_objects = __webpack_require__(61932);
// EXTERNAL MODULE: ./src/postgres/schema-clone.ts + 3 modules
var schema_clone = __webpack_require__(52682);
// EXTERNAL MODULE: ./src/postgres/sql.ts
var sql = __webpack_require__(75259);
// EXTERNAL MODULE: ./src/pipeline/faults.ts
var faults = __webpack_require__(18361);
// EXTERNAL MODULE: ./src/pipeline/steps/plan.ts + 2 modules
var steps_plan = __webpack_require__(16921);
;// CONCATENATED MODULE: ./src/pipeline/steps/rollback-restore.ts



















/**
 * Rollback's commit point. In one transaction on the shared database, under the tenant row's
 * lock and with ownership proved: read and classify what comes back (rollback-merge.ts) and
 * refuse, before writing anything, on a conflict (a row changed on both sides since the switch),
 * a row of the tenant's database that belongs to no one the rollback can place, or a table
 * without a key the tenant changed; then bring back the tenant's own rows and merge the rows both
 * sides write, with every constraint checked as the connecting role (no replica mode, no trigger
 * disabled); bring back the large objects its rows reference; prove the result row by row; lift
 * the shared sequences past the shared side's ids; mark the tenant shared with an audit entry.
 * Any failure rolls the transaction back: nothing changed, and the step's undo chain lifts the
 * fence (the tenant stays isolated and working).
 */
const restoreStep = {
    name: 'restore',
    title: 'Copy the rows back and switch to shared',
    commitPoint: true,
    async run(ctx) {
        const fault = ctx.deps.fault ?? (0,faults/* faultsFromEnv */.j)();
        const { isolated, shared } = await restoreSessions(ctx);
        let giveBack;
        try {
            const { plan, ledger, removedByCleanup, toolSchema } = await restoreInputs(ctx, isolated, shared);
            // Large objects of the tenant's database belong to its roles: readable through them only.
            const loColumns = await (0,large_objects/* findLargeObjectColumns */.RK)(shared, plan.tables);
            // Granted on a session of its own on the tenant's server (the roles live there, which may not
            // be the shared one; the fenced database itself is read-only), kept until given back.
            // In the shared database (schema level) the objects the tenant created are there already,
            // owned by its roles: given away below before the roles are dropped.
            const inShared = (0,tenant_place/* intoSharedDatabase */.vq)(ctx);
            if (loColumns.length || inShared)
                giveBack = await borrowTenantRoles(ctx);
            // The fence made the tenant's database read-only for new sessions: reading it is all we do.
            const side = tenantSideFor(ctx);
            const locked = side.ownDatabase ? [] : await tenantTables(isolated, tenantSchemas(side));
            await isolated.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
            // The tenant's schemas in the shared database cannot be made read-only: no write may be in
            // flight when the rows are read, nor land before the commit (whoever the fence cannot stop:
            // a superuser). SHARE waits for writes that hold their lock and blocks new ones; LOCK takes
            // no snapshot, so this transaction's snapshot is taken after every such write committed.
            // Bounded by max-freeze: the fence ends no superuser's session, and one holding a write open
            // would otherwise hold the rollback, with the tenant fenced, for as long as it likes.
            await lockTablesBounded(isolated, locked, 'SHARE', ctx.options.maxFreezeMs, (ms) => ({
                message: `The tenant's tables in ${tenantSchemas(side).join(', ')} stayed locked by another session for longer than max-freeze (${ms} ms), so nothing was copied back.`,
                hint: "A transaction that writes them is still open (see pg_stat_activity; the fence ends no superuser's session). The tenant stays isolated and working (the fence is lifted): end that transaction, then re-run the rollback.",
            }));
            await shared.query('BEGIN');
            await shared.query(`SELECT 1 FROM ${(0,sql/* quoteQualified */.$s)(ctx.options.tenantsTable)} t WHERE t.slug = $1 FOR UPDATE`, [ctx.names.slug]);
            await (0,ownership/* assertOwnerIn */.zp)(ctx, shared, 'copying the rows back');
            if (!side.ownDatabase) {
                const planned = plan.tables.map((t) => `${onTenantSide(side, t.schema)}.${t.name}`);
                const unplanned = await unplannedTablesWithRows(isolated, tenantSchemas(side), planned);
                if (unplanned.length)
                    throw new errors/* PromotionError */.g1('tenant-state', `Tables in the tenant's schemas that are none of its tables hold rows: ${unplanned.slice(0, 10).join(', ')}. The rollback copies back the tenant's tables only, so it changed nothing.`, "The tenant stays isolated and working (the fence is lifted). Move those rows into the tenant's tables or a table of the shared database, or empty or drop those tables, then re-run the rollback.");
            }
            const prepared = await prepareRestore(shared, isolated, plan, ledger, { removedByCleanup, toolSchema });
            ctx.record.notes.push(...prepared.notes);
            refuseUnplaceable(prepared, ctx.options.keepIsolatedData);
            const applied = await applyRestore(shared, isolated, plan, prepared, (table) => Promise.resolve(fault?.(`restore:${table}`))).catch((e) => {
                throw restoreError(e);
            });
            const verified = await verifyRestore(shared, isolated, prepared);
            if (verified.differences.length) {
                throw new errors/* PromotionError */.g1('validation-failed', `The rows copied back differ from the isolated database: ${verified.differences.slice(0, 5).join('; ')}`, 'Nothing was changed and the tenant stays isolated. A trigger on a shared table rewrites restored rows: make it leave rows alone when nothing but a rollback writes them, or run the rollback as the tables’ owner, then re-run.');
            }
            const objects = await (0,rollback_large_objects/* restoreLargeObjects */.GE)(shared, isolated, plan, loColumns);
            const reowned = inShared
                ? await (0,rollback_large_objects/* reownTenantObjects */.sp)(shared, plan, loColumns, [ctx.names.appRole, ctx.names.ownerRole], objects)
                : undefined;
            await fault?.('restore:before-commit');
            // The tenant's sequences are looked up by name on its side: in its schemas at schema level.
            await (0,schema_clone/* syncSequences */.kj)(isolated, shared, tenantSideFor(ctx).schemas);
            const tenant = await (0,tenants/* readTenant */.RM)(shared, ctx.options.tenantsTable, ctx.names.slug);
            // Every part restored, as the tenant's database held it (the drop step proves it still does);
            // the own rows were just digested by verifyRestore on this snapshot.
            const tablesDigest = Object.fromEntries((await partDigests(isolated, plan, verified.own)).map((d) => [
                d.label,
                { count: d.count, digest: (0,checksum/* digestOf */.ol)(d.count, d.sum) },
            ]));
            // At the shared placement, every table of the tenant's schemas as a whole too: the parts
            // see the tenant's rows of the plan's tables only (see schemaTableDigests).
            const schemaTables = side.ownDatabase
                ? undefined
                : await schemaTableDigests(isolated, tenantSchemas(side));
            const merged = applied.merged;
            const detail = `${applied.restored} rows restored from ${ctx.names.database}` +
                (merged.insert + merged.update + merged.delete
                    ? `; shared rows merged: ${merged.insert} inserted, ${merged.update} updated, ${merged.delete} deleted`
                    : '') +
                (objects.copied + objects.replaced
                    ? `; ${objects.copied + objects.replaced} large object(s) restored`
                    : '');
            const ok = await (0,tenants/* writeIsolation */.AF)(shared, ctx.options.tenantsTable, tenant, {
                ...tenant.isolation,
                state: 'rolled-back',
                shared_rows_removed: false,
                referenced_removed: undefined,
                verified: undefined,
                history: [
                    ...(tenant.isolation?.history ?? []),
                    (0,tenants/* historyEntry */.xg)({
                        event: 'rolled-back',
                        actor: ctx.deps.trigger.actor,
                        source: ctx.deps.trigger.source,
                        pull_request: ctx.deps.trigger.pullRequest,
                        run_url: ctx.deps.trigger.runUrl,
                        tables: tablesDigest,
                        ...(schemaTables ? { schema_tables: schemaTables } : {}),
                        detail,
                    }),
                ],
            }, { from: 'isolated', to: 'shared' });
            if (!ok)
                throw new errors/* PromotionError */.g1('tenant-state', `Tenant "${ctx.names.slug}" is no longer isolated; nothing was changed.`, 'Check its status.');
            await shared.query('COMMIT');
            ctx.record.committed = true;
            // The tenant's writes were blocked from the fence to this commit.
            const fencedAt = ctx.record.steps.find((s) => s.name === 'fence')?.startedAt;
            if (fencedAt) {
                ctx.record.freezeMs = Math.max(0, Date.now() - Date.parse(fencedAt));
                ctx.record.notes.push(`The tenant's writes were blocked for ${ctx.record.freezeMs} ms (from the fence to the commit of the restore).`);
            }
            ctx.record.notes.push(...describeRestore(prepared));
            ctx.record.notes.push(...(0,rollback_large_objects/* describeObjectOwners */.fs)(objects));
            if (reowned?.unreferenced.length)
                ctx.record.notes.push(`${reowned.unreferenced.length} large object(s) the tenant's roles owned that no restored row references now belong to the connecting role (kept, not deleted with the roles): ${(0,large_objects/* listSome */.XT)(reowned.unreferenced)}.`);
            if (applied.kept.length)
                ctx.record.notes.push(`Kept in the shared database although the tenant deleted them (other rows still reference them): ${applied.kept.slice(0, 20).join(', ')}${applied.kept.length > 20 ? ` … and ${applied.kept.length - 20} more` : ''}.`);
            for (const v of verified.own) {
                ctx.record.tables.push({
                    schema: v.table.schema,
                    name: v.table.name,
                    kind: v.table.kind,
                    copiedRows: v.count,
                    checksum: (0,checksum/* digestOf */.ol)(v.count, v.sum),
                });
            }
            return `${detail}${applied.stale ? ` (${applied.stale} stale shared rows replaced)` : ''}; tenant is shared`;
        }
        catch (e) {
            if (!ctx.record.committed)
                await shared.query('ROLLBACK').catch(() => undefined);
            throw e;
        }
        finally {
            await isolated.query('ROLLBACK').catch(() => undefined);
            await giveBack?.().catch(() => undefined);
            await isolated.end().catch(() => undefined);
            await shared.end().catch(() => undefined);
        }
    },
};
/**
 * Refuses, before anything is written, what the rollback cannot place without losing or
 * overwriting a write: conflicts, stray rows, unmergeable tables. With keep-isolated-data the
 * message says what stays where.
 */
function refuseUnplaceable(prepared, keepIsolatedData) {
    const problems = [];
    if (prepared.conflicts.length)
        problems.push(`${prepared.conflicts.length} row(s) changed on both sides since the switch: ${describeConflicts(prepared.conflicts)}`);
    if (prepared.stray.length)
        problems.push(`rows of the tenant's database that belong to no one it can place: ${prepared.stray.join('; ')}`);
    if (prepared.unmergeable.length)
        problems.push(`tables that cannot be merged: ${prepared.unmergeable.join('; ')}`);
    if (prepared.collisions.length)
        problems.push(`rows of the tenant's database whose keys or unique values other rows of the shared database hold (both sides handed out the same ids — a table created after the promotion has no sequence range — or wrote the same unique value): ${prepared.collisions.join('; ')}`);
    if (!problems.length)
        return;
    throw new errors/* PromotionError */.g1('tenant-state', `The rollback would lose or overwrite writes, so it changed nothing: ${problems.join('. ')}.`, `The tenant stays isolated and working (the fence is lifted). Decide each row named above by hand — make the two databases agree on it; for a key taken on both sides, give the tenant's row a new key in its database (past the shared side's ids); for a unique value, change it on one side — then re-run the rollback${keepIsolatedData ? '' : ' (run it with --dry-run first to see what comes back)'}.` +
        (keepIsolatedData
            ? ' Nothing moved: the tenant’s rows stay in its database, the shared database keeps its own.'
            : ''));
}
function restoreError(e) {
    const err = e;
    if (err?.code === '23503') {
        return new errors/* PromotionError */.g1('tenant-state', `A row copied back into ${err.table ?? 'the shared database'} breaks a foreign key of the shared database (${err.message}${err.detail ? `: ${err.detail}` : ''}); nothing was changed.`, 'The tenant stays isolated. The rows reference each other in an order the shared keys do not allow, or the row they reference was deleted in the shared database since the switch: make one key of a cycle DEFERRABLE (ALTER TABLE … ALTER CONSTRAINT … DEFERRABLE), or restore the referenced row; then re-run the rollback.');
    }
    if (err?.code === '23505') {
        return new errors/* PromotionError */.g1('tenant-state', `A row of ${err.table ?? 'a table'} from the isolated database collides with an existing row in the shared database (${err.detail ?? err.message}); nothing was changed.`, 'Another tenant took that key while this tenant was isolated. Resolve the collision by hand, then re-run the rollback.');
    }
    if (err?.code === '23P01') {
        const table = err.restoreTable ?? err.table ?? 'a table';
        return new errors/* PromotionError */.g1('tenant-state', `A row of ${table} from the isolated database conflicts with an existing row in the shared database under an exclusion constraint (${err.message}${err.detail ? `: ${err.detail}` : ''}); nothing was changed.`, 'The tenant stays isolated (the fence is lifted). Both sides wrote rows the constraint excludes together while the tenant was isolated: change the value on one side, then re-run the rollback (--dry-run lists such rows first).');
    }
    // A value the shared database refuses (data exception, NOT NULL, CHECK): named with its table.
    if (err?.code && (err.code.startsWith('22') || err.code === '23502' || err.code === '23514')) {
        const table = err.restoreTable ?? err.table ?? 'a table';
        return new errors/* PromotionError */.g1('tenant-state', `A row of ${table} from the isolated database cannot be stored in the shared database (${err.message}${err.detail ? `: ${err.detail}` : ''}); nothing was changed.`, `The tenant stays isolated (the fence is lifted). Change that value in the tenant's database of ${table} so the shared schema takes it (or align the shared schema), then re-run the rollback.`);
    }
    return e;
}
/** The tenant's side (its statements in the shared database's names) and the shared database, as the restore (and its preview) read them. */
async function restoreSessions(ctx) {
    const shared = await (0,connect/* connect */.Ng)(ctx.servers.sharedUrl);
    try {
        return { isolated: await connectTenantSide(ctx), shared };
    }
    catch (e) {
        await shared.end().catch(() => undefined);
        throw e;
    }
}
/** The plan in restore order, both sessions set to compare alike, and the switch's row ledger. */
async function restoreInputs(ctx, isolated, shared) {
    // Where foreign keys form a cycle, the order that honours every key that cannot give way.
    const plan = (0,steps_plan/* orderPlan */.Cg)(ctx.plan, await (0,catalog/* readTableGraph */.r)(shared), { keepSharedData: true });
    for (const c of [isolated, shared]) {
        await (0,checksum/* setComparableSession */.LP)(c);
        await (0,connect/* setTenantId */.si)(c, plan.tenantId);
    }
    const isolation = ctx.tenant?.isolation;
    // Cleanup with cleanup-referenced-rows: remove-unused deleted referenced rows: those come back
    // (the keys it recorded, named by the attempt its transaction wrote with the deletes).
    const removedByCleanup = isolation?.shared_rows_removed === true && isolation.plan?.cleanup_referenced_rows === 'remove-unused'
        ? isolation.referenced_removed
            ? { attempt: isolation.referenced_removed.attempt, tables: isolation.referenced_removed.tables }
            : 'unrecorded'
        : undefined;
    // The ledger and the removed keys are in the tool schema beside the tenant's tables.
    const toolSchema = (0,tenant_place/* toolSchema */.wl)(ctx);
    return { plan, ledger: await (0,rollback_ledger/* readLedgerTables */.xg)(isolated, toolSchema), removedByCleanup, toolSchema };
}
/** borrowRoles on an administrative session of the tenant's server, ended when given back. */
async function borrowTenantRoles(ctx) {
    const grantor = await (0,connect/* connect */.Ng)(ctx.servers.targetAdminUrl);
    try {
        const revoke = await (0,rollback_large_objects/* borrowRoles */.Pt)(grantor, [ctx.names.ownerRole, ctx.names.appRole]);
        return async () => {
            try {
                await revoke();
            }
            finally {
                await grantor.end().catch(() => undefined);
            }
        };
    }
    catch (e) {
        await grantor.end().catch(() => undefined);
        throw e;
    }
}

;// CONCATENATED MODULE: ./src/pipeline/steps/rollback-drift.ts





/**
 * Before anything changes: the tenant's database and the shared database, as they are now, must
 * have room for each other's rows (rollback-drift.ts). Drift refuses the rollback, listing every
 * difference; a dry run reports it instead.
 */
const rollbackDriftStep = {
    name: 'schema-drift',
    title: 'Compare the schemas',
    skip: (ctx) => (ctx.mode === 'resume' ? 'done by an earlier run (resuming after the switch)' : undefined),
    async run(ctx) {
        const side = tenantSideFor(ctx);
        // Schema level: a plan table in a schema the switch did not map has no place on the tenant's
        // side (and its session refuses it), so it is drift, listed before the sessions open.
        const unmapped = unmappedPlanTables(ctx.plan, side).map((t) => `table ${t}: in a schema the tenant's side has no schema for (added after the promotion)`);
        let found;
        if (unmapped.length)
            found = { schema: unmapped, values: [] };
        else {
            const { isolated, shared } = await restoreSessions(ctx);
            try {
                found = await schemaDrift(shared, isolated, ctx.plan, side);
            }
            finally {
                await isolated.end().catch(() => undefined);
                await shared.end().catch(() => undefined);
            }
        }
        const drift = [...found.schema, ...found.values];
        if (drift.length === 0)
            return 'no drift: every table, column and constraint matches';
        if (ctx.options.dryRun) {
            ctx.record.notes.push(`Schema drift (the rollback would refuse): ${drift.join('; ')}.`);
            return `${drift.length} difference(s): the rollback would refuse (see notes)`;
        }
        const place = side.ownDatabase
            ? ctx.names.database
            : `its schema(s) ${tenantSchemas(side).join(', ')} of the shared database`;
        const where = ctx.options.keepIsolatedData
            ? ` Nothing moved: the tenant's rows stay in ${place} (still isolated and working), the shared database keeps its own rows and schema.`
            : ` The tenant stays isolated and working in ${place}.`;
        const list = (items) => `${items.slice(0, 20).join('; ')}${items.length > 20 ? `; … and ${items.length - 20} more` : ''}`;
        if (found.schema.length === 0)
            throw new errors/* PromotionError */.g1('tenant-state', `The tenant's database holds values the shared server cannot hold, so the rows cannot come back: ${list(found.values)}.${where}`, "Change those values in the tenant's database (e.g. UPDATE … SET col = NULL or a finite interval WHERE NOT isfinite(col)), or upgrade the shared server to the tenant's major version; then re-run the rollback.");
        throw new errors/* PromotionError */.g1('tenant-state', `The schemas have drifted since the promotion, so the rows cannot come back: ${list(drift)}.${where}`, `Apply the same migrations to both databases (what exists only in the tenant database must exist in the shared one, with the same types and NOT NULLs), then re-run the rollback.${found.values.length ? " Values the shared server cannot hold must be changed in the tenant's database first." : ''}`);
    },
};

// EXTERNAL MODULE: ./src/postgres/sequence-ranges.ts
var sequence_ranges = __webpack_require__(78569);
;// CONCATENATED MODULE: ./src/pipeline/steps/rollback-preview.ts







/**
 * `rollback --dry-run`: what the restore would do, read exactly as the restore reads it
 * (prepareRestore, in a transaction that is rolled back; only temporary tables), and nothing
 * changed: per table the rows that would come back, the conflicts, the rows it could not place,
 * the large objects, and the sequences.
 */
const rollbackPreviewStep = {
    name: 'preview',
    title: 'What the rollback would bring back',
    skip: (ctx) => !ctx.options.dryRun
        ? 'not a dry run'
        : ctx.mode === 'resume'
            ? 'the rollback already switched; a re-run finishes its clean-up'
            : ctx.plan && unmappedPlanTables(ctx.plan, tenantSideFor(ctx)).length
                ? "tables in schemas the tenant's side does not map (see the schema drift): the restore cannot read them"
                : undefined,
    async run(ctx) {
        const { isolated, shared } = await restoreSessions(ctx);
        try {
            const { plan, ledger, removedByCleanup, toolSchema } = await restoreInputs(ctx, isolated, shared);
            await isolated.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
            await shared.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
            const prepared = await prepareRestore(shared, isolated, plan, ledger, { removedByCleanup, toolSchema });
            const notes = [...prepared.notes, ...describeRestore(prepared).map((l) => `Would restore ${l}.`)];
            if (prepared.conflicts.length)
                notes.push(`Conflicts (the rollback would refuse): ${describeConflicts(prepared.conflicts)}.`);
            if (prepared.stray.length)
                notes.push(`Rows it could not place (would refuse): ${prepared.stray.join('; ')}.`);
            if (prepared.unmergeable.length)
                notes.push(`Tables it could not merge (would refuse): ${prepared.unmergeable.join('; ')}.`);
            if (prepared.collisions.length)
                notes.push(`Keys or unique values taken on both sides (would refuse): ${prepared.collisions.join('; ')}. Give the tenant's rows new keys in its database, past the shared side's ids, or change the unique value on one side.`);
            notes.push(sequenceNote(await (0,sequence_ranges/* readSequences */.lu)(shared), ctx));
            const unranged = (0,sequence_ranges/* unrangedSequencesNote */.fR)(await (0,sequence_ranges/* readSequences */.lu)(isolated));
            if (unranged)
                notes.push(unranged);
            // Last: a permission error there ends the transactions.
            notes.push(await largeObjectNote(shared, isolated, plan));
            ctx.record.notes.push(...notes);
            const back = prepared.ownReports.reduce((n, r) => n + r.isolatedRows, 0);
            const merged = prepared.mergeReports.reduce((n, r) => n + r.insert + r.update + r.delete, 0);
            const refuse = prepared.conflicts.length +
                prepared.stray.length +
                prepared.unmergeable.length +
                prepared.collisions.length;
            return `${back} own rows and ${merged} shared-table changes would come back${refuse ? `; the rollback would refuse (${prepared.conflicts.length} conflict(s), see notes)` : ''}; nothing changed`;
        }
        finally {
            await shared.query('ROLLBACK').catch(() => undefined);
            await isolated.query('ROLLBACK').catch(() => undefined);
            await isolated.end().catch(() => undefined);
            await shared.end().catch(() => undefined);
        }
    },
};
/** How many large objects would be created or rewritten (read-only; the restore borrows the tenant's roles to read them all). */
async function largeObjectNote(shared, isolated, plan) {
    try {
        // The columns from the shared catalog (names passed as values are not mapped to the tenant's side).
        const objects = await (0,rollback_large_objects/* tenantLargeObjects */.OK)(isolated, plan, await (0,large_objects/* findLargeObjectColumns */.RK)(shared, plan.tables));
        if (objects.oids.length === 0)
            return 'Large objects: none referenced by the tenant’s rows.';
        const [want, have] = [
            await (0,large_objects/* hashLargeObjects */.GE)(isolated, objects.oids),
            await (0,large_objects/* hashLargeObjects */.GE)(shared, objects.oids),
        ];
        const missing = objects.oids.filter((o) => !have.has(o)).length;
        const changed = objects.oids.filter((o) => have.has(o) && have.get(o).hash !== want.get(o)?.hash).length;
        return `Large objects: ${missing} would be created and ${changed} rewritten in the shared database.`;
    }
    catch (e) {
        // Objects the tenant's roles own are unreadable to this role until the restore borrows them.
        await isolated.query('ROLLBACK').catch(() => undefined);
        return `Large objects: not compared in the dry run (${e.message}); the rollback reads them through the tenant's roles.`;
    }
}
function sequenceNote(sequences, ctx) {
    const range = ctx.tenant?.isolation?.sequence_range;
    const ranged = sequences.filter((s) => !s.noRange).map((s) => `${s.label} at ${s.lastValue ?? 'unused'}`);
    const where = range?.ranges
        ? Object.entries(range.ranges)
            .map(([type, [first, last]]) => `${type} ${first}–${last}`)
            .join(', ')
        : 'none recorded';
    return `Sequences: ids the tenant took while isolated come from its range (slot ${range?.slot ?? '?'}: ${where}) and come back as they are; the shared sequences (${ranged.join(', ') || 'none'}) stay below the tenants' zone and are only lifted past the shared side's own ids.`;
}

;// CONCATENATED MODULE: ./src/pipeline/rollback.ts










/**
 * Rollback: lock; prevalidate (and claim); compare the schemas (drift refuses before anything
 * changes); with --dry-run, preview what would come back and stop; fence the isolated database;
 * in one transaction on the shared database bring back the tenant's own rows, merge the rows both
 * sides write against the ledger the switch recorded (a row changed on both sides refuses),
 * bring back its large objects, verify, and mark the tenant shared — the commit point; then
 * remove routing, the service the promotion created, and — once it is proved to hold nothing the
 * restore did not bring back — the isolated database. Before the
 * commit point every step is undone (the tenant stays isolated and working); after it, a re-run
 * finishes the job.
 */
const ROLLBACK = [
    [lock/* lockStep */.s, 'setup'],
    [(0,ownership/* thenClaim */.iH)(rollbackPrevalidateStep), 'setup'],
    [rollbackDriftStep, 'setup'],
    [rollbackPreviewStep, 'setup'],
    [fenceStep, 'switch'],
    [restoreStep, 'switch'],
    [removeRoutingStep, 'after'],
    [removeServiceStep, 'after'],
    [verifyRestoredStep, 'after'],
    [dropIsolatedStep, 'after'],
];
function rollbackSteps() {
    return ROLLBACK.map(([step, phase]) => ({
        ...step,
        skip: (ctx) => (ctx.options.dryRun && phase !== 'setup' ? 'dry run' : undefined) ??
            (ctx.mode === 'resume' && phase === 'switch'
                ? 'done by an earlier run (resuming after the switch)'
                : undefined) ??
            step.skip?.(ctx),
    }));
}
async function rollback(input, deps) {
    const ctx = await (0,engine/* runOperation */.xj)('rollback', input, deps, rollbackSteps(), (c) => c.options.dryRun ? 'dry-run' : 'rolled-back');
    return { record: ctx.record, configFiles: ctx.configFiles };
}


/***/ })

};
;