/**
 * The comment and job summary of a large promotion, checked as GitHub renders them: `node
 * dist/index.js` promotes a tenant of 300 tables (some with hostile names: pipes, backticks,
 * entities, HTML, mentions, emphasis) and a CommonMark + GFM-tables renderer (markdown-it) renders
 * what reached the fake GitHub API and the summary file. Every table keeps its columns, every
 * table name reads back exactly as PostgreSQL spells it, no HTML entity shows literally inside a
 * code span, and both stay under GitHub's limits (65,536 characters for a comment, 1 MiB for a
 * summary). The mermaid block is checked against the gantt task-line shape only: mermaid's own
 * parser needs a browser DOM (and @mermaid-js/parser has no gantt grammar).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import MarkdownIt from 'markdown-it';
import pg from 'pg';
import { COMMENT_LIMIT } from '../../src/report/render';
import { FakeGitHub, pullRequestPayload } from '../support/fake-github';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { withClient } from '../support/pg';
import { DIST, MAIN, OWNER, REPO, runAction, RUNTIME_WARNING, type RunResult } from '../support/run-action';

const TABLES = 300;
const SUMMARY_LIMIT_BYTES = 1024 * 1024;
/** Names GitHub's markdown would mangle if they were not escaped. */
const HOSTILE = [
  'a|b',
  'tick`x`',
  'amp&amp;lt',
  '<b>bold</b>',
  '@octocat',
  '_em_*st*',
  '[link](x)',
  '~~del~~',
  'hash#1',
  'back\\slash',
  'colon:semi;',
  '&#64;ent',
];

const md = new MarkdownIt({ html: true });

interface HtmlTable {
  header: string[];
  rows: string[][];
}

/** &lt; &gt; &amp; &quot; and numeric entities back to text (what a reader sees). */
function decode(html: string): string {
  return html
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** The visible text of a cell: tags dropped, entities decoded, zero-width spaces removed. */
function cellText(html: string): string {
  return decode(html.replace(/<[^>]+>/g, '')).replace(/\u200b/g, '');
}

function tables(html: string): HtmlTable[] {
  return [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((m) => {
    const rows = [...m[1]!.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
      [...r[1]!.matchAll(/<t[hd](?: [^>]*)?>([\s\S]*?)<\/t[hd]>/g)].map((c) => cellText(c[1]!)),
    );
    return { header: rows[0] ?? [], rows: rows.slice(1) };
  });
}

/** Source rows of every GFM table: the number of cells GitHub splits each line into. */
function sourceRowWidths(markdown: string): { line: string; cells: number; header: number }[] {
  const out: { line: string; cells: number; header: number }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!/^\|.*\|$/.test(lines[i]!) || !/^\|( *:?-+:? *\|)+$/.test(lines[i + 1]!)) continue;
    const width = (l: string) => l.replace(/\\\\|\\\|/g, 'x').split('|').length - 2;
    const header = width(lines[i]!);
    for (let j = i + 2; j < lines.length && /^\|/.test(lines[j]!); j++)
      out.push({ line: lines[j]!, cells: width(lines[j]!), header });
  }
  return out;
}

