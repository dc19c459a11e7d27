import { rm } from 'node:fs/promises';
import { deleteService, retireSecretVersion } from '../../cloudrun/deploy';
import type { PromotionContext } from '../context';
import { routingPaths } from '../routing';
import type { Step } from '../step';
import { asOwner, dropOwnedDatabase, dropOwnedRoles } from '../ownership';

/** Removes the routing and load-balancer files (missing files are fine: re-runnable). */
export const removeRoutingStep: Step<PromotionContext> = {
  name: 'remove-routing',
  title: 'Remove routing and load-balancer config',
  async run(ctx) {
    const paths = routingPaths(ctx.options.configDir, ctx.names.slug);
    for (const path of [paths.routing, paths.loadBalancer]) {
      await rm(path, { force: true });
      ctx.configFiles.push({ path, content: null });
    }
    return `${paths.routing}, ${paths.loadBalancer} removed`;
  },
};

/** Deletes the Cloud Run service only if the promotion created it (recorded in settings.isolation). */
export const removeServiceStep: Step<PromotionContext> = {
  name: 'remove-service',
  title: 'Delete the Cloud Run service',
  skip(ctx) {
    const service = ctx.tenant?.isolation?.service;
    if (!service) return 'the promotion deployed no service';
    if (!service.created) return `service ${service.name} existed before the promotion: left in place`;
    return undefined;
  },
  async run(ctx) {
    const service = ctx.tenant!.isolation!.service!;
    if (ctx.options.skipCloudRun || !ctx.options.cloudRun) {
      const note = `Cloud Run service ${service.name} was created by the promotion and is still running: delete it (gcloud run services delete ${service.name}) or re-run the rollback with the Cloud Run settings.`;
      ctx.record.notes.push(note);
      return 'left in place: no Cloud Run settings given (see notes)';
    }
    const cloudRun = ctx.options.cloudRun;
    // Held under the proof of ownership: no other run can claim the tenant meanwhile.
    await asOwner(ctx, `deleting Cloud Run service ${service.name}`, async () => {
      await deleteService(cloudRun, service.name, ctx.log);
      if (service.secret_version) await retireSecretVersion(cloudRun, service.secret_version, ctx.log);
    });
    return `${service.name} deleted${service.secret_version ? ', password secret version retired' : ''}`;
  },
};

/** Drops the isolated database and the tenant's roles, unless keep-isolated-data. */
export const dropIsolatedStep: Step<PromotionContext> = {
  name: 'drop-isolated',
  title: 'Drop the isolated database and roles',
  skip: (ctx) =>
    ctx.options.keepIsolatedData ? 'isolated database kept (keep-isolated-data); it stays fenced' : undefined,
  async run(ctx) {
    const { names } = ctx;
    const dropped = await dropOwnedDatabase(ctx);
    const roles = await dropOwnedRoles(ctx);
    return `${dropped ? `database ${names.database}` : 'no database'} and ${roles.length} role(s) dropped`;
  },
};
