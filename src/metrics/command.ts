/**
 * Running external commands the one safe way: absolute path, no shell, cleared environment,
 * `stdin` closed, bounded time and bounded output. `runCommand` runs a command once;
 * `LineChild` keeps a long-lived child (`vm_stat 1`, `top -b`) alive and hands its stdout over
 * line by line, restarting it with backoff when it dies or stalls.
 *
 * @example
 * ```ts
 * import { runCommand } from "./command.ts";
 * const { stdout } = await runCommand("/bin/df", ["-kP", "/"], { timeoutMs: 2000 });
 * ```
 *
 * @module
 */

/** Why a command failed; the `kind` of a {@linkcode CommandFailure}. */
export type CommandFailureKind =
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

/** The environment every child starts with (the parent's environment is never inherited). */
export const BASE_ENV: Readonly<Record<string, string>> = Object.freeze({
  LC_ALL: "C",
  PATH: "/usr/bin:/bin:/usr/sbin:/sbin",
});

/** Default `runCommand` timeout in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 5000;
/** Default time between SIGTERM and SIGKILL, in milliseconds. */
export const DEFAULT_GRACE_MS = 500;
/** Default bound on a `runCommand` stdout, in bytes (1 MiB). */
export const DEFAULT_MAX_STDOUT_BYTES = 1024 * 1024;
/** Default number of stderr bytes kept (64 KiB); the rest is read and dropped. */
export const DEFAULT_MAX_STDERR_BYTES = 64 * 1024;

/**
 * How long the pipes may still be read after the child has exited. A grandchild that inherited
 * the pipes (e.g. `sleep` under a killed `sh`) would otherwise hold them open indefinitely.
 */
const DRAIN_MS = 200;

/** Longest the stdout pump keeps the event loop to itself before yielding a turn. */
const PUMP_SLICE_MS = 10;
/** Stdout is handed to its consumer in pieces of at most this many bytes. */
const PUMP_PIECE_BYTES = 4096;
/** Read buffer per child stdout (one, reused): a `top` refresh of a few hundred processes fits. */
const STDOUT_READ_BYTES = 64 * 1024;
/** Read buffer per child stderr: a tool's complaint is a line or two. */
const STDERR_READ_BYTES = 4096;

/**
 * A stall check firing this much later than it was due means the event loop itself was frozen
 * (the daemon stopped or suspended), so the silence it measured is not the child's.
 */
const FROZEN_MS = 1000;

type Timer = ReturnType<typeof setTimeout>;
const MAX_SHOWN = 200;

/** Details attached to a {@linkcode CommandFailure}. */
export interface CommandFailureDetails {
  /** Exit code, when the child exited. */
  code?: number | null;
  /** Signal that ended the child, when one did. */
  signal?: Deno.Signal | null;
  /** The stderr kept so far (bounded). */
  stderr?: string;
  /** The underlying error, e.g. Deno's `NotFound`. */
  cause?: unknown;
}

/** A command that could not be run or did not succeed; its message is one line naming it. */
export class CommandFailure extends Error {
  /** What kind of failure this is. */
  readonly kind: CommandFailureKind;
  /** The command as shown in the message, e.g. `/bin/df -kP /`. */
  readonly command: string;
  /** Exit code, or null when the child did not exit normally or never ran. */
  readonly code: number | null;
  /** Signal that ended the child, or null. */
  readonly signal: Deno.Signal | null;
  /** Stderr kept from the child (at most the stderr bound), or "". */
  readonly stderr: string;

  /** Creates a CommandFailure; the message reads `<command>: <reason>` on one line. */
  constructor(
    command: string,
    kind: CommandFailureKind,
    reason: string,
    details: CommandFailureDetails = {},
  ) {
    super(oneLine(`${command}: ${reason}`), { cause: details.cause });
    this.name = "CommandFailure";
    this.kind = kind;
    this.command = command;
    this.code = details.code ?? null;
    this.signal = details.signal ?? null;
    this.stderr = details.stderr ?? "";
  }
}

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
  /** Extra environment on top of {@linkcode BASE_ENV}; `LD_*` and `DYLD_*` keys are refused. */
  env?: Record<string, string>;
  /** Non-zero exit codes that count as success (sysctl exits with the number of unknown keys). */
  allowExitCodes?: number[];
  /** Aborting kills the child (SIGTERM, then SIGKILL) and fails with kind `aborted`. */
  signal?: AbortSignal;
}

