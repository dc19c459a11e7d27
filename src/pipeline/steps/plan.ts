import pg from 'pg';
import { PromotionError, settingName, type FrontEnd } from '../../errors';
import { applyOrder, applyOrderFindings, type OrderTable } from '../../postgres/apply-order';
import { readTableGraph, type TableGraph } from '../../postgres/catalog';
import { exportSnapshot } from '../../postgres/copy';
import { largeObjectNotes, planLargeObjects, referencedLargeObjects } from '../../postgres/large-objects';
import { referencedByOthers } from '../../postgres/rollback-large-objects';
import { assessSharedLargeObjects } from '../../postgres/shared-large-objects';
import { setTenantId } from '../../postgres/connect';
import { measurePlan } from '../../postgres/plan-check';
import { planTenant } from '../../postgres/plan';
import { withTargets, type TablePlan, type TenantPlan } from '../../postgres/plan-types';
import { schemaMap } from '../../postgres/schema-layout';
import { resolveTenantKey } from '../../postgres/tenant-key';
import type { PromotionContext } from '../context';
import type { Step } from '../step';
import { withShared } from '../ownership';
import { planSchemaLevel } from '../schema-plan';
import { reserveSequenceRange } from '../../postgres/sequence-ranges';

/**
 * Exports the snapshot every later read of the shared rows uses, and plans from the catalog
 * which tables hold the tenant's rows; blockers (rows reaching two tenants) stop the run here.
 */
export const planStep: Step<PromotionContext> = {
  name: 'plan',
  title: 'Plan the tables',
  async run(ctx) {
    const snapshot = await exportSnapshot(ctx.servers.sharedUrl);
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
      sharedRows: ctx.options.sharedRows,
      tableOverrides: ctx.options.tableOverrides,
      globalRows: true,
    });
    await assertReadable(snapshot.client, planned.tables);
    // The promotion estimates each table's rows from the catalog's statistics (the copy counts
    // them); a dry run, the review before it, counts them exactly. Only the tables of a cycle of
    // foreign keys need to know exactly whether the tenant has rows in them (orderPlan's blockers).
    const measured = await measurePlan(snapshot.client, planned, {
      exact: ctx.options.dryRun,
      presence: cycleTables(planned, graph),
    });
    let plan = orderPlan(measured, graph, {
      keepSharedData: ctx.options.keepSharedData,
      frontEnd: ctx.options.frontEnd,
    });
    ctx.plan = plan;
    ctx.record.notes.push(...plan.notes, ...sharedRowNotes(plan));
    ctx.record.tables = plan.tables.map((t) => ({
      schema: t.schema,
      name: t.name,
      kind: t.kind,
      plannedRows: t.rows,
      ...(t.estimated === true && { plannedEstimated: true }),
      bytes: t.bytes,
    }));
    for (const t of plan.tables)
      ctx.log.info(`${t.kind.padEnd(10)} ${t.schema}.${t.name}: ${rowsText(t)} rows`);
    for (const t of plan.skipped ?? []) ctx.log.info(`left out    ${t.schema}.${t.name} (${t.reason})`);
    if (plan.blockers.length) {
      throw new PromotionError(
        'plan-blocked',
        `The tenant's rows cannot be separated cleanly: ${plan.blockers.join('; ')}`,
        'Fix what is named above in the shared database (rows that link this tenant to another; for a cycle of foreign keys, the remedy it names), then re-run.',
      );
    }
    // Schema level: the mapping of the tenant's schemas, shown in the plan, and what it refuses.
    if (ctx.isolationLevel?.level === 'schema') {
      const layout = await planSchemaLevel(ctx, snapshot.client);
      ctx.schemaLayout = { layout, into: ctx.record.schemaLayout!.into };
      // Every step after this one writes and reads the tenant's tables under their target names.
      plan = withTargets(plan, schemaMap(layout));
      ctx.plan = plan;
    }
    // Large objects the tenant's rows reference (oid / lo columns): counted, sized, and refused
    // here if the role cannot read them — before anything is created.
    plan.largeObjects = await planLargeObjects(snapshot.client, plan);
    // Into the shared database the objects cannot be copied (one pg_largeobject per database, the
    // rows keep their OIDs): they stay in place and the tenant's role is granted access to its
    // own — refused here, before anything is created, if the connecting role may not grant it.
    const inPlace = ctx.schemaLayout?.into === 'shared-database' && plan.largeObjects.objects > 0;
    let access: Awaited<ReturnType<typeof assessSharedLargeObjects>> | undefined;
    if (inPlace) {
      const columns = plan.largeObjects.columns;
      const oids = await referencedLargeObjects(snapshot.client, columns, plan.tables);
      // An object other rows reference too is not the tenant's own: granting it would leak.
      const others = await referencedByOthers(snapshot.client, plan, columns, oids);
      access = await assessSharedLargeObjects(snapshot.client, oids, columns, others);
    }
    ctx.record.notes.push(
      ...largeObjectNotes(plan.largeObjects, access && { ...access, role: ctx.names.appRole }),
    );
    // Ids that never collide: the tenant's range of sequence values, reserved in the register (its
    // tenants row) and checked per sequence here, before anything is created (sequence-ranges.ts).
    if (ctx.mode === 'fresh') {
      const ranges = await withShared(ctx, (c) =>
        reserveSequenceRange(c, {
          tenantsTable: ctx.options.tenantsTable,
          slug: ctx.names.slug,
          runId: ctx.options.dryRun ? undefined : ctx.run.id,
          dryRun: ctx.options.dryRun,
        }),
      );
      ctx.record.notes.push(...ranges.warnings, ranges.summary);
      for (const w of ranges.warnings) ctx.log.warn(w);
      ctx.log.info(ranges.summary);
    }
    const rows = plan.tables.reduce((n, t) => n + (t.rows ?? 0), 0);
    const about = plan.tables.some((t) => t.estimated) ? '~' : '';
    const los = plan.largeObjects.objects
      ? `, ${plan.largeObjects.objects} large objects${inPlace ? ' (in place: granted, not copied)' : ''}`
      : '';
    return `${plan.tables.length} tables, ${about}${rows} rows${los} to copy`;
  },
  async undo(ctx) {
    await releaseSnapshot(ctx);
  },
};

