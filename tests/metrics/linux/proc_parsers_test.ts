/**
 * The /proc parsers of the network, disk throughput and pressure sources, on text
 * captured from the CI machine (tests/metrics/linux/captures/, kernel 6.18, a VM with
 * one virtio disk, eth0 and no swap) and on hand-made edge cases.
 */
import assert from "node:assert/strict";
import { ParseError } from "../../../src/metrics/parse_error.ts";
import {
  defaultInterfaceBytes,
  defaultRoute6Interface,
  defaultRouteInterface,
  NET_FILES,
  noRouteReason,
  parseNetDev,
} from "../../../src/metrics/linux/proc_net.ts";
import { isWholeDisk, parseDiskstats } from "../../../src/metrics/linux/diskstats.ts";
import { parsePressure, pressureLevel } from "../../../src/metrics/linux/pressure.ts";

const capture = (name: string) =>
  Deno.readTextFileSync(new URL(`./captures/${name}`, import.meta.url));

const ROUTE_HEADER =
  "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT";

Deno.test("proc_net: the captured route table's default route is eth0", () => {
  assert.equal(defaultRouteInterface(capture("proc_net_route.txt")), "eth0");
  assert.equal(defaultRoute6Interface(capture("proc_net_ipv6_route.txt")), "eth0");
});

Deno.test("proc_net: lowest metric wins; down or non-default rows do not count", () => {
  const table = [
    ROUTE_HEADER,
    "wlan0\t00000000\t0100A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0",
    "eth1\t00000000\t0101A8C0\t0002\t0\t0\t10\t00000000\t0\t0\t0", // not up
    "eth0\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0",
    "eth2\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0",
  ].join("\n");
  assert.equal(defaultRouteInterface(table), "eth0");
});

Deno.test("proc_net: no default route → null, from both tables", () => {
  const v4 = `${ROUTE_HEADER}\neth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0`;
  assert.equal(defaultRouteInterface(v4), null);
  assert.equal(defaultRouteInterface(ROUTE_HEADER), null);
  // The IPv6 table's `lo` unreachable default is a reject route, not a way out.
  const lo = "00000000000000000000000000000000 00 00000000000000000000000000000000 00 " +
    "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo";
  assert.equal(defaultRoute6Interface(lo), null);
  const texts = new Map([[NET_FILES[0], v4], [NET_FILES[1], lo], [NET_FILES[2], "unread"]]);
  assert.equal(defaultInterfaceBytes(texts), null);
});

Deno.test("proc_net: why there is no default route: a namespace with only lo, or none out", () => {
  const dev = capture("proc_net_dev.txt").split("\n");
  const onlyLo = [dev[0], dev[1], ...dev.filter((l) => /^\s*lo:/.test(l))].join("\n");
  assert.match(
    noRouteReason(new Map([[NET_FILES[2], onlyLo]])),
    /^no interface but lo: this process runs in a network namespace of its own/,
  );
  assert.equal(noRouteReason(new Map([[NET_FILES[2], dev.join("\n")]])), "no default route");
});

Deno.test("proc_net: the captured /proc/net/dev and the default interface's counters", () => {
  const dev = parseNetDev(capture("proc_net_dev.txt"));
  assert.deepEqual([...dev.keys()], ["lo", "ifb0", "ifb1", "eth0"]);
  assert.deepEqual(dev.get("eth0"), { received: 66761854, sent: 181011 });
  assert.deepEqual(dev.get("lo"), { received: 12786, sent: 12786 });
  const texts = new Map(
    [["proc_net_route.txt", 0], ["proc_net_ipv6_route.txt", 1], ["proc_net_dev.txt", 2]].map((
      [file, i],
    ) => [NET_FILES[i as number], capture(file as string)]),
  );
  assert.deepEqual(defaultInterfaceBytes(texts), {
    name: "eth0",
    bytes: { received: 66761854, sent: 181011 },
  });
  // Without the IPv4 table the IPv6 default route names the interface.
  texts.delete(NET_FILES[0]);
  assert.equal(defaultInterfaceBytes(texts)?.name, "eth0");
});

Deno.test("proc_net: counters past 2^32 and a name glued to its numbers", () => {
  const text = [
    "Inter-|   Receive                                                |  Transmit",
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
    "enp3s0:123456789012345 1 0 0 0 0 0 0 98765432109876 2 0 0 0 0 0 0",
  ].join("\n");
  assert.deepEqual(parseNetDev(text).get("enp3s0"), {
    received: 123456789012345,
    sent: 98765432109876,
  });
});

