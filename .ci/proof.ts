/**
 * The proof a CI runner gives that every source works on its platform, run against the
 * daemon as shipped (the compiled binary, or `deno run -P=serve-<os> src/main.ts` here):
 *
 * 1. `sample --json`: every source the platform has reports `ok`; every value within the range
 *    its declaration gives (PROTOCOL.md, "Values out of range"); per-core count, memory (±2
 *    points), the network's interface, and whether battery, GPU, disk I/O and thermal are
 *    present, each against the machine read without the daemon (`.ci/proof_checks.ts`).
 * 2. `serve` with a `stats` line every 5 s and `watch --json` at 25 Hz for a minute: no gap
 *    in the sequence, no source failing, and the spawns the daemon counted within the budget
 *    (1 a second on macOS, 1.2 on Linux).
 * 3. What one run of each tool the sources spawn costs in CPU (`/usr/bin/time -p` over 20
 *    runs): printed and saved, not asserted.
 *
 * Everything read is saved in DIR (sample.json, stats.jsonl, tool-cost.txt, summary.txt) for
 * the workflow to upload. Exits 1 with one line per failure.
 *
 *   deno run -A .ci/proof.ts DIR -- COMMAND…
 *
 * (`-A`: Deno grants reads of /proc and /sys, where the Linux facts come from, only with it.)
 *
 * @module
 */

import {
  checkRanges,
  checkSample,
  checkSequence,
  checkSpawns,
  type Machine,
  type StatsLine,
} from "./proof_checks.ts";
import { memoryPercent, readMachine, toolCosts } from "./proof_machine.ts";

const [dir, separator, ...command] = Deno.args;
if (!dir || separator !== "--" || command.length === 0) {
  console.error("usage: proof.ts DIR -- COMMAND… (the daemon: a binary, or deno run … main.ts)");
  Deno.exit(2);
}
Deno.mkdirSync(dir, { recursive: true });
const os = Deno.build.os;
const BUDGET = os === "darwin" ? 1 : 1.2;
const WINDOW_MS = 60_000;
const failures: string[] = [];
const decoder = new TextDecoder();

function spawn(args: string[], stdout: "piped" | "null", stderr: "piped" | "null") {
  return new Deno.Command(command[0], {
    args: [...command.slice(1), ...args],
    stdin: "null",
    stdout,
    stderr,
  })
    .spawn();
}

/** Lines of a stream, each with its arrival time, handed to `onLine` until the stream ends. */
async function eachLine(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string, at: number) => void,
) {
  let rest = "";
  for await (const chunk of stream) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = lines.pop()!;
    for (const line of lines) onLine(line, performance.now());
  }
}

// 1. The machine, read without the daemon, and one sample.
const machine: Machine = await readMachine(os);
console.log("machine:", JSON.stringify(machine));
const sampleRun = await new Deno.Command(command[0], {
  args: [...command.slice(1), "sample", "--json"],
  stdin: "null",
}).output();
const sampleText = decoder.decode(sampleRun.stdout);
Deno.writeTextFileSync(`${dir}/sample.json`, sampleText);
if (sampleRun.code !== 0) {
  failures.push(`sample exited ${sampleRun.code}: ${decoder.decode(sampleRun.stderr)}`);
} else {
  const around = { ...machine, memoryPercent: [...machine.memoryPercent, await memoryPercent(os)] };
  const sample = JSON.parse(sampleText);
  failures.push(...checkSample(sample, around), ...checkRanges(sample));
}

// 2. The daemon, watched for a minute at 25 Hz.
const daemon = spawn(["serve", "--stats-interval", "5s", "--log-format", "json"], "null", "piped");
const stats: StatsLine[] = [];
let socket: string | null = null;
const daemonLog = eachLine(daemon.stderr, (line, at) => {
  Deno.writeTextFileSync(`${dir}/daemon.jsonl`, line + "\n", { append: true });
  const fields = /^\{/.test(line) ? JSON.parse(line) : null;
  if (fields?.event === "listening") socket = fields.socket;
  if (fields?.event === "stats") stats.push({ at, fields });
});
for (let i = 0; i < 100 && socket === null; i++) await new Promise((r) => setTimeout(r, 100));
if (socket === null) failures.push("the daemon did not say it was listening within 10 s");

const sequences: number[] = [];
let connectedAt = Infinity;
const watch = spawn(["watch", "--json"], "piped", "null");
const watching = eachLine(watch.stdout, (line, at) => {
  if (line === "") return;
  connectedAt = Math.min(connectedAt, at);
  sequences.push(JSON.parse(line).sequence);
});
// Stats lines while the client is connected, until two are a minute apart (at most 80 s).
const watched = () => stats.filter((s) => s.at > connectedAt);
const deadline = performance.now() + 80_000;
while (performance.now() < deadline) {
  const lines = watched();
  if (lines.length > 0 && lines.at(-1)!.at - lines[0].at >= WINDOW_MS) break;
  await new Promise((r) => setTimeout(r, 250));
}
watch.kill("SIGTERM");
await Promise.all([watch.status, watching]);
daemon.kill("SIGTERM");
const daemonStatus = await daemon.status;
await daemonLog;
if (daemonStatus.code !== 0) failures.push(`the daemon exited ${daemonStatus.code} after SIGTERM`);
Deno.writeTextFileSync(
  `${dir}/stats.jsonl`,
  stats.map((s) => JSON.stringify(s.fields)).join("\n") + "\n",
);

failures.push(...checkSequence(sequences, 0.8 * 25 * (WINDOW_MS / 1000)));
const spawned = checkSpawns(watched(), WINDOW_MS, BUDGET, os);
failures.push(...spawned.failures);

// 3. What each tool costs, for BENCHMARKS (not asserted).
const costs = await toolCosts(os);
Deno.writeTextFileSync(`${dir}/tool-cost.txt`, costs);

const summary = [
  `${os}: ${sequences.length} frames, sequence ${sequences[0]}…${sequences.at(-1)}`,
  `spawns: ${spawned.spawns} in ${spawned.seconds.toFixed(1)} s ` +
  `(${(spawned.spawns / spawned.seconds).toFixed(2)}/s, budget ${BUDGET}/s)`,
  costs,
  failures.length === 0 ? "proof: every check passed" : failures.map((f) => `FAIL ${f}`).join("\n"),
].join("\n");
Deno.writeTextFileSync(`${dir}/summary.txt`, summary + "\n");
console.log(summary);
Deno.exit(failures.length === 0 ? 0 : 1);
