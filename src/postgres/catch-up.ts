import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { bucketSql, compareTable, fromTable, keyText, rowHashSql, type TableDigest } from './checksum';
import type { TablePlan } from './plan-types';

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

export interface TableComparison {
  table: TablePlan;
  source: TableDigest;
  target: TableDigest;
  equal: boolean;
  differences: string[];
}

export async function compareTables(
  source: pg.ClientBase,
  target: pg.ClientBase,
  tables: readonly TablePlan[],
): Promise<TableComparison[]> {
  const out: TableComparison[] = [];
  for (const table of tables) out.push({ table, ...(await compareTable(source, target, table)) });
  return out;
}

/** The bucket of the row aliased `t`, under the scheme a digest used; a scalar SQL expression. */
function bucketOfRow(c: TableComparison): string {
  const { table } = c;
  const scheme = c.source.scheme;
  const k = keyText(table) ?? 'NULL::text';
  const kn = scheme.kind === 'range' ? `t.${table.keyColumns[0]}::numeric` : 'NULL::numeric';
  return `(SELECT ${bucketSql(scheme)} FROM (SELECT ${rowHashSql(table)} AS h, ${k} AS k, ${kn} AS kn) AS __bucket)`;
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
  await target.query(
    `CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${columns.map((c) => `t.${c}`).join(', ')} FROM ${table.qualified} t WITH NO DATA`,
  );
  const reader = (source as pg.Client).query(copyTo(`COPY (${select}) TO STDOUT`));
  const writer = (target as pg.Client).query(copyFrom(`COPY ${stage} (${cols}) FROM STDIN`));
  await pipeline(reader, writer);
  return Number(writer.rowCount ?? 0);
}

