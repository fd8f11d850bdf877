/**
 * Command-line parsing shared by every command: `node:util` `parseArgs` with
 * strict options, turned into one-line {@linkcode UsageError}s that name the
 * offending flag (exit code 2, never a stack trace).
 *
 * @module
 */

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { createLogger, LOG_LEVELS, type Logger, type LogLevel } from "../log.ts";
import { UsageError } from "./errors.ts";

export { CommandError, UsageError } from "./errors.ts";
export { printable } from "../printable.ts";

/** Options every command accepts. */
const COMMON: ParseArgsOptionsConfig = {
  help: { type: "boolean", short: "h" },
};

/**
 * Parse `args` against `options` (plus `--help`); unknown flags and missing values
 * throw UsageError. A leading `--` is skipped: `deno task watch -- --json` passes it.
 * A negative number after a flag that takes a value is that value (`--top -1` reads as
 * `--top=-1`), so its range check names it rather than calling it a flag.
 */
export function parseFlags<T extends ParseArgsOptionsConfig>(
  command: string,
  args: string[],
  options: T,
): Record<string, string | boolean | undefined> {
  try {
    const { values, positionals } = parseArgs({
      args: joinNegativeValues(args[0] === "--" ? args.slice(1) : args, options),
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

/** A negative number, as a value: `-1`, `-5`, `-0.5`, `-.5`. */
const NEGATIVE_NUMBER = /^-\.?\d/;

/** `args` with `--flag -N` written `--flag=-N` wherever `--flag` takes a value. */
function joinNegativeValues(args: string[], options: ParseArgsOptionsConfig): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = /^--([^=]+)$/.exec(args[i])?.[1];
    const next = args[i + 1];
    if (
      name && options[name]?.type === "string" && next !== undefined && NEGATIVE_NUMBER.test(next)
    ) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else {
      out.push(args[i]);
    }
  }
  return out;
}

/** Turn node:util's parse errors into a short sentence naming the flag. */
function describeParseError(error: Error & { code?: string }): string {
  const flag = /'(-[^' ]+)/.exec(error.message)?.[1] ?? "";
  switch (error.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option '${flag}'`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (error.message.includes("argument missing")) return `option '${flag}' needs a value`;
      // the next argument starts with '-': another flag, or a value that must be joined with '='
      if (error.message.includes("ambiguous")) {
        return `option '${flag}' needs a value (one that starts with '-' is written ${flag}=VALUE)`;
      }
      return `option '${flag}' does not take a value`;
    default:
      return error.message;
  }
}

/**
 * A numeric flag within [min, max]: `parse` reads its text (NaN when malformed) and
 * `what` says what it must be, for the one-line UsageError naming the flag.
 */
function boundedFlag(
  command: string,
  name: string,
  raw: string | boolean | undefined,
  fallback: number,
  [min, max]: [number, number],
  parse: (text: string) => number,
  what: string,
): number {
  if (raw === undefined) return fallback;
  const value = typeof raw === "string" ? parse(raw.trim()) : NaN;
  if (!(value >= min && value <= max)) {
    throw new UsageError(`${command}: --${name} must be ${what}, got '${raw}'`);
  }
  return value;
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
  const parse = (text: string) => /^\d+$/.test(text) ? Number(text) : NaN;
  const what = max >= Number.MAX_SAFE_INTEGER
    ? `a whole number of at least ${min}`
    : `a whole number from ${min} to ${max}`;
  return boundedFlag(command, name, raw, fallback, [min, max], parse, what);
}

/** A duration as the flags take it: 250 → "250ms", 30000 → "30s", 3600000 → "60m". */
export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * Parse a duration flag (`250ms`, `2s`, `1.5s`, `1m`, or bare milliseconds) within [min, max] ms;
 * with `zeroIsOff`, `0` is also accepted (and returned) for "off". The error names the range and
 * two examples from it (the least value and the default), so an example is never refused.
 */
export function durationFlag(
  command: string,
  name: string,
  raw: string | boolean | undefined,
  fallbackMs: number,
  minMs: number,
  maxMs: number,
  zeroIsOff = false,
): number {
  if (zeroIsOff && typeof raw === "string" && /^0+(\.0+)?(ms|s|m)?$/.test(raw.trim())) return 0;
  const parse = (text: string) => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
    const unit = { ms: 1, s: 1000, m: 60_000 }[match?.[2] ?? "ms"] ?? 1;
    return match ? Math.round(Number(match[1]) * unit) : NaN;
  };
  const examples = [...new Set([minMs, fallbackMs])].filter((ms) => ms >= minMs && ms <= maxMs);
  const what = `${zeroIsOff ? "0 (off) or " : ""}a duration from ${formatDuration(minMs)} to ` +
    `${formatDuration(maxMs)} (e.g. ${examples.map(formatDuration).join(", ")})`;
  return boundedFlag(command, name, raw, fallbackMs, [minMs, maxMs], parse, what);
}

/** Parse a number flag (decimals allowed) within [min, max]. */
export function numberFlag(
  command: string,
  name: string,
  raw: string | boolean | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const parse = (text: string) => /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  const what = `a number from ${min} to ${max}`;
  return boundedFlag(command, name, raw, fallback, [min, max], parse, what);
}

/** Parse a flag that must be one of `choices`. */
export function choiceFlag<T extends string>(
  command: string,
  name: string,
  raw: string | boolean | undefined,
  fallback: T,
  choices: readonly T[],
): T {
  if (raw === undefined) return fallback;
  if (typeof raw === "string" && (choices as readonly string[]).includes(raw)) return raw as T;
  throw new UsageError(`${command}: --${name} must be one of ${choices.join(", ")}, got '${raw}'`);
}

/** `--log-level` and `--log-format` of `command`, as a logger (default: info, text). */
export function loggerFlags(
  command: string,
  f: Record<string, string | boolean | undefined>,
): Logger {
  const level = choiceFlag(command, "log-level", f["log-level"], "info", LOG_LEVELS) as LogLevel;
  const format = choiceFlag(command, "log-format", f["log-format"], "text", ["text", "json"]);
  return createLogger(level, format as "text" | "json");
}

/** An environment variable, or undefined when unset or not granted (never prompts, never throws). */
export function envVar(name: string): string | undefined {
  try {
    const state = Deno.permissions.querySync({ name: "env", variable: name }).state;
    return state === "granted" ? Deno.env.get(name) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The socket a client or the daemon was given: `--socket`, else `OPTA_METRICS_SOCKET`,
 * else undefined (the default place). An empty one is a usage error naming where it
 * came from, so a variable set to nothing is not blamed on a flag never given.
 */
export function socketOption(command: string, flag: unknown): string | undefined {
  if (flag !== undefined) {
    if (typeof flag !== "string" || flag === "") {
      throw new UsageError(`${command}: --socket needs a path`);
    }
    return flag;
  }
  const named = envVar("OPTA_METRICS_SOCKET");
  if (named === "") {
    throw new UsageError(
      `${command}: OPTA_METRICS_SOCKET is set but empty: unset it or name a socket path`,
    );
  }
  return named;
}
