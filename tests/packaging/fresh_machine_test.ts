/**
 * The default socket on a fresh machine, for real: each test runs in a private mount
 * namespace whose /run is an empty tmpfs (as in a new container), so it touches nothing of
 * this machine's. The quick start (`deno task start`, then `deno task watch`) as root with no
 * XDG_RUNTIME_DIR and no /run/user/0, and the binary's exact set (`-P=serve-linux`, no other
 * flag) serving a user in their /run/user/<uid>. Needs root and unshare; says so when skipped.
 */
import assert from "node:assert/strict";
import { DAEMON_V8_FLAGS } from "../../src/daemon/v8.ts";
import { denoDirFor } from "../support/daemon.ts";
import { isExecutable } from "../support/host.ts";
import { canUnshareMounts, inPrivateMounts } from "../support/private_mounts.ts";

const root = new URL("../../", import.meta.url).pathname;
const canIsolate = canUnshareMounts && isExecutable("/usr/bin/setpriv");
const SKIP = canIsolate ? "" : " [SKIPPED: needs root, unshare and setpriv for a private /run]";

/** Runs the bash `script` with a private, empty /run, from the checkout; its code and output. */
function inFreshRun(script: string, env: Record<string, string> = {}) {
  return inPrivateMounts(`mount -t tmpfs -o mode=0755 tmpfs /run\n${script}`, { cwd: root, env });
}

/** The lines of `out` that are frames (JSON objects with a sequence). */
function frames(out: string): { sequence: number; memory_total: number }[] {
  return out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

/** Waits in bash for a socket at $1 while the process $2 lives. */
const WAIT_FOR_SOCKET = `wait_socket() {
  for _ in $(seq 200); do
    [ -S "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || { echo "daemon exited"; cat "$3"; return 1; }
    sleep 0.1
  done
  echo "no socket at $1"; cat "$3"; return 1
}`;

Deno.test({
  name: "quick start as root on a fresh machine (no XDG_RUNTIME_DIR, no /run/user/0)" + SKIP,
  ignore: !canIsolate,
  async fn() {
    const { code, out } = await inFreshRun(`${WAIT_FOR_SOCKET}
log=$(mktemp)
deno task start >"$log" 2>&1 &
pid=$!
wait_socket /run/opta-metrics/opta-metrics.sock "$pid" "$log"
echo "dir: $(stat -c '%a %U' /run/opta-metrics)"
echo "socket: $(stat -c '%a %U' /run/opta-metrics/opta-metrics.sock)"
deno task -q watch --count 3 --json 2>/dev/null
kill -TERM "$pid"; wait "$pid"
echo "exit: $?"
[ -e /run/opta-metrics/opta-metrics.sock ] || echo "socket removed"
grep -o 'listening socket=[^ ]*' "$log"`);
    assert.equal(code, 0, out);
    assert.match(out, /^dir: 700 root$/m);
    assert.match(out, /^socket: 600 root$/m);
    const got = frames(out);
    assert.equal(got.length, 3, out);
    assert.ok(got[0].memory_total > 0);
    assert.match(out, /^exit: 0$/m);
    assert.match(out, /^socket removed$/m);
    assert.match(out, /^listening socket=\/run\/opta-metrics\/opta-metrics\.sock$/m);
  },
});

Deno.test({
  name: "the binary's exact set serves uid 1000 in /run/user/1000, with or without the variable" +
    SKIP,
  ignore: !canIsolate,
  async fn() {
    const denoDir = await denoDirFor(1000, 1000);
    const otherDenoDir = await denoDirFor(1100, 1100);
    try {
      const as1000 = `/usr/bin/setpriv --reuid=1000 --regid=1000 --clear-groups --`;
      const serve = `deno run --quiet --no-prompt -P=serve-linux ` +
        `--v8-flags=${DAEMON_V8_FLAGS.join(",")} src/main.ts serve`;
      const watch =
        `deno run --quiet --no-prompt -P=serve-linux src/main.ts watch --count 2 --json`;
      const { code, out } = await inFreshRun(
        `${WAIT_FOR_SOCKET}
install -d -m 700 -o 1000 -g 1000 /run/user/1000
sock=/run/user/1000/opta-metrics.sock
for xdg in "XDG_RUNTIME_DIR=/run/user/1000" "XDG_UNSET=1"; do
  log=$(mktemp); chmod 666 "$log"
  env "$xdg" ${as1000} ${serve} >"$log" 2>&1 &
  pid=$!
  wait_socket "$sock" "$pid" "$log"
  echo "$xdg socket: $(stat -c '%a %u' "$sock")"
  env "$xdg" ${as1000} ${watch}
  kill -TERM "$pid"; wait "$pid"
  grep -o 'listening socket=[^ ]* mode=[0-9]* rate_hz=[0-9]* platform=linux parent_checked=[a-z]*' "$log"
done
# A uid outside the binary's range: refused before anything starts, saying why.
install -d -m 700 -o 1100 -g 1100 /run/user/1100
XDG_RUNTIME_DIR=/run/user/1100 DENO_DIR=${otherDenoDir} /usr/bin/setpriv --reuid=1100 --regid=1100 --clear-groups -- ${serve} || echo "exit: $?"`,
        { DENO_DIR: denoDir },
      );
      assert.equal(code, 0, out);
      for (const xdg of ["XDG_RUNTIME_DIR=/run/user/1000", "XDG_UNSET=1"]) {
        assert.match(out, new RegExp(`^${xdg} socket: 600 1000$`, "m"), out);
      }
      assert.equal(frames(out).length, 4, out);
      assert.equal(
        out.match(
          /^listening socket=\/run\/user\/1000\/opta-metrics\.sock .* parent_checked=true$/gm,
        )?.length,
        2,
        out,
      );
      assert.match(
        out,
        /^opta-metrics: socket path \/run\/user\/1100\/opta-metrics\.sock is not allowed to this deno run: add --allow-read=\/run\/user\/1100 /m,
      );
      assert.match(out, /^exit: 1$/m);
    } finally {
      await Deno.remove(denoDir, { recursive: true });
      await Deno.remove(otherDenoDir, { recursive: true });
    }
  },
});
