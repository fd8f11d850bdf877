/**
 * The textfile exporter closed with its terminal (SIGHUP) as with SIGTERM: it says so,
 * removes its file and exits 0, so node_exporter never serves `opta_up 1` with numbers
 * that stopped changing. A real daemon, the exporter as a subprocess under its set.
 */
import assert from "node:assert/strict";
import { startDaemon, withDir } from "../support/daemon.ts";
import { ExporterProcess } from "../support/exporter.ts";
import { poll } from "../support/wait.ts";

Deno.test("a textfile exporter given SIGHUP removes its file and exits 0, as on SIGTERM", async () => {
  await withDir(async (dir) => {
    const socket = `${dir}/s.sock`;
    const textfiles = `${dir}/textfiles`;
    await Deno.mkdir(textfiles);
    const file = `${textfiles}/opta.prom`;
    const daemon = await startDaemon(socket);
    const exporter = new ExporterProcess(
      { socket, textfileDirectory: textfiles },
      ["--textfile", file, "--interval", "1s"],
    );
    try {
      await exporter.waitForLine(/\bwriting\b/, 15_000);
      const written = await poll(async () => {
        try {
          return (await Deno.readTextFile(file)).includes("opta_up 1");
        } catch {
          return false;
        }
      }, 15_000);
      assert.ok(written, "the exporter wrote its file");
      exporter.signal("SIGHUP");
      const status = await exporter.waitExit(10_000);
      assert.equal(status?.code, 0, exporter.matching(/./).join("\n"));
      assert.equal(exporter.matching(/shutting down signal=SIGHUP/).length, 1);
      assert.deepEqual([...Deno.readDirSync(textfiles)], [], "removed on hangup");
    } finally {
      await exporter.stop();
      await daemon.stop();
    }
  });
});
