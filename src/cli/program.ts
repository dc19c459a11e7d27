import { randomBytes } from 'node:crypto';
import { access, open, readFile, rename, rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { describeError, InputError, PromotionError, type ErrorCode } from '../errors';
import type { RunDeps } from '../pipeline/api';
import type { RunRecord } from '../pipeline/record';
import { redact } from '../secrets';
import { parseDurationMs } from '../action/inputs';
import { type CliFlags, DEFAULT_ENV_FILE, ENV_VARS, loadEnvFile, resolveConfig, type EnvMap } from './config';
import {
  batchView,
  DEFAULT_PARALLEL,
  parseParallel,
  parseTenantsFile,
  planBatch,
  renderBatchSummary,
  runBatch,
  type TenantEntry,
} from './batch';
import { confirmBatch, confirmOperation, processConfirmIo, type ConfirmIo } from './confirm';
import { renderRunSummary, terminalUi } from './terminal';

/**
 * The `tenant-isolation` CLI: promote | status | rollback, on the same engine as the action.
 * Exit codes: 0 success (status: shared or isolated and consistent), 1 the operation failed,
 * 2 bad input or usage, 3 status found the tenant partial (inconsistent).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, partial: 3 } as const;

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  env: EnvMap;
  confirm: ConfirmIo;
}

function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, confirm: processConfirmIo() };
}

/** Flags the user typed, leaving commander's defaults out so env and file values apply. */
function typedFlags(cmd: Command): CliFlags {
  const out: Record<string, unknown> = {};
  const opts = cmd.opts();
  for (const key of Object.keys(opts)) {
    if (cmd.getOptionValueSource(key) === 'cli') out[key] = opts[key];
  }
  // --max-freeze takes a duration as the action's max-freeze input does ("2s", "1500ms").
  if (typeof out.maxFreeze === 'string') {
    const ms = parseDurationMs(out.maxFreeze);
    if (ms === undefined)
      throw new InputError(
        `--max-freeze must be a duration such as 2s or 1500ms, got ${JSON.stringify(out.maxFreeze.slice(0, 40))}.`,
        'Pass e.g. --max-freeze=2s (or --max-freeze-ms=2000).',
      );
    if (out.maxFreezeMs === undefined) out.maxFreezeMs = String(ms);
    delete out.maxFreeze;
  }
  return out as CliFlags;
}

const envHelp = () =>
  '\nEnvironment variables (flags win over the environment, which wins over the env file):\n' +
  Object.entries(ENV_VARS)
    .map(([k, v]) => `  ${k.padEnd(24)} ${v}`)
    .join('\n') +
  `\n\nExit codes: 0 success, 1 failed, 2 bad input, 3 status partial.\n`;

function addCommonOptions(cmd: Command, tenants: 'one' | 'many' = 'one'): Command {
  const withSlug =
    tenants === 'one'
      ? cmd.requiredOption(
          '--tenant-slug <slug>',
          'the tenant (slug column of the tenants table), e.g. acme-corp',
        )
      : cmd
          .option(
            '--tenant-slug <slug>',
            'the tenant (slug column of the tenants table), e.g. acme-corp; repeat it to promote several',
            (value: string, previous: string[] = []) => [...previous, value],
          )
          .option(
            '--tenants-file <file>',
            'YAML or JSON list of tenants, each with its own target server if it has one (see README)',
          )
          .option(`--parallel <n>`, `tenants promoted at once in a batch (default ${DEFAULT_PARALLEL})`);
  return withSlug
    .option('--database-url <url>', 'shared database connection string (or DATABASE_URL / DB_*)')
    .option(
      '--target-database-url <url>',
      "server that hosts the tenant's database (or TARGET_DATABASE_URL; default: the shared server)",
    )
    .option(
      '--target-ca-file <path>',
      'CA certificate of the target server, verify-full (or TARGET_DATABASE_CA_FILE)',
    )
    .option('--env-file <path>', `KEY=VALUE file read for settings (default ${DEFAULT_ENV_FILE}, if present)`)
    .option('--config-dir <dir>', 'directory of routing/ and load-balancer/ files (default config)')
    .option('--tenants-table <name>', 'tenants table (default tenants)')
    .option('--tenant-key <column>', 'tenant key column (default tenant_id)')
    .option(
      '--tenant-id-column <column>',
      'column of the tenants table the tenant key holds (only when tenant keys have no foreign key to it)',
    )
    .option('--base-domain <domain>', 'domain of the tenant hosts (default factory.local)')
    .option('-v, --verbose', 'print debug lines');
}

function addCloudRunOptions(cmd: Command): Command {
  return cmd
    .option('--no-cloud-run', 'database only: no Cloud Run service (or SKIP_CLOUD_RUN=true)')
    .option('--project <id>', 'Google Cloud project (or GOOGLE_CLOUD_PROJECT)')
    .option('--region <region>', 'Cloud Run region (or CLOUD_RUN_REGION)')
    .option('--image <image>', 'container image (or CONTAINER_IMAGE)');
}

/** The command's `--env-file`, or the default file if present (an explicit one must exist). */
function commandEnvFile(cmd: Command) {
  const named = cmd.opts().envFile as string | undefined;
  return loadEnvFile(named ?? DEFAULT_ENV_FILE, named !== undefined);
}

async function loadConfig(
  cmd: Command,
  io: CliIo,
  operation: 'promote' | 'rollback' | 'status',
  overrides: Partial<CliFlags> = {},
) {
  const flags = { ...typedFlags(cmd), ...overrides };
  const file = await commandEnvFile(cmd);
  const cloudRun = operation === 'promote' ? 'required' : operation === 'rollback' ? 'optional' : 'off';
  return resolveConfig({ flags, env: io.env, cloudRun, ...(file && { file }) });
}

/**
 * `promote` with several tenants: each planned (and refused, naming the tenant) before any
 * starts, then promoted `--parallel` at once; a summary table on stdout; exit 1 if any failed.
 */
async function promoteBatch(cmd: Command, io: CliIo, slugs: string[], setExit: (code: number) => void) {
  const opts = cmd.opts();
  if (opts.passwordFile)
    throw new InputError(
      '--password-file names one file, and this command promotes several tenants.',
      'Give each tenant its own password-file in --tenants-file, or promote one tenant per command.',
    );
  const parallel = parseParallel(opts.parallel as string | undefined);
  const { tenantSlug: _slugs, ...flags } = typedFlags(cmd) as CliFlags & { tenantSlug?: unknown };
  const file = await commandEnvFile(cmd);
  const tenantsPath = opts.tenantsFile as string | undefined;
  let entries: TenantEntry[] | undefined;
  if (tenantsPath !== undefined) {
    const text = await readFile(tenantsPath, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new InputError(
        `Cannot read --tenants-file ${tenantsPath}: ${e.code ?? String(e)}.`,
        'Point --tenants-file at a YAML or JSON list of tenants.',
      );
    });
    entries = parseTenantsFile(text, tenantsPath);
  }
  const items = planBatch({
    slugs,
    ...(entries && { file: { path: tenantsPath!, entries } }),
    flags,
    env: { ...file?.values, ...io.env },
    resolve: (f) =>
      resolveConfig({ flags: f, env: io.env, cloudRun: 'required', ...(file && { file }) }).options,
  });
  // A CA file that cannot be read fails every connection: refused before any tenant starts.
  for (const item of items) {
    const ca = item.options.targetCaFile;
    if (ca)
      await access(ca).catch((e: NodeJS.ErrnoException) => {
        throw new InputError(
          `${item.slug}: cannot read the target CA file ${ca} (${e.code ?? String(e)}).`,
          "Point target-ca-file (or --target-ca-file) at the PEM of the CA that signed the target server's certificate.",
        );
      });
  }
  const dryRun = items[0]?.options.dryRun ?? false;
  if (!dryRun)
    await confirmBatch(
      {
        operation: 'promote',
        count: items.length,
        confirmed: Boolean(opts.confirm),
        plan: `Promote ${items.length} tenants, ${parallel} at once (nothing has changed yet):\n${items.map((i) => `  ${i.slug} → ${i.target}`).join('\n')}`,
      },
      io.confirm,
    );
  const { promote } = await import('../pipeline/promote');
  const sig = abortOnSigint();
  try {
    const results = await runBatch(items, {
      parallel,
      verbose: Boolean(opts.verbose),
      view: batchView(io.stderr),
      run: (item, deps) =>
        promote(item.options, {
          ...deps,
          trigger: trigger(),
          signal: sig.signal,
          ...(item.passwordFile && {
            deliverPassword: async (password: string) => {
              await writePasswordFile(item.passwordFile!, password);
              return 'file' as const;
            },
          }),
        }),
    });
    io.stdout.write(renderBatchSummary(results));
    setExit(results.some((r) => r.outcome === 'failed') ? EXIT.failed : EXIT.ok);
  } finally {
    sig.dispose();
  }
}

