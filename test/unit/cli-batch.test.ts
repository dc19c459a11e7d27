import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  batchView,
  parseParallel,
  parseTenantsFile,
  planBatch,
  renderBatchSummary,
  runBatch,
  type BatchItem,
  type BatchView,
  type TenantProgress,
} from '../../src/cli/batch';
import { resolveConfig, type CliFlags } from '../../src/cli/config';
import { runCli, type CliIo } from '../../src/cli/program';
import { InputError } from '../../src/errors';
import type { RunRecord } from '../../src/pipeline/record';

const SHARED = 'postgres://admin@shared-db:5432/app';
const resolve = (flags: CliFlags) =>
  resolveConfig({ flags: { cloudRun: false, ...flags }, env: { DATABASE_URL: SHARED } }).options;

describe('--tenants-file', () => {
  it('reads YAML: a tenants list, bare slugs, quoted values, comments, numbers and booleans, flow maps', () => {
    const entries = parseTenantsFile(
      `# tenants moving this week
tenants:
  - slug: acme-corp   # the big one
    target-database-url: 'postgres://admin:p#1@10.0.0.7:5432/postgres'
    max-freeze-ms: 3000
    keep-shared-data: true
  - globex
  - slug: "initech"
    target-database-url-env: TARGET_EU
  - {slug: umbrella, copy-parallelism: 2}
`,
      'tenants.yaml',
    );
    assert.deepEqual(entries, [
      {
        slug: 'acme-corp',
        'target-database-url': 'postgres://admin:p#1@10.0.0.7:5432/postgres',
        'max-freeze-ms': 3000,
        'keep-shared-data': true,
      },
      { slug: 'globex' },
      { slug: 'initech', 'target-database-url-env': 'TARGET_EU' },
      { slug: 'umbrella', 'copy-parallelism': 2 },
    ]);
  });

  it('reads JSON, as a list or as { tenants }', () => {
    assert.deepEqual(parseTenantsFile('["a", {"slug": "b", "database-host": "10.1.2.3"}]', 't.json'), [
      { slug: 'a' },
      { slug: 'b', 'database-host': '10.1.2.3' },
    ]);
    assert.deepEqual(parseTenantsFile('{"tenants": ["a"]}', 't.json'), [{ slug: 'a' }]);
  });

  it('an invalid entry is refused naming the file, the entry and the field', () => {
    assert.throws(
      () => parseTenantsFile('- slug: a\n- slug: b\n  target-ca-fil: /ca.pem\n', 'tenants.yaml'),
      (e: Error) =>
        e instanceof InputError &&
        /^tenants\.yaml, tenant 2 \("b"\): unknown field "target-ca-fil"\.$/.test(e.message) &&
        /target-ca-file/.test(e.hint ?? ''),
    );
    assert.throws(
      () => parseTenantsFile('[{"slug": "a", "max-freeze-ms": "soon"}]', 't.json'),
      /t\.json, tenant 1 \("a"\): field "max-freeze-ms": /,
    );
    assert.throws(
      () => parseTenantsFile('- slug: a\n  slug: b\n', 'x.yaml'),
      (e: Error) =>
        e instanceof InputError && /^x\.yaml:2 is not valid YAML or JSON: .*unique/.test(e.message),
    );
    assert.throws(
      () => parseTenantsFile('- slug: a\n  target-database-url: [oops\n', 'x.yaml'),
      /x\.yaml:\d+ is not valid YAML or JSON: /,
    );
    assert.throws(
      () => parseTenantsFile('base: &b {slug: a}\ntenants:\n  - *b\n  - *b\n', 'x.yaml'),
      /x\.yaml uses a YAML alias/,
    );
    assert.throws(() => parseTenantsFile('slug: a\n', 'x.yaml'), /x\.yaml must be a list of tenants/);
    assert.throws(() => parseTenantsFile('tenants: []\n', 'x.yaml'), /x\.yaml lists no tenants/);
    assert.throws(() => parseTenantsFile('{"tenants": [1]}', 'x.json'), /x\.json, tenant 1: /);
  });
});

