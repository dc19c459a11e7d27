"use strict";
exports.id = 941;
exports.ids = [941];
exports.modules = {

/***/ 7941:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  defaultChecks: () => (/* binding */ defaultChecks),
  runChecks: () => (/* binding */ runChecks)
});

// UNUSED EXPORTS: CHECK_CONCURRENCY

// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
// EXTERNAL MODULE: ./src/secrets.ts
var secrets = __webpack_require__(27194);
// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(83849);
// EXTERNAL MODULE: ./src/postgres/plan-types.ts
var plan_types = __webpack_require__(54680);
// EXTERNAL MODULE: ./src/validation/check.ts
var validation_check = __webpack_require__(15651);
// EXTERNAL MODULE: ./src/validation/db.ts
var db = __webpack_require__(8217);
// EXTERNAL MODULE: ./src/postgres/tool-schemas.ts
var tool_schemas = __webpack_require__(24024);
// EXTERNAL MODULE: ./src/postgres/shared-large-objects.ts
var shared_large_objects = __webpack_require__(64669);
;// CONCATENATED MODULE: ./src/validation/access-control.ts








const ATTRIBUTES = [
    ['rolsuper', 'SUPERUSER'],
    ['rolbypassrls', 'BYPASSRLS'],
    ['rolcreaterole', 'CREATEROLE'],
    ['rolcreatedb', 'CREATEDB'],
];
/** Who holds CONNECT on a database: PUBLIC (also when datacl is NULL, the default) and explicit grants reaching the role. */
const CONNECT_SQL = `
  SELECT d.datname,
         has_database_privilege($1, d.oid, 'CONNECT') AS can_connect,
         (d.datacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(d.datacl) x WHERE x.grantee = 0 AND x.privilege_type = 'CONNECT')) AS public_connect,
         EXISTS (SELECT 1 FROM aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) x
                  WHERE x.grantee <> 0 AND x.privilege_type = 'CONNECT' AND pg_has_role($1, x.grantee, 'MEMBER')) AS granted
    FROM pg_database d WHERE d.datname = $2`;
/**
 * The tenant's role reaches its own database and only that: it can connect and read and write
 * its tables (in a transaction rolled back), holds no privilege on the shared tables, no
 * CONNECT on the shared or another tenant's database (through PUBLIC only: warn with the
 * remedy), no dangerous attributes; PUBLIC has no CONNECT on the new database; row security is
 * enabled (and forced) on the same tables as in the source, with the same policy names.
 */
