import pg from 'pg';
import { PromotionError, settingName, type FrontEnd } from '../errors';

/**
 * What the connecting role may do in the shared database, read from the catalog before anything
 * is created. Managed PostgreSQL (Cloud SQL, RDS, Azure) gives the administrative role
 * `LOGIN CREATEDB CREATEROLE` but no superuser: table privileges, row-level security and
 * triggers then decide whether a promotion can read, delete and update what it must. Every
 * refusal here names the missing privilege, why the run needs it and the statement a DBA runs;
 * the tool never grants itself anything.
 */

const qi = pg.escapeIdentifier;
const display = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;
const quoted = (t: { schema: string; name: string }) => `${qi(t.schema)}.${qi(t.name)}`;

export interface RoleInfo {
  name: string;
  superuser: boolean;
  bypassRls: boolean;
  createDb: boolean;
  createRole: boolean;
  /** May `SET session_replication_role`: a superuser, or SET granted on the parameter (15+). */
  replicaMode: boolean;
  /** server_version_num, e.g. 150020. */
  serverVersion: number;
}

export async function readRole(client: pg.ClientBase): Promise<RoleInfo> {
  const { rows } = await client.query<{
    name: string;
    rolsuper: boolean;
    rolbypassrls: boolean;
    rolcreatedb: boolean;
    rolcreaterole: boolean;
    version: number;
  }>(
    `SELECT current_user AS name, r.rolsuper, r.rolbypassrls, r.rolcreatedb, r.rolcreaterole,
            current_setting('server_version_num')::int AS version
       FROM pg_roles r WHERE r.rolname = current_user`,
  );
  const r = rows[0]!;
  let replicaMode = r.rolsuper;
  if (!replicaMode && r.version >= 150000) {
    // GRANT SET ON PARAMETER exists from PostgreSQL 15 on; only a superuser can grant it.
    const granted = await client.query<{ ok: boolean }>(
      `SELECT has_parameter_privilege('session_replication_role', 'SET') AS ok`,
    );
    replicaMode = granted.rows[0]?.ok === true;
  }
  return {
    name: r.name,
    superuser: r.rolsuper,
    bypassRls: r.rolbypassrls,
    createDb: r.rolcreatedb,
    createRole: r.rolcreaterole,
    replicaMode,
    serverVersion: r.version,
  };
}

/** The role can create the tenant's database and roles. */
export function assertCanCreate(role: RoleInfo, frontEnd?: FrontEnd): void {
  if (role.superuser || (role.createDb && role.createRole)) return;
  const missing = [!role.createDb && 'CREATEDB', !role.createRole && 'CREATEROLE'].filter(Boolean);
  throw new PromotionError(
    'permission-denied',
    `Role "${role.name}" lacks ${missing.join(' and ')}; a promotion creates the tenant's database and roles.`,
    `Grant it (ALTER ROLE ${qi(role.name)} CREATEDB CREATEROLE;), or set ${settingName('database-url', frontEnd)} to a role that has both.`,
  );
}

export type TableCommand = 'SELECT' | 'UPDATE' | 'DELETE';

/** One privilege the run needs on one table, and why. */
export interface AccessNeed {
  schema: string;
  name: string;
  command: TableCommand;
  /** Why, as the end of a sentence ("… because <why>"); tables needing a command for the same reason are listed together. */
  why: string;
  /** Needed only because cleanup deletes the shared rows (keep-shared-data is the alternative). */
  cleanup?: boolean;
}

interface TableAccess {
  schema: string;
  name: string;
  command: TableCommand;
  found: boolean;
  schemaUsage: boolean;
  granted: boolean;
  rls: boolean;
  forceRls: boolean;
  owner: boolean;
  oid: string | null;
}

interface PolicyRow {
  oid: string;
  name: string;
  cmd: string;
  permissive: boolean;
  qual: string | null;
  check: string | null;
}

const POLICY_CMD: Record<TableCommand, string> = { SELECT: 'r', UPDATE: 'w', DELETE: 'd' };
const isTrue = (e: string | null) => e !== null && /^\(*\s*true\s*\)*$/i.test(e.trim());

/** What one policy does to a command of the role: lets it see every row, hides some, or neither. */
function policyEffect(p: PolicyRow, command: TableCommand): 'all' | 'hides' | 'none' {
  if (p.cmd !== '*' && p.cmd !== POLICY_CMD[command]) return 'none';
  // UPDATE also checks the new row: WITH CHECK, or USING when there is none.
  const checkOk = command !== 'UPDATE' || p.check === null || isTrue(p.check);
  if (p.permissive) return isTrue(p.qual) && checkOk ? 'all' : 'none';
  return (p.qual !== null && !isTrue(p.qual)) || !checkOk ? 'hides' : 'none';
}

