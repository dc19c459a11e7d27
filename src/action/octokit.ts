import * as core from '@actions/core';
import * as github from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

export type GitHubClient = ReturnType<typeof github.getOctokit>;

/**
 * Octokit with REST, pagination, retries (5xx, network) and rate-limit throttling from the
 * official plugins. The API URL comes from GITHUB_API_URL (GHES, tests).
 */
export function createOctokit(token: string): GitHubClient {
  return github.getOctokit(
    token,
    {
      throttle: {
        onRateLimit: (
          retryAfter: number,
          options: { method: string; url: string },
          _o: unknown,
          retryCount: number,
        ) => {
          core.warning(
            `GitHub rate limit hit for ${options.method} ${options.url}; retrying after ${retryAfter} s`,
          );
          return retryCount < 2;
        },
        onSecondaryRateLimit: (
          retryAfter: number,
          options: { method: string; url: string },
          _o: unknown,
          retryCount: number,
        ) => {
          core.warning(
            `GitHub secondary rate limit hit for ${options.method} ${options.url}; retrying after ${retryAfter} s`,
          );
          return retryCount < 2;
        },
      },
      retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 451] },
    } as Parameters<typeof github.getOctokit>[1],
    retry as never,
    throttling as never,
  );
}
