/**
 * A socket path the process may not use is refused with one line naming the one thing to do
 * where the user actually is: a `deno task` (which takes no deno flags), `deno run` with the
 * permission set, `deno run` with none, or a compiled binary. Each advice is then followed,
 * for real, and works (the binary's only as a message: there is no compiled binary here).
 */
import assert from "node:assert/strict";
import {
  currentLauncher,
  describePaths,
  grantedSocketPaths,
  notGrantedMessage,
} from "../../src/ipc/socket_grants.ts";
import { withDir } from "../support/daemon.ts";
import { assertOneLine } from "../support/one_line.ts";

const root = new URL("../../", import.meta.url).pathname;
const SET = Deno.build.os === "darwin" ? "serve-darwin" : "serve-linux";

/** Runs `args` (a `deno` command line) until it exits or logs `listening`; its opta lines. */
async function attempt(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ listened: boolean; code: number | null; lines: string[] }> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  let listened = false;
  for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
    lines.push(
      ...chunk.split("\n").filter((l) => l.startsWith("opta-metrics: ") || / INFO /.test(l)),
    );
    if (!listened && lines.some((l) => / listening /.test(l))) {
      listened = true;
      child.kill("SIGTERM");
    }
  }
  await child.stdout.cancel();
  const status = await child.status;
  return {
    listened,
    code: listened ? null : status.code,
    lines: lines.filter((l) => !/ INFO /.test(l)),
  };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

Deno.test("deno task start --socket: use OPTA_METRICS_SOCKET (the task takes no deno flags)", async () => {
  await withDir(async (dir) => {
    const sock = `${dir}/nodir/y.sock`;
    assertOneLine(
      await attempt(["task", "-q", "start", "--socket", sock]),
      new RegExp(
        `^opta-metrics: socket path ${escape(sock)} is not allowed: deno task start grants ` +
          `exactly the socket named by OPTA_METRICS_SOCKET .*; run: OPTA_METRICS_SOCKET=` +
          `${escape(sock)} deno task start$`,
      ),
    );
    // Following it: the next line says to create the directory; after that, it serves.
    assertOneLine(
      await attempt(["task", "-q", "start"], { OPTA_METRICS_SOCKET: sock }),
      new RegExp(`create it with: mkdir -m 700 ${escape(dir)}/nodir$`),
    );
    Deno.mkdirSync(`${dir}/nodir`, { mode: 0o700 });
    assert.ok((await attempt(["task", "-q", "start"], { OPTA_METRICS_SOCKET: sock })).listened);
  });
});

Deno.test("deno run -P=<set> --socket: the three flags to add, with the directory to read", async () => {
  await withDir(async (dir) => {
    const sock = `${dir}/y.sock`;
    const run = await attempt([
      "run",
      "--no-prompt",
      `-P=${SET}`,
      "src/main.ts",
      "serve",
      "--socket",
      sock,
    ]);
    const flags = [`--allow-read=${dir}`, `--allow-write=${sock}`, `--allow-net=unix:${sock}`];
    assertOneLine(
      run,
      new RegExp(
        `^opta-metrics: socket path ${escape(sock)} is not allowed to this deno run: add ` +
          `${escape(flags.join(" "))} to its flags \\(after -P=${SET}\\)$`,
      ),
    );
    // Following it: the daemon serves (and checks the directory it was told to read).
    const followed = await attempt([
      "run",
      "--no-prompt",
      `-P=${SET}`,
      ...flags,
      "src/main.ts",
      "serve",
      "--socket",
      sock,
    ]);
    assert.ok(followed.listened, followed.lines.join("\n"));
    // watch: read, write and unix: on the socket itself
    assertOneLine(
      await attempt(["run", "--no-prompt", "-P=client", "src/main.ts", "watch", "--socket", sock]),
      new RegExp(
        `to this deno run: add --allow-read=${escape(sock)} --allow-write=${escape(sock)} ` +
          `--allow-net=unix:${escape(sock)} to its flags \\(after -P=client\\)$`,
      ),
    );
  });
});

Deno.test("deno run without -P: run the task (naming the socket when one was given)", async () => {
  for (const [command, set, task] of [["serve", SET, "start"], ["watch", "client", "watch"]]) {
    assertOneLine(
      await attempt(["run", "--no-prompt", "src/main.ts", command]),
      new RegExp(
        `^opta-metrics: deno run was given no permission set \\(-P=${set}\\); run: deno task ${task}$`,
      ),
    );
    assertOneLine(
      await attempt(["run", "--no-prompt", "src/main.ts", command, "--socket", "/tmp/x.sock"]),
      new RegExp(`; run: OPTA_METRICS_SOCKET=/tmp/x\\.sock deno task ${task}$`),
    );
  }
});

Deno.test("a compiled binary is told its own paths and the source's way for any other", () => {
  assert.deepEqual(
    currentLauncher(SET, "file:///tmp/deno-compile-opta-metrics/src/main.ts"),
    { kind: "binary" },
  );
  assert.deepEqual(
    currentLauncher(SET, "file:///private/var/folders/ab/T/deno-compile-opta-metrics/src/main.ts"),
    { kind: "binary" },
  );
  assert.notEqual(currentLauncher(SET, "file:///home/me/opta-metrics/src/main.ts").kind, "binary");
  const message = notGrantedMessage("/srv/s.sock", "serve", { kind: "binary" });
  assert.equal(
    message,
    "socket path /srv/s.sock is not allowed to this binary (its permissions are fixed when it " +
      `is built); it may use ${describePaths(grantedSocketPaths(SET))}; for any other path run ` +
      "from a checkout of the source: OPTA_METRICS_SOCKET=/srv/s.sock deno task start",
  );
  // its own default, when this user's runtime directory is outside what it may use
  assert.match(
    notGrantedMessage("/run/user/5000/opta-metrics.sock", "serve", { kind: "binary" }, true),
    /run from a checkout of the source: deno task start$/,
  );
});

Deno.test("describePaths folds the runtime directories into uid ranges", () => {
  assert.equal(
    describePaths(grantedSocketPaths("serve-linux")),
    "/run/opta-metrics/opta-metrics.sock, /run/user/{0,1000–1099}/opta-metrics.sock, " +
      "/tmp/opta-metrics.sock",
  );
  assert.equal(
    describePaths(["/run/user/5/a", "/x", "/run/user/7/a", "/run/user/6/a", "/run/user/9/b"]),
    "/run/user/{5–7}/a, /x, /run/user/{9}/b",
  );
});
