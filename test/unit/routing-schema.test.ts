import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveNames } from '../../src/names';
import { buildRoutingConfig, RoutingConfig, schemaRouting } from '../../src/pipeline/routing';

/** Issue 21: the routing config at schema level names the level, the schema and the search_path. */
describe('routing config at schema level', () => {
  const names = deriveNames('acme-corp');
  const base = {
    names,
    tenantId: '42',
    database: { host: '10.0.0.5', port: 5432 },
    now: '2026-01-01T00:00:00Z',
  };

  it('database level: isolation_level database, no schema or search_path; a config without the level parses', () => {
    const c = buildRoutingConfig(base);
    assert.equal(c.isolation_level, 'database');
    const { isolation_level: _, ...before21 } = c;
    assert.deepEqual(RoutingConfig.parse(before21), before21);
    assert.deepEqual(c.database, { name: names.database, host: '10.0.0.5', port: 5432, user: names.appRole });
    assert.equal(schemaRouting(names.database, undefined), undefined);
  });

  it('schema level: the schema mapped to tenant_<slug> and the search_path; parses back', () => {
    const schema = schemaRouting(names.database, {
      mappings: [{ target: `${names.database}_analytics` }, { target: names.database }],
      searchPath: [names.database, `${names.database}_analytics`, 'extensions'],
    });
    assert.deepEqual(schema, {
      name: names.database,
      searchPath: [names.database, `${names.database}_analytics`, 'extensions'],
    });
    const c = buildRoutingConfig({ ...base, schema });
    assert.equal(c.isolation_level, 'schema');
    assert.equal(c.database.schema, names.database);
    assert.deepEqual(c.database.search_path, schema!.searchPath);
    assert.deepEqual(RoutingConfig.parse(JSON.parse(JSON.stringify(c))), JSON.parse(JSON.stringify(c)));
  });
});
