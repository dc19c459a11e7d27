import pg from 'pg';
import type { TableKind } from '../pipeline/record';
import type { ColumnInfo, ForeignKeyInfo, TableGraph, TableInfo } from './catalog';
import { TENANT_ID_SETTING, type PlanForeignKey, type TablePlan, type TenantPlan } from './plan-types';
import { InputError } from '../errors';
import { parseTableName, resolveTenantKeyColumn } from './tenant-key';

export { parseTableName } from './tenant-key';

/**
 * Planning (pure): which tables hold the tenant's rows and how to select them, from the table
 * graph alone. Nothing here is specific to one schema: the tenants table, the tenant key and
 * everything else come from the options and the catalog.
 */
export interface PlanOptions {
  /** `name` or `schema.name` (double quotes for names that need them); the schema defaults to `public`. */
  tenantsTable: string;
  /** The column that marks tenant-scoped tables, e.g. `tenant_id`. */
  tenantKey: string;
  /**
   * Explicit column of the tenants table whose value tenant rows carry (the tenant-id-column
   * option); without it the tenant-key foreign keys decide (see resolveTenantKeyColumn).
   */
  tenantIdColumn?: string | undefined;
  /** The value the tenant's rows carry in the tenant key (see resolveTenantKey), as text. */
  tenantId: string;
  /** SQL type of that value as the caller read it, if known (casts use the catalog's types). */
  tenantIdType?: string;
  /**
   * Unrelated tables (no path to or from the tenant) are copied whole, or left out. With `skip`
   * the tables the tenants row alone references (lookups like plans) are copied by reference.
   */
  referenceTables: 'copy' | 'skip';
  /**
   * Tables without the tenant key that the tenant's rows reference: only the rows they reference
   * (`referenced`, the default), or whole (`whole`, the behaviour before issue 14).
   */
  sharedRows?: 'referenced' | 'whole' | undefined;
  /** Per-table decisions, `schema.table` → copy (whole) | referenced | skip. */
  tableOverrides?: Record<string, 'copy' | 'referenced' | 'skip'> | undefined;
  /**
   * Copy the global rows (NULL tenant key) the tenant's rows reference with the tenant tables'
   * rows (`ownWhere` then selects the tenant's own). Off for plans that delete by `where` without
   * knowing `ownWhere` (the rollback's).
   */
  globalRows?: boolean | undefined;
}

const q = pg.escapeIdentifier;
const SETTING = `current_setting(${pg.escapeLiteral(TENANT_ID_SETTING)})`;
/** Above this many EXISTS joins in one table's predicate, fall back to shorter foreign-key paths. */
const MAX_PREDICATE_JOINS = 64;
const OVER_BUDGET = Symbol('over budget');
/** Above this many EXISTS joins in a referenced table's predicate, the table must be decided by an override. */
const MAX_SHARED_JOINS = 256;

type Key = string;
const keyOf = (schema: string, name: string): Key => `${schema}\u0000${name}`;
const tableKey = (t: { schema: string; name: string }): Key => keyOf(t.schema, t.name);
const qualified = (t: { schema: string; name: string }) => `${q(t.schema)}.${q(t.name)}`;
const display = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;
const compareTables = (a: TableInfo, b: TableInfo) =>
  a.schema < b.schema ? -1 : a.schema > b.schema ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/** Smallest set of columns an index must lead with to serve lookups by `columns`. */
function isIndexed(table: TableInfo, columns: string[]): boolean {
  const want = new Set(columns);
  return table.indexes.some((ix) => {
    if (ix.partial || ix.columns.length < columns.length) return false;
    const lead = ix.columns.slice(0, columns.length);
    return lead.every((c) => c !== null && want.has(c));
  });
}

/** The columns that identify a row: the primary key, else the shortest unique key over NOT NULL columns; empty when none. */
function rowKey(t: TableInfo): string[] {
  return (
    t.primaryKey ??
    [...t.uniqueKeys].sort((a, b) => a.length - b.length || a.join().localeCompare(b.join()))[0] ??
    []
  );
}

function columnBinarySafe(c: ColumnInfo): boolean {
  if (!c.binaryIo) return false;
  // Binary COPY embeds the OIDs of composite fields and array elements; user-defined OIDs differ per database.
  if (c.typtype === 'c') return false;
  if (c.isArray && (c.elementUserDefined || c.elementTyptype === 'c')) return false;
  return true;
}

function suggestIndex(table: TableInfo, columns: string[]): string {
  // CONCURRENTLY does not work on partitioned tables.
  const concurrently = table.relkind === 'p' ? '' : 'CONCURRENTLY ';
  return `CREATE INDEX ${concurrently}ON ${qualified(table)} (${columns.map(q).join(', ')});`;
}

