/**
 * Trigger resolution: which tenant (if any) a GitHub event asks to promote or roll back.
 * Pure: the caller passes the event payload, the action's inputs and — for a pull request — the
 * PR's current title, body and labels as re-read through the API (re-runs replay old payloads).
 */
import { InputError } from '../errors';
import { isValidSlug, quoteUntrusted, SLUG_RULE } from '../names';

export type Operation = 'promote' | 'rollback';

export interface TriggerInputs {
  /** Explicit slug: wins over label, title, body and default-tenant (but never creates a trigger). */
  tenantSlug?: string;
  label: string;
  rollbackLabel: string;
  defaultTenant?: string;
  /** PR to report on for non-PR events. */
  pullRequest?: number;
  /** Operation for workflow_dispatch (labels decide it on PR events). */
  operation?: Operation;
}

/** A pull request as it is now (re-read through the API). */
export interface PullRequestState {
  number: number;
  title: string;
  body: string | null;
  labels: string[];
}

export type SlugSource = 'input' | 'label' | 'title' | 'body' | 'default-tenant' | 'dispatch-input';

export type Trigger =
  | { kind: 'skip'; reason: string }
  | {
      kind: 'run';
      operation: Operation;
      slug: string;
      source: SlugSource;
      pullRequest?: number;
      /** The label that triggered the run, when a label did. */
      label?: string;
    }
  | {
      /** Our trigger fired but the tenant is missing or invalid: refuse (and report on the PR). */
      kind: 'invalid';
      operation: Operation;
      error: InputError;
      pullRequest?: number;
      label?: string;
    };

export interface TriggerEvent {
  name: string;
  // The payload is untrusted JSON: read it defensively.
  payload: Record<string, unknown>;
}

const PR_EVENTS = new Set(['pull_request', 'pull_request_target']);

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}
function blankToUndef(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}
const sameLabel = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Matches a label against our trigger label `name` (bare) or `name:<slug>`. GitHub treats label
 * names case-insensitively, so the prefix does too; the slug itself must follow the slug rule.
 */
export function matchLabel(label: string, name: string): { slug?: string } | undefined {
  const l = label.trim();
  const n = name.trim();
  if (!n) return undefined;
  if (sameLabel(l, n)) return {};
  const prefix = `${n}:`;
  if (l.length >= prefix.length && l.slice(0, prefix.length).toLowerCase() === prefix.toLowerCase())
    return { slug: l.slice(prefix.length).trim() };
  return undefined;
}

/** Which of our labels `label` is, if any. The longer name is tried first (`x-rollback` vs `x`). */
export function classifyLabel(
  label: string,
  inputs: Pick<TriggerInputs, 'label' | 'rollbackLabel'>,
): { operation: Operation; slug?: string } | undefined {
  const candidates: [Operation, string][] = [
    ['promote', inputs.label],
    ['rollback', inputs.rollbackLabel],
  ];
  candidates.sort((a, b) => b[1].length - a[1].length);
  for (const [operation, name] of candidates) {
    const m = matchLabel(label, name);
    if (m) return { operation, ...m };
  }
  return undefined;
}

/** `[TENANT: <slug>]` anywhere in the title (any case, spaces tolerated). */
export function slugFromTitle(title: string): string | undefined {
  const m = /\[\s*tenant\s*:\s*([^\]]*)\]/i.exec(title);
  return m ? m[1]!.trim() : undefined;
}

/**
 * A `Tenant: <slug>` line in the body, with markdown around it tolerated: `**Tenant:** acme`,
 * `- Tenant: \`acme\``, `> tenant: acme`, `| Tenant | acme |` is not supported. A line inside a
 * `## Tenant Information` section wins; otherwise any such line; several different values are
 * refused as ambiguous. HTML comments (PR-template instructions) are ignored.
 */