function checkRendered(where: string, markdown: string, names: string[], expectAll: boolean): void {
  // Every row has as many cells as its header: a `|` inside a cell would add one (and GitHub would drop it).
  for (const r of sourceRowWidths(markdown))
    assert.equal(
      r.cells,
      r.header,
      `${where}: a table row splits into ${r.cells} cells, not ${r.header}: ${r.line}`,
    );
  const html = md.render(markdown);
  // No HTML entity written inside a code span: GitHub would show it as typed (`&amp;lt;`).
  for (const m of html.matchAll(/<code(?: [^>]*)?>([\s\S]*?)<\/code>/g)) {
    if (/class="language-mermaid"/.test(m[0])) continue;
    assert.doesNotMatch(
      m[1]!,
      /&amp;(#\d+|#x[0-9a-f]+|[a-z]+);/i,
      `${where}: an entity inside a code span: ${m[1]}`,
    );
  }
  // Table names read back exactly: escaped, not mangled into links, emphasis, mentions or HTML.
  const cells = new Set(tables(html).flatMap((t) => t.rows.flat()));
  const found = names.filter((n) => [...cells].some((c) => c === n || c.endsWith(`.${n}`)));
  if (expectAll)
    assert.deepEqual(
      names.filter((n) => !found.includes(n)),
      [],
      `${where}: tables missing`,
    );
  else assert.ok(found.length > 0, `${where}: no table name found in any table cell`);
  assert.doesNotMatch(
    html,
    /<b>bold<\/b>|<a href="x"|<del>|<em>em<\/em>/,
    `${where}: hostile markup rendered`,
  );
  // The mermaid gantt: task lines `name :tags, id, start, end`, the name free of `:`, `#` and `;`.
  const gantt = /<code class="language-mermaid">([\s\S]*?)<\/code>/.exec(html);
  if (gantt) {
    const lines = decode(gantt[1]!).trim().split('\n');
    assert.equal(lines[0], 'gantt', `${where}: mermaid block is a gantt`);
    for (const l of lines.slice(1).filter((x) => !/^\s*(dateFormat|axisFormat|section|title)\b/.test(x)))
      assert.match(
        l,
        /^\s+[^:#;\n]+ :(\w+, )*\w+, \d+, \d+$/,
        `${where}: mermaid task line ${JSON.stringify(l)}`,
      );
  }
}

describe('the comment and summary of a 300-table promotion, as GitHub renders them', () => {
  let work: string;
  let fixture: SharedFixture;
  let github: FakeGitHub;
  const names: string[] = [];

  before(async () => {
    assert.ok(existsSync(MAIN), `no build at ${DIST}: run npm run package`);
    work = mkdtempSync(join(tmpdir(), 'promote-e2e-render-'));
    fixture = await createSharedFixture({ rows: 5 });
    for (let i = 0; i < TABLES; i++)
      names.push(i < HOSTILE.length ? `t${i} ${HOSTILE[i]}` : `wide_table_${i}`);
    await withClient(fixture.url, async (c) => {
      const sql = names.map((n) => {
        const t = pg.escapeIdentifier(n);
        return `CREATE TABLE public.${t} (id bigserial PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES tenants(id), note text);
                INSERT INTO public.${t} (tenant_id, note) SELECT id, 'x' FROM tenants WHERE slug = ${pg.escapeLiteral(fixture.tenants.main)};`;
      });
      await c.query(sql.join('\n'));
      // As the fixture's own tables: the application role may use them. The last one PUBLIC may
      // read in the shared database too, until the second run: the tenant's role could read it
      // there, so the first run fails access control.
      const granted = names.map((n) => `public.${pg.escapeIdentifier(n)}`);
      await c.query(
        `GRANT SELECT, INSERT, UPDATE, DELETE ON ${granted.join(', ')} TO ${pg.escapeIdentifier(fixture.appRole)};
         GRANT SELECT ON public.${pg.escapeIdentifier(names.at(-1)!)} TO PUBLIC`,
      );
    });
    github = new FakeGitHub({ owner: OWNER, repo: REPO, permissions: { Codertocat: 'admin' } });
    await github.start();
  });
  after(async () => {
    await github?.stop();
    await fixture?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  async function promote(t: { diagnostic(m: string): void }): Promise<{ r: RunResult; comment: string }> {
    const slug = fixture.tenants.main;
    const label = `promote-tenant:${slug}`;
    const number = 7;
    github.pulls.set(number, {
      number,
      title: 'Promote',
      body: null,
      labels: [label],
      headRepo: `${OWNER}/${REPO}`,
      baseRepo: `${OWNER}/${REPO}`,
    });
    const started = Date.now();
    const r = await runAction(MAIN, {
      work,
      githubUrl: github.url,
      eventName: 'pull_request',
      payload: pullRequestPayload({ number, label, sender: 'Codertocat' }),
      // 311 tables verified while frozen take longer than the default 2 s on a small machine.
      inputs: { 'database-url': fixture.url, 'keep-shared-data': 'true', 'max-freeze': '60s' },
    });
    const comment = github.commentsOn(number)[0]?.body ?? '';
    t.diagnostic(
      `${r.outputs.result} in ${Date.now() - started} ms; comment ${comment.length} characters, summary ${Buffer.byteLength(r.summary)} bytes`,
    );
    assert.doesNotMatch(r.stderr, RUNTIME_WARNING);
    assert.ok(comment.length > 0, 'a comment was written');
    assert.ok(comment.length <= COMMENT_LIMIT, `comment of ${comment.length} characters`);
    assert.ok(Buffer.byteLength(r.summary) <= SUMMARY_LIMIT_BYTES, 'summary under 1 MiB');
    // 300 tables do not fit in a comment: it ends with a pointer to the job summary, which has them all.
    assert.match(comment, /the full report is in the job summary/);
    return { r, comment };
  }

  it('a failing check (a shared table the tenant role may read through PUBLIC): rendered intact', async (t) => {
    const { r, comment } = await promote(t);
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.outputs.result, 'failed');
    assert.match(comment, /Access control/);
    checkRendered('comment', comment, names, false);
    checkRendered('summary', r.summary, names, true);
  });

  it('the promotion: within the limits, every table and name intact', async (t) => {
    await withClient(fixture.url, (c) =>
      c.query(`REVOKE SELECT ON public.${pg.escapeIdentifier(names.at(-1)!)} FROM PUBLIC`),
    );
    const { r, comment } = await promote(t);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.outputs.result, 'promoted', r.stdout);
    checkRendered('comment', comment, names, false);
    checkRendered('summary', r.summary, names, true);
  });
});
