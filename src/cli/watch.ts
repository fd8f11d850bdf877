/**
 * `opta-metrics watch`: a live view of the stream on a terminal (redrawn in place
 * at most 10 times a second and on a resize, fitted to the window), or one JSON
 * object per frame (NDJSON) when stdout is not a terminal or `--json` is given.
 * Keeps retrying while the daemon is down; refuses a socket owned by another user.
 *
 * @module
 */

import {
  type ReceivedFrame,
  subscribe,
  type SubscriberStatus,
  UntrustedSocketError,
} from "../ipc/client.ts";
import { writeAll } from "./write_all.ts";
import { renderView, type WatchStats } from "./view.ts";
import { cells, ESC } from "./fit.ts";
import { frameToJson } from "../ipc/json.ts";
import { jsonLine, printable } from "../printable.ts";
import { defaultClientSocket } from "../ipc/default_socket.ts";
import { resolveSocketPath } from "../ipc/socket_path.ts";
import { assertPermissionSet, assertSocketGranted } from "../ipc/socket_grants.ts";
import { defaultPlaceDescription } from "../ipc/socket_place.ts";
import { CommandError, intFlag, parseFlags, socketOption } from "./flags.ts";
import { onStopSignal } from "./stop_signals.ts";

/** Help text of the watch command. */
export const WATCH_HELP = `Usage: opta-metrics watch [--socket PATH] [--json] [--count N]

Show the live stream of a running daemon.

  --socket PATH  socket path (env OPTA_METRICS_SOCKET; default: where a daemon of
                 yours serves, ${defaultPlaceDescription()})
  --json         one JSON object per frame (the default when stdout is not a terminal)
  --count N      exit after N frames
  -h, --help     show this help`;

/** Parsed watch flags (null for --help). */
export interface WatchOptions {
  /** Socket path. */
  socketPath: string;
  /** Whether it is the default one (neither --socket nor OPTA_METRICS_SOCKET named it). */
  isDefault?: boolean;
  /** NDJSON instead of the live view. */
  json: boolean;
  /** Exit after this many frames (0 = never). */
  count: number;
}

/** Parse watch's flags. */
export function parseWatchArgs(args: string[]): WatchOptions | null {
  const f = parseFlags("watch", args, {
    socket: { type: "string" },
    json: { type: "boolean" },
    count: { type: "string" },
  });
  if (f.help) return null;
  const count = intFlag("watch", "count", f.count, 0, 1, Number.MAX_SAFE_INTEGER);
  const socket = socketOption("watch", f.socket);
  assertPermissionSet("watch", socket); // after the flags: a usage error is said first
  return {
    socketPath: resolveSocketPath(socket ?? defaultClientSocket()),
    isDefault: socket === undefined,
    json: f.json === true || !Deno.stdout.isTerminal(),
    count,
  };
}

/** The terminal's size, or no limit when it cannot be read. */
function terminalSize(): { rows?: number; columns?: number } {
  try {
    return Deno.consoleSize();
  } catch {
    return {};
  }
}

/**
 * The bytes that turn the screen into `view` (lines of at most `size.columns` cells)
 * without clearing it first, so no frame shows a blank screen: the cursor goes home,
 * each line overwrites the one drawn before and erases the rest of its row (a line as
 * wide as the screen erases nothing: with the cursor parked on its last cell, the erase
 * would take that cell too), and whatever lies below the last line is erased. No
 * newline follows a line on the bottom row: it would scroll the view. The update is
 * one synchronized output (DECSET 2026), so a terminal that knows it shows the frame
 * whole; one that does not ignores the private mode, as terminals do every private
 * mode they do not know, and still never shows a blank screen.
 */
export function screenUpdate(view: string, size: { rows?: number; columns?: number }): string {
  const lines = view.split("\n");
  const { rows = Infinity, columns = Infinity } = size;
  let out = `${ESC}?2026h${ESC}H`;
  lines.forEach((line, i) => {
    if (i > 0) out += "\r\n";
    out += cells(line) < columns ? `${line}${ESC}K` : line;
  });
  if (lines.length < rows) out += `\r\n${ESC}J`;
  return `${out}${ESC}?2026l`;
}

export { renderView, type ViewOptions, type WatchStats } from "./view.ts";

const encoder = new TextEncoder();

/** Distinct status lines printed per outage, past which the rest are held back. */
const MAX_LINES_PER_OUTAGE = 8;

/**
 * The status lines worth printing: each distinct line once per outage (from one
 * stable connection to the next), so a server that accepts and closes in a loop
 * gives a few lines, not two per attempt, however its messages alternate.
 */
export class OutageLines {
  readonly #printed = new Set<string>();

  /** A stable connection ended: what follows is a new outage, worth reporting again. */
  newOutage(): void {
    this.#printed.clear();
  }

