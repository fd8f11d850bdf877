/**
 * The socket's lifecycle under hostile conditions, end to end with the real
 * daemon under the shipped permission set: accept errors (a real low fd limit),
 * half-closed clients, daemons racing for one path, every OS error on the path,
 * and sockets of another user (a second uid through `setpriv`, so those tests
 * need root and say so when skipped).
 */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import {
  BREW_SOCKET,
  Daemon,
  denoDirFor,
  type RunAs,
  runDaemonToExit,
  startDaemon,
  withDaemon,
  withDir,
} from "../support/daemon.ts";
import { RawReader } from "../support/readers.ts";
import { poll } from "../support/wait.ts";
import { isExecutable, isSocketAt } from "../support/host.ts";
import { assertOneLine } from "../support/one_line.ts";

const isLinux = Deno.build.os === "linux";
const isRoot = Deno.uid() === 0;
const NOBODY = 65534;
const AS_ROOT = isRoot ? "" : " [SKIPPED: needs root to act as a second uid]";

const missing = (...tools: string[]) => {
  const gone = tools.filter((t) => !isExecutable(t));
  return gone.length > 0 ? ` [SKIPPED: no ${gone.join(", ")}]` : "";
};

/** A socket file left at `path` with nobody listening (bound by python, which does not unlink). */
async function staleSocket(path: string, mode: number, uid = 0): Promise<void> {
  const out = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])", path],
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  Deno.chmodSync(path, mode);
  if (uid !== 0) Deno.chownSync(path, uid, uid);
}

// ---- accepting goes on through accept errors ------------------------------------------------

Deno.test({
  name: "out of file descriptors: accept errors are logged once, accepting resumes when fds free" +
    missing("/usr/bin/prlimit"),
  ignore: !isLinux || !isExecutable("/usr/bin/prlimit"),
  async fn() {
    await withDir(async (dir) => {
      const sock = `${dir}/s.sock`;
      const daemon = await startDaemon(sock, { maxFds: 48 });
      const readers: RawReader[] = [];
      try {
        // More clients than the daemon has descriptors: the connects succeed (the kernel's
        // backlog), the daemon's accepts start failing with EMFILE.
        for (let i = 0; i < 60; i++) readers.push(await RawReader.connect(sock));
        await daemon.waitForLine(/accept failed/, 5000);
        await delay(1500); // several retries at the 1 s backoff
        const served = readers.filter((r) => r.sequences.length > 0);
        const waiting = readers.filter((r) => r.sequences.length === 0);
        assert.ok(served.length > 0, "nobody served");
        assert.ok(waiting.length > 0, "every client served: the fd limit was not reached");
        assert.equal(daemon.matching(/accept failed/).length, 1, `logged once:\n${daemon.stderr}`);
        // Free descriptors: clients waiting in the backlog are taken and served.
        await Promise.all(served.map((r) => r.close()));
        assert.ok(
          await poll(() => waiting.some((r) => r.sequences.length > 0), 5000),
          `no waiting client served after fds were freed:\n${daemon.stderr.slice(-1500)}`,
        );
        // Everyone leaves: a new client is served at once.
        await Promise.all(readers.map((r) => r.close()));
        const late = await RawReader.connect(sock);
        readers.push(late);
        assert.ok(
          await poll(() => late.sequences.length >= 3, 5000),
          `a new client got ${late.sequences.length} frames after everyone left:\n` +
            daemon.stderr.slice(-1500),
        );
        assert.equal(daemon.matching(/accepting again/).length, 1, daemon.stderr);
        late.assertConsecutive();
        assert.equal(daemon.exited, null);
      } finally {
        await Promise.all(readers.map((r) => r.close()));
        await daemon.stop();
      }
    });
  },
});

// ---- half-closed clients --------------------------------------------------------------------

Deno.test("a client that shuts down its sending side keeps receiving frames until it closes", async () => {
  await withDaemon({}, async (daemon, sock) => {
    const conn = await Deno.connect({ transport: "unix", path: sock });
    const reader = new RawReader(conn);
    assert.ok(await poll(() => reader.sequences.length >= 1, 2000), "no first frame");
    await conn.closeWrite(); // shutdown(SHUT_WR)
    const halfClosed = performance.now();
    await delay(1500);
    assert.equal(reader.ended, null, "the daemon closed a half-closed client");
    const rate = reader.rate(halfClosed);
    assert.ok(rate >= 15, `${rate.toFixed(1)} frames/s after the half-close`);
    reader.assertConsecutive();
    assert.equal(daemon.matching(/client (disconnected|write failed)/).length, 0);
    // Its reading side goes: the daemon notices at its next write.
    await reader.close();
    await daemon.waitForLine(/client disconnected/, 2000);
    assert.equal(daemon.matching(/WARN|ERROR/).length, 0, daemon.stderr);
  });
});

