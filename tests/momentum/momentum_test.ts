import assert from "node:assert/strict";
import fc from "fast-check";
import {
  classify,
  DEFAULT_MOMENTUM_CONFIG,
  easingFraction,
  initialMomentum,
  isSettled,
  MomentumColor,
  type MomentumConfig,
  type MomentumState,
  stepMomentum,
} from "../../src/momentum/momentum.ts";

const { Idle, Active, Critical } = MomentumColor;

Deno.test("design boundaries from idle: strictly above 60/60 is active, above 90/85 critical", () => {
  const cases: [number, number, number][] = [
    [0, 0, Idle],
    [60, 60, Idle],
    [60.01, 0, Active],
    [0, 60.01, Active],
    [90, 85, Active],
    [90.01, 0, Critical],
    [0, 85.01, Critical],
    [100, 100, Critical],
  ];
  for (const [cpu, memory, expected] of cases) {
    assert.equal(classify(Idle, { cpu, memory }), expected, `cpu ${cpu} memory ${memory}`);
  }
});

Deno.test("hysteresis: critical is kept until cpu ≤ 85 and memory ≤ 80", () => {
  assert.equal(classify(Critical, { cpu: 86, memory: 0 }), Critical);
  assert.equal(classify(Critical, { cpu: 85, memory: 0 }), Active);
  assert.equal(classify(Critical, { cpu: 0, memory: 81 }), Critical);
  assert.equal(classify(Critical, { cpu: 0, memory: 80 }), Active);
  assert.equal(
    classify(Critical, { cpu: 10, memory: 10 }),
    Idle,
    "a big drop goes straight to idle",
  );
});

Deno.test("hysteresis: active is kept until both fall to 55, but not entered below 60", () => {
  assert.equal(classify(Active, { cpu: 56, memory: 0 }), Active);
  assert.equal(classify(Active, { cpu: 55, memory: 55 }), Idle);
  assert.equal(classify(Idle, { cpu: 58, memory: 58 }), Idle);
  assert.equal(classify(Active, { cpu: 88, memory: 0 }), Active, "critical still needs > 90");
});

Deno.test("a value hovering at a threshold does not flicker", () => {
  let color: MomentumColor = Idle;
  const seen: MomentumColor[] = [];
  for (let i = 0; i < 200; i++) {
    const cpu = 60 + 2 * Math.sin(i / 3); // 58..62 around the active threshold
    color = classify(color, { cpu, memory: 0 });
    seen.push(color);
  }
  const changes = seen.filter((c, i) => i > 0 && c !== seen[i - 1]).length;
  assert.equal(changes, 1, "enters active once and stays");
  assert.equal(seen.at(-1), Active);
});

Deno.test("thresholds are configurable", () => {
  const thresholds = {
    activeCpu: 20,
    activeMemory: 30,
    criticalCpu: 40,
    criticalMemory: 50,
    hysteresis: 0,
  };
  assert.equal(classify(Idle, { cpu: 25, memory: 0 }, thresholds), Active);
  assert.equal(classify(Idle, { cpu: 0, memory: 51 }, thresholds), Critical);
  assert.equal(classify(Critical, { cpu: 39, memory: 0 }, thresholds), Active, "no hysteresis");
});

Deno.test("NaN and infinite inputs are treated as 0 and 100", () => {
  assert.equal(classify(Idle, { cpu: NaN, memory: NaN }), Idle);
  assert.equal(classify(Idle, { cpu: Infinity, memory: 0 }), Critical);
  assert.equal(classify(Critical, { cpu: -Infinity, memory: NaN }), Idle);
});

Deno.test("easing: one tick of 300 ms covers 1 − 1/e of the distance", () => {
  const next = stepMomentum(initialMomentum(), { cpu: 95, memory: 0 }, 300);
  assert.equal(next.color, Critical);
  const k = 1 - Math.exp(-1);
  assert.ok(Math.abs(next.intensity - (0.3 + 0.7 * k)) < 1e-12);
  assert.ok(Math.abs(next.rotationSpeed - (0.5 + 2.5 * k)) < 1e-12);
});

function run(rateHz: number, durationMs: number, input = { cpu: 95, memory: 0 }): MomentumState {
  let m = initialMomentum();
  const ticks = Math.round((durationMs * rateHz) / 1000);
  for (let i = 0; i < ticks; i++) m = stepMomentum(m, input, 1000 / rateHz);
  return m;
}

Deno.test("easing is independent of the tick rate", () => {
  const at25 = run(25, 600);
  for (const rate of [10, 50, 60, 100, 120]) {
    const other = run(rate, 600);
    assert.ok(Math.abs(other.intensity - at25.intensity) < 1e-9, `intensity at ${rate} Hz`);
    assert.ok(Math.abs(other.rotationSpeed - at25.rotationSpeed) < 1e-9, `rotation at ${rate} Hz`);
  }
  const oneStep = stepMomentum(initialMomentum(), { cpu: 95, memory: 0 }, 600);
  assert.ok(
    Math.abs(oneStep.intensity - at25.intensity) < 1e-9,
    "one 600 ms step = fifteen 40 ms steps",
  );
});

