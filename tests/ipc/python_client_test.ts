/**
 * The Python client PROTOCOL.md quotes (docs/python/opta_client.py), run with the
 * system python3 and the reader flatc generates: it reads a real daemon, checks
 * the peer's uid after connect (SO_PEERCRED), and refuses a listener run as
 * another user (setpriv). PROTOCOL.md's sketch is the file's, word for word.
 */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { withDaemon, withDir } from "../support/daemon.ts";
import { flatcAvailable, runFlatc } from "../support/flatc.ts";
import { exists } from "../support/host.ts";
import { ScriptedListener } from "../support/scripted_listener.ts";
import { aliasBomb, hostileFrame } from "../support/hostile_frames.ts";
import { frame } from "../../src/ipc/framing.ts";
import { clientPlaces } from "../../src/ipc/socket_place.ts";
import { candidateKind, pickClientSocket } from "../../src/ipc/default_socket.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const SCRIPT = `${ROOT}docs/python/opta_client.py`;
const PYTHON = "/usr/bin/python3";
const SETPRIV = "/usr/bin/setpriv";
const NOBODY = "65534";

const pythonReady = exists(PYTHON) && flatcAvailable() && new Deno.Command(PYTHON, {
  args: ["-c", "import flatbuffers"],
  stdout: "null",
  stderr: "null",
}).outputSync().success;
const asRoot = Deno.uid() === 0 && exists(SETPRIV);

