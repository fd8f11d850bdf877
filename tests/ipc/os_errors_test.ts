/**
 * OS errors become one line naming what failed, why and what to do: the pure
 * description, and `reportError` for any runtime I/O error that escapes a command.
 */
import assert from "node:assert/strict";
import { describeOsError, osErrorCode } from "../../src/os_error.ts";
import { reportError } from "../../src/main.ts";

/** Real OS errors, each from a real call on a real path. */
async function realErrors(dir: string): Promise<Record<string, unknown>> {
  const caught = async (action: () => unknown) => {
    try {
      await action();
    } catch (error) {
      return error;
    }
    assert.fail("no error");
  };
  Deno.writeTextFileSync(`${dir}/file`, "x");
  Deno.symlinkSync(`${dir}/loop`, `${dir}/loop`);
  const sock = `${dir}/s.sock`;
  const listener = Deno.listen({ transport: "unix", path: sock });
  try {
    return {
      ENOENT: await caught(() => Deno.statSync(`${dir}/missing/x`)),
      ENOTDIR: await caught(() => Deno.statSync(`${dir}/file/x`)),
      ELOOP: await caught(() => Deno.statSync(`${dir}/loop/x`)),
      EADDRINUSE: await caught(() => Deno.listen({ transport: "unix", path: sock })),
      EEXIST: await caught(() => Deno.mkdirSync(`${dir}/file`)),
    };
  } finally {
    listener.close();
  }
}

Deno.test("each OS error of the socket path is described in one line naming path, errno and remedy", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "omd" });
  try {
    const errors = await realErrors(dir);
    const expected: Record<string, RegExp> = {
      ENOENT: /a directory on the way does not exist \(ENOENT\); create it \(mkdir -m 700 \/x\/y\)/,
      ENOTDIR: /a component of the path is not a directory \(ENOTDIR\); fix the path/,
      ELOOP: /too many levels of symbolic links \(a loop\) \(ELOOP\); fix the symbolic link/,
      EADDRINUSE: /address already in use \(EADDRINUSE\)/,
      EEXIST: /something already exists there \(EEXIST\)/,
    };
    for (const [code, error] of Object.entries(errors)) {
      assert.equal(osErrorCode(error), code, `${code}: ${error}`);
      const line = describeOsError("bind", "/x/y/s.sock", error);
      assert.ok(line.startsWith("cannot bind /x/y/s.sock: "), line);
      assert.match(line, expected[code]);
      assert.equal(line.split("\n").length, 1);
    }
    // Errors without a runtime class carry the errno in `code` (EROFS, EPERM, ...).
    const erofs = Object.assign(new Error("Read-only file system (os error 30)"), {
      code: "EROFS",
    });
    assert.match(
      describeOsError("bind", "/ro/s.sock", erofs),
      /^cannot bind \/ro\/s\.sock: read-only file system \(EROFS\); use a path on a writable/,
    );
    const eperm = Object.assign(new Error("Operation not permitted (os error 1)"), {
      code: "EPERM",
    });
    assert.match(describeOsError("remove", "/tmp/s.sock", eperm), /another user/);
    assert.equal(osErrorCode(new Error("plain")), null);
    assert.equal(osErrorCode("not an error"), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reportError: any runtime I/O error that escapes is one line and exit 1, never a stack", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "omd" });
  const printed: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => printed.push(args.map(String).join(" "));
  try {
    const errors = Object.values(await realErrors(dir));
    errors.push(
      new Deno.errors.PermissionDenied("Permission denied (os error 13): remove '/tmp/x.sock'"),
      new Deno.errors.FilesystemLoop("Too many levels of symbolic links (os error 40)"),
      Object.assign(new Error("Read-only file system (os error 30)"), { code: "EROFS" }),
    );
    for (const error of errors) {
      printed.length = 0;
      assert.equal(reportError(error), 1, `${error}`);
      assert.equal(printed.length, 1, printed.join("\n"));
      assert.equal(printed[0].split("\n").length, 1, printed[0]);
      assert.ok(printed[0].startsWith("opta-metrics: "), printed[0]);
      assert.doesNotMatch(printed[0], /internal error|\n\s+at /);
      assert.match(printed[0], /\(E[A-Z]+\); /, "says what it means and what to do");
    }
    // A real bug still keeps its stack and exit 70.
    printed.length = 0;
    assert.equal(reportError(new TypeError("x is undefined")), 70);
    assert.match(printed[0], /internal error/);
  } finally {
    console.error = original;
    await Deno.remove(dir, { recursive: true });
  }
});
