/**
 * Flags of the benchmark scripts: `node:util` parseArgs on Deno.args, accepting
 * the `--` that `deno task X -- --flag` passes through, and turning a bad flag
 * into one line on stderr and exit code 2.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** Parse string flags with defaults; exits 2 with one line on a bad flag. */
export function benchFlags<K extends string>(defaults: Record<K, string>): Record<K, string> {
  const args = Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args;
  const options = Object.fromEntries(
    Object.entries(defaults).map(([name, value]) => [name, { type: "string", default: value }]),
  ) as Record<K, { type: "string"; default: string }>;
  try {
    return parseArgs({ args, options }).values as unknown as Record<K, string>;
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
}
