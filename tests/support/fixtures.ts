/**
 * The real macOS captures in `tests/fixtures/darwin/` (their provenance is in that folder's
 * SOURCES.md) and the ParseError assertion every parser test uses.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ParseError } from "../../src/metrics/parse_error.ts";

/** Where the captures live: `tests/fixtures/darwin/`. */
export const FIXTURES = new URL("../fixtures/darwin/", import.meta.url);

/** The text of one capture. */
export function fixture(name: string): string {
  return Deno.readTextFileSync(new URL(name, FIXTURES));
}

/**
 * The command a capture came from, read from its file name (`<command>.<machine>.<origin>.txt`,
 * as listed in the folder's SOURCES.md):
 * - `vm_stat`: the one-shot report (`vm_stat.…`);
 * - `vm_stat N`: interval mode, `vm_stat 1`, `vm_stat 60`, `vm_stat <interval>`, `vm_stat -c1 1`
 *   (`vm_stat-1.…`, `vm_stat-60.…`, `vm_stat-N.…`, `vm_stat-c1-1.…`);
 * - `sysctl`: `name: value` lines, from `sysctl -a`, `sysctl -a machdep.cpu`, `sysctl hw machdep`,
 *   `sysctl vm`, … (`sysctl-a.…`, `sysctl-hw-machdep.…`, `sysctl-vm-first14lines.…`, …);
 * - `sysctl -n`: values only (`sysctl-n-….`);
 * - `pmset -g batt`, `pmset -g therm`, `pmset -g thermlog` (`pmset-g-batt.…`, `pmset-therm.…`,
 *   `pmset-thermlog.…`);
 * - `netstat -ib`: the interface table with byte columns, whatever other flags (`netstat-ibdn.…`,
 *   `netstat-ibdnW.…`, `netstat-i-d-l-b-n.…`); `netstat -i`: without them (`netstat-i.…`);
 * - `ioreg IOAccelerator`, `ioreg AppleSmartBattery`: the class or name the capture asked for;
 * - any other capture: its tool's name (`ps`, `df`, `iostat`, …).
 *
 * A `vm_stat`, `sysctl`, `pmset`, `netstat` or `ioreg` name that fits none of these throws, so
 * a new capture is never run through the parser of another command.
 */
export function commandOf(name: string): string {
  if (/^vm_stat\./.test(name)) return "vm_stat";
  if (/^vm_stat-(\d+|N|c\d+-\d+)\./.test(name)) return "vm_stat N";
  if (/^sysctl-n-/.test(name)) return "sysctl -n";
  if (/^sysctl[-.]/.test(name)) return "sysctl";
  if (/^pmset-g-batt\./.test(name)) return "pmset -g batt";
  if (/^pmset-(therm|thermlog)\./.test(name)) {
    return name.replace(/^pmset-(\w+)\..*$/, "pmset -g $1");
  }
  if (/^netstat-(i-d-l-b-n|ib\w*)\./.test(name)) return "netstat -ib";
  if (/^netstat-i\./.test(name)) return "netstat -i";
  const ioreg = /^ioreg-.*-(?:c|n)-(\w+)\./.exec(name);
  if (ioreg) return `ioreg ${ioreg[1]}`;
  if (/^(vm_stat|sysctl|pmset|netstat|ioreg)/.test(name)) {
    throw new Error(`cannot tell the command of ${name}`);
  }
  const tool = /^([a-z_]+)[-.]/.exec(name);
  if (!tool) throw new Error(`cannot tell the command of ${name}`);
  return tool[1];
}

/**
 * The names of the captures of `command` (see {@link commandOf}), sorted. When there are none,
 * one placeholder name that no capture has, so the test reading it fails (a renamed capture is
 * noticed).
 */
export function capturesOf(command: string): string[] {
  const names = [...Deno.readDirSync(FIXTURES)].map((e) => e.name)
    .filter((n) => n.endsWith(".txt") && commandOf(n) === command).sort();
  return names.length > 0 ? names : [`<no ${command} capture>.txt`];
}

/** Assert that `fn` throws a ParseError from `source` naming `line` (and containing `includes`). */
export function assertParseError(
  fn: () => unknown,
  source: string,
  line: number,
  includes?: string,
): ParseError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ParseError, `expected ParseError, got ${caught}`);
  assert.equal(caught.source, source);
  assert.equal(caught.line, line);
  if (line > 0) assert.match(caught.message, new RegExp(`^${source}: line ${line}: `));
  if (includes) assert.ok(caught.message.includes(includes), caught.message);
  return caught;
}

/**
 * Test helper: turns a fixture in another `ps` format into our `pid pcpu rss comm` lines (the
 * layout of `ps -Axo pid=,pcpu=,rss=,comm=`).
 *
 * - Header-aware: PID, %CPU, RSS and the command column are found by header name. The command
 *   column is COMM when present, else COMMAND/CMD/ARGS.
 * - Every column except the last is one whitespace-separated token (true for these fixtures:
 *   USER, TT, STAT, STARTED/STIME, TIME and the 16-char COMM hold no spaces); the last column
 *   takes the rest of the line, spaces included. Column offsets are not used, because long user
 *   names shift them (UptimeLogger fixture).
 * - A column the format lacks becomes "0" (-ef has no %CPU/RSS; the -o fixtures no RSS).
 * - %CPU is copied verbatim, so comma decimals reach the parser.
 * - `sortByCpu` orders the lines as `ps -r` does (busiest first).
 * - COMMAND/CMD/ARGS hold the whole command line, not just argv[0] as `comm` does; they are
 *   passed through unchanged, so the name assertions below use rows without arguments.
 */
export function toPidPcpuRssComm(text: string, sortByCpu = false): string {
  const [header, ...rows] = text.split("\n").filter((l) => l.trim() !== "");
  const cols = header.trim().split(/\s+/);
  const at = (name: string) => cols.indexOf(name);
  const cmd = at("COMM") >= 0 ? at("COMM") : Math.max(at("COMMAND"), at("CMD"), at("ARGS"));
  assert.ok(at("PID") >= 0 && cmd >= 0, `unusable header ${header}`);
  const lines = rows.map((row) => {
    const cells: string[] = [];
    let rest = row.trim();
    for (let i = 0; i < cols.length - 1; i++) {
      const m = /^(\S+)\s+/.exec(rest);
      assert.ok(m, `row has too few columns: ${row}`);
      cells.push(m[1]);
      rest = rest.slice(m[0].length);
    }
    cells.push(rest);
    const get = (i: number) => (i >= 0 ? cells[i] : "0");
    return `${get(at("PID")).padStart(5)} ${get(at("%CPU")).padStart(5)} ${
      get(at("RSS")).padStart(6)
    } ${get(cmd)}`;
  });
  // `ps -r` on macOS sorts by %CPU, descending
  const cpu = (line: string) => Number(line.trim().split(/\s+/)[1]);
  if (sortByCpu) lines.sort((x, y) => cpu(y) - cpu(x));
  return lines.join("\n") + "\n";
}

/** The capture's lines for `keys`, in that order: what `sysctl k1 k2 …` prints for them. */
export function linesFor(text: string, keys: readonly string[]): string {
  const lines = text.split("\n");
  return keys.map((k) => lines.find((l) => l.startsWith(k + ":"))).filter((l) => l !== undefined)
    .map((l) => l + "\n").join("");
}
