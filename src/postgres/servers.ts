import { databaseUrl, hostAndPort } from './urls';

/**
 * The two servers a promotion works with, and the one place that knows them: the **shared**
 * server, which holds the shared database (the tenants table, the claim, the snapshot the rows
 * are read at), and the **target** server, which receives the tenant's roles and database.
 * Without `target-database-url` they are the same server (the tenant's database is created next
 * to the shared one). Every step asks this for its URLs instead of deriving them itself.
 */
export interface Servers {
  /** The shared database (admin role): tenants table, claim, snapshot, cleanup. */
  readonly sharedUrl: string;
  /**
   * An administrative session on the target server (a role with CREATEDB and CREATEROLE): where
   * the tenant's roles and database are created, renamed and dropped. The shared database's URL
   * when the target is the shared server.
   */
  readonly targetAdminUrl: string;
  /** True when the target is another server than the shared one (target-database-url given). */
  readonly separate: boolean;
  /** The tenant's (or any) database on the target server, as its admin role. */
  tenantDatabaseUrl(database: string): string;
  /** Host and port the tenant's application should use: the override, else the target's own. */
  applicationHost(override?: string): { host: string; port: number };
  /** Passwords in the two URLs, to be registered as secrets. */
  readonly passwords: string[];
}

export interface ServerOptions {
  databaseUrl: string;
  targetDatabaseUrl?: string;
  /** A PEM file of the CA that signed the target server's certificate (sslmode=verify-full). */
  targetCaFile?: string;
}

/** Builds the servers from options, once per run (pure: no connection is opened). */
export function serversFrom(options: ServerOptions): Servers {
  const sharedUrl = options.databaseUrl;
  const target = options.targetDatabaseUrl?.trim();
  // A target URL naming the shared server itself is today's behaviour: one server, one admin.
  const separate = !!target && !sameServer(sharedUrl, target);
  const targetAdminUrl = separate ? withTls(target, options.targetCaFile) : sharedUrl;
  return {
    sharedUrl,
    targetAdminUrl,
    separate,
    tenantDatabaseUrl: (database) => databaseUrl(targetAdminUrl, database),
    applicationHost: (override) => hostAndPort(targetAdminUrl, override),
    passwords: [passwordOf(sharedUrl), passwordOf(targetAdminUrl)].filter((p): p is string => !!p),
  };
}

/**
 * The target URL with the CA file as `sslrootcert` and, unless the URL says otherwise,
 * `sslmode=verify-full` (the certificate must be signed by that CA and name the host). `pg`
 * reads the file itself when it parses the connection string.
 */
export function withTls(url: string, caFile: string | undefined): string {
  if (!caFile) return url;
  const u = new URL(url);
  u.searchParams.set('sslrootcert', caFile);
  if (!u.searchParams.has('sslmode')) u.searchParams.set('sslmode', 'verify-full');
  return u.toString();
}

/**
 * Whether two URLs name the same server (host and port, case-insensitively). A target URL that
 * names the shared server is the default behaviour, not a second server.
 */
export function sameServer(a: string, b: string): boolean {
  const x = hostAndPort(a);
  const y = hostAndPort(b);
  return x.host.toLowerCase() === y.host.toLowerCase() && x.port === y.port;
}

/** Host and port of a URL, for messages and records (never its credentials). */
export function serverName(url: string): string {
  const { host, port } = hostAndPort(url);
  return `${host}:${port}`;
}

function passwordOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

/** Why a TLS connection was refused, when it was the certificate (Node's verification codes). */
export type TlsRefusal = 'untrusted' | 'wrong-name' | 'expired';

const TLS_CODES: Readonly<Record<string, TlsRefusal>> = {
  SELF_SIGNED_CERT_IN_CHAIN: 'untrusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'untrusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'untrusted',
  UNABLE_TO_GET_ISSUER_CERT: 'untrusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'untrusted',
  CERT_SIGNATURE_FAILURE: 'untrusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'wrong-name',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'expired',
};

/**
 * The certificate problem behind a failed connection (searching the error's causes), or
 * undefined when it was something else: a refused certificate is a configuration to fix, not a
 * server that cannot be reached.
 */
export function tlsRefusal(e: unknown): TlsRefusal | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_CODES[code]) return TLS_CODES[code];
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}
