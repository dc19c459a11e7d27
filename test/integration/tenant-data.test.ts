import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deriveNames } from '../../src/names';
import type { PromotionOptionsInput } from '../../src/options';
import type { RunRecord } from '../../src/pipeline/record';
import { promoteOnce } from '../support/engine';
import { createNonSuperuser, type NonSuperuser } from '../support/nonsuper';
import { createDatabase, dropArtifacts, query, uniqueSuffix, urlFor } from '../support/pg';

/**
 * Issue 14, "Exactly the tenant's data", on real PostgreSQL as a non-superuser: a schema in the
 * shape of the billing SaaS and pagila that the issue tried — users behind memberships with their
 * password-reset tokens and addresses, roles with global rows (NULL tenant key), a polymorphic
 * audit table, an unrelated lookup, a lookup the tenants row references, and pagila's payment
 * with its foreign keys on the partitions only. Each promotion is checked for the plan's
 * classification and counts, the rows in the new database (nothing of another tenant), the rows
 * left in the shared database, and foreign keys valid on both sides.
 */
const SCHEMA = `
  CREATE TABLE plans (code text PRIMARY KEY, title text NOT NULL);
  CREATE TABLE tenants (
    id bigint PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    plan_code text NOT NULL REFERENCES plans(code),
    isolation_mode text NOT NULL DEFAULT 'shared' CHECK (isolation_mode IN ('shared', 'isolated')),
    settings jsonb NOT NULL DEFAULT '{}'
  );
  CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL);
  CREATE TABLE addresses (id bigint PRIMARY KEY, street text NOT NULL);
  CREATE TABLE users (
    id bigint PRIMARY KEY,
    email text NOT NULL,
    password_hash text NOT NULL,
    address_id bigint REFERENCES addresses(id)
  );
  CREATE INDEX ON users (address_id);
  CREATE TABLE password_reset_tokens (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id),
    token text NOT NULL
  );
  CREATE INDEX ON password_reset_tokens (user_id);
  CREATE TABLE roles (id bigint PRIMARY KEY, tenant_id bigint REFERENCES tenants(id), name text NOT NULL);
  CREATE INDEX ON roles (tenant_id);
  CREATE TABLE memberships (
    id bigint PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants(id),
    user_id bigint NOT NULL REFERENCES users(id),
    role_id bigint NOT NULL REFERENCES roles(id)
  );
  CREATE INDEX ON memberships (tenant_id);
  CREATE INDEX ON memberships (user_id);
  CREATE INDEX ON memberships (role_id);
  -- Polymorphic: points at rows of any table, no foreign key, no tenant key.
  CREATE TABLE audit_versions (id bigint PRIMARY KEY, item_type text NOT NULL, item_id bigint NOT NULL, event text NOT NULL);
  CREATE TABLE customer (id bigint PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id), name text NOT NULL);
  CREATE INDEX ON customer (tenant_id);
  -- pagila: the foreign keys are declared on the partitions, not on the parent.
  CREATE TABLE payment (
    id bigint NOT NULL,
    customer_id bigint NOT NULL,
    amount numeric(5,2) NOT NULL,
    paid_on date NOT NULL,
    PRIMARY KEY (id, paid_on)
  ) PARTITION BY RANGE (paid_on);
  CREATE TABLE payment_p2022_01 PARTITION OF payment FOR VALUES FROM ('2022-01-01') TO ('2022-02-01');
  CREATE TABLE payment_p2022_02 PARTITION OF payment FOR VALUES FROM ('2022-02-01') TO ('2022-03-01');
  ALTER TABLE payment_p2022_01 ADD CONSTRAINT payment_p2022_01_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer(id);
  ALTER TABLE payment_p2022_02 ADD CONSTRAINT payment_p2022_02_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer(id);
  CREATE INDEX ON payment (customer_id);
`;

