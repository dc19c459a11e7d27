import pg from 'pg';
import { PromotionError } from '../errors';
import { redact, safeUrl } from '../secrets';
import { TENANT_ID_SETTING } from './plan-types';

/**
 * Connection settings every session of a promotion uses: TCP keepalives (a dead runner's session
 * and its advisory lock go away promptly), a bounded connect time, and an application name that
 * makes our sessions recognisable in pg_stat_activity.
 */
/**
 * The startup settings of the tool's sessions before TimeZone, DateStyle and IntervalStyle were
 * fixed: a schema recorded at the switch by an earlier version was printed under the database's
 * own settings, and is compared with the schema read the same way (schema-fingerprint.ts).
 */
export const SESSION_OPTIONS_WITH_DATABASE_TEXT_FORMS =
  '-c jit=off -c default_transaction_isolation=read\\ committed';

/**
 * No timeout inherited from the server, database or role (a managed database's
 * `statement_timeout = 30s` would cancel a long COPY, its `idle_in_transaction_session_timeout`
 * the session holding the exported snapshot while the copy runs): the run bounds what must be
 * bounded itself (`set_config` of lock and statement timeouts around the freeze and cleanup; the
 * checks' connections pass their budget as `statement_timeout`, which takes precedence).
 */
const SESSION_TIMEOUTS = '-c statement_timeout=0 -c lock_timeout=0 -c idle_in_transaction_session_timeout=0';

/**
 * Startup settings of every session the tool opens. TimeZone, DateStyle and IntervalStyle too:
 * the catalog prints defaults and constants in the reading session's settings (a timestamptz
 * default reads '2024-01-01 00:00:00-05' under a database's `ALTER DATABASE … SET TimeZone`), so
 * the schema read from the shared database, cloned, and compared with the tenant's must be read
 * under one set of settings on every database (review r17: a shared database with its own
 * TimeZone or DateStyle failed schema parity). Startup options take precedence over the
 * database's and role's own settings.
 */
const SESSION_OPTIONS_BUT_SEARCH_PATH = `${SESSION_OPTIONS_WITH_DATABASE_TEXT_FORMS} -c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=postgres ${SESSION_TIMEOUTS}`;

/**
 * The catalog prints a name schema-qualified unless its schema is on the reading session's
 * search_path: the shared database's `ALTER DATABASE … SET search_path` (which the tenant's
 * database gets too, or not) would make the two sides print one column type differently
 * (`public.money_amount` against `money_amount`) and fail parity. PostgreSQL's default path here,
 * the one the clone's DDL is applied under (schema-clone.ts) and fingerprints were recorded under.
 */
export const SESSION_OPTIONS = `${SESSION_OPTIONS_BUT_SEARCH_PATH} -c search_path="$user",public`;

/** For a session as the tenant's application role: its own search_path is what is checked. */
export const APPLICATION_SESSION_OPTIONS = SESSION_OPTIONS_BUT_SEARCH_PATH;

export function clientConfig(url: string, extra: Partial<pg.ClientConfig> = {}): pg.ClientConfig {
  return {
    connectionString: url,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'tenant-promotion',
    connectionTimeoutMillis: 10_000,
    // Set per session, not inherited from the server or database defaults: JIT off (the run's
    // queries are short and planned once; compiling cost seconds per query on a table of many
    // partitions, under the freeze); READ COMMITTED (a transaction that waits for a row lock must
    // then see what the lock holder committed — under a REPEATABLE READ default the freeze would
    // miss a write committed while it waited, and two slot reservations could take the same slot).
    options: SESSION_OPTIONS,
    ...extra,
  };
}

/** A hint that names the likely fix for a connection failure. */
function connectHint(e: unknown, url: string): string {
  const code = (e as { code?: string } | null)?.code;
  const where = safeUrl(url);
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
      return `Check that PostgreSQL is running and reachable from this machine at ${where}.`;
    case '28P01':
    case '28000':
      return 'Check the user and password in the connection string (and pg_hba.conf on the server).';
    case '3D000':
      return 'The database in the connection string does not exist; check its name.';
    case '53300':
      return 'The server has no free connection slots; lower copy-parallelism or raise max_connections.';
    default:
      return `Check the connection string (${where}) and that the server accepts connections from this machine.`;
  }
}

/** Opens a client; failures become PromotionError('database') without credentials in the text. */
export async function connect(url: string, extra: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(url, extra));
  // An idle session killed by the server emits 'error'; unhandled, that would crash the process.
  // The next query on the client fails and reports it.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => {});
    const message = e instanceof Error ? e.message : String(e);
    throw new PromotionError(
      'database',
      `Could not connect to ${safeUrl(url)}: ${redact(message)}`,
      connectHint(e, url),
      { cause: e },
    );
  }
  return client;
}

/** A session on `url` for `fn`, ended afterwards whatever happened. */
export async function withConnection<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(url);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Opens one client per URL; if one fails, those already open are ended before the error goes on. */
export async function connectAll(urls: string[]): Promise<pg.Client[]> {
  const clients: pg.Client[] = [];
  try {
    for (const url of urls) clients.push(await connect(url));
    return clients;
  } catch (e) {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    throw e;
  }
}

/**
 * Sets the tenant id the plan's predicates read (`current_setting('tenant_promotion.tenant_id')`),
 * as a bound parameter: the value is never part of SQL text. Session-wide (not transaction-local).
 */
export async function setTenantId(client: pg.ClientBase, tenantId: string): Promise<void> {
  await client.query('SELECT set_config($1, $2, false)', [TENANT_ID_SETTING, tenantId]);
}
