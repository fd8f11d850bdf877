/** Accept negotiation: Prometheus' own headers, q-values, versions, and headers that make no sense. */
import assert from "node:assert/strict";
import { negotiate, parseAccept } from "../../src/export/negotiate.ts";

const TEXT = "text/plain; version=0.0.4; charset=utf-8";
const OM1 = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const OM0 = "application/openmetrics-text; version=0.0.1; charset=utf-8";

Deno.test("Prometheus 2.42's Accept gets OpenMetrics 1.0.0", () => {
  const accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;" +
    "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
  assert.deepEqual(negotiate(accept), { format: "openmetrics", contentType: OM1 });
});

Deno.test("a scraper that asks for text only, or states no preference, gets text 0.0.4", () => {
  for (
    const accept of [
      null,
      "",
      "*/*",
      "text/plain",
      "text/plain;version=0.0.4",
      "text/*",
      "application/openmetrics-text, text/plain", // a tie: text wins
      "text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    ]
  ) {
    assert.deepEqual(negotiate(accept), { format: "text", contentType: TEXT }, String(accept));
  }
});

Deno.test("q-values decide, the most specific matching range sets a format's q", () => {
  assert.equal(negotiate("text/plain;q=0.2, application/openmetrics-text;q=0.9").contentType, OM1);
  assert.equal(negotiate("text/plain;q=0.9, application/openmetrics-text;q=0.2").contentType, TEXT);
  // text/* would give text q=1, but text/plain's own range says 0: not acceptable
  assert.equal(
    negotiate("text/*, text/plain;q=0, application/openmetrics-text;q=0.1").contentType,
    OM1,
  );
  assert.equal(negotiate("application/openmetrics-text;version=0.0.1").contentType, OM0);
  assert.equal(
    negotiate("Application/OpenMetrics-Text; Version=1.0.0; Q=1.0, text/plain;q=0.999").contentType,
    OM1,
  );
  // a version nobody offers matches nothing; what is left is text
  assert.equal(negotiate("application/openmetrics-text;version=2.0.0").contentType, TEXT);
});

Deno.test("malformed ranges are skipped; a header that accepts nothing we have still gets text", () => {
  assert.equal(negotiate("application/json").contentType, TEXT);
  assert.equal(
    negotiate("garbage, ;;;, /, a/b;q=2, application/openmetrics-text;q=x").contentType,
    TEXT,
  );
  assert.equal(
    negotiate('application/openmetrics-text;x="a,b;q=0";q=0.8, text/plain;q=0.5').contentType,
    OM1,
  );
  assert.equal(negotiate("x".repeat(100_000)).contentType, TEXT);
  assert.deepEqual(parseAccept("a/b;q=0.5;v=1, */*, c/d;q=1.0001"), [
    { type: "a", subtype: "b", params: new Map([["v", "1"]]), q: 0.5 },
    { type: "*", subtype: "*", params: new Map(), q: 1 },
  ]);
});
