/**
 * packaging/install-service.sh writes the launchd agent and the systemd user unit with this
 * user's paths, is idempotent, removes them again and refuses bad input with one line. Runs
 * the real script with a temporary HOME and --no-start (no service manager here); the
 * written files are checked with plistlib and systemd-analyze.
 */
import assert from "node:assert/strict";
import { isExecutable, works } from "../support/host.ts";
import { canUnshareMounts, inPrivateMounts } from "../support/private_mounts.ts";
import { sourceFlags } from "../../packaging/source_flags.ts";
import { DAEMON_V8_FLAGS } from "../../src/daemon/v8.ts";

const root = new URL("../../", import.meta.url).pathname;
const script = `${root}packaging/install-service.sh`;
const decoder = new TextDecoder();

const havePlistlib = works("/usr/bin/python3", ["-c", "import plistlib"]);
const haveAnalyze = works("systemd-analyze", ["--version"]);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A temporary HOME and an executable named opta-metrics (a link to deno) to install. */
function sandbox(): { dir: string; home: string; binary: string } {
  const dir = Deno.realPathSync(Deno.makeTempDirSync({ prefix: "opta-install-" }));
  Deno.mkdirSync(`${dir}/home`);
  Deno.mkdirSync(`${dir}/bin`);
  Deno.symlinkSync(Deno.execPath(), `${dir}/bin/opta-metrics`);
  return { dir, home: `${dir}/home`, binary: `${dir}/bin/opta-metrics` };
}

