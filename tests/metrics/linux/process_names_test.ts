/**
 * Processes that rename themselves (`prctl(PR_SET_NAME)`, what any local user can do)
 * to every kind of name the kernel allows: empty, spaces only, leading and trailing
 * spaces, 15 bytes, control characters, bytes that are not UTF-8. Read through the
 * real procps `top` and through the processes source the daemon runs, each must be
 * listed under its name, and no name may hide the others.
 */
import assert from "node:assert/strict";
import { linuxPlatform, topArgs } from "../../../src/metrics/linux/platform.ts";
import { TopStream } from "../../../src/metrics/linux/top.ts";
import { Sampler } from "../../../src/metrics/sampler.ts";
import type { ProcessSample } from "../../../src/metrics/types.ts";
import { exists } from "../../support/host.ts";
import { stdoutOf } from "../../support/procs.ts";
import { waitFor } from "../../support/wait.ts";
import { HOSTILE_NAMES } from "../../support/process_names.ts";

const PYTHON = "/usr/bin/python3";
const TOP = "/usr/bin/top";
const ready = Deno.build.os === "linux" && exists(PYTHON) && exists(TOP);

/** Renames itself to the bytes given in hex, then spins until killed. */
const BURNER = "import ctypes, os, sys\n" +
  "ctypes.CDLL(None).prctl(15, ctypes.c_char_p(bytes.fromhex(sys.argv[1])), 0, 0, 0)\n" +
  "os.nice(5)\n" +
  "while True:\n    pass\n";

/** The names, as bytes; the kernel keeps the first 15 of each. */
const NAMES: Uint8Array[] = [...HOSTILE_NAMES, "sixteen-bytes-xx"].map((text) =>
  new TextEncoder().encode(text)
).concat([
  new Uint8Array([0xff, 0xfe, 0x41, 0xc3]), // not UTF-8
  new Uint8Array([0x20, 0x80, 0x9b, 0x20]), // C1 bytes between spaces
]);

/** What procps top prints for a comm under LC_ALL=C: '.' for a control byte, '?' past ASCII. */
function asTopShows(comm: Uint8Array): string {
  const shown = Array.from(
    comm,
    (b) => b < 0x20 || b === 0x7f ? "." : b > 0x7f ? "?" : String.fromCharCode(b),
  );
  return shown.join("").trimEnd(); // top prints no trailing space
}

interface Burner {
  pid: number;
  comm: Uint8Array;
  child: Deno.ChildProcess;
}

/** Starts one renamed burner per name; each is running under its new name when this resolves. */
async function startBurners(): Promise<Burner[]> {
  const burners: Burner[] = [];
  for (const name of NAMES) {
    const hex = Array.from(name, (b) => b.toString(16).padStart(2, "0")).join("");
    const child = new Deno.Command(PYTHON, {
      args: ["-c", BURNER, hex],
      stdin: "null",
      stdout: "null",
      stderr: "inherit",
    }).spawn();
    const pid = child.pid;
    const expected = name.subarray(0, 15); // the kernel keeps the first 15 bytes
    const commOf = () => Deno.readFileSync(`/proc/${pid}/comm`).subarray(0, -1); // its newline
    await waitFor(
      () => commOf().join() === expected.join(),
      5000,
      `pid ${pid} renamed`,
    );
    const comm = commOf();
    burners.push({ pid, comm, child });
  }
  return burners;
}

async function stopBurners(burners: Burner[]): Promise<void> {
  for (const { child } of burners) {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone already
    }
    await child.status;
  }
}

/** Asserts each burner is listed once, under its name as top shows it. */
function assertListed(rows: readonly ProcessSample[], burners: readonly Burner[]): void {
  for (const { pid, comm } of burners) {
    const found = rows.filter((r) => r.pid === pid);
    assert.equal(found.length, 1, `pid ${pid} (${JSON.stringify(asTopShows(comm))}) listed once`);
    assert.equal(found[0].name, asTopShows(comm), `pid ${pid}`);
  }
}

Deno.test({
  name: "process names: every name a process can give itself parses through the real top",
  ignore: !ready,
  async fn() {
    const burners = await startBurners();
    try {
      const args = ["-b", "-n", "1", "-w", "512", "-o", "%CPU", "-e", "k"];
      const lines = (await stdoutOf(TOP, args)).split("\n");
      const stream = new TopStream(100_000);
      for (const line of lines) stream.line(line);
      const rows = stream.end();
      assert.ok(rows !== null && rows.length > burners.length);
      assertListed(rows, burners);
      assert.ok(rows.some((r) => r.name === "top"), "the others are listed too");
    } finally {
      await stopBurners(burners);
    }
  },
});

Deno.test({
  name: "process names: the processes source lists renamed busy processes and keeps working",
  ignore: !ready,
  async fn() {
    const burners = await startBurners();
    const platform = linuxPlatform();
    const facts = await platform.facts();
    const source = platform.sources(facts, { top: 100 }).filter((s) => s.name === "processes");
    const sampler = new Sampler(source, { cadences: { processes: 500 } });
    try {
      sampler.start();
      // A refresh that lists every burner: each spins, so each is among the busiest 100.
      await waitFor(
        () =>
          burners.every(({ pid }) => sampler.snapshot().topProcesses.some((p) => p.pid === pid)),
        8000,
        "a refresh listing every renamed process",
      );
      assertListed(sampler.snapshot().topProcesses, burners);
      const health = sampler.health().processes;
      assert.equal(health.error, null);
      assert.equal(health.failures, 0);
      assert.deepEqual(topArgs(500).slice(0, 2), ["-b", "-d"]);
    } finally {
      await sampler.stop();
      await stopBurners(burners);
    }
  },
});
