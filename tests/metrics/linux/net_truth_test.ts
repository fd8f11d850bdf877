/**
 * Network truth: the daemon, under its shipped permission set, runs inside a network
 * namespace the test creates (a veth pair, local addresses only, the namespace's default
 * route through the veth). The test moves 4 MiB out of the namespace and 2 MiB into it
 * over TCP and checks the daemon's interface name, totals and rates against the veth's
 * `/proc/net/dev` counters read inside the namespace in the same run.
 *
 * Readings are bracketed, not compared at one instant: reference-before ≤ reading ≤
 * reference-after holds exactly for cumulative counters. The start is whatever the daemon
 * reads before the transfer (the link may be idle, and then that reading never changes),
 * between the counters read before the daemon started and after it arrived; the end is read
 * after two new readings arrived, which the transfer itself brings about.
 */
import assert from "node:assert/strict";
import { withDir } from "../../support/daemon.ts";
import { daemonArgs, Readings, run } from "./truth_support.ts";
import type { NetworkSample } from "../../../src/metrics/types.ts";

const IP = "/usr/sbin/ip";
const MiB = 1024 * 1024;

/** Why the test cannot run here, or null. */
function unavailable(): string | null {
  if (Deno.build.os !== "linux") return "not Linux";
  if (Deno.uid() !== 0) return "not root (ip netns needs CAP_SYS_ADMIN)";
  try {
    const out = new Deno.Command(IP, { args: ["netns", "list"], stderr: "null" }).outputSync();
    return out.success ? null : "`ip netns list` failed";
  } catch {
    return `${IP} is missing (apt-get install iproute2)`;
  }
}

const reason = unavailable();
if (reason) console.log(`net truth test skipped: ${reason}`);

/** The veth's counters as `/proc/net/dev` inside the namespace shows them. */
async function counters(ns: string, dev: string): Promise<{ received: number; sent: number }> {
  const text = await run(IP, ["netns", "exec", ns, "/bin/cat", "/proc/net/dev"]);
  const row = text.split("\n").find((l) => l.trim().startsWith(`${dev}:`));
  assert.ok(row, text);
  const f = row.slice(row.indexOf(":") + 1).trim().split(/\s+/).map(Number);
  return { received: f[0], sent: f[8] };
}

