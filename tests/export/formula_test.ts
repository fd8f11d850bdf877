/**
 * The exporter's Homebrew formula: macOS only, the daemon's formula as a dependency, the
 * version from deno.json, its own service, and a `test do` that passes against the real
 * exporter (run from source under its shipped set) with and without a daemon. It serves on
 * port 9612, the only port the set grants, so it is skipped while something else uses it.
 */
import assert from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };
import { exportPermissionSet } from "../../src/export/grants.ts";
import { works } from "../support/host.ts";

const root = new URL("../../", import.meta.url).pathname;
const formulaPath = `${root}packaging/homebrew/opta-metrics-export.rb`;
const formula = Deno.readTextFileSync(formulaPath);
const harness = `${root}tests/packaging/formula_harness.rb`;

function portFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}
const haveMinitest = works("ruby", ["-e", 'require "minitest"']);
const skip = !haveMinitest
  ? " [SKIPPED: no ruby with minitest]"
  : !portFree(9612)
  ? " [SKIPPED: 127.0.0.1:9612 is in use]"
  : "";

Deno.test("the exporter's formula: macOS, needs the daemon's formula, deno.json's version, its own service", () => {
  assert.match(formula, /^\s+depends_on :macos$/m);
  assert.match(formula, /^\s+depends_on "opta-dev\/tap\/opta-metrics"/m);
  assert.equal(/^\s+version "([^"]+)"$/m.exec(formula)?.[1], config.version);
  assert.match(formula, /bin\.install "opta-metrics-export"/);
  assert.match(formula, /run \[opt_bin\/"opta-metrics-export", "--listen", "127\.0\.0\.1:9612"\]/);
  // the same tarballs as the daemon's formula, so the release renders both alike
  const daemon = Deno.readTextFileSync(`${root}packaging/homebrew/opta-metrics.rb`);
  const urls = (text: string) => [...text.matchAll(/url "([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(urls(formula), urls(daemon));
});

Deno.test({
  name: "the exporter formula's test do passes against the real exporter" + skip,
  ignore: skip !== "",
  async fn() {
    const bin = Deno.makeTempDirSync({ prefix: "opta-formula-export-" });
    try {
      Deno.writeTextFileSync(
        `${bin}/opta-metrics-export`,
        `#!/bin/sh\nexec "${Deno.execPath()}" run --quiet --no-prompt -P=${exportPermissionSet()} ` +
          `"${root}src/export_main.ts" "$@"\n`,
        { mode: 0o755 },
      );
      const out = await new Deno.Command("ruby", {
        args: [harness, formulaPath, bin],
        cwd: root,
        env: { NO_COLOR: "1" },
        stderr: "null",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, stdout);
      assert.match(stdout, /^PASS$/m);
    } finally {
      Deno.removeSync(bin, { recursive: true });
    }
  },
});
