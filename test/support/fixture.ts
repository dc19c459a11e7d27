import pg from 'pg';
import { createNonSuperuser, type NonSuperuser } from './nonsuper';
import { createDatabase, DATABASE_URL, dropArtifacts, uniqueSuffix, urlFor, withClient } from './pg';

/**
 * A shared multi-tenant database that looks like a real one: the seed's seven tables plus a
 * dependent table without the tenant key (project_members), a two-hop dependent
 * (recommendation_votes), a reference table (plans), a self-reference (users.manager_id), an
 * enum, an identity column, jsonb and array columns, a partitioned table (agent_events), a
 * trigger, an RLS policy naming an application role, a view, a second schema (analytics) and
 * several tenants of different sizes.
 */
export interface SharedFixture {
  suffix: string;
  dbName: string;
  url: string;
  appRole: string;
  /**
   * The URL the engine under test connects with: `url` (the superuser), or, with
   * TEST_ADMIN=nonsuper in the environment, a role with only LOGIN CREATEDB CREATEROLE (and
   * BYPASSRLS for the fixture's policies) as managed PostgreSQL gives one. `url` stays the
   * superuser's, for the tests' own setup and inspection.
   */
  engineUrl: string;
  /** Slugs of the fixture's tenants; `main` is the one tests promote. */
  tenants: { main: string; small: string; other: string; empty: string };
  cleanup(): Promise<void>;
}

export interface FixtureOptions {
  /** Rows per table for the main tenant (others scale from it). */
  rows?: number;
  /** CREATE DATABASE options of the shared database (e.g. an ICU locale). */
  createWith?: string;
  /** SQL run on the shared database after the fixture's (given the suffix), before any admin role is made. */
  extraSql?: (suffix: string) => string;
}

