import { checkHealth, type HealthOptions } from '../cloudrun/health';
import { fail, pass, skip, type Check } from './check';

export type HealthProbe = typeof checkHealth;

/** Time kept back from the check's budget so the probe's own deadline ends first. */
const MARGIN_MS = 2000;

/**
 * GET the service's health path with retries and a deadline; skip when no service was deployed.
 * `options` tune the retries (tests shorten them); `probe` replaces the HTTP call.
 */
export function serviceHealthCheck(
  options: Pick<HealthOptions, 'attempts' | 'initialDelayMs' | 'requestTimeoutMs'> = {},
  probe: HealthProbe = checkHealth,
): Check {
  return {
    name: 'service-health',
    title: 'Service health',
    async run(ctx, budgetMs) {
      if (!ctx.service) return skip('no Cloud Run service was deployed');
      const { url, healthPath } = ctx.service;
      const path = healthPath.startsWith('/') ? healthPath : `/${healthPath}`;
      const shown = `${url.replace(/\/+$/, '')}${path}`;
      const r = await probe(url, path, { ...options, deadlineMs: Math.max(1000, budgetMs - MARGIN_MS) });
      const detail = [`GET ${shown}: ${r.message} (${r.attempts} attempt${r.attempts === 1 ? '' : 's'})`];
      if (r.ok) return pass(`${shown} answered ${r.status ?? 'OK'}`, detail);
      return fail(
        `${shown} is not healthy: ${r.status !== undefined ? `HTTP ${r.status}` : r.message}`,
        detail,
      );
    },
  };
}

export const serviceHealth: Check = serviceHealthCheck();
