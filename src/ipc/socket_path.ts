/**
 * Everything about the socket's path before and while it is bound: the platform
 * length limit, the macOS real path, the parent directory's safety, and what is
 * already at the path (nothing, a stale socket, a live server, something else).
 *
 * @module
 */

import config from "../../deno.json" with { type: "json" };
import { CommandError } from "../errors.ts";

/** The socket paths the shipped permission set (deno.json `permissions.serve`) grants. */
export const GRANTED_SOCKET_PATHS: readonly string[] = config.permissions.serve.net
  .map((entry: string) => entry.replace(/^unix:/, ""));

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
  if (path === "") throw new CommandError("the socket path is empty");
  let absolute = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  if (os === "darwin") {
    for (const [link, real] of DARWIN_LINKS) {
      if (absolute.startsWith(link)) absolute = real + absolute.slice(link.length);
    }
  }
  const bytes = new TextEncoder().encode(absolute).length;
  if (bytes > SOCKET_PATH_LIMIT) {
    throw new CommandError(
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
  throw new CommandError(
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
 * Returns false when the daemon has no grant to inspect it (the check is skipped).
 */
export function ensureSafeParent(socketPath: string): boolean {
  const parent = parentOf(socketPath);
  if (!mayRead(parent)) return false;
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(parent);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    try {
      Deno.mkdirSync(parent, { recursive: true, mode: 0o700 });
      Deno.chmodSync(parent, 0o700);
    } catch (mkdirError) {
      throw new CommandError(
        `socket directory ${parent} does not exist and cannot be created ` +
          `(${(mkdirError as Error).message}); create it with: mkdir -m 700 ${parent}`,
      );
    }
    return true;
  }
  if (!info.isDirectory) throw new CommandError(`socket directory ${parent} is not a directory`);
  const mode = info.mode ?? 0;
  if ((mode & 0o002) !== 0 && (mode & 0o1000) === 0) {
    throw new CommandError(
      `socket directory ${parent} is writable by other users and not sticky ` +
        `(mode ${(mode & 0o7777).toString(8)}): anyone could replace the socket; ` +
        `use another directory or run: chmod o-w ${parent}`,
    );
  }
  return true;
}

/** What is at a path. */
export type PathState = "free" | "stale-socket" | "live-server" | "not-a-socket";

/** Probe what is at `path`: nothing, a socket nobody answers on, a live server, or another file. */
export async function probeSocketPath(path: string): Promise<PathState> {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "free";
    throw error;
  }
  if (!info.isSocket) return "not-a-socket";
  try {
    const conn = await Deno.connect({ transport: "unix", path });
    conn.close();
    return "live-server";
  } catch (error) {
    if (error instanceof Deno.errors.ConnectionRefused || error instanceof Deno.errors.NotFound) {
      return "stale-socket";
    }
    throw error;
  }
}

/**
 * Clear the way to bind `path`: remove a stale socket, refuse a live server
 * (`another opta-metrics is already serving on PATH`) or a file that is not a socket.
 */
export async function claimSocketPath(path: string): Promise<void> {
  switch (await probeSocketPath(path)) {
    case "free":
      return;
    case "stale-socket":
      Deno.removeSync(path);
      return;
    case "live-server":
      throw new CommandError(`another opta-metrics is already serving on ${path}`);
    case "not-a-socket":
      throw new CommandError(`${path} exists and is not a socket; refusing to replace it`);
  }
}

/** Bind `path` with no access for others from the first instant (umask), then set `mode`. */
export function bindSocket(path: string, mode: number): Deno.UnixListener {
  const canUmask = Deno.permissions.querySync({ name: "sys", kind: "umask" }).state === "granted";
  const previous = canUmask ? Deno.umask(0o177) : null;
  try {
    const listener = Deno.listen({ transport: "unix", path });
    Deno.chmodSync(path, mode);
    return listener;
  } finally {
    if (previous !== null) Deno.umask(previous);
  }
}
