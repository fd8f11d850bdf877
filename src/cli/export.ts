/**
 * `opta-metrics export` (and the `opta-metrics-export` binary): the daemon's numbers as
 * Prometheus metrics, served over HTTP or written to a node_exporter textfile. Flags →
 * options, then wiring only: the grants this mode does not use are revoked before anything
 * is read from a client or the daemon.
 *
 * @module
 */

import type { Logger } from "../log.ts";
import { defaultClientSocket } from "../ipc/default_socket.ts";
import { resolveSocketPath } from "../ipc/socket_path.ts";
import { assertSocketGranted } from "../ipc/socket_grants.ts";
import { DaemonLink } from "../export/daemon_link.ts";
import { Exporter } from "../export/exporter.ts";
import {
  DEFAULT_LISTEN,
  grantName,
  listenGrants,
  narrowPermissions,
  textfileDirectories,
} from "../export/grants.ts";
import { HttpServer } from "../export/http_server.ts";
import { negotiate } from "../export/negotiate.ts";
import {
  lockTextfile,
  removeTextfile,
  TextfileBusyError,
  unlockTextfile,
  writeTextfile,
} from "../export/textfile.ts";
import {
  CommandError,
  durationFlag,
  intFlag,
  loggerFlags,
  parseFlags,
  printable,
  socketOption,
  UsageError,
} from "./flags.ts";
import { onStopSignal } from "./stop_signals.ts";

/**
 * Where a reader finds how to serve or write elsewhere: the source's docs, which a binary
 * installed without them (release tarballs carry none) can still be pointed to.
 */
const ELSEWHERE = `see "Running it" in docs/prometheus.md of the opta-metrics source, ` +
  "https://github.com/opta-dev/opta-metrics";

/** Help text of the export command, for the program name it is run as. */
export function exportHelp(program = "opta-metrics export"): string {
  return `Usage: ${program} [--listen HOST:PORT | --textfile PATH] [options]

Serve the daemon's numbers as Prometheus metrics on http://HOST:PORT/metrics, or write them
to a file for node_exporter's textfile collector.

  --listen HOST:PORT   address to serve on (default ${DEFAULT_LISTEN}: this machine only;
                       0.0.0.0:9612 for every interface, [::]:9612 for IPv6 too)
  --textfile PATH      write PATH (ending in .prom) instead of serving, atomically
  --interval DUR       how often to write the textfile (default 15s)
  --processes N        export the N busiest processes, pid and name as labels (default 0)
  --socket PATH        the daemon's socket (env OPTA_METRICS_SOCKET; default as for watch)
  --log-level LEVEL    debug, info, warn, error (default info)
  --log-format FORMAT  text or json (default text)
  -h, --help           show this help

This build may listen on: ${listenGrants().join(", ")}
and write textfiles in: ${textfileDirectories().join(", ")}.
For others, run from source or build your own binary: ${ELSEWHERE}.`;
}

/** Parsed export flags. */
export interface ExportOptions {
  /** The daemon's socket. */
  socketPath: string;
  /** Where to serve (HTTP mode). */
  listen: { hostname: string; port: number } | null;
  /** Where to write (textfile mode). */
  textfile: string | null;
  /** Textfile interval, ms. */
  intervalMs: number;
  /** Busiest processes to export. */
  processes: number;
  /** Where lifecycle lines go. */
  log: Logger;
}

/** `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (every IPv4 interface); `localhost` means 127.0.0.1. */
export function parseListen(text: string): { hostname: string; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (match === null || !(port >= 1 && port <= 65_535)) {
    throw new UsageError(
      `export: --listen must be HOST:PORT, [IPv6]:PORT or :PORT with a port from 1 to 65535, ` +
        `got '${text}'`,
    );
  }
  const host = match[1] ?? match[2];
  const hostname = host === "" ? "0.0.0.0" : host === "localhost" ? "127.0.0.1" : host;
  return { hostname, port };
}

/** Parse export's flags (help → null). */
export function parseExportArgs(args: string[]): ExportOptions | null {
  const f = parseFlags("export", args, {
    listen: { type: "string" },
    textfile: { type: "string" },
    interval: { type: "string" },
    processes: { type: "string" },
    socket: { type: "string" },
    "log-level": { type: "string" },
    "log-format": { type: "string" },
  });
  if (f.help) return null;
  if (f.listen !== undefined && f.textfile !== undefined) {
    throw new UsageError("export: --listen and --textfile exclude each other");
  }
  if (f.interval !== undefined && f.textfile === undefined) {
    throw new UsageError("export: --interval needs --textfile");
  }
  let textfile: string | null = null;
  if (f.textfile !== undefined) {
    const path = String(f.textfile);
    if (!path.endsWith(".prom")) {
      throw new UsageError(
        `export: --textfile must end in .prom (node_exporter reads only those), got '${path}'`,
      );
    }
    textfile = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  }
  const socket = socketOption("export", f.socket) ?? defaultClientSocket();
  return {
    socketPath: resolveSocketPath(socket),
    listen: textfile === null ? parseListen(String(f.listen ?? DEFAULT_LISTEN)) : null,
    textfile,
    intervalMs: durationFlag("export", "interval", f.interval, 15_000, 1000, 3_600_000),
    processes: intFlag("export", "processes", f.processes, 0, 0, 100),
    log: loggerFlags("export", f),
  };
}

