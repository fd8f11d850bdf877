import assert from "node:assert/strict";
import { cpus } from "node:os";
import { cpuBusy, cpuBusyPercent, type CpuTimes } from "../../src/metrics/cpu.ts";

function t(user: number, sys: number, idle: number, nice = 0, irq = 0): CpuTimes {
  return { user, nice, sys, idle, irq };
}
/** Adds per-field deltas to a sample. */
function plus(a: CpuTimes, d: Partial<CpuTimes>): CpuTimes {
  return {
    user: a.user + (d.user ?? 0),
    nice: a.nice + (d.nice ?? 0),
    sys: a.sys + (d.sys ?? 0),
    idle: a.idle + (d.idle ?? 0),
    irq: a.irq + (d.irq ?? 0),
  };
}

const base = t(14320, 12880, 319810);

Deno.test("cpu: two cores, one half busy → 25 %", () => {
  const prev = [base, base];
  const next = [plus(base, { user: 300, sys: 200, idle: 500 }), plus(base, { idle: 1000 })];
  assert.equal(cpuBusyPercent(prev, next, 1000), 25);
});

Deno.test("cpu: nice and irq count as busy", () => {
  const prev = [base];
  const next = [plus(base, { nice: 100, irq: 100, idle: 800 })];
  assert.equal(cpuBusyPercent(prev, next, 1000), 20);
});

Deno.test("cpu: parked cores with no idle ticks do not inflate the figure", () => {
  // 2 performance cores 90 % busy; 2 parked cores whose counters did not move at all
  const prev = [base, base, base, base];
  const next = [
    plus(base, { user: 900, idle: 100 }),
    plus(base, { user: 900, idle: 100 }),
    base,
    base,
  ];
  // naive Σbusy / Σ(busy+idle) would be 1800 / 2000 = 90 %
  assert.equal(cpuBusyPercent(prev, next, 1000), 45);
  // a parked core that logged a little idle only
  const next2 = [...next.slice(0, 3), plus(base, { idle: 40 })];
  assert.equal(cpuBusyPercent(prev, next2, 1000), 45);
});

Deno.test("cpu: tick totals above the wall-clock window use the tick total", () => {
  // 100 Hz ticks: a 1000 ms window may show 1010 ms of ticks on a core
  const prev = [base];
  const next = [plus(base, { user: 505, idle: 505 })];
  assert.equal(cpuBusyPercent(prev, next, 1000), 50);
});

Deno.test("cpu: fully busy machine is 100, idle machine is 0", () => {
  const prev = [base, base];
  assert.equal(
    cpuBusyPercent(prev, [plus(base, { user: 1000 }), plus(base, { sys: 1000 })], 1000),
    100,
  );
  assert.equal(
    cpuBusyPercent(prev, [plus(base, { idle: 1000 }), plus(base, { idle: 1000 })], 1000),
    0,
  );
  assert.equal(cpuBusyPercent(prev, prev, 1000), 0);
});

Deno.test("cpu: unusable input gives null", () => {
  const one = [plus(base, { user: 10, idle: 990 })];
  assert.equal(cpuBusyPercent([base, base], one, 1000), null, "core count changed");
  assert.equal(cpuBusyPercent([], [], 1000), null, "no cores");
  assert.equal(cpuBusyPercent([base], one, 0), null, "elapsed 0");
  assert.equal(cpuBusyPercent([base], one, -5), null, "elapsed negative");
  assert.equal(cpuBusyPercent([base], one, NaN), null, "elapsed NaN");
  assert.equal(cpuBusyPercent([base], one, Infinity), null, "elapsed infinite");
  assert.equal(cpuBusyPercent([base], [{ ...base, user: NaN }], 1000), null, "NaN time");
  assert.equal(cpuBusyPercent([{ ...base, idle: Infinity }], [base], 1000), null, "infinite time");
});

Deno.test("cpu: a counter going backwards counts as a 0 delta for that field", () => {
  const prev = [base, base];
  const next = [
    { ...plus(base, { user: 500, idle: 500 }), sys: 0 }, // sys reset to 0
    plus(base, { idle: 1000 }),
  ];
  assert.equal(cpuBusyPercent(prev, next, 1000), 25);
});

Deno.test("cpu: each core's figure over the same window, parked cores floored alike", () => {
  const prev = [base, base, base, base];
  const next = [
    plus(base, { user: 600, sys: 300, idle: 100 }), // 90 %
    plus(base, { nice: 100, irq: 100, idle: 800 }), // 20 %
    base, // parked: no ticks at all → idle for the whole window
    plus(base, { user: 505, idle: 505 }), // ticks past the window: its own total
  ];
  const figures = cpuBusy(prev, next, 1000);
  assert.deepEqual(figures?.cores, [90, 20, 0, 50]);
  // The machine's figure is the same Σ busy / Σ denominators as cpuBusyPercent's.
  assert.equal(figures?.busy, (100 * (900 + 200 + 0 + 505)) / (1000 + 1000 + 1000 + 1010));
  assert.equal(figures?.busy, cpuBusyPercent(prev, next, 1000));
  assert.equal(cpuBusy([base, base], [base], 1000), null, "core count changed");
  assert.equal(cpuBusy([base], [{ ...base, sys: NaN }], 1000), null, "NaN time");
});

Deno.test({
  name: "cpu: real node:os cpus() while a busy loop runs in a subprocess reads > 20 %",
  async fn() {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", "const e = Date.now() + 1500; while (Date.now() < e) {}"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      // let the child start and enter its loop, then measure well inside its 1.5 s
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      const before = cpus().map((c) => c.times);
      await new Promise((r) => setTimeout(r, 800));
      const after = cpus().map((c) => c.times);
      const elapsed = performance.now() - t0;
      const busy = cpuBusyPercent(before, after, elapsed);
      assert.ok(busy !== null, "busy percent computed");
      // one core is saturated by the child: ≈ 100 / cores (50 % on this 2-core machine);
      // the bar is 20 % here, lowered on machines with more than 2 cores
      const bar = Math.min(20, 40 / after.length);
      assert.ok(busy > bar, `busy ${busy?.toFixed(1)} % on ${after.length} cores`);
      assert.ok(busy <= 100);
    } finally {
      await child.status;
    }
  },
});
