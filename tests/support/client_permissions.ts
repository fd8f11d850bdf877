/**
 * The shipped `client` permission set of deno.json as `deno run` flags, with only
 * the socket path swapped for a test's: a test of `watch` runs under exactly the
 * grants users get.
 *
 * @module
 */

const CONFIG = new URL("../../deno.json", import.meta.url);

/** The `client` set's flags for a socket at `socket` (every `*.sock` grant becomes it). */
export function clientPermissionFlags(socket: string): string[] {
  const config = JSON.parse(Deno.readTextFileSync(CONFIG));
  const set = config.permissions.client as Record<string, boolean | string[]>;
  const flags: string[] = [];
  for (const [name, value] of Object.entries(set)) {
    if (value === false) continue;
    if (value === true) throw new Error(`client set grants all of '${name}': not least privilege`);
    const swapped = value.map((entry) =>
      entry.endsWith("opta-metrics.sock")
        ? (entry.startsWith("unix:") ? `unix:${socket}` : socket)
        : entry
    );
    flags.push(`--allow-${name}=${[...new Set(swapped)].join(",")}`);
  }
  return flags;
}

/** The command line of `opta-metrics watch --socket SOCKET ARGS` under the client set: the executable first. */
export function watchCommand(socket: string, args: string[] = []): string[] {
  return [
    Deno.execPath(),
    "run",
    "--no-prompt",
    "--quiet",
    ...clientPermissionFlags(socket),
    new URL("../../src/main.ts", import.meta.url).pathname,
    "watch",
    "--socket",
    socket,
    ...args,
  ];
}

/** Runs `opta-metrics watch ARGS` under the client set for `socket`, killed after `ms`. */
export async function runWatch(
  socket: string,
  args: string[],
  ms = 10_000,
): Promise<{ code: number; stdout: string; stderr: string; timedOut: boolean }> {
  const [exe, ...rest] = watchCommand(socket, args);
  const child = new Deno.Command(exe, {
    args: rest,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGTERM");
  }, ms);
  const out = await child.output();
  clearTimeout(timer);
  const text = new TextDecoder();
  return {
    code: out.code,
    stdout: text.decode(out.stdout),
    stderr: text.decode(out.stderr),
    timedOut,
  };
}
