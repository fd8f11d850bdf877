/**
 * The exporter: a fresh frame from the daemon, turned into one scrape's exposition, with
 * the exporter's own counters and one log line each time the daemon's state changes (down
 * with why, or up again), never one per scrape.
 *
 * @module
 */

import type { Logger } from "../log.ts";
import type { MetricsFrame } from "../ipc/codec.ts";
import type { DaemonLink, Fetched } from "./daemon_link.ts";
import { type ExpositionFormat, writeExposition } from "./exposition.ts";
import { ExporterCounters, isFresh, scrapeFamilies } from "./scrape.ts";
import { systemClock, type Timer } from "../time/clock.ts";

/** What is kept of the scraper's timeout for writing and sending the answer, ms. */
const ANSWER_MARGIN_MS = 250;

/** Options of {@linkcode Exporter}. */
export interface ExporterOptions {
  /** Where frames come from. */
  link: DaemonLink;
  /** Busiest processes to export (0: none). */
  processes: number;
  /** Where state changes are logged. */
  log: Logger;
  /** Wall-clock ms (default Date.now). */
  now?: () => number;
}

/** Scrapes the daemon on demand. */
export class Exporter {
  /** What the exporter counts about itself. */
  readonly counters: ExporterCounters = new ExporterCounters();
  readonly #options: ExporterOptions;
  readonly #now: () => number;
  /** The last state logged: "up", or the failure line. */
  #lastState: string | null = null;

  /** An exporter reading frames through `options.link`. */
  constructor(options: ExporterOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The exposition of one scrape, in `format`. With the scraper's timeout, the wait for the
   * daemon ends in time for the answer to reach it: `opta_up 0` rather than no answer.
   */
  async scrape(format: ExpositionFormat, scrapeTimeoutMs: number | null = null): Promise<string> {
    const fetched = await this.#fetch(scrapeTimeoutMs);
    const nowMs = this.#now();
    const frame: MetricsFrame | null = fetched.ok ? fetched.frame : null;
    if (!fetched.ok) {
      this.counters.failure(fetched.kind);
      this.#state(fetched.reason, { kind: fetched.kind });
    } else if (!isFresh(fetched.frame, nowMs)) {
      this.counters.failure("stale");
      const ageS = ((nowMs - fetched.frame.timestamp) / 1000).toFixed(1);
      this.#state("the daemon's newest frame is too old", { kind: "stale", age_s: ageS });
    } else {
      this.#state("up", {});
    }
    const context = { nowMs, processes: this.#options.processes };
    return writeExposition(scrapeFamilies(frame, context, this.counters), format);
  }

  /** The link's fetch, or a timeout failure once the scraper's time is nearly up. */
  async #fetch(scrapeTimeoutMs: number | null): Promise<Fetched> {
    const fetching = this.#options.link.fetch();
    if (scrapeTimeoutMs === null) return await fetching;
    void fetching.catch(() => {}); // a failure after the timeout has nobody left to tell
    const budgetMs = Math.max(100, scrapeTimeoutMs - ANSWER_MARGIN_MS);
    let timer: Timer | undefined;
    const late = new Promise<Fetched>((resolve) => {
      timer = systemClock.setTimeout(() =>
        resolve({
          ok: false,
          kind: "timeout",
          reason: `no fresh frame within the scrape timeout's ${budgetMs} ms`,
        }), budgetMs);
    });
    try {
      return await Promise.race([fetching, late]);
    } finally {
      systemClock.clear(timer);
    }
  }

  #state(state: string, fields: Record<string, string>): void {
    const key = `${state}|${fields.kind ?? ""}`;
    if (key === this.#lastState) return;
    const wasDown = this.#lastState !== null && !this.#lastState.startsWith("up|");
    this.#lastState = key;
    if (state === "up") {
      if (wasDown) this.#options.log.log("info", "daemon up again");
      return;
    }
    this.#options.log.log("warn", "daemon unavailable: opta_up 0", { reason: state, ...fields });
  }
}
