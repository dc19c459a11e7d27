import pg from 'pg';
import { PromotionError } from '../../errors';
import {
  catchUp,
  compareAtBase,
  freezePass,
  prepareFreezePass,
  readColumnsByTable,
  recompareAtBase,
  verifiedFrom,
} from '../../postgres/catch-up';
import { COLUMNS_FORM, recordDigest, setComparableSession, type RowHashForm } from '../../postgres/checksum';
import { connect, connectAll, setTenantId } from '../../postgres/connect';
import { applySequenceRanges } from '../../postgres/sequence-ranges';
import { referencedLargeObjects, syncLargeObjects } from '../../postgres/large-objects';
import { grantSharedLargeObjects } from '../../postgres/shared-large-objects';
import { recordRowLedger, rerecordLedgerTables, updateRowLedger } from '../../postgres/rollback-ledger';
import { quoteQualified } from '../../postgres/sql';
import { historyEntry, readTenant, writeIsolation } from '../../postgres/tenants';
import { serverName } from '../../postgres/servers';
import type { PromotionContext } from '../context';
import { MIGRATION_VERSION, type IsolationSettings } from '../tenant-state';
import { recordPlanOptions } from '../plan-options';
import type { Step } from '../step';
import { intoSharedDatabase, tenantDatabase, tenantDatabaseUrl, toolSchema } from '../tenant-place';
import { releaseSnapshot } from './plan';
import { takeBaseSnapshot } from '../../postgres/base-snapshot';
import { assertOwnerIn } from '../ownership';
import { assertRunMarker, claimOf } from '../../postgres/ownership';
import { inverseSchemaMap } from '../../postgres/schema-layout';

/**
 * Freeze, catch up, switch — the commit point.
 *
 * The application contract (README): a write transaction reads the tenant row `FOR SHARE` and
 * writes to the shared database only while it says `shared`. So holding the tenant row
 * `FOR UPDATE` stops exactly this tenant's writers — no other tenant waits on it.
 *
 * 1. Base, without any lock: at one snapshot S, digest both sides per key bucket, apply what
 *    changed since the copy, and verify every table equal (this pass does the bulk while writes
 *    go on). S stays open until the commit.
 * 2. Freeze: lock the tenant row FOR UPDATE (lock_timeout = max-freeze) and apply only what
 *    changed since S — rows whose xmin S did not see, and keys the source no longer has; the
 *    digests follow arithmetically (see freezePass), and a table the increments cannot settle is
 *    compared in full. Then mark the tenant isolated and COMMIT. The time from lock to commit is
 *    the freeze, measured and reported; past max-freeze the run gives up cleanly (ROLLBACK: the
 *    tenant stays shared, and the run undoes what it built).
 */
/**
 * The row hash of the switch's comparisons and of the digests it records: the versioned
 * per-column form ('columns-1'; ~0.4× the fast form's cost, measured in scripts/bench-hash.ts).
 * The record names the form, so cleanup and status --verify recompute exactly that recipe
 * (older records: 'fast', or md5 without a form). Both later readers hash the tenant's database
 * or the shared one on a server of the same byte order as at the switch (parts of the hash are
 * byte-order dependent, checksum.ts ColumnHashKind); a database moved to a big-endian server
 * would report its rows changed, never equal by mistake.
 */
const SWITCH_FORM: RowHashForm = COLUMNS_FORM;

