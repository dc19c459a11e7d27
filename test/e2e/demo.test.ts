import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { deriveNames } from '../../src/names';
import { TenantStatus } from '../../src/pipeline/status';
import { DATABASE_URL, query, uniqueSuffix } from '../support/pg';
import { ACTION_NODE, pathWithActionNode, RUNTIME_WARNING } from '../support/run-action';

const ROOT = resolve(__dirname, '../..');

function demo(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn(ACTION_NODE, ['--import', 'tsx', 'scripts/demo.ts'], {
      cwd: ROOT,
      env: { PATH: pathWithActionNode(), HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** The JSON printed under the `status --json` heading. */
function statusJson(stdout: string): TenantStatus {
  const start = stdout.indexOf('{', stdout.indexOf('status --tenant-slug='));
  const end = stdout.indexOf('\n}\n', start);
  assert.ok(start > 0 && end > start, 'the demo prints status --json');
  return TenantStatus.parse(JSON.parse(stdout.slice(start, end + 2)));
}

function checkOutput(out: { code: number | null; stdout: string; stderr: string }, slug: string): void {
  assert.equal(out.code, 0, `demo failed:\n${out.stdout.slice(-3000)}\n${out.stderr.slice(-3000)}`);
  assert.doesNotMatch(out.stderr, RUNTIME_WARNING, 'no runtime warning (deprecation, experimental feature)');
  assert.match(
    out.stdout,
    new RegExp(`<!-- tenant-promotion:${slug} -->`),
    'the PR comment is printed with its marker',
  );
  assert.match(out.stdout, /promoted to its own database/);
  const status = statusJson(out.stdout);
  assert.equal(status.tenant, slug);
  assert.equal(status.overall, 'isolated', status.reasons.join('\n'));
  assert.ok(status.tables.some((t) => t.kind === 'tenant' && (t.isolated ?? 0) > 0));
  assert.match(out.stderr, /\[\d+\/\d+\] ✓ /, 'step progress on stderr');
}

describe('npm run demo', () => {
  it('with DATABASE_URL: promotes the tenant on that server and leaves nothing behind', async () => {
    const slug = `acme-demo-${uniqueSuffix()}`;
    const out = await demo({ DATABASE_URL, DEMO_TENANT: slug, DEMO_ROWS: '24' });
    checkOutput(out, slug);
    assert.match(out.stderr, /Using the server at/);
    const shared = /Building the shared database (demo_shared_[a-z0-9]+)/.exec(out.stderr)?.[1];
    assert.ok(shared, 'the demo names its shared database');
    const names = deriveNames(slug);
    const dbs = await query(DATABASE_URL, 'SELECT datname FROM pg_database WHERE datname = ANY($1)', [
      [shared, names.database],
    ]);
    assert.deepEqual(dbs, [], 'demo databases are dropped');
    const roles = await query(
      DATABASE_URL,
      'SELECT rolname FROM pg_roles WHERE rolname = ANY($1) OR rolname = $2',
      [[names.ownerRole, names.appRole], shared.replace('demo_shared_', 'demo_app_')],
    );
    assert.deepEqual(roles, [], 'demo roles are dropped');
  });

  it('without DATABASE_URL: starts an embedded PostgreSQL from npm, promotes acme-corp, stops and removes it', async () => {
    const before = new Set((await readdir(tmpdir())).filter((f) => f.startsWith('tenant-isolation-demo')));
    const out = await demo({ DEMO_ROWS: '24' });
    checkOutput(out, 'acme-corp');
    assert.match(out.stderr, /Starting an embedded PostgreSQL on 127\.0\.0\.1:\d+/);
    const left = (await readdir(tmpdir())).filter(
      (f) => f.startsWith('tenant-isolation-demo') && !before.has(f),
    );
    assert.deepEqual(left, [], 'the server directory and config directory are removed');
  });
});