describe('planning a batch', () => {
  it('each tenant resolves as a single promotion would, its entry over the flags; targets named without credentials', () => {
    const items = planBatch({
      slugs: ['acme-corp'],
      file: {
        path: 'tenants.yaml',
        entries: [
          { slug: 'globex', 'target-database-url-env': 'TARGET_EU', 'max-freeze-ms': 5000 },
          { slug: 'initech', 'target-database-url': 'postgres://admin:pw@10.0.0.8:6432/postgres' },
        ],
      },
      flags: {
        maxFreezeMs: '2500',
        targetDatabaseUrl: 'postgres://admin@main-target:5432/postgres',
        targetCaFile: '/etc/main-target-ca.pem',
      },
      env: { TARGET_EU: 'postgres://admin:secret@eu-db:5432/postgres' },
      resolve,
    });
    assert.deepEqual(
      items.map((i) => [i.slug, i.target, i.options.maxFreezeMs, i.options.targetCaFile]),
      [
        ['acme-corp', 'main-target:5432', 2500, '/etc/main-target-ca.pem'],
        ['globex', 'eu-db:5432', 5000, undefined],
        ['initech', '10.0.0.8:6432', 2500, undefined],
      ],
    );
  });

  it('refuses, naming the tenant, before anything runs: a duplicate, a bad slug, an unset variable, a bad URL', () => {
    const plan = (slugs: string[], entries: Parameters<typeof planBatch>[0]['file'] = undefined) =>
      planBatch({ slugs, ...(entries && { file: entries }), flags: {}, env: {}, resolve });
    assert.throws(() => plan(['aaa', 'bbb', 'aaa']), /--tenant-slug "aaa": the tenant is listed twice/);
    assert.throws(() => plan(['aaa', 'Not A Slug']), /^InputError: --tenant-slug "Not A Slug": a slug is/);
    assert.throws(
      () => plan([], { path: 't.yaml', entries: [{ slug: 'aaa', 'target-database-url-env': 'NOPE' }] }),
      /t\.yaml, tenant 1 \("aaa"\): field "target-database-url-env": the environment variable NOPE is not set/,
    );
    assert.throws(
      () =>
        plan([], {
          path: 't.yaml',
          entries: [{ slug: 'aaa' }, { slug: 'bbb', 'target-database-url': 'mysql://x' }],
        }),
      /t\.yaml, tenant 2 \("bbb"\): --target-database-url: must be a postgres:\/\//,
    );
    assert.throws(() => plan([]), /No tenant given/);
  });

  it('two entries naming one password-file (written differently) are refused, naming both, before anything starts', () => {
    const entries = parseTenantsFile(
      `tenants:\n  - slug: acme-corp\n    password-file: secrets/app.password\n  - slug: globex-corp\n    password-file: ./secrets/app.password\n  - slug: initech\n    password-file: secrets/initech.password\n`,
      'tenants.yaml',
    );
    let started = 0;
    const plan = () =>
      planBatch({
        slugs: [],
        file: { path: 'tenants.yaml', entries },
        flags: {},
        env: {},
        resolve: (f) => {
          started++;
          return resolve(f);
        },
      });
    assert.throws(
      plan,
      (e: unknown) =>
        e instanceof InputError &&
        /^tenants\.yaml, tenant 2 \("globex-corp"\): password-file "\.\/secrets\/app\.password" is also the password-file of tenants\.yaml, tenant 1 \("acme-corp"\)/.test(
          e.message,
        ) &&
        /its own password-file/.test(e.hint ?? ''),
    );
    assert.equal(started, 0, 'no tenant resolved before the refusal');
    // Distinct files are fine.
    const distinct = planBatch({
      slugs: [],
      file: { path: 'tenants.yaml', entries: entries.slice(1) },
      flags: {},
      env: {},
      resolve,
    });
    assert.deepEqual(
      distinct.map((i) => i.passwordFile),
      ['./secrets/app.password', 'secrets/initech.password'],
    );
  });

  it("the command's CA goes to entries on the command's target only, whether the CA and the target came from flags or the environment", () => {
    const CMD_TARGET = 'postgres://admin:pw@10.0.0.1:5432/postgres';
    const SAME_SERVER = 'postgres://other:pw@10.0.0.1:5432/postgres';
    const OTHER = 'postgres://admin:pw@10.9.9.9:5432/postgres';
    const plan = (flags: CliFlags, env: Record<string, string>) =>
      planBatch({
        slugs: [],
        file: {
          path: 't.yaml',
          entries: [
            { slug: 'acme-corp', 'target-database-url': OTHER },
            { slug: 'globex-corp', 'target-database-url': SAME_SERVER },
            { slug: 'initech', 'target-database-url': OTHER, 'target-ca-file': '/ca/own.pem' },
            { slug: 'umbrella' },
          ],
        },
        flags,
        env,
        resolve: (f) =>
          resolveConfig({ flags: { cloudRun: false, ...f }, env: { DATABASE_URL: SHARED, ...env } }).options,
      });
    const cas = (flags: CliFlags, env: Record<string, string>) =>
      plan(flags, env).map((i) => i.options.targetCaFile);
    const expected = [undefined, '/ca/cmd.pem', '/ca/own.pem', '/ca/cmd.pem'];
    // CA and target both from the environment.
    assert.deepEqual(
      cas({}, { TARGET_DATABASE_URL: CMD_TARGET, TARGET_DATABASE_CA_FILE: '/ca/cmd.pem' }),
      expected,
    );
    // CA as a flag, target from the environment.
    assert.deepEqual(cas({ targetCaFile: '/ca/cmd.pem' }, { TARGET_DATABASE_URL: CMD_TARGET }), expected);
    // Target as a flag, CA from the environment.
    assert.deepEqual(
      cas({ targetDatabaseUrl: CMD_TARGET }, { TARGET_DATABASE_CA_FILE: '/ca/cmd.pem' }),
      expected,
    );
    // Both flags.
    assert.deepEqual(cas({ targetDatabaseUrl: CMD_TARGET, targetCaFile: '/ca/cmd.pem' }, {}), expected);
  });

  it('--parallel is a whole number from 1 to 16', () => {
    assert.equal(parseParallel(undefined), 2);
    assert.equal(parseParallel('4'), 4);
    for (const bad of ['0', '17', 'two', '1.5'])
      assert.throws(() => parseParallel(bad), /--parallel must be/);
  });
});

