/**
 * `watch`'s live view of one frame as text: pure, so it is tested without a
 * terminal. The rows are the declared readings' (`rows.ts`): those of rank 0 and the
 * momentum always show, the others when the frame carries their value. On a narrow
 * terminal the numbers and units come first: the bars shrink, then go, before a
 * row's text loses a part; on a short one the process list goes first, then the rows
 * from the highest rank down, then the blank lines.
 *
 * @module
 */

import type { ReceivedFrame, SubscriberStatus } from "../ipc/client.ts";
import { MOMENTUM_COLOR_NAMES } from "../momentum/momentum.ts";
import { printable } from "../printable.ts";
import { cells, clip, clipStart, ESC, fitParts, flow } from "./fit.ts";
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

const COLOR_CODES = ["32", "33", "31"]; // green, yellow, red
/** Cells of a row's label column, its space included: rows align at column 14. */
const LABEL = 13;
/** The widest bar. */
const MAX_BAR = 30;
/** The narrowest bar: a narrower one tells too little, so the bars go instead. */
const MIN_BAR = 5;
/** Cells a bar row's percentage is right-aligned in (`100.0 %`). */
const PERCENT = 7;
const PROCESS_HEADER = "    PID   CPU %   MEM MiB  NAME";

function bar(percent: number, width: number): string {
  const filled = Math.round((Math.min(100, Math.max(0, percent)) / 100) * width);
  return "█".repeat(filled) + "░".repeat(width - filled);
}

/** How {@linkcode renderView} draws. */
export interface ViewOptions {
  /** Colour the momentum and the "daemon down" line (default true). */
  ansi?: boolean;
  /** Terminal height: the view is at most this many lines (default: no limit). */
  rows?: number;
  /** Terminal width: no line is wider, so none wraps onto another row (default: no limit). */
  columns?: number;
}

/** A row above the processes: label, text (parts two spaces apart), bar percent, drop rank. */
interface Row {
  /** The label, at most 11 characters. */
  label: string;
  /** The value as text, possibly coloured. */
  text: string;
  /** A percentage to draw as a bar, or null for none. */
  gauge: number | null;
  /** 0: never dropped; higher: dropped sooner. */
  rank: number;
}

/** The one bar width of a view: as wide as every bar row's whole text leaves room for. */
function barWidth(rows: readonly Row[], columns: number): number {
  const room = Math.min(
    MAX_BAR,
    ...rows.filter((r) => r.gauge !== null).map((r) => columns - LABEL - 1 - cells(r.text)),
  );
  return room >= MIN_BAR ? room : 0;
}

/** A row as one line of at most `columns` cells, with a bar of `width` cells (0: none). */
function rowLine(row: Row, width: number, columns: number): string {
  const label = `${row.label.padEnd(LABEL - 1)} `;
  if (row.gauge !== null && width > 0) return `${label}${bar(row.gauge, width)} ${row.text}`;
  return clip(label + fitParts(row.text, Math.max(0, columns - LABEL)), columns);
}

/** A bar row's text with its leading percentage right-aligned, so the percentages line up. */
const alignPercent = (text: string) => text.replace(/^\S+ %/, (p) => p.padStart(PERCENT));

/**
 * The footer: frame number, rate, missed frames and latency on one line when they
 * fit, else on as few lines as they fill, each value whole.
 */
function footer(sequence: number, stats: WatchStats, columns: number): string[] {
  const head = [`frame #${sequence}`, `${stats.fps} fps`, `missed ${stats.missed}`];
  const latency = `latency ${stats.latencyMs.toFixed(2)} ms`;
  const worst = `worst ${stats.maxLatencyMs.toFixed(2)} ms`;
  const wide = [...head, `${latency}, ${worst} in the last second`].join("  ");
  if (cells(wide) <= columns) return [wide];
  const both = `${latency}, ${worst} in 1 s`;
  return flow(
    cells(both) <= columns ? [...head, both] : [...head, latency, `${worst} in 1 s`],
    columns,
  );
}

