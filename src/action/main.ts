/**
 * The action's entry: reads inputs once, resolves the trigger, checks who asked, runs the engine
 * and reports. One try/catch; every failure ends in core.setFailed with an actionable message
 * and, when a PR is known, a comment saying what happened.
 */
import * as core from '@actions/core';
import { describeError, PromotionError } from '../errors';
import type { Logger } from '../log';
import type { ConfigFileChange, RunDeps } from '../pipeline/api';
import type { RunRecord, TriggerInfo } from '../pipeline/record';
import { redact, registerSecret } from '../secrets';
import {
  eventActor,
  fetchPullRequest,
  payloadPullNumber,
  readEvent,
  readRunnerEnv,
  requireRepository,
  type PullRequestDetails,
  type RunnerEnv,
} from './event';
import { deploymentEnvironment, deploymentRef, DeploymentTracker } from './deployments';
import type { GitHubClient } from './octokit';
import { readInputs, toPromotionOptions, type ActionInputs } from './inputs';
import { writeTargetCa } from './target-ca';
import { outputsFor, setOutputs, setPasswordOutput } from './outputs';
import { actorsToCheck, checkFork, checkPermissions } from './permissions';
import { Preflight } from './preflight';
import { Reporter } from './reporter';
import { mightBeOurs, resolveTrigger, type Operation, type TriggerInputs } from './trigger';

const PR_EVENTS = new Set(['pull_request', 'pull_request_target']);

export function actionLogger(): Logger {
  return {
    info: (m) => core.info(redact(m)),
    warn: (m) => core.warning(redact(m)),
    error: (m) => core.error(redact(m)),
    debug: (m) => core.debug(redact(m)),
    group: (title, fn) => core.group(redact(title), fn),
    secret: (v) => {
      registerSecret(v);
      core.setSecret(v);
    },
  };
}

export function triggerInputs(inputs: ActionInputs): TriggerInputs {
  return {
    tenantSlug: inputs['tenant-slug'],
    label: inputs.label,
    rollbackLabel: inputs['rollback-label'],
    defaultTenant: inputs['default-tenant'],
    pullRequest: inputs['pull-request'],
    operation: inputs.operation,
  };
}

/** Masks the credentials that could otherwise reach a log line. */
function maskSecrets(inputs: ActionInputs): void {
  const mask = (v: string | undefined) => {
    if (!v) return;
    registerSecret(v);
    core.setSecret(v);
  };
  mask(inputs['github-token']);
  for (const url of [inputs['database-url'], inputs['target-database-url']]) {
    try {
      const u = new URL(url ?? '');
      mask(decodeURIComponent(u.password));
      mask(u.password);
    } catch {
      // key=value connection strings: redact() handles password=…
    }
  }
}

function skipped(reason: string): void {
  core.info(`Nothing to do: ${redact(reason)}.`);
  setOutputs({ ...outputsFor(undefined, {}), result: 'skipped' });
}

/** Aborted on SIGTERM/SIGINT (the runner's cancel): the engine undoes or leaves the run resumable. */
function cancellation(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals) => {
    core.warning(`Received ${sig}: cancelling the run at the next safe point.`);
    controller.abort(
      new PromotionError('cancelled', `The run was cancelled (${sig}).`, 'Re-run the workflow to try again.'),
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
    },
  };
}

