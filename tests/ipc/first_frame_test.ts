/**
 * The first frame after an idle period carries a CPU reading over a real window:
 * a real daemon, a real busy child, a client that leaves and comes back after the
 * sampler has slowed to its idle cadence.
 */
import assert from "node:assert/strict";
import { startDaemon, withDir } from "../support/daemon.ts";
import { Subscriber } from "../support/readers.ts";

/** A child that keeps one core busy until killed. */
function spinner(): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["eval", "while (true) {}"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

Deno.test("the first frame after an idle period reads the busy machine, not 0", async () => {
  const busy = spinner();
  try {
    await withDir(async (dir) => {
      const sock = `${dir}/s.sock`;
      const daemon = await startDaemon(sock, { flags: ["--log-level", "debug"] });
      try {
        const first = new Subscriber(sock);
        try {
          await first.frameCount(5, 3000);
        } finally {
          await first.stop();
        }
        // The sampler switches to its idle cadence 5 s after the last client left, and reads
        // at once; that reading is what the next client's first frame carries.
        const from = daemon.lines.length;
        await daemon.waitForLine(/idle: no clients/, 8000, from);
        await new Promise((resolve) => setTimeout(resolve, 500));
        const next = new Subscriber(sock);
        try {
          await next.frameCount(1, 3000);
        } finally {
          await next.stop();
        }
        const { frame } = next.frames[0];
        // One core spins the whole time: a reading over a real window sees at least most of
        // that core's share (what else runs only adds to it). The tick-level proof that no
        // reading covers a few milliseconds is in tests/metrics/cpu_window_test.ts.
        const share = 100 / navigator.hardwareConcurrency;
        assert.ok(
          frame.cpuUsage >= 0.7 * share,
          `first frame after idle read ${frame.cpuUsage.toFixed(1)} % with one of ` +
            `${navigator.hardwareConcurrency} cores spinning`,
        );
      } finally {
        await daemon.stop();
      }
    });
  } finally {
    busy.kill("SIGKILL");
    await busy.status;
  }
});
