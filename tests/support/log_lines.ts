/**
 * A real json {@linkcode Logger} whose lines are kept for the test to read.
 *
 * @example
 * ```ts
 * import { collectingLogger } from "./log_lines.ts";
 * const log = collectingLogger();
 * log.logger.log("warn", "source failed", { source: "disk", error: "boom" });
 * console.log(log.of("disk", "source failed").length); // 1
 * ```
 *
 * @module
 */

import { createLogger, type Logger } from "../../src/log.ts";

/** One logged line, as parsed back from its json. */
export interface LogLine {
  /** `debug`, `info`, `warn` or `error`. */
  level: string;
  /** What happened. */
  event: string;
  /** The source it is about, if any. */
  source?: string;
  /** The error message, if any. */
  error?: string;
}

/** A logger at debug level and what it logged; `of` picks one source's lines (of one event). */
export function collectingLogger(): {
  lines: LogLine[];
  logger: Logger;
  of: (source: string, event?: string) => LogLine[];
} {
  const lines: LogLine[] = [];
  const logger = createLogger("debug", "json", (line) => lines.push(JSON.parse(line)));
  const of = (source: string, event?: string) =>
    lines.filter((l) => l.source === source && (event === undefined || l.event === event));
  return { lines, logger, of };
}
