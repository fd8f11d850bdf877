import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import {
  BASE_ENV,
  CommandFailure,
  type CommandFailureKind,
  LineChild,
  runCommand,
} from "../../src/metrics/command.ts";

const sanitize = { sanitizeOps: true, sanitizeResources: true };

/** Runs `fn` with a temporary directory for fake executables, removed afterwards. */
async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "opta-command-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Writes an executable `#!/bin/sh` script and returns its absolute path. */
async function fake(dir: string, name: string, body: string): Promise<string> {
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, `#!/bin/sh\n${body}\n`);
  await Deno.chmod(path, 0o755);
  return path;
}

/** Awaits `promise`, which must reject with a CommandFailure of `kind`; returns it. */
async function failure(promise: Promise<unknown>, kind: CommandFailureKind) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof CommandFailure, `not a CommandFailure: ${error}`);
    assert.equal(error.kind, kind, error.message);
    assert.ok(!error.message.includes("\n"), "message must be one line");
    return error;
  }
  assert.fail(`expected a ${kind} failure`);
}

function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) assert.fail(`timed out waiting for ${what}`);
    await delay(10);
  }
}

// runCommand ------------------------------------------------------------------------------------

Deno.test({
  name: "runCommand: a relative path or an LD_ env key is a config failure",
  ...sanitize,
  fn: async () => {
    const e = await failure(runCommand("df", ["-kP", "/"]), "config");
    assert.equal(e.message, "df -kP /: path must be absolute");
    await failure(runCommand("/bin/df", [], { env: { LD_PRELOAD: "/x.so" } }), "config");
    await failure(runCommand("/bin/df", [], { timeoutMs: 0 }), "config");
  },
});

Deno.test({
  name: "runCommand: a missing file is not-found, a non-executable file is permission",
  ...sanitize,
  fn: () =>
    withDir(async (dir) => {
      const e = await failure(runCommand(`${dir}/missing`, []), "not-found");
      assert.equal(e.message, `${dir}/missing: not found`);
      await Deno.writeTextFile(`${dir}/plain`, "#!/bin/sh\necho hi\n");
      await failure(runCommand(`${dir}/plain`, []), "permission");
    }),
});

