import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli, type CliIo } from '../../src/cli/program';
import { deriveNames } from '../../src/names';
import { rollback } from '../../src/pipeline/rollback';
import { testDeps } from '../support/engine';
import { databaseExists, fingerprint } from '../support/fingerprint';
import { DATABASE_URL, query, urlFor } from '../support/pg';
import { brokenForeignKeys, rows, type RollbackFixture, rollbackSuite } from '../support/rollback-fixture';

/**
 * Issue 17, properties 1–4 and large objects (issue 13): a rollback keeps every write. Real
 * PostgreSQL, as the superuser and (TEST_ADMIN=nonsuper) as a role with only LOGIN CREATEDB
 * CREATEROLE.
 */

const { withFixture, promoted, rolledBack } = rollbackSuite('rollback-writes');

/** The tenant row's mode, and whether its database is writable by its application again. */
async function isolatedAndWorking(f: RollbackFixture, slug: string): Promise<void> {
  const names = deriveNames(slug);
  const [t] = await query<{ m: string }>(f.url, 'SELECT isolation_mode AS m FROM tenants WHERE slug = $1', [
    slug,
  ]);
  assert.equal(t!.m, 'isolated');
  const [r] = await query<{ login: boolean }>(
    DATABASE_URL,
    'SELECT rolcanlogin AS login FROM pg_roles WHERE rolname = $1',
    [names.appRole],
  );
  assert.equal(r!.login, true, 'the fence is lifted: the application role logs in');
  const [s] = await query<{ ro: string }>(
    urlFor(names.database),
    `SELECT current_setting('default_transaction_read_only') AS ro`,
  );
  assert.equal(s!.ro, 'off', 'the fence is lifted: new sessions may write');
}