const accessControl = {
    name: 'access-control',
    title: 'Access control',
    async run(ctx, budgetMs) {
        const role = ctx.appRole.name;
        const failures = [];
        const warnings = [];
        const notes = [];
        let admin;
        let source;
        let asTenant;
        try {
            admin = await (0,db/* connectFor */.It)(ctx.targetUrl, budgetMs);
            const attrs = await admin.query(`SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolcanlogin FROM pg_roles WHERE rolname = $1`, [role]);
            const a = attrs.rows[0];
            if (!a)
                return (0,validation_check/* fail */.fJ)(`role ${role} does not exist`, ['create the tenant role before the checks run']);
            for (const [col, label] of ATTRIBUTES)
                if (a[col])
                    failures.push(`role ${role} has ${label}`);
            if (!a.rolcanlogin)
                failures.push(`role ${role} cannot LOGIN`);
            // Schema level into the shared database: the tenant's "own database" is the shared one, which
            // every role of the application connects to (PUBLIC's CONNECT there is not the tenant's to
            // revoke); what keeps it out of the rest is proved per schema and per table below.
            const inShared = ctx.schemaLayout?.into === 'shared-database';
            const ownDb = inShared ? ctx.sharedDatabase : ctx.names.database;
            const tenantSchemas = ctx.schemaLayout?.mappings.map((m) => m.target) ?? [];
            // Own database: PUBLIC must not connect; the role must.
            const own = (await admin.query(CONNECT_SQL, [role, ownDb])).rows[0];
            if (!own)
                failures.push(`database ${ownDb} does not exist`);
            else {
                if (inShared) {
                    if (own.public_connect)
                        notes.push(`PUBLIC has CONNECT on the shared database ${ownDb}, which the tenant's schemas are in`);
                }
                else if (own.public_connect) {
                    failures.push(`PUBLIC has CONNECT on ${ctx.names.database} (fix: REVOKE CONNECT ON DATABASE ${esm/* default.escapeIdentifier */.Ay.escapeIdentifier(ctx.names.database)} FROM PUBLIC)`);
                }
                if (!own.can_connect)
                    failures.push(`role ${role} has no CONNECT on ${ownDb}`);
            }
            const connectLine = (what, datname, r) => {
                if (!r?.can_connect)
                    return undefined;
                if (r.granted) {
                    failures.push(`role ${role} is granted CONNECT on ${what} ${datname}`);
                    return 'granted';
                }
                return r.public_connect ? 'public' : undefined;
            };
            const remedy = (what, datname) => `role ${role} can connect to ${what} ${datname} through PUBLIC (remedy: REVOKE CONNECT ON DATABASE ${esm/* default.escapeIdentifier */.Ay.escapeIdentifier(datname)} FROM PUBLIC, or a pg_hba.conf rule)`;
            // The shared database, asked on its own server (it may not be the new database's).
            source = await (0,db/* connectFor */.It)(ctx.sourceUrl, budgetMs);
            const exists = await source.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role]);
            if (exists.rowCount && !inShared) {
                const shared = (await source.query(CONNECT_SQL, [role, ctx.sharedDatabase])).rows[0];
                if (!shared)
                    failures.push(`the shared database ${ctx.sharedDatabase} was not found on the source server`);
                else if (connectLine('the shared database', ctx.sharedDatabase, shared) === 'public') {
                    warnings.push(remedy('the shared database', ctx.sharedDatabase));
                }
            }
            // Other tenants' databases on the new database's server.
            const others = await admin.query(`SELECT datname FROM pg_database WHERE datname <> $1 AND datname <> $2 AND datname LIKE 'tenant\\_%' AND datallowconn ORDER BY datname`, [ctx.names.database, ctx.sharedDatabase]);
            for (const { datname } of others.rows) {
                const r = (await admin.query(CONNECT_SQL, [role, datname])).rows[0];
                if (connectLine("another tenant's database", datname, r) === 'public')
                    notes.push(remedy("another tenant's database", datname));
            }
            // Privileges on the shared database's tables.
            if (exists.rowCount) {
                const privs = await source.query(`SELECT format('%I.%I', n.nspname, c.relname) AS tbl, c.relkind = 'S' AS sequence,
                  CASE WHEN c.relkind = 'S' THEN
                    concat_ws(',', CASE WHEN has_sequence_privilege($1, c.oid, 'USAGE') THEN 'USAGE' END,
                                   CASE WHEN has_sequence_privilege($1, c.oid, 'SELECT') THEN 'SELECT' END,
                                   CASE WHEN has_sequence_privilege($1, c.oid, 'UPDATE') THEN 'UPDATE' END)
                  ELSE
                    concat_ws(',', CASE WHEN has_table_privilege($1, c.oid, 'SELECT') THEN 'SELECT' END,
                                   CASE WHEN has_table_privilege($1, c.oid, 'INSERT') THEN 'INSERT' END,
                                   CASE WHEN has_table_privilege($1, c.oid, 'UPDATE') THEN 'UPDATE' END,
                                   CASE WHEN has_table_privilege($1, c.oid, 'DELETE') THEN 'DELETE' END,
                                   CASE WHEN has_table_privilege($1, c.oid, 'TRUNCATE') THEN 'TRUNCATE' END)
                  END AS privs,
                  -- A column privilege (GRANT SELECT (email) …) reads every row's value of that column.
                  CASE WHEN c.relkind = 'S' THEN '{}'::text[] ELSE
                    array(SELECT a.attname::text FROM pg_attribute a
                           WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                             AND has_column_privilege($1, c.oid, a.attnum, 'SELECT, INSERT, UPDATE, REFERENCES')
                           ORDER BY a.attnum) END AS columns
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_tenant_isolation')
              AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname::text <> ALL ($2::text[])
            ORDER BY 1`, 
                // Into the shared database the tenant's own schemas are beside the shared tables (and
                // other tenants' schemas): every table but its own must be out of its reach.
                [role, inShared ? tenantSchemas : []]);
                const held = privs.rows.filter((r) => !r.sequence && r.privs !== '');
                if (held.length) {
                    failures.push(`role ${role} holds privileges on ${held.length} table(s) of the shared database: ${held
                        .slice(0, 5)
                        .map((r) => `${r.tbl} (${r.privs})`)
                        .join(', ')}`);
                }
                const columns = privs.rows.filter((r) => !r.sequence && r.privs === '' && r.columns.length > 0);
                if (columns.length) {
                    failures.push(`role ${role} may read or write column(s) of ${columns.length} table(s) of the shared database, every row's values of them: ${columns
                        .slice(0, 5)
                        .map((r) => `${r.tbl} (${r.columns.join(', ')})`)
                        .join(', ')} (fix: REVOKE SELECT, INSERT, UPDATE, REFERENCES (<columns>) ON <table> FROM PUBLIC, or from the role that passes them on)`);
                }
                const sequences = privs.rows.filter((r) => r.sequence && r.privs !== '');
                if (sequences.length) {
                    failures.push(`role ${role} may use ${sequences.length} sequence(s) of the shared database (read their values, advance them): ${sequences
                        .slice(0, 5)
                        .map((r) => `${r.tbl} (${r.privs})`)
                        .join(', ')} (fix: REVOKE ALL ON SEQUENCE <sequence> FROM PUBLIC, or from the role that passes it on)`);
                }
                if (inShared) {
                    await checkSharedSchemas(source, role, ctx.schemaLayout, failures, notes);
                    await checkDefinerFunctions(source, role, tenantSchemas, failures);
                    // The objects its rows reference stay in place and are granted to it: its own.
                    const ownObjects = await (0,shared_large_objects/* tenantSideReferenced */.VC)(source, ctx.plan.largeObjects?.columns ?? [], (0,db/* plannedTables */.uS)(ctx));
                    await checkLargeObjects(source, role, [role, ctx.names.ownerRole], ownObjects, failures, notes);
                }
            }
            else
                notes.push(`role ${role} does not exist on the shared database's server`);
            if (ctx.separateServers && exists.rowCount) {
                failures.push(`role ${role} exists on the shared database's server too: on a target server of its own, the tenant's role must exist only there (drop it on the shared server if nothing uses it)`);
            }
            // Row security: same tables enabled/forced, same policy names — of the source's policies,
            // those for PUBLIC or a remapped role ($2; all when unknown): the clone leaves the others out.
            const rlsSql = `SELECT c.oid::regclass::text AS tbl, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
                             array(SELECT p.polname::text FROM pg_policy p WHERE p.polrelid = c.oid
                                      AND ($2::text[] IS NULL OR 0::oid = ANY (p.polroles) OR EXISTS (
                                           SELECT 1 FROM pg_roles pr WHERE pr.oid = ANY (p.polroles) AND pr.rolname = ANY ($2::text[])))
                                    ORDER BY 1) AS policies
                        FROM pg_class c WHERE c.oid = to_regclass($1)`;
            const mapped = ctx.mappedRoles ?? null;
            for (const t of (0,db/* plannedTables */.uS)(ctx)) {
                const s = (await source.query(rlsSql, [
                    t.qualified,
                    mapped,
                ])).rows[0];
                const d = (await admin.query(rlsSql, [
                    (0,plan_types/* targetOf */.$r)(t),
                    null,
                ])).rows[0];
                if (!s)
                    continue;
                if (!d) {
                    failures.push(`${(0,plan_types/* targetOf */.$r)(t)} is missing in the new database`);
                    continue;
                }
                if (s.enabled && !d.enabled)
                    failures.push(`${t.qualified}: row level security is enabled in the source, not in the new database`);
                if (s.forced && !d.forced)
                    failures.push(`${t.qualified}: row level security is forced in the source, not in the new database`);
                const missing = s.policies.filter((p) => !d.policies.includes(p));
                if (missing.length)
                    failures.push(`${t.qualified}: policies missing in the new database: ${missing.join(', ')}`);
            }
            // Act as the tenant: connect, read and write one table, roll back. Without the password
            // (status --verify: it is stored nowhere) the privileges are still checked, the login is not.
            if (!ctx.appRole.password) {
                notes.push(`did not log in as ${role}: no password given (privileges checked from the catalog only)`);
            }
            else {
                try {
                    asTenant = await (0,db/* connectFor */.It)(ctx.targetUrl, budgetMs, ctx.appRole);
                }
                catch (e) {
                    failures.push(`role ${role} cannot connect to ${ctx.names.database}: ${(0,secrets/* redact */.E$)((0,errors/* describeError */.Uc)(e).message)}`);
                }
            }
            // The probe below must run as the tenant's role, not the admin whose URL it came from.
            if (asTenant) {
                const { rows } = await asTenant.query('SELECT current_user AS u');
                if (rows[0]?.u !== role) {
                    failures.push(`logged in as ${rows[0]?.u ?? 'nobody'} instead of ${role}: the probe proves nothing`);
                    await (0,db/* closeQuietly */.EO)(asTenant);
                    asTenant = undefined;
                }
            }
            // Schema level: the role's own search_path (set on it for its database) starts with the
            // tenant's schemas, so the application's bare names reach the tenant's tables and nothing
            // else; without it they would resolve elsewhere or not at all.
            if (asTenant && ctx.schemaLayout) {
                const want = ctx.schemaLayout.searchPath;
                const { rows } = await asTenant.query(`SELECT current_schemas(false)::text[] AS s`);
                const got = rows[0]?.s ?? [];
                const tenantSchemas = ctx.schemaLayout.mappings.map((m) => m.target);
                const first = got.slice(0, tenantSchemas.length);
                if (want[0] === undefined || got[0] !== want[0] || !tenantSchemas.every((x) => first.includes(x)))
                    failures.push(`role ${role}'s search_path resolves to ${got.join(', ') || 'no schema'}, not the tenant's schemas ${want.join(', ')} first (ALTER ROLE … IN DATABASE … SET search_path)`);
                else
                    notes.push(`role ${role}'s search_path: ${got.join(', ')}`);
            }
            const tables = (0,db/* plannedTables */.uS)(ctx).filter((t) => t.columns.length > 0);
            // The clone gives the tenant's role what the shared application's roles held there
            // (remapped): a log table they may only append to stays append-only. Without such roles it
            // gets DML on every table. Either way the role must hold at least that.
            const mappedRoles = ctx.mappedRoles?.length ? ctx.mappedRoles : undefined;
            const writable = [];
            for (const t of tables) {
                const held = (url, who, table) => url.query(`SELECT coalesce(bool_or(has_table_privilege(r.oid, c.oid, 'SELECT')), false) AS s,
                    coalesce(bool_or(has_table_privilege(r.oid, c.oid, 'INSERT')), false) AS i,
                    coalesce(bool_or(has_table_privilege(r.oid, c.oid, 'UPDATE')), false) AS u,
                    coalesce(bool_or(has_table_privilege(r.oid, c.oid, 'DELETE')), false) AS d
               FROM pg_roles r, pg_class c WHERE r.rolname = ANY ($1::text[]) AND c.oid = to_regclass($2)`, [who, table]);
                const p = (await held(admin, [role], (0,plan_types/* targetOf */.$r)(t))).rows[0];
                const expected = mappedRoles
                    ? (await held(source, mappedRoles, t.qualified)).rows[0]
                    : { s: true, i: true, u: true, d: true };
                const keys = ['s', 'i', 'u', 'd'].filter((k) => expected?.[k] ?? true);
                if (keys.length === 4)
                    writable.push(t);
                const lacking = p
                    ? keys.filter((k) => !p[k]).map((k) => ({ s: 'SELECT', i: 'INSERT', u: 'UPDATE', d: 'DELETE' })[k])
                    : ['all'];
                if (lacking.length)
                    failures.push(`role ${role} lacks ${lacking.join(', ')} on ${(0,plan_types/* targetOf */.$r)(t)}${mappedRoles ? ` (which ${mappedRoles.join(', ')} held on the shared table)` : ''}`);
            }
            // Into the shared database: as the tenant, a read of a shared table and of another tenant's
            // schema must be refused by the server itself (42501), not merely absent from the catalog.
            if (asTenant && inShared)
                await probeDenied(asTenant, admin, role, tenantSchemas, (0,db/* plannedTables */.uS)(ctx), failures, notes);
            if (asTenant) {
                await asTenant.query('BEGIN');
                try {
                    let wrote = 0;
                    // A real read and write (RLS may hide rows, which is fine: the privilege is what is tested).
                    // Of the tables the role must read and write (not one the application only appends to).
                    const first = writable.find((t) => t.kind !== 'reference' && !t.partitioned) ??
                        writable.find((t) => !t.partitioned);
                    if (first) {
                        const at = (0,plan_types/* targetOf */.$r)(first);
                        await asTenant.query('SAVEPOINT probe');
                        try {
                            await asTenant.query(`SELECT 1 FROM ${at} LIMIT 1`);
                            // INSERT and DELETE privileges are checked when the statement starts, even for no rows.
                            const cols = first.columns.join(', ');
                            await asTenant.query(`INSERT INTO ${at} (${cols}) OVERRIDING SYSTEM VALUE SELECT ${cols} FROM ${at} WHERE false`);
                            await asTenant.query(`DELETE FROM ${at} WHERE false`);
                            // A real write: a no-op update of one row (a key column may be an identity column).
                            const col = first.columns.find((c) => !first.keyColumns.includes(c)) ?? first.columns[0];
                            const r = await asTenant.query(`UPDATE ${at} t SET ${col} = t.${col} WHERE ctid = (SELECT ctid FROM ${at} LIMIT 1)`);
                            wrote = r.rowCount ?? 0;
                        }
                        catch (e) {
                            await asTenant.query('ROLLBACK TO SAVEPOINT probe');
                            const err = (0,errors/* describeError */.Uc)(e);
                            // A row-level security policy reading a session setting the application sets
                            // (current_setting('app.current_tenant')) fails for a session that has not set it:
                            // the privileges were proved from the catalog above; the rows are the policy's to judge.
                            if (e.code === '42704' && /configuration parameter/.test(err.message))
                                notes.push(`role ${role} read ${at} only as far as its row-level security allows: ${(0,secrets/* redact */.E$)(err.message)} (the application sets it)`);
                            else
                                failures.push(`role ${role} cannot read and write ${at}: ${(0,secrets/* redact */.E$)(err.message)}`);
                        }
                        notes.push(`connected as ${role}, read ${at} and updated ${wrote} row(s) in a transaction rolled back`);
                    }
                }
                finally {
                    await asTenant.query('ROLLBACK').catch(() => undefined);
                }
            }
        }
        finally {
            await (0,db/* closeQuietly */.EO)(asTenant);
            await (0,db/* closeQuietly */.EO)(source);
            await (0,db/* closeQuietly */.EO)(admin);
        }
        if (failures.length)
            return (0,validation_check/* fail */.fJ)(failures[0] ?? 'access control', (0,validation_check/* capDetails */.Tw)([...failures, ...warnings, ...notes]));
        if (warnings.length)
            return (0,validation_check/* warn */.R8)(warnings[0] ?? 'access control', (0,validation_check/* capDetails */.Tw)([...warnings, ...notes]));
        const reach = ctx.schemaLayout?.into === 'shared-database'
            ? `its schema(s) ${ctx.schemaLayout.mappings.map((m) => m.target).join(', ')} of ${ctx.sharedDatabase}`
            : ctx.names.database;
        return (0,validation_check/* pass */.IX)(`role ${role} reaches ${reach} only`, (0,validation_check/* capDetails */.Tw)(notes));
    },
};
/**
 * Schema level into the shared database, per schema of it that is not the tenant's: no CREATE
 * anywhere (a table of its own in `public` would be a way around isolation), and USAGE only on
 * the extensions' schemas it was given. USAGE that reaches it through PUBLIC — PostgreSQL's
 * default on `public` — lets it see names and call functions there (EXECUTE is PUBLIC's by
 * default too); what those could read is checked apart (table, column and sequence privileges
 * above, SECURITY DEFINER functions and large objects below). It is a note, with the remedy,
 * except on another tenant's schema, where it fails.
 */
