import type pg from 'pg';
import { findLargeObjectColumns, hashLargeObjects } from '../../postgres/large-objects';
import { tenantLargeObjects } from '../../postgres/rollback-large-objects';
import { describeConflicts, describeRestore, prepareRestore } from '../../postgres/rollback-merge';
import { readSequences, unrangedSequencesNote } from '../../postgres/sequence-ranges';
import type { TenantPlan } from '../../postgres/plan-types';
import type { PromotionContext } from '../context';
import type { Step } from '../step';
import { restoreInputs, restoreSessions } from './rollback-restore';
import { tenantSideFor } from '../tenant-side';
import { unmappedPlanTables } from '../../postgres/tenant-side';

/**
 * `rollback --dry-run`: what the restore would do, read exactly as the restore reads it
 * (prepareRestore, in a transaction that is rolled back; only temporary tables), and nothing
 * changed: per table the rows that would come back, the conflicts, the rows it could not place,
 * the large objects, and the sequences.
 */
export const rollbackPreviewStep: Step<PromotionContext> = {
  name: 'preview',
  title: 'What the rollback would bring back',
  skip: (ctx) =>
    !ctx.options.dryRun
      ? 'not a dry run'
      : ctx.mode === 'resume'
        ? 'the rollback already switched; a re-run finishes its clean-up'
        : ctx.plan && unmappedPlanTables(ctx.plan, tenantSideFor(ctx)).length
          ? "tables in schemas the tenant's side does not map (see the schema drift): the restore cannot read them"
          : undefined,
  async run(ctx) {
    const { isolated, shared } = await restoreSessions(ctx);
    try {
      const { plan, ledger, removedByCleanup, toolSchema } = await restoreInputs(ctx, isolated, shared);
      await isolated.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await shared.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const prepared = await prepareRestore(shared, isolated, plan, ledger, { removedByCleanup, toolSchema });
      const notes = [...prepared.notes, ...describeRestore(prepared).map((l) => `Would restore ${l}.`)];
      if (prepared.conflicts.length)
        notes.push(`Conflicts (the rollback would refuse): ${describeConflicts(prepared.conflicts)}.`);
      if (prepared.stray.length)
        notes.push(`Rows it could not place (would refuse): ${prepared.stray.join('; ')}.`);
      if (prepared.unmergeable.length)
        notes.push(`Tables it could not merge (would refuse): ${prepared.unmergeable.join('; ')}.`);
      if (prepared.collisions.length)
        notes.push(
          `Keys or unique values taken on both sides (would refuse): ${prepared.collisions.join('; ')}. Give the tenant's rows new keys in its database, past the shared side's ids, or change the unique value on one side.`,
        );
      notes.push(sequenceNote(await readSequences(shared), ctx));
      const unranged = unrangedSequencesNote(await readSequences(isolated));
      if (unranged) notes.push(unranged);
      // Last: a permission error there ends the transactions.
      notes.push(await largeObjectNote(shared, isolated, plan));
      ctx.record.notes.push(...notes);
      const back = prepared.ownReports.reduce((n, r) => n + r.isolatedRows, 0);
      const merged = prepared.mergeReports.reduce((n, r) => n + r.insert + r.update + r.delete, 0);
      const refuse =
        prepared.conflicts.length +
        prepared.stray.length +
        prepared.unmergeable.length +
        prepared.collisions.length;
      return `${back} own rows and ${merged} shared-table changes would come back${refuse ? `; the rollback would refuse (${prepared.conflicts.length} conflict(s), see notes)` : ''}; nothing changed`;
    } finally {
      await shared.query('ROLLBACK').catch(() => undefined);
      await isolated.query('ROLLBACK').catch(() => undefined);
      await isolated.end().catch(() => undefined);
      await shared.end().catch(() => undefined);
    }
  },
};

/** How many large objects would be created or rewritten (read-only; the restore borrows the tenant's roles to read them all). */
async function largeObjectNote(
  shared: pg.ClientBase,
  isolated: pg.ClientBase,
  plan: TenantPlan,
): Promise<string> {
  try {
    // The columns from the shared catalog (names passed as values are not mapped to the tenant's side).
    const objects = await tenantLargeObjects(
      isolated,
      plan,
      await findLargeObjectColumns(shared, plan.tables),
    );
    if (objects.oids.length === 0) return 'Large objects: none referenced by the tenant’s rows.';
    const [want, have] = [
      await hashLargeObjects(isolated, objects.oids),
      await hashLargeObjects(shared, objects.oids),
    ];
    const missing = objects.oids.filter((o) => !have.has(o)).length;
    const changed = objects.oids.filter((o) => have.has(o) && have.get(o)!.hash !== want.get(o)?.hash).length;
    return `Large objects: ${missing} would be created and ${changed} rewritten in the shared database.`;
  } catch (e) {
    // Objects the tenant's roles own are unreadable to this role until the restore borrows them.
    await isolated.query('ROLLBACK').catch(() => undefined);
    return `Large objects: not compared in the dry run (${(e as Error).message}); the rollback reads them through the tenant's roles.`;
  }
}

function sequenceNote(sequences: Awaited<ReturnType<typeof readSequences>>, ctx: PromotionContext): string {
  const range = ctx.tenant?.isolation?.sequence_range;
  const ranged = sequences.filter((s) => !s.noRange).map((s) => `${s.label} at ${s.lastValue ?? 'unused'}`);
  const where = range?.ranges
    ? Object.entries(range.ranges)
        .map(([type, [first, last]]) => `${type} ${first}–${last}`)
        .join(', ')
    : 'none recorded';
  return `Sequences: ids the tenant took while isolated come from its range (slot ${range?.slot ?? '?'}: ${where}) and come back as they are; the shared sequences (${ranged.join(', ') || 'none'}) stay below the tenants' zone and are only lifted past the shared side's own ids.`;
}
