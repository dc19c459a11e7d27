import { preflightCloudRun } from '../../cloudrun/preflight';
import { InputError } from '../../errors';
import type { PromotionContext } from '../context';
import type { Step } from '../step';

/**
 * Checks everything that needs no database before any database work: with Cloud Run on, the
 * project, image, password secret, endpoints and credentials (so a missing setting fails in a
 * second, not after a copy).
 */
export const preflightStep: Step<PromotionContext> = {
  name: 'preflight',
  title: 'Check the settings',
  async run(ctx) {
    const { options } = ctx;
    if (options.skipCloudRun) return 'Cloud Run skipped';
    if (!options.cloudRun) {
      throw new InputError(
        'Cloud Run is on, but gcp-project and container-image are not set.',
        'Set gcp-project, container-image and db-password-secret (CLI: GOOGLE_CLOUD_PROJECT, CONTAINER_IMAGE, DB_PASSWORD_SECRET), or skip Cloud Run (skip-cloud-run: true, --no-cloud-run).',
      );
    }
    await preflightCloudRun(options.cloudRun);
    return `Cloud Run settings checked (project ${options.cloudRun.project}, region ${options.cloudRun.region})`;
  },
};
