/**
 * The attacks of another local user on the default socket, replayed as a second uid
 * (nobody, through setpriv) against `deno task start` in a private mount namespace whose
 * /run is a fresh tmpfs (nothing of this machine's is touched; /run/shared stands for a
 * shared temporary directory such as /tmp, root's and sticky): pre-creating the socket path
 * (any kind of file) and holding a lock on its directory work there, fail in the runtime
 * directory, and no longer stop or delay the quick start. Then a daemon's own shutdown,
 * which must leave a newer socket at its path alone. Needs root, unshare, setpriv, python3.
 */
import assert from "node:assert/strict";
import { startDaemon, withDir } from "../support/daemon.ts";
import { isExecutable } from "../support/host.ts";
import { canUnshareMounts, inPrivateMounts } from "../support/private_mounts.ts";

const root = new URL("../../", import.meta.url).pathname;
const canAttack = canUnshareMounts &&
  ["/usr/bin/setpriv", "/usr/bin/python3"].every(isExecutable);
const SKIP = canAttack ? "" : " [SKIPPED: needs root, unshare, setpriv and python3]";

/**
 * The attacker, as nobody: tries to put a file of each kind at `path` and to lock its
 * directory, printing what each attempt got; with `hold`, keeps the lock until killed.
 */
const ATTACKER = `
import fcntl, json, os, socket, sys, time
path, hold = sys.argv[1], sys.argv[2] == "hold"
def attempt(action):
    try:
        action()
        return "done"
    except OSError as e:
        return e.__class__.__name__
def bind(p):
    socket.socket(socket.AF_UNIX).bind(p)
results = {}
for kind, make in [("file", lambda p: open(p, "w").close()), ("dir", os.mkdir),
                   ("fifo", os.mkfifo), ("symlink", lambda p: os.symlink("/etc/passwd", p)),
                   ("socket", bind)]:
    results[kind] = attempt(lambda: make(path + "." + kind if kind != "file" else path))
def lock():
    fd = os.open(os.path.dirname(path), os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    results["held"] = fd
results["lock"] = attempt(lock)
results.pop("held", None)
print(json.dumps(results), flush=True)
while hold and results["lock"] == "done":
    time.sleep(1)
`;

