import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveNames } from '../../src/names';
import { PromotionOptions } from '../../src/options';
import { PromotionError } from '../../src/errors';
import { promote } from '../../src/pipeline/promote';
import { rollback } from '../../src/pipeline/rollback';
import { tenantStatus } from '../../src/pipeline/status';
import { testDeps } from '../support/engine';
import { databaseExists, fingerprint } from '../support/fingerprint';
import { query, urlFor } from '../support/pg';
import { brokenForeignKeys, rows, rollbackSuite } from '../support/rollback-fixture';

/**
 * Issue 17, the adversarial review's findings left open: each test reproduces one (it failed
 * before its fix). Real PostgreSQL, as the superuser and (TEST_ADMIN=nonsuper) as a role with only
 * LOGIN CREATEDB CREATEROLE.
 */

const { withFixture, promoted, rolledBack } = rollbackSuite('rollback-review');

describe('rollback: the review findings (issue 17)', () => {
  it('a shared row changed between the ledger and the freeze, then changed back after the switch, is not restored to the interim value', async () => {
    await withFixture(async (f, opts) => {
      const iso = await promoted(opts, {
        fault: async (point) => {
          // After the ledger, before the freeze: the freeze pass re-applies this row.
          if (point === 'switch:before-freeze')
            await query(f.url, `UPDATE users SET name = 'One-interim' WHERE email = 'u1@acme'`);
        },
      });
      assert.deepEqual(await rows(iso, `SELECT name FROM users WHERE email = 'u1@acme'`), ['(One-interim)']);
      // A shared job puts it back after the switch; the tenant never touches it.
      await query(f.url, `UPDATE users SET name = 'One' WHERE email = 'u1@acme'`);
      const record = await rolledBack(opts);
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      assert.deepEqual(await rows(f.url, `SELECT name FROM users WHERE email = 'u1@acme'`), ['(One)']);
      assert.deepEqual(await brokenForeignKeys(f.url), []);
    });
  });

  it('a user a shared job deleted after the switch, still referenced by the tenant, comes back with it (foreseen by the dry run)', async () => {
    await withFixture(async (f, opts) => {
      await promoted(opts);
      // A shared-side job removes u1 everywhere: the stale copies of acme's rows included.
      await query(
        f.url,
        `DELETE FROM memberships WHERE user_id = 1; UPDATE projects SET owner_id = NULL WHERE owner_id = 1;
         DELETE FROM users WHERE id = 1`,
      );
      const dry = await rolledBack(opts, { dryRun: true });
      assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
      assert.ok(
        dry.notes.some((n) => /users" deleted in the shared database .* still reference them: 1\b/.test(n)),
        dry.notes.join('\n'),
      );
      assert.deepEqual(await rows(f.url, `SELECT id FROM users WHERE id = 1`), []);
      const record = await rolledBack(opts);
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      assert.deepEqual(await rows(f.url, `SELECT email FROM users WHERE id = 1`), ['(u1@acme)']);
      assert.deepEqual(await rows(f.url, `SELECT count(*) FROM memberships WHERE user_id = 1`), ['(1)']);
      assert.deepEqual(await rows(f.url, `SELECT owner_id FROM projects WHERE name = 'acme-a'`), ['(1)']);
      assert.deepEqual(await brokenForeignKeys(f.url), []);
    });
  });

  it('a user a shared job deleted that the tenant no longer references stays deleted', async () => {
    await withFixture(async (f, opts) => {
      const iso = await promoted(opts);
      // u5 leaves acme in the tenant's database; a shared job deletes u5 in the shared one.
      await query(
        iso,
        `DELETE FROM memberships WHERE user_id = 5; UPDATE projects SET owner_id = NULL WHERE owner_id = 5`,
      );
      await query(
        f.url,
        `DELETE FROM memberships WHERE user_id = 5; UPDATE projects SET owner_id = NULL WHERE owner_id = 5;
         DELETE FROM users WHERE id = 5`,
      );
      const record = await rolledBack(opts);
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      assert.deepEqual(await rows(f.url, `SELECT id FROM users WHERE id = 5`), []);
      assert.deepEqual(await brokenForeignKeys(f.url), []);
    });
  });

  it('a table created after the promotion on both sides: ids taken on both sides refuse before anything changes, foreseen by the dry run', async () => {
    await withFixture(async (f, opts) => {
      const iso = await promoted(opts);
      // The same migration on both sides; the tenant's copy has no sequence range.
      const migration = `CREATE TABLE notes (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id), body text NOT NULL);
                         CREATE INDEX ON notes (tenant_id)`;
      const admin = new URL(f.engineUrl).username;
      await query(f.url, `${migration}; GRANT ALL ON notes, notes_id_seq TO "${admin}"`);
      await query(iso, `SET ROLE "${deriveNames(f.slugs.acme).ownerRole}"; ${migration}`);
      await query(
        f.url,
        `INSERT INTO notes (tenant_id, body) SELECT id, 'hooli-note' FROM tenants WHERE slug = $1`,
        [f.slugs.hooli],
      );
      await query(iso, `INSERT INTO notes (tenant_id, body) SELECT id, 'acme-note' FROM tenants`);
      const before = { shared: await fingerprint(f.url), iso: await fingerprint(iso) };
      const status = await tenantStatus(PromotionOptions.parse(opts), {});
      assert.ok(
        status.planNotes.some((n) => /Without a sequence range .*public\.notes_id_seq/.test(n)),
        status.planNotes.join('\n'),
      );
      const dry = await rolledBack(opts, { dryRun: true });
      assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
      assert.ok(
        dry.notes.some((n) =>
          /Keys or unique values taken on both sides .*"public"\."notes" key 1\b/.test(n),
        ),
        dry.notes.join('\n'),
      );
      assert.ok(
        dry.notes.some((n) => /Without a sequence range .*public\.notes_id_seq/.test(n)),
        dry.notes.join('\n'),
      );
      const record = await rolledBack(opts);
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.step, 'restore');
      assert.match(record.error!.message, /both sides handed out the same ids.*"public"\."notes" key 1\b/);
      assert.match(record.error!.hint ?? '', /new key/);
      assert.deepEqual(await fingerprint(f.url), before.shared);
      assert.deepEqual(await rows(f.url, `SELECT body FROM notes`), ['(hooli-note)']);
    });
  });

  it('a row written into the tenant database after the restore keeps the database: the drop proves it holds only what came back', async () => {
    await withFixture(async (f, opts) => {
      const iso = await promoted(opts);
      const { record } = await rollback(
        opts,
        testDeps('rollback-review', {
          fault: async (point) => {
            if (point !== 'after:restore') return;
            // A session that ignores the fence (its own CONNECT grant, read-only switched off).
            await query(
              iso,
              `BEGIN READ WRITE; INSERT INTO projects (tenant_id, name) SELECT id, 'late' FROM tenants; COMMIT`,
            );
          },
        }),
      );
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.step, 'verify-restored', JSON.stringify(record.error));
      assert.match(record.error!.message, /"public"\."projects": 2 rows restored, 3 rows now/);
      assert.deepEqual(await rows(iso, `SELECT name FROM projects WHERE name = 'late'`), ['(late)']);
      // A re-run (resuming after the restore's commit) proves it again: still refused.
      const resumed = await rolledBack(opts);
      assert.equal(resumed.error?.step, 'verify-restored', JSON.stringify(resumed.error));
      // Brought over by hand: the re-run drops the database.
      await query(iso, `BEGIN READ WRITE; DELETE FROM projects WHERE name = 'late'; COMMIT`);
      const again = await rolledBack(opts);
      assert.equal(again.result, 'rolled-back', JSON.stringify(again.error));
      assert.equal(await databaseExists(deriveNames(f.slugs.acme).database, f.url), false);
    });
  });

  it('shared-side triggers: a BEFORE INSERT trigger that rewrites rows does not make the rollback refuse; the triggers that fire are listed', async () => {
    await withFixture(async (f, opts) => {
      const iso = await promoted(opts);
      await query(
        iso,
        `BEGIN READ WRITE; UPDATE projects SET name = 'acme-a2' WHERE name = 'acme-a'; COMMIT`,
      );
      await query(
        f.url,
        `CREATE TRIGGER projects_stamp BEFORE INSERT ON projects FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
         CREATE FUNCTION audit_noop() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN RETURN NULL; END $fn$;
         CREATE TRIGGER memberships_audit AFTER INSERT ON memberships FOR EACH ROW EXECUTE FUNCTION audit_noop()`,
      );
      const dry = await rolledBack(opts, { dryRun: true });
      assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
      const listed =
        /Triggers of the shared database fire .*"public"\."projects": projects_stamp \(BEFORE INSERT FOR EACH ROW\).*"public"\."memberships": memberships_audit \(AFTER INSERT FOR EACH ROW\)/;
      assert.ok(
        dry.notes.some((n) => listed.test(n)),
        dry.notes.join('\n'),
      );
      const record = await rolledBack(opts);
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      assert.ok(
        record.notes.some((n) => listed.test(n)),
        record.notes.join('\n'),
      );
      assert.deepEqual(await rows(f.url, `SELECT name FROM projects WHERE tenant_id = 1`), [
        '(acme-a2)',
        '(acme-b)',
      ]);
      assert.deepEqual(await brokenForeignKeys(f.url), []);
    });
  });

  it('a user inserted on both sides with the same unique email refuses before anything changes, listed by the dry run', async () => {
    await withFixture(async (f, opts) => {
      const iso = await promoted(opts);
      await query(
        iso,
        `BEGIN READ WRITE;
         WITH u AS (INSERT INTO users (email, name) VALUES ('dup@x', 'Acme') RETURNING id)
         INSERT INTO memberships (tenant_id, user_id, role_id) SELECT t.id, u.id, 2 FROM tenants t, u;
         COMMIT`,
      );
      await query(f.url, `INSERT INTO users (email, name) VALUES ('dup@x', 'Hooli')`);
      const before = await fingerprint(f.url);
      const dry = await rolledBack(opts, { dryRun: true });
      assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
      const listed =
        /"public"\."users" key \d+: its email \(unique users_email_key\) is held in the shared database by key 6/;
      assert.ok(
        dry.notes.some((n) => listed.test(n)),
        dry.notes.join('\n'),
      );
      const record = await rolledBack(opts);
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.code, 'tenant-state');
      assert.match(record.error!.message, listed);
      assert.deepEqual(await fingerprint(f.url), before);
    });
  });
  it("a NOT NULL the tenant's database dropped, then a NULL written: refused before the fence naming the column (the dry run too), nothing changed", async () => {
    await withFixture(async (f, opts) => {
      const iso = await promoted(opts);
      await query(iso, `ALTER TABLE projects ALTER COLUMN name DROP NOT NULL`);
      await query(iso, `UPDATE projects SET name = NULL WHERE id = (SELECT min(id) FROM projects)`);
      const sharedBefore = await fingerprint(f.url);
      const isoBefore = await fingerprint(iso);
      const dry = await rolledBack(opts, { dryRun: true });
      assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
      assert.match(
        dry.notes.join('\n'),
        /column public\.projects\.name: NOT NULL in the shared database, nullable in the tenant's/,
      );
      const record = await rolledBack(opts);
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.step, 'schema-drift', JSON.stringify(record.error));
      assert.equal(record.error?.code, 'tenant-state');
      assert.match(
        record.error!.message,
        /column public\.projects\.name: NOT NULL in the shared database, nullable in the tenant's/,
      );
      assert.equal(record.steps.find((s) => s.name === 'fence')?.status, 'pending');
      assert.deepEqual(await fingerprint(f.url), sharedBefore, 'the shared database is unchanged');
      assert.deepEqual(await fingerprint(iso), isoBefore, "the tenant's database is unchanged");
      assert.deepEqual(
        await query<{ m: string }>(f.url, `SELECT isolation_mode AS m FROM tenants WHERE slug = $1`, [
          f.slugs.acme,
        ]),
        [{ m: 'isolated' }],
      );
    });
  });
  it('a value the shared database refuses at the restore (a domain CHECK the tenant dropped): the error names the table, nothing changed, the fence lifted', async () => {
    await withFixture(async (f, opts) => {
      const domain = `score_${f.slugs.acme.replace(/\W/g, '_')}`;
      await query(f.url, `CREATE DOMAIN ${domain} AS int CHECK (VALUE > 0)`);
      await query(f.url, `ALTER TABLE projects ADD COLUMN score ${domain}`);
      const iso = await promoted(opts);
      // Domain constraints are not table constraints: the drift check cannot see this one.
      await query(iso, `ALTER DOMAIN ${domain} DROP CONSTRAINT ${domain}_check`);
      await query(iso, `UPDATE projects SET score = -1 WHERE id = (SELECT min(id) FROM projects)`);
      const sharedBefore = await fingerprint(f.url);
      const record = await rolledBack(opts);
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.step, 'restore', JSON.stringify(record.error));
      assert.equal(record.error?.code, 'tenant-state', JSON.stringify(record.error));
      assert.match(
        record.error!.message,
        /A row of "public"\."projects" from the isolated database cannot be stored in the shared database \(value for domain/,
      );
      assert.match(record.error!.hint ?? '', /"public"\."projects"/);
      assert.deepEqual(await fingerprint(f.url), sharedBefore, 'the shared database is unchanged');
      // The fence is lifted: the tenant writes again.
      await query(iso, `UPDATE projects SET score = 1 WHERE score = -1`);
    });
  });

  /** A token table the plan reaches as referenced rows (rows that reference only users). */
  const withTokens = async (f: { url: string; engineUrl: string }) => {
    const admin = new URL(f.engineUrl).username;
    await query(
      f.url,
      `CREATE TABLE user_tokens (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id), token text NOT NULL);
       CREATE INDEX ON user_tokens (user_id);
       INSERT INTO user_tokens VALUES (1, 1, 't1'), (2, 2, 't2'), (5, 5, 't5');
       GRANT ALL ON user_tokens TO "${admin}"`,
    );
  };

  it('remove-unused: a user the shared database erased after the cleanup (and its token) stays deleted; only the rows cleanup removed come back (the dry run names them)', async () => {
    await withFixture(async (f, opts) => {
      await withTokens(f);
      const iso = await promoted({ ...opts, cleanupReferencedRows: 'remove-unused' });
      // Cleanup removed acme's own users 1 and 5 with their tokens; user 2 stays (hooli's member).
      assert.deepEqual(await rows(f.url, `SELECT id FROM users`), ['(2)', '(3)', '(4)']);
      assert.deepEqual(await rows(f.url, `SELECT id FROM user_tokens`), ['(2)']);
      // The tenant drops user 2; the shared side erases user 2 and its token on purpose.
      await query(iso, `DELETE FROM memberships WHERE user_id = 2`);
      await query(
        f.url,
        `DELETE FROM user_tokens WHERE user_id = 2; DELETE FROM memberships WHERE user_id = 2; DELETE FROM users WHERE id = 2`,
      );
      const dry = await rolledBack(opts, { dryRun: true });
      assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
      assert.ok(
        dry.notes.some((n) =>
          /2 row\(s\) of "public"\."users" that cleanup removed .*come back: 1, 5\b/.test(n),
        ),
        dry.notes.join('\n'),
      );
      assert.ok(
        !dry.notes.some((n) => /"public"\."users" .*come back.*\b2\b/.test(n) && !/cleanup removed/.test(n)),
        dry.notes.join('\n'),
      );
      const record = await rolledBack(opts);
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      assert.deepEqual(await rows(f.url, `SELECT id FROM users`), ['(1)', '(3)', '(4)', '(5)']);
      assert.deepEqual(await rows(f.url, `SELECT id FROM user_tokens`), ['(1)', '(5)']);
      assert.deepEqual(await rows(f.url, `SELECT user_id FROM memberships WHERE tenant_id = 1`), [
        '(1)',
        '(5)',
      ]);
      assert.deepEqual(await brokenForeignKeys(f.url), []);
    });
  });

  it("keep: a user the shared database erased with its token stays deleted: the tenant's stale copy of the token does not bring it back", async () => {
    await withFixture(async (f, opts) => {
      await withTokens(f);
      const iso = await promoted(opts);
      // u5 leaves acme in the tenant's database; a shared job erases u5 and its token.
      await query(
        iso,
        `DELETE FROM memberships WHERE user_id = 5; UPDATE projects SET owner_id = NULL WHERE owner_id = 5`,
      );
      await query(
        f.url,
        `DELETE FROM user_tokens WHERE user_id = 5; DELETE FROM memberships WHERE user_id = 5;
         UPDATE projects SET owner_id = NULL WHERE owner_id = 5; DELETE FROM users WHERE id = 5`,
      );
      const dry = await rolledBack(opts, { dryRun: true });
      assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
      assert.ok(!dry.notes.some((n) => /still reference them/.test(n)), dry.notes.join('\n'));
      const record = await rolledBack(opts);
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      assert.deepEqual(await rows(f.url, `SELECT id FROM users WHERE id = 5`), []);
      assert.deepEqual(await rows(f.url, `SELECT id FROM user_tokens`), ['(1)', '(2)']);
      assert.deepEqual(await brokenForeignKeys(f.url), []);
    });
  });

  it('values taken on both sides under an expression or a partial unique index are listed by the dry run; the rollback refuses before anything changes', async () => {
    await withFixture(async (f, opts) => {
      await query(
        f.url,
        `CREATE UNIQUE INDEX users_email_lower ON users (lower(email));
         CREATE UNIQUE INDEX users_vip_name ON users (name) WHERE name LIKE 'vip-%'`,
      );
      const iso = await promoted(opts);
      await query(
        iso,
        `BEGIN READ WRITE;
         WITH u AS (INSERT INTO users (email, name) VALUES ('Dup@X', 'Acme'), ('vip@acme', 'vip-a') RETURNING id)
         INSERT INTO memberships (tenant_id, user_id, role_id) SELECT t.id, u.id, 2 FROM tenants t, u;
         COMMIT`,
      );
      await query(f.url, `INSERT INTO users (email, name) VALUES ('dup@x', 'Hooli'), ('vip@hooli', 'vip-a')`);
      const before = await fingerprint(f.url);
      const dry = await rolledBack(opts, { dryRun: true });
      assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
      const expression =
        /"public"\."users" key \d+: its lower\(email\) \(unique users_email_lower\) is held in the shared database by key 6/;
      const partial =
        /"public"\."users" key \d+: its name \(unique users_vip_name where name ~~ 'vip-%'::text\) is held in the shared database by key 7/;
      for (const listed of [expression, partial])
        assert.ok(
          dry.notes.some((n) => /would refuse/.test(n) && listed.test(n)),
          dry.notes.join('\n'),
        );
      const record = await rolledBack(opts);
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.code, 'tenant-state');
      assert.match(record.error!.message, expression);
      assert.match(record.error!.message, partial);
      assert.deepEqual(await fingerprint(f.url), before);
    });
  });

  for (const member of [true, false])
    it(`large objects the tenant created while isolated end owned like their column's other objects${member ? '' : ' — or, when the role may not give them away, the record names the grant'}`, async () => {
      await withFixture(async (f, opts) => {
        // The application's role owns the documents' objects in the shared database.
        const app = `loapp_${f.suffix}`;
        const admin = new URL(f.engineUrl).username;
        const nonsuper = admin !== new URL(f.url).username;
        await query(
          f.url,
          `CREATE ROLE "${app}" NOLOGIN;
           DO $do$ DECLARE o oid; BEGIN
             FOR o IN SELECT body FROM documents LOOP EXECUTE format('ALTER LARGE OBJECT %s OWNER TO %I', o, '${app}'); END LOOP;
           END $do$`,
        );
        if (member && nonsuper) await query(f.url, `GRANT "${app}" TO "${admin}"`);
        const iso = await promoted(opts);
        const tenantApp = deriveNames(f.slugs.acme).appRole;
        await query(
          iso,
          `SET ROLE "${tenantApp}";
           INSERT INTO documents (tenant_id, title, body) SELECT t.id, 'acme-new', lo_from_bytea(0, 'created while isolated') FROM tenants t;
           RESET ROLE`,
        );
        const record = await rolledBack(opts);
        assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
        const owner = await query<{ o: string; d: string }>(
          f.url,
          `SELECT pg_get_userbyid(m.lomowner) AS o, encode(lo_get(d.body), 'escape') AS d
             FROM documents d JOIN pg_largeobject_metadata m ON m.oid = d.body WHERE d.title = 'acme-new'`,
        );
        assert.equal(owner[0]?.d, 'created while isolated');
        if (member || !nonsuper) {
          assert.equal(owner[0]?.o, app);
          assert.ok(
            record.notes.some((n) => new RegExp(`1 large object\\(s\\) .* now belong to ${app}`).test(n)),
            record.notes.join('\n'),
          );
        } else {
          assert.equal(owner[0]?.o, admin);
          assert.ok(
            record.notes.some((n) =>
              new RegExp(`not a member of ${app}.*GRANT "${app}" TO "${admin}"`).test(n),
            ),
            record.notes.join('\n'),
          );
        }
      });
    });

  it('remove-unused: keys recorded by a cleanup whose transaction rolled back are never revived; the re-run records its own', async () => {
    await withFixture(async (f, opts) => {
      await withTokens(f);
      const first = await promote(
        { ...opts, cleanupReferencedRows: 'remove-unused' },
        testDeps('rollback-review', {
          fault: async (point) => {
            if (point === 'cleanup:removed-keys-recorded')
              throw new PromotionError('internal', 'crash after the keys were recorded', 'test');
          },
        }),
      );
      assert.notEqual(first.record.result, 'promoted');
      assert.deepEqual(await rows(f.url, `SELECT id FROM users`), ['(1)', '(2)', '(3)', '(4)', '(5)']);
      // Before the re-run, hooli starts using u5: this cleanup keeps it.
      await query(f.url, `INSERT INTO memberships (tenant_id, user_id, role_id) VALUES (2, 5, 4)`);
      const again = await promote(opts, testDeps('rollback-review'));
      assert.equal(again.record.result, 'promoted', JSON.stringify(again.record.error));
      assert.deepEqual(await rows(f.url, `SELECT id FROM users`), ['(2)', '(3)', '(4)', '(5)']);
      // Then the shared side erases u5 on purpose, and the tenant stops using it.
      const iso = urlFor(deriveNames(f.slugs.acme).database);
      await query(
        iso,
        `DELETE FROM memberships WHERE user_id = 5; UPDATE projects SET owner_id = NULL WHERE owner_id = 5`,
      );
      await query(
        f.url,
        `DELETE FROM user_tokens WHERE user_id = 5; DELETE FROM memberships WHERE user_id = 5; DELETE FROM users WHERE id = 5`,
      );
      const record = await rolledBack(opts);
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      // u1 and its token come back (the committed cleanup removed them); u5 stays erased.
      assert.deepEqual(await rows(f.url, `SELECT id FROM users`), ['(1)', '(2)', '(3)', '(4)']);
      assert.deepEqual(await rows(f.url, `SELECT id FROM user_tokens`), ['(1)', '(2)']);
      assert.deepEqual(await brokenForeignKeys(f.url), []);
    });
  });

  it('remove-unused by a cleanup that recorded no keys (an older promotion): every referenced row missing from the shared database comes back, and the dry run says so', async () => {
    await withFixture(async (f, opts) => {
      await promoted({ ...opts, cleanupReferencedRows: 'remove-unused' });
      // As a promotion made before the keys were recorded left it.
      await query(
        f.url,
        `UPDATE tenants SET settings = settings #- '{isolation,referenced_removed}' WHERE slug = $1`,
        [f.slugs.acme],
      );
      const dry = await rolledBack(opts, { dryRun: true });
      assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
      assert.ok(
        dry.notes.some((n) => /ran before the keys it removed were recorded/.test(n)),
        dry.notes.join('\n'),
      );
      const record = await rolledBack(opts);
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      assert.deepEqual(await rows(f.url, `SELECT id FROM users`), ['(1)', '(2)', '(3)', '(4)', '(5)']);
      assert.deepEqual(await brokenForeignKeys(f.url), []);
    });
  });
});
