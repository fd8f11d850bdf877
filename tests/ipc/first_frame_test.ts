/**
 * The first frame after an idle period carries current readings: a CPU reading over a
 * real window that ends after the connect, and a timestamp within a second of its
 * arrival. A real daemon under its shipped permissions, a real busy child, clients that
 * come after the sampler has slowed to its idle cadence.
 */
import assert from "node:assert/strict";
import { startDaemon, withDaemon, withDir } from "../support/daemon.ts";
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
    await withDaemon({ flags: ["--log-level", "debug"] }, async (daemon, sock) => {
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
    });
  } finally {
    busy.kill("SIGKILL");
    await busy.status;
  }
});

Deno.test("after an idle period the first frame holds readings taken since the connect", async () => {
  await withDir(async (dir) => {
    const sock = `${dir}/s.sock`;
    const daemon = await startDaemon(sock, { flags: ["--log-level", "debug"] });
    let busy: Deno.ChildProcess | undefined;
    try {
      // No client since start-up: after the 5 s grace the sampler slows to its 30 s idle
      // cadence and reads every source once. The machine is quiet for that reading.
      await daemon.waitForLine(/idle: no clients/, 10_000);
      busy = spinner();
      // The next idle reading is 30 s away: at the connect the readings are 3 s old and
      // know nothing of the spinner (a longer idle period only makes them older).
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const client = new Subscriber(sock);
      try {
        await client.frameCount(1, 3000);
      } finally {
        await client.stop();
      }
      const [first] = client.frames;
      const ageMs = first.receivedAtUs / 1000 - first.frame.timestamp;
      const waitedMs = first.at - client.connectedAt!;
      assert.ok(ageMs >= 0 && ageMs <= 1000, `the first frame's newest reading is ${ageMs} ms old`);
      assert.ok(
        waitedMs < 1500,
        `the first frame came ${waitedMs.toFixed(0)} ms after the connect`,
      );
      const share = 100 / navigator.hardwareConcurrency;
      assert.ok(
        first.frame.cpuUsage >= 0.7 * share,
        `first frame read ${first.frame.cpuUsage.toFixed(1)} % with one of ` +
          `${navigator.hardwareConcurrency} cores spinning for 3 s`,
      );
    } finally {
      busy?.kill("SIGKILL");
      await busy?.status;
      await daemon.stop();
    }
  });
});
