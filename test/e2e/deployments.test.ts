/**
 * GitHub Deployments through the real entry point (`node dist/index.js`, on ACTION_NODE when set):
 * a promotion, a failed promotion and a rollback leave the statuses the README describes on the
 * fake GitHub API, in order; a token without `deployments: write` only warns, once.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dispatchPayload, FakeGitHub, pullRequestPayload } from '../support/fake-github';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { query } from '../support/pg';
import { DIST, MAIN, OWNER, REPO, RUNTIME_WARNING, runAction, type RunResult } from '../support/run-action';

const HEAD_SHA = 'e'.repeat(40);
const RUN_URL = `https://github.com/${OWNER}/${REPO}/actions/runs/123/attempts/1`;
const ENV_TEMPLATE = 'tenant-{slug}';

describe('GitHub Deployments of dist/index.js', () => {
  let work: string;
  let fixture: SharedFixture;
  let github: FakeGitHub;
  let pr = 10;

  before(async () => {
    assert.ok(existsSync(MAIN), `no build at ${DIST}: run npm run package`);
    work = mkdtempSync(join(tmpdir(), 'promote-e2e-deploy-'));
    fixture = await createSharedFixture({ rows: 20 });
    github = new FakeGitHub({ owner: OWNER, repo: REPO, permissions: { Codertocat: 'admin' } });
    await github.start();
  });
  after(async () => {
    await github?.stop();
    await fixture?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  /** Labels a fresh pull request (head HEAD_SHA) and runs the action; returns the run and the calls it made. */
  async function label(
    name: string,
    inputs: Record<string, string> = {},
    env: Record<string, string> = {},
  ): Promise<{ r: RunResult; calls: string[] }> {
    const number = ++pr;
    github.pulls.set(number, {
      number,
      title: 'Promote a tenant',
      body: null,
      labels: [name],
      headRepo: `${OWNER}/${REPO}`,
      baseRepo: `${OWNER}/${REPO}`,
      headSha: HEAD_SHA,
    });
    const before = github.calls.length;
    const r = await runAction(MAIN, {
      work,
      githubUrl: github.url,
      eventName: 'pull_request',
      payload: pullRequestPayload({ number, label: name, sender: 'Codertocat' }),
      inputs: { 'database-url': fixture.url, 'deployment-environment': ENV_TEMPLATE, ...inputs },
      env,
    });
    const calls = github.calls.slice(before).filter((c) => c.path.includes('/deployments'));
    const all = github.deploymentCalls();
    return { r, calls: all.slice(all.length - calls.length) };
  }

  async function mode(slug: string): Promise<string> {
    const rows = await query<{ m: string }>(
      fixture.url,
      'SELECT isolation_mode AS m FROM tenants WHERE slug = $1',
      [slug],
    );
    return rows[0]!.m;
  }

  it('a promotion: created for the PR head in tenant-<slug>, in_progress, then success with the run’s page', async () => {
    const slug = fixture.tenants.small;
    const start = github.calls.length;
    const { r, calls } = await label(`promote-tenant:${slug}`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.outputs.result, 'promoted', r.stdout);
    assert.doesNotMatch(r.stderr, RUNTIME_WARNING, 'no runtime warning on a normal run');
    assert.deepEqual(calls, [
      'POST /deployments',
      'POST /deployments/{id}/statuses in_progress',
      'POST /deployments/{id}/statuses success',
    ]);
    const d = github.deployments.at(-1)!;
    assert.equal(d.ref, HEAD_SHA);
    assert.equal(d.environment, `tenant-${slug}`);
    assert.equal(d.auto_merge, false);
    assert.deepEqual(d.required_contexts, []);
    assert.equal(r.outputs['deployment-id'], String(d.id));
    const success = d.statuses.at(-1)!;
    assert.equal(success.log_url, RUN_URL);
    assert.equal(success.environment_url, undefined, 'no service URL when Cloud Run is skipped');
    assert.equal(d.statuses[0]!.log_url, RUN_URL);
    // The deployment is posted before the engine runs, the success once the switch committed:
    // the first status comes before any comment, the last one before the final comment.
    const writes = github.calls
      .slice(start)
      .filter((c) => c.method !== 'GET')
      .map((c) =>
        c.path.includes('/deployments')
          ? ((c.body as { state?: string }).state ?? 'create')
          : c.path.includes('/comments')
            ? 'comment'
            : 'other',
      );
    assert.ok(writes.indexOf('in_progress') < writes.indexOf('comment'), writes.join(' '));
    assert.ok(writes.indexOf('success') < writes.lastIndexOf('comment'), writes.join(' '));
    assert.ok(!r.summary.includes('GitHub Deployments'), 'no warning with the permission');
  });

  it('a failed promotion: in_progress, then failure; the tenant stays shared', async () => {
    const slug = fixture.tenants.other;
    const { r, calls } = await label(
      `promote-tenant:${slug}`,
      {},
      { TENANT_PROMOTION_FAULT: 'fail@before:switch' },
    );
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.outputs.result, 'failed');
    assert.deepEqual(calls, [
      'POST /deployments',
      'POST /deployments/{id}/statuses in_progress',
      'POST /deployments/{id}/statuses failure',
    ]);
    const d = github.deployments.at(-1)!;
    assert.equal(d.environment, `tenant-${slug}`);
    assert.equal(r.outputs['deployment-id'], String(d.id));
    assert.equal(d.statuses.at(-1)!.log_url, RUN_URL);
    assert.equal(d.statuses.at(-1)!.environment_url, undefined);
    assert.match(d.statuses.at(-1)!.description ?? '', /stays shared/);
    assert.equal(await mode(slug), 'shared');
  });

  it('a rollback: the environment’s latest deployment becomes inactive, no new deployment', async () => {
    const slug = fixture.tenants.small; // promoted by the first test
    const promoted = github.deployments.filter((d) => d.environment === `tenant-${slug}`);
    assert.equal(promoted.length, 1);
    const count = github.deployments.length;
    const { r, calls } = await label(`promote-tenant-rollback:${slug}`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.outputs.result, 'rolled-back', r.stdout);
    assert.deepEqual(calls, [
      `GET /deployments?environment=tenant-${slug}`,
      'POST /deployments/{id}/statuses inactive',
    ]);
    assert.equal(github.deployments.length, count, 'a rollback creates no deployment');
    assert.equal(promoted[0]!.statuses.at(-1)!.state, 'inactive');
    assert.equal(r.outputs['deployment-id'], String(promoted[0]!.id));
    assert.equal(await mode(slug), 'shared');
  });

  it('without deployments: write (403): one warning in the summary, the promotion goes on', async () => {
    const slug = fixture.tenants.main;
    github.deploymentsStatus = 403;
    try {
      const { r, calls } = await label(`promote-tenant:${slug}`);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(r.outputs.result, 'promoted', r.stdout);
      assert.deepEqual(calls, ['POST /deployments'], 'no call after the refusal');
      assert.equal(r.outputs['deployment-id'], '');
      assert.equal(r.summary.split('may not write deployments').length - 1, 1, 'one warning in the summary');
      assert.equal(r.stdout.match(/^::warning::GitHub Deployments/gm)?.length, 1, 'one warning annotation');
      assert.equal(await mode(slug), 'isolated');
    } finally {
      github.deploymentsStatus = undefined;
    }
  });

  it('workflow_dispatch: the deployment is of the dispatch’s ref, in the environment the template names', async () => {
    const slug = fixture.tenants.main; // isolated by the previous test: already-isolated, a success
    const payload = dispatchPayload({ tenant_slug: slug }, 'Codertocat');
    const count = github.deployments.length;
    const r = await runAction(MAIN, {
      work,
      githubUrl: github.url,
      eventName: 'workflow_dispatch',
      payload,
      inputs: { 'database-url': fixture.url, 'tenant-slug': slug, 'deployment-environment': 'db-{slug}' },
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.outputs.result, 'already-isolated', r.stdout);
    assert.equal(github.deployments.length, count + 1);
    const d = github.deployments.at(-1)!;
    assert.equal(d.ref, payload.ref);
    assert.equal(d.environment, `db-${slug}`);
    assert.deepEqual(
      d.statuses.map((x) => x.state),
      ['in_progress', 'success'],
    );
  });

  it('deployment-environment empty: no deployment call at all', async () => {
    const slug = fixture.tenants.main; // isolated by the previous test: already-isolated, quickly
    const { r, calls } = await label(`promote-tenant:${slug}`, { 'deployment-environment': '' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(calls, []);
    assert.equal(r.outputs['deployment-id'], '');
  });
});