function run(
  home: string,
  args: string[],
  path = "/usr/bin:/bin",
  using = script,
  more: { env?: Record<string, string>; cwd?: string } = {},
): Run {
  const out = new Deno.Command("/bin/bash", {
    args: [using, ...args],
    env: { HOME: home, PATH: path, ...more.env },
    cwd: more.cwd,
    clearEnv: true,
  }).outputSync();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

function readPlist(path: string): Record<string, unknown> {
  const code =
    "import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], 'rb'))))";
  const out = new Deno.Command("/usr/bin/python3", { args: ["-c", code, path] }).outputSync();
  assert.equal(out.code, 0, decoder.decode(out.stderr));
  return JSON.parse(decoder.decode(out.stdout));
}

Deno.test({
  name: "install-service.sh writes a launchd agent with this user's paths, idempotently" +
    (havePlistlib ? "" : " [SKIPPED: no /usr/bin/python3 with plistlib]"),
  ignore: !havePlistlib,
  fn() {
    const { dir, home, binary } = sandbox();
    try {
      const agent = `${home}/Library/LaunchAgents/dev.opta.metrics.plist`;
      const first = run(home, ["install", "--os", "Darwin", "--binary", binary, "--no-start"]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, new RegExp(`^wrote: ${agent}$`, "m"));
      assert.match(first.stdout, /^to apply, run: \/bin\/launchctl bootstrap gui\/\d+ /m);
      const text = Deno.readTextFileSync(agent);
      assert.doesNotMatch(text, /@BINARY@|@LOG@|REPLACE_HOME/);
      assert.equal(Deno.statSync(agent).mode! & 0o777, 0o644);
      const plist = readPlist(agent);
      // a compiled binary serves in Homebrew's var/run: it cannot be granted $TMPDIR
      const arm = Deno.build.os === "darwin" && Deno.build.arch === "aarch64";
      const brew = arm ? "/opt/homebrew" : "/usr/local";
      assert.deepEqual(plist.ProgramArguments, [
        binary,
        "serve",
        "--socket",
        `${brew}/var/run/opta-metrics.sock`,
      ]);
      assert.equal(plist.EnvironmentVariables, undefined);
      const log = `${home}/Library/Logs/opta-metrics/agent.log`;
      assert.equal(plist.StandardOutPath, log);
      assert.equal(plist.StandardErrorPath, log);
      assert.ok(Deno.statSync(`${home}/Library/Logs/opta-metrics`).isDirectory);
      assert.ok((plist.ThrottleInterval as number) >= 30);

      const again = run(home, ["install", "--os", "Darwin", "--binary", binary, "--no-start"]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, new RegExp(`^unchanged: ${agent}$`, "m"));
      assert.equal(Deno.readTextFileSync(agent), text);
      assert.deepEqual(
        [...Deno.readDirSync(`${home}/Library/LaunchAgents`)].length,
        1,
        "no temp left",
      );

      const gone = run(home, ["uninstall", "--os", "Darwin", "--no-start"]);
      assert.equal(gone.code, 0, gone.stderr);
      assert.match(gone.stdout, new RegExp(`^removed: ${agent}$`, "m"));
      assert.throws(() => Deno.statSync(agent));
      const twice = run(home, ["uninstall", "--os", "Darwin", "--no-start"]);
      assert.equal(twice.code, 0, twice.stderr);
      assert.match(twice.stdout, /^not installed: /m);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test("install-service.sh writes the systemd user unit with the binary's path, idempotently", () => {
  const { dir, home, binary } = sandbox();
  try {
    const unit = `${home}/.config/systemd/user/opta-metrics.service`;
    const first = run(home, ["install", "--os", "Linux", "--binary", binary, "--no-start"]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`^wrote: ${unit}$`, "m"));
    assert.match(first.stdout, /^to apply, run: \/usr\/bin\/systemctl --user daemon-reload$/m);
    assert.match(
      first.stdout,
      /^to apply, run: \/usr\/bin\/systemctl --user restart opta-metrics\.service$/m,
    );
    const text = Deno.readTextFileSync(unit);
    assert.match(
      text,
      new RegExp(`^ExecStart="${binary}" serve --socket %t/opta-metrics\\.sock$`, "m"),
    );
    const template = Deno.readTextFileSync(`${root}packaging/systemd/opta-metrics.service`);
    assert.equal(text.replace(/^ExecStart=.*$/m, ""), template.replace(/^ExecStart=.*$/m, ""));
    const again = run(home, ["install", "--os", "Linux", "--binary", binary, "--no-start"]);
    assert.match(again.stdout, new RegExp(`^unchanged: ${unit}$`, "m"));
    const gone = run(home, ["uninstall", "--os", "Linux", "--no-start"]);
    assert.equal(gone.code, 0, gone.stderr);
    assert.match(gone.stdout, new RegExp(`^removed: ${unit}$`, "m"));
    assert.throws(() => Deno.statSync(unit));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test({
  name: "the installed unit passes systemd-analyze verify" +
    (haveAnalyze ? "" : " [SKIPPED: no systemd-analyze]"),
  ignore: !haveAnalyze,
  fn() {
    const { dir, home, binary } = sandbox();
    try {
      const r = run(home, ["install", "--os", "Linux", "--binary", binary, "--no-start"]);
      assert.equal(r.code, 0, r.stderr);
      const unit = `${home}/.config/systemd/user/opta-metrics.service`;
      const out = new Deno.Command("systemd-analyze", { args: ["verify", unit] }).outputSync();
      assert.equal(out.code, 0, decoder.decode(out.stderr));
      assert.equal(decoder.decode(out.stderr).trim(), "");
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test("install-service.sh finds the binary next to it (the tarball's layout)", () => {
  const { dir, home } = sandbox();
  try {
    // the release tarball: opta-metrics, install-service.sh, launchd/, systemd/
    Deno.mkdirSync(`${dir}/pkg/systemd`, { recursive: true });
    Deno.copyFileSync(script, `${dir}/pkg/install-service.sh`);
    Deno.copyFileSync(
      `${root}packaging/systemd/opta-metrics.service`,
      `${dir}/pkg/systemd/opta-metrics.service`,
    );
    Deno.symlinkSync(Deno.execPath(), `${dir}/pkg/opta-metrics`);
    const r = run(
      home,
      ["install", "--os", "Linux", "--no-start"],
      "/usr/bin:/bin",
      `${dir}/pkg/install-service.sh`,
    );
    assert.equal(r.code, 0, r.stderr);
    const text = Deno.readTextFileSync(`${home}/.config/systemd/user/opta-metrics.service`);
    assert.match(text, new RegExp(`^ExecStart="${dir}/pkg/opta-metrics" serve`, "m"));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("install-service.sh refuses bad input with one line: 2 for usage, 1 otherwise", () => {
  const { dir, home } = sandbox();
  try {
    const cases: [string[], number, RegExp][] = [
      [[], 2, /missing command/],
      [["start"], 2, /unknown command 'start'/],
      [["install", "--bogus"], 2, /unknown option '--bogus'/],
      [["install", "--binary"], 2, /--binary needs a path/],
      [["install", "--os", "Plan9"], 2, /unsupported system 'Plan9'/],
      [["install", "--os", "Linux", "--binary", `${dir}/nothing`], 1, /is not an executable file/],
      [["install", "--os", "Linux"], 1, /no opta-metrics binary on PATH or next to this script/],
    ];
    Deno.writeTextFileSync(`${dir}/bad"name`, "");
    Deno.chmodSync(`${dir}/bad"name`, 0o755);
    cases.push([
      ["install", "--os", "Linux", "--binary", `${dir}/bad"name`],
      1,
      /characters the service files cannot hold/,
    ]);
    for (const [args, code, message] of cases) {
      const r = run(home, args);
      assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^install-service\.sh: /);
      assert.match(lines[0], message);
    }
    assert.throws(() => Deno.statSync(`${home}/.config`), "nothing written on a refusal");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test({
  name: "a HOME holding & < > and quotes reaches the launchd agent exactly (escaped XML)" +
    (havePlistlib ? "" : " [SKIPPED: no /usr/bin/python3 with plistlib]"),
  ignore: !havePlistlib,
  fn() {
    const { dir, binary } = sandbox();
    try {
      const home = `${dir}/a&b<c>"d'e`;
      Deno.mkdirSync(home);
      const r = run(home, ["install", "--os", "Darwin", "--binary", binary, "--no-start"]);
      assert.equal(r.code, 0, r.stderr);
      const agent = `${home}/Library/LaunchAgents/dev.opta.metrics.plist`;
      const plist = readPlist(agent); // plistlib refuses a raw < or & in the XML
      const log = `${home}/Library/Logs/opta-metrics/agent.log`;
      assert.equal(plist.StandardOutPath, log);
      assert.equal(plist.StandardErrorPath, log);
      assert.doesNotMatch(Deno.readTextFileSync(agent), /@LOG@|@BINARY@/);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test("a relative XDG_CONFIG_HOME is ignored: the unit goes under HOME, never under the cwd", () => {
  const { dir, home, binary } = sandbox();
  try {
    const cwd = `${dir}/cwd`;
    Deno.mkdirSync(cwd);
    const r = run(
      home,
      ["install", "--os", "Linux", "--binary", binary, "--no-start"],
      undefined,
      script,
      {
        env: { XDG_CONFIG_HOME: "relative/config" },
        cwd,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ignoring XDG_CONFIG_HOME='relative\/config': not an absolute path$/m);
    const unit = `${home}/.config/systemd/user/opta-metrics.service`;
    assert.match(r.stdout, new RegExp(`^wrote: ${unit}$`, "m"));
    assert.deepEqual([...Deno.readDirSync(cwd)], [], "nothing written relative to the cwd");
    // An absolute one is used as is.
    const absolute = `${dir}/xdg`;
    const a = run(
      home,
      ["install", "--os", "Linux", "--binary", binary, "--no-start"],
      undefined,
      script,
      {
        env: { XDG_CONFIG_HOME: absolute },
      },
    );
    assert.equal(a.code, 0, a.stderr);
    assert.ok(Deno.statSync(`${absolute}/systemd/user/opta-metrics.service`).isFile);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a HOME with a newline is refused with one line, nothing written", () => {
  const { dir, binary } = sandbox();
  try {
    const home = `${dir}/new\nline`;
    Deno.mkdirSync(home);
    for (const os of ["Darwin", "Linux"]) {
      const r = run(home, ["install", "--os", os, "--binary", binary, "--no-start"]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, /^install-service\.sh: HOME holds a control character/);
    }
    assert.deepEqual([...Deno.readDirSync(home)], []);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

/** Whether `systemctl --user` reaches a user manager here (a real login session). */
const userManagerReachable = works("/usr/bin/systemctl", ["--user", "show-environment"]);

Deno.test({
  name: "without a reachable systemd user manager, install and uninstall stop with one line" +
    (userManagerReachable ? " [SKIPPED: a user manager is running here]" : ""),
  ignore: userManagerReachable,
  fn() {
    const { dir, home, binary } = sandbox();
    try {
      const unit = `${home}/.config/systemd/user/opta-metrics.service`;
      const hasSystemctl = isExecutable("/usr/bin/systemctl");
      for (const args of [["install", "--binary", binary], ["uninstall"]]) {
        if (args[0] === "uninstall") { // something to uninstall
          assert.equal(
            run(home, ["install", "--os", "Linux", "--binary", binary, "--no-start"]).code,
            0,
          );
        }
        const r = run(home, [...args, "--os", "Linux"]);
        assert.equal(r.code, 1, r.stderr);
        const lines = r.stderr.trim().split("\n");
        assert.equal(lines.length, 1, r.stderr);
        assert.match(
          lines[0],
          hasSystemctl
            ? /^install-service\.sh: systemctl --user cannot reach your systemd user manager \(Failed to connect to bus: [^)]+\): XDG_RUNTIME_DIR is not set, .*loginctl enable-linger .*; nothing was changed/
            : /^install-service\.sh: no \/usr\/bin\/systemctl: .*nothing was changed/,
        );
        assert.doesNotMatch(r.stdout, /^(installed|removed):/m);
        if (args[0] === "install") assert.throws(() => Deno.statSync(unit), "nothing written");
        else assert.ok(Deno.statSync(unit).isFile, "nothing removed");
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test("--no-start ends by saying nothing was started, not that it runs at login", () => {
  const { dir, home, binary } = sandbox();
  try {
    for (const os of ["Darwin", "Linux"]) {
      const r = run(home, ["install", "--os", os, "--binary", binary, "--no-start"]);
      assert.equal(r.code, 0, r.stderr);
      const last = r.stdout.trim().split("\n").at(-1)!;
      assert.match(
        last,
        /^written, not started: run the commands above to start \S+ now and at login/,
      );
      assert.doesNotMatch(r.stdout, /^installed:/m);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test({
  name: "the unit's offline score command runs as written in a shell without XDG_RUNTIME_DIR" +
    (haveAnalyze ? "" : " [SKIPPED: no systemd-analyze]"),
  ignore: !haveAnalyze,
  fn() {
    const unit = Deno.readTextFileSync(`${root}packaging/systemd/opta-metrics.service`);
    const command = /^# {3}(.*systemd-analyze security .*)$/m.exec(unit)?.[1];
    assert.ok(command, "the unit's header shows the command");
    const out = new Deno.Command("/bin/bash", {
      args: ["-c", command],
      cwd: `${root}packaging/systemd`,
      env: { PATH: "/usr/bin:/bin", SYSTEMD_COLORS: "0", SYSTEMD_PAGER: "cat" },
      clearEnv: true,
    }).outputSync();
    const text = decoder.decode(out.stdout) + decoder.decode(out.stderr);
    assert.match(text, /Overall exposure level for opta-metrics\.service: \d/, text);
  },
});

// ---- --from-source: a checkout run by deno as the service ------------------------------------

const denoBin = Deno.execPath().slice(0, Deno.execPath().lastIndexOf("/"));
const realDeno = Deno.realPathSync(Deno.execPath());
const denoDir = (() => {
  const out = new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).outputSync();
  return JSON.parse(decoder.decode(out.stdout)).denoDir as string;
})();
/** What a from-source install needs beyond HOME: deno on PATH and its cache. */
const withDeno = { env: { DENO_DIR: denoDir } };
const sourcePath = `${denoBin}:/usr/bin:/bin`;

/** The words of a systemd command line without quotes (the from-source one has none). */
function unitValue(unit: string, key: string): string {
  const line = unit.split("\n").find((l) => l.startsWith(`${key}=`));
  assert.ok(line, `no ${key}= in:\n${unit}`);
  return line.slice(key.length + 1);
}

Deno.test("install --from-source: the unit runs deno on the checkout under the start task's flags", () => {
  const { dir, home } = sandbox();
  try {
    const r = run(
      home,
      ["install", "--os", "Linux", "--from-source", "--no-start"],
      sourcePath,
      script,
      withDeno,
    );
    assert.equal(r.code, 0, r.stderr);
    const socket = `/run/user/${Deno.uid()}/opta-metrics.sock`;
    assert.match(r.stdout.trim().split("\n").at(-1)!, new RegExp(`\\(socket ${socket}\\)$`));
    const unit = Deno.readTextFileSync(`${home}/.config/systemd/user/opta-metrics.service`);
    assert.equal(unitValue(unit, "Environment"), `DENO_DIR=${denoDir}`);
    const words = unitValue(unit, "ExecStart").split(" ");
    const checkout = Deno.realPathSync(root).replace(/\/$/, "");
    assert.deepEqual(words, [
      realDeno,
      "run",
      "--quiet",
      "--no-prompt",
      "--cached-only",
      "--config",
      `${checkout}/deno.json`,
      ...sourceFlags("serve", [socket], "linux"),
      `${checkout}/src/main.ts`,
      "serve",
      "--socket",
      socket,
    ]);
    assert.ok(words.includes(`--v8-flags=${DAEMON_V8_FLAGS.join(",")}`), "the daemon's V8 flags");
    // everything else is the template's, hardening included
    const template = Deno.readTextFileSync(`${root}packaging/systemd/opta-metrics.service`);
    const strip = (t: string) => t.replace(/^(ExecStart|Environment)=.*\n/gm, "");
    assert.equal(strip(unit), strip(template));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

const canIsolate = canUnshareMounts;

Deno.test({
  name: "the --from-source ExecStart runs for real under the unit's environment (read-only home " +
    "and cache, private /tmp, a fresh runtime directory)" +
    (canIsolate ? "" : " [SKIPPED: needs root and unshare]"),
  ignore: !canIsolate,
  async fn() {
    const { dir, home } = sandbox();
    try {
      const r = run(
        home,
        ["install", "--os", "Linux", "--from-source", "--no-start"],
        sourcePath,
        script,
        withDeno,
      );
      assert.equal(r.code, 0, r.stderr);
      const unit = Deno.readTextFileSync(`${home}/.config/systemd/user/opta-metrics.service`);
      const exec = unitValue(unit, "ExecStart");
      const checkout = Deno.realPathSync(root);
      const sock = `/run/user/0/opta-metrics.sock`;
      // What systemd gives a user service of root, and what the unit's sandbox leaves writable.
      const { code, out: text } = await inPrivateMounts(
        `
mount -t tmpfs -o mode=0755 tmpfs /run
install -d -m 700 /run/user/0
# PrivateTmp, unless the checkout or the cache lives in /tmp (it would hide them)
case "${checkout}:${denoDir}" in /tmp/*|*:/tmp/*) ;; *) mount -t tmpfs -o mode=1777 tmpfs /tmp ;; esac
for ro in "${checkout}" "${denoDir}"; do mount --bind "$ro" "$ro"; mount -o remount,bind,ro "$ro"; done
log=/run/user/0/log
env -i HOME=/root USER=root LOGNAME=root PATH=/usr/local/bin:/usr/bin:/bin \
  XDG_RUNTIME_DIR=/run/user/0 ${unitValue(unit, "Environment")} ${exec} >"$log" 2>&1 &
pid=$!
for _ in $(seq 200); do [ -S ${sock} ] && break; kill -0 $pid || break; sleep 0.1; done
python3 -c 'import socket,struct,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); n=struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))[0]; print("frame:", s.recv(n, socket.MSG_WAITALL)[4:8].decode())' ${sock}
kill -TERM $pid; wait $pid; echo "exit: $?"
[ -e ${sock} ] || echo "socket removed"
cat "$log"`,
        { env: { PATH: "/usr/bin:/bin" } },
      );
      assert.equal(code, 0, text);
      assert.match(text, /^frame: OPTM$/m);
      assert.match(text, /^exit: 0$/m);
      assert.match(text, /^socket removed$/m);
      assert.match(text, new RegExp(` listening socket=${sock} mode=0600 .*parent_checked=true`));
      assert.doesNotMatch(text, /WARN|ERROR|error/);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "install --from-source: the launchd agent runs deno on the checkout, socket in $TMPDIR" +
    (havePlistlib ? "" : " [SKIPPED: no /usr/bin/python3 with plistlib]"),
  ignore: !havePlistlib,
  fn() {
    const { dir, home } = sandbox();
    try {
      const tmp = "/var/folders/zz/abc123/T/";
      const r = run(
        home,
        ["install", "--os", "Darwin", "--from-source", "--no-start"],
        sourcePath,
        script,
        {
          env: { DENO_DIR: denoDir, TMPDIR: tmp },
        },
      );
      assert.equal(r.code, 0, r.stderr);
      const plist = readPlist(`${home}/Library/LaunchAgents/dev.opta.metrics.plist`);
      const socket = `${tmp}opta-metrics.sock`;
      const checkout = Deno.realPathSync(root).replace(/\/$/, "");
      assert.deepEqual(plist.ProgramArguments, [
        realDeno,
        "run",
        "--quiet",
        "--no-prompt",
        "--cached-only",
        "--config",
        `${checkout}/deno.json`,
        ...sourceFlags("serve", [`/private${socket}`], "darwin"),
        `${checkout}/src/main.ts`,
        "serve",
        "--socket",
        socket,
      ]);
      assert.deepEqual(plist.EnvironmentVariables, { DENO_DIR: denoDir });
      assert.equal(plist.RunAtLoad, true);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test("install --from-source refuses with one line: no deno, an empty cache, with --binary", () => {
  const { dir, home, binary } = sandbox();
  try {
    // a PATH with what the script runs before it looks for deno, and no deno
    Deno.mkdirSync(`${dir}/no-deno`);
    for (const tool of ["dirname", "uname"]) {
      Deno.symlinkSync(`/usr/bin/${tool}`, `${dir}/no-deno/${tool}`);
    }
    const cases: [string[], string, Record<string, string>, number, RegExp][] = [
      [["--from-source"], `${dir}/no-deno`, {}, 1, /--from-source needs deno on PATH/],
      [
        ["--from-source"],
        sourcePath,
        { DENO_DIR: `${dir}/empty-cache` },
        1,
        /the service's command line fails offline: .*npm package.*\(run deno task start once, online/,
      ],
      [["--from-source", "--binary", binary], sourcePath, {}, 2, /exclude each other/],
    ];
    for (const [args, path, env, code, message] of cases) {
      const r = run(home, ["install", "--os", "Linux", ...args, "--no-start"], path, script, {
        env,
      });
      assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], message);
    }
    const u = run(home, ["uninstall", "--from-source"]);
    assert.equal(u.code, 2);
    assert.throws(() => Deno.statSync(`${home}/.config`), "nothing written on a refusal");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
