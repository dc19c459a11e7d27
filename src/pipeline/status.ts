import { sharedAppRoles } from '../postgres/app-roles';
import { access, readFile } from 'node:fs/promises';
import type pg from 'pg';
import { z } from 'zod';
import { describeError, PromotionError } from '../errors';
import { deriveNames } from '../names';
import { memoryLogger, type Logger } from '../log';
import type { PromotionOptions } from '../options';
import { readTableGraph } from '../postgres/catalog';
import { connect, setTenantId, withConnection } from '../postgres/connect';
import { planTenant } from '../postgres/plan';
import { DRIFTED } from '../validation/schema-parity';
import { switchedPlanOptions, withRecordedPlanOptions } from './plan-options';
import { resolveTenantKey } from '../postgres/tenant-key';
import { readSequences, sequenceRangeStatus, unrangedSequencesNote } from '../postgres/sequence-ranges';
import { quoteQualified } from '../postgres/sql';
import { serverName, serversFrom } from '../postgres/servers';
import { assertRecordedServer } from '../postgres/target-server';
import { targetOf, withTargets, type TenantPlan } from '../postgres/plan-types';
import { safeUrl } from '../secrets';
import { CheckRecord, TableKind } from './record';
import { LoadBalancerConfig, RoutingConfig, routingPaths, schemaRouting } from './routing';
import { IsolationSettings, parseIsolation } from './tenant-state';
import { inverseSchemaMap, schemaMap } from '../postgres/schema-layout';

/**
 * `status`: what is true about one tenant right now, read from the shared database, the
 * isolated database, the cluster's roles and the routing files. Read-only.
 */

export const Overall = z.enum(['shared', 'isolated', 'partial']);
export type Overall = z.infer<typeof Overall>;

export const TableStatus = z.object({
  schema: z.string(),
  name: z.string(),
  kind: TableKind,
  /** The tenant's rows in the shared database (all rows for reference tables); null if unreadable. */
  shared: z.number().nullable(),
  /** Rows in the isolated database; null when it (or the table) does not exist. */
  isolated: z.number().nullable(),
});
export type TableStatus = z.infer<typeof TableStatus>;

export const TenantStatus = z.object({
  tenant: z.string(),
  overall: Overall,
  /** Why `overall` is what it is; for `partial`, each inconsistency found and how to fix it. */
  reasons: z.array(z.string()),
  checkedAt: z.string(),
  sharedDatabase: z.string(),
  tenantRow: z.object({
    id: z.string(),
    isolationMode: z.string(),
    /** The column of the tenants table the tenant key holds (the plan's rule), and this tenant's value in it. */
    key: z.object({ column: z.string(), value: z.string() }).optional(),
  }),
  /** `settings.isolation` as stored (state, audit history, service…); null when never promoted. */
  isolation: IsolationSettings.nullable(),
  /** Set when `settings.isolation` exists but does not parse. */
  isolationError: z.string().optional(),
  database: z.object({ name: z.string(), exists: z.boolean() }),
  /** The level the tenant was promoted at (settings.isolation.isolation_level; absent there: database). */
  isolationLevel: z.enum(['database', 'schema']),
  /** Schema level: the tenant's schema in that database and the search_path its application sets. */
  schema: z.object({ name: z.string(), searchPath: z.array(z.string()) }).optional(),
  roles: z.array(z.object({ name: z.string(), purpose: z.enum(['owner', 'app']), exists: z.boolean() })),
  tables: z.array(TableStatus),
  /** Planning problems (blockers) and notes; informative in status. */
  planNotes: z.array(z.string()),
  routing: z.array(z.object({ path: z.string(), exists: z.boolean(), valid: z.boolean() })),
  serviceUrl: z.string().optional(),
  /**
   * Per sequence: the shared side's value and the ids it keeps, the isolated side's value and
   * MINVALUE–MAXVALUE, and the range the register gives the tenant (see sequence-ranges.ts).
   * Present once the tenant has a range.
   */
  sequenceRanges: z
    .object({
      slot: z.number(),
      sequences: z.array(
        z.object({
          sequence: z.string(),
          type: z.string(),
          shared: z.object({ value: z.string().nullable(), keeps: z.string() }).nullable(),
          isolated: z
            .object({ value: z.string().nullable(), first: z.string(), last: z.string() })
            .nullable(),
          registered: z.object({ first: z.string(), last: z.string() }).nullable(),
        }),
      ),
    })
    .optional(),
  /** `--verify`: the post-promotion checks re-run against the isolated database. */
  checks: z.array(CheckRecord).optional(),
  /**
   * `--verify`: `damaged` when a check proves something wrong (a row of another tenant, a broken
   * foreign key, a lost index or constraint, a sequence behind its column…: a `fail`, exit 1);
   * `changed` when row counts or digests differ from those recorded at the switch (the
   * application's writes: information, exit 0); `unchanged` otherwise.
   */
  verdict: z.enum(['unchanged', 'changed', 'drifted', 'damaged']).optional(),
});
export type TenantStatus = z.infer<typeof TenantStatus>;

