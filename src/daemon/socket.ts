/**
 * The daemon's socket from bind to close: accept connections for as long as it
 * runs (an accept error, such as running out of file descriptors, is logged once
 * and retried with backoff, never the end of accepting), notice when the socket
 * file is deleted or replaced and bind again, and on close remove the file unless
 * it no longer is ours.
 *
 * @module
 */

import type { Logger } from "../log.ts";
import { Backoff } from "../time/backoff.ts";
import type { Schedule } from "../time/schedule.ts";
import { claimAndBind, foreignOwnerMessage, inspectSocketPath } from "../ipc/socket_claim.ts";
import { ensureSafeParent } from "../ipc/socket_path.ts";

/** At most one "accept failed" line this often (ms). */
const ACCEPT_LOG_INTERVAL_MS = 60_000;

/**
 * The longest a due socket check waits for something else to wake the daemon (ms). While
 * clients stream, the tick runs it on time; otherwise it runs with the sampler's idle reads,
 * or alone this long after the last one: a wake-up of its own every few seconds would be most
 * of what an idle daemon does.
 */
export const IDLE_CHECK_MS = 30_000;

/** Options of {@linkcode DaemonSocket.bind}. */
export interface DaemonSocketOptions {
  /** The resolved, granted socket path. */
  path: string;
  /** The socket file's mode. */
  mode: number;
  /** Where the accept retries and the periodic socket check run. */
  schedule: Schedule;
  /**
   * How often to check that the socket file is still ours (ms) while anything wakes the
   * daemon; at least every {@linkcode IDLE_CHECK_MS} when nothing does.
   */
  checkMs: number;
  /** Lifecycle log. */
  log: Logger;
  /** Each accepted connection. */
  onConnection(conn: Deno.UnixConn): void;
  /**
   * The socket is lost for good (taken over, replaced, cannot be bound again): the daemon
   * must stop; `ours` says whether the file at the path is still ours to remove.
   */
  onLost(reason: string, ours: boolean): void;
}

/** A bound daemon socket. */
export class DaemonSocket {
  readonly #options: DaemonSocketOptions;
  #listener: Deno.UnixListener;
  /** The socket file this daemon bound (device and inode), to tell it from a newer one. */
  #file: { dev: number; ino: number | null };
  #accepting: Promise<void> = Promise.resolve();
  /** Listeners this process closed itself: their accept errors end the loop quietly. */
  readonly #closed = new WeakSet<Deno.UnixListener>();
  #wakeAcceptLoop: (() => void) | null = null;
  #acceptErrorLoggedMs = -Infinity;
  #stopChecks: () => void = () => {};
  #closing = false;

  private constructor(options: DaemonSocketOptions, listener: Deno.UnixListener) {
    this.#options = options;
    this.#listener = listener;
    this.#file = fileId(options.path)!;
  }

  /**
   * Claim the path (a stale socket of ours is removed; a live server, another user's
   * file or a non-socket is refused) and bind it. Nothing is accepted until `listen`.
   */
  static async bind(options: DaemonSocketOptions): Promise<DaemonSocket> {
    return new DaemonSocket(
      options,
      await claimAndBind(options.path, options.mode, lockTimeoutLog(options)),
    );
  }

