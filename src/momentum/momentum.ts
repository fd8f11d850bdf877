/**
 * The momentum state machine: turns cpu and memory percentages into the colour,
 * intensity and rotation speed of the UI's animated border.
 *
 * Pure functions only. The colour follows thresholds with hysteresis (a state is
 * left only some points below its entry threshold, so a value hovering at a
 * threshold does not flicker); intensity and rotation speed ease toward the
 * colour's targets with a time constant that does not depend on the tick rate.
 *
 * @example
 * ```ts
 * import { initialMomentum, stepMomentum } from "./momentum.ts";
 * let m = initialMomentum();
 * m = stepMomentum(m, { cpu: 95, memory: 40 }, 40); // 40 ms later at 25 Hz
 * m.color; // MomentumColor.Critical
 * ```
 *
 * @module
 */

/** Momentum colours; the numbers are the wire values of the schema's `MomentumColor`. */
export const MomentumColor = { Idle: 0, Active: 1, Critical: 2 } as const;
/** One of the {@linkcode MomentumColor} values. */
export type MomentumColor = typeof MomentumColor[keyof typeof MomentumColor];

/** Human names of the colours, indexed by wire value. */
export const MOMENTUM_COLOR_NAMES = ["idle", "active", "critical"] as const;

/** Entry thresholds (percent; a state is entered when a value is strictly above) and hysteresis. */
export interface MomentumThresholds {
  /** cpu percent above which the state is at least active. */
  activeCpu: number;
  /** memory percent above which the state is at least active. */
  activeMemory: number;
  /** cpu percent above which the state is critical. */
  criticalCpu: number;
  /** memory percent above which the state is critical. */
  criticalMemory: number;
  /** Points below its entry threshold a value must fall before a state is left. */
  hysteresis: number;
}

/** What a colour animates toward. */
export interface MomentumTarget {
  /** Border intensity, 0–1. */
  intensity: number;
  /** Border rotation speed, turns per second. */
  rotationSpeed: number;
}

/** Everything that shapes momentum; {@linkcode DEFAULT_MOMENTUM_CONFIG} holds the design's values. */
export interface MomentumConfig {
  /** Colour thresholds. */
  thresholds: MomentumThresholds;
  /** Targets per colour, indexed by {@linkcode MomentumColor}. */
  targets: readonly [MomentumTarget, MomentumTarget, MomentumTarget];
  /** Easing time constant in ms: after this long, 63 % of the way to the target is covered. */
  easingMs: number;
}

/** The design's defaults: critical above 90 % cpu or 85 % memory, active above 60 % / 60 %. */
export const DEFAULT_MOMENTUM_CONFIG: MomentumConfig = Object.freeze({
  thresholds: Object.freeze({
    activeCpu: 60,
    activeMemory: 60,
    criticalCpu: 90,
    criticalMemory: 85,
    hysteresis: 5,
  }),
  targets: Object.freeze([
    Object.freeze({ intensity: 0.3, rotationSpeed: 0.5 }),
    Object.freeze({ intensity: 0.7, rotationSpeed: 1.5 }),
    Object.freeze({ intensity: 1.0, rotationSpeed: 3.0 }),
  ]) as MomentumConfig["targets"],
  easingMs: 300,
});

/** The animation state carried from one tick to the next and put on the wire. */
export interface MomentumState {
  /** Current colour (with hysteresis). */
  readonly color: MomentumColor;
  /** Eased intensity, 0–1. */
  readonly intensity: number;
  /** Eased rotation speed, turns per second. */
  readonly rotationSpeed: number;
}

/** The inputs momentum looks at, in percent 0–100. */
export interface MomentumInput {
  /** Whole-machine cpu busy percent. */
  cpu: number;
  /** Memory used percent. */
  memory: number;
}

/** The resting state: idle, already at the idle targets. */
export function initialMomentum(config: MomentumConfig = DEFAULT_MOMENTUM_CONFIG): MomentumState {
  const target = config.targets[MomentumColor.Idle];
  return {
    color: MomentumColor.Idle,
    intensity: target.intensity,
    rotationSpeed: target.rotationSpeed,
  };
}

/** A percentage made safe: NaN counts as 0, everything is clamped to 0–100. */
function toPercent(value: number): number {
  if (Number.isNaN(value)) return 0;
  return Math.min(100, Math.max(0, value));
}

/**
 * The colour for these inputs, given the colour currently shown. A level the
 * machine is already at (or above) is kept until both values fall `hysteresis`
 * points below that level's entry thresholds.
 */
export function classify(
  current: MomentumColor,
  input: MomentumInput,
  thresholds: MomentumThresholds = DEFAULT_MOMENTUM_CONFIG.thresholds,
): MomentumColor {
  const cpu = toPercent(input.cpu);
  const memory = toPercent(input.memory);
  const holds = (level: MomentumColor, cpuEntry: number, memoryEntry: number): boolean => {
    const slack = current >= level ? thresholds.hysteresis : 0;
    return cpu > cpuEntry - slack || memory > memoryEntry - slack;
  };
  if (holds(MomentumColor.Critical, thresholds.criticalCpu, thresholds.criticalMemory)) {
    return MomentumColor.Critical;
  }
  if (holds(MomentumColor.Active, thresholds.activeCpu, thresholds.activeMemory)) {
    return MomentumColor.Active;
  }
  return MomentumColor.Idle;
}

/**
 * The fraction of the remaining distance covered in `elapsedMs` by exponential
 * easing with time constant `easingMs`. Composes exactly: two steps of `t/2`
 * cover the same distance as one step of `t`, whatever the tick rate.
 */
export function easingFraction(elapsedMs: number, easingMs: number): number {
  if (!(elapsedMs > 0)) return 0; // also NaN and negative (a clock that went backwards)
  if (!(easingMs > 0) || elapsedMs === Infinity) return 1;
  return 1 - Math.exp(-elapsedMs / easingMs);
}

/**
 * Advance momentum by one tick: pick the colour for `input`, then ease intensity
 * and rotation speed toward that colour's targets over `elapsedMs`.
 */
export function stepMomentum(
  previous: MomentumState,
  input: MomentumInput,
  elapsedMs: number,
  config: MomentumConfig = DEFAULT_MOMENTUM_CONFIG,
): MomentumState {
  const color = classify(previous.color, input, config.thresholds);
  const target = config.targets[color];
  const k = easingFraction(elapsedMs, config.easingMs);
  return {
    color,
    intensity: ease(previous.intensity, target.intensity, k),
    rotationSpeed: ease(previous.rotationSpeed, target.rotationSpeed, k),
  };
}

/** Move `from` the fraction `k` of the way to `to`; a non-finite `from` snaps to `to`. */
function ease(from: number, to: number, k: number): number {
  if (!Number.isFinite(from)) return to;
  return k === 1 ? to : from + (to - from) * k;
}

/**
 * Whether the step from `previous` to `next` changed nothing: momentum has reached
 * its colour's targets (to the last bit), so another step with the same input gives
 * the same colour and, on the float32 wire, the same values. The daemon skips the step
 * then, until the input changes.
 */
export function isSettled(previous: MomentumState, next: MomentumState): boolean {
  return next.color === previous.color && next.intensity === previous.intensity &&
    next.rotationSpeed === previous.rotationSpeed;
}
