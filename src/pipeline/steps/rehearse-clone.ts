import { PromotionError, describeError } from '../../errors';
import { sharedAppRoles } from '../../postgres/app-roles';
import { withConnection } from '../../postgres/connect';
import { describeBlocker } from '../../postgres/ddl/blockers';
import type { Catalog, CloneBlocker } from '../../postgres/ddl/catalog';
import { readRole } from '../../postgres/privileges';
import {
  createRehearsalDatabase,
  dropAbandonedRehearsals,
  dropRehearsalDatabase,
  rehearsalDatabaseName,
} from '../../postgres/rehearsal';
import {
  applyStatements,
  readSourceCatalog,
  scriptFor,
  type SchemaScript,
} from '../../postgres/schema-clone';
import type { PromotionContext } from '../context';
import { faultsFromEnv } from '../faults';
import { markerSource, withShared, withTargetServer } from '../ownership';
import type { Step } from '../step';

/**
 * Before anything is created: generates the whole schema clone from the plan's snapshot (the
 * script the clone steps then apply) and refuses the promotion if it contains an object the clone
 * cannot recreate, naming it and everything that depends on it.
 *
 * A dry run then rehearses the clone: it applies the whole script, before and after the data, to
 * a throw-away database on the server the tenant's database would go to, and drops it. So what a
 * dry run accepts, the real run's clone does not fail on (on an unchanged schema). Without
 * CREATEDB it cannot, and says its verdict is weaker and why. Rehearsal databases a killed dry
 * run left behind are removed here by any later run (see postgres/rehearsal.ts).
 */
export const rehearseCloneStep: Step<PromotionContext> = {
  name: 'rehearse-clone',
  title: 'Check the schema clone (a dry run rehearses it)',
  skip: (ctx) => (ctx.mode !== 'fresh' ? 'no schema to clone' : undefined),
  async run(ctx) {
    const { names, plan } = ctx;
    const source = ctx.snapshot!.client;
    const catalog = await readSourceCatalog(source, plan!.skipped);
    const shared = await sharedAppRoles(source, plan!, ctx.options.sharedAppRole);
    ctx.sharedRoles = shared;
    const script = scriptFor(catalog, {
      ownerRole: names.ownerRole,
      roleMap: new Map(shared.map((r) => [r, names.appRole])),
      targetVersion: ctx.targetVersion,
      schemaLayout: ctx.schemaLayout,
    });
    ctx.schemaScript = script;
    noteUnsupported(ctx, script);
    if (script.blockers.length) throw cloneBlockedError(script.blockers);

    // Where the tenant's lock lives: a separate target server's leftovers are removed by the real
    // run's dropAbandonedDatabases (same prefix and marker), under the tenant's lock.
    const { dropped, left } = await withShared(ctx, (c) => dropAbandonedRehearsals(c, names.slug));
    const cleaned = dropped.length
      ? `; removed ${dropped.length} rehearsal database(s) a killed dry run left`
      : '';
    for (const name of left) ctx.log.warn(`rehearsal database ${name} was left by another role's dry run`);
    const statements = script.beforeData.length + script.afterData.length;
    if (!ctx.options.dryRun) return `${statements} statements; every object can be recreated${cleaned}`;
    return (await rehearse(ctx, catalog, shared, statements)) + cleaned;
  },
};

/** What the clone leaves out without harm (publications, event triggers…): notes, in a dry run too. */
export function noteUnsupported(ctx: PromotionContext, script: SchemaScript): void {
  for (const item of script.unsupported) {
    ctx.log.warn(`not cloned: ${item}`);
    ctx.record.notes.push(`Not cloned: ${item}`);
  }
  for (const line of script.translations) {
    ctx.log.info(`translated: ${line}`);
    ctx.record.notes.push(`Translated for the newer target: ${line}`);
  }
}

/** Refused before anything is created: each object the clone cannot recreate, with its dependents. */
export function cloneBlockedError(blockers: readonly CloneBlocker[]): PromotionError {
  return new PromotionError(
    'plan-blocked',
    `The schema clone cannot recreate ${blockers.length === 1 ? 'an object' : `${blockers.length} objects`} of the shared database, so the tenant's database could not be built: ${blockers
      .map((b) => describeBlocker(b))
      .join('; ')}. Nothing was created.`,
    'Replace each object named above in the shared database with one the clone recreates (or drop it, with what needs it, if the application does not use it); for objects only a superuser may create, run with a database-url whose role may create them. Then re-run (a dry run first).',
  );
}

const REHEARSAL_UNDO =
  'This is the dry run rehearsing the clone in a throw-away database (dropped again): the real run would fail the same way, nothing was created.';

