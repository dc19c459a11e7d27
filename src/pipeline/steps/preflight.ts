import { preflightCloudRun } from '../../cloudrun/preflight';
import { InputError, isPromotionError, PromotionError, settingName, type FrontEnd } from '../../errors';
import type { PromotionContext } from '../context';
import type { Step } from '../step';

/**
 * How the CLI spells the service's settings, by the action input's name (errors.ts knows the
 * database ones). Settings the CLI has no flag for keep their environment variable.
 */
const CLI_CLOUD_SETTINGS: Readonly<Record<string, string>> = {
  'gcp-project': '--project (or GOOGLE_CLOUD_PROJECT)',
  'gcp-region': '--region (or CLOUD_RUN_REGION)',
  'container-image': '--image (or CONTAINER_IMAGE)',
  'db-password-secret': '--db-password-secret (or DB_PASSWORD_SECRET)',
  'min-instances': '--min-instances (or MIN_INSTANCES)',
  'max-instances': '--max-instances (or MAX_INSTANCES)',
  'service-account': '--service-account (or SERVICE_ACCOUNT)',
  'cloud-run-api-endpoint': 'CLOUD_RUN_API_ENDPOINT',
  'skip-cloud-run': '--no-cloud-run (or SKIP_CLOUD_RUN=true)',
};

/** A Cloud Run setting named as the front end in use spells it (see settingName in errors.ts). */
export function cloudSetting(input: string, frontEnd?: FrontEnd): string {
  const cli = CLI_CLOUD_SETTINGS[input];
  if (!cli) return settingName(input, frontEnd);
  if (frontEnd === 'cli') return cli;
  if (frontEnd === 'action') return `the ${input} input`;
  return `the ${input} input (CLI: ${cli})`;
}

/** The settings a run with Cloud Run needs, as one phrase. */
function serviceSettings(frontEnd?: FrontEnd): string {
  return ['gcp-project', 'container-image', 'db-password-secret']
    .map((s) => cloudSetting(s, frontEnd))
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
      .replace(/\b[Ss]et skip-cloud-run: true\b/g, `pass ${CLI_CLOUD_SETTINGS['skip-cloud-run']}`)
      .replace(
        /\b(gcp-project|gcp-region|container-image|db-password-secret|min-instances|max-instances|service-account|cloud-run-api-endpoint)\b/g,
        (name) => CLI_CLOUD_SETTINGS[name] ?? name,
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
        const note = `Cloud Run: this dry run planned the database part only — no Cloud Run settings were given. A real run deploys the service ${ctx.names.service} and needs ${serviceSettings(frontEnd)}; or skip the service with ${cloudSetting('skip-cloud-run', frontEnd)}.`;
        ctx.record.notes.push(note);
        ctx.log.warn(note);
        return 'Cloud Run not planned: no Cloud Run settings (a real run needs them)';
      }
      throw new InputError(
        'Cloud Run is on, but its settings are not set.',
        `Set ${serviceSettings(frontEnd)}, or skip the service with ${cloudSetting('skip-cloud-run', frontEnd)}.`,
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
