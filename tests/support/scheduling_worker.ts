/**
 * The worker of `scheduling.ts`: told a thread (`PID/task/TID`), reads its run-queue wait
 * every few milliseconds until told to stop; then takes one more sample, posts them all
 * (`[epoch ms, queued ms]`, the epoch so that another thread can compare them with wall-clock
 * times) and closes. A sample it cannot read (no schedstat, the thread gone) is skipped.
 *
 * @module
 */
/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />

const PERIOD_MS = 5;
const samples: [number, number][] = [];
let path = "";
let timer: ReturnType<typeof setInterval> | undefined;

function sample(): void {
  try {
    // "time on a CPU (ns) time runnable but waiting for one (ns) timeslices"
    const queuedNs = Number(Deno.readTextFileSync(path).split(" ")[1]);
    samples.push([performance.timeOrigin + performance.now(), queuedNs / 1e6]);
  } catch {
    // no schedstat here, or the thread has gone: no sample
  }
}

self.onmessage = (event: MessageEvent<string>) => {
  if (event.data !== "stop") {
    path = `/proc/${event.data}/schedstat`;
    sample();
    timer = setInterval(sample, PERIOD_MS);
    return;
  }
  clearInterval(timer);
  sample(); // a last one, after all that the caller measured
  self.postMessage(samples);
  self.close();
};
