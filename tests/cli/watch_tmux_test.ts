/**
 * watch on real terminals: tmux windows of 40×10, 60×15, 80×24 and 200×60 running
 * `watch` under the shipped client set against a real daemon under its shipped
 * set, captured as tmux shows them. Every visible row's numbers and units are whole,
 * no line is wider than the window, the bars shrink before a number goes, the
 * footer's values are all there, and a redraw leaves nothing of the one before.
 */
import assert from "node:assert/strict";
import { startDaemon, withDir } from "../support/daemon.ts";
import { watchCommand } from "../support/client_permissions.ts";
import { TMUX, Tmux } from "../support/tmux.ts";
import { poll } from "../support/wait.ts";
import { SCRIPT_SNAPSHOT, scriptedFrame } from "../support/scripted_listener.ts";
import { writeAll } from "../../src/cli/write_all.ts";

const BYTES = String.raw`\d+(?:\.\d)? (?:B|KiB|MiB|GiB|TiB|PiB)`;
const PERCENT = String.raw`\d{1,3}\.\d %`;
const BAR = "(?:[█░]+ +)?";

/**
 * Each row a screen may show, whole: its numbers with their units, at most its
 * trailing parts left out (marked `…`), never a number or unit cut.
 */
const ROWS: readonly RegExp[] = [
  new RegExp(`^CPU {10}${BAR} *${PERCENT}$`),
  /^ {2}per core {3}[A-Z?]? ?[ ▁▂▃▄▅▆▇█]*(?: {1,2}[A-Z?] [ ▁▂▃▄▅▆▇█]*)*(?: …)?$/,
  /^Load {9}\d+\.\d\d(?: {1,2}\d+\.\d\d){2}$|^Load {9}\d+\.\d\d(?: \d+\.\d\d)? …$/,
  new RegExp(`^Memory {7}${BAR} *${PERCENT} of \\d+\\.\\d GiB$`),
  new RegExp(`^Swap {9}(?:none configured|${BYTES} of ${BYTES})$`),
  /^Pressure {5}(?:normal|warning|critical)$/,
  new RegExp(`^Disk \\(/\\) {5}${BAR} *${PERCENT}$`),
  new RegExp(`^Disk I/O {5}read ${BYTES}/s(?: {1,2}write ${BYTES}/s| …)$`),
  new RegExp(`^Network {6}\\S+(?: {1,2}↓ ${BYTES}/s(?: {1,2}↑ ${BYTES}/s| …)| …)$`),
  new RegExp(
    `^Battery {6}${PERCENT}(?: {1,2}[a-z-]+(?: {1,2}\\d+:\\d\\d (?:left|to full))?` +
      `(?: {1,2}on AC)?)?(?: …)?$`,
  ),
  new RegExp(`^GPU {10}${BAR} *${PERCENT}$`),
  /^Temperature {2}(?:—|-?\d+\.\d °C)$/,
  /^Momentum {5}(?:idle|active|critical)(?: +intensity \d\.\d\d(?: {1,2}rotation \d+\.\d\d\/s| …)| …)$/,
];
const FOOTER =
  /^frame #\d+ {2}\d+ fps {2}missed \d+ {2}latency \d+\.\d\d ms, worst \d+\.\d\d ms in (?:the last second|1 s)$/;
const PROCESS = /^ *\d+ +\d+\.\d +\d+\.\d {2}\S.*$|^… \d+ more$/;

