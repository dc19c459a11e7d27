import { PromotionError } from '../../errors';
import { runChecks } from '../../validation';
import { recordSchemaAtSwitch } from '../../validation/schema-fingerprint';
import { withConnection } from '../../postgres/connect';
import { inMarkedTransaction } from '../ownership';
import type { PromotionContext } from '../context';
import { buildLoadBalancerConfig, buildRoutingConfig } from '../routing';
import type { Step } from '../step';
import { tenantDatabase, tenantDatabaseUrl } from '../tenant-place';
import { recordedSchemaPlace } from '../../validation/schema-level';
import { routingInput } from './routing';

/**
 * The post-promotion checks, before the switch: a failure leaves the tenant shared and the
 * run undoes what it built — unless keep-on-validation-failure keeps the new database for
 * inspection (the tenant stays shared either way).
 */
export const validateStep: Step<PromotionContext> = {
  name: 'validate',
  title: 'Post-promotion checks',
  async run(ctx) {
    const routing = routingInput(ctx);
    const checks = await runChecks({
      sourceUrl: ctx.servers.sharedUrl,
      targetUrl: tenantDatabaseUrl(ctx),
      separateServers: ctx.servers.separate,
      snapshotId: ctx.snapshot?.id,
      tenantId: ctx.plan!.tenantId,
      plan: ctx.plan!,
      tenantKey: ctx.options.tenantKey,
      tenantIdColumn: ctx.options.tenantIdColumn,
      names: ctx.names,
      sharedDatabase: ctx.sharedDatabase!,
      appRole: { name: ctx.names.appRole, password: ctx.appPassword! },
      mappedRoles: ctx.sharedRoles ?? [],
      schemaLayout: ctx.record.schemaLayout,
      filesToScan: [],
      // What the routing step will write and what the report will say: no secret may be in them.
      textsToScan: [
        JSON.stringify(buildRoutingConfig(routing)),
        JSON.stringify(buildLoadBalancerConfig(routing)),
        JSON.stringify(ctx.record),
      ],
      secrets: [ctx.appPassword!, ...ctx.servers.passwords].filter((x): x is string => !!x),
      service:
        ctx.service?.url && !ctx.options.dryRun
          ? { url: ctx.service.url, healthPath: ctx.options.cloudRun?.healthPath ?? '/health' }
          : undefined,
      log: ctx.log,
    });
    ctx.record.checks = checks;
    const failed = checks.filter((c) => c.status === 'fail');
    const warned = checks.filter((c) => c.status === 'warn').length;
    if (failed.length) {
      if (ctx.options.keepOnValidationFailure) ctx.keepArtifacts = true;
      throw new PromotionError(
        'validation-failed',
        `${failed.length} post-promotion check(s) failed: ${failed.map((c) => `${c.title}: ${c.reason}`).join('; ')}`,
        ctx.keepArtifacts
          ? `The tenant stays shared. What this run built (${tenantDatabase(ctx) === ctx.names.database ? `database ${ctx.names.database}` : `the tenant's schemas in ${tenantDatabase(ctx)}`}) was kept for inspection (keep-on-validation-failure); re-running replaces it.`
          : 'The tenant stays shared and what this run built was removed. Fix the cause named above and re-run.',
      );
    }
    // The schema just proved equal is what `status --verify` later tells drift from.
    const recorded = await withConnection(tenantDatabaseUrl(ctx), (target) =>
      inMarkedTransaction(target, ctx, 'recording the schema', () =>
        recordSchemaAtSwitch(
          target,
          recordedSchemaPlace({ names: ctx.names, schemaLayout: ctx.record.schemaLayout }),
        ),
      ),
    );
    return `${checks.length} checks passed${warned ? ` (${warned} with warnings)` : ''}; schema of ${recorded} objects recorded`;
  },
};
