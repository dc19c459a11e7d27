import pg from 'pg';
import { sharedAppRoles } from '../../postgres/app-roles';
import { withConnection } from '../../postgres/connect';
import { applyStatements, buildSchemaScript, syncSequences } from '../../postgres/schema-clone';
import { inverseSchemaMap, schemaRoleStatements } from '../../postgres/schema-layout';
import type { PromotionContext } from '../context';
import type { Step } from '../step';
import { intoSharedDatabase, tenantDatabase, tenantDatabaseUrl } from '../tenant-place';
import { targetOf } from '../../postgres/plan-types';
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

export const cloneSchemaAfterStep: Step<PromotionContext> = {
  name: 'clone-schema-after',
  title: 'Indexes, constraints, triggers, sequences (after data)',
  async run(ctx) {
    const script = ctx.schemaScript!;
    const { names } = ctx;
    const synced = await withTarget(ctx, async (target) => {
      await applyStatements(target, script.afterData, undefined, script.searchPath);
      const layout = ctx.schemaLayout?.layout;
      const back = layout && inverseSchemaMap(layout);
      const seqs = await syncSequences(ctx.snapshot!.client, target, back);
      // Into the shared database: the tenant's schemas only (the others there are the shared ones).
      const only = intoSharedDatabase(ctx) ? layout!.mappings.map((m) => m.target) : undefined;
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
      if (only) for (const t of ctx.plan!.tables) await target.query(`ANALYZE ${targetOf(t)}`);
      else await target.query('ANALYZE');
      return seqs;
    });
    return `${script.afterData.length} statements, ${synced.length} sequences set at or above the shared values`;
  },
};

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
