/**
 * Properties of the GitHub workflows that nothing here can run: current runner labels only,
 * every action pinned to a commit, write access only where releases are published, every
 * target the README promises built and smoke-tested natively, the tag checked against
 * deno.json, and every `run:` script clean under shellcheck. The YAML is read by Ruby's Psych
 * (CI installs ruby); `run:` scripts come from .ci/workflow_scripts.ts.
 */
import assert from "node:assert/strict";
import { EXPRESSION_PLACEHOLDER, runScripts } from "../../.ci/workflow_scripts.ts";
import { TARGETS } from "../../packaging/compile.ts";
import { works } from "../support/host.ts";

const root = new URL("../../", import.meta.url).pathname;
const dir = `${root}.github/workflows`;
const files = [...Deno.readDirSync(dir)].filter((e) => /\.ya?ml$/.test(e.name)).map((e) => e.name)
  .sort();
const texts = new Map(files.map((f) => [f, Deno.readTextFileSync(`${dir}/${f}`)]));
const decoder = new TextDecoder();

const haveRuby = works("ruby", ["-ryaml", "-rjson", "-e", ""]);
const haveShellcheck = works("/usr/bin/shellcheck", ["--version"]);
const RUBY = haveRuby ? "" : " [SKIPPED: no ruby to read the YAML]";

// deno-lint-ignore no-explicit-any
type Yaml = any;

/** A workflow parsed by Psych (YAML 1.1: the `on` key reads as `true`). */
const parsed = new Map<string, Yaml>();
function parse(name: string): Yaml {
  if (!parsed.has(name)) {
    const script = "puts JSON.dump(YAML.safe_load(File.read(ARGV[0])))";
    const r = new Deno.Command("ruby", {
      args: ["-ryaml", "-rjson", "-e", script, `${dir}/${name}`],
    })
      .outputSync();
    assert.equal(r.code, 0, decoder.decode(r.stderr));
    parsed.set(name, JSON.parse(decoder.decode(r.stdout)));
  }
  return structuredClone(parsed.get(name));
}

/** Runner labels GitHub offers today (standard hosted runners). */
const CURRENT_LABELS = new Set([
  "ubuntu-latest",
  "ubuntu-24.04",
  "ubuntu-22.04",
  "ubuntu-24.04-arm",
  "ubuntu-22.04-arm",
  "macos-latest",
  "macos-14",
  "macos-15",
  "macos-15-intel",
  "macos-26",
  "windows-latest",
  "windows-2022",
  "windows-2025",
]);

/** Whether a label names an image GitHub has retired. */
function retired(label: string): boolean {
  const mac = /^macos-(\d+)(?:\.\d+)?(?:-|$)/.exec(label);
  if (mac) return Number(mac[1]) <= 13;
  const ubuntu = /^ubuntu-(\d+)\.04/.exec(label);
  if (ubuntu) return Number(ubuntu[1]) <= 20;
  return /^windows-(2016|2019)$/.test(label);
}

/** Each job's runner labels, with `${{ matrix.X }}` expanded from the matrix. */
function runnerLabels(job: Yaml): string[] {
  const runsOn: string = job["runs-on"];
  const m = /^\$\{\{\s*matrix\.(\w+)\s*\}\}$/.exec(runsOn);
  if (!m) return [runsOn];
  const matrix = job.strategy.matrix;
  return [...(matrix[m[1]] ?? []), ...(matrix.include ?? []).map((e: Yaml) => e[m[1]])];
}

function jobs(name: string): [string, Yaml][] {
  return Object.entries(parse(name).jobs);
}

Deno.test("runner-label check: retired and unknown labels are told apart", () => {
  for (const l of ["macos-13", "macos-12", "macos-10.15", "macos-13-xlarge", "ubuntu-20.04"]) {
    assert.ok(retired(l), l);
  }
  for (const l of ["macos-14", "macos-15", "macos-15-intel", "ubuntu-24.04-arm", "ubuntu-latest"]) {
    assert.ok(!retired(l) && CURRENT_LABELS.has(l), l);
  }
});

