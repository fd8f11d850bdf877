/**
 * One-line lifecycle logging to stderr, as text or JSON, with a level filter.
 *
 * @module
 */

import { jsonLine, printable } from "./printable.ts";

/** Log levels, least to most severe. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** One of {@linkcode LOG_LEVELS}. */
export type LogLevel = typeof LOG_LEVELS[number];
/** Log line formats. */
export type LogFormat = "text" | "json";

/** Structured details of a log event. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** Where daemon components report lifecycle events. */
export interface Logger {
  /** Log `event` at `level` with optional fields, as one line. */
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

/**
 * The logger's default `write`: `line` and a newline to stderr, in one synchronous write (more
 * when the OS takes only part of it), encoded into a buffer kept from one call to the next. It
 * does not go through `console.error`: with stderr a pipe, the process's main malloc heap grows
 * for as long as lines are logged that way, which a daemon logging a `stats` line every few
 * seconds turns into a steady creep, while a plain write of the same bytes leaves it flat
 * (BENCHMARKS.md, "Soak"). A stderr that is closed or whose reader has gone (EPIPE) drops this
 * line and every later one: the daemon keeps serving, with no error, stack trace or retry. Any
 * other failure drops only this line.
 */
export function writeToStderr(line: string): void {
  if (stderrGone) return;
  const bytes = encodeLine(line);
  let offset = 0;
  while (offset < bytes.length) {
    let written: number;
    try {
      written = Deno.stderr.writeSync(bytes.subarray(offset));
    } catch (error) {
      if (error instanceof Deno.errors.Interrupted) continue; // a signal came first: write again
      if (error instanceof Deno.errors.BrokenPipe || error instanceof Deno.errors.BadResource) {
        stderrGone = true;
      }
      return;
    }
    if (written <= 0) return; // the OS takes nothing: drop the line rather than spin
    offset += written;
  }
}

/** Set once stderr is closed or its reader has gone: later lines are dropped unwritten. */
let stderrGone = false;
const encoder = new TextEncoder();
/** The largest line buffer kept between calls; a longer line gets a buffer of its own. */
const KEPT_BUFFER_BYTES = 65_536;
let lineBuffer = new Uint8Array(4096);

/** `line` and a newline as UTF-8, in `lineBuffer` when it fits there. */
function encodeLine(line: string): Uint8Array {
  // A UTF-16 code unit takes at most 3 bytes of UTF-8, so this size always fits.
  const worst = line.length * 3 + 1;
  if (worst > lineBuffer.length) {
    if (worst > KEPT_BUFFER_BYTES) return encoder.encode(line + "\n");
    lineBuffer = new Uint8Array(KEPT_BUFFER_BYTES);
  }
  const { written } = encoder.encodeInto(line, lineBuffer);
  lineBuffer[written] = 0x0a;
  return lineBuffer.subarray(0, written + 1);
}

/** A logger writing one line per event to stderr (or `write`), dropping levels below `level`. */
export function createLogger(
  level: LogLevel = "info",
  format: LogFormat = "text",
  write: (line: string) => void = writeToStderr,
): Logger {
  const min = LOG_LEVELS.indexOf(level);
  return {
    log(at, event, fields = {}) {
      if (LOG_LEVELS.indexOf(at) < min) return;
      const time = new Date().toISOString();
      if (format === "json") {
        write(jsonLine({ time, level: at, event, ...fields }));
        return;
      }
      const details = Object.entries(fields)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) =>
          `${k}=${typeof v === "string" && /[\s"=]/.test(v) ? JSON.stringify(v) : v}`
        )
        .join(" ");
      // Values come from outside (a tool's output, a path): no control or format character.
      write(
        printable(`${time} ${at.toUpperCase().padEnd(5)} ${event}${details ? " " + details : ""}`),
      );
    },
  };
}

/** A logger that drops everything (tests, `sample`). */
export const silentLogger: Logger = { log() {} };
