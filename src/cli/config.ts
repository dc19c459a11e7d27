import { InputError } from '../errors';
import { quoteUntrusted, SLUG_RULE } from '../names';
import { parseTableOverrides, PromotionOptions, Slug } from '../options';
import { registerSecret } from '../secrets';

/**
 * The CLI's configuration: flags beat environment variables, which beat the env file
 * (`config/environments/tenant-isolation.env`). Everything here is pure: the caller reads the
 * file and the environment and hands them in, so precedence and errors are unit-testable.
 */

export const DEFAULT_ENV_FILE = 'config/environments/tenant-isolation.env';

/** Flags the user actually typed (commander's defaults are left out so env and file can apply). */
export interface CliFlags {
  tenantSlug?: string;
  databaseUrl?: string;
  targetDatabaseUrl?: string;
  targetCaFile?: string;
  keepSharedData?: boolean;
  keepIsolatedData?: boolean;
  /** `--no-cloud-run` sets this to false. */
  cloudRun?: boolean;
  dryRun?: boolean;
  configDir?: string;
  tenantsTable?: string;
  tenantKey?: string;
  tenantIdColumn?: string;
  baseDomain?: string;
  databaseHost?: string;
  maxFreezeMs?: string;
  copyParallelism?: string;
  copyRanges?: string;
  referenceTables?: string;
  sharedRows?: string;
  cleanupReferencedRows?: string;
  isolationLevel?: string;
  tableOverrides?: string;
  sharedAppRole?: string;
  project?: string;
  region?: string;
  image?: string;
  keepOnValidationFailure?: boolean;
  dbPasswordSecret?: string;
  vpcConnector?: string;
  serviceAccount?: string;
  minInstances?: string;
  maxInstances?: string;
  ingress?: string;
  healthPath?: string;
}

/** Environment variables the CLI reads (the seed's, plus the engine's tunables). */
export const ENV_VARS = {
  DATABASE_URL: 'connection string of the shared database (wins over DB_*)',
  DB_HOST: 'shared database host (used when DATABASE_URL is not set)',
  DB_PORT: 'shared database port (default 5432)',
  DB_NAME: 'shared database name',
  DB_USER: 'database user',
  DB_PASSWORD: 'database password (also filled into DATABASE_URL when it has none)',
  DB_SSLMODE: 'sslmode added to the connection string built from DB_* (e.g. require)',
  TARGET_DATABASE_URL:
    "connection string of the server that will host the tenant's database (default: the shared server)",
  TARGET_DATABASE_CA_FILE: 'CA certificate of the target server: connects with sslmode=verify-full',
  GOOGLE_CLOUD_PROJECT: 'Google Cloud project for the Cloud Run service',
  CLOUD_RUN_REGION: 'Cloud Run region (default us-central1)',
  CONTAINER_IMAGE: 'container image the tenant service runs',
  VPC_CONNECTOR: 'Serverless VPC Access connector for the service',
  DB_PASSWORD_SECRET:
    "Secret Manager secret that receives the tenant role's password (required with Cloud Run)",
  SERVICE_ACCOUNT: 'service account the Cloud Run service runs as',
  MIN_INSTANCES: 'Cloud Run minimum instances (default 0)',
  MAX_INSTANCES: 'Cloud Run maximum instances (default 10)',
  INGRESS: 'Cloud Run ingress: all | internal | internal-and-cloud-load-balancing (default all)',
  HEALTH_PATH: "path of the service's health endpoint (default /health)",
  CLOUD_RUN_API_ENDPOINT: 'Cloud Run API endpoint (tests and emulators)',
  SKIP_CLOUD_RUN: 'true: database only, no Cloud Run service',
  KEEP_SHARED_DATA: "true: keep the tenant's rows in the shared database after promotion",
  KEEP_ISOLATED_DATA: 'true: rollback keeps the isolated database and roles',
  KEEP_ON_VALIDATION_FAILURE:
    'true: a failed validation check leaves the new database for inspection (the tenant stays shared)',
  TENANTS_TABLE: 'tenants table (default tenants)',
  TENANT_KEY: 'tenant key column of tenant-scoped tables (default tenant_id)',
  TENANT_ID_COLUMN:
    'column of the tenants table the tenant key holds, when tenant keys have no foreign key to it',
  BASE_DOMAIN: 'domain of the tenant hosts (default factory.local)',
  CONFIG_DIR: 'directory of routing/ and load-balancer/ files (default config)',
  DATABASE_HOST: 'host[:port] the tenant application should use (default: host of the connection)',
  MAX_FREEZE_MS: 'longest write freeze at the switch, in ms (default 2000)',
  COPY_PARALLELISM: 'copy workers (tables, and ranges of a dominating table, at once), 1-16 (default 2)',
  COPY_RANGES: 'off | auto: split a table that dominates the copy into block ranges (default off)',
  REFERENCE_TABLES: 'copy | skip: tables with no path to or from the tenant (default copy)',
  SHARED_ROWS:
    "referenced | whole: rows of tables without the tenant key that the tenant's rows reference (default referenced)",
  CLEANUP_REFERENCED_ROWS:
    'keep | remove-unused: at cleanup, remove the referenced rows no remaining row references (default keep)',
  ISOLATION_LEVEL:
    "database | schema: the tenant's own database, or its own schema tenant_<slug> (default: the tenants row's settings.isolation_level, else database)",
  TABLE_OVERRIDES:
    'per-table decisions, e.g. public.audit_versions=copy,public.countries=skip (copy | referenced | skip)',
  SHARED_APP_ROLE: "the shared application's role, remapped to the tenant's role",
} as const;
export type EnvVar = keyof typeof ENV_VARS;

