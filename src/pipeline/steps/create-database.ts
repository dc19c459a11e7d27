import { createTenantDatabase, dropTenantDatabase } from '../../postgres/database';
import type { PromotionContext } from '../context';
import type { Step } from '../step';

/** `CREATE DATABASE tenant_<slug>` from template0 with the shared database's locale. */
export const createDatabaseStep: Step<PromotionContext> = {
  name: 'create-database',
  title: 'Create the tenant database',
  async run(ctx) {
    const { names } = ctx;
    await createTenantDatabase(ctx.lockSession!, names.database, names.ownerRole, {
      slug: names.slug,
      sourceDatabase: ctx.sharedDatabase!,
    });
    return `database ${names.database}, owned by ${names.ownerRole}, CONNECT revoked from PUBLIC`;
  },
  async undo(ctx) {
    if (ctx.keepArtifacts) return;
    await dropTenantDatabase(ctx.lockSession!, ctx.names.database, ctx.names.slug, ctx.sharedDatabase);
  },
};
