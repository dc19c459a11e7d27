import pg from 'pg';
import type { PromotionContext } from '../context';
import type { Step } from '../step';
import { asOwnerWithTarget, withTargetServer } from '../ownership';
import { endSessions, sessionsRemainError } from '../../postgres/sessions';
import { tenantSchemas } from '../../postgres/tenant-side';
import { readWaysIn, regrantFenced, revokeWaysIn, type FenceTarget } from '../../postgres/fence';
import { readTenant } from '../../postgres/tenants';
import { tenantSideFor } from '../tenant-side';
import { toolSchema } from '../tenant-place';

const qi = pg.escapeIdentifier;

/**
 * Fences the tenant's side so it stops changing while its rows are copied back: the tenant's
 * role may not log in, and existing sessions are ended. Its own database (database level, or
 * schema level into a new database) loses CONNECT for the role and its members and turns
 * read-only for new sessions. Schemas in the shared database cannot be fenced that way (the
 * database is everyone's): there every way into the schemas is closed but the administrator's —
 * memberships in the tenant's roles, USAGE/CREATE on its schemas (postgres/fence.ts), recorded in
 * the same transaction — and the sessions of every role that had one end.
 * Undo lifts the fence (grants back what the record holds), so a rollback that fails before its
 * switch leaves the tenant working.
 */
export const fenceStep: Step<PromotionContext> = {
  name: 'fence',
  title: 'Fence the isolated database',
  async run(ctx) {
    const { names } = ctx;
    const side = tenantSideFor(ctx);
    const wayIn = await asOwnerWithTarget(ctx, 'fencing the isolated database', async (db) => {
      await db.query(`ALTER ROLE ${qi(names.appRole)} NOLOGIN`);
      if (side.ownDatabase) {
        // Roles that log in as members of the application role (a developer's, a job's) lose the
        // way in too: NOLOGIN stops only the role itself, and read-only is a default any session may
        // lift (review: a row written after the restore was dropped with the database).
        await db.query(`REVOKE CONNECT ON DATABASE ${qi(side.database)} FROM ${qi(names.appRole)}`);
        await db.query(`ALTER DATABASE ${qi(side.database)} SET default_transaction_read_only = on`);
        return undefined;
      }
      // Read before revoking: afterwards pg_auth_members no longer leads to those roles.
      const at = fenceTarget(ctx);
      const ways = await readWaysIn(db, at);
      await revokeWaysIn(db, at, ways.revoke, ctx.run.id);
      return ways;
    });
    // Sessions already open would go on writing: every one must end, or the rollback stops (and
    // its undo lifts the fence) before copying anything back.
    const { ended, remaining } = await withTargetServer(ctx, (db) =>
      endSessions(
        db,
        side.database,
        [names.appRole, names.ownerRole],
        false,
        // Every role that had a way in, as read before the revokes: a session already open keeps
        // what it has (a plan it cached, its current role), so it must end. The administrator's
        // own sessions are never ended.
        wayIn?.roles,
      ),
    );
    if (remaining.length) throw sessionsRemainError(side.database, remaining, 'copying the rows back');
    return wayIn
      ? `roles other than this one cannot reach ${tenantSchemas(side).join(', ')} (superusers aside; ${wayIn.revoke.length} membership(s) and grant(s) revoked, recorded in ${toolSchema(ctx)}), sessions of ${wayIn.roles.length} role(s) ended (${ended})`
      : `${names.appRole} and its members cannot connect, ${side.database} is read-only, ${ended} session(s) ended`;
  },
  async undo(ctx) {
    const side = tenantSideFor(ctx);
    await asOwnerWithTarget(ctx, 'lifting the fence', async (db) => {
      if (side.ownDatabase) {
        await db.query(`ALTER DATABASE ${qi(side.database)} RESET default_transaction_read_only`);
        await db.query(`GRANT CONNECT ON DATABASE ${qi(side.database)} TO ${qi(ctx.names.appRole)}`);
      } else {
        // Never after the restore committed: the tenant is shared again and the schemas are to be
        // dropped (a run resumed after the commit skips the fence, so this is a second lock).
        const tenant = await readTenant(db, ctx.options.tenantsTable, ctx.names.slug).catch(() => undefined);
        if (tenant?.isolation?.state === 'rolled-back') return;
        const notes = await regrantFenced(db, toolSchema(ctx));
        ctx.record.notes.push(...notes);
        // The record holds the application role's USAGE; a fence of an earlier version kept none.
        for (const schema of tenantSchemas(side))
          await db.query(`GRANT USAGE ON SCHEMA ${qi(schema)} TO ${qi(ctx.names.appRole)}`);
      }
      await db.query(`ALTER ROLE ${qi(ctx.names.appRole)} LOGIN`);
    });
  },
};

function fenceTarget(ctx: PromotionContext): FenceTarget {
  return {
    schemas: tenantSchemas(tenantSideFor(ctx)),
    ownerRole: ctx.names.ownerRole,
    appRole: ctx.names.appRole,
    toolSchema: toolSchema(ctx),
  };
}
