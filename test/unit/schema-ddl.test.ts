import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateScript, grantStatements, mapRole } from '../../src/postgres/ddl/generate';
import { dependentsClosure, topoOrder } from '../../src/postgres/ddl/order';
import { diffBlocks, normaliseDump } from '../support/pg-dump';
import { emptyCatalog } from '../support/catalog';

const roleMap = new Map([['shared_app', 'tenant_app']]);

describe('role mapping', () => {
  it('keeps PUBLIC, maps known roles, drops the rest', () => {
    assert.equal(mapRole('PUBLIC', roleMap), 'PUBLIC');
    assert.equal(mapRole('shared_app', roleMap), 'tenant_app');
    assert.equal(mapRole('reporting', roleMap), null);
  });

  it('renders grants from an ACL, skipping the owner and unmapped roles', () => {
    const acl = [
      { grantee: 'owner', privilege: 'SELECT', grantable: false },
      { grantee: 'shared_app', privilege: 'SELECT', grantable: false },
      { grantee: 'shared_app', privilege: 'INSERT', grantable: false },
      { grantee: 'reporting', privilege: 'SELECT', grantable: false },
      { grantee: 'PUBLIC', privilege: 'USAGE', grantable: true },
    ];
    assert.deepEqual(grantStatements('TABLE', '"s"."t"', acl, 'owner', roleMap), [
      'REVOKE ALL ON TABLE "s"."t" FROM PUBLIC',
      'GRANT SELECT, INSERT ON TABLE "s"."t" TO "tenant_app"',
      'GRANT USAGE ON TABLE "s"."t" TO PUBLIC WITH GRANT OPTION',
    ]);
    // The built-in default, which the target's default privileges may have widened for PUBLIC.
    assert.deepEqual(grantStatements('TABLE', '"s"."t"', null, 'owner', roleMap), [
      'REVOKE ALL ON TABLE "s"."t" FROM PUBLIC',
    ]);
    assert.deepEqual(grantStatements('FUNCTION', 'f()', null, 'owner', roleMap), []);
  });
});

describe('dependency order', () => {
  const node = (key: string, rank: number) => ({ key, rank, name: key });

  it('puts dependencies first and is otherwise ordered by rank then name', () => {
    const { ordered, cycles } = topoOrder(
      [node('view_b', 5), node('view_a', 5), node('table', 4), node('fn', 3)],
      [
        ['view_a', 'view_b'],
        ['view_b', 'table'],
        ['table', 'fn'],
      ],
    );
    assert.deepEqual(
      ordered.map((n) => n.key),
      ['fn', 'table', 'view_b', 'view_a'],
    );
    assert.deepEqual(cycles, []);
  });

  it('breaks a cycle at its lowest-ranked member and reports it', () => {
    const { ordered, cycles } = topoOrder(
      [node('fn', 3), node('table', 4)],
      [
        ['fn', 'table'],
        ['table', 'fn'],
      ],
    );
    assert.deepEqual(
      ordered.map((n) => n.key),
      ['fn', 'table'],
    );
    assert.deepEqual(cycles, ['fn']);
  });

  it('finds everything that depends on a seed', () => {
    const closure = dependentsClosure(
      ['v1'],
      [
        ['v2', 'v1'],
        ['v3', 'v2'],
        ['v1', 'k1'],
      ],
    );
    assert.deepEqual([...closure].sort(), ['v1', 'v2', 'v3']);
  });
});

