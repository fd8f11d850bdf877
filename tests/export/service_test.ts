/**
 * The exporter as a service of its own: install-service.sh --exporter writes its launchd
 * agent and its systemd user unit (next to, never instead of, the daemon's), the unit is
 * hardened to a systemd-analyze score of at most 2.0 with TCP as its only widening, and
 * uninstall --exporter removes only the exporter's file.
 */
import assert from "node:assert/strict";
import { works } from "../support/host.ts";
import { unitExposure } from "../support/systemd.ts";

const root = new URL("../../", import.meta.url).pathname;
const script = `${root}packaging/install-service.sh`;
const unitPath = `${root}packaging/systemd/opta-metrics-export.service`;
const decoder = new TextDecoder();
const havePlistlib = works("/usr/bin/python3", ["-c", "import plistlib"]);
const haveAnalyze = works("systemd-analyze", ["--version"]);

/** A temporary HOME, and an executable named opta-metrics-export (a link to deno) on PATH. */
function sandbox(): { dir: string; home: string; bin: string } {
  const dir = Deno.realPathSync(Deno.makeTempDirSync({ prefix: "opta-export-install-" }));
  Deno.mkdirSync(`${dir}/home`);
  Deno.mkdirSync(`${dir}/bin`);
  for (const name of ["opta-metrics", "opta-metrics-export"]) {
    Deno.symlinkSync(Deno.execPath(), `${dir}/bin/${name}`);
  }
  return { dir, home: `${dir}/home`, bin: `${dir}/bin` };
}

function run(home: string, bin: string, args: string[]) {
  const out = new Deno.Command("/bin/bash", {
    args: [script, ...args],
    env: { HOME: home, PATH: `${bin}:/usr/bin:/bin` },
    clearEnv: true,
  }).outputSync();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test({
  name: "install --exporter writes the exporter's own launchd agent; uninstall removes only it",
  ignore: !havePlistlib,
  fn() {
    const { dir, home, bin } = sandbox();
    try {
      const agents = `${home}/Library/LaunchAgents`;
      const daemon = run(home, bin, ["install", "--os", "Darwin", "--no-start"]);
      assert.equal(daemon.code, 0, daemon.stderr);
      const first = run(home, bin, ["install", "--exporter", "--os", "Darwin", "--no-start"]);
      assert.equal(first.code, 0, first.stderr);
      const agent = `${agents}/dev.opta.metrics.export.plist`;
      assert.match(first.stdout, new RegExp(`^wrote: ${agent}$`, "m"));
      assert.match(first.stdout, /metrics at http:\/\/127\.0\.0\.1:9612\/metrics\)$/m);
      const code =
        "import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], 'rb'))))";
      const out = new Deno.Command("/usr/bin/python3", { args: ["-c", code, agent] }).outputSync();
      const plist = JSON.parse(decoder.decode(out.stdout));
      assert.equal(plist.Label, "dev.opta.metrics.export");
      assert.deepEqual(plist.ProgramArguments, [
        `${bin}/opta-metrics-export`,
        "--listen",
        "127.0.0.1:9612",
      ]);
      assert.equal(plist.StandardErrorPath, `${home}/Library/Logs/opta-metrics/export.log`);
      const again = run(home, bin, ["install", "--exporter", "--os", "Darwin", "--no-start"]);
      assert.match(again.stdout, new RegExp(`^unchanged: ${agent}$`, "m"));
      const removed = run(home, bin, ["uninstall", "--exporter", "--os", "Darwin", "--no-start"]);
      assert.equal(removed.code, 0, removed.stderr);
      assert.deepEqual([...Deno.readDirSync(agents)].map((e) => e.name), [
        "dev.opta.metrics.plist",
      ]);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "install --exporter writes the exporter's systemd user unit, scored at most 2.0",
  ignore: !haveAnalyze,
  fn() {
    const { dir, home, bin } = sandbox();
    try {
      const result = run(home, bin, ["install", "--exporter", "--os", "Linux", "--no-start"]);
      assert.equal(result.code, 0, result.stderr);
      const units = `${home}/.config/systemd/user`;
      assert.deepEqual([...Deno.readDirSync(units)].map((e) => e.name), [
        "opta-metrics-export.service",
      ]);
      const unit = `${units}/opta-metrics-export.service`;
      const text = Deno.readTextFileSync(unit);
      assert.match(
        text,
        new RegExp(`^ExecStart="${bin}/opta-metrics-export" --listen 127\\.0\\.0\\.1:9612$`, "m"),
      );
      const { score, report } = unitExposure(unit);
      assert.ok(score !== null && score <= 2.0, `exposure ${score} > 2.0:\n${report}`);
      const verify = new Deno.Command("systemd-analyze", { args: ["verify", unit] }).outputSync();
      const complaints = decoder.decode(verify.stderr).split("\n")
        .filter((l) => l && !/Failed to resolve unit|not executable|No such file/.test(l));
      assert.deepEqual(complaints, []);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test("the exporter's unit widens only what serving needs: TCP, and no write but the textfile directory", () => {
  const unit = Deno.readTextFileSync(unitPath);
  const values = (key: string) =>
    [...unit.matchAll(new RegExp(`^${key}=(.*)$`, "gm"))].map((m) => m[1]);
  assert.deepEqual(values("RestrictAddressFamilies"), ["AF_UNIX AF_INET AF_INET6"]);
  assert.deepEqual(values("IPAddressDeny"), ["any"]);
  assert.deepEqual(values("IPAddressAllow"), ["localhost"]);
  assert.deepEqual(values("ProtectSystem"), ["strict"]);
  assert.deepEqual(values("ReadWritePaths"), ["-/var/lib/prometheus/node-exporter"]);
  assert.deepEqual(values("ProtectProc"), ["invisible"]);
  assert.deepEqual(values("CapabilityBoundingSet"), [""]);
  assert.deepEqual(values("NoNewPrivileges"), ["true"]);
});
