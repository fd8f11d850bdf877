/**
 * The docs harness itself: it reads markers, anchors and links as GitHub renders them, and a
 * block that fails (a Python NameError, a failing shell line, a stream that never shows what it
 * should) fails its test.
 */
import assert from "node:assert/strict";
import { anchors, codeBlocks, links, parseMarker, slug, taskNames } from "./markdown.ts";
import { runBlock, Scratch } from "./run_blocks.ts";

Deno.test("doc-test markers: every key read; an unknown key or an empty reason is refused", () => {
  const m = parseMarker(
    ` skip="needs \\"brew\\"" id=a after=b,c file=x.ts daemon=/tmp/s.sock until="^\\d+$" lines ` +
      `cwd=app needs=jq,socat `,
  );
  assert.equal(m.skip, 'needs "brew"');
  assert.deepEqual([m.id, m.after, m.file, m.daemon, m.cwd, m.needs, m.lines], [
    "a",
    ["b", "c"],
    "x.ts",
    "/tmp/s.sock",
    "app",
    ["jq", "socat"],
    true,
  ]);
  assert.ok(m.until?.test("x\n12\n"));
  assert.throws(() => parseMarker(" skipp=x"), /unknown doc-test key "skipp"/);
  assert.throws(() => parseMarker(' skip=""'), /"skip" needs a value/);
  assert.throws(() => parseMarker(" skip"), /"skip" needs a value/);
});

Deno.test("code blocks: indented fences, the marker before each, an unclosed fence refused", () => {
  const text = [
    "- item",
    "",
    "  <!-- doc-test: cwd=app -->",
    "",
    "  ```json",
    '  { "a": 1 }',
    "  ```",
    "",
    "```",
    "plain",
    "```",
  ].join("\n");
  const [json, plain] = codeBlocks("x.md", text);
  assert.deepEqual([json.line, json.lang, json.code, json.marker.cwd], [
    5,
    "json",
    '{ "a": 1 }\n',
    "app",
  ]);
  assert.deepEqual([plain.lang, plain.marker.cwd], ["", undefined]);
  assert.throws(() => codeBlocks("x.md", "```sh\necho\n"), /x\.md:1: unclosed code fence/);
  assert.throws(
    () => codeBlocks("x.md", "<!-- doc-test: skip -->\n```sh\n```\n"),
    /x\.md:1: doc-test key "skip" needs a value/,
  );
});

Deno.test("anchors and links as GitHub makes them; code is neither", () => {
  assert.equal(slug("`serve` flags"), "serve-flags");
  assert.equal(slug("Running at login (launchd, systemd)"), "running-at-login-launchd-systemd");
  assert.equal(slug("`MomentumState` and `MomentumColor`"), "momentumstate-and-momentumcolor");
  assert.deepEqual(
    [...anchors("# A\n## B\n```\n# not a heading\n```\n## B\n")],
    ["a", "b", "b-1"],
  );
  const found = links("see [x](a.md#b) and `[y](code.md)`\n```\n[z](in-code.md)\n```\n[r]: r.md\n");
  assert.deepEqual(found, [{ line: 1, target: "a.md#b" }, { line: 5, target: "r.md" }]);
  assert.deepEqual(taskNames("run `deno task start`, then deno task bench:stream"), [
    "start",
    "bench:stream",
  ]);
});

Deno.test("a failing block fails: a Python NameError, a failing shell line, a silent stream", async () => {
  const scratch = await Scratch.create();
  try {
    const doc = [
      "<!-- doc-test: id=helper -->",
      "```python",
      "def uid():",
      "    return os.getuid()",
      "```",
      "<!-- doc-test: after=helper -->",
      "```python",
      "print(uid())",
      "```",
      "```sh",
      "false",
      "echo never",
      "```",
      '<!-- doc-test: until="never printed" -->',
      "```sh",
      "echo something else",
      "```",
      '<!-- doc-test: until="^ready$" -->',
      "```sh",
      "echo ready; sleep 600",
      "```",
    ].join("\n");
    const blocks = codeBlocks("t.md", doc);
    const byId = new Map([["helper", blocks[0]]]);
    await runBlock(scratch, blocks[0], byId); // defines only
    await assert.rejects(runBlock(scratch, blocks[1], byId), /NameError: name 'os' is not defined/);
    await assert.rejects(runBlock(scratch, blocks[2], byId), /exit 1/);
    await assert.rejects(runBlock(scratch, blocks[3], byId), /before its output matched/);
    await runBlock(scratch, blocks[4], byId); // matched, then stopped: no 600 s wait
  } finally {
    await scratch.close();
  }
});
