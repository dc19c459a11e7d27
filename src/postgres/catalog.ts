import pg from 'pg';
import { userSchemaSql } from './tool-schemas';

/**
 * The shape of the shared database as the planner needs it: user tables (not system, not
 * extension-owned), their columns, keys, foreign keys and indexes. Read once from the catalog by
 * `readTableGraph`; `planTenant` (pure) works on it, so tests can hand-build one.
 */
export interface ColumnInfo {
  name: string;
  /** `format_type` output; types outside pg_catalog are schema-qualified. */
  type: string;
  notNull: boolean;
  /** Stored generated column: never copied (the target computes it). */
  generated: boolean;
  identity: 'always' | 'by-default' | null;
  /** typtype of the column's type after unwrapping domains: b(ase) c(omposite) e(num) r(ange) m(ultirange) p(seudo). */
  typtype: string;
  /** The type (after unwrapping domains) is an array. */
  isArray: boolean;
  /** For arrays: typtype of the element type after unwrapping domains. */
  elementTyptype: string | null;
  /** For arrays: the element type is user-defined (enum, composite, domain, extension type): its OID is local to the database. */
  elementUserDefined: boolean;
  /** The type and its element have binary send/receive functions. */
  binaryIo: boolean;
  /**
   * The column's collation is nondeterministic (an ICU collation created with
   * `deterministic = false`): values that differ compare equal. Unknown (hand-built graphs): no.
   */
  nondeterministic?: boolean;
}

export type OnDeleteAction = 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default';

export interface ForeignKeyInfo {
  name: string;
  columns: string[];
  /** Referenced table; a partition is reported as its partitioned root. */
  refSchema: string;
  refName: string;
  refColumns: string[];
  onDelete: OnDeleteAction;
  /**
   * DEFERRABLE (pg_constraint.condeferrable): may be checked at COMMIT after `SET CONSTRAINTS
   * ALL DEFERRED`. Unknown (hand-built graphs) counts as not deferrable.
   */
  deferrable?: boolean;
  /**
   * It references a partition (reported as its partitioned root, `refSchema`/`refName`): its key
   * is unique in that partition only, not in the root. Unknown (hand-built graphs): no.
   */
  toPartition?: boolean;
}

export interface IndexInfo {
  name: string;
  /** Key columns in order; `null` for an expression. */
  columns: (string | null)[];
  unique: boolean;
  partial: boolean;
}

export interface TableInfo {
  schema: string;
  name: string;
  /** `r` ordinary table, `p` partitioned table. */
  relkind: 'r' | 'p';
  /** The immediate parent when this table is a partition. */
  partitionOf: { schema: string; name: string } | null;
  /** Has children by (legacy) inheritance, which are tables of their own. */
  hasInheritanceChildren: boolean;
  columns: ColumnInfo[];
  primaryKey: string[] | null;
  /** Unique keys usable as row identity: not partial, no expressions, all columns NOT NULL. */
  uniqueKeys: string[][];
  /** Foreign keys declared on this table (not the copies PostgreSQL makes on partitions). */
  foreignKeys: ForeignKeyInfo[];
  indexes: IndexInfo[];
}

export interface TableGraph {
  tables: TableInfo[];
}

const ON_DELETE: Record<string, OnDeleteAction> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};

/** Where SCHEMAS stands in the queries below: which schemas' tables are read (readTableGraph). */
const SCHEMAS = '/* schemas */';

/** User tables: not in system schemas, not temporary, not owned by an extension. */
const USER_TABLES = `
  SELECT c.oid, n.nspname, c.relname, c.relkind, c.relispartition
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p')
    AND ${SCHEMAS}
    AND n.nspname NOT LIKE 'pg\\_toast%'
    AND n.nspname NOT LIKE 'pg\\_temp\\_%'
    AND NOT EXISTS (
      SELECT 1 FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
    )`;

