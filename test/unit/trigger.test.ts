import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyLabel,
  mightBeOurs,
  resolveTrigger,
  slugFromBody,
  slugFromTitle,
  type PullRequestState,
  type Trigger,
  type TriggerInputs,
} from '../../src/action/trigger';
import { actorsToCheck, checkFork, meetsPermission, permissionRank } from '../../src/action/permissions';
import { dispatchPayload, pullRequestPayload, type PullRequestEdit } from '../support/fake-github';

const inputs: TriggerInputs = { label: 'promote-tenant', rollbackLabel: 'promote-tenant-rollback' };

/** The PR as re-read through the API: by default what the payload says, with the label on it. */
function labeled(
  edit: PullRequestEdit,
  opts: { inputs?: Partial<TriggerInputs>; current?: Partial<PullRequestState> | null } = {},
): Trigger {
  const payload = pullRequestPayload(edit);
  const pr = payload.pull_request as { number: number; title: string; body: string | null };
  const current: PullRequestState | undefined =
    opts.current === null
      ? undefined
      : {
          number: pr.number,
          title: pr.title,
          body: pr.body,
          labels: edit.labels ?? ['bug', ...(edit.label ? [edit.label] : [])],
          ...opts.current,
        };
  return resolveTrigger({ name: 'pull_request', payload }, { ...inputs, ...opts.inputs }, current);
}

function expectRun(t: Trigger, slug: string, source?: string): void {
  assert.equal(t.kind, 'run', t.kind === 'invalid' ? t.error.message : t.kind === 'skip' ? t.reason : '');
  if (t.kind !== 'run') return;
  assert.equal(t.slug, slug);
  if (source) assert.equal(t.source, source);
}

function expectInvalid(t: Trigger, re: RegExp): string {
  assert.equal(t.kind, 'invalid', JSON.stringify(t));
  if (t.kind !== 'invalid') return '';
  assert.match(t.error.message, re);
  return t.error.message;
}

