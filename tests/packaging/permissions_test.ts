/**
 * The shipped permission sets (deno.json `permissions.serve-darwin` and
 * `serve-linux`, baked by `deno task compile` into each platform's binaries) are
 * exactly what the daemon needs on each platform: it serves under them,
 * everything else is denied, and each tool list matches what that platform's
 * collectors spawn.
 */
import assert from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };
import { compileArgs, permissionSetFor, PINNED_DENO, TARGETS } from "../../packaging/compile.ts";
import { DAEMON_V8_FLAGS } from "../../src/daemon/v8.ts";
import { DARWIN_TOOLS, darwinPlatform } from "../../src/metrics/darwin/platform.ts";
import { LINUX_TOOLS, linuxPlatform } from "../../src/metrics/linux/platform.ts";
import {
  DEFAULT_SOCKET_PATH,
  GRANTED_SOCKET_PATHS,
  grantedSocketPaths,
  servePermissionSet,
} from "../../src/ipc/socket_path.ts";
import { withDir } from "../support/daemon.ts";
import { daemonConfigFile, daemonPermissionSet } from "../support/daemon_permissions.ts";
import { decodeMetrics, type MetricsFrame } from "../../src/ipc/codec.ts";
import { FrameDecoder } from "../../src/ipc/framing.ts";

const root = new URL("../../", import.meta.url).pathname;
/** The `--v8-flags` argument the daemon runs with, wherever it runs. */
const V8_FLAGS = `--v8-flags=${DAEMON_V8_FLAGS.join(",")}`;
const darwin = config.permissions["serve-darwin"];
const linux = config.permissions["serve-linux"];
/** This platform's set, as `deno task start` picks it. */
const SET = `-P=${servePermissionSet()}`;

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

/** Tools that print (or hand a shell) any file they are given: none may be in the darwin set. */
const FILE_READERS = [
  "cat",
  "grep",
  "egrep",
  "fgrep",
  "head",
  "tail",
  "less",
  "more",
  "awk",
  "sed",
  "dd",
  "cp",
  "od",
  "xxd",
  "hexdump",
  "strings",
  "tar",
  "zip",
  "sh",
  "bash",
  "zsh",
  "dash",
  "env",
  "perl",
  "python3",
  "ruby",
  "osascript",
  "open",
  "find",
  "xargs",
  "plutil",
  "defaults",
];

Deno.test("each platform's run list is exactly the tools its collectors spawn", () => {
  assert.deepEqual([...darwin.run].sort(), [...darwinPlatform().tools].sort());
  assert.deepEqual([...linux.run].sort(), [...linuxPlatform().tools].sort());
  assert.deepEqual(Object.values(DARWIN_TOOLS).sort(), [...darwin.run].sort());
  assert.deepEqual(Object.values(LINUX_TOOLS).sort(), [...linux.run].sort());
  for (const tool of [...darwin.run, ...linux.run]) {
    assert.ok(tool.startsWith("/"), `${tool} must be absolute`);
  }
  for (const tool of darwin.run) {
    const name = tool.slice(tool.lastIndexOf("/") + 1);
    assert.ok(!FILE_READERS.includes(name), `the darwin set must not run ${tool}`);
  }
  // The one file reader the Linux set keeps (docs/security.md says so).
  assert.deepEqual(
    linux.run.filter((t) => FILE_READERS.includes(t.slice(t.lastIndexOf("/") + 1))),
    ["/bin/grep"],
  );
});

Deno.test("each set grants its own socket paths, their directories as the parent check needs, nothing broader", () => {
  const darwinSockets = [
    "/private/tmp/opta-metrics.sock",
    "/opt/homebrew/var/run/opta-metrics.sock",
    "/usr/local/var/run/opta-metrics.sock",
  ];
  const brewDirs = ["/opt/homebrew/var/run", "/usr/local/var/run"];
  // read: each socket's directory (to stat it); write: the socket, or the whole Homebrew
  // directory, which the daemon creates 0700 when Homebrew has not yet.
  assert.deepEqual([...darwin.read].sort(), ["/private/tmp", ...brewDirs].sort());
  assert.deepEqual(
    [...darwin.write].sort(),
    ["/private/tmp/opta-metrics.sock", ...brewDirs].sort(),
  );
  assert.deepEqual([...darwin.net].sort(), darwinSockets.map((s) => `unix:${s}`).sort());
  assert.deepEqual(grantedSocketPaths("darwin").sort(), darwinSockets.slice().sort());
  assert.deepEqual(linux.read, ["/tmp"]);
  assert.deepEqual(linux.write, ["/tmp/opta-metrics.sock"]);
  assert.deepEqual(linux.net, ["unix:/tmp/opta-metrics.sock"]);
  assert.deepEqual(grantedSocketPaths("linux"), [DEFAULT_SOCKET_PATH]);
  assert.ok(
    GRANTED_SOCKET_PATHS.includes(
      Deno.build.os === "darwin" ? "/private/tmp/opta-metrics.sock" : DEFAULT_SOCKET_PATH,
    ),
  );
  // Pinned on purpose, not derived from the sources: a new grant widens what the daemon
  // may do, and a reviewer must see it here. Both platforms read load through Deno.loadavg().
  const sys = ["cpus", "loadavg", "osRelease", "systemMemoryInfo", "uid", "umask"];
  assert.deepEqual([...darwin.sys].sort(), sys);
  assert.deepEqual([...linux.sys].sort(), sys);
  for (const set of [darwin, linux]) {
    assert.deepEqual(set.env, ["OPTA_METRICS_SOCKET"]);
    assert.equal(set.ffi, false);
    assert.equal(set.import, false);
  }
  assert.equal("serve" in config.permissions, false, "no union set left behind");
});

