import pg from 'pg';
import type { Catalog } from './ddl/catalog';
import { isToolSchema } from './tool-schemas';
import { objectNames, parseQualifiedLiteral, qualifiedNames, tokenize, type SqlToken } from './sql-tokens';

/**
 * Schema-level isolation (issue 21): where each of the tenant's objects goes when the tenant gets
 * a schema of its own instead of a database. Pure: planned from the catalog model, shown in the
 * plan, recorded, and applied to the clone's DDL by `mapCatalog` + `mapStatement`.
 *
 * The mapping rule, deterministic from the slug and the source schema names alone (not from the
 * catalog's contents or order, so a re-run and a rollback map the same way):
 * - the tenant's objects come from one schema → `tenant_<slug>`;
 * - from several: the tenants table's schema (usually `public`) → `tenant_<slug>`, every other
 *   schema `s` → `tenant_<slug>_<s>`.
 * Why not one schema for everything: `public.events` and `analytics.events` would collide, and
 * renaming objects breaks every query that names them. Why the tenants table's schema keeps the
 * short name: it is where the application's unqualified names resolve today (search_path
 * `"$user", public`), so with search_path `tenant_<slug>, tenant_<slug>_<s>…` unqualified queries
 * keep working; only queries that qualify another schema change (`analytics.x` →
 * `tenant_<slug>_analytics.x`), which the routing config lists.
 * A mapped name over 63 bytes, two schemas mapped to one name, or a target schema that already
 * exists and is not this tenant's (another tenant `acme-analytics` owns `tenant_acme_analytics`,
 * which tenant `acme`'s `analytics` would map to) is refused before anything is created, with the
 * objects it would have held.
 */

/** PostgreSQL's identifier limit, in bytes. */
const PG_IDENT_MAX = 63;
/** Schemas never mapped: the system's, and the tool's run schema (its marked shared-database schemas are left out by the catalog reads, tool-schemas.ts). */
const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast']);
const isSystemSchema = (s: string) => SYSTEM_SCHEMAS.has(s) || isToolSchema(s);

export interface SchemaMapping {
  source: string;
  target: string;
  /** The tenant's objects in the source schema, `kind schema.name`, for the plan and refusals. */
  objects: string[];
}

export interface SchemaLayout {
  /** `tenant_<slug>` (the same derivation as the database name at database level). */
  base: string;
  mappings: SchemaMapping[];
  /** Schemas that hold only extensions' objects: not mapped; the tenant's role gets USAGE there, nothing else. */
  extensionSchemas: string[];
  /** The application's search_path: the mapped schemas (base first), then the extensions' schemas. */
  searchPath: string[];
  /** Why the layout cannot be used (names too long, collisions), with the objects concerned. */
  refusals: string[];
}

export interface LayoutInput {
  /** `tenant_<slug>`: DerivedNames.database. */
  base: string;
  /** Schema of the tenants table: the one that keeps the short name when there are several. */
  primarySchema: string;
  /** The catalog of the objects cloned (left-out tables already removed). */
  catalog: Catalog;
  /**
   * Schemas that already exist where the tenant's schemas will be created, and who holds them:
   * e.g. `{ tenant_acme_analytics: 'tenant acme-analytics' }`. The tenant's own (a re-run's) are
   * not listed.
   */
  taken?: ReadonlyMap<string, string>;
  /**
   * The shared database's effective search_path (parseSearchPath of its ALTER DATABASE … SET
   * search_path, or the server default): the tenant's path keeps its order, so unqualified names
   * resolve as they did. Absent: the mapped schemas, base first.
   */
  sourceSearchPath?: readonly string[];
}

/**
 * The schemas of a search_path setting, in order, as PostgreSQL reads it: comma-separated,
 * unquoted names folded to lower case, `"…"` kept as written (`""` is a quote). `$user` is kept
 * as written, for the caller to resolve.
 */
