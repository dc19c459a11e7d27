/**
 * The action's inputs, read once and validated with zod. `readInputs` takes a getter (in the
 * action `core.getInput`, in tests a map), so parsing is pure; `toPromotionOptions` maps the
 * inputs and the resolved slug to the engine's options.
 */
import { z } from 'zod';
import { InputError } from '../errors';
import { parseTableOverrides, PromotionOptions, type TableOverride } from '../options';

/** YAML 1.2 core booleans, as core.getBooleanInput accepts them; empty means the default. */
const bool = (def: boolean) =>
  z.string().transform((s, ctx) => {
    const t = s.trim();
    if (t === '') return def;
    if (['true', 'True', 'TRUE'].includes(t)) return true;
    if (['false', 'False', 'FALSE'].includes(t)) return false;
    ctx.addIssue({ code: 'custom', message: `must be true or false, got ${JSON.stringify(t.slice(0, 40))}` });
    return z.NEVER;
  });

const optionalText = z
  .string()
  .transform((s) => s.trim())
  .transform((s) => (s === '' ? undefined : s));

const withDefault = (def: string) => z.string().transform((s) => s.trim() || def);

const int = (def: number | undefined, min: number, max: number) =>
  z.string().transform((s, ctx) => {
    const t = s.trim();
    if (t === '') return def;
    if (!/^\d{1,9}$/.test(t) || Number(t) < min || Number(t) > max) {
      ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
      return z.NEVER;
    }
    return Number(t);
  });

/** `2s`, `1500ms`, `1.5s` or a bare number of milliseconds. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 1);
  return Number.isFinite(n) && n >= 1 ? Math.round(n) : undefined;
}

const duration = (defMs: number) =>
  z.string().transform((s, ctx) => {
    if (s.trim() === '') return defMs;
    const ms = parseDurationMs(s);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be a duration such as "2s" or "1500ms"' });
      return z.NEVER;
    }
    return ms;
  });

const enumOf = <T extends string, D extends T | undefined>(values: readonly [T, ...T[]], def: D) =>
  z.string().transform((s, ctx): T | D => {
    const t = s.trim();
    if (t === '') return def;
    if (!(values as readonly string[]).includes(t)) {
      ctx.addIssue({ code: 'custom', message: `must be one of ${values.join(', ')}` });
      return z.NEVER;
    }
    return t as T;
  });

export const PERMISSION_LEVELS = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export type PermissionLevel = (typeof PERMISSION_LEVELS)[number];

/** Input name → schema. The names are the public contract (action.yml). */
export const INPUT_SCHEMA = {
  'github-token': z.string(),
  'database-url': z.string().transform((s) => s.trim()),
  'target-database-url': optionalText,
  'target-database-ca-file': optionalText,
  'target-database-ca': optionalText,
  'tenant-slug': optionalText,
  label: withDefault('promote-tenant'),
  'rollback-label': withDefault('promote-tenant-rollback'),
  operation: enumOf(['promote', 'rollback'] as const, undefined),
  'default-tenant': optionalText,
  'pull-request': int(undefined, 1, 999_999_999),
  'keep-shared-data': bool(false),
  'skip-cloud-run': bool(false),
  'dry-run': bool(false),
  'keep-on-validation-failure': bool(false),
  'gcp-project': optionalText,
  'gcp-region': withDefault('us-central1'),
  'container-image': optionalText,
  'vpc-connector': optionalText,
  'cloud-run-api-endpoint': optionalText,
  'secret-manager-api-endpoint': optionalText,
  'allow-insecure-endpoint': bool(false),
  'db-password-secret': optionalText,
  'min-instances': int(0, 0, 1000),
  'max-instances': int(10, 1, 1000),
  ingress: enumOf(['all', 'internal', 'internal-and-cloud-load-balancing'] as const, 'all'),
  'service-account': optionalText,
  'health-path': withDefault('/health'),
  'base-domain': withDefault('factory.local'),
  'config-dir': withDefault('config'),
  'commit-config': bool(false),
  'tenants-table': withDefault('tenants'),
  'tenant-key': withDefault('tenant_id'),
  'tenant-id-column': optionalText,
  'database-host': optionalText,
  'max-freeze': duration(2000),
  'copy-parallelism': int(2, 1, 16),
  'copy-ranges': enumOf(['off', 'auto'] as const, 'off'),
  'reference-tables': enumOf(['copy', 'skip'] as const, 'copy'),
  'shared-rows': enumOf(['referenced', 'whole'] as const, 'referenced'),
  'cleanup-referenced-rows': enumOf(['keep', 'remove-unused'] as const, 'keep'),
  // No default here: an empty input lets the tenants row's settings.isolation_level decide.
  'isolation-level': enumOf(['database', 'schema'] as const, undefined),
  'table-overrides': z.string().transform((s, ctx): Record<string, TableOverride> => {
    try {
      return parseTableOverrides(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `is invalid: ${(e as Error).message}` });
      return z.NEVER;
    }
  }),
  'required-permission': enumOf(PERMISSION_LEVELS, 'write'),
  'allow-forks': bool(false),
  // action.yml's default is `tenant-{slug}`; an empty value (what the runner passes when the
  // workflow sets it to '') turns GitHub Deployments off.
  'deployment-environment': z.string().transform((s) => s.trim()),
} as const;