export type EnvMap = Readonly<Record<string, string | undefined>>;

export interface ResolvedConfig {
  options: PromotionOptions;
  /** For each option set, where its value came from (`--flag`, `VAR (environment)`, `VAR (file …)`). */
  sources: Partial<Record<keyof PromotionOptions, string>>;
}

export interface ConfigInput {
  flags: CliFlags;
  env: EnvMap;
  /** Parsed env file, and its path for messages; absent when there is none. */
  file?: { path: string; values: EnvMap };
  /**
   * `required` (promote): Cloud Run needs a project and an image unless skipped. `optional`
   * (rollback): configured when a project is set — only to delete a service the promotion
   * created; the image is not needed. `off` (status): never.
   */
  cloudRun?: 'required' | 'optional' | 'off';
}

/**
 * Parses a KEY=VALUE env file: `#` comments, blank lines, an optional `export ` prefix (so the
 * same file can be `source`d, as the seed does), and single or double quotes. Variables are not
 * expanded. Errors name the file and line.
 */
export function parseEnvFile(text: string, path = DEFAULT_ENV_FILE): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      throw new InputError(
        `${path}:${i + 1}: expected KEY=VALUE, got a line that is not an assignment.`,
        'Each line of the env file is KEY=VALUE, a comment starting with #, or blank.',
      );
    }
    const key = m[1] as string;
    let value = (m[2] as string).trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    } else if (quote === '"' || quote === "'") {
      throw new InputError(
        `${path}:${i + 1}: unterminated quote in the value of ${key}.`,
        'Close the quote.',
      );
    } else {
      // An unquoted value ends at an inline comment.
      value = value.replace(/\s+#.*$/, '');
    }
    out[key] = value;
  });
  return out;
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off', '']);

/** One setting's value and the name of where it came from. */
interface Picked {
  value: string;
  from: string;
}

function pick(
  input: ConfigInput,
  flag: keyof CliFlags,
  flagName: string,
  envVar?: EnvVar,
): Picked | undefined {
  const f = input.flags[flag];
  if (f !== undefined && typeof f === 'string') return { value: f, from: flagName };
  if (envVar) {
    const e = input.env[envVar];
    if (e !== undefined && e !== '') return { value: e, from: `${envVar} (environment)` };
    const v = input.file?.values[envVar];
    if (v !== undefined && v !== '') return { value: v, from: `${envVar} (${input.file?.path})` };
  }
  return undefined;
}

function pickEnv(input: ConfigInput, envVar: EnvVar): Picked | undefined {
  return pick(input, '' as keyof CliFlags, '', envVar);
}

function pickBool(
  input: ConfigInput,
  flag: keyof CliFlags,
  flagName: string,
  envVar: EnvVar,
): { value: boolean; from: string } | undefined {
  const f = input.flags[flag];
  if (typeof f === 'boolean') return { value: f, from: flagName };
  const p = pickEnv(input, envVar);
  if (!p) return undefined;
  const v = p.value.trim().toLowerCase();
  if (TRUE.has(v)) return { value: true, from: p.from };
  if (FALSE.has(v)) return { value: false, from: p.from };
  throw new InputError(
    `${p.from} must be true or false, got ${JSON.stringify(p.value.slice(0, 40))}.`,
    `Set ${envVar}=true or ${envVar}=false.`,
  );
}

