/**
 * Typed errors. Every error the user can see carries a code, a message that names the problem,
 * and a hint that names the fix. Messages never contain secrets (see `redact` in ./secrets.ts).
 */
export type ErrorCode =
  | 'invalid-input'
  | 'invalid-slug'
  | 'permission-denied'
  | 'fork-refused'
  | 'tenant-not-found'
  | 'tenant-state'
  | 'lock-held'
  | 'ownership-lost'
  | 'database'
  | 'target-server'
  | 'plan-blocked'
  | 'validation-failed'
  | 'freeze-timeout'
  | 'cleanup-refused'
  | 'cloud-run'
  | 'cancelled'
  | 'internal';

export class PromotionError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  constructor(code: ErrorCode, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PromotionError';
    this.code = code;
    this.hint = hint;
  }
}

/** Bad input from a user, a PR or the environment: refused before anything is touched. */
export class InputError extends PromotionError {
  constructor(message: string, hint?: string, code: ErrorCode = 'invalid-input') {
    super(code, message, hint);
    this.name = 'InputError';
  }
}

export function isPromotionError(e: unknown): e is PromotionError {
  return e instanceof PromotionError;
}

/** The message and hint of any thrown value, as one line a user can act on. */
export function describeError(e: unknown): { code: ErrorCode; message: string; hint?: string } {
  if (e instanceof PromotionError) return { code: e.code, message: e.message, hint: e.hint };
  if (e instanceof Error) return { code: 'internal', message: e.message };
  return { code: 'internal', message: String(e) };
}

/** The front end a run came from: hints name its settings as that front end spells them. */
export type FrontEnd = 'action' | 'cli';

/** How the CLI spells a setting, by the action input's name. */
/**
 * How the CLI spells a setting, by the action input's name; settings the CLI has no flag for keep
 * their environment variable. One table for every hint, database and Cloud Run alike.
 */
const CLI_SETTINGS: Readonly<Record<string, string>> = {
  'database-url': '--database-url (or DATABASE_URL)',
  'target-database-url': '--target-database-url (or TARGET_DATABASE_URL)',
  'target-database-ca-file': '--target-ca-file (or TARGET_DATABASE_CA_FILE)',
  'keep-shared-data': '--keep-shared-data (or KEEP_SHARED_DATA=true)',
  'keep-isolated-data': '--keep-isolated-data (or KEEP_ISOLATED_DATA=true)',
  'keep-on-validation-failure': '--keep-on-validation-failure (or KEEP_ON_VALIDATION_FAILURE=true)',
  'max-freeze': '--max-freeze-ms (or MAX_FREEZE_MS)',
  'tenants-table': '--tenants-table (or TENANTS_TABLE)',
  'tenant-key': '--tenant-key (or TENANT_KEY)',
  'tenant-id-column': '--tenant-id-column (or TENANT_ID_COLUMN)',
  'reference-tables': '--reference-tables (or REFERENCE_TABLES)',
  'shared-rows': '--shared-rows (or SHARED_ROWS)',
  'cleanup-referenced-rows': '--cleanup-referenced-rows (or CLEANUP_REFERENCED_ROWS)',
  'table-overrides': '--table-overrides (or TABLE_OVERRIDES)',
  'isolation-level': '--isolation-level (or ISOLATION_LEVEL)',
  'copy-parallelism': '--copy-parallelism (or COPY_PARALLELISM)',
  'copy-ranges': '--copy-ranges (or COPY_RANGES)',
  'database-host': '--database-host (or DATABASE_HOST)',
  'shared-app-role': '--shared-app-role (or SHARED_APP_ROLE)',
  'gcp-project': '--project (or GOOGLE_CLOUD_PROJECT)',
  'gcp-region': '--region (or CLOUD_RUN_REGION)',
  'container-image': '--image (or CONTAINER_IMAGE)',
  'db-password-secret': '--db-password-secret (or DB_PASSWORD_SECRET)',
  'min-instances': '--min-instances (or MIN_INSTANCES)',
  'max-instances': '--max-instances (or MAX_INSTANCES)',
  'service-account': '--service-account (or SERVICE_ACCOUNT)',
  'cloud-run-api-endpoint': 'CLOUD_RUN_API_ENDPOINT',
  'skip-cloud-run': '--no-cloud-run (or SKIP_CLOUD_RUN=true)',
};

/**
 * A setting named for a hint, by its action input's name: `the keep-shared-data input` in the
 * action, `--keep-shared-data (or KEEP_SHARED_DATA=true)` in the CLI, both when the front end
 * is unknown (the engine called directly).
 */
export function settingName(input: string, frontEnd?: FrontEnd): string {
  const cli = CLI_SETTINGS[input] ?? `--${input}`;
  if (frontEnd === 'cli') return cli;
  if (frontEnd === 'action') return `the ${input} input`;
  return `the ${input} input (CLI: ${cli})`;
}
