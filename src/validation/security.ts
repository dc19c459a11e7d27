import { readFile } from 'node:fs/promises';
import { capDetails, fail, pass, type Check } from './check';

/** `scheme://user:password@` with a password that is not a placeholder. */
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@'"]*:([^/\s@'"]+)@/gi;
const PLACEHOLDER = /^(\*+|x+|<[^>]*>|\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|password|redacted)$/i;
/** `password=...` in a libpq keyword string. */
const KEYWORD_PASSWORD = /\bpassword\s*=\s*([^\s&;'"]+)/gi;

/** Pure: where a text leaks a secret, as `where:line: what` (never the secret itself). */
export function findLeaks(where: string, text: string, secrets: string[]): string[] {
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  // A password inside a URL is percent-encoded: look for both spellings.
  const usable = secrets
    .map((s, n) => ({ n, spellings: [...new Set([s, encodeURIComponent(s)])] }))
    .filter(({ spellings }) => (spellings[0] ?? '').length >= 4);
  const found = (hay: string, spellings: string[]) => spellings.some((s) => hay.includes(s));
  lines.forEach((line, i) => {
    const at = `${where}:${i + 1}`;
    for (const { n, spellings } of usable)
      if (found(line, spellings)) out.push(`${at}: contains secret #${n + 1}`);
    for (const m of line.matchAll(URL_CREDENTIALS)) {
      if (!PLACEHOLDER.test(m[1] ?? '')) out.push(`${at}: a URL with a password`);
    }
    for (const m of line.matchAll(KEYWORD_PASSWORD)) {
      if (!PLACEHOLDER.test(m[1] ?? '')) out.push(`${at}: a password= setting`);
    }
  });
  // A secret split across lines (e.g. wrapped output) is still a leak.
  const joined = lines.join('');
  for (const { n, spellings } of usable) {
    if (!found(text, spellings) && found(joined, spellings))
      out.push(`${where}: contains secret #${n + 1} wrapped across lines`);
  }
  return out;
}

/** No secret in the written config files, the outputs or the rendered texts (comment, summary). */
export const security: Check = {
  name: 'security',
  title: 'Security',
  async run(ctx) {
    const leaks: string[] = [];
    const unreadable: string[] = [];
    for (const file of ctx.filesToScan) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        unreadable.push(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
        continue;
      }
      leaks.push(...findLeaks(file, text, ctx.secrets));
    }
    ctx.textsToScan.forEach((text, i) => leaks.push(...findLeaks(`text #${i + 1}`, text, ctx.secrets)));
    if (leaks.length) return fail(`secret found: ${leaks[0]}`, capDetails([...leaks, ...unreadable]));
    if (unreadable.length) return fail(`cannot scan ${unreadable[0]}`, capDetails(unreadable));
    const n = ctx.filesToScan.length + ctx.textsToScan.length;
    if (ctx.secrets.length === 0)
      return pass(`${n} file(s)/text(s) scanned for URL credentials (no secret given)`);
    return pass(`${n} file(s)/text(s) scanned: no secret, no URL credentials`);
  },
};