async function checkSharedSchemas(source, role, layout, failures, notes) {
    const own = layout.mappings.map((m) => m.target);
    const given = layout.searchPath.filter((s) => !own.includes(s));
    const { rows } = await source.query(`SELECT n.nspname, has_schema_privilege($1, n.oid, 'CREATE') AS can_create,
            has_schema_privilege($1, n.oid, 'USAGE') AS can_use,
            EXISTS (SELECT 1 FROM aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) x
                     WHERE x.grantee = 0 AND x.privilege_type = 'USAGE') AS public_use,
            ${(0,tool_schemas/* toolOrTenantSchemaSql */.$w)('n')} AS promoted
       FROM pg_namespace n
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
        AND n.nspname::text <> ALL ($2::text[])
      ORDER BY 1`, [role, own]);
    const throughPublic = [];
    for (const r of rows) {
        if (r.can_create)
            failures.push(`role ${role} may CREATE in schema ${r.nspname} of the shared database`);
        if (!r.can_use)
            continue;
        if (r.promoted)
            failures.push(`role ${role} has USAGE on ${r.nspname}, another tenant's (or the tool's) schema`);
        else if (r.public_use)
            throughPublic.push(r.nspname);
        else if (!given.includes(r.nspname))
            failures.push(`role ${role} is granted USAGE on schema ${r.nspname} of the shared database`);
    }
    if (throughPublic.length)
        notes.push(`role ${role} has USAGE on ${throughPublic.join(', ')} through PUBLIC (PostgreSQL's default on public): it sees the names there and may call the functions PUBLIC may execute (none SECURITY DEFINER: proved), and reads no table, column, sequence or large object not its own (proved); to hide even the names, REVOKE USAGE ON SCHEMA … FROM PUBLIC and grant it to the roles that need it`);
}
/**
 * Into the shared database: a SECURITY DEFINER function runs as its owner, so one the tenant's
 * role may call (EXECUTE is PUBLIC's by default) reads whatever its owner reads — every tenant's
 * rows — whatever the table privileges say. Any outside the tenant's schemas, in a schema the role
 * may use, fails: what a body reads is not for this check to judge.
 */
async function checkDefinerFunctions(source, role, own, failures) {
    const { rows } = await source.query(`SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS fn
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname::text <> ALL ($2::text[])
        AND has_schema_privilege($1, n.oid, 'USAGE') AND has_function_privilege($1, p.oid, 'EXECUTE')
      ORDER BY 1`, [role, own]);
    if (rows.length)
        failures.push(`role ${role} may call ${rows.length} SECURITY DEFINER function(s) of the shared database, which run as their owner and read what it reads: ${rows
            .slice(0, 5)
            .map((r) => r.fn)
            .join(', ')} (fix: REVOKE EXECUTE ON FUNCTION <function> FROM PUBLIC, then GRANT EXECUTE to the roles that need it)`);
}
/**
 * Into the shared database: large objects exist once per database, outside every table. The
 * tenant's own are those its rows reference (granted to it in place) and those its roles own
 * (created after the switch); one other it may read or write (through PUBLIC, a grant to it or to
 * a role it is a member of, or lo_compat_privileges, which turns every check off) is a leak.
 */
async function checkLargeObjects(source, role, ownRoles, ownObjects, failures, notes) {
    const { rows } = await source.query(`WITH own AS (SELECT oid FROM pg_roles WHERE rolname = ANY ($2::text[])),
          reach AS (
            SELECT m.oid FROM pg_largeobject_metadata m
             WHERE m.lomowner NOT IN (SELECT oid FROM own)
               AND NOT (m.oid = ANY ($3::oid[]))
               AND (current_setting('lo_compat_privileges')::boolean
                    OR pg_has_role($1, m.lomowner, 'MEMBER')
                    OR EXISTS (SELECT 1 FROM aclexplode(m.lomacl) x
                                WHERE x.privilege_type IN ('SELECT', 'UPDATE')
                                  AND (x.grantee = 0 OR pg_has_role($1, x.grantee, 'MEMBER')))))
     SELECT current_setting('lo_compat_privileges')::boolean AS compat, (SELECT count(*) FROM reach)::text AS n,
            array(SELECT oid::text FROM reach ORDER BY oid LIMIT 5) AS oids`, [role, ownRoles, ownObjects]);
    if (ownObjects.length)
        notes.push(`role ${role} may use the ${ownObjects.length} large object(s) its rows reference (in place in the shared database, granted to it) and no other`);
    const r = rows[0];
    if (!r || r.n === '0')
        return;
    failures.push(r.compat
        ? `lo_compat_privileges is on in the shared database: role ${role} may read and write its ${r.n} large object(s) that are not the tenant's (fix: ALTER SYSTEM SET lo_compat_privileges = off, or ALTER DATABASE … SET lo_compat_privileges = off, then reload)`
        : `role ${role} may read or write ${r.n} large object(s) of the shared database that are not the tenant's: ${r.oids.join(', ')}${Number(r.n) > r.oids.length ? ', …' : ''} (fix: REVOKE ALL ON LARGE OBJECT <oid> FROM PUBLIC, or from the role that passes it on)`);
}
/** As the tenant's role: reading a shared table and another tenant's table must be refused (42501). */
async function probeDenied(asTenant, admin, role, own, planned, failures, notes) {
    const targets = [];
    // The shared table the tenant's first table was cloned from.
    const first = planned.find((t) => !t.partitioned);
    if (first)
        targets.push(first.qualified);
    // One table of each other schema-level tenant in this database (their owner is a tool role).
    const { rows } = await admin.query(`SELECT DISTINCT ON (n.nspname) format('%I.%I', n.nspname, c.relname) AS tbl
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND ${(0,tool_schemas/* toolOrTenantSchemaSql */.$w)('n')} AND NOT starts_with(n.nspname::text, '${tool_schemas/* TOOL_SCHEMA_PREFIX */.UB}')
        AND n.nspname::text <> ALL ($1::text[])
      ORDER BY n.nspname, c.relname`, [own]);
    targets.push(...rows.map((r) => r.tbl));
    for (const tbl of targets) {
        await asTenant.query('BEGIN');
        try {
            await asTenant.query(`SELECT 1 FROM ${tbl} LIMIT 1`);
            failures.push(`role ${role} read ${tbl}, which is not its own`);
        }
        catch (e) {
            if (e.code === '42501')
                notes.push(`role ${role} was refused reading ${tbl}`);
            else
                failures.push(`reading ${tbl} as ${role} failed otherwise than refused: ${(0,secrets/* redact */.E$)((0,errors/* describeError */.Uc)(e).message)}`);
        }
        finally {
            await asTenant.query('ROLLBACK').catch(() => undefined);
        }
    }
}

// EXTERNAL MODULE: ./src/postgres/checksum.ts
var checksum = __webpack_require__(73600);
;// CONCATENATED MODULE: ./src/validation/table-scan.ts



/**
 * Columns of the tenants table that the promotion itself writes in the shared database (the
 * switch sets isolation_mode and settings.isolation; finish and cleanup update settings): the
 * tenant's shared row differs from its copy there by design, so comparisons with the shared row
 * leave them out, and say so.
 */
const PROMOTION_COLUMNS = ['isolation_mode', 'settings'];
/** The table as compared with the shared database: the tenants table without PROMOTION_COLUMNS. */
function comparedWithShared(ctx, table) {
    if (table.qualified !== ctx.plan.tenantsTable.qualified)
        return { table };
    const r = (0,checksum/* withoutColumns */.il)(table, PROMOTION_COLUMNS);
    if (r.excluded.length === 0)
        return { table };
    return {
        table: r.table,
        note: `${table.qualified}: ${r.excluded.join(', ')} excluded (changed by the promotion)`,
    };
}
/**
 * The run's table scans (`ctx.run`, one per runChecks call), started by the first check that
 * asks, with its budget as the sessions' statement_timeout. Without a run (a check called on its
 * own), scans of its own.
 */
