/**
 * Polled and streamed sources on a virtual clock: when reads and retries run is
 * decided by the schedule they are given, exactly and without waiting.
 */
import assert from "node:assert/strict";
import { polledSource, type Readings } from "../../src/metrics/source.ts";
import { Schedule } from "../../src/time/schedule.ts";
import { VirtualClock } from "../support/virtual_clock.ts";

/** A polled source whose reads succeed or fail as `outcomes` says, on a virtual clock. */
function scripted(outcomes: boolean[]) {
  const clock = new VirtualClock(0);
  const schedule = new Schedule(clock);
  schedule.driveWithTimer(true);
  const reads: number[] = [];
  const source = polledSource("memory", () => {
    reads.push(clock.now());
    if (outcomes[reads.length - 1] === false) throw new Error(`read ${reads.length} failed`);
    return { memoryUsage: reads.length };
  });
  const emitted: Readings[] = [];
  const failures: string[] = [];
  const sink = {
    emit: (r: Readings) => void emitted.push(r),
    fail: (e: Error) => void failures.push(e.message),
  };
  return { clock, schedule, source, reads, emitted, failures, sink };
}

Deno.test("polled source: reads at once, then on the interval's grid", async () => {
  const { clock, schedule, source, reads, sink } = scripted([]);
  source.start(1000, sink, schedule);
  await clock.advance(3500);
  assert.deepEqual(reads, [0, 1000, 2000, 3000]);
  await source.stop();
  assert.equal(clock.pending, 0, "stop leaves no task and no timer");
});

Deno.test("polled source: failures retry after 2, 4, 8 intervals; a success resets", async () => {
  const { clock, schedule, source, reads, failures, emitted, sink } = scripted([
    true,
    false,
    false,
    false,
    true,
    true,
    false,
    true,
  ]);
  source.start(100, sink, schedule);
  await clock.advance(2000);
  // read 2 fails at 100: retry 200 later (300), then 400 later (700), then 800 later (1500)
  // where it succeeds; the next read is one interval later; read 7 fails again: 200 later.
  assert.deepEqual(reads.slice(0, 8), [0, 100, 300, 700, 1500, 1600, 1700, 1900]);
  assert.equal(failures.length, 4);
  assert.equal(emitted.length, reads.length - 4);
  await source.stop();
});

Deno.test("polled source: a new cadence applies at once; the backoff is capped at a minute", async () => {
  const { clock, schedule, source, reads, sink } = scripted(Array(20).fill(false));
  source.start(10_000, sink, schedule);
  await clock.advance(600_000);
  const gaps = reads.slice(1).map((t, i) => t - reads[i]);
  assert.deepEqual(gaps.slice(0, 4), [20_000, 40_000, 60_000, 60_000]);
  const before = reads.length;
  source.start(500, sink, schedule); // a client arrives: the next read is at once
  await clock.advance(1);
  assert.equal(reads.length, before + 1);
  assert.equal(reads.at(-1), 600_000);
  await source.stop();
});
