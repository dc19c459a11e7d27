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