function tableScans(ctx, budgetMs) {
    if (!ctx.run)
        return startScans(ctx, budgetMs);
    ctx.run.tableScans ??= startScans(ctx, budgetMs);
    return ctx.run.tableScans;
}
function startScans(ctx, budgetMs) {
    const tables = (0,db/* plannedTables */.uS)(ctx);
    const pending = new Map();
    for (const t of tables) {
        let resolve;
        let reject;
        const promise = new Promise((res, rej) => {
            resolve = res;
            reject = rej;
        });
        // A table no check waits for (its check already failed) must not be an unhandled rejection.
        promise.catch(() => undefined);
        pending.set(t.qualified, { promise, resolve, reject });
    }
    const settled = (async () => {
        let source;
        let target;
        let i = 0;
        try {
            if (!ctx.recorded)
                source = await (0,db/* openSource */.oD)(ctx, budgetMs);
            target = await (0,db/* openTarget */.Ap)(ctx, budgetMs);
            for (; i < tables.length; i++) {
                const t = tables[i];
                pending.get(t.qualified).resolve(await scanTable(ctx, source, target, t));
            }
        }
        catch (e) {
            // The source session's transaction is aborted by a failed query: the rest are not scanned.
            for (; i < tables.length; i++)
                pending.get(tables[i].qualified).reject(e);
        }
        finally {
            await (0,db/* closeQuietly */.EO)(source);
            await (0,db/* closeQuietly */.EO)(target);
        }
    })();
    return {
        settled,
        table(qualified) {
            const p = pending.get(qualified);
            if (!p)
                return Promise.reject(new Error(`${qualified} is not a planned table.`));
            return p.promise;
        },
    };
}
async function scanTable(ctx, source, target, t) {
    if (source) {
        // Both sides digested now: the per-column row hash (checksum.ts RowHashForm).
        const r = await (0,checksum/* compareTable */.WK)(source, target, comparedWithShared(ctx, t).table, { form: checksum/* COLUMNS_FORM */.re });
        return {
            kind: 'compared',
            sourceCount: r.source.count,
            targetCount: r.target.count,
            equal: r.equal,
            differences: r.differences,
        };
    }
    const recorded = ctx.recorded?.[t.qualified];
    if (!recorded)
        return { kind: 'unrecorded' };
    // Compared with the digest recorded at the switch, in the form it was recorded in.
    const now = await (0,checksum/* digestTable */.lN)(target, (0,plan_types/* onTarget */.Hp)(t), 'target', {
        form: (0,checksum/* recordedForm */.Rl)(recorded),
        locate: false,
    });
    return { kind: 'recorded', recorded, now };
}

;// CONCATENATED MODULE: ./src/validation/checksums.ts





/** Why a difference after the switch is information, not damage. */
const CHANGED_SINCE_SWITCH = 'changed since the switch';
/**
 * Per table: a digest of the tenant's rows, computed by PostgreSQL on both sides, is equal.
 * Against the shared database, the tenants table's PROMOTION_COLUMNS are left out. Against the
 * digests recorded at the switch (`status --verify`), every column is compared: they were taken
 * from the new database before the switch wrote the shared row, and the switch never writes the
 * copy; a difference there is a change since the switch (information), not a failure.
 */
const checksums = {
    name: 'checksums',
    title: 'Checksums',
    async run(ctx, budgetMs) {
        const tables = (0,db/* plannedTables */.uS)(ctx);
        // The run's one pass per table (table-scan.ts), which row-counts reads too.
        const scans = tableScans(ctx, budgetMs);
        const differences = [];
        const notes = [];
        const tablesDiffering = new Set();
        const times = new validation_check/* TableTimes */.xD();
        const againstShared = !ctx.recorded;
        for (const t of tables) {
            times.next(t.qualified);
            const scan = await scans.table(t.qualified);
            if (scan.kind === 'compared') {
                const note = comparedWithShared(ctx, t).note;
                if (note)
                    notes.push(note);
                if (!scan.equal) {
                    tablesDiffering.add(t.qualified);
                    differences.push(...scan.differences);
                }
            }
            else if (scan.kind === 'unrecorded') {
                tablesDiffering.add(t.qualified);
                differences.push(`${t.qualified}: no digest was recorded at the switch`);
            }
            else {
                const { recorded: rec, now: d } = scan;
                if (t.qualified === ctx.plan.tenantsTable.qualified) {
                    notes.push(`${t.qualified}: every column compared with the digest recorded at the switch (the switch changed ${PROMOTION_COLUMNS.join(', ')} in the shared row only)`);
                }
                if (!(0,checksum/* matchesRecorded */.A2)(rec, d)) {
                    tablesDiffering.add(t.qualified);
                    differences.push(`${t.qualified}: recorded ${rec.count} rows (digest ${rec.digest.slice(0, 12)}), now ${d.count} rows (digest ${d.digest.slice(0, 12)})`);
                }
            }
        }
        if (differences.length) {
            const summary = `${tablesDiffering.size} of ${tables.length} tables differ: ${differences[0]}`;
            if (ctx.afterSwitch) {
                return times.attach((0,validation_check/* warn */.R8)(`${CHANGED_SINCE_SWITCH} (the application's writes; information, not damage): ${tablesDiffering.size} of ${tables.length} tables differ from ${againstShared ? 'the shared rows' : 'the digests recorded at the switch'}: ${differences[0]}`, (0,validation_check/* capDetails */.Tw)([...differences, ...notes])));
            }
            return times.attach((0,validation_check/* fail */.fJ)(summary, (0,validation_check/* capDetails */.Tw)([...differences, ...notes])));
        }
        return times.attach((0,validation_check/* pass */.IX)(`${tables.length} tables: digests equal${againstShared ? '' : ' to those recorded at the switch'}`, notes));
    },
};

// EXTERNAL MODULE: ./src/postgres/catalog.ts
var catalog = __webpack_require__(17092);
// EXTERNAL MODULE: ./src/postgres/tenant-key.ts
var tenant_key = __webpack_require__(72713);
;// CONCATENATED MODULE: ./src/validation/foreign-rows.ts








/**
 * The new database holds no row of another tenant and every foreign key is valid (validated, and
 * an anti-join finds no orphan). "Another tenant's row" is judged twice: by the plan's tenant
 * predicate evaluated in the new database, and independently of the plan (see tenantKeyProblems),
 * so a plan that selected the wrong tenant cannot pass.
 */
const foreignRows = {
    name: 'foreign-rows',
    title: 'No foreign rows',
    async run(ctx, budgetMs) {
        let target;
        try {
            target = await (0,db/* openTarget */.Ap)(ctx, budgetMs);
            const problems = [];
            // Every copied row satisfies its table's predicate in the new database: the tenant's rows by
            // the tenant key or their parents; global rows (NULL key) and referenced rows (users behind
            // memberships, their tokens) by a copied row of the tenant that references them. Tables copied
            // whole (`true`) hold no tenant's rows to judge.
            let judged = 0;
            let shared = 0;
            // Independent of the plan (see tenantKeyProblems): each tenant-keyed table's own predicate,
            // counted in the same scan as the plan's predicate where both read the same rows.
            const independent = await tenantKeyJudge(target, ctx);
            const independentLeft = new Map(independent.tables.map((x) => [x.from, x]));
            const independentProblems = [...independent.problems];
            const times = new validation_check/* TableTimes */.xD();
            for (const planned of (0,db/* plannedTables */.uS)(ctx)) {
                times.next(planned.qualified);
                // The plan's predicate, naming the tenant's tables where they are in the new database.
                const t = (0,plan_types/* onTarget */.Hp)(planned);
                if (t.where.trim() === 'true')
                    continue;
                judged++;
                if (t.kind === 'referenced' || t.ownWhere !== undefined)
                    shared++;
                const from = (0,checksum/* fromTable */.bs)(t);
                const also = independentLeft.get(from);
                independentLeft.delete(from);
                const r = await target.query(`SELECT count(*) FILTER (WHERE (${t.where}) IS NOT TRUE) AS n, ${also ? `count(*) FILTER (WHERE ${also.where})` : 'NULL::bigint'} AS other FROM ${from} t`, also?.params ?? []);
                const n = Number(r.rows[0]?.n ?? 0);
                if (n > 0)
                    problems.push(`${t.qualified}: ${n} row(s) that do not belong to tenant ${ctx.names.slug}`);
                if (also)
                    also.found = Number(r.rows[0]?.other ?? 0);
            }
            times.done();
            for (const x of independent.tables) {
                // Tables the plan does not judge by a predicate (or names otherwise): their own scan.
                if (independentLeft.has(x.from)) {
                    const r = await target.query(`SELECT count(*) AS n FROM ${x.from} t WHERE ${x.where}`, x.params);
                    x.found = Number(r.rows[0]?.n ?? 0);
                }
                if (x.found > 0)
                    independentProblems.push(x.problem(x.found));
            }
            problems.push(...independentProblems);
            // Foreign keys declared on partitions are clones of the parent's: check the parent's only.
            const fks = await target.query(`
        SELECT c.conname AS name, c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent,
               array(SELECT quote_ident(a.attname) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS child_cols,
               array(SELECT quote_ident(a.attname) FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS parent_cols,
               c.convalidated AS validated
          FROM pg_constraint c
          JOIN pg_class r ON r.oid = c.conrelid
         WHERE c.contype = 'f' AND c.conparentid = 0 AND NOT r.relispartition
           AND ($1::text[] IS NULL OR r.relnamespace IN (SELECT oid FROM pg_namespace WHERE nspname::text = ANY ($1::text[])))
         ORDER BY 2, 1`, 
            // Into the shared database: the tenant's schemas' keys only, not every shared table's.
            [
                ctx.schemaLayout?.into === 'shared-database'
                    ? ctx.schemaLayout.mappings.map((m) => m.target)
                    : null,
            ]);
            for (const fk of fks.rows) {
                const label = `${fk.child} → ${fk.parent} (${fk.name})`;
                if (!fk.validated)
                    problems.push(`${label}: constraint is NOT VALID (never checked)`);
                const notNull = fk.child_cols.map((c) => `c.${c} IS NOT NULL`).join(' AND ');
                const join = fk.child_cols.map((c, i) => `p.${fk.parent_cols[i]} = c.${c}`).join(' AND ');
                // regclass text is already quoted as needed.
                const r = await target.query(`SELECT count(*) AS n FROM ${fk.child} c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${fk.parent} p WHERE ${join})`);
                const n = Number(r.rows[0]?.n ?? 0);
                if (n > 0)
                    problems.push(`${label}: ${n} row(s) whose parent is missing`);
            }
            if (problems.length)
                return times.attach((0,validation_check/* fail */.fJ)(problems[0] ?? 'foreign rows found', (0,validation_check/* capDetails */.Tw)(problems)));
            const sharedText = shared
                ? `, ${shared} of them holding referenced or global rows, each used by a copied row of the tenant`
                : '';
            return times.attach((0,validation_check/* pass */.IX)(`every row is the tenant's (${independent.summary}; ${judged} tables judged by their predicates${sharedText}); ${fks.rows.length} foreign keys valid`));
        }
        finally {
            await (0,db/* closeQuietly */.EO)(target);
        }
    },
};
const q = esm/* default.escapeIdentifier */.Ay.escapeIdentifier;
/**
 * Independent of the plan and of the value it was given: the new database's tenants table holds
 * exactly one row, the tenant's (by slug), and every table carrying the tenant key holds only that
 * row's value in it — the column resolved by the same rule (resolveTenantKeyColumn) from the new
 * database's own catalog. The tenants table is read here; the per-table predicates are returned
 * for the caller to count (in the same scan as the plan's predicate of that table, when it has one).
 */
