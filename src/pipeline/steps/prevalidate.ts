import pg from 'pg';
import { describeError, PromotionError, settingName } from '../../errors';
import { connect } from '../../postgres/connect';
import { serverName, tlsRefusal, type TlsRefusal } from '../../postgres/servers';
import { serverVersionNum } from '../../postgres/versions';
import { assertRecordedServer, assertTargetServer, inspectTargetServer } from '../../postgres/target-server';
import { readTableGraph } from '../../postgres/catalog';
import { databaseMarker } from '../../postgres/database';
import { planTenant } from '../../postgres/plan';
import type { TenantPlan } from '../../postgres/plan-types';
import {
  assertAccess,
  assertCanCreate,
  describeTriggerPlan,
  planTriggers,
  readCleanupTriggers,
  readRole,
  triggerRefusal,
  type AccessNeed,
  type RoleInfo,
} from '../../postgres/privileges';
import {
  fromSource,
  roleComment,
  systemIdentifier,
  type ArtifactMarker,
  type MarkerSource,
} from '../../postgres/roles';
import { splitQualified } from '../../postgres/sql';
import { readReferencingTables } from '../../postgres/referenced-cleanup';
import { readTenant, checkTenantsTable } from '../../postgres/tenants';
import type { PromotionContext } from '../context';
import type { Step } from '../step';
import { leftTenantSchemas } from '../../postgres/tenant-schemas';
import { intoSharedDatabase } from '../tenant-place';
import { sharedToolSchema } from '../../names';
import { adoptSwitchedPlanOptions } from '../plan-options';
import { markerSource } from '../ownership';
import { describeIsolationLevel, resolveIsolationLevel } from '../isolation-level';

/**
 * Connectivity, which database we are on, the tenant and its state, and whether the target
 * database and roles are free — or left by an earlier failed run of this same tenant, in which
 * case they are cleaned (never a database this tool did not create for this tenant). Then what
 * the connecting role needs in the shared database and lacks (privileges, row-level security,
 * triggers cleanup would fire), refused before anything is created.
 */
export const prevalidateStep: Step<PromotionContext> = {
  name: 'prevalidate',
  title: 'Pre-promotion validation',
  run: inspect,
};

