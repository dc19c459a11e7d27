import pg from 'pg';
import type { PromotionContext } from '../context';
import type { Step } from '../step';
import { asOwnerWithTarget, withTargetServer } from '../ownership';
import { endSessions, sessionsRemainError } from '../../postgres/sessions';
import { tenantSchemas } from '../../postgres/tenant-side';
import { tenantSideFor } from '../tenant-side';

const qi = pg.escapeIdentifier;

/**
 * Fences the tenant's side so it stops changing while its rows are copied back: the tenant's
 * role may not log in, and existing sessions are ended. Its own database (database level, or
 * schema level into a new database) loses CONNECT for the role and its members and turns
 * read-only for new sessions. Schemas in the shared database cannot be fenced that way (the
 * database is everyone's): there the role loses USAGE on its schemas, which stops it and every
 * member from reaching any object in them, and only the sessions of its members and of the owner
 * role's members end.
 * Undo lifts the fence, so a rollback that fails before its switch leaves the tenant working.
 */
export const fenceStep: Step<PromotionContext> = {
  name: 'fence',
  title: 'Fence the isolated database',
  async run(ctx) {
    const { names } = ctx;
    const side = tenantSideFor(ctx);
    await asOwnerWithTarget(ctx, 'fencing the isolated database', async (db) => {
      await db.query(`ALTER ROLE ${qi(names.appRole)} NOLOGIN`);
      if (side.ownDatabase) {
        // Roles that log in as members of the application role (a developer's, a job's) lose the
        // way in too: NOLOGIN stops only the role itself, and read-only is a default any session may
        // lift (review: a row written after the restore was dropped with the database).
        await db.query(`REVOKE CONNECT ON DATABASE ${qi(side.database)} FROM ${qi(names.appRole)}`);
        await db.query(`ALTER DATABASE ${qi(side.database)} SET default_transaction_read_only = on`);
      } else {
        for (const schema of tenantSchemas(side))
          await db.query(`REVOKE USAGE ON SCHEMA ${qi(schema)} FROM ${qi(names.appRole)}`);
      }
    });
    // Sessions already open would go on writing: every one must end, or the rollback stops (and
    // its undo lifts the fence) before copying anything back.
    const { ended, remaining } = await withTargetServer(ctx, (db) =>
      endSessions(
        db,
        side.database,
        [names.appRole, names.ownerRole],
        false,
        // The owner role's members too: a login granted it (the tenant's migrations, a DBA) owns
        // the tenant's tables and writes them whatever USAGE says (review: such a write after the
        // restore was dropped with the schemas). The administrator's own sessions are never ended.
        side.ownDatabase ? undefined : [names.appRole, names.ownerRole],
      ),
    );
    if (remaining.length) throw sessionsRemainError(side.database, remaining, 'copying the rows back');
    return side.ownDatabase
      ? `${names.appRole} and its members cannot connect, ${side.database} is read-only, ${ended} session(s) ended`
      : `${names.appRole} and its members cannot reach ${tenantSchemas(side).join(', ')}, sessions of its and ${names.ownerRole}'s members ended (${ended})`;
  },
  async undo(ctx) {
    const side = tenantSideFor(ctx);
    await asOwnerWithTarget(ctx, 'lifting the fence', async (db) => {
      if (side.ownDatabase) {
        await db.query(`ALTER DATABASE ${qi(side.database)} RESET default_transaction_read_only`);
        await db.query(`GRANT CONNECT ON DATABASE ${qi(side.database)} TO ${qi(ctx.names.appRole)}`);
      } else {
        for (const schema of tenantSchemas(side))
          await db.query(`GRANT USAGE ON SCHEMA ${qi(schema)} TO ${qi(ctx.names.appRole)}`);
      }
      await db.query(`ALTER ROLE ${qi(ctx.names.appRole)} LOGIN`);
    });
  },
};
