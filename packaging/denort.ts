/**
 * Deno's runtime for compiled binaries (`denort`): where `deno compile` caches it, and the
 * one line that says what to do when it is neither cached nor downloadable (no network, or
 * Deno's download host unreachable).
 *
 * @module
 */

/** Where `deno compile` looks for `denort` before downloading it from dl.deno.land. */
export function denortCachePath(denoDir: string, target: string, version: string): string {
  return `${denoDir}/dl/release/v${version}/denort-${target}.zip`;
}

/** The URL `deno compile` downloads `denort` from. */
export function denortUrl(target: string, version: string): string {
  return `https://dl.deno.land/release/v${version}/denort-${target}.zip`;
}

/** Whether `deno compile`'s error output is a failed `denort` download. */
export function isDenortDownloadFailure(stderr: string): boolean {
  return /denort-[\w-]+\.zip/.test(stderr) &&
    /error sending request|dns error|Connect|timed out|status code/i.test(stderr);
}

/** One line: what is missing and how to pre-seed the cache. */
export function denortMissingMessage(target: string, version: string, denoDir: string): string {
  return `compile: ${target}: Deno's runtime is not cached and ${
    new URL(denortUrl(target, version)).host
  } is unreachable; download ${denortUrl(target, version)} elsewhere and put it at ` +
    `${denortCachePath(denoDir, target, version)} ($DENO_DIR/dl/release/v${version}/), ` +
    `then run this again (it works offline from there)`;
}

/** DENO_DIR as `deno` sees it (DENO_DIR, else the platform's cache folder). */
export async function denoDir(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdin: "null",
    stderr: "null",
  }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout)).denoDir;
}
