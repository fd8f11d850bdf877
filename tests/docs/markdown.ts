/**
 * What the docs tests read from a Markdown file: its fenced code blocks with the
 * `<!-- doc-test: … -->` marker that may precede each, its headings' anchors as GitHub
 * makes them, and its relative links. Pure functions over the text.
 *
 * The marker is an HTML comment on the last non-blank line before a fence (invisible once
 * rendered). Its keys (docs/architecture.md, "Tests", explains them to contributors):
 * - `skip="REASON"`: not runnable here; the reason is required, and the block is still checked;
 * - `daemon=PATH`: run against a daemon the test starts on a socket of its own, whose path
 *   replaces `PATH` in the block;
 * - `until="REGEX"`: the block streams; it passes once its output matches, then it is stopped;
 * - `lines`: each line of a shell block runs on its own;
 * - `file=NAME`: the block is written to `NAME` for later blocks, not run;
 * - `id=NAME` / `after=NAME[,NAME]`: named blocks run before this one, in the same program;
 * - `cwd=DIR`: run in `DIR`, a folder beside the checkout, instead of the checkout;
 * - `needs=TOOL[,TOOL]`: tools the block needs; without them it is reported as skipped.
 *
 * @module
 */

/** How a block is to be run, from its marker. */
export interface Marker {
  /** Why the block cannot run here; set when it is only checked. */
  skip?: string;
  /** The name other blocks use in `after`. */
  id?: string;
  /** Blocks run before this one, in the same program. */
  after: string[];
  /** Written to this file name instead of being run. */
  file?: string;
  /** The socket path replaced by the test daemon's. */
  daemon?: string;
  /** The block streams: it passes once its output matches. */
  until?: RegExp;
  /** Each line of a shell block runs on its own. */
  lines: boolean;
  /** A folder beside the checkout to run in. */
  cwd?: string;
  /** Tools the block needs. */
  needs: string[];
}

/** One fenced code block. */
export interface CodeBlock {
  /** The file it is in, as given. */
  file: string;
  /** The 1-based line of its opening fence. */
  line: number;
  /** Its info string's first word (`sh`, `ts`, `python`, …); empty when none. */
  lang: string;
  /** Its text, de-indented by the fence's indentation. */
  code: string;
  /** Its marker (defaults when it has none). */
  marker: Marker;
}

const MARKER = /^<!--\s*doc-test:(.*)-->$/;
const KEYS = new Set(["skip", "id", "after", "file", "daemon", "until", "lines", "cwd", "needs"]);

/** Parse the inside of a `<!-- doc-test: … -->` comment; throws on an unknown or empty key. */
export function parseMarker(body: string): Marker {
  const marker: Marker = { after: [], lines: false, needs: [] };
  const rest = body.replace(
    /([\w-]+)(?:=("(?:[^"\\]|\\.)*"|\S+))?/g,
    (_all, key: string, raw: string | undefined) => {
      if (!KEYS.has(key)) throw new Error(`unknown doc-test key "${key}"`);
      const value = raw === undefined
        ? undefined
        : raw.startsWith('"')
        ? raw.slice(1, -1).replaceAll('\\"', '"')
        : raw;
      if (key === "lines") {
        if (value !== undefined) throw new Error(`doc-test key "lines" takes no value`);
        marker.lines = true;
        return "";
      }
      if (value === undefined || value.trim() === "") {
        throw new Error(`doc-test key "${key}" needs a value`);
      }
      if (key === "after" || key === "needs") marker[key as "after" | "needs"] = value.split(",");
      else if (key === "until") marker.until = new RegExp(value, "m");
      else marker[key as "skip" | "id" | "file" | "daemon" | "cwd"] = value;
      return "";
    },
  );
  if (rest.trim() !== "") throw new Error(`cannot read doc-test marker "${body.trim()}"`);
  return marker;
}

/** The fenced code blocks of `text`, with their markers. Throws on an unclosed fence. */
export function codeBlocks(file: string, text: string): CodeBlock[] {
  const lines = text.split("\n");
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !isClosing(lines[i], fence); i++) {
      body.push(lines[i].startsWith(indent) ? lines[i].slice(indent.length) : lines[i].trimStart());
    }
    if (i >= lines.length) throw new Error(`${file}:${start + 1}: unclosed code fence`);
    let before = start - 1;
    while (before >= 0 && lines[before].trim() === "") before--;
    const comment = before >= 0 ? MARKER.exec(lines[before].trim()) : null;
    let marker: Marker;
    try {
      marker = comment ? parseMarker(comment[1]) : parseMarker("");
    } catch (e) {
      throw new Error(`${file}:${before + 1}: ${(e as Error).message}`);
    }
    blocks.push({ file, line: start + 1, lang, code: body.join("\n") + "\n", marker });
  }
  return blocks;
}

function isClosing(line: string, fence: string): boolean {
  const trimmed = line.trim();
  return trimmed.length >= fence.length && trimmed === fence[0].repeat(trimmed.length);
}

/** `text` without its fenced code blocks (each line blanked, so line numbers still hold). */
export function withoutCode(text: string): string {
  const lines = text.split("\n");
  let fence: string | null = null;
  return lines.map((line) => {
    const open = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence === null && open) {
      fence = open[1];
      return "";
    }
    if (fence !== null) {
      if (isClosing(line, fence)) fence = null;
      return "";
    }
    return line;
  }).join("\n");
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces as hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\p{Pc}\- ]/gu, "")
    .replaceAll(" ", "-");
}

/** Every anchor the headings of `text` get (a repeated heading gets `-1`, `-2`, …). */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of withoutCode(text).split("\n")) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.add(count === 0 ? base : `${base}-${count}`);
  }
  return out;
}

/** A link found in prose. */
export interface Link {
  /** The 1-based line it is on. */
  line: number;
  /** Its target as written. */
  target: string;
}

/** The links of `text` outside code (inline code and fenced blocks are not links). */
export function links(text: string): Link[] {
  const found: Link[] = [];
  withoutCode(text).split("\n").forEach((line, i) => {
    const prose = line.replace(/`[^`]*`/g, "");
    for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      found.push({ line: i + 1, target: m[1] });
    }
    const definition = /^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(prose);
    if (definition) found.push({ line: i + 1, target: definition[1] });
  });
  return found;
}

/** Every `deno task NAME` that `text` names, prose and code alike. */
export function taskNames(text: string): string[] {
  return [...text.matchAll(/\bdeno task ([\w:-]+)/g)].map((m) => m[1]);
}
