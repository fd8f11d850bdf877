/**
 * Reading files through the real `/bin/grep -s -H .`: the reads started in one turn
 * share one child, each gets only its own files, missing files are absent, and probed
 * files are read again only when they exist.
 */
import assert from "node:assert/strict";
import {
  type FileReader,
  GrepBatch,
  ProbedFiles,
  splitGrepOutput,
} from "../../../src/metrics/linux/proc_files.ts";
import { LINUX_TOOLS } from "../../../src/metrics/linux/platform.ts";
import { alive, fakeTool, withTempDir } from "../../support/procs.ts";

const isLinux = Deno.build.os === "linux";

Deno.test("grep output: each file's lines, a path that prefixes another, garbage", () => {
  const files = ["/s/BAT1/x", "/s/BAT10/x", "/p/dev"];
  const out = "/s/BAT10/x:a\n/s/BAT1/x:b\n/p/dev:eth0: 1 2\n/p/dev:lo: 3\n";
  assert.deepEqual(
    splitGrepOutput(out, files),
    new Map([["/s/BAT10/x", "a"], ["/s/BAT1/x", "b"], ["/p/dev", "eth0: 1 2\nlo: 3"]]),
  );
  assert.throws(() => splitGrepOutput("/other:1\n", files), /grep: line 1: not one of the files/);
});

Deno.test({
  name: "grep batch: reads started together share one spawn; missing files are absent",
  ignore: !isLinux,
  fn: () =>
    withTempDir("omd-grep", async (dir) => {
      await Deno.writeTextFile(`${dir}/a`, "one\n\ntwo\n");
      await Deno.writeTextFile(`${dir}/b`, "b: 1\n");
      await Deno.writeTextFile(`${dir}/empty`, "");
      const batch = new GrepBatch(LINUX_TOOLS.grep);
      const [first, second] = await Promise.all([
        batch.read([`${dir}/a`, `${dir}/missing`]),
        batch.read([`${dir}/b`, `${dir}/a`, `${dir}/empty`]),
      ]);
      assert.equal(batch.spawns.count, 1);
      assert.deepEqual(first, new Map([[`${dir}/a`, "one\ntwo"]]));
      assert.deepEqual(second, new Map([[`${dir}/b`, "b: 1"], [`${dir}/a`, "one\ntwo"]]));
      assert.deepEqual(await batch.read([`${dir}/missing`]), new Map());
      assert.equal(batch.spawns.count, 2, "a later read spawns again");
    }),
});

Deno.test({
  name: "grep batch: an aborted read is rejected; the others of its batch still get theirs",
  ignore: !isLinux,
  fn: () =>
    withTempDir("omd-grep", async (dir) => {
      await Deno.writeTextFile(`${dir}/a`, "x\n");
      const batch = new GrepBatch(LINUX_TOOLS.grep);
      const abort = new AbortController();
      const aborted = batch.read([`${dir}/a`], abort.signal);
      const kept = batch.read([`${dir}/a`]);
      abort.abort(new Error("stopped"));
      await assert.rejects(aborted, /stopped/);
      assert.deepEqual(await kept, new Map([[`${dir}/a`, "x"]]));
      await assert.rejects(batch.read([`${dir}/a`], abort.signal), /stopped/);
    }),
});

Deno.test({
  name: "grep batch: an aborted read settles only once its child is gone (no child left behind)",
  ignore: !isLinux,
  fn: () =>
    withTempDir("omd-grep", async (dir) => {
      // a grep that outlives SIGTERM: only the SIGKILL after the grace ends it
      const grep = await fakeTool(
        dir,
        "grep",
        `echo $$ > "${dir}/pid"; trap '' TERM; exec sleep 30`,
      );
      const batch = new GrepBatch(grep);
      const abort = new AbortController();
      const read = batch.read([`${dir}/a`], abort.signal);
      const pid = async () => Number(await Deno.readTextFile(`${dir}/pid`).catch(() => "0"));
      while ((await pid()) === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      abort.abort(new Error("stopped"));
      await assert.rejects(read, /stopped/);
      // a source's stop() awaits its read: the child must be gone by then
      assert.ok(!alive(await pid()), "the grep outlived the aborted read");
    }),
});

Deno.test("probed files: absent → no read until the reprobe; a vanished file reprobes", async () => {
  let exists = new Set<string>();
  const asked: string[][] = [];
  const reader: FileReader = (files) => {
    asked.push([...files]);
    return Promise.resolve(new Map(files.filter((f) => exists.has(f)).map((f) => [f, "1"])));
  };
  const probed = new ProbedFiles(["/a", "/b", "/c"], 1000);
  assert.deepEqual(await probed.read(reader, 0), new Map());
  assert.deepEqual(await probed.read(reader, 999), new Map());
  assert.equal(asked.length, 1, "nothing present: no read before the reprobe");
  exists = new Set(["/b", "/c"]);
  assert.equal((await probed.read(reader, 1000)).size, 2);
  await probed.read(reader, 1001);
  assert.deepEqual(asked.at(-1), ["/b", "/c"], "later reads ask for the present files only");
  exists = new Set(["/b"]);
  assert.equal((await probed.read(reader, 1002)).size, 1);
  await probed.read(reader, 1003);
  assert.deepEqual(asked.at(-1), ["/a", "/b", "/c"], "a file went away: every candidate again");
});