export function fixtureSql(appRole: string, s: string, rows: number): string {
  const role = pg.escapeIdentifier(appRole);
  const tenant = (slug: string, name: string, n: number, plan: string) => `
    INSERT INTO tenants (slug, name, plan_code, settings) VALUES ('${slug}-${s}', '${name}', '${plan}', '{"theme":"dark","features":["a","b"]}');
    SELECT seed_tenant('${slug}-${s}', ${n});`;
  return `
  CREATE EXTENSION IF NOT EXISTS pgcrypto;
  CREATE SCHEMA analytics;
  CREATE TYPE recommendation_status AS ENUM ('draft', 'accepted', 'rejected');
  CREATE TYPE money_amount AS (currency char(3), cents bigint);
  CREATE DOMAIN email_address AS text CHECK (VALUE ~ '^[^@]+@[^@]+$');

  CREATE TABLE plans (
    code text PRIMARY KEY,
    title text NOT NULL,
    monthly_price money_amount
  );
  INSERT INTO plans VALUES ('free', 'Free', ('USD', 0)), ('pro', 'Pro', ('USD', 4900)), ('enterprise', 'Enterprise', ('USD', 99900));

  CREATE TABLE tenants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug text NOT NULL UNIQUE,
    name text NOT NULL,
    plan_code text NOT NULL REFERENCES plans(code),
    isolation_mode text NOT NULL DEFAULT 'shared' CHECK (isolation_mode IN ('shared', 'isolated')),
    settings jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
  );

  CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants(id),
    email email_address NOT NULL,
    display_name text,
    manager_id bigint REFERENCES users(id),
    roles text[] NOT NULL DEFAULT '{member}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, email)
  );
  CREATE INDEX users_tenant_idx ON users (tenant_id);

  CREATE TABLE projects (
    id serial PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    owner_id bigint REFERENCES users(id),
    name text NOT NULL,
    budget numeric(12,2),
    tags text[],
    metadata jsonb,
    slug_lower text GENERATED ALWAYS AS (lower(name)) STORED,
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX projects_tenant_idx ON projects (tenant_id);
  COMMENT ON TABLE projects IS 'Customer projects';

  CREATE TABLE project_members (
    project_id int NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users(id),
    role text NOT NULL DEFAULT 'viewer',
    PRIMARY KEY (project_id, user_id)
  );
  CREATE INDEX project_members_user_idx ON project_members (user_id);

  CREATE TABLE design_recommendations (
    id bigserial PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants(id),
    project_id int NOT NULL REFERENCES projects(id),
    status recommendation_status NOT NULL DEFAULT 'draft',
    body text NOT NULL,
    score double precision,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX design_recommendations_tenant_idx ON design_recommendations (tenant_id, project_id);

  CREATE TABLE recommendation_votes (
    recommendation_id bigint NOT NULL REFERENCES design_recommendations(id),
    voter text NOT NULL,
    up boolean NOT NULL,
    UNIQUE (recommendation_id, voter)
  );

  CREATE TABLE tech_stack_recommendations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants(id),
    project_id int REFERENCES projects(id),
    stack jsonb NOT NULL,
    statuses recommendation_status[] NOT NULL DEFAULT '{draft}',
    price money_amount,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX tech_stack_recommendations_tenant_idx ON tech_stack_recommendations (tenant_id);

  CREATE TABLE agent_events (
    id bigint GENERATED BY DEFAULT AS IDENTITY,
    tenant_id uuid NOT NULL REFERENCES tenants(id),
    occurred_at timestamptz NOT NULL,
    kind text NOT NULL,
    payload jsonb NOT NULL,
    PRIMARY KEY (id, occurred_at)
  ) PARTITION BY RANGE (occurred_at);
  CREATE TABLE agent_events_2024 PARTITION OF agent_events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE agent_events_2025 PARTITION OF agent_events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
  CREATE TABLE agent_events_default PARTITION OF agent_events DEFAULT;
  CREATE INDEX agent_events_tenant_idx ON agent_events (tenant_id, occurred_at);

  CREATE TABLE audit_logs (
    tenant_id uuid NOT NULL REFERENCES tenants(id),
    at timestamptz NOT NULL DEFAULT now(),
    actor text,
    action text NOT NULL,
    detail text,
    ip inet
  );
  CREATE INDEX audit_logs_tenant_idx ON audit_logs (tenant_id, at);

  CREATE TABLE analytics.daily_usage (
    tenant_id uuid NOT NULL REFERENCES tenants(id),
    day date NOT NULL,
    requests integer NOT NULL DEFAULT 0,
    bytes bigint,
    PRIMARY KEY (tenant_id, day)
  );

  CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN NEW.updated_at := now(); RETURN NEW; END $fn$;
  CREATE TRIGGER projects_touch BEFORE UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
  CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

  CREATE VIEW project_overview AS
    SELECT p.tenant_id, p.id, p.name, count(m.user_id) AS members
    FROM projects p LEFT JOIN project_members m ON m.project_id = p.id
    GROUP BY p.tenant_id, p.id, p.name;
  CREATE VIEW analytics.tenant_totals AS
    SELECT tenant_id, sum(requests) AS requests FROM analytics.daily_usage GROUP BY tenant_id;

  DO $r$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${pg.escapeLiteral(appRole)}) THEN
      CREATE ROLE ${role} LOGIN;
    END IF;
  END $r$;
  GRANT USAGE ON SCHEMA public, analytics TO ${role};
  GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public, analytics TO ${role};
  GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${role};
  ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
  CREATE POLICY tenant_isolation ON projects TO ${role}
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
  ALTER TABLE audit_logs ENABLE ROW LEVEL SECURITY;
  ALTER TABLE audit_logs FORCE ROW LEVEL SECURITY;
  CREATE POLICY audit_tenant ON audit_logs FOR ALL TO ${role}
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

  CREATE FUNCTION seed_tenant(p_slug text, n int) RETURNS void LANGUAGE plpgsql AS $fn$
  DECLARE t uuid; u0 bigint;
  BEGIN
    SELECT id INTO t FROM tenants WHERE slug = p_slug;
    INSERT INTO users (tenant_id, email, display_name, roles)
      SELECT t, 'user' || g || '@' || p_slug || '.example', 'User ' || g || E' \\t "quoted"', ARRAY['member', 'r' || g % 3]
      FROM generate_series(1, greatest(n / 4, 1)) g;
    SELECT min(id) INTO u0 FROM users WHERE tenant_id = t;
    UPDATE users SET manager_id = u0 WHERE tenant_id = t AND id <> u0;
    INSERT INTO projects (tenant_id, owner_id, name, budget, tags, metadata)
      SELECT t, u0, 'Project ' || g, g * 10.5, ARRAY['t' || g % 4, NULL], jsonb_build_object('n', g, 'nested', jsonb_build_object('ok', g % 2 = 0))
      FROM generate_series(1, greatest(n / 4, 1)) g;
    INSERT INTO project_members (project_id, user_id, role)
      SELECT p.id, u.id, CASE WHEN u.id = u0 THEN 'owner' ELSE 'viewer' END
      FROM projects p JOIN users u ON u.tenant_id = p.tenant_id AND (u.id = u0 OR u.id % 5 = p.id % 5)
      WHERE p.tenant_id = t;
    INSERT INTO design_recommendations (tenant_id, project_id, status, body, score)
      SELECT t, p.id, (ARRAY['draft','accepted','rejected']::recommendation_status[])[1 + p.id % 3], repeat('design ', 1 + p.id % 7), p.id / 3.0
      FROM projects p WHERE p.tenant_id = t;
    INSERT INTO recommendation_votes (recommendation_id, voter, up)
      SELECT d.id, 'voter' || v, (d.id + v) % 2 = 0 FROM design_recommendations d, generate_series(1, 2) v WHERE d.tenant_id = t;
    INSERT INTO tech_stack_recommendations (tenant_id, project_id, stack, statuses, price)
      SELECT t, p.id, jsonb_build_object('db', 'postgres', 'lang', ARRAY['ts','go']), ARRAY['draft','accepted']::recommendation_status[], ('EUR', p.id * 100)::money_amount
      FROM projects p WHERE p.tenant_id = t;
    INSERT INTO agent_events (tenant_id, occurred_at, kind, payload)
      SELECT t, timestamptz '2024-06-01 00:00:00+00' + g * interval '3 hours', 'kind' || g % 5, jsonb_build_object('seq', g, 'data', repeat('x', g % 40))
      FROM generate_series(1, n) g;
    INSERT INTO audit_logs (tenant_id, at, actor, action, detail, ip)
      SELECT t, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute', 'actor' || g % 3, 'action.' || g % 4, E'line one\\nline two', '10.0.0.1'::inet
      FROM generate_series(1, n / 2) g;
    INSERT INTO audit_logs (tenant_id, action) SELECT t, 'duplicate' FROM generate_series(1, 2);
    INSERT INTO analytics.daily_usage (tenant_id, day, requests, bytes)
      SELECT t, date '2024-01-01' + g, g * 7, g * 1024 FROM generate_series(1, greatest(n / 10, 1)) g;
  END $fn$;

  ${tenant('acme-corp', 'Acme Corp', rows, 'enterprise')}
  ${tenant('globex', 'Globex', Math.max(4, Math.floor(rows / 5)), 'pro')}
  ${tenant('initech', 'Initech', rows * 2, 'pro')}
  INSERT INTO tenants (slug, name, plan_code) VALUES ('empty-${s}', 'Empty', 'free');
  DROP FUNCTION seed_tenant(text, int);
  ANALYZE;
  `;
}

