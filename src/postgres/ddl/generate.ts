import pg from 'pg';
import type {
  Acl,
  AggregateInfo,
  CastInfo,
  Catalog,
  CollationInfo,
  TsConfigInfo,
  TsDictionaryInfo,
  CloneBlocker,
  OperatorInfo,
  ColumnInfo,
  FunctionInfo,
  PolicyInfo,
  RelationInfo,
  SequenceInfo,
  TypeInfo,
} from './catalog';
import { dependentsClosure, topoOrder, type OrderNode } from './order';

export interface GenerateOptions {
  ownerRole: string;
  roleMap: ReadonlyMap<string, string>;
}

export interface GeneratedScript {
  beforeData: string[];
  afterData: string[];
  /** How afterData may be applied on several sessions at once (see AfterDataStage). */
  afterDataStages: AfterDataStage[];
  /** Objects in the source that are not recreated, and dependency cycles that were broken. */
  unsupported: string[];
  /** Objects the clone cannot recreate, with their dependents: the promotion is refused. */
  blockers: CloneBlocker[];
}

/**
 * A stage of the after-data phase. Stages run one after another; the units of one stage may run
 * at the same time, each on its own session and in its own transaction, its statements in order.
 * A unit reads the data of one table (`table`: its index builds, its checks, its foreign keys'
 * validation); the units of a stage never take conflicting locks on the same table, so running
 * them at once can only make them wait for each other, never deadlock (see generateScript).
 * A stage with one unit and no table is a serial stage. `statements` are indices into
 * afterData, which lists every statement once, stage after stage, unit after unit: an order
 * that is also valid on one session.
 */
export interface AfterDataStage {
  /** What the stage does, for the log. */
  label: string;
  units: { table?: { schema: string; name: string }; statements: number[] }[];
}

const qi = (name: string) => pg.escapeIdentifier(name);
const qn = (schema: string, name: string) => `${qi(schema)}.${qi(name)}`;
const lit = (text: string) => pg.escapeLiteral(text);
const stripSemicolon = (sql: string) => sql.trim().replace(/;\s*$/, '');

/**
 * Role mapping rule, shared by GRANTs and policies: PUBLIC stays PUBLIC; a role in the map
 * becomes its target; any other role is dropped (least privilege: it has no business in the
 * tenant's database, and it cannot connect to it anyway).
 */
export function mapRole(role: string, roleMap: ReadonlyMap<string, string>): string | null {
  if (role === 'PUBLIC') return 'PUBLIC';
  return roleMap.get(role) ?? null;
}

const roleSql = (role: string) => (role === 'PUBLIC' ? 'PUBLIC' : qi(role));

/** Kinds whose built-in default ACL gives PUBLIC nothing. */
const CLOSED_BY_DEFAULT = new Set(['TABLE', 'SEQUENCE', 'SCHEMA']);

/**
 * GRANTs reproducing `acl` on the object, remapped. A null ACL means the built-in defaults; the
 * new object has them unless the creating role's default privileges (ALTER DEFAULT PRIVILEGES …
 * TO PUBLIC, per database: in the shared database at schema level) added some, so PUBLIC's are
 * revoked where the built-in default gives it nothing (a function's EXECUTE and a type's USAGE
 * are PUBLIC's by default, and stay). Otherwise PUBLIC's defaults are revoked first so the
 * result is exactly the source's entries; the source owner's own entries are skipped (the
 * new owner has them by ownership).
 */
export function grantStatements(
  kind: string,
  object: string,
  acl: Acl,
  owner: string,
  roleMap: ReadonlyMap<string, string>,
  columns?: string,
): string[] {
  if (acl === null)
    return !columns && CLOSED_BY_DEFAULT.has(kind) ? [`REVOKE ALL ON ${kind} ${object} FROM PUBLIC`] : [];
  const groups = new Map<string, { role: string; grantable: boolean; privileges: string[] }>();
  for (const e of acl) {
    if (e.grantee === owner) continue;
    const role = mapRole(e.grantee, roleMap);
    if (!role) continue;
    const id = `${role}\u0000${e.grantable}`;
    const g = groups.get(id) ?? { role, grantable: e.grantable, privileges: [] };
    if (!g.privileges.includes(e.privilege)) g.privileges.push(e.privilege);
    groups.set(id, g);
  }
  const cols = columns ? ` (${columns})` : '';
  const out = columns ? [] : [`REVOKE ALL ON ${kind} ${object} FROM PUBLIC`];
  for (const g of groups.values()) {
    const privs = g.privileges.map((p) => `${p}${cols}`).join(', ');
    out.push(
      `GRANT ${privs} ON ${kind} ${object} TO ${roleSql(g.role)}${g.grantable ? ' WITH GRANT OPTION' : ''}`,
    );
  }
  return out;
}

const commentOn = (what: string, comment: string | null | undefined) =>
  comment == null ? [] : [`COMMENT ON ${what} IS ${lit(comment)}`];

interface Node extends OrderNode {
  statements: string[];
}

