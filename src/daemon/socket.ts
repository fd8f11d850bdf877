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

/** Options of {@linkcode DaemonSocket.bind}. */
export interface DaemonSocketOptions {
  /** The resolved, granted socket path. */
  path: string;
  /** The socket file's mode. */
  mode: number;
  /** Where the accept retries and the periodic socket check run. */
  schedule: Schedule;
  /** How often to check that the socket file is still ours (ms). */
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
  #ino: number | null;
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
    this.#ino = Deno.lstatSync(options.path).ino;
  }

  /**
   * Claim the path (a stale socket of ours is removed; a live server, another user's
   * file or a non-socket is refused) and bind it. Nothing is accepted until `listen`.
   */
  static async bind(options: DaemonSocketOptions): Promise<DaemonSocket> {
    return new DaemonSocket(options, await claimAndBind(options.path, options.mode));
  }

  /** Start accepting and checking the socket file. */
  listen(): void {
    this.#accepting = this.#accept(this.#listener);
    const { schedule, checkMs, path } = this.#options;
    this.#stopChecks = schedule.every(checkMs, () => {
      this.#check().catch((error) => {
        this.#options.onLost(`cannot re-bind ${path}: ${(error as Error).message}`, true);
      });
    });
  }

  /** Stop accepting; remove the socket file when `removeFile` (it is still ours). */
  async close(removeFile: boolean): Promise<void> {
    this.#closing = true;
    this.#stopChecks();
    if (!removeFile) return;
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

  /** Notice a deleted or replaced socket file and bind again (macOS cleans /tmp). */
  async #check(): Promise<void> {
    const { path, mode, log } = this.#options;
    let ino: number | null = null;
    try {
      ino = Deno.lstatSync(path).ino;
    } catch (error) {
      const gone = error instanceof Deno.errors.NotFound ||
        error instanceof Deno.errors.NotADirectory; // the directory itself was replaced
      if (!gone) throw error;
    }
    if (this.#closing || (ino !== null && ino === this.#ino)) return;
    if (ino !== null) {
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
    this.#closeListener(this.#listener); // unlinks the path if a stale socket sits there
    await this.#accepting;
    ensureSafeParent(path); // recreates a removed directory (0700), as at start-up
    this.#listener = await claimAndBind(path, mode);
    this.#ino = Deno.lstatSync(path).ino;
    this.#accepting = this.#accept(this.#listener);
  }
}
