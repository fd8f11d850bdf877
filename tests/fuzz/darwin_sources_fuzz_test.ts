/**
 * Property-based tests of the parsers behind the macOS sources added after the seed (battery,
 * network, GPU, disk throughput, memory pressure): each real capture of their command is
 * mutated at random; a parser may only throw ParseError, and what it returns holds finite,
 * non-negative numbers. Every property has a fixed seed.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type LinkCounters,
  linkCountersOf,
  parseNetstatLinks,
} from "../../src/metrics/darwin/netstat.ts";
import {
  blockStorageBytes,
  gpuUtilization,
  parseIoreg,
  parseIoregDict,
} from "../../src/metrics/darwin/ioreg.ts";
import { parsePmsetBatt } from "../../src/metrics/darwin/pmset.ts";
import { parsePmsetTherm, thermalFromPmset } from "../../src/metrics/darwin/pmset_therm.ts";
import { parseRouteInterface } from "../../src/metrics/darwin/route.ts";
import { NetstatIntervalStream } from "../../src/metrics/darwin/netstat_interval.ts";
import { capturesOf, fixture } from "../support/fixtures.ts";
import { mutate, mutationsArb, parsed } from "../support/mutate.ts";
import { NETSTAT_COLUMNS, netstatRow, netstatTitle } from "../support/netstat_interval.ts";

/** A count that must be a finite integer ≥ 0. */
function assertCount(value: number, what: string): void {
  assert.ok(Number.isSafeInteger(value) && value >= 0, `${what} is ${value}`);
}

for (const name of capturesOf("pmset -g batt")) {
  Deno.test(`fuzz pmset -g batt: mutated ${name}`, () => {
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

for (const name of [...capturesOf("pmset -g therm"), ...capturesOf("pmset -g thermlog")]) {
  Deno.test(`fuzz pmset -g therm: mutated ${name}`, () => {
    const text = fixture(name);
    parsePmsetTherm(text); // the capture itself parses
    fc.assert(
      fc.property(mutationsArb, fc.integer({ min: 1, max: 256 }), (mutations, cpus) => {
        const therm = parsed(() => parsePmsetTherm(mutate(text, mutations)));
        if (!therm) return;
        for (const [key, value] of Object.entries(therm)) {
          if (value !== null) assertCount(value, key);
        }
        const thermal = thermalFromPmset(therm, cpus);
        for (const limit of [thermal.speedLimit, thermal.schedulerLimit]) {
          if (limit !== null) assert.ok(limit >= 0 && limit <= 1, `limit ${limit}`);
        }
        const { speedLimit, schedulerLimit, availableCpus, thermalWarningLevel } = therm;
        const known = [speedLimit, schedulerLimit, availableCpus, thermalWarningLevel];
        assert.equal(thermal.state === null, known.every((v) => v === null));
      }),
      { seed: 0x7b0006, numRuns: 1500 },
    );
  });
}

/** One interface's counters: a ParseError for a missing or ambiguous name, nothing else. */
function countersOf(links: readonly LinkCounters[], name: string): void {
  const one = parsed(() => linkCountersOf(links, name));
  if (one) assert.equal(one.name, name);
}

for (const name of capturesOf("netstat -ib")) {
  Deno.test(`fuzz netstat -ibn: mutated ${name}`, () => {
    const text = fixture(name);
    assert.ok(parseNetstatLinks(text).length > 0, "the capture itself parses");
    fc.assert(
      fc.property(mutationsArb, (mutations) => {
        const links = parsed(() => parseNetstatLinks(mutate(text, mutations)));
        if (!links) return;
        for (const link of links) {
          assert.ok(link.name.length > 0, "empty name");
          assertCount(link.receivedBytes, `${link.name} received`);
          assertCount(link.sentBytes, `${link.name} sent`);
        }
        for (const link of links) countersOf(links, link.name);
      }),
      { seed: 0x7b0002, numRuns: 1500 },
    );
  });
}

/** `netstat -w 1 -I en0`: built from if.c's formats (no capture exists), a repeat included. */
const INTERVAL = [
  netstatTitle("en0"),
  NETSTAT_COLUMNS,
  netstatRow({ inPackets: 12, inBytes: 2311, outPackets: 9, outBytes: 1702 }),
  netstatRow({ inPackets: 3, inBytes: 12_345_678_901, outBytes: 0 }),
  netstatTitle("en0"),
  NETSTAT_COLUMNS,
  netstatRow({ inBytes: 0, outBytes: 64 }),
  "",
].join("\n");

Deno.test("fuzz netstat -w -I: mutated output gives byte counts or a ParseError, line by line", () => {
  fc.assert(
    fc.property(mutationsArb, (mutations) => {
      const stream = new NetstatIntervalStream("en0");
      for (const line of mutate(INTERVAL, mutations).split("\n")) {
        const bytes = parsed(() => stream.line(line));
        if (bytes === undefined) return; // a ParseError: the source restarts the child
        if (bytes === null || bytes === "banner") continue;
        assertCount(bytes.receivedBytes, "received");
        assertCount(bytes.sentBytes, "sent");
      }
    }),
    { seed: 0x7b0005, numRuns: 1500 },
  );
});

/** `route -n get default` as BSD route prints it; no capture of it exists. */
const ROUTE = "   route to: default\ndestination: default\n       mask: default\n" +
  "    gateway: 192.168.1.1\n  interface: en0\n      flags: <UP,GATEWAY,DONE,STATIC>\n";

Deno.test("fuzz route -n get default: mutated output gives an interface name or a ParseError", () => {
  fc.assert(
    fc.property(mutationsArb, (mutations) => {
      const name = parsed(() => parseRouteInterface(mutate(ROUTE, mutations)));
      if (name !== undefined) assert.match(name, /^[A-Za-z][A-Za-z0-9]*$/);
    }),
    { seed: 0x7b0003, numRuns: 1500 },
  );
});

for (
  const name of [...capturesOf("ioreg IOAccelerator"), ...capturesOf("ioreg AppleSmartBattery")]
) {
  Deno.test(
    `fuzz ioreg: mutated ${name} through nodes, dictionaries, GPU and disk readers`,
    () => {
      const text = fixture(name);
      assert.ok(parseIoreg(text).length > 0, "the capture itself parses");
      fc.assert(
        fc.property(mutationsArb, (mutations) => {
          const input = mutate(text, mutations);
          const nodes = parsed(() => parseIoreg(input));
          for (const node of nodes ?? []) {
            for (const { text, line } of node.properties.values()) {
              if (text.startsWith("{")) parsed(() => parseIoregDict(text, line));
            }
          }
          const gpu = parsed(() => gpuUtilization(input));
          if (gpu !== undefined && gpu !== null) {
            assert.ok(Number.isInteger(gpu) && gpu >= 0 && gpu <= 100, `gpu ${gpu}`);
          }
          const disk = parsed(() => blockStorageBytes(input));
          if (disk) {
            assertCount(disk.readBytes, "read");
            assertCount(disk.writtenBytes, "written");
          }
        }),
        { seed: 0x7b0004, numRuns: 1500 },
      );
    },
  );
}
