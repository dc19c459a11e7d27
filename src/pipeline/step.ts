/**
 * One pipeline step, in the shape of pgroll's operations: `run` does the work, `undo` reverses
 * it (called in reverse order when a later step fails before the commit point). A step whose
 * `run` returns a string reports it as its one-line detail. `commitPoint` marks the step whose
 * success is the commit point; such a step sets `record.committed` itself the moment its commit
 * succeeds, so that a failure after it is resumed by a re-run instead of undone.
 */
export interface Step<C> {
  name: string;
  title: string;
  /** Skip the step (recorded as skipped with the reason) when this returns a reason. */
  skip?(ctx: C): string | undefined;
  run(ctx: C): Promise<string | void>;
  undo?(ctx: C): Promise<void>;
  commitPoint?: boolean;
}
