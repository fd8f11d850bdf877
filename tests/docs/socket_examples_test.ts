/**
 * The shell examples that reach the daemon's socket (`nc -U`, `socat`, `--allow-net=unix:`)
 * name it with one expression, and that expression is where the daemon serves by default on
 * Linux both with `XDG_RUNTIME_DIR` and, for root, without it (a container).
 */
import assert from "node:assert/strict";
import { servePlaces } from "../../src/ipc/socket_place.ts";
import { readDoc } from "./docs.ts";

const EXPRESSION = "${XDG_RUNTIME_DIR:-/run/opta-metrics}/opta-metrics.sock";
const DOCS = ["README.md", "PROTOCOL.md", "docs/cli.md", "docs/prometheus.md"];

Deno.test("the docs' nc, socat and unix: examples name the socket with the one expression", () => {
  let found = 0;
  for (const doc of DOCS) {
    for (const [, path] of readDoc(doc).matchAll(/(?:nc -U |UNIX-CONNECT:|unix:)"?([^"\s,]+)/g)) {
      if (!path.includes("XDG_RUNTIME_DIR")) continue; // "$sock", a placeholder, a fixed path
      found++;
      assert.equal(path, EXPRESSION, `${doc}: ${path}`);
    }
  }
  assert.ok(found >= 4, `only ${found} examples found`);
});

Deno.test("the expression is the daemon's default place, with XDG_RUNTIME_DIR and for root without", async () => {
  const shell = async (env: Record<string, string>) => {
    const out = await new Deno.Command("/bin/sh", {
      args: ["-c", `printf %s "${EXPRESSION}"`],
      env,
      clearEnv: true,
    }).output();
    return new TextDecoder().decode(out.stdout);
  };
  const user = servePlaces({
    os: "linux",
    uid: 1000,
    runtimeDir: "/run/user/1000",
    isDir: () => true,
  });
  assert.equal(await shell({ XDG_RUNTIME_DIR: "/run/user/1000" }), user.places[0]);
  const root = servePlaces({ os: "linux", uid: 0, isDir: () => false });
  assert.equal(await shell({}), root.places[0]);
});
