/**
 * `opta-metrics sample` run exactly as a user runs it, under the deno.json
 * `serve-linux` set, for the tests that check its output against the kernel.
 *
 * @module
 */

import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

/** `deno run [FLAGS] -P=serve-linux src/main.ts sample ARGS`, the executable first. */
function sampleCommand(args: string[], denoFlags: string[] = []): string[] {
  return [Deno.execPath(), "run", ...denoFlags, "-P=serve-linux", "src/main.ts", "sample", ...args];
}

/** Runs `command` in the project root; fails the test unless it exits 0. */
async function run(command: string[]): Promise<{ stdout: string; stderr: string }> {
  const out = await new Deno.Command(command[0], {
    args: command.slice(1),
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  const [stdout, stderr] = [text.decode(out.stdout), text.decode(out.stderr)];
  assert.equal(out.code, 0, stderr);
  return { stdout, stderr };
}

/** Runs `opta-metrics sample ARGS` exactly as a user would, under the deno.json `serve-linux` set. */
export async function runSample(args: string[]): Promise<string> {
  const { stdout, stderr } = await run(sampleCommand(args));
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
  const terminal = ["/usr/bin/python3", pty, "50", "200", "20"];
  const { stdout } = await run([...terminal, ...sampleCommand(args, ["--quiet"])]);
  return stdout.replaceAll("\r\n", "\n");
}