/** `python3 opta_client.py ARGS` (optionally as another uid), with the generated reader importable. */
async function runClient(
  readerDir: string,
  args: string[],
  asUid?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const python = [PYTHON, SCRIPT, ...args];
  const [cmd, ...rest] = asUid === undefined
    ? python
    : [SETPRIV, `--reuid=${asUid}`, `--regid=${asUid}`, "--clear-groups", ...python];
  const out = await new Deno.Command(cmd, {
    args: rest,
    env: { PYTHONPATH: readerDir, PYTHONDONTWRITEBYTECODE: "1" },
    stdin: "null",
    signal: AbortSignal.timeout(15_000),
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** `python3 -c CODE ARGS` with the generated reader and opta_client.py importable. */
async function runSnippet(
  readerDir: string,
  code: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(PYTHON, {
    args: ["-c", code, ...args],
    env: { PYTHONPATH: `${readerDir}:${ROOT}docs/python`, PYTHONDONTWRITEBYTECODE: "1" },
    stdin: "null",
    signal: AbortSignal.timeout(15_000),
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** Asserts `run` exited 1 with one line on stderr matching `pattern`, and no traceback. */
function assertOneLine(
  run: { code: number; stderr: string },
  pattern: RegExp,
): void {
  assert.equal(run.code, 1, run.stderr);
  assert.doesNotMatch(run.stderr, /Traceback/);
  assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
  assert.match(run.stderr.trim(), pattern);
}

/** Runs the client for one frame against a listener that sends `bytes` and stays open. */
async function clientAgainst(reader: string, dir: string, bytes: Uint8Array) {
  const path = `${dir}/g.sock`;
  const listener = new ScriptedListener(path, [{ frames: [bytes], keepOpen: true }]);
  try {
    return await runClient(reader, [path, "1"]);
  } finally {
    await listener.close();
  }
}

/** A listener run as uid `uid` that sends one frame-length prefix to each client. */
async function foreignListener(path: string, uid: string): Promise<Deno.ChildProcess> {
  const child = new Deno.Command(SETPRIV, {
    args: [
      `--reuid=${uid}`,
      `--regid=${uid}`,
      "--clear-groups",
      PYTHON,
      "-c",
      "import socket, sys\n" +
      "s = socket.socket(socket.AF_UNIX)\ns.bind(sys.argv[1])\ns.listen()\n" +
      "print('ready', flush=True)\n" +
      "while True:\n    c, _ = s.accept()\n" +
      "    try:\n        c.sendall(b'\\0\\0\\0\\1x')\n    except OSError:\n        pass\n" +
      "    c.close()\n",
      path,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value } = await reader.read();
  assert.match(value ?? "", /ready/);
  reader.releaseLock();
  return child;
}

/** Runs `fn` with the Python reader flatc generates, in a directory of its own. */
async function withReader(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "omd-py" });
  try {
    await runFlatc(["--python", "-o", dir, `${ROOT}schemas/system_metrics.fbs`]);
    await Deno.chmod(dir, 0o755);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("PROTOCOL.md's Python peer check and frame reader are the tested file's, word for word", async () => {
  const script = await Deno.readTextFile(SCRIPT);
  const protocol = await Deno.readTextFile(`${ROOT}PROTOCOL.md`);
  for (const part of ["finding the socket", "trusting the socket", "reading frames"]) {
    const sketch = new RegExp(`# --- ${part}: start\\n([\\s\\S]*?)# --- ${part}: end`).exec(script)
      ?.[1];
    assert.ok(sketch, `${part}: markers in the script`);
    assert.ok(protocol.includes(sketch.trim()), `PROTOCOL.md quotes "${part}" as tested`);
  }
});

Deno.test({
  name: "python3 client: reads a real daemon after checking its uid (ours)",
  ignore: !pythonReady,
  async fn() {
    await withReader(async (reader) => {
      await withDaemon({}, async (_daemon, path) => {
        const run = await runClient(reader, [path, "3"]);
        assert.equal(run.code, 0, run.stderr);
        const rows = run.stdout.trim().split("\n").map((l) => l.split(" "));
        assert.equal(rows.length, 3);
        const [run0, seq0] = rows[0].map(Number);
        assert.ok(run0 > 1.7e15, `started_at_us ${run0} is a µs timestamp`);
        assert.deepEqual(rows.map((r) => Number(r[1])), [seq0, seq0 + 1, seq0 + 2]);
        assert.ok(rows.every((r) => Number(r[0]) === run0), "one run id");
      });
    });
  },
});

Deno.test({
  name: "python3 client: reads the appended fields (network, GPU, per-core) of a laptop's frame",
  ignore: !pythonReady,
  async fn() {
    const laptop = await Deno.readFile(`${ROOT}tests/vectors/laptop.framed.bin`);
    const server = await Deno.readFile(`${ROOT}tests/vectors/linux_server.framed.bin`);
    await withReader(async (reader) => {
      await withDir(async (dir) => {
        const path = `${dir}/v.sock`;
        const listener = new ScriptedListener(path, [
          { frames: [laptop, server], keepOpen: true },
        ]);
        try {
          const run = await runClient(reader, [path, "2"]);
          assert.equal(run.code, 0, run.stderr);
          const rows = run.stdout.trim().split("\n").map((l) => l.split(" "));
          // started_at_us, sequence, cpu, memory, temperature, colour, rx/s, GPU, cores
          assert.deepEqual(rows[0].slice(6), ["1536000.0", "23.5", "10"]);
          assert.deepEqual(rows[1].slice(4), ["None", "0", "125000.0", "None", "4"]);
        } finally {
          await listener.close();
        }
      });
    });
  },
});

Deno.test({
  name: "python3 client: refuses a listener run as another user, accepts one run as itself",
  ignore: !pythonReady || !asRoot,
  async fn() {
    await withReader(async (reader) => {
      await withDir(async (dir) => {
        await Deno.chmod(dir, 0o777); // the other user binds here
        const path = `${dir}/x.sock`;
        const listener = await foreignListener(path, NOBODY);
        try {
          const refused = await runClient(reader, [path, "1"]);
          assert.equal(refused.code, 1, refused.stderr);
          assert.equal(refused.stdout, "");
          assert.match(
            refused.stderr.trim(),
            /^opta_client: .*x\.sock is served by uid 65534, not by you \(uid 0\) or root/,
          );
          assert.equal(refused.stderr.trim().split("\n").length, 1, "one line, no traceback");
          // The same listener, seen by its own user, passes the check and is then read.
          const own = await runClient(reader, [path, "1"], NOBODY);
          assert.doesNotMatch(own.stderr, /served by uid/, own.stderr);
          assert.match(own.stderr, /not an opta|EOFError|bad frame|Error/, "read past the check");
        } finally {
          try {
            listener.kill("SIGKILL");
          } catch {
            // exited already
          }
          await listener.status;
          await listener.stdout.cancel().catch(() => {});
          await delay(0);
        }
      });
    });
  },
});

Deno.test({
  name: "python3 client: refuses the alias bomb and a name past 255 bytes in one line",
  ignore: !pythonReady,
  async fn() {
    await withReader(async (reader) => {
      await withDir(async (dir) => {
        assertOneLine(
          await clientAgainst(reader, dir, frame(aliasBomb("top_processes"))),
          /^opta_client: TopProcesses has 80000 entries, over the limit of 100$/,
        );
        assertOneLine(
          await clientAgainst(reader, dir, frame(aliasBomb("cpu_core_levels"))),
          /^opta_client: CpuCoreLevels has 80000 entries, over the limit of 16$/,
        );
        const longName = hostileFrame({ names: [700_000], processes: [], interfaceName: 0 });
        assertOneLine(
          await clientAgainst(reader, dir, frame(longName)),
          /^opta_client: a name of 700000 bytes, over the limit of 255$/,
        );
      });
    });
  },
});

Deno.test({
  name: "python3 client: garbage raises one FrameError line, never a struct.error traceback",
  ignore: !pythonReady,
  async fn() {
    const good = await Deno.readFile(`${ROOT}tests/vectors/laptop.bin`);
    // The root offset, then the momentum table's vtable offset, pointed far outside the frame.
    const farRoot = good.slice();
    new DataView(farRoot.buffer).setUint32(0, 0xfffffff0, true);
    const farVtable = good.slice();
    const root = new DataView(farVtable.buffer).getUint32(0, true);
    new DataView(farVtable.buffer).setInt32(root, -0x7ffffff0, true);
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array([0, 0, 0, 0]), /^opta_client: bad frame length 0: not opta-metrics/],
      [new Uint8Array([0xff, 0, 0, 0]), /^opta_client: bad frame length 4278190080/],
      [frame(new TextEncoder().encode("hello, world")), /^opta_client: not an opta-metrics frame/],
      [frame(farRoot), /^opta_client: malformed frame: /],
      [frame(farVtable), /^opta_client: malformed frame: /],
    ];
    await withReader(async (reader) => {
      await withDir(async (dir) => {
        for (const [bytes, pattern] of cases) {
          assertOneLine(await clientAgainst(reader, dir, bytes), pattern);
        }
      });
    });
  },
});

Deno.test({
  name: "python3 client: a frame left half-sent ends in a FrameError after FRAME_TIMEOUT_S",
  ignore: !pythonReady,
  async fn() {
    const good = await Deno.readFile(`${ROOT}tests/vectors/laptop.framed.bin`);
    await withReader(async (reader) => {
      await withDir(async (dir) => {
        const path = `${dir}/h.sock`;
        const listener = new ScriptedListener(path, [
          { frames: [good, good.subarray(0, 40)], keepOpen: true },
        ]);
        try {
          // The module's own read_frame, with its timeout shortened so the test stays quick.
          const run = await runSnippet(
            reader,
            "import sys, opta_client as c\n" +
              "c.FRAME_TIMEOUT_S = 0.5\n" +
              "sock = c.connect_trusted(sys.argv[1])\n" +
              "print(c.read_frame(sock, c.summary)[1])\n" +
              "try:\n    c.read_frame(sock, c.summary)\n" +
              "except c.FrameError as error:\n    print(error)\n",
            [path],
          );
          assert.equal(run.code, 0, run.stderr);
          assert.deepEqual(run.stdout.trim().split("\n"), [
            "120",
            "a frame was left half-sent for 0.5 s",
          ]);
        } finally {
          await listener.close();
        }
      });
    });
  },
});

Deno.test({
  name: "the Python client looks for the socket where the TypeScript one does" +
    (exists(PYTHON) ? "" : " [SKIPPED: no /usr/bin/python3]"),
  ignore: !exists(PYTHON),
  async fn() {
    const code = "import json, sys\nsys.path.insert(0, sys.argv[1])\n" +
      "import importlib.util as u\n" +
      "spec = u.spec_from_file_location('c', sys.argv[2])\n" +
      // the client imports the generated reader at the top: stand in for it
      "sys.modules['Opta'] = sys.modules['Opta.Metrics'] = type(sys)('Opta')\n" +
      "m = type(sys)('Opta.Metrics.SystemMetrics'); m.SystemMetrics = None\n" +
      "sys.modules['Opta.Metrics.SystemMetrics'] = m\n" +
      "c = u.module_from_spec(spec); spec.loader.exec_module(c)\n" +
      "print(json.dumps([c.socket_candidates(), c.default_socket()]))";
    const uid = Deno.uid()!;
    for (
      const env of [
        { XDG_RUNTIME_DIR: "/run/user/4242" },
        { XDG_RUNTIME_DIR: "relative" },
        { XDG_RUNTIME_DIR: "/x/rt/" },
        {},
        { OPTA_METRICS_SOCKET: "/named/s.sock" },
      ] as Record<string, string>[]
    ) {
      const out = await new Deno.Command(PYTHON, {
        args: ["-c", code, `${ROOT}docs/python`, SCRIPT],
        env,
        clearEnv: true,
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      const [candidates, chosen] = JSON.parse(new TextDecoder().decode(out.stdout));
      const expected = clientPlaces({
        os: Deno.build.os,
        uid,
        runtimeDir: env.XDG_RUNTIME_DIR,
        tmpDir: env.TMPDIR,
        isDir: () => false,
      });
      assert.deepEqual(candidates, expected, JSON.stringify(env));
      // A daemon already running at one of the places (a user's own, say) is found by both.
      const found = pickClientSocket(expected, (path) => candidateKind(path, uid));
      assert.equal(chosen, env.OPTA_METRICS_SOCKET ?? found, JSON.stringify(env));
    }
  },
});
