/**
 * Clients that record what a daemon streams, with arrival times: `Subscriber` through the
 * client library, `RawReader` over a bare connection; and the check on the rates they measure.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type ReceivedFrame, subscribe, type SubscriberStatus } from "../../src/ipc/client.ts";
import { decodeMetrics } from "../../src/ipc/codec.ts";
import { FrameDecoder } from "../../src/ipc/framing.ts";
import { poll } from "./wait.ts";

/** Asserts a measured rate lies within 80–110 % of `hz`. */
export function assertRate(rate: number, hz: number, what: string): void {
  assert.ok(
    rate >= 0.8 * hz && rate <= 1.1 * hz,
    `${what}: ${rate.toFixed(1)} frames/s, expected ${hz} ±(−20 %, +10 %)`,
  );
}

/** A `subscribe()` client running in the background, recording what it receives. */
export class Subscriber {
  /** Every frame received, with its performance.now() arrival time. */
  readonly frames: (ReceivedFrame & { at: number })[] = [];
  /** Every connection status reported, with its performance.now() time. */
  readonly statuses: (SubscriberStatus & { at: number })[] = [];
  /** Resolves when the client has stopped. */
  readonly done: Promise<void>;
  readonly #abort = new AbortController();

  /** Subscribes to the daemon on `path` in the background. */
  constructor(path: string) {
    this.done = (async () => {
      const frames = subscribe(path, {
        signal: this.#abort.signal,
        onStatus: (s) => this.statuses.push({ ...s, at: performance.now() }),
      });
      for await (const f of frames) this.frames.push({ ...f, at: performance.now() });
    })();
  }

  /** performance.now() of the first "connected" status. */
  get connectedAt(): number | undefined {
    return this.statuses.find((s) => s.state === "connected")?.at;
  }

  /** The frames that arrived at or after `t` (performance.now()). */
  after(t: number): (ReceivedFrame & { at: number })[] {
    return this.frames.filter((f) => f.at >= t);
  }

  /** Stop the client and wait for it to finish. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.done;
  }

  /** Waits until at least `n` frames arrived. */
  async frameCount(n: number, ms: number): Promise<void> {
    assert.ok(
      await poll(() => this.frames.length >= n, ms),
      `only ${this.frames.length} frames within ${ms} ms`,
    );
  }

  /** Every frame after the first followed its predecessor directly. */
  assertConsecutive(): void {
    assert.ok(this.frames.length > 0, "no frames");
    for (const [i, f] of this.frames.entries()) {
      if (i === 0) continue;
      assert.equal(f.restarted, false, `frame ${i} restarted`);
      assert.equal(f.missed, 0, `frame ${i} (sequence ${f.frame.sequence}) missed ${f.missed}`);
      assert.equal(f.frame.sequence, this.frames[i - 1].frame.sequence + 1);
    }
  }

  /** Frames per second between the first frame and the last moment observed (`until`). */
  rate(until: number): number {
    return (1000 * (this.frames.length - 1)) / (until - this.frames[0].at);
  }
}

/** A raw connection that reads and decodes frames in the background, with arrival times. */
export class RawReader {
  /** The sequence number of every frame received. */
  readonly sequences: number[] = [];
  /** The performance.now() arrival time of every frame received. */
  readonly times: number[] = [];
  /** When the daemon sent every frame received (its `sent_at_us`, in wall-clock ms). */
  readonly sentAt: number[] = [];
  /** How the read loop ended: end of stream, an error (e.g. closed here), or still running. */
  ended: "eof" | "error" | null = null;
  /** Resolves when the read loop has ended. */
  readonly done: Promise<void>;

  /** Starts reading `conn` in the background. */
  constructor(readonly conn: Deno.UnixConn) {
    this.done = (async () => {
      const decoder = new FrameDecoder();
      const buffer = new Uint8Array(64 * 1024);
      try {
        while (true) {
          const n = await conn.read(buffer);
          if (n === null) break;
          for (const body of decoder.push(buffer.subarray(0, n))) {
            const frame = decodeMetrics(body);
            this.sequences.push(frame.sequence);
            this.times.push(performance.now());
            this.sentAt.push(frame.sentAtUs / 1000);
          }
        }
        this.ended = "eof";
      } catch {
        this.ended = "error";
      }
    })();
  }

  /** Connect to `path` and start reading. */
  static async connect(path: string): Promise<RawReader> {
    return new RawReader(await Deno.connect({ transport: "unix", path }));
  }

  /** Frames per second received since `from` (performance.now()). */
  rate(from: number, until = performance.now()): number {
    return (1000 * this.times.filter((t) => t >= from && t < until).length) / (until - from);
  }

  /**
   * When the daemon sent each frame received since `from` (performance.now()): the spacing of
   * its ticks, whatever delayed this reader's own thread.
   */
  sentSince(from: number): number[] {
    return this.sentAt.filter((_, i) => this.times[i] >= from);
  }

  /** Every frame followed its predecessor directly. */
  assertConsecutive(): void {
    assert.ok(this.sequences.length > 0, "no frames");
    for (let i = 1; i < this.sequences.length; i++) {
      assert.equal(this.sequences[i], this.sequences[i - 1] + 1, `at ${i}: ${this.sequences}`);
    }
  }

  /** Close the connection and wait for the read loop to end. */
  async close(): Promise<void> {
    try {
      this.conn.close();
    } catch {
      // closed already
    }
    await this.done;
  }
}
