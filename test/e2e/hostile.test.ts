/**
 * Hostile input through the real entry point (`node dist/index.js` as a runner runs it): labels,
 * titles, bodies, workflow_dispatch inputs and action inputs carrying SQL, shell, control and
 * bidi characters, homoglyphs, 10 kB strings, HTML and markdown. Each is refused with a clear
 * error (or skipped when the label is not ours), and:
 * - none reached the server: the database URL goes through a counting TCP proxy to a dedicated
 *   shared database whose role and database log every statement (`log_statement = 'all'`); the
 *   proxy saw no connection, and the server log holds no statement of that role and no marker;
 * - the comment, the summary and the workflow commands render every string inert.
 * Control runs (valid slug with hostile title/body, slugs `postgres`/`template0`, a shared
 * database that is itself named `tenant_<slug>`) do reach the server, proving the log and the
 * proxy see what they should; their hostile text still never appears in any statement.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { dispatchPayload, FakeGitHub, pullRequestPayload } from '../support/fake-github';
import { createSharedFixture, DATABASE_URL, fixtureSql, type SharedFixture } from '../support/fixture';
import { hostileCases, type HostileCase } from '../support/hostile-cases';
import { createDatabase, query, uniqueSuffix, withClient } from '../support/pg';
import { FakeDatabase, MAIN, OWNER, POST, REPO, runAction, type RunResult } from '../support/run-action';

/** A TCP proxy to PostgreSQL that counts the connections made through it. */
class CountingProxy {
  connections = 0;
  port = 0;
  private server: Server | undefined;
  constructor(private readonly target: { host: string; port: number }) {}
  async start(): Promise<void> {
    this.server = createServer((client) => {
      this.connections++;
      const upstream = createConnection(this.target);
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }
  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}

/** The server's log file: the collector's current file, else the newest file pg_ctlcluster writes. */
async function serverLogPath(): Promise<string | undefined> {
  const rows = await query<{ f: string | null; dir: string }>(
    DATABASE_URL,
    `SELECT pg_current_logfile() AS f, current_setting('data_directory') AS dir`,
  );
  const f = rows[0]?.f;
  if (f) return isAbsolute(f) ? f : join(rows[0]!.dir, f);
  const dir = '/var/log/postgresql';
  if (!existsSync(dir)) return undefined;
  const logs = readdirSync(dir)
    .filter((n) => n.endsWith('.log'))
    .map((n) => join(dir, n))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return logs[0];
}

function readFrom(path: string, offset: number): string {
  return readFileSync(path).subarray(offset).toString('utf8');
}

/** Cells of a markdown table row, split at unescaped pipes. */
function cells(row: string): number {
  return row.split(/(?<!\\)\|/).length;
}

const ALLOWED_TAG = /^<(\/?(details|summary|sub|br)>|!-- tenant-promotion:)/;
const RAW_CONTROL =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u061c\u180e]/u;

/** A report (comment or summary) in which no untrusted text can act as markdown or HTML. */
function assertInert(text: string, c: HostileCase, what: string): void {
  const tags = text.match(/<[A-Za-z/!][^>]*>?/g) ?? [];
  for (const t of tags) assert.match(t, ALLOWED_TAG, `${what}: only the renderer's own tags (${t})`);
  assert.equal(
    (text.match(/<details>/g) ?? []).length,
    (text.match(/<\/details>/g) ?? []).length,
    `${what}: <details> balanced`,
  );
  assert.ok(
    (text.match(/<!--/g) ?? []).length <= 1 && (text.match(/-->/g) ?? []).length <= 1,
    `${what}: one HTML comment at most`,
  );
  assert.doesNotMatch(text, RAW_CONTROL, `${what}: no raw control or bidi character`);
  assert.doesNotMatch(text, /(^|[^\w&;])@(?!&#8203;)[A-Za-z0-9]/, `${what}: no @mention`);
  assert.doesNotMatch(text, /(^|[^\w&#])#\d/m, `${what}: no #123 reference`);
  assert.doesNotMatch(text, /\]\(javascript:|!\[/i, `${what}: no link or image`);
  // Every table: each row has as many cells as its header.
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('|')) continue;
    const header = cells(lines[i]!);
    for (; i < lines.length && lines[i]!.startsWith('|'); i++)
      assert.equal(
        cells(lines[i]!),
        header,
        `${what}: table row keeps its cells: ${lines[i]!.slice(0, 120)}`,
      );
  }
  // Code fences: only the timeline's own mermaid block.
  const fences = lines.filter((l) => l.trimStart().startsWith('```'));
  assert.ok(
    fences.every((f, i) => f === (i % 2 === 0 ? '```mermaid' : '```')),
    `${what}: no injected code fence`,
  );
  // No line of the hostile text after its first starts a line of the report.
  for (const rest of c.text.split(/\r\n?|\n|\u2028|\u2029|\u0085/).slice(1)) {
    const t = rest.trim();
    if (t && !t.startsWith('```'))
      assert.ok(!lines.some((l) => l.trim().startsWith(t)), `${what}: "${t}" did not start a line`);
  }
  assert.ok(text.length <= 65_536, `${what}: within GitHub's limit`);
}

describe('hostile input through dist/index.js', () => {
  let work: string;
  let fixture: SharedFixture;
  let github: FakeGitHub;
  let proxy: CountingProxy;
  let role: string;
  let url: string;
  let logPath: string | undefined;
  let refusedLog = '';
  let controlLog = '';
  let proxyAfterRefused = -1;
  const cases = hostileCases(uniqueSuffix());
  const results = new Map<number, RunResult>();
  const prOf = (c: HostileCase) => 100 + c.id;

  function runCase(c: HostileCase): Promise<RunResult> {
    const pr = prOf(c);
    const label =
      c.location === 'label'
        ? `promote-tenant:${c.text}`
        : c.location === 'foreign-label'
          ? c.text
          : 'promote-tenant';
    const title = c.location === 'title' ? `Promote [TENANT: ${c.text}]` : 'Move a customer';
    const body = c.location === 'body' ? `## Tenant Information\nTenant: ${c.text}\n` : null;
    github.pulls.set(pr, {
      number: pr,
      title,
      body,
      labels: [label],
      headRepo: `${OWNER}/${REPO}`,
      baseRepo: `${OWNER}/${REPO}`,
    });
    const inputs: Record<string, string> = { 'database-url': url };
    if (c.location === 'input') inputs['tenant-slug'] = c.text;
    if (c.location === 'default-tenant') inputs['default-tenant'] = c.text;
    if (c.location === 'dispatch' || c.location === 'dispatch-operation') {
      inputs['pull-request'] = String(pr);
      return runAction(MAIN, {
        work,
        githubUrl: github.url,
        eventName: 'workflow_dispatch',
        payload: dispatchPayload(
          c.location === 'dispatch'
            ? { tenant_slug: c.text }
            : { tenant_slug: fixture.tenants.main, operation: c.text },
          'Codertocat',
        ),
        inputs,
      });
    }
    return runAction(MAIN, {
      work,
      githubUrl: github.url,
      eventName: 'pull_request',
      payload: pullRequestPayload({ number: pr, label, title, body, labels: [label], sender: 'Codertocat' }),
      inputs,
    });
  }

  before(async () => {
    assert.ok(existsSync(MAIN) && existsSync(POST), 'no build in dist/: run npm run package');
    work = mkdtempSync(join(tmpdir(), 'promote-hostile-'));
    fixture = await createSharedFixture({ rows: 8 });
    role = `hostile_${fixture.suffix}`;
    await withClient(DATABASE_URL, async (c) => {
      const r = pg.escapeIdentifier(role);
      await c.query(`CREATE ROLE ${r} LOGIN SUPERUSER PASSWORD 'pw'`);
      // Every statement of this role (any database) and in this database goes to the server log.
      await c.query(`ALTER ROLE ${r} SET log_statement = 'all'`);
      await c.query(`ALTER DATABASE ${pg.escapeIdentifier(fixture.dbName)} SET log_statement = 'all'`);
    });
    const base = new URL(DATABASE_URL);
    proxy = new CountingProxy({ host: base.hostname, port: Number(base.port || 5432) });
    await proxy.start();
    url = `postgres://${role}:pw@127.0.0.1:${proxy.port}/${fixture.dbName}`;
    github = new FakeGitHub({ owner: OWNER, repo: REPO, permissions: { Codertocat: 'write' } });
    await github.start();
    logPath = await serverLogPath();

    // The hostile cases, eight at a time (each on its own pull request).
    const start = logPath ? statSync(logPath).size : 0;
    for (let i = 0; i < cases.length; i += 8) {
      const batch = cases.slice(i, i + 8);
      const rs = await Promise.all(batch.map(runCase));
      batch.forEach((c, j) => results.set(c.id, rs[j]!));
    }
    proxyAfterRefused = proxy.connections;
    if (logPath) refusedLog = readFrom(logPath, start);
  });

  after(async () => {
    await github?.stop();
    await proxy?.stop();
    await fixture?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it(`has at least 50 hostile cases (${cases.length})`, () => {
    assert.ok(cases.length >= 50);
    assert.equal(new Set(cases.map((c) => c.marker)).size, cases.length);
  });

  for (const c of cases) {
    it(`#${c.id} ${c.name}: ${c.expect}`, () => {
      const r = results.get(c.id);
      assert.ok(r, 'ran');
      const comments = github.commentsOn(prOf(c));
      if (c.expect === 'skipped') {
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(r.outputs.result, 'skipped');
        assert.match(r.stdout, /not a trigger label/);
        assert.equal(comments.length, 0, 'no comment');
        assert.equal(
          github.calls.filter((k) => k.path.includes(`/${prOf(c)}`)).length,
          0,
          'no API call about this PR',
        );
      } else {
        assert.equal(r.code, 1, r.stdout + r.stderr);
        assert.equal(r.outputs.result, 'failed');
        assert.equal(r.outputs['tenant-slug'], '');
        assert.equal(r.outputs['database-name'] ?? '', '');
        const errorLine = r.stdout.split('\n').find((l) => l.startsWith('::error::'));
        assert.ok(errorLine, 'an ::error:: line');
        assert.match(errorLine, c.error!);
        assert.ok(errorLine.includes(c.marker), 'the error quotes the text');
        assert.match(r.stdout + r.summary, /Use a slug such as|The operation input is/, 'a hint');
        assert.equal(comments.length, 1, 'one comment');
        const body = comments[0]!.body;
        assert.match(body, /^<!-- tenant-promotion:\(unresolved\) -->\n### ❌ Promotion of tenant /);
        assert.ok(body.includes(c.marker.replace(/_/g, '\\_')), 'the comment quotes the text, escaped');
        assertInert(body, c, 'comment');
        assertInert(r.summary, c, 'summary');
        assert.equal(r.outputs['comment-url'], comments[0]!.html_url);
      }
      // Workflow commands: only the action's own; none forged by the text.
      for (const line of r.stdout.split('\n')) {
        if (line.startsWith('::'))
          assert.match(line, /^::(error|warning|notice|debug|add-mask|group|endgroup)::/, line);
        assert.doesNotMatch(line, /^::(set-output|save-state|set-env|add-path|stop-commands)/);
        assert.ok(!line.startsWith('::add-mask::') || !line.includes(c.marker), 'no mask forged');
        assert.ok(!line.startsWith('::error::forged'), 'no error forged');
      }
      assert.doesNotMatch(r.stdout, RAW_CONTROL, 'stdout: control characters escaped');
      assert.ok(!existsSync(`/tmp/${c.marker}`) && !existsSync(join(r.dir, c.marker)), 'no shell ran');
      assert.ok(!r.stderr.includes(c.marker), 'nothing on stderr');
    });
  }

  it('no refused input opened a database connection (counting proxy)', () => {
    assert.equal(proxyAfterRefused, 0);
  });

  it('no refused input reached the server: no statement of the role, no marker in the log', (t) => {
    if (!logPath) return t.skip('the server log is not readable here; the proxy count above is the proof');
    assert.ok(!refusedLog.includes(`${role}@`), 'no statement by the action’s role');
    for (const c of cases) assert.ok(!refusedLog.includes(c.marker), `${c.marker} not in the log`);
  });

  describe('controls that do reach the database', () => {
    const controls: { name: string; result?: RunResult; pr: number; markers: string[] }[] = [];
    let start = 0;
    let connectionsBefore = 0;
    let sharedSelf: { suffix: string; slug: string; url: string } | undefined;

    before(async () => {
      start = logPath ? statSync(logPath).size : 0;
      connectionsBefore = proxy.connections;
      // A valid slug in the label, hostile text in the title and the body: a dry run that plans.
      const m1 = `HOSTILE_TITLE_${fixture.suffix.toUpperCase()}`;
      const m2 = `HOSTILE_BODY_${fixture.suffix.toUpperCase()}`;
      const pr = 900;
      const label = `promote-tenant:${fixture.tenants.main}`;
      const title = `${m1}'; DROP TABLE tenants; -- <img src=x onerror=alert(1)> @octocat #1`;
      const body = `${m2} $(rm -rf /) \`id\` </details> | x |\nTenant: ${fixture.tenants.main}\n`;
      github.pulls.set(pr, {
        number: pr,
        title,
        body,
        labels: [label],
        headRepo: `${OWNER}/${REPO}`,
        baseRepo: `${OWNER}/${REPO}`,
      });
      controls.push({
        name: 'dry run with hostile title and body',
        pr,
        markers: [m1, m2],
        result: await runAction(MAIN, {
          work,
          githubUrl: github.url,
          eventName: 'pull_request',
          payload: pullRequestPayload({ number: pr, label, title, body, labels: [label] }),
          inputs: { 'database-url': url, 'dry-run': 'true' },
        }),
      });
      // Valid slugs that look like reserved databases: the derived database is tenant_<slug>.
      for (const [i, slug] of ['postgres', 'template0', 'template1'].entries()) {
        controls.push({
          name: `slug ${slug}`,
          pr: 901 + i,
          markers: [],
          result: await runAction(MAIN, {
            work,
            githubUrl: github.url,
            eventName: 'workflow_dispatch',
            payload: dispatchPayload({ tenant_slug: slug }, 'Codertocat'),
            inputs: { 'database-url': url, 'pull-request': String(901 + i) },
          }),
        });
      }
      // A shared database that is itself named tenant_<slug>: promoting <slug> would target it.
      const suffix = uniqueSuffix();
      const slug = `acme-corp-${suffix}`;
      const dbUrl = await createDatabase(`tenant_acme_corp_${suffix}`);
      await withClient(dbUrl, (c) => c.query(fixtureSql(`app_${suffix}`, suffix, 4)));
      sharedSelf = { suffix, slug, url: dbUrl };
      controls.push({
        name: 'shared database named like the target',
        pr: 910,
        markers: [],
        result: await runAction(MAIN, {
          work,
          githubUrl: github.url,
          eventName: 'workflow_dispatch',
          payload: dispatchPayload({ tenant_slug: slug }, 'Codertocat'),
          inputs: { 'database-url': dbUrl, 'pull-request': '910' },
        }),
      });
      if (logPath) controlLog = readFrom(logPath, start);
    });
    after(async () => {
      if (sharedSelf) {
        const { dropArtifacts } = await import('../support/pg');
        await dropArtifacts(sharedSelf.suffix);
      }
    });

    it('a valid slug with a hostile title and body plans normally; the comment stays inert', () => {
      const c = controls[0]!;
      const r = c.result!;
      assert.equal(r.code, 0, r.stdout);
      assert.equal(r.outputs.result, 'dry-run');
      const body = github.commentsOn(c.pr)[0]!.body;
      // The title and body are never rendered: nothing of them is in the comment.
      for (const m of c.markers) assert.ok(!body.includes(m) && !body.includes(m.replace(/_/g, '\\_')));
      assertInert(
        body,
        { id: 0, name: '', location: 'title', text: '', marker: '', expect: 'refused' },
        'comment',
      );
    });

    it('slugs postgres, template0 and template1 are tenants like any other: a clean "not found"', () => {
      for (const c of controls.slice(1, 4)) {
        const r = c.result!;
        assert.equal(r.code, 1, r.stdout);
        assert.equal(r.outputs.result, 'failed');
        assert.match(r.stdout, /::error::Tenant "(postgres|template0|template1)" was not found in tenants/);
        assert.match(github.commentsOn(c.pr)[0]!.body, /was not found/);
      }
    });

    it('a shared database named tenant_<slug> is refused as the target of <slug>', async () => {
      const r = controls[4]!.result!;
      assert.equal(r.code, 1, r.stdout);
      assert.match(
        r.stdout,
        /::error::Tenant "acme-corp-[a-z0-9]+" would be promoted into database "tenant_acme_corp_[a-z0-9]+", which is the shared database itself/,
      );
      const rows = await query<{ isolation_mode: string }>(
        sharedSelf!.url,
        'SELECT isolation_mode FROM tenants WHERE slug = $1',
        [sharedSelf!.slug],
      );
      assert.equal(rows[0]?.isolation_mode, 'shared', 'nothing changed');
    });

    it('the controls went through the proxy and were logged (the log and the proxy do see the action)', (t) => {
      assert.ok(proxy.connections > connectionsBefore, 'the proxy counted the control runs');
      if (!logPath) return t.skip('the server log is not readable here');
      assert.match(controlLog, new RegExp(`${role}@${fixture.dbName} LOG:  (statement|execute)`));
      // The slug reached SQL only as a bound parameter value, never in a statement's text.
      const slugLines = controlLog.split('\n').filter((l) => l.includes(fixture.tenants.main));
      assert.ok(slugLines.length > 0, 'the slug was sent');
      for (const l of slugLines) assert.match(l, /DETAIL: {2}parameters: /, `slug only as a parameter: ${l}`);
      for (const c of controls)
        for (const m of c.markers) assert.ok(!controlLog.includes(m), `${m} not in the log`);
    });
  });
});

/**
 * Hostile actors (property 6), the gaps test/e2e/action.test.ts leaves: the dangerous
 * pull_request_target event from a fork, a deleted fork, a dispatcher or labeler without
 * permission, a stranger, a stricter required-permission — each refused before any database
 * connection (a TCP listener counts attempts). And the positive side: allowed forks and enough
 * permission do get to the database, so a zero count means something.
 */
describe('hostile actors: forks and permissions through dist/index.js', () => {
  let work: string;
  let github: FakeGitHub;
  let db: FakeDatabase;
  let pr = 0;

  function labeled(
    opts: {
      eventName?: string;
      headRepo?: string | null;
      sender?: string;
      triggeringActor?: string;
      inputs?: Record<string, string>;
    } = {},
  ): Promise<RunResult> {
    pr++;
    const label = 'promote-tenant:acme-corp';
    const headRepo = opts.headRepo === undefined ? `${OWNER}/${REPO}` : opts.headRepo;
    github.pulls.set(pr, {
      number: pr,
      title: 'Promote',
      body: null,
      labels: [label],
      headRepo,
      baseRepo: `${OWNER}/${REPO}`,
    });
    return runAction(MAIN, {
      work,
      githubUrl: github.url,
      eventName: opts.eventName ?? 'pull_request',
      payload: pullRequestPayload({
        number: pr,
        label,
        labels: [label],
        headRepo: headRepo,
        sender: opts.sender ?? 'Codertocat',
      }),
      triggeringActor: opts.triggeringActor ?? opts.sender,
      inputs: { 'database-url': db.url, ...opts.inputs },
    });
  }

  before(async () => {
    assert.ok(existsSync(MAIN), 'no build in dist/: run npm run package');
    work = mkdtempSync(join(tmpdir(), 'promote-actors-'));
    db = new FakeDatabase();
    await db.start();
    github = new FakeGitHub({
      owner: OWNER,
      repo: REPO,
      permissions: {
        Codertocat: 'write',
        reader: 'read',
        triager: { permission: 'read', role_name: 'triage' },
        admin1: 'admin',
      },
    });
    await github.start();
  });
  after(async () => {
    await github?.stop();
    await db?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const refusedBeforeConnection = (r: RunResult, error: RegExp) => {
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.outputs.result, 'failed');
    assert.match(r.stdout, error);
    assert.equal(db.connections, 0, 'no database connection');
    assert.equal(github.commentsOn(pr).length, 1, 'the refusal is reported on the PR');
  };

  it('pull_request_target from a fork is refused before the permission check and any connection', async () => {
    db.connections = 0;
    const r = await labeled({
      eventName: 'pull_request_target',
      headRepo: 'evil/Hello-World',
      sender: 'admin1',
    });
    refusedBeforeConnection(r, /::error::The pull request comes from the fork "evil\/Hello-World"/);
    assert.ok(!github.calls.some((c) => c.path.includes('/collaborators/')), 'not even a permission check');
  });

  it('a deleted fork (head repository null) is refused', async () => {
    db.connections = 0;
    const r = await labeled({ headRepo: null, sender: 'admin1' });
    refusedBeforeConnection(r, /::error::The pull request's head repository is gone/);
  });

  it('a fork named like the base under another owner is still a fork', async () => {
    db.connections = 0;
    const r = await labeled({ headRepo: `${OWNER.toLowerCase()}-evil/${REPO}`, sender: 'admin1' });
    refusedBeforeConnection(r, /comes from the fork/);
  });

  it('a dispatcher without permission is refused before any connection', async () => {
    db.connections = 0;
    pr++;
    github.pulls.set(pr, {
      number: pr,
      title: 'x',
      body: null,
      labels: [],
      headRepo: `${OWNER}/${REPO}`,
      baseRepo: `${OWNER}/${REPO}`,
    });
    const r = await runAction(MAIN, {
      work,
      githubUrl: github.url,
      eventName: 'workflow_dispatch',
      payload: dispatchPayload({ tenant_slug: 'acme-corp' }, 'reader'),
      triggeringActor: 'reader',
      inputs: { 'database-url': db.url, 'pull-request': String(pr) },
    });
    refusedBeforeConnection(r, /::error::"reader" does not have write permission/);
  });

  it('a stranger (not a collaborator: 404) is refused', async () => {
    db.connections = 0;
    const r = await labeled({ sender: 'stranger' });
    refusedBeforeConnection(r, /::error::"stranger" does not have write permission/);
  });

  it('triage is not enough for write; write is not enough for required-permission admin', async () => {
    db.connections = 0;
    refusedBeforeConnection(await labeled({ sender: 'triager' }), /"triager" does not have write permission/);
    refusedBeforeConnection(
      await labeled({ inputs: { 'required-permission': 'admin' } }),
      /"Codertocat" does not have admin permission/,
    );
  });

  it('an admin labels, a reader re-runs: refused (both are checked)', async () => {
    db.connections = 0;
    const r = await labeled({ sender: 'admin1', triggeringActor: 'reader' });
    refusedBeforeConnection(r, /"reader" does not have write permission/);
  });

  it('controls: allow-forks and enough permission do reach the database (the counter works)', async () => {
    db.connections = 0;
    const fork = await labeled({ headRepo: 'friend/Hello-World', inputs: { 'allow-forks': 'true' } });
    assert.equal(fork.code, 1, 'the fake database refuses the connection');
    assert.ok(db.connections > 0, 'an allowed fork got as far as the database');
    assert.match(github.commentsOn(pr)[0]!.body, /fork allowed by allow-forks/);
    db.connections = 0;
    await labeled({ sender: 'triager', inputs: { 'required-permission': 'triage' } });
    assert.ok(db.connections > 0, 'triage suffices when required-permission is triage');
  });
});
