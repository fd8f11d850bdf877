/**
 * packaging/prometheus/: the fleet's scrape config, recording rules and alerts pass promtool,
 * every alert has a unit test that makes it fire, and every opta_ name they use is one the
 * exporter writes (a typo would make an alert that can never fire).
 */
import assert from "node:assert/strict";
import { FRAME_FAMILY_NAMES } from "../../src/export/families.ts";
import { ExporterCounters, scrapeFamilies } from "../../src/export/scrape.ts";
import { decodeMetrics } from "../../src/ipc/codec.ts";
import { works } from "../support/host.ts";
import { prometheusAvailable, promtool } from "../support/prometheus.ts";

const dir = new URL("../../packaging/prometheus/", import.meta.url).pathname;
const haveRuby = works("ruby", ["-ryaml", "-rjson", "-e", ""]);

/** A YAML file as JSON, read by ruby (as the workflow tests read YAML). */
function yaml(path: string): unknown {
  const out = new Deno.Command("ruby", {
    args: [
      "-ryaml",
      "-rjson",
      "-e",
      "puts JSON.generate(YAML.safe_load(File.read(ARGV[0])))",
      path,
    ],
  }).outputSync();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test({
  name: "promtool: check config, check rules and test rules pass",
  ignore: !prometheusAvailable(),
  async fn() {
    const run = async (args: string[]) => {
      const child = new Deno.Command("/usr/bin/promtool", {
        args,
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      });
      const out = await child.output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, text);
      return text;
    };
    assert.match(await run(["check", "config", "prometheus.yml"]), /SUCCESS: 2 rule files found/);
    await run(["check", "rules", "opta-rules.yml", "opta-alerts.yml"]);
    assert.match(await run(["test", "rules", "opta-alerts.test.yml"]), /SUCCESS/);
    assert.equal((await promtool(["--version"])).code, 0);
  },
});

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}
const rules = (file: string) =>
  (yaml(`${dir}${file}`) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

Deno.test({
  name: "every alert has a unit test in which it fires",
  ignore: !haveRuby,
  fn() {
    const alerts = rules("opta-alerts.yml").map((r) => r.alert!);
    assert.deepEqual(alerts, [
      "OptaExporterDown",
      "OptaDaemonDown",
      "OptaDaemonRestarting",
      "OptaFramesStale",
      "OptaMemoryPressureCritical",
      "OptaDiskAlmostFull",
      "OptaSwapGrowing",
      "OptaBatteryLow",
    ]);
    const tests = (yaml(`${dir}opta-alerts.test.yml`) as {
      tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
    }).tests;
    const firing = new Set(
      tests.flatMap((t) => t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0)
        .map((a) => a.alertname),
    );
    assert.deepEqual(alerts.filter((a) => !firing.has(a)), []);
  },
});

Deno.test({
  name: "the rules and alerts use only names the exporter writes",
  ignore: !haveRuby,
  fn() {
    const laptop = decodeMetrics(
      Deno.readFileSync(new URL("../vectors/laptop.bin", import.meta.url)),
    );
    const written = new Set(
      scrapeFamilies(laptop, { nowMs: laptop.timestamp, processes: 1 }, new ExporterCounters())
        .map((f) => f.type === "counter" ? `${f.name}_total` : f.name),
    );
    assert.ok(FRAME_FAMILY_NAMES.every((n) => written.has(n) || written.has(`${n}_total`)));
    const used = [...rules("opta-rules.yml"), ...rules("opta-alerts.yml")]
      .flatMap((r) => [...r.expr.matchAll(/\bopta_[a-z0-9_]+\b/g)].map((m) => m[0]));
    assert.ok(used.length > 10);
    assert.deepEqual(used.filter((n) => !written.has(n)), []);
  },
});
