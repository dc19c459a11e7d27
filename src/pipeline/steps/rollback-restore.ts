import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { PromotionError } from '../../errors';
import { fromTable, setComparableSession } from '../../postgres/checksum';
import { compareTables } from '../../postgres/catch-up';
import { readTableGraph } from '../../postgres/catalog';
import { connectAll, setTenantId } from '../../postgres/connect';
import { syncSequences } from '../../postgres/schema-clone';
import { quoteQualified } from '../../postgres/sql';
import { historyEntry, readTenant, writeIsolation } from '../../postgres/tenants';
import type { PromotionContext } from '../context';
import type { Step } from '../step';
import { assertOwnerIn } from '../ownership';
import { orderPlan } from './plan';

/**
 * Rollback's commit point. In one transaction on the shared database: replace the tenant's
 * rows with the isolated database's (the source of truth: it has every write made since the
 * promotion), verify counts and digests, lift the shared sequences past every copied id, and
 * mark the tenant shared with an audit entry. A key that collides with another tenant's row
 * aborts the transaction with a clear error; nothing changes.
 */
export const restoreStep: Step<PromotionContext> = {
  name: 'restore',
  title: 'Copy the rows back and switch to shared',
  commitPoint: true,
  async run(ctx) {
    const [isolated, shared] = (await connectAll([
      ctx.servers.tenantDatabaseUrl(ctx.names.database),
      ctx.servers.sharedUrl,
    ])) as [pg.Client, pg.Client];
    try {
      // Where foreign keys form a cycle, the order that honours every key that cannot give way
      // (not DEFERRABLE), whichever plan the rollback was given (see orderPlan).
      const plan = orderPlan(ctx.plan!, await readTableGraph(shared), { keepSharedData: true });
      const tables = plan.tables.filter((t) => t.kind === 'tenant' || t.kind === 'dependent');
      await checkColumns(isolated, tables);
      await setComparableSession(isolated);
      await setComparableSession(shared);
      await setTenantId(shared, plan.tenantId);
      await shared.query('BEGIN');
      await shared.query(
        `SELECT 1 FROM ${quoteQualified(ctx.options.tenantsTable)} t WHERE t.slug = $1 FOR UPDATE`,
        [ctx.names.slug],
      );
      await assertOwnerIn(ctx, shared, 'copying the rows back');
      // Replica mode (superuser only) keeps the shared tables' triggers from rewriting restored rows.
      await shared.query('SAVEPOINT replica');
      await shared.query(`SET LOCAL session_replication_role = replica`).then(
        () => shared.query('RELEASE SAVEPOINT replica'),
        () => shared.query('ROLLBACK TO SAVEPOINT replica'),
      );
      // Without replica mode (a role that is not a superuser, e.g. on managed PostgreSQL) every
      // foreign key is checked: the stale rows go children first (plan.deleteOrder) and the rows
      // come back parents first (plan.tables), and the keys the shared schema declares DEFERRABLE
      // are checked at COMMIT, so a cycle through one of them restores too (the plan orders the
      // tables of a cycle by the keys that cannot give way, see orderPlan in steps/plan.ts).
      await shared.query('SET CONSTRAINTS ALL DEFERRED');
      let stale = 0;
      for (const table of plan.deleteOrder) {
        stale +=
          (await shared.query(`DELETE FROM ${table.qualified} AS t WHERE ${table.where}`)).rowCount ?? 0;
      }
      let restored = 0;
      // Identity and generated columns: COPY FROM writes an identity column's values as given,
      // GENERATED ALWAYS included (as INSERT … OVERRIDING SYSTEM VALUE would; PostgreSQL 15 and 17,
      // as the connecting role, superuser or not: see test/integration/catch-up-patterns.test.ts
      // and the rollback in test/integration/managed-done.test.ts), so rows come back with their ids; the
      // shared sequences are lifted past them below. Stored generated columns are not in the plan's
      // columns (COPY refuses them): the shared database computes them again from the same values.
      for (const table of tables) {
        const cols = table.columns.join(', ');
        try {
          const reader = isolated.query(copyTo(`COPY (SELECT ${cols} FROM ${fromTable(table)}) TO STDOUT`));
          const writer = shared.query(copyFrom(`COPY ${table.qualified} (${cols}) FROM STDIN`));
          await pipeline(reader, writer);
          restored += Number(writer.rowCount ?? 0);
        } catch (e) {
          throw restoreError(e, table.qualified);
        }
      }
      // The deferred keys are checked here, where a violation is still plainly "nothing changed",
      // not at COMMIT (the commit point).
      try {
        await shared.query('SET CONSTRAINTS ALL IMMEDIATE');
      } catch (e) {
        throw restoreError(e, 'the restored tables');
      }
      const comparisons = await compareTables(shared, isolated, tables);
      const unequal = comparisons.filter((c) => !c.equal);
      if (unequal.length) {
        throw new PromotionError(
          'validation-failed',
          `The rows copied back differ from the isolated database: ${unequal
            .flatMap((c) => c.differences)
            .slice(0, 5)
            .join('; ')}`,
          'Nothing was changed. Triggers on the shared tables may rewrite rows: run the rollback as a superuser (replica mode), or check the named tables.',
        );
      }
      await syncSequences(isolated, shared);
      const tenant = await readTenant(shared, ctx.options.tenantsTable, ctx.names.slug);
      const tablesDigest = Object.fromEntries(
        comparisons.map((c) => [c.table.qualified, { count: c.target.count, digest: c.target.digest }]),
      );
      const ok = await writeIsolation(
        shared,
        ctx.options.tenantsTable,
        tenant,
        {
          ...tenant.isolation!,
          state: 'rolled-back',
          shared_rows_removed: false,
          verified: undefined,
          history: [
            ...(tenant.isolation?.history ?? []),
            historyEntry({
              event: 'rolled-back',
              actor: ctx.deps.trigger.actor,
              source: ctx.deps.trigger.source,
              pull_request: ctx.deps.trigger.pullRequest,
              run_url: ctx.deps.trigger.runUrl,
              tables: tablesDigest,
              detail: `${restored} rows restored from ${ctx.names.database}`,
            }),
          ],
        },
        { from: 'isolated', to: 'shared' },
      );
      if (!ok)
        throw new PromotionError(
          'tenant-state',
          `Tenant "${ctx.names.slug}" is no longer isolated; nothing was changed.`,
          'Check its status.',
        );
      await shared.query('COMMIT');
      ctx.record.committed = true;
      for (const c of comparisons) {
        ctx.record.tables.push({
          schema: c.table.schema,
          name: c.table.name,
          kind: c.table.kind,
          copiedRows: c.target.count,
          checksum: c.target.digest,
        });
      }
      return `${restored} rows restored into the shared database${stale ? ` (${stale} stale shared rows replaced)` : ''}; tenant is shared`;
    } catch (e) {
      if (!ctx.record.committed) await shared.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      await isolated.end().catch(() => undefined);
      await shared.end().catch(() => undefined);
    }
  },
};

