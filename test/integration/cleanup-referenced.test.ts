import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { memoryLogger } from '../../src/log';
import { PromotionError } from '../../src/errors';
import type { PromotionOptionsInput } from '../../src/options';
import { rollback } from '../../src/pipeline/rollback';
import type { TablePlan } from '../../src/postgres/plan-types';
import { captureCandidates, removeUnused } from '../../src/postgres/referenced-cleanup';
import type { RunRecord } from '../../src/pipeline/record';
import { promoteOnce } from '../support/engine';
import { createNonSuperuser, type NonSuperuser } from '../support/nonsuper';
import { createDatabase, dropArtifacts, query, uniqueSuffix } from '../support/pg';
import { SUBJECTS } from '../support/subject-fixture';
import { tempDir } from '../support/tmp';

/**
 * Issue 14 property 5: cleanup deletes the tenant's own rows; with `cleanup-referenced-rows:
 * remove-unused` it also removes the referenced rows (users behind memberships, their tokens and
 * addresses) that no row left in the shared database references — never a user another tenant
 * still uses, one a global (NULL-key) row references, one a table copied whole references, nor the
 * token of a user that stays. The choice is recorded at the switch: a re-run resumes with it.
 */
const SCHEMA = `
  CREATE TABLE tenants (
    id bigint PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    isolation_mode text NOT NULL DEFAULT 'shared' CHECK (isolation_mode IN ('shared', 'isolated')),
    settings jsonb NOT NULL DEFAULT '{}'
  );
  CREATE TABLE addresses (id bigint PRIMARY KEY, street text NOT NULL);
  CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, address_id bigint REFERENCES addresses(id));
  CREATE INDEX ON users (address_id);
  CREATE TABLE password_reset_tokens (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id), token text NOT NULL);
  CREATE INDEX ON password_reset_tokens (user_id);
  CREATE TABLE memberships (
    id bigint PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants(id),
    user_id bigint NOT NULL REFERENCES users(id)
  );
  CREATE INDEX ON memberships (tenant_id);
  CREATE INDEX ON memberships (user_id);
  -- A tenant table with global rows (NULL tenant key): post 1 is global, written by user 3.
  CREATE TABLE posts (id bigint PRIMARY KEY, tenant_id bigint REFERENCES tenants(id), author_id bigint NOT NULL REFERENCES users(id));
  CREATE INDEX ON posts (tenant_id);
  CREATE INDEX ON posts (author_id);
  -- Copied whole (table-overrides): its row keeps user 6.
  CREATE TABLE audit_log (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id), event text NOT NULL);
  CREATE INDEX ON audit_log (user_id);
`;

const seed = (slug: (n: string) => string) => `
  INSERT INTO tenants (id, slug) VALUES (1, '${slug('acme')}'), (2, '${slug('hooli')}');
  INSERT INTO addresses VALUES (1, 'one'), (2, 'two'), (3, 'three'), (4, 'four');
  INSERT INTO users VALUES
    (1, 'u1@acme-only', 1), (2, 'u2@both', 2), (3, 'u3@acme-global-post', 3),
    (4, 'u4@hooli', 4), (5, 'u5@acme-shared-address', 2), (6, 'u6@acme-audited', NULL);
  INSERT INTO password_reset_tokens VALUES (1, 1, 'tok1'), (2, 2, 'tok2'), (3, 3, 'tok3'), (4, 4, 'tok4');
  INSERT INTO memberships VALUES
    (1, 1, 1), (2, 1, 2), (3, 1, 3), (4, 1, 5), (5, 1, 6),
    (6, 2, 2), (7, 2, 4);
  INSERT INTO posts VALUES (1, NULL, 3), (2, 1, 1);
  INSERT INTO audit_log VALUES (1, 6, 'login');
`;

async function ids(url: string, table: string): Promise<string[]> {
  const rows = await query<{ k: string }>(url, `SELECT id::text AS k FROM ${table} ORDER BY id`);
  return rows.map((r) => r.k);
}

/** Rows of the shared database whose foreign key has no parent. */
async function orphans(url: string): Promise<number> {
  const rows = await query<{ n: number }>(
    url,
    `SELECT (SELECT count(*) FROM users u WHERE address_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM addresses a WHERE a.id = u.address_id))
          + (SELECT count(*) FROM password_reset_tokens t WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = t.user_id))
          + (SELECT count(*) FROM memberships m WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = m.user_id))
          + (SELECT count(*) FROM posts p WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = p.author_id)) AS n`,
  );
  return Number(rows[0]!.n);
}

