/** `netstat -ibn` on every real capture, and `route -n get default` (no capture exists). */
import assert from "node:assert/strict";
import { linkCountersOf, parseNetstatLinks } from "../../../src/metrics/darwin/netstat.ts";
import { noDefaultRoute, parseRouteInterface } from "../../../src/metrics/darwin/route.ts";
import { assertParseError, capturesOf, fixture } from "../../support/fixtures.ts";

/** name, Ibytes, Obytes of every `<Link#N>` row, read by hand; a new capture must be added. */
const EXPECTED: Record<string, [string, number, number][]> = {
  // Lion era: Link rows without Drop, an 8-byte FireWire address overflowing its column
  "netstat-i-d-l-b-n.osx-x64-2012.ohai.txt": [
    ["lo0", 25774844, 25774844],
    ["gif0", 0, 0],
    ["stf0", 0, 0],
    ["en1", 2530556736, 18228234970],
    ["p2p0", 0, 0],
    ["en0", 0, 2394],
    ["fw0", 0, 1038],
    ["utun0", 324, 740],
  ],
  // an 11-digit Ibytes on en0
  "netstat-ibdn.osx-x64-2015-subset.gopsutil-pr73.txt": [
    ["en0", 11902425614, 2354022366],
    ["en1", 0, 0],
    ["en2", 0, 0],
    ["en3", 0, 0],
  ],
  // utun81…utun88 all print as utun8
  "netstat-ibdnW.osx-x64-2016-utun-names-truncated.gopsutil.txt": [
    ["lo0", 3769823, 3769823],
    ["gif0", 0, 0],
    ["stf0", 0, 0],
    ["utun8", 27175, 0],
    ["utun8", 29554, 0],
    ["utun8", 29244, 0],
    ["utun8", 28267, 0],
    ["utun8", 28593, 0],
  ],
  // 11-digit counters shift the lo0 rows right
  "netstat-ibdnW.osx-x64-2016.gopsutil.txt": [
    ["lo0", 12824763793, 12824763793],
    ["gif0", 0, 0],
    ["stf0", 0, 0],
    ["en0", 7295722068, 379533492],
  ],
};

Deno.test("netstat -ibn: every capture's <Link#> rows", () => {
  const names = capturesOf("netstat -ib");
  assert.deepEqual(names, Object.keys(EXPECTED).sort(), "a capture without an expectation");
  for (const name of names) {
    const links = parseNetstatLinks(fixture(name));
    assert.deepEqual(
      links.map((l) => [l.name, l.receivedBytes, l.sentBytes]),
      EXPECTED[name],
      name,
    );
  }
});

Deno.test("netstat -ibn: an interface's counters, and none for a cut or missing name", () => {
  const links = (name: string) => parseNetstatLinks(fixture(name));
  const wifi = linkCountersOf(links("netstat-i-d-l-b-n.osx-x64-2012.ohai.txt"), "en1");
  assert.deepEqual(wifi, {
    name: "en1",
    receivedBytes: 2530556736,
    sentBytes: 18228234970,
    line: 9,
  });
  const truncated = links("netstat-ibdnW.osx-x64-2016-utun-names-truncated.gopsutil.txt");
  assertParseError(() => linkCountersOf(truncated, "utun8"), "netstat", 0, "5 <Link#> rows");
  assertParseError(() => linkCountersOf(truncated, "utun81"), "netstat", 0, "no <Link#> row");
  assertParseError(() => linkCountersOf(truncated, "en0"), "netstat", 0, "no <Link#> row for en0");
});

Deno.test("netstat -i without -b: refused, no byte columns", () => {
  for (const name of capturesOf("netstat -i")) {
    assertParseError(() => parseNetstatLinks(fixture(name)), "netstat", 1, "no Ibytes/Obytes");
  }
});

Deno.test("netstat -ibn: a row that does not line up is a ParseError naming it", () => {
  const text = fixture("netstat-ibdnW.osx-x64-2016.gopsutil.txt");
  // en0's Ibytes merged with its Ipkts, as an overflow without a space would print them
  const merged = text.replace("5708989     0 7295722068", "5708989     07295722068");
  assertParseError(() => parseNetstatLinks(merged), "netstat", 8, "do not match the header");
  const letters = text.replace("7295722068  3494252", "7295722068  34x4252");
  assertParseError(() => parseNetstatLinks(letters), "netstat", 8, "do not match the header");
  const huge = text.replace("7295722068  3494252", "72957220680000000000  3494252");
  assertParseError(() => parseNetstatLinks(huge), "netstat", 8, "out of range");
  assertParseError(() => parseNetstatLinks(""), "netstat", 1, "header");
  // CRLF line ends
  assert.equal(parseNetstatLinks(text.replaceAll("\n", "\r\n")).length, 4);
});

/** `route -n get default` as BSD route prints it (see route.ts); no capture exists. */
const ROUTE = [
  "   route to: default",
  "destination: default",
  "       mask: default",
  "    gateway: 192.168.1.1",
  "  interface: en0",
  "      flags: <UP,GATEWAY,DONE,STATIC,PRCLONING>",
  " recvpipe  sendpipe  ssthresh  rtt,msec    rttvar  hopcount      mtu     expire",
  "       0         0         0         0         0         0      1500         0",
  "",
].join("\n");

Deno.test("route -n get default: the interface, or a ParseError naming the line", () => {
  assert.equal(parseRouteInterface(ROUTE), "en0");
  assert.equal(
    parseRouteInterface(ROUTE.replace("en0", "utun4").replaceAll("\n", "\r\n")),
    "utun4",
  );
  assertParseError(() => parseRouteInterface(""), "route", 1, "route to");
  assertParseError(() => parseRouteInterface(ROUTE.slice(ROUTE.indexOf("\n") + 1)), "route", 1);
  assertParseError(
    () => parseRouteInterface(ROUTE.replace("  interface: en0\n", "")),
    "route",
    0,
    "no interface line",
  );
  assertParseError(
    () => parseRouteInterface(ROUTE.replace("interface: en0", "interface: en0 en1")),
    "route",
    5,
    "unexpected interface",
  );
  assertParseError(
    () => parseRouteInterface(ROUTE + "  interface: en1\n"),
    "route",
    9,
    "unexpected interface",
  );
  assert.ok(noDefaultRoute("route: writing to routing socket: not in table\n"));
  assert.ok(!noDefaultRoute("route: bad address: default\n"));
});
