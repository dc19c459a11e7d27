import { memoryLogger } from '../../src/log';
import type { RunDeps } from '../../src/pipeline/api';
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
