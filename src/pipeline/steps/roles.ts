import { createTenantRoles, dropTenantRoles, generatePassword } from '../../postgres/roles';
import { dropTenantDatabase } from '../../postgres/database';
import { registerSecret } from '../../secrets';
import type { PromotionContext } from '../context';
import type { Step } from '../step';

/**
 * The NOLOGIN owner of the new database and its objects, and the tenant application's LOGIN
 * role with a generated password (sent to the server as a SCRAM verifier, never printed).
 * Leftovers of an earlier failed run of this tenant (proved by their markers) are removed first.
 */
export const rolesStep: Step<PromotionContext> = {
  name: 'roles',
  title: 'Create the tenant roles',
  async run(ctx) {
    const db = ctx.lockSession!;
    const { names } = ctx;
    if (ctx.leftovers?.length) {
      await dropTenantDatabase(db, names.database, names.slug, ctx.sharedDatabase);
      await dropTenantRoles(
        db,
        { owner: names.ownerRole, app: names.appRole },
        names.slug,
        ctx.sharedDatabase,
      );
    }
    const password = generatePassword();
    registerSecret(password);
    ctx.deps.log.secret(password);
    ctx.appPassword = password;
    await createTenantRoles(db, { owner: names.ownerRole, app: names.appRole }, password, {
      slug: names.slug,
      sourceDatabase: ctx.sharedDatabase!,
    });
    return `owner ${names.ownerRole} (NOLOGIN), application role ${names.appRole} (LOGIN)`;
  },
  async undo(ctx) {
    if (ctx.keepArtifacts) return;
    await dropTenantRoles(
      ctx.lockSession!,
      { owner: ctx.names.ownerRole, app: ctx.names.appRole },
      ctx.names.slug,
      ctx.sharedDatabase,
    );
  },
};
