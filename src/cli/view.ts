/**
 * `watch`'s live view of one frame as text: pure, so it is tested without a
 * terminal. The rows are the declared readings' (`rows.ts`): those of rank 0 and the
 * momentum always show, the others when the frame carries their value; on a short
 * terminal the process list goes first, then the rows from the highest rank down.
 *
 * @module
 */

import type { ReceivedFrame, SubscriberStatus } from "../ipc/client.ts";
import { MOMENTUM_COLOR_NAMES } from "../momentum/momentum.ts";
import { printable } from "../printable.ts";
import { ABSENT, readingRows } from "./rows.ts";

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

/** A line of the view above the processes and its rank: on a short terminal the highest goes first. */
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
  const momentum = `${"Momentum".padEnd(12)} ${
    paint(COLOR_CODES[f.momentum.color] ?? "0", color.padEnd(8))
  } intensity ${f.momentum.intensity.toFixed(2)}  rotation ${
    f.momentum.rotationSpeed.toFixed(2)
  }/s`;
  // A reading's row: a bar when it is a percentage, the text coloured by its level.
  const candidates: (Row | null)[] = readingRows(f).map((r) => {
    if (r.text === null) {
      return r.rank === 0 ? { line: `${r.label.padEnd(12)} ${ABSENT}`, rank: 0 } : null;
    }
    const text = r.level === null ? r.text : paint(COLOR_CODES[r.level], r.text);
    const value = r.gauge === null ? text : `${bar(r.gauge)} ${text.padStart(7)}`;
    return { line: `${r.label.padEnd(12)} ${value}`, rank: r.rank };
  });
  candidates.push({ line: momentum, rank: 0 });
  const metrics = candidates.filter((r) => r !== null);
  const foot = [
    "",
    `frame #${f.sequence}  ${stats.fps} fps  latency ${stats.latencyMs.toFixed(2)} ms ` +
    `(max ${stats.maxLatencyMs.toFixed(2)} ms/s)  missed ${stats.missed}`,
    "",
    "    PID   CPU %   MEM MiB  NAME",
  ];
  // Drop rows, the highest rank first, while not even one process line would fit.
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
