/**
 * watch: the live view (pure: control characters escaped, fitted to the terminal)
 * and the command as a real subprocess under the shipped client permission set
 * against real sockets (a socket owned by another user, hostile process names,
 * a listener that closes every connection at once).
 */
import assert from "node:assert/strict";
import type { ReceivedFrame } from "../../src/ipc/client.ts";
import {
  OutageLines,
  RecentFrames,
  renderView,
  screenUpdate,
  type WatchStats,
} from "../../src/cli/watch.ts";
import { cells } from "../../src/cli/fit.ts";
import { readingRows } from "../../src/cli/rows.ts";
import { jsonLine, printable } from "../../src/printable.ts";
import { formatSample, type SampleResult } from "../../src/cli/sample.ts";
import { withDir } from "../support/daemon.ts";
import { runWatch } from "../support/client_permissions.ts";
import { SCRIPT_SNAPSHOT, scriptedFrame, ScriptedListener } from "../support/scripted_listener.ts";
import { MomentumColor } from "../../src/momentum/momentum.ts";
import { EXTENDED_SNAPSHOT } from "../support/codec_fixtures.ts";
import { SOURCE_NAMES } from "../../src/metrics/source.ts";
import { readDoc } from "../docs/docs.ts";

/** A name that would clear the screen, retitle the window and recolour the terminal. */
const HOSTILE = "evil\x1b[2J\x1b]0;pwned\x07\x9b31m\x7f\x00end";
/** Any C0 control but newline, DEL or C1 control. */
// deno-lint-ignore no-control-regex -- finding control characters is the test
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