const STORAGE: Record<string, string> = { p: 'PLAIN', e: 'EXTERNAL', x: 'EXTENDED', m: 'MAIN' };
const COMPRESSION: Record<string, string> = { p: 'pglz', l: 'lz4' };
const POLICY_CMD: Record<string, string> = { '*': 'ALL', r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE' };
const ENABLE_TRIGGER: Record<string, string> = { D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' };

function sequenceOptions(s: SequenceInfo): string {
  return (
    `START WITH ${s.start} INCREMENT BY ${s.increment} MINVALUE ${s.min} MAXVALUE ${s.max} ` +
    `CACHE ${s.cache} ${s.cycle ? 'CYCLE' : 'NO CYCLE'}`
  );
}

function typeStatements(t: TypeInfo, o: GenerateOptions): string[] {
  const name = qn(t.schema, t.name);
  const out: string[] = [];
  const word = t.kind === 'domain' ? 'DOMAIN' : 'TYPE';
  switch (t.kind) {
    case 'enum':
      out.push(`CREATE TYPE ${name} AS ENUM (${(t.labels ?? []).map(lit).join(', ')})`);
      break;
    case 'domain': {
      let sql = `CREATE DOMAIN ${name} AS ${t.baseType}`;
      if (t.collation) sql += ` COLLATE ${t.collation}`;
      if (t.default != null) sql += ` DEFAULT ${t.default}`;
      if (t.notNull) sql += ' NOT NULL';
      out.push(sql);
      for (const c of t.checks ?? []) {
        out.push(`ALTER DOMAIN ${name} ADD CONSTRAINT ${qi(c.name)} ${c.def}`);
        out.push(...commentOn(`CONSTRAINT ${qi(c.name)} ON DOMAIN ${name}`, c.comment));
      }
      break;
    }
    case 'composite': {
      const attrs = (t.attributes ?? []).map(
        (a) => `${qi(a.name)} ${a.type}${a.collation ? ` COLLATE ${a.collation}` : ''}`,
      );
      out.push(`CREATE TYPE ${name} AS (${attrs.join(', ')})`);
      break;
    }
    case 'range': {
      const r = t.range!;
      const parts = [`SUBTYPE = ${r.subtype}`];
      if (r.opclass) parts.push(`SUBTYPE_OPCLASS = ${r.opclass}`);
      if (r.collation) parts.push(`COLLATION = ${r.collation}`);
      if (r.canonical) parts.push(`CANONICAL = ${r.canonical}`);
      if (r.diff) parts.push(`SUBTYPE_DIFF = ${r.diff}`);
      if (r.multirange) parts.push(`MULTIRANGE_TYPE_NAME = ${r.multirange}`);
      out.push(`CREATE TYPE ${name} AS RANGE (${parts.join(', ')})`);
      break;
    }
  }
  // A range's constructor functions are left as CREATE TYPE makes them: PostgreSQL (15 to 18)
  // gives them to the bootstrap superuser, on the shared server as on the target, and a
  // non-superuser admin may not change that ("must be owner of function").
  out.push(`ALTER ${word} ${name} OWNER TO ${qi(o.ownerRole)}`);
  out.push(...grantStatements(word, name, t.acl, t.owner, o.roleMap));
  out.push(...commentOn(`${word} ${name}`, t.comment));
  for (const a of t.attributes ?? []) out.push(...commentOn(`COLUMN ${name}.${qi(a.name)}`, a.comment));
  return out;
}

function sequenceStatements(s: SequenceInfo, o: GenerateOptions): string[] {
  const name = qn(s.schema, s.name);
  return [
    `CREATE ${s.persistence === 'u' ? 'UNLOGGED ' : ''}SEQUENCE ${name} AS ${s.type} ${sequenceOptions(s)}`,
    `ALTER SEQUENCE ${name} OWNER TO ${qi(o.ownerRole)}`,
    ...grantStatements('SEQUENCE', name, s.acl, s.owner, o.roleMap),
    ...commentOn(`SEQUENCE ${name}`, s.comment),
  ];
}

function functionStatements(f: FunctionInfo, o: GenerateOptions): string[] {
  const word = f.kind === 'p' ? 'PROCEDURE' : 'FUNCTION';
  return [
    f.def.trim(),
    `ALTER ${word} ${f.signature} OWNER TO ${qi(o.ownerRole)}`,
    ...grantStatements(word, f.signature, f.acl, f.owner, o.roleMap),
    ...commentOn(`${word} ${f.signature}`, f.comment),
  ];
}

const FINAL_MODIFY: Record<string, string> = { r: 'READ_ONLY', s: 'SHAREABLE', w: 'READ_WRITE' };
const PARALLEL: Record<string, string> = { s: 'SAFE', r: 'RESTRICTED' };

/** `name(args)` of an aggregate for ALTER/COMMENT: a zero-argument aggregate is written `(*)`. */
function aggregateSignature(a: AggregateInfo): string {
  return `${qn(a.schema, a.name)}(${a.args || '*'})`;
}

/**
 * CREATE AGGREGATE from pg_aggregate, as pg_dump writes it: support functions by name (they are
 * resolved by argument types), states by type, initial conditions as literals.
 */
export function aggregateStatements(a: AggregateInfo, o: GenerateOptions): string[] {
  const parts = [`SFUNC = ${a.transFn}`, `STYPE = ${a.transType}`];
  if (a.transSpace) parts.push(`SSPACE = ${a.transSpace}`);
  if (a.finalFn) {
    parts.push(`FINALFUNC = ${a.finalFn}`);
    if (a.finalExtra) parts.push('FINALFUNC_EXTRA');
    if (a.finalModify && FINAL_MODIFY[a.finalModify])
      parts.push(`FINALFUNC_MODIFY = ${FINAL_MODIFY[a.finalModify]}`);
  }
  if (a.combineFn) parts.push(`COMBINEFUNC = ${a.combineFn}`);
  if (a.serialFn) parts.push(`SERIALFUNC = ${a.serialFn}`);
  if (a.deserialFn) parts.push(`DESERIALFUNC = ${a.deserialFn}`);
  if (a.initCond != null) parts.push(`INITCOND = ${lit(a.initCond)}`);
  if (a.mTransFn) {
    parts.push(`MSFUNC = ${a.mTransFn}`, `MINVFUNC = ${a.mInvTransFn}`, `MSTYPE = ${a.mTransType}`);
    if (a.mTransSpace) parts.push(`MSSPACE = ${a.mTransSpace}`);
    if (a.mFinalFn) {
      parts.push(`MFINALFUNC = ${a.mFinalFn}`);
      if (a.mFinalExtra) parts.push('MFINALFUNC_EXTRA');
      if (a.mFinalModify && FINAL_MODIFY[a.mFinalModify])
        parts.push(`MFINALFUNC_MODIFY = ${FINAL_MODIFY[a.mFinalModify]}`);
    }
    if (a.mInitCond != null) parts.push(`MINITCOND = ${lit(a.mInitCond)}`);
  }
  if (a.sortOp) parts.push(`SORTOP = ${a.sortOp}`);
  if (PARALLEL[a.parallel]) parts.push(`PARALLEL = ${PARALLEL[a.parallel]}`);
  if (a.aggKind === 'h') parts.push('HYPOTHETICAL');
  const sig = aggregateSignature(a);
  return [
    `CREATE AGGREGATE ${sig} (${parts.join(', ')})`,
    `ALTER AGGREGATE ${sig} OWNER TO ${qi(o.ownerRole)}`,
    // GRANT … ON FUNCTION covers aggregates (there is no GRANT … ON AGGREGATE).
    ...grantStatements('FUNCTION', a.signature, a.acl, a.owner, o.roleMap),
    ...commentOn(`AGGREGATE ${sig}`, a.comment),
  ];
}

/** An operator's symbol: only these characters (the catalog is trusted, but it is spliced in). */
const OPERATOR_SYMBOL = /^[+\-*/<>=~!@#%^&|`?]{1,63}$/;

export function operatorStatements(op: OperatorInfo, o: GenerateOptions): string[] {
  if (!OPERATOR_SYMBOL.test(op.name)) throw new Error(`unexpected operator name ${JSON.stringify(op.name)}`);
  const parts = [`FUNCTION = ${op.fn}`];
  if (op.left) parts.push(`LEFTARG = ${op.left}`);
  parts.push(`RIGHTARG = ${op.right}`);
  // A commutator or negator not created yet is made a shell here and filled in by its own CREATE.
  if (op.commutator) parts.push(`COMMUTATOR = ${op.commutator}`);
  if (op.negator) parts.push(`NEGATOR = ${op.negator}`);
  if (op.restrict) parts.push(`RESTRICT = ${op.restrict}`);
  if (op.join) parts.push(`JOIN = ${op.join}`);
  if (op.hashes) parts.push('HASHES');
  if (op.merges) parts.push('MERGES');
  return [
    `CREATE OPERATOR ${qi(op.schema)}.${op.name} (${parts.join(', ')})`,
    `ALTER OPERATOR ${op.signature} OWNER TO ${qi(o.ownerRole)}`,
    ...commentOn(`OPERATOR ${op.signature}`, op.comment),
  ];
}

export function collationStatements(c: CollationInfo, o: GenerateOptions): string[] {
  const name = qn(c.schema, c.name);
  const parts =
    c.provider === 'i'
      ? ['PROVIDER = icu', `LOCALE = ${lit(c.locale ?? '')}`]
      : ['PROVIDER = libc', `LC_COLLATE = ${lit(c.collate ?? '')}`, `LC_CTYPE = ${lit(c.ctype ?? '')}`];
  if (!c.deterministic) parts.push('DETERMINISTIC = false');
  if (c.rules != null) parts.push(`RULES = ${lit(c.rules)}`);
  return [
    `CREATE COLLATION ${name} (${parts.join(', ')})`,
    `ALTER COLLATION ${name} OWNER TO ${qi(o.ownerRole)}`,
    ...commentOn(`COLLATION ${name}`, c.comment),
  ];
}

export function tsDictionaryStatements(d: TsDictionaryInfo, o: GenerateOptions): string[] {
  const name = qn(d.schema, d.name);
  return [
    `CREATE TEXT SEARCH DICTIONARY ${name} (TEMPLATE = ${d.template}${d.options ? `, ${d.options}` : ''})`,
    `ALTER TEXT SEARCH DICTIONARY ${name} OWNER TO ${qi(o.ownerRole)}`,
    ...commentOn(`TEXT SEARCH DICTIONARY ${name}`, d.comment),
  ];
}

/** As pg_dump: the parser alone (no mappings), then one ADD MAPPING per list of dictionaries. */
export function tsConfigStatements(c: TsConfigInfo, o: GenerateOptions): string[] {
  const name = qn(c.schema, c.name);
  return [
    `CREATE TEXT SEARCH CONFIGURATION ${name} (PARSER = ${c.parser})`,
    ...c.mappings.map(
      (m) =>
        `ALTER TEXT SEARCH CONFIGURATION ${name} ADD MAPPING FOR ${m.tokens.map(qi).join(', ')} WITH ${m.dictionaries.join(', ')}`,
    ),
    `ALTER TEXT SEARCH CONFIGURATION ${name} OWNER TO ${qi(o.ownerRole)}`,
    ...commentOn(`TEXT SEARCH CONFIGURATION ${name}`, c.comment),
  ];
}

export function castStatements(c: CastInfo): string[] {
  const how =
    c.method === 'f' ? `WITH FUNCTION ${c.fn}` : c.method === 'i' ? 'WITH INOUT' : 'WITHOUT FUNCTION';
  const context = c.context === 'a' ? ' AS ASSIGNMENT' : c.context === 'i' ? ' AS IMPLICIT' : '';
  const cast = `(${c.source} AS ${c.target})`;
  return [`CREATE CAST ${cast} ${how}${context}`, ...commentOn(`CAST ${cast}`, c.comment)];
}

function columnDef(c: ColumnInfo, identity: SequenceInfo | undefined, isPartition: boolean): string {
  let sql = `${qi(c.name)} ${c.type}`;
  if (c.collation) sql += ` COLLATE ${c.collation}`;
  if (c.generated != null) sql += ` GENERATED ALWAYS AS (${c.generated}) STORED`;
  else if (c.default != null) sql += ` DEFAULT ${c.default}`;
  // A partition gets its parent's identity when attached (PostgreSQL 17+), never its own.
  if (c.identity && !isPartition) {
    const opts = identity
      ? ` (SEQUENCE NAME ${qn(identity.schema, identity.name)} ${sequenceOptions(identity)})`
      : '';
    sql += ` GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY${opts}`;
  }
  if (c.notNull) sql += c.notNullName ? ` CONSTRAINT ${qi(c.notNullName)} NOT NULL` : ' NOT NULL';
  return sql;
}

function relationWord(kind: RelationInfo['kind']): string {
  return kind === 'v' ? 'VIEW' : kind === 'm' ? 'MATERIALIZED VIEW' : 'TABLE';
}

function relationStatements(
  r: RelationInfo,
  identitySeqs: Map<string, SequenceInfo>,
  o: GenerateOptions,
): string[] {
  const name = qn(r.schema, r.name);
  const word = relationWord(r.kind);
  const withOptions = r.options?.length ? ` WITH (${r.options.join(', ')})` : '';
  const out: string[] = [];
  const seqFor = (c: ColumnInfo) => identitySeqs.get(`${r.schema}\u0000${r.name}\u0000${c.name}`);
  if (r.kind === 'v' || r.kind === 'm') {
    const def = stripSemicolon(r.viewDef ?? '');
    out.push(
      r.kind === 'v'
        ? `CREATE VIEW ${name}${withOptions} AS ${def}`
        : `CREATE MATERIALIZED VIEW ${name}${withOptions} AS ${def} WITH NO DATA`,
    );
    for (const c of r.columns) {
      if (c.default != null)
        out.push(`ALTER VIEW ${name} ALTER COLUMN ${qi(c.name)} SET DEFAULT ${c.default}`);
    }
  } else {
    const inherits = !r.isPartition && r.parents.length > 0;
    // Partitions are created standalone with every column, then attached (as pg_dump does): their
    // columns keep their own order and properties. Inheritance children declare only local columns.
    const declared = inherits ? r.columns.filter((c) => c.isLocal) : r.columns;
    let sql = `CREATE ${r.persistence === 'u' ? 'UNLOGGED ' : ''}TABLE ${name} (${declared
      .map((c) => columnDef(c, seqFor(c), r.isPartition))
      .join(', ')})`;
    if (inherits) sql += ` INHERITS (${r.parents.map((p) => qn(p.schema, p.name)).join(', ')})`;
    if (r.partitionKey) sql += ` PARTITION BY ${r.partitionKey}`;
    sql += withOptions;
    out.push(sql);
    if (inherits) {
      for (const c of r.columns.filter((c) => !c.isLocal)) {
        if (c.default != null)
          out.push(`ALTER TABLE ONLY ${name} ALTER COLUMN ${qi(c.name)} SET DEFAULT ${c.default}`);
        if (c.notNull) out.push(`ALTER TABLE ONLY ${name} ALTER COLUMN ${qi(c.name)} SET NOT NULL`);
      }
    }
    if (r.isPartition && r.parents[0]) {
      const parent = r.parents[0];
      out.push(
        `ALTER TABLE ONLY ${qn(parent.schema, parent.name)} ATTACH PARTITION ${name} ${r.partitionBound}`,
      );
    }
    if (r.replicaIdentity === 'f') out.push(`ALTER TABLE ONLY ${name} REPLICA IDENTITY FULL`);
    if (r.replicaIdentity === 'n') out.push(`ALTER TABLE ONLY ${name} REPLICA IDENTITY NOTHING`);
  }
  const alterCol = r.kind === 'm' ? 'MATERIALIZED VIEW' : r.kind === 'v' ? 'VIEW' : 'TABLE ONLY';
  for (const c of r.columns) {
    if (r.kind === 'v') break;
    const col = `ALTER ${alterCol} ${name} ALTER COLUMN ${qi(c.name)}`;
    if (c.statistics != null) out.push(`${col} SET STATISTICS ${c.statistics}`);
    if (c.storage && STORAGE[c.storage]) out.push(`${col} SET STORAGE ${STORAGE[c.storage]}`);
    if (c.compression && COMPRESSION[c.compression] && r.kind !== 'm')
      out.push(`${col} SET COMPRESSION ${COMPRESSION[c.compression]}`);
  }
  out.push(`ALTER ${word} ${name} OWNER TO ${qi(o.ownerRole)}`);
  out.push(...grantStatements('TABLE', name, r.acl, r.owner, o.roleMap));
  for (const c of r.columns) {
    if (c.acl) out.push(...grantStatements('TABLE', name, c.acl, r.owner, o.roleMap, qi(c.name)));
  }
  out.push(...commentOn(`${word} ${name}`, r.comment));
  for (const c of r.columns) out.push(...commentOn(`COLUMN ${name}.${qi(c.name)}`, c.comment));
  // Identity sequences come with their table: only their grants and comments are separate.
  for (const c of r.columns) {
    const s = c.identity ? seqFor(c) : undefined;
    if (!s || r.isPartition) continue;
    const seq = qn(s.schema, s.name);
    out.push(...grantStatements('SEQUENCE', seq, s.acl, s.owner, o.roleMap));
    out.push(...commentOn(`SEQUENCE ${seq}`, s.comment));
  }
  return out;
}

function policyStatements(p: PolicyInfo, o: GenerateOptions): string[] {
  const roles = [
    ...new Set(p.roles.map((r) => mapRole(r, o.roleMap)).filter((r): r is string => r !== null)),
  ];
  // Every role the policy applied to is absent from the tenant's database: the policy could
  // never apply there, so it is left out rather than widened to PUBLIC.
  if (roles.length === 0) return [];
  const table = qn(p.schema, p.table);
  let sql = `CREATE POLICY ${qi(p.name)} ON ${table} AS ${p.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${
    POLICY_CMD[p.command] ?? 'ALL'
  } TO ${roles.map(roleSql).join(', ')}`;
  if (p.using != null) sql += ` USING (${p.using})`;
  if (p.withCheck != null) sql += ` WITH CHECK (${p.withCheck})`;
  return [sql, ...commentOn(`POLICY ${qi(p.name)} ON ${table}`, p.comment)];
}

/** Pure: turns a catalog snapshot into the two DDL phases. */
export function generateScript(cat: Catalog, o: GenerateOptions): GeneratedScript {
  const before: string[] = [];
  const unsupported = [...cat.unsupported];

  // Schemas, then extensions (which may live in them), in dependency order.
  for (const s of cat.schemas) {
    const name = qi(s.name);
    before.push(`CREATE SCHEMA IF NOT EXISTS ${name}`);
    before.push(`ALTER SCHEMA ${name} OWNER TO ${qi(o.ownerRole)}`);
    before.push(...grantStatements('SCHEMA', name, s.acl, s.owner, o.roleMap));
    before.push(`COMMENT ON SCHEMA ${name} IS ${s.comment == null ? 'NULL' : lit(s.comment)}`);
  }
  const extOrder = topoOrder(
    cat.extensions.map((e) => ({ key: e.name, rank: 0, name: e.name, ext: e })),
    cat.extensions.flatMap((e) => e.requires.map((r): [string, string] => [e.name, r])),
  ).ordered;
  for (const { ext } of extOrder) {
    before.push(
      `CREATE EXTENSION IF NOT EXISTS ${qi(ext.name)}${ext.schema ? ` WITH SCHEMA ${qi(ext.schema)}` : ''}`,
    );
  }

  // Everything created before the data, as one dependency graph.
  const identitySeqs = new Map<string, SequenceInfo>();
  for (const s of cat.sequences) {
    if (s.ownedKind === 'i' && s.ownedBy) {
      identitySeqs.set(`${s.ownedBy.schema}\u0000${s.ownedBy.table}\u0000${s.ownedBy.column}`, s);
    }
  }
  const nodes: Node[] = [];
  for (const t of cat.types) {
    nodes.push({ key: t.key, rank: 1, name: `${t.schema}.${t.name}`, statements: typeStatements(t, o) });
  }
  for (const s of cat.sequences) {
    if (s.ownedKind === 'i') continue;
    nodes.push({ key: s.key, rank: 2, name: `${s.schema}.${s.name}`, statements: sequenceStatements(s, o) });
  }
  for (const f of cat.functions) {
    nodes.push({ key: f.key, rank: 3, name: f.signature, statements: functionStatements(f, o) });
  }
  // Aggregates, operators and casts over those functions and types; views, defaults and index
  // expressions that use them come after them (pg_depend edges), or after the data.
  for (const a of cat.aggregates) {
    nodes.push({ key: a.key, rank: 3, name: a.signature, statements: aggregateStatements(a, o) });
  }
  for (const op of cat.operators) {
    nodes.push({ key: op.key, rank: 3, name: op.signature, statements: operatorStatements(op, o) });
  }
  for (const c of cat.collations) {
    nodes.push({ key: c.key, rank: 0, name: `${c.schema}.${c.name}`, statements: collationStatements(c, o) });
  }
  for (const d of cat.tsDictionaries) {
    nodes.push({
      key: d.key,
      rank: 0,
      name: `${d.schema}.${d.name}`,
      statements: tsDictionaryStatements(d, o),
    });
  }
  for (const c of cat.tsConfigs) {
    nodes.push({ key: c.key, rank: 0, name: `${c.schema}.${c.name}`, statements: tsConfigStatements(c, o) });
  }
  for (const c of cat.casts) {
    nodes.push({ key: c.key, rank: 3, name: `${c.source} AS ${c.target}`, statements: castStatements(c) });
  }
  const rankOf = { r: 4, p: 4, f: 4, v: 5, m: 6 } as const;
  for (const r of cat.relations) {
    nodes.push({
      key: r.key,
      rank: rankOf[r.kind],
      name: `${r.schema}.${r.name}`,
      statements: relationStatements(r, identitySeqs, o),
    });
  }
  const relKeyByName = new Map(cat.relations.map((r) => [`${r.schema}\u0000${r.name}`, r.key]));
  // A sequence's own edges are its OWNED BY link to a table, set after the data: ignore them.
  const sequenceKeys = new Set(cat.sequences.map((s) => s.key));
  const edges: [string, string][] = cat.edges.filter(([from]) => !sequenceKeys.has(from));
  for (const p of cat.policies) {
    nodes.push({
      key: p.key,
      rank: 7,
      name: `${p.schema}.${p.table}.${p.name}`,
      statements: policyStatements(p, o),
    });
    const t = relKeyByName.get(`${p.schema}\u0000${p.table}`);
    if (t) edges.push([p.key, t]);
  }
  for (const r of cat.relations) {
    for (const parent of r.parents) {
      const pk = relKeyByName.get(`${parent.schema}\u0000${parent.name}`);
      if (pk) edges.push([r.key, pk]);
    }
  }

  // Objects that need a table constraint (a view grouping by a primary key relies on it for
  // functional dependency) wait until after the constraints, with everything that needs them.
  const deferred = dependentsClosure(
    edges.filter(([, to]) => to.startsWith('k')).map(([from]) => from),
    edges,
  );
  const { ordered, cycles } = topoOrder(nodes, edges);
  for (const c of cycles) unsupported.push(`dependency cycle broken at ${c} (creation order may fail)`);
  for (const n of ordered) if (!deferred.has(n.key)) before.push(...n.statements);

  // --- After the data -------------------------------------------------------------------------
  const relByName = new Map(cat.relations.map((r) => [`${r.schema}\u0000${r.name}`, r]));
  const depthCache = new Map<string, number>();
  const depthOf = (schema: string, name: string): number => {
    const id = `${schema}\u0000${name}`;
    const cached = depthCache.get(id);
    if (cached !== undefined) return cached;
    depthCache.set(id, 0);
    const r = relByName.get(id);
    const d = r && r.parents.length ? 1 + Math.max(...r.parents.map((p) => depthOf(p.schema, p.name))) : 0;
    depthCache.set(id, d);
    return d;
  };
  const byDepth = <T extends { schema: string; table: string }>(list: T[]) =>
    [...list].sort((a, b) => depthOf(a.schema, a.table) - depthOf(b.schema, b.table));

  // The statements go into stages (AfterDataStage): units of a parallel stage are keyed by the
  // table whose data they read, and hold only statements that lock that table alone (or, for a
  // foreign key, read-lock the table it references), so units of one stage never wait for each
  // other in a cycle. Whatever recurses over an inheritance tree or locks two tables strongly
  // stays in a serial stage, in the order the single-session script always had.
  const stages: {
    label: string;
    units: Map<string, { table?: { schema: string; name: string }; sql: string[] }>;
  }[] = [];
  const stage = (label: string) => {
    const units = new Map<string, { table?: { schema: string; name: string }; sql: string[] }>();
    stages.push({ label, units });
    /** Appends to the unit of `table`, or to the stage's one serial unit. */
    return (table: { schema: string; name: string } | undefined, ...sql: string[]) => {
      const key = table ? `${table.schema}\u0000${table.name}` : '';
      const unit = units.get(key) ?? { table, sql: [] };
      units.set(key, unit);
      unit.sql.push(...sql);
    };
  };
  const isPartitioned = (schema: string, name: string) =>
    relByName.get(`${schema}\u0000${name}`)?.kind === 'p';
  // Tables in an inheritance tree (partitions included): ALTER TABLE without ONLY recurses there.
  const inTree = new Set<string>();
  for (const r of cat.relations)
    for (const p of r.parents) {
      inTree.add(`${r.schema}\u0000${r.name}`);
      inTree.add(`${p.schema}\u0000${p.name}`);
    }

  // 1. Keys and exclusion constraints, then other indexes, then partition indexes attached. A
  // partitioned table's own keys and indexes (ON ONLY: no data, nothing built) come first, on one
  // session; then every table's keys and indexes, a unit per table — the builds that read the
  // data, at once (CREATE INDEX and ADD PRIMARY KEY lock only their own table).
  const keys = byDepth(cat.constraints.filter((c) => c.type === 'p' || c.type === 'u' || c.type === 'x'));
  const indexes = [...cat.indexes].sort((a, b) => a.depth - b.depth);
  const partitionedKeys = stage('keys and indexes of partitioned tables');
  const tableKeys = stage('keys and indexes');
  for (const c of keys) {
    const table = qn(c.schema, c.table);
    const add = isPartitioned(c.schema, c.table) ? partitionedKeys : tableKeys;
    add(
      isPartitioned(c.schema, c.table) ? undefined : { schema: c.schema, name: c.table },
      `ALTER TABLE ONLY ${table} ADD CONSTRAINT ${qi(c.name)} ${c.def}`,
      ...commentOn(`CONSTRAINT ${qi(c.name)} ON ${table}`, c.comment),
    );
  }
  for (const i of indexes) {
    if (i.constraintBacked) continue;
    const partitioned = isPartitioned(i.table.schema, i.table.name);
    (partitioned ? partitionedKeys : tableKeys)(
      partitioned ? undefined : i.table,
      i.def,
      ...commentOn(`INDEX ${qn(i.schema, i.name)}`, i.comment),
    );
  }
  const attach = stage('partition indexes attached');
  for (const i of [...cat.indexes].sort((a, b) => b.depth - a.depth)) {
    if (i.parent)
      attach(
        undefined,
        `ALTER INDEX ${qn(i.parent.schema, i.parent.name)} ATTACH PARTITION ${qn(i.schema, i.name)}`,
      );
  }
  for (const i of cat.indexes) {
    const table = qn(i.table.schema, i.table.name);
    if (i.clustered) attach(undefined, `ALTER TABLE ${table} CLUSTER ON ${qi(i.name)}`);
    if (i.replicaIdentity)
      attach(undefined, `ALTER TABLE ONLY ${table} REPLICA IDENTITY USING INDEX ${qi(i.name)}`);
  }

  // 2. Checks: added on the topmost table and inherited downwards, as in the source. A unit per
  // table outside any inheritance tree; those in one share a unit (the ALTER recurses).
  const checkNames = new Set(
    cat.constraints.filter((c) => c.type === 'c').map((c) => `${c.schema}\u0000${c.table}\u0000${c.name}`),
  );
  const checks = stage('checks');
  for (const c of byDepth(cat.constraints.filter((c) => c.type === 'c' && c.isLocal))) {
    const r = relByName.get(`${c.schema}\u0000${c.table}`);
    if (r?.parents.some((p) => checkNames.has(`${p.schema}\u0000${p.name}\u0000${c.name}`))) continue;
    const table = qn(c.schema, c.table);
    checks(
      inTree.has(`${c.schema}\u0000${c.table}`) ? undefined : { schema: c.schema, name: c.table },
      `ALTER TABLE ${table} ADD CONSTRAINT ${qi(c.name)} ${c.def}`,
      ...commentOn(`CONSTRAINT ${qi(c.name)} ON ${table}`, c.comment),
    );
  }

  // 3. Foreign keys: NOT VALID (no data read) on one session, then VALIDATE, a unit per
  // referencing table: VALIDATE takes SHARE UPDATE EXCLUSIVE on its table and ROW SHARE on the
  // referenced one, which only EXCLUSIVE locks conflict with. Partitioned tables cannot take NOT
  // VALID keys, and a key that references a partitioned table would stay NOT VALID on the
  // referenced partitions after VALIDATE (PostgreSQL 15 validates only the parent constraint):
  // those are added validated, in one unit of their own, as they lock both tables in SHARE ROW
  // EXCLUSIVE (two such at once could wait for each other).
  const addKeys = stage('foreign keys added');
  const validate = stage('foreign keys validated');
  const partitionedFks = { schema: '', name: '' };
  for (const c of cat.constraints.filter((c) => c.type === 'f' && !c.hasParent)) {
    const table = qn(c.schema, c.table);
    const comment = commentOn(`CONSTRAINT ${qi(c.name)} ON ${table}`, c.comment);
    if (c.tableKind === 'p' || (c.validated && c.referencedKind === 'p')) {
      const only = c.tableKind === 'p' ? '' : 'ONLY ';
      validate(
        partitionedFks,
        `ALTER TABLE ${only}${table} ADD CONSTRAINT ${qi(c.name)} ${c.def}`,
        ...comment,
      );
    } else if (c.validated) {
      addKeys(undefined, `ALTER TABLE ONLY ${table} ADD CONSTRAINT ${qi(c.name)} ${c.def} NOT VALID`);
      validate(
        { schema: c.schema, name: c.table },
        `ALTER TABLE ONLY ${table} VALIDATE CONSTRAINT ${qi(c.name)}`,
        ...comment,
      );
    } else {
      addKeys(undefined, `ALTER TABLE ONLY ${table} ADD CONSTRAINT ${qi(c.name)} ${c.def}`, ...comment);
    }
  }
  const rest = stage('views that need a key, triggers, rules, statistics, row security');

  // 4. Objects that waited for constraints.
  for (const n of ordered) if (deferred.has(n.key)) rest(undefined, ...n.statements);

  // 5. Triggers and rules, now that the data is in (COPY would have fired them).
  for (const t of cat.triggers) {
    const table = qn(t.schema, t.table);
    rest(undefined, t.def);
    if (ENABLE_TRIGGER[t.enabled])
      rest(undefined, `ALTER TABLE ${table} ${ENABLE_TRIGGER[t.enabled]} TRIGGER ${qi(t.name)}`);
    rest(undefined, ...commentOn(`TRIGGER ${qi(t.name)} ON ${table}`, t.comment));
  }
  for (const r of cat.rules) {
    const table = qn(r.schema, r.table);
    rest(undefined, stripSemicolon(r.def));
    if (ENABLE_TRIGGER[r.enabled])
      rest(undefined, `ALTER TABLE ${table} ${ENABLE_TRIGGER[r.enabled]} RULE ${qi(r.name)}`);
    rest(undefined, ...commentOn(`RULE ${qi(r.name)} ON ${table}`, r.comment));
  }

  // 6. Extended statistics, sequence ownership, materialized view contents.
  for (const s of cat.statistics) {
    const name = qn(s.schema, s.name);
    rest(
      undefined,
      s.def,
      `ALTER STATISTICS ${name} OWNER TO ${qi(o.ownerRole)}`,
      ...commentOn(`STATISTICS ${name}`, s.comment),
    );
  }
  for (const s of cat.sequences) {
    if (s.ownedKind !== 'a' || !s.ownedBy) continue;
    rest(
      undefined,
      `ALTER SEQUENCE ${qn(s.schema, s.name)} OWNED BY ${qn(s.ownedBy.schema, s.ownedBy.table)}.${qi(s.ownedBy.column)}`,
    );
  }
  const matviews = new Map(cat.relations.filter((r) => r.kind === 'm' && r.populated).map((r) => [r.key, r]));
  for (const n of ordered) {
    const m = matviews.get(n.key);
    if (m) rest(undefined, `REFRESH MATERIALIZED VIEW ${qn(m.schema, m.name)}`);
  }

  // 7. Row-level security last: COPY FROM refuses a table whose RLS applies to the copying role
  // (any role but a superuser or BYPASSRLS), so the flags are set once the data is in. The
  // policies themselves were created before the data.
  for (const r of cat.relations) {
    const name = qn(r.schema, r.name);
    if (r.rowSecurity) rest(undefined, `ALTER TABLE ONLY ${name} ENABLE ROW LEVEL SECURITY`);
    if (r.forceRowSecurity) rest(undefined, `ALTER TABLE ONLY ${name} FORCE ROW LEVEL SECURITY`);
  }

  // Flattened: afterData lists every statement, stage after stage and unit after unit.
  const afterData: string[] = [];
  const afterDataStages: AfterDataStage[] = [];
  for (const { label, units } of stages) {
    const placed = [...units.values()]
      .filter((u) => u.sql.length > 0)
      .map((u) => ({
        ...(u.table?.name ? { table: u.table } : {}),
        statements: u.sql.map((sql) => afterData.push(sql) - 1),
      }));
    if (placed.length) afterDataStages.push({ label, units: placed });
  }
  return { beforeData: before, afterData, afterDataStages, unsupported, blockers: cat.blockers };
}
