/**
 * A private tmux server for tests of `watch`'s live view on a real terminal: a
 * window of a chosen size runs a command (executed directly, no shell), and the
 * screen is captured as tmux shows it.
 *
 * @module
 */

import assert from "node:assert/strict";

/** The tmux executable, or null where none is installed. */
export const TMUX: string | null =
  ["/usr/bin/tmux", "/opt/homebrew/bin/tmux", "/usr/local/bin/tmux"].find((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  }) ?? null;

/** A tmux server on its own socket, with no configuration file. */
export class Tmux {
  /** Starts nothing yet: the first window starts the server on `socket`. */
  constructor(readonly socket: string) {}

  /** Runs a tmux command; its stdout, or the test fails with its stderr. */
  async run(...args: string[]): Promise<string> {
    assert.ok(TMUX, "tmux is not installed");
    const out = await new Deno.Command(TMUX, {
      args: ["-S", this.socket, "-f", "/dev/null", ...args],
      stdin: "null",
    }).output();
    const text = new TextDecoder();
    assert.ok(out.success, `tmux ${args[0]}: ${text.decode(out.stderr)}`);
    return text.decode(out.stdout);
  }

  /** A detached window `name` of `columns`×`rows` running `command` (the executable first). */
  async start(name: string, columns: number, rows: number, command: string[]): Promise<void> {
    await this.run(
      "new-session",
      "-d",
      "-s",
      name,
      "-x",
      String(columns),
      "-y",
      String(rows),
      ...command,
    );
  }

  /**
   * The screen of window `name`, one string per row, trailing blanks trimmed; with
   * `joined`, a line that wrapped onto the next row comes back as one line.
   */
  async capture(name: string, joined = false): Promise<string[]> {
    const text = await this.run("capture-pane", "-p", ...(joined ? ["-J"] : []), "-t", name);
    return text.replace(/\n$/, "").split("\n").map((line) => line.trimEnd());
  }

  /** Resizes window `name` as a user dragging its edge would. */
  async resize(name: string, columns: number, rows: number): Promise<void> {
    await this.run("resize-window", "-t", name, "-x", String(columns), "-y", String(rows));
  }

  /** Stops the server and every window's command. */
  async close(): Promise<void> {
    await this.run("kill-server").catch(() => {});
  }
}
