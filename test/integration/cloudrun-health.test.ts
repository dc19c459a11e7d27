import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkHealth } from '../../src/cloudrun/health';
import { startFakeHealthServer } from '../support/fake-cloudrun';

describe('checkHealth', () => {
  it('is ok on the first 200', async () => {
    const srv = await startFakeHealthServer([200]);
    try {
      const r = await checkHealth(srv.url, '/health', { attempts: 3, initialDelayMs: 1 });
      assert.deepEqual(
        { ok: r.ok, status: r.status, attempts: r.attempts },
        { ok: true, status: 200, attempts: 1 },
      );
      assert.deepEqual(srv.requests, ['/health']);
    } finally {
      await srv.close();
    }
  });

  it('retries 5xx until a 200', async () => {
    const srv = await startFakeHealthServer([503, 500, 200]);
    try {
      const r = await checkHealth(srv.url, 'healthz', { attempts: 5, initialDelayMs: 1 });
      assert.equal(r.ok, true);
      assert.equal(r.attempts, 3);
      assert.deepEqual(srv.requests, ['/healthz', '/healthz', '/healthz']);
    } finally {
      await srv.close();
    }
  });

  it('fails after the attempts with the last status in the message', async () => {
    const srv = await startFakeHealthServer([500]);
    try {
      const r = await checkHealth(srv.url, '/health', { attempts: 3, initialDelayMs: 1 });
      assert.equal(r.ok, false);
      assert.equal(r.status, 500);
      assert.equal(r.attempts, 3);
      assert.equal(srv.requests.length, 3);
      assert.equal(r.message, 'HTTP 500');
    } finally {
      await srv.close();
    }
  });

  it('does not retry a definite answer, and says what a 403 means', async () => {
    const srv = await startFakeHealthServer([403, 200]);
    try {
      const r = await checkHealth(srv.url, '/health', { attempts: 5, initialDelayMs: 1 });
      assert.equal(r.ok, false);
      assert.equal(r.status, 403);
      assert.equal(srv.requests.length, 1);
      assert.match(r.message, /requires authentication/);
    } finally {
      await srv.close();
    }
  });

  it('reports a connection failure and stops at the deadline', async () => {
    const srv = await startFakeHealthServer([200]);
    const url = srv.url;
    await srv.close(); // nothing listens there any more
    const r = await checkHealth(url, '/health', { attempts: 50, deadlineMs: 300, initialDelayMs: 50 });
    assert.equal(r.ok, false);
    assert.equal(r.status, undefined);
    assert.ok(r.attempts >= 1 && r.attempts < 50, `attempts ${r.attempts}`);
    assert.match(r.message, /did not answer/);
  });

  it('refuses a URL that is not http(s) without a request', async () => {
    const r = await checkHealth('file:///etc/passwd', '/health', {});
    assert.deepEqual({ ok: r.ok, attempts: r.attempts }, { ok: false, attempts: 0 });
  });

  it('stops when aborted', async () => {
    const srv = await startFakeHealthServer([500]);
    try {
      const ac = new AbortController();
      ac.abort();
      const r = await checkHealth(srv.url, '/health', { attempts: 5, signal: ac.signal });
      assert.equal(r.ok, false);
      assert.equal(srv.requests.length, 0);
    } finally {
      await srv.close();
    }
  });
});
