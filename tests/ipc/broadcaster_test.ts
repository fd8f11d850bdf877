/**
 * The broadcaster over hand-driven connections: the tests decide when each write is taken and
 * what each read returns, and pass the stall clock's times, so nothing here waits on real time.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { Broadcaster, type BroadcasterOptions } from "../../src/ipc/broadcaster.ts";
import { FakeConn, settle } from "../support/fake_conn.ts";
import { concatBytes } from "../../src/bytes.ts";

const STALL_MS = 5000;

function broadcaster(options: Partial<BroadcasterOptions> = {}): Broadcaster {
  return new Broadcaster({ stallTimeoutMs: STALL_MS, maxClients: 8, ...options });
}

/** A frame of `length` bytes, each `fill`: distinct frames are told apart by their bytes. */
function frameOf(fill: number, length = 8): Uint8Array {
  return new Uint8Array(length).fill(fill);
}

Deno.test("a new client is sent the current frame at once", async () => {
  const b = broadcaster();
  const conn = new FakeConn();
  assert.equal(b.add(conn, frameOf(1)), true);
  conn.take();
  await settle();
  assert.deepEqual(conn.received, frameOf(1));
  assert.equal(b.stats().framesSent, 1);
  await b.closeAll();
});

Deno.test("latest wins: a slow client gets only the newest pending frame", async () => {
  const b = broadcaster();
  const slow = new FakeConn();
  b.add(slow, null);
  b.publish(frameOf(1), 0);
  b.publish(frameOf(2), 40);
  b.publish(frameOf(3), 80);
  b.publish(frameOf(4), 120);
  assert.equal(slow.writes.length, 1, "one write in flight while the others wait");
  assert.equal(b.stats().framesDropped, 2, "2 and 3 were replaced");
  slow.take();
  await settle();
  slow.take();
  await settle();
  assert.deepEqual(slow.received, concatBytes([frameOf(1), frameOf(4)]));
  assert.equal(b.stats().framesSent, 2);
  assert.equal(slow.writes.length, 0, "nothing left to write");
  await b.closeAll();
});

Deno.test("a slow client does not hold back a fast one", async () => {
  const b = broadcaster();
  const [slow, fast] = [new FakeConn(), new FakeConn()];
  b.add(slow, null);
  b.add(fast, null);
  for (let i = 1; i <= 5; i++) {
    b.publish(frameOf(i), i * 40);
    fast.take();
    await settle();
  }
  assert.deepEqual(fast.received, concatBytes([1, 2, 3, 4, 5].map((i) => frameOf(i))));
  assert.equal(slow.writes.length, 1);
  slow.take();
  await settle();
  slow.take();
  await settle();
  assert.deepEqual(slow.received, concatBytes([frameOf(1), frameOf(5)]));
  await b.closeAll();
});

Deno.test("partial writes are completed before the next frame", async () => {
  const b = broadcaster();
  const conn = new FakeConn();
  b.add(conn, null);
  const first = Uint8Array.from({ length: 10 }, (_, i) => i);
  b.publish(first, 0);
  conn.take(3);
  await settle();
  b.publish(frameOf(0xaa, 4), 40); // pending until the rest of `first` is taken
  conn.take(0);
  await settle();
  conn.take(4);
  await settle();
  assert.equal(b.stats().framesSent, 0, "no frame is complete yet");
  conn.take();
  await settle();
  conn.take();
  await settle();
  assert.deepEqual(conn.writeSizes, [10, 7, 7, 3, 4], "each write is what is still unsent");
  assert.deepEqual(conn.received, concatBytes([first, frameOf(0xaa, 4)]));
  assert.equal(b.stats().framesSent, 2);
  assert.equal(b.stats().framesDropped, 0);
  await b.closeAll();
});

