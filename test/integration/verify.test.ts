import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { renderRunSummary } from '../../src/cli/terminal';
import { memoryLogger } from '../../src/log';
import { PromotionOptions } from '../../src/options';
import { promote } from '../../src/pipeline/promote';
import type { CheckRecord, RunRecord } from '../../src/pipeline/record';
import { tenantStatus, TenantStatus } from '../../src/pipeline/status';
import { deriveNames } from '../../src/names';
import { COMMENT_LIMIT, renderComment, renderSummary } from '../../src/report/render';
import { renderStatusText } from '../../src/report/status-text';
import { checksums } from '../../src/validation/checksums';
import { recordSchemaAtSwitch } from '../../src/validation/schema-fingerprint';
import { clientConfig, SESSION_OPTIONS_WITH_DATABASE_TEXT_FORMS } from '../../src/postgres/connect';
import { cli } from '../support/cli';
import { engineOptions, testDeps } from '../support/engine';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { query, urlFor, withClient } from '../support/pg';
import { createPromotedFixture, type PromotedFixture } from '../support/promoted';

/**
 * Issue 13, properties 1–3: a healthy promotion passes every check in `status --verify` (keep-
 * shared-data included); the application's writes after the switch are information (exit 0),
 * what a check proves wrong is damage (exit 1); every difference is listed in the JSON, and
 * summarised by counts per kind in the terminal and the PR comment.
 */

function byName(checks: CheckRecord[] | undefined, name: string): CheckRecord {
  const c = checks?.find((x) => x.name === name);
  assert.ok(c, `check ${name} ran`);
  return c;
}

function describeChecks(checks: CheckRecord[] | undefined): string {
  return (checks ?? []).map((c) => `${c.name}: ${c.status} — ${c.reason}`).join('\n');
}

