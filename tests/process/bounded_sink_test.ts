import assert from "node:assert/strict";
import { BoundedSink, drainSinks } from "../../src/process/bounded_sink.ts";
import { LineChild } from "../../src/process/line_child.ts";
import { runCommand } from "../../src/process/run.ts";

/** A byte stream (readable with a BYOB reader) that yields `chunks`, then ends unless `open`. */
function byteStream(chunks: Uint8Array[], open = false): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      if (next < chunks.length) controller.enqueue(chunks[next++].slice());
      else if (!open) {
        controller.close();
        controller.byobRequest?.respond(0);
      }
    },
  });
}

Deno.test("BoundedSink: keeps at most `keep` bytes and counts every byte read", async () => {
  const text = "abcdefghij".repeat(1000);
  const bytes = new TextEncoder().encode(text);
  const chunks = [bytes.subarray(0, 3000), bytes.subarray(3000, 9000), bytes.subarray(9000)];
  let seen = 0;
  const sink = new BoundedSink(byteStream(chunks), 25, 4096, (chunk) => {
    assert.ok(chunk.length <= 4096, `piece of ${chunk.length} bytes`);
    seen += chunk.length;
  });
  await sink.done;
  assert.equal(sink.total, bytes.length);
  assert.equal(seen, bytes.length);
  assert.equal(sink.text(), text.slice(0, 25));
});

Deno.test("BoundedSink: keep 0 keeps nothing; cancel ends the reading", async () => {
  const sink = new BoundedSink(byteStream([new Uint8Array(10)], true), 0, 64, (_chunk, s) => {
    s.cancel();
  });
  await sink.done;
  assert.equal(sink.total, 10);
  assert.equal(sink.text(), "");
});

Deno.test("drainSinks: a stream still open after the drain is cancelled", async () => {
  const open = new BoundedSink(byteStream([new TextEncoder().encode("held\n")], true), 100, 64);
  const closed = new BoundedSink(byteStream([new TextEncoder().encode("done\n")]), 100, 64);
  const t0 = performance.now();
  await drainSinks([open, closed]);
  const took = performance.now() - t0;
  assert.ok(took >= 190 && took < 1000, `took ${took} ms`);
  assert.equal(open.text(), "held\n");
  assert.equal(closed.text(), "done\n");
});

Deno.test({
  name: "runCommand and LineChild: output spanning many reads of the reused buffer is intact",
  fn: async () => {
    // `seq` writes ~340 KiB in 4 KiB pipe writes, so it reaches us in many reads of the one
    // read buffer; the kept text and the lines must not show bytes of a later read.
    const expected = Array.from({ length: 60_000 }, (_, i) => String(i + 1));
    const r = await runCommand("/usr/bin/seq", ["60000"]);
    assert.equal(r.stdout, expected.join("\n") + "\n");

    const lines: string[] = [];
    let done!: () => void;
    const all = new Promise<void>((resolve) => done = resolve);
    const child = new LineChild({
      path: "/usr/bin/seq",
      args: ["60000"],
      onLine: (line) => {
        lines.push(line);
        if (lines.length === expected.length) done();
      },
      onError: () => {},
    });
    child.start();
    await all;
    await child.stop();
    assert.deepEqual(lines.slice(0, expected.length), expected);
  },
});