export const switchStep: Step<PromotionContext> = {
  name: 'switch',
  title: 'Freeze, catch up and switch',
  commitPoint: true,
  async run(ctx) {
    await releaseSnapshot(ctx);
    const plan = ctx.plan!;
    const tables = plan.tables;
    const maxFreeze = ctx.options.maxFreezeMs;
    // `base` holds the base snapshot open until the commit: VACUUM cannot freeze row versions
    // newer than it, so the freeze pass finds every row changed since by its xmin.
    const [source, target, base] = (await connectAll([
      ctx.servers.sharedUrl,
      tenantDatabaseUrl(ctx),
      ctx.servers.sharedUrl,
    ])) as [pg.Client, pg.Client, pg.Client];
    let killer: pg.Client | undefined;
    let targetKiller: pg.Client | undefined;
    try {
      for (const c of [source, base]) {
        await setTenantId(c, plan.tenantId);
        await setComparableSession(c);
      }
      await setComparableSession(target);
      // Where the unfrozen time goes, per phase (recorded with the freeze; see the README).
      const unfrozenMs: Record<string, number> = {};
      let phaseStart = performance.now();
      const phase = (name: string) => {
        const now = performance.now();
        unfrozenMs[name] = Math.round((unfrozenMs[name] ?? 0) + now - phaseStart);
        phaseStart = now;
      };

      // 1. Base: at one snapshot, digest both sides and apply what changed since the copy.
      await base.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      // S, and the oldest xid whose writes S may not have seen in this database: transactions
      // open in other databases of the cluster never widen what the freeze pass re-reads.
      const snapshot = await takeBaseSnapshot(base);
      const changedFrom = snapshot.changedFrom;
      // These sums, carried through the freeze pass, become the digests recorded at the switch
      // (verifiedFrom), which cleanup and status --verify compare later in the form the record
      // names (checksum.ts RecordedDigest). The rollback's row ledger stays md5. The column
      // kinds are read here, once: every later comparison and the freeze pass reuse them.
      const columns = await readColumnsByTable(base, target, tables, SWITCH_FORM);
      phase('snapshotAndColumns');
      // One read of the tenant's shared rows at S gives the comparison's digests and the ones the
      // freeze pass starts from (compareAtBase); the new database is digested at the same time.
      // The shared side hashes each row twice (the row, its version), the new database once: a
      // second session at S on the shared side keeps both sides busy.
      const helper = await sessionAtSnapshot(ctx, base);
      let compared;
      try {
        compared = await compareAtBase(base, target, tables, SWITCH_FORM, {
          columns,
          changedFrom,
          helpers: helper ? [helper] : [],
        });
      } finally {
        await helper?.end().catch(() => undefined);
      }
      const { compared: first, versions: atBase } = compared;
      phase('compare');
      const firstChanged = first.filter((c) => !c.equal);
      // Every write into the new database proves, in its own transaction, that the database is
      // still this run's: a run that lost the tenant never writes into another run's database.
      const guard = (t: pg.ClientBase) =>
        assertRunMarker(t, ctx.names.slug, ctx.run.id, 'catching up', toolSchema(ctx));
      let settledBase = first;
      if (firstChanged.length) {
        await catchUp(base, target, first, guard);
        // The shared side's digests at S still hold: only the new database is read again.
        const again = await recompareAtBase(base, target, firstChanged, { columns });
        settledBase = first.map((c) => (c.equal ? c : again.find((x) => x.table === c.table)!));
        phase('catchUp');
      }
      const unequalBase = settledBase.filter((c) => !c.equal);
      if (unequalBase.length) {
        throw new PromotionError(
          'validation-failed',
          `After catch-up the new database still differs: ${unequalBase
            .flatMap((c) => c.differences)
            .slice(0, 5)
            .join('; ')}`,
          'Nothing was switched. Re-run; if it persists, report it with the differences above.',
        );
      }

      // Large objects the tenant's rows reference now, at the base snapshot: copied if new since
      // the copy, replaced if changed (hashed on both sides).
      const loColumns = plan.largeObjects?.columns ?? [];
      const loRoles = { owner: ctx.names.ownerRole, app: ctx.names.appRole };
      // Into the shared database the objects are the same ones (one pg_largeobject per database):
      // those referenced now are granted to the tenant's role instead (shared-large-objects.ts).
      const grantInPlace = async (from: pg.ClientBase) => {
        const oids = await referencedLargeObjects(from, loColumns, plan.tables);
        if (oids.length === 0) return;
        await target.query('BEGIN');
        try {
          await guard(target);
          await grantSharedLargeObjects(target, oids, loColumns, ctx.names.appRole);
          await target.query('COMMIT');
        } catch (e) {
          await target.query('ROLLBACK').catch(() => undefined);
          throw e;
        }
      };
      const inPlace = intoSharedDatabase(ctx);
      if (loColumns.length && inPlace) await grantInPlace(base);
      else if (loColumns.length)
        await syncLargeObjects(base, target, plan, { roles: loRoles, guard, columns: loColumns });
      phase('largeObjects');

      // What the tenant's database holds of the rows both sides may write, for the rollback's
      // three-way merge (rollback-ledger.ts); before the freeze, so it never lengthens it by more
      // than the rows the freeze pass re-applies (it updates their entries).
      // In the tool schema beside the tenant's tables (its own in the shared database).
      await recordRowLedger(target, plan, toolSchema(ctx), guard);
      phase('rowLedger');

      // What the freeze pass needs from the base snapshot alone is read before the freeze.
      const freezeBase = settledBase.map(verifiedFrom);
      const prepared = await prepareFreezePass(base, freezeBase, changedFrom, atBase);
      phase('freezeBase');

      // Failpoint for tests: writes made here land between the base snapshot and the freeze.
      await ctx.deps.fault?.('switch:before-freeze');

      // 2. Freeze: only what changed since the base snapshot is read, applied and accounted for.
      // Opened before the freeze, so the watchdog can cancel without first connecting.
      killer = await connect(ctx.servers.sharedUrl);
      // A backend id means something only on its own server: the target's sessions are
      // cancelled through a session on the target server.
      if (ctx.servers.separate) targetKiller = await connect(ctx.servers.targetAdminUrl);
      await source.query('BEGIN');
      let lockedAt = 0;
      let watchdog: { disarm(): Promise<boolean> } | undefined;
      try {
        await source.query(`SELECT set_config('lock_timeout', $1, true)`, [`${maxFreeze}ms`]);
        // If this runner dies while frozen, the server ends the session (and the freeze) itself,
        // instead of waiting for TCP to notice.
        await source.query(`SELECT set_config('idle_in_transaction_session_timeout', $1, true)`, [
          `${maxFreeze + 5000}ms`,
        ]);
        const locked = await source.query(
          `SELECT 1 FROM ${quoteQualified(ctx.options.tenantsTable)} t WHERE t.slug = $1 FOR UPDATE`,
          [ctx.names.slug],
        );
        if (locked.rowCount !== 1) {
          throw new PromotionError(
            'tenant-state',
            `Tenant "${ctx.names.slug}" is no longer in ${ctx.options.tenantsTable}; nothing was switched.`,
            'Check the tenants table.',
          );
        }
        lockedAt = performance.now();
        // Under the row lock: only the run that owns the tenant may switch it.
        await assertOwnerIn(ctx, source, 'the switch');
        // Whatever remains of the window bounds every statement under the freeze.
        await source.query(`SELECT set_config('statement_timeout', $1, true)`, [`${maxFreeze}ms`]);
        // statement_timeout bounds each statement, not their sum: a watchdog cancels whatever runs
        // when the whole window is used up, so the tenant's writes never wait past max-freeze.
        watchdog = freezeWatchdog(
          targetKiller
            ? [
                [killer, [source]],
                [targetKiller, [target]],
              ]
            : [[killer, [source, target]]],
          maxFreeze - (performance.now() - lockedAt),
        );
        let pass;
        try {
          // The ledger follows the rows the pass re-applies, in the same frozen transaction.
          pass = await freezePass(
            source,
            target,
            freezeBase,
            changedFrom,
            base,
            guard,
            prepared,
            (t, table, keys) => updateRowLedger(t, plan, table, keys, toolSchema(ctx)),
          );
          // Tables settled by a full comparison: their changed rows have no list, recorded anew.
          if (pass.fullyCompared.length)
            await rerecordLedgerTables(target, plan, pass.fullyCompared, toolSchema(ctx), guard);
        } catch (e) {
          if (e instanceof PromotionError || isTimeout(e)) throw e;
          throw new PromotionError(
            'validation-failed',
            `Catching up under the freeze failed: ${(e as Error).message}`,
            'Nothing was switched. Re-run; if it persists, a writer may be ignoring the FOR SHARE contract (see README).',
            { cause: e },
          );
        }
        // Under the freeze only objects referenced by rows written since the base pass can be
        // missing: those are copied (what the rows reference is read at the frozen state).
        if (loColumns.length && inPlace) await grantInPlace(source);
        else if (loColumns.length) {
          await syncLargeObjects(source, target, plan, {
            roles: loRoles,
            guard,
            columns: loColumns,
            verify: 'missing',
          });
        }
        // The new database's sequences get the tenant's range from the register (reserved at the
        // plan; past every copied id, disjoint from the shared side and every other tenant) before any
        // writer can switch over; the applied ranges commit with the switch (sequence-ranges.ts).
        await applySequenceRanges(source, target, {
          tenantsTable: ctx.options.tenantsTable,
          slug: ctx.names.slug,
          sourceSchemas: ctx.schemaLayout ? inverseSchemaMap(ctx.schemaLayout.layout) : undefined,
        });
        await watchdog.disarm();
        const elapsed = performance.now() - lockedAt;
        if (elapsed > maxFreeze) throw freezeTimeout(maxFreeze, elapsed);

        const verified = Object.fromEntries(
          pass.verified.map((v) => [v.table.qualified, recordDigest(v.form, v.count, v.sum.toString())]),
        );
        ctx.verified = verified;
        const tenant = await readTenant(source, ctx.options.tenantsTable, ctx.names.slug);
        const isolation: IsolationSettings = {
          ...(tenant.isolation ?? { history: [] }),
          state: 'switched',
          isolated_db_name: tenantDatabase(ctx),
          isolated_at: new Date().toISOString(),
          migration_version: MIGRATION_VERSION,
          source_database: ctx.sharedDatabase,
          isolated_server: ctx.servers.separate ? serverName(ctx.servers.targetAdminUrl) : undefined,
          app_role: ctx.names.appRole,
          owner_role: ctx.names.ownerRole,
          // Database level writes nothing new here: a tenant row reads as it did before issue 21 —
          // and a schema-level promotion rolled back before leaves no level or mapping behind
          // (undefined keys are not stored).
          ...(ctx.record.schemaLayout
            ? {
                isolation_level: 'schema' as const,
                schema: {
                  into: ctx.record.schemaLayout.into,
                  mappings: ctx.record.schemaLayout.mappings,
                  search_path: ctx.record.schemaLayout.searchPath,
                },
              }
            : { isolation_level: undefined, schema: undefined }),
          service: ctx.service && !ctx.options.dryRun ? { ...ctx.service } : undefined,
          shared_rows_removed: false,
          verified,
          plan: recordPlanOptions(ctx.options),
          history: [
            ...(tenant.isolation?.history ?? []),
            historyEntry({
              event: 'promoted',
              actor: ctx.deps.trigger.actor,
              source: ctx.deps.trigger.source,
              pull_request: ctx.deps.trigger.pullRequest,
              run_url: ctx.deps.trigger.runUrl,
              tables: verified,
              freeze_ms: Math.round(performance.now() - lockedAt),
            }),
          ],
        };
        const switched = await writeIsolation(source, ctx.options.tenantsTable, tenant, isolation, {
          from: 'shared',
          to: 'isolated',
        });
        if (!switched) {
          throw new PromotionError(
            'tenant-state',
            `Tenant "${ctx.names.slug}" is no longer shared; nothing was switched.`,
            'Check its status.',
          );
        }
        await commitSwitch(ctx, source);
        ctx.record.freezeMs = Math.round(performance.now() - lockedAt);
        ctx.record.freeze = {
          ms: ctx.record.freezeMs,
          scannedRows: pass.scannedRows,
          candidateRows: pass.candidateRows,
          reappliedRows: pass.reappliedRows,
          openElsewhere: snapshot.openElsewhere,
          openHere: snapshot.xip.length - snapshot.openElsewhere,
          unfrozenMs,
        };
        ctx.tenant = { ...tenant, isolationMode: 'isolated', isolation };
        const caught = firstChanged.length
          ? `; caught up ${firstChanged.length} table(s) changed during the copy`
          : '';
        const frozen =
          ` (${pass.scannedRows} rows scanned, ${pass.reappliedRows} re-applied` +
          (pass.changedRows || pass.deletedRows
            ? `: ${pass.changedRows} changed and ${pass.deletedRows} deleted rows applied under the freeze)`
            : ')');
        return `tenant isolated; writes frozen for ${ctx.record.freezeMs} ms${frozen}${caught}`;
      } catch (e) {
        const expired = await watchdog?.disarm();
        if (!ctx.record.committed) await source.query('ROLLBACK').catch(() => undefined);
        if (expired) throw freezeTimeout(maxFreeze, performance.now() - lockedAt, e);
        if (isTimeout(e))
          throw freezeTimeout(maxFreeze, lockedAt ? performance.now() - lockedAt : maxFreeze, e);
        throw e;
      }
    } finally {
      await source.end().catch(() => undefined);
      await target.end().catch(() => undefined);
      await base.end().catch(() => undefined);
      await killer?.end().catch(() => undefined);
      await targetKiller?.end().catch(() => undefined);
    }
  },
};

