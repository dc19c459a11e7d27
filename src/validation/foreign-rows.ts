import pg from 'pg';
import { describeError } from '../errors';
import { readTableGraph } from '../postgres/catalog';
import { fromTable } from '../postgres/checksum';
import { onTarget, targetOf } from '../postgres/plan-types';
import { resolveTenantKeyColumn, valueFits } from '../postgres/tenant-key';
import { capDetails, fail, pass, TableTimes, type Check, type CheckContext } from './check';
import { closeQuietly, openTarget, plannedTables } from './db';

interface ForeignKey {
  name: string;
  child: string;
  parent: string;
  child_cols: string[];
  parent_cols: string[];
  validated: boolean;
}

/**
 * The new database holds no row of another tenant and every foreign key is valid (validated, and
 * an anti-join finds no orphan). "Another tenant's row" is judged twice: by the plan's tenant
 * predicate evaluated in the new database, and independently of the plan (see tenantKeyProblems),
 * so a plan that selected the wrong tenant cannot pass.
 */
export const foreignRows: Check = {
  name: 'foreign-rows',
  title: 'No foreign rows',
  async run(ctx, budgetMs) {
    let target;
    try {
      target = await openTarget(ctx, budgetMs);
      const problems: string[] = [];
      // Every copied row satisfies its table's predicate in the new database: the tenant's rows by
      // the tenant key or their parents; global rows (NULL key) and referenced rows (users behind
      // memberships, their tokens) by a copied row of the tenant that references them. Tables copied
      // whole (`true`) hold no tenant's rows to judge.
      let judged = 0;
      let shared = 0;
      // Independent of the plan (see tenantKeyProblems): each tenant-keyed table's own predicate,
      // counted in the same scan as the plan's predicate where both read the same rows.
      const independent = await tenantKeyJudge(target, ctx);
      const independentLeft = new Map(independent.tables.map((x) => [x.from, x]));
      const independentProblems = [...independent.problems];
      const times = new TableTimes();
      for (const planned of plannedTables(ctx)) {
        times.next(planned.qualified);
        // The plan's predicate, naming the tenant's tables where they are in the new database.
        const t = onTarget(planned);
        if (t.where.trim() === 'true') continue;
        judged++;
        if (t.kind === 'referenced' || t.ownWhere !== undefined) shared++;
        const from = fromTable(t);
        const also = independentLeft.get(from);
        independentLeft.delete(from);
        const r = await target.query<{ n: string; other: string | null }>(
          `SELECT count(*) FILTER (WHERE (${t.where}) IS NOT TRUE) AS n, ${also ? `count(*) FILTER (WHERE ${also.where})` : 'NULL::bigint'} AS other FROM ${from} t`,
          also?.params ?? [],
        );
        const n = Number(r.rows[0]?.n ?? 0);
        if (n > 0)
          problems.push(`${t.qualified}: ${n} row(s) that do not belong to tenant ${ctx.names.slug}`);
        if (also) also.found = Number(r.rows[0]?.other ?? 0);
      }
      times.done();
      for (const x of independent.tables) {
        // Tables the plan does not judge by a predicate (or names otherwise): their own scan.
        if (independentLeft.has(x.from)) {
          const r = await target.query<{ n: string }>(
            `SELECT count(*) AS n FROM ${x.from} t WHERE ${x.where}`,
            x.params,
          );
          x.found = Number(r.rows[0]?.n ?? 0);
        }
        if (x.found! > 0) independentProblems.push(x.problem(x.found!));
      }
      problems.push(...independentProblems);
      // Foreign keys declared on partitions are clones of the parent's: check the parent's only.
      const fks = await target.query<ForeignKey>(
        `
        SELECT c.conname AS name, c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent,
               array(SELECT quote_ident(a.attname) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS child_cols,
               array(SELECT quote_ident(a.attname) FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS parent_cols,
               c.convalidated AS validated
          FROM pg_constraint c
          JOIN pg_class r ON r.oid = c.conrelid
         WHERE c.contype = 'f' AND c.conparentid = 0 AND NOT r.relispartition
           AND ($1::text[] IS NULL OR r.relnamespace IN (SELECT oid FROM pg_namespace WHERE nspname::text = ANY ($1::text[])))
         ORDER BY 2, 1`,
        // Into the shared database: the tenant's schemas' keys only, not every shared table's.
        [
          ctx.schemaLayout?.into === 'shared-database'
            ? ctx.schemaLayout.mappings.map((m) => m.target)
            : null,
        ],
      );
      for (const fk of fks.rows) {
        const label = `${fk.child} → ${fk.parent} (${fk.name})`;
        if (!fk.validated) problems.push(`${label}: constraint is NOT VALID (never checked)`);
        const notNull = fk.child_cols.map((c) => `c.${c} IS NOT NULL`).join(' AND ');
        const join = fk.child_cols.map((c, i) => `p.${fk.parent_cols[i]} = c.${c}`).join(' AND ');
        // regclass text is already quoted as needed.
        const r = await target.query<{ n: string }>(
          `SELECT count(*) AS n FROM ${fk.child} c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${fk.parent} p WHERE ${join})`,
        );
        const n = Number(r.rows[0]?.n ?? 0);
        if (n > 0) problems.push(`${label}: ${n} row(s) whose parent is missing`);
      }
      if (problems.length)
        return times.attach(fail(problems[0] ?? 'foreign rows found', capDetails(problems)));
      const sharedText = shared
        ? `, ${shared} of them holding referenced or global rows, each used by a copied row of the tenant`
        : '';
      return times.attach(
        pass(
          `every row is the tenant's (${independent.summary}; ${judged} tables judged by their predicates${sharedText}); ${fks.rows.length} foreign keys valid`,
        ),
      );
    } finally {
      await closeQuietly(target);
    }
  },
};

