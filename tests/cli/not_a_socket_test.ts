/**
 * A socket path that holds something else (a regular file, a directory, a FIFO) is named as
 * such: `watch` says what is there in one line and exits 1 instead of retrying a "connection
 * refused" for ever, and the exporter says the same in its one line about the daemon.
 * Real files, the commands as subprocesses under their shipped sets.
 */
import assert from "node:assert/strict";
import { withDir } from "../support/daemon.ts";
import { runWatch } from "../support/client_permissions.ts";
import { assertOneLine } from "../support/one_line.ts";
import { freePort, httpGet, sampleValue, startExporter } from "../support/exporter.ts";

const THINGS: { kind: string; make: (path: string) => void }[] = [
  { kind: "a regular file", make: (path) => Deno.writeTextFileSync(path, "not a socket\n") },
  { kind: "a directory", make: (path) => Deno.mkdirSync(path) },
  {
    kind: "a FIFO (named pipe)",
    make: (path) => {
      const out = new Deno.Command("/usr/bin/mkfifo", { args: [path] }).outputSync();
      assert.ok(out.success, "mkfifo");
    },
  },
];

for (const { kind, make } of THINGS) {
  Deno.test(`watch (client set) on ${kind}: one line saying so, exit 1, no retrying`, async () => {
    await withDir(async (dir) => {
      const path = `${dir}/s.sock`;
      make(path);
      const run = await runWatch(path, ["--json"], 10_000);
      assert.equal(run.timedOut, false, `still retrying:\n${run.stderr}`);
      const lines = run.stderr.split("\n").filter((l) => l !== "");
      const line = assertOneLine(
        { code: run.code, lines },
        new RegExp(`^opta-metrics: ${path} is ${kind.replace(/[()]/g, "\\$&")}, not a socket`),
      );
      assert.doesNotMatch(line, /connection refused|daemon not running/);
    });
  });
}

Deno.test("the exporter on a regular file: opta_up 0, its one line says it is not a socket", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/s.sock`;
    Deno.writeTextFileSync(path, "not a socket\n");
    const port = freePort();
    const exporter = await startExporter(path, port);
    try {
      const { status, body } = await httpGet(`http://127.0.0.1:${port}/metrics`);
      assert.equal(status, 200);
      assert.equal(sampleValue(body, "opta_up"), 0);
      const lines = exporter.matching(/daemon unavailable/);
      assert.equal(lines.length, 1, exporter.stderr);
      assert.match(lines[0], /is a regular file, not a socket/);
    } finally {
      await exporter.stop();
    }
  });
});
