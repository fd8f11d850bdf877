/**
 * Starting and ending a child the one safe way: absolute path, no shell, a cleared environment,
 * `stdin` closed, and termination that escalates from SIGTERM to SIGKILL. Shared by the one-shot
 * `runCommand` and the long-lived `LineChild`.
 *
 * @example
 * ```ts
 * import { childEnv, spawnChild, Terminator } from "./spawn.ts";
 * const env = childEnv("/bin/sleep 10", "/bin/sleep", undefined);
 * const child = spawnChild("/bin/sleep 10", "/bin/sleep", ["10"], env);
 * const term = new Terminator(child, 500);
 * term.terminate();
 * await child.status;
 * term.finish();
 * ```
 *
 * @module
 */

import { ProcessFailure } from "./failure.ts";
import { systemClock, type Timer } from "../time/clock.ts";

/**
 * The environment every child starts with (the parent's environment is never inherited).
 * `HOME` is a path that is no directory, so no tool reads or writes the user's settings:
 * without it procps `top` takes the home directory from the password database, reads
 * the user's saved `toprc` there (which can change what it prints) and creates
 * `~/.config/procps`.
 */
export const BASE_ENV: Readonly<Record<string, string>> = Object.freeze({
  HOME: "/dev/null",
  LC_ALL: "C",
  PATH: "/usr/bin:/bin:/usr/sbin:/sbin",
});

/** Default time between SIGTERM and SIGKILL, in milliseconds. */
export const DEFAULT_GRACE_MS = 500;

/**
 * Returns `value`, or `fallback` when it is undefined; throws a `config` failure naming the option
 * when it is not a positive finite number.
 */
export function positiveOption(
  command: string,
  name: string,
  value: number | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new ProcessFailure(command, "config", `${name} must be a positive number, got ${value}`);
  }
  return value;
}

/**
 * The environment of a child: {@linkcode BASE_ENV} plus `extra`. Throws a `config` failure for a
 * relative `path` or an `LD_*` / `DYLD_*` key, which would let the caller change what runs.
 */
export function childEnv(
  command: string,
  path: string,
  extra: Record<string, string> | undefined,
): Record<string, string> {
  if (!path.startsWith("/")) {
    throw new ProcessFailure(command, "config", "path must be absolute");
  }
  for (const key of Object.keys(extra ?? {})) {
    if (key.startsWith("LD_") || key.startsWith("DYLD_")) {
      throw new ProcessFailure(command, "config", `env key ${key} is not allowed`);
    }
  }
  return { ...BASE_ENV, ...extra };
}

/**
 * Counts the children started through it: a platform's sources share one, and the daemon
 * reports its count on the `stats` line (the spawn budget is checked against it).
 */
export class SpawnCounter {
  #count = 0;

  /** Children started so far (a long-lived child counts once, at each start). */
  get count(): number {
    return this.#count;
  }

  /** One more child was started. */
  record(): void {
    this.#count++;
  }
}

/**
 * Spawns `path` with piped stdout and stderr and no stdin, and records it in `spawns`; a spawn
 * error becomes a `not-found`, `permission` or `spawn` failure (and is not counted).
 */
export function spawnChild(
  command: string,
  path: string,
  args: string[],
  env: Record<string, string>,
  spawns?: SpawnCounter,
): Deno.ChildProcess {
  try {
    const child = new Deno.Command(path, {
      args,
      clearEnv: true,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    spawns?.record();
    return child;
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    if (error instanceof Deno.errors.NotFound) {
      throw new ProcessFailure(command, "not-found", "not found", { cause: error });
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new ProcessFailure(command, "permission", `permission denied: ${text}`, {
        cause: error,
      });
    }
    if (error instanceof Deno.errors.NotCapable) {
      throw new ProcessFailure(command, "permission", `not allowed by Deno: ${text}`, {
        cause: error,
      });
    }
    throw new ProcessFailure(command, "spawn", `could not start: ${text}`, { cause: error });
  }
}

/** SIGTERM now, SIGKILL after the grace unless the child has gone; never signals after finish(). */
export class Terminator {
  readonly #child: Deno.ChildProcess;
  readonly #graceMs: number;
  #timer: Timer | undefined;
  #sent = false;
  #finished = false;
  #killed = false;

  /** Watches `child`; nothing is sent until {@linkcode Terminator.terminate}. */
  constructor(child: Deno.ChildProcess, graceMs: number) {
    this.#child = child;
    this.#graceMs = graceMs;
  }

  /** Sends SIGTERM and arms the SIGKILL; later calls do nothing. */
  terminate(): void {
    if (this.#sent || this.#finished) return;
    this.#sent = true;
    signalChild(this.#child, "SIGTERM");
    this.#timer = systemClock.setTimeout(() => {
      this.#timer = undefined;
      this.#killed = true;
      signalChild(this.#child, "SIGKILL");
    }, this.#graceMs);
  }

  /** The child has exited: cancel the pending SIGKILL and refuse further signals. */
  finish(): void {
    this.#finished = true;
    systemClock.clear(this.#timer);
    this.#timer = undefined;
  }

  /** How the child was ended, for a failure message: `killed`, or with SIGKILL after the grace. */
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
