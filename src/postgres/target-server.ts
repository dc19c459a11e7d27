import type pg from 'pg';
import { PromotionError, settingName, type FrontEnd } from '../errors';
import { readLocale } from './database';
import { readRole } from './privileges';
import { serverName } from './servers';
import { majorVersionProblem, serverVersion } from './versions';

/**
 * What a separate target server must offer before anything is created on it: the privileges
 * to create the tenant's database and roles, the shared server's major version or a newer one,
 * the extensions the shared database uses, and its locale (collation, ctype, locale provider)
 * and the built-in collations its columns use. Each shortfall is one line naming the fix;
 * `assertTargetServer` refuses with all of them at once. Read-only on both servers.
 */
export interface TargetFindings {
  /** e.g. "15.4" */
  version: string;
  problems: string[];
}

export async function inspectTargetServer(
  shared: pg.ClientBase,
  target: pg.ClientBase,
  opts: { frontEnd?: FrontEnd; targetUrl: string },
): Promise<TargetFindings> {
  const problems: string[] = [];
  const where = serverName(opts.targetUrl);
  const input = settingName('target-database-url', opts.frontEnd);

  // The shared server itself under another name (localhost for 127.0.0.1, a DNS alias): one
  // server, with roles cluster-wide, is the default setting, not a target server.
  const identity = `SELECT pg_postmaster_start_time()::text AS started, d.oid::text AS oid
                      FROM pg_database d WHERE d.datname = $1`;
  const sharedName = (await shared.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;
  const [here, there] = [
    (await shared.query<{ started: string; oid: string }>(identity, [sharedName])).rows[0],
    (await target.query<{ started: string; oid: string }>(identity, [sharedName])).rows[0],
  ];
  if (here && there && here.started === there.started && here.oid === there.oid) {
    return {
      version: '',
      problems: [
        `${input} names the shared server itself (${where} is the server of the shared database "${sharedName}"); leave it empty to create the tenant's database on the shared server, or name another server`,
      ],
    };
  }

  const role = await readRole(target);
  if (!role.superuser && !(role.createDb && role.createRole)) {
    const missing = [!role.createDb && 'CREATEDB', !role.createRole && 'CREATEROLE'].filter(Boolean);
    problems.push(
      `role "${role.name}" on the target server ${where} lacks ${missing.join(' and ')}, which creating the tenant's database and roles needs (fix: ALTER ROLE ${role.name} CREATEDB CREATEROLE on the target, or set ${input} to a role that has both)`,
    );
  }

  // Row-level security is cloned as it is: on the target, the admin role copies and checks the
  // rows of those tables only if the policies cannot hide them from it.
  if (!role.superuser && !role.bypassRls) {
    const { rows: secured } = await shared.query<{ tbl: string }>(
      `SELECT c.oid::regclass::text AS tbl FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND c.relrowsecurity
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    );
    if (secured.length) {
      problems.push(
        `role "${role.name}" on the target server ${where} is subject to row-level security, which ${secured.length} shared table(s) have (${secured
          .slice(0, 5)
          .map((r) => r.tbl)
          .join(
            ', ',
          )}): their rows would be hidden from the copy and the checks (fix: ALTER ROLE ${role.name} BYPASSRLS on the target, or set ${input} to a role that has it)`,
      );
    }
  }

  const [source, dest] = [await serverVersion(shared), await serverVersion(target)];
  const problem = majorVersionProblem({ source, target: dest }, where, input);
  if (problem) problems.push(problem);

  // Extensions: those installed in the shared database must be installable on the target.
  const { rows: extensions } = await shared.query<{ extname: string; extversion: string }>(
    `SELECT extname, extversion FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1`,
  );
  if (extensions.length) {
    const { rows: available } = await target.query<{ name: string }>(
      `SELECT name FROM pg_available_extensions WHERE name = ANY ($1::text[])`,
      [extensions.map((e) => e.extname)],
    );
    const there = new Set(available.map((r) => r.name));
    const missing = extensions.filter((e) => !there.has(e.extname));
    if (missing.length) {
      problems.push(
        `extension(s) the shared database uses are not available on the target server ${where}: ${missing
          .map((e) => `${e.extname} ${e.extversion}`)
          .join(
            ', ',
          )} (fix: install them on the target — on a managed server, enable them in its settings — or choose a target that has them)`,
      );
    }
  }

  // The database's locale: the target creates tenant_<slug> with the shared database's.
  const locale = await readLocale(shared);
  const builtIn = (name: string) => ['C', 'POSIX', 'C.UTF-8', 'C.utf8', 'ucs_basic'].includes(name);
  if (locale.provider === 'i') {
    const icu = await target.query(`SELECT 1 FROM pg_collation WHERE collprovider = 'i' LIMIT 1`);
    if (!icu.rowCount) {
      problems.push(
        `the shared database uses the ICU locale provider (${locale.icuLocale ?? '?'}) and the target server ${where} has no ICU support (fix: a target built with ICU)`,
      );
    }
  }
  for (const value of new Set([locale.collate, locale.ctype])) {
    if (builtIn(value)) continue;
    const found = await target.query(
      `SELECT 1 FROM pg_collation WHERE collprovider = 'c' AND (collcollate = $1 OR collname = $1) LIMIT 1`,
      [value],
    );
    if (!found.rowCount) {
      problems.push(
        `the shared database's locale ${value} (LC_COLLATE/LC_CTYPE) is not available on the target server ${where} (fix: generate that locale on the target's host, or choose a target that has it)`,
      );
    }
  }

  // Built-in collations the shared tables' columns use by name (user-defined ones are cloned).
  const { rows: used } = await shared.query<{ collname: string }>(
    `SELECT DISTINCT co.collname
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_collation co ON co.oid = a.attcollation JOIN pg_namespace cn ON cn.oid = co.collnamespace
      WHERE a.attnum > 0 AND NOT a.attisdropped AND cn.nspname = 'pg_catalog' AND co.collname <> 'default'
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
      ORDER BY 1`,
  );
  if (used.length) {
    const { rows: present } = await target.query<{ collname: string }>(
      `SELECT collname FROM pg_collation WHERE collname = ANY ($1::text[]) AND collnamespace = 'pg_catalog'::regnamespace`,
      [used.map((u) => u.collname)],
    );
    const there = new Set(present.map((r) => r.collname));
    const missing = used.filter((u) => !there.has(u.collname)).map((u) => u.collname);
    if (missing.length) {
      problems.push(
        `collation(s) the shared tables' columns use are missing on the target server ${where}: ${missing.join(', ')} (fix: a target with the same locales and ICU support, or CREATE COLLATION them there)`,
      );
    }
  }
  return { version: dest.text, problems };
}

