import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { PromotionError } from '../errors';
import { fromTable, ledgerRowHashSql } from './checksum';
import type { TablePlan, TenantPlan } from './plan-types';
import { removedKeysCopySql, removedKeysMismatch } from './cleanup-removed';
import { joinOn, readEdges, type ReferenceEdge } from './referenced-cleanup';
import {
  keyArraySql,
  ledgerCopySql,
  sharedWriteParts,
  type LedgerTable,
  type SharedWritePart,
} from './rollback-ledger';

/**
 * A key as the record shows it. A composite key is written as PostgreSQL writes a row: an element
 * holding a comma, a parenthesis, a quote, a backslash or a space, or empty, is double-quoted
 * (quotes and backslashes doubled), so two different keys are never shown alike (review r17:
 * ('a,b', '"q"') and ('a', 'b,"q"') both showed as (a,b,"q")).
 */
export function shownKey(k: readonly string[]): string {
  if (k.length === 1) return k[0]!;
  const element = (v: string) =>
    v === '' || /[,()"\\\s]/.test(v) ? `"${v.replace(/(["\\])/g, '$1$1')}"` : v;
  return `(${k.map(element).join(',')})`;
}

/**
 * The rows a rollback brings back into the shared database, in three kinds of work:
 *
 * - **The tenant's own rows** (tenant and dependent tables; `ownWhere` where a table also holds
 *   global rows): only the tenant writes them, so the tenant's database is their truth. Its stale
 *   shared rows are deleted (children first) and the tenant's database's rows copied in (parents
 *   first) — INSERTs, so an application's BEFORE UPDATE trigger (`updated_at = now()`) never
 *   rewrites a restored row.
 * - **Rows both sides may write** (referenced rows, global rows, tables copied whole; see
 *   rollback-ledger.ts): merged three ways against the ledger recorded at the switch. Rows the
 *   tenant inserted, changed or deleted since the switch come back when the shared side left the
 *   row as it was at the switch; a row changed on both sides is a conflict; a row only the shared
 *   side changed stays as it is.
 * - **Nothing else**: a row of the tenant's database that belongs to no part (a row of another
 *   tenant written there) is reported, and the rollback refuses.
 *
 * `prepareRestore` reads and classifies everything (temporary tables on the shared session, no
 * write to any table), so conflicts and stray rows refuse before anything changes; the dry run
 * stops there. `applyRestore` then writes with every constraint checked as the connecting role —
 * no replica mode, no trigger disabled, foreign keys per statement (DEFERRABLE ones deferred to the
 * end of the apply): deletes of stale own rows children first, then per table parents first the
 * merged inserts and updates and the own rows, then the merged deletes children first.
 * `verifyRestore` proves the result row by row (hash sums) before the caller commits.
 */

/**
 * Referenced rows cleanup removed (remove-unused): the attempt whose keys the tenant's database
 * holds and the rows it removed per table, as the shared database recorded them; or
 * 'unrecorded' (a cleanup from before the keys were recorded).
 */
export type RemovedByCleanup = { attempt: string; tables: Record<string, number> } | 'unrecorded';

export interface OwnPart {
  table: TablePlan;
  /** The tenant's own rows (alias t), on either side (tenant id set on both sessions). */
  where: string;
}

export type MergeAction = 'insert' | 'update' | 'delete';
export type Side = 'inserted' | 'updated' | 'deleted';

export interface RestoreConflict {
  table: string;
  /** The key, as text (`(1,2)` for a composite key). */
  key: string;
  tenant: Side;
  shared: Side;
}

export interface MergeReport {
  table: string;
  what: SharedWritePart['what'];
  insert: number;
  update: number;
  delete: number;
  /** Changed by the tenant and, identically, in the shared database already. */
  same: number;
  conflicts: number;
}

export interface OwnReport {
  table: string;
  kind: TablePlan['kind'];
  /** The tenant's rows in its database: what comes back. */
  isolatedRows: number;
  /** The tenant's rows in the shared database now: what they replace. */
  sharedRows: number;
}

interface MergeStage {
  part: SharedWritePart;
  stage: string;
  ledger: string;
  merge: string;
  keyTypes: string[];
  alwaysIdentity: string[];
}

export interface PreparedRestore {
  own: OwnPart[];
  merges: MergeStage[];
  ownReports: OwnReport[];
  mergeReports: MergeReport[];
  conflicts: RestoreConflict[];
  /** Rows of the tenant's database that belong to no part, per table (refused). */
  stray: string[];
  /** Tables without a key the tenant changed (cannot be merged row by row: refused). */
  unmergeable: string[];
  /** Own rows whose keys rows of the shared database that are not the tenant's hold (refused). */
  collisions: string[];
  /** User triggers of the shared database that fire as the rows come back (listed, see firingTriggers). */
  triggers: FiringTrigger[];
  notes: string[];
}

/** The tenant's own parts of a plan: tenant and dependent tables, by `ownWhere` where it has one. */
export function ownParts(plan: TenantPlan): OwnPart[] {
  return plan.tables
    .filter((t) => t.kind === 'tenant' || t.kind === 'dependent')
    .map((t) => ({ table: t, where: t.ownWhere ?? t.where }));
}

async function aggregate(
  client: pg.ClientBase,
  table: TablePlan,
  where: string,
): Promise<{ count: number; sum: string }> {
  const { rows } = await client.query<{ n: string; s: string }>(
    `SELECT count(*)::text AS n, coalesce(sum(${ledgerRowHashSql(table)}), 0)::text AS s FROM ${fromTable(table)} t WHERE ${where}`,
  );
  return { count: Number(rows[0]!.n), sum: rows[0]!.s };
}

/** `format_type` of the key columns (casts of key text back to the key's own types). */
async function columnFacts(
  client: pg.ClientBase,
  table: TablePlan,
): Promise<{ keyTypes: string[]; alwaysIdentity: string[] }> {
  const { rows } = await client.query<{ name: string; type: string; identity: string }>(
    `SELECT '"' || replace(a.attname, '"', '""') || '"' AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attidentity::text AS identity
       FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
    [table.qualified],
  );
  const types = new Map(rows.map((r) => [r.name, r.type]));
  return {
    keyTypes: table.keyColumns.map((k) => {
      const t = types.get(k);
      if (!t) throw new Error(`No key column ${k} in ${table.qualified}`);
      return t;
    }),
    alwaysIdentity: rows.filter((r) => r.identity === 'a').map((r) => r.name),
  };
}

/** `t.k1 = (arr)[1]::type1 AND …`: the row of `alias` whose key is the text array `arr`. */
function keyFromArray(table: TablePlan, types: readonly string[], alias: string, arr: string): string {
  return table.keyColumns.map((k, i) => `${alias}.${k} = (${arr})[${i + 1}]::${types[i]}`).join(' AND ');
}

async function copyBetween(
  source: pg.ClientBase,
  target: pg.ClientBase,
  out: string,
  into: string,
): Promise<number> {
  const reader = (source as pg.Client).query(copyTo(out));
  const writer = (target as pg.Client).query(copyFrom(into));
  await pipeline(reader, writer);
  return Number(writer.rowCount ?? 0);
}

/**
 * Reads and classifies what the rollback would write. `shared` is in a transaction (temporary
 * tables ON COMMIT DROP), both sessions comparable and with the tenant id set. Writes no table.
 * `ledger`: the ledger's tables (readLedgerTables), undefined without a ledger.
 */
export async function prepareRestore(
  shared: pg.ClientBase,
  isolated: pg.ClientBase,
  plan: TenantPlan,
  ledger: Map<string, LedgerTable> | undefined,
  /**
   * Cleanup removed referenced rows nothing in the shared database used any more
   * (cleanup-referenced-rows: remove-unused): those rows come back from the tenant's database,
   * changed there or not, instead of counting as shared deletes. `attempt`: the cleanup recorded
   * their keys (cleanup-removed.ts) — exactly those come back, and a referenced row the shared
   * database deleted on purpose since stays deleted. `'unrecorded'`: a cleanup made before keys were
   * recorded — every referenced row missing from the shared database comes back, and a note says so.
   */
  options: {
    removedByCleanup?: RemovedByCleanup;
    /** The tool schema on the tenant's side holding the ledger and the removed keys (rollback-ledger.ts). */
    toolSchema: string;
  },
): Promise<PreparedRestore> {
  const prepared: PreparedRestore = {
    own: ownParts(plan),
    merges: [],
    ownReports: [],
    mergeReports: [],
    conflicts: [],
    stray: [],
    unmergeable: [],
    collisions: [],
    triggers: await firingTriggers(shared, plan),
    notes: [],
  };
  if (prepared.triggers.length) prepared.notes.push(describeTriggers(prepared.triggers));
  if (!ledger)
    prepared.notes.push(
      'The tenant database has no row ledger (promoted before it was recorded): rows of shared tables that differ between the two databases are treated as conflicts.',
    );
  for (const p of prepared.own) {
    const isolatedRows = await aggregate(isolated, p.table, p.where);
    const sharedRows = await aggregate(shared, p.table, p.where);
    prepared.ownReports.push({
      table: p.table.qualified,
      kind: p.table.kind,
      isolatedRows: isolatedRows.count,
      sharedRows: sharedRows.count,
    });
    // Rows of the tenant's database that are neither the tenant's own nor a merged part's (with
    // global rows, `ownWhere` is NULL for those, merged, and false for another tenant's).
    const stray = await aggregate(
      isolated,
      p.table,
      p.table.ownWhere ? `(${p.where}) IS FALSE` : `(${p.where}) IS NOT TRUE`,
    );
    if (stray.count > 0)
      prepared.stray.push(
        `${p.table.qualified}: ${stray.count} row(s) that are not the tenant's (another tenant's key, or no parent)`,
      );
    const taken = await keysTakenInShared(shared, isolated, p, prepared.own.indexOf(p));
    if (taken.length)
      prepared.collisions.push(
        `${p.table.qualified} key ${taken.slice(0, 20).join(', ')}${taken.length > 20 ? ` … (${taken.length}${taken.length > 100 ? '+' : ''} in all)` : ''}`,
      );
  }
  const removedBy = options.removedByCleanup;
  if (removedBy === 'unrecorded')
    prepared.notes.push(
      'Cleanup (cleanup-referenced-rows: remove-unused) ran before the keys it removed were recorded: every referenced row missing from the shared database comes back from the tenant’s, including one the shared database deleted on purpose since the switch.',
    );
  else if (removedBy) {
    const mismatch = await removedKeysMismatch(
      isolated,
      removedBy.attempt,
      removedBy.tables,
      options.toolSchema,
    );
    if (mismatch.length > 0)
      throw new PromotionError(
        'tenant-state',
        `The tenant record names the cleanup that removed referenced rows (attempt ${removedBy.attempt}), but the tenant's database does not hold the keys of every row it removed (${mismatch.join('; ')}); nothing was changed.`,
        `The tenant stays isolated. The tool's schema ${options.toolSchema} beside the tenant's tables was changed by hand or restored from an earlier backup: restore it, or bring the removed referenced rows back by hand, then re-run the rollback.`,
      );
  }
  for (const [i, part] of sharedWriteParts(plan).entries()) {
    const t = part.table;
    const recorded = ledger?.get(t.qualified);
    if (t.keyColumns.length === 0) {
      // Without a key no row can be matched: the part must be as the switch left it.
      const now = await aggregate(isolated, t, part.isolatedWhere);
      const base = recorded ?? (t.kind === 'reference' ? await aggregate(shared, t, 'true') : undefined);
      if (!base) {
        prepared.notes.push(`${t.qualified} has no key and no ledger entry: not compared.`);
      } else if (base.count !== now.count || base.sum !== now.sum) {
        prepared.unmergeable.push(
          `${t.qualified} (${part.what}, no primary or unique key): changed in the tenant's database since the switch (${base.count} → ${now.count} rows)`,
        );
      }
      continue;
    }
    const facts = await columnFacts(shared, t);
    const stage = `__tp_rb_stage_${i}`;
    const ledgerTemp = `__tp_rb_ledger_${i}`;
    const merge = `__tp_rb_merge_${i}`;
    const cols = t.columns.join(', ');
    await shared.query(
      `CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${t.columns.map((c) => `t.${c}`).join(', ')} FROM ${t.qualified} t WITH NO DATA`,
    );
    await copyBetween(
      isolated,
      shared,
      `COPY (SELECT ${t.columns.map((c) => `t.${c}`).join(', ')} FROM ${fromTable(t)} t WHERE ${part.isolatedWhere}) TO STDOUT`,
      `COPY ${stage} (${cols}) FROM STDIN`,
    );
    await shared.query(
      `CREATE TEMP TABLE ${ledgerTemp} (k text[] PRIMARY KEY, h bigint NOT NULL) ON COMMIT DROP`,
    );
    if (recorded)
      await copyBetween(
        isolated,
        shared,
        ledgerCopySql(t.qualified, options.toolSchema),
        `COPY ${ledgerTemp} (k, h) FROM STDIN`,
      );
    // Referenced rows cleanup removed (remove-unused) come back from the tenant's database whether
    // it changed them or not: with a record, exactly the keys it removed (review: every referenced
    // row missing from the shared side came back, one the shared database erased on purpose too).
    let removed: string | undefined;
    if (removedBy && part.what === 'referenced rows') {
      if (removedBy === 'unrecorded') removed = 'true';
      else {
        const keys = `__tp_rb_removed_${i}`;
        await shared.query(`CREATE TEMP TABLE ${keys} (k text[] PRIMARY KEY) ON COMMIT DROP`);
        await copyBetween(
          isolated,
          shared,
          removedKeysCopySql(removedBy.attempt, t.qualified, options.toolSchema),
          `COPY ${keys} (k) FROM STDIN`,
        );
        removed = `i.k IN (SELECT k FROM ${keys})`;
      }
    }
    // Only rows the tenant changed since the switch (its hash differs from the ledger's, or one
    // side has no such key) are looked up in the shared table, by key, through its index; and the
    // rows cleanup removed.
    await shared.query(
      `CREATE TEMP TABLE ${merge} ON COMMIT DROP AS
       WITH i AS (SELECT ${keyArraySql(t)} AS k, ${ledgerRowHashSql(t)} AS h FROM ${stage} t),
            a AS (SELECT coalesce(i.k, l.k) AS k, i.h AS ih, l.h AS lh, ${removed ? `i.h IS NOT NULL AND ${removed}` : 'false'} AS removed
                    FROM i FULL JOIN ${ledgerTemp} l ON l.k = i.k
                   WHERE i.h IS DISTINCT FROM l.h${
                     removed
                       ? ` OR (i.h IS NOT NULL AND ${removed} AND NOT EXISTS (SELECT 1 FROM ${fromTable(t)} t WHERE ${keyFromArray(t, facts.keyTypes, 't', 'i.k')}))`
                       : ''
                   }),
            b AS (SELECT a.k, a.ih, a.lh, a.removed,
                         (SELECT ${ledgerRowHashSql(t)} FROM ${fromTable(t)} t WHERE ${keyFromArray(t, facts.keyTypes, 't', 'a.k')}) AS sh
                    FROM a)
       SELECT b.k, b.ih, b.lh, b.sh,
              CASE WHEN b.sh IS NOT DISTINCT FROM b.ih THEN 'same'
                   WHEN b.sh IS NOT DISTINCT FROM b.lh THEN
                     CASE WHEN b.ih IS NULL THEN 'delete' WHEN b.lh IS NULL THEN 'insert' ELSE 'update' END
                   WHEN b.sh IS NULL AND b.removed THEN 'insert'
                   ELSE 'conflict' END AS action,
              b.removed
         FROM b`,
    );
    if (removed) {
      const { rows: back } = await shared.query<{ k: string[] }>(
        `SELECT k FROM ${merge} WHERE removed AND action = 'insert' ORDER BY k`,
      );
      if (back.length)
        prepared.notes.push(
          `${back.length} row(s) of ${t.qualified} that cleanup removed from the shared database (cleanup-referenced-rows: remove-unused${removedBy === 'unrecorded' ? '' : ', keys recorded at cleanup'}) come back: ${back
            .slice(0, 10)
            .map((r) => shownKey(r.k))
            .join(', ')}${back.length > 10 ? ` … and ${back.length - 10} more` : ''}.`,
        );
    }
    prepared.merges.push({ part, stage, ledger: ledgerTemp, merge, ...facts });
  }
  // Rows deleted in the shared database that rows coming back still reference come back too.
  for (const [table, keys] of await reviveReferenced(shared, isolated, plan, prepared))
    prepared.notes.push(
      `${keys.length} row(s) of ${table} deleted in the shared database since the switch come back, because the tenant's rows still reference them: ${keys.slice(0, 10).join(', ')}${keys.length > 10 ? ` … and ${keys.length - 10} more` : ''}.`,
    );
  for (const m of prepared.merges) {
    const t = m.part.table;
    const { rows } = await shared.query<{ action: string; n: string }>(
      `SELECT action, count(*)::text AS n FROM ${m.merge} GROUP BY action`,
    );
    const count = (a: string) => Number(rows.find((r) => r.action === a)?.n ?? 0);
    prepared.mergeReports.push({
      table: t.qualified,
      what: m.part.what,
      insert: count('insert'),
      update: count('update'),
      delete: count('delete'),
      same: count('same'),
      conflicts: count('conflict'),
    });
    if (count('conflict') > 0) {
      const { rows: conflicts } = await shared.query<{
        k: string[];
        ih: string | null;
        lh: string | null;
        sh: string | null;
      }>(
        `SELECT k, ih::text AS ih, lh::text AS lh, sh::text AS sh FROM ${m.merge} WHERE action = 'conflict' ORDER BY k LIMIT 100`,
      );
      for (const c of conflicts) {
        prepared.conflicts.push({
          table: t.qualified,
          key: shownKey(c.k),
          tenant: c.lh === null ? 'inserted' : c.ih === null ? 'deleted' : 'updated',
          shared: c.lh === null ? 'inserted' : c.sh === null ? 'deleted' : 'updated',
        });
      }
    }
    const taken = await uniqueValuesTaken(
      shared,
      t,
      { stage: m.stage, merge: m.merge },
      prepared.unmergeable,
    );
    if (taken.length) prepared.collisions.push(...taken);
  }
  return prepared;
}

/**
 * Keys of the tenant's own rows (in its database) that a row of the shared database which is not
 * the tenant's already holds: restoring them would fail with a duplicate key (review: a table
 * created after the promotion by the same migration on both sides has no sequence range, so both
 * sides hand out the same ids; the rollback failed mid-way and the dry run did not foresee it).
 * The keys are copied to a temporary table on the shared session and looked up through the
 * table's key index. Returns up to 101 keys as text.
 */
async function keysTakenInShared(
  shared: pg.ClientBase,
  isolated: pg.ClientBase,
  p: OwnPart,
  i: number,
): Promise<string[]> {
  const t = p.table;
  if (!t.keyColumns.length) return [];
  const temp = `__tp_rb_ownkeys_${i}`;
  const keys = t.keyColumns.join(', ');
  await shared.query(
    `CREATE TEMP TABLE ${temp} ON COMMIT DROP AS SELECT ${t.keyColumns.map((k) => `t.${k}`).join(', ')} FROM ${t.qualified} t WITH NO DATA`,
  );
  const n = await copyBetween(
    isolated,
    shared,
    `COPY (SELECT ${t.keyColumns.map((k) => `t.${k}`).join(', ')} FROM ${fromTable(t)} t WHERE ${p.where}) TO STDOUT`,
    `COPY ${temp} (${keys}) FROM STDIN`,
  );
  if (n === 0) return [];
  await shared.query(`ANALYZE ${temp}`);
  const { rows } = await shared.query<{ k: string[] }>(
    `SELECT ${keyArraySql(t, 'k')} AS k FROM ${temp} k
      WHERE EXISTS (SELECT 1 FROM ${fromTable(t)} t
                     WHERE ${t.keyColumns.map((c) => `t.${c} = k.${c}`).join(' AND ')} AND (${p.where}) IS NOT TRUE)
      ORDER BY 1 LIMIT 101`,
  );
  return rows.map((r) => shownKey(r.k));
}

/**
 * Rows the tenant inserted or changed (a merged part) whose values of a unique index another row
 * of the shared database holds under another key — a user inserted on both sides with the same
 * email (review: a raw 23505 in the middle of the restore). Listed before anything changes.
 *
 * Every unique index but the primary key: plain columns, expressions (`lower(email)`) and partial
 * ones (review: the dry run missed those, the real rollback then refused). The index's own terms
 * (`pg_get_indexdef` per column) and predicate (`pg_get_expr` of indpred), as the catalog prints
 * them with bare column names, are evaluated over the staged rows and looked up in the shared
 * table under the same predicate, so the index itself answers. NULLs collide only under NULLS NOT
 * DISTINCT. An index whose terms the stage cannot evaluate (a column left out of the copy) is
 * left to the restore, which refuses cleanly.
 */
async function uniqueValuesTaken(
  shared: pg.ClientBase,
  t: TablePlan,
  temps: { stage: string; merge: string },
  unevaluable: string[],
): Promise<string[]> {
  const { rows: uniques } = await shared.query<{
    name: string;
    rel: string | null;
    part: string | null;
    terms: string[];
    collations: (string | null)[];
    ops: string[] | null;
    plain: boolean;
    cols: string[];
    pred: string | null;
    nnd: boolean;
    notnull: boolean[];
  }>(
    `WITH rels AS (SELECT $1::regclass AS relid UNION SELECT relid FROM pg_partition_tree($1::regclass) WHERE isleaf)
     SELECT ic.relname AS name,
            -- An index of a partition only (not attached to one of its parent): looked up in that
            -- partition, for the staged rows its partition constraint routes there (review r17).
            CASE WHEN i.indrelid = $1::regclass THEN NULL ELSE format('%I.%I', rn.nspname, rc.relname) END AS rel,
            CASE WHEN i.indrelid = $1::regclass THEN NULL ELSE pg_get_partition_constraintdef(i.indrelid) END AS part,
            array(SELECT pg_get_indexdef(i.indexrelid, k.o::int, true) FROM generate_series(1, i.indnkeyatts) k(o) ORDER BY k.o) AS terms,
            -- The index's own collation per term (email COLLATE case_insensitive): pg_get_indexdef
            -- with a column number omits it, and equality under another collation differs.
            array(SELECT CASE WHEN i.indcollation[k.o - 1] = 0 THEN NULL
                              ELSE (SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_collation co
                                      JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = i.indcollation[k.o - 1]) END
                    FROM generate_series(1, i.indnkeyatts) k(o) ORDER BY k.o) AS collations,
            -- An exclusion constraint: its operators, per term (a restore would fail with 23P01).
            CASE WHEN xc.oid IS NULL THEN NULL
                 ELSE array(SELECT format('OPERATOR(%I.%s)', onsp.nspname, op.oprname) FROM unnest(xc.conexclop) WITH ORDINALITY e(op, o)
                              JOIN pg_operator op ON op.oid = e.op JOIN pg_namespace onsp ON onsp.oid = op.oprnamespace ORDER BY e.o) END AS ops,
            i.indexprs IS NULL AS plain,
            array(SELECT '"' || replace(a.attname, '"', '""') || '"' FROM unnest(i.indkey) WITH ORDINALITY k(n, o)
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n WHERE k.o <= i.indnkeyatts ORDER BY k.o) AS cols,
            pg_get_expr(i.indpred, i.indrelid, true) AS pred,
            coalesce((to_jsonb(i) ->> 'indnullsnotdistinct')::boolean, false) AS nnd,
            array(SELECT coalesce(a.attnotnull, false) FROM generate_series(1, i.indnkeyatts) k(o)
                    LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND i.indkey[k.o - 1] <> 0 AND a.attnum = i.indkey[k.o - 1]
                   ORDER BY k.o) AS notnull
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_class rc ON rc.oid = i.indrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
       LEFT JOIN pg_constraint xc ON xc.conindid = i.indexrelid AND xc.contype = 'x'
      WHERE i.indrelid IN (SELECT relid FROM rels) AND i.indisvalid
        AND ((i.indisunique AND NOT i.indisprimary) OR xc.oid IS NOT NULL)
        -- A partition's index attached to its parent's is checked once, as the parent's.
        AND (i.indrelid = $1::regclass OR NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid))
      ORDER BY ic.relname`,
    [t.qualified],
  );
  const out: string[] = [];
  for (const u of uniques) {
    // The key itself, on plain columns: the merge already matches rows by it.
    if (!u.ops && !u.rel && u.plain && u.cols.every((c) => t.keyColumns.includes(c)) && !u.pred) continue;
    // NULLS NOT DISTINCT needs IS NOT DISTINCT FROM, which no index answers (30 s against 16 ms
    // at 200k rows): a column declared NOT NULL never holds NULL, so `=` finds the same rows.
    const eq = (n: number) => u.ops?.[n] ?? (u.nnd && !u.notnull[n] ? 'IS NOT DISTINCT FROM' : '=');
    const term = (n: number) => {
      const collation = u.collations[n];
      return `(${u.terms[n]!})${collation ? ` COLLATE ${collation}` : ''}`;
    };
    const values = u.terms.map((_, n) => `${term(n)} AS v${n}`).join(', ');
    const held = u.terms.map((_, n) => `${term(n)} ${eq(n)} c.v${n}`).join(' AND ');
    const where = u.pred ? `(${u.pred})` : 'true';
    // The staged rows a partition's index would hold: those its partition constraint routes there.
    const routed = u.part ? `(${where}) AND (${u.part})` : where;
    const lookIn = u.rel ? `ONLY ${u.rel}` : fromTable(t);
    await shared.query('SAVEPOINT tp_rb_unique');
    try {
      // Bare column names in the index's terms resolve to the nearest FROM, which holds one
      // relation: the stage row in c, the shared row in the lookup.
      const { rows } = await shared.query<{ k: string[]; o: string[] }>(
        `WITH c AS MATERIALIZED (
           SELECT m.k, v.* FROM ${temps.merge} m
             JOIN (SELECT ${keyArraySql(t, 's')} AS rb_key, ${values}, ${routed} AS in_index FROM ${temps.stage} s) v
               ON v.rb_key = m.k
            WHERE m.action IN ('insert', 'update') AND v.in_index)
         SELECT c.k, o.k AS o FROM c
           CROSS JOIN LATERAL (SELECT ${keyArraySql(t, 'x')} AS k FROM ${lookIn} x WHERE ${held} AND ${where}
                                  -- A holder the merge deletes goes first (applyRestore): a user the
                                  -- tenant removed and invited again under the same email.
                                  AND NOT EXISTS (SELECT 1 FROM ${temps.merge} dm WHERE dm.action = 'delete' AND dm.k = ${keyArraySql(t, 'x')})
                                LIMIT 2) o
          WHERE o.k <> c.k
          ORDER BY c.k LIMIT 20`,
      );
      await shared.query('RELEASE SAVEPOINT tp_rb_unique');
      const what = u.plain
        ? u.cols.map((c) => c.slice(1, -1).replace(/""/g, '"')).join(', ')
        : u.terms.join(', ');
      for (const r of rows)
        out.push(
          `${t.qualified} key ${shownKey(r.k)}: its ${what} (${u.ops ? 'exclusion' : 'unique'} ${u.name}${u.rel ? ` of partition ${u.rel}` : ''}${u.pred ? ` where ${u.pred}` : ''}) ${u.ops ? 'conflicts in the shared database with' : 'is held in the shared database by'} key ${shownKey(r.o)}`,
        );
    } catch (e) {
      await shared.query('ROLLBACK TO SAVEPOINT tp_rb_unique');
      const code = (e as { code?: string }).code;
      // A term or predicate naming a column the stage lacks: left to the restore.
      if (code === '42703') continue;
      if (code !== '42501') throw e;
      // The connecting role may not evaluate the index's terms (EXECUTE revoked on a function of
      // an index expression, no USAGE on its schema). Writing a row evaluates them too, with the
      // same check (as PostgreSQL 15 does on INSERT), so the restore would fail half-way with a
      // raw error: refused before anything changes, when the tenant wrote rows there.
      const { rows: writes } = await shared.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${temps.merge} WHERE action IN ('insert', 'update')`,
      );
      if ((writes[0]?.n ?? 0) > 0)
        unevaluable.push(
          `${t.qualified}: the connecting role may not evaluate unique index ${u.name} (${(e as Error).message}), which writing the tenant's ${writes[0]!.n} inserted or changed row(s) needs — grant it (e.g. GRANT EXECUTE ON FUNCTION …), or run the rollback as a role that may`,
        );
    }
  }
  return out;
}

/**
 * Rows of a merged part the tenant left as they were at the switch and the shared database deleted
 * since (a shared job removed a user) that rows existing after the restore still reference:
 * restoring those would break a foreign key (review: a raw FK error the dry run did not foresee).
 * The tenant's database holds each such row, so it comes back as if the tenant had written it
 * (action 'insert' in the merge table); one nothing that exists after the restore references
 * stays deleted.
 *
 * A reference counts only from a row that exists after the restore: a tenant's own row (all come
 * back), or a row of a merged part that the merge writes or keeps — in the merge table with any
 * action. A row the tenant left unchanged that is still in the shared database counts in its
 * shared version, which the foreign key already holds to existing rows. The tenant's stale copy of
 * a row that itself stays deleted (an erased user's token) keeps nothing (review: it brought the
 * erased user back). A row brought back makes its own parents count, so this runs to a fixed
 * point. A part without a key has no stage: its rows in the tenant's database count, as it must be
 * unchanged anyway. Returns the keys brought back per table.
 */
async function reviveReferenced(
  shared: pg.ClientBase,
  isolated: pg.ClientBase,
  plan: TenantPlan,
  prepared: PreparedRestore,
): Promise<Map<string, string[]>> {
  const revived = new Map<string, string[]>();
  // Per merged table: the rows of its stage the shared database lacks and the merge leaves out.
  const missing: { m: MergeStage; temp: string }[] = [];
  for (const [j, m] of prepared.merges.entries()) {
    const t = m.part.table;
    const temp = `__tp_rb_missing_${j}`;
    const res = await shared.query(
      `CREATE TEMP TABLE ${temp} ON COMMIT DROP AS
       SELECT ${keyArraySql(t)} AS k FROM ${m.stage} t
        WHERE NOT EXISTS (SELECT 1 FROM ${fromTable(t)} x WHERE ${t.keyColumns.map((k) => `x.${k} = t.${k}`).join(' AND ')})
          AND NOT EXISTS (SELECT 1 FROM ${m.merge} mm WHERE mm.k = ${keyArraySql(t)})`,
    );
    if ((res.rowCount ?? 0) > 0) missing.push({ m, temp });
  }
  if (!missing.length) return revived;
  const edges = await readEdges(
    shared,
    missing.map((x) => x.m.part.table),
  );
  // The plan table each referencing relation belongs to (a partition: its partitioned table).
  const { rows: roots } = await shared.query<{ name: string; root: string | null }>(
    `SELECT u.name, coalesce(pg_partition_root(to_regclass(u.name)), to_regclass(u.name))::oid::text AS root
       FROM unnest($1::text[]) u(name)`,
    [[...new Set([...edges.map((e) => e.child), ...plan.tables.map((t) => t.qualified)])]],
  );
  const rootOf = new Map(roots.map((r) => [r.name, r.root]));
  const sameTable = (e: ReferenceEdge, t: TablePlan) => {
    const root = rootOf.get(e.child);
    return root != null && root === rootOf.get(t.qualified);
  };
  const keyless = sharedWriteParts(plan).filter((p) => p.table.keyColumns.length === 0);
  const parentAlias = 'rv_parent';
  for (let changed = true; changed;) {
    changed = false;
    for (const [ix, { m, temp }] of missing.entries()) {
      const t = m.part.table;
      const into = edges.filter((e) => e.parentIndex === ix);
      const { rows: left } = await shared.query<{ k: string[] }>(`SELECT k FROM ${temp}`);
      if (!left.length || !into.length) continue;
      const found = new Set<string>();
      const keysParam = JSON.stringify(left.map((r) => r.k));
      const inKeys = `${keyArraySql(t, parentAlias)} IN (SELECT ARRAY(SELECT jsonb_array_elements_text(e)) FROM jsonb_array_elements($1::jsonb) e)`;
      for (const e of into) {
        // The tenant's own rows come back as they are: read in its database.
        const isolatedChecks = [
          ...prepared.own.filter((p) => sameTable(e, p.table)).map((p) => p.where),
          ...keyless.filter((p) => sameTable(e, p.table)).map((p) => p.isolatedWhere),
        ];
        for (const where of isolatedChecks) {
          const { rows } = await isolated.query<{ k: string[] }>(
            `SELECT ${keyArraySql(t, parentAlias)} AS k FROM ${fromTable(t)} ${parentAlias}
              WHERE ${inKeys} AND EXISTS (SELECT 1 FROM ${e.child} t WHERE ${joinOn(e, 't', parentAlias)} AND (${where}))`,
            [keysParam],
          );
          for (const r of rows) found.add(JSON.stringify(r.k));
        }
        // Merged rows the merge writes or keeps: their tenant version, read from their stage on
        // the shared session. A row the tenant left unchanged is not in the merge table: the
        // shared version stays, and it references only rows the shared database holds (its
        // foreign key), so it never revives one — the tenant's stale copy of it (its token before
        // the shared side moved it to another user) must not (review r17).
        for (const c of prepared.merges.filter((x) => sameTable(e, x.part.table))) {
          const ct = c.part.table;
          const { rows } = await shared.query<{ k: string[] }>(
            `SELECT ms.k FROM ${temp} ms JOIN ${m.stage} ${parentAlias} ON ms.k = ${keyArraySql(t, parentAlias)}
              WHERE EXISTS (SELECT 1 FROM ${c.stage} r WHERE ${joinOn(e, 'r', parentAlias)}
                              AND EXISTS (SELECT 1 FROM ${c.merge} cm WHERE cm.k = ${keyArraySql(ct, 'r')}))`,
          );
          for (const r of rows) found.add(JSON.stringify(r.k));
        }
      }
      if (!found.size) continue;
      const keys = [...found].map((k) => JSON.parse(k) as string[]);
      const param = JSON.stringify(keys);
      await shared.query(
        `INSERT INTO ${m.merge} (k, ih, lh, sh, action)
         SELECT ${keyArraySql(t)}, ${ledgerRowHashSql(t)}, ${ledgerRowHashSql(t)}, NULL, 'insert' FROM ${m.stage} t
          WHERE ${keyArraySql(t)} IN (SELECT ARRAY(SELECT jsonb_array_elements_text(e)) FROM jsonb_array_elements($1::jsonb) e)`,
        [param],
      );
      await shared.query(
        `DELETE FROM ${temp} WHERE k IN (SELECT ARRAY(SELECT jsonb_array_elements_text(e)) FROM jsonb_array_elements($1::jsonb) e)`,
        [param],
      );
      revived.set(t.qualified, [...(revived.get(t.qualified) ?? []), ...keys.sort().map((k) => shownKey(k))]);
      changed = true;
    }
  }
  return revived;
}

export interface AppliedRestore {
  /** Own rows written into the shared database. */
  restored: number;
  /** Stale own shared rows they replaced. */
  stale: number;
  merged: { insert: number; update: number; delete: number };
  /** Rows the tenant deleted that another row of the shared database still references: kept. */
  kept: string[];
}

/**
 * An error of one table's restore, with that table as `restoreTable`: PostgreSQL names the table
 * of a constraint violation only, not of a value the server cannot take (an out-of-range or
 * invalid value in COPY), and the rollback's error must say where.
 */
function inRestoredTable(e: unknown, table: string): unknown {
  if (e && typeof e === 'object' && !('restoreTable' in e)) Object.assign(e, { restoreTable: table });
  return e;
}

/**
 * Applies a prepared restore (no conflicts, no stray rows) on `shared`, inside its transaction.
 * Every constraint is checked as the connecting role; DEFERRABLE keys are checked before this
 * returns (SET CONSTRAINTS ALL IMMEDIATE), so a violation is still "nothing changed".
 */
export async function applyRestore(
  shared: pg.ClientBase,
  isolated: pg.ClientBase,
  plan: TenantPlan,
  prepared: PreparedRestore,
  onTable?: (table: string) => Promise<void>,
): Promise<AppliedRestore> {
  const result: AppliedRestore = {
    restored: 0,
    stale: 0,
    merged: { insert: 0, update: 0, delete: 0 },
    kept: [],
  };
  await shared.query('SET CONSTRAINTS ALL DEFERRED');
  const own = new Map(prepared.own.map((p) => [p.table.qualified, p]));
  const merges = new Map(prepared.merges.map((m) => [m.part.table.qualified, m]));
  // 1. Stale own rows, children first: no remaining own row references a deleted one.
  for (const t of plan.deleteOrder) {
    const p = own.get(t.qualified);
    if (!p) continue;
    const res = await shared.query(`DELETE FROM ${fromTable(t)} t WHERE ${p.where}`);
    result.stale += res.rowCount ?? 0;
  }
  // 2. Parents first: per table the merged rows (inserts, updates), then the own rows.
  for (const t of plan.tables) {
    try {
      const m = merges.get(t.qualified);
      if (m) {
        // The tenant's deletes of rows nothing references any more go first, so that a row it
        // inserted with the same unique value (a user removed and invited again under the same
        // email) finds the value free. All or nothing and best effort: what a key still holds
        // (a child deleted later, children first) is left to step 3, which keeps or deletes it.
        const early = await deleteUnlessReferenced(
          shared,
          'tp_rb_delete_early',
          `DELETE FROM ${fromTable(t)} t USING ${m.merge} m WHERE m.action = 'delete' AND ${keyFromArray(t, m.keyTypes, 't', 'm.k')}
             AND ${ledgerRowHashSql(t)} IS NOT DISTINCT FROM m.sh AND ${await unreferencedSql(shared, t)}`,
        );
        result.merged.delete += early ?? 0;
        const cols = t.columns;
        const match = `m.k = ${keyArraySql(t, 's')}`;
        const ins = await shared.query(
          `INSERT INTO ${t.qualified} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE
           SELECT ${cols.map((c) => `s.${c}`).join(', ')} FROM ${m.stage} s JOIN ${m.merge} m ON ${match}
            WHERE m.action = 'insert'`,
        );
        result.merged.insert += ins.rowCount ?? 0;
        const set = cols.filter((c) => !t.keyColumns.includes(c) && !m.alwaysIdentity.includes(c));
        if (set.length) {
          // Only a row still as the classification read it: another tenant's write committed since
          // (review: it was overwritten silently) makes the rollback stop, nothing changed.
          const upd = await shared.query(
            `UPDATE ${fromTable(t)} AS t SET ${set.map((c) => `${c} = s.${c}`).join(', ')}
               FROM ${m.stage} s JOIN ${m.merge} m ON ${match}
              WHERE m.action = 'update' AND ${t.keyColumns.map((k) => `t.${k} = s.${k}`).join(' AND ')}
                AND ${ledgerRowHashSql(t)} IS NOT DISTINCT FROM m.sh`,
          );
          const expected = await countAction(shared, m.merge, 'update');
          if ((upd.rowCount ?? 0) !== expected)
            throw changedDuringRollback(t, expected - (upd.rowCount ?? 0));
          result.merged.update += upd.rowCount ?? 0;
        }
      }
      const p = own.get(t.qualified);
      if (p) {
        await onTable?.(t.qualified);
        const cols = t.columns.join(', ');
        result.restored += await copyBetween(
          isolated,
          shared,
          `COPY (SELECT ${t.columns.map((c) => `t.${c}`).join(', ')} FROM ${fromTable(t)} t WHERE ${p.where}) TO STDOUT`,
          `COPY ${t.qualified} (${cols}) FROM STDIN`,
        );
      }
    } catch (e) {
      throw inRestoredTable(e, t.qualified);
    }
  }
  // Every key checked before the deletes, so a violation there is the deletes' own.
  await shared.query('SET CONSTRAINTS ALL IMMEDIATE');
  await shared.query('SET CONSTRAINTS ALL DEFERRED');
  // 3. Rows the tenant deleted, children first. A row another row still references (another
  // tenant's membership of a user this tenant removed) is kept, and the record says so.
  for (const t of [...plan.tables].reverse()) {
    const m = merges.get(t.qualified);
    if (!m) continue;
    // Only rows nothing references any more: a foreign key ON DELETE CASCADE or SET NULL would
    // otherwise reach into another tenant's rows without an error (review: another tenant's
    // membership was deleted with the user this tenant removed). The others are kept below.
    const unreferenced = await unreferencedSql(shared, t);
    const asRead = `${ledgerRowHashSql(t)} IS NOT DISTINCT FROM m.sh`;
    const del = `DELETE FROM ${fromTable(t)} t USING ${m.merge} m WHERE m.action = 'delete' AND ${keyFromArray(t, m.keyTypes, 't', 'm.k')} AND ${asRead} AND ${unreferenced}`;
    const deleted = await deleteUnlessReferenced(shared, 'tp_rb_delete', del);
    if (deleted !== undefined) result.merged.delete += deleted;
    else {
      // One by one: keep exactly the rows still referenced.
      const { rows } = await shared.query<{ k: string[] }>(
        `SELECT k FROM ${m.merge} WHERE action = 'delete' ORDER BY k`,
      );
      for (const r of rows) {
        const one = await deleteUnlessReferenced(
          shared,
          'tp_rb_delete_one',
          `DELETE FROM ${fromTable(t)} t WHERE ${keyFromArray(t, m.keyTypes, 't', '$1::text[]')} AND ${unreferenced}`,
          [r.k],
        );
        if (one !== undefined) result.merged.delete += 1;
        else {
          await shared.query(`UPDATE ${m.merge} SET action = 'kept' WHERE k = $1::text[]`, [r.k]);
          result.kept.push(`${t.qualified} ${shownKey(r.k)}`);
        }
      }
    }
    // A row to delete that changed in the shared database since it was classified: stop.
    const { rows: changed } = await shared.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${m.merge} m JOIN ${fromTable(t)} t ON ${keyFromArray(t, m.keyTypes, 't', 'm.k')}
        WHERE m.action = 'delete' AND NOT (${asRead})`,
    );
    if (changed[0]!.n > 0) throw changedDuringRollback(t, changed[0]!.n);
    // What the delete left because a row still references it is kept, and the record says so.
    const { rows: still } = await shared.query<{ k: string[] }>(
      `UPDATE ${m.merge} m SET action = 'kept'
        WHERE m.action = 'delete' AND EXISTS (SELECT 1 FROM ${fromTable(t)} t WHERE ${keyFromArray(t, m.keyTypes, 't', 'm.k')})
        RETURNING m.k`,
    );
    for (const r of still) result.kept.push(`${t.qualified} ${shownKey(r.k)}`);
  }
  // The deferred keys are checked here, where a violation is still plainly "nothing changed".
  await shared.query('SET CONSTRAINTS ALL IMMEDIATE');
  return result;
}

/**
 * Proves the applied restore, inside the transaction: every own part holds exactly the tenant
 * database's rows (count and hash sum), and every merged row written holds the tenant's version
 * (or is gone, for a delete). Returns the differences (empty: proved).
 */
export async function verifyRestore(
  shared: pg.ClientBase,
  isolated: pg.ClientBase,
  prepared: PreparedRestore,
): Promise<{ differences: string[]; own: { table: TablePlan; count: number; sum: string }[] }> {
  const differences: string[] = [];
  const own: { table: TablePlan; count: number; sum: string }[] = [];
  // A BEFORE row trigger of the shared database rewrites rows as they come back (a timestamp set
  // on insert): the application's own rule, not a loss. Those tables are proved by their keys.
  const rewritten = new Set(prepared.triggers.filter((t) => t.rewrites).map((t) => t.table));
  const byKey = (t: TablePlan): TablePlan =>
    rewritten.has(t.qualified) ? { ...t, columns: t.keyColumns } : t;
  for (const p of prepared.own) {
    const b = await aggregate(isolated, p.table, p.where);
    if (rewritten.has(p.table.qualified) && p.table.keyColumns.length === 0) {
      const a = await aggregate(shared, p.table, p.where);
      if (a.count !== b.count)
        differences.push(
          `${p.table.qualified}: ${a.count} rows in the shared database, ${b.count} in the tenant's`,
        );
      own.push({ table: p.table, ...b });
      continue;
    }
    const a = await aggregate(shared, byKey(p.table), p.where);
    const bk = rewritten.has(p.table.qualified) ? await aggregate(isolated, byKey(p.table), p.where) : b;
    if (a.count !== bk.count || a.sum !== bk.sum)
      differences.push(
        `${p.table.qualified}: ${a.count} rows in the shared database, ${b.count} in the tenant's${a.count === b.count ? ' (contents differ: a trigger on the shared table may rewrite rows)' : ''}`,
      );
    own.push({ table: p.table, ...b });
  }
  for (const m of prepared.merges) {
    const t = m.part.table;
    // Rewritten by a trigger: a row written is there (or gone, for a delete), whatever it holds.
    const found = rewritten.has(t.qualified)
      ? `(SELECT coalesce(m.ih, 0) FROM ${fromTable(t)} t WHERE ${keyFromArray(t, m.keyTypes, 't', 'm.k')})`
      : `(SELECT ${ledgerRowHashSql(t)} FROM ${fromTable(t)} t WHERE ${keyFromArray(t, m.keyTypes, 't', 'm.k')})`;
    const { rows } = await shared.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${m.merge} m
        WHERE m.action IN ('insert', 'update', 'delete') AND ${found} IS DISTINCT FROM m.ih`,
    );
    const n = Number(rows[0]!.n);
    if (n > 0)
      differences.push(
        `${t.qualified}: ${n} merged row(s) differ from the tenant's database after the apply (a trigger on the shared table may rewrite rows)`,
      );
  }
  return { differences, own };
}