function record(slug: string, result: RunRecord['result'], rows: number, error?: string): RunRecord {
  return {
    tenant: slug,
    result,
    tables: [{ schema: 'public', name: 'users', kind: 'tenant', copiedRows: rows }],
    steps: [],
    ...(error && { error: { code: 'internal', message: error } }),
  } as unknown as RunRecord;
}

const item = (slug: string, target = 'db:5432'): BatchItem =>
  ({ slug, target, options: { tenantSlug: slug } }) as unknown as BatchItem;

const silent: BatchView = { update: () => undefined, line: () => undefined, done: () => undefined };

describe('running a batch', () => {
  it('runs at most --parallel at once; a failed or throwing tenant does not stop the others', async () => {
    let running = 0;
    let most = 0;
    const gates = new Map<string, () => void>();
    const started: string[] = [];
    const results = runBatch(
      ['a', 'b', 'c', 'd', 'e'].map((s) => item(s)),
      {
        parallel: 2,
        view: silent,
        run: async (it) => {
          running++;
          most = Math.max(most, running);
          started.push(it.slug);
          await new Promise<void>((r) => gates.set(it.slug, r));
          running--;
          if (it.slug === 'b') throw new Error('target refused');
          return { record: record(it.slug, it.slug === 'c' ? 'failed' : 'promoted', 10, 'checks failed') };
        },
      },
    );
    // Release the runs one by one as they start: a run starts only when a slot frees.
    for (const slug of ['a', 'b', 'c', 'd', 'e']) {
      while (!gates.has(slug)) await new Promise((r) => setImmediate(r));
      assert.ok(running <= 2);
      gates.get(slug)!();
    }
    const out = await results;
    assert.equal(most, 2);
    assert.deepEqual(started, ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(
      out.map((r) => [r.slug, r.outcome, r.rows]),
      [
        ['a', 'promoted', 10],
        ['b', 'failed', 0],
        ['c', 'failed', 10],
        ['d', 'promoted', 10],
        ['e', 'promoted', 10],
      ],
    );
    assert.equal(out[1]!.error, 'target refused');
  });

  it('the summary has a row per tenant with its target, outcome, rows and duration, and names the failures', () => {
    const text = renderBatchSummary([
      { slug: 'acme-corp', target: '10.0.0.7:5432', outcome: 'promoted', rows: 12345, durationMs: 4200 },
      {
        slug: 'globex',
        target: 'shared-db:5432',
        outcome: 'failed',
        rows: 0,
        durationMs: 300,
        error: 'refused',
      },
    ]);
    const lines = text.split('\n');
    assert.match(lines[0]!, /^Tenant +Target server +Outcome +Rows +Duration$/);
    assert.match(lines[2]!, /^acme-corp +10\.0\.0\.7:5432 +promoted +12,345 +4\.2 s$/);
    assert.match(lines[3]!, /^globex +shared-db:5432 +failed +0 +300 ms$/);
    assert.match(text, /1 of 2 tenants succeeded; failed: globex\.\n {2}globex: refused\n$/);
    assert.match(
      renderBatchSummary([
        {
          slug: 'acme-corp',
          target: 'x:1',
          outcome: 'promoted',
          rows: 1,
          durationMs: 1,
          passwordPending: true,
        },
      ]),
      /password was not delivered for acme-corp: give each a password-file/,
    );
  });

  it('between two steps the progress line keeps the last step (no "starting" flicker)', async () => {
    const steps: (string | undefined)[] = [];
    const view: BatchView = {
      update: (ps) => void steps.push(ps[0]!.step),
      line: () => undefined,
      done: () => undefined,
    };
    const rec = (running: number) =>
      ({
        steps: ['a', 'b'].map((name, i) => ({
          name,
          title: name.toUpperCase(),
          status: i === running ? 'running' : 'done',
        })),
      }) as unknown as RunRecord;
    await runBatch([item('aaa')], {
      parallel: 1,
      view,
      run: async (_it, deps) => {
        await deps.onChange?.(rec(0));
        await deps.onChange?.(rec(-1));
        await deps.onChange?.(rec(1));
        return { record: record('aaa', 'promoted', 1) };
      },
    });
    assert.deepEqual(steps, [undefined, undefined, '[1/2] A', '[2/2] B', undefined]);
  });

  it('progress: plain lines once per step and finish without a TTY; a block redrawn in place on a TTY', () => {
    const progress: TenantProgress[] = [
      { slug: 'a', target: 'x:1', state: 'running', step: '[3/17] Lock' },
      { slug: 'bb', target: 'y:2', state: 'waiting' },
    ];
    const plain: string[] = [];
    const pv = batchView({ write: (s) => plain.push(s) });
    pv.update(progress);
    pv.update(progress);
    progress[0]!.detail = 'public.users: 10 rows';
    pv.update(progress);
    assert.deepEqual(plain, ['a       x:1     [3/17] Lock…\n']);

    const tty: string[] = [];
    const tv = batchView({ write: (s) => tty.push(s), isTTY: true, columns: 80 });
    tv.update(progress);
    tv.update(progress);
    assert.equal(
      tty[0],
      '\r\x1b[2Ka       x:1     [3/17] Lock… public.users: 10 rows\n\r\x1b[2Kbb      y:2     waiting\n',
    );
    assert.ok(tty[1]!.startsWith('\x1b[2A'), 'the second draw goes back up over the block');
    tv.line('a', 'warning: slow\x1b[2J');
    assert.ok(
      tty[2]!.startsWith('\x1b[2A\r\x1b[Ja: warning: slow '),
      'a log line is printed above the block',
    );
  });
});

describe('promote with several tenants (CLI)', () => {
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
  const args = ['--no-cloud-run', '--env-file=/dev/null'];

  it('an invalid tenants file is a usage error naming the entry; nothing connects (the database does not exist)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batch-'));
    const path = join(dir, 'tenants.yaml');
    await writeFile(path, 'tenants:\n  - slug: aaa\n  - slug: bbb\n    parallel: 3\n');
    const io = fakeIo({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    assert.equal(await runCli(['promote', `--tenants-file=${path}`, '--confirm', ...args], io), 2);
    assert.match(io.err.join(''), /tenants\.yaml, tenant 2 \("bbb"\): unknown field "parallel"/);
  });

  it('--password-file with several tenants, a missing CA file and no --confirm are refused before anything starts', async () => {
    const env = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    const a = fakeIo(env);
    assert.equal(
      await runCli(
        ['promote', '--tenant-slug=aaa', '--tenant-slug=bbb', '--password-file=/tmp/x', '--confirm', ...args],
        a,
      ),
      2,
    );
    assert.match(a.err.join(''), /--password-file names one file/);
    const b = fakeIo(env);
    const ca = [
      '--target-database-url=postgres://x@127.0.0.1:2/postgres',
      '--target-ca-file=/nonexistent/ca.pem',
    ];
    assert.equal(
      await runCli(['promote', '--tenant-slug=aaa', '--tenant-slug=bbb', ...ca, '--confirm', ...args], b),
      2,
    );
    assert.match(b.err.join(''), /aaa: cannot read the target CA file \/nonexistent\/ca\.pem \(ENOENT\)/);
    const c = fakeIo(env);
    assert.equal(await runCli(['promote', '--tenant-slug=aaa', '--tenant-slug=bbb', ...args], c), 2);
    assert.match(c.err.join(''), /Refusing to promote 2 tenants without --confirm/);
  });
});