/** Row-level security applies to this role on this table (the rules of check_enable_rls). */
function rlsApplies(role: RoleInfo, t: TableAccess): boolean {
  if (!t.rls || role.superuser || role.bypassRls) return false;
  return !t.owner || t.forceRls;
}

/** Statement that lets the role see and change every row despite row-level security. */
export function promotionPolicy(t: { schema: string; name: string }, role: string): string {
  return `CREATE POLICY tenant_promotion_all ON ${quoted(t)} TO ${qi(role)} USING (true) WITH CHECK (true);`;
}

/**
 * Refuses, naming every gap at once, when the role lacks a table privilege it needs, USAGE on a
 * table's schema, or when row-level security would hide rows of a table from it (RLS enabled,
 * the role not the owner or FORCE set, no BYPASSRLS, and no permissive policy that lets it
 * reach every row — or a restrictive one that hides some). A run that went on would fail half-way
 * with a raw error, or copy (and delete) fewer rows than the tenant has.
 */
export async function assertAccess(
  client: pg.ClientBase,
  role: RoleInfo,
  needs: readonly AccessNeed[],
  opts: { frontEnd?: FrontEnd; what: string; outcome: string },
): Promise<void> {
  if (needs.length === 0) return;
  const { rows } = await client.query<TableAccess>(
    `SELECT n.schema, n.name, n.command, c.oid IS NOT NULL AS found,
            COALESCE(has_schema_privilege(c.relnamespace, 'USAGE'), false) AS "schemaUsage",
            COALESCE(has_table_privilege(c.oid, n.command), false) AS granted,
            COALESCE(c.relrowsecurity, false) AS rls,
            COALESCE(c.relforcerowsecurity, false) AS "forceRls",
            COALESCE(pg_has_role(c.relowner, 'USAGE'), false) AS owner,
            c.oid::text AS oid
       FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS n(schema, name, command, i)
       LEFT JOIN pg_namespace ns ON ns.nspname = n.schema
       LEFT JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = n.name
      ORDER BY n.i`,
    [needs.map((n) => n.schema), needs.map((n) => n.name), needs.map((n) => n.command)],
  );
  const rlsTables = rows.filter((t) => t.found && rlsApplies(role, t));
  const policies = new Map<string, PolicyRow[]>();
  if (rlsTables.length > 0) {
    const res = await client.query<PolicyRow>(
      `SELECT p.polrelid::text AS oid, p.polname AS name, p.polcmd::text AS cmd, p.polpermissive AS permissive,
              pg_get_expr(p.polqual, p.polrelid) AS qual, pg_get_expr(p.polwithcheck, p.polrelid) AS check
         FROM pg_policy p
        WHERE p.polrelid = ANY($1::oid[])
          AND (0::oid = ANY (p.polroles) OR EXISTS (SELECT 1 FROM unnest(p.polroles) r WHERE pg_has_role(r, 'USAGE')))
        ORDER BY p.polname`,
      [[...new Set(rlsTables.map((t) => t.oid!))]],
    );
    for (const p of res.rows) policies.set(p.oid, [...(policies.get(p.oid) ?? []), p]);
  }

  const problems: string[] = [];
  const grants = new Map<string, { command: TableCommand; tables: string[]; why: string }>();
  const schemas = new Set<string>();
  const hidden = new Map<string, { t: TableAccess; commands: TableCommand[]; restrictive: Set<string> }>();
  let onlyCleanup = true;
  for (const [i, t] of rows.entries()) {
    const need = needs[i]!;
    // The catalog listed it a moment ago; the plan step reports a table that vanished since.
    if (!t.found) continue;
    let lacking = false;
    if (!t.schemaUsage) {
      lacking = true;
      if (!schemas.has(t.schema)) problems.push(`USAGE on schema ${t.schema} (its tables hold tenant rows)`);
      schemas.add(t.schema);
    }
    if (!t.granted) {
      lacking = true;
      const key = `${need.command}\u0000${need.why}`;
      const entry = grants.get(key) ?? { command: need.command, tables: [], why: need.why };
      if (!entry.tables.includes(quoted(t))) entry.tables.push(quoted(t));
      grants.set(key, entry);
    }
    if (rlsApplies(role, t)) {
      const effects = (policies.get(t.oid!) ?? []).map((p) => ({ p, effect: policyEffect(p, need.command) }));
      const restrictive = effects.filter((e) => e.effect === 'hides').map((e) => e.p.name);
      if (!effects.some((e) => e.effect === 'all') || restrictive.length > 0) {
        lacking = true;
        const entry = hidden.get(quoted(t)) ?? { t, commands: [], restrictive: new Set<string>() };
        if (!entry.commands.includes(need.command)) entry.commands.push(need.command);
        for (const r of restrictive) entry.restrictive.add(r);
        hidden.set(quoted(t), entry);
      }
    }
    if (lacking && !need.cleanup) onlyCleanup = false;
  }
  for (const { command, tables, why } of grants.values()) {
    problems.push(`${command} on ${tables.map(unquoteQualified).join(', ')} (${why})`);
  }
  const rlsFixes: string[] = [];
  for (const { t, commands, restrictive } of hidden.values()) {
    const names = [...restrictive].map((r) => `"${r}"`).join(', ');
    const whose = t.owner
      ? 'the role owns it, but FORCE ROW LEVEL SECURITY applies it to the owner too'
      : 'the role is not its owner';
    problems.push(
      `row-level security on ${display(t)} would hide rows from its ${commands.join(', ')} (${restrictive.size ? `restrictive policy ${names} applies to it` : 'no policy lets it reach every row'}; ${whose}, and it has no BYPASSRLS): the run would copy or delete fewer rows than the tenant has, or fail`,
    );
    rlsFixes.push(promotionPolicy(t, role.name));
    if (restrictive.size) {
      rlsFixes.push(
        `and limit ${names} to the application's roles (ALTER POLICY ${qi([...restrictive][0]!)} ON ${quoted(t)} TO <application roles>;)`,
      );
    }
  }
  if (problems.length === 0) return;

  const statements = [
    ...[...schemas].map((s) => `GRANT USAGE ON SCHEMA ${qi(s)} TO ${qi(role.name)};`),
    ...[...grants.values()].map((g) => `GRANT ${g.command} ON ${g.tables.join(', ')} TO ${qi(role.name)};`),
    ...rlsFixes,
  ];
  const alternatives = [
    hidden.size > 0 &&
      `instead of the policies, ALTER ROLE ${qi(role.name)} BYPASSRLS; where the service allows it`,
    onlyCleanup &&
      `or keep the tenant's rows in the shared database (${settingName('keep-shared-data', opts.frontEnd)}) and delete them later`,
  ].filter(Boolean);
  throw new PromotionError(
    'permission-denied',
    `Role "${role.name}" lacks what ${opts.what} needs in the shared database; ${opts.outcome}: ${problems.map((p, i) => `(${i + 1}) ${p}`).join('; ')}.`,
    `The promotion never grants itself privileges. Have the tables' owner or an administrator run: ${statements.join(' ')}${alternatives.length ? ` — ${alternatives.join('; ')}.` : ''}`,
  );
}

