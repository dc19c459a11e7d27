import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEnvFile, resolveConfig, type ConfigInput } from '../../src/cli/config';
import { confirmOperation, type ConfirmIo } from '../../src/cli/confirm';
import { runCli, type CliIo } from '../../src/cli/program';
import { terminalUi } from '../../src/cli/terminal';
import { InputError } from '../../src/errors';
import { redact } from '../../src/secrets';

const URL_A = 'postgres://admin@db-a:5432/shared';

function base(over: Partial<ConfigInput> = {}): ConfigInput {
  return { flags: { tenantSlug: 'acme-corp', cloudRun: false }, env: {}, ...over };
}

function throwsInput(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    assert.match(e.message, pattern);
    assert.ok(e.hint && e.hint.length > 0, 'an input error carries a hint');
    return true;
  });
}

describe('parseEnvFile', () => {
  it('reads KEY=VALUE lines with comments, export prefixes and quotes', () => {
    const values = parseEnvFile(
      [
        '# comment',
        '',
        'DB_HOST=db.internal',
        'export DB_NAME="factory shared"',
        "DB_USER='app user'",
        'CLOUD_RUN_REGION=europe-west1   # inline comment',
        'DB_PASSWORD="p#ss\\"word"',
      ].join('\n'),
    );
    assert.deepEqual(values, {
      DB_HOST: 'db.internal',
      DB_NAME: 'factory shared',
      DB_USER: 'app user',
      CLOUD_RUN_REGION: 'europe-west1',
      DB_PASSWORD: 'p#ss"word',
    });
  });

  it('names the file and line of a line that is not an assignment', () => {
    throwsInput(() => parseEnvFile('DB_HOST=x\nnot an assignment\n', 'my.env'), /^my\.env:2: /);
    throwsInput(
      () => parseEnvFile('DB_NAME="open\n', 'my.env'),
      /my\.env:1: unterminated quote in the value of DB_NAME/,
    );
  });
});

