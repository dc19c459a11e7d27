import pg from 'pg';
import { PromotionError, settingName } from '../errors';
import { readSourceCatalog } from '../postgres/schema-clone';
import {
  describeLayout,
  parseSearchPath,
  planSchemaLayout,
  schemaRefusals,
  type SchemaLayout,
} from '../postgres/schema-layout';
import { splitQualified } from '../postgres/sql';
import type { PromotionContext } from './context';

/**
 * The plan's part for schema level (issue 21): reads the catalog the clone would use (on the
 * plan's snapshot), maps the tenant's schemas (postgres/schema-layout.ts), and refuses, before
 * anything is created, names that cannot be mapped, schemas already taken where they would go,
 * function bodies that name a source schema and views that read what the tenant's schema does
 * not hold. Where the schemas go: the shared database, or a new database on the target server
 * when target-database-url names one.
 */
export async function planSchemaLevel(ctx: PromotionContext, snapshot: pg.ClientBase): Promise<SchemaLayout> {
  const plan = ctx.plan!;
  const catalog = await readSourceCatalog(snapshot, plan.skipped ?? []);
  const into = ctx.servers.separate ? 'new-database' : 'shared-database';
  const [primarySchema] = splitQualified(ctx.options.tenantsTable);
  // In the shared database, a schema that exists already under a mapped name is not ours to
  // fill (a new database on a target server starts empty) — unless the tenant's owner role holds
  // it: an earlier failed run of this tenant left it (prevalidation proved that role ours), and
  // this run replaces it.
  const taken = new Map<string, string>();
  if (into === 'shared-database') {
    const { rows } = await snapshot.query<{ nspname: string; owner: string }>(
      `SELECT nspname, pg_get_userbyid(nspowner) AS owner FROM pg_namespace`,
    );
    for (const r of rows)
      if (r.owner !== ctx.names.ownerRole)
        taken.set(r.nspname, `a schema of the shared database, owned by ${r.owner}`);
  }
  // Into the shared database the run creates the tenant's schemas there: CREATE on that database
  // (managed PostgreSQL hands an admin role CONNECT and TEMPORARY only).
  if (into === 'shared-database') {
    const { rows } = await snapshot.query<{ ok: boolean; role: string; db: string }>(
      `SELECT has_database_privilege(current_user, current_database(), 'CREATE') AS ok, current_user AS role, current_database() AS db`,
    );
    const r = rows[0]!;
    if (!r.ok)
      throw new PromotionError(
        'permission-denied',
        `Role "${r.role}" may not create schemas in database "${r.db}"; schema-level isolation into the shared database creates ${ctx.names.database} there, so nothing was created.`,
        `Grant it (GRANT CREATE ON DATABASE ${pg.escapeIdentifier(r.db)} TO ${pg.escapeIdentifier(r.role)};), or give ${settingName('target-database-url', ctx.options.frontEnd)} to put the tenant's schema in a database of its own.`,
      );
  }
  const layout = planSchemaLayout({
    base: ctx.names.database,
    primarySchema,
    catalog,
    taken,
    sourceSearchPath: await sharedSearchPath(snapshot),
  });
  // The report's database is where the tenant's tables will be: the shared one itself.
  if (into === 'shared-database') ctx.record.database = ctx.sharedDatabase;
  ctx.record.schemaLayout = {
    into,
    mappings: layout.mappings.map((m) => ({ source: m.source, target: m.target })),
    searchPath: layout.searchPath,
  };
  const lines = describeLayout(layout);
  ctx.record.notes.push(
    `Schema level, into ${into === 'shared-database' ? `the shared database "${ctx.sharedDatabase}"` : `database "${ctx.names.database}" on the target server`}:`,
    ...lines,
  );
  for (const l of lines) ctx.log.info(l);
  const refused = [...layout.refusals, ...schemaRefusals(catalog, layout)];
  if (refused.length) {
    throw new PromotionError(
      'plan-blocked',
      `The tenant's objects cannot be given a schema of their own: ${refused.join('; ')}`,
      'Fix what is named above in the shared database (or promote at database level with isolation-level database), then re-run.',
    );
  }
  return layout;
}

/**
 * The shared database's search_path as an application connecting to it gets it: the database's
 * own setting (ALTER DATABASE … SET search_path), else PostgreSQL's default. A setting for one
 * role in that database (ALTER ROLE … IN DATABASE) is not read: the tool does not know which
 * role the shared application logs in as, and the tenant gets one path for all its roles.
 */
async function sharedSearchPath(snapshot: pg.ClientBase): Promise<string[]> {
  const { rows } = await snapshot.query<{ setting: string | null }>(
    `SELECT (SELECT substr(c, length('search_path=') + 1) FROM unnest(s.setconfig) c
              WHERE c LIKE 'search_path=%' LIMIT 1) AS setting
       FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
      WHERE d.datname = current_database() AND s.setrole = 0`,
  );
  return parseSearchPath(rows[0]?.setting ?? '"$user", public');
}
