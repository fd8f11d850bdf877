/**
 * A schedule on the system clock that runs its tasks on its own timer, for tests
 * that start a source without a daemon's tick.
 *
 * @module
 */

import { systemClock } from "../../src/time/clock.ts";
import { Schedule } from "../../src/time/schedule.ts";

/** A timer-driven schedule on the real clock; it leaves no timer once its tasks are gone. */
export function timerSchedule(): Schedule {
  return Schedule.timerDriven(systemClock);
}