/** What a successful {@linkcode runCommand} resolves to. */
export interface CommandResult {
  /** Stdout decoded as UTF-8 (invalid bytes become U+FFFD). */
  stdout: string;
  /** Stderr decoded as UTF-8, at most `maxStderrBytes` bytes of it. */
  stderr: string;
  /** Exit code: 0, or one of `allowExitCodes`. */
  code: number;
  /** Wall time from spawn to exit, from the monotonic clock. */
  durationMs: number;
}

/**
 * Runs `path` once with `args` and resolves with its output when it exits 0 (or with an allowed
 * code). Throws a {@linkcode CommandFailure} for every other outcome.
 *
 * @example
 * ```ts
 * const r = await runCommand("/usr/sbin/sysctl", ["-n", "hw.ncpu"], { allowExitCodes: [1] });
 * ```
 */
export async function runCommand(
  path: string,
  args: string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  const command = describeCommand(path, args);
  const timeoutMs = positive(command, "timeoutMs", options.timeoutMs, DEFAULT_TIMEOUT_MS);
  const graceMs = positive(command, "graceMs", options.graceMs, DEFAULT_GRACE_MS);
  const maxStdout = positive(
    command,
    "maxStdoutBytes",
    options.maxStdoutBytes,
    DEFAULT_MAX_STDOUT_BYTES,
  );
  const maxStderr = positive(
    command,
    "maxStderrBytes",
    options.maxStderrBytes,
    DEFAULT_MAX_STDERR_BYTES,
  );
  const env = buildEnv(command, path, options.env);
  const allowed = options.allowExitCodes ?? [];
  const signal = options.signal;
  if (signal?.aborted) throw new CommandFailure(command, "aborted", "aborted before start");

  const started = performance.now();
  const child = spawnChild(command, path, args, env);
  const term = new Terminator(child, graceMs);
  let cause = null as "timeout" | "output-too-large" | "aborted" | null;
  const kill = (why: "timeout" | "output-too-large" | "aborted") => {
    cause ??= why;
    term.terminate();
  };
  const timer = setTimeout(() => kill("timeout"), timeoutMs);
  const onAbort = () => kill("aborted");
  signal?.addEventListener("abort", onAbort, { once: true });

  const out = new StreamSink(child.stdout, maxStdout, STDOUT_READ_BYTES, (_chunk, sink) => {
    if (sink.total > maxStdout) {
      kill("output-too-large");
      sink.cancel();
    }
  });
  const err = new StreamSink(child.stderr, maxStderr, STDERR_READ_BYTES);
  let status: Deno.CommandStatus;
  try {
    status = await child.status;
  } finally {
    clearTimeout(timer);
    term.finish();
    signal?.removeEventListener("abort", onAbort);
  }
  await settle([out, err]);
  const durationMs = performance.now() - started;
  const stderr = err.text();
  const details = { code: status.signal ? null : status.code, signal: status.signal, stderr };

  switch (cause) {
    case "timeout":
      throw new CommandFailure(
        command,
        "timeout",
        `timed out after ${timeoutMs} ms (${term.howKilled()})`,
        details,
      );
    case "output-too-large":
      throw new CommandFailure(
        command,
        "output-too-large",
        `stdout exceeded ${maxStdout} bytes (${term.howKilled()})`,
        details,
      );
    case "aborted":
      throw new CommandFailure(command, "aborted", `aborted (${term.howKilled()})`, details);
  }
  if (status.signal === null && (status.code === 0 || allowed.includes(status.code))) {
    return { stdout: out.text(), stderr, code: status.code, durationMs };
  }
  throw exitFailure(command, status, stderr);
}

