/**
 * The real Prometheus tools for tests: `promtool`, a Prometheus server with its own config,
 * data directory and loopback port, and `prometheus-node-exporter`, as Debian's packages
 * install them (`.ci/run` installs them; without them these tests are ignored, saying so).
 *
 * @module
 */

import assert from "node:assert/strict";
import { poll } from "./wait.ts";

/** The tools, where Debian puts them. */
export const PROMTOOL = "/usr/bin/promtool";
/** The Prometheus server. */
export const PROMETHEUS = "/usr/bin/prometheus";
/** Debian's node_exporter. */
export const NODE_EXPORTER = "/usr/bin/prometheus-node-exporter";

let available: boolean | undefined;

/** Whether promtool, prometheus and node_exporter can all be run here. */
export function prometheusAvailable(): boolean {
  if (available === undefined) {
    available = [PROMTOOL, PROMETHEUS, NODE_EXPORTER].every((tool) => {
      try {
        return Deno.statSync(tool).isFile;
      } catch {
        return false;
      }
    });
    if (!available) console.warn("prometheus tools not installed: their tests are ignored");
  }
  return available;
}

/** Run promtool with `args` and `stdin`; its exit code and combined output. */
export async function promtool(
  args: string[],
  stdin = "",
): Promise<{ code: number; output: string }> {
  const child = new Deno.Command(PROMTOOL, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const out = await child.output();
  const text = new TextDecoder();
  return { code: out.code, output: text.decode(out.stdout) + text.decode(out.stderr) };
}

/** A running Prometheus server. */
export class PrometheusServer {
  readonly #child: Deno.ChildProcess;
  /** Its base URL. */
  readonly url: string;

  private constructor(child: Deno.ChildProcess, port: number) {
    this.#child = child;
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Start Prometheus on `port` with `config` (YAML), its data under `dir`; waits until ready. */
  static async start(dir: string, port: number, config: string): Promise<PrometheusServer> {
    await Deno.writeTextFile(`${dir}/prometheus.yml`, config);
    const child = new Deno.Command(PROMETHEUS, {
      args: [
        `--config.file=${dir}/prometheus.yml`,
        `--storage.tsdb.path=${dir}/data`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const server = new PrometheusServer(child, port);
    const ready = await poll(async () => {
      try {
        return (await fetch(`${server.url}/-/ready`)).ok;
      } catch {
        return false;
      }
    }, 30_000);
    if (!ready) {
      await server.stop();
      assert.fail("Prometheus did not become ready within 30 s");
    }
    return server;
  }

  /** An instant query's vector: each sample's labels and value. */
  async query(promql: string): Promise<{ metric: Record<string, string>; value: number }[]> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = await response.json();
    assert.equal(body.status, "success", JSON.stringify(body));
    return body.data.result.map((
      r: { metric: Record<string, string>; value: [number, string] },
    ) => ({
      metric: r.metric,
      value: Number(r.value[1]),
    }));
  }

  /** The one value `promql` gives now, or null when it gives none. */
  async value(promql: string): Promise<number | null> {
    const result = await this.query(promql);
    assert.ok(result.length <= 1, `${promql} gave ${result.length} series`);
    return result.length === 0 ? null : result[0].value;
  }

  /** The active scrape targets' health and last error. */
  async targets(): Promise<{ job: string; health: string; lastError: string }[]> {
    const body = await (await fetch(`${this.url}/api/v1/targets?state=active`)).json();
    return body.data.activeTargets.map((
      t: { labels: { job: string }; health: string; lastError: string },
    ) => ({ job: t.labels.job, health: t.health, lastError: t.lastError }));
  }

  /** Stop the server and wait for it. */
  async stop(): Promise<void> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // exited already
    }
    await this.#child.status;
  }
}
