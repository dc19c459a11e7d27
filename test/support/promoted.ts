import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { memoryLogger } from '../../src/log';
import { deriveNames, type DerivedNames } from '../../src/names';
import {
  selectTenantRows,
  TENANT_ID_SETTING,
  type TablePlan,
  type TenantPlan,
} from '../../src/postgres/plan-types';
import type { CheckContext } from '../../src/validation/check';
import { createSharedFixture, type SharedFixture } from './fixture';
import { createDatabase, withClient } from './pg';

/**
 * A shared fixture plus a hand-made "promoted" copy of its main tenant (schema by pg_dump, rows
 * by COPY through the plan's predicates, sequences set, a tenant LOGIN role): what the checks
 * see after a good promotion. Test-only; independent of the pipeline's own copy code.
 */
export interface PromotedFixture {
  fixture: SharedFixture;
  tenantId: string;
  plan: TenantPlan;
  names: DerivedNames;
  targetUrl: string;
  appRole: { name: string; password: string };
  context(overrides?: Partial<CheckContext>): CheckContext;
  cleanup(): Promise<void>;
}

const TENANT = `current_setting('${TENANT_ID_SETTING}')::uuid`;

function q(...names: string[]): string[] {
  return names.map((n) => pg.escapeIdentifier(n));
}

function table(
  schema: string,
  name: string,
  kind: TablePlan['kind'],
  columns: string[],
  keyColumns: string[],
  where: string,
  extra: Partial<TablePlan> = {},
): TablePlan {
  return {
    schema,
    name,
    qualified: `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`,
    kind,
    columns: q(...columns),
    keyColumns: q(...keyColumns),
    where,
    binarySafe: false,
    partitioned: false,
    ...extra,
  };
}

/** The fixture's tables as the planner would plan them (copy order). */
export function fixturePlan(tenantId: string): TenantPlan {
  const byTenant = `t."tenant_id" = ${TENANT}`;
  const tenants = table(
    'public',
    'tenants',
    'root',
    ['id', 'slug', 'name', 'plan_code', 'isolation_mode', 'settings', 'created_at'],
    ['id'],
    `t."id" = ${TENANT}`,
  );
  const tables: TablePlan[] = [
    table('public', 'plans', 'reference', ['code', 'title', 'monthly_price'], ['code'], 'true'),
    tenants,
    table(
      'public',
      'users',
      'tenant',
      ['id', 'tenant_id', 'email', 'display_name', 'manager_id', 'roles', 'created_at', 'updated_at'],
      ['id'],
      byTenant,
    ),
    table(
      'public',
      'projects',
      'tenant',
      ['id', 'tenant_id', 'owner_id', 'name', 'budget', 'tags', 'metadata', 'updated_at'],
      ['id'],
      byTenant,
    ),
    table(
      'public',
      'project_members',
      'dependent',
      ['project_id', 'user_id', 'role'],
      ['project_id', 'user_id'],
      `EXISTS (SELECT 1 FROM "public"."projects" p WHERE p."id" = t."project_id" AND p."tenant_id" = ${TENANT})`,
    ),
    table(
      'public',
      'design_recommendations',
      'tenant',
      ['id', 'tenant_id', 'project_id', 'status', 'body', 'score', 'created_at'],
      ['id'],
      byTenant,
    ),
    table(
      'public',
      'recommendation_votes',
      'dependent',
      ['recommendation_id', 'voter', 'up'],
      ['recommendation_id', 'voter'],
      `EXISTS (SELECT 1 FROM "public"."design_recommendations" p WHERE p."id" = t."recommendation_id" AND p."tenant_id" = ${TENANT})`,
    ),
    table(
      'public',
      'tech_stack_recommendations',
      'tenant',
      ['id', 'tenant_id', 'project_id', 'stack', 'statuses', 'price', 'created_at'],
      ['id'],
      byTenant,
    ),
    table(
      'public',
      'agent_events',
      'tenant',
      ['id', 'tenant_id', 'occurred_at', 'kind', 'payload'],
      ['id', 'occurred_at'],
      byTenant,
      { partitioned: true },
    ),
    table(
      'public',
      'audit_logs',
      'tenant',
      ['tenant_id', 'at', 'actor', 'action', 'detail', 'ip'],
      [],
      byTenant,
    ),
    table(
      'analytics',
      'daily_usage',
      'tenant',
      ['tenant_id', 'day', 'requests', 'bytes'],
      ['tenant_id', 'day'],
      byTenant,
    ),
  ];
  return {
    tenantId,
    tenantIdType: 'uuid',
    tenantsTable: tenants,
    tables,
    deleteOrder: [...tables].reverse().filter((t) => t.kind !== 'reference' && t.kind !== 'root'),
    notes: [],
    blockers: [],
  };
}

