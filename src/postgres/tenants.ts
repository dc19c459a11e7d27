import pg from 'pg';
import { PromotionError } from '../errors';
import type { TenantRow } from '../pipeline/context';
import { parseIsolation, type HistoryEntry, type IsolationSettings } from '../pipeline/tenant-state';
import { quoteQualified, splitQualified } from './sql';

const REQUIRED_COLUMNS = ['id', 'slug', 'isolation_mode', 'settings'];

/** The tenants table exists, has the columns we rely on, and some table carries the tenant key. */
export async function checkTenantsTable(
  client: pg.ClientBase,
  tenantsTable: string,
  tenantKey: string,
): Promise<void> {
  const [schema, table] = splitQualified(tenantsTable);
  const { rows } = await client.query<{ column_name: string }>(
    `SELECT a.attname AS column_name FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped`,
    [schema, table],
  );
  if (rows.length === 0) {
    throw new PromotionError(
      'tenant-state',
      `The tenants table "${schema}.${table}" does not exist in this database (or this role cannot see it).`,
      'Check database-url points at the shared database, and set the tenants-table input if the table has another name.',
    );
  }
  const have = new Set(rows.map((r) => r.column_name));
  const missing = REQUIRED_COLUMNS.filter((c) => !have.has(c));
  if (missing.length) {
    throw new PromotionError(
      'tenant-state',
      `The tenants table "${schema}.${table}" lacks column(s) ${missing.join(', ')}; it needs id, slug, isolation_mode and settings (jsonb).`,
      'Add the missing columns (see the README, "The shared database").',
    );
  }
  const keyed = await client.query(
    `SELECT 1 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      WHERE a.attname = $1 AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') LIMIT 1`,
    [tenantKey],
  );
  if (keyed.rowCount === 0) {
    throw new PromotionError(
      'tenant-state',
      `No table has the tenant key column "${tenantKey}".`,
      'Set the tenant-key input to the column that holds the tenant id in your data tables.',
    );
  }
}

export async function readTenant(
  client: pg.ClientBase,
  tenantsTable: string,
  slug: string,
  forUpdate = false,
): Promise<TenantRow> {
  const table = quoteQualified(tenantsTable);
  const { rows } = await client.query<{
    id: string;
    id_type: string;
    slug: string;
    isolation_mode: string;
    settings: unknown;
  }>(
    `SELECT t.id::text AS id, pg_typeof(t.id)::text AS id_type, t.slug, t.isolation_mode, t.settings
       FROM ${table} t WHERE t.slug = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [slug],
  );
  const row = rows[0];
  if (!row) {
    throw new PromotionError(
      'tenant-not-found',
      `Tenant "${slug}" was not found in ${tenantsTable}.`,
      'Check the slug (the slug column of the tenants table) and that database-url points at the shared database.',
    );
  }
  const settings =
    row.settings && typeof row.settings === 'object' ? (row.settings as Record<string, unknown>) : {};
  let isolation: IsolationSettings | undefined;
  try {
    isolation = parseIsolation(settings);
  } catch (e) {
    throw new PromotionError(
      'tenant-state',
      `settings.isolation of tenant "${slug}" is malformed: ${(e as Error).message.slice(0, 300)}`,
      'Fix the value by hand; the tool will not overwrite an audit trail it cannot read.',
    );
  }
  return {
    id: row.id,
    idType: row.id_type,
    slug: row.slug,
    isolationMode: row.isolation_mode,
    settings,
    isolation,
  };
}

/**
 * Writes `settings.isolation` (other settings keys preserved) and, when given, isolation_mode,
 * guarded by the expected current mode. Returns false when the guard did not match.
 */
export async function writeIsolation(
  client: pg.ClientBase,
  tenantsTable: string,
  tenant: { id: string; slug: string },
  isolation: IsolationSettings,
  change: { from: string; to: string },
): Promise<boolean> {
  const table = quoteQualified(tenantsTable);
  const res = await client.query(
    `UPDATE ${table} t
        SET isolation_mode = $3,
            settings = jsonb_set(coalesce(t.settings, '{}'::jsonb), '{isolation}', $4::jsonb, true)
      WHERE t.slug = $5 AND t.id::text = $1 AND t.isolation_mode = $2`,
    [tenant.id, change.from, change.to, JSON.stringify(isolation), tenant.slug],
  );
  return res.rowCount === 1;
}

export function historyEntry(entry: Omit<HistoryEntry, 'at'>): HistoryEntry {
  return { at: new Date().toISOString(), ...entry } as HistoryEntry;
}
