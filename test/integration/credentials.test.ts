import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { runCli, type CliIo } from '../../src/cli/program';
import { memoryLogger } from '../../src/log';
import { deriveNames } from '../../src/names';
import type { PasswordChannel, RunDeps } from '../../src/pipeline/api';
import { promote } from '../../src/pipeline/promote';
import { urlAs } from '../../src/postgres/urls';
import { engineOptions, testDeps } from '../support/engine';
import { type FakeCloudRun, startFakeCloudRun, startFakeHealthServer } from '../support/fake-cloudrun';
import { type FakeSecretManager, startFakeSecretManager } from '../support/fake-secret-manager';
import { sessionsGone } from '../support/fault-checks';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { createNonSuperuser, type NonSuperuser } from '../support/nonsuper';
import { DATABASE_URL, query, urlFor, withClient } from '../support/pg';
import { tempDir } from '../support/tmp';

/**
 * Issue 11, item 4: the password of the tenant's role is never lost. Whenever a run leaves the
 * tenant isolated, the application can get its credentials; a later run rotates the password
 * only if no run ever delivered it; never a plain password in logs, records or the tenants row.
 *
 * The server's pg_hba here is `trust`, so a login proves the role may log in but not that the
 * password is right. What the server would accept under SCRAM is proved from the role's stored
 * verifier (pg_authid, read as the superuser of DATABASE_URL) with `scramAccepts`, which is
 * itself checked against a verifier PostgreSQL computed (not against the tool's own code).
 */

const ROOT = resolve(__dirname, '../..');

/** Whether PostgreSQL, authenticating with SCRAM-SHA-256, accepts `password` for `verifier`. */
function scramAccepts(verifier: string, password: string): boolean {
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  assert.ok(m, 'a SCRAM-SHA-256 verifier');
  const salted = pbkdf2Sync(
    password.normalize('NFKC'),
    Buffer.from(m[2]!, 'base64'),
    Number(m[1]),
    32,
    'sha256',
  );
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return (
    createHash('sha256').update(clientKey).digest('base64') === m[3] && serverKey.toString('base64') === m[4]
  );
}

async function verifierOf(role: string): Promise<string> {
  const rows = await query<{ rolpassword: string | null }>(
    DATABASE_URL,
    'SELECT rolpassword FROM pg_authid WHERE rolname = $1',
    [role],
  );
  assert.ok(rows[0]?.rolpassword, `role ${role} has a password`);
  return rows[0].rolpassword;
}

