import type pg from 'pg';
import { fromTable } from '../postgres/checksum';
import { onTarget, type TablePlan } from '../postgres/plan-types';
import { capDetails, fail, pass, TableTimes, warn, type Check, type CheckContext } from './check';
import { CHANGED_SINCE_SWITCH } from './checksums';
import { closeQuietly, openSource, openTarget, plannedTables } from './db';
import { tableScans } from './table-scan';

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
    // The counts come out of the run's one pass per table (table-scan.ts: the digest query counts
    // the rows it hashes, on each side, the source at the copy snapshot). Should that pass stop
    // (an error at some table), this check counts the remaining tables itself, as it always did,
    // so its verdict does not depend on the checksums'.
    const scans = tableScans(ctx, budgetMs);
    let own: OwnCounts | undefined;
    try {
      const differences: string[] = [];
      let total = 0;
      const times = new TableTimes();
      for (const t of tables) {
        times.next(t.qualified);
        let counts: { expected: number; actual: number } | 'unrecorded';
        const scan = own ? undefined : await scans.table(t.qualified).catch(() => undefined);
        if (scan?.kind === 'compared') counts = { expected: scan.sourceCount, actual: scan.targetCount };
        else if (scan?.kind === 'recorded')
          counts = { expected: scan.recorded.count, actual: scan.now.count };
        else if (scan?.kind === 'unrecorded') counts = 'unrecorded';
        else {
          own ??= await openOwnCounts(ctx, budgetMs);
          counts = await own.count(t);
        }
        if (counts === 'unrecorded') {
          differences.push(`${t.qualified}: no count was recorded at the switch`);
          continue;
        }
        const { expected, actual } = counts;
        total += actual;
        if (actual !== expected)
          differences.push(
            `${t.qualified}: ${expected} ${ctx.recorded ? 'recorded' : 'in the shared database'} vs ${actual} in the new database`,
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
          `${tables.length} tables, ${total} rows, ${ctx.recorded ? 'equal to the counts recorded at the switch' : 'equal on both sides'}`,
        ),
      );
    } finally {
      await own?.close();
    }
  },
};

interface OwnCounts {
  count(t: TablePlan): Promise<{ expected: number; actual: number } | 'unrecorded'>;
  close(): Promise<void>;
}

/** This check's own sessions and count queries: a count per side, the source at the copy snapshot. */
async function openOwnCounts(ctx: CheckContext, budgetMs: number): Promise<OwnCounts> {
  let source: pg.Client | undefined;
  let target: pg.Client | undefined;
  const close = async () => {
    await closeQuietly(source);
    await closeQuietly(target);
  };
  try {
    if (!ctx.recorded) source = await openSource(ctx, budgetMs);
    target = await openTarget(ctx, budgetMs);
  } catch (e) {
    await close();
    throw e;
  }
  const countOf = async (client: pg.Client, sql: string) =>
    Number((await client.query<{ n: string }>(sql)).rows[0]?.n);
  return {
    async count(t) {
      let expected: number;
      if (source) {
        expected = await countOf(source, `SELECT count(*) AS n FROM ${fromTable(t)} t WHERE ${t.where}`);
      } else {
        const rec = ctx.recorded?.[t.qualified];
        if (!rec) return 'unrecorded';
        expected = rec.count;
      }
      const actual = await countOf(target!, `SELECT count(*) AS n FROM ${fromTable(onTarget(t))} t`);
      return { expected, actual };
    },
    close,
  };
}