const q = pg.escapeIdentifier;

/** One tenant-keyed table's independent predicate: rows of it that are not the tenant's. */
interface IndependentJudge {
  /** `ONLY "schema"."name"` (or without ONLY for a partitioned table), as `fromTable` writes it. */
  from: string;
  /** Over the row aliased `t`. */
  where: string;
  params: unknown[];
  /** Rows found (set by the caller, who runs the count). */
  found?: number;
  problem(n: number): string;
}

/**
 * Independent of the plan and of the value it was given: the new database's tenants table holds
 * exactly one row, the tenant's (by slug), and every table carrying the tenant key holds only that
 * row's value in it — the column resolved by the same rule (resolveTenantKeyColumn) from the new
 * database's own catalog. The tenants table is read here; the per-table predicates are returned
 * for the caller to count (in the same scan as the plan's predicate of that table, when it has one).
 */
async function tenantKeyJudge(
  target: pg.Client,
  ctx: CheckContext,
): Promise<{ problems: string[]; summary: string; tables: IndependentJudge[] }> {
  const slug = ctx.names.slug;
  // Into the shared database: the tenant's schemas only (the shared tables beside them hold every tenant's rows).
  const only =
    ctx.schemaLayout?.into === 'shared-database' ? ctx.schemaLayout.mappings.map((m) => m.target) : undefined;
  const graph = await readTableGraph(target, only);
  let resolved;
  try {
    resolved = resolveTenantKeyColumn(graph, {
      tenantsTable: targetOf(ctx.plan.tenantsTable),
      tenantKey: ctx.tenantKey,
      tenantIdColumn: ctx.tenantIdColumn,
    });
  } catch (e) {
    return {
      problems: [
        `the new database does not say which tenant its rows belong to: ${describeError(e).message}`,
      ],
      summary: '',
      tables: [],
    };
  }
  const root = resolved.tenantsTable;
  const rootName = `${q(root.schema)}.${q(root.name)}`;
  const rows = (
    await target.query<{ slug: string | null; value: string | null }>(
      `SELECT t.slug::text AS slug, t.${q(resolved.column)}::text AS value FROM ${rootName} t`,
    )
  ).rows;
  const problems: string[] = [];
  const others = rows.filter((r) => r.slug !== slug);
  if (others.length > 0) {
    const slugs = others.map((r) => JSON.stringify(r.slug)).slice(0, 5);
    problems.push(
      `${rootName}: ${others.length} row(s) of another tenant (slug ${slugs.join(', ')}${others.length > 5 ? ', …' : ''}); it must hold only tenant ${slug}'s row`,
    );
  }
  const mine = rows.filter((r) => r.slug === slug);
  if (mine.length !== 1) {
    problems.push(`${rootName}: ${mine.length} row(s) of tenant ${slug}, expected exactly one`);
    return { problems, summary: '', tables: [] };
  }
  const value = mine[0]!.value;
  if (value === null) {
    problems.push(`${rootName}: tenant ${slug}'s ${resolved.column} is NULL`);
    return { problems, summary: '', tables: [] };
  }
  const byKey = new Map(graph.tables.map((t) => [`${t.schema}\u0000${t.name}`, t]));
  const tables = resolved.tables.map((t): IndependentJudge => {
    const name = `${q(t.schema)}.${q(t.name)}`;
    const info = byKey.get(`${t.schema}\u0000${t.name}`);
    const fits = valueFits(value, t.type);
    return {
      // A partitioned table's rows are its partitions'; a plain table's own rows only (inheritance
      // children are tables of their own in this list).
      from: info?.relkind === 'p' ? name : `ONLY ${name}`,
      // A NULL tenant key marks a global row: judged by the plan's predicate (copied only when a
      // copied row of the tenant references it), not here.
      where: fits
        ? `t.${q(ctx.tenantKey)} IS NOT NULL AND t.${q(ctx.tenantKey)} IS DISTINCT FROM $1::${t.type}`
        : `t.${q(ctx.tenantKey)} IS NOT NULL`,
      params: fits ? [value] : [],
      problem: (n) =>
        `${name}: ${n} row(s) whose ${ctx.tenantKey} is not ${value} (${resolved.column} of tenant ${slug}'s row in the new database)`,
    };
  });
  return {
    problems,
    summary: `${ctx.tenantKey} = ${root.name}.${resolved.column} of ${slug} in ${resolved.tables.length} tables`,
    tables,
  };
}