export function planTenant(graph: TableGraph, opts: PlanOptions): TenantPlan {
  const notes: string[] = [];
  const blockers: string[] = [];
  const byKey = new Map<Key, TableInfo>(graph.tables.map((t) => [tableKey(t), t]));
  const sharedRows = opts.sharedRows ?? 'referenced';

  // Partitions are copied through their partitioned root.
  const topOf = (t: TableInfo): TableInfo => {
    let cur = t;
    const seen = new Set<Key>();
    while (cur.partitionOf && !seen.has(tableKey(cur))) {
      seen.add(tableKey(cur));
      const parent = byKey.get(tableKey(cur.partitionOf));
      if (!parent) break;
      cur = parent;
    }
    return cur;
  };
  const tops = graph.tables.filter((t) => topOf(t) === t).sort(compareTables);

  // Foreign keys declared on partitions: one declared identically on every partition (same
  // columns → same referenced table and columns) is the parent's for planning (pagila's payment).
  const childrenOf = new Map<Key, TableInfo[]>();
  for (const t of graph.tables) {
    if (!t.partitionOf) continue;
    const k = tableKey(t.partitionOf);
    childrenOf.set(k, [...(childrenOf.get(k) ?? []), t]);
  }
  const signature = (fk: ForeignKeyInfo): string | null => {
    const ref = byKey.get(keyOf(fk.refSchema, fk.refName));
    return ref
      ? `${fk.columns.join('\u0001')}\u0002${tableKey(topOf(ref))}\u0002${fk.refColumns.join('\u0001')}`
      : null;
  };
  const onEveryPartition = (t: TableInfo): Map<string, ForeignKeyInfo> => {
    const kids = childrenOf.get(tableKey(t)) ?? [];
    const each: Map<string, ForeignKeyInfo>[] = [];
    for (const kid of kids) {
      const mine = new Map<string, ForeignKeyInfo>();
      for (const fk of kid.foreignKeys) {
        const sig = signature(fk);
        if (sig && !mine.has(sig)) mine.set(sig, fk);
      }
      if (kid.relkind === 'p')
        for (const [sig, fk] of onEveryPartition(kid)) if (!mine.has(sig)) mine.set(sig, fk);
      each.push(mine);
    }
    const [first, ...rest] = each;
    if (!first) return new Map();
    return new Map([...first].filter(([sig]) => rest.every((m) => m.has(sig))));
  };
  const partitionKeys = new Map<Key, ForeignKeyInfo[]>();
  for (const t of tops) {
    if (t.relkind !== 'p') continue;
    const declared = new Set(t.foreignKeys.map(signature));
    const lifted = [...onEveryPartition(t)].filter(([sig]) => !declared.has(sig)).map(([, fk]) => fk);
    if (lifted.length > 0) {
      partitionKeys.set(tableKey(t), lifted);
      notes.push(
        `Foreign keys declared on every partition of ${display(t)} and not on the table itself (${lifted.map((f) => `${f.name}: ${f.columns.join(', ')} → ${f.refSchema}.${f.refName}`).join('; ')}) are planned as ${display(t)}'s; the clone recreates them on the partitions, as they are.`,
      );
    }
  }
  for (const t of graph.tables) {
    if (topOf(t) === t || t.foreignKeys.length === 0) continue;
    const lifted = new Set((partitionKeys.get(tableKey(topOf(t))) ?? []).map(signature));
    const declared = new Set(topOf(t).foreignKeys.map(signature));
    const alone = t.foreignKeys.filter((f) => {
      const sig = signature(f);
      return !lifted.has(sig) && !declared.has(sig);
    });
    if (alone.length > 0) {
      notes.push(
        `Foreign keys declared on partition ${display(t)} alone (${alone.map((f) => f.name).join(', ')}) are not used to find the tenant's rows (not every partition of ${display(topOf(t))} declares them); declare them on ${display(topOf(t))} or on every partition.`,
      );
    }
  }

  // The tenants row is selected by the column the tenant key holds (one rule: resolveTenantKeyColumn).
  const resolved = resolveTenantKeyColumn(graph, opts);
  const root = tops.find(
    (t) => t.schema === resolved.tenantsTable.schema && t.name === resolved.tenantsTable.name,
  )!;
  const rootKeyName = resolved.column;
  const rootKeyColumn = root.columns.find((c) => c.name === rootKeyName)!;
  if (
    opts.tenantIdType !== undefined &&
    normaliseType(rootKeyColumn.type) !== normaliseType(opts.tenantIdType)
  ) {
    notes.push(
      `The tenant id type given (${opts.tenantIdType}) differs from ${display(root)}.${rootKeyName} (${rootKeyColumn.type}); the catalog's type is used.`,
    );
  }

  // Foreign keys resolved to planned (top-level) tables; keys to tables outside the graph are ignored.
  const edges = new Map<Key, { fk: ForeignKeyInfo; target: TableInfo }[]>();
  for (const t of tops) {
    const list: { fk: ForeignKeyInfo; target: TableInfo }[] = [];
    for (const fk of [...t.foreignKeys, ...(partitionKeys.get(tableKey(t)) ?? [])]) {
      const ref = byKey.get(keyOf(fk.refSchema, fk.refName));
      if (ref) list.push({ fk, target: topOf(ref) });
    }
    edges.set(tableKey(t), list);
  }
  const edgesOf = (t: TableInfo) => edges.get(tableKey(t)) ?? [];
  /** Foreign keys into `t` (from any top-level table). */
  const incoming = new Map<Key, { fk: ForeignKeyInfo; target: TableInfo; child: TableInfo }[]>();
  for (const c of tops) {
    for (const e of edgesOf(c)) {
      const k = tableKey(e.target);
      incoming.set(k, [...(incoming.get(k) ?? []), { ...e, child: c }]);
    }
  }
  const incomingOf = (t: TableInfo) => incoming.get(tableKey(t)) ?? [];

  // Classification of the tenant's own tables.
  const kinds = new Map<Key, TableKind>();
  kinds.set(tableKey(root), 'root');
  for (const t of tops) {
    if (t !== root && t.columns.some((c) => c.name === opts.tenantKey)) kinds.set(tableKey(t), 'tenant');
  }
  // Dependent: reaches an owned table through a foreign key (self-references do not give ownership).
  const distance = new Map<Key, number>();
  for (const [k] of kinds) distance.set(k, 0);
  for (let changed = true; changed;) {
    changed = false;
    for (const t of tops) {
      const k = tableKey(t);
      let best = Infinity;
      for (const { target } of edgesOf(t)) {
        if (target === t) continue;
        const d = distance.get(tableKey(target));
        if (d !== undefined && d + 1 < best) best = d + 1;
      }
      if (kinds.get(k) === 'root' || kinds.get(k) === 'tenant') continue;
      if (best !== Infinity && (distance.get(k) ?? Infinity) > best) {
        distance.set(k, best);
        kinds.set(k, 'dependent');
        changed = true;
      }
    }
  }
  const owned = (t: TableInfo) => kinds.has(tableKey(t));

  // Per-table overrides, validated against the catalog.
  const overrides = resolveOverrides(opts.tableOverrides ?? {}, graph, topOf, (t) => kinds.get(tableKey(t)));

  // Tables without the tenant key. Referenced: rows that copied rows reference along foreign keys
  // (users behind memberships), and rows that reference only such rows (a user's tokens), found
  // as a closure. The tables the tenants row alone references (plans) are lookup tables: copied
  // whole with `reference-tables: copy`, else only the rows the tenant row references.
  const polymorphic = new Map<Key, string[]>();
  for (const t of tops) {
    if (owned(t)) continue;
    const pairs = polymorphicPairs(t);
    if (pairs.length > 0) polymorphic.set(tableKey(t), pairs);
  }
  const selected = new Set<Key>();
  const reason = new Map<Key, string[]>();
  const isSource = (c: TableInfo, target: TableInfo) =>
    (owned(c) &&
      (c !== root || opts.referenceTables === 'skip' || overrides.get(tableKey(target)) === 'referenced')) ||
    selected.has(tableKey(c)) ||
    overrides.get(tableKey(c)) === 'copy';
  for (let changed = true; changed;) {
    changed = false;
    for (const t of tops) {
      const k = tableKey(t);
      const o = overrides.get(k);
      if (owned(t) || selected.has(k) || o === 'skip' || o === 'copy') continue;
      const why: string[] = [];
      for (const { child } of incomingOf(t)) {
        if (child !== t && isSource(child, t)) why.push(`referenced by ${display(child)}`);
      }
      if (!polymorphic.has(k) || o === 'referenced') {
        for (const { target } of edgesOf(t)) {
          if (target !== t && selected.has(tableKey(target)))
            why.push(`references copied ${display(target)} rows`);
        }
      }
      if (why.length > 0) {
        selected.add(k);
        reason.set(k, [...new Set(why)]);
        changed = true;
      }
    }
  }
  const skipped: { table: TableInfo; reason: string }[] = [];
  for (const t of tops) {
    const k = tableKey(t);
    if (owned(t)) continue;
    const o = overrides.get(k);
    if (o === 'skip') skipped.push({ table: t, reason: 'table-overrides: skip' });
    else if (o === 'copy') kinds.set(k, 'reference');
    else if (selected.has(k))
      kinds.set(k, sharedRows === 'referenced' || o === 'referenced' ? 'referenced' : 'reference');
    else if (o === 'referenced') {
      throw new InputError(
        `table-overrides: ${display(t)}=referenced, but no copied row references ${display(t)} through a foreign key (and it references no copied row), so none of its rows can be attributed to the tenant.`,
        `Use ${display(t)}=copy to copy it whole, or ${display(t)}=skip to leave it out.`,
      );
    } else if (polymorphic.has(k)) {
      skipped.push({ table: t, reason: 'unattributable' });
      notes.push(
        `${display(t)} points at rows polymorphically (${polymorphic.get(k)!.join('; ')}) without foreign keys to the tenant's rows: which tenant its rows belong to cannot be told, so it is left out (not cloned). To copy it whole: table-overrides: ${display(t)}=copy.`,
      );
    } else if (opts.referenceTables === 'copy') kinds.set(k, 'reference');
    else skipped.push({ table: t, reason: 'reference-tables: skip' });
  }
  const kindOf = (t: TableInfo): TableKind | undefined => kinds.get(tableKey(t));
  const isOwned = (t: TableInfo) => {
    const kd = kindOf(t);
    return kd === 'root' || kd === 'tenant' || kd === 'dependent';
  };

  // Predicates. Nested joins use aliases t1, t2, … by depth, so the top level alias `t` stays free.
  const rootPredicate = (alias: string) => `${alias}.${q(rootKeyName)} = ${SETTING}::${rootKeyColumn.type}`;
  const tenantPredicate = (t: TableInfo, alias: string) => {
    const col = t.columns.find((c) => c.name === opts.tenantKey)!;
    return `${alias}.${q(col.name)} = ${SETTING}::${col.type}`;
  };
  type Mode = 'all' | 'shorter' | 'shortest';
  /**
   * How a dependent table reached along several foreign keys selects its rows (the same rows
   * either way). `row`: an OR of EXISTS on the parents, a test of each row — cheap for a few
   * given rows, but PostgreSQL cannot turn an OR of EXISTS into a join: it reads the whole table
   * (every tenant's rows) with hashed lookups of the parents. `set`: EXISTS a row with the same
   * key in a UNION ALL of one semi-join per foreign key (`SELECT s.key FROM table s WHERE EXISTS
   * (parent …)`), which the planner joins like any EXISTS: from the tenant's parent rows through
   * the foreign-key indexes for a small tenant, by hash joins for a large one. Negated (`IS NOT
   * TRUE`, the cross-tenant checks) it stays a correlated test, the key pushed into each way (an
   * index probe per row), or a hashed lookup when that fits in work_mem: never an IN over a
   * materialised set re-read for every row. Exact because the key is unique and NOT NULL (a row
   * is selected iff one of its ways reaches the tenant); tables without such a key, or with
   * inheritance children (whose rows the parent's key does not cover), keep the OR.
   */
  type Shape = 'row' | 'set';
  /** The foreign keys a dependent table's predicate selects its rows through, in `mode`. */
  const waysOf = (t: TableInfo, path: ReadonlySet<Key>, mode: Mode) => {
    const myDistance = distance.get(tableKey(t)) ?? Infinity;
    let candidates = edgesOf(t).filter(
      ({ target }) => target !== t && isOwned(target) && !path.has(tableKey(target)),
    );
    if (mode !== 'all') {
      candidates = candidates.filter(
        ({ target }) => (distance.get(tableKey(target)) ?? Infinity) < myDistance,
      );
      if (mode === 'shortest') {
        const dist = (x: TableInfo) => distance.get(tableKey(x)) ?? Infinity;
        candidates = [...candidates].sort((a, b) => dist(a.target) - dist(b.target)).slice(0, 1);
      }
    }
    return candidates;
  };
  const ownerPredicate = (
    t: TableInfo,
    alias: string,
    depth: number,
    path: Set<Key>,
    mode: Mode,
    budget: { joins: number },
    shape: Shape,
  ): string => {
    const kind = kindOf(t);
    if (kind === 'root') return rootPredicate(alias);
    if (kind === 'tenant') return tenantPredicate(t, alias);
    const candidates = waysOf(t, path, mode);
    const key = rowKey(t).map(q);
    const asSet = shape === 'set' && candidates.length > 1 && key.length > 0 && !t.hasInheritanceChildren;
    // In the set shape each way is a query of its own over the table, as `s<depth>`.
    const self = asSet ? `s${depth}` : alias;
    const parts: string[] = [];
    const nextPath = new Set(path).add(tableKey(t));
    for (const { fk, target } of candidates) {
      if (kindOf(target) === 'root' && fk.columns.length === 1 && fk.refColumns[0] === rootKeyName) {
        parts.push(`${self}.${q(fk.columns[0]!)} = ${SETTING}::${rootKeyColumn.type}`);
        continue;
      }
      if (++budget.joins > MAX_PREDICATE_JOINS) throw OVER_BUDGET;
      const a = `t${depth + 1}`;
      const join = fk.columns.map((c, i) => `${a}.${q(fk.refColumns[i]!)} = ${self}.${q(c)}`).join(' AND ');
      const inner = ownerPredicate(target, a, depth + 1, nextPath, mode, budget, shape);
      parts.push(`EXISTS (SELECT 1 FROM ${qualified(target)} ${a} WHERE ${join} AND ${inner})`);
    }
    if (parts.length === 0) return 'false';
    if (parts.length === 1) return parts[0]!;
    if (!asSet) return `(${parts.join(' OR ')})`;
    const ways = parts.map(
      (p) => `SELECT ${key.map((c) => `${self}.${c}`).join(', ')} FROM ${qualified(t)} ${self} WHERE ${p}`,
    );
    const u = `u${depth}`;
    return `EXISTS (SELECT 1 FROM (${ways.join(' UNION ALL ')}) ${u} WHERE ${key.map((c) => `${u}.${c} = ${alias}.${c}`).join(' AND ')})`;
  };
  // The mode each owned table's predicate fits in (see MAX_PREDICATE_JOINS).
  const modeOf = new Map<Key, Mode>();
  const ownPredicate = (t: TableInfo, alias: string, depth: number, shape: Shape = 'row'): string => {
    const known = modeOf.get(tableKey(t));
    if (known) return ownerPredicate(t, alias, depth, new Set(), known, { joins: -Infinity }, shape);
    for (const mode of ['all', 'shorter', 'shortest'] as Mode[]) {
      try {
        const where = ownerPredicate(
          t,
          alias,
          depth,
          new Set(),
          mode,
          {
            joins: mode === 'shortest' ? -Infinity : 0,
          },
          shape,
        );
        modeOf.set(tableKey(t), mode);
        return where;
      } catch (e) {
        if (e !== OVER_BUDGET) throw e;
        if (depth === 0)
          notes.push(
            `${display(t)} reaches the tenant through more than ${MAX_PREDICATE_JOINS} foreign-key paths; only its ${mode === 'all' ? 'shorter' : 'shortest'} paths are used to select its rows.`,
          );
      }
    }
    return 'false';
  };
  // Global rows: a tenant table's rows with a NULL tenant key that the tenant's rows reference.
  const globalBranch = (t: TableInfo, alias: string, depth: number): string | null => {
    if (!opts.globalRows || kindOf(t) !== 'tenant') return null;
    const col = t.columns.find((c) => c.name === opts.tenantKey)!;
    if (col.notNull) return null;
    const a = `t${depth + 1}`;
    const terms: string[] = [];
    for (const { fk, child } of incomingOf(t)) {
      if (!isOwned(child)) continue;
      const join = fk.columns.map((c, i) => `${a}.${q(c)} = ${alias}.${q(fk.refColumns[i]!)}`).join(' AND ');
      terms.push(
        `EXISTS (SELECT 1 FROM ${qualified(child)} ${a} WHERE ${join} AND ${ownPredicate(child, a, depth + 1)})`,
      );
    }
    if (terms.length === 0) return null;
    return `${alias}.${q(col.name)} IS NULL AND ${terms.length === 1 ? terms[0]! : `(${terms.join(' OR ')})`}`;
  };
  const withGlobal = (t: TableInfo, alias: string, depth: number): string => {
    const own = ownPredicate(t, alias, depth);
    const global = globalBranch(t, alias, depth);
    return global ? `(${own} OR (${global}))` : own;
  };
  let sharedJoins = 0;
  /** The self-closure of the referenced table whose top-level predicate was built last. */
  let topSelfClosure: { baseWhere: string; keys: ForeignKeyInfo[] } | undefined;
  /**
   * Rows of a table without the tenant key that copied rows reference, or that reference only
   * such rows; and, when the table references itself (users.invited_by → users), the rows those
   * rows reference through it, transitively: a copied row's inviter is copied too, or its key
   * fails in the new database.
   */
  const sharedPredicate = (t: TableInfo, alias: string, depth: number, path: Set<Key>): string => {
    const base = sharedTerms(t, alias, depth, path);
    const selfKeys = edgesOf(t)
      .filter(({ target }) => target === t)
      .map(({ fk }) => fk);
    if (selfKeys.length === 0 || base === 'false') return base;
    if (depth === 0) topSelfClosure = { baseWhere: base, keys: selfKeys };
    // The closure, from the rows the predicate selects (alias r<depth>), up the self-references.
    const r = `r${depth}`;
    const closure = `__closure_${depth}`;
    const columns = [...new Set(selfKeys.flatMap((fk) => [...fk.columns, ...fk.refColumns]))].map(q);
    const up = selfKeys
      .map((fk) => `(${fk.refColumns.map((c, i) => `${r}.${q(c)} = c.${q(fk.columns[i]!)}`).join(' AND ')})`)
      .join(' OR ');
    const cte = `WITH RECURSIVE ${closure} AS (
      SELECT ${columns.map((c) => `${r}.${c}`).join(', ')} FROM ${qualified(t)} ${r} WHERE ${sharedTerms(t, r, depth, path)}
      UNION
      SELECT ${columns.map((c) => `${r}.${c}`).join(', ')} FROM ${qualified(t)} ${r} JOIN ${closure} c ON ${up})`;
    const reached = selfKeys.map(
      (fk) =>
        `(${fk.refColumns.map((c) => `${alias}.${q(c)}`).join(', ')}) IN (${cte} SELECT ${fk.columns.map((c) => `c.${q(c)}`).join(', ')} FROM ${closure} c)`,
    );
    return `(${base} OR ${reached.join(' OR ')})`;
  };
  const sharedTerms = (t: TableInfo, alias: string, depth: number, path: Set<Key>): string => {
    const nextPath = new Set(path).add(tableKey(t));
    const a = `t${depth + 1}`;
    const terms: string[] = [];
    for (const { fk, child } of incomingOf(t)) {
      if (child === t || path.has(tableKey(child)) || !kindOf(child)) continue;
      if (skipped.some((s) => s.table === child)) continue;
      if (++sharedJoins > MAX_SHARED_JOINS) throw OVER_BUDGET;
      const inner = rowPredicate(child, a, depth + 1, nextPath);
      if (inner === 'false') continue;
      const join = fk.columns.map((c, i) => `${a}.${q(c)} = ${alias}.${q(fk.refColumns[i]!)}`).join(' AND ');
      terms.push(
        `EXISTS (SELECT 1 FROM ${qualified(child)} ${a} WHERE ${join}${inner === 'true' ? '' : ` AND ${inner}`})`,
      );
    }
    if (!polymorphic.has(tableKey(t)) || overrides.get(tableKey(t)) === 'referenced') {
      for (const { fk, target } of edgesOf(t)) {
        if (target === t || path.has(tableKey(target)) || kindOf(target) !== 'referenced') continue;
        if (++sharedJoins > MAX_SHARED_JOINS) throw OVER_BUDGET;
        const inner = rowPredicate(target, a, depth + 1, nextPath);
        if (inner === 'false') continue;
        const join = fk.columns
          .map((c, i) => `${a}.${q(fk.refColumns[i]!)} = ${alias}.${q(c)}`)
          .join(' AND ');
        terms.push(`EXISTS (SELECT 1 FROM ${qualified(target)} ${a} WHERE ${join} AND ${inner})`);
      }
    }
    if (terms.length === 0) return 'false';
    return terms.length === 1 ? terms[0]! : `(${terms.join(' OR ')})`;
  };
  const rowPredicate = (t: TableInfo, alias: string, depth: number, path: Set<Key>): string => {
    const kind = kindOf(t);
    if (kind === 'root' || kind === 'tenant' || kind === 'dependent') return withGlobal(t, alias, depth);
    if (kind === 'reference') return 'true';
    if (kind === 'referenced') return sharedPredicate(t, alias, depth, path);
    return 'false';
  };
  /** Rows of `t` that rows not copied also reference (other tenants' memberships of a copied user). */
  const alsoUsedPredicate = (t: TableInfo): string | undefined => {
    const terms: string[] = [];
    for (const { fk, child } of incomingOf(t)) {
      if (child === t) continue;
      // Rows copied whole are all copied ('true'); rows that exist only as followers of `t` (a
      // user's tokens: 'false' once `t` is cut) are not another tenant's use.
      const inner = rowPredicate(child, 't1', 1, new Set([tableKey(t)]));
      if (inner === 'true' || inner === 'false') continue;
      const join = fk.columns.map((c, i) => `t1.${q(c)} = t.${q(fk.refColumns[i]!)}`).join(' AND ');
      terms.push(`EXISTS (SELECT 1 FROM ${qualified(child)} t1 WHERE ${join} AND (${inner}) IS NOT TRUE)`);
    }
    return terms.length ? terms.join(' OR ') : undefined;
  };
  /**
   * The shortcuts below rest on the key's join meaning "the same row of `target`, and the same
   * value": not for inheritance children's rows (read with their parent's, which a table's
   * predicate restricts to its own rows), a key to a partition (unique there only, joined with the
   * whole partitioned table), or a nondeterministic collation on either side (`=` of different
   * values: the predicates' comparisons and the joins' would not agree). Review: each of the
   * last two hid a real cross-tenant row.
   */
  const plainJoin = (t: TableInfo, fk: ForeignKeyInfo, target: TableInfo) => {
    if (t.hasInheritanceChildren || target.hasInheritanceChildren || fk.toPartition === true) return false;
    const loose = (x: TableInfo, names: string[]) =>
      names.some((n) => x.columns.find((c) => c.name === n)?.nondeterministic === true);
    return !loose(t, fk.columns) && !loose(target, fk.refColumns);
  };
  /** See PlanForeignKey.sameTenant. */
  const carriesTenant = (t: TableInfo, fk: ForeignKeyInfo, target: TableInfo): boolean => {
    if (kindOf(t) !== 'tenant' || !plainJoin(t, fk, target)) return false;
    const at = fk.columns.indexOf(opts.tenantKey);
    if (at < 0) return false;
    const referenced =
      kindOf(target) === 'root' ? rootKeyName : kindOf(target) === 'tenant' ? opts.tenantKey : undefined;
    if (referenced === undefined || fk.refColumns[at] !== referenced) return false;
    const type = (x: TableInfo, column: string) => x.columns.find((c) => c.name === column)?.type;
    const own = type(t, opts.tenantKey);
    return own !== undefined && own === type(target, referenced);
  };
  /**
   * See PlanForeignKey.way: `ways` are the dependent table's ways at the top of its predicate;
   * only those to a tenant table or the root are marked.
   */
  const wayOf = (
    t: TableInfo,
    ways: readonly { fk: ForeignKeyInfo }[],
    fk: ForeignKeyInfo,
    target: TableInfo,
  ): PlanForeignKey['way'] => {
    if (!ways.some((w) => w.fk === fk) || !plainJoin(t, fk, target)) return undefined;
    if (kindOf(target) !== 'tenant' && kindOf(target) !== 'root') return undefined;
    return ways.length === 1 ? 'only' : 'one-of';
  };
  const inheritance = (t: TableInfo, where: string) =>
    t.hasInheritanceChildren
      ? `${where === 'true' ? '' : `(${where}) AND `}t.tableoid = ${pg.escapeLiteral(qualified(t))}::regclass`
      : where;

  const skippedKeys = new Set(skipped.map((s) => tableKey(s.table)));
  const included = tops.filter((t) => kindOf(t) !== undefined && !skippedKeys.has(tableKey(t)));
  const includedKeys = new Set(included.map(tableKey));

  const plans = new Map<Key, TablePlan>();
  for (const t of included) {
    const copied = t.columns.filter((c) => !c.generated);
    const key = rowKey(t);
    const kind = kindOf(t)!;
    let where: string;
    let ownWhere: string | undefined;
    let perRowWhere: string | undefined;
    let alsoUsed: string | undefined;
    let selfClosure: TablePlan['selfClosure'];
    if (kind === 'reference') where = 'true';
    else if (kind === 'referenced') {
      try {
        sharedJoins = 0;
        topSelfClosure = undefined;
        where = sharedPredicate(t, 't', 0, new Set());
        if (topSelfClosure) {
          const found: { baseWhere: string; keys: ForeignKeyInfo[] } = topSelfClosure;
          selfClosure = {
            baseWhere: inheritance(t, found.baseWhere),
            keys: found.keys.map((fk) => ({ columns: fk.columns.map(q), refColumns: fk.refColumns.map(q) })),
          };
        }
        alsoUsed = alsoUsedPredicate(t);
      } catch (e) {
        if (e !== OVER_BUDGET) throw e;
        where = 'false';
        blockers.push(
          `${display(t)} is reached through more than ${MAX_SHARED_JOINS} foreign-key paths from the tenant's rows: the rows the tenant uses cannot be selected in one predicate. Decide it with table-overrides: ${display(t)}=copy (whole) or =skip.`,
        );
      }
    } else if (kind === 'dependent') {
      // A dependent table has no global rows (those are a tenant table's); see Shape.
      where = ownPredicate(t, 't', 0, 'set');
      const perRow = ownPredicate(t, 't', 0, 'row');
      if (perRow !== where) perRowWhere = perRow;
    } else {
      ownWhere = ownPredicate(t, 't', 0);
      const global = globalBranch(t, 't', 0);
      where = global ? `(${ownWhere} OR (${global}))` : ownWhere;
      if (!global) ownWhere = undefined;
    }
    // After the predicate: a dependent table's ways are those its predicate was built with.
    const mode = modeOf.get(tableKey(t));
    const ways = kind === 'dependent' && mode ? waysOf(t, new Set(), mode) : [];
    const foreignKeys: PlanForeignKey[] = edgesOf(t)
      .filter(({ target }) => isOwned(target))
      .map(({ fk, target }) => {
        const way = wayOf(t, ways, fk, target);
        return {
          name: fk.name,
          columns: fk.columns.map(q),
          references: qualified(target),
          refColumns: fk.refColumns.map(q),
          onDelete: fk.onDelete,
          ...(carriesTenant(t, fk, target) ? { sameTenant: true as const } : {}),
          ...(way ? { way } : {}),
        };
      });
    plans.set(tableKey(t), {
      schema: t.schema,
      name: t.name,
      qualified: qualified(t),
      kind,
      columns: copied.map((c) => q(c.name)),
      keyColumns: key.map(q),
      where: inheritance(t, where),
      ...(ownWhere !== undefined ? { ownWhere: inheritance(t, ownWhere) } : {}),
      ...(perRowWhere !== undefined ? { perRowWhere: inheritance(t, perRowWhere) } : {}),
      ...(alsoUsed !== undefined ? { alsoUsedWhere: alsoUsed } : {}),
      ...(selfClosure !== undefined ? { selfClosure } : {}),
      binarySafe: copied.every(columnBinarySafe),
      partitioned: t.relkind === 'p',
      foreignKeys,
    });
  }

  const order = copyOrder(included, edgesOf, includedKeys, notes);
  const tables = order.map((t) => plans.get(tableKey(t))!);
  const deleteOrder = [...tables].reverse().filter((p) => p.kind === 'tenant' || p.kind === 'dependent');

  // Notes: slow paths, tables left out, tables without row identity.
  for (const t of order) {
    const kind = kindOf(t);
    if (kind !== 'tenant' && kind !== 'dependent') continue;
    if (kind === 'tenant' && !isIndexed(t, [opts.tenantKey])) {
      notes.push(
        `${display(t)} has no index leading with ${opts.tenantKey}: selecting and deleting the tenant's rows scans the whole table. Suggested: ${suggestIndex(t, [opts.tenantKey])}`,
      );
    }
    for (const { fk, target } of edgesOf(t)) {
      const tk = kindOf(target);
      if ((tk === 'tenant' || tk === 'dependent') && !isIndexed(t, fk.columns)) {
        notes.push(
          `Foreign key ${fk.name} on ${display(t)} (${fk.columns.join(', ')}) has no index: deleting ${display(target)} rows at cleanup and the cross-tenant checks scan ${display(t)} for each row. Suggested: ${suggestIndex(t, fk.columns)}`,
        );
      }
    }
  }
  const referencedTables = order.filter((t) => kindOf(t) === 'referenced');
  if (referencedTables.length > 0) {
    notes.push(
      `Referenced rows (shared-rows: referenced): only the rows the tenant's rows use are copied from ${referencedTables
        .map((t) => `${display(t)} (${reason.get(tableKey(t))?.join(', ') ?? 'table-overrides'})`)
        .join(
          '; ',
        )}. In the tenant's database they are a copy as of the switch; cleanup keeps them in the shared database (cleanup-referenced-rows: remove-unused removes those no remaining row references).`,
    );
  }
  const wholeShared = order.filter((t) => selected.has(tableKey(t)) && kindOf(t) === 'reference');
  if (wholeShared.length > 0) {
    notes.push(
      `Copied whole although only some of their rows are the tenant's (shared-rows: whole): ${wholeShared.map(display).join(', ')}; every tenant's rows of these tables leave the shared database.`,
    );
  }
  const globalTables = order.filter((t) => plans.get(tableKey(t))?.ownWhere !== undefined);
  if (globalTables.length > 0) {
    notes.push(
      `Global rows: rows of ${globalTables.map(display).join(', ')} with a NULL ${opts.tenantKey} that the tenant's rows reference are copied too; cleanup never deletes them.`,
    );
  }
  const sensitive: string[] = [];
  for (const t of order) {
    if (isOwned(t)) continue;
    for (const c of t.columns) if (looksSensitive(c.name)) sensitive.push(`${display(t)}.${c.name}`);
  }
  if (sensitive.length > 0) {
    notes.push(
      `Warning: tables without the tenant key that are copied whole or in part have columns that look like credentials or personal data: ${sensitive.join(', ')}. Review what they hold before promoting (table-overrides: <table>=skip leaves a table out).`,
    );
  }
  const leftOut = skipped.filter((s) => s.reason !== 'unattributable');
  if (leftOut.length > 0) {
    notes.push(
      `Tables left out (${[...new Set(leftOut.map((s) => s.reason))].join(', ')}): ${leftOut.map((s) => display(s.table)).join(', ')}; the clone leaves them out (and the foreign keys of their rows).`,
    );
  }
  for (const t of included) {
    for (const { fk, target } of edgesOf(t)) {
      if (skippedKeys.has(tableKey(target))) {
        blockers.push(
          `Foreign key ${fk.name} on ${display(t)} references ${display(target)}, which is left out (${skipped.find((s) => s.table === target)!.reason}): the copied rows would point at rows the new database lacks. Copy it: table-overrides: ${display(target)}=referenced (or =copy).`,
        );
      }
    }
  }
  for (const t of order) {
    const kind = kindOf(t);
    if (kind !== 'reference' && (plans.get(tableKey(t))?.keyColumns.length ?? 0) === 0) {
      notes.push(
        `${display(t)} has no primary key or unique NOT NULL key: its rows are compared as whole rows.`,
      );
    }
    if (t.hasInheritanceChildren) {
      notes.push(
        `${display(t)} has inheritance children: its own rows are selected with tableoid, the children are planned as tables of their own.`,
      );
    }
  }

  return {
    tenantId: opts.tenantId,
    tenantIdType: rootKeyColumn.type,
    tenantsTable: plans.get(tableKey(root))!,
    tables,
    deleteOrder,
    notes,
    blockers,
    skipped: skipped.map((s) => ({ schema: s.table.schema, name: s.table.name, reason: s.reason })),
  };
}