/**
 * The live view of one frame as text (pure: tested without a terminal). Text from
 * the daemon or the path is shown with control characters escaped. Given `columns`,
 * no line is wider: every bar has one width, as wide as the bar rows' whole text
 * leaves room for (none when that is under five cells); a row without a bar joins
 * its parts by one space, then leaves them out from the end, each whole, marked `…`.
 * Given `rows`, the view is at most that many lines: the process list loses rows
 * from the bottom and ends with "… n more"; when even its header does not fit, the
 * appended readings' rows go, GPU first and per-core last, then the process list,
 * then the blank lines.
 */
export function renderView(
  received: ReceivedFrame | null,
  stats: WatchStats,
  status: SubscriberStatus | null,
  path: string,
  options: ViewOptions = {},
): string {
  const { ansi = true } = options;
  const rows = Math.max(1, options.rows ?? Infinity);
  const columns = Math.max(1, options.columns ?? Infinity);
  const paint = (code: string, text: string) => ansi ? `${ESC}${code}m${text}${ESC}0m` : text;
  const title = "opta-metrics watch · ";
  const head = [
    cells(title) < columns
      ? title + clipStart(printable(path), columns - cells(title))
      : clip(title, columns),
  ];
  if (status && status.state !== "connected") {
    head.push(
      "",
      clip(paint("31", `daemon down: ${printable(status.reason)} — retrying…`), columns),
    );
  }
  if (received === null) return head.slice(0, rows).join("\n");
  const f = received.frame;
  const color = MOMENTUM_COLOR_NAMES[f.momentum.color] ?? String(f.momentum.color);
  const metrics: Row[] = [];
  for (const r of readingRows(f)) {
    if (r.text === null && r.rank > 0) continue;
    const shown = r.text === null ? ABSENT : r.gauge === null ? r.text : alignPercent(r.text);
    const text = r.level === null ? shown : paint(COLOR_CODES[r.level], shown);
    metrics.push({ label: r.label, text, gauge: r.gauge, rank: r.rank });
  }
  metrics.push({
    label: "Momentum",
    text:
      `${paint(COLOR_CODES[f.momentum.color] ?? "0", color)}${
        " ".repeat(Math.max(2, 10 - color.length))
      }` +
      `intensity ${f.momentum.intensity.toFixed(2)}  ` +
      `rotation ${f.momentum.rotationSpeed.toFixed(2)}/s`,
    gauge: null,
    rank: 0,
  });
  const foot = footer(f.sequence, stats, columns);
  const processes = f.topProcesses.map((p) =>
    clip(
      `${String(p.pid).padStart(7)} ${p.cpuPercent.toFixed(1).padStart(7)} ${
        p.memoryMb.toFixed(1).padStart(9)
      }  ${printable(p.name)}`,
      columns,
    )
  );
  // Room for the blank line, the process header and one line of processes ("… n more").
  const list = 2 + Math.min(1, processes.length);
  const used = () => head.length + 1 + metrics.length + 1 + foot.length;
  // Drop rows, the highest rank first, while not even one process line would fit.
  while (used() + list > rows) {
    const worst = metrics.reduce((w, r, i) => r.rank > metrics[w].rank ? i : w, 0);
    if (metrics[worst].rank === 0) break;
    metrics.splice(worst, 1);
  }
  const showList = used() + list <= rows;
  const room = rows - used() - 2;
  if (showList && processes.length > room) {
    const shown = Math.max(0, room - 1);
    processes.splice(shown, processes.length - shown, `… ${processes.length - shown} more`);
  }
  const width = barWidth(metrics, columns);
  const lines = [
    ...head,
    "",
    ...metrics.map((r) => rowLine(r, width, columns)),
    "",
    ...foot,
    ...(showList ? ["", clip(PROCESS_HEADER, columns), ...processes] : []),
  ];
  // Still too tall: blank lines go, the one under the title first, then the one above the
  // footer, then the one above "daemon down".
  const blanks = [head.length, head.length + 1 + metrics.length, ...(head.length > 1 ? [1] : [])]
    .slice(0, Math.max(0, lines.length - rows));
  return lines.filter((_, i) => !blanks.includes(i)).slice(0, rows).join("\n");
}
