import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { deriveNames } from '../../src/names';
import { PromotionError } from '../../src/errors';
import { promote } from '../../src/pipeline/promote';
import { testDeps } from '../support/engine';
import { fingerprint } from '../support/fingerprint';
import { DATABASE_URL, query, urlFor } from '../support/pg';
import { brokenForeignKeys, rows, rollbackSuite } from '../support/rollback-fixture';

/**
 * Review r17 of the rollback/cleanup changes (issue 17, merge d7391b7): each test reproduces a
 * defect found against real PostgreSQL 15 and fails on d7391b7. Run as the superuser and
 * (TEST_ADMIN=nonsuper) as a role with only LOGIN CREATEDB CREATEROLE; the test on function
 * privileges shows its defect only in the non-superuser pass (a superuser skips every check).
 */

const { withFixture, promoted, rolledBack } = rollbackSuite('review-r17');

describe('review r17: rollback after cleanup, unique values', () => {
  it('a unique index with its own nondeterministic collation (email COLLATE case_insensitive): the dry run lists the value taken on both sides, the rollback refuses cleanly', async () => {
    await withFixture(async (f, opts) => {
      const ci = `ci_${f.suffix}`;
      // The index, not the column, carries the collation: pg_get_indexdef(…, col, true) omits it.
      await query(
        f.url,
        `CREATE COLLATION "${ci}" (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
         CREATE UNIQUE INDEX users_email_ci ON users (email COLLATE "${ci}")`,
      );
      const iso = await promoted(opts);
      await query(
        iso,
        `BEGIN READ WRITE;
         WITH u AS (INSERT INTO users (email, name) VALUES ('DUP@x', 'Acme') RETURNING id)
         INSERT INTO memberships (tenant_id, user_id, role_id) SELECT t.id, u.id, 2 FROM tenants t, u;
         COMMIT`,
      );
      // Another tenant's user, equal under the index's collation.
      await query(f.url, `INSERT INTO users (email, name) VALUES ('dup@x', 'Hooli')`);
      const before = await fingerprint(f.url);
      const dry = await rolledBack(opts, { dryRun: true });
      const record = await rolledBack(opts);
      assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
      assert.ok(
        dry.notes.some((n) => /would refuse/.test(n) && /unique users_email_ci\b/.test(n)),
        `${dry.notes.join('\n')}\nthe rollback then: ${JSON.stringify(record.error)}`,
      );
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.code, 'tenant-state', JSON.stringify(record.error));
      assert.match(record.error!.message, /unique users_email_ci\b/);
      assert.deepEqual(await fingerprint(f.url), before);
    });
  });

  it('an expression unique index on a function the admin may not EXECUTE (PUBLIC revoked): the pre-check does not fail with a raw error; the insert needs EXECUTE too, so a non-superuser is refused cleanly before anything changes', async () => {
    await withFixture(async (f, opts) => {
      // Index expressions are evaluated without an EXECUTE check on insert; re-parsing the
      // index's text as the connecting role (uniqueValuesTaken) is checked.
      await query(
        f.url,
        `CREATE FUNCTION norm_email(text) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$ SELECT lower($1) $fn$;
         REVOKE EXECUTE ON FUNCTION norm_email(text) FROM PUBLIC;
         CREATE UNIQUE INDEX users_email_norm ON users (norm_email(email))`,
      );
      const iso = await promoted(opts);
      await query(
        iso,
        `BEGIN READ WRITE;
         WITH u AS (INSERT INTO users (email, name) VALUES ('new@acme', 'New') RETURNING id)
         INSERT INTO memberships (tenant_id, user_id, role_id) SELECT t.id, u.id, 2 FROM tenants t, u;
         COMMIT`,
      );
      const nonsuper = new URL(f.engineUrl).username !== new URL(f.url).username;
      const before = await fingerprint(f.url);
      const dry = await rolledBack(opts, { dryRun: true });
      assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
      const record = await rolledBack(opts);
      if (nonsuper) {
        // h17b: the premise "the restore itself may insert" does not hold on PostgreSQL 15 — an
        // INSERT evaluates the index expression with the EXECUTE check (permission denied for
        // function norm_email). Foreseen by the dry run, refused before anything changes.
        assert.ok(
          dry.notes.some((n) => /would refuse/.test(n) && /users_email_norm/.test(n)),
          dry.notes.join('\n'),
        );
        assert.equal(record.result, 'failed');
        assert.equal(record.error?.code, 'tenant-state', JSON.stringify(record.error));
        assert.match(record.error!.message, /users_email_norm/);
        assert.deepEqual(await fingerprint(f.url), before);
      } else {
        assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
        assert.deepEqual(await rows(f.url, `SELECT email FROM users WHERE email = 'new@acme'`), [
          '(new@acme)',
        ]);
        assert.deepEqual(await brokenForeignKeys(f.url), []);
      }
    });
  });

  it('a user the tenant deleted and invited again under the same email comes back (the old row goes, the new one arrives): not refused as a value taken on both sides', async () => {
    await withFixture(async (f, opts) => {
      const iso = await promoted(opts);
      // u5 is acme's only: removed, then invited again (a new id, the same unique email).
      await query(
        iso,
        `BEGIN READ WRITE;
         DELETE FROM memberships WHERE user_id = 5; UPDATE projects SET owner_id = NULL WHERE owner_id = 5;
         DELETE FROM users WHERE id = 5;
         WITH u AS (INSERT INTO users (email, name) VALUES ('u5@acme', 'Five again') RETURNING id)
         INSERT INTO memberships (tenant_id, user_id, role_id) SELECT t.id, u.id, 2 FROM tenants t, u;
         COMMIT`,
      );
      const dry = await rolledBack(opts, { dryRun: true });
      assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
      assert.ok(!dry.notes.some((n) => /would refuse/.test(n)), dry.notes.join('\n'));
      const record = await rolledBack(opts);
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      assert.deepEqual(await rows(f.url, `SELECT name FROM users WHERE email = 'u5@acme'`), [
        '("Five again")',
      ]);
      assert.deepEqual(await rows(f.url, `SELECT id FROM users WHERE id = 5`), []);
      assert.deepEqual(await brokenForeignKeys(f.url), []);
    });
  });

  it('remove-unused: referenced rows of a table without a key (user tokens, no primary key) that cleanup removed come back with their users at rollback', async () => {
    await withFixture(async (f, opts) => {
      const admin = new URL(f.engineUrl).username;
      await query(
        f.url,
        `CREATE TABLE user_notes (user_id bigint NOT NULL REFERENCES users(id), note text NOT NULL);
         CREATE INDEX ON user_notes (user_id);
         INSERT INTO user_notes VALUES (1, 'n1'), (2, 'n2'), (5, 'n5');
         GRANT ALL ON user_notes TO "${admin}"`,
      );
      const { record: promotion } = await promote(
        { ...opts, cleanupReferencedRows: 'remove-unused' },
        testDeps('review-r17'),
      );
      assert.equal(promotion.result, 'promoted', JSON.stringify(promotion.error));
      // Fix (h17b): cleanup keeps the notes (no key: a rollback could not bring exactly them back)
      // and acme's users 1 and 5 with them, and says why; on d7391b7 it removed them all.
      assert.deepEqual(await rows(f.url, `SELECT id FROM users`), ['(1)', '(2)', '(3)', '(4)', '(5)']);
      assert.deepEqual(await rows(f.url, `SELECT note FROM user_notes`), ['(n1)', '(n2)', '(n5)']);
      assert.ok(
        promotion.notes.some((n) => /3 of tables without a primary or unique key/.test(n)),
        promotion.notes.join('\n'),
      );
      const record = await rolledBack(opts);
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      assert.deepEqual(await rows(f.url, `SELECT id FROM users`), ['(1)', '(2)', '(3)', '(4)', '(5)']);
      // Nothing the tenant had is lost: the notes cleanup removed are back.
      assert.deepEqual(await rows(f.url, `SELECT note FROM user_notes`), ['(n1)', '(n2)', '(n5)']);
      assert.deepEqual(await brokenForeignKeys(f.url), []);
    });
  });

  it("large objects the tenant created, as a non-superuser, when the column's objects belong to a superuser: the record never advises granting a superuser role to the admin", async () => {
    await withFixture(async (f, opts) => {
      const iso = await promoted(opts);
      // The tenant's application writes its objects as its own role.
      await query(
        iso,
        `SET ROLE "${deriveNames(f.slugs.acme).appRole}";
         INSERT INTO documents (tenant_id, title, body) SELECT t.id, 'acme-new', lo_from_bytea(0, 'created while isolated') FROM tenants t;
         RESET ROLE`,
      );
      const record = await rolledBack(opts);
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      // As the non-superuser, the objects stay the admin's and the record says so (a superuser
      // admin may give them away itself): the advice below is then really checked.
      if (new URL(f.engineUrl).username !== new URL(f.url).username)
        assert.ok(
          record.notes.some((n) => /large object\(s\) the tenant created while isolated belong to/.test(n)),
          record.notes.join('\n'),
        );
      const supers = await query<{ r: string }>(f.url, `SELECT rolname AS r FROM pg_roles WHERE rolsuper`);
      // GRANT <superuser> TO <admin> lets the admin SET ROLE to it: every privilege there is.
      for (const { r } of supers)
        assert.ok(!record.notes.some((n) => n.includes(`GRANT "${r}" TO`)), record.notes.join('\n'));
    });
  });
});