export function parseSearchPath(setting: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = setting.length;
  while (i < n) {
    while (i < n && /[\s,]/.test(setting[i]!)) i++;
    if (i >= n) break;
    let name = '';
    if (setting[i] === '"') {
      i++;
      while (i < n) {
        if (setting[i] === '"') {
          if (setting[i + 1] === '"') {
            name += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        name += setting[i++];
      }
    } else {
      while (i < n && setting[i] !== ',' && !/\s/.test(setting[i]!)) name += setting[i++];
      name = name.toLowerCase();
    }
    out.push(name);
    while (i < n && setting[i] !== ',') i++;
  }
  return out;
}

/** The tenant's objects per source schema (`kind schema.name`). */
function objectsBySchema(cat: Catalog): Map<string, string[]> {
  const by = new Map<string, string[]>();
  const add = (schema: string, what: string) => {
    if (isSystemSchema(schema)) return;
    const list = by.get(schema) ?? [];
    list.push(what);
    by.set(schema, list);
  };
  const KIND: Record<string, string> = {
    r: 'table',
    p: 'table',
    v: 'view',
    m: 'materialized view',
    f: 'foreign table',
  };
  for (const r of cat.relations) add(r.schema, `${KIND[r.kind] ?? 'relation'} ${r.schema}.${r.name}`);
  for (const s of cat.sequences) if (!s.ownedBy) add(s.schema, `sequence ${s.schema}.${s.name}`);
  for (const t of cat.types)
    add(t.schema, `${t.kind === 'domain' ? 'domain' : 'type'} ${t.schema}.${t.name}`);
  for (const f of cat.functions) add(f.schema, `${f.kind === 'p' ? 'procedure' : 'function'} ${f.signature}`);
  for (const a of cat.aggregates) add(a.schema, `aggregate ${a.signature}`);
  for (const o of cat.operators) add(o.schema, `operator ${o.signature}`);
  for (const c of cat.collations) add(c.schema, `collation ${c.schema}.${c.name}`);
  for (const d of cat.tsDictionaries) add(d.schema, `text search dictionary ${d.schema}.${d.name}`);
  for (const c of cat.tsConfigs) add(c.schema, `text search configuration ${c.schema}.${c.name}`);
  for (const list of by.values()) list.sort();
  return by;
}

const LIST_MAX = 8;
const listed = (items: string[]) =>
  items.length <= LIST_MAX
    ? items.join(', ')
    : `${items.slice(0, LIST_MAX).join(', ')} and ${items.length - LIST_MAX} more`;

/** Plans the mapping of the tenant's source schemas onto its own. */
export function planSchemaLayout(input: LayoutInput): SchemaLayout {
  const { base, catalog } = input;
  const by = objectsBySchema(catalog);
  const sources = [...by.keys()].sort();
  const single = sources.length === 1;
  const mappings: SchemaMapping[] = sources.map((source) => ({
    source,
    target: single || source === input.primarySchema ? base : `${base}_${source}`,
    objects: by.get(source)!,
  }));
  const refusals: string[] = [];
  if (Buffer.byteLength(base) > PG_IDENT_MAX)
    refusals.push(`schema name ${base} is longer than ${PG_IDENT_MAX} bytes`);
  for (const m of mappings) {
    if (m.target !== base && Buffer.byteLength(m.target) > PG_IDENT_MAX)
      refusals.push(
        `schema ${m.source} would map to ${m.target}, longer than PostgreSQL's ${PG_IDENT_MAX}-byte limit (it would be cut and could meet another name); it holds ${listed(m.objects)}`,
      );
  }
  const byTarget = new Map<string, SchemaMapping[]>();
  for (const m of mappings) byTarget.set(m.target, [...(byTarget.get(m.target) ?? []), m]);
  for (const [target, ms] of byTarget) {
    if (ms.length > 1)
      refusals.push(
        `schemas ${ms.map((m) => m.source).join(' and ')} would all map to ${target}: ${listed(ms.flatMap((m) => m.objects))}`,
      );
    const holder = input.taken?.get(target);
    if (holder !== undefined)
      refusals.push(
        `schema ${target}, where ${ms.map((m) => m.source).join(', ')} would go, already exists (${holder}); it would have held ${listed(ms.flatMap((m) => m.objects))}`,
      );
  }
  const extensionSchemas = [
    ...new Set(catalog.extensions.map((e) => e.schema ?? 'public').filter((s) => !isSystemSchema(s))),
  ].sort();
  const targets = [...new Set(mappings.map((m) => m.target))].sort((a, b) =>
    a === base ? -1 : b === base ? 1 : a < b ? -1 : 1,
  );
  // The source's order first (review: a database whose search_path put analytics before public
  // resolved `notes` to analytics.notes, the tenant's path to public's), then what it left out.
  const target = new Map(mappings.map((m) => [m.source, m.target]));
  const ordered: string[] = [];
  for (const entry of input.sourceSearchPath ?? []) {
    // `$user` and schemas holding none of the tenant's objects resolved nothing of the tenant's
    // (a schema named after the shared application's role is mapped like any other when it does):
    // the tenant's role may not reach them, so they are left out.
    const mapped = target.get(entry) ?? (extensionSchemas.includes(entry) ? entry : undefined);
    if (mapped && !ordered.includes(mapped)) ordered.push(mapped);
  }
  const searchPath = [...ordered, ...[...targets, ...extensionSchemas].filter((s) => !ordered.includes(s))];
  return { base, mappings, extensionSchemas, searchPath, refusals };
}

/** source schema → target schema. */
export function schemaMap(layout: MappedSchemas): ReadonlyMap<string, string> {
  return new Map(layout.mappings.map((m) => [m.source, m.target]));
}

/** Whatever carries the source → target schema pairs (the plan's layout, the record's, the tenants row's). */
interface MappedSchemas {
  mappings: readonly { source: string; target: string }[];
}

/** Target schema → source schema: the tenant's objects named as the shared database names them. */
export function inverseSchemaMap(layout: MappedSchemas): ReadonlyMap<string, string> {
  return new Map(layout.mappings.map((m) => [m.target, m.source]));
}

/** The set of `schema.name` (unquoted) the catalog defines in a mapped schema: the names a mapped reference may name. */
export function definedNames(cat: Catalog): ReadonlySet<string> {
  const out = new Set<string>();
  const add = (schema: string, name: string) => out.add(`${schema}\u0000${name}`);
  for (const r of cat.relations) add(r.schema, r.name);
  for (const s of cat.sequences) add(s.schema, s.name);
  for (const t of cat.types) add(t.schema, t.name);
  for (const f of cat.functions) add(f.schema, f.name);
  for (const a of cat.aggregates) add(a.schema, a.name);
  for (const c of cat.collations) add(c.schema, c.name);
  for (const d of cat.tsDictionaries) add(d.schema, d.name);
  for (const c of cat.tsConfigs) add(c.schema, c.name);
  for (const i of cat.indexes) add(i.schema, i.name);
  for (const o of cat.operators) add(o.schema, o.name);
  for (const x of cat.statistics) add(x.schema, x.name);
  // A range's multirange type (and constructor functions) is made with it, under the name recorded.
  for (const t of cat.types) {
    const multi = t.range?.multirange ? parseQualifiedLiteral(t.range.multirange) : null;
    if (multi) {
      add(multi.schema, multi.name);
      add(multi.schema, `_${multi.name}`);
    }
  }
  // Array types of the tenant's types and tables are named `_name` by PostgreSQL.
  for (const t of cat.types) add(t.schema, `_${t.name}`);
  for (const r of cat.relations) add(r.schema, `_${r.name}`);
  return out;
}

const isDefined = (defined: ReadonlySet<string> | undefined, schema: string, name: string) =>
  defined === undefined || defined.has(`${schema}\u0000${name}`);

const nextNonSpace = (tokens: readonly SqlToken[], k: number): number => {
  let j = k;
  while (j < tokens.length && tokens[j]!.kind === 'space') j++;
  return j;
};

/**
 * A name as PostgreSQL's quote_ident prints it: bare when it is a plain lowercase identifier
 * (reserved words aside, which schema and table names rarely are), quoted otherwise.
 */
export function quoteLikePostgres(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : pg.escapeIdentifier(name);
}

/**
 * Rewrites one deparsed statement for the mapped schemas: every `schema.name` (quoted or not,
 * outside literals and bodies, not a column of a range variable: objectNames) that names an object the tenant's catalog defines in a mapped
 * schema gets the target schema; `'schema.name'::regclass` (and the other reg* casts) likewise;
 * a function's `SET search_path TO 'public', …` names the mapped schemas. Names of objects the
 * catalog does not define (extensions' functions and types, pg_catalog) are left as they are.
 */
export function mapStatement(
  sql: string,
  map: ReadonlyMap<string, string>,
  opts: {
    /** The names that may be mapped; absent: every name in a mapped schema (the plan's own SQL). */
    defined?: ReadonlySet<string>;
    /** How a target schema is written: always quoted (default), or as PostgreSQL prints it (quoteLikePostgres). */
    quote?: (name: string) => string;
    /** Range variables declared around `sql` when it is a fragment (the plan's `where` uses `t`). */
    aliases?: readonly string[];
  } = {},
): string {
  const { defined, quote = pg.escapeIdentifier, aliases } = opts;
  const tokens = tokenize(sql);
  const replace = new Map<number, string>();
  // Column references (`t."title"`, `t` an alias) are never schema names (objectNames).
  for (const q of objectNames(tokens, aliases)) {
    const target = map.get(q.schema);
    if (target !== undefined && isDefined(defined, q.schema, q.name)) replace.set(q.at, quote(target));
  }
  for (const q of qualifiedOperators(tokens)) {
    const target = map.get(q.schema);
    if (target !== undefined && isDefined(defined, q.schema, q.name)) replace.set(q.at, quote(target));
  }
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind === 'string' && tokens[k + 1]?.text === ':' && tokens[k + 2]?.text === ':') {
      const cast = tokens[k + 3];
      if (cast?.kind !== 'ident' || !cast.name.startsWith('reg')) continue;
      const q = parseQualifiedLiteral(t.value);
      const target = q ? map.get(q.schema) : undefined;
      if (q && target !== undefined && isDefined(defined, q.schema, q.name))
        replace.set(k, pg.escapeLiteral(`${quote(target)}.${quote(q.name)}`));
    }
    // SET search_path TO 'a', 'b' (pg_get_functiondef's rendering of proconfig).
    if (t.kind === 'ident' && t.name === 'search_path') {
      const before = tokens.slice(0, k).filter((x) => x.kind !== 'space');
      if (
        before[before.length - 1]?.kind !== 'ident' ||
        before[before.length - 1]!.text.toLowerCase() !== 'set'
      )
        continue;
      let j = nextNonSpace(tokens, k + 1);
      if (!(tokens[j]?.text.toLowerCase() === 'to' || tokens[j]?.text === '=')) continue;
      j = nextNonSpace(tokens, j + 1);
      while (tokens[j]?.kind === 'string') {
        const lit = tokens[j] as Extract<SqlToken, { kind: 'string' }>;
        const schema = /^"(.*)"$/.exec(lit.value)?.[1]?.replace(/""/g, '"') ?? lit.value;
        const target = map.get(schema);
        if (target !== undefined) replace.set(j, pg.escapeLiteral(target));
        j = nextNonSpace(tokens, j + 1);
        if (tokens[j]?.text !== ',') break;
        j = nextNonSpace(tokens, j + 1);
      }
    }
  }
  if (replace.size === 0) return sql;
  return tokens.map((t, k) => replace.get(k) ?? t.text).join('');
}

