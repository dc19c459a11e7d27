import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunRecord } from '../../src/pipeline/record';
import { escapeInline } from '../../src/report/escape';
import {
  COMMENT_LIMIT,
  commentMarker,
  formatDuration,
  outcomeLine,
  renderComment,
  renderSummary,
} from '../../src/report/render';

const T0 = '2026-03-01T10:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

function promoted(over: Partial<RunRecord> = {}): RunRecord {
  return {
    operation: 'promote',
    tenant: 'acme-corp',
    database: 'tenant_acme_corp',
    result: 'promoted',
    dryRun: false,
    startedAt: T0,
    finishedAt: at(4200),
    trigger: { actor: 'octocat', source: 'pull_request: label promote-tenant:acme-corp', pullRequest: 2 },
    steps: [
      {
        name: 'plan',
        title: 'Plan the copy',
        status: 'done',
        startedAt: at(0),
        durationMs: 300,
        detail: '3 tables',
      },
      { name: 'copy', title: 'Copy rows', status: 'done', startedAt: at(300), durationMs: 2500 },
      { name: 'switch', title: 'Switch the tenant', status: 'done', startedAt: at(2800), durationMs: 90 },
      { name: 'deploy', title: 'Deploy Cloud Run', status: 'skipped', detail: 'skip-cloud-run is set' },
    ],
    checks: [
      { name: 'row-counts', title: 'Row counts', status: 'pass', reason: 'all 3 tables match', details: [] },
      {
        name: 'indexes',
        title: 'Indexes',
        status: 'warn',
        reason: '1 unindexed foreign key',
        details: ['orders.customer_id'],
      },
    ],
    tables: [
      { schema: 'public', name: 'tenants', kind: 'root', plannedRows: 1, copiedRows: 1 },
      {
        schema: 'public',
        name: 'orders',
        kind: 'tenant',
        plannedRows: 12000,
        copiedRows: 12000,
        durationMs: 1500,
      },
    ],
    notes: [],
    committed: true,
    freezeMs: 85,
    serviceUrl: 'https://api-acme-corp-xyz.a.run.app',
    revision: 'api-acme-corp-00001-abc',
    undone: [],
    ...over,
  };
}

function failed(over: Partial<RunRecord> = {}): RunRecord {
  return promoted({
    result: 'failed',
    committed: false,
    serviceUrl: undefined,
    revision: undefined,
    steps: [
      {
        name: 'create-db',
        title: 'Create the database',
        status: 'undone',
        startedAt: at(0),
        durationMs: 200,
      },
      {
        name: 'copy',
        title: 'Copy rows',
        status: 'failed',
        startedAt: at(200),
        durationMs: 900,
        error: 'duplicate key value violates unique constraint "orders_pkey"',
      },
      { name: 'switch', title: 'Switch the tenant', status: 'pending' },
    ],
    checks: [],
    error: {
      code: 'database',
      message: 'duplicate key value violates unique constraint "orders_pkey"',
      hint: 'Check the orders table for duplicates.',
      step: 'copy',
    },
    undone: ['create-db'],
    ...over,
  });
}

