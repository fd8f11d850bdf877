/**
 * Parsers for `/usr/sbin/sysctl name…` output (without `-n`, so every line is `name: value`)
 * and the static machine facts read once at startup.
 *
 * Unknown keys depend on the `sysctl` build:
 * - system_cmds ≤ 970 (macOS ≤ 14.3, inferred): `errx(1, "unknown oid '%s'")` prints
 *   `sysctl: unknown oid 'x'` on stderr and exits 1 at once; keys after it are never printed.
 * - system_cmds ≥ 979 (macOS 14.4+, inferred) and 1026: warns the same text (or
 *   `unknown oid 'x': <strerror>` via `warn`), continues, and exits with the number of
 *   failed keys.
 *
 * {@link interpretSysctlRun} accepts both.
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";
import { PERFLEVEL_SYSCTL_KEYS } from "./perflevels.ts";

const SOURCE = "sysctl";

/**
 * The keys opta-metrics asks for in its one startup spawn, in order: the ones every Mac has
 * first, then the core levels (absent on Intel and before macOS 12).
 */
export const STATIC_SYSCTL_KEYS: readonly string[] = [
  "hw.memsize",
  "hw.pagesize",
  "hw.logicalcpu",
  "hw.model",
  "kern.osproductversion",
  ...PERFLEVEL_SYSCTL_KEYS,
];

const NAME_LINE = /^([A-Za-z0-9_][^\s:]*):(?: (.*)|)$/;

/**
 * Parses `name: value` lines into a Map (insertion order = output order). Values are trimmed;
 * `name: ` and `name:` give "". A line that does not start with `name:` continues the previous
 * value (joined with "\n"), so multi-line values survive; a blank line is such a continuation
 * and disappears with the trim. A repeated name keeps the last value. Empty stdout gives an
 * empty Map (old sysctl prints nothing if the first key is unknown). Throws
 * {@link ParseError} when the first non-blank line is not `name: value`.
 */
export function parseSysctl(stdout: string): Map<string, string> {
  const values = new Map<string, string>();
  let current: string | null = null;
  const lines = stdout.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    const m = NAME_LINE.exec(line);
    if (m) {
      current = m[1];
      values.delete(current);
      values.set(current, m[2] ?? "");
    } else if (current !== null) {
      values.set(current, values.get(current) + "\n" + line);
    } else if (line.trim() !== "") {
      throw new ParseError(SOURCE, i + 1, "expected 'name: value'", line);
    }
  }
  for (const [k, v] of values) values.set(k, v.trim());
  return values;
}

/** Machine facts read once at startup. */
export interface StaticFacts {
  /** `hw.memsize`: physical memory in bytes. */
  memoryTotal: number;
  /** `hw.pagesize`: bytes per VM page (16384 on Apple Silicon, 4096 on Intel). */
  pageSize: number;
  /** `hw.logicalcpu`, or null when absent. */
  logicalCpus: number | null;
  /** `hw.model`, e.g. `MacBookPro18,1`, or null when absent or empty. */
  model: string | null;
  /** `kern.osproductversion`, e.g. `14.4.1`, or null when absent or empty (OS X < 10.13.4). */
  osVersion: string | null;
}

function positiveInt(map: ReadonlyMap<string, string>, key: string): number | null {
  const text = map.get(key);
  if (text === undefined) return null;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new ParseError(SOURCE, 0, `${key} is not a positive integer: ${JSON.stringify(text)}`);
  }
  return n;
}

function optionalText(map: ReadonlyMap<string, string>, key: string): string | null {
  const v = map.get(key);
  return v === undefined || v === "" ? null : v;
}

/**
 * Picks {@link StaticFacts} from a {@link parseSysctl} Map. Throws {@link ParseError} (line 0)
 * when `hw.memsize` or `hw.pagesize` is missing, and when a present memsize/pagesize/logicalcpu
 * is not a positive integer. Missing `hw.logicalcpu`, `hw.model`, `kern.osproductversion` → null.
 */
export function staticFactsFromSysctl(map: ReadonlyMap<string, string>): StaticFacts {
  const memoryTotal = positiveInt(map, "hw.memsize");
  if (memoryTotal === null) throw new ParseError(SOURCE, 0, "hw.memsize missing");
  const pageSize = positiveInt(map, "hw.pagesize");
  if (pageSize === null) throw new ParseError(SOURCE, 0, "hw.pagesize missing");
  return {
    memoryTotal,
    pageSize,
    logicalCpus: positiveInt(map, "hw.logicalcpu"),
    model: optionalText(map, "hw.model"),
    osVersion: optionalText(map, "kern.osproductversion"),
  };
}

/** What a finished `sysctl` child produced. */
export interface SysctlRun {
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
  /** Exit status. */
  code: number;
}

/** Result of {@link interpretSysctlRun}. */
export interface SysctlRunResult {
  /** Every `name: value` that was printed (see {@link parseSysctl}). */
  values: Map<string, string>;
  /** Keys reported as `unknown oid '…'` on stderr, in stderr order. */
  unknownKeys: string[];
  /**
   * Requested keys neither printed nor reported unknown: with an old sysctl, the keys after
   * the first unknown one. Re-query them (one spawn each, or with `-i`) if needed.
   */
  missingKeys: string[];
  /** Other non-blank stderr lines, and a note when the exit status is not explained. */
  warnings: string[];
}

const UNKNOWN_OID = /unknown oid '([^']*)'/;

/**
 * Interprets one `sysctl k1 k2 …` run under both unknown-key behaviours (module doc): never
 * throws for a non-zero exit status; reports unknown and missing keys instead. A requested
 * node name (e.g. `hw`) counts as printed when any `name.` below it was. Throws
 * {@link ParseError} only when stdout itself is malformed.
 */
export function interpretSysctlRun(run: SysctlRun, keys: readonly string[]): SysctlRunResult {
  const values = parseSysctl(run.stdout);
  const unknownKeys: string[] = [];
  const warnings: string[] = [];
  for (const raw of run.stderr.split("\n")) {
    const line = raw.replace(/\r$/, "").trim();
    if (line === "") continue;
    const m = UNKNOWN_OID.exec(line);
    if (m) unknownKeys.push(m[1]);
    else warnings.push(line);
  }
  const printed = (key: string) =>
    values.has(key) || [...values.keys()].some((k) => k.startsWith(key + "."));
  const missingKeys = keys.filter((k) => !printed(k) && !unknownKeys.includes(k));
  if (run.code !== 0 && unknownKeys.length === 0 && warnings.length === 0) {
    warnings.push(`sysctl exited with status ${run.code} and printed nothing on stderr`);
  }
  return { values, unknownKeys, missingKeys, warnings };
}