describe('trigger resolution: pull_request labeled', () => {
  it('promote-tenant:<slug> gives the slug, and the PR number', () => {
    const t = labeled({ label: 'promote-tenant:acme-corp', number: 42 });
    expectRun(t, 'acme-corp', 'label');
    assert.equal(t.kind === 'run' && t.pullRequest, 42);
    assert.equal(t.kind === 'run' && t.operation, 'promote');
  });

  it('pull_request_target is handled the same way', () => {
    const payload = pullRequestPayload({ label: 'promote-tenant:acme-corp' });
    expectRun(resolveTrigger({ name: 'pull_request_target', payload }, inputs), 'acme-corp', 'label');
  });

  it('bare label takes the slug from [TENANT: <slug>] in the title', () => {
    expectRun(
      labeled({ label: 'promote-tenant', title: '[TENANT: acme-corp] Add custom features' }),
      'acme-corp',
      'title',
    );
    expectRun(
      labeled({ label: 'promote-tenant', title: 'Custom features [tenant:globex]' }),
      'globex',
      'title',
    );
  });

  it('bare label takes the slug from a Tenant line inside "## Tenant Information" (any case)', () => {
    const body = '## Summary\nStuff\n\n## tenant INFORMATION\nTenant: acme-corp\n';
    expectRun(labeled({ label: 'promote-tenant', title: 'Features', body }), 'acme-corp', 'body');
  });

  it('tolerates markdown around the Tenant line', () => {
    for (const line of [
      '**Tenant:** acme-corp',
      '- Tenant: `acme-corp`',
      '* **Tenant**: acme-corp',
      '> Tenant: acme-corp',
      'TENANT:   acme-corp   ',
      '1. Tenant slug: **`acme-corp`**',
    ]) {
      expectRun(
        labeled({ label: 'promote-tenant', title: 'x', body: `## Tenant Information\n${line}\n` }),
        'acme-corp',
        'body',
      );
      expectRun(
        labeled({ label: 'promote-tenant', title: 'x', body: `Intro\n\n${line}` }),
        'acme-corp',
        'body',
      );
    }
  });

  it('prefers the Tenant Information section, ignores HTML comments and empty lines', () => {
    const body =
      '<!-- Tenant: template-value -->\nTenant:\n\n## Tenant Information\n- Tenant: acme-corp\n\n## Other\nTenant: other-one';
    expectRun(labeled({ label: 'promote-tenant', title: 'x', body }), 'acme-corp', 'body');
    assert.deepEqual(slugFromBody('Tenant ID: 7\nTenants: many'), {});
  });

  it('several different Tenant lines are refused as ambiguous', () => {
    expectInvalid(
      labeled({ label: 'promote-tenant', title: 'x', body: 'Tenant: acme-corp\nTenant: globex' }),
      /several tenants/,
    );
  });

  it('title wins over body, label slug over title', () => {
    const body = '## Tenant Information\nTenant: from-body';
    expectRun(
      labeled({ label: 'promote-tenant', title: '[TENANT: from-title] x', body }),
      'from-title',
      'title',
    );
    expectRun(
      labeled({ label: 'promote-tenant:from-label', title: '[TENANT: from-title] x', body }),
      'from-label',
      'label',
    );
  });

  it('bare label falls back to default-tenant', () => {
    expectRun(
      labeled(
        { label: 'promote-tenant', title: 'x', body: null },
        { inputs: { defaultTenant: 'fallback-co' } },
      ),
      'fallback-co',
      'default-tenant',
    );
  });

  it('bare label with nothing to go on is a clear error', () => {
    const t = labeled({ label: 'promote-tenant', title: 'Update the README', body: 'no tenant here' });
    assert.equal(t.kind, 'invalid');
    if (t.kind !== 'invalid') return;
    assert.match(t.error.message, /no tenant slug/);
    assert.match(t.error.hint ?? '', /promote-tenant:<slug>/);
    assert.match(t.error.hint ?? '', /\[TENANT: <slug>\]/);
    assert.match(t.error.hint ?? '', /default-tenant/);
  });

  it('any other label is skipped', () => {
    for (const label of ['bug', 'promote-tenants', 'promote', 'xpromote-tenant:acme-corp', '']) {
      const t = labeled({ label, title: '[TENANT: acme-corp]' });
      assert.equal(t.kind, 'skip', label);
      assert.equal(
        mightBeOurs({ name: 'pull_request', payload: pullRequestPayload({ label }) }, inputs),
        false,
        label,
      );
    }
  });

  it('other pull_request actions are skipped', () => {
    for (const action of ['opened', 'synchronize', 'unlabeled', 'closed']) {
      const payload = pullRequestPayload({ action, title: '[TENANT: acme-corp]' });
      const t = resolveTrigger({ name: 'pull_request', payload }, inputs);
      assert.equal(t.kind, 'skip', action);
      assert.match(t.kind === 'skip' ? t.reason : '', new RegExp(action));
      assert.equal(mightBeOurs({ name: 'pull_request', payload }, inputs), false);
    }
  });

  it('the tenant-slug input wins over label, title, body and default-tenant', () => {
    const t = labeled(
      { label: 'promote-tenant', title: '[TENANT: from-title]', body: 'Tenant: from-body' },
      { inputs: { tenantSlug: 'explicit-co', defaultTenant: 'fallback-co' } },
    );
    expectRun(t, 'explicit-co', 'input');
  });

  it('the tenant-slug input never turns an unrelated label into a promotion', () => {
    const t = labeled({ label: 'documentation' }, { inputs: { tenantSlug: 'explicit-co' } });
    assert.equal(t.kind, 'skip');
    const opened = resolveTrigger(
      { name: 'pull_request', payload: pullRequestPayload({ action: 'opened' }) },
      { ...inputs, tenantSlug: 'explicit-co' },
    );
    assert.equal(opened.kind, 'skip');
  });

  it('a label removed since the event (re-run replays the payload) is skipped', () => {
    const t = labeled({ label: 'promote-tenant:acme-corp' }, { current: { labels: ['bug'] } });
    assert.equal(t.kind, 'skip');
    assert.match(t.kind === 'skip' ? t.reason : '', /removed/);
  });

  it('the PR as re-read decides title and body, not the replayed payload', () => {
    const t = labeled(
      { label: 'promote-tenant', title: '[TENANT: old-title]' },
      { current: { title: '[TENANT: new-title] x', labels: ['promote-tenant'] } },
    );
    expectRun(t, 'new-title', 'title');
  });

  it('label names match case-insensitively; the slug must still be lowercase', () => {
    expectRun(
      labeled({ label: 'Promote-Tenant:acme-corp', labels: ['Promote-Tenant:acme-corp'] }),
      'acme-corp',
    );
    expectInvalid(
      labeled({ label: 'promote-tenant:Acme-Corp' }),
      /Invalid tenant slug "Acme-Corp" from the label/,
    );
  });

  it('the rollback label selects the rollback operation', () => {
    const t = labeled({ label: 'promote-tenant-rollback:acme-corp' });
    expectRun(t, 'acme-corp', 'label');
    assert.equal(t.kind === 'run' && t.operation, 'rollback');
    const bare = labeled({ label: 'promote-tenant-rollback', title: '[TENANT: globex] undo' });
    expectRun(bare, 'globex', 'title');
    assert.equal(bare.kind === 'run' && bare.operation, 'rollback');
    assert.deepEqual(
      classifyLabel('undo-it:acme-corp', { label: 'promote-tenant', rollbackLabel: 'undo-it' }),
      {
        operation: 'rollback',
        slug: 'acme-corp',
      },
    );
  });
});