/** `item_type`/`item_id` pairs: a row that points at rows of any table, with no foreign key. */
function polymorphicPairs(t: TableInfo): string[] {
  const names = new Set(t.columns.map((c) => c.name));
  const pairs: string[] = [];
  for (const c of t.columns) {
    const m = /^(.*)_type$/i.exec(c.name);
    if (!m) continue;
    const id = [`${m[1]}_id`, `${m[1]}_key`].find((n) => names.has(n));
    if (!id) continue;
    const covered = t.foreignKeys.some((fk) => fk.columns.includes(id));
    if (!covered) pairs.push(`${c.name}, ${id}`);
  }
  return pairs;
}

const SENSITIVE =
  /(^|_)(password|passwd|pwd|pass|secret|token|tokens|api_?key|key|private_key|salt|otp|mfa|totp|hash|digest|email|e_?mail|phone|mobile|ssn|sin|tax_id|iban|card|cc|cvv|dob|birth|birthdate|birthday|address|ip)(_|$)/i;

/** A column name that looks like credentials or personal data (password_hash, api_key, email, …). */
export function looksSensitive(column: string): boolean {
  // A reference to another row (address_id, token_id) holds no such data itself.
  if (/_id$/i.test(column) && !/(^|_)(tax|ssn|national|passport)_id$/i.test(column)) return false;
  return SENSITIVE.test(column) || /password|passwd|secret|apikey|token|email|phone|ssn/i.test(column);
}

