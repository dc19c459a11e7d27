import { deployRotatedPassword, type DeployInput, type DeployResult } from '../cloudrun/deploy';
import { versionId } from '../cloudrun/service-spec';
import { PromotionError, describeError } from '../errors';
import { connect } from '../postgres/connect';
import { readCredentials, writeCredentials, type CredentialsPatch } from '../postgres/credentials';
import { generatePassword, setAppRolePassword } from '../postgres/roles';
import { historyEntry } from '../postgres/tenants';
import { redact, registerSecret } from '../secrets';
import type { CredentialsOutcome, PasswordChannel } from './api';
import type { PromotionContext } from './context';
import { asOwner, asOwnerWithTarget } from './ownership';
import type { CredentialsChannel, CredentialsRecord, IsolationSettings } from './tenant-state';

/**
 * The tenant role's password is never lost: whenever a run leaves the tenant isolated, the
 * application can get its credentials.
 *
 * - With Cloud Run, the deploy step wrote the password to Secret Manager before the switch, and
 *   the service reads it from there: delivered.
 * - Otherwise the run that switched hands it to its front end right after the switch
 *   (`RunDeps.deliverPassword`: the action's masked output, the CLI's `--password-file`), and
 *   only once that returned is the delivery recorded in `settings.isolation.credentials` (never
 *   the password itself), in a transaction that proves the run still owns the tenant.
 *
 * A run killed between the switch and that record, or a front end with no way to hand a
 * password on, leaves the password undelivered, and then a later run rotates it (ALTER ROLE …
 * PASSWORD, a SCRAM verifier) and delivers the new one; the old one stops working. A password
 * some run delivered is never rotated. Everything here happens after the commit point: a failure
 * undoes nothing, and the next run picks up from what is recorded.
 */

/** Where the role's current password stands, from `settings.isolation`. */
export type CredentialsState =
  /** Delivered (recorded, or a Secret Manager version written before the switch, not yet recorded). */
  | { status: 'delivered'; via: CredentialsChannel; recorded: boolean }
  /** Never delivered: a run with a way to deliver rotates it. */
  | { status: 'pending'; record?: CredentialsRecord }
  /** Complete before deliveries were recorded (an earlier version of the tool): left alone. */
  | { status: 'unrecorded' };

export function credentialsState(isolation: IsolationSettings | undefined): CredentialsState {
  const record = currentRecord(isolation);
  if (record) {
    return record.delivered
      ? { status: 'delivered', via: record.delivered, recorded: true }
      : { status: 'pending', record };
  }
  if (isolation?.service?.secret_version)
    return { status: 'delivered', via: 'secret-manager', recorded: false };
  // The run that switched stopped before delivering (it had no service): never delivered.
  if (isolation?.state === 'switched') return { status: 'pending' };
  return { status: 'unrecorded' };
}

/** The credentials record of the switch `isolation` describes (one of an earlier promotion is stale). */
function currentRecord(isolation: IsolationSettings | undefined): CredentialsRecord | undefined {
  const record = isolation?.credentials;
  return record && record.switched_at === isolation?.isolated_at ? record : undefined;
}

/** How a rotation would reach the application, or why this run cannot deliver one. */
type Delivery =
  | { kind: 'cloud-run'; service: NonNullable<IsolationSettings['service']> }
  | { kind: 'front-end'; deliver: (password: string) => Promise<PasswordChannel> }
  | { kind: 'none'; why: string };

function deliveryFor(ctx: PromotionContext, isolation: IsolationSettings | undefined): Delivery {
  const service = isolation?.service;
  if (service) {
    // The service reads the password from Secret Manager: a rotation must deploy it, or the
    // running service would be left with a password that no longer works.
    if (ctx.options.skipCloudRun || !ctx.options.cloudRun) {
      return {
        kind: 'none',
        why: `the tenant's Cloud Run service ${service.name} reads it from Secret Manager and this run has Cloud Run off`,
      };
    }
    return { kind: 'cloud-run', service };
  }
  const deliver = ctx.deps.deliverPassword?.bind(ctx.deps);
  if (deliver) return { kind: 'front-end', deliver };
  return { kind: 'none', why: 'this run has no way to hand a password on (CLI: pass --password-file)' };
}