async function tenantKeyJudge(target, ctx) {
    const slug = ctx.names.slug;
    // Into the shared database: the tenant's schemas only (the shared tables beside them hold every tenant's rows).
    const only = ctx.schemaLayout?.into === 'shared-database' ? ctx.schemaLayout.mappings.map((m) => m.target) : undefined;
    const graph = await (0,catalog/* readTableGraph */.r)(target, only);
    let resolved;
    try {
        resolved = (0,tenant_key/* resolveTenantKeyColumn */.C_)(graph, {
            tenantsTable: (0,plan_types/* targetOf */.$r)(ctx.plan.tenantsTable),
            tenantKey: ctx.tenantKey,
            tenantIdColumn: ctx.tenantIdColumn,
        });
    }
    catch (e) {
        return {
            problems: [
                `the new database does not say which tenant its rows belong to: ${(0,errors/* describeError */.Uc)(e).message}`,
            ],
            summary: '',
            tables: [],
        };
    }
    const root = resolved.tenantsTable;
    const rootName = `${q(root.schema)}.${q(root.name)}`;
    const rows = (await target.query(`SELECT t.slug::text AS slug, t.${q(resolved.column)}::text AS value FROM ${rootName} t`)).rows;
    const problems = [];
    const others = rows.filter((r) => r.slug !== slug);
    if (others.length > 0) {
        const slugs = others.map((r) => JSON.stringify(r.slug)).slice(0, 5);
        problems.push(`${rootName}: ${others.length} row(s) of another tenant (slug ${slugs.join(', ')}${others.length > 5 ? ', …' : ''}); it must hold only tenant ${slug}'s row`);
    }
    const mine = rows.filter((r) => r.slug === slug);
    if (mine.length !== 1) {
        problems.push(`${rootName}: ${mine.length} row(s) of tenant ${slug}, expected exactly one`);
        return { problems, summary: '', tables: [] };
    }
    const value = mine[0].value;
    if (value === null) {
        problems.push(`${rootName}: tenant ${slug}'s ${resolved.column} is NULL`);
        return { problems, summary: '', tables: [] };
    }
    const byKey = new Map(graph.tables.map((t) => [`${t.schema}\u0000${t.name}`, t]));
    const tables = resolved.tables.map((t) => {
        const name = `${q(t.schema)}.${q(t.name)}`;
        const info = byKey.get(`${t.schema}\u0000${t.name}`);
        const fits = (0,tenant_key/* valueFits */.Uk)(value, t.type);
        return {
            // A partitioned table's rows are its partitions'; a plain table's own rows only (inheritance
            // children are tables of their own in this list).
            from: info?.relkind === 'p' ? name : `ONLY ${name}`,
            // A NULL tenant key marks a global row: judged by the plan's predicate (copied only when a
            // copied row of the tenant references it), not here.
            where: fits
                ? `t.${q(ctx.tenantKey)} IS NOT NULL AND t.${q(ctx.tenantKey)} IS DISTINCT FROM $1::${t.type}`
                : `t.${q(ctx.tenantKey)} IS NOT NULL`,
            params: fits ? [value] : [],
            problem: (n) => `${name}: ${n} row(s) whose ${ctx.tenantKey} is not ${value} (${resolved.column} of tenant ${slug}'s row in the new database)`,
        };
    });
    return {
        problems,
        summary: `${ctx.tenantKey} = ${root.name}.${resolved.column} of ${slug} in ${resolved.tables.length} tables`,
        tables,
    };
}

// EXTERNAL MODULE: ./src/postgres/large-objects.ts
var large_objects = __webpack_require__(52593);
;// CONCATENATED MODULE: ./src/validation/large-objects.ts





/**
 * Every large object the tenant's rows reference in the shared database (at the copy snapshot)
 * exists in the new database with the same content: same size and the same hash, computed by
 * each server chunk by chunk. Copying an `oid` column copies only the number, so a check of the
 * rows alone passes while the data is gone: this one fails then.
 *
 * In `status --verify` (after the switch) the shared rows may be gone (cleanup) and the
 * application may have changed the objects: every object the new database's rows reference that
 * the shared database has must exist in the new one (missing: failure); content differences, and
 * objects the shared rows still reference that the new database no longer has, are changes since
 * the switch (information).
 */
const largeObjects = {
    name: 'large-objects',
    title: 'Large objects',
    async run(ctx, budgetMs) {
        const tables = (0,db/* plannedTables */.uS)(ctx);
        let source;
        let target;
        try {
            source = await (0,db/* openSource */.oD)(ctx, budgetMs);
            target = await (0,db/* openTarget */.Ap)(ctx, budgetMs);
            const columns = ctx.plan.largeObjects?.columns ?? (await (0,large_objects/* findLargeObjectColumns */.RK)(source, tables));
            if (columns.length === 0)
                return (0,validation_check/* pass */.IX)('no oid or lo column in the planned tables');
            const where = columns.map((c) => `${c.schema}.${c.name}.${c.columnName}`).join(', ');
            const after = ctx.afterSwitch === true;
            if (ctx.schemaLayout?.into === 'shared-database')
                return await inPlace(ctx, source, target, columns, tables, where);
            // What the shared rows reference (at the snapshot), and — after the switch — what the new
            // database's rows reference that the shared database has as a large object.
            const expected = await (0,large_objects/* referencedLargeObjects */.rO)(source, columns, tables);
            let mustExist = new Set(expected);
            if (after) {
                // OIDs the new database's rows carry (whether or not it has them as large objects)…
                const carried = await target.query(`SELECT DISTINCT x.o::text AS o FROM (${columns
                    .map((c) => `SELECT t.${c.column}::oid AS o FROM ${c.table} t WHERE t.${c.column} IS NOT NULL`)
                    .join(' UNION ')}) x`);
                // … of which those the shared database has as large objects must be in the new one.
                const inShared = await source.query(`SELECT m.oid::text AS o FROM pg_largeobject_metadata m WHERE m.oid = ANY ($1::oid[])`, [carried.rows.map((r) => r.o)]);
                mustExist = new Set(inShared.rows.map((r) => r.o));
            }
            const all = [...new Set([...expected, ...mustExist])].sort((a, b) => Number(a) - Number(b));
            if (all.length === 0)
                return (0,validation_check/* pass */.IX)(`no large object referenced by the tenant's rows (oid columns: ${where})`);
            const want = await (0,large_objects/* hashLargeObjects */.GE)(source, all);
            const have = await (0,large_objects/* hashLargeObjects */.GE)(target, all);
            const failures = [];
            const changes = [];
            let bytes = 0;
            for (const o of all) {
                const a = want.get(o);
                const b = have.get(o);
                if (b)
                    bytes += b.size;
                if (!b) {
                    const line = `large object ${o}: ${after && !mustExist.has(o) ? 'no longer in the new database (referenced by the shared rows)' : 'missing in the new database'}`;
                    if (after && !mustExist.has(o))
                        changes.push(line);
                    else
                        failures.push(line);
                }
                else if (a && (a.size !== b.size || a.hash !== b.hash)) {
                    const line = `large object ${o}: content differs (${a.size} bytes in the shared database, ${b.size} in the new one${a.size === b.size ? ', hashes differ' : ''})`;
                    if (after)
                        changes.push(line);
                    else
                        failures.push(line);
                }
            }
            if (failures.length)
                return (0,validation_check/* fail */.fJ)(`${failures.length} of ${all.length} referenced large objects are missing or differ: ${failures[0]}`, (0,validation_check/* capDetails */.Tw)([...failures, ...changes]));
            if (changes.length)
                return (0,validation_check/* warn */.R8)(`${CHANGED_SINCE_SWITCH} (information, not damage): ${changes.length} of ${all.length} large objects: ${changes[0]}`, (0,validation_check/* capDetails */.Tw)(changes));
            return (0,validation_check/* pass */.IX)(`${all.length} large objects (${(0,large_objects/* formatBytes */.z3)(bytes)}) referenced through ${where}: present in the new database with identical content`);
        }
        finally {
            await (0,db/* closeQuietly */.EO)(source);
            await (0,db/* closeQuietly */.EO)(target);
        }
    },
};
/**
 * Schema level into the shared database: the objects were not copied — the tenant's rows in its
 * schemas reference the very objects the shared rows referenced (same OID, same content: one
 * pg_largeobject). What can go wrong is that one is gone or out of the tenant's reach: every OID
 * the tenant's rows carry, and every object the shared rows referenced at the snapshot, must
 * exist, and the tenant's application role must read it (and write it where the shared side let
 * its application write: shared-large-objects.ts).
 */