const DDL_START = /^\s*(CREATE|ALTER|COMMENT|GRANT|REVOKE|REFRESH|DROP)\b/i;

const OPERATOR_CHARS = new Set([...'+-*/<>=~!@#%^&|`?']);

/** `schema.<operator>` (CREATE OPERATOR public.=== …, OPERATOR(public.===)): schema and operator name. */
export function qualifiedOperators(
  tokens: readonly SqlToken[],
): { schema: string; name: string; at: number }[] {
  const out: { schema: string; name: string; at: number }[] = [];
  for (let k = 0; k + 2 < tokens.length; k++) {
    const a = tokens[k]!;
    if (a.kind !== 'ident' || tokens[k + 1]!.text !== '.' || (k > 0 && tokens[k - 1]!.text === '.')) continue;
    let j = k + 2;
    let name = '';
    while (j < tokens.length && tokens[j]!.kind === 'other' && OPERATOR_CHARS.has(tokens[j]!.text))
      name += tokens[j++]!.text;
    if (name) out.push({ schema: a.name, name, at: k });
  }
  return out;
}

/**
 * The guard of the mapped clone: qualified names of the tenant's objects still in a source
 * schema after mapping (none expected). Into the shared database, any would create or alter an
 * object in a shared schema, so scriptFor refuses the script instead.
 */
