/**
 * .ci/smoke, the binary smoke test of ci.yml and release.yml, run here against the daemon
 * from source under its permission set (no compiled binary: denort needs Deno's download
 * host). Proves the script itself: version, sample, one frame on the default socket with
 * mode 0600, socket removed after SIGTERM.
 */
import assert from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };
import { exists, works } from "../support/host.ts";

const root = new URL("../../", import.meta.url).pathname;
const SOCKET = "/tmp/opta-metrics.sock";
const taken = exists(SOCKET);
const havePython = works("python3", ["-c", ""]);
const skip = !havePython
  ? " [SKIPPED: no python3]"
  : taken
  ? ` [SKIPPED: ${SOCKET} exists; the smoke test serves there]`
  : "";

Deno.test({
  name: ".ci/smoke passes against the daemon run from source" + skip,
  ignore: skip !== "",
  async fn() {
    const sets = Object.keys(config.permissions);
    const set = sets.includes(`serve-${Deno.build.os}`) ? `serve-${Deno.build.os}` : "serve";
    const dir = Deno.makeTempDirSync({ prefix: "opta-smoke-" });
    const bin = `${dir}/opta-metrics`;
    Deno.writeTextFileSync(
      bin,
      `#!/bin/sh\nexec "${Deno.execPath()}" run -P=${set} --v8-flags=--expose-gc "${root}src/main.ts" "$@"\n`,
      { mode: 0o755 },
    );
    try {
      const out = await new Deno.Command("/bin/bash", {
        args: [`${root}.ci/smoke`, bin],
        env: { NO_COLOR: "1" },
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, stdout + new TextDecoder().decode(out.stderr));
      assert.match(stdout, new RegExp(`^version ok: opta-metrics ${config.version}$`, "m"));
      assert.match(stdout, /^sample ok: memory_total \d+$/m);
      assert.match(stdout, /^frame ok: \d+ bytes, socket mode 600$/m);
      assert.match(stdout, /^shutdown ok: socket removed$/m);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