/** The password works: the server's verifier accepts it, and the role logs in to its database. */
async function assertPasswordWorks(url: string, slug: string, password: string): Promise<void> {
  const names = deriveNames(slug);
  assert.ok(
    scramAccepts(await verifierOf(names.appRole), password),
    'the role’s verifier accepts the password',
  );
  const asApp = urlAs(urlFor(names.database, url), names.appRole, password);
  const rows = await withClient(
    asApp,
    async (c) => (await c.query<{ u: string }>('SELECT current_user AS u')).rows,
  );
  assert.equal(rows[0]?.u, names.appRole);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

async function isolationOf(f: SharedFixture, slug: string) {
  const rows = await query<{ isolation_mode: string; settings: { isolation?: Loose } }>(
    f.url,
    'SELECT isolation_mode, settings FROM tenants WHERE slug = $1',
    [slug],
  );
  return {
    mode: rows[0]!.isolation_mode,
    isolation: rows[0]!.settings.isolation ?? {},
    raw: JSON.stringify(rows[0]),
  };
}

/** Engine dependencies of a front end that delivers (the action's output): every delivery kept. */
function delivering(extra: Partial<RunDeps> = {}) {
  const delivered: string[] = [];
  const log = memoryLogger();
  const deps: RunDeps = {
    ...testDeps('credentials', { log }),
    deliverPassword: async (password: string): Promise<PasswordChannel> => {
      delivered.push(password);
      return 'output';
    },
    ...extra,
  };
  return { deps, delivered, log };
}

/** Nothing the run printed, recorded or stored holds the password. */
function assertNowhere(password: string, places: Record<string, string>): void {
  for (const [where, text] of Object.entries(places))
    assert.ok(!text.includes(password), `no password in ${where}`);
}

function failAt(point: string): RunDeps['fault'] {
  return (p) => {
    if (p === point) throw new Error(`injected failure at ${p}`);
  };
}

/**
 * A promotion in a child process whose front end would deliver the password (like the action),
 * but which is SIGKILLed at `kill` (TENANT_PROMOTION_FAULT). The password the roles step made is
 * reported on stderr through log.secret (for the test only), so the test knows the old password.
 */
async function killedRun(options: Record<string, unknown>, kill: string) {
  const dir = await tempDir('credentials-child-');
  const script = join(dir, 'child.mts');
  await writeFile(
    script,
    `import { promote } from ${JSON.stringify(join(ROOT, 'src/pipeline/promote.ts'))};
const say = (line: string) => process.stderr.write(line + '\\n');
await promote(JSON.parse(process.argv[2]!), {
  log: { info() {}, warn() {}, error() {}, debug() {}, group: async (_t: string, fn: () => Promise<unknown>) => fn(), secret: (v: string) => say('generated ' + v) },
  trigger: { source: 'test', actor: 'credentials-child' },
  deliverPassword: async (p: string) => { say('delivered ' + p); return 'output' as const; },
});
say('finished');
`,
  );
  const env = { ...process.env, TENANT_PROMOTION_FAULT: `kill@${kill}` };
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const signal = await new Promise<NodeJS.Signals | null>((done) => child.on('close', (_c, s) => done(s)));
  const generated = /^generated (\S+)$/m.exec(stderr)?.[1];
  return { signal, generated, delivered: /^delivered /m.test(stderr), stderr };
}

type Subject = 'superuser' | 'non-superuser';

for (const subject of ['superuser', 'non-superuser'] as Subject[]) {
  describe(`credentials without Cloud Run (as ${subject})`, () => {
    let f: SharedFixture;
    let ns: NonSuperuser | undefined;
    let url: string;
    before(async () => {
      f = await createSharedFixture({ rows: 12 });
      ns = subject === 'non-superuser' ? await createNonSuperuser(f.url, { bypassRls: true }) : undefined;
      url = ns?.url ?? f.url;
    });
    after(async () => {
      await f?.cleanup();
      await ns?.drop();
    });

    it('a failure after the switch (cleanup) still delivers the password, which works; the resumed run does not rotate it', async () => {
      const slug = f.tenants.main;
      const opts = await engineOptions(f, slug, { databaseUrl: url });
      const first = delivering({ fault: failAt('before:cleanup') });
      const outcome = await promote(opts as never, first.deps);
      assert.equal(outcome.record.result, 'failed');
      assert.equal(outcome.record.error?.step, 'cleanup');
      assert.equal(outcome.record.committed, true);
      // Delivered through the front end right after the switch, once, and returned as well.
      assert.equal(first.delivered.length, 1);
      const password = first.delivered[0]!;
      assert.equal(outcome.databasePassword, password);
      assert.deepEqual(outcome.credentials, { delivered: 'output', rotated: false, pending: false });
      await assertPasswordWorks(url, slug, password);

      const { mode, isolation, raw } = await isolationOf(f, slug);
      assert.equal(mode, 'isolated');
      assert.equal(isolation.state, 'switched');
      assert.equal(isolation.credentials?.delivered, 'output');
      assert.equal(isolation.credentials?.switched_at, isolation.isolated_at);
      assert.equal(isolation.credentials?.run, outcome.record.runToken);
      assertNowhere(password, {
        'the tenants row': raw,
        'the record': JSON.stringify(outcome.record),
        'the log': first.log.lines.join('\n'),
      });

      // The re-run resumes: the password was delivered, so it is left as it is.
      const verifier = await verifierOf(deriveNames(slug).appRole);
      const second = delivering();
      const resumed = await promote(opts as never, second.deps);
      assert.equal(resumed.record.result, 'promoted', JSON.stringify(resumed.record.error));
      assert.equal(second.delivered.length, 0, 'nothing to deliver');
      assert.equal(resumed.databasePassword, undefined);
      assert.equal(resumed.credentials?.rotated, false);
      assert.match(
        resumed.record.steps.find((s) => s.name === 'credentials')?.detail ?? '',
        /delivered earlier/,
      );
      assert.equal(await verifierOf(deriveNames(slug).appRole), verifier, 'the role’s password is unchanged');
      await assertPasswordWorks(url, slug, password);
      const after = (await isolationOf(f, slug)).isolation;
      assert.equal(after.state, 'complete');
      assert.ok(!after.history.some((h: { event: string }) => h.event === 'password-rotated'));
    });

    it('SIGKILL right after the switch: the re-run rotates, delivers a working password, the old one stops working, and says so', async () => {
      const slug = f.tenants.small;
      const names = deriveNames(slug);
      const opts = await engineOptions(f, slug, { databaseUrl: url });
      const killed = await killedRun(opts, 'after:switch');
      assert.equal(killed.signal, 'SIGKILL', killed.stderr);
      assert.ok(killed.generated, 'the child made a password');
      assert.equal(killed.delivered, false, 'killed before it could deliver it');
      const old = killed.generated;
      assert.ok(scramAccepts(await verifierOf(names.appRole), old), 'the switched role has the old password');
      const switched = await isolationOf(f, slug);
      assert.equal(switched.mode, 'isolated');
      assert.equal(switched.isolation.credentials, undefined, 'no delivery recorded');
      assert.equal(await sessionsGone([f.dbName, names.database]), 0);

      const rerun = delivering();
      const outcome = await promote(opts as never, rerun.deps);
      assert.equal(outcome.record.result, 'promoted', JSON.stringify(outcome.record.error));
      assert.equal(rerun.delivered.length, 1, 'the new password was delivered');
      const fresh = rerun.delivered[0]!;
      assert.notEqual(fresh, old);
      assert.equal(outcome.databasePassword, fresh);
      assert.deepEqual(outcome.credentials, { delivered: 'output', rotated: true, pending: false });
      await assertPasswordWorks(url, slug, fresh);
      assert.equal(
        scramAccepts(await verifierOf(names.appRole), old),
        false,
        'the old password no longer works',
      );

      // The report says so: the step, a note, and the audit history.
      assert.match(outcome.record.steps.find((s) => s.name === 'credentials')?.detail ?? '', /rotated/);
      assert.ok(outcome.record.notes.some((n) => /was rotated/.test(n)));
      const { isolation, raw } = await isolationOf(f, slug);
      assert.equal(isolation.state, 'complete');
      assert.equal(isolation.credentials?.delivered, 'output');
      assert.equal(isolation.credentials?.rotations, 1);
      assert.ok(isolation.history.some((h: { event: string }) => h.event === 'password-rotated'));
      assertNowhere(fresh, {
        'the tenants row': raw,
        'the record': JSON.stringify(outcome.record),
        'the log': rerun.log.lines.join('\n'),
      });

      // Delivered now: a third run changes nothing.
      const third = delivering();
      const again = await promote(opts as never, third.deps);
      assert.equal(again.record.result, 'already-isolated');
      assert.equal(third.delivered.length, 0);
      assert.equal(again.databasePassword, undefined);
      assert.ok(scramAccepts(await verifierOf(names.appRole), fresh));
    });

    it('a front end with no way to deliver (CLI without --password-file): recorded undelivered; a later run that can rotates it, once', async () => {
      const slug = f.tenants.other;
      const names = deriveNames(slug);
      const opts = await engineOptions(f, slug, { databaseUrl: url });
      const first = await promote(opts as never, testDeps('credentials'));
      assert.equal(first.record.result, 'promoted', JSON.stringify(first.record.error));
      assert.deepEqual(first.credentials, { rotated: false, pending: true });
      assert.ok(first.record.notes.some((n) => /was not delivered/.test(n)));
      const recorded = (await isolationOf(f, slug)).isolation;
      assert.equal(recorded.state, 'complete');
      assert.ok(recorded.credentials && !recorded.credentials.delivered, 'recorded as not delivered');

      // Without a way to deliver, a later run leaves it alone (and does not even claim the tenant).
      const idle = await promote(opts as never, testDeps('credentials'));
      assert.equal(idle.record.result, 'already-isolated');
      assert.equal(idle.record.runToken, undefined);
      assert.equal(idle.record.steps.find((s) => s.name === 'credentials')?.status, 'skipped');

      const later = delivering();
      const outcome = await promote(opts as never, later.deps);
      assert.equal(outcome.record.result, 'already-isolated', JSON.stringify(outcome.record.error));
      assert.equal(later.delivered.length, 1);
      assert.equal(outcome.credentials?.rotated, true);
      await assertPasswordWorks(url, slug, later.delivered[0]!);
      assert.equal(scramAccepts(await verifierOf(names.appRole), first.databasePassword!), false);
      const { isolation } = await isolationOf(f, slug);
      assert.equal(isolation.credentials?.delivered, 'output');
      assert.equal(isolation.run?.id, outcome.record.runToken, 'the rotating run claimed the tenant');

      const last = delivering();
      const none = await promote(opts as never, last.deps);
      assert.equal(none.record.result, 'already-isolated');
      assert.equal(last.delivered.length, 0, 'delivered once: never rotated again');
    });
  });
}

describe('the front ends deliver at once', () => {
  let f: SharedFixture;
  before(async () => {
    f = await createSharedFixture({ rows: 12 });
  });
  after(async () => {
    await f?.cleanup();
  });

  it('CLI --password-file: written (mode 0600, over a wider file) right after the switch, though cleanup then fails', async () => {
    const slug = f.tenants.main;
    const dir = await tempDir('credentials-cli-');
    const file = join(dir, 'tenant.password');
    await writeFile(file, 'stale\n', { mode: 0o644 });
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      env: {},
      confirm: { interactive: false, show: () => undefined, ask: async () => '' },
    };
    const saved = process.env.TENANT_PROMOTION_FAULT;
    process.env.TENANT_PROMOTION_FAULT = 'fail@before:cleanup';
    let code: number;
    try {
      code = await runCli(
        [
          'promote',
          `--tenant-slug=${slug}`,
          '--confirm',
          '--no-cloud-run',
          `--database-url=${f.url}`,
          `--config-dir=${join(dir, 'config')}`,
          '--env-file=/dev/null',
          `--password-file=${file}`,
        ],
        io,
      );
    } finally {
      if (saved === undefined) delete process.env.TENANT_PROMOTION_FAULT;
      else process.env.TENANT_PROMOTION_FAULT = saved;
    }
    assert.equal(code, 1, err.join(''));
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const password = (await readFile(file, 'utf8')).trim();
    assert.notEqual(password, 'stale');
    await assertPasswordWorks(f.url, slug, password);
    assertNowhere(password, { stdout: out.join(''), stderr: err.join('') });
    assert.equal((await isolationOf(f, slug)).isolation.credentials?.delivered, 'file');
  });
});

