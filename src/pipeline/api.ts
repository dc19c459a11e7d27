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
  /**
   * Hands the tenant role's password on to whoever runs the application, and resolves only once
   * that has durably happened (the action: the masked `database-password` output is written; the
   * CLI: the `--password-file` is written). Called by the run that switched, right after the
   * switch, and by a run that rotates a password no run ever delivered; the engine then records
   * the delivery (never the password) in the tenants row. Absent: this front end has no way to
   * hand it on, so a later run that has one rotates it (see pipeline/credentials.ts).
   */
  deliverPassword?(password: string): Promise<PasswordChannel>;
}

/** Where a front end delivered the password: the action's masked output, or the CLI's file. */
export type PasswordChannel = 'output' | 'file';

/** What happened to the tenant role's password in this run. */
export interface CredentialsOutcome {
  /** How the role's current password reached the application in this run (or earlier, recorded). */
  delivered?: 'secret-manager' | PasswordChannel;
  /** This run changed the role's password (no run had delivered the previous one). */
  rotated: boolean;
  /** The password was never delivered and this run had no way to deliver it (it is recorded so). */
  pending: boolean;
}

/** The record, plus the one secret a front end may hand on (masked): the tenant role's password. */
export interface RunOutcome {
  record: RunRecord;
  /**
   * The tenant role's password when this run made it (and switched) or rotated it: the role's
   * current password, whatever failed after the switch. Undefined otherwise.
   */
  databasePassword?: string;
  /** Credentials delivery of this run (promotions past the switch only). */
  credentials?: CredentialsOutcome;
  /** Config files this run wrote (content) or removed (null), for front ends that publish them. */
  configFiles?: ConfigFileChange[];
}

export interface ConfigFileChange {
  path: string;
  content: string | null;
}
