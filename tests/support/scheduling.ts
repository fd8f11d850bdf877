/**
 * How long the kernel kept a thread waiting for a CPU while a test ran: Linux counts, per
 * thread, the time it spent runnable but not running (the second field of
 * `/proc/PID/task/TID/schedstat`, in ns). A worker thread samples that counter for a
 * daemon's main thread (its event loop) every few milliseconds. A test that bounds the gaps
 * between a daemon's frames takes out of each gap the time the daemon's own thread queued for
 * a CPU during it: what remains is what the daemon's code spent (running, or blocked), so the
 * bound holds on a loaded machine as on an idle one, and a daemon whose event loop starves or
 * blocks still exceeds it by far.
 *
 * @module
 */

import assert from "node:assert/strict";

/** One reading of the counter: when (epoch ms), and the total time queued so far (ms). */
export interface QueuedSample {
  /** Wall-clock time of the reading (ms since the epoch, sub-ms resolution). */
  at: number;
  /** Time the thread had spent runnable but waiting for a CPU, in total (ms). */
  queuedMs: number;
}

/** Samples a thread's run-queue wait from a worker, from {@linkcode RunQueueWatch.start} on. */
export class RunQueueWatch {
  readonly #worker: Worker;
  readonly #report: Promise<QueuedSample[]>;
  #stopped: Promise<QueuedSample[]> | null = null;

  private constructor(thread: string) {
    this.#worker = new Worker(new URL("./scheduling_worker.ts", import.meta.url), {
      type: "module",
    });
    this.#report = new Promise((resolve) => {
      this.#worker.onmessage = (event: MessageEvent<[number, number][]>) =>
        resolve(event.data.map(([at, queuedMs]) => ({ at, queuedMs })));
    });
    this.#worker.postMessage(thread);
  }

  /** Starts sampling the main thread of process `pid`: a `deno run` program's JS thread. */
  static start(pid: number): RunQueueWatch {
    return new RunQueueWatch(`${pid}/task/${pid}`);
  }

  /** Starts sampling the thread calling this: under `deno test`, not the main thread. */
  static thisThread(): RunQueueWatch {
    return new RunQueueWatch(Deno.readLinkSync("/proc/thread-self"));
  }

  /** Stops sampling (once; safe to call again); resolves to every sample, in order. */
  stop(): Promise<QueuedSample[]> {
    this.#stopped ??= (async () => {
      this.#worker.postMessage("stop");
      const samples = await this.#report;
      this.#worker.terminate();
      return samples;
    })();
    return this.#stopped;
  }
}

/**
 * The time the sampled thread queued for a CPU between the epoch times `from` and `to` (ms):
 * from the last sample at or before `from` to the first at or after `to`, so at least the true
 * figure when samples bracket the span (the kernel adds a wait when the thread gets its CPU).
 */
export function queuedWithin(samples: readonly QueuedSample[], from: number, to: number): number {
  const before = samples.findLast((s) => s.at <= from) ?? samples[0];
  const after = samples.find((s) => s.at >= to) ?? samples.at(-1);
  return before && after ? Math.max(0, after.queuedMs - before.queuedMs) : 0;
}

/**
 * Asserts that no gap between consecutive frames sent at `sentAt` (epoch ms, the daemon's
 * `sent_at_us`) lasts `budgetMs` or more once the time the daemon's thread queued for a CPU
 * during it is taken out; a gap that ends after the last sample (taken when the watch stops)
 * is not judged. Returns, for notes, the worst gap so judged and the longest gap.
 */
export function assertGapsWithin(
  sentAt: readonly number[],
  budgetMs: number,
  samples: readonly QueuedSample[],
): { gapMs: number; queuedMs: number; longestMs: number } {
  assert.ok(samples.length > 1, "no run-queue samples: is /proc/PID/task/TID/schedstat there?");
  let worst = { gapMs: 0, queuedMs: 0 };
  let longestMs = 0;
  const lastSample = samples.at(-1)!.at;
  for (let i = 1; i < sentAt.length && sentAt[i] <= lastSample; i++) {
    const gapMs = sentAt[i] - sentAt[i - 1];
    longestMs = Math.max(longestMs, gapMs);
    const queuedMs = Math.min(gapMs, queuedWithin(samples, sentAt[i - 1], sentAt[i]));
    if (gapMs - queuedMs > worst.gapMs - worst.queuedMs) worst = { gapMs, queuedMs };
  }
  assert.ok(
    worst.gapMs - worst.queuedMs < budgetMs,
    `a ${worst.gapMs.toFixed(0)} ms gap between frames, of which the daemon's thread queued ` +
      `for a CPU ${worst.queuedMs.toFixed(0)} ms: its own ${
        (worst.gapMs - worst.queuedMs).toFixed(0)
      } ms exceed ${budgetMs} ms`,
  );
  return { ...worst, longestMs };
}