/** Options of {@linkcode LineChild}. */
export interface LineChildOptions {
  /** Absolute path of the executable. */
  path: string;
  /** Arguments (no shell is involved). */
  args?: string[];
  /** Extra environment on top of {@linkcode BASE_ENV}; `LD_*` and `DYLD_*` keys are refused. */
  env?: Record<string, string>;
  /** Called with each stdout line, without its `\n` (and without a trailing `\r`). */
  onLine: (line: string) => void;
  /** Called for each failure: spawn error, exit, stall, over-long line, `onLine` throwing. */
  onError: (failure: CommandFailure) => void;
  /** Kill and restart the child when no line arrived for this many ms (default 10000). */
  stallMs?: number;
  /** Longer lines are cut to this many bytes and reported (default 64 KiB). */
  maxLineBytes?: number;
  /** Stderr bytes kept per child run, for the exit message (default 64 KiB). */
  maxStderrBytes?: number;
  /** After SIGTERM, wait this long before SIGKILL (default 500). */
  graceMs?: number;
  /** First restart delay in ms (default 250); doubles after each restart. */
  backoffStartMs?: number;
  /** Largest restart delay in ms (default 30000). */
  backoffMaxMs?: number;
  /** A child that keeps delivering lines this long resets the backoff to its start (30000). */
  healthyMs?: number;
}

/**
 * A supervised long-lived child whose stdout is consumed line by line. It is restarted with
 * exponential backoff when it exits, cannot be started, or stalls; `stop()` kills it and
 * resolves once no process and no timer is left. No callback is made after `stop()` is called.
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const vm = new LineChild({
 *   path: "/usr/bin/vm_stat",
 *   args: ["1"],
 *   onLine: (line) => lines.push(line),
 *   onError: (failure) => console.error(failure.message),
 * });
 * vm.start();
 * // later
 * await vm.stop();
 * ```
 */
export class LineChild {
  readonly #command: string;
  readonly #path: string;
  readonly #args: string[];
  readonly #env: Record<string, string>;
  readonly #onLine: (line: string) => void;
  readonly #onError: (failure: CommandFailure) => void;
  readonly #stallMs: number;
  readonly #maxLineBytes: number;
  readonly #maxStderr: number;
  readonly #graceMs: number;
  readonly #backoffStart: number;
  readonly #backoffMax: number;
  readonly #healthyMs: number;
  #backoff: number;
  #loop: Promise<void> | null = null;
  #stopping = false;
  #child: Deno.ChildProcess | null = null;
  #term: Terminator | null = null;
  #wake: (() => void) | null = null;
  #restarts = 0;

