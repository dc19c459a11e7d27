import { z } from 'zod';
import type { DerivedNames } from '../names';

/** `<config-dir>/routing/<slug>.json`: where the tenant's traffic and connections go. No secrets. */
export const RoutingConfig = z.object({
  tenant_slug: z.string(),
  tenant_id: z.string(),
  isolation_mode: z.literal('isolated'),
  /** Where the tenant's tables are: a database of their own, or schemas (issue 21). Written since issue 21; configs written before it lack it (database level). */
  isolation_level: z.enum(['database', 'schema']).optional(),
  database: z.object({
    name: z.string(),
    host: z.string(),
    port: z.number().int(),
    user: z.string(),
    /** Schema level: the tenant's schema, and the search_path the application sets (its role has it as default too). */
    schema: z.string().optional(),
    search_path: z.array(z.string()).optional(),
  }),
  endpoints: z.object({ api: z.string(), ui: z.string() }),
  cloud_run: z
    .object({ service: z.string(), url: z.string().optional(), region: z.string().optional() })
    .optional(),
  updated_at: z.string(),
});
export type RoutingConfig = z.infer<typeof RoutingConfig>;

/** `<config-dir>/load-balancer/<slug>.json`: the subdomain and backend for the load balancer. */
export const LoadBalancerConfig = z.object({
  tenant_slug: z.string(),
  subdomain: z.string(),
  hosts: z.array(z.string()),
  backend_service: z.string(),
  backend: z.object({
    type: z.enum(['cloud-run', 'shared']),
    service: z.string(),
    url: z.string().optional(),
  }),
  ssl_certificate: z.object({ domains: z.array(z.string()), managed: z.boolean() }),
  updated_at: z.string(),
});
export type LoadBalancerConfig = z.infer<typeof LoadBalancerConfig>;

export interface RoutingInput {
  names: DerivedNames;
  /** The value the tenant's rows carry in the tenant key (see resolveTenantKey). */
  tenantId: string;
  /**
   * `name`: the database the tenant's tables are in, when it is not `tenant_<slug>` (schema level
   * into the shared database: the shared database itself).
   */
  database: { host: string; port: number; name?: string };
  /** Schema level: the tenant's schema and its search_path (schemaRouting). */
  schema?: SchemaRouting;
  service?: { name: string; url?: string };
  region?: string;
  now?: string;
}

/** Schema level, for the routing config and Cloud Run: the tenant's schema and search_path. */
export interface SchemaRouting {
  name: string;
  searchPath: string[];
}

/**
 * The tenant's schema (the one mapped to `tenant_<slug>`, else the first of its search_path) and
 * its search_path, from the run's record or the tenants row; undefined at database level.
 */
export function schemaRouting(
  base: string,
  layout: { mappings: { target: string }[]; searchPath: string[] } | undefined,
): SchemaRouting | undefined {
  if (!layout) return undefined;
  const name = layout.mappings.find((m) => m.target === base)?.target ?? layout.searchPath[0] ?? base;
  return { name, searchPath: layout.searchPath };
}

export function buildRoutingConfig(input: RoutingInput): RoutingConfig {
  const { names } = input;
  return RoutingConfig.parse({
    tenant_slug: names.slug,
    tenant_id: input.tenantId,
    isolation_mode: 'isolated',
    isolation_level: input.schema ? 'schema' : 'database',
    database: {
      name: input.database.name ?? names.database,
      host: input.database.host,
      port: input.database.port,
      user: names.appRole,
      ...(input.schema && { schema: input.schema.name, search_path: input.schema.searchPath }),
    },
    endpoints: { api: names.apiHost, ui: names.uiHost },
    cloud_run: input.service
      ? { service: input.service.name, url: input.service.url, region: input.region }
      : undefined,
    updated_at: input.now ?? new Date().toISOString(),
  });
}

export function buildLoadBalancerConfig(input: RoutingInput): LoadBalancerConfig {
  const { names } = input;
  return LoadBalancerConfig.parse({
    tenant_slug: names.slug,
    subdomain: names.subdomain,
    hosts: [names.apiHost, names.uiHost],
    backend_service: input.service ? input.service.name : 'shared',
    backend: input.service
      ? { type: 'cloud-run', service: input.service.name, url: input.service.url }
      : { type: 'shared', service: 'shared' },
    ssl_certificate: { domains: [names.apiHost, names.uiHost], managed: true },
    updated_at: input.now ?? new Date().toISOString(),
  });
}

export function routingPaths(configDir: string, slug: string): { routing: string; loadBalancer: string } {
  return {
    routing: `${configDir}/routing/${slug}.json`,
    loadBalancer: `${configDir}/load-balancer/${slug}.json`,
  };
}
