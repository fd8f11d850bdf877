/**
 * What `serve` can be told, what it assumes when it is not, and what it returns.
 *
 * @module
 */

import type { BroadcasterStats } from "../ipc/broadcaster.ts";
import type { Logger } from "../log.ts";
import type { Cadences } from "../metrics/sampler.ts";
import type { SourceName } from "../metrics/source.ts";
import type { MomentumConfig } from "../momentum/momentum.ts";

/** Everything `serve` can be told. */
export interface ServeOptions {
  /**
   * Socket path (made absolute; on macOS `/tmp` becomes `/private/tmp`); absent for
   * the default place of this user (see `ipc/socket_place.ts`).
   */
  socketPath?: string;
  /** File mode of the socket (default 0o600). */
  socketMode?: number;
  /** Frames per second (default 25). */
  rateHz?: number;
  /** Close a client whose write is stuck this long (ms, default 2000). */
  stallTimeoutMs?: number;
  /** Refuse clients beyond this many (default 256). */
  maxClients?: number;
  /** Processes per frame (default 10). */
  top?: number;
  /** The sources to run (default: every one); the others' values are absent from frames. */
  sources?: readonly SourceName[];
  /** Sampling cadences. */
  cadences?: Partial<Cadences>;
  /** Momentum thresholds, targets and easing. */
  momentum?: MomentumConfig;
  /**
   * How often to check that the socket file is still ours (ms, default 2000) while anything
   * wakes the daemon; with nothing else to do it checks less often (see `socket.ts`).
   */
  socketCheckMs?: number;
  /** Longest wait at start-up for every source's first reading before accepting (ms, default 2000). */
  startupSettleMs?: number;
  /** How long after the last client leaves the sampler slows to idle (ms, default 5000). */
  idleGraceMs?: number;
  /** Log a stats line this often (ms); 0 or absent for never. */
  statsIntervalMs?: number;
  /**
   * Run V8's full collection this often (ms, default 60 000; 0 for never). Needs the
   * runtime's `gc` hook (`--v8-flags=--expose-gc`); without it this is ignored.
   */
  gcIntervalMs?: number;
  /** Lifecycle log. */
  log?: Logger;
  /** Stop serving when aborted. */
  signal?: AbortSignal;
}

/** The defaults of the optional numbers of {@linkcode ServeOptions}. */
export const SERVE_DEFAULTS = Object.freeze({
  socketMode: 0o600,
  rateHz: 25,
  stallTimeoutMs: 2000,
  maxClients: 256,
  top: 10,
  socketCheckMs: 2000,
  startupSettleMs: 2000,
  idleGraceMs: 5000,
});

/** A running daemon. */
export interface Server {
  /** The path actually bound. */
  readonly socketPath: string;
  /** Frames published so far (the last `sequence`). */
  readonly sequence: number;
  /** Broadcaster counters. */
  stats(): BroadcasterStats;
  /** Resolves when the daemon has stopped; rejects with the reason if the socket was lost. */
  readonly finished: Promise<void>;
}