/** The view's own colour codes. */
// deno-lint-ignore no-control-regex -- the view's colour codes start with ESC
const COLOUR_CODE = /\x1b\[\d+m/g;

const stats: WatchStats = { fps: 25, latencyMs: 0.2, maxLatencyMs: 0.4, missed: 0 };

function received(names: string[]): ReceivedFrame {
  return {
    frame: {
      ...SCRIPT_SNAPSHOT,
      topProcesses: names.map((name, i) => ({ pid: 100 + i, name, cpuPercent: 5, memoryMb: 1 })),
      momentum: { color: MomentumColor.Active, intensity: 0.5, rotationSpeed: 1 },
      sequence: 7,
      sentAtUs: 1,
      startedAtUs: 1,
    },
    missed: 0,
    restarted: false,
    receivedAtUs: 2,
  };
}

Deno.test("printable escapes C0, DEL and C1 controls and leaves other text alone", () => {
  assert.equal(printable(HOSTILE), "evil\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m\\x7f\\x00end");
  assert.equal(printable("Überwachung ⚙️ 監視 😀"), "Überwachung ⚙️ 監視 😀");
  assert.equal(printable("a\nb\tc"), "a\\x0ab\\x09c");
});

/**
 * Format characters a name may hold: bidirectional overrides and isolates (U+202E shows
 * `gpj.exe` as `exe.jpg`), zero-width characters, the line and paragraph separators, a
 * BOM, the Arabic letter mark, a soft hyphen and a tag character past U+FFFF.
 */
const INVISIBLE = "gpj\u202e.exe \u2066a\u2069 z\u200bw\u200c\u200d\u200e\u200f \u2028\u2029" +
  " \ufeff\u061c\u00ad\u{e0041} ok";
/** Any format character, or a line or paragraph separator. */
const FORMAT = /[\u2028\u2029\p{Cf}]/u;
const INVISIBLE_SHOWN = "gpj\\u202e.exe \\u2066a\\u2069 z\\u200bw\\u200c\\u200d\\u200e\\u200f " +
  "\\u2028\\u2029 \\ufeff\\u061c\\xad\\u{e0041} ok";

Deno.test("printable escapes bidi, zero-width and other format characters; scripts, emoji stay", () => {
  assert.ok(FORMAT.test(INVISIBLE));
  assert.equal(printable(INVISIBLE), INVISIBLE_SHOWN);
  assert.doesNotMatch(printable(INVISIBLE), FORMAT);
  assert.equal(printable(printable(INVISIBLE)), INVISIBLE_SHOWN, "escaping twice adds nothing");
  assert.equal(
    printable("Überwachung ⚙️ 監視 😀 עברית العربية"),
    "Überwachung ⚙️ 監視 😀 עברית العربية",
  );
});

Deno.test("jsonLine escapes format characters too: still JSON, the same value", () => {
  const line = jsonLine({ name: INVISIBLE });
  assert.doesNotMatch(line, FORMAT);
  assert.ok(line.includes("gpj\\u202e.exe"), line);
  assert.ok(line.includes("\\udb40\\udc41"), "a character past U+FFFF as its surrogate pair");
  assert.deepEqual(JSON.parse(line), { name: INVISIBLE });
});

Deno.test("renderView and the sample table escape format characters in every name", () => {
  const frame = received([INVISIBLE]);
  frame.frame = {
    ...frame.frame,
    cpuCores: [10, 20],
    cpuCoreLevels: [{ name: INVISIBLE, firstCore: 0, cores: 1 }, {
      name: "E",
      firstCore: 1,
      cores: 1,
    }],
    network: { ...EXTENDED_SNAPSHOT.network!, interface: INVISIBLE },
  };
  const down = { state: "waiting" as const, path: "/tmp/x", reason: INVISIBLE, retryInMs: 100 };
  const view = renderView(frame, stats, down, `/tmp/\u202e.sock`, { ansi: false });
  assert.doesNotMatch(view, FORMAT);
  assert.ok(view.includes(INVISIBLE_SHOWN), view);
  assert.ok(view.includes("/tmp/\\u202e.sock"));
  const table = formatSample({
    snapshot: { ...frame.frame },
    machine: {
      os: "Linux",
      model: INVISIBLE,
      logicalCpus: 2,
      memoryTotal: 1024 ** 3,
      coreLevels: frame.frame.cpuCoreLevels,
    },
    sources: Object.fromEntries(
      SOURCE_NAMES.map((name) => [name, { samples: 1, ageMs: 0, error: null }]),
    ) as unknown as SampleResult["sources"],
  });
  assert.doesNotMatch(table, FORMAT);
  assert.ok(table.includes(INVISIBLE_SHOWN), table);
});

Deno.test("jsonLine escapes DEL and C1 too: still JSON, the same value", () => {
  const line = jsonLine({ name: HOSTILE });
  assert.doesNotMatch(line, CONTROL);
  assert.deepEqual(JSON.parse(line), { name: HOSTILE });
});

Deno.test("renderView escapes control characters in process names, the path and the daemon's reason", () => {
  const down = {
    state: "waiting" as const,
    path: "/tmp/x",
    reason: `bad stream: ${HOSTILE}`,
    retryInMs: 100,
  };
  for (const ansi of [false, true]) {
    const text = renderView(received([HOSTILE, "ok"]), stats, down, `/tmp/\x1b[8m.sock`, {
      ansi,
    });
    // Only the view's own colour codes may remain.
    assert.doesNotMatch(text.replace(COLOUR_CODE, ""), CONTROL);
    assert.ok(text.includes("evil\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m\\x7f\\x00end"), text);
    assert.ok(text.includes("/tmp/\\x1b[8m.sock"));
  }
});

Deno.test("renderView fits the terminal: the bars stay, process rows go from the bottom with … n more", () => {
  const names = Array.from({ length: 10 }, (_, i) => `proc-${i}`);
  const full = renderView(received(names), stats, null, "/tmp/s.sock", { ansi: false }).split("\n");
  assert.equal(full.length, 21, "11 lines of header and bars, 10 processes");
  assert.ok(!full.some((l) => l.includes("more")));

  const small = renderView(received(names), stats, null, "/tmp/s.sock", {
    ansi: false,
    rows: 15,
    columns: 80,
  }).split("\n");
  assert.equal(small.length, 15);
  assert.deepEqual(small.slice(0, 11), full.slice(0, 11), "title and bars unchanged");
  assert.match(small[11], /proc-0$/);
  assert.match(small[13], /proc-2$/);
  assert.equal(small[14], "… 7 more");

  // Exactly enough rows: nothing trimmed; one row fewer: the last two rows become "… 2 more".
  const exact = renderView(received(names), stats, null, "p", { ansi: false, rows: 21 });
  assert.equal(exact.split("\n").length, 21);
  assert.ok(!exact.includes("more"));
  const oneShort = renderView(received(names), stats, null, "p", { ansi: false, rows: 20 });
  assert.equal(oneShort.split("\n").at(-1), "… 2 more");

  // A tiny window keeps the top of the view without its blank lines, never more lines than it has.
  const tiny = renderView(received(names), stats, null, "p", { ansi: false, rows: 4 }).split("\n");
  assert.equal(tiny.length, 4);
  assert.match(tiny[1], /^CPU/);
});

Deno.test("renderView cuts lines to the terminal width so none wraps (colour codes take no room)", () => {
  const long = "x".repeat(200);
  const down = { state: "disconnected" as const, path: "p", reason: long, stable: false };
  for (const ansi of [false, true]) {
    const text = renderView(received([long]), stats, down, "p", { ansi, rows: 40, columns: 30 });
    for (const line of text.split("\n")) {
      const visible = line.replace(COLOUR_CODE, "");
      assert.ok([...visible].length <= 30, `${visible.length}: ${visible}`);
    }
    if (ansi) assert.ok(text.split("\n")[2].endsWith("\x1b[0m"), "a cut colour is reset");
  }
});

Deno.test("sample's table escapes control characters in names, machine facts and source errors", () => {
  const result: SampleResult = {
    snapshot: {
      ...SCRIPT_SNAPSHOT,
      topProcesses: [{ pid: 1, name: HOSTILE, cpuPercent: 1, memoryMb: 1 }],
    },
    machine: {
      os: "Linux",
      model: "M\x1b[5m",
      logicalCpus: 2,
      memoryTotal: 1024 ** 3,
      coreLevels: [],
    },
    sources: {
      cpu: { samples: 1, ageMs: 0, error: null },
      memory: { samples: 1, ageMs: 0, error: null },
      processes: { samples: 1, ageMs: 0, error: `bad line: ${HOSTILE}` },
      disk: { samples: 1, ageMs: 0, error: null },
      temperature: { samples: 0, ageMs: null, error: null },
    } as unknown as SampleResult["sources"],
  };
  const text = formatSample(result);
  assert.doesNotMatch(text, CONTROL);
  assert.ok(text.includes("evil\\x1b[2J"));
  assert.ok(text.includes("M\\x1b[5m"));
});

Deno.test("watch --json (client set) prints hostile names as escaped JSON, the same value", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/s.sock`;
    const frame = scriptedFrame({ run: 5, sequence: 1 }, {
      ...SCRIPT_SNAPSHOT,
      topProcesses: [{ pid: 9, name: HOSTILE, cpuPercent: 1, memoryMb: 1 }],
    });
    const listener = new ScriptedListener(path, [{ frames: [frame], keepOpen: true }]);
    try {
      const run = await runWatch(path, ["--json", "--count", "1"]);
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stdout.trim(), CONTROL);
      const json = JSON.parse(run.stdout);
      assert.equal(json.top_processes[0].name, HOSTILE);
      assert.equal(json.started_at_us, 5, "the run id is in the NDJSON");
      assert.deepEqual([json.cpu_cores, json.network, json.gpu_usage], [[], null, null]);
    } finally {
      await listener.close();
    }
  });
});

Deno.test("watch --json (client set) escapes format characters of names: the same value", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/s.sock`;
    const frame = scriptedFrame({ run: 5, sequence: 1 }, {
      ...EXTENDED_SNAPSHOT,
      topProcesses: [{ pid: 9, name: INVISIBLE, cpuPercent: 1, memoryMb: 1 }],
      cpuCoreLevels: [{ name: INVISIBLE, firstCore: 0, cores: 10 }],
      network: { ...EXTENDED_SNAPSHOT.network!, interface: INVISIBLE },
    });
    const listener = new ScriptedListener(path, [{ frames: [frame], keepOpen: true }]);
    try {
      const run = await runWatch(path, ["--json", "--count", "1"]);
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stdout, FORMAT);
      const json = JSON.parse(run.stdout);
      assert.equal(json.top_processes[0].name, INVISIBLE);
      assert.equal(json.cpu_core_levels[0].name, INVISIBLE);
      assert.equal(json.network.interface, INVISIBLE);
    } finally {
      await listener.close();
    }
  });
});

