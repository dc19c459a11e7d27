import { z } from 'zod';
import { RecordedDigest } from '../postgres/checksum';
import { RunClaim } from '../postgres/ownership';
import { PlanOptionsRecord } from './plan-options';

/**
 * `settings.isolation` of a tenant row: the durable state of a promotion and its append-only
 * audit history. Other keys of `settings` are never touched.
 */
export const HistoryEntry = z
  .object({
    event: z.enum([
      'promoted',
      'resumed',
      'completed',
      'rolled-back',
      'rollback-started',
      'password-rotated',
    ]),
    at: z.string(),
    actor: z.string().optional(),
    source: z.string().optional(),
    pull_request: z.number().optional(),
    run_url: z.string().optional(),
    detail: z.string().optional(),
    tables: z.record(z.string(), RecordedDigest).optional(),
    /**
     * A rollback at the shared placement: every table of the tenant's schemas, whole rows, as the
     * restore left them (postgres/fence.ts schemaTableDigests); the drop compares them again.
     */
    schema_tables: z.record(z.string(), RecordedDigest).optional(),
    freeze_ms: z.number().optional(),
  })
  .passthrough();
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** How a password reached the application: see pipeline/credentials.ts. */
export const CredentialsChannel = z.enum(['secret-manager', 'output', 'file']);
export type CredentialsChannel = z.infer<typeof CredentialsChannel>;

/**
 * `settings.isolation.credentials`: whether the tenant role's current password ever reached the
 * application, and how — never the password itself. Recorded only once the delivery happened
 * (pipeline/credentials.ts); a later run rotates the password while it never did.
 */
export const CredentialsRecord = z
  .object({
    /**
     * The switch this record is about (its `isolated_at`): a later promotion of the same tenant
     * (after a rollback) has a new role and password, and starts undelivered.
     */
    switched_at: z.string().optional(),
    /** How the current password was delivered; absent while it never was. */
    delivered: CredentialsChannel.optional(),
    /** When this record was last written, and by which run (its token). */
    at: z.string(),
    run: z.string(),
    /** The last rotation of the password (a run found it never delivered) and how many there were. */
    rotated_at: z.string().optional(),
    rotations: z.number().optional(),
  })
  .passthrough();
export type CredentialsRecord = z.infer<typeof CredentialsRecord>;

/**
 * `settings.isolation.sequence_range`: this tenant's entry in the register of sequence ranges
 * (see postgres/sequence-ranges.ts). Reserved at the plan, kept for good: rollbacks and
 * re-promotions never remove it, so a re-promotion gets the same ranges again.
 */
export const SequenceRangeRecord = z
  .object({
    /** The tenant's slot: slot k owns the k-th range of every integer type's zone. */
    slot: z.number().int().positive(),
    /** The layout version the slot is read with (postgres/sequence-ranges.ts RANGE_LAYOUT). */
    layout: z.number().int().positive(),
    reserved_at: z.string(),
    /** Per type: [first, last] id of this tenant's range (decimal strings; bigint exceeds JSON numbers). */
    ranges: z.record(z.string(), z.tuple([z.string(), z.string()])).optional(),
    /** Per sequence of the tenant's database, as set at the last switch: type and [first, last] id. */
    sequences: z
      .record(z.string(), z.object({ type: z.string(), first: z.string(), last: z.string() }))
      .optional(),
  })
  .passthrough();
export type SequenceRangeRecord = z.infer<typeof SequenceRangeRecord>;

export const IsolationState = z.enum(['switched', 'complete', 'rolled-back']);
export type IsolationState = z.infer<typeof IsolationState>;

export const IsolationSettings = z
  .object({
    state: IsolationState.optional(),
    isolated_db_name: z.string().optional(),
    isolated_at: z.string().optional(),
    migration_version: z.string().optional(),
    source_database: z.string().optional(),
    /** host:port of the target server holding the tenant's database, when it is not the shared one. */
    isolated_server: z.string().optional(),
    app_role: z.string().optional(),
    owner_role: z.string().optional(),
    /** The level the tenant was promoted at (absent: database, as every promotion before issue 21). */
    isolation_level: z.enum(['database', 'schema']).optional(),
    /** Schema level: where the tenant's schemas went and the search_path its application sets. */
    schema: z
      .object({
        into: z.enum(['shared-database', 'new-database']),
        mappings: z.array(z.object({ source: z.string(), target: z.string() })),
        search_path: z.array(z.string()),
      })
      .optional(),
    service: z
      .object({
        name: z.string(),
        created: z.boolean(),
        url: z.string().optional(),
        revision: z.string().optional(),
        /** The Secret Manager version holding the tenant role's password (retired at rollback). */
        secret_version: z.string().optional(),
      })
      .optional(),
    shared_rows_removed: z.boolean().optional(),
    /**
     * cleanup-referenced-rows: remove-unused — the attempt whose removed keys the tenant's database
     * holds (cleanup-removed.ts), written in the transaction that deleted them, and the rows removed
     * per table. A rollback brings back only those keys.
     */
    referenced_removed: z
      .object({ attempt: z.string(), tables: z.record(z.string(), z.number()) })
      .optional(),
    /** The run that owns the tenant now (fencing token, see postgres/ownership.ts). */
    run: RunClaim.optional(),
    /** Whether the tenant role's password reached the application (never the password itself). */
    credentials: CredentialsRecord.optional(),
    /** Per table: the tenant's rows as verified at the switch (cleanup and `status --verify` compare with it). */
    verified: z.record(z.string(), RecordedDigest).optional(),
    /** The options the switch planned with: later runs of this tenant plan with them (plan-options.ts). */
    plan: PlanOptionsRecord.optional(),
    /** This tenant's range of sequence values (never removed: see SequenceRangeRecord). */
    sequence_range: SequenceRangeRecord.optional(),
    history: z.array(HistoryEntry).default([]),
  })
  .passthrough();
export type IsolationSettings = z.infer<typeof IsolationSettings>;

/** Parses `settings.isolation`; a malformed value is reported, not silently replaced. */
export function parseIsolation(settings: unknown): IsolationSettings | undefined {
  if (!settings || typeof settings !== 'object') return undefined;
  const raw = (settings as Record<string, unknown>).isolation;
  if (raw === undefined || raw === null) return undefined;
  return IsolationSettings.parse(raw);
}

/** The migration version recorded with a promotion (bumped when the promotion format changes). */
export const MIGRATION_VERSION = '001';
