import type pg from 'pg';
import { keySample } from '../report/escape';
import { selectTenantRows, type PlanForeignKey, type TablePlan, type TenantPlan } from './plan-types';

/**
 * Checks of a plan against the shared database's rows: rows and sizes per table, and the rows
 * that tie this tenant to another one. The client has the tenant id set (setTenantId) and is
 * usually inside the snapshot transaction, so what it reads is what the copy will see.
 */

/** At most this many offending rows are counted per foreign key (the message says "at least"). */
const COUNT_LIMIT = 1000;
/**
 * Bytes a row takes besides its columns' average width (the planner's `Plan Width`): the tuple
 * header and its alignment, as `pg_column_size(t.*)` counts them (exact counts measure that).
 */
export const ROW_OVERHEAD_BYTES = 24;

const display = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;

export interface MeasureOptions {
  /**
   * Count every table's rows and bytes exactly: reads every row the copy would copy (a dry run's
   * review, which copies nothing). Otherwise each table's rows and bytes are the planner's
   * estimate for the same predicate (`estimated`), read from the catalog's statistics: the
   * promotion's cost then follows the catalog, and the copy counts every row it copies.
   */
  exact?: boolean;
  /**
   * Tables (`qualified`) whose having rows of the tenant decides something (a cycle of foreign
   * keys: apply-order.ts's certain blockers): `rows > 0` is made exact for them by an EXISTS
   * (0 when the tenant has none, at least 1 when it has).
   */
  presence?: ReadonlySet<string>;
}

export async function measurePlan(
  client: pg.ClientBase,
  plan: TenantPlan,
  opts: MeasureOptions = { exact: true },
): Promise<TenantPlan> {
  const tables: TablePlan[] = [];
  for (const t of plan.tables) {
    // The tenants row is one row found through its key: counted exactly, always (a blocker below).
    const measured =
      opts.exact === true || t.kind === 'root'
        ? await countRows(client, t)
        : await estimateRows(client, t, opts.presence?.has(t.qualified) === true);
    // Global rows (NULL tenant key, referenced by the tenant's rows): copied, never deleted.
    if (t.ownWhere !== undefined) {
      const g = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${t.qualified} t WHERE (${t.where}) AND (${t.ownWhere}) IS NOT TRUE`,
      );
      measured.globalRows = Number(g.rows[0]?.n ?? 0);
    }
    // Referenced rows that other tenants' rows use too: they diverge after the switch.
    if (t.alsoUsedWhere !== undefined) {
      const a = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${t.qualified} t WHERE (${t.where}) AND (${t.alsoUsedWhere})`,
      );
      measured.alsoUsedRows = Number(a.rows[0]?.n ?? 0);
    }
    tables.push(measured);
  }
  const byQualified = new Map(tables.map((t) => [t.qualified, t]));
  const pick = (t: TablePlan) => byQualified.get(t.qualified) ?? t;

  const blockers = [...plan.blockers];
  const root = byQualified.get(plan.tenantsTable.qualified);
  if (root && root.rows === 0) {
    blockers.push(`The tenant's row was not found in ${display(root)}.`);
  }
  blockers.push(...(await referenceBlockers(client, tables)));
  return {
    ...plan,
    tenantsTable: pick(plan.tenantsTable),
    tables,
    deleteOrder: plan.deleteOrder.map(pick),
    blockers,
  };
}