  /** The lines to print for `line`: itself the first time in this outage, else none. */
  add(line: string): string[] {
    if (this.#printed.has(line) || this.#printed.size > MAX_LINES_PER_OUTAGE) return [];
    this.#printed.add(line);
    if (this.#printed.size <= MAX_LINES_PER_OUTAGE) return [line];
    return ["watch: more status lines held back until a connection stays up"];
  }
}

/**
 * The frames of the last second, for the footer: read at each redraw, not only when
 * a frame comes, so a stream that stops shows its rate falling to 0 fps.
 */
export class RecentFrames {
  readonly #frames: { at: number; latencyMs: number }[] = [];
  #newestLatencyMs = 0;

  /** A frame arrived at `at` (ms on a monotonic clock), `latencyMs` after the daemon sent it. */
  add(at: number, latencyMs: number): void {
    this.#frames.push({ at, latencyMs });
    this.#newestLatencyMs = latencyMs;
  }

  /**
   * The rate and latencies at `now`. A frame exactly a second old belongs to the
   * second before, so a steady 25 Hz reads 25 fps. With no frame in the last second
   * both latencies are the newest frame's.
   */
  stats(now: number): Pick<WatchStats, "fps" | "latencyMs" | "maxLatencyMs"> {
    while (this.#frames.length > 0 && now - this.#frames[0].at >= 1000) this.#frames.shift();
    const latencies = this.#frames.map((f) => f.latencyMs);
    return {
      fps: this.#frames.length,
      latencyMs: this.#newestLatencyMs,
      maxLatencyMs: Math.max(this.#newestLatencyMs, ...latencies),
    };
  }
}

/** Run watch until a stop signal (Ctrl-C, SIGTERM, SIGHUP) or `count` frames; resolves to the exit code. */
export async function runWatch(options: WatchOptions): Promise<number> {
  assertSocketGranted(options.socketPath, "watch", options.isDefault);
  const stop = new AbortController();
  const disposeSignals = onStopSignal(() => stop.abort());
  const live = !options.json;
  let latest: ReceivedFrame | null = null;
  let status: SubscriberStatus | null = null;
  let dirty = true;
  const recent = new RecentFrames();
  const stats: WatchStats = { fps: 0, latencyMs: 0, maxLatencyMs: 0, missed: 0 };
  const statusLines = new OutageLines();

  const onStatus = (s: SubscriberStatus) => {
    status = s;
    dirty = true;
    if (live) return;
    // A connection that failed early is retried, and the retry's line says the same
    // with when it failed: one line per attempt, not two.
    if (s.state === "disconnected" && !s.stable) return;
    if (s.state === "disconnected") statusLines.newOutage();
    const line = s.state === "connected"
      ? `watch: connected to ${printable(s.path)}`
      : `watch: daemon down at ${printable(s.path)}: ${printable(s.reason)}; retrying`;
    for (const out of statusLines.add(line)) console.error(out);
  };

  let renderTimer: ReturnType<typeof setInterval> | undefined;
  let drawing: Promise<void> | null = null;
  if (live) {
    await writeAll(Deno.stdout, encoder.encode(`${ESC}?1049h${ESC}?25l`)); // alternate screen, no cursor
    let drawn = "";
    let drawnStats = "";
    renderTimer = setInterval(() => {
      Object.assign(stats, recent.stats(performance.now()));
      const figures = `${stats.fps} ${stats.latencyMs} ${stats.maxLatencyMs} ${stats.missed}`;
      if (figures !== drawnStats) dirty = true;
      drawnStats = figures;
      const size = terminalSize();
      const shape = `${size.rows}x${size.columns}`;
      // One update at a time (a slow terminal must not interleave two), and a new one
      // for a new frame or a resized window.
      if (drawing !== null || (!dirty && shape === drawn)) return;
      dirty = false;
      drawn = shape;
      const view = renderView(latest, stats, status, options.socketPath, size);
      drawing = writeAll(Deno.stdout, encoder.encode(screenUpdate(view, size)))
        .catch(() => stop.abort())
        .finally(() => drawing = null);
    }, 100);
  }
  let received = 0;
  try {
    for await (const r of subscribe(options.socketPath, { signal: stop.signal, onStatus })) {
      received++;
      latest = r;
      stats.missed += r.missed;
      recent.add(performance.now(), (r.receivedAtUs - r.frame.sentAtUs) / 1000);
      dirty = true;
      if (!live) {
        await writeAll(Deno.stdout, encoder.encode(jsonLine(frameToJson(r.frame)) + "\n"));
      }
      if (options.count > 0 && received >= options.count) break;
    }
  } catch (error) {
    if (error instanceof UntrustedSocketError) {
      throw new CommandError(`watch: ${printable(error.message)}`);
    }
    throw error;
  } finally {
    clearInterval(renderTimer);
    await drawing;
    if (live) {
      await writeAll(Deno.stdout, encoder.encode(`${ESC}?2026l\n${ESC}?25h${ESC}?1049l`)).catch(
        () => {},
      );
    }
    disposeSignals();
  }
  return 0;
}
