import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import { rollback } from '../../src/pipeline/rollback';
import { PromotionOptions } from '../../src/options';
import { tenantStatus } from '../../src/pipeline/status';
import { renderStatusText } from '../../src/report/status-text';
import { rangeFor } from '../../src/postgres/sequence-ranges';
import { engineOptions, testDeps } from '../support/engine';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { databaseExists } from '../support/fingerprint';
import { createNonSuperuser, type NonSuperuser } from '../support/nonsuper';
import { DATABASE_URL, query, urlFor } from '../support/pg';

/**
 * Ids that never collide (issue 16): every isolated tenant's sequences get a range of their own
 * from the register, disjoint from the shared side and from every other tenant's. Real
 * PostgreSQL, as a non-superuser admin (support/nonsuper.ts).
 */

/** A sequence feeding two tables, on top of the fixture's identity, serial and bigserial keys. */
const SHARED_SEQUENCE_SQL = `
  CREATE SEQUENCE doc_ids;
  CREATE TABLE notes (id bigint PRIMARY KEY DEFAULT nextval('doc_ids'), tenant_id uuid NOT NULL REFERENCES tenants(id), body text);
  CREATE TABLE attachments (id bigint PRIMARY KEY DEFAULT nextval('doc_ids'), tenant_id uuid NOT NULL REFERENCES tenants(id), name text);
  INSERT INTO notes (tenant_id, body) SELECT id, 'note of ' || slug FROM tenants;
  INSERT INTO attachments (tenant_id, name) SELECT id, 'file of ' || slug FROM tenants;`;

/** Rows with DEFAULT keys in every sequence-fed table, for the tenant `slug` (its row must be in `url`). */
const insertRows = (slug: string, n: number) => `
  DO $$ DECLARE t uuid; p int; d bigint; BEGIN
    SELECT id INTO t FROM tenants WHERE slug = '${slug}';
    FOR i IN 1..${n} LOOP
      INSERT INTO users (tenant_id, email) VALUES (t, 'new' || i || '-' || clock_timestamp()::text || '@${slug}.example');
      INSERT INTO projects (tenant_id, name) VALUES (t, 'new ' || i) RETURNING id INTO p;
      INSERT INTO design_recommendations (tenant_id, project_id, body) VALUES (t, p, 'new') RETURNING id INTO d;
      INSERT INTO agent_events (tenant_id, occurred_at, kind, payload) VALUES (t, now(), 'new', '{}');
      INSERT INTO notes (tenant_id, body) VALUES (t, 'new');
      INSERT INTO attachments (tenant_id, name) VALUES (t, 'new');
    END LOOP;
  END $$`;

/** Key column per sequence-fed table; notes and attachments share one sequence, so one id space. */
const KEYED: Record<string, string[]> = {
  users: ['users'],
  projects: ['projects'],
  design_recommendations: ['design_recommendations'],
  agent_events: ['agent_events'],
  doc_ids: ['notes', 'attachments'],
};

async function ids(url: string, tables: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const t of tables)
    out.push(...(await query<{ id: string }>(url, `SELECT id::text AS id FROM ${t}`)).map((r) => r.id));
  return out;
}

function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return [...dup];
}

async function slotOf(url: string, slug: string): Promise<number | undefined> {
  const [row] = await query<{ slot: number | null }>(
    url,
    `SELECT (settings->'isolation'->'sequence_range'->>'slot')::int AS slot FROM tenants WHERE slug = $1`,
    [slug],
  );
  return row?.slot ?? undefined;
}

