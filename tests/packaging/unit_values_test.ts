/**
 * `.ci/unit_values`, ci.yml's check that the daemon under the systemd unit streams every
 * value the host has, against real daemons from source: one that sees the host passes; one
 * in a network namespace of its own (what `PrivateNetwork=true` did) fails naming the network,
 * and its network source says why the value is absent instead of reporting it ok with nothing.
 */
import assert from "node:assert/strict";
import { sourceFlags } from "../../packaging/source_flags.ts";
import { Daemon, daemonCommand, startDaemon, withDir } from "../support/daemon.ts";
import { isExecutable, works } from "../support/host.ts";

const root = new URL("../../", import.meta.url).pathname;
const canUnshare = Deno.build.os === "linux" && Deno.uid() === 0 &&
  isExecutable("/usr/bin/unshare");
const havePython = works("python3", ["-c", ""]);
const SKIP = canUnshare && havePython ? "" : " [SKIPPED: needs root, unshare and python3]";
const decoder = new TextDecoder();

/** A stand-in for the binary: the daemon's program from source, allowed `socket`. */
function binFor(dir: string, socket: string): string {
  const bin = `${dir}/opta-metrics`;
  Deno.writeTextFileSync(
    bin,
    `#!/bin/sh\nexec "${Deno.execPath()}" run --quiet ${
      sourceFlags("serve", [socket]).join(" ")
    } "${root}src/main.ts" "$@"\n`,
    { mode: 0o755 },
  );
  return bin;
}

function unitValues(bin: string, socket: string) {
  const out = new Deno.Command("/bin/bash", {
    args: [`${root}.ci/unit_values`, bin, socket],
    env: { NO_COLOR: "1" },
  }).outputSync();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test({
  name: ".ci/unit_values passes a daemon that sees the host, fails one in its own netns" + SKIP,
  ignore: SKIP !== "",
  async fn() {
    await withDir(async (dir) => {
      const socket = `${dir}/s.sock`;
      const bin = binFor(dir, socket);
      const seeing = await startDaemon(socket);
      try {
        const ok = unitValues(bin, socket);
        assert.equal(ok.code, 0, ok.stdout + ok.stderr);
        assert.match(ok.stdout, /^values ok: .*\bnetwork\b/m);
      } finally {
        await seeing.stop();
      }
      // What PrivateNetwork=true did: the daemon alone in an empty network namespace.
      const blind = new Daemon(socket, { wrapper: ["/usr/bin/unshare", "--net", "--"] });
      try {
        await blind.waitForLine(/\blistening\b/, 10_000);
        const failed = unitValues(bin, socket);
        assert.equal(failed.code, 1, failed.stdout + failed.stderr);
        assert.match(
          failed.stderr,
          /^unit_values: the host has network but the daemon's frames lack it$/m,
        );
      } finally {
        await blind.stop();
      }
    });
  },
});

Deno.test({
  name: "in a network namespace of its own, sample says why the network is absent" + SKIP,
  ignore: SKIP !== "",
  fn() {
    const sample = (...prefix: string[]) => {
      const [cmd, ...args] = [...prefix, ...daemonCommand("/unused").slice(0, 1)];
      const out = new Deno.Command(cmd, {
        args: [
          ...args,
          "run",
          "--quiet",
          "-P=serve-linux",
          `${root}src/main.ts`,
          "sample",
          "--json",
        ],
        cwd: root,
      }).outputSync();
      assert.equal(out.code, 0, decoder.decode(out.stderr));
      return JSON.parse(decoder.decode(out.stdout));
    };
    const host = sample();
    assert.ok(host.network !== null, "the host has a default route");
    assert.equal(host.sources.network.unseen, null);
    const blind = sample("/usr/bin/unshare", "--net", "--");
    assert.equal(blind.network, null);
    assert.equal(blind.sources.network.state, "ok");
    assert.match(
      blind.sources.network.unseen,
      /^no interface but lo: this process runs in a network namespace of its own/,
    );
  },
});
