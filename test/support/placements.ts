import pg from 'pg';
import { deriveNames, sharedToolSchema } from '../../src/names';
import type { SharedFixture } from './fixture';
import { DATABASE_URL, query, urlFor } from './pg';
import type { TargetServer } from './target-server';

const qi = (s: string) => pg.escapeIdentifier(s);

/**
 * Where a promotion puts the tenant, as the fault suites see it: the engine options that choose
 * it, where the tenant's rows and its application's connection are after the switch, and every
 * artifact a run makes there (so "nothing left" and "exactly the tenant's" are one comparison).
 * The crash cases (crash-suite.ts) run unchanged against each placement.
 */
export interface Placement {
  /** For test names: "database level", "schema level, into the shared database", … */
  label: string;
  /** Engine options that choose the placement (isolation level, target server). */
  options: Record<string, unknown>;
  /** Readies a new fixture for this placement (privileges the admin needs there). */
  prepare(f: SharedFixture): Promise<void>;
  /** The URL the tenant's application uses after the switch (search_path included). */
  tenantUrl(f: SharedFixture, slug: string): string;
  /** Where a fixture table (`schema.name`) of the tenant is after the switch: URL and quoted name. */
  tenantTable(f: SharedFixture, slug: string, table: string): { url: string; table: string };
  /** Every database, role and schema of tenants' runs on the servers involved, as sorted `kind name` lines. */
  artifacts(f: SharedFixture): Promise<string[]>;
  /** What `artifacts` says once exactly `promoted` are promoted (and no run left anything). */
  expected(f: SharedFixture, promoted: string[]): string[];
  /** The databases, per server, where a run of `slug` holds sessions (for "a dead run's sessions are gone"). */
  sessionDatabases(f: SharedFixture, slug: string): { serverUrl: string; databases: string[] }[];
  /** Removes what runs left outside the fixture's own server (called after the fixture's cleanup). */
  cleanup(f: SharedFixture): Promise<void>;
}

const sorted = (lines: string[]) => [...lines].sort();

/** Databases and roles of the main server, and schemas of the shared database, named with the fixture's suffix. */
async function mainServerArtifacts(f: SharedFixture): Promise<string[]> {
  const databases = await query<{ n: string }>(
    DATABASE_URL,
    'SELECT datname AS n FROM pg_database WHERE strpos(datname, $1) > 0',
    [f.suffix],
  );
  const roles = await query<{ n: string }>(
    DATABASE_URL,
    'SELECT rolname AS n FROM pg_roles WHERE strpos(rolname, $1) > 0',
    [f.suffix],
  );
  const schemas = await query<{ n: string }>(
    f.url,
    'SELECT nspname AS n FROM pg_namespace WHERE strpos(nspname, $1) > 0',
    [f.suffix],
  );
  return [
    ...databases.map((r) => `database ${r.n}`),
    ...roles.map((r) => `role ${r.n}`),
    ...schemas.map((r) => `schema ${r.n}`),
  ];
}

/** The fixture's own: its shared database and application role. */
const fixtureOwn = (f: SharedFixture) => [`database ${f.dbName}`, `role ${f.appRole}`];
const tenantRoles = (slug: string) => [
  `role ${deriveNames(slug).ownerRole}`,
  `role ${deriveNames(slug).appRole}`,
];

/**
 * The schema a fixture table goes to at schema level (schema-layout.ts): the fixture's tenant
 * tables come from `public` (the tenants table's schema) and `analytics`, so `public` →
 * `tenant_<slug>` and `analytics` → `tenant_<slug>_analytics`.
 */
function mappedTable(slug: string, table: string): string {
  const [schema, name] = table.split('.') as [string, string];
  const base = deriveNames(slug).database;
  return `${qi(schema === 'public' ? base : `${base}_${schema}`)}.${qi(name)}`;
}
const mappedSchemas = (slug: string) => [
  deriveNames(slug).database,
  `${deriveNames(slug).database}_analytics`,
];