for (const subject of SUBJECTS) {
  describe(`cleanup of referenced rows (issue 14 property 5, ${subject})`, () => {
    const suffix = uniqueSuffix();
    const slug = (n: string) => `${n}-${suffix}`;
    let url: string;
    let admin: NonSuperuser | undefined;

    before(async () => {
      url = await createDatabase(`tcleanref_${suffix}`);
      await query(url, SCHEMA + seed(slug));
      if (subject === 'non-superuser') admin = await createNonSuperuser(url);
    });
    after(async () => {
      await admin?.drop();
      await dropArtifacts(suffix);
    });

    const run = (
      tenant: string,
      extra: Partial<PromotionOptionsInput> = {},
      fault?: (point: string) => Promise<void>,
    ): Promise<RunRecord> =>
      promoteOnce(
        'cleanup-referenced',
        {
          databaseUrl: admin?.url ?? url,
          tenantSlug: tenant,
          tableOverrides: { 'public.audit_log': 'copy' },
          ...extra,
        },
        fault,
      );

    it('remove-unused, crashed before cleanup and re-run without the option: removes only the rows nothing that stays references', async () => {
      const crashed = await run(slug('acme'), { cleanupReferencedRows: 'remove-unused' }, async (point) => {
        if (point === 'before:cleanup') throw new PromotionError('internal', 'crash before cleanup', 'test');
      });
      assert.notEqual(crashed.result, 'promoted');
      assert.deepEqual(await ids(url, 'users'), ['1', '2', '3', '4', '5', '6'], 'nothing removed yet');
      assert.deepEqual(await ids(url, 'memberships'), ['1', '2', '3', '4', '5', '6', '7']);

      // The re-run is given the default (keep): the choice recorded at the switch wins.
      const record = await run(slug('acme'));
      assert.equal(record.result, 'promoted', JSON.stringify(record.error));
      assert.match(record.notes.join('\n'), /cleanup-referenced-rows: remove-unused\), not the ones given/);

      // acme's own rows are gone; the global post stays.
      assert.deepEqual(await ids(url, 'memberships'), ['6', '7']);
      assert.deepEqual(await ids(url, 'posts'), ['1']);
      // User 1 (acme only) and 5 (acme only, shares address 2 with user 2) are removed, with user
      // 1's token and address. User 2 stays (hooli's member) with its token; user 3 (the global
      // post's author) with its token and address; user 6 (the audit log, copied whole, names it).
      assert.deepEqual(await ids(url, 'users'), ['2', '3', '4', '6']);
      assert.deepEqual(await ids(url, 'password_reset_tokens'), ['2', '3', '4']);
      assert.deepEqual(await ids(url, 'addresses'), ['2', '3', '4']);
      assert.deepEqual(await ids(url, 'audit_log'), ['1']);
      assert.equal(await orphans(url), 0);

      const cleanup = record.steps.find((s) => s.name === 'cleanup');
      assert.match(
        cleanup?.detail ?? '',
        /4 referenced rows no remaining row references \(public\.password_reset_tokens 1, public\.users 2, public\.addresses 1; references kept without foreign keys cannot be seen/,
      );
      // Kept: users 2, 3, 6 and addresses 2, 3 are referenced by rows that stay; tokens 2, 3 follow their users.
      assert.match(
        cleanup?.detail ?? '',
        /kept: .*7 referenced rows of .*: 5 still referenced by rows that stay/,
      );
      assert.match(cleanup?.detail ?? '', /2 belonging to a row that stays/);
      assert.match(cleanup?.detail ?? '', /references kept without foreign keys cannot be seen/);
      const byTable = Object.fromEntries(record.tables.map((t) => [t.name, t.deletedRows]));
      assert.equal(byTable.users, 2);
      assert.equal(byTable.password_reset_tokens, 1);
      assert.equal(byTable.addresses, 1);

      // A crash after the cleanup committed: the re-run changes nothing more.
      const again = await run(slug('acme'), { cleanupReferencedRows: 'remove-unused' });
      assert.deepEqual(await ids(url, 'users'), ['2', '3', '4', '6'], JSON.stringify(again.error));
      assert.deepEqual(await ids(url, 'password_reset_tokens'), ['2', '3', '4']);
      assert.deepEqual(await ids(url, 'addresses'), ['2', '3', '4']);
    });

    it('rolling acme back brings the removed users, token and address back', async () => {
      const configDir = await tempDir('cleanup-referenced-');
      try {
        const { record } = await rollback(
          { databaseUrl: admin?.url ?? url, tenantSlug: slug('acme'), skipCloudRun: true, configDir },
          { log: memoryLogger(), trigger: { source: 'test', actor: 'cleanup-referenced' } },
        );
        assert.equal(
          record.result,
          'rolled-back',
          JSON.stringify(record.error) +
            JSON.stringify(record.steps.map((s) => [s.name, s.status, s.detail])),
        );
      } finally {
        await rm(configDir, { recursive: true, force: true });
      }
      assert.deepEqual(await ids(url, 'users'), ['1', '2', '3', '4', '5', '6']);
      assert.deepEqual(await ids(url, 'password_reset_tokens'), ['1', '2', '3', '4']);
      assert.deepEqual(await ids(url, 'addresses'), ['1', '2', '3', '4']);
      assert.deepEqual(await ids(url, 'memberships'), ['1', '2', '3', '4', '5', '6', '7']);
      assert.equal(await orphans(url), 0);
    });

    it('default (keep): every referenced row stays, and the report says why', async () => {
      const record = await run(slug('hooli'));
      assert.equal(record.result, 'promoted', JSON.stringify(record.error));
      assert.deepEqual(await ids(url, 'memberships'), ['1', '2', '3', '4', '5']);
      // User 4 is now used by nobody in the shared database: kept all the same.
      assert.deepEqual(await ids(url, 'users'), ['1', '2', '3', '4', '5', '6']);
      assert.deepEqual(await ids(url, 'password_reset_tokens'), ['1', '2', '3', '4']);
      assert.deepEqual(await ids(url, 'addresses'), ['1', '2', '3', '4']);
      const cleanup = record.steps.find((s) => s.name === 'cleanup');
      assert.match(cleanup?.detail ?? '', /referenced rows of .*cleanup-referenced-rows: keep, the default/);
      assert.equal(await orphans(url), 0);
    });
  });
}