const seed = (slug: (n: string) => string) => `
  INSERT INTO plans VALUES ('free', 'Free'), ('pro', 'Pro'), ('enterprise', 'Enterprise');
  INSERT INTO tenants (id, slug, plan_code) VALUES
    (1, '${slug('acme')}', 'pro'), (2, '${slug('hooli')}', 'free'), (3, '${slug('initech')}', 'pro'),
    (4, '${slug('umbrella')}', 'free');
  INSERT INTO countries VALUES ('de', 'Germany'), ('fr', 'France');
  INSERT INTO addresses VALUES (1, 'one'), (2, 'two'), (3, 'three'), (4, 'four'), (5, 'five');
  INSERT INTO users VALUES
    (1, 'u1@acme', 'hash1', 1), (2, 'u2@both', 'hash2', 2), (3, 'u3@hooli', 'hash3', 3),
    (4, 'u4@initech', 'hash4', 4), (5, 'u5@nobody', 'hash5', 5), (6, 'u6@hooli', 'hash6', NULL);
  INSERT INTO password_reset_tokens VALUES (1, 1, 'tok1'), (2, 3, 'tok2'), (3, 2, 'tok3'), (4, 5, 'tok4');
  -- 1, 2 and 5 are global (NULL tenant key): 1 used by every tenant, 2 by hooli, 5 by nobody.
  INSERT INTO roles VALUES (1, NULL, 'owner'), (2, NULL, 'viewer'), (3, 1, 'acme-custom'), (4, 2, 'hooli-custom'), (5, NULL, 'admin');
  INSERT INTO memberships VALUES
    (1, 1, 1, 1), (2, 1, 2, 3),
    (3, 2, 2, 2), (4, 2, 3, 4), (5, 2, 6, 1),
    (6, 3, 4, 1);
  INSERT INTO audit_versions VALUES (1, 'User', 1, 'create'), (2, 'User', 3, 'create'), (3, 'Membership', 4, 'update');
  INSERT INTO customer VALUES (1, 1, 'c1'), (2, 1, 'c2'), (3, 2, 'c3'), (4, 3, 'c4');
  INSERT INTO payment VALUES
    (1, 1, 1.00, '2022-01-05'), (2, 2, 2.00, '2022-02-05'), (3, 3, 3.00, '2022-01-06'),
    (4, 3, 4.00, '2022-02-06'), (5, 4, 5.00, '2022-01-07');
`;

/** Ids (or codes) of a table, sorted, as text. */
async function ids(url: string, table: string, column = 'id'): Promise<string[]> {
  const rows = await query<{ k: string }>(
    url,
    `SELECT ${column}::text AS k FROM ${table} ORDER BY ${column}`,
  );
  return rows.map((r) => r.k);
}

async function tableExists(url: string, table: string): Promise<boolean> {
  const rows = await query<{ t: string | null }>(url, `SELECT to_regclass($1)::text AS t`, [
    `public.${table}`,
  ]);
  return rows[0]?.t !== null;
}

/** Foreign keys of a database that are not valid, or whose rows have no parent. */
async function brokenForeignKeys(url: string): Promise<string[]> {
  const fks = await query<{
    name: string;
    child: string;
    parent: string;
    cc: string[];
    pc: string[];
    ok: boolean;
  }>(
    url,
    `SELECT c.conname AS name, c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent,
            array(SELECT quote_ident(a.attname) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS cc,
            array(SELECT quote_ident(a.attname) FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS pc,
            c.convalidated AS ok
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
      WHERE c.contype = 'f' AND n.nspname = 'public'`,
  );
  const broken: string[] = [];
  for (const fk of fks) {
    if (!fk.ok) broken.push(`${fk.name} NOT VALID`);
    const join = fk.cc.map((c, i) => `p.${fk.pc[i]} = c.${c}`).join(' AND ');
    const n = await query<{ n: number }>(
      url,
      `SELECT count(*)::int AS n FROM ${fk.child} c WHERE ${fk.cc.map((c) => `c.${c} IS NOT NULL`).join(' AND ')} AND NOT EXISTS (SELECT 1 FROM ${fk.parent} p WHERE ${join})`,
    );
    if (n[0]!.n > 0) broken.push(`${fk.name}: ${n[0]!.n} orphans`);
  }
  return broken;
}

const kinds = (record: RunRecord) =>
  Object.fromEntries(record.tables.map((t) => [t.name, t.kind]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1)));
// The rows each table's predicate selects at the snapshot, as the copy counted them (the plan's
// own counts are the planner's estimates in a promotion).
const planned = (record: RunRecord) => Object.fromEntries(record.tables.map((t) => [t.name, t.copiedRows]));

