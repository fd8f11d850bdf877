/**
 * docs/prometheus.md's way to another port: the exporter's set plus one `--allow-net` that
 * names the daemon's socket and the address. Deno lets the flag replace the set's network
 * list, which is why the socket must be named again: without it the exporter refuses at start.
 */
import assert from "node:assert/strict";
import { startDaemon, withDir } from "../support/daemon.ts";
import {
  exporterCommand,
  ExporterProcess,
  freePort,
  httpGet,
  sampleValue,
} from "../support/exporter.ts";

Deno.test({
  name:
    "run from source with --allow-net=unix:SOCKET,HOST:PORT the exporter serves on another port",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withDir(async (dir) => {
      const socket = `${dir}/d.sock`;
      const daemon = await startDaemon(socket);
      const port = freePort();
      // the shipped set for this socket, with no listen address of its own
      const base = exporterCommand({ socket, listen: [] }, []);
      const at = base.indexOf("-P=export-test") + 1;
      const withFlag = (net: string) => [
        ...base.slice(0, at),
        `--allow-net=${net}`,
        ...base.slice(at),
        "--listen",
        `127.0.0.1:${port}`,
      ];
      try {
        const exporter = new ExporterProcess(
          { socket },
          [],
          withFlag(`unix:${socket},127.0.0.1:${port}`),
        );
        try {
          await exporter.waitForLine(/\blistening\b/, 15_000);
          const { body } = await httpGet(`http://127.0.0.1:${port}/metrics`);
          assert.equal(sampleValue(body, "opta_up"), 1);
        } finally {
          await exporter.stop();
        }
        const refused = new ExporterProcess({ socket }, [], withFlag(`127.0.0.1:${port}`));
        const status = await refused.waitExit(15_000);
        await refused.stderrDone;
        assert.equal(status?.code, 1, refused.stderr);
        assert.match(refused.stderr, /socket path .* is not allowed/);
        assert.equal(refused.lines.filter((l) => l !== "").length, 1, refused.stderr);
      } finally {
        await daemon.stop();
      }
    });
  },
});
