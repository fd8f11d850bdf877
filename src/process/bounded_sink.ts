/**
 * Reading a child's stdout or stderr to its end while keeping at most a bounded number of bytes:
 * {@linkcode BoundedSink}, and {@linkcode drainSinks} to wait for a child's sinks once it exited.
 *
 * @example
 * ```ts
 * import { BoundedSink, drainSinks, STDERR_READ_BYTES } from "./bounded_sink.ts";
 * const child = new Deno.Command("/bin/echo", { args: ["hi"], stdout: "piped" }).spawn();
 * const out = new BoundedSink(child.stdout, 1024, STDERR_READ_BYTES);
 * await child.status;
 * await drainSinks([out]);
 * console.log(out.text()); // "hi\n"
 * ```
 *
 * @module
 */

import { concatBytes } from "../bytes.ts";
import { systemClock, type Timer } from "../time/clock.ts";

/** Default number of stderr bytes kept (64 KiB); the rest is read and dropped. */
export const DEFAULT_MAX_STDERR_BYTES = 64 * 1024;
/** Read buffer per child stdout (one, reused): a `top` refresh of a few hundred processes fits. */
export const STDOUT_READ_BYTES = 64 * 1024;
/** Read buffer per child stderr: a tool's complaint is a line or two. */
export const STDERR_READ_BYTES = 4096;

/**
 * How long the pipes may still be read after the child has exited. A grandchild that inherited
 * the pipes (e.g. `sleep` under a killed `sh`) would otherwise hold them open indefinitely.
 */
const DRAIN_MS = 200;
/** Longest the pump keeps the event loop to itself before yielding a turn. */
const PUMP_SLICE_MS = 10;
/** Bytes are handed to `onChunk` in pieces of at most this many bytes. */
const PUMP_PIECE_BYTES = 4096;

/** Called with each piece read; `chunk` is a view of the reused read buffer, valid only during the call. */
export type OnChunk = (chunk: Uint8Array, sink: BoundedSink) => void;

/**
 * Reads a byte stream to its end, keeping at most `keep` bytes, and can be cancelled.
 *
 * Reads go into one buffer of `readBytes` that is reused for the life of the stream (a BYOB
 * reader). A default reader allocates a fresh chunk per read; for a long-lived child that
 * writes every few seconds, each pending chunk outlives young-generation collections, is
 * promoted, and holds its memory until the next full GC. Kept bytes are copied out of the buffer.
 */
export class BoundedSink {
  /** Settles when the stream has ended or the sink was cancelled; never rejects. */
  readonly done: Promise<void>;
  /** Bytes read so far, kept or not. */
  total = 0;
  readonly #reader: ReadableStreamBYOBReader;
  #buffer: ArrayBuffer;
  readonly #chunks: Uint8Array[] = [];
  #kept = 0;
  #cancelled = false;

  /** Starts reading `stream` at once; `onChunk` sees every byte read, kept or not. */
  constructor(
    stream: ReadableStream<Uint8Array>,
    /** Most bytes kept for {@linkcode BoundedSink.text}; 0 keeps none. */
    readonly keep: number,
    readBytes: number,
    onChunk?: OnChunk,
  ) {
    this.#reader = stream.getReader({ mode: "byob" });
    this.#buffer = new ArrayBuffer(readBytes);
    this.done = this.#pump(onChunk);
  }

  async #pump(onChunk?: OnChunk): Promise<void> {
    // A child writing faster than we read makes every read resolve at once, a chain of
    // microtasks that would starve timers (the 25 Hz tick, the stall check) and signals: give
    // the event loop a turn whenever the pump has kept it for a while, and hand a large chunk
    // over in pieces so that one chunk of costly lines cannot hold it either.
    let slice = performance.now();
    const pause = async () => {
      if (performance.now() - slice <= PUMP_SLICE_MS) return;
      await new Promise((resolve) => setTimeout(resolve, 0));
      slice = performance.now();
    };
    try {
      while (!this.#cancelled) {
        await pause();
        const { value, done } = await this.#reader.read(new Uint8Array(this.#buffer));
        if (done || value === undefined) break;
        this.#buffer = value.buffer as ArrayBuffer;
        this.total += value.length;
        const room = this.keep - this.#kept;
        if (room > 0) {
          const part = value.slice(0, room);
          this.#chunks.push(part);
          this.#kept += part.length;
        }
        if (!onChunk) continue;
        for (let at = 0; at < value.length && !this.#cancelled; at += PUMP_PIECE_BYTES) {
          if (at > 0) await pause();
          onChunk(value.subarray(at, at + PUMP_PIECE_BYTES), this);
        }
      }
    } catch {
      // A read that fails (e.g. after cancel) ends the stream; what was read is kept.
    } finally {
      if (!this.#cancelled) {
        this.#cancelled = true;
        await this.#reader.cancel().catch(() => {});
      }
    }
  }

  /** Stops reading and releases the stream; what was kept stays. */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#reader.cancel().catch(() => {});
  }

  /** The kept bytes decoded as UTF-8 (invalid bytes become U+FFFD). */
  text(): string {
    return new TextDecoder().decode(concatBytes(this.#chunks));
  }
}

/** Waits for the sinks of an exited child to end; cancels the ones still open after a short drain. */
export async function drainSinks(sinks: BoundedSink[]): Promise<void> {
  const all = Promise.all(sinks.map((sink) => sink.done));
  // The pipes' ends have almost always arrived with the exit: a timer armed for nothing would
  // still wake the process when its time came, so one is armed only if a turn is not enough.
  const ended = await Promise.race([
    all.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 0)),
  ]);
  if (ended) return;
  let timer: Timer | undefined;
  const late = await Promise.race([
    all.then(() => false),
    new Promise<boolean>((resolve) =>
      timer = systemClock.setTimeout(() => resolve(true), DRAIN_MS)
    ),
  ]);
  systemClock.clear(timer);
  if (late) {
    for (const sink of sinks) sink.cancel();
    await all;
  }
}
