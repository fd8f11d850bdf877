/**
 * The `deno run` flags that run `serve`, `watch` or `export` from a checkout: the
 * program's permission set from deno.json plus exact grants for the socket of this
 * launch, which only the launcher knows (deno.json cannot name a path that differs
 * for every user). `deno task start`, `watch` and `export` put its output on their
 * command line, and `install-service.sh install --from-source` writes it into the
 * service file.
 *
 *   deno run -A packaging/source_flags.ts serve   # -P=serve-linux --allow-read=… --v8-flags=…
 *   deno run -A packaging/source_flags.ts watch   # -P=client --allow-read=… …
 *
 * The socket is `OPTA_METRICS_SOCKET`'s, else the default place (for a client, every
 * place a client looks). Flags that name read, write, net or env replace the set's
 * list of that kind, so each is printed in full: the set's entries and the new ones.
 *
 * @module
 */

import config from "../deno.json" with { type: "json" };
import { DAEMON_V8_FLAGS } from "../src/daemon/v8.ts";
import { EXPORTER_V8_FLAGS } from "../src/export/v8.ts";
import { clientSocketCandidates } from "../src/ipc/default_socket.ts";
import {
  programOf,
  type SocketGrants,
  type SocketUser,
  TASK_VARIABLE,
  withSocketGrants,
} from "../src/ipc/socket_grants.ts";
import { defaultServeSocket } from "../src/ipc/socket_place.ts";
import { realSocketPath, SocketPathError } from "../src/ipc/socket_path.ts";

/** A deno.json permission set, as far as these flags go. */
type FlagSet = SocketGrants & { env: string[] };

/** The flags for `command` with the sockets `sockets`; `os` picks the daemon's set. */
export function sourceFlags(
  command: SocketUser,
  sockets: readonly string[],
  os: string = Deno.build.os,
): string[] {
  const { set: name, role } = programOf(command, os);
  const set = (config.permissions as unknown as Record<string, FlagSet>)[name];
  const bad = sockets.find((path) => /[,\s]/.test(path));
  if (bad !== undefined) {
    throw new SocketPathError(
      `socket path '${bad}' holds a comma or a space, which deno's permission flags cannot ` +
        `carry: choose another path`,
    );
  }
  const granted = withSocketGrants(set, sockets, role);
  const list = (kind: string, entries: string[]) =>
    entries.length > 0 ? [`--allow-${kind}=${entries.join(",")}`] : [];
  return [
    `-P=${name}`,
    ...list("read", granted.read),
    ...list("write", granted.write),
    ...list("net", granted.net),
    ...list("env", [...set.env, TASK_VARIABLE]),
    ...(command === "serve"
      ? [`--v8-flags=${DAEMON_V8_FLAGS.join(",")}`]
      : command === "export"
      ? [`--v8-flags=${EXPORTER_V8_FLAGS.join(",")}`]
      : []),
  ];
}

/** The sockets a launch of `command` uses: `named` (OPTA_METRICS_SOCKET), else the defaults. */
export function launchSockets(
  command: SocketUser,
  named: string | undefined,
  os: string = Deno.build.os,
): string[] {
  if (named !== undefined && named !== "") return [realSocketPath(named, os)];
  if (command !== "serve") return clientSocketCandidates();
  try {
    return [defaultServeSocket()];
  } catch (error) {
    if (error instanceof SocketPathError) return []; // the daemon says why itself
    throw error;
  }
}

if (import.meta.main) {
  // `--os darwin|linux` writes another platform's flags (install-service.sh --os, in tests).
  const [command, osFlag, osName] = Deno.args;
  const os = osFlag === "--os" ? osName : Deno.build.os;
  if (
    (command !== "serve" && command !== "watch" && command !== "export") ||
    (osFlag !== undefined && (osFlag !== "--os" || !/^(darwin|linux)$/.test(os)))
  ) {
    console.error(
      "usage: deno run -A packaging/source_flags.ts serve|watch|export [--os darwin|linux]",
    );
    Deno.exit(2);
  }
  try {
    const sockets = launchSockets(command, Deno.env.get("OPTA_METRICS_SOCKET"), os);
    console.log(sourceFlags(command, sockets, os).join(" "));
  } catch (error) {
    if (!(error instanceof SocketPathError)) throw error;
    console.error(`opta-metrics: ${error.message}`);
    Deno.exit(1);
  }
}
