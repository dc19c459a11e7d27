import { PromotionError } from '../../errors';
import { digestTable, keyRange, setComparableSession } from '../../postgres/checksum';
import { connect, setTenantId } from '../../postgres/connect';
import { referenceBlockers } from '../../postgres/plan-check';
import { readTenant, writeIsolation } from '../../postgres/tenants';
import type { PromotionContext } from '../context';
import type { Step } from '../step';
import { assertOwnerIn } from '../ownership';

/**
 * Removes the tenant's rows from the shared database — never the tenants row, which now
 * carries the routing flag — in one transaction, children first. Before deleting it re-checks
 * that the rows still equal what was verified at the switch (a writer ignoring the contract
 * would otherwise lose data), and it asserts that the rows deleted equal the rows verified.
 */
export const cleanupStep: Step<PromotionContext> = {
  name: 'cleanup',
  title: 'Remove the tenant rows from the shared database',
  skip: (ctx) =>
    ctx.options.keepSharedData
      ? 'shared rows kept (keep-shared-data)'
      : ctx.tenant?.isolation?.shared_rows_removed
        ? 'shared rows already removed'
        : undefined,
  async run(ctx) {
    const plan = ctx.plan!;
    const verified = ctx.verified ?? ctx.tenant?.isolation?.verified;
    if (!verified) {
      throw new PromotionError(
        'cleanup-refused',
        'No verified counts and digests were recorded at the switch, so the shared rows cannot be proven safe to delete.',
        'Keep the shared rows (keep-shared-data) and check the tenant with `tenant-isolation status --verify`.',
      );
    }
    const session = await connect(ctx.options.databaseUrl);
    try {
      await setTenantId(session, plan.tenantId);
      await setComparableSession(session);
      await session.query('BEGIN');
      // Hold the tenant row FOR SHARE: it stays isolated (a rollback needs FOR UPDATE) while
      // contract-following writers, which now read it FOR SHARE and write to the isolated
      // database, are not blocked by a cleanup that may run for a while. Under that lock this
      // run proves it still owns the tenant: a run that lost it deletes nothing.
      await assertOwnerIn(ctx, session, 'removing the shared rows');
      const changed: string[] = [];
      for (const table of plan.deleteOrder) {
        const expected = verified[table.qualified];
        const range = await keyRange(session, table, 'source');
        const now = await digestTable(session, table, 'source', range ? { range } : {});
        if (!expected) {
          changed.push(`${table.qualified}: not verified at the switch`);
        } else if (now.count !== expected.count || now.digest !== expected.digest) {
          changed.push(
            `${table.qualified}: ${expected.count} rows verified at the switch, ${now.count} now${now.count === expected.count ? ' (contents changed)' : ''}`,
          );
        }
      }
      // Other tenants keep writing meanwhile: one of their rows may have come to reference ours
      // since the plan (a cascade would then delete or rewrite it). Lock our referenced rows —
      // which blocks new references to them — and check again.
      const referenced = new Set(
        plan.tables.flatMap((t) => (t.foreignKeys ?? []).map((fk) => fk.references)),
      );
      for (const table of plan.deleteOrder) {
        if (!referenced.has(table.qualified)) continue;
        await session.query(
          `SELECT count(*) FROM (SELECT 1 FROM ${table.qualified} t WHERE ${table.where} FOR UPDATE OF t) locked`,
        );
      }
      const links = await referenceBlockers(session, plan.tables, { incomingOnly: true });
      if (links.length) {
        throw new PromotionError(
          'cleanup-refused',
          `Other tenants' rows now reference this tenant's shared rows, so nothing was deleted: ${links.join('; ')}`,
          'Those references were made after the promotion was planned. Resolve them (the isolated database has the rows), then re-run to finish the cleanup.',
        );
      }
      if (changed.length) {
        throw new PromotionError(
          'cleanup-refused',
          `The tenant's shared rows changed after the switch, so nothing was deleted: ${changed.join('; ')}.`,
          'A writer is still writing to the shared database for this tenant (it ignores the FOR SHARE contract). Stop it, move those writes to the isolated database, then re-run to finish the cleanup.',
        );
      }
      let deleted = 0;
      for (const table of plan.deleteOrder) {
        const res = await session.query(`DELETE FROM ${table.qualified} AS t WHERE ${table.where}`);
        const n = res.rowCount ?? 0;
        const expected = verified[table.qualified]!.count;
        if (n !== expected) {
          throw new PromotionError(
            'cleanup-refused',
            `Cleanup would delete ${n} rows from ${table.qualified} but ${expected} were verified; nothing was deleted.`,
            'Check for ON DELETE CASCADE or triggers that reach this table, then re-run.',
          );
        }
        const entry = ctx.record.tables.find((e) => e.schema === table.schema && e.name === table.name);
        if (entry) entry.deletedRows = n;
        deleted += n;
      }
      const tenant = await readTenant(session, ctx.options.tenantsTable, ctx.names.slug);
      await writeIsolation(
        session,
        ctx.options.tenantsTable,
        tenant,
        { ...tenant.isolation!, shared_rows_removed: true },
        {
          from: 'isolated',
          to: 'isolated',
        },
      );
      await session.query('COMMIT');
      ctx.tenant = { ...tenant, isolation: { ...tenant.isolation!, shared_rows_removed: true } };
      return `${deleted} rows deleted from ${plan.deleteOrder.length} tables (equal to the rows verified at the switch)`;
    } catch (e) {
      await session.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      await session.end().catch(() => undefined);
    }
  },
};
