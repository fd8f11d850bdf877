/**
 * Regenerate the test vectors: `deno task vectors`. Writes `<name>.bin` (bare
 * FlatBuffer), `<name>.framed.bin` (4-byte big-endian length + the same bytes)
 * and `<name>.json` (what `flatc --json --raw-binary --strict-json` prints for
 * the bare buffer). Needs flatc on PATH.
 *
 * @module
 */

import { FrameEncoder } from "../../src/ipc/codec.ts";
import { VECTOR_CASES } from "./cases.ts";

const here = new URL(".", import.meta.url).pathname;
const schema = new URL("../../schemas/system_metrics.fbs", import.meta.url).pathname;

for (const c of VECTOR_CASES) {
  const framed = new FrameEncoder({ startedAtUs: c.startedAtUs }).encode(
    c.snapshot,
    c.momentum,
    { sequence: c.sequence, sentAtUs: c.sentAtUs },
  );
  const bin = `${here}${c.name}.bin`;
  Deno.writeFileSync(bin, framed.subarray(4));
  Deno.writeFileSync(`${here}${c.name}.framed.bin`, framed);
  const flatc = new Deno.Command("flatc", {
    args: ["--json", "--raw-binary", "--strict-json", "-o", here, schema, "--", bin],
  });
  const { code, stderr } = await flatc.output();
  if (code !== 0) throw new Error(`flatc failed on ${bin}: ${new TextDecoder().decode(stderr)}`);
  console.log(`wrote ${c.name}.bin, ${c.name}.framed.bin, ${c.name}.json`);
}
