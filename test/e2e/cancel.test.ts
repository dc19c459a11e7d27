/**
 * Cancellation through the real entry point (`node dist/index.js`), as a runner cancels a job:
 * - SIGTERM while the copy runs: the run stops at the next safe point and undoes what it created;
 *   the tenant stays shared, no database, role or config file is left, the shared database's
 *   fingerprint equals the start, the comment says the run was cancelled; the post step (with the
 *   state the main step saved) then finds the comment final and leaves it.
 * - SIGKILL while the copy runs (the runner's hard kill: no chance to clean up): the post step
 *   rewrites the in-progress comment to say the run crashed and what a re-run does; a re-run of
 *   the same event cleans the leftovers and promotes.
 * The signal is sent when the action's own log shows the copy step starting (event-driven).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeGitHub, pullRequestPayload } from '../support/fake-github';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { fingerprint } from '../support/fingerprint';
import {
  artifacts,
  assertPromoted,
  assertUntouched,
  expectedArtifacts,
  sessionsGone,
  sharedState,
  tenantRow,
} from '../support/fault-checks';
import { MAIN, OWNER, POST, REPO, runAction, startAction, type RunResult } from '../support/run-action';
import { deriveNames } from '../../src/names';

const COPY_STARTED = /^::group::Copy the tenant rows/;

describe('cancelling dist/index.js mid-run', () => {
  let work: string;
  let fixture: SharedFixture;
  let github: FakeGitHub;

  function event(pr: number, slug: string) {
    const label = `promote-tenant:${slug}`;
    github.pulls.set(pr, {
      number: pr,
      title: 'Promote',
      body: null,
      labels: [label],
      headRepo: `${OWNER}/${REPO}`,
      baseRepo: `${OWNER}/${REPO}`,
    });
    return {
      work,
      githubUrl: github.url,
      eventName: 'pull_request',
      payload: pullRequestPayload({ number: pr, label, labels: [label] }),
      inputs: { 'database-url': fixture.url, 'copy-parallelism': '1' },
    };
  }

  before(async () => {
    assert.ok(existsSync(MAIN) && existsSync(POST), 'no build in dist/: run npm run package');
    work = mkdtempSync(join(tmpdir(), 'promote-cancel-'));
    // Large enough that the copy takes a while (the other tenant has twice the rows).
    fixture = await createSharedFixture({ rows: 1500 });
    github = new FakeGitHub({ owner: OWNER, repo: REPO, permissions: { Codertocat: 'write' } });
    await github.start();
  });
  after(async () => {
    await github?.stop();
    await fixture?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('SIGTERM during the copy: undone, tenant shared, nothing left, comment says cancelled; post leaves it', async (t) => {
    const slug = fixture.tenants.other;
    const pr = 1;
    const print = await fingerprint(fixture.url);
    const before = await sharedState(fixture, slug);
    const opts = event(pr, slug);
    const run = startAction(MAIN, opts);
    await run.waitForLine(COPY_STARTED);
    run.child.kill('SIGTERM');
    const r = await run.done;

    assert.equal(r.signal, null, 'the process handled SIGTERM and exited by itself');
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.outputs.result, 'failed');
    assert.match(r.stdout, /::warning::Received SIGTERM: cancelling the run at the next safe point/);
    assert.match(r.stdout, /::error::.*cancelled/);
    // Nothing of the run is left, and the shared database is exactly as before.
    await sessionsGone([fixture.dbName, deriveNames(slug).database]);
    await assertUntouched(fixture, slug, before, 'after SIGTERM');
    assert.deepEqual(await fingerprint(fixture.url), print, 'shared fingerprint unchanged');
    assert.ok(
      !existsSync(join(r.dir, 'config')) ||
        readdirSync(join(r.dir, 'config'), { recursive: true }).every((f) => !String(f).endsWith('.json')),
      'no config file',
    );

    const comments = github.commentsOn(pr);
    assert.equal(comments.length, 1);
    const body = comments[0]!.body;
    // Normally the copy itself stops ("The copy was cancelled"); should the copy win the race, the
    // runner stops before the next step ("The run was cancelled (SIGTERM)"). Either way: before the switch.
    assert.match(
      body,
      new RegExp(
        `^<!-- tenant-promotion:${slug} -->\\n### ❌ Promotion of tenant \`${slug}\` failed at step “[^”]+”: everything it created was undone`,
      ),
    );
    t.diagnostic(body.split('\n')[1]!);
    assert.match(body, /#### What failed\n\*\*[^*]+\*\*: The (copy|run) was cancelled/);
    assert.match(body, /\*\*Undone\*\* \(in this order\)/);
    assert.doesNotMatch(body, /in progress/);
    assert.equal(r.state.finished, 'true', 'the main step recorded that it finished');

    // The post step (post-if: always()) with what the main step saved: the comment is final already.
    const calls = github.calls.length;
    const post = await runAction(POST, { ...opts, state: r.state, dir: r.dir });
    assert.equal(post.code, 0, post.stdout + post.stderr);
    assert.equal(github.commentsOn(pr)[0]!.body, body, 'the post step left the final comment as it was');
    assert.deepEqual(github.calls.slice(calls), [], 'no API call');
  });

  it('SIGKILL during the copy: the post step says it crashed and what a re-run does; the re-run promotes', async () => {
    const slug = fixture.tenants.main;
    const pr = 2;
    const print = await fingerprint(fixture.url);
    const before = await sharedState(fixture, slug);
    const opts = event(pr, slug);
    const run = startAction(MAIN, opts);
    await run.waitForLine(COPY_STARTED);
    run.child.kill('SIGKILL');
    const killed = await run.done;
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(killed.outputs.result, undefined, 'no outputs: it had no chance');
    assert.equal(killed.state.finished, 'false');
    assert.equal(killed.state.committed, 'false');
    assert.ok(killed.state['comment-id'], 'a progress comment was posted');

    // Killed before the switch: still shared, the shared data untouched (leftovers are ours only).
    assert.equal((await tenantRow(fixture, slug))?.isolation_mode, 'shared');
    assert.deepEqual(await fingerprint(fixture.url), print, 'shared fingerprint unchanged');
    const left = await artifacts(fixture.suffix);
    assert.ok(left.databases.includes(deriveNames(slug).database), 'the killed run left its database');

    const progress = github.commentsOn(pr);
    assert.equal(progress.length, 1);
    assert.match(progress[0]!.body, /### ⏳ Promotion of tenant .* in progress/);

    const post = await runAction(POST, { ...opts, state: killed.state, dir: killed.dir });
    assert.equal(post.code, 0, post.stdout + post.stderr);
    assert.match(post.stdout, /::warning::The promote did not finish; the PR comment now says so/);
    const finalised = github.commentsOn(pr)[0]!.body;
    assert.match(
      finalised,
      new RegExp(
        `^<!-- tenant-promotion:${slug} -->\\n### ⚠️ Promotion of tenant \`${slug}\` was cancelled or crashed before it finished`,
      ),
    );
    assert.match(finalised, /still served from the shared database/);
    assert.match(finalised, /a re-run cleans up the leftovers and starts over/);
    assert.match(finalised, /<details><summary>Last progress report<\/summary>/);
    assert.doesNotMatch(finalised.split('<details>')[0]!, /in progress/);

    // The re-run: same event, no manual clean-up.
    await sessionsGone([fixture.dbName, deriveNames(slug).database]);
    const rerun: RunResult = await runAction(MAIN, opts);
    assert.equal(rerun.code, 0, rerun.stdout);
    assert.equal(rerun.outputs.result, 'promoted', rerun.stdout);
    await assertPromoted(fixture, slug, before, 'after SIGKILL and a re-run', {
      configDir: join(rerun.dir, 'config'),
    });
    assert.deepEqual(await artifacts(fixture.suffix), expectedArtifacts(fixture, [slug]));
    const comments = github.commentsOn(pr);
    assert.equal(comments.length, 1, 'the same comment, updated');
    assert.match(comments[0]!.body, new RegExp(`### ✅ Tenant \`${slug}\` promoted to its own database`));
    // The re-run saw the killed run's leftovers (marked as ours) and replaced them.
    assert.match(comments[0]!.body, /an earlier failed run left database tenant\\_/);
  });
});
