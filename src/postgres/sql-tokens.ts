/**
 * A small lexer for the SQL PostgreSQL deparses (pg_get_*def, format_type, pg_get_expr, read with
 * `search_path = ''`, so every name is schema-qualified): enough to tell names from string
 * literals, dollar-quoted bodies, quoted identifiers and comments, so that a rewrite of
 * `schema.name` never touches text inside a literal or a function body. Pure.
 */
export type SqlToken =
  | { kind: 'ident'; text: string; /** Case-folded (unquoted) or unescaped (quoted) name. */ name: string }
  | { kind: 'string'; text: string; /** The literal's value (standard strings only). */ value: string }
  | { kind: 'dollar'; text: string; /** The body between the tags. */ body: string }
  | { kind: 'space'; text: string }
  | { kind: 'other'; text: string };

const IDENT_START = /[A-Za-z_\u0080-\uffff]/u;
const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/u;

export function tokenize(sql: string): SqlToken[] {
  const out: SqlToken[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const start = i;
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(sql[i]!)) i++;
      out.push({ kind: 'space', text: sql.slice(start, i) });
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
      out.push({ kind: 'space', text: sql.slice(start, i) });
    } else if (c === '/' && sql[i + 1] === '*') {
      // Block comments nest in PostgreSQL.
      let depth = 0;
      while (i < n) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
          if (depth === 0) break;
        } else i++;
      }
      out.push({ kind: 'space', text: sql.slice(start, i) });
    } else if (c === "'" || ((c === 'E' || c === 'e') && sql[i + 1] === "'")) {
      const escapes = c !== "'";
      i += escapes ? 2 : 1;
      let value = '';
      while (i < n) {
        const d = sql[i]!;
        if (escapes && d === '\\') {
          value += sql[i + 1] ?? '';
          i += 2;
        } else if (d === "'" && sql[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (d === "'") {
          i++;
          break;
        } else {
          value += d;
          i++;
        }
      }
      out.push({ kind: 'string', text: sql.slice(start, i), value });
    } else if (c === '"') {
      i++;
      let name = '';
      while (i < n) {
        if (sql[i] === '"' && sql[i + 1] === '"') {
          name += '"';
          i += 2;
        } else if (sql[i] === '"') {
          i++;
          break;
        } else name += sql[i++];
      }
      out.push({ kind: 'ident', text: sql.slice(start, i), name });
    } else if (c === '$' && /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(sql.slice(i))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))![0];
      const end = sql.indexOf(tag, i + tag.length);
      const stop = end < 0 ? n : end + tag.length;
      out.push({
        kind: 'dollar',
        text: sql.slice(start, stop),
        body: sql.slice(i + tag.length, end < 0 ? n : end),
      });
      i = stop;
    } else if (IDENT_START.test(c)) {
      while (i < n && IDENT_PART.test(sql[i]!)) i++;
      const text = sql.slice(start, i);
      out.push({ kind: 'ident', text, name: text.toLowerCase() });
    } else if (/[0-9]/.test(c)) {
      while (i < n && /[0-9A-Za-z_.]/.test(sql[i]!)) i++;
      out.push({ kind: 'other', text: sql.slice(start, i) });
    } else {
      out.push({ kind: 'other', text: c });
      i++;
    }
  }
  return out;
}

/** `schema.name` pairs named in `sql` outside literals and bodies (the first two parts of a longer chain). */
export function qualifiedNames(tokens: readonly SqlToken[]): { schema: string; name: string; at: number }[] {
  const out: { schema: string; name: string; at: number }[] = [];
  for (let k = 0; k + 2 < tokens.length; k++) {
    const a = tokens[k]!;
    const dot = tokens[k + 1]!;
    const b = tokens[k + 2]!;
    if (a.kind !== 'ident' || dot.text !== '.' || b.kind !== 'ident') continue;
    // `x.schema.name` is a column of a table, not a schema-qualified name.
    if (k > 0 && tokens[k - 1]!.text === '.') continue;
    out.push({ schema: a.name, name: b.name, at: k });
  }
  return out;
}

