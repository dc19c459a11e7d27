import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { removedKeysCopySql, removedKeysTable } from '../../src/postgres/cleanup-removed';
import { ledgerCopySql, ledgerTables } from '../../src/postgres/rollback-ledger';
import { sharedToolSchema } from '../../src/names';

/**
 * The rollback's row ledger and cleanup's removed keys are named in the tool schema given: a
 * tenant's own `_tenant_isolation`, or its `_tenant_isolation_<slug>` in the shared database —
 * never a schema every tenant of the shared database would share.
 */
describe("the tool's tables beside the tenant's", () => {
  it('are in the tool schema given, quoted', () => {
    const own = sharedToolSchema('acme-corp');
    assert.deepEqual(ledgerTables('_tenant_isolation'), {
      rows: '"_tenant_isolation".row_ledger',
      tables: '"_tenant_isolation".row_ledger_tables',
    });
    assert.deepEqual(ledgerTables(own), {
      rows: `"${own}".row_ledger`,
      tables: `"${own}".row_ledger_tables`,
    });
    assert.equal(removedKeysTable(own), `"${own}".cleanup_removed`);
    assert.match(
      ledgerCopySql('"public"."users"', own),
      new RegExp(`FROM "${own}"\\.row_ledger WHERE tbl = '"public"\\."users"'`),
    );
    assert.match(
      removedKeysCopySql('a1', '"public"."users"', own),
      new RegExp(`FROM "${own}"\\.cleanup_removed WHERE attempt = 'a1'`),
    );
  });
});
