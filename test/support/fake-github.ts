/**
 * A local HTTP server answering the GitHub REST endpoints the action uses, with pagination
 * (Link headers) on issue comments, and a log of every call. Point GITHUB_API_URL at `url`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: string };
  created_at: string;
  updated_at: string;
  html_url: string;
  issue_number: number;
}

export interface FakePull {
  number: number;
  title: string;
  body: string | null;
  labels: string[];
  headRepo: string | null;
  baseRepo: string;
  headSha?: string;
}

export interface FakeCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  authorization?: string;
}

export interface FakeDeployment {
  id: number;
  ref: string;
  sha: string;
  environment: string;
  task: string;
  description: string | null;
  auto_merge: unknown;
  required_contexts: unknown;
  payload: unknown;
  created_at: string;
  statuses: { id: number; state: string; log_url?: string; environment_url?: string; description?: string }[];
}

export interface FakeGitHubOptions {
  owner?: string;
  repo?: string;
  /** Login GET /user answers with; undefined makes it answer 403 like the GITHUB_TOKEN. */
  tokenUser?: string;
  /** Login used for comments the action creates (github-actions[bot] for the GITHUB_TOKEN). */
  commentAuthor?: string;
  /** username → permission ('admin' | 'write' | 'read' | 'none'), with optional role_name. */
  permissions?: Record<string, string | { permission: string; role_name: string }>;
  pulls?: FakePull[];
}

export class FakeGitHub {
  readonly calls: FakeCall[] = [];
  readonly comments: FakeComment[] = [];
  /** Files committed through the contents API, by path. */
  readonly files = new Map<string, { branch: string; content: string; sha: string; message: string }>();
  readonly pulls = new Map<number, FakePull>();
  /** Deployments created through the API, oldest first, with their statuses. */
  readonly deployments: FakeDeployment[] = [];
  /**
   * An HTTP status every deployments endpoint answers with instead (403: a token without
   * `deployments: write`), or undefined to serve them.
   */
  deploymentsStatus: number | undefined;
  permissions: Record<string, string | { permission: string; role_name: string }>;
  tokenUser: string | undefined;
  commentAuthor: string;
  readonly owner: string;
  readonly repo: string;
  url = '';
  private server: Server | undefined;
  private nextId = 1000;
  private clock = Date.parse('2026-01-01T00:00:00Z');

  constructor(opts: FakeGitHubOptions = {}) {
    this.owner = opts.owner ?? 'Codertocat';
    this.repo = opts.repo ?? 'Hello-World';
    this.tokenUser = opts.tokenUser;
    this.commentAuthor = opts.commentAuthor ?? opts.tokenUser ?? 'github-actions[bot]';
    this.permissions = opts.permissions ?? {};
    for (const p of opts.pulls ?? []) this.pulls.set(p.number, p);
  }

  /** Adds a comment as if someone (or a previous run) had written it. */
  addComment(issue: number, body: string, login: string): FakeComment {
    const at = new Date((this.clock += 1000)).toISOString();
    const id = this.nextId++;
    const c: FakeComment = {
      id,
      body,
      user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' },
      created_at: at,
      updated_at: at,
      html_url: `https://github.com/${this.owner}/${this.repo}/pull/${issue}#issuecomment-${id}`,
      issue_number: issue,
    };
    this.comments.push(c);
    return c;
  }

  commentsOn(issue: number): FakeComment[] {
    return this.comments.filter((c) => c.issue_number === issue);
  }

