/**
 * parseThermal on constructed `grep -s -H .` outputs, a real grep run over thermalFiles(),
 * and the temperature reader's probing with a fake grep that logs what it was asked.
 */
import assert from "node:assert/strict";
import { assertParseError } from "../../support/fixtures.ts";
import { setTimeout as delay } from "node:timers/promises";
import { parseThermal, thermalFiles } from "../../../src/metrics/linux/thermal.ts";
import { temperatureReader } from "../../../src/metrics/linux/readers.ts";
import { GrepBatch } from "../../../src/metrics/linux/proc_files.ts";
import { systemClock } from "../../../src/time/clock.ts";
import { runCommand } from "../../../src/process/run.ts";
import { fakeTool, withTempDir } from "../../support/procs.ts";

const isLinux = Deno.build.os === "linux";
const zone = (n: number, type: string, milli: number | string) =>
  `/sys/class/thermal/thermal_zone${n}/type:${type}\n/sys/class/thermal/thermal_zone${n}/temp:${milli}\n`;
const hwmon = (n: number, name: string, inputs: [number, number | string, string?][]) =>
  `/sys/class/hwmon/hwmon${n}/name:${name}\n` +
  inputs.map(([i, value, label]) =>
    `/sys/class/hwmon/hwmon${n}/temp${i}_input:${value}\n` +
    (label === undefined ? "" : `/sys/class/hwmon/hwmon${n}/temp${i}_label:${label}\n`)
  ).join("");

Deno.test("thermal: coretemp prefers the 'Package id 0' input over hotter cores", () => {
  const out = zone(0, "acpitz", 27800) + zone(1, "x86_pkg_temp", 61000) +
    hwmon(0, "acpitz", [[1, 27800]]) +
    hwmon(1, "nvme", [[1, 38850, "Composite"]]) +
    hwmon(2, "coretemp", [[1, 54000, "Package id 0"], [2, 71000, "Core 0"], [3, 49000, "Core 1"]]);
  assert.equal(parseThermal(out), 54);
  // label order does not matter; label before input as grep may print it
  const reordered = "/sys/class/hwmon/hwmon2/name:coretemp\n" +
    "/sys/class/hwmon/hwmon2/temp2_label:Core 0\n/sys/class/hwmon/hwmon2/temp2_input:71000\n" +
    "/sys/class/hwmon/hwmon2/temp1_label:Package id 0\n/sys/class/hwmon/hwmon2/temp1_input:53500\n";
  assert.equal(parseThermal(reordered), 53.5);
});

Deno.test("thermal: coretemp without a package label gives its hottest core", () => {
  const out = hwmon(3, "coretemp", [[2, 48000, "Core 0"], [3, 66000, "Core 1"], [4, 0, "Core 2"]]);
  assert.equal(parseThermal(out), 66);
});

Deno.test("thermal: k10temp Tctl, and Tdie, are package figures", () => {
  assert.equal(
    parseThermal(hwmon(0, "k10temp", [[1, 64250, "Tctl"], [3, 58000, "Tccd1"]])),
    64.25,
  );
  assert.equal(parseThermal(hwmon(1, "k10temp", [[2, 45000, "Tdie"], [1, 72000, "Tccd2"]])), 45);
  // a CPU hwmon wins over the thermal zones
  assert.equal(
    parseThermal(zone(0, "x86_pkg_temp", 80000) + hwmon(0, "k10temp", [[1, 50000]])),
    50,
  );
});

Deno.test("thermal: thermal_zone x86_pkg_temp / cpu-thermal, then acpitz only", () => {
  assert.equal(parseThermal(zone(0, "acpitz", 27800) + zone(2, "x86_pkg_temp", 61000)), 61);
  assert.equal(parseThermal(zone(0, "cpu-thermal", 47236)), 47.236);
  assert.equal(parseThermal(zone(0, "soc_thermal", 39000)), 39);
  assert.equal(parseThermal(zone(0, "INT3400 Thermal", 20000) + zone(1, "acpitz", 27800)), 27.8);
  // the lowest-numbered matching zone wins
  assert.equal(parseThermal(zone(5, "acpitz", 30000) + zone(1, "acpitz", 27800)), 27.8);
});

