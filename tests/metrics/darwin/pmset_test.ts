/** `pmset -g batt`: every real capture, and what the parser refuses. */
import assert from "node:assert/strict";
import { parsePmsetBatt } from "../../../src/metrics/darwin/pmset.ts";
import type { BatterySample } from "../../../src/metrics/types.ts";
import { assertParseError, capturesOf, fixture } from "../../support/fixtures.ts";

/** What each capture holds, read by hand; a new capture must be added here. */
const EXPECTED: Record<string, BatterySample | null> = {
  // `100%; charged; 0:00 remaining`: no estimate while charged
  "pmset-g-batt.macos10.14.6-x64-mbp15.1-ac-charged.liquidprompt.txt": {
    percent: 100,
    state: "charged",
    onAc: true,
    minutesRemaining: null,
  },
  // a Mac mini: the one line, no battery
  "pmset-g-batt.macos10.15.7-x64-macmini7.1-no-battery.liquidprompt.txt": null,
  // `80%; AC attached; not charging` (a charge limiter holding it)
  "pmset-g-batt.macos11-arm64-m1-ac-not-charging.aldente-52.txt": {
    percent: 80,
    state: "not-charging",
    onAc: true,
    minutesRemaining: null,
  },
  "pmset-g-batt.macos11.1-x64-ac-charged.liquidprompt.txt": {
    percent: 100,
    state: "charged",
    onAc: true,
    minutesRemaining: null,
  },
  // `100%; discharging; 2:49 remaining` on 'Battery Power'
  "pmset-g-batt.macos11.1-x64-discharging.liquidprompt.txt": {
    percent: 100,
    state: "discharging",
    onAc: false,
    minutesRemaining: 169,
  },
};

Deno.test("pmset -g batt: every capture", () => {
  const names = capturesOf("pmset -g batt");
  assert.deepEqual(names, Object.keys(EXPECTED).sort(), "a capture without an expectation");
  for (const name of names) assert.deepEqual(parsePmsetBatt(fixture(name)), EXPECTED[name], name);
});

Deno.test("pmset -g batt: the other pmset reports are refused on their first line", () => {
  for (const name of [...capturesOf("pmset -g therm"), ...capturesOf("pmset -g thermlog")]) {
    assertParseError(() => parsePmsetBatt(fixture(name)), "pmset", 1, "Now drawing from");
  }
});

const DISCHARGING = "pmset-g-batt.macos11.1-x64-discharging.liquidprompt.txt";

Deno.test("pmset -g batt: states and estimates other Macs print (one capture, edited)", () => {
  const edit = (from: string, to: string) => parsePmsetBatt(fixture(DISCHARGING).replace(from, to));
  // charging towards full, on AC
  assert.equal(edit("discharging; 2:49", "charging; 1:05")?.minutesRemaining, 65);
  assert.deepEqual(edit("discharging", "finishing charge")?.state, "charging");
  // the estimate is still being computed
  assert.deepEqual(edit("2:49 remaining", "(no estimate)"), {
    percent: 100,
    state: "discharging",
    onAc: false,
    minutesRemaining: null,
  });
  // a state word this parser has not seen: the percent stays true, the state says so
  assert.equal(edit("discharging", "calibrating")?.state, "unknown");
  // reported but not present
  assert.equal(edit("present: true", "present: false"), null);
  // CRLF, and a UPS listed before the internal battery
  const withUps = fixture(DISCHARGING).replace(
    "\n",
    "\n -CP1500PFCLCD (id=1234)\t55%; AC attached; not charging present: true\n",
  ).replaceAll("\n", "\r\n");
  assert.equal(parsePmsetBatt(withUps)?.percent, 100);
});

Deno.test("pmset -g batt: malformed output is a ParseError naming the line", () => {
  const batt = (body: string) => () => parsePmsetBatt(body);
  assertParseError(batt(""), "pmset", 1, "Now drawing from");
  assertParseError(batt("Now drawing from 'Solar Power'\n"), "pmset", 1, "unknown power source");
  assertParseError(
    batt("Now drawing from 'AC Power'\n -InternalBattery-0 (id=1)\t180%; charging\n"),
    "pmset",
    2,
    "percent above 100",
  );
  assertParseError(
    batt(
      "Now drawing from 'AC Power'\n -InternalBattery-0 (id=1)\t80%; charging; 1h05 remaining\n",
    ),
    "pmset",
    2,
    "time remaining",
  );
  assertParseError(
    batt("Now drawing from 'AC Power'\nBattery is doing something new\n"),
    "pmset",
    2,
    "power source line",
  );
  assertParseError(
    batt("Now drawing from 'AC Power'\n -InternalBattery-0 (id=1)\t%; charging\n"),
    "pmset",
    2,
  );
});