Deno.test({
  name: "runCommand: real /bin/df -kP / succeeds",
  ...sanitize,
  fn: async () => {
    const r = await runCommand("/bin/df", ["-kP", "/"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Filesystem\s+1024-blocks/);
    assert.ok(r.durationMs > 0 && r.durationMs < 5000);
  },
});

Deno.test({
  name: "runCommand and LineChild: output spanning many reads of the reused buffer is intact",
  ...sanitize,
  fn: async () => {
    // `seq` writes ~340 KiB in 4 KiB pipe writes, so it reaches us in many reads of the one
    // read buffer; the kept text and the lines must not show bytes of a later read.
    const expected = Array.from({ length: 60_000 }, (_, i) => String(i + 1));
    const r = await runCommand("/usr/bin/seq", ["60000"]);
    assert.equal(r.stdout, expected.join("\n") + "\n");

    const lines: string[] = [];
    let done!: () => void;
    const all = new Promise<void>((resolve) => done = resolve);
    const child = new LineChild({
      path: "/usr/bin/seq",
      args: ["60000"],
      onLine: (line) => {
        lines.push(line);
        if (lines.length === expected.length) done();
      },
      onError: () => {},
    });
    child.start();
    await all;
    await child.stop();
    assert.deepEqual(lines.slice(0, expected.length), expected);
  },
});
Deno.test({
  name: "runCommand: the environment is cleared to LC_ALL and PATH (plus explicit extras)",
  ...sanitize,
  fn: async () => {
    Deno.env.set("OPTA_TEST_SECRET", "leak");
    try {
      const r = await runCommand("/usr/bin/env", []);
      assert.deepEqual(r.stdout.trim().split("\n").sort(), [
        `LC_ALL=${BASE_ENV.LC_ALL}`,
        `PATH=${BASE_ENV.PATH}`,
      ]);
      const extra = await runCommand("/usr/bin/env", [], { env: { TZ: "UTC" } });
      assert.deepEqual(extra.stdout.trim().split("\n").sort(), [
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
  ...sanitize,
  fn: () =>
    withDir(async (dir) => {
      const bad = await fake(dir, "bad", 'echo "boom: bad thing" >&2; echo second >&2; exit 3');
      const e = await failure(runCommand(bad, ["-x", "a b"]), "exit");
      assert.equal(e.message, `${bad} -x "a b": exited with code 3: boom: bad thing`);
      assert.equal(e.code, 3);
      assert.equal(e.stderr, "boom: bad thing\nsecond\n");

      const killed = await fake(dir, "killed", "kill -SEGV $$");
      const k = await failure(runCommand(killed, []), "exit");
      assert.equal(k.signal, "SIGSEGV");
      assert.match(k.message, /killed by SIGSEGV$/);
    }),
});

Deno.test({
  name: "runCommand: allowExitCodes accepts the listed non-zero codes",
  ...sanitize,
  fn: () =>
    withDir(async (dir) => {
      const two = await fake(dir, "two", "echo value; exit 2");
      const r = await runCommand(two, [], { allowExitCodes: [1, 2] });
      assert.equal(r.code, 2);
      assert.equal(r.stdout, "value\n");
      await failure(runCommand(two, [], { allowExitCodes: [1] }), "exit");
    }),
});

Deno.test({
  name: "runCommand: a child that ignores SIGTERM is killed with SIGKILL at its timeout",
  ...sanitize,
  fn: () =>
    withDir(async (dir) => {
      const hang = await fake(
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
      assert.ok(!alive(pid), `pid ${pid} still alive`);
    }),
});

Deno.test({
  name: "runCommand: a child that honours SIGTERM dies at its timeout without SIGKILL",
  ...sanitize,
  fn: async () => {
    const t0 = performance.now();
    const e = await failure(runCommand("/bin/sleep", ["10"], { timeoutMs: 200 }), "timeout");
    assert.equal(e.message, "/bin/sleep 10: timed out after 200 ms (killed)");
    assert.equal(e.signal, "SIGTERM");
    assert.ok(performance.now() - t0 < 1000);
  },
});

Deno.test({
  name: "runCommand: an AbortSignal kills the child with kind aborted",
  ...sanitize,
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
  ...sanitize,
  fn: () =>
    withDir(async (dir) => {
      const e = await failure(
        runCommand("/usr/bin/head", ["-c", "10000000", "/dev/zero"]),
        "output-too-large",
      );
      assert.match(e.message, /^\/usr\/bin\/head -c 10000000 \/dev\/zero: stdout exceeded 1048576/);

      const flood = await fake(dir, "flood", `echo $$ > "${dir}/pid"; exec /usr/bin/yes`);
      const t0 = performance.now();
      await failure(runCommand(flood, [], { maxStdoutBytes: 4096 }), "output-too-large");
      assert.ok(performance.now() - t0 < 1500);
      const pid = Number(await Deno.readTextFile(`${dir}/pid`));
      assert.ok(!alive(pid), `pid ${pid} still alive`);
    }),
});

Deno.test({
  name: "runCommand: stderr is cut silently at its bound",
  ...sanitize,
  fn: () =>
    withDir(async (dir) => {
      const noisy = await fake(
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

// LineChild -------------------------------------------------------------------------------------

interface Seen {
  lines: string[];
  errors: CommandFailure[];
  child: LineChild;
}

function watch(
  options: Omit<ConstructorParameters<typeof LineChild>[0], "onLine" | "onError">,
): Seen {
  const lines: string[] = [];
  const errors: CommandFailure[] = [];
  const child = new LineChild({
    ...options,
    onLine: (line) => lines.push(line),
    onError: (failure) => errors.push(failure),
  });
  return { lines, errors, child };
}

Deno.test({
  name: "LineChild: a relative path is a config failure at construction",
  ...sanitize,
  fn: () => {
    assert.throws(
      () => new LineChild({ path: "vm_stat", args: ["1"], onLine() {}, onError() {} }),
      (e: unknown) => e instanceof CommandFailure && e.kind === "config",
    );
  },
});

Deno.test({
  name: "LineChild: delivers numbered lines in order; stop() leaves no process",
  ...sanitize,
  fn: () =>
    withDir(async (dir) => {
      const count = await fake(
        dir,
        "count",
        'echo "pid $$"; i=0; while :; do i=$((i+1)); echo "line $i"; sleep 0.01; done',
      );
      const s = watch({ path: count });
      s.child.start();
      await waitFor(() => s.lines.length >= 21, 2000, "21 lines");
      assert.ok(s.child.running);
      const pid = s.child.pid!;
      await s.child.stop();
      assert.equal(s.lines[0], `pid ${pid}`);
      assert.deepEqual(s.lines.slice(1, 21), Array.from({ length: 20 }, (_, i) => `line ${i + 1}`));
      assert.deepEqual(s.errors, []);
      assert.equal(s.child.restarts, 0);
      assert.equal(s.child.running, false);
      assert.equal(s.child.pid, null);
      assert.ok(!alive(pid), `pid ${pid} still alive`);
      const n = s.lines.length;
      await delay(50);
      assert.equal(s.lines.length, n, "no line after stop()");
    }),
});

Deno.test({
  name: "LineChild: a child that exits is restarted with growing backoff, never busy-looping",
  ...sanitize,
  fn: () =>
    withDir(async (dir) => {
      const short = await fake(dir, "short", "echo a; echo b; echo gone >&2; exit 1");
      const starts: number[] = [];
      const errors: CommandFailure[] = [];
      const child = new LineChild({
        path: short,
        onLine: (line) => line === "a" && starts.push(performance.now()),
        onError: (failure) => errors.push(failure),
      });
      child.start();
      await delay(2000);
      const restarts = child.restarts;
      await child.stop();
      assert.ok(restarts >= 2 && restarts <= 5, `restarts ${restarts}`);
      assert.equal(starts.length, restarts + 1);
      assert.ok(errors.length >= restarts && errors.every((e) => e.kind === "exit"));
      assert.equal(errors[0].message, `${short}: exited with code 1: gone`);
      const gaps = starts.slice(1).map((t, i) => t - starts[i]);
      assert.ok(gaps[0] >= 240, `first gap ${gaps[0]}`);
      for (let i = 1; i < gaps.length; i++) {
        assert.ok(gaps[i] > gaps[i - 1] * 1.5, `gaps do not grow: ${gaps.join(", ")}`);
      }
    }),
});

Deno.test({
  name: "LineChild: a missing executable is reported and retried with backoff",
  ...sanitize,
  fn: () =>
    withDir(async (dir) => {
      const s = watch({ path: `${dir}/missing`, backoffStartMs: 50 });
      s.child.start();
      await delay(1000);
      await s.child.stop();
      // 50 + 100 + 200 + 400 = 750 ms: at most 4 or 5 attempts in a second.
      assert.ok(s.child.restarts >= 3 && s.child.restarts <= 5, `restarts ${s.child.restarts}`);
      assert.ok(s.errors.every((e) => e.kind === "not-found"));
      assert.equal(s.errors.length, s.child.restarts + 1);
      assert.equal(s.child.running, false);
    }),
});

Deno.test({
  name: "LineChild: a silent child is killed after stallMs and restarted",
  ...sanitize,
  fn: () =>
    withDir(async (dir) => {
      const stall = await fake(dir, "stall", 'echo "pid $$"; exec /bin/sleep 30');
      const s = watch({ path: stall, stallMs: 300 });
      const t0 = performance.now();
      s.child.start();
      await waitFor(() => s.lines.length >= 2, 2000, "a restart");
      const took = performance.now() - t0;
      const first = Number(s.lines[0].split(" ")[1]);
      const second = Number(s.lines[1].split(" ")[1]);
      assert.notEqual(first, second);
      assert.ok(!alive(first), `stalled pid ${first} still alive`);
      assert.ok(took >= 300 + 250 && took < 1500, `took ${took}`);
      assert.equal(s.errors.length, 1);
      assert.equal(s.errors[0].kind, "stall");
      assert.equal(s.errors[0].message, `${stall}: no output line for 300 ms (killed)`);
      assert.equal(s.child.restarts, 1);
      await s.child.stop();
      assert.ok(!alive(second), `pid ${second} still alive`);
      assert.equal(s.errors.length, 1, "stop() is not reported");
    }),
});

Deno.test({
  name: "LineChild: stop() SIGKILLs a child that ignores SIGTERM",
  ...sanitize,
  fn: () =>
    withDir(async (dir) => {
      const stubborn = await fake(
        dir,
        "stubborn",
        `trap '' TERM; echo "pid $$"; while :; do sleep 0.1; done`,
      );
      const s = watch({ path: stubborn, graceMs: 200 });
      s.child.start();
      await waitFor(() => s.lines.length >= 1, 2000, "the pid line");
      const pid = Number(s.lines[0].split(" ")[1]);
      const t0 = performance.now();
      await s.child.stop();
      const took = performance.now() - t0;
      assert.ok(took >= 190 && took < 1000, `stop took ${took}`);
      assert.ok(!alive(pid), `pid ${pid} still alive`);
      assert.deepEqual(s.errors, []);
    }),
});

Deno.test({
  name: "LineChild: an over-long line is cut and reported; later lines still arrive",
  ...sanitize,
  fn: () =>
    withDir(async (dir) => {
      const long = await fake(
        dir,
        "long",
        "/usr/bin/head -c 100000 /dev/zero | /usr/bin/tr '\\0' x; echo; echo after; " +
          "printf 'crlf\\r\\n'; exec /bin/sleep 30",
      );
      const s = watch({ path: long, maxLineBytes: 1000 });
      s.child.start();
      await waitFor(() => s.lines.length >= 3, 2000, "3 lines");
      await s.child.stop();
      assert.deepEqual(s.lines, ["x".repeat(1000), "after", "crlf"]);
      assert.equal(s.errors.length, 1);
      assert.equal(s.errors[0].kind, "output-too-large");
      assert.match(s.errors[0].message, /line of 100000 bytes cut to 1000 bytes$/);
    }),
});

Deno.test({
  name: "LineChild: healthy output resets the backoff; a throwing onLine is reported",
  ...sanitize,
  fn: () =>
    withDir(async (dir) => {
      const burst = await fake(
        dir,
        "burst",
        "for i in 1 2 3 4; do echo $i; sleep 0.05; done; exit 0",
      );
      const events: { at: number; what: string }[] = [];
      const child = new LineChild({
        path: burst,
        backoffStartMs: 100,
        healthyMs: 100,
        onLine: (line) => {
          events.push({ at: performance.now(), what: line });
          if (line === "3") throw new Error("bad 3");
        },
        onError: (failure) => events.push({ at: performance.now(), what: failure.kind }),
      });
      child.start();
      await waitFor(() => child.restarts >= 4, 2500, "4 restarts");
      await child.stop();
      assert.ok(events.some((e) => e.what === "callback"));
      // Gap from each exit to the next child's first line stays near backoffStartMs (no doubling).
      const gaps: number[] = [];
      for (let i = 0; i < events.length - 1; i++) {
        if (events[i].what === "exit") {
          const next = events.slice(i + 1).find((e) => e.what === "1");
          if (next) gaps.push(next.at - events[i].at);
        }
      }
      assert.ok(gaps.length >= 3, `gaps ${gaps}`);
      assert.ok(gaps.every((g) => g >= 95 && g < 190), `gaps ${gaps.join(", ")}`);
    }),
});