Deno.test("thermal: only non-CPU sensors (nvme, wifi, battery) → null", () => {
  const out = hwmon(0, "nvme", [[1, 38850, "Composite"], [2, 41850, "Sensor 1"]]) +
    hwmon(1, "iwlwifi_1", [[1, 45000]]) +
    zone(0, "iwlwifi_1", 45000) + zone(1, "B0D4", 50000) + zone(2, "pch_cannonlake", 52000);
  assert.equal(parseThermal(out), null);
});

Deno.test("thermal: readings ≤ 0 or > 150 °C are not plausible and are skipped", () => {
  assert.equal(parseThermal(zone(0, "x86_pkg_temp", 0)), null);
  assert.equal(parseThermal(zone(0, "x86_pkg_temp", -5000)), null);
  assert.equal(parseThermal(zone(0, "x86_pkg_temp", 150001)), null);
  assert.equal(parseThermal(zone(0, "x86_pkg_temp", 150000)), 150);
  assert.equal(parseThermal(zone(0, "x86_pkg_temp", "N/A")), null);
  // an implausible package figure falls through to the hottest plausible input
  assert.equal(
    parseThermal(hwmon(0, "coretemp", [[1, 255000, "Package id 0"], [2, 52000, "Core 0"]])),
    52,
  );
  // ... and an implausible zone to the next candidate
  assert.equal(parseThermal(zone(0, "x86_pkg_temp", 0) + zone(1, "acpitz", 30000)), 30);
});

Deno.test("thermal: empty output (no sensors, grep exit 2) → null; CRLF accepted", () => {
  assert.equal(parseThermal(""), null);
  assert.equal(parseThermal("\n"), null);
  assert.equal(parseThermal(zone(0, "x86_pkg_temp", 61000).replaceAll("\n", "\r\n")), 61);
});

Deno.test("thermal: a line that is not a sysfs temperature line is a ParseError naming it", () => {
  assertParseError(() => parseThermal("garbage\n"), "thermal", 1, '"garbage"');
  assertParseError(
    () => parseThermal(zone(0, "acpitz", 27800) + "grep: /sys/x: Permission denied\n"),
    "thermal",
    3,
    "not a sysfs temperature line",
  );
  assertParseError(
    () => parseThermal("/sys/class/thermal/thermal_zone0/mode:enabled\n"),
    "thermal",
    1,
  );
});

Deno.test("thermalFiles: zone type/temp and hwmon name/input/label files, absolute", () => {
  const files = thermalFiles();
  assert.ok(files.includes("/sys/class/thermal/thermal_zone0/temp"));
  assert.ok(files.includes("/sys/class/hwmon/hwmon0/name"));
  assert.ok(files.includes("/sys/class/hwmon/hwmon0/temp1_input"));
  assert.ok(files.includes("/sys/class/hwmon/hwmon0/temp1_label"));
  assert.ok(files.every((f) => /^\/sys\/class\/(thermal|hwmon)\//.test(f)));
  assert.equal(new Set(files).size, files.length);
});

/** What `grep -s -H . FILES` should print, read directly: `path:line` for each non-empty line. */
function readDirectly(files: string[]): string[] {
  const lines: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch {
      continue; // missing or unreadable: grep -s skips it too
    }
    for (const line of text.split("\n")) if (line !== "") lines.push(`${file}:${line}`);
  }
  return lines;
}

function sysfsEntries(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((e) => e.name);
  } catch {
    return [];
  }
}

