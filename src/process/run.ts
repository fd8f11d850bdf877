/**
 * Running a command once: {@linkcode runCommand} spawns it without a shell in a cleared
 * environment, bounds its time and its output, and turns every outcome other than success into
 * a {@linkcode ProcessFailure}.
 *
 * @example
 * ```ts
 * import { runCommand } from "./run.ts";
 * const { stdout } = await runCommand("/bin/df", ["-kP", "/"], { timeoutMs: 2000 });
 * ```
 *
 * @module
 */

import {
  BoundedSink,
  DEFAULT_MAX_STDERR_BYTES,
  drainSinks,
  STDERR_READ_BYTES,
  STDOUT_READ_BYTES,
} from "./bounded_sink.ts";
import { describeCommand, exitFailure, ProcessFailure } from "./failure.ts";
import {
  childEnv,
  DEFAULT_GRACE_MS,
  positiveOption,
  spawnChild,
  type SpawnCounter,
  Terminator,
} from "./spawn.ts";
import { type Clock, systemClock } from "../time/clock.ts";

/** Default `runCommand` timeout in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 5000;
/** Default bound on a `runCommand` stdout, in bytes (1 MiB). */
export const DEFAULT_MAX_STDOUT_BYTES = 1024 * 1024;

/** Options of {@linkcode runCommand}; every field is optional. */
export interface RunOptions {
  /** Kill the child after this many milliseconds (default 5000). */
  timeoutMs?: number;
  /** After SIGTERM, wait this long before SIGKILL (default 500). */
  graceMs?: number;
  /** Fail with `output-too-large` and kill the child past this many stdout bytes (default 1 MiB). */
  maxStdoutBytes?: number;
  /** Keep at most this many stderr bytes; the rest is dropped silently (default 64 KiB). */
  maxStderrBytes?: number;
  /** Extra environment on top of `BASE_ENV`; `LD_*` and `DYLD_*` keys are refused. */
  env?: Record<string, string>;
  /** Non-zero exit codes that count as success (sysctl exits with the number of unknown keys). */
  allowExitCodes?: number[];
  /** Aborting kills the child (SIGTERM, then SIGKILL) and fails with kind `aborted`. */
  signal?: AbortSignal;
  /** The clock the timeout and `durationMs` are measured on (default: the system clock). */
  clock?: Clock;
  /** Counts the child when it starts. */
  spawns?: SpawnCounter;
}

/** What a successful {@linkcode runCommand} resolves to. */
export interface RunResult {
  /** Stdout decoded as UTF-8 (invalid bytes become U+FFFD). */
  stdout: string;
  /** Stderr decoded as UTF-8, at most `maxStderrBytes` bytes of it. */
  stderr: string;
  /** Exit code: 0, or one of `allowExitCodes`. */
  code: number;
  /** Time from spawn to exit on the run's (monotonic) clock. */
  durationMs: number;
}

/** Why `runCommand` ended the child itself. */
type KillCause = "timeout" | "output-too-large" | "aborted";

/**
 * Runs `path` once with `args` and resolves with its output when it exits 0 (or with an allowed
 * code). Throws a {@linkcode ProcessFailure} for every other outcome.
 *
 * @example
 * ```ts
 * import { runCommand } from "./run.ts";
 * const r = await runCommand("/usr/sbin/sysctl", ["-n", "hw.ncpu"], { allowExitCodes: [1] });
 * ```
 */
export async function runCommand(
  path: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const command = describeCommand(path, args);
  const timeoutMs = positiveOption(command, "timeoutMs", options.timeoutMs, DEFAULT_TIMEOUT_MS);
  const graceMs = positiveOption(command, "graceMs", options.graceMs, DEFAULT_GRACE_MS);
  const maxStdout = positiveOption(
    command,
    "maxStdoutBytes",
    options.maxStdoutBytes,
    DEFAULT_MAX_STDOUT_BYTES,
  );
  const maxStderr = positiveOption(
    command,
    "maxStderrBytes",
    options.maxStderrBytes,
    DEFAULT_MAX_STDERR_BYTES,
  );
  const env = childEnv(command, path, options.env);
  const allowed = options.allowExitCodes ?? [];
  const signal = options.signal;
  if (signal?.aborted) throw new ProcessFailure(command, "aborted", "aborted before start");

  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const child = spawnChild(command, path, args, env, options.spawns);
  const term = new Terminator(child, graceMs);
  let cause = null as KillCause | null;
  const kill = (why: KillCause) => {
    cause ??= why;
    term.terminate();
  };
  const timer = clock.setTimeout(() => kill("timeout"), timeoutMs);
  const onAbort = () => kill("aborted");
  signal?.addEventListener("abort", onAbort, { once: true });

  const out = new BoundedSink(child.stdout, maxStdout, STDOUT_READ_BYTES, (_chunk, sink) => {
    if (sink.total > maxStdout) {
      kill("output-too-large");
      sink.cancel();
    }
  });
  const err = new BoundedSink(child.stderr, maxStderr, STDERR_READ_BYTES);
  let status: Deno.CommandStatus;
  try {
    status = await child.status;
  } finally {
    clock.clear(timer);
    term.finish();
    signal?.removeEventListener("abort", onAbort);
  }
  await drainSinks([out, err]);
  const durationMs = clock.now() - started;
  const stderr = err.text();
  const details = { code: status.signal ? null : status.code, signal: status.signal, stderr };

  switch (cause) {
    case "timeout":
      throw new ProcessFailure(
        command,
        "timeout",
        `timed out after ${timeoutMs} ms (${term.howKilled()})`,
        details,
      );
    case "output-too-large":
      throw new ProcessFailure(
        command,
        "output-too-large",
        `stdout exceeded ${maxStdout} bytes (${term.howKilled()})`,
        details,
      );
    case "aborted":
      throw new ProcessFailure(command, "aborted", `aborted (${term.howKilled()})`, details);
  }
  if (status.signal === null && (status.code === 0 || allowed.includes(status.code))) {
    return { stdout: out.text(), stderr, code: status.code, durationMs };
  }
  throw exitFailure(command, status, stderr);
}
