/**
 * One declaration per reading: the name of a reading appended after the seed's appears
 * in at most five hand-written files under src/ (the snapshot type, the declaration in
 * `metrics/readings/`, the platform readers and one spare), because everything that only restates a reading
 * (codec, JSON, rows, sampler, source lists) is derived from its declaration. Readings
 * whose names are ordinary words (`battery`, `network`, `swap`) occur in prose too, so
 * the compound names stand for all. The seed's six readings keep the seed's fixed codec
 * path and feed momentum, so they are named where those are, on purpose.
 */
import assert from "node:assert/strict";
import { SEED_KEYS } from "../../src/ipc/layout.ts";
import { READING_LIST } from "../../src/metrics/catalog.ts";

const SRC = new URL("../../src/", import.meta.url).pathname;

/** Every hand-written module under src/ (flatc's and codegen's output aside) and its text. */
function modules(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(dir)) {
      const path = `${dir}${entry.name}`;
      if (entry.isDirectory && entry.name !== "generated") walk(`${path}/`);
      else if (entry.isFile && path.endsWith(".ts")) {
        out.set(path.slice(SRC.length), Deno.readTextFileSync(path));
      }
    }
  };
  walk(SRC);
  return out;
}

/** The modules that name `reading` by its TypeScript or its schema name. */
export function whereNamed(key: string, wire: string, texts: Map<string, string>): string[] {
  const name = new RegExp(`\\b(${key}|${wire})\\b`);
  return [...texts].filter(([, text]) => name.test(text)).map(([path]) => path).sort();
}

Deno.test("each compound-named appended reading is named in at most 5 hand-written files under src/", () => {
  const texts = modules();
  const compound = READING_LIST.filter((r) => /[A-Z]/.test(r.key) && !SEED_KEYS.includes(r.key));
  assert.ok(compound.length >= 6, "enough readings to stand for all");
  const spread = compound.map((r) => ({ key: r.key, files: whereNamed(r.key, r.wire, texts) }));
  console.log(
    spread.map(({ key, files }) => `${key}: ${files.length} (${files.join(", ")})`).join("\n"),
  );
  for (const { key, files } of spread) {
    assert.ok(files.length <= 5, `${key} is named in ${files.length} files: ${files.join(", ")}`);
    const declared = files.filter((f) => f.startsWith("metrics/readings/"));
    assert.equal(declared.length, 1, `${key} is declared in one module: ${declared.join(", ")}`);
    assert.ok(files.includes("metrics/types.ts"), key);
  }
  const gpu = spread.find((s) => s.key === "gpuUsage")!;
  assert.deepEqual(gpu.files, [
    "metrics/darwin/readers.ts",
    "metrics/linux/readers.ts",
    "metrics/readings/hardware.ts",
    "metrics/types.ts",
  ], "a scalar reading of both platforms: its declaration, its type, its two readers");
});
