import type pg from 'pg';
import { onTarget, targetOf, type TablePlan } from '../postgres/plan-types';
import { capDetails, fail, pass, type Check } from './check';
import { closeQuietly, openSource, openTarget, plannedTables } from './db';

/** How many of the tenant's largest tables are measured by default. */
const LARGEST = 3;

interface PlanNode {
  'Node Type'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** Pure: index names a plan uses. */
export function indexesUsed(node: PlanNode | undefined): string[] {
  if (!node) return [];
  const own = node['Index Name'] ? [node['Index Name']] : [];
  return [...own, ...(node.Plans ?? []).flatMap(indexesUsed)];
}

async function explain(client: pg.ClientBase, sql: string, params: unknown[], analyze: boolean) {
  const r = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode; 'Execution Time'?: number }> }>(
    `EXPLAIN (${analyze ? 'ANALYZE, ' : ''}FORMAT JSON) ${sql}`,
    params,
  );
  const doc = r.rows[0]?.['QUERY PLAN']?.[0];
  return { plan: doc?.Plan, ms: doc?.['Execution Time'] };
}

/**
 * Which indexes a query can use, with sequential scans priced out: small tables make the
 * planner prefer a sequential scan, which says nothing about a lost index.
 */
async function indexCapability(client: pg.ClientBase, sql: string, params: unknown[]): Promise<string[]> {
  await client.query('SAVEPOINT perf');
  try {
    await client.query('SET LOCAL enable_seqscan = off');
    return indexesUsed((await explain(client, sql, params, false)).plan);
  } finally {
    await client.query('ROLLBACK TO SAVEPOINT perf');
  }
}

/**
 * Of the tables (as the new database names them), those whose statistics are missing or older than
 * their rows, each with its partitions: never analyzed, no row estimate, or rows changed since the
 * last ANALYZE. A promotion's new database has none yet (clone-schema-after leaves ANALYZE to this
 * check, which always runs, so it is paid once); after the switch (`status --verify`) the tables
 * the application changed are. Statistics only steer the latencies reported: whether a query can
 * use an index is asked with sequential scans priced out.
 */
export async function staleTables(client: pg.ClientBase, tables: string[]): Promise<string[]> {
  const r = await client.query<{ tbl: string }>(
    `SELECT x AS tbl FROM unnest($1::text[]) x
      WHERE to_regclass(x) IS NOT NULL AND EXISTS (
            SELECT 1 FROM pg_class c LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
             WHERE (c.oid = to_regclass(x) OR c.oid IN (SELECT relid FROM pg_partition_tree(to_regclass(x))))
               AND c.relkind IN ('r', 'p', 'm')
               AND (c.reltuples < 0 OR s.relid IS NULL OR coalesce(s.last_analyze, s.last_autoanalyze) IS NULL
                    OR s.n_mod_since_analyze > 0))`,
    [tables],
  );
  return r.rows.map((row) => row.tbl);
}

async function analyzeStale(client: pg.ClientBase, tables: string[]): Promise<void> {
  const stale = await staleTables(client, tables);
  // The names are the plan's quoted target names (as `targetOf` gives them), not user text.
  if (stale.length) await client.query(`ANALYZE ${stale.join(', ')}`);
}

const fmt = (ms: number | undefined) => (ms === undefined ? '?' : `${ms.toFixed(2)} ms`);

/**
 * ANALYZE the tenant's tables whose statistics are missing or stale, then on the tenant's largest tables run a primary-key lookup and a
 * tenant-filtered scan on both sides and report latencies side by side. Timing never fails; a
 * query that can use an index in the source but none in the new database does.
 */