  /** Calls other than reads of the event's own data, e.g. to assert "no comment was written". */
  writes(): FakeCall[] {
    return this.calls.filter((c) => c.method !== 'GET');
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((e: unknown) => send(res, 500, { message: String(e) }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', this.url);
    const raw = await readBody(req);
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
    const method = req.method ?? 'GET';
    this.calls.push({
      method,
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      body,
      authorization: req.headers.authorization,
    });
    const repoPrefix = `/repos/${this.owner}/${this.repo}`;
    const path = u.pathname;

    if (method === 'GET' && path === '/user') {
      if (!this.tokenUser) return send(res, 403, { message: 'Resource not accessible by integration' });
      return send(res, 200, { login: this.tokenUser, id: 1, type: 'User' });
    }
    if (!path.startsWith(repoPrefix + '/')) return send(res, 404, { message: 'Not Found' });
    const rest = path.slice(repoPrefix.length);
    let m: RegExpExecArray | null;

    if ((m = /^\/pulls\/(\d+)$/.exec(rest)) && method === 'GET') {
      const pr = this.pulls.get(Number(m[1]));
      if (!pr) return send(res, 404, { message: 'Not Found' });
      return send(res, 200, this.pullJson(pr));
    }
    if ((m = /^\/collaborators\/([^/]+)\/permission$/.exec(rest)) && method === 'GET') {
      const user = decodeURIComponent(m[1]!);
      const p = this.permissions[user];
      if (p === undefined) return send(res, 404, { message: 'Not Found' });
      const { permission, role_name } = typeof p === 'string' ? { permission: p, role_name: p } : p;
      return send(res, 200, { permission, role_name, user: { login: user } });
    }
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const issue = Number(m[1]);
      if (method === 'GET') {
        const perPage = Math.min(100, Number(u.searchParams.get('per_page') ?? 30));
        const page = Number(u.searchParams.get('page') ?? 1);
        const all = this.commentsOn(issue).sort((a, b) => a.id - b.id);
        const last = Math.max(1, Math.ceil(all.length / perPage));
        const link = (p: number, rel: string) => {
          const l = new URL(u.toString());
          l.searchParams.set('page', String(p));
          l.searchParams.set('per_page', String(perPage));
          return `<${l.toString()}>; rel="${rel}"`;
        };
        const links = [];
        if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
        if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
        if (links.length) res.setHeader('Link', links.join(', '));
        return send(res, 200, all.slice((page - 1) * perPage, page * perPage));
      }
      if (method === 'POST') {
        const c = this.addComment(issue, String(body?.body ?? ''), this.commentAuthor);
        return send(res, 201, c);
      }
    }
    if ((m = /^\/deployments(?:\/(\d+)\/statuses)?$/.exec(rest))) {
      if (this.deploymentsStatus !== undefined)
        return send(res, this.deploymentsStatus, {
          message: 'Resource not accessible by integration',
          documentation_url: 'https://docs.github.com/rest/deployments/deployments#create-a-deployment',
        });
      if (m[1] === undefined && method === 'POST') {
        if (typeof body?.ref !== 'string' || !body.ref) return send(res, 422, { message: 'ref is required' });
        const d: FakeDeployment = {
          id: this.nextId++,
          ref: body.ref,
          sha: /^[0-9a-f]{40}$/.test(body.ref) ? body.ref : 'd'.repeat(40),
          environment: String(body.environment ?? 'production'),
          task: String(body.task ?? 'deploy'),
          description: typeof body.description === 'string' ? body.description : null,
          auto_merge: body.auto_merge,
          required_contexts: body.required_contexts,
          payload: body.payload ?? {},
          created_at: new Date((this.clock += 1000)).toISOString(),
          statuses: [],
        };
        this.deployments.push(d);
        return send(res, 201, this.deploymentJson(d));
      }
      if (m[1] === undefined && method === 'GET') {
        const env = u.searchParams.get('environment');
        const perPage = Math.min(100, Number(u.searchParams.get('per_page') ?? 30));
        const list = this.deployments
          .filter((d) => env === null || d.environment === env)
          .reverse() // newest first, as GitHub lists them
          .slice(0, perPage);
        return send(
          res,
          200,
          list.map((d) => this.deploymentJson(d)),
        );
      }
      const d = this.deployments.find((x) => x.id === Number(m![1]));
      if (!d) return send(res, 404, { message: 'Not Found' });
      if (method === 'POST') {
        const states = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];
        if (!states.includes(String(body?.state)))
          return send(res, 422, { message: `invalid state ${String(body?.state)}` });
        if (typeof body?.description === 'string' && body.description.length > 140)
          return send(res, 422, { message: 'description is too long (maximum is 140 characters)' });
        const status = {
          id: this.nextId++,
          state: String(body?.state),
          log_url: body?.log_url as string | undefined,
          environment_url: body?.environment_url as string | undefined,
          description: body?.description as string | undefined,
        };
        d.statuses.push(status);
        return send(res, 201, { ...status, deployment_url: `${this.url}${repoPrefix}/deployments/${d.id}` });
      }
      if (method === 'GET') return send(res, 200, [...d.statuses].reverse());
    }
    if ((m = /^\/contents\/(.+)$/.exec(rest))) {
      const path = decodeURIComponent(m[1]!);
      const file = this.files.get(path);
      if (method === 'GET') {
        if (!file || file.branch !== u.searchParams.get('ref'))
          return send(res, 404, { message: 'Not Found' });
        return send(res, 200, {
          type: 'file',
          path,
          sha: file.sha,
          content: Buffer.from(file.content).toString('base64'),
        });
      }
      if (method === 'PUT') {
        if (file && body?.sha !== file.sha) return send(res, 409, { message: 'sha does not match' });
        const sha = `sha${(this.clock += 1)}`;
        const content = Buffer.from(String(body?.content ?? ''), 'base64').toString('utf8');
        this.files.set(path, {
          branch: String(body?.branch ?? ''),
          content,
          sha,
          message: String(body?.message ?? ''),
        });
        return send(res, file ? 200 : 201, { content: { path, sha } });
      }
      if (method === 'DELETE') {
        if (!file || body?.sha !== file.sha) return send(res, 409, { message: 'sha does not match' });
        this.files.delete(path);
        return send(res, 200, { commit: {} });
      }
    }
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      const id = Number(m[1]);
      const i = this.comments.findIndex((c) => c.id === id);
      if (i < 0) return send(res, 404, { message: 'Not Found' });
      const c = this.comments[i]!;
      if (method === 'GET') return send(res, 200, c);
      if (method === 'PATCH') {
        c.body = String(body?.body ?? '');
        c.updated_at = new Date((this.clock += 1000)).toISOString();
        return send(res, 200, c);
      }
      if (method === 'DELETE') {
        this.comments.splice(i, 1);
        res.statusCode = 204;
        return void res.end();
      }
    }
    return send(res, 404, { message: `Not Found: ${method} ${path}` });
  }

  private deploymentJson(d: FakeDeployment) {
    const { statuses: _statuses, auto_merge: _a, required_contexts: _r, ...rest } = d;
    return { ...rest, url: `${this.url}/repos/${this.owner}/${this.repo}/deployments/${d.id}` };
  }

  /** The deployment calls in order, as `METHOD path [state]`, e.g. to assert their order. */
  deploymentCalls(): string[] {
    return this.calls
      .filter((c) => c.path.includes('/deployments'))
      .map((c) => {
        const short = c.path.replace(`/repos/${this.owner}/${this.repo}`, '').replace(/\/\d+\//, '/{id}/');
        const state = (c.body as { state?: string } | undefined)?.state;
        const env = c.query.environment;
        return `${c.method} ${short}${env ? `?environment=${env}` : ''}${state ? ` ${state}` : ''}`;
      });
  }

  private pullJson(pr: FakePull) {
    const repoJson = (full: string) => ({
      full_name: full,
      name: full.split('/')[1],
      owner: { login: full.split('/')[0] },
    });
    return {
      number: pr.number,
      title: pr.title,
      body: pr.body,
      state: 'open',
      labels: pr.labels.map((name, i) => ({ id: i + 1, name })),
      head: {
        ref: 'feature',
        sha: pr.headSha ?? 'a'.repeat(40),
        repo: pr.headRepo ? repoJson(pr.headRepo) : null,
      },
      base: { ref: 'main', sha: 'b'.repeat(40), repo: repoJson(pr.baseRepo) },
    };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, json: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(json));
}

