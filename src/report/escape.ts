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
