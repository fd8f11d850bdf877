/**
 * The permission set a test daemon runs under: this platform's shipped serve set from
 * deno.json with only the socket path swapped for the test's, written to a config file that
 * `deno run -P` reads, so tests and the binary cannot differ in what they grant.
 *
 * @module
 */

import assert from "node:assert/strict";
import { GRANTED_SOCKET_PATHS, parentOf, servePermissionSet } from "../../src/ipc/socket_path.ts";
import config from "../../deno.json" with { type: "json" };

/** A deno.json permission set, as its entries are typed there. */
export type PermissionSet = {
  read: string[];
  write: string[];
  net: string[];
  run: string[];
  sys: string[];
  env: string[];
  ffi: boolean;
  import: boolean;
};

const SETS = config.permissions as unknown as Record<string, PermissionSet>;
const SERVE_SETS = ["serve-darwin", "serve-linux"];

/** The socket paths some serve set grants (`unix:` entries), each with the set that grants it. */
function grantedAnywhere(): Map<string, string> {
  const found = new Map<string, string>();
  for (const name of SERVE_SETS) {
    for (const entry of SETS[name].net) found.set(entry.replace(/^unix:/, ""), name);
  }
  return found;
}

/**
 * This platform's serve set (`set`) with the granted socket path `template`
 * swapped for `socket`: its read/write/net entries come from whichever serve set
 * grants `template` (an entry for the path becomes `socket`, one for its directory
 * becomes `socket`'s directory), every other socket path's entries are dropped,
 * and everything else is kept as is. A template from the other platform's set
 * gives a test that platform's socket grants (the Homebrew directories, which the
 * daemon may create) with this platform's tools.
 */
export function daemonPermissionSet(
  socket: string,
  template: string = GRANTED_SOCKET_PATHS[0],
  set: string = servePermissionSet(),
): PermissionSet {
  const sockets = grantedAnywhere();
  const owner = sockets.get(template);
  assert.ok(owner, `${template} is not granted by any serve set`);
  const related = new Set<string>();
  for (const path of sockets.keys()) related.add(path).add(parentOf(path));
  const swap = (entries: string[]) =>
    entries.flatMap((entry) =>
      entry === template
        ? [socket]
        : entry === parentOf(template)
        ? [parentOf(socket)]
        : related.has(entry)
        ? []
        : [entry]
    );
  const base = SETS[set];
  const socketGrants = SETS[owner];
  return {
    ...base,
    read: [...new Set([...swap(socketGrants.read), ...swap(base.read)])],
    write: [...new Set([...swap(socketGrants.write), ...swap(base.write)])],
    net: socketGrants.net.filter((e) => e === `unix:${template}`).map(() => `unix:${socket}`),
  };
}

let configDir: string | null = null;
let configCount = 0;

/**
 * A config file holding the project's import map and `set` as the permission set
 * `serve-test`, for `deno run --config FILE -P=serve-test`: a set in a config file
 * can say what flags cannot (`sys: umask`), so the daemon runs under exactly it.
 * The files live in one temporary directory (readable by every user, for daemons
 * run as another one), removed when the test process ends.
 */
export function daemonConfigFile(set: PermissionSet): string {
  if (configDir === null) {
    const dir = Deno.makeTempDirSync({ prefix: "omd-config" });
    Deno.chmodSync(dir, 0o755);
    configDir = dir;
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  }
  const file = `${configDir}/deno-${++configCount}.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({ imports: config.imports, lock: false, permissions: { "serve-test": set } }),
  );
  Deno.chmodSync(file, 0o644);
  return file;
}
