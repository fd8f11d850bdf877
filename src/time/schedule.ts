/**
 * Work due at given times, run only when {@linkcode Schedule.runDue} is called.
 * The schedule itself is driven in one of two ways, never both: while frames
 * flow, the daemon's tick calls `runDue` on every tick and no task has a timer of
 * its own; while nothing ticks, the schedule keeps exactly one timer armed for
 * its earliest task ({@linkcode Schedule.driveWithTimer}). So the process wakes
 * up for the tick, or for the next task, and for nothing else.
 *
 * A task runs at the first `runDue` at or after its due time: under the tick that
 * is up to a tick period late, which every periodic task here can afford. A task may also
 * allow some slack: it runs at the first `runDue` after its due time, but the schedule's own
 * timer waits for it only until its due time plus the slack, so while nothing ticks it runs
 * with whatever else wakes the process (as a kernel's timer slack coalesces wake-ups).
 *
 * @example
 * ```ts
 * import { Schedule } from "./schedule.ts";
 * import { systemClock } from "./clock.ts";
 * const schedule = new Schedule(systemClock);
 * const stop = schedule.every(1000, () => console.log("a second"));
 * schedule.driveWithTimer(true); // nothing ticks yet: one timer runs the tasks
 * stop();
 * schedule.driveWithTimer(false);
 * ```
 *
 * @module
 */

import type { Clock, Timer } from "./clock.ts";

interface Task {
  /** Cancelled: a batch that has taken it as due skips it. */
  cancelled?: boolean;
  dueMs: number;
  /** Its due time plus its slack: the latest the schedule's own timer lets it wait. */
  latestMs: number;
  fn: () => void;
}

/** One-shot and periodic tasks on a {@linkcode Clock}, run by whoever calls `runDue`. */
export class Schedule {
  readonly #clock: Clock;
  readonly #tasks = new Set<Task>();
  /** No task is due before this (a lower bound: a cancelled task may have set it). */
  #earliestMs = Infinity;
  #timerDriven = false;
  #timer: Timer | undefined;
  #timerAtMs = Infinity;

  /** An empty schedule on `clock`, driven by nobody until told. */
  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** A schedule that runs its tasks on its own timer: for work no tick drives. */
  static timerDriven(clock: Clock): Schedule {
    const schedule = new Schedule(clock);
    schedule.driveWithTimer(true);
    return schedule;
  }

  /** The clock the schedule reads. */
  get clock(): Clock {
    return this.#clock;
  }

  /** Tasks waiting to run. */
  get size(): number {
    return this.#tasks.size;
  }

  /**
   * Run `fn` once at or after `dueMs` (a time on the clock), by `dueMs + slackMs` at the
   * latest while the schedule drives itself. Returns a function that cancels it.
   */
  at(dueMs: number, fn: () => void, slackMs = 0): () => void {
    const latestMs = dueMs + slackMs;
    const task: Task = { dueMs, latestMs, fn };
    this.#tasks.add(task);
    if (dueMs < this.#earliestMs) this.#earliestMs = dueMs;
    if (this.#timerDriven && latestMs < this.#timerAtMs) this.#arm(latestMs);
    return () => {
      task.cancelled = true;
      // The timer was for this task: move it to the next one, or leave none behind.
      if (this.#tasks.delete(task) && this.#timerDriven && latestMs === this.#timerAtMs) {
        this.#arm(this.#nextDueMs());
      }
    };
  }

  /**
   * Run `fn` every `intervalMs`, first one interval from now. Runs keep to the
   * interval's grid (a late run does not push the next one back); after a freeze
   * the missed runs are skipped, not made up. Each run may wait `slackMs` for another wake-up
   * (see {@linkcode Schedule.at}). Returns a function that stops it.
   */
  every(intervalMs: number, fn: () => void, slackMs = 0): () => void {
    let dueMs = this.#clock.now() + intervalMs;
    let cancel: () => void;
    const run = () => {
      const now = this.#clock.now();
      dueMs += intervalMs;
      if (dueMs <= now) dueMs = now + intervalMs;
      cancel = this.at(dueMs, run, slackMs);
      fn();
    };
    cancel = this.at(dueMs, run, slackMs);
    return () => cancel();
  }

  /** Run every task whose time has come (in due order), then return. */
  runDue(nowMs: number = this.#clock.now()): void {
    if (nowMs < this.#earliestMs) return; // most ticks: nothing is due, nothing is scanned
    const due: Task[] = [];
    let next = Infinity;
    for (const task of this.#tasks) {
      if (task.dueMs <= nowMs) due.push(task);
      else if (task.dueMs < next) next = task.dueMs;
    }
    this.#earliestMs = next; // before the tasks run: those they add lower it again
    due.sort((a, b) => a.dueMs - b.dueMs);
    for (const task of due) this.#tasks.delete(task);
    for (const task of due) {
      if (task.cancelled) continue; // by a task that ran before it in this batch
      try {
        task.fn();
      } catch (error) {
        reportError(error); // as a throwing timer callback would, without skipping the others
      }
    }
  }

  /**
   * Whether the schedule keeps its own timer for the earliest task (true: nothing else
   * calls `runDue`) or leaves that to a tick (false). Switching off clears the timer.
   */
  driveWithTimer(on: boolean): void {
    this.#timerDriven = on;
    if (on) this.#arm(this.#nextDueMs());
    else this.#arm(Infinity);
  }

  /** When the timer must wake next: the earliest of the tasks' latest times. */
  #nextDueMs(): number {
    let next = Infinity;
    for (const task of this.#tasks) if (task.latestMs < next) next = task.latestMs;
    return next;
  }

  #arm(atMs: number): void {
    this.#clock.clear(this.#timer);
    this.#timer = undefined;
    this.#timerAtMs = atMs;
    if (atMs === Infinity) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAtMs = Infinity;
      this.runDue();
      if (this.#timerDriven) this.#arm(this.#nextDueMs());
    }, Math.max(0, Math.ceil(atMs - this.#clock.now())));
  }
}
