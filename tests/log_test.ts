/**
 * The logger: its line formats and level filter (with an injected `write`), and its default
 * `write` to a real stderr pipe: whole lines, long ones included, and a closed stderr that
 * neither stops nor crashes the program, the daemon included.
 */
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { createLogger } from "../src/log.ts";
import { daemonCommand, withDir } from "./support/daemon.ts";
import { Subscriber } from "./support/readers.ts";

const LOG = new URL("../src/log.ts", import.meta.url).href;
const ROOT = new URL("../", import.meta.url).pathname;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

Deno.test("text lines: time, padded level, event, fields; quoted when needed; levels filtered", () => {
  const lines: string[] = [];
  const log = createLogger("info", "text", (line) => lines.push(line));
  log.log("debug", "dropped");
  log.log("info", "listening", { socket: "/tmp/a b.sock", clients: 3, gone: undefined, x: null });
  log.log("error", "bad", { reason: 'say "no"', eq: "a=b" });
  assert.equal(lines.length, 2);
  const [time, ...rest] = lines[0].split(" ");
  assert.match(time, TIME);
  assert.equal(rest.join(" "), 'INFO  listening socket="/tmp/a b.sock" clients=3 x=null');
  assert.equal(lines[1].slice(25), 'ERROR bad reason="say \\"no\\"" eq="a=b"');
});

Deno.test("text and json lines show control and format characters of values as escapes", () => {
  // What a tool's output or a path may hold: ESC, a C1 CSI, a bidi override, a zero-width space.
  const hostile = "top\x1b[2J\x9b31m\u202eevil\u200b";
  const lines: string[] = [];
  createLogger("info", "text", (line) => lines.push(line)).log("warn", "failed", {
    error: hostile,
    path: `/tmp/${hostile}`,
  });
  createLogger("info", "json", (line) => lines.push(line)).log("warn", "failed", {
    error: hostile,
  });
  // deno-lint-ignore no-control-regex -- finding control characters is the test
  const unsafe = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\p{Cf}]/u;
  for (const line of lines) assert.doesNotMatch(line, unsafe);
  assert.ok(lines[0].includes("path=/tmp/top\\x1b[2J\\x9b31m\\u202eevil\\u200b"), lines[0]);
  assert.equal(JSON.parse(lines[1]).error, hostile, "the JSON value is the same");
});

Deno.test("json lines carry time, level, event and the fields", () => {
  const lines: string[] = [];
  createLogger("warn", "json", (line) => lines.push(line)).log("warn", "slow", { ms: 12.5 });
  const parsed = JSON.parse(lines[0]);
  assert.match(parsed.time, TIME);
  assert.deepEqual({ ...parsed, time: "" }, { time: "", level: "warn", event: "slow", ms: 12.5 });
});

/** Runs `code` (which may import `createLogger` from LOG) with stdin, stdout and stderr piped. */
function spawnEval(code: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", `import { createLogger } from "${LOG}";\n${code}`],
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

Deno.test("the default write puts every line on stderr whole, a 1 MiB line included", async () => {
  const child = spawnEval(`
    const log = createLogger("info", "text");
    log.log("info", "short", { n: 1 });
    log.log("info", "long", { text: "é€".repeat(262_144) + "x" });
    log.log("info", "after", { n: 2 });
  `);
  await child.stdin.close();
  const { code, stderr, stdout } = await child.output();
  assert.equal(code, 0, new TextDecoder().decode(stdout));
  const lines = new TextDecoder().decode(stderr).split("\n");
  assert.equal(lines.length, 4, "three lines and the newline after the last");
  assert.equal(lines[3], "");
  assert.equal(lines[0].slice(24), " INFO  short n=1");
  assert.equal(lines[1].slice(24), ` INFO  long text=${"é€".repeat(262_144)}x`);
  assert.equal(lines[2].slice(24), " INFO  after n=2", "a short line after a long one is whole");
});

Deno.test("a closed stderr: later lines are dropped without an error", async () => {
  const child = spawnEval(`
    const log = createLogger("info", "text");
    log.log("info", "first");
    const buf = new Uint8Array(16);
    await Deno.stdin.read(buf); // the test closes our stderr, then writes to stdin
    for (let i = 0; i < 100; i++) log.log("info", "into a closed pipe", { i });
    console.log("still running");
  `);
  const reader = child.stderr.getReader();
  const first = await reader.read();
  assert.match(new TextDecoder().decode(first.value), /INFO {2}first\n$/);
  await reader.cancel();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("go\n"));
  await writer.close();
  const [stdout, { code }] = await Promise.all([new Response(child.stdout).text(), child.status]);
  assert.equal(stdout, "still running\n");
  assert.equal(code, 0);
});

Deno.test("a daemon whose stderr pipe is closed keeps serving and exits 0", async () => {
  await withDir(async (dir) => {
    const socket = `${dir}/s.sock`;
    const daemon = new Deno.Command(Deno.execPath(), {
      args: daemonCommand(socket, {
        flags: ["--log-level", "debug", "--stats-interval", "1s"],
      }).slice(1),
      cwd: ROOT,
      env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let exited = false;
    const status = daemon.status.then((s) => (exited = true, s));
    const sub = new Subscriber(socket);
    try {
      const reader = daemon.stderr.pipeThrough(new TextDecoderStream()).getReader();
      let seen = "";
      while (!/\blistening\b/.test(seen)) {
        const { value, done } = await reader.read();
        assert.ok(!done, `stderr ended before the listening line:\n${seen}`);
        seen += value;
      }
      await reader.cancel();
      await sub.frameCount(1, 5000);
      await sleep(2500); // two stats lines, at least, go to the closed pipe
      const before = sub.frames.length;
      await sleep(1000);
      assert.equal(exited, false, "the daemon exited");
      assert.ok(sub.frames.length - before >= 20, `${sub.frames.length - before} frames in 1 s`);
      daemon.kill("SIGTERM");
      assert.equal((await status).code, 0);
    } finally {
      await sub.stop();
      if (!exited) daemon.kill("SIGKILL");
      await status;
    }
  });
});
