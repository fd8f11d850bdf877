/**
 * Least privilege: the daemon's sets grant no TCP at all; the exporter's sets grant the
 * daemon's sockets, the exporter's listen addresses and the textfile directories and nothing
 * else, and under them the exporter cannot read other files, spawn anything, or listen on
 * another port or interface. The grants a mode does not use are revoked at startup.
 */
import assert from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };
import {
  EXPORTER_PORT,
  exportSet,
  listenGrants,
  narrowPermissions,
  textfileDirectories,
} from "../../src/export/grants.ts";
import { withDir } from "../support/daemon.ts";
import { exporterCommand, exporterPermissionSet, freePort } from "../support/exporter.ts";

const sets = config.permissions as unknown as Record<string, Record<string, unknown>>;

Deno.test("the daemon's sets grant no TCP at all: every net grant is a Unix socket", () => {
  for (const name of ["serve-linux", "serve-darwin"]) {
    const net = sets[name].net as string[];
    assert.ok(net.length > 0);
    assert.deepEqual(net.filter((entry) => !entry.startsWith("unix:")), [], name);
  }
});

Deno.test("each exporter set: the daemon's sockets, the exporter's port, the textfile directories", () => {
  for (const os of ["linux", "darwin"]) {
    const set = exportSet(os);
    const serve = sets[`serve-${os}`];
    const sockets = (serve.net as string[]).map((e) => e.slice("unix:".length));
    assert.deepEqual(set.net.filter((e) => e.startsWith("unix:")), serve.net, os);
    assert.deepEqual(listenGrants(set).sort(), [
      `0.0.0.0:${EXPORTER_PORT}`,
      `127.0.0.1:${EXPORTER_PORT}`,
      `[::1]:${EXPORTER_PORT}`,
      `[::]:${EXPORTER_PORT}`,
    ]);
    const directories = os === "linux"
      ? ["/var/lib/prometheus/node-exporter"]
      : ["/opt/homebrew/var/lib/node_exporter", "/usr/local/var/lib/node_exporter"];
    assert.deepEqual(textfileDirectories(set), directories, os);
    assert.deepEqual(set.read, [...sockets, ...directories], os);
    assert.deepEqual(set.write, [...sockets, ...directories], os);
    // and the variables that place the daemon's default socket (src/ipc/socket_place.ts)
    assert.deepEqual(set.env, [
      "OPTA_METRICS_SOCKET",
      os === "linux" ? "XDG_RUNTIME_DIR" : "TMPDIR",
    ]);
    assert.deepEqual(set.sys, ["uid"]);
    const whole = sets[`export-${os}`];
    assert.deepEqual(Object.keys(whole).sort(), [
      "env",
      "ffi",
      "import",
      "net",
      "read",
      "run",
      "sys",
      "write",
    ]);
    for (const off of ["run", "ffi", "import"]) assert.equal(whole[off], false, `${os} ${off}`);
  }
});

Deno.test("under its set the exporter cannot read, spawn, or listen on another port or interface", async () => {
  await withDir(async (dir) => {
    const port = freePort();
    const listen = `127.0.0.1:${port}`;
    const command = exporterCommand({ socket: `${dir}/d.sock`, listen: [listen] }, []);
    // the same runtime flags and set, another script: the probe instead of the exporter
    const entry = command.findIndex((a) => a.endsWith("export_main.ts"));
    const args = [
      ...command.slice(1, entry),
      new URL("../support/export_sandbox_probe.ts", import.meta.url).pathname,
      listen,
      String(port === 65535 ? port - 1 : port + 1),
    ];
    const out = await new Deno.Command(command[0], { args, stdout: "piped", stderr: "piped" })
      .output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const results = JSON.parse(new TextDecoder().decode(out.stdout));
    for (const [attempt, outcome] of Object.entries(results)) {
      const expected = attempt.startsWith("allowed_") ? "ALLOWED" : "NotCapable";
      assert.equal(outcome, expected, `${attempt}: ${outcome}`);
    }
  });
});

Deno.test("the tests' exporter set is the shipped one with only socket, address and directory swapped", () => {
  const shipped = exportSet();
  const same = exporterPermissionSet({ socket: "/tmp/x.sock", listen: ["127.0.0.1:1"] });
  assert.deepEqual(
    { ...same, read: [], write: [], net: [] },
    { ...shipped, read: [], write: [], net: [] },
  );
  assert.deepEqual(same.net, ["unix:/tmp/x.sock", "127.0.0.1:1"]);
  assert.deepEqual(same.read, ["/tmp/x.sock"]);
  assert.deepEqual(same.write, ["/tmp/x.sock"]);
});

const SET = {
  read: ["/tmp/a.sock", "/tmp/b.sock", "/tmp/tf"],
  write: ["/tmp/a.sock", "/tmp/b.sock", "/tmp/tf"],
  net: ["unix:/tmp/a.sock", "unix:/tmp/b.sock", "127.0.0.1:19182", "0.0.0.0:19182"],
  env: ["OPTA_METRICS_SOCKET"],
  sys: ["uid"],
};
const state = (descriptor: Deno.PermissionDescriptor) =>
  Deno.permissions.querySync(descriptor).state;

Deno.test({
  name: "serving over HTTP keeps one socket and one address: the rest of the set is revoked",
  permissions: { read: SET.read, write: SET.write, net: SET.net, env: SET.env, sys: ["uid"] },
  fn() {
    narrowPermissions({ socket: "/tmp/a.sock", listen: "127.0.0.1:19182" }, SET);
    assert.equal(state({ name: "net", host: "unix:/tmp/a.sock" }), "granted");
    assert.equal(state({ name: "read", path: "/tmp/a.sock" }), "granted");
    assert.equal(state({ name: "net", host: "127.0.0.1:19182" }), "granted");
    assert.notEqual(state({ name: "net", host: "0.0.0.0:19182" }), "granted");
    assert.notEqual(state({ name: "net", host: "unix:/tmp/b.sock" }), "granted");
    assert.notEqual(state({ name: "write", path: "/tmp/tf" }), "granted");
    assert.notEqual(state({ name: "read", path: "/tmp/tf" }), "granted");
    assert.notEqual(state({ name: "env", variable: "OPTA_METRICS_SOCKET" }), "granted");
    assert.equal(state({ name: "sys", kind: "uid" }), "granted");
  },
});

Deno.test({
  name: "writing a textfile keeps one socket and the directory: every TCP address is revoked",
  permissions: { read: SET.read, write: SET.write, net: SET.net, env: SET.env, sys: ["uid"] },
  fn() {
    narrowPermissions({ socket: "/tmp/a.sock", directory: "/tmp/tf" }, SET);
    assert.equal(state({ name: "write", path: "/tmp/tf" }), "granted");
    assert.equal(state({ name: "read", path: "/tmp/tf" }), "granted");
    assert.notEqual(state({ name: "net", host: "127.0.0.1:19182" }), "granted");
    assert.notEqual(state({ name: "net", host: "0.0.0.0:19182" }), "granted");
    assert.equal(state({ name: "net", host: "unix:/tmp/a.sock" }), "granted");
  },
});
