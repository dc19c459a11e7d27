import pg from 'pg';
import type { TableKind } from '../pipeline/record';
import type { ColumnInfo, ForeignKeyInfo, TableGraph, TableInfo } from './catalog';
import { TENANT_ID_SETTING, type PlanForeignKey, type TablePlan, type TenantPlan } from './plan-types';
import { resolveTenantKeyColumn } from './tenant-key';

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
  /** Reference tables (no path to a tenant) are copied whole, or left out. */
  referenceTables: 'copy' | 'skip';
}

const q = pg.escapeIdentifier;
const SETTING = `current_setting(${pg.escapeLiteral(TENANT_ID_SETTING)})`;
/** Above this many EXISTS joins in one table's predicate, fall back to shorter foreign-key paths. */
const MAX_PREDICATE_JOINS = 64;
const OVER_BUDGET = Symbol('over budget');

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
  const byKey = new Map<Key, TableInfo>(graph.tables.map((t) => [tableKey(t), t]));

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
  for (const t of graph.tables) {
    if (topOf(t) !== t && t.foreignKeys.length > 0) {
      notes.push(
        `Foreign keys declared on partition ${display(t)} alone (${t.foreignKeys.map((f) => f.name).join(', ')}) are not used to find the tenant's rows; declare them on ${display(topOf(t))}.`,
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
    for (const fk of t.foreignKeys) {
      const ref = byKey.get(keyOf(fk.refSchema, fk.refName));
      if (ref) list.push({ fk, target: topOf(ref) });
    }
    edges.set(tableKey(t), list);
  }
  const edgesOf = (t: TableInfo) => edges.get(tableKey(t)) ?? [];

  // Classification.
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
  for (const t of tops) if (!kinds.has(tableKey(t))) kinds.set(tableKey(t), 'reference');
  const kindOf = (t: TableInfo): TableKind => kinds.get(tableKey(t))!;
  const owned = (t: TableInfo) => kindOf(t) !== 'reference';

  // Predicates. Nested joins use aliases t1, t2, … by depth, so the top level alias `t` stays free.
  const rootPredicate = (alias: string) => `${alias}.${q(rootKeyName)} = ${SETTING}::${rootKeyColumn.type}`;
  const tenantPredicate = (t: TableInfo, alias: string) => {
    const col = t.columns.find((c) => c.name === opts.tenantKey)!;
    return `${alias}.${q(col.name)} = ${SETTING}::${col.type}`;
  };
  type Mode = 'all' | 'shorter' | 'shortest';
  const ownerPredicate = (
    t: TableInfo,
    alias: string,
    depth: number,
    path: Set<Key>,
    mode: Mode,
    budget: { joins: number },
  ): string => {
    const kind = kindOf(t);
    if (kind === 'root') return rootPredicate(alias);
    if (kind === 'tenant') return tenantPredicate(t, alias);
    const myDistance = distance.get(tableKey(t)) ?? Infinity;
    let candidates = edgesOf(t).filter(
      ({ target }) => target !== t && owned(target) && !path.has(tableKey(target)),
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
    const parts: string[] = [];
    const nextPath = new Set(path).add(tableKey(t));
    for (const { fk, target } of candidates) {
      if (kindOf(target) === 'root' && fk.columns.length === 1 && fk.refColumns[0] === rootKeyName) {
        parts.push(`${alias}.${q(fk.columns[0]!)} = ${SETTING}::${rootKeyColumn.type}`);
        continue;
      }
      if (++budget.joins > MAX_PREDICATE_JOINS) throw OVER_BUDGET;
      const a = `t${depth + 1}`;
      const join = fk.columns.map((c, i) => `${a}.${q(fk.refColumns[i]!)} = ${alias}.${q(c)}`).join(' AND ');
      const inner = ownerPredicate(target, a, depth + 1, nextPath, mode, budget);
      parts.push(`EXISTS (SELECT 1 FROM ${qualified(target)} ${a} WHERE ${join} AND ${inner})`);
    }
    if (parts.length === 0) return 'false';
    return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
  };
  const wherePredicate = (t: TableInfo): string => {
    let where: string;
    if (kindOf(t) === 'reference') where = 'true';
    else {
      where = '';
      for (const mode of ['all', 'shorter', 'shortest'] as Mode[]) {
        try {
          where = ownerPredicate(t, 't', 0, new Set(), mode, { joins: mode === 'shortest' ? -Infinity : 0 });
          break;
        } catch (e) {
          if (e !== OVER_BUDGET) throw e;
          notes.push(
            `${display(t)} reaches the tenant through more than ${MAX_PREDICATE_JOINS} foreign-key paths; only its ${mode === 'all' ? 'shorter' : 'shortest'} paths are used to select its rows.`,
          );
        }
      }
    }
    // Rows of (legacy) inheritance children belong to the children, which are planned on their own.
    if (t.hasInheritanceChildren) {
      where = `${where === 'true' ? '' : `(${where}) AND `}t.tableoid = ${pg.escapeLiteral(qualified(t))}::regclass`;
    }
    return where;
  };

  const included = tops.filter((t) => owned(t) || opts.referenceTables === 'copy');
  const includedKeys = new Set(included.map(tableKey));
  const skipped = tops.filter((t) => !includedKeys.has(tableKey(t)));

  const plans = new Map<Key, TablePlan>();
  for (const t of included) {
    const copied = t.columns.filter((c) => !c.generated);
    const key =
      t.primaryKey ??
      [...t.uniqueKeys].sort((a, b) => a.length - b.length || a.join().localeCompare(b.join()))[0] ??
      [];
    const foreignKeys: PlanForeignKey[] = edgesOf(t)
      .filter(({ target }) => owned(target))
      .map(({ fk, target }) => ({
        name: fk.name,
        columns: fk.columns.map(q),
        references: qualified(target),
        refColumns: fk.refColumns.map(q),
        onDelete: fk.onDelete,
      }));
    plans.set(tableKey(t), {
      schema: t.schema,
      name: t.name,
      qualified: qualified(t),
      kind: kindOf(t),
      columns: copied.map((c) => q(c.name)),
      keyColumns: key.map(q),
      where: wherePredicate(t),
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
  if (skipped.length > 0) {
    notes.push(`Reference tables left out (reference-tables: skip): ${skipped.map(display).join(', ')}.`);
    for (const t of included) {
      for (const { fk, target } of edgesOf(t)) {
        if (!includedKeys.has(tableKey(target))) {
          notes.push(
            `Foreign key ${fk.name} on ${display(t)} references ${display(target)}, which is left out: the new database needs those rows before the constraint can be validated.`,
          );
        }
      }
    }
  }
  for (const t of order) {
    if (kindOf(t) !== 'reference' && (plans.get(tableKey(t))?.keyColumns.length ?? 0) === 0) {
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
    blockers: [],
  };
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
