/**
 * The project's copy of the real macOS captures: every capture has its provenance in
 * SOURCES.md, and, where the upstream capture folder sits beside the checkout
 * (`../shared/fixtures/darwin/`), every file there has an identical copy here, so a new capture
 * reaches every checkout.
 */
import assert from "node:assert/strict";
import { FIXTURES } from "../../support/fixtures.ts";

const UPSTREAM = new URL("../../../../shared/fixtures/darwin/", import.meta.url);

const names = (dir: URL) => [...Deno.readDirSync(dir)].filter((e) => e.isFile).map((e) => e.name);

Deno.test("every darwin capture is listed in SOURCES.md and every listed capture is here", () => {
  const sources = Deno.readTextFileSync(new URL("SOURCES.md", FIXTURES));
  const listed = new Set([...sources.matchAll(/^\| `([^`]+\.txt)` \|/gm)].map((m) => m[1]));
  const here = names(FIXTURES).filter((n) => n !== "SOURCES.md");
  assert.ok(here.length > 0, `no captures in ${FIXTURES.pathname}`);
  assert.deepEqual(here.filter((n) => !listed.has(n)), [], "captures without provenance");
  assert.deepEqual([...listed].filter((n) => !here.includes(n)), [], "listed but missing");
});

Deno.test("every upstream darwin capture has an identical copy in tests/fixtures/darwin", () => {
  let upstream: string[];
  try {
    upstream = names(UPSTREAM);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return; // a clone has no upstream folder beside it
    throw e;
  }
  const differ = upstream.filter((name) => {
    let copy: Uint8Array;
    try {
      copy = Deno.readFileSync(new URL(name, FIXTURES));
    } catch {
      return true;
    }
    const original = Deno.readFileSync(new URL(name, UPSTREAM));
    return copy.length !== original.length || copy.some((b, i) => b !== original[i]);
  });
  assert.deepEqual(differ, [], `copy these from ${UPSTREAM.pathname} to ${FIXTURES.pathname}`);
});
