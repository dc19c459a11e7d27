import pg from 'pg';

/** Quotes a possibly schema-qualified name (already validated as identifiers), defaulting to `public`. */
export function quoteQualified(name: string, defaultSchema = 'public'): string {
  const [schema, table] = splitQualified(name, defaultSchema);
  return `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}`;
}

export function splitQualified(name: string, defaultSchema = 'public'): [string, string] {
  const parts = name.split('.');
  return parts.length === 2 ? [parts[0]!, parts[1]!] : [defaultSchema, parts[0]!];
}

/**
 * `COMMENT ON DATABASE|ROLE name IS text`, with the name and the text (a marker that names the
 * tenant) sent as bound parameters: COMMENT takes none, so the statement is formatted on the
 * server (`%I`, `%L`) from two session settings set by parameter — nothing of a slug in any SQL
 * text.
 */
export async function commentOn(
  client: pg.ClientBase,
  kind: 'DATABASE' | 'ROLE' | 'SCHEMA',
  name: string,
  text: string,
): Promise<void> {
  await client.query(
    `SELECT set_config('tenant_promotion.comment_target', $1, false), set_config('tenant_promotion.comment_text', $2, false)`,
    [name, text],
  );
  await client.query(
    `DO $comment$ BEGIN EXECUTE format('COMMENT ON ${kind} %I IS %L', current_setting('tenant_promotion.comment_target'), current_setting('tenant_promotion.comment_text')); END $comment$`,
  );
  await client.query(
    `SELECT set_config('tenant_promotion.comment_target', '', false), set_config('tenant_promotion.comment_text', '', false)`,
  );
}
