/** The Homebrew formula, launchd plist and systemd unit are well-formed and point at granted sockets. */
import assert from "node:assert/strict";
import { grantedSocketPaths } from "../../src/ipc/socket_grants.ts";
import { resolveSocketPath } from "../../src/ipc/socket_path.ts";
import { works } from "../support/host.ts";

// The formula is macOS-only, the unit Linux-only: each is checked against the socket paths
// its platform's permission set grants (on macOS /tmp is bound as /private/tmp).
const grantedOnMac = (path: string) =>
  grantedSocketPaths("serve-darwin").includes(resolveSocketPath(path, "darwin"));
const grantedOnLinux = (path: string) => grantedSocketPaths("serve-linux").includes(path);

const root = new URL("../../", import.meta.url).pathname;
const formula = Deno.readTextFileSync(`${root}packaging/homebrew/opta-metrics.rb`);
const plistPath = `${root}packaging/launchd/dev.opta.metrics.plist`;
const unit = Deno.readTextFileSync(`${root}packaging/systemd/opta-metrics.service`);

const has = (tool: string) => works(tool, ["--version"]);

Deno.test({
  name: "the Homebrew formula passes ruby -c" + (has("ruby") ? "" : " [SKIPPED: no ruby]"),
  ignore: !has("ruby"),
  async fn() {
    const out = await new Deno.Command("ruby", {
      args: ["-c", `${root}packaging/homebrew/opta-metrics.rb`],
    })
      .output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(new TextDecoder().decode(out.stdout), /Syntax OK/);
  },
});

Deno.test("the formula has every part a tap formula needs", () => {
  for (
    const pattern of [
      /^class OptaMetrics < Formula$/m,
      /^\s+desc "[^"]+"$/m,
      /^\s+homepage "https:\/\/[^"]+"$/m,
      /^\s+license "[^"]+"$/m,
      /^\s+version "\d+\.\d+\.\d+"$/m,
      /on_macos do\s+on_arm do\s+url "[^"]+aarch64-apple-darwin\.tar\.gz"\s+sha256 "[0-9a-f]{64}"\s+end\s+on_intel do\s+url "[^"]+x86_64-apple-darwin\.tar\.gz"\s+sha256 "[0-9a-f]{64}"/,
      /bin\.install "opta-metrics"/,
      /service do\s+run \[opt_bin\/"opta-metrics", "serve", "--socket", var\/"run\/opta-metrics\.sock"\]/,
      /keep_alive true/,
      /process_type :\w+/,
      /log_path var\/"log\/opta-metrics\.log"/,
      /error_log_path var\/"log\/opta-metrics\.log"/,
      /def caveats/,
      /test do[\s\S]*sample --json[\s\S]*"serve", "--socket"[\s\S]*Process\.kill\("TERM"/,
    ]
  ) {
    assert.match(formula, pattern);
  }
});

Deno.test("the formula's service socket is granted under both Homebrew prefixes", () => {
  const relative = /var\/"(run\/opta-metrics\.sock)"/.exec(formula)![1];
  for (const prefix of ["/opt/homebrew", "/usr/local"]) {
    assert.ok(grantedOnMac(`${prefix}/var/${relative}`), `${prefix}/var/${relative}`);
  }
  const testSocket = /sock = "([^"]+)"/.exec(formula)![1];
  assert.ok(grantedOnMac(testSocket), `test do uses ${testSocket}`);
});

function hasPython(): boolean {
  try {
    return new Deno.Command("python3", { args: ["-c", "import plistlib"] }).outputSync().success;
  } catch {
    return false;
  }
}

Deno.test({
  name: "the launchd plist parses (plistlib) and runs serve on a granted socket" +
    (hasPython() ? "" : " [SKIPPED: no python3]"),
  ignore: !hasPython(),
  async fn() {
    const script = `import json, plistlib, sys
print(json.dumps(plistlib.load(open(sys.argv[1], "rb"))))`;
    const out = await new Deno.Command("python3", { args: ["-c", script, plistPath] }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const plist = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(plist.Label, "dev.opta.metrics");
    assert.equal(plist.RunAtLoad, true);
    assert.equal(plist.KeepAlive, true);
    assert.ok(["Background", "Standard", "Adaptive", "Interactive"].includes(plist.ProcessType));
    assert.equal(plist.LowPriorityIO, true);
    assert.ok(plist.ThrottleInterval >= 30, "a failing daemon must not restart every 10 s");
    assert.equal(plist.Umask, 0o077);
    // a template: install-service.sh fills in the command, the socket and the log (see
    // install_service_test.ts)
    assert.equal(plist.StandardOutPath, "@LOG@");
    assert.equal(plist.StandardErrorPath, "@LOG@");
    assert.deepEqual(plist.ProgramArguments, ["@BINARY@", "serve", "--socket", "@SOCKET@"]);
  },
});

Deno.test("the systemd user unit has its keys and runs serve on a granted socket", () => {
  const sections = new Map<string, Map<string, string>>();
  let current = "";
  for (const raw of unit.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const section = /^\[(\w+)\]$/.exec(line);
    if (section) {
      current = section[1];
      sections.set(current, new Map());
      continue;
    }
    const kv = /^(\w+)=(.*)$/.exec(line);
    assert.ok(kv && current, `not a key=value line in a section: ${line}`);
    sections.get(current)!.set(kv[1], kv[2]);
  }
  assert.deepEqual([...sections.keys()], ["Unit", "Service", "Install"]);
  const service = sections.get("Service")!;
  assert.equal(service.get("Type"), "simple");
  assert.equal(service.get("Restart"), "on-failure");
  assert.equal(sections.get("Install")!.get("WantedBy"), "default.target");
  assert.ok(sections.get("Unit")!.get("Description"));
  const exec = service.get("ExecStart")!.split(/\s+/);
  assert.ok(exec[0].endsWith("/opta-metrics"));
  assert.equal(exec[1], "serve");
  // the user's runtime directory (%t), which the Linux binary may use for uids 0 and 1000–1099
  const socket = exec[exec.indexOf("--socket") + 1];
  assert.equal(socket, "%t/opta-metrics.sock");
  for (const uid of [0, 1000, 1099]) {
    assert.ok(grantedOnLinux(socket.replace("%t", `/run/user/${uid}`)), `uid ${uid}`);
  }
  assert.equal(service.get("ReadWritePaths"), "%t", "the runtime directory is writable");
});