/** A user trigger of the shared database that fires on a table the rollback writes. */
export interface FiringTrigger {
  table: string;
  name: string;
  /** `BEFORE INSERT OR UPDATE FOR EACH ROW`, … */
  when: string;
  /** A BEFORE row trigger on INSERT or UPDATE: it may rewrite the rows the rollback writes. */
  rewrites: boolean;
}

/**
 * The user triggers of the shared database that fire as the rollback writes `tables` (enabled
 * for ordinary sessions: `O` and `A`). The rollback does not switch them off: that needs
 * superuser (session_replication_role) or ownership and an ACCESS EXCLUSIVE lock on a table every
 * tenant writes, held for the whole restore — other tenants would wait longer than max-freeze.
 * They are listed in the dry run and the record instead (an AFTER INSERT audit trigger writes
 * audit rows again for writes the tenant's database already audited).
 */
export async function firingTriggers(shared: pg.ClientBase, plan: TenantPlan): Promise<FiringTrigger[]> {
  // What the rollback does to each table: own rows are deleted and inserted (COPY), merged rows
  // inserted, updated and deleted. Bits of pg_trigger.tgtype: INSERT 4, DELETE 8, UPDATE 16.
  const does = new Map<string, number>();
  for (const p of ownParts(plan)) does.set(p.table.qualified, 4 | 8);
  for (const p of sharedWriteParts(plan))
    does.set(p.table.qualified, (does.get(p.table.qualified) ?? 0) | 4 | 8 | 16);
  const tables = plan.tables.filter((t) => does.has(t.qualified));
  if (!tables.length) return [];
  const { rows } = await shared.query<{ tbl: string; name: string; type: number }>(
    `SELECT q.name AS tbl, tg.tgname AS name, tg.tgtype::int AS type
       FROM unnest($1::text[], $2::int[]) WITH ORDINALITY q(name, does, i)
       JOIN pg_trigger tg ON tg.tgrelid = q.name::regclass
      WHERE NOT tg.tgisinternal AND tg.tgenabled IN ('O', 'A') AND (tg.tgtype::int & q.does) <> 0
      ORDER BY q.i, tg.tgname`,
    [tables.map((t) => t.qualified), tables.map((t) => does.get(t.qualified)!)],
  );
  return rows.map((found) => {
    // Only the events the rollback causes on the table.
    const r = { ...found, type: found.type & (~(4 | 8 | 16) | does.get(found.tbl)!) };
    const row = (r.type & 1) !== 0;
    const timing = r.type & 2 ? 'BEFORE' : r.type & 64 ? 'INSTEAD OF' : 'AFTER';
    const events = [
      ...(r.type & 4 ? ['INSERT'] : []),
      ...(r.type & 16 ? ['UPDATE'] : []),
      ...(r.type & 8 ? ['DELETE'] : []),
    ];
    return {
      table: r.tbl,
      name: r.name,
      when: `${timing} ${events.join(' OR ')} FOR EACH ${row ? 'ROW' : 'STATEMENT'}`,
      rewrites: row && timing === 'BEFORE' && (events.includes('INSERT') || events.includes('UPDATE')),
    };
  });
}

