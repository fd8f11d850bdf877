/**
 * `opta-metrics-export`: the exporter as a program of its own, built with its own
 * permission set (deno.json `export-linux`, `export-darwin`), which grants the daemon's
 * socket, the exporter's listen addresses and the textfile directories, and nothing else.
 * It takes the flags of `opta-metrics export`.
 *
 * @module
 */

import { exportHelp, parseExportArgs, runExport } from "./cli/export.ts";
import { reportError, VERSION } from "./main.ts";

/** Run the exporter with `args`; resolves to the process exit code. */
export async function exportMain(args: string[]): Promise<number> {
  if (args[0] === "-V" || args[0] === "--version") {
    console.log(`opta-metrics-export ${VERSION}`);
    return 0;
  }
  const options = parseExportArgs(args);
  if (options === null) {
    console.log(exportHelp("opta-metrics-export"));
    return 0;
  }
  return await runExport(options);
}

if (import.meta.main) {
  let code: number;
  try {
    code = await exportMain(Deno.args);
  } catch (error) {
    code = reportError(error);
  }
  Deno.exit(code);
}
