/**
 * Property-based tests of the momentum state machine: outputs stay in range for
 * any inputs and clock steps, classification is monotone, a constant input
 * converges to its colour's targets, and easing composes over any split.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  classify,
  DEFAULT_MOMENTUM_CONFIG,
  easingFraction,
  initialMomentum,
  MomentumColor,
  type MomentumConfig,
  type MomentumInput,
  type MomentumState,
  type MomentumThresholds,
  stepMomentum,
} from "../../src/momentum/momentum.ts";
import { uniform } from "../support/fuzz.ts";

const colorArb = fc.constantFrom<MomentumColor>(0, 1, 2);

/** Percentages of every kind: NaN, ±Infinity, negatives, > 100, and values at the thresholds. */
const percentArb = fc.oneof(
  fc.double(),
  uniform(-10, 110),
  fc.constantFrom(55, 60, 80, 85, 90, 100, 0, -0).chain((t) =>
    fc.constantFrom(t, t - 1e-9, t + 1e-9, t - 5, t + 5)
  ),
  fc.constantFrom(NaN, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324),
);

const inputArb: fc.Arbitrary<MomentumInput> = fc.record({ cpu: percentArb, memory: percentArb });

/** Elapsed times: 0, negative, NaN, ±Infinity, huge, subnormal, and ordinary ticks. */
const elapsedArb = fc.oneof(
  fc.double(),
  uniform(0, 2000),
  fc.constantFrom(0, -0, 40, -40, NaN, Infinity, -Infinity, 1e308, 5e-324, 1e-300),
);

const targetArb = fc.record({
  intensity: fc.oneof(uniform(-2, 5), uniform(-1e6, 1e6)),
  rotationSpeed: fc.oneof(uniform(-2, 5), uniform(-1e6, 1e6)),
});

/** Configs: the design's, and random ones (targets in any order, any easing constant). */
const configArb: fc.Arbitrary<MomentumConfig> = fc.oneof(
  fc.constant(DEFAULT_MOMENTUM_CONFIG),
  fc.record({
    thresholds: fc.record({
      activeCpu: uniform(-10, 110),
      activeMemory: uniform(-10, 110),
      criticalCpu: uniform(-10, 110),
      criticalMemory: uniform(-10, 110),
      hysteresis: uniform(0, 50),
    }),
    targets: fc.tuple(targetArb, targetArb, targetArb),
    easingMs: fc.oneof(fc.double(), uniform(1, 1000)),
  }),
);

function bounds(config: MomentumConfig, key: "intensity" | "rotationSpeed"): [number, number] {
  const values = config.targets.map((t) => t[key]);
  return [Math.min(...values), Math.max(...values)];
}

/** A start state inside the config's range, or with non-finite values (which snap to a target). */
function stateArb(config: MomentumConfig): fc.Arbitrary<MomentumState> {
  const [iMin, iMax] = bounds(config, "intensity");
  const [rMin, rMax] = bounds(config, "rotationSpeed");
  const within = (min: number, max: number) =>
    fc.oneof(
      uniform(min, max),
      fc.double({ min, max, noNaN: true }),
      fc.constantFrom(min, max, NaN, Infinity, -Infinity),
    );
  return fc.oneof(
    fc.constant(initialMomentum(config)),
    fc.record({
      color: colorArb,
      intensity: within(iMin, iMax),
      rotationSpeed: within(rMin, rMax),
    }),
  );
}

/** A config, a start state drawn for it, and `more`: the shape of every stepping property. */
function configured<T>(more: fc.Arbitrary<T>): fc.Arbitrary<[MomentumConfig, MomentumState, T]> {
  return configArb.chain((config) => fc.tuple(fc.constant(config), stateArb(config), more));
}

