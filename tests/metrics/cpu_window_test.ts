/**
 * The sliding CPU window: readings smooth over about a second, never over a few
 * milliseconds (a cadence change right after a read), never from one sample.
 */
import assert from "node:assert/strict";
import { CPU_WINDOW_MS, type CpuTimes, CpuWindow } from "../../src/metrics/cpu.ts";
import { cpuSource } from "../../src/metrics/cpu_source.ts";
import type { Readings } from "../../src/metrics/source.ts";
import { Schedule } from "../../src/time/schedule.ts";
import { VirtualClock } from "../support/virtual_clock.ts";

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

Deno.test("cpu window: a sample older than twice the window or the cadence starts it afresh", () => {
  const counters = tickCounters(2, 0.5);
  const window = new CpuWindow();
  assert.equal(window.push({ times: counters(0), at: 0 }, 30_000), null, "one sample");
  const idle = window.push({ times: counters(30_000), at: 30_000 }, 30_000);
  assert.equal(idle?.windowMs, 30_000, "at the idle cadence, a reading covers the interval");
  // At 250 ms the longest span is 2 × the 1 s window: the idle sample is too old.
  assert.equal(window.push({ times: counters(32_500), at: 32_500 }, 250), null);
  assert.equal(window.push({ times: counters(32_750), at: 32_750 }, 250)?.windowMs, 250);
  // Within the span a late sample still reads over the window behind it.
  const late = window.push({ times: counters(34_500), at: 34_500 }, 250);
  assert.equal(late?.windowMs, 1750);
  assert.equal(
    window.push({ times: counters(90_000), at: 90_000 })?.windowMs,
    55_500,
    "no cadence",
  );
});

/** A CPU source on a virtual clock over simulated counters, and what it emitted. */
function virtualCpu(busyShare: number, read?: (atMs: number) => CpuTimes[]) {
  const clock = new VirtualClock(0);
  const schedule = new Schedule(clock);
  schedule.driveWithTimer(true);
  const counters = read ?? tickCounters(2, busyShare);
  const source = cpuSource({ read: () => counters(clock.now()), clock });
  const readings: number[] = [];
  const all: Readings[] = [];
  const errors: string[] = [];
  const sink = {
    emit: (r: Readings) => {
      all.push(r);
      readings.push(r.cpuUsage!);
    },
    fail: (error: Error) => void errors.push(error.message),
  };
  return { clock, schedule, source, readings, all, errors, sink };
}

Deno.test("cpu source: the reading taken when the cadence slows to idle covers a real window", async () => {
  const { clock, schedule, source, readings, sink } = virtualCpu(0.03);
  try {
    source.start(250, sink, schedule);
    // The first reading after 250 ms, then one every 250 ms on the grid: 250, 250, 500, …
    await clock.advance(1500);
    assert.equal(readings.length, 7);
    source.start(10_000, sink, schedule); // the switch to the idle cadence reads at once
    await clock.advance(5);
    assert.equal(readings.length, 8);
    // Over 5 ms the 10 ms ticks would not have moved (0 %), or one would read as a spike.
    assert.ok(readings[7] > 1.5 && readings[7] < 4.5, `reading at the switch: ${readings}`);
    await clock.advance(3000);
    assert.equal(readings.length, 8, "idle: the next read is 10 s away");
    // A client arrives: the idle reading is too old for the fast cadence, so the window starts
    // afresh and the reading covers the 250 ms after the connect.
    source.start(250, sink, schedule);
    await clock.advance(249);
    assert.equal(readings.length, 8, "no reading over less than 250 ms");
    await clock.advance(1);
    assert.equal(readings.length, 10, "the reading, and the grid's own read at the same moment");
    assert.ok(readings[8] > 1.5 && readings[8] < 4.5, `reading at the connect: ${readings}`);
  } finally {
    await source.stop();
  }
  assert.equal(clock.pending, 0, "no timer left");
});

Deno.test("cpu source: the first reading after idle covers the last moments, not the idle interval", async () => {
  // 3 % busy, then from 5 s on one of the two cores saturated: about 51.5 % of the machine.
  const quiet = tickCounters(2, 0.03);
  const offset = quiet(5000);
  const counters = (t: number) =>
    quiet(t).map((c, i) =>
      i === 0 && t > 5000 ? { ...c, user: offset[0].user + (t - 5000), idle: offset[0].idle } : c
    );
  const { clock, schedule, source, readings, all, sink } = virtualCpu(0.03, counters);
  try {
    source.start(250, sink, schedule);
    await clock.advance(1500);
    source.start(10_000, sink, schedule); // no client: the idle read at 1.5 s, the next at 11.5 s
    await clock.advance(7500);
    const before = readings.length;
    source.start(250, sink, schedule); // a client at 9 s, 4 s into the load
    await clock.advance(249);
    assert.equal(readings.length, before, "no reading over less than 250 ms");
    await clock.advance(1);
    // A window reaching back to the idle read at 1.5 s would read (3.5 s × 3 % + 4 s ×
    // 51.5 %) / 7.5 s ≈ 29 %.
    assert.ok(readings[before] > 48, `first reading at the fast cadence: ${readings}`);
    const cores = all[before].cpuCores!;
    assert.ok(cores[0] > 95 && cores[1] < 10, `cores: ${cores}`);
  } finally {
    await source.stop();
  }
});