/** Sends `up` bytes from the namespace to the root one and `down` bytes back, over TCP. */
async function transfer(ns: string, address: string, up: number, down: number): Promise<void> {
  const listener = Deno.listen({ hostname: address, port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const served = (async () => {
    const conn = await listener.accept();
    let got = 0;
    const buffer = new Uint8Array(64 * 1024);
    while (got < up) {
      const n = await conn.read(buffer);
      if (n === null) break;
      got += n;
    }
    let left = down;
    while (left > 0) left -= await conn.write(new Uint8Array(Math.min(left, 64 * 1024)));
    conn.close();
    listener.close();
    return got;
  })();
  const client = `const c = await Deno.connect({ hostname: "${address}", port: ${port} });
    let left = ${up}; while (left > 0) left -= await c.write(new Uint8Array(Math.min(left, 65536)));
    const b = new Uint8Array(65536); let got = 0;
    for (let n; (n = await c.read(b)) !== null;) got += n;
    if (got !== ${down}) throw new Error("received " + got);`;
  await run(IP, ["netns", "exec", ns, Deno.execPath(), "eval", client]);
  assert.equal(await served, up);
}

Deno.test({
  name: "network truth: the daemon in a namespace reports its veth's bytes and rates",
  ignore: reason !== null,
  sanitizeResources: false, // the subscriber's connection closes with the daemon
  fn: () =>
    withDir(async (dir) => {
      const id = Deno.pid % 100_000;
      const ns = `omt-${id}`;
      const [outside, inside] = [`omva${id}`, `omvb${id}`];
      const socket = `${dir}/s.sock`;
      let daemon: Deno.ChildProcess | undefined;
      let readings: Readings<NetworkSample | null> | undefined;
      try {
        await run(IP, ["netns", "add", ns]);
        await run(IP, ["link", "add", outside, "type", "veth", "peer", "name", inside]);
        // No IPv6 link-local address: no router or neighbour solicitations on the veth.
        for (const dev of [outside, inside]) {
          await run(IP, ["link", "set", dev, "addrgenmode", "none"]);
        }
        await run(IP, ["link", "set", inside, "netns", ns]);
        await run(IP, ["addr", "add", "10.213.0.1/30", "dev", outside]);
        await run(IP, ["link", "set", outside, "up"]);
        await run(IP, ["-n", ns, "addr", "add", "10.213.0.2/30", "dev", inside]);
        await run(IP, ["-n", ns, "link", "set", inside, "up"]);
        await run(IP, ["-n", ns, "link", "set", "lo", "up"]);
        await run(IP, ["-n", ns, "route", "add", "default", "via", "10.213.0.1"]);

        // Before the daemon starts: a floor for every total it reports.
        const a = await counters(ns, inside);
        daemon = new Deno.Command(IP, {
          args: ["netns", "exec", ns, Deno.execPath(), ...daemonArgs(socket)],
          env: { NO_COLOR: "1" },
          stdin: "null",
          stdout: "null",
          stderr: "null",
        }).spawn();
        readings = new Readings(socket, (f) => f.network, (n) => JSON.stringify(n));
        // Two seconds of the daemon's frames: its sources are past the first client's refresh and
        // read every second, so each reading's rate covers one second (the sum below).
        await readings.frames(50, 10_000, "two seconds of frames");
        // The reading the daemon holds now, changed or not: the link may be idle.
        const start = await readings.current(15_000, "a network reading");
        assert.equal(start?.interface, inside, "the interface of the namespace's default route");
        const from = readings.values.length - 1;
        const b = await counters(ns, inside);
        await transfer(ns, "10.213.0.1", 4 * MiB, 2 * MiB);
        const c = await counters(ns, inside);
        const end = await readings.next(2, 5000, "readings after the transfer");
        const to = readings.values.length - 1;
        const d = await counters(ns, inside);

        assert.equal(end?.interface, inside);
        for (
          const [field, total] of [["sent", "sentBytes"], ["received", "receivedBytes"]] as const
        ) {
          assert.ok(a[field] <= start![total] && start![total] <= b[field], `${field} at start`);
          assert.ok(c[field] <= end![total] && end![total] <= d[field], `${field} at end`);
        }
        const sent = end!.sentBytes - start!.sentBytes;
        const received = end!.receivedBytes - start!.receivedBytes;
        assert.ok(sent >= 4 * MiB && received >= 2 * MiB, `sent ${sent}, received ${received}`);
        // Σ rate × window telescopes to the totals' delta; each window is the 1 s cadence,
        // give or take a 40 ms tick: 10 % covers the jitter of the few windows with traffic.
        const between = readings.values.slice(from + 1, to + 1).map((r) => r.value!);
        const sentByRate = between.reduce((s, r) => s + r.sendBytesPerSecond, 0);
        const receivedByRate = between.reduce((s, r) => s + r.receiveBytesPerSecond, 0);
        const shown = `sent ${sent} B, Σ send rate × 1 s ${sentByRate.toFixed(0)}; received ` +
          `${received} B, Σ receive rate × 1 s ${receivedByRate.toFixed(0)}`;
        console.log(`  ${shown}; /proc/net/dev: sent ${c.sent - b.sent}..${d.sent - a.sent}`);
        assert.ok(Math.abs(sentByRate - sent) <= 0.1 * sent, shown);
        assert.ok(Math.abs(receivedByRate - received) <= 0.1 * received, shown);
      } finally {
        await readings?.stop();
        try {
          daemon?.kill("SIGTERM");
        } catch {
          // already gone
        }
        await daemon?.status;
        await new Deno.Command(IP, { args: ["netns", "del", ns], stderr: "null" }).output();
        await new Deno.Command(IP, { args: ["link", "del", outside], stderr: "null" }).output();
      }
    }),
});
