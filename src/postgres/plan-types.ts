import pg from 'pg';
import type { TableKind } from '../pipeline/record';
import { mapStatement } from './schema-layout';

/**
 * The plan of a promotion: which tables hold the tenant's rows and how to select them. Built
 * from the catalog by `planTenant` (pure); used by the copy, the checks, the catch-up at the
 * switch and the cleanup, so every one of them selects exactly the same rows.
 *
 * SQL fragments here never embed values: the tenant's id is read with
 * `current_setting('tenant_promotion.tenant_id')` (see TENANT_ID_SETTING), which the caller sets
 * with a bound parameter (`SELECT set_config($1, $2, false)`) on every session that runs them.
 */
export const TENANT_ID_SETTING = 'tenant_promotion.tenant_id';

/** A foreign key from a planned table to another planned table (identifiers quoted, except `name`). */
export interface PlanForeignKey {
  /** Constraint name, unquoted (for messages). */
  name: string;
  columns: string[];
  /** `qualified` of the referenced table. */
  references: string;
  refColumns: string[];
  onDelete: 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default';
  /**
   * The key pairs the referencing tenant table's tenant key with the referenced table's (a
   * tenant table's tenant key, or the tenants table's column the tenant key references), of the
   * same type: joined through it, a row whose tenant key is this tenant's meets only rows whose
   * key is too, so the cross-tenant checks (plan-check.ts), whose joins are that join, would read
   * the tenant's rows to find nothing. Whether the key is validated does not matter to them.
   */
  sameTenant?: true;
  /**
   * A dependent table's predicate selects its rows through this key, to a tenant table or the
   * tenants table (a way at its top: see plan.ts's Shape): a row referencing a row of the
   * tenant's through it is the tenant's, so no row of another tenant references the tenant's
   * through it. `only`: its one way, so every row it selects references a row of the tenant's
   * through it too. The cross-tenant checks skip what that proves (plan-check.ts).
   */
  way?: 'only' | 'one-of';
}

export interface TablePlan {
  schema: string;
  name: string;
  /** `"schema"."name"`, quoted: the table in the shared database (and the key of every per-table map). */
  qualified: string;
  /**
   * `"schema"."name"`, quoted, of the table where the tenant's rows go: absent (= `qualified`) at
   * database level; the mapped schema at schema level (withTargets, schema-layout.ts). Target-side
   * SQL reads it through `targetOf` / `onTarget`.
   */
  target?: string;
  /** With `target`: source schema → target schema, for the plan's SQL fragments run on the target (onTarget). */
  targetSchemas?: Record<string, string>;
  kind: TableKind;
  /** Columns copied, in table order, quoted; generated columns are left out. */
  columns: string[];
  /** Primary key (or a unique not-null key) columns, quoted; empty when the table has none. */
  keyColumns: string[];
  /**
   * Predicate on alias `t` selecting the tenant's rows in the shared database, e.g.
   * `t."tenant_id" = current_setting('tenant_promotion.tenant_id')::uuid`; `true` for reference tables.
   * For a tenant table with global rows it also selects them (`ownWhere` selects only the tenant's).
   */
  where: string;
  /**
   * Tenant tables whose `where` also selects global rows (NULL tenant key, referenced by the
   * tenant's rows): the predicate of the tenant's own rows, which cleanup deletes and the
   * cross-tenant checks protect. Absent: `where` selects only the tenant's own rows.
   */
  ownWhere?: string;
  /**
   * Dependent tables whose `where` reads their rows as a set (the key in one semi-join per
   * foreign key, see plan.ts's Shape): the same rows as a test of each row (an OR of EXISTS on
   * the parents), for reads of a few given rows (a block range, the freeze's candidates), where
   * `where` would first collect every row of the tenant's. Absent: `where` is both.
   */
  perRowWhere?: string;
  /** Global rows (NULL tenant key) among `rows`, counted at planning time. */
  globalRows?: number;
  /**
   * Referenced tables: predicate (alias `t`) of the rows that rows not copied (other tenants')
   * also reference; those are shared, and diverge between the databases after the switch.
   */
  alsoUsedWhere?: string;
  /**
   * Referenced tables that reference themselves (users.invited_by → users): `where` is the rows
   * `baseWhere` selects (alias `t`) and, transitively, the rows they reference through `keys`. The
   * freeze reads them from there (freeze-reads.ts) instead of evaluating `where`, whose closure
   * starts from every row of the table.
   */
  selfClosure?: { baseWhere: string; keys: { columns: string[]; refColumns: string[] }[] };
  /** Rows selected by `where` that `alsoUsedWhere` also selects, counted at planning time. */
  alsoUsedRows?: number;
  /** True when binary COPY is safe (no arrays or composites of user-defined types). */
  binarySafe: boolean;
  /** Partitioned parent: rows are copied through it; its partitions are not listed separately. */
  partitioned: boolean;
  /** Foreign keys to the tenant's tables (root, tenant, dependent; self-references included): the cross-tenant checks walk them. */
  foreignKeys?: PlanForeignKey[];
  /** Rows selected by `where` at planning time (an estimate when `estimated`). */
  rows?: number;
  /** Approximate size of those rows, in bytes. */
  bytes?: number;
  /**
   * `rows` and `bytes` are the planner's estimates (measurePlan), not counts: they size the copy's
   * ranges and the switch's buckets, and reports show them as such. Nothing proves anything with
   * them; the copy counts what it copies and replaces them (withCopiedCounts). `rows > 0` is still
   * exact for the tenants table and for the tables of a foreign-key cycle.
   */
  estimated?: boolean;
}

