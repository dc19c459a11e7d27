import { createInterface } from 'node:readline/promises';
import { InputError } from '../errors';

/**
 * Confirmation before anything changes. With `--confirm` it goes ahead; without it, on a
 * terminal it shows the plan and asks for the tenant's slug; without a terminal it refuses,
 * so a script can never promote or roll back by accident.
 */

export interface ConfirmIo {
  /** Both stdin and stdout are terminals. */
  interactive: boolean;
  /** Prints the plan (to the terminal). */
  show(text: string): void;
  /** Asks one question and returns the answer. */
  ask(question: string): Promise<string>;
}

export function processConfirmIo(): ConfirmIo {
  return {
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    show: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}

export interface ConfirmRequest {
  operation: 'promote' | 'rollback';
  slug: string;
  confirmed: boolean;
  /** Builds the plan text shown before asking (a dry run); only called when asking. */
  plan(): Promise<string>;
}

/** Resolves when the operation may go ahead; throws InputError otherwise. */
export async function confirmOperation(req: ConfirmRequest, io: ConfirmIo): Promise<void> {
  await confirmTyped(
    {
      confirmed: req.confirmed,
      what: `"${req.slug}"`,
      hint: 'Review the plan with --dry-run, then re-run with --confirm (make targets: pass CONFIRM=true).',
      plan: req.plan,
      prompt: `Type the tenant slug "${req.slug}" to ${req.operation} it, anything else to cancel: `,
      expected: req.slug,
      operation: req.operation,
    },
    io,
  );
}

/**
 * Confirmation of a batch: with `--confirm` it goes ahead; on a terminal it shows every tenant
 * and its target and asks for the number of tenants; without a terminal it refuses.
 */
export async function confirmBatch(
  req: { operation: 'promote'; count: number; confirmed: boolean; plan: string },
  io: ConfirmIo,
): Promise<void> {
  await confirmTyped(
    {
      confirmed: req.confirmed,
      what: `${req.count} tenants`,
      hint: 'Review the plan with --dry-run, then re-run with --confirm.',
      plan: () => Promise.resolve(req.plan),
      prompt: `Type the number of tenants (${req.count}) to ${req.operation} them, anything else to cancel: `,
      expected: String(req.count),
      operation: req.operation,
    },
    io,
  );
}

/** Goes ahead when confirmed; on a terminal, shows the plan and wants `expected` typed; refuses otherwise. */
async function confirmTyped(
  req: {
    confirmed: boolean;
    operation: string;
    /** What is confirmed, as messages name it: `"acme-corp"`, `3 tenants`. */
    what: string;
    hint: string;
    plan: () => Promise<string>;
    prompt: string;
    expected: string;
  },
  io: ConfirmIo,
): Promise<void> {
  if (req.confirmed) return;
  if (!io.interactive) {
    throw new InputError(
      `Refusing to ${req.operation} ${req.what} without --confirm: there is no terminal to ask for confirmation.`,
      req.hint,
      'cancelled',
    );
  }
  io.show(await req.plan());
  const answer = (await io.ask(req.prompt)).trim();
  if (answer !== req.expected) {
    throw new InputError(
      `Cancelled: the ${req.operation} of ${req.what} was not confirmed.`,
      'Nothing was changed.',
      'cancelled',
    );
  }
}
