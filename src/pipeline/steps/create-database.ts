import { withConnection } from '../../postgres/connect';
import { createTenantDatabase } from '../../postgres/database';
import { writeRunMarker } from '../../postgres/ownership';
import { databaseUrl } from '../../postgres/urls';
import type { PromotionContext } from '../context';
import { dropOwnedDatabase } from '../ownership';
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
    await createTenantDatabase(ctx.lockSession!, names.database, names.ownerRole, {
      slug: names.slug,
      sourceDatabase: ctx.sharedDatabase!,
    });
    await withConnection(databaseUrl(ctx.options.databaseUrl, names.database), (target) =>
      writeRunMarker(target, ctx.run),
    );
    return `database ${names.database}, owned by ${names.ownerRole}, CONNECT revoked from PUBLIC`;
  },
  async undo(ctx) {
    if (ctx.keepArtifacts) return;
    await dropOwnedDatabase(ctx);
  },
};
