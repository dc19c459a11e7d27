import { relative, resolve, sep } from 'node:path';
import type { ConfigFileChange } from '../pipeline/api';
import type { GitHubClient } from './octokit';

/**
 * commit-config: commits the routing and load-balancer files the run wrote (or deletes the ones
 * a rollback removed) to the PR's branch through the contents API, so the routing change is
 * reviewed and merged with the PR. Paths are taken relative to the workspace; a file outside it
 * is not committed.
 */
export async function commitConfigFiles(
  octokit: GitHubClient,
  repo: { owner: string; repo: string },
  branch: string,
  files: ConfigFileChange[],
  workspace: string,
  message: string,
): Promise<string[]> {
  const done: string[] = [];
  for (const file of files) {
    const path = relative(workspace, resolve(workspace, file.path)).split(sep).join('/');
    if (path.startsWith('..') || path === '') continue;
    const sha = await existingSha(octokit, repo, branch, path);
    if (file.content === null) {
      if (!sha) continue;
      await octokit.rest.repos.deleteFile({ ...repo, path, branch, sha, message });
    } else {
      await octokit.rest.repos.createOrUpdateFileContents({
        ...repo,
        path,
        branch,
        message,
        content: Buffer.from(file.content, 'utf8').toString('base64'),
        ...(sha ? { sha } : {}),
      });
    }
    done.push(path);
  }
  return done;
}

async function existingSha(
  octokit: GitHubClient,
  repo: { owner: string; repo: string },
  ref: string,
  path: string,
): Promise<string | undefined> {
  try {
    const { data } = await octokit.rest.repos.getContent({ ...repo, path, ref });
    return !Array.isArray(data) && 'sha' in data ? data.sha : undefined;
  } catch (e) {
    if ((e as { status?: number }).status === 404) return undefined;
    throw e;
  }
}
