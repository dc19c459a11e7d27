import { createTenantRoles, generatePassword } from '../../postgres/roles';
import { registerSecret } from '../../secrets';
import type { PromotionContext } from '../context';
import {
  dropAbandonedDatabases,
  dropOwnedDatabase,
  dropOwnedRoles,
  dropOwnedSchemas,
  markerSource,
  withTargetServer,
} from '../ownership';
import type { Step } from '../step';
import { intoSharedDatabase } from '../tenant-place';

/**
 * The NOLOGIN owner of the new database and its objects, and the tenant application's LOGIN
 * role with a generated password (sent to the server as a SCRAM verifier, never printed).
 * Leftovers of an earlier failed run of this tenant (proved by their markers) are removed first,
 * each removal proved to be this run's (it owns the tenant now).
 */
export const rolesStep: Step<PromotionContext> = {
  name: 'roles',
  title: 'Create the tenant roles',
  async run(ctx) {
    const { names } = ctx;
    await dropAbandonedDatabases(ctx);
    if (ctx.leftovers?.length) {
      // Schemas in the shared database (this run's level, or an earlier schema-level run's): they go
      // first, their owner is the role.
      if (intoSharedDatabase(ctx) || ctx.leftovers.some((l) => l.startsWith('schema ')))
        await dropOwnedSchemas(ctx, 'any');
      await dropOwnedDatabase(ctx);
      await dropOwnedRoles(ctx);
    }
    const password = generatePassword();
    registerSecret(password);
    ctx.deps.log.secret(password);
    ctx.appPassword = password;
    // On the target server (roles are per server): the tenant's role exists only there.
    await withTargetServer(ctx, (target) =>
      createTenantRoles(target, { owner: names.ownerRole, app: names.appRole }, password, markerSource(ctx)),
    );
    return `owner ${names.ownerRole} (NOLOGIN), application role ${names.appRole} (LOGIN)`;
  },
  async undo(ctx) {
    if (ctx.keepArtifacts) return;
    await dropOwnedRoles(ctx);
  },
};
