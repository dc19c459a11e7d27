/**
 * The one logging interface the core uses. The action implements it with @actions/core
 * (groups, masking), the CLI with the terminal; tests collect lines.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  /** Runs `fn` inside a collapsible group (a step in the action's log). */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
  /** Registers a value that must never be printed (the action masks it). */
  secret(value: string): void;
}

/** A logger that keeps lines in memory; for tests and for quiet runs. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => void lines.push(m),
    warn: (m) => void lines.push(`warning: ${m}`),
    error: (m) => void lines.push(`error: ${m}`),
    debug: () => undefined,
    group: async (title, fn) => {
      lines.push(`## ${title}`);
      return fn();
    },
    secret: () => undefined,
  };
}