async function inspect(ctx: PromotionContext): Promise<string> {
  const db = ctx.lockSession!;
  const { names, options } = ctx;
  const { rows } = await db.query<{ db: string; version: string }>(
    `SELECT current_database() AS db, current_setting('server_version') AS version`,
  );
  const shared = rows[0]!.db;
  ctx.sharedDatabase = shared;
  ctx.sourceServer = await systemIdentifier(db);
  // Every derived name starts with tenant_, so the one name to guard against is the shared
  // database's own (a shared database itself named tenant_<slug>).
  if (names.database === shared) {
    throw new PromotionError(
      'invalid-slug',
      `Tenant "${names.slug}" would be promoted into database "${names.database}", which is the shared database itself.`,
      'Choose another slug for this tenant.',
    );
  }
  await checkTenantsTable(db, options.tenantsTable, options.tenantKey);
  const role = await readRole(db);
  // The tenant's database and roles are created on the target server: checked there when it is another.
  if (!ctx.servers.separate) {
    try {
      assertCanCreate(role, options.frontEnd);
    } catch (e) {
      // A dry run creates nothing: it still plans, and says what a real run as this role lacks.
      if (!options.dryRun || !(e instanceof PromotionError)) throw e;
      ctx.record.notes.push(`A real run as this role would be refused: ${e.message} ${e.hint ?? ''}`.trim());
    }
  }
  // The tenants row is read next: row-level security that hides it (or, keyed by a session
  // setting the run does not set, fails with "unrecognized configuration parameter") is refused
  // first, from the catalog alone.
  const [tenantsSchema, tenantsName] = splitQualified(options.tenantsTable);
  const tenantsNeeds = tenantsTableNeeds(tenantsSchema, tenantsName);
  const refusal = { frontEnd: options.frontEnd, what: 'a promotion', outcome: 'nothing was created' };
  try {
    await assertAccess(db, role, tenantsNeeds, refusal);
  } catch (e) {
    // Name everything a promotion lacks at once, not the tenants table alone.
    const planned = await plannedTables(ctx, undefined);
    if (planned)
      await assertAccess(
        db,
        role,
        [...tenantsNeeds, ...tableNeeds(planned, !options.keepSharedData)],
        refusal,
      );
    throw e;
  }
  const tenant = await readTenant(db, options.tenantsTable, names.slug);
  ctx.tenant = tenant;
  // The isolation level, decided before anything is claimed or created (issue 21).
  const level = resolveIsolationLevel(options.isolationLevel, tenant.settings, names.slug, options.frontEnd);
  if (tenant.isolationMode === 'shared') {
    ctx.isolationLevel = level;
    ctx.record.isolationLevel = level;
    // The record always carries it; a note only when something chose it (keeps today's report).
    if (level.from !== 'default') ctx.record.notes.push(`Promoting at ${describeIsolationLevel(level)}.`);
  } else {
    // An isolated tenant is finished (or reported) at the level it was promoted at, whatever the
    // input or its settings say now; the row records it (absent: database, as before issue 21).
    const promotedAt = tenant.isolation?.isolation_level ?? 'database';
    if (level.level !== promotedAt)
      ctx.record.notes.push(
        `The tenant was promoted at ${promotedAt} level; ${describeIsolationLevel(level)} does not apply to it.`,
      );
  }
  if (tenant.isolationMode === 'isolated')
    assertRecordedServer(tenant.isolation?.isolated_server, ctx.servers, names.slug, options.frontEnd);

  const found = await withTargetSession(ctx, async (target) => {
    const state = await tenantState(ctx, shared, target);
    if (ctx.servers.separate) ctx.targetVersion = await serverVersionNum(target);
    if (!ctx.servers.separate || ctx.mode !== 'fresh') return state;
    const findings = await inspectTargetServer(db, target, {
      frontEnd: options.frontEnd,
      targetUrl: ctx.servers.targetAdminUrl,
    });
    assertTargetServer(findings, ctx.servers.targetAdminUrl);
    return `${state}; target server ${serverName(ctx.servers.targetAdminUrl)} (PostgreSQL ${findings.version}) ready`;
  });
  if (ctx.mode === 'already-isolated') return found;
  return found + (await checkSharedTables(ctx, role));
}

const TLS_PROBLEM: Record<TlsRefusal, string> = {
  untrusted: 'presented a certificate that does not verify against',
  'wrong-name': 'presented a certificate that does not name the host in the URL, checked with',
  expired: 'presented a certificate that has expired (or is not yet valid), checked with',
};

/** The target's certificate was refused: the CA given (or the host name) is what to fix. */
function certificateRefused(ctx: PromotionContext, tls: TlsRefusal, detail: string, cause: unknown) {
  const ca = ctx.options.targetCaFile;
  const fe = ctx.options.frontEnd;
  return new PromotionError(
    'target-server',
    `The target server ${serverName(ctx.servers.targetAdminUrl)} ${TLS_PROBLEM[tls]} ${ca ? `the CA file ${ca}` : "this machine's trusted CAs"}; nothing was created: ${detail}`,
    tls === 'wrong-name'
      ? `Connect by a name the server's certificate holds (Cloud SQL: its IP or DNS name in the certificate), in ${settingName('target-database-url', fe)}.`
      : `Give the CA that signed the server's certificate: ${settingName('target-database-ca-file', fe)}${fe === 'cli' ? '' : ' or the target-database-ca input'} (Cloud SQL: the instance's server CA; RDS: the region's certificate bundle).`,
    { cause },
  );
}

/**
 * `fn` with an administrative session on the target server: the lock session when it is the
 * shared server, else a new session, whose failure to connect is refused as the target's.
 */
async function withTargetSession<T>(ctx: PromotionContext, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  if (!ctx.servers.separate) return fn(ctx.lockSession!);
  let target: pg.Client;
  try {
    target = await connect(ctx.servers.targetAdminUrl);
  } catch (e) {
    const err = describeError(e);
    const tls = tlsRefusal(e);
    if (tls) throw certificateRefused(ctx, tls, err.message, e);
    throw new PromotionError(
      'target-server',
      `The target server ${serverName(ctx.servers.targetAdminUrl)} is not reachable; nothing was created: ${err.message}`,
      `${err.hint ?? ''} Check ${settingName('target-database-url', ctx.options.frontEnd)} (host, port, user, password, TLS).`.trim(),
      { cause: e },
    );
  }
  try {
    return await fn(target);
  } finally {
    await target.end().catch(() => undefined);
  }
}

