/**
 * Probes of the machine the tests run on: whether a tool works, whether a path exists, is a
 * socket or is executable. Tests use them to skip, with the reason in their name, what this
 * machine cannot run, and to check what the daemon leaves on disk.
 *
 * @example
 * ```ts
 * import { works } from "./host.ts";
 *
 * const haveJq = works("jq", ["--version"]);
 * Deno.test({ name: "jq" + (haveJq ? "" : " [SKIPPED: no jq]"), ignore: !haveJq, fn() {} });
 * ```
 *
 * @module
 */

/** Whether `cmd args` runs and exits 0 (false when it is missing); its output is discarded. */
export function works(cmd: string, args: string[]): boolean {
  try {
    return new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/** Whether something is at `path` (a dangling link counts); errors other than NotFound throw. */
export function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Whether `path` is a Unix socket (not following a link). */
export function isSocketAt(path: string): boolean {
  try {
    return Deno.lstatSync(path).isSocket === true;
  } catch {
    return false;
  }
}

/** Whether `path` is a file someone may execute. */
export function isExecutable(path: string): boolean {
  try {
    return (Deno.statSync(path).mode! & 0o111) !== 0;
  } catch {
    return false;
  }
}
