import type { RecordedDigest } from '../postgres/checksum';
import type { CheckStatus } from '../pipeline/record';
import type { Logger } from '../log';
import type { DerivedNames } from '../names';
import type { TenantPlan } from '../postgres/plan-types';
import type { CheckSchemaLayout } from './schema-level';
import type { TableScans } from './table-scan';

/**
 * What every post-promotion check reads. Data only: connection strings, the plan, names and
 * what to scan; each check opens (and closes) its own connections.
 */
export interface CheckContext {
  /** Shared database (admin connection). */
  sourceUrl: string;
  /** New tenant database (admin connection), on the target server. */
  targetUrl: string;
  /**
   * The tenant's database is on another server than the shared one: its roles must then exist
   * only there (access control).
   */
  separateServers?: boolean;
  /** Read the source at the copy snapshot (the exporting transaction must still be open). */
  snapshotId?: string;
  /** The value the tenant's rows carry in the tenant key (the plan's). */
  tenantId: string;
  plan: TenantPlan;
  /** The tenant-key column (option tenant-key): checks that re-derive the tenant independently of the plan use it. */
  tenantKey: string;
  /** The tenant-id-column option, if set (see resolveTenantKeyColumn). */
  tenantIdColumn?: string | undefined;
  names: DerivedNames;
  /** Name of the shared database (for CONNECT checks). */
  sharedDatabase: string;
  /** The tenant's application role; checks connect as it through targetUrl with user/password replaced. */
  /**
   * The shared application's roles whose grants and policies the clone remaps to the tenant's
   * role: a source policy for none of them (nor PUBLIC) is left out of the clone on purpose.
   */
  mappedRoles?: string[];
  appRole: { name: string; password: string };
  /** Schema level: where the tenant's schemas went (the record's schemaLayout); absent at database level. */
  schemaLayout?: CheckSchemaLayout;
  /** Per qualified table, the count and digest recorded at the switch (`status --verify`): compared instead of the shared rows. */
  recorded?: Record<string, RecordedDigest>;
  /**
   * `status --verify`, after the switch: the isolated database is live, so row counts and digests
   * that differ from the switch's are the application's changes, reported as information (`warn`,
   * "changed since the switch"), not as failures. What a check can prove wrong still fails.
   */
  afterSwitch?: boolean;
  filesToScan: string[];
  textsToScan: string[];
  secrets: string[];
  service?: { url: string; healthPath: string };
  /** Default time budget per check, in ms (a check may declare its own). */
  budgetMs?: number;
  log: Logger;
  /**
   * Work the checks of one `runChecks` call share, set by runChecks (a fresh one per call). A
   * check run on its own, without it, does that work for itself.
   */
  run?: CheckRun;
}

/** What the checks of one run share, computed by the first check that needs it. */
export interface CheckRun {
  /** The per-table scans row-counts and checksums both read (table-scan.ts). */
  tableScans?: TableScans;
}

export interface CheckResult {
  status: CheckStatus;
  /** One line. */
  reason: string;
  details: string[];
  /** Checks that work table by table: ms spent per qualified table (see TableTimes). */
  tableMs?: Record<string, number>;
}

/**
 * What a check spent on each table, for the record's `tableMs`: a check's duration alone does
 * not say whether its cost follows the tenant's rows or one table's shape (`npm run bench`
 * reports both).
 */
export class TableTimes {
  private readonly ms: Record<string, number> = {};
  private current?: { table: string; started: number };

  /** Starts timing `table` and ends the previous one's time (checks go through tables one by one). */
  next(table: string): void {
    this.done();
    this.current = { table, started: performance.now() };
  }

  /** The result with the times (in whole ms), the last table's ended now. */
  attach(result: CheckResult): CheckResult {
    this.done();
    return {
      ...result,
      tableMs: Object.fromEntries(Object.entries(this.ms).map(([t, ms]) => [t, Math.round(ms)])),
    };
  }

  /** Ends the current table's time (work that follows is not any one table's). */
  done(): void {
    if (!this.current) return;
    const { table, started } = this.current;
    this.ms[table] = (this.ms[table] ?? 0) + (performance.now() - started);
    this.current = undefined;
  }
}

export interface Check {
  name: string;
  title: string;
  /** Time budget in ms; overrides ctx.budgetMs. */
  budgetMs?: number;
  /** `budgetMs` is the time left; checks pass it on as statement_timeout. */
  run(ctx: CheckContext, budgetMs: number): Promise<CheckResult>;
}

export const DEFAULT_CHECK_BUDGET_MS = 120_000;

export function pass(reason: string, details: string[] = []): CheckResult {
  return { status: 'pass', reason, details };
}
export function fail(reason: string, details: string[] = []): CheckResult {
  return { status: 'fail', reason, details };
}
export function warn(reason: string, details: string[] = []): CheckResult {
  return { status: 'warn', reason, details };
}
export function skip(reason: string, details: string[] = []): CheckResult {
  return { status: 'skip', reason, details };
}

/**
 * Details a check records: all of them (the record, `--json` and the job summary list every
 * difference; the PR comment and the terminal summarise long lists, see report/render.ts). The
 * bound only protects the record from a pathological list.
 */
export const MAX_DETAILS = 10_000;

/** At most `max` details, with a count of the rest. */
export function capDetails(details: string[], max = MAX_DETAILS): string[] {
  if (details.length <= max) return details;
  return [...details.slice(0, max), `… and ${details.length - max} more`];
}
