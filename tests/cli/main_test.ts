/** The CLI as a real subprocess: exit codes, one-line errors, no stack traces, decode. */
import assert from "node:assert/strict";
import { frame } from "../../src/ipc/framing.ts";
import { aliasBomb } from "../support/hostile_frames.ts";
import { assertOneLine } from "../support/one_line.ts";
import config from "../../deno.json" with { type: "json" };

const main = new URL("../../src/main.ts", import.meta.url).pathname;
const vectors = new URL("../vectors/", import.meta.url);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `deno ARGS` in `cwd` with `stdin` (or none), its output decoded. */
async function deno(args: string[], stdin?: Uint8Array, cwd?: string): Promise<Run> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd,
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

/**
 * Run the CLI under no permissions at all, as a user would; `runFlags` go to
 * `deno run` (a heap limit, so a regression fails fast instead of taking the machine).
 */
export function cli(args: string[], stdin?: Uint8Array, runFlags: string[] = []): Promise<Run> {
  return deno(["run", "--no-prompt", "--quiet", ...runFlags, main, ...args], stdin);
}

/** `run` exited `code` and its stderr is one line matching `pattern`. */
function assertOneLineError(run: Run, code: number, pattern: RegExp): void {
  assertOneLine({ code: run.code, lines: run.stderr.trim().split("\n") }, pattern, code);
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

Deno.test("decode prints the appended readings by their schema names, absent ones null or []", async () => {
  const laptop = await Deno.readFile(new URL("laptop.framed.bin", vectors));
  const server = await Deno.readFile(new URL("linux_server.framed.bin", vectors));
  const seed = await Deno.readFile(new URL("full.framed.bin", vectors));
  const run = await cli(["decode"], new Uint8Array([...laptop, ...server, ...seed]));
  assert.equal(run.code, 0, run.stderr);
  const [l, s, f] = run.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(l.cpu_core_levels, [
    { name: "Performance", first_core: 0, cores: 8 },
    { name: "Efficiency", first_core: 8, cores: 2 },
  ]);
  assert.equal(l.cpu_cores.length, 10);
  assert.deepEqual(l.battery, {
    percent: 72.5,
    state: "Discharging",
    on_ac: false,
    minutes_remaining: 215,
  });
  assert.equal(l.gpu_usage, 23.5);
  assert.equal(l.memory_pressure, "Warning");
  assert.equal(s.network.interface, "eth0");
  assert.equal(s.network.received_bytes, 9007199254740991);
  assert.equal(s.disk_io.write_bytes_per_second, 65536);
  assert.equal(s.battery, null);
  assert.equal(s.gpu_usage, null);
  assert.deepEqual(s.cpu_core_levels, []);
  for (const key of ["load_average", "swap", "memory_pressure", "network", "disk_io", "battery"]) {
    assert.equal(f[key], null, `a seed frame has no ${key}`);
  }
  assert.deepEqual([f.cpu_cores, f.cpu_core_levels], [[], []]);
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

Deno.test("decode and decode --raw refuse the alias bomb (80,000 names of 700 kB) in one line", async () => {
  const good = await Deno.readFile(new URL("full.framed.bin", vectors));
  const heap = ["--v8-flags=--max-old-space-size=256"];
  for (const vector of ["top_processes", "cpu_core_levels"] as const) {
    const bomb = aliasBomb(vector);
    const limit = vector === "top_processes" ? 100 : 16;
    const framed = await cli(["decode"], new Uint8Array([...good, ...frame(bomb)]), heap);
    assertOneLineError(
      framed,
      1,
      new RegExp(
        `^opta-metrics: decode: frame 2: malformed frame: ${vector} has 80000 entries, over the limit of ${limit}$`,
      ),
    );
    assert.equal(framed.stdout.trim().split("\n").length, 1, "the good frame before it is printed");
    const raw = await cli(["decode", "--raw"], bomb, heap);
    assertOneLineError(
      raw,
      1,
      new RegExp(`^opta-metrics: decode: frame 1: malformed frame: ${vector} has 80000`),
    );
  }
});

Deno.test("decode: a daemon's bytes in an error line are escaped, format characters included", async () => {
  // A frame whose identifier is U+202E and a byte: the error quotes it, escaped.
  const body = new Uint8Array(16);
  body.set([0xe2, 0x80, 0xae, 0x1b], 4);
  const run = await cli(["decode"], frame(body));
  assertOneLineError(run, 1, /file identifier is "\\u202e\\u001b", expected "OPTM"/);
  assert.ok(!run.stderr.includes("\u202e") && !run.stderr.includes("\x1b"), "nothing raw");
});

Deno.test("decode --raw stops reading once the input passes 1 MiB: a 50 MB stdin is refused early", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--quiet", main, "decode", "--raw"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
  }).spawn();
  const writer = child.stdin.getWriter();
  const chunk = new Uint8Array(64 * 1024).fill(0x41);
  let written = 0;
  try {
    while (written < 50 * 1024 * 1024) {
      await writer.write(chunk);
      written += chunk.length;
    }
    await writer.close();
  } catch {
    // the reader exited: the rest was never read
  }
  const out = await child.output();
  const run = {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
  assertOneLineError(
    run,
    1,
    /decode: --raw input is over 1048576 bytes, the most one frame can be/,
  );
  // What a pipe and the runtime buffer beyond the bound is small next to 50 MB.
  assert.ok(written < 16 * 1024 * 1024, `${written} bytes were taken before the refusal`);
});

const root = new URL("../../", import.meta.url).pathname;

/** `deno task NAME ARGS` from the project root, as the README shows it. */
function task(args: string[], stdin?: Uint8Array): Promise<Run> {
  return deno(["task", "--quiet", ...args], stdin, root);
}

Deno.test("deno task watch/sample/compile -- FLAGS: the leading -- deno task passes on is accepted", async () => {
  const watch = await task(["watch", "--", "--help"]);
  assert.equal(watch.code, 0, watch.stderr);
  assert.match(watch.stdout, /Usage: opta-metrics watch/);
  const sample = await task(["sample", "--", "--help"]);
  assert.equal(sample.code, 0, sample.stderr);
  assert.match(sample.stdout, /Usage: opta-metrics sample/);
  const decode = await cli(["decode", "--", "--help"]);
  assert.equal(decode.code, 0, decode.stderr);
  assert.match(decode.stdout, /Usage: opta-metrics decode/);
  const compile = await task(["compile", "--", "--dry-run", "x86_64-unknown-linux-gnu"]);
  assert.equal(compile.code, 0, compile.stderr);
  assert.match(compile.stderr, /deno compile .*--target x86_64-unknown-linux-gnu/);
  // Only a leading -- is skipped: anything after the flags is still an error.
  assertOneLineError(await cli(["decode", "--", "extra"]), 2, /unexpected argument 'extra'/);
});

Deno.test("a bad command flag points to that command's --help, which lists its flags", async () => {
  assertOneLineError(
    await cli(["serve", "--rate=fast"]),
    2,
    /serve: --rate .* \(see 'opta-metrics serve --help'\)$/,
  );
  assertOneLineError(
    await cli(["--frobnicate"]),
    2,
    /serve: unknown option '--frobnicate' \(see 'opta-metrics serve --help'\)$/,
  );
  assertOneLineError(
    await cli(["decode", "--rate=5"]),
    2,
    /\(see 'opta-metrics decode --help'\)$/,
  );
  assertOneLineError(
    await cli(["watch", "--count", "0"]),
    2,
    /\(see 'opta-metrics watch --help'\)$/,
  );
  assertOneLineError(
    await cli(["explode"]),
    2,
    /unknown command 'explode' \(see 'opta-metrics --help'\)$/,
  );
});

Deno.test("serve --help: within each group, every flag's description starts in one column", async () => {
  const help = await cli(["serve", "--help"]);
  assert.equal(help.code, 0, help.stderr);
  const lines = help.stdout.split("\n");
  const groups: Map<number, string[]>[] = [new Map()];
  for (const [i, line] of lines.entries()) {
    if (!line.startsWith(" ")) groups.push(new Map()); // a group heading such as "Stream:"
    const m = /^( {2}--[a-z-]+(?: [A-Z]+)?(?: --[a-z-]+(?: [A-Z]+)?)?)(?:( +)(\S.*))?$/.exec(
      line,
    );
    if (m === null) continue;
    // A flag too long for the column puts its description on the next line, in the column.
    const column = m[3] === undefined
      ? /^ */.exec(lines[i + 1])![0].length
      : m[1].length + m[2].length;
    const group = groups.at(-1)!;
    group.set(column, [...(group.get(column) ?? []), line.trim()]);
  }
  for (const group of groups) {
    assert.ok(group.size <= 1, `misaligned: ${JSON.stringify([...group])}`);
  }
});

Deno.test("every command has a task; deno task decode runs with no permissions at all", async () => {
  const tasks = config.tasks as Record<string, string>;
  for (const command of ["serve", "watch", "sample", "decode"]) {
    const name = command === "serve" ? "start" : command;
    assert.match(tasks[name] ?? "", new RegExp(`src/main\\.ts ${command}$`), name);
  }
  assert.doesNotMatch(tasks.decode, /\s(-P|-A|--allow|--permission)/, "no permission flag");
  const framed = await Deno.readFile(new URL("laptop.framed.bin", vectors));
  const run = await task(["decode"], framed);
  assert.equal(run.code, 0, run.stderr);
  const want = JSON.parse(await Deno.readTextFile(new URL("laptop.json", vectors)));
  assert.equal(JSON.parse(run.stdout).sequence, want.sequence);
});

Deno.test("a negative number after a flag gets that flag's own range error, as with '='", async () => {
  const cases: [string[], RegExp][] = [
    [["serve", "--top", "-1"], /serve: --top must be a whole number from 0 to 100, got '-1'/],
    [["serve", "--top=-1"], /serve: --top must be a whole number from 0 to 100, got '-1'/],
    [["serve", "--rate", "-5"], /serve: --rate must be a number from 1 to 120, got '-5'/],
    [["serve", "--rate", "-.5"], /serve: --rate must be a number from 1 to 120, got '-.5'/],
    [["watch", "--count", "-3"], /watch: --count must be a whole number of at least 1, got '-3'/],
    [["sample", "--top", "-1"], /sample: --top must be a whole number from 1 to 100, got '-1'/],
    // a value that starts with '-' and is not a number: the flag needs a value, written with '='
    [
      ["serve", "--socket", "-x"],
      /serve: option '--socket' needs a value \(one that starts with '-' is written --socket=VALUE\)/,
    ],
    [["serve", "--top", "--rate", "5"], /serve: option '--top' needs a value/],
  ];
  for (const [args, pattern] of cases) assertOneLineError(await cli(args), 2, pattern);
});

Deno.test("decode's first bad frame says when stdin looks like the other mode", async () => {
  const bare = await Deno.readFile(new URL("laptop.bin", vectors));
  const framed = await Deno.readFile(new URL("laptop.framed.bin", vectors));
  assertOneLineError(
    await cli(["decode"], bare),
    1,
    /decode: frame 1: frame length \d+ exceeds the maximum of 1048576 bytes: the stream is not opta-metrics framing; stdin looks like one bare FlatBuffer: try --raw$/,
  );
  assertOneLineError(
    await cli(["decode", "--raw"], framed),
    1,
    /decode: frame 1: not an opta-metrics frame: .*; stdin looks like framed frames: try without --raw$/,
  );
  // No hint without the evidence, nor after good frames (then the stream broke later).
  const noise = await cli(["decode"], new Uint8Array([0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5]));
  assertOneLineError(
    noise,
    1,
    /exceeds the maximum of 1048576 bytes: the stream is not opta-metrics framing$/,
  );
  const later = await cli(["decode"], new Uint8Array([...framed, ...bare]));
  assertOneLineError(later, 1, /decode: frame 2: .*framing$/);
});

Deno.test("an empty OPTA_METRICS_SOCKET is named as such by serve, watch and export: exit 2, one line", async () => {
  const root = new URL("../../", import.meta.url).pathname;
  const os = Deno.build.os;
  for (
    const [set, command] of [[`serve-${os}`, "serve"], ["client", "watch"], [
      `export-${os}`,
      "export",
    ]]
  ) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--quiet", `-P=${set}`, main, command],
      cwd: root,
      stdin: "null",
      env: { NO_COLOR: "1", RUST_BACKTRACE: "0", OPTA_METRICS_SOCKET: "" },
    }).output();
    const text = new TextDecoder();
    const run = {
      code: out.code,
      stdout: text.decode(out.stdout),
      stderr: text.decode(out.stderr),
    };
    assertOneLineError(
      run,
      2,
      new RegExp(
        `^opta-metrics: ${command}: OPTA_METRICS_SOCKET is set but empty: unset it or name`,
      ),
    );
  }
});

Deno.test("decode on a terminal says to pipe frames in, at once, rather than wait in silence", async () => {
  const pty = new URL("../support/pty_run.py", import.meta.url).pathname;
  const out = await new Deno.Command("/usr/bin/python3", {
    args: [
      pty,
      "24",
      "200",
      "15",
      Deno.execPath(),
      "run",
      "--no-prompt",
      "--quiet",
      main,
      "decode",
    ],
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const screen = new TextDecoder().decode(out.stdout).replaceAll("\r\n", "\n").trim();
  assert.match(screen, /^opta-metrics: decode: stdin is a terminal; pipe frames into it: nc -U /);
  assert.equal(screen.split("\n").length, 1, screen);
});