describe('resolveConfig precedence', () => {
  it('flags beat the environment, which beats the file', () => {
    const file = {
      path: 'x.env',
      values: {
        DATABASE_URL: 'postgres://f@file:5432/f',
        CONFIG_DIR: 'from-file',
        BASE_DOMAIN: 'file.example',
        TENANT_KEY: 'file_key',
      },
    };
    const env = { DATABASE_URL: URL_A, CONFIG_DIR: 'from-env', BASE_DOMAIN: 'env.example' };
    const { options, sources } = resolveConfig(
      base({ flags: { tenantSlug: 'acme-corp', cloudRun: false, configDir: 'from-flag' }, env, file }),
    );
    assert.equal(options.configDir, 'from-flag');
    assert.equal(sources.configDir, '--config-dir');
    assert.equal(options.baseDomain, 'env.example');
    assert.equal(sources.baseDomain, 'BASE_DOMAIN (environment)');
    assert.equal(options.tenantKey, 'file_key');
    assert.equal(sources.tenantKey, 'TENANT_KEY (x.env)');
    assert.equal(options.databaseUrl, URL_A);
  });

  it('--tenant-id-column beats TENANT_ID_COLUMN; unset by default', () => {
    const env = { DATABASE_URL: URL_A, TENANT_ID_COLUMN: 'code' };
    assert.equal(resolveConfig(base({ env: { DATABASE_URL: URL_A } })).options.tenantIdColumn, undefined);
    const fromEnv = resolveConfig(base({ env }));
    assert.equal(fromEnv.options.tenantIdColumn, 'code');
    assert.equal(fromEnv.sources.tenantIdColumn, 'TENANT_ID_COLUMN (environment)');
    const fromFlag = resolveConfig(
      base({ flags: { tenantSlug: 'acme-corp', cloudRun: false, tenantIdColumn: 'store_id' }, env }),
    );
    assert.equal(fromFlag.options.tenantIdColumn, 'store_id');
    assert.equal(fromFlag.sources.tenantIdColumn, '--tenant-id-column');
    throwsInput(
      () => resolveConfig(base({ env: { DATABASE_URL: URL_A, TENANT_ID_COLUMN: 'id; drop' } })),
      /^TENANT_ID_COLUMN \(environment\): must be a plain SQL identifier/,
    );
  });

  it('builds the connection from DB_* when DATABASE_URL is absent, env part by part over the file', () => {
    const file = {
      path: 'x.env',
      values: { DB_HOST: 'file-host', DB_NAME: 'shared', DB_USER: 'svc', DB_PORT: '6432' },
    };
    const env = { DB_HOST: 'env-host', DB_PASSWORD: 's3cr/t@pw' };
    const { options } = resolveConfig(base({ env, file }));
    const u = new URL(options.databaseUrl);
    assert.equal(u.hostname, 'env-host');
    assert.equal(u.port, '6432');
    assert.equal(u.pathname, '/shared');
    assert.equal(u.username, 'svc');
    assert.equal(decodeURIComponent(u.password), 's3cr/t@pw');
    // The password is registered as a secret: it never reaches a log line.
    assert.equal(redact('password is s3cr/t@pw'), 'password is ***');
  });

  it('fills DB_PASSWORD into a DATABASE_URL that has none', () => {
    const { options } = resolveConfig(base({ env: { DATABASE_URL: URL_A, DB_PASSWORD: 'hunter22' } }));
    assert.equal(new URL(options.databaseUrl).password, 'hunter22');
  });

  it('reads booleans from flags and variables; --no-cloud-run and SKIP_CLOUD_RUN both skip Cloud Run', () => {
    const a = resolveConfig(base({ env: { DATABASE_URL: URL_A, KEEP_SHARED_DATA: 'true' } }));
    assert.equal(a.options.keepSharedData, true);
    assert.equal(a.options.skipCloudRun, true);
    const b = resolveConfig({
      flags: { tenantSlug: 'acme-corp', keepSharedData: false },
      env: { DATABASE_URL: URL_A, KEEP_SHARED_DATA: 'yes', SKIP_CLOUD_RUN: '1' },
    });
    assert.equal(b.options.keepSharedData, false, 'the flag wins over the variable');
    assert.equal(b.options.skipCloudRun, true);
    assert.equal(b.options.cloudRun, undefined);
  });

  it('builds Cloud Run options from the variables when Cloud Run is on', () => {
    const { options } = resolveConfig({
      flags: { tenantSlug: 'acme-corp', region: 'europe-west4' },
      env: {
        DATABASE_URL: URL_A,
        GOOGLE_CLOUD_PROJECT: 'proj-1',
        CONTAINER_IMAGE: 'img:1',
        CLOUD_RUN_REGION: 'us-east1',
      },
    });
    assert.equal(options.skipCloudRun, false);
    assert.equal(options.cloudRun?.project, 'proj-1');
    assert.equal(options.cloudRun?.image, 'img:1');
    assert.equal(options.cloudRun?.region, 'europe-west4');
  });
});

describe('resolveConfig Cloud Run modes', () => {
  it('rollback configures Cloud Run only when a project is set, without needing an image', () => {
    const none = resolveConfig({
      flags: { tenantSlug: 'acme-corp' },
      env: { DATABASE_URL: URL_A },
      cloudRun: 'optional',
    });
    assert.equal(none.options.cloudRun, undefined);
    const withProject = resolveConfig({
      flags: { tenantSlug: 'acme-corp' },
      env: { DATABASE_URL: URL_A, GOOGLE_CLOUD_PROJECT: 'proj-1', CLOUD_RUN_REGION: 'europe-west1' },
      cloudRun: 'optional',
    });
    assert.equal(withProject.options.cloudRun?.project, 'proj-1');
    assert.equal(withProject.options.cloudRun?.region, 'europe-west1');
  });

  it('status never needs Cloud Run settings', () => {
    const { options } = resolveConfig({
      flags: { tenantSlug: 'acme-corp' },
      env: { DATABASE_URL: URL_A },
      cloudRun: 'off',
    });
    assert.equal(options.skipCloudRun, true);
    assert.equal(options.cloudRun, undefined);
  });
});

