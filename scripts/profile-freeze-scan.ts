/**
 * Profiles the one scan the freeze pass runs per table under the freeze (issue 13, property 5) on
 * the test fixture, by EXPLAIN ANALYZE, after a few writes since the base snapshot S. Measurement,
 * never a check: each scan runs 3 times (the median is printed); read it next to the load
 * average it prints.
 *
 *   PROFILE_ROWS=200000 node --import tsx scripts/profile-freeze-scan.ts
 *   PROFILE_ROWS=200000 TEST_ADMIN=nonsuper node --import tsx scripts/profile-freeze-scan.ts
 *
 * To compare with another version's scan on the same rows, extract its sources inside the
 * checkout (so its imports resolve) and name them, e.g.
 * `mkdir .old && git archive <commit> src | tar -x -C .old`, then `PROFILE_COMPARE=$PWD/.old/src`.
 *
 * PROFILE_ROWS is the tenant's size (as FREEZE_BENCH_ROWS in freeze-bound.test.ts). The fixture's
 * databases and roles are dropped at the end.
 */
import { loadavg } from 'node:os';
import pg from 'pg';
import { baseVersionDigestSql, denseDigests, freezeScanSql } from '../src/postgres/catch-up';
import { readTableGraph } from '../src/postgres/catalog';
import { clientConfig } from '../src/postgres/connect';
import { readClosureEdges } from '../src/postgres/freeze-closure';
import { fromTable } from '../src/postgres/checksum';
import { drivenWhere, indexDrivenReads } from '../src/postgres/freeze-reads';
import { planTenant } from '../src/postgres/plan';
import { tenantId } from '../test/support/fault-checks';
import { createSharedFixture } from '../test/support/fixture';
import { query } from '../test/support/pg';

const rows = Number(process.env.PROFILE_ROWS ?? 200_000);

interface PlanNode {
  'Node Type': string;
  'Actual Total Time': number;
  'Actual Rows': number;
  'Actual Loops': number;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}
function nodes(n: PlanNode, depth = 0, out: string[] = []): string[] {
  out.push(
    `${'  '.repeat(depth)}${n['Node Type']}${n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}: ${(n['Actual Total Time'] * n['Actual Loops']).toFixed(0)} ms, ${n['Actual Rows'] * n['Actual Loops']} rows, ${n['Actual Loops']} loops`,
  );
  for (const c of n.Plans ?? []) nodes(c, depth + 1, out);
  return out;
}

function versionBuckets(n: number): number {
  let b = 16;
  while (b < 65_536 && b * 4 < n) b *= 2;
  return b;
}

async function main() {
  const f = await createSharedFixture({ rows: Math.round(4 * Math.sqrt(5 * rows)) });
  try {
    const id = await tenantId(f, f.tenants.main);
    const s = new pg.Client(clientConfig(f.engineUrl));
    const source = new pg.Client(clientConfig(f.engineUrl));
    await s.connect();
    await source.connect();
    try {
      const plan = planTenant(await readTableGraph(s), {
        tenantsTable: 'tenants',
        tenantKey: 'tenant_id',
        tenantId: id,
        tenantIdType: 'uuid',
        referenceTables: 'copy',
      });
      for (const c of [s, source])
        await c.query(`SELECT set_config('tenant_promotion.tenant_id', $1, false)`, [id]);
      await s.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const { rows: snap } = await s.query<{ x: string }>(
        `SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x`,
      );
      const changedFrom = snap[0]!.x;
      await s.query(`SELECT set_config('work_mem', '64MB', true)`);
      await indexDrivenReads(s);
      const graph = { tables: plan.tables, edges: await readClosureEdges(s, plan.tables) };
      const base = new Map<string, { buckets: number; digests: [string[]]; ms: number }>();
      for (const t of plan.tables) {
        const { rows: n } = await s.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${fromTable(t)} t WHERE ${drivenWhere(t, graph)}`,
        );
        const buckets = versionBuckets(n[0]!.n);
        const t0 = performance.now();
        const { rows: d } = await s.query<{ b: string | null; d: string }>(
          baseVersionDigestSql(t, changedFrom, buckets, graph),
        );
        base.set(t.qualified, {
          buckets,
          digests: denseDigests(
            buckets,
            d.flatMap((r) => (r.b === null ? [] : [{ b: r.b, d: r.d }])),
          ),
          ms: performance.now() - t0,
        });
      }
      // Writes since S: a few of the tenant's project members updated and deleted.
      await query(
        f.url,
        `UPDATE project_members SET role = role || '+' WHERE (project_id, user_id) IN (
           SELECT m.project_id, m.user_id FROM project_members m JOIN projects p ON p.id = m.project_id
            WHERE p.tenant_id = $1 ORDER BY m.project_id, m.user_id LIMIT 200)`,
        [id],
      );
      await source.query('BEGIN');
      await source.query(`SELECT set_config('work_mem', '64MB', true)`);
      await indexDrivenReads(source);
      console.log(
        `load ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}; ${process.env.TEST_ADMIN ?? 'superuser'}`,
      );
      let total = 0;
      let otherTotal = 0;
      const other = process.env.PROFILE_COMPARE
        ? ((await import(`${process.env.PROFILE_COMPARE}/postgres/catch-up.ts`)) as {
            freezeScanSql: typeof freezeScanSql;
          })
        : undefined;
      for (const t of plan.tables) {
        const b = base.get(t.qualified)!;
        // PROFILE_COMPARE: a directory holding another version's src (e.g. `git archive <commit> src`),
        // whose freeze scan runs alternately with this one's on the same rows.
        const variants: [string, string][] = [['this', freezeScanSql(t, changedFrom, b.buckets, graph)]];
        if (other) variants.push(['other', other.freezeScanSql(t, changedFrom, b.buckets, graph)]);
        const times = new Map<string, number[]>(variants.map(([n]) => [n, []]));
        let out: { total: string | null; m: string | null; v: string[] | null; blk: string | null }[] = [];
        for (let i = 0; i < 3; i++) {
          for (const [name, q] of variants) {
            const t0 = performance.now();
            ({ rows: out } = await source.query(q, b.digests));
            times.get(name)!.push(performance.now() - t0);
          }
        }
        const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[1]!;
        const ms = median(times.get('this')!);
        total += ms;
        otherTotal += other ? median(times.get('other')!) : 0;
        const totals = out.find((r) => r.total !== null);
        console.log(
          `${t.qualified} (${t.kind}): scan ${ms.toFixed(0)} ms${other ? ` (other ${median(times.get('other')!).toFixed(0)} ms)` : ''}, ${totals?.total ?? 0} rows, ${totals?.m ?? 0} candidates, ${out.flatMap((r) => r.v ?? []).length} listed, ${out.filter((r) => r.blk !== null).length} blocks; digests at S ${b.ms.toFixed(0)} ms`,
        );
        const sql = variants[0]![1];
        if (ms > 200) {
          const { rows: p } = await source.query<{
            'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }];
          }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, b.digests);
          console.log(`  EXPLAIN ANALYZE ${p[0]!['QUERY PLAN'][0]['Execution Time'].toFixed(0)} ms`);
          console.log(nodes(p[0]!['QUERY PLAN'][0].Plan, 2).join('\n'));
          if (process.env.PROFILE_SQL) console.log(sql);
        }
      }
      console.log(
        `all scans (medians of 3): ${total.toFixed(0)} ms${other ? `, other ${otherTotal.toFixed(0)} ms` : ''}`,
      );
      await source.query('COMMIT');
      await s.query('COMMIT');
    } finally {
      await s.end();
      await source.end();
    }
  } finally {
    await f.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
