/**
 * The subscribers of the soak benchmark, run as their own process so the
 * daemon's figures are not mixed with the clients' work. Ten subscribers at the
 * daemon's rate, all through the client library (`subscribe`):
 *
 * - 8 **steady** ones that read every frame (target: zero missed frames, no disconnect);
 * - 1 **staller** that stops reading for STALL_PAUSE_S every STALL_EVERY_S (default 10 s
 *   every 30 s). A 3 s pause is not enough to be dropped: the kernel's socket buffer holds
 *   ~160 frames (6.4 s at 25 Hz) before the daemon's write even blocks, and the 2 s stall
 *   timeout starts then, so the default pause is long enough to be dropped (at ~8.7 s);
 *   the client library reconnects once it reads again. Its missed frames are expected;
 * - 1 **churner** that disconnects and reconnects every CHURN_EVERY_S (default 5 s).
 *
 * Every 10 s a progress line (JSON) goes to stderr; at the end one JSON report
 * on stdout. Stops by itself after SECONDS, or at SIGINT/SIGTERM.
 *
 *   deno run -A bench/support/soak_clients.ts SOCKET SECONDS [STALL_PAUSE_S] [STALL_EVERY_S] [CHURN_EVERY_S]
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";
import { subscribe, type SubscriberStatus } from "../../src/ipc/client.ts";

const [path, secondsText, pauseText = "10", everyText = "30", churnText = "5"] = Deno.args;
const SECONDS = Number(secondsText);
const PAUSE_MS = Number(pauseText) * 1000;
const STALL_EVERY_MS = Number(everyText) * 1000;
const CHURN_MS = Number(churnText) * 1000;
if (!path || !(SECONDS > 0) || !(PAUSE_MS >= 0) || !(STALL_EVERY_MS > 0) || !(CHURN_MS > 0)) {
  console.error(
    "usage: soak_clients.ts SOCKET SECONDS [STALL_PAUSE_S] [STALL_EVERY_S] [CHURN_EVERY_S]",
  );
  Deno.exit(2);
}

/** One subscriber's counters. */
export interface Counters {
  name: string;
  kind: "steady" | "staller" | "churner";
  frames: number;
  /** Sequence gaps within the library's view (across reconnects too). */
  missed: number;
  connects: number;
  disconnects: number;
  /** Pauses taken (staller) or planned disconnects (churner). */
  pauses: number;
}

const stop = new AbortController();
const started = performance.now();
const deadline = setTimeout(() => stop.abort(), SECONDS * 1000);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => stop.abort());
}

const latencies: number[] = []; // steady clients only, µs, first frame of a connection excluded
const counters: Counters[] = [];

function counter(name: string, kind: Counters["kind"]): Counters {
  const c = { name, kind, frames: 0, missed: 0, connects: 0, disconnects: 0, pauses: 0 };
  counters.push(c);
  return c;
}

function onStatus(c: Counters, fresh: { value: boolean }) {
  return (status: SubscriberStatus) => {
    if (status.state === "connected") {
      c.connects++;
      fresh.value = true;
    } else if (status.state === "disconnected") c.disconnects++;
  };
}

async function steady(c: Counters): Promise<void> {
  const fresh = { value: true };
  for await (
    const r of subscribe(path, { signal: stop.signal, onStatus: onStatus(c, fresh) })
  ) {
    c.frames++;
    c.missed += r.missed;
    if (!fresh.value) latencies.push(r.receivedAtUs - r.frame.sentAtUs);
    fresh.value = false;
  }
}

async function staller(c: Counters): Promise<void> {
  const fresh = { value: true };
  let nextPause = performance.now() + STALL_EVERY_MS - PAUSE_MS;
  for await (
    const r of subscribe(path, { signal: stop.signal, onStatus: onStatus(c, fresh) })
  ) {
    c.frames++;
    c.missed += r.missed;
    if (performance.now() >= nextPause && PAUSE_MS > 0) {
      c.pauses++;
      // Not pulling from the iterator = not reading the socket.
      await sleep(PAUSE_MS, undefined, { signal: stop.signal }).catch(() => {});
      nextPause = performance.now() + STALL_EVERY_MS - PAUSE_MS;
    }
  }
}

async function churner(c: Counters): Promise<void> {
  while (!stop.signal.aborted) {
    const cycle = new AbortController();
    const both = AbortSignal.any([stop.signal, cycle.signal]);
    const timer = setTimeout(() => cycle.abort(), CHURN_MS);
    const fresh = { value: true };
    for await (const r of subscribe(path, { signal: both, onStatus: onStatus(c, fresh) })) {
      c.frames++;
      c.missed += r.missed;
    }
    clearTimeout(timer);
    if (!stop.signal.aborted) c.pauses++;
  }
}

// Progress every 10 s: steady clients' mean delivered rate over the window and missed so far.
let lastFrames = 0;
let lastAt = started;
const progress = setInterval(() => {
  const now = performance.now();
  const steadyOnes = counters.filter((x) => x.kind === "steady");
  const frames = steadyOnes.reduce((s, x) => s + x.frames, 0);
  const hz = (frames - lastFrames) / steadyOnes.length / ((now - lastAt) / 1000);
  lastFrames = frames;
  lastAt = now;
  console.error(JSON.stringify({
    t: Math.round((now - started) / 1000),
    steady_hz: Number(hz.toFixed(2)),
    steady_missed: steadyOnes.reduce((s, x) => s + x.missed, 0),
    staller_drops: counters.find((x) => x.kind === "staller")?.disconnects ?? 0,
    churner_connects: counters.find((x) => x.kind === "churner")?.connects ?? 0,
  }));
}, 10_000);

const runs = [
  ...Array.from({ length: 8 }, (_, i) => steady(counter(`steady-${i + 1}`, "steady"))),
  staller(counter("staller", "staller")),
  churner(counter("churner", "churner")),
];
const results = await Promise.allSettled(runs);
clearTimeout(deadline);
clearInterval(progress);
const errors = results.flatMap((r) =>
  r.status === "rejected" ? [String((r.reason as Error)?.message ?? r.reason)] : []
);

latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
/** The JSON report this script prints on stdout (read by bench/soak.ts). */
export interface SoakClientsReport {
  seconds: number;
  stall_pause_s: number;
  stall_every_s: number;
  churn_every_s: number;
  clients: Counters[];
  steady_latency_us: { p50: number; p99: number; max: number };
  errors: string[];
}

const report: SoakClientsReport = {
  seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  stall_pause_s: PAUSE_MS / 1000,
  stall_every_s: STALL_EVERY_MS / 1000,
  churn_every_s: CHURN_MS / 1000,
  clients: counters,
  steady_latency_us: { p50: pct(0.5), p99: pct(0.99), max: latencies.at(-1) ?? 0 },
  errors,
};
console.log(JSON.stringify(report));
