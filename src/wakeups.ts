/**
 * Shared wake-ups. Waking an idle process costs more than the small jobs most of
 * its timers run (BENCHMARKS.md has the figure), so periodic work that can wait a
 * little runs inside a wake-up that happens anyway. Each task has an earliest time and some slack:
 * while frames flow, the 25 Hz tick calls {@linkcode Wakeups.runDue} and the
 * sampler's reads and the socket check cost no wake-up of their own, nor any
 * timer (see {@linkcode Wakeups.pulse}: creating a timer costs more than most
 * tasks here); without ticks, tasks whose windows overlap share one timer.
 *
 * @module
 */

interface Task {
  earliest: number;
  latest: number;
  fn: () => void;
}

/** One-shot tasks, each run once anywhere between its earliest and latest time. */
export class Wakeups {
  readonly #tasks = new Set<Task>();
  /** No task is due before this (a lower bound: a cancelled task may have set it). */
  #earliest = Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #pulseMs = Infinity;

  /**
   * Run `fn` once, no earlier than `earliest` (a `performance.now()` time): at the
   * first {@linkcode runDue} from then on, or on a timer at `earliest + slackMs`
   * if no other wake-up comes first. Returns a function that cancels it.
   */
  at(earliest: number, slackMs: number, fn: () => void): () => void {
    const task: Task = { earliest, latest: earliest + Math.max(0, slackMs), fn };
    this.#tasks.add(task);
    if (earliest < this.#earliest) this.#earliest = earliest;
    if (!this.#pulseReaches(task) && task.latest < this.#timerAt) this.#arm(task.latest);
    return () => {
      if (this.#tasks.delete(task) && task.latest === this.#timerAt) this.#arm(this.#nextLatest());
    };
  }

  /**
   * Run `fn` about every `intervalMs`, each run up to `slackMs` late to share a
   * wake-up. Runs stay on the interval's grid (a late run does not push the next
   * one back); after a freeze the missed runs are skipped, not made up. Returns a
   * function that stops it.
   */
  every(intervalMs: number, slackMs: number, fn: () => void): () => void {
    let due = performance.now() + intervalMs;
    let cancel: () => void;
    const run = () => {
      const now = performance.now();
      due += intervalMs;
      if (due < now) due = now + intervalMs;
      cancel = this.at(due, slackMs, run);
      fn();
    };
    cancel = this.at(due, slackMs, run);
    return () => cancel();
  }

  /** Run every task whose earliest time has come. Call it from wake-ups that happen anyway. */
  runDue(now: number = performance.now()): void {
    if (now < this.#earliest) return; // most ticks: nothing is due, and nothing is scanned
    const due: Task[] = [];
    let next = Infinity;
    for (const task of this.#tasks) {
      if (task.earliest <= now) due.push(task);
      else if (task.earliest < next) next = task.earliest;
    }
    this.#earliest = next; // before the tasks run: those they add lower it again
    if (due.length === 0) return; // only after a cancel: the bound was the cancelled task's
    for (const task of due) this.#tasks.delete(task);
    this.#arm(this.#nextLatest());
    for (const task of due) {
      try {
        task.fn();
      } catch (error) {
        reportError(error); // as a throwing timer callback would, without skipping the others
      }
    }
  }

  /**
   * Declare that {@linkcode runDue} is called about every `periodMs` (a steady tick), or
   * `Infinity` once it no longer is. Meanwhile a task whose slack exceeds the period by a
   * quarter arms no timer: the next tick runs it within its window. Tasks with less slack
   * keep their timers; ending the pulse arms one for the others.
   */
  pulse(periodMs: number): void {
    this.#pulseMs = periodMs;
    this.#arm(this.#nextLatest());
  }

  /** Tasks waiting to run. */
  get size(): number {
    return this.#tasks.size;
  }

  #pulseReaches(task: Task): boolean {
    return task.latest - task.earliest >= this.#pulseMs * 1.25;
  }

  #nextLatest(): number {
    let next = Infinity;
    for (const task of this.#tasks) {
      if (task.latest < next && !this.#pulseReaches(task)) next = task.latest;
    }
    return next;
  }

  #arm(at: number): void {
    if (at === this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = at === Infinity ? undefined : setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.runDue();
      // Fired a fraction early (timer rounding): wait for the rest rather than spin.
      if (this.#timer === undefined) this.#arm(this.#nextLatest());
    }, Math.max(0, Math.ceil(at - performance.now())));
  }
}

/** The process's shared wake-ups: the sampler's sources and the daemon's checks use these. */
export const sharedWakeups: Wakeups = new Wakeups();
