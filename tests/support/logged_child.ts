/**
 * A subprocess for end-to-end tests whose stderr (one line per event) is collected line by
 * line: wait for a line, signal it, stop it. The daemon and the exporter run as these.
 *
 * @module
 */

import assert from "node:assert/strict";

/** A running (or exited) subprocess whose stderr is collected line by line. */
export class LoggedChild {
  /** Its pid. */
  readonly pid: number;
  /** Every stderr line so far. */
  readonly lines: string[] = [];
  /** Resolves when the process has exited. */
  readonly status: Promise<Deno.CommandStatus>;
  /** Resolves when stderr has been read to its end. */
  readonly stderrDone: Promise<void>;
  readonly #child: Deno.ChildProcess;
  #exited: Deno.CommandStatus | null = null;
  #waiters: (() => void)[] = [];

  /**
   * Spawns `command` (the executable first) with `options`; `name` says whose lines these
   * are in failure messages.
   */
  constructor(
    readonly name: string,
    command: string[],
    options: { cwd?: string; env?: Record<string, string> } = {},
  ) {
    this.#child = new Deno.Command(command[0], {
      args: command.slice(1),
      cwd: options.cwd,
      env: options.env,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.pid = this.#child.pid;
    this.status = this.#child.status.then((status) => {
      this.#exited = status;
      this.#wake();
      return status;
    });
    this.stderrDone = this.#collect();
  }

  /** The exit status, or null while running. */
  get exited(): Deno.CommandStatus | null {
    return this.#exited;
  }

  /** Stderr so far, as one string. */
  get stderr(): string {
    return this.lines.join("\n");
  }

  async #collect(): Promise<void> {
    let rest = "";
    for await (const chunk of this.#child.stderr.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      this.lines.push(...parts);
      this.#wake();
    }
    if (rest) this.lines.push(rest);
    this.#wake();
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Lines matching `pattern`. */
  matching(pattern: RegExp): string[] {
    return this.lines.filter((line) => pattern.test(line));
  }

  /** Waits for a stderr line matching `pattern` (from line `from` on); fails after `ms`. */
  async waitForLine(pattern: RegExp, ms: number, from = 0): Promise<string> {
    const end = performance.now() + ms;
    while (true) {
      const line = this.lines.slice(from).find((l) => pattern.test(l));
      if (line !== undefined) return line;
      if (this.#exited) {
        await this.stderrDone;
        const late = this.lines.slice(from).find((l) => pattern.test(l));
        if (late !== undefined) return late;
        assert.fail(
          `${this.name} exited (code ${this.#exited.code}) before logging ${pattern}:\n${this.stderr}`,
        );
      }
      const left = end - performance.now();
      if (left <= 0) assert.fail(`no line matching ${pattern} within ${ms} ms:\n${this.stderr}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, Math.min(left, 100));
      });
      clearTimeout(timer);
    }
  }

  /** Sends `signal` (if still running). */
  signal(signal: Deno.Signal): void {
    if (this.#exited) return;
    try {
      this.#child.kill(signal);
    } catch {
      // exited meanwhile
    }
  }

  /** Waits for exit up to `ms`; null if still running then. */
  async waitExit(ms: number): Promise<Deno.CommandStatus | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const result = await Promise.race([
      this.status,
      new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), ms)),
    ]);
    clearTimeout(timer);
    return result;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited and stderr is drained. */
  async stop(graceMs = 2000): Promise<Deno.CommandStatus> {
    this.signal("SIGTERM");
    if (await this.waitExit(graceMs) === null) this.signal("SIGKILL");
    const status = await this.status;
    await this.stderrDone;
    return status;
  }

  /** SIGKILL and wait (leaves the socket file behind). */
  async kill(): Promise<Deno.CommandStatus> {
    this.signal("SIGKILL");
    const status = await this.status;
    await this.stderrDone;
    return status;
  }

  /** `ms since epoch` of the timestamp at the start of a log line. */
  static timeOf(line: string): number {
    const time = Date.parse(line.split(" ", 1)[0]);
    assert.ok(Number.isFinite(time), `no timestamp in: ${line}`);
    return time;
  }
}
