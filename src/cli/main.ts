import { runCli } from './program';

/** Entry point of the `tenant-isolation` CLI (bundled by `npm run package:cli` to dist/cli/index.js). */
runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