/**
 * A new session on the shared database that sees exactly what `base` (holding the base snapshot
 * S, REPEATABLE READ) sees: S exported and imported. Read-only; the caller ends it. Only a help:
 * when it cannot be had (no connection slot left, say), `base` does the work alone.
 */
async function sessionAtSnapshot(ctx: PromotionContext, base: pg.Client): Promise<pg.Client | undefined> {
  const { rows } = await base.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
  let helper: pg.Client | undefined;
  try {
    helper = await connect(ctx.servers.sharedUrl);
    await setTenantId(helper, ctx.plan!.tenantId);
    await setComparableSession(helper);
    await helper.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await helper.query(`SET TRANSACTION SNAPSHOT ${pg.escapeLiteral(rows[0]!.id)}`);
    return helper;
  } catch (e) {
    await helper?.end().catch(() => undefined);
    ctx.log.debug(`The switch's base pass runs in one session: ${(e as Error).message}`);
    return undefined;
  }
}

/**
 * COMMIT is the commit point. If the connection breaks during COMMIT, the outcome is unknown
 * until the backend that ran the transaction is gone: only then can the commit no longer happen
 * (or have happened unseen). So on a new session the old backend is ended and waited for, and
 * only then is the tenants row read back: committed means isolated by this run's switch (its
 * claim, its database). A run never undoes — drops a database a committed row points at — on a
 * guess: when the outcome cannot be read back, the run stops as if committed, and a re-run
 * resumes or starts afresh from what the row says.
 */