function pickInt(
  input: ConfigInput,
  flag: keyof CliFlags,
  flagName: string,
  envVar: EnvVar,
): { value: number; from: string } | undefined {
  const p = pick(input, flag, flagName, envVar);
  if (!p) return undefined;
  if (!/^\d+$/.test(p.value.trim())) {
    throw new InputError(
      `${p.from} must be a whole number, got ${JSON.stringify(p.value.slice(0, 40))}.`,
      `Set ${p.from.startsWith('--') ? p.from : envVar} to a number such as 2000.`,
    );
  }
  return { value: Number(p.value.trim()), from: p.from };
}

/** The connection string: --database-url, else DATABASE_URL, else one built from DB_*. */
function resolveDatabaseUrl(input: ConfigInput): Picked | undefined {
  const password = pickEnv(input, 'DB_PASSWORD');
  if (password) registerSecret(password.value);
  const direct = pick(input, 'databaseUrl', '--database-url', 'DATABASE_URL');
  if (direct) {
    let url: URL;
    try {
      url = new URL(direct.value);
    } catch {
      throw new InputError(
        `${direct.from} is not a valid connection string.`,
        'Use the form postgres://user:password@host:5432/database.',
      );
    }
    if (!/^postgres(ql)?:$/.test(url.protocol)) {
      throw new InputError(
        `${direct.from} must start with postgres:// or postgresql://.`,
        'Use the form postgres://user:password@host:5432/database.',
      );
    }
    if (url.password) registerSecret(decodeURIComponent(url.password));
    if (!url.password && password) {
      url.password = password.value;
      return { value: url.toString(), from: `${direct.from} + ${password.from}` };
    }
    return direct;
  }
  const host = pickEnv(input, 'DB_HOST');
  const name = pickEnv(input, 'DB_NAME');
  if (!host && !name) return undefined;
  if (!host)
    throw new InputError(
      `DB_NAME is set (${name?.from}) but DB_HOST is not.`,
      'Set DB_HOST, or DATABASE_URL instead of DB_*.',
    );
  if (!name)
    throw new InputError(
      `DB_HOST is set (${host.from}) but DB_NAME is not.`,
      'Set DB_NAME to the shared database, or DATABASE_URL instead of DB_*.',
    );
  const port = pickEnv(input, 'DB_PORT');
  if (port && !/^\d{1,5}$/.test(port.value)) {
    throw new InputError(
      `${port.from} must be a port number, got ${JSON.stringify(port.value.slice(0, 20))}.`,
      'Set DB_PORT=5432, for example.',
    );
  }
  if (!/^[A-Za-z0-9.\-:[\]_]+$/.test(host.value)) {
    throw new InputError(
      `${host.from} is not a host name: ${JSON.stringify(host.value.slice(0, 60))}.`,
      'Set DB_HOST to a host name or IP address, without scheme or path.',
    );
  }
  const url = new URL('postgres://localhost');
  url.hostname = host.value;
  if (port) url.port = port.value;
  url.pathname = `/${encodeURIComponent(name.value)}`;
  const user = pickEnv(input, 'DB_USER');
  if (user) url.username = encodeURIComponent(user.value);
  if (password) url.password = encodeURIComponent(password.value);
  const sslmode = pickEnv(input, 'DB_SSLMODE');
  if (sslmode) url.searchParams.set('sslmode', sslmode.value);
  return { value: url.toString(), from: `DB_HOST/DB_NAME (${host.from})` };
}

/**
 * Resolves flags, environment and file into PromotionOptions. Every error is an InputError
 * naming the flag or variable at fault.
 */
