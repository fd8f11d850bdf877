/**
 * What a release ships besides the binary: the MIT licence the formula declares, a changelog
 * with an entry for deno.json's version, and the release's first job, which stops a tag that
 * differs from deno.json or a changelog entry still marked "Unreleased". That job's script is
 * taken from release.yml and run here for real.
 */
import assert from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };
import { runScripts } from "../../.ci/workflow_scripts.ts";
import { works } from "../support/host.ts";

const root = new URL("../../", import.meta.url).pathname;
const read = (path: string) => Deno.readTextFileSync(`${root}${path}`);
const haveJq = works("jq", ["--version"]);

Deno.test("LICENSE is MIT, as the formula declares", () => {
  const license = read("LICENSE");
  assert.match(license, /^MIT License\n\nCopyright \(c\) 2026 opta-metrics contributors\n/);
  assert.match(license, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
  assert.match(read("packaging/homebrew/opta-metrics.rb"), /^\s+license "MIT"$/m);
});

Deno.test("CHANGELOG.md follows Keep a Changelog and has deno.json's version", () => {
  const log = read("CHANGELOG.md");
  assert.match(log, /^# Changelog\n/);
  assert.match(log, /keepachangelog\.com\/en\/1\.1\.0/);
  const versions = [...log.matchAll(/^## \[(\d+\.\d+\.\d+)\] - (Unreleased|\d{4}-\d{2}-\d{2})$/gm)];
  assert.equal(versions[0]?.[1], config.version, "the newest entry is deno.json's version");
  for (const m of log.matchAll(/^### (.+)$/gm)) {
    assert.ok(
      ["Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"].includes(m[1]),
      m[1],
    );
  }
  for (const [, version] of versions) {
    assert.match(log, new RegExp(`^\\[${version.replaceAll(".", "\\.")}\\]: https://`, "m"));
  }
});

/** Run the release's version job in `dir` with GITHUB_REF_NAME=`tag`. */
function versionJob(dir: string, tag: string): { code: number; out: string } {
  const release = read(".github/workflows/release.yml");
  const jobStart = release.indexOf("\n  version:");
  const jobEnd = release.indexOf("\n  build:");
  const [step] = runScripts(release.slice(jobStart, jobEnd));
  const out = new Deno.Command("/bin/bash", {
    args: ["-e", "-o", "pipefail", "-c", step.script],
    cwd: dir,
    env: { GITHUB_REF_NAME: tag },
  }).outputSync();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, out: text };
}

Deno.test({
  name: "the release's version job stops a wrong tag or an undated entry" +
    (haveJq ? "" : " [SKIPPED: no jq]"),
  ignore: !haveJq,
  fn() {
    const dir = Deno.makeTempDirSync({ prefix: "opta-release-" });
    try {
      Deno.writeTextFileSync(`${dir}/deno.json`, JSON.stringify({ version: "1.2.3" }));
      Deno.writeTextFileSync(`${dir}/CHANGELOG.md`, "# Changelog\n\n## [1.2.3] - 2027-01-31\n");
      assert.equal(versionJob(dir, "v1.2.3").code, 0);

      const wrong = versionJob(dir, "v1.2.4");
      assert.equal(wrong.code, 1);
      assert.match(wrong.out, /tag v1\.2\.4 differs from deno\.json version 1\.2\.3/);

      Deno.writeTextFileSync(`${dir}/CHANGELOG.md`, "# Changelog\n\n## [1.2.3] - Unreleased\n");
      const undated = versionJob(dir, "v1.2.3");
      assert.equal(undated.code, 1);
      assert.match(undated.out, /CHANGELOG\.md has no dated 1\.2\.3 entry/);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
