import { preflightCloudRun } from '../../cloudrun/preflight';
import { InputError, isPromotionError, PromotionError, settingName, type FrontEnd } from '../../errors';
import type { PromotionContext } from '../context';
import type { Step } from '../step';

/** The settings a run with Cloud Run needs, as one phrase. */
function serviceSettings(frontEnd?: FrontEnd): string {
  return ['gcp-project', 'container-image', 'db-password-secret']
    .map((s) => settingName(s, frontEnd))
    .join(', ');
}

/**
 * Cloud Run's own checks (cloudrun/preflight.ts) name the action's inputs; in the CLI their
 * message and hint name its flags instead (`gcp-project` → `--project (or GOOGLE_CLOUD_PROJECT)`,
 * `set skip-cloud-run: true` → `pass --no-cloud-run …`).
 */
export function forFrontEnd(e: unknown, frontEnd?: FrontEnd): unknown {
  if (frontEnd !== 'cli' || !isPromotionError(e)) return e;
  const rename = (text: string) =>
    text
      .replace(/\b[Ss]et skip-cloud-run: true\b/g, `pass ${settingName('skip-cloud-run', 'cli')}`)
      .replace(
        /\b(gcp-project|gcp-region|container-image|db-password-secret|min-instances|max-instances|service-account|cloud-run-api-endpoint)\b/g,
        (name) => settingName(name, 'cli'),
      );
  const hint = e.hint === undefined ? undefined : rename(e.hint);
  if (e instanceof InputError) return new InputError(rename(e.message), hint, e.code);
  return new PromotionError(e.code, rename(e.message), hint, { cause: e });
}

/**
 * Checks everything that needs no database before any database work: with Cloud Run on, the
 * project, image, password secret, endpoints and credentials (so a missing setting fails in a
 * second, not after a copy). A dry run needs only what it uses: without the service's settings
 * it plans the database part and notes what a real run would need.
 */
export const preflightStep: Step<PromotionContext> = {
  name: 'preflight',
  title: 'Check the settings',
  async run(ctx) {
    const { options } = ctx;
    const frontEnd = options.frontEnd;
    if (options.skipCloudRun) return 'Cloud Run skipped';
    if (!options.cloudRun) {
      if (options.dryRun) {
        const note = `Cloud Run: this dry run planned the database part only — no Cloud Run settings were given. A real run deploys the service ${ctx.names.service} and needs ${serviceSettings(frontEnd)}; or skip the service with ${settingName('skip-cloud-run', frontEnd)}.`;
        ctx.record.notes.push(note);
        ctx.log.warn(note);
        return 'Cloud Run not planned: no Cloud Run settings (a real run needs them)';
      }
      throw new InputError(
        'Cloud Run is on, but its settings are not set.',
        `Set ${serviceSettings(frontEnd)}, or skip the service with ${settingName('skip-cloud-run', frontEnd)}.`,
      );
    }
    try {
      await preflightCloudRun(options.cloudRun);
    } catch (e) {
      throw forFrontEnd(e, frontEnd);
    }
    return `Cloud Run settings checked (project ${options.cloudRun.project}, region ${options.cloudRun.region})`;
  },
};