/** The record's and the dry run's line about the triggers that fire. */
export function describeTriggers(triggers: readonly FiringTrigger[]): string {
  const list = triggers.map((t) => `${t.table}: ${t.name} (${t.when})`).join('; ');
  const rewrites = triggers.some((t) => t.rewrites)
    ? ' Rows a BEFORE trigger rewrites are proved by their keys, not their contents.'
    : '';
  return `Triggers of the shared database fire as the rows come back (the rollback leaves them on: switching them off would lock the tables against every other tenant for the whole restore): ${list}.${rewrites} An AFTER trigger that records writes (an audit table) records the restored rows again.`;
}

/** A digest of one part of the tenant's database: count and hash sum, labelled (see partDigests). */
export interface PartDigest {
  /** The table (own rows), or the table and why both sides write it (`"public"."users" (referenced rows)`). */
  label: string;
  count: number;
  sum: string;
}

/**
 * Count and hash sum of every part of the plan the rollback restores, as `client` (the tenant's
 * database, comparable session, tenant id set) holds it: the own rows and each part both sides
 * write. Recorded by the restore from the snapshot it restored; the drop step computes them again
 * on the fenced database and drops it only when they are equal — nothing was written there since.
 */
export async function partDigests(
  client: pg.ClientBase,
  plan: TenantPlan,
  /** Own parts already digested on this snapshot (verifyRestore's `own`): not read again. */
  ownDone: readonly { table: TablePlan; count: number; sum: string }[] = [],
): Promise<PartDigest[]> {
  const out: PartDigest[] = [];
  for (const p of ownParts(plan)) {
    const done = ownDone.find((d) => d.table.qualified === p.table.qualified);
    out.push({
      label: p.table.qualified,
      ...(done ? { count: done.count, sum: done.sum } : await aggregate(client, p.table, p.where)),
    });
  }
  for (const p of sharedWriteParts(plan))
    out.push({
      label: `${p.table.qualified} (${p.what})`,
      ...(await aggregate(client, p.table, p.isolatedWhere)),
    });
  return out;
}

