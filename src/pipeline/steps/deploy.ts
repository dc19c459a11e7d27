import { PromotionError } from '../../errors';
import { deployService, undoDeploy, type DeployInput } from '../../cloudrun/deploy';
import type { PromotionContext } from '../context';
import type { Step } from '../step';
import { tenantDatabase } from '../tenant-place';
import { asOwner } from '../ownership';
import { tenantSchema } from './routing';

function deployInput(ctx: PromotionContext): DeployInput {
  const { host, port } = ctx.servers.applicationHost(ctx.options.databaseHost);
  return {
    options: ctx.options.cloudRun!,
    serviceName: ctx.names.service,
    slug: ctx.names.slug,
    // TENANT_ID carries the slug, as the isolation guide specifies (`TENANT_ID=acme-corp`).
    tenantId: ctx.names.slug,
    database: {
      name: tenantDatabase(ctx),
      host,
      port,
      user: ctx.names.appRole,
      password: ctx.appPassword ?? '',
      schema: tenantSchema(ctx),
    },
    dryRun: ctx.options.dryRun,
    log: ctx.log,
    signal: ctx.signal,
  };
}

/** Creates or updates `api-<slug>` on Cloud Run (validate-only in a dry run); no traffic is routed yet. */
export const deployStep: Step<PromotionContext> = {
  name: 'deploy',
  title: 'Deploy the Cloud Run service',
  skip: (ctx) =>
    ctx.options.skipCloudRun
      ? 'Cloud Run skipped (skip-cloud-run)'
      : !ctx.options.cloudRun
        ? 'no Cloud Run settings (a dry run: the notes say what the service would need)'
        : undefined,
  async run(ctx) {
    const input = deployInput(ctx);
    const result = await deployService(input);
    ctx.deployment = { input, result };
    ctx.service = {
      name: result.serviceName,
      url: result.url,
      revision: result.revision,
      created: result.created,
      secret_version: result.secretVersion,
    };
    if (result.validatedOnly) return `service spec of ${result.serviceName} validated by the API (dry run)`;
    ctx.record.serviceUrl = result.url;
    ctx.record.revision = result.revision;
    if (!result.ready) {
      throw new PromotionError(
        'cloud-run',
        `Cloud Run service ${result.serviceName} is not ready: ${result.readyMessage ?? 'no reason given'}`,
        'Check the container image and the service logs (gcloud run services describe), then re-run.',
      );
    }
    return `${result.created ? 'created' : 'updated'} ${result.serviceName}, revision ${result.revision ?? '?'}, ${result.url ?? 'no URL'}`;
  },
  async undo(ctx) {
    const deployment = ctx.deployment;
    if (ctx.keepArtifacts || !deployment || deployment.result.validatedOnly) return;
    // Under the proof of ownership: a run that lost the tenant never removes another run's service.
    await asOwner(
      ctx,
      'undoing the Cloud Run deploy',
      () => undoDeploy(deployment.input, deployment.result),
      {
        orphanOk: true,
      },
    );
  },
};
