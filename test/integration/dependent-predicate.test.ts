import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readTableGraph } from '../../src/postgres/catalog';
import { setTenantId } from '../../src/postgres/connect';
import { planTenant } from '../../src/postgres/plan';
import { selectTenantRows, type TablePlan, type TenantPlan } from '../../src/postgres/plan-types';
import { createDatabase, dropArtifacts, uniqueSuffix, withClient } from '../support/pg';

/**
 * Issue 18, target 4: a dependent table reached along several foreign keys is read from the
 * tenant's parent rows (the set form of its predicate), not scanned whole; and the set form,
 * the per-row form and an independent query select exactly the same rows — NULL foreign keys,
 * a composite key, a way straight to the tenants row, two hops, a self-reference, a partitioned
 * table, and tables the set form does not apply to (no key, inheritance children).
 */
const SCHEMA = `
  CREATE TABLE tenants (id uuid PRIMARY KEY, slug text NOT NULL UNIQUE);
  CREATE TABLE users (id int PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES tenants(id));
  CREATE INDEX ON users (tenant_id);
  CREATE TABLE teams (id int PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES tenants(id), code text NOT NULL, UNIQUE (code, id));
  CREATE INDEX ON teams (tenant_id);
  -- Two ways, both nullable.
  CREATE TABLE memberships (id int PRIMARY KEY, user_id int REFERENCES users(id), team_id int REFERENCES teams(id));
  CREATE INDEX ON memberships (user_id);
  CREATE INDEX ON memberships (team_id);
  -- A composite way, a way straight to the tenants row, a self-reference; a unique NOT NULL key, no primary key.
  CREATE TABLE grants (gid int NOT NULL UNIQUE, team_code text, team_id int, owner uuid REFERENCES tenants(id),
                       parent_gid int REFERENCES grants(gid), FOREIGN KEY (team_code, team_id) REFERENCES teams(code, id));
  CREATE INDEX ON grants (team_code, team_id);
  CREATE INDEX ON grants (owner);
  -- Two hops: through memberships (itself two ways) or straight to users.
  CREATE TABLE notes (id int PRIMARY KEY, membership_id int REFERENCES memberships(id), author_id int REFERENCES users(id));
  CREATE INDEX ON notes (membership_id);
  CREATE INDEX ON notes (author_id);
  -- Partitioned, two ways.
  CREATE TABLE events (id int, day date, user_id int REFERENCES users(id), team_id int REFERENCES teams(id),
                       PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
  CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE events_other PARTITION OF events DEFAULT;
  CREATE INDEX ON events (user_id);
  CREATE INDEX ON events (team_id);
  -- No key: keeps the OR.
  CREATE TABLE tags (user_id int REFERENCES users(id), team_id int REFERENCES teams(id), tag text);
  -- Inheritance children: keeps the OR.
  CREATE TABLE links (id int PRIMARY KEY, user_id int REFERENCES users(id), team_id int REFERENCES teams(id));
  CREATE TABLE links_archive () INHERITS (links);

  INSERT INTO tenants VALUES ('00000000-0000-0000-0000-00000000000a', 'small'),
                             ('00000000-0000-0000-0000-00000000000b', 'big'),
                             ('00000000-0000-0000-0000-00000000000c', 'other');
  -- small: users 1-3, teams 1-2; big: users and teams 1001-21000, 100,000 rows in each dependent table;
  -- other: users and teams 50001-50002.
  INSERT INTO users SELECT i, '00000000-0000-0000-0000-00000000000a' FROM generate_series(1, 3) i;
  INSERT INTO users SELECT i, '00000000-0000-0000-0000-00000000000b' FROM generate_series(1001, 21000) i;
  INSERT INTO users SELECT i, '00000000-0000-0000-0000-00000000000c' FROM generate_series(50001, 50002) i;
  INSERT INTO teams SELECT i, '00000000-0000-0000-0000-00000000000a', 'T' || i FROM generate_series(1, 2) i;
  INSERT INTO teams SELECT i, '00000000-0000-0000-0000-00000000000b', 'T' || i FROM generate_series(1001, 21000) i;
  INSERT INTO teams SELECT i, '00000000-0000-0000-0000-00000000000c', 'T' || i FROM generate_series(50001, 50002) i;

  INSERT INTO memberships VALUES (1, 1, 1), (2, 2, NULL), (3, NULL, 2), (4, 3, 1001), (5, 1001, 1),
                                 (6, NULL, NULL), (7, 50001, 50001), (8, NULL, 50002), (9, 1002, NULL);
  INSERT INTO memberships SELECT i, 1001 + i % 20000, 1001 + (i * 7) % 20000 FROM generate_series(100, 100099) i;

  INSERT INTO grants VALUES (1, 'T1', 1, NULL, NULL), (2, NULL, NULL, '00000000-0000-0000-0000-00000000000a', 1),
                            (3, 'T1001', 1001, '00000000-0000-0000-0000-00000000000a', NULL),
                            (4, 'T2', 2, '00000000-0000-0000-0000-00000000000b', NULL), (5, NULL, NULL, NULL, 2),
                            (6, 'T50001', 50001, NULL, NULL), (7, NULL, 1, NULL, NULL), (8, 'T1', NULL, NULL, NULL);
  INSERT INTO grants SELECT i, 'T' || (1001 + i % 20000), 1001 + i % 20000,
                            CASE WHEN i % 3 = 0 THEN '00000000-0000-0000-0000-00000000000b'::uuid END, NULL
                       FROM generate_series(100, 100099) i;

  INSERT INTO notes VALUES (1, 1, NULL), (2, 3, 50001), (3, 5, NULL), (4, 7, NULL), (5, NULL, 2), (6, 8, 1001),
                           (7, NULL, NULL), (8, 9, NULL), (9, 6, NULL);
  INSERT INTO notes SELECT i, 100 + i % 100000, CASE WHEN i % 2 = 0 THEN 1001 + i % 20000 END FROM generate_series(100, 100099) i;

  INSERT INTO events VALUES (1, '2024-03-01', 1, NULL), (2, '2023-03-01', NULL, 2), (3, '2024-03-01', 50001, 1),
                            (4, '2023-03-01', 1001, 1001), (5, '2024-03-01', NULL, NULL), (6, '2024-05-01', 3, 50001);
  INSERT INTO events SELECT i, date '2023-06-01' + i % 400, 1001 + i % 20000, 1001 + (i * 3) % 20000 FROM generate_series(100, 100099) i;

  INSERT INTO tags VALUES (1, NULL, 'a'), (NULL, 1, 'b'), (1001, 2, 'c'), (50001, 50001, 'd'), (NULL, NULL, 'e'), (1001, 1001, 'f');
  INSERT INTO links VALUES (1, 1, NULL), (2, NULL, 2), (3, 1001, 1001), (4, NULL, NULL);
  INSERT INTO links_archive VALUES (11, 1, NULL), (12, 1001, 2), (13, 50001, 50001);
  ANALYZE;
`;

