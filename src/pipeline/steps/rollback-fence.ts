import pg from 'pg';
import type { PromotionContext } from '../context';
import type { Step } from '../step';
import { asOwner } from '../ownership';

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
    const ended = await asOwner(ctx, 'fencing the isolated database', async (db) => {
      await db.query(`ALTER ROLE ${qi(names.appRole)} NOLOGIN`);
      await db.query(`ALTER DATABASE ${qi(names.database)} SET default_transaction_read_only = on`);
      return db.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [names.database],
      );
    });
    return `${names.appRole} cannot log in, ${names.database} is read-only, ${ended.rowCount ?? 0} session(s) ended`;
  },
  async undo(ctx) {
    await asOwner(ctx, 'lifting the fence', async (db) => {
      await db.query(`ALTER DATABASE ${qi(ctx.names.database)} RESET default_transaction_read_only`);
      await db.query(`ALTER ROLE ${qi(ctx.names.appRole)} LOGIN`);
    });
  },
};
