import { fromTable } from '../postgres/checksum';
import { onTarget } from '../postgres/plan-types';
import { capDetails, fail, pass, TableTimes, warn, type Check } from './check';
import { CHANGED_SINCE_SWITCH } from './checksums';
import { closeQuietly, openSource, openTarget, plannedTables } from './db';

/**
 * Per table: the tenant's rows in the shared database (at the copy snapshot) equal the rows in the
 * new one — or, in `status --verify`, the counts recorded at the switch (a difference is then a
 * change since the switch: information, not a failure).
 */
export const rowCounts: Check = {
  name: 'row-counts',
  title: 'Row counts',
  async run(ctx, budgetMs) {
    const tables = plannedTables(ctx);
    let source;
    let target;
    try {
      if (!ctx.recorded) source = await openSource(ctx, budgetMs);
      target = await openTarget(ctx, budgetMs);
      const differences: string[] = [];
      let total = 0;
      const times = new TableTimes();
      for (const t of tables) {
        times.next(t.qualified);
        const tc = Number(
          (await target.query<{ n: string }>(`SELECT count(*) AS n FROM ${fromTable(onTarget(t))} t`)).rows[0]
            ?.n,
        );
        let expected: number;
        if (source) {
          expected = Number(
            (
              await source.query<{ n: string }>(
                `SELECT count(*) AS n FROM ${fromTable(t)} t WHERE ${t.where}`,
              )
            ).rows[0]?.n,
          );
        } else {
          const rec = ctx.recorded?.[t.qualified];
          if (!rec) {
            differences.push(`${t.qualified}: no count was recorded at the switch`);
            continue;
          }
          expected = rec.count;
        }
        total += tc;
        if (tc !== expected)
          differences.push(
            `${t.qualified}: ${expected} ${source ? 'in the shared database' : 'recorded'} vs ${tc} in the new database`,
          );
      }
      if (differences.length && ctx.afterSwitch)
        return times.attach(
          warn(
            `${CHANGED_SINCE_SWITCH} (the application's writes; information, not damage): ${differences.length} of ${tables.length} tables differ: ${differences[0]}`,
            capDetails(differences),
          ),
        );
      if (differences.length)
        return times.attach(
          fail(
            `${differences.length} of ${tables.length} tables differ: ${differences[0]}`,
            capDetails(differences),
          ),
        );
      return times.attach(
        pass(
          `${tables.length} tables, ${total} rows, ${source ? 'equal on both sides' : 'equal to the counts recorded at the switch'}`,
        ),
      );
    } finally {
      await closeQuietly(source);
      await closeQuietly(target);
    }
  },
};
