import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import {
  baseVersionDigestSql,
  freezeScanSql,
  keysPresentSql,
  seenAtBaseSql,
} from '../../src/postgres/catch-up';
import type { TablePlan } from '../../src/postgres/plan-types';
import { engineOptions, testDeps } from '../support/engine';
import { tenantId } from '../support/fault-checks';
import { tableRows } from '../support/fingerprint';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { SUBJECTS, subjectFixture } from '../support/subject-fixture';
import { DATABASE_URL, query, urlFor } from '../support/pg';
import { ContractWriter, missingWrites, writerSeed } from '../support/writer';

/**
 * Issue 13, property 5: the freeze is bounded by the writes. What is re-applied under the freeze
 * is what was written since the base pass — decided by the base snapshot itself, not by a
 * cluster-wide horizon that one idle transaction in another database holds back — and what is
 * read is only the tenant's rows, through the tenant-key index.
 */

const MAX_FREEZE_MS = 5_000;

/** Opens a session on `url` and leaves it idle inside a transaction; `end` rolls it back. */
async function idleTransaction(url: string, statements: string[]): Promise<{ end(): Promise<void> }> {
  const c = new pg.Client({ connectionString: url, application_name: 'freeze-bound-idle' });
  await c.connect();
  for (const s of statements) await c.query(s);
  return {
    end: async () => {
      await c.query('ROLLBACK').catch(() => undefined);
      await c.end();
    },
  };
}

