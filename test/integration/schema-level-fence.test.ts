import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { sharedToolSchema } from '../../src/names';
import { rollback } from '../../src/pipeline/rollback';
import { runEngine } from '../support/child-run';
import { testDeps } from '../support/engine';
import { withSharedPlacement, type SharedPlacement } from '../support/fence';
import { dropRole } from '../support/nonsuper';
import { query, uniqueSuffix } from '../support/pg';
import { isolationModeOf } from '../support/schema-level';

const qi = pg.escapeIdentifier;

/**
 * Issue 21, open item 1: the rollback fence where the tenant's schemas are in the shared database.
 * The database is everyone's, so the fence closes every way into the schemas instead: memberships
 * in the tenant's roles, grants on its schemas (recorded, and granted back by an undo). Logins an
 * operator added while the tenant was isolated — granted its owner role (its migrations), or USAGE
 * and table privileges directly — act between the rollback's steps (the engine's fault hook).
 * Each test failed on main 06bf0ae (named per test). Run as the superuser and TEST_ADMIN=nonsuper;
 * the extra logins are made by the engine's role, as on managed PostgreSQL where it is the admin.
 */
describe('schema level in the shared database: the rollback fence', { concurrency: 1 }, () => {
  interface Promoted extends SharedPlacement {
    /** Names of the users the tenant wrote before the rollback. */
    written: string[];
    /** Creates a login (by the engine's role) and returns its URL; dropped after the test. */
    login(grants: (role: string) => string[]): Promise<{ role: string; url: string }>;
  }

  async function promoted(fn: (p: Promoted) => Promise<void>): Promise<void> {
    await withSharedPlacement('schema-level-fence', {}, async (placed) => {
      const { f, schema } = placed;
      const roles: string[] = [];
      try {
        tenantIds.set(schema, placed.tenantId);
        // Writes in the tenant's schema while it is isolated.
        const written = ['written while isolated 1', 'written while isolated 2'];
        for (const name of written) assert.equal(await tryWrite(f.url, schema, name), 'written');
        const login = async (grants: (role: string) => string[]) => {
          const role = `fence_${uniqueSuffix()}`;
          const password = `pw${uniqueSuffix()}`;
          roles.push(role);
          await query(f.engineUrl, `CREATE ROLE ${qi(role)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
          for (const sql of grants(role)) await query(f.engineUrl, sql);
          const u = new URL(f.url);
          u.username = role;
          u.password = password;
          return { role, url: u.toString() };
        };
        await fn({ ...placed, written, login });
      } finally {
        for (const role of roles) await dropRole(role).catch(() => undefined);
      }
    });
  }

  /**
   * A write into the tenant's schema as `url` (a user of the tenant: `users` has no row-level
   * security): 'written', or the SQLSTATE / error that refused it.
   */
  async function tryWrite(url: string, schema: string, name: string): Promise<string> {
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => undefined);
    try {
      await c.connect();
    } catch (e) {
      return `cannot connect: ${(e as { code?: string }).code ?? (e as Error).message}`;
    }
    try {
      const r = await c.query(
        `INSERT INTO ${qi(schema)}.users (tenant_id, email, display_name) VALUES ($1, $2, $3)`,
        [tenantIds.get(schema), `w${uniqueSuffix()}@fence.example`, name],
      );
      return r.rowCount === 1 ? 'written' : `${r.rowCount} rows`;
    } catch (e) {
      return (e as { code?: string }).code ?? (e as Error).message;
    } finally {
      await c.end().catch(() => undefined);
    }
  }
  /** The tenant's id, per tenant schema. */
  const tenantIds = new Map<string, string>();

  /** Memberships in the tenant's roles and privileges on its schemas, every column that matters. */
  async function waysIn(p: Promoted): Promise<string[]> {
    const members = await query<{ line: string }>(
      p.f.url,
      `SELECT format('member %s of %s by %s admin=%s %s', m.rolname, r.rolname, g.rolname, a.admin_option,
                     coalesce(to_jsonb(a)->>'inherit_option', '-') || '/' || coalesce(to_jsonb(a)->>'set_option', '-')) AS line
         FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
         JOIN pg_roles g ON g.oid = a.grantor
        WHERE r.rolname = ANY($1::text[]) ORDER BY 1`,
      [[p.names.ownerRole, p.names.appRole]],
    );
    const acl = await query<{ line: string }>(
      p.f.url,
      `SELECT format('%s on %s to %s by %s grantable=%s', a.privilege_type, n.nspname,
                     CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
                     pg_get_userbyid(a.grantor), a.is_grantable) AS line
         FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = $1 ORDER BY 1`,
      [p.schema],
    );
    return [...members, ...acl].map((r) => r.line);
  }

  /** Every user the tenant wrote is back in the shared table, its schemas and roles gone. */
  async function assertBack(p: Promoted, extra: string[] = []): Promise<void> {
    assert.equal(await isolationModeOf(p.f.url, p.opts.tenantSlug), 'shared');
    const back = await query<{ name: string }>(
      p.f.url,
      `SELECT display_name AS name FROM public.users WHERE display_name = ANY($1::text[]) ORDER BY 1`,
      [[...p.written, ...extra]],
    );
    assert.deepEqual(
      back.map((r) => r.name),
      [...p.written, ...extra].sort(),
    );
    const left = await query(p.f.url, `SELECT 1 FROM pg_namespace WHERE nspname IN ($1, $2)`, [
      p.schema,
      sharedToolSchema(p.opts.tenantSlug),
    ]);
    assert.equal(left.length, 0, "the tenant's schema and tool schema are dropped");
  }

  /** Rolls back, trying `url`'s write after the fence and before the drop; both are refused. */
  async function assertRefusedThroughout(p: Promoted, url: string): Promise<void> {
    const tried: Record<string, string> = {};
    const { record } = await rollback(
      p.opts,
      testDeps('schema-level-fence', {
        fault: async (point) => {
          if (point === 'after:fence' || point === 'before:restore' || point === 'before:drop-isolated')
            tried[point] = await tryWrite(url, p.schema, `written at ${point}`);
        },
      }),
    );
    assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
    assert.deepEqual(Object.keys(tried).sort(), ['after:fence', 'before:drop-isolated', 'before:restore']);
    for (const [point, outcome] of Object.entries(tried))
      assert.match(outcome, /^(42501|cannot connect)/, `${point}: ${outcome}`);
    await assertBack(p);
  }

  // DEFECT (data loss; failed on main): a login granted the owner role writes the tenant's schema
  // after the fence and after the restore read the rows; the drop lost that write.
  it('a login that is a member of the owner role cannot write from the fence on; every earlier write comes back', async () => {
    await promoted(async (p) => {
      const mig = await p.login((role) => [`GRANT ${qi(p.names.ownerRole)} TO ${qi(role)}`]);
      assert.equal(await tryWrite(mig.url, p.schema, 'written by the migrations'), 'written');
      p.written.push('written by the migrations');
      await assertRefusedThroughout(p, mig.url);
    });
  });

  // DEFECT (data loss; failed on main): a role granted USAGE and INSERT on the tenant's schema
  // directly was never fenced.
  it('a role granted USAGE and INSERT on the schema directly cannot write from the fence on', async () => {
    await promoted(async (p) => {
      const s = qi(p.schema);
      const writer = await p.login((role) => [
        `GRANT USAGE ON SCHEMA ${s} TO ${qi(role)}`,
        `GRANT SELECT, INSERT ON ${s}.users TO ${qi(role)}`,
      ]);
      assert.equal(await tryWrite(writer.url, p.schema, 'written by a direct grantee'), 'written');
      p.written.push('written by a direct grantee');
      await assertRefusedThroughout(p, writer.url);
    });
  });

  // A membership a superuser granted: on PostgreSQL 16+ only a role with the grantor's privileges
  // may revoke it. A non-superuser admin there cannot close that way in, so the rollback refuses
  // before copying anything (the tenant stays isolated, nothing revoked); otherwise it is closed.
  it('a membership granted by a superuser is revoked, or — where the admin may not — the rollback refuses, naming it', async () => {
    await promoted(async (p) => {
      const mig = await p.login(() => []);
      await query(p.f.url, `GRANT ${qi(p.names.ownerRole)} TO ${qi(mig.role)}`);
      const [{ version }] = (await query<{ version: number }>(
        p.f.url,
        `SELECT current_setting('server_version_num')::int AS version`,
      )) as [{ version: number }];
      const before = await waysIn(p);
      if (p.f.engineUrl !== p.f.url && version >= 160000) {
        const { record } = await rollback(p.opts, testDeps('schema-level-fence'));
        assert.equal(record.result, 'failed');
        assert.equal(record.error?.step, 'fence', JSON.stringify(record.error));
        assert.match(
          record.error?.message ?? '',
          new RegExp(`membership of ${mig.role} in ${p.names.ownerRole}`),
        );
        assert.deepEqual(await waysIn(p), before, 'nothing stays revoked');
        assert.equal(await isolationModeOf(p.f.url, p.opts.tenantSlug), 'isolated');
        assert.equal(await tryWrite(mig.url, p.schema, 'after the refusal'), 'written');
      } else await assertRefusedThroughout(p, mig.url);
    });
  });

  // DEFECT (failed on main: the memberships and the direct grant stayed open during the fence).
  it('a failure after the fence, before the restore: the undo grants back exactly what the fence revoked', async () => {
    await promoted(async (p) => {
      const s = qi(p.schema);
      await p.login((role) => [`GRANT ${qi(p.names.ownerRole)} TO ${qi(role)}`]);
      await p.login((role) => [`GRANT ${qi(p.names.appRole)} TO ${qi(role)}`]);
      await p.login((role) => [`GRANT USAGE ON SCHEMA ${s} TO ${qi(role)} WITH GRANT OPTION`]);
      await query(p.f.engineUrl, `GRANT USAGE ON SCHEMA ${s} TO PUBLIC`);
      const before = await waysIn(p);
      let during: string[] = [];
      const { record } = await rollback(
        p.opts,
        testDeps('schema-level-fence', {
          fault: async (point) => {
            if (point !== 'after:fence') return;
            during = await waysIn(p);
            throw new Error('injected after the fence');
          },
        }),
      );
      assert.equal(record.result, 'failed');
      assert.equal(record.steps.find((st) => st.name === 'fence')?.status, 'undone');
      // While fenced only the owner's own privileges and the administrator's membership were left.
      const admin = decodeURIComponent(new URL(p.f.engineUrl).username);
      const owner = p.names.ownerRole;
      const left = during.filter(
        (l) =>
          !l.startsWith(`member ${admin} of `) &&
          !l.match(new RegExp(`^(USAGE|CREATE) on \\S+ to ${owner} by ${owner} `)),
      );
      assert.deepEqual(left, [], 'nothing else is left open during the fence');
      assert.ok(during.length < before.length);
      assert.deepEqual(await waysIn(p), before, 'granted back exactly');
      assert.equal(await isolationModeOf(p.f.url, p.opts.tenantSlug), 'isolated');
      const [record_] = await query<{ n: number }>(
        p.f.url,
        `SELECT count(*)::int AS n FROM ${qi(sharedToolSchema(p.opts.tenantSlug))}.fence_revoked`,
      );
      assert.equal(record_!.n, 0, 'the record is emptied by the undo');
      // And the rollback then runs.
      const again = await rollback(p.opts, testDeps('schema-level-fence'));
      assert.equal(again.record.result, 'rolled-back', JSON.stringify(again.record.error));
      await assertBack(p);
    });
  });

  // DEFECT (failed on main: nothing recorded; the owner member kept its way in through the re-run).
  it('SIGKILL after the fence: a re-run that fails undoes the first run’s revokes too; a plain re-run rolls back', async () => {
    await promoted(async (p) => {
      const mig = await p.login((role) => [`GRANT ${qi(p.names.ownerRole)} TO ${qi(role)}`]);
      const before = await waysIn(p);
      const killed = await runEngine('rollback', p.opts, 'kill@after:fence');
      assert.equal(killed.signal, 'SIGKILL', killed.lines.slice(-5).join('\n'));
      assert.equal(await isolationModeOf(p.f.url, p.opts.tenantSlug), 'isolated');
      assert.match(await tryWrite(mig.url, p.schema, 'after the kill'), /^(42501|cannot connect)/);
      // The second run's fence finds nothing left to revoke; its undo must still grant back the first's.
      const failed = await runEngine('rollback', p.opts, 'fail@before:restore');
      assert.equal(failed.record?.result, 'failed', failed.lines.slice(-5).join('\n'));
      assert.deepEqual(await waysIn(p), before, 'granted back exactly, from the first run’s record');
      assert.equal(await tryWrite(mig.url, p.schema, 'after the undo'), 'written');
      p.written.push('after the undo');
      const killedAgain = await runEngine('rollback', p.opts, 'kill@after:fence');
      assert.equal(killedAgain.signal, 'SIGKILL');
      const done = await runEngine('rollback', p.opts);
      assert.equal(done.record?.result, 'rolled-back', JSON.stringify(done.record?.error));
      await assertBack(p);
    });
  });

  // DEFECT (data loss; failed on main): the restore read the rows without waiting for a write in
  // flight; it committed once the drop waited for its lock, and was dropped with the schema.
  it('a write in flight when the restore starts is waited for and comes back', async () => {
    await promoted(async (p) => {
      const inflight = new pg.Client({ connectionString: p.f.url });
      await inflight.connect();
      let committed: Promise<void> | undefined;
      try {
        const { record } = await rollback(
          p.opts,
          testDeps('schema-level-fence', {
            fault: async (point) => {
              if (point !== 'before:restore') return;
              // A superuser's transaction (the fence stops no superuser) writes and holds its lock.
              await inflight.query('BEGIN');
              await inflight.query(
                `INSERT INTO ${qi(p.schema)}.users (tenant_id, email, display_name) VALUES ($1, $2, 'in flight')`,
                [tenantIds.get(p.schema), `w${uniqueSuffix()}@fence.example`],
              );
              const pid = (await inflight.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!
                .pid;
              // Commits once another session waits for a lock this one holds (the restore's).
              committed = (async () => {
                for (;;) {
                  const waiting = await query(
                    p.f.url,
                    'SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
                    [pid],
                  );
                  if (waiting.length) break;
                }
                await inflight.query('COMMIT');
              })();
            },
          }),
        );
        await committed;
        assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
        p.written.push('in flight');
        await assertBack(p);
      } finally {
        await inflight.end().catch(() => undefined);
      }
    });
  });

  // DEFECT (data loss; failed on main): whoever no grant stops (a superuser) writes the tenant's
  // schema after the restore; the drop lost that write. Now the drop, under its locks, refuses.
  it('a write the fence cannot stop (a superuser) after the restore keeps the schemas instead of dropping it', async () => {
    await promoted(async (p) => {
      const { record } = await rollback(
        p.opts,
        testDeps('schema-level-fence', {
          fault: async (point) => {
            if (point === 'before:drop-isolated')
              assert.equal(await tryWrite(p.f.url, p.schema, 'superuser after the restore'), 'written');
          },
        }),
      );
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.step, 'drop-isolated', JSON.stringify(record.error));
      assert.match(
        record.error?.message ?? '',
        /schemas .* changed after the restore, so they were not dropped: .*users/,
      );
      assert.equal(await isolationModeOf(p.f.url, p.opts.tenantSlug), 'shared');
      const kept = await query(p.f.url, `SELECT 1 FROM ${qi(p.schema)}.users WHERE display_name = $1`, [
        'superuser after the restore',
      ]);
      assert.equal(kept.length, 1, 'the write is still in the kept schema');
    });
  });
});