Deno.test({
  name: "another uid's pre-created socket path and lock on a shared directory no longer stop " +
    "the quick start; the same attacks on the runtime directory fail" + SKIP,
  ignore: !canAttack,
  async fn() {
    const { code, out: text } = await inPrivateMounts(
      `
mount -t tmpfs -o mode=0755 tmpfs /run
install -d -m 700 /run/user/0
install -d -m 1777 /run/shared
as_nobody() { /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
attacker=/run/attacker.py; printf '%s' "$ATTACKER" >"$attacker"; chmod 644 "$attacker"

# The old default's kind of place: every kind of file, and a lock held on the directory.
/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups -- \
  python3 "$attacker" /run/shared/opta-metrics.sock hold >/run/attack.out 2>&1 &
attack=$!
# Only this shell kills it: a subshell forked for a background start and killed before it
# execs still holds this trap, and would run it.
trap '[ "$BASHPID" != "$$" ] || kill "$attack" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s /run/attack.out ] && break; sleep 0.1; done
echo "in shared dir: $(cat /run/attack.out)"
# The new default place, the user's runtime directory.
echo "in runtime dir: $(as_nobody python3 "$attacker" /run/user/0/opta-metrics.sock once)"

# Each start logs to a file of its own: waiting for its "listening" line must not find an
# earlier start's, or it signals a start that has not begun.
listening() {
  for _ in $(seq 200); do grep -qs ' listening ' "$1" && return; sleep 0.1; done
  echo "no listening line in $1:"; cat "$1"; return 1
}
log=/run/runtime-dir.log
XDG_RUNTIME_DIR=/run/user/0 deno task start >"$log" 2>&1 &
pid=$!
listening "$log"
XDG_RUNTIME_DIR=/run/user/0 deno task -q watch --count 2 --json 2>/dev/null | wc -l | sed 's/^/frames: /'
kill -TERM "$pid"; wait "$pid" || true
grep -o 'listening socket=[^ ]*' "$log" || cat "$log"
grep -c 'stayed locked' "$log" | sed 's/^/lock waits: /' || true

# What the lock still does to a socket chosen in a shared directory: the start waits it
# out, and says so.
log=/run/shared-dir.log
OPTA_METRICS_SOCKET=/run/shared/mine.sock deno task start >"$log" 2>&1 &
pid=$!
listening "$log"
kill -TERM "$pid"; wait "$pid" || true
grep -o 'socket directory stayed locked by another process; going on socket=/run/shared/mine.sock waited_ms=5000' "$log" || cat "$log"
kill "$attack"
`,
      { cwd: root, env: { ATTACKER } },
    );
    assert.equal(code, 0, text);
    const attacks = (where: string) =>
      JSON.parse(new RegExp(`^in ${where}: (.*)$`, "m").exec(text)![1]);
    // In a shared directory the attacker can do all of it (the attacks are real) ...
    assert.deepEqual(attacks("shared dir"), {
      file: "done",
      dir: "done",
      fifo: "done",
      symlink: "done",
      socket: "done",
      lock: "done",
    });
    // ... in the runtime directory, none of it.
    assert.deepEqual(attacks("runtime dir"), {
      file: "PermissionError",
      dir: "PermissionError",
      fifo: "PermissionError",
      symlink: "PermissionError",
      socket: "PermissionError",
      lock: "PermissionError",
    });
    assert.match(text, /^frames: 2$/m, text);
    assert.match(text, /^listening socket=\/run\/user\/0\/opta-metrics\.sock$/m);
    assert.match(text, /^lock waits: 0$/m);
    assert.match(
      text,
      /stayed locked by another process; going on socket=\/run\/shared\/mine\.sock/,
    );
  },
});

Deno.test("a daemon's shutdown leaves a newer socket at its path alone", async () => {
  await withDir(async (dir) => {
    const sock = `${dir}/s.sock`;
    let closePathSeen = false;
    // The replacement must land between two of the daemon's 2 s socket checks for the
    // shutdown to meet it; a check that sees it first stops the daemon another way (also
    // leaving the socket): then try again.
    for (let attempt = 0; attempt < 5 && !closePathSeen; attempt++) {
      const daemon = await startDaemon(sock);
      const newer = new Deno.Command("/usr/bin/python3", {
        args: [
          "-c",
          "import os, socket, sys, time\nos.unlink(sys.argv[1])\n" +
          "s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen()\n" +
          "print('bound', flush=True)\ntime.sleep(30)",
          sock,
        ],
        stdout: "piped",
      }).spawn();
      try {
        const reader = newer.stdout.getReader();
        let said = "";
        while (!said.includes("\n")) {
          const { value, done } = await reader.read();
          assert.ok(!done, `python ended: ${said}`);
          said += new TextDecoder().decode(value);
        }
        assert.equal(said, "bound\n");
        reader.releaseLock();
        const ino = Deno.lstatSync(sock).ino;
        await daemon.stop();
        assert.equal(
          Deno.lstatSync(sock).ino,
          ino,
          `the newer socket was removed:\n${daemon.stderr}`,
        );
        closePathSeen = daemon.matching(/socket file is no longer ours, leaving it/).length === 1;
        if (!closePathSeen) assert.match(daemon.stderr, /another server took over/);
      } finally {
        newer.kill("SIGKILL");
        await newer.status;
        await newer.stdout.cancel().catch(() => {});
        try {
          Deno.removeSync(sock);
        } catch {
          // already gone: the failure above says why
        }
      }
    }
    assert.ok(closePathSeen, "the shutdown never met the newer socket");
  });
});