Deno.test("proc_net: unknown formats are ParseErrors naming the first bad line", () => {
  assert.throws(() => defaultRouteInterface("Destination Gateway\n"), /line 1/);
  assert.throws(
    () => defaultRouteInterface(`${ROUTE_HEADER}\neth0 zz`),
    (e: Error) => e instanceof ParseError && e.line === 2 && /eth0 zz/.test(e.message),
  );
  const dev = capture("proc_net_dev.txt").split("\n");
  assert.throws(() => parseNetDev(dev.slice(1).join("\n")), /line 1/);
  const broken = [...dev.slice(0, 3), "  eth0: 1 2 3", ...dev.slice(3)].join("\n");
  assert.throws(() => parseNetDev(broken), (e: Error) => e instanceof ParseError && e.line === 4);
  assert.throws(() => defaultRoute6Interface("fe80 40 eth0"), /ipv6_route: line 1/);
  // A default route whose interface /proc/net/dev does not list is not a silent null.
  const texts = new Map([
    [NET_FILES[0], capture("proc_net_route.txt")],
    [NET_FILES[2], dev.slice(0, 3).join("\n")],
  ]);
  assert.throws(() => defaultInterfaceBytes(texts), /no row for eth0/);
});

Deno.test("diskstats: the capture counts vda only (loop and zram are not disks)", () => {
  const disks = parseDiskstats(capture("proc_diskstats.txt"));
  assert.deepEqual(disks.disks, ["vda"]);
  assert.equal(disks.read, 5159802 * 512);
  assert.equal(disks.written, 5536688 * 512);
});

Deno.test("diskstats: whole disks vs partitions and virtual devices", () => {
  for (const name of ["sda", "sdab", "vda", "xvda", "hdc", "nvme0n1", "nvme1n2", "mmcblk0"]) {
    assert.ok(isWholeDisk(name), name);
  }
  for (
    const name of [
      "sda1",
      "sdab12",
      "vda3",
      "xvda1",
      "hdc2",
      "nvme0n1p1",
      "nvme1n2p15",
      "mmcblk0p2",
      "mmcblk0boot0",
      "mmcblk0rpmb",
      "loop0",
      "ram15",
      "zram0",
      "dm-0",
      "md127",
      "sr0",
      "fd0",
      "nbd3",
    ]
  ) assert.ok(!isWholeDisk(name), name);
  const row = (name: string, read: number, written: number) =>
    `   8       0 ${name} 10 0 ${read} 5 20 0 ${written} 7 0 9 12 0 0 0 0`;
  const text = [
    row("nvme0n1", 100, 200),
    row("nvme0n1p1", 60, 150),
    row("nvme0n1p2", 40, 50),
    row("sda", 8, 16),
    row("sda1", 8, 16),
    row("dm-0", 100, 200),
  ].join("\n");
  assert.deepEqual(parseDiskstats(text), {
    disks: ["nvme0n1", "sda"],
    read: 108 * 512,
    written: 216 * 512,
  });
  // A 14-field row of an old kernel is read too.
  assert.equal(parseDiskstats("   8 0 sda 1 0 4 0 1 0 6 0 0 0 0").written, 6 * 512);
});

Deno.test("diskstats: a short or non-numeric row is a ParseError with its line", () => {
  assert.throws(
    () => parseDiskstats("   8 0 sda 1 0 4 0 1 0 6 0 0 0 0\n   8 1 sda1 1 2 3"),
    (e: Error) => e instanceof ParseError && e.line === 2,
  );
  assert.throws(() => parseDiskstats("   8 0 sda 1 0 x 0 1 0 6 0 0 0 0"), /line 1/);
});

Deno.test("pressure: the captured file is normal; thresholds on avg10", () => {
  assert.deepEqual(parsePressure(capture("proc_pressure_memory.txt")), { some: 0, full: 0 });
  const psi = (some: number, full: number) =>
    `some avg10=${some.toFixed(2)} avg60=1.00 avg300=0.50 total=123456\n` +
    `full avg10=${full.toFixed(2)} avg60=0.10 avg300=0.05 total=23456`;
  const level = (some: number, full: number) => pressureLevel(parsePressure(psi(some, full)));
  assert.equal(level(0, 0), "normal");
  assert.equal(level(9.99, 9.99), "normal");
  assert.equal(level(10, 0.5), "warning");
  assert.equal(level(60, 9.5), "warning");
  assert.equal(level(12, 10), "critical");
  assert.throws(() => parsePressure("some avg10=abc"), /line 1/);
  assert.throws(() => parsePressure(psi(1, 1).split("\n")[1]), /no `some` line/);
});