Deno.test({
  name: "watch (client set) refuses a socket owned by another user: one line, exit 1, no connect",
  ignore: Deno.uid() !== 0,
  async fn() {
    await withDir(async (dir) => {
      const path = `${dir}/s.sock`;
      const frame = scriptedFrame({ run: 5, sequence: 1 });
      const listener = new ScriptedListener(path, [{ frames: [frame], keepOpen: true }]);
      try {
        Deno.chownSync(path, 65534, 65534);
        const run = await runWatch(path, ["--json", "--count", "1"]);
        assert.equal(run.timedOut, false, "no retry loop");
        assert.equal(run.code, 1, run.stderr);
        const lines = run.stderr.trim().split("\n");
        assert.equal(lines.length, 1, run.stderr);
        assert.match(
          lines[0],
          /^opta-metrics: watch: socket .*s\.sock is owned by uid 65534, not by you \(uid 0\) or root: refusing to connect/,
        );
        assert.equal(run.stdout, "");
        assert.equal(listener.accepted, 0);
      } finally {
        await listener.close();
      }
    });
  },
});

Deno.test("watch (client set) against a listener that closes every connection at once backs off", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/s.sock`;
    const listener = new ScriptedListener(path, [{ frames: [] }]);
    try {
      // Deno's start-up takes part of the window; the backoff allows at most ~6 connects in 3 s.
      const run = await runWatch(path, ["--json"], 3000);
      assert.equal(run.timedOut, true, run.stderr);
      assert.ok(
        listener.accepted >= 1 && listener.accepted <= 8,
        `${listener.accepted} connects in 3 s`,
      );
      assert.match(run.stderr, /closed the connection before sending a frame; retrying/);
    } finally {
      await listener.close();
    }
  });
});

Deno.test("watch (client set) against a server sending one frame per connection: few connects, few lines", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/s.sock`;
    const listener = new ScriptedListener(path, [
      { frames: [scriptedFrame({ run: 5, sequence: 1 })] },
    ]);
    try {
      const run = await runWatch(path, ["--json"], 3000);
      assert.equal(run.timedOut, true, run.stderr);
      assert.ok(listener.accepted <= 8, `${listener.accepted} connects in 3 s`);
      const lines = run.stderr.trim().split("\n");
      assert.equal(new Set(lines).size, lines.length, `no line twice:\n${run.stderr}`);
      assert.ok(lines.length <= 3, run.stderr);
      assert.match(run.stderr, /closed the connection within 1000 ms of connecting; retrying/);
    } finally {
      await listener.close();
    }
  });
});

