import * as core from '@actions/core';
import { isValidSlug } from '../names';
import type { RunRecord } from '../pipeline/record';

export interface ActionOutputs {
  'tenant-slug'?: string;
  result: RunRecord['result'];
  'database-name'?: string;
  'service-url'?: string;
  revision?: string;
  'comment-url'?: string;
  'database-password'?: string;
  'deployment-id'?: string;
}

/** The outputs for a record (pure). */
export function outputsFor(
  record: RunRecord | undefined,
  extra: { commentUrl?: string; password?: string; tenant?: string; deploymentId?: number },
): ActionOutputs {
  return {
    'tenant-slug': [record?.tenant, extra.tenant].find((t): t is string => !!t && isValidSlug(t)),
    result: record?.result ?? 'failed',
    'database-name': record?.database,
    'service-url': record?.serviceUrl,
    revision: record?.revision,
    'comment-url': extra.commentUrl,
    'database-password': extra.password,
    'deployment-id': extra.deploymentId === undefined ? undefined : String(extra.deploymentId),
  };
}

/** Sets every output (empty when unknown); the password is masked before it is set. */
export function setOutputs(outputs: ActionOutputs): void {
  if (outputs['database-password']) core.setSecret(outputs['database-password']);
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value ?? '');
}

/**
 * Delivers the tenant role's password the moment the engine hands it on (right after the
 * switch, or after a rotation): masked first, then written to the step's outputs file
 * (GITHUB_OUTPUT, appended synchronously), so it is delivered even if the run fails or is killed
 * later. The final outputs set it again (the last value of a name wins).
 */
export function setPasswordOutput(password: string): void {
  core.setSecret(password);
  core.setOutput('database-password', password);
}
