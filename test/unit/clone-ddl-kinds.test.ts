import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeBlocker } from '../../src/postgres/ddl/blockers';
import type { AggregateInfo, OperatorInfo } from '../../src/postgres/ddl/catalog';
import {
  aggregateStatements,
  castStatements,
  collationStatements,
  operatorStatements,
  tsConfigStatements,
  tsDictionaryStatements,
} from '../../src/postgres/ddl/generate';

const o = { ownerRole: 'tenant_owner', roleMap: new Map([['shared_app', 'tenant_app']]) };

const aggregate: AggregateInfo = {
  key: 'f1',
  schema: 'public',
  name: 'group_concat',
  signature: 'public.group_concat(text)',
  args: 'text',
  aggKind: 'n',
  transFn: 'public._group_concat',
  transType: 'text',
  transSpace: 0,
  finalFn: null,
  finalExtra: false,
  finalModify: 'r',
  combineFn: null,
  serialFn: null,
  deserialFn: null,
  initCond: null,
  mTransFn: null,
  mInvTransFn: null,
  mTransType: null,
  mTransSpace: 0,
  mFinalFn: null,
  mFinalExtra: false,
  mFinalModify: 'r',
  mInitCond: null,
  sortOp: null,
  parallel: 'u',
  owner: 'shared_owner',
  acl: [{ grantee: 'shared_app', privilege: 'EXECUTE', grantable: false }],
  comment: "it's pagila's",
};

describe('DDL of aggregates, operators, casts, collations and text search objects', () => {
  it("recreates pagila's group_concat, its owner, grants (remapped) and comment", () => {
    assert.deepEqual(aggregateStatements(aggregate, o), [
      'CREATE AGGREGATE "public"."group_concat"(text) (SFUNC = public._group_concat, STYPE = text)',
      'ALTER AGGREGATE "public"."group_concat"(text) OWNER TO "tenant_owner"',
      'REVOKE ALL ON FUNCTION public.group_concat(text) FROM PUBLIC',
      'GRANT EXECUTE ON FUNCTION public.group_concat(text) TO "tenant_app"',
      `COMMENT ON AGGREGATE "public"."group_concat"(text) IS 'it''s pagila''s'`,
    ]);
  });

  it('writes a zero-argument aggregate as (*), with its initial condition as a literal', () => {
    const [create] = aggregateStatements(
      {
        ...aggregate,
        name: 'cnt',
        args: '',
        transFn: 'int8inc',
        transType: 'bigint',
        initCond: '0',
        acl: null,
      },
      o,
    );
    assert.equal(
      create,
      `CREATE AGGREGATE "public"."cnt"(*) (SFUNC = int8inc, STYPE = bigint, INITCOND = '0')`,
    );
  });

  const operator: OperatorInfo = {
    key: 'o1',
    schema: 'public',
    name: '=~=',
    signature: 'public.=~=(text,text)',
    left: 'text',
    right: 'text',
    fn: 'public.ci_eq',
    commutator: 'OPERATOR(public.=~=)',
    negator: null,
    restrict: 'eqsel',
    join: null,
    hashes: false,
    merges: false,
    owner: 'x',
    comment: null,
  };

  it('recreates an operator with its commutator and estimator', () => {
    assert.deepEqual(operatorStatements(operator, o), [
      'CREATE OPERATOR "public".=~= (FUNCTION = public.ci_eq, LEFTARG = text, RIGHTARG = text, COMMUTATOR = OPERATOR(public.=~=), RESTRICT = eqsel)',
      'ALTER OPERATOR public.=~=(text,text) OWNER TO "tenant_owner"',
    ]);
  });

  it('refuses an operator name that is not made of operator characters (never spliced into SQL)', () => {
    assert.throws(() => operatorStatements({ ...operator, name: '=; DROP TABLE x; --' }, o), /operator name/);
  });

  it('recreates casts by function, inout and binary coercion, in their context', () => {
    const cast = { key: 'x1', source: 'public.celsius', target: 'text', comment: null };
    assert.deepEqual(
      castStatements({ ...cast, method: 'f', fn: 'public.c2t(public.celsius)', context: 'a' }),
      ['CREATE CAST (public.celsius AS text) WITH FUNCTION public.c2t(public.celsius) AS ASSIGNMENT'],
    );
    assert.equal(
      castStatements({ ...cast, method: 'i', fn: null, context: 'e' })[0],
      'CREATE CAST (public.celsius AS text) WITH INOUT',
    );
    assert.equal(
      castStatements({ ...cast, method: 'b', fn: null, context: 'i' })[0],
      'CREATE CAST (public.celsius AS text) WITHOUT FUNCTION AS IMPLICIT',
    );
  });

  it('recreates libc and nondeterministic ICU collations', () => {
    const c = { key: 'l1', schema: 's', name: 'nocase', owner: 'x', comment: null, rules: null };
    assert.equal(
      collationStatements(
        { ...c, provider: 'i', deterministic: false, collate: null, ctype: null, locale: 'und-u-ks-level2' },
        o,
      )[0],
      `CREATE COLLATION "s"."nocase" (PROVIDER = icu, LOCALE = 'und-u-ks-level2', DETERMINISTIC = false)`,
    );
    assert.equal(
      collationStatements(
        { ...c, provider: 'c', deterministic: true, collate: 'C', ctype: 'C', locale: null },
        o,
      )[0],
      `CREATE COLLATION "s"."nocase" (PROVIDER = libc, LC_COLLATE = 'C', LC_CTYPE = 'C')`,
    );
  });

  it('recreates a text search dictionary, and a configuration with its parser then its mappings', () => {
    const common = { schema: 's', owner: 'x', comment: null };
    assert.deepEqual(
      tsDictionaryStatements(
        {
          ...common,
          key: 'td1',
          name: 'en_stem',
          template: 'pg_catalog.snowball',
          options: "language = 'english'",
        },
        o,
      ),
      [
        `CREATE TEXT SEARCH DICTIONARY "s"."en_stem" (TEMPLATE = pg_catalog.snowball, language = 'english')`,
        'ALTER TEXT SEARCH DICTIONARY "s"."en_stem" OWNER TO "tenant_owner"',
      ],
    );
    assert.deepEqual(
      tsConfigStatements(
        {
          ...common,
          key: 'tc1',
          name: 'en',
          parser: 'pg_catalog."default"',
          mappings: [{ tokens: ['asciiword', 'word'], dictionaries: ['s.en_stem', 'simple'] }],
        },
        o,
      ),
      [
        'CREATE TEXT SEARCH CONFIGURATION "s"."en" (PARSER = pg_catalog."default")',
        'ALTER TEXT SEARCH CONFIGURATION "s"."en" ADD MAPPING FOR "asciiword", "word" WITH s.en_stem, simple',
        'ALTER TEXT SEARCH CONFIGURATION "s"."en" OWNER TO "tenant_owner"',
      ],
    );
  });

  it('names a blocker, why, and what depends on it (at most a dozen, then a count)', () => {
    const dependents = Array.from({ length: 14 }, (_, i) => `view public.v${i}`);
    const line = describeBlocker({ object: 'type public.label', why: 'no DDL for base types', dependents });
    assert.match(
      line,
      /^type public\.label: no DDL for base types; needed by view public\.v0, .*view public\.v11 and 2 more$/,
    );
    assert.match(
      describeBlocker({ object: 'operator class public.c', why: 'no DDL', dependents: [] }),
      /nothing in the schema depends on it, but the application may use it/,
    );
  });
});
