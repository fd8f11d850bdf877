/**
 * The two expected failures every command reports as one line, without a stack.
 *
 * @module
 */

/** A mistake on the command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  /** Creates a UsageError with a one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** An expected failure at run time (bad input, socket in use): one line, exit code 1. */
export class CommandError extends Error {
  /** Creates a CommandError with a one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "CommandError";
  }
}