async function commitSwitch(ctx: PromotionContext, session: pg.Client): Promise<void> {
  const pid = (session as unknown as { processID?: number }).processID;
  try {
    await session.query('COMMIT');
    ctx.record.committed = true;
  } catch (e) {
    const outcome = await readSwitchOutcome(ctx, pid).catch(() => 'unknown' as const);
    if (outcome === 'committed') {
      ctx.record.committed = true;
      return;
    }
    if (outcome === 'unknown') {
      ctx.record.committed = true;
      throw new PromotionError(
        'database',
        `The connection broke while the switch committed, and whether it committed could not be read back: ${(e as Error).message}. Nothing was undone.`,
        'Re-run the promotion: it resumes if the switch committed and starts afresh (replacing what this run built) if it did not; `tenant-isolation status` shows which.',
        { cause: e },
      );
    }
    throw new PromotionError(
      'database',
      `The connection broke while the switch committed (${(e as Error).message}); on a new session the old backend was ended and the tenant row read back: the switch did not commit, so this run undoes what it built.`,
      'Re-run the promotion.',
      { cause: e },
    );
  }
}

/** After a broken COMMIT: ends the old backend, waits for it to go, then reads what committed. */
export async function readSwitchOutcome(
  ctx: PromotionContext,
  pid: number | undefined,
): Promise<'committed' | 'not-committed' | 'unknown'> {
  const check = await connect(ctx.servers.sharedUrl);
  try {
    if (!pid) return 'unknown';
    // pg_terminate_backend(pid, timeout) waits for the backend to exit (PostgreSQL 14+).
    await check.query('SELECT pg_terminate_backend($1::int, 10000)', [pid]).catch(() => undefined);
    const alive = await check.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
    if (alive.rowCount) return 'unknown';
    const tenant = await readTenant(check, ctx.options.tenantsTable, ctx.names.slug);
    const committed =
      tenant.isolationMode === 'isolated' &&
      tenant.isolation?.state === 'switched' &&
      tenant.isolation.isolated_db_name === tenantDatabase(ctx) &&
      claimOf(tenant.settings)?.id === ctx.run.id;
    return committed ? 'committed' : 'not-committed';
  } finally {
    await check.end().catch(() => undefined);
  }
}

