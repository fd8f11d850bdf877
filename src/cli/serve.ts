/**
 * `opta-metrics serve` (the default command): flags → {@linkcode ServeOptions},
 * stop signals → a clean stop (socket removed, exit 0 within a second).
 *
 * @module
 */

import { serve, type ServeOptions } from "../daemon/serve.ts";
import { defaultPlaceDescription } from "../ipc/socket_place.ts";
import { MAX_TOP_PROCESSES } from "../ipc/limits.ts";
import { DEFAULT_GC_INTERVAL_MS } from "../daemon/v8.ts";
import { currentPlatform } from "../metrics/current.ts";
import { DARWIN_CADENCES } from "../metrics/darwin/cadences.ts";
import { type Cadences, DEFAULT_CADENCES } from "../metrics/sampler.ts";
import { REQUIRED_SOURCES, SOURCE_NAMES, type SourceName } from "../metrics/source.ts";
import { DEFAULT_MOMENTUM_CONFIG } from "../momentum/momentum.ts";
import {
  CommandError,
  durationFlag,
  formatDuration,
  intFlag,
  loggerFlags,
  numberFlag,
  parseFlags,
  socketOption,
  UsageError,
} from "./flags.ts";
import { onStopSignal } from "./stop_signals.ts";

const GC_DEFAULT_S = DEFAULT_GC_INTERVAL_MS / 1000;

const IDLE = formatDuration(DEFAULT_CADENCES.idle);

/** Help text of the serve command. */
export const SERVE_HELP = `Usage: opta-metrics serve [options]

Stream metrics frames on a Unix socket (see PROTOCOL.md).

Socket:
  --socket PATH             socket path (env OPTA_METRICS_SOCKET; default
                            ${defaultPlaceDescription()})
  --socket-mode MODE        octal file mode of the socket (default 0600)
  --max-clients N           refuse clients beyond N (default 256)
  --stall-timeout DUR       close a client whose write is stuck this long (default 2s)
Stream:
  --rate HZ                 frames per second, 1-120 (default 25)
  --top N                   processes per frame, 0-${MAX_TOP_PROCESSES} (default 10)
Sources (see docs/numbers.md):
  ${SOURCE_NAMES.slice(0, 6).join(", ")},
  ${SOURCE_NAMES.slice(6).join(", ")}
  --sources LIST            comma-separated sources to run (default: all); ${
  REQUIRED_SOURCES.join(", ")
}
                            always run
  --no-SOURCE               do not run SOURCE, e.g. --no-gpu (repeatable)
  --SOURCE-interval DUR     how often SOURCE reads (DUR: 250ms, 2s, 1m, or milliseconds);
                            defaults:
${cadenceDefaults()}
  --idle-interval DUR       every source's interval with no client connected (default ${IDLE})
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

/** The default cadences as help lines, several per line, then the macOS ones that differ. */
function cadenceDefaults(): string {
  const cells = SOURCE_NAMES.map((name) => `${name} ${formatDuration(DEFAULT_CADENCES[name])}`);
  const lines: string[] = [];
  for (let i = 0; i < cells.length; i += 4) lines.push(`      ${cells.slice(i, i + 4).join(", ")}`);
  const mac = Object.entries(DARWIN_CADENCES).map(([name, ms]) => `${name} ${formatDuration(ms)}`);
  lines.push(`      on macOS (one spawn a second at most): ${mac.slice(0, 3).join(", ")},`);
  lines.push(`      ${mac.slice(3).join(", ")}`);
  return lines.join("\n");
}

const STRING = { type: "string" } as const;
const BOOLEAN = { type: "boolean" } as const;
/**
 * `--<source>-interval` and `--no-<source>` for every source; `--no-` of a source that cannot be
 * switched off is read only to say so.
 */
const SOURCE_FLAGS = Object.fromEntries([
  ...SOURCE_NAMES.map((name) => [`${name}-interval`, STRING]),
  ...SOURCE_NAMES.map((name) => [`no-${name}`, BOOLEAN]),
]);
const FLAGS = {
  ...SOURCE_FLAGS,
  sources: STRING,
  socket: STRING,
  "socket-mode": STRING,
  "max-clients": STRING,
  "stall-timeout": STRING,
  rate: STRING,
  top: STRING,
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
    durationFlag("serve", name, f[name], fallback, 1000, 3_600_000, true);
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
    // The daemon's own user connects with read and write: a mode without them serves a
    // socket no client of that user can use, and every client would only say "permission denied".
    if ((socketMode & 0o600) !== 0o600) {
      throw new UsageError(
        `serve: --socket-mode must let the socket's owner read and write (like 0600 or 0660), ` +
          `got '${modeText}'`,
      );
    }
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
  const socket = socketOption("serve", f.socket); // else the default place
  return {
    socketPath: socket,
    socketMode,
    maxClients: intFlag("serve", "max-clients", f["max-clients"], 256, 1, 100_000),
    stallTimeoutMs: dur("stall-timeout", 2000, 100, 600_000),
    rateHz: numberFlag("serve", "rate", f.rate, 25, 1, 120),
    top: intFlag("serve", "top", f.top, 10, 0, MAX_TOP_PROCESSES),
    sources: parseSourceSelection(f),
    // Only the cadences given: the platform's own defaults fill the others.
    cadences: Object.fromEntries(
      [...SOURCE_NAMES, "idle" as const].filter((name) => f[`${name}-interval`] !== undefined).map((
        name,
      ) => [
        name,
        dur(`${name}-interval`, DEFAULT_CADENCES[name], name === "cpu" ? 50 : 100),
      ]),
    ) as Partial<Cadences>,
    momentum: { ...DEFAULT_MOMENTUM_CONFIG, thresholds },
    statsIntervalMs: periodOrOff("stats-interval", 0),
    gcIntervalMs: periodOrOff("gc-interval", DEFAULT_GC_INTERVAL_MS),
    log: loggerFlags("serve", f),
  };
}