/** A promotion of `slug` while a writer following the application contract writes, and what it did. */
async function promoteWithWriter(f: SharedFixture, slug: string, maxFreezeMs = MAX_FREEZE_MS) {
  const names = deriveNames(slug);
  const id = await tenantId(f, slug);
  const seed = await writerSeed(f.url, id, `fb${f.suffix}`);
  const writer = new ContractWriter(f.url, urlFor(names.database), seed);
  const running = writer.run();
  const opts = await engineOptions(f, slug, { maxFreezeMs });
  let beforeSwitch = 0;
  let atFreeze = 0;
  let record;
  try {
    ({ record } = await promote(
      opts,
      testDeps('freeze-bound', {
        fault: async (point) => {
          if (point === 'before:switch') beforeSwitch = writer.total;
          if (point === 'switch:before-freeze') {
            // Let some writes land between the base pass and the freeze.
            const until = writer.total + 15;
            const deadline = Date.now() + 10_000;
            while (writer.total < until && writer.errors.length === 0 && Date.now() < deadline)
              await new Promise((r) => setTimeout(r, 5));
            atFreeze = writer.total;
          }
        },
      }),
    ));
    const deadline = Date.now() + 30_000;
    while (writer.committed.isolated < 5 && writer.errors.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
  } finally {
    writer.stop();
    await running;
    await rm(opts.configDir, { recursive: true, force: true });
  }
  assert.equal(record.result, 'promoted', JSON.stringify(record.error));
  assert.deepEqual(writer.errors, []);
  assert.deepEqual(await missingWrites(urlFor(names.database), seed, writer.model), [], 'no write lost');
  const freeze = record.freeze;
  assert.ok(freeze, 'the record reports the freeze');
  assert.ok(freeze.ms <= maxFreezeMs, `freeze ${freeze.ms} ms`);
  assert.ok(atFreeze - beforeSwitch > 0, 'writes landed between the base pass and the freeze');
  return { record, freeze, writesSinceBase: writer.committed.shared - beforeSwitch };
}

function describeFreeze(run: Awaited<ReturnType<typeof promoteWithWriter>>): string {
  const { freeze } = run;
  return `freeze ${freeze.ms} ms, ${freeze.scannedRows} rows scanned, ${freeze.candidateRows} candidates, ${freeze.reappliedRows} re-applied, ${run.writesSinceBase} writes since the switch step began`;
}

describe('the freeze with a transaction left open in another database', () => {
  let f: SharedFixture;
  const idle: { end(): Promise<void> }[] = [];
  before(async () => {
    // Both opened before the fixture's rows are written, in another database of the cluster: an
    // idle REPEATABLE READ snapshot, and a transaction that holds an xid (a write left
    // uncommitted, idle): the second holds every snapshot's xmin back, so every row written
    // since looked "changed since the base snapshot" to an xmin-horizon test.
    idle.push(
      await idleTransaction(DATABASE_URL, ['BEGIN ISOLATION LEVEL REPEATABLE READ', 'SELECT 1']),
      await idleTransaction(DATABASE_URL, ['BEGIN', 'SELECT pg_current_xact_id()']),
    );
    f = await createSharedFixture({ rows: 2_000 });
  });
  after(async () => {
    for (const t of idle) await t.end();
    await f?.cleanup();
  });

  it('re-applies only what was written since the base pass, loses no write, freezes within max-freeze', async () => {
    const slug = f.tenants.main;
    const id = await tenantId(f, slug);
    // The fixture's rows are newer than the idle transaction: an xmin-horizon test calls every
    // one of them changed since any snapshot taken now.
    const [horizon] = await query<{ all: string; newer: string }>(
      f.url,
      `SELECT count(*)::text AS all,
              count(*) FILTER (WHERE age(xmin) <= age((pg_snapshot_xmin(pg_current_snapshot())::text::bigint % 4294967296)::text::xid))::text AS newer
         FROM projects WHERE tenant_id = $1`,
      [id],
    );
    assert.equal(horizon!.newer, horizon!.all, 'the idle transaction holds the snapshot xmin back');
    const run = await promoteWithWriter(f, slug);
    const { record, freeze } = run;
    // Every write the writer committed in the shared database after the switch step began (an
    // upper bound on the writes since the base pass); each touches a row or two.
    assert.ok(
      freeze.reappliedRows <= 2 * run.writesSinceBase + 10,
      `re-applied ${freeze.reappliedRows} rows for ${run.writesSinceBase} writes since the base pass (${freeze.scannedRows} scanned)`,
    );
    assert.ok(
      freeze.scannedRows > 20 * (2 * run.writesSinceBase + 10),
      `the tenant is large (${freeze.scannedRows})`,
    );
    const detail = record.steps.find((s) => s.name === 'switch')?.detail ?? '';
    assert.match(detail, /rows scanned, \d+ re-applied/);
    console.log(`idle transaction elsewhere: ${describeFreeze(run)}`);
  });

  it('reads the tenant through its tenant-key index, and looks moved-in keys up through the key index', async () => {
    const table = (name: string, where: string, keys: string[]): TablePlan => ({
      schema: 'public',
      name,
      qualified: `"public"."${name}"`,
      kind: 'tenant',
      columns: ['"id"'],
      keyColumns: keys,
      where,
      binarySafe: true,
      partitioned: false,
    });
    const projects = table(
      'projects',
      `t."tenant_id" = current_setting('tenant_promotion.tenant_id')::uuid`,
      ['"id"'],
    );
    const members = table('project_members', 'true', ['"project_id"', '"user_id"']);
    const c = new pg.Client({ connectionString: f.url });
    await c.connect();
    try {
      await c.query('ANALYZE projects; ANALYZE project_members');
      // The tables are small enough that the planner may prefer reading them whole; with that
      // priced out, the plan shows whether the predicates let an index serve them at all.
      await c.query('SET enable_seqscan = off');
      const small = await tenantId(f, f.tenants.other);
      await c.query(`SELECT set_config('tenant_promotion.tenant_id', $1, false)`, [small]);
      const plan = async (sql: string, params: unknown[] = []) =>
        (await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).rows
          .map((r) => r['QUERY PLAN'])
          .join('\n');
      const scan = await plan(freezeScanSql(projects, '3', 64), [[]]);
      assert.match(scan, /Index|Bitmap/, scan);
      assert.doesNotMatch(scan, /Seq Scan/, scan);
      const digest = await plan(baseVersionDigestSql(projects, '3', 64));
      assert.doesNotMatch(digest, /Seq Scan/, digest);
      const seen = await plan(seenAtBaseSql(projects), [['(0,1)', '(0,2)']]);
      assert.match(seen, /Tid Scan/, seen);
      const present = await plan(keysPresentSql(members, ['integer', 'bigint']), [
        ['1', '2'],
        ['3', '4'],
      ]);
      assert.match(present, /Index/, present);
      assert.doesNotMatch(present, /Seq Scan on project_members/, present);
    } finally {
      await c.end();
    }
  });
});

for (const subject of SUBJECTS) {
  describe(`an idle transaction holding an xid in another database, as ${subject}`, () => {
    let idle: { end(): Promise<void> } | undefined;
    // Opened (by `postgres`, in the `postgres` database) before the fixture's rows are written:
    // every one of them is newer than the oldest transaction of the cluster.
    before(async () => {
      idle = await idleTransaction(DATABASE_URL, ['BEGIN', 'SELECT pg_current_xact_id()']);
    });
    after(() => idle?.end());
    const fixture = subjectFixture(subject, { rows: 120 });

    it('changes nothing: the freeze’s candidates are the versions written since the base snapshot; a deletion is found without a second read', async () => {
      const { f } = fixture;
      const slug = f.tenants.main;
      const id = await tenantId(f, slug);
      const [horizon] = await query<{ all: string; newer: string }>(
        f.url,
        `SELECT count(*)::text AS all,
                count(*) FILTER (WHERE age(xmin) <= age((pg_snapshot_xmin(pg_current_snapshot())::text::bigint % 4294967296)::text::xid))::text AS newer
           FROM projects WHERE tenant_id = $1`,
        [id],
      );
      assert.equal(horizon!.newer, horizon!.all, 'the idle transaction holds the snapshot xmin back');
      // A tenant table (partitioned) with many rows, one of which is deleted before the freeze.
      await query(
        f.url,
        `INSERT INTO agent_events (tenant_id, occurred_at, kind, payload)
           SELECT $1, timestamptz '2024-06-01' + g * interval '1 minute', 'bulk', jsonb_build_object('n', g)
             FROM generate_series(1, 3000) g`,
        [id],
      );
      const [events] = await query<{ n: number }>(
        f.url,
        'SELECT count(*)::int AS n FROM agent_events WHERE tenant_id = $1',
        [id],
      );
      const written = 3;
      const opts = await engineOptions(f, slug, { keepSharedData: true, ...fixture.engine });
      try {
        const { record } = await promote(
          opts,
          testDeps('freeze-bound', {
            fault: async (point) => {
              if (point !== 'switch:before-freeze') return;
              // Exactly `written` new row versions of the tenant's, after the base snapshot, and
              // one row deleted (no new version).
              await query(
                f.url,
                `DELETE FROM agent_events WHERE (id, occurred_at) =
                   (SELECT id, occurred_at FROM agent_events WHERE tenant_id = $1 AND kind = 'bulk' ORDER BY id LIMIT 1 OFFSET 1500)`,
                [id],
              );
              await query(
                f.url,
                `UPDATE projects SET name = name || ' (renamed)'
                  WHERE id IN (SELECT id FROM projects WHERE tenant_id = $1 ORDER BY id LIMIT ${written})`,
                [id],
              );
            },
          }),
        );
        assert.equal(record.result, 'promoted', JSON.stringify(record.error));
        const freeze = record.freeze!;
        assert.ok(freeze.scannedRows > 50 * written, `the tenant is large (${freeze.scannedRows} rows)`);
        // Before: every tenant row was a candidate (the idle xid is older than all of them).
        // Now the same as without the idle transaction: the versions written since S (and, at
        // most, a row or two the run itself wrote while an autoanalyze of this database ran).
        assert.ok(
          (freeze.candidateRows ?? -1) >= written && (freeze.candidateRows ?? -1) <= written + 2,
          `candidates ${freeze.candidateRows} for ${written} versions written (${freeze.scannedRows} rows scanned)`,
        );
        assert.ok((freeze.openElsewhere ?? 0) >= 1, JSON.stringify(freeze));
        assert.ok(freeze.reappliedRows >= written + 1, JSON.stringify(freeze));
        // The tenant's rows are read once under the freeze: the deleted row is found from the
        // blocks whose versions changed, not by reading every event again at S (before: the
        // planned rows plus all ${events!.n} events).
        // The rows copied are the tenant's rows at the snapshot (the plan's are an estimate).
        const planned = record.tables.reduce((n, t) => n + (t.copiedRows ?? 0), 0);
        assert.ok(
          freeze.scannedRows < planned + events!.n / 2,
          `${freeze.scannedRows} rows scanned under the freeze for ${planned} copied rows (${events!.n} events)`,
        );
        const target = urlFor(deriveNames(slug).database);
        assert.deepEqual(
          await tableRows(target, 'public.projects'),
          await tableRows(f.url, 'public.projects', 't.tenant_id = $1', [id]),
        );
        assert.deepEqual(
          await tableRows(target, 'public.agent_events'),
          await tableRows(f.url, 'public.agent_events', 't.tenant_id = $1', [id]),
          'the deleted event is gone from the new database too',
        );
      } finally {
        await rm(opts.configDir, { recursive: true, force: true });
      }
    });
  });

  describe(`a write in a subtransaction of a transaction running at the base snapshot, as ${subject}`, () => {
    const fixture = subjectFixture(subject, { rows: 40 });

    it('is caught up under the freeze (its xid is below the snapshot xmax and not in its xip list)', async () => {
      const { f } = fixture;
      const slug = f.tenants.main;
      const id = await tenantId(f, slug);
      const [project] = await query<{ id: number }>(
        f.url,
        'SELECT min(id) AS id FROM projects WHERE tenant_id = $1',
        [id],
      );
      const w = new pg.Client({ connectionString: f.url });
      await w.connect();
      let top = '';
      let sub = '';
      let snapshot: { xmax: string; top_in_xip: boolean; sub_visible: boolean } | undefined;
      try {
        const opts = await engineOptions(f, slug, {
          keepSharedData: true,
          ...fixture.engine,
        });
        const { record } = await promote(
          opts,
          testDeps('freeze-bound', {
            fault: async (point) => {
              if (point === 'before:switch') {
                // Follows the contract, holds an xid, then writes inside a SAVEPOINT: the row's
                // xmin is the subtransaction's xid. All before the base snapshot is taken.
                await w.query('BEGIN');
                await w.query('SELECT 1 FROM tenants WHERE id = $1 FOR SHARE', [id]);
                top = (await w.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x')).rows[0]!.x;
                await w.query('SAVEPOINT s1');
                await w.query(`UPDATE projects SET name = 'written in a subtransaction' WHERE id = $1`, [
                  project!.id,
                ]);
                await w.query(
                  `INSERT INTO users (tenant_id, email, display_name) VALUES ($1, 'sub@freeze.example', 'sub')`,
                  [id],
                );
                sub = (
                  await w.query<{ x: string }>('SELECT xmin::text AS x FROM projects WHERE id = $1', [
                    project!.id,
                  ])
                ).rows[0]!.x;
                await w.query('RELEASE SAVEPOINT s1');
                // A later transaction commits, so the base snapshot's xmax passes the
                // subtransaction's xid: S lists the parent in its in-progress list, not the
                // subtransaction, and `pg_visible_in_snapshot(sub, S)` says true though S does
                // not see the row (the trap of deciding "changed" from xmax and xip alone).
                await query(f.url, 'SELECT pg_current_xact_id()');
                [snapshot] = await query<{ xmax: string; top_in_xip: boolean; sub_visible: boolean }>(
                  f.url,
                  `SELECT pg_snapshot_xmax(s)::text AS xmax, $1::xid8 IN (SELECT pg_snapshot_xip(s)) AS top_in_xip,
                          pg_visible_in_snapshot($2::xid8, s) AS sub_visible
                     FROM pg_current_snapshot() AS s`,
                  [top, sub],
                );
              }
              // The base snapshot saw the transaction running; it commits before the freeze.
              if (point === 'switch:before-freeze') await w.query('COMMIT');
            },
          }),
        );
        assert.equal(record.result, 'promoted', JSON.stringify(record.error));
        assert.notEqual(sub, String(BigInt(top) % 4294967296n), 'the row version is a subtransaction’s');
        // Taken just before the base snapshot (same xid epoch here: xid8 = xid).
        assert.ok(snapshot && BigInt(snapshot.xmax) > BigInt(sub), JSON.stringify(snapshot));
        assert.equal(snapshot.top_in_xip, true);
        assert.equal(snapshot.sub_visible, true, 'xmax and xip alone would call the row old');
        const target = urlFor(deriveNames(slug).database);
        assert.deepEqual(
          await tableRows(target, 'public.projects'),
          await tableRows(f.url, 'public.projects', 't.tenant_id = $1', [id]),
        );
        assert.deepEqual(
          await tableRows(target, 'public.users'),
          await tableRows(f.url, 'public.users', 't.tenant_id = $1', [id]),
        );
        const [row] = await query<{ name: string }>(target, 'SELECT name FROM projects WHERE id = $1', [
          project!.id,
        ]);
        assert.equal(row?.name, 'written in a subtransaction');
        assert.ok((record.freeze?.reappliedRows ?? 0) >= 2, JSON.stringify(record.freeze));
        await rm(opts.configDir, { recursive: true, force: true });
      } finally {
        await w.query('ROLLBACK').catch(() => undefined);
        await w.end();
      }
    });
  });
}

describe('a partitioned tenant table with JIT on for every query of the shared database', () => {
  let f: SharedFixture;
  let jit = false;
  before(async () => {
    f = await createSharedFixture({ rows: 400 });
    jit = (await query<{ on: boolean }>(f.url, 'SELECT pg_jit_available() AS on'))[0]!.on;
    await query(
      f.url,
      `ALTER DATABASE ${pg.escapeIdentifier(f.dbName)} SET jit = on; ALTER DATABASE ${pg.escapeIdentifier(f.dbName)} SET jit_above_cost = 0;
       ALTER DATABASE ${pg.escapeIdentifier(f.dbName)} SET jit_optimize_above_cost = 0; ALTER DATABASE ${pg.escapeIdentifier(f.dbName)} SET jit_inline_above_cost = 0`,
    );
  });
  after(() => f?.cleanup());

  it('completes with a writer: freeze within max-freeze, no write lost', async (t) => {
    if (!jit) return t.skip('this server has no JIT (pg_jit_available() is false): nothing to compile');
    // The database setting reaches new sessions: a query the freeze pass runs is compiled there.
    const [setting] = await query<{ jit: string }>(f.url, `SELECT current_setting('jit') AS jit`);
    assert.equal(setting!.jit, 'on');
    const run = await promoteWithWriter(f, f.tenants.main, 2_000);
    console.log(`JIT on: ${describeFreeze(run)}`);
  });
});

/**
 * Measurement, not a check of timings (opt in: FREEZE_BENCH_ROWS=200000 or 1000000): the freeze
 * of a tenant of about that many rows with a writer, with and without an idle transaction holding
 * an xid in another database. The fixture's size grows as the square of its `rows` (project
 * members), so `rows` is chosen for the tenant's total.
 */
const BENCH_ROWS = Number(process.env.FREEZE_BENCH_ROWS ?? 0);
describe(
  `freeze measurements (FREEZE_BENCH_ROWS=${BENCH_ROWS || 'unset'})`,
  { skip: !BENCH_ROWS && 'set FREEZE_BENCH_ROWS to run' },
  () => {
    for (const idleElsewhere of [false, true]) {
      it(`${idleElsewhere ? 'with' : 'without'} an idle transaction in another database`, async () => {
        const idle = idleElsewhere
          ? [
              await idleTransaction(DATABASE_URL, ['BEGIN ISOLATION LEVEL REPEATABLE READ', 'SELECT 1']),
              await idleTransaction(DATABASE_URL, ['BEGIN', 'SELECT pg_current_xact_id()']),
            ]
          : [];
        const f = await createSharedFixture({ rows: Math.round(4 * Math.sqrt(5 * BENCH_ROWS)) });
        try {
          const [size] = await query<{ n: string }>(
            f.url,
            `SELECT (SELECT count(*) FROM projects p JOIN project_members m ON m.project_id = p.id WHERE p.tenant_id = t.id)
                + (SELECT count(*) FROM agent_events e WHERE e.tenant_id = t.id)
                + (SELECT count(*) FROM audit_logs a WHERE a.tenant_id = t.id) AS n
             FROM tenants t WHERE t.slug = $1`,
            [f.tenants.main],
          );
          const run = await promoteWithWriter(f, f.tenants.main, 60_000);
          console.log(
            `bench ${size!.n} tenant rows, ${idleElsewhere ? 'with' : 'without'} idle xid elsewhere: ${describeFreeze(run)}`,
          );
        } finally {
          for (const i of idle) await i.end();
          await f.cleanup();
        }
      });
    }
  },
);
