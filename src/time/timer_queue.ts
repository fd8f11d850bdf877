/**
 * One-shot timers kept in a queue of our own, over as few of the runtime's timers as can
 * serve them. Deno wakes the process when a timer's time comes even if it was cleared, and
 * such a wake costs as much CPU as one that runs a callback. Most of the daemon's and the
 * exporter's timers are deadlines that are cleared long before they are due (a tool's kill
 * timeout, the wait for a request's readings, a scrape's wait for its frame): armed one by
 * one, each would wake the process once more, for nothing. Here a runtime timer is armed only
 * for the earliest deadline still wanted, and only at the end of the current turn (a timer
 * set and cleared, or moved, in one turn arms nothing); a later deadline rides on it and
 * arms its own when it becomes the earliest.
 *
 * When no timer is left, the runtime's are cleared, so the queue never keeps a process alive.
 *
 * @module
 */

/** The runtime's timers, as the queue uses them. */
export interface RuntimeTimers {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Calls `fn` once, `ms` from now; returns a handle for `clear`. */
  set(fn: () => void, ms: number): unknown;
  /** Cancels a handle from `set`. */
  clear(handle: unknown): void;
  /** Runs `fn` once the current synchronous work is done (a microtask). */
  defer(fn: () => void): void;
}

/** A timer of the queue: pass it to {@linkcode TimerQueue.cancel}. */
export interface QueuedTimer {
  readonly dueMs: number;
  readonly order: number;
  fn: (() => void) | null;
}

/** A runtime timer armed by the queue. */
interface Armed {
  atMs: number;
  handle: unknown;
}

/** Cancelled timers the heap may hold before it is rebuilt without them. */
const MAX_CANCELLED = 64;

/** One-shot timers on as few runtime timers as can serve them. */
export class TimerQueue {
  readonly #runtime: RuntimeTimers;
  /** A binary min-heap by due time, then by order of setting; cancelled ones have no `fn`. */
  #heap: QueuedTimer[] = [];
  #cancelled = 0;
  #order = 0;
  #armed: Armed[] = [];
  #syncQueued = false;

  /** A queue over `runtime`'s timers. */
  constructor(runtime: RuntimeTimers) {
    this.#runtime = runtime;
  }

  /** Timers set and neither fired nor cancelled. */
  get size(): number {
    return this.#heap.length - this.#cancelled;
  }

  /** Entries the queue holds, cancelled ones not yet dropped included. */
  get held(): number {
    return this.#heap.length;
  }

  /** Runtime timers armed now. */
  get armed(): number {
    return this.#armed.length;
  }

  /** Calls `fn` once, `ms` from now. */
  set(fn: () => void, ms: number): QueuedTimer {
    const timer = { dueMs: this.#runtime.now() + Math.max(0, ms), order: this.#order++, fn };
    this.#push(timer);
    this.#queueSync();
    return timer;
  }

  /** Cancels `timer`; a fired or cancelled one is ignored. */
  cancel(timer: QueuedTimer): void {
    if (timer.fn === null) return;
    timer.fn = null;
    this.#cancelled++;
    if (this.#cancelled > MAX_CANCELLED && this.#cancelled * 2 > this.#heap.length) {
      this.#heap = this.#heap.filter((t) => t.fn !== null);
      this.#cancelled = 0;
      for (let i = (this.#heap.length >> 1) - 1; i >= 0; i--) this.#down(i);
    }
    this.#queueSync();
  }

  #queueSync(): void {
    if (this.#syncQueued) return;
    this.#syncQueued = true;
    this.#runtime.defer(() => {
      this.#syncQueued = false;
      this.#sync();
    });
  }

  /** Arm a runtime timer for the earliest timer unless one armed wakes by then; none if empty. */
  #sync(): void {
    this.#dropCancelledHead();
    const next = this.#heap[0];
    if (next === undefined) {
      for (const armed of this.#armed) this.#runtime.clear(armed.handle);
      this.#armed = [];
      return;
    }
    if (this.#armed.some((a) => a.atMs <= next.dueMs)) return;
    const armed: Armed = { atMs: next.dueMs, handle: undefined };
    armed.handle = this.#runtime.set(
      () => this.#fire(armed),
      Math.max(0, Math.ceil(next.dueMs - this.#runtime.now())),
    );
    this.#armed.push(armed);
  }

  #fire(armed: Armed): void {
    this.#armed = this.#armed.filter((a) => a !== armed);
    const now = this.#runtime.now();
    for (;;) {
      this.#dropCancelledHead();
      const timer = this.#heap[0];
      if (timer === undefined || timer.dueMs > now) break;
      this.#pop();
      const fn = timer.fn!;
      timer.fn = null;
      try {
        fn();
      } catch (error) {
        reportError(error); // as a throwing runtime timer callback would, without skipping others
      }
    }
    this.#sync();
  }

  #dropCancelledHead(): void {
    while (this.#heap.length > 0 && this.#heap[0].fn === null) {
      this.#pop();
      this.#cancelled--;
    }
  }

  #before(a: QueuedTimer, b: QueuedTimer): boolean {
    return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.order < b.order);
  }

  #push(timer: QueuedTimer): void {
    const heap = this.#heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    this.#down(0);
  }

  #down(start: number): void {
    const heap = this.#heap;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && this.#before(heap[left], heap[least])) least = left;
      if (right < heap.length && this.#before(heap[right], heap[least])) least = right;
      if (least === i) return;
      [heap[i], heap[least]] = [heap[least], heap[i]];
      i = least;
    }
  }
}
