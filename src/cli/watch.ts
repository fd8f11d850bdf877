/**
 * `opta-metrics watch`: a live view of the stream on a terminal (redrawn at most
 * 10 times a second, fitted to the window), or one JSON object per frame (NDJSON)
 * when stdout is not a terminal or `--json` is given. Keeps retrying while the
 * daemon is down; refuses a socket owned by another user.
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
import { frameToJson, jsonLine } from "../ipc/json.ts";
import { defaultClientSocket } from "../ipc/default_socket.ts";
import { assertSocketGranted, DEFAULT_SOCKET_PATH, resolveSocketPath } from "../ipc/socket_path.ts";
import { MOMENTUM_COLOR_NAMES } from "../momentum/momentum.ts";
import { CommandError, envVar, intFlag, parseFlags, printable } from "./flags.ts";

/** Help text of the watch command. */
export const WATCH_HELP = `Usage: opta-metrics watch [--socket PATH] [--json] [--count N]

Show the live stream of a running daemon.

  --socket PATH  socket path (env OPTA_METRICS_SOCKET; default ${DEFAULT_SOCKET_PATH},
                 else the Homebrew service's socket when only that one is there)
  --json         one JSON object per frame (the default when stdout is not a terminal)
  --count N      exit after N frames
  -h, --help     show this help`;

/** Parsed watch flags (null for --help). */
export interface WatchOptions {
  /** Socket path. */
  socketPath: string;
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
  const socket = (f.socket as string | undefined) ?? envVar("OPTA_METRICS_SOCKET") ??
    defaultClientSocket();
  return {
    socketPath: resolveSocketPath(socket),
    json: f.json === true || !Deno.stdout.isTerminal(),
    count: intFlag("watch", "count", f.count, 0, 1, Number.MAX_SAFE_INTEGER),
  };
}

/** Rolling figures the live view shows. */
export interface WatchStats {
  /** Frames received in the last second. */
  fps: number;
  /** Latency of the newest frame, ms (receive time − sent_at_us). */
  latencyMs: number;
  /** Worst latency in the last second, ms. */
  maxLatencyMs: number;
  /** Frames missed since watch started. */
  missed: number;
}

const ESC = "\x1b[";
const COLOR_CODES = ["32", "33", "31"]; // green, yellow, red

function bar(percent: number, width = 30): string {
  const filled = Math.round((Math.min(100, Math.max(0, percent)) / 100) * width);
  return "█".repeat(filled) + "░".repeat(width - filled);
}

/** How {@linkcode renderView} draws. */
export interface ViewOptions {
  /** Colour the momentum and the "daemon down" line (default true). */
  ansi?: boolean;
  /** Terminal height: process rows are dropped from the bottom to fit (default: no limit). */
  rows?: number;
  /** Terminal width: longer lines are cut, so none wraps onto another row (default: no limit). */
  columns?: number;
}

