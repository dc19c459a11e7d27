/**
 * Secrets through the real entry point (`node dist/index.js`): a promotion with a database URL
 * whose password is full of URL-special characters and a fake GitHub token, once without and
 * once with Cloud Run (fake Cloud Run + Secret Manager at the wire). Everything the run produces
 * is scanned — stdout, stderr, the job summary, the outputs (but the masked database-password),
 * the state file, every file in the workspace (routing and load-balancer config), every request
 * body sent to GitHub (comments, committed files) and to Cloud Run — for the generated password,
 * the URL's password (raw, percent-encoded and as a workflow command escapes it), the token and a
 * Google service-account key in GOOGLE_APPLICATION_CREDENTIALS. A failing run's error is scanned too.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startFakeCloudRun, type FakeCloudRun } from '../support/fake-cloudrun';
import { FakeGitHub, pullRequestPayload } from '../support/fake-github';
import { startFakeSecretManager, type FakeSecretManager } from '../support/fake-secret-manager';
import { createSharedFixture, DATABASE_URL, type SharedFixture } from '../support/fixture';
import { withClient } from '../support/pg';
import {
  FAKE_TOKEN,
  MAIN,
  OWNER,
  REPO,
  RUNTIME_WARNING,
  runAction,
  type RunResult,
} from '../support/run-action';

const PROJECT = 'acme-test';

/** Workflow-command data as @actions/core escapes it (the runner unescapes it). */
const escapeData = (v: string) => v.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/** Every file under `dir`, with its text. */
function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push({ path: p, text: readFileSync(p, 'utf8') });
  }
  return out;
}

