/**
 * Which socket a client connects to when neither `--socket` nor
 * `OPTA_METRICS_SOCKET` names one: whichever of the places a daemon of this user
 * may serve on holds this user's socket (see socket_place.ts: the per-user places,
 * then on macOS Homebrew's service sockets), so a default client reaches a
 * standalone daemon, a user service or `brew services` with no configuration.
 *
 * @module
 */

import { maySocket } from "./socket_grants.ts";
import { clientPlaces, currentPlaceEnv, type PlaceEnv } from "./socket_place.ts";
import { realSocketPath, SocketPathError } from "./socket_path.ts";

/** What a candidate path holds, as far as choosing one goes. */
export type CandidateKind = "own-socket" | "foreign-socket" | "absent";

/** The paths a default client tries, best first, in their real form (`/private/var` on macOS). */
export function clientSocketCandidates(env: PlaceEnv = currentPlaceEnv()): string[] {
  return clientPlaces(env).map((place) => realSocketPath(place, env.os));
}

/**
 * Pick the socket to connect to: the first candidate that is a socket of this
 * user; else the first socket at all (so the client's ownership check reports
 * why it refuses it, instead of silently using another); else the first
 * candidate this process may use (`usable`), where the client waits for a daemon
 * to appear; else the first.
 */
export function pickClientSocket(
  candidates: readonly string[],
  kindOf: (path: string) => CandidateKind,
  usable: (path: string) => boolean = () => true,
): string {
  const kinds = candidates.map((path) => ({ path, kind: kindOf(path) }));
  return (kinds.find((c) => c.kind === "own-socket") ??
    kinds.find((c) => c.kind === "foreign-socket") ?? kinds.find((c) => usable(c.path)) ??
    kinds[0]).path;
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
  if (candidates.length === 0) {
    throw new SocketPathError(
      "no place to look for the daemon's socket (this process may not read its uid or " +
        "XDG_RUNTIME_DIR/TMPDIR): name it with --socket",
    );
  }
  return pickClientSocket(candidates, (path) => candidateKind(path, uid), maySocket);
}
