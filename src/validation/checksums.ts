import { compareTable, digestTable } from '../postgres/checksum';
import { capDetails, fail, pass, type Check } from './check';
import { closeQuietly, openSource, openTarget, plannedTables } from './db';

/** Per table: a digest of the tenant's rows, computed by PostgreSQL on both sides, is equal. */
export const checksums: Check = {
  name: 'checksums',
  title: 'Checksums',
  async run(ctx, budgetMs) {
    const tables = plannedTables(ctx);
    let source;
    let target;
    try {
      if (!ctx.recorded) source = await openSource(ctx, budgetMs);
      target = await openTarget(ctx, budgetMs);
      const differences: string[] = [];
      const tablesDiffering = new Set<string>();
      for (const t of tables) {
        if (source) {
          const r = await compareTable(source, target, t);
          if (!r.equal) {
            tablesDiffering.add(t.qualified);
            differences.push(...r.differences);
          }
        } else {
          const rec = ctx.recorded?.[t.qualified];
          if (!rec) {
            tablesDiffering.add(t.qualified);
            differences.push(`${t.qualified}: no digest was recorded at the switch`);
            continue;
          }
          const d = await digestTable(target, t, 'target');
          if (d.count !== rec.count || d.digest !== rec.digest) {
            tablesDiffering.add(t.qualified);
            differences.push(
              `${t.qualified}: recorded ${rec.count} rows (digest ${rec.digest.slice(0, 12)}), now ${d.count} rows (digest ${d.digest.slice(0, 12)})`,
            );
          }
        }
      }
      if (differences.length) {
        return fail(
          `${tablesDiffering.size} of ${tables.length} tables differ: ${differences[0]}`,
          capDetails(differences),
        );
      }
      return pass(
        `${tables.length} tables: digests equal${source ? '' : ' to those recorded at the switch'}`,
      );
    } finally {
      await closeQuietly(source);
      await closeQuietly(target);
    }
  },
};
