import pg from 'pg';
import { fromTable, ledgerRowHashSql } from './checksum';
import { setTenantId } from './connect';
import { createToolTable } from './ownership';
import { onTarget, type TablePlan, type TenantPlan } from './plan-types';

/**
 * The row ledger: what the tenant's database received, at the switch, of the rows both sides may
 * write after it — referenced rows (users behind a membership table), global rows (NULL tenant
 * key) and tables copied whole. A rollback needs it to tell who changed such a row since the
 * switch: the tenant (its row differs from the ledger), someone in the shared database (the
 * shared row differs from the ledger), or both (a conflict). The tenant's own rows need no ledger:
 * nobody else writes them, so the tenant's database is their source of truth.
 *
 * Where: beside the tenant's tables, in the tool's own schema there (`toolSchema`, next to the run
 * marker): `_tenant_isolation` of the tenant's database, or — schema level into the shared
 * database — the tenant's `_tenant_isolation_<slug>` (names.ts sharedToolSchema; one shared
 * `_tenant_isolation` would mix tenants' ledgers, and each recording TRUNCATEs). Every caller
 * passes that one name (pipeline/tenant-place.ts toolSchema), nothing else differs. Every catalog
 * read, parity check, clone and application grant already leaves that schema out, the
 * application role cannot read or change it, and the run creates it, so it works for a role that
 * may not create anything in the shared database (managed PostgreSQL). It lives exactly as long
 * as the data it describes: the rollback reads it before it drops the database (or the schemas).
 *
 * One row per row: the table, its key as a text array, and the row's 64-bit hash (the checks'
 * `ledgerRowHashSql`, computed under the same comparable session settings on every side). Tables without
 * a key are recorded as a count and a hash sum only (`row_ledger_tables`): a rollback then refuses
 * when the tenant changed them, since no row of theirs can be matched.
 */

/** The ledger's two tables in the tool schema `toolSchema` (quoted, qualified). */
export function ledgerTables(toolSchema: string): { rows: string; tables: string } {
  const schema = pg.escapeIdentifier(toolSchema);
  return { rows: `${schema}.row_ledger`, tables: `${schema}.row_ledger_tables` };
}

/** A part of a planned table whose rows both sides may write after the switch. */
export interface SharedWritePart {
  table: TablePlan;
  /** Predicate (alias t) selecting the part's rows in the tenant's database (tenant id set). */
  isolatedWhere: string;
  /** Why both sides write it (for messages). */
  what: 'referenced rows' | 'global rows' | 'copied whole';
}

/**
 * The parts of a plan both sides may write: referenced tables, tables copied whole, and the
 * global rows of tenant tables (NULL tenant key).
 */
export function sharedWriteParts(plan: TenantPlan): SharedWritePart[] {
  const out: SharedWritePart[] = [];
  for (const t of plan.tables) {
    if (t.kind === 'referenced') out.push({ table: t, isolatedWhere: 'true', what: 'referenced rows' });
    else if (t.kind === 'reference') out.push({ table: t, isolatedWhere: 'true', what: 'copied whole' });
    // `ownWhere` compares the tenant key with the tenant's value: NULL exactly for the rows with a
    // NULL key — the global rows (a row of another tenant compares false: not global).
    else if (t.kind === 'tenant' && t.ownWhere)
      out.push({ table: t, isolatedWhere: `(${t.ownWhere}) IS NULL`, what: 'global rows' });
  }
  return out;
}

/**
 * A part as SQL on the tenant's database sees it: its table under the target's name and the
 * global rows' predicate on it (schema level maps both; the identity at database level). The
 * ledger stays keyed by the source's `qualified`, which rollback matches the shared rows by.
 */
function partOnTarget(p: SharedWritePart): SharedWritePart {
  const table = onTarget(p.table);
  if (table === p.table) return p;
  const isolatedWhere = p.isolatedWhere === 'true' ? 'true' : `(${table.ownWhere}) IS NULL`;
  return { ...p, table, isolatedWhere };
}

/** `ARRAY[key::text, …]` of the row aliased `alias` (a table with a key). */
export function keyArraySql(table: TablePlan, alias = 't'): string {
  return `ARRAY[${table.keyColumns.map((k) => `${alias}.${k}::text`).join(', ')}]::text[]`;
}

/**
 * Records one part as the tenant's database holds it now (inside the caller's transaction): its
 * rows' keys and hashes, replacing what was recorded of it, and its count and hash sum. Returns
 * the rows recorded by key.
 */
