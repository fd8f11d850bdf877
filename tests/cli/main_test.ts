/** The CLI as a real subprocess: exit codes, one-line errors, no stack traces, decode. */
import assert from "node:assert/strict";

const main = new URL("../../src/main.ts", import.meta.url).pathname;
const vectors = new URL("../vectors/", import.meta.url);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI under no permissions at all, as a user would. */
export async function cli(args: string[], stdin?: Uint8Array): Promise<Run> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--quiet", main, ...args],
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
  }).spawn();
  if (stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(stdin);
    await writer.close();
  }
  const out = await child.output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

function assertOneLineError(run: Run, code: number, pattern: RegExp): void {
  assert.equal(run.code, code, run.stderr);
  const lines = run.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line expected, got:\n${run.stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(run.stderr, /\bat .*\.ts:\d+/, "no stack trace");
}

Deno.test("--help and --version exit 0", async () => {
  const help = await cli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: opta-metrics <command>/);
  assert.match(help.stdout, /decode/);
  const version = await cli(["--version"]);
  assert.equal(version.code, 0);
  const { version: expected } = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  );
  assert.equal(version.stdout.trim(), `opta-metrics ${expected}`);
  const decodeHelp = await cli(["decode", "--help"]);
  assert.equal(decodeHelp.code, 0);
  assert.match(decodeHelp.stdout, /--raw/);
});

Deno.test("unknown flags, commands and arguments exit 2 naming them", async () => {
  assertOneLineError(await cli(["--frobnicate"]), 2, /unknown option '--frobnicate'/);
  assertOneLineError(await cli(["explode"]), 2, /unknown command 'explode'/);
  assertOneLineError(await cli(["decode", "--rate=5"]), 2, /decode: unknown option '--rate'/);
  assertOneLineError(await cli(["decode", "extra"]), 2, /decode: unexpected argument 'extra'/);
  assertOneLineError(
    await cli(["decode", "--raw=yes"]),
    2,
    /decode: option '--raw' does not take a value/,
  );
});

Deno.test("decode prints one JSON object per frame from framed stdin", async () => {
  const a = await Deno.readFile(new URL("full.framed.bin", vectors));
  const b = await Deno.readFile(new URL("no_temperature.framed.bin", vectors));
  const stream = new Uint8Array([...a, ...b, ...a]);
  const run = await cli(["decode"], stream);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.sequence), [1, 4242, 1]);
  assert.equal(lines[0].cpu_usage, 37.25);
  assert.equal(lines[0].memory_usage, 70.72, "float32 printed at its shortest form");
  assert.equal(lines[0].top_processes[1].name, "Google Chrome Helper (Renderer)");
  assert.equal(lines[1].temperature, null);
  assert.equal(lines[1].momentum.color, "Critical");
});

Deno.test("decode --raw reads one bare FlatBuffer", async () => {
  const run = await cli(
    ["decode", "--raw"],
    await Deno.readFile(new URL("no_processes.bin", vectors)),
  );
  assert.equal(run.code, 0, run.stderr);
  const frame = JSON.parse(run.stdout);
  assert.deepEqual(frame.top_processes, []);
  assert.equal(frame.temperature, 0);
  assert.equal(frame.sequence, 9007199254740991);
});

Deno.test("decode of a broken stream prints the good frames, then one error line, exit 1", async () => {
  const good = await Deno.readFile(new URL("full.framed.bin", vectors));
  const truncated = await cli(["decode"], new Uint8Array([...good, ...good.subarray(0, 10)]));
  assertOneLineError(truncated, 1, /decode: frame 2: stream ended inside a frame/);
  assert.equal(truncated.stdout.trim().split("\n").length, 1);

  const zero = await cli(["decode"], new Uint8Array([...good, 0, 0, 0, 0]));
  assertOneLineError(zero, 1, /decode: frame 2: frame length is 0/);

  const huge = await cli(["decode"], new Uint8Array([0x7f, 0xff, 0xff, 0xff, 1, 2]));
  assertOneLineError(huge, 1, /decode: frame 1: frame length 2147483647 exceeds the maximum/);

  const notOurs = await cli(
    ["decode"],
    new Uint8Array([0, 0, 0, 12, ...new TextEncoder().encode("hello world!")]),
  );
  assertOneLineError(notOurs, 1, /decode: frame 1: not an opta-metrics frame/);

  const empty = await cli(["decode", "--raw"], new Uint8Array());
  assertOneLineError(empty, 1, /decode: stdin was empty/);
});