/** A table's planned rows for messages: `~` marks the planner's estimate. */
export function rowsText(t: TablePlan): string {
  if (t.rows === undefined) return '?';
  return t.estimated === true ? `~${t.rows}` : `${t.rows}`;
}

/**
 * What the plan copies that is not the tenant's own, with the counts at the snapshot: referenced
 * rows (and how many of them other tenants use too), global rows, tables copied whole, tables
 * left out.
 */
export function sharedRowNotes(plan: TenantPlan): string[] {
  const notes: string[] = [];
  const name = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;
  const referenced = plan.tables.filter((t) => t.kind === 'referenced');
  if (referenced.length > 0) {
    notes.push(
      `Referenced rows copied: ${referenced
        .map(
          (t) =>
            `${name(t)} ${rowsText(t)} rows${t.alsoUsedRows ? ` (${t.alsoUsedRows} also used by other tenants: they diverge after the switch)` : ''}`,
        )
        .join('; ')}.`,
    );
  }
  const global = plan.tables.filter((t) => (t.globalRows ?? 0) > 0);
  if (global.length > 0) {
    notes.push(
      `Global rows copied (NULL tenant key, referenced by the tenant's rows; never deleted by cleanup): ${global.map((t) => `${name(t)} ${t.globalRows} rows`).join('; ')}.`,
    );
  }
  const whole = plan.tables.filter((t) => t.kind === 'reference');
  if (whole.length > 0) {
    notes.push(`Copied whole: ${whole.map((t) => `${name(t)} ${rowsText(t)} rows`).join('; ')}.`);
  }
  if ((plan.skipped ?? []).length > 0) {
    notes.push(`Left out (not cloned): ${plan.skipped!.map((t) => `${name(t)} (${t.reason})`).join('; ')}.`);
  }
  return notes;
}

