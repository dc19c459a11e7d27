import { withConnection } from '../../postgres/connect';
import { createTenantDatabase, readLocale } from '../../postgres/database';
import { writeRunMarker } from '../../postgres/ownership';
import type { PromotionContext } from '../context';
import { dropOwnedDatabase, markerSource, withTargetServer } from '../ownership';
import type { Step } from '../step';

/**
 * `CREATE DATABASE tenant_<slug>` from template0 with the shared database's locale, then this
 * run's token in the tool's own schema of it (writes into it later prove they are this run's).
 */
export const createDatabaseStep: Step<PromotionContext> = {
  name: 'create-database',
  title: 'Create the tenant database',
  async run(ctx) {
    const { names } = ctx;
    // With the shared database's locale, on the target server.
    const locale = await readLocale(ctx.lockSession!);
    await withTargetServer(ctx, (server) =>
      createTenantDatabase(server, names.database, names.ownerRole, markerSource(ctx), locale),
    );
    await withConnection(ctx.servers.tenantDatabaseUrl(names.database), (target) =>
      writeRunMarker(target, ctx.run),
    );
    return `database ${names.database}, owned by ${names.ownerRole}, CONNECT revoked from PUBLIC`;
  },
  async undo(ctx) {
    if (ctx.keepArtifacts) return;
    await dropOwnedDatabase(ctx);
  },
};
