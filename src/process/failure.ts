/**
 * The one error a child process produces: {@linkcode ProcessFailure}, whose `kind` says what went
 * wrong and whose message names the command on one line.
 *
 * @example
 * ```ts
 * import { ProcessFailure } from "./failure.ts";
 * const failure = new ProcessFailure("/bin/df -kP /", "timeout", "timed out after 2000 ms");
 * console.log(failure.message); // "/bin/df -kP /: timed out after 2000 ms"
 * ```
 *
 * @module
 */

/** Why a child process failed; the `kind` of a {@linkcode ProcessFailure}. */
export type ProcessFailureKind =
  /** Bad arguments or options (relative path, forbidden env key, bad number); nothing ran. */
  | "config"
  /** The executable does not exist (ENOENT). */
  | "not-found"
  /** Not executable (EACCES) or not allowed by Deno's `--allow-run` (NotCapable). */
  | "permission"
  /** Any other error while starting the child. */
  | "spawn"
  /** `runCommand` ran past its timeout and was killed. */
  | "timeout"
  /** Stdout passed its bound (or a `LineChild` line passed `maxLineBytes`). */
  | "output-too-large"
  /** Non-zero exit, death by a signal, or (for a `LineChild`) any exit at all. */
  | "exit"
  /** The caller's `AbortSignal` fired and the child was killed. */
  | "aborted"
  /** A `LineChild` delivered no line for `stallMs` and was killed. */
  | "stall"
  /** A `LineChild`'s `onLine` callback threw; the error is the `cause`. */
  | "callback";

/** Details attached to a {@linkcode ProcessFailure}. */
export interface ProcessFailureDetails {
  /** Exit code, when the child exited. */
  code?: number | null;
  /** Signal that ended the child, when one did. */
  signal?: Deno.Signal | null;
  /** The stderr kept so far (bounded). */
  stderr?: string;
  /** The underlying error, e.g. Deno's `NotFound`. */
  cause?: unknown;
}

/** Commands and stderr lines are cut to this many characters in a message. */
const MAX_SHOWN = 200;

/** A command that could not be run or did not succeed; its message is one line naming it. */
export class ProcessFailure extends Error {
  /** What kind of failure this is. */
  readonly kind: ProcessFailureKind;
  /** The command as shown in the message, e.g. `/bin/df -kP /`. */
  readonly command: string;
  /** Exit code, or null when the child did not exit normally or never ran. */
  readonly code: number | null;
  /** Signal that ended the child, or null. */
  readonly signal: Deno.Signal | null;
  /** Stderr kept from the child (at most the stderr bound), or "". */
  readonly stderr: string;

  /** Creates a ProcessFailure; the message reads `<command>: <reason>` on one line. */
  constructor(
    command: string,
    kind: ProcessFailureKind,
    reason: string,
    details: ProcessFailureDetails = {},
  ) {
    super(oneLine(`${command}: ${reason}`), { cause: details.cause });
    this.name = "ProcessFailure";
    this.kind = kind;
    this.command = command;
    this.code = details.code ?? null;
    this.signal = details.signal ?? null;
    this.stderr = details.stderr ?? "";
  }
}

/** Shows a command as `path arg…`, quoting arguments that need it, cut to 200 characters. */
export function describeCommand(path: string, args: readonly string[]): string {
  const shown = [path, ...args]
    .map((word) => word === "" || /[\s"'\\]/.test(word) ? JSON.stringify(word) : word)
    .join(" ");
  return shown.length > MAX_SHOWN ? shown.slice(0, MAX_SHOWN) + "…" : shown;
}

/** The `exit` failure of a child that ended with `status`, quoting the first line of its stderr. */
export function exitFailure(
  command: string,
  status: Deno.CommandStatus,
  stderr: string,
): ProcessFailure {
  const how = status.signal ? `killed by ${status.signal}` : `exited with code ${status.code}`;
  const line = firstLine(stderr);
  return new ProcessFailure(command, "exit", line ? `${how}: ${line}` : how, {
    code: status.signal ? null : status.code,
    signal: status.signal,
    stderr,
  });
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ");
}

function firstLine(text: string): string {
  const line = text.split("\n").map((l) => l.trim()).find((l) => l !== "") ?? "";
  return line.length > MAX_SHOWN ? line.slice(0, MAX_SHOWN) + "…" : line;
}
