/**
 * Secret redaction: every string that leaves the process (log line, error, comment, output)
 * passes through `redact`, which removes registered secrets and credentials in URLs.
 */
const registered = new Set<string>();

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) registered.add(value);
}

const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]*)(?::[^/\s@]*)?@/gi;
const KEYWORD_PASSWORD = /\b(password|passwd|pwd)=([^\s&;]+)/gi;

export function redact(text: string): string {
  let out = text;
  for (const s of registered) out = out.split(s).join('***');
  return out.replace(URL_CREDENTIALS, '$1$2:***@').replace(KEYWORD_PASSWORD, '$1=***');
}

/** A connection string with its password replaced, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable connection string)';
  }
}
