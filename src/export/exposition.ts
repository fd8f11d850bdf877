/**
 * Metric families written as the Prometheus text format 0.0.4 or as OpenMetrics 1.0: HELP
 * and TYPE on every family (and UNIT in OpenMetrics), `_total` on every counter sample,
 * label values and help text escaped as each format requires, so no value (a process
 * name with quotes, backslashes or newlines) can break the exposition.
 *
 * @example
 * ```ts
 * import { writeExposition } from "./exposition.ts";
 * const text = writeExposition([{
 *   name: "opta_up", type: "gauge", unit: "", help: "Daemon reachable.",
 *   samples: [{ labels: [], value: 1 }],
 * }], "openmetrics");
 * text.endsWith("# EOF\n"); // true
 * ```
 *
 * @module
 */

import type { Family, Sample } from "./families.ts";

/** The two exposition formats. */
export type ExpositionFormat = "text" | "openmetrics";

/** A label value with `\`, `"` and newline escaped (the same rule in both formats). */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => c === "\n" ? "\\n" : `\\${c}`);
}

/** Help text escaped for `format`: OpenMetrics escapes `"` too, the text format does not. */
export function escapeHelp(help: string, format: ExpositionFormat): string {
  const special = format === "openmetrics" ? /[\\"\n]/g : /[\\\n]/g;
  return help.replace(special, (c) => c === "\n" ? "\\n" : `\\${c}`);
}

/** A value as both formats write it (finite values only reach here). */
export function formatValue(value: number): string {
  if (Object.is(value, -0)) return "0";
  return String(value);
}

function sampleLine(name: string, sample: Sample): string {
  const labels = sample.labels.length === 0
    ? ""
    : `{${sample.labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
  return `${name}${labels} ${formatValue(sample.value)}\n`;
}

/**
 * `families` in `format`; a family without samples is left out. OpenMetrics output ends
 * with `# EOF`.
 */
export function writeExposition(families: readonly Family[], format: ExpositionFormat): string {
  let out = "";
  for (const family of families) {
    if (family.samples.length === 0) continue;
    const sampleName = family.type === "counter" ? `${family.name}_total` : family.name;
    const help = escapeHelp(family.help, format);
    if (format === "openmetrics") {
      out += `# TYPE ${family.name} ${family.type}\n`;
      if (family.unit !== "") out += `# UNIT ${family.name} ${family.unit}\n`;
      out += `# HELP ${family.name} ${help}\n`;
    } else {
      out += `# HELP ${sampleName} ${help}\n# TYPE ${sampleName} ${family.type}\n`;
    }
    for (const sample of family.samples) out += sampleLine(sampleName, sample);
  }
  return format === "openmetrics" ? `${out}# EOF\n` : out;
}
