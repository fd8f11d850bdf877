/**
 * The socket grants of every permission set: each shipped set (deno.json, baked into the
 * binaries) names exactly its socket paths, the sets of `deno task start` and `watch` add
 * exactly the one launch's path, the sandbox refuses every other path under each of them,
 * and none grants TCP in any form. Probed for real by tests/support/net_probe.ts.
 */
import assert from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };
import { sourceFlags } from "../../packaging/source_flags.ts";
import { withSocketGrants } from "../../src/ipc/socket_grants.ts";
import { daemonConfigFile, type PermissionSet } from "../support/daemon_permissions.ts";
import { withDir } from "../support/daemon.ts";

const root = new URL("../../", import.meta.url).pathname;
const SETS = config.permissions as unknown as Record<string, PermissionSet>;
const SOCK = "opta-metrics.sock";

/** The uids whose runtime directory the Linux binary may serve in: root, then 1000–1099. */
const BINARY_UIDS = [0, ...Array.from({ length: 100 }, (_, i) => 1000 + i)];

Deno.test("serve-linux grants the runtime directories of uids 0 and 1000–1099, root's /run and /tmp's one path", () => {
  const set = SETS["serve-linux"];
  const runtime = BINARY_UIDS.map((uid) => `/run/user/${uid}/${SOCK}`);
  // read: the directories whose owner and mode the daemon checks (a prefix: what is in them)
  assert.deepEqual(set.read, ["/run/user", "/run/opta-metrics", "/tmp"]);
  // write: each socket; root's own directory whole, which the daemon creates 0700
  assert.deepEqual(set.write, ["/run/opta-metrics", ...runtime, `/tmp/${SOCK}`]);
  assert.deepEqual(set.net, [
    `unix:/run/opta-metrics/${SOCK}`,
    ...runtime.map((path) => `unix:${path}`),
    `unix:/tmp/${SOCK}`,
  ]);
});

Deno.test("serve-darwin grants Homebrew's var/run and /private/tmp's one path: $TMPDIR differs per user", () => {
  const set = SETS["serve-darwin"];
  const brew = ["/opt/homebrew/var/run", "/usr/local/var/run"];
  assert.deepEqual([...set.read].sort(), ["/private/tmp", ...brew].sort());
  assert.deepEqual([...set.write].sort(), [`/private/tmp/${SOCK}`, ...brew].sort());
  assert.deepEqual(
    [...set.net].sort(),
    [`/private/tmp/${SOCK}`, ...brew.map((dir) => `${dir}/${SOCK}`)].map((p) => `unix:${p}`)
      .sort(),
  );
  assert.ok(!set.net.some((entry) => entry.includes("/var/folders")));
});

Deno.test("the client set grants Homebrew's and /tmp's sockets; its tasks add the per-user ones", () => {
  const set = SETS.client;
  const sockets = [
    `/tmp/${SOCK}`,
    `/private/tmp/${SOCK}`,
    `/opt/homebrew/var/run/${SOCK}`,
    `/usr/local/var/run/${SOCK}`,
  ];
  assert.deepEqual(set.read, sockets);
  assert.deepEqual(set.write, sockets);
  assert.deepEqual(set.net, sockets.map((p) => `unix:${p}`));
  assert.deepEqual(set.env, ["OPTA_METRICS_SOCKET", "XDG_RUNTIME_DIR", "TMPDIR"]);
});

Deno.test("a task's flags are its set plus exactly the launch's socket, and the task's name", () => {
  const serve = sourceFlags("serve", ["/x/rt/s.sock"], "linux");
  const linux = SETS["serve-linux"];
  assert.deepEqual(serve, [
    "-P=serve-linux",
    `--allow-read=${[...linux.read, "/x/rt"].join(",")}`,
    `--allow-write=${[...linux.write, "/x/rt/s.sock"].join(",")}`,
    `--allow-net=${[...linux.net, "unix:/x/rt/s.sock"].join(",")}`,
    `--allow-env=${[...linux.env, "OPTA_METRICS_TASK"].join(",")}`,
    "--v8-flags=--expose-gc,--single-threaded-gc,--no-turbofan,--single-threaded",
  ]);
  // a path the set already grants is not repeated
  assert.equal(
    sourceFlags("serve", [`/run/user/1000/${SOCK}`], "linux")[2],
    `--allow-write=${linux.write.join(",")}`,
  );
  const watch = sourceFlags("watch", ["/a/s.sock", "/b/s.sock"], "linux");
  assert.equal(watch[0], "-P=client");
  assert.equal(
    watch[1],
    `--allow-read=${[...SETS.client.read, "/a/s.sock", "/b/s.sock"].join(",")}`,
  );
  assert.ok(!watch.some((flag) => flag.startsWith("--v8-flags")));
  assert.deepEqual(
    withSocketGrants({ read: [], write: [], net: [] }, ["/d/s.sock"], "serve"),
    { read: ["/d"], write: ["/d/s.sock"], net: ["unix:/d/s.sock"] },
  );
  assert.throws(() => sourceFlags("serve", ["/a b/s.sock"], "linux"), /comma or a space/);
  assert.throws(() => sourceFlags("serve", ["/a,b/s.sock"], "linux"), /comma or a space/);
});

