/**
 * `systemd-analyze security` for tests of the service units: the overall exposure score of a
 * unit file, offline, as a user unit.
 *
 * @module
 */

/** The overall exposure in `systemd-analyze security` output, or null when there is none. */
export function overallExposure(output: string): number | null {
  const m = /Overall exposure level for \S+: (\d+(?:\.\d+)?) /.exec(output);
  return m ? Number(m[1]) : null;
}

/** The score of the user unit at `unitPath` (null when none is printed) and the whole report. */
export function unitExposure(unitPath: string): { score: number | null; report: string } {
  // A user manager's paths need XDG_RUNTIME_DIR; a private empty one is enough offline.
  const runtime = Deno.makeTempDirSync({ prefix: "opta-xdg-" });
  try {
    const out = new Deno.Command("systemd-analyze", {
      args: ["security", "--user", "--offline=yes", "--no-pager", unitPath],
      env: { XDG_RUNTIME_DIR: runtime, SYSTEMD_COLORS: "0" },
    }).outputSync();
    const report = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return { score: overallExposure(report), report };
  } finally {
    Deno.removeSync(runtime, { recursive: true });
  }
}