/**
 * The sources `--sources` and `--no-<source>` leave running, in {@linkcode SOURCE_NAMES}
 * order. An unknown name, or switching off one of {@linkcode REQUIRED_SOURCES}, is a
 * UsageError naming it.
 */
export function parseSourceSelection(
  f: Record<string, string | boolean | undefined>,
): SourceName[] {
  const kept = REQUIRED_SOURCES.find((name) => f[`no-${name}`] === true);
  if (kept !== undefined) {
    throw new UsageError(
      `serve: ${kept} cannot be switched off (frames always carry ${REQUIRED_SOURCES.join(", ")})`,
    );
  }
  let chosen: readonly SourceName[] = SOURCE_NAMES;
  if (f.sources !== undefined) {
    const names = String(f.sources).split(",").map((name) => name.trim()).filter(Boolean);
    const unknown = names.find((name) => !(SOURCE_NAMES as readonly string[]).includes(name));
    if (unknown !== undefined || names.length === 0) {
      throw new UsageError(
        `serve: --sources takes names from ${SOURCE_NAMES.join(",")}, got '${
          unknown ?? f.sources
        }'`,
      );
    }
    const missing = REQUIRED_SOURCES.filter((name) => !names.includes(name));
    if (missing.length > 0) {
      throw new UsageError(
        `serve: --sources must include ${
          REQUIRED_SOURCES.join(", ")
        } (frames always carry them), missing ${missing.join(", ")}`,
      );
    }
    chosen = names as SourceName[];
  }
  return SOURCE_NAMES.filter((name) => chosen.includes(name) && f[`no-${name}`] !== true);
}

/** Run the daemon until a stop signal (Ctrl-C, SIGTERM, SIGHUP); resolves to the exit code. */
export async function runServe(options: ServeOptions): Promise<number> {
  const stop = new AbortController();
  const dispose = onStopSignal((signal) => {
    options.log?.log("info", "shutting down", { signal });
    stop.abort();
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
    dispose();
  }
}