Deno.test({
  name: "thermal (real): grep over thermalFiles() matches reading sysfs directly",
  ignore: !isLinux,
  fn: async () => {
    const files = thermalFiles();
    const run = await runCommand("/bin/grep", ["-s", "-H", ".", ...files], {
      allowExitCodes: [1, 2],
    });
    const fromGrep = parseThermal(run.stdout); // must not throw
    assert.ok(fromGrep === null || (fromGrep > 0 && fromGrep <= 150), `${fromGrep}`);
    // Same lines as a direct read (temperatures may tick between the two reads: compare paths).
    const grepLines = run.stdout.split("\n").filter((l) => l !== "");
    const direct = readDirectly(files);
    const path = (l: string) => l.slice(0, l.indexOf(":"));
    assert.deepEqual(grepLines.map(path), direct.map(path));
    const fromDirect = parseThermal(direct.join("\n"));
    assert.equal(fromGrep === null, fromDirect === null);
    if (fromGrep !== null) assert.ok(Math.abs(fromGrep - fromDirect!) <= 5);
    const zones = sysfsEntries("/sys/class/thermal").filter((n) => n.startsWith("thermal_zone"));
    const hwmons = sysfsEntries("/sys/class/hwmon");
    console.log(
      `  this machine: ${zones.length} thermal zones, ${hwmons.length} hwmons → ${fromGrep} °C`,
    );
    if (zones.length === 0 && hwmons.length === 0) {
      assert.equal(run.stdout, "");
      assert.equal(fromGrep, null);
    }
  },
});

/** A fake grep that logs its argument count and prints `lines` for the files it is asked for. */
async function fakeGrep(dir: string, lines: Record<string, string>): Promise<string> {
  const cases = Object.entries(lines).map(([file, value]) => `    ${file}) echo "$f:${value}";;`);
  return await fakeTool(
    dir,
    "grep",
    `echo "$#" >> ${dir}/calls\nfor f in "$@"; do\n  case "$f" in\n${
      cases.join("\n")
    }\n  esac\ndone\nexit 2`,
  );
}
const calls = (dir: string) => Deno.readTextFileSync(`${dir}/calls`).trim().split("\n").map(Number);
const signal = new AbortController().signal;
const SENSOR = {
  "/sys/class/hwmon/hwmon2/name": "k10temp",
  "/sys/class/hwmon/hwmon2/temp1_input": "51250",
  "/sys/class/hwmon/hwmon2/temp1_label": "Tctl",
};

Deno.test("temperature: the first read probes every candidate, later ones only the files found", async () => {
  await withTempDir("optherm", async (dir) => {
    const read = temperatureReader(new GrepBatch(await fakeGrep(dir, SENSOR)).read, systemClock);
    assert.deepEqual(await read(signal), { temperature: 51.25 });
    assert.deepEqual(await read(signal), { temperature: 51.25 });
    // -s -H . plus 304 candidates, then plus the 3 files that exist
    assert.deepEqual(calls(dir), [3 + thermalFiles().length, 3 + 3]);

    // The sensor goes away (driver unloaded): that read sees it, the next one probes again.
    await fakeGrep(dir, { "/sys/class/hwmon/hwmon2/name": "k10temp" });
    assert.deepEqual(await read(signal), { temperature: null });
    assert.deepEqual(await read(signal), { temperature: null });
    assert.deepEqual(calls(dir).slice(2), [3 + 3, 3 + thermalFiles().length]);
  });
});

Deno.test("temperature: a machine without sensor files spawns nothing until the re-probe", async () => {
  await withTempDir("optherm", async (dir) => {
    const read = temperatureReader(new GrepBatch(await fakeGrep(dir, {})).read, systemClock, 300);
    for (let i = 0; i < 5; i++) assert.deepEqual(await read(signal), { temperature: null });
    assert.equal(calls(dir).length, 1);
    await delay(320);
    await fakeGrep(dir, SENSOR); // a sensor driver loaded late
    assert.deepEqual(await read(signal), { temperature: 51.25 });
    assert.deepEqual(calls(dir), [3 + thermalFiles().length, 3 + thermalFiles().length]);
  });
});
