import { z } from 'zod';
import { TableOverride, type PromotionOptions } from '../options';
import type { PromotionContext } from './context';
import type { IsolationSettings } from './tenant-state';

/**
 * `settings.isolation.plan`: the options that decided which rows the switch moved. After the
 * switch the tenant's database holds exactly what that plan chose, so every later run that plans
 * the same tenant — a promotion resuming its cleanup, `status`, `rollback` — plans with these,
 * whatever it was given: a re-run without `shared-rows: whole`, or with another
 * `reference-tables`, must not count, delete or restore a different set of rows.
 */
export const PlanOptionsRecord = z
  .object({
    tenant_key: z.string(),
    tenant_id_column: z.string().optional(),
    reference_tables: z.enum(['copy', 'skip']),
    shared_rows: z.enum(['referenced', 'whole']).optional(),
    table_overrides: z.record(z.string(), TableOverride).optional(),
    cleanup_referenced_rows: z.enum(['keep', 'remove-unused']).optional(),
  })
  .passthrough();
export type PlanOptionsRecord = z.infer<typeof PlanOptionsRecord>;

/** Pure: what the switch records of the options it planned with. */
export function recordPlanOptions(options: PromotionOptions): PlanOptionsRecord {
  return {
    tenant_key: options.tenantKey,
    ...(options.tenantIdColumn !== undefined && { tenant_id_column: options.tenantIdColumn }),
    reference_tables: options.referenceTables,
    ...(options.sharedRows !== undefined && { shared_rows: options.sharedRows }),
    ...(options.tableOverrides !== undefined &&
      Object.keys(options.tableOverrides).length > 0 && { table_overrides: options.tableOverrides }),
    // Only the opt-in: `keep` is the default, and a switch recorded before the option kept them.
    ...(options.cleanupReferencedRows === 'remove-unused' && {
      cleanup_referenced_rows: options.cleanupReferencedRows,
    }),
  };
}

/** Each recorded option by the input name the note uses. */
const NAMES = {
  tenant_key: 'tenant-key',
  tenant_id_column: 'tenant-id-column',
  reference_tables: 'reference-tables',
  shared_rows: 'shared-rows',
  table_overrides: 'table-overrides',
  cleanup_referenced_rows: 'cleanup-referenced-rows',
} as const satisfies Record<string, string>;

function shown(value: unknown): string {
  if (value === undefined) return '(not set)';
  if (typeof value === 'object' && value !== null)
    // Sorted: jsonb does not keep the order the overrides were given in.
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}=${String(v)}`)
      .sort()
      .join(',');
  return String(value);
}

/**
 * Pure: `options` with the plan options recorded at the switch in place of the given ones, and a
 * note naming each given option that was overridden (none when they agree, or nothing was
 * recorded — a promotion made before the record existed plans with what it is given).
 */
export function withRecordedPlanOptions(
  options: PromotionOptions,
  recorded: PlanOptionsRecord | undefined,
): { options: PromotionOptions; note?: string } {
  if (!recorded) return { options };
  const given = recordPlanOptions(options);
  const overridden = (Object.keys(NAMES) as (keyof typeof NAMES)[]).filter(
    (k) => shown(given[k]) !== shown(recorded[k]),
  );
  const merged: PromotionOptions = {
    ...options,
    tenantKey: recorded.tenant_key,
    tenantIdColumn: recorded.tenant_id_column,
    referenceTables: recorded.reference_tables,
    sharedRows: recorded.shared_rows,
    tableOverrides: recorded.table_overrides,
    cleanupReferencedRows: recorded.cleanup_referenced_rows,
  };
  if (!overridden.length) return { options: merged };
  return {
    options: merged,
    note: `planned with the options recorded at the switch (${overridden
      .map((k) => `${NAMES[k]}: ${shown(recorded[k])}`)
      .join(
        '; ',
      )}), not the ones given (${overridden.map((k) => `${NAMES[k]}: ${shown(given[k])}`).join('; ')}): the tenant's database holds what that plan chose`,
  };
}

/** The plan options a run of this tenant must use: those recorded at its switch, while it is isolated. */
export function switchedPlanOptions(isolation: IsolationSettings | undefined): PlanOptionsRecord | undefined {
  return isolation?.state === 'switched' || isolation?.state === 'complete' ? isolation.plan : undefined;
}

/** A run that plans an isolated tenant (resume, rollback) plans with what its switch recorded. */
export function adoptSwitchedPlanOptions(ctx: PromotionContext): void {
  const adopted = withRecordedPlanOptions(ctx.options, switchedPlanOptions(ctx.tenant?.isolation));
  ctx.options = adopted.options;
  if (adopted.note) {
    ctx.record.notes.push(adopted.note);
    ctx.log.info(adopted.note);
  }
}
