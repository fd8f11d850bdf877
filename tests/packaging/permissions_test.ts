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
import { servePermissionSet } from "../../src/ipc/socket_grants.ts";
import { withDir } from "../support/daemon.ts";
import { daemonConfigFile, daemonPermissionSet } from "../support/daemon_permissions.ts";

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

Deno.test("each set grants what it needs beyond its sockets (see socket_grants_test.ts)", () => {
  // Pinned on purpose, not derived from the sources: a new grant widens what the daemon
  // may do, and a reviewer must see it here. Both platforms read load through Deno.loadavg().
  const sys = ["cpus", "loadavg", "osRelease", "systemMemoryInfo", "uid", "umask"];
  assert.deepEqual([...darwin.sys].sort(), sys);
  assert.deepEqual([...linux.sys].sort(), sys);
  assert.deepEqual(darwin.env, ["OPTA_METRICS_SOCKET", "TMPDIR"]);
  assert.deepEqual(linux.env, ["OPTA_METRICS_SOCKET", "XDG_RUNTIME_DIR"]);
  for (const set of [darwin, linux]) {
    assert.equal(set.ffi, false);
    assert.equal(set.import, false);
  }
  assert.equal("serve" in config.permissions, false, "no union set left behind");
});

Deno.test("the tests' daemon set is the shipped set with only its socket grants swapped", () => {
  const shipped = config.permissions[servePermissionSet()];
  const swapped = daemonPermissionSet("/tmp/omdX/run/s.sock");
  assert.deepEqual(
    { ...swapped, read: [], write: [], net: [] },
    { ...shipped, read: [], write: [], net: [] },
  );
  assert.deepEqual(swapped.read, ["/tmp/omdX/run"]);
  assert.deepEqual(swapped.write, ["/tmp/omdX/run/s.sock"]);
  assert.deepEqual(swapped.net, ["unix:/tmp/omdX/run/s.sock"]);
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
    `--config=${daemonConfigFile(daemonPermissionSet("/tmp/omd-probe/s.sock"))}`,
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
  // start takes its set, its socket's grants and the V8 flags from packaging/source_flags.ts
  // (socket_grants_test.ts checks what it prints)
  assert.equal(
    config.tasks.start,
    "OPTA_METRICS_TASK=start deno run $(deno run -A packaging/source_flags.ts serve) " +
      "src/main.ts serve",
  );
  const platformSet = "-P=serve-$(deno eval 'console.log(Deno.build.os)')";
  assert.equal(config.tasks.sample, `deno run ${platformSet} src/main.ts sample`);
});

Deno.test("deno task start runs under this platform's set plus its socket, sample under the set", async () => {
  await withDir(async (dir) => {
    const task = (env: Record<string, string>, ...args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: ["task", "-q", ...args],
        cwd: root,
        env: { NO_COLOR: "1", ...env },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      });
    const daemon = task({ XDG_RUNTIME_DIR: dir }, "start").spawn();
    const lines: string[] = [];
    let stopped = false;
    const reading = (async () => {
      for await (const chunk of daemon.stderr.pipeThrough(new TextDecoderStream())) {
        lines.push(...chunk.split("\n"));
        if (!stopped && lines.some((l) => / listening /.test(l))) {
          stopped = true;
          daemon.kill("SIGTERM"); // deno task passes it on; its own exit status varies
        }
      }
    })();
    await daemon.status;
    await reading;
    await daemon.stdout.cancel();
    assert.ok(lines.some((l) => / INFO {2}stopped /.test(l)), lines.join("\n"));
    assert.throws(() => Deno.lstatSync(`${dir}/opta-metrics.sock`), Deno.errors.NotFound);
    const listening = lines.find((l) => / listening /.test(l)) ?? "";
    assert.match(listening, new RegExp(`socket=${dir}/opta-metrics\\.sock .*parent_checked=true`));
    const sample = await task({}, "sample", "--json").output();
    assert.equal(sample.code, 0, new TextDecoder().decode(sample.stderr));
    assert.ok(JSON.parse(new TextDecoder().decode(sample.stdout)).memory_total > 0);
  });
});
