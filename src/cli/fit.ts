/**
 * Text fitted to a terminal's width, measured in cells as a terminal draws them
 * (a CJK character or an emoji takes two, a combining mark none; the view's own
 * colour codes take no room). Whatever does not fit is cut where the reader sees it
 * (`…`), never silently; a row's text keeps its numbers and units whole by leaving
 * out its trailing parts before anything is cut.
 *
 * @example
 * ```ts
 * import { cells, fitParts } from "./fit.ts";
 * cells("監視 ok"); // 7
 * fitParts("read 1.0 MiB/s  write 2.0 MiB/s", 20); // "read 1.0 MiB/s …"
 * ```
 *
 * @module
 */

/** Start of a terminal control sequence. */
export const ESC = "\x1b[";

/** What ends a row's text that lost some of its parts or was cut. */
export const MORE = "…";

/** A mark that takes no cell: a combining mark or a variation selector. */
const ZERO_WIDTH = /^\p{M}$/u;

/**
 * The code points a terminal draws two cells wide (East Asian Wide and Fullwidth:
 * Hangul, CJK, kana, fullwidth forms, emoji), as [first, last] pairs in order.
 */
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2648, 0x2653],
  [0x267f, 0x267f],
  [0x2693, 0x2693],
  [0x26a1, 0x26a1],
  [0x26aa, 0x26ab],
  [0x26bd, 0x26be],
  [0x26c4, 0x26c5],
  [0x26ce, 0x26ce],
  [0x26d4, 0x26d4],
  [0x26ea, 0x26ea],
  [0x26f2, 0x26f3],
  [0x26f5, 0x26f5],
  [0x26fa, 0x26fa],
  [0x26fd, 0x26fd],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x274e, 0x274e],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27bf],
  [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50],
  [0x2b55, 0x2b55],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf],
  [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a],
  [0x1f200, 0x1f251],
  [0x1f300, 0x1f64f],
  [0x1f680, 0x1f6ff],
  [0x1f7e0, 0x1f7eb],
  [0x1f900, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x3fffd],
];

/** The cells one character takes. */
function charCells(char: string): number {
  const code = char.codePointAt(0)!;
  if (code < 0x300) return 1;
  if (ZERO_WIDTH.test(char)) return 0;
  return WIDE.some(([first, last]) => code >= first && code <= last) ? 2 : 1;
}

/** The text's characters and the view's colour codes (`ESC[…m`), in order. */
function* pieces(text: string): Generator<{ piece: string; cells: number }> {
  for (let i = 0; i < text.length;) {
    if (text.startsWith(ESC, i)) {
      const end = text.indexOf("m", i);
      const piece = text.slice(i, end < 0 ? text.length : end + 1);
      yield { piece, cells: 0 };
      i += piece.length;
      continue;
    }
    const char = String.fromCodePoint(text.codePointAt(i)!);
    yield { piece: char, cells: charCells(char) };
    i += char.length;
  }
}

/** The cells `text` takes on a terminal; the view's colour codes take none. */
export function cells(text: string): number {
  let total = 0;
  for (const { cells } of pieces(text)) total += cells;
  return total;
}

/**
 * `text` in at most `width` cells: whole when it fits, else cut and ended with `…`
 * (and a colour reset when a colour was cut).
 */
export function clip(text: string, width: number): string {
  if (cells(text) <= width) return text;
  let out = "";
  let used = 0;
  for (const { piece, cells } of pieces(text)) {
    if (used + cells > width - 1) break;
    out += piece;
    used += cells;
  }
  out += width > 0 ? MORE : "";
  return out.includes(ESC) ? `${out}${ESC}0m` : out;
}

/** `text` (without colour codes) in at most `width` cells: its end, after `…`, when it is cut. */
export function clipStart(text: string, width: number): string {
  if (cells(text) <= width) return text;
  const chars = [...text];
  let out = "";
  let used = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const size = charCells(chars[i]);
    if (used + size > width - 1) break;
    out = chars[i] + out;
    used += size;
  }
  return width > 0 ? MORE + out : "";
}

/**
 * A row's text in at most `width` cells. Two or more spaces separate its parts
 * (`read 1.0 MiB/s  write 2.0 MiB/s`): when the text is too wide its parts are
 * joined by one space, then left out from the end, each whole (`read 1.0 MiB/s …`);
 * only when the first part and the mark do not fit is the line cut.
 */
export function fitParts(text: string, width: number): string {
  if (cells(text) <= width) return text;
  const parts = text.split(/ {2,}/);
  for (let kept = parts.length; kept > 0; kept--) {
    const shown = parts.slice(0, kept).join(" ") + (kept < parts.length ? ` ${MORE}` : "");
    if (cells(shown) <= width) return shown;
  }
  return clip(parts.length > 1 ? `${parts[0]} ${MORE}` : parts[0], width);
}

/**
 * `parts` on as few lines of at most `width` cells as they fill, two spaces apart,
 * each part whole (one wider than `width` on its own is cut).
 */
export function flow(parts: readonly string[], width: number): string[] {
  const lines: string[] = [];
  for (const part of parts) {
    const last = lines.length - 1;
    if (last >= 0 && cells(lines[last]) + 2 + cells(part) <= width) {
      lines[last] += `  ${part}`;
    } else {
      lines.push(clip(part, width));
    }
  }
  return lines;
}
