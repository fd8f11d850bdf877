/**
 * Parser for `/usr/bin/pmset -g batt`: the power source the Mac draws from and its internal
 * battery, e.g.
 *
 * ```text
 * Now drawing from 'Battery Power'
 *  -InternalBattery-0 (id=5701731)	100%; discharging; 2:49 remaining present: true
 * ```
 *
 * A Mac without a battery prints the first line only.
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";
import type { BatterySample, BatteryState } from "../types.ts";

const SOURCE = "pmset";

const DRAWING = /^Now drawing from '([^']+)'$/;
const INTERNAL = /^\s*-InternalBattery-\d+(?: \(id=\d+\))?\s+(\d+)%;(.*)$/;
const OTHER_SOURCE = /^\s+-\S/; // a UPS or another power source's line
const PRESENT = /\s*present: (true|false)$/;
const TIME = /^(\d{1,5}):([0-5]\d) remaining$/;

/** The state words `pmset` prints, and what each means here. */
const STATES: Record<string, BatteryState> = {
  "charging": "charging",
  "finishing charge": "charging",
  "discharging": "discharging",
  "charged": "charged",
  "AC attached": "not-charging",
  "not charging": "not-charging",
};

/**
 * The internal battery from `pmset -g batt` output, or null on a Mac without one (or one
 * `pmset` reports as not present). `onAc` is true when the Mac draws from `'AC Power'`;
 * `minutesRemaining` is the `H:MM remaining` estimate while charging or discharging, null
 * with `(no estimate)` and in the other states (a charged battery prints `0:00`). A state
 * word it does not know is `"unknown"`. Throws {@link ParseError} naming the line for
 * anything else it does not recognise.
 */
export function parsePmsetBatt(stdout: string): BatterySample | null {
  const lines = stdout.split("\n").map((l) => l.replace(/\r$/, ""));
  const drawing = DRAWING.exec(lines[0]);
  if (!drawing) throw new ParseError(SOURCE, 1, "expected \"Now drawing from '…'\"", lines[0]);
  const onAc = drawing[1] === "AC Power";
  if (!onAc && drawing[1] !== "Battery Power" && drawing[1] !== "UPS Power") {
    throw new ParseError(SOURCE, 1, "unknown power source", lines[0]);
  }
  let battery: BatterySample | null | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const m = INTERNAL.exec(line);
    if (m === null) {
      if (/^\s*-InternalBattery/.test(line)) {
        throw new ParseError(SOURCE, i + 1, "unrecognised battery line", line);
      }
      if (line.trim() === "" || OTHER_SOURCE.test(line)) continue;
      throw new ParseError(SOURCE, i + 1, "expected a power source line", line);
    }
    if (battery !== undefined) continue; // the first internal battery is the one shown
    battery = internalBattery(m[1], m[2], onAc, i + 1, line);
  }
  return battery ?? null;
}

function internalBattery(
  percentText: string,
  rest: string,
  onAc: boolean,
  lineNo: number,
  line: string,
): BatterySample | null {
  const percent = Number(percentText);
  if (percent > 100) throw new ParseError(SOURCE, lineNo, "percent above 100", line);
  const present = PRESENT.exec(rest);
  if (present?.[1] === "false") return null;
  const fields = rest.replace(PRESENT, "").split(";").map((f) => f.trim()).filter((f) => f);
  let state: BatteryState = "unknown";
  let minutes: number | null = null;
  for (const [index, field] of fields.entries()) {
    const time = TIME.exec(field);
    if (time) minutes = Number(time[1]) * 60 + Number(time[2]);
    else if (field.includes("remaining") || /^\d+:\d+/.test(field)) {
      throw new ParseError(SOURCE, lineNo, "unrecognised time remaining", line);
    } else if (index === 0) state = STATES[field] ?? "unknown";
    // later fields: "(no estimate)", or "not charging" after "AC attached"
  }
  const estimating = state === "charging" || state === "discharging";
  return { percent, state, onAc, minutesRemaining: estimating ? minutes : null };
}
