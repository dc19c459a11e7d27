import { rm } from 'node:fs/promises';
import { memoryLogger } from '../../src/log';
import type { PromotionOptionsInput } from '../../src/options';
import type { RunDeps } from '../../src/pipeline/api';
import { promote } from '../../src/pipeline/promote';
import type { RunRecord } from '../../src/pipeline/record';
import type { SharedFixture } from './fixture';
import { tempDir } from './tmp';

/** Options of a promotion (or rollback) of one fixture tenant: Cloud Run skipped, a temp config dir. */
export async function engineOptions(f: SharedFixture, slug: string, extra: Record<string, unknown> = {}) {
  return {
    databaseUrl: f.engineUrl,
    tenantSlug: slug,
    skipCloudRun: true,
    configDir: await tempDir('engine-config-'),
    maxFreezeMs: 10_000,
    ...extra,
  };
}

/** Engine dependencies for tests: a memory logger and a trigger naming the test. */
export function testDeps(actor = 'tester', extra: Partial<RunDeps> = {}): RunDeps {
  return { log: memoryLogger(), trigger: { source: 'test', actor }, ...extra };
}

/**
 * One promotion of a test tenant with Cloud Run skipped, a 10 s freeze limit and a config dir of
 * its own (removed afterwards); `fault` injects a crash at a step boundary.
 */
export async function promoteOnce(
  actor: string,
  options: PromotionOptionsInput,
  fault?: RunDeps['fault'],
): Promise<RunRecord> {
  const configDir = await tempDir(`${actor}-`);
  try {
    const { record } = await promote(
      { skipCloudRun: true, configDir, maxFreezeMs: 10_000, ...options },
      testDeps(actor, fault ? { fault } : {}),
    );
    return record;
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
}
