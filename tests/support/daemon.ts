/**
 * Runs the daemon as a real subprocess for end-to-end tests: `deno run` from the
 * project root with the daemon's V8 flags and exactly this platform's shipped
 * permission set from deno.json (`serve-linux`, `serve-darwin`), turned into
 * flags with only the socket path (and its directory, where the set grants the
 * directory) swapped for the test's, so tests and binary cannot differ. Its
 * stderr (one line per lifecycle event) is collected line by line.
 *
 * @module
 */

import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { type ReceivedFrame, subscribe, type SubscriberStatus } from "../../src/ipc/client.ts";
import { decodeMetrics } from "../../src/ipc/codec.ts";
import { FrameDecoder } from "../../src/ipc/framing.ts";
import { DAEMON_V8_FLAGS } from "../../src/heap.ts";
import { GRANTED_SOCKET_PATHS, parentOf, servePermissionSet } from "../../src/ipc/socket_path.ts";
import config from "../../deno.json" with { type: "json" };

const ROOT = new URL("../../", import.meta.url).pathname;
const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;

/** A fresh short temporary directory under /tmp (socket paths must stay under 108 bytes). */
export function shortTempDir(): Promise<string> {
  return Deno.makeTempDir({ dir: "/tmp", prefix: "omd" });
}

/** Runs `fn` with a fresh short temporary directory, removed afterwards whatever happens. */
export async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await shortTempDir();
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** A deno.json permission set, as its entries are typed there. */
export type PermissionSet = {
  read: string[];
  write: string[];
  net: string[];
  run: string[];
  sys: string[];
  env: string[];
  ffi: boolean;
  import: boolean;
};

const SETS = config.permissions as unknown as Record<string, PermissionSet>;
const SERVE_SETS = ["serve-darwin", "serve-linux"];

/** The socket paths some serve set grants (`unix:` entries), each with the set that grants it. */
function grantedAnywhere(): Map<string, string> {
  const found = new Map<string, string>();
  for (const name of SERVE_SETS) {
    for (const entry of SETS[name].net) found.set(entry.replace(/^unix:/, ""), name);
  }
  return found;
}

/**
 * This platform's serve set (`set`) with the granted socket path `template`
 * swapped for `socket`: its read/write/net entries come from whichever serve set
 * grants `template` (an entry for the path becomes `socket`, one for its directory
 * becomes `socket`'s directory), every other socket path's entries are dropped,
 * and everything else is kept as is. A template from the other platform's set
 * gives a test that platform's socket grants (the Homebrew directories, which the
 * daemon may create) with this platform's tools.
 */
export function daemonPermissionSet(
  socket: string,
  template: string = GRANTED_SOCKET_PATHS[0],
  set: string = servePermissionSet(),
): PermissionSet {
  const sockets = grantedAnywhere();
  const owner = sockets.get(template);
  assert.ok(owner, `${template} is not granted by any serve set`);
  const related = new Set<string>();
  for (const path of sockets.keys()) related.add(path).add(parentOf(path));
  const swap = (entries: string[]) =>
    entries.flatMap((entry) =>
      entry === template
        ? [socket]
        : entry === parentOf(template)
        ? [parentOf(socket)]
        : related.has(entry)
        ? []
        : [entry]
    );
  const base = SETS[set];
  const socketGrants = SETS[owner];
  return {
    ...base,
    read: [...new Set([...swap(socketGrants.read), ...swap(base.read)])],
    write: [...new Set([...swap(socketGrants.write), ...swap(base.write)])],
    net: socketGrants.net.filter((e) => e === `unix:${template}`).map(() => `unix:${socket}`),
  };
}

let configDir: string | null = null;
let configCount = 0;

/**
 * A config file holding the project's import map and `set` as the permission set
 * `serve-test`, for `deno run --config FILE -P=serve-test`: a set in a config file
 * can say what flags cannot (`sys: umask`), so the daemon runs under exactly it.
 * The files live in one temporary directory (readable by every user, for daemons
 * run as another one), removed when the test process ends.
 */
