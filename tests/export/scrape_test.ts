/**
 * One scrape's families: the link's two (`opta_up`, `opta_frame_age_seconds`), the readings
 * only while the frame is fresh, and the exporter's own, always.
 */
import assert from "node:assert/strict";
import { decodeMetrics } from "../../src/ipc/codec.ts";
import { FRAME_FAMILY_NAMES } from "../../src/export/families.ts";
import { ExporterCounters, scrapeFamilies, UP_MAX_AGE_MS } from "../../src/export/scrape.ts";

const frame = decodeMetrics(Deno.readFileSync(new URL("../vectors/laptop.bin", import.meta.url)));

/** name → sample values, for families that have samples. */
function scrape(ageMs: number | null, counters = new ExporterCounters()) {
  const nowMs = frame.timestamp + (ageMs ?? 0);
  const families = scrapeFamilies(ageMs === null ? null : frame, { nowMs, processes: 0 }, counters);
  return new Map(
    families.filter((f) => f.samples.length > 0).map((
      f,
    ) => [f.name, f.samples.map((s) => s.value)]),
  );
}

Deno.test("a fresh frame: opta_up 1, its age, every reading it has", () => {
  const v = scrape(1500);
  assert.deepEqual(v.get("opta_up"), [1]);
  assert.deepEqual(v.get("opta_frame_age_seconds"), [1.5]);
  assert.deepEqual(v.get("opta_memory_total_bytes"), [34359738368]);
});

Deno.test("a frame over 2 s old: opta_up 0 and its age, no reading of the machine", () => {
  const v = scrape(UP_MAX_AGE_MS + 1);
  assert.deepEqual(v.get("opta_up"), [0]);
  assert.deepEqual(v.get("opta_frame_age_seconds"), [2.001]);
  for (const name of FRAME_FAMILY_NAMES) assert.equal(v.has(name), false, name);
  assert.deepEqual(scrape(UP_MAX_AGE_MS).get("opta_up"), [1]); // exactly 2 s is still fresh
});

Deno.test("the exporter's counters are there at 0 before their first event", () => {
  const v = scrape(null, new ExporterCounters());
  assert.deepEqual(v.get("opta_exporter_http_responses"), [0]);
  assert.deepEqual(v.get("opta_exporter_daemon_failures"), [0, 0, 0, 0, 0, 0]);
});

Deno.test("no frame: opta_up 0, no age, and the exporter's own families", () => {
  const counters = new ExporterCounters();
  counters.response(200);
  counters.response(200);
  counters.response(404);
  counters.failure("unreachable");
  const v = scrape(null, counters);
  assert.deepEqual(v.get("opta_up"), [0]);
  assert.equal(v.has("opta_frame_age_seconds"), false);
  assert.deepEqual(
    [...v.keys()].sort(),
    [
      "opta_exporter_build_info",
      "opta_exporter_daemon_failures",
      "opta_exporter_http_responses",
      "opta_up",
    ],
  );
  assert.deepEqual(v.get("opta_exporter_http_responses"), [2, 1]);
  // every reason from the start, in label order: bad_frame closed stale timeout unreachable untrusted
  assert.deepEqual(v.get("opta_exporter_daemon_failures"), [0, 0, 0, 0, 1, 0]);
});