/** Applies the whole clone to a throw-away database, then drops it. Returns the step's detail. */
async function rehearse(
  ctx: PromotionContext,
  catalog: Catalog,
  shared: string[],
  statements: number,
): Promise<string> {
  if (ctx.schemaLayout?.into === 'shared-database') return rehearseInShared(ctx, catalog, shared, statements);
  // The tenant's database would be created on the target server, by its admin role.
  const role = await withTargetServer(ctx, (c) => readRole(c));
  if (!role.superuser && !role.createDb) return weakerVerdict(ctx, `role "${role.name}" lacks CREATEDB`);
  // The same script, owned by the connecting role: the tenant's roles do not exist in a dry run.
  const script = scriptFor(catalog, {
    ownerRole: role.name,
    roleMap: new Map(shared.map((r) => [r, role.name])),
    targetVersion: ctx.targetVersion,
    schemaLayout: ctx.schemaLayout,
  });
  const name = rehearsalDatabaseName(ctx.names.slug, ctx.run.id);
  const fault = ctx.deps.fault ?? faultsFromEnv();
  try {
    try {
      await withTargetServer(ctx, (c) => createRehearsalDatabase(c, name, markerSource(ctx)));
    } catch (e) {
      // 42501: CREATE DATABASE was refused even so (a managed service's own rule).
      if ((e as { code?: string }).code === '42501')
        return weakerVerdict(ctx, `CREATE DATABASE was refused: ${describeError(e).message}`);
      throw e;
    }
    await withConnection(ctx.servers.tenantDatabaseUrl(name), async (target) => {
      // Only a statement of the clone failing predicts the real run; anything else is reported as it is.
      try {
        await applyStatements(target, script.beforeData, REHEARSAL_UNDO, script.searchPath);
        await fault?.('rehearse-clone:before-data-applied');
        await applyStatements(target, script.afterData, REHEARSAL_UNDO, script.searchPath);
      } catch (e) {
        const err = describeError(e);
        throw new PromotionError(
          'plan-blocked',
          `The dry run rehearsed the schema clone in a throw-away database and it failed, so the real run would fail there too: ${err.message}`,
          err.hint,
          { cause: e },
        );
      }
    });
  } finally {
    // Whatever happened (a marker that could not be written included), the database goes.
    await withTargetServer(ctx, (c) => dropRehearsalDatabase(c, name)).catch((e: unknown) => {
      const why = describeError(e).message;
      ctx.log.warn(`could not drop the rehearsal database ${name}: ${why}`);
      ctx.record.notes.push(
        `The rehearsal database ${name} could not be dropped (${why}); the next run removes it.`,
      );
    });
  }
  return `rehearsed: all ${statements} statements of the clone applied to a throw-away database (dropped)`;
}

/**
 * Schema level into the shared database: the mapped clone is rehearsed where it will run, in the
 * shared database itself, in ONE transaction that is rolled back. DDL is transactional, so no
 * other session ever sees the tenant's schemas (a throw-away database would prove less: the
 * extensions and the shared schemas beside the tenant's are the shared database's own); waits
 * for a lock are bounded by max-freeze, so the rehearsal never holds up the application.
 */
async function rehearseInShared(
  ctx: PromotionContext,
  catalog: Catalog,
  shared: string[],
  statements: number,
): Promise<string> {
  const role = await withShared(ctx, (c) => readRole(c));
  // Owned by the connecting role: the tenant's roles do not exist in a dry run.
  const script = scriptFor(catalog, {
    ownerRole: role.name,
    roleMap: new Map(shared.map((r) => [r, role.name])),
    targetVersion: ctx.targetVersion,
    schemaLayout: ctx.schemaLayout,
  });
  await withShared(ctx, async (c) => {
    try {
      await applyStatements(
        c,
        [...script.beforeData, ...script.afterData],
        REHEARSAL_IN_SHARED_UNDO,
        script.searchPath,
        { end: 'rollback', lockTimeoutMs: ctx.options.maxFreezeMs },
      );
    } catch (e) {
      const err = describeError(e);
      throw new PromotionError(
        'plan-blocked',
        `The dry run rehearsed the schema clone in the shared database, in a transaction rolled back, and it failed, so the real run would fail there too: ${err.message}`,
        err.hint,
        { cause: e },
      );
    }
  });
  return `rehearsed: all ${statements} statements of the clone applied to the shared database in one transaction, rolled back (nothing visible to any other session)`;
}

const REHEARSAL_IN_SHARED_UNDO =
  'This is the dry run rehearsing the clone in the shared database in a transaction that was rolled back: the real run would fail the same way, nothing was created.';

/** A dry run that could not rehearse the clone says so, and why, and still plans. */
function weakerVerdict(ctx: PromotionContext, why: string): string {
  const note = `This dry run's verdict is weaker: it could not rehearse the schema clone in a throw-away database (${why}). The clone was generated and checked against the catalog (nothing it cannot recreate), but not applied, so the real run could still fail while cloning. Grant CREATEDB (the real run needs it anyway) and re-run the dry run to rehearse it.`;
  ctx.log.warn(note);
  ctx.record.notes.push(note);
  return `not rehearsed (${why}): verdict weaker, see the notes`;
}
