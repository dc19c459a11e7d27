/**
 * Pure: the Cloud Run v2 Service object for a tenant's isolated API. An existing service is
 * merged, not replaced: settings this product does not manage (resources, probes, other env
 * vars, sidecars, volumes, annotations, labels) are kept, as `gcloud run deploy` and
 * deploy-cloudrun keep them.
 */
import type { protos } from '@google-cloud/run';
import pg from 'pg';
import { InputError } from '../errors';
import { quoteUntrusted } from '../names';
import type { CloudRunOptions } from '../options';

type IService = protos.google.cloud.run.v2.IService;
type IRevisionTemplate = protos.google.cloud.run.v2.IRevisionTemplate;
type IContainer = protos.google.cloud.run.v2.IContainer;
type IEnvVar = protos.google.cloud.run.v2.IEnvVar;

export const MANAGED_BY = 'tenant-promotion';

export const INGRESS: Record<CloudRunOptions['ingress'], string> = {
  all: 'INGRESS_TRAFFIC_ALL',
  internal: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
  'internal-and-cloud-load-balancing': 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
};

/** Environment variables this product owns on the service (others are left alone). */
export const MANAGED_ENV = [
  'TENANT_ID',
  'ISOLATION_MODE',
  'DB_NAME',
  'DB_HOST',
  'DB_PORT',
  'DB_USER',
  'DB_PASSWORD',
  'ISOLATION_LEVEL',
  'DB_SCHEMA',
  'DB_SEARCH_PATH',
] as const;

export interface ServiceSpecInput {
  options: CloudRunOptions;
  serviceName: string;
  slug: string;
  tenantId: string;
  database: {
    name: string;
    host: string;
    port: number;
    user: string;
    schema?: { name: string; searchPath: string[] };
  };
  /** Where DB_PASSWORD comes from: a secret resource name and a version id (or `latest`). */
  passwordSecret: { secret: string; version: string };
  /** The service as it stands, when updating. */
  existing?: IService | null;
}

export function locationName(options: Pick<CloudRunOptions, 'project' | 'region'>): string {
  return `projects/${options.project}/locations/${options.region}`;
}

export function serviceFullName(
  options: Pick<CloudRunOptions, 'project' | 'region'>,
  serviceName: string,
): string {
  return `${locationName(options)}/services/${serviceName}`;
}

const SECRET_ID_RE = /^[A-Za-z0-9_-]{1,255}$/;
const PROJECT_RE = /^[a-z0-9][a-z0-9.:-]{0,99}$/;

/** `projects/<p>/secrets/<name>` for `db-password-secret`, given in that form or as a bare name. */
export function secretResourceName(secret: string, project: string): string {
  const text = secret.trim();
  const full = /^projects\/([^/]+)\/secrets\/([^/]+)$/.exec(text);
  if (full && PROJECT_RE.test(full[1]!) && SECRET_ID_RE.test(full[2]!)) return text;
  if (SECRET_ID_RE.test(text)) return `projects/${project}/secrets/${text}`;
  throw new InputError(
    `db-password-secret ${quoteUntrusted(text)} is not a Secret Manager secret name.`,
    'Give the secret\'s id (letters, digits, "_" and "-"), e.g. "tenant-db-password", or its full name "projects/<project>/secrets/<id>".',
  );
}

/** The version id at the end of `projects/<p>/secrets/<s>/versions/<id>`. */
export function versionId(versionName: string): string {
  return versionName.split('/').pop() ?? versionName;
}

/** A Cloud Run label value: at most 63 lowercase letters, digits, `_` and `-`. */
export function labelValue(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .slice(0, 63);
}

export function serviceLabels(options: CloudRunOptions, slug: string): Record<string, string> {
  const labels: Record<string, string> = { 'managed-by': MANAGED_BY, tenant: labelValue(slug) };
  if (options.commitSha) labels['commit-sha'] = labelValue(options.commitSha);
  return labels;
}

