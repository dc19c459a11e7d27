/**
 * Google API errors as PromotionErrors: the gRPC status turned into a message a user can act on,
 * with the IAM role or setting that fixes it.
 */
import { PromotionError } from '../errors';
import { redact } from '../secrets';

/** gRPC status codes used here. */
export const Status = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export function grpcCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function isNotFound(e: unknown): boolean {
  return grpcCode(e) === Status.NOT_FOUND;
}

/** The server's own words, without the `5 NOT_FOUND: ` prefix grpc-js adds to `message`. */
export function grpcDetails(e: unknown): string {
  const err = e as { details?: unknown; message?: unknown } | null;
  if (typeof err?.details === 'string' && err.details) return err.details;
  if (typeof err?.message === 'string') return err.message.replace(/^\d+ [A-Z_]+: /, '');
  return String(e);
}

export function googleError(
  e: unknown,
  what: string,
  hints: { permission?: string; notFound?: string; other?: string } = {},
): PromotionError {
  if (e instanceof PromotionError) return e;
  const code = grpcCode(e);
  const details = redact(grpcDetails(e));
  let hint = hints.other;
  if (code === Status.PERMISSION_DENIED && hints.permission) hint = hints.permission;
  else if (code === Status.NOT_FOUND && hints.notFound) hint = hints.notFound;
  else if (code === Status.UNAUTHENTICATED || /Could not load the default credentials/i.test(details))
    hint =
      'The Google credentials were refused: check the google-github-actions/auth step (workload identity provider and service account) or GOOGLE_APPLICATION_CREDENTIALS.';
  else if (code === Status.UNAVAILABLE || code === Status.DEADLINE_EXCEEDED)
    hint =
      'The API did not answer in time: re-run the promotion; check cloud-run-api-endpoint if you set one.';
  return new PromotionError('cloud-run', `${what}: ${details}`, hint, { cause: e });
}

export const RUN_PERMISSION_HINT =
  'The deploying identity needs roles/run.admin on the project and roles/iam.serviceAccountUser on the runtime service account (the "actAs" permission).';
export const SECRET_PERMISSION_HINT =
  'The deploying identity needs roles/secretmanager.secretVersionAdder on the secret (and roles/secretmanager.secretVersionManager to undo); the runtime service account needs roles/secretmanager.secretAccessor.';