const TABLES_TEMPLATE = `
WITH RECURSIVE ut AS (${USER_TABLES}),
dom(oid, base, depth) AS (
  SELECT oid, typbasetype, 1 FROM pg_type WHERE typtype = 'd'
  UNION ALL
  SELECT d.oid, t.typbasetype, d.depth + 1 FROM dom d JOIN pg_type t ON t.oid = d.base WHERE t.typtype = 'd'
),
dom_base AS (SELECT DISTINCT ON (oid) oid, base FROM dom ORDER BY oid, depth DESC)
SELECT
  ut.nspname AS schema,
  ut.relname AS name,
  ut.relkind,
  pn.nspname AS parent_schema,
  pc.relname AS parent_name,
  EXISTS (SELECT 1 FROM pg_inherits ih JOIN pg_class ch ON ch.oid = ih.inhrelid
          WHERE ih.inhparent = ut.oid AND NOT ch.relispartition) AS has_inheritance_children,
  COALESCE((
    SELECT json_agg(json_build_object(
      'name', a.attname,
      'type', format_type(a.atttypid, a.atttypmod),
      'notNull', a.attnotnull,
      'generated', a.attgenerated <> '',
      'identity', a.attidentity,
      'typtype', bt.typtype,
      'isArray', bt.typelem <> 0 AND bt.typlen = -1,
      'elementTyptype', CASE WHEN bt.typelem <> 0 AND bt.typlen = -1 THEN ebt.typtype END,
      'elementUserDefined', bt.typelem <> 0 AND bt.typlen = -1 AND bt.typelem::int8 >= 16384,
      'nondeterministic', COALESCE((SELECT NOT co.collisdeterministic FROM pg_collation co WHERE co.oid = a.attcollation), false),
      'binaryIo', bt.typsend::oid <> 0 AND bt.typreceive::oid <> 0
                  AND (ebt.oid IS NULL OR (ebt.typsend::oid <> 0 AND ebt.typreceive::oid <> 0))
    ) ORDER BY a.attnum)
    FROM pg_attribute a
    JOIN pg_type bt ON bt.oid = COALESCE((SELECT db.base FROM dom_base db WHERE db.oid = a.atttypid), a.atttypid)
    LEFT JOIN pg_type ebt ON ebt.oid = COALESCE((SELECT db.base FROM dom_base db WHERE db.oid = bt.typelem), NULLIF(bt.typelem, 0))
    WHERE a.attrelid = ut.oid AND a.attnum > 0 AND NOT a.attisdropped
  ), '[]') AS columns
FROM ut
LEFT JOIN pg_inherits i ON ut.relispartition AND i.inhrelid = ut.oid
LEFT JOIN pg_class pc ON pc.oid = i.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace
ORDER BY ut.nspname, ut.relname`;

const CONSTRAINTS_TEMPLATE = `
WITH ut AS (${USER_TABLES})
SELECT
  ut.nspname AS schema,
  ut.relname AS name,
  con.conname,
  con.contype,
  con.confdeltype,
  con.condeferrable,
  con.contype = 'f' AND COALESCE(pg_partition_root(con.confrelid), con.confrelid) <> con.confrelid AS to_partition,
  (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
  rn.nspname AS ref_schema,
  rc.relname AS ref_name,
  (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS ref_columns
FROM ut
JOIN pg_constraint con ON con.conrelid = ut.oid AND con.contype IN ('p', 'f') AND con.conparentid = 0
LEFT JOIN pg_class rc ON rc.oid = (CASE WHEN con.contype = 'f' THEN COALESCE(pg_partition_root(con.confrelid), con.confrelid) END)
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
ORDER BY ut.nspname, ut.relname, con.conname`;

const INDEXES_TEMPLATE = `
WITH ut AS (${USER_TABLES})
SELECT
  ut.nspname AS schema,
  ut.relname AS name,
  ic.relname AS index_name,
  x.indisunique AS unique,
  x.indpred IS NOT NULL AS partial,
  (SELECT array_agg(a.attname::text ORDER BY k.ord)
     FROM unnest(x.indkey[0:x.indnkeyatts - 1]) WITH ORDINALITY k(attnum, ord)
     LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0) AS columns,
  (SELECT bool_and(a.attnotnull)
     FROM unnest(x.indkey[0:x.indnkeyatts - 1]) k(attnum)
     LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0) AS all_not_null
FROM ut
JOIN pg_index x ON x.indrelid = ut.oid
JOIN pg_class ic ON ic.oid = x.indexrelid
ORDER BY ut.nspname, ut.relname, ic.relname`;

