/**
 * The textfile writer, for node_exporter's textfile collector: the exposition goes to a
 * temporary file in the target's own directory, is made readable by node_exporter's user,
 * and is renamed over the target, so a reader sees the old file or the new one, never half
 * of one. The temporary name does not end in `.prom`, so the collector never reads it.
 * One exporter writes a given file: it holds a lock beside it while it runs.
 *
 * @module
 */

/** The directory part of an absolute path. */
function directoryOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

/** The temporary file `writeTextfile` writes before renaming it to `path`. */
export function temporaryPathFor(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  return `${directoryOf(path)}/.${name}.${Deno.pid}.tmp`;
}

/** Replace the file at `path` with `text` atomically (mode 0644); cleans up after a failure. */
export async function writeTextfile(path: string, text: string): Promise<void> {
  const temporary = temporaryPathFor(path);
  try {
    await Deno.writeTextFile(temporary, text, { mode: 0o644 });
    await Deno.chmod(temporary, 0o644); // the umask may have taken bits node_exporter needs
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}

/** The lock file beside `path`, `.NAME.lock`: held by the one exporter writing `path`. */
export function lockPathFor(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  return `${directoryOf(path)}/.${name}.lock`;
}

/** Another process holds the textfile's lock: it writes the file already. */
export class TextfileBusyError extends Error {
  /** Creates the error for the textfile `path`. */
  constructor(path: string) {
    super(
      `another exporter is already writing ${path} (it holds ${lockPathFor(path)}): ` +
        "stop it first, or give this one another --textfile",
    );
    this.name = "TextfileBusyError";
  }
}

/**
 * Take the textfile's lock: an exclusive `flock` on {@linkcode lockPathFor} (created 0600),
 * held while the returned file stays open and released by the kernel however the process
 * ends, so a killed exporter leaves no stale claim. Throws {@linkcode TextfileBusyError}
 * when another process holds it.
 */
export async function lockTextfile(path: string): Promise<Deno.FsFile> {
  const lockPath = lockPathFor(path);
  for (let attempt = 0; attempt < 10; attempt++) {
    const file = await Deno.open(lockPath, { write: true, create: true, mode: 0o600 });
    if (!await file.tryLock(true)) {
      file.close();
      throw new TextfileBusyError(path);
    }
    // A holder removes the lock file as it stops: a file locked after that is no longer
    // the one at the path, and a lock on it would let two exporters run. Take the new one.
    const held = await file.stat();
    const atPath = await Deno.stat(lockPath).catch(() => null);
    if (atPath !== null && atPath.ino === held.ino && atPath.dev === held.dev) return file;
    file.close();
  }
  throw new TextfileBusyError(path);
}

/** Give the lock up on a clean stop: its file goes first, while still held, then the lock. */
export async function unlockTextfile(path: string, lock: Deno.FsFile): Promise<void> {
  await Deno.remove(lockPathFor(path)).catch(() => {});
  lock.close();
}

/** Remove the textfile (on shutdown: no numbers are better than stale ones); absent is fine. */
export async function removeTextfile(path: string): Promise<void> {
  await Deno.remove(path).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}