export function performanceCheck(options: { largest?: number } = {}): Check {
  const largest = options.largest ?? LARGEST;
  return {
    name: 'performance',
    title: 'Performance baseline',
    async run(ctx, budgetMs) {
      let source;
      let target;
      try {
        target = await openTarget(ctx, budgetMs);
        await analyzeStale(
          target,
          plannedTables(ctx).map((t) => targetOf(t)),
        );
        source = await openSource(ctx, budgetMs);
        // The source session may be inside the snapshot's transaction; otherwise open one for SET LOCAL.
        if (!ctx.snapshotId) await source.query('BEGIN READ ONLY');
        await target.query('BEGIN');
        const sizes = await target.query<{ tbl: string; n: string }>(
          `SELECT x AS tbl, coalesce((SELECT sum(greatest(c.reltuples, 0)) FROM pg_class c
                 WHERE c.oid = to_regclass(x) OR c.oid IN (SELECT relid FROM pg_partition_tree(to_regclass(x)))), 0)::bigint::text AS n
           FROM unnest($1::text[]) x`,
          [plannedTables(ctx).map((t) => targetOf(t))],
        );
        // Keyed by the target's names (schema level maps them; the identity at database level).
        const rows = new Map(sizes.rows.map((r) => [r.tbl, Number(r.n)]));
        const candidates: TablePlan[] = plannedTables(ctx)
          .filter((t) => t.kind !== 'reference' && t.columns.length > 0)
          .sort((a, b) => (rows.get(targetOf(b)) ?? b.rows ?? 0) - (rows.get(targetOf(a)) ?? a.rows ?? 0))
          .slice(0, largest);
        const lines: string[] = [];
        const lost: string[] = [];
        for (const t of candidates) {
          const queries: Array<{ label: string; sourceSql: string; targetSql: string; params: unknown[] }> =
            [];
          const d = onTarget(t);
          if (t.keyColumns.length) {
            const key = t.keyColumns.map((c) => `t.${c}`).join(', ');
            const sample = await target.query({
              text: `SELECT ${key} FROM ${d.qualified} t LIMIT 1`,
              rowMode: 'array',
            });
            const values = sample.rows[0] as unknown[] | undefined;
            if (values) {
              const cond = t.keyColumns.map((c, i) => `t.${c} = $${i + 1}`).join(' AND ');
              queries.push({
                label: 'primary-key lookup',
                sourceSql: `SELECT * FROM ${t.qualified} t WHERE ${cond}`,
                targetSql: `SELECT * FROM ${d.qualified} t WHERE ${cond}`,
                params: values,
              });
            }
          }
          if (t.where.trim() !== 'true') {
            // A page of the tenant's rows, as an application reads them (a full count would cost a
            // whole scan of a large tenant on both sides). The same predicate on both sides.
            queries.push({
              label: 'tenant-filtered scan',
              sourceSql: `SELECT * FROM ${t.qualified} t WHERE ${t.where} LIMIT 100`,
              targetSql: `SELECT * FROM ${d.qualified} t WHERE ${d.where} LIMIT 100`,
              params: [],
            });
          }
          for (const q of queries) {
            const s = await explain(source, q.sourceSql, q.params, true);
            const d = await explain(target, q.targetSql, q.params, true);
            lines.push(`${t.qualified} ${q.label}: shared ${fmt(s.ms)}, new ${fmt(d.ms)}`);
            const sIdx = await indexCapability(source, q.sourceSql, q.params);
            const dIdx = await indexCapability(target, q.targetSql, q.params);
            if (sIdx.length > 0 && dIdx.length === 0) {
              lost.push(
                `${t.qualified} ${q.label}: the source uses index ${sIdx.join(', ')}, the new database can use none`,
              );
            }
          }
        }
        if (lost.length) return fail(lost[0] ?? 'index lost', capDetails([...lost, ...lines]));
        return pass(`${candidates.length} largest table(s) measured; no index lost`, capDetails(lines));
      } finally {
        await source?.query('ROLLBACK').catch(() => undefined);
        await target?.query('ROLLBACK').catch(() => undefined);
        await closeQuietly(source);
        await closeQuietly(target);
      }
    },
  };
}

export const performance: Check = performanceCheck();
