import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { columnNotNull, columnType, diffSchemas } from '../../src/postgres/rollback-drift';
import type { CatalogItem } from '../../src/validation/schema-parity';

const col = (name: string, definition: string, owner = '"public"."projects"'): CatalogItem => ({
  category: 'column',
  name,
  definition,
  owner,
});

describe('schema drift at rollback (pure)', () => {
  it('reads the type out of a column definition', () => {
    assert.equal(columnType("bigint not null default nextval('x'::regclass) #1"), 'bigint');
    assert.equal(columnType('character varying(20) #3'), 'character varying(20)');
    assert.equal(columnType('integer identity a #1'), 'integer');
  });

  it('refuses what only the tenant database has, a type that differs, a restored column it lacks; not a migration on both sides', () => {
    const shared = [
      col('public.projects.id', 'integer not null #1'),
      col('public.projects.name', 'text not null #2'),
      col('public.projects.added', 'text #3'),
      col('public.projects.both', 'text #4'),
      col('public.other.x', 'text #1', '"public"."other"'),
    ];
    const isolated = [
      col('public.projects.id', 'bigint not null #1'),
      col('public.projects.name', 'text not null #2'),
      col('public.projects.both', 'text #3'),
      col('public.projects.mine', 'text #4'),
      {
        category: 'constraint',
        name: 'public.projects.c',
        definition: 'CHECK (true)',
        owner: '"public"."projects"',
      },
    ];
    assert.deepEqual(diffSchemas(shared, isolated, new Set(['"public"."projects"'])), [
      "column public.projects.added: only in the shared database (the tenant's rows cannot supply it)",
      "column public.projects.id: type differs (shared: integer; tenant's: bigint)",
      "column public.projects.mine: only in the tenant's database",
      "constraint public.projects.c: only in the tenant's database",
    ]);
  });
});

describe('nullability at rollback (pure)', () => {
  it("a NOT NULL the tenant's database dropped refuses, naming the column; one it added does not; a default saying 'not null' is not read as one", () => {
    const shared = [
      col('public.projects.name', 'text not null #1'),
      col('public.projects.note', 'text #2'),
      col('public.projects.tag', "text default 'x not null'::text #3"),
    ];
    const isolated = [
      col('public.projects.name', 'text #1'),
      col('public.projects.note', 'text not null #2'),
      col('public.projects.tag', "text default 'x not null'::text #3"),
    ];
    assert.deepEqual(diffSchemas(shared, isolated, new Set(['"public"."projects"'])), [
      "column public.projects.name: NOT NULL in the shared database, nullable in the tenant's",
    ]);
    assert.equal(columnNotNull("text default 'x not null'::text #3"), false);
    assert.equal(columnNotNull('bigint not null identity a #1'), true);
  });
});
