/**
 * Markdown escaping for untrusted text (PR titles, labels, error messages, table names) placed in a
 * GitHub comment or job summary. The output is one line of inert text: it cannot close a table
 * cell, open HTML, start a code span, link, mention a user or reference an issue.
 */
// Control, zero-width and bidi characters (U+061C is the Arabic letter mark, a bidi control): shown as
// \uXXXX, never passed through.
const CONTROL =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/gu;

export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? chars.slice(0, Math.max(0, max - 1)).join('') + '…' : text;
}

/** One line of untrusted text, safe inside a table cell or a paragraph. */
export function escapeInline(text: string, max = 500): string {
  const oneLine = truncate(
    String(text)
      .replace(/\r\n?|\n/g, ' ')
      .replace(CONTROL, (c) => visible(c)),
    max,
  );
  return (
    oneLine
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      // Markdown punctuation that can act mid-line (emphasis, code, links, table cells, strike,
      // issue references, autolinks). List and heading markers cannot: the text never starts a line.
      .replace(/[\\`*_[\]#|~:]/g, (c) => (c === '#' ? '&#35;' : c === ':' ? '&#58;' : `\\${c}`))
      // "@user" would notify the user; a zero-width space breaks the mention but reads the same.
      .replace(/@/g, '@&#8203;')
  );
}

/** A slug or an identifier in a code span when it is plain, else escaped text. */
export function code(text: string, max = 120): string {
  return /^[A-Za-z0-9_.$/:-]+$/.test(text) && text.length <= max ? `\`${text}\`` : escapeInline(text, max);
}

function visible(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  return `\\u${cp.toString(16).padStart(4, '0')}`;
}

/** `"…"` as quoteUntrusted (names.ts) writes it: JSON string syntax, `\u{…}` for astral code points. */
const QUOTED = /"((?:[^"\\]|\\.)*)"/y;

/** Decodes a quoteUntrusted literal (the text between its quotes); undefined if it is not one. */
function unquoteUntrusted(body: string): string | undefined {
  try {
    const json = body.replace(/\\u\{([0-9a-f]+)\}/giu, (_m, hex: string) => {
      const cp = Number.parseInt(hex, 16);
      return String.fromCodePoint(cp)
        .split('')
        .map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`)
        .join('');
    });
    const out: unknown = JSON.parse(`"${json}"`);
    return typeof out === 'string' ? out : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A sample key, given as the JSON text of an array of its column values, the way the key names it:
 * `42`, `3f2a…`, `(1, "a b")`; longer than `max` characters, cut with an ellipsis.
 */
export function keySample(json: string | null | undefined, max = 80): string {
  if (!json) return '';
  let shown: string;
  try {
    const parsed: unknown = JSON.parse(json);
    if (!Array.isArray(parsed) || parsed.length === 0) return quoteSample(json.slice(0, max));
    const values = parsed.map(sampleValue);
    shown = values.length === 1 ? values[0]! : `(${values.join(', ')})`;
  } catch {
    return quoteSample(json.slice(0, max));
  }
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}

/** One sample value as a reader expects it: numbers and plain words bare, other text quoted. */
function sampleValue(v: unknown): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') {
    // Printable ASCII words (uuids, codes, timestamps) bare; anything else quoted and escaped so
    // homoglyphs and control characters stay visible.
    return /^[A-Za-z0-9_.:+@/-]+$/.test(v) ? v : quoteSample(v);
  }
  return quoteSample(JSON.stringify(v));
}

function quoteSample(text: string): string {
  return JSON.stringify(text).replace(/[^\x20-\x7e]/gu, (c) => {
    const cp = c.codePointAt(0) ?? 0;
    return cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  });
}

/**
 * Sample keys of blocking rows as values. The plan's blockers (postgres/plan-check.ts) quote a
 * sample key as the JSON text of an array (`id = "[\"3f2a…\"]"`, `(a, b) = "[1, \"x\"]"`); this
 * writes it the way the key names it: `id = 3f2a…`, `(a, b) = (1, x)`. Other text is unchanged;
 * a sample cut short (…) loses only its JSON quoting.
 */
export function plainSamples(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('= "[', i);
    if (at < 0) break;
    QUOTED.lastIndex = at + 2;
    const m = QUOTED.exec(text);
    const inner = m ? unquoteUntrusted(m[1]!) : undefined;
    if (!m || inner === undefined) {
      out += text.slice(i, at + 4);
      i = at + 4;
      continue;
    }
    let values: string | undefined;
    try {
      const parsed: unknown = JSON.parse(inner);
      if (Array.isArray(parsed) && parsed.length > 0) {
        const shown = parsed.map(sampleValue);
        values = shown.length === 1 ? shown[0]! : `(${shown.join(', ')})`;
      }
    } catch {
      // Cut short: its text without the array's bracket, escaped where it is not printable ASCII.
      if (inner.endsWith('…'))
        values = inner.slice(1).replace(/[^\x20-\x7e]/gu, (c) => quoteSample(c).slice(1, -1));
    }
    if (values === undefined) {
      out += text.slice(i, at + 4);
      i = at + 4;
      continue;
    }
    out += `${text.slice(i, at)}= ${values}`;
    i = at + 2 + m[0].length;
  }
  return out + text.slice(i);
}
