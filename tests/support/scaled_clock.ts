/**
 * A {@linkcode Clock} that runs `factor` times faster than real time: a minute of cadences,
 * route checks and stall limits passes in a fraction of one, while the children the sources
 * start are real processes taking real time.
 *
 * @module
 */

import type { Clock, Timer } from "../../src/time/clock.ts";

/** Real time × `factor`, starting at 0; timers fire after their delay ÷ `factor`. */
export function scaledClock(factor: number): Clock {
  const origin = performance.now();
  return {
    now: () => (performance.now() - origin) * factor,
    setTimeout: (fn, ms) => setTimeout(fn, ms / factor),
    setInterval: (fn, ms) => setInterval(fn, ms / factor),
    clear: (timer: Timer | undefined) =>
      clearTimeout(timer as ReturnType<typeof setTimeout> | undefined),
  };
}
