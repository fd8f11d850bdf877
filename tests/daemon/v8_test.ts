/**
 * The daemon's periodic collections on a virtual clock, over a runtime whose memory figures
 * the test sets: a collection returns freed heap pages to the OS only when the process holds
 * more beyond its heap than at its lowest, and once for memory that stays. A burst in a real V8
 * under the daemon's flags is the last test; the daemon's figures after bursts of real
 * clients are in the scale benchmark (bench/scale.ts).
 */
import assert from "node:assert/strict";
import {
  DAEMON_V8_FLAGS,
  type GcRuntime,
  IDLE_GROWTH_MARGIN_BYTES,
  RETAINED_MARGIN_BYTES,
  scheduleCollections,
} from "../../src/daemon/v8.ts";
import { Schedule } from "../../src/time/schedule.ts";
import { VirtualClock } from "../support/virtual_clock.ts";

const MiB = 1024 * 1024;

/** A runtime whose memory is what the test says, before and after each kind of collection. */
function scriptedRuntime(rssMiB: number, heapMiB: number) {
  const calls: string[] = [];
  // The old generation: the heap but for a young generation of 1 MiB, unless the test says.
  const state = { rss: rssMiB * MiB, heapTotal: heapMiB * MiB, old: (heapMiB - 1) * MiB };
  const set = (rss: number, heap: number, old = heap - 1) => {
    state.rss = rss * MiB;
    state.heapTotal = heap * MiB;
    state.old = old * MiB;
  };
  /** What the next collection leaves, and what a reducing one after it leaves. */
  let afterCollect: [number, number] | null = null;
  let afterReduce: [number, number] | null = null;
  const runtime: GcRuntime = {
    collect: () => {
      calls.push("collect");
      if (afterCollect) set(...afterCollect);
    },
    reduce: () => {
      calls.push("reduce");
      if (afterReduce) set(...afterReduce);
    },
    memory: () => ({ rss: state.rss, heapTotal: state.heapTotal }),
    oldGeneration: () => state.old,
  };
  return {
    runtime,
    calls,
    /** The process grows by itself between collections. */
    grow: (rss: number, heap: number, old?: number) => set(rss, heap, old),
    next(collect: [number, number], reduce: [number, number] | null = null) {
      afterCollect = collect;
      afterReduce = reduce;
    },
  };
}

Deno.test("collections return freed heap pages after a burst, once, and not while steady", async () => {
  const clock = new VirtualClock(0);
  const schedule = new Schedule(clock);
  schedule.driveWithTimer(true);
  // At start: 60 MiB resident, 10 MiB of it heap: 50 MiB beyond the heap.
  const r = scriptedRuntime(60, 10);
  const collections = scheduleCollections(schedule, 60_000, r.runtime);
  try {
    // Steady streaming: a little native growth, within the margin.
    r.next([62, 9]);
    await clock.advance(60_000);
    assert.deepEqual(r.calls, ["collect"]);
    // A burst has gone: the collection frees its heap but the pages stay resident.
    r.next([175, 15], [72, 8]);
    await clock.advance(60_000);
    assert.deepEqual(r.calls, ["collect", "collect", "reduce"]);
    assert.equal(collections.reduced, 1);
    // What the reducing collection could not return (native memory) raises the floor.
    r.next([72, 8]);
    await clock.advance(60_000);
    r.next([72 + (RETAINED_MARGIN_BYTES / MiB) - 1, 8]);
    await clock.advance(60_000);
    assert.deepEqual(r.calls.slice(3), ["collect", "collect"], "within the margin of the floor");
    // A burst whose memory cannot be returned: one reducing collection, then none.
    r.next([170, 10], [169, 10]);
    await clock.advance(60_000);
    await clock.advance(60_000);
    assert.deepEqual(r.calls.slice(5), ["collect", "reduce", "collect"]);
    assert.equal(collections.reduced, 2);
  } finally {
    collections.stop();
  }
  assert.equal(clock.pending, 0, "no timer left");
});