/** Parses a qualified name written as a literal (`'public.orders_id_seq'::regclass`). */
export function parseQualifiedLiteral(value: string): { schema: string; name: string } | null {
  const parts = tokenize(value).filter((t) => t.kind !== 'space');
  if (parts.length !== 3 || parts[1]!.text !== '.') return null;
  const [a, , b] = parts;
  if (a!.kind !== 'ident' || b!.kind !== 'ident') return null;
  return { schema: a!.name, name: b!.name };
}

const wordSet = (words: string) => new Set(words.split(/\s+/).filter(Boolean));
/** Words after a FROM item that are not its alias (clause and join keywords). */
const NOT_ALIAS = wordSet(`
  where join inner left right full outer cross natural on using group having order limit
  offset fetch union intersect except window for returning set tablesample with lateral do
  values select default overriding into from as and or not is in when then else end only of
  to by nowait skip cascade restrict`);
/** Keywords that end a FROM clause at its level. */
const ENDS_FROM = wordSet(`
  where group having order limit offset fetch union intersect except window returning select
  set for values`);

/**
 * What a statement's FROM clauses declare: the range variables (aliases, and the bare name of an
 * unaliased table or function) — the names a column reference `alias.column` starts with — and
 * the token indices where a FROM item (a relation) starts. A light scan, not a parser: it reads
 * FROM / JOIN / UPDATE / INTO / USING items and comma-separated FROM lists of SELECT-like levels
 * (a FROM inside a function call's parentheses — `extract(epoch FROM t.at)` — or after DISTINCT
 * is no clause), CTE names (`name AS (`), and OLD/NEW of triggers and rules.
 */
export function rangeVariables(tokens: readonly SqlToken[]): {
  declared: Set<string>;
  relationAt: Set<number>;
} {
  const idx: number[] = [];
  tokens.forEach((t, i) => {
    if (t.kind !== 'space') idx.push(i);
  });
  const at = (j: number): SqlToken | undefined => (j >= 0 ? tokens[idx[j]!] : undefined);
  const kw = (j: number, ...words: string[]) => {
    const t = at(j);
    return t?.kind === 'ident' && !t.text.startsWith('"') && words.includes(t.name);
  };
  const closing = (j: number) => {
    let depth = 0;
    for (let k = j; k < idx.length; k++) {
      if (at(k)!.text === '(') depth++;
      else if (at(k)!.text === ')' && --depth === 0) return k;
    }
    return idx.length;
  };
  const declared = new Set<string>();
  const relationAt = new Set<number>();
  /** The alias at `j` (after WITH ORDINALITY, AS), if any: declared. */
  const aliasAt = (j: number): boolean => {
    if (kw(j, 'with') && kw(j + 1, 'ordinality')) j += 2;
    if (kw(j, 'as')) j++;
    const t = at(j);
    if (t?.kind !== 'ident' || (!t.text.startsWith('"') && NOT_ALIAS.has(t.name)) || at(j + 1)?.text === '.')
      return false;
    declared.add(t.name);
    return true;
  };
  const item = (j: number): void => {
    while (kw(j, 'lateral', 'only')) j++;
    const t = at(j);
    if (!t) return;
    if (t.text === '(') {
      aliasAt(closing(j) + 1);
      return;
    }
    if (t.kind !== 'ident' || (!t.text.startsWith('"') && NOT_ALIAS.has(t.name))) return;
    relationAt.add(idx[j]!);
    let k = j;
    while (at(k + 1)?.text === '.' && at(k + 2)?.kind === 'ident') k += 2;
    const end = at(k + 1)?.text === '(' ? closing(k + 1) + 1 : at(k + 1)?.text === '*' ? k + 2 : k + 1;
    const last = at(k)!;
    if (!aliasAt(end) && last.kind === 'ident') declared.add(last.name);
  };
  // GRANT … ON x FROM role, REVOKE … FROM PUBLIC: no range variables (PUBLIC is no alias).
  if (kw(0, 'grant', 'revoke')) return { declared, relationAt };
  // A level is a query once SELECT (or a statement's DELETE, INSERT, UPDATE) is seen in it: only
  // there does FROM start a FROM clause (not in `FOR VALUES FROM (…)`, `CREATE STATISTICS … FROM`).
  const levels: { query: boolean; inFrom: boolean }[] = [{ query: false, inFrom: false }];
  for (let j = 0; j < idx.length; j++) {
    const t = at(j)!;
    const level = levels[levels.length - 1]!;
    if (t.text === '(') {
      levels.push({ query: kw(j + 1, 'select', 'with', 'values'), inFrom: false });
      continue;
    }
    if (t.text === ')') {
      if (levels.length > 1) levels.pop();
      continue;
    }
    if (t.text === ';') Object.assign(level, { query: false, inFrom: false });
    else if (t.text === ',' && level.inFrom) item(j + 1);
    if (t.kind !== 'ident') continue;
    // A CTE: `name AS (` or `name AS [NOT] MATERIALIZED (`.
    if (kw(j + 1, 'as') && (at(j + 2)?.text === '(' || kw(j + 2, 'materialized', 'not')))
      declared.add(t.name);
    if (t.text.startsWith('"')) continue;
    const startsStatement = j === 0 || at(j - 1)!.text === ';' || at(j - 1)!.text === ')';
    if (t.name === 'select' || (startsStatement && ['delete', 'insert', 'update'].includes(t.name)))
      level.query = true;
    if (t.name === 'from' && level.query && !kw(j - 1, 'distinct')) {
      level.inFrom = true;
      item(j + 1);
    } else if (t.name === 'join') item(j + 1);
    else if ((t.name === 'update' || t.name === 'into' || t.name === 'using') && level.query) item(j + 1);
    else if (ENDS_FROM.has(t.name)) level.inFrom = false;
  }
  if (
    kw(0, 'create') &&
    tokens.some((t) => t.kind === 'ident' && (t.name === 'trigger' || t.name === 'rule'))
  ) {
    declared.add('old');
    declared.add('new');
  }
  if (tokens.some((t) => t.kind === 'ident' && t.name === 'conflict')) declared.add('excluded');
  return { declared, relationAt };
}

