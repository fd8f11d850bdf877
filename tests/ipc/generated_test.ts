/** The generated code is flatc's output for the committed schema, and other flatc backends accept the schema. */
import assert from "node:assert/strict";
import { flatcAvailable, runFlatc } from "../support/flatc.ts";

const root = new URL("../../", import.meta.url).pathname;
const schema = `${root}schemas/system_metrics.fbs`;
const committed = `${root}src/ipc/generated/system_metrics_generated.ts`;

Deno.test({
  name: "src/ipc/generated matches a fresh flatc run on the schema (run `deno task gen`)",
  ignore: !flatcAvailable(),
  async fn() {
    const out = await Deno.makeTempDir();
    try {
      await runFlatc(["--ts", "--ts-flat-files", "--gen-all", "-o", out, schema]);
      const fresh = await Deno.readTextFile(`${out}/system_metrics_generated.ts`);
      assert.equal(await Deno.readTextFile(committed), fresh);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

for (const lang of ["--cpp", "--python", "--swift", "--go", "--rust"]) {
  Deno.test({
    name: `flatc ${lang} accepts the schema`,
    ignore: !flatcAvailable(),
    async fn() {
      const out = await Deno.makeTempDir();
      try {
        await runFlatc([lang, "-o", out, schema]);
        const made = [...Deno.readDirSync(out)];
        assert.ok(made.length > 0, `flatc ${lang} wrote nothing`);
      } finally {
        await Deno.remove(out, { recursive: true });
      }
    },
  });
}
