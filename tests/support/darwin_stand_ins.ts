/**
 * Stand-ins for the macOS tools, for running darwinPlatform here: each is a `/bin/sh` script
 * that logs its own run (`<tool> <args>` to `<dir>/spawned`) and prints a real capture of its
 * command, or, for the commands no capture exists of (`netstat -w`, `ioreg
 * IOBlockStorageDriver`, `kern.memorystatus_vm_pressure_level`), output in the tool's own
 * format (see each constant; the `netstat -w` title is printed with if.c's own format). The two long-lived ones (`vm_stat N`, `netstat -w N`) print a
 * line every N × `secondsPerInterval` seconds, so a test on a faster clock can keep them in
 * step with it.
 *
 * @module
 */

import type { DarwinTools } from "../../src/metrics/darwin/platform.ts";
import { STATIC_SYSCTL_KEYS } from "../../src/metrics/darwin/sysctl.ts";
import { fixture, FIXTURES, linesFor } from "./fixtures.ts";
import { fakeTool } from "./procs.ts";
import { NETSTAT_COLUMNS, netstatRow } from "./netstat_interval.ts";
import { BANNER, HEADER, ROW1, ROW2 } from "./vm_stat_interval.ts";

const capture = (name: string) => new URL(name, FIXTURES).pathname;

/** The M1 Pro `sysctl` capture the stand-in answers the start-up keys from. */
export const M1_SYSCTL = "sysctl-hw-machdep-kern.macos14.4-arm64-m1pro.ansible.txt";
/** The `netstat -ibn` capture: `en1` is the default route's interface (see `route` below). */
export const NETSTAT_CAPTURE = "netstat-i-d-l-b-n.osx-x64-2012.ohai.txt";
/** en1's `Ibytes` and `Obytes` in that capture. */
export const EN1_BYTES = { received: 2530556736, sent: 18228234970 };
/** What each line of `netstat -w` counts: 1 000 000 bytes in, none out. */
export const NETSTAT_ROW_BYTES = 1_000_000;
/** The GPU capture (M4, `"Device Utilization %"` 30). */
export const GPU_CAPTURE = "ioreg-r-d1-w0-c-IOAccelerator.macos-arm64-m4-trimmed.systemvitals.txt";
/** A discharging battery, and a Mac mini without one. */
export const DISCHARGING = "pmset-g-batt.macos11.1-x64-discharging.liquidprompt.txt";
/** A Mac without a battery. */
export const NO_BATTERY = "pmset-g-batt.macos10.15.7-x64-macmini7.1-no-battery.liquidprompt.txt";
/** `pmset -g therm` of an Intel Mac with 12 CPUs, nothing limited. */
export const THERM_INTEL = "pmset-therm.macos-x64-12cpu.node_exporter-2031.txt";
/** `pmset -g therm` of an M1 Pro: three notes, nothing recorded. */
export const THERM_APPLE = "pmset-therm.macos12.1-arm64-m1pro.stats-749.txt";

/** `route -n get default` naming `iface` (route.c's format). */
const route = (iface: string) =>
  `   route to: default\ndestination: default\n    gateway: 10.20.10.1\n  interface: ${iface}\n`;

/** Moves the stand-ins' default route to `iface` (null: no default route). */
export function routeTo(dir: string, iface: string | null): void {
  Deno.writeTextFileSync(`${dir}/route.txt`, iface === null ? "" : route(iface));
}

/** Two block storage drivers in ioreg's format (no capture of this class exists). */
export const STORAGE = [
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

/** Options of {@linkcode darwinStandIns}. */
export interface StandInOptions {
  /**
   * A Mac without a default route, a GPU, a disk driver's counters or a battery, and with Apple
   * silicon's `pmset -g therm` (nothing recorded).
   */
  absent?: boolean;
  /** Real seconds one second of a long-lived tool's interval lasts (default 1). */
  secondsPerInterval?: number;
}

/** Writes the stand-ins into `dir`; every run is logged to `<dir>/spawned`. */
export async function darwinStandIns(
  dir: string,
  options: StandInOptions = {},
): Promise<DarwinTools> {
  const absent = options.absent ?? false;
  const scale = options.secondsPerInterval ?? 1;
  await Deno.writeTextFile(`${dir}/sysctl.txt`, linesFor(fixture(M1_SYSCTL), STATIC_SYSCTL_KEYS));
  await Deno.writeTextFile(`${dir}/route.txt`, absent ? "" : route("en1"));
  await Deno.writeTextFile(`${dir}/storage.txt`, absent ? "" : STORAGE);
  await Deno.writeTextFile(`${dir}/netstat.txt`, fixture(NETSTAT_CAPTURE));
  const q = (line: string) => `'${line}'`;
  // The interval in real seconds: N (the tool's first argument after its flag) × scale.
  const pause = (arg: string) => `t=$(/usr/bin/awk "BEGIN { print ${arg} * ${scale} }")`;
  const log = (name: string) => `echo "${name} $*" >> "${dir}/spawned"`;
  const tool = (name: string, body: string) => fakeTool(dir, name, `${log(name)}\n${body}`);
  return {
    vmStat: await tool(
      "vm_stat",
      `[ $# -eq 0 ] && exec cat "${capture("vm_stat.macos14.4-arm64-m1pro.ansible.txt")}"
trap 'exit 0' TERM
${pause("$1")}
echo ${q(BANNER)}; echo ${q(HEADER)}; echo ${q(ROW1)}
while :; do sleep "$t" & wait $!; echo ${q(ROW2)}; done`,
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
    // route.txt names the interface ({@linkcode routeTo}); empty, there is no default route
    route: await tool(
      "route",
      `[ -s "${dir}/route.txt" ] && exec cat "${dir}/route.txt"
echo "route: writing to routing socket: not in table" >&2; exit 1`,
    ),
    netstat: await tool(
      "netstat",
      `case "$1" in
-ibn) exec cat "${dir}/netstat.txt" ;;
-w) ;;
*) exit 64 ;;
esac
trap 'exit 0' TERM
${pause("$2")}
while :; do
  printf '%17s %14s %16s\\n' input "($4)" output; echo ${q(NETSTAT_COLUMNS)}
  i=0
  while [ $i -lt 20 ]; do
    sleep "$t" & wait $!
    echo ${q(netstatRow({ inBytes: NETSTAT_ROW_BYTES, outBytes: 0 }))}
    i=$((i + 1))
  done
done`,
    ),
    ioreg: await tool(
      "ioreg",
      `case "$*" in
*IOAccelerator) ${absent ? "exit 0" : `cat "${capture(GPU_CAPTURE)}"`} ;;
*IOBlockStorageDriver) cat "${dir}/storage.txt" ;;
*) exit 3 ;;
esac`,
    ),
    pmset: await tool(
      "pmset",
      `case "$2" in
batt) cat "${capture(absent ? NO_BATTERY : DISCHARGING)}" ;;
therm) cat "${capture(absent ? THERM_APPLE : THERM_INTEL)}" ;;
*) exit 64 ;;
esac`,
    ),
  };
}

/** One entry per run of a stand-in in `dir`: the tool's name and its arguments. */
export function spawnedIn(dir: string): string[] {
  try {
    return Deno.readTextFileSync(`${dir}/spawned`).split("\n").slice(0, -1);
  } catch {
    return [];
  }
}
