import type pg from 'pg';
import { userSchemaSql } from '../tool-schemas';
import { readBlockers } from './blockers';

/**
 * A snapshot of the parts of a database's catalog that the schema clone recreates. Read with
 * `search_path = ''`, so every name PostgreSQL renders (format_type, pg_get_expr, pg_get_*def,
 * regprocedure) comes out schema-qualified and the generated DDL does not depend on the
 * search_path it is later run with. Objects that belong to an extension are left out: the
 * extension recreates them.
 */

/** One ACL entry; `grantee` is a role name or 'PUBLIC'. A null ACL means "the defaults". */
export interface AclEntry {
  grantee: string;
  privilege: string;
  grantable: boolean;
}
export type Acl = AclEntry[] | null;

export interface SchemaInfo {
  oid: string;
  name: string;
  owner: string;
  acl: Acl;
  comment: string | null;
}

export interface ExtensionInfo {
  oid: string;
  name: string;
  /** Null when the extension's schema is itself owned by an extension (then it creates it). */
  schema: string | null;
  requires: string[];
}

export interface DomainCheck {
  name: string;
  def: string;
  comment: string | null;
}

export interface TypeAttribute {
  name: string;
  type: string;
  collation: string | null;
  comment: string | null;
}

export interface TypeInfo {
  /** Graph key: `t<oid>` (or `c<relid>` for composite types). */
  key: string;
  schema: string;
  name: string;
  kind: 'enum' | 'domain' | 'composite' | 'range';
  owner: string;
  acl: Acl;
  comment: string | null;
  labels?: string[];
  baseType?: string;
  collation?: string | null;
  default?: string | null;
  notNull?: boolean;
  checks?: DomainCheck[];
  attributes?: TypeAttribute[];
  range?: {
    subtype: string;
    opclass: string | null;
    collation: string | null;
    canonical: string | null;
    diff: string | null;
    multirange: string | null;
  };
}

export interface ColumnInfo {
  name: string;
  type: string;
  notNull: boolean;
  /** The NOT NULL constraint's name, when the clone must choose it (ddl/translate.ts, PostgreSQL 18+). */
  notNullName?: string;
  default: string | null;
  generated: string | null;
  /** '' | 'a' (ALWAYS) | 'd' (BY DEFAULT) */
  identity: string;
  collation: string | null;
  isLocal: boolean;
  statistics: number | null;
  storage: string | null;
  compression: string | null;
  comment: string | null;
  acl: Acl;
}

export interface RelationInfo {
  key: string;
  oid: string;
  schema: string;
  name: string;
  /** r table, p partitioned table, v view, m materialized view, f foreign table */
  kind: 'r' | 'p' | 'v' | 'm' | 'f';
  persistence: string;
  owner: string;
  acl: Acl;
  comment: string | null;
  options: string[] | null;
  partitionKey: string | null;
  partitionBound: string | null;
  isPartition: boolean;
  parents: { schema: string; name: string }[];
  rowSecurity: boolean;
  forceRowSecurity: boolean;
  replicaIdentity: string;
  populated: boolean;
  viewDef: string | null;
  typed: boolean;
  accessMethod: string | null;
  columns: ColumnInfo[];
}

export interface SequenceInfo {
  key: string;
  schema: string;
  name: string;
  persistence: string;
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  owner: string;
  acl: Acl;
  comment: string | null;
  /** 'a' OWNED BY a column, 'i' an identity column's sequence, null standalone. */
  ownedKind: 'a' | 'i' | null;
  ownedBy: { schema: string; table: string; column: string } | null;
}

export interface FunctionInfo {
  key: string;
  schema: string;
  name: string;
  kind: 'f' | 'p' | 'w';
  /** `schema.name(argtypes)` as regprocedure renders it. */
  signature: string;
  def: string;
  owner: string;
  acl: Acl;
  comment: string | null;
}

/** A user-defined aggregate (pg_aggregate), recreated with CREATE AGGREGATE. */
export interface AggregateInfo {
  key: string;
  schema: string;
  name: string;
  /** `schema.name(argtypes)` as regprocedure renders it (ALTER, GRANT, COMMENT accept it). */
  signature: string;
  /** pg_get_function_arguments: with `ORDER BY` for ordered-set aggregates; '' for `*`. */
  args: string;
  /** n normal, o ordered-set, h hypothetical-set */
  aggKind: 'n' | 'o' | 'h';
  transFn: string;
  transType: string;
  transSpace: number;
  finalFn: string | null;
  finalExtra: boolean;
  /** r READ_ONLY, s SHAREABLE, w READ_WRITE (PostgreSQL 11+). */
  finalModify: string | null;
  combineFn: string | null;
  serialFn: string | null;
  deserialFn: string | null;
  initCond: string | null;
  mTransFn: string | null;
  mInvTransFn: string | null;
  mTransType: string | null;
  mTransSpace: number;
  mFinalFn: string | null;
  mFinalExtra: boolean;
  mFinalModify: string | null;
  mInitCond: string | null;
  /** `OPERATOR(schema.op)` */
  sortOp: string | null;
  /** s SAFE, r RESTRICTED, u UNSAFE */
  parallel: string;
  owner: string;
  acl: Acl;
  comment: string | null;
}

