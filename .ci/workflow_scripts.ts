/**
 * The shell scripts inside GitHub workflow files, for shellcheck: every `run:` value, block
 * (`run: |`) or single line, with GitHub's `${{ … }}` expressions replaced by a placeholder
 * word (shellcheck cannot parse them; GitHub substitutes them before bash runs).
 *
 * @module
 */

/** One `run:` script of a workflow. */
export interface RunScript {
  /** 1-based line of the `run:` key. */
  line: number;
  /** The script, dedented, expressions replaced. */
  script: string;
}

/** What `${{ … }}` becomes: a plain word, valid wherever the expression stood. */
export const EXPRESSION_PLACEHOLDER = "GHA_EXPRESSION";

/** Every `run:` script in a workflow's text, in order. */
export function runScripts(workflow: string): RunScript[] {
  const lines = workflow.split("\n");
  const scripts: RunScript[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)(- )?run:(?:\s+(.*))?$/.exec(lines[i]);
    if (!m) continue;
    const keyLine = i + 1;
    const keyColumn = m[1].length + (m[2] ? 2 : 0);
    const value = (m[3] ?? "").replace(/\s+#.*$/, "").trim();
    let script: string;
    if (/^[|>][-+]?$/.test(value)) {
      const body: string[] = [];
      let j = i + 1;
      for (; j < lines.length; j++) {
        const text = lines[j];
        if (text.trim() !== "" && text.length - text.trimStart().length <= keyColumn) break;
        body.push(text);
      }
      while (body.length > 0 && body[body.length - 1].trim() === "") body.pop();
      const indent = Math.min(
        ...body.filter((b) => b.trim() !== "").map((b) => b.length - b.trimStart().length),
      );
      script = body.map((b) => b.slice(indent)).join("\n");
      i = j - 1;
    } else {
      script = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
    }
    scripts.push({ line: keyLine, script: withPlaceholders(script) });
  }
  return scripts;
}

/** Replace every `${{ … }}` expression by the placeholder word. */
export function withPlaceholders(script: string): string {
  return script.replace(/\$\{\{.*?\}\}/g, EXPRESSION_PLACEHOLDER);
}