/**
 * Cycles of foreign keys among the tables whose rows the run deletes (cleanup) or copies back
 * (rollback) in the shared database, where keys are checked per statement for a role that may
 * not use replica mode (see apply-order.ts). A cleanup that certainly cannot delete becomes a
 * blocker (refused here, before anything is created, naming the cycle and the remedy); the rest
 * become notes. Where there is a cycle, the tenant's tables are re-ordered so that every key
 * that cannot give way (not DEFERRABLE) is honoured: copied back parents first, deleted in the
 * reverse order.
 */
export function orderPlan(
  plan: TenantPlan,
  graph: TableGraph,
  options: { keepSharedData: boolean; frontEnd?: FrontEnd | undefined },
): TenantPlan {
  const owned = plan.tables.filter((t) => t.kind === 'tenant' || t.kind === 'dependent');
  const order = applyOrder(orderTables(owned, graph));
  // The hint names the setting as the front end in use spells it.
  const findings = applyOrderFindings(order, { keepSharedData: options.keepSharedData }).map((f) => ({
    ...f,
    message: f.message.replace(
      '(keep-shared-data)',
      `(${settingName('keep-shared-data', options.frontEnd)})`,
    ),
  }));
  const blockers = findings.filter((f) => f.level === 'blocker').map((f) => f.message);
  const notes = findings.filter((f) => f.level === 'note').map((f) => f.message);
  let ordered = plan.tables;
  let deleteOrder = plan.deleteOrder;
  if (order.cycles.length > 0) {
    const byQualified = new Map<string, TablePlan>(owned.map((t) => [t.qualified, t]));
    const inserts = order.insertOrder.map((q) => byQualified.get(q)!);
    // The root and reference tables never reference the tenant's tables: they can go first.
    ordered = [...plan.tables.filter((t) => !byQualified.has(t.qualified)), ...inserts];
    deleteOrder = [...inserts].reverse();
  }
  return {
    ...plan,
    tables: ordered,
    deleteOrder,
    notes: [...plan.notes, ...notes],
    blockers: [...plan.blockers, ...blockers],
  };
}

/**
 * The tables of a cycle of foreign keys among those whose rows the run deletes or copies back:
 * whether the tenant has rows in them decides a blocker (orderPlan), so measurePlan makes that
 * exact for them. Read from the catalog alone (no rows).
 */
export function cycleTables(plan: TenantPlan, graph: TableGraph): Set<string> {
  const owned = plan.tables.filter((t) => t.kind === 'tenant' || t.kind === 'dependent');
  return new Set(applyOrder(orderTables(owned, graph)).cycles.flatMap((c) => c.tables));
}

/** The owned tables as apply-order.ts sees them: their foreign keys, deferrable, NOT NULL. */
function orderTables(owned: readonly TablePlan[], graph: TableGraph): OrderTable[] {
  const info = new Map(graph.tables.map((t) => [`${t.schema}\u0000${t.name}`, t]));
  return owned.map((t) => {
    const table = info.get(`${t.schema}\u0000${t.name}`);
    return {
      qualified: t.qualified,
      rows: t.rows,
      foreignKeys: (t.foreignKeys ?? []).map((fk) => {
        const declared = table?.foreignKeys.find((f) => f.name === fk.name);
        const notNull =
          declared !== undefined &&
          declared.columns.every((c) => table!.columns.find((col) => col.name === c)?.notNull === true);
        return {
          name: fk.name,
          references: fk.references,
          onDelete: fk.onDelete,
          deferrable: declared?.deferrable === true,
          notNull,
        };
      }),
    };
  });
}

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
