/**
 * Where the socket is when nothing names it: the daemon's default place and the places a
 * client looks, per platform and per environment (pure, from a PlaceEnv), and the client's
 * pick among real sockets.
 */
import assert from "node:assert/strict";
import {
  candidateKind,
  clientSocketCandidates,
  defaultClientSocket,
  pickClientSocket,
} from "../../src/ipc/default_socket.ts";
import {
  clientPlaces,
  defaultServeSocket,
  type PlaceEnv,
  servePlaces,
} from "../../src/ipc/socket_place.ts";
import { SocketPathError } from "../../src/ipc/socket_path.ts";

/** A PlaceEnv where exactly `dirs` exist. */
function env(os: string, uid: number | null, more: Partial<PlaceEnv> = {}, dirs: string[] = []) {
  return { os, uid, isDir: (dir: string) => dirs.includes(dir), ...more };
}

Deno.test("Linux: the daemon serves in $XDG_RUNTIME_DIR, else /run/user/<uid>, else root's /run", () => {
  const sock = "opta-metrics.sock";
  assert.deepEqual(servePlaces(env("linux", 1000, { runtimeDir: "/run/user/1000" })), {
    places: [`/run/user/1000/${sock}`],
  });
  // trailing slashes go; a relative value is invalid (the XDG rule) and ignored
  assert.deepEqual(servePlaces(env("linux", 1000, { runtimeDir: "/x/rt//" })).places, [
    `/x/rt/${sock}`,
  ]);
  assert.deepEqual(
    servePlaces(env("linux", 1000, { runtimeDir: "rt" }, ["/run/user/1000"])).places,
    [`/run/user/1000/${sock}`],
  );
  // unset: the runtime directory when it exists (su, a lingering user)
  assert.deepEqual(servePlaces(env("linux", 1000, {}, ["/run/user/1000"])).places, [
    `/run/user/1000/${sock}`,
  ]);
  // root in a container: no variable, no /run/user/0
  assert.deepEqual(servePlaces(env("linux", 0)).places, [`/run/opta-metrics/${sock}`]);
  // anyone else with neither: no place, and why
  const none = servePlaces(env("linux", 1000));
  assert.deepEqual(none.places, []);
  assert.match(
    none.none!,
    /XDG_RUNTIME_DIR is not set and \/run\/user\/1000 does not exist\): set XDG_RUNTIME_DIR .*, or name a socket path in OPTA_METRICS_SOCKET \(or --socket\)$/,
  );
  assert.throws(
    () => defaultServeSocket(env("linux", 1000)),
    (e) => e instanceof SocketPathError && /no runtime directory of yours/.test(e.message),
  );
});

Deno.test("macOS: the daemon serves in $TMPDIR, then where Homebrew's var/run exists", () => {
  const tmp = "/var/folders/zz/abc/T/";
  assert.deepEqual(servePlaces(env("darwin", 501, { tmpDir: tmp })).places, [
    "/var/folders/zz/abc/T/opta-metrics.sock",
  ]);
  assert.deepEqual(
    servePlaces(env("darwin", 501, { tmpDir: tmp }, ["/usr/local/var/run"])).places,
    ["/var/folders/zz/abc/T/opta-metrics.sock", "/usr/local/var/run/opta-metrics.sock"],
  );
  assert.match(
    servePlaces(env("darwin", 501)).none!,
    /getconf DARWIN_USER_TEMP_DIR\), or name a socket path in OPTA_METRICS_SOCKET \(or --socket\)$/,
  );
});

Deno.test("the default serve socket is the first place this process may use, in its real form", () => {
  // Under -A every place is allowed: the first, with /var made /private/var on macOS.
  assert.equal(
    defaultServeSocket(env("darwin", 501, { tmpDir: "/var/folders/zz/abc/T" }, [
      "/opt/homebrew/var/run",
    ])),
    "/private/var/folders/zz/abc/T/opta-metrics.sock",
  );
});

Deno.test("clients look in every place a daemon of theirs may have chosen", () => {
  assert.deepEqual(clientPlaces(env("linux", 1000, { runtimeDir: "/run/user/1000" })), [
    "/run/user/1000/opta-metrics.sock",
  ]);
  assert.deepEqual(clientPlaces(env("linux", 1000, { runtimeDir: "/x" })), [
    "/x/opta-metrics.sock",
    "/run/user/1000/opta-metrics.sock",
  ]);
  assert.deepEqual(clientPlaces(env("linux", 0)), [
    "/run/user/0/opta-metrics.sock",
    "/run/opta-metrics/opta-metrics.sock",
  ]);
  assert.deepEqual(clientSocketCandidates(env("darwin", 501, { tmpDir: "/var/folders/a/b/T/" })), [
    "/private/var/folders/a/b/T/opta-metrics.sock",
    "/opt/homebrew/var/run/opta-metrics.sock",
    "/usr/local/var/run/opta-metrics.sock",
  ]);
});

Deno.test("pickClientSocket prefers this user's socket, then any socket, then a usable path", () => {
  const paths = ["/a", "/b", "/c"];
  const with_ = (kinds: Record<string, "own-socket" | "foreign-socket">) => (p: string) =>
    kinds[p] ?? "absent";
  assert.equal(pickClientSocket(paths, with_({})), "/a");
  assert.equal(pickClientSocket(paths, with_({ "/b": "own-socket" })), "/b");
  assert.equal(pickClientSocket(paths, with_({ "/a": "own-socket", "/c": "own-socket" })), "/a");
  // a squatted /a does not hide this user's service at /c ...
  assert.equal(
    pickClientSocket(paths, with_({ "/a": "foreign-socket", "/c": "own-socket" })),
    "/c",
  );
  // ... and a foreign socket alone is still chosen, so the client's ownership check says why
  assert.equal(pickClientSocket(paths, with_({ "/b": "foreign-socket" })), "/b");
  // nothing there: wait on the first place this process may use (a binary cannot use $TMPDIR)
  assert.equal(pickClientSocket(paths, with_({}), (p) => p !== "/a"), "/b");
  assert.equal(pickClientSocket(paths, with_({}), () => false), "/a");
});

Deno.test("defaultClientSocket finds a live socket after a missing one (real sockets)", () => {
  const dir = Deno.makeTempDirSync({ prefix: "opta-default-" });
  const first = `${dir}/first.sock`;
  const brew = `${dir}/brew.sock`;
  const plain = `${dir}/plain-file`;
  Deno.writeTextFileSync(plain, "not a socket");
  const listener = Deno.listen({ transport: "unix", path: brew });
  try {
    assert.equal(candidateKind(first, Deno.uid()), "absent");
    assert.equal(candidateKind(plain, Deno.uid()), "absent");
    assert.equal(candidateKind(brew, Deno.uid()), "own-socket");
    assert.equal(candidateKind(brew, Deno.uid()! + 1), "foreign-socket");
    assert.equal(defaultClientSocket([first, plain, brew]), brew);
    assert.equal(defaultClientSocket([first, plain]), first, "nothing there: wait on the first");
    const second = Deno.listen({ transport: "unix", path: first });
    try {
      assert.equal(defaultClientSocket([first, plain, brew]), first, "the per-user one wins");
    } finally {
      second.close();
    }
    assert.throws(() => defaultClientSocket([]), SocketPathError);
  } finally {
    listener.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
