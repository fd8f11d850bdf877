/**
 * Rates from cumulative counters: per-second figures over the window between readings,
 * no negative rate after a reset, and a first reading that waits for a real window.
 */
import assert from "node:assert/strict";
import { counterRates, RATE_MIN_WINDOW_MS, RateWindow, readRates } from "../../src/metrics/rate.ts";
import { VirtualClock } from "../support/virtual_clock.ts";

const at = (ms: number, counters: number[], key = "eth0") => ({ key, counters, at: ms });

Deno.test("rate: bytes per second over the window", () => {
  assert.deepEqual(counterRates(at(0, [0, 100]), at(500, [1000, 100])), [2000, 0]);
  assert.deepEqual(counterRates(at(0, [2 ** 40]), at(2000, [2 ** 40 + 4096])), [2048]);
});

Deno.test("rate: no honest rate → null (reset, other key, bad window or values)", () => {
  assert.equal(counterRates(at(0, [500, 10]), at(1000, [20, 30])), null, "counter reset");
  assert.equal(counterRates(at(0, [1]), at(1000, [2], "wlan0")), null, "another interface");
  assert.equal(counterRates(at(1000, [1]), at(1000, [2])), null, "no time passed");
  assert.equal(counterRates(at(0, [1]), at(1000, [2, 3])), null, "counter count");
  assert.equal(counterRates(at(0, [NaN]), at(1000, [2])), null, "NaN");
  assert.equal(counterRates(at(0, [-1]), at(1000, [2])), null, "negative");
});

Deno.test("rate window: a reset or a new key restarts the window; too soon is not kept", () => {
  const w = new RateWindow();
  assert.equal(w.push(at(0, [0])), null, "one sample");
  assert.equal(w.push(at(100, [50])), null, "100 ms: under the minimum");
  assert.deepEqual(w.push(at(1000, [1000])), { rates: [1000], windowMs: 1000 });
  assert.equal(w.push(at(2000, [10])), null, "reset: no negative rate");
  assert.deepEqual(w.push(at(3000, [510])), { rates: [500], windowMs: 1000 });
  assert.equal(w.push(at(4000, [0], "wlan0")), null, "the route moved");
  assert.deepEqual(w.push(at(4500, [100], "wlan0")), { rates: [200], windowMs: 500 });
  w.reset();
  assert.equal(w.push(at(5500, [200], "wlan0")), null, "after a reset");
});

Deno.test("rate window: a previous sample more than two cadences old starts the window afresh", () => {
  const w = new RateWindow();
  assert.equal(w.push(at(0, [0]), 30_000), null, "one sample");
  assert.deepEqual(w.push(at(30_000, [300_000]), 30_000), { rates: [10_000], windowMs: 30_000 });
  // The cadence drops to 1 s (a client came after an idle period): a rate over the idle
  // interval would be old news.
  assert.equal(w.push(at(40_000, [400_000]), 1000), null, "10 s after, at a 1 s cadence");
  assert.deepEqual(w.push(at(40_250, [405_000]), 1000), { rates: [20_000], windowMs: 250 });
  assert.deepEqual(w.push(at(42_250, [425_000]), 1000), { rates: [10_000], windowMs: 2000 });
  assert.deepEqual(
    w.push(at(52_250, [435_000])),
    { rates: [1000], windowMs: 10_000 },
    "no cadence",
  );
});

Deno.test("rate: a reading after a long gap waits the minimum window at a fast cadence", async () => {
  const clock = new VirtualClock(0);
  const w = new RateWindow();
  const take = () => Promise.resolve(at(clock.now(), [clock.now() < 30_000 ? 0 : clock.now()]));
  const signal = new AbortController().signal;
  const first = readRates(take, w, clock, signal, 30_000);
  await clock.advance(RATE_MIN_WINDOW_MS);
  assert.deepEqual((await first)?.rates, [0]);
  await clock.advance(40_000);
  const fresh = readRates(take, w, clock, signal, 1000);
  await clock.advance(RATE_MIN_WINDOW_MS);
  assert.deepEqual((await fresh)?.rates, [1000], "over the last 250 ms only");
});

Deno.test("rate: the first reading waits the minimum window on the clock", async () => {
  const clock = new VirtualClock(0);
  const w = new RateWindow();
  let reads = 0;
  const take = () => {
    reads++;
    return Promise.resolve(at(clock.now(), [clock.now() * 10]));
  };
  const first = readRates(take, w, clock, new AbortController().signal);
  await clock.advance(RATE_MIN_WINDOW_MS - 1);
  assert.equal(reads, 1);
  await clock.advance(1);
  const reading = await first;
  assert.equal(reads, 2);
  assert.deepEqual(reading?.rates, [10_000]);
  // Later readings read once, over the time since the previous.
  await clock.advance(1000);
  assert.deepEqual((await readRates(take, w, clock, new AbortController().signal))?.rates, [
    10_000,
  ]);
  assert.equal(reads, 3);
  // Nothing to count: null at once, and the next reading waits for a window again.
  assert.equal(
    await readRates(() => Promise.resolve(null), w, clock, new AbortController().signal),
    null,
  );
  const again = readRates(take, w, clock, new AbortController().signal);
  await clock.advance(RATE_MIN_WINDOW_MS);
  assert.ok((await again) !== null);
  assert.equal(reads, 5);
});

Deno.test("rate: counters that keep resetting fail the read after three waits", async () => {
  const clock = new VirtualClock(0);
  let value = 1000;
  const take = () => Promise.resolve(at(clock.now(), [value -= 10]));
  const reading = readRates(take, new RateWindow(), clock, new AbortController().signal);
  const failed = assert.rejects(reading, /no counter reading over a real window/);
  await clock.advance(3 * RATE_MIN_WINDOW_MS);
  await failed;
});
