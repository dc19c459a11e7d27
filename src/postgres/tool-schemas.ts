import pg from 'pg';

/**
 * Schemas every read of user objects leaves out, beside the system's: the tool's own
 * (`_tenant_isolation` in a tenant's database, `_tenant_isolation_<slug>` per schema-level tenant
 * in the shared database) and, in the shared database, the schemas of tenants promoted there at
 * schema level. Those are recognised by their owner: a role this tool made for a tenant of THIS
 * database (its marker's sourceDatabase is the current database). In a tenant's own database the
 * same owner's marker names the shared database, so nothing there is left out.
 */
export const TOOL_SCHEMA_PREFIX = '_tenant_isolation';

/**
 * The marker comments' fixed start (markerText writes compact JSON, `tool` first); the source
 * database is matched as text too, so a comment that only looks like a marker never breaks a read.
 */
const MARKER_START = '{"tool":"tenant-promotion"';

/**
 * SQL: namespace `alias` is one of the tool's or of a tenant promoted into this database. `keep`:
 * schemas not to count as such (the tenant's own schemas, when its checks read them).
 */
export function toolOrTenantSchemaSql(alias: string, keep: readonly string[] = []): string {
  const owner = `shobj_description(${alias}.nspowner, 'pg_authid')`;
  const kept = keep.length
    ? `${alias}.nspname::text <> ALL (ARRAY[${keep.map((k) => pg.escapeLiteral(k)).join(', ')}]::text[]) AND `
    : '';
  return `(${kept}(starts_with(${alias}.nspname::text, '${TOOL_SCHEMA_PREFIX}')
      OR coalesce(starts_with(${owner}, '${MARKER_START}')
                  AND strpos(${owner}, '"sourceDatabase":' || to_json(current_database()::text)::text) > 0, false)))`;
}

/** SQL: namespace `alias` holds user objects (not the system's, not the tool's, not another promoted tenant's). */
export function userSchemaSql(alias: string, keep: readonly string[] = []): string {
  return `${alias}.nspname NOT IN ('pg_catalog', 'information_schema') AND NOT ${toolOrTenantSchemaSql(alias, keep)}`;
}

/** Whether a schema name is one of the tool's own (never mapped, cloned or compared). */
export function isToolSchema(name: string): boolean {
  return name.startsWith(TOOL_SCHEMA_PREFIX);
}
