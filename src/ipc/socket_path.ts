/**
 * Everything about the socket's path before and while it is bound: the platform
 * length limit, the macOS real path, the grants of each platform's permission
 * set, the parent directory's safety, what is already at the path (nothing, a
 * stale socket, a live server, another user's file, something else), claiming it
 * against a daemon starting at the same moment, and every OS error on the way
 * as one line naming the path and what to do.
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
function socketPathOsError(action: string, path: string, error: unknown): SocketPathError {
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
function mayRead(path: string): boolean {
  return Deno.permissions.querySync({ name: "read", path }).state === "granted";
}

/**
 * Make sure the parent directory exists and is safe: create it 0700 if missing;
 * refuse one that is writable by others unless it is sticky (like `/tmp`).
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
  const mode = info.mode ?? 0;
  if ((mode & 0o002) !== 0 && (mode & 0o1000) === 0) {
    throw new SocketPathError(
      `socket directory ${parent} is writable by other users and not sticky ` +
        `(mode ${(mode & 0o7777).toString(8)}): anyone could replace the socket; ` +
        `use another directory or run: chmod o-w ${parent}`,
    );
  }
  return true;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}

/** What is at a path. */
export type PathState =
  | "free"
  | "stale-socket"
  | "live-server"
  | "not-a-socket"
  | "foreign";

/** What is at a path, with the file's inode and owner when there is one. */
export interface PathProbe {
  /** Nothing, a socket nobody answers on, a live server, another file, or another user's file. */
  state: PathState;
  /** The inode found (null when free). */
  ino: number | null;
  /** The owner's uid (null when free). */
  uid: number | null;
}

/**
 * Another user's file at the socket path: serving there, or removing it, would
 * hand our clients to them or break their server. Root's files count too unless
 * we are root: a root-owned socket is a system service's, not ours to replace.
 */
export function isForeign(fileUid: number | null, ownUid: number): boolean {
  return fileUid !== null && fileUid !== ownUid;
}

/**
 * Probe what is at `path`: nothing, a socket of another user (not touched
 * further), a socket nobody answers on, a live server, or another file.
 */
export async function inspectSocketPath(path: string): Promise<PathProbe> {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { state: "free", ino: null, uid: null };
    throw socketPathOsError("inspect", path, error);
  }
  const found = { ino: info.ino, uid: info.uid };
  if (isForeign(info.uid, Deno.uid()!)) return { state: "foreign", ...found };
  if (!info.isSocket) return { state: "not-a-socket", ...found };
  try {
    const conn = await Deno.connect({ transport: "unix", path });
    conn.close();
    return { state: "live-server", ...found };
  } catch (error) {
    if (error instanceof Deno.errors.ConnectionRefused || error instanceof Deno.errors.NotFound) {
      return { state: "stale-socket", ...found };
    }
    throw socketPathOsError("connect to the existing socket", path, error);
  }
}

/** Probe what is at `path` (see inspectSocketPath). */
export async function probeSocketPath(path: string): Promise<PathState> {
  return (await inspectSocketPath(path)).state;
}

/** The one line refusing another user's file at the socket path. */
export function foreignOwnerMessage(path: string, uid: number | null): string {
  return `${path} belongs to another user (uid ${uid}); refusing to serve on it or remove it ` +
    `(whoever owns it would receive or impersonate our stream): ask its owner to stop their ` +
    `server and remove it, or use another path`;
}

/** The one line for a path another daemon is serving on. */
export function alreadyServingMessage(path: string): string {
  return `another opta-metrics is already serving on ${path}`;
}

/**
 * Clear the way to bind `path`: remove a stale socket of ours, refuse a live
 * server (`another opta-metrics is already serving on PATH`), another user's
 * file, or a file that is not a socket.
 */
export async function claimSocketPath(path: string): Promise<void> {
  const probe = await inspectSocketPath(path);
  switch (probe.state) {
    case "free":
      return;
    case "stale-socket":
      removeStale(path, probe.ino!);
      return;
    case "live-server":
      throw new SocketPathError(alreadyServingMessage(path));
    case "foreign":
      throw new SocketPathError(foreignOwnerMessage(path, probe.uid));
    case "not-a-socket":
      throw new SocketPathError(`${path} exists and is not a socket; refusing to replace it`);
  }
}

/**
 * Remove the stale socket `ino` at `path`, unless another daemon starting at the
 * same moment already replaced it with its own (then binding reports it).
 */
function removeStale(path: string, ino: number): void {
  try {
    if (Deno.lstatSync(path).ino !== ino) return;
    Deno.removeSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return; // removed by a daemon starting with us
    throw socketPathOsError("remove the stale socket", path, error);
  }
}

/** How long to wait for another daemon's claim on the socket directory (ms). */
const CLAIM_LOCK_WAIT_MS = 5000;

/**
 * Claim `path` and bind it as one step: with the socket directory locked (an
 * advisory `flock` that only other opta-metrics daemons take, held for the few ms
 * of probe, stale-socket removal and bind), so two daemons starting at the same
 * moment cannot both find a stale socket, one removing the other's fresh one. An
 * inode check alone cannot tell: the fresh socket may reuse the stale one's inode.
 * Without a read grant on the directory there is no lock, only that check.
 */
export async function claimAndBind(path: string, mode: number): Promise<Deno.UnixListener> {
  const unlock = await lockDirectory(parentOf(path));
  try {
    await claimSocketPath(path);
    return bindSocket(path, mode);
  } finally {
    unlock();
  }
}

async function lockDirectory(dir: string): Promise<() => void> {
  if (!mayRead(dir)) return () => {};
  let file: Deno.FsFile;
  try {
    file = await Deno.open(dir, { read: true });
  } catch {
    return () => {}; // unreadable or missing: the claim's own checks report it
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const locked = await Promise.race([
    file.lock(true).then(() => true, () => false),
    new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), CLAIM_LOCK_WAIT_MS)),
  ]);
  clearTimeout(timer);
  // Not locked in time (someone else holds the directory's lock): go on without it. The
  // file stays open, as the pending lock call still refers to it.
  if (!locked) return () => {};
  return () => {
    try {
      file.close(); // closing releases the lock
    } catch {
      // already closed
    }
  };
}

/**
 * Bind `path` with no access for others from the first instant (umask), then set
 * `mode`. Binding is the atomic claim: of two daemons racing for one path, the
 * one whose bind fails is told another is already serving there.
 */
export function bindSocket(path: string, mode: number): Deno.UnixListener {
  const canUmask = Deno.permissions.querySync({ name: "sys", kind: "umask" }).state === "granted";
  const previous = canUmask ? Deno.umask(0o177) : null;
  try {
    let listener: Deno.UnixListener;
    try {
      listener = Deno.listen({ transport: "unix", path });
    } catch (error) {
      if (error instanceof Deno.errors.AddrInUse) {
        throw new SocketPathError(alreadyServingMessage(path));
      }
      throw socketPathOsError("bind", path, error);
    }
    try {
      Deno.chmodSync(path, mode);
    } catch (error) {
      listener.close();
      throw socketPathOsError("set the mode of", path, error);
    }
    return listener;
  } finally {
    if (previous !== null) Deno.umask(previous);
  }
}
