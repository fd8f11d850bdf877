/**
 * The daemon writes nothing but its socket and does not depend on the user's tool
 * preferences. procps `top` finds its settings through the password database when
 * HOME is unset, so a test cannot change them through the environment: each test runs
 * in a private mount namespace where a directory of the test's is mounted over the
 * user's own `~/.config`, holding a `toprc` saved with "full command line" on (a
 * capture of procps top's own file), or nothing. Linux, as root, with unshare.
 */
import assert from "node:assert/strict";
import { daemonCommand, withDir } from "../support/daemon.ts";
import { exists } from "../support/host.ts";
import { childrenOf } from "../support/procs.ts";
import { RawReader } from "../support/readers.ts";
import { poll } from "../support/wait.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const UNSHARE = "/usr/bin/unshare";
const STRACE = "/usr/bin/strace";
const TOPRC = new URL("../metrics/linux/captures/toprc_full_command_line.txt", import.meta.url);

/** The current user's home directory, from the password database (what top falls back to). */
function passwdHome(): string | null {
  const uid = Deno.uid();
  const entry = Deno.readTextFileSync("/etc/passwd").split("\n").map((l) => l.split(":"))
    .find((f) => Number(f[2]) === uid);
  return entry?.[5] ?? null;
}

const HOME = Deno.build.os === "linux" ? passwdHome() : null;
const CONFIG = HOME === null ? "" : `${HOME}/.config`;
const usable = Deno.uid() === 0 && exists(UNSHARE) && CONFIG !== "" && exists(CONFIG) &&
  new Deno.Command(UNSHARE, { args: ["-m", "/bin/true"] }).outputSync().success;

/** `command` in a private mount namespace with `dir` mounted over the user's `~/.config`. */
function withConfig(dir: string, command: string[]): string[] {
  return [
    UNSHARE,
    "-m",
    "--propagation",
    "private",
    "/bin/sh",
    "-c",
    'mount --bind "$1" "$2" && shift 2 && exec "$@"',
    "sh",
    dir,
    CONFIG,
    ...command,
  ];
}

/** Every file under `dir`, relative, sorted. */
function filesUnder(dir: string, prefix = ""): string[] {
  return [...Deno.readDirSync(dir)].flatMap((e) =>
    e.isDirectory
      ? [`${prefix}${e.name}/`, ...filesUnder(`${dir}/${e.name}`, `${prefix}${e.name}/`)]
      : [`${prefix}${e.name}`]
  ).sort();
}

Deno.test({
  name: "the processes source ignores the user's toprc: names stay names, not command lines",
  ignore: !usable,
  async fn() {
    await withDir(async (config) => {
      await Deno.mkdir(`${config}/procps`, { mode: 0o700 });
      const toprc = await Deno.readFile(TOPRC);
      await Deno.writeFile(`${config}/procps/toprc`, toprc);
      // `sample` under the daemon's shipped set: the processes source, as the daemon runs it.
      const command = withConfig(config, [
        Deno.execPath(),
        "run",
        "--quiet",
        "-P=serve-linux",
        `${ROOT}src/main.ts`,
        "sample",
        "--json",
        "--top",
        "100",
      ]);
      const out = await new Deno.Command(command[0], {
        args: command.slice(1),
        cwd: ROOT,
        env: { NO_COLOR: "1" },
        stdin: "null",
      }).output();
      const text = new TextDecoder();
      assert.equal(out.code, 0, text.decode(out.stderr));
      const { top_processes: rows } = JSON.parse(text.decode(out.stdout));
      const init = rows.find((p: { pid: number }) => p.pid === 1);
      assert.ok(init, "pid 1 is listed");
      assert.equal(init.name, Deno.readTextFileSync("/proc/1/comm").trim(), "its name, not argv");
      for (const { name } of rows) assert.doesNotMatch(name, /^\[.*\]$/, "no [kthread] forms");
      assert.deepEqual(filesUnder(config), ["procps/", "procps/toprc"]);
      assert.deepEqual(await Deno.readFile(`${config}/procps/toprc`), toprc);
    });
  },
});

/** Paths a traced syscall created, wrote, renamed or removed, from `strace -o` lines. */
function writtenPaths(log: string): string[] {
  const paths = new Set<string>();
  for (const line of log.split("\n")) {
    const call = /^\d+\s+(\w+)\((.*)\)\s+=\s+\d+/.exec(line);
    if (!call) continue;
    const [, name, args] = call;
    if (/^open/.test(name) && !/O_CREAT|O_WRONLY|O_RDWR|O_TRUNC/.test(args)) continue;
    for (const [, path] of args.matchAll(/"((?:[^"\\]|\\.)*)"/g)) paths.add(path);
  }
  return [...paths].sort();
}

/** The files a `deno run` keeps of its own (compile caches), which a compiled binary has not. */
function denoDir(): string {
  const info = new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).outputSync();
  return JSON.parse(new TextDecoder().decode(info.stdout)).denoDir;
}

Deno.test({
  name: "the daemon (shipped set) writes nothing but its socket, its children included",
  ignore: !usable || !exists(STRACE),
  async fn() {
    await withDir(async (dir) => {
      const config = `${dir}/config`;
      await Deno.mkdir(config);
      const socket = `${dir}/d.sock`;
      const log = `${dir}/strace.log`;
      const trace = [
        STRACE,
        "-f",
        "-qq",
        "--seccomp-bpf",
        "-e",
        "trace=?open,openat,?creat,?mkdir,mkdirat,?rename,renameat,?renameat2,?unlink,unlinkat," +
        "?link,linkat,?symlink,symlinkat,truncate,?chmod,fchmodat,?chown,fchownat",
        "-e",
        "status=successful",
        "-o",
        log,
      ];
      const command = withConfig(config, [...trace, ...daemonCommand(socket)]);
      const wrapper = new Deno.Command(command[0], {
        args: command.slice(1),
        cwd: ROOT,
        env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const stderr = wrapper.stderr.pipeThrough(new TextDecoderStream()).getReader();
      let seen = "";
      try {
        while (!/\blistening\b/.test(seen)) {
          const { value, done } = await stderr.read();
          assert.ok(!done, `the daemon exited before listening:\n${seen}`);
          seen += value;
        }
        // A client, so every source (top included) runs at its full cadence for a while.
        const reader = await RawReader.connect(socket);
        assert.ok(await poll(() => reader.sequences.length >= 75, 15_000), "3 s of frames");
        await reader.close();
      } finally {
        const daemon = childrenOf(wrapper.pid).find((c) => c.comm === "deno");
        if (daemon) Deno.kill(daemon.pid, "SIGTERM");
        else wrapper.kill("SIGKILL");
        await wrapper.status;
        await stderr.cancel();
      }
      const cache = denoDir();
      const written = writtenPaths(await Deno.readTextFile(log))
        .filter((path) => path !== "/dev/null" && !path.startsWith(`${cache}/`));
      assert.deepEqual(written, [socket], "the socket, and nothing else");
      assert.deepEqual(filesUnder(config), [], "nothing in the user's ~/.config");
    });
  },
});