Deno.test("easing converges to the colour's targets and never overshoots", () => {
  let m = initialMomentum();
  let last = m.intensity;
  for (let i = 0; i < 200; i++) {
    m = stepMomentum(m, { cpu: 70, memory: 0 }, 40);
    assert.ok(m.intensity >= last && m.intensity <= 0.7 + 1e-12);
    last = m.intensity;
  }
  assert.ok(Math.abs(m.intensity - 0.7) < 1e-6);
  assert.ok(Math.abs(m.rotationSpeed - 1.5) < 1e-6);
  assert.equal(m.color, Active);
});

Deno.test("a zero, negative or NaN interval changes nothing; an infinite one snaps", () => {
  const m: MomentumState = { color: Idle, intensity: 0.3, rotationSpeed: 0.5 };
  for (const dt of [0, -40, NaN]) {
    const next = stepMomentum(m, { cpu: 95, memory: 0 }, dt);
    assert.equal(next.intensity, 0.3);
    assert.equal(next.color, Critical, "the colour itself changes at once");
  }
  const snapped = stepMomentum(m, { cpu: 95, memory: 0 }, Infinity);
  assert.equal(snapped.intensity, 1);
  assert.equal(snapped.rotationSpeed, 3);
  assert.equal(easingFraction(1e9, 300), 1);
});

Deno.test("a corrupt previous state recovers to the target", () => {
  const next = stepMomentum({ color: Idle, intensity: NaN, rotationSpeed: Infinity }, {
    cpu: 0,
    memory: 0,
  }, 40);
  assert.equal(next.intensity, 0.3);
  assert.equal(next.rotationSpeed, 0.5);
});

Deno.test("targets and time constant are configurable", () => {
  const config: MomentumConfig = {
    ...DEFAULT_MOMENTUM_CONFIG,
    targets: [
      { intensity: 0, rotationSpeed: 0 },
      { intensity: 0.5, rotationSpeed: 1 },
      { intensity: 0.9, rotationSpeed: 9 },
    ],
    easingMs: 0,
  };
  assert.deepEqual(initialMomentum(config), { color: Idle, intensity: 0, rotationSpeed: 0 });
  assert.deepEqual(stepMomentum(initialMomentum(config), { cpu: 99, memory: 0 }, 1, config), {
    color: Critical,
    intensity: 0.9,
    rotationSpeed: 9,
  });
});

Deno.test("the defaults are the design's values", () => {
  assert.deepEqual(DEFAULT_MOMENTUM_CONFIG.targets, [
    { intensity: 0.3, rotationSpeed: 0.5 },
    { intensity: 0.7, rotationSpeed: 1.5 },
    { intensity: 1.0, rotationSpeed: 3.0 },
  ]);
  assert.equal(DEFAULT_MOMENTUM_CONFIG.easingMs, 300);
  assert.deepEqual(initialMomentum(), { color: Idle, intensity: 0.3, rotationSpeed: 0.5 });
});

Deno.test("a settled state stays put: stepping it again with the same input, any elapsed time, changes nothing on the wire", () => {
  const f32 = (
    m: MomentumState,
  ) => [m.color, Math.fround(m.intensity), Math.fround(m.rotationSpeed)];
  const percent = fc.double({ min: 0, max: 100, noNaN: true });
  fc.assert(
    fc.property(
      fc.constantFrom(Idle, Active, Critical),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 3, noNaN: true }),
      fc.record({ cpu: percent, memory: percent }),
      fc.double({ min: 1, max: 200, noNaN: true }),
      fc.double({ min: 0.001, max: 60_000, noNaN: true }),
      (color, intensity, rotationSpeed, input, tickMs, laterMs) => {
        let state: MomentumState = { color, intensity, rotationSpeed };
        for (let i = 0; i < 20_000; i++) {
          const next = stepMomentum(state, input, tickMs);
          if (isSettled(state, next)) {
            assert.deepEqual(f32(stepMomentum(next, input, laterMs)), f32(next));
            return;
          }
          state = next;
        }
        assert.fail(`not settled after 20 000 steps of ${tickMs} ms`);
      },
    ),
    { seed: 20261127, numRuns: 300 },
  );
  const resting = initialMomentum();
  assert.ok(isSettled(resting, stepMomentum(resting, { cpu: 3, memory: 40 }, 40)), "idle at rest");
  const easing = stepMomentum(resting, { cpu: 95, memory: 40 }, 40);
  assert.ok(!isSettled(resting, easing), "a new colour is not settled");
  assert.ok(!isSettled(easing, stepMomentum(easing, { cpu: 95, memory: 40 }, 40)), "still easing");
});
