/**
 * Every code block of README.md, PROTOCOL.md and docs/*.md runs as written: shell through
 * bash in a scratch clone, TypeScript under the permissions its command line claims, Python
 * with /usr/bin/python3, against a daemon the test runs on its own socket. A block that
 * cannot run here carries a skip marker with its reason and is still checked (markdown.ts).
 */
import { codeBlocks } from "./markdown.ts";
import { docFiles, readDoc } from "./docs.ts";
import { checkBlock, missingNeeds, runBlock, RUNNABLE, Scratch } from "./run_blocks.ts";

for (const file of docFiles()) {
  const blocks = codeBlocks(file, readDoc(file));
  if (blocks.length === 0) continue;
  Deno.test(`the code blocks of ${file} run as written`, async (t) => {
    const byId = new Map(blocks.flatMap((b) => b.marker.id ? [[b.marker.id, b]] : []));
    const scratch = await Scratch.create();
    try {
      for (const block of blocks) {
        const where = `${file}:${block.line} ${block.lang || "(no language)"}`;
        const { skip, needs } = block.marker;
        if (skip !== undefined) {
          await t.step(`${where}: checked, not run (${skip})`, () => checkBlock(block));
          continue;
        }
        if (!RUNNABLE.has(block.lang)) {
          await t.step(`${where}: runs`, () => {
            throw new Error(
              `a ${block.lang || "plain"} block cannot run here: give it a ` +
                `language it can run in, "text" for an illustration, or a skip="REASON" marker`,
            );
          });
          continue;
        }
        if (block.lang === "text") {
          await t.step(`${where}: an illustration, not code`, () => {});
          continue;
        }
        const missing = missingNeeds(needs);
        await t.step({
          name: `${where}: runs` + (missing.length ? ` [SKIPPED: no ${missing.join(", ")}]` : ""),
          ignore: missing.length > 0,
          fn: () => runBlock(scratch, block, byId),
        });
      }
    } finally {
      await scratch.close();
    }
  });
}
