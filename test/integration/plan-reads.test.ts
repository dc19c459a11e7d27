import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { promote } from '../../src/pipeline/promote';
import { engineOptions, testDeps } from '../support/engine';
import { sessionsGone } from '../support/fault-checks';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { query } from '../support/pg';

/**
 * Issue 18, targets 1 and 4: the plan step's cost follows the catalog, not the tenant's rows. A
 * promotion sizes each table from the planner's estimate; the copy counts what it copies. A dry
 * run, the review before a promotion, still counts exactly. Rows read are the shared database's
 * statistics (pg_stat_user_tables), read once every session of the run has ended (a backend
 * reports its counts before it leaves pg_stat_activity). Runs as the superuser and, with
 * TEST_ADMIN=nonsuper, as a LOGIN CREATEDB CREATEROLE role.
 */

/** The main tenant's rows in the table: far more than the plan may read of it. */
const BULK_ROWS = 5000;

describe('the plan step reads the catalog, not the tenant rows', () => {
  let f: SharedFixture;
  before(async () => {
    // A tenant table without foreign keys: no cross-tenant check reads it, so what the plan step
    // reads of it is what measuring the plan reads. And a cycle of NOT NULL foreign keys, none
    // DEFERRABLE (teams.lead_id → people, people.team_id → teams), where only initech has rows:
    // whether a tenant has rows there decides a blocker, so that stays exact.
    f = await createSharedFixture({
      rows: 20,
      extraSql: (suffix) =>
        `CREATE TABLE bulk_events (id bigserial PRIMARY KEY, tenant_id uuid NOT NULL, payload text NOT NULL);
         CREATE INDEX ON bulk_events (tenant_id);
         CREATE TABLE teams (id int PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES tenants (id), lead_id int NOT NULL);
         CREATE INDEX ON teams (tenant_id);
         CREATE TABLE people (id int PRIMARY KEY, team_id int NOT NULL REFERENCES teams (id));
         CREATE INDEX ON people (team_id);
         ALTER TABLE teams ADD CONSTRAINT teams_lead FOREIGN KEY (lead_id) REFERENCES people (id);
         CREATE INDEX ON teams (lead_id);
         SET session_replication_role = replica;
         INSERT INTO teams SELECT 1, id, 1 FROM tenants WHERE slug = 'initech-${suffix}';
         INSERT INTO people VALUES (1, 1);
         RESET session_replication_role;`,
    });
    await query(
      f.url,
      `INSERT INTO bulk_events (tenant_id, payload)
       SELECT t.id, repeat('x', 100) FROM tenants t, generate_series(1, $2) g
        WHERE t.slug = $1 OR (t.slug <> $1 AND g <= 100)`,
      [f.tenants.main, BULK_ROWS],
    );
    await query(f.url, 'ANALYZE bulk_events');
  });
  after(async () => {
    await f?.cleanup();
  });

  /** Rows of bulk_events read since the statistics were last reset (every session reported). */
  async function bulkRowsRead(): Promise<number> {
    assert.equal(await sessionsGone([f.dbName]), 0, 'every session of the run has ended');
    const [row] = await query<{ n: string }>(
      f.url,
      `SELECT pg_stat_clear_snapshot(), seq_tup_read + coalesce(idx_tup_fetch, 0) AS n
         FROM pg_stat_user_tables WHERE relname = 'bulk_events'`,
    );
    return Number(row!.n);
  }

  it('a promotion estimates the rows (marked as estimates) and reads none of them before the copy', async () => {
    const opts = await engineOptions(f, f.tenants.main);
    try {
      const before = await bulkRowsRead();
      const { record } = await promote(
        opts,
        testDeps('plan-reads', {
          fault: async (point) => {
            if (point === 'after:plan') throw new Error('stop after the plan');
          },
        }),
      );
      assert.equal(record.result, 'failed', JSON.stringify(record.error));
      assert.equal(record.error?.step, 'plan', JSON.stringify(record.error));
      const read = (await bulkRowsRead()) - before;
      // Before: count(*) and the rows' sizes read every one of the tenant's 5000 rows.
      assert.ok(read < BULK_ROWS / 10, `the plan step read ${read} rows of bulk_events`);
      const bulk = record.tables.find((t) => t.name === 'bulk_events');
      assert.equal(bulk?.plannedEstimated, true, JSON.stringify(bulk));
      // The estimate comes from the statistics: near the tenant's share, not an average tenant's.
      assert.ok(
        (bulk?.plannedRows ?? 0) > BULK_ROWS / 2 && (bulk?.plannedRows ?? 0) < BULK_ROWS * 2,
        JSON.stringify(bulk),
      );
      // acme has no rows in the cycle: the estimate (at least one row) must not make it a blocker.
      assert.ok(
        record.notes.some((n) =>
          /unless the references between its rows never go round, no order can delete/.test(n),
        ),
        record.notes.join('\n'),
      );
      // The tenants row itself is counted exactly (the "tenant row not found" blocker rests on it).
      const root = record.tables.find((t) => t.kind === 'root');
      assert.equal(root?.plannedRows, 1);
      assert.equal(root?.plannedEstimated, undefined);
    } finally {
      await rm(opts.configDir, { recursive: true, force: true });
    }
  });

  it('a tenant with rows in every table of the cycle is refused before anything is created', async () => {
    const opts = await engineOptions(f, f.tenants.other);
    try {
      const { record } = await promote(opts, testDeps('plan-reads-cycle'));
      assert.equal(record.error?.code, 'plan-blocked', JSON.stringify(record.error));
      assert.match(record.error!.message, /teams_lead.*: no order can delete/);
    } finally {
      await rm(opts.configDir, { recursive: true, force: true });
    }
  });

  it('a dry run counts them exactly', async () => {
    const opts = await engineOptions(f, f.tenants.main, { dryRun: true });
    try {
      const { record } = await promote(opts, testDeps('plan-reads-dry'));
      assert.equal(record.result, 'dry-run', JSON.stringify(record.error));
      const bulk = record.tables.find((t) => t.name === 'bulk_events');
      assert.equal(bulk?.plannedRows, BULK_ROWS);
      assert.equal(bulk?.plannedEstimated, undefined);
    } finally {
      await rm(opts.configDir, { recursive: true, force: true });
    }
  });
});
