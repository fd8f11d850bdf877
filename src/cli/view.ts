/**
 * `watch`'s live view of one frame as text: pure, so it is tested without a
 * terminal. The seed's bars and the momentum always show; the appended readings
 * (per-core, load, swap, pressure, disk I/O, network, battery, GPU) each take a row
 * when the frame carries them; on a short terminal the process list goes first, then
 * the appended rows from the least useful up.
 *
 * @module
 */

import type { ReceivedFrame, SubscriberStatus } from "../ipc/client.ts";
import { MOMENTUM_COLOR_NAMES } from "../momentum/momentum.ts";
import { printable } from "../printable.ts";
import {
  ABSENT,
  formatBattery,
  formatCores,
  formatDiskIo,
  formatLoad,
  formatNetwork,
  formatSwap,
} from "./readings.ts";

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

/** Start of a terminal control sequence. */
export const ESC = "\x1b[";
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

/** Colour codes of the memory pressure levels. */
const PRESSURE_CODES: Record<string, string> = { normal: "32", warning: "33", critical: "31" };

/** A row of the view above the processes and its rank: on a short terminal the highest goes first. */
interface Row {
  /** The text. */
  line: string;
  /** 0: never dropped; higher: dropped sooner. */
  rank: number;
}

/**
 * The live view of one frame as text (pure: tested without a terminal). Text from
 * the daemon or the path is shown with control characters escaped. Given `rows`,
 * the view is at most that many lines: the bars stay; the process list loses rows
 * from the bottom and ends with "… n more"; when even its header does not fit, the
 * appended readings' rows go, GPU first and per-core last.
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
  const head = [`opta-metrics watch · ${printable(path)}`];
  if (status && status.state !== "connected") {
    head.push("", paint("31", `daemon down: ${printable(status.reason)} — retrying…`));
  }
  if (received === null) return fit(head);
  const f = received.frame;
  const color = MOMENTUM_COLOR_NAMES[f.momentum.color] ?? String(f.momentum.color);
  const bars = (label: string, pct: number) =>
    `${label.padEnd(12)} ${bar(pct)} ${pct.toFixed(1).padStart(5)} %`;
  const text = (label: string, value: string) => `${label.padEnd(12)} ${value}`;
  const momentum = `${"Momentum".padEnd(12)} ${
    paint(COLOR_CODES[f.momentum.color] ?? "0", color.padEnd(8))
  } intensity ${f.momentum.intensity.toFixed(2)}  rotation ${
    f.momentum.rotationSpeed.toFixed(2)
  }/s`;
  const pressure = f.memoryPressure;
  const memory = bars("Memory", f.memoryUsage) +
    `  of ${(f.memoryTotal / 1024 ** 3).toFixed(1)} GiB`;
  const temperature = f.temperature === null ? ABSENT : `${f.temperature.toFixed(1)} °C`;
  const candidates: (Row | null)[] = [
    { line: bars("CPU", f.cpuUsage), rank: 0 },
    f.cpuCores.length === 0
      ? null
      : { line: text("  per core", formatCores(f.cpuCores, f.cpuCoreLevels)), rank: 1 },
    f.loadAverage === null ? null : { line: text("Load", formatLoad(f.loadAverage)), rank: 5 },
    { line: memory, rank: 0 },
    f.swap === null ? null : { line: text("Swap", formatSwap(f.swap)), rank: 7 },
    pressure === null
      ? null
      : { line: text("Pressure", paint(PRESSURE_CODES[pressure] ?? "0", pressure)), rank: 4 },
    { line: bars("Disk (/)", f.diskUsage), rank: 0 },
    f.diskIo === null ? null : { line: text("Disk I/O", formatDiskIo(f.diskIo)), rank: 3 },
    f.network === null ? null : { line: text("Network", formatNetwork(f.network)), rank: 2 },
    f.battery === null ? null : { line: text("Battery", formatBattery(f.battery)), rank: 6 },
    f.gpuUsage === null ? null : { line: bars("GPU", f.gpuUsage), rank: 8 },
    { line: text("Temperature", temperature), rank: 0 },
    { line: momentum, rank: 0 },
  ];
  const metrics = candidates.filter((r) => r !== null);
  const foot = [
    "",
    `frame #${f.sequence}  ${stats.fps} fps  latency ${stats.latencyMs.toFixed(2)} ms ` +
    `(max ${stats.maxLatencyMs.toFixed(2)} ms/s)  missed ${stats.missed}`,
    "",
    "    PID   CPU %   MEM MiB  NAME",
  ];
  // Drop appended rows, least useful first, while not even one process line would fit.
  while (head.length + 1 + metrics.length + foot.length + 1 > rows) {
    const worst = metrics.reduce((w, r, i) => r.rank > metrics[w].rank ? i : w, 0);
    if (metrics[worst].rank === 0) break;
    metrics.splice(worst, 1);
  }
  const lines = [...head, "", ...metrics.map((r) => r.line), ...foot];
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
