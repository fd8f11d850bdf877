/**
 * Reading `/proc` and `/sys` files through `/bin/grep -s -H . FILES…` (Deno grants those
 * reads only with `--allow-all`): one spawn prints every line of every file that exists,
 * each prefixed with its path. {@linkcode GrepBatch} merges the reads that sources start
 * in the same turn of the event loop (the network, disk and pressure sources are due in
 * the same tick at their default cadences) into one grep, so they cost one spawn.
 *
 * @module
 */

import { runCommand } from "../../process/run.ts";
import { SpawnCounter } from "../../process/spawn.ts";
import { ParseError } from "../parse_error.ts";

/**
 * Splits `grep -s -H . FILES…` output into each file's text (its non-empty lines, joined
 * by newlines). Files grep skipped (missing, unreadable, empty) are absent from the map.
 * A line that starts with none of `files` followed by `:` is a ParseError.
 */
export function splitGrepOutput(output: string, files: readonly string[]): Map<string, string> {
  // Longest first, so a path that is a prefix of another (…/BAT1 and …/BAT10) never wins wrongly.
  const ordered = [...new Set(files)].sort((a, b) => b.length - a.length);
  const lines = new Map<string, string[]>();
  output.split("\n").forEach((line, index) => {
    if (line === "") return;
    const file = ordered.find((f) => line.startsWith(f) && line[f.length] === ":");
    if (file === undefined) throw new ParseError("grep", index + 1, "not one of the files", line);
    const list = lines.get(file) ?? [];
    list.push(line.slice(file.length + 1));
    lines.set(file, list);
  });
  return new Map([...lines].map(([file, list]) => [file, list.join("\n")]));
}

/** The inverse of {@linkcode splitGrepOutput}: each file's lines as `grep -H` prints them. */
export function joinGrepOutput(texts: ReadonlyMap<string, string>): string {
  let out = "";
  for (const [file, text] of texts) {
    for (const line of text.split("\n")) out += `${file}:${line}\n`;
  }
  return out;
}

/** Reads files: each one that exists and has text, mapped to its text. */
export type FileReader = (
  files: readonly string[],
  signal?: AbortSignal,
) => Promise<Map<string, string>>;

interface Request {
  files: readonly string[];
  signal?: AbortSignal;
  resolve: (texts: Map<string, string>) => void;
  reject: (error: unknown) => void;
}

/**
 * One `grep` for every read requested in the same turn of the event loop: requests are
 * collected until the microtasks run, then one child reads the union of their files and
 * each request gets its own files' texts. The child is aborted only when every request of
 * its batch was. Every request settles only once the child has exited (an aborted one is
 * rejected with its signal's reason then), so a source that stops leaves no child behind.
 */
export class GrepBatch {
  readonly #grep: string;
  #pending: Request[] = [];
  /** Counts the children it spawns. */
  readonly spawns: SpawnCounter;

  /** Reads through the grep at absolute path `grep`, counting its runs in `spawns`. */
  constructor(grep: string, spawns: SpawnCounter = new SpawnCounter()) {
    this.#grep = grep;
    this.spawns = spawns;
  }

  /** Read `files` (as a {@linkcode FileReader}), sharing the spawn with this turn's other reads. */
  readonly read: FileReader = (files, signal) => {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      if (this.#pending.length === 0) queueMicrotask(() => this.#flush());
      this.#pending.push({ files, signal, resolve, reject });
    });
  };

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    const live = batch.filter((r) => !r.signal?.aborted);
    for (const r of batch) if (r.signal?.aborted) r.reject(r.signal.reason);
    if (live.length === 0) return;
    const abort = new AbortController();
    let waiting = live.length;
    const listeners = live.map((r) => {
      const onAbort = () => {
        if (--waiting === 0) abort.abort();
      };
      r.signal?.addEventListener("abort", onAbort, { once: true });
      return () => r.signal?.removeEventListener("abort", onAbort);
    });
    const files = [...new Set(live.flatMap((r) => r.files))];
    try {
      // grep exits 1 when nothing matched and 2 when some files are missing: both normal.
      const { stdout } = await runCommand(this.#grep, ["-s", "-H", ".", ...files], {
        signal: abort.signal,
        allowExitCodes: [1, 2],
        spawns: this.spawns,
      });
      const texts = splitGrepOutput(stdout, files);
      for (const r of live) {
        if (r.signal?.aborted) r.reject(r.signal.reason);
        else r.resolve(new Map(r.files.flatMap((f) => texts.has(f) ? [[f, texts.get(f)!]] : [])));
      }
    } catch (error) {
      for (const r of live) r.reject(r.signal?.aborted ? r.signal.reason : error);
    } finally {
      for (const remove of listeners) remove();
    }
  }
}

/** How long a machine without the probed files goes before they are probed again. */
export const REPROBE_MS = 300_000;

/**
 * Files that may not exist on this machine (a battery, a GPU): the first read asks for
 * every candidate, later reads for just those that answered. With none present it reads
 * nothing (no spawn) until `reprobeMs` has passed; a file that stops answering makes the
 * next read probe every candidate again.
 */
export class ProbedFiles {
  readonly #candidates: readonly string[];
  readonly #reprobeMs: number;
  #present: string[] | null = null;
  #probedAt = -Infinity;

  /** Over `candidates`, probing again every `reprobeMs` while none exists. */
  constructor(candidates: readonly string[], reprobeMs: number = REPROBE_MS) {
    this.#candidates = candidates;
    this.#reprobeMs = reprobeMs;
  }

  /** The present files' texts through `reader` (an empty map when none exists), read at `now`. */
  async read(reader: FileReader, now: number, signal?: AbortSignal): Promise<Map<string, string>> {
    const present = this.#present;
    if (present?.length === 0 && now - this.#probedAt < this.#reprobeMs) return new Map();
    const probe = present === null || present.length === 0;
    const files = probe ? this.#candidates : present;
    const texts = await reader(files, signal);
    if (probe) {
      this.#present = [...texts.keys()];
      this.#probedAt = now;
    } else if (texts.size !== files.length) {
      this.#present = null; // a device went away or was renumbered: look at every candidate
    }
    return texts;
  }
}