/** The net probe's results under `permissionArgs`, trying `paths`. */
async function probe(permissionArgs: string[], paths: string[]): Promise<Record<string, string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      ...permissionArgs,
      "tests/support/net_probe.ts",
      ...paths,
    ],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** Every TCP attempt of the probe was refused by the sandbox. */
function assertNoTcp(results: Record<string, string>, what: string): void {
  const tcp = Object.entries(results).filter(([key]) => !/^(listen|connect) \//.test(key));
  assert.equal(tcp.length, 12);
  for (const [key, result] of tcp) assert.equal(result, "NotCapable", `${what}: ${key}`);
}

/** Listening on and connecting to each of `paths` was refused by the sandbox. */
function assertRefused(results: Record<string, string>, paths: string[], what: string): void {
  for (const path of paths) {
    for (const action of ["listen", "connect"]) {
      assert.equal(results[`${action} ${path}`], "NotCapable", `${what}: ${action} ${path}`);
    }
  }
}

Deno.test("under each shipped set every other socket path is refused, and no TCP at all", async () => {
  const others = [
    "/tmp/opta-other.sock",
    "/tmp/opta-metrics.sock.other",
    `/run/user/999/${SOCK}`, // outside the Linux binary's uids
    `/run/user/1100/${SOCK}`,
    "/run/user/1000/other.sock", // in a granted directory
    "/run/opta-metrics/other.sock", // in a directory granted for writing
    "/run/user/1000/bus", // the user's D-Bus
    "/var/run/docker.sock",
    `/var/folders/zz/abc/T/${SOCK}`,
    `/private/var/folders/zz/abc/T/${SOCK}`,
  ];
  for (const name of ["serve-linux", "serve-darwin", "client"]) {
    const results = await probe([`-P=${name}`], others);
    assertRefused(results, others, name);
    assertNoTcp(results, name);
  }
});

Deno.test("under a task's set, only the launch's socket is added: its neighbours stay refused", async () => {
  await withDir(async (dir) => {
    const launch = `${dir}/${SOCK}`;
    const neighbours = [`${dir}/other.sock`, `${dir}/${SOCK}x`, `${dir}/sub/${SOCK}`];
    for (const command of ["serve", "watch"] as const) {
      const flags = sourceFlags(command, [launch]).filter((f) => !f.startsWith("--v8-flags"));
      const results = await probe(flags, [launch, ...neighbours]);
      assert.equal(results[`listen ${launch}`], "ALLOWED", `${command}: the launch's own path`);
      assertRefused(results, neighbours, command);
      assertNoTcp(results, command);
    }
  });
});

Deno.test("a set written to a config file (as the tests run the daemon) refuses TCP alike", async () => {
  await withDir(async (dir) => {
    const set = { ...SETS["serve-linux"], read: [dir], write: [`${dir}/s.sock`], net: [] };
    const results = await probe([`--config=${daemonConfigFile(set)}`, "-P=serve-test"], [
      `${dir}/s.sock`,
    ]);
    assert.equal(results[`listen ${dir}/s.sock`], "NotCapable", "no unix: grant, no socket");
    assertNoTcp(results, "config file");
  });
});

Deno.test("the probe tells a granted TCP attempt from a refused one", async () => {
  const results = await probe(["--allow-net"], []);
  assert.equal(results["tcp connect 127.0.0.1"], "ConnectionRefused");
  assert.equal(results["tcp listen ::1"], "ALLOWED");
});
