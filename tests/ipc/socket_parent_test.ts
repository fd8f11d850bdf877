/**
 * The socket's directory must be safe before anything is bound in it: whoever may write it
 * may delete the socket and bind their own, and whoever owns it may make it writable. Real
 * directories, the real daemon under its shipped set; a second uid through `setpriv` (needs
 * root, says so when skipped).
 */
import assert from "node:assert/strict";
import { parentProblem } from "../../src/ipc/socket_path.ts";
import { runDaemonToExit, withDir } from "../support/daemon.ts";
import { isExecutable } from "../support/host.ts";

const isRoot = Deno.uid() === 0;
const NOBODY = 65534;
const canSwitchUser = Deno.build.os === "linux" && isRoot && isExecutable("/usr/bin/setpriv");
const AS_ROOT = canSwitchUser ? "" : " [SKIPPED: needs root and setpriv to act as a second uid]";

/** One line, exit 1, the socket never created. */
async function assertRefused(socket: string, pattern: RegExp): Promise<void> {
  const run = await runDaemonToExit(socket);
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.lines.length, 1, run.stderr);
  assert.match(run.lines[0], pattern);
  assert.throws(() => Deno.lstatSync(socket), Deno.errors.NotFound);
}

Deno.test("parentProblem: only this user's or root's directory that no one else may write", () => {
  const me = 1000;
  const ok = (mode: number, uid: number) => parentProblem("/d", { mode, uid }, me);
  assert.equal(ok(0o700, me), null);
  assert.equal(ok(0o755, me), null);
  assert.equal(ok(0o755, 0), null, "root's, not writable by others");
  assert.equal(ok(0o1777, 0), null, "a system temporary directory (root's, sticky)");
  assert.match(ok(0o770, me)!, /writable by its group \(mode 0770\).*chmod go-w \/d$/);
  assert.match(ok(0o757, me)!, /writable by other users \(mode 0757\)/);
  assert.match(ok(0o777, 0)!, /writable by other users \(mode 0777\)/, "not sticky");
  assert.match(ok(0o700, 1001)!, /belongs to another user \(uid 1001\)/);
  assert.match(ok(0o1777, 1001)!, /belongs to another user \(uid 1001\)/, "sticky, not root's");
  assert.match(ok(0o1777, me)!, /sticky but not root's \(mode 1777, uid 1000\)/);
  assert.match(ok(0o1770, me)!, /sticky but not root's/);
  assert.equal(parentProblem("/d", { mode: 0o777, uid: null }, me), null, "no owners here");
});

Deno.test("a group-writable socket directory is refused before anything is bound", async () => {
  await withDir(async (dir) => {
    const group = `${dir}/g`;
    Deno.mkdirSync(group);
    Deno.chmodSync(group, 0o770);
    await assertRefused(
      `${group}/s.sock`,
      new RegExp(
        `^opta-metrics: socket directory ${group} is writable by its group \\(mode 0770\\)`,
      ),
    );
  });
});

Deno.test({
  name: "a sticky directory of another user is refused up front: its owner could swap the socket" +
    AS_ROOT,
  ignore: !canSwitchUser,
  async fn() {
    await withDir(async (dir) => {
      Deno.chmodSync(dir, 0o755);
      const theirs = `${dir}/theirs`;
      Deno.mkdirSync(theirs);
      Deno.chmodSync(theirs, 0o1777);
      Deno.chownSync(theirs, NOBODY, NOBODY);
      // What the check prevents: the directory's owner removes a file of ours in it (the
      // sticky bit does not protect against the directory's owner) and binds in its place.
      const ours = `${theirs}/ours.sock`;
      Deno.writeTextFileSync(ours, "root's");
      const swap = new Deno.Command("/usr/bin/setpriv", {
        args: [
          `--reuid=${NOBODY}`,
          `--regid=${NOBODY}`,
          "--clear-groups",
          "--",
          "/usr/bin/python3",
          "-c",
          "import os, socket, sys; os.unlink(sys.argv[1]); socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
          ours,
        ],
        stderr: "piped",
      }).outputSync();
      assert.ok(swap.success, new TextDecoder().decode(swap.stderr));
      assert.equal(Deno.lstatSync(ours).uid, NOBODY, "the owner replaced root's file");
      Deno.removeSync(ours);

      await assertRefused(
        `${theirs}/s.sock`,
        new RegExp(
          `^opta-metrics: socket directory ${theirs} belongs to another user \\(uid ${NOBODY}\\)`,
        ),
      );
      // Not writable by anyone else, but still theirs: they may chmod it at any time.
      Deno.chmodSync(theirs, 0o755);
      await assertRefused(`${theirs}/s.sock`, /belongs to another user \(uid 65534\)/);
    });
  },
});
