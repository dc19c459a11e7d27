import pg from 'pg';
import { InputError, PromotionError } from '../errors';
import type { ColumnInfo, TableGraph, TableInfo } from './catalog';

/**
 * Which value a tenant's rows carry in the tenant key — one rule, used by the plan, the status,
 * the rollback and, independently, the foreign-rows check on the new database:
 *
 * > The tenant key holds the value of the tenants-table column that the tenant-key foreign keys
 * > reference. When no tenant-key column has a foreign key to the tenants table, the
 * > `tenant-id-column` input (`--tenant-id-column`, `TENANT_ID_COLUMN`) names that column.
 *
 * Anything the schema leaves ambiguous is refused before anything is created: foreign keys that
 * reference different columns, no foreign key and no explicit column, an explicit column that
 * does not exist, is not unique or contradicts the foreign keys, and tenant-key columns (without
 * a foreign key) whose type cannot be compared with that column's.
 */
export interface TenantKeyOptions {
  /** `name` or `schema.name` (double quotes for names that need them); the schema defaults to `public`. */
  tenantsTable: string;
  /** The column that marks tenant-scoped tables, e.g. `tenant_id`. */
  tenantKey: string;
  /** Explicit column of the tenants table whose value tenant rows carry (for tenant keys without foreign keys). */
  tenantIdColumn?: string | undefined;
}

/** A table carrying the tenant-key column. */
export interface TenantKeyTable {
  schema: string;
  name: string;
  /** The tenant-key column's type (`format_type`). */
  type: string;
  /** Referenced column of the tenants table, when a foreign key on the tenant key references it. */
  references: string | null;
}

export interface TenantKeyColumn {
  /** The tenants table as found in the graph. */
  tenantsTable: TableInfo;
  /** Its column whose value the tenant's rows carry in the tenant key. */
  column: string;
  /** That column's type (`format_type`). */
  type: string;
  /** How the column was determined. */
  source: 'foreign-keys' | 'option';
  /** Top-level tables (partitions left out) carrying the tenant-key column, the tenants table excluded. */
  tables: TenantKeyTable[];
}

/** What `resolveTenantKey` returns: the rule's column, and the value of the named tenant's row. */
export interface TenantKey {
  column: string;
  type: string;
  value: string;
  source: TenantKeyColumn['source'];
}

/** Where an explicit column is set, named for both front ends. */
export const TENANT_ID_COLUMN_SETTING =
  'the tenant-id-column input (CLI: --tenant-id-column or TENANT_ID_COLUMN)';

type Key = string;
const keyOf = (schema: string, name: string): Key => `${schema}\u0000${name}`;
const tableKey = (t: { schema: string; name: string }): Key => keyOf(t.schema, t.name);
const display = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;
const compareTables = (a: { schema: string; name: string }, b: { schema: string; name: string }) =>
  a.schema < b.schema ? -1 : a.schema > b.schema ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/**
 * Splits `schema.name` into its parts. Unquoted parts are matched as typed first and then folded
 * to lower case (as PostgreSQL folds them); quoted parts are exact.
 */
