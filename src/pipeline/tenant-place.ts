import { sharedToolSchema } from '../names';
import { RUN_SCHEMA } from '../postgres/ownership';
import type { PromotionContext } from './context';

/**
 * Where the tenant's data lives, for every step that reads or writes it: a database of its own
 * (database level, or schema level into a target server), or — schema level into the shared
 * database — schemas of the shared database itself. One place decides, so no step derives it.
 */
export function intoSharedDatabase(ctx: PromotionContext): boolean {
  // This run's plan, else what the switch recorded (a resumed or finished tenant), else the
  // level this run resolved (before the plan: prevalidation's leftovers).
  const into = ctx.schemaLayout?.into ?? ctx.record.schemaLayout?.into ?? ctx.tenant?.isolation?.schema?.into;
  if (into) return into === 'shared-database';
  return ctx.isolationLevel?.level === 'schema' && !ctx.servers.separate;
}

/** The name of the database holding the tenant's tables. */
export function tenantDatabase(ctx: PromotionContext): string {
  return intoSharedDatabase(ctx) ? ctx.sharedDatabase! : ctx.names.database;
}

/** An administrative URL of the database holding the tenant's tables. */
export function tenantDatabaseUrl(ctx: PromotionContext): string {
  return ctx.servers.tenantDatabaseUrl(tenantDatabase(ctx));
}

/** The tool's schema beside the tenant's tables (its run marker, the schema recorded at the switch). */
export function toolSchema(ctx: PromotionContext): string {
  return intoSharedDatabase(ctx) ? sharedToolSchema(ctx.names.slug) : RUN_SCHEMA;
}
