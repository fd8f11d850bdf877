/**
 * The exporter ships as a binary of its own: `deno task compile` builds it from
 * src/export_main.ts with the exporter's set (never the daemon's, never -A), CI and the
 * release smoke-test it beside the daemon, the tarball carries it with its service files,
 * and the release renders its Homebrew formula as it renders the daemon's.
 */
import { EXPORTER_V8_FLAGS } from "../../src/export/v8.ts";
import assert from "node:assert/strict";
import { runScripts } from "../../.ci/workflow_scripts.ts";
import { compileArgs, exporterCompileArgs, TARGETS } from "../../packaging/compile.ts";

const root = new URL("../../", import.meta.url).pathname;
const read = (path: string) => Deno.readTextFileSync(`${root}${path}`);

Deno.test("compile builds the exporter per target with the exporter's set, no V8 flags of the daemon", () => {
  for (const target of TARGETS) {
    const args = exporterCompileArgs(target);
    const set = target.endsWith("-apple-darwin") ? "export-darwin" : "export-linux";
    for (const flag of ["--frozen", "--no-prompt", `-P=${set}`]) {
      assert.ok(args.includes(flag), flag);
    }
    assert.equal(args[args.indexOf("--output") + 1], `dist/opta-metrics-export-${target}`);
    assert.equal(args.at(-1), "src/export_main.ts");
    assert.ok(!args.some((a) => a.startsWith("--allow") || a === "-A"));
    // the exporter's own V8 flags, never the daemon's (no exposed gc hook)
    assert.deepEqual(args.filter((a) => a.startsWith("--v8")), [
      `--v8-flags=${EXPORTER_V8_FLAGS.join(",")}`,
    ]);
    assert.ok(compileArgs(target).includes(`-P=${set.replace("export", "serve")}`));
  }
  const out = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "packaging/compile.ts", "--dry-run", "x86_64-unknown-linux-gnu"],
    cwd: root,
  }).outputSync();
  const lines = new TextDecoder().decode(out.stderr).trim().split("\n");
  assert.equal(lines.length, 2);
  assert.match(lines[1], /-P=export-linux .*src\/export_main\.ts$/);
});

Deno.test("CI and the release smoke-test the exporter; the tarball carries it and its service files", () => {
  for (const file of ["ci.yml", "release.yml"]) {
    assert.match(
      read(`.github/workflows/${file}`),
      /\.ci\/smoke-export "dist\/opta-metrics-export-\$\{TARGET\}" "dist\/opta-metrics-\$\{TARGET\}"/,
      file,
    );
  }
  const release = read(".github/workflows/release.yml");
  assert.match(release, /cp "dist\/opta-metrics-export-\$\{TARGET\}" pkg\/opta-metrics-export/);
  assert.match(release, /packaging\/launchd\/dev\.opta\.metrics\.export\.plist pkg\/launchd\//);
  assert.match(release, /packaging\/systemd\/opta-metrics-export\.service pkg\/systemd\//);
  assert.match(release, /opta-metrics\.rb opta-metrics-export\.rb/);
});

Deno.test("the release's render step writes both formulas with the real version, URLs and sums", () => {
  const script = runScripts(read(".github/workflows/release.yml"))
    .find((s) => s.script.includes("packaging/homebrew/#{name}.rb"))!.script;
  const dir = Deno.makeTempDirSync({ prefix: "opta-render-" });
  try {
    Deno.mkdirSync(`${dir}/packaging/homebrew`, { recursive: true });
    for (const name of ["opta-metrics", "opta-metrics-export"]) {
      Deno.copyFileSync(
        `${root}packaging/homebrew/${name}.rb`,
        `${dir}/packaging/homebrew/${name}.rb`,
      );
    }
    Deno.writeTextFileSync(
      `${dir}/opta-metrics-aarch64-apple-darwin.tar.gz.sha256`,
      `${"a".repeat(64)}  x\n`,
    );
    Deno.writeTextFileSync(
      `${dir}/opta-metrics-x86_64-apple-darwin.tar.gz.sha256`,
      `${"b".repeat(64)}  x\n`,
    );
    const out = new Deno.Command("/bin/bash", {
      args: ["-euo", "pipefail", "-c", script],
      cwd: dir,
      env: { GITHUB_REF_NAME: "v9.8.7", GITHUB_REPOSITORY: "o/r", PATH: "/usr/bin:/bin" },
    }).outputSync();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const rendered = Deno.readTextFileSync(`${dir}/opta-metrics-export.rb`);
    assert.match(rendered, /version "9\.8\.7"/);
    assert.match(
      rendered,
      /url "https:\/\/github\.com\/o\/r\/releases\/download\/v9\.8\.7\/opta-metrics-aarch64-apple-darwin\.tar\.gz"\n\s+sha256 "a{64}"/,
    );
    assert.match(rendered, /opta-metrics-x86_64-apple-darwin\.tar\.gz"\n\s+sha256 "b{64}"/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
