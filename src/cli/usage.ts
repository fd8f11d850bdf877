/**
 * Command-line parsing shared by every command: `node:util` `parseArgs` with
 * strict options, turned into one-line {@linkcode UsageError}s that name the
 * offending flag (exit code 2, never a stack trace).
 *
 * @module
 */

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/** A mistake on the command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  /** Creates a UsageError with a one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** An expected failure at run time (bad input, unreachable socket): one line, exit code 1. */
export class CommandError extends Error {
  /** Creates a CommandError with a one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "CommandError";
  }
}

/** Options every command accepts. */
const COMMON: ParseArgsOptionsConfig = {
  help: { type: "boolean", short: "h" },
};

/** Parse `args` against `options` (plus `--help`); unknown flags and missing values throw UsageError. */
export function parseFlags<T extends ParseArgsOptionsConfig>(
  command: string,
  args: string[],
  options: T,
): Record<string, string | boolean | undefined> {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...COMMON, ...options },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length > 0) {
      throw new UsageError(`${command}: unexpected argument '${positionals[0]}'`);
    }
    return values as Record<string, string | boolean | undefined>;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${command}: ${describeParseError(error as Error & { code?: string })}`);
  }
}

/** Turn node:util's parse errors into a short sentence naming the flag. */
function describeParseError(error: Error & { code?: string }): string {
  const flag = /'(-[^' ]+)/.exec(error.message)?.[1] ?? "";
  switch (error.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option '${flag}'`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return error.message.includes("argument missing")
        ? `option '${flag}' needs a value`
        : `option '${flag}' does not take a value`;
    default:
      return error.message;
  }
}

/** Parse a whole number flag within [min, max]; throws a UsageError naming the flag. */
export function intFlag(
  command: string,
  name: string,
  raw: string | boolean | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const value = typeof raw === "string" && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(
      `${command}: --${name} must be a whole number from ${min} to ${max}, got '${raw}'`,
    );
  }
  return value;
}