async function recordPart(target: pg.ClientBase, part: SharedWritePart, toolSchema: string): Promise<number> {
  const ledger = ledgerTables(toolSchema);
  const key = part.table.qualified;
  const p = partOnTarget(part);
  const t = { ...p.table, qualified: key };
  const from = fromTable(p.table);
  const keyed = t.keyColumns.length > 0;
  await target.query(`DELETE FROM ${ledger.rows} WHERE tbl = $1`, [t.qualified]);
  const res = keyed
    ? await target.query(
        `INSERT INTO ${ledger.rows} (tbl, k, h)
         SELECT $1, ${keyArraySql(t)}, ${ledgerRowHashSql(t)} FROM ${from} t WHERE ${p.isolatedWhere}`,
        [t.qualified],
      )
    : undefined;
  await target.query(
    `INSERT INTO ${ledger.tables} (tbl, keyed, n, s)
     SELECT $1, $2, count(*), coalesce(sum(${ledgerRowHashSql(t)}), 0) FROM ${from} t WHERE ${p.isolatedWhere}
     ON CONFLICT (tbl) DO UPDATE SET n = excluded.n, s = excluded.s`,
    [t.qualified, keyed],
  );
  return res?.rowCount ?? 0;
}

/**
 * Records the ledger in the tenant's database (`target`, comparable session set; in its tool
 * schema `toolSchema`), replacing any earlier one, in one transaction in which `guard` runs first (the run still owns the database).
 *
 * The switch calls it after the base catch-up and before the freeze, so it never lengthens the
 * freeze (hashing 100k rows took ~4 s on a loaded 2-core machine). No tenant writes the database
 * before the switch commits, so every difference from the ledger at rollback time is either the
 * tenant's or a shared change the freeze pass applied (rows changed in the shared database in the
 * seconds between the base pass and the freeze): the freeze pass brings the ledger up to date for
 * exactly the rows it re-applies, in its own frozen transaction (updateRowLedger), so the ledger
 * is what the tenant's database holds when the switch commits. Returns the rows recorded.
 */
