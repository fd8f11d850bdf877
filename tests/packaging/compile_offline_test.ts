/**
 * `deno task compile` without Deno's download host: one line naming the runtime file to
 * pre-seed and where, exit 1, and no empty dist/ left behind. The download is made to fail
 * through an unreachable HTTPS proxy, so this holds on machines with network too.
 */
import assert from "node:assert/strict";
import {
  denoDir,
  denortCachePath,
  denortMissingMessage,
  isDenortDownloadFailure,
} from "../../packaging/denort.ts";
import { PINNED_DENO } from "../../packaging/compile.ts";
import { exists } from "../support/host.ts";

const root = new URL("../../", import.meta.url).pathname;
const TARGET = "aarch64-unknown-linux-gnu";
const cacheDir = await denoDir();

const skip = exists(denortCachePath(cacheDir, TARGET, PINNED_DENO))
  ? " [SKIPPED: denort is cached, so compiling would succeed]"
  : exists(`${root}dist`)
  ? " [SKIPPED: dist/ exists, so its removal cannot be checked]"
  : Deno.version.deno !== PINNED_DENO
  ? ` [SKIPPED: compile needs Deno ${PINNED_DENO}]`
  : "";

Deno.test("denort: cache path, download failure and the one-line message", () => {
  assert.equal(
    denortCachePath("/home/u/.cache/deno", "x86_64-apple-darwin", "2.9.6"),
    "/home/u/.cache/deno/dl/release/v2.9.6/denort-x86_64-apple-darwin.zip",
  );
  // deno compile's own words when dl.deno.land cannot be resolved
  const dns = `error: Writing deno compile executable to temporary file 'dist/x.tmp-1'
Caused by:
    0: Setting up base binary.
    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip): client error (Connect): dns error: failed to lookup address information: Name or service not known`;
  assert.ok(isDenortDownloadFailure(dns));
  assert.ok(!isDenortDownloadFailure("error: TS2322 [ERROR]: Type 'string' is not assignable"));
  assert.ok(!isDenortDownloadFailure("Setting up base binary.\n    Failed to unpack archive."));
  const line = denortMissingMessage("x86_64-apple-darwin", "2.9.6", "/d");
  assert.ok(!line.includes("\n"));
  assert.match(
    line,
    /https:\/\/dl\.deno\.land\/release\/v2\.9\.6\/denort-x86_64-apple-darwin\.zip/,
  );
  assert.match(line, /put it at \/d\/dl\/release\/v2\.9\.6\/denort-x86_64-apple-darwin\.zip/);
});

Deno.test({
  name: "deno task compile offline: one line, exit 1, no dist/ left" + skip,
  ignore: skip !== "",
  async fn() {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-run",
        "--allow-read",
        "--allow-write=dist",
        "packaging/compile.ts",
        TARGET,
      ],
      cwd: root,
      env: { HTTPS_PROXY: "http://127.0.0.1:1", NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(out.stderr).trimEnd().split("\n");
    assert.equal(out.code, 1, stderr.join("\n"));
    assert.equal(stderr.length, 2, `expected the command and one line:\n${stderr.join("\n")}`);
    assert.equal(stderr[1], denortMissingMessage(TARGET, PINNED_DENO, cacheDir));
    assert.ok(!exists(`${root}dist`), "dist/ left behind");
  },
});