export function slugFromBody(body: string): { slug?: string; ambiguous?: string[] } {
  const text = body.replace(/<!--[\s\S]*?(-->|$)/g, '');
  const lines = text.split(/\r\n?|\n/);
  const inSection: string[] = [];
  const anywhere: string[] = [];
  let section: string | undefined;
  for (const raw of lines) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw);
    if (heading) {
      section = heading[1]!.replace(/[*_`]/g, '').trim().toLowerCase();
      continue;
    }
    const value = tenantLineValue(raw);
    if (value === undefined) continue;
    (section === 'tenant information' ? inSection : anywhere).push(value);
  }
  const pick = inSection.length > 0 ? inSection : anywhere;
  const distinct = [...new Set(pick)];
  if (distinct.length > 1) return { ambiguous: distinct };
  return distinct.length === 1 ? { slug: distinct[0] } : {};
}

/** The value of a `Tenant: value` line (markdown stripped), `''` if empty, undefined if not one. */
function tenantLineValue(line: string): string | undefined {
  // Leading list markers, quotes and emphasis; then "tenant" (or "tenant slug"), then ":".
  const m =
    /^\s*(?:>\s*)*(?:[-*+]|\d+[.)])?\s*(?:\*\*|__|\*|_)?\s*tenant(?:[ _-]?slug)?\s*(?:\*\*|__|\*|_)?\s*:\s*(?:\*\*|__|\*|_)?(.*)$/i.exec(
      line,
    );
  if (!m) return undefined;
  // Emphasis, code spans and quotes around the value are markdown, not part of the slug
  // (none of these characters can occur in a slug).
  return m[1]!.replace(/^[\s*_`"']+|[\s*_`"']+$/g, '');
}

function invalid(
  operation: Operation,
  raw: string,
  where: string,
  pullRequest: number | undefined,
  label?: string,
): Trigger {
  return {
    kind: 'invalid',
    operation,
    pullRequest,
    label,
    error: new InputError(
      `Invalid tenant slug ${quoteUntrusted(raw)} from ${where}: ${SLUG_RULE}.`,
      'Use a slug such as "acme-corp" (the slug column of the tenants table).',
      'invalid-slug',
    ),
  };
}

function resolveSlug(
  operation: Operation,
  found: { slug: string | undefined; source: SlugSource; where: string }[],
  pullRequest: number | undefined,
  label: string | undefined,
  missingHint: string,
): Trigger {
  for (const f of found) {
    if (f.slug === undefined) continue;
    if (!isValidSlug(f.slug)) return invalid(operation, f.slug, f.where, pullRequest, label);
    return { kind: 'run', operation, slug: f.slug, source: f.source, pullRequest, label };
  }
  return {
    kind: 'invalid',
    operation,
    pullRequest,
    label,
    error: new InputError('No tenant named: the trigger fired but no tenant slug was found.', missingHint),
  };
}

export function resolveTrigger(
  event: TriggerEvent,
  inputs: TriggerInputs,
  current?: PullRequestState,
): Trigger {
  const explicit = blankToUndef(inputs.tenantSlug);
  const defaultTenant = blankToUndef(inputs.defaultTenant);

  if (PR_EVENTS.has(event.name)) {
    const action = str(event.payload.action);
    if (action !== 'labeled')
      return { kind: 'skip', reason: `pull request action "${action ?? '?'}" is not "labeled"` };
    const label = str(obj(event.payload.label).name);
    if (label === undefined) return { kind: 'skip', reason: 'the event carries no label' };
    const ours = classifyLabel(label, inputs);
    if (!ours) return { kind: 'skip', reason: `label ${quoteUntrusted(label)} is not a trigger label` };

    const pr = obj(event.payload.pull_request);
    const number = current?.number ?? (typeof pr.number === 'number' ? pr.number : undefined);
    // Re-runs replay the original payload: the PR as it is now decides.
    const labels = current
      ? current.labels
      : (Array.isArray(pr.labels) ? pr.labels : []).map((l) => str(obj(l).name) ?? '');
    if (current && !labels.some((l) => l === label || sameLabel(l, label)))
      return {
        kind: 'skip',
        reason: `label ${quoteUntrusted(label)} has been removed from the pull request since`,
      };
    const title = current?.title ?? str(pr.title) ?? '';
    const body = (current ? current.body : str(pr.body)) ?? '';

    const fromBody = slugFromBody(body);
    if (fromBody.ambiguous && !explicit && ours.slug === undefined && !blankToUndef(slugFromTitle(title))) {
      return {
        kind: 'invalid',
        operation: ours.operation,
        pullRequest: number,
        label,
        error: new InputError(
          `The pull request body names several tenants: ${fromBody.ambiguous
            .slice(0, 5)
            .map((s) => quoteUntrusted(s, 40))
            .join(', ')}.`,
          `Keep one "Tenant: <slug>" line, or use the label "${inputs.label}:<slug>".`,
        ),
      };
    }
    return resolveSlug(
      ours.operation,
      [
        { slug: explicit, source: 'input', where: 'the tenant-slug input' },
        { slug: ours.slug, source: 'label', where: 'the label' },
        { slug: blankToUndef(slugFromTitle(title)), source: 'title', where: 'the pull request title' },
        { slug: blankToUndef(fromBody.slug), source: 'body', where: 'the pull request body' },
        { slug: defaultTenant, source: 'default-tenant', where: 'the default-tenant input' },
      ],
      number,
      label,
      `Name the tenant: use the label "${inputs.label}:<slug>", put "[TENANT: <slug>]" in the title, add a "Tenant: <slug>" line under "## Tenant Information" in the body, or set the default-tenant input.`,
    );
  }

  if (event.name === 'workflow_dispatch') {
    const dispatched = obj(event.payload.inputs);
    const fromEvent = blankToUndef(
      str(dispatched.tenant_slug) ?? str(dispatched['tenant-slug']) ?? str(dispatched.tenant) ?? undefined,
    );
    const opRaw = blankToUndef(str(dispatched.operation));
    const operation: Operation | undefined =
      inputs.operation ?? (opRaw === 'rollback' || opRaw === 'promote' ? opRaw : undefined);
    if (opRaw && opRaw !== 'promote' && opRaw !== 'rollback' && !inputs.operation)
      return {
        kind: 'invalid',
        operation: 'promote',
        pullRequest: inputs.pullRequest,
        error: new InputError(
          `Unknown operation ${quoteUntrusted(opRaw)}.`,
          'The operation input is "promote" or "rollback".',
        ),
      };
    const prRaw = str(dispatched.pull_request) ?? str(dispatched['pull-request']);
    const prFromEvent = prRaw && /^\d{1,10}$/.test(prRaw.trim()) ? Number(prRaw.trim()) : undefined;
    return resolveSlug(
      operation ?? 'promote',
      [
        { slug: explicit, source: 'input', where: 'the tenant-slug input' },
        { slug: fromEvent, source: 'dispatch-input', where: 'the workflow_dispatch inputs' },
      ],
      inputs.pullRequest ?? prFromEvent,
      undefined,
      'Pass the tenant: run the workflow with its tenant_slug input, wired to this action’s tenant-slug input.',
    );
  }

  // Any other event (schedule, workflow_call, push, …) acts only on an explicit slug.
  if (explicit)
    return resolveSlug(
      inputs.operation ?? 'promote',
      [{ slug: explicit, source: 'input', where: 'the tenant-slug input' }],
      inputs.pullRequest,
      undefined,
      '',
    );
  return {
    kind: 'skip',
    reason: `event "${event.name}" carries no tenant and the tenant-slug input is empty`,
  };
}

/**
 * The fast pre-check that needs no API call: could this event be ours at all? A labeled event
 * with somebody else's label is skipped before any network or database access.
 */
export function mightBeOurs(
  event: TriggerEvent,
  inputs: Pick<TriggerInputs, 'label' | 'rollbackLabel'>,
): boolean {
  if (!PR_EVENTS.has(event.name)) return true;
  if (str(event.payload.action) !== 'labeled') return false;
  const label = str(obj(event.payload.label).name);
  return label !== undefined && classifyLabel(label, inputs) !== undefined;
}