type Override = 'copy' | 'referenced' | 'skip';

/** `table-overrides`, validated against the catalog: top-level tables without the tenant's own rows. */
function resolveOverrides(
  given: Record<string, Override>,
  graph: TableGraph,
  topOf: (t: TableInfo) => TableInfo,
  ownKind: (t: TableInfo) => TableKind | undefined,
): Map<Key, Override> {
  const out = new Map<Key, Override>();
  for (const [name, value] of Object.entries(given)) {
    const parsed = parseTableName(name);
    // Unquoted names fold to lower case, as in SQL; the schema defaults to public.
    const schema =
      parsed.schema === null ? 'public' : parsed.quoted[0] ? parsed.schema : parsed.schema.toLowerCase();
    const bare = parsed.quoted[parsed.quoted.length - 1] ? parsed.name : parsed.name.toLowerCase();
    const t = graph.tables.find((x) => x.schema === schema && x.name === bare);
    if (!t) {
      const near = graph.tables.filter((x) => x.name.toLowerCase() === bare.toLowerCase()).map(display);
      throw new InputError(
        `table-overrides names ${name}, which is not a table of the shared database${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}.`,
        'Name each table as schema.table (the schema defaults to public), e.g. public.audit_versions=skip,public.countries=copy.',
      );
    }
    if (topOf(t) !== t) {
      throw new InputError(
        `table-overrides names ${display(t)}, a partition of ${display(topOf(t))}: partitions are copied through their partitioned table.`,
        `Override ${display(topOf(t))} instead.`,
      );
    }
    const kind = ownKind(t);
    if (kind) {
      throw new InputError(
        `table-overrides names ${display(t)}, which holds the tenant's own rows (${kind} table): only tables without the tenant key can be overridden.`,
        `Remove ${display(t)} from table-overrides; its rows are selected by the tenant key.`,
      );
    }
    out.set(tableKey(t), value);
  }
  return out;
}

