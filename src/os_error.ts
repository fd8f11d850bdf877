/**
 * The one-line description of an OS error: what failed on which path, why, and
 * what to do. The socket path and the command line turn the environment's
 * failures into such lines instead of stack traces.
 *
 * @module
 */

/** Why an OS call failed and what the user can do, by errno code. */
const OS_ERRORS: Record<string, [reason: string, advice: string]> = {
  EACCES: [
    "permission denied",
    "check the owner and mode of the path and of each directory above it (ls -ld), " +
    "or use another path",
  ],
  EPERM: [
    "operation not permitted",
    "it belongs to another user (in a sticky directory such as /tmp only its owner or root " +
    "may remove it): ask them to remove it, or use another path",
  ],
  EADDRINUSE: ["address already in use", "another server is bound there: stop it first"],
  ENOENT: [
    "a directory on the way does not exist",
    "create it (mkdir -m 700 {dir}) or use another path",
  ],
  ENOTDIR: ["a component of the path is not a directory", "fix the path or use another one"],
  ELOOP: [
    "too many levels of symbolic links (a loop)",
    "fix the symbolic link or use another path",
  ],
  EROFS: ["read-only file system", "use a path on a writable file system"],
  EISDIR: ["it is a directory", "use another path"],
  EEXIST: ["something already exists there", "remove it if it is yours, or use another path"],
  ENAMETOOLONG: ["the path is too long", "use a shorter path"],
  ENOSPC: ["no space left on the device", "free some space"],
  EDQUOT: ["disk quota exceeded", "free some space"],
  EMFILE: ["too many open files", "raise the open-file limit (ulimit -n)"],
  ENFILE: ["too many open files on the system", "close some programs or raise the system limit"],
};

/** Errno codes of Deno's error classes, for errors that carry no `code`. */
const CODE_OF_CLASS: Record<string, string> = {
  PermissionDenied: "EACCES",
  NotFound: "ENOENT",
  NotADirectory: "ENOTDIR",
  FilesystemLoop: "ELOOP",
  AddrInUse: "EADDRINUSE",
  IsADirectory: "EISDIR",
  AlreadyExists: "EEXIST",
};

/** The errno code (such as `EACCES`) of an OS error; null for anything else. */
export function osErrorCode(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) return code;
  return CODE_OF_CLASS[error.name] ?? null;
}

/** Is this one of the runtime's I/O error classes (`Deno.errors.*`)? */
export function isRuntimeError(error: unknown): error is Error {
  return Object.values(Deno.errors).some((cls) => error instanceof cls);
}

/**
 * What an OS error means and what to do about it, as one clause naming `dir` where
 * the advice is about the directory; null when unknown.
 */
export function osErrorAdvice(error: unknown, dir = "the directory"): string | null {
  const code = osErrorCode(error);
  if (code === null) return null;
  const known = OS_ERRORS[code];
  return known ? `${known[0]} (${code}); ${known[1].replace("{dir}", dir)}` : null;
}

/**
 * One line for an OS error met while doing `action` on `path`: what failed, why,
 * and what to do.
 */
export function describeOsError(action: string, path: string, error: unknown): string {
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  const advice = osErrorAdvice(error, dir) ??
    (error instanceof Error ? error.message : String(error)).split("\n")[0];
  return `cannot ${action} ${path}: ${advice}`;
}
