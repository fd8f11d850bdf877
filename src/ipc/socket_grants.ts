/**
 * Which socket paths this process may use, and what to do about one it may not.
 *
 * A Unix socket needs read and write grants on its path (a directory's grant
 * covers what is under it) and `--allow-net=unix:<path>`, which Deno matches
 * exactly, string for string. So each program's permission set in deno.json
 * (`serve-linux`, `serve-darwin`, `client`) names every socket path it may use,
 * and a per-user path can be granted exactly only by whoever launches the
 * process knowing the user: `deno task start` and `watch`, and a service
 * installed from source, add that one path to the set (packaging/source_flags.ts).
 * A compiled binary cannot: its set is fixed when it is built, so the Linux
 * binary's lists every runtime directory of a bounded range of uids, and the macOS
 * binary's Homebrew's `var/run` (see socket_place.ts).
 *
 * @module
 */

import config from "../../deno.json" with { type: "json" };
import { parentOf, SocketPathError } from "./socket_path.ts";

/** A deno.json permission set's file and socket grants. */
export interface SocketGrants {
  /** `read` paths (a directory covers what is under it). */
  read: string[];
  /** `write` paths. */
  write: string[];
  /** `net` entries (`unix:PATH` for sockets). */
  net: string[];
}

/** The name of the deno.json permission set the daemon runs under on `os`. */
export function servePermissionSet(os: string = Deno.build.os): "serve-darwin" | "serve-linux" {
  return os === "darwin" ? "serve-darwin" : "serve-linux";
}

/** A program that uses the socket: the daemon (`serve`) or one of its clients. */
export type SocketUser = "serve" | "watch" | "export";

/** Each program's deno.json set on `os` (a binary's, for `binary`), its task and its role. */
export function programOf(
  user: SocketUser,
  os: string = Deno.build.os,
): { set: string; binarySet: string; task: string; role: "serve" | "client" } {
  const ownOs = os === "darwin" ? "darwin" : "linux";
  switch (user) {
    case "serve":
      return { set: `serve-${ownOs}`, binarySet: `serve-${ownOs}`, task: "start", role: "serve" };
    case "watch": // the opta-metrics binary bakes the daemon's set for every command
      return { set: "client", binarySet: `serve-${ownOs}`, task: "watch", role: "client" };
    case "export":
      return {
        set: `export-${ownOs}`,
        binarySet: `export-${ownOs}`,
        task: "export",
        role: "client",
      };
  }
}

/** The socket paths a deno.json permission set grants (its `unix:` entries). */
export function grantedSocketPaths(set: string = servePermissionSet()): string[] {
  const sets = config.permissions as unknown as Record<string, SocketGrants>;
  return sets[set].net.map((entry) => entry.replace(/^unix:/, ""));
}

/**
 * `set` plus exact grants for `sockets`: for a daemon (`serve`) read on each
 * socket's directory (whose owner and mode it checks) and write and `unix:` on
 * the socket; for a client read, write and `unix:` on the socket alone.
 */
export function withSocketGrants<T extends SocketGrants>(
  set: T,
  sockets: readonly string[],
  role: "serve" | "client",
): T {
  const add = (list: string[], more: string[]) => [...new Set([...list, ...more])];
  return {
    ...set,
    read: add(set.read, sockets.map((s) => role === "serve" ? parentOf(s) : s)),
    write: add(set.write, [...sockets]),
    net: add(set.net, sockets.map((s) => `unix:${s}`)),
  };
}

/** Can this process use the socket `path` (read, write and `unix:` grants), without prompting? */
export function maySocket(path: string): boolean {
  const granted = (descriptor: Deno.PermissionDescriptor) =>
    Deno.permissions.querySync(descriptor).state === "granted";
  return granted({ name: "read", path }) && granted({ name: "write", path }) &&
    granted({ name: "net", host: `unix:${path}` });
}

/** The first of `places` this process may use; else the first (so its refusal names it). */
export function chooseSocket(places: readonly string[], may = maySocket): string | null {
  return places.find(may) ?? places[0] ?? null;
}

/** How this process was started, which decides what to do about a path it may not use. */
export type Launcher =
  | { kind: "binary" }
  | { kind: "task"; task: string }
  | { kind: "deno-run"; set: string }
  | { kind: "no-set"; set: string };

/** The variable `deno task start`, `watch` and `export` set to their own name (see deno.json). */
export const TASK_VARIABLE = "OPTA_METRICS_TASK";

/**
 * How this process was started: a compiled binary (its main module lives in the
 * binary's `deno-compile-` root), a `deno task` (which sets {@linkcode TASK_VARIABLE}),
 * `deno run` with permissions (a deno.json set, or flags), or `deno run` with none of
 * what every set grants (`OPTA_METRICS_SOCKET`, the uid).
 */