Deno.test("any schedule of publishes and partial writes: whole frames, in order, one write in flight", async () => {
  const step = fc.oneof(
    fc.record({ publish: fc.integer({ min: 1, max: 40 }) }),
    fc.record({ take: fc.integer({ min: 0, max: 50 }) }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(step, { maxLength: 60 }), async (steps) => {
      const b = broadcaster();
      const conn = new FakeConn();
      b.add(conn, null);
      const published: Uint8Array[] = [];
      for (const s of steps) {
        if ("publish" in s) {
          const frame = frameOf(published.length % 256, s.publish);
          published.push(frame);
          b.publish(frame, 0);
        } else if (conn.writes.length > 0) {
          conn.take(s.take);
        }
        await settle();
      }
      while (conn.writes.length > 0) {
        conn.take();
        await settle();
      }
      assert.ok(conn.maxInFlight <= 1, `${conn.maxInFlight} writes in flight at once`);
      // The peer read whole frames, each published one in order, ending with the newest.
      const sent: Uint8Array[] = [];
      let at = 0;
      for (const frame of published) {
        const here = conn.received.subarray(at, at + frame.length);
        if (here.length === frame.length && here.every((v, i) => v === frame[i])) {
          sent.push(frame);
          at += frame.length;
        }
      }
      assert.equal(at, conn.received.length, "the stream is whole published frames");
      assert.equal(sent.at(-1), published.at(-1), "the newest frame arrives");
      const stats = b.stats();
      assert.equal(stats.framesSent, sent.length);
      assert.equal(stats.framesSent + stats.framesDropped, published.length);
      await b.closeAll();
    }),
    { seed: 0xb40ad, numRuns: 100 },
  );
});

Deno.test("a stalled write closes that client only, after the stall timeout", async () => {
  const b = broadcaster();
  const [stuck, healthy] = [new FakeConn(), new FakeConn()];
  b.add(stuck, null);
  b.add(healthy, null);
  b.publish(frameOf(1), 1000);
  healthy.take();
  await settle();
  b.closeStalled(1000 + STALL_MS);
  assert.equal(b.size, 2, "not past the timeout yet");
  b.forgiveStalls(3000);
  b.closeStalled(1001 + STALL_MS);
  assert.equal(b.size, 2, "a forgiven stall restarts its clock");
  b.closeStalled(3001 + STALL_MS);
  assert.equal(stuck.closed, true);
  assert.equal(healthy.closed, false);
  assert.equal(b.size, 1);
  assert.equal(b.stats().stalled, 1);
  b.publish(frameOf(2), 9000);
  healthy.take();
  await settle();
  assert.deepEqual(healthy.received, concatBytes([frameOf(1), frameOf(2)]));
  stuck.failWrite(); // the close makes the write in flight fail
  await settle();
  assert.equal(b.size, 1);
  await b.closeAll();
});

Deno.test("the client limit refuses, closes and counts", async () => {
  const b = broadcaster({ maxClients: 2 });
  const conns = [new FakeConn(), new FakeConn(), new FakeConn(), new FakeConn()];
  assert.deepEqual(conns.map((c) => b.add(c, frameOf(1))), [true, true, false, false]);
  assert.deepEqual(conns.map((c) => c.closed), [false, false, true, true]);
  assert.deepEqual(conns.map((c) => c.writeSizes.length), [1, 1, 0, 0]);
  assert.equal(b.size, 2);
  assert.equal(b.stats().refused, 2);
  conns[0].take();
  conns[1].take();
  await b.closeAll();
});

