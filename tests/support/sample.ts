/**
 * `opta-metrics sample` run exactly as a user runs it, under the deno.json
 * `serve-linux` set, for the tests that check its output against the kernel.
 *
 * @module
 */

import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Runs `opta-metrics sample ARGS` exactly as a user would, under the deno.json `serve-linux` set. */
export async function runSample(args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=serve-linux", "src/main.ts", "sample", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  const stdout = text.decode(out.stdout);
  const stderr = text.decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  // Deno warns that config-file permissions are experimental; nothing else may appear
  const other = stderr.split("\n").filter((l) =>
    l.trim() !== "" && !/Warning.*Permissions/.test(l)
  );
  assert.deepEqual(other, [], stderr);
  return stdout;
}

/**
 * Runs `opta-metrics sample ARGS` on a terminal (a pseudo-terminal of 50 rows and 200 columns),
 * as a person at a shell does; returns what it printed, lines ending in `\n`.
 */
export async function runSampleOnTerminal(args: string[]): Promise<string> {
  const pty = new URL("./pty_run.py", import.meta.url).pathname;
  const out = await new Deno.Command("/usr/bin/python3", {
    args: [
      pty,
      "50",
      "200",
      "20",
      Deno.execPath(),
      "run",
      "--quiet",
      "-P=serve-linux",
      "src/main.ts",
      "sample",
      ...args,
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  assert.equal(out.code, 0, text.decode(out.stderr));
  return text.decode(out.stdout).replaceAll("\r\n", "\n");
}
