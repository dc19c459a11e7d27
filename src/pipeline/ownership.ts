import pg from 'pg';
import { PromotionError } from '../errors';
import { withConnection } from '../postgres/connect';
import { databaseMarker, dropDatabase } from '../postgres/database';
import {
  assertOwner,
  assertRunMarker,
  claimTenant,
  inOwnedTransaction,
  inProvedTransaction,
  releaseClaim,
} from '../postgres/ownership';
import { dropTenantRoles, fromSource, type MarkerSource } from '../postgres/roles';
import { endSessions, sessionsRemainError } from '../postgres/sessions';
import { dropTenantSchemas, revokeSharedGrants, toolSchemaMarker } from '../postgres/tenant-schemas';
import type { PromotionContext } from './context';
import { intoSharedDatabase, toolSchema } from './tenant-place';
import { sharedToolSchema } from '../names';
import type { Step } from './step';

const qi = pg.escapeIdentifier;

/**
 * The run-level side of fencing (see postgres/ownership.ts): claiming the tenant, and the
 * irreversible writes that must be proved to be this run's — in the shared database, in one
 * transaction with the proof. Each opens its own session: the lock session may be the very
 * thing that was lost.
 */
function ownerOf(ctx: PromotionContext) {
  return { tenantsTable: ctx.options.tenantsTable, slug: ctx.names.slug, runId: ctx.run.id };
}

/** Claims the tenant for this run (prevalidation, after the lock is held; never in a dry run). */
export async function claimForRun(ctx: PromotionContext): Promise<string> {
  const previous = await claimTenant(
    ctx.lockSession!,
    ctx.options.tenantsTable,
    ctx.names.slug,
    ctx.run,
    ctx.options.maxFreezeMs,
  );
  ctx.record.runToken = ctx.run.id;
  return previous
    ? `; claimed from ${previous.operation} run ${previous.id} (${previous.label}, since ${previous.since})`
    : '';
}

/**
 * `step` (a prevalidation), then the claim: a run that will write claims the tenant once it
 * knows it has work to do, so from there on every irreversible write can prove it is this run's.
 */
export function thenClaim(
  step: Step<PromotionContext>,
  /**
   * An already isolated tenant is left unclaimed, unless this says why this run still writes
   * (e.g. it rotates a password no run delivered); the reason is added to the step's detail.
   */
  whenIsolated: (ctx: PromotionContext) => string | undefined = () => undefined,
): Step<PromotionContext> {
  return {
    ...step,
    async run(ctx) {
      const found = (await step.run(ctx)) ?? '';
      if (ctx.options.dryRun) return found;
      if (ctx.mode === 'already-isolated') {
        const why = whenIsolated(ctx);
        return why ? `${found}; ${why}${await claimForRun(ctx)}` : found;
      }
      return found + (await claimForRun(ctx));
    },
    // Runs last of all undos: the claim goes only once nothing of this run is left.
    async undo(ctx) {
      await step.undo?.(ctx);
      if (!ctx.record.runToken) return;
      await withShared(ctx, (c) => releaseClaim(c, ctx.options.tenantsTable, ctx.names.slug, ctx.run.id));
    },
  };
}

/** A fresh session on the shared database, ended after `fn`. */
export function withShared<T>(ctx: PromotionContext, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  return withConnection(ctx.servers.sharedUrl, fn);
}

/** A fresh administrative session on the target server (the shared database when it is the same server). */
export function withTargetServer<T>(ctx: PromotionContext, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  return withConnection(ctx.servers.targetAdminUrl, fn);
}

/**
 * `fn` on the target server while this run proves, in a shared-database transaction, that it
 * owns the tenant. On one server `target` is that same session and transaction (as before a
 * target server existed). On a separate target server there is no transaction across the two:
 * the shared transaction holds the tenant row FOR SHARE — no other run can claim the tenant
 * until it ends — while `fn` runs in its own transaction on the target, committed first; so
 * every target write is made while ownership is held.
 */