interface TenantRowRead {
  id: string;
  idType: string;
  isolationMode: string;
  settings: unknown;
}

/** The tenant's row, by slug; unlike the engine's readTenant it keeps a malformed settings.isolation for the report. */
async function readTenantRow(
  client: pg.ClientBase,
  tenantsTable: string,
  slug: string,
): Promise<TenantRowRead> {
  const { rows } = await client.query<{
    id: string;
    id_type: string;
    isolation_mode: string | null;
    settings: unknown;
  }>(
    `SELECT t.id::text AS id, pg_typeof(t.id)::text AS id_type, t.isolation_mode::text AS isolation_mode, t.settings
       FROM ${quoteQualified(tenantsTable)} t WHERE t.slug = $1`,
    [slug],
  );
  const row = rows[0];
  if (!row) {
    throw new PromotionError(
      'tenant-not-found',
      `Tenant "${slug}" was not found in ${tenantsTable}.`,
      'Check the slug (the slug column of the tenants table) and that the connection points at the shared database.',
    );
  }
  return {
    id: row.id,
    idType: row.id_type,
    isolationMode: row.isolation_mode ?? 'shared',
    settings: row.settings,
  };
}

async function countRows(client: pg.ClientBase, sql: string): Promise<number | null> {
  try {
    const { rows } = await client.query<{ n: string }>(sql);
    return Number(rows[0]?.n ?? 0);
  } catch {
    return null;
  }
}

/** A routing file: present, and valid against its schema. */
async function fileState(
  path: string,
  schema: z.ZodType,
): Promise<{ path: string; exists: boolean; valid: boolean }> {
  try {
    await access(path);
  } catch {
    return { path, exists: false, valid: false };
  }
  try {
    return { path, exists: true, valid: schema.safeParse(JSON.parse(await readFile(path, 'utf8'))).success };
  } catch {
    return { path, exists: true, valid: false };
  }
}

