/**
 * `opta-metrics serve` (the default command): flags → {@linkcode ServeOptions},
 * signals → a clean stop (socket removed, exit 0 within a second).
 *
 * @module
 */

import { createLogger, LOG_LEVELS, type LogLevel } from "../log.ts";
import { serve, type ServeOptions } from "../daemon/serve.ts";
import { DEFAULT_SOCKET_PATH } from "../ipc/socket_path.ts";
import { DEFAULT_GC_INTERVAL_MS } from "../daemon/v8.ts";
import { currentPlatform } from "../metrics/current.ts";
import { DEFAULT_CADENCES } from "../metrics/sampler.ts";
import { DEFAULT_MOMENTUM_CONFIG } from "../momentum/momentum.ts";
import {
  choiceFlag,
  CommandError,
  durationFlag,
  envVar,
  intFlag,
  numberFlag,
  parseFlags,
  UsageError,
} from "./flags.ts";

const GC_DEFAULT_S = DEFAULT_GC_INTERVAL_MS / 1000;

/** Help text of the serve command. */
export const SERVE_HELP = `Usage: opta-metrics serve [options]

Stream metrics frames on a Unix socket (see PROTOCOL.md).

Socket:
  --socket PATH             socket path (env OPTA_METRICS_SOCKET; default ${DEFAULT_SOCKET_PATH})
  --socket-mode MODE        octal file mode of the socket (default 0600)
  --max-clients N           refuse clients beyond N (default 256)
  --stall-timeout DUR       close a client whose write is stuck this long (default 2s)
Stream:
  --rate HZ                 frames per second, 1-120 (default 25)
  --top N                   processes per frame, 0-100 (default 10)
Sampling (DUR: 250ms, 2s, 1m, or milliseconds):
  --cpu-interval DUR        default ${DEFAULT_CADENCES.cpu}ms
  --memory-interval DUR     default ${DEFAULT_CADENCES.memory}ms
  --processes-interval DUR  default ${DEFAULT_CADENCES.processes}ms
  --disk-interval DUR       default ${DEFAULT_CADENCES.disk}ms
  --temperature-interval DUR
                            default ${DEFAULT_CADENCES.temperature}ms
  --idle-interval DUR       every source's interval while no client is connected (default ${DEFAULT_CADENCES.idle}ms)
Momentum (percent):
  --active-cpu P --active-memory P      default 60, 60
  --critical-cpu P --critical-memory P  default 90, 85
  --hysteresis P                        points below entry before a state is left (default 5)
Logging:
  --log-level LEVEL         debug, info, warn, error (default info)
  --log-format FORMAT       text or json (default text)
  --stats-interval DUR      log a stats line this often, at least 1s (default 0: off)
Memory:
  --gc-interval DUR         run a full garbage collection this often, at least 1s (default
                            ${GC_DEFAULT_S}s; 0: off). Needs --v8-flags=--expose-gc: the binary
                            and "deno task start" have it
  -h, --help                show this help`;

const STRING = { type: "string" } as const;
const FLAGS = {
  socket: STRING,
  "socket-mode": STRING,
  "max-clients": STRING,
  "stall-timeout": STRING,
  rate: STRING,
  top: STRING,
  "cpu-interval": STRING,
  "memory-interval": STRING,
  "processes-interval": STRING,
  "disk-interval": STRING,
  "temperature-interval": STRING,
  "idle-interval": STRING,
  "active-cpu": STRING,
  "active-memory": STRING,
  "critical-cpu": STRING,
  "critical-memory": STRING,
  hysteresis: STRING,
  "log-level": STRING,
  "log-format": STRING,
  "stats-interval": STRING,
  "gc-interval": STRING,
};

