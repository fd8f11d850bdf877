/**
 * The socket's path: the platform length limit, the macOS real path, the parent
 * directory's safety, and every OS error on the way as one line naming the path
 * and what to do. Where it is by default is `socket_place.ts`, whether this
 * process may use it `socket_grants.ts`, what is already at it `socket_claim.ts`.
 *
 * @module
 */

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

/** Longest socket path in bytes: `sun_path` is 104 bytes on macOS, 108 on Linux, NUL included. */
export const SOCKET_PATH_LIMIT = Deno.build.os === "darwin" ? 103 : 107;

const DARWIN_LINKS: [string, string][] = [["/tmp/", "/private/tmp/"], ["/var/", "/private/var/"]];

/**
 * `path` made absolute and, on macOS, with `/tmp` and `/var` replaced by their
 * real `/private/...` paths, because Deno's permission grants do not follow
 * symlinks (`$TMPDIR` reads `/var/folders/...`).
 */
export function realSocketPath(path: string, os: string = Deno.build.os): string {
  if (path === "") throw new SocketPathError("the socket path is empty");
  let absolute = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  if (os === "darwin") {
    for (const [link, real] of DARWIN_LINKS) {
      if (absolute.startsWith(link)) absolute = real + absolute.slice(link.length);
    }
  }
  return absolute;
}

/** The path to bind and grant: {@linkcode realSocketPath}, within the platform's length limit. */
export function resolveSocketPath(path: string, os: string = Deno.build.os): string {
  const absolute = realSocketPath(path, os);
  const bytes = new TextEncoder().encode(absolute).length;
  if (bytes > SOCKET_PATH_LIMIT) {
    throw new SocketPathError(
      `socket path is ${bytes} bytes, over the ${SOCKET_PATH_LIMIT}-byte limit of this platform: ` +
        absolute,
    );
  }
  return absolute;
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