/** What is wrong with a captured screen of `columns`×`rows` (none: it is right), and its bars' width. */
function check(
  screen: string[],
  joined: string[],
  columns: number,
): { problems: string[]; bar: number } {
  const problems: string[] = [];
  // A line wider than the window wraps onto the next row: joined, it shows as one.
  if (screen.join("\n") !== joined.join("\n")) problems.push("a line wrapped");
  for (const line of screen) {
    if ([...line].length > columns) problems.push(`wider than ${columns}: ${line}`);
  }
  if (!screen[0].startsWith("opta-metrics watch · ")) problems.push(`title gone: ${screen[0]}`);
  const footAt = screen.findIndex((l) => l.startsWith("frame #"));
  if (footAt < 0) return { problems: [...problems, "no footer"], bar: 0 };
  const readings = screen.slice(1, footAt).filter((l) => l !== "");
  for (const line of readings) {
    if (!ROWS.some((row) => row.test(line))) problems.push(`row not whole: ${line}`);
  }
  for (const label of ["CPU", "Memory", "Disk (/)", "Temperature", "Momentum"]) {
    if (!readings.some((l) => l.startsWith(`${label} `))) problems.push(`no ${label} row`);
  }
  const rest = screen.slice(footAt);
  const end = rest.findIndex((l) => l === "" || l.includes("PID"));
  const foot = rest.slice(0, end < 0 ? rest.length : end).join("  ");
  if (!FOOTER.test(foot)) problems.push(`footer not whole: ${foot}`);
  const header = screen.findIndex((l) => l === "    PID   CPU %   MEM MiB  NAME");
  if (header >= 0) {
    for (const line of screen.slice(header + 1).filter((l) => l !== "")) {
      if (!PROCESS.test(line)) problems.push(`process line not whole: ${line}`);
    }
  }
  const bars = new Set(
    readings.filter((l) => /^(?:CPU|Memory|Disk \(\/\)|GPU) /.test(l))
      .map((l) => l.match(/[█░]+/)?.[0].length ?? 0),
  );
  if (bars.size > 1) problems.push(`bars of different widths: ${[...bars]}`);
  return { problems, bar: [...bars][0] ?? 0 };
}

/** Waits for window `name` to show a screen without problems; fails with the last one's. */
async function rightScreen(
  tmux: Tmux,
  name: string,
  columns: number,
  also: (screen: string[], bar: number) => string[] = () => [],
): Promise<{ screen: string[]; bar: number }> {
  let last = { screen: [] as string[], problems: ["nothing captured"], bar: 0 };
  const ok = await poll(async () => {
    const screen = await tmux.capture(name);
    const { problems, bar } = check(screen, await tmux.capture(name, true), columns);
    last = { screen, problems: [...problems, ...also(screen, bar)], bar };
    return last.problems.length === 0;
  }, 20_000);
  assert.ok(ok, `${name}:\n${last.problems.join("\n")}\n---\n${last.screen.join("\n")}`);
  return last;
}

const SIZES = [[40, 10], [60, 15], [80, 24], [200, 60]] as const;

Deno.test({
  name: "watch in tmux at 40×10, 60×15, 80×24, 200×60 (real daemon): numbers whole, bars shrink",
  ignore: TMUX === null,
  async fn() {
    await withDir(async (dir) => {
      const socket = `${dir}/s.sock`;
      const daemon = await startDaemon(socket);
      const tmux = new Tmux(`${dir}/tmux.sock`);
      try {
        for (const [columns, rows] of SIZES) {
          await tmux.start(`w${columns}`, columns, rows, watchCommand(socket));
        }
        const bars = new Map<number, number>();
        for (const [columns, rows] of SIZES) {
          const { screen, bar } = await rightScreen(tmux, `w${columns}`, columns);
          assert.ok(screen.filter((l) => l !== "").length <= rows);
          bars.set(columns, bar);
          if (rows >= 24) assert.ok(screen.some((l) => PROCESS.test(l)), screen.join("\n"));
        }
        // The bars give way first: narrower at 60 columns, narrower still at 40, yet there.
        assert.equal(bars.get(200), 30);
        assert.equal(bars.get(80), 30);
        assert.ok(
          bars.get(60)! < 30 && bars.get(40)! < bars.get(60)! && bars.get(40)! > 0,
          [
            ...bars,
          ].join(" "),
        );
        // A window made smaller is redrawn in place with nothing left of the wider view.
        await tmux.resize("w200", 60, 15);
        await rightScreen(
          tmux,
          "w200",
          60,
          (_, bar) => bar === bars.get(60) ? [] : ["not redrawn"],
        );
      } finally {
        await tmux.close();
        await daemon.kill();
      }
    });
  },
});

