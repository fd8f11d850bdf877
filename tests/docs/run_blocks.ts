/**
 * Runs the code blocks of the docs (see markdown.ts for the marker each may carry) in a
 * scratch folder that looks like a fresh clone: `opta-metrics/` holds the checkout's files
 * (links to them; `deno.json` and `deno.lock` copied, so nothing writes into the checkout),
 * and folders beside it stand for a project of the reader's own. `opta-metrics` on the PATH
 * runs `src/main.ts` as the binary would, and every socket path a block names is the test's,
 * so the reader's own daemon is neither used nor disturbed.
 *
 * @module
 */

import { Daemon, shortTempDir, startDaemon } from "../support/daemon.ts";
import { programCommand, writeProgram } from "../support/program.ts";
import { checkConfigSyntax, CONFIG_LANGUAGES } from "./config_syntax.ts";
import type { CodeBlock } from "./markdown.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const STREAM = new URL("./stream.py", import.meta.url).pathname;
const PYTHON = "/usr/bin/python3";
const BASH = "/bin/bash";
/** How long a block may run (or a streaming one take to show what it should). */
const BLOCK_MS = 90_000;
/** What a terminal program adds to its text: colours and cursor movement. */
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const NOT_LINKED = new Set([".git", "deno.json", "deno.lock", "dist", "coverage", "cov"]);

/** The languages a block may be run in; any other needs a `skip` marker. */
export const RUNNABLE = new Set([
  "sh",
  "bash",
  "ts",
  "typescript",
  "python",
  "json",
  "text",
  ...CONFIG_LANGUAGES,
]);

/** A scratch clone with a private socket path, and the daemon on it once a block needs one. */
export class Scratch {
  /** The checkout as a reader's clone: `<dir>/opta-metrics`. */
  readonly checkout: string;
  /** The test's socket path, which replaces the path a `daemon=` block names. */
  readonly socket: string;
  #daemon: Daemon | null = null;

  private constructor(readonly dir: string) {
    this.checkout = `${dir}/opta-metrics`;
    this.socket = `${dir}/d.sock`;
  }

  /** A fresh scratch folder. */
  static async create(): Promise<Scratch> {
    const scratch = new Scratch(await shortTempDir());
    Deno.mkdirSync(scratch.checkout);
    for (const entry of Deno.readDirSync(ROOT)) {
      if (NOT_LINKED.has(entry.name)) continue;
      Deno.symlinkSync(`${ROOT}${entry.name}`, `${scratch.checkout}/${entry.name}`);
    }
    for (const name of ["deno.json", "deno.lock"]) {
      Deno.copyFileSync(`${ROOT}${name}`, `${scratch.checkout}/${name}`);
    }
    Deno.mkdirSync(`${scratch.dir}/bin`);
    writeProgram(`${scratch.dir}/bin/opta-metrics`, programCommand(scratch.socket));
    return scratch;
  }

