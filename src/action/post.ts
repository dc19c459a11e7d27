/**
 * The `runs.post` step (post-if: always()): when the main step did not finish — the job was
 * cancelled, the process killed or crashed — the PR comment still shows "in progress". This
 * rewrites its head to say so and what a re-run will do, keeping the last progress report.
 */
import * as core from '@actions/core';
import { describeError } from '../errors';
import { readInputs } from './inputs';
import { createOctokit } from './octokit';
import { STATE } from './reporter';
import { readRunnerEnv, requireRepository } from './event';
import { redact } from '../secrets';
import { commentMarker, COMMENT_LIMIT } from '../report/render';

/** The finalised body (pure): marker, outcome line, what a re-run does, then the last report. */
export function finalisedBody(
  previous: string,
  tenant: string,
  operation: string,
  committed: boolean,
): string {
  const marker = commentMarker(tenant);
  const what = operation === 'rollback' ? 'Rollback' : 'Promotion';
  // Drop the old marker and outcome line: the rest is the last progress report.
  const rest = previous
    .replace(marker, '')
    .replace(/^\s*###[^\n]*\n?/, '')
    .trim();
  const rerun =
    operation === 'rollback'
      ? committed
        ? 'The tenant had already been switched back to the shared database: **re-run the workflow to finish** the rollback.'
        : 'The switch back had not happened: the tenant is still served from its own database. **A re-run starts the rollback again.**'
      : committed
        ? 'The switch (the commit point) had already happened, so nothing was undone: **re-run the workflow to resume** from where it stopped; the tenant is served from its new database.'
        : 'The switch had not happened: the tenant is still served from the shared database. The run undoes what it created when it is cancelled; if the process was killed first, **a re-run cleans up the leftovers and starts over**.';
  const head = `${marker}\n### ⚠️ ${what} of tenant \`${tenant}\` was cancelled or crashed before it finished\n\n${rerun}`;
  const details = `\n\n<details><summary>Last progress report</summary>\n\n${rest}\n\n</details>`;
  const room = COMMENT_LIMIT - head.length - 200;
  return room > details.length
    ? head + details
    : `${head}\n\n*(the last progress report was too long to keep; see the run log)*`;
}

export async function runPost(): Promise<void> {
  try {
    const commentId = Number(core.getState(STATE.commentId));
    const finished = core.getState(STATE.finished);
    if (!commentId || finished !== 'false') return; // nothing posted, or the main step finished
    const tenant = core.getState(STATE.tenant);
    const operation = core.getState(STATE.operation) || 'promote';
    const committed = core.getState(STATE.committed) === 'true';
    const inputs = readInputs((name) => core.getInput(name));
    core.setSecret(inputs['github-token']);
    const env = readRunnerEnv();
    requireRepository(env);
    const octokit = createOctokit(inputs['github-token']);
    const { data } = await octokit.rest.issues.getComment({ ...env.repository, comment_id: commentId });
    const body = finalisedBody(data.body ?? '', tenant, operation, committed);
    await octokit.rest.issues.updateComment({ ...env.repository, comment_id: commentId, body });
    core.warning(`The ${operation} did not finish; the PR comment now says so.`);
  } catch (e) {
    // The post step never fails the job on its own.
    core.warning(`Could not finalise the PR comment: ${redact(describeError(e).message)}`);
  }
}
