/**
 * The sliding CPU window: readings smooth over about a second, never over a few
 * milliseconds (a cadence change right after a read), never from one sample.
 */
import assert from "node:assert/strict";
import { CPU_WINDOW_MS, type CpuTimes, CpuWindow } from "../../src/metrics/cpu.ts";
import { cpuSource } from "../../src/metrics/cpu_source.ts";
import type { Readings } from "../../src/metrics/source.ts";

/**
 * Counters of a simulated machine as the kernel keeps them: `cores` cores each busy
 * `busyShare` of the time, counted in whole 10 ms ticks (so short windows see 0 or 1 tick).
 */
function tickCounters(cores: number, busyShare: number): (atMs: number) => CpuTimes[] {
  return (atMs) =>
    Array.from({ length: cores }, (_, core) => {
      // Cores tick at slightly different phases, as real ones do.
      const t = atMs + core * 3.7;
      const busy = Math.floor((t * busyShare) / 10) * 10;
      const total = Math.floor(t / 10) * 10;
      return { user: busy, nice: 0, sys: 0, idle: total - busy, irq: 0 };
    });
}

Deno.test("cpu window: an idle machine's readings every 250 ms are smooth and never 0", () => {
  const counters = tickCounters(2, 0.01); // 1 % busy: 5 ms of CPU per 250 ms over 2 cores
  const window = new CpuWindow();
  const readings: number[] = [];
  const naive: number[] = [];
  let previous: CpuTimes[] | null = null;
  for (let at = 10_000; at <= 40_000; at += 250) {
    const times = counters(at);
    const reading = window.push({ times, at });
    if (at >= 10_000 + CPU_WINDOW_MS) {
      assert.ok(reading !== null, `a reading at ${at}`);
      assert.ok(reading.windowMs >= CPU_WINDOW_MS && reading.windowMs < CPU_WINDOW_MS + 250);
      readings.push(reading.busy);
    }
    if (previous) {
      const d = (f: keyof CpuTimes) => times.reduce((s, c, i) => s + c[f] - previous![i][f], 0);
      naive.push((100 * d("user")) / (d("user") + d("idle")));
    }
    previous = times;
  }
  // What a bare 250 ms window reads on the same machine: coarse steps and many zeros.
  assert.ok(naive.filter((x) => x === 0).length > naive.length / 4, "the naive window reads 0");
  assert.equal(readings.filter((x) => x === 0).length, 0, `no zero in ${readings}`);
  const spread = Math.max(...readings) - Math.min(...readings);
  assert.ok(spread <= 1.01, `readings move by at most a point: ${readings.join(" ")}`);
  const mean = readings.reduce((a, b) => a + b, 0) / readings.length;
  assert.ok(Math.abs(mean - 1) < 0.2, `mean ${mean}`);
});

Deno.test("cpu window: a load change shows within about a second", () => {
  const idle = tickCounters(2, 0.02);
  const window = new CpuWindow();
  let at = 0;
  for (; at <= 5000; at += 250) window.push({ times: idle(at), at });
  // From 5 s on, one core is saturated: 50 % of the machine on top of the 2 %.
  const offset = idle(5000);
  const loaded = (t: number) =>
    idle(t).map((c, i) =>
      i === 0 ? { ...c, user: offset[0].user + (t - 5000), idle: offset[0].idle } : c
    );
  const after: number[] = [];
  for (at = 5250; at <= 7000; at += 250) after.push(window.push({ times: loaded(at), at })!.busy);
  assert.ok(after[0] > 10, `moves at the first reading: ${after}`);
  const settledAt = after.findIndex((x) => x > 48);
  assert.ok(settledAt >= 0 && settledAt <= 4, `≥ 48 % within 1.25 s: ${after}`);
});