export function resolveConfig(input: ConfigInput): ResolvedConfig {
  const sources: ResolvedConfig['sources'] = {};
  const raw: Record<string, unknown> = {};
  const set = (key: keyof PromotionOptions, p: { value: unknown; from: string } | undefined) => {
    if (!p) return;
    raw[key] = p.value;
    sources[key] = p.from;
  };

  const slug = input.flags.tenantSlug;
  if (slug === undefined) {
    throw new InputError(
      'Missing --tenant-slug.',
      'Pass the tenant to work on, e.g. --tenant-slug=acme-corp.',
    );
  }
  set('tenantSlug', { value: slug, from: '--tenant-slug' });
  set('frontEnd', { value: 'cli', from: 'the CLI' });
  // The slug first: a bad one is the clearest error, whatever else is missing.
  const slugCheck = Slug.safeParse(slug);
  if (!slugCheck.success) {
    throw new InputError(
      `--tenant-slug ${quoteUntrusted(slug)}: ${SLUG_RULE}.`,
      'Use a slug such as "acme-corp" (the slug column of the tenants table).',
      'invalid-slug',
    );
  }

  const url = resolveDatabaseUrl(input);
  if (!url) {
    throw new InputError(
      'No database connection configured: none of --database-url, DATABASE_URL or DB_HOST/DB_NAME is set.',
      `Set DATABASE_URL (or DB_HOST, DB_NAME, DB_USER, DB_PASSWORD) in the environment or in ${input.file?.path ?? DEFAULT_ENV_FILE}.`,
    );
  }
  set('databaseUrl', url);
  const target = pick(input, 'targetDatabaseUrl', '--target-database-url', 'TARGET_DATABASE_URL');
  if (target) {
    try {
      const password = new URL(target.value).password;
      if (password) registerSecret(decodeURIComponent(password));
    } catch {
      // Refused with its source named by the options' validation below.
    }
  }
  set('targetDatabaseUrl', target);
  const caFile = pick(input, 'targetCaFile', '--target-ca-file', 'TARGET_DATABASE_CA_FILE');
  if (caFile && !target) {
    throw new InputError(
      `${caFile.from} is set but no target server is: --target-database-url (or TARGET_DATABASE_URL) is empty.`,
      'Set the target server, or remove the CA file setting.',
    );
  }
  set('targetCaFile', caFile);
  set('tenantsTable', pick(input, 'tenantsTable', '--tenants-table', 'TENANTS_TABLE'));
  set('tenantKey', pick(input, 'tenantKey', '--tenant-key', 'TENANT_KEY'));
  set('tenantIdColumn', pick(input, 'tenantIdColumn', '--tenant-id-column', 'TENANT_ID_COLUMN'));
  set('baseDomain', pick(input, 'baseDomain', '--base-domain', 'BASE_DOMAIN'));
  set('configDir', pick(input, 'configDir', '--config-dir', 'CONFIG_DIR'));
  set('databaseHost', pick(input, 'databaseHost', '--database-host', 'DATABASE_HOST'));
  set('copyRanges', pick(input, 'copyRanges', '--copy-ranges', 'COPY_RANGES'));
  set('referenceTables', pick(input, 'referenceTables', '--reference-tables', 'REFERENCE_TABLES'));
  set('sharedRows', pick(input, 'sharedRows', '--shared-rows', 'SHARED_ROWS'));
  set(
    'cleanupReferencedRows',
    pick(input, 'cleanupReferencedRows', '--cleanup-referenced-rows', 'CLEANUP_REFERENCED_ROWS'),
  );
  set('isolationLevel', pick(input, 'isolationLevel', '--isolation-level', 'ISOLATION_LEVEL'));
  const overrides = pick(input, 'tableOverrides', '--table-overrides', 'TABLE_OVERRIDES');
  if (overrides) {
    try {
      raw.tableOverrides = parseTableOverrides(overrides.value);
      sources.tableOverrides = overrides.from;
    } catch (e) {
      throw new InputError(
        `${overrides.from}: ${(e as Error).message}.`,
        `Fix the value of ${overrides.from.replace(/ \(.*\)$/, '')}: schema.table=copy|referenced|skip, comma-separated.`,
      );
    }
  }
  set('sharedAppRole', pick(input, 'sharedAppRole', '--shared-app-role', 'SHARED_APP_ROLE'));
  set('maxFreezeMs', pickInt(input, 'maxFreezeMs', '--max-freeze-ms', 'MAX_FREEZE_MS'));
  set('copyParallelism', pickInt(input, 'copyParallelism', '--copy-parallelism', 'COPY_PARALLELISM'));
  set('keepSharedData', pickBool(input, 'keepSharedData', '--keep-shared-data', 'KEEP_SHARED_DATA'));
  set('keepIsolatedData', pickBool(input, 'keepIsolatedData', '--keep-isolated-data', 'KEEP_ISOLATED_DATA'));
  set(
    'keepOnValidationFailure',
    pickBool(input, 'keepOnValidationFailure', '--keep-on-validation-failure', 'KEEP_ON_VALIDATION_FAILURE'),
  );
  set(
    'dryRun',
    input.flags.dryRun === undefined ? undefined : { value: input.flags.dryRun, from: '--dry-run' },
  );

  // --no-cloud-run (cloudRun: false) and SKIP_CLOUD_RUN=true both skip the service.
  const skip =
    input.flags.cloudRun === false
      ? { value: true, from: '--no-cloud-run' }
      : pickBool(input, '' as keyof CliFlags, '', 'SKIP_CLOUD_RUN');
  set('skipCloudRun', skip);

  const cloudMode = input.cloudRun ?? 'required';
  const project = pick(input, 'project', '--project', 'GOOGLE_CLOUD_PROJECT');
  if (cloudMode === 'off' || (cloudMode === 'optional' && !project)) {
    if (!skip) set('skipCloudRun', { value: cloudMode === 'off', from: 'command' });
  } else if (
    !skip?.value &&
    input.flags.dryRun === true &&
    (!project || !pick(input, 'image', '--image', 'CONTAINER_IMAGE'))
  ) {
    // A dry run needs only what it uses: without the service's settings it plans the database
    // part, and its preflight step notes what a real run would need (pipeline/steps/preflight.ts).
  } else if (!skip?.value) {
    const image =
      pick(input, 'image', '--image', 'CONTAINER_IMAGE') ??
      (cloudMode === 'optional' ? { value: '(not used by rollback)', from: 'rollback' } : undefined);
    const missing = [!project && 'GOOGLE_CLOUD_PROJECT', !image && 'CONTAINER_IMAGE'].filter(Boolean);
    if (missing.length > 0) {
      throw new InputError(
        `Cloud Run is enabled but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set.`,
        `Set ${[!project && '--project', !image && '--image'].filter(Boolean).join(' and ')} (or ${missing.join(' and ')} in the environment or ${input.file?.path ?? DEFAULT_ENV_FILE}), or skip the service with --no-cloud-run / SKIP_CLOUD_RUN=true.`,
      );
    }
    const region = pick(input, 'region', '--region', 'CLOUD_RUN_REGION');
    const vpc = pick(input, 'vpcConnector', '--vpc-connector', 'VPC_CONNECTOR');
    const endpoint = pickEnv(input, 'CLOUD_RUN_API_ENDPOINT');
    raw.cloudRun = {
      project: project?.value,
      image: image?.value,
      ...(region && { region: region.value }),
      ...(vpc && { vpcConnector: vpc.value }),
      ...(endpoint && { apiEndpoint: endpoint.value }),
      ...cloudRunExtras(input),
    };
    sources.cloudRun = [project?.from, image?.from].join(', ');
  }

  const parsed = PromotionOptions.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = (issue?.path[0] ?? '') as keyof PromotionOptions;
    const from = sources[key] ?? String(key);
    const sub = issue && issue.path.length > 1 ? ` (${issue.path.slice(1).join('.')})` : '';
    throw new InputError(
      `${from}${sub}: ${issue?.message ?? 'invalid value'}.`,
      `Fix the value of ${from.replace(/ \(.*\)$/, '')}.`,
      key === 'tenantSlug' ? 'invalid-slug' : 'invalid-input',
    );
  }
  return { options: parsed.data, sources };
}

