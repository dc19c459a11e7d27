import pg from 'pg';
import { sharedAppRoles } from '../../postgres/app-roles';
import { connectAll, withConnection } from '../../postgres/connect';
import {
  applyAfterData,
  applyStatements,
  buildSchemaScript,
  syncSequences,
} from '../../postgres/schema-clone';
import { inverseSchemaMap, schemaRoleStatements } from '../../postgres/schema-layout';
import type { PromotionContext } from '../context';
import type { Step } from '../step';
import { intoSharedDatabase, tenantDatabase, tenantDatabaseUrl } from '../tenant-place';
import { cloneBlockedError, noteUnsupported } from './rehearse-clone';

const qi = pg.escapeIdentifier;

function withTarget<T>(ctx: PromotionContext, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  return withConnection(tenantDatabaseUrl(ctx), fn);
}

/**
 * Types, sequences, tables, functions, views, RLS policies — everything but indexes,
 * constraints and triggers, which come after the data (faster, and COPY must not fire triggers).
 * Read from the copy snapshot, so the schema is the one the data was read with.
 */
export const cloneSchemaStep: Step<PromotionContext> = {
  name: 'clone-schema',
  title: 'Clone the schema (before data)',
  async run(ctx) {
    // Generated (and checked) by rehearse-clone from the same snapshot; built here only when that
    // step did not run.
    if (!ctx.schemaScript) {
      const source = ctx.snapshot!.client;
      const shared = await sharedAppRoles(source, ctx.plan!, ctx.options.sharedAppRole);
      ctx.sharedRoles = shared;
      ctx.schemaScript = await buildSchemaScript(source, {
        ownerRole: ctx.names.ownerRole,
        roleMap: new Map(shared.map((r) => [r, ctx.names.appRole])),
        leaveOut: ctx.plan!.skipped,
        targetVersion: ctx.targetVersion,
        schemaLayout: ctx.schemaLayout,
      });
      noteUnsupported(ctx, ctx.schemaScript);
    }
    const script = ctx.schemaScript;
    const shared = ctx.sharedRoles ?? [];
    if (script.blockers.length) throw cloneBlockedError(script.blockers);
    await withTarget(ctx, (target) =>
      applyStatements(target, script.beforeData, undefined, script.searchPath),
    );
    const mapped = shared.length
      ? `; grants and policies of ${shared.join(', ')} remapped to ${ctx.names.appRole}`
      : '';
    return `${script.beforeData.length} statements${mapped}`;
  },
  // The database is dropped by create-database's undo.
};

/**
 * Memory for the step's index builds (and foreign-key joins), shared by its sessions and raised
 * to that share when the server's own setting is lower: PostgreSQL's default of 64MB per session
 * makes a build of a few million rows sort on disk. Bounded in total (two sessions get 256MB
 * each; from eight on, each keeps the default).
 */
export const AFTER_DATA_MAINTENANCE_WORK_MEM_MB = 512;
const MAINTENANCE_WORK_MEM_FLOOR_MB = 64;

