/**
 * The Homebrew formula: macOS only, the version from deno.json, and a `test do` that passes
 * against the real daemon and, when the daemon dies early, reports the daemon's exit rather
 * than a follow-on error. The block runs under formula_harness.rb (Homebrew's DSL as no-ops,
 * Minitest's assertions) with `bin` holding an `opta-metrics` that runs the daemon from source.
 */
import assert from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };
import { exists, works } from "../support/host.ts";

const root = new URL("../../", import.meta.url).pathname;
const formulaPath = `${root}packaging/homebrew/opta-metrics.rb`;
const formula = Deno.readTextFileSync(formulaPath);
const harness = `${root}tests/packaging/formula_harness.rb`;
const SOCKET = "/tmp/opta-metrics.sock";

const haveMinitest = works("ruby", ["-e", 'require "minitest"']);
const socketTaken = exists(SOCKET);
const skip = !haveMinitest
  ? " [SKIPPED: no ruby with minitest]"
  : socketTaken
  ? ` [SKIPPED: ${SOCKET} exists; the formula's test serves there]`
  : "";

/** The permission set the daemon runs under here (per platform, or the older single set). */
function servePermissionSet(): string {
  const sets = Object.keys(config.permissions);
  const own = `serve-${Deno.build.os}`;
  return sets.includes(own) ? own : "serve";
}

/** A bin/ directory whose `opta-metrics` runs src/main.ts; `serve` gets `serveFlags`. */
function binDir(serveFlags: string): string {
  const dir = Deno.makeTempDirSync({ prefix: "opta-formula-" });
  const run = `"${Deno.execPath()}" run`;
  const main = `"${root}src/main.ts"`;
  Deno.writeTextFileSync(
    `${dir}/opta-metrics`,
    `#!/bin/sh
case "$1" in serve) exec ${run} ${serveFlags} ${main} "$@";; esac
exec ${run} -P=${servePermissionSet()} ${main} "$@"
`,
    { mode: 0o755 },
  );
  return dir;
}

async function runTestBlock(bin: string): Promise<{ code: number; stdout: string }> {
  const out = await new Deno.Command("ruby", {
    args: [harness, formulaPath, bin],
    env: { NO_COLOR: "1" },
    stderr: "null",
  }).output();
  Deno.removeSync(bin, { recursive: true });
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
}

Deno.test("the formula is macOS-only and its version is deno.json's", () => {
  assert.match(formula, /^\s+depends_on :macos$/m);
  assert.equal(/^\s+version "([^"]+)"$/m.exec(formula)?.[1], config.version);
  assert.match(formula, /rescue Errno::ESRCH/);
  assert.match(formula, /caveats[\s\S]*\/tmp\/opta-metrics\.sock first/);
});

Deno.test({
  name: "the formula's test do passes against the real daemon" + skip,
  ignore: skip !== "",
  async fn() {
    const flags = `-P=${servePermissionSet()} --v8-flags=--expose-gc`;
    const { code, stdout } = await runTestBlock(binDir(flags));
    assert.equal(code, 0, stdout);
    assert.match(stdout, /^PASS$/m);
  },
});

Deno.test({
  name: "the formula's test do reports the daemon's own exit when it dies before binding" + skip,
  ignore: skip !== "",
  async fn() {
    // No write or net grant: the real daemon refuses the socket path and exits 1 at once.
    const { code, stdout } = await runTestBlock(
      binDir("--allow-read=/tmp --allow-sys --allow-env"),
    );
    assert.equal(code, 1, stdout);
    assert.match(stdout, /^FAIL: the daemon exited \(pid \d+ exit 1\) before binding/m);
    assert.doesNotMatch(stdout, /ESRCH|ENOENT|ECHILD/);
  },
});