describe('review r17: unique values on partitions', () => {
  it('a partitioned referenced table whose unique index exists on its partitions only: the dry run lists the value taken on both sides, the rollback refuses cleanly', async () => {
    await withFixture(async (f, opts) => {
      const admin = new URL(f.engineUrl).username;
      // A unique code per region: declared on each partition (the parent cannot: code is not the partition key).
      await query(
        f.url,
        `CREATE TABLE badges (id bigint NOT NULL, region text NOT NULL, code text NOT NULL, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
         CREATE TABLE badges_eu PARTITION OF badges FOR VALUES IN ('eu');
         CREATE TABLE badges_us PARTITION OF badges FOR VALUES IN ('us');
         CREATE UNIQUE INDEX badges_eu_code ON badges_eu (code);
         CREATE UNIQUE INDEX badges_us_code ON badges_us (code);
         INSERT INTO badges VALUES (1, 'eu', 'bronze'), (2, 'us', 'bronze');
         ALTER TABLE memberships ADD COLUMN badge_id bigint, ADD COLUMN badge_region text,
           ADD FOREIGN KEY (badge_id, badge_region) REFERENCES badges (id, region);
         CREATE INDEX ON memberships (badge_id, badge_region);
         UPDATE memberships SET badge_id = 1, badge_region = 'eu' WHERE tenant_id = 1;
         UPDATE memberships SET badge_id = 2, badge_region = 'us' WHERE tenant_id = 2;
         GRANT ALL ON badges, badges_eu, badges_us TO "${admin}"`,
      );
      const iso = await promoted(opts);
      await query(
        iso,
        `BEGIN READ WRITE; INSERT INTO badges VALUES (100, 'eu', 'gold');
         UPDATE memberships SET badge_id = 100 WHERE user_id = 1; COMMIT`,
      );
      await query(f.url, `INSERT INTO badges VALUES (200, 'eu', 'gold')`);
      const before = await fingerprint(f.url);
      const dry = await rolledBack(opts, { dryRun: true });
      const record = await rolledBack(opts);
      assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
      assert.ok(
        dry.notes.some((n) => /would refuse/.test(n) && /badges/.test(n) && /gold|code/.test(n)),
        `${dry.notes.join('\n')}\nthe rollback then: ${JSON.stringify(record.error)}`,
      );
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.code, 'tenant-state', JSON.stringify(record.error));
      assert.deepEqual(await fingerprint(f.url), before);
    });
  });
});

