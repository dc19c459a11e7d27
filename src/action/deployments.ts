/**
 * GitHub Deployments: each promotion shows up where GitHub shows deployments, as a Deployment of
 * the pull request's head (or the dispatch's ref) in the environment `tenant-<slug>`, with
 * statuses as the run goes (in_progress → success after the switch, or failure); a rollback marks
 * the environment's latest deployment inactive.
 *
 * Deployments are a view of the run, never a reason to fail it: every call is caught. Without
 * `deployments: write` (403, or 404 for a token that cannot see them) the tracker warns once and
 * stops calling. The payloads are built by pure functions; `DeploymentTracker` does the I/O through
 * the action's Octokit (retries and rate limits by its plugins).
 */
import { describeError } from '../errors';
import type { GitHubClient } from './octokit';

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'inactive';

/** The input's default: `{slug}` is replaced by the tenant's slug. */
export const DEFAULT_DEPLOYMENT_ENVIRONMENT = 'tenant-{slug}';

/** The environment for a tenant, or undefined when the input is empty (deployments off). Pure. */
export function deploymentEnvironment(template: string | undefined, slug: string): string | undefined {
  const t = (template ?? '').trim();
  return t === '' ? undefined : t.replace(/\{slug\}/g, slug);
}

/**
 * What the deployment is of: the pull request's head commit, else the dispatch's ref (the
 * workflow_dispatch payload's `ref`, GITHUB_REF), else the run's commit. Pure.
 */
export function deploymentRef(sources: {
  prHeadSha?: string;
  payload?: Record<string, unknown>;
  githubRef?: string;
  sha?: string;
}): string | undefined {
  const pr = sources.payload?.pull_request as { head?: { sha?: unknown } } | undefined;
  const payloadHead = typeof pr?.head?.sha === 'string' ? pr.head.sha : undefined;
  const payloadRef = typeof sources.payload?.ref === 'string' ? sources.payload.ref : undefined;
  return [sources.prHeadSha, payloadHead, payloadRef, sources.githubRef, sources.sha].find(
    (r): r is string => typeof r === 'string' && r !== '',
  );
}

/** GitHub truncates nothing: a description longer than 140 characters is a 422. */
function description(text: string): string {
  return text.length <= 140 ? text : `${text.slice(0, 139)}…`;
}

export interface CreateDeploymentRequest {
  ref: string;
  environment: string;
  task: string;
  auto_merge: false;
  required_contexts: string[];
  transient_environment: false;
  description: string;
  payload: { tenant: string; pull_request?: number; run_url?: string };
}

/**
 * The body of POST /repos/{owner}/{repo}/deployments (pure). `auto_merge: false` and
 * `required_contexts: []`: the API's defaults would merge the base branch into the ref or wait
 * for every commit status, and neither is this action's business.
 */
export function createDeploymentRequest(a: {
  ref: string;
  environment: string;
  tenant: string;
  pullRequest?: number;
  runUrl?: string;
}): CreateDeploymentRequest {
  return {
    ref: a.ref,
    environment: a.environment,
    task: 'deploy:promote-tenant',
    auto_merge: false,
    required_contexts: [],
    transient_environment: false,
    description: description(`Promote tenant ${a.tenant} to its own database`),
    payload: { tenant: a.tenant, pull_request: a.pullRequest, run_url: a.runUrl },
  };
}

export interface DeploymentStatusRequest {
  state: DeploymentState;
  log_url?: string;
  environment_url?: string;
  description: string;
}

/** The body of POST …/deployments/{id}/statuses (pure). Empty URLs are left out. */
export function deploymentStatusRequest(
  state: DeploymentState,
  a: { logUrl?: string; environmentUrl?: string; description: string },
): DeploymentStatusRequest {
  return {
    state,
    ...(a.logUrl ? { log_url: a.logUrl } : {}),
    ...(a.environmentUrl ? { environment_url: a.environmentUrl } : {}),
    description: description(a.description),
  };
}

