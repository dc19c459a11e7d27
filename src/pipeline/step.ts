/**
 * One pipeline step, in the shape of pgroll's operations: `run` does the work, `undo` reverses
 * it (called in reverse order when a later step fails before the commit point). A step whose
 * `run` returns a string reports it as its one-line detail. `commitPoint` marks the step after
 * which nothing is undone: a failure past it is resumed by a re-run instead.
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