describe('review r17: constraints the dry run does not foresee', () => {
  it('an exclusion constraint on a table both sides write (plans, copied whole): the dry run lists the overlap, the rollback refuses with tenant-state, not a raw internal error', async () => {
    await withFixture(async (f, opts) => {
      await query(
        f.url,
        `ALTER TABLE plans ADD COLUMN band int4range;
         ALTER TABLE plans ADD CONSTRAINT plans_band_excl EXCLUDE USING gist (band WITH &&)`,
      );
      const iso = await promoted(opts);
      await query(iso, `BEGIN READ WRITE; INSERT INTO plans VALUES ('gold', 'Gold', '[10,20)'); COMMIT`);
      await query(f.url, `INSERT INTO plans VALUES ('silver', 'Silver', '[15,25)')`);
      const before = await fingerprint(f.url);
      const dry = await rolledBack(opts, { dryRun: true });
      const record = await rolledBack(opts);
      assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
      assert.ok(
        dry.notes.some((n) => /would refuse/.test(n) && /plans_band_excl|plans/.test(n)),
        `${dry.notes.join('\n')}\nthe rollback then: ${JSON.stringify(record.error)}`,
      );
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.code, 'tenant-state', JSON.stringify(record.error));
      assert.deepEqual(await fingerprint(f.url), before);
    });
  });
});

