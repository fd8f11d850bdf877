/**
 * What the docs say the tools print, checked against what they print here: Deno's warning
 * about permission sets in the config file, as a task under a set shows it.
 */
import assert from "node:assert/strict";
import { readDoc, ROOT } from "./docs.ts";

Deno.test("README quotes Deno's experimental-permissions warning as deno task prints it", async () => {
  const quoted = /prints Deno's own line\s+`([^`]+)`/.exec(readDoc("README.md"))?.[1];
  assert.ok(quoted, "README quotes the warning");
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "watch", "--help"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const printed = new TextDecoder().decode(out.stderr).split("\n").filter((l) =>
    /^Warning/.test(l)
  );
  assert.deepEqual(printed, [quoted]);
});