function trigger(): RunDeps['trigger'] {
  let actor: string | undefined;
  try {
    actor = userInfo().username;
  } catch {
    actor = undefined;
  }
  return { source: 'cli', ...(actor && { actor }) };
}

/** Aborts the run on the first Ctrl-C (the engine undoes what it made); a second one exits. */
function abortOnSigint(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  let count = 0;
  const handler = () => {
    count += 1;
    if (count === 1) {
      process.stderr.write('\nInterrupted: stopping and undoing (Ctrl-C again to exit now)…\n');
      ac.abort(new PromotionError('cancelled', 'Cancelled by Ctrl-C.'));
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  return { signal: ac.signal, dispose: () => void process.off('SIGINT', handler) };
}

/**
 * Writes the password to `path` with mode 0600 from its first byte: a new file beside it
 * (created exclusively, 0600), synced, then renamed over `path` — so an existing file's wider
 * mode never applies, and a crash leaves the old file or the new one, never half of one.
 */
export async function writePasswordFile(path: string, password: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${password}\n`);
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (e) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw e;
  }
  const dir = await open(dirname(path), 'r').catch(() => undefined);
  await dir?.sync().catch(() => undefined);
  await dir?.close();
}

function exitFor(record: RunRecord): number {
  return record.result === 'failed' ? EXIT.failed : EXIT.ok;
}

export function buildProgram(
  io: CliIo = processIo(),
  setExit: (code: number) => void = (c) => void (process.exitCode = c),
): Command {
  const program = new Command('tenant-isolation')
    .description(
      'Promote a tenant of a shared PostgreSQL database to its own database (and Cloud Run service), check its status, or roll it back.',
    )
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .exitOverride()
    .addHelpText('after', envHelp());

  addCloudRunOptions(addCommonOptions(program.command('promote'), 'many'))
    .description(
      'Promote a tenant: copy its rows to tenant_<slug>, switch its status, write routing, clean up the shared rows',
    )
    .option('--confirm', 'go ahead without asking (required when there is no terminal)')
    .option('--keep-shared-data', "keep the tenant's rows in the shared database (or KEEP_SHARED_DATA=true)")
    .option('--dry-run', 'plan and print what would happen; change nothing')
    .option(
      '--database-host <host>',
      'host[:port] the tenant application should use (default: host of the connection)',
    )
    .option('--max-freeze-ms <ms>', 'longest write freeze at the switch (default 2000)')
    .option('--max-freeze <duration>', 'the same as a duration, as the action input: 2s, 1500ms')
    .option(
      '--keep-on-validation-failure',
      'a failed validation check leaves the new database for inspection; the tenant stays shared (or KEEP_ON_VALIDATION_FAILURE=true)',
    )
    .option(
      '--db-password-secret <secret>',
      "Secret Manager secret that receives the tenant role's password; required with Cloud Run (or DB_PASSWORD_SECRET)",
    )
    .option(
      '--vpc-connector <connector>',
      'Serverless VPC Access connector of the service (or VPC_CONNECTOR)',
    )
    .option('--service-account <email>', 'service account the service runs as (or SERVICE_ACCOUNT)')
    .option('--min-instances <n>', 'Cloud Run minimum instances (default 0)')
    .option('--max-instances <n>', 'Cloud Run maximum instances (default 10)')
    .addOption(
      new Option('--ingress <ingress>', 'Cloud Run ingress (default all)').choices([
        'all',
        'internal',
        'internal-and-cloud-load-balancing',
      ]),
    )
    .option('--health-path <path>', "path of the service's health endpoint (default /health)")
    .option(
      '--copy-parallelism <n>',
      'copy workers (tables, and ranges of a dominating table, at once), 1-16 (default 2)',
    )
    .addOption(
      new Option(
        '--copy-ranges <mode>',
        'split a table that dominates the copy into ranges (default off)',
      ).choices(['off', 'auto']),
    )
    .addOption(
      new Option('--reference-tables <mode>', 'tables with no path to or from the tenant').choices([
        'copy',
        'skip',
      ]),
    )
    .addOption(
      new Option(
        '--shared-rows <mode>',
        "rows of tables without the tenant key that the tenant's rows reference: only those (referenced) or whole",
      ).choices(['referenced', 'whole']),
    )
    .addOption(
      new Option(
        '--cleanup-referenced-rows <mode>',
        'at cleanup, referenced rows the tenant used: keep them, or remove those no remaining row references (remove-unused)',
      ).choices(['keep', 'remove-unused']),
    )
    .addOption(
      new Option(
        '--isolation-level <level>',
        "the tenant's own database, or its own schema tenant_<slug> (default: the tenants row's settings.isolation_level, else database)",
      ).choices(['database', 'schema']),
    )
    .option(
      '--table-overrides <list>',
      'per-table decisions, e.g. public.audit_versions=copy,public.countries=skip (copy | referenced | skip)',
    )
    .option('--shared-app-role <role>', "the shared application's role, remapped to the tenant's role")
    .option(
      '--password-file <path>',
      "write the tenant role's password to this file (mode 0600) as soon as the switch commits (or a rotation makes a new one); without it and without Cloud Run the password is not delivered, and a later run with it rotates and delivers it",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  tenant-isolation promote --tenant-slug=acme-corp --dry-run\n  tenant-isolation promote --tenant-slug=acme-corp --confirm --no-cloud-run\n  tenant-isolation promote --tenant-slug=acme-corp --tenant-slug=globex --parallel=2 --confirm --no-cloud-run\n  tenant-isolation promote --tenants-file=tenants.yaml --confirm --no-cloud-run\n',
    )
    .action(async (_opts, cmd: Command) => {
      const slugs = (cmd.opts().tenantSlug as string[] | undefined) ?? [];
      if (slugs.length > 1 || cmd.opts().tenantsFile !== undefined)
        return promoteBatch(cmd, io, slugs, setExit);
      if (slugs.length === 0)
        throw new InputError(
          'Missing --tenant-slug.',
          'Pass the tenant to work on, e.g. --tenant-slug=acme-corp (repeat it, or use --tenants-file, for several).',
        );
      const { options } = await loadConfig(cmd, io, 'promote', { tenantSlug: slugs[0]! });
      if (!options.dryRun) {
        await confirmOperation(
          {
            operation: 'promote',
            slug: options.tenantSlug,
            confirmed: Boolean(cmd.opts().confirm),
            plan: async () => {
              const { promote } = await import('../pipeline/promote');
              const quiet = terminalUi({ write: () => true });
              const { record } = await promote(
                { ...options, dryRun: true },
                { log: quiet.log, trigger: trigger() },
              );
              if (record.result === 'failed') {
                throw new PromotionError(
                  (record.error?.code as ErrorCode | undefined) ?? 'internal',
                  record.error?.message ?? 'Planning failed.',
                  record.error?.hint,
                );
              }
              return `Plan (nothing has changed yet):\n${renderRunSummary(record)}`;
            },
          },
          io.confirm,
        );
      }
      const { promote } = await import('../pipeline/promote');
      const ui = terminalUi(io.stderr, { verbose: Boolean(cmd.opts().verbose) });
      const sig = abortOnSigint();
      const passwordFile = cmd.opts().passwordFile as string | undefined;
      try {
        const outcome = await promote(options, {
          log: ui.log,
          trigger: trigger(),
          signal: sig.signal,
          onChange: ui.onChange,
          onProgress: ui.onProgress,
          // Written the moment the engine hands it on (right after the switch), never printed.
          ...(passwordFile && {
            deliverPassword: async (password: string) => {
              await writePasswordFile(passwordFile, password);
              io.stderr.write(`The tenant role's password is in ${passwordFile} (mode 0600).\n`);
              return 'file' as const;
            },
          }),
        });
        ui.done();
        io.stdout.write(renderRunSummary(outcome.record, { verbose: Boolean(cmd.opts().verbose) }));
        if (outcome.credentials?.rotated)
          io.stderr.write(
            "The tenant role's password was rotated: no run had delivered the previous one, which no longer works.\n",
          );
        if (outcome.credentials?.pending)
          io.stderr.write(
            `The tenant role's password was not delivered (see the note above): \`tenant-isolation promote --tenant-slug=${options.tenantSlug} --confirm --password-file=<path>\` rotates it and writes the new one there.\n`,
          );
        setExit(exitFor(outcome.record));
      } finally {
        sig.dispose();
      }
    });

  addCommonOptions(program.command('status'))
    .description(
      'Show whether a tenant is shared, isolated or partial, with row counts on both sides, roles, routing files and history',
    )
    .option('--json', 'print machine-readable JSON (validated by the TenantStatus schema)')
    .option('--verify', 're-run the post-promotion checks against the isolated database')
    .addHelpText(
      'after',
      '\nExit codes: 0 shared or isolated (with --verify: no damage found; rows changed since the switch are information), 1 error or --verify found damage (a failed check), 3 partial (inconsistent), 2 bad input.\n',
    )
    .action(async (_opts, cmd: Command) => {
      const { options } = await loadConfig(cmd, io, 'status');
      const { tenantStatus, TenantStatus } = await import('../pipeline/status');
      const verify = Boolean(cmd.opts().verify);
      const ui = terminalUi(io.stderr, { verbose: Boolean(cmd.opts().verbose) });
      // The checks' own lines only with --verbose: the rendering below lists them.
      const status = TenantStatus.parse(
        await tenantStatus(options, { verify, ...(cmd.opts().verbose && { log: ui.log }) }),
      );
      if (cmd.opts().json) io.stdout.write(`${redact(JSON.stringify(status, null, 2))}\n`);
      else {
        const { renderStatusText } = await import('../report/status-text');
        io.stdout.write(redact(renderStatusText(status, { verbose: Boolean(cmd.opts().verbose) })));
      }
      // --verify: damage (a failed check) is 1; changes since the switch are information (warn), 0.
      if (status.checks?.some((c) => c.status === 'fail')) return setExit(EXIT.failed);
      setExit(status.overall === 'partial' ? EXIT.partial : EXIT.ok);
    });

  addCloudRunOptions(addCommonOptions(program.command('rollback')))
    .description(
      'Move an isolated tenant back into the shared database (the isolated database is the source of truth)',
    )
    .option('--confirm', 'go ahead without asking (required when there is no terminal)')
    .option('--keep-isolated-data', 'keep the isolated database and roles (or KEEP_ISOLATED_DATA=true)')
    .option(
      '--dry-run',
      'report what would come back per table, the conflicts, the drift and the sequences; change nothing',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  tenant-isolation rollback --tenant-slug=acme-corp --dry-run\n  tenant-isolation rollback --tenant-slug=acme-corp --confirm\n',
    )
    .action(async (_opts, cmd: Command) => {
      const { options } = await loadConfig(cmd, io, 'rollback');
      if (!options.dryRun)
        await confirmOperation(
          {
            operation: 'rollback',
            slug: options.tenantSlug,
            confirmed: Boolean(cmd.opts().confirm),
            plan: async () => {
              const { tenantStatus } = await import('../pipeline/status');
              const { renderStatusText } = await import('../report/status-text');
              return `Rollback of ${options.tenantSlug}: its rows in the isolated database replace its rows in the shared database.\n${renderStatusText(await tenantStatus(options))}`;
            },
          },
          io.confirm,
        );
      const { rollback } = await import('../pipeline/rollback');
      const ui = terminalUi(io.stderr, { verbose: Boolean(cmd.opts().verbose) });
      const sig = abortOnSigint();
      try {
        const outcome = await rollback(options, {
          log: ui.log,
          trigger: trigger(),
          signal: sig.signal,
          onChange: ui.onChange,
          onProgress: ui.onProgress,
        });
        ui.done();
        io.stdout.write(renderRunSummary(outcome.record, { verbose: Boolean(cmd.opts().verbose) }));
        setExit(exitFor(outcome.record));
      } finally {
        sig.dispose();
      }
    });

  return program;
}

/** Runs the CLI on `argv` (user arguments only) and returns the exit code. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return EXIT.usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are not errors; commander has already printed its message.
      return e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.help' ||
        e.code === 'commander.version'
        ? EXIT.ok
        : EXIT.usage;
    }
    const d = describeError(e);
    io.stderr.write(redact(`error: ${d.message}\n${d.hint ? `hint: ${d.hint}\n` : ''}`));
    if (e instanceof InputError || d.code === 'invalid-input' || d.code === 'invalid-slug') return EXIT.usage;
    if (d.code === 'cancelled') return EXIT.failed;
    return EXIT.failed;
  }
}
