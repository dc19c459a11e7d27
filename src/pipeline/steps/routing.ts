import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PromotionContext } from '../context';
import {
  buildLoadBalancerConfig,
  buildRoutingConfig,
  routingPaths,
  schemaRouting,
  type RoutingInput,
} from '../routing';
import type { Step } from '../step';
import { tenantDatabase } from '../tenant-place';

export function routingInput(ctx: PromotionContext): RoutingInput {
  const service = ctx.service ?? ctx.tenant?.isolation?.service;
  return {
    names: ctx.names,
    // The value the tenant's rows carry in the tenant key (the plan's rule), which is what the
    // application scopes its queries by; the tenants row's own id only when there is no plan.
    tenantId: ctx.plan?.tenantId ?? ctx.tenant!.id,
    database: { ...ctx.servers.applicationHost(ctx.options.databaseHost), name: tenantDatabase(ctx) },
    schema: tenantSchema(ctx),
    service: service && !ctx.options.dryRun ? { name: service.name, url: service.url } : undefined,
    region: ctx.options.cloudRun?.region,
  };
}

/** Schema level: from this run's plan, else (a resumed run) from what the switch recorded. */
export function tenantSchema(ctx: PromotionContext): RoutingInput['schema'] {
  const recorded = ctx.tenant?.isolation?.schema;
  const layout =
    ctx.record.schemaLayout ??
    (recorded && { mappings: recorded.mappings, searchPath: recorded.search_path });
  return schemaRouting(ctx.names.database, layout);
}

async function writeJsonAtomically(path: string, value: unknown): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const content = JSON.stringify(value, null, 2) + '\n';
  await writeFile(tmp, content, { mode: 0o644 });
  await rename(tmp, path);
  return content;
}

/** Writes the routing and load-balancer files (idempotent: a resumed run rewrites them). */
export const routingStep: Step<PromotionContext> = {
  name: 'routing',
  title: 'Write routing and load-balancer config',
  async run(ctx) {
    const input = routingInput(ctx);
    const paths = routingPaths(ctx.options.configDir, ctx.names.slug);
    ctx.configFiles.push(
      { path: paths.routing, content: await writeJsonAtomically(paths.routing, buildRoutingConfig(input)) },
      {
        path: paths.loadBalancer,
        content: await writeJsonAtomically(paths.loadBalancer, buildLoadBalancerConfig(input)),
      },
    );
    return `${paths.routing}, ${paths.loadBalancer}`;
  },
};
