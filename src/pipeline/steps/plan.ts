import pg from 'pg';
import { PromotionError } from '../../errors';
import { readTableGraph } from '../../postgres/catalog';
import { exportSnapshot } from '../../postgres/copy';
import { setTenantId } from '../../postgres/connect';
import { measurePlan } from '../../postgres/plan-check';
import { planTenant } from '../../postgres/plan';
import { resolveTenantKey } from '../../postgres/tenant-key';
import type { PromotionContext } from '../context';
import type { Step } from '../step';

/**
 * Exports the snapshot every later read of the shared rows uses, and plans from the catalog
 * which tables hold the tenant's rows; blockers (rows reaching two tenants) stop the run here.
 */
export const planStep: Step<PromotionContext> = {
  name: 'plan',
  title: 'Plan the tables',
  async run(ctx) {
    const snapshot = await exportSnapshot(ctx.options.databaseUrl);
    ctx.snapshot = snapshot;
    const graph = await readTableGraph(snapshot.client);
    // The value the tenant's rows carry, read from the tenants row of this slug at the snapshot, in
    // the column the rule names (not necessarily id); refused here, before anything is created.
    const key = await resolveTenantKey(snapshot.client, graph, ctx.options, ctx.names.slug);
    await setTenantId(snapshot.client, key.value);
    ctx.log.info(
      `tenant key ${ctx.options.tenantKey} holds ${ctx.options.tenantsTable}.${key.column} (${key.source === 'option' ? 'tenant-id-column' : 'foreign keys'}): ${key.value}`,
    );
    const planned = planTenant(graph, {
      tenantsTable: ctx.options.tenantsTable,
      tenantKey: ctx.options.tenantKey,
      tenantIdColumn: ctx.options.tenantIdColumn,
      tenantId: key.value,
      referenceTables: ctx.options.referenceTables,
    });
    await assertReadable(snapshot.client, planned.tables);
    const plan = await measurePlan(snapshot.client, planned);
    ctx.plan = plan;
    ctx.record.notes.push(...plan.notes);
    ctx.record.tables = plan.tables.map((t) => ({
      schema: t.schema,
      name: t.name,
      kind: t.kind,
      plannedRows: t.rows,
      bytes: t.bytes,
    }));
    for (const t of plan.tables)
      ctx.log.info(`${t.kind.padEnd(9)} ${t.schema}.${t.name}: ${t.rows ?? '?'} rows`);
    if (plan.blockers.length) {
      throw new PromotionError(
        'plan-blocked',
        `The tenant's rows cannot be separated cleanly: ${plan.blockers.join('; ')}`,
        'Fix the rows named above in the shared database (they link this tenant to another), then re-run.',
      );
    }
    const rows = plan.tables.reduce((n, t) => n + (t.rows ?? 0), 0);
    return `${plan.tables.length} tables, ${rows} rows to copy`;
  },
  async undo(ctx) {
    await releaseSnapshot(ctx);
  },
};

/**
 * Every planned table must be readable by the connecting role: otherwise measuring or copying
 * fails half-way with a bare "permission denied". Names every such table at once, before
 * anything is created.
 */
async function assertReadable(
  client: pg.ClientBase,
  tables: readonly { qualified: string }[],
): Promise<void> {
  const { rows } = await client.query<{ who: string; denied: string[] | null }>(
    `SELECT current_user AS who, array_agg(t ORDER BY t) FILTER (WHERE NOT has_table_privilege(t, 'SELECT')) AS denied
       FROM unnest($1::text[]) AS t`,
    [tables.map((t) => t.qualified)],
  );
  const denied = rows[0]?.denied ?? [];
  if (denied.length === 0) return;
  throw new PromotionError(
    'permission-denied',
    `Role "${rows[0]!.who}" cannot read ${denied.length === 1 ? 'table' : 'tables'} ${denied.join(', ')} of the shared database, which the promotion must copy; nothing was changed.`,
    `Grant it: GRANT SELECT ON ${denied.join(', ')} TO ${pg.escapeIdentifier(rows[0]!.who)}; or use a database-url whose role can read every table that holds tenant rows.`,
  );
}

export async function releaseSnapshot(ctx: PromotionContext): Promise<void> {
  const snap = ctx.snapshot;
  ctx.snapshot = undefined;
  if (snap) await snap.release();
}
