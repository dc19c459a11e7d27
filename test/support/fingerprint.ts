import pg from 'pg';
import { withClient } from './pg';

/**
 * Per table of a database: row count and an order-independent digest of every row's text
 * (all tenants). Used to prove "the shared database is exactly as before". `exceptTenant`
 * leaves out one tenant row's isolation_mode/settings (which a promotion changes on purpose).
 */
export async function fingerprint(
  url: string,
  opts: { tenantsTable?: string } = {},
): Promise<Record<string, string>> {
  return withClient(url, async (c) => {
    await c.query(`SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET extra_float_digits = 3`);
    const { rows } = await c.query<{ q: string; name: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS q, n.nspname || '.' || c.relname AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_tenant_isolation') AND n.nspname NOT LIKE 'pg_%'
        ORDER BY 1`,
    );
    const out: Record<string, string> = {};
    for (const { q, name } of rows) {
      const isTenants = name === `public.${opts.tenantsTable ?? 'tenants'}`;
      const rowText = isTenants ? `(t.id, t.slug, t.name)::text` : `t::text`;
      const r = await c.query<{ n: string; h: string | null }>(
        `SELECT count(*)::text AS n, md5(string_agg(md5(${rowText}), '' ORDER BY md5(${rowText}))) AS h FROM ${q} t`,
      );
      out[name] = `${r.rows[0]!.n}:${r.rows[0]!.h ?? ''}`;
    }
    return out;
  });
}

/** The rows of one table as sorted text lines (for exact comparisons in tests). */
export async function tableRows(
  url: string,
  qualified: string,
  where = 'true',
  params: unknown[] = [],
): Promise<string[]> {
  return withClient(url, async (c) => {
    await c.query(`SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET extra_float_digits = 3`);
    const { rows } = await c.query<{ r: string }>(
      `SELECT t::text AS r FROM ${qualified} t WHERE ${where}`,
      params,
    );
    return rows.map((x) => x.r).sort();
  });
}

export async function databaseExists(name: string, url: string): Promise<boolean> {
  return withClient(
    url,
    async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1,
  );
}

export async function roleExists(name: string, url: string): Promise<boolean> {
  return withClient(
    url,
    async (c) => (await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1,
  );
}

export { pg };
