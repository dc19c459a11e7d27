/**
 * The service's health endpoint, retried while the service warms up (cold start, 5xx, 429,
 * connection errors) and not retried on a definite answer (other 4xx).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { redact } from '../secrets';

export interface HealthOptions {
  attempts?: number;
  /** Total time for all attempts. */
  deadlineMs?: number;
  signal?: AbortSignal;
  /** First wait between attempts; doubles each time (capped at 10 s). */
  initialDelayMs?: number;
  /** Time limit of one request. */
  requestTimeoutMs?: number;
}

export interface HealthResult {
  ok: boolean;
  status?: number;
  /** What the last attempt got ("HTTP 500", "did not answer: …"), without URL or attempt count. */
  message: string;
  attempts: number;
}

function retryable(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

function healthUrl(url: string, path: string): URL | undefined {
  try {
    const base = new URL(url);
    if (base.protocol !== 'https:' && base.protocol !== 'http:') return undefined;
    return new URL(path.startsWith('/') ? path : `/${path}`, base);
  } catch {
    return undefined;
  }
}

export async function checkHealth(
  url: string,
  path: string,
  opts: HealthOptions = {},
): Promise<HealthResult> {
  const attempts = Math.max(1, opts.attempts ?? 5);
  const deadlineMs = opts.deadlineMs ?? 60_000;
  const requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
  let delay = opts.initialDelayMs ?? 1000;
  const target = healthUrl(url, path);
  if (!target) return { ok: false, message: `not an http(s) URL: ${redact(url)}`, attempts: 0 };
  const started = Date.now();
  let last: { status?: number; message: string } = { message: 'not attempted' };
  let made = 0;

  for (let i = 1; i <= attempts; i++) {
    const left = deadlineMs - (Date.now() - started);
    if (left <= 0 || opts.signal?.aborted) break;
    made = i;
    const timeout = AbortSignal.timeout(Math.min(requestTimeoutMs, left));
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    try {
      const res = await fetch(target, {
        signal,
        redirect: 'manual',
        headers: { 'user-agent': 'tenant-promotion-health' },
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300)
        return { ok: true, status: res.status, message: `HTTP ${res.status}`, attempts: i };
      last = {
        status: res.status,
        message:
          res.status === 401 || res.status === 403
            ? `HTTP ${res.status}: the service requires authentication (grant roles/run.invoker to allUsers, or check it from inside the network)`
            : `HTTP ${res.status}`,
      };
      if (!retryable(res.status)) break;
    } catch (e) {
      const reason = timeout.aborted
        ? `no answer within ${Math.min(requestTimeoutMs, left)} ms`
        : (e as Error).message;
      last = { message: `did not answer: ${redact((e as { cause?: Error }).cause?.message ?? reason)}` };
      if (opts.signal?.aborted) break;
    }
    if (i < attempts) {
      const wait = Math.min(delay, deadlineMs - (Date.now() - started));
      if (wait <= 0) break;
      try {
        await sleep(wait, undefined, opts.signal ? { signal: opts.signal } : undefined);
      } catch {
        break; // aborted
      }
      delay = Math.min(delay * 2, 10_000);
    }
  }
  return { ok: false, ...last, attempts: made };
}