const SET_SEQUENCES = `
DO $$ DECLARE r record; m bigint; BEGIN
  FOR r IN SELECT s.seqrelid::regclass AS seq, d.refobjid::regclass AS tbl, a.attname
             FROM pg_sequence s
             JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
                             AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
             JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
  LOOP
    EXECUTE format('SELECT max(%I) FROM %s', r.attname, r.tbl) INTO m;
    IF m IS NOT NULL THEN PERFORM setval(r.seq, m); END IF;
  END LOOP;
END $$`;

/** Sets every owned/identity sequence of a database to the max of its column. */
export async function resetSequences(url: string): Promise<void> {
  await withClient(url, (c) => c.query(SET_SEQUENCES));
}

export async function createPromotedFixture(options: { rows?: number } = {}): Promise<PromotedFixture> {
  const fixture = await createSharedFixture(options);
  try {
    const names = deriveNames(fixture.tenants.main);
    const tenantId = (
      await withClient(fixture.url, (c) =>
        c.query<{ id: string }>('SELECT id FROM tenants WHERE slug = $1', [fixture.tenants.main]),
      )
    ).rows[0]!.id;
    const plan = fixturePlan(tenantId);
    const targetUrl = await createDatabase(names.database);
    const schema = execFileSync('pg_dump', ['--schema-only', '--no-owner', fixture.url], {
      maxBuffer: 64 << 20,
    });
    execFileSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', targetUrl], {
      input: schema,
      stdio: ['pipe', 'ignore', 'pipe'],
    });

    const src = new pg.Client({ connectionString: fixture.url });
    const dst = new pg.Client({ connectionString: targetUrl });
    await src.connect();
    await dst.connect();
    try {
      await src.query('SELECT set_config($1, $2, false)', [TENANT_ID_SETTING, tenantId]);
      for (const t of plan.tables) {
        await pipeline(
          src.query(copyTo(`COPY (${selectTenantRows(t)}) TO STDOUT`)),
          dst.query(copyFrom(`COPY ${t.qualified} (${t.columns.join(', ')}) FROM STDIN`)),
        );
      }
    } finally {
      await src.end();
      await dst.end();
    }
    await resetSequences(targetUrl);

    const appRole = { name: names.appRole, password: `pw-${randomBytes(12).toString('hex')}` };
    const role = pg.escapeIdentifier(appRole.name);
    const db = pg.escapeIdentifier(names.database);
    await withClient(targetUrl, async (c) => {
      await c.query(`CREATE ROLE ${role} LOGIN PASSWORD ${pg.escapeLiteral(appRole.password)}`);
      await c.query(`REVOKE CONNECT ON DATABASE ${db} FROM PUBLIC`);
      await c.query(`GRANT CONNECT ON DATABASE ${db} TO ${role}`);
      await c.query(`GRANT USAGE ON SCHEMA public, analytics TO ${role}`);
      await c.query(
        `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public, analytics TO ${role}`,
      );
      await c.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public, analytics TO ${role}`);
    });
    // The shared database is the test's own: close the PUBLIC door so access-control can pass.
    await withClient(fixture.url, (c) =>
      c.query(`REVOKE CONNECT ON DATABASE ${pg.escapeIdentifier(fixture.dbName)} FROM PUBLIC`),
    );

    return {
      fixture,
      tenantId,
      plan,
      names,
      targetUrl,
      appRole,
      context: (overrides = {}) => ({
        sourceUrl: fixture.url,
        targetUrl,
        tenantId,
        plan,
        tenantKey: 'tenant_id',
        names,
        sharedDatabase: fixture.dbName,
        appRole,
        filesToScan: [],
        textsToScan: [],
        secrets: [appRole.password],
        budgetMs: 60_000,
        log: memoryLogger(),
        ...overrides,
      }),
      cleanup: () => fixture.cleanup(),
    };
  } catch (e) {
    await fixture.cleanup();
    throw e;
  }
}