export function unmappedNames(statements: readonly string[], cat: Catalog, layout: SchemaLayout): string[] {
  const sources = new Set(layout.mappings.map((m) => m.source));
  const defined = definedNames(cat);
  const out = new Set<string>();
  for (const sql of statements) {
    const tokens = tokenize(sql);
    const named = [...objectNames(tokens), ...qualifiedOperators(tokens)].sort((a, b) => a.at - b.at);
    for (const q of named)
      if (sources.has(q.schema) && isDefined(defined, q.schema, q.name)) out.add(`${q.schema}.${q.name}`);
    // Whatever kinds of object the catalog lists, the object a DDL statement creates or changes
    // is its first qualified name: it must not be in a source schema (into the shared database it
    // would be a shared schema's object).
    if (DDL_START.test(sql) && named[0] && sources.has(named[0].schema))
      out.add(`${named[0].schema}.${named[0].name}`);
  }
  return [...out].sort();
}

/**
 * What the plan refuses at schema level, from the catalog model alone:
 * - a function or procedure whose body names a source schema explicitly (`public.orders`): in
 *   the shared database that is the shared table — a function owned by the tenant reading
 *   `public.*` would leak it, and the body is text the clone does not rewrite;
 * - a view or materialized view that names an object of a source schema the tenant's catalog
 *   does not define (a table left out of the copy): from the tenant's schema it would read the
 *   shared one.
 * One line per object, with the names it uses.
 */
