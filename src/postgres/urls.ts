/** The same server and credentials, another database. */
export function databaseUrl(base: string, database: string): string {
  const u = new URL(base);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** The same server and database, another user and password (for checks that connect as the tenant role). */
export function urlAs(base: string, user: string, password: string): string {
  const u = new URL(base);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString();
}

/** Host and port the tenant's application should use: the override, or the URL's own. */
export function hostAndPort(url: string, override?: string): { host: string; port: number } {
  if (override) {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(override);
    if (m) return { host: m[1]!, port: m[2] ? Number(m[2]) : 5432 };
  }
  const u = new URL(url);
  return { host: u.hostname || 'localhost', port: u.port ? Number(u.port) : 5432 };
}
