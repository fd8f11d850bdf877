/**
 * A client that asks for frames (PROTOCOL.md, "Asking for frames") over a real connection
 * and keeps every frame it gets, with its arrival time.
 *
 * @module
 */

import assert from "node:assert/strict";
import { FRAME_REQUEST } from "../../src/ipc/client_input.ts";
import { decodeMetrics, type MetricsFrame } from "../../src/ipc/codec.ts";
import { frameBodies } from "./frame_stream.ts";

/** A connection that asks for frames, whose frames are collected as they arrive. */
export class Asker {
  readonly frames: { frame: MetricsFrame; atMs: number }[] = [];
  readonly #conn: Deno.UnixConn;
  readonly #done: Promise<void>;
  constructor(conn: Deno.UnixConn) {
    this.#conn = conn;
    this.#done = (async () => {
      try {
        for await (const body of frameBodies(conn)) {
          this.frames.push({ frame: decodeMetrics(body), atMs: Date.now() });
        }
      } catch {
        // closed by the test
      }
    })();
  }
  /** Connects to the daemon at `path`. */
  static async open(path: string): Promise<Asker> {
    return new Asker(await Deno.connect({ transport: "unix", path }));
  }
  /** Sends `bytes` (a request, by default `OPTQ`). */
  async ask(bytes: Uint8Array = FRAME_REQUEST): Promise<void> {
    await this.#conn.write(bytes);
  }
  /** Waits until `count` frames have come in all; fails after `ms`. */
  async next(count: number, ms = 3000): Promise<void> {
    const end = performance.now() + ms;
    while (this.frames.length < count) {
      assert.ok(performance.now() < end, `${this.frames.length} of ${count} frames after ${ms} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  /** Closes the connection and waits for its reader. */
  async close(): Promise<void> {
    try {
      this.#conn.close();
    } catch {
      // closed already
    }
    await this.#done;
  }
}
