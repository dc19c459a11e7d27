import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { memoryLogger } from '../../src/log';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import type { RunRecord } from '../../src/pipeline/record';
import { createNonSuperuser, type NonSuperuser } from '../support/nonsuper';
import { createDatabase, dropArtifacts, query, uniqueSuffix, urlFor } from '../support/pg';
import { tempDir } from '../support/tmp';

/**
 * A referenced table that references itself (issue 14): users reached through memberships, each
 * invited by another user. The tenant's users bring their inviters, and theirs, whoever's members
 * those are — at the copy, and under the freeze when a membership added there brings a user whose
 * inviter did not change either. Real PostgreSQL, as a non-superuser (foreign keys checked).
 */
const SCHEMA = `
  CREATE TABLE tenants (
    id bigint PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    isolation_mode text NOT NULL DEFAULT 'shared' CHECK (isolation_mode IN ('shared', 'isolated')),
    settings jsonb NOT NULL DEFAULT '{}'
  );
  CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, invited_by bigint REFERENCES users(id));
  CREATE INDEX ON users (invited_by);
  CREATE TABLE memberships (
    id bigint PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants(id),
    user_id bigint NOT NULL REFERENCES users(id)
  );
  CREATE INDEX ON memberships (tenant_id);
  CREATE INDEX ON memberships (user_id);
`;

const seed = (slug: (n: string) => string) => `
  INSERT INTO tenants (id, slug) VALUES (1, '${slug('acme')}'), (2, '${slug('hooli')}'), (3, '${slug('initech')}');
  -- 3 was invited by 2, 2 by 1; 5 by 4; 7 by 6.
  INSERT INTO users VALUES (1, 'u1', NULL), (2, 'u2', 1), (3, 'u3', 2), (4, 'u4', NULL), (5, 'u5', 4), (6, 'u6', NULL), (7, 'u7', 6);
  INSERT INTO memberships VALUES (1, 1, 3), (2, 2, 7);
`;

async function ids(url: string, table: string): Promise<string[]> {
  const rows = await query<{ k: string }>(url, `SELECT id::text AS k FROM ${table} ORDER BY id`);
  return rows.map((r) => r.k);
}

async function orphanInviters(url: string): Promise<number> {
  const [row] = await query<{ n: number }>(
    url,
    `SELECT count(*)::int AS n FROM users u WHERE u.invited_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users i WHERE i.id = u.invited_by)`,
  );
  return row!.n;
}

describe('a referenced table that references itself (users invited by users), non-superuser', () => {
  const suffix = uniqueSuffix();
  const slug = (n: string) => `${n}-${suffix}`;
  let url: string;
  let admin: NonSuperuser;

  before(async () => {
    url = await createDatabase(`tclos_${suffix}`);
    await query(url, SCHEMA + seed(slug));
    admin = await createNonSuperuser(url);
  });
  after(async () => {
    await admin?.drop();
    await dropArtifacts(suffix);
  });

  async function run(tenant: string, fault?: (point: string) => Promise<void>): Promise<RunRecord> {
    const configDir = await tempDir('referenced-closure-');
    try {
      const { record } = await promote(
        { databaseUrl: admin.url, tenantSlug: tenant, skipCloudRun: true, configDir, maxFreezeMs: 10_000 },
        { log: memoryLogger(), trigger: { source: 'test', actor: 'referenced-closure' }, fault },
      );
      return record;
    } finally {
      await rm(configDir, { recursive: true, force: true });
    }
  }

  it('acme: its member, the member’s inviter and the inviter’s inviter; nobody else', async () => {
    const record = await run(slug('acme'));
    assert.equal(record.result, 'promoted', JSON.stringify(record.error));
    assert.equal(record.tables.find((t) => t.name === 'users')?.kind, 'referenced');
    // The rows the plan selects are those the copy counts (the plan's own are an estimate).
    assert.equal(record.tables.find((t) => t.name === 'users')?.copiedRows, 3);
    const target = urlFor(deriveNames(slug('acme')).database);
    assert.deepEqual(await ids(target, 'users'), ['1', '2', '3']);
    assert.deepEqual(await ids(target, 'memberships'), ['1']);
    assert.equal(await orphanInviters(target), 0);
    assert.equal(record.checks.find((c) => c.name === 'foreign-rows')?.status, 'pass');
    assert.deepEqual(await ids(url, 'users'), ['1', '2', '3', '4', '5', '6', '7'], 'users stay shared');
  });

  it('initech, under the freeze window: a membership of a user whose inviter did not change brings both', async () => {
    let added = false;
    const record = await run(slug('initech'), async (point) => {
      if (point !== 'switch:before-freeze' || added) return;
      added = true;
      await query(url, `INSERT INTO memberships VALUES (3, 3, 5)`);
    });
    assert.ok(added, 'the fault point was reached');
    assert.equal(record.result, 'promoted', JSON.stringify(record.error));
    const target = urlFor(deriveNames(slug('initech')).database);
    assert.deepEqual(await ids(target, 'memberships'), ['3']);
    assert.deepEqual(await ids(target, 'users'), ['4', '5']);
    assert.equal(await orphanInviters(target), 0);
  });
});