/** `"a"."b"` → `a.b`, for messages. */
function unquoteQualified(q: string): string {
  return q
    .split(/(?<=")\.(?=")/)
    .map((p) => p.slice(1, -1).replace(/""/g, '"'))
    .join('.');
}

// ---------------------------------------------------------------------------------------------
// Triggers that cleanup's DELETEs would fire.

export type TriggerEnabled = 'O' | 'A' | 'R' | 'D';

export interface CleanupTrigger {
  /** Table the trigger is defined on (a planned table, or a partition or child of one). */
  schema: string;
  table: string;
  name: string;
  /** `schema.function(args)`. */
  function: string;
  timing: 'BEFORE' | 'AFTER' | 'INSTEAD OF';
  level: 'ROW' | 'STATEMENT';
  /** `O` fires in origin mode, `R` only in replica mode, `A` always, `D` never. */
  enabled: TriggerEnabled;
  /** The role owns the table (or is a member of its owner): it may disable the trigger. */
  owned: boolean;
  owner: string;
  /** Whether its function writes, as far as its source tells. */
  writes: 'yes' | 'no' | 'unknown';
}

/**
 * User triggers that a `DELETE FROM <table>` of each given table fires: every trigger on DELETE
 * of the table itself, and row triggers of its partitions and inheritance children (whose rows
 * the DELETE reaches). Internal triggers (foreign keys) are left out.
 */