describe('sequence ranges (real PostgreSQL)', () => {
  let f: SharedFixture;
  let ns: NonSuperuser;
  before(async () => {
    f = await createSharedFixture({ rows: 20 });
    await query(f.url, SHARED_SEQUENCE_SQL);
    // The application's role uses them as it uses the fixture's tables.
    await query(
      f.url,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON notes, attachments TO "${f.appRole}"; GRANT USAGE ON SEQUENCE doc_ids TO "${f.appRole}"`,
    );
    // After the extra tables exist, so the admin's grants cover them too.
    ns = await createNonSuperuser(f.url, { bypassRls: true });
  });
  after(async () => {
    await ns?.drop();
    await f?.cleanup();
  });

  it('two tenants promoted one after the other, a third writing to the shared database: no id twice, and a rollback keeps every row', async () => {
    const a = f.tenants.main;
    const b = f.tenants.small;
    const c = f.tenants.other;
    const optsA = await engineOptions(f, a, { databaseUrl: ns.url });
    const optsB = await engineOptions(f, b, { databaseUrl: ns.url });
    const first = await promote(optsA, testDeps());
    assert.equal(first.record.result, 'promoted', JSON.stringify(first.record.error));
    // int4 headroom is a plan warning with the remedy; a sequence feeding two tables is named.
    const notes = first.record.notes.join('\n');
    assert.match(
      notes,
      /sequence public\.projects_id_seq .* is integer: .*ALTER TABLE "public"\."projects" ALTER COLUMN "id" TYPE bigint/,
    );
    assert.match(notes, /sequence public\.doc_ids .* feeds 2 columns/);
    assert.match(notes, /sequence range slot \d+: bigint ids/);
    const second = await promote(optsB, testDeps());
    assert.equal(second.record.result, 'promoted', JSON.stringify(second.record.error));
    const slotA = await slotOf(f.url, a);
    const slotB = await slotOf(f.url, b);
    assert.ok(slotA && slotB && slotA !== slotB, `slots ${slotA} and ${slotB}`);

    const dbA = ns.urlFor(deriveNames(a).database);
    const dbB = ns.urlFor(deriveNames(b).database);
    await query(dbA, insertRows(a, 3));
    await query(dbB, insertRows(b, 3));
    await query(ns.url, insertRows(c, 3));

    // Every tenant database's sequences sit in the tenant's own range.
    for (const [url, slot] of [
      [dbA, slotA],
      [dbB, slotB],
    ] as const) {
      const seqs = await query<{ name: string; min: string; max: string; type: string }>(
        url,
        `SELECT sequencename AS name, min_value::text AS min, max_value::text AS max, data_type::text AS type FROM pg_sequences WHERE schemaname = 'public'`,
      );
      for (const s of seqs) {
        const type = s.name === 'projects_id_seq' ? 'integer' : 'bigint';
        const r = rangeFor(type, slot)!;
        assert.deepEqual(
          [s.min, s.max],
          [r.first.toString(), r.last.toString()],
          `${s.name} in slot ${slot}`,
        );
      }
    }

    // No key value appears twice across the three databases.
    for (const [seq, tables] of Object.entries(KEYED)) {
      const all = [...(await ids(dbA, tables)), ...(await ids(dbB, tables)), ...(await ids(f.url, tables))];
      assert.deepEqual(duplicates(all), [], `${seq}: ids handed out twice`);
    }

    // The sequences check passes on both sides, within the ranges.
    const verified = await tenantStatus(PromotionOptions.parse(optsA), { verify: true });
    const seqCheck = verified.checks!.find((x) => x.name === 'sequences')!;
    assert.equal(seqCheck.status, 'pass', JSON.stringify(seqCheck));
    assert.match(seqCheck.reason, /within the tenant's range/);
    const text = renderStatusText(verified);
    assert.match(text, /Sequence ranges \(slot \d+\)/);
    assert.match(text, /public\.users_users_id_seq|public\.users_id_seq/);

    // Rollback of A after those inserts: every row present, the shared sequences stay below the zone.
    const rowsOfA = await ids(dbA, [
      'users',
      'projects',
      'design_recommendations',
      'agent_events',
      'notes',
      'attachments',
    ]);
    const sharedSeqBefore = await query<{ name: string; v: string | null }>(
      f.url,
      `SELECT sequencename AS name, last_value::text AS v FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`,
    );
    const back = await rollback(optsA, testDeps());
    assert.equal(back.record.result, 'rolled-back', JSON.stringify(back.record.error));
    assert.equal(await databaseExists(deriveNames(a).database, DATABASE_URL), false);
    const [tenantA] = await query<{ id: string }>(
      f.url,
      'SELECT id::text AS id FROM tenants WHERE slug = $1',
      [a],
    );
    let present = 0;
    for (const t of ['users', 'projects', 'design_recommendations', 'agent_events', 'notes', 'attachments']) {
      const [row] = await query<{ n: string }>(
        f.url,
        `SELECT count(*)::text AS n FROM ${t} WHERE tenant_id = $1`,
        [tenantA!.id],
      );
      present += Number(row!.n);
    }
    assert.equal(present, rowsOfA.length, 'every row of the isolated database is back in the shared one');
    const sharedSeqAfter = await query<{ name: string; v: string | null }>(
      f.url,
      `SELECT sequencename AS name, last_value::text AS v FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`,
    );
    assert.deepEqual(
      sharedSeqAfter,
      sharedSeqBefore,
      'the rollback never lifts a shared sequence into a range',
    );
    // The register survives the rollback.
    assert.equal(await slotOf(f.url, a), slotA);

    // The third tenant writes again, B writes again: still no id twice.
    await query(ns.url, insertRows(c, 2));
    await query(dbB, insertRows(b, 2));
    for (const [seq, tables] of Object.entries(KEYED)) {
      const all = [...(await ids(dbB, tables)), ...(await ids(f.url, tables))];
      assert.deepEqual(duplicates(all), [], `${seq}: ids handed out twice after the rollback`);
    }

    // Promoted again: the same slot, each sequence restarted past the ids of its earlier isolation.
    const again = await promote(optsA, testDeps());
    assert.equal(again.record.result, 'promoted', JSON.stringify(again.record.error));
    assert.equal(await slotOf(f.url, a), slotA);
    await query(dbA, insertRows(a, 2));
    for (const [seq, tables] of Object.entries(KEYED)) {
      const all = [...(await ids(dbA, tables)), ...(await ids(dbB, tables)), ...(await ids(f.url, tables))];
      assert.deepEqual(duplicates(all), [], `${seq}: ids handed out twice after the re-promotion`);
    }

    // An application that moves a sequence into another tenant's range is reported by status --verify.
    const other = rangeFor('bigint', slotB!)!;
    await query(
      dbA,
      `ALTER SEQUENCE design_recommendations_id_seq MINVALUE ${other.first} MAXVALUE ${other.last} START WITH ${other.first} RESTART WITH ${other.first}`,
    );
    const damaged = await tenantStatus(PromotionOptions.parse(optsA), { verify: true });
    const moved = damaged.checks!.find((x) => x.name === 'sequences')!;
    assert.equal(moved.status, 'fail', JSON.stringify(moved));
    assert.match(
      moved.reason,
      /design_recommendations_id_seq has the range .* but the register gives this tenant/,
    );
    assert.equal(damaged.verdict, 'damaged');
  });
});

describe('sequence ranges: refusals (real PostgreSQL)', () => {
  let f: SharedFixture;
  before(async () => {
    f = await createSharedFixture({ rows: 8 });
  });
  after(async () => {
    await f?.cleanup();
  });

  it('a CYCLE sequence is refused at the plan, before anything is created or reserved', async () => {
    await query(f.url, `ALTER SEQUENCE design_recommendations_id_seq CYCLE`);
    const opts = await engineOptions(f, f.tenants.main);
    const run = await promote(opts, testDeps());
    assert.equal(run.record.result, 'failed');
    assert.equal(run.record.error?.code, 'plan-blocked');
    assert.equal(run.record.error?.step, 'plan');
    assert.match(run.record.error!.message, /design_recommendations_id_seq .* is CYCLE/);
    assert.match(
      run.record.error!.message,
      /ALTER SEQUENCE "public"\."design_recommendations_id_seq" NO CYCLE/,
    );
    assert.equal(await databaseExists(deriveNames(f.tenants.main).database, urlFor('postgres')), false);
    assert.equal(await slotOf(f.url, f.tenants.main), undefined, 'no range reserved');

    // With the remedy applied, the promotion goes through.
    await query(f.url, `ALTER SEQUENCE design_recommendations_id_seq NO CYCLE`);
    const ok = await promote(opts, testDeps());
    assert.equal(ok.record.result, 'promoted', JSON.stringify(ok.record.error));
  });
});
