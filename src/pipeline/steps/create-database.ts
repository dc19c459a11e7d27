import { withConnection } from '../../postgres/connect';
import { createTenantDatabase, readLocale } from '../../postgres/database';
import { writeRunMarker } from '../../postgres/ownership';
import type { PromotionContext } from '../context';
import { createTenantSchemas } from '../../postgres/tenant-schemas';
import { asOwner, dropOwnedDatabase, dropOwnedSchemas, markerSource, withTargetServer } from '../ownership';
import { intoSharedDatabase, toolSchema } from '../tenant-place';
import type { Step } from '../step';

/**
 * Schema level into the shared database: the tenant's schemas and its tool schema there, in one
 * transaction proving the claim (postgres/tenant-schemas.ts); undone by dropping exactly them.
 *
 * Otherwise `CREATE DATABASE tenant_<slug>` from template0 with the shared database's locale, then this
 * run's token in the tool's own schema of it (writes into it later prove they are this run's).
 */
export const createDatabaseStep: Step<PromotionContext> = {
  name: 'create-database',
  title: 'Create the tenant database',
  async run(ctx) {
    const { names } = ctx;
    // Schema level into the shared database: the tenant's schemas there instead of a database.
    if (intoSharedDatabase(ctx)) {
      const schemas = ctx.schemaLayout!.layout.mappings.map((m) => m.target);
      const tool = toolSchema(ctx);
      await asOwner(ctx, 'creating the tenant schemas', (c) =>
        createTenantSchemas(
          c,
          { schemas, toolSchema: tool, ownerRole: names.ownerRole },
          markerSource(ctx),
          ctx.run,
        ),
      );
      return `schema${schemas.length === 1 ? '' : 's'} ${schemas.join(', ')} in the shared database "${ctx.sharedDatabase}", owned by ${names.ownerRole}; ${tool} marks them as this run's`;
    }
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
    // Only this attempt's schemas (its run marker), never an earlier or later run's.
    if (intoSharedDatabase(ctx)) await dropOwnedSchemas(ctx, 'this');
    else await dropOwnedDatabase(ctx);
  },
};
