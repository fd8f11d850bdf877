/**
 * Reading frames straight off a connection, the way any client must: the bytes arrive in
 * pieces of any size, and {@linkcode FrameDecoder} turns them into whole frame bodies.
 *
 * @example
 * ```ts
 * import { frameBodies } from "./frame_stream.ts";
 * const conn = await Deno.connect({ transport: "unix", path: "/tmp/opta-metrics.sock" });
 * for await (const body of frameBodies(conn)) console.log(body.length);
 * ```
 *
 * @module
 */

import { FrameDecoder } from "../../src/ipc/framing.ts";

/** Every frame body `conn` carries, in order, as it arrives; ends when the peer closes. */
export async function* frameBodies(conn: Deno.Conn): AsyncGenerator<Uint8Array> {
  const decoder = new FrameDecoder();
  const buffer = new Uint8Array(64 * 1024);
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) return;
    yield* decoder.push(buffer.subarray(0, n));
  }
}