export function parseTableName(text: string): { schema: string | null; name: string; quoted: boolean[] } {
  const parts: string[] = [];
  const quoted: boolean[] = [];
  let i = 0;
  const s = text.trim();
  while (i <= s.length) {
    if (s[i] === '"') {
      let out = '';
      i++;
      for (;;) {
        if (i >= s.length) throw badTableName(text);
        if (s[i] === '"') {
          if (s[i + 1] === '"') {
            out += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        out += s[i++];
      }
      parts.push(out);
      quoted.push(true);
    } else {
      const end = s.indexOf('.', i);
      const part = s.slice(i, end === -1 ? s.length : end);
      if (!/^[^\s."]+$/.test(part)) throw badTableName(text);
      parts.push(part);
      quoted.push(false);
      i = end === -1 ? s.length : end;
    }
    if (i >= s.length) break;
    if (s[i] !== '.') throw badTableName(text);
    i++;
  }
  if (parts.length === 1) return { schema: null, name: parts[0]!, quoted };
  if (parts.length === 2) return { schema: parts[0]!, name: parts[1]!, quoted };
  throw badTableName(text);
}

function badTableName(text: string): InputError {
  return new InputError(
    `Invalid tenants table name ${JSON.stringify(text.slice(0, 80))}.`,
    'Give the tenants table as `name` or `schema.name`, e.g. `tenants` or `app."Tenants"`.',
  );
}

/** Tables that are not partitions of a table in the graph (partitions are reached through their root). */
export function topLevelTables(graph: TableGraph): TableInfo[] {
  const byKey = new Map<Key, TableInfo>(graph.tables.map((t) => [tableKey(t), t]));
  return graph.tables
    .filter((t) => !t.partitionOf || !byKey.has(tableKey(t.partitionOf)))
    .sort(compareTables);
}

/** The tenants table among `tops`, by the name given in the options. */
export function findTenantsTable(tops: TableInfo[], text: string): TableInfo {
  const { schema, name, quoted } = parseTableName(text);
  const schemaQuoted = schema !== null && quoted[0] === true;
  const nameQuoted = quoted[quoted.length - 1] === true;
  const schemas = schema === null ? ['public'] : schemaQuoted ? [schema] : [schema, schema.toLowerCase()];
  const names = nameQuoted ? [name] : [name, name.toLowerCase()];
  for (const sc of schemas) {
    for (const n of names) {
      const hit = tops.find((t) => t.schema === sc && t.name === n);
      if (hit) return hit;
    }
  }
  const similar = tops.filter((t) => t.name.toLowerCase() === name.toLowerCase()).map(display);
  throw new InputError(
    `The tenants table ${JSON.stringify(text)} was not found in the shared database.`,
    similar.length
      ? `Tables with that name exist in other schemas: ${similar.join(', ')}; give tenants-table as schema.name.`
      : 'Set tenants-table to the table that holds one row per tenant (schema.name when it is not in public).',
  );
}

/** A column by name: as typed, else folded to lower case (as PostgreSQL folds unquoted names). */
function findColumn(table: TableInfo, name: string): ColumnInfo | undefined {
  return (
    table.columns.find((c) => c.name === name) ?? table.columns.find((c) => c.name === name.toLowerCase())
  );
}

/** The column alone identifies a row: a one-column primary key, unique key or unique (non-partial) index. */
function isUniqueColumn(table: TableInfo, column: string): boolean {
  const one = (cols: readonly (string | null)[] | null | undefined) =>
    cols?.length === 1 && cols[0] === column;
  return (
    one(table.primaryKey) ||
    table.uniqueKeys.some(one) ||
    table.indexes.some((ix) => ix.unique && !ix.partial && one(ix.columns))
  );
}

/** The type without `pg_catalog.`, type modifiers or extra spaces, lower case. */
function baseType(type: string): string {
  return type
    .replace(/^pg_catalog\./, '')
    .replace(/\([^)]*\)/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

const TYPE_FAMILIES: readonly (readonly string[])[] = [
  ['smallint', 'integer', 'bigint'],
  ['text', 'character varying', 'character', 'varchar', 'char', 'bpchar'],
];

/** Values of the two types compare with `=` without loss: the same type, or the same family (int2/int4/int8, text/varchar/char). */
export function comparableTypes(a: string, b: string): boolean {
  const x = baseType(a);
  const y = baseType(b);
  if (x === y) return true;
  return TYPE_FAMILIES.some((f) => f.includes(x) && f.includes(y));
}

/**
 * The rule (pure): the column of the tenants table whose value the tenant's rows carry in the
 * tenant key. Throws InputError, naming the tables and columns and what to set, when the schema
 * and the options leave it ambiguous.
 */
export function resolveTenantKeyColumn(graph: TableGraph, opts: TenantKeyOptions): TenantKeyColumn {
  const tops = topLevelTables(graph);
  const root = findTenantsTable(tops, opts.tenantsTable);
  const isRoot = (schema: string, name: string) => schema === root.schema && name === root.name;

  const tables: TenantKeyTable[] = [];
  const referenced = new Map<string, string[]>();
  for (const t of tops) {
    if (t === root) continue;
    const col = t.columns.find((c) => c.name === opts.tenantKey);
    if (!col) continue;
    let references: string | null = null;
    for (const fk of t.foreignKeys) {
      const at = fk.columns.indexOf(col.name);
      if (at === -1 || !isRoot(fk.refSchema, fk.refName)) continue;
      const ref = fk.refColumns[at]!;
      const list = referenced.get(ref) ?? [];
      list.push(`${display(t)}.${col.name} (${fk.name})`);
      referenced.set(ref, list);
      references ??= ref;
    }
    tables.push({ schema: t.schema, name: t.name, type: col.type, references });
  }
  // Foreign keys declared on a partition alone still say which column the tenant key holds.
  for (const t of graph.tables) {
    if (tops.includes(t)) continue;
    for (const fk of t.foreignKeys) {
      const at = fk.columns.indexOf(opts.tenantKey);
      if (at === -1 || !isRoot(fk.refSchema, fk.refName)) continue;
      const ref = fk.refColumns[at]!;
      const list = referenced.get(ref) ?? [];
      list.push(`${display(t)}.${opts.tenantKey} (${fk.name})`);
      referenced.set(ref, list);
    }
  }

  const hintExplicit = `set ${TENANT_ID_COLUMN_SETTING} to the column of ${display(root)} whose value the tenant's rows carry in ${opts.tenantKey}`;
  if (referenced.size > 1) {
    const parts = [...referenced.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([ref, by]) => `${display(root)}.${ref} by ${by.join(', ')}`);
    throw new InputError(
      `The foreign keys on the tenant key ${opts.tenantKey} reference different columns of the tenants table: ${parts.join('; ')}. Which value a tenant's rows carry is ambiguous.`,
      `Make every foreign key on ${opts.tenantKey} reference the same column of ${display(root)} (the one whose value the tenant's rows carry); ${TENANT_ID_COLUMN_SETTING} cannot override foreign keys that disagree.`,
    );
  }
  const byForeignKeys = referenced.size === 1 ? [...referenced.keys()][0]! : undefined;

  let column: ColumnInfo;
  let source: TenantKeyColumn['source'];
  if (opts.tenantIdColumn !== undefined && opts.tenantIdColumn !== '') {
    const explicit = findColumn(root, opts.tenantIdColumn);
    if (!explicit) {
      throw new InputError(
        `The tenant id column "${opts.tenantIdColumn}" given by ${TENANT_ID_COLUMN_SETTING} is not a column of the tenants table ${display(root)} (its columns: ${root.columns.map((c) => c.name).join(', ')}).`,
        `Fix ${TENANT_ID_COLUMN_SETTING}: ${hintExplicit}.`,
      );
    }
    if (byForeignKeys !== undefined && byForeignKeys !== explicit.name) {
      throw new InputError(
        `The tenant id column "${explicit.name}" given by ${TENANT_ID_COLUMN_SETTING} contradicts the foreign keys on ${opts.tenantKey}, which reference ${display(root)}.${byForeignKeys} (${referenced.get(byForeignKeys)!.join(', ')}).`,
        `Leave ${TENANT_ID_COLUMN_SETTING} empty (the foreign keys decide), or set it to ${byForeignKeys}.`,
      );
    }
    column = explicit;
    source = byForeignKeys !== undefined ? 'foreign-keys' : 'option';
  } else if (byForeignKeys !== undefined) {
    const found = findColumn(root, byForeignKeys);
    if (!found) {
      throw new InputError(
        `The foreign keys on ${opts.tenantKey} reference ${display(root)}.${byForeignKeys}, which the catalog does not list.`,
        'Re-run; if it persists, report it.',
      );
    }
    column = found;
    source = 'foreign-keys';
  } else {
    const without = tables.map((t) => display(t));
    throw new InputError(
      without.length > 0
        ? `No foreign key on the tenant key ${opts.tenantKey} references the tenants table ${display(root)} (tables with ${opts.tenantKey}: ${capList(without)}), so which of its columns the tenant's rows carry is not known.`
        : `No table carries the tenant key ${opts.tenantKey} with a foreign key to the tenants table ${display(root)}, so which of its columns identifies a tenant's rows is not known.`,
      `Either add a foreign key (e.g. FOREIGN KEY (${opts.tenantKey}) REFERENCES ${display(root)} (<column>)) or ${hintExplicit}.`,
    );
  }

  if (!isUniqueColumn(root, column.name)) {
    throw new InputError(
      `${display(root)}.${column.name} does not identify one tenant: it is not the primary key, a unique key or a unique index of the tenants table on its own${source === 'option' ? ` (given by ${TENANT_ID_COLUMN_SETTING})` : ' (the tenant-key foreign keys reference it as part of a composite key)'}.`,
      source === 'option'
        ? `Set ${TENANT_ID_COLUMN_SETTING} to a unique column of ${display(root)}, or add a unique constraint on ${column.name}.`
        : `Add a unique constraint on ${display(root)} (${column.name}), or make the foreign keys on ${opts.tenantKey} reference a unique column.`,
    );
  }

  const mismatched = tables.filter((t) => t.references === null && !comparableTypes(t.type, column.type));
  if (mismatched.length > 0) {
    throw new InputError(
      `The tenant key ${opts.tenantKey} cannot be compared with ${display(root)}.${column.name} (${column.type}) in ${capList(mismatched.map((t) => `${display(t)} (${t.type})`))}: these columns have no foreign key to the tenants table and another type, so the tenant's rows cannot be selected reliably.`,
      source === 'option'
        ? `Set ${TENANT_ID_COLUMN_SETTING} to the column of ${display(root)} whose type and value those columns carry, or give them a foreign key to ${display(root)}.`
        : `Give those columns a foreign key to ${display(root)} (${column.name}), or the same type as it (${column.type}).`,
    );
  }

  return { tenantsTable: root, column: column.name, type: column.type, source, tables };
}

const INT_RANGE: Record<string, [bigint, bigint]> = {
  smallint: [-(2n ** 15n), 2n ** 15n - 1n],
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
};

/**
 * The value (text of the tenants column) converts to `type` without error, overflow or silent
 * truncation: integers within range, character types within their length. Other types are the
 * tenants column's own (the rule admits no others), so they always fit.
 */
export function valueFits(value: string, type: string): boolean {
  const base = baseType(type);
  const range = INT_RANGE[base];
  if (range) {
    if (!/^\s*[+-]?\d+\s*$/.test(value)) return false;
    const n = BigInt(value.trim());
    return n >= range[0] && n <= range[1];
  }
  const length = /^(?:pg_catalog\.)?(?:character varying|character|varchar|char|bpchar)\((\d+)\)/i.exec(
    type.trim(),
  );
  if (length) return [...value].length <= Number(length[1]);
  return true;
}

function capList(items: string[], max = 8): string {
  return items.length <= max
    ? items.join(', ')
    : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

const qualified = (t: { schema: string; name: string }) =>
  `${pg.escapeIdentifier(t.schema)}.${pg.escapeIdentifier(t.name)}`;

/**
 * The rule applied to one tenant: the column (from the catalog and the options) and the value
 * of the tenants row of `slug` in it, read on `client` (at the caller's snapshot, if any). Also
 * proves that every tenant-key column can hold that value, so no raw cast error comes later.
 */
export async function resolveTenantKey(
  client: pg.ClientBase,
  graph: TableGraph,
  options: TenantKeyOptions,
  slug: string,
): Promise<TenantKey> {
  const resolved = resolveTenantKeyColumn(graph, options);
  const root = resolved.tenantsTable;
  const { rows } = await client.query<{ value: string | null }>(
    `SELECT t.${pg.escapeIdentifier(resolved.column)}::text AS value FROM ${qualified(root)} t WHERE t.slug = $1`,
    [slug],
  );
  if (rows.length === 0) {
    throw new PromotionError(
      'tenant-not-found',
      `Tenant "${slug}" was not found in ${display(root)}.`,
      'Check the slug (the slug column of the tenants table) and that the connection points at the shared database.',
    );
  }
  if (rows.length > 1) {
    throw new PromotionError(
      'tenant-state',
      `${rows.length} rows of ${display(root)} have slug "${slug}"; a tenant's slug must be unique.`,
      `Make slug unique in ${display(root)} (ALTER TABLE … ADD UNIQUE (slug)) after fixing the duplicates.`,
    );
  }
  const value = rows[0]!.value;
  if (value === null) {
    throw new PromotionError(
      'tenant-state',
      `Tenant "${slug}" has no value in ${display(root)}.${resolved.column}, the column its rows carry in ${options.tenantKey}.`,
      `Fill ${resolved.column} for this tenant, or set ${TENANT_ID_COLUMN_SETTING} to the column its rows do carry.`,
    );
  }
  // Every tenant-key column must hold the value as it is (no overflow, no truncation).
  const misfits = resolved.tables.filter((t) => !valueFits(value, t.type));
  if (misfits.length > 0) {
    throw new InputError(
      `Tenant "${slug}" has ${resolved.column} = ${JSON.stringify(value.slice(0, 80))}, which ${options.tenantKey} cannot hold in ${capList(misfits.map((t) => `${display(t)} (${t.type})`))}.`,
      `Give ${options.tenantKey} the type of ${display(root)}.${resolved.column} (${resolved.type}), or set ${TENANT_ID_COLUMN_SETTING} to the column whose value the tenant's rows carry.`,
    );
  }
  return { column: resolved.column, type: resolved.type, value, source: resolved.source };
}