async function checkColumns(
  isolated: pg.ClientBase,
  tables: { schema: string; name: string; columns: string[]; qualified: string }[],
) {
  for (const t of tables) {
    const { rows } = await isolated.query<{ q: string }>(
      `SELECT '"' || replace(a.attname, '"', '""') || '"' AS q FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped`,
      [t.schema, t.name],
    );
    const have = new Set(rows.map((r) => r.q));
    const missing = t.columns.filter((c) => !have.has(c));
    if (rows.length === 0 || missing.length) {
      throw new PromotionError(
        'tenant-state',
        rows.length === 0
          ? `Table ${t.qualified} of the shared database does not exist in the isolated database.`
          : `Table ${t.qualified} in the isolated database lacks column(s) ${missing.join(', ')} of the shared schema.`,
        'The schemas have drifted since the promotion: apply the same migrations to both databases, then re-run the rollback.',
      );
    }
  }
}

function restoreError(e: unknown, table: string): unknown {
  const err = e as { code?: string; detail?: string; message?: string; table?: string };
  if (err?.code === '23503') {
    return new PromotionError(
      'tenant-state',
      `A row copied back into ${err.table ?? table} breaks a foreign key of the shared database (${err.message}${err.detail ? `: ${err.detail}` : ''}); nothing was changed.`,
      'The rows reference each other in an order the shared keys do not allow as a role without replica mode: make one key of the cycle DEFERRABLE in the shared database (ALTER TABLE … ALTER CONSTRAINT … DEFERRABLE), or roll back as a superuser; then re-run the rollback.',
    );
  }
  if (err?.code === '23505') {
    return new PromotionError(
      'tenant-state',
      `A row of ${table} from the isolated database collides with an existing row in the shared database (${err.detail ?? err.message}); nothing was changed.`,
      'Another tenant took that key while this tenant was isolated. Resolve the collision by hand, then re-run the rollback.',
    );
  }
  return e;
}
