/**
 * Parser for `/sbin/route -n get default`: which interface carries the default route.
 *
 * ```text
 *    route to: default
 * destination: default
 *        mask: default
 *     gateway: 192.168.1.1
 *   interface: en0
 *       flags: <UP,GATEWAY,DONE,STATIC,PRCLONING>
 *  recvpipe  sendpipe  ssthresh  rtt,msec    rttvar  hopcount      mtu     expire
 *        0         0         0         0         0         0      1500         0
 * ```
 *
 * No published capture of this command exists, so the parser takes only what the format above
 * makes certain (a `route to:` line first, one `interface:` line) and refuses the rest. With no
 * default route, `route` prints `not in table` on stderr and exits 1.
 *
 * @module
 */

import { ParseError } from "../parse_error.ts";

const SOURCE = "route";

const FIELD = /^\s*([a-z ]+): (.*)$/;
const NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * The default route's interface from `route -n get default` output. Throws
 * {@link ParseError} naming the line when the first line is not `route to:`, when an
 * `interface:` value is not an interface name, or (line 0) when there is no `interface:` line.
 */
export function parseRouteInterface(stdout: string): string {
  const lines = stdout.split("\n").map((l) => l.replace(/\r$/, ""));
  const first = lines.findIndex((l) => l.trim() !== "");
  if (first < 0 || FIELD.exec(lines[first])?.[1].trim() !== "route to") {
    throw new ParseError(SOURCE, Math.max(1, first + 1), "expected 'route to:'", lines[first]);
  }
  let found: string | null = null;
  for (let i = first; i < lines.length; i++) {
    const m = FIELD.exec(lines[i]);
    if (m === null || m[1].trim() !== "interface") continue;
    const name = m[2].trim();
    if (!NAME.test(name) || found !== null) {
      throw new ParseError(SOURCE, i + 1, "unexpected interface line", lines[i]);
    }
    found = name;
  }
  if (found === null) throw new ParseError(SOURCE, 0, "no interface line");
  return found;
}

/** True for the stderr of a `route` that found no default route. */
export function noDefaultRoute(stderr: string): boolean {
  return /not in table/.test(stderr);
}