export function schemaRefusals(cat: Catalog, layout: SchemaLayout): string[] {
  const sources = new Set(layout.mappings.map((m) => m.source));
  const defined = definedNames(cat);
  const out: string[] = [];
  // Bodies are text: names in them, and in the strings inside them (dynamic SQL, nextval('…')), count.
  const namesIn = (text: string, found: Set<string>, depth: number): void => {
    const tokens = tokenize(text);
    for (const q of qualifiedNames(tokens)) if (sources.has(q.schema)) found.add(`${q.schema}.${q.name}`);
    if (depth === 0) return;
    for (const t of tokens) {
      const inner = t.kind === 'dollar' ? t.body : t.kind === 'string' ? t.value : null;
      if (inner !== null) namesIn(inner, found, depth - 1);
    }
  };
  const bodyNames = (def: string): string[] => {
    const found = new Set<string>();
    for (const t of tokenize(def)) {
      const body = t.kind === 'dollar' ? t.body : t.kind === 'string' ? t.value : null;
      if (body !== null) namesIn(body, found, 3);
    }
    return [...found].sort();
  };
  for (const f of cat.functions) {
    const named = bodyNames(f.def);
    if (named.length)
      out.push(
        `${f.kind === 'p' ? 'procedure' : 'function'} ${f.signature} names ${named.join(', ')} in its body: qualify nothing (the tenant's search_path finds its own schema) or move the shared part out of the tenant's functions`,
      );
  }
  for (const r of cat.relations) {
    if (r.kind !== 'v' && r.kind !== 'm') continue;
    const named = new Set<string>();
    for (const q of objectNames(tokenize(r.viewDef ?? '')))
      if (sources.has(q.schema) && !isDefined(defined, q.schema, q.name)) named.add(`${q.schema}.${q.name}`);
    if (named.size)
      out.push(
        `${r.kind === 'm' ? 'materialized view' : 'view'} ${r.schema}.${r.name} reads ${[...named].sort().join(', ')}, which the tenant's schema does not hold: it would read the shared database's`,
      );
  }
  return out;
}