/** A connector given by name is in the service's project and region. */
export function connectorName(options: CloudRunOptions, connector: string): string {
  return connector.includes('/') ? connector : `${locationName(options)}/connectors/${connector}`;
}

function managedEnv(input: ServiceSpecInput): IEnvVar[] {
  const { database: db } = input;
  return [
    { name: 'TENANT_ID', value: input.tenantId },
    { name: 'ISOLATION_MODE', value: 'isolated' },
    { name: 'DB_NAME', value: db.name },
    { name: 'DB_HOST', value: db.host },
    { name: 'DB_PORT', value: String(db.port) },
    { name: 'DB_USER', value: db.user },
    { name: 'ISOLATION_LEVEL', value: db.schema ? 'schema' : 'database' },
    // Schema level: the tenant's schema and the search_path to set (comma-separated, as SET
    // search_path takes it); absent at database level.
    ...(db.schema
      ? [
          { name: 'DB_SCHEMA', value: db.schema.name },
          {
            name: 'DB_SEARCH_PATH',
            value: db.schema.searchPath.map((x) => pg.escapeIdentifier(x)).join(', '),
          },
        ]
      : []),
    {
      name: 'DB_PASSWORD',
      valueSource: {
        secretKeyRef: { secret: input.passwordSecret.secret, version: input.passwordSecret.version },
      },
    },
  ];
}

/** An env var as input only (drops the oneof discriminator a read adds). */
function plainEnv(e: IEnvVar): IEnvVar {
  return e.valueSource
    ? { name: e.name, valueSource: e.valueSource }
    : { name: e.name, value: e.value ?? '' };
}

export function buildService(input: ServiceSpecInput): IService {
  const { options, existing } = input;
  const labels = serviceLabels(options, input.slug);
  const managedNames = new Set<string>(MANAGED_ENV);
  const oldTemplate: IRevisionTemplate = existing?.template ?? {};
  const [oldPrimary, ...sidecars] = oldTemplate.containers ?? [];
  const keptEnv = (oldPrimary?.env ?? []).filter((e) => !managedNames.has(e.name ?? '')).map(plainEnv);
  const primary: IContainer = {
    ...(oldPrimary ?? {}),
    image: options.image,
    env: [...keptEnv, ...managedEnv(input)],
  };

  const template: IRevisionTemplate = {
    ...oldTemplate,
    // A fixed revision name would make every later deploy fail: let Cloud Run name revisions.
    revision: undefined,
    labels: { ...(oldTemplate.labels ?? {}), ...labels },
    containers: [primary, ...sidecars],
    scaling: { minInstanceCount: options.minInstances, maxInstanceCount: options.maxInstances },
  };
  delete template.revision;
  if (options.vpcConnector)
    template.vpcAccess = {
      ...(oldTemplate.vpcAccess ?? {}),
      connector: connectorName(options, options.vpcConnector),
      egress: oldTemplate.vpcAccess?.egress || 'PRIVATE_RANGES_ONLY',
    };
  if (options.serviceAccount) template.serviceAccount = options.serviceAccount;

  const service: IService = {
    name: serviceFullName(options, input.serviceName),
    labels: { ...(existing?.labels ?? {}), ...labels },
    ingress: INGRESS[options.ingress] as IService['ingress'],
    template,
    // The new revision takes all traffic (also after an earlier undo pinned an old revision).
    traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
  };
  if (existing) {
    // Keep what others set on the service itself; the etag makes a concurrent change fail, not vanish.
    for (const key of [
      'description',
      'annotations',
      'binaryAuthorization',
      'customAudiences',
      'invokerIamDisabled',
      'launchStage',
      'scaling',
    ] as const) {
      const value = existing[key];
      if (value !== undefined && value !== null) (service as Record<string, unknown>)[key] = value;
    }
    if (existing.etag) service.etag = existing.etag;
  }
  return service;
}
