/**
 * Where the socket lives when neither `--socket` nor `OPTA_METRICS_SOCKET` names
 * one: in a directory of this user's that no other user can create, replace or
 * lock, so nobody can take the path first, delay a start or swap the socket.
 *
 * - Linux: the user's runtime directory, `$XDG_RUNTIME_DIR` (what systemd gives a
 *   user service as `%t`); without the variable `/run/user/<uid>` when it exists
 *   (a lingering user, or a shell reached through `su`), and for root, which may
 *   have neither (a container), `/run/opta-metrics/`: `/run` is root's alone.
 * - macOS: the user's temporary directory, `$TMPDIR` (what
 *   `getconf DARWIN_USER_TEMP_DIR` prints); then Homebrew's `var/run`, where
 *   `brew services` serves and the only place a compiled binary may use (its
 *   permissions are fixed when it is built, and `$TMPDIR` differs for every user).
 *
 * The daemon serves on the first of its places this process may use (see
 * `socket_grants.ts`); a client looks for a socket at each of them.
 *
 * @module
 */

import { chooseSocket } from "./socket_grants.ts";
import { realSocketPath, SocketPathError } from "./socket_path.ts";

/** The socket's file name in every default place. */
export const SOCKET_NAME = "opta-metrics.sock";

/** Root's place on Linux when it has no runtime directory (a directory only root may create). */
export const ROOT_RUNTIME_DIR = "/run/opta-metrics";

/** Homebrew's service directories (Apple silicon, then Intel prefixes), where `brew services` serves. */
export const HOMEBREW_RUN_DIRS: readonly string[] = ["/opt/homebrew/var/run", "/usr/local/var/run"];

/** What the default places depend on: the platform, the user and two variables. */
export interface PlaceEnv {
  /** `Deno.build.os`. */
  os: string;
  /** This user's uid (null where unknown). */
  uid: number | null;
  /** `XDG_RUNTIME_DIR`, if set (Linux). */
  runtimeDir?: string;
  /** `TMPDIR`, if set (macOS). */
  tmpDir?: string;
  /** Whether `dir` is an existing directory this process may see. */
  isDir(dir: string): boolean;
}

/** `dir` without trailing slashes, when it is an absolute path; else null (the XDG rule). */
function absoluteDir(dir: string | undefined): string | null {
  if (dir === undefined || !dir.startsWith("/")) return null;
  return dir.replace(/\/+$/, "") || null;
}

/**
 * The per-user place of this user on Linux, or why there is none. The advice names
 * `OPTA_METRICS_SOCKET` first: it works from a task, which grants that variable's
 * path and refuses `--socket`, as well as from the binary.
 */
function linuxPlace(env: PlaceEnv): string | { none: string } {
  const runtime = absoluteDir(env.runtimeDir);
  if (runtime !== null) return `${runtime}/${SOCKET_NAME}`;
  const own = `/run/user/${env.uid}`;
  if (env.uid !== null && env.isDir(own)) return `${own}/${SOCKET_NAME}`;
  if (env.uid === 0) return `${ROOT_RUNTIME_DIR}/${SOCKET_NAME}`;
  return {
    none: `no runtime directory of yours to hold the socket (XDG_RUNTIME_DIR is not set and ` +
      `${own} does not exist): set XDG_RUNTIME_DIR to a directory only you may write ` +
      `(mkdir -m 700), or name a socket path in OPTA_METRICS_SOCKET (or --socket)`,
  };
}

/**
 * The places, best first, where the daemon may serve by default; `none` says why
 * the list is empty. On macOS a Homebrew directory counts only when it exists.
 */
export function servePlaces(env: PlaceEnv): { places: string[]; none?: string } {
  if (env.os === "darwin") {
    const tmp = absoluteDir(env.tmpDir);
    const places = [
      ...(tmp === null ? [] : [`${tmp}/${SOCKET_NAME}`]),
      ...HOMEBREW_RUN_DIRS.filter((dir) => env.isDir(dir)).map((dir) => `${dir}/${SOCKET_NAME}`),
    ];
    return places.length > 0 ? { places } : {
      places,
      none: "no per-user temporary directory (TMPDIR is not set) and no Homebrew var/run: " +
        "run export TMPDIR=$(getconf DARWIN_USER_TEMP_DIR), or name a socket path in " +
        "OPTA_METRICS_SOCKET (or --socket)",
    };
  }
  const place = linuxPlace(env);
  return typeof place === "string" ? { places: [place] } : { places: [], none: place.none };
}

/**
 * Every place a client looks for a socket, best first: the per-user places (on
 * Linux each of the runtime directories a daemon of this user may have chosen),
 * then, on macOS, Homebrew's service sockets.
 */
export function clientPlaces(env: PlaceEnv): string[] {
  if (env.os === "darwin") {
    const tmp = absoluteDir(env.tmpDir);
    return [
      ...(tmp === null ? [] : [`${tmp}/${SOCKET_NAME}`]),
      ...HOMEBREW_RUN_DIRS.map((dir) => `${dir}/${SOCKET_NAME}`),
    ];
  }
  const runtime = absoluteDir(env.runtimeDir);
  const places = [
    ...(runtime === null ? [] : [`${runtime}/${SOCKET_NAME}`]),
    ...(env.uid === null ? [] : [`/run/user/${env.uid}/${SOCKET_NAME}`]),
    ...(env.uid === 0 ? [`${ROOT_RUNTIME_DIR}/${SOCKET_NAME}`] : []),
  ];
  return [...new Set(places)];
}

/** The default socket as a shell word, for examples (`nc -U …`). */
export function defaultPlaceExample(os: string = Deno.build.os): string {
  return os === "darwin" ? '"$TMPDIR/opta-metrics.sock"' : '"$XDG_RUNTIME_DIR/opta-metrics.sock"';
}

/** How the default place reads on this platform, for help texts. */
export function defaultPlaceDescription(os: string = Deno.build.os): string {
  return os === "darwin"
    ? `$TMPDIR/${SOCKET_NAME}, else Homebrew's var/run/${SOCKET_NAME}`
    : `$XDG_RUNTIME_DIR/${SOCKET_NAME}`;
}

/** An environment variable when this process may read it (never prompts); else undefined. */
function readEnv(name: string): string | undefined {
  try {
    const state = Deno.permissions.querySync({ name: "env", variable: name }).state;
    return state === "granted" ? Deno.env.get(name) : undefined;
  } catch {
    return undefined;
  }
}

/** This process's {@linkcode PlaceEnv}, read without prompting (what it may not read is unset). */
export function currentPlaceEnv(): PlaceEnv {
  let uid: number | null = null;
  try {
    uid = Deno.uid();
  } catch {
    // no `uid` grant: no uid-based place
  }
  return {
    os: Deno.build.os,
    uid,
    runtimeDir: readEnv("XDG_RUNTIME_DIR"),
    tmpDir: readEnv("TMPDIR"),
    isDir(dir) {
      try {
        return Deno.statSync(dir).isDirectory;
      } catch {
        return false; // missing, or not ours to see
      }
    },
  };
}

/**
 * The socket a daemon with no `--socket` and no `OPTA_METRICS_SOCKET` serves on: the
 * first of its places this process may use, else the first (whose refusal then says
 * what to do). Throws a one-line SocketPathError when there is no place at all.
 */
export function defaultServeSocket(env: PlaceEnv = currentPlaceEnv()): string {
  const { places, none } = servePlaces(env);
  const chosen = chooseSocket(places.map((place) => realSocketPath(place, env.os)));
  if (chosen === null) {
    throw new SocketPathError(none!);
  }
  return chosen;
}