/** One line per conflict (table, key, what each side did since the switch). */
export function describeConflicts(conflicts: readonly RestoreConflict[], max = 20): string {
  const lines = conflicts
    .slice(0, max)
    .map(
      (c) =>
        `${c.table} key ${c.key}: ${c.tenant} in the tenant's database, ${c.shared} in the shared database`,
    );
  return lines.join('; ') + (conflicts.length > max ? `; … and ${conflicts.length - max} more` : '');
}

/** Per-table lines of what the restore brings back (the dry run's report and the record's notes). */
export function describeRestore(prepared: PreparedRestore): string[] {
  const lines: string[] = [];
  for (const r of prepared.ownReports)
    lines.push(
      `${r.table} (${r.kind}): ${r.isolatedRows} rows come back, replacing ${r.sharedRows} shared rows`,
    );
  for (const r of prepared.mergeReports)
    lines.push(
      `${r.table} (${r.what}): ${r.insert} inserted, ${r.update} updated, ${r.delete} deleted by the tenant since the switch come back` +
        (r.same ? `, ${r.same} already equal` : '') +
        (r.conflicts ? `, ${r.conflicts} conflict(s)` : ''),
    );
  return lines;
}

/**
 * A predicate on alias `t` (a row of `table` in the database `client` reads): no row of any table
 * references it through a foreign key, whatever the key's ON DELETE action. Names come from the
 * catalog (`regclass` and `quote_ident` output), never from input.
 */
