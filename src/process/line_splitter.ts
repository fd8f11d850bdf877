/**
 * Turning a byte stream into lines with a bound on each: {@linkcode LineSplitter}.
 *
 * @example
 * ```ts
 * import { LineSplitter } from "./line_splitter.ts";
 * const lines: string[] = [];
 * const splitter = new LineSplitter(4, (line) => lines.push(line));
 * splitter.push(new TextEncoder().encode("ab\r\ncdefgh\nij"));
 * splitter.flush();
 * console.log(lines); // ["ab", "cdef", "ij"]
 * ```
 *
 * @module
 */

import { concatBytes } from "../bytes.ts";

/**
 * Splits bytes at `\n` and emits each line without its `\n` or a trailing `\r`, cut to `max`
 * bytes, together with the line's full byte length (so the caller can report a cut line).
 * A line may span any number of pushes; only the first `max` bytes of it are buffered.
 */
export class LineSplitter {
  readonly #max: number;
  readonly #emit: (line: string, bytes: number) => void;
  readonly #decoder = new TextDecoder();
  #parts: Uint8Array[] = [];
  #kept = 0;
  #total = 0;
  #pending = false;

  /** Emits each line through `emit`, cut to `max` bytes. */
  constructor(max: number, emit: (line: string, bytes: number) => void) {
    this.#max = max;
    this.#emit = emit;
  }

  /** Feeds bytes; `chunk` is not kept after the call, so it may be a view of a reused buffer. */
  push(chunk: Uint8Array): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      if (nl !== -1 && !this.#pending && end - start <= this.#max) {
        this.#emitText(this.#decoder.decode(chunk.subarray(start, end)), end - start);
      } else {
        this.#append(chunk.subarray(start, end));
        if (nl !== -1) this.#emitPending();
      }
      if (nl === -1) break;
      start = nl + 1;
    }
  }

  /** Emits a last line that had no `\n`. */
  flush(): void {
    if (this.#pending) this.#emitPending();
  }

  #append(part: Uint8Array): void {
    this.#pending = true;
    this.#total += part.length;
    const room = this.#max - this.#kept;
    if (room > 0 && part.length > 0) {
      const take = part.length <= room ? part : part.subarray(0, room);
      this.#parts.push(take.slice());
      this.#kept += take.length;
    }
  }

  #emitPending(): void {
    const bytes = concatBytes(this.#parts);
    const total = this.#total;
    this.#parts = [];
    this.#kept = 0;
    this.#total = 0;
    this.#pending = false;
    this.#emitText(this.#decoder.decode(bytes), total);
  }

  #emitText(text: string, bytes: number): void {
    this.#emit(text.endsWith("\r") ? text.slice(0, -1) : text, bytes);
  }
}
