import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { deriveNames } from '../../src/names';
import { TenantStatus } from '../../src/pipeline/status';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { withClient, DATABASE_URL } from '../support/pg';
import { ACTION_NODE, pathWithActionNode } from '../support/run-action';

const ROOT = resolve(__dirname, '../..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source, as `npx tenant-isolation` would, with a controlled environment and no terminal. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(ACTION_NODE, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { PATH: pathWithActionNode(), HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

function make(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('make', ['--no-print-directory', ...args], {
      cwd: ROOT,
      env: { PATH: pathWithActionNode(), HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/**
 * A digest of every table's rows in a database (the tenants table without its settings, which
 * keep the audit history): equal digests mean equal data.
 */
async function dataDigest(url: string): Promise<Record<string, string>> {
  return withClient(url, async (c) => {
    const tables = await c.query<{ q: string; name: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS q, c.relname AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname IN ('public', 'analytics')
        ORDER BY 1`,
    );
    const out: Record<string, string> = {};
    for (const t of tables.rows) {
      const row =
        t.name === 'tenants' ? `(t.id, t.slug, t.name, t.plan_code, t.isolation_mode, t.created_at)` : 't';
      const r = await c.query<{ d: string }>(
        `SELECT count(*) || ':' || coalesce(md5(string_agg(${row}::text, '|' ORDER BY ${row}::text)), '') AS d FROM ${t.q} t`,
      );
      out[t.q] = r.rows[0]!.d;
    }
    return out;
  });
}

/** Every run ignores a developer's own config/environments/tenant-isolation.env. */
const NO_FILE = '--env-file=/dev/null';

describe('tenant-isolation CLI: usage', () => {
  it('prints help for every command and exits 0', async () => {
    const top = await cli(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /Commands:[\s\S]*promote[\s\S]*status[\s\S]*rollback/);
    assert.match(top.stdout, /DB_HOST/);
    for (const [cmd, flag] of [
      ['promote', '--keep-shared-data'],
      ['status', '--json'],
      ['rollback', '--keep-isolated-data'],
    ] as const) {
      const r = await cli([cmd, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`Usage: tenant-isolation ${cmd}`));
      assert.ok(r.stdout.includes(flag), `${cmd} --help mentions ${flag}`);
    }
  });

  it('the bin shim runs the CLI (bundle if built, else the source through tsx)', async () => {
    const r = await new Promise<Run>((done, reject) => {
      const child = spawn(ACTION_NODE, ['bin/tenant-isolation.cjs', 'rollback', '--help'], {
        cwd: ROOT,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Usage: tenant-isolation rollback/);
  });

  it('no arguments: help on stderr, exit 2', async () => {
    const r = await cli([]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Usage: tenant-isolation/);
  });

  it('unknown flags and commands are errors', async () => {
    const a = await cli(['promote', '--tenant-slug=acme-corp', '--confirm', '--force']);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /unknown option '--force'/);
    const b = await cli(['promot', '--tenant-slug=acme-corp']);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /unknown command 'promot'/);
  });

  it('bad input is named, with a hint, and exits 2 without connecting', async () => {
    const slug = await cli(['status', '--tenant-slug=../etc', NO_FILE], {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    });
    assert.equal(slug.code, 2);
    assert.match(slug.stderr, /error: --tenant-slug "\.\.\/etc": a slug is 3–63 characters/);
    assert.match(slug.stderr, /hint: /);
    const env = await cli(['promote', '--tenant-slug=acme-corp', '--no-cloud-run', NO_FILE], {
      DATABASE_URL: 'postgres://u:pw-secret@h/d',
      COPY_PARALLELISM: 'lots',
    });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /COPY_PARALLELISM \(environment\) must be a whole number/);
    assert.ok(!env.stderr.includes('pw-secret'));
    const none = await cli(['status', '--tenant-slug=acme-corp', NO_FILE]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /No database connection configured/);
    const cloud = await cli(['promote', '--tenant-slug=acme-corp', '--confirm', NO_FILE], {
      DATABASE_URL: 'postgres://u@h/d',
    });
    assert.equal(cloud.code, 2);
    assert.match(
      cloud.stderr,
      /Cloud Run is enabled but GOOGLE_CLOUD_PROJECT and CONTAINER_IMAGE are not set/,
    );
  });

  it('an unreachable server is a clear error without the password, exit 1', async () => {
    const r = await cli(['status', '--tenant-slug=acme-corp', NO_FILE], {
      DATABASE_URL: 'postgres://u:hunter2hunter@127.0.0.1:1/none',
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error: Could not connect/);
    assert.ok(!r.stderr.includes('hunter2hunter'));
  });
});

describe('tenant-isolation CLI against a shared database', () => {
  let fx: SharedFixture;
  let configDir: string;
  before(async () => {
    fx = await createSharedFixture({ rows: 24 });
    configDir = await mkdtemp(join(tmpdir(), 'cli-e2e-'));
  });
  after(async () => {
    await fx?.cleanup();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });
  const env = () => ({ DATABASE_URL: fx.url, CONFIG_DIR: configDir });

  it('status --json of a shared tenant validates against the schema, exit 0', async () => {
    const r = await cli(['status', `--tenant-slug=${fx.tenants.small}`, '--json', NO_FILE], env());
    assert.equal(r.code, 0, r.stderr);
    const status = TenantStatus.parse(JSON.parse(r.stdout));
    assert.equal(status.overall, 'shared');
    assert.equal(status.tenantRow.isolationMode, 'shared');
    assert.equal(status.database.exists, false);
    assert.equal(status.database.name, deriveNames(fx.tenants.small).database);
    assert.ok(status.roles.every((role) => !role.exists));
    const users = status.tables.find((t) => t.schema === 'public' && t.name === 'users');
    assert.ok(users, 'users is a planned table');
    assert.equal(users.isolated, null);
    const rows = await withClient(
      fx.url,
      async (c) =>
        (
          await c.query<{ n: string }>(
            'SELECT count(*) AS n FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.slug = $1',
            [fx.tenants.small],
          )
        ).rows,
    );
    assert.ok(Number(rows[0]?.n) > 0);
    assert.equal(users.shared, Number(rows[0]?.n));
  });

  it('status text names the state; an unknown tenant is an error, exit 1', async () => {
    const text = await cli(['status', `--tenant-slug=${fx.tenants.empty}`, NO_FILE], env());
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`Tenant ${fx.tenants.empty}: SHARED`));
    const missing = await cli(['status', `--tenant-slug=nobody-${fx.suffix}`, NO_FILE], env());
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /was not found/);
  });

  it('status is partial (exit 3) when the tenant database exists but the tenant is shared', async () => {
    const slug = fx.tenants.other;
    const db = deriveNames(slug).database;
    await withClient(DATABASE_URL, (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(db)}`));
    const r = await cli(['status', `--tenant-slug=${slug}`, '--json', NO_FILE], env());
    assert.equal(r.code, 3, r.stderr);
    const status = TenantStatus.parse(JSON.parse(r.stdout));
    assert.equal(status.overall, 'partial');
    assert.ok(
      status.reasons.some((x) => x.includes(`database ${db} exists but status says shared`)),
      status.reasons.join('\n'),
    );
    await withClient(DATABASE_URL, (c) => c.query(`DROP DATABASE ${pg.escapeIdentifier(db)}`));
  });

  it('status --verify on a shared tenant is refused', async () => {
    const r = await cli(['status', `--tenant-slug=${fx.tenants.small}`, '--verify', NO_FILE], env());
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Nothing to verify: tenant .* is shared/);
  });

  it('the Make targets call the CLI: tenant-status, and isolate refuses without a terminal', async () => {
    const status = await make(['tenant-status', `TENANT_ID=${fx.tenants.small}`, 'JSON=true'], env());
    assert.equal(status.code, 0, status.stderr);
    const json = status.stdout.slice(status.stdout.indexOf('{'));
    assert.equal(TenantStatus.parse(JSON.parse(json)).overall, 'shared');
    const isolate = await make(['isolate', `TENANT_ID=${fx.tenants.small}`, 'SKIP_CLOUD_RUN=true'], env());
    assert.notEqual(isolate.code, 0);
    assert.match(isolate.stderr, /Refusing to promote .* without --confirm/);
    assert.match(isolate.stdout, /promote --tenant-slug=\S+ --no-cloud-run\n/);
    const missing = await make(['rollback'], env());
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /TENANT_ID is not set/);
  });

  it('on a terminal, promote shows the plan and asks; a wrong answer cancels and changes nothing', async (t) => {
    if (!existsSync('/usr/bin/script')) return t.skip('util-linux script is not installed');
    const slug = fx.tenants.small;
    const command = `node --import tsx src/cli/main.ts promote --tenant-slug=${slug} --no-cloud-run ${NO_FILE}`;
    // `script` gives the CLI a pseudo-terminal; the answer is typed once the question is shown.
    const r = await new Promise<Run>((done, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        cwd: ROOT,
        env: { PATH: pathWithActionNode(), HOME: process.env.HOME ?? '/tmp', ...env() },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let answered = false;
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (!answered && stdout.includes('to promote it, anything else to cancel:')) {
          answered = true;
          child.stdin.write('no\r');
        }
      });
      child.on('error', reject);
      child.on('close', (code) => done({ code, stdout, stderr: '' }));
    });
    assert.match(r.stdout, /Plan \(nothing has changed yet\):/);
    assert.match(r.stdout, /public\.users +tenant/);
    assert.match(r.stdout, /Cancelled: the promote of .* was not confirmed/);
    assert.notEqual(r.code, 0);
    const s = await cli(['status', `--tenant-slug=${slug}`, '--json', NO_FILE], env());
    const status = TenantStatus.parse(JSON.parse(s.stdout));
    assert.equal(status.overall, 'shared');
    assert.equal(status.database.exists, false);
  });

  it('a dry run without Cloud Run settings plans the database part and says the service needs them', async () => {
    const slug = fx.tenants.small;
    const before = await dataDigest(fx.url);
    const r = await cli(['promote', `--tenant-slug=${slug}`, '--dry-run', NO_FILE], env());
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`Promotion of ${slug}: dry-run`));
    assert.match(r.stdout, /public\.users/, 'the database part is planned');
    assert.match(r.stdout, /note: Cloud Run: this dry run planned the database part only/);
    assert.match(
      r.stdout,
      /--project \(or GOOGLE_CLOUD_PROJECT\), --image \(or CONTAINER_IMAGE\), --db-password-secret/,
    );
    assert.match(r.stdout, /--no-cloud-run/);
    assert.deepEqual(await dataDigest(fx.url), before, 'a dry run changes nothing');
  });

  it('promote without --confirm and without a terminal refuses and changes nothing', async () => {
    const r = await cli(['promote', `--tenant-slug=${fx.tenants.main}`, '--no-cloud-run', NO_FILE], env());
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Refusing to promote .* without --confirm/);
    const s = await cli(['status', `--tenant-slug=${fx.tenants.main}`, '--json', NO_FILE], env());
    assert.equal(TenantStatus.parse(JSON.parse(s.stdout)).overall, 'shared');
  });

  it('promote --confirm --no-cloud-run, then status says isolated; rollback brings it back', async () => {
    const slug = fx.tenants.main;
    const before = await dataDigest(fx.url);
    const p = await cli(
      [
        'promote',
        `--tenant-slug=${slug}`,
        '--confirm',
        '--no-cloud-run',
        `--shared-app-role=${fx.appRole}`,
        NO_FILE,
      ],
      env(),
    );
    assert.equal(p.code, 0, `${p.stdout}\n${p.stderr}`);
    assert.match(p.stdout, new RegExp(`Promotion of ${slug}: promoted`));
    assert.match(p.stderr, /\[1\/\d+\] ✓ /, 'per-step progress is printed');
    const s = await cli(['status', `--tenant-slug=${slug}`, '--json', NO_FILE], env());
    assert.equal(s.code, 0, s.stderr);
    const status = TenantStatus.parse(JSON.parse(s.stdout));
    assert.equal(status.overall, 'isolated', status.reasons.join('\n'));
    assert.equal(status.database.exists, true);
    assert.ok(status.routing.every((f) => f.exists && f.valid));
    for (const t of status.tables.filter((x) => x.kind !== 'reference')) {
      assert.ok(
        (t.isolated !== null && t.isolated > 0) || t.shared === 0,
        `${t.schema}.${t.name} has rows in the isolated database`,
      );
    }
    assert.ok(status.isolation?.history.some((h) => h.event === 'promoted'));

    const v = await cli(['status', `--tenant-slug=${slug}`, '--verify', NO_FILE], env());
    assert.equal(v.code, 0, `${v.stdout}\n${v.stderr}`);
    assert.match(v.stdout, /Checks \(--verify\): \d+\/\d+ passed/);
    assert.match(v.stdout, /PASS +Row counts/);
    assert.match(v.stdout, /PASS +Checksums/);

    const r = await cli(['rollback', `--tenant-slug=${slug}`, '--confirm', '--no-cloud-run', NO_FILE], env());
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const back = TenantStatus.parse(
      JSON.parse((await cli(['status', `--tenant-slug=${slug}`, '--json', NO_FILE], env())).stdout),
    );
    assert.equal(back.overall, 'shared', back.reasons.join('\n'));
    assert.equal(back.database.exists, false);
    assert.ok(back.isolation?.history.some((h) => h.event === 'rolled-back'));
    assert.ok(
      back.isolation?.history.some((h) => h.event === 'promoted'),
      'the audit history is kept',
    );
    assert.ok(
      back.roles.every((role) => !role.exists),
      'roles dropped',
    );
    assert.ok(
      back.routing.every((f) => !f.exists),
      'routing files removed',
    );
    assert.deepEqual(await dataDigest(fx.url), before, 'every table of the shared database is as it was');
  });
});
