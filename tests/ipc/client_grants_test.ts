/**
 * The client library works under exactly the grants README's "Subscribing" shows
 * (the socket path alone, plus `uid`), and under nothing less.
 */
import assert from "node:assert/strict";
import { withDaemon } from "../support/daemon.ts";

const root = new URL("../../", import.meta.url).pathname;
const program = new URL("../support/one_frame.ts", import.meta.url).pathname;

/** Runs the one-frame client with `grants`; its exit code and output. */
async function client(sock: string, grants: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", ...grants, program, sock],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

Deno.test("the client library reads a frame under README's socket-scoped grants", async () => {
  await withDaemon({}, async (_daemon, sock) => {
    const grants = [
      `--allow-read=${sock}`,
      `--allow-write=${sock}`,
      `--allow-net=unix:${sock}`,
      "--allow-sys=uid",
    ];
    const ok = await client(sock, grants);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^\d+\n$/);
    // Each grant is needed: without any one of them the client cannot run.
    for (const missing of grants) {
      const denied = await client(sock, grants.filter((g) => g !== missing));
      assert.notEqual(denied.code, 0, `ran without ${missing}`);
      assert.match(denied.stderr, /NotCapable|requires|permission/i, denied.stderr);
    }
  });
});
