/**
 * The rows `sample` and `watch` show, one per declared reading that has a row
 * (`metrics/catalog.ts`), in the declared order: label, text (numbers and units
 * first), an optional gauge for a bar, detail, level and drop rank. Text from the
 * machine is escaped here, so no command prints a control character from a reading.
 *
 * @example
 * ```ts
 * import { readingRows } from "./rows.ts";
 * import { NO_EXTENDED_READINGS } from "../metrics/types.ts";
 * const rows = readingRows({
 *   ...NO_EXTENDED_READINGS,
 *   cpuUsage: 12.5, memoryUsage: 40, memoryTotal: 17179869184, diskUsage: 61,
 *   temperature: null, timestamp: 0, topProcesses: [],
 * });
 * rows[0].text; // "12.5 %"
 * ```
 *
 * @module
 */

import { READING_LIST } from "../metrics/catalog.ts";
import type { SourceName } from "../metrics/sources.ts";
import type { ReadingKey } from "../metrics/reading.ts";
import { isAbsent } from "../metrics/shape.ts";
import type { Snapshot } from "../metrics/types.ts";
import { printable } from "../printable.ts";

export { ABSENT } from "../metrics/format.ts";

/** One reading as a row of text. */
export interface ReadingRow {
  /** The reading it shows. */
  readonly key: ReadingKey;
  /** The source that produces it (to say why it is absent). */
  readonly source: SourceName;
  /** The label, at most 11 characters. */
  readonly label: string;
  /** The value as short text, or null when it is absent. */
  readonly text: string | null;
  /** A percentage to draw as a bar before the text, or null for none. */
  readonly gauge: number | null;
  /** More detail `sample` adds in parentheses; "" for none. */
  readonly detail: string;
  /** 0 fine, 1 warning, 2 critical, or null when the reading has no level. */
  readonly level: 0 | 1 | 2 | null;
  /** On a short terminal `watch` drops the highest rank first; 0 never, and shows "—". */
  readonly rank: number;
}

const ROWS = READING_LIST.filter((r) => r.row !== undefined);

/** The rows of every reading of `s` that has one, in the declared order. */
export function readingRows(s: Snapshot): ReadingRow[] {
  return ROWS.map((reading) => {
    const row = reading.row!;
    const value = s[reading.key];
    const present = !isAbsent(value);
    return {
      key: reading.key,
      source: reading.source as SourceName,
      label: row.label,
      text: present ? printable(row.text(value!, s)) : null,
      gauge: present && row.gauge ? row.gauge(value!, s) : null,
      detail: present && row.detail ? printable(row.detail(value!, s)) : "",
      level: present && row.level ? row.level(value!) : null,
      rank: row.rank,
    };
  });
}