const SMALL = '00000000-0000-0000-0000-00000000000a';

/** The small tenant's rows of each table, written independently of the plan (joins, ORs). */
const ORACLE: Record<string, string> = {
  memberships: `SELECT t.* FROM memberships t
    WHERE t.user_id IN (SELECT id FROM users WHERE tenant_id = '${SMALL}') OR t.team_id IN (SELECT id FROM teams WHERE tenant_id = '${SMALL}')`,
  grants: `SELECT t.* FROM grants t
    WHERE (t.team_code, t.team_id) IN (SELECT code, id FROM teams WHERE tenant_id = '${SMALL}') OR t.owner = '${SMALL}'`,
  notes: `SELECT t.* FROM notes t
    WHERE t.author_id IN (SELECT id FROM users WHERE tenant_id = '${SMALL}')
       OR t.membership_id IN (SELECT m.id FROM memberships m
                               WHERE m.user_id IN (SELECT id FROM users WHERE tenant_id = '${SMALL}')
                                  OR m.team_id IN (SELECT id FROM teams WHERE tenant_id = '${SMALL}'))`,
  events: `SELECT t.* FROM events t
    WHERE t.user_id IN (SELECT id FROM users WHERE tenant_id = '${SMALL}') OR t.team_id IN (SELECT id FROM teams WHERE tenant_id = '${SMALL}')`,
  tags: `SELECT t.* FROM tags t
    WHERE t.user_id IN (SELECT id FROM users WHERE tenant_id = '${SMALL}') OR t.team_id IN (SELECT id FROM teams WHERE tenant_id = '${SMALL}')`,
  links: `SELECT t.* FROM ONLY links t
    WHERE t.user_id IN (SELECT id FROM users WHERE tenant_id = '${SMALL}') OR t.team_id IN (SELECT id FROM teams WHERE tenant_id = '${SMALL}')`,
};

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/** Rows the scans of `relations` read (returned or filtered out), from EXPLAIN ANALYZE. */
function rowsRead(node: PlanNode, relations: ReadonlySet<string>): number {
  const own =
    node['Relation Name'] !== undefined && relations.has(node['Relation Name'])
      ? (node['Actual Rows'] +
          (node['Rows Removed by Filter'] ?? 0) +
          (node['Rows Removed by Index Recheck'] ?? 0)) *
        node['Actual Loops']
      : 0;
  return own + (node.Plans ?? []).reduce((n, child) => n + rowsRead(child, relations), 0);
}

