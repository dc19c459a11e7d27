import pg from 'pg';
import { describeError } from '../errors';
import { redact } from '../secrets';
import { targetOf } from '../postgres/plan-types';
import { capDetails, fail, pass, warn, type Check } from './check';
import { closeQuietly, connectFor, plannedTables } from './db';
import type { CheckSchemaLayout } from './schema-level';
import { TOOL_SCHEMA_PREFIX, toolOrTenantSchemaSql } from '../postgres/tool-schemas';
import type { TablePlan } from '../postgres/plan-types';
import { tenantSideReferenced } from '../postgres/shared-large-objects';

const ATTRIBUTES: Array<[string, string]> = [
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

interface ConnectRow {
  datname: string;
  can_connect: boolean;
  public_connect: boolean;
  granted: boolean;
}

/**
 * The tenant's role reaches its own database and only that: it can connect and read and write
 * its tables (in a transaction rolled back), holds no privilege on the shared tables, no
 * CONNECT on the shared or another tenant's database (through PUBLIC only: warn with the
 * remedy), no dangerous attributes; PUBLIC has no CONNECT on the new database; row security is
 * enabled (and forced) on the same tables as in the source, with the same policy names.
 */
export const accessControl: Check = {
  name: 'access-control',
  title: 'Access control',
  async run(ctx, budgetMs) {
    const role = ctx.appRole.name;
    const failures: string[] = [];
    const warnings: string[] = [];
    const notes: string[] = [];
    let admin;
    let source;
    let asTenant;
    try {
      admin = await connectFor(ctx.targetUrl, budgetMs);
      const attrs = await admin.query<Record<string, boolean>>(
        `SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolcanlogin FROM pg_roles WHERE rolname = $1`,
        [role],
      );
      const a = attrs.rows[0];
      if (!a) return fail(`role ${role} does not exist`, ['create the tenant role before the checks run']);
      for (const [col, label] of ATTRIBUTES) if (a[col]) failures.push(`role ${role} has ${label}`);
      if (!a.rolcanlogin) failures.push(`role ${role} cannot LOGIN`);

      // Schema level into the shared database: the tenant's "own database" is the shared one, which
      // every role of the application connects to (PUBLIC's CONNECT there is not the tenant's to
      // revoke); what keeps it out of the rest is proved per schema and per table below.
      const inShared = ctx.schemaLayout?.into === 'shared-database';
      const ownDb = inShared ? ctx.sharedDatabase : ctx.names.database;
      const tenantSchemas = ctx.schemaLayout?.mappings.map((m) => m.target) ?? [];
      // Own database: PUBLIC must not connect; the role must.
      const own = (await admin.query<ConnectRow>(CONNECT_SQL, [role, ownDb])).rows[0];
      if (!own) failures.push(`database ${ownDb} does not exist`);
      else {
        if (inShared) {
          if (own.public_connect)
            notes.push(
              `PUBLIC has CONNECT on the shared database ${ownDb}, which the tenant's schemas are in`,
            );
        } else if (own.public_connect) {
          failures.push(
            `PUBLIC has CONNECT on ${ctx.names.database} (fix: REVOKE CONNECT ON DATABASE ${pg.escapeIdentifier(ctx.names.database)} FROM PUBLIC)`,
          );
        }
        if (!own.can_connect) failures.push(`role ${role} has no CONNECT on ${ownDb}`);
      }

      const connectLine = (
        what: string,
        datname: string,
        r: ConnectRow | undefined,
      ): 'granted' | 'public' | undefined => {
        if (!r?.can_connect) return undefined;
        if (r.granted) {
          failures.push(`role ${role} is granted CONNECT on ${what} ${datname}`);
          return 'granted';
        }
        return r.public_connect ? 'public' : undefined;
      };
      const remedy = (what: string, datname: string) =>
        `role ${role} can connect to ${what} ${datname} through PUBLIC (remedy: REVOKE CONNECT ON DATABASE ${pg.escapeIdentifier(datname)} FROM PUBLIC, or a pg_hba.conf rule)`;

      // The shared database, asked on its own server (it may not be the new database's).
      source = await connectFor(ctx.sourceUrl, budgetMs);
      const exists = await source.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role]);
      if (exists.rowCount && !inShared) {
        const shared = (await source.query<ConnectRow>(CONNECT_SQL, [role, ctx.sharedDatabase])).rows[0];
        if (!shared)
          failures.push(`the shared database ${ctx.sharedDatabase} was not found on the source server`);
        else if (connectLine('the shared database', ctx.sharedDatabase, shared) === 'public') {
          warnings.push(remedy('the shared database', ctx.sharedDatabase));
        }
      }

      // Other tenants' databases on the new database's server.
      const others = await admin.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname <> $1 AND datname <> $2 AND datname LIKE 'tenant\\_%' AND datallowconn ORDER BY datname`,
        [ctx.names.database, ctx.sharedDatabase],
      );
      for (const { datname } of others.rows) {
        const r = (await admin.query<ConnectRow>(CONNECT_SQL, [role, datname])).rows[0];
        if (connectLine("another tenant's database", datname, r) === 'public')
          notes.push(remedy("another tenant's database", datname));
      }

      // Privileges on the shared database's tables.
      if (exists.rowCount) {
        const privs = await source.query<{
          tbl: string;
          sequence: boolean;
          privs: string;
          columns: string[];
        }>(
          `SELECT format('%I.%I', n.nspname, c.relname) AS tbl, c.relkind = 'S' AS sequence,
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
          [role, inShared ? tenantSchemas : []],
        );
        const held = privs.rows.filter((r) => !r.sequence && r.privs !== '');
        if (held.length) {
          failures.push(
            `role ${role} holds privileges on ${held.length} table(s) of the shared database: ${held
              .slice(0, 5)
              .map((r) => `${r.tbl} (${r.privs})`)
              .join(', ')}`,
          );
        }
        const columns = privs.rows.filter((r) => !r.sequence && r.privs === '' && r.columns.length > 0);
        if (columns.length) {
          failures.push(
            `role ${role} may read or write column(s) of ${columns.length} table(s) of the shared database, every row's values of them: ${columns
              .slice(0, 5)
              .map((r) => `${r.tbl} (${r.columns.join(', ')})`)
              .join(
                ', ',
              )} (fix: REVOKE SELECT, INSERT, UPDATE, REFERENCES (<columns>) ON <table> FROM PUBLIC, or from the role that passes them on)`,
          );
        }
        const sequences = privs.rows.filter((r) => r.sequence && r.privs !== '');
        if (sequences.length) {
          failures.push(
            `role ${role} may use ${sequences.length} sequence(s) of the shared database (read their values, advance them): ${sequences
              .slice(0, 5)
              .map((r) => `${r.tbl} (${r.privs})`)
              .join(
                ', ',
              )} (fix: REVOKE ALL ON SEQUENCE <sequence> FROM PUBLIC, or from the role that passes it on)`,
          );
        }
        if (inShared) {
          await checkSharedSchemas(source, role, ctx.schemaLayout!, failures, notes);
          await checkDefinerFunctions(source, role, tenantSchemas, failures);
          // The objects its rows reference stay in place and are granted to it: its own.
          const ownObjects = await tenantSideReferenced(
            source,
            ctx.plan.largeObjects?.columns ?? [],
            plannedTables(ctx),
          );
          await checkLargeObjects(source, role, [role, ctx.names.ownerRole], ownObjects, failures, notes);
        }
      } else notes.push(`role ${role} does not exist on the shared database's server`);
      if (ctx.separateServers && exists.rowCount) {
        failures.push(
          `role ${role} exists on the shared database's server too: on a target server of its own, the tenant's role must exist only there (drop it on the shared server if nothing uses it)`,
        );
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
      for (const t of plannedTables(ctx)) {
        const s = (
          await source.query<{ enabled: boolean; forced: boolean; policies: string[] }>(rlsSql, [
            t.qualified,
            mapped,
          ])
        ).rows[0];
        const d = (
          await admin.query<{ enabled: boolean; forced: boolean; policies: string[] }>(rlsSql, [
            targetOf(t),
            null,
          ])
        ).rows[0];
        if (!s) continue;
        if (!d) {
          failures.push(`${targetOf(t)} is missing in the new database`);
          continue;
        }
        if (s.enabled && !d.enabled)
          failures.push(
            `${t.qualified}: row level security is enabled in the source, not in the new database`,
          );
        if (s.forced && !d.forced)
          failures.push(
            `${t.qualified}: row level security is forced in the source, not in the new database`,
          );
        const missing = s.policies.filter((p) => !d.policies.includes(p));
        if (missing.length)
          failures.push(`${t.qualified}: policies missing in the new database: ${missing.join(', ')}`);
      }

      // Act as the tenant: connect, read and write one table, roll back. Without the password
      // (status --verify: it is stored nowhere) the privileges are still checked, the login is not.
      if (!ctx.appRole.password) {
        notes.push(`did not log in as ${role}: no password given (privileges checked from the catalog only)`);
      } else {
        try {
          asTenant = await connectFor(ctx.targetUrl, budgetMs, ctx.appRole);
        } catch (e) {
          failures.push(
            `role ${role} cannot connect to ${ctx.names.database}: ${redact(describeError(e).message)}`,
          );
        }
      }
      // The probe below must run as the tenant's role, not the admin whose URL it came from.
      if (asTenant) {
        const { rows } = await asTenant.query<{ u: string }>('SELECT current_user AS u');
        if (rows[0]?.u !== role) {
          failures.push(
            `logged in as ${rows[0]?.u ?? 'nobody'} instead of ${role}: the probe proves nothing`,
          );
          await closeQuietly(asTenant);
          asTenant = undefined;
        }
      }
      // Schema level: the role's own search_path (set on it for its database) starts with the
      // tenant's schemas, so the application's bare names reach the tenant's tables and nothing
      // else; without it they would resolve elsewhere or not at all.
      if (asTenant && ctx.schemaLayout) {
        const want = ctx.schemaLayout.searchPath;
        const { rows } = await asTenant.query<{ s: string[] }>(`SELECT current_schemas(false)::text[] AS s`);
        const got = rows[0]?.s ?? [];
        const tenantSchemas = ctx.schemaLayout.mappings.map((m) => m.target);
        const first = got.slice(0, tenantSchemas.length);
        if (want[0] === undefined || got[0] !== want[0] || !tenantSchemas.every((x) => first.includes(x)))
          failures.push(
            `role ${role}'s search_path resolves to ${got.join(', ') || 'no schema'}, not the tenant's schemas ${want.join(', ')} first (ALTER ROLE … IN DATABASE … SET search_path)`,
          );
        else notes.push(`role ${role}'s search_path: ${got.join(', ')}`);
      }
      const tables = plannedTables(ctx).filter((t) => t.columns.length > 0);
      // The clone gives the tenant's role what the shared application's roles held there
      // (remapped): a log table they may only append to stays append-only. Without such roles it
      // gets DML on every table. Either way the role must hold at least that.
      const mappedRoles = ctx.mappedRoles?.length ? ctx.mappedRoles : undefined;
      const writable: TablePlan[] = [];
      for (const t of tables) {
        const held = (url: pg.ClientBase, who: string[], table: string) =>
          url.query<{ s: boolean; i: boolean; u: boolean; d: boolean }>(
            `SELECT coalesce(bool_or(has_table_privilege(r.oid, c.oid, 'SELECT')), false) AS s,
                    coalesce(bool_or(has_table_privilege(r.oid, c.oid, 'INSERT')), false) AS i,
                    coalesce(bool_or(has_table_privilege(r.oid, c.oid, 'UPDATE')), false) AS u,
                    coalesce(bool_or(has_table_privilege(r.oid, c.oid, 'DELETE')), false) AS d
               FROM pg_roles r, pg_class c WHERE r.rolname = ANY ($1::text[]) AND c.oid = to_regclass($2)`,
            [who, table],
          );
        const p = (await held(admin, [role], targetOf(t))).rows[0];
        const expected = mappedRoles
          ? (await held(source, mappedRoles, t.qualified)).rows[0]
          : { s: true, i: true, u: true, d: true };
        const keys = (['s', 'i', 'u', 'd'] as const).filter((k) => expected?.[k] ?? true);
        if (keys.length === 4) writable.push(t);
        const lacking = p
          ? keys.filter((k) => !p[k]).map((k) => ({ s: 'SELECT', i: 'INSERT', u: 'UPDATE', d: 'DELETE' })[k])
          : ['all'];
        if (lacking.length)
          failures.push(
            `role ${role} lacks ${lacking.join(', ')} on ${targetOf(t)}${mappedRoles ? ` (which ${mappedRoles.join(', ')} held on the shared table)` : ''}`,
          );
      }
      // Into the shared database: as the tenant, a read of a shared table and of another tenant's
      // schema must be refused by the server itself (42501), not merely absent from the catalog.
      if (asTenant && inShared)
        await probeDenied(asTenant, admin, role, tenantSchemas, plannedTables(ctx), failures, notes);
      if (asTenant) {
        await asTenant.query('BEGIN');
        try {
          let wrote = 0;
          // A real read and write (RLS may hide rows, which is fine: the privilege is what is tested).
          // Of the tables the role must read and write (not one the application only appends to).
          const first =
            writable.find((t) => t.kind !== 'reference' && !t.partitioned) ??
            writable.find((t) => !t.partitioned);
          if (first) {
            const at = targetOf(first);
            await asTenant.query('SAVEPOINT probe');
            try {
              await asTenant.query(`SELECT 1 FROM ${at} LIMIT 1`);
              // INSERT and DELETE privileges are checked when the statement starts, even for no rows.
              const cols = first.columns.join(', ');
              await asTenant.query(
                `INSERT INTO ${at} (${cols}) OVERRIDING SYSTEM VALUE SELECT ${cols} FROM ${at} WHERE false`,
              );
              await asTenant.query(`DELETE FROM ${at} WHERE false`);
              // A real write: a no-op update of one row (a key column may be an identity column).
              const col = first.columns.find((c) => !first.keyColumns.includes(c)) ?? first.columns[0];
              const r = await asTenant.query(
                `UPDATE ${at} t SET ${col} = t.${col} WHERE ctid = (SELECT ctid FROM ${at} LIMIT 1)`,
              );
              wrote = r.rowCount ?? 0;
            } catch (e) {
              await asTenant.query('ROLLBACK TO SAVEPOINT probe');
              const err = describeError(e);
              // A row-level security policy reading a session setting the application sets
              // (current_setting('app.current_tenant')) fails for a session that has not set it:
              // the privileges were proved from the catalog above; the rows are the policy's to judge.
              if ((e as { code?: string }).code === '42704' && /configuration parameter/.test(err.message))
                notes.push(
                  `role ${role} read ${at} only as far as its row-level security allows: ${redact(err.message)} (the application sets it)`,
                );
              else failures.push(`role ${role} cannot read and write ${at}: ${redact(err.message)}`);
            }
            notes.push(
              `connected as ${role}, read ${at} and updated ${wrote} row(s) in a transaction rolled back`,
            );
          }
        } finally {
          await asTenant.query('ROLLBACK').catch(() => undefined);
        }
      }
    } finally {
      await closeQuietly(asTenant);
      await closeQuietly(source);
      await closeQuietly(admin);
    }
    if (failures.length)
      return fail(failures[0] ?? 'access control', capDetails([...failures, ...warnings, ...notes]));
    if (warnings.length) return warn(warnings[0] ?? 'access control', capDetails([...warnings, ...notes]));
    const reach =
      ctx.schemaLayout?.into === 'shared-database'
        ? `its schema(s) ${ctx.schemaLayout.mappings.map((m) => m.target).join(', ')} of ${ctx.sharedDatabase}`
        : ctx.names.database;
    return pass(`role ${role} reaches ${reach} only`, capDetails(notes));
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
async function checkSharedSchemas(
  source: pg.ClientBase,
  role: string,
  layout: CheckSchemaLayout,
  failures: string[],
  notes: string[],
): Promise<void> {
  const own = layout.mappings.map((m) => m.target);
  const given = layout.searchPath.filter((s) => !own.includes(s));
  const { rows } = await source.query<{
    nspname: string;
    can_create: boolean;
    can_use: boolean;
    public_use: boolean;
    promoted: boolean;
  }>(
    `SELECT n.nspname, has_schema_privilege($1, n.oid, 'CREATE') AS can_create,
            has_schema_privilege($1, n.oid, 'USAGE') AS can_use,
            EXISTS (SELECT 1 FROM aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) x
                     WHERE x.grantee = 0 AND x.privilege_type = 'USAGE') AS public_use,
            ${toolOrTenantSchemaSql('n')} AS promoted
       FROM pg_namespace n
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
        AND n.nspname::text <> ALL ($2::text[])
      ORDER BY 1`,
    [role, own],
  );
  const throughPublic: string[] = [];
  for (const r of rows) {
    if (r.can_create) failures.push(`role ${role} may CREATE in schema ${r.nspname} of the shared database`);
    if (!r.can_use) continue;
    if (r.promoted)
      failures.push(`role ${role} has USAGE on ${r.nspname}, another tenant's (or the tool's) schema`);
    else if (r.public_use) throughPublic.push(r.nspname);
    else if (!given.includes(r.nspname))
      failures.push(`role ${role} is granted USAGE on schema ${r.nspname} of the shared database`);
  }
  if (throughPublic.length)
    notes.push(
      `role ${role} has USAGE on ${throughPublic.join(', ')} through PUBLIC (PostgreSQL's default on public): it sees the names there and may call the functions PUBLIC may execute (none SECURITY DEFINER: proved), and reads no table, column, sequence or large object not its own (proved); to hide even the names, REVOKE USAGE ON SCHEMA … FROM PUBLIC and grant it to the roles that need it`,
    );
}

