import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { applyStatements, buildSchemaScript } from '../../src/postgres/schema-clone';
import { catalogSummary, normaliseExpression, parityDifferences } from '../../src/validation/schema-parity';
import { createDatabase, dropArtifacts, uniqueSuffix, withClient } from '../support/pg';

/**
 * Schema parity compares semantics: a faithful clone of each of these schemas has no difference.
 * Each case was a false alarm on a healthy promotion (issue 13).
 */
const CASES: Record<string, string> = {
  'an index of a materialized view': `
    CREATE TABLE t (id int PRIMARY KEY, v text);
    CREATE MATERIALIZED VIEW mv AS SELECT id, v FROM t;
    CREATE UNIQUE INDEX mv_id ON mv (id);`,
  'a CHECK … IN on a varchar column': `
    CREATE TABLE tenant (id int PRIMARY KEY, status varchar(20) CHECK (status IN ('active', 'suspended')),
                         kind character varying CONSTRAINT kind_check CHECK (kind = ANY (ARRAY['a', 'b'])));`,
  'foreign keys of partitions attached to a parent key': `
    CREATE TABLE customer (id int PRIMARY KEY);
    CREATE TABLE payment (id int, customer_id int NOT NULL REFERENCES customer (id), paid date NOT NULL,
                          PRIMARY KEY (id, paid)) PARTITION BY RANGE (paid);
    CREATE TABLE payment_2022 PARTITION OF payment FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');
    CREATE TABLE payment_2023 (id int, customer_id int NOT NULL, paid date NOT NULL, PRIMARY KEY (id, paid));
    ALTER TABLE payment ATTACH PARTITION payment_2023 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
    CREATE TABLE refund (id int PRIMARY KEY, payment_id int, paid date, FOREIGN KEY (payment_id, paid) REFERENCES payment (id, paid));`,
};

describe('normaliseExpression', () => {
  it('drops casts and parentheses PostgreSQL moves when it re-parses, never inside literals', () => {
    assert.equal(
      normaliseExpression(
        "CHECK (((status)::text = ANY ((ARRAY['active'::character varying, 'suspended'::character varying])::text[])))",
      ),
      normaliseExpression(
        "CHECK (((status)::text = ANY (ARRAY[('active'::character varying)::text, ('suspended'::character varying)::text])))",
      ),
    );
    assert.notEqual(normaliseExpression("CHECK (s = 'a::text')"), normaliseExpression("CHECK (s = 'a')"));
    assert.notEqual(normaliseExpression('CHECK ((a > 1))'), normaliseExpression('CHECK ((a > 2))'));
    assert.notEqual(
      normaliseExpression("CHECK ((s = ANY (ARRAY['a'::text, 'b'::text])))"),
      normaliseExpression("CHECK ((s = ANY (ARRAY['a'::text, 'c'::text])))"),
    );
  });
});

describe('schema parity of a faithful clone (real PostgreSQL)', () => {
  const suffix = uniqueSuffix();
  after(() => dropArtifacts(suffix));
  for (const [name, sql] of Object.entries(CASES)) {
    describe(name, () => {
      let differences: string[] = [];
      before(async () => {
        const tag = `${Object.keys(CASES).indexOf(name)}_${suffix}`;
        const owner = `parity_owner_${tag}`;
        const sourceUrl = await createDatabase(`parity_src_${tag}`);
        const targetUrl = await createDatabase(`parity_dst_${tag}`);
        await withClient(sourceUrl, (c) => c.query(sql));
        await withClient(sourceUrl, (c) => c.query(`CREATE ROLE ${pg.escapeIdentifier(owner)} NOLOGIN`));
        const script = await withClient(sourceUrl, (c) =>
          buildSchemaScript(c, { ownerRole: owner, roleMap: new Map() }),
        );
        await withClient(targetUrl, async (c) => {
          await applyStatements(c, script.beforeData);
          await applyStatements(c, script.afterData);
          await c.query('REFRESH MATERIALIZED VIEW mv').catch(() => undefined);
        });
        const s = await withClient(sourceUrl, catalogSummary);
        const t = await withClient(targetUrl, catalogSummary);
        // As the check does: every table planned.
        const planned = new Set(s.filter((i) => i.category === 'table').map((i) => i.owner!));
        differences = parityDifferences(s, t, planned);
      });
      it('has no difference', () => {
        assert.deepEqual(differences, []);
      });
    });
  }
});
