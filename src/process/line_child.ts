/**
 * A supervised long-lived child (`vm_stat 1`, `top -b`) whose stdout is handed over line by
 * line: {@linkcode LineChild}. It restarts the child with exponential backoff when it exits,
 * cannot be started, or stalls.
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
import { LineSplitter } from "./line_splitter.ts";
import {
  childEnv,
  DEFAULT_GRACE_MS,
  positiveOption,
  spawnChild,
  type SpawnCounter,
  Terminator,
} from "./spawn.ts";
import { StallWatch } from "./supervision.ts";
import { Backoff } from "../time/backoff.ts";
import { systemClock } from "../time/clock.ts";
import { Schedule } from "../time/schedule.ts";

/** Options of {@linkcode LineChild}. */
export interface LineChildOptions {
  /** Absolute path of the executable. */
  path: string;
  /** Arguments (no shell is involved). */
  args?: string[];
  /** Extra environment on top of `BASE_ENV`; `LD_*` and `DYLD_*` keys are refused. */
  env?: Record<string, string>;
  /** Called with each stdout line, without its `\n` (and without a trailing `\r`). */
  onLine: (line: string) => void;
  /** Called for each failure: spawn error, exit, stall, over-long line, `onLine` throwing. */
  onError: (failure: ProcessFailure) => void;
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
  /**
   * The schedule its stall checks and restart delays run on (default: one of its own on
   * the system clock, driven by its own timer).
   */
  schedule?: Schedule;
  /** Counts each child it starts (every restart is a start). */
  spawns?: SpawnCounter;
}

/**
 * A supervised long-lived child whose stdout is consumed line by line. It is restarted with
 * exponential backoff when it exits, cannot be started, or stalls; `stop()` kills it and
 * resolves once no process and no task is left. Its stall checks and restart delays are tasks
 * of its schedule: inside the daemon, the tick runs them. No callback is made after `stop()` is called.
 *
 * @example
 * ```ts
 * import { LineChild } from "./line_child.ts";
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
  readonly #onError: (failure: ProcessFailure) => void;
  readonly #stallMs: number;
  readonly #maxLineBytes: number;
  readonly #maxStderr: number;
  readonly #graceMs: number;
  readonly #healthyMs: number;
  readonly #backoff: Backoff;
  readonly #schedule: Schedule;
  readonly #spawns: SpawnCounter | undefined;
  #loop: Promise<void> | null = null;
  #stopping = false;
  #child: Deno.ChildProcess | null = null;
  #term: Terminator | null = null;
  #wake: (() => void) | null = null;
  #restarts = 0;

  /** Validates the options (throws a `config` ProcessFailure) without starting anything. */
  constructor(options: LineChildOptions) {
    const args = options.args ?? [];
    const command = describeCommand(options.path, args);
    const positive = (name: string, value: number | undefined, fallback: number) =>
      positiveOption(command, name, value, fallback);
    this.#command = command;
    this.#path = options.path;
    this.#args = [...args];
    this.#env = childEnv(command, options.path, options.env);
    this.#onLine = options.onLine;
    this.#onError = options.onError;
    this.#stallMs = positive("stallMs", options.stallMs, 10_000);
    this.#maxLineBytes = positive("maxLineBytes", options.maxLineBytes, 64 * 1024);
    this.#maxStderr = positive("maxStderrBytes", options.maxStderrBytes, DEFAULT_MAX_STDERR_BYTES);
    this.#graceMs = positive("graceMs", options.graceMs, DEFAULT_GRACE_MS);
    this.#backoff = new Backoff({
      initialMs: positive("backoffStartMs", options.backoffStartMs, 250),
      maxMs: positive("backoffMaxMs", options.backoffMaxMs, 30_000),
    });
    this.#schedule = options.schedule ?? Schedule.timerDriven(systemClock);
    this.#healthyMs = positive("healthyMs", options.healthyMs, 30_000);
    this.#spawns = options.spawns;
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
    this.#backoff.reset();
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
      await this.#sleep(this.#backoff.next());
      if (this.#stopping) return;
      this.#restarts++;
    }
  }

  async #runOnce(): Promise<void> {
    let child: Deno.ChildProcess;
    try {
      child = spawnChild(this.#command, this.#path, this.#args, this.#env, this.#spawns);
    } catch (error) {
      this.#report(error as ProcessFailure);
      return;
    }
    const clock = this.#schedule.clock;
    const started = clock.now();
    const term = new Terminator(child, this.#graceMs);
    this.#child = child;
    this.#term = term;
    let healthy = false;
    let stalled = false;

    const stall = new StallWatch(this.#schedule, this.#stallMs, () => {
      stalled = true;
      this.#report(
        new ProcessFailure(
          this.#command,
          "stall",
          `no output line for ${this.#stallMs} ms (killed)`,
        ),
      );
      term.terminate();
    });

    const splitter = new LineSplitter(this.#maxLineBytes, (line, bytes) => {
      const now = clock.now();
      stall.seen(now);
      if (!healthy && now - started >= this.#healthyMs) {
        healthy = true;
        this.#backoff.reset();
      }
      if (this.#stopping) return;
      if (bytes > this.#maxLineBytes) {
        this.#report(
          new ProcessFailure(
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
          new ProcessFailure(this.#command, "callback", `onLine threw: ${text}`, { cause: error }),
        );
      }
    });
    const out = new BoundedSink(
      child.stdout,
      0,
      STDOUT_READ_BYTES,
      (chunk) => splitter.push(chunk),
    );
    const err = new BoundedSink(child.stderr, this.#maxStderr, STDERR_READ_BYTES);

    const status = await child.status;
    stall.stop();
    term.finish();
    await drainSinks([out, err]);
    splitter.flush();
    this.#child = null;
    this.#term = null;
    if (!stalled) this.#report(exitFailure(this.#command, status, err.text()));
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.#schedule.at(this.#schedule.clock.now() + ms, () => {
        this.#wake = null;
        resolve();
      });
      this.#wake = () => {
        cancel();
        this.#wake = null;
        resolve();
      };
    });
  }

  #report(failure: ProcessFailure): void {
    if (this.#stopping) return;
    try {
      this.#onError(failure);
    } catch (error) {
      reportError(error);
    }
  }
}