export async function run(): Promise<void> {
  const cancel = cancellation();
  const preflight = new Preflight();
  let reporter: Reporter | undefined;
  let operation: Operation = 'promote';
  let tenant: string | undefined;
  let trigger: TriggerInfo = { source: 'github' };
  /** The engine's last reported record, so a crash still reports the steps that ran. */
  let lastRecord: RunRecord | undefined;
  /** The tenant role's password once delivered (masked output): every later setOutputs keeps it. */
  let deliveredPassword: string | undefined;
  /** The run's GitHub Deployment (deployment-environment), never a reason to fail. */
  let deployment: DeploymentTracker | undefined;
  try {
    const inputs = readInputs((name) => core.getInput(name));
    maskSecrets(inputs);
    const env = readRunnerEnv();
    const event = readEvent(env);
    const tInputs = triggerInputs(inputs);

    // Somebody else's label: no API call, no database, no comment.
    if (!mightBeOurs(event, tInputs)) {
      const label = (event.payload.label as { name?: unknown } | undefined)?.name;
      return skipped(
        event.payload.action === 'labeled'
          ? `label ${JSON.stringify(String(label ?? '')).slice(0, 80)} is not a trigger label`
          : `pull request action "${String(event.payload.action)}" is not "labeled"`,
      );
    }

    requireRepository(env);
    // Loaded lazily: a skipped run never loads the GitHub client.
    const { createOctokit } = await import('./octokit');
    const octokit = createOctokit(inputs['github-token']);
    const isPr = PR_EVENTS.has(event.name);
    const prNumber = payloadPullNumber(event);
    const runUrl = env.runId
      ? `${env.serverUrl}/${env.repository.owner}/${env.repository.repo}/actions/runs/${env.runId}${env.runAttempt ? `/attempts/${env.runAttempt}` : ''}`
      : undefined;

    let current: PullRequestDetails | undefined;
    const resolved = await preflight.step(
      'resolve-trigger',
      'Resolve the trigger',
      async () => {
        if (isPr && prNumber !== undefined)
          current = await fetchPullRequest(octokit, env.repository, prNumber);
        return resolveTrigger(event, tInputs, current);
      },
      (t) =>
        t.kind === 'run' ? `tenant ${t.slug} from the ${t.source}` : t.kind === 'skip' ? t.reason : 'refused',
    );
    if (resolved.kind === 'skip') return skipped(resolved.reason);

    operation = resolved.operation;
    tenant = resolved.kind === 'run' ? resolved.slug : undefined;
    const actor = eventActor(event, env);
    trigger = {
      actor:
        env.triggeringActor && env.triggeringActor !== actor
          ? `${actor} (re-run by ${env.triggeringActor})`
          : actor,
      source: resolved.label ? `${event.name}: label ${resolved.label}` : event.name,
      pullRequest: resolved.pullRequest,
      runUrl,
      runId: env.runId,
    };
    reporter = new Reporter(octokit, env.repository, resolved.pullRequest, runUrl, tenant ?? '', operation);

    if (isPr) {
      const pr = current;
      await preflight.step(
        'check-fork',
        'Check the pull request’s origin',
        () => {
          const head = pr?.headRepo;
          const base = pr?.baseRepo ?? `${env.repository.owner}/${env.repository.repo}`;
          checkFork(head, base, inputs['allow-forks']);
          return head === base ? 'same repository' : 'fork allowed by allow-forks';
        },
        (d) => d,
      );
    }
    await preflight.step(
      'check-permission',
      'Check the actor’s permission',
      async () => {
        const actors = actorsToCheck(actor, env.triggeringActor);
        await checkPermissions(octokit, env.repository, actors, inputs['required-permission']);
        return actors;
      },
      (actors) => `${actors.join(', ')}: ${inputs['required-permission']} or more`,
    );
    if (resolved.kind === 'invalid') {
      // Recorded as a failed preflight step: refused before any connection to a database.
      await preflight.step('validate-tenant', 'Validate the tenant slug', () => {
        throw resolved.error;
      });
      return;
    }

    const options = await preflight.step(
      'validate-inputs',
      'Validate the inputs',
      async () => {
        const o = toPromotionOptions(inputs, resolved.slug, { commitSha: env.sha });
        // The target's CA from a secret input: a private file pg reads (verify-full).
        const ca = inputs['target-database-ca'];
        return ca ? { ...o, targetCaFile: await writeTargetCa(ca, process.env.RUNNER_TEMP) } : o;
      },
      (o) =>
        `tenant ${o.tenantSlug}${o.dryRun ? ', dry run' : ''}${o.skipCloudRun ? ', Cloud Run skipped' : ''}`,
    );

    const environment = options.dryRun
      ? undefined
      : deploymentEnvironment(inputs['deployment-environment'], options.tenantSlug);
    if (environment) {
      deployment = new DeploymentTracker(octokit, env.repository, environment, runUrl, (m) =>
        core.warning(m),
      );
      const ref = deploymentRef({
        prHeadSha: current?.headSha,
        payload: event.payload,
        githubRef: process.env.GITHUB_REF,
        sha: env.sha,
      });
      if (operation === 'promote' && ref)
        await deployment.start({ ref, tenant: options.tenantSlug, pullRequest: resolved.pullRequest });
    }

    const deps: RunDeps = {
      log: actionLogger(),
      trigger,
      signal: cancel.signal,
      onChange: (record) => {
        lastRecord = structuredClone(record);
        // The switch committed: the tenant is served from its new database now.
        if (operation === 'promote' && record.committed) void deployment?.finish('success', switched(record));
        return reporter?.progress(preflight.withPreflight(record));
      },
      // Past the switch the password is this run's to hand on, whatever happens next: the
      // output is written now, not when the run ends.
      deliverPassword: async (password) => {
        registerSecret(password);
        setPasswordOutput(password);
        deliveredPassword = password;
        return 'output';
      },
    };
    if (cancel.signal.aborted) throw cancel.signal.reason;
    // Loaded only now: a skipped run never pays for pg or the Cloud Run client.
    const outcome =
      operation === 'rollback'
        ? await (await import('../pipeline/rollback')).rollback(options, deps)
        : await (await import('../pipeline/promote')).promote(options, deps);
    const record = preflight.withPreflight(outcome.record);
    if (inputs['commit-config'] && outcome.configFiles?.length) {
      record.notes.push(await publishConfig(octokit, env, current, outcome.configFiles, record));
    }
    if (deployment) await settleDeployment(deployment, record);
    await reporter.final(record);
    setOutputs(
      outputsFor(record, {
        commentUrl: reporter.commentUrl,
        password: outcome.databasePassword ?? deliveredPassword,
        deploymentId: deployment?.id,
      }),
    );
    if (record.result === 'failed') core.setFailed(failureMessage(record));
  } catch (e) {
    const err = describeError(e);
    const record: RunRecord = lastRecord
      ? preflight.withPreflight({
          ...lastRecord,
          result: 'failed',
          finishedAt: new Date().toISOString(),
          error: { code: err.code, message: redact(err.message), hint: err.hint && redact(err.hint) },
        })
      : preflight.failedRecord(e, operation, tenant, trigger);
    core.setFailed(redact(`${err.message}${err.hint ? `\n${err.hint}` : ''}`));
    if (deployment) await settleDeployment(deployment, record);
    if (reporter) await reporter.final(record);
    setOutputs(
      outputsFor(record, {
        commentUrl: reporter?.commentUrl,
        password: deliveredPassword,
        deploymentId: deployment?.id,
      }),
    );
  } finally {
    cancel.dispose();
  }
}

