/**
 * Every macOS source end to end on this machine: darwinPlatform with each tool replaced by a
 * stand-in script that prints a real capture (or, for the two commands no capture exists of,
 * output in their documented format), run as real children through the sources' own code.
 * It proves which tools the sources spawn (exactly the granted ones), what each new source
 * reads from the captures, and that absent things read as null.
 */
import assert from "node:assert/strict";
import { darwinPlatform, type DarwinTools } from "../../../src/metrics/darwin/platform.ts";
import { STATIC_SYSCTL_KEYS } from "../../../src/metrics/darwin/sysctl.ts";
import type { Readings, SourceName } from "../../../src/metrics/source.ts";
import { fixture, FIXTURES, linesFor } from "../../support/fixtures.ts";
import { fakeTool, withTempDir } from "../../support/procs.ts";
import { timerSchedule } from "../../support/schedule.ts";
import { waitFor } from "../../support/wait.ts";

const capture = (name: string) => new URL(name, FIXTURES).pathname;
const M1 = "sysctl-hw-machdep-kern.macos14.4-arm64-m1pro.ansible.txt";
const NETSTAT = "netstat-i-d-l-b-n.osx-x64-2012.ohai.txt";

/** `route -n get default` naming `iface` (no capture of route exists; see route.ts). */
const route = (iface: string) =>
  `   route to: default\ndestination: default\n    gateway: 10.20.10.1\n  interface: ${iface}\n`;

/** Two block storage drivers in ioreg's format (no capture of this class exists). */
const STORAGE = [
  "+-o IOBlockStorageDriver  <class IOBlockStorageDriver, id 0x100000457, registered>",
  "    {",
  '      "Statistics" = {"Bytes (Read)"=30727450624,"Bytes (Write)"=46436442112}',
  "    }",
  "+-o IOBlockStorageDriver  <class IOBlockStorageDriver, id 0x100000a28, registered>",
  "    {",
  '      "Statistics" = {"Bytes (Read)"=3394316288,"Bytes (Write)"=4335616}',
  "    }",
  "",
].join("\n");

/** What the stand-ins print; `absent` switches to a Mac without battery, GPU or route. */
async function standIns(dir: string, absent: boolean): Promise<DarwinTools> {
  await Deno.writeTextFile(`${dir}/sysctl.txt`, linesFor(fixture(M1), STATIC_SYSCTL_KEYS));
  await Deno.writeTextFile(`${dir}/route.txt`, route("en1"));
  await Deno.writeTextFile(`${dir}/storage.txt`, STORAGE);
  await Deno.writeTextFile(`${dir}/netstat.txt`, fixture(NETSTAT));
  const log = (name: string) => `echo "${name} $*" >> "${dir}/spawned"`;
  const tool = (name: string, body: string) => fakeTool(dir, name, `${log(name)}\n${body}`);
  return {
    vmStat: await tool(
      "vm_stat",
      `[ $# -eq 0 ] && exec cat "${capture("vm_stat.osx-x64.go-osstat.txt")}"
trap 'exit 0' TERM
cat "${capture("vm_stat-1.macos-x64-8GiB-header-repeat.smore-napi-os-innopolis.txt")}"
while :; do sleep 1 & wait $!; done`,
    ),
    ps: await tool("ps", `printf '  123  12.5  20480 /usr/bin/top\\n'`),
    df: await tool("df", `exec cat "${capture("df.macos10.14.6-x64.jc.txt")}"`),
    sysctl: await tool(
      "sysctl",
      `case "$1" in
kern.memorystatus_vm_pressure_level) echo "kern.memorystatus_vm_pressure_level: 2" ;;
*) cat "${dir}/sysctl.txt" ;;
esac`,
    ),
    route: await tool(
      "route",
      absent
        ? `echo "route: writing to routing socket: not in table" >&2; exit 1`
        : `cat "${dir}/route.txt"`,
    ),
    // en1's Ibytes grow by 1 000 000 at every run: the counters move, the rate is real
    netstat: await tool(
      "netstat",
      `n=$(cat "${dir}/n" 2>/dev/null || echo 0); echo $((n + 1)) > "${dir}/n"
sed "s/2530556736/$((2530556736 + n * 1000000))/" "${dir}/netstat.txt"`,
    ),
    ioreg: await tool(
      "ioreg",
      `case "$*" in
*IOAccelerator) ${absent ? "exit 0" : `cat "${capture(GPU)}"`} ;;
*IOBlockStorageDriver) cat "${dir}/storage.txt" ;;
*) exit 3 ;;
esac`,
    ),
    pmset: await tool(
      "pmset",
      `cat "${capture(absent ? NO_BATTERY : DISCHARGING)}"`,
    ),
  };
}