/** The table's rows and their size, counted: reads every row `where` selects. */
async function countRows(client: pg.ClientBase, t: TablePlan): Promise<TablePlan> {
  const { rows } = await client.query<{ n: string; bytes: string }>(
    `SELECT count(*) AS n, COALESCE(sum(pg_column_size(t.*)), 0) AS bytes FROM ${t.qualified} t WHERE ${t.where}`,
  );
  const { estimated: _, ...rest } = t;
  return { ...rest, rows: Number(rows[0]?.n ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
}

/**
 * The planner's estimate of the rows `where` selects and of their size, from EXPLAIN of the
 * copy's own query: planning reads the catalog and its statistics, no row. The tenant id setting
 * is evaluated while estimating (a stable function), so a tenant key with statistics gives this
 * tenant's share, not an average one's. With `presence`, an EXISTS makes `rows > 0` exact.
 */
async function estimateRows(client: pg.ClientBase, t: TablePlan, presence: boolean): Promise<TablePlan> {
  const { rows } = await client.query<{ 'QUERY PLAN': PlannerOutput }>(
    `EXPLAIN (FORMAT JSON) ${selectTenantRows(t)}`,
  );
  const top = rows[0]?.['QUERY PLAN'][0]?.Plan;
  let n = Math.max(0, Math.round(top?.['Plan Rows'] ?? 0));
  const width = Math.max(0, top?.['Plan Width'] ?? 0);
  if (presence) {
    const e = await client.query<{ found: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${t.qualified} t WHERE ${t.where}) AS found`,
    );
    n = e.rows[0]?.found === true ? Math.max(1, n) : 0;
  }
  return { ...t, rows: n, bytes: n * (width + ROW_OVERHEAD_BYTES), estimated: true };
}

type PlannerOutput = { Plan?: { 'Plan Rows'?: number; 'Plan Width'?: number } }[];

/**
 * Rows that link this tenant to another: ours pointing at another tenant's rows (not copied),
 * and — the cleanup's concern — other tenants' rows pointing at ours (a cascade would reach
 * them). `incomingOnly` checks just the latter, as the cleanup re-checks before deleting.
 */
export async function referenceBlockers(
  client: pg.ClientBase,
  tables: TablePlan[],
  opts: { incomingOnly?: boolean } = {},
): Promise<string[]> {
  const byQualified = new Map(tables.map((t) => [t.qualified, t]));
  const blockers: string[] = [];
  for (const child of tables) {
    // Rows of tables without the tenant key are not the tenant's: what they point at is copied
    // (referenced rows) or whole; only the tenant's own rows can link it to another tenant.
    if (child.kind !== 'root' && child.kind !== 'tenant' && child.kind !== 'dependent') continue;
    for (const fk of child.foreignKeys ?? []) {
      const parent = byQualified.get(fk.references);
      if (!parent || (parent.kind !== 'root' && parent.kind !== 'tenant' && parent.kind !== 'dependent'))
        continue;
      // What the plan proves is not read: a key that carries the tenant key joins no two tenants
      // (a global row's NULL tenant key joins nothing either), a dependent table's only way
      // selects only rows referencing the tenant's, and through any of its ways every row
      // referencing the tenant's is selected (PlanForeignKey.sameTenant, .way).
      const out =
        opts.incomingOnly || fk.sameTenant || fk.way === 'only'
          ? { count: 0, sample: '' }
          : await outgoing(client, child, fk, parent);
      if (out.count > 0) {
        blockers.push(
          `${display(child)} has ${countText(out.count)} of this tenant whose ${fk.name} reference points to a ${display(parent)} row of another tenant${parent.ownWhere === undefined && parent.kind === 'tenant' ? ' (or of none: a row whose tenant key is NULL is a global row, copied when the plan includes global rows)' : ''}, e.g. ${keyText(child, fk)} = ${out.sample}; that row is not copied.`,
        );
      }
      // The tenants row is never deleted, so rows of others referencing it are harmless.
      if (parent.kind === 'root' || fk.sameTenant || fk.way) continue;
      const inc = await incoming(client, child, fk, parent);
      if (inc.count > 0) {
        const effect =
          fk.onDelete === 'cascade'
            ? 'ON DELETE CASCADE would delete them when the cleanup deletes this tenant'
            : fk.onDelete === 'set null' || fk.onDelete === 'set default'
              ? `ON DELETE ${fk.onDelete.toUpperCase()} would rewrite them when the cleanup deletes this tenant`
              : 'the cleanup of this tenant would fail on them';
        blockers.push(
          `${display(child)} has ${countText(inc.count)} of another tenant (or of none) referencing this tenant's ${display(parent)} rows through ${fk.name}, e.g. ${keyText(child, fk)} = ${inc.sample}; ${effect}.`,
        );
      }
    }
  }
  return blockers;
}

function countText(n: number): string {
  return n > COUNT_LIMIT ? `more than ${COUNT_LIMIT} rows` : n === 1 ? '1 row' : `${n} rows`;
}

function sampleColumns(child: TablePlan, fk: PlanForeignKey): string[] {
  return child.keyColumns.length > 0 ? child.keyColumns : fk.columns;
}

/** `"a""b"` → `a"b`, for messages. */
const unquote = (identifier: string) =>
  identifier.startsWith('"') ? identifier.slice(1, -1).replace(/""/g, '"') : identifier;

function keyText(child: TablePlan, fk: PlanForeignKey): string {
  const cols = sampleColumns(child, fk).map(unquote);
  return cols.length === 1 ? cols[0]! : `(${cols.join(', ')})`;
}

/**
 * Each side is selected in its own scope aliased `t`, as the plan's predicates expect; the outer
 * row is carried as `o`. Correlated subqueries like these are pulled up into joins.
 */
async function outgoing(
  client: pg.ClientBase,
  child: TablePlan,
  fk: PlanForeignKey,
  parent: TablePlan,
): Promise<{ count: number; sample: string }> {
  const outer = fk.columns.map((c, i) => `t.${c} AS f${i}`).join(', ');
  const join = fk.refColumns.map((c, i) => `t.${c} = o.f${i}`).join(' AND ');
  const sample = `json_build_array(${sampleColumns(child, fk)
    .map((c) => `t.${c}`)
    .join(', ')})::text`;
  return probe(
    client,
    `SELECT o.k FROM (SELECT ${outer}, ${sample} AS k FROM ${child.qualified} t WHERE ${child.where}) o
     WHERE EXISTS (SELECT 1 FROM ${parent.qualified} t WHERE ${join} AND (${parent.where}) IS NOT TRUE)`,
  );
}

async function incoming(
  client: pg.ClientBase,
  child: TablePlan,
  fk: PlanForeignKey,
  parent: TablePlan,
): Promise<{ count: number; sample: string }> {
  // The tenant's own rows only: global rows (NULL tenant key) stay in the shared database, and
  // other tenants' rows may reference them.
  const outer = fk.refColumns.map((c, i) => `t.${c} AS r${i}`).join(', ');
  const join = fk.columns.map((c, i) => `t.${c} = o.r${i}`).join(' AND ');
  const sample = `json_build_array(${sampleColumns(child, fk)
    .map((c) => `t.${c}`)
    .join(', ')})::text`;
  return probe(
    client,
    `SELECT x.k FROM (SELECT ${outer} FROM ${parent.qualified} t WHERE ${parent.ownWhere ?? parent.where}) o
     CROSS JOIN LATERAL (SELECT ${sample} AS k FROM ${child.qualified} t WHERE ${join} AND (${child.ownWhere ?? child.where}) IS NOT TRUE) x`,
  );
}

async function probe(client: pg.ClientBase, sql: string): Promise<{ count: number; sample: string }> {
  const { rows } = await client.query<{ n: number; sample: string | null }>(
    `WITH hits AS (${sql} LIMIT ${COUNT_LIMIT + 1}) SELECT count(*)::int AS n, min(k) AS sample FROM hits`,
  );
  return { count: rows[0]?.n ?? 0, sample: keySample(rows[0]?.sample) };
}
