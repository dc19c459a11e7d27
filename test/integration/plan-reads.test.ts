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
    // A tenant table whose foreign keys from other tables either carry the tenant key (bulk_links:
    // to bulk_events through (tenant_id, event_id), and to tenants) or are the one way a dependent
    // table is selected by (bulk_notes): no cross-tenant check needs to read any of them, so what
    // the plan step reads of them is what measuring the plan reads (before, the checks read every
    // row of the tenant's in each). And a cycle of NOT NULL foreign keys, none DEFERRABLE (teams.lead_id → people, people.team_id → teams), where only initech has rows:
    // whether a tenant has rows there decides a blocker, so that stays exact.
    f = await createSharedFixture({
      rows: 20,
      extraSql: (suffix) =>
        `CREATE TABLE bulk_events (id bigserial PRIMARY KEY, tenant_id uuid NOT NULL, payload text NOT NULL);
         CREATE INDEX ON bulk_events (tenant_id);
         ALTER TABLE bulk_events ADD UNIQUE (tenant_id, id);
         CREATE TABLE bulk_links (id bigserial PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES tenants (id),
           event_id bigint NOT NULL, FOREIGN KEY (tenant_id, event_id) REFERENCES bulk_events (tenant_id, id));
         CREATE INDEX ON bulk_links (tenant_id, event_id);
         CREATE TABLE bulk_notes (id bigserial PRIMARY KEY, event_id bigint NOT NULL REFERENCES bulk_events (id));
         CREATE INDEX ON bulk_notes (event_id);
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
    await query(f.url, 'INSERT INTO bulk_links (tenant_id, event_id) SELECT tenant_id, id FROM bulk_events');
    await query(f.url, 'INSERT INTO bulk_notes (event_id) SELECT id FROM bulk_events');
    await query(f.url, 'ANALYZE bulk_events, bulk_links, bulk_notes');
  });
  after(async () => {
    await f?.cleanup();
  });

  /** Rows of the bulk tables read since the statistics were last reset (every session reported). */
  async function bulkRowsRead(): Promise<Record<string, number>> {
    assert.equal(await sessionsGone([f.dbName]), 0, 'every session of the run has ended');
    const rows = await query<{ relname: string; n: string }>(
      f.url,
      `SELECT pg_stat_clear_snapshot(), relname, seq_tup_read + coalesce(idx_tup_fetch, 0) AS n
         FROM pg_stat_user_tables WHERE relname IN ('bulk_events', 'bulk_links', 'bulk_notes')`,
    );
    return Object.fromEntries(rows.map((r) => [r.relname, Number(r.n)]));
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
      const after = await bulkRowsRead();
      for (const table of ['bulk_events', 'bulk_links', 'bulk_notes']) {
        const read = after[table]! - before[table]!;
        // Before: count(*) and the rows' sizes read every one of the tenant's 5000 rows, and so
        // did the cross-tenant checks of the keys that carry the tenant key.
        assert.ok(read < BULK_ROWS / 10, `the plan step read ${read} rows of ${table}`);
      }
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
