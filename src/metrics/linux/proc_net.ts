/**
 * The default route's interface and its byte counters, from the kernel's text:
 * `/proc/net/route` (IPv4), `/proc/net/ipv6_route` (when no IPv4 default route exists)
 * and `/proc/net/dev`. Pure parsers; the network source reads the files through grep.
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";

/** The files the network source reads. */
export const NET_FILES = ["/proc/net/route", "/proc/net/ipv6_route", "/proc/net/dev"] as const;

const RTF_UP = 0x1;
const RTF_REJECT = 0x200;

/**
 * The interface of the IPv4 default route in `/proc/net/route` text: among the rows
 * that are up with destination and mask 00000000, the one with the lowest metric (the
 * kernel's choice; the first row on a tie). Null when there is none.
 */
export function defaultRouteInterface(text: string): string | null {
  const lines = text.split("\n");
  if (!/^Iface\s+Destination\s+Gateway\s+Flags\s+RefCnt\s+Use\s+Metric\s+Mask/.test(lines[0])) {
    throw new ParseError("/proc/net/route", 1, "not the route table's header", lines[0]);
  }
  let best: { name: string; metric: number } | null = null;
  lines.slice(1).forEach((line, i) => {
    if (line.trim() === "") return;
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || !f.slice(1, 8).every((x) => /^[0-9A-Fa-f]+$/.test(x))) {
      throw new ParseError("/proc/net/route", i + 2, "not a route row", line);
    }
    const [name, destination, , flags, , , metric, mask] = f;
    if (destination !== "00000000" || mask !== "00000000") return;
    if ((parseInt(flags, 16) & RTF_UP) === 0) return;
    const m = Number(metric);
    if (best === null || m < best.metric) best = { name, metric: m };
  });
  return (best as { name: string } | null)?.name ?? null;
}

/**
 * The interface of the IPv6 default route in `/proc/net/ipv6_route` text (destination
 * ::/0, up, not a reject route such as the `lo` "unreachable" entry), lowest metric
 * first. Null when there is none.
 */
export function defaultRoute6Interface(text: string): string | null {
  let best: { name: string; metric: number } | null = null;
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const f = line.trim().split(/\s+/);
    if (
      f.length !== 10 || !/^[0-9a-f]{32}$/i.test(f[0]) || !/^[0-9a-f]{2}$/i.test(f[1]) ||
      !f.slice(5, 9).every((x) => /^[0-9a-f]{8}$/i.test(x))
    ) {
      throw new ParseError("/proc/net/ipv6_route", i + 1, "not a route row", line);
    }
    if (!/^0{32}$/.test(f[0]) || f[1] !== "00") return;
    const flags = parseInt(f[8], 16);
    if ((flags & RTF_UP) === 0 || (flags & RTF_REJECT) !== 0) return;
    const metric = parseInt(f[5], 16);
    if (best === null || metric < best.metric) best = { name: f[9], metric };
  });
  return (best as { name: string } | null)?.name ?? null;
}

/** Cumulative byte counters of one interface. */
export interface InterfaceBytes {
  /** Bytes received. */
  received: number;
  /** Bytes sent. */
  sent: number;
}

/**
 * Every interface's byte counters from `/proc/net/dev` text: two header lines, then
 * `name: rx_bytes rx_packets … (8 receive fields) tx_bytes …` (16 numbers).
 */
export function parseNetDev(text: string): Map<string, InterfaceBytes> {
  const lines = text.split("\n");
  if (!/^Inter-\|\s*Receive\s*\|\s*Transmit/.test(lines[0] ?? "")) {
    throw new ParseError("/proc/net/dev", 1, "not the header of /proc/net/dev", lines[0]);
  }
  if (!/^\s*face\s*\|\s*bytes/.test(lines[1] ?? "")) {
    throw new ParseError("/proc/net/dev", 2, "not the header of /proc/net/dev", lines[1] ?? "");
  }
  // A counter is at most 64 bits: 20 digits. Anything longer is not the kernel's.
  const interfaces = new Map<string, InterfaceBytes>();
  lines.slice(2).forEach((line, i) => {
    if (line.trim() === "") return;
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim();
    const numbers = line.slice(colon + 1).trim().split(/\s+/);
    if (
      colon < 0 || name === "" || numbers.length !== 16 ||
      !numbers.every((n) => /^\d{1,20}$/.test(n))
    ) {
      throw new ParseError("/proc/net/dev", i + 3, "not an interface row", line);
    }
    interfaces.set(name, { received: Number(numbers[0]), sent: Number(numbers[8]) });
  });
  return interfaces;
}

/** The default route's interface and its counters, or null without a default route. */
export interface DefaultInterface {
  /** Its name. */
  name: string;
  /** Its counters. */
  bytes: InterfaceBytes;
}

/**
 * The default route's interface (IPv4 first, then IPv6) and its counters, from the three
 * files' texts as {@linkcode NET_FILES} names them (a missing file is an absent key). Null
 * without a default route; a default route whose interface `/proc/net/dev` does not list
 * is a ParseError.
 */
export function defaultInterfaceBytes(texts: Map<string, string>): DefaultInterface | null {
  const [route, route6, dev] = NET_FILES;
  const name = (texts.has(route) ? defaultRouteInterface(texts.get(route)!) : null) ??
    (texts.has(route6) ? defaultRoute6Interface(texts.get(route6)!) : null);
  if (name === null) return null;
  if (!texts.has(dev)) throw new ParseError(dev, 0, "missing");
  const bytes = parseNetDev(texts.get(dev)!).get(name);
  if (bytes === undefined) throw new ParseError(dev, 0, `no row for ${name}`);
  return { name, bytes };
}

/**
 * Why there is no default route, from the same files: a network namespace holding only
 * `lo` (a sandbox such as systemd's `PrivateNetwork=`: the host's traffic is out of sight)
 * or a machine without a route out.
 */
export function noRouteReason(texts: Map<string, string>): string {
  const dev = texts.get(NET_FILES[2]);
  const names = dev === undefined ? [] : [...parseNetDev(dev).keys()];
  return names.every((name) => name === "lo")
    ? "no interface but lo: this process runs in a network namespace of its own " +
      "(a sandbox such as PrivateNetwork=), which hides the host's traffic"
    : "no default route";
}