/** The source's rows of `table` (the tenant's), restricted by an extra predicate on alias t. */
function selectWhere(table: TablePlan, columns: string[], extra: string): string {
  return `SELECT ${columns.map((col) => `t.${col}`).join(', ')} FROM ${fromTable(table)} t WHERE (${table.where}) AND ${extra}`;
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
  return inApplyTransaction(
    target,
    work.map((w) => w.c.table),
    async (s) => {
      const stats: CatchUpStats[] = [];
      const inBuckets = (c: TableComparison, buckets: number[]) =>
        `${bucketOfRow(c)} IN (${buckets.join(', ')})`;
      for (const [i, { c, buckets }] of work.entries()) {
        const columns = stageColumns(c.table, s.tables.get(c.table.qualified)!);
        const staged = await stageRows(
          source,
          target,
          c.table,
          columns,
          stageName(i),
          selectWhere(c.table, columns, inBuckets(c, buckets)),
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
            `DELETE FROM ${fromTable(c.table)} t WHERE ${inBuckets(c, buckets)}`,
          );
          const cols = c.table.columns.join(', ');
          const ins = await target.query(
            `INSERT INTO ${c.table.qualified} (${cols}) OVERRIDING SYSTEM VALUE SELECT ${cols} FROM ${stageName(i)}`,
          );
          stats[i]!.deleted = del.rowCount ?? 0;
          stats[i]!.upserted = ins.rowCount ?? 0;
          continue;
        }
        const applied = await applyStaged(s, c.table, stageName(i));
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
          `DELETE FROM ${fromTable(c.table)} t WHERE ${inBuckets(c, buckets)}
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
  /** Sum of the rows' 64-bit hashes (see checksum.ts), as a bigint. */
  sum: bigint;
}

export function verifiedFrom(c: TableComparison): VerifiedTable {
  const sum = c.source.buckets.reduce((acc, b) => acc + BigInt(b.sum), 0n);
  return { table: c.table, count: c.source.count, sum };
}

export interface FreezePassResult {
  verified: VerifiedTable[];
  /** Rows re-read because they changed since the base snapshot. */
  changedRows: number;
  deletedRows: number;
  /** Tables the incremental pass could not settle, re-compared in full. */
  fullyCompared: string[];
}

/**
 * The catch-up under the freeze, incremental. The base is a state verified equal at snapshot S
 * (`xmin` = the oldest transaction S did not see; the caller holds S open until now, so VACUUM
 * cannot freeze newer row versions). A row inserted or updated since S has `age(xmin)` no older
 * than that transaction's: those rows are re-read and upserted. Deleted rows leave no version
 * behind, so counts tell: a target with more rows than the source gets the keys the source no
 * longer has deleted. The digests follow arithmetically (a digest is a count and a sum of row
 * hashes). Whatever does not add up — a table without a key that changed, fewer rows in the
 * target than in the source — is compared and caught up in full, so the result is never a guess.
 */
export async function freezePass(
  source: pg.ClientBase,
  target: pg.ClientBase,
  base: readonly VerifiedTable[],
  snapshotXmin: string,
  /** The session holding snapshot S open (REPEATABLE READ): tells which keys existed at S. */
  baseSnapshot: pg.ClientBase,
  guard?: ApplyGuard,
): Promise<FreezePassResult> {
  if (!/^\d+$/.test(snapshotXmin)) throw new Error(`Invalid snapshot xmin ${snapshotXmin}`);
  // xid8 → the 32-bit xid that xmin holds; an integer we computed, so it is safe to inline.
  const xid32 = (BigInt(snapshotXmin) % 4294967296n).toString();
  const changedSince = `age(t.xmin) <= age('${xid32}'::xid)`;
  const result: FreezePassResult = { verified: [], changedRows: 0, deletedRows: 0, fullyCompared: [] };
  const settled = new Map<TablePlan, VerifiedTable>();
  const unsettled: TablePlan[] = [];

  const sourceCounts = new Map<TablePlan, number>();
  for (const b of base) {
    const { rows } = await source.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${fromTable(b.table)} t WHERE ${b.table.where}`,
    );
    sourceCounts.set(b.table, Number(rows[0]!.n));
  }

  await inApplyTransaction(
    target,
    base.map((b) => b.table),
    async (s) => {
      // 1. Stage what changed; the digest after applying it follows from the rows it replaces.
      const state = new Map<TablePlan, { count: number; sum: bigint; staged: number }>();
      for (const [i, b] of base.entries()) {
        const stage = stageName(i);
        const columns = stageColumns(b.table, s.tables.get(b.table.qualified)!);
        const staged = await stageRows(
          source,
          target,
          b.table,
          columns,
          stage,
          selectWhere(b.table, columns, changedSince),
        );
        result.changedRows += staged;
        if (b.table.keyColumns.length === 0) {
          if (staged > 0 || sourceCounts.get(b.table) !== b.count) unsettled.push(b.table);
          else state.set(b.table, { count: b.count, sum: b.sum, staged });
          continue;
        }
        if (staged === 0) {
          state.set(b.table, { count: b.count, sum: b.sum, staged });
          continue;
        }
        const keys = b.table.keyColumns;
        const replaced = await aggregate(
          target,
          b.table,
          `FROM ${fromTable(b.table)} t WHERE EXISTS (SELECT 1 FROM ${stage} s WHERE ${keyMatch(keys, 's', 't')})`,
        );
        const fresh = await aggregate(target, b.table, `FROM ${stage} t`);
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
      // takes its rows with it; the counts then fall, which the key diff below handles.)
      const parents = new Set(
        base.flatMap((b) => (b.table.kind === 'dependent' ? ancestors(b.table, base) : [])),
      );
      const movedIn = new Set<string>();
      for (const [i, b] of base.entries()) {
        const st = state.get(b.table);
        if (!st || st.staged === 0 || !parents.has(b.table.qualified) || b.table.keyColumns.length === 0)
          continue;
        const keys = b.table.keyColumns;
        const fresh = await target.query<{ k: string }>(
          `SELECT ${keyText(b.table)} AS k FROM ${stageName(i)} t
            WHERE NOT EXISTS (SELECT 1 FROM ${fromTable(b.table)} x WHERE ${keyMatch(keys, 'x', 't')})`,
        );
        if (fresh.rows.length === 0) continue;
        const existed = await baseSnapshot.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM ${fromTable(b.table)} t WHERE ${keyText(b.table)} = ANY($1::text[])`,
          [fresh.rows.map((r) => r.k)],
        );
        if (Number(existed.rows[0]!.n) > 0) movedIn.add(b.table.qualified);
      }
      for (const b of base) {
        if (b.table.kind !== 'dependent' || !state.has(b.table)) continue;
        if (ancestors(b.table, base).some((q) => movedIn.has(q))) {
          state.delete(b.table);
          unsettled.push(b.table);
        }
      }
      // 2. Keys the source no longer has: with more rows than the source, the target loses them.
      // Accounted for now (before anything is applied), deleted after the upserts. Staged keys
      // are current source keys, so the two sets never overlap.
      const gone = new Map<number, string>();
      for (const [i, b] of base.entries()) {
        const st = state.get(b.table);
        const sourceCount = sourceCounts.get(b.table)!;
        if (!st || st.count <= sourceCount) continue;
        const keys = b.table.keyColumns;
        const keyStage = `__tp_keys_${i}`;
        await target.query(
          `CREATE TEMP TABLE ${keyStage} ON COMMIT DROP AS SELECT ${keys.map((k) => `t.${k}`).join(', ')} FROM ${b.table.qualified} t WITH NO DATA`,
        );
        const reader = (source as pg.Client).query(
          copyTo(
            `COPY (SELECT ${keys.map((k) => `t.${k}`).join(', ')} FROM ${fromTable(b.table)} t WHERE ${b.table.where}) TO STDOUT`,
          ),
        );
        const writer = (target as pg.Client).query(
          copyFrom(`COPY ${keyStage} (${keys.join(', ')}) FROM STDIN`),
        );
        await pipeline(reader, writer);
        const where = `FROM ${fromTable(b.table)} t WHERE NOT EXISTS (SELECT 1 FROM ${keyStage} k WHERE ${keyMatch(keys, 'k', 't')})`;
        const removed = await aggregate(target, b.table, where);
        gone.set(i, where);
        result.deletedRows += removed.count;
        st.count -= removed.count;
        st.sum -= removed.sum;
      }
      // 3. Upserts, parents first: a re-pointed child finds its new parent, a row deleted and
      // re-inserted with the same key is updated in place.
      for (const [i, b] of base.entries()) {
        const st = state.get(b.table);
        if (st && st.staged > 0) await applyStaged(s, b.table, stageName(i));
      }
      // 4. Deletes, children first: no remaining row references a deleted one, no action fires.
      for (let i = base.length - 1; i >= 0; i--) {
        const where = gone.get(i);
        if (where) await target.query(`DELETE ${where}`);
      }
      for (const b of base) {
        const st = state.get(b.table);
        if (!st) continue;
        // Fewer rows than the source: a row became the tenant's without changing (its parent
        // moved). Not settled by increments.
        if (st.count !== sourceCounts.get(b.table)) unsettled.push(b.table);
        else settled.set(b.table, { table: b.table, count: st.count, sum: st.sum });
      }
    },
    guard,
  );

  // Whatever the increments could not settle is compared and caught up in full.
  if (unsettled.length) {
    const compared = await compareTables(source, target, unsettled);
    if (compared.some((c) => !c.equal)) await catchUp(source, target, compared, guard);
    const again = await compareTables(source, target, unsettled);
    const unequal = again.filter((c) => !c.equal);
    if (unequal.length) {
      throw new Error(
        `still different after a full catch-up: ${unequal
          .flatMap((c) => c.differences)
          .slice(0, 5)
          .join('; ')}`,
      );
    }
    for (const c of again) settled.set(c.table, verifiedFrom(c));
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

/** Count and hash sum of the rows `fromWhere` selects (alias t, the table's planned columns). */
async function aggregate(
  client: pg.ClientBase,
  table: TablePlan,
  fromWhere: string,
): Promise<{ count: number; sum: bigint }> {
  const { rows } = await client.query<{ n: string; s: string | null }>(
    `SELECT count(*)::text AS n, sum(${rowHashSql(table)})::text AS s ${fromWhere}`,
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