Deno.test("a burst before the first collection counts against the level at start", async () => {
  const clock = new VirtualClock(0);
  const schedule = new Schedule(clock);
  schedule.driveWithTimer(true);
  const r = scriptedRuntime(60, 10);
  const collections = scheduleCollections(schedule, 60_000, r.runtime);
  try {
    r.next([175, 15], [70, 8]);
    await clock.advance(60_000);
    assert.deepEqual(r.calls, ["collect", "reduce"]);
  } finally {
    collections.stop();
  }
});

Deno.test("with nobody streaming and the old generation flat, due collections are skipped", async () => {
  const clock = new VirtualClock(0);
  const schedule = new Schedule(clock);
  schedule.driveWithTimer(true);
  const r = scriptedRuntime(60, 10);
  let streamed = -Infinity; // when a client last streamed
  const collections = scheduleCollections(schedule, 60_000, r.runtime, () => streamed);
  try {
    r.next([60, 10]);
    await clock.advance(60_000);
    assert.deepEqual(r.calls, ["collect"], "the first collection always runs");
    await clock.advance(120_000);
    assert.deepEqual(r.calls, ["collect"], "nobody streamed, the heap is as the last one left it");
    assert.equal(collections.skipped, 2);
    r.grow(60.5, 10.5, 9); // the young generation grows with each request's garbage: flat
    await clock.advance(60_000);
    assert.deepEqual(r.calls, ["collect"], "only the young generation grew");
    r.grow(60.75, 10.75, 9 + IDLE_GROWTH_MARGIN_BYTES / MiB); // requests promote a little
    await clock.advance(60_000);
    assert.deepEqual(r.calls, ["collect"], "the old generation grew within the margin");
    assert.equal(collections.skipped, 4);
    r.grow(61, 11, 9.25 + IDLE_GROWTH_MARGIN_BYTES / MiB); // one page beyond it
    await clock.advance(60_000);
    assert.deepEqual(r.calls, ["collect", "collect"], "the heap grew");
    // A burst of clients comes and goes between two collections: the next one runs and
    // returns the burst's pages, the one after that is skipped.
    await clock.advance(30_000);
    streamed = clock.now();
    r.grow(175, 15);
    r.next([175, 15], [72, 10]);
    await clock.advance(30_000);
    assert.deepEqual(r.calls.slice(2), ["collect", "reduce"]);
    await clock.advance(60_000);
    assert.deepEqual(r.calls.slice(4), [], "nobody since, heap flat");
    // While a client streams, every collection runs.
    streamed = Infinity;
    r.next([72, 10]);
    await clock.advance(120_000);
    assert.deepEqual(r.calls.slice(4), ["collect", "collect"]);
    assert.equal(collections.skipped, 5);
  } finally {
    collections.stop();
  }
});

Deno.test("collections: off at interval 0, unavailable without the runtime's gc", () => {
  const schedule = new Schedule(new VirtualClock(0));
  const r = scriptedRuntime(60, 10);
  assert.equal(scheduleCollections(schedule, 0, r.runtime).state, "off");
  assert.equal(
    scheduleCollections(schedule, 60_000, null).state,
    "unavailable (run with --v8-flags=--expose-gc)",
  );
  assert.deepEqual(r.calls, []);
});

Deno.test("under the daemon's V8 flags, the reducing collection returns a burst's heap pages", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      `--v8-flags=${DAEMON_V8_FLAGS.join(",")}`,
      new URL("../support/heap_burst.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const { start, collected, reduced } = JSON.parse(new TextDecoder().decode(out.stdout));
  const shown = `beyond the heap: ${start.toFixed(1)} MiB at start, ${
    collected.toFixed(1)
  } after a regular collection, ${reduced.toFixed(1)} after the reducing one`;
  // The regular collection frees the burst's objects but keeps their pages resident; the
  // reducing one gives back all of those pages (what stays is the allocator's own memory).
  assert.ok(collected - start > 100, `the burst left little to return: ${shown}`);
  assert.ok(collected - reduced >= 0.75 * (collected - start), shown);
});
