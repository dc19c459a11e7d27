import { describeError } from '../errors';
import type { Logger } from '../log';
import { redact } from '../secrets';
import type { RunRecord, StepRecord } from './record';
import type { Step } from './step';

export interface RunnerContext {
  record: RunRecord;
  log: Logger;
  /** Aborted on cancellation (SIGTERM): steps stop at the next safe point. */
  signal?: AbortSignal;
}

export interface RunnerHooks {
  /** Called after every change of a step's status, e.g. to refresh a progress comment. */
  onChange?(record: RunRecord): void | Promise<void>;
  /** Fault injection for tests: called at `before:<step>` and `after:<step>`; may throw or kill. */
  fault?(point: string): void | Promise<void>;
}

const now = () => new Date().toISOString();

/**
 * Runs steps in order, recording status and duration. On failure before the commit point it
 * undoes the completed steps in reverse; after the commit point it stops and leaves the run
 * resumable. Returns normally; the outcome is in the record (result, error, undone).
 */
export async function runSteps<C extends RunnerContext>(
  steps: readonly Step<C>[],
  ctx: C,
  hooks: RunnerHooks = {},
): Promise<RunRecord> {
  const { record, log } = ctx;
  record.steps = steps.map((s) => ({ name: s.name, title: s.title, status: 'pending' }) satisfies StepRecord);
  const completed: Step<C>[] = [];
  const changed = async () => {
    try {
      await hooks.onChange?.(record);
    } catch (e) {
      log.warn(`could not update the progress report: ${redact(describeError(e).message)}`);
    }
  };

  for (const [i, step] of steps.entries()) {
    const entry = record.steps[i]!;
    const skipReason = step.skip?.(ctx);
    if (skipReason) {
      entry.status = 'skipped';
      entry.detail = skipReason;
      continue;
    }
    entry.status = 'running';
    entry.startedAt = now();
    await changed();
    const started = performance.now();
    try {
      if (ctx.signal?.aborted) throw ctx.signal.reason ?? new Error('cancelled');
      await hooks.fault?.(`before:${step.name}`);
      const detail = await log.group(step.title, () => step.run(ctx));
      await hooks.fault?.(`after:${step.name}`);
      entry.status = 'done';
      if (typeof detail === 'string') entry.detail = redact(detail);
      completed.push(step);
      if (step.commitPoint) record.committed = true;
    } catch (e) {
      const err = describeError(e);
      entry.status = 'failed';
      entry.error = redact(err.message);
      record.error = {
        code: err.code,
        message: redact(err.message),
        hint: err.hint && redact(err.hint),
        step: step.name,
      };
      record.result = 'failed';
      log.error(`${step.title} failed: ${redact(err.message)}${err.hint ? `\n${redact(err.hint)}` : ''}`);
      // A step that passes the commit point sets record.committed itself, at the moment of commit.
      // A run that lost the tenant to another run undoes nothing: what exists is the other run's.
      if (!record.committed && err.code !== 'ownership-lost') await undoCompleted([...completed, step], ctx);
      entry.durationMs = Math.round(performance.now() - started);
      record.finishedAt = now();
      await changed();
      return record;
    } finally {
      entry.durationMs ??= Math.round(performance.now() - started);
    }
    await changed();
  }
  record.finishedAt = now();
  return record;
}

async function undoCompleted<C extends RunnerContext>(completed: Step<C>[], ctx: C): Promise<void> {
  // The failing step may have done part of its work, so its own undo runs first: every undo is
  // idempotent and safe to run on partial work.
  for (const step of [...completed].reverse()) {
    const entry = ctx.record.steps.find((s) => s.name === step.name)!;
    if (!step.undo) continue;
    try {
      await ctx.log.group(`Undo: ${step.title}`, () => step.undo!(ctx));
      entry.status = 'undone';
      ctx.record.undone.push(step.name);
    } catch (e) {
      const err = describeError(e);
      entry.status = 'undo-failed';
      entry.error = redact(err.message);
      ctx.log.error(`Undo of ${step.title} failed: ${entry.error}`);
      if (err.code === 'ownership-lost') {
        // Another run owns the tenant now: what is left is its business, not this run's to
        // remove by hand. The run's outcome says so, with the failure that started the undo.
        const first = ctx.record.error;
        ctx.record.error = {
          code: err.code,
          message: redact(`${err.message}${first ? ` (this run had failed: ${first.message})` : ''}`),
          hint: err.hint && redact(err.hint),
          step: first?.step,
        };
        return;
      }
    }
  }
}
