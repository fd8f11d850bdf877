/**
 * Light requests (PROTOCOL.md, "Asking for frames"): `OPTL` asks for a frame without the
 * process list. While every client connected asks that way, the daemon's `top` child exits
 * and answers carry an empty list; an `OPTQ` request, a streaming client, or the last light
 * client leaving brings it back.
 */
import assert from "node:assert/strict";
import {
  drainClientInput,
  LIGHT_FRAME_REQUEST,
  type RequestKind,
} from "../../src/ipc/client_input.ts";
import { Asker } from "../support/asker.ts";
import { type Daemon, withDaemon } from "../support/daemon.ts";
import { chunkedInput } from "../support/fake_conn.ts";
import { runningChildren } from "../support/procs.ts";
import { Subscriber } from "../support/readers.ts";
import { waitFor } from "../support/wait.ts";

const encode = (text: string) => new TextEncoder().encode(text);

/** The kinds of request `chunks`, read one per read, ask for. */
async function requestsIn(chunks: Uint8Array[]): Promise<RequestKind[]> {
  const conn = chunkedInput(chunks);
  const kinds: RequestKind[] = [];
  const end = await drainClientInput(conn, 1e9, new Uint8Array(8192), undefined, (kind) => {
    kinds.push(kind);
  });
  assert.deepEqual(end, { kind: "eof" });
  return kinds;
}

Deno.test("OPTL and OPTQ are told apart wherever reads split them", async () => {
  const kinds = await requestsIn(
    ["xxOP", "TLOPTOPTQ?OPT", "L", "OPTOPTL", "OPOPTQ", "O", "P", "T", "L"].map(encode),
  );
  assert.deepEqual(kinds, ["light", "full", "light", "light", "full", "light"]);
});

Deno.test("bytes near the requests ask for nothing", async () => {
  const garbage = ["OPTX", "OPT\0L", "OPTl", "optl", "OPLT", "OP TL", "OTPL", "OPT"];
  assert.deepEqual(await requestsIn(garbage.map(encode)), []);
  assert.deepEqual(await requestsIn([crypto.getRandomValues(new Uint8Array(4096))]), []);
});

/** The daemon's running `top` children. */
const tops = (daemon: Daemon) => runningChildren(daemon.pid, "top");

/** Asks with `request` every `everyMs` until the returned function is called. */
function keepAsking(asker: Asker, request: Uint8Array, everyMs: number): () => Promise<void> {
  let asking = true;
  const loop = (async () => {
    while (asking) {
      await asker.ask(request);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return async () => {
    asking = false;
    await loop;
  };
}

/** Waits for `count` more answers after those `asker` has, and returns them. */
async function nextAnswers(asker: Asker, count: number) {
  const from = asker.frames.length;
  await asker.next(from + count, 15_000);
  return asker.frames.slice(from).map((f) => f.frame);
}

Deno.test({
  name: "while only light requests come top exits and answers have no processes; others revive it",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // A short idle interval: top, once revived, prints its list within a few seconds.
    const flags = ["--log-level", "debug", "--idle-interval", "2s", "--stats-interval", "1s"];
    await withDaemon({ flags }, async (daemon, socket) => {
      await waitFor(() => tops(daemon).length > 0, 15_000, "top before any client");
      const light = await Asker.open(socket);
      let stopAsking = keepAsking(light, LIGHT_FRAME_REQUEST, 500);
      try {
        await daemon.waitForLine(/processes paused/, 15_000);
        await waitFor(() => tops(daemon).length === 0, 15_000, "top to exit");
        for (const frame of await nextAnswers(light, 3)) {
          assert.deepEqual(frame.topProcesses, [], "a light answer carries no process list");
        }
        const unseen = await daemon.waitForLine(/processes_unseen=/, 15_000);
        assert.match(unseen, /paused: only light requests/);

        // One OPTQ request on the same connection: top comes back, and so does the list.
        await stopAsking();
        const full = keepAsking(light, encode("OPTQ"), 500);
        await daemon.waitForLine(/processes resumed/, 15_000);
        await waitFor(() => tops(daemon).length > 0, 15_000, "top back after OPTQ");
        await waitFor(
          () => (light.frames.at(-1)?.frame.topProcesses.length ?? 0) > 0,
          20_000,
          "an answer with processes",
        );
        await full();

        // Light again, then a streaming client: top comes back for it, and exits when it leaves.
        stopAsking = keepAsking(light, LIGHT_FRAME_REQUEST, 500);
        const paused = daemon.matching(/processes paused/).length;
        await waitFor(() => daemon.matching(/processes paused/).length > paused, 15_000, "pause");
        await waitFor(() => tops(daemon).length === 0, 15_000, "top to exit again");
        const streaming = new Subscriber(socket);
        try {
          await waitFor(() => tops(daemon).length > 0, 15_000, "top back for a streaming client");
          await waitFor(
            () => (streaming.frames.at(-1)?.frame.topProcesses.length ?? 0) > 0,
            20_000,
            "a streamed frame with processes",
          );
        } finally {
          await streaming.stop();
        }
        await waitFor(() => tops(daemon).length === 0, 15_000, "top to exit after the stream");

        // The last light client leaves: with nobody connected, top runs as before.
        await stopAsking();
        await light.close();
        await daemon.waitForLine(/client disconnected/, 15_000);
        await waitFor(() => tops(daemon).length > 0, 15_000, "top back with nobody connected");
      } finally {
        await stopAsking();
        await light.close();
      }
    });
  },
});
