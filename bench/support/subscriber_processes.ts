/**
 * The load generator (`subscribers.ts`) started as processes of their own, so that the
 * daemon's figures are not mixed with the clients' work, and the summaries they print.
 *
 * @example
 * ```ts
 * import { spread } from "./subscriber_processes.ts";
 * spread(1000, 3); // [334, 333, 333]
 * ```
 *
 * @module
 */

import type { LoadSummary } from "./subscribers.ts";

const SCRIPT = new URL("./subscribers.ts", import.meta.url).pathname;

/** How `n` subscribers spread over at most `processes` processes: evenly, none left empty. */
export function spread(n: number, processes: number): number[] {
  return Array.from(
    { length: processes },
    (_, i) => Math.floor(n / processes) + (i < n % processes ? 1 : 0),
  ).filter((k) => k > 0);
}

/** What one subscribers.ts process is to do (its usage line, as options). */
export interface SubscriberRun {
  /** The socket to connect to. */
  socket: string;
  /** How many subscribers it holds. */
  count: number;
  /** How long it runs, s. */
  seconds: number;
  /** The daemon's protocol, or the floor server's. */
  kind: "opta" | "floor";
  /** Seconds before its rates and latencies start counting. */
  warmupS?: number;
  /** Every latency sample in the summary, for merging several processes' figures. */
  raw?: boolean;
}

/** Starts one subscribers.ts process; its summary comes on stdout, its errors on stderr. */
export function spawnSubscribers(run: SubscriberRun): Deno.ChildProcess {
  const args = [SCRIPT, run.socket, String(run.count), String(run.seconds), run.kind];
  if (run.warmupS !== undefined || run.raw) args.push(String(run.warmupS ?? 0));
  if (run.raw) args.push("raw");
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

/** The summary a finished subscribers.ts process printed; throws when it failed. */
export function summaryOf(output: Deno.CommandOutput): LoadSummary {
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) throw new Error(`subscribers process failed (code ${output.code}): ${text}`);
  return JSON.parse(text);
}
