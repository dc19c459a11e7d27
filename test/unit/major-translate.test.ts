import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Catalog, ColumnInfo, FunctionInfo, RelationInfo } from '../../src/postgres/ddl/catalog';
import { objectName, translateCatalog } from '../../src/postgres/ddl/translate';
import { emptyCatalog } from '../support/catalog';
import type { CatalogItem } from '../../src/validation/schema-parity';
import { RENAMED_MARK, normaliseAcrossVersions } from '../../src/validation/version-normalise';

const fn: FunctionInfo = {
  key: 'f1',
  schema: 'public',
  name: 'total',
  kind: 'f',
  signature: 'public.total(uuid)',
  def: `CREATE OR REPLACE FUNCTION public.total(t uuid)\n RETURNS numeric\n LANGUAGE sql\n STABLE\n SET force_parallel_mode TO 'off'\nRETURN 1\n`,
  owner: 'app',
  acl: null,
  comment: null,
};

const column = (name: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name,
  type: 'bigint',
  notNull: true,
  default: null,
  generated: null,
  identity: '',
  collation: null,
  isLocal: true,
  statistics: null,
  storage: null,
  compression: null,
  comment: null,
  acl: null,
  ...extra,
});

const events = {
  key: 'c1',
  schema: 'public',
  name: 'events',
  kind: 'p',
  columns: [column('id', { identity: 'a' }), column('total', { notNull: false, generated: '(id * 2)' })],
} as unknown as RelationInfo;

function catalog(serverVersion = 150004): Catalog {
  return { ...emptyCatalog(serverVersion), relations: [events], functions: [fn] };
}

describe('clone translations for a newer target major (issue 20)', () => {
  it('same major, or no target version: nothing translated, catalog unchanged', () => {
    for (const target of [undefined, 150012]) {
      const out = translateCatalog(catalog(), target);
      assert.deepEqual(out.translations, []);
      assert.equal(out.catalog.functions[0]!.def, fn.def);
    }
  });

  it('15 → 16: a renamed setting in a function SET clause is written by its new name', () => {
    const out = translateCatalog(catalog(), 160008);
    assert.match(out.catalog.functions[0]!.def, /\n SET debug_parallel_query TO 'off'\n/);
    assert.deepEqual(out.translations, [
      'PostgreSQL 16: SET force_parallel_mode of public.total(uuid) written as SET debug_parallel_query (renamed in PostgreSQL 16)',
    ]);
  });

  it('15 → 18: every rule up to 18 is named, in version order', () => {
    const out = translateCatalog(catalog(), 180001);
    assert.deepEqual(
      out.translations.map((t) => t.slice(0, t.indexOf(':'))),
      ['PostgreSQL 16', 'PostgreSQL 17', 'PostgreSQL 18', 'PostgreSQL 18'],
    );
    assert.match(out.translations[1]!, /partitions of public\.events carry their identity column/);
    assert.match(
      out.translations[2]!,
      /^PostgreSQL 18: 1 NOT NULL column\(s\) become named not-null constraints/,
    );
    assert.match(out.translations[3]!, /generated column\(s\) public\.events\.total written with STORED/);
  });

  it('15 → 18: a NOT NULL whose name 18 would choose is taken by a constraint of the table gets a free one', () => {
    const cat = catalog();
    cat.constraints = [
      {
        schema: 'public',
        table: 'events',
        name: 'events_id_not_null',
        type: 'c',
      } as Catalog['constraints'][number],
      {
        schema: 'public',
        table: 'events',
        name: 'events_id_not_null1',
        type: 'c',
      } as Catalog['constraints'][number],
    ];
    const out = translateCatalog(cat, 180001);
    const id = out.catalog.relations[0]!.columns.find((c) => c.name === 'id')!;
    assert.equal(id.notNullName, 'events_id_not_null2');
    assert.match(out.translations.join('\n'), /public\.events\.id named otherwise/);
    // Not on 17: it records no NOT NULL constraints.
    assert.equal(translateCatalog(cat, 170004).catalog.relations[0]!.columns[0]!.notNullName, undefined);
  });

  it("objectName shortens the longer name to PostgreSQL's 63 bytes, as makeObjectName does", () => {
    assert.equal(objectName('events', 'id', 'not_null'), 'events_id_not_null');
    const long = objectName('t'.repeat(60), 'c'.repeat(10), 'not_null');
    assert.equal(Buffer.byteLength(long), 63);
    assert.equal(long, `${'t'.repeat(43)}_${'c'.repeat(10)}_not_null`);
    const wide = objectName('é'.repeat(40), 'c', 'not_null');
    assert.ok(Buffer.byteLength(wide) <= 63 && wide.endsWith('_c_not_null'));
  });

  it('16 → 18: rules of 16 and older do not apply again', () => {
    const out = translateCatalog(catalog(160002), 180001);
    assert.ok(out.translations.every((t) => !t.startsWith('PostgreSQL 16')));
    assert.equal(out.catalog.functions[0]!.def, fn.def);
  });
});

