/**
 * Runs the exporter as a real subprocess (`src/export_main.ts`, as the shipped binary runs)
 * under this platform's shipped exporter permission set with only the socket path, the
 * listen address and the textfile directory swapped for the test's, so tests and binary
 * cannot differ in what they grant.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type ExportSet,
  exportSet,
  listenGrants,
  textfileDirectories,
} from "../../src/export/grants.ts";
import { EXPORTER_V8_FLAGS } from "../../src/export/v8.ts";
import { daemonConfigFile } from "./daemon_permissions.ts";
import { LoggedChild } from "./logged_child.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const ENTRY = new URL("../../src/export_main.ts", import.meta.url).pathname;

/** What a test swaps in the shipped set. */
export interface ExporterGrants {
  /** The daemon's socket (replaces every socket path). */
  socket: string;
  /** `HOST:PORT` grants (replace the shipped listen addresses). */
  listen?: string[];
  /** The textfile directory (replaces the shipped ones). */
  textfileDirectory?: string;
}

/** The shipped exporter set with the test's socket, addresses and directory swapped in. */
export function exporterPermissionSet(grants: ExporterGrants): ExportSet & Record<string, unknown> {
  const shipped = exportSet();
  const sockets = new Set(
    shipped.net.filter((e) => e.startsWith("unix:")).map((e) => e.slice("unix:".length)),
  );
  const directories = new Set(textfileDirectories(shipped));
  const listens = new Set(listenGrants(shipped));
  const swapPath = (path: string) =>
    sockets.has(path)
      ? [grants.socket]
      : directories.has(path)
      ? (grants.textfileDirectory ? [grants.textfileDirectory] : [])
      : [path];
  const swapNet = (entry: string) =>
    entry.startsWith("unix:") ? [`unix:${grants.socket}`] : listens.has(entry) ? [] : [entry];
  const unique = (entries: string[]) => [...new Set(entries)];
  return {
    ...shipped,
    read: unique(shipped.read.flatMap(swapPath)),
    write: unique(shipped.write.flatMap(swapPath)),
    net: unique([...shipped.net.flatMap(swapNet), ...(grants.listen ?? [])]),
  };
}

/** The `deno run` command line of the exporter under `grants`, with its flags `args`. */
export function exporterCommand(grants: ExporterGrants, args: string[]): string[] {
  return [
    Deno.execPath(),
    "run",
    "--quiet",
    "--no-prompt",
    `--config=${daemonConfigFile(exporterPermissionSet(grants), "export-test")}`,
    "-P=export-test",
    `--v8-flags=${EXPORTER_V8_FLAGS.join(",")}`,
    ENTRY,
    "--socket",
    grants.socket,
    ...args,
  ];
}

/** A running exporter subprocess. */
export class ExporterProcess extends LoggedChild {
  /**
   * Starts `opta-metrics-export --socket SOCKET ARGS` under the swapped set, or `command` as
   * given (a command line built from {@linkcode exporterCommand} with flags of its own).
   */
  constructor(grants: ExporterGrants, args: string[], command?: string[]) {
    super("exporter", command ?? exporterCommand(grants, args), {
      cwd: ROOT,
      env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
    });
  }
}

/** Starts an exporter serving on `127.0.0.1:port` and waits for its "listening" line. */
export async function startExporter(
  socket: string,
  port: number,
  args: string[] = [],
): Promise<ExporterProcess> {
  const listen = `127.0.0.1:${port}`;
  const exporter = new ExporterProcess({ socket, listen: [listen] }, ["--listen", listen, ...args]);
  try {
    await exporter.waitForLine(/\blistening\b/, 15_000);
  } catch (error) {
    await exporter.kill();
    throw error;
  }
  return exporter;
}

/**
 * A loopback TCP port free right now, chosen by the kernel: tests of every worktree may run
 * at once on this machine, so none of them may count on a fixed port.
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/** GET (or `method`) `url`; status, headers and body text. */
export async function httpGet(
  url: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<{ status: number; headers: Headers; body: string }> {
  const response = await fetch(url, { method, headers });
  const body = await response.text();
  return { status: response.status, headers: response.headers, body };
}

/** The value of the sample `name` (no labels) in a text exposition, or null. */
export function sampleValue(text: string, name: string): number | null {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  if (line === undefined) return null;
  const value = Number(line.slice(name.length + 1));
  assert.ok(!Number.isNaN(value), line);
  return value;
}