describe('resolveConfig errors name the variable', () => {
  it('a bad boolean names the variable and where it was set', () => {
    throwsInput(
      () => resolveConfig(base({ env: { DATABASE_URL: URL_A, KEEP_SHARED_DATA: 'maybe' } })),
      /KEEP_SHARED_DATA \(environment\) must be true or false, got "maybe"/,
    );
    throwsInput(
      () =>
        resolveConfig({
          flags: { tenantSlug: 'acme-corp' },
          env: { DATABASE_URL: URL_A },
          file: { path: 'f.env', values: { SKIP_CLOUD_RUN: 'sometimes' } },
        }),
      /SKIP_CLOUD_RUN \(f\.env\) must be true or false/,
    );
  });

  it('a bad number names the variable', () => {
    throwsInput(
      () => resolveConfig(base({ env: { DATABASE_URL: URL_A, MAX_FREEZE_MS: '2s' } })),
      /MAX_FREEZE_MS \(environment\) must be a whole number/,
    );
    throwsInput(
      () => resolveConfig(base({ env: { DATABASE_URL: URL_A, COPY_PARALLELISM: '99' } })),
      /^COPY_PARALLELISM \(environment\): /,
    );
  });

  it('a bad slug names the flag and the rule', () => {
    throwsInput(
      () =>
        resolveConfig({ flags: { tenantSlug: 'Acme Corp', cloudRun: false }, env: { DATABASE_URL: URL_A } }),
      /^--tenant-slug "Acme Corp": .*lowercase/,
    );
  });

  it('a bad identifier from the file names the variable', () => {
    throwsInput(
      () =>
        resolveConfig(
          base({
            env: { DATABASE_URL: URL_A },
            file: { path: 'f.env', values: { TENANT_KEY: 'tenant_id; drop table x' } },
          }),
        ),
      /^TENANT_KEY \(f\.env\): must be a plain SQL identifier/,
    );
  });

  it('a missing connection names the variables to set', () => {
    throwsInput(
      () => resolveConfig(base()),
      /none of --database-url, DATABASE_URL or DB_HOST\/DB_NAME is set/,
    );
    throwsInput(() => resolveConfig(base({ env: { DB_HOST: 'h' } })), /DB_HOST is set .* but DB_NAME is not/);
    throwsInput(
      () => resolveConfig(base({ env: { DB_HOST: 'h', DB_NAME: 'd', DB_PORT: 'abc' } })),
      /DB_PORT \(environment\) must be a port number/,
    );
    throwsInput(
      () => resolveConfig(base({ env: { DATABASE_URL: 'mysql://x@y/z' } })),
      /DATABASE_URL \(environment\) must start with postgres:\/\//,
    );
  });

  it('Cloud Run without project or image names the missing variables', () => {
    throwsInput(
      () =>
        resolveConfig({
          flags: { tenantSlug: 'acme-corp' },
          env: { DATABASE_URL: URL_A, CONTAINER_IMAGE: 'img' },
        }),
      /Cloud Run is enabled but GOOGLE_CLOUD_PROJECT is not set/,
    );
  });

  it('never puts the password into an error', () => {
    assert.throws(
      () =>
        resolveConfig(base({ env: { DATABASE_URL: 'postgres://u:topsecret99@h/d', MAX_FREEZE_MS: 'x' } })),
      (e: Error) => !e.message.includes('topsecret99'),
    );
  });
});

function fakeIo(env: Record<string, string> = {}): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    env,
    confirm: { interactive: false, show: () => undefined, ask: async () => '' },
  };
}

describe('command line parsing', () => {
  it('rejects unknown flags with a usage error', async () => {
    const io = fakeIo();
    assert.equal(await runCli(['status', '--tenant-slug=acme-corp', '--bogus'], io), 2);
    assert.match(io.err.join(''), /unknown option '--bogus'/);
  });

  it('rejects unknown commands and a missing --tenant-slug', async () => {
    const a = fakeIo();
    assert.equal(await runCli(['explode'], a), 2);
    assert.match(a.err.join(''), /unknown command 'explode'/);
    const b = fakeIo();
    assert.equal(await runCli(['promote', '--confirm'], b), 2);
    assert.match(b.err.join(''), /Missing --tenant-slug/);
    const c = fakeIo();
    assert.equal(await runCli(['status'], c), 2);
    assert.match(c.err.join(''), /required option '--tenant-slug <slug>' not specified/);
  });

  it('a bad variable is reported by name before anything connects', async () => {
    const io = fakeIo({ DATABASE_URL: URL_A, KEEP_SHARED_DATA: 'perhaps' });
    assert.equal(
      await runCli(
        ['promote', '--tenant-slug=acme-corp', '--no-cloud-run', '--env-file=/nonexistent/none.env'],
        io,
      ),
      2,
    );
    assert.match(io.err.join(''), /Cannot read the env file \/nonexistent\/none\.env/);
    const io2 = fakeIo({ DATABASE_URL: URL_A, KEEP_SHARED_DATA: 'perhaps' });
    assert.equal(
      await runCli(['promote', '--tenant-slug=acme-corp', '--no-cloud-run', '--env-file=/dev/null'], io2),
      2,
    );
    assert.match(io2.err.join(''), /error: KEEP_SHARED_DATA \(environment\) must be true or false/);
    assert.match(io2.err.join(''), /hint: /);
  });

  it('prints help for every command', async () => {
    for (const cmd of ['promote', 'status', 'rollback']) {
      const io = fakeIo();
      assert.equal(await runCli([cmd, '--help'], io), 0);
      const text = io.out.join('');
      assert.match(text, new RegExp(`Usage: tenant-isolation ${cmd} \\[options\\]`));
      assert.match(text, /--tenant-slug <slug>/);
    }
  });
});

