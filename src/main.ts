/**
 * opta-metrics command line: argument parsing and wiring only.
 *
 * @module
 */

import config from "../deno.json" with { type: "json" };
import { DECODE_HELP, runDecode } from "./cli/decode.ts";
import { exportHelp, parseExportArgs, runExport } from "./cli/export.ts";
import { parseServeArgs, runServe, SERVE_HELP } from "./cli/serve.ts";
import { parseWatchArgs, runWatch, WATCH_HELP } from "./cli/watch.ts";
import { formatSample, SAMPLE_HELP, sampleToJson, takeSample } from "./cli/sample.ts";
import { CommandError, intFlag, parseFlags, UsageError } from "./cli/flags.ts";
import { jsonLine, printable } from "./printable.ts";
import { SocketPathError } from "./ipc/socket_path.ts";
import { defaultPlaceExample } from "./ipc/socket_place.ts";
import { isRuntimeError, osErrorAdvice, osErrorCode } from "./os_error.ts";

/** The program's version, from deno.json. */
export const VERSION: string = config.version;

/** Top-level help. */
export const HELP =
  `opta-metrics ${VERSION} — system metrics streamed as FlatBuffers over a Unix socket

Usage: opta-metrics <command> [options]

Commands:
  serve       (default) stream metrics frames on a Unix socket
  watch       show the live stream of a running daemon (NDJSON when piped or --json)
  sample      take one snapshot of this machine and print it (JSON when piped or --json)
  decode      read framed bytes from stdin, print one JSON object per frame
  export      serve the daemon's numbers as Prometheus metrics (or write a textfile)

Options:
  -h, --help     show this help (also: opta-metrics <command> --help)
  -V, --version  print the version

Protocol: see PROTOCOL.md. Example: nc -U ${defaultPlaceExample()} | opta-metrics decode`;

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  async serve(args) {
    const options = parseServeArgs(args);
    if (options === null) return print(SERVE_HELP);
    return await runServe(options);
  },
  async watch(args) {
    const options = parseWatchArgs(args);
    if (options === null) return print(WATCH_HELP);
    return await runWatch(options);
  },
  async sample(args) {
    const flags = parseFlags("sample", args, {
      json: { type: "boolean" },
      top: { type: "string" },
    });
    if (flags.help) return print(SAMPLE_HELP);
    const top = intFlag("sample", "top", flags.top, 10, 1, 100);
    const result = await takeSample(top);
    // as watch does: a table for a person at a terminal, JSON for a program reading a pipe
    const json = flags.json === true || !Deno.stdout.isTerminal();
    return print(json ? jsonLine(sampleToJson(result)) : formatSample(result));
  },
  async export(args) {
    const options = parseExportArgs(args);
    if (options === null) return print(exportHelp());
    return await runExport(options);
  },
  async decode(args) {
    const flags = parseFlags("decode", args, { raw: { type: "boolean" } });
    if (flags.help) return print(DECODE_HELP);
    // Frames are binary: typed at a terminal they are never right, and a decode that
    // waits there in silence looks hung.
    if (Deno.stdin.isTerminal()) {
      throw new UsageError(
        `decode: stdin is a terminal; pipe frames into it: nc -U ${defaultPlaceExample()} | ` +
          "opta-metrics decode",
      );
    }
    await runDecode(Deno.stdin.readable, Deno.stdout, flags.raw === true);
    return 0;
  },
};

function print(text: string): number {
  console.log(text);
  return 0;
}

/** Run the command line `args`; resolves to the process exit code. */
export async function main(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  if (first === "-h" || first === "--help" || first === "help") return print(HELP);
  if (first === undefined || (first.startsWith("-") && first !== "-V" && first !== "--version")) {
    return await COMMANDS.serve(args); // serve is the default command
  }
  if (first === "-V" || first === "--version") return print(`opta-metrics ${VERSION}`);
  const command = COMMANDS[first];
  if (command === undefined) {
    throw new UsageError(
      first.startsWith("-") ? `unknown option '${first}'` : `unknown command '${first}'`,
    );
  }
  return await command(rest);
}

/**
 * Where a usage error's reader finds the flags: a message naming a command (`serve: …`)
 * points to that command's help, which lists its flags; the top-level help does not.
 */
export function helpFor(message: string): string {
  const command = /^([a-z]+): /.exec(message)?.[1];
  return command !== undefined && Object.hasOwn(COMMANDS, command)
    ? `opta-metrics ${command} --help`
    : "opta-metrics --help";
}

/** Map an error to its one-line message and exit code; unexpected errors keep their stack. */
export function reportError(error: unknown): number {
  if (error instanceof UsageError) {
    console.error(`opta-metrics: ${printable(error.message)} (see '${helpFor(error.message)}')`);
    return 2;
  }
  if (error instanceof CommandError || error instanceof SocketPathError) {
    console.error(`opta-metrics: ${printable(error.message)}`);
    return 1;
  }
  if (error instanceof Deno.errors.BrokenPipe) return 0; // reader went away (e.g. `| head`)
  if (error instanceof Deno.errors.NotCapable) {
    console.error(`opta-metrics: permission denied: ${printable((error as Error).message)}`);
    return 1;
  }
  // Any other OS error (the runtime's message names the call and the path) is the
  // environment's, not a bug: one line with what it means and what to do.
  if (isRuntimeError(error) || osErrorCode(error) !== null) {
    const advice = osErrorAdvice(error);
    const message = (error as Error).message.split("\n")[0];
    console.error(`opta-metrics: ${printable(message)}${advice ? ` — ${advice}` : ""}`);
    return 1;
  }
  console.error("opta-metrics: internal error:", error);
  return 70;
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (error) {
    code = reportError(error);
  }
  Deno.exit(code);
}
