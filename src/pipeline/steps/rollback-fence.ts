import pg from 'pg';
import type { PromotionContext } from '../context';
import type { Step } from '../step';
import { asOwnerWithTarget, withTargetServer } from '../ownership';
import { endSessions, sessionsRemainError } from '../../postgres/sessions';

const qi = pg.escapeIdentifier;

/**
 * Fences the isolated database so it stops changing while its rows are copied back: the
 * tenant's role may not log in, new sessions are read-only, and existing sessions are ended.
 * Undo lifts the fence, so a rollback that fails before its switch leaves the tenant working.
 */
export const fenceStep: Step<PromotionContext> = {
  name: 'fence',
  title: 'Fence the isolated database',
  async run(ctx) {
    const { names } = ctx;
    await asOwnerWithTarget(ctx, 'fencing the isolated database', async (db) => {
      await db.query(`ALTER ROLE ${qi(names.appRole)} NOLOGIN`);
      // Roles that log in as members of the application role (a developer's, a job's) lose the
      // way in too: NOLOGIN stops only the role itself, and read-only is a default any session may
      // lift (review: a row written after the restore was dropped with the database).
      await db.query(`REVOKE CONNECT ON DATABASE ${qi(names.database)} FROM ${qi(names.appRole)}`);
      await db.query(`ALTER DATABASE ${qi(names.database)} SET default_transaction_read_only = on`);
    });
    // Sessions already open would go on writing: every one must end, or the rollback stops (and
    // its undo lifts the fence) before copying anything back.
    const { ended, remaining } = await withTargetServer(ctx, (db) =>
      endSessions(db, names.database, [names.appRole, names.ownerRole]),
    );
    if (remaining.length) throw sessionsRemainError(names.database, remaining, 'copying the rows back');
    return `${names.appRole} and its members cannot connect, ${names.database} is read-only, ${ended} session(s) ended`;
  },
  async undo(ctx) {
    await asOwnerWithTarget(ctx, 'lifting the fence', async (db) => {
      await db.query(`ALTER DATABASE ${qi(ctx.names.database)} RESET default_transaction_read_only`);
      await db.query(`GRANT CONNECT ON DATABASE ${qi(ctx.names.database)} TO ${qi(ctx.names.appRole)}`);
      await db.query(`ALTER ROLE ${qi(ctx.names.appRole)} LOGIN`);
    });
  },
};
