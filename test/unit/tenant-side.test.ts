import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type pg from 'pg';
import { tenantSchemas, tenantSession, tenantSideOf } from '../../src/postgres/tenant-side';

const layout = (into: 'shared-database' | 'new-database') => ({
  isolation_level: 'schema' as const,
  schema: {
    into,
    mappings: [
      { source: 'public', target: 'tenant_acme' },
      { source: 'analytics', target: 'tenant_acme_analytics' },
    ],
    search_path: ['tenant_acme', 'tenant_acme_analytics'],
  },
});

describe('tenantSideOf', () => {
  it('database level: the tenant database, its own, nothing mapped', () => {
    assert.deepEqual(tenantSideOf(undefined, 'tenant_acme', 'app'), {
      database: 'tenant_acme',
      ownDatabase: true,
    });
    assert.deepEqual(tenantSideOf({ isolation_level: 'database' }, 'tenant_acme', 'app'), {
      database: 'tenant_acme',
      ownDatabase: true,
    });
  });
  it('schema level into a new database: that database is the tenant’s own, the schemas mapped', () => {
    const side = tenantSideOf(layout('new-database'), 'tenant_acme', 'app');
    assert.equal(side.database, 'tenant_acme');
    assert.equal(side.ownDatabase, true);
    assert.deepEqual(tenantSchemas(side), ['tenant_acme', 'tenant_acme_analytics']);
  });
  it('schema level into the shared database: the shared database, never the tenant’s own', () => {
    const side = tenantSideOf(layout('shared-database'), 'tenant_acme', 'app');
    assert.equal(side.database, 'app');
    assert.equal(side.ownDatabase, false);
    assert.equal(side.schemas?.get('analytics'), 'tenant_acme_analytics');
  });
});

describe('tenantSession', () => {
  /** A client that records what it is sent and answers the catalog read with `defined`. */
  function fakeClient(defined: { schema: string; name: string }[]) {
    const sent: unknown[] = [];
    const client = {
      query(input: unknown) {
        sent.push(input);
        return Promise.resolve({ rows: sent.length === 1 ? defined : [] });
      },
      end: () => Promise.resolve(),
    };
    return { client: client as unknown as pg.Client, sent };
  }

  it('database level: the client itself', async () => {
    const { client } = fakeClient([]);
    assert.equal(await tenantSession(client, { database: 'x', ownDatabase: true }), client);
  });

  it('maps the names the tenant’s side defines, in texts, configs and submittables; leaves literals, values and other names', async () => {
    const side = tenantSideOf(layout('new-database'), 'tenant_acme', 'app');
    const { client, sent } = fakeClient([
      { schema: 'tenant_acme', name: 'projects' },
      { schema: 'tenant_acme_analytics', name: 'events' },
    ]);
    const s = await tenantSession(client, side);
    await s.query(
      `SELECT public.gen_id(), t.* FROM "public"."projects" t JOIN analytics.events e ON true WHERE t.tbl = '"public"."projects"'`,
    );
    assert.equal(
      sent[1],
      `SELECT public.gen_id(), t.* FROM "tenant_acme"."projects" t JOIN "tenant_acme_analytics".events e ON true WHERE t.tbl = '"public"."projects"'`,
    );
    await s.query({ text: 'SELECT count(*) FROM public.projects WHERE x = $1', values: ['public.projects'] });
    assert.deepEqual(sent[2], {
      text: 'SELECT count(*) FROM "tenant_acme".projects WHERE x = $1',
      values: ['public.projects'],
    });
    const copy = { text: 'COPY (SELECT * FROM "analytics"."events") TO STDOUT', submit() {} };
    await s.query(copy);
    assert.equal(sent[3], copy);
    assert.equal(copy.text, 'COPY (SELECT * FROM "tenant_acme_analytics"."events") TO STDOUT');
  });
});