interface TableRow {
  schema: string;
  name: string;
  relkind: 'r' | 'p';
  parent_schema: string | null;
  parent_name: string | null;
  has_inheritance_children: boolean;
  columns: (Omit<ColumnInfo, 'identity'> & { identity: string })[];
}
interface ConstraintRow {
  schema: string;
  name: string;
  conname: string;
  contype: 'p' | 'f';
  confdeltype: string;
  condeferrable: boolean;
  to_partition: boolean;
  columns: string[];
  ref_schema: string | null;
  ref_name: string | null;
  ref_columns: string[] | null;
}
interface IndexRow {
  schema: string;
  name: string;
  index_name: string;
  unique: boolean;
  partial: boolean;
  columns: (string | null)[];
  all_not_null: boolean | null;
}

const key = (schema: string, name: string) => `${schema}\u0000${name}`;

/**
 * Reads the table graph of every user schema. Types are rendered with an empty search_path so
 * that user types come out schema-qualified (the plan splices them into casts read by sessions
 * whose search_path may differ); the caller's search_path is restored afterwards.
 */
export async function readTableGraph(
  client: pg.ClientBase,
  /**
   * Schema level into the shared database, the tenant's side: only its schemas (beside them are
   * the shared tables, which every other read of the shared database means by "user tables").
   */
  only?: readonly string[],
): Promise<TableGraph> {
  const schemas = only
    ? `n.nspname::text = ANY (ARRAY[${only.map((s) => pg.escapeLiteral(s)).join(', ') || 'NULL'}]::text[])`
    : userSchemaSql('n');
  const TABLES_SQL = TABLES_TEMPLATE.replaceAll(SCHEMAS, schemas);
  const CONSTRAINTS_SQL = CONSTRAINTS_TEMPLATE.replaceAll(SCHEMAS, schemas);
  const INDEXES_SQL = INDEXES_TEMPLATE.replaceAll(SCHEMAS, schemas);
  const saved =
    (await client.query<{ p: string }>(`SELECT current_setting('search_path') AS p`)).rows[0]?.p ?? '';
  let tableRows: TableRow[];
  let constraintRows: ConstraintRow[];
  let indexRows: IndexRow[];
  await client.query(`SELECT set_config('search_path', '', false)`);
  try {
    tableRows = (await client.query<TableRow>(TABLES_SQL)).rows;
    constraintRows = (await client.query<ConstraintRow>(CONSTRAINTS_SQL)).rows;
    indexRows = (await client.query<IndexRow>(INDEXES_SQL)).rows;
  } finally {
    await client.query(`SELECT set_config('search_path', $1, false)`, [saved]);
  }

  const tables = new Map<string, TableInfo>();
  for (const r of tableRows) {
    tables.set(key(r.schema, r.name), {
      schema: r.schema,
      name: r.name,
      relkind: r.relkind,
      partitionOf: r.parent_schema && r.parent_name ? { schema: r.parent_schema, name: r.parent_name } : null,
      hasInheritanceChildren: r.has_inheritance_children,
      columns: r.columns.map((c) => ({
        ...c,
        identity: c.identity === 'a' ? 'always' : c.identity === 'd' ? 'by-default' : null,
      })),
      primaryKey: null,
      uniqueKeys: [],
      foreignKeys: [],
      indexes: [],
    });
  }
  for (const r of constraintRows) {
    const t = tables.get(key(r.schema, r.name));
    if (!t) continue;
    if (r.contype === 'p') t.primaryKey = r.columns;
    else if (r.ref_schema && r.ref_name && r.ref_columns) {
      t.foreignKeys.push({
        name: r.conname,
        columns: r.columns,
        refSchema: r.ref_schema,
        refName: r.ref_name,
        refColumns: r.ref_columns,
        onDelete: ON_DELETE[r.confdeltype] ?? 'no action',
        deferrable: r.condeferrable,
        toPartition: r.to_partition,
      });
    }
  }
  for (const r of indexRows) {
    const t = tables.get(key(r.schema, r.name));
    if (!t) continue;
    const columns = r.columns ?? [];
    t.indexes.push({ name: r.index_name, columns, unique: r.unique, partial: r.partial });
    if (r.unique && !r.partial && columns.length > 0 && columns.every((c) => c !== null) && r.all_not_null) {
      const cols = columns as string[];
      const isPk = t.primaryKey && t.primaryKey.join('\u0000') === cols.join('\u0000');
      if (!isPk) t.uniqueKeys.push(cols);
    }
  }
  return { tables: [...tables.values()] };
}
