/**
 * Parsers for `/usr/sbin/ioreg -r -d 1 -w 0 -c <class>`: one node per matching registry
 * entry with its properties, one per line (`-w 0` never wraps them).
 *
 * ```text
 * +-o AGXAcceleratorG16G  <class AGXAcceleratorG16G, id 0x10000039c, registered, …>
 *     {
 *       "PerformanceStatistics" = {"Tiler Utilization %"=30,"Device Utilization %"=30,…}
 *       "model" = "Apple M4"
 *     }
 * ```
 *
 * Used for the GPU (`IOAccelerator`: `"Device Utilization %"` in `PerformanceStatistics`) and
 * for disk throughput (`IOBlockStorageDriver`: `"Bytes (Read)"` and `"Bytes (Write)"` in
 * `Statistics`, cumulative since boot, one driver per disk).
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";

const SOURCE = "ioreg";

/** One registry entry and its top-level properties, values as printed. */
export interface IoregNode {
  /** The entry's name, e.g. `AGXAcceleratorG16G`. */
  name: string;
  /** 1-based line of its `+-o` line. */
  line: number;
  /** Property name → value text (a dictionary stays `{…}`). */
  properties: Map<string, { text: string; line: number }>;
}

const NODE = /^[\s|]*\+-o (.+?)\s+<class [^,>]+[,>]/;
const PROPERTY = /^[\s|]*"([^"]+)" = (.*)$/;
const FRAME = /^[\s|]*[{}]?\s*$/;

/**
 * The nodes of `ioreg -r -d 1 -w 0` output. Throws {@link ParseError} naming the line for a
 * line that is neither a node, a property, a brace nor blank, and for a property before any
 * node.
 */
export function parseIoreg(stdout: string): IoregNode[] {
  const nodes: IoregNode[] = [];
  const lines = stdout.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    const node = NODE.exec(line);
    if (node) {
      nodes.push({ name: node[1], line: i + 1, properties: new Map() });
      continue;
    }
    const property = PROPERTY.exec(line);
    if (property && nodes.length > 0) {
      nodes.at(-1)!.properties.set(property[1], { text: property[2].trim(), line: i + 1 });
    } else if (!FRAME.test(line)) {
      throw new ParseError(SOURCE, i + 1, "expected a node, a property or a brace", line);
    }
  }
  return nodes;
}

/**
 * The entries of an inline dictionary `{"key"=value,…}` (keys in quotes, values up to the next
 * comma outside quotes, braces and parentheses). Throws {@link ParseError} at `line` when the
 * text is not such a dictionary.
 */
export function parseIoregDict(text: string, line: number): Map<string, string> {
  if (!text.startsWith("{") || !text.endsWith("}")) {
    throw new ParseError(SOURCE, line, "expected a {…} dictionary", text);
  }
  const entries = new Map<string, string>();
  const body = text.slice(1, -1);
  let at = 0;
  while (at < body.length) {
    const key = /^"([^"]*)"=/.exec(body.slice(at));
    if (!key) throw new ParseError(SOURCE, line, 'expected "key"= in a dictionary', text);
    at += key[0].length;
    let depth = 0;
    let quoted = false;
    let end = at;
    for (; end < body.length; end++) {
      const c = body[end];
      if (c === '"') quoted = !quoted;
      else if (quoted) continue;
      else if (c === "{" || c === "(" || c === "<") depth++;
      else if (c === "}" || c === ")" || c === ">") depth--;
      else if (c === "," && depth === 0) break;
      if (depth < 0) throw new ParseError(SOURCE, line, "unbalanced dictionary", text);
    }
    if (quoted || depth !== 0) throw new ParseError(SOURCE, line, "unbalanced dictionary", text);
    entries.set(key[1], body.slice(at, end));
    at = end + 1;
  }
  return entries;
}

/** The unsigned integer `key` of `dict`, or null when absent; a ParseError when malformed. */
function counter(dict: Map<string, string>, key: string, line: number): number | null {
  const text = dict.get(key);
  if (text === undefined) return null;
  const n = /^\d{1,20}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw new ParseError(SOURCE, line, `${key} is not a count`, text);
  return n;
}

/**
 * GPU busy percent from `ioreg -r -d 1 -w 0 -c IOAccelerator`: the highest
 * `"Device Utilization %"` of the accelerators that report one (a Mac with two GPUs is as busy
 * as its busiest; an average would describe neither), or null when none does. Throws
 * {@link ParseError} for a malformed node, dictionary or value, or a value above 100.
 */
export function gpuUtilization(stdout: string): number | null {
  let busiest: number | null = null;
  for (const node of parseIoreg(stdout)) {
    const stats = node.properties.get("PerformanceStatistics");
    if (!stats) continue;
    const percent = counter(
      parseIoregDict(stats.text, stats.line),
      "Device Utilization %",
      stats.line,
    );
    if (percent === null) continue;
    if (percent > 100) {
      throw new ParseError(SOURCE, stats.line, "utilisation above 100 %", stats.text);
    }
    busiest = Math.max(busiest ?? 0, percent);
  }
  return busiest;
}

/** Bytes read and written since boot, summed over the block storage drivers. */
export interface BlockStorageBytes {
  /** Sum of `"Bytes (Read)"`. */
  readBytes: number;
  /** Sum of `"Bytes (Write)"`. */
  writtenBytes: number;
  /** How many drivers were summed. */
  drivers: number;
}

/**
 * The byte counters of `ioreg -r -d 1 -w 0 -c IOBlockStorageDriver`, summed over every
 * driver, or null when no driver is listed. Throws {@link ParseError} when a driver has no
 * `Statistics` or they lack either byte counter: a sum missing a disk would be too low.
 */
export function blockStorageBytes(stdout: string): BlockStorageBytes | null {
  const nodes = parseIoreg(stdout);
  if (nodes.length === 0) return null;
  let readBytes = 0;
  let writtenBytes = 0;
  for (const node of nodes) {
    const stats = node.properties.get("Statistics");
    if (!stats) throw new ParseError(SOURCE, node.line, "a driver without Statistics", node.name);
    const dict = parseIoregDict(stats.text, stats.line);
    const read = counter(dict, "Bytes (Read)", stats.line);
    const written = counter(dict, "Bytes (Write)", stats.line);
    if (read === null || written === null) {
      throw new ParseError(SOURCE, stats.line, "no Bytes (Read)/(Write)", stats.text);
    }
    readBytes += read;
    writtenBytes += written;
  }
  if (!Number.isSafeInteger(readBytes) || !Number.isSafeInteger(writtenBytes)) {
    throw new ParseError(SOURCE, 0, "byte counters out of range");
  }
  return { readBytes, writtenBytes, drivers: nodes.length };
}