/** The service's settings beyond project, image and region, as the action's inputs have them. */
function cloudRunExtras(input: ConfigInput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const secret = pick(input, 'dbPasswordSecret', '--db-password-secret', 'DB_PASSWORD_SECRET');
  if (secret) out.dbPasswordSecret = secret.value;
  const account = pick(input, 'serviceAccount', '--service-account', 'SERVICE_ACCOUNT');
  if (account) out.serviceAccount = account.value;
  const ingress = pick(input, 'ingress', '--ingress', 'INGRESS');
  if (ingress) out.ingress = ingress.value;
  const health = pick(input, 'healthPath', '--health-path', 'HEALTH_PATH');
  if (health) out.healthPath = health.value;
  const min = pickInt(input, 'minInstances', '--min-instances', 'MIN_INSTANCES');
  if (min) out.minInstances = min.value;
  const max = pickInt(input, 'maxInstances', '--max-instances', 'MAX_INSTANCES');
  if (max) out.maxInstances = max.value;
  return out;
}

/** Reads the env file if present: `explicit` true makes a missing file an error. */
export async function loadEnvFile(path: string, explicit: boolean): Promise<ConfigInput['file']> {
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (!explicit && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(
      `Cannot read the env file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`,
      `Create it from ${DEFAULT_ENV_FILE}.example, or point --env-file at an existing file.`,
    );
  }
  return { path, values: parseEnvFile(text, path) };
}