describe('status --verify after real promotions (issue 13)', () => {
  let f: SharedFixture;
  let keptOpts: Awaited<ReturnType<typeof engineOptions>>;
  let movedOpts: Awaited<ReturnType<typeof engineOptions>>;

  before(async () => {
    f = await createSharedFixture({ rows: 30 });
  });
  after(async () => {
    await f.cleanup();
  });

  const statusArgs = (slug: string, configDir: string, ...extra: string[]) => [
    'status',
    `--tenant-slug=${slug}`,
    `--config-dir=${configDir}`,
    '--verify',
    ...extra,
  ];

  it('keep-shared-data: every check passes, the tenants table without the columns the switch changed', async () => {
    const slug = f.tenants.main;
    keptOpts = await engineOptions(f, slug, { keepSharedData: true });
    const { record } = await promote(keptOpts, testDeps('verify'));
    assert.equal(record.result, 'promoted', JSON.stringify(record.error));
    // Access control may warn about the test server's PUBLIC CONNECT on the shared database.
    assert.ok(
      record.checks.every(
        (c) =>
          c.status === 'pass' || c.status === 'skip' || (c.name === 'access-control' && c.status === 'warn'),
      ),
      describeChecks(record.checks),
    );
    assert.ok(
      byName(record.checks, 'checksums').details.includes(
        '"public"."tenants": isolation_mode, settings excluded (changed by the promotion)',
      ),
    );
    // The switch changed the shared row (as it must); the shared rows are still there.
    const [row] = await query<{ isolation_mode: string }>(
      f.url,
      'SELECT isolation_mode FROM tenants WHERE slug = $1',
      [slug],
    );
    assert.equal(row!.isolation_mode, 'isolated');
    // The switch recorded every digest in the versioned per-column recipe, which the verify
    // below recomputes (checksum.ts RowHashForm).
    const [recorded] = await query<{ forms: string[] }>(
      f.url,
      `SELECT array(SELECT DISTINCT e.v->>'form' FROM jsonb_each(settings->'isolation'->'verified') AS e(k, v)) AS forms
         FROM tenants WHERE slug = $1`,
      [slug],
    );
    assert.deepEqual(recorded!.forms, ['columns-1']);

    const status = await tenantStatus(PromotionOptions.parse(keptOpts), { verify: true });
    assert.equal(status.overall, 'isolated', status.reasons.join('\n'));
    for (const c of status.checks ?? [])
      assert.ok(c.status === 'pass' || c.status === 'skip', describeChecks(status.checks));
    assert.equal(status.verdict, 'unchanged');
    const sums = byName(status.checks, 'checksums');
    assert.ok(
      sums.details.some((d) => d.includes('"public"."tenants"') && d.includes('isolation_mode, settings')),
      `the report says how the tenants table was compared: ${sums.details.join('\n')}`,
    );

    const r = await cli(statusArgs(slug, keptOpts.configDir), { DATABASE_URL: f.url });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /PASS +Checksums/);
    assert.match(r.stdout, /no damage found/);
  });

  it("the application's writes after the switch are information: warn, verdict changed, exit 0", async () => {
    const slug = f.tenants.small;
    movedOpts = await engineOptions(f, slug);
    const { record } = await promote(movedOpts, testDeps('verify'));
    assert.equal(record.result, 'promoted', JSON.stringify(record.error));
    const isolated = urlFor(deriveNames(slug).database);
    // What the tenant's application does once it runs on its own database.
    await withClient(isolated, async (c) => {
      await c.query(
        `INSERT INTO users (tenant_id, email, display_name) SELECT id, 'new.user@example.com', 'New' FROM tenants`,
      );
      await c.query(
        `UPDATE projects SET name = name || ' (renamed)' WHERE id = (SELECT min(id) FROM projects)`,
      );
      await c.query(`UPDATE tenants SET name = name || ' Ltd'`);
    });

    const r = await cli(statusArgs(slug, movedOpts.configDir, '--json'), { DATABASE_URL: f.url });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const status = TenantStatus.parse(JSON.parse(r.stdout));
    assert.equal(status.verdict, 'changed', describeChecks(status.checks));
    assert.ok(!status.checks?.some((c) => c.status === 'fail'), describeChecks(status.checks));
    const counts = byName(status.checks, 'row-counts');
    assert.equal(counts.status, 'warn');
    assert.match(counts.reason, /^changed since the switch/);
    assert.ok(counts.details.some((d) => d.startsWith('"public"."users": ')));
    const sums = byName(status.checks, 'checksums');
    assert.equal(sums.status, 'warn');
    assert.match(sums.reason, /^changed since the switch/);
    for (const t of ['users', 'projects', 'tenants'])
      assert.ok(
        sums.details.some((d) => d.startsWith(`"public"."${t}": recorded`)),
        `${t} changed: ${sums.details.join('\n')}`,
      );

    const text = await cli(statusArgs(slug, movedOpts.configDir), { DATABASE_URL: f.url });
    assert.equal(text.code, 0, text.stdout);
    assert.match(text.stdout, /WARN +Checksums: changed since the switch/);
    assert.match(text.stdout, /rows changed since the switch/);
  });

  it('a planted row of another tenant is damage: foreign rows fails, verdict damaged, exit 1', async () => {
    const slug = f.tenants.small;
    const isolated = urlFor(deriveNames(slug).database);
    await withClient(isolated, async (c) => {
      await c.query(
        `INSERT INTO tenants (slug, name, plan_code) VALUES ('planted-${f.suffix}', 'Planted', 'free')`,
      );
      await c.query(
        `INSERT INTO users (tenant_id, email) SELECT id, 'planted@example.com' FROM tenants WHERE slug = 'planted-${f.suffix}'`,
      );
    });
    try {
      const r = await cli(statusArgs(slug, movedOpts.configDir, '--json'), { DATABASE_URL: f.url });
      assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
      const status = TenantStatus.parse(JSON.parse(r.stdout));
      assert.equal(status.verdict, 'damaged');
      const foreign = byName(status.checks, 'foreign-rows');
      assert.equal(foreign.status, 'fail', foreign.reason);
      assert.ok(foreign.details.some((d) => d.startsWith('"public"."users": 1 row(s) that do not belong')));
    } finally {
      await withClient(isolated, async (c) => {
        await c.query(`DELETE FROM users WHERE email = 'planted@example.com'`);
        await c.query(`DELETE FROM tenants WHERE slug = 'planted-${f.suffix}'`);
      });
    }
  });

  it('a migration of the shared database alone is neither drift nor damage: parity compares with the schema recorded at the switch', async () => {
    const slug = f.tenants.small;
    // Before the fingerprint, status --verify compared with the shared schema: exit 1, 37 "missing".
    await withClient(f.url, async (c) => {
      for (let i = 1; i <= 30; i++) await c.query(`CREATE INDEX verify_ix_${i} ON users (display_name)`);
      for (let i = 1; i <= 7; i++)
        await c.query(`ALTER TABLE projects ADD CONSTRAINT verify_ck_${i} CHECK (id > -${i})`);
    });
    try {
      const r = await cli(statusArgs(slug, movedOpts.configDir, '--json'), { DATABASE_URL: f.url });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      const status = TenantStatus.parse(JSON.parse(r.stdout));
      const parity = byName(status.checks, 'schema-parity');
      assert.equal(parity.status, 'pass', `${parity.reason}\n${parity.details.join('\n')}`);
      assert.match(parity.reason, /as recorded at the switch/);
      assert.notEqual(status.verdict, 'damaged');
    } finally {
      await withClient(f.url, async (c) => {
        for (let i = 1; i <= 30; i++) await c.query(`DROP INDEX IF EXISTS verify_ix_${i}`);
        for (let i = 1; i <= 7; i++)
          await c.query(`ALTER TABLE projects DROP CONSTRAINT IF EXISTS verify_ck_${i}`);
      });
    }
  });

  it('drift in the tenant database (38 differences): reported as drift, all in the JSON, counts per kind in the terminal, all with -v', async () => {
    const slug = f.tenants.small;
    const isolated = urlFor(deriveNames(slug).database);
    // The tenant's own migration: 30 indexes and 7 constraints added, one index of the switch lost.
    const [{ lostIndex } = { lostIndex: '' }] = await query<{ lostIndex: string }>(
      isolated,
      `SELECT indexrelid::regclass::text AS "lostIndex" FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid
        WHERE c.relname = 'users' AND NOT x.indisprimary AND NOT x.indisunique ORDER BY 1 LIMIT 1`,
    );
    assert.ok(lostIndex, 'the fixture has a plain index on users');
    const lostDef = (
      await query<{ def: string }>(isolated, `SELECT pg_get_indexdef($1::regclass) AS def`, [lostIndex])
    )[0]!.def;
    await withClient(isolated, async (c) => {
      for (let i = 1; i <= 30; i++) await c.query(`CREATE INDEX verify_ix_${i} ON users (display_name)`);
      for (let i = 1; i <= 7; i++)
        await c.query(`ALTER TABLE projects ADD CONSTRAINT verify_ck_${i} CHECK (id > -${i})`);
      await c.query(`DROP INDEX ${lostIndex}`);
    });
    try {
      const r = await cli(statusArgs(slug, movedOpts.configDir, '--json'), { DATABASE_URL: f.url });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      const status = TenantStatus.parse(JSON.parse(r.stdout));
      assert.equal(status.verdict, 'drifted', describeChecks(status.checks));
      const parity = byName(status.checks, 'schema-parity');
      assert.equal(parity.status, 'warn');
      assert.match(parity.reason, /^drifted since the switch: 38 difference/);
      const drift = parity.details.filter((d) => /verify_(ix|ck)_\d+|since the switch/.test(d));
      assert.equal(drift.length, 38, parity.details.join('\n'));
      for (let i = 1; i <= 30; i++)
        assert.ok(parity.details.includes(`index public.verify_ix_${i}: added since the switch`));
      for (let i = 1; i <= 7; i++)
        assert.ok(
          parity.details.includes(`constraint public.projects.verify_ck_${i}: added since the switch`),
        );
      assert.ok(
        parity.details.includes(
          `index ${lostIndex.includes('.') ? lostIndex : `public.${lostIndex}`}: dropped since the switch`,
        ),
        parity.details.join('\n'),
      );

      const text = await cli(statusArgs(slug, movedOpts.configDir), { DATABASE_URL: f.url });
      assert.equal(text.code, 0);
      assert.match(text.stdout, /38 differences: 31 index, 7 constraint/);
      assert.match(text.stdout, /… and 33 more \(-v or --json lists them all\)/);
      assert.match(text.stdout, /schema changed since the switch/);
      assert.ok(!text.stdout.includes('verify_ix_30:'), 'without -v, the list is summarised');
      const verbose = await cli(statusArgs(slug, movedOpts.configDir, '-v'), { DATABASE_URL: f.url });
      assert.equal(verbose.code, 0);
      for (const d of drift) assert.ok(verbose.stdout.includes(d), `-v prints ${d}`);

      // The same check in a run's record: comment, job summary and terminal summary.
      const record = runRecordWith(parity);
      const comment = renderComment(record);
      assert.ok(comment.length <= COMMENT_LIMIT);
      assert.match(comment, /38 differences&#58; 31 index, 7 constraint/);
      assert.match(comment, /… 33 more in the job summary/);
      const summary = renderSummary(record);
      for (let i = 1; i <= 30; i++)
        assert.ok(summary.includes(`verify\\_ix\\_${i}&#58;`), `summary has ix ${i}`);
      const terminal = renderRunSummary(record);
      assert.match(terminal, /38 differences: 31 index, 7 constraint \(-v lists them all\)/);
      const terminalVerbose = renderRunSummary(record, { verbose: true });
      for (const d of drift) assert.ok(terminalVerbose.includes(d));
      assert.ok(renderStatusText(status).includes('38 differences'));
    } finally {
      await withClient(isolated, async (c) => {
        for (let i = 1; i <= 30; i++) await c.query(`DROP INDEX IF EXISTS verify_ix_${i}`);
        for (let i = 1; i <= 7; i++)
          await c.query(`ALTER TABLE projects DROP CONSTRAINT IF EXISTS verify_ck_${i}`);
        await c.query(lostDef);
      });
    }
  });

  it('a tenant promoted with shared-rows: whole is counted and verified with that plan, whatever status is given', async () => {
    const slug = f.tenants.other;
    const opts = await engineOptions(f, slug, { sharedRows: 'whole' });
    const { record } = await promote(opts, testDeps('verify'));
    assert.equal(record.result, 'promoted', JSON.stringify(record.error));
    // Before the switch recorded its plan options, status planned with the default (only the plan
    // rows the tenant references): 1 shared row counted against the 3 the isolated database holds.
    const r = await cli(statusArgs(slug, opts.configDir, '--json'), { DATABASE_URL: f.url });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const status = TenantStatus.parse(JSON.parse(r.stdout));
    const plans = status.tables.find((t) => t.name === 'plans');
    assert.deepEqual([plans?.shared, plans?.isolated], [3, 3], JSON.stringify(status.tables));
    assert.ok(
      status.planNotes.some((n) => n.includes('shared-rows: whole') && n.includes('recorded at the switch')),
      status.planNotes.join('\n'),
    );
    assert.equal(status.verdict, 'unchanged', describeChecks(status.checks));
  });

  it("a schema recorded at the switch by an earlier version under the database's own TimeZone is not drift", async () => {
    // Earlier versions read the catalog under the database's TimeZone and DateStyle; sessions now
    // start in UTC/ISO, which print timestamptz defaults and CHECK constants differently (a
    // healthy tenant switched before on a non-UTC server was reported drifted: failed before).
    const slug = f.tenants.main;
    const name = deriveNames(slug).database;
    const isolated = urlFor(name);
    await withClient(isolated, async (c) => {
      await c.query(
        `CREATE TABLE public.verify_text_forms (ts timestamptz DEFAULT '2024-01-01 00:00:00+00' CHECK (ts > '2020-01-01 00:00:00+00'))`,
      );
      await c.query(`ALTER DATABASE ${pg.escapeIdentifier(name)} SET TimeZone = 'America/New_York'`);
    });
    try {
      // The record as an earlier version wrote it: read under the database's own settings, no mark.
      const legacy = new pg.Client(
        clientConfig(isolated, { options: SESSION_OPTIONS_WITH_DATABASE_TEXT_FORMS }),
      );
      await legacy.connect();
      try {
        const [{ tz } = { tz: '' }] = (
          await legacy.query<{ tz: string }>("SELECT current_setting('TimeZone') AS tz")
        ).rows;
        assert.equal(tz, 'America/New_York');
        await recordSchemaAtSwitch(legacy);
        await legacy.query(`COMMENT ON TABLE _tenant_isolation.schema_at_switch IS NULL`);
      } finally {
        await legacy.end();
      }
      const status = await tenantStatus(PromotionOptions.parse(keptOpts), { verify: true });
      const parity = byName(status.checks, 'schema-parity');
      assert.equal(parity.status, 'pass', `${parity.reason}\n${parity.details.join('\n')}`);
      assert.match(parity.reason, /as recorded at the switch/);
      assert.notEqual(status.verdict, 'drifted');
    } finally {
      await withClient(isolated, async (c) => {
        await c.query(`ALTER DATABASE ${pg.escapeIdentifier(name)} RESET TimeZone`);
        await c.query('DROP TABLE IF EXISTS public.verify_text_forms');
      });
      // The record as this version writes it, for the tests after this one.
      const fresh = new pg.Client(clientConfig(isolated));
      await fresh.connect();
      try {
        await recordSchemaAtSwitch(fresh);
      } finally {
        await fresh.end();
      }
    }
  });
});

