/**
 * The shipped permission set (deno.json `permissions.serve`, baked by `deno task
 * compile`) is exactly what the daemon needs: it serves under it, everything else
 * is denied, and its tool list matches what the collectors spawn.
 */
import assert from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };
import { compileArgs, PINNED_DENO, TARGETS } from "../../packaging/compile.ts";
import { DAEMON_V8_FLAGS } from "../../src/heap.ts";
import { DARWIN_TOOLS, darwinPlatform } from "../../src/metrics/darwin/platform.ts";
import { LINUX_TOOLS, linuxPlatform } from "../../src/metrics/linux/platform.ts";
import { DEFAULT_SOCKET_PATH, GRANTED_SOCKET_PATHS } from "../../src/ipc/socket_path.ts";
import { decodeMetrics, type MetricsFrame } from "../../src/ipc/codec.ts";
import { FrameDecoder } from "../../src/ipc/framing.ts";

const root = new URL("../../", import.meta.url).pathname;
/** The `--v8-flags` argument the daemon runs with, wherever it runs. */
const V8_FLAGS = `--v8-flags=${DAEMON_V8_FLAGS.join(",")}`;
const set = config.permissions.serve;

function run(args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

Deno.test("the set's run list is exactly the tools the collectors spawn", () => {
  const spawned = new Set([...darwinPlatform().tools, ...linuxPlatform().tools]);
  assert.deepEqual([...set.run].sort(), [...spawned].sort());
  for (const tool of set.run) assert.ok(tool.startsWith("/"), `${tool} must be absolute`);
  assert.deepEqual(Object.values(DARWIN_TOOLS).sort(), darwinPlatform().tools.slice().sort());
  assert.deepEqual(Object.values(LINUX_TOOLS).sort(), linuxPlatform().tools.slice().sort());
});

Deno.test("the set grants the socket paths and nothing broader", () => {
  const sockets = [
    "/tmp/opta-metrics.sock",
    "/private/tmp/opta-metrics.sock",
    "/opt/homebrew/var/run/opta-metrics.sock",
    "/usr/local/var/run/opta-metrics.sock",
  ];
  assert.deepEqual([...set.read].sort(), sockets.slice().sort());
  assert.deepEqual([...set.write].sort(), sockets.slice().sort());
  assert.deepEqual([...set.net].sort(), sockets.map((s) => `unix:${s}`).sort());
  assert.deepEqual([...GRANTED_SOCKET_PATHS].sort(), sockets.slice().sort());
  assert.ok(GRANTED_SOCKET_PATHS.includes(DEFAULT_SOCKET_PATH));
  assert.deepEqual([...set.sys].sort(), ["cpus", "osRelease", "systemMemoryInfo", "umask"]);
  assert.deepEqual(set.env, ["OPTA_METRICS_SOCKET"]);
  assert.equal(set.ffi, false);
  assert.equal(set.import, false);
});

Deno.test("under the set, everything but the daemon's own needs is denied", async () => {
  const home = Deno.env.get("HOME") ?? "/root";
  const out = await run([
    "run",
    "--quiet",
    "--no-prompt",
    "-P=serve",
    "tests/support/sandbox_probe.ts",
    home,
  ])
    .output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const results = JSON.parse(new TextDecoder().decode(out.stdout));
  for (
    const denied of [
      "read_home",
      "read_etc_passwd",
      "write_outside_socket",
      "tcp_connect",
      "tcp_listen",
      "other_unix_socket",
      "spawn_unlisted_tool",
      "spawn_shell",
      "ffi",
      "env_home",
      "sys_hostname",
      "read_proc",
    ]
  ) {
    assert.equal(results[denied], "NotCapable", `${denied} must be denied, got ${results[denied]}`);
  }
  assert.equal(results.allowed_cpus, "ALLOWED");
  assert.equal(results.allowed_memory, "ALLOWED");
  assert.equal(results.allowed_env, "ALLOWED");
});

Deno.test("a --socket outside the granted paths is refused before anything starts", async () => {
  const started = performance.now();
  const out = await run([
    "run",
    "--quiet",
    "--no-prompt",
    "-P=serve",
    "src/main.ts",
    "serve",
    "--socket",
    "/tmp/opta-elsewhere.sock",
  ]).output();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  assert.equal(out.code, 1, stderr);
  assert.equal(stderr.split("\n").length, 1, stderr);
  assert.match(stderr, /socket path \/tmp\/opta-elsewhere\.sock is not allowed/);
  for (const path of GRANTED_SOCKET_PATHS) assert.ok(stderr.includes(path), `lists ${path}`);
  assert.match(stderr, /--allow-net=unix:\/tmp\/opta-elsewhere\.sock/, "says how to allow it");
  assert.ok(performance.now() - started < 5000);
});

/** A daemon (or its leftover) already at the default path: this test must not disturb it. */
const defaultPathTaken = (() => {
  try {
    Deno.lstatSync(DEFAULT_SOCKET_PATH);
    return true;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "under exactly the set (no extra flag) the daemon serves on the default path" +
    (defaultPathTaken ? ` [SKIPPED: ${DEFAULT_SOCKET_PATH} exists]` : ""),
  ignore: Deno.build.os !== "linux" || defaultPathTaken,
  async fn() {
    const daemon = run([
      "run",
      "--quiet",
      "--no-prompt",
      "-P=serve",
      V8_FLAGS,
      "src/main.ts",
      "serve",
    ])
      .spawn();
    try {
      let conn: Deno.UnixConn | null = null;
      for (let i = 0; i < 100 && conn === null; i++) {
        try {
          conn = await Deno.connect({ transport: "unix", path: DEFAULT_SOCKET_PATH });
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      assert.ok(conn, "the daemon never accepted a connection");
      const decoder = new FrameDecoder();
      const buffer = new Uint8Array(65536);
      const frames: MetricsFrame[] = [];
      while (frames.length < 3) {
        const n = await conn.read(buffer);
        assert.ok(n !== null, "stream ended");
        for (const body of decoder.push(buffer.subarray(0, n))) frames.push(decodeMetrics(body));
      }
      conn.close();
      assert.deepEqual(
        frames.map((f) => f.sequence),
        [1, 2, 3].map((k) => frames[0].sequence + k - 1),
      );
      assert.ok(frames[0].memoryTotal > 0);
      assert.ok(frames[0].topProcesses.length > 0, "top ran under the set");
      assert.equal(Deno.lstatSync(DEFAULT_SOCKET_PATH).mode! & 0o777, 0o600);
    } finally {
      daemon.kill("SIGTERM");
      const status = await daemon.status;
      const stderr = new TextDecoder().decode((await daemon.stderr.getReader().read()).value);
      assert.equal(status.code, 0, stderr);
    }
    assert.throws(
      () => Deno.lstatSync(DEFAULT_SOCKET_PATH),
      Deno.errors.NotFound,
      "socket removed",
    );
  },
});

Deno.test("deno task compile bakes the set and the V8 flags with the pinned Deno, frozen lock and no prompt", () => {
  assert.deepEqual([...TARGETS], [
    "aarch64-apple-darwin",
    "x86_64-apple-darwin",
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
  ]);
  for (const target of TARGETS) {
    const args = compileArgs(target);
    assert.equal(args[0], "compile");
    for (const flag of ["--frozen", "--no-prompt", "-P=serve", V8_FLAGS]) {
      assert.ok(args.includes(flag), flag);
    }
    assert.equal(args[args.indexOf("--target") + 1], target);
    assert.equal(args[args.indexOf("--output") + 1], `dist/opta-metrics-${target}`);
    assert.equal(args.at(-1), "src/main.ts");
    assert.ok(!args.some((a) => a.startsWith("--allow") || a === "-A"), "only the named set");
  }
  assert.equal(PINNED_DENO, "2.9.6");
  assert.match(config.tasks.compile, /packaging\/compile\.ts/);
  assert.ok(
    config.tasks.start.startsWith(`deno run -P=serve ${V8_FLAGS} src/main.ts serve`),
    "start runs under the same set with the same V8 flags",
  );
});
