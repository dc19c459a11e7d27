import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { CheckRecord } from '../../src/pipeline/record';
import { digestTable, setComparableSession } from '../../src/postgres/checksum';
import { accessControl } from '../../src/validation/access-control';
import type { Check, CheckContext } from '../../src/validation/check';
import { checksums } from '../../src/validation/checksums';
import { foreignRows } from '../../src/validation/foreign-rows';
import { defaultChecks, runChecks } from '../../src/validation/index';
import { indexesUsed, performanceCheck } from '../../src/validation/performance';
import { rowCounts } from '../../src/validation/row-counts';
import { diffCatalogs, schemaParity } from '../../src/validation/schema-parity';
import { findLeaks, security } from '../../src/validation/security';
import { sequences } from '../../src/validation/sequences';
import { serviceHealthCheck } from '../../src/validation/service-health';
import { createPromotedFixture, resetSequences, type PromotedFixture } from '../support/promoted';
import { withClient } from '../support/pg';

/** Tables of the fixture carrying the tenant key. */
const TENANT_KEYED = [
  'users',
  'projects',
  'design_recommendations',
  'tech_stack_recommendations',
  'agent_events',
  'audit_logs',
  'analytics.daily_usage',
];

/** Runs one check through runChecks (budget, redaction, record shape) and returns its record. */
async function runOne(check: Check, ctx: CheckContext): Promise<CheckRecord> {
  const [r] = await runChecks(ctx, [check]);
  assert.ok(r);
  assert.equal(r.name, check.name);
  assert.equal(typeof r.durationMs, 'number');
  return r;
}

describe('pure helpers', () => {
  it('findLeaks names file and line, never the secret', () => {
    const text =
      'a=1\nDATABASE_URL=postgres://app:s3cr3t-value@db/x\npassword=hunter22\nurl=postgres://app:***@db/x';
    const leaks = findLeaks('cfg.env', text, ['s3cr3t-value']);
    assert.deepEqual(leaks, [
      'cfg.env:2: contains secret #1',
      'cfg.env:2: a URL with a password',
      'cfg.env:3: a password= setting',
    ]);
    assert.ok(leaks.every((l) => !l.includes('s3cr3t') && !l.includes('hunter22')));
    assert.deepEqual(findLeaks('x', 'postgres://app:${DB_PASSWORD}@db/x', []), []);
    // Percent-encoded inside a URL, and wrapped across two lines.
    assert.deepEqual(findLeaks('u', 'x=postgres://app@db/x?pass=a%2Fb%40c', ['z', 'a/b@c']), [
      'u:1: contains secret #2',
    ]);
    assert.deepEqual(findLeaks('w', 'token: abcd\nefgh', ['abcdefgh']), [
      'w: contains secret #1 wrapped across lines',
    ]);
  });

  it('diffCatalogs reports missing, extra and changed objects by name', () => {
    const i = (category: string, name: string, definition: string) => ({
      category,
      name,
      definition,
      owner: null,
    });
    const d = diffCatalogs(
      [i('index', 'public.a', 'x'), i('index', 'public.b', 'y')],
      [i('index', 'public.b', 'z'), i('view', 'public.v', 'q')],
    );
    assert.deepEqual(d, [
      'index public.a: missing in the new database',
      'index public.b: differs (source: y; new: z)',
      'view public.v: only in the new database',
    ]);
  });

  it('indexesUsed walks nested plans', () => {
    assert.deepEqual(
      indexesUsed({
        'Node Type': 'Append',
        Plans: [{ 'Index Name': 'a' }, { Plans: [{ 'Index Name': 'b' }] }],
      }),
      ['a', 'b'],
    );
  });
});