/**
 * An already isolated tenant whose password was never delivered, and this run can deliver one:
 * the run claims the tenant and rotates it (see promote.ts).
 */
export function rotationWanted(ctx: PromotionContext): boolean {
  const isolation = ctx.tenant?.isolation;
  return credentialsState(isolation).status === 'pending' && deliveryFor(ctx, isolation).kind !== 'none';
}

const outcomes = new WeakMap<PromotionContext, CredentialsOutcome>();

/** What the credentials step did in this run (for RunOutcome). */
export function credentialsOutcome(ctx: PromotionContext): CredentialsOutcome | undefined {
  return outcomes.get(ctx);
}

export function describeChannel(channel: CredentialsChannel): string {
  switch (channel) {
    case 'secret-manager':
      return 'Secret Manager (db-password-secret)';
    case 'output':
      return 'the masked output database-password';
    case 'file':
      return 'the password file (mode 0600)';
  }
}

/** The credentials step: delivers, records, or rotates; returns the step's one-line detail. */
export async function settleCredentials(ctx: PromotionContext): Promise<string> {
  if (ctx.mode === 'fresh') return deliverSwitched(ctx);
  const isolation = ctx.tenant?.isolation;
  const state = credentialsState(isolation);
  if (state.status === 'unrecorded') {
    outcomes.set(ctx, { rotated: false, pending: false });
    return 'promoted before deliveries were recorded: the password is left as it is';
  }
  if (state.status === 'delivered') {
    if (!state.recorded) await record(ctx, { delivered: state.via });
    outcomes.set(ctx, { delivered: state.via, rotated: false, pending: false });
    return `password delivered earlier through ${describeChannel(state.via)}: not rotated`;
  }
  const delivery = deliveryFor(ctx, isolation);
  if (delivery.kind === 'none') {
    if (!state.record) await record(ctx, {});
    outcomes.set(ctx, { rotated: false, pending: true });
    const note = `The password of ${appRole(ctx)} was never delivered, and this run cannot deliver a new one: ${delivery.why}. A later run that can (the action, or the CLI with --password-file) rotates it and delivers the new one.`;
    ctx.record.notes.push(note);
    ctx.log.warn(note);
    return `password never delivered; not rotated: ${delivery.why}`;
  }
  return rotate(ctx, delivery, state.record);
}

/** The run that switched: its password (made by the roles step) reaches the application now. */
async function deliverSwitched(ctx: PromotionContext): Promise<string> {
  const password = ctx.appPassword;
  if (!password) throw new PromotionError('internal', 'The switch ran without a generated password.');
  const secretVersion = ctx.service?.secret_version;
  if (secretVersion) {
    // Written before the switch, and the service's revision reads it: delivered already.
    await record(ctx, { delivered: 'secret-manager' });
    outcomes.set(ctx, { delivered: 'secret-manager', rotated: false, pending: false });
    const also = await handOnAlso(ctx, password);
    return `password in Secret Manager (version ${versionId(secretVersion)}, written before the switch)${also}`;
  }
  const deliver = ctx.deps.deliverPassword?.bind(ctx.deps);
  if (deliver) {
    const channel = await deliver(password);
    await record(ctx, { delivered: channel });
    outcomes.set(ctx, { delivered: channel, rotated: false, pending: false });
    return `password delivered through ${describeChannel(channel)}`;
  }
  await record(ctx, {});
  outcomes.set(ctx, { rotated: false, pending: true });
  const note = `The password of ${appRole(ctx)} was not delivered: this run has no way to hand it on. A later run that can (the action, or the CLI with --password-file) rotates it and delivers the new one.`;
  ctx.record.notes.push(note);
  return 'password not delivered (no way to hand it on): a later run that can will rotate it';
}