Deno.test({
  name: "every job runs on a current runner label, none retired" + RUBY,
  ignore: !haveRuby,
  fn() {
    for (const file of files) {
      for (const [id, job] of jobs(file)) {
        for (const label of runnerLabels(job)) {
          assert.ok(!retired(label), `${file} ${id}: ${label} is retired`);
          assert.ok(CURRENT_LABELS.has(label), `${file} ${id}: unknown runner label ${label}`);
        }
      }
    }
  },
});

Deno.test("every uses: is pinned to a full commit SHA with its tag in a comment", () => {
  let count = 0;
  for (const [file, text] of texts) {
    for (const line of text.split("\n").filter((l) => /^\s*(- )?uses:/.test(l))) {
      count++;
      assert.match(
        line,
        /^\s*(- )?uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/,
        `${file}: ${line.trim()}`,
      );
    }
  }
  assert.ok(count >= 5, `only ${count} uses: lines found`);
});

Deno.test({
  name: "write permissions: none at the top, only the release's publish job writes" + RUBY,
  ignore: !haveRuby,
  fn() {
    const writes = (p: Yaml) =>
      p === "write-all" ||
      (typeof p === "object" && p !== null && Object.values(p).includes("write"));
    for (const file of files) {
      const wf = parse(file);
      assert.ok(wf.permissions !== undefined, `${file} sets no top-level permissions`);
      assert.ok(!writes(wf.permissions), `${file}: top-level permissions grant write`);
      for (const [id, job] of Object.entries(wf.jobs) as [string, Yaml][]) {
        if (file === "release.yml" && id === "publish") continue;
        assert.ok(!writes(job.permissions), `${file} ${id} grants write`);
      }
    }
    const publish = parse("release.yml").jobs.publish;
    assert.deepEqual(publish.permissions, {
      contents: "write",
      "id-token": "write",
      attestations: "write",
    });
    // the job that can write runs no package manager
    const scripts = publish.steps.map((s: Yaml) => s.run ?? "").join("\n");
    assert.doesNotMatch(scripts, /\b(npm|brew|apt-get|pip)\b/);
    assert.doesNotMatch(texts.get("release.yml")!, /softprops/);
  },
});