/**
 * Into the shared database: a SECURITY DEFINER function runs as its owner, so one the tenant's
 * role may call (EXECUTE is PUBLIC's by default) reads whatever its owner reads — every tenant's
 * rows — whatever the table privileges say. Any outside the tenant's schemas, in a schema the role
 * may use, fails: what a body reads is not for this check to judge.
 */
async function checkDefinerFunctions(
  source: pg.ClientBase,
  role: string,
  own: readonly string[],
  failures: string[],
): Promise<void> {
  const { rows } = await source.query<{ fn: string }>(
    `SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS fn
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname::text <> ALL ($2::text[])
        AND has_schema_privilege($1, n.oid, 'USAGE') AND has_function_privilege($1, p.oid, 'EXECUTE')
      ORDER BY 1`,
    [role, own],
  );
  if (rows.length)
    failures.push(
      `role ${role} may call ${rows.length} SECURITY DEFINER function(s) of the shared database, which run as their owner and read what it reads: ${rows
        .slice(0, 5)
        .map((r) => r.fn)
        .join(
          ', ',
        )} (fix: REVOKE EXECUTE ON FUNCTION <function> FROM PUBLIC, then GRANT EXECUTE to the roles that need it)`,
    );
}

/**
 * Into the shared database: large objects exist once per database, outside every table. The
 * tenant's own are those its rows reference (granted to it in place) and those its roles own
 * (created after the switch); one other it may read or write (through PUBLIC, a grant to it or to
 * a role it is a member of, or lo_compat_privileges, which turns every check off) is a leak.
 */
