/**
 * End to end with real components: the daemon under its shipped permission set, the
 * exporter under its own, and a real Prometheus server scraping every second; and the
 * textfile written for a real node_exporter, which the same Prometheus scrapes.
 */
import assert from "node:assert/strict";
import { decodeMetrics } from "../../src/ipc/codec.ts";
import { frameBodies } from "../support/frame_stream.ts";
import { Daemon, startDaemon, withDir } from "../support/daemon.ts";
import { ExporterProcess, freePort, startExporter } from "../support/exporter.ts";
import { NODE_EXPORTER, prometheusAvailable, PrometheusServer } from "../support/prometheus.ts";
import { poll } from "../support/wait.ts";

/** One frame straight from the daemon's socket. */
async function frameFrom(socket: string) {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  try {
    for await (const body of frameBodies(conn)) return decodeMetrics(body);
    assert.fail("the daemon closed before a frame");
  } finally {
    conn.close();
  }
}

/** Waits until `promql` gives `predicate`-satisfying value; returns it. */
async function waitValue(
  prometheus: PrometheusServer,
  promql: string,
  predicate: (v: number | null) => boolean,
  ms = 20_000,
): Promise<number | null> {
  let last: number | null = null;
  const ok = await poll(async () => predicate(last = await prometheus.value(promql)), ms);
  assert.ok(ok, `${promql} stayed at ${last} for ${ms} ms`);
  return last;
}

const config = (targets: Record<string, number>) =>
  `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
${
    Object.entries(targets).map(([job, port]) =>
      `  - job_name: ${job}\n    static_configs:\n      - targets: ["127.0.0.1:${port}"]\n`
    ).join("")
  }`;

Deno.test({
  name:
    "Prometheus scrapes the exporter: up, the frame's numbers, counters, daemon death and restart",
  ignore: !prometheusAvailable(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withDir(async (dir) => {
      const socket = `${dir}/d.sock`;
      let daemon: Daemon = await startDaemon(socket);
      const exporterPort = freePort();
      const exporter = await startExporter(socket, exporterPort);
      const prometheus = await PrometheusServer.start(
        dir,
        freePort(),
        config({ opta: exporterPort }),
      );
      try {
        await waitValue(prometheus, "opta_up", (v) => v === 1);
        const targets = await prometheus.targets();
        assert.deepEqual(targets.map((t) => [t.health, t.lastError]), [["up", ""]]);
        // Prometheus asked for OpenMetrics and parsed it: the unit-suffixed families are there.
        const frame = await frameFrom(socket);
        assert.equal(await prometheus.value("opta_memory_total_bytes"), frame.memoryTotal);
        assert.ok((await prometheus.value("opta_cpu_usage_ratio"))! >= 0);
        assert.ok((await prometheus.value("opta_frame_age_seconds"))! <= 2);

        // Disk traffic of our own: 48 MiB written and flushed must show in the counter. Under
        // /var/tmp, on the disk: /tmp is a tmpfs on many systems, which no disk counter sees.
        const before = (await prometheus.value("opta_disk_written_bytes_total"))!;
        const written = 48 * 1024 * 1024;
        const traffic = await Deno.makeTempFile({ dir: "/var/tmp", prefix: "omd-traffic" });
        try {
          const file = await Deno.open(traffic, { write: true });
          for (let i = 0; i < 48; i++) await file.write(new Uint8Array(1024 * 1024).fill(i));
          await file.syncData();
          file.close();
        } finally {
          await Deno.remove(traffic);
        }
        await waitValue(prometheus, "opta_disk_written_bytes_total", (v) => v! - before >= written);

        // Killed: opta_up 0 within two scrapes, and no other reading of the machine.
        const startedBefore = (await prometheus.value("opta_daemon_start_time_seconds"))!;
        const killedAt = Date.now() / 1000;
        await daemon.kill();
        await waitValue(prometheus, "opta_up", (v) => v === 0, 10_000);
        const range = await fetch(
          `${prometheus.url}/api/v1/query?query=${encodeURIComponent("opta_up[30s]")}`,
        ).then((r) => r.json());
        const points: [number, string][] = range.data.result[0].values;
        const firstDown = points.find(([t, v]) => t > killedAt && v === "0");
        assert.ok(firstDown, JSON.stringify(points));
        assert.ok(
          firstDown[0] - killedAt <= 2.2,
          `opta_up 0 ${firstDown[0] - killedAt} s after the kill`,
        );
        // Every other reading went stale with that scrape: Prometheus has none of them now.
        const names = new Set(
          (await prometheus.query('{__name__=~"opta_.+"}')).map((s) => s.metric.__name__),
        );
        assert.deepEqual(
          [...names].filter((n) => n !== "opta_up" && !n.startsWith("opta_exporter_")),
          [],
        );
        assert.equal(exporter.matching(/daemon unavailable/).length, 1, exporter.stderr);

        // Restarted: a new start time.
        daemon = await startDaemon(socket);
        await waitValue(prometheus, "opta_up", (v) => v === 1);
        const startedAfter = await waitValue(
          prometheus,
          "opta_daemon_start_time_seconds",
          (v) => v !== null && v !== startedBefore,
        );
        assert.ok(startedAfter! > startedBefore);
      } finally {
        await prometheus.stop();
        await exporter.stop();
        await daemon.stop();
      }
    });
  },
});

Deno.test({
  name:
    "--textfile: node_exporter's textfile collector reads it and Prometheus scrapes node_exporter",
  ignore: !prometheusAvailable(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withDir(async (dir) => {
      const socket = `${dir}/d.sock`;
      const textfiles = `${dir}/textfiles`;
      await Deno.mkdir(textfiles);
      const daemon = await startDaemon(socket);
      const exporter = new ExporterProcess(
        { socket, textfileDirectory: textfiles },
        ["--textfile", `${textfiles}/opta.prom`, "--interval", "1s"],
      );
      const nodePort = freePort();
      const node = new Deno.Command(NODE_EXPORTER, {
        args: [
          `--web.listen-address=127.0.0.1:${nodePort}`,
          "--collector.disable-defaults",
          "--collector.textfile",
          `--collector.textfile.directory=${textfiles}`,
        ],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      const prometheus = await PrometheusServer.start(
        dir,
        freePort(),
        config({ node: nodePort }),
      );
      try {
        await exporter.waitForLine(/\bwriting\b/, 15_000);
        await waitValue(prometheus, 'opta_up{job="node"}', (v) => v === 1);
        const frame = await frameFrom(socket);
        assert.equal(
          await prometheus.value('opta_memory_total_bytes{job="node"}'),
          frame.memoryTotal,
        );
        // node_exporter found nothing to complain about in the file.
        assert.equal(await prometheus.value('node_textfile_scrape_error{job="node"}'), 0);
        const mode = (await Deno.stat(`${textfiles}/opta.prom`)).mode! & 0o777;
        assert.equal(mode, 0o644);
        assert.deepEqual(
          [...Deno.readDirSync(textfiles)].map((e) => e.name).sort(),
          [".opta.prom.lock", "opta.prom"],
          "no temporary file left behind, only the exporter's lock",
        );
        await exporter.stop();
        assert.equal(exporter.exited?.code, 0);
        assert.deepEqual([...Deno.readDirSync(textfiles)], [], "removed on shutdown");
      } finally {
        await prometheus.stop();
        await exporter.stop();
        node.kill();
        await node.status;
        await daemon.stop();
      }
    });
  },
});
