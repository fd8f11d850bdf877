/**
 * Property-based tests of the parsers behind the macOS sources added after the seed (battery,
 * network, GPU, disk throughput, memory pressure): each real capture of their command is
 * mutated at random; a parser may only throw ParseError, and what it returns holds finite,
 * non-negative numbers. Every property has a fixed seed.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { parsePmsetBatt } from "../../src/metrics/darwin/pmset.ts";
import { capturesOf, fixture, fixtureTest } from "../support/fixtures.ts";
import { mutate, mutationsArb, parsed } from "../support/mutate.ts";

/** A count that must be a finite integer ≥ 0. */
function assertCount(value: number, what: string): void {
  assert.ok(Number.isSafeInteger(value) && value >= 0, `${what} is ${value}`);
}

for (const name of capturesOf("pmset -g batt")) {
  fixtureTest(`fuzz pmset -g batt: mutated ${name}`, () => {
    const text = fixture(name);
    parsePmsetBatt(text); // the capture itself parses
    fc.assert(
      fc.property(mutationsArb, (mutations) => {
        const battery = parsed(() => parsePmsetBatt(mutate(text, mutations)));
        if (!battery) return;
        assert.ok(battery.percent >= 0 && battery.percent <= 100, `percent ${battery.percent}`);
        assertCount(battery.percent, "percent");
        if (battery.minutesRemaining !== null) {
          assertCount(battery.minutesRemaining, "minutes");
        }
        assert.equal(typeof battery.onAc, "boolean");
      }),
      { seed: 0x7b0001, numRuns: 1500 },
    );
  });
}