/** Decides shared / isolated / partial from the facts gathered (pure). */
export function judge(s: Omit<TenantStatus, 'overall' | 'reasons'>): { overall: Overall; reasons: string[] } {
  const problems: string[] = [];
  const mode = s.tenantRow.isolationMode;
  const state = s.isolation?.state;
  const rolesPresent = s.roles.filter((r) => r.exists).map((r) => r.name);
  const filesPresent = s.routing.filter((f) => f.exists).map((f) => f.path);
  if (s.isolationError) problems.push(`settings.isolation does not parse: ${s.isolationError}`);

  // Into the shared database (schema level) the tenant's side is its schemas there.
  const side =
    s.isolation?.schema?.into === 'shared-database'
      ? `the tenant's schema(s) ${s.isolation.schema.mappings.map((m) => m.target).join(', ')} of database ${s.database.name}`
      : `database ${s.database.name}`;
  if (mode === 'isolated') {
    if (!s.database.exists) {
      problems.push(
        `status says isolated but ${side} does not exist; restore it, or roll back with: rollback --tenant-slug=${s.tenant} --confirm`,
      );
    }
    if (state === 'switched') {
      problems.push(
        'a promotion stopped after its switch (state "switched"); re-run promote to finish routing and cleanup',
      );
    } else if (state !== 'complete') {
      problems.push(
        `status says isolated but settings.isolation.state is ${state ? `"${state}"` : 'missing'}`,
      );
    }
    for (const r of s.roles.filter((r) => !r.exists))
      problems.push(`role ${r.name} (${r.purpose}) does not exist`);
    for (const f of s.routing.filter((f) => !f.exists)) problems.push(`routing file ${f.path} is missing`);
    for (const f of s.routing.filter((f) => f.exists && !f.valid))
      problems.push(`routing file ${f.path} does not match its schema`);
    if (s.database.exists) {
      for (const t of s.tables.filter((t) => t.isolated === null)) {
        problems.push(`table ${t.schema}.${t.name} is missing from ${s.database.name}`);
      }
    }
    if (problems.length === 0) {
      const kept = s.tables.filter((t) => t.kind !== 'reference' && t.kind !== 'root' && (t.shared ?? 0) > 0);
      return {
        overall: 'isolated',
        reasons: [
          `isolated in ${s.database.name}${s.isolation?.isolated_at ? ` since ${s.isolation.isolated_at}` : ''}`,
          ...(kept.length > 0 ? [`shared rows kept in ${kept.length} table(s) (keep-shared-data)`] : []),
        ],
      };
    }
    return { overall: 'partial', reasons: problems };
  }

  if (mode !== 'shared') problems.push(`isolation_mode is "${mode}", expected shared or isolated`);
  if (s.database.exists) {
    problems.push(
      `${side} exists but status says shared (an interrupted promotion, or a rollback that kept isolated data); re-run promote, or rollback to drop it`,
    );
  }
  if (rolesPresent.length > 0)
    problems.push(`role(s) ${rolesPresent.join(', ')} exist but status says shared`);
  if (filesPresent.length > 0)
    problems.push(`routing file(s) ${filesPresent.join(', ')} exist but status says shared`);
  if (problems.length === 0) {
    return {
      overall: 'shared',
      reasons: [state === 'rolled-back' ? 'in the shared database (rolled back)' : 'in the shared database'],
    };
  }
  return { overall: 'partial', reasons: problems };
}