export interface TenantPlan {
  /**
   * The value the tenant's rows carry in the tenant key (as text): the tenants row's value in the
   * column the tenant-key foreign keys reference (see `resolveTenantKey`), not necessarily `id`.
   */
  tenantId: string;
  /** SQL type of that tenants-table column, e.g. `uuid` or `bigint`. */
  tenantIdType: string;
  tenantsTable: TablePlan;
  /** Tables in copy order: referenced tables before the tables that reference them. */
  tables: TablePlan[];
  /** Tables whose shared rows cleanup deletes, children before parents (reference and root tables excluded). */
  deleteOrder: TablePlan[];
  /** Things worth knowing that do not block (unindexed foreign keys, tables left out, …). */
  notes: string[];
  /**
   * Tables left out of the copy (unrelated with `reference-tables: skip`, unattributable, or a
   * `skip` override): the clone leaves them out (CloneOptions.leaveOut), no check expects them.
   */
  skipped?: { schema: string; name: string; reason: string }[];
  /** Reasons the promotion cannot go ahead (rows reaching two tenants, cascades into other tenants, …). */
  blockers: string[];
  /**
   * Large objects the tenant's rows reference (see postgres/large-objects.ts): the `oid` columns
   * (and domains over `oid`, e.g. the lo extension's `lo`) of the planned tables, and what they
   * referenced at the snapshot. Absent when the plan did not look (status re-plans without it:
   * the check then finds the columns itself).
   */
  largeObjects?: LargeObjectPlan;
}

/** An `oid` (or domain over `oid`) column of a planned table. */
export interface LargeObjectColumn {
  /** `qualified` of the table (quoted). */
  table: string;
  schema: string;
  name: string;
  /** The column, quoted. */
  column: string;
  /** The column, unquoted (for messages). */
  columnName: string;
  /** `format_type` of the column, e.g. `oid` or `public.lo`. */
  type: string;
  /** Distinct large objects the tenant's rows reference through it at the snapshot. */
  objects?: number;
}

export interface LargeObjectPlan {
  columns: LargeObjectColumn[];
  /** Distinct large objects referenced (all columns together) at the snapshot. */
  objects: number;
  /** Their total size, in bytes. */
  bytes: number;
}