/** The tenants row is read, locked (FOR SHARE / FOR UPDATE need UPDATE) and updated by every run. */
function tenantsTableNeeds(schema: string, name: string): AccessNeed[] {
  const why = 'the run claims the tenant, locks its row and records the switch in it';
  return [
    { schema, name, command: 'SELECT', why },
    { schema, name, command: 'UPDATE', why },
  ];
}

/** Which mode this run is in (fresh, resume, already isolated), and what an earlier run left. */
async function tenantState(ctx: PromotionContext, shared: string, target: pg.ClientBase): Promise<string> {
  const source = markerSource(ctx, shared);
  const { names } = ctx;
  const tenant = ctx.tenant!;
  // The tenant's database and roles live on the target server (the shared one by default).
  const dbState = await databaseMarker(target, names.database);
  const isolation = tenant.isolation;
  // Schema level into the shared database: its schemas there, no database of its own.
  const inShared = intoSharedDatabase(ctx);
  if (tenant.isolationMode === 'isolated') {
    if (inShared) {
      const want = isolation?.schema?.mappings.map((m) => m.target) ?? [];
      const { rows } = await target.query<{ n: string }>(
        `SELECT nspname AS n FROM pg_namespace WHERE nspname = ANY ($1::text[])`,
        [want],
      );
      const missing = want.filter((s) => !rows.some((r) => r.n === s));
      if (missing.length)
        throw new PromotionError(
          'tenant-state',
          `Tenant "${names.slug}" is marked isolated in schema(s) of the shared database "${shared}", but ${missing.join(', ')} does not exist.`,
          `Restore the schema from backup, or ${rollbackHow(ctx)} to return the tenant to shared with its recorded data, after investigating.`,
        );
    } else if (!dbState.exists) {
      throw new PromotionError(
        'tenant-state',
        `Tenant "${names.slug}" is marked isolated, but its database "${names.database}" does not exist.`,
        `Restore the database from backup, or ${rollbackHow(ctx)} to return the tenant to shared with its recorded data, after investigating.`,
      );
    }
    if (isolation?.state === 'switched') {
      ctx.mode = 'resume';
      adoptSwitchedPlanOptions(ctx);
      return `tenant is isolated but the last run stopped after the switch: resuming routing and cleanup`;
    }
    ctx.mode = 'already-isolated';
    return inShared
      ? `tenant is already isolated in schema(s) ${isolation?.schema?.mappings.map((m) => m.target).join(', ')} of "${shared}"`
      : `tenant is already isolated in "${names.database}"`;
  }
  if (tenant.isolationMode !== 'shared') {
    throw new PromotionError(
      'tenant-state',
      `Tenant "${names.slug}" has isolation_mode "${tenant.isolationMode}"; expected "shared" or "isolated".`,
      'Fix the tenant row by hand before promoting.',
    );
  }
  // Shared: whatever exists under our names must be ours, left by a failed run; it is cleaned by the
  // create steps' undo logic before they create afresh.
  const leftovers: string[] = [];
  if (dbState.exists) {
    if (!fromSource(dbState.marker, source)) {
      throw new PromotionError(
        'tenant-state',
        `Database "${names.database}" already exists${onTarget(ctx)} and was not created by this tool for tenant "${names.slug}" of "${shared}"${otherServer(dbState.marker, source)}.`,
        'Never overwritten: inspect it, then rename or drop it by hand and re-run.',
      );
    }
    leftovers.push(`database ${names.database}`);
  }
  // Schemas of the shared database, at either level: a failed schema-level run of this tenant
  // kept them (keep-on-validation-failure), and its owner role, which a database-level run
  // replaces, cannot be dropped while it holds them (review: an internal error from DROP ROLE).
  if (inShared || !ctx.servers.separate)
    for (const s of await leftTenantSchemas(
      target,
      { toolSchema: sharedToolSchema(names.slug), ownerRole: names.ownerRole },
      source,
    ))
      leftovers.push(`schema ${s}`);
  for (const role of [names.ownerRole, names.appRole]) {
    const r = await roleComment(target, role);
    if (!r.exists) continue;
    if (!fromSource(r.marker, source)) {
      throw new PromotionError(
        'tenant-state',
        `Role "${role}" already exists${onTarget(ctx)} and was not created by this tool for tenant "${names.slug}" of "${shared}"${otherServer(r.marker, source)}.`,
        'Inspect it; rename or drop it by hand and re-run.',
      );
    }
    leftovers.push(`role ${role}`);
  }
  ctx.mode = 'fresh';
  ctx.leftovers = leftovers;
  return leftovers.length
    ? `tenant ${names.slug} is shared; an earlier failed run left ${leftovers.join(', ')}, which will be replaced`
    : `tenant ${names.slug} is shared in "${shared}"`;
}