describe('secrets never leave a run of dist/index.js', () => {
  let work: string;
  let fixture: SharedFixture;
  let github: FakeGitHub;
  let cloudRun: FakeCloudRun;
  let secretManager: FakeSecretManager;
  let health: Server;
  let role: string;
  let password: string;
  let url: string;
  let pr = 0;

  /** The texts a secret must never appear in, with where each came from. */
  function producedTexts(r: RunResult): { where: string; text: string }[] {
    const texts: { where: string; text: string }[] = [
      // `::add-mask::<secret>` is the runner protocol that masks it; everything else must be clean.
      { where: 'stdout', text: r.stdout.replace(/^::add-mask::.*$/gm, '') },
      { where: 'stderr', text: r.stderr },
      { where: 'summary', text: r.summary },
      { where: 'state', text: JSON.stringify(r.state) },
    ];
    for (const [k, v] of Object.entries(r.outputs))
      if (k !== 'database-password') texts.push({ where: `output ${k}`, text: v });
    for (const f of filesUnder(r.dir)) {
      if (f.path.endsWith('/output')) continue; // holds the database-password output, checked above
      texts.push({ where: f.path, text: f.text });
    }
    for (const c of github.calls)
      if (c.body !== undefined)
        texts.push({ where: `GitHub ${c.method} ${c.path}`, text: JSON.stringify(c.body) });
    for (const c of github.comments) texts.push({ where: `comment ${c.id}`, text: c.body });
    for (const [path, f] of github.files) texts.push({ where: `committed ${path}`, text: f.content });
    return texts;
  }

  function assertClean(texts: { where: string; text: string }[], secrets: Record<string, string>): void {
    for (const { where, text } of texts)
      for (const [name, secret] of Object.entries(secrets))
        assert.ok(!text.includes(secret), `${name} leaked into ${where}`);
  }

  function promote(
    slug: string,
    inputs: Record<string, string>,
    env?: Record<string, string>,
  ): Promise<RunResult> {
    pr++;
    const label = `promote-tenant:${slug}`;
    github.pulls.set(pr, {
      number: pr,
      title: 'Promote',
      body: null,
      labels: [label],
      headRepo: `${OWNER}/${REPO}`,
      baseRepo: `${OWNER}/${REPO}`,
    });
    return runAction(MAIN, {
      work,
      githubUrl: github.url,
      eventName: 'pull_request',
      payload: pullRequestPayload({ number: pr, label, labels: [label] }),
      inputs: { 'database-url': url, 'commit-config': 'true', ...inputs },
      env,
    });
  }

  before(async () => {
    assert.ok(existsSync(MAIN), 'no build in dist/: run npm run package');
    work = mkdtempSync(join(tmpdir(), 'promote-secrets-'));
    fixture = await createSharedFixture({ rows: 20 });
    role = `sec_${fixture.suffix}`;
    // Every URL-special character, and the fixture's suffix so a match cannot be a coincidence.
    password = `Pw@:/?#[]%&=+$,;'"! x${fixture.suffix}`;
    await withClient(DATABASE_URL, async (c) => {
      const r = pg.escapeIdentifier(role);
      // What the action needs (README): CREATEDB and CREATEROLE, reading and writing every
      // tenant's rows regardless of row-level security; owner of the shared database.
      await c.query(
        `CREATE ROLE ${r} LOGIN CREATEDB CREATEROLE BYPASSRLS PASSWORD ${pg.escapeLiteral(password)}`,
      );
      await c.query(`GRANT pg_read_all_data, pg_write_all_data TO ${r}`);
      await c.query(`ALTER DATABASE ${pg.escapeIdentifier(fixture.dbName)} OWNER TO ${r}`);
    });
    const base = new URL(DATABASE_URL);
    url = `postgres://${role}:${encodeURIComponent(password)}@${base.host}/${fixture.dbName}`;
    github = new FakeGitHub({ owner: OWNER, repo: REPO, permissions: { Codertocat: 'admin' } });
    await github.start();
    health = createServer((req, res) => {
      res.statusCode = req.url === '/health' ? 200 : 404;
      res.end('ok');
    });
    await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
    const healthUrl = `http://127.0.0.1:${(health.address() as { port: number }).port}`;
    [cloudRun, secretManager] = await Promise.all([
      startFakeCloudRun({ uri: healthUrl }),
      startFakeSecretManager(),
    ]);
    secretManager.createSecret(PROJECT, 'tenant-db-password');
  });

  after(async () => {
    await github?.stop();
    await Promise.all([cloudRun?.close(), secretManager?.close()]);
    await new Promise<void>((r) => (health ? health.close(() => r()) : r()));
    await fixture?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('the URL really carries the password (raw and percent-encoded differ)', () => {
    assert.notEqual(encodeURIComponent(password), password);
    assert.equal(decodeURIComponent(new URL(url).password), password);
  });

  it('a promotion without Cloud Run: no secret in anything it produced', async () => {
    const r = await promote(fixture.tenants.small, { 'skip-cloud-run': 'true' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.outputs.result, 'promoted', r.stdout);
    const generated = r.outputs['database-password'] ?? '';
    assert.ok(generated.length >= 16, 'a generated password');
    // Both masked before anything could print them.
    assert.ok(r.stdout.includes(`::add-mask::${generated}`));
    assert.ok(r.stdout.includes(`::add-mask::${escapeData(password)}`), 'the URL password is masked');
    assert.ok(r.stdout.includes(`::add-mask::${FAKE_TOKEN}`), 'the token is masked');
    assert.ok(filesUnder(join(r.dir, 'config')).length >= 2, 'config files were written and scanned');
    assert.ok(github.files.size >= 2, 'config files were committed and scanned');
    assertClean(producedTexts(r), {
      'the generated password': generated,
      'the URL password': password,
      'the percent-encoded URL password': encodeURIComponent(password),
      'the URL password as a runner command escapes it': escapeData(password),
      'the GitHub token': FAKE_TOKEN,
    });
  });

  it('a promotion with Cloud Run: the password goes to Secret Manager only, nowhere else', async () => {
    // Google credentials in the environment, as google-github-actions/auth leaves them.
    const keyMarker = `FAKEKEY${fixture.suffix}`;
    const keyId = `keyid${fixture.suffix}`;
    const keyFile = join(work, 'gcp-key.json');
    writeFileSync(
      keyFile,
      JSON.stringify({
        type: 'service_account',
        project_id: PROJECT,
        private_key_id: keyId,
        private_key: `-----BEGIN PRIVATE KEY-----\n${keyMarker}\n-----END PRIVATE KEY-----\n`,
        client_email: `deployer@${PROJECT}.iam.gserviceaccount.com`,
      }),
    );
    const r = await promote(
      fixture.tenants.main,
      {
        'skip-cloud-run': 'false',
        'gcp-project': PROJECT,
        'gcp-region': 'europe-west1',
        'container-image': 'europe-docker.pkg.dev/acme/apps/api:1.4.2',
        'cloud-run-api-endpoint': cloudRun.endpoint,
        'secret-manager-api-endpoint': secretManager.endpoint,
        'db-password-secret': 'tenant-db-password',
        'deployment-environment': 'tenant-{slug}',
      },
      { GOOGLE_APPLICATION_CREDENTIALS: keyFile, CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE: keyFile },
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.outputs.result, 'promoted', r.stdout);
    assert.ok(r.outputs['service-url'], 'a service URL');
    assert.doesNotMatch(r.stderr, RUNTIME_WARNING, 'no runtime warning with the Cloud Run client loaded');
    // The deployment's success status points at the service (its body is scanned below too).
    const deployment = github.deployments.find((d) => String(d.id) === r.outputs['deployment-id']);
    assert.equal(deployment?.statuses.at(-1)?.state, 'success');
    assert.equal(deployment?.statuses.at(-1)?.environment_url, r.outputs['service-url']);
    const generated = r.outputs['database-password'] ?? '';
    assert.ok(generated.length >= 16);
    // The one place the password may go: a new version of the secret.
    const versions = secretManager.secrets.get(`projects/${PROJECT}/secrets/tenant-db-password`) ?? [];
    assert.ok(
      versions.some((v) => v.data?.toString('utf8') === generated),
      'the password is stored in Secret Manager',
    );
    const cloudRunRequests = cloudRun.calls.map((c) => ({
      where: `Cloud Run ${c.method}`,
      text: JSON.stringify(c),
    }));
    assert.ok(cloudRunRequests.length > 0, 'Cloud Run was called');
    assertClean([...producedTexts(r), ...cloudRunRequests], {
      'the generated password': generated,
      'the URL password': password,
      'the percent-encoded URL password': encodeURIComponent(password),
      'the URL password as a runner command escapes it': escapeData(password),
      'the GitHub token': FAKE_TOKEN,
      'the Google private key': keyMarker,
      'the Google key id': keyId,
    });
  });

  for (const [name, edit, expected] of [
    [
      'a database that does not exist',
      (u: URL) => void (u.pathname = `/missing_${fixture.suffix}`),
      /database "missing_[a-z0-9]+" does not exist/,
    ],
    ['a port nobody listens on', (u: URL) => void (u.port = '1'), /ECONNREFUSED|connect|refused/i],
    [
      'a wrong user',
      (u: URL) => void (u.username = `nobody_${fixture.suffix}`),
      /role "nobody_[a-z0-9]+" does not exist/,
    ],
  ] as const) {
    it(`a failing run (${name}): the error names the problem, not the password`, async (t) => {
      const u = new URL(url);
      edit(u);
      const r = await promote(fixture.tenants.other, { 'database-url': u.toString() });
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.outputs.result, 'failed');
      const errorLine = r.stdout.split('\n').find((l) => l.startsWith('::error::')) ?? '';
      t.diagnostic(errorLine);
      assert.match(errorLine, expected);
      assertClean(producedTexts(r), {
        'the URL password as a runner command escapes it': escapeData(password),
        'the URL password': password,
        'the percent-encoded URL password': encodeURIComponent(password),
        'the GitHub token': FAKE_TOKEN,
      });
    });
  }
});