Deno.test({
  name: "nc -N -U (stdin at its end at once) streams frames until it is stopped" +
    missing("/usr/bin/nc"),
  ignore: !isLinux || !isExecutable("/usr/bin/nc"),
  async fn() {
    await withDir(async (dir) => {
      const sock = `${dir}/s.sock`;
      const daemon = await startDaemon(sock);
      const nc = new Deno.Command("/usr/bin/nc", {
        args: ["-N", "-U", sock],
        stdin: "null",
        stdout: "piped",
        stderr: "null",
      }).spawn();
      try {
        let bytes = 0;
        const reading = (async () => {
          for await (const chunk of nc.stdout) bytes += chunk.length;
        })();
        await delay(1500);
        // 1.5 s at 25 Hz of frames of some hundred bytes each: well over 10 frames' worth.
        assert.ok(bytes > 10 * 100, `nc received ${bytes} bytes`);
        const before = bytes;
        await delay(500);
        assert.ok(bytes > before, "the stream to nc stopped");
        nc.kill("SIGTERM");
        await nc.status;
        await reading;
      } finally {
        try {
          nc.kill("SIGKILL");
        } catch {
          // exited
        }
        await daemon.stop();
      }
    });
  },
});

/** How many sockets `pid` holds open (its listener included). */
function socketFds(pid: number): number {
  let n = 0;
  for (const entry of Deno.readDirSync(`/proc/${pid}/fd`)) {
    try {
      if (Deno.readLinkSync(`/proc/${pid}/fd/${entry.name}`).startsWith("socket:")) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

Deno.test({
  name: "bursts of clients that connect and shut down their sending side stay within --max-clients",
  ignore: !isLinux, // the daemon's descriptors are counted in /proc
  async fn() {
    await withDir(async (dir) => {
      const sock = `${dir}/s.sock`;
      const max = 4;
      const daemon = await startDaemon(sock, { flags: ["--max-clients", String(max)] });
      const readers: RawReader[] = [];
      try {
        const idleSockets = socketFds(daemon.pid);
        for (let burst = 0; burst < 3; burst++) {
          // One client after another connects and at once shuts down its sending side, a few
          // ms apart: the daemon reads the end of each one's input before the next arrives,
          // and many arrive before its next tick writes to any of them.
          const conns: Deno.UnixConn[] = [];
          for (let i = 0; i < 60; i++) {
            const conn = await Deno.connect({ transport: "unix", path: sock });
            await conn.closeWrite();
            conns.push(conn);
            await delay(2);
            const held = socketFds(daemon.pid) - idleSockets;
            assert.ok(held <= max + 1, `burst ${burst}: the daemon holds ${held} client sockets`);
          }
          const burstReaders = conns.map((c) => new RawReader(c));
          readers.push(...burstReaders);
          for (let i = 0; i < 10; i++) {
            const held = socketFds(daemon.pid) - idleSockets;
            assert.ok(held <= max + 1, `burst ${burst}: the daemon holds ${held} client sockets`);
            await delay(50);
          }
          const before = burstReaders.map((r) => r.sequences.length);
          await delay(300);
          const streaming = burstReaders.filter((r, i) => r.sequences.length > before[i]).length;
          const open = burstReaders.filter((r) => r.ended === null).length;
          assert.ok(streaming >= 1 && streaming <= max, `burst ${burst}: ${streaming} streaming`);
          assert.ok(open <= max, `burst ${burst}: ${open} connections left open by the daemon`);
          await Promise.all(burstReaders.map((r) => r.close()));
          assert.ok(
            await poll(() => socketFds(daemon.pid) === idleSockets, 2000),
            "the daemon kept sockets of clients that had gone",
          );
        }
        assert.ok(daemon.matching(/client limit reached/).length >= 1, daemon.stderr);
      } finally {
        await Promise.all(readers.map((r) => r.close()));
        await daemon.stop();
      }
    });
  },
});

// ---- daemons racing for one path ------------------------------------------------------------

Deno.test("daemons started at the same moment: one serves, each other exits 1 with one line", async () => {
  await withDir(async (dir) => {
    const sock = `${dir}/s.sock`;
    for (let round = 0; round < 6; round++) {
      // From round 2 on, each starts from a stale socket left by a SIGKILLed daemon.
      if (round >= 2) {
        const old = await startDaemon(sock);
        await old.kill();
        assert.ok(Deno.lstatSync(sock).isSocket, "no stale socket");
      }
      const daemons = [0, 1, 2, 3].map(() => new Daemon(sock));
      try {
        const outcomes = await Promise.all(daemons.map(async (d) => {
          await poll(() => d.exited !== null || d.matching(/\blistening\b/).length > 0, 15_000);
          return d;
        }));
        // Give a late loser time to fail.
        await delay(500);
        const running = outcomes.filter((d) => d.exited === null);
        assert.equal(running.length, 1, outcomes.map((d) => d.stderr).join("\n---\n"));
        for (const loser of outcomes.filter((d) => d.exited !== null)) {
          await loser.stderrDone;
          assertOneLine(
            { code: loser.exited!.code, lines: loser.lines.filter((l) => l !== "") },
            new RegExp(`^opta-metrics: another opta-metrics is already serving on ${sock}$`),
          );
        }
        const reader = await RawReader.connect(sock);
        assert.ok(await poll(() => reader.sequences.length >= 3, 3000), "the winner serves");
        await reader.close();
      } finally {
        await Promise.all(daemons.map((d) => d.stop()));
      }
    }
  });
});

Deno.test("clients that connect while the daemon settles get frames once it is ready", async () => {
  await withDir(async (dir) => {
    const sock = `${dir}/s.sock`;
    const daemon = new Daemon(sock);
    try {
      // The socket is bound before the first readings settle: connect as soon as it exists.
      assert.ok(
        await poll(() => isSocketAt(sock), 10_000),
        daemon.stderr,
      );
      const reader = await RawReader.connect(sock);
      assert.ok(await poll(() => reader.sequences.length >= 3, 5000), daemon.stderr);
      reader.assertConsecutive();
      await reader.close();
    } finally {
      await daemon.stop();
    }
  });
});

// ---- OS errors on the path: one line each ---------------------------------------------------

Deno.test({
  name: "a parent that is a file, a path through a file, a symlink loop: one line, exit 1",
  async fn() {
    await withDir(async (dir) => {
      Deno.writeTextFileSync(`${dir}/file`, "x");
      assertOneLine(
        await runDaemonToExit(`${dir}/file/s.sock`),
        new RegExp(`socket directory ${dir}/file is not a directory`),
      );
      assertOneLine(
        await runDaemonToExit(`${dir}/file/sub/s.sock`),
        new RegExp(`cannot use the socket directory ${dir}/file/sub: .*\\(ENOTDIR\\)`),
      );
      Deno.symlinkSync(`${dir}/loop`, `${dir}/loop`);
      assertOneLine(
        await runDaemonToExit(`${dir}/loop/s.sock`),
        new RegExp(`cannot use the socket directory ${dir}/loop: .*symbolic links.*\\(ELOOP\\)`),
      );
    });
  },
});

Deno.test({
  name:
    "a missing parent: created 0700 where the set grants it (Homebrew), else one line saying how",
  async fn() {
    await withDir(async (dir) => {
      // This platform's own path: the set may read the directory, not create it.
      const missing = `${dir}/run/s.sock`;
      assertOneLine(
        await runDaemonToExit(missing),
        new RegExp(
          `socket directory ${dir}/run does not exist; create it with: mkdir -m 700 ${dir}/run`,
        ),
      );
      // The Homebrew directory's grants: created 0700.
      const daemon = await startDaemon(missing, { template: BREW_SOCKET });
      try {
        assert.equal(Deno.statSync(`${dir}/run`).mode! & 0o7777, 0o700);
        assert.match(daemon.matching(/\blistening\b/)[0], /parent_checked=true/);
      } finally {
        await daemon.stop();
      }
    });
  },
});

Deno.test({
  name:
    "grants on the socket path alone (no parent check): a missing directory at bind is one line",
  ignore: !isLinux,
  async fn() {
    await withDir(async (dir) => {
      const sock = `${dir}/run/s.sock`;
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--quiet",
          "--no-prompt",
          `--allow-read=${sock}`,
          `--allow-write=${sock}`,
          `--allow-net=unix:${sock}`,
          "--allow-sys",
          "--allow-run=/usr/bin/top,/bin/df,/bin/grep",
          "src/main.ts",
          "serve",
          "--socket",
          sock,
        ],
        cwd: new URL("../../", import.meta.url).pathname,
        env: { NO_COLOR: "1" },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).output();
      const lines = new TextDecoder().decode(out.stderr).split("\n").filter((l) => l !== "");
      assertOneLine(
        { code: out.code, lines },
        new RegExp(`cannot bind ${sock}: a directory on the way does not exist \\(ENOENT\\)`),
      );
    });
  },
});

Deno.test({
  name: "a read-only directory: one line naming the path, exit 1" +
    (isRoot ? "" : " [SKIPPED: mounting a read-only tmpfs needs root]") +
    missing("/usr/bin/python3"),
  ignore: !isLinux || !isRoot || !isExecutable("/usr/bin/python3"),
  async fn() {
    await withDir(async (dir) => {
      const ro = `${dir}/ro`;
      Deno.mkdirSync(ro);
      const mount = (...args: string[]) =>
        new Deno.Command("/usr/bin/mount", { args, stderr: "piped" }).outputSync();
      const mounted = mount("-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", ro);
      if (!mounted.success) {
        console.log(`  skipped: cannot mount tmpfs (${new TextDecoder().decode(mounted.stderr)})`);
        return;
      }
      try {
        // A stale socket there, then the file system goes read-only.
        await staleSocket(`${ro}/stale.sock`, 0o600);
        assert.ok(mount("-o", "remount,ro", ro).success, "remount ro");
        assertOneLine(
          await runDaemonToExit(`${ro}/s.sock`),
          new RegExp(`cannot bind ${ro}/s\\.sock: read-only file system \\(EROFS\\)`),
        );
        assertOneLine(
          await runDaemonToExit(`${ro}/stale.sock`),
          new RegExp(
            `cannot remove the stale socket ${ro}/stale\\.sock: read-only file system \\(EROFS\\)`,
          ),
        );
      } finally {
        new Deno.Command("/usr/bin/umount", { args: [ro] }).outputSync();
      }
    });
  },
});

// ---- as another user (setpriv) --------------------------------------------------------------

/** Runs `fn` with a DENO_DIR and a working directory a daemon run as `nobody` can use. */
async function asNobody(fn: (dir: string, runAs: RunAs) => Promise<void>): Promise<void> {
  const denoDir = await denoDirFor(NOBODY, NOBODY);
  try {
    await withDir(async (dir) => {
      Deno.chmodSync(dir, 0o755);
      await fn(dir, { uid: NOBODY, gid: NOBODY, denoDir });
    });
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
}

Deno.test({
  name: "another user's socket (stale 0755, stale 0777, live) is refused with its uid, untouched" +
    AS_ROOT + missing("/usr/bin/setpriv", "/usr/bin/python3"),
  ignore: !isLinux || !isRoot || !isExecutable("/usr/bin/setpriv") ||
    !isExecutable("/usr/bin/python3"),
  async fn() {
    await asNobody(async (dir, runAs) => {
      const sticky = `${dir}/sticky`; // like /tmp: world-writable and sticky, root's
      Deno.mkdirSync(sticky);
      Deno.chmodSync(sticky, 0o1777);
      const refusal = (path: string, uid: number) =>
        new RegExp(
          `^opta-metrics: ${path} belongs to another user \\(uid ${uid}\\); refusing to serve ` +
            `on it or remove it .*use another path$`,
        );
      for (const mode of [0o755, 0o777]) {
        const path = `${sticky}/s${mode.toString(8)}.sock`;
        await staleSocket(path, mode); // root's, nobody answering
        const ino = Deno.lstatSync(path).ino;
        assertOneLine(await runDaemonToExit(path, { runAs }), refusal(path, 0));
        assert.equal(Deno.lstatSync(path).ino, ino, "the other user's socket was replaced");
      }
      // A live listener of another user (an impersonator, mode 0777): refused, left alone.
      const live = `${sticky}/live.sock`;
      const listener = Deno.listen({ transport: "unix", path: live });
      try {
        Deno.chmodSync(live, 0o777);
        assertOneLine(await runDaemonToExit(live, { runAs }), refusal(live, 0));
        // The other way round: a daemon of root refuses nobody's socket.
        Deno.chownSync(live, NOBODY, NOBODY);
        assertOneLine(await runDaemonToExit(live), refusal(live, NOBODY));
        assert.ok(Deno.lstatSync(live).isSocket);
      } finally {
        listener.close();
      }
    });
  },
});

Deno.test({
  name: "own stale socket, no access (0000) or in a directory we cannot write: one line each" +
    AS_ROOT + missing("/usr/bin/setpriv", "/usr/bin/python3"),
  ignore: !isLinux || !isRoot || !isExecutable("/usr/bin/setpriv") ||
    !isExecutable("/usr/bin/python3"),
  async fn() {
    await asNobody(async (dir, runAs) => {
      const mine = `${dir}/mine`;
      Deno.mkdirSync(mine);
      Deno.chownSync(mine, NOBODY, NOBODY);
      const locked = `${mine}/s.sock`;
      await staleSocket(locked, 0o000, NOBODY);
      assertOneLine(
        await runDaemonToExit(locked, { runAs }),
        new RegExp(
          `cannot connect to the existing socket ${locked}: permission denied \\(EACCES\\); ` +
            `check the owner and mode`,
        ),
      );
      const readOnly = `${dir}/ro`; // root's, 0755: nobody may not unlink in it
      Deno.mkdirSync(readOnly);
      Deno.chmodSync(readOnly, 0o755);
      const stale = `${readOnly}/s.sock`;
      await staleSocket(stale, 0o600, NOBODY);
      assertOneLine(
        await runDaemonToExit(stale, { runAs }),
        new RegExp(`cannot remove the stale socket ${stale}: permission denied \\(EACCES\\)`),
      );
      assert.ok(Deno.lstatSync(stale).isSocket);
      // A Homebrew-like missing directory nobody cannot create.
      const missing = `${readOnly}/run/s.sock`;
      assertOneLine(
        await runDaemonToExit(missing, { runAs, template: BREW_SOCKET }),
        new RegExp(
          `socket directory ${readOnly}/run does not exist and cannot be created .*` +
            `Permission denied.*mkdir -m 700 ${readOnly}/run$`,
        ),
      );
    });
  },
});

Deno.test({
  name: "a daemon run as another user serves under the shipped set, socket owned by it, 0600" +
    AS_ROOT + missing("/usr/bin/setpriv", "/usr/bin/python3"),
  ignore: !isLinux || !isRoot || !isExecutable("/usr/bin/setpriv") ||
    !isExecutable("/usr/bin/python3"),
  async fn() {
    await asNobody(async (dir, runAs) => {
      const own = `${dir}/own`;
      Deno.mkdirSync(own);
      Deno.chownSync(own, NOBODY, NOBODY);
      const sock = `${own}/s.sock`;
      const daemon = await startDaemon(sock, { runAs });
      try {
        const info = Deno.lstatSync(sock);
        assert.equal(info.uid, NOBODY);
        assert.equal(info.mode! & 0o777, 0o600);
        assert.match(daemon.matching(/\blistening\b/)[0], /parent_checked=true/);
        // Its own stale socket after a SIGKILL is its to remove.
        await daemon.kill();
        const again = await startDaemon(sock, { runAs });
        await again.stop();
      } finally {
        await daemon.stop();
      }
    });
  },
});

Deno.test({
  name: "another user's socket put in place of ours while serving: the daemon stops, leaves it" +
    AS_ROOT + missing("/usr/bin/setpriv", "/usr/bin/python3"),
  ignore: !isLinux || !isRoot || !isExecutable("/usr/bin/setpriv") ||
    !isExecutable("/usr/bin/python3"),
  async fn() {
    await withDir(async (dir) => {
      const sock = `${dir}/s.sock`;
      const daemon = await startDaemon(sock);
      let listener: Deno.UnixListener | null = null;
      try {
        Deno.removeSync(sock);
        listener = Deno.listen({ transport: "unix", path: sock });
        Deno.chownSync(sock, NOBODY, NOBODY);
        const status = await daemon.waitExit(6000);
        assert.ok(status, `still running:\n${daemon.stderr}`);
        await daemon.stderrDone;
        assert.equal(status.code, 1, daemon.stderr);
        const last = daemon.lines.filter((l) => l !== "").at(-1)!;
        assert.match(last, new RegExp(`${sock} belongs to another user \\(uid ${NOBODY}\\)`));
        assert.equal(Deno.lstatSync(sock).uid, NOBODY, "their socket was left alone");
      } finally {
        listener?.close();
        await daemon.stop();
      }
    });
  },
});