const item = (category: string, name: string, definition: string): CatalogItem => ({
  category,
  name,
  definition,
  owner: null,
});

describe('schema parity across majors: named normalisations', () => {
  const source = [
    item('table', 'public.events', 'p by RANGE (at)'),
    item('table', 'public.events_2024', "r partition FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"),
    item('column', 'public.events.id', 'bigint not null identity a #1'),
    item('column', 'public.events_2024.id', 'bigint not null #1'),
    item(
      'view',
      'public.totals',
      'v  SELECT events.id,\n    sum(events.n) AS n\n   FROM public.events\n  GROUP BY events.id;',
    ),
    item('function', 'public.total(t uuid)', `abc${RENAMED_MARK}`),
  ];
  const target = [
    item('table', 'public.events', 'p by RANGE (at)'),
    item('table', 'public.events_2024', "r partition FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"),
    item('column', 'public.events.id', 'bigint not null identity a #1'),
    item('column', 'public.events_2024.id', 'bigint not null identity a #1'),
    item('constraint', 'public.events.events_id_not_null', 'NOT NULL id'),
    item('view', 'public.totals', 'v  SELECT id,\n    sum(n) AS n\n   FROM public.events\n  GROUP BY id;'),
    item('function', 'public.total(t uuid)', 'abc'),
  ];

  it('15 → 18: every difference is normalised away, each rule named', () => {
    const out = normaliseAcrossVersions(source, target, { source: 15, target: 18 });
    assert.deepEqual(
      out.source.map((i) => i.definition),
      out.target.map((i) => i.definition),
    );
    assert.equal(out.applied.length, 4);
    assert.match(
      out.applied.join('\n'),
      /not-null constraints.*\n.*identity of partitions.*\n.*function SET clauses.*\n.*view definitions/,
    );
  });

  it('15 → 16: only the rules 16 made; the identity and not-null differences remain', () => {
    const out = normaliseAcrossVersions(source, target, { source: 15, target: 16 });
    assert.equal(out.applied.length, 2);
    assert.equal(out.target.filter((i) => i.category === 'constraint').length, 1);
    assert.match(out.target.find((i) => i.name === 'public.events_2024.id')!.definition, /identity a/);
  });

  it('same major: nothing is rewritten (a real difference stays a difference)', () => {
    const out = normaliseAcrossVersions(source, target, { source: 18, target: 18 });
    assert.deepEqual(out.applied, []);
    assert.equal(out.source, source);
    assert.equal(out.target, target);
  });

  it('a view that really differs still differs after the qualifiers are dropped', () => {
    const changed = target.map((i) =>
      i.category === 'view' ? { ...i, definition: i.definition.replace('sum(n)', 'max(n)') } : i,
    );
    const out = normaliseAcrossVersions(source, changed, { source: 15, target: 16 });
    const view = (xs: CatalogItem[]) => xs.find((i) => i.category === 'view')!.definition;
    assert.notEqual(view(out.source), view(out.target));
  });

  it('only the one relation’s qualifiers go: another schema, or columns swapped in a join, still differ', () => {
    const views = (a: string, b: string) => {
      const out = normaliseAcrossVersions([item('view', 'public.v', a)], [item('view', 'public.v', b)], {
        source: 15,
        target: 16,
      });
      return [out.source[0]!.definition, out.target[0]!.definition];
    };
    // 15 qualifies (with the alias), 16 does not: equal.
    const [a1, b1] = views(
      ' SELECT e.id,\n    e.n\n   FROM public.events e;',
      ' SELECT id,\n    n\n   FROM public.events e;',
    );
    assert.equal(a1, b1);
    // Another schema is a real difference.
    const [a2, b2] = views(
      ' SELECT events.id\n   FROM public.events;',
      ' SELECT id\n   FROM archive.events;',
    );
    assert.notEqual(a2, b2);
    // A join keeps its qualifiers: swapped columns stay visible.
    const join = (x: string, y: string) =>
      ` SELECT ${x}.id\n   FROM (public.a\n     JOIN public.b ON ((${y}.id = ${x}.id)));`;
    const [a3, b3] = views(join('a', 'b'), join('b', 'a'));
    assert.notEqual(a3, b3);
  });
});