/**
 * Cancels whatever the freeze's sessions are running (through `killer`, a session opened in
 * advance on their server) once `budgetMs` has passed. `disarm()` stops it and says whether it
 * fired; it waits for a cancel in flight, so a cancel can never land on a later statement.
 */
function freezeWatchdog(
  perServer: [killer: pg.Client, sessions: pg.Client[]][],
  budgetMs: number,
): { disarm(): Promise<boolean> } {
  let fired: Promise<void> | undefined;
  const pidsOf = (sessions: pg.Client[]) =>
    sessions.map((c) => (c as unknown as { processID?: number }).processID).filter((p): p is number => !!p);
  const timer = setTimeout(
    () => {
      fired = Promise.all(
        perServer.map(([killer, sessions]) =>
          killer.query('SELECT pg_cancel_backend(p) FROM unnest($1::int[]) AS p', [pidsOf(sessions)]),
        ),
      )
        .then(() => undefined)
        .catch(() => undefined);
    },
    Math.max(0, budgetMs),
  );
  return {
    async disarm() {
      clearTimeout(timer);
      if (!fired) return false;
      await fired;
      return true;
    },
  };
}

function isTimeout(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === '55P03' || code === '57014';
}

function freezeTimeout(maxFreeze: number, elapsed: number, cause?: unknown): PromotionError {
  return new PromotionError(
    'freeze-timeout',
    `The switch could not complete within max-freeze (${maxFreeze} ms; ${Math.round(elapsed)} ms used): the tenant's writes were not blocked any longer, nothing was switched and the tenant stays shared.`,
    'Re-run at a quieter time, raise max-freeze, or look for long transactions holding the tenant row (pg_stat_activity).',
    { cause },
  );
}
