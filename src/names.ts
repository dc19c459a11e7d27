import { createHash } from 'node:crypto';
import { InputError } from './errors';

/** Slug rule from the provisioning guide. */
export const SLUG_RULE =
  'a slug is 3–63 characters of lowercase letters (a–z), digits and hyphens, and does not start or end with a hyphen';
const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/;

/** PostgreSQL's identifier limit, in bytes. */
const PG_IDENT_MAX = 63;
/** Cloud Run service names: at most 49 characters, lowercase letters, digits and hyphens, starting with a letter. */
const CLOUD_RUN_NAME_MAX = 49;

/**
 * Quote untrusted text for an error message or a log line: JSON-escaped (so newlines, NULs,
 * bidi marks and quotes are visible and inert) and truncated.
 */
export function quoteUntrusted(text: string, max = 60): string {
  const cut = [...text].length > max ? [...text].slice(0, max).join('') + '…' : text;
  // Escape everything outside printable ASCII so homoglyphs and bidi controls are visible.
  return JSON.stringify(cut).replace(/[^\x20-\x7e]/gu, (c) => {
    const cp = c.codePointAt(0) ?? 0;
    return cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  });
}

export function isValidSlug(text: string): boolean {
  return SLUG_RE.test(text);
}

/** Returns the slug, or throws an InputError that quotes the text safely and states the rule. */
export function validateSlug(text: string, source = 'tenant slug'): string {
  if (isValidSlug(text)) return text;
  throw new InputError(
    `Invalid ${source} ${quoteUntrusted(text)}: ${SLUG_RULE}.`,
    'Use a slug such as "acme-corp" (the slug column of the tenants table).',
    'invalid-slug',
  );
}

function shortHash(text: string, length = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * Fits `prefix + body` into `max` bytes. A name that fits is used as is; a longer one keeps a
 * readable head and gets a stable hash of the full body, so two long slugs never collide.
 */
function fitName(prefix: string, body: string, max: number): string {
  const full = prefix + body;
  if (Buffer.byteLength(full) <= max) return full;
  const hash = shortHash(body);
  const head = full.slice(0, max - hash.length - 1).replace(/[-_]+$/, '');
  return `${head}_${hash}`.slice(0, max);
}

/**
 * Schema level into the shared database: the tool's own schema for this tenant there (its run
 * marker and the schema recorded at the switch), beside the tenant's schemas. In a database of
 * the tenant's own it is simply `_tenant_isolation`; in the shared one each tenant needs its own,
 * or two tenants' runs would share one marker.
 */
export function sharedToolSchema(slug: string): string {
  return fitName('_tenant_isolation_', slug.replace(/-/g, '_'), PG_IDENT_MAX);
}

export interface DerivedNames {
  slug: string;
  /** Database `tenant_<slug with - as _>`. */
  database: string;
  /** NOLOGIN role that owns the new database and its objects. */
  ownerRole: string;
  /** LOGIN role the tenant's application uses. */
  appRole: string;
  /** Cloud Run service `api-<slug>`. */
  service: string;
  apiHost: string;
  uiHost: string;
  subdomain: string;
}

export function deriveNames(slug: string, baseDomain = 'factory.local'): DerivedNames {
  validateSlug(slug);
  const underscored = slug.replace(/-/g, '_');
  const service = (() => {
    const full = `api-${slug}`;
    if (full.length <= CLOUD_RUN_NAME_MAX) return full;
    const hash = shortHash(slug);
    return `${full.slice(0, CLOUD_RUN_NAME_MAX - hash.length - 1).replace(/-+$/, '')}-${hash}`;
  })();
  return {
    slug,
    database: fitName('tenant_', underscored, PG_IDENT_MAX),
    ownerRole: fitName('tenant_', `${underscored}_owner`, PG_IDENT_MAX),
    appRole: fitName('tenant_', `${underscored}_app`, PG_IDENT_MAX),
    service,
    apiHost: `api-${slug}.${baseDomain}`,
    uiHost: `app-${slug}.${baseDomain}`,
    subdomain: `app-${slug}`,
  };
}