describe('review r17, outside the diff: database-level session settings of the shared database', () => {
  for (const [setting, value] of [
    ['TimeZone', 'America/New_York'],
    ['DateStyle', 'SQL, DMY'],
  ] as const)
    it(`a shared database with ALTER DATABASE … SET ${setting} = '${value}' (a timestamptz default in its schema) promotes, and rolls back`, async () => {
      await withFixture(async (f, opts) => {
        // The fixture's projects.updated_at has DEFAULT '2024-01-01' (timestamptz): the catalog
        // prints it in the reading session's TimeZone and DateStyle.
        await query(
          f.url,
          `ALTER DATABASE "${new URL(f.url).pathname.slice(1)}" SET ${setting} = '${value}'`,
        );
        const { record } = await promote(opts, testDeps('review-r17'));
        assert.equal(record.result, 'promoted', JSON.stringify(record.error));
        const back = await rolledBack(opts);
        assert.equal(back.result, 'rolled-back', JSON.stringify(back.error));
      });
    });
});

describe('review r17: rows deleted in the shared database that the restore brings back', () => {
  it("a user the shared database erased after moving its token to another user stays deleted: the tenant's stale copy of the token (unchanged by the tenant, changed in the shared database) does not bring it back", async () => {
    await withFixture(async (f, opts) => {
      const admin = new URL(f.engineUrl).username;
      await query(
        f.url,
        `CREATE TABLE user_tokens (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id), token text NOT NULL);
         CREATE INDEX ON user_tokens (user_id);
         INSERT INTO user_tokens VALUES (1, 1, 't1'), (2, 2, 't2'), (5, 5, 't5');
         GRANT ALL ON user_tokens TO "${admin}"`,
      );
      const iso = await promoted(opts);
      // u5 leaves acme in the tenant's database; the tenant never touches token 5.
      await query(
        iso,
        `BEGIN READ WRITE; DELETE FROM memberships WHERE user_id = 5; UPDATE projects SET owner_id = NULL WHERE owner_id = 5; COMMIT`,
      );
      // The shared side hands token 5 to u2, then erases u5.
      await query(
        f.url,
        `UPDATE user_tokens SET user_id = 2 WHERE id = 5; DELETE FROM memberships WHERE user_id = 5;
         UPDATE projects SET owner_id = NULL WHERE owner_id = 5; DELETE FROM users WHERE id = 5`,
      );
      const dry = await rolledBack(opts, { dryRun: true });
      assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
      assert.ok(!dry.notes.some((n) => /still reference them/.test(n)), dry.notes.join('\n'));
      const record = await rolledBack(opts);
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      // After the restore nothing references u5 (token 5 stays the shared side's, on u2).
      assert.deepEqual(await rows(f.url, `SELECT user_id FROM user_tokens WHERE id = 5`), ['(2)']);
      assert.deepEqual(await rows(f.url, `SELECT id FROM users WHERE id = 5`), []);
      assert.deepEqual(await brokenForeignKeys(f.url), []);
    });
  });
});

describe('review r17: keys as the record shows them', () => {
  it('remove-unused with a composite text key and quoted identifiers: every row comes back, and two different keys are never shown alike', async () => {
    await withFixture(async (f, opts) => {
      const admin = new URL(f.engineUrl).username;
      const table = `"Tok ""ens"", x"`;
      await query(
        f.url,
        `CREATE TABLE ${table} ("Ki nd" text NOT NULL, "Na,me'" text NOT NULL, "user id" bigint NOT NULL REFERENCES users(id), "To,ken" text NOT NULL, PRIMARY KEY ("Ki nd", "Na,me'"));
         CREATE INDEX ON ${table} ("user id");
         INSERT INTO ${table} VALUES ('a,b', '"q"', 1, 't1'), ('a', 'b,"q"', 1, 't1b'), ('NULL', '{x}', 2, 't2'), ('c''d', 'e', 5, 't5');
         GRANT ALL ON ${table} TO "${admin}"`,
      );
      await promoted({ ...opts, cleanupReferencedRows: 'remove-unused' });
      assert.deepEqual(await rows(f.url, `SELECT "To,ken" FROM ${table}`), ['(t2)']);
      const dry = await rolledBack(opts, { dryRun: true });
      assert.equal(dry.result, 'dry-run', JSON.stringify(dry.error));
      const note = dry.notes.find((n) => /of "public"\."Tok ""ens"", x" that cleanup removed/.test(n)) ?? '';
      assert.match(note, /3 row\(s\)/, dry.notes.join('\n'));
      // Held: the keys match across the two databases whatever their text holds.
      const record = await rolledBack(opts);
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      assert.deepEqual(await rows(f.url, `SELECT "To,ken" FROM ${table}`), ['(t1)', '(t1b)', '(t2)', '(t5)']);
      // The defect: ('a,b', '"q"') and ('a', 'b,"q"') are both shown as (a,b,"q").
      const shown = note.replace(/^.*come back: /, '').replace(/\.$/, '');
      assert.ok(!/\(a,b,"q"\), \(a,b,"q"\)/.test(shown), note);
    });
  });
});

