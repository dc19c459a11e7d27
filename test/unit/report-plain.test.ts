import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderRunSummary } from '../../src/cli/terminal';
import { quoteUntrusted } from '../../src/names';
import type { CheckRecord, RunRecord } from '../../src/pipeline/record';
import type { TenantStatus } from '../../src/pipeline/status';
import { cloneFailureHint, statementObject } from '../../src/postgres/schema-clone';
import { keySample, plainSamples } from '../../src/report/escape';
import { COMMENT_LIMIT, renderComment, renderSummary } from '../../src/report/render';
import { renderStatusText } from '../../src/report/status-text';
import { capDetails } from '../../src/validation/check';

/**
 * Issue 15, "reports say everything plainly": each rendering checked on its text — every
 * warning once, "… N more" counts that add up, sample keys as values, and hints that match
 * the failure's cause.
 */

const T0 = '2026-03-01T10:00:00.000Z';

function record(over: Partial<RunRecord> = {}): RunRecord {
  return {
    operation: 'promote',
    tenant: 'acme-corp',
    database: 'tenant_acme_corp',
    result: 'promoted',
    dryRun: false,
    startedAt: T0,
    finishedAt: '2026-03-01T10:00:04.000Z',
    trigger: { source: 'cli' },
    steps: [],
    checks: [],
    tables: [],
    notes: [],
    committed: true,
    undone: [],
    ...over,
  };
}

function check(over: Partial<CheckRecord>): CheckRecord {
  return { name: 'c', title: 'Check', status: 'warn', reason: 'r', details: [], ...over };
}

const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

/** A blocker as plan-check.ts writes it: the sample key is the JSON text of an array, quoted. */
const UUID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const blocker = (sample: string, key = 'id') =>
  `"public"."orders" has 1 row of this tenant whose orders_customer_fk reference points to a "public"."customers" row of another tenant (or of none), e.g. ${key} = ${quoteUntrusted(sample, 80)}; that row is not copied.`;

describe('each warning once', () => {
  // access-control.ts: warn(warnings[0], [...warnings, ...notes]) — the reason is the first detail.
  const warning = 'the shared database shared_db: role tenant_acme_corp may connect through PUBLIC';
  const accessControl = check({
    name: 'access-control',
    title: 'Access control',
    reason: warning,
    details: [warning, 'connected as tenant_acme_corp, read public.users and updated 1 row(s)'],
  });

  it('the PR comment does not repeat a check reason in its details', () => {
    const body = renderComment(record({ checks: [accessControl] }));
    // escapeInline turns ":" into "&#58;": count the part before it.
    assert.equal(occurrences(body, 'may connect through PUBLIC'), 1, body);
    assert.match(body, /updated 1 row\(s\)/);
  });

  it('the job summary, the terminal summary and status text do not either', () => {
    assert.equal(occurrences(renderSummary(record({ checks: [accessControl] })), 'through PUBLIC'), 1);
    const terminal = renderRunSummary(record({ checks: [accessControl] }), { verbose: true });
    assert.equal(occurrences(terminal, 'through PUBLIC'), 1, terminal);
    const status = statusWith([accessControl]);
    assert.equal(occurrences(renderStatusText(status), 'through PUBLIC'), 1);
  });

  it('a note given twice is shown once, in the comment and in the terminal', () => {
    const note = 'foreign key "public"."orders"."orders_user_fk" has no index on the referencing side';
    const r = record({ notes: [note, 'another note', note] });
    const body = renderComment(r);
    assert.equal(occurrences(body, 'has no index on the referencing side'), 1, body);
    assert.equal(occurrences(renderRunSummary(r), 'has no index on the referencing side'), 1);
  });

  it('the terminal counts the notes it does not print', () => {
    const notes = Array.from({ length: 14 }, (_, i) => `note ${i + 1}`);
    const text = renderRunSummary(record({ notes }));
    assert.match(text, /note: note 10\n/);
    assert.doesNotMatch(text, /note 11\b/);
    assert.match(text, /… and 4 more notes \(-v lists them all\)/);
    assert.match(renderRunSummary(record({ notes }), { verbose: true }), /note: note 14\n/);
  });
});