/**
 * The `schema.name` pairs of `qualifiedNames` that name objects (relations, types, functions),
 * not columns. `a.b` where `a` is a range variable of the statement (rangeVariables, or one of
 * `aliases` — declared around a fragment, like the plan's `t`) is a column reference unless its
 * position says otherwise: a FROM item, a cast (`::a.b`, `AS a.b`), REFERENCES or TABLE before
 * it, a call (`a.b(`) or a longer chain (`a.b.c`, schema.table.column) after it. That is how
 * PostgreSQL reads it: in an expression `a.b` is a column of range variable `a`. Without this, a
 * source schema named like an alias (`t`, holding a table `title`) would turn `t."title"` into
 * `"tenant_x_t"."title"`.
 */
export function objectNames(
  tokens: readonly SqlToken[],
  aliases: readonly string[] = [],
): { schema: string; name: string; at: number }[] {
  const { declared, relationAt } = rangeVariables(tokens);
  for (const a of aliases) declared.add(a);
  const prev = (k: number, n: number): SqlToken | undefined => {
    let j = k - 1;
    for (let seen = 0; j >= 0; j--) {
      if (tokens[j]!.kind === 'space') continue;
      if (++seen === n) return tokens[j];
    }
    return undefined;
  };
  const next = (k: number): SqlToken | undefined => {
    let j = k + 1;
    while (j < tokens.length && tokens[j]!.kind === 'space') j++;
    return tokens[j];
  };
  const isObject = (q: { schema: string; at: number }) => {
    if (!declared.has(q.schema) || relationAt.has(q.at)) return true;
    const after = next(q.at + 2)?.text;
    if (after === '(' || after === '.') return true;
    const p = prev(q.at, 1);
    if (p?.text === ':' && prev(q.at, 2)?.text === ':') return true;
    return (
      p?.kind === 'ident' &&
      !p.text.startsWith('"') &&
      ['as', 'references', 'table', 'into', 'join', 'only', 'update'].includes(p.name)
    );
  };
  return qualifiedNames(tokens).filter(isObject);
}