  /** Start accepting and checking the socket file. */
  listen(): void {
    this.#accepting = this.#accept(this.#listener);
    const { schedule, checkMs, path } = this.#options;
    this.#stopChecks = schedule.every(checkMs, () => {
      this.#check().catch((error) => {
        this.#options.onLost(`cannot re-bind ${path}: ${(error as Error).message}`, true);
      });
    }, Math.max(0, IDLE_CHECK_MS - checkMs));
  }

  /**
   * Stop accepting; remove the socket file when `removeFile` and it is still ours.
   * Deno's close unlinks whatever is at the path by name, so a listener whose file
   * was replaced (by a newer daemon's socket, say) is left open instead: the process
   * exits without running that close, and the newer socket stays.
   */
  async close(removeFile: boolean): Promise<void> {
    this.#closing = true;
    this.#stopChecks();
    if (!removeFile) return;
    if (!sameFile(fileId(this.#options.path), this.#file)) {
      this.#options.log.log("warn", "socket file is no longer ours, leaving it", {
        socket: this.#options.path,
      });
      return;
    }
    this.#closeListener(this.#listener); // Deno unlinks the socket file on close
    await this.#accepting;
  }

  #closeListener(which: Deno.UnixListener): void {
    this.#closed.add(which);
    this.#wakeAcceptLoop?.();
    try {
      which.close();
    } catch {
      // already closed
    }
  }

  /**
   * Accept until the listener is closed. A failed accept (out of file descriptors, a
   * connection reset before it was taken) is logged at most once a minute and retried
   * after 10 ms doubling to 1 s: the pending clients wait in the backlog and are taken as
   * soon as descriptors are free.
   */
  async #accept(from: Deno.UnixListener): Promise<void> {
    const { log, schedule, path } = this.#options;
    const backoff = new Backoff({ initialMs: 10, maxMs: 1000 });
    let logged = false; // this run of failures was logged
    while (!this.#closed.has(from)) {
      let conn: Deno.UnixConn;
      try {
        conn = await from.accept();
      } catch (error) {
        if (this.#closed.has(from) || this.#closing) return;
        if (error instanceof Deno.errors.BadResource) {
          // The listener is gone and cannot be retried: stop, so a supervisor restarts us.
          this.#options.onLost(
            `the listener on ${path} is gone (${(error as Error).message}); stopping`,
            true,
          );
          return;
        }
        const now = schedule.clock.now();
        if (backoff.failures === 0 && now - this.#acceptErrorLoggedMs >= ACCEPT_LOG_INTERVAL_MS) {
          this.#acceptErrorLoggedMs = now;
          logged = true;
          log.log("error", "accept failed, retrying", { error: (error as Error).message });
        }
        await new Promise<void>((resolve) => {
          const cancel = schedule.at(now + backoff.next(), resolve);
          this.#wakeAcceptLoop = () => {
            cancel();
            resolve();
          };
        });
        this.#wakeAcceptLoop = null;
        continue;
      }
      if (backoff.failures > 0) {
        if (logged) log.log("info", "accepting again", { failed_accepts: backoff.failures });
        backoff.reset();
        logged = false;
      }
      if (this.#closing) conn.close();
      else this.#options.onConnection(conn);
    }
  }

  /** Notice a deleted or replaced socket file and bind again (macOS cleans temporary files). */
  async #check(): Promise<void> {
    const { path, mode, log } = this.#options;
    const found = fileId(path);
    if (this.#closing || sameFile(found, this.#file)) return;
    if (found !== null) {
      const probe = await inspectSocketPath(path);
      if (probe.state !== "free" && probe.state !== "stale-socket") {
        // Closing our listener would unlink *their* file: leave it, stop without touching it.
        const reason = probe.state === "live-server"
          ? `another server took over ${path}`
          : probe.state === "foreign"
          ? foreignOwnerMessage(path, probe.uid)
          : `${path} was replaced by a file that is not a socket`;
        return this.#options.onLost(`${reason}; stopping`, false);
      }
    }
    log.log("warn", "socket file missing or replaced, binding again", { socket: path });
    ensureSafeParent(path); // recreates a removed directory (0700), as at start-up
    const old = this.#listener;
    // The old listener's close unlinks the path by name once its pending accept has ended:
    // it runs only after the claim has made the path free, under the directory's lock, and
    // is waited for before binding, so neither a new socket of ours nor another daemon's is
    // there to be unlinked.
    this.#listener = await claimAndBind(path, mode, {
      ...lockTimeoutLog(this.#options),
      beforeBind: async () => {
        this.#closeListener(old);
        await this.#accepting;
      },
    });
    this.#file = fileId(path)!;
    this.#accepting = this.#accept(this.#listener);
  }
}

/** The device and inode of the file at `path`, or null when nothing is there. */
function fileId(path: string): { dev: number; ino: number | null } | null {
  try {
    const info = Deno.lstatSync(path);
    return { dev: info.dev, ino: info.ino };
  } catch (error) {
    const gone = error instanceof Deno.errors.NotFound ||
      error instanceof Deno.errors.NotADirectory; // the directory itself was replaced
    if (gone) return null;
    throw error;
  }
}

/** Whether two file identities name the same file. */
function sameFile(
  a: { dev: number; ino: number | null } | null,
  b: { dev: number; ino: number | null },
): boolean {
  return a !== null && a.dev === b.dev && a.ino === b.ino;
}

/** A claim hook logging a directory that stayed locked by someone else. */
function lockTimeoutLog(options: DaemonSocketOptions) {
  return {
    onLockTimeout: (waitedMs: number) =>
      options.log.log("warn", "socket directory stayed locked by another process; going on", {
        socket: options.path,
        waited_ms: waitedMs,
      }),
  };
}