/**
 * commit-config: the routing files go to the PR's branch, reviewed and merged with the PR. A
 * failure here does not undo the promotion (it is past its commit point); it is reported.
 */
async function publishConfig(
  octokit: GitHubClient,
  env: RunnerEnv,
  pr: PullRequestDetails | undefined,
  files: ConfigFileChange[],
  record: RunRecord,
): Promise<string> {
  const base = `${env.repository.owner}/${env.repository.repo}`;
  if (!pr?.headRef)
    return 'commit-config: no pull request branch to commit the routing files to; they are in the workspace.';
  if (pr.headRepo !== base)
    return 'commit-config: the PR branch is in a fork; the routing files were not committed.';
  try {
    const { commitConfigFiles } = await import('./commit-config');
    const verb = record.operation === 'rollback' ? 'Remove' : 'Add';
    const paths = await commitConfigFiles(
      octokit,
      env.repository,
      pr.headRef,
      files,
      env.workspace,
      `${verb} routing config for tenant ${record.tenant}`,
    );
    return `commit-config: ${paths.length ? paths.join(', ') : 'no file'} committed to ${pr.headRef}.`;
  } catch (e) {
    core.warning(redact(`Could not commit the routing files: ${describeError(e).message}`));
    return `commit-config: could not commit the routing files (${redact(describeError(e).message)}); they are in the workspace.`;
  }
}

/** The success status after the switch: the service URL (none without Cloud Run). */
function switched(record: RunRecord): { environmentUrl?: string; description: string } {
  return {
    environmentUrl: record.serviceUrl,
    description: `Tenant ${record.tenant} is served from its own database${record.database ? ` ${record.database}` : ''}`,
  };
}

/**
 * The deployment's last status, from the run's end: success (if the switch did not already post
 * it), failure, or — after a rollback — the environment's latest deployment inactive. Its one
 * warning, if any, goes into the record's notes (the summary and the comment).
 */
async function settleDeployment(deployment: DeploymentTracker, record: RunRecord): Promise<void> {
  if (record.operation === 'rollback') {
    if (record.result === 'rolled-back')
      await deployment.deactivateLatest(`Tenant ${record.tenant} rolled back to the shared database`);
  } else if (record.result === 'promoted' || record.result === 'already-isolated') {
    await deployment.finish('success', switched(record));
  } else if (record.result === 'failed') {
    const at = record.error?.step ? ` at ${record.error.step}` : '';
    await deployment.finish('failure', {
      description: record.committed
        ? `Switched, then failed${at}: re-run to finish`
        : `Failed${at}: the tenant stays shared`,
    });
  }
  record.notes.push(...deployment.notes.filter((n) => !record.notes.includes(n)));
}

function failureMessage(record: RunRecord): string {
  const e = record.error;
  if (!e) return `The ${record.operation} of ${record.tenant} failed.`;
  return redact(`${e.message}${e.hint ? `\n${e.hint}` : ''}`);
}
