/**
 * Runs the daemon as a real subprocess for end-to-end tests: `deno run -P=serve`
 * from the project root (so deno.json's `serve` permission set applies) with the
 * daemon's V8 flags, plus read/write grants on a temporary directory and a
 * `unix:` net grant on the socket. Its stderr (one line per lifecycle event) is
 * collected line by line.
 *
 * @module
 */

import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { type ReceivedFrame, subscribe, type SubscriberStatus } from "../../src/ipc/client.ts";
import { decodeMetrics } from "../../src/ipc/codec.ts";
import { FrameDecoder } from "../../src/ipc/framing.ts";
import { DAEMON_V8_FLAGS } from "../../src/heap.ts";

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

/** How to start a daemon. */
export interface DaemonOptions {
  /** Directory granted read and write (default: the socket's directory). */
  grantDir?: string;
  /** Extra `serve` flags. */
  flags?: string[];
  /** V8 flags (default: the daemon's own, {@linkcode DAEMON_V8_FLAGS}). */
  v8Flags?: readonly string[];
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
    const dir = options.grantDir ?? socket.slice(0, socket.lastIndexOf("/"));
    this.#child = new Deno.Command(Deno.execPath(), {
      // --quiet hides Deno's own "permissions in the config file are experimental" warning,
      // so stderr holds the daemon's lines only.
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        "-P=serve",
        ...v8FlagsArgs(options.v8Flags ?? DAEMON_V8_FLAGS),
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
        `--allow-net=unix:${socket}`,
        MAIN,
        "serve",
        "--socket",
        socket,
        ...(options.flags ?? []),
      ],
      cwd: ROOT,
      env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
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
