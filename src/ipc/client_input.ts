/**
 * What a subscriber sends is read and discarded: a client never needs to send. This
 * reads a connection until its input ends and says how it ended: the client shut
 * down its sending side (end of stream, which is not the end of the client), the
 * connection failed or was closed, or the client sent more than the flood limit
 * allows within one second. The two sequences with a meaning, {@linkcode FRAME_REQUEST} and
 * {@linkcode LIGHT_FRAME_REQUEST}, are counted on the way (PROTOCOL.md, "Asking for frames"),
 * wherever reads split them.
 *
 * @module
 */

/**
 * The four ASCII bytes `OPTQ`: a client asks for one frame (PROTOCOL.md, "Asking for
 * frames"). Four bytes, not one, so that the garbage a client may send never asks by chance.
 */
export const FRAME_REQUEST: Uint8Array = new TextEncoder().encode("OPTQ");

/**
 * The four ASCII bytes `OPTL`: a client asks for one frame and needs no process list
 * (PROTOCOL.md, "Asking for frames").
 */
export const LIGHT_FRAME_REQUEST: Uint8Array = new TextEncoder().encode("OPTL");

/** Which request a client sent: `OPTQ` (`"full"`) or `OPTL` (`"light"`). */
export type RequestKind = "full" | "light";

/** What both requests begin with, and their last bytes. */
const PREFIX = FRAME_REQUEST.subarray(0, 3);
const FULL_LAST = FRAME_REQUEST[3];
const LIGHT_LAST = LIGHT_FRAME_REQUEST[3];

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
 * `floodBytesPerSecond` ends it too. Nothing keeps what lands in `discard`, so every
 * client of a broadcaster can share one: a connection then costs no buffer of its own.
 * `onRequest` is called for every request read, with its kind.
 */
export async function drainClientInput(
  conn: Readable,
  floodBytesPerSecond: number,
  discard: Uint8Array = new Uint8Array(4096),
  now: () => number = () => performance.now(),
  onRequest: (kind: RequestKind) => void = () => {},
): Promise<InputEnd> {
  let windowStart = now();
  let windowBytes = 0;
  let matched = 0; // bytes of the requests' common prefix seen in a row, across reads
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
      for (let i = 0; i < n; i++) {
        // No proper prefix of "OPT" is also a suffix of it: a mismatch restarts at 0 or 1.
        const byte = discard[i];
        if (matched === PREFIX.length) {
          matched = 0;
          if (byte === FULL_LAST) onRequest("full");
          else if (byte === LIGHT_LAST) onRequest("light");
          else if (byte === PREFIX[0]) matched = 1;
        } else {
          matched = byte === PREFIX[matched] ? matched + 1 : byte === PREFIX[0] ? 1 : 0;
        }
      }
    }
  } catch {
    return { kind: "closed" }; // a reset, or a close from our side
  }
}
