/**
 * One textfile, one exporter: a second exporter given the same `.prom` is refused in one
 * line while the first keeps writing it (so the first to stop can no longer delete it under
 * the other), and the lock goes with its holder, even one killed outright. A real daemon,
 * the exporters as subprocesses under their shipped set.
 */
import assert from "node:assert/strict";
import { startDaemon, withDir } from "../support/daemon.ts";
import { ExporterProcess } from "../support/exporter.ts";
import { assertOneLine } from "../support/one_line.ts";
import { poll } from "../support/wait.ts";

/** Whether `file` holds a written exposition. */
async function written(file: string): Promise<boolean> {
  try {
    return (await Deno.readTextFile(file)).includes("opta_up 1");
  } catch {
    return false;
  }
}

Deno.test("a second exporter on the same textfile is refused in one line; the first keeps it", async () => {
  await withDir(async (dir) => {
    const socket = `${dir}/s.sock`;
    const textfiles = `${dir}/textfiles`;
    await Deno.mkdir(textfiles);
    const file = `${textfiles}/opta.prom`;
    const grants = { socket, textfileDirectory: textfiles };
    const args = ["--textfile", file, "--interval", "1s"];
    const daemon = await startDaemon(socket);
    const first = new ExporterProcess(grants, args);
    let second: ExporterProcess | null = null;
    let third: ExporterProcess | null = null;
    try {
      await first.waitForLine(/\bwriting\b/, 15_000);
      assert.ok(await poll(() => written(file), 15_000), "the first exporter wrote its file");

      second = new ExporterProcess(grants, args);
      const status = await second.waitExit(15_000);
      assert.ok(status, `the second exporter runs on:\n${second.stderr}`);
      await second.stderrDone;
      const line = assertOneLine(
        { code: status?.code ?? null, lines: second.lines.filter((l) => l !== "") },
        /another exporter is already writing .*opta\.prom/,
      );
      assert.doesNotMatch(line, /\bwriting textfile=/);
      assert.ok(await written(file), "the refused exporter left the file alone");
      assert.equal(first.exited, null, "the first exporter keeps running");

      // Killed outright, the first leaves its file but not its claim: the next one takes over.
      await first.kill();
      third = new ExporterProcess(grants, args);
      await third.waitForLine(/\bwriting\b/, 15_000);
      const before = (await Deno.stat(file)).mtime!.getTime();
      assert.ok(
        await poll(async () => (await Deno.stat(file)).mtime!.getTime() > before, 15_000),
        "the next exporter writes the file",
      );
      third.signal("SIGTERM");
      assert.equal((await third.waitExit(10_000))?.code, 0, third.stderr);
      assert.deepEqual(
        [...Deno.readDirSync(textfiles)],
        [],
        "file and lock removed by their holder",
      );
    } finally {
      await second?.stop();
      await third?.stop();
      await first.stop();
      await daemon.stop();
    }
  });
});
