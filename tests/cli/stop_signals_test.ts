/**
 * The stop signals (Ctrl-C, SIGTERM, SIGHUP) end every long-running command cleanly and
 * once: the daemon signalled while it starts never says "listening" after "shutting down",
 * the exporter given several says "shutting down" once, and watch given SIGHUP
 * (`kill -HUP`; a closing terminal sends the same) gives the terminal back. Real subprocesses under their
 * shipped permission sets. SIGHUP on a running daemon is in tests/ipc/daemon_test.ts.
 */
import assert from "node:assert/strict";
import { STOP_SIGNALS } from "../../src/cli/stop_signals.ts";
import { Daemon, startDaemon, withDir } from "../support/daemon.ts";
import { ExporterProcess } from "../support/exporter.ts";
import { watchCommand } from "../support/client_permissions.ts";
import { TMUX, Tmux } from "../support/tmux.ts";
import { exists } from "../support/host.ts";
import { poll } from "../support/wait.ts";

/** Signal numbers on Linux, for /proc's SigCgt mask. */
const NUMBER: Partial<Record<Deno.Signal, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** Has process `pid` installed handlers for every stop signal (its SigCgt mask)? */
function catchesStopSignals(pid: number): boolean {
  let status = "";
  try {
    status = Deno.readTextFileSync(`/proc/${pid}/status`);
  } catch {
    return false;
  }
  const mask = BigInt(`0x${/^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? "0"}`);
  return STOP_SIGNALS.every((s) => (mask >> BigInt(NUMBER[s]! - 1)) & 1n);
}

Deno.test({
  name:
    "the daemon signalled while starting stops cleanly, never 'listening' after 'shutting down'",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await withDir(async (dir) => {
      const socket = `${dir}/s.sock`;
      const daemon = new Daemon(socket);
      try {
        // The handlers are in place some tenths of a second before the daemon listens (it
        // samples first): the signal lands in between.
        assert.ok(await poll(() => catchesStopSignals(daemon.pid), 10_000), daemon.stderr);
        daemon.signal("SIGINT");
        const status = await daemon.waitExit(10_000);
        await daemon.stderrDone;
        assert.equal(status?.code, 0, daemon.stderr);
        const events = daemon.lines.map((l) => /\b(listening|shutting down)\b/.exec(l)?.[1])
          .filter((e) => e !== undefined);
        assert.equal(events.at(-1), "shutting down", daemon.stderr);
        assert.equal(events.filter((e) => e === "shutting down").length, 1, daemon.stderr);
        assert.equal(exists(socket), false, "socket left behind");
      } finally {
        await daemon.kill();
      }
    });
  },
});

Deno.test("the exporter given SIGTERM, SIGHUP and SIGINT at once says 'shutting down' once", async () => {
  await withDir(async (dir) => {
    const socket = `${dir}/s.sock`;
    const textfiles = `${dir}/textfiles`;
    await Deno.mkdir(textfiles);
    const daemon = await startDaemon(socket);
    const exporter = new ExporterProcess(
      { socket, textfileDirectory: textfiles },
      ["--textfile", `${textfiles}/opta.prom`],
    );
    try {
      await exporter.waitForLine(/\bwriting\b/, 15_000);
      // Stopped, it holds all three pending and takes them together when it resumes, as
      // `timeout` through `deno task` delivers two SIGTERMs.
      exporter.signal("SIGSTOP");
      for (const signal of ["SIGTERM", "SIGHUP", "SIGINT"] as const) exporter.signal(signal);
      exporter.signal("SIGCONT");
      const status = await exporter.waitExit(10_000);
      await exporter.stderrDone;
      assert.equal(status?.code, 0, exporter.stderr);
      assert.equal(exporter.matching(/shutting down/).length, 1, exporter.stderr);
      assert.deepEqual([...Deno.readDirSync(textfiles)], [], "its textfile removed");
    } finally {
      await exporter.stop();
      await daemon.stop();
    }
  });
});

Deno.test({
  name:
    "watch in tmux (client set) given SIGHUP stops through its own cleanup and leaves the alternate screen",
  ignore: TMUX === null,
  async fn() {
    await withDir(async (dir) => {
      const socket = `${dir}/s.sock`;
      const listener = Deno.listen({ transport: "unix", path: socket });
      const tmux = new Tmux(`${dir}/tmux.sock`);
      try {
        await tmux.start("w", 80, 24, watchCommand(socket));
        await tmux.run("set-option", "-w", "-t", "w", "remain-on-exit", "on");
        const conn = await listener.accept(); // watch runs: its handlers are in place
        const pane = () =>
          tmux.run(
            "display-message",
            "-p",
            "-t",
            "w",
            "#{pane_pid} #{pane_dead} #{alternate_on} #{cursor_flag}",
          );
        const [pid, , alternate, cursor] = (await pane()).trim().split(" ");
        assert.deepEqual([alternate, cursor], ["1", "0"], "watch took the screen");
        Deno.kill(Number(pid), "SIGHUP");
        // Stopped through its own `finally`, which leaves the alternate screen; killed by the
        // signal it would leave the pane on it. tmux records a dead pane's exit signal and the
        // cursor's last state unreliably (it may close the terminal before it reads the last
        // bytes), so the screen is what is judged, once the pane is dead.
        let state = "";
        await poll(async () => {
          state = (await pane()).trim();
          const [, dead, alternateNow] = state.split(" ");
          return dead === "1" && alternateNow === "0";
        }, 10_000);
        conn.close();
        assert.deepEqual(state.split(" ").slice(1, 3), ["1", "0"], state);
      } finally {
        await tmux.close();
        listener.close();
      }
    });
  },
});
