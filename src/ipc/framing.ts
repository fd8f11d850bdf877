/**
 * Wire framing: every frame is a 4-byte big-endian unsigned length followed by
 * that many bytes of FlatBuffer. {@linkcode FrameDecoder} reassembles frames from
 * arbitrary chunks of a byte stream.
 *
 * @example
 * ```ts
 * import { FrameDecoder, frame } from "./framing.ts";
 * const decoder = new FrameDecoder();
 * const wire = frame(new Uint8Array([1, 2, 3]));
 * decoder.push(wire.subarray(0, 2)); // []  (prefix not complete yet)
 * decoder.push(wire.subarray(2)); // [Uint8Array [1, 2, 3]]
 * ```
 *
 * @module
 */

/** Bytes of the length prefix. */
export const FRAME_HEADER_BYTES = 4;

/** Largest frame body accepted (1 MiB). A real frame is under 1 KiB; more means a broken stream. */
export const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * Longest a reader holding part of a frame waits for more of it. A live daemon writes
 * each frame whole (it is far smaller than a socket buffer), so the rest is already
 * there; only a stopped or broken server leaves a frame half-sent.
 */
export const PARTIAL_FRAME_TIMEOUT_MS = 10_000;

/** Why a stream was rejected. */
export type FrameErrorCode = "zero-length" | "too-large" | "truncated";

/** A byte stream that is not a valid sequence of frames. The stream cannot be resynchronised. */
export class FrameError extends Error {
  /** Machine-readable reason. */
  readonly code: FrameErrorCode;
  /** Creates a FrameError with a reason code and a message for people. */
  constructor(code: FrameErrorCode, message: string) {
    super(message);
    this.name = "FrameError";
    this.code = code;
  }
}

/** Throws the {@linkcode FrameError} for a body that cannot be framed. */
function checkBody(body: Uint8Array): void {
  if (body.length === 0) throw new FrameError("zero-length", "cannot frame an empty body");
  if (body.length > MAX_FRAME_BYTES) {
    throw new FrameError(
      "too-large",
      `frame body of ${body.length} bytes exceeds the maximum of ${MAX_FRAME_BYTES}`,
    );
  }
}

/** Write the big-endian length of `body`, then `body`, into `out` (exactly that long). */
function writeFrame(out: Uint8Array, body: Uint8Array): Uint8Array {
  const length = body.length;
  out[0] = length >>> 24;
  out[1] = (length >>> 16) & 0xff;
  out[2] = (length >>> 8) & 0xff;
  out[3] = length & 0xff;
  out.set(body, FRAME_HEADER_BYTES);
  return out;
}

/** Prefix `body` with its 4-byte big-endian length, in one new buffer. */
export function frame(body: Uint8Array): Uint8Array {
  checkBody(body);
  return writeFrame(new Uint8Array(FRAME_HEADER_BYTES + body.length), body);
}

/** Size of one {@linkcode FrameSlab} block; larger frames get a buffer of their own. */
const SLAB_BYTES = 16 * 1024;

/**
 * Frames like {@linkcode frame}, cut from shared 16 KiB blocks: a fresh backing
 * store per frame costs several times the copy itself. A block lives while any
 * frame cut from it is referenced, so a stalled reader pins at most one block.
 * Each frame is a view (use `byteOffset`) that no later frame overlaps.
 */
export class FrameSlab {
  #block = new Uint8Array(SLAB_BYTES);
  #used = 0;

  /** `body` framed, in a view of the current block. */
  frame(body: Uint8Array): Uint8Array {
    checkBody(body);
    const size = FRAME_HEADER_BYTES + body.length;
    if (size > SLAB_BYTES / 4) return writeFrame(new Uint8Array(size), body);
    if (this.#used + size > SLAB_BYTES) {
      this.#block = new Uint8Array(SLAB_BYTES);
      this.#used = 0;
    }
    const out = this.#block.subarray(this.#used, this.#used + size);
    this.#used += (size + 7) & ~7; // keeps every frame 8-byte aligned
    return writeFrame(out, body);
  }
}

/**
 * Incremental decoder for a framed stream. Feed it chunks of any size with
 * {@linkcode FrameDecoder.push}; it returns every frame body completed by that
 * chunk. A zero or oversized length throws {@linkcode FrameError}, after which
 * the decoder keeps throwing (the stream has lost sync). Frames completed before
 * the bad length in the same chunk are returned first; the error comes with the
 * next call to `push` or `finish`, so no good frame is lost.
 */
export class FrameDecoder {
  #buffer = new Uint8Array(4096);
  #start = 0;
  #end = 0;
  #failure: FrameError | null = null;
  readonly #maxFrameBytes: number;

  /**
   * A decoder with no bytes buffered yet.
   * @param maxFrameBytes largest body accepted; defaults to {@linkcode MAX_FRAME_BYTES}.
   */
  constructor(maxFrameBytes: number = MAX_FRAME_BYTES) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received but not yet returned as a frame. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Add a chunk; returns the frame bodies it completed (fresh copies, oldest first). */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#failure) throw this.#failure;
    this.#append(chunk);
    const frames: Uint8Array[] = [];
    while (this.buffered >= FRAME_HEADER_BYTES) {
      const b = this.#buffer;
      const s = this.#start;
      const length = ((b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3]) >>> 0;
      if (length === 0 || length > this.#maxFrameBytes) {
        const failure = length === 0
          ? this.#fail("zero-length", "frame length is 0: the stream is not opta-metrics framing")
          : this.#fail(
            "too-large",
            `frame length ${length} exceeds the maximum of ${this.#maxFrameBytes} bytes: ` +
              "the stream is not opta-metrics framing",
          );
        if (frames.length > 0) return frames; // deliver the good frames; the next call throws
        throw failure;
      }
      if (this.buffered < FRAME_HEADER_BYTES + length) break;
      const bodyStart = s + FRAME_HEADER_BYTES;
      frames.push(b.slice(bodyStart, bodyStart + length));
      this.#start = bodyStart + length;
    }
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return frames;
  }

  /** Call at end of stream: throws a `truncated` {@linkcode FrameError} if a frame was cut off. */
  finish(): void {
    if (this.#failure) throw this.#failure;
    if (this.buffered > 0) {
      throw this.#fail(
        "truncated",
        `stream ended inside a frame (${this.buffered} bytes of an unfinished frame)`,
      );
    }
  }

  #fail(code: FrameErrorCode, message: string): FrameError {
    this.#failure = new FrameError(code, message);
    return this.#failure;
  }

  #append(chunk: Uint8Array): void {
    const needed = this.buffered + chunk.length;
    if (this.#end + chunk.length > this.#buffer.length) {
      if (needed <= this.#buffer.length) {
        this.#buffer.copyWithin(0, this.#start, this.#end);
      } else {
        let size = this.#buffer.length * 2;
        while (size < needed) size *= 2;
        const grown = new Uint8Array(size);
        grown.set(this.#buffer.subarray(this.#start, this.#end));
        this.#buffer = grown;
      }
      this.#end -= this.#start;
      this.#start = 0;
    }
    this.#buffer.set(chunk, this.#end);
    this.#end += chunk.length;
  }
}