async function checkLargeObjects(
  source: pg.ClientBase,
  role: string,
  ownRoles: readonly string[],
  ownObjects: readonly string[],
  failures: string[],
  notes: string[],
): Promise<void> {
  const { rows } = await source.query<{ compat: boolean; n: string; oids: string[] }>(
    `WITH own AS (SELECT oid FROM pg_roles WHERE rolname = ANY ($2::text[])),
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
            array(SELECT oid::text FROM reach ORDER BY oid LIMIT 5) AS oids`,
    [role, ownRoles, ownObjects],
  );
  if (ownObjects.length)
    notes.push(
      `role ${role} may use the ${ownObjects.length} large object(s) its rows reference (in place in the shared database, granted to it) and no other`,
    );
  const r = rows[0];
  if (!r || r.n === '0') return;
  failures.push(
    r.compat
      ? `lo_compat_privileges is on in the shared database: role ${role} may read and write its ${r.n} large object(s) that are not the tenant's (fix: ALTER SYSTEM SET lo_compat_privileges = off, or ALTER DATABASE … SET lo_compat_privileges = off, then reload)`
      : `role ${role} may read or write ${r.n} large object(s) of the shared database that are not the tenant's: ${r.oids.join(', ')}${Number(r.n) > r.oids.length ? ', …' : ''} (fix: REVOKE ALL ON LARGE OBJECT <oid> FROM PUBLIC, or from the role that passes it on)`,
  );
}

