/**
 * What is already at the socket's path (nothing, a stale socket, a live server,
 * another user's file, something else), and claiming it: remove a stale socket
 * of ours, refuse everything else, and bind, holding a short lock on the
 * directory so that two daemons starting together cannot both win.
 *
 * @module
 */

import { mayRead, parentOf, SocketPathError, socketPathOsError } from "./socket_path.ts";

/** What a file that is not a socket is, in words ("a regular file"). */
function kindOf(info: Deno.FileInfo): string {
  if (info.isFile) return "a regular file";
  if (info.isDirectory) return "a directory";
  if (info.isFifo) return "a FIFO (named pipe)";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  return "a file of another kind";
}

/**
 * The one line for a client's socket path that holds something other than a socket, naming
 * what; null when it holds a socket, nothing, or cannot be read. No daemon replaces such a
 * file, so a client that waits for one there waits for ever.
 */
export function notASocket(path: string): string | null {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch {
    return null;
  }
  if (info.isSocket !== false) return null; // a socket, or a platform that cannot tell
  return `${path} is ${kindOf(info)}, not a socket: name the daemon's socket (--socket or ` +
    "OPTA_METRICS_SOCKET), or remove the file if it is yours and start the daemon";
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
export async function claimAndBind(
  path: string,
  mode: number,
  hooks: ClaimHooks = {},
): Promise<Deno.UnixListener> {
  const unlock = await lockDirectory(parentOf(path), hooks.onLockTimeout);
  try {
    await claimSocketPath(path);
    await hooks.beforeBind?.();
    return bindSocket(path, mode);
  } finally {
    unlock();
  }
}

/** What {@linkcode claimAndBind} tells its caller on the way. */
export interface ClaimHooks {
  /**
   * Runs once the path is free, just before binding, with the directory still locked:
   * where a daemon closes its previous listener, whose close unlinks the path by name
   * (when the listener's pending accept has ended: the returned promise waits for that).
   */
  beforeBind?(): Promise<void> | void;
  /** The directory stayed locked by someone else for the whole wait (`waitedMs`). */
  onLockTimeout?(waitedMs: number): void;
}

async function lockDirectory(
  dir: string,
  onTimeout?: (waitedMs: number) => void,
): Promise<() => void> {
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
  if (!locked) {
    onTimeout?.(CLAIM_LOCK_WAIT_MS);
    return () => {};
  }
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