/** Gathers the tenant's status. Throws PromotionError when the tenant or its table is missing. */
export async function tenantStatus(
  given: PromotionOptions,
  opts: { verify?: boolean; log?: Logger } = {},
): Promise<TenantStatus> {
  let options = given;
  const servers = serversFrom(options);
  const shared = await connect(servers.sharedUrl);
  // The tenant's database and roles are on the target server (the shared one by default).
  let target: pg.Client = shared;
  if (servers.separate) {
    try {
      target = await connect(servers.targetAdminUrl);
    } catch (e) {
      await shared.end().catch(() => undefined);
      throw new PromotionError(
        'target-server',
        `The target server ${serverName(servers.targetAdminUrl)} is not reachable: ${describeError(e).message}`,
        'Check --target-database-url (or TARGET_DATABASE_URL): status reads the tenant database and roles there.',
        { cause: e },
      );
    }
  }
  try {
    const sharedDatabase = (await shared.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!
      .db;
    const row = await readTenantRow(shared, options.tenantsTable, options.tenantSlug);

    let isolation: IsolationSettings | undefined;
    let isolationError: string | undefined;
    try {
      isolation = parseIsolation(row.settings);
    } catch (e) {
      isolationError = e instanceof Error ? e.message.slice(0, 300) : String(e);
    }

    if (row.isolationMode === 'isolated')
      assertRecordedServer(isolation?.isolated_server, servers, options.tenantSlug, options.frontEnd);
    // An isolated tenant is counted and verified with the plan its switch made.
    const adopted = withRecordedPlanOptions(given, switchedPlanOptions(isolation));
    options = adopted.options;
    const names = deriveNames(options.tenantSlug, options.baseDomain);
    const dbName = isolation?.isolated_db_name ?? names.database;
    // Into the shared database (schema level) the tenant's side is its schemas there, not the
    // database (which always exists): it exists while any of them does.
    const intoShared = isolation?.schema?.into === 'shared-database';
    const dbExists = intoShared
      ? ((
          await shared.query('SELECT 1 FROM pg_namespace WHERE nspname = ANY ($1::text[])', [
            isolation!.schema!.mappings.map((m) => m.target),
          ])
        ).rowCount ?? 0) > 0
      : (await target.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName])).rowCount === 1;
    const roleList = [
      { name: isolation?.owner_role ?? names.ownerRole, purpose: 'owner' as const },
      { name: isolation?.app_role ?? names.appRole, purpose: 'app' as const },
    ];
    const roles = [];
    for (const r of roleList) {
      const exists =
        (await target.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [r.name])).rowCount === 1;
      roles.push({ ...r, exists });
    }

    const graph = await readTableGraph(shared);
    // The tenant's rows carry the value of the column the rule names, not necessarily id.
    const key = await resolveTenantKey(shared, graph, options, options.tenantSlug);
    const planned: TenantPlan = planTenant(graph, {
      tenantsTable: options.tenantsTable,
      tenantKey: options.tenantKey,
      tenantIdColumn: options.tenantIdColumn,
      tenantId: key.value,
      referenceTables: options.referenceTables,
      sharedRows: options.sharedRows,
      tableOverrides: options.tableOverrides,
      globalRows: true,
    });
    // Schema level: the tenant's side holds each table under its mapped schema (recorded at the switch).
    const layout = isolation?.schema;
    const plan = layout ? withTargets(planned, schemaMap(layout)) : planned;
    const schema = schemaRouting(
      names.database,
      layout && { mappings: layout.mappings, searchPath: layout.search_path },
    );
    await setTenantId(shared, key.value);
    const tables: TableStatus[] = [];
    for (const t of plan.tables) {
      tables.push({
        schema: t.schema,
        name: t.name,
        kind: t.kind,
        shared: await countRows(shared, `SELECT count(*) AS n FROM ${t.qualified} t WHERE ${t.where}`),
        isolated: null,
      });
    }
    if (dbExists) {
      const isolated = await connect(servers.tenantDatabaseUrl(dbName)).catch(() => undefined);
      if (isolated) {
        try {
          for (const [i, t] of plan.tables.entries()) {
            tables[i]!.isolated = await countRows(isolated, `SELECT count(*) AS n FROM ${targetOf(t)}`);
          }
        } finally {
          await isolated.end().catch(() => undefined);
        }
      }
    }

    // Each side's range per sequence, once the tenant has one (read-only; never fails the status).
    let sequenceRanges: TenantStatus['sequenceRanges'];
    let unranged: string | undefined;
    if (isolation?.sequence_range) {
      const isolated = dbExists
        ? await connect(servers.tenantDatabaseUrl(dbName)).catch(() => undefined)
        : undefined;
      try {
        sequenceRanges = {
          slot: isolation.sequence_range.slot,
          sequences: await sequenceRangeStatus(
            shared,
            isolated,
            isolation.sequence_range,
            layout && inverseSchemaMap(layout),
          ),
        };
        if (isolated && row.isolationMode === 'isolated')
          unranged = unrangedSequencesNote(await readSequences(isolated));
      } catch {
        sequenceRanges = undefined;
      } finally {
        await isolated?.end().catch(() => undefined);
      }
    }

    const paths = routingPaths(options.configDir, options.tenantSlug);
    const routing = [
      await fileState(paths.routing, RoutingConfig),
      await fileState(paths.loadBalancer, LoadBalancerConfig),
    ];

    const facts = {
      tenant: options.tenantSlug,
      checkedAt: new Date().toISOString(),
      sharedDatabase,
      tenantRow: {
        id: row.id,
        isolationMode: row.isolationMode,
        key: { column: key.column, value: key.value },
      },
      isolation: isolation ?? null,
      ...(isolationError !== undefined && { isolationError }),
      database: { name: dbName, exists: dbExists },
      isolationLevel: isolation?.isolation_level ?? 'database',
      ...(schema && { schema }),
      roles,
      tables,
      planNotes: [
        ...(adopted.note ? [adopted.note] : []),
        ...plan.blockers.map((b) => `blocker: ${b}`),
        ...plan.notes,
        ...(unranged ? [unranged] : []),
      ],
      routing,
      ...(isolation?.service?.url !== undefined && { serviceUrl: isolation.service.url }),
      ...(sequenceRanges !== undefined && { sequenceRanges }),
    };
    const status = TenantStatus.parse({ ...facts, ...judge(facts) });
    if (opts.verify) {
      status.checks = await verifyTenant(options, status, plan, opts.log ?? memoryLogger());
      status.verdict = verdictOf(status.checks);
    }
    return status;
  } catch (e) {
    if (e instanceof PromotionError) throw e;
    throw new PromotionError(
      'database',
      `Reading the status of "${options.tenantSlug}" from ${safeUrl(options.databaseUrl)} failed: ${e instanceof Error ? e.message : String(e)}`,
      'Check the connection settings (DATABASE_URL or DB_*) and that the user can read the catalog.',
      { cause: e },
    );
  } finally {
    if (target !== shared) await target.end().catch(() => undefined);
    await shared.end().catch(() => undefined);
  }
}