const GPU = "ioreg-r-d1-w0-c-IOAccelerator.macos-arm64-m4-trimmed.systemvitals.txt";
const DISCHARGING = "pmset-g-batt.macos11.1-x64-discharging.liquidprompt.txt";
const NO_BATTERY = "pmset-g-batt.macos10.15.7-x64-macmini7.1-no-battery.liquidprompt.txt";
const NEW: SourceName[] = ["load", "swap", "pressure", "network", "diskio", "battery", "gpu"];

/** Runs every source until each new one has read twice; the readings and the spawn log. */
async function runAll(absent: boolean) {
  return await withTempDir("opta-darwin-sources-", async (dir) => {
    const platform = darwinPlatform(await standIns(dir, absent));
    const facts = await platform.facts();
    const sources = platform.sources(facts, { top: 5 });
    const readings = new Map<SourceName, Readings[]>();
    const failures: string[] = [];
    const schedule = timerSchedule();
    for (const source of sources) {
      source.start(source.name === "network" || source.name === "diskio" ? 300 : 200, {
        emit: (r) => readings.set(source.name, [...(readings.get(source.name) ?? []), r]),
        fail: (e) => failures.push(`${source.name}: ${e.message}`),
      }, schedule);
    }
    try {
      await waitFor(
        () => NEW.every((n) => (readings.get(n)?.length ?? 0) >= 2),
        15_000,
        "readings",
      );
    } finally {
      await Promise.all(sources.map((s) => s.stop()));
    }
    const spawned = Deno.readTextFileSync(`${dir}/spawned`).trim().split("\n");
    // the seed's sources have their own tests; here only the new ones must not fail
    const newFailures = failures.filter((f) => NEW.some((n) => f.startsWith(`${n}: `)));
    return { facts, readings, failures: newFailures, spawned, tools: platform.tools };
  });
}

Deno.test(
  "darwin sources: every new value read from the captures, exactly the granted tools spawned",
  async () => {
    const { facts, readings, failures, spawned, tools } = await runAll(false);
    assert.deepEqual(failures, []);
    assert.deepEqual(facts.coreLevels, [
      { name: "Performance", firstCore: 2, cores: 8 },
      { name: "Efficiency", firstCore: 0, cores: 2 },
    ]);
    const last = (name: SourceName) => readings.get(name)!.at(-1)!;
    assert.deepEqual(last("pressure"), { memoryPressure: "warning" });
    assert.equal(last("gpu").gpuUsage, 30);
    assert.deepEqual(last("battery").battery, {
      percent: 100,
      state: "discharging",
      onAc: false,
      minutesRemaining: 169,
    });
    const load = last("load").loadAverage!;
    assert.ok([load.one, load.five, load.fifteen].every((v) => Number.isFinite(v) && v >= 0));
    const swap = last("swap").swap!;
    assert.ok(swap.used >= 0 && swap.used <= swap.total);
    for (const r of readings.get("network")!) {
      const net = r.network!;
      assert.equal(net.interface, "en1");
      assert.equal((net.receivedBytes - 2530556736) % 1_000_000, 0);
      assert.ok(net.receivedBytes > 2530556736 && net.receiveBytesPerSecond > 0);
      assert.equal(net.sentBytes, 18228234970);
      assert.equal(net.sendBytesPerSecond, 0);
    }
    for (const r of readings.get("diskio")!) {
      assert.deepEqual(r.diskIo, {
        readBytesPerSecond: 0,
        writeBytesPerSecond: 0,
        readBytes: 30727450624 + 3394316288,
        writtenBytes: 46436442112 + 4335616,
      });
    }
    // Every granted tool ran, and nothing else: the stand-ins are all the directory holds.
    const ran = new Set(spawned.map((line) => line.split(" ")[0]));
    assert.deepEqual([...ran].sort(), tools.map((t) => t.slice(t.lastIndexOf("/") + 1)).sort());
    // route ran once (the interface is trusted for 30 s); netstat once per network reading
    assert.equal(spawned.filter((l) => l.startsWith("route ")).length, 1);
    assert.ok(spawned.includes("route -n get default"));
    assert.ok(spawned.includes("netstat -ibn"));
    assert.ok(spawned.includes("ioreg -r -d 1 -w 0 -c IOAccelerator"));
    assert.ok(spawned.includes("pmset -g batt"));
  },
);

Deno.test(
  "darwin sources: no default route, no GPU and no battery read as null, not 0",
  async () => {
    const { readings, failures } = await runAll(true);
    assert.deepEqual(failures, []);
    for (const r of readings.get("network")!) assert.equal(r.network, null);
    for (const r of readings.get("gpu")!) assert.equal(r.gpuUsage, null);
    for (const r of readings.get("battery")!) assert.equal(r.battery, null);
  },
);