/** Said when the marker names a shared database of the same name on another server. */
function otherServer(marker: ArtifactMarker | undefined, source: MarkerSource): string {
  return marker?.slug === source.slug &&
    marker.sourceDatabase === source.sourceDatabase &&
    marker.sourceServer &&
    source.sourceServer &&
    marker.sourceServer !== source.sourceServer
    ? ` (it was made for the tenant of that slug in a database of that name on another shared server, system identifier ${marker.sourceServer})`
    : '';
}

/** " on the target server host:port" when the tenant's database goes to a server of its own. */
function onTarget(ctx: PromotionContext): string {
  return ctx.servers.separate ? ` on the target server ${serverName(ctx.servers.targetAdminUrl)}` : '';
}

/** How the front end in use starts a rollback. */
function rollbackHow(ctx: PromotionContext): string {
  const slug = ctx.names.slug;
  switch (ctx.options.frontEnd) {
    case 'cli':
      return `run \`tenant-isolation rollback --tenant-slug=${slug} --confirm\``;
    case 'action':
      return `run a rollback (label promote-tenant-rollback:${slug}, or workflow_dispatch with operation: rollback)`;
    default:
      return `run a rollback (CLI: \`tenant-isolation rollback --tenant-slug=${slug} --confirm\`; action: label promote-tenant-rollback:${slug})`;
  }
}

/**
 * What the run will do to the tables that hold the tenant's rows, checked against what the role
 * may do: SELECT on each (copy, checks), and — unless the shared rows are kept or already removed —
 * DELETE on those cleanup deletes from (UPDATE too where it locks rows FOR UPDATE), with no
 * row-level security hiding rows, and no trigger cleanup's DELETEs would fire that it cannot
 * avoid (replica mode, or disabling it on a table the role owns). The tables come from the same
 * planning the plan step does, on the catalog only.
 */
async function checkSharedTables(ctx: PromotionContext, role: RoleInfo): Promise<string> {
  const db = ctx.lockSession!;
  const { options } = ctx;
  const plan = await plannedTables(ctx, ctx.tenant!.id);
  if (!plan) return '';
  const cleanup =
    !options.keepSharedData && !(ctx.mode === 'resume' && ctx.tenant!.isolation?.shared_rows_removed);
  const outcome = ctx.mode === 'resume' ? 'nothing more was changed' : 'nothing was created';
  const removeReferenced = cleanup && options.cleanupReferencedRows === 'remove-unused';
  await assertAccess(
    db,
    role,
    [...tableNeeds(plan, cleanup), ...(removeReferenced ? await removeUnusedNeeds(db, plan) : [])],
    { frontEnd: options.frontEnd, what: 'a promotion', outcome },
  );
  if (!cleanup) return '';
  if (removeReferenced) await assertTemporary(db, ctx, outcome);

  const triggers = planTriggers(role, await readCleanupTriggers(db, plan.deleteOrder));
  if (triggers.blocking.length > 0) {
    throw triggerRefusal(role, triggers, {
      frontEnd: options.frontEnd,
      before: `refused ${ctx.mode === 'resume' ? 'before cleanup' : 'before anything was created'}`,
    });
  }
  const note = describeTriggerPlan(triggers);
  if (!note) return '';
  ctx.record.notes.push(note);
  return `; ${triggers.fired.length} trigger(s) cleanup would fire: ${triggers.replica ? 'replica mode' : 'disabled for the cleanup transaction'}`;
}

/**
 * cleanup-referenced-rows: remove-unused locks (FOR UPDATE) and deletes rows of the referenced
 * tables, and reads every row of each table with a foreign key into them — planned or not — to
 * prove nothing references a row it removes: a row hidden by row-level security would let its
 * parent go and the foreign key's cascade (which ignores row-level security) take it along.
 */