export function asOwnerWithTarget<T>(
  ctx: PromotionContext,
  what: string,
  fn: (target: pg.Client, shared: pg.Client) => Promise<T>,
  opts: { orphanOk?: boolean } = {},
): Promise<T> {
  return asOwner(
    ctx,
    what,
    (shared) => {
      if (!ctx.servers.separate) return fn(shared, shared);
      return withTargetServer(ctx, async (target) => {
        await target.query('BEGIN');
        try {
          const result = await fn(target, shared);
          await target.query('COMMIT');
          return result;
        } catch (e) {
          await target.query('ROLLBACK').catch(() => undefined);
          throw e;
        }
      });
    },
    opts,
  );
}

/** `fn` in one shared-database transaction that first proves this run still owns the tenant. */
export function asOwner<T>(
  ctx: PromotionContext,
  what: string,
  fn: (c: pg.Client) => Promise<T>,
  /** For undo: also when the tenant row is gone (see assertOwner). */
  opts: { orphanOk?: boolean } = {},
): Promise<T> {
  return withShared(ctx, (c) => inOwnedTransaction(c, { ...ownerOf(ctx), ...opts }, what, () => fn(c)));
}

/** No derived name starts with it (they all start with tenant_), so no tenant's database can match. */
const DOOMED_PREFIX = 'tpdrop_';

/** Name a database is renamed to before this run drops it: unique to the run, within 63 bytes. */
export function doomedName(runId: string): string {
  return `${DOOMED_PREFIX}${runId.replace(/[^0-9a-f]/gi, '').slice(0, 24)}`;
}

/**
 * This run's tenant and source, as its markers name them: every marker written and every marker
 * judged goes through here, so that one step never writes what another would not recognise.
 */
export function markerSource(ctx: PromotionContext, sharedDatabase = ctx.sharedDatabase!): MarkerSource {
  return {
    slug: ctx.names.slug,
    sourceDatabase: sharedDatabase,
    ...(ctx.sourceServer && { sourceServer: ctx.sourceServer }),
  };
}

/**
 * Drops the tenant's database only if this run still owns the tenant: under the tenants row
 * lock, with ownership proved, the database (proved ours by its marker) is renamed to a name
 * unique to this run; only then, outside the transaction (DROP DATABASE cannot run in one), is
 * that name dropped. Another run that claimed the tenant meanwhile is never touched: its
 * database keeps its name until its own run decides. Returns false when there was nothing to drop.
 */
export async function dropOwnedDatabase(ctx: PromotionContext, name = ctx.names.database): Promise<boolean> {
  const doomed = doomedName(ctx.run.id);
  const renamed = await asOwnerWithTarget(
    ctx,
    `dropping database ${name}`,
    async (c) => {
      const { exists, marker } = await databaseMarker(c, name);
      if (!exists) return false;
      if (
        marker?.slug !== ctx.names.slug ||
        (ctx.sharedDatabase && !fromSource(marker, markerSource(ctx, ctx.sharedDatabase)))
      ) {
        throw new PromotionError(
          'tenant-state',
          `Database "${name}" exists but was not created by this tool for tenant "${ctx.names.slug}"; it was left alone.`,
          'Inspect it; rename or drop it by hand if it is not in use, then re-run.',
        );
      }
      // RENAME needs the database idle: every session on it is ended (or the run says whose remain).
      const { remaining } = await endSessions(c, name, [ctx.names.appRole, ctx.names.ownerRole], true);
      if (remaining.length) throw sessionsRemainError(name, remaining, `dropping it`);
      try {
        await c.query(`ALTER DATABASE ${qi(name)} RENAME TO ${qi(doomed)}`);
      } catch (e) {
        // 55006: a session connected in between.
        if ((e as { code?: string }).code === '55006') {
          throw sessionsRemainError(name, [], 'dropping it (a session connected meanwhile; re-run)');
        }
        throw e;
      }
      return true;
    },
    { orphanOk: true },
  );
  await dropRenamed(ctx, doomed);
  return renamed;
}

