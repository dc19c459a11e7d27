import { z } from 'zod';

/**
 * The record of one run. Every output — PR comment, job summary, status JSON, terminal — is a
 * rendering of this record, so it is the contract between the pipeline and the reporters.
 */
export const StepStatus = z.enum([
  'pending',
  'running',
  'done',
  'skipped',
  'failed',
  'undone',
  'undo-failed',
]);
export type StepStatus = z.infer<typeof StepStatus>;

export const StepRecord = z.object({
  name: z.string(),
  title: z.string(),
  status: StepStatus,
  startedAt: z.string().optional(),
  durationMs: z.number().optional(),
  /** One line on what the step did (or why it was skipped). */
  detail: z.string().optional(),
  error: z.string().optional(),
});
export type StepRecord = z.infer<typeof StepRecord>;

export const CheckStatus = z.enum(['pass', 'warn', 'fail', 'skip']);
export type CheckStatus = z.infer<typeof CheckStatus>;

export const CheckRecord = z.object({
  name: z.string(),
  title: z.string(),
  status: CheckStatus,
  reason: z.string(),
  details: z.array(z.string()).default([]),
  durationMs: z.number().optional(),
  /** Checks that work table by table: ms per qualified table. */
  tableMs: z.record(z.string(), z.number()).optional(),
});
export type CheckRecord = z.infer<typeof CheckRecord>;

/**
 * How a planned table's rows are selected: `root` the tenants row; `tenant` rows carrying the
 * tenant key (and the global rows — NULL key — the tenant's rows reference); `dependent` rows
 * that reach the tenant's rows through foreign keys; `referenced` rows of a table without the
 * tenant key that copied rows reference, and the rows that reference only such rows (a user's
 * password-reset tokens); `reference` a table copied whole (unrelated to the tenant, or by
 * `shared-rows: whole` / a `copy` override).
 */
export const TableKind = z.enum(['root', 'tenant', 'dependent', 'referenced', 'reference']);
export type TableKind = z.infer<typeof TableKind>;

export const TableRecord = z.object({
  schema: z.string(),
  name: z.string(),
  kind: TableKind,
  /** Rows planned (counted in the source snapshot, or the planner's estimate when `plannedEstimated`). */
  plannedRows: z.number().optional(),
  /** `plannedRows` is the planner's estimate (a promotion), not a count (a dry run): shown as `~N`. */
  plannedEstimated: z.boolean().optional(),
  /** Rows written to the new database. */
  copiedRows: z.number().optional(),
  /** Rows committed per range when the copy split the table into ranges (copy-ranges.ts); absent when copied whole. */
  copiedRanges: z.array(z.number()).optional(),
  bytes: z.number().optional(),
  durationMs: z.number().optional(),
  /** Rows deleted from the shared database by cleanup. */
  deletedRows: z.number().optional(),
  checksum: z.string().optional(),
});
export type TableRecord = z.infer<typeof TableRecord>;

export const Operation = z.enum(['promote', 'rollback']);
export type Operation = z.infer<typeof Operation>;

export const RunResult = z.enum([
  'promoted',
  'already-isolated',
  'dry-run',
  'skipped',
  'failed',
  'rolled-back',
  'running',
]);
export type RunResult = z.infer<typeof RunResult>;

export const TriggerInfo = z.object({
  /** Who asked for it: the labeler, the dispatcher, the CLI user. */
  actor: z.string().optional(),
  source: z.string(),
  pullRequest: z.number().optional(),
  runUrl: z.string().optional(),
  runId: z.string().optional(),
});
export type TriggerInfo = z.infer<typeof TriggerInfo>;

export const RunRecord = z.object({
  operation: Operation,
  tenant: z.string(),
  database: z.string().optional(),
  result: RunResult,
  dryRun: z.boolean().default(false),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  trigger: TriggerInfo,
  /** This run's fencing token (postgres/ownership.ts), once it has claimed the tenant. */
  runToken: z.string().optional(),
  steps: z.array(StepRecord),
  checks: z.array(CheckRecord).default([]),
  tables: z.array(TableRecord).default([]),
  /** The isolation level of the run and where it came from (input, tenant settings, default). */
  isolationLevel: z
    .object({ level: z.enum(['database', 'schema']), from: z.enum(['input', 'tenant-settings', 'default']) })
    .optional(),
  /** Schema level: where each source schema goes, and the search_path the application sets. */
  schemaLayout: z
    .object({
      into: z.enum(['shared-database', 'new-database']),
      mappings: z.array(z.object({ source: z.string(), target: z.string() })),
      searchPath: z.array(z.string()),
    })
    .optional(),
  /** Planning notes: warnings (unindexed foreign keys, …) that do not block. */
  notes: z.array(z.string()).default([]),
  /** True once the commit point has passed: failures after it are resumed, not undone. */
  committed: z.boolean().default(false),
  /** How long the tenant's writes were blocked at the switch. */
  freezeMs: z.number().optional(),
  /**
   * What the freeze did (see freezePass): the tenant's rows read in the shared database, the row
   * versions the cheap filter let through, and the rows written to the new database — the last
   * grows with the writes made since the base pass, not with the tenant.
   */
  freeze: z
    .object({
      ms: z.number(),
      scannedRows: z.number(),
      candidateRows: z.number().optional(),
      reappliedRows: z.number(),
      /**
       * Transactions in progress at the base snapshot: those proven to run in another database
       * (they never widen the candidates, see base-snapshot.ts) and the rest (they may).
       */
      openElsewhere: z.number().optional(),
      openHere: z.number().optional(),
      /**
       * Where the switch's time before the freeze went, per phase in ms (the base comparison,
       * catch-up, large objects, row ledger, the freeze pass's base digests): the unfrozen part
       * that the benchmark weighs against the copy.
       */
      unfrozenMs: z.record(z.string(), z.number()).optional(),
    })
    .optional(),
  serviceUrl: z.string().optional(),
  revision: z.string().optional(),
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      hint: z.string().optional(),
      step: z.string().optional(),
    })
    .optional(),
  /** Steps whose effects were undone after a failure, in the order they were undone. */
  undone: z.array(z.string()).default([]),
});
export type RunRecord = z.infer<typeof RunRecord>;