/** As the tenant's role: reading a shared table and another tenant's table must be refused (42501). */
async function probeDenied(
  asTenant: pg.ClientBase,
  admin: pg.ClientBase,
  role: string,
  own: readonly string[],
  planned: readonly TablePlan[],
  failures: string[],
  notes: string[],
): Promise<void> {
  const targets: string[] = [];
  // The shared table the tenant's first table was cloned from.
  const first = planned.find((t) => !t.partitioned);
  if (first) targets.push(first.qualified);
  // One table of each other schema-level tenant in this database (their owner is a tool role).
  const { rows } = await admin.query<{ tbl: string }>(
    `SELECT DISTINCT ON (n.nspname) format('%I.%I', n.nspname, c.relname) AS tbl
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND ${toolOrTenantSchemaSql('n')} AND NOT starts_with(n.nspname::text, '${TOOL_SCHEMA_PREFIX}')
        AND n.nspname::text <> ALL ($1::text[])
      ORDER BY n.nspname, c.relname`,
    [own],
  );
  targets.push(...rows.map((r) => r.tbl));
  for (const tbl of targets) {
    await asTenant.query('BEGIN');
    try {
      await asTenant.query(`SELECT 1 FROM ${tbl} LIMIT 1`);
      failures.push(`role ${role} read ${tbl}, which is not its own`);
    } catch (e) {
      if ((e as { code?: string }).code === '42501') notes.push(`role ${role} was refused reading ${tbl}`);
      else
        failures.push(
          `reading ${tbl} as ${role} failed otherwise than refused: ${redact(describeError(e).message)}`,
        );
    } finally {
      await asTenant.query('ROLLBACK').catch(() => undefined);
    }
  }
}
