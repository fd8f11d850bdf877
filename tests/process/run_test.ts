import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { ProcessFailure, type ProcessFailureKind } from "../../src/process/failure.ts";
import { runCommand } from "../../src/process/run.ts";
import { BASE_ENV } from "../../src/process/spawn.ts";
import { childrenOf, fakeTool, pidExists, withTempDir } from "../support/procs.ts";
import { VirtualClock } from "../support/virtual_clock.ts";
import { waitFor } from "../support/wait.ts";

/** Awaits `promise`, which must reject with a ProcessFailure of `kind`; returns it. */
async function failure(promise: Promise<unknown>, kind: ProcessFailureKind) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ProcessFailure, `not a ProcessFailure: ${error}`);
    assert.equal(error.kind, kind, error.message);
    assert.ok(!error.message.includes("\n"), "message must be one line");
    return error;
  }
  assert.fail(`expected a ${kind} failure`);
}

Deno.test({
  name: "runCommand: a relative path or an LD_ env key is a config failure",
  fn: async () => {
    const e = await failure(runCommand("df", ["-kP", "/"]), "config");
    assert.equal(e.message, "df -kP /: path must be absolute");
    await failure(runCommand("/bin/df", [], { env: { LD_PRELOAD: "/x.so" } }), "config");
    await failure(runCommand("/bin/df", [], { timeoutMs: 0 }), "config");
  },
});

Deno.test({
  name: "runCommand: a missing file is not-found, a non-executable file is permission",
  fn: () =>
    withTempDir("opta-process-", async (dir) => {
      const e = await failure(runCommand(`${dir}/missing`, []), "not-found");
      assert.equal(e.message, `${dir}/missing: not found`);
      await Deno.writeTextFile(`${dir}/plain`, "#!/bin/sh\necho hi\n");
      await failure(runCommand(`${dir}/plain`, []), "permission");
    }),
});