/** `SELECT <columns> FROM <table> t WHERE <where>`: the tenant's rows of one table. */
export function selectTenantRows(table: TablePlan): string {
  return `SELECT ${table.columns.map((c) => `t.${c}`).join(', ')} FROM ${table.qualified} t WHERE ${table.where}`;
}

/** Predicate on alias `t` selecting the rows of `table.where`, cheapest for a few given rows (see `perRowWhere`). */
export function perRow(table: TablePlan): string {
  return table.perRowWhere ?? table.where;
}

/** The table's quoted name on the target side (the tenant's database or schema). */
export function targetOf(table: TablePlan): string {
  return table.target ?? table.qualified;
}

/**
 * The table as target-side SQL sees it: `qualified` is the target's name, and the plan's SQL
 * fragments (`where`, `ownWhere`, `alsoUsedWhere`, the self-closure's, foreign keys' `references`)
 * name the mapped schemas. The identity at database level. Per-table maps stay keyed by the
 * source's `qualified`: use this only for the SQL sent to the target.
 */
export function onTarget(table: TablePlan): TablePlan {
  if (table.target === undefined || !table.targetSchemas) return table;
  const map = new Map(Object.entries(table.targetSchemas));
  // The plan's fragments read the table as `t` (plan.ts): its column references stay as they are.
  const m = (sql: string) => mapStatement(sql, map, { aliases: ['t'] });
  return {
    ...table,
    qualified: table.target,
    where: m(table.where),
    ...(table.ownWhere !== undefined && { ownWhere: m(table.ownWhere) }),
    ...(table.perRowWhere !== undefined && { perRowWhere: m(table.perRowWhere) }),
    ...(table.alsoUsedWhere !== undefined && { alsoUsedWhere: m(table.alsoUsedWhere) }),
    ...(table.selfClosure && {
      selfClosure: { ...table.selfClosure, baseWhere: m(table.selfClosure.baseWhere) },
    }),
    ...(table.foreignKeys && {
      foreignKeys: table.foreignKeys.map((fk) => ({ ...fk, references: m(fk.references) })),
    }),
  };
}

/**
 * The plan with `set` applied to every table, once: the tenants table and the delete order
 * refer to the very objects of `tables`.
 */
export function mapTables(plan: TenantPlan, set: (t: TablePlan) => TablePlan): TenantPlan {
  const tables = plan.tables.map(set);
  const byName = new Map(tables.map((t) => [t.qualified, t]));
  return {
    ...plan,
    tenantsTable: byName.get(plan.tenantsTable.qualified) ?? set(plan.tenantsTable),
    tables,
    deleteOrder: plan.deleteOrder.map((t) => byName.get(t.qualified) ?? set(t)),
  };
}

/**
 * The plan with every table's target in the mapped schemas (schema level): `map` is source
 * schema → target schema (SchemaLayout). A table whose schema is not mapped keeps its name.
 */
export function withTargets(plan: TenantPlan, map: ReadonlyMap<string, string>): TenantPlan {
  const set = (t: TablePlan): TablePlan => {
    const schema = map.get(t.schema);
    return schema === undefined
      ? t
      : {
          ...t,
          target: `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(t.name)}`,
          targetSchemas: Object.fromEntries(map),
        };
  };
  return mapTables(plan, set);
}

/**
 * The plan with every copied table's rows and bytes as the copy counted them (`copied`, keyed by
 * `qualified`): the exact counts replace the plan's estimates for what follows (the switch's
 * buckets, the cleanup's messages).
 */
export function withCopiedCounts(
  plan: TenantPlan,
  copied: ReadonlyMap<string, { rows: number; bytes: number }>,
): TenantPlan {
  const set = (t: TablePlan): TablePlan => {
    const c = copied.get(t.qualified);
    if (!c) return t;
    const { estimated: _, ...rest } = t;
    return { ...rest, rows: c.rows, bytes: c.bytes };
  };
  return mapTables(plan, set);
}