describe('generateScript', () => {
  it('remaps policy roles and leaves out a policy none of whose roles exist in the tenant database', () => {
    const cat = emptyCatalog();
    const policy = {
      schema: 's',
      table: 't',
      permissive: true,
      command: 'r',
      using: 'true',
      withCheck: null,
      comment: null,
    };
    cat.policies = [
      { ...policy, key: 'pol1', name: 'mapped', roles: ['shared_app', 'reporting'] },
      { ...policy, key: 'pol2', name: 'public', roles: ['PUBLIC'] },
      { ...policy, key: 'pol3', name: 'gone', roles: ['reporting'] },
    ];
    const { beforeData } = generateScript(cat, { ownerRole: 'owner', roleMap });
    assert.deepEqual(beforeData, [
      'CREATE POLICY "mapped" ON "s"."t" AS PERMISSIVE FOR SELECT TO "tenant_app" USING (true)',
      'CREATE POLICY "public" ON "s"."t" AS PERMISSIVE FOR SELECT TO PUBLIC USING (true)',
    ]);
  });

  it('adds foreign keys NOT VALID and validates them, except on partitioned tables', () => {
    const cat = emptyCatalog();
    const fk = {
      schema: 's',
      type: 'f',
      validated: true,
      isLocal: true,
      hasParent: false,
      index: null,
      comment: null,
    };
    cat.constraints = [
      { ...fk, table: 'plain', tableKind: 'r', name: 'a_fk', def: 'FOREIGN KEY (x) REFERENCES s.t(id)' },
      { ...fk, table: 'parted', tableKind: 'p', name: 'b_fk', def: 'FOREIGN KEY (x) REFERENCES s.t(id)' },
    ];
    const { afterData, afterDataStages } = generateScript(cat, { ownerRole: 'owner', roleMap });
    assert.deepEqual(afterData, [
      'ALTER TABLE ONLY "s"."plain" ADD CONSTRAINT "a_fk" FOREIGN KEY (x) REFERENCES s.t(id) NOT VALID',
      'ALTER TABLE ONLY "s"."plain" VALIDATE CONSTRAINT "a_fk"',
      'ALTER TABLE "s"."parted" ADD CONSTRAINT "b_fk" FOREIGN KEY (x) REFERENCES s.t(id)',
    ]);
    // Added on one session; then validated a unit per referencing table, and the partitioned
    // table's key (added and validated at once, locking both tables) in a unit of its own.
    assert.deepEqual(afterDataStages, [
      { label: 'foreign keys added', units: [{ statements: [0] }] },
      {
        label: 'foreign keys validated',
        units: [{ table: { schema: 's', name: 'plain' }, statements: [1] }, { statements: [2] }],
      },
    ]);
  });

  it('builds the keys and indexes of each table in a unit of its own, after the partitioned tables', () => {
    const cat = emptyCatalog();
    const relation = (name: string, kind: 'r' | 'p', parents: { schema: string; name: string }[] = []) =>
      ({
        key: name,
        schema: 's',
        name,
        kind,
        parents,
        isPartition: parents.length > 0,
        columns: [],
        acl: null,
        owner: 'o',
      }) as unknown as (typeof cat.relations)[number];
    cat.relations = [
      relation('parted', 'p'),
      relation('part_1', 'r', [{ schema: 's', name: 'parted' }]),
      relation('a', 'r'),
      relation('b', 'r'),
    ];
    const key = { schema: 's', type: 'p', validated: true, isLocal: true, index: null, comment: null };
    cat.constraints = [
      {
        ...key,
        table: 'parted',
        tableKind: 'p',
        name: 'parted_pkey',
        hasParent: false,
        def: 'PRIMARY KEY (id)',
      },
      {
        ...key,
        table: 'part_1',
        tableKind: 'r',
        name: 'part_1_pkey',
        hasParent: true,
        def: 'PRIMARY KEY (id)',
      },
      { ...key, table: 'a', tableKind: 'r', name: 'a_pkey', hasParent: false, def: 'PRIMARY KEY (id)' },
      {
        ...key,
        table: 'b',
        tableKind: 'r',
        name: 'b_x',
        type: 'x',
        hasParent: false,
        def: 'EXCLUDE USING gist (r WITH &&)',
      },
      {
        ...key,
        table: 'a',
        tableKind: 'r',
        name: 'a_check',
        type: 'c',
        hasParent: false,
        def: 'CHECK (id > 0)',
      },
      {
        ...key,
        table: 'parted',
        tableKind: 'p',
        name: 'p_check',
        type: 'c',
        hasParent: false,
        def: 'CHECK (id > 0)',
      },
    ];
    const index = {
      schema: 's',
      constraintBacked: false,
      clustered: false,
      replicaIdentity: false,
      comment: null,
    };
    cat.indexes = [
      {
        ...index,
        name: 'a_idx',
        table: { schema: 's', name: 'a' },
        def: 'CREATE INDEX a_idx ON s.a (x)',
        parent: null,
        depth: 0,
      },
      {
        ...index,
        name: 'parted_pkey',
        table: { schema: 's', name: 'parted' },
        def: '',
        parent: null,
        depth: 0,
        constraintBacked: true,
      },
      {
        ...index,
        name: 'part_1_pkey',
        table: { schema: 's', name: 'part_1' },
        def: '',
        parent: { schema: 's', name: 'parted_pkey' },
        depth: 1,
        constraintBacked: true,
      },
    ];
    const { afterData, afterDataStages } = generateScript(cat, { ownerRole: 'owner', roleMap });
    const stage = (label: string) => {
      const found = afterDataStages.find((s) => s.label === label);
      assert.ok(found, label);
      return found.units.map((u) => [u.table?.name, u.statements.map((i) => afterData[i])]);
    };
    assert.deepEqual(stage('keys and indexes of partitioned tables'), [
      [undefined, ['ALTER TABLE ONLY "s"."parted" ADD CONSTRAINT "parted_pkey" PRIMARY KEY (id)']],
    ]);
    assert.deepEqual(stage('keys and indexes'), [
      [
        'a',
        [
          'ALTER TABLE ONLY "s"."a" ADD CONSTRAINT "a_pkey" PRIMARY KEY (id)',
          'CREATE INDEX a_idx ON s.a (x)',
        ],
      ],
      ['b', ['ALTER TABLE ONLY "s"."b" ADD CONSTRAINT "b_x" EXCLUDE USING gist (r WITH &&)']],
      ['part_1', ['ALTER TABLE ONLY "s"."part_1" ADD CONSTRAINT "part_1_pkey" PRIMARY KEY (id)']],
    ]);
    assert.deepEqual(stage('partition indexes attached'), [
      [undefined, ['ALTER INDEX "s"."parted_pkey" ATTACH PARTITION "s"."part_1_pkey"']],
    ]);
    // A check on a table of an inheritance tree recurses: those share one unit.
    assert.deepEqual(stage('checks'), [
      ['a', ['ALTER TABLE "s"."a" ADD CONSTRAINT "a_check" CHECK (id > 0)']],
      [undefined, ['ALTER TABLE "s"."parted" ADD CONSTRAINT "p_check" CHECK (id > 0)']],
    ]);
    // afterData is every stage's statements once, in stage order: valid on one session too.
    assert.deepEqual(
      afterDataStages.flatMap((s) => s.units.flatMap((u) => u.statements)),
      afterData.map((_, i) => i),
    );
  });
});

describe('normaliseDump', () => {
  it('drops comments and SET lines, sorts blocks and renames roles as whole identifiers', () => {
    const dump = [
      '--',
      '-- Name: b; Type: TABLE',
      '--',
      'SET x = 1;',
      'CREATE POLICY p ON t TO app_1, app_10;',
      '',
      '--',
      'CREATE TABLE a (x int);',
    ].join('\n');
    const blocks = normaliseDump(dump, { roles: new Map([['app_1', 'tenant_1']]) });
    assert.deepEqual(blocks, ['CREATE POLICY p ON t TO tenant_1, app_10;', 'CREATE TABLE a (x int);']);
    assert.deepEqual(diffBlocks(['a', 'b', 'b'], ['b', 'c']), { onlyA: ['a', 'b'], onlyB: ['c'] });
  });
});
