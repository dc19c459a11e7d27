import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `pg_dump --schema-only --no-owner --no-privileges` of a database (pg_dump is the test oracle). */
export async function dumpSchema(url: string): Promise<string> {
  const { stdout } = await run(
    'pg_dump',
    ['--schema-only', '--no-owner', '--no-privileges', '--exclude-schema=_tenant_isolation', '--dbname', url],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return stdout;
}

export interface NormaliseOptions {
  /** Role renames to apply (source role -> target role), matched as whole identifiers. */
  roles?: ReadonlyMap<string, string>;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A dump as a sorted list of statement blocks: pg_dump writes a comment header before each
 * object, so the blocks are the runs of lines between comment lines. SET lines, the
 * search_path reset, comments and blank lines are dropped, and blocks are sorted so that
 * ordering differences (pg_dump sorts partly by OID) do not count.
 */
export function normaliseDump(dump: string, options: NormaliseOptions = {}): string[] {
  const blocks: string[] = [];
  let current: string[] = [];
  const flush = () => {
    if (current.length) blocks.push(current.join('\n'));
    current = [];
  };
  for (const raw of dump.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (line.startsWith('--')) {
      flush();
      continue;
    }
    if (line === '' || /^SET /.test(line) || /^SELECT pg_catalog\.set_config\('search_path'/.test(line))
      continue;
    if (/^\\(un)?restrict /.test(line)) continue; // pg_dump >= 17.6 adds \restrict <random key>
    current.push(line);
  }
  flush();
  let out = blocks;
  for (const [from, to] of options.roles ?? []) {
    const re = new RegExp(`(?<![\\w$"])("?)${escapeRe(from)}\\1(?![\\w$"])`, 'g');
    out = out.map((b) => b.replace(re, to));
  }
  return out.sort();
}

/** Blocks present in one list and not the other (multiset difference both ways). */
export function diffBlocks(a: string[], b: string[]): { onlyA: string[]; onlyB: string[] } {
  const count = new Map<string, number>();
  for (const x of a) count.set(x, (count.get(x) ?? 0) + 1);
  const onlyB: string[] = [];
  for (const x of b) {
    const n = count.get(x) ?? 0;
    if (n > 0) count.set(x, n - 1);
    else onlyB.push(x);
  }
  const onlyA: string[] = [];
  for (const [x, n] of count) for (let i = 0; i < n; i++) onlyA.push(x);
  return { onlyA: onlyA.sort(), onlyB: onlyB.sort() };
}
