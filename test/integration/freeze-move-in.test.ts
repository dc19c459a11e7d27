import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import { testDeps } from '../support/engine';
import { createNonSuperuser, type NonSuperuser } from '../support/nonsuper';
import { createDatabase, dropArtifacts, query, uniqueSuffix, urlFor } from '../support/pg';
import { tempDir } from '../support/tmp';

/**
 * A parent row that moves into the tenant between the base pass and the freeze brings rows below
 * it that did not change (a task), and through them rows of referenced tables the tenant did not
 * need before (the task's assignee, that user's tokens). Found by review: a token deleted in the
 * same window balanced the count of the tokens table, which was then settled on the count alone —
 * the delete was lost and the new user's token missing, with every check passing; deleting a
 * task instead failed the switch on a foreign key.
 */
const SCHEMA = `
  CREATE TABLE tenants (id bigint PRIMARY KEY, slug text NOT NULL UNIQUE,
    isolation_mode text NOT NULL DEFAULT 'shared' CHECK (isolation_mode IN ('shared', 'isolated')),
    settings jsonb NOT NULL DEFAULT '{}');
  CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
  CREATE TABLE projects (id bigint PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id));
  CREATE INDEX ON projects (tenant_id);
  CREATE TABLE tasks (id bigint PRIMARY KEY, project_id bigint NOT NULL REFERENCES projects(id),
                      assignee_id bigint REFERENCES users(id));
  CREATE INDEX ON tasks (project_id);
  CREATE INDEX ON tasks (assignee_id);
  CREATE TABLE tokens (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id), token text);
  CREATE INDEX ON tokens (user_id);`;

describe('a project moves into the tenant under the freeze window (non-superuser)', () => {
  const suffix = uniqueSuffix();
  const slug = (n: string) => `${n}-${suffix}`;
  let url: string;
  let admin: NonSuperuser;

  before(async () => {
    url = await createDatabase(`tp_movein_${suffix}`);
    await query(url, SCHEMA);
    admin = await createNonSuperuser(url);
  });
  after(async () => {
    await admin?.drop();
    await dropArtifacts(suffix);
  });

  async function promoteWith(tenant: string, id: number, write: string) {
    await query(
      url,
      `TRUNCATE tokens, tasks, projects, users, tenants;
       INSERT INTO tenants (id, slug) VALUES (${id}, '${slug(tenant)}'), (${id + 1}, '${slug(`${tenant}-other`)}');
       INSERT INTO users VALUES (1, 'u1'), (2, 'u2'), (3, 'u3'), (4, 'u4');
       INSERT INTO projects VALUES (10, ${id}), (20, ${id + 1});
       INSERT INTO tasks VALUES (100, 10, 1), (101, 10, 2), (200, 20, 3);
       INSERT INTO tokens VALUES (1000, 1, 'a'), (2000, 2, 'b'), (3000, 3, 'c'), (4000, 4, 'd');`,
    );
    let wrote = false;
    const configDir = await tempDir('freeze-move-in-');
    try {
      const { record } = await promote(
        {
          databaseUrl: admin.url,
          tenantSlug: slug(tenant),
          skipCloudRun: true,
          configDir,
          maxFreezeMs: 20_000,
        },
        testDeps('move-in', {
          fault: async (point) => {
            if (point !== 'switch:before-freeze' || wrote) return;
            wrote = true;
            await query(url, `BEGIN; ${write}; COMMIT;`);
          },
        }),
      );
      assert.ok(wrote, 'the write landed between the base pass and the freeze');
      assert.equal(record.result, 'promoted', JSON.stringify(record.error));
      const target = urlFor(deriveNames(slug(tenant)).database);
      const ids = async (table: string) =>
        (await query<{ id: string }>(target, `SELECT id::text AS id FROM ${table} ORDER BY id`)).map(
          (r) => r.id,
        );
      return { ids };
    } finally {
      await rm(configDir, { recursive: true, force: true });
    }
  }

  it('with a token deleted in the same window: the delete is kept and the new user’s token is there', async () => {
    const { ids } = await promoteWith(
      'tokens',
      1,
      'UPDATE projects SET tenant_id = 1 WHERE id = 20; DELETE FROM tokens WHERE id = 1000',
    );
    assert.deepEqual(await ids('projects'), ['10', '20']);
    assert.deepEqual(await ids('tasks'), ['100', '101', '200']);
    assert.deepEqual(await ids('users'), ['1', '2', '3']);
    // Before the fix: ['1000', '2000'] — a committed delete lost, user 3's token missing.
    assert.deepEqual(await ids('tokens'), ['2000', '3000']);
  });

  it('with a task deleted in the same window: the switch goes through, user 2 and its token leave', async () => {
    const { ids } = await promoteWith(
      'tasks',
      11,
      'UPDATE projects SET tenant_id = 11 WHERE id = 20; DELETE FROM tasks WHERE id = 101',
    );
    assert.deepEqual(await ids('tasks'), ['100', '200']);
    assert.deepEqual(await ids('users'), ['1', '3']);
    assert.deepEqual(await ids('tokens'), ['1000', '3000']);
  });
});