function normaliseType(type: string): string {
  return type
    .replace(/^pg_catalog\./, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/**
 * Parents before children (Kahn's algorithm in layers, names breaking ties). A cycle is broken
 * at the table with the fewest waiting parents, and noted; the plan step re-orders the tenant's
 * tables of a cycle by which keys can give way (orderPlan, with the row counts).
 */
function copyOrder(
  tables: TableInfo[],
  edgesOf: (t: TableInfo) => { fk: ForeignKeyInfo; target: TableInfo }[],
  includedKeys: Set<Key>,
  notes: string[],
): TableInfo[] {
  const parents = new Map<Key, Set<Key>>();
  const byKey = new Map<Key, TableInfo>();
  for (const t of tables) {
    byKey.set(tableKey(t), t);
    const ps = new Set<Key>();
    for (const { target } of edgesOf(t)) {
      const k = tableKey(target);
      if (target !== t && includedKeys.has(k)) ps.add(k);
    }
    parents.set(tableKey(t), ps);
  }
  const remaining = new Set<Key>(tables.map(tableKey));
  const waiting = (k: Key) => [...parents.get(k)!].filter((p) => remaining.has(p));
  const order: TableInfo[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].filter((k) => waiting(k).length === 0).map((k) => byKey.get(k)!);
    if (ready.length > 0) {
      ready.sort(compareTables);
      for (const t of ready) {
        order.push(t);
        remaining.delete(tableKey(t));
      }
      continue;
    }
    const pick = [...remaining]
      .map((k) => byKey.get(k)!)
      .sort((a, b) => waiting(tableKey(a)).length - waiting(tableKey(b)).length || compareTables(a, b))[0]!;
    const cycle = cycleThrough(tableKey(pick), remaining, waiting).map((k) => display(byKey.get(k)!));
    notes.push(
      `Foreign keys form a cycle (${cycle.join(' → ')}): ${display(pick)} is copied first. Constraints are created after the data, so the copy is unaffected (what the cycle means for the cleanup and a rollback is planned with the row counts, see apply-order.ts).`,
    );
    order.push(pick);
    remaining.delete(tableKey(pick));
  }
  return order;
}

/** Tables on a cycle through `start` (following waiting parents), in path order. */
function cycleThrough(start: Key, remaining: Set<Key>, waiting: (k: Key) => Key[]): Key[] {
  const path: Key[] = [];
  const onPath = new Set<Key>();
  const dead = new Set<Key>();
  const visit = (k: Key): boolean => {
    path.push(k);
    onPath.add(k);
    for (const p of waiting(k)) {
      if (p === start) return true;
      if (!onPath.has(p) && !dead.has(p) && remaining.has(p) && visit(p)) return true;
    }
    path.pop();
    onPath.delete(k);
    dead.add(k);
    return false;
  };
  return visit(start) ? [...path, start] : [start];
}
