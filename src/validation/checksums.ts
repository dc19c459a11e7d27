import { matchesRecorded } from '../postgres/checksum';
import { capDetails, fail, pass, TableTimes, warn, type Check } from './check';
import { plannedTables } from './db';
import { comparedWithShared, PROMOTION_COLUMNS, tableScans } from './table-scan';

export { comparedWithShared, PROMOTION_COLUMNS } from './table-scan';

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
    // The run's one pass per table (table-scan.ts), which row-counts reads too.
    const scans = tableScans(ctx, budgetMs);
    const differences: string[] = [];
    const notes: string[] = [];
    const tablesDiffering = new Set<string>();
    const times = new TableTimes();
    const againstShared = !ctx.recorded;
    for (const t of tables) {
      times.next(t.qualified);
      const scan = await scans.table(t.qualified);
      if (scan.kind === 'compared') {
        const note = comparedWithShared(ctx, t).note;
        if (note) notes.push(note);
        if (!scan.equal) {
          tablesDiffering.add(t.qualified);
          differences.push(...scan.differences);
        }
      } else if (scan.kind === 'unrecorded') {
        tablesDiffering.add(t.qualified);
        differences.push(`${t.qualified}: no digest was recorded at the switch`);
      } else {
        const { recorded: rec, now: d } = scan;
        if (t.qualified === ctx.plan.tenantsTable.qualified) {
          notes.push(
            `${t.qualified}: every column compared with the digest recorded at the switch (the switch changed ${PROMOTION_COLUMNS.join(', ')} in the shared row only)`,
          );
        }
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
            `${CHANGED_SINCE_SWITCH} (the application's writes; information, not damage): ${tablesDiffering.size} of ${tables.length} tables differ from ${againstShared ? 'the shared rows' : 'the digests recorded at the switch'}: ${differences[0]}`,
            capDetails([...differences, ...notes]),
          ),
        );
      }
      return times.attach(fail(summary, capDetails([...differences, ...notes])));
    }
    return times.attach(
      pass(
        `${tables.length} tables: digests equal${againstShared ? '' : ' to those recorded at the switch'}`,
        notes,
      ),
    );
  },
};
