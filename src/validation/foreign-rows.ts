import { fromTable } from '../postgres/checksum';
import { capDetails, fail, pass, type Check } from './check';
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
 * The new database holds no row of another tenant (every row satisfies the plan's tenant
 * predicate, evaluated in the new database) and every foreign key is valid (validated, and an
 * anti-join finds no orphan).
 */
export const foreignRows: Check = {
  name: 'foreign-rows',
  title: 'No foreign rows',
  async run(ctx, budgetMs) {
    let target;
    try {
      target = await openTarget(ctx, budgetMs);
      const problems: string[] = [];
      for (const t of plannedTables(ctx)) {
        if (t.where.trim() === 'true') continue;
        const r = await target.query<{ n: string }>(
          `SELECT count(*) AS n FROM ${fromTable(t)} t WHERE (${t.where}) IS NOT TRUE`,
        );
        const n = Number(r.rows[0]?.n ?? 0);
        if (n > 0)
          problems.push(`${t.qualified}: ${n} row(s) that do not belong to tenant ${ctx.names.slug}`);
      }
      // Foreign keys declared on partitions are clones of the parent's: check the parent's only.
      const fks = await target.query<ForeignKey>(`
        SELECT c.conname AS name, c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent,
               array(SELECT quote_ident(a.attname) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS child_cols,
               array(SELECT quote_ident(a.attname) FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS parent_cols,
               c.convalidated AS validated
          FROM pg_constraint c
          JOIN pg_class r ON r.oid = c.conrelid
         WHERE c.contype = 'f' AND c.conparentid = 0 AND NOT r.relispartition
         ORDER BY 2, 1`);
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
      if (problems.length) return fail(problems[0] ?? 'foreign rows found', capDetails(problems));
      return pass(`every row is the tenant's; ${fks.rows.length} foreign keys valid`);
    } finally {
      await closeQuietly(target);
    }
  },
};
