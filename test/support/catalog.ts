import type { Catalog } from '../../src/postgres/ddl/catalog';

/** A source catalog with nothing in it (PostgreSQL 15 unless given), for the clone's pure tests. */
export function emptyCatalog(serverVersion = 150000): Catalog {
  return {
    serverVersion,
    schemas: [],
    extensions: [],
    types: [],
    sequences: [],
    relations: [],
    functions: [],
    aggregates: [],
    operators: [],
    collations: [],
    tsDictionaries: [],
    tsConfigs: [],
    casts: [],
    constraints: [],
    indexes: [],
    triggers: [],
    rules: [],
    policies: [],
    statistics: [],
    edges: [],
    unsupported: [],
    blockers: [],
  };
}