export const cloneSchemaAfterStep: Step<PromotionContext> = {
  name: 'clone-schema-after',
  title: 'Indexes, constraints, triggers, sequences (after data)',
  async run(ctx) {
    const script = ctx.schemaScript!;
    const { names } = ctx;
    const url = tenantDatabaseUrl(ctx);
    // As many sessions as the copy had workers (the load the run was allowed to put on the
    // server), no more than a stage has units.
    const widest = Math.max(1, ...script.afterDataStages.map((s) => s.units.length));
    const sessions = await connectAll(Array(Math.min(ctx.options.copyParallelism, widest)).fill(url));
    try {
      const target = sessions[0]!;
      const share = Math.max(
        MAINTENANCE_WORK_MEM_FLOOR_MB,
        Math.floor(AFTER_DATA_MAINTENANCE_WORK_MEM_MB / sessions.length),
      );
      await Promise.all(sessions.map((s) => raiseMaintenanceMemory(s, share)));
      const layout = ctx.schemaLayout?.layout;
      // Into the shared database: the tenant's schemas only (the others there are the shared ones).
      const only = intoSharedDatabase(ctx) ? layout!.mappings.map((m) => m.target) : undefined;
      const tableBytes = await relationBytes(target, only);
      await applyAfterData(sessions, script, {
        tableBytes,
        onStage: (label, units, ms) =>
          ctx.log.info(`${label}: ${units} unit${units === 1 ? '' : 's'} in ${ms} ms`),
      });
      const back = layout && inverseSchemaMap(layout);
      let started = Date.now();
      const seqs = await syncSequences(ctx.snapshot!.client, target, back);
      ctx.log.info(`sequences: ${seqs.length} set in ${Date.now() - started} ms`);
      started = Date.now();
      await grantApplicationRole(
        target,
        names.appRole,
        tenantDatabase(ctx),
        ctx.sharedRoles?.length ? 'remapped' : 'baseline',
        only,
      );
      // Schema level: USAGE on its schemas and the extensions' schemas, and a search_path that
      // starts with its schemas, so the application's bare names resolve there.
      if (layout)
        for (const sql of schemaRoleStatements(layout, names.appRole, tenantDatabase(ctx)))
          await target.query(sql);
      ctx.log.info(`grants: ${Date.now() - started} ms`);
      // No ANALYZE here: the performance check, which every promotion runs before the switch,
      // analyzes the tenant's database first (validation/performance.ts); analyzing here too
      // took as long as building every index (1.5–2.3 s of a 1M-row tenant's 3.5–5 s step).
      return `${script.afterData.length} statements on ${sessions.length} session${sessions.length === 1 ? '' : 's'}, ${seqs.length} sequences set at or above the shared values`;
    } finally {
      await Promise.all(sessions.map((s) => s.end().catch(() => undefined)));
    }
  },
};

/** Raises the session's maintenance_work_mem to `mb`, never lowers it. */
async function raiseMaintenanceMemory(session: pg.ClientBase, mb: number): Promise<void> {
  // pg_settings gives it in kB.
  await session.query(
    `SELECT pg_catalog.set_config('maintenance_work_mem', $1, false) FROM pg_catalog.pg_settings
      WHERE name = 'maintenance_work_mem' AND setting::bigint < $2::bigint * 1024`,
    [`${mb}MB`, mb],
  );
}

/** Bytes of every table and materialized view (partitions included), by qualified name: the largest is built first. */
async function relationBytes(target: pg.ClientBase, only?: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await target.query<{ name: string; bytes: string }>(
    `SELECT n.nspname || '.' || c.relname AS name, pg_catalog.pg_relation_size(c.oid)::text AS bytes
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND ($1::text[] IS NULL OR n.nspname = ANY($1::text[]))`,
    [only ?? null],
  );
  return new Map(rows.map((r) => [r.name, Number(r.bytes)]));
}

/**
 * CONNECT on its own database and USAGE on its schemas always; DML and sequence privileges as
 * the shared application role had them (remapped by the clone), or — when no such role was
 * found — DML on every table and use of every sequence.
 */
async function grantApplicationRole(
  target: pg.ClientBase,
  role: string,
  database: string,
  mode: 'remapped' | 'baseline',
  /** Schema level into the shared database: the tenant's schemas, the only ones it gets. */
  only?: readonly string[],
): Promise<void> {
  await target.query(`GRANT CONNECT ON DATABASE ${qi(database)} TO ${qi(role)}`);
  const { rows } = only
    ? { rows: only.map((nspname) => ({ nspname })) }
    : await target.query<{ nspname: string }>(
        `SELECT nspname FROM pg_namespace
          WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', '_tenant_isolation') AND nspname NOT LIKE 'pg_temp%'
            AND nspname NOT LIKE 'pg_toast_temp%'`,
      );
  for (const { nspname } of rows) {
    await target.query(`GRANT USAGE ON SCHEMA ${qi(nspname)} TO ${qi(role)}`);
    if (mode === 'baseline') {
      await target.query(
        `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${qi(nspname)} TO ${qi(role)}`,
      );
      await target.query(
        `GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${qi(nspname)} TO ${qi(role)}`,
      );
    }
  }
}
