/**
 * The import graph of src/: no cycles, and every module imports only from its own
 * layer or below (docs/architecture.md, "The layers"), so the core stays readable.
 */
import assert from "node:assert/strict";

const SRC = new URL("../../src/", import.meta.url).pathname;

/** The layers, lowest first; a module may import from its own layer or a lower one. */
const LAYERS: readonly (readonly string[])[] = [
  ["log.ts", "os_error.ts", "printable.ts", "bytes.ts"],
  ["time", "process", "momentum"],
  ["metrics"],
  ["ipc"],
  ["daemon", "export"],
  ["cli"],
  ["main.ts", "export_main.ts"],
];

/** Every module under src/ (generated code aside) and the modules it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(dir)) {
      const path = `${dir}${entry.name}`;
      if (entry.isDirectory && entry.name !== "generated") walk(`${path}/`);
      if (!entry.isFile || !path.endsWith(".ts")) continue;
      // Import statements only: the examples in doc comments start with " * ".
      const code = Deno.readTextFileSync(path).split("\n").filter((l) => !/^\s*\*/.test(l));
      const imports = [...code.join("\n").matchAll(/(?:from|import\()\s*"(\.{1,2}\/[^"]+)"/g)]
        .map((m) => new URL(m[1], `file://${path}`).pathname)
        .filter((target) => target.startsWith(SRC) && !target.includes("/generated/"));
      graph.set(path, imports);
    }
  };
  walk(SRC);
  return graph;
}

/** The layer index of a module: by its top folder under src/, or its own name at the top. */
function layerOf(path: string): number {
  const top = path.slice(SRC.length).split("/")[0];
  const index = LAYERS.findIndex((layer) => layer.includes(top));
  assert.ok(index >= 0, `${path.slice(SRC.length)} is in no layer: add it to LAYERS`);
  return index;
}

Deno.test("src/ has no import cycle", () => {
  const graph = importGraph();
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (node: string, stack: string[]) => {
    state.set(node, "open");
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") {
        cycles.push(
          [...stack.slice(stack.indexOf(next)), next].map((p) => p.slice(SRC.length)).join(" → "),
        );
      } else if (!state.has(next)) visit(next, [...stack, next]);
    }
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node, [node]);
  assert.deepEqual(cycles, []);
  assert.ok(graph.size > 40, `read ${graph.size} modules`);
});

Deno.test("every src/ module imports only from its own layer or below", () => {
  const upward: string[] = [];
  for (const [from, imports] of importGraph()) {
    for (const to of imports) {
      if (layerOf(to) > layerOf(from)) {
        upward.push(`${from.slice(SRC.length)} → ${to.slice(SRC.length)}`);
      }
    }
  }
  assert.deepEqual(upward, []);
});
