/**
 * .ci/smoke, the binary smoke test of ci.yml and release.yml, run here against the daemon
 * from source (no compiled binary: denort needs Deno's download host), under the start
 * task's flags for a private runtime directory, so it never meets a daemon of this machine.
 * Proves the script itself: version, sample, one frame on the default socket with mode 0600,
 * watch finding it with no flags, the socket removed after SIGTERM, one line refusing a path.
 */
import assert from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };
import { sourceFlags } from "../../packaging/source_flags.ts";
import { works } from "../support/host.ts";
import { withDir } from "../support/daemon.ts";

const root = new URL("../../", import.meta.url).pathname;
const havePython = works("python3", ["-c", ""]);

Deno.test({
  name: ".ci/smoke passes against the daemon run from source" +
    (havePython ? "" : " [SKIPPED: no python3]"),
  ignore: !havePython,
  async fn() {
    await withDir(async (dir) => {
      const runtime = `${dir}/runtime`;
      Deno.mkdirSync(runtime, { mode: 0o700 });
      const place = Deno.build.os === "darwin" ? "TMPDIR" : "XDG_RUNTIME_DIR";
      const flags = sourceFlags("serve", [`${runtime}/opta-metrics.sock`]).join(" ");
      const bin = `${dir}/opta-metrics`;
      Deno.writeTextFileSync(
        bin,
        `#!/bin/sh\nexport ${place}="${runtime}"\n` +
          `exec "${Deno.execPath()}" run --quiet ${flags} "${root}src/main.ts" "$@"\n`,
        { mode: 0o755 },
      );
      const out = await new Deno.Command("/bin/bash", {
        args: [`${root}.ci/smoke`, bin],
        env: { NO_COLOR: "1" },
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, stdout + new TextDecoder().decode(out.stderr));
      assert.match(stdout, new RegExp(`^version ok: opta-metrics ${config.version}$`, "m"));
      assert.match(stdout, /^sample ok: memory_total \d+$/m);
      assert.match(stdout, new RegExp(`^serving on: ${runtime}/opta-metrics\\.sock$`, "m"));
      assert.match(stdout, /^frame ok: \d+ bytes, socket mode 600$/m);
      assert.match(stdout, /^watch ok: found the socket with no flags$/m);
      assert.match(stdout, /^shutdown ok: socket removed$/m);
      assert.match(
        stdout,
        /^refusal ok: opta-metrics: socket path \/nonexistent-opta-smoke\/s\.sock is not allowed to this deno run: add /m,
      );
    });
  },
});