const withSearchPath = (url: string, slug: string) => {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${deriveNames(slug).database}`);
  return u.toString();
};

/** Database level (the default): a database `tenant_<slug>` on the shared server. */
export const databaseLevel: Placement = {
  label: 'database level',
  options: {},
  prepare: async () => undefined,
  tenantUrl: (_f, slug) => urlFor(deriveNames(slug).database),
  tenantTable: (_f, slug, table) => ({ url: urlFor(deriveNames(slug).database), table }),
  artifacts: async (f) => sorted(await mainServerArtifacts(f)),
  expected: (f, promoted) =>
    sorted([
      ...fixtureOwn(f),
      ...promoted.flatMap((s) => [`database ${deriveNames(s).database}`, ...tenantRoles(s)]),
    ]),
  sessionDatabases: (f, slug) => [
    { serverUrl: DATABASE_URL, databases: [f.dbName, deriveNames(slug).database] },
  ],
  cleanup: async () => undefined,
};

/**
 * Schema level into the shared database: schemas `tenant_<slug>[_analytics]` and the tool schema
 * `_tenant_isolation_<slug>` beside the shared tables. A managed-PostgreSQL admin needs CREATE on
 * the shared database for it (the fixture grants CONNECT and TEMPORARY only).
 */
export const schemaInSharedDatabase: Placement = {
  label: 'schema level, into the shared database',
  options: { isolationLevel: 'schema' },
  prepare: async (f) => {
    if (f.engineUrl === f.url) return;
    const role = decodeURIComponent(new URL(f.engineUrl).username);
    await query(f.url, `GRANT CREATE ON DATABASE ${qi(f.dbName)} TO ${qi(role)}`);
  },
  tenantUrl: (f, slug) => withSearchPath(f.url, slug),
  tenantTable: (f, slug, table) => ({ url: f.url, table: mappedTable(slug, table) }),
  artifacts: async (f) => sorted(await mainServerArtifacts(f)),
  expected: (f, promoted) =>
    sorted([
      ...fixtureOwn(f),
      ...promoted.flatMap((s) => [
        ...mappedSchemas(s).map((n) => `schema ${n}`),
        `schema ${sharedToolSchema(s)}`,
        ...tenantRoles(s),
      ]),
    ]),
  sessionDatabases: (f) => [{ serverUrl: DATABASE_URL, databases: [f.dbName] }],
  cleanup: async () => undefined,
};

/** Schema level into a database `tenant_<slug>` of a target server, administered by a non-superuser. */
export function schemaOnTargetServer(t: TargetServer): Placement {
  return {
    label: 'schema level, into a target server',
    options: { isolationLevel: 'schema', targetDatabaseUrl: t.adminUrl },
    prepare: async () => undefined,
    tenantUrl: (_f, slug) => withSearchPath(t.urlFor(deriveNames(slug).database), slug),
    tenantTable: (_f, slug, table) => ({
      url: t.urlFor(deriveNames(slug).database),
      table: mappedTable(slug, table),
    }),
    artifacts: async (f) => {
      const there = await t.artifacts(f.suffix);
      return sorted([
        ...(await mainServerArtifacts(f)),
        ...there.databases.map((n) => `target database ${n}`),
        ...there.roles.map((n) => `target role ${n}`),
      ]);
    },
    expected: (f, promoted) =>
      sorted([
        ...fixtureOwn(f),
        ...promoted.flatMap((s) => [
          `target database ${deriveNames(s).database}`,
          ...tenantRoles(s).map((r) => `target ${r}`),
        ]),
      ]),
    sessionDatabases: (f, slug) => [
      { serverUrl: DATABASE_URL, databases: [f.dbName] },
      { serverUrl: t.url, databases: [deriveNames(slug).database] },
    ],
    cleanup: (f) => t.dropArtifacts(f.suffix),
  };
}