/** A user-defined operator (pg_operator), recreated with CREATE OPERATOR. */
export interface OperatorInfo {
  key: string;
  schema: string;
  /** The operator's symbol, e.g. `===` (checked to be made of operator characters only). */
  name: string;
  /** `schema.op(lefttype,righttype)` as regoperator renders it (NONE for a prefix operator). */
  signature: string;
  left: string | null;
  right: string;
  fn: string;
  /** `OPERATOR(schema.op)` */
  commutator: string | null;
  negator: string | null;
  restrict: string | null;
  join: string | null;
  hashes: boolean;
  merges: boolean;
  owner: string;
  comment: string | null;
}

/** A user-defined collation (pg_collation), recreated with CREATE COLLATION. */
export interface CollationInfo {
  key: string;
  schema: string;
  name: string;
  /** c libc, i icu */
  provider: 'c' | 'i';
  deterministic: boolean;
  collate: string | null;
  ctype: string | null;
  /** The ICU locale (colliculocale up to 16, colllocale from 17). */
  locale: string | null;
  /** ICU tailoring rules (16+). */
  rules: string | null;
  owner: string;
  comment: string | null;
}

/** A text search dictionary over a built-in (or extension's) template. */
export interface TsDictionaryInfo {
  key: string;
  schema: string;
  name: string;
  /** Qualified template name. */
  template: string;
  /** dictinitoption: the options as written, e.g. `language = 'english'`. */
  options: string | null;
  owner: string;
  comment: string | null;
}

/** A text search configuration: its parser and, per token type, the dictionaries in order. */
export interface TsConfigInfo {
  key: string;
  schema: string;
  name: string;
  /** Qualified parser name. */
  parser: string;
  mappings: { tokens: string[]; dictionaries: string[] }[];
  owner: string;
  comment: string | null;
}

/** A user-defined cast (pg_cast), recreated with CREATE CAST. */
export interface CastInfo {
  key: string;
  source: string;
  target: string;
  /** f function, i inout, b binary-coercible */
  method: 'f' | 'i' | 'b';
  fn: string | null;
  /** e explicit, a assignment, i implicit */
  context: 'e' | 'a' | 'i';
  comment: string | null;
}

/**
 * An object of the source that the clone cannot recreate on the target as the connecting role,
 * with every object that depends on it (pg_depend, transitively): the promotion is refused
 * before anything is created, naming both.
 */
export interface CloneBlocker {
  object: string;
  why: string;
  dependents: string[];
}

export interface ConstraintInfo {
  schema: string;
  table: string;
  tableKind: string;
  /** A foreign key's referenced table's relkind (`p`: partitioned); null for other constraints. */
  referencedKind?: string | null;
  name: string;
  /** p primary key, u unique, x exclusion, c check, f foreign key, t constraint trigger */
  type: string;
  def: string;
  validated: boolean;
  isLocal: boolean;
  hasParent: boolean;
  /** Qualified name of the index that backs it (p/u/x), for ATTACH PARTITION. */
  index: { schema: string; name: string } | null;
  comment: string | null;
}

export interface IndexInfo {
  schema: string;
  name: string;
  table: { schema: string; name: string };
  def: string;
  /** True when a constraint owns the index (created by ADD CONSTRAINT). */
  constraintBacked: boolean;
  parent: { schema: string; name: string } | null;
  depth: number;
  clustered: boolean;
  replicaIdentity: boolean;
  comment: string | null;
}

export interface TriggerInfo {
  schema: string;
  table: string;
  name: string;
  def: string;
  enabled: string;
  comment: string | null;
}

export interface RuleInfo {
  schema: string;
  table: string;
  name: string;
  def: string;
  enabled: string;
  comment: string | null;
}

export interface PolicyInfo {
  key: string;
  schema: string;
  table: string;
  name: string;
  permissive: boolean;
  command: string;
  /** Role names, 'PUBLIC' for public. */
  roles: string[];
  using: string | null;
  withCheck: string | null;
  comment: string | null;
}

export interface StatisticsInfo {
  schema: string;
  name: string;
  def: string;
  owner: string;
  comment: string | null;
}

export interface Catalog {
  serverVersion: number;
  schemas: SchemaInfo[];
  extensions: ExtensionInfo[];
  types: TypeInfo[];
  sequences: SequenceInfo[];
  relations: RelationInfo[];
  functions: FunctionInfo[];
  aggregates: AggregateInfo[];
  operators: OperatorInfo[];
  collations: CollationInfo[];
  tsDictionaries: TsDictionaryInfo[];
  tsConfigs: TsConfigInfo[];
  casts: CastInfo[];
  constraints: ConstraintInfo[];
  indexes: IndexInfo[];
  triggers: TriggerInfo[];
  rules: RuleInfo[];
  policies: PolicyInfo[];
  statistics: StatisticsInfo[];
  /** [from, to]: `from` must be created after `to`. Keys: c<oid> relation, t<oid> type, f<oid> function or aggregate, o<oid> operator, l<oid> collation, td<oid>/tc<oid> text search dictionary/configuration, x<oid> cast, k<oid> table constraint, pol<oid> policy. */
  edges: [string, string][];
  /**
   * Objects found that the clone does not recreate and that no cloned object needs (publications,
   * event triggers, default privileges; typed tables and access methods, recreated approximately),
   * one human-readable line each: notes, not blockers.
   */
  unsupported: string[];
  /** Objects the clone cannot recreate, with their dependents: each one refuses the promotion. */
  blockers: CloneBlocker[];
}

