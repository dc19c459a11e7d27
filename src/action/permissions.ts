/**
 * Who may run a promotion: the labeler/dispatcher and (on a re-run) the re-runner need at least
 * `required-permission` on the repository; pull requests from forks are refused unless allowed.
 */
import { PromotionError } from '../errors';
import { quoteUntrusted } from '../names';
import { PERMISSION_LEVELS, type PermissionLevel } from './inputs';
import type { GitHubClient } from './octokit';

const RANK: Record<string, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

/** Rank of a permission answer; `role_name` is finer (triage, maintain) than `permission`. */
export function permissionRank(permission: string | undefined, roleName?: string): number {
  const fromRole = roleName !== undefined ? RANK[roleName] : undefined;
  return Math.max(fromRole ?? 0, RANK[permission ?? 'none'] ?? 0);
}

export function meetsPermission(rank: number, required: PermissionLevel): boolean {
  return rank >= RANK[required]!;
}

/** The actors whose permission must be checked, each once. */
export function actorsToCheck(actor: string | undefined, triggeringActor: string | undefined): string[] {
  return [...new Set([actor, triggeringActor].filter((a): a is string => !!a))];
}

export async function checkPermissions(
  octokit: GitHubClient,
  repo: { owner: string; repo: string },
  actors: string[],
  required: PermissionLevel,
): Promise<void> {
  if (!PERMISSION_LEVELS.includes(required)) throw new Error(`unknown permission level ${required}`);
  if (actors.length === 0)
    throw new PromotionError(
      'permission-denied',
      'Could not tell who triggered the run.',
      'Run the action from a workflow event.',
    );
  for (const actor of actors) {
    let rank = 0;
    try {
      const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: actor });
      rank = permissionRank(data.permission, (data as { role_name?: string }).role_name);
    } catch (e) {
      const status = (e as { status?: number }).status;
      if (status !== 404) throw e;
    }
    if (!meetsPermission(rank, required))
      throw new PromotionError(
        'permission-denied',
        `${quoteUntrusted(actor, 40)} does not have ${required} permission on ${repo.owner}/${repo.repo}; promotion is a production operation.`,
        `Ask someone with ${required} access (or more) to add the label or run the workflow, or lower the required-permission input.`,
      );
  }
}

export function checkFork(
  headRepo: string | undefined,
  baseRepo: string | undefined,
  allowForks: boolean,
): void {
  if (allowForks) return;
  if (headRepo !== undefined && baseRepo !== undefined && headRepo === baseRepo) return;
  throw new PromotionError(
    'fork-refused',
    headRepo
      ? `The pull request comes from the fork ${quoteUntrusted(headRepo, 100)}; promotions from forks are refused.`
      : "The pull request's head repository is gone (a deleted fork); promotions from forks are refused.",
    'Open the pull request from a branch of this repository, or set allow-forks: true if you trust forks.',
  );
}
