import pg from 'pg';
import { urlAs } from '../postgres/urls';
import { PromotionError } from '../errors';
import { setComparableSession } from '../postgres/checksum';
import { APPLICATION_SESSION_OPTIONS, SESSION_OPTIONS } from '../postgres/connect';
import { TENANT_ID_SETTING } from '../postgres/plan-types';
import type { CheckContext } from './check';

/** Connections opened by the checks: keepalive, a name in pg_stat_activity, statement_timeout from the budget. */
export async function connectFor(
  url: string,
  budgetMs: number,
  user?: { name: string; password: string },
  options = user ? APPLICATION_SESSION_OPTIONS : SESSION_OPTIONS,
): Promise<pg.Client> {
  const config: pg.ClientConfig = {
    // The user goes into the URL: node-postgres lets a connection string's user and password win
    // over `user`/`password` in the config, so setting those would log in as the URL's admin.
    connectionString: user ? urlAs(url, user.name, user.password) : url,
    keepAlive: true,
    application_name: 'tenant-promotion-checks',
    options,
    connectionTimeoutMillis: Math.max(1000, Math.min(budgetMs, 30_000)),
    statement_timeout: Math.max(1000, Math.floor(budgetMs)),
  };
  const client = new pg.Client(config);
  client.on('error', () => undefined); // a dropped connection surfaces as a failed query
  await client.connect();
  return client;
}

/** The URL with another user and password (percent-encoded by URL's setters). */
const SNAPSHOT_RE = /^[0-9A-F]+-[0-9A-F]+(-[0-9A-F]+)?$/i;

/**
 * The source session the checks compare against: comparable text output, the tenant id set,
 * and, when a snapshot id is given, a repeatable-read transaction at the copy's snapshot.
 */
export async function openSource(ctx: CheckContext, budgetMs: number): Promise<pg.Client> {
  const client = await connectFor(ctx.sourceUrl, budgetMs);
  try {
    await setComparableSession(client);
    await client.query('SELECT set_config($1, $2, false)', [TENANT_ID_SETTING, ctx.tenantId]);
    if (ctx.snapshotId) {
      if (!SNAPSHOT_RE.test(ctx.snapshotId)) {
        throw new PromotionError(
          'internal',
          `Snapshot id ${JSON.stringify(ctx.snapshotId)} is not a PostgreSQL snapshot id.`,
        );
      }
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // SET TRANSACTION SNAPSHOT takes no parameters; the id was validated above.
      await client.query(`SET TRANSACTION SNAPSHOT ${pg.escapeLiteral(ctx.snapshotId)}`);
    }
    return client;
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
}

/** Target session with comparable output and the tenant id set (some predicates read it). */
export async function openTarget(ctx: CheckContext, budgetMs: number): Promise<pg.Client> {
  const client = await connectFor(ctx.targetUrl, budgetMs);
  try {
    await setComparableSession(client);
    await client.query('SELECT set_config($1, $2, false)', [TENANT_ID_SETTING, ctx.tenantId]);
    return client;
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
}

export async function closeQuietly(client: pg.Client | undefined): Promise<void> {
  if (!client) return;
  await client.end().catch(() => undefined);
}

/** The planned tables, tenants table included once. */
export function plannedTables(ctx: CheckContext) {
  const seen = new Set<string>();
  const out = [];
  for (const t of [...ctx.plan.tables]) {
    if (seen.has(t.qualified)) continue;
    seen.add(t.qualified);
    out.push(t);
  }
  return out;
}
