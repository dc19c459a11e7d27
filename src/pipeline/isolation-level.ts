import { z } from 'zod';
import { PromotionError, settingName, type FrontEnd } from '../errors';
import { quoteUntrusted } from '../names';
import { IsolationLevel } from '../options';

/**
 * Which isolation level a promotion runs at, and where that came from (issue 21). An explicit
 * input (action input, CLI flag, ISOLATION_LEVEL, Make variable) wins over the tenants row's
 * `settings.isolation_level` (as the seeds' plan configuration writes it); without either the
 * level is `database`, today's promotion.
 */
export const ResolvedIsolationLevel = z.object({
  level: IsolationLevel,
  /** `input`, `tenant-settings` or `default`: the report says which. */
  from: z.enum(['input', 'tenant-settings', 'default']),
});
export type ResolvedIsolationLevel = z.infer<typeof ResolvedIsolationLevel>;

export function resolveIsolationLevel(
  explicit: IsolationLevel | undefined,
  settings: Record<string, unknown>,
  slug: string,
  frontEnd?: FrontEnd,
): ResolvedIsolationLevel {
  if (explicit) return { level: explicit, from: 'input' };
  // The tenants row's `settings.isolation_level`: absent, or one of the levels (the seeds also
  // name table and row, which this tool does not offer).
  const raw = settings.isolation_level;
  if (raw === undefined || raw === null) return { level: 'database', from: 'default' };
  const parsed = IsolationLevel.safeParse(raw);
  if (parsed.success) return { level: parsed.data, from: 'tenant-settings' };
  throw new PromotionError(
    'invalid-input',
    `Tenant "${slug}" has settings.isolation_level ${quoteUntrusted(typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? ''))}, which is not a level this tool promotes to (database or schema); nothing was created.`,
    `Set ${settingName('isolation-level', frontEnd)} to database or schema (an explicit level wins over the tenant's settings), or correct settings.isolation_level.`,
  );
}

/** One line for the report: the level and where it came from. */
export function describeIsolationLevel(r: ResolvedIsolationLevel): string {
  const from =
    r.from === 'input'
      ? 'given as input'
      : r.from === 'tenant-settings'
        ? "from the tenants row's settings.isolation_level"
        : 'the default';
  return `isolation level ${r.level} (${from})`;
}