Deno.test({
  name: "runCommand: real /bin/df -kP / succeeds",
  fn: async () => {
    const r = await runCommand("/bin/df", ["-kP", "/"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Filesystem\s+1024-blocks/);
    assert.ok(r.durationMs > 0 && r.durationMs < 5000);
  },
});

Deno.test({
  name: "runCommand: the environment is cleared to HOME, LC_ALL and PATH (plus explicit extras)",
  fn: async () => {
    Deno.env.set("OPTA_TEST_SECRET", "leak");
    try {
      const r = await runCommand("/usr/bin/env", []);
      assert.deepEqual(r.stdout.trim().split("\n").sort(), [
        "HOME=/dev/null",
        `LC_ALL=${BASE_ENV.LC_ALL}`,
        `PATH=${BASE_ENV.PATH}`,
      ]);
      const extra = await runCommand("/usr/bin/env", [], { env: { TZ: "UTC" } });
      assert.deepEqual(extra.stdout.trim().split("\n").sort(), [
        "HOME=/dev/null",
        "LC_ALL=C",
        `PATH=${BASE_ENV.PATH}`,
        "TZ=UTC",
      ]);
    } finally {
      Deno.env.delete("OPTA_TEST_SECRET");
    }
  },
});

Deno.test({
  name: "runCommand: non-zero exit is kind exit with the code and the first stderr line",
  fn: () =>
    withTempDir("opta-process-", async (dir) => {
      const bad = await fakeTool(dir, "bad", 'echo "boom: bad thing" >&2; echo second >&2; exit 3');
      const e = await failure(runCommand(bad, ["-x", "a b"]), "exit");
      assert.equal(e.message, `${bad} -x "a b": exited with code 3: boom: bad thing`);
      assert.equal(e.code, 3);
      assert.equal(e.stderr, "boom: bad thing\nsecond\n");

      const killed = await fakeTool(dir, "killed", "kill -SEGV $$");
      const k = await failure(runCommand(killed, []), "exit");
      assert.equal(k.signal, "SIGSEGV");
      assert.match(k.message, /killed by SIGSEGV$/);
    }),
});

Deno.test({
  name: "runCommand: allowExitCodes accepts the listed non-zero codes",
  fn: () =>
    withTempDir("opta-process-", async (dir) => {
      const two = await fakeTool(dir, "two", "echo value; exit 2");
      const r = await runCommand(two, [], { allowExitCodes: [1, 2] });
      assert.equal(r.code, 2);
      assert.equal(r.stdout, "value\n");
      await failure(runCommand(two, [], { allowExitCodes: [1] }), "exit");
    }),
});

Deno.test({
  name: "runCommand: a child that ignores SIGTERM is killed with SIGKILL at its timeout",
  fn: () =>
    withTempDir("opta-process-", async (dir) => {
      const hang = await fakeTool(
        dir,
        "hang",
        `trap '' TERM; echo $$ > "${dir}/pid"; while :; do sleep 0.1; done`,
      );
      const t0 = performance.now();
      const e = await failure(runCommand(hang, [], { timeoutMs: 300, graceMs: 200 }), "timeout");
      const took = performance.now() - t0;
      assert.equal(
        e.message,
        `${hang}: timed out after 300 ms (killed with SIGKILL after 200 ms grace)`,
      );
      assert.equal(e.signal, "SIGKILL");
      assert.ok(took >= 480 && took < 300 + 200 + 200 + 600, `took ${took} ms`);
      const pid = Number(await Deno.readTextFile(`${dir}/pid`));
      assert.ok(!pidExists(pid), `pid ${pid} still alive`);
    }),
});

Deno.test({
  name: "runCommand: a child that honours SIGTERM dies at its timeout without SIGKILL",
  fn: async () => {
    const t0 = performance.now();
    const e = await failure(runCommand("/bin/sleep", ["10"], { timeoutMs: 200 }), "timeout");
    assert.equal(e.message, "/bin/sleep 10: timed out after 200 ms (killed)");
    assert.equal(e.signal, "SIGTERM");
    assert.ok(performance.now() - t0 < 1000);
  },
});

Deno.test({
  name: "runCommand: the timeout runs on the injected clock; a hung child dies when it passes",
  fn: async () => {
    const clock = new VirtualClock(0);
    let settled = false;
    const run = runCommand("/bin/sleep", ["30"], { timeoutMs: 5000, clock });
    run.then(() => settled = true, () => settled = true);
    const sleeping = () => childrenOf(Deno.pid).filter((c) => c.comm === "sleep");
    await waitFor(() => sleeping().length === 1, 2000, "the sleep to start");
    const [{ pid }] = sleeping();
    await clock.advance(4999);
    await delay(100); // real time passes too: only the clock's time may end the child
    assert.equal(settled, false, "not before the timeout on the clock");
    assert.ok(pidExists(pid), "the child still runs");
    assert.equal(clock.pending, 1, "one timer: the timeout");
    await clock.advance(1);
    const e = await failure(run, "timeout");
    assert.equal(e.message, "/bin/sleep 30: timed out after 5000 ms (killed)");
    assert.equal(e.signal, "SIGTERM");
    assert.ok(!pidExists(pid), `pid ${pid} still alive`);
    assert.equal(clock.pending, 0, "no timer left behind");
  },
});

Deno.test({
  name: "runCommand: an AbortSignal kills the child with kind aborted",
  fn: async () => {
    const ac = new AbortController();
    const run = runCommand("/bin/sleep", ["10"], { signal: ac.signal });
    await delay(100);
    ac.abort();
    await failure(run, "aborted");
    await failure(runCommand("/bin/sleep", ["10"], { signal: ac.signal }), "aborted");
  },
});

Deno.test({
  name: "runCommand: flooding stdout fails with output-too-large and kills the child",
  fn: () =>
    withTempDir("opta-process-", async (dir) => {
      const e = await failure(
        runCommand("/usr/bin/head", ["-c", "10000000", "/dev/zero"]),
        "output-too-large",
      );
      assert.match(e.message, /^\/usr\/bin\/head -c 10000000 \/dev\/zero: stdout exceeded 1048576/);

      const flood = await fakeTool(dir, "flood", `echo $$ > "${dir}/pid"; exec /usr/bin/yes`);
      const t0 = performance.now();
      await failure(runCommand(flood, [], { maxStdoutBytes: 4096 }), "output-too-large");
      assert.ok(performance.now() - t0 < 1500);
      const pid = Number(await Deno.readTextFile(`${dir}/pid`));
      assert.ok(!pidExists(pid), `pid ${pid} still alive`);
    }),
});

Deno.test({
  name: "runCommand: stderr is cut silently at its bound",
  fn: () =>
    withTempDir("opta-process-", async (dir) => {
      const noisy = await fakeTool(
        dir,
        "noisy",
        "/usr/bin/head -c 200000 /dev/zero | /usr/bin/tr '\\0' x >&2; echo ok",
      );
      const r = await runCommand(noisy, []);
      assert.equal(r.stdout, "ok\n");
      assert.equal(r.stderr.length, 64 * 1024);
      const small = await runCommand(noisy, [], { maxStderrBytes: 10 });
      assert.equal(small.stderr, "xxxxxxxxxx");
    }),
});