describe('post-promotion checks (real PostgreSQL)', () => {
  let p: PromotedFixture;
  let dir: string;
  const target = <T>(fn: (c: pg.Client) => Promise<T>) => withClient(p.targetUrl, fn);

  before(async () => {
    p = await createPromotedFixture();
    dir = await mkdtemp(join(tmpdir(), `checks-${p.fixture.suffix}-`));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    await p?.cleanup();
  });

  it('every default check passes (or skips the service) on a faithful promotion', async () => {
    const ctx = p.context();
    const records = await runChecks(ctx);
    assert.deepEqual(
      records.map((r) => r.name),
      defaultChecks.map((c) => c.name),
    );
    for (const r of records) {
      if (r.name === 'service-health') assert.equal(r.status, 'skip');
      else assert.equal(r.status, 'pass', `${r.name}: ${r.reason} ${r.details.join(' | ')}`);
    }
  });

  it('records per table the time of the checks that go table by table (npm run bench reads it)', async () => {
    const ctx = p.context();
    const planned = [...new Set(ctx.plan.tables.map((t) => t.qualified))].sort();
    const records = await runChecks(ctx, [rowCounts, checksums, foreignRows]);
    for (const r of records) {
      assert.equal(r.status, 'pass', `${r.name}: ${r.reason}`);
      const tableMs = r.tableMs ?? {};
      assert.deepEqual(Object.keys(tableMs).sort(), planned, `${r.name}: every planned table, once`);
      const sum = Object.values(tableMs).reduce((a, b) => a + b, 0);
      for (const ms of Object.values(tableMs)) assert.ok(Number.isInteger(ms) && ms >= 0);
      // Rounding per table may add up to 0.5 ms each beyond the check's own duration.
      assert.ok(
        sum <= (r.durationMs ?? 0) + planned.length,
        `${r.name}: ${sum} ms in tables > ${r.durationMs} ms`,
      );
    }
  });

  describe('row-counts', () => {
    it('fails naming the table of a missing row', async () => {
      const row = await target(
        async (c) =>
          (
            await c.query(
              'DELETE FROM project_members WHERE ctid = (SELECT ctid FROM project_members LIMIT 1) RETURNING *',
            )
          ).rows[0],
      );
      try {
        const r = await runOne(rowCounts, p.context());
        assert.equal(r.status, 'fail');
        assert.match(
          r.reason,
          /^1 of 11 tables differ: "public"\."project_members": (\d+) in the shared database vs (\d+) in the new database$/,
        );
        const [, a, b] = /(\d+) in the shared database vs (\d+)/.exec(r.reason)!;
        assert.equal(Number(a) - 1, Number(b));
      } finally {
        await target((c) =>
          c.query('INSERT INTO project_members VALUES ($1, $2, $3)', [row.project_id, row.user_id, row.role]),
        );
      }
      assert.equal((await runOne(rowCounts, p.context())).status, 'pass');
    });

    it('reads the source at the copy snapshot when given one', async () => {
      const holder = new pg.Client({ connectionString: p.fixture.url });
      await holder.connect();
      let added: string | undefined;
      try {
        await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        const snapshotId = (await holder.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]!
          .id;
        // A write committed after the snapshot: invisible at the snapshot, visible now.
        added = await withClient(
          p.fixture.url,
          async (c) =>
            (
              await c.query<{ id: string }>(
                `INSERT INTO users (tenant_id, email) VALUES ($1, 'late@example.com') RETURNING id::text`,
                [p.tenantId],
              )
            ).rows[0]!.id,
        );
        assert.equal((await runOne(rowCounts, p.context({ snapshotId }))).status, 'pass');
        assert.equal((await runOne(checksums, p.context({ snapshotId }))).status, 'pass');
        const now = await runOne(rowCounts, p.context());
        assert.equal(now.status, 'fail');
        assert.match(now.reason, /"public"\."users": (\d+) in the shared database vs/);
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        await holder.end();
        if (added)
          await withClient(p.fixture.url, (c) => c.query('DELETE FROM users WHERE id = $1', [added]));
      }
    });

    it('compares with the counts recorded at the switch when shared rows are gone', async () => {
      const recorded: Record<string, { count: number; digest: string }> = {};
      await target(async (c) => {
        await setComparableSession(c);
        for (const t of p.plan.tables) {
          const d = await digestTable(c, t, 'target', { form: 'ledger' });
          recorded[t.qualified] = { count: d.count, digest: d.digest };
        }
      });
      // The source URL is unreachable on purpose: with `recorded`, it must not be read.
      const ctx = p.context({ recorded, sourceUrl: 'postgres://nobody@127.0.0.1:1/none' });
      assert.equal((await runOne(rowCounts, ctx)).status, 'pass');
      assert.equal((await runOne(checksums, ctx)).status, 'pass');
      recorded['"public"."users"'] = { count: 1, digest: 'x' };
      const r = await runOne(checksums, ctx);
      assert.equal(r.status, 'fail');
      assert.match(r.reason, /"public"\."users": recorded 1 rows/);
    });

    it('takes its counts from the checksums’ scan in the same run, and still fails with them', async () => {
      // Every query the checks send, by text (the checks use this pg module's Client).
      const sent: string[] = [];
      const query = pg.Client.prototype.query;
      pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
        if (text) sent.push(text);
        return (query as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof query;
      const row = await target(
        async (c) =>
          (
            await c.query(
              'DELETE FROM recommendation_votes WHERE ctid = (SELECT ctid FROM recommendation_votes LIMIT 1) RETURNING *',
            )
          ).rows[0],
      );
      try {
        const [counts, digests] = await runChecks(p.context(), [rowCounts, checksums]);
        assert.equal(counts?.status, 'fail');
        const m =
          /^1 of 11 tables differ: "public"\."recommendation_votes": (\d+) in the shared database vs (\d+) in the new database$/.exec(
            counts?.reason ?? '',
          );
        assert.ok(m, counts?.reason);
        assert.equal(Number(m[1]) - 1, Number(m[2]));
        assert.equal(digests?.status, 'fail');
        assert.match(digests?.reason ?? '', /"public"\."recommendation_votes" .*: \d+ vs \d+ rows$/);
        // One pass per table and side: row-counts sent no count of its own.
        assert.deepEqual(
          sent.filter((s) => /^SELECT count\(\*\) AS n FROM/.test(s)),
          [],
        );
        const whole = sent.filter((s) => /^SELECT count\(\*\)::text AS count, coalesce\(sum\(/.test(s));
        assert.equal(whole.length, 2 * 11, 'a whole-table digest per table and side');
      } finally {
        pg.Client.prototype.query = query;
        await target((c) =>
          c.query('INSERT INTO recommendation_votes VALUES ($1, $2, $3)', [
            row.recommendation_id,
            row.voter,
            row.up,
          ]),
        );
      }
    });

    it('counts for itself when the shared scan stops (a column the digest cannot read)', async () => {
      const plan = structuredClone(p.plan);
      const users = plan.tables.find((t) => t.qualified === '"public"."users"')!;
      users.columns = [...users.columns, '"no_such_column"'];
      const [counts, digests] = await runChecks(p.context({ plan }), [rowCounts, checksums]);
      assert.equal(digests?.status, 'fail');
      assert.match(digests?.reason ?? '', /^could not run: .*no_such_column/);
      assert.equal(counts?.status, 'pass', `${counts?.reason}`);
      assert.match(counts?.reason ?? '', /^11 tables, \d+ rows, equal on both sides$/);
    });
  });

  describe('checksums', () => {
    it('fails naming the key range of one changed value', async () => {
      const { id, body } = await target(
        async (c) =>
          (await c.query('SELECT id::int, body FROM design_recommendations ORDER BY id OFFSET 2 LIMIT 1'))
            .rows[0],
      );
      await target((c) => c.query(`UPDATE design_recommendations SET body = 'tampered' WHERE id = $1`, [id]));
      try {
        const r = await runOne(checksums, p.context());
        assert.equal(r.status, 'fail');
        const m =
          /^1 of 11 tables differ: "public"\."design_recommendations" keys (\d+)\.\.(\d+) \(bucket \d+\): 1 vs 1 rows, contents differ$/.exec(
            r.reason,
          );
        assert.ok(m, r.reason);
        assert.ok(Number(m[1]) <= id && id <= Number(m[2]));
      } finally {
        await target((c) => c.query('UPDATE design_recommendations SET body = $2 WHERE id = $1', [id, body]));
      }
    });

    it('a check that cannot run fails with the reason', async () => {
      const r = await runOne(
        checksums,
        p.context({ sourceUrl: 'postgres://postgres@127.0.0.1:1/none', budgetMs: 5000 }),
      );
      assert.equal(r.status, 'fail');
      assert.match(r.reason, /^could not run: /);
    });
  });

  describe('foreign-rows', () => {
    it("fails on another tenant's row and on an orphan", async () => {
      const other = await withClient(
        p.fixture.url,
        async (c) =>
          (await c.query(`SELECT id, slug FROM tenants WHERE slug = $1`, [p.fixture.tenants.other])).rows[0],
      );
      await target(async (c) => {
        await c.query(`INSERT INTO tenants (id, slug, name, plan_code) VALUES ($1, $2, 'Other', 'pro')`, [
          other.id,
          other.slug,
        ]);
        await c.query(`INSERT INTO users (tenant_id, email) VALUES ($1, 'intruder@example.com')`, [other.id]);
        await c.query(`SET session_replication_role = replica`); // skip FK triggers to plant an orphan
        await c.query(
          `INSERT INTO project_members (project_id, user_id) VALUES (-1, (SELECT min(id) FROM users))`,
        );
      });
      try {
        const r = await runOne(foreignRows, p.context());
        assert.equal(r.status, 'fail');
        assert.equal(r.reason, `"public"."tenants": 1 row(s) that do not belong to tenant ${p.names.slug}`);
        assert.ok(
          r.details.includes(`"public"."users": 1 row(s) that do not belong to tenant ${p.names.slug}`),
          r.details.join('\n'),
        );
        assert.ok(
          r.details.some((d) =>
            /^project_members → projects \(project_members_project_id_fkey\): 1 row\(s\) whose parent is missing$/.test(
              d,
            ),
          ),
          r.details.join('\n'),
        );
        // The independent check (the new database's own tenants row and catalog) sees them too.
        assert.ok(
          r.details.includes(
            `"public"."tenants": 1 row(s) of another tenant (slug "${other.slug}"); it must hold only tenant ${p.names.slug}'s row`,
          ),
          r.details.join('\n'),
        );
        assert.ok(
          r.details.includes(
            `"public"."users": 1 row(s) whose tenant_id is not ${p.tenantId} (id of tenant ${p.names.slug}'s row in the new database)`,
          ),
          r.details.join('\n'),
        );
      } finally {
        await target(async (c) => {
          await c.query(`DELETE FROM project_members WHERE project_id = -1`);
          await c.query(`DELETE FROM users WHERE tenant_id = $1`, [other.id]);
          await c.query(`DELETE FROM tenants WHERE id = $1`, [other.id]);
        });
        await resetSequences(p.targetUrl);
      }
      assert.equal((await runOne(foreignRows, p.context())).status, 'pass');
    });

    it('fails when the new database holds another tenant, even for a plan given that tenant’s value', async () => {
      // What a promotion of the wrong tenant leaves: the other tenant's tenants row and rows, all
      // carrying its id, planned with its id. The plan's own predicates find nothing foreign.
      const other = await withClient(
        p.fixture.url,
        async (c) =>
          (
            await c.query<{ id: string; slug: string }>(
              `SELECT id::text, slug FROM tenants WHERE slug = $1`,
              [p.fixture.tenants.other],
            )
          ).rows[0]!,
      );
      const relabel = (from: { id: string; slug: string }, to: { id: string; slug: string }) =>
        target(async (c) => {
          await c.query('BEGIN');
          await c.query('SET LOCAL session_replication_role = replica'); // no FK or touch triggers
          await c.query('UPDATE tenants SET id = $2, slug = $3 WHERE id = $1', [from.id, to.id, to.slug]);
          for (const t of TENANT_KEYED) {
            await c.query(`UPDATE ${t} SET tenant_id = $2 WHERE tenant_id = $1`, [from.id, to.id]);
          }
          await c.query('COMMIT');
        });
      const main = { id: p.tenantId, slug: p.names.slug };
      await relabel(main, other);
      try {
        const r = await runOne(foreignRows, p.context({ tenantId: other.id }));
        assert.equal(r.status, 'fail');
        assert.deepEqual(r.details, [
          `"public"."tenants": 1 row(s) of another tenant (slug "${other.slug}"); it must hold only tenant ${main.slug}'s row`,
          `"public"."tenants": 0 row(s) of tenant ${main.slug}, expected exactly one`,
        ]);
      } finally {
        await relabel(other, main);
      }
      assert.equal((await runOne(foreignRows, p.context())).status, 'pass');

      // A single row of another tenant's key, with the right plan: the independent check names it.
      await target(async (c) => {
        await c.query('BEGIN');
        await c.query('SET LOCAL session_replication_role = replica');
        await c.query(
          `UPDATE audit_logs SET tenant_id = $1 WHERE ctid = (SELECT ctid FROM audit_logs LIMIT 1)`,
          [other.id],
        );
        await c.query('COMMIT');
      });
      try {
        const r = await runOne(foreignRows, p.context());
        assert.equal(r.status, 'fail');
        assert.ok(
          r.details.includes(
            `"public"."audit_logs": 1 row(s) whose tenant_id is not ${main.id} (id of tenant ${main.slug}'s row in the new database)`,
          ),
          r.details.join('\n'),
        );
      } finally {
        await target((c) =>
          c.query(`UPDATE audit_logs SET tenant_id = $1 WHERE tenant_id = $2`, [main.id, other.id]),
        );
      }
    });

    it('judges a table by both predicates in one scan, and a table the plan does not judge by its own', async () => {
      const other = await withClient(
        p.fixture.url,
        async (c) =>
          (
            await c.query<{ id: string }>(`SELECT id::text FROM tenants WHERE slug = $1`, [
              p.fixture.tenants.other,
            ])
          ).rows[0]!.id,
      );
      const sent: string[] = [];
      const query = pg.Client.prototype.query;
      pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
        if (text) sent.push(text);
        return (query as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof query;
      await target(async (c) => {
        await c.query('BEGIN');
        await c.query('SET LOCAL session_replication_role = replica');
        await c.query(
          `UPDATE audit_logs SET tenant_id = $1 WHERE ctid = (SELECT ctid FROM audit_logs LIMIT 1)`,
          [other],
        );
        await c.query('COMMIT');
      });
      try {
        const independent = `"public"."audit_logs": 1 row(s) whose tenant_id is not ${p.tenantId} (id of tenant ${p.names.slug}'s row in the new database)`;
        const r = await runOne(foreignRows, p.context());
        assert.equal(r.status, 'fail');
        assert.equal(
          r.reason,
          `"public"."audit_logs": 1 row(s) that do not belong to tenant ${p.names.slug}`,
        );
        assert.ok(r.details.includes(independent), r.details.join('\n'));
        const counts = sent.filter((s) => /^SELECT count\(\*\)/.test(s) && /FROM (ONLY )?"/.test(s));
        // Every tenant-keyed table: one scan for the plan's predicate and the independent one.
        assert.equal(counts.filter((s) => s.includes('IS DISTINCT FROM $1')).length, TENANT_KEYED.length);
        assert.ok(
          counts.every((s) => !s.includes('IS DISTINCT FROM $1') || s.includes('IS NOT TRUE')),
          counts.join('\n'),
        );
        // Without audit_logs in the plan, the independent predicate still judges it, alone.
        const plan = structuredClone(p.plan);
        plan.tables = plan.tables.filter((t) => t.qualified !== '"public"."audit_logs"');
        const alone = await runOne(foreignRows, p.context({ plan }));
        assert.equal(alone.status, 'fail');
        assert.equal(alone.reason, independent);
      } finally {
        pg.Client.prototype.query = query;
        await target((c) =>
          c.query(`UPDATE audit_logs SET tenant_id = $1 WHERE tenant_id = $2`, [p.tenantId, other]),
        );
      }
    });
  });

  describe('schema-parity', () => {
    it('fails naming a dropped index', async () => {
      await target((c) => c.query('DROP INDEX users_tenant_idx'));
      try {
        const r = await runOne(schemaParity, p.context());
        assert.equal(r.status, 'fail');
        assert.equal(r.reason, '1 difference(s): index public.users_tenant_idx: missing in the new database');
      } finally {
        await target((c) => c.query('CREATE INDEX users_tenant_idx ON users (tenant_id)'));
      }
      assert.equal((await runOne(schemaParity, p.context())).status, 'pass');
    });
  });

  describe('sequences', () => {
    it('fails naming a sequence left behind', async () => {
      await target((c) => c.query(`SELECT setval('users_id_seq', 1)`));
      try {
        const r = await runOne(sequences, p.context());
        assert.equal(r.status, 'fail');
        assert.match(r.reason, /^users_id_seq would next give 2 but users\.id already holds \d+$/);
      } finally {
        await resetSequences(p.targetUrl);
      }
      assert.equal((await runOne(sequences, p.context())).status, 'pass');
    });
  });

  describe('access-control', () => {
    it('fails when the tenant role is granted CONNECT on the shared database', async () => {
      const shared = pg.escapeIdentifier(p.fixture.dbName);
      const role = pg.escapeIdentifier(p.appRole.name);
      await withClient(p.fixture.url, (c) => c.query(`GRANT CONNECT ON DATABASE ${shared} TO ${role}`));
      try {
        const r = await runOne(accessControl, p.context());
        assert.equal(r.status, 'fail');
        assert.equal(
          r.reason,
          `role ${p.appRole.name} is granted CONNECT on the shared database ${p.fixture.dbName}`,
        );
      } finally {
        await withClient(p.fixture.url, (c) => c.query(`REVOKE CONNECT ON DATABASE ${shared} FROM ${role}`));
      }
    });

    it('warns with the remedy when CONNECT reaches the role only through PUBLIC', async () => {
      const shared = pg.escapeIdentifier(p.fixture.dbName);
      await withClient(p.fixture.url, (c) => c.query(`GRANT CONNECT ON DATABASE ${shared} TO PUBLIC`));
      try {
        const r = await runOne(accessControl, p.context());
        assert.equal(r.status, 'warn');
        assert.match(
          r.reason,
          new RegExp(
            `through PUBLIC \\(remedy: REVOKE CONNECT ON DATABASE "${p.fixture.dbName}" FROM PUBLIC`,
          ),
        );
      } finally {
        await withClient(p.fixture.url, (c) => c.query(`REVOKE CONNECT ON DATABASE ${shared} FROM PUBLIC`));
      }
    });

    it('fails on a dangerous attribute, PUBLIC CONNECT on the new database and row security turned off', async () => {
      const role = pg.escapeIdentifier(p.appRole.name);
      const db = pg.escapeIdentifier(p.names.database);
      await target(async (c) => {
        await c.query(`ALTER ROLE ${role} CREATEDB`);
        await c.query(`GRANT CONNECT ON DATABASE ${db} TO PUBLIC`);
        await c.query(`ALTER TABLE audit_logs NO FORCE ROW LEVEL SECURITY`);
      });
      try {
        const r = await runOne(accessControl, p.context());
        assert.equal(r.status, 'fail');
        assert.ok(r.details.includes(`role ${p.appRole.name} has CREATEDB`), r.details.join('\n'));
        assert.ok(r.details.some((d) => d.startsWith(`PUBLIC has CONNECT on ${p.names.database}`)));
        assert.ok(
          r.details.includes(
            '"public"."audit_logs": row level security is forced in the source, not in the new database',
          ),
        );
      } finally {
        await target(async (c) => {
          await c.query(`ALTER ROLE ${role} NOCREATEDB`);
          await c.query(`REVOKE CONNECT ON DATABASE ${db} FROM PUBLIC`);
          await c.query(`ALTER TABLE audit_logs FORCE ROW LEVEL SECURITY`);
        });
      }
      assert.equal((await runOne(accessControl, p.context())).status, 'pass');
    });
  });

  describe('access-control without the password', () => {
    it('checks privileges from the catalog and names a missing one', async () => {
      const ctx = p.context({ appRole: { name: p.appRole.name, password: '' } });
      const ok = await runOne(accessControl, ctx);
      assert.equal(ok.status, 'pass');
      assert.ok(
        ok.details.some((d) => d.startsWith(`did not log in as ${p.appRole.name}: no password given`)),
      );
      const role = pg.escapeIdentifier(p.appRole.name);
      await target((c) => c.query(`REVOKE INSERT ON design_recommendations FROM ${role}`));
      try {
        const r = await runOne(accessControl, ctx);
        assert.equal(r.status, 'fail');
        assert.equal(r.reason, `role ${p.appRole.name} lacks INSERT on "public"."design_recommendations"`);
      } finally {
        await target((c) => c.query(`GRANT INSERT ON design_recommendations TO ${role}`));
      }
    });
  });

  describe('security', () => {
    it('passes on clean files and fails naming a planted secret, without printing it', async () => {
      const clean = join(dir, 'clean.env');
      await writeFile(clean, `DATABASE_URL=postgres://${p.appRole.name}@db/${p.names.database}\n`);
      const ctx = p.context({ filesToScan: [clean], textsToScan: ['## Promotion\nall good'] });
      assert.equal((await runOne(security, ctx)).status, 'pass');

      const leaky = join(dir, 'leaky.yaml');
      await writeFile(leaky, `service:\n  env:\n    DB_PASSWORD: ${p.appRole.password}\n`);
      const r = await runOne(security, p.context({ filesToScan: [clean, leaky] }));
      assert.equal(r.status, 'fail');
      assert.equal(r.reason, `secret found: ${leaky}:3: contains secret #1`);
      assert.ok(!JSON.stringify(r).includes(p.appRole.password));
    });

    it('fails on URL credentials in a rendered text and on a file it cannot read', async () => {
      const r = await runOne(security, p.context({ textsToScan: ['see postgres://u:pa55word@host/db'] }));
      assert.equal(r.status, 'fail');
      assert.equal(r.reason, 'secret found: text #1:1: a URL with a password');
      const missing = await runOne(security, p.context({ filesToScan: [join(dir, 'nope.env')] }));
      assert.equal(missing.status, 'fail');
      assert.match(missing.reason, /cannot scan .*nope\.env: cannot be read \(ENOENT\)/);
    });
  });

  describe('performance', () => {
    it('reports latencies side by side and fails when the new database loses an index the source used', async () => {
      const ok = await runOne(performanceCheck(), p.context());
      assert.equal(ok.status, 'pass');
      assert.ok(
        ok.details.some((d) =>
          /^"public"\."agent_events" primary-key lookup: shared \d+\.\d+ ms, new \d+\.\d+ ms$/.test(d),
        ),
        ok.details.join('\n'),
      );
      await target((c) => c.query('DROP INDEX agent_events_tenant_idx'));
      try {
        const r = await runOne(performanceCheck(), p.context());
        assert.equal(r.status, 'fail');
        assert.match(
          r.reason,
          /^"public"\."agent_events" tenant-filtered scan: the source uses index agent_events_20\d\d_tenant_id_occurred_at_idx.*, the new database can use none$/,
        );
      } finally {
        await target((c) =>
          c.query('CREATE INDEX agent_events_tenant_idx ON agent_events (tenant_id, occurred_at)'),
        );
      }
    });

    it('analyzes only the tables whose statistics are missing or stale', async () => {
      const analyzed = () =>
        target(
          async (c) =>
            new Map(
              (
                await c.query<{ name: string; at: string | null }>(
                  `SELECT relid::regclass::text AS name, coalesce(last_analyze, last_autoanalyze)::text AS at
                     FROM pg_stat_user_tables WHERE schemaname IN ('public', 'analytics')`,
                )
              ).rows.map((r) => [r.name, r.at]),
            ),
        );
      assert.equal((await runOne(performanceCheck(), p.context())).status, 'pass');
      const first = await analyzed();
      assert.ok(
        [...first.values()].every((at) => at !== null),
        JSON.stringify([...first]),
      );
      // Current statistics: nothing analyzed again.
      assert.equal((await runOne(performanceCheck(), p.context())).status, 'pass');
      assert.deepEqual(await analyzed(), first);
      // A row changed in users (its statistics flushed now, not within the next second): users only.
      await target(async (c) => {
        await c.query(`UPDATE users SET display_name = display_name WHERE id = (SELECT min(id) FROM users)`);
        await c.query('SELECT pg_stat_force_next_flush()');
        await c.query('SELECT 1');
      });
      assert.equal((await runOne(performanceCheck(), p.context())).status, 'pass');
      const after = await analyzed();
      for (const [name, at] of after) {
        if (name === 'users') assert.notEqual(at, first.get(name), name);
        else assert.equal(at, first.get(name), name);
      }
    });
  });

  describe('service-health', () => {
    let server: Server;
    let status = 200;
    let url: string;
    before(async () => {
      server = createServer((req, res) => {
        res.statusCode = req.url === '/health' ? status : 404;
        res.end(String(res.statusCode));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const check = serviceHealthCheck({ attempts: 2, initialDelayMs: 5 });

    it('skips with a reason when no service was deployed', async () => {
      const r = await runOne(check, p.context());
      assert.deepEqual([r.status, r.reason], ['skip', 'no Cloud Run service was deployed']);
    });

    it('passes on 200 and fails on 500', async () => {
      status = 200;
      const ctx = p.context({ service: { url, healthPath: '/health' } });
      assert.equal((await runOne(check, ctx)).status, 'pass');
      status = 500;
      const r = await runOne(check, ctx);
      assert.equal(r.status, 'fail');
      assert.equal(r.reason, `${url}/health is not healthy: HTTP 500`);
    });
  });

  describe('runChecks', () => {
    it('turns a throw and an exhausted budget into fail, never skip', async () => {
      const throws: Check = {
        name: 'throws',
        title: 'Throws',
        run: async () => {
          throw new Error(`boom ${p.appRole.password}`);
        },
      };
      const hangs: Check = {
        name: 'hangs',
        title: 'Hangs',
        budgetMs: 20,
        run: () => new Promise(() => undefined),
      };
      const [a, b] = await runChecks(p.context(), [throws, hangs]);
      assert.equal(a!.status, 'fail');
      assert.equal(a!.reason, 'could not run: boom ***');
      assert.equal(b!.status, 'fail');
      assert.equal(b!.reason, 'did not finish within 20 ms');
    });
  });
});
