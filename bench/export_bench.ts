/**
 * The exporter's cost against node_exporter's, side by side in one run: two daemons, each
 * with its exporter, and two prometheus-node-exporters, all scraped by one real Prometheus,
 * one pair every 15 s and one every second. Each daemon and exporter runs under its shipped
 * permission set; CPU is each process tree's own and its children's (spawned tools, live or
 * reaped), from /proc/<pid>/stat. Targets: at 15 s the daemon plus its exporter use less
 * CPU than node_exporter; at 1 s no more. Freshness is checked on the way: the newest
 * reading every scrape saw, and opta_up over the whole run.
 *
 *   deno task bench:export                 # 300 s after a 30 s warm-up
 *   deno task bench:export -- --seconds 900
 *
 * @module
 */

import { benchFlags } from "./support/args.ts";
import { treeCpuWindows } from "./support/proc.ts";
import { startDaemon } from "../tests/support/daemon.ts";
import { freePort, startExporter } from "../tests/support/exporter.ts";
import { NODE_EXPORTER, PrometheusServer } from "../tests/support/prometheus.ts";

const flags = benchFlags({ seconds: "300", warmup: "30" });
const seconds = Number(flags.seconds);
const warmup = Number(flags.warmup);
if (!(seconds >= 30) || !(warmup >= 0)) {
  console.error("bench:export: --seconds must be at least 30 and --warmup at least 0");
  Deno.exit(2);
}

const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "omx-bench" });
const INTERVALS = [15, 1] as const;

/** One node_exporter on `port`, its default collectors, as Debian runs it. */
function nodeExporter(port: number): Deno.ChildProcess {
  return new Deno.Command(NODE_EXPORTER, {
    args: [`--web.listen-address=127.0.0.1:${port}`],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

const sides = await Promise.all(INTERVALS.map(async (interval) => {
  const socket = `${dir}/d${interval}.sock`;
  const daemon = await startDaemon(socket);
  const exporterPort = freePort();
  const exporter = await startExporter(socket, exporterPort);
  const nodePort = freePort();
  const node = nodeExporter(nodePort);
  return { interval, daemon, exporter, exporterPort, node, nodePort };
}));

const jobs = sides.flatMap((s) => [
  `  - job_name: opta_${s.interval}s\n    scrape_interval: ${s.interval}s\n    scrape_timeout: ${
    Math.min(s.interval, 5)
  }s\n    static_configs: [{ targets: ["127.0.0.1:${s.exporterPort}"] }]\n`,
  `  - job_name: node_${s.interval}s\n    scrape_interval: ${s.interval}s\n    scrape_timeout: ${
    Math.min(s.interval, 5)
  }s\n    static_configs: [{ targets: ["127.0.0.1:${s.nodePort}"] }]\n`,
]);
const prometheus = await PrometheusServer.start(
  dir,
  freePort(),
  `global:\n  scrape_interval: 15s\nscrape_configs:\n${jobs.join("")}`,
);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
console.log(`warming up ${warmup} s, then measuring ${seconds} s (every process side by side)`);
await sleep(warmup * 1000);
const windows = sides.map((s) => ({
  daemon: treeCpuWindows(s.daemon.pid),
  exporter: treeCpuWindows(s.exporter.pid),
  node: treeCpuWindows(s.node.pid),
}));
for (const w of windows) for (const counter of Object.values(w)) counter();
const started = Date.now();
await sleep(seconds * 1000);
const results = windows.map((w) => ({
  daemon: w.daemon(),
  exporter: w.exporter(),
  node: w.node(),
}));

const range = `${Math.round((Date.now() - started) / 1000)}s`;
const freshness = await Promise.all(sides.map(async (s) => ({
  minUp: await prometheus.value(`min_over_time(opta_up{job="opta_${s.interval}s"}[${range}])`),
  maxAge: await prometheus.value(
    `max_over_time(opta_frame_age_seconds{job="opta_${s.interval}s"}[${range}])`,
  ),
  scrapes: await prometheus.value(`count_over_time(opta_up{job="opta_${s.interval}s"}[${range}])`),
  optaScrapeMs: await prometheus.value(
    `1000 * avg_over_time(scrape_duration_seconds{job="opta_${s.interval}s"}[${range}])`,
  ),
  nodeScrapeMs: await prometheus.value(
    `1000 * avg_over_time(scrape_duration_seconds{job="node_${s.interval}s"}[${range}])`,
  ),
})));

await prometheus.stop();
for (const s of sides) {
  await s.exporter.stop();
  await s.daemon.stop();
  s.node.kill();
  await s.node.status;
}
await Deno.remove(dir, { recursive: true });

const pct = (x: number) => `${x.toFixed(3)} %`;
const total = (c: { selfPct: number; childrenPct: number }) => c.selfPct + c.childrenPct;
console.log(
  `\n| scraped every | daemon (own + tools) | exporter | daemon + exporter | node_exporter | ratio | target | met |`,
);
console.log(`| --- | --- | --- | --- | --- | --- | --- | --- |`);
let allMet = true;
sides.forEach((s, i) => {
  const r = results[i];
  const ours = total(r.daemon) + total(r.exporter);
  const theirs = total(r.node);
  const met = s.interval === 15 ? ours < theirs : ours <= theirs;
  allMet &&= met;
  console.log(
    `| ${s.interval} s | ${pct(total(r.daemon))} (${pct(r.daemon.selfPct)} + ${
      pct(r.daemon.childrenPct)
    }) | ${pct(total(r.exporter))} | ${pct(ours)} | ${pct(theirs)} | ${
      (ours / theirs).toFixed(2)
    } | ${s.interval === 15 ? "< 1" : "≤ 1"} | ${met ? "met" : "NOT met"} |`,
  );
});
console.log(
  "\n| scraped every | scrapes | opta_up minimum | newest reading, oldest seen | scrape time (opta / node) |",
);
console.log("| --- | --- | --- | --- | --- |");
sides.forEach((s, i) => {
  const f = freshness[i];
  console.log(
    `| ${s.interval} s | ${f.scrapes} | ${f.minUp} | ${f.maxAge?.toFixed(3)} s | ${
      f.optaScrapeMs?.toFixed(1)
    } ms / ${f.nodeScrapeMs?.toFixed(1)} ms |`,
  );
});
console.log(
  `\n${seconds} s measured after ${warmup} s of warm-up; CPU in 10 ms clock ticks, % of one core.`,
);
Deno.exit(allMet ? 0 : 1);