Deno.test({
  name: "the release builds and smoke-tests every README target on a native runner" + RUBY,
  ignore: !haveRuby,
  fn() {
    const readme = Deno.readTextFileSync(`${root}README.md`);
    const install = readme.split(/^## Install$/m)[1].split(/^## /m)[0];
    const promised = new Set(
      [...install.matchAll(/`((?:aarch64|x86_64)-(?:apple-darwin|unknown-linux-gnu))`/g)].map((m) =>
        m[1]
      ),
    );
    const build = parse("release.yml").jobs.build;
    const include: { runner: string; target: string }[] = build.strategy.matrix.include;
    assert.deepEqual([...promised].sort(), include.map((e) => e.target).sort());
    assert.deepEqual([...TARGETS].sort(), include.map((e) => e.target).sort());
    const native: Record<string, string> = {
      "aarch64-apple-darwin": "macos-15",
      "x86_64-apple-darwin": "macos-15-intel",
      "x86_64-unknown-linux-gnu": "ubuntu-latest",
      "aarch64-unknown-linux-gnu": "ubuntu-24.04-arm",
    };
    for (const { runner, target } of include) assert.equal(runner, native[target], target);
    const steps = build.steps.map((s: Yaml) => s.run ?? "").join("\n");
    assert.match(steps, /deno task compile "\$\{TARGET\}"/);
    assert.match(steps, /\.ci\/smoke "dist\/opta-metrics-\$\{TARGET\}"/);
    assert.match(steps, /cp packaging\/install-service\.sh LICENSE/);
    assert.match(texts.get("release.yml")!, /macos-15-intel[\s\S]*August 2027[\s\S]*cross-compil/);
  },
});

Deno.test({
  name: "the release stops early when the tag is not deno.json's version, and attests" + RUBY,
  ignore: !haveRuby,
  fn() {
    const wf = parse("release.yml");
    assert.deepEqual(wf.true, { push: { tags: ["v*.*.*"] } });
    assert.equal(wf.jobs.build.needs, "version");
    assert.equal(wf.jobs.publish.needs, "build");
    const check = wf.jobs.version.steps.map((s: Yaml) => s.run ?? "").join("\n");
    assert.match(check, /jq -r \.version deno\.json/);
    assert.match(check, /"v\$\{version\}" != "\$\{GITHUB_REF_NAME\}"/);
    const attest = wf.jobs.publish.steps.find((s: Yaml) =>
      String(s.uses).startsWith("actions/attest-build-provenance@")
    );
    assert.equal(attest?.with?.["subject-path"], "opta-metrics-*.tar.gz");
  },
});

Deno.test({
  name: "ci.yml runs check, the suite, compile, smoke and proof on Linux and both Macs" + RUBY,
  ignore: !haveRuby,
  fn() {
    const wf = parse("ci.yml");
    assert.ok("push" in wf.true && "pull_request" in wf.true);
    const job = wf.jobs.test;
    assert.deepEqual(runnerLabels(job).sort(), ["macos-15", "macos-15-intel", "ubuntu-latest"]);
    const steps = job.steps.map((s: Yaml) => s.run ?? "").join("\n");
    for (
      const want of [
        /^deno task check$/m,
        /^deno task test$/m,
        /^deno task compile "\$\{TARGET\}"$/m,
        /^\.ci\/smoke "dist\/opta-metrics-\$\{TARGET\}"$/m,
        /^deno run -A \.ci\/proof\.ts proof -- "dist\/opta-metrics-\$\{TARGET\}"$/m,
        // the unit with the binary, then with the checkout, each streaming every host value
        /for how in "--binary \$bin" --from-source; do/,
        /install-service\.sh install \$how/,
        /^\s*\.ci\/unit_values "\$bin" "\$sock"$/m,
      ]
    ) assert.match(steps, want);
    // the proof's evidence is kept even when a check fails
    const upload = job.steps.find((s: Yaml) => /^actions\/upload-artifact@/.test(s.uses ?? ""));
    assert.equal(upload?.if, "always()");
    assert.equal(upload?.with?.path, "proof/");
    // the darwin captures are in the repository, so every runner runs their parser tests
    assert.match(texts.get("ci.yml")!, /tests\/fixtures\/darwin\/[\s\S]*every runner runs them/);
  },
});

Deno.test("run: scripts take ${{ }} values through env, never inline", () => {
  for (const [file, text] of texts) {
    const scripts = runScripts(text);
    assert.ok(scripts.length > 0, file);
    for (const { line, script } of scripts) {
      assert.ok(!script.includes(EXPRESSION_PLACEHOLDER), `${file}:${line} inlines an expression`);
    }
  }
});

Deno.test({
  name: "every run: script passes shellcheck" +
    (haveShellcheck ? "" : " [SKIPPED: no /usr/bin/shellcheck]"),
  ignore: !haveShellcheck,
  async fn() {
    for (const [file, text] of texts) {
      for (const { line, script } of runScripts(text)) {
        const child = new Deno.Command("/usr/bin/shellcheck", {
          args: ["--shell=bash", "--format=gcc", "-"],
          stdin: "piped",
          stdout: "piped",
        }).spawn();
        const w = child.stdin.getWriter();
        await w.write(new TextEncoder().encode(`#!/usr/bin/env bash\n${script}\n`));
        await w.close();
        const out = await child.output();
        assert.equal(out.code, 0, `${file}:${line}: ${decoder.decode(out.stdout)}`);
      }
    }
  },
});

Deno.test("runScripts reads block and single-line run: values", () => {
  const wf = `jobs:
  a:
    steps:
      - run: echo one # a comment
      - name: two
        run: |
          if true; then
            echo "\${{ matrix.x }}"
          fi

      - run: "echo three"
        env: { X: 1 }
`;
  assert.deepEqual(runScripts(wf), [
    { line: 4, script: "echo one" },
    { line: 6, script: `if true; then\n  echo "${EXPRESSION_PLACEHOLDER}"\nfi` },
    { line: 11, script: "echo three" },
  ]);
});