Deno.test("the tests' daemon set is the shipped set with only the socket path and its directory swapped", () => {
  const shipped = config.permissions[servePermissionSet()];
  assert.deepEqual(daemonPermissionSet(GRANTED_SOCKET_PATHS[0]), shipped);
  const swapped = daemonPermissionSet("/tmp/omdX/run/s.sock");
  assert.deepEqual(
    { ...swapped, read: [], write: [], net: [] },
    { ...shipped, read: [], write: [], net: [] },
  );
  assert.deepEqual(swapped.net, ["unix:/tmp/omdX/run/s.sock"]);
  if (Deno.build.os === "linux") {
    assert.deepEqual(swapped.read, ["/tmp/omdX/run"]);
    assert.deepEqual(swapped.write, ["/tmp/omdX/run/s.sock"]);
  }
  const brew = daemonPermissionSet("/tmp/omdX/run/s.sock", "/usr/local/var/run/opta-metrics.sock");
  assert.deepEqual(brew.read, ["/tmp/omdX/run"]);
  assert.deepEqual(brew.write, ["/tmp/omdX/run"]);
  assert.deepEqual(brew.run, shipped.run);
});

/** The sandbox probe's results under `permissionArgs`. */
async function probeSandbox(permissionArgs: string[]): Promise<Record<string, string>> {
  const home = Deno.env.get("HOME") ?? "/root";
  const out = await run([
    "run",
    "--quiet",
    "--no-prompt",
    ...permissionArgs,
    "tests/support/sandbox_probe.ts",
    home,
  ]).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("the tests' daemon set, as a config file, sandboxes exactly as the shipped set", async () => {
  const shipped = await probeSandbox([SET]);
  const derived = await probeSandbox([
    `--config=${daemonConfigFile(daemonPermissionSet(GRANTED_SOCKET_PATHS[0]))}`,
    "-P=serve-test",
  ]);
  assert.deepEqual(derived, shipped);
});

Deno.test("under the set, everything but the daemon's own needs is denied", async () => {
  const results = await probeSandbox([SET]);
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
    SET,
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
      SET,
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
      const stderr = await new Response(daemon.stderr).text();
      assert.equal(status.code, 0, stderr);
      // The parent-directory check runs under exactly the shipped grants.
      assert.match(stderr, /\blistening\b.* parent_checked=true/, stderr);
    }
    assert.throws(
      () => Deno.lstatSync(DEFAULT_SOCKET_PATH),
      Deno.errors.NotFound,
      "socket removed",
    );
  },
});

Deno.test("deno task compile bakes each platform's set and the V8 flags with the pinned Deno, frozen lock and no prompt", () => {
  assert.deepEqual([...TARGETS], [
    "aarch64-apple-darwin",
    "x86_64-apple-darwin",
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
  ]);
  for (const target of TARGETS) {
    const args = compileArgs(target);
    assert.equal(args[0], "compile");
    const set = target.endsWith("-apple-darwin") ? "serve-darwin" : "serve-linux";
    assert.equal(permissionSetFor(target), set);
    for (const flag of ["--frozen", "--no-prompt", `-P=${set}`, V8_FLAGS]) {
      assert.ok(args.includes(flag), `${target}: ${flag}`);
    }
    assert.equal(args[args.indexOf("--target") + 1], target);
    assert.equal(args[args.indexOf("--output") + 1], `dist/opta-metrics-${target}`);
    assert.equal(args.at(-1), "src/main.ts");
    assert.ok(!args.some((a) => a.startsWith("--allow") || a === "-A"), "only the named set");
  }
  assert.equal(PINNED_DENO, "2.9.6");
  assert.match(config.tasks.compile, /packaging\/compile\.ts/);
  const platformSet = "-P=serve-$(deno eval 'console.log(Deno.build.os)')";
  assert.ok(
    config.tasks.start.startsWith(`deno run ${platformSet} ${V8_FLAGS} src/main.ts serve`),
    "start runs under the platform's set with the same V8 flags",
  );
  assert.equal(config.tasks.sample, `deno run ${platformSet} src/main.ts sample`);
});

Deno.test("deno task start and sample run under this platform's set", async () => {
  await withDir(async (dir) => {
    const elsewhere = `${dir}/s.sock`;
    const task = (...args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: ["task", ...args],
        cwd: root,
        env: { NO_COLOR: "1" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
    const start = await task("start", "--socket", elsewhere);
    const stderr = new TextDecoder().decode(start.stderr);
    assert.equal(start.code, 1, stderr);
    // The refusal lists exactly the paths this platform's set grants, not the other's.
    const refusal = stderr.split("\n").find((l) => l.startsWith("opta-metrics: "));
    assert.ok(refusal, stderr);
    assert.ok(
      refusal.includes(`(allowed: ${grantedSocketPaths().join(", ")})`),
      `lists this platform's paths only: ${refusal}`,
    );
    const sample = await task("sample", "--json");
    assert.equal(sample.code, 0, new TextDecoder().decode(sample.stderr));
    assert.ok(JSON.parse(new TextDecoder().decode(sample.stdout)).memory_total > 0);
  });
});