/**
 * The catalog with the tenant's schemas renamed to their targets: `generateScript` over it, then
 * `mapStatement` over each statement, is the clone into the mapped schemas. `into` says where:
 * a new database (the extensions' schemas are created there as at database level) or the shared
 * database (extensions and their schemas exist already and belong to others: nothing of them is
 * created, altered or granted).
 */
export function mapCatalog(
  cat: Catalog,
  layout: SchemaLayout,
  into: 'new-database' | 'shared-database',
): Catalog {
  const map = schemaMap(layout);
  const extSchemas = new Set(layout.extensionSchemas);
  const schemas = cat.schemas.flatMap((s) => {
    const target = map.get(s.name);
    // A tenant's schema is for its roles only: PUBLIC's grants on the source schema (PostgreSQL
    // gives PUBLIC USAGE on public) would let every role of the database into it.
    const mapped =
      target !== undefined
        ? [{ ...s, name: target, acl: (s.acl ?? []).filter((e) => e.grantee !== 'PUBLIC') }]
        : [];
    // The extensions' schema itself stays, in a new database only (public exists there already).
    const keep = into === 'new-database' && extSchemas.has(s.name) && s.name !== 'public' ? [s] : [];
    return [...mapped, ...keep];
  });
  return {
    ...cat,
    schemas,
    extensions: into === 'new-database' ? cat.extensions : [],
  };
}

/** The clone's statements for the mapped schemas. */
export function mapScriptStatements(
  statements: readonly string[],
  cat: Catalog,
  layout: SchemaLayout,
): string[] {
  const map = schemaMap(layout);
  const defined = definedNames(cat);
  return statements.map((s) => mapStatement(s, map, { defined }));
}

/**
 * What the tenant's application role gets at schema level: USAGE on its schemas (and, for
 * extensions, USAGE on their schemas and nothing else there), and a search_path that starts
 * with its schemas, set for the role in that database only.
 */
export function schemaRoleStatements(layout: SchemaLayout, appRole: string, database: string): string[] {
  const role = pg.escapeIdentifier(appRole);
  // searchPath is the tenant's schemas, base first, then the extensions' schemas.
  return [
    ...layout.searchPath.map((s) => `GRANT USAGE ON SCHEMA ${pg.escapeIdentifier(s)} TO ${role}`),
    `ALTER ROLE ${role} IN DATABASE ${pg.escapeIdentifier(database)} SET search_path = ${layout.searchPath.map((s) => pg.escapeIdentifier(s)).join(', ')}`,
  ];
}

/** The plan's lines: where each schema goes, the search_path, what the extensions' schemas give. */
export function describeLayout(layout: SchemaLayout): string[] {
  const lines = layout.mappings.map(
    (m) =>
      `Schema level: ${m.source} → ${m.target} (${m.objects.length} object${m.objects.length === 1 ? '' : 's'})`,
  );
  lines.push(`Schema level: the application's search_path is ${layout.searchPath.join(', ')}`);
  if (layout.extensionSchemas.length)
    lines.push(
      `Schema level: extensions exist once per database; the tenant's role gets USAGE on ${layout.extensionSchemas.join(', ')} (their schema${layout.extensionSchemas.length === 1 ? '' : 's'}) and nothing else there`,
    );
  return lines;
}
