import pg from 'pg';
import { createToolTable, RUN_SCHEMA } from '../postgres/ownership';
import { catalogSummary, diffCatalogs, type CatalogItem } from './schema-parity';

/**
 * The new database's schema as the checks proved it at the switch, kept in the tool's own schema
 * of that database (no role of the tenant can use it; every catalog read leaves it out).
 * `status --verify` compares the isolated database with it, not with the shared database: after
 * the switch each side migrates on its own, so a difference from the shared schema proves
 * nothing, while a difference from the recorded one is drift — what changed in the tenant's
 * database since the switch (a migration, or a lost index), reported object by object.
 */
const schemaAtSwitch = (toolSchema: string) => `${pg.escapeIdentifier(toolSchema)}.schema_at_switch`;

/**
 * Where the recorded summary lives and what it covers: by default the tool's schema of the
 * tenant's own database and all of it; schema level into the shared database, the tenant's tool
 * schema there and its schemas only (the shared ones beside them are not the tenant's).
 */
export interface RecordedSchemaPlace {
  toolSchema: string;
  only?: readonly string[];
}
const DATABASE_OF_ITS_OWN: RecordedSchemaPlace = { toolSchema: RUN_SCHEMA };

/**
 * The table's comment when the summary was read under the tool's fixed TimeZone, DateStyle and
 * IntervalStyle (connect.ts SESSION_OPTIONS). A summary without it was recorded by an earlier
 * version under the database's own settings, which print timestamptz defaults, CHECK constants
 * and partition bounds differently: it is compared with the schema read the same way.
 */
const FIXED_TEXT_FORMS = 'read under TimeZone=UTC DateStyle=ISO,MDY IntervalStyle=postgres';

/** Records the tenant database's catalog summary; in the caller's transaction, after its ownership proof. */
export async function recordSchemaAtSwitch(
  target: pg.ClientBase,
  at: RecordedSchemaPlace = DATABASE_OF_ITS_OWN,
): Promise<number> {
  const SCHEMA_AT_SWITCH = schemaAtSwitch(at.toolSchema);
  const items = await catalogSummary(target, { ...(at.only && { only: at.only }) });
  await createToolTable(
    target,
    SCHEMA_AT_SWITCH,
    `category text NOT NULL, name text NOT NULL, definition text NOT NULL, owner text`,
  );
  await target.query(`TRUNCATE ${SCHEMA_AT_SWITCH}`);
  await target.query(`COMMENT ON TABLE ${SCHEMA_AT_SWITCH} IS ${pg.escapeLiteral(FIXED_TEXT_FORMS)}`);
  await target.query(
    `INSERT INTO ${SCHEMA_AT_SWITCH} (category, name, definition, owner)
     SELECT category, name, definition, owner
       FROM jsonb_to_recordset($1::jsonb) AS x(category text, name text, definition text, owner text)`,
    [JSON.stringify(items)],
  );
  return items.length;
}

/** The recorded summary, or undefined for a database promoted before schemas were recorded. */
export async function readSchemaAtSwitch(
  target: pg.ClientBase,
  at: RecordedSchemaPlace = DATABASE_OF_ITS_OWN,
): Promise<CatalogItem[] | undefined> {
  const SCHEMA_AT_SWITCH = schemaAtSwitch(at.toolSchema);
  try {
    const { rows } = await target.query<CatalogItem>(
      `SELECT category, name, definition, owner FROM ${SCHEMA_AT_SWITCH}`,
    );
    return rows;
  } catch (e) {
    const code = (e as { code?: string }).code;
    // 42P01 undefined table, 3F000 undefined schema: nothing was recorded.
    if (code === '42P01' || code === '3F000') return undefined;
    throw e;
  }
}

/** Whether the recorded summary was read under the tool's fixed text forms (see FIXED_TEXT_FORMS). */
export async function recordedUnderFixedTextForms(
  target: pg.ClientBase,
  at: RecordedSchemaPlace = DATABASE_OF_ITS_OWN,
): Promise<boolean> {
  const SCHEMA_AT_SWITCH = schemaAtSwitch(at.toolSchema);
  const { rows } = await target.query<{ c: string | null }>(
    `SELECT obj_description(to_regclass($1), 'pg_class') AS c`,
    [SCHEMA_AT_SWITCH],
  );
  return rows[0]?.c === FIXED_TEXT_FORMS;
}

/** Pure: what changed in the tenant's database since the switch, one line per object. */
export function driftSinceSwitch(recorded: CatalogItem[], current: CatalogItem[]): string[] {
  return diffCatalogs(recorded, current, {
    missing: 'dropped since the switch',
    extra: 'added since the switch',
    differs: (was, now) => `changed since the switch (was: ${was}; now: ${now})`,
  });
}