async function inPlace(ctx, source, target, columns, tables, where) {
    const expected = ctx.afterSwitch ? [] : await (0,large_objects/* referencedLargeObjects */.rO)(source, columns, tables);
    const parts = (0,shared_large_objects/* tenantSideOidSelects */.ZF)(columns, tables);
    const carried = parts.length
        ? (await target.query(`SELECT x.o::text AS o, EXISTS (SELECT 1 FROM pg_largeobject_metadata m WHERE m.oid = x.o) AS present
             FROM (SELECT o FROM unnest($1::oid[]) AS o UNION ${parts.join(' UNION ')}) x ORDER BY x.o`, [expected])).rows
        : [];
    if (carried.length === 0)
        return (0,validation_check/* pass */.IX)(`no large object referenced by the tenant's rows (oid columns: ${where})`);
    const failures = carried
        .filter((r) => !r.present)
        .map((r) => `large object ${r.o}: referenced by the tenant's rows, missing in the shared database`);
    const present = carried.filter((r) => r.present).map((r) => r.o);
    const role = ctx.appRole.name;
    for (const l of await (0,shared_large_objects/* lackingAccess */.sm)(target, role, present))
        failures.push(`large object ${l.o}: role ${role} lacks ${l.missing} on it`);
    if (failures.length)
        return (0,validation_check/* fail */.fJ)(`${failures.length} of ${carried.length} large objects the tenant's rows reference are missing or out of its reach: ${failures[0]}`, (0,validation_check/* capDetails */.Tw)(failures));
    return (0,validation_check/* pass */.IX)(`${carried.length} large objects referenced through ${where}: in place in the shared database (the same objects, not copied), each readable by ${role}`);
}

;// CONCATENATED MODULE: ./src/validation/performance.ts



/** How many of the tenant's largest tables are measured by default. */
const LARGEST = 3;
/** Pure: index names a plan uses. */
function indexesUsed(node) {
    if (!node)
        return [];
    const own = node['Index Name'] ? [node['Index Name']] : [];
    return [...own, ...(node.Plans ?? []).flatMap(indexesUsed)];
}
async function explain(client, sql, params, analyze) {
    const r = await client.query(`EXPLAIN (${analyze ? 'ANALYZE, ' : ''}FORMAT JSON) ${sql}`, params);
    const doc = r.rows[0]?.['QUERY PLAN']?.[0];
    return { plan: doc?.Plan, ms: doc?.['Execution Time'] };
}
/**
 * Which indexes a query can use, with sequential scans priced out: small tables make the
 * planner prefer a sequential scan, which says nothing about a lost index.
 */
async function indexCapability(client, sql, params) {
    await client.query('SAVEPOINT perf');
    try {
        await client.query('SET LOCAL enable_seqscan = off');
        return indexesUsed((await explain(client, sql, params, false)).plan);
    }
    finally {
        await client.query('ROLLBACK TO SAVEPOINT perf');
    }
}
/**
 * Of the tables (as the new database names them), those whose statistics are missing or older than
 * their rows, each with its partitions: never analyzed, no row estimate, or rows changed since the
 * last ANALYZE. A promotion's new database has none yet (clone-schema-after leaves ANALYZE to this
 * check, which always runs, so it is paid once); after the switch (`status --verify`) the tables
 * the application changed are. Statistics only steer the latencies reported: whether a query can
 * use an index is asked with sequential scans priced out.
 */
async function staleTables(client, tables) {
    const r = await client.query(`SELECT x AS tbl FROM unnest($1::text[]) x
      WHERE to_regclass(x) IS NOT NULL AND EXISTS (
            SELECT 1 FROM pg_class c LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
             WHERE (c.oid = to_regclass(x) OR c.oid IN (SELECT relid FROM pg_partition_tree(to_regclass(x))))
               AND c.relkind IN ('r', 'p', 'm')
               AND (c.reltuples < 0 OR s.relid IS NULL OR coalesce(s.last_analyze, s.last_autoanalyze) IS NULL
                    OR s.n_mod_since_analyze > 0))`, [tables]);
    return r.rows.map((row) => row.tbl);
}
async function analyzeStale(client, tables) {
    const stale = await staleTables(client, tables);
    // The names are the plan's quoted target names (as `targetOf` gives them), not user text.
    if (stale.length)
        await client.query(`ANALYZE ${stale.join(', ')}`);
}
const fmt = (ms) => (ms === undefined ? '?' : `${ms.toFixed(2)} ms`);
/**
 * ANALYZE the tenant's tables whose statistics are missing or stale, then on the tenant's largest tables run a primary-key lookup and a
 * tenant-filtered scan on both sides and report latencies side by side. Timing never fails; a
 * query that can use an index in the source but none in the new database does.
 */
function performanceCheck(options = {}) {
    const largest = options.largest ?? LARGEST;
    return {
        name: 'performance',
        title: 'Performance baseline',
        async run(ctx, budgetMs) {
            let source;
            let target;
            try {
                target = await (0,db/* openTarget */.Ap)(ctx, budgetMs);
                await analyzeStale(target, (0,db/* plannedTables */.uS)(ctx).map((t) => (0,plan_types/* targetOf */.$r)(t)));
                source = await (0,db/* openSource */.oD)(ctx, budgetMs);
                // The source session may be inside the snapshot's transaction; otherwise open one for SET LOCAL.
                if (!ctx.snapshotId)
                    await source.query('BEGIN READ ONLY');
                await target.query('BEGIN');
                const sizes = await target.query(`SELECT x AS tbl, coalesce((SELECT sum(greatest(c.reltuples, 0)) FROM pg_class c
                 WHERE c.oid = to_regclass(x) OR c.oid IN (SELECT relid FROM pg_partition_tree(to_regclass(x)))), 0)::bigint::text AS n
           FROM unnest($1::text[]) x`, [(0,db/* plannedTables */.uS)(ctx).map((t) => (0,plan_types/* targetOf */.$r)(t))]);
                // Keyed by the target's names (schema level maps them; the identity at database level).
                const rows = new Map(sizes.rows.map((r) => [r.tbl, Number(r.n)]));
                const candidates = (0,db/* plannedTables */.uS)(ctx)
                    .filter((t) => t.kind !== 'reference' && t.columns.length > 0)
                    .sort((a, b) => (rows.get((0,plan_types/* targetOf */.$r)(b)) ?? b.rows ?? 0) - (rows.get((0,plan_types/* targetOf */.$r)(a)) ?? a.rows ?? 0))
                    .slice(0, largest);
                const lines = [];
                const lost = [];
                for (const t of candidates) {
                    const queries = [];
                    const d = (0,plan_types/* onTarget */.Hp)(t);
                    if (t.keyColumns.length) {
                        const key = t.keyColumns.map((c) => `t.${c}`).join(', ');
                        const sample = await target.query({
                            text: `SELECT ${key} FROM ${d.qualified} t LIMIT 1`,
                            rowMode: 'array',
                        });
                        const values = sample.rows[0];
                        if (values) {
                            const cond = t.keyColumns.map((c, i) => `t.${c} = $${i + 1}`).join(' AND ');
                            queries.push({
                                label: 'primary-key lookup',
                                sourceSql: `SELECT * FROM ${t.qualified} t WHERE ${cond}`,
                                targetSql: `SELECT * FROM ${d.qualified} t WHERE ${cond}`,
                                params: values,
                            });
                        }
                    }
                    if (t.where.trim() !== 'true') {
                        // A page of the tenant's rows, as an application reads them (a full count would cost a
                        // whole scan of a large tenant on both sides). The same predicate on both sides.
                        queries.push({
                            label: 'tenant-filtered scan',
                            sourceSql: `SELECT * FROM ${t.qualified} t WHERE ${t.where} LIMIT 100`,
                            targetSql: `SELECT * FROM ${d.qualified} t WHERE ${d.where} LIMIT 100`,
                            params: [],
                        });
                    }
                    for (const q of queries) {
                        const s = await explain(source, q.sourceSql, q.params, true);
                        const d = await explain(target, q.targetSql, q.params, true);
                        lines.push(`${t.qualified} ${q.label}: shared ${fmt(s.ms)}, new ${fmt(d.ms)}`);
                        const sIdx = await indexCapability(source, q.sourceSql, q.params);
                        const dIdx = await indexCapability(target, q.targetSql, q.params);
                        if (sIdx.length > 0 && dIdx.length === 0) {
                            lost.push(`${t.qualified} ${q.label}: the source uses index ${sIdx.join(', ')}, the new database can use none`);
                        }
                    }
                }
                if (lost.length)
                    return (0,validation_check/* fail */.fJ)(lost[0] ?? 'index lost', (0,validation_check/* capDetails */.Tw)([...lost, ...lines]));
                return (0,validation_check/* pass */.IX)(`${candidates.length} largest table(s) measured; no index lost`, (0,validation_check/* capDetails */.Tw)(lines));
            }
            finally {
                await source?.query('ROLLBACK').catch(() => undefined);
                await target?.query('ROLLBACK').catch(() => undefined);
                await (0,db/* closeQuietly */.EO)(source);
                await (0,db/* closeQuietly */.EO)(target);
            }
        },
    };
}
const performance = performanceCheck();

;// CONCATENATED MODULE: ./src/validation/row-counts.ts






/**
 * Per table: the tenant's rows in the shared database (at the copy snapshot) equal the rows in the
 * new one — or, in `status --verify`, the counts recorded at the switch (a difference is then a
 * change since the switch: information, not a failure).
 */