const ACL = (col: string) => `CASE WHEN ${col} IS NULL THEN NULL ELSE coalesce((
  SELECT json_agg(json_build_object(
    'grantee', CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
    'privilege', a.privilege_type, 'grantable', a.is_grantable) ORDER BY a.grantee, a.privilege_type)
  FROM aclexplode(${col}) a), '[]'::json) END`;

/** Not a member of an extension (deptype 'e'). */
const NOT_EXT = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend xd WHERE xd.classid = '${catalog}'::regclass AND xd.objid = ${oid} AND xd.deptype = 'e')`;

const QN = (nsp: string, name: string) => `quote_ident(${nsp}) || '.' || quote_ident(${name})`;

/**
 * Reads the catalog. Sets `search_path` to '' for the session while reading and restores it
 * afterwards; it does not open or end a transaction, so it is safe on a client that is already
 * inside one (e.g. a snapshot transaction).
 */
export async function readCatalog(
  client: pg.ClientBase,
  /** Tables the plan leaves out, as `schema.name` (unquoted): not cloned, nor what belongs to them. */
  leaveOut: ReadonlySet<string> = new Set(),
): Promise<Catalog> {
  const saved =
    (await client.query<{ p: string }>(`SELECT current_setting('search_path') AS p`)).rows[0]?.p ?? '';
  await client.query(`SELECT set_config('search_path', '', false)`);
  try {
    return await readWithEmptyPath(client, leaveOut);
  } finally {
    await client.query(`SELECT set_config('search_path', $1, false)`, [saved]);
  }
}

async function rows<T>(client: pg.ClientBase, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await client.query(sql, params)).rows as T[];
}

async function readWithEmptyPath(client: pg.ClientBase, leaveOut: ReadonlySet<string>): Promise<Catalog> {
  const version = Number(
    (await rows<{ v: string }>(client, `SELECT current_setting('server_version_num') AS v`))[0]?.v ?? '0',
  );
  const v14 = version >= 140000;
  const v13 = version >= 130000;

  const schemas = await rows<SchemaInfo>(
    client,
    `SELECT n.oid::text AS oid, n.nspname AS name, pg_get_userbyid(n.nspowner) AS owner,
            ${ACL('n.nspacl')} AS acl, obj_description(n.oid, 'pg_namespace') AS comment
     FROM pg_namespace n
     WHERE ${userSchemaSql('n')} AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
       AND ${NOT_EXT('pg_namespace', 'n.oid')}
     ORDER BY n.nspname`,
  );
  const nsp = schemas.map((s) => s.oid);

  const extensions = await rows<ExtensionInfo>(
    client,
    `SELECT x.oid::text AS oid, x.extname AS name,
            CASE WHEN ${NOT_EXT('pg_namespace', 'x.extnamespace')} THEN n.nspname END AS schema,
            coalesce((SELECT array_agg(r.extname::text ORDER BY r.extname) FROM pg_depend d JOIN pg_extension r ON r.oid = d.refobjid
                      WHERE d.classid = 'pg_extension'::regclass AND d.objid = x.oid AND d.refclassid = 'pg_extension'::regclass), '{}') AS requires
     FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
     ORDER BY x.extname`,
  );

  const types = await rows<TypeInfo>(
    client,
    `SELECT CASE WHEN t.typtype = 'c' THEN 'c' || t.typrelid ELSE 't' || t.oid END AS key,
            n.nspname AS schema, t.typname AS name,
            CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain' WHEN 'c' THEN 'composite' WHEN 'r' THEN 'range' END AS kind,
            pg_get_userbyid(t.typowner) AS owner, ${ACL('t.typacl')} AS acl, obj_description(t.oid, 'pg_type') AS comment,
            CASE WHEN t.typtype = 'e' THEN (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) END AS labels,
            CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS "baseType",
            CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 AND t.typcollation <> bt.typcollation
                 THEN (SELECT ${QN('cn.nspname', 'co.collname')} FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation) END AS collation,
            CASE WHEN t.typtype = 'd' THEN pg_get_expr(t.typdefaultbin, 0) END AS default,
            t.typnotnull AS "notNull",
            CASE WHEN t.typtype = 'd' THEN coalesce((SELECT json_agg(json_build_object('name', c.conname, 'def', pg_get_constraintdef(c.oid),
                        'comment', obj_description(c.oid, 'pg_constraint')) ORDER BY c.conname)
                   FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c'), '[]'::json) END AS checks,
            CASE WHEN t.typtype = 'c' THEN (SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                        'collation', CASE WHEN a.attcollation <> 0 AND a.attcollation <> at.typcollation THEN (SELECT ${QN('cn.nspname', 'co.collname')} FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END,
                        'comment', col_description(t.typrelid, a.attnum)) ORDER BY a.attnum)
                   FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) END AS attributes,
            CASE WHEN t.typtype = 'r' THEN (SELECT json_build_object(
                  'subtype', format_type(r.rngsubtype, NULL),
                  'opclass', (SELECT ${QN('on2.nspname', 'oc.opcname')} FROM pg_opclass oc JOIN pg_namespace on2 ON on2.oid = oc.opcnamespace WHERE oc.oid = r.rngsubopc AND NOT oc.opcdefault),
                  'collation', (SELECT ${QN('cn.nspname', 'co.collname')} FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = r.rngcollation AND r.rngcollation <> (SELECT typcollation FROM pg_type WHERE oid = r.rngsubtype)),
                  'canonical', CASE WHEN r.rngcanonical <> 0 THEN r.rngcanonical::regproc::text END,
                  'diff', CASE WHEN r.rngsubdiff <> 0 THEN r.rngsubdiff::regproc::text END,
                  'multirange', ${v14 ? `(SELECT ${QN('mn.nspname', 'mt.typname')} FROM pg_type mt JOIN pg_namespace mn ON mn.oid = mt.typnamespace WHERE mt.oid = r.rngmultitypid)` : 'NULL'})
                FROM pg_range r WHERE r.rngtypid = t.oid) END AS range
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
     LEFT JOIN pg_class tc ON tc.oid = t.typrelid
     WHERE t.typnamespace = ANY($1::oid[]) AND t.typtype IN ('e', 'd', 'c', 'r')
       AND (t.typtype <> 'c' OR tc.relkind = 'c') AND ${NOT_EXT('pg_type', 't.oid')}
     ORDER BY n.nspname, t.typname`,
    [nsp],
  );

  const sequences = await rows<SequenceInfo>(
    client,
    `SELECT 'c' || c.oid AS key, n.nspname AS schema, c.relname AS name, c.relpersistence AS persistence,
            format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start, s.seqincrement::text AS increment,
            s.seqmin::text AS min, s.seqmax::text AS max, s.seqcache::text AS cache, s.seqcycle AS cycle,
            pg_get_userbyid(c.relowner) AS owner, ${ACL('c.relacl')} AS acl, obj_description(c.oid, 'pg_class') AS comment,
            d.deptype AS "ownedKind",
            CASE WHEN d.deptype IS NOT NULL THEN json_build_object('schema', tn.nspname, 'table', t.relname, 'column', ta.attname) END AS "ownedBy"
     FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
                          AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
     LEFT JOIN pg_class t ON t.oid = d.refobjid LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
     LEFT JOIN pg_attribute ta ON ta.attrelid = d.refobjid AND ta.attnum = d.refobjsubid
     WHERE c.relkind = 'S' AND c.relnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_class', 'c.oid')}
     ORDER BY n.nspname, c.relname`,
    [nsp],
  );

  const relations = await rows<RelationInfo>(
    client,
    `SELECT 'c' || c.oid AS key, c.oid::text AS oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind,
            c.relpersistence AS persistence, pg_get_userbyid(c.relowner) AS owner, ${ACL('c.relacl')} AS acl,
            obj_description(c.oid, 'pg_class') AS comment, c.reloptions AS options,
            CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS "partitionKey",
            CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS "partitionBound",
            c.relispartition AS "isPartition",
            coalesce((SELECT json_agg(json_build_object('schema', pn.nspname, 'name', p.relname) ORDER BY i.inhseqno)
               FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
               WHERE i.inhrelid = c.oid), '[]'::json) AS parents,
            c.relrowsecurity AS "rowSecurity", c.relforcerowsecurity AS "forceRowSecurity",
            c.relreplident AS "replicaIdentity", c.relispopulated AS populated,
            CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS "viewDef",
            c.reloftype <> 0 AS typed,
            CASE WHEN am.amname IS NOT NULL AND am.amname <> 'heap' THEN am.amname END AS "accessMethod",
            coalesce((SELECT json_agg(json_build_object(
                'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'notNull', a.attnotnull,
                'default', CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
                'generated', CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
                'identity', a.attidentity,
                'collation', CASE WHEN a.attcollation <> 0 AND a.attcollation <> at.typcollation THEN (SELECT ${QN('cn.nspname', 'co.collname')} FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END,
                'isLocal', a.attislocal,
                'statistics', CASE WHEN a.attstattarget >= 0 THEN a.attstattarget END,
                'storage', CASE WHEN a.attstorage <> at.typstorage THEN a.attstorage END,
                'compression', ${v14 ? `nullif(a.attcompression, '')` : 'NULL'},
                'comment', col_description(c.oid, a.attnum),
                'acl', ${ACL('a.attacl')}) ORDER BY a.attnum)
              FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
              LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]'::json) AS columns
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_am am ON am.oid = c.relam
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_class', 'c.oid')}
     ORDER BY n.nspname, c.relname`,
    [nsp],
  );

  const functions = await rows<FunctionInfo>(
    client,
    `SELECT 'f' || p.oid AS key, n.nspname AS schema, p.proname AS name, p.prokind AS kind,
            p.oid::regprocedure::text AS signature, pg_get_functiondef(p.oid) AS def,
            pg_get_userbyid(p.proowner) AS owner, ${ACL('p.proacl')} AS acl, obj_description(p.oid, 'pg_proc') AS comment
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE p.pronamespace = ANY($1::oid[]) AND p.prokind IN ('f', 'p', 'w') AND ${NOT_EXT('pg_proc', 'p.oid')}
       -- range and multirange constructors come with their type
       AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_proc'::regclass AND i.objid = p.oid AND i.deptype = 'i')
     ORDER BY n.nspname, p.proname, p.oid::regprocedure::text`,
    [nsp],
  );

  const proc = (col: string) => `CASE WHEN ${col} <> 0 THEN ${col}::regproc::text END`;
  const opRef = (oid: string) =>
    `(SELECT 'OPERATOR(' || quote_ident(rn.nspname) || '.' || r.oprname || ')' FROM pg_operator r JOIN pg_namespace rn ON rn.oid = r.oprnamespace WHERE r.oid = ${oid})`;
  const v11 = version >= 110000;
  const aggregates = await rows<AggregateInfo>(
    client,
    `SELECT 'f' || p.oid AS key, n.nspname AS schema, p.proname AS name, p.oid::regprocedure::text AS signature,
            pg_get_function_arguments(p.oid) AS args, a.aggkind AS "aggKind",
            a.aggtransfn::regproc::text AS "transFn", format_type(a.aggtranstype, NULL) AS "transType",
            a.aggtransspace AS "transSpace", ${proc('a.aggfinalfn')} AS "finalFn", a.aggfinalextra AS "finalExtra",
            ${v11 ? 'a.aggfinalmodify' : 'NULL'} AS "finalModify",
            ${proc('a.aggcombinefn')} AS "combineFn", ${proc('a.aggserialfn')} AS "serialFn",
            ${proc('a.aggdeserialfn')} AS "deserialFn", a.agginitval AS "initCond",
            ${proc('a.aggmtransfn')} AS "mTransFn", ${proc('a.aggminvtransfn')} AS "mInvTransFn",
            CASE WHEN a.aggmtranstype <> 0 THEN format_type(a.aggmtranstype, NULL) END AS "mTransType",
            a.aggmtransspace AS "mTransSpace", ${proc('a.aggmfinalfn')} AS "mFinalFn", a.aggmfinalextra AS "mFinalExtra",
            ${v11 ? 'a.aggmfinalmodify' : 'NULL'} AS "mFinalModify", a.aggminitval AS "mInitCond",
            CASE WHEN a.aggsortop <> 0 THEN ${opRef('a.aggsortop')} END AS "sortOp",
            p.proparallel AS parallel, pg_get_userbyid(p.proowner) AS owner, ${ACL('p.proacl')} AS acl,
            obj_description(p.oid, 'pg_proc') AS comment
     FROM pg_proc p JOIN pg_aggregate a ON a.aggfnoid = p.oid JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE p.pronamespace = ANY($1::oid[]) AND p.prokind = 'a' AND ${NOT_EXT('pg_proc', 'p.oid')}
     ORDER BY n.nspname, p.proname, p.oid::regprocedure::text`,
    [nsp],
  );

  const operators = await rows<OperatorInfo>(
    client,
    `SELECT 'o' || o.oid AS key, n.nspname AS schema, o.oprname AS name, o.oid::regoperator::text AS signature,
            CASE WHEN o.oprleft <> 0 THEN format_type(o.oprleft, NULL) END AS left,
            format_type(o.oprright, NULL) AS right, o.oprcode::regproc::text AS fn,
            CASE WHEN o.oprcom <> 0 THEN ${opRef('o.oprcom')} END AS commutator,
            CASE WHEN o.oprnegate <> 0 THEN ${opRef('o.oprnegate')} END AS negator,
            ${proc('o.oprrest')} AS restrict, ${proc('o.oprjoin')} AS join,
            o.oprcanhash AS hashes, o.oprcanmerge AS merges,
            pg_get_userbyid(o.oprowner) AS owner, obj_description(o.oid, 'pg_operator') AS comment
     FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
     WHERE o.oprnamespace = ANY($1::oid[]) AND o.oprcode <> 0 AND ${NOT_EXT('pg_operator', 'o.oid')}
     ORDER BY n.nspname, o.oprname, o.oid::regoperator::text`,
    [nsp],
  );

  // PostgreSQL 17 renamed colliculocale to colllocale (and 16 added collicurules): read whichever this server has.
  const collations = await rows<CollationInfo>(
    client,
    `SELECT 'l' || c.oid AS key, n.nspname AS schema, c.collname AS name, c.collprovider AS provider,
            c.collisdeterministic AS deterministic,
            to_jsonb(c) ->> 'collcollate' AS collate, to_jsonb(c) ->> 'collctype' AS ctype,
            coalesce(to_jsonb(c) ->> 'colllocale', to_jsonb(c) ->> 'colliculocale') AS locale,
            to_jsonb(c) ->> 'collicurules' AS rules,
            pg_get_userbyid(c.collowner) AS owner, obj_description(c.oid, 'pg_collation') AS comment
     FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
     WHERE c.collnamespace = ANY($1::oid[]) AND c.collprovider IN ('c', 'i') AND ${NOT_EXT('pg_collation', 'c.oid')}
     ORDER BY n.nspname, c.collname`,
    [nsp],
  );

  const tsDictionaries = await rows<TsDictionaryInfo>(
    client,
    `SELECT 'td' || d.oid AS key, n.nspname AS schema, d.dictname AS name,
            quote_ident(tn.nspname) || '.' || quote_ident(t.tmplname) AS template, d.dictinitoption AS options,
            pg_get_userbyid(d.dictowner) AS owner, obj_description(d.oid, 'pg_ts_dict') AS comment
     FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace
     JOIN pg_ts_template t ON t.oid = d.dicttemplate JOIN pg_namespace tn ON tn.oid = t.tmplnamespace
     WHERE d.dictnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_ts_dict', 'd.oid')}
     ORDER BY n.nspname, d.dictname`,
    [nsp],
  );

  // Mappings grouped as pg_dump writes them: token types that share the same dictionary list.
  const tsConfigs = await rows<TsConfigInfo>(
    client,
    `SELECT 'tc' || c.oid AS key, n.nspname AS schema, c.cfgname AS name,
            quote_ident(pn.nspname) || '.' || quote_ident(p.prsname) AS parser,
            coalesce((SELECT json_agg(json_build_object('tokens', g.tokens, 'dictionaries', g.dicts) ORDER BY g.tokens[1])
               FROM (SELECT array_agg(m.alias ORDER BY m.alias) AS tokens, m.dicts
                       FROM (SELECT tt.alias, array_agg(cm.mapdict::regdictionary::text ORDER BY cm.mapseqno) AS dicts
                               FROM pg_ts_config_map cm JOIN ts_token_type(c.cfgparser) tt ON tt.tokid = cm.maptokentype
                              WHERE cm.mapcfg = c.oid GROUP BY tt.alias) m
                      GROUP BY m.dicts) g), '[]'::json) AS mappings,
            pg_get_userbyid(c.cfgowner) AS owner, obj_description(c.oid, 'pg_ts_config') AS comment
     FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
     JOIN pg_ts_parser p ON p.oid = c.cfgparser JOIN pg_namespace pn ON pn.oid = p.prsnamespace
     WHERE c.cfgnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_ts_config', 'c.oid')}
     ORDER BY n.nspname, c.cfgname`,
    [nsp],
  );

  // User-defined casts: not built in, not an extension's, not a range or domain's own.
  const casts = await rows<CastInfo>(
    client,
    `SELECT 'x' || c.oid AS key, format_type(c.castsource, NULL) AS source, format_type(c.casttarget, NULL) AS target,
            c.castmethod AS method, CASE WHEN c.castfunc <> 0 THEN c.castfunc::regprocedure::text END AS fn,
            c.castcontext AS context, obj_description(c.oid, 'pg_cast') AS comment
     FROM pg_cast c
     WHERE c.oid >= 16384 AND ${NOT_EXT('pg_cast', 'c.oid')}
       AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_cast'::regclass AND i.objid = c.oid AND i.deptype = 'i')
     ORDER BY 2, 3`,
  );

  const constraints = await rows<ConstraintInfo>(
    client,
    `SELECT n.nspname AS schema, t.relname AS table, t.relkind AS "tableKind", c.conname AS name, c.contype AS type,
            pg_get_constraintdef(c.oid) AS def, c.convalidated AS validated, c.conislocal AS "isLocal",
            c.conparentid <> 0 AS "hasParent",
            (SELECT r.relkind FROM pg_class r WHERE r.oid = c.confrelid) AS "referencedKind",
            CASE WHEN c.contype IN ('p', 'u', 'x') THEN (SELECT json_build_object('schema', ino.nspname, 'name', ic.relname)
                 FROM pg_class ic JOIN pg_namespace ino ON ino.oid = ic.relnamespace WHERE ic.oid = c.conindid) END AS index,
            obj_description(c.oid, 'pg_constraint') AS comment
     FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE t.relnamespace = ANY($1::oid[]) AND c.contype IN ('p', 'u', 'x', 'c', 'f') AND ${NOT_EXT('pg_class', 't.oid')}
     ORDER BY n.nspname, t.relname, c.conname`,
    [nsp],
  );

  const indexes = await rows<IndexInfo>(
    client,
    `WITH RECURSIVE idx AS (
       SELECT i.indexrelid, i.indrelid, i.indisclustered, i.indisreplident FROM pg_index i
       JOIN pg_class t ON t.oid = i.indrelid
       WHERE t.relnamespace = ANY($1::oid[]) AND t.relkind IN ('r', 'p', 'm') AND ${NOT_EXT('pg_class', 't.oid')}
     ), depth AS (
       SELECT inhrelid AS oid, 1 AS d, inhparent AS top FROM pg_inherits WHERE inhrelid IN (SELECT indexrelid FROM idx)
       UNION ALL
       SELECT depth.oid, depth.d + 1, p.inhparent FROM depth JOIN pg_inherits p ON p.inhrelid = depth.top
     )
     SELECT ino.nspname AS schema, ic.relname AS name,
            json_build_object('schema', tn.nspname, 'name', t.relname) AS table,
            pg_get_indexdef(idx.indexrelid) AS def,
            EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = idx.indexrelid AND c.conrelid = idx.indrelid AND c.contype IN ('p', 'u', 'x')) AS "constraintBacked",
            (SELECT json_build_object('schema', pn.nspname, 'name', pc.relname) FROM pg_inherits h JOIN pg_class pc ON pc.oid = h.inhparent
               JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE h.inhrelid = idx.indexrelid) AS parent,
            coalesce((SELECT max(d) FROM depth WHERE depth.oid = idx.indexrelid), 0) AS depth,
            idx.indisclustered AS clustered, idx.indisreplident AS "replicaIdentity",
            obj_description(idx.indexrelid, 'pg_class') AS comment
     FROM idx JOIN pg_class ic ON ic.oid = idx.indexrelid JOIN pg_namespace ino ON ino.oid = ic.relnamespace
     JOIN pg_class t ON t.oid = idx.indrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
     ORDER BY ino.nspname, ic.relname`,
    [nsp],
  );

  const triggers = await rows<TriggerInfo>(
    client,
    `SELECT n.nspname AS schema, t.relname AS table, g.tgname AS name, pg_get_triggerdef(g.oid) AS def,
            g.tgenabled AS enabled, obj_description(g.oid, 'pg_trigger') AS comment
     FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE t.relnamespace = ANY($1::oid[]) AND NOT g.tgisinternal ${v13 ? 'AND g.tgparentid = 0' : ''}
       AND ${NOT_EXT('pg_class', 't.oid')} AND ${NOT_EXT('pg_trigger', 'g.oid')}
     ORDER BY n.nspname, t.relname, g.tgname`,
    [nsp],
  );

  const rules = await rows<RuleInfo>(
    client,
    `SELECT n.nspname AS schema, t.relname AS table, r.rulename AS name, pg_get_ruledef(r.oid) AS def,
            r.ev_enabled AS enabled, obj_description(r.oid, 'pg_rewrite') AS comment
     FROM pg_rewrite r JOIN pg_class t ON t.oid = r.ev_class JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE t.relnamespace = ANY($1::oid[]) AND r.rulename <> '_RETURN' AND ${NOT_EXT('pg_class', 't.oid')}
     ORDER BY n.nspname, t.relname, r.rulename`,
    [nsp],
  );

  const policies = await rows<PolicyInfo>(
    client,
    `SELECT 'pol' || p.oid AS key, n.nspname AS schema, t.relname AS table, p.polname AS name, p.polpermissive AS permissive,
            p.polcmd AS command,
            (SELECT array_agg(x.n ORDER BY x.n) FROM (SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r)::text END AS n FROM unnest(p.polroles) r) x) AS roles,
            pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS "withCheck",
            obj_description(p.oid, 'pg_policy') AS comment
     FROM pg_policy p JOIN pg_class t ON t.oid = p.polrelid JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE t.relnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_class', 't.oid')}
     ORDER BY n.nspname, t.relname, p.polname`,
    [nsp],
  );

  const statistics = await rows<StatisticsInfo>(
    client,
    `SELECT n.nspname AS schema, s.stxname AS name, pg_get_statisticsobjdef(s.oid) AS def,
            pg_get_userbyid(s.stxowner) AS owner, obj_description(s.oid, 'pg_statistic_ext') AS comment
     FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace
     WHERE s.stxnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_statistic_ext', 's.oid')}
     ORDER BY n.nspname, s.stxname`,
    [nsp],
  );

  // Dependencies between the objects above, each side mapped to the object that is created
  // (a column default to its table, a view's rule to its view, an array type to its element...).
  const typeKey = (t: string) => `(SELECT CASE
        WHEN ty.typrelid <> 0 THEN 'c' || ty.typrelid
        WHEN el.oid IS NOT NULL THEN CASE WHEN el.typrelid <> 0 THEN 'c' || el.typrelid ELSE 't' || el.oid END
        ${v14 ? `WHEN mr.rngtypid IS NOT NULL THEN 't' || mr.rngtypid` : ''}
        ELSE 't' || ty.oid END
      FROM pg_type ty LEFT JOIN pg_type el ON el.typarray = ty.oid
      ${v14 ? 'LEFT JOIN pg_range mr ON mr.rngmultitypid = ty.oid' : ''}
      WHERE ty.oid = ${t})`;
  const edgeRows = await rows<{ src: string; ref: string }>(
    client,
    `SELECT DISTINCT src, ref FROM (
       SELECT CASE d.classid
                WHEN 'pg_class'::regclass THEN 'c' || d.objid
                WHEN 'pg_type'::regclass THEN ${typeKey('d.objid')}
                WHEN 'pg_proc'::regclass THEN 'f' || d.objid
                WHEN 'pg_attrdef'::regclass THEN (SELECT 'c' || ad.adrelid FROM pg_attrdef ad WHERE ad.oid = d.objid)
                WHEN 'pg_rewrite'::regclass THEN (SELECT 'c' || rw.ev_class FROM pg_rewrite rw WHERE rw.oid = d.objid AND rw.rulename = '_RETURN')
                WHEN 'pg_constraint'::regclass THEN (SELECT ${typeKey('co.contypid')} FROM pg_constraint co WHERE co.oid = d.objid AND co.contypid <> 0)
                WHEN 'pg_policy'::regclass THEN 'pol' || d.objid
                WHEN 'pg_operator'::regclass THEN 'o' || d.objid
                WHEN 'pg_cast'::regclass THEN 'x' || d.objid
                WHEN 'pg_ts_dict'::regclass THEN 'td' || d.objid
                WHEN 'pg_ts_config'::regclass THEN 'tc' || d.objid
              END AS src,
              CASE d.refclassid
                WHEN 'pg_class'::regclass THEN 'c' || d.refobjid
                WHEN 'pg_type'::regclass THEN ${typeKey('d.refobjid')}
                WHEN 'pg_proc'::regclass THEN 'f' || d.refobjid
                WHEN 'pg_constraint'::regclass THEN (SELECT CASE WHEN co.contypid <> 0 THEN ${typeKey('co.contypid')} ELSE 'k' || co.oid END
                                                     FROM pg_constraint co WHERE co.oid = d.refobjid)
                WHEN 'pg_operator'::regclass THEN 'o' || d.refobjid
                WHEN 'pg_cast'::regclass THEN 'x' || d.refobjid
                WHEN 'pg_collation'::regclass THEN 'l' || d.refobjid
                WHEN 'pg_ts_dict'::regclass THEN 'td' || d.refobjid
                WHEN 'pg_ts_config'::regclass THEN 'tc' || d.refobjid
              END AS ref
       FROM pg_depend d
       WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384 AND d.refobjid >= 16384
     ) x WHERE src IS NOT NULL AND ref IS NOT NULL AND src <> ref`,
  );

  const unsupported: string[] = [];
  const note = async (what: string, sql: string) => {
    for (const r of await rows<{ name: string }>(client, sql, [nsp])) unsupported.push(`${what} ${r.name}`);
  };
  // Kinds the clone cannot recreate, and objects only a superuser may create: blockers.
  const blockers = await readBlockers(client, nsp);
  await note(
    'event trigger',
    `SELECT quote_ident(evtname) AS name FROM pg_event_trigger e WHERE $1::oid[] IS NOT NULL AND ${NOT_EXT('pg_event_trigger', 'e.oid')}`,
  );
  await note(
    'publication',
    `SELECT quote_ident(pubname) AS name FROM pg_publication WHERE $1::oid[] IS NOT NULL`,
  );
  await note(
    'default privileges of role',
    `SELECT DISTINCT pg_get_userbyid(defaclrole) AS name FROM pg_default_acl WHERE $1::oid[] IS NOT NULL`,
  );
  for (const r of relations) {
    if (r.kind === 'f') unsupported.push(`foreign table ${r.schema}.${r.name} (not cloned)`);
    else if (r.typed)
      unsupported.push(
        `typed table ${r.schema}.${r.name} (recreated as a plain table with the same columns)`,
      );
    if (r.accessMethod)
      unsupported.push(`table access method ${r.accessMethod} of ${r.schema}.${r.name} (recreated as heap)`);
  }

  // Tables the plan leaves out (unrelated with reference-tables: skip, unattributable, a skip
  // override) are not cloned, nor their partitions, keys, indexes, triggers, rules, policies and
  // owned sequences; the plan refuses a foreign key from a copied table into one of them.
  const left = leaveOut;
  const isLeftOut = (schema: string, name: string): boolean => {
    const seen = new Set<string>();
    const walk = (sc: string, n: string): boolean => {
      const k = `${sc}.${n}`;
      if (left.has(k)) return true;
      if (seen.has(k)) return false;
      seen.add(k);
      const r = relations.find((x) => x.schema === sc && x.name === n);
      return !!r?.isPartition && r.parents.some((p) => walk(p.schema, p.name));
    };
    return walk(schema, name);
  };
  const keep = <T extends { schema: string; table: string }>(items: T[]) =>
    left.size === 0 ? items : items.filter((i) => !isLeftOut(i.schema, i.table));

  return {
    serverVersion: version,
    schemas,
    extensions,
    types,
    sequences:
      left.size === 0
        ? sequences
        : sequences.filter((q) => !q.ownedBy || !isLeftOut(q.ownedBy.schema, q.ownedBy.table)),
    relations: relations.filter((r) => r.kind !== 'f' && (left.size === 0 || !isLeftOut(r.schema, r.name))),
    functions,
    aggregates,
    operators,
    collations,
    tsDictionaries,
    tsConfigs,
    casts,
    constraints: keep(constraints),
    indexes: left.size === 0 ? indexes : indexes.filter((i) => !isLeftOut(i.table.schema, i.table.name)),
    triggers: keep(triggers),
    rules: keep(rules),
    policies: keep(policies),
    statistics,
    edges: edgeRows.map((e) => [e.src, e.ref]),
    unsupported,
    blockers,
  };
}
