/**
 * The generated readings codec is what `deno task gen` writes today, and carries the
 * fingerprint of today's layout, which changes with any declared shape.
 */
import assert from "node:assert/strict";
import { GENERATED_PATH, generateReadingsCode } from "../../src/ipc/codegen.ts";
import { bySlot, layoutFingerprint, ROOT } from "../../src/ipc/layout.ts";
import { LAYOUT_FINGERPRINT } from "../../src/ipc/generated/readings_generated.ts";

Deno.test("the generated readings code is current: run `deno task gen` after changing a declaration", async () => {
  assert.equal(await Deno.readTextFile(GENERATED_PATH), generateReadingsCode());
  assert.equal(LAYOUT_FINGERPRINT, layoutFingerprint());
});

Deno.test("the layout fingerprint changes with any declared range, slot or name", () => {
  const fields = bySlot(ROOT);
  const gpu = fields.find((f) => f.key === "gpuUsage")!;
  const variants = [
    { ...gpu, shape: { ...gpu.shape, range: { min: 0, max: 101 } } },
    { ...gpu, slot: gpu.slot + 1 },
    { ...gpu, key: "gpuBusy" },
  ];
  for (const variant of variants) {
    const changed = fields.map((f) => f === gpu ? variant : f);
    assert.notEqual(layoutFingerprint(changed), layoutFingerprint(fields), JSON.stringify(variant));
  }
});