/** A frame of the scripted listener with these process names. */
function frameOf(sequence: number, names: string[]): Uint8Array {
  return scriptedFrame({ run: 5, sequence }, {
    ...SCRIPT_SNAPSHOT,
    memoryUsage: 100,
    memoryTotal: 1024 ** 4,
    topProcesses: names.map((name, i) => ({
      pid: 4_000_000 + i,
      name,
      cpuPercent: 1,
      memoryMb: 1,
    })),
  });
}

/** A name that would clear the screen and retitle the window. */
const HOSTILE = "evil\x1b[2J\x1b]0;pwned\x07end";
/** Names of two cells a character. */
const WIDE = "監視監視監視監視監視監視監視監視";

/**
 * Runs `watch` under the client set in tmux window "w" of `columns`×24 against a bare
 * listener, then `fn` with the window and the one connection watch made to it.
 */
async function withWatchInTmux(
  columns: number,
  fn: (tmux: Tmux, conn: Deno.UnixConn) => Promise<void>,
): Promise<void> {
  await withDir(async (dir) => {
    const socket = `${dir}/s.sock`;
    const listener = Deno.listen({ transport: "unix", path: socket });
    const tmux = new Tmux(`${dir}/tmux.sock`);
    try {
      await tmux.start("w", columns, 24, watchCommand(socket));
      const conn = await listener.accept();
      try {
        await fn(tmux, conn);
      } finally {
        conn.close();
      }
    } finally {
      await tmux.close();
      listener.close();
    }
  });
}

Deno.test({
  name:
    "watch in tmux (client set): a shorter view leaves nothing behind, a resize redraws, wide names fit",
  ignore: TMUX === null,
  fn: () =>
    withWatchInTmux(40, async (tmux, conn) => {
      const names = [HOSTILE, WIDE, ...Array.from({ length: 8 }, (_, i) => `proc-${i}`)];
      await writeAll(conn, frameOf(1, names));
      const many = await rightScreen(
        tmux,
        "w",
        40,
        (screen) => screen.some((l) => l.endsWith("proc-7")) ? [] : ["not all processes yet"],
      );
      assert.ok(
        many.screen.some((l) => l.includes("  evil\\x1b[2J\\")),
        "escaped, not acted on",
      );
      assert.ok(many.screen.some((l) => /監視…$/.test(l)), "the wide name cut, marked");
      assert.ok(many.screen.some((l) => /100\.0 % of 1024\.0 GiB$/.test(l)));
      await writeAll(conn, frameOf(2, ["only"]));
      const one = await rightScreen(
        tmux,
        "w",
        40,
        (screen) => screen.some((l) => l.endsWith("only")) ? [] : ["not redrawn"],
      );
      const last = one.screen.findLastIndex((l) => l !== "");
      assert.match(
        one.screen[last],
        /only$/,
        `rows below the view are blank:\n${one.screen.join("\n")}`,
      );
      // No frame comes any more: a resized window is redrawn all the same.
      await tmux.resize("w", 80, 24);
      await rightScreen(tmux, "w", 80, (_, bar) => bar === 30 ? [] : ["not redrawn"]);
    }),
});

Deno.test({
  name: "watch in tmux (client set): when frames stop coming, the footer's rate falls to 0 fps",
  ignore: TMUX === null,
  fn: () =>
    withWatchInTmux(80, async (tmux, conn) => {
      for (let sequence = 1; sequence <= 3; sequence++) {
        await writeAll(conn, frameOf(sequence, ["only"]));
      }
      // The connection stays open and silent, as a daemon stopped with SIGSTOP.
      let screen: string[] = [];
      const stopped = await poll(async () => {
        screen = await tmux.capture("w");
        return screen.some((l) => /^frame #3 {2}0 fps /.test(l));
      }, 10_000);
      assert.ok(stopped, `the rate of a stream that stopped:\n${screen.join("\n")}`);
    }),
});
