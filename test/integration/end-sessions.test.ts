import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { endSessions } from '../../src/postgres/sessions';
import { createNonSuperuser, type NonSuperuser } from '../support/nonsuper';
import { createDatabase, DATABASE_URL, uniqueSuffix, urlFor, withClient } from '../support/pg';

const qi = pg.escapeIdentifier;

/**
 * endSessions as managed PostgreSQL's administrator: it becomes a member of the tool's role only
 * to end that role's sessions, and is not left one afterwards (before: it stayed a member of the
 * tenant's application role for good).
 */
describe('ending the sessions of a tenant database as a non-superuser', () => {
  const suffix = uniqueSuffix();
  const dbName = `tp_endsess_${suffix}`;
  const appRole = `tp_endsess_app_${suffix}`;
  const password = randomBytes(12).toString('hex');
  let admin: NonSuperuser;

  before(async () => {
    await createDatabase(dbName);
    admin = await createNonSuperuser(urlFor(dbName));
    // The tool's role, created by the administrator (as the roles step does).
    await withClient(admin.url, (c) =>
      c.query(`CREATE ROLE ${qi(appRole)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`),
    );
    await withClient(DATABASE_URL, (c) =>
      c.query(`GRANT CONNECT ON DATABASE ${qi(dbName)} TO ${qi(appRole)}`),
    );
  });
  after(async () => {
    await withClient(DATABASE_URL, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${qi(dbName)} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${qi(appRole)}`);
    });
    await admin.drop();
  });

  it("ends the application role's session and leaves the administrator no member of that role", async () => {
    const u = new URL(urlFor(dbName));
    u.username = appRole;
    u.password = password;
    const app = new pg.Client({ connectionString: u.toString() });
    await app.connect();
    app.on('error', () => undefined);
    const appPid = (await app.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

    await withClient(admin.url, async (c) => {
      const result = await endSessions(c, dbName, [appRole]);
      assert.equal(result.ended, 1);
      assert.deepEqual(result.remaining, []);
      const gone = await c.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [appPid]);
      assert.equal(gone.rowCount, 0, 'the session was ended');
      const { rows } = await c.query<{ member: boolean }>(
        `SELECT pg_has_role(current_user, $1, 'MEMBER') AS member`,
        [appRole],
      );
      assert.equal(rows[0]!.member, false, 'the membership granted to end the session was revoked');
    });
    await app.end().catch(() => undefined);
  });
  it("with membersOf (the tenant's schemas in a shared database) ends only that role's and its members' sessions", async () => {
    const memberRole = `tp_endsess_member_${suffix}`;
    await withClient(admin.url, async (c) => {
      await c.query(`CREATE ROLE ${qi(memberRole)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
      await c.query(`GRANT ${qi(appRole)} TO ${qi(memberRole)}`);
    });
    await withClient(DATABASE_URL, (c) =>
      c.query(`GRANT CONNECT ON DATABASE ${qi(dbName)} TO ${qi(memberRole)}`),
    );
    const as = (role: string) => {
      const u = new URL(urlFor(dbName));
      u.username = role;
      u.password = password;
      return u.toString();
    };
    // The tenant's sessions, and others in the same database: a superuser's, the admin's own.
    const clients = [as(appRole), as(memberRole), urlFor(dbName), admin.urlFor(dbName)].map(
      (url) => new pg.Client({ connectionString: url }),
    );
    try {
      const pids: number[] = [];
      for (const c of clients) {
        await c.connect();
        c.on('error', () => undefined);
        pids.push((await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
      }
      await withClient(admin.urlFor(dbName), async (c) => {
        const result = await endSessions(c, dbName, [appRole], false, [appRole]);
        // The member's session is the tenant's too, but this admin may not end it (it is not a
        // member of that role): named, so the caller stops instead of going on.
        assert.equal(result.ended, 1);
        assert.deepEqual(
          result.remaining.map((r) => r.user),
          [memberRole],
        );
        const { rows } = await c.query<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[]) ORDER BY pid',
          [pids],
        );
        assert.deepEqual(
          rows.map((r) => r.pid),
          pids.slice(1).sort((a, b) => a - b),
          "the application role's session ended; the superuser's and the admin's are left alone",
        );
      });
    } finally {
      for (const c of clients) await c.end().catch(() => undefined);
      await withClient(DATABASE_URL, async (c) => {
        await c.query(`REVOKE CONNECT ON DATABASE ${qi(dbName)} FROM ${qi(memberRole)}`);
        await c.query(`DROP ROLE IF EXISTS ${qi(memberRole)}`);
      });
    }
  });
});
