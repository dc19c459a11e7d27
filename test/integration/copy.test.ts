import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { readTableGraph } from '../../src/postgres/catalog';
import { setTenantId } from '../../src/postgres/connect';
import { copyTables, exportSnapshot } from '../../src/postgres/copy';
import { planTenant } from '../../src/postgres/plan';
import { measurePlan } from '../../src/postgres/plan-check';
import { selectTenantRows, type TablePlan, type TenantPlan } from '../../src/postgres/plan-types';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { createDatabase, query, withClient } from '../support/pg';

/**
 * Copies into databases made with the source's table definitions only (pg_dump's pre-data
 * section: no indexes, keys or triggers yet, as the pipeline has them at this point).
 */
describe('copyTables', () => {
  let fx: SharedFixture;
  let plan: TenantPlan;
  let tenantId: string;

  async function emptyCopyOf(label: string): Promise<string> {
    const url = await createDatabase(`copy_${label}_${fx.suffix}`);
    execSync(
      `pg_dump --schema-only --section=pre-data ${JSON.stringify(fx.url)} | psql -q -v ON_ERROR_STOP=1 ${JSON.stringify(url)}`,
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    return url;
  }

  /** Every row of `table` as text, sorted: the tenant's rows in the source, all rows in the target. */
  async function rowsOf(url: string, table: TablePlan, side: 'source' | 'target'): Promise<string[]> {
    return withClient(url, async (c) => {
      await setTenantId(c, tenantId);
      const select =
        side === 'source'
          ? selectTenantRows(table)
          : `SELECT ${table.columns.map((x) => `t.${x}`).join(', ')} FROM ${table.qualified} t`;
      const { rows } = await c.query<{ r: string }>(`SELECT s::text AS r FROM (${select}) s ORDER BY 1`);
      return rows.map((r) => r.r);
    });
  }

  before(async () => {
    fx = await createSharedFixture({ rows: 60 });
    tenantId = (
      await query<{ id: string }>(fx.url, 'SELECT id FROM tenants WHERE slug = $1', [fx.tenants.main])
    )[0]!.id;
    const snap = await exportSnapshot(fx.url);
    try {
      await setTenantId(snap.client, tenantId);
      const graph = await readTableGraph(snap.client);
      plan = await measurePlan(
        snap.client,
        planTenant(graph, {
          tenantsTable: 'tenants',
          tenantKey: 'tenant_id',
          tenantId,
          tenantIdType: 'uuid',
          referenceTables: 'copy',
        }),
      );
    } finally {
      await snap.release();
    }
    assert.deepEqual(plan.blockers, []);
  });
  after(() => fx?.cleanup());

  it('copies exactly the tenant’s rows, binary and text, through partitioned parents', async () => {
    const target = await emptyCopyOf('p1');
    const progress = new Map<string, number>();
    const results = await copyTables({
      sourceUrl: fx.url,
      targetUrl: target,
      tenantId,
      tables: plan.tables,
      parallelism: 1,
      onProgress: (table, rows) => progress.set(table, rows),
    });
    assert.deepEqual(
      [...results.keys()],
      plan.tables.map((t) => t.qualified),
    );
    for (const t of plan.tables) {
      const r = results.get(t.qualified)!;
      assert.equal(r.rows, t.rows, `${t.qualified} rows`);
      assert.equal(progress.get(t.qualified), t.rows, `${t.qualified} final progress`);
      const [src, dst] = [await rowsOf(fx.url, t, 'source'), await rowsOf(target, t, 'target')];
      assert.equal(dst.length, t.rows);
      assert.deepEqual(dst, src, `${t.qualified} rows equal`);
    }
    assert.ok(plan.tables.some((t) => t.binarySafe) && plan.tables.some((t) => !t.binarySafe));
    // Identity ALWAYS columns keep their values; generated columns are computed by the target.
    const [ids] = await query<{ n: string; same: boolean }>(
      target,
      `SELECT count(*) AS n, bool_and(slug_lower = lower(name)) AS same FROM projects`,
    );
    assert.ok(Number(ids!.n) > 0 && ids!.same);
    const srcUsers = await query<{ id: string }>(
      fx.url,
      'SELECT id FROM users WHERE tenant_id = $1 ORDER BY id',
      [tenantId],
    );
    assert.deepEqual(await query<{ id: string }>(target, 'SELECT id FROM users ORDER BY id'), srcUsers);
    // Partitioned rows were routed into the same partitions as in the source.
    const perPartition = `SELECT tableoid::regclass::text AS p, count(*)::int AS n FROM agent_events WHERE tenant_id = $1 GROUP BY 1 ORDER BY 1`;
    const partitions = await query(target, perPartition, [tenantId]);
    assert.ok(partitions.length > 0);
    assert.deepEqual(partitions, await query(fx.url, perPartition, [tenantId]));
    // No other tenant's rows.
    const [others] = await query<{ n: string }>(
      target,
      'SELECT count(*) AS n FROM users WHERE tenant_id <> $1',
      [tenantId],
    );
    assert.equal(Number(others!.n), 0);
  });

  it('gives the same result with three tables at a time', async () => {
    const one = await emptyCopyOf('a1');
    const three = await emptyCopyOf('a3');
    const snap = await exportSnapshot(fx.url);
    try {
      const base = { sourceUrl: fx.url, snapshotId: snap.id, tenantId, tables: plan.tables };
      const r1 = await copyTables({ ...base, targetUrl: one, parallelism: 1 });
      const r3 = await copyTables({ ...base, targetUrl: three, parallelism: 3 });
      assert.deepEqual(
        [...r3].map(([k, v]) => [k, v.rows, v.bytes]),
        [...r1].map(([k, v]) => [k, v.rows, v.bytes]),
      );
    } finally {
      await snap.release();
    }
    for (const t of plan.tables) {
      assert.deepEqual(await rowsOf(three, t, 'target'), await rowsOf(one, t, 'target'), t.qualified);
    }
  });

  it('reads from the snapshot: writes committed after it are not copied', async () => {
    const target = await emptyCopyOf('snap');
    const snap = await exportSnapshot(fx.url);
    let extra: string | undefined;
    try {
      // Committed after the snapshot was exported.
      extra = (
        await query<{ id: string }>(
          fx.url,
          `INSERT INTO users (tenant_id, email) VALUES ($1, 'late@example.com') RETURNING id`,
          [tenantId],
        )
      )[0]!.id;
      await query(fx.url, `UPDATE projects SET name = 'renamed later' WHERE tenant_id = $1`, [tenantId]);
      const results = await copyTables({
        sourceUrl: fx.url,
        targetUrl: target,
        snapshotId: snap.id,
        tenantId,
        tables: plan.tables,
        parallelism: 2,
      });
      assert.equal(results.get('"public"."users"')?.rows, plan.tables.find((t) => t.name === 'users')?.rows);
      assert.deepEqual(await query(target, 'SELECT id FROM users WHERE id = $1', [extra]), []);
      assert.deepEqual(await query(target, `SELECT id FROM projects WHERE name = 'renamed later'`), []);
    } finally {
      await snap.release();
      if (extra) await query(fx.url, 'DELETE FROM users WHERE id = $1', [extra]);
    }
  });

  it('stops on abort, leaving no partial table and no session behind', async () => {
    const target = await emptyCopyOf('abort');
    const controller = new AbortController();
    const events = plan.tables.find((t) => t.name === 'agent_events')!;
    let aborted = false;
    await assert.rejects(
      copyTables({
        sourceUrl: fx.url,
        targetUrl: target,
        tenantId,
        tables: [events],
        parallelism: 1,
        signal: controller.signal,
        // The first progress report comes with the first chunk, mid-stream.
        onProgress: () => {
          if (!aborted) {
            aborted = true;
            controller.abort();
          }
        },
      }),
      (e: unknown) => (e as { code?: string }).code === 'cancelled',
    );
    assert.ok(aborted);
    assert.deepEqual(await query(target, 'SELECT 1 FROM agent_events'), []);
    const dbName = new URL(target).pathname.slice(1);
    // Sessions end asynchronously on the server after the client closes them.
    let left = 1;
    for (let i = 0; i < 50 && left > 0; i++) {
      const [row] = await query<{ n: string }>(
        fx.url,
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = ANY($1) AND application_name = 'tenant-promotion'`,
        [[dbName, fx.dbName]],
      );
      left = Number(row!.n);
      if (left > 0) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(left, 0);
  });

  it('rejects a snapshot id that is not one', async () => {
    await assert.rejects(
      copyTables({
        sourceUrl: fx.url,
        targetUrl: fx.url,
        snapshotId: "x'; DROP TABLE users; --",
        tenantId,
        tables: [],
        parallelism: 1,
      }),
      /Invalid snapshot id/,
    );
  });

  it('fails with a named table when the target refuses the rows', async () => {
    const target = await emptyCopyOf('fail');
    await withClient(target, (c) => c.query('ALTER TABLE audit_logs ADD CONSTRAINT no_rows CHECK (false)'));
    const audit = plan.tables.find((t) => t.name === 'audit_logs')!;
    const users = plan.tables.find((t) => t.name === 'users')!;
    await assert.rejects(
      copyTables({ sourceUrl: fx.url, targetUrl: target, tenantId, tables: [users, audit], parallelism: 1 }),
      (e: unknown) => {
        const err = e as { code?: string; message: string };
        return (
          err.code === 'database' &&
          err.message.includes('public.audit_logs') &&
          err.message.includes('no_rows')
        );
      },
    );
    // Tables finished before the failure stay committed; the failed one has nothing.
    assert.equal((await query(target, 'SELECT 1 FROM users')).length, users.rows);
    assert.deepEqual(await query(target, 'SELECT 1 FROM audit_logs'), []);
  });
});
