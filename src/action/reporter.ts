/**
 * Publishes the run's record: the PR comment (progress while running, final at the end), the
 * job summary, and the state the post step needs to finalise a cancelled or crashed run.
 */
import * as core from '@actions/core';
import { describeError } from '../errors';
import type { RunRecord } from '../pipeline/record';
import { commentMarker, renderComment, renderSummary } from '../report/render';
import { redact } from '../secrets';
import { CommentUpserter } from './comment';
import type { GitHubClient } from './octokit';

/** Progress comments are refreshed at most this often; the final one always goes out. */
const PROGRESS_INTERVAL_MS = 5000;

export const STATE = {
  commentId: 'comment-id',
  pullRequest: 'pull-request',
  tenant: 'tenant',
  operation: 'operation',
  committed: 'committed',
  finished: 'finished',
} as const;

export class Reporter {
  private upserter: CommentUpserter | undefined;
  private lastProgress = 0;
  private chain: Promise<unknown> = Promise.resolve();
  commentUrl: string | undefined;

  constructor(
    octokit: GitHubClient,
    private readonly repo: { owner: string; repo: string },
    private readonly pullRequest: number | undefined,
    private readonly runUrl: string | undefined,
    tenant: string,
    operation: string,
  ) {
    if (pullRequest !== undefined) {
      this.upserter = new CommentUpserter(
        octokit,
        { ...repo, issueNumber: pullRequest },
        commentMarker(tenant),
      );
      core.saveState(STATE.pullRequest, String(pullRequest));
      core.saveState(STATE.tenant, tenant);
      core.saveState(STATE.operation, operation);
      core.saveState(STATE.finished, 'false');
    }
  }

  private publish(record: RunRecord): Promise<void> {
    const upserter = this.upserter;
    if (!upserter) return Promise.resolve();
    const body = redact(renderComment(record, { runUrl: this.runUrl }));
    // Serialised: a slow progress update never overtakes the final one.
    const next = this.chain.then(async () => {
      const res = await upserter.upsert(body);
      this.commentUrl = res.url;
      core.saveState(STATE.commentId, String(res.id));
      core.saveState(STATE.committed, String(record.committed));
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Called on every change of the record; throttled. Never throws. */
  async progress(record: RunRecord): Promise<void> {
    const now = Date.now();
    if (now - this.lastProgress < PROGRESS_INTERVAL_MS) return;
    this.lastProgress = now;
    try {
      await this.publish(record);
    } catch (e) {
      core.warning(`Could not update the PR comment: ${redact(describeError(e).message)}`);
    }
  }

  /** The final comment and the job summary. A failure to comment is a warning, not a lost run. */
  async final(record: RunRecord): Promise<void> {
    try {
      await this.publish(record);
      if (this.upserter) core.saveState(STATE.finished, 'true');
    } catch (e) {
      core.warning(`Could not post the PR comment: ${redact(describeError(e).message)}`);
    }
    try {
      await core.summary.addRaw(redact(renderSummary(record, { runUrl: this.runUrl })), true).write();
    } catch (e) {
      core.warning(`Could not write the job summary: ${redact(describeError(e).message)}`);
    }
  }
}
