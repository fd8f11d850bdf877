/**
 * Content negotiation for `/metrics`: the scraper's `Accept` header, parsed with its
 * parameters and q-values (RFC 9110 §12.5.1), picks the Prometheus text format 0.0.4 or
 * OpenMetrics. Each offered format takes the q-value of the most specific media range that
 * matches it (a `version` parameter must then be equal); the highest q wins and a tie goes
 * to the text format, so a scraper that states no preference (no header, or one weighing
 * every format alike) gets text 0.0.4. A header that accepts none of them, or cannot be parsed, also gets text 0.0.4, as
 * Prometheus' own client libraries do: a scraper always gets something it can read.
 *
 * @example
 * ```ts
 * import { negotiate } from "./negotiate.ts";
 * negotiate("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
 *   .format; // "openmetrics"
 * negotiate(null).contentType; // "text/plain; version=0.0.4; charset=utf-8"
 * ```
 *
 * @module
 */

import type { ExpositionFormat } from "./exposition.ts";

/** What the response is written as. */
export interface Negotiated {
  /** The body's format. */
  format: ExpositionFormat;
  /** The response's Content-Type. */
  contentType: string;
}

interface Offer extends Negotiated {
  type: string;
  subtype: string;
  version: string;
}

/** The formats offered, in the order that breaks ties. */
const OFFERS: readonly Offer[] = [
  {
    type: "text",
    subtype: "plain",
    version: "0.0.4",
    format: "text",
    contentType: "text/plain; version=0.0.4; charset=utf-8",
  },
  {
    type: "application",
    subtype: "openmetrics-text",
    version: "1.0.0",
    format: "openmetrics",
    contentType: "application/openmetrics-text; version=1.0.0; charset=utf-8",
  },
  {
    type: "application",
    subtype: "openmetrics-text",
    version: "0.0.1",
    format: "openmetrics",
    contentType: "application/openmetrics-text; version=0.0.1; charset=utf-8",
  },
];

/** One media range of an Accept header. */
export interface MediaRange {
  /** Lower-cased type, `*` for any. */
  type: string;
  /** Lower-cased subtype, `*` for any. */
  subtype: string;
  /** Parameters other than q (names lower-cased, values unquoted). */
  params: Map<string, string>;
  /** Its weight, 0–1. */
  q: number;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/** Split `text` at `separator` outside double-quoted strings. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === "\\" && i + 1 < text.length) {
      current += c + text[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === separator && !quoted) {
      parts.push(current);
      current = "";
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** The media ranges of an Accept header; a malformed range is skipped, not fatal. */
export function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const element of splitOutsideQuotes(header, ",")) {
    const [media, ...rawParams] = splitOutsideQuotes(element, ";").map((p) => p.trim());
    if (media === "") continue;
    const slash = media.indexOf("/");
    const type = media.slice(0, slash).toLowerCase();
    const subtype = media.slice(slash + 1).toLowerCase();
    if (slash < 0 || !TOKEN.test(type) || !TOKEN.test(subtype)) continue;
    if (type === "*" && subtype !== "*") continue;
    const params = new Map<string, string>();
    let q = 1;
    let valid = true;
    for (const param of rawParams) {
      const eq = param.indexOf("=");
      const name = param.slice(0, eq).trim().toLowerCase();
      let value = param.slice(eq + 1).trim();
      if (eq < 0 || !TOKEN.test(name)) {
        valid = false;
        break;
      }
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
        value = value.slice(1, -1).replace(/\\(.)/g, "$1");
      }
      if (name === "q") {
        if (!QVALUE.test(value)) {
          valid = false;
          break;
        }
        q = Number(value);
      } else params.set(name, value);
    }
    if (valid) ranges.push({ type, subtype, params, q });
  }
  return ranges;
}

/** How specifically `range` matches `offer` (higher is more specific), or -1. */
function specificity(range: MediaRange, offer: Offer): number {
  if (range.type === "*") return 0;
  if (range.type !== offer.type) return -1;
  if (range.subtype === "*") return 1;
  if (range.subtype !== offer.subtype) return -1;
  const version = range.params.get("version");
  if (version === undefined) return 2;
  return version === offer.version ? 3 : -1;
}

/** The weight `ranges` give `offer`: the q of its most specific match, 0 when none matches. */
function weight(ranges: readonly MediaRange[], offer: Offer): number {
  let best = -1;
  let q = 0;
  for (const range of ranges) {
    const s = specificity(range, offer);
    if (s > best) {
      best = s;
      q = range.q;
    }
  }
  return q;
}

/** The format to answer an `Accept` header (null: no header) with. */
export function negotiate(accept: string | null): Negotiated {
  const fallback = OFFERS[0];
  if (accept === null || accept.trim() === "") return pick(fallback);
  const ranges = parseAccept(accept);
  let chosen = fallback;
  let chosenQ = 0;
  for (const offer of OFFERS) {
    const q = weight(ranges, offer);
    if (q > chosenQ) {
      chosen = offer;
      chosenQ = q;
    }
  }
  return pick(chosen);
}

function pick(offer: Offer): Negotiated {
  return { format: offer.format, contentType: offer.contentType };
}
