/**
 * One-line lifecycle logging to stderr, as text or JSON, with a level filter.
 *
 * @module
 */

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

/** A logger writing one line per event to stderr (or `write`), dropping levels below `level`. */
export function createLogger(
  level: LogLevel = "info",
  format: LogFormat = "text",
  write: (line: string) => void = (line) => console.error(line),
): Logger {
  const min = LOG_LEVELS.indexOf(level);
  return {
    log(at, event, fields = {}) {
      if (LOG_LEVELS.indexOf(at) < min) return;
      const time = new Date().toISOString();
      if (format === "json") {
        write(JSON.stringify({ time, level: at, event, ...fields }));
        return;
      }
      const details = Object.entries(fields)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) =>
          `${k}=${typeof v === "string" && /[\s"=]/.test(v) ? JSON.stringify(v) : v}`
        )
        .join(" ");
      write(`${time} ${at.toUpperCase().padEnd(5)} ${event}${details ? " " + details : ""}`);
    },
  };
}

/** A logger that drops everything (tests, `sample`). */
export const silentLogger: Logger = { log() {} };
