/**
 * The machine as `.ci/proof.ts` reads it without the daemon: by other commands than the
 * daemon's where there are any (`ioreg` for the battery rather than `pmset`, `free` for
 * memory, `ip` for the route), its own formula where the value is a definition (Activity
 * Monitor's "Memory Used" from `vm_stat`), parsed here with no code of the daemon's; and what
 * one run of each tool the sources spawn costs in CPU.
 *
 * @module
 */

import type { Machine } from "./proof_checks.ts";

const decoder = new TextDecoder();

/** stdout of a command, or null when it cannot run or exits non-zero. */
async function out(path: string, args: string[]): Promise<string | null> {
  try {
    const r = await new Deno.Command(path, { args, stdin: "null", stderr: "null" }).output();
    return r.code === 0 ? decoder.decode(r.stdout) : null;
  } catch {
    return null;
  }
}

const exists = (path: string) => {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
};

/** Activity Monitor's "Memory Used", percent: (anonymous − purgeable + wired + compressor). */
function vmStatUsedPercent(vmStat: string, memsize: number): number {
  const page = Number(/page size of (\d+) bytes/.exec(vmStat)?.[1]);
  const pages = (label: string) =>
    Number(new RegExp(`^${label}:\\s+(\\d+)\\.`, "m").exec(vmStat)?.[1] ?? 0);
  const used = pages("Anonymous pages") - pages("Pages purgeable") + pages("Pages wired down") +
    pages("Pages occupied by compressor");
  return (100 * used * page) / memsize;
}

/** Memory in use now, percent, as the OS tells it (NaN when it cannot be read). */
export async function memoryPercent(os: string): Promise<number> {
  if (os === "darwin") {
    const memsize = Number((await out("/usr/sbin/sysctl", ["-n", "hw.memsize"]))?.trim());
    return vmStatUsedPercent((await out("/usr/bin/vm_stat", [])) ?? "", memsize);
  }
  const free = (await out("/usr/bin/free", ["-b"])) ?? "";
  const mem = /^Mem:\s+(\d+)\s+\d+\s+\d+\s+\d+\s+\d+\s+(\d+)/m.exec(free);
  return mem ? (100 * (Number(mem[1]) - Number(mem[2]))) / Number(mem[1]) : NaN;
}

async function darwin(): Promise<Machine> {
  const sysctl = async (key: string) =>
    Number((await out("/usr/sbin/sysctl", ["-n", key]))?.trim());
  const route = await out("/sbin/route", ["-n", "get", "default"]);
  const ioreg = async (cls: string) =>
    (await out("/usr/sbin/ioreg", ["-r", "-w", "0", "-c", cls])) ?? "";
  return {
    os: "darwin",
    logicalCpus: await sysctl("hw.logicalcpu"),
    memoryPercent: [await memoryPercent("darwin")],
    defaultInterface: route === null ? null : /interface: (\S+)/.exec(route)?.[1] ?? null,
    has: {
      battery: (await ioreg("AppleSmartBattery")).includes("AppleSmartBattery"),
      gpu: (await ioreg("IOAccelerator")).includes('"Device Utilization %"'),
      diskIo: (await ioreg("IOBlockStorageDriver")).includes('"Bytes (Read)"'),
      thermal: true, // pmset -g therm answers on every Mac, if only with notes
    },
  };
}

async function linux(): Promise<Machine> {
  const route = (await out("/usr/sbin/ip", ["-4", "route", "show", "default"])) ??
    (await out("/sbin/ip", ["-4", "route", "show", "default"])) ?? "";
  const power = [...Deno.readDirSync("/sys/class/power_supply")].map((e) => e.name);
  const cpu = "/sys/devices/system/cpu";
  const cpus = Number((await out("/usr/bin/getconf", ["_NPROCESSORS_ONLN"]))?.trim());
  const indexes = [...Array(cpus).keys()];
  return {
    os: "linux",
    logicalCpus: cpus,
    memoryPercent: [await memoryPercent("linux")],
    defaultInterface: /\bdev (\S+)/.exec(route)?.[1] ?? null,
    has: {
      battery: power.some((n) => {
        const type = (() => {
          try {
            return Deno.readTextFileSync(`/sys/class/power_supply/${n}/type`).trim();
          } catch {
            return "";
          }
        })();
        return type === "Battery";
      }),
      gpu: [...Array(8).keys()].some((i) =>
        exists(`/sys/class/drm/card${i}/device/gpu_busy_percent`)
      ),
      diskIo: /^\s*\d+\s+\d+\s+(sd[a-z]+|vd[a-z]+|xvd[a-z]+|nvme\d+n\d+|mmcblk\d+) /m.test(
        Deno.readTextFileSync("/proc/diskstats"),
      ),
      thermal: indexes.some((i) =>
        exists(`${cpu}/cpu${i}/thermal_throttle/core_throttle_count`) ||
        exists(`${cpu}/cpufreq/policy${i}/scaling_max_freq`)
      ),
    },
  };
}

/** The machine this runs on. */
export function readMachine(os: string): Promise<Machine> {
  return os === "darwin" ? darwin() : linux();
}

/** The commands the sources spawn, as the daemon runs them. */
const TOOLS: Record<string, string[]> = {
  darwin: [
    "/bin/ps -Axo pid=,pcpu=,rss=,comm= -r",
    "/bin/df -kP /",
    "/usr/sbin/sysctl kern.memorystatus_vm_pressure_level",
    "/sbin/route -n get default",
    "/usr/sbin/netstat -ibn",
    "/usr/sbin/ioreg -r -d 1 -w 0 -c IOBlockStorageDriver",
    "/usr/sbin/ioreg -r -d 1 -w 0 -c IOAccelerator",
    "/usr/bin/pmset -g batt",
    "/usr/bin/pmset -g therm",
    "/usr/bin/vm_stat",
  ],
  linux: [
    "/bin/df -kP /",
    "/bin/grep -s -H . /proc/net/route /proc/net/ipv6_route /proc/net/dev /proc/diskstats /proc/pressure/memory",
  ],
};

/** CPU ms of one run of each tool: `/usr/bin/time -p` over 20 runs in one shell loop. */
export async function toolCosts(os: string): Promise<string> {
  const rows = ["| command | CPU per run (user + sys, 20 runs) |", "|---|---|"];
  for (const tool of TOOLS[os] ?? []) {
    const loop = `i=0; while [ $i -lt 20 ]; do ${tool} >/dev/null 2>&1; i=$((i + 1)); done`;
    const r = await new Deno.Command("/usr/bin/time", { args: ["-p", "/bin/sh", "-c", loop] })
      .output();
    const text = decoder.decode(r.stderr);
    const seconds = (name: string) =>
      Number(new RegExp(`^${name}\\s+([\\d.]+)`, "m").exec(text)?.[1]);
    const ms = ((seconds("user") + seconds("sys")) * 1000) / 20;
    rows.push(`| \`${tool}\` | ${Number.isFinite(ms) ? `${ms.toFixed(2)} ms` : "not measured"} |`);
  }
  return rows.join("\n");
}
