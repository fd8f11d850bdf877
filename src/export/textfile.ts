/**
 * The textfile writer, for node_exporter's textfile collector: the exposition goes to a
 * temporary file in the target's own directory, is made readable by node_exporter's user,
 * and is renamed over the target, so a reader sees the old file or the new one, never half
 * of one. The temporary name does not end in `.prom`, so the collector never reads it.
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

/** Remove the textfile (on shutdown: no numbers are better than stale ones); absent is fine. */
export async function removeTextfile(path: string): Promise<void> {
  await Deno.remove(path).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}
