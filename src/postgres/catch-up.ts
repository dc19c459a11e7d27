import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { BlockDigests } from './block-digests';
import {
  bucketSql,
  compareDigests,
  compareTable,
  DEFAULT_BUCKETS,
  digestTable,
  fromTable,
  isColumnsForm,
  keyText,
  readSideColumns,
  rowHashSqlOf,
  type RowHashColumn,
  type RowHashForm,
  type SideColumns,
  type TableDigest,
  wholeDigestOf,
} from './checksum';
import { drivenVersions, drivenWhere, indexDrivenReads, rowWhere, type FreezeGraph } from './freeze-reads';
import { readClosureEdges, stageNeededRows, type ClosureEdge } from './freeze-closure';
import { onTarget, perRow, targetOf, type TablePlan } from './plan-types';
import { keyArraySql, keyTypesOf } from './rollback-ledger';
import { serverVersionNum } from './versions';

/**
 * Catch-up at the switch: brings the new database level with every write the shared database
 * committed since the copy snapshot. Both sides are digested per key bucket (the same machinery
 * the checks use); only the rows of buckets that differ are re-read and applied, in one
 * transaction on the new database, with its triggers off (the rows are copies: a BEFORE UPDATE
 * trigger must not rewrite them) and back in their exact state (enabled, disabled, REPLICA or
 * ALWAYS) at COMMIT.
 *
 * The order is the one every write pattern the foreign keys allow can take, with keys checked
 * per statement (a role that may not use replica mode, e.g. on managed PostgreSQL):
 * 1. upserts, parents first: a child re-pointed to another parent finds it there; a row that
 *    was deleted and re-inserted with the same key is updated in place, never deleted (a delete
 *    would fire ON DELETE CASCADE on its children);
 * 2. deletes, children first: by then no row left references a deleted one, so no cascade fires.
 * Where a row cannot be updated in place — a GENERATED ALWAYS identity value outside the key
 * changed, or its new values collide on a secondary unique key with another row's old ones (two
 * rows swapped a value, a deleted row's value was taken) — it is deleted and inserted again,
 * and the rows that delete would cascade into (or that would block it) are set aside first and
 * put back exactly as they were (see `replaceRows`). Foreign keys are made DEFERRABLE and
 * deferred for the transaction (the new database is the run's own), checked before COMMIT, and
 * restored to their definition.
 */

export interface TableComparison<F extends RowHashForm = RowHashForm> {
  table: TablePlan;
  source: TableDigest<F>;
  target: TableDigest<F>;
  equal: boolean;
  differences: string[];
}

/** Per table (by qualified name), its column kinds on both sides, for a per-column row hash. */
export type ColumnsByTable = ReadonlyMap<string, SideColumns>;

/**
 * Reads, once, the column kinds a per-column form hashes `tables` with on each side (none for the
 * text forms). The switch reads them before its first comparison and hands them to every later
 * one: the catalog is never read again per pass, nor under the freeze.
 */
export async function readColumnsByTable(
  source: pg.ClientBase,
  target: pg.ClientBase,
  tables: readonly TablePlan[],
  form: RowHashForm,
): Promise<ColumnsByTable> {
  const out = new Map<string, SideColumns>();
  if (!isColumnsForm(form)) return out;
  for (const table of tables) out.set(table.qualified, await readSideColumns(source, target, table, form));
  return out;
}

/**
 * Compares tables on both sides with the given row hash form. The switch's sums flow into the
 * digests it records (verifiedFrom) under the form's name, which cleanup and status --verify
 * recompute; the rollback's row ledger keeps md5 ('ledger').
 */
export async function compareTables<F extends RowHashForm>(
  source: pg.ClientBase,
  target: pg.ClientBase,
  tables: readonly TablePlan[],
  form: F,
  opts: {
    /** The tables are known to differ: skip the whole-table digest and locate at once (see compareTable). */
    expectDifference?: boolean;
    /** A per-column form's kinds (readColumnsByTable); a table missing here has them read from the catalog. */
    columns?: ColumnsByTable;
  } = {},
): Promise<TableComparison<F>[]> {
  const out: TableComparison<F>[] = [];
  for (const table of tables) {
    const columns = opts.columns?.get(table.qualified);
    out.push({
      table,
      ...(await compareTable(source, target, table, {
        form,
        ...(opts.expectDifference && { expectDifference: true }),
        ...(columns && { columns }),
      })),
    });
  }
  return out;
}

/**
 * The bucket of the row aliased `t` on one side, under the scheme a digest used; a scalar SQL
 * expression. Only the row-hash scheme (a table without a key) hashes the row for it, with the
 * column kinds that side's digest used.
 */
function bucketOfRow(c: TableComparison, side: 'source' | 'target'): string {
  const { table } = c;
  const scheme = c.source.scheme;
  const h = scheme.kind === 'row-hash' ? rowHashSqlOf(c[side].form, table, c[side].columns) : 'NULL::int8';
  const k = keyText(table) ?? 'NULL::text';
  const kn = scheme.kind === 'range' ? `t.${table.keyColumns[0]}::numeric` : 'NULL::numeric';
  return `(SELECT ${bucketSql(scheme)} FROM (SELECT ${h} AS h, ${k} AS k, ${kn} AS kn) AS __bucket)`;
}

function differingBuckets(c: TableComparison): number[] {
  const a = new Map(c.source.buckets.map((b) => [b.bucket, b]));
  const b = new Map(c.target.buckets.map((x) => [x.bucket, x]));
  const out: number[] = [];
  for (const bucket of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(bucket);
    const y = b.get(bucket);
    if ((x?.count ?? 0) !== (y?.count ?? 0) || (x?.sum ?? '0') !== (y?.sum ?? '0')) out.push(bucket);
  }
  // Bucket numbers are integers we computed, never text from outside: safe to inline.
  return out.filter(Number.isInteger).sort((p, q) => p - q);
}

export interface CatchUpStats {
  table: string;
  buckets: number;
  staged: number;
  deleted: number;
  upserted: number;
  /** Rows deleted and inserted again instead of updated (identity value changed, unique swap). */
  replaced: number;
}

const stageName = (i: number) => `__tp_stage_${i}`;
const keyMatch = (keys: readonly string[], a: string, b: string) =>
  keys.map((k) => `${a}.${k} = ${b}.${k}`).join(' AND ');
const qi = pg.escapeIdentifier;

/**
 * Runs first in every transaction that applies rows to the new database, and may throw to stop
 * it: the caller proves there that the database is still its own (fencing, see ownership.ts).
 */
export type ApplyGuard = (target: pg.ClientBase) => Promise<void>;

/** A table of the new database as the apply needs it, read from that database's catalog. */
interface TargetTable {
  qualified: string;
  partitioned: boolean;
  /** Columns that can be written (not generated), quoted, in table order. */
  columns: string[];
  /** Stored generated columns, quoted. */
  generated: string[];
  /** GENERATED ALWAYS identity columns, quoted: written only with OVERRIDING SYSTEM VALUE, never by UPDATE. */
  alwaysIdentity: string[];
  /** Primary key columns, quoted; empty without one. */
  primaryKey: string[];
  uniques: UniqueIndex[];
}

interface UniqueIndex {
  name: string;
  nullsNotDistinct: boolean;
  /** Per key position: the column (quoted), or null for an expression; `expr` is its text either way. */
  keys: { column: string | null; expr: string }[];
}

/** A foreign key of the new database (top-level constraint; identifiers quoted except `name`). */
interface TargetForeignKey {
  name: string;
  table: string;
  columns: string[];
  references: string;
  refColumns: string[];
  /** pg_constraint.confdeltype: a(no action) r(estrict) c(ascade) n(set null) d(set default). */
  onDelete: string;
  deferrable: boolean;
}

/**
 * ON DELETE actions that act at once when a referenced row is deleted (never deferred): a row
 * deleted to be inserted again must first set aside the rows these keys would delete, rewrite or
 * refuse for. NO ACTION is only a check, deferred to COMMIT here, and the row is back by then.
 */
const ACTING_ON_DELETE = new Set(['r', 'c', 'n', 'd']);

/** The transaction that applies rows, and what it knows about the new database. */
interface ApplySession {
  target: pg.ClientBase;
  /** Replica mode: no foreign-key checks or actions at all (user triggers are off by name in both modes). */
  replica: boolean;
  tables: Map<string, TargetTable>;
  /** Foreign keys by the table they reference (empty in replica mode, where none acts). */
  incoming: Map<string, TargetForeignKey[]>;
  /** A new name for a temporary table of this transaction. */
  temp(kind: string): string;
}

/**
 * One transaction on the new database in which copied rows are applied. `guard` runs first.
 * Replica mode (no foreign keys) where permitted; else, on the tables the apply may write
 * (`tables`, and the tables a row set aside reaches, see ACTING_ON_DELETE), foreign keys are made
 * DEFERRABLE and deferred; before COMMIT the keys are checked (a violation aborts everything) and
 * every definition restored. `fn` runs inside.
 *
 * Triggers, in both modes: every user trigger on those tables (and their partitions) that could
 * fire is disabled by name — origin (`O`) and ALWAYS (`A`) triggers fire in either mode, REPLICA
 * (`R`) ones in replica mode, so all but the disabled (`D`) ones — and each is put back to its
 * exact state before COMMIT (see `quietTriggers`): a trigger the source had disabled stays
 * disabled, a REPLICA or ALWAYS one keeps its mode.
 */