  /** Validates the options (throws a `config` CommandFailure) without starting anything. */
  constructor(options: LineChildOptions) {
    const args = options.args ?? [];
    const command = describeCommand(options.path, args);
    this.#command = command;
    this.#path = options.path;
    this.#args = [...args];
    this.#env = buildEnv(command, options.path, options.env);
    this.#onLine = options.onLine;
    this.#onError = options.onError;
    this.#stallMs = positive(command, "stallMs", options.stallMs, 10_000);
    this.#maxLineBytes = positive(command, "maxLineBytes", options.maxLineBytes, 64 * 1024);
    this.#maxStderr = positive(
      command,
      "maxStderrBytes",
      options.maxStderrBytes,
      DEFAULT_MAX_STDERR_BYTES,
    );
    this.#graceMs = positive(command, "graceMs", options.graceMs, DEFAULT_GRACE_MS);
    this.#backoffStart = positive(command, "backoffStartMs", options.backoffStartMs, 250);
    this.#backoffMax = positive(command, "backoffMaxMs", options.backoffMaxMs, 30_000);
    this.#healthyMs = positive(command, "healthyMs", options.healthyMs, 30_000);
    this.#backoff = this.#backoffStart;
  }

  /** How many times a child was (re)spawned after the first attempt since `start()`. */
  get restarts(): number {
    return this.#restarts;
  }

  /** True while a child process is alive (false between restarts and after `stop()`). */
  get running(): boolean {
    return this.#child !== null;
  }

  /** The pid of the current child, or null when none is alive. */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** Starts the child and its supervision; a no-op when already started. */
  start(): void {
    if (this.#loop) {
      if (this.#stopping) throw new Error(`${this.#command}: start() while stop() is pending`);
      return;
    }
    this.#stopping = false;
    this.#restarts = 0;
    this.#backoff = this.#backoffStart;
    this.#loop = this.#run();
  }

  /** Kills the child (SIGTERM, SIGKILL after the grace) and resolves when it and every timer are gone. */
  async stop(): Promise<void> {
    if (!this.#loop) return;
    this.#stopping = true;
    this.#term?.terminate();
    this.#wake?.();
    await this.#loop;
    this.#loop = null;
    this.#stopping = false;
  }

  async #run(): Promise<void> {
    while (true) {
      await this.#runOnce();
      if (this.#stopping) return;
      await this.#sleep(this.#backoff);
      if (this.#stopping) return;
      this.#backoff = Math.min(this.#backoff * 2, this.#backoffMax);
      this.#restarts++;
    }
  }

  async #runOnce(): Promise<void> {
    let child: Deno.ChildProcess;
    try {
      child = spawnChild(this.#command, this.#path, this.#args, this.#env);
    } catch (error) {
      this.#report(error as CommandFailure);
      return;
    }
    const started = performance.now();
    const term = new Terminator(child, this.#graceMs);
    this.#child = child;
    this.#term = term;
    let lastLine = started;
    let healthy = false;
    let stalled = false;

    let stallTimer: Timer | undefined;
    let stallDue = started + this.#stallMs;
    const checkStall = () => {
      const now = performance.now();
      // Fired long after it was due: this process was not running (SIGSTOP, Ctrl-Z, a paused
      // VM) and the child's lines may be waiting unread in the pipe. Not the child's silence:
      // give it a fresh window instead of killing a healthy child on every resume.
      if (now - stallDue > FROZEN_MS) lastLine = now;
      const idle = now - lastLine;
      if (idle < this.#stallMs) {
        stallDue = now + this.#stallMs - idle;
        stallTimer = setTimeout(checkStall, this.#stallMs - idle);
        return;
      }
      stallTimer = undefined;
      stalled = true;
      this.#report(
        new CommandFailure(
          this.#command,
          "stall",
          `no output line for ${this.#stallMs} ms (killed)`,
        ),
      );
      term.terminate();
    };
    stallTimer = setTimeout(checkStall, this.#stallMs);

    const splitter = new LineSplitter(this.#maxLineBytes, (line, bytes) => {
      lastLine = performance.now();
      if (!healthy && lastLine - started >= this.#healthyMs) {
        healthy = true;
        this.#backoff = this.#backoffStart;
      }
      if (this.#stopping) return;
      if (bytes > this.#maxLineBytes) {
        this.#report(
          new CommandFailure(
            this.#command,
            "output-too-large",
            `line of ${bytes} bytes cut to ${this.#maxLineBytes} bytes`,
          ),
        );
      }
      try {
        this.#onLine(line);
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        this.#report(
          new CommandFailure(this.#command, "callback", `onLine threw: ${text}`, { cause: error }),
        );
      }
    });
    const out = new StreamSink(child.stdout, 0, STDOUT_READ_BYTES, (chunk) => splitter.push(chunk));
    const err = new StreamSink(child.stderr, this.#maxStderr, STDERR_READ_BYTES);

    const status = await child.status;
    clearTimeout(stallTimer);
    term.finish();
    await settle([out, err]);
    splitter.flush();
    this.#child = null;
    this.#term = null;
    if (!stalled) this.#report(exitFailure(this.#command, status, err.text()));
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = null;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
    });
  }

  #report(failure: CommandFailure): void {
    if (this.#stopping) return;
    try {
      this.#onError(failure);
    } catch (error) {
      reportError(error);
    }
  }
}

/** Shows a command as `path arg…`, quoting arguments that need it, cut to 200 characters. */
export function describeCommand(path: string, args: readonly string[]): string {
  const shown = [path, ...args]
    .map((word) => word === "" || /[\s"'\\]/.test(word) ? JSON.stringify(word) : word)
    .join(" ");
  return shown.length > MAX_SHOWN ? shown.slice(0, MAX_SHOWN) + "…" : shown;
}

// ---------------------------------------------------------------------------------------------

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ");
}

function firstLine(text: string): string {
  const line = text.split("\n").map((l) => l.trim()).find((l) => l !== "") ?? "";
  return line.length > MAX_SHOWN ? line.slice(0, MAX_SHOWN) + "…" : line;
}

function positive(command: string, name: string, value: number | undefined, fallback: number) {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new CommandFailure(command, "config", `${name} must be a positive number, got ${value}`);
  }
  return value;
}

function buildEnv(
  command: string,
  path: string,
  extra: Record<string, string> | undefined,
): Record<string, string> {
  if (!path.startsWith("/")) {
    throw new CommandFailure(command, "config", "path must be absolute");
  }
  for (const key of Object.keys(extra ?? {})) {
    if (key.startsWith("LD_") || key.startsWith("DYLD_")) {
      throw new CommandFailure(command, "config", `env key ${key} is not allowed`);
    }
  }
  return { ...BASE_ENV, ...extra };
}

function spawnChild(
  command: string,
  path: string,
  args: string[],
  env: Record<string, string>,
): Deno.ChildProcess {
  try {
    return new Deno.Command(path, {
      args,
      clearEnv: true,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    if (error instanceof Deno.errors.NotFound) {
      throw new CommandFailure(command, "not-found", "not found", { cause: error });
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new CommandFailure(command, "permission", `permission denied: ${text}`, {
        cause: error,
      });
    }
    if (error instanceof Deno.errors.NotCapable) {
      throw new CommandFailure(command, "permission", `not allowed by Deno: ${text}`, {
        cause: error,
      });
    }
    throw new CommandFailure(command, "spawn", `could not start: ${text}`, { cause: error });
  }
}

function exitFailure(command: string, status: Deno.CommandStatus, stderr: string) {
  const how = status.signal ? `killed by ${status.signal}` : `exited with code ${status.code}`;
  const line = firstLine(stderr);
  return new CommandFailure(command, "exit", line ? `${how}: ${line}` : how, {
    code: status.signal ? null : status.code,
    signal: status.signal,
    stderr,
  });
}

/** SIGTERM now, SIGKILL after the grace unless the child has gone; never signals after finish(). */
class Terminator {
  readonly #child: Deno.ChildProcess;
  readonly #graceMs: number;
  #timer: Timer | undefined;
  #sent = false;
  #finished = false;
  #killed = false;

  constructor(child: Deno.ChildProcess, graceMs: number) {
    this.#child = child;
    this.#graceMs = graceMs;
  }

  terminate(): void {
    if (this.#sent || this.#finished) return;
    this.#sent = true;
    signalChild(this.#child, "SIGTERM");
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#killed = true;
      signalChild(this.#child, "SIGKILL");
    }, this.#graceMs);
  }

  /** The child has exited: cancel the pending SIGKILL and refuse further signals. */
  finish(): void {
    this.#finished = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  howKilled(): string {
    return this.#killed ? `killed with SIGKILL after ${this.#graceMs} ms grace` : "killed";
  }
}

function signalChild(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch {
    // Already exited; nothing to kill.
  }
}

/**
 * Reads a byte stream to its end, keeping at most `keep` bytes, and can be cancelled.
 *
 * Reads go into one buffer of `readBytes` that is reused for the life of the stream (a BYOB
 * reader): a default reader allocates a fresh 64 KiB chunk per read, and a long-lived child
 * such as `top` reads every 2 s, so its pending chunk outlived young-generation collections,
 * was promoted and held 64 KiB of memory until the next full GC, one chunk after another.
 * `onChunk` sees a view of that buffer that is valid only during the call; kept bytes are copied.
 */
class StreamSink {
  readonly done: Promise<void>;
  total = 0;
  readonly #reader: ReadableStreamBYOBReader;
  #buffer: ArrayBuffer;
  readonly #chunks: Uint8Array[] = [];
  #kept = 0;
  #cancelled = false;

  constructor(
    stream: ReadableStream<Uint8Array>,
    readonly keep: number,
    readBytes: number,
    onChunk?: (chunk: Uint8Array, sink: StreamSink) => void,
  ) {
    this.#reader = stream.getReader({ mode: "byob" });
    this.#buffer = new ArrayBuffer(readBytes);
    this.done = this.#pump(onChunk);
  }

  async #pump(onChunk?: (chunk: Uint8Array, sink: StreamSink) => void): Promise<void> {
    // A child writing faster than we read makes every read resolve at once, a chain of
    // microtasks that would starve timers (the 25 Hz tick, the stall check) and signals: give
    // the event loop a turn whenever the pump has kept it for a while, and hand a large chunk
    // over in pieces so that one chunk of costly lines cannot hold it either.
    let slice = performance.now();
    const pause = async () => {
      if (performance.now() - slice <= PUMP_SLICE_MS) return;
      await new Promise((resolve) => setTimeout(resolve, 0));
      slice = performance.now();
    };
    try {
      while (!this.#cancelled) {
        await pause();
        const { value, done } = await this.#reader.read(new Uint8Array(this.#buffer));
        if (done || value === undefined) break;
        this.#buffer = value.buffer as ArrayBuffer;
        this.total += value.length;
        const room = this.keep - this.#kept;
        if (room > 0) {
          const part = value.slice(0, room);
          this.#chunks.push(part);
          this.#kept += part.length;
        }
        if (!onChunk) continue;
        for (let at = 0; at < value.length && !this.#cancelled; at += PUMP_PIECE_BYTES) {
          if (at > 0) await pause();
          onChunk(value.subarray(at, at + PUMP_PIECE_BYTES), this);
        }
      }
    } catch {
      // A read that fails (e.g. after cancel) ends the stream; what was read is kept.
    } finally {
      if (!this.#cancelled) {
        this.#cancelled = true;
        await this.#reader.cancel().catch(() => {});
      }
    }
  }

  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#reader.cancel().catch(() => {});
  }

  text(): string {
    const bytes = new Uint8Array(this.#kept);
    let at = 0;
    for (const chunk of this.#chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    return new TextDecoder().decode(bytes);
  }
}

/** Waits for the sinks to end; cancels the ones still open after DRAIN_MS. */
async function settle(sinks: StreamSink[]): Promise<void> {
  const all = Promise.all(sinks.map((sink) => sink.done));
  let timer: Timer | undefined;
  const late = await Promise.race([
    all.then(() => false),
    new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(true), DRAIN_MS)),
  ]);
  clearTimeout(timer);
  if (late) {
    for (const sink of sinks) sink.cancel();
    await all;
  }
}

/** Splits bytes at `\n`; each line is emitted with its full byte length, cut to `max` bytes. */
class LineSplitter {
  readonly #max: number;
  readonly #emit: (line: string, bytes: number) => void;
  readonly #decoder = new TextDecoder();
  #parts: Uint8Array[] = [];
  #kept = 0;
  #total = 0;
  #pending = false;

  constructor(max: number, emit: (line: string, bytes: number) => void) {
    this.#max = max;
    this.#emit = emit;
  }

  push(chunk: Uint8Array): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      if (nl !== -1 && !this.#pending && end - start <= this.#max) {
        this.#emitText(this.#decoder.decode(chunk.subarray(start, end)), end - start);
      } else {
        this.#append(chunk.subarray(start, end));
        if (nl !== -1) this.#emitPending();
      }
      if (nl === -1) break;
      start = nl + 1;
    }
  }

  /** Emits a last line that had no `\n`. */
  flush(): void {
    if (this.#pending) this.#emitPending();
  }

  #append(part: Uint8Array): void {
    this.#pending = true;
    this.#total += part.length;
    const room = this.#max - this.#kept;
    if (room > 0 && part.length > 0) {
      const take = part.length <= room ? part : part.subarray(0, room);
      this.#parts.push(take.slice());
      this.#kept += take.length;
    }
  }

  #emitPending(): void {
    const bytes = new Uint8Array(this.#kept);
    let at = 0;
    for (const part of this.#parts) {
      bytes.set(part, at);
      at += part.length;
    }
    const total = this.#total;
    this.#parts = [];
    this.#kept = 0;
    this.#total = 0;
    this.#pending = false;
    this.#emitText(this.#decoder.decode(bytes), total);
  }

  #emitText(text: string, bytes: number): void {
    this.#emit(text.endsWith("\r") ? text.slice(0, -1) : text, bytes);
  }
}
