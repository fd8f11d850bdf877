/**
 * `opta-metrics` as the compiled binary runs it, from source, for tests that run it as a user
 * would (shell scripts, a formula's test block, the docs' code blocks): `deno run` of
 * src/main.ts under this platform's serve set with only the socket path swapped for the test's
 * (the daemon's command line, tests/support/daemon.ts) and the daemon's V8 flags.
 *
 * @module
 */

import { daemonCommand } from "./daemon.ts";

/** The command line before the command name (`serve`, `watch`, …), the executable first. */
export function programCommand(socket: string): string[] {
  const command = daemonCommand(socket);
  const serve = command.splice(-3);
  if (serve.join(" ") !== `serve --socket ${socket}`) {
    throw new Error(`unexpected daemon command line: ${serve.join(" ")}`);
  }
  return command;
}

const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

/**
 * Writes an executable script at `path` that runs `command` with its own arguments; `serve`,
 * when given, runs the `serve` command instead (a daemon under other grants).
 */
export function writeProgram(path: string, command: string[], serve?: string[]): void {
  const run = (argv: string[]) => `exec ${argv.map(quote).join(" ")} "$@"`;
  const serveLine = serve ? `case "$1" in serve) ${run(serve)};; esac\n` : "";
  Deno.writeTextFileSync(path, `#!/bin/sh\n${serveLine}${run(command)}\n`);
  Deno.chmodSync(path, 0o755);
}
