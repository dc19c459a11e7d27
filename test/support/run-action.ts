/**
 * Runs the bundled action (`dist/index.js`, `dist/post/index.js`) as a GitHub runner runs it:
 * INPUT_* variables with hyphens kept, an event file, and the output/summary/state files, in a
 * fresh workspace directory. Set PROMOTE_ACTION_DIST to test another build directory, and
 * ACTION_NODE to run it on another Node than the test runner's (`.ci/run` runs the e2e suite again
 * with ACTION_NODE pointing at Node 24, the runtime action.yml declares).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const DIST = resolve(process.env.PROMOTE_ACTION_DIST ?? join(__dirname, '../../dist'));
export const MAIN = join(DIST, 'index.js');
export const POST = join(DIST, 'post/index.js');
export const OWNER = 'Codertocat';
export const REPO = 'Hello-World';
export const FAKE_TOKEN = 'ghs_fake_token_value';

/** The Node binary that runs the bundles, the CLI and the demo: ACTION_NODE, else the test runner's own. */
export const ACTION_NODE = resolve(process.env.ACTION_NODE || process.execPath);

/** PATH with ACTION_NODE's directory first, so a `node` run by make or a shell is that same binary. */
export function pathWithActionNode(path = process.env.PATH ?? ''): string {
  return [dirname(ACTION_NODE), path].filter(Boolean).join(delimiter);
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  state: Record<string, string>;
  /** The run's workspace (cwd and GITHUB_WORKSPACE): config files are written under it. */
  dir: string;
}

/** A warning of the runtime itself (`(node:123) [DEP0040] DeprecationWarning: …`, ExperimentalWarning, …). */
export const RUNTIME_WARNING = /\(node:\d+\) (\[\w+\] )?\w*Warning\b/;

/** Parses the runner's `name<<delimiter` file format (GITHUB_OUTPUT, GITHUB_STATE). */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]!);
    out[m[1]!] = value.join('\n');
  }
  return out;
}

/** A TCP listener in place of PostgreSQL: counts connection attempts. */
export class FakeDatabase {
  connections = 0;
  private server: Server | undefined;
  port = 0;
  constructor(private readonly password = 'sup3r-s3cret-pw') {}
  async start(): Promise<void> {
    this.server = createServer((socket) => {
      this.connections++;
      socket.destroy();
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }
  get url(): string {
    return `postgres://promoter:${this.password}@127.0.0.1:${this.port}/shared`;
  }
  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}

export interface ActionRunOptions {
  /** Parent directory for the run's workspace. */
  work: string;
  /** GITHUB_API_URL (the FakeGitHub). */
  githubUrl: string;
  eventName: string;
  payload: Record<string, unknown>;
  /** Merged over github-token, label promote-tenant and skip-cloud-run true; database-url is the caller's. */
  inputs?: Record<string, string>;
  triggeringActor?: string;
  /** STATE_* for the post step (what the main step saved through GITHUB_STATE). */
  state?: Record<string, string>;
  /** A workspace to reuse (e.g. the post step after the main step, or a re-run). */
  dir?: string;
  /** Extra environment variables (e.g. GOOGLE_APPLICATION_CREDENTIALS). */
  env?: Record<string, string>;
}

export interface StartedAction {
  child: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  /** The first stdout line matching `re`, seen or still to come; rejects if the process ends first. */
  waitForLine(re: RegExp): Promise<string>;
  done: Promise<RunResult>;
}

/** Starts the action; stdout is read line by line so a test can react to what the run reports. */
export function startAction(script: string, opts: ActionRunOptions): StartedAction {
  const dir = opts.dir ?? mkdtempSync(join(opts.work, 'run-'));
  const files = {
    event: join(dir, 'event.json'),
    output: join(dir, 'output'),
    summary: join(dir, 'summary.md'),
    state: join(dir, 'state'),
  };
  writeFileSync(files.event, JSON.stringify(opts.payload));
  for (const f of [files.output, files.summary, files.state]) writeFileSync(f, '');
  const inputs: Record<string, string> = {
    'github-token': FAKE_TOKEN,
    label: 'promote-tenant',
    'skip-cloud-run': 'true',
    ...opts.inputs,
  };
  const env: NodeJS.ProcessEnv = {
    PATH: pathWithActionNode(),
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: opts.eventName,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_ACTOR: 'Codertocat',
    GITHUB_TRIGGERING_ACTOR: opts.triggeringActor ?? 'Codertocat',
    GITHUB_API_URL: opts.githubUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '123',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SHA: 'c'.repeat(40),
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    RUNNER_TEMP: dir,
    GITHUB_WORKSPACE: dir,
    ...opts.env,
  };
  // The runner keeps hyphens and upper-cases: INPUT_DATABASE-URL.
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v;
  for (const [k, v] of Object.entries(opts.state ?? {})) env[`STATE_${k}`] = v;

  const child = spawn(ACTION_NODE, [script], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve(l: string): void; reject(e: Error): void }[] = [];
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const w of [...waiters]) {
      if (!w.re.test(line)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  });
  const done = new Promise<RunResult>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const w of waiters.splice(0))
        w.reject(new Error(`the action exited (${code ?? signal}) before a line matched ${w.re}`));
      resolvePromise({
        code,
        signal,
        stdout,
        stderr,
        outputs: parseFileCommands(readFileSync(files.output, 'utf8')),
        summary: readFileSync(files.summary, 'utf8'),
        state: parseFileCommands(readFileSync(files.state, 'utf8')),
        dir,
      });
    });
  });
  const waitForLine = (re: RegExp) =>
    new Promise<string>((res, rej) => {
      const hit = lines.find((l) => re.test(l));
      if (hit !== undefined) return res(hit);
      if (child.exitCode !== null || child.signalCode !== null)
        return rej(new Error(`the action already exited before a line matched ${re}`));
      waiters.push({ re, resolve: res, reject: rej });
    });
  return { child, lines, waitForLine, done };
}

/** Runs the action to its end. */
export function runAction(script: string, opts: ActionRunOptions): Promise<RunResult> {
  return startAction(script, opts).done;
}