Deno.test("cpu source: the first reading waits for the minimum window", async () => {
  const { clock, schedule, source, readings, sink } = virtualCpu(0.2);
  try {
    source.start(10_000, sink, schedule);
    await clock.advance(249);
    assert.equal(readings.length, 0, "no reading over less than 250 ms");
    await clock.advance(1);
    assert.equal(readings.length, 1);
    assert.ok(readings[0] > 15 && readings[0] < 25, `first reading ${readings[0]}`);
  } finally {
    await source.stop();
  }
});

Deno.test("cpu source: unreadable counters fail the read without losing the window", async () => {
  const counters = tickCounters(2, 0.03);
  let broken = false;
  const { clock, schedule, source, readings, errors, sink } = virtualCpu(
    0.03,
    (at) => broken ? [] : counters(at),
  );
  try {
    source.start(250, sink, schedule);
    await clock.advance(1250);
    assert.equal(readings.length, 6);
    broken = true;
    await clock.advance(250);
    assert.deepEqual(errors, ["cpu: the per-core counters could not be read"]);
    broken = false;
    await clock.advance(499);
    assert.equal(readings.length, 6, "the retry comes after twice the interval");
    await clock.advance(1);
    assert.equal(readings.length, 7);
    assert.ok(readings[6] > 1.5 && readings[6] < 4.5, `after the failure: ${readings}`);
  } finally {
    await source.stop();
  }
});

Deno.test("cpu window: each core's figure covers the machine figure's window", () => {
  // Core 0 busy 80 %, core 1 busy 10 %, both in 10 ms ticks.
  const counters = (at: number): CpuTimes[] =>
    [0.8, 0.1].map((share, core) => {
      const t = at + core * 3.7;
      const busy = Math.floor((t * share) / 10) * 10;
      return { user: busy, nice: 0, sys: 0, idle: Math.floor(t / 10) * 10 - busy, irq: 0 };
    });
  const window = new CpuWindow();
  let reading = null;
  for (let at = 0; at <= 5000; at += 250) reading = window.push({ times: counters(at), at });
  assert.ok(reading !== null && reading.windowMs === CPU_WINDOW_MS);
  assert.equal(reading.cores.length, 2);
  assert.ok(Math.abs(reading.cores[0] - 80) <= 1.5, `core 0: ${reading.cores[0]}`);
  assert.ok(Math.abs(reading.cores[1] - 10) <= 1.5, `core 1: ${reading.cores[1]}`);
  // The machine figure is the mean of the cores when every core's window is full.
  const mean = (reading.cores[0] + reading.cores[1]) / 2;
  assert.ok(Math.abs(reading.busy - mean) < 0.6, `${reading.busy} vs ${mean}`);
});

Deno.test("cpu source: emits each core and the platform's core levels with every reading", async () => {
  const clock = new VirtualClock(0);
  const schedule = new Schedule(clock);
  schedule.driveWithTimer(true);
  const counters = tickCounters(4, 0.25);
  const levels = [
    { name: "Performance", firstCore: 0, cores: 2 },
    { name: "Efficiency", firstCore: 2, cores: 2 },
  ];
  const source = cpuSource({ read: () => counters(clock.now()), clock, levels });
  const emitted: Readings[] = [];
  try {
    source.start(250, { emit: (r) => void emitted.push(r), fail: () => {} }, schedule);
    await clock.advance(1250); // readings at 250, 250, 500, …, 1250
    assert.equal(emitted.length, 6);
    for (const r of emitted) {
      assert.equal(r.cpuCores?.length, 4);
      for (const core of r.cpuCores!) assert.ok(core > 20 && core < 30, `core ${core}`);
      assert.deepEqual(r.cpuCoreLevels, levels);
    }
    const last = emitted[5];
    const mean = last.cpuCores!.reduce((a, b) => a + b, 0) / 4;
    assert.ok(Math.abs(last.cpuUsage! - mean) < 0.5, `${last.cpuUsage} vs ${mean}`);
  } finally {
    await source.stop();
  }
});

Deno.test("cpu source: no levels given → an empty list", async () => {
  const { clock, schedule, source, all, sink } = virtualCpu(0.1);
  try {
    source.start(250, sink, schedule);
    await clock.advance(250);
    assert.ok(all.length >= 1);
    assert.deepEqual(all[0].cpuCoreLevels, []);
    assert.equal(all[0].cpuCores?.length, 2);
  } finally {
    await source.stop();
  }
});
