import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { PromotionError } from '../errors';
import { fromTable, rowHashSql } from './checksum';
import type { TablePlan, TenantPlan } from './plan-types';
import {
  keyArraySql,
  ledgerCopySql,
  sharedWriteParts,
  type LedgerTable,
  type SharedWritePart,
} from './rollback-ledger';

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
    `SELECT count(*)::text AS n, coalesce(sum(${rowHashSql(table)}), 0)::text AS s FROM ${fromTable(table)} t WHERE ${where}`,
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
   * (cleanup-referenced-rows: remove-unused): a referenced row missing from the shared database
   * comes back from the tenant's, changed there or not, instead of counting as a shared delete.
   */
  options: { referencedRemovedByCleanup?: boolean } = {},
): Promise<PreparedRestore> {
  const prepared: PreparedRestore = {
    own: ownParts(plan),
    merges: [],
    ownReports: [],
    mergeReports: [],
    conflicts: [],
    stray: [],
    unmergeable: [],
    notes: [],
  };
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
      await copyBetween(isolated, shared, ledgerCopySql(t.qualified), `COPY ${ledgerTemp} (k, h) FROM STDIN`);
    // Only rows the tenant changed since the switch (its hash differs from the ledger's, or one
    // side has no such key) are looked up in the shared table, by key, through its index; and,
    // where cleanup removed unused referenced rows, every referenced row (those it removed).
    const removed = options.referencedRemovedByCleanup === true && part.what === 'referenced rows';
    await shared.query(
      `CREATE TEMP TABLE ${merge} ON COMMIT DROP AS
       WITH i AS (SELECT ${keyArraySql(t)} AS k, ${rowHashSql(t)} AS h FROM ${stage} t),
            a AS (SELECT coalesce(i.k, l.k) AS k, i.h AS ih, l.h AS lh
                    FROM i FULL JOIN ${ledgerTemp} l ON l.k = i.k
                   WHERE i.h IS DISTINCT FROM l.h${
                     removed
                       ? ` OR (i.h IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${fromTable(t)} t WHERE ${keyFromArray(t, facts.keyTypes, 't', 'i.k')}))`
                       : ''
                   }),
            b AS (SELECT a.k, a.ih, a.lh,
                         (SELECT ${rowHashSql(t)} FROM ${fromTable(t)} t WHERE ${keyFromArray(t, facts.keyTypes, 't', 'a.k')}) AS sh
                    FROM a)
       SELECT b.k, b.ih, b.lh, b.sh,
              CASE WHEN b.sh IS NOT DISTINCT FROM b.ih THEN 'same'
                   WHEN b.sh IS NOT DISTINCT FROM b.lh THEN
                     CASE WHEN b.ih IS NULL THEN 'delete' WHEN b.lh IS NULL THEN 'insert' ELSE 'update' END
                   ${removed ? `WHEN b.sh IS NULL AND b.ih IS NOT NULL THEN 'insert'` : ''}
                   ELSE 'conflict' END AS action
         FROM b`,
    );
    const { rows } = await shared.query<{ action: string; n: string }>(
      `SELECT action, count(*)::text AS n FROM ${merge} GROUP BY action`,
    );
    const count = (a: string) => Number(rows.find((r) => r.action === a)?.n ?? 0);
    prepared.mergeReports.push({
      table: t.qualified,
      what: part.what,
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
        `SELECT k, ih::text AS ih, lh::text AS lh, sh::text AS sh FROM ${merge} WHERE action = 'conflict' ORDER BY k LIMIT 100`,
      );
      for (const c of conflicts) {
        prepared.conflicts.push({
          table: t.qualified,
          key: c.k.length === 1 ? c.k[0]! : `(${c.k.join(',')})`,
          tenant: c.lh === null ? 'inserted' : c.ih === null ? 'deleted' : 'updated',
          shared: c.lh === null ? 'inserted' : c.sh === null ? 'deleted' : 'updated',
        });
      }
    }
    prepared.merges.push({ part, stage, ledger: ledgerTemp, merge, ...facts });
  }
  return prepared;
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
    const m = merges.get(t.qualified);
    if (m) {
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
              AND ${rowHashSql(t)} IS NOT DISTINCT FROM m.sh`,
        );
        const expected = await countAction(shared, m.merge, 'update');
        if ((upd.rowCount ?? 0) !== expected) throw changedDuringRollback(t, expected - (upd.rowCount ?? 0));
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
    const asRead = `${rowHashSql(t)} IS NOT DISTINCT FROM m.sh`;
    const del = `DELETE FROM ${fromTable(t)} t USING ${m.merge} m WHERE m.action = 'delete' AND ${keyFromArray(t, m.keyTypes, 't', 'm.k')} AND ${asRead} AND ${unreferenced}`;
    await shared.query('SAVEPOINT tp_rb_delete');
    try {
      const res = await shared.query(del);
      await shared.query('SET CONSTRAINTS ALL IMMEDIATE');
      await shared.query('SET CONSTRAINTS ALL DEFERRED');
      await shared.query('RELEASE SAVEPOINT tp_rb_delete');
      result.merged.delete += res.rowCount ?? 0;
    } catch (e) {
      if ((e as { code?: string }).code !== '23503') throw e;
      await shared.query('ROLLBACK TO SAVEPOINT tp_rb_delete');
      // One by one: keep exactly the rows still referenced.
      const { rows } = await shared.query<{ k: string[] }>(
        `SELECT k FROM ${m.merge} WHERE action = 'delete' ORDER BY k`,
      );
      for (const r of rows) {
        await shared.query('SAVEPOINT tp_rb_delete_one');
        try {
          await shared.query(
            `DELETE FROM ${fromTable(t)} t WHERE ${keyFromArray(t, m.keyTypes, 't', '$1::text[]')} AND ${unreferenced}`,
            [r.k],
          );
          await shared.query('SET CONSTRAINTS ALL IMMEDIATE');
          await shared.query('SET CONSTRAINTS ALL DEFERRED');
          await shared.query('RELEASE SAVEPOINT tp_rb_delete_one');
          result.merged.delete += 1;
        } catch (e2) {
          if ((e2 as { code?: string }).code !== '23503') throw e2;
          await shared.query('ROLLBACK TO SAVEPOINT tp_rb_delete_one');
          await shared.query(`UPDATE ${m.merge} SET action = 'kept' WHERE k = $1::text[]`, [r.k]);
          result.kept.push(`${t.qualified} ${r.k.length === 1 ? r.k[0] : `(${r.k.join(',')})`}`);
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
    for (const r of still)
      result.kept.push(`${t.qualified} ${r.k.length === 1 ? r.k[0] : `(${r.k.join(',')})`}`);
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
  for (const p of prepared.own) {
    const a = await aggregate(shared, p.table, p.where);
    const b = await aggregate(isolated, p.table, p.where);
    if (a.count !== b.count || a.sum !== b.sum)
      differences.push(
        `${p.table.qualified}: ${a.count} rows in the shared database, ${b.count} in the tenant's${a.count === b.count ? ' (contents differ: a trigger on the shared table may rewrite rows)' : ''}`,
      );
    own.push({ table: p.table, ...b });
  }
  for (const m of prepared.merges) {
    const t = m.part.table;
    const { rows } = await shared.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${m.merge} m
        WHERE m.action IN ('insert', 'update', 'delete')
          AND (SELECT ${rowHashSql(t)} FROM ${fromTable(t)} t WHERE ${keyFromArray(t, m.keyTypes, 't', 'm.k')}) IS DISTINCT FROM m.ih`,
    );
    const n = Number(rows[0]!.n);
    if (n > 0)
      differences.push(
        `${t.qualified}: ${n} merged row(s) differ from the tenant's database after the apply (a trigger on the shared table may rewrite rows)`,
      );
  }
  return { differences, own };
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
 * A predicate on alias `t` (a row of `table` in the shared database): no row of any table
 * references it through a foreign key, whatever the key's ON DELETE action. Names come from the
 * catalog (`regclass` and `quote_ident` output), never from input.
 */
async function unreferencedSql(shared: pg.ClientBase, table: TablePlan): Promise<string> {
  const { rows } = await shared.query<{ child: string; cols: string[]; refcols: string[] }>(
    `SELECT c.conrelid::regclass::text AS child,
            array(SELECT quote_ident(a.attname) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS cols,
            array(SELECT quote_ident(a.attname) FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS refcols
       FROM pg_constraint c
      WHERE c.contype = 'f' AND c.confrelid = $1::regclass AND c.conparentid = 0`,
    [table.qualified],
  );
  if (rows.length === 0) return 'true';
  return rows
    .map(
      (r) =>
        `NOT EXISTS (SELECT 1 FROM ${r.child} r WHERE ${r.cols.map((c, i) => `r.${c} = t.${r.refcols[i]!}`).join(' AND ')})`,
    )
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