Deno.test("fuzz momentum: any inputs and clock steps keep colour, intensity and speed in range", () => {
  fc.assert(
    fc.property(
      configured(fc.array(fc.tuple(inputArb, elapsedArb), { maxLength: 40 })),
      ([config, start, steps]) => {
        const [iMin, iMax] = bounds(config, "intensity");
        const [rMin, rMax] = bounds(config, "rotationSpeed");
        let state = start;
        for (const [input, elapsed] of steps) {
          state = stepMomentum(state, input, elapsed, config);
          assert.ok([0, 1, 2].includes(state.color), `colour ${state.color}`);
          assert.ok(
            Number.isFinite(state.intensity) && state.intensity >= iMin && state.intensity <= iMax,
            `intensity ${state.intensity} outside [${iMin}, ${iMax}]`,
          );
          assert.ok(
            Number.isFinite(state.rotationSpeed) && state.rotationSpeed >= rMin &&
              state.rotationSpeed <= rMax,
            `rotationSpeed ${state.rotationSpeed} outside [${rMin}, ${rMax}]`,
          );
        }
      },
    ),
    { seed: 0x30e01, numRuns: 5000 },
  );
});

const thresholdsArb: fc.Arbitrary<MomentumThresholds> = fc.oneof(
  fc.constant(DEFAULT_MOMENTUM_CONFIG.thresholds),
  fc.record({
    activeCpu: uniform(-10, 110),
    activeMemory: uniform(-10, 110),
    criticalCpu: uniform(-10, 110),
    criticalMemory: uniform(-10, 110),
    hysteresis: uniform(0, 50),
  }),
);

const notNaN = fc.oneof(
  fc.double({ noNaN: true }),
  uniform(-10, 110),
  fc.constantFrom(55, 60, 80, 85, 90, 100, 0, -0, Infinity, -Infinity),
);

Deno.test("fuzz momentum: classify is monotone in both inputs; NaN counts as 0", () => {
  fc.assert(
    fc.property(
      colorArb,
      thresholdsArb,
      notNaN,
      notNaN,
      notNaN,
      notNaN,
      (current, thresholds, a, b, c, d) => {
        const low = { cpu: Math.min(a, b), memory: Math.min(c, d) };
        const high = { cpu: Math.max(a, b), memory: Math.max(c, d) };
        const lowLevel = classify(current, low, thresholds);
        const highLevel = classify(current, high, thresholds);
        assert.ok(highLevel >= lowLevel, `${JSON.stringify(high)} → ${highLevel} < ${lowLevel}`);
        // raising one input alone is monotone too
        assert.ok(classify(current, { cpu: high.cpu, memory: low.memory }, thresholds) >= lowLevel);
        assert.ok(classify(current, { cpu: low.cpu, memory: high.memory }, thresholds) >= lowLevel);
        // NaN reads as 0
        assert.equal(
          classify(current, { cpu: NaN, memory: high.memory }, thresholds),
          classify(current, { cpu: 0, memory: high.memory }, thresholds),
        );
        assert.equal(
          classify(current, { cpu: high.cpu, memory: NaN }, thresholds),
          classify(current, { cpu: high.cpu, memory: 0 }, thresholds),
        );
        // hysteresis only keeps a level already shown: between the fresh level and the current
        const fresh = classify(MomentumColor.Idle, high, thresholds);
        assert.ok(highLevel >= fresh && highLevel <= Math.max(current, fresh));
      },
    ),
    { seed: 0x30e02, numRuns: 10000 },
  );
});

