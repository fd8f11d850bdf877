/**
 * Parser for `df` output, shared by macOS and Linux: the POSIX block layout of
 * `/bin/df -kP /` (and plain macOS `df` with inode columns), and the human layout
 * of `df -h`.
 *
 * Rows are parsed by anchoring on the numeric columns, because filesystem names
 * (`map auto_home`) and mount points (`/Volumes/My Shared Files`) contain spaces.
 *
 * @module
 */

import { ParseError } from "./parse_error.ts";

const SOURCE = "df";

/** One filesystem row. In the human layout the sizes are converted to bytes. */
export interface DfRow {
  /** The Filesystem column, e.g. `/dev/disk3s1s1` or `map auto_home`. */
  filesystem: string;
  /** The Type column of `df -Y` (e.g. `apfs`), or null when not printed. */
  type: string | null;
  /** Total size in units of `blockSize`. */
  blocks: number;
  /** The Used column (APFS: this volume only) in units of `blockSize`. */
  used: number;
  /** Space available to the user (APFS: the whole container's) in units of `blockSize`. */
  available: number;
  /** Bytes per unit: from the header (`512-blocks` → 512, `1K-blocks` → 1024), 1 for `-h`. */
  blockSize: number | null;
  /** The Capacity column in percent, or null when printed as `-`. */
  capacityPercent: number | null;
  /** The mount point ("Mounted on"), which may contain spaces. */
  mount: string;
}

const INT = String.raw`\d+`;
/** A `-h` size: `465Gi`, `6,9Gi`, `0Bi`, `1.1Mi` (binary units; `B`/`K`… accepted too). */
const HUMAN = String.raw`\d+(?:[.,]\d+)?(?:[BKMGTPE]i?)?`;
/** An inode count: a plain integer, or `-h` style `533k`, `2.8G`, `1,7k`. */
const INODES = String.raw`\d+(?:[.,]\d+)?[kKMGTPE]?`;
const PERCENT = String.raw`(?:(\d+)%|-)`;

function rowPattern(size: string, type: boolean, inodes: boolean): RegExp {
  const typeCol = type ? String.raw`\s+(\S+)` : "()";
  const inodeCols = inodes ? String.raw`\s+${INODES}\s+${INODES}\s+(?:\d+%|-)` : "";
  return new RegExp(
    String.raw`^(.*?\S)${typeCol}\s+(${size})\s+(${size})\s+(${size})\s+${PERCENT}` +
      String.raw`${inodeCols}\s+(\S.*)$`,
  );
}

const UNIT_POWER: Record<string, number> = { B: 0, K: 1, M: 2, G: 3, T: 4, P: 5, E: 6 };

function humanBytes(text: string): number {
  const m = /^(\d+(?:[.,]\d+)?)([BKMGTPE]?)i?$/.exec(text);
  if (!m) return NaN;
  return Math.round(Number(m[1].replace(",", ".")) * 1024 ** UNIT_POWER[m[2] || "B"]);
}

function headerBlockSize(word: string): number | null {
  const m = /^(\d+)([KMG]?)-blocks$/i.exec(word);
  if (!m) return null;
  return Number(m[1]) * 1024 ** (m[2] ? UNIT_POWER[m[2].toUpperCase()] : 0);
}

/**
 * Parses `df` output: a header line starting with `Filesystem`, then one row per filesystem.
 * The layout is chosen from the header: a `Type` second word means a `-Y` type column; then
 * `Size` means `-h` (sizes become bytes), anything else is the block layout (units from a
 * `N-blocks`/`NK-blocks` word when present); an `iused` header word means inode columns
 * follow Capacity. Blank lines are
 * skipped. Throws {@link ParseError}: empty output or no rows (line 0), a missing header or a
 * row that does not match (truncated, garbage) with its line number.
 */
export function parseDf(text: string): DfRow[] {
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  const h = lines.findIndex((l) => l.trim() !== "");
  if (h < 0) throw new ParseError(SOURCE, 0, "empty output");
  const header = lines[h].trim().split(/\s+/);
  if (header[0] !== "Filesystem" || header.length < 5) {
    throw new ParseError(SOURCE, h + 1, "expected a 'Filesystem …' header", lines[h]);
  }
  const typed = header[1] === "Type";
  const sizeWord = header[typed ? 2 : 1];
  const human = sizeWord === "Size";
  const blockSize = human ? 1 : headerBlockSize(sizeWord);
  if (blockSize !== null && !Number.isFinite(blockSize)) {
    throw new ParseError(SOURCE, h + 1, "block size out of range", lines[h]);
  }
  const pattern = rowPattern(human ? HUMAN : INT, typed, header.includes("iused"));
  const rows: DfRow[] = [];
  for (let i = h + 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    const m = pattern.exec(line.trim());
    if (!m) throw new ParseError(SOURCE, i + 1, "row does not match the header's layout", line);
    const [blocks, used, available] = [m[3], m[4], m[5]].map((v) =>
      human ? humanBytes(v) : Number(v)
    );
    const capacityPercent = m[6] === undefined ? null : Number(m[6]);
    if (![blocks, used, available, capacityPercent ?? 0].every(Number.isFinite)) {
      throw new ParseError(SOURCE, i + 1, "size out of range", line);
    }
    rows.push({
      filesystem: m[1],
      type: typed ? m[2] : null,
      blocks,
      used,
      available,
      blockSize,
      capacityPercent,
      mount: m[7],
    });
  }
  if (rows.length === 0) throw new ParseError(SOURCE, 0, "no filesystem rows after the header");
  return rows;
}

/** The row mounted exactly at `mount` (default `/`), or undefined. */
export function findDfMount(rows: readonly DfRow[], mount = "/"): DfRow | undefined {
  return rows.find((r) => r.mount === mount);
}

/**
 * Percent of the volume not available to the user: 100 × (blocks − available) / blocks,
 * clamped 0–100 (on APFS this is the share of the container in use). Null when blocks is 0.
 */
export function diskUsagePercent(row: Pick<DfRow, "blocks" | "available">): number | null {
  if (!(row.blocks > 0)) return null;
  const pct = (100 * (row.blocks - row.available)) / row.blocks;
  return Math.min(100, Math.max(0, pct));
}

/**
 * Percent used as `df`'s Capacity column shows it: used / (used + available),
 * so blocks reserved for root do not count (Linux: matches `df` and `free`-style
 * tools). Null for a row with no space at all.
 */
export function dfCapacityPercent(row: Pick<DfRow, "used" | "available">): number | null {
  const usable = row.used + row.available;
  if (!(usable > 0)) return null;
  // Divide first, and compare halves when the sum overflows: (100 × used) / usable is NaN
  // (Infinity / Infinity) for sizes near Number.MAX_VALUE.
  const share = Number.isFinite(usable)
    ? row.used / usable
    : row.used / 2 / (row.used / 2 + row.available / 2);
  return Math.min(100, Math.max(0, 100 * share));
}
