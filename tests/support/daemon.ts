/**
 * Runs the daemon as a real subprocess for end-to-end tests: `deno run` from the
 * project root with the daemon's V8 flags under exactly this platform's shipped
 * permission set, only its socket path swapped for the test's (daemon_permissions.ts),
 * so tests and binary cannot differ. Its stderr (one line per lifecycle event) is
 * collected line by line.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DAEMON_V8_FLAGS } from "../../src/daemon/v8.ts";
import { daemonConfigFile, daemonPermissionSet } from "./daemon_permissions.ts";
import { LoggedChild } from "./logged_child.ts";
import { withTempDir } from "./procs.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;

/** A fresh short temporary directory under /tmp (socket paths must stay under 108 bytes). */
export function shortTempDir(): Promise<string> {
  return Deno.makeTempDir({ dir: "/tmp", prefix: "omd" });
}

/** Runs `fn` with a fresh short temporary directory, removed afterwards whatever happens. */
export function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  return withTempDir("omd", fn, "/tmp");
}

/**
 * A granted socket path whose directory the set grants read and write (Homebrew's
 * `var/run`, which the daemon creates 0700 when missing): a test template for the
 * directory's creation and recreation.
 */
export const BREW_SOCKET = "/usr/local/var/run/opta-metrics.sock";

/** Run the daemon as another user (needs root): `setpriv` to `uid`/`gid`, no supplementary groups. */
export interface RunAs {
  /** User id. */
  uid: number;
  /** Group id. */
  gid: number;
  /** A DENO_DIR that user can read (see {@linkcode denoDirFor}). */
  denoDir: string;
}

/** How to start a daemon. */
export interface DaemonOptions {
  /**
   * A granted socket path whose kind of grants the test's socket gets (default: the
   * socket itself for write, its directory for read). `/usr/local/var/run/opta-metrics.sock`
   * grants the directory write too, so the daemon may create it.
   */
  template?: string;
  /** Extra `serve` flags. */
  flags?: string[];
  /** V8 flags (default: the daemon's own, {@linkcode DAEMON_V8_FLAGS}). */
  v8Flags?: readonly string[];
  /** Run under `prlimit --nofile=N:N`: at most N open file descriptors. */
  maxFds?: number;
  /** A command that runs the daemon's command line (`unshare --net --`, say), outermost. */
  wrapper?: string[];
  /** Run as another user. */
  runAs?: RunAs;
}

/**
 * A copy of this user's DENO_DIR npm cache that `uid` can read, so a daemon run
 * as that user resolves the project's npm imports without the network. The
 * caller removes it.
 */
export async function denoDirFor(uid: number, gid: number): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "omd-denodir" });
  const info = JSON.parse(
    new TextDecoder().decode(
      (await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
        .output()).stdout,
    ),
  );
  const copy = await new Deno.Command("/bin/cp", {
    args: ["-R", info.npmCache ?? `${info.denoDir}/npm`, `${dir}/npm`],
  }).output();
  assert.ok(copy.success, new TextDecoder().decode(copy.stderr));
  const own = await new Deno.Command("/bin/chown", { args: ["-R", `${uid}:${gid}`, dir] })
    .output();
  assert.ok(own.success, new TextDecoder().decode(own.stderr));
  return dir;
}

/**
 * The `deno run` command line of a daemon on `socket` under its shipped permission set
 * (only the socket path swapped), before any wrapper: the executable first.
 */
export function daemonCommand(socket: string, options: DaemonOptions = {}): string[] {
  return [
    Deno.execPath(),
    "run",
    "--quiet",
    "--no-prompt",
    ...v8FlagsArgs(options.v8Flags ?? DAEMON_V8_FLAGS),
    `--config=${daemonConfigFile(daemonPermissionSet(socket, options.template))}`,
    "-P=serve-test",
    MAIN,
    "serve",
    "--socket",
    socket,
    ...(options.flags ?? []),
  ];
}

const v8FlagsArgs = (flags: readonly string[]) =>
  flags.length > 0 ? [`--v8-flags=${flags.join(",")}`] : [];

/** A running (or exited) daemon subprocess. */
export class Daemon extends LoggedChild {
  constructor(readonly socket: string, options: DaemonOptions = {}) {
    // --quiet hides Deno's own warnings, so stderr holds the daemon's lines only.
    let command = daemonCommand(socket, options);
    const env: Record<string, string> = { NO_COLOR: "1", RUST_BACKTRACE: "0" };
    if (options.runAs) {
      const { uid, gid, denoDir } = options.runAs;
      command = [
        "/usr/bin/setpriv",
        `--reuid=${uid}`,
        `--regid=${gid}`,
        "--clear-groups",
        "--",
        ...command,
      ];
      env.DENO_DIR = denoDir;
    }
    if (options.maxFds !== undefined) {
      command = [
        "/usr/bin/prlimit",
        `--nofile=${options.maxFds}:${options.maxFds}`,
        "--",
        ...command,
      ];
    }
    if (options.wrapper !== undefined) command = [...options.wrapper, ...command];
    super("daemon", command, { cwd: ROOT, env });
  }
}

/** Starts a daemon and waits (up to `ms`) for its "listening" line. */
export async function startDaemon(
  socket: string,
  options: DaemonOptions = {},
  ms = 10_000,
): Promise<Daemon> {
  const daemon = new Daemon(socket, options);
  try {
    await daemon.waitForLine(/\blistening\b/, ms);
  } catch (error) {
    await daemon.kill();
    throw error;
  }
  return daemon;
}

/**
 * Starts a daemon on `s.sock` in a fresh short temporary directory, runs `fn` with it, and
 * always stops it and removes the directory.
 */
export function withDaemon(
  options: DaemonOptions,
  fn: (daemon: Daemon, socket: string, dir: string) => Promise<void>,
): Promise<void> {
  return withDir(async (dir) => {
    const socket = `${dir}/s.sock`;
    const daemon = await startDaemon(socket, options);
    try {
      await fn(daemon, socket, dir);
    } finally {
      await daemon.stop();
    }
  });
}

/** Runs a daemon expected to exit by itself; returns its code and stderr (kills it after `ms`). */
export async function runDaemonToExit(
  socket: string,
  options: DaemonOptions = {},
  ms = 10_000,
): Promise<{ code: number; stderr: string; lines: string[] }> {
  const daemon = new Daemon(socket, options);
  const status = await daemon.waitExit(ms);
  if (status === null) {
    await daemon.kill();
    assert.fail(`daemon still running after ${ms} ms:\n${daemon.stderr}`);
  }
  await daemon.stderrDone;
  return { code: status.code, stderr: daemon.stderr, lines: daemon.lines.filter((l) => l !== "") };
}