const rowCounts = {
    name: 'row-counts',
    title: 'Row counts',
    async run(ctx, budgetMs) {
        const tables = (0,db/* plannedTables */.uS)(ctx);
        // The counts come out of the run's one pass per table (table-scan.ts: the digest query counts
        // the rows it hashes, on each side, the source at the copy snapshot). Should that pass stop
        // (an error at some table), this check counts the remaining tables itself, as it always did,
        // so its verdict does not depend on the checksums'.
        const scans = tableScans(ctx, budgetMs);
        let own;
        try {
            const differences = [];
            let total = 0;
            const times = new validation_check/* TableTimes */.xD();
            for (const t of tables) {
                times.next(t.qualified);
                let counts;
                const scan = own ? undefined : await scans.table(t.qualified).catch(() => undefined);
                if (scan?.kind === 'compared')
                    counts = { expected: scan.sourceCount, actual: scan.targetCount };
                else if (scan?.kind === 'recorded')
                    counts = { expected: scan.recorded.count, actual: scan.now.count };
                else if (scan?.kind === 'unrecorded')
                    counts = 'unrecorded';
                else {
                    own ??= await openOwnCounts(ctx, budgetMs);
                    counts = await own.count(t);
                }
                if (counts === 'unrecorded') {
                    differences.push(`${t.qualified}: no count was recorded at the switch`);
                    continue;
                }
                const { expected, actual } = counts;
                total += actual;
                if (actual !== expected)
                    differences.push(`${t.qualified}: ${expected} ${ctx.recorded ? 'recorded' : 'in the shared database'} vs ${actual} in the new database`);
            }
            if (differences.length && ctx.afterSwitch)
                return times.attach((0,validation_check/* warn */.R8)(`${CHANGED_SINCE_SWITCH} (the application's writes; information, not damage): ${differences.length} of ${tables.length} tables differ: ${differences[0]}`, (0,validation_check/* capDetails */.Tw)(differences)));
            if (differences.length)
                return times.attach((0,validation_check/* fail */.fJ)(`${differences.length} of ${tables.length} tables differ: ${differences[0]}`, (0,validation_check/* capDetails */.Tw)(differences)));
            return times.attach((0,validation_check/* pass */.IX)(`${tables.length} tables, ${total} rows, ${ctx.recorded ? 'equal to the counts recorded at the switch' : 'equal on both sides'}`));
        }
        finally {
            await own?.close();
        }
    },
};
/** This check's own sessions and count queries: a count per side, the source at the copy snapshot. */
async function openOwnCounts(ctx, budgetMs) {
    let source;
    let target;
    const close = async () => {
        await (0,db/* closeQuietly */.EO)(source);
        await (0,db/* closeQuietly */.EO)(target);
    };
    try {
        if (!ctx.recorded)
            source = await (0,db/* openSource */.oD)(ctx, budgetMs);
        target = await (0,db/* openTarget */.Ap)(ctx, budgetMs);
    }
    catch (e) {
        await close();
        throw e;
    }
    const countOf = async (client, sql) => Number((await client.query(sql)).rows[0]?.n);
    return {
        async count(t) {
            let expected;
            if (source) {
                expected = await countOf(source, `SELECT count(*) AS n FROM ${(0,checksum/* fromTable */.bs)(t)} t WHERE ${t.where}`);
            }
            else {
                const rec = ctx.recorded?.[t.qualified];
                if (!rec)
                    return 'unrecorded';
                expected = rec.count;
            }
            const actual = await countOf(target, `SELECT count(*) AS n FROM ${(0,checksum/* fromTable */.bs)((0,plan_types/* onTarget */.Hp)(t))} t`);
            return { expected, actual };
        },
        close,
    };
}

// EXTERNAL MODULE: ./src/validation/schema-parity.ts
var schema_parity = __webpack_require__(16292);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(51455);
;// CONCATENATED MODULE: ./src/validation/security.ts


