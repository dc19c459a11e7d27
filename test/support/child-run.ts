import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { RunRecord } from '../../src/pipeline/record';
import { ACTION_NODE, pathWithActionNode } from './run-action';

const ENGINE = fileURLToPath(new URL('./run-engine.ts', import.meta.url));

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The run's record, when the child lived to print it. */
  record?: RunRecord;
  /** Every progress line the child wrote to stderr. */
  lines: string[];
}

export interface ChildRun {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first progress line matching `re` (already seen or yet to come); rejects if the child exits first. */
  waitForLine(re: RegExp): Promise<string>;
  done: Promise<ChildResult>;
}

/**
 * Starts a promotion or rollback in a child process (see run-engine.ts). `fault` sets
 * TENANT_PROMOTION_FAULT for the child only; without it the variable is removed.
 */
export function startEngine(
  operation: 'promote' | 'rollback',
  options: Record<string, unknown>,
  fault?: string,
): ChildRun {
  // ACTION_NODE (default: this process's Node) runs the engine too, so the e2e pass on Node 24
  // covers it; tsx is resolved from the repository either way.
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: pathWithActionNode() };
  delete env.TENANT_PROMOTION_FAULT;
  if (fault) env.TENANT_PROMOTION_FAULT = fault;
  const child = spawn(ACTION_NODE, ['--import', 'tsx', ENGINE, JSON.stringify({ operation, options })], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve(l: string): void; reject(e: Error): void }[] = [];
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  createInterface({ input: child.stderr! }).on('line', (line) => {
    lines.push(line);
    for (const w of [...waiters]) {
      if (!w.re.test(line)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  });
  const done = new Promise<ChildResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const w of waiters.splice(0))
        w.reject(new Error(`child exited (${code ?? signal}) before a line matched ${w.re}`));
      const last = stdout.trim().split('\n').pop();
      let record: RunRecord | undefined;
      if (last) {
        try {
          record = JSON.parse(last) as RunRecord;
        } catch {
          record = undefined;
        }
      }
      resolve({ code, signal, record, lines });
    });
  });
  const waitForLine = (re: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const hit = lines.find((l) => re.test(l));
      if (hit) return resolve(hit);
      if (child.exitCode !== null || child.signalCode !== null) {
        return reject(new Error(`child already exited before a line matched ${re}`));
      }
      waiters.push({ re, resolve, reject });
    });
  return { child, lines, waitForLine, done };
}

/** Runs to the end (or to its death) and returns how it ended. */
export function runEngine(
  operation: 'promote' | 'rollback',
  options: Record<string, unknown>,
  fault?: string,
): Promise<ChildResult> {
  return startEngine(operation, options, fault).done;
}