// ---- Event payloads: real examples from @octokit/webhooks-examples, edited. ----
import { createRequire } from 'node:module';

interface WebhookExample {
  name: string;
  examples: Record<string, unknown>[];
}
const examples = createRequire(__filename)('@octokit/webhooks-examples') as WebhookExample[];

function example(name: string, action?: string): Record<string, unknown> {
  const group = examples.find((e) => e.name === name);
  const ex = group?.examples.find((e) => action === undefined || e.action === action);
  if (!ex) throw new Error(`no webhook example ${name}/${action ?? '*'}`);
  return structuredClone(ex);
}

export interface PullRequestEdit {
  action?: string;
  label?: string;
  title?: string;
  body?: string | null;
  labels?: string[];
  number?: number;
  /** full_name of the head repository (a fork when it differs from the base), null if deleted. */
  headRepo?: string | null;
  sender?: string;
}

/** A `pull_request` event (by default `labeled`) from the examples, edited. */
export function pullRequestPayload(edit: PullRequestEdit = {}): Record<string, unknown> {
  const p = example('pull_request', edit.action ?? 'labeled') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- editing example JSON
  if (edit.label !== undefined) p.label = { ...(p.label ?? {}), name: edit.label };
  if (edit.number !== undefined) {
    p.number = edit.number;
    p.pull_request.number = edit.number;
  }
  if (edit.title !== undefined) p.pull_request.title = edit.title;
  if (edit.body !== undefined) p.pull_request.body = edit.body;
  if (edit.labels !== undefined)
    p.pull_request.labels = edit.labels.map((name, i) => ({
      id: i + 1,
      name,
      color: 'ededed',
      default: false,
    }));
  if (edit.headRepo !== undefined)
    p.pull_request.head.repo =
      edit.headRepo === null ? null : { ...p.pull_request.head.repo, full_name: edit.headRepo };
  if (edit.sender !== undefined) p.sender = { ...p.sender, login: edit.sender };
  return p;
}

/** A `workflow_dispatch` event from the examples with the given inputs. */
export function dispatchPayload(
  inputs: Record<string, string> = {},
  sender?: string,
): Record<string, unknown> {
  const p = example('workflow_dispatch') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- editing example JSON
  p.inputs = inputs;
  if (sender !== undefined) p.sender = { ...p.sender, login: sender };
  return p;
}
