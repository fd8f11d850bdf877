/**
 * flatc for tests: tests that need it are ignored (with "flatc not installed" in
 * the report) when it is missing; `.ci/run` installs it so CI always runs them.
 *
 * @module
 */

/** The flatc used by tests: `FLATC` or flatc on PATH. */
export const FLATC = Deno.env.get("FLATC") ?? "flatc";

let available: boolean | undefined;

/** Whether flatc can be run here. */
export function flatcAvailable(): boolean {
  if (available === undefined) {
    try {
      available = new Deno.Command(FLATC, { args: ["--version"], stdout: "null", stderr: "null" })
        .outputSync().success;
    } catch {
      available = false;
    }
    if (!available) console.warn("flatc not installed: flatc-based tests are ignored");
  }
  return available;
}

/** Run flatc; throws with its stderr when it fails. */
export async function runFlatc(args: string[], cwd?: string): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(FLATC, { args, cwd }).output();
  const text = new TextDecoder().decode(stderr) + new TextDecoder().decode(stdout);
  if (code !== 0) throw new Error(`flatc ${args.join(" ")} failed (${code}): ${text}`);
  return text;
}
