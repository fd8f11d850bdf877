/**
 * A child for the collections test, run under the daemon's V8 flags: fills the JS heap with
 * about 100 MiB of short-lived objects, drops them, and prints as JSON the memory the
 * process holds beyond its heap (RSS − heapTotal, MiB) at the start, after the runtime's
 * regular full collection and after its memory-reducing one (src/daemon/v8.ts).
 *
 * @example
 * ```sh
 * deno run --v8-flags=--expose-gc,--single-threaded tests/support/heap_burst.ts
 * ```
 *
 * @module
 */

import { v8Runtime } from "../../src/daemon/v8.ts";

const runtime = v8Runtime();
if (runtime === null) throw new Error("run with --v8-flags=--expose-gc");
const beyondHeapMiB = () => {
  const { rss, heapTotal } = runtime.memory();
  return (rss - heapTotal) / 1048576;
};
runtime.collect();
const start = beyondHeapMiB();
let burst: unknown[] = [];
for (let i = 0; i < 1_000_000; i++) burst.push({ i, list: [i, i], text: `client ${i}` });
burst = [];
runtime.collect();
const collected = beyondHeapMiB();
runtime.reduce();
console.log(JSON.stringify({ start, collected, reduced: beyondHeapMiB(), kept: burst.length }));