export function currentLauncher(set: string, mainModule: string = Deno.mainModule): Launcher {
  if (/\/deno-compile-[^/]+\//.test(mainModule)) return { kind: "binary" };
  const may = (variable: string) =>
    Deno.permissions.querySync({ name: "env", variable }).state === "granted";
  const task = may(TASK_VARIABLE) ? Deno.env.get(TASK_VARIABLE) : undefined;
  if (task !== undefined && /^(start|watch|export)$/.test(task)) return { kind: "task", task };
  const uid = Deno.permissions.querySync({ name: "sys", kind: "uid" }).state === "granted";
  if (may("OPTA_METRICS_SOCKET") || uid) return { kind: "deno-run", set };
  return { kind: "no-set", set };
}

/**
 * Socket paths as a short list: runs of `/run/user/<uid>/…` become one entry with
 * the uid ranges (`/run/user/{0,1000–1099}/opta-metrics.sock`).
 */
export function describePaths(paths: readonly string[]): string {
  const byUid = new Map<string, number[]>();
  const out: string[] = [];
  for (const path of paths) {
    const m = /^(\/run\/user\/)(\d+)(\/.*)$/.exec(path);
    if (m === null) {
      out.push(path);
      continue;
    }
    const key = `${m[1]}\0${m[3]}`;
    if (!byUid.has(key)) {
      byUid.set(key, []);
      out.push(key);
    }
    byUid.get(key)!.push(Number(m[2]));
  }
  return out.map((entry) => {
    const uids = byUid.get(entry);
    if (uids === undefined) return entry;
    const [head, tail] = entry.split("\0");
    return `${head}{${ranges(uids)}}${tail}`;
  }).join(", ");
}

/** 0, 1000, 1001, 1002 → "0,1000–1002". */
function ranges(numbers: number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? `${sorted[i]}` : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/**
 * The one line for a socket `path` this process may not use, naming the one thing
 * to do where it was started: a binary can use only its own paths (or the source),
 * a task takes its path from `OPTA_METRICS_SOCKET`, a `deno run` with permissions
 * needs three more flags, and one without any needs the set.
 */
export function notGrantedMessage(
  path: string,
  user: SocketUser,
  launcher: Launcher,
  isDefault = false,
): string {
  const program = programOf(user);
  const runTask = `${isDefault ? "" : `OPTA_METRICS_SOCKET=${path} `}deno task ${program.task}`;
  const start = `socket path ${path} is not allowed`;
  switch (launcher.kind) {
    case "binary":
      return `${start} to this binary (its permissions are fixed when it is built); it may ` +
        `use ${describePaths(grantedSocketPaths(program.binarySet))}; for any other path ` +
        `run from a checkout of the source: ${runTask}`;
    case "task":
      return `${start}: deno task ${launcher.task} grants exactly the socket named by ` +
        `OPTA_METRICS_SOCKET (else the default one), not --socket; run: ` +
        `OPTA_METRICS_SOCKET=${path} deno task ${launcher.task}`;
    case "deno-run": {
      const read = program.role === "serve" ? parentOf(path) : path;
      return `${start} to this deno run: add --allow-read=${read} ` +
        `--allow-write=${path} --allow-net=unix:${path} to its flags (after -P=${launcher.set})`;
    }
    case "no-set":
      return `${start}: deno run was given no permission set (-P=${launcher.set}); run: ` +
        runTask;
  }
}

/**
 * Refuse, before anything starts, a socket path this process may not use, with
 * the one thing to do about it (see {@linkcode notGrantedMessage}).
 */
export function assertSocketGranted(
  path: string,
  user: SocketUser = "serve",
  isDefault = false,
): void {
  if (maySocket(path)) return;
  const launcher = currentLauncher(programOf(user).set);
  throw new SocketPathError(notGrantedMessage(path, user, launcher, isDefault));
}

/**
 * Refuse at once a `deno run` given no deno.json permission set: nothing would work
 * (not even finding the default socket), so say the one way to start it instead;
 * `named` is the socket a flag or `OPTA_METRICS_SOCKET` named, if any.
 */
export function assertPermissionSet(user: SocketUser, named?: string): void {
  const program = programOf(user);
  if (currentLauncher(program.set).kind !== "no-set") return;
  const env = named === undefined ? "" : `OPTA_METRICS_SOCKET=${named} `;
  throw new SocketPathError(
    `deno run was given no permission set (-P=${program.set}); run: ${env}deno task ${program.task}`,
  );
}
