/**
 * The one error every parser of command output or kernel text throws.
 *
 * @module
 */

/** Output that a parser does not recognise; names the source, the line and what was wrong. */
export class ParseError extends Error {
  /** What was being parsed, e.g. `"vm_stat"` or `"/proc/meminfo"`. */
  readonly source: string;
  /** 1-based line number of the offending line, or 0 when the input as a whole is wrong. */
  readonly line: number;
  /** The offending line's text (cut to 200 characters), or "" when none. */
  readonly text: string;

  /** Creates a ParseError; the message reads `<source>: line <n>: <reason>: "<text>"`. */
  constructor(source: string, line: number, reason: string, text = "") {
    const shown = text.length > 200 ? text.slice(0, 200) + "…" : text;
    super(
      line > 0
        ? `${source}: line ${line}: ${reason}${shown ? `: ${JSON.stringify(shown)}` : ""}`
        : `${source}: ${reason}`,
    );
    this.name = "ParseError";
    this.source = source;
    this.line = line;
    this.text = shown;
  }
}
