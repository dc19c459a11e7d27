/**
 * One results comment per PR and tenant, found by its hidden marker and updated in place.
 * Only comments written by the token's own user count (anyone can paste a marker); all pages
 * are read; when concurrent runs created several, the oldest wins and the others are deleted.
 */
import { COMMENT_LIMIT } from '../report/render';
import type { GitHubClient } from './octokit';

/** The GITHUB_TOKEN cannot call GET /user; its comments are written by this bot. */
export const ACTIONS_BOT = 'github-actions[bot]';

export interface CommentTarget {
  owner: string;
  repo: string;
  issueNumber: number;
}

export interface UpsertResult {
  id: number;
  url: string;
  created: boolean;
  deleted: number[];
}

interface ListedComment {
  id: number;
  body?: string | null;
  user?: { login?: string } | null;
  created_at?: string;
  html_url?: string;
}

export async function ownLogin(octokit: GitHubClient): Promise<string> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return data.login;
  } catch (e) {
    const status = (e as { status?: number }).status;
    // Installation tokens (GITHUB_TOKEN, GitHub Apps) answer 403 "Resource not accessible by integration".
    if (status === 403 || status === 401) return ACTIONS_BOT;
    throw e;
  }
}

/** The oldest first: by creation time, then id (ids grow over time). */
export function pickComments(comments: ListedComment[], login: string, marker: string): ListedComment[] {
  return comments
    .filter((c) => c.user?.login === login && typeof c.body === 'string' && c.body.includes(marker))
    .sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.id - b.id);
}

function fitBody(body: string): string {
  if (body.length < COMMENT_LIMIT) return body;
  return body.slice(0, COMMENT_LIMIT - 100) + '\n\n… *(truncated)*';
}

export class CommentUpserter {
  private login: string | undefined;
  private knownId: number | undefined;

  constructor(
    private readonly octokit: GitHubClient,
    private readonly target: CommentTarget,
    private readonly marker: string,
    knownId?: number,
  ) {
    this.knownId = knownId;
  }

  get commentId(): number | undefined {
    return this.knownId;
  }

  private async findOurs(): Promise<ListedComment[]> {
    this.login ??= await ownLogin(this.octokit);
    const all = (await this.octokit.paginate(this.octokit.rest.issues.listComments, {
      owner: this.target.owner,
      repo: this.target.repo,
      issue_number: this.target.issueNumber,
      per_page: 100,
    })) as ListedComment[];
    return pickComments(all, this.login, this.marker);
  }

  /** Creates or updates the comment; removes duplicates. */
  async upsert(rawBody: string): Promise<UpsertResult> {
    const body = fitBody(rawBody);
    const { owner, repo } = this.target;
    // Within a run the comment is known after the first write: update it directly.
    if (this.knownId !== undefined) {
      try {
        const { data } = await this.octokit.rest.issues.updateComment({
          owner,
          repo,
          comment_id: this.knownId,
          body,
        });
        return { id: data.id, url: data.html_url, created: false, deleted: [] };
      } catch (e) {
        if ((e as { status?: number }).status !== 404) throw e;
        this.knownId = undefined; // deleted meanwhile: look again
      }
    }
    const ours = await this.findOurs();
    let created = false;
    let keep: ListedComment;
    if (ours.length === 0) {
      const { data } = await this.octokit.rest.issues.createComment({
        owner,
        repo,
        issue_number: this.target.issueNumber,
        body,
      });
      created = true;
      keep = data as ListedComment;
      // A concurrent run may have created one too: look once more, the oldest wins.
      const again = await this.findOurs();
      if (again.length > 1) keep = again[0]!;
      ours.splice(0, ours.length, ...again);
    } else {
      keep = ours[0]!;
    }
    const deleted: number[] = [];
    for (const dup of ours) {
      if (dup.id === keep.id) continue;
      try {
        await this.octokit.rest.issues.deleteComment({ owner, repo, comment_id: dup.id });
        deleted.push(dup.id);
      } catch (e) {
        if ((e as { status?: number }).status !== 404) throw e;
      }
    }
    let url = keep.html_url ?? '';
    if (!created || keep.body !== body) {
      const { data } = await this.octokit.rest.issues.updateComment({
        owner,
        repo,
        comment_id: keep.id,
        body,
      });
      url = data.html_url;
    }
    this.knownId = keep.id;
    return { id: keep.id, url, created: created && deleted.length === 0, deleted };
  }
}
