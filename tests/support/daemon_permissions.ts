/**
 * The permission set a test daemon runs under: this platform's shipped serve set from
 * deno.json with only its socket grants swapped for the test's socket, written to a config
 * file that `deno run -P` reads, so tests and the binary cannot differ in anything else.
 *
 * @module
 */

import { parentOf } from "../../src/ipc/socket_path.ts";
import { servePermissionSet } from "../../src/ipc/socket_grants.ts";
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

/** Whether some serve set grants writing `socket`'s whole directory (so the daemon may create it). */
function directoryGranted(socket: string): boolean {
  return ["serve-darwin", "serve-linux"].some((name) =>
    SETS[name].write.includes(parentOf(socket))
  );
}

/**
 * This platform's serve set (`set`) with its socket grants (its read, write and net
 * lists, which hold nothing else) replaced by those of the one socket `socket`: read
 * on its directory (the parent check), write and `unix:` on the socket. With a
 * `template` whose directory a serve set grants for writing (Homebrew's `var/run`,
 * which the daemon creates when missing), write covers `socket`'s directory alike.
 * Everything else is kept as is.
 */
export function daemonPermissionSet(
  socket: string,
  template?: string,
  set: string = servePermissionSet(),
): PermissionSet {
  const base = SETS[set];
  const dir = parentOf(socket);
  return {
    ...base,
    read: [dir],
    write: [template !== undefined && directoryGranted(template) ? dir : socket],
    net: [`unix:${socket}`],
  };
}

let configDir: string | null = null;
let configCount = 0;

/**
 * A config file holding the project's import map and `set` as the permission set
 * `name` (default `serve-test`), for `deno run --config FILE -P=NAME`: a set in a config
 * file can say what flags cannot (`sys: umask`), so the program runs under exactly it.
 * The files live in one temporary directory (readable by every user, for daemons
 * run as another one), removed when the test process ends.
 */
export function daemonConfigFile(set: object, name = "serve-test"): string {
  if (configDir === null) {
    const dir = Deno.makeTempDirSync({ prefix: "omd-config" });
    Deno.chmodSync(dir, 0o755);
    configDir = dir;
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  }
  const file = `${configDir}/deno-${++configCount}.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({ imports: config.imports, lock: false, permissions: { [name]: set } }),
  );
  Deno.chmodSync(file, 0o644);
  return file;
}
