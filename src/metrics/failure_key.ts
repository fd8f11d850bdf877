/**
 * Which failures of a source are the same one, so that each distinct failure logs once.
 *
 * @module
 */

/**
 * What makes two failures the same one for logging: the message without its line numbers.
 * A streamed child's parse errors differ only by them (`top: line 812: …`, `line 1624: …`),
 * and would otherwise log one line per refresh, or per output line, for as long as it lasts.
 */
export function failureKey(message: string): string {
  return message.replace(/\bline \d+\b/g, "line #");
}