/** With Cloud Run the password is in Secret Manager; the front end may still hand it on (masked). */
async function handOnAlso(ctx: PromotionContext, password: string): Promise<string> {
  const deliver = ctx.deps.deliverPassword?.bind(ctx.deps);
  if (!deliver) return '';
  try {
    return ` and ${describeChannel(await deliver(password))}`;
  } catch (e) {
    ctx.log.warn(`Could not also hand the password on: ${redact(describeError(e).message)}`);
    return '';
  }
}

/**
 * A password no run delivered: a new one replaces it and is delivered. With a Cloud Run service,
 * the new secret version and a revision using it come first and the role's password changes last
 * (see deployRotatedPassword for why); without one, the role's password changes first (with the
 * rotation recorded in the same transaction), then the front end delivers it and the delivery is
 * recorded. A run killed in between leaves it undelivered again, so the next run rotates again.
 */
async function rotate(
  ctx: PromotionContext,
  delivery: Exclude<Delivery, { kind: 'none' }>,
  previous: CredentialsRecord | undefined,
): Promise<string> {
  const isolation = ctx.tenant?.isolation;
  const role = appRole(ctx);
  const password = generatePassword();
  registerSecret(password);
  ctx.deps.log.secret(password);
  const at = new Date().toISOString();
  const rotations = (previous?.rotations ?? 0) + 1;
  const history = (how: string) =>
    historyEntry({
      event: 'password-rotated',
      actor: ctx.deps.trigger.actor,
      source: ctx.deps.trigger.source,
      pull_request: ctx.deps.trigger.pullRequest,
      run_url: ctx.deps.trigger.runUrl,
      detail: `password of ${role} rotated: no run had delivered it; ${how}`,
    });
  let pid: number | undefined;
  /** ALTER ROLE, with the rotation recorded, in one transaction that proves ownership. */
  const changeRolePassword = (patch: Omit<CredentialsPatch, 'credentials'>, delivered?: CredentialsChannel) =>
    asOwnerWithTarget(ctx, "rotating the tenant role's password", async (target, c) => {
      pid = (c as unknown as { processID?: number }).processID;
      // The role lives on the target server; the record in the shared database.
      await setAppRolePassword(target, role, password, {
        slug: ctx.names.slug,
        sourceDatabase: isolation?.source_database ?? ctx.sharedDatabase,
      });
      await writeCredentials(c, ctx.options.tenantsTable, ctx.names.slug, {
        ...patch,
        credentials: credentialsRecord(ctx, { delivered, rotated_at: at, rotations }),
      });
    });
  const note = (how: string) =>
    ctx.record.notes.push(
      `The password of ${role} was rotated: no run had delivered it (the run that switched stopped before it could, or had no way to). The new one was delivered through ${how}; the previous one no longer works.`,
    );

  if (delivery.kind === 'cloud-run') {
    const deployed = await deployRotatedPassword(
      rotationDeployInput(ctx, delivery.service.name, password),
      (result: DeployResult) =>
        changeRolePassword(
          {
            service: { secret_version: result.secretVersion, revision: result.revision, url: result.url },
            history: history(
              `new Secret Manager version ${versionId(result.secretVersion ?? '?')}, revision ${result.revision ?? '?'}`,
            ),
          },
          'secret-manager',
        ),
      (e) => changedAfterAll(ctx, e, pid, at),
    );
    ctx.appPassword = password;
    ctx.record.revision = deployed.revision;
    if (deployed.url) ctx.record.serviceUrl = deployed.url;
    remember(ctx, { delivered: 'secret-manager', rotated_at: at, rotations });
    const isolationNow = ctx.tenant?.isolation;
    if (isolationNow?.service)
      isolationNow.service = {
        ...isolationNow.service,
        secret_version: deployed.secretVersion,
        revision: deployed.revision,
        ...(deployed.url && { url: deployed.url }),
      };
    outcomes.set(ctx, { delivered: 'secret-manager', rotated: true, pending: false });
    const how = `Secret Manager version ${versionId(deployed.secretVersion ?? '?')}, used by revision ${deployed.revision ?? '?'} of ${deployed.serviceName}`;
    note(how);
    const also = await handOnAlso(ctx, password);
    return `password rotated (no run had delivered it): ${how}, deployed before the role's password changed${also}`;
  }

  await changeRolePassword({ history: history(`delivered through the front end`) });
  ctx.appPassword = password;
  remember(ctx, { rotated_at: at, rotations });
  outcomes.set(ctx, { rotated: true, pending: true });
  const channel = await delivery.deliver(password);
  await record(ctx, { delivered: channel });
  outcomes.set(ctx, { delivered: channel, rotated: true, pending: false });
  note(describeChannel(channel));
  return `password rotated (no run had delivered it) and delivered through ${describeChannel(channel)}`;
}