Deno.test("watch (client set) against a server sending garbage says each failed attempt in one line", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/s.sock`;
    const garbage = new TextEncoder().encode("\x00\x00\x00\x10garbagegarbage!!");
    const listener = new ScriptedListener(path, [{ frames: [garbage] }]);
    try {
      const run = await runWatch(path, ["--json"], 3000);
      assert.equal(run.timedOut, true, run.stderr);
      const reasons = run.stderr.trim().split("\n").filter((l) =>
        l.startsWith("watch: daemon down")
      )
        .map((l) => l.replace(/; retrying$/, ""));
      assert.match(run.stderr, /file identifier is "ageg", expected "OPTM" before sending a frame/);
      for (const a of reasons) {
        const longer = reasons.filter((b) => b !== a && b.startsWith(a));
        assert.deepEqual(longer, [], `the same failure twice:\n${run.stderr}`);
      }
    } finally {
      await listener.close();
    }
  });
});

Deno.test("RecentFrames: a steady 25 Hz reads 25 fps; when frames stop the rate falls to 0", () => {
  const recent = new RecentFrames();
  for (let at = 0; at <= 2000; at += 40) recent.add(at, at === 1600 ? 9 : 1);
  assert.deepEqual(recent.stats(2000), { fps: 25, latencyMs: 1, maxLatencyMs: 9 });
  assert.deepEqual(recent.stats(2700), { fps: 8, latencyMs: 1, maxLatencyMs: 1 });
  assert.deepEqual(recent.stats(3000), { fps: 0, latencyMs: 1, maxLatencyMs: 1 });
  assert.deepEqual(recent.stats(60_000), { fps: 0, latencyMs: 1, maxLatencyMs: 1 });
});

Deno.test("OutageLines: each line once per outage, a few at most, all again after a stable connection", () => {
  const lines = new OutageLines();
  const down = "watch: daemon down at /s: daemon closed the connection; retrying";
  const up = "watch: connected to /s";
  const printed = [up, down, up, down, up].flatMap((line) => lines.add(line));
  assert.deepEqual(printed, [up, down]);
  const varied = Array.from({ length: 20 }, (_, i) => lines.add(`watch: reason ${i}`)).flat();
  assert.equal(varied.length, 7, "six more reasons, then one notice, then nothing");
  assert.equal(varied.at(-1), "watch: more status lines held back until a connection stays up");
  lines.newOutage();
  assert.deepEqual(lines.add(down), [down]);
});

/** A laptop's frame: every appended reading present. */
function laptop(processes: number): ReceivedFrame {
  const r = received(Array.from({ length: processes }, (_, i) => `proc-${i}`));
  return { ...r, frame: { ...r.frame, ...EXTENDED_SNAPSHOT, topProcesses: r.frame.topProcesses } };
}

Deno.test("renderView shows each appended reading in its own row, with human units", () => {
  const lines = renderView(laptop(3), stats, null, "p", { ansi: false }).split("\n");
  const rowOf = (label: string) => lines.find((l) => l.startsWith(label.padEnd(12)));
  assert.equal(rowOf("  per core"), "  per core   P ▇▆▅▄▃▂▁▁  E ▁ ");
  assert.equal(rowOf("Load"), "Load         3.50  2.25  1.75");
  assert.equal(rowOf("Swap"), "Swap         1.0 GiB of 4.0 GiB");
  assert.equal(rowOf("Pressure"), "Pressure     warning");
  assert.equal(rowOf("Disk I/O"), "Disk I/O     read 4.0 MiB/s  write 1.0 MiB/s");
  assert.equal(rowOf("Network"), "Network      en0  ↓ 1.2 MiB/s  ↑ 61.0 KiB/s");
  assert.equal(rowOf("Battery"), "Battery      81.5 %  discharging  4:07 left");
  assert.match(rowOf("GPU")!, /^GPU +█+░+ +18\.8 %$/);
  // The seed's frame (no appended reading) has none of these rows.
  const seed = renderView(received(["a"]), stats, null, "p", { ansi: false });
  for (const label of ["  per core", "Load", "Swap", "Pressure", "Disk I/O", "Network", "GPU"]) {
    assert.ok(!seed.includes(`\n${label.padEnd(12)}`), label);
  }
});

Deno.test("renderView on a short terminal: processes go first, then thermal, GPU, swap… per-core last", () => {
  const full = renderView(laptop(10), stats, null, "p", { ansi: false }).split("\n");
  assert.equal(full.length, 30, "11 seed lines, 9 appended rows, 10 processes");
  const labels = (rows: number) =>
    renderView(laptop(10), stats, null, "p", { ansi: false, rows }).split("\n")
      .map((l) => l.slice(0, 12).trim());
  const at = (rows: number) => labels(rows).filter((l) => l !== "");
  // 21 rows: every appended row and one line for the processes ("… 10 more").
  assert.equal(labels(21).length, 21);
  assert.ok(at(21).includes("Thermal"));
  assert.equal(labels(21).at(-1), "… 10 more");
  // One row fewer: thermal goes (the laptop's is "not reported").
  assert.ok(!at(20).includes("Thermal") && at(20).includes("GPU"));
  assert.equal(labels(20).at(-1), "… 10 more");
  // One row fewer: GPU goes, the processes keep their one line; then swap, battery, load.
  assert.ok(!at(19).includes("GPU") && at(19).includes("Swap"));
  assert.equal(labels(19).at(-1), "… 10 more");
  assert.ok(!at(18).includes("Swap") && at(18).includes("Battery"));
  assert.ok(!at(17).includes("Battery") && at(17).includes("Load"));
  assert.ok(!at(16).includes("Load") && at(16).includes("Pressure"));
  for (const rows of [12, 13, 14, 15, 16, 17]) {
    const shown = labels(rows);
    assert.equal(shown.length, rows);
    for (const bar of ["CPU", "Memory", "Disk (/)", "Temperature", "Momentum"]) {
      assert.ok(shown.includes(bar), `${bar} stays at ${rows} rows`);
    }
  }
  assert.ok(at(13).includes("per core") && !at(13).includes("Network"), "per-core goes last");
  assert.ok(!at(12).includes("per core"));
  for (
    const line of renderView(laptop(10), stats, null, "p", { rows: 14, columns: 24 }).split("\n")
  ) {
    assert.ok([...line.replace(COLOUR_CODE, "")].length <= 24, line);
  }
});

/** A laptop's frame with the widest text each row can have. */
function widest(): ReceivedFrame {
  const r = laptop(3);
  const kib = 1023.9 * 1024;
  return {
    ...r,
    frame: {
      ...r.frame,
      cpuUsage: 100,
      memoryUsage: 100,
      memoryTotal: 1024 ** 4,
      diskUsage: 100,
      gpuUsage: 100,
      temperature: 105.5,
      loadAverage: { one: 100.25, five: 99.5, fifteen: 98.75 },
      network: {
        ...EXTENDED_SNAPSHOT.network!,
        interface: "wlp0s20f3",
        receiveBytesPerSecond: kib,
        sendBytesPerSecond: kib,
      },
      diskIo: { ...EXTENDED_SNAPSHOT.diskIo!, readBytesPerSecond: kib, writeBytesPerSecond: kib },
      battery: { percent: 100, state: "not-charging", onAc: true, minutesRemaining: 600 },
      momentum: { color: MomentumColor.Critical, intensity: 1, rotationSpeed: 3 },
    },
  };
}

/** Whether `shown` is `text` whole: as it is, its parts one space apart, or its first parts and `…`. */
function whole(shown: string, text: string): boolean {
  const parts = text.split(/ {2,}/);
  return shown === text || shown === parts.join(" ") ||
    parts.some((_, k) => k > 0 && shown === `${parts.slice(0, k).join(" ")} …`);
}

Deno.test("renderView keeps every number and unit whole: the bars shrink, then go, before a number", () => {
  const frame = widest();
  const bars: number[] = [];
  for (let columns = 34; columns <= 200; columns++) {
    const lines = renderView(frame, stats, null, "p", { ansi: false, columns }).split("\n");
    for (const line of renderView(frame, stats, null, "p", { columns }).split("\n")) {
      assert.ok(cells(line) <= columns, `${columns}: ${line}`);
    }
    const barsHere = new Set<number>();
    for (const row of readingRows(frame.frame)) {
      const line = lines.find((l) => l.startsWith(`${row.label.padEnd(12)} `))!;
      assert.ok(line, `${columns}: ${row.label} shows`);
      const bar = line.slice(13).match(/^[█░]*/)![0].length;
      if (row.gauge !== null) barsHere.add(bar);
      const shown = line.slice(13 + bar).trimStart();
      // A bar row's text is whole from 34 columns; from 60, every row's text is.
      assert.ok(
        row.gauge !== null || columns >= 60 ? shown === row.text : whole(shown, row.text!),
        `${columns}: ${line}`,
      );
    }
    assert.equal(barsHere.size, 1, `${columns}: one bar width`);
    bars.push(...barsHere);
  }
  // 34 to 200 columns: no bar while a bar row's text leaves under five cells, then one
  // growing with the width up to 30.
  assert.deepEqual(bars.slice(0, 6), [0, 0, 0, 0, 0, 0]);
  assert.deepEqual(bars.slice(6, 12), [5, 6, 7, 8, 9, 10]);
  assert.ok(bars.every((b, i) => i === 0 || b >= bars[i - 1]));
  assert.equal(bars.at(-1), 30);
  // The screens: at 60 columns the memory total has its unit; at 40, CPU its percentage.
  const at = (columns: number, label: string) =>
    renderView(laptop(3), stats, null, "p", { ansi: false, columns }).split("\n")
      .find((l) => l.startsWith(label))!;
  assert.match(at(60, "Memory"), /^Memory {7}█+░+ {2}63\.3 % of 16\.0 GiB$/);
  assert.match(at(40, "CPU"), /^CPU {10}█+░+ {2}42\.5 %$/);
  assert.equal(at(40, "Momentum"), "Momentum     active intensity 0.50 …");
});

Deno.test("the footer: latency and the worst in the last second, each value whole at any width", () => {
  const busy: WatchStats = { fps: 25, latencyMs: 123.456, maxLatencyMs: 999.994, missed: 12345 };
  const frame = received(["a"]);
  frame.frame = { ...frame.frame, sequence: 1234567 };
  const footer = (columns: number, s = stats) => {
    const lines = renderView(frame, s, null, "p", { ansi: false, columns }).split("\n");
    const at = lines.findIndex((l) => l.startsWith("frame #"));
    return lines.slice(at, lines.indexOf("", at));
  };
  assert.deepEqual(footer(200), [
    "frame #1234567  25 fps  missed 0  latency 0.20 ms, worst 0.40 ms in the last second",
  ]);
  assert.deepEqual(footer(80), [
    "frame #1234567  25 fps  missed 0  latency 0.20 ms, worst 0.40 ms in 1 s",
  ]);
  assert.deepEqual(footer(40), [
    "frame #1234567  25 fps  missed 0",
    "latency 0.20 ms, worst 0.40 ms in 1 s",
  ]);
  for (let columns = 25; columns <= 200; columns++) {
    const lines = footer(columns, busy);
    for (const line of lines) assert.ok(cells(line) <= columns, `${columns}: ${line}`);
    assert.match(
      lines.join("  "),
      /^frame #1234567 {2}25 fps {2}missed 12345 {2}latency 123\.46 ms,? {1,2}worst 999\.99 ms in (?:the last second|1 s)$/,
      `${columns}`,
    );
  }
});

Deno.test("renderView at 40×10: the title, the rank-0 rows with narrow bars, the whole footer", () => {
  const view = renderView(laptop(10), stats, null, "/tmp/a-long-directory/opta-metrics.sock", {
    ansi: false,
    rows: 10,
    columns: 40,
  });
  assert.equal(
    view,
    [
      "opta-metrics watch · …/opta-metrics.sock",
      "",
      "CPU          ███░░░░  42.5 %",
      "Memory       ████░░░  63.3 % of 16.0 GiB",
      "Disk (/)     █████░░  77.8 %",
      "Temperature  61.5 °C",
      "Momentum     active intensity 0.50 …",
      "",
      "frame #7  25 fps  missed 0",
      "latency 0.20 ms, worst 0.40 ms in 1 s",
    ].join("\n"),
  );
  // Two rows fewer: the blank lines go before anything else.
  assert.deepEqual(
    renderView(laptop(10), stats, null, "p", { ansi: false, rows: 8, columns: 40 }).split("\n")
      .filter((l) => l === ""),
    [],
  );
});

Deno.test("screenUpdate overwrites in place inside one synchronized update: no clear, no scroll", () => {
  const update = screenUpdate("ab\ncdef\ng", { rows: 5, columns: 4 });
  assert.equal(
    update,
    // Home; each line erases the rest of its row but a full one; below the view is erased.
    "\x1b[?2026h\x1b[H" + "ab\x1b[K\r\n" + "cdef\r\n" + "g\x1b[K\r\n\x1b[J" + "\x1b[?2026l",
  );
  assert.ok(!update.includes("\x1b[2J"), "the screen is never cleared");
  // A view as tall as the screen: no newline after its bottom line, nothing below to erase.
  assert.equal(
    screenUpdate("ab\nc", { rows: 2, columns: 2 }),
    "\x1b[?2026h\x1b[Hab\r\nc\x1b[K\x1b[?2026l",
  );
  // Colour codes take no room: a coloured line as wide as the screen is full.
  assert.ok(!screenUpdate("\x1b[31mab\x1b[0m", { rows: 1, columns: 2 }).includes("\x1b[K"));
});

/** The kinds of line a window of `columns`×`rows` shows, for docs/cli.md's tiny windows. */
function kept(columns: number, rows: number): string[] {
  return renderView(received([]), stats, null, "/run/s.sock", { columns, rows, ansi: false })
    .split("\n").filter((l) => l !== "").map((l) =>
      l.startsWith("opta-metrics watch") ? "title" : l.startsWith("frame #") ? "footer" : l
    ).map((l) =>
      /^(title|footer|CPU|Memory|Disk \(\/\)|Temperature|Momentum)(?= |$)/.exec(l)?.[1] ?? l
    );
}

Deno.test("renderView on a tiny window: the kept rows and footer fit at 80×7, else cut from the bottom", () => {
  const all = ["title", "CPU", "Memory", "Disk (/)", "Temperature", "Momentum", "footer"];
  assert.deepEqual(kept(80, 7), all);
  assert.deepEqual(kept(80, 6), all.slice(0, 6), "the footer goes first");
  assert.deepEqual(kept(20, 5), all.slice(0, 5), "then the momentum");
  assert.match(
    readDoc("docs/cli.md").replace(/\s+/g, " "),
    /at 20×5: the title, CPU, memory, disk and temperature/,
    "docs/cli.md says so",
  );
});
