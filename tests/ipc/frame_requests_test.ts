/**
 * Asking for frames (PROTOCOL.md): a client that sends `OPTQ` gets one frame per request,
 * fresh even after the daemon has idled, and nothing in between; it neither starts the
 * 25 Hz tick nor keeps it going, so frames are made only for requests. Streaming clients
 * beside it stream on; a client that sends other bytes (or none) is served as before.
 */
import assert from "node:assert/strict";
import { drainClientInput } from "../../src/ipc/client_input.ts";
import { Asker } from "../support/asker.ts";
import { startDaemon, withDir } from "../support/daemon.ts";
import { chunkedInput } from "../support/fake_conn.ts";
import { Subscriber } from "../support/readers.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("OPTQ is found wherever reads split it; other bytes ask for nothing", async () => {
  const chunks = [
    new TextEncoder().encode("xxOP"),
    new TextEncoder().encode("TQOPTOPTQ?OPT"),
    new TextEncoder().encode("Q"),
    crypto.getRandomValues(new Uint8Array(4096)),
  ];
  const conn = chunkedInput(chunks);
  let requests = 0;
  const end = await drainClientInput(conn, 1e9, new Uint8Array(8192), undefined, () => requests++);
  assert.deepEqual(end, { kind: "eof" });
  assert.equal(requests, 3);
});

Deno.test("one frame per request, none in between, fresh after an idle period, no tick", async () => {
  await withDir(async (dir) => {
    const sock = `${dir}/s.sock`;
    const daemon = await startDaemon(sock, { flags: ["--log-level", "debug"] });
    const asker = await Asker.open(sock);
    try {
      await asker.ask();
      await asker.next(1);
      // Past the idle grace: the sampler has slowed to its idle cadence.
      await daemon.waitForLine(/idle: no clients/, 10_000);
      await sleep(1000);
      const before = asker.frames.length;
      const first = asker.frames.at(-1)!.frame.sequence;
      for (let round = 1; round <= 3; round++) {
        await asker.ask();
        await asker.next(before + round);
        const { frame, atMs } = asker.frames.at(-1)!;
        assert.ok(
          atMs - frame.timestamp <= 1000,
          `answer ${round} is ${atMs - frame.timestamp} ms old`,
        );
        assert.equal(frame.sequence, first + round, "one frame made per request, no tick between");
        await sleep(700);
        assert.equal(asker.frames.length, before + round, "nothing sent without a request");
      }
      // Requests that come together get one answer each time, never a backlog.
      await asker.ask(new TextEncoder().encode("OPTQOPTQOPTQ"));
      await sleep(1500);
      assert.ok(asker.frames.length - (before + 3) <= 3);
      assert.equal(daemon.matching(/\bstreaming\b/).length, 1, "only the first connect streamed");
    } finally {
      await asker.close();
      await daemon.stop();
    }
  });
});

Deno.test("beside a streaming client, a request gets the latest frame at once and the stream goes on", async () => {
  await withDir(async (dir) => {
    const sock = `${dir}/s.sock`;
    const daemon = await startDaemon(sock);
    const streaming = new Subscriber(sock);
    const asker = await Asker.open(sock);
    try {
      await streaming.frameCount(5, 3000);
      // Until the daemon reads its first request, a new connection streams like any other.
      await asker.ask();
      await asker.next(1);
      await sleep(300);
      const count = asker.frames.length;
      await sleep(500);
      assert.equal(asker.frames.length, count, "the asker gets no stream");
      const latest = streaming.frames.at(-1)!.frame.sequence;
      await asker.ask();
      await asker.next(count + 1, 1000);
      const answer = asker.frames.at(-1)!.frame.sequence;
      assert.ok(
        answer >= latest && answer <= latest + 2,
        `answered with ${answer}, latest ${latest}`,
      );
      await sleep(500);
      assert.equal(asker.frames.length, count + 1);
      const streamed = streaming.frames.length;
      await sleep(500);
      assert.ok(streaming.frames.length >= streamed + 8, "the streaming client streams on");
      streaming.assertConsecutive();
    } finally {
      await asker.close();
      await streaming.stop();
      await daemon.stop();
    }
  });
});
