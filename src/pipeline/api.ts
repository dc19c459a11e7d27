import type { Logger } from '../log';
import type { RunRecord, TriggerInfo } from './record';

/** What a front end (action or CLI) hands the engine besides the options. */
export interface RunDeps {
  log: Logger;
  trigger: TriggerInfo;
  /** Aborted on cancellation: before the commit point the run undoes what it made. */
  signal?: AbortSignal;
  /** Called whenever the record changes (progress comment, terminal). */
  onChange?(record: RunRecord): void | Promise<void>;
  /** Fault injection for tests (see faults.ts); defaults to TENANT_PROMOTION_FAULT. */
  fault?(point: string): void | Promise<void>;
  /** Per-table copy progress. */
  onProgress?(table: string, rows: number, bytes: number): void;
}

/** The record, plus the one secret a front end may hand on (masked): the tenant role's password. */
export interface RunOutcome {
  record: RunRecord;
  databasePassword?: string;
  /** Config files this run wrote (content) or removed (null), for front ends that publish them. */
  configFiles?: ConfigFileChange[];
}

export interface ConfigFileChange {
  path: string;
  content: string | null;
}