describe('review r17: owners of the large objects a rollback creates', () => {
  it("objects owned per tenant in the shared database: the tenant's new object never goes to the role of another tenant (the column's most frequent owner)", async () => {
    await withFixture(async (f, opts) => {
      const admin = new URL(f.engineUrl).username;
      const nonsuper = admin !== new URL(f.url).username;
      const acmeRole = `lo_acme_${f.suffix}`;
      const hooliRole = `lo_hooli_${f.suffix}`;
      // Each tenant's documents are owned by that tenant's database role; hooli has more of them.
      await query(
        f.url,
        `CREATE ROLE "${acmeRole}" NOLOGIN; CREATE ROLE "${hooliRole}" NOLOGIN;
         INSERT INTO documents (tenant_id, title, body) VALUES (2, 'hooli-doc-2', lo_from_bytea(0, 'hooli 2'));
         DO $do$ DECLARE r record; BEGIN
           FOR r IN SELECT body, tenant_id FROM documents LOOP
             EXECUTE format('ALTER LARGE OBJECT %s OWNER TO %I', r.body, CASE r.tenant_id WHEN 1 THEN '${acmeRole}' ELSE '${hooliRole}' END);
           END LOOP;
         END $do$`,
      );
      if (nonsuper)
        await query(
          f.url,
          `GRANT "${acmeRole}" TO "${admin}"; GRANT "${hooliRole}" TO "${admin}";
           DO $do$ DECLARE o oid; BEGIN
             FOR o IN SELECT body FROM documents LOOP EXECUTE format('GRANT SELECT, UPDATE ON LARGE OBJECT %s TO %I', o, '${admin}'); END LOOP;
           END $do$`,
        );
      const iso = await promoted(opts);
      await query(
        iso,
        `SET ROLE "${deriveNames(f.slugs.acme).appRole}";
         INSERT INTO documents (tenant_id, title, body) SELECT t.id, 'acme-new', lo_from_bytea(0, 'acme secret') FROM tenants t;
         RESET ROLE`,
      );
      const record = await rolledBack(opts);
      assert.equal(record.result, 'rolled-back', JSON.stringify(record.error));
      const owner = await query<{ o: string }>(
        f.url,
        `SELECT pg_get_userbyid(m.lomowner) AS o FROM documents d JOIN pg_largeobject_metadata m ON m.oid = d.body WHERE d.title = 'acme-new'`,
      );
      // Hooli's role may now read and rewrite acme's document.
      assert.equal(owner.length, 1, 'the restored document and its object are back');
      assert.notEqual(owner[0]!.o, hooliRole, record.notes.join('\n'));
    });
  });
});

describe("review r17: the record of the removed keys in the tenant's database", () => {
  it("the committed attempt's keys missing from the tenant's database (restored from a backup taken between two cleanup attempts): the rollback refuses instead of losing the rows cleanup removed", async () => {
    await withFixture(async (f, opts) => {
      const admin = new URL(f.engineUrl).username;
      await query(
        f.url,
        `CREATE TABLE user_tokens (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id), token text NOT NULL);
         CREATE INDEX ON user_tokens (user_id);
         INSERT INTO user_tokens VALUES (1, 1, 't1'), (2, 2, 't2'), (5, 5, 't5');
         GRANT ALL ON user_tokens TO "${admin}"`,
      );
      const ru = { ...opts, cleanupReferencedRows: 'remove-unused' as const };
      // Attempt A records its keys, then its shared transaction rolls back; attempt B commits.
      const first = await promote(
        ru,
        testDeps('review-r17', {
          fault: async (point) => {
            if (point === 'cleanup:removed-keys-recorded')
              throw new PromotionError('internal', 'stop after the keys were recorded', 'test');
          },
        }),
      );
      assert.notEqual(first.record.result, 'promoted');
      const again = await promote(ru, testDeps('review-r17'));
      assert.equal(again.record.result, 'promoted', JSON.stringify(again.record.error));
      assert.deepEqual(await rows(f.url, `SELECT id FROM user_tokens`), ['(2)']);
      // The tenant's database as a backup taken between A and B holds it: A's keys only.
      const iso = urlFor(deriveNames(f.slugs.acme).database);
      const [attempt] = await query<{ a: string }>(
        f.url,
        `SELECT settings #>> '{isolation,referenced_removed,attempt}' AS a FROM tenants WHERE slug = $1`,
        [f.slugs.acme],
      );
      await query(
        iso,
        `BEGIN READ WRITE; DELETE FROM _tenant_isolation.cleanup_removed WHERE attempt = ${pg.escapeLiteral(attempt!.a)}; COMMIT`,
      );
      const record = await rolledBack(opts);
      // The keys the shared record names are not all there: refused, nothing changed.
      assert.equal(record.result, 'failed', JSON.stringify(record.error));
      assert.equal(record.error?.code, 'tenant-state', JSON.stringify(record.error));
      assert.deepEqual(await rows(f.url, `SELECT id FROM user_tokens`), ['(2)']);
    });
  });
});

