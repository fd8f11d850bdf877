/**
 * The documentation files whose code blocks and links the docs tests check: README.md,
 * PROTOCOL.md and every page in docs/.
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url);

/** The docs, as paths relative to the project root, README first. */
export function docFiles(): string[] {
  const pages = [...Deno.readDirSync(new URL("docs/", ROOT))]
    .filter((e) => e.isFile && e.name.endsWith(".md")).map((e) => `docs/${e.name}`).sort();
  return ["README.md", "PROTOCOL.md", ...pages];
}

/** The text of `file` (relative to the project root). */
export function readDoc(file: string): string {
  return Deno.readTextFileSync(new URL(file, ROOT));
}

/** The project root as a file URL. */
export { ROOT };
