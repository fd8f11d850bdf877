/**
 * Ticker: an interval timer steered onto its ideal grid, exact on average, never
 * bursting. On a virtual clock whose intervals overshoot as a real runtime's do,
 * plus one real-time check.
 */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { Ticker } from "../../src/time/ticker.ts";
import { queuedWithin, RunQueueWatch } from "../support/scheduling.ts";
import { VirtualClock } from "../support/virtual_clock.ts";

/** Tick times of a ticker at `periodMs` over `ms` of virtual time, its first tick included. */
async function run(
  clock: VirtualClock,
  periodMs: number,
  ms: number,
  onTick?: (n: number) => void,
): Promise<number[]> {
  const times: number[] = [];
  const ticker = new Ticker(periodMs, () => {
    times.push(clock.now());
    onTick?.(times.length);
  }, clock);
  ticker.start();
  await clock.advance(ms);
  ticker.stop();
  assert.equal(clock.pending, 0, "stop leaves no timer");
  return times;
}

Deno.test("the first tick is immediate and the rate is exact where a bare interval drifts", async () => {
  // Each period of a 10 ms interval lasts 10.7 ms: a bare interval gives 93 ticks a second.
  const clock = new VirtualClock({ startMs: 0, intervalOvershootMs: 0.7 });
  const times = await run(clock, 10, 10_000);
  assert.equal(times[0], 0);
  assert.ok(Math.abs(times.length - 1001) <= 2, `${times.length} ticks in 10 s`);
});

Deno.test("ticks stay near the grid start + k × period", async () => {
  const clock = new VirtualClock({ startMs: 0, intervalOvershootMs: 0.6 });
  const times = await run(clock, 40, 20_000);
  const worst = Math.max(...times.map((t, k) => Math.abs(t - k * 40)));
  // The tolerance is a quarter period (10 ms); a drifting interval would be 300 ms off.
  assert.ok(worst <= 11, `worst offset ${worst.toFixed(2)} ms`);
});

Deno.test("the interval is rarely restarted: steering does not chase every stray tick", async () => {
  const clock = new VirtualClock({ startMs: 0, intervalOvershootMs: 0.6 });
  const times = await run(clock, 40, 20_000);
  assert.ok(times.length >= 499, `${times.length} ticks`);
  assert.ok(
    clock.intervalsCreated <= 1 + times.length / 12,
    `${clock.intervalsCreated} intervals for ${times.length} ticks`,
  );
});

Deno.test("after a freeze the ticks resume on a new grid, without a burst", async () => {
  const clock = new VirtualClock({ startMs: 0, intervalOvershootMs: 0.5 });
  const lates: number[] = [];
  const times: number[] = [];
  const ticker = new Ticker(10, (lateMs, now) => {
    lates.push(lateMs);
    times.push(now);
  }, clock);
  ticker.start();
  await clock.advance(200);
  clock.jump(500); // frozen: no timer fired for half a second
  await clock.advance(200);
  ticker.stop();
  const frozenAt = times.findIndex((t) => t > 200);
  assert.ok(lates[frozenAt] > 400, `the first tick after the freeze is late: ${lates[frozenAt]}`);
  const gaps = times.slice(frozenAt + 1).map((t, i) => t - times[frozenAt + i]);
  assert.ok(Math.min(...gaps) >= 9, `no burst after the freeze: gaps ${gaps.join(" ")}`);
  assert.ok(lates.slice(frozenAt + 1).every((l) => Math.abs(l) <= 11), `${lates}`);
});

Deno.test("stop from inside a tick ends ticking, and start while running does nothing", async () => {
  const clock = new VirtualClock();
  let ticks = 0;
  const ticker = new Ticker(10, () => {
    if (++ticks === 3) ticker.stop();
  }, clock);
  ticker.start();
  ticker.start();
  assert.equal(ticks, 1, "one immediate tick, not two");
  await clock.advance(100);
  assert.equal(ticks, 3);
  assert.equal(ticker.running, false);
  assert.equal(clock.pending, 0);
});

Deno.test("real time: 100 Hz on the system clock is exact where setInterval(10) drifts", async () => {
  const queue = RunQueueWatch.thisThread();
  const ticks: { at: number; wallMs: number; lateMs: number }[] = [];
  const ticker = new Ticker(10, (lateMs, at) => {
    ticks.push({ at, wallMs: performance.timeOrigin + at, lateMs });
  });
  ticker.start();
  await delay(3000);
  ticker.stop();
  const samples = await queue.stop();
  // A tick over a period late skips the ticks it missed rather than bursting. What it lost is
  // the machine's as far as the lateness built up while this thread queued for a CPU (a loaded
  // machine); that time is not counted. Lateness a drifting interval builds up is the
  // ticker's: it stays counted, and the rate falls.
  let heldBackMs = 0;
  let builtUpMs = 0; // the part of the current lateness built up while queued
  for (let i = 1; i < ticks.length; i++) {
    const { at, wallMs, lateMs } = ticks[i];
    const riseMs = Math.max(0, at - ticks[i - 1].at - 10);
    const queuedMs = Math.min(riseMs, queuedWithin(samples, ticks[i - 1].wallMs, wallMs));
    if (lateMs > 10) {
      heldBackMs += Math.min(lateMs, builtUpMs + queuedMs);
      builtUpMs = 0; // a new grid starts at this tick
    } else {
      builtUpMs = Math.min(Math.max(0, lateMs), builtUpMs + queuedMs);
    }
  }
  const elapsedMs = ticks.at(-1)!.at - ticks[0].at - heldBackMs;
  const rate = (ticks.length - 1) / (elapsedMs / 1000);
  assert.ok(
    Math.abs(rate - 100) < 1,
    `${rate.toFixed(2)} Hz, not counting ${heldBackMs.toFixed(0)} ms of skipped ticks lost ` +
      "while queued for a CPU",
  );
});
