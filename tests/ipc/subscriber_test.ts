/**
 * One subscriber's write queue over a hand-driven connection: one write in flight,
 * latest wins, partial writes completed, the stall clock, failures reported.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Subscriber } from "../../src/ipc/subscriber.ts";
import { FakeConn, settle } from "../support/fake_conn.ts";

/** A frame of `length` bytes, each `fill`. */
function frameOf(fill: number, length = 8): Uint8Array {
  return new Uint8Array(length).fill(fill);
}

Deno.test("a subscriber alone: one write in flight, latest wins, its age, a failure reported", async () => {
  const conn = new FakeConn();
  const events: string[] = [];
  const sub = new Subscriber(7, conn, {
    sent: () => void events.push("sent"),
    writeFailed: (s, error) => void events.push(`failed ${s.id} ${(error as Error).name}`),
  });
  assert.equal(sub.writingForMs(100), -1, "nothing in flight");
  assert.equal(sub.send(frameOf(1), 100), false);
  assert.equal(sub.send(frameOf(2), 140), false, "frame 2 waits; nothing replaced yet");
  assert.equal(sub.send(frameOf(3), 180), true, "frame 3 replaces frame 2");
  assert.equal(conn.writes.length, 1);
  assert.equal(sub.writingForMs(250), 150, "the write in flight started at 100");
  sub.forgiveStall(240);
  assert.equal(sub.writingForMs(250), 10);
  conn.take(3); // partial: the rest goes before frame 3
  await settle();
  assert.deepEqual(conn.writeSizes, [8, 5]);
  conn.take();
  await settle();
  assert.deepEqual(events, ["sent"]);
  const settled = sub.settled();
  conn.failWrite();
  await settled;
  assert.deepEqual(events, ["sent", "failed 7 BrokenPipe"]);
  assert.deepEqual(conn.received, frameOf(1));
  assert.equal(sub.close(), true);
  assert.equal(sub.close(), false, "a second close does nothing");
  assert.equal(conn.closed, true);
});