/**
 * Review findings 1 and 2 (non-superuser, as on managed PostgreSQL): remove-unused reads every
 * row that references a referenced table and locks and deletes referenced rows. A row it cannot
 * see (row-level security on a table left out of the plan) would let its parent go, and the
 * foreign key's cascade — which ignores row-level security — would take another tenant's row.
 * Every such gap is refused before anything is created, naming the grant.
 */
describe('remove-unused refuses what it could not do safely (non-superuser)', () => {
  const suffix = uniqueSuffix();
  const slug = (n: string) => `${n}-${suffix}`;
  let url: string;
  let admin: NonSuperuser | undefined;
  // A polymorphic table, left out of the plan (unattributable): hooli's note, written by user 1.
  const NOTES = `
    CREATE TABLE notes (id bigint PRIMARY KEY, subject_type text NOT NULL, subject_id bigint NOT NULL,
                        author_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE, body text NOT NULL);
    CREATE INDEX ON notes (author_id);
    INSERT INTO notes VALUES (1, 'HooliThing', 42, 1, 'hooli note');`;

  before(async () => {
    url = await createDatabase(`tcleanrls_${suffix}`);
    await query(url, SCHEMA + seed(slug) + NOTES);
    admin = await createNonSuperuser(url);
  });
  after(async () => {
    await admin?.drop();
    await dropArtifacts(suffix);
  });

  const run = (extra: Partial<PromotionOptionsInput> = {}) =>
    promoteOnce('cleanup-referenced', {
      databaseUrl: admin!.url,
      tenantSlug: slug('acme'),
      tableOverrides: { 'public.audit_log': 'copy' },
      cleanupReferencedRows: 'remove-unused',
      ...extra,
    });
  const mode = async () =>
    (
      await query<{ m: string }>(
        url,
        `SELECT isolation_mode AS m FROM tenants WHERE slug = '${slug('acme')}'`,
      )
    )[0]!.m;

  it("a left-out table under row-level security: refused before anything is created, the other tenant's note stays", async () => {
    await query(url, `ALTER TABLE notes ENABLE ROW LEVEL SECURITY`);
    try {
      const record = await run();
      assert.notEqual(record.result, 'promoted');
      assert.equal(record.error?.code, 'permission-denied', JSON.stringify(record.error));
      assert.match(record.error?.message ?? '', /notes/);
      assert.match(
        `${record.error?.message} ${record.error?.hint}`,
        /CREATE POLICY tenant_promotion_all ON "public"\."notes"/,
      );
      assert.equal(await mode(), 'shared');
      assert.deepEqual(await ids(url, 'notes'), ['1']);
      assert.deepEqual(await ids(url, 'users'), ['1', '2', '3', '4', '5', '6']);
    } finally {
      await query(url, `ALTER TABLE notes DISABLE ROW LEVEL SECURITY`);
    }
  });

  it('no DELETE/UPDATE on the referenced tables: refused before anything is created, naming the grant', async () => {
    await query(
      url,
      `REVOKE UPDATE, DELETE ON users, addresses, password_reset_tokens FROM "${admin!.role}"`,
    );
    try {
      const record = await run();
      assert.equal(record.error?.code, 'permission-denied', JSON.stringify(record.error));
      assert.match(
        `${record.error?.message} ${record.error?.hint}`,
        /GRANT .*DELETE.*users|GRANT .*UPDATE.*users/s,
      );
      assert.match(record.error?.message ?? '', /remove-unused/);
      assert.equal(await mode(), 'shared');
    } finally {
      await query(url, `GRANT UPDATE, DELETE ON users, addresses, password_reset_tokens TO "${admin!.role}"`);
    }
  });

  it('no TEMPORARY on the shared database: refused before anything is created, naming the grant', async () => {
    const db = new URL(url).pathname.slice(1);
    await query(url, `REVOKE TEMPORARY ON DATABASE "${db}" FROM PUBLIC, "${admin!.role}"`);
    try {
      const record = await run();
      assert.equal(record.error?.code, 'permission-denied', JSON.stringify(record.error));
      assert.match(record.error?.hint ?? '', /GRANT TEMPORARY ON DATABASE/);
      assert.equal(await mode(), 'shared');
    } finally {
      await query(url, `GRANT TEMPORARY ON DATABASE "${db}" TO PUBLIC`);
    }
  });

  it('a rule on a referenced table: the cleanup is refused cleanly and rolled back, nothing deleted', async () => {
    await query(
      url,
      `CREATE RULE users_delete_marks_audit AS ON DELETE TO users DO ALSO UPDATE audit_log SET event = 'gone'`,
    );
    try {
      const record = await run();
      assert.notEqual(record.result, 'promoted');
      assert.equal(record.error?.code, 'cleanup-refused', JSON.stringify(record.error));
      assert.match(record.error?.message ?? '', /rolled back and nothing was deleted/);
      assert.deepEqual(await ids(url, 'users'), ['1', '2', '3', '4', '5', '6']);
      assert.deepEqual(await ids(url, 'memberships'), ['1', '2', '3', '4', '5', '6', '7']);
      assert.deepEqual(await query(url, `SELECT event FROM audit_log`), [{ event: 'login' }]);
    } finally {
      await query(url, `DROP RULE users_delete_marks_audit ON users`);
    }
  });

  it(
    'finding 4: a row that stays is never locked — another tenant writing a reference to it meanwhile neither waits nor blocks the cleanup',
    { timeout: 120_000 },
    async () => {
      // Hooli adds a membership of user 2 (shared by acme and hooli) and keeps its transaction open:
      // it holds FOR KEY SHARE on user 2. Locking every reachable user FOR UPDATE would wait on it.
      const hooli = new pg.Client({ connectionString: url });
      await hooli.connect();
      try {
        await hooli.query(`BEGIN; INSERT INTO memberships VALUES (100, 2, 2)`);
        const record = await run({ maxFreezeMs: 60_000 });
        assert.equal(record.result, 'promoted', JSON.stringify(record.error));
        await hooli.query('COMMIT');
      } finally {
        await hooli.query('ROLLBACK').catch(() => undefined);
        await hooli.end();
      }
      assert.deepEqual(await ids(url, 'memberships'), ['6', '7', '100']);
      // User 1 stays (hooli's note), user 2 (hooli's member); user 5 (acme only) is removed.
      assert.deepEqual(await ids(url, 'users'), ['1', '2', '3', '4', '6']);
    },
  );

  it('last line: a row outside the removed ones changed as they go makes removeUnused throw', async () => {
    // The tokens as the one referenced table, with a rule rewriting another token as one goes:
    // the reference check cannot see it, only the transaction's row counts can.
    const session = new pg.Client({ connectionString: url });
    await session.connect();
    try {
      await session.query(
        `CREATE RULE tokens_delete_marks_other AS ON DELETE TO password_reset_tokens
           DO ALSO UPDATE password_reset_tokens SET token = 'gone' WHERE id = 2`,
      );
      await session.query('BEGIN');
      const table = {
        schema: 'public',
        name: 'password_reset_tokens',
        qualified: 'public.password_reset_tokens',
        kind: 'referenced',
        where: 't.user_id = 1',
        keyColumns: ['"id"'],
      } as TablePlan;
      const candidates = await captureCandidates(session, [table]);
      await assert.rejects(removeUnused(session, candidates, 10_000), (e: unknown) => {
        assert.ok(e instanceof PromotionError);
        assert.match(e.message, /also deleted or changed other rows \(public\.password_reset_tokens: 1\)/);
        return true;
      });
    } finally {
      await session.query('ROLLBACK').catch(() => undefined);
      await session.query(`DROP RULE IF EXISTS tokens_delete_marks_other ON password_reset_tokens`);
      await session.end();
    }
    assert.deepEqual(await ids(url, 'password_reset_tokens'), ['1', '2', '3', '4']);
  });
});

