/**
 * The socket's path: the platform length limit, the macOS real path, the grants
 * of each platform's permission set, the parent directory's safety, and every OS
 * error on the way as one line naming the path and what to do. What is already
 * at the path, and claiming it, is `socket_claim.ts`.
 *
 * @module
 */

import config from "../../deno.json" with { type: "json" };
import { describeOsError } from "../os_error.ts";

/** A socket path that cannot be used, said in one line with what to do (exit code 1). */
export class SocketPathError extends Error {
  /** Creates a SocketPathError with a one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "SocketPathError";
  }
}

/** A SocketPathError for an OS error met while doing `action` on `path`. */
export function socketPathOsError(action: string, path: string, error: unknown): SocketPathError {
  return new SocketPathError(describeOsError(action, path, error));
}

/** The name of the deno.json permission set the daemon runs under on `os`. */
export function servePermissionSet(os: string = Deno.build.os): "serve-darwin" | "serve-linux" {
  return os === "darwin" ? "serve-darwin" : "serve-linux";
}

/** The socket paths a platform's permission set (deno.json `permissions.serve-OS`) grants. */
export function grantedSocketPaths(os: string = Deno.build.os): string[] {
  return config.permissions[servePermissionSet(os)].net
    .map((entry: string) => entry.replace(/^unix:/, ""));
}

/** The socket paths this platform's shipped permission set grants. */
export const GRANTED_SOCKET_PATHS: readonly string[] = grantedSocketPaths();

/** Longest socket path in bytes: `sun_path` is 104 bytes on macOS, 108 on Linux, NUL included. */
export const SOCKET_PATH_LIMIT = Deno.build.os === "darwin" ? 103 : 107;

/** The default socket path existing clients use. */
export const DEFAULT_SOCKET_PATH = "/tmp/opta-metrics.sock";

const DARWIN_LINKS: [string, string][] = [["/tmp/", "/private/tmp/"], ["/var/", "/private/var/"]];

/**
 * The path to bind and grant: absolute, and on macOS with `/tmp` and `/var`
 * replaced by their real `/private/...` paths, because Deno's permission grants
 * do not follow symlinks.
 */
export function resolveSocketPath(path: string, os: string = Deno.build.os): string {
  if (path === "") throw new SocketPathError("the socket path is empty");
  let absolute = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  if (os === "darwin") {
    for (const [link, real] of DARWIN_LINKS) {
      if (absolute.startsWith(link)) absolute = real + absolute.slice(link.length);
    }
  }
  const bytes = new TextEncoder().encode(absolute).length;
  if (bytes > SOCKET_PATH_LIMIT) {
    throw new SocketPathError(
      `socket path is ${bytes} bytes, over the ${SOCKET_PATH_LIMIT}-byte limit of this platform: ` +
        absolute,
    );
  }
  return absolute;
}

/**
 * Refuse, before anything starts, a socket path this process may not use: Unix
 * sockets need read, write and `net` (`unix:PATH`) grants for the exact path.
 */
export function assertSocketGranted(path: string): void {
  const granted = (descriptor: Deno.PermissionDescriptor) =>
    Deno.permissions.querySync(descriptor).state === "granted";
  if (
    granted({ name: "read", path }) && granted({ name: "write", path }) &&
    granted({ name: "net", host: `unix:${path}` })
  ) return;
  throw new SocketPathError(
    `socket path ${path} is not allowed by this build's permissions ` +
      `(allowed: ${GRANTED_SOCKET_PATHS.join(", ")}); to use another path, run from source ` +
      `adding --allow-read=${path} --allow-write=${path} --allow-net=unix:${path}, ` +
      `or build your own binary with those flags (README: "Another socket path")`,
  );
}

/** The directory part of an absolute path. */
export function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

/** Can this process stat `path` under its permissions (without prompting)? */
export function mayRead(path: string): boolean {
  return Deno.permissions.querySync({ name: "read", path }).state === "granted";
}

/**
 * Make sure the parent directory exists and is safe: create it 0700 if missing;
 * refuse one that another user owns or may write (see {@linkcode parentProblem}).
 * Returns false when the daemon has no grant to inspect it (the check is skipped:
 * only a from-source run with grants on the socket path alone does that).
 */
export function ensureSafeParent(socketPath: string): boolean {
  const parent = parentOf(socketPath);
  if (!mayRead(parent)) return false;
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(parent);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw socketPathOsError("use the socket directory", parent, error);
    }
    // Only the Homebrew directories are granted for writing (so they can be created):
    // /tmp is never missing in practice, and granting it would open all of it.
    if (Deno.permissions.querySync({ name: "write", path: parent }).state !== "granted") {
      throw new SocketPathError(
        `socket directory ${parent} does not exist; create it with: mkdir -m 700 ${parent}`,
      );
    }
    try {
      Deno.mkdirSync(parent, { recursive: true, mode: 0o700 });
      Deno.chmodSync(parent, 0o700);
    } catch (mkdirError) {
      throw new SocketPathError(
        `socket directory ${parent} does not exist and cannot be created ` +
          `(${firstLine(mkdirError)}); create it with: mkdir -m 700 ${parent}`,
      );
    }
    return true;
  }
  if (!info.isDirectory) throw new SocketPathError(`socket directory ${parent} is not a directory`);
  const problem = parentProblem(parent, info, Deno.uid());
  if (problem !== null) throw new SocketPathError(problem);
  return true;
}

/**
 * Why the directory `dir` is unsafe for a socket of user `ownUid`, or null when it is
 * safe. Whoever may write a directory may delete the socket in it and bind their own,
 * and whoever owns it may make it writable: so it must be this user's (or root's) and
 * writable by no one else, except a sticky directory of root's (a system temporary
 * directory such as /tmp), where only a file's owner may remove it.
 */
export function parentProblem(
  dir: string,
  info: { mode: number | null; uid: number | null },
  ownUid: number | null,
): string | null {
  const mode = (info.mode ?? 0) & 0o7777;
  const octal = mode.toString(8).padStart(4, "0");
  const sticky = (mode & 0o1000) !== 0;
  if (ownUid === null || info.uid === null) return null; // no owners on this platform
  if (sticky && info.uid === 0) return null;
  if (info.uid !== ownUid && info.uid !== 0) {
    return `socket directory ${dir} belongs to another user (uid ${info.uid}), who could ` +
      `replace the socket: use a directory of your own`;
  }
  if (sticky && (mode & 0o022) !== 0) {
    return `socket directory ${dir} is sticky but not root's (mode ${octal}, uid ` +
      `${info.uid}): others may still create files in it; use a directory of your own or ` +
      `run: chmod go-w ${dir}`;
  }
  if ((mode & 0o022) !== 0) {
    const who = (mode & 0o002) !== 0 ? "other users" : "its group";
    return `socket directory ${dir} is writable by ${who} (mode ${octal}): they could ` +
      `replace the socket; use another directory or run: chmod go-w ${dir}`;
  }
  return null;
}

/** The first line of an error's message. */
function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}
