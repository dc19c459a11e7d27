import {
  COLUMNS_FORM,
  compareTable,
  digestTable,
  matchesRecorded,
  recordedForm,
  withoutColumns,
} from '../postgres/checksum';
import { onTarget, type TablePlan } from '../postgres/plan-types';
import { capDetails, fail, pass, TableTimes, warn, type Check, type CheckContext } from './check';
import { closeQuietly, openSource, openTarget, plannedTables } from './db';

/**
 * Columns of the tenants table that the promotion itself writes in the shared database (the
 * switch sets isolation_mode and settings.isolation; finish and cleanup update settings): the
 * tenant's shared row differs from its copy there by design, so comparisons with the shared row
 * leave them out, and say so.
 */
export const PROMOTION_COLUMNS: readonly string[] = ['isolation_mode', 'settings'];

/** The table as compared with the shared database: the tenants table without PROMOTION_COLUMNS. */
export function comparedWithShared(
  ctx: Pick<CheckContext, 'plan'>,
  table: TablePlan,
): { table: TablePlan; note?: string } {
  if (table.qualified !== ctx.plan.tenantsTable.qualified) return { table };
  const r = withoutColumns(table, PROMOTION_COLUMNS);
  if (r.excluded.length === 0) return { table };
  return {
    table: r.table,
    note: `${table.qualified}: ${r.excluded.join(', ')} excluded (changed by the promotion)`,
  };
}

/** Why a difference after the switch is information, not damage. */
export const CHANGED_SINCE_SWITCH = 'changed since the switch';

/**
 * Per table: a digest of the tenant's rows, computed by PostgreSQL on both sides, is equal.
 * Against the shared database, the tenants table's PROMOTION_COLUMNS are left out. Against the
 * digests recorded at the switch (`status --verify`), every column is compared: they were taken
 * from the new database before the switch wrote the shared row, and the switch never writes the
 * copy; a difference there is a change since the switch (information), not a failure.
 */
export const checksums: Check = {
  name: 'checksums',
  title: 'Checksums',
  async run(ctx, budgetMs) {
    const tables = plannedTables(ctx);
    let source;
    let target;
    try {
      if (!ctx.recorded) source = await openSource(ctx, budgetMs);
      target = await openTarget(ctx, budgetMs);
      const differences: string[] = [];
      const notes: string[] = [];
      const tablesDiffering = new Set<string>();
      const times = new TableTimes();
      for (const t of tables) {
        times.next(t.qualified);
        if (source) {
          const compared = comparedWithShared(ctx, t);
          if (compared.note) notes.push(compared.note);
          // Both sides digested now: the per-column row hash (checksum.ts RowHashForm).
          const r = await compareTable(source, target, compared.table, { form: COLUMNS_FORM });
          if (!r.equal) {
            tablesDiffering.add(t.qualified);
            differences.push(...r.differences);
          }
        } else {
          const rec = ctx.recorded?.[t.qualified];
          if (!rec) {
            tablesDiffering.add(t.qualified);
            differences.push(`${t.qualified}: no digest was recorded at the switch`);
            continue;
          }
          if (t.qualified === ctx.plan.tenantsTable.qualified) {
            notes.push(
              `${t.qualified}: every column compared with the digest recorded at the switch (the switch changed ${PROMOTION_COLUMNS.join(', ')} in the shared row only)`,
            );
          }
          // Compared with the digest recorded at the switch, in the form it was recorded in.
          const d = await digestTable(target, onTarget(t), 'target', {
            form: recordedForm(rec),
            locate: false,
          });
          if (!matchesRecorded(rec, d)) {
            tablesDiffering.add(t.qualified);
            differences.push(
              `${t.qualified}: recorded ${rec.count} rows (digest ${rec.digest.slice(0, 12)}), now ${d.count} rows (digest ${d.digest.slice(0, 12)})`,
            );
          }
        }
      }
      if (differences.length) {
        const summary = `${tablesDiffering.size} of ${tables.length} tables differ: ${differences[0]}`;
        if (ctx.afterSwitch) {
          return times.attach(
            warn(
              `${CHANGED_SINCE_SWITCH} (the application's writes; information, not damage): ${tablesDiffering.size} of ${tables.length} tables differ from ${source ? 'the shared rows' : 'the digests recorded at the switch'}: ${differences[0]}`,
              capDetails([...differences, ...notes]),
            ),
          );
        }
        return times.attach(fail(summary, capDetails([...differences, ...notes])));
      }
      return times.attach(
        pass(
          `${tables.length} tables: digests equal${source ? '' : ' to those recorded at the switch'}`,
          notes,
        ),
      );
    } finally {
      await closeQuietly(source);
      await closeQuietly(target);
    }
  },
};
