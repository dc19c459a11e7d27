/**
 * The checks the action makes before the engine runs (trigger, fork, permission), recorded as
 * steps so a refusal renders like any other failed run. Pure apart from the clock.
 */
import { describeError } from '../errors';
import { UNRESOLVED_TENANT } from '../report/render';
import type { RunRecord, StepRecord, TriggerInfo } from '../pipeline/record';
import { redact } from '../secrets';

export class Preflight {
  readonly steps: StepRecord[] = [];
  readonly startedAt = new Date().toISOString();

  async step<T>(
    name: string,
    title: string,
    fn: () => Promise<T> | T,
    detail?: (v: T) => string,
  ): Promise<T> {
    const entry: StepRecord = { name, title, status: 'running', startedAt: new Date().toISOString() };
    this.steps.push(entry);
    const t0 = performance.now();
    try {
      const value = await fn();
      entry.status = 'done';
      if (detail) entry.detail = redact(detail(value));
      return value;
    } catch (e) {
      entry.status = 'failed';
      entry.error = redact(describeError(e).message);
      throw e;
    } finally {
      entry.durationMs = Math.round(performance.now() - t0);
    }
  }

  /** A record for a run that ended before the engine started. */
  failedRecord(
    error: unknown,
    operation: RunRecord['operation'],
    tenant: string | undefined,
    trigger: TriggerInfo,
  ): RunRecord {
    const err = describeError(error);
    const failed = this.steps.find((s) => s.status === 'failed');
    return {
      operation,
      tenant: tenant ?? UNRESOLVED_TENANT,
      result: 'failed',
      dryRun: false,
      startedAt: this.startedAt,
      finishedAt: new Date().toISOString(),
      trigger,
      steps: this.steps,
      checks: [],
      tables: [],
      notes: [],
      committed: false,
      undone: [],
      error: {
        code: err.code,
        message: redact(err.message),
        hint: err.hint && redact(err.hint),
        step: failed?.name,
      },
    };
  }

  /** The engine's record with the preflight steps in front, for rendering. */
  withPreflight(record: RunRecord): RunRecord {
    const startedAt = this.startedAt < record.startedAt ? this.startedAt : record.startedAt;
    return { ...record, startedAt, steps: [...this.steps, ...record.steps] };
  }
}