async function unreferencedSql(client: pg.ClientBase, table: TablePlan): Promise<string> {
  // Keys declared against a partition of the table too (readEdges walks the partition tree).
  const edges = (await readEdges(client, [table])).filter((e) => e.parentIndex === 0);
  if (edges.length === 0) return 'true';
  return edges
    .map((e) => `NOT EXISTS (SELECT 1 FROM ${e.child} r WHERE ${joinOn(e, 'r', 't')})`)
    .join(' AND ');
}

async function countAction(shared: pg.ClientBase, merge: string, action: string): Promise<number> {
  const { rows } = await shared.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${merge} WHERE action = $1`,
    [action],
  );
  return rows[0]!.n;
}

/** Rows of `table` another writer changed in the shared database while the rollback ran. */
function changedDuringRollback(table: TablePlan, n: number): PromotionError {
  return new PromotionError(
    'validation-failed',
    `${n} row(s) of ${table.qualified} that the rollback was bringing back changed in the shared database while it ran (another tenant's write): nothing was changed.`,
    'Re-run the rollback: it classifies the rows again (a row changed on both sides since the switch is then listed as a conflict).',
  );
}

/**
 * A delete under a savepoint, every deferred foreign key then checked at once: the rows deleted,
 * or undefined when a row still references one of them (23503; the savepoint is undone and the
 * transaction goes on).
 */
async function deleteUnlessReferenced(
  shared: pg.ClientBase,
  savepoint: string,
  sql: string,
  params?: unknown[],
): Promise<number | undefined> {
  await shared.query(`SAVEPOINT ${savepoint}`);
  try {
    const res = await shared.query(sql, params);
    await shared.query('SET CONSTRAINTS ALL IMMEDIATE');
    await shared.query('SET CONSTRAINTS ALL DEFERRED');
    await shared.query(`RELEASE SAVEPOINT ${savepoint}`);
    return res.rowCount ?? 0;
  } catch (e) {
    if ((e as { code?: string }).code !== '23503') throw e;
    await shared.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
    return undefined;
  }
}