describe('"… N more" counts add up', () => {
  const details = (n: number) => Array.from({ length: n }, (_, i) => `index public.ix_${i + 1}: missing`);

  it('36 details, 5 shown: 31 more', () => {
    const body = renderComment(
      record({ checks: [check({ reason: '36 differences', details: details(36) })] }),
    );
    assert.match(body, /… 31 more in the job summary/);
    assert.match(body, /36 differences&#58; 36 index/);
  });

  it('a reason that is the first detail: it, 5 shown and the rest make the whole list', () => {
    const d = details(36);
    const body = renderComment(record({ checks: [check({ reason: d[0]!, details: d })] }));
    // 1 in the reason + 5 listed + 30 more = 36.
    assert.match(body, /… 30 more in the job summary/);
    assert.equal(occurrences(body, 'ix\\_1&#58;'), 1);
  });

  it('a list capped by capDetails counts what the cap left out (not "16 more" for 31)', () => {
    // 36 findings capped at 20: the record holds 20 and "… and 16 more".
    const capped = capDetails(details(36), 20);
    assert.equal(capped.length, 21);
    const body = renderComment(record({ checks: [check({ reason: 'differences', details: capped })] }));
    assert.match(body, /… 31 more in the job summary \(16 of them only counted/);
    assert.doesNotMatch(body, /… 16 more/);
    assert.match(body, /36 differences/);
    const terminal = renderRunSummary(record({ checks: [check({ reason: 'x', details: capped })] }));
    assert.match(terminal, /36 differences: 20 index, 16 other/);
  });

  it('status text: "… and N more" counts the details not printed', () => {
    const text = renderStatusText(statusWith([check({ status: 'fail', reason: 'x', details: details(36) })]));
    assert.match(text, /… and 31 more \(-v or --json lists them all\)/);
  });

  it('a report cut to fit says how many table rows it left out, and the count is right', () => {
    const tables = Array.from({ length: 5000 }, (_, i) => ({
      schema: 'public',
      name: `table_with_a_long_name_${i}`,
      kind: 'tenant' as const,
      plannedRows: i,
      copiedRows: i,
    }));
    const body = renderComment(record({ tables }));
    assert.ok(body.length <= COMMENT_LIMIT, String(body.length));
    const shown = body.split('\n').filter((l) => l.startsWith('| public.table')).length;
    const m = /report truncated to fit: ([\d,]+) more rows of “Rows per table[^”]*” not shown/.exec(body);
    assert.ok(m, body.slice(-300));
    assert.equal(Number(m[1]!.replace(/,/g, '')), 5000 - shown);
    assert.ok(shown > 100, `${shown} rows shown`);
  });
});

describe('samples of blocking rows render as values', () => {
  it('plainSamples: one key column, a composite key, a sample cut short, other text untouched', () => {
    assert.equal(
      plainSamples(blocker(`["${UUID}"]`)),
      blocker(`["${UUID}"]`).replace(quoteUntrusted(`["${UUID}"]`, 80), UUID),
    );
    assert.match(
      plainSamples(blocker('[7, "a b", null]', '(tenant_id, id)')),
      /\(tenant_id, id\) = \(7, "a b", NULL\);/,
    );
    // Non-ASCII stays visible as escapes (homoglyphs, bidi controls).
    assert.match(plainSamples(blocker('["é\u202e"]')), /id = "\\u00e9\\u202e";/);
    const long = plainSamples(blocker(`["${'x'.repeat(100)}"]`));
    assert.match(long, /id = "x{70,}\\u2026;/);
    assert.ok(!long.includes('\\"'));
    assert.equal(plainSamples('a = "[not json]" and "[\\"x\\"]"'), 'a = "[not json]" and "[\\"x\\"]"');
  });

  it('the PR comment, terminal and status show the value, not "[\\"uuid\\"]"', () => {
    const message = `The tenant's rows cannot be separated cleanly: ${blocker(`["${UUID}"]`)}`;
    const r = record({
      result: 'failed',
      committed: false,
      steps: [{ name: 'plan', title: 'Plan the tables', status: 'failed', error: message }],
      error: { code: 'plan-blocked', message, step: 'plan' },
    });
    const body = renderComment(r);
    assert.ok(body.includes(`e.g. id = ${UUID};`), body);
    assert.doesNotMatch(body, /\\\[|&quot;\\\[|\\\\&quot;/);
    const terminal = renderRunSummary(r);
    assert.ok(terminal.includes(`e.g. id = ${UUID};`), terminal);
    assert.ok(!terminal.includes('[\\"'));
    const status = statusWith([]);
    status.planNotes = [`blocker: ${blocker(`["${UUID}"]`)}`];
    assert.ok(renderStatusText(status).includes(`e.g. id = ${UUID};`));
  });
});

describe('the plan writes sample keys as values (plan-check.ts)', () => {
  it('one column bare, several in parentheses, odd text quoted and escaped, long keys cut', () => {
    assert.equal(keySample(JSON.stringify([UUID])), UUID);
    assert.equal(keySample('[1, 12]'), '(1, 12)');
    assert.equal(keySample(JSON.stringify([7, 'a b\u202e'])), '(7, "a b\\u202e")');
    assert.equal(keySample(JSON.stringify([null])), 'NULL');
    const long = keySample(JSON.stringify(['x'.repeat(200)]));
    assert.equal(long.length, 80);
    assert.ok(long.endsWith('…'));
    assert.equal(keySample(null), '');
  });
});

describe('a failed clone statement: the hint matches the cause', () => {
  const view = 'CREATE VIEW "public"."film_list" AS SELECT public.group_concat(f.title) FROM public.film f';

  it('names the object a statement creates', () => {
    assert.equal(statementObject(view), 'view "public"."film_list"');
    assert.equal(
      statementObject(
        'ALTER TABLE ONLY "public"."a" ADD CONSTRAINT "a_b_fk" FOREIGN KEY (b) REFERENCES "public"."b"(id) NOT VALID',
      ),
      'constraint "a_b_fk" of table "public"."a"',
    );
    assert.equal(statementObject('CREATE UNIQUE INDEX "a_ix" ON "public"."a" (x)'), 'index "a_ix"');
    assert.equal(statementObject('GRANT SELECT ON "public"."a" TO "x"'), undefined);
  });

  it('42883 undefined function (a view over a custom aggregate): names the view and what it depends on', () => {
    const hint = cloneFailureHint(
      { code: '42883', message: 'function public.group_concat(text) does not exist' },
      view,
      257,
      268,
    );
    assert.match(hint, /^The view "public"\."film_list" depends on function public\.group_concat\(text\)/);
    assert.doesNotMatch(hint, /not empty|role is missing/);
  });

  it('23xxx data errors: names the constraint, never "not empty or a role is missing"', () => {
    const hint = cloneFailureHint(
      {
        code: '23503',
        message: 'insert or update on table "a" violates foreign key constraint "a_b_fk"',
        constraint: 'a_b_fk',
        table: 'a',
      },
      'ALTER TABLE "public"."a" VALIDATE CONSTRAINT "a_b_fk"',
      200,
      268,
    );
    assert.match(hint, /copied rows do not satisfy constraint "a_b_fk" of table "public"\."a"/);
    assert.doesNotMatch(hint, /not empty|role is missing/);
    const check = cloneFailureHint(
      { code: '23514', message: 'check constraint "c" is violated by some row', constraint: 'c', table: 't' },
      'CREATE INDEX "i" ON "public"."t" (x)',
      3,
      9,
    );
    assert.match(check, /\(constraint c of table t\)/);
  });

  it('42P07 / 42710 duplicate object: the target database is not empty', () => {
    for (const code of ['42P07', '42710']) {
      const hint = cloneFailureHint(
        { code, message: 'relation "a" already exists' },
        'CREATE TABLE "public"."a" (x int)',
        4,
        268,
      );
      assert.match(hint, /^The target database already has table "public"\."a": it is not empty/);
    }
  });

  it('anything else: generic, with the statement number', () => {
    const hint = cloneFailureHint({ code: 'XX000', message: 'boom' }, 'GRANT SELECT ON x TO y', 12, 30);
    assert.match(hint, /^Statement 12 of 30 failed on the target database with SQLSTATE XX000/);
  });
});

function statusWith(checks: CheckRecord[]): TenantStatus {
  return {
    tenant: 'acme-corp',
    overall: 'isolated',
    reasons: [],
    sharedDatabase: 'shared',
    tenantRow: { id: '1', isolationMode: 'isolated' },
    database: { name: 'tenant_acme_corp', exists: true },
    roles: [],
    routing: [],
    tables: [],
    planNotes: [],
    checks,
  } as unknown as TenantStatus;
}
