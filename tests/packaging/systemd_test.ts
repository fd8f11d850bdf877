/**
 * The systemd user unit is hardened: `systemd-analyze security --offline=yes` scores it at
 * most 2.0, every directive the daemon's sandbox calls for is set, and each relaxation says
 * why it is there.
 */
import assert from "node:assert/strict";
import { overallExposure, unitExposure } from "../support/systemd.ts";
import { works } from "../support/host.ts";

const root = new URL("../../", import.meta.url).pathname;
const unitPath = `${root}packaging/systemd/opta-metrics.service`;
const unit = Deno.readTextFileSync(unitPath);

const haveAnalyze = works("systemd-analyze", ["--version"]);

/** Values of a key in the unit's [Service] section (a key may repeat). */
function serviceValues(key: string): string[] {
  const service = unit.split(/^\[Service\]$/m)[1].split(/^\[/m)[0];
  return [...service.matchAll(new RegExp(`^${key}=(.*)$`, "gm"))].map((m) => m[1]);
}

Deno.test({
  name: "systemd-analyze security --user --offline=yes scores the unit at most 2.0" +
    (haveAnalyze ? "" : " [SKIPPED: no systemd-analyze]"),
  ignore: !haveAnalyze,
  fn() {
    const { score, report } = unitExposure(unitPath);
    assert.ok(score !== null, `no score in:\n${report}`);
    assert.ok(score <= 2.0, `exposure ${score} > 2.0:\n${report}`);
  },
});

Deno.test("the unit sets the hardening the daemon's sandbox calls for", () => {
  const want: Record<string, string> = {
    UMask: "0077",
    NoNewPrivileges: "true",
    CapabilityBoundingSet: "",
    RestrictAddressFamilies: "AF_UNIX",
    IPAddressDeny: "any",
    // the daemon must see the host's network namespace: the network value reads /proc/net
    PrivateNetwork: "false",
    LockPersonality: "true",
    RestrictRealtime: "true",
    RestrictNamespaces: "true",
    RestrictSUIDSGID: "true",
    SystemCallArchitectures: "native",
    PrivateDevices: "true",
    ProtectKernelTunables: "true",
    ProtectKernelModules: "true",
    ProtectKernelLogs: "true",
    ProtectControlGroups: "true",
    ProtectClock: "true",
    ProtectHostname: "true",
    ProtectHome: "read-only",
    ProtectSystem: "strict",
    ReadWritePaths: "%t",
    PrivateTmp: "true",
    MemoryDenyWriteExecute: "false",
  };
  for (const [key, value] of Object.entries(want)) {
    assert.deepEqual(serviceValues(key), [value], key);
  }
  assert.deepEqual(serviceValues("SystemCallFilter"), ["@system-service", "~@privileged"]);
  assert.match(serviceValues("MemoryMax")[0], /^\d+M$/);
  assert.match(serviceValues("CPUQuota")[0], /^\d+%$/);
});

Deno.test("every relaxation in the unit has a comment saying why", () => {
  const lines = unit.split("\n");
  for (const key of ["MemoryDenyWriteExecute", "PrivateNetwork", "ProtectProc", "ProcSubset"]) {
    const at = lines.findIndex((l) => l.startsWith(`${key}=`));
    assert.ok(at > 0, key);
    let i = at - 1;
    while (i >= 0 && /^[A-Z]\w+=/.test(lines[i])) i--;
    assert.match(lines[i], /^# /, `${key} has no comment above it`);
  }
  assert.match(unit, /# MemoryDenyWriteExecute stays off: V8 /);
});

Deno.test("overallExposure reads the score line", () => {
  assert.equal(overallExposure("→ Overall exposure level for a.service: 9.4 UNSAFE 😨"), 9.4);
  assert.equal(overallExposure("→ Overall exposure level for a.service: 1.1 OK 🙂"), 1.1);
  assert.equal(overallExposure("Failed to initialize manager"), null);
});