/** Refuses, naming every problem found and that nothing was created, when the target falls short. */
export function assertTargetServer(findings: TargetFindings, targetUrl: string): void {
  if (!findings.problems.length) return;
  throw new PromotionError(
    'target-server',
    `The target server ${serverName(targetUrl)} cannot host the tenant; nothing was created: ${findings.problems.join('; ')}.`,
    'Fix what is named above on the target server (or choose another), then re-run.',
  );
}

/**
 * An isolated tenant's database is where its record says: a run (resume, rollback, status) given
 * another target server — or none, for a tenant on a server of its own — is refused, naming the
 * server to pass, before it reads or changes anything there.
 */
export function assertRecordedServer(
  recorded: string | undefined,
  given: { separate: boolean; targetAdminUrl: string },
  slug: string,
  frontEnd?: FrontEnd,
): void {
  const now = given.separate ? serverName(given.targetAdminUrl) : undefined;
  if (recorded === now) return;
  const input = settingName('target-database-url', frontEnd);
  throw new PromotionError(
    'target-server',
    recorded
      ? `Tenant "${slug}" was promoted to the target server ${recorded}, but ${now ? `${input} names ${now}` : `${input} is not set`}; nothing was read or changed there.`
      : `Tenant "${slug}" was promoted to its database on the shared server, but ${input} names ${now}; nothing was read or changed there.`,
    recorded
      ? `Set ${input} to an admin connection of ${recorded}.`
      : `Leave ${input} empty for this tenant.`,
  );
}