describe('review r17: the cost of recording the removed keys', () => {
  it("remove-unused: while cleanup holds the shared rows' locks, a tenant database that does not answer (a table lock held there) ends the cleanup within max-freeze instead of holding them indefinitely", async () => {
    await withFixture(async (f, opts) => {
      const admin = new URL(f.engineUrl).username;
      await query(
        f.url,
        `CREATE TABLE user_tokens (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id), token text NOT NULL);
         CREATE INDEX ON user_tokens (user_id);
         INSERT INTO user_tokens VALUES (1, 1, 't1'), (2, 2, 't2'), (5, 5, 't5');
         GRANT ALL ON user_tokens TO "${admin}"`,
      );
      const ru = { ...opts, cleanupReferencedRows: 'remove-unused' as const, maxFreezeMs: 500 };
      // A first cleanup stops after recording its keys: the record table now exists.
      const first = await promote(
        ru,
        testDeps('review-r17', {
          fault: async (point) => {
            if (point === 'cleanup:removed-keys-recorded')
              throw new PromotionError('internal', 'stop after the keys were recorded', 'test');
          },
        }),
      );
      assert.notEqual(first.record.result, 'promoted');
      // Something holds the record table in the tenant's database (VACUUM FULL, a maintenance job,
      // an unreachable server: the cleanup's write there does not return).
      const iso = urlFor(deriveNames(f.slugs.acme).database);
      const blocker = new pg.Client({ connectionString: iso, application_name: 'review-r17-blocker' });
      await blocker.connect();
      await blocker.query(`BEGIN; LOCK TABLE _tenant_isolation.cleanup_removed IN ACCESS EXCLUSIVE MODE`);
      let released = false;
      const release = async () => {
        if (released) return;
        released = true;
        await blocker.query('ROLLBACK');
        await blocker.end();
      };
      try {
        const run = promote(ru, testDeps('review-r17'));
        // Liveness bound, not a speed measurement: max-freeze is 0.5 s, this waits 30 s.
        let guard: NodeJS.Timeout | undefined;
        const outcome = await Promise.race([
          run.then((r) => r.record),
          new Promise<'still holding the locks'>((resolve) => {
            guard = setTimeout(() => resolve('still holding the locks'), 30_000);
          }),
        ]);
        clearTimeout(guard);
        let seen = '';
        if (outcome === 'still holding the locks') {
          // Where it waits, and what it holds meanwhile (the assertion's message).
          const activity = await query<{ d: string; s: string; w: string | null; q: string }>(
            DATABASE_URL,
            `SELECT datname AS d, state AS s, wait_event_type AS w, left(query, 60) AS q FROM pg_stat_activity
              WHERE datname IN ($1, $2) AND pid <> pg_backend_pid() AND application_name <> 'review-r17-blocker'`,
            [new URL(f.url).pathname.slice(1), deriveNames(f.slugs.acme).database],
          );
          seen = JSON.stringify(activity);
          await release();
          await run;
        }
        assert.notEqual(outcome, 'still holding the locks', seen);
        // The cleanup gave up: the shared rows are as they were, the run resumable.
        assert.deepEqual(await rows(f.url, `SELECT id FROM users`), ['(1)', '(2)', '(3)', '(4)', '(5)']);
      } finally {
        await release();
      }
    });
  });
});
