/**
 * End-to-end tests of the daemon: a real `deno run src/main.ts serve` subprocess
 * under this platform's shipped permission set (tests/support/daemon.ts), real
 * Unix sockets, real clients (`subscribe()` and raw conns).
 */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import {
  BREW_SOCKET,
  Daemon,
  runDaemonToExit,
  startDaemon,
  withDaemon,
  withDir,
} from "../support/daemon.ts";
import { assertRate, RawReader, Subscriber } from "../support/readers.ts";
import { poll } from "../support/wait.ts";
import { IDLE_CHECK_MS } from "../../src/daemon/socket.ts";
import { exists, isSocketAt } from "../support/host.ts";
import { noteWhen } from "../support/note.ts";
import { assertOneLine } from "../support/one_line.ts";
import { childrenOf, fdCount, rssKiB } from "../support/procs.ts";

const note = noteWhen("DAEMON_TEST_VERBOSE");

function connect(path: string): Promise<Deno.UnixConn> {
  return Deno.connect({ transport: "unix", path });
}

/** Reads until EOF or error; resolves to how it ended, or "timeout" after `ms`. */
async function readUntilClosed(conn: Deno.UnixConn, ms: number): Promise<string> {
  const buffer = new Uint8Array(64 * 1024);
  const end = performance.now() + ms;
  const reading = (async () => {
    try {
      while (await conn.read(buffer) !== null) {
        if (performance.now() > end) return "timeout";
      }
      return "eof";
    } catch (error) {
      return (error as Error).name;
    }
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const result = await Promise.race([
    reading,
    new Promise<string>((resolve) => timer = setTimeout(() => resolve("timeout"), ms)),
  ]);
  clearTimeout(timer);
  return result;
}

Deno.test("three subscribers each get 25 Hz, consecutive sequences, the first frame at once", async () => {
  await withDaemon({ flags: ["--rate", "25"] }, async (daemon) => {
    const subs = [0, 1, 2].map(() => new Subscriber(daemon.socket));
    try {
      await Promise.all(subs.map((s) => s.frameCount(1, 2000)));
      await delay(2000);
      const until = performance.now();
      for (const [i, s] of subs.entries()) {
        const firstMs = s.frames[0].at - s.connectedAt!;
        assert.ok(firstMs < 200, `client ${i}: first frame ${firstMs.toFixed(0)} ms after connect`);
        note("rate", { firstMs, rate: s.rate(until) });
        assertRate(s.rate(until), 25, `client ${i}`);
        s.assertConsecutive();
      }
    } finally {
      await Promise.all(subs.map((s) => s.stop()));
    }
  });
});

Deno.test("a client that never reads is closed after the stall timeout and harms no one", async () => {
  const flags = ["--rate", "25", "--top", "100", "--stall-timeout", "1s"];
  await withDaemon({ flags }, async (daemon) => {
    const subs = [new Subscriber(daemon.socket), new Subscriber(daemon.socket)];
    let stuck: Deno.UnixConn | undefined;
    try {
      // full-size frames (100 processes) before the baseline and the stuck client
      const big = () => subs.every((s) => s.frames.at(-1)?.frame.topProcesses.length);
      assert.ok(await poll(big, 5000), "no processes in the frames within 5 s");
      await delay(300);
      const baseline = rssKiB(daemon.pid);
      stuck = await connect(daemon.socket); // never read
      let maxRss = baseline;
      const sampling = setInterval(() => maxRss = Math.max(maxRss, rssKiB(daemon.pid)), 100);
      try {
        // ~100-200 KB of kernel buffer fill first (frames grow once top's 2nd refresh is in)
        await daemon.waitForLine(/client stalled, closed/, 9000);
        await delay(300);
      } finally {
        clearInterval(sampling);
      }
      const until = performance.now();
      const stalled = daemon.matching(/client stalled, closed/);
      assert.equal(stalled.length, 1, daemon.stderr);
      assert.match(stalled[0], /client=3 /, "the stuck client (the third connection) was closed");
      const grownMiB = (maxRss - baseline) / 1024;
      note("stall", { baseline, maxRss, stalled: daemon.matching(/stalled/) });
      assert.ok(grownMiB < 20, `RSS grew ${grownMiB.toFixed(1)} MiB while a client was stalled`);
      for (const [i, s] of subs.entries()) {
        assertRate(s.rate(until), 25, `reader ${i}`);
        s.assertConsecutive();
      }
    } finally {
      stuck?.close();
      await Promise.all(subs.map((s) => s.stop()));
    }
  });
});

Deno.test("1000 rapid connect/disconnects leak no fds or children and serving goes on", async () => {
  await withDaemon({ flags: ["--rate", "25"] }, async (daemon) => {
    // settle: the first idle samples (df, grep) have finished
    await delay(1000);
    const baseline = fdCount(daemon.pid);
    const started = performance.now();
    const buffer = new Uint8Array(64 * 1024);
    // batches of 10; each connection waits for its first bytes, so the daemon really served it
    for (let batch = 0; batch < 100; batch++) {
      await Promise.all(Array.from({ length: 10 }, async () => {
        const conn = await connect(daemon.socket);
        try {
          assert.notEqual(await conn.read(buffer), null);
        } finally {
          conn.close();
        }
      }));
    }
    const churnMs = performance.now() - started;
    const closed = () => daemon.matching(/client (disconnected|write failed)/).length;
    assert.ok(await poll(() => closed() === 1000, 3000), `${closed()} of 1000 seen closed`);
    assert.equal(daemon.matching(/client connected/).length, 1000);
    assert.equal(daemon.matching(/WARN|ERROR/).length, 0, daemon.stderr.slice(-2000));
    let now = 0;
    const settled = await poll(() => Math.abs((now = fdCount(daemon.pid)) - baseline) <= 3, 5000);
    note("churn", { churnMs, baseline, now });
    assert.ok(settled, `fds: ${now} after the churn, ${baseline} before`);
    const tops = () => childrenOf(daemon.pid).filter((c) => c.comm === "top");
    assert.ok(await poll(() => tops().length <= 1, 3000), `top children: ${tops().length}`);
    assert.deepEqual(childrenOf(daemon.pid).filter((c) => c.state === "Z"), [], "zombies");
    const sub = new Subscriber(daemon.socket);
    try {
      await sub.frameCount(15, 2000);
    } finally {
      await sub.stop();
    }
    sub.assertConsecutive();
    assert.equal(daemon.exited, null);
  });
});

Deno.test("garbage from a client is discarded; a flooding client is closed, others unaffected", async () => {
  await withDaemon({ flags: ["--rate", "25"] }, async (daemon) => {
    const sub = new Subscriber(daemon.socket);
    const chatty = new RawReader(await connect(daemon.socket));
    let flood: Deno.UnixConn | undefined;
    try {
      await sub.frameCount(1, 2000);
      // ~2.5 KB/s of random bytes: read and discarded, the client stays
      for (let i = 0; i < 10; i++) {
        await chatty.conn.write(crypto.getRandomValues(new Uint8Array(256)));
        await delay(100);
      }
      assert.equal(chatty.ended, null, "the chatty client was closed");
      assert.equal(daemon.matching(/flooding/).length, 0);
      const before = chatty.sequences.length;
      assert.ok(before >= 20, `chatty client got ${before} frames in 1 s`);

      // 128 KiB at once: over the 64 KiB/s limit
      flood = await connect(daemon.socket);
      const chunk = crypto.getRandomValues(new Uint8Array(8192));
      try {
        for (let i = 0; i < 16; i++) await flood.write(chunk);
      } catch {
        // the daemon may already have closed it
      }
      await daemon.waitForLine(/client flooding, closed/, 3000);
      assert.notEqual(await readUntilClosed(flood, 2000), "timeout", "flooder not closed");
      await delay(500);
      assert.equal(daemon.matching(/client flooding, closed/).length, 1, daemon.stderr);
      assert.equal(chatty.ended, null, "the chatty client was closed");
      assert.ok(chatty.sequences.length > before + 5, "the chatty client stopped receiving");
      chatty.assertConsecutive();
      sub.assertConsecutive();
    } finally {
      flood?.close();
      await chatty.close();
      await sub.stop();
    }
  });
});

Deno.test("a subscriber resumes within 1 s of a restarted daemon being back", async () => {
  await withDir(async (dir) => {
    const sock = `${dir}/s.sock`;
    let daemon = await startDaemon(sock, { flags: ["--rate", "25"] });
    const sub = new Subscriber(sock);
    try {
      await sub.frameCount(10, 2000);
      assert.equal((await daemon.stop()).code, 0);
      daemon = await startDaemon(sock, { flags: ["--rate", "25"] });
      const back = Daemon.timeOf(daemon.lines.find((l) => /\blistening\b/.test(l))!);
      assert.ok(await poll(() => sub.frames.some((f) => f.restarted), 3000), "no restarted frame");
      const resumed = sub.frames.find((f) => f.restarted)!;
      const latencyMs = resumed.receivedAtUs / 1000 - back;
      note("restart", { latencyMs, statuses: sub.statuses.map((s) => s.state) });
      // the client retries at most every 1000 ms; allow a little for connect + the first frame
      assert.ok(latencyMs < 1050, `resumed ${latencyMs.toFixed(0)} ms after "listening"`);
      assert.equal(resumed.frame.sequence, 1);
      assert.ok(sub.statuses.some((s) => s.state === "disconnected"));
    } finally {
      await sub.stop();
      await daemon.stop();
    }
  });
});

Deno.test("SIGTERM, SIGINT and SIGHUP remove the socket and exit 0 within 1 s", async () => {
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    await withDir(async (dir) => {
      const sock = `${dir}/s.sock`;
      const daemon = await startDaemon(sock);
      const sub = new Subscriber(sock);
      try {
        await sub.frameCount(3, 2000);
        const sent = performance.now();
        daemon.signal(signal);
        const status = await daemon.waitExit(1000);
        const ms = performance.now() - sent;
        assert.ok(status, `${signal}: still running after 1 s`);
        assert.equal(status.code, 0, `${signal}: ${daemon.stderr}`);
        assert.ok(ms < 1000, `${signal}: exit took ${ms} ms`);
        assert.equal(exists(sock), false, `${signal}: socket file left behind`);
        await daemon.stderrDone;
        assert.equal(daemon.matching(new RegExp(`shutting down signal=${signal}`)).length, 1);
      } finally {
        await sub.stop();
        await daemon.stop();
      }
    });
  }
});

Deno.test("a stale socket left by a SIGKILLed daemon is removed and served on", async () => {
  await withDir(async (dir) => {
    const sock = `${dir}/s.sock`;
    const first = await startDaemon(sock);
    assert.equal((await first.kill()).signal, "SIGKILL");
    assert.ok(isSocketAt(sock), "SIGKILL should leave the socket file");
    await assert.rejects(connect(sock), Deno.errors.ConnectionRefused);
    const daemon = await startDaemon(sock);
    const sub = new Subscriber(sock);
    try {
      await sub.frameCount(5, 2000);
      sub.assertConsecutive();
      assert.equal(daemon.matching(/ERROR|WARN/).length, 0, daemon.stderr);
    } finally {
      await sub.stop();
      await daemon.stop();
    }
  });
});

Deno.test("a second daemon on a live socket exits 1 with one line; the first keeps serving", async () => {
  await withDaemon({}, async (_daemon, sock) => {
    const sub = new Subscriber(sock);
    try {
      await sub.frameCount(3, 2000);
      const ino = Deno.lstatSync(sock).ino;
      const second = await runDaemonToExit(sock);
      assertOneLine(second, /another opta-metrics is already serving on /);
      assert.ok(second.lines[0].includes(`already serving on ${sock}`), second.lines[0]);
      assert.equal(Deno.lstatSync(sock).ino, ino, "the socket file was replaced");
      const count = sub.frames.length;
      await sub.frameCount(count + 10, 2000);
      sub.assertConsecutive();
      const late = new Subscriber(sock);
      try {
        await late.frameCount(3, 2000);
      } finally {
        await late.stop();
      }
    } finally {
      await sub.stop();
    }
  });
});

Deno.test("a socket path over 107 bytes exits 1 with one line; 107 bytes works", async () => {
  await withDir(async (dir) => {
    const pathOf = (bytes: number) => `${dir}/${"x".repeat(bytes - dir.length - 1)}`;
    const tooLong = pathOf(108);
    assert.equal(new TextEncoder().encode(tooLong).length, 108);
    const run = await runDaemonToExit(tooLong);
    assertOneLine(run, /socket path is 108 bytes, over the 107-byte limit/);
    assert.equal(exists(tooLong), false);

    const longest = pathOf(107);
    const daemon = await startDaemon(longest);
    try {
      assert.ok(isSocketAt(longest));
    } finally {
      assert.equal((await daemon.stop()).code, 0);
    }
  });
});

Deno.test("a file that is not a socket at the path: exit 1, file untouched", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/s.sock`;
    await Deno.writeTextFile(path, "precious\n");
    const before = Deno.lstatSync(path);
    const run = await runDaemonToExit(path);
    assertOneLine(run, /exists and is not a socket/);
    const after = Deno.lstatSync(path);
    assert.equal(await Deno.readTextFile(path), "precious\n");
    assert.equal(after.ino, before.ino);
    assert.equal(after.mode, before.mode);
    assert.equal(after.mtime?.getTime(), before.mtime?.getTime());
  });
});

Deno.test("idle, with nothing else to wake it, the daemon still binds a deleted socket again", async () => {
  await withDaemon({ flags: ["--log-level", "debug"] }, async (daemon, sock) => {
    await daemon.waitForLine(/idle: no clients/, 15_000);
    await Deno.remove(sock);
    // Polled with lstat, which wakes nothing in the daemon (a connect attempt would not either,
    // while the path is gone): the check runs with the idle reads, or alone within 30 s.
    const rebound = await poll(() => isSocketAt(sock), IDLE_CHECK_MS + 5000);
    assert.ok(rebound, `no socket ${IDLE_CHECK_MS + 5000} ms after deleting it while idle`);
    await daemon.waitForLine(/binding again/, 1000);
    assert.equal(Deno.lstatSync(sock).mode! & 0o777, 0o600);
  });
});

Deno.test("a deleted socket file is bound again within 5 s", async () => {
  await withDaemon({}, async (daemon, sock) => {
    const sub = new Subscriber(sock);
    try {
      await sub.frameCount(3, 2000);
      await Deno.remove(sock);
      const deleted = performance.now();
      const rebound = await poll(async () => {
        try {
          (await connect(sock)).close();
          return true;
        } catch {
          return false;
        }
      }, 5000);
      assert.ok(rebound, "no socket to connect to 5 s after deleting it");
      const ms = performance.now() - deleted;
      assert.ok(ms < 5000, `re-bound after ${ms} ms`);
      await daemon.waitForLine(/binding again/, 1000);
      assert.equal(Deno.lstatSync(sock).mode! & 0o777, 0o600);
      // the connection made before the deletion was never interrupted
      await sub.frameCount(sub.frames.length + 5, 2000);
      sub.assertConsecutive();
    } finally {
      await sub.stop();
    }
  });
});

Deno.test("socket and directory modes: 0600 default, --socket-mode, 0700 parent, unsafe parent refused", async () => {
  await withDir(async (dir) => {
    // default mode
    const plain = `${dir}/s.sock`;
    const a = await startDaemon(plain);
    try {
      assert.equal(Deno.lstatSync(plain).mode! & 0o777, 0o600);
    } finally {
      await a.stop();
    }
    // --socket-mode 0660 in a directory the daemon creates (0700)
    const nested = `${dir}/run/s.sock`;
    const b = await startDaemon(nested, {
      template: BREW_SOCKET,
      flags: ["--socket-mode", "0660"],
    });
    try {
      assert.equal(Deno.lstatSync(nested).mode! & 0o777, 0o660);
      assert.equal(Deno.statSync(`${dir}/run`).mode! & 0o7777, 0o700);
    } finally {
      await b.stop();
    }
    // world-writable, not sticky: refused; root's sticky /tmp: accepted
    await Deno.mkdir(`${dir}/ww`);
    await Deno.chmod(`${dir}/ww`, 0o777);
    const refused = await runDaemonToExit(`${dir}/ww/s.sock`);
    assertOneLine(refused, /writable by other users \(mode 0777\)/);
    assert.equal(exists(`${dir}/ww/s.sock`), false);
    const inTmp = `${dir}.sock`; // directly in /tmp
    const sticky = await startDaemon(inTmp);
    assert.match(sticky.matching(/\blistening\b/)[0], /parent_checked=true/);
    assert.equal((await sticky.stop()).code, 0);
    assert.equal(exists(inTmp), false);
  });
});

Deno.test("--max-clients 2: a third connection is closed at once, the two others stream on", async () => {
  await withDaemon({ flags: ["--max-clients", "2"] }, async (daemon, sock) => {
    const subs = [new Subscriber(sock), new Subscriber(sock)];
    try {
      await Promise.all(subs.map((s) => s.frameCount(3, 2000)));
      const third = await connect(sock);
      const started = performance.now();
      const how = await readUntilClosed(third, 1000);
      const ms = performance.now() - started;
      third.close();
      assert.notEqual(how, "timeout", "the third connection stayed open");
      assert.ok(ms < 500, `third connection closed after ${ms} ms`);
      await daemon.waitForLine(/client limit/, 1000);
      const counts = subs.map((s) => s.frames.length);
      await Promise.all(subs.map((s, i) => s.frameCount(counts[i] + 10, 2000)));
      for (const s of subs) s.assertConsecutive();
    } finally {
      await Promise.all(subs.map((s) => s.stop()));
    }
  });
});

Deno.test("bad flags exit 2 with one line naming the flag", async () => {
  await withDir(async (dir) => {
    const cases: [string[], RegExp][] = [
      [["--rate", "0"], /--rate/],
      [["--rate", "121"], /--rate/],
      [["--socket-mode", "999"], /--socket-mode/],
      [["--socket-mode", "0000"], /--socket-mode must let the socket's owner read and write/],
      [["--socket-mode", "0466"], /--socket-mode must let the socket's owner read and write/],
      [["--stall-timeout", "abc"], /--stall-timeout/],
      [["--bogus"], /--bogus/],
    ];
    const runs = await Promise.all(
      cases.map(([flags]) => runDaemonToExit(`${dir}/s.sock`, { flags })),
    );
    for (const [i, run] of runs.entries()) {
      assertOneLine(run, cases[i][1], 2);
    }
    assert.equal(exists(`${dir}/s.sock`), false);
  });
});

Deno.test("with no client frames stop; the next client's first frame is complete", async () => {
  const flags = ["--log-level", "debug", "--stats-interval", "1s"];
  await withDaemon({ flags }, async (daemon, sock) => {
    const first = new Subscriber(sock);
    try {
      assert.ok(
        await poll(() => first.frames.some((f) => f.frame.topProcesses.length > 0), 6000),
        "no processes within 6 s",
      );
    } finally {
      await first.stop();
    }
    await daemon.waitForLine(/idle: no clients/, 7000); // after the 5 s idle grace
    // two stats lines after going idle with the same frame count: no frames published
    const from = daemon.lines.length;
    const a = await daemon.waitForLine(/\bstats\b/, 2500, from);
    const b = await daemon.waitForLine(/\bstats\b/, 2500, daemon.lines.indexOf(a) + 1);
    const framesOf = (line: string) => Number(/frames=(\d+)/.exec(line)![1]);
    assert.match(a, /clients=0/);
    assert.equal(framesOf(b), framesOf(a), `${a}\n${b}`);

    const next = new Subscriber(sock);
    try {
      await next.frameCount(1, 2000);
    } finally {
      await next.stop();
    }
    const { frame } = next.frames[0];
    assert.equal(frame.sequence, framesOf(b) + 1);
    assert.ok(frame.memoryTotal > 0, "memory_total");
    assert.ok(frame.memoryUsage > 0, "memory_usage");
    // cpu may truly read 0 on a quiet machine; it must be a real percentage
    assert.ok(frame.cpuUsage >= 0 && frame.cpuUsage <= 100, "cpu_usage");
    assert.ok(frame.topProcesses.length > 0, "top_processes");
    assert.ok(frame.timestamp > 0, "timestamp");
  });
});
