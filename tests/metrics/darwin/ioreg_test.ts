/**
 * `ioreg`: the node and dictionary parser on every real capture (`IOAccelerator`,
 * `AppleSmartBattery`), GPU utilisation on the accelerator capture, and block storage
 * statistics, for which no capture exists, on output built in the captures' format.
 */
import assert from "node:assert/strict";
import {
  blockStorageBytes,
  gpuUtilization,
  parseIoreg,
  parseIoregDict,
} from "../../../src/metrics/darwin/ioreg.ts";
import { assertParseError, capturesOf, fixture } from "../../support/fixtures.ts";

const [GPU] = capturesOf("ioreg IOAccelerator");
const [BATTERY] = capturesOf("ioreg AppleSmartBattery");

Deno.test("ioreg: every capture's nodes and properties", () => {
  const gpu = parseIoreg(fixture(GPU));
  assert.deepEqual(gpu.map((n) => [n.name, n.line, [...n.properties.keys()]]), [
    ["AGXAcceleratorG16G", 1, [
      "IOMatchedAtBoot",
      "PerformanceStatistics",
      "model",
      "gpu-core-count",
    ]],
  ]);
  const battery = parseIoreg(fixture(BATTERY));
  assert.equal(battery.length, 1);
  assert.equal(battery[0].name, "AppleSmartBattery");
  assert.equal(battery[0].properties.size, 37); // every line between the braces
  const legacy = battery[0].properties.get("LegacyBatteryInfo")!;
  assert.deepEqual(
    [...parseIoregDict(legacy.text, legacy.line)],
    [
      ["Amperage", "2486"],
      ["Flags", "7"],
      ["Capacity", "6806"],
      ["Current", "5761"],
      ["Voltage", "12500"],
      ["Cycle Count", "46"],
    ],
  );
});

Deno.test("ioreg IOAccelerator: the M4's Device Utilization %", () => {
  assert.equal(gpuUtilization(fixture(GPU)), 30);
  // a node without PerformanceStatistics (the battery) reports no GPU, not 0
  assert.equal(gpuUtilization(fixture(BATTERY)), null);
  assert.equal(gpuUtilization(""), null);
});

Deno.test("ioreg IOAccelerator: two GPUs give the busier; malformed values are refused", () => {
  const text = fixture(GPU);
  const second = text.replace("AGXAcceleratorG16G", "AMDRadeonX6000").replace(
    '"Device Utilization %"=30',
    '"Device Utilization %"=87',
  );
  assert.equal(gpuUtilization(text + second), 87);
  const statsLine = 4;
  const edit = (to: string) => () =>
    gpuUtilization(text.replace('"Device Utilization %"=30', `"Device Utilization %"=${to}`));
  assertParseError(edit("130"), "ioreg", statsLine, "above 100");
  assertParseError(edit("-3"), "ioreg", statsLine, "not a count");
  assertParseError(edit("3.5"), "ioreg", statsLine, "not a count");
  assertParseError(
    () => gpuUtilization(text.replace('"Alloc system memory"', '"Alloc system memory"{')),
    "ioreg",
    statsLine,
  );
  assertParseError(() => gpuUtilization("garbage\n" + text), "ioreg", 1, "expected a node");
});

/**
 * `ioreg -r -d 1 -w 0 -c IOBlockStorageDriver` for two disks, built in the format of the
 * captures above (node line, braces, one property per line, inline dictionaries); the keys are
 * IOBlockStorageDriver's `Statistics`. No real capture of this command exists.
 */
const STORAGE = [
  "+-o IOBlockStorageDriver  <class IOBlockStorageDriver, id 0x100000457, registered, matched, active, busy 0 (0 ms), retain 8>",
  "    {",
  '      "IOClass" = "IOBlockStorageDriver"',
  '      "Statistics" = {"Operations (Write)"=2669807,"Latency Time (Write)"=0,"Bytes (Read)"=30727450624,"Errors (Write)"=0,"Total Time (Read)"=1029384756,"Latency Time (Read)"=0,"Retries (Read)"=0,"Errors (Read)"=0,"Total Time (Write)"=2938475610,"Bytes (Write)"=46436442112,"Operations (Read)"=1453484,"Retries (Write)"=0}',
  "    }",
  "    ",
  "+-o IOBlockStorageDriver  <class IOBlockStorageDriver, id 0x100000a28, registered, matched, active, busy 0 (0 ms), retain 7>",
  "    {",
  '      "Statistics" = {"Operations (Write)"=909,"Bytes (Read)"=3394316288,"Bytes (Write)"=4335616,"Operations (Read)"=23043}',
  "    }",
  "",
].join("\n");

Deno.test("ioreg IOBlockStorageDriver: bytes read and written, summed over the disks", () => {
  assert.deepEqual(blockStorageBytes(STORAGE), {
    readBytes: 30727450624 + 3394316288,
    writtenBytes: 46436442112 + 4335616,
    drivers: 2,
  });
  assert.equal(blockStorageBytes(""), null);
  // a driver whose counters are missing would make the sum too low: refused
  assertParseError(
    () => blockStorageBytes(STORAGE.replace('"Bytes (Write)"=4335616,', "")),
    "ioreg",
    9,
    "Bytes (Read)/(Write)",
  );
  assertParseError(
    () => blockStorageBytes(STORAGE.replace('      "Statistics"', '      "Statistic"')),
    "ioreg",
    1,
    "without Statistics",
  );
  assertParseError(
    () => blockStorageBytes(STORAGE.replace("=3394316288", "=33943162880000000000")),
    "ioreg",
    9,
    "not a count",
  );
});

Deno.test("ioreg IOBlockStorageDriver parser refuses the other captures' nodes", () => {
  assertParseError(() => blockStorageBytes(fixture(GPU)), "ioreg", 1, "without Statistics");
  assertParseError(() => blockStorageBytes(fixture(BATTERY)), "ioreg", 1, "without Statistics");
});
