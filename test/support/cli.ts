import { runCli, type CliIo } from '../../src/cli/program';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI in-process, no terminal, no env file: the shared database from DATABASE_URL. */
export async function cli(args: string[], env: Record<string, string>): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env,
    confirm: {
      interactive: false,
      show: () => undefined,
      ask: () => Promise.reject(new Error('no terminal')),
    },
  };
  const code = await runCli([...args, '--env-file=/dev/null'], io);
  return { code, stdout, stderr };
}
