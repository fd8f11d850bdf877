/**
 * The exporter's permission sets (deno.json `export-linux`, `export-darwin`) and what the
 * exporter does with them. A set grants the daemon's socket paths, the listen addresses on
 * the exporter's port (loopback and all interfaces, IPv4 and IPv6) and node_exporter's
 * textfile directories; once the exporter knows its mode, it revokes every grant that mode
 * does not use (the other addresses and directories in HTTP mode, every TCP address in
 * textfile mode), so the running process holds exactly one listen address or one directory.
 *
 * @module
 */

import config from "../../deno.json" with { type: "json" };

/** The exporter's port: marked free in Prometheus' default port allocations list. */
export const EXPORTER_PORT = 9612;

/** The default listen address: loopback only. */
export const DEFAULT_LISTEN = `127.0.0.1:${EXPORTER_PORT}`;

/** A permission set as deno.json holds it. */
export interface ExportSet {
  /** Paths it may read. */
  read: string[];
  /** Paths it may write. */
  write: string[];
  /** `unix:PATH` sockets and `HOST:PORT` addresses. */
  net: string[];
  /** Environment variables. */
  env: string[];
  /** System information. */
  sys: string[];
}

/** The name of the exporter's permission set on `os`. */
export function exportPermissionSet(os: string = Deno.build.os): "export-darwin" | "export-linux" {
  return os === "darwin" ? "export-darwin" : "export-linux";
}

/** This platform's exporter set, from deno.json. */
export function exportSet(os: string = Deno.build.os): ExportSet {
  return config.permissions[exportPermissionSet(os)] as unknown as ExportSet;
}

/** The TCP addresses (`HOST:PORT`) a set grants. */
export function listenGrants(set: ExportSet = exportSet()): string[] {
  return set.net.filter((entry) => !entry.startsWith("unix:"));
}

/** The textfile directories a set grants: the paths it may write that are not sockets. */
export function textfileDirectories(set: ExportSet = exportSet()): string[] {
  const sockets = new Set(set.net.filter((e) => e.startsWith("unix:")).map((e) => e.slice(5)));
  return set.write.filter((path) => !sockets.has(path));
}

/** How an address is named in a net grant: IPv6 in brackets. */
export function grantName(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}

/** What the running exporter keeps. */
export interface Kept {
  /** The socket it connects to. */
  socket: string;
  /** The listen address's grant (`HOST:PORT`), in HTTP mode. */
  listen?: string;
  /** The textfile's directory, in textfile mode. */
  directory?: string;
}

/**
 * Revoke every grant of `set` that `keep` does not name (environment variables too: they
 * are read once, at startup). Grants this process does not hold are left alone.
 */
export function narrowPermissions(keep: Kept, set: ExportSet = exportSet()): void {
  const revoke = (descriptor: Deno.PermissionDescriptor) => {
    if (Deno.permissions.querySync(descriptor).state === "granted") {
      Deno.permissions.revokeSync(descriptor);
    }
  };
  for (const entry of set.net) {
    const keepIt = entry === `unix:${keep.socket}` || entry === keep.listen;
    if (!keepIt) revoke({ name: "net", host: entry });
  }
  // The textfile's directory keeps read as well as write: rename() needs both.
  for (const path of [...set.read, ...set.write]) {
    if (path === keep.socket || path === keep.directory) continue;
    revoke({ name: "read", path });
    revoke({ name: "write", path });
  }
  for (const variable of set.env) revoke({ name: "env", variable });
}
