import type pg from 'pg';
import {
  COLUMNS_FORM,
  compareTable,
  digestTable,
  recordedForm,
  withoutColumns,
  type RecordedDigest,
  type TableDigest,
} from '../postgres/checksum';
import { onTarget, type TablePlan } from '../postgres/plan-types';
import type { CheckContext } from './check';
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

/**
 * One table's pass over the tenant's rows, on both sides (or on the new database against the
 * digest recorded at the switch). The digest query counts the rows it hashes, so the count on
 * each side comes out of the same scan, from the same snapshot.
 */
export type TableScan =
  | {
      kind: 'compared';
      /** The tenant's rows in the shared database (at the copy snapshot, when the run has one). */
      sourceCount: number;
      /** Every row of the table in the new database. */
      targetCount: number;
      equal: boolean;
      /** compareTable's differences: located by key range, column kinds that differ named. */
      differences: string[];
    }
  | { kind: 'recorded'; recorded: RecordedDigest; now: TableDigest }
  | { kind: 'unrecorded' };

/**
 * The per-table scans of one check run, computed once and read by every check that needs them
 * (row-counts and checksums): one pass per side instead of a count and then a digest. Tables
 * are scanned in plan order on their own two sessions; `table()` waits for one table only.
 */
export interface TableScans {
  /** The table's scan; rejects with the error that stopped the scans at this table or before it. */
  table(qualified: string): Promise<TableScan>;
  /** Settles once the scans have stopped and their sessions are closed (runChecks waits for it). */
  settled: Promise<void>;
}

/**
 * The run's table scans (`ctx.run`, one per runChecks call), started by the first check that
 * asks, with its budget as the sessions' statement_timeout. Without a run (a check called on its
 * own), scans of its own.
 */
export function tableScans(ctx: CheckContext, budgetMs: number): TableScans {
  if (!ctx.run) return startScans(ctx, budgetMs);
  ctx.run.tableScans ??= startScans(ctx, budgetMs);
  return ctx.run.tableScans;
}

function startScans(ctx: CheckContext, budgetMs: number): TableScans {
  const tables = plannedTables(ctx);
  const pending = new Map<
    string,
    { promise: Promise<TableScan>; resolve: (s: TableScan) => void; reject: (e: unknown) => void }
  >();
  for (const t of tables) {
    let resolve!: (s: TableScan) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<TableScan>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A table no check waits for (its check already failed) must not be an unhandled rejection.
    promise.catch(() => undefined);
    pending.set(t.qualified, { promise, resolve, reject });
  }
  const settled = (async () => {
    let source: pg.Client | undefined;
    let target: pg.Client | undefined;
    let i = 0;
    try {
      if (!ctx.recorded) source = await openSource(ctx, budgetMs);
      target = await openTarget(ctx, budgetMs);
      for (; i < tables.length; i++) {
        const t = tables[i]!;
        pending.get(t.qualified)!.resolve(await scanTable(ctx, source, target, t));
      }
    } catch (e) {
      // The source session's transaction is aborted by a failed query: the rest are not scanned.
      for (; i < tables.length; i++) pending.get(tables[i]!.qualified)!.reject(e);
    } finally {
      await closeQuietly(source);
      await closeQuietly(target);
    }
  })();
  return {
    settled,
    table(qualified) {
      const p = pending.get(qualified);
      if (!p) return Promise.reject(new Error(`${qualified} is not a planned table.`));
      return p.promise;
    },
  };
}

async function scanTable(
  ctx: CheckContext,
  source: pg.Client | undefined,
  target: pg.Client,
  t: TablePlan,
): Promise<TableScan> {
  if (source) {
    // Both sides digested now: the per-column row hash (checksum.ts RowHashForm).
    const r = await compareTable(source, target, comparedWithShared(ctx, t).table, { form: COLUMNS_FORM });
    return {
      kind: 'compared',
      sourceCount: r.source.count,
      targetCount: r.target.count,
      equal: r.equal,
      differences: r.differences,
    };
  }
  const recorded = ctx.recorded?.[t.qualified];
  if (!recorded) return { kind: 'unrecorded' };
  // Compared with the digest recorded at the switch, in the form it was recorded in.
  const now = await digestTable(target, onTarget(t), 'target', {
    form: recordedForm(recorded),
    locate: false,
  });
  return { kind: 'recorded', recorded, now };
}
