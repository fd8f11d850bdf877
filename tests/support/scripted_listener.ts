/**
 * A real Unix-socket listener that plays a script per connection: the frames to
 * send (encoded by the real codec with a chosen run id and sequence), then close.
 * For client tests that need a daemon to restart, reconnect or refuse on cue.
 *
 * @module
 */

import { FrameEncoder } from "../../src/ipc/codec.ts";
import { writeAll } from "../../src/cli/write_all.ts";
import { NO_EXTENDED_READINGS, type Snapshot } from "../../src/metrics/types.ts";
import { MomentumColor } from "../../src/momentum/momentum.ts";

/** One frame to send: the daemon run's id and the frame's sequence. */
export interface ScriptedFrame {
  /** `started_at_us` of the frame. */
  run: number;
  /** `sequence` of the frame. */
  sequence: number;
}

/** A snapshot for scripted frames (its values do not matter to the client tests). */
export const SCRIPT_SNAPSHOT: Snapshot = {
  ...NO_EXTENDED_READINGS,
  cpuUsage: 12.5,
  memoryUsage: 40,
  memoryTotal: 8 * 1024 ** 3,
  diskUsage: 50,
  temperature: null,
  timestamp: 1764183600000,
  topProcesses: [{ pid: 1, name: "init", cpuPercent: 0.5, memoryMb: 8 }],
};

/** The framed bytes of one scripted frame. */
export function scriptedFrame(f: ScriptedFrame, snapshot = SCRIPT_SNAPSHOT): Uint8Array {
  return new FrameEncoder({ startedAtUs: f.run }).encode(
    snapshot,
    { color: MomentumColor.Idle, intensity: 0.3, rotationSpeed: 0.5 },
    { sequence: f.sequence, sentAtUs: Date.now() * 1000 },
  ).slice();
}

/** A listener at `path` serving `script[i]` to its i-th connection (later ones: the last entry). */
export class ScriptedListener {
  /** Connections accepted so far. */
  accepted = 0;
  readonly #listener: Deno.UnixListener;
  readonly #open = new Set<Deno.UnixConn>();
  readonly #done: Promise<void>;

  /**
   * Listens on `path`. Each script entry is the frames for one connection and
   * whether to keep it open afterwards (until {@linkcode close}).
   */
  constructor(path: string, script: { frames: Uint8Array[]; keepOpen?: boolean }[]) {
    const listener = Deno.listen({ transport: "unix", path });
    this.#listener = listener;
    this.#done = (async () => {
      for await (const conn of listener) {
        const step = script[Math.min(this.accepted, script.length - 1)];
        this.accepted++;
        this.#open.add(conn);
        void (async () => {
          try {
            for (const bytes of step.frames) await writeAll(conn, bytes);
          } catch {
            // the client went away
          }
          if (step.keepOpen) return;
          this.#open.delete(conn);
          try {
            conn.close();
          } catch {
            // closed already
          }
        })();
      }
    })().catch(() => {});
  }

  /** Close every connection kept open so far; the listener keeps accepting. */
  closeOpen(): void {
    for (const conn of this.#open) {
      try {
        conn.close();
      } catch {
        // closed already
      }
    }
    this.#open.clear();
  }

  /** Stop listening and close every open connection. */
  async close(): Promise<void> {
    try {
      this.#listener.close();
    } catch {
      // closed already
    }
    this.closeOpen();
    await this.#done;
  }
}