Deno.test("cpu window: no reading from one sample or a window under the minimum", () => {
  const counters = tickCounters(2, 0.5);
  const window = new CpuWindow();
  assert.equal(window.push({ times: counters(1000), at: 1000 }), null, "one sample");
  assert.equal(window.push({ times: counters(1100), at: 1100 }), null, "100 ms");
  const reading = window.push({ times: counters(1300), at: 1300 });
  assert.ok(reading !== null && reading.windowMs === 300);
  // A sample 5 ms after the last one still reads over the long window behind it.
  for (let at = 1500; at <= 3000; at += 250) window.push({ times: counters(at), at });
  const quick = window.push({ times: counters(3005), at: 3005 });
  assert.ok(quick !== null && quick.windowMs >= CPU_WINDOW_MS, JSON.stringify(quick));
  assert.ok(Math.abs(quick.busy - 50) < 2, `busy ${quick.busy}`);
  // A sample from the past is ignored; a core-count change starts afresh.
  assert.equal(window.push({ times: counters(2000), at: 2000 }), null);
  assert.equal(window.push({ times: tickCounters(3, 0.5)(3500), at: 3500 }), null);
  assert.ok(window.push({ times: tickCounters(3, 0.5)(3800), at: 3800 }) !== null);
});

/** A sink that records readings, and a wait for the n-th. */
function collect() {
  const readings: number[] = [];
  let wake: (() => void) | null = null;
  const sink = {
    emit(r: Readings) {
      readings.push(r.cpuUsage!);
      wake?.();
    },
    fail(error: Error) {
      throw error;
    },
  };
  const next = async (count: number) => {
    while (readings.length < count) await new Promise<void>((r) => wake = r);
  };
  return { readings, sink, next };
}

Deno.test("cpu source: the reading taken when the cadence slows to idle covers a real window", async () => {
  // The simulated counters follow the real clock, 10 ms ticks, 3 % busy on 2 cores.
  const counters = tickCounters(2, 0.03);
  const source = cpuSource({ read: () => counters(performance.now()) });
  const { readings, sink, next } = collect();
  try {
    source.start(250, sink);
    await next(6); // ≥ 1.5 s of samples
    source.start(10_000, sink); // the switch to the idle cadence reads at once
    await next(7);
    // Over a few ms the ticks would not have moved (0 %), or one would read as a spike.
    const atSwitch = readings[6];
    assert.ok(atSwitch > 1.5 && atSwitch < 4.5, `reading at the switch: ${readings}`);
    source.start(250, sink); // a client arrives: the reading at once is real too
    await next(8);
    assert.ok(readings[7] > 1.5 && readings[7] < 4.5, `reading at the connect: ${readings}`);
  } finally {
    await source.stop();
  }
});

Deno.test("cpu source: the first reading waits for the minimum window", async () => {
  const counters = tickCounters(2, 0.2);
  const started = performance.now();
  const source = cpuSource({ read: () => counters(performance.now()) });
  const { readings, sink, next } = collect();
  try {
    source.start(10_000, sink);
    await next(1);
    assert.ok(performance.now() - started >= 240, "waited for a window");
    assert.ok(readings[0] > 15 && readings[0] < 25, `first reading ${readings[0]}`);
  } finally {
    await source.stop();
  }
});

Deno.test("cpu source: unreadable counters fail the read without losing the window", async () => {
  const counters = tickCounters(2, 0.03);
  let broken = false;
  const source = cpuSource({ read: () => broken ? [] : counters(performance.now()) });
  const errors: string[] = [];
  const readings: number[] = [];
  try {
    await new Promise<void>((resolve) => {
      source.start(250, {
        emit(r) {
          readings.push(r.cpuUsage!);
          if (readings.length === 5) broken = true; // the next read fails, once
          if (readings.length === 6) resolve();
        },
        fail(error) {
          errors.push(error.message);
          broken = false;
        },
      });
    });
    assert.deepEqual(errors, ["cpu: the per-core counters could not be read"]);
    assert.ok(readings[5] > 1.5 && readings[5] < 4.5, `after the failure: ${readings}`);
  } finally {
    await source.stop();
  }
});