/**
 * Pure: `damaged` on any failed check, `drifted` when the tenant's schema changed since the
 * switch, `changed` on rows changed since the switch, else `unchanged`.
 */
export function verdictOf(checks: CheckRecord[]): NonNullable<TenantStatus['verdict']> {
  if (checks.some((c) => c.status === 'fail')) return 'damaged';
  if (checks.some((c) => c.status === 'warn' && c.reason.startsWith(DRIFTED))) return 'drifted';
  if (checks.some((c) => c.status === 'warn' && c.reason.startsWith('changed since the switch')))
    return 'changed';
  return 'unchanged';
}

/**
 * `status --verify`: the post-promotion checks again, against the isolated database and the
 * counts and digests recorded at the switch — whether or not the shared rows were kept: after the
 * switch the isolated database is the tenant's, and the switch's record is what it was proved
 * equal to. Row counts and digests that differ from it are changes the application made since
 * (information, see CheckContext.afterSwitch); the other checks still fail on what they can prove
 * wrong. A promotion without a record (made before digests were recorded) is compared with the
 * shared rows, the tenants table without the columns the promotion changes. Access control is
 * skipped: it logs in as the tenant's role, whose password is not stored anywhere.
 */
async function verifyTenant(
  options: PromotionOptions,
  status: TenantStatus,
  plan: TenantPlan,
  log: Logger,
): Promise<CheckRecord[]> {
  if (!status.database.exists || status.tenantRow.isolationMode !== 'isolated') {
    throw new PromotionError(
      'tenant-state',
      `Nothing to verify: tenant "${status.tenant}" is ${status.overall}${status.database.exists ? '' : ` and ${status.database.name} does not exist`}.`,
      'status --verify checks an isolated tenant; promote it first.',
    );
  }
  const { defaultChecks, runChecks } = await import('../validation');
  const names = deriveNames(options.tenantSlug, options.baseDomain);
  const isolation = status.isolation;
  // The roles the clone remapped, found as the clone step found them.
  const servers = serversFrom(options);
  const mappedRoles = await withConnection(servers.sharedUrl, (shared) =>
    sharedAppRoles(shared, plan, options.sharedAppRole),
  );
  const checks = defaultChecks.filter((c) => c.name !== 'access-control');
  const records = await runChecks(
    {
      sourceUrl: servers.sharedUrl,
      targetUrl: servers.tenantDatabaseUrl(status.database.name),
      separateServers: servers.separate,
      tenantId: plan.tenantId,
      plan,
      tenantKey: options.tenantKey,
      tenantIdColumn: options.tenantIdColumn,
      names: { ...names, database: status.database.name },
      sharedDatabase: status.sharedDatabase,
      appRole: { name: isolation?.app_role ?? names.appRole, password: '' },
      mappedRoles,
      ...(isolation?.schema && {
        schemaLayout: {
          into: isolation.schema.into,
          mappings: isolation.schema.mappings,
          searchPath: isolation.schema.search_path,
        },
      }),
      ...(isolation?.verified && { recorded: isolation.verified }),
      afterSwitch: true,
      filesToScan: status.routing.filter((f) => f.exists).map((f) => f.path),
      textsToScan: [],
      secrets: [],
      ...(status.serviceUrl && {
        service: { url: status.serviceUrl, healthPath: options.cloudRun?.healthPath ?? '/health' },
      }),
      log,
    },
    checks,
  );
  records.push({
    name: 'access-control',
    title: 'Access control',
    status: 'skip',
    reason: "logs in as the tenant's role, whose password is not stored; run by promote",
    details: [],
  });
  return records;
}
