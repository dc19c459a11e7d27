import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import { engineOptions, testDeps } from '../support/engine';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { query, urlFor } from '../support/pg';

/**
 * A sequence the application calls by name (`nextval('invoice_no')`, no DEFAULT, no owner) and
 * whose values it stores in narrow columns gets no range: a jump into the tenants' zone broke the
 * tenant's next insert with "integer out of range". Same for a numeric(p) column too narrow.
 */
describe('sequences that cannot take a range (real PostgreSQL)', () => {
  let f: SharedFixture;
  before(async () => {
    f = await createSharedFixture({ rows: 5 });
    await query(
      f.url,
      `CREATE SEQUENCE invoice_no START 1000;
       CREATE TABLE invoices (id bigserial PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES tenants(id),
                              no integer NOT NULL, ref numeric(12) NOT NULL DEFAULT nextval('invoice_ref'));`.replace(
        'CREATE TABLE',
        'CREATE SEQUENCE invoice_ref; CREATE TABLE',
      ),
    );
    await query(f.url, `INSERT INTO invoices (tenant_id, no) SELECT id, nextval('invoice_no') FROM tenants`);
    await query(
      f.url,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON invoices TO "${f.appRole}";
       GRANT USAGE ON SEQUENCE invoice_no, invoice_ref, invoices_id_seq TO "${f.appRole}"`,
    );
  });
  after(() => f.cleanup());

  it('promotes with a plan warning and keeps their numbering; the tenant inserts as before', async () => {
    const slug = f.tenants.main;
    const { record } = await promote(await engineOptions(f, slug), testDeps());
    assert.equal(record.result, 'promoted', JSON.stringify(record.error));
    assert.ok(
      record.notes.some((n) => n.includes('public.invoice_no') && n.includes('gets no range')),
      record.notes.join('\n'),
    );
    assert.ok(record.notes.some((n) => n.includes('public.invoice_ref') && n.includes('numeric')));
    const db = urlFor(deriveNames(slug).database);
    const [seq] = await query<{ min: string }>(
      db,
      `SELECT min_value::text AS min FROM pg_sequences WHERE sequencename = 'invoice_no'`,
    );
    assert.equal(seq!.min, '1', 'left as in the source');
    await query(
      db,
      `INSERT INTO invoices (tenant_id, no) SELECT tenant_id, nextval('invoice_no') FROM invoices LIMIT 1`,
    );
    const [{ max }] = (await query<{ max: string }>(db, 'SELECT max(no)::text AS max FROM invoices')) as [
      { max: string },
    ];
    assert.ok(Number(max) < 2 ** 31, `the tenant's next invoice number ${max} fits`);
  });
});
