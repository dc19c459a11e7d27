/**
 * Runs one promotion or rollback in this (child) process, so a test can SIGKILL it at a real
 * process boundary. Usage: node --import tsx test/support/run-engine.ts '<json spec>'
 * where spec = { operation: 'promote' | 'rollback', options: PromotionOptionsInput }.
 * Progress goes to stderr, one event per line (`step <name> <status>`, `log <text>`); the final
 * record is printed as one JSON line on stdout. Failpoints come from TENANT_PROMOTION_FAULT.
 */
import type { Logger } from '../../src/log';
import type { RunRecord } from '../../src/pipeline/record';
import { promote } from '../../src/pipeline/promote';
import { rollback } from '../../src/pipeline/rollback';

const spec = JSON.parse(process.argv[2] ?? '{}') as { operation?: string; options?: Record<string, unknown> };
const say = (line: string) => process.stderr.write(`${line.replace(/\n/g, ' ')}\n`);

const log: Logger = {
  info: (m) => say(`log ${m}`),
  warn: (m) => say(`log warning: ${m}`),
  error: (m) => say(`log error: ${m}`),
  debug: () => undefined,
  group: async (title, fn) => {
    say(`log ## ${title}`);
    return fn();
  },
  secret: () => undefined,
};

const seen = new Map<string, string>();
function onChange(record: RunRecord): void {
  for (const s of record.steps) {
    if (seen.get(s.name) === s.status) continue;
    seen.set(s.name, s.status);
    if (s.status !== 'pending') say(`step ${s.name} ${s.status}`);
  }
}

async function main(): Promise<void> {
  const run = spec.operation === 'rollback' ? rollback : promote;
  const { record } = await run(spec.options as never, {
    log,
    trigger: { source: 'test', actor: 'fault-test', runId: String(process.pid) },
    onChange,
  });
  onChange(record);
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

main().catch((e) => {
  say(`crash ${e instanceof Error ? e.stack : String(e)}`);
  process.exitCode = 2;
});