/** The record to write: this switch, this run, now; rotations of this switch carried over. */
function credentialsRecord(ctx: PromotionContext, fields: Partial<CredentialsRecord>): CredentialsRecord {
  const previous = currentRecord(ctx.tenant?.isolation);
  return {
    ...(previous?.rotated_at && { rotated_at: previous.rotated_at, rotations: previous.rotations }),
    ...fields,
    switched_at: ctx.tenant?.isolation?.isolated_at,
    at: new Date().toISOString(),
    run: ctx.run.id,
  };
}

/** Records the credentials (proving ownership) and keeps the context's copy of the row in step. */
async function record(ctx: PromotionContext, fields: Partial<CredentialsRecord>): Promise<void> {
  const credentials = credentialsRecord(ctx, fields);
  await asOwner(ctx, 'recording the delivery of the credentials', (c) =>
    writeCredentials(c, ctx.options.tenantsTable, ctx.names.slug, { credentials }),
  );
  if (ctx.tenant?.isolation) ctx.tenant.isolation = { ...ctx.tenant.isolation, credentials };
}

function remember(ctx: PromotionContext, fields: Partial<CredentialsRecord>): void {
  if (ctx.tenant?.isolation)
    ctx.tenant.isolation = { ...ctx.tenant.isolation, credentials: credentialsRecord(ctx, fields) };
}

function appRole(ctx: PromotionContext): string {
  return ctx.tenant?.isolation?.app_role ?? ctx.names.appRole;
}

function rotationDeployInput(ctx: PromotionContext, serviceName: string, password: string): DeployInput {
  const { host, port } = ctx.servers.applicationHost(ctx.options.databaseHost);
  return {
    options: ctx.options.cloudRun!,
    serviceName,
    slug: ctx.names.slug,
    tenantId: ctx.names.slug,
    database: {
      name: ctx.tenant?.isolation?.isolated_db_name ?? ctx.names.database,
      host,
      port,
      user: appRole(ctx),
      password,
    },
    dryRun: false,
    log: ctx.log,
    signal: ctx.signal,
  };
}

/**
 * After the rotation's transaction failed: did it commit anyway? A PromotionError (ownership
 * lost, a role not ours, the tenant changed) was raised inside it, so it rolled back. Otherwise
 * (the connection broke) the old backend is ended and waited for, then the record is read back:
 * it carries this rotation's time and run exactly when the transaction committed.
 */
async function changedAfterAll(
  ctx: PromotionContext,
  e: unknown,
  pid: number | undefined,
  at: string,
): Promise<'changed' | 'unchanged' | 'unknown'> {
  if (e instanceof PromotionError) return 'unchanged';
  const check = await connect(ctx.servers.sharedUrl);
  try {
    if (pid) await check.query('SELECT pg_terminate_backend($1::int, 10000)', [pid]).catch(() => undefined);
    if (pid && (await check.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount)
      return 'unknown';
    const now = await readCredentials(check, ctx.options.tenantsTable, ctx.names.slug);
    return now?.rotated_at === at && now.run === ctx.run.id ? 'changed' : 'unchanged';
  } finally {
    await check.end().catch(() => undefined);
  }
}
