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