describe('rollback keeps every write (issue 17)', () => {
  it('reproduction: a user inserted in the isolated database behind a new membership comes back with it', async () => {
    await withFixture(async (f, opts) => {
      const iso = await promoted(opts);
      const [{ id }] = (await query<{ id: string }>(
        iso,
        `INSERT INTO users (email, name) VALUES ('new@acme', 'New') RETURNING id::text AS id`,
      )) as [{ id: string }];
      await query(
        iso,
        `INSERT INTO memberships (tenant_id, user_id, role_id) SELECT t.id, $1, 1 FROM tenants t`,
        [id],
      );
      const record = await rolledBack(opts);
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      assert.deepEqual(await rows(f.url, `SELECT email, name FROM users WHERE id = ${Number(id)}`), [
        '(new@acme,New)',
      ]);
      assert.deepEqual(await rows(f.url, `SELECT count(*) FROM memberships WHERE user_id = ${Number(id)}`), [
        '(1)',
      ]);
      assert.deepEqual(await brokenForeignKeys(f.url), []);
    });
  });

  it('round trip: the tenant and two others insert, update and delete everywhere; every row lands where it belongs', async () => {
    await withFixture(async (f, opts) => {
      const iso = await promoted(opts);
      // The isolated tenant: own rows (serial, bigserial, identity ALWAYS), referenced users
      // (inserted, updated, deleted), a global role inserted, a large object created and one changed.
      await query(
        iso,
        `WITH u AS (INSERT INTO users (email, name) VALUES ('new@acme', 'New') RETURNING id)
         INSERT INTO memberships (tenant_id, user_id, role_id) SELECT t.id, u.id, 2 FROM tenants t, u`,
      );
      await query(iso, `UPDATE users SET name = 'One (acme)' WHERE email = 'u1@acme'`);
      // u5 leaves acme: its membership and project ownership go, then the user itself.
      await query(
        iso,
        `DELETE FROM memberships WHERE user_id = (SELECT id FROM users WHERE email = 'u5@acme')`,
      );
      await query(
        iso,
        `UPDATE projects SET owner_id = NULL WHERE owner_id = (SELECT id FROM users WHERE email = 'u5@acme')`,
      );
      await query(iso, `DELETE FROM users WHERE email = 'u5@acme'`);
      await query(iso, `INSERT INTO roles (tenant_id, name) VALUES (NULL, 'auditor')`);
      await query(
        iso,
        `WITH p AS (INSERT INTO projects (tenant_id, owner_id, name) SELECT t.id, 1, 'acme-c' FROM tenants t RETURNING id)
         INSERT INTO tasks (project_id, title) SELECT p.id, 'c1' FROM p`,
      );
      await query(iso, `UPDATE projects SET name = 'acme-a (renamed)' WHERE name = 'acme-a'`);
      await query(iso, `DELETE FROM tasks WHERE title = 'a2'`);
      // As the tenant's application does it: its role owns what it creates.
      const app = deriveNames(f.slugs.acme).appRole;
      await query(
        iso,
        `SET ROLE "${app}";
         INSERT INTO documents (tenant_id, title, body) SELECT t.id, 'acme-new', lo_from_bytea(0, 'created while isolated') FROM tenants t;
         SELECT lo_put(body, 0, 'ACME') FROM documents WHERE title = 'acme-doc';
         RESET ROLE`,
      );

      // The other tenants keep writing to the shared database.
      await query(
        f.url,
        `WITH u AS (INSERT INTO users (email, name) VALUES ('new@hooli', 'Hooli New') RETURNING id)
         INSERT INTO memberships (tenant_id, user_id, role_id) SELECT 2, u.id, 4 FROM u`,
      );
      await query(f.url, `UPDATE users SET name = 'Two (hooli)' WHERE email = 'u2@both'`);
      await query(f.url, `DELETE FROM tasks WHERE title = 'h2'`);
      await query(
        f.url,
        `WITH p AS (INSERT INTO projects (tenant_id, owner_id, name) VALUES (3, 4, 'initech-b') RETURNING id)
         INSERT INTO tasks (project_id, title) SELECT p.id, 'i2' FROM p`,
      );
      await query(f.url, `UPDATE projects SET name = 'initech-a (renamed)' WHERE name = 'initech-a'`);

      // Expected: the tenant's rows as its database holds them; the others' as the shared one does.
      const own = {
        memberships: `SELECT id, tenant_id, user_id, role_id FROM memberships WHERE tenant_id = 1`,
        projects: `SELECT id, tenant_id, owner_id, name FROM projects WHERE tenant_id = 1`,
        tasks: `SELECT k.id, k.project_id, k.title FROM tasks k JOIN projects p ON p.id = k.project_id WHERE p.tenant_id = 1`,
        documents: `SELECT id, tenant_id, title, body FROM documents WHERE tenant_id = 1`,
        roles: `SELECT id, tenant_id, name FROM roles WHERE tenant_id IS DISTINCT FROM 2`,
      };
      const others = {
        memberships: `SELECT * FROM memberships WHERE tenant_id <> 1`,
        projects: `SELECT * FROM projects WHERE tenant_id <> 1`,
        tasks: `SELECT k.* FROM tasks k JOIN projects p ON p.id = k.project_id WHERE p.tenant_id <> 1`,
        documents: `SELECT * FROM documents WHERE tenant_id <> 1`,
      };
      const want: Record<string, string[]> = {};
      for (const [k, sql] of Object.entries(own)) want[`own ${k}`] = await rows(iso, sql);
      for (const [k, sql] of Object.entries(others)) want[`others ${k}`] = await rows(f.url, sql);
      const isoObject = await query<{ d: string }>(
        iso,
        `SELECT encode(lo_get(body), 'escape') AS d FROM documents ORDER BY id`,
      );

      const record = await rolledBack(opts);
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      for (const [k, sql] of Object.entries(own))
        assert.deepEqual(await rows(f.url, sql), want[`own ${k}`], `own ${k}`);
      for (const [k, sql] of Object.entries(others))
        assert.deepEqual(await rows(f.url, sql), want[`others ${k}`], `others ${k}`);
      // Users: the tenant's insert, update and delete; hooli's insert and update; nobody overwritten.
      assert.deepEqual(
        await rows(f.url, `SELECT email, name FROM users`),
        [
          '(new@acme,New)',
          '(new@hooli,"Hooli New")',
          '(u1@acme,"One (acme)")',
          '(u2@both,"Two (hooli)")',
          '(u3@hooli,Three)',
          '(u4@initech,Four)',
        ].sort(),
      );
      assert.deepEqual(await brokenForeignKeys(f.url), []);
      // Large objects: created while isolated and changed while isolated, both back, content verified.
      const back = await query<{ d: string }>(
        f.url,
        `SELECT encode(lo_get(body), 'escape') AS d FROM documents WHERE tenant_id = 1 ORDER BY id`,
      );
      assert.deepEqual(
        back.map((r) => r.d),
        isoObject.map((r) => r.d),
      );
      assert.deepEqual(
        back.map((r) => r.d),
        ['ACME large object v1', 'created while isolated'],
      );
      // No key reused: every sequence of the shared database hands out a free id.
      for (const [table, column] of [
        ['users', 'id'],
        ['projects', 'id'],
        ['tasks', 'id'],
        ['memberships', 'id'],
        ['roles', 'id'],
        ['documents', 'id'],
      ] as const) {
        const [{ next }] = (await query<{ next: string }>(
          f.url,
          `SELECT nextval(pg_get_serial_sequence('${table}', '${column}'))::text AS next`,
        )) as [{ next: string }];
        const taken = await query(f.url, `SELECT 1 FROM ${table} WHERE ${column} = $1`, [next]);
        assert.equal(taken.length, 0, `${table}: next id ${next} is free`);
      }
      assert.equal(await databaseExists(deriveNames(f.slugs.acme).database, DATABASE_URL), false);
      assert.ok(
        record.notes.some((n) => /blocked for \d+ ms/.test(n)),
        record.notes.join('\n'),
      );
    });
  });

  it('a row changed on both sides since the switch refuses the rollback, listing it; nothing changes; the tenant keeps working', async () => {
    await withFixture(async (f, opts) => {
      const iso = await promoted(opts);
      await query(iso, `UPDATE users SET name = 'Two (acme)' WHERE email = 'u2@both'`);
      await query(f.url, `UPDATE users SET name = 'Two (hooli)' WHERE email = 'u2@both'`);
      const [{ id }] = (await query<{ id: string }>(
        f.url,
        `SELECT id::text AS id FROM users WHERE email = 'u2@both'`,
      )) as [{ id: string }];
      const before = { shared: await fingerprint(f.url), iso: await fingerprint(iso) };

      const dry = await rolledBack(opts, { dryRun: true });
      assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
      assert.ok(
        dry.notes.some((n) =>
          n.includes(
            `"public"."users" key ${id}: updated in the tenant's database, updated in the shared database`,
          ),
        ),
        dry.notes.join('\n'),
      );

      const record = await rolledBack(opts);
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.code, 'tenant-state');
      assert.match(
        record.error!.message,
        new RegExp(
          `"public"\\."users" key ${id}: updated in the tenant's database, updated in the shared database`,
        ),
      );
      assert.deepEqual(await fingerprint(f.url), before.shared);
      assert.deepEqual(await fingerprint(iso), before.iso);
      await isolatedAndWorking(f, f.slugs.acme);

      // Decided by hand (the shared side takes the tenant's version): the rollback goes through.
      await query(f.url, `UPDATE users SET name = 'Two (acme)' WHERE email = 'u2@both'`);
      const again = await rolledBack(opts);
      assert.equal(again.result, 'rolled-back', JSON.stringify(again.error));
      assert.deepEqual(await brokenForeignKeys(f.url), []);
    });
  });

  it('a user the tenant deleted while another tenant still uses it is kept, and the record says so', async () => {
    await withFixture(async (f, opts) => {
      const iso = await promoted(opts);
      await query(
        iso,
        `DELETE FROM memberships WHERE user_id = (SELECT id FROM users WHERE email = 'u2@both')`,
      );
      await query(iso, `DELETE FROM users WHERE email = 'u2@both'`);
      const record = await rolledBack(opts);
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      assert.deepEqual(await rows(f.url, `SELECT email FROM users WHERE email = 'u2@both'`), ['(u2@both)']);
      assert.deepEqual(
        await rows(
          f.url,
          `SELECT tenant_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'u2@both'`,
        ),
        ['(2)'],
      );
      assert.ok(
        record.notes.some((n) =>
          /Kept in the shared database although the tenant deleted them .*"public"\."users" \d+/.test(n),
        ),
        record.notes.join('\n'),
      );
      assert.deepEqual(await brokenForeignKeys(f.url), []);
    });
  });

  it('a user the tenant deleted, referenced by another tenant through ON DELETE CASCADE: kept, the other tenant’s membership untouched', async () => {
    await withFixture(async (f, opts) => {
      // Review: before, the delete cascaded into hooli's membership and the rollback said rolled-back.
      await query(
        f.url,
        `ALTER TABLE memberships DROP CONSTRAINT memberships_user_id_fkey,
           ADD CONSTRAINT memberships_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE`,
      );
      const iso = await promoted(opts);
      await query(
        iso,
        `DELETE FROM memberships WHERE user_id = (SELECT id FROM users WHERE email = 'u2@both')`,
      );
      await query(iso, `DELETE FROM users WHERE email = 'u2@both'`);
      const record = await rolledBack(opts);
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      assert.deepEqual(await rows(f.url, `SELECT email FROM users WHERE email = 'u2@both'`), ['(u2@both)']);
      assert.deepEqual(
        await rows(
          f.url,
          `SELECT tenant_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'u2@both'`,
        ),
        ['(2)'],
      );
      assert.deepEqual(await brokenForeignKeys(f.url), []);
    });
  });

  it('another tenant’s write to a shared row committed while the restore runs is never overwritten', async () => {
    await withFixture(async (f, opts) => {
      const iso = await promoted(opts);
      // The tenant renames global role 2 (hooli uses it too) while isolated.
      await query(iso, `UPDATE roles SET name = 'viewer (acme)' WHERE id = 2`);
      let committedAt: string | undefined;
      const { record } = await rollback(
        opts,
        testDeps('rollback-writes', {
          // At the first table the restore copies back: after the rows were classified, before
          // the merged ones are written (review: hooli's write was overwritten, rolled-back).
          fault: async (point) => {
            if (committedAt || !point.startsWith('restore:') || point === 'restore:before-commit') return;
            await query(
              f.url,
              `SET lock_timeout = 2000; UPDATE roles SET name = 'viewer (hooli)' WHERE id = 2`,
            );
            committedAt = point;
          },
        }),
      );
      assert.ok(committedAt, 'the other tenant wrote while the restore ran');
      assert.deepEqual(await rows(f.url, `SELECT name FROM roles WHERE id = 2`), ['("viewer (hooli)")']);
      assert.notEqual(record.result, 'rolled-back', 'the rollback stops instead of overwriting');
      assert.match(record.error?.message ?? '', /changed in the shared database while it ran/);
      await isolatedAndWorking(f, f.slugs.acme);
      assert.deepEqual(await brokenForeignKeys(f.url), []);
    });
  });

  it('the fence keeps out roles that log in as members of the application role', async () => {
    await withFixture(async (f, opts) => {
      await promoted(opts);
      const names = deriveNames(f.slugs.acme);
      const dev = `${names.appRole.slice(0, 40)}_dev`;
      await query(DATABASE_URL, `CREATE ROLE "${dev}" LOGIN IN ROLE "${names.appRole}"`);
      try {
        const asDev = new URL(urlFor(names.database));
        asDev.username = dev;
        let refused: string | undefined;
        const { record } = await rollback(
          opts,
          testDeps('rollback-writes', {
            fault: async (point) => {
              if (point !== 'after:fence') return;
              // Before: connected, SET ROLE to the application role and wrote a row that was then
              // dropped with the database.
              await query(asDev.toString(), 'SELECT 1').catch((e: Error) => (refused = e.message));
            },
          }),
        );
        assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
        assert.match(refused ?? 'connected', /permission denied for database/);
      } finally {
        await query(DATABASE_URL, `DROP ROLE IF EXISTS "${dev}"`);
      }
    });
  });

  it('a row of another tenant written into the tenant database refuses the rollback: it would land in the other tenant', async () => {
    await withFixture(async (f, opts) => {
      const iso = await promoted(opts);
      // A second tenants row in the tenant database, and a role carrying its key.
      await query(
        iso,
        `INSERT INTO tenants (id, slug, name, plan_code) VALUES (2, 'planted', 'Planted', 'free')`,
      );
      await query(iso, `INSERT INTO roles (tenant_id, name) VALUES (2, 'planted')`);
      const before = await fingerprint(f.url);
      const record = await rolledBack(opts);
      assert.equal(record.result, 'failed');
      assert.match(record.error!.message, /"public"\."roles": 1 row\(s\) that are not the tenant's/);
      assert.deepEqual(await fingerprint(f.url), before);
      await isolatedAndWorking(f, f.slugs.acme);
    });
  });

  it('schema drift refuses the rollback before anything changes; the same migration on both sides is fine', async () => {
    await withFixture(async (f, opts) => {
      const iso = await promoted(opts);
      await query(iso, `ALTER TABLE projects ADD COLUMN color text`);
      await query(iso, `ALTER TABLE tasks ADD CONSTRAINT title_short CHECK (length(title) < 100)`);
      const before = { shared: await fingerprint(f.url), iso: await fingerprint(iso) };
      const record = await rolledBack(opts, { keepIsolatedData: true });
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.step, 'schema-drift');
      assert.match(record.error!.message, /column public\.projects\.color: only in the tenant's database/);
      assert.match(
        record.error!.message,
        /constraint public\.tasks\.title_short: only in the tenant's database/,
      );
      assert.match(record.error!.message, /the tenant's rows stay in/);
      assert.deepEqual(await fingerprint(f.url), before.shared);
      assert.deepEqual(await fingerprint(iso), before.iso);
      await isolatedAndWorking(f, f.slugs.acme);

      await query(f.url, `ALTER TABLE projects ADD COLUMN color text`);
      await query(f.url, `ALTER TABLE tasks ADD CONSTRAINT title_short CHECK (length(title) < 100)`);
      await query(iso, `UPDATE projects SET color = 'red' WHERE name = 'acme-a'`);
      const again = await rolledBack(opts);
      assert.equal(again.result, 'rolled-back', JSON.stringify(again.error));
      assert.deepEqual(await rows(f.url, `SELECT name, color FROM projects WHERE color IS NOT NULL`), [
        '(acme-a,red)',
      ]);
    });
  });

  it('rollback --dry-run reports per table, the drift and the sequences, and changes nothing in either database', async () => {
    await withFixture(async (f, opts) => {
      const iso = await promoted(opts);
      await query(
        iso,
        `WITH u AS (INSERT INTO users (email, name) VALUES ('new@acme', 'New') RETURNING id)
         INSERT INTO memberships (tenant_id, user_id, role_id) SELECT t.id, u.id, 1 FROM tenants t, u`,
      );
      await query(iso, `ALTER TABLE users ADD COLUMN nickname text`);
      const before = { shared: await fingerprint(f.url), iso: await fingerprint(iso) };
      const record = await rolledBack(opts, { dryRun: true });
      assert.equal(record.result, 'dry-run', JSON.stringify(record.error));
      assert.deepEqual(await fingerprint(f.url), before.shared);
      assert.deepEqual(await fingerprint(iso), before.iso);
      const notes = record.notes.join('\n');
      assert.match(
        notes,
        /Would restore "public"\."memberships" \(tenant\): 4 rows come back, replacing 0 shared rows/,
      );
      assert.match(
        notes,
        /Schema drift \(the rollback would refuse\): column public\.users\.nickname: only in the tenant's database/,
      );
      assert.match(notes, /Sequences: ids the tenant took while isolated come from its range/);
      assert.match(notes, /"public"."users" \(referenced rows\): 1 inserted, 0 updated, 0 deleted/);
      assert.ok(
        record.steps
          .filter((s) => s.status === 'done')
          .every((s) => ['lock', 'prevalidate', 'schema-drift', 'preview'].includes(s.name)),
      );
      // The CLI: `rollback --dry-run` needs no confirmation and changes nothing either.
      let stdout = '';
      const io: CliIo = {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: () => true },
        env: { DATABASE_URL: f.engineUrl },
        confirm: {
          interactive: false,
          show: () => undefined,
          ask: () => Promise.reject(new Error('no terminal')),
        },
      };
      const code = await runCli(
        [
          'rollback',
          `--tenant-slug=${f.slugs.acme}`,
          '--dry-run',
          '--no-cloud-run',
          '-v',
          '--env-file=/dev/null',
        ],
        io,
      );
      assert.equal(code, 0, stdout);
      assert.match(stdout, /dry.run/i);
      assert.deepEqual(await fingerprint(f.url), before.shared);
      assert.deepEqual(await fingerprint(iso), before.iso);
      const [t] = await query<{ m: string }>(
        f.url,
        'SELECT isolation_mode AS m FROM tenants WHERE slug = $1',
        [f.slugs.acme],
      );
      assert.equal(t!.m, 'isolated');
    });
  });
});
