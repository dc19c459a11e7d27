/**
 * Reading the GitHub event: the payload file the runner wrote, and the pull request as it is now
 * (re-runs replay the original payload, so labels, title and body are re-read through the API).
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../errors';
import type { PullRequestState, TriggerEvent } from './trigger';
import type { GitHubClient } from './octokit';

export interface RunnerEnv {
  eventName: string;
  eventPath?: string;
  repository: { owner: string; repo: string };
  actor?: string;
  triggeringActor?: string;
  serverUrl: string;
  runId?: string;
  runAttempt?: string;
  sha?: string;
  /** GITHUB_WORKSPACE: config files are committed relative to it. */
  workspace: string;
}

export function readRunnerEnv(env: NodeJS.ProcessEnv = process.env): RunnerEnv {
  const [owner = '', repo = ''] = (env.GITHUB_REPOSITORY ?? '').split('/');
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    eventPath: env.GITHUB_EVENT_PATH,
    repository: { owner, repo },
    actor: env.GITHUB_ACTOR || undefined,
    triggeringActor: env.GITHUB_TRIGGERING_ACTOR || undefined,
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    runId: env.GITHUB_RUN_ID || undefined,
    runAttempt: env.GITHUB_RUN_ATTEMPT || undefined,
    sha: env.GITHUB_SHA || undefined,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
  };
}

/** The repository, once it is needed (a skipped run does not need it). */
export function requireRepository(env: RunnerEnv): { owner: string; repo: string } {
  if (!env.repository.owner || !env.repository.repo)
    throw new InputError('GITHUB_REPOSITORY is not set.', 'Run the action inside a GitHub Actions workflow.');
  return env.repository;
}

export function readEvent(env: RunnerEnv): TriggerEvent {
  let payload: unknown = {};
  if (env.eventPath) {
    try {
      payload = JSON.parse(readFileSync(env.eventPath, 'utf8'));
    } catch (e) {
      throw new InputError(
        `Could not read the event payload: ${(e as Error).message}.`,
        'GITHUB_EVENT_PATH must name the JSON file the runner writes.',
      );
    }
  }
  const obj = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
  return { name: env.eventName, payload: obj };
}

export interface PullRequestDetails extends PullRequestState {
  headRepo: string | undefined;
  baseRepo: string | undefined;
  headSha: string | undefined;
  /** The PR's branch, where commit-config commits the routing files. */
  headRef: string | undefined;
}

export async function fetchPullRequest(
  octokit: GitHubClient,
  repo: { owner: string; repo: string },
  number: number,
): Promise<PullRequestDetails> {
  const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
  return {
    number: data.number,
    title: data.title ?? '',
    body: data.body ?? null,
    labels: (data.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))),
    headRepo: data.head?.repo?.full_name ?? undefined,
    baseRepo: data.base?.repo?.full_name ?? undefined,
    headSha: data.head?.sha ?? undefined,
    headRef: data.head?.ref ?? undefined,
  };
}

/** The PR number of a pull_request(_target) payload, if any. */
export function payloadPullNumber(event: TriggerEvent): number | undefined {
  const pr = event.payload.pull_request as { number?: unknown } | undefined;
  if (pr && typeof pr.number === 'number') return pr.number;
  return typeof event.payload.number === 'number' ? event.payload.number : undefined;
}

/** Who asked: the labeler (event sender) or the dispatcher. */
export function eventActor(event: TriggerEvent, env: RunnerEnv): string | undefined {
  const sender = event.payload.sender as { login?: unknown } | undefined;
  return (typeof sender?.login === 'string' ? sender.login : undefined) ?? env.actor;
}
