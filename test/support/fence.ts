import assert from 'node:assert/strict';
import pg from 'pg';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import { engineOptions, testDeps } from './engine';
import { createSharedFixture, type SharedFixture } from './fixture';
import { query } from './pg';

const qi = pg.escapeIdentifier;

/** A tenant promoted at schema level into the shared database (the rollback fence's tests). */
export interface SharedPlacement {
  f: SharedFixture;
  opts: Awaited<ReturnType<typeof engineOptions>>;
  names: ReturnType<typeof deriveNames>;
  /** The tenant's schema. */
  schema: string;
  tenantId: string;
}

/**
 * Promotes the fixture's small tenant at schema level into the shared database (`extra`: more
 * engine options), runs `fn`, and drops the fixture. A non-superuser engine role is granted CREATE
 * on the shared database first, as a managed admin has it.
 */
export async function withSharedPlacement(
  label: string,
  extra: Record<string, unknown>,
  fn: (p: SharedPlacement) => Promise<void>,
): Promise<void> {
  const f = await createSharedFixture({ rows: 5 });
  try {
    if (f.engineUrl !== f.url) {
      const admin = decodeURIComponent(new URL(f.engineUrl).username);
      await query(f.url, `GRANT CREATE ON DATABASE ${qi(f.dbName)} TO ${qi(admin)}`);
    }
    const slug = f.tenants.small;
    const names = deriveNames(slug);
    const [tenant] = await query<{ id: string }>(f.url, 'SELECT id::text FROM tenants WHERE slug = $1', [
      slug,
    ]);
    const opts = await engineOptions(f, slug, { isolationLevel: 'schema', ...extra });
    const { record } = await promote(opts, testDeps(label));
    assert.equal(record.result, 'promoted', JSON.stringify(record.error));
    assert.equal(record.schemaLayout?.into, 'shared-database');
    await fn({ f, opts, names, schema: names.database, tenantId: tenant!.id });
  } finally {
    await f.cleanup();
  }
}
