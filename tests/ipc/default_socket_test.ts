/** A client with no --socket reaches a standalone daemon or the Homebrew service. */
import assert from "node:assert/strict";
import {
  candidateKind,
  clientSocketCandidates,
  defaultClientSocket,
  pickClientSocket,
} from "../../src/ipc/default_socket.ts";

Deno.test("default socket candidates: /tmp first, then both Homebrew prefixes on macOS only", () => {
  assert.deepEqual(clientSocketCandidates("darwin"), [
    "/tmp/opta-metrics.sock",
    "/opt/homebrew/var/run/opta-metrics.sock",
    "/usr/local/var/run/opta-metrics.sock",
  ]);
  assert.deepEqual(clientSocketCandidates("linux"), ["/tmp/opta-metrics.sock"]);
});

Deno.test("pickClientSocket prefers this user's socket, then any socket, then the first path", () => {
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
      assert.equal(defaultClientSocket([first, plain, brew]), first, "/tmp wins when both serve");
    } finally {
      second.close();
    }
  } finally {
    listener.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