describe('confirmation', () => {
  const io = (answer: string, interactive = true): ConfirmIo & { shown: string[] } => {
    const shown: string[] = [];
    return { shown, interactive, show: (t) => void shown.push(t), ask: async () => answer };
  };

  it('refuses without --confirm when there is no terminal, without building the plan', async () => {
    let planned = false;
    await assert.rejects(
      confirmOperation(
        {
          operation: 'promote',
          slug: 'acme-corp',
          confirmed: false,
          plan: async () => ((planned = true), 'plan'),
        },
        io('', false),
      ),
      /Refusing to promote "acme-corp" without --confirm/,
    );
    assert.equal(planned, false);
  });

  it('shows the plan and goes ahead only when the slug is typed back', async () => {
    const yes = io('acme-corp');
    await confirmOperation(
      { operation: 'promote', slug: 'acme-corp', confirmed: false, plan: async () => 'THE PLAN' },
      yes,
    );
    assert.deepEqual(yes.shown, ['THE PLAN']);
    await assert.rejects(
      confirmOperation(
        { operation: 'rollback', slug: 'acme-corp', confirmed: false, plan: async () => 'p' },
        io('y'),
      ),
      /Cancelled/,
    );
  });
});

describe('terminal progress', () => {
  it('prints plain lines without a TTY, only for long copies', async () => {
    const lines: string[] = [];
    let t = 0;
    const ui = terminalUi({ write: (s: string) => lines.push(s), isTTY: false }, { now: () => t });
    ui.onProgress('public.users', 10, 2048);
    t = 4000;
    ui.onProgress('public.users', 20, 4096);
    assert.equal(lines.length, 0, 'a short copy prints nothing (the engine logs the finished table)');
    t = 5200;
    ui.onProgress('public.users', 30, 6144);
    t = 6000;
    ui.onProgress('public.users', 40, 8192);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /public\.users: 30 rows, 6\.0 KiB\n$/);
    assert.ok(lines.every((l) => !l.includes('\r')));
  });

  it('rewrites one live line on a TTY and reports each step once', () => {
    const chunks: string[] = [];
    const ui = terminalUi({ write: (s: string) => chunks.push(s), isTTY: true, columns: 80 });
    const rec = (status: 'running' | 'done') => ({
      operation: 'promote' as const,
      tenant: 'acme-corp',
      result: 'running' as const,
      dryRun: false,
      startedAt: '2026-01-01T00:00:00Z',
      trigger: { source: 'cli' },
      steps: [
        { name: 'lock', title: 'Lock the tenant', status, ...(status === 'done' && { durationMs: 12 }) },
      ],
      checks: [],
      tables: [],
      notes: [],
      committed: false,
      undone: [],
    });
    ui.onChange(rec('running'));
    ui.onChange(rec('running'));
    ui.onProgress('public.users', 5, 100);
    ui.onChange(rec('done'));
    const text = chunks.join('');
    assert.equal(text.match(/Lock the tenant…/g)?.length, 1);
    assert.ok(text.includes('\r\x1b[2K    public.users: 5 rows'), 'table progress rewrites the live line');
    assert.match(text, /\[1\/1\] ✓ Lock the tenant \(12 ms\)\n/);
  });
});