export async function readCleanupTriggers(
  client: pg.ClientBase,
  tables: readonly { schema: string; name: string }[],
): Promise<CleanupTrigger[]> {
  if (tables.length === 0) return [];
  const { rows } = await client.query<{
    schema: string;
    table: string;
    name: string;
    function: string;
    tgtype: number;
    enabled: TriggerEnabled;
    owned: boolean;
    owner: string;
    language: string;
    source: string | null;
  }>(
    `WITH RECURSIVE planned AS (
       SELECT c.oid AS relid, true AS top
         FROM unnest($1::text[], $2::text[]) AS p(schema, name)
         JOIN pg_namespace ns ON ns.nspname = p.schema
         JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = p.name
     ), tree AS (
       SELECT relid, top FROM planned
       UNION
       SELECT i.inhrelid, false FROM tree t JOIN pg_inherits i ON i.inhparent = t.relid
     )
     SELECT DISTINCT ON (tg.oid)
            ns.nspname AS schema, c.relname AS table, tg.tgname AS name,
            tg.tgfoid::regprocedure::text AS function, tg.tgtype::int AS tgtype,
            tg.tgenabled::text AS enabled,
            pg_has_role(c.relowner, 'USAGE') AS owned, pg_get_userbyid(c.relowner) AS owner,
            l.lanname AS language, p.prosrc AS source
       FROM tree t
       JOIN pg_trigger tg ON tg.tgrelid = t.relid
       JOIN pg_class c ON c.oid = tg.tgrelid
       JOIN pg_namespace ns ON ns.oid = c.relnamespace
       JOIN pg_proc p ON p.oid = tg.tgfoid
       JOIN pg_language l ON l.oid = p.prolang
      WHERE NOT tg.tgisinternal
        AND (tg.tgtype::int & 8) <> 0
        AND (t.top OR (tg.tgtype::int & 1) <> 0)
      ORDER BY tg.oid, t.top DESC`,
    [tables.map((t) => t.schema), tables.map((t) => t.name)],
  );
  return rows
    .map((r) => ({
      schema: r.schema,
      table: r.table,
      name: r.name,
      function: r.function,
      timing: (r.tgtype & 2 ? 'BEFORE' : r.tgtype & 64 ? 'INSTEAD OF' : 'AFTER') as CleanupTrigger['timing'],
      level: (r.tgtype & 1 ? 'ROW' : 'STATEMENT') as CleanupTrigger['level'],
      enabled: r.enabled,
      owned: r.owned,
      owner: r.owner,
      writes: writesOf(r.language, r.source),
    }))
    .sort((a, b) => (`${a.schema}.${a.table}.${a.name}` < `${b.schema}.${b.table}.${b.name}` ? -1 : 1));
}

