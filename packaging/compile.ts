/**
 * `deno task compile`: build `dist/opta-metrics-<target>` for every release
 * target with the pinned Deno, the frozen lockfile, no permission prompts and
 * the target platform's permission set from deno.json (`serve-darwin` for the
 * macOS targets, `serve-linux` for the Linux ones) and the daemon's V8 flags
 * (`--expose-gc,--single-threaded-gc,--no-turbofan,--single-threaded`, see src/daemon/v8.ts) baked in.
 * Beside it, `dist/opta-metrics-export-<target>`: the Prometheus exporter as a program of
 * its own (`src/export_main.ts`) with its own set (`export-darwin`, `export-linux`), since
 * a binary bakes one set and the daemon's grants no TCP.
 *
 *   deno task compile                          # all four targets
 *   deno task compile x86_64-unknown-linux-gnu # some targets
 *   deno task compile --dry-run                # print the commands only
 *
 * `deno compile` downloads Deno's runtime (`denort`) for each target once from
 * Deno's download host (cached in DENO_DIR afterwards); without it and offline,
 * one line names the file to pre-seed (packaging/denort.ts); see docs/services.md,
 * "Building the binary".
 *
 * @module
 */

import config from "../deno.json" with { type: "json" };
import { DAEMON_V8_FLAGS } from "../src/daemon/v8.ts";
import { EXPORTER_V8_FLAGS } from "../src/export/v8.ts";
import { denoDir, denortMissingMessage, isDenortDownloadFailure } from "./denort.ts";

/** The release targets. */
export const TARGETS = [
  "aarch64-apple-darwin",
  "x86_64-apple-darwin",
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
] as const;

/** The Deno version binaries are built with (the same as CI's). */
export const PINNED_DENO = "2.9.6";

/**
 * The deno.json permission set baked into a target: each platform's set grants
 * only the tools its collectors spawn and only its own socket paths.
 */
export function permissionSetFor(target: string): "serve-darwin" | "serve-linux" {
  if (target.endsWith("-apple-darwin")) return "serve-darwin";
  if (target.includes("-linux-")) return "serve-linux";
  throw new Error(`no permission set for target ${target}`);
}

/** The deno.json permission set baked into a target's exporter binary. */
export function exporterPermissionSetFor(target: string): "export-darwin" | "export-linux" {
  return permissionSetFor(target) === "serve-darwin" ? "export-darwin" : "export-linux";
}

/** The `deno` arguments that build one target's exporter binary. */
export function exporterCompileArgs(target: string): string[] {
  return [
    "compile",
    "--frozen",
    "--no-prompt",
    `-P=${exporterPermissionSetFor(target)}`,
    `--v8-flags=${EXPORTER_V8_FLAGS.join(",")}`,
    "--target",
    target,
    "--output",
    `dist/opta-metrics-export-${target}`,
    "src/export_main.ts",
  ];
}

/** The `deno` arguments that build one target. */
export function compileArgs(target: string): string[] {
  return [
    "compile",
    "--frozen",
    "--no-prompt",
    `-P=${permissionSetFor(target)}`,
    `--v8-flags=${DAEMON_V8_FLAGS.join(",")}`,
    "--target",
    target,
    "--output",
    `dist/opta-metrics-${target}`,
    "src/main.ts",
  ];
}

if (import.meta.main) {
  // `deno task compile -- --dry-run` passes the `--` on: it only separates arguments.
  const argv = Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args;
  const dryRun = argv.includes("--dry-run");
  const wanted = argv.filter((a) => a !== "--dry-run");
  const unknown = wanted.filter((t) => !(TARGETS as readonly string[]).includes(t));
  if (unknown.length > 0) {
    console.error(`compile: unknown target ${unknown.join(", ")}; known: ${TARGETS.join(", ")}`);
    Deno.exit(2);
  }
  if (Deno.version.deno !== PINNED_DENO && !dryRun) {
    console.error(
      `compile: binaries are built with Deno ${PINNED_DENO}, this is ${Deno.version.deno} ` +
        `(npm install -g deno@${PINNED_DENO})`,
    );
    Deno.exit(1);
  }
  const distExisted = (() => {
    try {
      return Deno.statSync("dist").isDirectory;
    } catch {
      return false;
    }
  })();
  const builds = (wanted.length > 0 ? wanted : TARGETS)
    .flatMap((target) => [[target, compileArgs(target)], [target, exporterCompileArgs(target)]]);
  for (const [target, args] of builds as [string, string[]][]) {
    console.error(`opta-metrics ${config.version}: deno ${args.join(" ")}`);
    if (dryRun) continue;
    const out = await new Deno.Command(Deno.execPath(), {
      args,
      stdin: "null",
      stdout: "inherit",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr).trimEnd();
    if (out.code === 0) {
      if (stderr !== "") console.error(stderr);
      continue;
    }
    // deno compile creates dist/ before it fetches its runtime: leave no empty one behind.
    if (!distExisted) {
      try {
        Deno.removeSync("dist");
      } catch {
        // not empty (an earlier target was built) or never created
      }
    }
    if (isDenortDownloadFailure(stderr)) {
      console.error(denortMissingMessage(target, PINNED_DENO, await denoDir()));
      Deno.exit(1);
    }
    console.error(stderr);
    console.error(`compile: ${target} failed (exit ${out.code})`);
    Deno.exit(out.code);
  }
}
