/**
 * `sysctl kern.memorystatus_vm_pressure_level`: no capture of it exists (the key is masked,
 * absent from `sysctl -a`), so the three levels xnu defines and every other value are tested.
 */
import assert from "node:assert/strict";
import { memoryPressureFromSysctl } from "../../../src/metrics/darwin/pressure.ts";
import { parseSysctl } from "../../../src/metrics/darwin/sysctl.ts";
import { assertParseError } from "../../support/fixtures.ts";

const level = (value: string) => () =>
  memoryPressureFromSysctl(parseSysctl(`kern.memorystatus_vm_pressure_level: ${value}\n`));

Deno.test("memory pressure: 1, 2 and 4 are normal, warning and critical", () => {
  assert.equal(level("1")(), "normal");
  assert.equal(level("2")(), "warning");
  assert.equal(level("4")(), "critical");
});

Deno.test("memory pressure: any other value is a ParseError naming it, never a guessed level", () => {
  for (const value of ["0", "3", "8", "", "01", "2.0", "normal", "-1", "constructor"]) {
    assertParseError(level(value), "sysctl", 0, `is ${JSON.stringify(value)}`);
  }
  assertParseError(() => memoryPressureFromSysctl(new Map()), "sysctl", 0, "missing");
});