export async function createSharedFixture(options: FixtureOptions = {}): Promise<SharedFixture> {
  const suffix = uniqueSuffix();
  const dbName = `shared_${suffix}`;
  const appRole = `app_${suffix}`;
  const url = await createDatabase(dbName, options.createWith);
  try {
    await withClient(url, async (c) => {
      await c.query(fixtureSql(appRole, suffix, options.rows ?? 40));
      if (options.extraSql) await c.query(options.extraSql(suffix));
    });
  } catch (e) {
    await dropArtifacts(suffix);
    throw e;
  }
  let admin: NonSuperuser | undefined;
  if (process.env.TEST_ADMIN === 'nonsuper') {
    try {
      admin = await createNonSuperuser(url, { bypassRls: true });
    } catch (e) {
      await dropArtifacts(suffix);
      throw e;
    }
  }
  return {
    suffix,
    dbName,
    url,
    engineUrl: admin?.url ?? url,
    appRole,
    tenants: {
      main: `acme-corp-${suffix}`,
      small: `globex-${suffix}`,
      other: `initech-${suffix}`,
      empty: `empty-${suffix}`,
    },
    cleanup: async () => {
      await dropArtifacts(suffix);
      await admin?.drop();
    },
  };
}

export { DATABASE_URL, urlFor };
