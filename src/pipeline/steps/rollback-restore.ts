import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { PromotionError } from '../../errors';
import { fromTable, setComparableSession } from '../../postgres/checksum';
import { compareTables } from '../../postgres/catch-up';
import { connectAll, setTenantId } from '../../postgres/connect';
import { syncSequences } from '../../postgres/schema-clone';
import { quoteQualified } from '../../postgres/sql';
import { historyEntry, readTenant, writeIsolation } from '../../postgres/tenants';
import { databaseUrl } from '../../postgres/urls';
import type { PromotionContext } from '../context';
import type { Step } from '../step';
import { assertOwnerIn } from '../ownership';

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
    const plan = ctx.plan!;
    const tables = plan.tables.filter((t) => t.kind === 'tenant' || t.kind === 'dependent');
    const [isolated, shared] = (await connectAll([
      databaseUrl(ctx.options.databaseUrl, ctx.names.database),
      ctx.options.databaseUrl,
    ])) as [pg.Client, pg.Client];
    try {
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
      let stale = 0;
      for (const table of plan.deleteOrder) {
        stale +=
          (await shared.query(`DELETE FROM ${table.qualified} AS t WHERE ${table.where}`)).rowCount ?? 0;
      }
      let restored = 0;
      // Identity and generated columns: COPY FROM writes an identity column's values as given,
      // GENERATED ALWAYS included (as INSERT … OVERRIDING SYSTEM VALUE would; PostgreSQL 15 and 17,
      // see test/integration/catch-up-patterns.test.ts), so rows come back with their ids; the
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
  const err = e as { code?: string; detail?: string; message?: string };
  if (err?.code === '23505') {
    return new PromotionError(
      'tenant-state',
      `A row of ${table} from the isolated database collides with an existing row in the shared database (${err.detail ?? err.message}); nothing was changed.`,
      'Another tenant took that key while this tenant was isolated. Resolve the collision by hand, then re-run the rollback.',
    );
  }
  return e;
}