Deno.test("fuzz momentum: a constant input settles on one colour and converges to its targets", () => {
  fc.assert(
    fc.property(
      configured(fc.tuple(inputArb, fc.array(elapsedArb, { minLength: 1, maxLength: 40 }))),
      ([config, start, [input, elapsed]]) => {
        const color = classify(start.color, input, config.thresholds);
        const target = config.targets[color];
        const distance = (s: MomentumState) =>
          Math.max(
            Math.abs(s.intensity - target.intensity),
            Math.abs(s.rotationSpeed - target.rotationSpeed),
          );
        let state = start;
        let total = 0;
        let previous = Number.isFinite(start.intensity) && Number.isFinite(start.rotationSpeed)
          ? distance(start)
          : Infinity;
        const initial = previous;
        const scale = Math.max(1, ...config.targets.map((t) => Math.abs(t.intensity)));
        const speedScale = Math.max(1, ...config.targets.map((t) => Math.abs(t.rotationSpeed)));
        const slack = 1e-12 * Math.max(scale, speedScale);
        for (const e of elapsed) {
          state = stepMomentum(state, input, e, config);
          assert.equal(state.color, color, "the colour is settled after the first step");
          const now = distance(state);
          assert.ok(now <= previous + slack, `distance grew: ${previous} → ${now}`);
          previous = now;
          if (e > 0) total += e;
        }
        // exponential decay: what is left after `total` ms is at most e^(-total/τ) of the start
        if (Number.isFinite(initial)) {
          const left = 1 - easingFraction(total, config.easingMs);
          assert.ok(
            previous <= initial * left + slack * elapsed.length,
            `left ${previous}, bound ${initial * left}`,
          );
        }
        // and one more infinitely long step lands exactly on the targets
        const settled = stepMomentum(state, input, Infinity, config);
        assert.equal(settled.intensity, target.intensity);
        assert.equal(settled.rotationSpeed, target.rotationSpeed);
      },
    ),
    { seed: 0x30e03, numRuns: 4000 },
  );
});

/** Non-negative interval pieces of every size (0, subnormal, ordinary, huge, Infinity). */
const pieceArb = fc.oneof(
  uniform(0, 1000),
  fc.double({ min: 0, noNaN: true }),
  fc.constantFrom(0, 5e-324, 1e-12, 1e308, Infinity),
);
const easingMsArb = fc.oneof(
  uniform(1, 2000),
  fc.double(),
  fc.constantFrom(300, 0, -1, NaN, Infinity, 5e-324),
);

Deno.test("fuzz momentum: easing over a split interval equals easing over the whole", () => {
  fc.assert(
    fc.property(
      fc.array(pieceArb, { minLength: 1, maxLength: 8 }),
      easingMsArb,
      (pieces, easingMs) => {
        const whole = pieces.reduce((a, b) => a + b, 0);
        // A sum that overflows to Infinity is not the length of the interval any more.
        fc.pre(Number.isFinite(whole) || pieces.includes(Infinity));
        const remaining = pieces.reduce((left, p) => left * (1 - easingFraction(p, easingMs)), 1);
        const split = 1 - remaining;
        const once = easingFraction(whole, easingMs);
        assert.ok(once >= 0 && once <= 1, `fraction ${once}`);
        assert.ok(Math.abs(split - once) <= 1e-9, `split ${split} vs whole ${once}`);
      },
    ),
    { seed: 0x30e04, numRuns: 10000 },
  );
});

Deno.test("fuzz momentum: two steps of a and b reach the state one step of a + b does", () => {
  fc.assert(
    fc.property(
      configured(fc.tuple(inputArb, pieceArb, pieceArb)),
      ([config, start, [input, a, b]]) => {
        fc.pre(Number.isFinite(a + b) || a === Infinity || b === Infinity);
        // Settle the colour first: the split property is about easing toward one target.
        const from = { ...start, color: classify(start.color, input, config.thresholds) };
        const twice = stepMomentum(stepMomentum(from, input, a, config), input, b, config);
        const once = stepMomentum(from, input, a + b, config);
        const tolerance = 1e-9 *
          Math.max(
            1,
            ...config.targets.flatMap((t) => [t.intensity, t.rotationSpeed].map(Math.abs)),
          );
        assert.equal(twice.color, once.color);
        assert.ok(Math.abs(twice.intensity - once.intensity) <= tolerance, "intensity");
        assert.ok(Math.abs(twice.rotationSpeed - once.rotationSpeed) <= tolerance, "speed");
      },
    ),
    { seed: 0x30e05, numRuns: 6000 },
  );
});