export type InputName = keyof typeof INPUT_SCHEMA;
export const INPUT_NAMES = Object.keys(INPUT_SCHEMA) as InputName[];

const ActionInputsSchema = z.object(INPUT_SCHEMA);
export type ActionInputs = z.output<typeof ActionInputsSchema>;

/** Reads and validates every input; a bad one is an InputError naming the input and the rule. */
export function readInputs(get: (name: string) => string): ActionInputs {
  const raw = Object.fromEntries(INPUT_NAMES.map((n) => [n, get(n) ?? '']));
  const parsed = ActionInputsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'input');
    throw new InputError(
      `Input "${name}" ${issue.message}.`,
      `Fix "${name}" in the workflow's "with:" block.`,
    );
  }
  return parsed.data;
}

/** Maps the inputs and the resolved tenant to the engine's options (validated). Pure. */
export function toPromotionOptions(
  inputs: ActionInputs,
  tenantSlug: string,
  extra: { commitSha?: string } = {},
): PromotionOptions {
  if (!inputs['database-url'])
    throw new InputError(
      'Input "database-url" is required.',
      "Pass the shared database's connection string from a secret: database-url: ${{ secrets.DATABASE_URL }}.",
    );
  const cloudRun =
    // A dry run without the Cloud Run settings plans the database part; preflight notes what the
    // service would need.
    inputs['skip-cloud-run'] || (inputs['dry-run'] && (!inputs['gcp-project'] || !inputs['container-image']))
      ? undefined
      : {
          project: inputs['gcp-project'] ?? '',
          region: inputs['gcp-region'],
          image: inputs['container-image'] ?? '',
          vpcConnector: inputs['vpc-connector'],
          apiEndpoint: inputs['cloud-run-api-endpoint'],
          secretManagerEndpoint: inputs['secret-manager-api-endpoint'],
          allowInsecureEndpoint: inputs['allow-insecure-endpoint'],
          minInstances: inputs['min-instances'],
          maxInstances: inputs['max-instances'],
          ingress: inputs.ingress,
          serviceAccount: inputs['service-account'],
          dbPasswordSecret: inputs['db-password-secret'],
          healthPath: inputs['health-path'],
          commitSha: extra.commitSha,
        };
  if (cloudRun && (!cloudRun.project || !cloudRun.image))
    throw new InputError(
      `Cloud Run is on but ${!cloudRun.project ? '"gcp-project"' : '"container-image"'} is empty.`,
      'Set gcp-project and container-image, or set skip-cloud-run: true.',
    );
  if (inputs['target-database-ca-file'] && inputs['target-database-ca'])
    throw new InputError(
      'Inputs "target-database-ca-file" and "target-database-ca" are both set.',
      "Give the target server's CA once: a file path in target-database-ca-file, or the PEM text (from a secret) in target-database-ca.",
    );
  if ((inputs['target-database-ca-file'] || inputs['target-database-ca']) && !inputs['target-database-url'])
    throw new InputError(
      'A CA for the target server is set but "target-database-url" is empty.',
      'Set target-database-url to the target server, or remove the CA input.',
    );
  const parsed = PromotionOptions.safeParse({
    databaseUrl: inputs['database-url'],
    targetDatabaseUrl: inputs['target-database-url'],
    targetCaFile: inputs['target-database-ca-file'],
    tenantSlug,
    tenantsTable: inputs['tenants-table'],
    tenantKey: inputs['tenant-key'],
    tenantIdColumn: inputs['tenant-id-column'],
    keepSharedData: inputs['keep-shared-data'],
    skipCloudRun: inputs['skip-cloud-run'] || (cloudRun === undefined && !inputs['dry-run']),
    dryRun: inputs['dry-run'],
    keepOnValidationFailure: inputs['keep-on-validation-failure'],
    baseDomain: inputs['base-domain'],
    configDir: inputs['config-dir'],
    databaseHost: inputs['database-host'],
    maxFreezeMs: inputs['max-freeze'],
    copyParallelism: inputs['copy-parallelism'],
    copyRanges: inputs['copy-ranges'],
    referenceTables: inputs['reference-tables'],
    sharedRows: inputs['shared-rows'],
    cleanupReferencedRows: inputs['cleanup-referenced-rows'],
    isolationLevel: inputs['isolation-level'],
    tableOverrides: inputs['table-overrides'],
    cloudRun,
    frontEnd: 'action',
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.join('.');
    throw new InputError(
      `Invalid option ${path}: ${issue.message}.`,
      'Fix the matching input in the workflow.',
    );
  }
  return parsed.data;
}