async function inApplyTransaction<T>(
  target: pg.ClientBase,
  tables: readonly TablePlan[],
  fn: (session: ApplySession) => Promise<T>,
  guard: ApplyGuard | undefined,
): Promise<T> {
  await target.query('BEGIN');
  try {
    await guard?.(target);
    const replica = await tryReplicaMode(target);
    const touched = tables.map((t) => t.qualified);
    const foreignKeys = replica ? [] : await readForeignKeys(target);
    const incoming = new Map<string, TargetForeignKey[]>();
    for (const fk of foreignKeys) incoming.set(fk.references, [...(incoming.get(fk.references) ?? []), fk]);
    // Every table a row of `tables` set aside can reach, through keys that act on delete.
    const scope = new Set(touched);
    for (const queue = [...touched]; queue.length;) {
      for (const fk of incoming.get(queue.shift()!) ?? []) {
        if (ACTING_ON_DELETE.has(fk.onDelete) && !scope.has(fk.table)) {
          scope.add(fk.table);
          queue.push(fk.table);
        }
      }
    }
    let counter = 0;
    const session: ApplySession = {
      target,
      replica,
      tables: await readTargetTables(target, [...scope]),
      incoming,
      temp: (kind) => `__tp_${kind}_${counter++}`,
    };
    const missing = touched.filter((t) => !session.tables.has(t));
    if (missing.length) throw new Error(`The new database lacks table(s) ${missing.join(', ')}.`);
    const deferred = foreignKeys.filter(
      (fk) => !fk.deferrable && (scope.has(fk.table) || scope.has(fk.references)),
    );
    const restoreTriggers = await quietTriggers(target, [...scope]);
    if (!replica) {
      for (const fk of deferred)
        await target.query(`ALTER TABLE ${fk.table} ALTER CONSTRAINT ${qi(fk.name)} DEFERRABLE`);
      await target.query('SET CONSTRAINTS ALL DEFERRED');
    }
    const result = await fn(session);
    if (!replica) {
      // Checks every deferred key now (an error names the key); only then can the definitions
      // change back (ALTER TABLE refuses while checks are pending).
      await target.query('SET CONSTRAINTS ALL IMMEDIATE');
      for (const fk of deferred)
        await target.query(`ALTER TABLE ${fk.table} ALTER CONSTRAINT ${qi(fk.name)} NOT DEFERRABLE`);
    }
    await restoreTriggers();
    await target.query('COMMIT');
    return result;
  } catch (e) {
    await target.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** A user trigger of the new database and its state (pg_trigger.tgenabled). */
interface TriggerState {
  /** Quoted `"schema"."name"` of the table (or partition) it is on. */
  table: string;
  name: string;
  /** `O` origin (and local), `R` replica only, `A` always, `D` disabled. */
  enabled: 'O' | 'R' | 'A' | 'D';
  /** A partition's copy of a trigger of its partitioned parent. */
  cloned: boolean;
}

const ENABLE: Record<TriggerState['enabled'], string> = {
  O: 'ENABLE TRIGGER',
  R: 'ENABLE REPLICA TRIGGER',
  A: 'ENABLE ALWAYS TRIGGER',
  D: 'DISABLE TRIGGER',
};

/**
 * Disables, by name, every user trigger of `tables` and of their partitions that is not already
 * disabled; returns what puts each back to its exact state (run before COMMIT). A statement on a
 * partitioned table may pass down to its partitions' copies of the trigger, so the tables' own
 * triggers go first and every copy is then set on its own.
 */
async function quietTriggers(target: pg.ClientBase, tables: readonly string[]): Promise<() => Promise<void>> {
  if (tables.length === 0) return async () => undefined;
  const { rows } = await target.query<TriggerState>(
    `SELECT ${QUALIFIED('c', 'n')} AS table, tg.tgname AS name, tg.tgenabled::text AS enabled,
            tg.tgparentid <> 0 AS cloned
       FROM pg_trigger tg
       JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT tg.tgisinternal
        AND tg.tgrelid IN (SELECT t.name::regclass FROM unnest($1::text[]) AS t(name)
                           UNION ALL
                           SELECT p.relid FROM unnest($1::text[]) AS t(name),
                                  LATERAL pg_partition_tree(t.name::regclass) AS p)
      ORDER BY cloned, 1, 2`,
    [tables],
  );
  const alter = (t: TriggerState, action: string) =>
    target.query(`ALTER TABLE ${t.table} ${action} ${qi(t.name)}`);
  for (const t of rows) if (t.enabled !== 'D') await alter(t, 'DISABLE TRIGGER');
  return async () => {
    for (const t of rows) if (!t.cloned && t.enabled !== 'D') await alter(t, ENABLE[t.enabled]);
    for (const t of rows) if (t.cloned) await alter(t, ENABLE[t.enabled]);
  };
}

/** SQL for a quoted `"schema"."name"` of the pg_class row `c` in pg_namespace `n`, like TablePlan.qualified. */
const QUALIFIED = (c: string, n: string) =>
  `'"' || replace(${n}.nspname, '"', '""') || '"."' || replace(${c}.relname, '"', '""') || '"'`;
const QUOTED_ATTNAME = (a: string) => `'"' || replace(${a}.attname, '"', '""') || '"'`;

async function readForeignKeys(target: pg.ClientBase): Promise<TargetForeignKey[]> {
  const cols = (key: string, rel: string) =>
    `(SELECT array_agg(${QUOTED_ATTNAME('a')} ORDER BY k.ord) FROM unnest(con.${key}) WITH ORDINALITY k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = con.${rel} AND a.attnum = k.attnum)`;
  const { rows } = await target.query<TargetForeignKey & { ref_columns: string[]; on_delete: string }>(
    `SELECT con.conname AS name, ${QUALIFIED('c', 'n')} AS table, ${QUALIFIED('r', 'rn')} AS references,
            ${cols('conkey', 'conrelid')} AS columns, ${cols('confkey', 'confrelid')} AS ref_columns,
            con.confdeltype::text AS on_delete, con.condeferrable AS deferrable
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class r ON r.oid = con.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
      WHERE con.contype = 'f' AND con.conparentid = 0
      ORDER BY 2, 1`,
  );
  return rows.map((r) => ({
    name: r.name,
    table: r.table,
    columns: r.columns,
    references: r.references,
    refColumns: r.ref_columns,
    onDelete: r.on_delete,
    deferrable: r.deferrable,
  }));
}

async function readTargetTables(target: pg.ClientBase, names: string[]): Promise<Map<string, TargetTable>> {
  const { rows } = await target.query<{
    qualified: string;
    partitioned: boolean;
    columns: { name: string; generated: boolean; identity: string }[];
    uniques: { name: string; primary: boolean; nulls_not_distinct: boolean; keys: UniqueIndex['keys'] }[];
  }>(
    `SELECT q.name AS qualified, c.relkind = 'p' AS partitioned,
            coalesce((SELECT json_agg(json_build_object('name', ${QUOTED_ATTNAME('a')}, 'generated', a.attgenerated <> '',
                                                        'identity', a.attidentity::text) ORDER BY a.attnum)
                        FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns,
            coalesce((SELECT json_agg(json_build_object(
                         'name', i.relname, 'primary', x.indisprimary,
                         'nulls_not_distinct', coalesce((to_jsonb(x) ->> 'indnullsnotdistinct')::boolean, false),
                         'keys', (SELECT json_agg(json_build_object(
                                    'column', (SELECT ${QUOTED_ATTNAME('a')} FROM pg_attribute a
                                                WHERE a.attrelid = c.oid AND a.attnum = k.attnum AND k.attnum > 0),
                                    'expr', pg_get_indexdef(x.indexrelid, k.ord::int, true)) ORDER BY k.ord)
                                    FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ord) WHERE k.ord <= x.indnkeyatts))
                          ORDER BY i.relname)
                        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                       WHERE x.indrelid = c.oid AND x.indisunique), '[]') AS uniques
       FROM unnest($1::text[]) AS q(name) JOIN pg_class c ON c.oid = to_regclass(q.name)`,
    [names],
  );
  const out = new Map<string, TargetTable>();
  for (const r of rows) {
    const uniques = r.uniques.map((u) => ({
      name: u.name,
      nullsNotDistinct: u.nulls_not_distinct,
      keys: u.keys,
    }));
    out.set(r.qualified, {
      qualified: r.qualified,
      partitioned: r.partitioned,
      columns: r.columns.filter((c) => !c.generated).map((c) => c.name),
      generated: r.columns.filter((c) => c.generated).map((c) => c.name),
      alwaysIdentity: r.columns.filter((c) => c.identity === 'a').map((c) => c.name),
      primaryKey: r.uniques.find((u) => u.primary)?.keys.map((k) => k.column!) ?? [],
      uniques,
    });
  }
  return out;
}

/**
 * Unique indexes on which a staged row can collide with a target row of another key: every one
 * except those that contain the whole key (a collision there means the same key, the upsert's own).
 */
function uniquesBeyondKey(table: TablePlan, info: TargetTable): UniqueIndex[] {
  return info.uniques.filter((u) => !table.keyColumns.every((k) => u.keys.some((x) => x.column === k)));
}

/**
 * The columns staged for a table: the planned ones, plus key columns and — when a secondary
 * unique key may need them to detect a collision — generated columns, which the planned ones
 * leave out (they are read from the source, never written).
 */
function stageColumns(table: TablePlan, info: TargetTable): string[] {
  const extra = new Set(table.keyColumns.filter((k) => !table.columns.includes(k)));
  if (uniquesBeyondKey(table, info).length)
    for (const g of info.generated) if (!table.columns.includes(g)) extra.add(g);
  return [...table.columns, ...extra];
}

/** Copies the source rows `select` returns into a new temporary table `stage` on the target. */
async function stageRows(
  source: pg.ClientBase,
  target: pg.ClientBase,
  table: TablePlan,
  columns: string[],
  stage: string,
  select: string,
): Promise<number> {
  const cols = columns.join(', ');
  await createStage(target, onTarget(table), columns, stage);
  const reader = (source as pg.Client).query(copyTo(`COPY (${select}) TO STDOUT`));
  const writer = (target as pg.Client).query(copyFrom(`COPY ${stage} (${cols}) FROM STDIN`));
  await pipeline(reader, writer);
  return Number(writer.rowCount ?? 0);
}

/** An empty temporary table `stage` with the (quoted) `columns` of `table`. */
async function createStage(
  target: pg.ClientBase,
  table: TablePlan,
  columns: readonly string[],
  stage: string,
): Promise<void> {
  const select = columns.map((c) => `t.${c}`).join(', ');
  await target.query(
    `CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${select} FROM ${table.qualified} t WITH NO DATA`,
  );
}

/**
 * The source's rows of `table` (the tenant's), restricted by an extra predicate on alias t: a few
 * rows (by address or key bucket), so each is tested (perRow) rather than the tenant's whole set.
 */
function selectWhere(table: TablePlan, columns: string[], extra: string): string {
  return `SELECT ${columns.map((col) => `t.${col}`).join(', ')} FROM ${fromTable(table)} t WHERE (${perRow(table)}) AND ${extra}`;
}

/**
 * Applies the staged rows of a table with a key: inserts new keys, updates the others in place.
 * Rows that cannot be updated in place are replaced first (see `rowsToReplace`, `replaceRows`).
 */
async function applyStaged(
  s: ApplySession,
  table: TablePlan,
  stage: string,
): Promise<{ upserted: number; replaced: number }> {
  const info = s.tables.get(table.qualified)!;
  const keys = table.keyColumns;
  const replace = await rowsToReplace(s, table, info, stage);
  const restore = replace ? await replaceRows(s, table, info, replace.temp, stage) : undefined;
  const cols = table.columns;
  // A GENERATED ALWAYS identity column refuses UPDATE: rows where it changed were replaced above.
  const set = cols.filter((c) => !keys.includes(c) && !info.alwaysIdentity.includes(c));
  const conflict = ` ON CONFLICT (${keys.join(', ')}) DO ${
    set.length ? `UPDATE SET ${set.map((col) => `${col} = EXCLUDED.${col}`).join(', ')}` : 'NOTHING'
  }`;
  const res = await s.target.query(
    `INSERT INTO ${table.qualified} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE SELECT ${cols.join(', ')} FROM ${stage}${conflict}`,
  );
  await restore?.();
  return { upserted: res.rowCount ?? 0, replaced: replace?.count ?? 0 };
}

/**
 * Keys of target rows the upsert cannot update in place, into a temporary table: rows whose
 * GENERATED ALWAYS identity value (outside the key) changed, and rows of another key holding a
 * value of a secondary unique key that a staged row takes (a swap of two values, a value freed by
 * a deleted row and taken by a new one). Undefined when there is none.
 */
async function rowsToReplace(
  s: ApplySession,
  table: TablePlan,
  info: TargetTable,
  stage: string,
): Promise<{ temp: string; count: number } | undefined> {
  const keys = table.keyColumns;
  const same = keyMatch(keys, 's', 't');
  const targetKeys = keys.map((k) => `t.${k}`).join(', ');
  const parts: string[] = [];
  const identity = info.alwaysIdentity.filter((c) => !keys.includes(c));
  if (identity.length) {
    parts.push(
      `SELECT ${targetKeys} FROM ${fromTable(table)} t JOIN ${stage} s ON ${same}
        WHERE ${identity.map((c) => `s.${c} IS DISTINCT FROM t.${c}`).join(' OR ')}`,
    );
  }
  for (const u of uniquesBeyondKey(table, info)) {
    const eq = u.nullsNotDistinct ? 'IS NOT DISTINCT FROM' : '=';
    // An expression is evaluated over each side's row; a partial index's predicate is ignored
    // (replacing a row that would not have collided is only extra work).
    const on = u.keys
      .map((k) =>
        k.column
          ? `s.${k.column} ${eq} t.${k.column}`
          : `(SELECT ${k.expr} FROM (SELECT s.*) AS __u) ${eq} (SELECT ${k.expr} FROM (SELECT t.*) AS __u)`,
      )
      .join(' AND ');
    parts.push(
      `SELECT ${targetKeys} FROM ${fromTable(table)} t JOIN ${stage} s ON ${on} WHERE NOT (${same})`,
    );
  }
  if (!parts.length) return undefined;
  const temp = s.temp('replace');
  const res = await s.target.query(`CREATE TEMP TABLE ${temp} ON COMMIT DROP AS ${parts.join('\nUNION\n')}`);
  const count = res.rowCount ?? 0;
  return count ? { temp, count } : undefined;
}

/**
 * Deletes the target rows of `table` whose keys are in `replaceKeys`, so that the upsert inserts
 * them anew, and returns what puts everything else back afterwards. In replica mode no foreign
 * key acts, so the delete is all. Otherwise a delete fires the referencing keys' ON DELETE
 * actions at once: the rows they would delete, rewrite or refuse for (transitively) are set
 * aside first, deleted children first (so no action fires), and inserted again exactly as they
 * were after the upsert — all but this table's rows that the stage replaces. NO ACTION keys are
 * deferred: their check at COMMIT finds the keys back.
 */
async function replaceRows(
  s: ApplySession,
  table: TablePlan,
  info: TargetTable,
  replaceKeys: string,
  stage: string,
): Promise<() => Promise<void>> {
  const keys = table.keyColumns;
  if (s.replica) {
    await s.target.query(
      `DELETE FROM ${fromTable(table)} t USING ${replaceKeys} r WHERE ${keyMatch(keys, 'r', 't')}`,
    );
    return async () => undefined;
  }
  const from = (t: TargetTable) => (t.partitioned ? t.qualified : `ONLY ${t.qualified}`);
  interface SetAside {
    table: TargetTable;
    temp: string;
    /** Key to find its rows again by: the planned key for `table`, else the primary key; empty: by row address. */
    key: string[];
    rounds: number[];
  }
  const aside = new Map<string, SetAside>();
  const setAside = async (t: TargetTable, key: string[]): Promise<SetAside> => {
    let a = aside.get(t.qualified);
    if (!a) {
      a = { table: t, temp: s.temp('aside'), key, rounds: [] };
      await s.target.query(
        `CREATE TEMP TABLE ${a.temp} ON COMMIT DROP AS
           SELECT t.tableoid AS __tp_oid, t.ctid AS __tp_ctid, 0 AS __tp_round, t.* FROM ${from(t)} t WITH NO DATA`,
      );
      aside.set(t.qualified, a);
    }
    return a;
  };
  const first = await setAside(info, keys);
  await s.target.query(
    `INSERT INTO ${first.temp} SELECT t.tableoid, t.ctid, 0, t.* FROM ${from(info)} t
      WHERE EXISTS (SELECT 1 FROM ${replaceKeys} r WHERE ${keyMatch(keys, 'r', 't')})`,
  );
  first.rounds.push(0);
  // Breadth first: round n + 1 holds the rows referencing round n's through an acting key.
  let frontier = [info.qualified];
  for (let round = 0; frontier.length; round++) {
    const next = new Set<string>();
    for (const parent of frontier) {
      const p = aside.get(parent)!;
      for (const fk of s.incoming.get(parent) ?? []) {
        if (!ACTING_ON_DELETE.has(fk.onDelete)) continue;
        const childInfo = s.tables.get(fk.table)!;
        const child = await setAside(childInfo, childInfo.primaryKey);
        const match = fk.columns.map((c, i) => `p.${fk.refColumns[i]} = c.${c}`).join(' AND ');
        const res = await s.target.query(
          `INSERT INTO ${child.temp} SELECT c.tableoid, c.ctid, ${round + 1}, c.* FROM ${from(childInfo)} c
            WHERE EXISTS (SELECT 1 FROM ${p.temp} p WHERE p.__tp_round = ${round} AND ${match})
              AND NOT EXISTS (SELECT 1 FROM ${child.temp} y WHERE y.__tp_oid = c.tableoid AND y.__tp_ctid = c.ctid)`,
        );
        if (res.rowCount) {
          if (!child.rounds.includes(round + 1)) child.rounds.push(round + 1);
          next.add(fk.table);
        }
      }
    }
    frontier = [...next];
  }
  // Deepest rounds first: a row goes before the rows it references, so no key acts.
  const batches = [...aside.values()].flatMap((a) => a.rounds.map((round) => ({ a, round })));
  batches.sort((x, y) => y.round - x.round);
  for (const { a, round } of batches) {
    const same = a.key.length
      ? keyMatch(a.key, 'y', 'x')
      : 'x.tableoid = y.__tp_oid AND x.ctid = y.__tp_ctid';
    await s.target.query(
      `DELETE FROM ${from(a.table)} x USING ${a.temp} y WHERE y.__tp_round = ${round} AND ${same}`,
    );
  }
  return async () => {
    for (const a of aside.values()) {
      const cols = a.table.columns;
      // This table's rows come back unless the stage has their key (the upsert wrote them).
      const which =
        a === first
          ? `y.__tp_round > 0 AND NOT EXISTS (SELECT 1 FROM ${stage} st WHERE ${keyMatch(keys, 'st', 'y')})`
          : 'true';
      await s.target.query(
        `INSERT INTO ${a.table.qualified} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE
           SELECT ${cols.map((c) => `y.${c}`).join(', ')} FROM ${a.temp} y WHERE ${which}`,
      );
    }
  };
}

/**
 * Applies the source's rows of every differing bucket to the target. `source` reads the shared
 * database (tenant id set, comparable session); `target` is a session on the new database that
 * is not in a transaction: this function runs one and commits it.
 */
export async function catchUp(
  source: pg.ClientBase,
  target: pg.ClientBase,
  comparisons: readonly TableComparison[],
  guard?: ApplyGuard,
): Promise<CatchUpStats[]> {
  const work = comparisons.filter((c) => !c.equal).map((c) => ({ c, buckets: differingBuckets(c) }));
  if (work.length === 0) return [];
  // Target-side SQL names each table where it is in the tenant's database or schema (onTarget:
  // the same table at database level); the source side and the stats keep the plan's names.
  return inApplyTransaction(
    target,
    work.map((w) => onTarget(w.c.table)),
    async (s) => {
      const stats: CatchUpStats[] = [];
      const inBuckets = (c: TableComparison, buckets: number[], side: 'source' | 'target') =>
        `${bucketOfRow(c, side)} IN (${buckets.join(', ')})`;
      for (const [i, { c, buckets }] of work.entries()) {
        const columns = stageColumns(c.table, s.tables.get(targetOf(c.table))!);
        const staged = await stageRows(
          source,
          target,
          c.table,
          columns,
          stageName(i),
          selectWhere(c.table, columns, inBuckets(c, buckets, 'source')),
        );
        stats.push({
          table: c.table.qualified,
          buckets: buckets.length,
          staged,
          deleted: 0,
          upserted: 0,
          replaced: 0,
        });
      }
      // 1. Upserts, parents first. A table without a key has no row identity: its rows of those
      // buckets are deleted and inserted again (nothing can reference such rows by key).
      for (const [i, { c, buckets }] of work.entries()) {
        if (c.table.keyColumns.length === 0) {
          const del = await target.query(
            `DELETE FROM ${fromTable(onTarget(c.table))} t WHERE ${inBuckets(c, buckets, 'target')}`,
          );
          const cols = c.table.columns.join(', ');
          const ins = await target.query(
            `INSERT INTO ${targetOf(c.table)} (${cols}) OVERRIDING SYSTEM VALUE SELECT ${cols} FROM ${stageName(i)}`,
          );
          stats[i]!.deleted = del.rowCount ?? 0;
          stats[i]!.upserted = ins.rowCount ?? 0;
          continue;
        }
        const applied = await applyStaged(s, onTarget(c.table), stageName(i));
        stats[i]!.upserted = applied.upserted;
        stats[i]!.replaced = applied.replaced;
      }
      // 2. Deletes, children first: target rows of those buckets that the source no longer has.
      // Every row still referencing one of them is itself deleted before it, so no action fires.
      for (let i = work.length - 1; i >= 0; i--) {
        const { c, buckets } = work[i]!;
        const keys = c.table.keyColumns;
        if (keys.length === 0) continue;
        const res = await target.query(
          `DELETE FROM ${fromTable(onTarget(c.table))} t WHERE ${inBuckets(c, buckets, 'target')}
              AND NOT EXISTS (SELECT 1 FROM ${stageName(i)} s WHERE ${keyMatch(keys, 's', 't')})`,
        );
        stats[i]!.deleted = res.rowCount ?? 0;
      }
      return stats;
    },
    guard,
  );
}

/** A table's rows, verified equal on both sides at a known snapshot: the base of the freeze pass. */
export interface VerifiedTable {
  table: TablePlan;
  count: number;
  /** Sum of the rows' 64-bit hashes in `form` (see checksum.ts RowHashForm), as a bigint: it is recorded. */
  sum: bigint;
  /** The row hash the sum is of: the freeze pass adds and subtracts hashes of this form only, and the record says it. */
  form: RowHashForm;
  /** A per-column form's kinds on both sides, as the base comparison read them (never read again under the freeze). */
  columns?: SideColumns;
}

/**
 * The verified base of a comparison. Either form can be recorded now that the record names its
 * form (checksum.ts RecordedDigest): later comparisons compute the recorded form.
 */
export function verifiedFrom(c: TableComparison): VerifiedTable {
  if (c.source.form !== c.target.form)
    throw new Error(
      `${c.table.qualified}: a ${c.source.form} digest cannot be compared with a ${c.target.form} digest.`,
    );
  const columns =
    c.source.columns && c.target.columns ? { source: c.source.columns, target: c.target.columns } : undefined;
  return {
    table: c.table,
    count: c.source.count,
    sum: BigInt(c.source.sum),
    form: c.source.form,
    ...(columns && { columns }),
  };
}

/** The row hash of the base's form over rows of the new database (the row aliased `t`). */
function targetRowHashSql(base: Pick<VerifiedTable, 'table' | 'form' | 'columns'>): string {
  return rowHashSqlOf(base.form, base.table, base.columns?.target);
}

export interface FreezePassResult {
  verified: VerifiedTable[];
  /** Rows re-read because they changed since the base snapshot (versions S did not see). */
  changedRows: number;
  deletedRows: number;
  /** Tables the incremental pass could not settle, re-compared in full. */
  fullyCompared: string[];
  /**
   * The tenant's rows read in the shared database under the freeze: the one pass per table
   * through its `where` (the tenant-key index), and the full comparisons of unsettled tables.
   */
  scannedRows: number;
  /** Row versions the cheap `xmin` filter could not rule out (a superset of the changed ones). */
  candidateRows: number;
  /** Rows written to the new database under the freeze: upserted or inserted, and deleted. */
  reappliedRows: number;
  /** Rows that became needed since the base snapshot without changing (see freeze-closure.ts), among the re-applied. */
  neededRows: number;
  /**
   * Keys read at S from the heap blocks whose versions changed, for the rows that may be gone
   * (Block digests; among `scannedRows`): only the tenant's rows of those blocks.
   */
  blockKeysRead: number;
}

/** A row version as the freeze pass names it: `tableoid:ctid:xmin`. */
const VERSION_SQL = `t.tableoid::oid::text || ':' || t.ctid::text || ':' || t.xmin::text`;
const VERSION_TEXT = /^(\d+):(\(\d+,\d+\)):(\d+)$/;

/**
 * The 32-bit xid that row headers hold, of the xid8 bound the pass is given (validated: safe to
 * inline). The bound is `changedFromXid` of the base snapshot (base-snapshot.ts); S.xmin, an
 * older bound, is as sound and only lets more candidates through.
 */
function xid32(changedFrom: string): string {
  if (!/^\d+$/.test(changedFrom)) throw new Error(`Invalid transaction id bound ${changedFrom}`);
  return (BigInt(changedFrom) % 4294967296n).toString();
}

/** The buckets versions are digested in: a power of two near a quarter of the table's rows. */
function versionBuckets(rows: number): number {
  let b = 16;
  while (b < 65_536 && b * 4 < rows) b *= 2;
  return b;
}

/**
 * `age(t.xmin) <= age(bound)`: the cheap superset test (see freezeScanSql). Compared as ages, so
 * an xid of the previous epoch compares as older (a raw `<` would call it newer).
 */
const maybeChangedSql = (changedFrom: string) => `age(t.xmin) <= age('${xid32(changedFrom)}'::xid)`;
/**
 * A row version's 64-bit hashes, from its address, table and `xmin` without building its text:
 * `hashtidextended` seeded with the table and the xid (`salt` makes the bucket's hash and the
 * summed one independent).
 */
const versionHash = (salt: number) =>
  `hashtidextended(t.ctid, ((t.tableoid::bigint << 32) | t.xmin::text::bigint) # ${salt})`;
const bucketOfVersion = (buckets: number) => `(${versionHash(0)} & ${buckets - 1})`;
const hashOfVersion = () => versionHash(1);

/**
 * A bucket's count and hash sum folded into one bigint, so the freeze scan looks the base's up in
 * a `bigint[]` by index: a subscript of a `numeric[]` walks the array from its start (variable
 * width), which with 65,536 buckets cost seconds per table once every row was a candidate (an
 * idle transaction elsewhere): 15 s for a 100k-row table, against 0.9 s for the digests. Never 0
 * for a bucket with candidates short of a 64-bit collision (0 stands for "none at S").
 */
const bucketDigest = (count: string, sum: string) =>
  `hashtextextended((${count})::text || ':' || (${sum})::text, 0)`;

/** The heap block of the row aliased `t` (of its own relation, `t.tableoid`: a partition's). */
const blockOfRow = `((t.ctid::text::point)[0])::bigint`;

/*
 * Block digests: how the freeze finds the rows deleted since S without reading the tenant's rows
 * a second time under the freeze. The one scan under the freeze (freezeScanSql) also digests the tenant's row
 * versions per heap block (`tableoid:block`: count and hash sum, as the version buckets); the
 * same digests of the versions S saw are taken before the freeze (baseVersionDigestSql). While S
 * is held, a version S sees cannot be pruned or moved (VACUUM FULL and CLUSTER wait for the
 * locks S's transaction holds), so a block whose digest is unchanged holds exactly the versions S
 * saw there: every version S saw that is gone — a deleted row, the old version of an updated one,
 * a row moved to another tenant — is in a block whose digest differs, short of a 64-bit collision.
 * The keys of the tenant's rows S saw in those blocks (TID range scans at S, see keysInBlocksSql)
 * whose version is not the tenant's there now are the only ones that can be gone; which are is
 * looked up through the key index (keysInChangedBlocks). Bounded by the writes (the blocks they
 * touched), not by the tenant.
 */

/**
 * Whether the freeze finds a table's deleted rows by block digests (see above): every table with
 * a key. A table without one is settled by counts, or compared in full.
 */
const findsDeletionsByBlock = (table: TablePlan) => table.keyColumns.length > 0;

/**
 * Run in the session holding S: per bucket, the count and hash sum of the candidate versions
 * (those the cheap test lets through, see freezeScanSql) that S saw, `b` (only non-empty
 * buckets); for a table with a key also per heap block, `blk` (`tableoid:block`), of every version
 * S saw (see Block digests). One read of the tenant's rows at S, before the freeze.
 */
export function baseVersionDigestSql(
  table: TablePlan,
  changedFrom: string,
  buckets: number,
  graph?: FreezeGraph,
): string {
  const digest = bucketDigest('count(*)', 'sum(h)');
  if (!findsDeletionsByBlock(table)) {
    return `SELECT b::text AS b, NULL::text AS blk, ${digest}::text AS d
  FROM (SELECT ${bucketOfVersion(buckets)} AS b, ${hashOfVersion()} AS h
          FROM (${drivenVersions(table, graph)}) t WHERE ${maybeChangedSql(changedFrom)}) AS v
 GROUP BY b`;
  }
  return `SELECT CASE WHEN GROUPING(b) = 0 THEN b::text END AS b,
       CASE WHEN GROUPING(b) = 1 THEN o::text || ':' || k::text END AS blk, ${digest}::text AS d
  FROM (SELECT CASE WHEN ${maybeChangedSql(changedFrom)} THEN ${bucketOfVersion(buckets)} ELSE -1 END AS b,
               t.tableoid::oid AS o, ${blockOfRow} AS k, ${hashOfVersion()} AS h
          FROM (${drivenVersions(table, graph)}) t) AS v
 GROUP BY GROUPING SETS ((b), (o, k))
HAVING GROUPING(b) = 1 OR b >= 0`;
}

/**
 * The one pass over a table's tenant rows under the freeze: how many there are, and the row
 * versions (`tableoid:ctid:xmin`) that may have changed since snapshot S. Only the tenant's rows
 * are read (`where`, through the tenant-key index, or downwards for tables without the key, see
 * freeze-reads.ts: the `xmin` test is a filter on top of it, never a scan of its own). The test is
 * a cheap superset: every version S did not see was written by a transaction S saw as running or
 * future in this database — an xid at or past `changedFrom`, the oldest in-progress xid of S not
 * proven to run in another database (base-snapshot.ts), subtransactions included (a
 * subtransaction's xid is newer than its parent's). Transactions open elsewhere in the cluster do
 * not widen it; a long transaction in this database does, and frozen tuples keep their raw
 * `xmin` (one older than 2^31 transactions compares as new). So the candidates are digested per
 * bucket (count and sum of 64-bit hashes of the version text) and compared with the digests of
 * the candidates S saw (`baseVersionDigestSql`), `$1` per bucket (see denseDigests): only the
 * candidates of buckets that differ are returned — every version written since S is in one,
 * short of a 64-bit collision, the same odds the digests of the checks rest on. `seenAtBaseSql`
 * then decides each. For a table with a key, the same rows are digested per heap block too (see
 * Block digests), which finds the rows deleted since S.
 */
export function freezeScanSql(
  table: TablePlan,
  changedFrom: string,
  buckets: number,
  /** The planned tables and keys: a dependent or referenced table is read downwards (freeze-reads.ts). */
  graph?: FreezeGraph,
): string {
  // One pass, one aggregation: the rows the test rules out are only counted (bucket -1). The
  // row with `total` always comes back (when the tenant has rows): it carries the totals.
  const differs = `y.b >= 0 AND y.xd IS DISTINCT FROM ${bucketDigest('y.n', 'y.s')}`;
  const rowsRead = `SELECT CASE WHEN ${maybeChangedSql(changedFrom)} THEN ${bucketOfVersion(buckets)} ELSE -1 END AS b,
                       ${hashOfVersion()} AS h, t.tableoid, t.ctid, t.xmin${findsDeletionsByBlock(table) ? `, ${blockOfRow} AS k` : ''}
                  FROM (${drivenVersions(table, graph)}) t`;
  // A version's text is built only for the buckets that differ.
  const versions = `SELECT y.b::text AS b, y.total::text AS total, y.m::text AS m,
       CASE WHEN ${differs} THEN (SELECT array_agg(u.o::text || ':' || u.c::text || ':' || u.x::text)
                                    FROM unnest(y.o, y.c, y.x) AS u(o, c, x)) END AS v, NULL::text AS blocks FROM (
SELECT g.b, g.n, g.o, g.c, g.x, g.s, coalesce(($1::bigint[])[g.b + 1], 0) AS xd, row_number() OVER () AS rn,
       sum(g.n) OVER () AS total, sum(g.n) FILTER (WHERE g.b >= 0) OVER () AS m
  FROM (SELECT b, count(*) AS n, sum(h) AS s, array_agg(t.tableoid::oid) FILTER (WHERE b >= 0) AS o,
               array_agg(t.ctid) FILTER (WHERE b >= 0) AS c, array_agg(t.xmin) FILTER (WHERE b >= 0) AS x
          FROM ${findsDeletionsByBlock(table) ? '__rows' : `(${rowsRead})`} AS t
         GROUP BY b) AS g) AS y
 WHERE y.rn = 1 OR ${differs}`;
  if (!findsDeletionsByBlock(table)) return versions;
  // The same rows, read once (materialized), digested per heap block too (see Block digests):
  // every block's digest comes back, compared with S's by the caller, folded into one string
  // (`tableoid:block digest` pairs, as foldedDigestsSql): a row object per block held most of
  // the client's heap growth under the freeze.
  return `WITH __rows AS MATERIALIZED (${rowsRead})
${versions}
UNION ALL
SELECT NULL, NULL, NULL, NULL, string_agg(k.blk || ' ' || k.d, ',')
  FROM (SELECT t.tableoid::oid::text || ':' || t.k::text AS blk, ${bucketDigest('count(*)', 'sum(t.h)')}::text AS d
          FROM __rows t GROUP BY t.tableoid, t.k) AS k`;
}

/**
 * The versions (`v`, `ctid:xmin`) of the rows `where` selects in the given heap blocks of one
 * relation (`relation`, quoted; a partition's own name), with their keys (`c0`, `c1`, …) when
 * `withKeys`: run at S, the keys that may be gone (see Block digests); run under the freeze, the
 * versions still there. The blocks are read by a TID range scan per run of consecutive blocks;
 * `where` (rowWhere: the copy's predicate, cheap per row) is applied once over all of them (OFFSET
 * 0 keeps it from being copied into every run, each copy building its own hashed lookups of the
 * parents). Without `where`, every row of those blocks comes.
 */
export function keysInBlocksSql(
  table: TablePlan,
  relation: string,
  blocks: readonly number[],
  where: string | undefined,
  /**
   * PostgreSQL 14 and later read a run of blocks by a TID range scan; before, the same rows are
   * named by address (every line pointer a heap page of the default 8 kB can hold): a TID range
   * condition would be a sequential scan there. A row past that offset (larger pages) is missed,
   * and the counts then send the table to the full key comparison.
   */
  tidRange = true,
  withKeys = true,
): string {
  const runs: [number, number][] = [];
  for (const b of [...new Set(blocks)].sort((p, q) => p - q)) {
    if (!Number.isSafeInteger(b) || b < 0) throw new Error(`Unexpected block ${b}`);
    const last = runs[runs.length - 1];
    if (last && last[1] === b) last[1] = b + 1;
    else runs.push([b, b + 1]);
  }
  const cols = [
    ...(withKeys ? table.keyColumns.map((k, j) => `t.${k}::text AS c${j}`) : []),
    `t.ctid::text || ':' || t.xmin::text AS v`,
  ].join(', ');
  // The rows of the blocks, with their address and xmin as columns (a subquery has no system
  // columns: `t.ctid` and `t.xmin` name these).
  const rows = (condition: string) =>
    `SELECT s.*, s.ctid AS ctid, s.xmin AS xmin FROM ONLY ${relation} s WHERE ${condition}`;
  // Block numbers are integers validated above: safe to inline.
  const read = tidRange
    ? runs
        .map(([from, to]) => rows(`s.ctid >= '(${from},0)'::tid AND s.ctid < '(${to},0)'::tid`))
        .join('\nUNION ALL\n')
    : rows(`s.ctid = ANY (ARRAY(
      SELECT format('(%s,%s)', b, o)::tid FROM unnest('{${runs.flatMap(([from, to]) => Array.from({ length: to - from }, (_, j) => from + j)).join(',')}}'::bigint[]) AS b,
             generate_series(1, ${MAX_HEAP_TUPLES_PER_PAGE}) AS o))`);
  return `SELECT ${cols} FROM (${read}\nOFFSET 0) t${where ? ` WHERE ${where}` : ''}`;
}

/**
 * Run in the session that holds snapshot S, with the candidates' addresses (`$1::tid[]`): the
 * versions S saw. A TID scan returns the tuple at an address only if S sees it, and while S is
 * held a tuple S sees cannot be pruned, so its address holds no other version: a candidate
 * found here with the same table and `xmin` is the very version S saw, unchanged since. This is
 * S's own visibility (its subtransactions included, which `pg_current_snapshot()` leaves out of
 * its in-progress list), so transactions elsewhere in the cluster, replication slots and frozen
 * tuples widen the candidates, never the result.
 */
export function seenAtBaseSql(table: TablePlan): string {
  return `SELECT ${VERSION_SQL} AS v FROM ${fromTable(table)} t WHERE t.ctid = ANY($1::tid[])`;
}

/** The candidate versions S did not see: written since the base snapshot, in the order given. */
async function changedSinceBase(
  baseSnapshot: pg.ClientBase,
  table: TablePlan,
  candidates: readonly string[],
): Promise<string[]> {
  if (candidates.length === 0) return [];
  for (const v of candidates) if (!VERSION_TEXT.test(v)) throw new Error(`Unexpected row version ${v}`);
  const tids = [...new Set(candidates.map((v) => VERSION_TEXT.exec(v)![2]!))];
  const { rows } = await baseSnapshot.query<{ v: string }>(seenAtBaseSql(table), [tids]);
  const seen = new Set(rows.map((r) => r.v));
  return candidates.filter((v) => !seen.has(v));
}

/** Predicate (alias t) for exactly these row versions; they are validated numbers and TIDs, safe to inline. */
function versionsWhere(versions: readonly string[]): string {
  const parsed = versions.map((v) => {
    const m = VERSION_TEXT.exec(v);
    if (!m) throw new Error(`Unexpected row version ${v}`);
    return { oid: m[1]!, tid: m[2]! };
  });
  const tids = [...new Set(parsed.map((p) => p.tid))].map((t) => `"${t}"`).join(',');
  const pairs = parsed.map((p) => `"${p.oid}:${p.tid}"`).join(',');
  return `t.ctid = ANY('{${tids}}'::tid[]) AND (t.tableoid::oid::text || ':' || t.ctid::text) = ANY('{${pairs}}'::text[])`;
}

/**
 * `(key columns of t) IN (the keys given as text arrays $from, $from+1, …)`, compared as the
 * key's own types, so the key's index finds them (never a text comparison over every row).
 */
function keyIn(table: TablePlan, types: readonly string[], from = 1): string {
  const keys = table.keyColumns;
  const cols = keys.map((_, j) => `c${j}`);
  return `(${keys.map((k) => `t.${k}`).join(', ')}) IN (
     SELECT ${cols.map((c, j) => `u.${c}::${types[j]}`).join(', ')}
       FROM unnest(${cols.map((_, j) => `$${j + from}::text[]`).join(', ')}) AS u(${cols.join(', ')}))`;
}

/** How many of the keys (one text array per key column, `$1`, `$2`, …) the table has (see keyIn). */
export function keysPresentSql(table: TablePlan, types: readonly string[]): string {
  return `SELECT count(*)::text AS n FROM ${fromTable(table)} t WHERE ${keyIn(table, types)}`;
}

/** MaxHeapTuplesPerPage of PostgreSQL's default 8 kB pages. */
const MAX_HEAP_TUPLES_PER_PAGE = 291;

/**
 * The keys of the tenant's rows S saw in the blocks given (per relation oid) whose version is not
 * the tenant's now — deleted, updated, or no longer selected by its predicate: the only keys that
 * can be gone (see Block digests). The rows of those blocks are read at S (`baseSnapshot`) and
 * under the freeze (`source`), per relation (a partition by its own name), in batches of runs of
 * blocks (keysInBlocksSql); a version of the tenant's in both is the same row, unchanged and
 * still the tenant's (a version S sees cannot be pruned while S is held, so its address holds
 * nothing else). What is left grows with the writes, not with the rows sharing their blocks, and
 * only those keys are looked up. `read`: the tenant's rows read at S. Exported for tests.
 */
export async function keysInChangedBlocks(
  baseSnapshot: pg.ClientBase,
  source: pg.ClientBase,
  table: TablePlan,
  blocks: ReadonlyMap<string, readonly number[]>,
  /** PostgreSQL 14 or later (TID range scans): read before the freeze (prepareFreezePass). */
  tidRange: boolean,
): Promise<{ rows: Record<string, string>[]; read: number }> {
  const rows: Record<string, string>[] = [];
  let read = 0;
  if (blocks.size === 0) return { rows, read };
  const { rows: relations } = await baseSnapshot.query<{ o: string; nspname: string; relname: string }>(
    `SELECT c.oid::text AS o, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = ANY($1::oid[])`,
    [[...blocks.keys()]],
  );
  // Only the tenant's rows (rowWhere: the copy's predicate, per row): the other rows of those
  // blocks are never read out.
  const where = rowWhere(table);
  const BATCH = 200;
  for (const r of relations) {
    const relation = `${qi(r.nspname)}.${qi(r.relname)}`;
    const all = blocks.get(r.o)!;
    for (let i = 0; i < all.length; i += BATCH) {
      const batch = all.slice(i, i + BATCH);
      const atBase = await baseSnapshot.query<Record<string, string>>(
        keysInBlocksSql(table, relation, batch, where, tidRange),
      );
      read += atBase.rows.length;
      if (atBase.rows.length === 0) continue;
      const now = await source.query<{ v: string }>(
        keysInBlocksSql(table, relation, batch, where, tidRange, false),
      );
      const still = new Set(now.rows.map((x) => x.v));
      for (const row of atBase.rows) if (!still.has(row.v!)) rows.push(row);
    }
  }
  return { rows, read };
}

/** Of the keys given (text arrays `$1`, …), those the tenant's rows no longer have (run on the source). */
function keysGoneSql(table: TablePlan, types: readonly string[]): string {
  const keys = table.keyColumns;
  const cols = keys.map((_, j) => `c${j}`);
  return `SELECT ${cols.map((c) => `u.${c}`).join(', ')}
    FROM unnest(${cols.map((_, j) => `$${j + 1}::text[]`).join(', ')}) AS u(${cols.join(', ')})
   WHERE NOT EXISTS (SELECT 1 FROM ${fromTable(table)} t
                      WHERE (${perRow(table)}) AND ${keys.map((k, j) => `t.${k} = u.c${j}::${types[j]}`).join(' AND ')})`;
}

/**
 * The base digests as `freezeScanSql` takes them (`$1`): per bucket (array index = bucket + 1)
 * its folded count and hash sum (see bucketDigest), 0 for a bucket S saw no candidate in — looked
 * up by index, never joined (the freeze's reads run without hash or merge joins, see
 * freeze-reads.ts).
 */
export function denseDigests(buckets: number, digests: readonly { b: string; d: string }[]): [string[]] {
  const dense = new Array<string>(buckets).fill('0');
  for (const d of digests) dense[Number(d.b)] = d.d;
  return [dense];
}

/** A digest scan's rows folded by foldedDigestsSql: the totals (base scan only) and two lists. */
interface FoldedDigests {
  n?: string | null;
  s?: string | null;
  /** `bucket digest` pairs, comma-separated. */
  digests: string | null;
  /** `tableoid:block digest` pairs, comma-separated. */
  blocks: string | null;
}

/**
 * A digest scan (baseScanSql with `totals`, baseVersionDigestSql without) folded into one row by
 * the server: what the scan computes is unchanged, only how it comes back. A row object per
 * bucket and per heap block (up to 65,536 buckets and one row per block of the tenant's rows) held
 * tens of MB of the client's heap at 1M rows, for every table at once; two strings per table hold
 * a few. Keys and digests are digits and `:` (bucketDigest is a bigint), so space and comma split
 * them.
 */
function foldedDigestsSql(scan: string, totals: boolean): string {
  const notTotal = totals ? 'x.g <> 3 AND ' : '';
  return `SELECT ${totals ? 'max(x.n) FILTER (WHERE x.g = 3) AS n, max(x.s) FILTER (WHERE x.g = 3) AS s, ' : ''}
       string_agg(x.b || ' ' || x.d, ',') FILTER (WHERE ${notTotal}x.b IS NOT NULL) AS digests,
       string_agg(x.blk || ' ' || x.d, ',') FILTER (WHERE ${notTotal}x.b IS NULL AND x.blk IS NOT NULL) AS blocks
  FROM (${scan}) AS x`;
}

/** Calls `each` with every `key digest` pair of a folded list (see foldedDigestsSql). */
function eachFolded(folded: string | null, each: (key: string, digest: string) => void): void {
  if (!folded) return;
  for (let at = 0; at < folded.length;) {
    const space = folded.indexOf(' ', at);
    let end = folded.indexOf(',', space);
    if (end === -1) end = folded.length;
    each(folded.slice(at, space), folded.slice(space + 1, end));
    at = end + 1;
  }
}

/** The freeze pass's starting digests of one table from its folded scan (see foldedDigestsSql). */
function unfoldDigests(
  buckets: number,
  folded: FoldedDigests,
): FreezePreparation['versions'] extends Map<unknown, infer V> ? V : never {
  const digests = new Array<string>(buckets).fill('0');
  eachFolded(folded.digests, (b, d) => (digests[Number(b)] = d));
  const blocks = BlockDigests.from((add) => eachFolded(folded.blocks, add));
  return { buckets, digests, blocks };
}

/** The version digests group up to 65,536 buckets: room to hash them in memory (set per transaction). */
const FREEZE_WORK_MEM = '64MB';

/**
 * Per table, the digests of the candidate versions snapshot S saw (see baseVersionDigestSql); and
 * the foreign keys along which rows become needed without changing (see freeze-closure.ts).
 */
/** See freezePass's `onApplied`. */
export type AppliedKeysHook = (target: pg.ClientBase, table: TablePlan, keysQuery: string) => Promise<void>;

export interface FreezePreparation {
  versions: Map<
    TablePlan,
    {
      buckets: number;
      /** Per bucket, the digest as freezeScanSql takes it (`$1`, see denseDigests). */
      digests: string[];
      /** Per heap block (`tableoid:block`), the digest of the versions S saw there (see Block digests). */
      blocks: BlockDigests;
    }
  >;
  edges: ClosureEdge[];
  /** The server reads a run of heap blocks by a TID range scan (14 and later, see keysInBlocksSql). */
  tidRange: boolean;
}

/**
 * What the freeze pass needs from snapshot S alone — the digests of the candidate versions S saw
 * — computed in the session holding S. S never changes, so this runs before the freeze: under
 * it, only the shared database's current rows are read.
 */
export async function prepareFreezePass(
  baseSnapshot: pg.ClientBase,
  base: readonly VerifiedTable[],
  changedFrom: string,
  /** The digests already taken at S by the base comparison's scan (compareAtBase): not read again. */
  atBase?: FreezePreparation['versions'],
): Promise<FreezePreparation> {
  await baseSnapshot.query(`SELECT set_config('work_mem', $1, true)`, [FREEZE_WORK_MEM]);
  const tables = base.map((b) => b.table);
  const edges = await readClosureEdges(baseSnapshot, tables);
  // Asked here, not once per table that lost rows inside the frozen window.
  const tidRange = (await serverVersionNum(baseSnapshot)) >= 140000;
  const versions: FreezePreparation['versions'] = new Map();
  for (const b of base) {
    const known = atBase?.get(b.table);
    if (known) {
      versions.set(b.table, known);
      continue;
    }
    const buckets = versionBuckets(b.count);
    const { rows } = await baseSnapshot.query<FoldedDigests>(
      foldedDigestsSql(baseVersionDigestSql(b.table, changedFrom, buckets, { tables, edges }), false),
    );
    versions.set(b.table, unfoldDigests(buckets, rows[0]!));
  }
  return { versions, edges, tidRange };
}

/**
 * The switch's base pass over one table's tenant rows at snapshot S, in one read of the shared
 * database (run in the session holding S): the count and row-hash sum of the comparison (as
 * `wholeDigestSql` computes them, `g = 3`) and, from the same rows, the version digests the
 * freeze pass starts from (as `baseVersionDigestSql`: per candidate bucket `g = 1`, per heap
 * block `g = 2`). Both used to read the rows at S apart; S never changes, so one read gives
 * both (what costs is hashing the rows, not reading them). The rows are `table.where`'s, as the
 * comparison selects them; the freeze scan reads the same rows downwards (freeze-reads.ts), and
 * its counts are checked against these.
 */
export function baseScanSql(
  table: TablePlan,
  form: RowHashForm,
  columns: readonly RowHashColumn[] | undefined,
  changedFrom: string,
  buckets: number,
): string {
  const byBlock = findsDeletionsByBlock(table);
  const g = byBlock ? 'GROUPING(b, o)' : '(GROUPING(b) * 2 + 1)';
  return `SELECT ${g} AS g, CASE WHEN GROUPING(b) = 0 THEN b::text END AS b,
       ${byBlock ? `CASE WHEN GROUPING(o) = 0 THEN o::text || ':' || k::text END` : 'NULL::text'} AS blk,
       count(*)::text AS n, coalesce(sum(h), 0)::text AS s, ${bucketDigest('count(*)', 'sum(vh)')}::text AS d
  FROM (SELECT ${rowHashSqlOf(form, table, columns)} AS h,
               CASE WHEN ${maybeChangedSql(changedFrom)} THEN ${bucketOfVersion(buckets)} ELSE -1 END AS b,
               ${byBlock ? `t.tableoid::oid AS o, ${blockOfRow} AS k, ` : ''}${hashOfVersion()} AS vh
          FROM ${fromTable(table)} t WHERE ${table.where}) AS v
 GROUP BY GROUPING SETS ((), (b)${byBlock ? ', (o, k)' : ''})
HAVING GROUPING(b) = 1 OR b >= 0`;
}

/**
 * Runs `fn` over `items` on the given sessions, each session taking the next item when it is
 * free (largest first, by `weight`): the results in the order of `items`.
 */
async function onSessions<T, R>(
  sessions: readonly pg.ClientBase[],
  items: readonly T[],
  weight: (item: T) => number,
  fn: (session: pg.ClientBase, item: T) => Promise<R>,
): Promise<R[]> {
  const order = items.map((_, i) => i).sort((a, b) => weight(items[b]!) - weight(items[a]!));
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    sessions.map(async (session) => {
      while (next < order.length) {
        const i = order[next++]!;
        out[i] = await fn(session, items[i]!);
      }
    }),
  );
  return out;
}

/**
 * The switch's base comparison at snapshot S (`baseSnapshot`, holding S) with the new database:
 * the shared side of each table in one read (baseScanSql) that also yields the digests the freeze
 * pass starts from (`versions`, for prepareFreezePass), the new database digested whole, both
 * sides at once. The shared side does twice the new database's work (two hashes per row), so it
 * is spread over `helpers` too: sessions that imported S (`SET TRANSACTION SNAPSHOT`), which see
 * exactly the rows, addresses and `xmin`s `baseSnapshot` sees. A table whose digests differ (or
 * whose column kinds do) is compared again per bucket in `baseSnapshot` (compareTable), which
 * locates the difference; its version digests stay those of S.
 */
export async function compareAtBase<F extends RowHashForm>(
  baseSnapshot: pg.ClientBase,
  target: pg.ClientBase,
  tables: readonly TablePlan[],
  form: F,
  opts: { columns: ColumnsByTable; changedFrom: string; helpers?: readonly pg.ClientBase[] },
): Promise<{ compared: TableComparison<F>[]; versions: FreezePreparation['versions'] }> {
  xid32(opts.changedFrom);
  const sources = [baseSnapshot, ...(opts.helpers ?? [])];
  for (const s of sources) await s.query(`SELECT set_config('work_mem', $1, true)`, [FREEZE_WORK_MEM]);
  const columnsOf = new Map<TablePlan, SideColumns | undefined>();
  for (const table of tables) {
    columnsOf.set(
      table,
      isColumnsForm(form)
        ? (opts.columns.get(table.qualified) ?? (await readSideColumns(baseSnapshot, target, table, form)))
        : undefined,
    );
  }
  // Sized on the plan's count (the freeze's lookups only; any size is sound).
  const bucketsOf = (table: TablePlan) => versionBuckets(table.rows ?? 0);
  const weight = (table: TablePlan) => table.bytes ?? table.rows ?? 0;
  const scanSql = (table: TablePlan) =>
    baseScanSql(table, form, columnsOf.get(table)?.source, opts.changedFrom, bucketsOf(table));
  // The freeze pass rests on S's own transaction holding every relation it read at S until the
  // commit: VACUUM FULL, CLUSTER or a rewriting ALTER by someone else would otherwise move the
  // versions S saw, and the base's block digests would no longer say where they are (Block
  // digests). A helper's locks end with it, before the freeze; so S's transaction takes the very
  // locks each scan takes, by running it for no row (its planning locks what it reads, partitions
  // included, with no privilege beyond the scan's), before any helper starts.
  if (sources.length > 1)
    for (const table of tables) await baseSnapshot.query(`SELECT 1 FROM (${scanSql(table)}) AS s LIMIT 0`);
  const [scans, targetDigests] = await Promise.all([
    onSessions(sources, tables, weight, async (session, table) => {
      const { rows } = await session.query<FoldedDigests>(foldedDigestsSql(scanSql(table), true));
      const folded = rows[0]!;
      return { total: { n: folded.n, s: folded.s }, versions: unfoldDigests(bucketsOf(table), folded) };
    }),
    onSessions([target], tables, weight, (session, table) => {
      const columns = columnsOf.get(table);
      return digestTable(session, onTarget(table), 'target', {
        form,
        buckets: DEFAULT_BUCKETS,
        locate: false,
        ...(columns && { columns: columns.target }),
      });
    }),
  ]);
  const compared: TableComparison<F>[] = [];
  const versions: FreezePreparation['versions'] = new Map();
  for (const [i, table] of tables.entries()) {
    const columns = columnsOf.get(table);
    const { total, versions: atS } = scans[i]!;
    const targetDigest = targetDigests[i]!;
    if (total.n == null || total.s == null)
      throw new Error(`${table.qualified}: the base scan returned no totals.`);
    versions.set(table, atS);
    const sourceDigest = wholeDigestOf(table, form, Number(total.n), total.s, columns?.source);
    const whole = compareDigests(table.qualified, sourceDigest, targetDigest);
    const kindsAgree = (columns?.source ?? []).every((c, i) => c.kind === columns?.target[i]?.kind);
    if (whole.equal && kindsAgree) {
      compared.push({ table, source: sourceDigest, target: targetDigest, ...whole });
      continue;
    }
    compared.push({
      table,
      ...(await compareTable(baseSnapshot, target, table, {
        form,
        expectDifference: true,
        ...(columns && { columns }),
      })),
    });
  }
  return { compared, versions };
}

/**
 * After a catch-up at snapshot S: compares the new database again with what the shared side held
 * at S. S never changes, so the shared side's digest of the first comparison still holds and
 * only the new database is read again (whole); a table still unequal is compared per bucket on
 * both sides, which locates what differs.
 */
export async function recompareAtBase<F extends RowHashForm>(
  baseSnapshot: pg.ClientBase,
  target: pg.ClientBase,
  first: readonly TableComparison<F>[],
  opts: { columns: ColumnsByTable },
): Promise<TableComparison<F>[]> {
  const out: TableComparison<F>[] = [];
  for (const c of first) {
    const { table } = c;
    const form = c.source.form;
    const columns = opts.columns.get(table.qualified);
    const targetDigest = await digestTable(target, onTarget(table), 'target', {
      form,
      buckets: DEFAULT_BUCKETS,
      locate: false,
      ...(columns && { columns: columns.target }),
    });
    const sourceDigest = wholeDigestOf(table, form, c.source.count, c.source.sum, c.source.columns);
    const whole = compareDigests(table.qualified, sourceDigest, targetDigest);
    const kindsAgree = (columns?.source ?? []).every((k, i) => k.kind === columns?.target[i]?.kind);
    if (whole.equal && kindsAgree) {
      out.push({ table, source: sourceDigest, target: targetDigest, ...whole });
      continue;
    }
    out.push({
      table,
      ...(await compareTable(baseSnapshot, target, table, { form, ...(columns && { columns }) })),
    });
  }
  return out;
}

/**
 * The catch-up under the freeze, incremental. The base is a state verified equal at snapshot S;
 * the caller holds S open in `baseSnapshot` until now. One pass over each table's tenant rows
 * counts them and lists the versions a cheap `xmin` test cannot rule out (`freezeScanSql`); the
 * session holding S then tells which of those it saw (`seenAtBaseSql`): the rest — exactly the
 * versions written since S, however many unrelated transactions are open in the cluster — are
 * re-read and upserted. What is applied grows with the writes, not with the tenant. Deleted rows
 * leave no version behind, so counts tell: a target with more rows than the source gets the keys
 * the source no longer has deleted. The digests follow arithmetically (a digest is a count and a
 * sum of row hashes; a version S saw is the row the target was verified to hold, and contributes
 * nothing). Whatever does not add up — a table without a key that lost rows, fewer rows in the
 * target than in the source — is compared and caught up in full, so the result is never a guess.
 *
 * (Chosen over comparing row hashes of the candidates with the target's: that hashes and ships
 * every candidate — every tenant row while a long transaction runs elsewhere — where this ships
 * their addresses and settles them by TID lookups, and it is exact for tables without a key too.)
 */
export async function freezePass(
  source: pg.ClientBase,
  target: pg.ClientBase,
  base: readonly VerifiedTable[],
  /**
   * The oldest xid (xid8 text) whose writes S may not have seen in this database: the base
   * snapshot's `changedFrom` (base-snapshot.ts); S.xmin is sound too, only wider.
   */
  changedFrom: string,
  /** The session holding snapshot S open (REPEATABLE READ): tells which versions and keys existed at S. */
  baseSnapshot: pg.ClientBase,
  guard?: ApplyGuard,
  /** `prepareFreezePass`, run before the freeze (it reads only S); computed here without it. */
  prepared?: FreezePreparation,
  /**
   * Told, inside the apply transaction, the keys of each table the pass upserted or deleted (a
   * query returning `k text[]`, as `keyArraySql` spells them): the switch keeps its row ledger
   * equal to what the tenant's database holds (rollback-ledger.ts).
   */
  onApplied?: AppliedKeysHook,
): Promise<FreezePassResult> {
  xid32(changedFrom);
  // One form for the whole pass: its sums are recorded together under that form.
  const form = base[0]?.form ?? 'ledger';
  if (base.some((b) => b.form !== form))
    throw new Error('The freeze pass was given sums of two row hash forms.');
  // A per-column form's kinds come with the base: the catalog is not read under the freeze.
  if (isColumnsForm(form) && base.some((b) => !b.columns))
    throw new Error(`The freeze pass was given '${form}' sums without their column kinds.`);
  const baseColumns: ColumnsByTable = new Map(
    base.flatMap((b) => (b.columns ? [[b.table.qualified, b.columns] as const] : [])),
  );
  const result: FreezePassResult = {
    verified: [],
    changedRows: 0,
    deletedRows: 0,
    fullyCompared: [],
    scannedRows: 0,
    candidateRows: 0,
    reappliedRows: 0,
    neededRows: 0,
    blockKeysRead: 0,
  };
  const settled = new Map<TablePlan, VerifiedTable>();
  const unsettled: TablePlan[] = [];

  const sourceCounts = new Map<TablePlan, number>();
  const changed = new Map<TablePlan, string[]>();
  const atBase = prepared ?? (await prepareFreezePass(baseSnapshot, base, changedFrom));
  await source.query(`SELECT set_config('work_mem', $1, true)`, [FREEZE_WORK_MEM]);
  const graph: FreezeGraph = { tables: base.map((b) => b.table), edges: atBase.edges };
  // Only the tenant's rows, through indexes (freeze-reads.ts), until the full comparison below.
  const restorePlanner = [await indexDrivenReads(source), await indexDrivenReads(baseSnapshot)];
  // Per table, the heap blocks (by relation oid) whose versions differ from S's (Block digests).
  const changedBlocks = new Map<TablePlan, Map<string, number[]>>();
  for (const b of base) {
    const { buckets, digests, blocks } = atBase.versions.get(b.table)!;
    const { rows } = await source.query<{
      b: string | null;
      total: string | null;
      m: string | null;
      v: string[] | null;
      blocks: string | null;
    }>(freezeScanSql(b.table, changedFrom, buckets, graph), [digests]);
    // The rows of the version aggregate carry the totals; none at all means no tenant rows.
    const totals = rows.find((r) => r.total !== null);
    const count = Number(totals?.total ?? 0);
    const candidates: string[] = [];
    const differing = new Map<string, number[]>();
    const differs = (blk: string) => {
      const [oid, block] = blk.split(':') as [string, string];
      const list = differing.get(oid);
      if (list) list.push(Number(block));
      else differing.set(oid, [Number(block)]);
    };
    for (const r of rows) for (const v of r.v ?? []) candidates.push(v);
    blocks.differing((visit) => {
      for (const r of rows) eachFolded(r.blocks, visit);
    }, differs);
    changedBlocks.set(b.table, differing);
    result.candidateRows += Number(totals?.m ?? 0);
    sourceCounts.set(b.table, count);
    result.scannedRows += count;
    changed.set(b.table, await changedSinceBase(baseSnapshot, b.table, candidates));
  }

  // Target-side SQL names each table where it is in the tenant's database or schema (onTarget,
  // targetOf: the identity at database level); source-side SQL and the maps keep the plan's table.
  await inApplyTransaction(
    target,
    base.map((b) => onTarget(b.table)),
    async (s) => {
      // 1. Stage what changed; the digest after applying it follows from the rows it replaces.
      const state = new Map<TablePlan, { count: number; sum: bigint; staged: number }>();
      for (const [i, b] of base.entries()) {
        const stage = stageName(i);
        const versions = changed.get(b.table)!;
        const sourceCount = sourceCounts.get(b.table)!;
        let staged = 0;
        if (versions.length) {
          const columns = stageColumns(b.table, s.tables.get(targetOf(b.table))!);
          staged = await stageRows(
            source,
            target,
            b.table,
            columns,
            stage,
            selectWhere(b.table, columns, versionsWhere(versions)),
          );
        }
        result.changedRows += staged;
        if (staged !== versions.length) {
          // A listed version is gone already: the tenant's rows changed under the freeze.
          unsettled.push(b.table);
          continue;
        }
        if (b.table.keyColumns.length === 0) {
          // Without a key, rows are settled only while every version S saw is still there (the
          // rest of the rows are the staged ones): then the staged rows are only inserted.
          if (sourceCount - staged !== b.count) {
            unsettled.push(b.table);
            continue;
          }
          const fresh = staged ? await aggregate(target, b, `FROM ${stage} t`) : { count: 0, sum: 0n };
          state.set(b.table, { count: b.count + fresh.count, sum: b.sum + fresh.sum, staged });
          continue;
        }
        if (staged === 0) {
          state.set(b.table, { count: b.count, sum: b.sum, staged });
          continue;
        }
        const keys = b.table.keyColumns;
        const replaced = await aggregate(
          target,
          b,
          `FROM ${fromTable(onTarget(b.table))} t WHERE EXISTS (SELECT 1 FROM ${stage} s WHERE ${keyMatch(keys, 's', 't')})`,
        );
        const fresh = await aggregate(target, b, `FROM ${stage} t`);
        state.set(b.table, {
          count: b.count - replaced.count + fresh.count,
          sum: b.sum - replaced.sum + fresh.sum,
          staged,
        });
      }
      // A dependent row belongs to the tenant through its parents. A parent row that moved to
      // this tenant since S brings rows below it that did not change themselves (and a deletion
      // elsewhere could hide them from the counts). A staged key the new database lacks either is
      // a new row or moved here: if it already existed at S (under any tenant), it moved, and the
      // tables below it are settled by a full comparison, never by increments. (A row moving away
      // takes its rows with it; the counts then fall, which the key diff below handles.) The keys
      // are looked up as their own types, through the parent's key index.
      const parents = new Set(
        base.flatMap((b) => (b.table.kind === 'dependent' ? ancestors(b.table, base) : [])),
      );
      const movedIn = new Set<string>();
      for (const [i, b] of base.entries()) {
        const st = state.get(b.table);
        if (!st || st.staged === 0 || !parents.has(b.table.qualified) || b.table.keyColumns.length === 0)
          continue;
        const keys = b.table.keyColumns;
        const fresh = await target.query<Record<string, string>>(
          `SELECT ${keys.map((k, j) => `t.${k}::text AS c${j}`).join(', ')} FROM ${stageName(i)} t
            WHERE NOT EXISTS (SELECT 1 FROM ${fromTable(onTarget(b.table))} x WHERE ${keyMatch(keys, 'x', 't')})`,
        );
        if (fresh.rows.length === 0) continue;
        const types = await keyTypesOf(baseSnapshot, b.table);
        const existed = await baseSnapshot.query<{ n: string }>(
          keysPresentSql(b.table, types),
          keys.map((_, j) => fresh.rows.map((r) => r[`c${j}`])),
        );
        if (Number(existed.rows[0]!.n) > 0) movedIn.add(b.table.qualified);
      }
      for (const b of base) {
        if (!state.has(b.table)) continue;
        const below = b.table.kind === 'dependent' && ancestors(b.table, base).some((q) => movedIn.has(q));
        // The rows a moved-in parent brings can reference rows the tenant did not need before (a
        // task's assignee, that user's tokens): tables whose rows are chosen through references
        // are compared in full as well, never settled on a count that one row in and one out
        // would balance.
        const chosenByReference = b.table.kind === 'referenced' || b.table.ownWhere !== undefined;
        if (below || (movedIn.size > 0 && chosenByReference)) {
          state.delete(b.table);
          unsettled.push(b.table);
        }
      }
      // Rows that became needed since S without changing — the user and the global role of a
      // membership added since — found from the changed rows (see freeze-closure.ts). Their keys
      // are ones the new database lacks, so each only adds to the digest. (After the moved-in test
      // above, which is about rows that changed.)
      const stageOf = new Map(base.map((b, i) => [b.table, stageName(i)]));
      const needed = await stageNeededRows(
        source,
        {
          target,
          columns: (t) => stageColumns(t, s.tables.get(targetOf(t))!),
          changed: (t) => (changed.get(t)?.length ? stageOf.get(t) : undefined),
        },
        base.map((b) => b.table),
        atBase.edges,
      );
      for (const b of base) {
        const n = needed.get(b.table);
        const st = state.get(b.table);
        if (!n?.rows || !st) continue;
        const stage = stageOf.get(b.table)!;
        const columns = stageColumns(b.table, s.tables.get(targetOf(b.table))!);
        const cols = columns.join(', ');
        if (!changed.get(b.table)?.length) await createStage(target, onTarget(b.table), columns, stage);
        await target.query(`INSERT INTO ${stage} (${cols}) SELECT ${cols} FROM ${n.temp}`);
        const fresh = await aggregate(target, b, `FROM ${n.temp} t`);
        st.count += fresh.count;
        st.sum += fresh.sum;
        st.staged += n.rows;
        result.neededRows += n.rows;
      }
      // 2. Keys the source no longer has: with more rows than the source, the target loses them.
      // Accounted for now (before anything is applied), deleted after the upserts. Staged keys
      // are current source keys, so the two sets never overlap. First from the keys S saw in the
      // blocks whose versions changed since (Block digests: bounded by the writes); if the counts
      // still do not add up, from every key of the tenant's rows.
      const gone = new Map<number, { sql: string; params: string[][] }>();
      for (const [i, b] of base.entries()) {
        const st = state.get(b.table);
        const sourceCount = sourceCounts.get(b.table)!;
        if (!st || st.count <= sourceCount) continue;
        const keys = b.table.keyColumns;
        // The keys S saw in the blocks whose versions changed since (Block digests): read at S,
        // bounded by the blocks the writes touched — not a second read of the tenant's rows.
        const touched = await keysInChangedBlocks(
          baseSnapshot,
          source,
          b.table,
          changedBlocks.get(b.table)!,
          atBase.tidRange,
        );
        result.scannedRows += touched.read;
        result.blockKeysRead += touched.read;
        if (touched.rows.length) {
          const types = await keyTypesOf(baseSnapshot, b.table);
          const vanished = await source.query<Record<string, string>>(
            keysGoneSql(b.table, types),
            keys.map((_, j) => touched.rows.map((r) => r[`c${j}`]!)),
          );
          if (vanished.rows.length) {
            const params = keys.map((_, j) => vanished.rows.map((r) => r[`c${j}`]!));
            const sql = `FROM ${fromTable(onTarget(b.table))} t WHERE ${keyIn(b.table, types)}`;
            const { rows } = await target.query<{ n: string; s: string | null }>(
              `SELECT count(*)::text AS n, sum(${targetRowHashSql(b)})::text AS s ${sql}`,
              params,
            );
            const count = Number(rows[0]!.n);
            const sum = BigInt(rows[0]!.s ?? '0');
            if (st.count - count === sourceCount) {
              gone.set(i, { sql, params });
              result.deletedRows += count;
              st.count -= count;
              st.sum -= sum;
              continue;
            }
          }
        }
        const keyStage = `__tp_keys_${i}`;
        await target.query(
          `CREATE TEMP TABLE ${keyStage} ON COMMIT DROP AS SELECT ${keys.map((k) => `t.${k}`).join(', ')} FROM ${targetOf(b.table)} t WITH NO DATA`,
        );
        const reader = (source as pg.Client).query(
          copyTo(
            `COPY (SELECT ${keys.map((k) => `t.${k}`).join(', ')} FROM ${fromTable(b.table)} t WHERE ${drivenWhere(b.table, graph)}) TO STDOUT`,
          ),
        );
        const writer = (target as pg.Client).query(
          copyFrom(`COPY ${keyStage} (${keys.join(', ')}) FROM STDIN`),
        );
        await pipeline(reader, writer);
        result.scannedRows += sourceCount;
        const where = `FROM ${fromTable(onTarget(b.table))} t WHERE NOT EXISTS (SELECT 1 FROM ${keyStage} k WHERE ${keyMatch(keys, 'k', 't')})`;
        const removed = await aggregate(target, b, where);
        gone.set(i, { sql: where, params: [] });
        result.deletedRows += removed.count;
        st.count -= removed.count;
        st.sum -= removed.sum;
      }
      // 3. Upserts, parents first: a re-pointed child finds its new parent, a row deleted and
      // re-inserted with the same key is updated in place. A table without a key only gains rows.
      for (const [i, b] of base.entries()) {
        const st = state.get(b.table);
        if (!st || st.staged === 0) continue;
        if (b.table.keyColumns.length === 0) {
          const cols = b.table.columns.join(', ');
          await target.query(
            `INSERT INTO ${targetOf(b.table)} (${cols}) OVERRIDING SYSTEM VALUE SELECT ${cols} FROM ${stageName(i)}`,
          );
        } else await applyStaged(s, onTarget(b.table), stageName(i));
        result.reappliedRows += st.staged;
      }
      // 4. Deletes, children first: no remaining row references a deleted one, no action fires.
      const goneKeys = new Map<number, string>();
      for (let i = base.length - 1; i >= 0; i--) {
        const g = gone.get(i);
        if (!g) continue;
        if (onApplied) {
          // The deleted keys come back from the DELETE itself: the rows are found once.
          const temp = `__tp_gone_${i}`;
          await target.query(`CREATE TEMP TABLE ${temp} (k text[]) ON COMMIT DROP`);
          await target.query(
            `WITH d AS (DELETE ${g.sql} RETURNING ${keyArraySql(base[i]!.table)} AS k) INSERT INTO ${temp} (k) SELECT k FROM d`,
            g.params,
          );
          goneKeys.set(i, temp);
        } else await target.query(`DELETE ${g.sql}`, g.params);
      }
      if (onApplied) {
        for (const [i, b] of base.entries()) {
          const st = state.get(b.table);
          const sources = [
            ...(st?.staged ? [`SELECT ${keyArraySql(b.table, 's')} AS k FROM ${stageName(i)} s`] : []),
            ...(goneKeys.has(i) ? [`SELECT k FROM ${goneKeys.get(i)!}`] : []),
          ];
          if (sources.length) await onApplied(target, b.table, sources.join(' UNION ALL '));
        }
      }
      result.reappliedRows += result.deletedRows;
      for (const b of base) {
        const st = state.get(b.table);
        if (!st) continue;
        // Fewer rows than the source: a row became the tenant's without changing (its parent
        // moved). Not settled by increments.
        if (st.count !== sourceCounts.get(b.table)) unsettled.push(b.table);
        else settled.set(b.table, { table: b.table, count: st.count, sum: st.sum, form: b.form });
      }
    },
    guard,
  );

  for (const restore of restorePlanner) await restore();
  // Whatever the increments could not settle is compared and caught up in full.
  if (unsettled.length) {
    // Settled in the base's form, so the recorded digests are all of the form the record names.
    // Their counts disagree (that is why they are unsettled): under the freeze, locate at once
    // rather than digest whole first.
    const compared = await compareTables(source, target, unsettled, form, {
      expectDifference: true,
      columns: baseColumns,
    });
    for (const c of compared) result.scannedRows += c.source.count;
    const changed = compared.filter((c) => !c.equal);
    let settledFull = compared;
    if (changed.length) {
      const stats = await catchUp(source, target, compared, guard);
      for (const st of stats) result.reappliedRows += st.staged + st.deleted;
      // Only what differed is read again: the rest is equal at this (frozen) instant already.
      const again = await compareTables(
        source,
        target,
        changed.map((c) => c.table),
        form,
        { columns: baseColumns },
      );
      for (const c of again) result.scannedRows += c.source.count;
      settledFull = compared.map((c) => (c.equal ? c : again.find((x) => x.table === c.table)!));
    }
    const unequal = settledFull.filter((c) => !c.equal);
    if (unequal.length) {
      throw new Error(
        `still different after a full catch-up: ${unequal
          .flatMap((c) => c.differences)
          .slice(0, 5)
          .join('; ')}`,
      );
    }
    for (const c of settledFull) settled.set(c.table, verifiedFrom(c));
    result.fullyCompared = unsettled.map((t) => t.qualified);
  }
  result.verified = base.map((b) => settled.get(b.table)!);
  return result;
}

/** The planned tables a table reaches through its foreign keys, transitively (its owners). */
function ancestors(table: TablePlan, base: readonly VerifiedTable[]): string[] {
  const byName = new Map(base.map((b) => [b.table.qualified, b.table]));
  const seen = new Set<string>();
  const walk = (t: TablePlan) => {
    for (const fk of t.foreignKeys ?? []) {
      if (seen.has(fk.references) || fk.references === t.qualified) continue;
      seen.add(fk.references);
      const parent = byName.get(fk.references);
      if (parent) walk(parent);
    }
  };
  walk(table);
  return [...seen];
}

/**
 * Count and hash sum (in the base's form) of the rows `fromWhere` selects in the new database
 * (alias t, the table's planned columns, of the new database's types); added to recorded sums.
 */
async function aggregate(
  target: pg.ClientBase,
  base: Pick<VerifiedTable, 'table' | 'form' | 'columns'>,
  fromWhere: string,
): Promise<{ count: number; sum: bigint }> {
  const { rows } = await target.query<{ n: string; s: string | null }>(
    `SELECT count(*)::text AS n, sum(${targetRowHashSql(base)})::text AS s ${fromWhere}`,
  );
  return { count: Number(rows[0]!.n), sum: BigInt(rows[0]!.s ?? '0') };
}

/**
 * `session_replication_role = replica` turns off foreign-key enforcement and triggers for this
 * transaction, so rows can be applied in any order; it needs a superuser (or GRANT SET on it).
 * Without it, the apply order, deferred keys and set-aside rows keep foreign keys (see above).
 */
async function tryReplicaMode(target: pg.ClientBase): Promise<boolean> {
  await target.query('SAVEPOINT replica_mode');
  try {
    await target.query(`SET LOCAL session_replication_role = replica`);
    await target.query('RELEASE SAVEPOINT replica_mode');
    return true;
  } catch {
    await target.query('ROLLBACK TO SAVEPOINT replica_mode');
    return false;
  }
}