/** A guess from the function's source: SQL and PL/pgSQL bodies are read; other languages are unknown. */
function writesOf(language: string, source: string | null): CleanupTrigger['writes'] {
  if (!source || (language !== 'plpgsql' && language !== 'sql')) return 'unknown';
  const body = source.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
  if (
    /\b(insert\s+into|update\s+[\w".]+\s+(\w+\s+)?set|delete\s+from|merge\s+into|truncate|copy)\b/i.test(body)
  )
    return 'yes';
  // Dynamic SQL, or a call to another function, may write.
  if (/\b(execute|perform|select|call)\b/i.test(body)) return 'unknown';
  return 'no';
}

export function describeTrigger(t: CleanupTrigger): string {
  const enabled = t.enabled === 'A' ? ', ENABLE ALWAYS' : t.enabled === 'R' ? ', ENABLE REPLICA' : '';
  return `${t.schema}.${t.table}: trigger ${t.name} (${t.timing} DELETE FOR EACH ${t.level}${enabled}, function ${t.function}, writes: ${t.writes})`;
}

/** How cleanup keeps the shared database's triggers from acting on its own DELETEs. */
export interface TriggerPlan {
  /** Triggers the DELETEs fire as things stand (origin mode). */
  fired: CleanupTrigger[];
  /** `SET LOCAL session_replication_role = replica` for the DELETEs (origin and disabled triggers do not fire). */
  replica: boolean;
  /** Triggers to disable for the cleanup transaction (they would fire even so); the role owns their tables. */
  disable: CleanupTrigger[];
  /** Triggers that would fire and that the role can neither disable nor avoid: cleanup must not run. */
  blocking: CleanupTrigger[];
}

const firesIn = (t: CleanupTrigger, mode: 'origin' | 'replica') =>
  t.enabled === 'A' || t.enabled === (mode === 'origin' ? 'O' : 'R');

/**
 * Replica mode where the role may use it (no lock on anyone), disabling what still fires where
 * it owns the table; otherwise disabling every trigger that fires (which needs ownership, and
 * locks the table against every tenant's writes until the cleanup commits); otherwise blocked.
 */
export function planTriggers(role: RoleInfo, triggers: readonly CleanupTrigger[]): TriggerPlan {
  const fired = triggers.filter((t) => firesIn(t, 'origin'));
  if (fired.length === 0) return { fired, replica: false, disable: [], blocking: [] };
  if (role.replicaMode) {
    const still = triggers.filter((t) => firesIn(t, 'replica'));
    if (still.every((t) => t.owned)) return { fired, replica: true, disable: still, blocking: [] };
  }
  const blocking = fired.filter((t) => !t.owned);
  return { fired, replica: false, disable: blocking.length ? [] : fired, blocking };
}

/** One line on what cleanup will do about the triggers it would fire (for the plan's notes). */
export function describeTriggerPlan(plan: TriggerPlan): string | undefined {
  if (plan.fired.length === 0) return undefined;
  const list = plan.fired.map(describeTrigger).join('; ');
  if (plan.blocking.length > 0)
    return `Cleanup would fire ${plan.fired.length} trigger(s) it cannot avoid: ${list}.`;
  const how = plan.replica
    ? `cleanup runs its DELETEs in replica mode (session_replication_role = replica), so they do not fire${plan.disable.length ? `, and disables ${plan.disable.map((t) => t.name).join(', ')} (ENABLE ALWAYS/REPLICA) for its own transaction` : ''}`
    : 'cleanup disables them for its own transaction (ALTER TABLE … DISABLE TRIGGER, which blocks writes of every tenant to those tables until it commits; it waits at most max-freeze for the lock)';
  return `Cleanup's DELETEs would fire ${plan.fired.length} trigger(s): ${list}; ${how}.`;
}

/** The refusal for triggers cleanup cannot avoid firing: names each, and the remedies. */
export function triggerRefusal(
  role: RoleInfo,
  plan: TriggerPlan,
  opts: { frontEnd?: FrontEnd; before: string },
): PromotionError {
  const owners = [...new Set(plan.blocking.map((t) => t.owner))];
  const replicaHelps = plan.blocking.every((t) => t.enabled !== 'A');
  const remedies = [
    `run as the tables' owner (${settingName('database-url', opts.frontEnd)} with role ${owners.map((o) => `"${o}"`).join(', ')}, or a role that is a member of it: GRANT ${owners.map(qi).join(', ')} TO ${qi(role.name)};), so cleanup can disable them for its own transaction`,
    replicaHelps &&
      (role.serverVersion >= 150000
        ? `let the role run cleanup in replica mode, where they do not fire: GRANT SET ON PARAMETER session_replication_role TO ${qi(role.name)}; (run by a superuser)`
        : 'run as a superuser, whose cleanup uses replica mode (session_replication_role = replica), where they do not fire'),
    `or keep the tenant's rows in the shared database (${settingName('keep-shared-data', opts.frontEnd)}) and delete them later with the triggers disabled`,
  ].filter(Boolean);
  return new PromotionError(
    'permission-denied',
    `Cleanup would fire ${plan.blocking.length === 1 ? 'a trigger' : `${plan.blocking.length} triggers`} on tables role "${role.name}" does not own, and it may not use replica mode, so the move would act as application writes (audit rows, new rows of the tenant left behind); ${opts.before}: ${plan.blocking.map(describeTrigger).join('; ')}.`,
    `Either ${remedies.join('; ')}.`,
  );
}

const ENABLE: Record<TriggerEnabled, string> = {
  O: 'ENABLE TRIGGER',
  A: 'ENABLE ALWAYS TRIGGER',
  R: 'ENABLE REPLICA TRIGGER',
  D: 'DISABLE TRIGGER',
};

/** `ALTER TABLE ONLY … DISABLE TRIGGER` (ONLY: a partition's own state is left as it is). */
export function disableTriggerSql(t: CleanupTrigger): string {
  return `ALTER TABLE ONLY ${quoted({ schema: t.schema, name: t.table })} DISABLE TRIGGER ${qi(t.name)}`;
}

/** Puts the trigger back in the state it was read in. */
export function restoreTriggerSql(t: CleanupTrigger): string {
  return `ALTER TABLE ONLY ${quoted({ schema: t.schema, name: t.table })} ${ENABLE[t.enabled]} ${qi(t.name)}`;
}