async function removeUnusedNeeds(db: pg.ClientBase, plan: TenantPlan): Promise<AccessNeed[]> {
  const referenced = plan.tables.filter((t) => t.kind === 'referenced');
  const needs: AccessNeed[] = [];
  for (const t of referenced) {
    for (const command of ['DELETE', 'UPDATE'] as const) {
      needs.push({
        schema: t.schema,
        name: t.name,
        command,
        why: 'cleanup-referenced-rows: remove-unused locks (FOR UPDATE) and deletes the referenced rows no remaining row references',
        cleanup: true,
      });
    }
  }
  for (const t of await readReferencingTables(db, referenced)) {
    needs.push({
      schema: t.schema,
      name: t.name,
      command: 'SELECT',
      why: 'cleanup-referenced-rows: remove-unused reads every row that references a referenced table (a row it cannot see would let its parent be removed)',
      cleanup: true,
    });
  }
  return needs;
}

/** remove-unused keeps its candidates in a temporary table: TEMPORARY on the shared database. */
async function assertTemporary(db: pg.ClientBase, ctx: PromotionContext, outcome: string): Promise<void> {
  const { rows } = await db.query<{ ok: boolean; db: string; role: string }>(
    `SELECT has_database_privilege(current_database(), 'TEMPORARY') AS ok, current_database() AS db, current_user AS role`,
  );
  const r = rows[0]!;
  if (r.ok) return;
  throw new PromotionError(
    'permission-denied',
    `Role "${r.role}" may not create temporary tables in database "${r.db}"; cleanup-referenced-rows: remove-unused needs one at cleanup, so ${outcome}.`,
    `Grant it (GRANT TEMPORARY ON DATABASE ${pg.escapeIdentifier(r.db)} TO ${pg.escapeIdentifier(r.role)};), or set ${settingName('cleanup-referenced-rows', ctx.options.frontEnd)} to keep.`,
  );
}

/**
 * The tables the plan step will plan, from the catalog alone (the tenant id only shapes the
 * predicates, unused here). Undefined when the planner refuses the configuration: the plan step
 * then names what is wrong, with its remedy.
 */
async function plannedTables(
  ctx: PromotionContext,
  tenantId: string | undefined,
): Promise<TenantPlan | undefined> {
  const { options } = ctx;
  try {
    const graph = await readTableGraph(ctx.lockSession!);
    return planTenant(graph, {
      tenantsTable: options.tenantsTable,
      tenantKey: options.tenantKey,
      tenantIdColumn: options.tenantIdColumn,
      tenantId: tenantId ?? '',
      referenceTables: options.referenceTables,
      sharedRows: options.sharedRows,
      tableOverrides: options.tableOverrides,
      globalRows: true,
    });
  } catch {
    return undefined;
  }
}

/**
 * SELECT on every planned table but the tenants table (checked first); with cleanup, DELETE on
 * those it deletes from, and UPDATE on those whose rows it locks FOR UPDATE before deleting.
 */
function tableNeeds(plan: TenantPlan, cleanup: boolean): AccessNeed[] {
  const needs: AccessNeed[] = [];
  for (const t of plan.tables) {
    if (t.kind === 'root') continue;
    needs.push({
      schema: t.schema,
      name: t.name,
      command: 'SELECT',
      why:
        t.kind === 'reference'
          ? 'a reference table, copied whole'
          : "the run copies and verifies the tenant's rows",
    });
  }
  if (!cleanup) return needs;
  const referenced = new Set(plan.tables.flatMap((t) => (t.foreignKeys ?? []).map((fk) => fk.references)));
  for (const t of plan.deleteOrder) {
    needs.push({
      schema: t.schema,
      name: t.name,
      command: 'DELETE',
      why: "cleanup deletes the tenant's rows after the switch",
      cleanup: true,
    });
    if (referenced.has(t.qualified)) {
      needs.push({
        schema: t.schema,
        name: t.name,
        command: 'UPDATE',
        why: "cleanup locks the tenant's rows that other rows reference, SELECT … FOR UPDATE, before deleting",
        cleanup: true,
      });
    }
  }
  return needs;
}