export function daemonConfigFile(set: PermissionSet): string {
  if (configDir === null) {
    const dir = Deno.makeTempDirSync({ prefix: "omd-config" });
    Deno.chmodSync(dir, 0o755);
    configDir = dir;
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  }
  const file = `${configDir}/deno-${++configCount}.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({ imports: config.imports, lock: false, permissions: { "serve-test": set } }),
  );
  Deno.chmodSync(file, 0o644);
  return file;
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
   * The granted socket path whose grants the test's socket gets (default: the first
   * one deno.json grants). `/usr/local/var/run/opta-metrics.sock` grants the directory
   * read and write, so the daemon may create it; this platform's own path only reads it.
   */
  template?: string;
  /** Extra `serve` flags. */
  flags?: string[];
  /** V8 flags (default: the daemon's own, {@linkcode DAEMON_V8_FLAGS}). */
  v8Flags?: readonly string[];
  /** Run under `prlimit --nofile=N:N`: at most N open file descriptors. */
  maxFds?: number;
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

/** The `deno run` command line of a daemon on `socket` (before any wrapper). */
function daemonCommand(socket: string, options: DaemonOptions): string[] {
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
export class Daemon {
  /** Its pid. */
  readonly pid: number;
  /** Every stderr line so far. */
  readonly lines: string[] = [];
  /** Resolves when the process has exited. */
  readonly status: Promise<Deno.CommandStatus>;
  /** Resolves when stderr has been read to its end. */
  readonly stderrDone: Promise<void>;
  readonly #child: Deno.ChildProcess;
  #exited: Deno.CommandStatus | null = null;
  #waiters: (() => void)[] = [];

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
    this.#child = new Deno.Command(command[0], {
      args: command.slice(1),
      cwd: ROOT,
      env,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.pid = this.#child.pid;
    this.status = this.#child.status.then((status) => {
      this.#exited = status;
      this.#wake();
      return status;
    });
    this.stderrDone = this.#collect();
  }

  /** The exit status, or null while running. */
  get exited(): Deno.CommandStatus | null {
    return this.#exited;
  }

  /** Stderr so far, as one string. */
  get stderr(): string {
    return this.lines.join("\n");
  }

  async #collect(): Promise<void> {
    let rest = "";
    for await (const chunk of this.#child.stderr.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      this.lines.push(...parts);
      this.#wake();
    }
    if (rest) this.lines.push(rest);
    this.#wake();
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Lines matching `pattern`. */
  matching(pattern: RegExp): string[] {
    return this.lines.filter((line) => pattern.test(line));
  }

  /** Waits for a stderr line matching `pattern` (from line `from` on); fails after `ms`. */
  async waitForLine(pattern: RegExp, ms: number, from = 0): Promise<string> {
    const end = performance.now() + ms;
    while (true) {
      const line = this.lines.slice(from).find((l) => pattern.test(l));
      if (line !== undefined) return line;
      if (this.#exited) {
        await this.stderrDone;
        const late = this.lines.slice(from).find((l) => pattern.test(l));
        if (late !== undefined) return late;
        assert.fail(
          `daemon exited (code ${this.#exited.code}) before logging ${pattern}:\n${this.stderr}`,
        );
      }
      const left = end - performance.now();
      if (left <= 0) assert.fail(`no line matching ${pattern} within ${ms} ms:\n${this.stderr}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, Math.min(left, 100));
      });
      clearTimeout(timer);
    }
  }

  /** Sends `signal` (if still running). */
  signal(signal: Deno.Signal): void {
    if (this.#exited) return;
    try {
      this.#child.kill(signal);
    } catch {
      // exited meanwhile
    }
  }

  /** Waits for exit up to `ms`; null if still running then. */
  async waitExit(ms: number): Promise<Deno.CommandStatus | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const result = await Promise.race([
      this.status,
      new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), ms)),
    ]);
    clearTimeout(timer);
    return result;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited and stderr is drained. */
  async stop(graceMs = 2000): Promise<Deno.CommandStatus> {
    this.signal("SIGTERM");
    if (await this.waitExit(graceMs) === null) this.signal("SIGKILL");
    const status = await this.status;
    await this.stderrDone;
    return status;
  }

  /** SIGKILL and wait (leaves the socket file behind). */
  async kill(): Promise<Deno.CommandStatus> {
    this.signal("SIGKILL");
    const status = await this.status;
    await this.stderrDone;
    return status;
  }

  /** `ms since epoch` of the timestamp at the start of a log line. */
  static timeOf(line: string): number {
    const time = Date.parse(line.split(" ", 1)[0]);
    assert.ok(Number.isFinite(time), `no timestamp in: ${line}`);
    return time;
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

/** VmRSS of `pid` in KiB (tests run with -A, so they may read /proc). */
export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
  assert.ok(m, `no VmRSS for ${pid}`);
  return Number(m[1]);
}

/** Open file descriptors of `pid`. */
export function fdCount(pid: number): number {
  let n = 0;
  for (const _ of Deno.readDirSync(`/proc/${pid}/fd`)) n++;
  return n;
}

/** Polls `cond` every 20 ms up to `ms`; returns whether it became true. */
export async function poll(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (true) {
    if (await cond()) return true;
    if (performance.now() > end) return false;
    await delay(20);
  }
}

/** A `subscribe()` client running in the background, recording what it receives. */
export class Subscriber {
  readonly frames: (ReceivedFrame & { at: number })[] = [];
  readonly statuses: (SubscriberStatus & { at: number })[] = [];
  readonly done: Promise<void>;
  readonly #abort = new AbortController();

  constructor(path: string) {
    this.done = (async () => {
      const frames = subscribe(path, {
        signal: this.#abort.signal,
        onStatus: (s) => this.statuses.push({ ...s, at: performance.now() }),
      });
      for await (const f of frames) this.frames.push({ ...f, at: performance.now() });
    })();
  }

  /** performance.now() of the first "connected" status. */
  get connectedAt(): number | undefined {
    return this.statuses.find((s) => s.state === "connected")?.at;
  }

  /** The frames that arrived at or after `t` (performance.now()). */
  after(t: number): (ReceivedFrame & { at: number })[] {
    return this.frames.filter((f) => f.at >= t);
  }

  /** Stop the client and wait for it to finish. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.done;
  }

  /** Waits until at least `n` frames arrived. */
  async frameCount(n: number, ms: number): Promise<void> {
    assert.ok(
      await poll(() => this.frames.length >= n, ms),
      `only ${this.frames.length} frames within ${ms} ms`,
    );
  }

  /** Every frame after the first followed its predecessor directly. */
  assertConsecutive(): void {
    assert.ok(this.frames.length > 0, "no frames");
    for (const [i, f] of this.frames.entries()) {
      if (i === 0) continue;
      assert.equal(f.restarted, false, `frame ${i} restarted`);
      assert.equal(f.missed, 0, `frame ${i} (sequence ${f.frame.sequence}) missed ${f.missed}`);
      assert.equal(f.frame.sequence, this.frames[i - 1].frame.sequence + 1);
    }
  }

  /** Frames per second between the first frame and the last moment observed (`until`). */
  rate(until: number): number {
    return (1000 * (this.frames.length - 1)) / (until - this.frames[0].at);
  }
}

/** A raw connection that reads and decodes frames in the background, with arrival times. */
export class RawReader {
  readonly sequences: number[] = [];
  readonly times: number[] = [];
  /** How the read loop ended: end of stream, an error (e.g. closed here), or still running. */
  ended: "eof" | "error" | null = null;
  readonly done: Promise<void>;

  constructor(readonly conn: Deno.UnixConn) {
    this.done = (async () => {
      const decoder = new FrameDecoder();
      const buffer = new Uint8Array(64 * 1024);
      try {
        while (true) {
          const n = await conn.read(buffer);
          if (n === null) break;
          for (const body of decoder.push(buffer.subarray(0, n))) {
            this.sequences.push(decodeMetrics(body).sequence);
            this.times.push(performance.now());
          }
        }
        this.ended = "eof";
      } catch {
        this.ended = "error";
      }
    })();
  }

  /** Connect to `path` and start reading. */
  static async connect(path: string): Promise<RawReader> {
    return new RawReader(await Deno.connect({ transport: "unix", path }));
  }

  /** Frames per second received since `from` (performance.now()). */
  rate(from: number, until = performance.now()): number {
    return (1000 * this.times.filter((t) => t >= from && t < until).length) / (until - from);
  }

  /** Longest time between two frames received since `from`. */
  maxGap(from: number): number {
    const times = this.times.filter((t) => t >= from);
    return Math.max(0, ...times.slice(1).map((t, i) => t - times[i]));
  }

  /** Every frame followed its predecessor directly. */
  assertConsecutive(): void {
    assert.ok(this.sequences.length > 0, "no frames");
    for (let i = 1; i < this.sequences.length; i++) {
      assert.equal(this.sequences[i], this.sequences[i - 1] + 1, `at ${i}: ${this.sequences}`);
    }
  }

  /** Close the connection and wait for the read loop to end. */
  async close(): Promise<void> {
    try {
      this.conn.close();
    } catch {
      // closed already
    }
    await this.done;
  }
}
