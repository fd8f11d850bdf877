/**
 * Every relative link of README.md, PROTOCOL.md and docs/*.md leads somewhere: the file or
 * folder exists, and an anchor names a heading of the page it points to. Every `deno task`
 * the docs name, in prose or code, is a task of deno.json.
 */
import assert from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };
import { anchors, links, taskNames } from "./markdown.ts";
import { docFiles, readDoc, ROOT } from "./docs.ts";

/** What is wrong with each relative link of `file`, one line each. */
function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const { line, target } of links(readDoc(file))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, …
    const [path, anchor] = target.split("#", 2);
    const url = path === "" ? new URL(file, ROOT) : new URL(path, new URL(file, ROOT));
    const where = `${file}:${line}: ${target}`;
    let isFile: boolean;
    try {
      isFile = Deno.statSync(url).isFile;
    } catch {
      broken.push(`${where}: ${url.pathname} does not exist`);
      continue;
    }
    if (anchor === undefined) continue;
    if (!isFile || !url.pathname.endsWith(".md")) {
      broken.push(`${where}: an anchor into something that is not a Markdown file`);
    } else if (!anchors(Deno.readTextFileSync(url)).has(anchor)) {
      broken.push(`${where}: no heading makes the anchor #${anchor}`);
    }
  }
  return broken;
}

for (const file of docFiles()) {
  Deno.test(`every relative link and anchor of ${file} resolves`, () => {
    assert.deepEqual(brokenLinks(file), []);
  });
}

Deno.test("every deno task the docs name is a task of deno.json", () => {
  const tasks = new Set(Object.keys(config.tasks));
  const unknown = docFiles().flatMap((file) =>
    taskNames(readDoc(file)).filter((name) => !tasks.has(name)).map((name) => `${file}: ${name}`)
  );
  assert.deepEqual(unknown, []);
});
