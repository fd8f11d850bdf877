/**
 * Which socket a client connects to when neither `--socket` nor
 * `OPTA_METRICS_SOCKET` names one. A standalone daemon serves on
 * `/tmp/opta-metrics.sock`, while `brew services` serves under Homebrew's prefix
 * (`/opt/homebrew` on Apple silicon, `/usr/local` on Intel); trying them in that
 * order lets a default client reach either with no configuration.
 *
 * @module
 */

import { DEFAULT_SOCKET_PATH, resolveSocketPath } from "./socket_path.ts";

/** What a candidate path holds, as far as choosing one goes. */
export type CandidateKind = "own-socket" | "foreign-socket" | "absent";

/** The paths a default client tries on `os`, in order; Homebrew's service exists only on macOS. */
export function clientSocketCandidates(os: string = Deno.build.os): string[] {
  if (os !== "darwin") return [DEFAULT_SOCKET_PATH];
  return [
    DEFAULT_SOCKET_PATH,
    "/opt/homebrew/var/run/opta-metrics.sock",
    "/usr/local/var/run/opta-metrics.sock",
  ];
}

/**
 * Pick the socket to connect to: the first candidate that is a socket of this
 * user; else the first socket at all (so the client's ownership check reports
 * why it refuses it, instead of silently using another); else the first
 * candidate, where the client waits for a daemon to appear.
 */
export function pickClientSocket(
  candidates: readonly string[],
  kindOf: (path: string) => CandidateKind,
): string {
  const kinds = candidates.map((path) => ({ path, kind: kindOf(path) }));
  return (kinds.find((c) => c.kind === "own-socket") ??
    kinds.find((c) => c.kind === "foreign-socket") ?? kinds[0]).path;
}

/** What `path` holds for this user: reads its metadata (unreadable or not a socket: absent). */
export function candidateKind(path: string, uid: number | null): CandidateKind {
  try {
    const info = Deno.lstatSync(path);
    if (!info.isSocket) return "absent";
    return uid === null || info.uid === uid ? "own-socket" : "foreign-socket";
  } catch {
    return "absent";
  }
}

/** The socket a client with no `--socket` and no `OPTA_METRICS_SOCKET` connects to. */
export function defaultClientSocket(
  candidates: readonly string[] = clientSocketCandidates(),
): string {
  let uid: number | null = null;
  try {
    uid = Deno.uid();
  } catch {
    // Without the `uid` grant every socket counts as this user's; the client's
    // ownership check still runs on connect.
  }
  // Looked up by real path: on macOS the grants name /private/tmp, not the /tmp symlink.
  return pickClientSocket(candidates, (path) => candidateKind(resolveSocketPath(path), uid));
}