export async function recordRowLedger(
  target: pg.ClientBase,
  plan: TenantPlan,
  toolSchema: string,
  guard?: (target: pg.ClientBase) => Promise<void>,
): Promise<number> {
  const ledger = ledgerTables(toolSchema);
  const parts = sharedWriteParts(plan);
  // The global rows' predicate reads the tenant id.
  await setTenantId(target, plan.tenantId);
  await target.query('BEGIN');
  try {
    await guard?.(target);
    await createToolTable(
      target,
      ledger.rows,
      `tbl text NOT NULL, k text[] NOT NULL, h bigint NOT NULL, PRIMARY KEY (tbl, k)`,
    );
    await createToolTable(
      target,
      ledger.tables,
      `tbl text PRIMARY KEY, keyed boolean NOT NULL, n bigint NOT NULL, s numeric NOT NULL,
       recorded_at timestamptz NOT NULL DEFAULT now()`,
    );
    await target.query(`TRUNCATE ${ledger.rows}, ${ledger.tables}`);
    let rows = 0;
    for (const p of parts) rows += await recordPart(target, p, toolSchema);
    await target.query('COMMIT');
    return rows;
  } catch (e) {
    await target.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/**
 * Brings the ledger up to date, inside the caller's transaction on the tenant's database, for the
 * rows of `table` whose keys `keysQuery` lists (a query returning `k text[]`, the keys as
 * `keyArraySql` spells them): the rows the switch's freeze pass re-applied or deleted after the
 * ledger was recorded. The ledger then describes exactly what the tenant's database holds at the
 * switch (review: a shared row changed between the ledger and the freeze, and changed back after
 * the switch, read at rollback as a tenant write and was "restored" to the interim value). Costs
 * what the pass applied: the keys are looked up through the ledger's and the table's key indexes.
 * A table without a key is re-summed whole (no row of it can be matched anyway).
 */
export async function updateRowLedger(
  target: pg.ClientBase,
  plan: TenantPlan,
  table: TablePlan,
  keysQuery: string,
  toolSchema: string,
): Promise<void> {
  const ledger = ledgerTables(toolSchema);
  for (const part of sharedWriteParts(plan)) {
    if (part.table.qualified !== table.qualified) continue;
    const p = partOnTarget(part);
    // Ledger rows keyed by the source's name; the SQL reads the target's table.
    const t = { ...p.table, qualified: part.table.qualified };
    const from = fromTable(p.table);
    if (t.keyColumns.length === 0) {
      await target.query(
        `UPDATE ${ledger.tables} l SET n = x.n, s = x.s
           FROM (SELECT count(*) AS n, coalesce(sum(${ledgerRowHashSql(t)}), 0) AS s FROM ${from} t WHERE ${p.isolatedWhere}) x
          WHERE l.tbl = $1`,
        [t.qualified],
      );
      continue;
    }
    const types = await keyTypesOf(target, p.table);
    const { rows: gone } = await target.query<{ n: string; s: string }>(
      `WITH d AS (DELETE FROM ${ledger.rows} l WHERE l.tbl = $1 AND l.k IN (SELECT x.k FROM (${keysQuery}) x) RETURNING l.h)
       SELECT count(*)::text AS n, coalesce(sum(h), 0)::text AS s FROM d`,
      [t.qualified],
    );
    const match = t.keyColumns.map((k, i) => `t.${k} = (x.k)[${i + 1}]::${types[i]}`).join(' AND ');
    const { rows: added } = await target.query<{ n: string; s: string }>(
      `WITH i AS (INSERT INTO ${ledger.rows} (tbl, k, h)
                  SELECT $1, ${keyArraySql(t)}, ${ledgerRowHashSql(t)}
                    FROM (SELECT DISTINCT y.k FROM (${keysQuery}) y) x JOIN ${from} t ON ${match}
                   WHERE ${p.isolatedWhere}
                  RETURNING h)
       SELECT count(*)::text AS n, coalesce(sum(h), 0)::text AS s FROM i`,
      [t.qualified],
    );
    await target.query(
      `UPDATE ${ledger.tables} SET n = n - $2::bigint + $3::bigint, s = s - $4::numeric + $5::numeric WHERE tbl = $1`,
      [t.qualified, gone[0]!.n, added[0]!.n, gone[0]!.s, added[0]!.s],
    );
  }
}

/**
 * Records the ledger again for the named tables, in its own transaction after `guard`: tables
 * the freeze pass settled by a full comparison and catch-up, whose changed rows it cannot name.
 */
export async function rerecordLedgerTables(
  target: pg.ClientBase,
  plan: TenantPlan,
  tables: readonly string[],
  toolSchema: string,
  guard?: (target: pg.ClientBase) => Promise<void>,
): Promise<void> {
  const names = new Set(tables);
  const parts = sharedWriteParts(plan).filter((p) => names.has(p.table.qualified));
  if (!parts.length) return;
  await target.query('BEGIN');
  try {
    await guard?.(target);
    for (const p of parts) await recordPart(target, p, toolSchema);
    await target.query('COMMIT');
  } catch (e) {
    await target.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/**
 * SQL types of a table's key columns, in key order, without typmod (casts of key text back to
 * them: the text came from the column, so the typmod adds nothing but a chance to round).
 */
export async function keyTypesOf(client: pg.ClientBase, table: TablePlan): Promise<string[]> {
  const { rows } = await client.query<{ name: string; type: string }>(
    `SELECT '"' || replace(a.attname, '"', '""') || '"' AS name, format_type(a.atttypid, NULL) AS type
       FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
    [table.qualified],
  );
  const types = new Map(rows.map((r) => [r.name, r.type]));
  return table.keyColumns.map((k) => {
    const type = types.get(k);
    if (!type) throw new Error(`No key column ${k} in ${table.qualified}`);
    return type;
  });
}

/** What the ledger recorded of one table (absent: the switch recorded nothing for it). */
export interface LedgerTable {
  keyed: boolean;
  count: number;
  sum: string;
}

/**
 * The ledger's tables, read from the tenant's database; undefined when there is no ledger (a
 * promotion made before the ledger existed: the rollback then treats every shared-write row the
 * tenant's database holds as possibly the tenant's and refuses where the two sides differ).
 */
export async function readLedgerTables(
  isolated: pg.ClientBase,
  toolSchema: string,
): Promise<Map<string, LedgerTable> | undefined> {
  const ledger = ledgerTables(toolSchema);
  const { rows: exists } = await isolated.query<{ r: string | null }>(`SELECT to_regclass($1)::text AS r`, [
    ledger.tables,
  ]);
  if (!exists[0]?.r) return undefined;
  const { rows } = await isolated.query<{ tbl: string; keyed: boolean; n: string; s: string }>(
    `SELECT tbl, keyed, n::text AS n, s::text AS s FROM ${ledger.tables}`,
  );
  return new Map(rows.map((r) => [r.tbl, { keyed: r.keyed, count: Number(r.n), sum: r.s }]));
}

/** `COPY … TO STDOUT` of one table's ledger rows (k, h), run on the tenant's database. */
export function ledgerCopySql(qualified: string, toolSchema: string): string {
  return `COPY (SELECT k, h FROM ${ledgerTables(toolSchema).rows} WHERE tbl = ${pg.escapeLiteral(qualified)}) TO STDOUT`;
}