describe('scramAccepts (the test’s own check) agrees with PostgreSQL', () => {
  it('accepts the password PostgreSQL hashed and rejects another', async () => {
    const role = `tp_scram_check_${process.pid}`;
    await withClient(DATABASE_URL, async (c) => {
      await c.query(`SET password_encryption = 'scram-sha-256'`);
      await c.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
      await c.query(`CREATE ROLE ${pg.escapeIdentifier(role)} NOLOGIN PASSWORD 'correct horse battery'`);
    });
    try {
      const verifier = await verifierOf(role);
      assert.equal(scramAccepts(verifier, 'correct horse battery'), true);
      assert.equal(scramAccepts(verifier, 'correct horse battery!'), false);
    } finally {
      await query(DATABASE_URL, `DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
    }
  });
});

const PROJECT = 'acme-prod';
const REGION = 'europe-west1';

describe('credentials with Cloud Run (fake Google at the wire)', () => {
  let f: SharedFixture;
  let run: FakeCloudRun;
  let sm: FakeSecretManager;
  let health: Awaited<ReturnType<typeof startFakeHealthServer>>;
  const secret = () => sm.secrets.get(`projects/${PROJECT}/secrets/tenant-db-password`)!;
  before(async () => {
    health = await startFakeHealthServer([200]);
    [f, run, sm] = await Promise.all([
      createSharedFixture({ rows: 12 }),
      startFakeCloudRun({ uri: health.url }),
      startFakeSecretManager(),
    ]);
    sm.createSecret(PROJECT, 'tenant-db-password');
  });
  after(async () => {
    await Promise.all([run?.close(), sm?.close(), health?.close()]);
    await f?.cleanup();
  });

  const options = async (slug: string) =>
    engineOptions(f, slug, {
      skipCloudRun: false,
      cloudRun: {
        project: PROJECT,
        region: REGION,
        image: 'europe-docker.pkg.dev/acme/apps/api:1.4.2',
        apiEndpoint: run.endpoint,
        secretManagerEndpoint: sm.endpoint,
        dbPasswordSecret: 'tenant-db-password',
        deadlineSeconds: 20,
      },
    });
  const serviceOf = (slug: string) =>
    run.services.get(`projects/${PROJECT}/locations/${REGION}/services/${deriveNames(slug).service}`) as
      | {
          latestReadyRevision: string;
          traffic?: { type: string; revision?: string; percent?: number }[];
          template: { containers: { env: { name: string; valueSource?: Loose }[] }[] };
        }
      | undefined;
  /** The revision taking all traffic: the pinned one, or the latest ready one. */
  const servingRevision = (slug: string) => {
    const service = serviceOf(slug)!;
    const pinned = service.traffic?.find((t) => t.type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION');
    return pinned?.revision ?? service.latestReadyRevision.split('/').pop();
  };
  const passwordVersion = (slug: string) =>
    serviceOf(slug)!.template.containers[0]!.env.find((e) => e.name === 'DB_PASSWORD')!.valueSource!
      .secretKeyRef.version as string;
  const versionData = (version: string) => secret()[Number(version) - 1]!.data!.toString('utf8');

  it('the run that switched: Secret Manager holds the password (recorded), and it is also handed on; a run stopped right after the switch is not followed by a rotation', async () => {
    const slug = f.tenants.main;
    const opts = await options(slug);
    const first = delivering({ fault: failAt('after:switch') });
    const stopped = await promote(opts as never, first.deps);
    assert.equal(stopped.record.result, 'failed');
    assert.equal(stopped.record.committed, true);
    assert.equal(first.delivered.length, 0, 'stopped before the credentials step');
    // Still, the password is delivered: the service reads the version the deploy wrote before the switch.
    const version = passwordVersion(slug);
    const password = versionData(version);
    await assertPasswordWorks(f.url, slug, password);

    const versionsBefore = secret().length;
    const updatesBefore = run.callsOf('UpdateService').length;
    const rerun = delivering();
    const outcome = await promote(opts as never, rerun.deps);
    assert.equal(outcome.record.result, 'promoted', JSON.stringify(outcome.record.error));
    assert.equal(rerun.delivered.length, 0);
    assert.deepEqual(outcome.credentials, { delivered: 'secret-manager', rotated: false, pending: false });
    assert.equal(secret().length, versionsBefore, 'no new secret version');
    assert.equal(run.callsOf('UpdateService').length, updatesBefore, 'no new revision');
    await assertPasswordWorks(f.url, slug, password);
    const { isolation } = await isolationOf(f, slug);
    assert.equal(isolation.credentials?.delivered, 'secret-manager');
  });

  it('a fresh promotion records the Secret Manager delivery and hands the password on too', async () => {
    const slug = f.tenants.other;
    const opts = await options(slug);
    const d = delivering();
    const outcome = await promote(opts as never, d.deps);
    assert.equal(outcome.record.result, 'promoted', JSON.stringify(outcome.record.error));
    assert.equal(d.delivered.length, 1);
    assert.equal(d.delivered[0], versionData(passwordVersion(slug)));
    assert.equal((await isolationOf(f, slug)).isolation.credentials?.delivered, 'secret-manager');
    assert.ok(
      !JSON.stringify(run.calls).includes(d.delivered[0]!),
      'no plain password in a Cloud Run request',
    );
  });

  it('a rotation adds a secret version and deploys a revision using it before the role’s password changes; a failed deploy changes nothing', async () => {
    const slug = f.tenants.small;
    const names = deriveNames(slug);
    const opts = await options(slug);
    const stopped = await promote(opts as never, delivering({ fault: failAt('after:switch') }).deps);
    assert.equal(stopped.record.committed, true);
    const oldVersion = passwordVersion(slug);
    const oldPassword = versionData(oldVersion);
    // A service whose record does not show the password delivered (no secret version recorded):
    // the next run must rotate, and the service must get the new password before the role does.
    await query(
      f.url,
      `UPDATE tenants SET settings = settings #- '{isolation,service,secret_version}' WHERE slug = $1`,
      [slug],
    );
    const revisionBefore = servingRevision(slug);

    // The rotation's deploy fails: the role keeps its password, the service its revision, and
    // the version added for the rotation is retired.
    run.failNextUpdate('injected deploy failure');
    const versionsBefore = secret().length;
    const failed = delivering();
    const broken = await promote(opts as never, failed.deps);
    assert.equal(broken.record.result, 'failed');
    assert.equal(broken.record.error?.step, 'credentials');
    assert.equal(failed.delivered.length, 0);
    assert.ok(scramAccepts(await verifierOf(names.appRole), oldPassword), 'the role keeps its password');
    assert.equal(servingRevision(slug), revisionBefore, 'the service serves the revision it served before');
    assert.equal(secret().length, versionsBefore + 1);
    assert.notEqual(secret()[versionsBefore]!.state, 'ENABLED', 'the rotation’s version was retired');
    assert.equal((await isolationOf(f, slug)).isolation.credentials, undefined);

    const d = delivering();
    const outcome = await promote(opts as never, d.deps);
    assert.equal(outcome.record.result, 'promoted', JSON.stringify(outcome.record.error));
    assert.equal(outcome.credentials?.rotated, true);
    assert.equal(outcome.credentials?.delivered, 'secret-manager');
    const newVersion = passwordVersion(slug);
    assert.notEqual(newVersion, oldVersion);
    assert.notEqual(servingRevision(slug), revisionBefore, 'a new revision serves');
    const newPassword = versionData(newVersion);
    assert.equal(outcome.databasePassword, newPassword);
    await assertPasswordWorks(f.url, slug, newPassword);
    assert.equal(
      scramAccepts(await verifierOf(names.appRole), oldPassword),
      false,
      'the old password stopped working',
    );
    const { isolation } = await isolationOf(f, slug);
    assert.equal(isolation.service?.secret_version?.split('/').pop(), newVersion);
    assert.equal(isolation.credentials?.delivered, 'secret-manager');
    assert.ok(isolation.history.some((h: { event: string }) => h.event === 'password-rotated'));
    assert.match(outcome.record.steps.find((s) => s.name === 'credentials')?.detail ?? '', /rotated/);
    assert.ok(!JSON.stringify(run.calls).includes(newPassword), 'no plain password in a Cloud Run request');
  });
});
