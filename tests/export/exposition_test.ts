/**
 * The exposition in both formats: HELP/TYPE (and UNIT) per family, `_total` counters,
 * escaping that no label value can break, and promtool's lint on real output.
 */
import assert from "node:assert/strict";
import { decodeMetrics } from "../../src/ipc/codec.ts";
import { escapeHelp, escapeLabelValue, writeExposition } from "../../src/export/exposition.ts";
import type { Family } from "../../src/export/families.ts";
import { ExporterCounters, scrapeFamilies } from "../../src/export/scrape.ts";
import { prometheusAvailable, promtool } from "../support/prometheus.ts";

const laptop = decodeMetrics(Deno.readFileSync(new URL("../vectors/laptop.bin", import.meta.url)));
const context = { nowMs: laptop.timestamp + 100, processes: 10 };

/** A frame whose process and interface names are built to break a careless exposition. */
const HOSTILE_NAMES = [
  'evil"} opta_up 0\n# EOF\nx{a="',
  "back\\slash\\",
  "new\nline",
  "tab\tcr\rnul\u0000",
  "\u202eevil\u2066",
  "é😀",
];
const hostile = {
  ...laptop,
  topProcesses: HOSTILE_NAMES.map((name, i) => ({ pid: i + 1, name, cpuPercent: 1, memoryMb: 1 })),
  network: { ...laptop.network!, interface: 'en0"\n' },
};

Deno.test("label values escape backslash, quote and newline; help text per format", () => {
  assert.equal(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  assert.equal(escapeHelp('say "x"\\\n', "text"), 'say "x"\\\\\\n');
  assert.equal(escapeHelp('say "x"\\\n', "openmetrics"), 'say \\"x\\"\\\\\\n');
});

Deno.test("text 0.0.4: HELP and TYPE before every family, _total on counter samples, no EOF", () => {
  const text = writeExposition(scrapeFamilies(laptop, context, new ExporterCounters()), "text");
  assert.ok(!text.includes("# EOF"));
  assert.ok(!text.includes("# UNIT"));
  assert.match(
    text,
    /# HELP opta_network_receive_bytes_total .*\n# TYPE opta_network_receive_bytes_total counter\nopta_network_receive_bytes_total\{interface="en0"\} \d+\n/,
  );
  assert.match(text, /# TYPE opta_memory_total_bytes gauge\nopta_memory_total_bytes 34359738368\n/);
  const names = new Set(
    text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(/[{ ]/)[0]),
  );
  for (const name of names) {
    assert.ok(text.includes(`# HELP ${name} `), `HELP for ${name}`);
    assert.ok(text.includes(`# TYPE ${name} `), `TYPE for ${name}`);
  }
});

Deno.test("OpenMetrics: TYPE, UNIT, HELP on the family name, _total samples, # EOF at the end", () => {
  const text = writeExposition(
    scrapeFamilies(laptop, context, new ExporterCounters()),
    "openmetrics",
  );
  assert.ok(text.endsWith("\n# EOF\n"));
  assert.match(
    text,
    /# TYPE opta_disk_read_bytes counter\n# UNIT opta_disk_read_bytes bytes\n# HELP opta_disk_read_bytes .*\nopta_disk_read_bytes_total \d+\n/,
  );
  assert.match(text, /# TYPE opta_load1 gauge\n# HELP opta_load1 /); // no unit, no UNIT line
  assert.match(text, /# UNIT opta_temperature_celsius celsius\n/);
});

Deno.test("a family without samples is not written at all", () => {
  const empty: Family = { name: "x_bytes", type: "gauge", unit: "bytes", help: "h", samples: [] };
  assert.equal(writeExposition([empty], "text"), "");
  assert.equal(writeExposition([empty], "openmetrics"), "# EOF\n");
});

Deno.test("hostile names stay inside their label values: one line per sample, nothing injected", () => {
  for (const format of ["text", "openmetrics"] as const) {
    const text = writeExposition(scrapeFamilies(hostile, context, new ExporterCounters()), format);
    const lines = text.split("\n").filter((l) => l.startsWith("opta_process_cpu_ratio{"));
    assert.equal(lines.length, HOSTILE_NAMES.length, format);
    assert.equal(text.split("\n").filter((l) => l.startsWith("opta_up")).length, 1, format);
    const eofLines = text.split("\n").filter((l) => l === "# EOF").length;
    assert.equal(eofLines, format === "openmetrics" ? 1 : 0, format);
    for (const line of lines) {
      assert.match(line, /^opta_process_cpu_ratio\{pid="\d+",name=".*"\} 0\.01$/s);
    }
  }
});

Deno.test({
  name: "promtool check metrics: clean on the text format, hostile names included",
  ignore: !prometheusAvailable(),
  async fn() {
    for (const frame of [laptop, hostile]) {
      const text = writeExposition(scrapeFamilies(frame, context, new ExporterCounters()), "text");
      const { code, output } = await promtool(["check", "metrics"], text);
      assert.equal(output, "");
      assert.equal(code, 0);
    }
  },
});

Deno.test({
  name:
    "promtool check metrics on OpenMetrics: only its text parser's complaint about counter names",
  ignore: !prometheusAvailable(),
  async fn() {
    // promtool 2.42 lints with the text format's parser, which reads an OpenMetrics counter's
    // family name (HELP, TYPE) and its `_total` samples as two metrics; the real server's
    // OpenMetrics parser is checked end to end (export_prometheus_test.ts).
    const text = writeExposition(
      scrapeFamilies(hostile, context, new ExporterCounters()),
      "openmetrics",
    );
    const { output } = await promtool(["check", "metrics"], text);
    const counters = [...text.matchAll(/^# TYPE (\S+) counter$/gm)].map((m) => m[1]);
    assert.ok(counters.length >= 4);
    assert.deepEqual(
      output.trim().split("\n").sort(),
      counters.map((c) => `${c}_total no help text`).sort(),
    );
  },
});
