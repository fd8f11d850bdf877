/**
 * A bash script run in a mount namespace of its own (`unshare --mount`, private propagation):
 * what it mounts there, such as an empty tmpfs on /run or a read-only bind of a directory, no
 * other process sees, so a test can give the daemon a fresh machine's /run without touching
 * this one's. Needs root and util-linux's `unshare`.
 *
 * @module
 */

import { isExecutable } from "./host.ts";

/** Whether this machine can run {@linkcode inPrivateMounts} (Linux, root, unshare). */
export const canUnshareMounts = Deno.build.os === "linux" && Deno.uid() === 0 &&
  isExecutable("/usr/bin/unshare");

const denoBin = Deno.execPath().slice(0, Deno.execPath().lastIndexOf("/"));

/**
 * Runs `script` (bash, `set -euo pipefail` first) with a private mount table, in `cwd`, with
 * only `env` (default: a PATH that finds this deno, HOME and NO_COLOR); returns its exit code
 * and its stdout and stderr as one text.
 */
export async function inPrivateMounts(
  script: string,
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; out: string }> {
  const out = await new Deno.Command("/usr/bin/unshare", {
    args: [
      "--mount",
      "--propagation",
      "private",
      "--",
      "/bin/bash",
      "-c",
      `set -euo pipefail\n${script}`,
    ],
    cwd: options.cwd,
    clearEnv: true,
    env: {
      PATH: `${denoBin}:/usr/bin:/bin`,
      HOME: Deno.env.get("HOME") ?? "/root",
      NO_COLOR: "1",
      ...options.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, out: text.decode(out.stdout) + text.decode(out.stderr) };
}
