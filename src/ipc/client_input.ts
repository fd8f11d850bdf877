/**
 * What a subscriber sends is read and discarded: a client never needs to send. This
 * reads a connection until its input ends and says how it ended: the client shut
 * down its sending side (end of stream, which is not the end of the client), the
 * connection failed or was closed, or the client sent more than the flood limit
 * allows within one second.
 *
 * @module
 */

/** How a client's input ended. */
export type InputEnd =
  | { kind: "eof" }
  | { kind: "closed" }
  | { kind: "flood"; bytesPerSecond: number };

/** The reading side of a connection. */
export interface Readable {
  /** Reads into `buffer`; null at the end of the stream. */
  read(buffer: Uint8Array): Promise<number | null>;
}

/**
 * Read and discard `conn`'s input into `discard` until it ends; more than
 * `floodBytesPerSecond` ends it too. Nothing reads what lands in `discard`, so every
 * client of a broadcaster can share one: a connection then costs no buffer of its own.
 */
export async function drainClientInput(
  conn: Readable,
  floodBytesPerSecond: number,
  discard: Uint8Array = new Uint8Array(4096),
  now: () => number = () => performance.now(),
): Promise<InputEnd> {
  let windowStart = now();
  let windowBytes = 0;
  try {
    while (true) {
      const n = await conn.read(discard);
      if (n === null) return { kind: "eof" };
      const at = now();
      if (at - windowStart >= 1000) {
        windowStart = at;
        windowBytes = 0;
      }
      windowBytes += n;
      if (windowBytes > floodBytesPerSecond) return { kind: "flood", bytesPerSecond: windowBytes };
    }
  } catch {
    return { kind: "closed" }; // a reset, or a close from our side
  }
}