/** Parse serve's flags into options (help → null). Every bad value is a UsageError naming its flag. */
export function parseServeArgs(args: string[]): ServeOptions | null {
  const f = parseFlags("serve", args, FLAGS);
  if (f.help) return null;
  const dur = (name: string, fallback: number, min = 10, max = 3_600_000) =>
    durationFlag("serve", name, f[name], fallback, min, max);
  /** A period of at least 1 s, or 0 for "off". */
  const periodOrOff = (name: string, fallback: number) =>
    f[name] === "0" ? 0 : dur(name, fallback, 1000);
  const percent = (name: string, fallback: number) =>
    numberFlag("serve", name, f[name], fallback, 0, 100);
  const modeText = f["socket-mode"];
  let socketMode = 0o600;
  if (modeText !== undefined) {
    if (typeof modeText !== "string" || !/^0?[0-7]{3}$/.test(modeText)) {
      throw new UsageError(
        `serve: --socket-mode must be an octal mode like 0600, got '${modeText}'`,
      );
    }
    socketMode = parseInt(modeText, 8);
  }
  const thresholds = {
    activeCpu: percent("active-cpu", 60),
    activeMemory: percent("active-memory", 60),
    criticalCpu: percent("critical-cpu", 90),
    criticalMemory: percent("critical-memory", 85),
    hysteresis: percent("hysteresis", 5),
  };
  if (thresholds.criticalCpu < thresholds.activeCpu) {
    throw new UsageError("serve: --critical-cpu must not be below --active-cpu");
  }
  if (thresholds.criticalMemory < thresholds.activeMemory) {
    throw new UsageError("serve: --critical-memory must not be below --active-memory");
  }
  const socket = f.socket ?? envVar("OPTA_METRICS_SOCKET") ?? DEFAULT_SOCKET_PATH;
  if (typeof socket !== "string" || socket === "") {
    throw new UsageError("serve: --socket needs a path");
  }
  const level = choiceFlag("serve", "log-level", f["log-level"], "info", LOG_LEVELS) as LogLevel;
  const format = choiceFlag(
    "serve",
    "log-format",
    f["log-format"],
    "text",
    ["text", "json"] as const,
  );
  return {
    socketPath: socket,
    socketMode,
    maxClients: intFlag("serve", "max-clients", f["max-clients"], 256, 1, 100_000),
    stallTimeoutMs: dur("stall-timeout", 2000, 100, 600_000),
    rateHz: numberFlag("serve", "rate", f.rate, 25, 1, 120),
    top: intFlag("serve", "top", f.top, 10, 0, 100),
    cadences: {
      cpu: dur("cpu-interval", DEFAULT_CADENCES.cpu, 50),
      memory: dur("memory-interval", DEFAULT_CADENCES.memory, 100),
      processes: dur("processes-interval", DEFAULT_CADENCES.processes, 100),
      disk: dur("disk-interval", DEFAULT_CADENCES.disk, 100),
      temperature: dur("temperature-interval", DEFAULT_CADENCES.temperature, 100),
      idle: dur("idle-interval", DEFAULT_CADENCES.idle, 100),
    },
    momentum: { ...DEFAULT_MOMENTUM_CONFIG, thresholds },
    statsIntervalMs: periodOrOff("stats-interval", 0),
    gcIntervalMs: periodOrOff("gc-interval", DEFAULT_GC_INTERVAL_MS),
    log: createLogger(level, format),
  };
}

/** Run the daemon until SIGINT/SIGTERM; resolves to the exit code. */
export async function runServe(options: ServeOptions): Promise<number> {
  const stop = new AbortController();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  let received: Deno.Signal | null = null;
  const handlers = signals.map((signal) => {
    const handler = () => {
      if (received) return;
      received = signal;
      options.log?.log("info", "shutting down", { signal });
      stop.abort();
    };
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  try {
    const server = await serve(await currentPlatform(), { ...options, signal: stop.signal });
    try {
      await server.finished;
    } catch (error) {
      throw new CommandError((error as Error).message);
    }
    return 0;
  } finally {
    for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
  }
}