/**
 * Resolves on the first stop signal: a closed terminal stops the exporter as cleanly as a
 * service manager does, removing its textfile rather than leaving numbers that no longer
 * change.
 */
function untilSignal(log: Logger): { stopped: Promise<void>; dispose(): void } {
  const { promise, resolve } = Promise.withResolvers<void>();
  const dispose = onStopSignal((signal) => {
    log.log("info", "shutting down", { signal });
    resolve();
  });
  return { stopped: promise, dispose };
}

/** Run the exporter until SIGINT, SIGTERM or SIGHUP; resolves to the exit code. */
export async function runExport(o: ExportOptions): Promise<number> {
  assertSocketGranted(o.socketPath, "export");
  // Without processes to export, the daemon need not run its process source for the link.
  const link = new DaemonLink({ socketPath: o.socketPath, processes: o.processes > 0 });
  const exporter = new Exporter({ link, processes: o.processes, log: o.log });
  const signal = untilSignal(o.log);
  try {
    if (o.textfile !== null) await writeLoop(exporter, o.textfile, o, signal.stopped);
    else await serveHttp(exporter, o.listen!, o, signal.stopped);
    return 0;
  } finally {
    link.close();
    signal.dispose();
  }
}

async function serveHttp(
  exporter: Exporter,
  listen: { hostname: string; port: number },
  o: ExportOptions,
  stopped: Promise<void>,
): Promise<void> {
  const address = grantName(listen.hostname, listen.port);
  if (Deno.permissions.querySync({ name: "net", host: address }).state !== "granted") {
    throw new CommandError(
      `export: listening on ${address} is not granted (the shipped sets grant ` +
        `${listenGrants().join(", ")}); from source add it to --allow-net, or build your own ` +
        `binary (${ELSEWHERE})`,
    );
  }
  narrowPermissions({ socket: o.socketPath, listen: address });
  let server: HttpServer;
  try {
    server = HttpServer.listen({
      ...listen,
      log: o.log,
      onResponse: (status) => exporter.counters.response(status),
      metrics: async ({ accept, headOnly, timeoutMs }) => {
        const { format, contentType } = negotiate(accept);
        if (headOnly) return { contentType, body: null };
        const text = await exporter.scrape(format, timeoutMs);
        return { contentType, body: new TextEncoder().encode(text) };
      },
    });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new CommandError(`export: ${address} is already in use by another program`);
    }
    throw error;
  }
  o.log.log("info", "listening", { address: `http://${address}/metrics`, socket: o.socketPath });
  await stopped;
  await server.close();
}

async function writeLoop(
  exporter: Exporter,
  path: string,
  o: ExportOptions,
  stopped: Promise<void>,
): Promise<void> {
  const directory = path.slice(0, path.lastIndexOf("/")) || "/";
  if (Deno.permissions.querySync({ name: "write", path: directory }).state !== "granted") {
    throw new CommandError(
      `export: writing in ${printable(directory)} is not granted (the shipped sets grant ` +
        `${textfileDirectories().join(", ")}); from source add it to --allow-write, or build ` +
        `your own binary (${ELSEWHERE})`,
    );
  }
  narrowPermissions({ socket: o.socketPath, directory });
  // Another exporter on this file is refused; a lock file that cannot be made yet (its
  // directory missing, say) is tried again with each write, as the file itself is.
  const claim = () =>
    lockTextfile(path).catch((error) => {
      if (error instanceof TextfileBusyError) throw new CommandError(`export: ${error.message}`);
      throw error;
    });
  let lock = await claim().catch((error) => {
    if (error instanceof CommandError) throw error;
    return null;
  });
  o.log.log("info", "writing", { textfile: path, interval_ms: o.intervalMs, socket: o.socketPath });
  let stop = false;
  void stopped.then(() => stop = true);
  let lastError = "";
  try {
    while (!stop) {
      try {
        lock ??= await claim();
        await writeTextfile(path, await exporter.scrape("text"));
        lastError = "";
      } catch (error) {
        if (error instanceof CommandError) throw error;
        const message = (error as Error).message.split("\n")[0];
        if (message !== lastError) o.log.log("error", "textfile not written", { error: message });
        lastError = message;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([stopped, new Promise((r) => timer = setTimeout(r, o.intervalMs))]);
      clearTimeout(timer);
    }
    // Only the lock's holder wrote the file: one that never held it leaves it alone.
    if (lock !== null) await removeTextfile(path).catch(() => {});
  } finally {
    if (lock !== null) await unlockTextfile(path, lock);
  }
}