/** Drops a database this run renamed for dropping (or an earlier run of this tenant left renamed). */
async function dropRenamed(ctx: PromotionContext, name: string): Promise<void> {
  await withTargetServer(ctx, async (c) => {
    const { exists, marker } = await databaseMarker(c, name);
    if (!exists || marker?.slug !== ctx.names.slug) return;
    await dropDatabase(c, name);
  });
}

/**
 * Databases an earlier run of this tenant renamed for dropping and did not get to drop (it was
 * killed in between). Dropped by the run that owns the tenant now.
 */
export async function dropAbandonedDatabases(ctx: PromotionContext): Promise<string[]> {
  const names = await withTargetServer(ctx, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1`,
      [DOOMED_PREFIX],
    );
    const ours: string[] = [];
    for (const { datname } of rows) {
      const { marker } = await databaseMarker(c, datname);
      if (ctx.sharedDatabase && fromSource(marker, markerSource(ctx, ctx.sharedDatabase))) ours.push(datname);
    }
    return ours;
  });
  for (const name of names) {
    await asOwner(ctx, `dropping abandoned database ${name}`, async () => undefined);
    await dropRenamed(ctx, name);
  }
  return names;
}

/** Drops the tenant's roles (DROP ROLE is transactional) in a transaction that proves ownership. */
export async function dropOwnedRoles(ctx: PromotionContext): Promise<string[]> {
  return asOwnerWithTarget(
    ctx,
    'dropping the tenant roles',
    async (c) => {
      // What the roles hold in the shared database goes first (DROP ROLE refuses a role with
      // privileges): schema level into it, or — on the shared server at any level — an earlier
      // schema-level run's grants (at database level the rest went with the database).
      if (intoSharedDatabase(ctx) || !ctx.servers.separate)
        await revokeSharedGrants(c, [ctx.names.appRole, ctx.names.ownerRole]);
      return dropTenantRoles(
        c,
        { owner: ctx.names.ownerRole, app: ctx.names.appRole },
        ctx.names.slug,
        ctx.sharedDatabase,
      );
    },
    { orphanOk: true },
  );
}

/**
 * Schema level into the shared database: drops the tenant's schemas and its tool schema, in one
 * shared-database transaction that proves this run owns the tenant — and, for `attempt: 'this'`
 * (an undo), that the schemas are this attempt's (the tool schema's run marker), so an earlier
 * or later attempt's are never touched. `'any'`: what an earlier failed run of this tenant left.
 */
export async function dropOwnedSchemas(ctx: PromotionContext, attempt: 'this' | 'any'): Promise<string[]> {
  // Any earlier attempt's: a schema-level run's tool schema of the shared database, whatever this
  // run's level (a database-level run replacing what a failed schema-level run kept).
  const at = {
    toolSchema: attempt === 'any' ? sharedToolSchema(ctx.names.slug) : toolSchema(ctx),
    ownerRole: ctx.names.ownerRole,
  };
  return asOwner(
    ctx,
    'dropping the tenant schemas',
    async (c) => {
      if (attempt === 'this') {
        const { exists } = await toolSchemaMarker(c, at.toolSchema);
        if (!exists) return [];
        await assertRunMarker(c, ctx.names.slug, ctx.run.id, 'dropping the tenant schemas', at.toolSchema);
      }
      return dropTenantSchemas(c, at, markerSource(ctx));
    },
    { orphanOk: true },
  );
}

/** Proves ownership on `client`, inside the transaction the caller has open. */
export function assertOwnerIn(ctx: PromotionContext, client: pg.ClientBase, what: string): Promise<void> {
  return assertOwner(client, ctx.options.tenantsTable, ctx.names.slug, ctx.run.id, what);
}

/**
 * Runs `fn` in one transaction on the tenant's database that first proves the database is still
 * this run's (its run marker), committing only if `fn` returns.
 */
export function inMarkedTransaction<T>(
  target: pg.ClientBase,
  ctx: PromotionContext,
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  return inProvedTransaction(
    target,
    () => assertRunMarker(target, ctx.names.slug, ctx.run.id, what, toolSchema(ctx)),
    fn,
  );
}
