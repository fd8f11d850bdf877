/**
 * Syntax checks of the configuration languages docs show for other programs: YAML (read by
 * Ruby's YAML, as the workflow tests read it), TOML (Python's tomllib) and Grafana Alloy's
 * configuration syntax (strings and comments closed, brackets balanced; no Alloy binary is
 * here). A block written to a file (`file=NAME`) is checked before it is written, so a later
 * shell block can run the program's own checker on it (promtool for Prometheus).
 *
 * @module
 */

/** The config languages these checks know. */
export const CONFIG_LANGUAGES: ReadonlySet<string> = new Set(["yaml", "toml", "alloy"]);

/** Throws with the parser's message when `code` is not valid `lang`. */
export function checkConfigSyntax(lang: string, code: string): void {
  if (lang === "alloy") return alloyBalanced(code);
  const dir = Deno.makeTempDirSync({ prefix: "omd-syntax" });
  try {
    const file = `${dir}/block`;
    Deno.writeTextFileSync(file, code);
    const [cmd, args] = lang === "yaml"
      ? ["ruby", ["-ryaml", "-e", "YAML.safe_load(File.read(ARGV[0]), aliases: true)", file]]
      : ["/usr/bin/python3", [
        "-c",
        "import sys, tomllib; tomllib.load(open(sys.argv[1], 'rb'))",
        file,
      ]];
    const out = new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).outputSync();
    if (!out.success) throw new Error(`${lang}: ${new TextDecoder().decode(out.stderr).trim()}`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Alloy: every string and comment closed, every bracket matched by its own kind, in order. */
export function alloyBalanced(code: string): void {
  const open: { c: string; line: number }[] = [];
  const closing: Record<string, string> = { "}": "{", "]": "[", ")": "(" };
  let line = 1;
  let i = 0;
  const skipTo = (end: string, what: string) => {
    const at = code.indexOf(end, i);
    if (at < 0) throw new Error(`alloy: ${what} opened on line ${line} is not closed`);
    line += code.slice(i, at).split("\n").length - 1;
    i = at + end.length;
  };
  while (i < code.length) {
    const c = code[i];
    const two = code.slice(i, i + 2);
    if (two === "//") skipTo("\n", "comment");
    else if (two === "/*") skipTo("*/", "comment");
    else if (c === '"') {
      let j = i + 1;
      while (j < code.length && code[j] !== '"' && code[j] !== "\n") j += code[j] === "\\" ? 2 : 1;
      if (code[j] !== '"') throw new Error(`alloy: string on line ${line} is not closed`);
      i = j + 1;
    } else {
      if (c === "\n") line++;
      if ("{[(".includes(c)) open.push({ c, line });
      if (c in closing && open.pop()?.c !== closing[c]) {
        throw new Error(`alloy: "${c}" on line ${line} closes nothing open`);
      }
      i++;
    }
  }
  if (open.length > 0) {
    throw new Error(`alloy: "${open.at(-1)!.c}" of line ${open.at(-1)!.line} is not closed`);
  }
}