describe('renderComment', () => {
  it('starts with the hidden marker, then the outcome line', () => {
    const lines = renderComment(promoted()).split('\n');
    assert.equal(lines[0], '<!-- tenant-promotion:acme-corp -->');
    assert.equal(lines[1], '### ✅ Tenant `acme-corp` promoted to its own database `tenant_acme_corp`');
  });

  it('shows tenant, database, service URL, steps with status and duration, checks and rows per table', () => {
    const body = renderComment(promoted(), { runUrl: 'https://github.com/o/r/actions/runs/1' });
    assert.match(body, /\| Tenant \| `acme-corp` \|/);
    assert.match(body, /\| Database \| `tenant_acme_corp` \|/);
    assert.match(body, /\| Service URL \| `https:\/\/api-acme-corp-xyz\.a\.run\.app` \|/);
    assert.match(body, /\| Copy rows \| ✅ done \| 2\.5 s \|/);
    assert.match(body, /\| Deploy Cloud Run \| ⏭️ skipped \| – \| skip-cloud-run is set \|/);
    assert.match(body, /\| Row counts \| ✅ pass \| all 3 tables match \|/);
    assert.match(body, /\| Indexes \| ⚠️ warn \| 1 unindexed foreign key<br>orders\.customer\\_id \|/);
    assert.match(body, /#### Rows per table \(2 tables, 12,001 rows copied\)/);
    assert.match(body, /\| public\.orders \| tenant \| 12,000 \| 12,000 \| – \| 1\.5 s \|/);
    assert.match(body, /\| Writes blocked \| 85 ms \|/);
    assert.match(body, /\[Workflow run\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/1\)/);
    assert.doesNotMatch(body, /#### What failed/);
  });

  it("marks a promotion's planned rows as the planner's estimate (~), beside the rows copied", () => {
    const record = promoted();
    record.tables[1] = { ...record.tables[1]!, plannedRows: 11_873, plannedEstimated: true };
    const body = renderComment(record);
    assert.match(body, /\| public\.orders \| tenant \| ~11,873 \| 12,000 \| – \| 1\.5 s \|/);
    assert.match(body, /\| public\.tenants \| root \| 1 \| 1 \|/, 'a counted row has no mark');
  });

  it('draws the step timeline as a mermaid gantt, offsets from the run start', () => {
    const body = renderComment(promoted());
    const gantt = /```mermaid\n([\s\S]*?)```/.exec(body)?.[1] ?? '';
    assert.match(gantt, /^gantt\n {4}dateFormat x\n/);
    assert.match(gantt, /Plan the copy :done, s0, 0, 300\n/);
    assert.match(gantt, /Copy rows :done, s1, 300, 2800\n/);
    assert.doesNotMatch(gantt, /Deploy/); // never started
  });

  it('on failure says what failed, what was undone, and the hint', () => {
    const body = renderComment(failed());
    const lines = body.split('\n');
    assert.equal(
      lines[1],
      '### ❌ Promotion of tenant `acme-corp` failed at step “Copy rows”: everything it created was undone',
    );
    assert.match(
      body,
      /#### What failed\n\*\*Copy rows\*\*: duplicate key value violates unique constraint &quot;orders\\_pkey&quot;/,
    );
    assert.match(body, /\*\*Hint:\*\* Check the orders table for duplicates\./);
    assert.match(body, /\*\*Undone\*\* \(in this order\): Create the database/);
    assert.match(body, /\| Create the database \| ↩️ undone \|/);
    assert.match(body, /gantt[\s\S]*Copy rows :crit, s1, 200, 1100/);
  });

  it('after the commit point says the run is resumable', () => {
    const body = renderComment(failed({ committed: true, undone: [] }));
    assert.match(body.split('\n')[1]!, /the switch had already happened, re-run to resume/);
    assert.match(body, /a re-run resumes from here/);
  });

  it('outcome lines for every result', () => {
    const base = promoted();
    assert.match(
      outcomeLine({ ...base, result: 'dry-run' }),
      /Dry run: promotion of tenant `acme-corp` planned, nothing changed/,
    );
    assert.match(outcomeLine({ ...base, result: 'already-isolated' }), /already isolated/);
    assert.match(outcomeLine({ ...base, result: 'skipped' }), /skipped/);
    assert.match(
      outcomeLine({ ...base, operation: 'rollback', result: 'rolled-back' }),
      /rolled back to the shared database/,
    );
    assert.match(outcomeLine({ ...base, result: 'running' }), /in progress/);
    assert.match(
      outcomeLine({ ...base, result: 'failed', error: undefined, undone: [], committed: false }),
      /failed: nothing was changed/,
    );
  });

  it('escapes every untrusted string: no table break-out, HTML, mention, link or code span', () => {
    const evil =
      'x | y\n| injected | row |\n<img src=x onerror=alert(1)> @octocat #1 [link](https://evil) `code` **bold** \u202e';
    const record = failed({
      tenant: evil,
      steps: [{ name: 's', title: evil, status: 'failed', durationMs: 1, error: evil, detail: evil }],
      checks: [{ name: 'c', title: evil, status: 'fail', reason: evil, details: [evil] }],
      tables: [{ schema: evil, name: evil, kind: 'tenant', copiedRows: 1 }],
      notes: [evil],
      error: { code: 'x', message: evil, hint: evil, step: 's' },
      undone: ['s'],
      trigger: { actor: evil, source: evil },
    });
    const body = renderComment(record);
    assert.equal(body.split('\n')[0], '<!-- tenant-promotion:(unresolved) -->');
    assert.doesNotMatch(body, /<img/);
    assert.doesNotMatch(body, /@octocat/);
    assert.doesNotMatch(body, /\[link\]\(/);
    assert.doesNotMatch(body, /[^\\]`code/);
    assert.doesNotMatch(body, /\u202e/);
    assert.doesNotMatch(body, /^\| injected/m);
    // Every table row still has the header's number of cells (no unescaped pipe inside a cell).
    for (const table of body.split('\n\n').filter((b) => /^(#### [^\n]*\n)?\|/.test(b))) {
      const rows = table.split('\n').filter((l) => l.startsWith('|'));
      const cells = (l: string) => l.replace(/\\\|/g, '').split('|').length;
      for (const row of rows) assert.equal(cells(row), cells(rows[0]!), row);
    }
  });

  it('the marker never carries an invalid slug', () => {
    assert.equal(commentMarker('acme-corp'), '<!-- tenant-promotion:acme-corp -->');
    assert.equal(commentMarker('a --><script>'), '<!-- tenant-promotion:(unresolved) -->');
  });

  it('stays under 65,536 characters, keeping the marker, outcome line and failure', () => {
    const tables = Array.from({ length: 5000 }, (_, i) => ({
      schema: 'public',
      name: `table_with_a_long_name_${i}`,
      kind: 'tenant' as const,
      plannedRows: i,
      copiedRows: i,
    }));
    const body = renderComment(
      failed({ tables, error: { code: 'x', message: 'm'.repeat(100_000), step: 'copy' } }),
    );
    assert.ok(body.length < COMMENT_LIMIT, String(body.length));
    assert.match(body, /^<!-- tenant-promotion:acme-corp -->\n### ❌ Promotion/);
    assert.match(body, /#### What failed/);
    assert.match(body, /report truncated to fit/);
    assert.match(body, /\| public\.table\\_with\\_a\\_long\\_name\\_0 \|/);
    assert.doesNotMatch(body, /table\\_with\\_a\\_long\\_name\\_4999/);
  });

  it('renders a stable snapshot of a promotion', () => {
    const body = renderComment(promoted());
    assert.equal(
      body.split('\n').slice(0, 14).join('\n'),
      [
        '<!-- tenant-promotion:acme-corp -->',
        '### ✅ Tenant `acme-corp` promoted to its own database `tenant_acme_corp`',
        '',
        '| | |',
        '|---|---|',
        '| Tenant | `acme-corp` |',
        '| Operation | promote |',
        '| Database | `tenant_acme_corp` |',
        '| Service URL | `https://api-acme-corp-xyz.a.run.app` |',
        '| Revision | `api-acme-corp-00001-abc` |',
        '| Writes blocked | 85 ms |',
        '| Requested by | octocat |',
        '| Trigger | pull\\_request&#58; label promote-tenant&#58;acme-corp |',
        '| Duration | 4.2 s |',
      ].join('\n'),
    );
  });
});

describe('renderSummary', () => {
  it('is the same report without the marker', () => {
    const summary = renderSummary(promoted());
    assert.ok(!summary.includes('<!--'));
    assert.equal(summary.split('\n')[0], outcomeLine(promoted()));
    assert.ok(renderComment(promoted()).endsWith(summary.slice(summary.indexOf('\n'))));
  });
});

describe('helpers', () => {
  it('formatDuration', () => {
    assert.equal(formatDuration(undefined), '–');
    assert.equal(formatDuration(12.4), '12 ms');
    assert.equal(formatDuration(1500), '1.5 s');
    assert.equal(formatDuration(125_000), '2 min 5 s');
  });
  it('escapeInline keeps one line and truncates', () => {
    assert.equal(escapeInline('a\nb'), 'a b');
    assert.equal([...escapeInline('z'.repeat(1000), 10)].length, 10);
  });
});
