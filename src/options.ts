import { z } from 'zod';
import { isValidSlug, SLUG_RULE } from './names';

/** A SQL identifier we accept from configuration (table or column name, optionally schema-qualified). */
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
export const Identifier = z
  .string()
  .regex(IDENT_RE, 'must be a plain SQL identifier (letters, digits, _ and $, at most 63 bytes)');
export const QualifiedName = z
  .string()
  .refine(
    (s) => s.split('.').length <= 2 && s.split('.').every((p) => IDENT_RE.test(p)),
    'must be a table name, optionally schema-qualified (e.g. "tenants" or "public.tenants")',
  );

/** What a `table-overrides` entry decides for one table without the tenant key. */
export const TableOverride = z.enum(['copy', 'referenced', 'skip']);
export type TableOverride = z.infer<typeof TableOverride>;

/**
 * `table-overrides` as written in an input, a flag or a variable:
 * `public.audit_versions=skip,public.countries=copy` (commas or newlines between entries).
 */
export function parseTableOverrides(text: string | undefined): Record<string, TableOverride> {
  const out: Record<string, TableOverride> = {};
  for (const raw of (text ?? '').split(/[,\n]/)) {
    const entry = raw.trim();
    if (!entry) continue;
    const m = /^([^=\s]+)\s*=\s*(\S+)$/.exec(entry);
    if (!m) {
      throw new Error(
        `table-overrides entry "${entry.slice(0, 80)}" is not table=copy|referenced|skip (e.g. public.audit_versions=skip)`,
      );
    }
    const [, table, value] = m as unknown as [string, string, string];
    if (!QualifiedName.safeParse(table).success) {
      throw new Error(
        `table-overrides entry "${entry.slice(0, 80)}": ${table.slice(0, 80)} is not a table name, optionally schema-qualified (e.g. public.audit_versions)`,
      );
    }
    const decided = TableOverride.safeParse(value);
    if (!decided.success) {
      throw new Error(
        `table-overrides entry "${entry.slice(0, 80)}": ${value.slice(0, 40)} is not one of copy, referenced, skip`,
      );
    }
    if (out[table] !== undefined && out[table] !== decided.data) {
      throw new Error(`table-overrides names ${table} twice, with different values`);
    }
    out[table] = decided.data;
  }
  return out;
}

function isPostgresUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '';
  } catch {
    return false;
  }
}

export const Slug = z.string().refine(isValidSlug, { message: SLUG_RULE });

export const CloudRunOptions = z.object({
  project: z.string().min(1),
  region: z.string().min(1).default('us-central1'),
  image: z.string().min(1),
  vpcConnector: z.string().optional(),
  /** `host[:port]` (TLS) or `http://127.0.0.1:port` (plaintext, loopback only unless allowed). */
  apiEndpoint: z.string().optional(),
  secretManagerEndpoint: z.string().optional(),
  allowInsecureEndpoint: z.boolean().default(false),
  minInstances: z.number().int().min(0).default(0),
  maxInstances: z.number().int().min(1).default(10),
  ingress: z.enum(['all', 'internal', 'internal-and-cloud-load-balancing']).default('all'),
  serviceAccount: z.string().optional(),
  dbPasswordSecret: z.string().optional(),
  healthPath: z.string().default('/health'),
  commitSha: z.string().optional(),
  deadlineSeconds: z.number().positive().default(600),
});
export type CloudRunOptions = z.infer<typeof CloudRunOptions>;

/**
 * Where the tenant's objects go: a database of its own (`database`, today's promotion) or a schema
 * of its own, `tenant_<slug>` (`schema`, the seeds' default for the Pro plan; issue 21). Absent in
 * the options when no input set it: the tenants row's `settings.isolation_level` decides then, and
 * `database` when that is absent too (see resolveIsolationLevel).
 */
export const IsolationLevel = z.enum(['database', 'schema']);
export type IsolationLevel = z.infer<typeof IsolationLevel>;

/** Everything a promotion or rollback needs, whichever front end built it. */
export const PromotionOptions = z.object({
  databaseUrl: z.string().min(1),
  /**
   * Administrative connection to the server that hosts the tenant's database (CREATEDB and
   * CREATEROLE there); default: the shared server. See postgres/servers.ts.
   */
  targetDatabaseUrl: z
    .string()
    .optional()
    .refine((u) => !u || isPostgresUrl(u), {
      message:
        'must be a postgres:// or postgresql:// connection string, e.g. postgres://admin:…@10.0.0.7:5432/postgres',
    }),
  /** PEM file of the CA that signed the target server's certificate: sslmode=verify-full. */
  targetCaFile: z.string().min(1).optional(),
  tenantSlug: Slug,
  tenantsTable: QualifiedName.default('tenants'),
  tenantKey: Identifier.default('tenant_id'),
  /**
   * Column of the tenants table whose value the tenant's rows carry in the tenant key. Needed only
   * when no tenant-key column has a foreign key to the tenants table (the foreign keys decide).
   */
  tenantIdColumn: Identifier.optional(),
  keepSharedData: z.boolean().default(false),
  keepIsolatedData: z.boolean().default(false),
  skipCloudRun: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  keepOnValidationFailure: z.boolean().default(false),
  baseDomain: z.string().min(1).default('factory.local'),
  configDir: z.string().min(1).default('config'),
  /** Host (and port) the tenant's application should use; defaults to database-url's host. */
  databaseHost: z.string().optional(),
  /** Longest time, in ms, any write may be blocked at the switch. */
  maxFreezeMs: z.number().int().positive().default(2000),
  copyParallelism: z.number().int().min(1).max(16).default(2),
  /**
   * `auto`: a table that dominates the copy is split into block ranges copied by several workers
   * (copy-ranges.ts). Off by default: on a 2-core machine the split measured no faster than whole
   * tables and sometimes slower (README, "The largest table in ranges").
   */
  copyRanges: z.enum(['off', 'auto']).default('off'),
  /** How tables with no path to a tenant are handled: copied whole, or left out. */
  referenceTables: z.enum(['copy', 'skip']).default('copy'),
  /**
   * Tables without the tenant key that the tenant's rows reference (users behind memberships):
   * only the rows the tenant uses (`referenced`, the default), or whole (`whole`, every tenant's rows).
   */
  sharedRows: z.enum(['referenced', 'whole']).optional(),
  /**
   * At cleanup, the referenced rows the tenant used (users behind its memberships): left in the
   * shared database (`keep`, the default), or removed when no row left there references them any
   * more along a foreign key (`remove-unused`). Recorded at the switch with the plan options.
   */
  cleanupReferencedRows: z.enum(['keep', 'remove-unused']).optional(),
  /** Explicit isolation level (input, flag, variable); wins over the tenants row's settings. */
  isolationLevel: IsolationLevel.optional(),
  /** Per-table decisions the plan cannot make: `schema.table` → copy (whole) | referenced | skip. */
  tableOverrides: z.record(QualifiedName, TableOverride).optional(),
  /** The shared application's role: grants and policies naming it are remapped to the tenant's role. */
  sharedAppRole: z.string().optional(),
  cloudRun: CloudRunOptions.optional(),
  /** The front end that built these options: hints name its inputs, or its flags and variables. */
  frontEnd: z.enum(['action', 'cli']).optional(),
});
export type PromotionOptions = z.infer<typeof PromotionOptions>;
export type PromotionOptionsInput = z.input<typeof PromotionOptions>;
