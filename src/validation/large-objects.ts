import {
  findLargeObjectColumns,
  formatBytes,
  hashLargeObjects,
  referencedLargeObjects,
} from '../postgres/large-objects';
import pg from 'pg';
import type { LargeObjectColumn, TablePlan } from '../postgres/plan-types';
import { lackingAccess, tenantSideOidSelects } from '../postgres/shared-large-objects';
import { capDetails, fail, pass, warn, type Check, type CheckContext, type CheckResult } from './check';
import { CHANGED_SINCE_SWITCH } from './checksums';
import { closeQuietly, openSource, openTarget, plannedTables } from './db';

/**
 * Every large object the tenant's rows reference in the shared database (at the copy snapshot)
 * exists in the new database with the same content: same size and the same hash, computed by
 * each server chunk by chunk. Copying an `oid` column copies only the number, so a check of the
 * rows alone passes while the data is gone: this one fails then.
 *
 * In `status --verify` (after the switch) the shared rows may be gone (cleanup) and the
 * application may have changed the objects: every object the new database's rows reference that
 * the shared database has must exist in the new one (missing: failure); content differences, and
 * objects the shared rows still reference that the new database no longer has, are changes since
 * the switch (information).
 */
export const largeObjects: Check = {
  name: 'large-objects',
  title: 'Large objects',
  async run(ctx, budgetMs) {
    const tables = plannedTables(ctx);
    let source;
    let target;
    try {
      source = await openSource(ctx, budgetMs);
      target = await openTarget(ctx, budgetMs);
      const columns = ctx.plan.largeObjects?.columns ?? (await findLargeObjectColumns(source, tables));
      if (columns.length === 0) return pass('no oid or lo column in the planned tables');
      const where = columns.map((c) => `${c.schema}.${c.name}.${c.columnName}`).join(', ');
      const after = ctx.afterSwitch === true;
      if (ctx.schemaLayout?.into === 'shared-database')
        return await inPlace(ctx, source, target, columns, tables, where);

      // What the shared rows reference (at the snapshot), and — after the switch — what the new
      // database's rows reference that the shared database has as a large object.
      const expected = await referencedLargeObjects(source, columns, tables);
      let mustExist = new Set(expected);
      if (after) {
        // OIDs the new database's rows carry (whether or not it has them as large objects)…
        const carried = await target.query<{ o: string }>(
          `SELECT DISTINCT x.o::text AS o FROM (${columns
            .map((c) => `SELECT t.${c.column}::oid AS o FROM ${c.table} t WHERE t.${c.column} IS NOT NULL`)
            .join(' UNION ')}) x`,
        );
        // … of which those the shared database has as large objects must be in the new one.
        const inShared = await source.query<{ o: string }>(
          `SELECT m.oid::text AS o FROM pg_largeobject_metadata m WHERE m.oid = ANY ($1::oid[])`,
          [carried.rows.map((r) => r.o)],
        );
        mustExist = new Set(inShared.rows.map((r) => r.o));
      }
      const all = [...new Set([...expected, ...mustExist])].sort((a, b) => Number(a) - Number(b));
      if (all.length === 0)
        return pass(`no large object referenced by the tenant's rows (oid columns: ${where})`);

      const want = await hashLargeObjects(source, all);
      const have = await hashLargeObjects(target, all);
      const failures: string[] = [];
      const changes: string[] = [];
      let bytes = 0;
      for (const o of all) {
        const a = want.get(o);
        const b = have.get(o);
        if (b) bytes += b.size;
        if (!b) {
          const line = `large object ${o}: ${after && !mustExist.has(o) ? 'no longer in the new database (referenced by the shared rows)' : 'missing in the new database'}`;
          if (after && !mustExist.has(o)) changes.push(line);
          else failures.push(line);
        } else if (a && (a.size !== b.size || a.hash !== b.hash)) {
          const line = `large object ${o}: content differs (${a.size} bytes in the shared database, ${b.size} in the new one${a.size === b.size ? ', hashes differ' : ''})`;
          if (after) changes.push(line);
          else failures.push(line);
        }
      }
      if (failures.length)
        return fail(
          `${failures.length} of ${all.length} referenced large objects are missing or differ: ${failures[0]}`,
          capDetails([...failures, ...changes]),
        );
      if (changes.length)
        return warn(
          `${CHANGED_SINCE_SWITCH} (information, not damage): ${changes.length} of ${all.length} large objects: ${changes[0]}`,
          capDetails(changes),
        );
      return pass(
        `${all.length} large objects (${formatBytes(bytes)}) referenced through ${where}: present in the new database with identical content`,
      );
    } finally {
      await closeQuietly(source);
      await closeQuietly(target);
    }
  },
};

/**
 * Schema level into the shared database: the objects were not copied — the tenant's rows in its
 * schemas reference the very objects the shared rows referenced (same OID, same content: one
 * pg_largeobject). What can go wrong is that one is gone or out of the tenant's reach: every OID
 * the tenant's rows carry, and every object the shared rows referenced at the snapshot, must
 * exist, and the tenant's application role must read it (and write it where the shared side let
 * its application write: shared-large-objects.ts).
 */
async function inPlace(
  ctx: CheckContext,
  source: pg.ClientBase,
  target: pg.ClientBase,
  columns: readonly LargeObjectColumn[],
  tables: readonly TablePlan[],
  where: string,
): Promise<CheckResult> {
  const expected = ctx.afterSwitch ? [] : await referencedLargeObjects(source, columns, tables);
  const parts = tenantSideOidSelects(columns, tables);
  const carried = parts.length
    ? (
        await target.query<{ o: string; present: boolean }>(
          `SELECT x.o::text AS o, EXISTS (SELECT 1 FROM pg_largeobject_metadata m WHERE m.oid = x.o) AS present
             FROM (SELECT o FROM unnest($1::oid[]) AS o UNION ${parts.join(' UNION ')}) x ORDER BY x.o`,
          [expected],
        )
      ).rows
    : [];
  if (carried.length === 0)
    return pass(`no large object referenced by the tenant's rows (oid columns: ${where})`);
  const failures = carried
    .filter((r) => !r.present)
    .map((r) => `large object ${r.o}: referenced by the tenant's rows, missing in the shared database`);
  const present = carried.filter((r) => r.present).map((r) => r.o);
  const role = ctx.appRole.name;
  for (const l of await lackingAccess(target, role, present))
    failures.push(`large object ${l.o}: role ${role} lacks ${l.missing} on it`);
  if (failures.length)
    return fail(
      `${failures.length} of ${carried.length} large objects the tenant's rows reference are missing or out of its reach: ${failures[0]}`,
      capDetails(failures),
    );
  return pass(
    `${carried.length} large objects referenced through ${where}: in place in the shared database (the same objects, not copied), each readable by ${role}`,
  );
}