/** `line` cut to `width` visible characters (the view's own colour codes take no room). */
function cut(line: string, width: number): string {
  let visible = 0;
  let out = "";
  for (let i = 0; i < line.length;) {
    if (line.startsWith(ESC, i)) {
      const end = line.indexOf("m", i);
      out += line.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    const char = String.fromCodePoint(line.codePointAt(i)!);
    if (visible === width) return out.includes(ESC) ? `${out}${ESC}0m` : out;
    out += char;
    visible++;
    i += char.length;
  }
  return out;
}

/**
 * The live view of one frame as text (pure: tested without a terminal). Text from
 * the daemon or the path is shown with control characters escaped. Given `rows`,
 * the view is at most that many lines: the bars stay, the process list loses rows
 * from the bottom and ends with "… n more".
 */
export function renderView(
  received: ReceivedFrame | null,
  stats: WatchStats,
  status: SubscriberStatus | null,
  path: string,
  options: ViewOptions = {},
): string {
  const { ansi = true, rows = Infinity, columns = Infinity } = options;
  const paint = (code: string, text: string) => ansi ? `${ESC}${code}m${text}${ESC}0m` : text;
  const fit = (lines: string[]) =>
    lines.slice(0, Math.max(1, rows)).map((line) => cut(line, Math.max(1, columns))).join("\n");
  const lines = [`opta-metrics watch · ${printable(path)}`];
  if (status && status.state !== "connected") {
    lines.push("", paint("31", `daemon down: ${printable(status.reason)} — retrying…`));
  }
  if (received === null) return fit(lines);
  const f = received.frame;
  const color = MOMENTUM_COLOR_NAMES[f.momentum.color] ?? String(f.momentum.color);
  const row = (label: string, pct: number) =>
    `${label.padEnd(12)} ${bar(pct)} ${pct.toFixed(1).padStart(5)} %`;
  lines.push(
    "",
    row("CPU", f.cpuUsage),
    row("Memory", f.memoryUsage) + `  of ${(f.memoryTotal / 1024 ** 3).toFixed(1)} GiB`,
    row("Disk (/)", f.diskUsage),
    `${"Temperature".padEnd(12)} ${
      f.temperature === null ? "n/a" : `${f.temperature.toFixed(1)} °C`
    }`,
    `${"Momentum".padEnd(12)} ${paint(COLOR_CODES[f.momentum.color] ?? "0", color.padEnd(8))} ` +
      `intensity ${f.momentum.intensity.toFixed(2)}  rotation ${
        f.momentum.rotationSpeed.toFixed(2)
      }/s`,
    "",
    `frame #${f.sequence}  ${stats.fps} fps  latency ${stats.latencyMs.toFixed(2)} ms ` +
      `(max ${stats.maxLatencyMs.toFixed(2)} ms/s)  missed ${stats.missed}`,
    "",
    "    PID   CPU %   MEM MiB  NAME",
  );
  const processes = f.topProcesses.map((p) =>
    `${String(p.pid).padStart(7)} ${p.cpuPercent.toFixed(1).padStart(7)} ${
      p.memoryMb.toFixed(1).padStart(9)
    }  ${printable(p.name)}`
  );
  const room = rows - lines.length;
  if (processes.length > room) {
    const shown = Math.max(0, room - 1);
    processes.splice(shown, processes.length - shown, `… ${processes.length - shown} more`);
  }
  return fit([...lines, ...processes]);
}

/** The terminal's size, or no limit when it cannot be read. */
function terminalSize(): { rows?: number; columns?: number } {
  try {
    return Deno.consoleSize();
  } catch {
    return {};
  }
}

const encoder = new TextEncoder();

/** Run watch until Ctrl-C, SIGTERM or `count` frames; resolves to the exit code. */
export async function runWatch(options: WatchOptions): Promise<number> {
  assertSocketGranted(options.socketPath);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const live = !options.json;
  let latest: ReceivedFrame | null = null;
  let status: SubscriberStatus | null = null;
  let dirty = true;
  const recent: { at: number; latencyMs: number }[] = [];
  const stats: WatchStats = { fps: 0, latencyMs: 0, maxLatencyMs: 0, missed: 0 };
  let lastStatusLine = "";

  const onStatus = (s: SubscriberStatus) => {
    status = s;
    dirty = true;
    if (!live) {
      const line = s.state === "connected"
        ? `watch: connected to ${s.path}`
        : `watch: daemon down at ${printable(s.path)}: ${printable(s.reason)}; retrying`;
      if (line !== lastStatusLine) console.error(line);
      lastStatusLine = line;
    }
  };

  let renderTimer: ReturnType<typeof setInterval> | undefined;
  if (live) {
    await writeAll(Deno.stdout, encoder.encode(`${ESC}?1049h${ESC}?25l`)); // alternate screen, no cursor
    renderTimer = setInterval(() => {
      if (!dirty) return;
      dirty = false;
      const text = renderView(latest, stats, status, options.socketPath, terminalSize());
      // No newline after the last line: on the bottom row it would scroll the bars away.
      void writeAll(Deno.stdout, encoder.encode(`${ESC}H${ESC}2J${text}`)).catch(() =>
        stop.abort()
      );
    }, 100);
  }
  let received = 0;
  try {
    for await (const r of subscribe(options.socketPath, { signal: stop.signal, onStatus })) {
      received++;
      latest = r;
      stats.missed += r.missed;
      const now = performance.now();
      recent.push({ at: now, latencyMs: (r.receivedAtUs - r.frame.sentAtUs) / 1000 });
      while (recent.length > 0 && now - recent[0].at > 1000) recent.shift();
      stats.fps = recent.length;
      stats.latencyMs = recent[recent.length - 1].latencyMs;
      stats.maxLatencyMs = Math.max(...recent.map((x) => x.latencyMs));
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
    if (live) {
      await writeAll(Deno.stdout, encoder.encode(`\n${ESC}?25h${ESC}?1049l`)).catch(() => {});
    }
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
  return 0;
}
