/**
 * The benchmark's shared database: the test fixture's schema (the seed's tables and their
 * corners: partitioned agent_events, RLS, enums, composites, identity, generated columns) with
 * bulk tenants generated server-side by INSERT … SELECT generate_series, at realistic widths.
 *
 * A tenant of size N has N rows over its tables, in these proportions (per cent):
 * agent_events 50 (jsonb payloads of ~450 bytes), audit_logs 25 (text details of ~200 bytes),
 * design_recommendations 6 (~500-byte bodies), recommendation_votes 6, project_members 4,
 * analytics.daily_usage 3, users 2, projects 2, tech_stack_recommendations 2 (jsonb ~250 bytes).
 */
import pg from 'pg';
import { fixtureSql } from '../test/support/fixture';

/** Rows of each table for a tenant of `n` rows (the same arithmetic as bench_seed below). */
export function tenantShape(n: number): Record<string, number> {
  const users = Math.max(Math.floor((n * 2) / 100), 2);
  const projects = Math.max(Math.floor((n * 2) / 100), 1);
  return {
    users,
    projects,
    project_members: projects * 2,
    design_recommendations: projects * 3,
    recommendation_votes: projects * 3,
    tech_stack_recommendations: projects,
    agent_events: Math.floor(n / 2),
    audit_logs: Math.floor(n / 4),
    'analytics.daily_usage': Math.max(Math.floor((n * 3) / 100), 1),
  };
}

/** A server-side generator for one tenant; every value is derived from generate_series. */
const SEED_FUNCTION = `
CREATE FUNCTION bench_seed(p_slug text, p_name text, n bigint) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE t uuid; nu int; np int; u0 bigint;
BEGIN
  INSERT INTO tenants (slug, name, plan_code, settings)
    VALUES (p_slug, p_name, 'enterprise', '{"theme":"dark","features":["ai","sso"],"limits":{"seats":250}}')
    RETURNING id INTO t;
  nu := greatest(n * 2 / 100, 2);
  np := greatest(n * 2 / 100, 1);
  INSERT INTO users (tenant_id, email, display_name, roles, created_at)
    SELECT t, 'user' || g || '@' || p_slug || '.example', 'User ' || g || ' ' || left(md5(g::text), 12),
           ARRAY['member', 'r' || g % 3], timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute'
      FROM generate_series(1, nu) g;
  -- Statistics of the rows just inserted, before rows referencing them are: the foreign-key
  -- checks' plans are made from them (stale, they scanned projects whole for every row, and a
  -- 5M tenant after a 1M one took hours to generate instead of minutes).
  ANALYZE users;
  SELECT min(id) INTO u0 FROM users WHERE tenant_id = t;
  UPDATE users SET manager_id = u0 WHERE tenant_id = t AND id <> u0 AND id % 10 = 0;
  -- Identity values of one INSERT are consecutive here (nothing else inserts meanwhile).
  INSERT INTO projects (tenant_id, owner_id, name, budget, tags, metadata)
    SELECT t, u0 + g % nu, 'Project ' || g, (g % 1000) * 10.5, ARRAY['t' || g % 4, 'team-' || g % 17],
           jsonb_build_object('n', g, 'color', 'blue', 'nested', jsonb_build_object('ok', g % 2 = 0, 'label', md5(g::text)))
      FROM generate_series(1, np) g;
  ANALYZE projects;
  INSERT INTO project_members (project_id, user_id, role)
    SELECT p.id, u0 + (p.id + k) % nu, CASE k WHEN 0 THEN 'owner' ELSE 'editor' END
      FROM projects p, generate_series(0, 1) k WHERE p.tenant_id = t;
  INSERT INTO design_recommendations (tenant_id, project_id, status, body, score, created_at)
    SELECT t, p.id, (ARRAY['draft','accepted','rejected']::recommendation_status[])[1 + (p.id + k) % 3],
           'Recommendation ' || k || ' for project ' || p.id || E':\\n' ||
             repeat('Prefer composite indexes that lead with tenant_id. ', 6 + (p.id + k) % 8),
           ((p.id * 7 + k) % 100) / 10.0, timestamptz '2024-03-01 00:00:00+00' + p.id * interval '1 hour'
      FROM projects p, generate_series(1, 3) k WHERE p.tenant_id = t;
  ANALYZE design_recommendations;
  INSERT INTO recommendation_votes (recommendation_id, voter, up)
    SELECT d.id, 'voter' || d.id % 50, d.id % 3 <> 0 FROM design_recommendations d WHERE d.tenant_id = t;
  INSERT INTO tech_stack_recommendations (tenant_id, project_id, stack, statuses, price)
    SELECT t, p.id,
           jsonb_build_object('db', 'postgres', 'version', 15 + p.id % 3, 'lang', ARRAY['ts', 'go', 'sql'],
             'infra', jsonb_build_object('runtime', 'cloud-run', 'region', 'us-central1', 'min', p.id % 3),
             'notes', 'Scale reads with a replica before sharding; keep tenant_id on every table.'),
           ARRAY['draft', 'accepted']::recommendation_status[], ('EUR', p.id * 100)::money_amount
      FROM projects p WHERE p.tenant_id = t;
  INSERT INTO agent_events (tenant_id, occurred_at, kind, payload)
    SELECT t, timestamptz '2024-01-01 00:00:00+00' + (g % 900) * interval '1 day' + (g % 86400) * interval '1 second',
           (ARRAY['tool_call','tool_result','message','plan','error'])[1 + g % 5],
           jsonb_build_object(
             'run_id', md5((g / 40)::text), 'step', g % 40,
             'tool', (ARRAY['search','read_file','write_file','run_tests','plan'])[1 + g % 5],
             'input', jsonb_build_object('path', 'src/module_' || g % 97 || '/file_' || g % 13 || '.ts',
                                         'query', 'how do I ' || md5((g * 7)::text)),
             'output', repeat('ok ', 20 + g % 60),
             'tokens', jsonb_build_object('prompt', 500 + g % 3000, 'completion', 50 + g % 700),
             'latency_ms', g % 5000, 'ok', g % 17 <> 0)
      FROM generate_series(1, (n / 2)::int) g;
  INSERT INTO audit_logs (tenant_id, at, actor, action, detail, ip)
    SELECT t, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute', 'user' || g % nu || '@' || p_slug,
           'project.' || (ARRAY['create','update','delete','share'])[1 + g % 4],
           'Changed settings of project ' || g % np || E'\\tfrom ' || md5(g::text) || E'\\nto ' ||
             md5((g + 1)::text) || ' (' || repeat('field ', 10 + g % 10) || ')',
           ('10.' || g % 250 || '.' || g % 200 || '.' || 1 + g % 250)::inet
      FROM generate_series(1, (n / 4)::int) g;
  INSERT INTO analytics.daily_usage (tenant_id, day, requests, bytes)
    SELECT t, date '1990-01-01' + g, g * 7 % 100000, g * 1024 FROM generate_series(1, greatest(n * 3 / 100, 1)::int) g;
END $fn$;`;

