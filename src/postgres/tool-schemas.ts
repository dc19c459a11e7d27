import pg from 'pg';

/**
 * Schemas every read of user objects leaves out, beside the system's: the tool's own and, in the
 * shared database, the schemas of tenants promoted there at schema level. The tool's own are
 * `_tenant_isolation` (the run schema, in a tenant's own database) and `_tenant_isolation_<slug>`
 * (a schema-level tenant's tool schema in the shared database) CARRYING OUR MARKER for this
 * database: a name alone proves nothing, and an application schema that merely starts with the
 * prefix holds the tenant's rows like any other (review: `_tenant_isolation_archive` was skipped,
 * its rows never moved). Tenants' schemas are recognised by their owner: a role this tool made for
 * a tenant of THIS database (its marker's sourceDatabase is the current database). In a tenant's
 * own database the same owner's marker names the shared database, so nothing there is left out.
 */
export const TOOL_SCHEMA_PREFIX = '_tenant_isolation';

/**
 * The marker comments' fixed start (markerText writes compact JSON, `tool` first); the source
 * database is matched as text too, so a comment that only looks like a marker never breaks a read.
 */
const MARKER_START = '{"tool":"tenant-promotion"';

/** SQL: `comment` is our marker naming the current database as the shared one. */
const markerOfThisDatabaseSql = (comment: string) =>
  `coalesce(starts_with(${comment}, '${MARKER_START}')
            AND strpos(${comment}, '"sourceDatabase":' || to_json(current_database()::text)::text) > 0, false)`;

/**
 * SQL: namespace `alias` is one of the tool's or of a tenant promoted into this database. `keep`:
 * schemas not to count as such (the tenant's own schemas, when its checks read them).
 */
export function toolOrTenantSchemaSql(alias: string, keep: readonly string[] = []): string {
  const owner = `shobj_description(${alias}.nspowner, 'pg_authid')`;
  const comment = `obj_description(${alias}.oid, 'pg_namespace')`;
  const kept = keep.length
    ? `${alias}.nspname::text <> ALL (ARRAY[${keep.map((k) => pg.escapeLiteral(k)).join(', ')}]::text[]) AND `
    : '';
  return `(${kept}(${alias}.nspname::text = '${TOOL_SCHEMA_PREFIX}'
      OR (starts_with(${alias}.nspname::text, '${TOOL_SCHEMA_PREFIX}_')
          AND ${markerOfThisDatabaseSql(comment)} AND strpos(${comment}, '"purpose":"schema"') > 0)
      OR ${markerOfThisDatabaseSql(owner)}))`;
}

/** SQL: namespace `alias` holds user objects (not the system's, not the tool's, not another promoted tenant's). */
export function userSchemaSql(alias: string, keep: readonly string[] = []): string {
  return `${alias}.nspname NOT IN ('pg_catalog', 'information_schema') AND NOT ${toolOrTenantSchemaSql(alias, keep)}`;
}

/**
 * Whether a schema name is the tool's run schema (never mapped, cloned or compared). A shared
 * database's `_tenant_isolation_<slug>` is told apart from an application schema of such a name
 * only by its marker, so the catalog reads leave it out (toolOrTenantSchemaSql), not this name test.
 */
export function isToolSchema(name: string): boolean {
  return name === TOOL_SCHEMA_PREFIX;
}