function runRecordWith(check: CheckRecord): RunRecord {
  const t0 = '2026-03-01T10:00:00.000Z';
  return {
    operation: 'promote',
    tenant: 'acme-corp',
    database: 'tenant_acme_corp',
    result: 'failed',
    dryRun: false,
    startedAt: t0,
    finishedAt: t0,
    trigger: { source: 'test' },
    steps: [],
    checks: [check],
    tables: [],
    notes: [],
    committed: false,
    undone: [],
  };
}

describe('checks against the shared rows leave out the columns the promotion changes (issue 13)', () => {
  let p: PromotedFixture;
  before(async () => {
    p = await createPromotedFixture({ rows: 20 });
  });
  after(async () => {
    await p.cleanup();
  });

  it('isolation_mode and settings changed in the shared row: equal, and the report says so', async () => {
    // What the switch does to the shared row.
    await withClient(p.fixture.url, (c) =>
      c.query(
        `UPDATE tenants SET isolation_mode = 'isolated', settings = settings || '{"isolation":{"state":"complete"}}' WHERE id = $1`,
        [p.tenantId],
      ),
    );
    const r = await checksums.run(p.context({ log: memoryLogger() }), 60_000);
    assert.equal(r.status, 'pass', `${r.reason}\n${r.details.join('\n')}`);
    assert.ok(
      r.details.includes('"public"."tenants": isolation_mode, settings excluded (changed by the promotion)'),
      r.details.join('\n'),
    );
  });

  it('any other column of the tenant row still counts', async () => {
    await withClient(p.fixture.url, (c) =>
      c.query(`UPDATE tenants SET name = name || ' (changed)' WHERE id = $1`, [p.tenantId]),
    );
    try {
      const r = await checksums.run(p.context(), 60_000);
      assert.equal(r.status, 'fail', r.reason);
      assert.match(r.reason, /"public"\."tenants"/);
    } finally {
      await withClient(p.fixture.url, (c) =>
        c.query(`UPDATE tenants SET name = replace(name, ' (changed)', '') WHERE id = $1`, [p.tenantId]),
      );
    }
  });
});
