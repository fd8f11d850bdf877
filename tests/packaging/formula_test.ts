/**
 * The Homebrew formula: macOS only, the version from deno.json, and a `test do` that passes
 * against the real daemon and, when the daemon dies early, reports the daemon's exit rather
 * than a follow-on error. The block runs under formula_harness.rb (Homebrew's DSL as no-ops,
 * Minitest's assertions) with `bin` holding an `opta-metrics` that runs the daemon from source,
 * on a socket path of the test's own.
 */
import assert from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };
import { works } from "../support/host.ts";
import { withDir } from "../support/daemon.ts";
import { programCommand, writeProgram } from "../support/program.ts";

const root = new URL("../../", import.meta.url).pathname;
const formulaPath = `${root}packaging/homebrew/opta-metrics.rb`;
const formula = Deno.readTextFileSync(formulaPath);
const harness = `${root}tests/packaging/formula_harness.rb`;
const haveMinitest = works("ruby", ["-e", 'require "minitest"']);
const skip = haveMinitest ? "" : " [SKIPPED: no ruby with minitest]";

/** The line of the test block that names the socket it serves on. */
const SOCKET_LINE = /^(\s*sock = )"[^"]+"$/m;

/**
 * Runs the formula's test block with its socket path swapped for a private one, so a daemon
 * already serving on the default path neither stops it nor is disturbed. `bin` holds an
 * `opta-metrics` that runs the program from source as the binary would (for that socket);
 * `serve`, when given, runs its `serve` instead.
 */
function runTestBlock(serve?: string[]): Promise<{ code: number; stdout: string }> {
  return withDir(async (dir) => {
    const socket = `${dir}/s.sock`;
    assert.match(formula, SOCKET_LINE, 'the test block names its socket as sock = "…"');
    const copy = `${dir}/opta-metrics.rb`;
    Deno.writeTextFileSync(copy, formula.replace(SOCKET_LINE, `$1"${socket}"`));
    Deno.mkdirSync(`${dir}/bin`);
    writeProgram(`${dir}/bin/opta-metrics`, programCommand(socket), serve);
    const out = await new Deno.Command("ruby", {
      args: [harness, copy, `${dir}/bin`],
      env: { NO_COLOR: "1" },
      stderr: "null",
    }).output();
    return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
  });
}

Deno.test("the formula is macOS-only and its version is deno.json's", () => {
  assert.match(formula, /^\s+depends_on :macos$/m);
  assert.equal(/^\s+version "([^"]+)"$/m.exec(formula)?.[1], config.version);
  assert.match(formula, /rescue Errno::ESRCH/);
  assert.match(formula, /caveats[\s\S]*per-user temporary directory \(\$TMPDIR\) first/);
});

Deno.test({
  name: "the formula's test do passes against the real daemon" + skip,
  ignore: skip !== "",
  async fn() {
    const { code, stdout } = await runTestBlock();
    assert.equal(code, 0, stdout);
    assert.match(stdout, /^PASS$/m);
  },
});

Deno.test({
  name: "the formula's test do reports the daemon's own exit when it dies before binding" + skip,
  ignore: skip !== "",
  async fn() {
    // No write or net grant: the real daemon refuses the socket path and exits 1 at once.
    const { code, stdout } = await runTestBlock([
      Deno.execPath(),
      "run",
      "--allow-read=/tmp",
      "--allow-sys",
      "--allow-env",
      `${root}src/main.ts`,
    ]);
    assert.equal(code, 1, stdout);
    assert.match(stdout, /^FAIL: the daemon exited \(pid \d+ exit 1\) before binding/m);
    assert.doesNotMatch(stdout, /ESRCH|ENOENT|ECHILD/);
  },
});
