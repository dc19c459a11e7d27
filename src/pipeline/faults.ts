import { PromotionError } from '../errors';

/**
 * Failpoints for fault tests, in the spirit of database failpoints: the environment variable
 * TENANT_PROMOTION_FAULT=<action>@<point>[,…] with action `fail` (throw) or `kill` (SIGKILL the
 * process) and point `before:<step>` / `after:<step>` / `copy-range:<schema>.<name>:<i>` (after
 * range i of a table the copy split committed; other ranges may be in flight). Unset in
 * production, where this costs one lookup per step.
 */
export function faultsFromEnv(
  value = process.env.TENANT_PROMOTION_FAULT,
): ((point: string) => void) | undefined {
  if (!value) return undefined;
  const rules = value
    .split(',')
    .map((r) => r.trim().split('@'))
    .filter((r): r is [string, string] => r.length === 2);
  return (point) => {
    for (const [action, at] of rules) {
      if (at !== point) continue;
      if (action === 'kill') process.kill(process.pid, 'SIGKILL');
      if (action === 'fail')
        throw new PromotionError('internal', `Injected fault at ${point}`, 'Test failpoint.');
    }
  };
}