describe('exactly the tenant data (issue 14, real PostgreSQL, non-superuser)', () => {
  const suffix = uniqueSuffix();
  const slug = (n: string) => `${n}-${suffix}`;
  let url: string;
  let admin: NonSuperuser;

  before(async () => {
    url = await createDatabase(`tdata_${suffix}`);
    await query(url, SCHEMA + seed(slug));
    admin = await createNonSuperuser(url);
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
    promoteOnce('tenant-data', { databaseUrl: admin.url, tenantSlug: tenant, ...extra }, fault);

  it('acme: only its members (with their tokens and addresses), the global roles it uses, payments planned from partition keys', async () => {
    const sharedBefore = {
      users: await ids(url, 'users'),
      tokens: await ids(url, 'password_reset_tokens'),
      addresses: await ids(url, 'addresses'),
      audit: await ids(url, 'audit_versions'),
    };
    const record = await run(slug('acme'));
    assert.equal(record.result, 'promoted', JSON.stringify(record.error));
    assert.deepEqual(kinds(record), {
      addresses: 'referenced',
      countries: 'reference',
      customer: 'tenant',
      memberships: 'tenant',
      password_reset_tokens: 'referenced',
      payment: 'dependent',
      plans: 'reference',
      roles: 'tenant',
      tenants: 'root',
      users: 'referenced',
    });
    const counts = planned(record);
    assert.equal(counts.users, 2);
    assert.equal(counts.password_reset_tokens, 2);
    assert.equal(counts.addresses, 2);
    assert.equal(counts.roles, 2, 'its own role and the global owner role');
    assert.equal(counts.payment, 2);
    const notes = record.notes.join('\n');
    assert.match(notes, /Referenced rows copied: .*public\.users ~\d+ rows \(1 also used by other tenants/);
    assert.match(notes, /Global rows copied .*public\.roles 1 rows/);
    assert.match(
      notes,
      /public\.audit_versions points at rows polymorphically \(item_type, item_id\).*table-overrides: public\.audit_versions=copy/,
    );
    assert.match(notes, /Warning: .*public\.users\.email.*public\.users\.password_hash/);
    assert.match(notes, /declared on every partition of public\.payment/);

    const target = urlFor(deriveNames(slug('acme')).database);
    // Nothing of another tenant: hooli's and initech's users, tokens and addresses stayed behind.
    assert.deepEqual(await ids(target, 'users'), ['1', '2']);
    assert.deepEqual(await ids(target, 'password_reset_tokens'), ['1', '3']);
    assert.deepEqual(await ids(target, 'addresses'), ['1', '2']);
    assert.deepEqual(await ids(target, 'roles'), ['1', '3']);
    assert.deepEqual(await ids(target, 'memberships'), ['1', '2']);
    assert.deepEqual(await ids(target, 'customer'), ['1', '2']);
    assert.deepEqual(await ids(target, 'payment'), ['1', '2']);
    assert.equal(await tableExists(target, 'audit_versions'), false, 'unattributable: left out of the clone');
    assert.deepEqual(await ids(target, 'countries', 'code'), ['de', 'fr'], 'unrelated: copied whole');
    assert.deepEqual(await ids(target, 'tenants'), ['1']);
    // The partition keys are recreated as they are (on the partitions).
    const partitionKeys = await query<{ c: string }>(
      target,
      `SELECT conrelid::regclass::text || '.' || conname AS c FROM pg_constraint WHERE conname LIKE 'payment_p2022%fkey' ORDER BY 1`,
    );
    assert.deepEqual(
      partitionKeys.map((r) => r.c),
      [
        'payment_p2022_01.payment_p2022_01_customer_id_fkey',
        'payment_p2022_02.payment_p2022_02_customer_id_fkey',
      ],
    );
    const foreign = record.checks.find((c) => c.name === 'foreign-rows');
    assert.equal(foreign?.status, 'pass', JSON.stringify(foreign));
    assert.match(foreign!.reason, /holding referenced or global rows/);
    assert.deepEqual(await brokenForeignKeys(target), []);

    // The shared database: only acme's own rows are gone; users, tokens, addresses and the global role stay.
    assert.deepEqual(await ids(url, 'memberships'), ['3', '4', '5', '6']);
    assert.deepEqual(await ids(url, 'roles'), ['1', '2', '4', '5']);
    assert.deepEqual(await ids(url, 'customer'), ['3', '4']);
    assert.deepEqual(await ids(url, 'payment'), ['3', '4', '5']);
    assert.deepEqual(await ids(url, 'users'), sharedBefore.users);
    assert.deepEqual(await ids(url, 'password_reset_tokens'), sharedBefore.tokens);
    assert.deepEqual(await ids(url, 'addresses'), sharedBefore.addresses);
    assert.deepEqual(await ids(url, 'audit_versions'), sharedBefore.audit);
    const cleanup = record.steps.find((s) => s.name === 'cleanup');
    assert.match(cleanup?.detail ?? '', /kept: 1 global rows; 6 referenced rows of/);
    assert.deepEqual(await brokenForeignKeys(url), []);
  });

  it('hooli with reference-tables: skip and the audit table copied by override: end to end', async () => {
    const record = await run(slug('hooli'), {
      referenceTables: 'skip',
      tableOverrides: { 'public.audit_versions': 'copy' },
    });
    assert.equal(record.result, 'promoted', JSON.stringify(record.error));
    const k = kinds(record);
    assert.equal(k.plans, 'referenced', 'the lookup its tenants row references: by reference');
    assert.equal(k.audit_versions, 'reference', 'copied whole by the override');
    assert.equal(k.countries, undefined, 'unrelated: left out');
    assert.match(
      record.notes.join('\n'),
      /Left out \(not cloned\): public\.countries \(reference-tables: skip\)/,
    );
    const target = urlFor(deriveNames(slug('hooli')).database);
    assert.deepEqual(await ids(target, 'plans', 'code'), ['free']);
    assert.equal(await tableExists(target, 'countries'), false, 'unrelated: left out of the clone');
    assert.deepEqual(await ids(target, 'audit_versions'), ['1', '2', '3']);
    assert.deepEqual(await ids(target, 'users'), ['2', '3', '6']);
    assert.deepEqual(await ids(target, 'password_reset_tokens'), ['2', '3']);
    assert.deepEqual(await ids(target, 'roles'), ['1', '2', '4']);
    assert.deepEqual(await brokenForeignKeys(target), []);
    assert.equal(record.checks.find((c) => c.name === 'foreign-rows')?.status, 'pass');
    // Global roles 1 and 2 stay in the shared database (initech uses 1).
    assert.deepEqual(await ids(url, 'roles'), ['1', '2', '5']);
    assert.deepEqual(await ids(url, 'memberships'), ['6']);
    assert.deepEqual(await ids(url, 'plans', 'code'), ['enterprise', 'free', 'pro']);
    assert.deepEqual(await brokenForeignKeys(url), []);
  });

  it('umbrella, under the freeze window: a membership whose user and global role did not change brings them, with the user’s address and token', async () => {
    // The freeze pass re-reads only rows changed since its base snapshot: the new membership is,
    // its user (with the user's address and reset token) and the global role are not. They are
    // brought from the changed row, along the foreign keys (freeze-closure.ts).
    let added = false;
    const record = await run(slug('umbrella'), {}, async (point) => {
      if (point !== 'switch:before-freeze' || added) return;
      added = true;
      await query(url, `INSERT INTO memberships VALUES (8, 4, 5, 2)`);
    });
    assert.ok(added, 'the fault point was reached');
    assert.equal(record.result, 'promoted', JSON.stringify(record.error));
    assert.equal(planned(record).users, 0, 'umbrella had no member at the snapshot');
    const target = urlFor(deriveNames(slug('umbrella')).database);
    assert.deepEqual(await ids(target, 'memberships'), ['8']);
    assert.deepEqual(await ids(target, 'users'), ['5']);
    assert.deepEqual(await ids(target, 'addresses'), ['5']);
    assert.deepEqual(await ids(target, 'password_reset_tokens'), ['4']);
    assert.deepEqual(await ids(target, 'roles'), ['2']);
    assert.deepEqual(await brokenForeignKeys(target), []);
    assert.equal(record.checks.find((c) => c.name === 'foreign-rows')?.status, 'pass');
    // Verified at the switch, then cleaned up: the membership left; the user and global role stay.
    assert.deepEqual(await ids(url, 'memberships', 'id'), ['6']);
    assert.deepEqual(await ids(url, 'users'), ['1', '2', '3', '4', '5', '6']);
    assert.deepEqual(await ids(url, 'roles'), ['1', '2', '5']);
    assert.deepEqual(await brokenForeignKeys(url), []);
  });

  it('initech: a membership added during the promotion (before the switch) brings its user, token, address and global role', async () => {
    let added = false;
    const record = await run(slug('initech'), {}, async (point) => {
      if (point !== 'before:switch' || added) return;
      added = true;
      // User 1 (acme's, still in the shared database) and the unused global role 5 were not
      // initech's at the snapshot; neither row changes here: the catch-up re-evaluates `where`.
      await query(url, `INSERT INTO memberships VALUES (7, 3, 1, 5)`);
    });
    assert.equal(record.result, 'promoted', JSON.stringify(record.error));
    assert.ok(added, 'the fault point was reached');
    // At the snapshot: membership 6, user 4.
    assert.equal(planned(record).users, 1);
    const target = urlFor(deriveNames(slug('initech')).database);
    assert.deepEqual(await ids(target, 'memberships'), ['6', '7']);
    assert.deepEqual(await ids(target, 'users'), ['1', '4']);
    assert.deepEqual(await ids(target, 'password_reset_tokens'), ['1']);
    assert.deepEqual(await ids(target, 'addresses'), ['1', '4']);
    assert.deepEqual(await ids(target, 'roles'), ['1', '5']);
    assert.deepEqual(await brokenForeignKeys(target), []);
    assert.equal(record.checks.find((c) => c.name === 'foreign-rows')?.status, 'pass');
    // Cleanup deleted the memberships (the one added was verified at the switch); users and global roles stay.
    assert.deepEqual(await ids(url, 'memberships'), []);
    assert.deepEqual(await ids(url, 'users'), ['1', '2', '3', '4', '5', '6']);
    assert.deepEqual(await ids(url, 'roles'), ['1', '2', '5']);
    assert.deepEqual(await brokenForeignKeys(url), []);
  });
});
