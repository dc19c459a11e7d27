import type { RecordedDigest } from '../postgres/checksum';
import type pg from 'pg';
import type { DerivedNames } from '../names';
import type { PromotionOptions } from '../options';
import type { TenantPlan } from '../postgres/plan-types';
import type { DeployInput, DeployResult } from '../cloudrun/deploy';
import type { SchemaScript } from '../postgres/schema-clone';
import type { ConfigFileChange, RunDeps } from './api';
import type { RunnerContext } from './runner';
import type { IsolationSettings } from './tenant-state';
import type { RunClaim } from '../postgres/ownership';
import type { Servers } from '../postgres/servers';
import type { ResolvedIsolationLevel } from './isolation-level';
import type { SchemaLayout } from '../postgres/schema-layout';

/** What prevalidation found, and so which steps this run performs. */
export type RunMode =
  /** A fresh promotion. */
  | 'fresh'
  /** A run died after the switch: finish the remaining steps. */
  | 'resume'
  /** Nothing to do: the tenant is isolated and complete. */
  | 'already-isolated';

export interface TenantRow {
  id: string;
  idType: string;
  slug: string;
  isolationMode: string;
  settings: Record<string, unknown>;
  isolation: IsolationSettings | undefined;
}

/** The state steps share. Fields are filled in by the step named in their comment. */
export interface PromotionContext extends RunnerContext {
  options: PromotionOptions;
  /** The shared server and the target server (the same one unless target-database-url is given). */
  servers: Servers;
  names: DerivedNames;
  deps: RunDeps;
  /** This run's token: claimed in the tenants row by prevalidation, checked by every irreversible write. */
  run: RunClaim;
  /** lock: the dedicated session holding the tenant's advisory lock, kept for the whole run. */
  lockSession?: pg.Client;
  /** prevalidate */
  mode?: RunMode;
  sharedDatabase?: string;
  /** The shared server's system identifier when readable (see ArtifactMarker.sourceServer). */
  sourceServer?: string;
  tenant?: TenantRow;
  /** prevalidate: the isolation level of this run and where it came from. */
  isolationLevel?: ResolvedIsolationLevel;
  /** plan, schema level: the mapping of the tenant's schemas (the plan's tables carry their targets). */
  schemaLayout?: { layout: SchemaLayout; into: 'new-database' | 'shared-database' };
  /** Databases and roles an earlier failed run of this tenant left behind (replaced by this run). */
  leftovers?: string[];
  /** plan: the exported snapshot every read of the shared rows uses until the switch. */
  snapshot?: { id: string; client: pg.Client; release(): Promise<void> };
  plan?: TenantPlan;
  /** prevalidate: the target server's `server_version_num` (a separate target may run a newer major). */
  targetVersion?: number;
  /** clone-schema: the DDL of the shared database, before and after the data. */
  schemaScript?: SchemaScript;
  /** clone-schema: the shared application's roles, remapped to the tenant's role. */
  sharedRoles?: string[];
  /** roles */
  appPassword?: string;
  /** Set when a failed check asks to keep the new database for inspection. */
  keepArtifacts?: boolean;
  /** deploy: what was asked of Cloud Run and what it answered (for undo). */
  deployment?: { input: DeployInput; result: DeployResult };
  service?: { url?: string; revision?: string; created: boolean; name: string; secret_version?: string };
  /** switch: per-table count and digest of the tenant's rows, as verified at the commit point. */
  verified?: Record<string, RecordedDigest>;
  /** routing (and rollback's remove-routing): config files written or removed. */
  configFiles: ConfigFileChange[];
}