Deno.test("a half-closed client keeps receiving and counts against the limit", async () => {
  const b = broadcaster({ maxClients: 1 });
  const halfClosed = new FakeConn();
  b.add(halfClosed, null);
  halfClosed.end();
  await settle();
  assert.deepEqual(halfClosed.writeSizes, [0], "an empty write asks whether it still reads");
  assert.equal(b.add(new FakeConn(), null), false, "an ended stream still holds its place");
  halfClosed.take();
  await settle();
  b.publish(frameOf(1), 0);
  halfClosed.take();
  await settle();
  b.publish(frameOf(2), 40);
  halfClosed.take();
  await settle();
  assert.deepEqual(halfClosed.received, concatBytes([frameOf(1), frameOf(2)]));
  assert.equal(halfClosed.closed, false, "writable after its stream ended: it only half-closed");
  assert.equal(b.add(new FakeConn(), null), false, "it still counts");
  assert.equal(b.size, 1);
  assert.equal(b.stats().refused, 2);
  assert.equal(b.stats().framesSent, 2, "the empty write is not counted as a frame");
  await b.closeAll();
});

Deno.test("a client whose stream ended and whose empty write fails is gone at once", async () => {
  let last = 0;
  const b = broadcaster({ maxClients: 1, onLastClient: () => last++ });
  const conn = new FakeConn();
  b.add(conn, null);
  conn.end();
  await settle();
  conn.failWrite();
  await settle();
  assert.equal(conn.closed, true);
  assert.equal(b.size, 0);
  assert.equal(last, 1);
  assert.equal(b.add(new FakeConn(), null), true, "its place is free again");
  await b.closeAll();
});

Deno.test("a client whose stream ends during a write is told by that write's outcome", async () => {
  const b = broadcaster();
  const conn = new FakeConn();
  b.add(conn, null);
  b.publish(frameOf(1), 0);
  conn.end();
  await settle();
  assert.deepEqual(conn.writeSizes, [8], "no probe while a frame is in flight");
  conn.failWrite();
  await settle();
  assert.equal(conn.closed, true);
  assert.equal(b.size, 0);
});

Deno.test("a client that errors on write is removed; the others are served", async () => {
  const events: string[] = [];
  const b = broadcaster({
    onFirstClient: () => events.push("first"),
    onLastClient: () => events.push("last"),
  });
  const [bad, good] = [new FakeConn(), new FakeConn()];
  b.add(bad, null);
  b.add(good, null);
  b.publish(frameOf(1), 0);
  bad.failWrite(new Deno.errors.ConnectionReset("reset"));
  good.take();
  await settle();
  assert.equal(bad.closed, true);
  assert.equal(b.size, 1);
  b.publish(frameOf(2), 40);
  assert.equal(bad.writeSizes.length, 1, "nothing more is written to a removed client");
  good.take();
  await settle();
  assert.deepEqual(good.received, concatBytes([frameOf(1), frameOf(2)]));
  await b.closeAll();
  assert.deepEqual(events, ["first", "last"]);
});

Deno.test("a client that sends too much is closed for flooding", async () => {
  const b = broadcaster({ floodBytesPerSecond: 100 });
  const [atLimit, over] = [new FakeConn(), new FakeConn()];
  b.add(atLimit, null);
  b.add(over, null);
  atLimit.send(100);
  over.send(101);
  await settle();
  assert.equal(atLimit.closed, false);
  assert.equal(over.closed, true);
  assert.equal(b.stats().flooded, 1);
  assert.equal(b.size, 1);
  await b.closeAll();
});

Deno.test("closeAll closes every client and waits for the writes in flight", async () => {
  const b = broadcaster();
  const [busy, idle] = [new FakeConn(), new FakeConn()];
  b.add(busy, null);
  b.add(idle, null);
  b.publish(frameOf(1), 0);
  idle.take();
  await settle();
  b.publish(frameOf(2), 40); // idle writes again; busy's frame 2 waits behind frame 1
  let done = false;
  const closing = b.closeAll().then(() => done = true);
  assert.equal(busy.closed && idle.closed, true);
  assert.equal(b.size, 0);
  await settle();
  assert.equal(done, false, "two writes are still in flight");
  busy.take();
  await settle();
  assert.equal(done, false, "idle's write is still in flight");
  assert.equal(busy.writes.length, 0, "the pending frame is not written after close");
  idle.failWrite();
  await closing;
  assert.deepEqual(busy.received, frameOf(1));
});