  /** Starts the daemon on {@linkcode socket} the first time it is asked for. */
  async daemon(): Promise<void> {
    if (this.#daemon === null) this.#daemon = await startDaemon(this.socket);
  }

  /** The folder a block runs in: the checkout, or `cwd` beside it (created). */
  cwd(cwd?: string): string {
    if (cwd === undefined) return this.checkout;
    const dir = `${this.dir}/${cwd}`;
    Deno.mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** The environment of every block: `opta-metrics` on the PATH, the test's socket. */
  env(): Record<string, string> {
    return {
      ...Deno.env.toObject(),
      PATH: `${this.dir}/bin:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
      OPTA_METRICS_SOCKET: this.socket,
      NO_COLOR: "1",
    };
  }

  /** Stops the daemon and removes the folder. */
  async close(): Promise<void> {
    await this.#daemon?.stop();
    await Deno.remove(this.dir, { recursive: true });
  }
}

/** The tools of `needs` this machine lacks (`python3-flatbuffers`: the Python package). */
export function missingNeeds(needs: readonly string[]): string[] {
  return needs.filter((tool) => {
    const [cmd, args] = tool === "python3-flatbuffers"
      ? [PYTHON, ["-c", "import flatbuffers"]]
      : [BASH, ["-c", `command -v '${tool}'`]];
    try {
      return !new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync().success;
    } catch {
      return true;
    }
  });
}

/** The program a block runs: the blocks it names in `after`, then its own text. */
function programOf(block: CodeBlock, byId: ReadonlyMap<string, CodeBlock>): string {
  const before = block.marker.after.map((id) => {
    const named = byId.get(id);
    if (!named) throw new Error(`no block with id=${id}`);
    return named.code;
  });
  return [...before, block.code].join("\n");
}

/** The shell programs of a `sh` block: the whole block, or with `lines` each command alone. */
function shellPrograms(code: string, lines: boolean): string[] {
  if (!lines) return [code];
  return code.replace(/\\\n\s*/g, "").split("\n").filter((l) => l.trim() && !/^\s*#/.test(l));
}

/** Runs `block` in `scratch`; throws with its output when it fails. */
export async function runBlock(
  scratch: Scratch,
  block: CodeBlock,
  byId: ReadonlyMap<string, CodeBlock>,
): Promise<void> {
  const { marker } = block;
  if (marker.daemon !== undefined) await scratch.daemon();
  let code = programOf(block, byId);
  if (marker.daemon !== undefined) code = code.replaceAll(marker.daemon, scratch.socket);
  const cwd = scratch.cwd(marker.cwd);
  if (block.lang === "json") JSON.parse(code);
  if (CONFIG_LANGUAGES.has(block.lang)) checkConfigSyntax(block.lang, code);
  if (marker.file !== undefined) {
    Deno.writeTextFileSync(`${cwd}/${marker.file}`, code);
    return;
  }
  // in the folder it runs in, as a reader's own file would be (Python looks for imports there)
  const source = `${cwd}/.doc-block-${block.line}`;
  switch (block.lang) {
    case "text":
    case "json":
    case "yaml":
    case "toml":
    case "alloy":
      return; // checked above: a configuration for another program, not run here
    case "sh":
    case "bash":
      for (const program of shellPrograms(code, marker.lines)) {
        Deno.writeTextFileSync(`${source}.sh`, `set -eo pipefail\n${program}\n`);
        await run(scratch, cwd, [BASH, `${source}.sh`], marker.until);
      }
      return;
    case "ts":
    case "typescript":
      Deno.writeTextFileSync(`${source}.ts`, code);
      await run(
        scratch,
        cwd,
        [Deno.execPath(), "run", "--no-prompt", `${source}.ts`],
        marker.until,
      );
      return;
    case "python":
      Deno.writeTextFileSync(`${source}.py`, code);
      await run(scratch, cwd, [PYTHON, `${source}.py`], marker.until);
      return;
    default:
      throw new Error(
        `no way to run a ${block.lang || "plain"} block: give it a language, or a ` +
          `doc-test skip="REASON" marker`,
      );
  }
}

/**
 * Checks a block that cannot run here as far as this machine can: shell syntax, Python syntax,
 * JSON. The marker's reason is required (markdown.ts refuses an empty one).
 */
export async function checkBlock(block: CodeBlock): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "omd-check" });
  try {
    const file = `${dir}/block`;
    Deno.writeTextFileSync(file, block.code);
    if (block.lang === "json") JSON.parse(block.code);
    if (CONFIG_LANGUAGES.has(block.lang)) checkConfigSyntax(block.lang, block.code);
    if (block.lang === "sh" || block.lang === "bash") await run(null, dir, [BASH, "-n", file]);
    if (block.lang === "python") {
      await run(null, dir, [
        PYTHON,
        "-c",
        "import ast, sys; ast.parse(open(sys.argv[1]).read())",
        file,
      ]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Runs `argv` in `cwd` to its end (exit 0 required), or, with `until`, on a terminal until its
 * output matches (then its whole session is killed).
 */
async function run(
  scratch: Scratch | null,
  cwd: string,
  argv: string[],
  until?: RegExp,
): Promise<void> {
  const env = scratch?.env() ?? { ...Deno.env.toObject(), NO_COLOR: "1" };
  if (until === undefined) {
    const out = await new Deno.Command(argv[0], {
      args: argv.slice(1),
      cwd,
      env,
      stdin: "null",
      signal: AbortSignal.timeout(BLOCK_MS),
    }).output();
    if (!out.success) {
      throw new Error(
        `exit ${out.code}${out.signal ? ` (${out.signal})` : ""}\n` +
          tail(new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr)),
      );
    }
    return;
  }
  const child = new Deno.Command(PYTHON, {
    args: [STREAM, ...argv],
    cwd,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let text = "";
  let matched = false;
  const timer = setTimeout(() => child.kill("SIGTERM"), BLOCK_MS);
  try {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      text += chunk.replaceAll("\r", "").replace(ANSI, "");
      if (until.test(text)) {
        matched = true;
        child.kill("SIGTERM");
        break;
      }
    }
  } finally {
    clearTimeout(timer);
    if (!matched) {
      try {
        child.kill("SIGTERM");
      } catch {
        // it has exited
      }
    }
  }
  const status = await child.status;
  if (!matched) {
    throw new Error(
      `ended (exit ${status.code}) before its output matched ${until}\n${tail(text)}`,
    );
  }
}

function tail(text: string): string {
  return text.split("\n").slice(-30).join("\n");
}
