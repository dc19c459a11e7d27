import type pg from 'pg';
import { sharedToolSchema } from '../names';
import { RUN_SCHEMA } from '../postgres/ownership';
import { inverseSchemaMap, mapStatement, quoteLikePostgres } from '../postgres/schema-layout';
import type { CheckContext } from './check';
import type { RecordedSchemaPlace } from './schema-fingerprint';
import type { CatalogItem } from './schema-parity';

/**
 * Schema level (issue 21), for the checks: where the tenant's schemas went (the run record's
 * schemaLayout). Pure helpers that let a check compare the shared schemas with the tenant's.
 */
export interface CheckSchemaLayout {
  into: 'shared-database' | 'new-database';
  mappings: { source: string; target: string }[];
  /** The tenant's search_path: its schemas, then the extensions' schemas. */
  searchPath: string[];
}

/**
 * Schema level: how both sides' catalogs are read for comparison — with an empty search_path
 * (pg_catalog only), so every name of a user schema prints schema-qualified on both sides and the
 * tenant's are written back to the source schemas (targetItemsMappedBack). Equivalent search_paths
 * are not enough: a type added to `public` later, named like a second mapped schema's type,
 * shadows it on the shared side only (`analytics.kind` there, `kind` on the tenant's side).
 */
export async function readFullyQualified(client: pg.ClientBase): Promise<void> {
  await client.query(`SELECT set_config('search_path', '', false)`);
}

const inSchemas = (items: CatalogItem[], schemas: string[]) => {
  const prefixes = schemas.map((s) => `${quoteLikePostgres(s)}.`);
  return items.filter((i) => prefixes.some((p) => i.name.startsWith(p)));
};

/** The source's items of the schemas the tenant's were mapped from. */
export function sourceItems(items: CatalogItem[], layout: CheckSchemaLayout): CatalogItem[] {
  return inSchemas(
    items,
    layout.mappings.map((m) => m.source),
  );
}

/**
 * The tenant's items (only those in its schemas: in the shared database the others are the
 * shared ones), with every name of a tenant schema written back as its source schema, as
 * PostgreSQL would print it there.
 */
export function targetItemsMappedBack(items: CatalogItem[], layout: CheckSchemaLayout): CatalogItem[] {
  const inverse = inverseSchemaMap(layout);
  const back = (text: string) => mapStatement(text, inverse, { quote: quoteLikePostgres });
  return inSchemas(
    items,
    layout.mappings.map((m) => m.target),
  ).map((i) => ({
    ...i,
    name: back(i.name),
    // Owners are always quoted, as TablePlan.qualified.
    owner: i.owner === null ? null : mapStatement(i.owner, inverse),
    definition: back(i.definition),
  }));
}

/**
 * Where the schema recorded at the switch lives and what the checks read of the tenant's side:
 * into the shared database, the tenant's tool schema there and its own schemas only.
 */
export function recordedSchemaPlace(ctx: Pick<CheckContext, 'schemaLayout' | 'names'>): RecordedSchemaPlace {
  const layout = ctx.schemaLayout;
  if (layout?.into !== 'shared-database') return { toolSchema: RUN_SCHEMA };
  return { toolSchema: sharedToolSchema(ctx.names.slug), only: layout.mappings.map((m) => m.target) };
}