describe('issue 15: a dry run needs only what it uses; the CLI has the action flags', () => {
  it('a dry run without Cloud Run settings resolves (the database part is planned)', () => {
    const { options } = resolveConfig({
      flags: { tenantSlug: 'acme-corp', dryRun: true },
      env: { DATABASE_URL: URL_A },
    });
    assert.equal(options.dryRun, true);
    assert.equal(options.skipCloudRun, false, 'not skipped: the preflight step notes what is missing');
    assert.equal(options.cloudRun, undefined);
    // Partial settings too: a project without an image.
    const partial = resolveConfig({
      flags: { tenantSlug: 'acme-corp', dryRun: true },
      env: { DATABASE_URL: URL_A, GOOGLE_CLOUD_PROJECT: 'proj-1' },
    });
    assert.equal(partial.options.cloudRun, undefined);
  });

  it('a real run still refuses, and its hint names the CLI flags', () => {
    assert.throws(
      () => resolveConfig({ flags: { tenantSlug: 'acme-corp' }, env: { DATABASE_URL: URL_A } }),
      (e: unknown) => {
        assert.ok(e instanceof InputError);
        assert.match(e.message, /GOOGLE_CLOUD_PROJECT and CONTAINER_IMAGE are not set/);
        assert.match(e.hint ?? '', /Set --project and --image \(or GOOGLE_CLOUD_PROJECT and CONTAINER_IMAGE/);
        assert.match(e.hint ?? '', /--no-cloud-run/);
        return true;
      },
    );
  });

  it('maps the action-only settings: keep-on-validation-failure and the service settings', () => {
    const { options, sources } = resolveConfig({
      flags: {
        tenantSlug: 'acme-corp',
        keepOnValidationFailure: true,
        project: 'proj-1',
        image: 'img:1',
        dbPasswordSecret: 'tenant-db-password',
        serviceAccount: 'api@proj-1.iam.gserviceaccount.com',
        minInstances: '1',
        maxInstances: '3',
        ingress: 'internal',
        healthPath: '/healthz',
        vpcConnector: 'conn',
      },
      env: { DATABASE_URL: URL_A },
    });
    assert.equal(options.keepOnValidationFailure, true);
    assert.equal(sources.keepOnValidationFailure, '--keep-on-validation-failure');
    assert.equal(options.cloudRun?.dbPasswordSecret, 'tenant-db-password');
    assert.equal(options.cloudRun?.serviceAccount, 'api@proj-1.iam.gserviceaccount.com');
    assert.equal(options.cloudRun?.minInstances, 1);
    assert.equal(options.cloudRun?.maxInstances, 3);
    assert.equal(options.cloudRun?.ingress, 'internal');
    assert.equal(options.cloudRun?.healthPath, '/healthz');
    assert.equal(options.cloudRun?.vpcConnector, 'conn');
    const env = resolveConfig({
      flags: { tenantSlug: 'acme-corp', cloudRun: false },
      env: { DATABASE_URL: URL_A, KEEP_ON_VALIDATION_FAILURE: 'true' },
    });
    assert.equal(env.options.keepOnValidationFailure, true);
  });

  it('promote --help lists every relevant flag of the action', async () => {
    const io = fakeIo();
    assert.equal(await runCli(['promote', '--help'], io), 0);
    const help = io.out.join('');
    // action.yml input -> CLI flag (inputs about GitHub itself — token, labels, PR, permission,
    // forks, deployments, commit-config — have no CLI meaning).
    const flags = [
      '--database-url',
      '--tenant-slug',
      '--keep-shared-data',
      '--no-cloud-run',
      '--dry-run',
      '--keep-on-validation-failure',
      '--project',
      '--region',
      '--image',
      '--vpc-connector',
      '--db-password-secret',
      '--min-instances',
      '--max-instances',
      '--ingress',
      '--service-account',
      '--health-path',
      '--base-domain',
      '--config-dir',
      '--tenants-table',
      '--tenant-key',
      '--tenant-id-column',
      '--database-host',
      '--max-freeze',
      '--max-freeze-ms',
      '--copy-parallelism',
      '--reference-tables',
    ];
    for (const f of flags)
      assert.ok(help.includes(`${f} `) || help.includes(`${f},`), `promote --help has ${f}`);
  });

  it('--max-freeze takes a duration like the action input; a bad one is a usage error naming it', async () => {
    const io = fakeIo({ DATABASE_URL: URL_A });
    assert.equal(
      await runCli(
        ['promote', '--tenant-slug=acme-corp', '--no-cloud-run', '--max-freeze=soon', '--env-file=/dev/null'],
        io,
      ),
      2,
    );
    assert.match(io.err.join(''), /error: --max-freeze must be a duration such as 2s or 1500ms/);
  });
});

describe('issue 15: the preflight step', () => {
  const ctxFor = (options: Record<string, unknown>) => {
    const warnings: string[] = [];
    return {
      ctx: {
        options: { skipCloudRun: false, dryRun: false, ...options },
        names: { service: 'api-acme-corp' },
        record: { notes: [] as string[] },
        log: { warn: (m: string) => warnings.push(m), info() {}, debug() {}, error() {} },
      },
      warnings,
    };
  };
  const run = async (ctx: unknown) => {
    const { preflightStep } = await import('../../src/pipeline/steps/preflight');
    return preflightStep.run(ctx as Parameters<typeof preflightStep.run>[0]);
  };

  it('a dry run without Cloud Run settings notes what the service would need, named as the CLI spells it', async () => {
    const { ctx, warnings } = ctxFor({ dryRun: true, frontEnd: 'cli' });
    const detail = await run(ctx);
    assert.match(String(detail), /Cloud Run not planned/);
    assert.equal(ctx.record.notes.length, 1);
    const note = ctx.record.notes[0]!;
    assert.match(note, /api-acme-corp/);
    for (const flag of [
      '--project (or GOOGLE_CLOUD_PROJECT)',
      '--image (or CONTAINER_IMAGE)',
      '--db-password-secret',
      '--no-cloud-run',
    ])
      assert.ok(note.includes(flag), `${flag} in ${note}`);
    assert.deepEqual(warnings, [note]);
  });

  it('in the action, the same note names the inputs', async () => {
    const { ctx } = ctxFor({ dryRun: true, frontEnd: 'action' });
    await run(ctx);
    const note = ctx.record.notes[0]!;
    for (const input of [
      'the gcp-project input',
      'the container-image input',
      'the db-password-secret input',
      'the skip-cloud-run input',
    ])
      assert.ok(note.includes(input), `${input} in ${note}`);
    assert.ok(!note.includes('--project'));
  });

  it('a real run without them is refused, naming the CLI flags', async () => {
    const { ctx } = ctxFor({ frontEnd: 'cli' });
    await assert.rejects(run(ctx), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.match(e.hint ?? '', /--project \(or GOOGLE_CLOUD_PROJECT\).*--no-cloud-run/);
      return true;
    });
  });

  it("Cloud Run's own checks name CLI flags in the CLI", async () => {
    const { ctx } = ctxFor({
      frontEnd: 'cli',
      cloudRun: {
        project: 'proj-123',
        region: 'us-central1',
        image: 'img:1',
        minInstances: 0,
        maxInstances: 10,
        allowInsecureEndpoint: false,
      },
    });
    await assert.rejects(run(ctx), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, /^--db-password-secret \(or DB_PASSWORD_SECRET\) is required/);
      assert.match(e.hint ?? '', /Or pass --no-cloud-run \(or SKIP_CLOUD_RUN=true\)/);
      assert.doesNotMatch(`${e.message} ${e.hint}`, /skip-cloud-run: true/);
      return true;
    });
  });
});