/**
 * Review finding 3: referenced tables in a foreign-key cycle (users.address_id → addresses,
 * addresses.created_by → users). Deleted one table at a time, either order violated a foreign key
 * and cleanup could never finish; deleted in one statement, the checks run at its end.
 */
for (const subject of SUBJECTS) {
  describe(`remove-unused with referenced tables in a foreign-key cycle (${subject})`, () => {
    const suffix = uniqueSuffix();
    const slug = (n: string) => `${n}-${suffix}`;
    let url: string;
    let admin: NonSuperuser | undefined;

    before(async () => {
      url = await createDatabase(`tcleancyc_${suffix}`);
      await query(
        url,
        `CREATE TABLE tenants (
           id bigint PRIMARY KEY, slug text NOT NULL UNIQUE,
           isolation_mode text NOT NULL DEFAULT 'shared' CHECK (isolation_mode IN ('shared', 'isolated')),
           settings jsonb NOT NULL DEFAULT '{}');
         CREATE TABLE addresses (id bigint PRIMARY KEY, street text NOT NULL, created_by bigint);
         CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, address_id bigint REFERENCES addresses(id));
         ALTER TABLE addresses ADD FOREIGN KEY (created_by) REFERENCES users(id);
         CREATE INDEX ON users (address_id); CREATE INDEX ON addresses (created_by);
         CREATE TABLE memberships (id bigint PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id),
                                   user_id bigint NOT NULL REFERENCES users(id));
         CREATE INDEX ON memberships (tenant_id); CREATE INDEX ON memberships (user_id);
         INSERT INTO tenants (id, slug) VALUES (1, '${slug('acme')}'), (2, '${slug('hooli')}');
         INSERT INTO addresses VALUES (1, 'one', NULL), (2, 'two', NULL);
         INSERT INTO users VALUES (1, 'u1@acme', 1), (2, 'u2@hooli', 2);
         UPDATE addresses SET created_by = id;
         INSERT INTO memberships VALUES (1, 1, 1), (2, 2, 2);`,
      );
      if (subject === 'non-superuser') admin = await createNonSuperuser(url);
    });
    after(async () => {
      await admin?.drop();
      await dropArtifacts(suffix);
    });

    it("removes acme's user and the address it created together; hooli's stay", async () => {
      const record = await promoteOnce('cleanup-referenced', {
        databaseUrl: admin?.url ?? url,
        tenantSlug: slug('acme'),
        cleanupReferencedRows: 'remove-unused',
      });
      assert.equal(record.result, 'promoted', JSON.stringify(record.error));
      assert.deepEqual(await ids(url, 'users'), ['2']);
      assert.deepEqual(await ids(url, 'addresses'), ['2']);
      assert.deepEqual(await ids(url, 'memberships'), ['2']);
    });
  });
}