describe('dependent tables reached along several foreign keys (issue 18, target 4)', () => {
  const suffix = uniqueSuffix();
  let url: string;
  let plan: TenantPlan;
  const table = (name: string): TablePlan => {
    const t = plan.tables.find((x) => x.name === name);
    assert.ok(t, `${name} is planned`);
    return t;
  };

  before(async () => {
    url = await createDatabase(`deppred_${suffix}`);
    await withClient(url, async (c) => {
      await c.query(SCHEMA);
      plan = planTenant(await readTableGraph(c), {
        tenantsTable: 'tenants',
        tenantKey: 'tenant_id',
        tenantId: SMALL,
        tenantIdType: 'uuid',
        referenceTables: 'copy',
      });
    });
  });
  after(() => dropArtifacts(suffix));

  it('reads the set form for tables with a key and keeps the OR for the others', () => {
    for (const name of ['memberships', 'grants', 'notes', 'events']) {
      assert.equal(table(name).kind, 'dependent');
      assert.match(table(name).where, /^EXISTS \(SELECT 1 FROM \(SELECT s0\./, `${name}: set form`);
      assert.match(table(name).perRowWhere ?? '', /^\(.* OR EXISTS /, `${name}: per-row form`);
    }
    for (const name of ['tags', 'links']) {
      assert.equal(table(name).kind, 'dependent');
      assert.doesNotMatch(table(name).where, /^EXISTS \(SELECT 1 FROM \(SELECT s0\./, `${name}: no set form`);
      assert.equal(table(name).perRowWhere, undefined);
    }
  });

  it('selects exactly the rows of the per-row form and of an independent query', async () => {
    await withClient(url, async (c) => {
      await setTenantId(c, SMALL);
      const rows = async (sql: string) =>
        (await c.query<{ r: string }>(`SELECT x::text AS r FROM (${sql}) x ORDER BY 1`)).rows.map((r) => r.r);
      for (const name of Object.keys(ORACLE)) {
        const t = table(name);
        const from = `FROM ${t.qualified} t`;
        const expected = await rows(ORACLE[name]!);
        assert.ok(expected.length > 0, `${name}: the tenant has rows`);
        assert.deepEqual(await rows(`SELECT t.* ${from} WHERE ${t.where}`), expected, `${name}: where`);
        assert.deepEqual(
          await rows(`SELECT t.* ${from} WHERE ${t.perRowWhere ?? t.where}`),
          expected,
          `${name}: per-row`,
        );
        // Negated (the cross-tenant checks, the rollback): every other row, none NULL.
        // (links: its own rows; the archive's are another table's.)
        const own = name === 'links' ? `FROM ONLY ${t.qualified} t` : from;
        const all = await rows(`SELECT t.* ${own}`);
        const others = await rows(`SELECT t.* ${own} WHERE (${t.where}) IS NOT TRUE`);
        assert.equal(others.length, all.length - expected.length, `${name}: the complement`);
        const nulls = await c.query(`SELECT 1 ${from} WHERE (${t.where}) IS NULL`);
        assert.equal(nulls.rowCount, 0, `${name}: never NULL`);
      }
    });
  });

  it("reads only about the small tenant's rows of a dependent table beside a big tenant's", async () => {
    await withClient(url, async (c) => {
      await setTenantId(c, SMALL);
      for (const [name, relations] of [
        ['memberships', ['memberships']],
        ['grants', ['grants']],
        ['notes', ['notes', 'memberships']],
        ['events', ['events_2024', 'events_other']],
      ] as const) {
        const t = table(name);
        const { rows } = await c.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${selectTenantRows(t)}`,
        );
        const read = rowsRead(rows[0]!['QUERY PLAN'][0].Plan, new Set(relations));
        // Each of the tenant's rows is read a few times (once per way and once by its key); the
        // big tenant's 100,000 rows never are.
        assert.ok(read <= 60, `${name}: read ${read} rows of ${relations.join(', ')}`);
      }
    });
  });
});