describe('trigger resolution: workflow_dispatch', () => {
  const dispatch = (ev: Record<string, string>, over: Partial<TriggerInputs> = {}) =>
    resolveTrigger({ name: 'workflow_dispatch', payload: dispatchPayload(ev) }, { ...inputs, ...over });

  it('takes the tenant-slug input and an optional pull-request', () => {
    const t = dispatch({ tenant_slug: 'ignored-co' }, { tenantSlug: 'acme-corp', pullRequest: 7 });
    expectRun(t, 'acme-corp', 'input');
    assert.equal(t.kind === 'run' && t.pullRequest, 7);
  });

  it('falls back to the event’s own inputs (tenant_slug, operation, pull_request)', () => {
    const t = dispatch({ tenant_slug: 'acme-corp', operation: 'rollback', pull_request: '12' });
    expectRun(t, 'acme-corp', 'dispatch-input');
    assert.equal(t.kind === 'run' && t.operation, 'rollback');
    assert.equal(t.kind === 'run' && t.pullRequest, 12);
  });

  it('the operation input wins over the event’s', () => {
    const t = dispatch({ tenant_slug: 'acme-corp', operation: 'rollback' }, { operation: 'promote' });
    assert.equal(t.kind === 'run' && t.operation, 'promote');
  });

  it('without a slug it is a clear error, an unknown operation too', () => {
    expectInvalid(dispatch({}), /No tenant named/);
    expectInvalid(dispatch({ tenant_slug: 'acme-corp', operation: 'drop' }), /Unknown operation "drop"/);
  });

  it('other events act only on an explicit tenant-slug', () => {
    assert.equal(resolveTrigger({ name: 'push', payload: {} }, inputs).kind, 'skip');
    expectRun(
      resolveTrigger({ name: 'schedule', payload: {} }, { ...inputs, tenantSlug: 'acme-corp' }),
      'acme-corp',
      'input',
    );
  });
});

describe('trigger resolution: hostile text', () => {
  const hostile = [
    "acme'; DROP DATABASE postgres; --",
    'acme"corp',
    '$(rm -rf /)',
    '`whoami`',
    'acme\ncorp',
    'acme\u0000corp',
    'acme\u202ecorp',
    'аcme-corp', // Cyrillic "а"
    'a'.repeat(500),
    '<img src=x onerror=alert(1)>',
    '@octocat',
    '-acme',
    'ac',
    '../etc/passwd',
  ];

  for (const text of hostile) {
    it(`refuses ${JSON.stringify(text.slice(0, 30))} from label, title, body and dispatch`, () => {
      const label = text.replace(/\n/g, ' ');
      const checks: Trigger[] = [
        labeled({ label: `promote-tenant:${label}`, labels: [`promote-tenant:${label}`] }),
        labeled({ label: 'promote-tenant', title: `[TENANT: ${text.replace(/\]/g, '')}] x` }),
        // In a body, backticks around a slug are markdown (`whoami` is the slug whoami).
        ...(/^`[a-z]+`$/.test(text)
          ? []
          : [
              labeled({
                label: 'promote-tenant',
                title: 'x',
                body: `## Tenant Information\nTenant: ${text.replace(/\n/g, ' ')}`,
              }),
            ]),
        resolveTrigger(
          { name: 'workflow_dispatch', payload: dispatchPayload({ tenant_slug: text }) },
          inputs,
        ),
      ];
      for (const t of checks) {
        const message = expectInvalid(t, /Invalid tenant slug .* 3–63 characters/);
        // Quoted safely: no raw newline, NUL, bidi mark or non-ASCII, and truncated.
        assert.doesNotMatch(message, /[^\x20-\x7e–]/);
        assert.ok(message.length < 300, `message too long: ${message.length}`);
      }
    });
  }

  it('title and body parsers only return text, never throw', () => {
    assert.equal(slugFromTitle('[TENANT: ]'), '');
    assert.equal(slugFromTitle('no tenant'), undefined);
    assert.deepEqual(slugFromBody('x'.repeat(100_000)), {});
  });
});

describe('who may trigger', () => {
  it('ranks permissions, preferring the finer role name', () => {
    assert.equal(meetsPermission(permissionRank('write', 'write'), 'write'), true);
    assert.equal(meetsPermission(permissionRank('read', 'triage'), 'write'), false);
    assert.equal(meetsPermission(permissionRank('write', 'maintain'), 'maintain'), true);
    assert.equal(meetsPermission(permissionRank('admin'), 'admin'), true);
    assert.equal(meetsPermission(permissionRank('none'), 'read'), false);
    assert.equal(meetsPermission(permissionRank(undefined), 'read'), false);
  });

  it('checks the labeler and the re-runner, each once', () => {
    assert.deepEqual(actorsToCheck('alice', 'alice'), ['alice']);
    assert.deepEqual(actorsToCheck('alice', 'bob'), ['alice', 'bob']);
    assert.deepEqual(actorsToCheck(undefined, 'bob'), ['bob']);
  });

  it('refuses forks and deleted forks unless allowed', () => {
    assert.doesNotThrow(() => checkFork('o/r', 'o/r', false));
    assert.throws(() => checkFork('evil/r', 'o/r', false), /comes from the fork "evil\/r"/);
    assert.throws(() => checkFork(undefined, 'o/r', false), /deleted fork/);
    assert.doesNotThrow(() => checkFork('evil/r', 'o/r', true));
  });
});