/** 403 (no `deployments: write`) or 404 (a token that cannot see the repository's deployments). */
export function isPermissionError(e: unknown): boolean {
  const status = (e as { status?: unknown } | null)?.status;
  return status === 403 || status === 404;
}

/** The one warning a run without the permission gives. */
export const PERMISSION_WARNING =
  'GitHub Deployments were not recorded: the token may not write deployments. Grant deployments write in the workflow’s permissions to see promotions as deployments; the promotion itself is not affected.';

/**
 * The I/O: creates the deployment, posts statuses, deactivates the latest one on a rollback.
 * Calls are serialised (a status never overtakes an earlier one) and never throw; the first
 * failure is a warning (`warn`, and `notes` for the summary), and a permission failure turns the
 * tracker off for the rest of the run.
 */
export class DeploymentTracker {
  /** The deployment this run created. */
  id: number | undefined;
  /** Warnings for the run's record (rendered in the summary and the comment): at most one. */
  readonly notes: string[] = [];
  private off = false;
  private chain: Promise<void> = Promise.resolve();
  private posted = new Set<DeploymentState>();

  constructor(
    private readonly octokit: GitHubClient,
    private readonly repo: { owner: string; repo: string },
    readonly environment: string,
    private readonly logUrl: string | undefined,
    private readonly warn: (message: string) => void,
  ) {}

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(async () => {
      if (this.off) return;
      try {
        await fn();
      } catch (e) {
        this.fail(e);
      }
    });
    this.chain = next;
    return next;
  }

  private fail(e: unknown): void {
    if (this.notes.length > 0) return;
    if (isPermissionError(e)) {
      this.off = true;
      this.notes.push(PERMISSION_WARNING);
    } else {
      this.notes.push(
        `GitHub Deployments may be incomplete for this run: a call failed (${describeError(e).message}). The promotion itself is not affected.`,
      );
    }
    this.warn(this.notes[0]!);
  }

  /** Creates the deployment and marks it in_progress. */
  start(a: { ref: string; tenant: string; pullRequest?: number }): Promise<void> {
    return this.enqueue(async () => {
      const body = createDeploymentRequest({ ...a, environment: this.environment, runUrl: this.logUrl });
      const res = await this.octokit.rest.repos.createDeployment({ ...this.repo, ...body });
      const id = (res.data as { id?: unknown }).id;
      if (res.status !== 201 || typeof id !== 'number')
        throw new Error(`no deployment was created (HTTP ${res.status})`);
      this.id = id;
      await this.post(id, 'in_progress', { description: `Promoting tenant ${a.tenant}…` });
    });
  }

  /** success once (after the switch), or failure; the environment URL only with success. */
  finish(state: 'success' | 'failure', a: { environmentUrl?: string; description: string }): Promise<void> {
    return this.enqueue(async () => {
      if (this.id === undefined || this.posted.has(state)) return;
      await this.post(this.id, state, {
        description: a.description,
        environmentUrl: state === 'success' ? a.environmentUrl : undefined,
      });
    });
  }

  /** After a successful rollback: the environment's latest deployment becomes inactive. */
  deactivateLatest(description: string): Promise<void> {
    return this.enqueue(async () => {
      const { data } = await this.octokit.rest.repos.listDeployments({
        ...this.repo,
        environment: this.environment,
        per_page: 1,
      });
      const latest = data[0];
      if (!latest) return;
      this.id = latest.id;
      await this.post(latest.id, 'inactive', { description });
    });
  }

  private async post(
    id: number,
    state: DeploymentState,
    a: { description: string; environmentUrl?: string },
  ): Promise<void> {
    await this.octokit.rest.repos.createDeploymentStatus({
      ...this.repo,
      deployment_id: id,
      ...deploymentStatusRequest(state, { ...a, logUrl: this.logUrl }),
    });
    this.posted.add(state);
  }
}
