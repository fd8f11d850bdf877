/**
 * A connection driven by hand, for the broadcaster's unit tests: every write waits until the
 * test takes some or all of its bytes, or fails it; every read waits until the test sends
 * bytes, ends the stream or fails it. What the peer has received is kept in order.
 *
 * @example
 * ```ts
 * import { FakeConn } from "./fake_conn.ts";
 *
 * const conn = new FakeConn();
 * const written = conn.write(new Uint8Array([1, 2, 3]));
 * conn.take(2); // the socket takes two bytes of the three
 * console.log(await written, conn.received); // 2 Uint8Array(2) [ 1, 2 ]
 * ```
 *
 * @module
 */

import type { BroadcastConn } from "../../src/ipc/broadcaster.ts";
import type { Readable } from "../../src/ipc/client_input.ts";

interface PendingWrite {
  bytes: Uint8Array;
  resolve: (n: number) => void;
  reject: (error: Error) => void;
}

interface PendingRead {
  buffer: Uint8Array;
  resolve: (n: number | null) => void;
  reject: (error: Error) => void;
}

/** A `BroadcastConn` whose writes and reads settle only when the test says so. */
export class FakeConn implements BroadcastConn {
  /** Writes not yet settled, oldest first. */
  readonly writes: PendingWrite[] = [];
  /** Every `write` call's byte count, in call order. */
  readonly writeSizes: number[] = [];
  /** The most writes ever unsettled at once. */
  maxInFlight = 0;
  /** `close` has been called. */
  closed = false;
  #received: number[] = [];
  #read: PendingRead | null = null;

  /** Every byte the peer has taken, in order. */
  get received(): Uint8Array {
    return Uint8Array.from(this.#received);
  }

  /** A write waiting for `take` or `failWrite`. */
  write(bytes: Uint8Array): Promise<number> {
    this.writeSizes.push(bytes.length);
    return new Promise((resolve, reject) => {
      this.writes.push({ bytes: bytes.slice(), resolve, reject });
      this.maxInFlight = Math.max(this.maxInFlight, this.writes.length);
    });
  }

  /** A read waiting for `send`, `end` or `failRead`; it rejects if the connection closes. */
  read(buffer: Uint8Array): Promise<number | null> {
    if (this.closed) return Promise.reject(new Deno.errors.BadResource("closed"));
    return new Promise((resolve, reject) => this.#read = { buffer, resolve, reject });
  }

  /** Closes the fake: a pending read rejects; writes in flight stay for the test to settle. */
  close(): void {
    if (this.closed) throw new Deno.errors.BadResource("closed twice");
    this.closed = true;
    this.#settleRead((read) => read.reject(new Deno.errors.BadResource("closed")));
  }

  /** Settles the oldest write: the peer takes `count` of its bytes (all by default). */
  take(count?: number): void {
    const write = this.writes.shift();
    if (write === undefined) throw new Error("no write in flight");
    const n = Math.min(count ?? write.bytes.length, write.bytes.length);
    this.#received.push(...write.bytes.subarray(0, n));
    write.resolve(n);
  }

  /** Fails the oldest write with `error`. */
  failWrite(error: Error = new Deno.errors.BrokenPipe("broken pipe")): void {
    const write = this.writes.shift();
    if (write === undefined) throw new Error("no write in flight");
    write.reject(error);
  }

  /** The peer sends `count` bytes: the pending read resolves with them. */
  send(count: number): void {
    this.#settleRead((read) => read.resolve(Math.min(count, read.buffer.length)));
  }

  /** The peer shuts down its sending side: the pending read resolves to null. */
  end(): void {
    this.#settleRead((read) => read.resolve(null));
  }

  #settleRead(settle: (read: PendingRead) => void): void {
    const read = this.#read;
    this.#read = null;
    if (read !== null) settle(read);
  }
}

/** Resolves once every promise callback queued so far, and those they queue, has run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A client's input that comes as `chunks`, one per read, then ends. */
export function chunkedInput(chunks: Uint8Array[]): Readable {
  let i = 0;
  return {
    read(buffer: Uint8Array) {
      const chunk = chunks[i++];
      if (chunk === undefined) return Promise.resolve(null);
      buffer.set(chunk);
      return Promise.resolve(chunk.length);
    },
  };
}