/** `scheme://user:password@` with a password that is not a placeholder. */
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@'"]*:([^/\s@'"]+)@/gi;
const PLACEHOLDER = /^(\*+|x+|<[^>]*>|\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|password|redacted)$/i;
/** `password=...` in a libpq keyword string. */
const KEYWORD_PASSWORD = /\bpassword\s*=\s*([^\s&;'"]+)/gi;
/** Pure: where a text leaks a secret, as `where:line: what` (never the secret itself). */
function findLeaks(where, text, secrets) {
    const out = [];
    const lines = text.split(/\r?\n/);
    // A password inside a URL is percent-encoded: look for both spellings.
    const usable = secrets
        .map((s, n) => ({ n, spellings: [...new Set([s, encodeURIComponent(s)])] }))
        .filter(({ spellings }) => (spellings[0] ?? '').length >= 4);
    const found = (hay, spellings) => spellings.some((s) => hay.includes(s));
    lines.forEach((line, i) => {
        const at = `${where}:${i + 1}`;
        for (const { n, spellings } of usable)
            if (found(line, spellings))
                out.push(`${at}: contains secret #${n + 1}`);
        for (const m of line.matchAll(URL_CREDENTIALS)) {
            if (!PLACEHOLDER.test(m[1] ?? ''))
                out.push(`${at}: a URL with a password`);
        }
        for (const m of line.matchAll(KEYWORD_PASSWORD)) {
            if (!PLACEHOLDER.test(m[1] ?? ''))
                out.push(`${at}: a password= setting`);
        }
    });
    // A secret split across lines (e.g. wrapped output) is still a leak.
    const joined = lines.join('');
    for (const { n, spellings } of usable) {
        if (!found(text, spellings) && found(joined, spellings))
            out.push(`${where}: contains secret #${n + 1} wrapped across lines`);
    }
    return out;
}
/** No secret in the written config files, the outputs or the rendered texts (comment, summary). */
const security = {
    name: 'security',
    title: 'Security',
    async run(ctx) {
        const leaks = [];
        const unreadable = [];
        for (const file of ctx.filesToScan) {
            let text;
            try {
                text = await (0,promises_.readFile)(file, 'utf8');
            }
            catch (e) {
                unreadable.push(`${file}: cannot be read (${e.code ?? 'error'})`);
                continue;
            }
            leaks.push(...findLeaks(file, text, ctx.secrets));
        }
        ctx.textsToScan.forEach((text, i) => leaks.push(...findLeaks(`text #${i + 1}`, text, ctx.secrets)));
        if (leaks.length)
            return (0,validation_check/* fail */.fJ)(`secret found: ${leaks[0]}`, (0,validation_check/* capDetails */.Tw)([...leaks, ...unreadable]));
        if (unreadable.length)
            return (0,validation_check/* fail */.fJ)(`cannot scan ${unreadable[0]}`, (0,validation_check/* capDetails */.Tw)(unreadable));
        const n = ctx.filesToScan.length + ctx.textsToScan.length;
        if (ctx.secrets.length === 0)
            return (0,validation_check/* pass */.IX)(`${n} file(s)/text(s) scanned for URL credentials (no secret given)`);
        return (0,validation_check/* pass */.IX)(`${n} file(s)/text(s) scanned: no secret, no URL credentials`);
    },
};

// EXTERNAL MODULE: ./src/pipeline/tenant-state.ts
var tenant_state = __webpack_require__(95136);
// EXTERNAL MODULE: ./src/postgres/sequence-ranges.ts
var sequence_ranges = __webpack_require__(78569);
;// CONCATENATED MODULE: ./src/validation/sequences.ts





/** A name as regclass prints it for a sequence or table in public (schema-qualified otherwise). */
const shown = (schema, name) => (schema === 'public' ? name : `${schema}.${name}`);
/** This tenant's entry in the register of sequence ranges (its tenants row), if any. */
async function registered(sourceUrl, tenantsTable, slug, budgetMs) {
    const source = await (0,db/* connectFor */.It)(sourceUrl, budgetMs);
    try {
        const { rows } = await source.query(`SELECT t.settings->'isolation'->'sequence_range' AS r FROM ${tenantsTable} t WHERE t.slug = $1`, [slug]);
        const parsed = tenant_state/* SequenceRangeRecord */.qk.safeParse(rows[0]?.r);
        return parsed.success ? parsed.data : undefined;
    }
    finally {
        await (0,db/* closeQuietly */.EO)(source);
    }
}
/**
 * Every sequence of the new database is past the values already in the columns it feeds (owned
 * sequences, identity columns, and `nextval(...)` defaults) and, once the switch gave it the
 * tenant's range (see postgres/sequence-ranges.ts), within that range: "past the values it
 * feeds, within its range". Before the switch the copy sits below the tenants' zone and values
 * inside the zone (ids of an earlier isolation) are left to the switch, which restarts the
 * sequence past them. A sequence whose MINVALUE–MAXVALUE is not the range the register gives this
 * tenant (an ALTER that moved it into another tenant's range), or that lost the range it was
 * given at the switch, fails.
 */
const sequences = {
    name: 'sequences',
    title: 'Sequences',
    async run(ctx, budgetMs) {
        let target;
        try {
            const tenants = ctx.plan.tenantsTable;
            const record = await registered(ctx.sourceUrl, `${esm/* default.escapeIdentifier */.Ay.escapeIdentifier(tenants.schema)}.${esm/* default.escapeIdentifier */.Ay.escapeIdentifier(tenants.name)}`, ctx.names.slug, budgetMs);
            target = await (0,db/* openTarget */.Ap)(ctx, budgetMs);
            // Schema level: the tenant's schemas only (into the shared database, the shared ones are beside them).
            const seqs = await (0,sequence_ranges/* readSequences */.lu)(target, ctx.schemaLayout?.mappings.map((m) => m.target));
            const problems = [];
            const notes = [];
            let ranged = 0;
            for (const s of seqs) {
                const state = await target.query(`SELECT last_value::text AS last_value, is_called FROM ${s.qualified}`);
                const row = state.rows[0];
                const next = row.is_called ? BigInt(row.last_value) + s.increment : BigInt(row.last_value);
                const ascending = s.increment > 0n;
                const zone = (0,sequence_ranges/* zoneStartOf */.cf)(s.type);
                const expected = record ? (0,sequence_ranges/* rangeFor */.p_)(s.type, record.slot) : undefined;
                const given = record?.sequences?.[s.label];
                if (ascending && s.min >= zone) {
                    ranged += 1;
                    if (expected && (s.min !== expected.first || s.max !== expected.last)) {
                        problems.push(`${s.label} has the range ${s.min}–${s.max}, but the register gives this tenant ${expected.first}–${expected.last} (another tenant's range?)`);
                        continue;
                    }
                    if (next > s.max) {
                        notes.push(`${s.label} has used up its range ${s.min}–${s.max}: the next insert fails (never collides)`);
                        continue;
                    }
                    const used = await (0,sequence_ranges/* columnsExtreme */.wH)(target, s, 'max', s.min, s.max);
                    if (used !== null && next <= used)
                        problems.push(`${s.label} would next give ${next} but its columns already hold ${used} (in its range)`);
                    continue;
                }
                if (ctx.afterSwitch && given) {
                    problems.push(`${s.label} lost the range ${given.first}–${given.last} the switch gave it (now ${s.min}–${s.max}, next ${next}): ids may be handed out twice`);
                    continue;
                }
                // Not (yet) ranged: past the values below the tenants' zone (a descending sequence: below
                // the minimum), per column it feeds.
                for (const c of s.columns) {
                    const used = ascending
                        ? await (0,sequence_ranges/* columnsExtreme */.wH)(target, { columns: [c] }, 'max', undefined, zone - 1n)
                        : await (0,sequence_ranges/* columnsExtreme */.wH)(target, { columns: [c] }, 'min');
                    if (used === null)
                        continue;
                    if (ascending ? next <= used : next >= used) {
                        problems.push(`${shown(s.schema, s.name)} would next give ${next} but ${shown(c.schema, c.table)}.${c.column} already holds ${used}`);
                    }
                }
            }
            if (problems.length)
                return (0,validation_check/* fail */.fJ)(problems[0] ?? 'sequence behind', (0,validation_check/* capDetails */.Tw)([...problems, ...notes]));
            const within = ranged ? `, ${ranged} within the tenant's range` : '';
            if (notes.length)
                return (0,validation_check/* warn */.R8)(notes[0], (0,validation_check/* capDetails */.Tw)(notes));
            return (0,validation_check/* pass */.IX)(`${seqs.length} sequence(s) past the values they feed${within}`);
        }
        finally {
            await (0,db/* closeQuietly */.EO)(target);
        }
    },
};

// EXTERNAL MODULE: external "node:timers/promises"
var external_node_timers_promises_ = __webpack_require__(58500);
;// CONCATENATED MODULE: ./src/cloudrun/health.ts
/**
 * The service's health endpoint, retried while the service warms up (cold start, 5xx, 429,
 * connection errors) and not retried on a definite answer (other 4xx).
 */


function retryable(status) {
    return status >= 500 || status === 429 || status === 408;
}
function healthUrl(url, path) {
    try {
        const base = new URL(url);
        if (base.protocol !== 'https:' && base.protocol !== 'http:')
            return undefined;
        return new URL(path.startsWith('/') ? path : `/${path}`, base);
    }
    catch {
        return undefined;
    }
}
async function checkHealth(url, path, opts = {}) {
    const attempts = Math.max(1, opts.attempts ?? 5);
    const deadlineMs = opts.deadlineMs ?? 60_000;
    const requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
    let delay = opts.initialDelayMs ?? 1000;
    const target = healthUrl(url, path);
    if (!target)
        return { ok: false, message: `not an http(s) URL: ${(0,secrets/* redact */.E$)(url)}`, attempts: 0 };
    const started = Date.now();
    let last = { message: 'not attempted' };
    let made = 0;
    for (let i = 1; i <= attempts; i++) {
        const left = deadlineMs - (Date.now() - started);
        if (left <= 0 || opts.signal?.aborted)
            break;
        made = i;
        const timeout = AbortSignal.timeout(Math.min(requestTimeoutMs, left));
        const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
        try {
            const res = await fetch(target, {
                signal,
                redirect: 'manual',
                headers: { 'user-agent': 'tenant-promotion-health' },
            });
            await res.body?.cancel().catch(() => undefined);
            if (res.status >= 200 && res.status < 300)
                return { ok: true, status: res.status, message: `HTTP ${res.status}`, attempts: i };
            last = {
                status: res.status,
                message: res.status === 401 || res.status === 403
                    ? `HTTP ${res.status}: the service requires authentication (grant roles/run.invoker to allUsers, or check it from inside the network)`
                    : `HTTP ${res.status}`,
            };
            if (!retryable(res.status))
                break;
        }
        catch (e) {
            const reason = timeout.aborted
                ? `no answer within ${Math.min(requestTimeoutMs, left)} ms`
                : e.message;
            last = { message: `did not answer: ${(0,secrets/* redact */.E$)(e.cause?.message ?? reason)}` };
            if (opts.signal?.aborted)
                break;
        }
        if (i < attempts) {
            const wait = Math.min(delay, deadlineMs - (Date.now() - started));
            if (wait <= 0)
                break;
            try {
                await (0,external_node_timers_promises_.setTimeout)(wait, undefined, opts.signal ? { signal: opts.signal } : undefined);
            }
            catch {
                break; // aborted
            }
            delay = Math.min(delay * 2, 10_000);
        }
    }
    return { ok: false, ...last, attempts: made };
}

;// CONCATENATED MODULE: ./src/validation/service-health.ts


/** Time kept back from the check's budget so the probe's own deadline ends first. */
const MARGIN_MS = 2000;
/**
 * GET the service's health path with retries and a deadline; skip when no service was deployed.
 * `options` tune the retries (tests shorten them); `probe` replaces the HTTP call.
 */
function serviceHealthCheck(options = {}, probe = checkHealth) {
    return {
        name: 'service-health',
        title: 'Service health',
        async run(ctx, budgetMs) {
            if (!ctx.service)
                return (0,validation_check/* skip */.iv)('no Cloud Run service was deployed');
            const { url, healthPath } = ctx.service;
            const path = healthPath.startsWith('/') ? healthPath : `/${healthPath}`;
            const shown = `${url.replace(/\/+$/, '')}${path}`;
            const r = await probe(url, path, { ...options, deadlineMs: Math.max(1000, budgetMs - MARGIN_MS) });
            const detail = [`GET ${shown}: ${r.message} (${r.attempts} attempt${r.attempts === 1 ? '' : 's'})`];
            if (r.ok)
                return (0,validation_check/* pass */.IX)(`${shown} answered ${r.status ?? 'OK'}`, detail);
            return (0,validation_check/* fail */.fJ)(`${shown} is not healthy: ${r.status !== undefined ? `HTTP ${r.status}` : r.message}`, detail);
        },
    };
}
const serviceHealth = serviceHealthCheck();

;// CONCATENATED MODULE: ./src/validation/index.ts













/** The checks a promotion runs, in order: data first, then access, then the service. */
const defaultChecks = [
    rowCounts,
    checksums,
    largeObjects,
    foreignRows,
    schema_parity/* schemaParity */.zA,
    sequences,
    accessControl,
    security,
    performance,
    serviceHealth,
];
class BudgetExceeded extends Error {
}
function formatBudget(ms) {
    return ms < 10_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}
/** The run's own secrets (the generated password, …), whether or not they were registered for redaction. */
function hideSecrets(text, secrets) {
    let out = text;
    for (const s of secrets)
        if (s.length >= 4)
            out = out.split(s).join('***');
    return out;
}
async function withBudget(ms, fn) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new BudgetExceeded()), ms);
    });
    try {
        return await Promise.race([fn(), timeout]);
    }
    finally {
        clearTimeout(timer);
    }
}
/** Checks run at once: each opens its own sessions, so they overlap their waits on the server. */
const CHECK_CONCURRENCY = 3;
/**
 * Runs the checks, up to CHECK_CONCURRENCY at a time, each within its time budget; results keep
 * the checks' order. A check that throws or runs out of time is a `fail` with the reason, never
 * a skip. Messages pass through `redact` and have ctx.secrets removed.
 */
async function runChecks(ctx, checks = defaultChecks, concurrency = CHECK_CONCURRENCY) {
    const records = new Array(checks.length);
    // A fresh run: the checks of this call share their table scans, and only theirs.
    const run = { ...ctx, run: {} };
    let next = 0;
    const worker = async () => {
        for (let i = next++; i < checks.length; i = next++)
            records[i] = await runOne(run, checks[i]);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, checks.length)) }, worker));
    // A check that ran out of its budget leaves the shared scans running until their statement
    // timeout (the budget): no session of the checks outlives the step that ran them.
    await run.run?.tableScans?.settled;
    return records;
}
async function runOne(ctx, check) {
    const budget = check.budgetMs ?? ctx.budgetMs ?? validation_check/* DEFAULT_CHECK_BUDGET_MS */.Oo;
    const started = Date.now();
    let result;
    try {
        result = await withBudget(budget, () => check.run(ctx, budget));
    }
    catch (e) {
        result =
            e instanceof BudgetExceeded
                ? { status: 'fail', reason: `did not finish within ${formatBudget(budget)}`, details: [] }
                : {
                    status: 'fail',
                    reason: `could not run: ${(0,errors/* describeError */.Uc)(e).message}`,
                    details: (0,errors/* describeError */.Uc)(e).hint ? [(0,errors/* describeError */.Uc)(e).hint] : [],
                };
    }
    const clean = (text) => (0,secrets/* redact */.E$)(hideSecrets(text, ctx.secrets));
    const record = {
        name: check.name,
        title: check.title,
        status: result.status,
        reason: clean(result.reason),
        details: result.details.map(clean),
        durationMs: Date.now() - started,
        ...(result.tableMs ? { tableMs: result.tableMs } : {}),
    };
    ctx.log.info(`${record.status.toUpperCase()} ${record.title}: ${record.reason}`);
    return record;
}


/***/ })

};
;