export interface BenchTenant {
  slug: string;
  rows: number;
}

/** What the plan's notes suggest for the fixture's foreign keys without an index. */
const FOREIGN_KEY_INDEXES = `
  CREATE INDEX ON public.users (manager_id);
  CREATE INDEX ON public.projects (owner_id);
  CREATE INDEX ON public.design_recommendations (project_id);
  CREATE INDEX ON public.tech_stack_recommendations (project_id);`;

/**
 * Fills `url` (an empty database): the fixture's schema and its small tenants (slugs suffixed
 * with `suffix`), then every tenant of `tenants`, then VACUUM ANALYZE so every run reads
 * settled pages (no hint-bit writes on the first read) with fresh statistics.
 */
export async function buildSharedDatabase(
  url: string,
  appRole: string,
  suffix: string,
  tenants: BenchTenant[],
  log: (text: string) => void,
): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(fixtureSql(appRole, suffix, 40));
    await c.query(SEED_FUNCTION);
    for (const t of tenants) {
      const started = performance.now();
      await c.query('SELECT bench_seed($1, $2, $3)', [t.slug, `Bench ${t.slug}`, t.rows]);
      log(`  ${t.slug}: ${t.rows} rows generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    await c.query('DROP FUNCTION bench_seed(text, text, bigint)');
    // The foreign-key indexes the plan's notes suggest for the fixture (issue 18 measures "with the
    // indexes the plan recommends"): without them the cross-tenant checks read these tables whole.
    await c.query(FOREIGN_KEY_INDEXES);
    const started = performance.now();
    await c.query('VACUUM (ANALYZE)');
    await c.query('CHECKPOINT');
    log(`  VACUUM ANALYZE + CHECKPOINT in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await c.end();
  }
}