describe('target server settings', () => {
  it('--target-database-url beats TARGET_DATABASE_URL; the CA file comes along; its password is a secret', () => {
    const env = {
      DATABASE_URL: URL_A,
      TARGET_DATABASE_URL: 'postgres://env:env-target-pw@10.0.0.8:5432/postgres',
      TARGET_DATABASE_CA_FILE: '/etc/ssl/ca.pem',
    };
    const fromEnv = resolveConfig(base({ env }));
    assert.equal(fromEnv.options.targetDatabaseUrl, env.TARGET_DATABASE_URL);
    assert.equal(fromEnv.sources.targetDatabaseUrl, 'TARGET_DATABASE_URL (environment)');
    assert.equal(fromEnv.options.targetCaFile, '/etc/ssl/ca.pem');
    assert.equal(redact('connecting with env-target-pw'), 'connecting with ***');
    const fromFlag = resolveConfig(
      base({
        env,
        flags: {
          tenantSlug: 'acme-corp',
          cloudRun: false,
          targetDatabaseUrl: 'postgres://f@10.0.0.9/postgres',
        },
      }),
    );
    assert.equal(fromFlag.options.targetDatabaseUrl, 'postgres://f@10.0.0.9/postgres');
    assert.equal(fromFlag.sources.targetDatabaseUrl, '--target-database-url');
  });

  it('a CA file without a target server is refused', () => {
    assert.throws(
      () => resolveConfig(base({ env: { DATABASE_URL: URL_A, TARGET_DATABASE_CA_FILE: '/ca.pem' } })),
      (e: unknown) => e instanceof InputError && /no target server is/.test(e.message),
    );
  });
});
